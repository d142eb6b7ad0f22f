/*
 * One signed (or deliberately unsigned) AWS HTTP request, ready for
 * http_submit(): URL, the caller's headers plus Host, X-Amz-Date,
 * X-Amz-Security-Token and Authorization. Shared by the credential chain
 * (STS) and the service client.
 */
#ifndef CWG_AWS_REQ_H
#define CWG_AWS_REQ_H

#include <stddef.h>
#include <time.h>

#include "http.h"

struct aws_endpoint;
struct aws_credentials;

#define AWS_REQ_MAX_HEADERS	16

struct aws_req {
	char			*url;
	struct http_header	 headers[AWS_REQ_MAX_HEADERS];
	size_t			 nheaders;
	char			*owned[AWS_REQ_MAX_HEADERS * 2];	/* wiped */
	size_t			 nowned;
};

/*
 * Builds the request to ep: path is appended to the endpoint's base path
 * ("/" when empty), query is raw (already encoded, may be NULL). With
 * creds NULL the request is not signed (AssumeRoleWithWebIdentity).
 * 0, or -1 with err; aws_req_cleanup() in both cases.
 */
int	 aws_req_prepare(struct aws_req *, const struct aws_endpoint *,
	    const char *signing_name, const char *method, const char *path,
	    const char *query, const struct http_header *extra, size_t nextra,
	    const void *body, size_t body_len,
	    const struct aws_credentials *creds, time_t now, char *err,
	    size_t errlen);
void	 aws_req_cleanup(struct aws_req *);

#endif
