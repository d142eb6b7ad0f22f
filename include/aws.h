/*
 * The AWS service client: endpoint, credentials, SigV4, protocol framing,
 * retries with full-jitter backoff on throttling and transient failures,
 * one re-sign after an expired-credentials answer, and decoded errors.
 * Asynchronous: completion callbacks run from the loop.
 */
#ifndef CWG_AWS_H
#define CWG_AWS_H

#include <stddef.h>

#include "aws_endpoint.h"
#include "aws_proto.h"

struct aws;
struct aws_creds;
struct http;

struct aws_options {
	struct http		*http;
	struct aws_creds	*creds;
	const char		*region;
	int			 max_attempts;	/* 0: 5 */
	double			 backoff_base;	/* seconds; 0: 0.2 */
	double			 backoff_cap;	/* seconds; 0: 20 */
};

/* What a callback sees; valid only during the callback. */
struct aws_result {
	int			 ok;		/* 2xx answer */
	struct aws_error	 error;		/* when !ok */
	int			 http_status;
	const char		*body;		/* NUL-terminated */
	size_t			 len;
	const char		*request_id;
	int			 attempts;
	const char		*label;		/* "cloudwatch:GetMetricData" */
};

typedef void (*aws_cb)(const struct aws_result *, void *arg);

struct aws *aws_new(const struct aws_options *, char *err, size_t errlen);
/* Pending calls complete with a "cancelled" error first. */
void	 aws_free(struct aws *);
const char *aws_region(const struct aws *);
/* Where svc's requests go (for `config check --online`). */
int	 aws_endpoint(const struct aws *, enum aws_service,
	    struct aws_endpoint *, char *err, size_t errlen);

/* AWS JSON 1.0/1.1: op is the operation name, body a JSON object. */
int	 aws_call_json(struct aws *, enum aws_service, const char *op,
	    const char *body, aws_cb, void *arg, char *err, size_t errlen);
/*
 * Query: body is the form built with aws_query_begin()/aws_query_add()
 * (Action and Version included); op names it for counters.
 */
int	 aws_call_query(struct aws *, enum aws_service, const char *op,
	    const char *body, size_t len, aws_cb, void *arg, char *err,
	    size_t errlen);
/* REST-JSON: path already encoded, query raw (may be NULL), body JSON or NULL. */
int	 aws_call_rest(struct aws *, enum aws_service, const char *op,
	    const char *method, const char *path, const char *query,
	    const char *body, aws_cb, void *arg, char *err, size_t errlen);

#endif
