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

#include <errno.h>
#include <getopt.h>
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
#define CHECK_TIMEOUT		240.0	/* the whole cycle */
#define CHECK_LIST_MAX		3	/* entities named in the status line */

static const char *check_status_name[] = {
	"OK", "WARNING", "CRITICAL", "UNKNOWN"
};

struct check_run {
	int			 finished;
	struct engine_result	 res;
};

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
		(void)loop_run_until(check_secrets_finished, cs, 30);
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
	fprintf(f, "usage: cwguard check [--dry-run] [--watch NAME]...\n\n"
	    "One cycle of every watch and logs source (or of those named),\n"
	    "then exit 0 OK, 1 WARNING (pending), 2 CRITICAL (firing or a\n"
	    "new secret finding), 3 UNKNOWN (config, credentials or API\n"
	    "failure). --dry-run changes no state and sends nothing.\n");
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
			buf_printf(b, "%s%s/%s %s %s (%s vs %s)",
			    b->len ? ", " : "", watch_name(w), o->entity,
			    o->signal, firing ? "firing" : "pending", v, bl);
			shown++;
		}
	}
	if (total > shown)
		buf_printf(b, ", and %zu more", total - shown);
}

static void
check_print_json_summary(int status, const struct engine_result *res,
    const char *message)
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
	cJSON_AddStringToObject(o, "message", message);
	if ((js = cJSON_PrintUnformatted(o)) != NULL) {
		printf("%s\n", js);
		cJSON_free(js);
	}
	cJSON_Delete(o);
}

static int
check_output(struct cmd_ctx *ctx, int status, const char *message,
    const struct engine_result *res)
{
	char	esc[2048];

	if (ctx->json)
		check_print_json_summary(status, res, message);
	else
		printf("CWGUARD %s - %s | 'firing'=%lld;;;0 'pending'=%lld;;;0 "
		    "'entities'=%lld;;;0 'metrics_requested'=%lld;;;0 "
		    "'findings'=%lld;;;0\n", check_status_name[status],
		    log_escape(message, strlen(message), esc, sizeof esc),
		    res->firing, res->pending, res->entities,
		    res->metrics_requested, res->findings);
	fflush(stdout);
	return status;
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct engine_options	 eo;
	struct engine_result	 none;
	struct check_run	 run;
	struct config		*cfg = NULL;
	struct engine		*eng = NULL;
	struct alert_batch	*report = NULL;
	struct buf		 msg;
	const struct alert	*a;
	char			**names = NULL, *cause = NULL, *nl, *js;
	char			 err[1024], pdir[1024], pdb[1100];
	size_t			 nnames = 0, i;
	time_t			 now;
	int			 ch, dry = 0, status = CHECK_EX_UNKNOWN;

	memset(&none, 0, sizeof none);
	memset(&eo, 0, sizeof eo);
	buf_init(&msg, 4096);
	names = xcalloc(1, sizeof *names);
	while ((ch = getopt_long(argc, argv, "nw:h", opts, NULL)) != -1) {
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
		case 'h':
			check_usage(stdout);
			free(names);
			buf_cleanup(&msg);
			return CMD_EX_OK;
		default:
			check_usage(stderr);
			free(names);
			buf_cleanup(&msg);
			return CHECK_EX_UNKNOWN;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: check: unexpected argument '%s'\n",
		    argv[optind]);
		check_usage(stderr);
		free(names);
		buf_cleanup(&msg);
		return CHECK_EX_UNKNOWN;
	}
	if (util_data_now(ctx->now, &now, err, sizeof err) == -1) {
		buf_printf(&msg, "CWGUARD_NOW: %s", err);
		goto unknown;
	}
	if ((cfg = config_load(ctx->config_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "");
		if (cause != NULL && (nl = strchr(cause, '\n')) != NULL)
			*nl = '\0';
		buf_printf(&msg, "config: %s", cause != NULL ? cause :
		    "cannot load");
		free(cause);
		goto unknown;
	}
	if (TAILQ_EMPTY(&cfg->watches) && TAILQ_EMPTY(&cfg->logs)) {
		/* "OK - 0 sources" would hide a config that checks nothing. */
		buf_printf(&msg, "%s watches nothing: no [watch] or [logs] "
		    "section", ctx->config_path);
		goto unknown;
	}
	if (ctx->verbosity == 0)
		log_set_level(cfg->log_level < LOG_LEVEL_WARN ?
		    LOG_LEVEL_WARN : cfg->log_level);
	memset(&eo, 0, sizeof eo);
	eo.lock_wait = CHECK_LOCK_WAIT;
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
	memset(&run, 0, sizeof run);
	if (engine_cycle_once(eng, now, dry ? ENGINE_DRY_RUN : 0, report,
	    check_done, &run, err, sizeof err) == -1) {
		buf_printf(&msg, "%s", err);
		goto unknown;
	}
	if (!run.finished &&
	    loop_run_until(check_finished, &run, CHECK_TIMEOUT) == -1) {
		buf_printf(&msg, "the cycle did not finish within %.0f s",
		    CHECK_TIMEOUT);
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
	check_output(ctx, status, buf_cstr(&msg), &run.res);
	goto done;
unknown:
	status = check_output(ctx, CHECK_EX_UNKNOWN, msg.len ? buf_cstr(&msg) :
	    "failed", eng != NULL && report != NULL ? &run.res : &none);
done:
	engine_free(eng);
	if (eo.state != NULL)
		util_private_state_remove(pdir, pdb);
	alert_batch_free(report);
	config_free(cfg);
	free(names);
	buf_cleanup(&msg);
	return status;
}
