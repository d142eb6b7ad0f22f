/*
 * `cwguard backtest --from T --to T [--watch NAME]...`: replays the
 * CloudWatch history of [from, to) through the current config and prints
 * every firing and resolved transition that would have happened. It never
 * touches the live state or sends anything: the watches run on a private
 * state database in a temporary directory, removed at the end; the
 * baseline is bootstrapped from the hourly history before --from (as for
 * a new watch); each period is judged with the data before it only.
 *
 * Exit 0 (whatever fired), 1 when a watch failed, 64 usage, 78 config.
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

#include "alert.h"
#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "util.h"
#include "watch.h"
#include "xmalloc.h"

#define BACKTEST_TIMEOUT	3600.0

struct bt_run {
	int	 pending;
	int	 failed;
	char	 error[512];
};

struct bt_src {
	struct bt_run	*run;
	const char	*name;
};

static void
bt_done(int ok, const char *error, void *arg)
{
	struct bt_src	*s = arg;
	struct bt_run	*r = s->run;
	size_t		 len = strlen(r->error);

	if (!ok) {
		r->failed++;
		if (len < sizeof r->error)
			snprintf(r->error + len, sizeof r->error - len,
			    "%swatch %s: %s", len ? "; " : "", s->name,
			    error != NULL ? error : "failed");
	}
	r->pending--;
	free(s);
}

static int
bt_finished(void *arg)
{
	return ((struct bt_run *)arg)->pending == 0;
}

static void
bt_usage(FILE *f)
{
	fprintf(f, "usage: cwguard backtest --from T --to T "
	    "[--watch NAME]...\n\n"
	    "Replays [from, to) from CloudWatch through the config and prints\n"
	    "the alerts that would have fired and resolved. Sends nothing;\n"
	    "the live state is untouched. T: RFC 3339, epoch seconds, or\n"
	    "relative (-7d, -36h, now).\n");
}

/* Sort key: time, then watch, entity, signal; firing before resolved. */
static int
bt_cmp(const void *x, const void *y)
{
	const struct alert *a = *(const struct alert *const *)x;
	const struct alert *b = *(const struct alert *const *)y;
	int	c;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if ((c = strcmp(a->watch, b->watch)) != 0)
		return c;
	if ((c = strcmp(a->entity, b->entity)) != 0)
		return c;
	if ((c = strcmp(a->signal, b->signal)) != 0)
		return c;
	return (int)a->status - (int)b->status;
}

struct bt_count {
	char		 watch[ALERT_NAME_MAX];
	char		 signal[32];
	long		 firing, resolved;
};

static void
bt_fmt(char *out, size_t outlen, double v, int rate)
{
	if (!isfinite(v))
		snprintf(out, outlen, "?");
	else if (rate)
		snprintf(out, outlen, "%.2f%%", v * 100);
	else
		snprintf(out, outlen, "%.4g", v);
}

static void
bt_print(struct cmd_ctx *ctx, struct alert_batch *report, time_t from,
    time_t to)
{
	const struct alert	**v;
	const struct alert	 *a;
	struct bt_count		 *cnt = NULL;
	size_t			  n, i, j, ncnt = 0, nv = 0;
	char			  ts[32], val[32], bl[32], ent[600], *js;
	char			  why[256];
	int			  rate;

	n = alert_batch_count(report);
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		a = alert_batch_get(report, i);
		if (a == NULL || a->repeat)
			continue;
		v[nv++] = a;
	}
	qsort(v, nv, sizeof *v, bt_cmp);
	for (i = 0; i < nv; i++) {
		a = v[i];
		for (j = 0; j < ncnt; j++)
			if (strcmp(cnt[j].watch, a->watch) == 0 &&
			    strcmp(cnt[j].signal, a->signal) == 0)
				break;
		if (j == ncnt) {
			cnt = xreallocarray(cnt, ncnt + 1, sizeof *cnt);
			memset(&cnt[ncnt], 0, sizeof *cnt);
			util_strlcpy(cnt[ncnt].watch, a->watch,
			    sizeof cnt[ncnt].watch);
			util_strlcpy(cnt[ncnt].signal, a->signal,
			    sizeof cnt[ncnt].signal);
			ncnt++;
		}
		if (a->status == ALERT_FIRING)
			cnt[j].firing++;
		else
			cnt[j].resolved++;
		if (ctx->json) {
			if ((js = alert_json(a)) != NULL) {
				printf("%s\n", js);
				free(js);
			}
			continue;
		}
		rate = a->errors >= 0;
		util_format_rfc3339(a->at, ts, sizeof ts);
		bt_fmt(val, sizeof val, a->value, rate);
		bt_fmt(bl, sizeof bl, a->baseline, rate);
		log_escape(a->entity, strlen(a->entity), ent, sizeof ent);
		if (a->status == ALERT_FIRING && rate)
			printf("%s firing   %s/%s %s %s vs %s (%lld/%lld, "
			    "p=%.2g)\n", ts, a->watch, ent, a->signal, val, bl,
			    a->errors, a->requests, a->p_value);
		else if (a->rule[0] != '\0')
			printf("%s %-8s %s/%s %s %s\n", ts,
			    a->status == ALERT_FIRING ? "firing" : "resolved",
			    a->watch, ent, a->signal,
			    alert_why(a, why, sizeof why));
		else
			printf("%s %-8s %s/%s %s %s vs %s\n", ts,
			    a->status == ALERT_FIRING ? "firing" : "resolved",
			    a->watch, ent, a->signal, val, bl);
	}
	if (!ctx->json) {
		char	f[32], t[32];

		util_format_rfc3339(from, f, sizeof f);
		util_format_rfc3339(to, t, sizeof t);
		printf("-- backtest %s .. %s: ", f, t);
		if (ncnt == 0)
			printf("nothing fired\n");
		else
			printf("\n");
		for (j = 0; j < ncnt; j++)
			printf("%-20s %-8s %ld firing, %ld resolved\n",
			    cnt[j].watch, cnt[j].signal, cnt[j].firing,
			    cnt[j].resolved);
	}
	fflush(stdout);
	free(cnt);
	free(v);
}

int
cmd_backtest(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct engine_options	 eo;
	struct config		*cfg = NULL;
	struct engine		*eng = NULL;
	struct alert_batch	*report = NULL;
	struct bt_run		 run;
	struct bt_src		*src;
	struct watch		*w;
	const char		*fromarg = NULL, *toarg = NULL;
	char			**names = NULL, *cause = NULL, *dir = NULL;
	char			 db[1100], err[1024], tmpl[1024];
	size_t			 nnames = 0, i;
	time_t			 from, to, now = ctx->now;
	int			 ch, rc = 1;

	names = xcalloc(1, sizeof *names);
	while ((ch = getopt_long(argc, argv, "f:t:w:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			fromarg = optarg;
			break;
		case 't':
			toarg = optarg;
			break;
		case 'w':
			names = xreallocarray(names, nnames + 2,
			    sizeof *names);
			names[nnames++] = optarg;
			names[nnames] = NULL;
			break;
		case 'h':
			bt_usage(stdout);
			free(names);
			return CMD_EX_OK;
		default:
			bt_usage(stderr);
			free(names);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc || fromarg == NULL || toarg == NULL) {
		bt_usage(stderr);
		free(names);
		return CMD_EX_USAGE;
	}
	if (util_data_now(ctx->now, &now, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: backtest: CWGUARD_NOW: %s\n", err);
		free(names);
		return CMD_EX_USAGE;
	}
	if (util_parse_time(fromarg, now, &from, err, sizeof err) == -1 ||
	    util_parse_time(toarg, now, &to, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: backtest: %s\n", err);
		free(names);
		return CMD_EX_USAGE;
	}
	if (to <= from) {
		fprintf(stderr, "cwguard: backtest: --to must be after "
		    "--from\n");
		free(names);
		return CMD_EX_USAGE;
	}
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fprintf(stderr, "%s", cause != NULL ? cause : "");
		fprintf(stderr, "cwguard: backtest: the config is invalid\n");
		free(cause);
		free(names);
		return CMD_EX_CONFIG;
	}
	if (ctx->verbosity == 0)
		log_set_level(cfg->log_level < LOG_LEVEL_WARN ?
		    LOG_LEVEL_WARN : cfg->log_level);

	/* a private state database: the live one is never opened */
	if (util_private_state("backtest", tmpl, sizeof tmpl, db, sizeof db,
	    err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: backtest: %s\n", err);
		goto done;
	}
	dir = tmpl;
	memset(&eo, 0, sizeof eo);
	eo.state = db;
	eo.lock_wait = -1;
	eo.no_logs = 1;
	eo.no_outbox = 1;
	if ((eng = engine_new(cfg, &eo, err, sizeof err)) == NULL) {
		fprintf(stderr, "cwguard: backtest: %s\n", err);
		goto done;
	}
	if (engine_select(eng, names, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: backtest: %s\n", err);
		rc = CMD_EX_USAGE;
		goto done;
	}
	report = alert_batch_new();
	memset(&run, 0, sizeof run);
	for (i = 0; i < engine_nwatches(eng); i++) {
		w = engine_watch(eng, i);
		if (nnames > 0) {
			size_t	k;

			for (k = 0; k < nnames; k++)
				if (strcmp(names[k], watch_name(w)) == 0)
					break;
			if (k == nnames)
				continue;
		}
		src = xcalloc(1, sizeof *src);
		src->run = &run;
		src->name = watch_name(w);
		run.pending++;
		if (watch_backtest(w, from, to, engine_alert_context(eng),
		    report, bt_done, src, err, sizeof err) == -1) {
			run.pending--;
			free(src);
			fprintf(stderr, "cwguard: backtest: watch %s: %s\n",
			    watch_name(w), err);
			goto done;
		}
	}
	if (run.pending > 0 &&
	    loop_run_until(bt_finished, &run, BACKTEST_TIMEOUT) == -1) {
		fprintf(stderr, "cwguard: backtest: did not finish within "
		    "%.0f s\n", BACKTEST_TIMEOUT);
		goto done;
	}
	bt_print(ctx, report, from, to);
	if (run.failed) {
		fprintf(stderr, "cwguard: backtest: %s\n", run.error);
		goto done;
	}
	rc = 0;
done:
	engine_free(eng);
	alert_batch_free(report);
	if (dir != NULL)
		util_private_state_remove(dir, db);
	config_free(cfg);
	free(names);
	return rc;
}
