/*
 * test_slowclient.c — the sweep that drops clients whose first request
 * has not arrived within `timeout`: never before the timeout has passed
 * since the connection was first seen, whatever instants the sweeps fall
 * on (a late timer makes them straddle second boundaries), and never a
 * connection that has had a request. Real sockets on the loopback; the
 * sweeps are called with chosen instants instead of waiting for the timer.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "slowclient.h"
#include "tap.h"

static int	listener;

/* A listening socket on 127.0.0.1, any port. */
static int
listen_loopback(void)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 8) != 0)
		return -1;
	return fd;
}

/* A connected pair: *client's end, and the accepted one returned. */
static int
connect_pair(int *client)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;

	if (getsockname(listener, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&sa, sizeof sa) != 0)
		return -1;
	return accept(listener, NULL, NULL);
}

/* Has the server shut the connection down (the client reads end of file)? */
static int
dropped(int client)
{
	char	c;
	ssize_t	n = recv(client, &c, 1, MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Sweeps 1.002 s apart that straddle two second boundaries. */
static void
test_straddling_sweeps(void)
{
	int	client, server = connect_pair(&client);

	ok(server >= 0, "a client connected");
	slowclient_sweep(100.999);		/* first seen */
	slowclient_sweep(102.001);		/* 1.002 s later */
	ok(!dropped(client), "not dropped 1.002 s after it was first seen "
	    "(timeout 2 s), though the sweeps fall in seconds 100 and 102");
	slowclient_sweep(102.998);
	ok(!dropped(client), "not dropped at 1.999 s");
	slowclient_sweep(103.0);
	ok(dropped(client), "dropped once 2 s have passed since it was first seen");
	close(client);
	close(server);
	slowclient_sweep(104.0);		/* forgets the closed one */
}

/* A connection that has had a request is never dropped. */
static void
test_served(void)
{
	int	client, server = connect_pair(&client);

	ok(server >= 0, "another client connected");
	slowclient_sweep(200.0);
	slowclient_served(server);
	slowclient_sweep(230.0);
	ok(!dropped(client), "a client that sent a request is kept after 30 s");
	close(client);
	close(server);
}

int
main(void)
{
	struct event_base	*base = event_base_new();

	log_set_level(LOG_WARN);	/* the drops are logged at info */
	listener = listen_loopback();
	ok(listener >= 0 && base != NULL, "a listening socket on the loopback");
	slowclient_start(base, listener, 2);
	test_straddling_sweeps();
	test_served();
	slowclient_stop();
	event_base_free(base);
	close(listener);
	return tap_done();
}
