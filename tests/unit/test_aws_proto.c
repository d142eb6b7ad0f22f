/* AWS protocol codecs, from recorded replies in tests/data/aws/. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_proto.h"
#include "buf.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

static char *
load(const char *name, size_t *lenp)
{
	const char	*src = getenv("SRCDIR");
	char		*path, chunk[4096];
	FILE		*f;
	struct buf	 b;
	size_t		 n;

	path = xasprintf("%s/tests/data/aws/%s", src ? src : ".", name);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL) {
		printf("Bail out! cannot read tests/data/aws/%s\n", name);
		exit(1);
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)buf_append(&b, chunk, n);
	fclose(f);
	*lenp = b.len;
	return b.data != NULL ? buf_steal(&b, NULL) : xstrdup("");
}

static void
reply_of(struct aws_reply *r, int status, const char *body, size_t len)
{
	memset(r, 0, sizeof *r);
	r->http_status = status;
	r->body = body;
	r->len = len;
}

static void
test_query(void)
{
	struct buf	b;

	buf_init(&b, 0);
	ok(aws_query_begin(&b, "Publish", "2010-03-31") == 0,
	    "query begin");
	ok(aws_query_add(&b, "TopicArn",
	    "arn:aws:sns:us-east-1:123456789012:oncall") == 0, "add arn");
	ok(aws_query_add(&b, "Message", "a b+c/d~e_f.g-h*&=\xc3\xa9") == 0,
	    "add text");
	ok(aws_query_add(&b, "MetricDataQueries.member.1.Id", "") == 0,
	    "add empty value");
	is_str(buf_cstr(&b), "Action=Publish&Version=2010-03-31"
	    "&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aoncall"
	    "&Message=a%20b%2Bc%2Fd~e_f.g-h%2A%26%3D%C3%A9"
	    "&MetricDataQueries.member.1.Id=", "query body encoding");
	ok(aws_query_add(&b, "", "x") == -1, "empty key refused");
	buf_cleanup(&b);

	buf_init(&b, 20);
	ok(aws_query_begin(&b, "GetCallerIdentity", "2011-06-15") == -1 &&
	    b.len == 0, "over the cap: nothing appended");
	buf_cleanup(&b);

	buf_init(&b, 0);
	ok(aws_percent_decode(&b, "%7B%22a%22%3A+1%7d%zz%4", 23) == 0,
	    "percent decode");
	is_str(buf_cstr(&b), "{\"a\":+1}%zz%4", "decode keeps '+' and bad %");
	buf_cleanup(&b);
}

struct json_case {
	const char	*file;
	int		 status;
	const char	*query_error, *error_type, *request_id;
	int		 rc;
	const char	*code, *message;
	int		 retryable, throttle, credential;
};

static const struct json_case json_cases[] = {
	{ "cloudwatch-throttling.json", 400, "Throttling;Sender", NULL,
	    "rid-1", 0, "Throttling", "Rate exceeded", 1, 1, 0 },
	{ "cloudwatch-throttling.json", 400, NULL, NULL, NULL, 0,
	    "ThrottlingException", "Rate exceeded", 1, 1, 0 },
	{ "cloudwatch-throttling.json", 400, ";Sender", NULL, NULL, 0,
	    "ThrottlingException", "Rate exceeded", 1, 1, 0 },
	{ "cloudwatch-invalid-parameter.json", 400,
	    "InvalidParameterValue;Sender", NULL, NULL, 0,
	    "InvalidParameterValue", "The parameter MetricDataQueries.member.1."
	    "Id must start with a lowercase letter.", 0, 0, 0 },
	{ "logs-limit-exceeded.json", 400, NULL, NULL, NULL, 0,
	    "LimitExceededException", "Account maximum query concurrency "
	    "limit of [100] reached.", 1, 1, 0 },
	{ "logs-resource-not-found.json", 400, NULL, NULL, NULL, 0,
	    "ResourceNotFoundException",
	    "The specified log group does not exist.", 0, 0, 0 },
	{ "logs-service-unavailable.json", 503, NULL, NULL, NULL, 0,
	    "ServiceUnavailableException",
	    "The service cannot complete the request.", 1, 0, 0 },
	{ "secretsmanager-unrecognized-client.json", 400, NULL, NULL, NULL, 0,
	    "UnrecognizedClientException", "The security token included in "
	    "the request is invalid.", 0, 0, 1 },
	{ "secretsmanager-expired-token.json", 400, NULL, NULL, NULL, 0,
	    "ExpiredTokenException", "The security token included in the "
	    "request is expired", 0, 0, 1 },
	{ "lambda-too-many-requests.json", 429, NULL,
	    "TooManyRequestsException:http://internal.amazon.com/coral/", NULL,
	    0, "TooManyRequestsException", "Rate Exceeded.", 1, 1, 0 },
	{ "lambda-not-found.json", 404, NULL, "ResourceNotFoundException",
	    NULL, 0, "ResourceNotFoundException", "Function not found: "
	    "arn:aws:lambda:eu-west-1:123456789012:function:nope", 0, 0, 0 },
	{ "html-502.html", 502, NULL, NULL, NULL, -1, "502", NULL, 1, 0, 0 },
	{ "truncated.json", 400, NULL, NULL, NULL, -1, "400", NULL, 0, 0, 0 },
	{ "wrong-types.json", 500, NULL, NULL, NULL, 0, "500", NULL, 1, 0, 0 },
	{ "cloudwatch-get-metric-data.json", 200, NULL, NULL, NULL, 0, "200",
	    NULL, 0, 0, 0 },
};

static void
test_json_errors(void)
{
	const struct json_case	*c;
	struct aws_reply	 r;
	struct aws_error	 e;
	char			*body, line[1024];
	size_t			 i, len;
	int			 rc;

	for (i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
		c = &json_cases[i];
		body = load(c->file, &len);
		reply_of(&r, c->status, body, len);
		r.query_error = c->query_error;
		r.error_type = c->error_type;
		r.request_id = c->request_id;
		rc = aws_json_error(&r, "logs", &e);
		is_int(rc, c->rc, c->file);
		is_str(e.code, c->code, "  code");
		if (c->message != NULL)
			is_str(e.message, c->message, "  message");
		else if (c->rc == 0)
			is_str(e.message, "", "  no message");
		else
			ok(e.message[0] != '\0', "  some message");
		is_int(e.http_status, c->status, "  status");
		is_int(e.retryable, c->retryable, "  retryable");
		is_int(e.throttle, c->throttle, "  throttle");
		is_int(e.credential, c->credential, "  credential");
		is_str(e.service, "logs", "  service");
		if (c->request_id != NULL)
			is_str(e.request_id, c->request_id, "  request id");
		aws_error_format(&e, line, sizeof line);
		ok(strncmp(line, "logs: ", 6) == 0 && strchr(line, '\n') ==
		    NULL, "  formatted on one line: %s", line);
		free(body);
	}

	/* The HTML page is called what it is, without its content. */
	body = load("html-502.html", &len);
	reply_of(&r, 502, body, len);
	(void)aws_json_error(&r, "monitoring", &e);
	ok(strstr(e.message, "not a JSON object") != NULL &&
	    strstr(e.message, "Bad Gateway") == NULL,
	    "HTML 502: clear text, no body echoed");
	free(body);

	reply_of(&r, 503, NULL, 0);
	is_int(aws_json_error(&r, "logs", &e), -1, "empty body");
	ok(strstr(e.message, "empty body") != NULL && e.retryable,
	    "empty 503 is transient");
	is_int(aws_json_error(NULL, "logs", &e), -1, "no reply at all");
}

static void
test_json_reply(void)
{
	struct aws_reply	 r;
	struct aws_error	 e;
	cJSON			*doc;
	char			*body, *deep;
	size_t			 len, i, n = 100000;

	body = load("cloudwatch-get-metric-data.json", &len);
	reply_of(&r, 200, body, len);
	ok(aws_json_reply(&r, "monitoring", &doc, &e) == 0 && doc != NULL,
	    "GetMetricData reply decodes");
	ok(cJSON_IsArray(cJSON_GetObjectItem(doc, "MetricDataResults")),
	    "has MetricDataResults");
	cJSON_Delete(doc);
	free(body);

	body = load("logs-limit-exceeded.json", &len);
	reply_of(&r, 400, body, len);
	ok(aws_json_reply(&r, "logs", &doc, &e) == -1 && doc == NULL &&
	    e.throttle, "400 reply is an error");
	free(body);

	body = load("truncated.json", &len);
	reply_of(&r, 200, body, len);
	ok(aws_json_reply(&r, "logs", &doc, &e) == -1 && doc == NULL &&
	    strcmp(e.code, "InvalidReply") == 0 && e.retryable,
	    "truncated 200 is InvalidReply, retryable");
	free(body);

	reply_of(&r, 200, "[1,2]", 5);
	ok(aws_json_reply(&r, "logs", &doc, &e) == -1 && doc == NULL,
	    "200 with a JSON array refused");
	reply_of(&r, 200, "", 0);
	ok(aws_json_reply(&r, "logs", &doc, &e) == -1, "200 empty refused");

	/* Huge nesting: refused, not a stack overflow. */
	deep = xmalloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	deep[2 * n] = '\0';
	reply_of(&r, 200, deep, 2 * n);
	ok(aws_json_reply(&r, "logs", &doc, &e) == -1 && doc == NULL,
	    "100000-deep JSON refused");
	reply_of(&r, 500, deep, 2 * n);
	ok(aws_json_error(&r, "logs", &e) == -1 && e.retryable,
	    "100000-deep JSON error body: transient by status");
	free(deep);
}

struct xml_case {
	const char	*file;
	int		 status;
	int		 rc;
	const char	*code, *message, *request_id;
	int		 retryable, throttle, credential;
};

static const struct xml_case xml_cases[] = {
	{ "sns-delete-topic-error.xml", 400, 0, "InvalidParameter",
	    "TopicArn", "8c4c8aa7-436b-5b46-91d5-c0a339158557", 0, 0, 0 },
	{ "sns-throttled.xml", 429, 0, "Throttled", "Rate exceeded",
	    "5b4a3a4e-7a0c-5c4b-9f8e-2f1d0e3c4b5a", 1, 1, 0 },
	{ "sns-throttled.xml", 400, 0, "Throttled", "Rate exceeded",
	    NULL, 1, 1, 0 },
	{ "sts-expired-token.xml", 400, 0, "ExpiredToken",
	    "The security token included in the request is expired",
	    "c6104cbe-af31-11e0-8154-cbc7ccf896c7", 0, 0, 1 },
	{ "sts-signature-mismatch.xml", 403, 0, "SignatureDoesNotMatch",
	    NULL, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE", 0, 0, 0 },
	{ "iam-no-such-entity.xml", 404, 0, "NoSuchEntity", NULL, NULL,
	    0, 0, 0 },
	{ "ec2-error.xml", 503, 0, "RequestLimitExceeded",
	    "Request limit exceeded.", "ea966190-f9aa-478e-9ede-example",
	    1, 1, 0 },
	{ "html-502.html", 502, -1, "502", NULL, NULL, 1, 0, 0 },
	{ "truncated.xml", 400, -1, "400", NULL, NULL, 0, 0, 0 },
	{ "doctype-entities.xml", 400, -1, "400", NULL, NULL, 0, 0, 0 },
	{ "sts-get-caller-identity.xml", 504, -1, "504", NULL, NULL,
	    1, 0, 0 },
};

static void
test_xml_errors(void)
{
	const struct xml_case	*c;
	struct aws_reply	 r;
	struct aws_error	 e;
	char			*body;
	size_t			 i, len;

	for (i = 0; i < sizeof xml_cases / sizeof xml_cases[0]; i++) {
		c = &xml_cases[i];
		body = load(c->file, &len);
		reply_of(&r, c->status, body, len);
		is_int(aws_xml_error(&r, "sns", &e), c->rc, c->file);
		is_str(e.code, c->code, "  code");
		if (c->message != NULL)
			is_str(e.message, c->message, "  message");
		else
			ok(e.message[0] != '\0', "  some message");
		if (c->request_id != NULL)
			is_str(e.request_id, c->request_id, "  request id");
		is_int(e.retryable, c->retryable, "  retryable");
		is_int(e.throttle, c->throttle, "  throttle");
		is_int(e.credential, c->credential, "  credential");
		free(body);
	}
	body = load("doctype-entities.xml", &len);
	reply_of(&r, 400, body, len);
	(void)aws_xml_error(&r, "sns", &e);
	ok(strstr(e.message, "DOCTYPE") != NULL, "DOCTYPE refused by name");
	free(body);
}

static void
test_xml_tree(void)
{
	struct aws_xml			*x;
	const struct aws_xml_node	*n, *m;
	struct aws_reply		 r;
	struct aws_error		 e;
	struct buf			 b;
	char				*body, err[128], *deep;
	size_t				 len, i, k;

	body = load("sts-get-caller-identity.xml", &len);
	reply_of(&r, 200, body, len);
	ok(aws_xml_reply(&r, "sts", &x, &e) == 0 && x != NULL,
	    "GetCallerIdentity decodes");
	is_str(aws_xml_get(x, "GetCallerIdentityResponse/"
	    "GetCallerIdentityResult/Account"), "123456789012", "Account");
	is_str(aws_xml_get(x, "GetCallerIdentityResponse/ResponseMetadata/"
	    "RequestId"), "01234567-89ab-cdef-0123-456789abcdef", "RequestId");
	ok(aws_xml_get(x, "GetCallerIdentityResponse/Nope/Account") == NULL,
	    "missing path is NULL");
	ok(aws_xml_get(x, "Other/GetCallerIdentityResult") == NULL,
	    "wrong root is NULL");
	ok(aws_xml_get(x, "") == NULL && aws_xml_get(NULL, "a") == NULL,
	    "empty path, no tree");
	aws_xml_free(x);
	free(body);

	body = load("iam-list-attached-role-policies.xml", &len);
	x = aws_xml_parse(body, len, err, sizeof err);
	n = aws_xml_find(x, "ListAttachedRolePoliciesResponse/"
	    "ListAttachedRolePoliciesResult/AttachedPolicies");
	ok(n != NULL, "member list found");
	k = 0;
	for (m = aws_xml_first_child(n); m != NULL; m = aws_xml_next(m)) {
		if (strcmp(aws_xml_name(m), "member") != 0)
			continue;
		if (k++ == 1)
			is_str(aws_xml_text(aws_xml_node_find(m, "PolicyArn")),
			    "arn:aws:iam::aws:policy/AdministratorAccess",
			    "second member's PolicyArn");
	}
	is_int(k, 2, "two members");
	is_str(aws_xml_get(x, "ListAttachedRolePoliciesResponse/"
	    "ListAttachedRolePoliciesResult/IsTruncated"), "true",
	    "IsTruncated");
	aws_xml_free(x);
	free(body);

	/* IAM policy documents: XML text, then percent-decoded. */
	body = load("iam-get-role-policy.xml", &len);
	x = aws_xml_parse(body, len, err, sizeof err);
	buf_init(&b, 0);
	{
		const char *pd = aws_xml_get(x, "GetRolePolicyResponse/"
		    "GetRolePolicyResult/PolicyDocument");

		ok(pd != NULL && aws_percent_decode(&b, pd, strlen(pd)) == 0,
		    "policy document decodes");
	}
	is_str(buf_cstr(&b), "{\"Version\":\"2012-10-17\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":[\"s3:*\"],\"Resource\":"
	    "[\"*\"]}]}", "policy JSON");
	buf_cleanup(&b);
	aws_xml_free(x);
	free(body);

	/* Prefixed names and entities. */
	{
		static const char doc[] = "<a:R xmlns:a=\"urn:x\"><a:V>1 &amp; 2 "
		    "&#x41;</a:V></a:R>";

		x = aws_xml_parse(doc, sizeof doc - 1, err, sizeof err);
	}
	ok(x != NULL, "prefixed document parses");
	is_str(aws_xml_get(x, "R/V"), "1 & 2 A", "prefix dropped, entities");
	aws_xml_free(x);

	/* A 2xx carrying an error document is an error. */
	body = load("sns-throttled.xml", &len);
	reply_of(&r, 200, body, len);
	ok(aws_xml_reply(&r, "sns", &x, &e) == -1 && x == NULL &&
	    e.throttle, "error document with 200 is an error");
	free(body);

	body = load("truncated.xml", &len);
	reply_of(&r, 200, body, len);
	ok(aws_xml_reply(&r, "sns", &x, &e) == -1 && x == NULL &&
	    strcmp(e.code, "InvalidReply") == 0, "truncated 200 refused");
	free(body);

	body = load("sns-publish.xml", &len);
	reply_of(&r, 500, body, len);
	ok(aws_xml_reply(&r, "sns", &x, &e) == -1 && x == NULL &&
	    e.retryable, "500 with a success-shaped body is an error");
	free(body);

	ok(aws_xml_parse("", 0, err, sizeof err) == NULL, "empty refused");
	ok(aws_xml_parse("<a/><b/>", 8, err, sizeof err) == NULL,
	    "two roots refused");
	ok(aws_xml_parse("<a>\0</a>", 8, err, sizeof err) == NULL,
	    "NUL byte refused");

	/* Depth cap. */
	k = 1000;
	deep = xmalloc(k * 7 + 1);
	for (i = 0, len = 0; i < k; i++, len += 3)
		memcpy(deep + len, "<a>", 3);
	for (i = 0; i < k; i++, len += 4)
		memcpy(deep + len, "</a>", 4);
	ok(aws_xml_parse(deep, len, err, sizeof err) == NULL &&
	    strstr(err, "deep") != NULL, "1000-deep XML refused: %s", err);
	free(deep);

	/* Node cap. */
	k = AWS_XML_MAX_NODES + 10;
	deep = xmalloc(k * 4 + 8);
	memcpy(deep, "<r>", 3);
	for (i = 0, len = 3; i < k; i++, len += 4)
		memcpy(deep + len, "<m/>", 4);
	memcpy(deep + len, "</r>", 4);
	len += 4;
	ok(aws_xml_parse(deep, len, err, sizeof err) == NULL &&
	    strstr(err, "too many") != NULL, "node cap: %s", err);
	free(deep);
}

static void
test_classify(void)
{
	struct aws_error	e;

	aws_error_init(&e, "logs", 429);
	aws_error_classify(&e);
	ok(e.throttle && e.retryable, "bare 429 throttles");
	aws_error_init(&e, "logs", 500);
	util_strlcpy(e.code, "InternalFailure", sizeof e.code);
	aws_error_classify(&e);
	ok(!e.throttle && e.retryable, "InternalFailure transient");
	aws_error_init(&e, "logs", 400);
	util_strlcpy(e.code, "RequestTimeout", sizeof e.code);
	aws_error_classify(&e);
	ok(e.retryable, "RequestTimeout transient");
	aws_error_init(&e, "logs", 403);
	util_strlcpy(e.code, "InvalidClientTokenId", sizeof e.code);
	aws_error_classify(&e);
	ok(e.credential && !e.retryable, "InvalidClientTokenId credential");
	aws_error_init(&e, "logs", 400);
	util_strlcpy(e.code, "AccessDeniedException", sizeof e.code);
	aws_error_classify(&e);
	ok(!e.credential && !e.retryable && !e.throttle,
	    "AccessDenied permanent");
	ok(aws_error_is_throttle_code("ProvisionedThroughputExceededException")
	    && aws_error_is_throttle_code("RequestLimitExceeded") &&
	    !aws_error_is_throttle_code("throttling") &&
	    !aws_error_is_throttle_code(""), "throttle code list, exact");
}

int
main(void)
{
	test_query();
	test_json_errors();
	test_json_reply();
	test_xml_errors();
	test_xml_tree();
	test_classify();
	return tap_done();
}
