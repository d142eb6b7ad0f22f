/* AWS protocol codecs: Query form bodies, errors, JSON error replies. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_proto.h"
#include "aws_proto_int.h"
#include "aws_sigv4.h"
#include "buf.h"
#include "log.h"
#include "util.h"

/* botocore's standard-mode throttling codes, plus SNS's own. */
static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded",
	"BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", "Throttled", "KMSThrottling", NULL
};

/* Server-side or in-transit failures worth another attempt. */
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalFailure",
	"InternalError", "InternalErrorException", "InternalServiceError",
	"InternalServiceException", "InternalServerError",
	"InternalServerErrorException", "ServiceUnavailable",
	"ServiceUnavailableException", "ServiceFailure", "ServiceException",
	"IDPCommunicationError", "InvalidReply", NULL
};

/* The credentials themselves are bad or stale: refresh, do not retry. */
static const char *const credential_codes[] = {
	"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
	"UnrecognizedClientException", NULL
};

static int
in_list(const char *const *list, const char *code)
{
	size_t	i;

	if (code == NULL || *code == '\0')
		return 0;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], code) == 0)
			return 1;
	return 0;
}

int
aws_error_is_throttle_code(const char *code)
{
	return in_list(throttle_codes, code);
}

int
aws_error_is_transient_code(const char *code)
{
	return in_list(transient_codes, code);
}

int
aws_error_is_credential_code(const char *code)
{
	return in_list(credential_codes, code);
}

void
aws_error_init(struct aws_error *e, const char *service, int http_status)
{
	memset(e, 0, sizeof *e);
	if (service != NULL)
		util_strlcpy(e->service, service, sizeof e->service);
	e->http_status = http_status;
}

void
aws_error_classify(struct aws_error *e)
{
	int	s = e->http_status;

	e->throttle = aws_error_is_throttle_code(e->code) || s == 429 ||
	    s == 509;
	e->credential = aws_error_is_credential_code(e->code);
	e->retryable = e->throttle || (!e->credential &&
	    (aws_error_is_transient_code(e->code) || s == 500 || s == 502 ||
	    s == 503 || s == 504));
}

char *
aws_error_format(const struct aws_error *e, char *out, size_t outlen)
{
	char	code[160], msg[640], rid[160];

	log_escape(e->code, strlen(e->code), code, sizeof code);
	log_escape(e->message, strlen(e->message), msg, sizeof msg);
	log_escape(e->request_id, strlen(e->request_id), rid, sizeof rid);
	snprintf(out, outlen, "%s: %s (HTTP %d%s%s%s): %s",
	    e->service[0] ? e->service : "aws", code[0] ? code : "error",
	    e->http_status, rid[0] ? ", request id " : "", rid,
	    e->throttle ? ", throttled" : e->credential ? ", credentials" :
	    e->retryable ? ", transient" : "", msg[0] ? msg : "no message");
	return out;
}

int
aws_query_add(struct buf *b, const char *key, const char *value)
{
	size_t	mark = b->len;

	if (key == NULL || *key == '\0')
		return -1;
	if (value == NULL)
		value = "";
	if ((b->len > 0 && buf_putc(b, '&') == -1) ||
	    aws_sigv4_uri_encode(b, key, strlen(key), 0) == -1 ||
	    buf_putc(b, '=') == -1 ||
	    aws_sigv4_uri_encode(b, value, strlen(value), 0) == -1) {
		buf_truncate(b, mark);
		return -1;
	}
	return 0;
}

int
aws_query_begin(struct buf *b, const char *action, const char *version)
{
	size_t	mark = b->len;

	if (aws_query_add(b, "Action", action) == -1 ||
	    aws_query_add(b, "Version", version) == -1) {
		buf_truncate(b, mark);
		return -1;
	}
	return 0;
}

int
aws_percent_decode(struct buf *b, const char *s, size_t n)
{
	size_t	i;
	int	hi, lo;
	char	c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%' && i + 2 < n &&
		    (hi = util_hex_value((unsigned char)s[i + 1])) != -1 &&
		    (lo = util_hex_value((unsigned char)s[i + 2])) != -1) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (buf_putc(b, c) == -1)
			return -1;
	}
	return 0;
}

/*
 * botocore's code normalisation: keep what is before ':' (a URL may
 * follow), then what is after the last '#' (a shape namespace).
 */
static void
set_code(struct aws_error *e, const char *raw, size_t n)
{
	const char	*colon, *hash;
	size_t		 i;

	if ((colon = memchr(raw, ':', n)) != NULL)
		n = (size_t)(colon - raw);
	for (i = n; i > 0; i--) {
		hash = raw + i - 1;
		if (*hash == '#') {
			n -= i;
			raw = hash + 1;
			break;
		}
	}
	if (n >= sizeof e->code)
		n = sizeof e->code - 1;
	memcpy(e->code, raw, n);
	e->code[n] = '\0';
}

static void
set_status_code(struct aws_error *e)
{
	if (e->code[0] == '\0')
		snprintf(e->code, sizeof e->code, "%d", e->http_status);
}

void
aws_proto_error_headers(const struct aws_reply *r, const char *service,
    struct aws_error *e)
{
	size_t	n;

	aws_error_init(e, service, r != NULL ? r->http_status : 0);
	if (r == NULL)
		return;
	if (r->request_id != NULL)
		util_strlcpy(e->request_id, r->request_id,
		    sizeof e->request_id);
	/* "Code;Sender": the Query code of an awsQueryCompatible service. */
	if (r->query_error != NULL) {
		n = strcspn(r->query_error, ";");
		if (n > 0)
			set_code(e, r->query_error, n);
	}
	if (e->code[0] == '\0' && r->error_type != NULL)
		set_code(e, r->error_type, strlen(r->error_type));
}

static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring != NULL ?
	    v->valuestring : NULL;
}

int
aws_json_error(const struct aws_reply *r, const char *service,
    struct aws_error *e)
{
	static const char *const code_keys[] = { "__type", "code", "Code",
	    NULL };
	static const char *const msg_keys[] = { "message", "Message",
	    "errorMessage", NULL };
	cJSON		*doc = NULL;
	const char	*s;
	size_t		 i;
	int		 rc = -1;

	aws_proto_error_headers(r, service, e);
	if (r == NULL) {
		util_strlcpy(e->message, "no reply", sizeof e->message);
		goto out;
	}
	if (r->body == NULL || r->len == 0) {
		snprintf(e->message, sizeof e->message,
		    "HTTP %d with an empty body", r->http_status);
		goto out;
	}
	if (r->len > AWS_REPLY_MAX) {
		snprintf(e->message, sizeof e->message,
		    "HTTP %d with a body over %d bytes", r->http_status,
		    AWS_REPLY_MAX);
		goto out;
	}
	doc = cJSON_ParseWithLength(r->body, r->len);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		/* No body text here: a 2xx body may hold a secret. */
		snprintf(e->message, sizeof e->message,
		    "HTTP %d reply is not a JSON object (%zu bytes)",
		    r->http_status, r->len);
		goto out;
	}
	for (i = 0; e->code[0] == '\0' && code_keys[i] != NULL; i++)
		if ((s = json_str(doc, code_keys[i])) != NULL && *s != '\0')
			set_code(e, s, strlen(s));
	for (i = 0; msg_keys[i] != NULL; i++) {
		if ((s = json_str(doc, msg_keys[i])) != NULL) {
			util_strlcpy(e->message, s, sizeof e->message);
			break;
		}
	}
	rc = 0;
out:
	set_status_code(e);
	aws_error_classify(e);
	cJSON_Delete(doc);
	return rc;
}

int
aws_json_reply(const struct aws_reply *r, const char *service,
    struct cJSON **out, struct aws_error *e)
{
	cJSON	*doc;

	*out = NULL;
	if (r == NULL || r->http_status < 200 || r->http_status > 299) {
		(void)aws_json_error(r, service, e);
		return -1;
	}
	aws_proto_error_headers(r, service, e);
	if (r->body == NULL || r->len == 0 || r->len > AWS_REPLY_MAX ||
	    (doc = cJSON_ParseWithLength(r->body, r->len)) == NULL) {
		util_strlcpy(e->code, "InvalidReply", sizeof e->code);
		snprintf(e->message, sizeof e->message,
		    "HTTP %d reply is not valid JSON (%zu bytes)",
		    r->http_status, r->body != NULL ? r->len : 0);
		aws_error_classify(e);
		return -1;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		util_strlcpy(e->code, "InvalidReply", sizeof e->code);
		snprintf(e->message, sizeof e->message,
		    "HTTP %d reply is JSON but not an object", r->http_status);
		aws_error_classify(e);
		return -1;
	}
	*out = doc;
	return 0;
}
