/* aws_creds: the credentials JSON of containers, IMDS and credential_process. */
#include "autoconf.h"

#include <string.h>

#include "aws_creds.h"
#include "tap.h"

static int
parse(const char *json, struct aws_credentials *c, char *err, size_t len)
{
	return aws_credentials_from_json(json, strlen(json), c, err, len);
}

int
main(void)
{
	struct aws_credentials	c, d;
	char			err[256];

	ok(parse("{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAX\","
	    "\"SecretAccessKey\":\"s3cr3t\",\"Token\":\"tok\","
	    "\"Expiration\":\"2026-11-05T02:02:26Z\"}", &c, err, sizeof err) ==
	    0, "IMDS document");
	is_str(c.access_key, "ASIAX", "key id");
	is_str(c.secret_key, "s3cr3t", "secret");
	is_str(c.session_token, "tok", "Token");
	is_int(c.expiration, 1793844146, "Expiration");
	aws_credentials_copy(&d, &c);
	ok(strcmp(d.secret_key, "s3cr3t") == 0 && d.secret_key != c.secret_key,
	    "copy is deep");
	aws_credentials_cleanup(&d);
	aws_credentials_cleanup(&c);
	ok(c.access_key == NULL && c.secret_key == NULL, "cleanup clears");

	ok(parse("{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":"
	    "\"s\",\"SessionToken\":\"st\"}", &c, err, sizeof err) == 0 &&
	    strcmp(c.session_token, "st") == 0 && c.expiration == 0,
	    "credential_process: SessionToken, no expiry");
	aws_credentials_cleanup(&c);
	ok(parse("{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
	    "\"topsecret\"}", &c, err, sizeof err) == -1 &&
	    strstr(err, "Version") != NULL, "Version 2 refused");
	ok(parse("{\"Code\":\"Failure\",\"Message\":\"no role\"}", &c, err,
	    sizeof err) == -1 && strstr(err, "no keys") != NULL,
	    "a document without keys");
	ok(parse("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"topsecret\","
	    "\"Expiration\":\"soon\"}", &c, err, sizeof err) == -1 &&
	    strstr(err, "Expiration") != NULL && strstr(err, "topsecret") ==
	    NULL, "bad Expiration refused without echoing the secret");
	ok(parse("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"topsecret\","
	    "\"Token\":42}", &c, err, sizeof err) == -1,
	    "Token of the wrong type");
	ok(parse("not json topsecret", &c, err, sizeof err) == -1 &&
	    strstr(err, "topsecret") == NULL, "not JSON");
	ok(parse("[]", &c, err, sizeof err) == -1, "not an object");
	ok(parse("{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"x\"}", &c, err,
	    sizeof err) == -1, "empty key id");
	return tap_done();
}
