/*
 * The one table of configuration keys (DESIGN section 3) and the checks of
 * single values it names. The loader, the defaults and config_print() are
 * all driven by this table; conf/cwguard.conf and cwguard.conf(5) document
 * the same keys.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "silence.h"
#include "util.h"

#define W_LAMBDA	(1U << CONFIG_WATCH_LAMBDA)
#define W_APIGW		(1U << CONFIG_WATCH_APIGW)
#define W_ALB		(1U << CONFIG_WATCH_ALB)
#define W_METRIC	(1U << CONFIG_WATCH_METRIC)
#define W_COUNT		(W_LAMBDA | W_APIGW | W_ALB)
#define S_SLACK		(1U << CONFIG_SINK_SLACK)
#define S_WEBHOOK	(1U << CONFIG_SINK_WEBHOOK)
#define S_SNS		(1U << CONFIG_SINK_SNS)
#define S_EMAIL		(1U << CONFIG_SINK_EMAIL)
#define S_PAGERDUTY	(1U << CONFIG_SINK_PAGERDUTY)
#define S_OPSGENIE	(1U << CONFIG_SINK_OPSGENIE)
#define S_TEAMS		(1U << CONFIG_SINK_TEAMS)
#define ALWAYS		(~0U)

#define DMAX		(10.0 * 366 * 86400)	/* util_parse_duration's cap */

static int
is_blank_free(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			return 0;
	}
	return 1;
}

/* Names, globs and ids: no white space. */
static int
check_token(const char *s, char *err, size_t errlen)
{
	if (!is_blank_free(s)) {
		snprintf(err, errlen, "'%s' contains white space", s);
		return -1;
	}
	return 0;
}

static int
check_region(const char *s, char *err, size_t errlen)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '-')
			break;
	}
	if (*p != '\0' || strchr(s, '-') == NULL) {
		snprintf(err, errlen, "'%s' is not an AWS region (e.g. us-east-1)",
		    s);
		return -1;
	}
	return 0;
}

/* poll = auto | a duration (1 s .. 1 day). */
static int
check_poll(const char *s, char *err, size_t errlen)
{
	int64_t	d;
	char	why[128];

	if (strcmp(s, "auto") == 0)
		return 0;
	if (util_parse_duration(s, &d, why, sizeof why) == -1 || d < 1 ||
	    d > 86400) {
		snprintf(err, errlen, "'%s' is neither auto nor a duration of "
		    "1s .. 1d", s);
		return -1;
	}
	return 0;
}

/* "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"; fields[] gets pointers. */
static int
arn_split(const char *s, const char *service, const char **resource,
    int need_region)
{
	const char	*f[6], *p = s;
	int		 i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		if ((p = strchr(p, ':')) == NULL)
			return -1;
		p++;
	}
	f[5] = p;
	if (strncmp(s, "arn:", 4) != 0 || strncmp(f[1], "aws", 3) != 0)
		return -1;
	if (strncmp(f[2], service, strlen(service)) != 0 ||
	    f[2][strlen(service)] != ':')
		return -1;
	if (need_region != (f[3][0] != ':'))
		return -1;
	for (i = 0; i < 12; i++) {
		if (!isdigit((unsigned char)f[4][i]))
			return -1;
	}
	if (f[4][12] != ':' || *f[5] == '\0' || !is_blank_free(f[5]))
		return -1;
	*resource = f[5];
	return 0;
}

static int
check_role_arn(const char *s, char *err, size_t errlen)
{
	const char	*r;

	if (arn_split(s, "iam", &r, 0) == -1 || strncmp(r, "role/", 5) != 0 ||
	    r[5] == '\0') {
		snprintf(err, errlen, "'%s' is not an IAM role ARN "
		    "(arn:aws:iam::123456789012:role/NAME)", s);
		return -1;
	}
	return 0;
}

static int
check_topic_arn(const char *s, char *err, size_t errlen)
{
	const char	*r, *p;

	if (arn_split(s, "sns", &r, 1) == -1)
		goto fail;
	for (p = r; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			goto fail;
	}
	if (p - r > 256)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "'%s' is not an SNS topic ARN "
	    "(arn:aws:sns:REGION:123456789012:NAME)", s);
	return -1;
}

static int
check_external_id(const char *s, char *err, size_t errlen)
{
	const char	*p;
	size_t		 n = strlen(s);

	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("+=,.@:/-_", *p) == NULL)
			break;
	}
	if (*p != '\0' || n < 2 || n > 1224) {
		snprintf(err, errlen, "'%s' is not a valid external id "
		    "(2-1224 of A-Z a-z 0-9 +=,.@:/-_)", s);
		return -1;
	}
	return 0;
}

/* CloudWatch periods: 1, 5, 10, 30 s (high resolution) or whole minutes. */
static int
check_period(const char *s, char *err, size_t errlen)
{
	int64_t	d;

	if (util_parse_duration(s, &d, err, errlen) == -1)
		return -1;
	if (d == 1 || d == 5 || d == 10 || d == 30 || (d > 0 && d % 60 == 0))
		return 0;
	snprintf(err, errlen, "period '%s' is not 1s, 5s, 10s, 30s or a "
	    "multiple of 60s", s);
	return -1;
}

static int
check_api(const char *s, char *err, size_t errlen)
{
	const char	*slash = strchr(s, '/');

	if (check_token(s, err, errlen) == -1)
		return -1;
	if (strcmp(s, "*") == 0)
		return 0;
	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL) {
		snprintf(err, errlen, "'%s' is not API/STAGE (REST: ApiName/Stage, "
		    "HTTP: api-id/stage)", s);
		return -1;
	}
	return 0;
}

static int
check_log_group(const char *s, char *err, size_t errlen)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("_-./#*", *p) == NULL) {
			snprintf(err, errlen, "'%s' is not a log group name or "
			    "prefix glob", s);
			return -1;
		}
	}
	if (strlen(s) > 512) {
		snprintf(err, errlen, "log group name is longer than 512 bytes");
		return -1;
	}
	return 0;
}

static int
check_dimension(const char *s, char *err, size_t errlen)
{
	const char	*eq = strchr(s, '=');

	if (eq == NULL || eq == s || eq[1] == '\0') {
		snprintf(err, errlen, "dimension '%s' is not Name=Value", s);
		return -1;
	}
	return 0;
}

static int
check_stat(const char *s, char *err, size_t errlen)
{
	static const char *const stats[] = { "Average", "Sum", "Minimum",
	    "Maximum", "SampleCount", NULL };
	double	p;
	char	*end;
	size_t	i;

	for (i = 0; stats[i] != NULL; i++) {
		if (strcmp(s, stats[i]) == 0)
			return 0;
	}
	if (s[0] == 'p' && isdigit((unsigned char)s[1])) {
		p = strtod(s + 1, &end);
		if (*end == '\0' && p >= 0 && p <= 100)
			return 0;
	}
	snprintf(err, errlen, "bad stat '%s' (want Average, Sum, Minimum, "
	    "Maximum, SampleCount or pNN such as p99)", s);
	return -1;
}

static int
check_email(const char *s, char *err, size_t errlen)
{
	const char	*at = strchr(s, '@');

	if (!is_blank_free(s) || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strpbrk(s, "<>\",;") != NULL) {
		snprintf(err, errlen, "'%s' is not an email address "
		    "(user@example.com)", s);
		return -1;
	}
	return 0;
}

/*
 * The sender: an address, or 'Display Name <address>' (the name may be
 * double-quoted; no '<', '>' or '"' inside it).
 */
static int
check_email_from(const char *s, char *err, size_t errlen)
{
	const char	*lt = strchr(s, '<'), *gt;
	char		 addr[320];
	size_t		 n, nl;

	if (lt == NULL)
		return check_email(s, err, errlen);
	gt = strchr(lt, '>');
	n = gt != NULL ? (size_t)(gt - lt - 1) : 0;
	for (nl = (size_t)(lt - s); nl > 0 && s[nl - 1] == ' '; nl--)
		;
	if (gt == NULL || gt[1] != '\0' || n == 0 || n >= sizeof addr ||
	    memchr(s, '>', nl) != NULL ||
	    (memchr(s, '"', nl) != NULL && (s[0] != '"' || s[nl - 1] != '"' ||
	    nl < 2 || memchr(s + 1, '"', nl - 2) != NULL))) {
		snprintf(err, errlen, "'%s' is not a sender (user@example.com "
		    "or Name <user@example.com>)", s);
		return -1;
	}
	memcpy(addr, lt + 1, n);
	addr[n] = '\0';
	return check_email(addr, err, errlen);
}

/* A Standard Webhooks key; its value is never echoed. */
static int
check_hmac_key(const char *s, char *err, size_t errlen)
{
	unsigned char	k[512];
	size_t		n;
	int		rc;

	rc = util_webhook_key(s, k, sizeof k, &n);
	util_wipe(k, sizeof k);
	if (rc == -1)
		snprintf(err, errlen, "not a Standard Webhooks key (base64 of "
		    "at most %zu bytes, optionally prefixed whsec_)", sizeof k);
	return rc;
}

/* The value of a secret is never echoed by the URL checks below. */
static int
check_https_url(const char *s, char *err, size_t errlen)
{
	if (strncmp(s, "https://", 8) == 0 && s[8] != '\0' && is_blank_free(s))
		return 0;
	if (strncmp(s, "http://", 7) == 0 && config_url_is_loopback(s) &&
	    is_blank_free(s))
		return 0;
	snprintf(err, errlen, "must be an https:// URL (http:// only to a "
	    "loopback host)");
	return -1;
}

static int
check_smtp_url(const char *s, char *err, size_t errlen)
{
	size_t	skip;

	if (strncmp(s, "smtps://", 8) == 0)
		skip = 8;
	else if (strncmp(s, "smtp://", 7) == 0)
		skip = 7;
	else
		skip = 0;
	if (skip == 0 || s[skip] == '\0' || s[skip] == '/' ||
	    !is_blank_free(s)) {
		snprintf(err, errlen, "must be smtps://HOST[:PORT] or "
		    "smtp://HOST[:PORT] (STARTTLS)");
		return -1;
	}
	return 0;
}

/* "key=value": key of letters, digits, '_', '.', '-'; a value. */
static int
check_label(const char *s, char *err, size_t errlen)
{
	const char	*eq = strchr(s, '='), *p;

	for (p = s; eq != NULL && p < eq; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			break;
	if (eq == NULL || eq == s || p != eq || eq[1] == '\0' ||
	    strlen(s) > 200) {
		snprintf(err, errlen, "'%s' is not key=value (key of letters, "
		    "digits, '_', '.', '-'; at most 200 bytes)", s);
		return -1;
	}
	return 0;
}

static int
check_link(const char *s, char *err, size_t errlen)
{
	if ((strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) ==
	    0) && is_blank_free(s) && strlen(s) < 500)
		return 0;
	snprintf(err, errlen, "must be an http:// or https:// URL (at most "
	    "500 bytes)");
	return -1;
}

static int
check_schedule(const char *s, char *err, size_t errlen)
{
	struct silence_schedule	sch;

	return silence_schedule_parse(s, &sch, err, errlen);
}

#define C(f)	offsetof(struct config, f)
#define WA(f)	offsetof(struct config_watch, f)
#define LG(f)	offsetof(struct config_logs, f)
#define SK(f)	offsetof(struct config_sink, f)
#define MU(f)	offsetof(struct config_mute, f)

static const struct config_key keys[] = {
	/* [cwguard] */
	{ CONFIG_SECTION_CWGUARD, "state", CONFIG_TYPE_STRING,
	  "/var/lib/cwguard/state.db", 0, 0, NULL, 0, 0, 0, C(state), NULL,
	  "SQLite state database" },
	{ CONFIG_SECTION_CWGUARD, "interval", CONFIG_TYPE_DURATION, "60s",
	  0, 0, NULL, 1, 86400, 0, C(interval), NULL, "cycle length" },
	{ CONFIG_SECTION_CWGUARD, "lag", CONFIG_TYPE_DURATION, "3m",
	  0, 0, NULL, 0, 86400, 0, C(lag), NULL,
	  "CloudWatch ingestion delay; younger periods are not final" },
	{ CONFIG_SECTION_CWGUARD, "reread", CONFIG_TYPE_DURATION, "10m",
	  0, 0, NULL, 0, 86400, 0, C(reread), NULL,
	  "history re-read each cycle for late datapoints" },
	{ CONFIG_SECTION_CWGUARD, "discovery", CONFIG_TYPE_DURATION, "10m",
	  0, 0, NULL, 1, 86400, 0, C(discovery), NULL,
	  "how often ListMetrics refreshes the discovered series" },
	{ CONFIG_SECTION_CWGUARD, "log_level", CONFIG_TYPE_ENUM, "info",
	  0, 0, "debug|info|warn|error", 0, 0, 0, C(log_level), NULL,
	  "least severe level logged" },
	{ CONFIG_SECTION_CWGUARD, "log_format", CONFIG_TYPE_ENUM, "text",
	  0, 0, "text|json", 0, 0, 0, C(log_format), NULL, "log line format" },
	{ CONFIG_SECTION_CWGUARD, "metrics_listen", CONFIG_TYPE_LISTEN, NULL,
	  0, 0, NULL, 0, 0, 0, C(metrics_listen), NULL,
	  "HOST:PORT of Prometheus /metrics and /healthz" },
	{ CONFIG_SECTION_CWGUARD, "self_sinks", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, 0, C(self_sinks), check_token,
	  "sinks told about cwguard's own health (default: none)" },
	{ CONFIG_SECTION_CWGUARD, "self_after", CONFIG_TYPE_INT, "5",
	  0, 0, NULL, 1, 1000, 0, C(self_after), NULL,
	  "failed cycles of a source in a row before a self alert" },
	{ CONFIG_SECTION_CWGUARD, "secret_ttl", CONFIG_TYPE_DURATION, "1h",
	  0, 0, NULL, 60, DMAX, 0, C(secret_ttl), NULL,
	  "refresh of ${secretsmanager:...} values" },
	{ CONFIG_SECTION_CWGUARD, "budget", CONFIG_TYPE_DOUBLE, NULL,
	  0, 0, NULL, 0, 1e9, CONFIG_KEY_MIN_OPEN, C(budget), NULL,
	  "GetMetricData USD a month the watches stay under (stretching "
	  "the quietest entities)" },

	/* [aws] */
	{ CONFIG_SECTION_AWS, "region", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, C(aws.region), check_region,
	  "else AWS_REGION, AWS_DEFAULT_REGION, the profile" },
	{ CONFIG_SECTION_AWS, "profile", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, C(aws.profile), check_token,
	  "profile of ~/.aws/config and ~/.aws/credentials" },
	{ CONFIG_SECTION_AWS, "role_arn", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, C(aws.role_arn), check_role_arn,
	  "role to assume with sts:AssumeRole" },
	{ CONFIG_SECTION_AWS, "external_id", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, C(aws.external_id), check_external_id,
	  "ExternalId of the AssumeRole call" },
	{ CONFIG_SECTION_AWS, "max_concurrency", CONFIG_TYPE_INT, "5",
	  0, 0, NULL, 1, 64, 0, C(aws.max_concurrency), NULL,
	  "AWS requests in flight at once" },
	{ CONFIG_SECTION_AWS, "ca_file", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, C(aws.ca_file), NULL,
	  "CA bundle for TLS to AWS (default: the system's)" },

	/* [watch NAME] */
	{ CONFIG_SECTION_WATCH, "kind", CONFIG_TYPE_ENUM, NULL,
	  0, ALWAYS, "lambda|apigw|alb|metric", 0, 0, 0, WA(kind), NULL,
	  "what is watched" },
	{ CONFIG_SECTION_WATCH, "functions", CONFIG_TYPE_LIST, NULL,
	  W_LAMBDA, W_LAMBDA, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(functions),
	  check_token, "function names or globs; '*' = every function" },
	{ CONFIG_SECTION_WATCH, "apis", CONFIG_TYPE_LIST, NULL,
	  W_APIGW, W_APIGW, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(apis), check_api,
	  "REST ApiName/Stage or HTTP api-id/stage" },
	{ CONFIG_SECTION_WATCH, "load_balancers", CONFIG_TYPE_LIST, NULL,
	  W_ALB, W_ALB, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(load_balancers),
	  check_token, "app/NAME/ID of the load balancers, or globs" },
	{ CONFIG_SECTION_WATCH, "exclude", CONFIG_TYPE_LIST, NULL,
	  W_COUNT, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(exclude), check_token,
	  "globs of entities not to watch" },
	{ CONFIG_SECTION_WATCH, "exclude", CONFIG_TYPE_LIST, NULL,
	  W_METRIC, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(exclude),
	  check_dimension, "Name=glob: discovered series not to watch" },
	{ CONFIG_SECTION_WATCH, "signals", CONFIG_TYPE_LIST, "errors",
	  W_LAMBDA, 0, "errors|throttles|4xx|5xx|drop", 0, 0, 0, WA(signals),
	  NULL,
	  "error rates judged" },
	{ CONFIG_SECTION_WATCH, "signals", CONFIG_TYPE_LIST, "5xx, 4xx",
	  W_APIGW, 0, "4xx|5xx|drop", 0, 0, 0, WA(signals), NULL,
	  "error rates judged" },
	{ CONFIG_SECTION_WATCH, "signals", CONFIG_TYPE_LIST, "5xx",
	  W_ALB, 0, "4xx|5xx|elb5xx|drop", 0, 0, 0, WA(signals), NULL,
	  "error rates judged" },
	{ CONFIG_SECTION_WATCH, "namespace", CONFIG_TYPE_STRING, NULL,
	  W_METRIC, W_METRIC, NULL, 0, 0, 0, WA(namespace), check_token,
	  "CloudWatch namespace, e.g. AWS/EC2" },
	{ CONFIG_SECTION_WATCH, "metric", CONFIG_TYPE_STRING, NULL,
	  W_METRIC, W_METRIC, NULL, 0, 0, 0, WA(metric), check_token,
	  "CloudWatch metric name" },
	{ CONFIG_SECTION_WATCH, "dimensions", CONFIG_TYPE_LIST, NULL,
	  W_METRIC, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(dimensions),
	  check_dimension, "Name=Value pairs of the metric; a glob value "
	  "(FunctionName=*) watches every discovered series" },
	{ CONFIG_SECTION_WATCH, "stat", CONFIG_TYPE_STRING, "Average",
	  W_METRIC, 0, NULL, 0, 0, 0, WA(stat), check_stat,
	  "Average, Sum, Minimum, Maximum, SampleCount or pNN" },
	{ CONFIG_SECTION_WATCH, "period", CONFIG_TYPE_DURATION, "60s",
	  0, 0, NULL, 1, 86400, 0, WA(period), check_period,
	  "CloudWatch period: 1s, 5s, 10s, 30s or whole minutes" },
	{ CONFIG_SECTION_WATCH, "detector", CONFIG_TYPE_ENUM, "robust",
	  W_METRIC, 0, "robust|static|absence", 0, 0, 0, WA(detector), NULL,
	  "robust: z-score on a seasonal profile; static: above/below; "
	  "absence: missing_after" },
	{ CONFIG_SECTION_WATCH, "above", CONFIG_TYPE_DOUBLE, NULL,
	  W_METRIC, 0, NULL, -1e300, 1e300, 0, WA(above), NULL,
	  "static: a value above this is anomalous" },
	{ CONFIG_SECTION_WATCH, "below", CONFIG_TYPE_DOUBLE, NULL,
	  W_METRIC, 0, NULL, -1e300, 1e300, 0, WA(below), NULL,
	  "static: a value below this is anomalous" },
	{ CONFIG_SECTION_WATCH, "missing_after", CONFIG_TYPE_DURATION, "15m",
	  W_METRIC, 0, NULL, 1, 366 * 86400.0, 0, WA(missing_after), NULL,
	  "absence: no datapoint for this long is anomalous" },
	{ CONFIG_SECTION_WATCH, "threshold", CONFIG_TYPE_DOUBLE, "2",
	  W_METRIC, 0, NULL, 0, 1e6, CONFIG_KEY_MIN_OPEN, WA(threshold), NULL,
	  "robust z-score that is anomalous" },
	{ CONFIG_SECTION_WATCH, "direction", CONFIG_TYPE_ENUM, "both",
	  W_METRIC, 0, "up|down|both", 0, 0, 0, WA(direction), NULL,
	  "which deviations count" },
	{ CONFIG_SECTION_WATCH, "min_requests", CONFIG_TYPE_INT, "20",
	  W_COUNT, 0, NULL, 0, 1000000000, 0, WA(min_requests), NULL,
	  "below this many requests a period is not judged" },
	{ CONFIG_SECTION_WATCH, "min_errors", CONFIG_TYPE_INT, "5",
	  W_COUNT, 0, NULL, 1, 1000000000, 0, WA(min_errors), NULL,
	  "fewer errors in a period are never anomalous" },
	{ CONFIG_SECTION_WATCH, "min_ratio", CONFIG_TYPE_DOUBLE, "3",
	  W_COUNT, 0, NULL, 1, 1e6, 0, WA(min_ratio), NULL,
	  "current rate must be at least this times the baseline" },
	{ CONFIG_SECTION_WATCH, "alpha", CONFIG_TYPE_DOUBLE, "1e-4",
	  W_COUNT, 0, NULL, 0, 1, CONFIG_KEY_MIN_OPEN | CONFIG_KEY_MAX_OPEN,
	  WA(alpha), NULL, "one-sided binomial tail probability" },
	{ CONFIG_SECTION_WATCH, "ceiling", CONFIG_TYPE_DOUBLE, "0.05",
	  W_COUNT, 0, NULL, 0, 1, CONFIG_KEY_MIN_OPEN, WA(ceiling), NULL,
	  "static error-rate ceiling while the baseline is learning" },
	{ CONFIG_SECTION_WATCH, "sequential_ratio", CONFIG_TYPE_DOUBLE, "3",
	  W_COUNT, 0, NULL, 1, 1000, CONFIG_KEY_MIN_OPEN, WA(seq_ratio), NULL,
	  "sequential test: the rise (x baseline) it accumulates evidence for" },
	{ CONFIG_SECTION_WATCH, "sequential_false_rate", CONFIG_TYPE_DOUBLE,
	  "0.5", W_COUNT, 0, NULL, 0, 10080, 0, WA(seq_false_rate), NULL,
	  "sequential test: false alerts per signal-week allowed (0: off)" },
	{ CONFIG_SECTION_WATCH, "time_of_day", CONFIG_TYPE_BOOL, "yes",
	  W_COUNT, 0, NULL, 0, 0, 0, WA(time_of_day), NULL,
	  "judge each hour against the same hours of previous days" },
	{ CONFIG_SECTION_WATCH, "for", CONFIG_TYPE_INT, "2",
	  W_COUNT, 0, NULL, 1, 1000, 0, WA(for_periods), NULL,
	  "anomalous periods in a row before firing" },
	{ CONFIG_SECTION_WATCH, "for", CONFIG_TYPE_INT, "1",
	  W_METRIC, 0, NULL, 1, 1000, 0, WA(for_periods), NULL,
	  "anomalous periods in a row before firing" },
	{ CONFIG_SECTION_WATCH, "resolve_after", CONFIG_TYPE_INT, "5",
	  W_COUNT, 0, NULL, 1, 1000, 0, WA(resolve_after), NULL,
	  "normal periods in a row before resolved" },
	{ CONFIG_SECTION_WATCH, "resolve_after", CONFIG_TYPE_INT, "1",
	  W_METRIC, 0, NULL, 1, 1000, 0, WA(resolve_after), NULL,
	  "normal periods in a row before resolved" },
	{ CONFIG_SECTION_WATCH, "repeat", CONFIG_TYPE_DURATION, "4h",
	  0, 0, NULL, 0, DMAX, 0, WA(repeat), NULL,
	  "re-notify while firing (0: never)" },
	{ CONFIG_SECTION_WATCH, "baseline", CONFIG_TYPE_DURATION, "7d",
	  W_COUNT, 0, NULL, 3600, 366 * 86400.0, 0, WA(baseline), NULL,
	  "trailing window of the baseline" },
	{ CONFIG_SECTION_WATCH, "baseline", CONFIG_TYPE_DURATION, "21d",
	  W_METRIC, 0, NULL, 3600, 366 * 86400.0, 0, WA(baseline), NULL,
	  "history the detector is rebuilt from (and kept)" },
	{ CONFIG_SECTION_WATCH, "idle_interval", CONFIG_TYPE_DURATION, "15m",
	  0, 0, NULL, 60, 86400, 0, WA(idle_interval), NULL,
	  "poll entities idle for an hour this often" },
	{ CONFIG_SECTION_WATCH, "poll", CONFIG_TYPE_STRING, "auto",
	  W_COUNT, 0, NULL, 0, 0, 0, WA(poll), check_poll,
	  "auto (quiet entities less often) or a fixed poll interval" },
	{ CONFIG_SECTION_WATCH, "sinks", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, 0, WA(sinks), check_token,
	  "sinks notified (default: every sink)" },
	{ CONFIG_SECTION_WATCH, "labels", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, WA(labels), check_label,
	  "key=value labels carried by every alert (routing: sink match)" },
	{ CONFIG_SECTION_WATCH, "runbook", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, WA(runbook), check_link,
	  "runbook URL carried by every alert" },

	/* [logs NAME] */
	{ CONFIG_SECTION_LOGS, "log_groups", CONFIG_TYPE_LIST, NULL,
	  0, ALWAYS, NULL, 0, 0, CONFIG_KEY_REPEAT, LG(log_groups),
	  check_log_group, "log group names or prefix globs" },
	{ CONFIG_SECTION_LOGS, "interval", CONFIG_TYPE_DURATION, "5m",
	  0, 0, NULL, 1, 86400, 0, LG(interval), NULL,
	  "how often the groups are queried" },
	{ CONFIG_SECTION_LOGS, "lookback", CONFIG_TYPE_DURATION, "1h",
	  0, 0, NULL, 1, 30 * 86400.0, 0, LG(lookback), NULL,
	  "where a new source starts on its first cycle" },
	{ CONFIG_SECTION_LOGS, "overlap", CONFIG_TYPE_DURATION, "2m",
	  0, 0, NULL, 0, 86400, 0, LG(overlap), NULL,
	  "re-read at each window start (rows deduplicated by @ptr)" },
	{ CONFIG_SECTION_LOGS, "repeat", CONFIG_TYPE_DURATION, "24h",
	  0, 0, NULL, 0, DMAX, 0, LG(repeat), NULL,
	  "one notification per secret and log group per this" },
	{ CONFIG_SECTION_LOGS, "secrets", CONFIG_TYPE_BOOL, "yes",
	  0, 0, NULL, 0, 0, 0, LG(secrets), NULL, "scan lines for secrets" },
	{ CONFIG_SECTION_LOGS, "rules", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, LG(rules), NULL,
	  "extra rules and allowlist file" },
	{ CONFIG_SECTION_LOGS, "prefilter", CONFIG_TYPE_BOOL, "yes",
	  0, 0, NULL, 0, 0, 0, LG(prefilter), NULL,
	  "push rule keywords into the Insights query" },
	{ CONFIG_SECTION_LOGS, "sinks", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, 0, LG(sinks), check_token,
	  "sinks notified (default: every sink)" },
	{ CONFIG_SECTION_LOGS, "labels", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, LG(labels), check_label,
	  "key=value labels carried by every finding" },
	{ CONFIG_SECTION_LOGS, "runbook", CONFIG_TYPE_STRING, NULL,
	  0, 0, NULL, 0, 0, 0, LG(runbook), check_link,
	  "runbook URL carried by every finding" },

	/* [sink NAME] */
	{ CONFIG_SECTION_SINK, "type", CONFIG_TYPE_ENUM, NULL,
	  0, ALWAYS, "slack|webhook|sns|email|pagerduty|opsgenie|teams", 0, 0, 0,
	  SK(type), NULL,
	  "where notifications go" },
	{ CONFIG_SECTION_SINK, "url", CONFIG_TYPE_SECRET, NULL,
	  S_SLACK | S_WEBHOOK | S_TEAMS, S_SLACK | S_WEBHOOK | S_TEAMS, NULL,
	  0, 0, 0, SK(url), check_https_url, "https:// endpoint (secret)" },
	{ CONFIG_SECTION_SINK, "routing_key", CONFIG_TYPE_SECRET, NULL,
	  S_PAGERDUTY, S_PAGERDUTY, NULL, 0, 0, 0, SK(key), NULL,
	  "Events API v2 integration key (secret)" },
	{ CONFIG_SECTION_SINK, "api_key", CONFIG_TYPE_SECRET, NULL,
	  S_OPSGENIE, S_OPSGENIE, NULL, 0, 0, 0, SK(key), NULL,
	  "API integration key (secret)" },
	{ CONFIG_SECTION_SINK, "region", CONFIG_TYPE_ENUM, "us",
	  S_OPSGENIE, 0, "us|eu", 0, 0, 0, SK(region), NULL,
	  "Opsgenie instance: api.opsgenie.com or api.eu.opsgenie.com" },
	{ CONFIG_SECTION_SINK, "endpoint", CONFIG_TYPE_STRING, NULL,
	  S_PAGERDUTY | S_OPSGENIE, 0, NULL, 0, 0, 0, SK(endpoint),
	  check_https_url, "API base URL instead of the vendor's (a proxy)" },
	{ CONFIG_SECTION_SINK, "topic_arn", CONFIG_TYPE_STRING, NULL,
	  S_SNS, S_SNS, NULL, 0, 0, 0, SK(topic_arn), check_topic_arn,
	  "SNS topic published to" },
	{ CONFIG_SECTION_SINK, "hmac_key", CONFIG_TYPE_SECRET, NULL,
	  S_WEBHOOK, 0, NULL, 0, 0, 0, SK(hmac_key), check_hmac_key,
	  "Standard Webhooks signing key (secret)" },
	{ CONFIG_SECTION_SINK, "header", CONFIG_TYPE_HEADER, NULL,
	  S_WEBHOOK, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, SK(headers), NULL,
	  "extra request header 'Name: value' (value secret)" },
	{ CONFIG_SECTION_SINK, "smtp_url", CONFIG_TYPE_SECRET, NULL,
	  S_EMAIL, S_EMAIL, NULL, 0, 0, CONFIG_KEY_SECRET_AUTH, SK(smtp_url),
	  check_smtp_url, "smtps://HOST:PORT, or smtp:// with STARTTLS" },
	{ CONFIG_SECTION_SINK, "from", CONFIG_TYPE_STRING, NULL,
	  S_EMAIL, S_EMAIL, NULL, 0, 0, 0, SK(from), check_email_from,
	  "sender: user@example.com or Name <user@example.com>" },
	{ CONFIG_SECTION_SINK, "to", CONFIG_TYPE_LIST, NULL,
	  S_EMAIL, S_EMAIL, NULL, 0, 0, CONFIG_KEY_REPEAT, SK(to), check_email,
	  "recipients" },
	{ CONFIG_SECTION_SINK, "username", CONFIG_TYPE_STRING, NULL,
	  S_EMAIL, 0, NULL, 0, 0, 0, SK(username), check_token,
	  "SMTP AUTH user" },
	{ CONFIG_SECTION_SINK, "password", CONFIG_TYPE_SECRET, NULL,
	  S_EMAIL, 0, NULL, 0, 0, 0, SK(password), NULL,
	  "SMTP AUTH password (secret)" },
	{ CONFIG_SECTION_SINK, "match", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, SK(match), check_label,
	  "only alerts whose labels match every key=glob" },
	{ CONFIG_SECTION_SINK, "send_resolved", CONFIG_TYPE_BOOL, "yes",
	  0, 0, NULL, 0, 0, 0, SK(send_resolved), NULL,
	  "also notify when an alert resolves" },
	{ CONFIG_SECTION_SINK, "expiry", CONFIG_TYPE_DURATION, "24h",
	  0, 0, NULL, 60, 30 * 86400.0, 0, SK(expiry), NULL,
	  "give up delivering a notification after this" },
	{ CONFIG_SECTION_SINK, "rate_limit", CONFIG_TYPE_INT, "30",
	  0, 0, NULL, 1, 10000, 0, SK(rate_limit), NULL,
	  "messages per minute at most" },

	/* [mute NAME] */
	{ CONFIG_SECTION_MUTE, "watches", CONFIG_TYPE_LIST, NULL,
	  0, 0, NULL, 0, 0, CONFIG_KEY_REPEAT, MU(watches), check_token,
	  "watches and logs sources muted (default: every one)" },
	{ CONFIG_SECTION_MUTE, "schedule", CONFIG_TYPE_STRING, NULL,
	  0, ALWAYS, NULL, 0, 0, 0, MU(schedule), check_schedule,
	  "weekly window: DAYS HH:MM-HH:MM [UTC | IANA zone]" },
};

const struct config_key *
config_keys(size_t *n)
{
	if (n != NULL)
		*n = sizeof keys / sizeof keys[0];
	return keys;
}

const char *
config_watch_kind_name(enum config_watch_kind k)
{
	static const char *const names[] = { "lambda", "apigw", "alb",
	    "metric" };

	if ((unsigned)k >= sizeof names / sizeof names[0])
		return "?";
	return names[k];
}

const char *
config_sink_type_name(enum config_sink_type t)
{
	static const char *const names[] = { "slack", "webhook", "sns",
	    "email", "pagerduty", "opsgenie", "teams" };

	if ((unsigned)t >= sizeof names / sizeof names[0])
		return "?";
	return names[t];
}

const char *
config_section_name(enum config_section s)
{
	static const char *const names[] = { "cwguard", "aws", "watch",
	    "logs", "sink", "mute" };

	if ((unsigned)s >= sizeof names / sizeof names[0])
		return "?";
	return names[s];
}
