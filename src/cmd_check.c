/*
 * `cwguard check [--dry-run] [--watch NAME]...`: one cycle of every watch
 * and logs source, then a Nagios/Icinga answer: exit 0 OK, 1 WARNING
 * (something pending), 2 CRITICAL (something firing, or a new secret
 * finding), 3 UNKNOWN (config, credentials, lock or API failure). Text:
 * one status line, then '|' and perfdata; --format json: one alert object
 * per transition, then a "check" summary object.
 *
 * CWGUARD_NOW (epoch seconds or any util_parse_time form) replaces the
 * clock: tests and replays use it to make a run deterministic.
 */
#include "autoconf.h"

#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "retention.h"
#include "secretref.h"
#include "util.h"
#include "watch.h"
#include "xmalloc.h"

#define CHECK_EX_OK		0
#define CHECK_EX_WARNING	1
#define CHECK_EX_CRITICAL	2
#define CHECK_EX_UNKNOWN	3

#define CHECK_LOCK_WAIT		20.0	/* seconds for an overlapping run */
#define CHECK_SECRETS_WAIT	30.0	/* secret references of the sinks */
#define CHECK_TIMEOUT		240	/* default -t: the whole check, s */
#define CHECK_TIMEOUT_MAX	3600
#define CHECK_MARGIN		0.5	/* answered this long before -t */
#define CHECK_LIST_MAX		3	/* entities named in the status line */
#define CHECK_MESSAGE_MAX	600	/* bytes of the status message */

static const char *check_status_name[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

struct check_run {
	int			 finished;
	struct engine_result	 res;
};

/*
 * -t: the check answers before it. Each wait (lock, secrets, cycle) is
 * capped by what is left; an alarm at the timeout itself is the backstop
 * for anything that blocks outside the loop (it writes a canned UNKNOWN
 * line and exits 3; SQLite rolls back an open transaction on next open).
 */
static double	 check_deadline;	/* util_monotonic() */
static char	 check_alarm_line[128];

static double
check_left(double cap)
{
	double	left = check_deadline - CHECK_MARGIN - util_monotonic();

	if (left < 0.05)
		left = 0.05;
	return cap > 0 && cap < left ? cap : left;
}

static void
check_alarm(int sig)
{
	ssize_t	n;

	(void)sig;
	n = write(STDOUT_FILENO, check_alarm_line, strlen(check_alarm_line));
	(void)n;
	_exit(CHECK_EX_UNKNOWN);
}

static void
check_arm(long timeout)
{
	struct itimerval	it;
	struct sigaction	sa;

	check_deadline = util_monotonic() + (double)timeout;
	snprintf(check_alarm_line, sizeof check_alarm_line,
	    "CWGUARD UNKNOWN - no answer within the %ld s timeout (-t)\n",
	    timeout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = check_alarm;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = timeout > 1 ? timeout - 1 : 0;
	it.it_value.tv_usec = timeout > 1 ? 800000 : 900000;
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

static void
check_disarm(void)
{
	struct itimerval	it;

	memset(&it, 0, sizeof it);
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/* "-t 60", "-t 90s", "-t 2m": 1 s .. 1 h. 0, or -1 with err. */
static int
check_parse_timeout(const char *s, long *out, char *err, size_t errlen)
{
	long long	n;
	int64_t		d;
	char		e[128];

	if (s[strspn(s, "0123456789")] == '\0') {
		if (util_parse_int(s, 1, CHECK_TIMEOUT_MAX, &n, e,
		    sizeof e) == -1) {
			snprintf(err, errlen, "--timeout: %s", e);
			return -1;
		}
		*out = (long)n;
		return 0;
	}
	if (util_parse_duration(s, &d, e, sizeof e) == -1) {
		snprintf(err, errlen, "--timeout: %s", e);
		return -1;
	}
	if (d < 1 || d > CHECK_TIMEOUT_MAX) {
		snprintf(err, errlen, "--timeout: %s is out of range (1s..1h)",
		    s);
		return -1;
	}
	*out = (long)d;
	return 0;
}

struct check_secrets {
	int			 done;
	int			 failed;
	char			 error[400];
};

static void
check_secrets_done(int nfailed, const char *error, void *arg)
{
	struct check_secrets	*cs = arg;

	cs->done = 1;
	cs->failed = nfailed;
	if (error != NULL)
		util_strlcpy(cs->error, error, sizeof cs->error);
}

static int
check_secrets_finished(void *arg)
{
	return ((struct check_secrets *)arg)->done;
}

/*
 * Sinks may hold ${secretsmanager:} references: resolve them before the
 * outbox is flushed. A failure is not fatal to the check: the
 * notifications stay queued and are retried by the next run.
 */
static void
check_resolve_secrets(struct engine *eng, struct config *cfg)
{
	struct secretref	*sr;
	struct check_secrets	*cs;

	/* Heap: on a timeout the fetches still hold both until cancelled. */
	cs = xcalloc(1, sizeof *cs);
	sr = secretref_new(engine_aws(eng), cfg->secret_ttl);
	if (secretref_resolve(sr, cfg, time(NULL), check_secrets_done, cs) >
	    0 && !cs->done)
		(void)loop_run_until(check_secrets_finished, cs,
		    check_left(CHECK_SECRETS_WAIT));
	if (!cs->done || cs->failed > 0)
		log_warn("check: secret references not resolved (%s); "
		    "notifications that need them stay queued",
		    cs->error[0] ? cs->error : "timed out");
	if (cs->done) {
		secretref_free(sr);
		free(cs);
	}
}

static void
check_done(const struct engine_result *res, void *arg)
{
	struct check_run	*r = arg;

	r->res = *res;
	r->finished = 1;
}

static int
check_finished(void *arg)
{
	return ((struct check_run *)arg)->finished;
}

static void
check_usage(FILE *f)
{
	fprintf(f, "usage: cwguard check [--dry-run] [-t SECONDS] "
	    "[--perfdata-series] [--watch NAME]...\n\n"
	    "One cycle of every watch and logs source (or of those named),\n"
	    "then exit 0 OK, 1 WARNING (pending), 2 CRITICAL (firing or a\n"
	    "new secret finding), 3 UNKNOWN (config, credentials or API\n"
	    "failure, nothing watched, or the timeout).\n"
	    "  -n, --dry-run          change no state, send nothing\n"
	    "  -t, --timeout SECONDS  answer (UNKNOWN) before this; default "
	    "%d\n"
	    "      --perfdata-series  perfdata for each pending or firing "
	    "series too\n"
	    "  -w, --watch NAME       only this watch or logs source "
	    "(repeatable)\n", CHECK_TIMEOUT);
}

/* "12.0%" for a rate, "%.4g" for a metric value. */
static void
check_fmt_value(char *out, size_t outlen, double v, int rate)
{
	if (!isfinite(v))
		snprintf(out, outlen, "?");
	else if (rate)
		snprintf(out, outlen, "%.1f%%", v * 100);
	else
		snprintf(out, outlen, "%.4g", v);
}

/* Names up to CHECK_LIST_MAX open series of the wanted kind. */
static void
check_list_open(struct buf *b, struct engine *eng, const struct config *cfg,
    int firing)
{
	const struct watch_open	*o;
	struct config_watch	*cw;
	struct watch		*w;
	char			 v[32], bl[32];
	size_t			 i, j, shown = 0, total = 0;
	int			 rate;

	for (i = 0; i < engine_nwatches(eng); i++) {
		w = engine_watch(eng, i);
		cw = config_watch_find(cfg, watch_name(w));
		rate = cw == NULL || cw->kind != CONFIG_WATCH_METRIC;
		for (j = 0; j < watch_open_count(w); j++) {
			o = watch_open_get(w, j);
			if (o->firing != firing)
				continue;
			total++;
			if (shown == CHECK_LIST_MAX)
				continue;
			check_fmt_value(v, sizeof v, o->value, rate);
			check_fmt_value(bl, sizeof bl, o->baseline, rate);
			buf_printf(b, "%s%s/%s %s %s (%s vs %s",
			    b->len ? ", " : "", watch_name(w), o->entity,
			    o->signal, firing ? "firing" : "pending", v, bl);
			if (o->rule[0] != '\0' && (isfinite(o->band_lo) ||
			    isfinite(o->band_hi)))
				buf_printf(b, ", band %.4g .. %.4g, %s",
				    o->band_lo, o->band_hi, o->rule);
			else if (o->rule[0] != '\0')
				buf_printf(b, ", %s", o->rule);
			buf_printf(b, ")");
			if (o->trigger[0] != '\0')
				buf_printf(b, " by %s over %d period%s",
				    o->trigger, o->span, o->span > 1 ? "s" :
				    "");
			if (isfinite(o->llr) && o->llr > 0)
				buf_printf(b, " (LLR %.1f)", o->llr);
			shown++;
		}
	}
	if (total > shown)
		buf_printf(b, ", and %zu more", total - shown);
}

static void
check_print_json_summary(int status, const struct engine_result *res,
    const char *message, double llr_max)
{
	cJSON	*o;
	char	*js;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "check");
	cJSON_AddStringToObject(o, "status", check_status_name[status]);
	cJSON_AddNumberToObject(o, "exit", status);
	cJSON_AddNumberToObject(o, "firing", (double)res->firing);
	cJSON_AddNumberToObject(o, "pending", (double)res->pending);
	cJSON_AddNumberToObject(o, "entities", (double)res->entities);
	cJSON_AddNumberToObject(o, "metrics_requested",
	    (double)res->metrics_requested);
	cJSON_AddNumberToObject(o, "findings", (double)res->findings);
	cJSON_AddNumberToObject(o, "llr_max", llr_max);
	cJSON_AddStringToObject(o, "message", message);
	if ((js = cJSON_PrintUnformatted(o)) != NULL) {
		printf("%s\n", js);
		cJSON_free(js);
	}
	cJSON_Delete(o);
}

/* The last occurrence of needle in s, or NULL. */
static char *
check_strrstr(char *s, const char *needle)
{
	char	*p, *last = NULL;

	for (p = s; (p = strstr(p, needle)) != NULL; p++)
		last = p;
	return last;
}

/*
 * Cuts a status message that is too long at the last "; " (between two
 * sources' errors), else at the last ". " or space, before max bytes, and
 * marks the cut with " ...". Works on the escaped text (one line).
 */
static void
check_cut_message(char *s, size_t max)
{
	static const char	*const seps[] = { "; ", ". ", ", ", " ", NULL };
	size_t			 len = strlen(s), i, keep = 0;
	char			*p;

	if (len <= max)
		return;
	s[max - 4] = '\0';
	for (i = 0; seps[i] != NULL && keep == 0; i++)
		if ((p = check_strrstr(s, seps[i])) != NULL &&
		    (size_t)(p - s) > max / 2)
			keep = (size_t)(p - s) + (seps[i][0] == '.' ? 1 : 0);
	if (keep == 0)
		keep = alert_utf8_cut(s, strlen(s), max - 4);
	memcpy(s + keep, " ...", 5);
}

/* A perfdata label: no '=', a single quote doubled. */
static void
check_perf_label(struct buf *b, const char *w, const char *entity,
    const char *signal)
{
	char		 lab[700];
	const char	*p;

	snprintf(lab, sizeof lab, "%s/%s %s", w, entity, signal);
	buf_putc(b, '\'');
	for (p = lab; *p != '\0'; p++) {
		if (*p == '\'')
			buf_puts(b, "''");
		else if (*p == '=' || *p == '\n' || *p == '|')
			buf_putc(b, '_');
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

/* --perfdata-series: 'watch/entity signal'=value for each open series. */
static void
check_perf_series(struct buf *b, struct engine *eng, const struct config *cfg)
{
	const struct watch_open	*o;
	struct config_watch	*cw;
	struct watch		*w;
	size_t			 i, j;
	int			 rate;

	for (i = 0; eng != NULL && i < engine_nwatches(eng); i++) {
		w = engine_watch(eng, i);
		cw = config_watch_find(cfg, watch_name(w));
		rate = cw == NULL || cw->kind != CONFIG_WATCH_METRIC;
		for (j = 0; j < watch_open_count(w); j++) {
			o = watch_open_get(w, j);
			if (!isfinite(o->value))
				continue;
			buf_putc(b, ' ');
			check_perf_label(b, watch_name(w), o->entity,
			    o->signal);
			buf_printf(b, "=%.4g;;;", o->value);
			if (rate)
				buf_puts(b, "0;1");
		}
	}
}

/*
 * Prints the answer. res is NULL when no cycle gave numbers (UNKNOWN):
 * then there is no perfdata at all, so a graph shows a gap, not zeros.
 */
static int
check_output(struct cmd_ctx *ctx, int status, const char *message,
    const struct engine_result *res, double llr_max, const char *series)
{
	static const struct engine_result	 none;
	char					 esc[2048];

	check_disarm();
	if (ctx->json) {
		check_print_json_summary(status, res != NULL ? res : &none,
		    message, llr_max);
		fflush(stdout);
		return status;
	}
	log_escape(message, strlen(message), esc, sizeof esc);
	check_cut_message(esc, CHECK_MESSAGE_MAX);
	if (res == NULL || status == CHECK_EX_UNKNOWN)
		printf("CWGUARD %s - %s\n", check_status_name[status], esc);
	else
		printf("CWGUARD %s - %s | 'firing'=%lld;;;0 'pending'=%lld;;;0 "
		    "'entities'=%lld;;;0 'metrics_requested'=%lld;;;0 "
		    "'findings'=%lld;;;0 'llr_max'=%.3g;;;0%s\n",
		    check_status_name[status], esc,
		    res->firing, res->pending, res->entities,
		    res->metrics_requested, res->findings, llr_max,
		    series != NULL ? series : "");
	fflush(stdout);
	return status;
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "perfdata-series", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct engine_options	 eo;
	struct check_run	 run;
	struct config		*cfg = NULL;
	struct engine		*eng = NULL;
	struct alert_batch	*report = NULL;
	struct buf		 msg, series;
	const struct alert	*a;
	char			**names = NULL, *cause = NULL, *nl, *js;
	char			 err[1024], pdir[1024], pdb[1100];
	size_t			 nnames = 0, i;
	time_t			 now;
	double			 llr_max = 0;
	long			 timeout = CHECK_TIMEOUT;
	int			 ch, dry = 0, perf_series = 0;
	int			 status = CHECK_EX_UNKNOWN;

	memset(&eo, 0, sizeof eo);
	memset(&run, 0, sizeof run);
	buf_init(&msg, 4096);
	buf_init(&series, 65536);
	names = xcalloc(1, sizeof *names);
	while ((ch = getopt_long(argc, argv, "nw:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			dry = 1;
			break;
		case 'w':
			names = xreallocarray(names, nnames + 2,
			    sizeof *names);
			names[nnames++] = optarg;
			names[nnames] = NULL;
			break;
		case 't':
			if (check_parse_timeout(optarg, &timeout, err,
			    sizeof err) == -1) {
				fprintf(stderr, "cwguard: check: %s\n", err);
				check_usage(stderr);
				free(names);
				buf_cleanup(&msg);
				return CMD_EX_USAGE;
			}
			break;
		case 'P':
			perf_series = 1;
			break;
		case 'h':
			check_usage(stdout);
			free(names);
			buf_cleanup(&msg);
			return CMD_EX_OK;
		default:
			check_usage(stderr);
			free(names);
			buf_cleanup(&msg);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: check: unexpected argument '%s'\n",
		    argv[optind]);
		check_usage(stderr);
		free(names);
		buf_cleanup(&msg);
		return CMD_EX_USAGE;
	}
	check_arm(timeout);
	if (util_data_now(ctx->now, &now, err, sizeof err) == -1) {
		buf_printf(&msg, "CWGUARD_NOW: %s", err);
		goto unknown;
	}
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "");
		if (cause != NULL && (nl = strchr(cause, '\n')) != NULL)
			*nl = '\0';
		buf_printf(&msg, "config: %s", cause != NULL ? cause :
		    "cannot load");
		free(cause);
		goto unknown;
	}
	if (TAILQ_EMPTY(&cfg->watches) && TAILQ_EMPTY(&cfg->logs) &&
	    TAILQ_EMPTY(&cfg->sinks)) {
		/*
		 * "OK - 0 sources" would hide a config that checks nothing.
		 * (Sinks alone: check still delivers what the outbox holds.)
		 */
		buf_printf(&msg, "%s watches nothing: no [watch], [logs] or "
		    "[sink] section", ctx->config_path);
		goto unknown;
	}
	if (ctx->verbosity == 0)
		log_set_level(cfg->log_level < LOG_LEVEL_WARN ?
		    LOG_LEVEL_WARN : cfg->log_level);
	memset(&eo, 0, sizeof eo);
	eo.lock_wait = check_left(CHECK_LOCK_WAIT);
	if (dry && access(cfg->state, F_OK) == -1 && errno == ENOENT) {
		/* A dry run creates nothing: no state yet, a private one. */
		if (util_private_state("check", pdir, sizeof pdir, pdb,
		    sizeof pdb, err, sizeof err) == -1) {
			buf_printf(&msg, "dry run: %s", err);
			goto unknown;
		}
		eo.state = pdb;
		eo.lock_wait = -1;
	}
	if ((eng = engine_new(cfg, &eo, err, sizeof err)) == NULL) {
		buf_printf(&msg, "%s", err);
		goto unknown;
	}
	if (engine_select(eng, names, err, sizeof err) == -1) {
		buf_printf(&msg, "%s", err);
		goto unknown;
	}
	if (!dry)
		check_resolve_secrets(eng, cfg);
	report = alert_batch_new();
	if (engine_cycle_once(eng, now, dry ? ENGINE_DRY_RUN : 0, report,
	    check_done, &run, err, sizeof err) == -1) {
		buf_printf(&msg, "%s", err);
		goto unknown;
	}
	if (!run.finished &&
	    loop_run_until(check_finished, &run, check_left(0)) == -1) {
		buf_printf(&msg, "the cycle did not finish within the %ld s "
		    "timeout (-t)", timeout);
		goto unknown;
	}
	/* At most hourly: a failure is logged, the check's answer stands. */
	if (!dry && retention_maybe(engine_store(eng), cfg, now, NULL, err,
	    sizeof err) == -1)
		log_warn("%s", err);

	if (ctx->json) {
		for (i = 0; i < alert_batch_count(report); i++) {
			a = alert_batch_get(report, i);
			if ((js = alert_json(a)) == NULL)
				continue;
			printf("%s\n", js);
			free(js);
		}
	}
	if (run.res.firing > 0 || run.res.findings > 0) {
		status = CHECK_EX_CRITICAL;
		check_list_open(&msg, eng, cfg, 1);
		if (run.res.findings > 0)
			buf_printf(&msg, "%s%lld new secret finding%s",
			    msg.len ? ", " : "", run.res.findings,
			    run.res.findings == 1 ? "" : "s");
	} else if (run.res.failed > 0) {
		status = CHECK_EX_UNKNOWN;
		buf_printf(&msg, "%s", run.res.error);
	} else if (run.res.pending > 0) {
		status = CHECK_EX_WARNING;
		check_list_open(&msg, eng, cfg, 0);
	} else {
		status = CHECK_EX_OK;
		buf_printf(&msg, "%d source%s, %lld entit%s watched, "
		    "nothing firing", run.res.sources,
		    run.res.sources == 1 ? "" : "s", run.res.entities,
		    run.res.entities == 1 ? "y" : "ies");
	}
	if (status != CHECK_EX_UNKNOWN && run.res.failed > 0)
		buf_printf(&msg, "; also failed: %s", run.res.error);
	if (dry)
		buf_printf(&msg, " (dry run)");
	for (i = 0; i < engine_nwatches(eng); i++)
		if (watch_stats(engine_watch(eng, i))->llr_max > llr_max)
			llr_max = watch_stats(engine_watch(eng, i))->llr_max;
	if (perf_series)
		check_perf_series(&series, eng, cfg);
	check_output(ctx, status, buf_cstr(&msg), &run.res,
	    llr_max, buf_cstr(&series));
	goto done;
unknown:
	/* No perfdata: nothing was measured, zeros would be a lie. */
	status = check_output(ctx, CHECK_EX_UNKNOWN, msg.len ? buf_cstr(&msg) :
	    "failed", NULL, 0, NULL);
done:
	engine_free(eng);
	if (eo.state != NULL)
		util_private_state_remove(pdir, pdb);
	alert_batch_free(report);
	config_free(cfg);
	free(names);
	buf_cleanup(&msg);
	buf_cleanup(&series);
	return status;
}
