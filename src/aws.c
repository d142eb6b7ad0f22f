#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_req.h"
#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_MAX_HEADERS	4

struct aws {
	struct http		*http;
	struct aws_creds	*creds;
	char			*region;
	struct http_retry	 retry;
};

struct aws_call {
	struct aws		*aws;
	enum aws_service	 svc;
	char			*label;
	char			*method;
	char			*path;
	char			*query;
	char			*body;
	size_t			 len;
	struct http_header	 headers[AWS_MAX_HEADERS];
	size_t			 nheaders;
	char			*target;
	int			 resigned;	/* after an expired token */
	aws_cb			 cb;
	void			*arg;
};

static void	aws_call_start(struct aws_call *);

struct aws *
aws_new(const struct aws_options *o, char *err, size_t errlen)
{
	struct aws	*a;

	if (o->http == NULL || o->creds == NULL) {
		snprintf(err, errlen, "aws: no transport or credentials");
		return NULL;
	}
	if (!aws_endpoint_region_valid(o->region)) {
		snprintf(err, errlen, "no valid AWS region (set [aws] region, "
		    "AWS_REGION or a profile region)");
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->http = o->http;
	a->creds = o->creds;
	a->region = xstrdup(o->region);
	a->retry.max_attempts = o->max_attempts > 0 ? o->max_attempts : 5;
	a->retry.base = o->backoff_base > 0 ? o->backoff_base : 0.2;
	a->retry.cap = o->backoff_cap > 0 ? o->backoff_cap : 20;
	a->retry.retry_after_max = a->retry.cap;
	return a;
}

void
aws_free(struct aws *a)
{
	if (a == NULL)
		return;
	free(a->region);
	free(a);
}

const char *
aws_region(const struct aws *a)
{
	return a->region;
}

int
aws_endpoint(const struct aws *a, enum aws_service svc,
    struct aws_endpoint *ep, char *err, size_t errlen)
{
	return aws_endpoint_resolve(svc, a->region, ep, err, errlen);
}

static void
aws_call_free(struct aws_call *c)
{
	free(c->label);
	free(c->method);
	free(c->path);
	free(c->query);
	util_free_secret(c->body);	/* may carry a secret (SNS message) */
	free(c->target);
	free(c);
}

/* Decodes an error answer according to the service's protocol. */
static void
aws_decode_error(enum aws_service svc, const struct http_response *r,
    struct aws_error *ae)
{
	const struct aws_service_info	*si = aws_service_info(svc);
	struct aws_reply		 reply;

	memset(&reply, 0, sizeof reply);
	reply.http_status = (int)r->status;
	reply.request_id = http_response_header(r, "x-amzn-RequestId");
	if (reply.request_id == NULL)
		reply.request_id = http_response_header(r, "x-amz-request-id");
	reply.query_error = http_response_header(r, "x-amzn-query-error");
	reply.error_type = http_response_header(r, "x-amzn-ErrorType");
	reply.body = r->body;
	reply.len = r->body_len;
	/*
	 * No answer, or one cut short (a reply that closed before its
	 * Content-Length): the body is not the service's word, so it is a
	 * connection error, whatever the status line said.
	 */
	if (r->status == 0 || ((r->flags & HTTP_F_TRANSPORT) &&
	    !(r->flags & HTTP_F_TOO_LARGE))) {
		aws_error_init(ae, si->name, 0);
		util_strlcpy(ae->code, r->flags & HTTP_F_TIMEOUT ? "Timeout" :
		    "ConnectionError", sizeof ae->code);
		util_strlcpy(ae->message, r->error, sizeof ae->message);
		aws_error_classify(ae);
		return;
	}
	if (si->protocol == AWS_PROTO_QUERY)
		aws_xml_error(&reply, si->name, ae);
	else
		aws_json_error(&reply, si->name, ae);
	if (r->flags & HTTP_F_TOO_LARGE) {
		util_strlcpy(ae->code, "ResponseTooLarge", sizeof ae->code);
		util_strlcpy(ae->message, r->error, sizeof ae->message);
		ae->retryable = ae->throttle = 0;
	}
}

static enum http_retry_class
aws_classify(const struct http_response *r, void *arg)
{
	struct aws_call		*c = arg;
	struct aws_error	 ae;

	if (http_response_ok(r) || (r->flags & (HTTP_F_TOO_LARGE |
	    HTTP_F_CANCELLED)))
		return HTTP_RETRY_NO;
	/* No answer, or a truncated one: retried like a closed connection. */
	if (r->status == 0 || (r->flags & HTTP_F_TRANSPORT))
		return HTTP_RETRY_TRANSIENT;
	aws_decode_error(c->svc, r, &ae);
	if (ae.throttle)
		return HTTP_RETRY_THROTTLED;
	return ae.retryable ? HTTP_RETRY_TRANSIENT : HTTP_RETRY_NO;
}

static void
aws_call_done(const struct http_response *r, void *arg)
{
	struct aws_call		*c = arg;
	struct aws_result	 res;
	char			 e[700];

	memset(&res, 0, sizeof res);
	res.http_status = (int)r->status;
	res.body = r->body;
	res.len = r->body_len;
	res.attempts = r->attempts;
	res.label = c->label;
	res.request_id = http_response_header(r, "x-amzn-RequestId");
	if (http_response_ok(r))
		res.ok = 1;
	else {
		aws_decode_error(c->svc, r, &res.error);
		if (res.error.credential && !c->resigned &&
		    strcmp(res.error.code, "SignatureDoesNotMatch") != 0) {
			/* Temporary credentials ran out: fetch, re-sign once. */
			log_info("%s: %s; refreshing credentials", c->label,
			    res.error.code);
			c->resigned = 1;
			aws_creds_invalidate(c->aws->creds);
			aws_call_start(c);
			return;
		}
		log_debug("%s: %s", c->label,
		    aws_error_format(&res.error, e, sizeof e));
	}
	c->cb(&res, c->arg);
	aws_call_free(c);
}

static void
aws_call_fail(struct aws_call *c, const char *code, const char *msg)
{
	struct aws_result	res;

	memset(&res, 0, sizeof res);
	aws_error_init(&res.error, aws_service_info(c->svc)->name, 0);
	util_strlcpy(res.error.code, code, sizeof res.error.code);
	util_strlcpy(res.error.message, msg, sizeof res.error.message);
	res.body = "";
	res.label = c->label;
	c->cb(&res, c->arg);
	aws_call_free(c);
}

static void
aws_call_have_creds(const struct aws_credentials *cr, const char *error,
    void *arg)
{
	struct aws_call			*c = arg;
	const struct aws_service_info	*si = aws_service_info(c->svc);
	struct aws_endpoint		 ep;
	struct aws_req			 req;
	struct http_request		 hr;
	char				 err[400];

	if (cr == NULL) {
		aws_call_fail(c, "NoCredentials", error);
		return;
	}
	if (aws_endpoint_resolve(c->svc, c->aws->region, &ep, err,
	    sizeof err) == -1 ||
	    aws_req_prepare(&req, &ep, si->signing_name, c->method, c->path,
	    c->query, c->headers, c->nheaders, c->body, c->len, cr, time(NULL),
	    err, sizeof err) == -1) {
		aws_call_fail(c, "RequestError", err);
		return;
	}
	memset(&hr, 0, sizeof hr);
	hr.method = c->method;
	hr.url = req.url;
	hr.headers = req.headers;
	hr.nheaders = req.nheaders;
	hr.body = c->body;
	hr.body_len = c->len;
	hr.label = c->label;
	hr.cb = aws_call_done;
	hr.arg = c;
	{
		/* The classifier needs the call; the policy is copied. */
		struct http_retry	retry = c->aws->retry;

		retry.classify = aws_classify;
		retry.classify_arg = c;
		hr.retry = &retry;
		if (http_submit(c->aws->http, &hr, err, sizeof err) == -1) {
			aws_req_cleanup(&req);
			aws_call_fail(c, "RequestError", err);
			return;
		}
	}
	aws_req_cleanup(&req);
}

static void
aws_call_start(struct aws_call *c)
{
	char	err[300];

	if (aws_creds_get(c->aws->creds, time(NULL), aws_call_have_creds, c,
	    err, sizeof err) == -1)
		aws_call_fail(c, "NoCredentials", err);
}

static struct aws_call *
aws_call_new(struct aws *a, enum aws_service svc, const char *op,
    const char *method, const char *body, size_t len, aws_cb cb, void *arg)
{
	struct aws_call	*c;

	c = xcalloc(1, sizeof *c);
	c->aws = a;
	c->svc = svc;
	c->label = xasprintf("%s:%s", aws_service_info(svc)->name, op);
	c->method = xstrdup(method);
	c->body = body != NULL ? xstrndup(body, len) : NULL;
	c->len = body != NULL ? len : 0;
	c->cb = cb;
	c->arg = arg;
	return c;
}

int
aws_call_json(struct aws *a, enum aws_service svc, const char *op,
    const char *body, aws_cb cb, void *arg, char *err, size_t errlen)
{
	const struct aws_service_info	*si = aws_service_info(svc);
	struct aws_call			*c;

	if (si == NULL || si->protocol != AWS_PROTO_JSON) {
		snprintf(err, errlen, "aws: %s does not speak AWS JSON",
		    si != NULL ? si->name : "?");
		return -1;
	}
	c = aws_call_new(a, svc, op, "POST", body, strlen(body), cb, arg);
	c->path = xstrdup("/");
	c->target = xasprintf("%s.%s", si->target_prefix, op);
	c->headers[c->nheaders].name = "Content-Type";
	c->headers[c->nheaders++].value = si->content_type;
	c->headers[c->nheaders].name = "X-Amz-Target";
	c->headers[c->nheaders++].value = c->target;
	if (svc == AWS_SVC_CLOUDWATCH) {
		c->headers[c->nheaders].name = "x-amzn-query-mode";
		c->headers[c->nheaders++].value = "true";
	}
	aws_call_start(c);
	return 0;
}

int
aws_call_query(struct aws *a, enum aws_service svc, const char *op,
    const char *body, size_t len, aws_cb cb, void *arg, char *err,
    size_t errlen)
{
	const struct aws_service_info	*si = aws_service_info(svc);
	struct aws_call			*c;

	if (si == NULL || si->protocol != AWS_PROTO_QUERY) {
		snprintf(err, errlen, "aws: %s does not speak Query",
		    si != NULL ? si->name : "?");
		return -1;
	}
	c = aws_call_new(a, svc, op, "POST", body, len, cb, arg);
	c->path = xstrdup("/");
	c->headers[c->nheaders].name = "Content-Type";
	c->headers[c->nheaders++].value = si->content_type;
	aws_call_start(c);
	return 0;
}

int
aws_call_rest(struct aws *a, enum aws_service svc, const char *op,
    const char *method, const char *path, const char *query,
    const char *body, aws_cb cb, void *arg, char *err, size_t errlen)
{
	const struct aws_service_info	*si = aws_service_info(svc);
	struct aws_call			*c;

	if (si == NULL || si->protocol != AWS_PROTO_REST_JSON) {
		snprintf(err, errlen, "aws: %s does not speak REST-JSON",
		    si != NULL ? si->name : "?");
		return -1;
	}
	c = aws_call_new(a, svc, op, method, body,
	    body != NULL ? strlen(body) : 0, cb, arg);
	c->path = xstrdup(path);
	c->query = query != NULL ? xstrdup(query) : NULL;
	if (body != NULL) {
		c->headers[c->nheaders].name = "Content-Type";
		c->headers[c->nheaders++].value = si->content_type;
	}
	aws_call_start(c);
	return 0;
}
