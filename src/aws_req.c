#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "aws_endpoint.h"
#include "aws_req.h"
#include "aws_sigv4.h"
#include "util.h"
#include "xmalloc.h"

static const char *
aws_req_own(struct aws_req *r, char *s)
{
	r->owned[r->nowned++] = s;
	return s;
}

static int
aws_req_add(struct aws_req *r, const char *name, const char *value)
{
	if (r->nheaders == AWS_REQ_MAX_HEADERS)
		return -1;
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
	return 0;
}

int
aws_req_prepare(struct aws_req *r, const struct aws_endpoint *ep,
    const char *signing_name, const char *method, const char *path,
    const char *query, const struct http_header *extra, size_t nextra,
    const void *body, size_t body_len, const struct aws_credentials *creds,
    time_t now, char *err, size_t errlen)
{
	struct aws_sigv4_header		 sh[AWS_REQ_MAX_HEADERS];
	struct aws_sigv4_request	 sreq;
	struct aws_sigv4_params		 sp;
	struct aws_sigv4_result		 res;
	char				*fullpath, amz[20];
	size_t				 i;

	memset(r, 0, sizeof *r);
	memset(&res, 0, sizeof res);
	if (nextra + 5 > AWS_REQ_MAX_HEADERS) {
		snprintf(err, errlen, "too many request headers");
		return -1;
	}
	fullpath = xasprintf("%s%s", ep->base_path,
	    path != NULL && *path != '\0' ? path : "/");
	aws_req_own(r, fullpath);
	r->url = xasprintf("%s%s%s%s", ep->url, fullpath,
	    query != NULL && *query != '\0' ? "?" : "",
	    query != NULL ? query : "");
	aws_req_add(r, "Host", ep->host);
	for (i = 0; i < nextra; i++)
		aws_req_add(r, extra[i].name, extra[i].value);
	if (creds == NULL)
		return 0;

	for (i = 0; i < r->nheaders; i++) {
		sh[i].name = r->headers[i].name;
		sh[i].value = r->headers[i].value;
	}
	memset(&sreq, 0, sizeof sreq);
	sreq.method = method;
	sreq.path = fullpath;
	sreq.query = query;
	sreq.headers = sh;
	sreq.nheaders = r->nheaders;
	sreq.payload = body;
	sreq.payload_len = body_len;
	memset(&sp, 0, sizeof sp);
	sp.region = ep->signing_region;
	sp.service = signing_name;
	sp.amz_date = util_format_amzdate(now, amz, sizeof amz);
	sp.access_key = creds->access_key;
	sp.secret_key = creds->secret_key;
	sp.session_token = creds->session_token;
	if (aws_sigv4_sign(&sreq, &sp, &res, err, errlen) == -1)
		goto fail;
	for (i = 0; i < res.nadd; i++) {
		const char	*n = aws_req_own(r, xstrdup(res.add[i].name));
		const char	*v = aws_req_own(r, xstrdup(res.add[i].value));

		if (aws_req_add(r, n, v) == -1) {
			snprintf(err, errlen, "too many request headers");
			goto fail;
		}
	}
	aws_sigv4_result_cleanup(&res);
	return 0;
fail:
	aws_sigv4_result_cleanup(&res);
	return -1;
}

void
aws_req_cleanup(struct aws_req *r)
{
	size_t	i;

	for (i = 0; i < r->nowned; i++)
		util_free_secret(r->owned[i]);
	free(r->url);
	memset(r, 0, sizeof *r);
}
