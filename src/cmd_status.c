/*
 * cwguard status [--watch NAME]... [--ascii]: what the state database says,
 * at a glance. Read-only: the database is opened STORE_READONLY, so status
 * never creates, locks or writes it, and can run beside `run` or `check`.
 *
 * Per (watch, entity, signal): alert state, last value against its
 * baseline, a 24-hour sparkline (hourly error rates from the rollups for
 * count watches, hourly means of the datapoints for metric watches); open
 * alerts (firing, then pending) first. Then the outbox and the last cycle of
 * each source. --format json prints one object per line instead.
 *
 * CWGUARD_NOW, as for check and backtest, sets the clock the sparklines and
 * ages are read against (a replayed or backtested state shows its own last
 * day); the outbox is always judged on the wall clock, as it is sent.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "silence.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define STATUS_HOURS		24
#define STATUS_EX_FAIL		1	/* the state could not be read */

static const char status_usage[] =
    "usage: cwguard status [--watch NAME]... [--ascii]\n";

static const char status_help[] =
    "Show the state database: per watch, entity and signal the alert\n"
    "state, the last value against its baseline and a 24-hour sparkline;\n"
    "open alerts first; then the outbox and the last cycle of each source.\n"
    "Read-only: never creates or writes the database.\n"
    "  --watch NAME  only this watch (may repeat)\n"
    "  --ascii       draw sparklines with ASCII (also when the locale\n"
    "                is not UTF-8)\n";

/* Sparkline glyphs, lowest first; a blank is an hour without data. */
static const char *const status_blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
    "\xe2\x96\x87", "\xe2\x96\x88" };
static const char *const status_ascii[] = { "_", ".", "-", "=", "^", "#" };

struct status {
	struct cmd_ctx		*ctx;
	const struct config	*cfg;
	struct store		*store;
	char			**watches;	/* --watch, NULL-terminated */
	size_t			 nwatches;
	int			 ascii;
	int			 pass;		/* 0 firing, 1 pending, 2 rest */
	int64_t			 nseries;
	int64_t			 nopen;
	int			 failed;	/* a store call failed */
	time_t			 now;		/* data clock: CWGUARD_NOW or now */
};

/* One value per hour, NAN where the hour has no data. */
struct status_hours {
	int64_t	 first;			/* start of the oldest hour */
	double	 v[STATUS_HOURS];
	double	 sum[STATUS_HOURS];	/* metric watches: mean of values */
	int64_t	 n[STATUS_HOURS];
};

static int
status_wanted(const struct status *st, const char *watch)
{
	size_t	i;

	if (st->nwatches == 0)
		return 1;
	for (i = 0; i < st->nwatches; i++) {
		if (strcmp(st->watches[i], watch) == 0)
			return 1;
	}
	return 0;
}

static int
status_is_metric(const struct status *st, const char *watch)
{
	const struct config_watch	*w;

	w = config_watch_find(st->cfg, watch);
	return w != NULL && w->kind == CONFIG_WATCH_METRIC;
}

/* "42s", "5m", "3h", "2d" (rounded down). */
static void
status_age(int64_t secs, char *out, size_t outlen)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, outlen, "%llds", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(out, outlen, "%lldm", (long long)(secs / 60));
	else if (secs < 2 * 86400)
		snprintf(out, outlen, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, outlen, "%lldd", (long long)(secs / 86400));
}

static int
status_datapoint(void *arg, const struct store_datapoint *dp)
{
	struct status_hours	*h = arg;
	int64_t			 i;

	if (isnan(dp->value))
		return 0;
	i = (dp->period_start - h->first) / 3600;
	if (i >= 0 && i < STATUS_HOURS) {
		h->sum[i] += dp->value;
		h->n[i]++;
	}
	return 0;
}

/* The 24 hours ending with the current one. */
static int
status_hours_fill(struct status *st, const struct store_alert *a,
    struct status_hours *h)
{
	struct store_rollup	r;
	int64_t			i, hour;
	int			rc;

	memset(h, 0, sizeof *h);
	h->first = (int64_t)st->now / 3600 * 3600 -
	    (STATUS_HOURS - 1) * 3600;
	for (i = 0; i < STATUS_HOURS; i++)
		h->v[i] = NAN;
	if (status_is_metric(st, a->watch)) {
		if (store_datapoint_range(st->store, a->watch, a->entity,
		    a->signal, h->first, h->first + STATUS_HOURS * 3600, 0,
		    status_datapoint, h) == -1)
			return -1;
		for (i = 0; i < STATUS_HOURS; i++) {
			if (h->n[i] > 0)
				h->v[i] = h->sum[i] / (double)h->n[i];
		}
		return 0;
	}
	for (i = 0; i < STATUS_HOURS; i++) {
		hour = h->first + i * 3600;
		rc = store_rollup_get(st->store, a->watch, a->entity, a->signal,
		    hour, &r);
		if (rc == -1)
			return -1;
		if (rc == 1 && r.requests > 0)
			h->v[i] = (double)r.errors / (double)r.requests;
	}
	return 0;
}

/*
 * Sparkline of h scaled from the lowest level (0, or the minimum for
 * values that can be negative) to the highest value of the day; a value
 * above the floor never draws the lowest glyph.
 */
static void
status_sparkline(const struct status *st, const struct status_hours *h,
    char *out, size_t outlen)
{
	const char *const	*g = st->ascii ? status_ascii : status_blocks;
	size_t			 ng = st->ascii ?
	    sizeof status_ascii / sizeof status_ascii[0] :
	    sizeof status_blocks / sizeof status_blocks[0];
	double			 lo = 0, hi = 0;
	size_t			 len = 0, level;
	int			 i, any = 0;

	for (i = 0; i < STATUS_HOURS; i++) {
		if (isnan(h->v[i]))
			continue;
		if (!any || h->v[i] > hi)
			hi = h->v[i];
		if (!any || h->v[i] < lo)
			lo = h->v[i];
		any = 1;
	}
	if (lo > 0)
		lo = 0;
	out[0] = '\0';
	for (i = 0; i < STATUS_HOURS; i++) {
		const char	*s;

		if (isnan(h->v[i]))
			s = " ";
		else if (hi <= lo || h->v[i] <= lo)
			s = g[0];
		else {
			level = (size_t)ceil((h->v[i] - lo) / (hi - lo) *
			    (double)(ng - 1));
			if (level < 1)
				level = 1;
			if (level > ng - 1)
				level = ng - 1;
			s = g[level];
		}
		if (len + strlen(s) + 1 > outlen)
			break;
		memcpy(out + len, s, strlen(s) + 1);
		len += strlen(s);
	}
}

static void
status_value(const struct status *st, const char *watch, double v,
    char *out, size_t outlen)
{
	if (isnan(v))
		snprintf(out, outlen, "-");
	else if (status_is_metric(st, watch))
		snprintf(out, outlen, "%.4g", v);
	else
		snprintf(out, outlen, "%.2f%%", v * 100);
}

static void
status_json_time(cJSON *o, const char *key, int64_t t)
{
	char	buf[64];

	if (t <= 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key,
		    util_format_rfc3339((time_t)t, buf, sizeof buf));
}

static void
status_json_number(cJSON *o, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

/* Prints o on one line and frees it. */
static void
status_json_print(cJSON *o)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		abort();
	puts(s);
	cJSON_free(s);
	cJSON_Delete(o);
}

/* 1 when a silence or mute window in force (wall clock) covers a. */
static int
status_muted(struct status *st, const struct store_alert *sa)
{
	struct alert	a;
	char		err[256];

	alert_init(&a, ALERT_SPIKE);
	util_strlcpy(a.watch, sa->watch, sizeof a.watch);
	util_strlcpy(a.entity, sa->entity, sizeof a.entity);
	util_strlcpy(a.signal, sa->signal, sizeof a.signal);
	return silence_muted(st->store, st->cfg, &a, time(NULL), err,
	    sizeof err) == 1;
}

static int
status_series(void *arg, const struct store_alert *a)
{
	struct status		*st = arg;
	struct status_hours	 h;
	char			 spark[STATUS_HOURS * 4 + 1], val[32],
				 base[32], when[64], age[32];
	char			 w[STORE_NAME_MAX], e[STORE_NAME_MAX],
				 s[STORE_NAME_MAX];
	cJSON			*o, *arr;
	int			 open, i;

	open = a->state == STORE_ALERT_FIRING ? 0 :
	    a->state == STORE_ALERT_PENDING ? 1 : 2;
	if (open != st->pass || !status_wanted(st, a->watch))
		return 0;
	st->nseries++;
	if (open < 2)
		st->nopen++;
	if (status_hours_fill(st, a, &h) == -1) {
		st->failed = 1;
		return 1;
	}
	if (st->ctx->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "series");
		cJSON_AddStringToObject(o, "watch", a->watch);
		cJSON_AddStringToObject(o, "entity", a->entity);
		cJSON_AddStringToObject(o, "signal", a->signal);
		cJSON_AddStringToObject(o, "state",
		    store_alert_state_name(a->state));
		status_json_time(o, "since", a->since);
		status_json_time(o, "last_period", a->last_period);
		status_json_time(o, "last_notified", a->last_notified);
		status_json_number(o, "value", a->last_value);
		status_json_number(o, "baseline", a->last_baseline);
		cJSON_AddNumberToObject(o, "consecutive_anomalous",
		    (double)a->consecutive_anomalous);
		cJSON_AddNumberToObject(o, "consecutive_normal",
		    (double)a->consecutive_normal);
		cJSON_AddBoolToObject(o, "muted", status_muted(st, a));
		status_json_time(o, "hourly_from", h.first);
		arr = cJSON_AddArrayToObject(o, status_is_metric(st, a->watch) ?
		    "hourly_mean" : "hourly_error_rate");
		for (i = 0; i < STATUS_HOURS; i++)
			cJSON_AddItemToArray(arr, isnan(h.v[i]) ?
			    cJSON_CreateNull() : cJSON_CreateNumber(h.v[i]));
		status_json_print(o);
		return 0;
	}
	if (st->nseries == 1)
		printf("%-8s %-9s %-9s %-*s  %s\n", "STATE", "VALUE",
		    "BASELINE", STATUS_HOURS, "LAST 24H", "WATCH ENTITY SIGNAL");
	status_sparkline(st, &h, spark, sizeof spark);
	status_value(st, a->watch, a->last_value, val, sizeof val);
	status_value(st, a->watch, a->last_baseline, base, sizeof base);
	log_escape(a->watch, strlen(a->watch), w, sizeof w);
	log_escape(a->entity, strlen(a->entity), e, sizeof e);
	log_escape(a->signal, strlen(a->signal), s, sizeof s);
	printf("%-8s %-9s %-9s %s  %s %s %s", store_alert_state_name(a->state),
	    val, base, spark, w, e, s);
	if (open < 2 && a->since > 0) {
		status_age((int64_t)st->now - a->since, age, sizeof age);
		printf(", since %s (%s ago)", util_format_rfc3339(
		    (time_t)a->since, when, sizeof when), age);
		if (status_muted(st, a))
			printf(", muted");
	}
	putchar('\n');
	return 0;
}

static int
status_outbox(struct status *st)
{
	const struct config_sink	*sk;
	int64_t				 depth, oldest, d, o;
	int64_t				 counts[STORE_OUTBOX_NSTATUS];
	char				 age[32];
	cJSON				*obj, *arr, *e;

	if (store_outbox_stats(st->store, NULL, (int64_t)st->ctx->now, &depth,
	    &oldest) == -1 || store_outbox_counts(st->store, NULL, counts) == -1)
		return -1;
	obj = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	TAILQ_FOREACH(sk, &st->cfg->sinks, entry) {
		if (store_outbox_stats(st->store, sk->name,
		    (int64_t)st->ctx->now, &d, &o) == -1) {
			cJSON_Delete(obj);
			cJSON_Delete(arr);
			return -1;
		}
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "sink", sk->name);
		cJSON_AddNumberToObject(e, "depth", (double)d);
		cJSON_AddNumberToObject(e, "oldest_age", (double)o);
		cJSON_AddItemToArray(arr, e);
	}
	if (st->ctx->json) {
		cJSON_AddStringToObject(obj, "type", "outbox");
		cJSON_AddNumberToObject(obj, "depth", (double)depth);
		cJSON_AddNumberToObject(obj, "oldest_age", (double)oldest);
		cJSON_AddNumberToObject(obj, "delivered",
		    (double)counts[STORE_OUTBOX_DELIVERED]);
		cJSON_AddNumberToObject(obj, "failed",
		    (double)counts[STORE_OUTBOX_FAILED]);
		cJSON_AddNumberToObject(obj, "expired",
		    (double)counts[STORE_OUTBOX_EXPIRED]);
		cJSON_AddItemToObject(obj, "sinks", arr);
		status_json_print(obj);
		return 0;
	}
	if (depth == 0)
		printf("\noutbox: empty");
	else {
		status_age(oldest, age, sizeof age);
		printf("\noutbox: %lld pending, oldest %s",
		    (long long)depth, age);
	}
	cJSON_ArrayForEach(e, arr) {
		d = (int64_t)cJSON_GetObjectItem(e, "depth")->valuedouble;
		if (d > 0)
			printf("; %s %lld", cJSON_GetObjectItem(e,
			    "sink")->valuestring, (long long)d);
	}
	if (counts[STORE_OUTBOX_FAILED] > 0 || counts[STORE_OUTBOX_EXPIRED] > 0)
		printf("; undelivered: %lld failed, %lld expired",
		    (long long)counts[STORE_OUTBOX_FAILED],
		    (long long)counts[STORE_OUTBOX_EXPIRED]);
	putchar('\n');
	cJSON_Delete(obj);
	cJSON_Delete(arr);
	return 0;
}

static int
status_cycle(void *arg, const struct store_cycle *c)
{
	struct status	*st = arg;
	char		 when[64], age[32], src[STORE_NAME_MAX],
			 msg[STORE_MESSAGE_MAX * 4];
	cJSON		*o;

	if (!status_wanted(st, c->source))
		return 0;
	if (st->ctx->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "cycle");
		cJSON_AddStringToObject(o, "source", c->source);
		status_json_time(o, "at", c->time);
		cJSON_AddBoolToObject(o, "ok", c->ok);
		cJSON_AddStringToObject(o, "message",
		    c->message != NULL ? c->message : "");
		status_json_print(o);
		return 0;
	}
	log_escape(c->source, strlen(c->source), src, sizeof src);
	status_age((int64_t)st->now - c->time, age, sizeof age);
	printf("  %-6s %-20s %s (%s ago)", c->ok ? "ok" : "failed", src,
	    util_format_rfc3339((time_t)c->time, when, sizeof when), age);
	if (c->message != NULL && *c->message != '\0') {
		log_escape(c->message, strlen(c->message), msg, sizeof msg);
		printf(": %s", msg);
	}
	putchar('\n');
	return 0;
}

static void
status_json_matcher(cJSON *o, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static int
status_silence(void *arg, const struct store_silence *si)
{
	struct status	*st = arg;
	char		 a[64], b[64], w[STORE_NAME_MAX * 4],
			 e[STORE_NAME_MAX * 4], c[STORE_MESSAGE_MAX * 4];
	cJSON		*o;

	if (st->ctx->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "silence");
		cJSON_AddStringToObject(o, "id", si->id);
		/* as `silence list`: null for a matcher not given */
		status_json_matcher(o, "watch", si->watch);
		status_json_matcher(o, "entity", si->entity);
		status_json_matcher(o, "signal", si->signal);
		status_json_matcher(o, "kind", si->kind);
		status_json_time(o, "starts", si->starts);
		status_json_time(o, "ends", si->ends);
		cJSON_AddStringToObject(o, "comment", si->comment);
		status_json_print(o);
		return 0;
	}
	log_escape(si->watch[0] != '\0' ? si->watch : "*", strlen(
	    si->watch[0] != '\0' ? si->watch : "*"), w, sizeof w);
	log_escape(si->entity[0] != '\0' ? si->entity : "*", strlen(
	    si->entity[0] != '\0' ? si->entity : "*"), e, sizeof e);
	log_escape(si->comment, strlen(si->comment), c, sizeof c);
	printf("  silence %s %s/%s%s%s%s%s until %s (since %s)%s%s\n",
	    si->id, w, e, si->signal[0] != '\0' ? " " : "", si->signal,
	    si->kind[0] != '\0' ? " kind=" : "", si->kind,
	    util_format_rfc3339((time_t)si->ends, b, sizeof b),
	    util_format_rfc3339((time_t)si->starts, a, sizeof a),
	    c[0] != '\0' ? ": " : "", c);
	return 0;
}

/* Silences and mute windows in force (wall clock), held notifications. */
static int
status_silences(struct status *st)
{
	const struct config_mute	*mu;
	struct silence_schedule		 sch;
	char				 err[256];
	time_t				 now = time(NULL);
	int64_t				 held = 0;
	cJSON				*o;

	if (!st->ctx->json)
		printf("\nsilences and mute windows in force:\n");
	if (store_silence_list(st->store, (int64_t)now, status_silence,
	    st) == -1 || store_held_count(st->store, &held) == -1)
		return -1;
	TAILQ_FOREACH(mu, &st->cfg->mutes, entry) {
		if (silence_schedule_parse(mu->schedule, &sch, err,
		    sizeof err) == -1 || !silence_schedule_active(&sch, now))
			continue;
		if (st->ctx->json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "type", "mute");
			cJSON_AddStringToObject(o, "name", mu->name);
			cJSON_AddStringToObject(o, "schedule", mu->schedule);
			status_json_print(o);
		} else
			printf("  [mute %s] %s\n", mu->name, mu->schedule);
	}
	if (st->ctx->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "held");
		cJSON_AddNumberToObject(o, "notifications", (double)held);
		status_json_print(o);
	} else
		printf("  %lld notification%s held back\n", (long long)held,
		    held == 1 ? "" : "s");
	return 0;
}

static int
status_use_ascii(void)
{
	const char	*cs = nl_langinfo(CODESET);

	return cs == NULL || (strcmp(cs, "UTF-8") != 0 &&
	    strcmp(cs, "utf8") != 0);
}

static int
status_show(struct status *st)
{
	char	now[64];

	if (!st->ctx->json)
		printf("state %s at %s\n\n", store_path(st->store),
		    util_format_rfc3339(st->now, now, sizeof now));
	for (st->pass = 0; st->pass < 3; st->pass++) {
		if (store_alert_list(st->store, status_series, st) == -1 ||
		    st->failed)
			return -1;
	}
	if (!st->ctx->json) {
		if (st->nseries == 0)
			printf("no series yet\n");
		else
			printf("(%lld series, %lld open)\n",
			    (long long)st->nseries, (long long)st->nopen);
	}
	if (status_outbox(st) == -1)
		return -1;
	if (status_silences(st) == -1)
		return -1;
	if (!st->ctx->json)
		printf("\nlast cycles:\n");
	return store_cycle_list(st->store, status_cycle, st);
}

int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "watch", required_argument, NULL, 'w' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct status	 st;
	struct config	*cfg = NULL;
	struct stat	 sb;
	char		*cause = NULL, err[512];
	int		 ch, rc = CMD_EX_OK;

	memset(&st, 0, sizeof st);
	st.ctx = ctx;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			st.watches = xreallocarray(st.watches,
			    st.nwatches + 2, sizeof *st.watches);
			st.watches[st.nwatches++] = optarg;
			st.watches[st.nwatches] = NULL;
			break;
		case 'a':
			st.ascii = 1;
			break;
		case 'h':
			fputs(status_usage, stdout);
			fputs(status_help, stdout);
			free(st.watches);
			return CMD_EX_OK;
		default:
			fprintf(stderr, "cwguard: status: unknown option "
			    "'%s'\n", argv[optind - 1]);
			fputs(status_usage, stderr);
			free(st.watches);
			return CMD_EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cwguard: status: unexpected argument '%s'\n",
		    argv[optind]);
		fputs(status_usage, stderr);
		free(st.watches);
		return CMD_EX_USAGE;
	}
	if (util_data_now(ctx->now, &st.now, err, sizeof err) == -1) {
		fprintf(stderr, "cwguard: status: CWGUARD_NOW: %s\n", err);
		free(st.watches);
		return CMD_EX_USAGE;
	}
	if (!st.ascii)
		st.ascii = status_use_ascii();
	if ((cfg = cmd_config_load(ctx, &cause)) == NULL) {
		fputs(cause, stderr);
		free(cause);
		free(st.watches);
		return CMD_EX_CONFIG;
	}
	st.cfg = cfg;
	if (stat(cfg->state, &sb) == -1 && errno == ENOENT) {
		if (ctx->json)
			printf("{\"type\":\"state\",\"exists\":false}\n");
		else
			printf("no state yet: run `cwguard check` or `cwguard "
			    "run` first\n");
		goto out;
	}
	if ((st.store = store_open(cfg->state, STORE_READONLY, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "cwguard: status: %s\n", err);
		rc = STATUS_EX_FAIL;
		goto out;
	}
	if (status_show(&st) == -1) {
		fprintf(stderr, "cwguard: status: %s\n",
		    store_error(st.store));
		rc = STATUS_EX_FAIL;
	}
	if (fflush(stdout) == EOF)
		rc = STATUS_EX_FAIL;
out:
	store_close(st.store);
	config_free(cfg);
	free(st.watches);
	return rc;
}
