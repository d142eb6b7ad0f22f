/*
 * The pure half of the audit from tables: IAM policy documents (Action
 * string or list, NotAction, Resource lists and ARNs, NotResource,
 * conditions, Deny, case, malformed input, URL-encoded documents), AWS
 * managed policies, environment variables (scanner rules, secret-looking
 * names, references, low entropy, redaction) and watch coverage. Every
 * secret here is synthetic.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "scanner.h"
#include "tap.h"

struct got {
	int			n;
	struct audit_stmt_finding f[4];
};

static void
collect(const struct audit_stmt_finding *f, void *arg)
{
	struct got	*g = arg;

	if (g->n < 4)
		g->f[g->n] = *f;
	g->n++;
}

#define ST(s)	"{\"Version\":\"2012-10-17\",\"Statement\":" s "}"

static const struct {
	const char		*name;
	const char		*doc;
	int			 n;		/* findings */
	enum audit_severity	 sev;		/* of the first */
	const char		*check;
	const char		*actions;	/* of the first, or NULL */
} policies[] = {
	{ "Action * on *", ST("[{\"Effect\":\"Allow\",\"Action\":\"*\","
	  "\"Resource\":\"*\"}]"), 1, AUDIT_SEV_CRITICAL, "iam-admin",
	  "\"*\"" },
	{ "Action *:* as a list", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "[\"*:*\"],\"Resource\":[\"*\"]}]"), 1, AUDIT_SEV_CRITICAL,
	  "iam-admin", "\"*:*\"" },
	{ "Action * on a scoped resource is still critical",
	  ST("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":"
	  "\"arn:aws:s3:::bucket/*\"}"), 1, AUDIT_SEV_CRITICAL, "iam-admin",
	  NULL },
	{ "s3:* on *", ST("[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
	  "\"Resource\":\"*\"}]"), 1, AUDIT_SEV_CRITICAL,
	  "iam-service-wildcard", "\"s3:*\"" },
	{ "S3:* (case) on arn:aws:s3:::*", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"S3:*\",\"Resource\":\"arn:aws:s3:::*\"}]"), 1,
	  AUDIT_SEV_CRITICAL, "iam-service-wildcard", NULL },
	{ "s3:* on one bucket is high", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "\"s3:*\",\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]}]"),
	  1, AUDIT_SEV_HIGH, "iam-service-wildcard", NULL },
	{ "iam:* on a scoped resource is critical", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"iam:*\",\"Resource\":\"arn:aws:iam::1:role/x\"}]"), 1,
	  AUDIT_SEV_CRITICAL, "iam-service-wildcard", NULL },
	{ "a wide resource in a list counts", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"dynamodb:*\",\"Resource\":[\"arn:aws:dynamodb:us-east-1"
	  ":1:table/t\",\"*\"]}]"), 1, AUDIT_SEV_CRITICAL,
	  "iam-service-wildcard", NULL },
	{ "data action on * is high", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "[\"logs:PutLogEvents\",\"secretsmanager:GetSecretValue\"],"
	  "\"Resource\":\"*\"}]"), 1, AUDIT_SEV_HIGH,
	  "iam-data-action-any-resource", "\"secretsmanager:GetSecretValue\"" },
	{ "kms:Decrypt on arn:aws:kms:*:*:* is high", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"kms:Decrypt\",\"Resource\":\"arn:aws:kms:*:*:*\"}]"), 1,
	  AUDIT_SEV_HIGH, "iam-data-action-any-resource", NULL },
	{ "s3:Get* on * matches s3:GetObject", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"s3:Get*\",\"Resource\":\"*\"}]"), 1, AUDIT_SEV_HIGH,
	  "iam-data-action-any-resource", NULL },
	{ "*:Get* on * (ReadOnlyAccess style) is high", ST("[{\"Effect\":"
	  "\"Allow\",\"Action\":\"*:Get*\",\"Resource\":\"*\"}]"), 1,
	  AUDIT_SEV_HIGH, "iam-data-action-any-resource", NULL },
	{ "ec2:Describe* on * is medium", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "\"ec2:Describe*\",\"Resource\":\"*\"}]"), 1, AUDIT_SEV_MEDIUM,
	  "iam-partial-wildcard", NULL },
	{ "data action on a named table is fine", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],\"Resource\":"
	  "\"arn:aws:dynamodb:us-east-1:123456789012:table/orders\"}]"), 0,
	  AUDIT_SEV_NONE, NULL, NULL },
	{ "basic execution role is fine", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "[\"logs:CreateLogGroup\",\"logs:CreateLogStream\",\"logs:PutLogEvents"
	  "\",\"xray:PutTraceSegments\"],\"Resource\":\"*\"}]"), 0,
	  AUDIT_SEV_NONE, NULL, NULL },
	{ "s3:Get* on one bucket is fine", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\"}]"), 0, AUDIT_SEV_NONE,
	  NULL, NULL },
	{ "Deny * is not a finding", ST("[{\"Effect\":\"Deny\",\"Action\":\"*\","
	  "\"Resource\":\"*\"}]"), 0, AUDIT_SEV_NONE, NULL, NULL },
	{ "lower-case effect is not Allow", ST("[{\"Effect\":\"allow\","
	  "\"Action\":\"*\",\"Resource\":\"*\"}]"), 0, AUDIT_SEV_NONE, NULL,
	  NULL },
	{ "NotAction on * is critical", ST("[{\"Effect\":\"Allow\",\"NotAction\":"
	  "[\"iam:*\",\"organizations:*\"],\"Resource\":\"*\"}]"), 1,
	  AUDIT_SEV_CRITICAL, "iam-not-action", "\"iam:*\", \"organizations:*\"" },
	{ "NotAction on a bucket is high", ST("[{\"Effect\":\"Allow\","
	  "\"NotAction\":\"s3:DeleteObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]"),
	  1, AUDIT_SEV_HIGH, "iam-not-action", NULL },
	{ "NotResource makes the resource wide", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"s3:GetObject\",\"NotResource\":\"arn:aws:s3:::x/*\"}]"),
	  1, AUDIT_SEV_HIGH, "iam-data-action-any-resource", NULL },
	{ "Condition lowers critical to high", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals"
	  "\":{\"aws:SourceVpce\":\"vpce-1\"}}}]"), 1, AUDIT_SEV_HIGH,
	  "iam-service-wildcard", NULL },
	{ "Condition keeps medium medium", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":\"ec2:Describe*\",\"Resource\":\"*\",\"Condition\":{}}]"), 1,
	  AUDIT_SEV_MEDIUM, "iam-partial-wildcard", NULL },
	{ "one finding per statement, worst first", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":[\"ec2:Describe*\",\"s3:*\",\"kms:Decrypt\"],\"Resource\":"
	  "\"*\"}]"), 1, AUDIT_SEV_CRITICAL, "iam-service-wildcard",
	  "\"ec2:Describe*\", \"s3:*\", \"kms:Decrypt\"" },
	{ "single Statement object", ST("{\"Effect\":\"Allow\",\"Action\":"
	  "\"sqs:*\",\"Resource\":\"*\"}"), 1, AUDIT_SEV_CRITICAL,
	  "iam-service-wildcard", NULL },
	{ "two statements, two findings", ST("[{\"Effect\":\"Allow\",\"Action\":"
	  "\"logs:*\",\"Resource\":\"arn:aws:logs:*:*:log-group:/aws/lambda/x\"},"
	  "{\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
	  "\"Resource\":\"*\"}]"), 2, AUDIT_SEV_HIGH, "iam-service-wildcard",
	  NULL },
	{ "non-string actions are ignored", ST("[{\"Effect\":\"Allow\","
	  "\"Action\":[1,null,{\"a\":\"*\"}],\"Resource\":\"*\"}]"), 0,
	  AUDIT_SEV_NONE, NULL, NULL },
	{ "empty Statement list", ST("[]"), 0, AUDIT_SEV_NONE, NULL, NULL },
};

static void
test_policies(void)
{
	struct got	g;
	char		err[256], name[200];
	size_t		i;
	int		n;

	for (i = 0; i < sizeof policies / sizeof policies[0]; i++) {
		memset(&g, 0, sizeof g);
		n = audit_policy_check(policies[i].doc, strlen(policies[i].doc),
		    collect, &g, err, sizeof err);
		snprintf(name, sizeof name, "%s: %d finding(s)",
		    policies[i].name, policies[i].n);
		is_int(n, policies[i].n, name);
		is_int(g.n, policies[i].n, "  ... as many callbacks");
		if (policies[i].n == 0 || g.n == 0)
			continue;
		snprintf(name, sizeof name, "%s: severity %s", policies[i].name,
		    audit_severity_name(policies[i].sev));
		is_str(audit_severity_name(g.f[0].severity),
		    audit_severity_name(policies[i].sev), name);
		is_str(g.f[0].check, policies[i].check, "  ... check");
		if (policies[i].actions != NULL)
			is_str(g.f[0].actions, policies[i].actions,
			    "  ... offending actions");
	}
}

static void
test_policy_details(void)
{
	struct got	 g;
	char		 err[256], big[600];
	const char	*doc;
	int		 n;

	doc = ST("[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
	    "\"Resource\":\"*\"},{\"Sid\":\"All\",\"Effect\":\"Allow\","
	    "\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":"
	    "{\"aws:SecureTransport\":\"true\"}}}]");
	memset(&g, 0, sizeof g);
	n = audit_policy_check(doc, strlen(doc), collect, &g, err, sizeof err);
	is_int(n, 2, "details: two findings");
	is_int(g.f[1].index, 1, "details: statement index is 0-based");
	is_str(g.f[1].sid, "All", "details: Sid kept");
	ok(g.f[1].conditional, "details: Condition flagged");
	is_str(audit_severity_name(g.f[1].severity), "high",
	    "details: conditional * is high");
	is_str(g.f[0].resources, "\"*\"", "details: resources listed");

	/* Untrusted text is escaped; long lists are cut with "...". */
	doc = ST("[{\"Sid\":\"a\\\"b\\n\",\"Effect\":\"Allow\",\"Action\":"
	    "\"s3:*\",\"Resource\":\"*\"}]");
	memset(&g, 0, sizeof g);
	(void)audit_policy_check(doc, strlen(doc), collect, &g, err,
	    sizeof err);
	is_str(g.f[0].sid, "a\\\"b\\n", "details: Sid escaped");
	n = snprintf(big, sizeof big, "{\"Statement\":{\"Effect\":\"Allow\","
	    "\"Action\":[");
	for (int i = 0; i < 40; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "%s\"s%d:*\"",
		    i ? "," : "", i);
	snprintf(big + n, sizeof big - (size_t)n, "],\"Resource\":\"*\"}}");
	memset(&g, 0, sizeof g);
	is_int(audit_policy_check(big, strlen(big), collect, &g, err,
	    sizeof err), 1, "details: 40 actions, one finding");
	ok(strlen(g.f[0].actions) < sizeof g.f[0].actions &&
	    strstr(g.f[0].actions, "...") != NULL,
	    "details: long action list cut with ...");

	/* Malformed documents. */
	is_int(audit_policy_check("not json", 8, NULL, NULL, err, sizeof err),
	    -1, "malformed: not JSON");
	ok(strstr(err, "not a JSON object") != NULL, "malformed: says why");
	is_int(audit_policy_check("[1]", 3, NULL, NULL, err, sizeof err), -1,
	    "malformed: an array");
	is_int(audit_policy_check("{\"Version\":\"x\"}", 15, NULL, NULL, err,
	    sizeof err), -1, "malformed: no Statement");
	ok(strstr(err, "no Statement") != NULL, "malformed: says no Statement");
	is_int(audit_policy_check("{}", AUDIT_POLICY_MAX + 1, NULL, NULL, err,
	    sizeof err), -1, "malformed: over the size cap");
}

static void
test_encoded(void)
{
	/* As IAM sends it: json.dumps(indent=2), then quote(safe=''). */
	const char	*enc = "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22"
	    "%2C%0A%20%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow"
	    "%22%2C%20%22Action%22%3A%20%22s3%3A%2A%22%2C%20%22Resource%22%3A"
	    "%20%22%2A%22%7D%5D%0A%7D";
	struct got	 g;
	char		 err[256];

	memset(&g, 0, sizeof g);
	is_int(audit_policy_check_encoded(enc, strlen(enc), collect, &g, err,
	    sizeof err), 1, "encoded: s3:* on * found after decoding");
	is_str(g.f[0].actions, "\"s3:*\"", "encoded: action decoded");
	/* '+' is not a space (botocore's unquote): "a+b" stays. */
	enc = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
	    "%22Action%22%3A%22s3%3AGet%2B%2A%22%2C%22Resource%22%3A%22%2A%22"
	    "%7D%5D%7D";
	memset(&g, 0, sizeof g);
	(void)audit_policy_check_encoded(enc, strlen(enc), collect, &g, err,
	    sizeof err);
	is_str(g.f[0].actions, "\"s3:Get+*\"", "encoded: %2B decodes to +");
	is_int(audit_policy_check_encoded("%7B%ZZ", 6, NULL, NULL, err,
	    sizeof err), -1, "encoded: bad escape refused");
	is_int(audit_policy_check_encoded("{\"Statement\":[]}", 16, NULL, NULL,
	    err, sizeof err), 0, "encoded: plain JSON passes through");
}

static void
test_managed(void)
{
	const char	*why;

	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws:iam::aws:policy/AdministratorAccess", &why)), "critical",
	    "managed: AdministratorAccess critical");
	ok(why != NULL && strstr(why, "every action") != NULL,
	    "managed: says why");
	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws:iam::aws:policy/AmazonS3FullAccess", &why)), "critical",
	    "managed: AmazonS3FullAccess critical");
	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws-us-gov:iam::aws:policy/PowerUserAccess", &why)),
	    "critical", "managed: other partitions too");
	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws:iam::aws:policy/ReadOnlyAccess", &why)), "high",
	    "managed: ReadOnlyAccess high");
	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
	    &why)), "none", "managed: basic execution role is not broad");
	ok(why == NULL, "managed: no reason when not broad");
	is_str(audit_severity_name(audit_managed_broad(
	    "arn:aws:iam::123456789012:policy/AdministratorAccess", &why)),
	    "none", "managed: a customer policy of that name is judged "
	    "by its document");
	ok(audit_policy_is_aws_managed("arn:aws:iam::aws:policy/job-function/"
	    "ViewOnlyAccess"), "managed: path under aws:policy");
	ok(!audit_policy_is_aws_managed("arn:aws:iam::123456789012:policy/p"),
	    "managed: customer policy");
	ok(!audit_policy_is_aws_managed("nonsense"), "managed: not an ARN");
}

struct envgot {
	int	n;
	char	rule[4][64];
	char	red[4][64];
};

static void
env_collect(const struct audit_env_finding *f, void *arg)
{
	struct envgot	*g = arg;

	if (g->n < 4) {
		snprintf(g->rule[g->n], 64, "%s", f->rule);
		snprintf(g->red[g->n], 64, "%s", f->redacted);
	}
	g->n++;
}

static int
env(struct scanner *sc, const char *name, const char *value, struct envgot *g)
{
	memset(g, 0, sizeof *g);
	return audit_env_check(sc, name, value, strlen(value), env_collect, g);
}

static void
test_env(struct scanner *sc)
{
	static const struct {
		const char	*name;
		int		 sensitive;
	} names[] = {
		{ "DB_PASSWORD", 1 }, { "db-password", 1 }, { "API_KEY", 1 },
		{ "STRIPE_SECRET", 1 }, { "GITHUB_TOKEN", 1 },
		{ "SIGNING_KEY", 1 }, { "MYSQL_PWD", 1 },
		{ "DB_PASSWORD_ARN", 0 }, { "SECRET_NAME", 0 },
		{ "API_KEY_PARAM", 0 }, { "TOKEN_URL", 0 }, { "SECRET_ID", 0 },
		{ "STAGE", 0 }, { "BUCKET", 0 }, { "KEYSPACE", 0 },
	};
	struct envgot	 g;
	const char	*stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc9Q2x";
	const char	*pw = "hX9#qL2vR7!mZ4pW8sK1";
	size_t		 i;
	char		 name[100];

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(name, sizeof name, "env name %s %s", names[i].name,
		    names[i].sensitive ? "is sensitive" : "is not");
		is_int(audit_env_name_sensitive(names[i].name),
		    names[i].sensitive, name);
	}

	is_int(env(sc, "PAYMENT_KEY", stripe, &g), 1, "env: Stripe key found");
	is_str(g.rule[0], "stripe-key", "env: by the scanner's rule");
	ok(strncmp(g.red[0], "sk_live_", 8) == 0 && strstr(g.red[0],
	    stripe + 8) == NULL, "env: redacted as the scanner does");
	ok(strstr(g.red[0], "9Q2x") != NULL || strchr(g.red[0], '*') != NULL,
	    "env: redaction shows stars");

	is_int(env(sc, "DB_PASSWORD", pw, &g), 1,
	    "env: high-entropy DB_PASSWORD found");
	ok(strchr(g.red[0], '*') != NULL && strstr(g.red[0], "hX9#") == NULL,
	    "env: password redacted, no prefix shown");
	is_int(env(sc, "CACHE_TOKEN", "Zq8Lr2Vx9Kt4Wm7Pn3", &g), 1,
	    "env: high-entropy *_TOKEN found");
	is_str(g.rule[0], "env-secret-name", "env: by the name rule");
	is_int(env(sc, "DB_PASSWORD", "aaaaaaaaaaaa", &g), 0,
	    "env: low-entropy value passed over");
	is_int(env(sc, "DB_PASSWORD", "x7", &g), 0, "env: short value passed "
	    "over");
	is_int(env(sc, "DB_SECRET", "arn:aws:secretsmanager:us-east-1:"
	    "123456789012:secret:prod/db-Ab12Cd", &g), 0,
	    "env: a Secrets Manager ARN is the right thing");
	is_int(env(sc, "API_TOKEN", "/prod/api/token-Zq8Lr2Vx9", &g), 0,
	    "env: an SSM parameter path is a reference");
	is_int(env(sc, "AUTH_TOKEN", "{{resolve:secretsmanager:x}}", &g), 0,
	    "env: a dynamic reference is a reference");
	is_int(env(sc, "STAGE", "prod", &g), 0, "env: plain value clean");
	is_int(env(sc, "TABLE", "orders-Zq8Lr2Vx9Kt4Wm7Pn3", &g), 0,
	    "env: high entropy under an innocent name is clean");
	is_int(env(sc, "DB_PASSWORD_ARN", "Zq8Lr2Vx9Kt4Wm7Pn3", &g), 0,
	    "env: a *_ARN name is a reference");
	is_int(env(sc, "CONFIG", "line one\nkey=AKIAZ7QBN4MQ2KXJ5W3V", &g), 1,
	    "env: second line of a multi-line value scanned");
	is_str(g.rule[0], "aws-access-key-id", "env: AWS key id in it");
}

static void
test_coverage(void)
{
	char				 dir[] = "/tmp/cwg-audit-unit.XXXXXX";
	char				 path[300], *cause = NULL;
	const struct config_watch	*w;
	struct config			*cfg;
	FILE				*f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "coverage: mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/c.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "[cwguard]\nstate = %s/s.db\n[aws]\nregion = us-east-1\n"
	    "[watch api]\nkind = lambda\nfunctions = orders-*, billing\n"
	    "exclude = *-canary\n[watch all]\nkind = lambda\n"
	    "functions = batch-*\n", dir);
	fclose(f);
	cfg = config_load(path, &cause);
	ok(cfg != NULL, "coverage: config loads");
	if (cfg == NULL) {
		tap_diag("%s", cause);
		free(cause);
		return;
	}
	w = audit_watch_for_function(cfg, "orders-create");
	is_str(w != NULL ? w->name : NULL, "api", "coverage: glob match");
	w = audit_watch_for_function(cfg, "billing");
	is_str(w != NULL ? w->name : NULL, "api", "coverage: exact name");
	ok(audit_watch_for_function(cfg, "orders-canary") == NULL,
	    "coverage: excluded");
	w = audit_watch_for_function(cfg, "batch-nightly");
	is_str(w != NULL ? w->name : NULL, "all", "coverage: second watch");
	ok(audit_watch_for_function(cfg, "reports") == NULL,
	    "coverage: unwatched");
	config_free(cfg);
	unlink(path);
	rmdir(dir);
}

static void
test_report(void)
{
	struct audit_report	*r;
	struct audit_item	*it;

	r = calloc(1, sizeof *r);
	TAILQ_INIT(&r->items);
	TAILQ_INIT(&r->skips);
	is_int(audit_report_worst(r), AUDIT_SEV_NONE, "report: empty is clean");
	it = audit_report_add(r, AUDIT_SEV_MEDIUM, "unwatched-function");
	audit_item_set(&it->function, "b");
	it = audit_report_add(r, AUDIT_SEV_CRITICAL, "iam-admin");
	audit_item_set(&it->role, "r\x01");
	it = audit_report_add(r, AUDIT_SEV_HIGH, "lambda-env-secret");
	audit_report_skip(r, "iam:GetRolePolicy role x", "AccessDenied");
	audit_report_sort(r);
	is_int(TAILQ_FIRST(&r->items)->severity, AUDIT_SEV_CRITICAL,
	    "report: sorted, critical first");
	is_str(TAILQ_FIRST(&r->items)->role, "r\\x01",
	    "report: fields escaped");
	is_int(TAILQ_LAST(&r->items, audit_items)->severity, AUDIT_SEV_MEDIUM,
	    "report: medium last");
	is_int(audit_report_worst(r), AUDIT_SEV_CRITICAL, "report: worst");
	is_int(audit_report_count(r, AUDIT_SEV_HIGH), 1, "report: count");
	audit_report_free(r);
}

int
main(void)
{
	struct scanner	*sc;
	char		 err[256];

	test_policies();
	test_policy_details();
	test_encoded();
	test_managed();
	if ((sc = scanner_new(NULL, err, sizeof err)) == NULL) {
		ok(0, "scanner_new: %s", err);
		return tap_done();
	}
	test_env(sc);
	scanner_free(sc);
	test_coverage();
	test_report();
	return tap_done();
}
