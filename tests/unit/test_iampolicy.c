/* Unit tests of `config iam-policy`: the policy of small configs. */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "iampolicy.h"
#include "tap.h"

static char	tmpdir[] = "/tmp/test_iampolicy.XXXXXX";
static char	conf_path[512];

/* The policy of a config text, parsed; NULL (and a failed test) if bad. */
static cJSON *
policy_of(const char *text, const char *account, int flags, char **raw)
{
	struct config	*cfg;
	FILE		*f;
	cJSON		*doc;
	char		*cause = NULL, *json;

	if ((f = fopen(conf_path, "w")) == NULL) {
		perror(conf_path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(conf_path, 0600);
	if ((cfg = config_load(conf_path, &cause)) == NULL) {
		ok(0, "config loads: %s", cause);
		free(cause);
		return NULL;
	}
	json = iampolicy_json(cfg, account, flags);
	config_free(cfg);
	doc = cJSON_Parse(json);
	if (doc == NULL)
		ok(0, "policy is JSON: %s", json);
	if (raw != NULL)
		*raw = json;
	else
		free(json);
	return doc;
}

static cJSON *
statement(cJSON *doc, const char *sid)
{
	cJSON	*st, *s;

	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc,
	    "Statement")) {
		s = cJSON_GetObjectItemCaseSensitive(st, "Sid");
		if (cJSON_IsString(s) && strcmp(s->valuestring, sid) == 0)
			return st;
	}
	return NULL;
}

static int
nstatements(cJSON *doc)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
	    "Statement"));
}

static void
append(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(dst);

	snprintf(dst + len, size - len, "%s", src);
}

/* A string or array of strings joined with ' ' (static buffer). */
static const char *
joined(cJSON *st, const char *key)
{
	static char	 buf[4096];
	cJSON		*v, *e;

	buf[0] = '\0';
	if (st == NULL)
		return "(no statement)";
	v = cJSON_GetObjectItemCaseSensitive(st, key);
	if (cJSON_IsString(v))
		return v->valuestring;
	cJSON_ArrayForEach(e, v) {
		if (buf[0] != '\0')
			append(buf, " ", sizeof buf);
		append(buf, cJSON_IsString(e) ? e->valuestring : "?",
		    sizeof buf);
	}
	return buf;
}

/* No "*" action, no service wildcard, Effect Allow, every key there. */
static int
actions_are_narrow(cJSON *doc)
{
	cJSON		*st, *a, *e;
	const char	*s;

	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc,
	    "Statement")) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(st,
		    "Effect")) || strcmp(cJSON_GetObjectItemCaseSensitive(st,
		    "Effect")->valuestring, "Allow") != 0)
			return 0;
		if (cJSON_GetObjectItemCaseSensitive(st, "Resource") == NULL ||
		    cJSON_GetObjectItemCaseSensitive(st, "NotAction") != NULL)
			return 0;
		a = cJSON_GetObjectItemCaseSensitive(st, "Action");
		if (cJSON_IsString(a)) {
			if (strchr(a->valuestring, '*') != NULL ||
			    strchr(a->valuestring, ':') == NULL)
				return 0;
			continue;
		}
		if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
			return 0;
		cJSON_ArrayForEach(e, a) {
			s = cJSON_IsString(e) ? e->valuestring : "*";
			if (strchr(s, '*') != NULL || strchr(s, ':') == NULL)
				return 0;
		}
	}
	return 1;
}

static void
test_minimal(void)
{
	cJSON	*doc;
	char	*raw = NULL;

	doc = policy_of("[watch api]\nkind = lambda\nfunctions = *\n", NULL, 0,
	    &raw);
	is_int(nstatements(doc), 1, "lambda watch only: one statement");
	is_str(joined(statement(doc, "CloudWatchReadMetrics"), "Action"),
	    "cloudwatch:GetMetricData cloudwatch:ListMetrics",
	    "metrics actions");
	is_str(joined(statement(doc, "CloudWatchReadMetrics"), "Resource"),
	    "*", "metrics on * (no resource-level permissions)");
	ok(strstr(raw, "logs:") == NULL, "no logs section: no logs actions");
	ok(strstr(raw, "sns:") == NULL && strstr(raw, "secretsmanager:") ==
	    NULL && strstr(raw, "sts:") == NULL, "nothing else");
	is_str(cJSON_GetObjectItemCaseSensitive(doc, "Version")->valuestring,
	    "2012-10-17", "policy language version");
	ok(actions_are_narrow(doc), "no wildcard actions (minimal)");
	cJSON_Delete(doc);
	free(raw);
}

static void
test_empty(void)
{
	cJSON	*doc;

	doc = policy_of("; nothing\n", NULL, 0, NULL);
	is_int(nstatements(doc), 0, "empty config: no statements");
	cJSON_Delete(doc);
}

static void
test_sns(void)
{
	cJSON	*doc;
	char	*raw = NULL;

	doc = policy_of(
	    "[aws]\nregion = eu-west-1\n"
	    "[sink oncall]\ntype = sns\n"
	    "topic_arn = arn:aws:sns:eu-west-1:111122223333:oncall\n"
	    "[sink oncall2]\ntype = sns\n"
	    "topic_arn = arn:aws:sns:eu-west-1:111122223333:oncall\n",
	    NULL, 0, &raw);
	is_int(nstatements(doc), 1, "sns sink alone: one statement");
	is_str(joined(statement(doc, "SnsPublish"), "Action"), "sns:Publish",
	    "sns:Publish");
	is_str(joined(statement(doc, "SnsPublish"), "Resource"),
	    "arn:aws:sns:eu-west-1:111122223333:oncall",
	    "Publish on exactly the topic (once)");
	ok(strstr(raw, "cloudwatch:") == NULL, "no watch: no metrics actions");
	ok(actions_are_narrow(doc), "no wildcard actions (sns)");
	cJSON_Delete(doc);
	free(raw);
}

static void
test_logs(void)
{
	cJSON	*doc;

	doc = policy_of(
	    "[aws]\nregion = us-east-2\n"
	    "[logs app]\nlog_groups = /aws/lambda/*, /app/orders\n"
	    "[logs more]\nlog_groups = /app/orders\n",
	    "123456789012", 0, NULL);
	is_int(nstatements(doc), 3, "logs: three statements");
	is_str(joined(statement(doc, "LogsStartQuery"), "Action"),
	    "logs:StartQuery", "StartQuery");
	is_str(joined(statement(doc, "LogsStartQuery"), "Resource"),
	    "arn:aws:logs:us-east-2:123456789012:log-group:/app/orders "
	    "arn:aws:logs:us-east-2:123456789012:log-group:/app/orders:* "
	    "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/*",
	    "StartQuery on the groups: name, name:*, prefix glob; sorted, "
	    "unique");
	is_str(joined(statement(doc, "LogsDescribeLogGroups"), "Resource"),
	    "arn:aws:logs:us-east-2:123456789012:log-group:*",
	    "DescribeLogGroups on log-group:*");
	is_str(joined(statement(doc, "LogsQueryResults"), "Action"),
	    "logs:GetQueryResults logs:StopQuery", "results actions");
	is_str(joined(statement(doc, "LogsQueryResults"), "Resource"), "*",
	    "results on * (no resource-level permissions)");
	ok(statement(doc, "CloudWatchReadMetrics") == NULL,
	    "no watch: no metrics statement");
	ok(actions_are_narrow(doc), "no wildcard actions (logs)");
	cJSON_Delete(doc);
}

static void
test_secrets_and_role(void)
{
	static const char text[] =
	    "[aws]\nrole_arn = arn:aws:iam::210987654321:role/cwg\n"
	    "[sink hook]\ntype = webhook\n"
	    "url = ${secretsmanager:prod/hook#url}\n"
	    "header = X-Team: ${secretsmanager:prod/hook#team}\n"
	    "hmac_key = ${env:TEST_IAMPOLICY_UNSET_OK}\n"
	    "[sink mail]\ntype = email\nsmtp_url = smtps://smtp.example.com\n"
	    "from = a@example.com\nto = b@example.com\nusername = u\n"
	    "password = ${secretsmanager:arn:aws:secretsmanager:us-east-1:"
	    "210987654321:secret:smtp-AbCdEf}\n";
	cJSON	*doc, *st;
	char	*raw = NULL;

	setenv("TEST_IAMPOLICY_UNSET_OK", "a2V5", 1);
	doc = policy_of(text, NULL, 0, &raw);
	st = statement(doc, "SecretsManagerRead");
	is_str(joined(st, "Action"), "secretsmanager:GetSecretValue",
	    "GetSecretValue");
	is_str(joined(st, "Resource"),
	    "arn:aws:secretsmanager:*:ACCOUNT_ID:secret:prod/hook-?????? "
	    "arn:aws:secretsmanager:us-east-1:210987654321:secret:smtp-AbCdEf",
	    "a name gets -??????, an ARN is kept, one per secret id");
	is_str(joined(statement(doc, "StsAssumeRole"), "Resource"),
	    "arn:aws:iam::210987654321:role/cwg", "AssumeRole on role_arn");
	ok(strstr(raw, "TEST_IAMPOLICY") == NULL, "env references add nothing");
	ok(strstr(raw, "\"k\"") == NULL, "no secret value in the policy");
	ok(actions_are_narrow(doc), "no wildcard actions (secrets)");
	cJSON_Delete(doc);
	free(raw);
}

static void
test_audit_and_format(void)
{
	static const char text[] =
	    "[aws]\nregion = cn-north-1\n"
	    "[watch api]\nkind = lambda\nfunctions = *\n";
	cJSON	*doc, *st;
	char	*a = NULL, *b = NULL, *c = NULL;
	char	 all[2048] = "";

	doc = policy_of(text, "123456789012", IAMPOLICY_AUDIT, &a);
	ok(strstr(a, "cloudwatch:GetMetricData") == NULL &&
	    strstr(a, "logs:") == NULL, "--audit: not the daemon's");
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc,
	    "Statement")) {
		append(all, joined(st, "Action"), sizeof all);
		append(all, " ", sizeof all);
	}
	is_str(all, "cloudwatch:ListMetrics lambda:ListFunctions "
	    "iam:GetPolicy iam:GetPolicyVersion iam:GetRolePolicy "
	    "iam:ListAttachedRolePolicies iam:ListRolePolicies ",
	    "--audit: exactly the seven read-only actions audit calls");
	is_str(joined(statement(doc, "AuditRolePolicies"), "Resource"),
	    "arn:aws-cn:iam::123456789012:role/*",
	    "China partition from the region");
	ok(actions_are_narrow(doc), "no wildcard actions (audit)");
	cJSON_Delete(doc);

	doc = policy_of(text, NULL, 0, &b);
	cJSON_Delete(doc);
	doc = policy_of(text, NULL, 0, &c);
	is_str(b, c, "deterministic");
	cJSON_Delete(doc);
	free(c);
	doc = policy_of(text, NULL, IAMPOLICY_COMPACT, &c);
	ok(strchr(c, '\n') == c + strlen(c) - 1, "compact: one line");
	cJSON_Delete(doc);
	free(a);
	free(b);
	free(c);

	is_str(iampolicy_partition(NULL), "aws", "partition of no region");
	is_str(iampolicy_partition("us-gov-west-1"), "aws-us-gov",
	    "GovCloud partition");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(conf_path, sizeof conf_path, "%s/cwguard.conf", tmpdir);
	test_minimal();
	test_empty();
	test_sns();
	test_logs();
	test_secrets_and_role();
	test_audit_and_format();
	unlink(conf_path);
	rmdir(tmpdir);
	return tap_done();
}
