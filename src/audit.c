/*
 * The pure half of `cwguard audit` (include/audit.h): IAM policy documents
 * judged statement by statement, AWS managed policies known to be broad,
 * secrets in Lambda environment variables, watch coverage, and the report
 * that collects the findings. No I/O here.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "aws_proto.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "scanner.h"
#include "util.h"
#include "xmalloc.h"

const char *
audit_severity_name(enum audit_severity s)
{
	switch (s) {
	case AUDIT_SEV_CRITICAL:
		return "critical";
	case AUDIT_SEV_HIGH:
		return "high";
	case AUDIT_SEV_MEDIUM:
		return "medium";
	default:
		return "none";
	}
}

/* --- Policy documents ------------------------------------------------ */

/*
 * Actions that read or change data, or hand out more rights, and so
 * should name their resources (lower case; globs allowed in the policy,
 * not here).
 */
static const char *const audit_data_actions[] = {
	"s3:getobject", "s3:getobjectversion", "s3:putobject",
	"s3:deleteobject", "s3:listbucket",
	"dynamodb:getitem", "dynamodb:batchgetitem", "dynamodb:query",
	"dynamodb:scan", "dynamodb:putitem", "dynamodb:updateitem",
	"dynamodb:deleteitem", "dynamodb:batchwriteitem",
	"dynamodb:partiqlselect",
	"secretsmanager:getsecretvalue", "secretsmanager:putsecretvalue",
	"ssm:getparameter", "ssm:getparameters", "ssm:getparametersbypath",
	"kms:decrypt", "kms:generatedatakey", "kms:encrypt",
	"sqs:receivemessage", "sqs:sendmessage", "sqs:deletemessage",
	"sns:publish", "kinesis:getrecords", "kinesis:putrecord",
	"kinesis:putrecords", "firehose:putrecord", "lambda:invokefunction",
	"rds-data:executestatement", "rds-db:connect",
	"es:eshttpget", "es:eshttpput", "es:eshttppost",
	"iam:passrole", "sts:assumerole", "ecr:getdownloadurlforlayer",
	NULL
};

struct audit_stmt_state {
	enum audit_severity	 sev;
	const char		*check;
	struct buf		 actions;
};

static void
lower_copy(const char *s, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* Appends "\"escaped\"" to a comma list, marking a cut with "...". */
static void
list_add(struct buf *b, const char *s)
{
	char	esc[128];

	if (b->len > 0 && buf_puts(b, ", ") == -1)
		goto full;
	log_escape(s, strlen(s), esc, sizeof esc);
	if (buf_printf(b, "\"%s\"", esc) == -1)
		goto full;
	return;
full:
	if (b->len + 4 <= b->max && (b->len < 3 ||
	    strcmp(b->data + b->len - 3, "...") != 0))
		(void)buf_puts(b, "...");
}

/*
 * A resource that covers everything: "*", or an ARN whose resource part
 * is "*" ("arn:aws:s3:::*", "arn:aws:dynamodb:*:*:*").
 */
static int
resource_wide(const char *r)
{
	const char	*p = r;
	int		 colons = 0;

	if (strcmp(r, "*") == 0)
		return 1;
	if (strncmp(r, "arn:", 4) != 0)
		return 0;
	while (*p != '\0' && colons < 5)
		if (*p++ == ':')
			colons++;
	return colons == 5 && strcmp(p, "*") == 0;
}

static int
action_matches_data(const char *lower)
{
	size_t	i;

	for (i = 0; audit_data_actions[i] != NULL; i++)
		if (util_glob_match(lower, audit_data_actions[i]))
			return 1;
	return 0;
}

/* The severity of one allowed action on (wide or scoped) resources. */
static enum audit_severity
action_severity(const char *action, int wide, const char **check)
{
	char		 a[160];
	const char	*colon;

	lower_copy(action, a, sizeof a);
	if (strcmp(a, "*") == 0 || strcmp(a, "*:*") == 0) {
		*check = "iam-admin";
		return AUDIT_SEV_CRITICAL;
	}
	colon = strchr(a, ':');
	if (colon != NULL && strcmp(colon + 1, "*") == 0) {
		*check = "iam-service-wildcard";
		return wide || strcmp(a, "iam:*") == 0 ? AUDIT_SEV_CRITICAL :
		    AUDIT_SEV_HIGH;
	}
	if (!wide)
		return AUDIT_SEV_NONE;
	if (action_matches_data(a)) {
		*check = "iam-data-action-any-resource";
		return AUDIT_SEV_HIGH;
	}
	if (strpbrk(a, "*?") != NULL) {
		*check = "iam-partial-wildcard";
		return AUDIT_SEV_MEDIUM;
	}
	return AUDIT_SEV_NONE;
}

/* Calls fn on each string of a string-or-list member; returns the count. */
static int
each_string(const cJSON *stmt, const char *key,
    void (*fn)(const char *, void *), void *arg)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(stmt, key), *e;
	int		 n = 0;

	if (cJSON_IsString(v) && v->valuestring != NULL) {
		if (fn != NULL)
			fn(v->valuestring, arg);
		return 1;
	}
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || e->valuestring == NULL)
			continue;
		if (fn != NULL)
			fn(e->valuestring, arg);
		n++;
	}
	return n;
}

struct res_scan {
	int		 wide;
	struct buf	 text;
};

static void
res_one(const char *r, void *arg)
{
	struct res_scan	*rs = arg;

	if (resource_wide(r))
		rs->wide = 1;
	list_add(&rs->text, r);
}

struct act_scan {
	int			 wide;
	enum audit_severity	 sev;
	const char		*check;
	struct buf		 list;
};

static void
act_one(const char *a, void *arg)
{
	struct act_scan		*as = arg;
	enum audit_severity	 s;
	const char		*check = NULL;

	s = action_severity(a, as->wide, &check);
	if (s == AUDIT_SEV_NONE)
		return;
	if (s > as->sev) {
		as->sev = s;
		as->check = check;
	}
	list_add(&as->list, a);
}

static void
not_one(const char *a, void *arg)
{
	list_add(arg, a);
}

/* Judges one statement; 1 when it made a finding. */
static int
audit_statement(const cJSON *st, int index, audit_stmt_cb cb, void *arg)
{
	struct audit_stmt_finding f;
	struct res_scan		 rs;
	struct act_scan		 as;
	const cJSON		*effect, *sid;
	int			 nres, found = 0;

	if (!cJSON_IsObject(st))
		return 0;
	effect = cJSON_GetObjectItemCaseSensitive(st, "Effect");
	if (!cJSON_IsString(effect) || strcmp(effect->valuestring, "Allow") != 0)
		return 0;	/* Deny (or nonsense): grants nothing */
	memset(&f, 0, sizeof f);
	f.index = index;
	if (cJSON_IsString(sid = cJSON_GetObjectItemCaseSensitive(st, "Sid")))
		log_escape(sid->valuestring, strlen(sid->valuestring), f.sid,
		    sizeof f.sid);
	f.conditional = cJSON_GetObjectItemCaseSensitive(st, "Condition") !=
	    NULL;

	memset(&rs, 0, sizeof rs);
	buf_init(&rs.text, sizeof f.resources - 1);
	if ((nres = each_string(st, "NotResource", res_one, &rs)) > 0) {
		f.not_resource = 1;
		rs.wide = 1;	/* everything but a few */
	} else
		nres = each_string(st, "Resource", res_one, &rs);
	if (nres == 0)
		rs.wide = 1;	/* malformed; IAM would refuse it */
	util_strlcpy(f.resources, buf_cstr(&rs.text), sizeof f.resources);

	memset(&as, 0, sizeof as);
	as.wide = rs.wide;
	buf_init(&as.list, sizeof f.actions - 1);
	if (each_string(st, "NotAction", not_one, &as.list) > 0) {
		f.not_action = 1;
		as.sev = rs.wide ? AUDIT_SEV_CRITICAL : AUDIT_SEV_HIGH;
		as.check = "iam-not-action";
	} else
		(void)each_string(st, "Action", act_one, &as);
	if (as.sev != AUDIT_SEV_NONE) {
		f.severity = as.sev;
		if (f.conditional && f.severity > AUDIT_SEV_MEDIUM)
			f.severity--;
		f.check = as.check;
		util_strlcpy(f.actions, buf_cstr(&as.list), sizeof f.actions);
		if (cb != NULL)
			cb(&f, arg);
		found = 1;
	}
	buf_cleanup(&as.list);
	buf_cleanup(&rs.text);
	return found;
}

int
audit_policy_check(const char *doc, size_t len, audit_stmt_cb cb, void *arg,
    char *err, size_t errlen)
{
	cJSON		*root = NULL;
	const cJSON	*stmts, *st;
	int		 n = 0, i = 0;

	if (len > AUDIT_POLICY_MAX) {
		snprintf(err, errlen, "policy document of %zu bytes (over %d)",
		    len, AUDIT_POLICY_MAX);
		return -1;
	}
	if ((root = cJSON_ParseWithLength(doc, len)) == NULL ||
	    !cJSON_IsObject(root)) {
		snprintf(err, errlen, "policy document is not a JSON object");
		goto fail;
	}
	stmts = cJSON_GetObjectItemCaseSensitive(root, "Statement");
	if (cJSON_IsObject(stmts))
		n = audit_statement(stmts, 0, cb, arg);
	else if (cJSON_IsArray(stmts)) {
		cJSON_ArrayForEach(st, stmts)
			n += audit_statement(st, i++, cb, arg);
	} else {
		snprintf(err, errlen, "policy document has no Statement");
		goto fail;
	}
	cJSON_Delete(root);
	return n;
fail:
	cJSON_Delete(root);
	return -1;
}

int
audit_policy_check_encoded(const char *doc, size_t len, audit_stmt_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct buf	b;
	int		rc;

	buf_init(&b, AUDIT_POLICY_MAX);
	if (aws_percent_decode(&b, doc, len) == -1) {
		snprintf(err, errlen, "policy document: bad percent-encoding "
		    "or over %d bytes", AUDIT_POLICY_MAX);
		buf_cleanup(&b);
		return -1;
	}
	rc = audit_policy_check(buf_cstr(&b), b.len, cb, arg, err, errlen);
	buf_cleanup(&b);
	return rc;
}

/* AWS managed policies that amount to `*` (or reading every piece of data). */
static const struct {
	const char		*name;
	enum audit_severity	 sev;
	const char		*why;
} audit_broad[] = {
	{ "AdministratorAccess", AUDIT_SEV_CRITICAL,
	  "allows every action on every resource" },
	{ "PowerUserAccess", AUDIT_SEV_CRITICAL,
	  "allows every action but IAM and Organizations on every resource" },
	{ "IAMFullAccess", AUDIT_SEV_CRITICAL,
	  "allows iam:* (privilege escalation)" },
	{ "AmazonS3FullAccess", AUDIT_SEV_CRITICAL,
	  "allows s3:* on every bucket" },
	{ "AmazonDynamoDBFullAccess", AUDIT_SEV_CRITICAL,
	  "allows dynamodb:* on every table" },
	{ "SecretsManagerReadWrite", AUDIT_SEV_CRITICAL,
	  "allows secretsmanager:* on every secret" },
	{ "AmazonSQSFullAccess", AUDIT_SEV_CRITICAL,
	  "allows sqs:* on every queue" },
	{ "AmazonSNSFullAccess", AUDIT_SEV_CRITICAL,
	  "allows sns:* on every topic" },
	{ "AmazonKinesisFullAccess", AUDIT_SEV_CRITICAL,
	  "allows kinesis:* on every stream" },
	{ "AmazonEC2FullAccess", AUDIT_SEV_CRITICAL,
	  "allows ec2:* on every resource" },
	{ "AmazonRDSFullAccess", AUDIT_SEV_CRITICAL,
	  "allows rds:* on every database" },
	{ "AmazonSSMFullAccess", AUDIT_SEV_CRITICAL,
	  "allows ssm:* (every parameter)" },
	{ "AWSLambda_FullAccess", AUDIT_SEV_CRITICAL,
	  "allows lambda:* on every function" },
	{ "AWSLambdaFullAccess", AUDIT_SEV_CRITICAL,
	  "allows lambda:* on every function (deprecated policy)" },
	{ "AWSKeyManagementServicePowerUser", AUDIT_SEV_HIGH,
	  "allows most of kms on every key" },
	{ "ReadOnlyAccess", AUDIT_SEV_HIGH,
	  "reads every resource, every S3 object and DynamoDB table included" },
	{ "AmazonS3ReadOnlyAccess", AUDIT_SEV_HIGH,
	  "reads every object of every bucket" },
	{ "AmazonDynamoDBReadOnlyAccess", AUDIT_SEV_HIGH,
	  "reads every DynamoDB table" },
	{ "CloudWatchFullAccess", AUDIT_SEV_MEDIUM,
	  "allows cloudwatch:* and more on every resource" },
};

int
audit_policy_is_aws_managed(const char *arn)
{
	const char	*p;

	if (strncmp(arn, "arn:", 4) != 0 ||
	    (p = strchr(arn + 4, ':')) == NULL)
		return 0;
	return strncmp(p, ":iam::aws:policy/", 17) == 0;
}

enum audit_severity
audit_managed_broad(const char *arn, const char **why)
{
	const char	*name;
	size_t		 i;

	*why = NULL;
	if (!audit_policy_is_aws_managed(arn))
		return AUDIT_SEV_NONE;
	name = strrchr(arn, '/') + 1;
	for (i = 0; i < sizeof audit_broad / sizeof audit_broad[0]; i++)
		if (strcmp(name, audit_broad[i].name) == 0) {
			*why = audit_broad[i].why;
			return audit_broad[i].sev;
		}
	return AUDIT_SEV_NONE;
}

/* --- Environment variables ----------------------------------------- */

static const char *const env_secret_words[] = {
	"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY",
	"APIKEY", "PRIVATE_KEY", "PRIVATEKEY", "ACCESS_KEY", "CREDENTIAL",
	"AUTH_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "CLIENT_KEY",
	"MASTER_KEY", "_PWD", NULL
};
/* Names of references to a secret, not the secret. */
static const char *const env_ref_suffixes[] = {
	"_ARN", "_NAME", "_ID", "_PARAM", "_PARAMETER", "_PATH", "_FILE",
	"_REF", "_URL", "_URI", "_ENDPOINT", "_TTL", "_TYPE", "_REGION",
	"_VERSION", NULL
};

int
audit_env_name_sensitive(const char *name)
{
	char	up[256];
	size_t	i, n, sl;
	int	hit = 0;

	for (n = 0; name[n] != '\0' && n + 1 < sizeof up; n++)
		up[n] = (char)toupper((unsigned char)(name[n] == '-' ? '_' :
		    name[n]));
	up[n] = '\0';
	for (i = 0; env_secret_words[i] != NULL && !hit; i++)
		if (strstr(up, env_secret_words[i]) != NULL)
			hit = 1;
	if (!hit)
		return 0;
	for (i = 0; env_ref_suffixes[i] != NULL; i++) {
		sl = strlen(env_ref_suffixes[i]);
		if (n > sl && strcmp(up + n - sl, env_ref_suffixes[i]) == 0)
			return 0;
	}
	return 1;
}

static int
env_value_is_reference(const char *v, size_t len)
{
	static const char *const prefixes[] = {
		"arn:", "/", "${", "{{resolve:", "ssm:", "secretsmanager:",
		NULL
	};
	size_t	i, pl;

	for (i = 0; prefixes[i] != NULL; i++) {
		pl = strlen(prefixes[i]);
		if (len >= pl && memcmp(v, prefixes[i], pl) == 0)
			return 1;
	}
	return 0;
}

/* A URL: credentials in it are the scanner's (basic-auth-url). */
static int
env_value_is_url(const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i + 3 <= len; i++)
		if (memcmp(v + i, "://", 3) == 0)
			return 1;
	return 0;
}

struct env_scan {
	audit_env_cb	 cb;
	void		*arg;
	int		 n;
	int		 reference;	/* the value names a secret elsewhere */
};

static int
env_found(const struct scanner_finding *f, void *arg)
{
	struct env_scan		*es = arg;
	struct audit_env_finding ef;

	/* "API_TOKEN=/prod/api/token" is a generic assignment, not a secret. */
	if (es->reference && strncmp(f->rule, "generic-", 8) == 0)
		return 0;
	memset(&ef, 0, sizeof ef);
	ef.rule = f->rule;
	memcpy(ef.redacted, f->redacted, sizeof ef.redacted);
	es->n++;
	if (es->cb != NULL)
		es->cb(&ef, es->arg);
	return 0;
}

int
audit_env_check(struct scanner *sc, const char *name, const char *value,
    size_t vlen, audit_env_cb cb, void *arg)
{
	struct env_scan		 es;
	struct audit_env_finding ef;
	struct buf		 line;
	const char		*p = value, *end = value + vlen, *nl;
	int			 first = 1;

	memset(&es, 0, sizeof es);
	es.cb = cb;
	es.arg = arg;
	es.reference = env_value_is_reference(value, vlen);
	buf_init(&line, SCANNER_CHUNK_MAX + 512);
	scanner_reset(sc);
	for (;;) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		buf_reset(&line);
		if (first && buf_printf(&line, "%s=", name) == -1)
			break;
		if (buf_append(&line, p, (size_t)(nl - p)) == -1)
			(void)buf_append(&line, p, line.max - line.len);
		(void)scanner_scan_line(sc, line.data != NULL ? line.data : "",
		    line.len, env_found, &es);
		first = 0;
		if (nl == end)
			break;
		p = nl + 1;
	}
	(void)scanner_finish(sc, env_found, &es);
	buf_cleanup(&line);	/* wipes */
	if (es.n > 0)
		return es.n;
	if (vlen >= 10 && audit_env_name_sensitive(name) &&
	    !es.reference && !env_value_is_url(value, vlen) &&
	    scanner_entropy(value, vlen) >= 3.0) {
		memset(&ef, 0, sizeof ef);
		ef.rule = "env-secret-name";
		log_redact(value, vlen, 0, ef.redacted, sizeof ef.redacted);
		if (cb != NULL)
			cb(&ef, arg);
		return 1;
	}
	return 0;
}

/* --- Coverage -------------------------------------------------------- */

static int
glob_any(char **globs, const char *name)
{
	size_t	i;

	for (i = 0; globs != NULL && globs[i] != NULL; i++)
		if (util_glob_match(globs[i], name))
			return 1;
	return 0;
}

const struct config_watch *
audit_watch_for_function(const struct config *cfg, const char *function)
{
	const struct config_watch	*w;

	TAILQ_FOREACH(w, &cfg->watches, entry) {
		if (w->kind != CONFIG_WATCH_LAMBDA)
			continue;
		if (glob_any(w->functions, function) &&
		    !glob_any(w->exclude, function))
			return w;
	}
	return NULL;
}

const struct config_watch *
audit_watch_for_api(const struct config *cfg, const char *api)
{
	const struct config_watch	*w;

	TAILQ_FOREACH(w, &cfg->watches, entry) {
		if (w->kind != CONFIG_WATCH_APIGW)
			continue;
		if (glob_any(w->apis, api) && !glob_any(w->exclude, api))
			return w;
	}
	return NULL;
}

/* --- The report ------------------------------------------------------ */

void
audit_item_set(char **field, const char *value)
{
	char	esc[1024];

	free(*field);
	*field = NULL;
	if (value != NULL)
		*field = xstrdup(log_escape(value, strlen(value), esc,
		    sizeof esc));
}

struct audit_item *
audit_report_add(struct audit_report *r, enum audit_severity sev,
    const char *check)
{
	struct audit_item	*it;

	it = xcalloc(1, sizeof *it);
	it->severity = sev;
	audit_item_set(&it->check, check);
	TAILQ_INSERT_TAIL(&r->items, it, entry);
	return it;
}

void
audit_report_skip(struct audit_report *r, const char *what, const char *why)
{
	struct audit_skip	*s;
	char			 esc[1024];

	s = xcalloc(1, sizeof *s);
	s->what = xstrdup(log_escape(what, strlen(what), esc, sizeof esc));
	s->why = xstrdup(log_escape(why, strlen(why), esc, sizeof esc));
	TAILQ_INSERT_TAIL(&r->skips, s, entry);
}

static void
item_free(struct audit_item *it)
{
	free(it->check);
	free(it->region);
	free(it->function);
	free(it->api);
	free(it->role);
	free(it->role_functions);
	free(it->policy);
	free(it->policy_type);
	free(it->variable);
	free(it->rule);
	free(it->redacted);
	free(it->message);
	free(it->fix);
	free(it);
}

void
audit_report_free(struct audit_report *r)
{
	struct audit_item	*it;
	struct audit_skip	*s;

	if (r == NULL)
		return;
	while ((it = TAILQ_FIRST(&r->items)) != NULL) {
		TAILQ_REMOVE(&r->items, it, entry);
		item_free(it);
	}
	while ((s = TAILQ_FIRST(&r->skips)) != NULL) {
		TAILQ_REMOVE(&r->skips, s, entry);
		free(s->what);
		free(s->why);
		free(s);
	}
	free(r);
}

enum audit_severity
audit_report_worst(const struct audit_report *r)
{
	const struct audit_item	*it;
	enum audit_severity	 w = AUDIT_SEV_NONE;

	TAILQ_FOREACH(it, &r->items, entry)
		if (it->severity > w)
			w = it->severity;
	return w;
}

size_t
audit_report_count(const struct audit_report *r, enum audit_severity sev)
{
	const struct audit_item	*it;
	size_t			 n = 0;

	TAILQ_FOREACH(it, &r->items, entry)
		if (it->severity == sev)
			n++;
	return n;
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct audit_item	*a = *(const struct audit_item *const *)pa;
	const struct audit_item	*b = *(const struct audit_item *const *)pb;
	int			 c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((c = str_cmp(a->check, b->check)) != 0)
		return c;
	if ((c = str_cmp(a->role, b->role)) != 0)
		return c;
	if ((c = str_cmp(a->function, b->function)) != 0)
		return c;
	if ((c = str_cmp(a->api, b->api)) != 0)
		return c;
	if ((c = str_cmp(a->region, b->region)) != 0)
		return c;
	if ((c = str_cmp(a->policy, b->policy)) != 0)
		return c;
	return str_cmp(a->variable, b->variable);
}

void
audit_report_sort(struct audit_report *r)
{
	struct audit_item	*it, **v;
	size_t			 n = 0, i;

	TAILQ_FOREACH(it, &r->items, entry)
		n++;
	if (n < 2)
		return;
	v = xreallocarray(NULL, n, sizeof *v);
	i = 0;
	while ((it = TAILQ_FIRST(&r->items)) != NULL) {
		TAILQ_REMOVE(&r->items, it, entry);
		v[i++] = it;
	}
	qsort(v, n, sizeof *v, item_cmp);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&r->items, v[i], entry);
	free(v);
}
