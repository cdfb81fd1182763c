/*
 * route.h — the route table: which handler serves which method and path.
 *
 * Each API module defines its routes as named constants; route.c gathers
 * them into one array. Paths use {name} captures ("/api/v1/sessions/{id}").
 * The router checks the token before calling the handler: a route whose
 * role is above ROLE_NONE answers 401 without a valid token and 403 when the
 * caller's role is below the route's. Finer checks (which conference, which
 * delegation) are the handler's, since they need the resource.
 */
#ifndef KAIGI_ROUTE_H
#define KAIGI_ROUTE_H

#include <stdio.h>

#include "http.h"

struct route {
	int		 method;	/* EVHTTP_REQ_GET, ... (HEAD is served by GET routes) */
	const char	*path;
	enum role	 role;		/* minimum role; ROLE_NONE = anyone */
	int		 raw_body;	/* 1: do not parse the body as JSON */
	void		(*handle)(struct req *);
};

/* Find the route for method and path; fills captures. *allowed gets the Allow header when the path matches but the method does not. */
const struct route *route_match(int method, const char *path, struct req *r,
	    char *allowed, size_t allowedlen, int *path_matched);

/* Print the route table, one "METHOD\tPATH\tROLE\tjson|-" a line (kaigid --routes). */
void	route_print(FILE *);

/* Match a pattern against a path, capturing {names}; pure, for tests and fuzzing. */
int	route_path_match(const char *pattern, const char *path,
	    int *nparams, char **names, char **values, int max);
/* Free the first n captures made by route_path_match. */
void	route_free_captures(int n, char **names, char **values);

#endif
