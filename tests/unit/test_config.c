/* Unit tests of the config module: keys, values, ranges, secrets, masking. */
#include "autoconf.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "../../src/config_int.h"
#include "tap.h"

static char	tmpdir[] = "/tmp/test_config.XXXXXX";
static char	conf_path[512];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Loads text as a config file with the given mode. */
static struct config *
load_text(const char *text, mode_t mode, char **cause)
{
	write_file(conf_path, text, mode);
	return config_load(conf_path, cause);
}

/* The error text of a config that must fail, without "PATH:" prefixes. */
static char *
load_error(const char *text, mode_t mode)
{
	struct config	*cfg;
	char		*cause = NULL;

	if ((cfg = load_text(text, mode, &cause)) != NULL) {
		config_free(cfg);
		return NULL;
	}
	return cause;
}

static char *
print_to_string(const struct config *cfg)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	if (config_print(cfg, f) == -1) {
		fclose(f);
		free(out);
		return NULL;
	}
	fclose(f);
	return out;
}

static void
test_durations(void)
{
	static const struct {
		const char	*value;
		int64_t		 want;	/* -1: error */
	} cases[] = {
		{ "60", 60 }, { "30s", 30 }, { "5m", 300 }, { "2h", 7200 },
		{ "1d", 86400 }, { "0", -1 }, { "5 minutes", -1 }, { "-5m", -1 },
		{ "2d", -1 }, { "1w", -1 }, { "m", -1 },
	};
	struct config	*cfg;
	char		 text[256], *cause;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, "[cwguard]\ninterval = %s\n",
		    cases[i].value);
		cause = NULL;
		cfg = load_text(text, 0600, &cause);
		if (cases[i].want == -1) {
			ok(cfg == NULL && cause != NULL &&
			    strstr(cause, ".conf:2: interval: ") != NULL,
			    "interval = %s is refused at line 2", cases[i].value);
		} else {
			ok(cfg != NULL, "interval = %s loads", cases[i].value);
			if (cfg != NULL)
				is_int(cfg->interval, cases[i].want,
				    "interval value");
		}
		config_free(cfg);
		free(cause);
	}
}

static void
test_defaults(void)
{
	struct config		*cfg;
	struct config_watch	*w;
	struct config_sink	*sk;
	char			*cause = NULL;

	cfg = load_text("[watch a]\nkind = lambda\nfunctions = *\n"
	    "[watch g]\nkind = apigw\napis = x/prod\n"
	    "[watch b]\nkind = alb\nload_balancers = app/x/1\n"
	    "[watch m]\nkind = metric\nnamespace = N\nmetric = M\n"
	    "[sink s]\ntype = sns\n"
	    "topic_arn = arn:aws:sns:eu-west-1:123456789012:t\n", 0600, &cause);
	ok(cfg != NULL, "minimal config loads");
	if (cfg == NULL) {
		tap_diag("%s", cause);
		free(cause);
		return;
	}
	is_int(cfg->interval, 60, "interval default 60s");
	is_int(cfg->lag, 180, "lag default 3m");
	is_int(cfg->reread, 600, "reread default 10m");
	is_int(cfg->secret_ttl, 3600, "secret_ttl default 1h");
	is_int(cfg->log_level, LOG_LEVEL_INFO, "log_level default info");
	is_int(cfg->aws.max_concurrency, 5, "max_concurrency default 5");
	ok(cfg->metrics_listen.host == NULL, "metrics_listen unset");
	is_str(cfg->state, "/var/lib/cwguard/state.db", "state default");
	w = config_watch_find(cfg, "a");
	ok(w != NULL && w->kind == CONFIG_WATCH_LAMBDA, "watch a is lambda");
	if (w != NULL) {
		is_str(w->signals[0], "errors", "lambda signals default");
		ok(w->signals[1] == NULL, "lambda: one signal");
		is_int(w->period, 60, "period default");
		is_int(w->min_requests, 20, "min_requests default");
		is_int(w->min_errors, 5, "min_errors default");
		is_num(w->min_ratio, 3, 0, "min_ratio default");
		is_num(w->alpha, 1e-4, 1e-12, "alpha default");
		is_num(w->ceiling, 0.05, 1e-12, "ceiling default");
		is_int(w->for_periods, 2, "for default");
		is_int(w->resolve_after, 5, "resolve_after default");
		is_int(w->repeat, 4 * 3600, "repeat default");
		is_int(w->baseline, 7 * 86400, "baseline default");
		is_int(w->idle_interval, 900, "idle_interval default");
		ok(w->sinks != NULL && w->sinks[0] != NULL &&
		    strcmp(w->sinks[0], "s") == 0 && w->sinks[1] == NULL,
		    "sinks default to every sink");
		sk = config_sink_find(cfg, "s");
		ok(w->sink_ptrs != NULL && w->sink_ptrs[0] == sk &&
		    w->sink_ptrs[1] == NULL, "sink pointer resolved");
	}
	w = config_watch_find(cfg, "g");
	ok(w != NULL && w->signals != NULL &&
	    strcmp(w->signals[0], "5xx") == 0 &&
	    strcmp(w->signals[1], "4xx") == 0 && w->signals[2] == NULL,
	    "apigw signals default 5xx, 4xx");
	w = config_watch_find(cfg, "b");
	ok(w != NULL && w->signals != NULL &&
	    strcmp(w->signals[0], "5xx") == 0 && w->signals[1] == NULL,
	    "alb signals default 5xx");
	w = config_watch_find(cfg, "m");
	ok(w != NULL && w->signals == NULL, "metric has no signals");
	if (w != NULL) {
		is_str(w->stat, "Average", "stat default");
		is_num(w->threshold, 2, 0, "threshold default");
		is_int(w->direction, CONFIG_DIRECTION_BOTH, "direction default");
	}
	sk = config_sink_find(cfg, "s");
	ok(sk != NULL && sk->send_resolved == 1 && sk->expiry == 86400 &&
	    sk->rate_limit == 30, "sink defaults");
	config_free(cfg);
}

/* Each snippet must fail with the message fragment at the line given. */
static void
test_errors(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "[cwguard]\nintervall = 5m\n",
		  ":2: unknown key 'intervall' in [cwguard]" },
		{ "[watchers x]\n", ":1: unknown section [watchers]" },
		{ "[cwguard]\n[cwguard]\n",
		  ":2: duplicate section [cwguard] (first at line 1)" },
		{ "[sink a]\ntype = sns\ntopic_arn = arn:aws:sns:us-east-1:"
		  "123456789012:t\n[sink a]\n", ":4: duplicate section [sink a]" },
		{ "[watch w]\nkind = lambda\n", ":1: missing required key "
		  "'functions' for kind = lambda" },
		{ "[watch w]\nfunctions = x\n", ":1: missing required key 'kind'" },
		{ "[watch w]\nkind = ec2\n", ":2: kind: bad value 'ec2' (want "
		  "lambda, apigw, alb or metric)" },
		{ "[watch w]\nkind = apigw\napis = a/b\nfunctions = f\n",
		  ":4: key 'functions' does not apply to kind = apigw (only to "
		  "lambda)" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nsignals = elb5xx\n",
		  ":4: signals: bad value 'elb5xx'" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nalpha = 1\n",
		  ":4: alpha: 1 is out of range (want 0 < alpha < 1)" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nalpha = 0\n",
		  ":4: alpha: 0 is out of range" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nperiod = 90s\n",
		  ":4: period: period '90s' is not 1s, 5s, 10s, 30s" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nfor = 0\n",
		  ":4: for: 0 is out of range" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nsinks = nope\n",
		  ":4: sinks: no [sink nope] section" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nperiod = 1m\n"
		  "period = 2m\n", ":5: duplicate key 'period' (first at line 4)" },
		{ "[watch w]\nkind = metric\nnamespace = N\nmetric = M\n"
		  "stat = p101\n", ":5: stat: bad stat 'p101'" },
		{ "[watch w]\nkind = metric\nnamespace = N\nmetric = M\n"
		  "dimensions = Foo\n", ":5: dimensions: dimension 'Foo' is not" },
		{ "[aws]\nmax_concurrency = 65\n", ":2: max_concurrency: 65 is "
		  "out of range (1..64)" },
		{ "[watch w]\nkind = lambda\nfunctions = f\nmin_ratio = 0x10\n",
		  ":4: min_ratio: '0x10' is not a decimal number" },
		{ "[aws]\nrole_arn = arn:aws:iam::1234:role/x\n",
		  ":2: role_arn: 'arn:aws:iam::1234:role/x' is not an IAM role" },
		{ "[cwguard]\nmetrics_listen = 9464\n", ":2: metrics_listen: "
		  "'9464' is not HOST:PORT" },
		{ "[cwguard]\nmetrics_listen = [::1]:99999\n", ":2: "
		  "metrics_listen: port" },
		{ "[cwguard]\nlog_level = loud\n", ":2: log_level: bad value "
		  "'loud' (want debug, info, warn or error)" },
		{ "[cwguard]\nstate = ${env:HOME}/x\n", ":2: state: ${...} "
		  "references are only allowed in" },
		{ "[logs l]\nlog_groups = /a\nlookback = 10m\noverlap = 10m\n",
		  ":4: overlap (10m) must be shorter than lookback (10m)" },
		{ "[logs l]\ninterval = 5m\n", ":1: missing required key "
		  "'log_groups'" },
		{ "[sink s]\ntype = sns\ntopic_arn = arn:aws:sqs:us-east-1:"
		  "123456789012:q\n", ":3: topic_arn:" },
		{ "[sink s]\ntype = slack\n", ":1: missing required key 'url' "
		  "for type = slack" },
		{ "[sink s]\ntype = webhook\nurl = https://h.example.com/x\n"
		  "hmac_key = whsec_not*base64\n", ":4: hmac_key: not a Standard "
		  "Webhooks key" },
		{ "[sink s]\ntype = email\nsmtp_url = smtps://m.example.com\n"
		  "from = cw <cw@example.com\nto = a@example.com\n",
		  ":4: from: 'cw <cw@example.com' is not a sender" },
		{ "[sink s]\ntype = slack\nurl = http://hooks.example.com/x\n",
		  ":3: url: must be an https:// URL" },
		{ "[sink s]\ntype = email\nsmtp_url = http://x\nfrom = a@b\n"
		  "to = c@d\n", ":3: smtp_url: must be smtps://" },
		{ "[sink s]\ntype = email\nsmtp_url = smtps://x\nfrom = a@b\n"
		  "to = c@d, e\n", ":5: to: 'e' is not an email address" },
		{ "[sink s]\ntype = email\nsmtp_url = smtps://x\nfrom = a@b\n"
		  "to = c@d\nusername = u\n", ":1: username and password go "
		  "together" },
		{ "[sink s]\ntype = sns\ntopic_arn = arn:aws:sns:us-east-1:"
		  "123456789012:t\nurl = https://x\n", ":4: key 'url' does not "
		  "apply to type = sns (only to slack, webhook, teams)" },
		{ "[sink s]\ntype = webhook\nurl = https://x\nheader = Bad Name: v\n",
		  ":4: header: bad header name 'Bad Name'" },
		{ "[sink s]\ntype = webhook\nurl = ${env:CWG_TEST_UNSET_VAR}\n",
		  ":3: url: environment variable CWG_TEST_UNSET_VAR is not set" },
		{ "[sink s]\ntype = webhook\nurl = ${file:no-such-file}\n",
		  ":3: url: cannot read ${file:no-such-file} (relative to the "
		  "config file): No such file or directory" },
		{ "[sink s]\ntype = webhook\nurl = ${vault:x}\n",
		  ":3: url: unknown reference type" },
		{ "[sink s]\ntype = webhook\nurl = https://x/${env:A}\n",
		  ":3: url: a ${...} reference must be the whole value" },
		{ "key = value\n", ":1: key 'key' outside of any section" },
		{ "[cwguard]\ninterval = 1m\n  lag = 2m\n", ":3: indented line "
		  "would continue the previous value" },
		{ "[cwguard\n", ":1: unterminated section header" },
		{ "[cwguard]\njunk\n", ":2: expected 'key = value'" },
		{ "[watch]\n", ":1: [watch] needs a name" },
		{ "[watch a/b]\n", ":1: bad watch name 'a/b'" },
		{ "[aws x]\n", ":1: [aws] takes no name" },
		{ "[cwguard]\ninterval =\n", ":2: interval: empty value" },
		{ "[cwguard]\nlag = 1m\x01\n", ":2: line holds a control character" },
	};
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = load_error(cases[i].text, 0600);
		ok(cause != NULL && strstr(cause, cases[i].want) != NULL,
		    "error: %s", cases[i].want);
		if (cause == NULL || strstr(cause, cases[i].want) == NULL)
			tap_diag("got: %s", cause != NULL ? cause : "(loaded)");
		free(cause);
	}
}

static void
test_line_length(void)
{
	char	text[512], *cause;
	size_t	pre;

	/* A 199-byte line is the longest inih reads whole. */
	pre = (size_t)snprintf(text, sizeof text, "[cwguard]\nstate = /");
	memset(text + pre, 'x', 199 - (pre - 10));
	strcpy(text + 10 + 199, "\n");
	cause = load_error(text, 0600);
	ok(cause == NULL, "a 199-byte line loads");
	free(cause);
	text[10 + 199] = 'x';
	strcpy(text + 10 + 200, "\n");
	cause = load_error(text, 0600);
	ok(cause != NULL && strstr(cause, ":2: line too long (200 bytes, at "
	    "most 199)") != NULL, "a 200-byte line is an error at its line");
	free(cause);
}

static void
test_errors_sorted(void)
{
	char	*cause, *a, *b;

	cause = load_error("[watch w]\nkind = lambda\nfunctions = f\n"
	    "sinks = nope\n[cwguard]\nlag = x\n", 0600);
	ok(cause != NULL, "two errors");
	a = cause != NULL ? strstr(cause, ":4: sinks") : NULL;
	b = cause != NULL ? strstr(cause, ":6: lag") : NULL;
	ok(a != NULL && b != NULL && a < b, "errors come in line order");
	ok(cause != NULL && strncmp(cause, conf_path, strlen(conf_path)) == 0,
	    "errors start with the file name");
	free(cause);
}

static void
test_secret_refs(void)
{
	static const struct {
		const char			*value;
		enum config_secret_source	 source;
		const char			*id, *json_key;
	} cases[] = {
		{ "plain", CONFIG_SECRET_LITERAL, NULL, NULL },
		{ "${env:HOOK_KEY}", CONFIG_SECRET_ENV, "HOOK_KEY", NULL },
		{ "${file:/run/x}", CONFIG_SECRET_FILE, "/run/x", NULL },
		{ "${file:rel/x}", CONFIG_SECRET_FILE, "rel/x", NULL },
		{ "${secretsmanager:prod/db}", CONFIG_SECRET_SECRETSMANAGER,
		  "prod/db", NULL },
		{ "${secretsmanager:prod/db#password}",
		  CONFIG_SECRET_SECRETSMANAGER, "prod/db", "password" },
		{ "${env:1BAD}", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${env:}", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${file:}", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${secretsmanager:x#}", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${env:A", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${env:A}}", CONFIG_SECRET_NONE, NULL, NULL },
		{ "${nope:A}", CONFIG_SECRET_NONE, NULL, NULL },
	};
	struct config_secret	s;
	char			err[256];
	size_t			i;
	int			rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = config_secret_parse(&s, cases[i].value, err, sizeof err);
		if (cases[i].source == CONFIG_SECRET_NONE) {
			ok(rc == -1, "reference %s refused", cases[i].value);
			continue;
		}
		ok(rc == 0 && s.source == cases[i].source,
		    "reference %s parses", cases[i].value);
		if (rc == 0 && s.source != CONFIG_SECRET_LITERAL) {
			is_str(s.id, cases[i].id, "its id");
			is_str(s.json_key, cases[i].json_key, "its json key");
			is_str(s.ref, cases[i].value, "ref as written");
			ok(s.source != CONFIG_SECRET_SECRETSMANAGER ||
			    s.value == NULL, "secretsmanager keeps no value");
		}
		config_secret_clear(&s);
	}
}

static void
test_secret_resolve(void)
{
	struct config		*cfg;
	struct config_sink	*sk;
	char			 path[600], credir[600], *cause = NULL;

	snprintf(path, sizeof path, "%s/hook-url", tmpdir);
	write_file(path, "https://hooks.example.com/beside\n", 0600);
	snprintf(credir, sizeof credir, "%s/creds", tmpdir);
	mkdir(credir, 0700);
	snprintf(path, sizeof path, "%s/creds/hook-url", tmpdir);
	write_file(path, "https://hooks.example.com/cred\r\n", 0600);
	snprintf(path, sizeof path, "%s/creds/key", tmpdir);
	write_file(path, "two\n\n", 0600);
	setenv("CWG_TEST_KEY", "czNjcjN0LWVudi12YWx1ZQ==", 1);

	unsetenv("CREDENTIALS_DIRECTORY");
	cfg = load_text("[sink h]\ntype = webhook\nurl = ${file:hook-url}\n"
	    "hmac_key = ${env:CWG_TEST_KEY}\n", 0644, &cause);
	ok(cfg != NULL, "references in a 0644 file load");
	sk = cfg != NULL ? config_sink_find(cfg, "h") : NULL;
	ok(sk != NULL && sk->url.source == CONFIG_SECRET_FILE &&
	    sk->url.value != NULL &&
	    strcmp(sk->url.value, "https://hooks.example.com/beside") == 0,
	    "${file:} relative to the config, newline stripped");
	ok(sk != NULL && sk->hmac_key.value != NULL &&
	    strcmp(sk->hmac_key.value, "czNjcjN0LWVudi12YWx1ZQ==") == 0,
	    "${env:} resolved");
	config_free(cfg);
	free(cause);
	cause = NULL;

	setenv("CREDENTIALS_DIRECTORY", credir, 1);
	cfg = load_text("[sink h]\ntype = webhook\nurl = ${file:hook-url}\n"
	    "[sink m]\ntype = email\nsmtp_url = smtps://m.example\n"
	    "from = a@b\nto = c@d\nusername = u\npassword = ${file:key}\n",
	    0644, &cause);
	sk = cfg != NULL ? config_sink_find(cfg, "h") : NULL;
	ok(sk != NULL && sk->url.value != NULL &&
	    strcmp(sk->url.value, "https://hooks.example.com/cred") == 0,
	    "${file:} under $CREDENTIALS_DIRECTORY, CRLF stripped");
	sk = cfg != NULL ? config_sink_find(cfg, "m") : NULL;
	ok(sk != NULL && sk->password.value != NULL &&
	    strcmp(sk->password.value, "two\n") == 0,
	    "only one trailing newline stripped");
	config_free(cfg);
	free(cause);
	cause = load_error("[sink h]\ntype = webhook\nurl = ${file:missing}\n",
	    0600);
	ok(cause != NULL && strstr(cause, ":3: url: cannot read "
	    "${file:missing} (under $CREDENTIALS_DIRECTORY)") != NULL,
	    "missing ${file:} under $CREDENTIALS_DIRECTORY");
	free(cause);
	cause = load_error("[sink h]\ntype = webhook\nurl = ${file:key}\n",
	    0600);
	ok(cause != NULL && strstr(cause, "url: must be an https:// URL "
	    "(http:// only to a loopback host) (value of ${file:key})") != NULL &&
	    strstr(cause, "two") == NULL,
	    "a bad resolved URL is refused without echoing it");
	free(cause);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_literal_permissions(void)
{
	static const char *const texts[] = {
		"[sink h]\ntype = webhook\nurl = https://x.example/hook\n",
		"[sink h]\ntype = webhook\nurl = ${env:CWG_TEST_KEY}\n"
		"hmac_key = bGl0ZXJhbC1rZXk=\n",
		"[sink m]\ntype = email\nsmtp_url = smtps://u:p@mail.example\n"
		"from = a@b\nto = c@d\n",
		"[sink h]\ntype = webhook\nurl = ${env:CWG_TEST_KEY}\n"
		"header = Authorization: Bearer abc\n",
	};
	static const char *const keys[] = { "url", "hmac_key", "smtp_url",
	    "header" };
	char	want[1200], *cause;
	size_t	i;

	setenv("CWG_TEST_KEY", "https://hooks.example.com/env", 1);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		cause = load_error(texts[i], 0644);
		snprintf(want, sizeof want, "literal secret in %s but %s is "
		    "readable by group/others (chmod 600 %s, or use "
		    "${file:...})", keys[i], conf_path, conf_path);
		ok(cause != NULL && strstr(cause, want) != NULL,
		    "literal %s in a 0644 file refused", keys[i]);
		free(cause);
		cause = load_error(texts[i], 0640);
		ok(cause != NULL && strstr(cause, want) != NULL,
		    "literal %s in a 0640 file refused", keys[i]);
		free(cause);
		cause = load_error(texts[i], 0600);
		ok(cause == NULL, "literal %s in a 0600 file loads", keys[i]);
		free(cause);
	}
	cause = load_error("[sink m]\ntype = email\nsmtp_url = smtps://mail."
	    "example:465\nfrom = a@b\nto = c@d\n", 0644);
	ok(cause == NULL, "smtp_url without credentials is no secret");
	free(cause);
}

static void
test_masking(void)
{
	struct config	*cfg;
	char		*cause = NULL, *out, *out2;

	setenv("CWG_TEST_KEY", "ZW52LXNlY3JldC12YWx1ZS0xMjM=", 1);
	cfg = load_text("[sink h]\ntype = webhook\n"
	    "url = https://hooks.example.com/T0/literal-secret-url\n"
	    "hmac_key = ${env:CWG_TEST_KEY}\n"
	    "header = Authorization: Bearer literal-header-secret\n"
	    "header = X-Ref: ${secretsmanager:a/b#c}\n"
	    "[sink m]\ntype = email\nsmtp_url = smtps://u:literal-pw@mail.x\n"
	    "from = a@b\nto = c@d\nusername = u\npassword = literal-password\n"
	    "[sink m2]\ntype = email\nsmtp_url = smtp://mail.x:587\n"
	    "from = a@b\nto = c@d\n", 0600, &cause);
	ok(cfg != NULL, "secrets config loads");
	if (cfg == NULL) {
		tap_diag("%s", cause);
		free(cause);
		return;
	}
	out = print_to_string(cfg);
	ok(out != NULL, "config_print succeeds");
	if (out == NULL)
		out = strdup("");
	ok(strstr(out, "literal-secret-url") == NULL &&
	    strstr(out, "literal-header-secret") == NULL &&
	    strstr(out, "literal-pw") == NULL &&
	    strstr(out, "literal-password") == NULL &&
	    strstr(out, "ZW52LXNlY3JldC12YWx1ZS0xMjM=") == NULL,
	    "no secret value is printed");
	ok(strstr(out, "url = ********\n") != NULL, "literal url masked");
	ok(strstr(out, "hmac_key = ${env:CWG_TEST_KEY}\n") != NULL,
	    "reference printed as written");
	ok(strstr(out, "header = Authorization: ********\n") != NULL,
	    "header value masked, name kept");
	ok(strstr(out, "header = X-Ref: ${secretsmanager:a/b#c}\n") != NULL,
	    "header reference printed");
	ok(strstr(out, "smtp_url = ********\n") != NULL,
	    "smtp_url with credentials masked");
	ok(strstr(out, "smtp_url = smtp://mail.x:587\n") != NULL,
	    "smtp_url without credentials printed");
	ok(strstr(out, "password = ********\n") != NULL, "password masked");
	config_free(cfg);
	free(out);

	/* What config_print writes loads back into the same config. */
	setenv("CWG_TEST_URL", "https://h.example/x", 1);
	cause = NULL;
	cfg = load_text("[cwguard]\nmetrics_listen = [::1]:9464\n"
	    "[watch a]\nkind = lambda\nfunctions = a, b\nfunctions = c\n"
	    "alpha = 0.00123456789\n[logs l]\nlog_groups = /aws/*\nsecrets = no\n"
	    "[sink h]\ntype = webhook\nurl = ${env:CWG_TEST_URL}\n", 0600,
	    &cause);
	out = cfg != NULL ? print_to_string(cfg) : NULL;
	config_free(cfg);
	ok(out != NULL && strstr(out, "functions = a, b, c\n") != NULL &&
	    strstr(out, "metrics_listen = [::1]:9464\n") != NULL,
	    "repeated list keys append; IPv6 listen printed in brackets");
	ok(out != NULL && strstr(out, "alpha = 0.00123456789\n") != NULL,
	    "a double prints with every digit it needs");
	cfg = out != NULL ? load_text(out, 0600, &cause) : NULL;
	out2 = cfg != NULL ? print_to_string(cfg) : NULL;
	ok(out2 != NULL && strcmp(out, out2) == 0,
	    "printed config loads back to the same config");
	config_free(cfg);
	free(out);
	free(out2);
	free(cause);
}

static void
test_urls(void)
{
	static const struct {
		const char	*url;
		int		 loopback, auth;
	} cases[] = {
		{ "http://127.0.0.1:8080/x", 1, 0 },
		{ "http://localhost/x", 1, 0 },
		{ "http://LOCALHOST:1", 1, 0 },
		{ "http://[::1]:80/", 1, 0 },
		{ "http://127.1.2.3", 1, 0 },
		{ "http://localhost.evil.example/", 0, 0 },
		{ "http://127.0.0.1.evil.example/", 0, 0 },
		{ "http://127.0.0.1@evil.example/", 0, 1 },
		{ "smtp://u:p@localhost:25", 1, 1 },
		{ "https://example.com/a@b", 0, 0 },
		{ "no-scheme", 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_int(config_url_is_loopback(cases[i].url), cases[i].loopback,
		    cases[i].url);
		is_int(config_url_has_auth(cases[i].url), cases[i].auth,
		    "credentials in it");
	}
}

static void
test_key_table(void)
{
	const struct config_key	*keys;
	size_t			 n, i, j;
	int			 clash = 0, nodef = 0;

	keys = config_keys(&n);
	ok(n > 50, "key table has %zu keys", n);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (keys[i].section == keys[j].section &&
			    strcmp(keys[i].name, keys[j].name) == 0 &&
			    (keys[i].kinds == 0 || keys[j].kinds == 0 ||
			    (keys[i].kinds & keys[j].kinds) != 0))
				clash++;
		}
		if (keys[i].required != 0 && keys[i].def != NULL)
			nodef++;
		if (keys[i].type == CONFIG_TYPE_ENUM && keys[i].choices == NULL)
			nodef++;
	}
	is_int(clash, 0, "no two rows answer the same key and kind");
	is_int(nodef, 0, "required keys have no default; enums have choices");
}

/* conf/cwguard.conf shows every key of the table as "key = value". */
static void
test_example_documents_keys(void)
{
	const struct config_key	*keys;
	char			 path[1024], line[512], want[80];
	char			*text = NULL;
	size_t			 n, i, len = 0;
	const char		*srcdir = getenv("SRCDIR");
	FILE			*f, *mem;
	int			 missing = 0;

	if (srcdir == NULL) {
		tap_diag("SRCDIR unset: conf/cwguard.conf not checked");
		return;
	}
	snprintf(path, sizeof path, "%s/conf/cwguard.conf", srcdir);
	f = fopen(path, "r");
	ok(f != NULL, "conf/cwguard.conf opens");
	if (f == NULL)
		return;
	mem = open_memstream(&text, &len);
	fputc('\n', mem);
	while (fgets(line, sizeof line, f) != NULL)
		fputs(line, mem);
	fclose(f);
	fclose(mem);
	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof want, "\n%s = ", keys[i].name);
		if (strstr(text, want) == NULL) {
			tap_diag("conf/cwguard.conf lacks %s", keys[i].name);
			missing++;
		}
	}
	is_int(missing, 0, "conf/cwguard.conf shows every key");
	free(text);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(conf_path, sizeof conf_path, "%s/t.conf", tmpdir);
	unsetenv("CREDENTIALS_DIRECTORY");
	test_key_table();
	test_urls();
	test_durations();
	test_defaults();
	test_errors();
	test_line_length();
	test_errors_sorted();
	test_secret_refs();
	test_secret_resolve();
	test_literal_permissions();
	test_masking();
	test_example_documents_keys();
	{
		char	cmd[700];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
