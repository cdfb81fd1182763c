/*
 * test_pdf.c — unit tests of server/pdf.c, the programme's layout: a
 * document gives a whole PDF (header, trailer, one page per day after the
 * front page when the days are short); an item far taller than a page (a
 * title of thousands of characters, hundreds of attendees) is cut with an
 * ellipsis instead of running off or looping over new pages; a day of
 * many items flows over several pages; what is not a programme is refused
 * with a reason. The text itself is checked by 82-programme-pdf.t with
 * pdftotext.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "pdf.h"
#include "tap.h"

/* An item. */
static json_t *
item(const char *title, json_t *attendees)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[s,s]}",
	    "kind", "plenary", "title", title, "status", "confirmed",
	    "visibility", "public", "start", "10:00", "end", "11:00",
	    "room", "Plenary Hall", "venue", "G Messe", "attendees", attendees,
	    "delegations", "CA", "JP");
}

/* A programme of days, each with n copies of an item. */
static json_t *
programme(int days, int n, const char *title, int attendees)
{
	json_t	*doc, *list = json_array(), *items, *who;
	int	 d, i;

	for (d = 0; d < days; d++) {
		items = json_array();
		for (i = 0; i < n; i++) {
			who = json_array();
			for (int k = 0; k < attendees; k++)
				json_array_append_new(who, json_pack("{s:s, s:s}",
				    "name", "Delegate with a long name", "role", "member"));
			json_array_append_new(items, item(title, who));
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "date",
		    "2023-04-29", "label", "Saturday 29 April 2023", "items", items));
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:o}",
	    "conference", "G7 Digital", "dates", "28–30 April 2023",
	    "location", "Takasaki", "timezone", "Asia/Tokyo",
	    "utc_offset", "UTC+09:00", "reader", "kind", "delegation",
	    "delegation", "JP", "delegation_name", "Japan", "days", list);
	return doc;
}

/* Lay doc out; the number of pages ("/Type /Page" objects), or -1. */
static int
pages(json_t *doc, size_t *len)
{
	struct evbuffer	*out = evbuffer_new();
	char		*cause = NULL, *pdf, *p, *end;
	int		 n = -1;

	if (pdf_programme(doc, out, &cause) == 0) {
		*len = evbuffer_get_length(out);
		pdf = (char *)evbuffer_pullup(out, -1);
		end = pdf + *len;
		n = 0;
		/* The streams are compressed: search the bytes, not C strings. */
		if (*len < 5 || memcmp(pdf, "%PDF-", 5) != 0 ||
		    memmem(pdf, *len, "%%EOF", 5) == NULL)
			n = -2;
		for (p = pdf; n >= 0 && (p = memmem(p, (size_t)(end - p),
		    "/Type /Page", 11)) != NULL; p++)
			if ((size_t)(end - p) < 12 || p[11] != 's')
				n++;
	}
	free(cause);
	evbuffer_free(out);
	json_decref(doc);
	return n;
}

/* Short days: a front page and one page per day. */
static void
test_pages(void)
{
	size_t	len = 0;
	int	n = pages(programme(3, 4, "Opening", 1), &len);

	ok(n == 4, "3 short days: a front page and a page per day (%d pages)", n);
	ok(len > 1000, "a PDF of %zu bytes", len);
	n = pages(programme(1, 60, "Side event on digital trust", 2), &len);
	ok(n >= 3 && n <= 20, "60 items of one day flow over several pages (%d)", n);
	n = pages(programme(0, 0, "", 0), &len);
	ok(n == 1, "no days: the front page alone (%d)", n);
}

/* An item taller than a page is cut, not spread over pages for ever. */
static void
test_huge_item(void)
{
	size_t	 len = 0;
	char	*title = malloc(20001);
	int	 n;

	memset(title, 'x', 20000);
	for (int i = 7; i < 20000; i += 8)
		title[i] = ' ';
	title[20000] = '\0';
	n = pages(programme(1, 3, title, 400), &len);
	ok(n == 2, "three items with 20000-character titles and 400 attendees "
	    "fit on one page after the front page (%d)", n);
	free(title);
}

/* What is not a programme. */
static void
test_refused(void)
{
	struct evbuffer	*out = evbuffer_new();
	char		*cause = NULL;
	json_t		*doc = json_pack("{s:s}", "days", "none");

	ok(pdf_programme(doc, out, &cause) == -1 && cause != NULL &&
	    evbuffer_get_length(out) == 0,
	    "a document without a days array is refused, nothing written (%s)",
	    cause ? cause : "no cause");
	free(cause);
	json_decref(doc);
	evbuffer_free(out);
}

/* Run the tests. */
int
main(void)
{
	test_pages();
	test_huge_item();
	test_refused();
	return tap_done();
}
