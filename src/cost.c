/*
 * `cwguard config cost`: the estimated monthly AWS cost of a config (see
 * include/cost.h). The arithmetic mirrors what the engine requests: the
 * signal tables of src/watch.c (numerator and denominator per signal,
 * deduplicated), its idle back-off (WATCH_IDLE_AFTER, idle_interval),
 * its discovery TTL and the bootstrap of new entities; logsrc's windows
 * (interval + overlap per cycle) and query fan-out (50 groups a query).
 * The state database is opened read-only; nothing is written.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_creds.h"
#include "awsstack.h"
#include "cloudwatch.h"
#include "config.h"
#include "cost.h"
#include "http.h"
#include "log.h"
#include "logsrc.h"
#include "loop.h"
#include "metricdefs.h"
#include "store.h"
#include "util.h"
#include "watch.h"
#include "xmalloc.h"

#define COST_TIMEOUT		120.0	/* discovery, seconds */
#define COST_MAX_ENTITIES	200000
#define COST_MAX_PAGES		1000

#define COST_MAX_SIGNALS	4	/* WATCH_MAX_SIGNALS */
#define COST_MAX_METRICS	6	/* WATCH_MAX_METRICS */

/* --- Pure arithmetic --------------------------------------------------- */

double
cost_cycles(int64_t span, int64_t interval)
{
	if (span <= 0 || interval <= 0)
		return 0;
	return (double)(span / interval);
}

static int64_t
cost_ceil_div(int64_t a, int64_t b)
{
	return b > 0 ? (a + b - 1) / b : 0;
}

double
cost_idle_polls(int64_t span, int64_t interval, int64_t idle_interval)
{
	int64_t	step;

	if (span <= 0 || interval <= 0)
		return 0;
	step = cost_ceil_div(idle_interval, interval);
	if (step < 1)
		step = 1;
	return cost_cycles(span, interval) / (double)step;
}

double
cost_discoveries(int64_t span, int64_t interval)
{
	return cost_idle_polls(span, interval, COST_DISCOVERY_TTL);
}

int
cost_metrics_per_entity(enum config_watch_kind kind, int variant,
    unsigned dens, char *const *signals)
{
	const struct metricdefs_signal	*d;
	const char			*m[COST_MAX_METRICS];
	const char			*two[2];
	char *const			*sig;
	int				 n = 0, nseries = 0, i, k;

	if (kind == CONFIG_WATCH_METRIC)
		return 1;
	for (sig = signals; sig != NULL && *sig != NULL; sig++) {
		if ((d = metricdefs_find(kind, variant, *sig)) == NULL ||
		    nseries == COST_MAX_SIGNALS || (dens & d->denbit) == 0)
			continue;
		two[0] = d->den;
		two[1] = d->num;
		for (k = 0; k < 2; k++) {
			for (i = 0; i < n; i++)
				if (strcmp(m[i], two[k]) == 0)
					break;
			if (i == n && n < COST_MAX_METRICS)
				m[n++] = two[k];
		}
		nseries++;
	}
	return n;
}

unsigned
cost_signal_dens(enum config_watch_kind kind, char *const *signals)
{
	const struct metricdefs_signal	*d;
	char *const			*sig;
	unsigned			 bits = 0;

	for (sig = signals; sig != NULL && *sig != NULL; sig++)
		if ((d = metricdefs_find(kind, 0, *sig)) != NULL)
			bits |= d->denbit;
	return bits;
}

int
cost_listings(enum config_watch_kind kind, char *const *signals)
{
	const struct metricdefs_listing	*ls[METRICDEFS_MAX_LISTINGS];

	return metricdefs_listings(kind, signals, ls);
}

static int
cost_cmp_traffic(const void *a, const void *b)
{
	const struct cost_traffic *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

static int64_t
cost_floor(int64_t t, int64_t p)
{
	int64_t	q = t / p;

	if (t < 0 && q * p != t)
		q--;
	return q * p;
}

long
cost_replay_polls(const struct cost_traffic *traffic, size_t n, int64_t now,
    int64_t span, int64_t interval, int64_t idle_interval, int64_t lag,
    int64_t period, long *idle_cycles)
{
	struct cost_traffic	*tr = NULL;
	int64_t			 known = 0, polled = INT64_MIN / 4, t, t0;
	int64_t			 fend, v;
	long			 polls = 0, idle = 0, k, ncyc;
	size_t			 next = 0;

	if (idle_cycles != NULL)
		*idle_cycles = 0;
	if (interval <= 0 || span < interval || period <= 0)
		return 0;
	if (n > 0) {
		tr = xreallocarray(NULL, n, sizeof *tr);
		memcpy(tr, traffic, n * sizeof *tr);
		qsort(tr, n, sizeof *tr, cost_cmp_traffic);
	}
	ncyc = (long)(span / interval);
	t0 = now - (int64_t)ncyc * interval;
	for (k = 0; k < ncyc; k++) {
		t = t0 + (int64_t)k * interval;
		if (t - known > COST_IDLE_AFTER) {
			idle++;
			if (t - polled < idle_interval)
				continue;
		}
		polls++;
		polled = t;
		/* the poll fetches every period that starts before fend */
		fend = cost_floor(t - lag, period);
		while (next < n && tr[next].from < fend) {
			v = tr[next].to < fend ? tr[next].to :
			    cost_floor(fend - 1, period);
			if (v > known)
				known = v;
			if (tr[next].to >= fend)
				break;	/* the rest of it later */
			next++;
		}
	}
	free(tr);
	if (idle_cycles != NULL)
		*idle_cycles = idle;
	return polls;
}

double
cost_gmd_usd(double metrics)
{
	return metrics > 0 ? metrics / 1000.0 * COST_GMD_PER_1000 : 0;
}

double
cost_insights_usd(double bytes)
{
	return bytes > 0 ? bytes / 1e9 * COST_INSIGHTS_PER_GB : 0;
}

double
cost_sns_usd(double publishes)
{
	if (publishes <= COST_SNS_FREE)
		return 0;
	return (publishes - COST_SNS_FREE) / 1e6 * COST_SNS_PER_MILLION;
}

double
cost_api_usd(double requests)
{
	if (requests <= COST_API_FREE)
		return 0;
	return (requests - COST_API_FREE) / 1000.0 * COST_API_PER_1000;
}

/* --- The estimate ------------------------------------------------------ */

void
cost_note(struct cost_report *r, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];
	size_t	 i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], buf) == 0)
			return;
	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof *r->notes);
	r->notes[r->nnotes++] = xstrdup(buf);
}

/* One entity of a watch while it is estimated. */
struct cost_work {
	char		*name;
	int		 variant;
	int		 metrics;
	int		 have_meta;
	int64_t		 boot, polled, traffic;
	int		 gap;		/* poll = auto's gap, cycles; 0 none */
	char		*signals[COST_MAX_SIGNALS + 1];
	struct cost_traffic *tr;	/* periods with requests */
	size_t		 ntr;
	size_t		 rows;		/* datapoints seen in the window */
};

static void
cost_work_free(struct cost_work *w, size_t n)
{
	size_t	i;
	int	k;

	for (i = 0; i < n; i++) {
		free(w[i].name);
		for (k = 0; w[i].signals[k] != NULL; k++)
			free(w[i].signals[k]);
		free(w[i].tr);
	}
	free(w);
}

/* Offline: entities of a watch from its alert rows. */
struct cost_alerts {
	const char		*watch;
	struct cost_work	*w;
	size_t			 n;
};

static int
cost_alert_cb(void *arg, const struct store_alert *a)
{
	struct cost_alerts	*ca = arg;
	struct cost_work	*w;
	int			 k;

	if (strcmp(a->watch, ca->watch) != 0)
		return 0;
	if (ca->n == 0 || strcmp(ca->w[ca->n - 1].name, a->entity) != 0) {
		if (ca->n >= COST_MAX_ENTITIES)
			return 1;
		ca->w = xreallocarray(ca->w, ca->n + 1, sizeof *ca->w);
		w = &ca->w[ca->n++];
		memset(w, 0, sizeof *w);
		w->name = xstrdup(a->entity);
	}
	w = &ca->w[ca->n - 1];
	for (k = 0; k < COST_MAX_SIGNALS && w->signals[k] != NULL; k++)
		;
	if (k < COST_MAX_SIGNALS)
		w->signals[k] = xstrdup(a->signal);
	return 0;
}

/* "N entities, ..." of a watch's last cycle, or -1. */
struct cost_cycle_find {
	const char	*source;
	long long	 entities;
	int64_t		 time;
};

static int
cost_cycle_cb(void *arg, const struct store_cycle *c)
{
	struct cost_cycle_find	*cf = arg;
	long long		 n;

	if (strcmp(c->source, cf->source) != 0)
		return 0;
	cf->time = c->time;
	if (c->ok && sscanf(c->message, "%lld entities", &n) == 1)
		cf->entities = n;
	return 0;
}

static int
cost_dp_cb(void *arg, const struct store_datapoint *d)
{
	struct cost_work	*w = arg;

	w->rows++;
	if (d->requests > 0 && w->ntr < 10 * COST_DAY) {
		w->tr = xreallocarray(w->tr, w->ntr + 1, sizeof *w->tr);
		w->tr[w->ntr].from = w->tr[w->ntr].to = d->period_start;
		w->ntr++;
	}
	return 0;
}

/*
 * Datapoints are kept only a few hours (retention); the hourly rollups a
 * day and more. An hour with requests before the first datapoint counts
 * as traffic in each of its periods (up to that datapoint): the pace may
 * come out up to an hour more active than it was, never less.
 */
static int
cost_rollups(struct store *st, const struct config_watch *cw,
    struct cost_work *w, const char *signal, int64_t from, int64_t to)
{
	struct store_rollup	 ru;
	int64_t			 h, first = INT64_MAX;
	size_t			 i;
	int			 rc;

	for (i = 0; i < w->ntr; i++)
		if (w->tr[i].from < first)
			first = w->tr[i].from;
	for (h = cost_floor(from, 3600); h < to; h += 3600) {
		if ((rc = store_rollup_get(st, cw->name, w->name, signal, h,
		    &ru)) == -1)
			return -1;
		if (rc == 0)
			continue;
		w->rows++;
		if (ru.requests > 0 && h < first && w->ntr < 10 * COST_DAY) {
			w->tr = xreallocarray(w->tr, w->ntr + 1,
			    sizeof *w->tr);
			w->tr[w->ntr].from = h;
			w->tr[w->ntr].to = (h + 3600 - 1) / cw->period *
			    cw->period;
			if (w->tr[w->ntr].to >= first)
				w->tr[w->ntr].to = first - cw->period;
			w->ntr++;
		}
	}
	return 0;
}

static int
cost_meta(struct store *st, const struct config_watch *cw,
    struct cost_work *w, int variant)
{
	char		 key[STORE_NAME_MAX * 2], val[256];
	long long	 b, p, t;
	double		 rate;
	int		 rc, gap = 0;

	snprintf(key, sizeof key, "watch:%s:%d:%s", cw->name, variant,
	    w->name);
	if ((rc = store_meta_get(st, key, val, sizeof val)) != 1)
		return rc;
	if ((rc = sscanf(val, "boot=%lld polled=%lld traffic=%lld rate=%lf "
	    "gap=%d", &b, &p, &t, &rate, &gap)) < 3)
		return 0;
	w->gap = rc == 5 && gap >= 1 ? gap : 0;
	w->have_meta = 1;
	w->variant = variant;
	w->boot = b;
	w->polled = p;
	w->traffic = t;
	return 1;
}

/* A metric watch with a glob among its dimension values. */
static int
cost_metric_fleet(const struct config_watch *cw)
{
	char		**d;
	const char	*eq;

	for (d = cw->dimensions; d != NULL && *d != NULL; d++)
		if ((eq = strchr(*d, '=')) != NULL &&
		    strpbrk(eq + 1, "*?[") != NULL)
			return 1;
	return 0;
}

static int
cost_watch(const struct config *cfg, const struct config_watch *cw,
    struct store *st, const struct cost_discovery *d, time_t now,
    struct cost_watch *out, struct cost_report *r, char *err, size_t errlen)
{
	struct cost_work	*ws = NULL, *w;
	struct cost_alerts	 ca;
	struct cost_cycle_find	 cf;
	int64_t			 interval = cfg->interval, span = 0, minboot = 0;
	double			 cyc_day, idle_day, per_day;
	size_t			 n = 0, i, k;
	long			 polls, idlec;
	int			 history = 0, rc, t;
	unsigned		 dens;
	size_t			 gaps = 0;
	char *const		*sg;

	memset(out, 0, sizeof *out);
	out->cw = cw;
	out->interval = interval;
	cyc_day = cost_cycles(COST_DAY, interval);
	idle_day = cost_idle_polls(COST_DAY, interval, cw->idle_interval);
	if (cw->kind == CONFIG_WATCH_METRIC) {
		/* polled once per period that becomes final */
		per_day = cost_cycles(COST_DAY, interval > cw->period ?
		    interval : cw->period);
		out->entities = out->active = 1;
		out->source = "polled once per period (metric watch)";
		if (cost_metric_fleet(cw)) {
			out->source = "polled once per period, per series "
			    "(fleet metric watch; series from the state "
			    "database)";
			memset(&ca, 0, sizeof ca);
			ca.watch = cw->name;
			if (st != NULL && store_alert_list(st, cost_alert_cb,
			    &ca) == -1) {
				cost_work_free(ca.w, ca.n);
				goto dberr;
			}
			out->entities = out->active = (long long)ca.n;
			cost_work_free(ca.w, ca.n);
		}
		out->metrics_per_cycle = out->entities;
		out->metrics_per_day = per_day * (double)out->entities;
		out->per_active = out->per_idle = per_day * COST_MONTH /
		    COST_DAY;
		goto priced;
	}
	if (d != NULL && d->ok) {
		ws = xcalloc(d->n ? d->n : 1, sizeof *ws);
		for (i = 0; i < d->n; i++) {
			ws[i].name = xstrdup(d->ents[i].name);
			ws[i].variant = d->ents[i].variant;
			ws[i].metrics = cost_metrics_per_entity(cw->kind,
			    d->ents[i].variant, d->ents[i].dens, cw->signals);
		}
		n = d->n;
	} else if (st != NULL) {
		memset(&ca, 0, sizeof ca);
		ca.watch = cw->name;
		if (store_alert_list(st, cost_alert_cb, &ca) == -1) {
			cost_work_free(ca.w, ca.n);
			goto dberr;
		}
		ws = ca.w;
		n = ca.n;
		memset(&cf, 0, sizeof cf);
		cf.source = cw->name;
		cf.entities = -1;
		if (store_cycle_list(st, cost_cycle_cb, &cf) == -1)
			goto dberr;
		if (cf.entities > (long long)n)
			out->unnamed = cf.entities - (long long)n;
	}
	/* the pace the engine persisted per entity */
	for (i = 0; i < n && st != NULL; i++) {
		w = &ws[i];
		if ((rc = cost_meta(st, cw, w, w->variant)) == -1)
			goto dberr;
		if (rc == 0 && (d == NULL || !d->ok) &&
		    cw->kind == CONFIG_WATCH_APIGW &&
		    cost_meta(st, cw, w, 1) == -1)
			goto dberr;
		if (d == NULL || !d->ok) {
			/* metrics of the signals it has rows for */
			w->metrics = cost_metrics_per_entity(cw->kind,
			    w->variant, 3, w->signals);
		}
		if (w->have_meta && w->boot > 0 &&
		    (minboot == 0 || w->boot < minboot))
			minboot = w->boot;
	}
	/* history: replay the back-off over the last day of datapoints */
	if (minboot > 0) {
		span = (int64_t)now - minboot;
		if (span > COST_DAY)
			span = COST_DAY;
		span = span / interval * interval;
	}
	if (span >= interval) {
		for (i = 0; i < n; i++) {
			const struct metricdefs_signal *sd;
			char *const *sigs = ws[i].signals[0] != NULL ?
			    ws[i].signals : cw->signals;

			for (k = 0; sigs[k] != NULL; k++) {
				sd = metricdefs_find(cw->kind, ws[i].variant,
				    sigs[k]);
				if (sd == NULL)
					continue;
				if (store_datapoint_range(st, cw->name,
				    ws[i].name, sigs[k], (int64_t)now - span -
				    2 * COST_IDLE_AFTER, (int64_t)now, 0,
				    cost_dp_cb, &ws[i]) == -1)
					goto dberr;
				if (cost_rollups(st, cw, &ws[i], sigs[k],
				    (int64_t)now - span - 2 * COST_IDLE_AFTER,
				    (int64_t)now) == -1)
					goto dberr;
			}
			if (ws[i].rows > 0)
				history = 1;
		}
	}
	per_day = 0;
	for (i = 0; i < n; i++) {
		w = &ws[i];
		out->entities++;
		out->metrics_per_cycle += w->metrics;
		if (!w->have_meta || w->boot == 0) {
			/* new: bootstrapped at its first poll; pace unknown */
			out->fresh++;
			out->bootstrap += w->metrics;
			out->assumed++;
			out->active++;
			per_day += cyc_day * w->metrics;
		} else if (w->gap > 0) {
			/* the gap the engine chose (poll = auto, budget) */
			t = w->gap == 1 ? 0 : (int64_t)now - w->traffic >
			    COST_IDLE_AFTER ? 2 : 1;
			if (t == 0)
				out->active++;
			else if (t == 1)
				out->quiet++;
			else
				out->idle++;
			out->tier_n[t]++;
			out->tier_gap[t] += w->gap;
			if (w->gap > out->tier_max[t])
				out->tier_max[t] = w->gap;
			per_day += cyc_day / w->gap * w->metrics;
			gaps++;
		} else if (history) {
			polls = cost_replay_polls(w->tr, w->ntr, (int64_t)now,
			    span, interval, cw->idle_interval, cfg->lag,
			    cw->period, &idlec);
			if (idlec * 2 > (long)(span / interval))
				out->idle++;
			else
				out->active++;
			per_day += (double)polls * w->metrics * COST_DAY /
			    (double)span;
		} else if ((int64_t)now - w->traffic > COST_IDLE_AFTER) {
			out->idle++;
			per_day += idle_day * w->metrics;
		} else {
			out->active++;
			per_day += cyc_day * w->metrics;
		}
	}
	if (out->unnamed > 0) {
		dens = cost_signal_dens(cw->kind, cw->signals);
		k = (size_t)cost_metrics_per_entity(cw->kind, 0, dens,
		    cw->signals);
		out->entities += out->unnamed;
		out->idle += out->unnamed;
		out->metrics_per_cycle += (double)(out->unnamed * (long long)k);
		per_day += idle_day * (double)(out->unnamed * (long long)k);
		cost_note(r, "watch %s: %lld entities of the last cycle have no "
		    "alert row (no period judged yet): counted idle, with "
		    "every configured signal", cw->name, out->unnamed);
	}
	out->metrics_per_day = per_day;
	out->span = history ? span : 0;
	out->first_boot = minboot;
	if (n == 0 && out->unnamed == 0)
		out->source = "no entities known";
	else if (gaps > 0 && gaps + (size_t)out->fresh >= n)
		out->source = "the poll gaps the engine chose (poll, budget)";
	else if (history)
		out->source = "stored traffic replayed";
	else if (out->assumed == out->entities)
		out->source = "no history: all assumed active";
	else
		out->source = "last traffic in the state database";
	if (out->assumed > 0 && out->assumed < out->entities)
		cost_note(r, "watch %s: %lld new entities assumed active",
		    cw->name, out->assumed);
	k = (size_t)cost_metrics_per_entity(cw->kind, 0,
	    cost_signal_dens(cw->kind, cw->signals), cw->signals);
	out->per_active = cyc_day * (double)k * COST_MONTH / COST_DAY;
	out->per_idle = idle_day * (double)k * COST_MONTH / COST_DAY;
	out->list_requests = (double)cost_listings(cw->kind, cw->signals) *
	    (double)(out->entities > 0 ? cost_ceil_div(out->entities,
	    COST_LIST_PAGE) : 1) * cost_discoveries(COST_MONTH, interval);
	for (sg = cw->signals; sg != NULL && *sg != NULL; sg++)
		out->signals++;
priced:
	if (out->signals == 0)
		out->signals = 1;	/* a metric watch: its metric */
	/* the same coverage with alarms: one per entity and signal */
	out->native_standard = (double)out->entities * out->signals *
	    COST_ALARM_STANDARD;
	out->native_ratio = (double)out->entities * out->signals *
	    (cw->kind == CONFIG_WATCH_METRIC ? COST_ALARM_STANDARD :
	    COST_ALARM_RATIO);
	out->native_anomaly = (double)out->entities * out->signals *
	    COST_ALARM_ANOMALY;
	out->metrics_per_month = out->metrics_per_day * COST_MONTH / COST_DAY;
	out->usd = cost_gmd_usd(out->metrics_per_month);
	cost_work_free(ws, n);
	return 0;
dberr:
	snprintf(err, errlen, "state database: %s", store_error(st));
	cost_work_free(ws, n);
	return -1;
}

static int
cost_logs(const struct config_logs *cl, struct store *st,
    const struct cost_groups *g, time_t now, struct cost_logs *out,
    struct cost_report *r, char *err, size_t errlen)
{
	char		 key[STORE_NAME_MAX + 64], val[64];
	double		 cyc, total = -1, since = 0, q, window;
	long long	 npat = 0;
	int		 rc;

	memset(out, 0, sizeof *out);
	out->cl = cl;
	out->groups = g != NULL && g->ok ? g->n : -1;
	out->bytes_month = -1;
	out->recorded = -1;
	while (cl->log_groups != NULL && cl->log_groups[npat] != NULL)
		npat++;
	cyc = cost_cycles(COST_MONTH, cl->interval);
	q = out->groups > 0 ? (double)cost_ceil_div(out->groups,
	    COST_GROUPS_PER_QUERY) : out->groups == 0 ? 0 : 1;
	out->start = cyc * q;
	out->results = out->start * COST_POLLS_PER_QUERY;
	out->describe = (double)npat * (double)(out->groups > 0 ?
	    cost_ceil_div(out->groups, COST_DESCRIBE_PAGE) : 1) *
	    cost_idle_polls(COST_MONTH, cl->interval, COST_DISCOVERY_TTL);
	window = (double)(cl->interval + cl->overlap) / (double)cl->interval;
	if (st != NULL) {
		snprintf(key, sizeof key, "logs:%s:bytes_scanned", cl->name);
		if ((rc = store_meta_get(st, key, val, sizeof val)) == -1)
			goto dberr;
		if (rc == 1)
			out->recorded = total = strtod(val, NULL);
		snprintf(key, sizeof key, "logs:%s:bytes_since", cl->name);
		if ((rc = store_meta_get(st, key, val, sizeof val)) == -1)
			goto dberr;
		if (rc == 1)
			since = strtod(val, NULL);
	}
	if (total >= 0 && since > 0 && (double)now - since >= 3600) {
		out->bytes_month = total * COST_MONTH / ((double)now - since);
		out->estimate = "recorded bytesScanned";
	} else if (g != NULL && g->ok) {
		out->bytes_month = g->ingest * COST_MONTH * window;
		out->estimate = "storedBytes over retention or age";
		if (g->no_rate > 0)
			cost_note(r, "logs %s: %lld groups have no usable "
			    "creation time: not counted", cl->name, g->no_rate);
	} else {
		out->estimate = "unknown (no span recorded, no "
		    "DescribeLogGroups)";
		cost_note(r, "logs %s: bytes scanned unknown offline; each "
		    "cycle scans %.0f s of logs (interval + overlap) plus "
		    "lookback %.0f s once: about %.2f x the groups' ingest",
		    cl->name, (double)(cl->interval + cl->overlap),
		    (double)cl->lookback, window);
	}
	if (total >= 0 && out->bytes_month < 0)
		cost_note(r, "logs %s: %.0f bytes scanned recorded, over an "
		    "unrecorded span (not used)", cl->name, total);
	out->usd = cost_insights_usd(out->bytes_month);
	return 0;
dberr:
	snprintf(err, errlen, "state database: %s", store_error(st));
	return -1;
}

/* SNS sinks: the outbox history, else one message per source cycle. */
static int
cost_sns(const struct config *cfg, struct store *st, int64_t history,
    struct cost_report *r, char *err, size_t errlen)
{
	const struct config_sink	*s;
	const struct config_watch	*cw;
	const struct config_logs	*cl;
	int64_t				 counts[STORE_OUTBOX_NSTATUS];
	double				 rows = 0, bound = 0;
	size_t				 k;
	int				 nsns = 0, i;

	TAILQ_FOREACH(s, &cfg->sinks, entry) {
		if (s->type != CONFIG_SINK_SNS)
			continue;
		nsns++;
		if (st != NULL) {
			if (store_outbox_counts(st, s->name, counts) == -1) {
				snprintf(err, errlen, "state database: %s",
				    store_error(st));
				return -1;
			}
			for (i = 0; i < STORE_OUTBOX_NSTATUS; i++)
				rows += (double)counts[i];
		}
		TAILQ_FOREACH(cw, &cfg->watches, entry)
			for (k = 0; cw->sink_ptrs != NULL &&
			    cw->sink_ptrs[k] != NULL; k++)
				if (cw->sink_ptrs[k] == s)
					bound += cost_cycles(COST_MONTH,
					    cfg->interval);
		TAILQ_FOREACH(cl, &cfg->logs, entry)
			for (k = 0; cl->sink_ptrs != NULL &&
			    cl->sink_ptrs[k] != NULL; k++)
				if (cl->sink_ptrs[k] == s)
					bound += cost_cycles(COST_MONTH,
					    cl->interval);
	}
	if (nsns == 0) {
		r->sns_estimate = "no sns sink";
	} else if (st != NULL && (history > COST_OUTBOX_KEEP ?
	    COST_OUTBOX_KEEP : history) >= COST_DAY) {
		if (history > COST_OUTBOX_KEEP)
			history = COST_OUTBOX_KEEP;
		r->sns_publishes = rows * COST_MONTH / (double)history;
		r->sns_estimate = "outbox rows of sns sinks";
		cost_note(r, "SNS: %.0f outbox rows over %.1f days of history",
		    rows, (double)history / COST_DAY);
	} else {
		r->sns_publishes = bound;
		r->sns_estimate = "upper bound: one message per sink per "
		    "source cycle";
	}
	r->sns_usd = cost_sns_usd(r->sns_publishes);
	return 0;
}

int
cost_estimate(const struct config *cfg, struct store *st,
    const struct cost_discovery *disc, const struct cost_groups *groups,
    time_t now, struct cost_report *r, char *err, size_t errlen)
{
	const struct config_watch	*cw;
	const struct config_logs	*cl;
	int64_t				 history = 0;
	size_t				 i;

	memset(r, 0, sizeof *r);
	r->now = now;
	r->offline = disc == NULL;
	r->have_store = st != NULL;
	TAILQ_FOREACH(cw, &cfg->watches, entry)
		r->nwatches++;
	TAILQ_FOREACH(cl, &cfg->logs, entry)
		r->nlogs++;
	r->watches = xcalloc(r->nwatches + 1, sizeof *r->watches);
	r->logs = xcalloc(r->nlogs + 1, sizeof *r->logs);
	i = 0;
	TAILQ_FOREACH(cw, &cfg->watches, entry) {
		if (cost_watch(cfg, cw, st, disc != NULL ? &disc[i] : NULL,
		    now, &r->watches[i], r, err, errlen) == -1)
			return -1;
		if (r->watches[i].first_boot > 0 &&
		    (int64_t)now - r->watches[i].first_boot > history)
			history = (int64_t)now - r->watches[i].first_boot;
		r->gmd_usd += r->watches[i].usd;
		r->bootstrap += r->watches[i].bootstrap;
		r->api_requests += r->watches[i].list_requests;
		i++;
	}
	i = 0;
	TAILQ_FOREACH(cl, &cfg->logs, entry) {
		if (cost_logs(cl, st, groups != NULL ? &groups[i] : NULL, now,
		    &r->logs[i], r, err, errlen) == -1)
			return -1;
		r->insights_usd += r->logs[i].usd;
		r->api_requests += r->logs[i].describe + r->logs[i].start +
		    r->logs[i].results;
		i++;
	}
	if (cost_sns(cfg, st, history, r, err, errlen) == -1)
		return -1;
	r->api_usd = cost_api_usd(r->api_requests);
	r->total_usd = r->gmd_usd + r->insights_usd + r->sns_usd + r->api_usd;
	if (st == NULL && disc == NULL)
		cost_note(r, "offline without a state database: entity "
		    "counts unknown (0 above); scale the one-entity figures, "
		    "or run without --offline to list them");
	else if (st == NULL)
		cost_note(r, "no state database: no history, every entity "
		    "assumed active and new");
	cost_note(r, "prices of %s taken %s (%s); other regions differ",
	    COST_PRICES_REGION, COST_PRICES_DATE, COST_PRICES_SOURCE);
	cost_note(r, "GetMetricData has no free tier; the 1M free API "
	    "requests and 1M free SNS publishes are per account, shared "
	    "with everything else in it");
	cost_note(r, "SNS delivery (SMS, email, HTTP) is not counted; "
	    "GetQueryResults assumed %d polls per query", COST_POLLS_PER_QUERY);
	return 0;
}

void
cost_report_cleanup(struct cost_report *r)
{
	size_t	i;

	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->watches);
	free(r->logs);
	memset(r, 0, sizeof *r);
}

/* --- Output ------------------------------------------------------------ */

static const char *
cost_kind_name(const struct config_watch *cw)
{
	return config_watch_kind_name(cw->kind);
}

static const char *const cost_tier_names[3];

static int
cost_print_json(const struct cost_report *r, FILE *f)
{
	cJSON		*o, *a, *x, *p;
	char		*js, t[32], esc[1200];
	size_t		 i;
	int		 rc = 0;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "cost");
	cJSON_AddStringToObject(o, "at", util_format_rfc3339(r->now, t,
	    sizeof t));
	cJSON_AddStringToObject(o, "entities_from", r->offline ?
	    "state database" : r->discovery_failed ?
	    "state database (discovery failed)" : "ListMetrics");
	if (r->discovery_failed)
		cJSON_AddStringToObject(o, "discovery_error",
		    log_escape(r->discovery_error, strlen(r->discovery_error),
		    esc, sizeof esc));
	p = cJSON_AddObjectToObject(o, "prices");
	cJSON_AddStringToObject(p, "region", COST_PRICES_REGION);
	cJSON_AddStringToObject(p, "taken", COST_PRICES_DATE);
	cJSON_AddStringToObject(p, "source", COST_PRICES_SOURCE);
	cJSON_AddNumberToObject(p, "get_metric_data_per_1000",
	    COST_GMD_PER_1000);
	cJSON_AddNumberToObject(p, "insights_per_gb", COST_INSIGHTS_PER_GB);
	cJSON_AddNumberToObject(p, "sns_free", COST_SNS_FREE);
	cJSON_AddNumberToObject(p, "sns_per_million", COST_SNS_PER_MILLION);
	cJSON_AddNumberToObject(p, "api_free", COST_API_FREE);
	cJSON_AddNumberToObject(p, "api_per_1000", COST_API_PER_1000);
	cJSON_AddNumberToObject(o, "month_hours", COST_MONTH / 3600);
	a = cJSON_AddArrayToObject(o, "watches");
	for (i = 0; i < r->nwatches; i++) {
		const struct cost_watch *w = &r->watches[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "watch", w->cw->name);
		cJSON_AddStringToObject(x, "kind", cost_kind_name(w->cw));
		cJSON_AddNumberToObject(x, "entities", (double)w->entities);
		cJSON_AddNumberToObject(x, "active", (double)w->active);
		cJSON_AddNumberToObject(x, "idle", (double)w->idle);
		cJSON_AddNumberToObject(x, "assumed_active",
		    (double)w->assumed);
		cJSON_AddNumberToObject(x, "new", (double)w->fresh);
		cJSON_AddNumberToObject(x, "metrics_per_cycle",
		    w->metrics_per_cycle);
		cJSON_AddNumberToObject(x, "metrics_per_day",
		    w->metrics_per_day);
		cJSON_AddNumberToObject(x, "metrics_per_month",
		    w->metrics_per_month);
		cJSON_AddNumberToObject(x, "bootstrap_metrics", w->bootstrap);
		cJSON_AddNumberToObject(x, "per_active_entity_month",
		    w->per_active);
		cJSON_AddNumberToObject(x, "per_idle_entity_month",
		    w->per_idle);
		cJSON_AddNumberToObject(x, "list_metrics_per_month",
		    w->list_requests);
		cJSON_AddNumberToObject(x, "history_seconds", (double)w->span);
		cJSON_AddStringToObject(x, "pace_from", w->source);
		cJSON_AddNumberToObject(x, "usd_month", w->usd);
		cJSON_AddNumberToObject(x, "quiet", (double)w->quiet);
		cJSON_AddNumberToObject(x, "signals", w->signals);
		cJSON_AddNumberToObject(x, "native_standard_usd_month",
		    w->native_standard);
		cJSON_AddNumberToObject(x, "native_ratio_usd_month",
		    w->native_ratio);
		cJSON_AddNumberToObject(x, "native_anomaly_usd_month",
		    w->native_anomaly);
		{
			cJSON	*tiers, *ti;
			int	 tt;

			tiers = cJSON_AddArrayToObject(x, "tiers");
			for (tt = 0; tt < 3; tt++) {
				if (w->tier_n[tt] == 0)
					continue;
				ti = cJSON_CreateObject();
				cJSON_AddStringToObject(ti, "tier",
				    cost_tier_names[tt]);
				cJSON_AddNumberToObject(ti, "entities",
				    (double)w->tier_n[tt]);
				cJSON_AddNumberToObject(ti, "mean_gap_cycles",
				    (double)w->tier_gap[tt] /
				    (double)w->tier_n[tt]);
				cJSON_AddNumberToObject(ti,
				    "delay_added_mean_seconds",
				    ((double)w->tier_gap[tt] /
				    (double)w->tier_n[tt] - 1) *
				    (double)w->interval / 2);
				cJSON_AddNumberToObject(ti,
				    "delay_added_max_seconds",
				    (double)(w->tier_max[tt] - 1) *
				    (double)w->interval);
				cJSON_AddItemToArray(tiers, ti);
			}
		}
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "logs");
	for (i = 0; i < r->nlogs; i++) {
		const struct cost_logs *l = &r->logs[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "logs", l->cl->name);
		if (l->groups >= 0)
			cJSON_AddNumberToObject(x, "groups", (double)l->groups);
		else
			cJSON_AddNullToObject(x, "groups");
		if (l->bytes_month >= 0)
			cJSON_AddNumberToObject(x, "gb_month",
			    l->bytes_month / 1e9);
		else
			cJSON_AddNullToObject(x, "gb_month");
		if (l->recorded >= 0)
			cJSON_AddNumberToObject(x, "recorded_bytes_scanned",
			    l->recorded);
		cJSON_AddStringToObject(x, "estimate", l->estimate);
		cJSON_AddNumberToObject(x, "start_query_per_month", l->start);
		cJSON_AddNumberToObject(x, "get_query_results_per_month",
		    l->results);
		cJSON_AddNumberToObject(x, "describe_log_groups_per_month",
		    l->describe);
		cJSON_AddNumberToObject(x, "usd_month", l->usd);
		cJSON_AddItemToArray(a, x);
	}
	x = cJSON_AddObjectToObject(o, "sns");
	cJSON_AddNumberToObject(x, "publishes_month", r->sns_publishes);
	cJSON_AddStringToObject(x, "estimate", r->sns_estimate);
	cJSON_AddNumberToObject(x, "usd_month", r->sns_usd);
	x = cJSON_AddObjectToObject(o, "api_requests");
	cJSON_AddNumberToObject(x, "per_month", r->api_requests);
	cJSON_AddNumberToObject(x, "usd_month", r->api_usd);
	cJSON_AddNumberToObject(o, "bootstrap_metrics_once", r->bootstrap);
	cJSON_AddNumberToObject(o, "bootstrap_usd_once",
	    cost_gmd_usd(r->bootstrap));
	cJSON_AddNumberToObject(o, "total_usd_month", r->total_usd);
	a = cJSON_AddArrayToObject(o, "notes");
	for (i = 0; i < r->nnotes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->notes[i]));
	if ((js = cJSON_PrintUnformatted(o)) == NULL)
		fatal("cJSON: out of memory");
	if (fprintf(f, "%s\n", js) < 0)
		rc = -1;
	cJSON_free(js);
	cJSON_Delete(o);
	return rc;
}

static const char *const cost_tier_names[3] = { "busy", "quiet", "idle" };

/*
 * The detection delay polling adds per traffic tier: a period becomes
 * final lag after its end under every poll; a gap of g cycles adds up to
 * (g - 1) cycles, (g - 1) / 2 on average.
 */
static void
cost_print_tiers(FILE *f, const struct cost_watch *w)
{
	int64_t	iv = w->interval > 0 ? w->interval : 60;
	int	t;

	for (t = 0; t < 3; t++) {
		if (w->tier_n[t] == 0)
			continue;
		fprintf(f, "%-16s %s: %lld entities, polled every %.1f cycles "
		    "on average; delay added: %.0f s mean, %lld s worst\n",
		    "", cost_tier_names[t], w->tier_n[t],
		    (double)w->tier_gap[t] / (double)w->tier_n[t],
		    ((double)w->tier_gap[t] / (double)w->tier_n[t] - 1) *
		    (double)iv / 2, (long long)(w->tier_max[t] - 1) * iv);
	}
}

int
cost_report_print(const struct cost_report *r, int json, FILE *f)
{
	char	 t[32], esc[1200], gb[32];
	size_t	 i;

	if (json)
		return cost_print_json(r, f);
	fprintf(f, "Estimated monthly AWS cost at %s (month = %d h; %s prices "
	    "of %s)\n", util_format_rfc3339(r->now, t, sizeof t),
	    COST_MONTH / 3600, COST_PRICES_REGION, COST_PRICES_DATE);
	fprintf(f, "Entities from %s\n", r->offline ? "the state database "
	    "(--offline)" : r->discovery_failed ? "the state database "
	    "(ListMetrics failed)" : "ListMetrics");
	if (r->discovery_failed)
		fprintf(f, "Discovery failed: %s\n",
		    log_escape(r->discovery_error, strlen(r->discovery_error),
		    esc, sizeof esc));
	fprintf(f, "\n%-16s %-7s %8s %7s %6s %8s %14s %10s\n", "watch", "kind",
	    "entities", "active", "idle", "met/cyc", "metrics/month",
	    "USD/month");
	for (i = 0; i < r->nwatches; i++) {
		const struct cost_watch *w = &r->watches[i];

		fprintf(f, "%-16.16s %-7s %8lld %7lld %6lld %8.0f %14.0f "
		    "%10.2f\n", w->cw->name, cost_kind_name(w->cw),
		    w->entities, w->active, w->idle, w->metrics_per_cycle,
		    w->metrics_per_month, w->usd);
		fprintf(f, "%-16s pace: %s%s\n", "", w->source,
		    w->assumed > 0 && w->assumed < w->entities ?
		    " (new ones assumed active)" : "");
		fprintf(f, "%-16s one entity: %.0f metrics/month active "
		    "(USD %.4f), %.0f idle (USD %.4f)\n", "", w->per_active,
		    cost_gmd_usd(w->per_active), w->per_idle,
		    cost_gmd_usd(w->per_idle));
		fprintf(f, "%-16s native alarms for the same coverage "
		    "(%lld x %d): standard USD %.2f, error-ratio USD %.2f, "
		    "anomaly detection USD %.2f\n", "", w->entities,
		    w->signals, w->native_standard, w->native_ratio,
		    w->native_anomaly);
		cost_print_tiers(f, w);
	}
	fprintf(f, "bootstrap (one-off, new entities): %.0f metrics, "
	    "USD %.2f\n", r->bootstrap, cost_gmd_usd(r->bootstrap));
	if (r->nlogs > 0)
		fprintf(f, "\n%-16s %7s %10s %10s  %s\n", "logs", "groups",
		    "GB/month", "USD/month", "estimate");
	for (i = 0; i < r->nlogs; i++) {
		const struct cost_logs *l = &r->logs[i];

		if (l->bytes_month >= 0)
			snprintf(gb, sizeof gb, "%.3f", l->bytes_month / 1e9);
		else
			snprintf(gb, sizeof gb, "?");
		snprintf(t, sizeof t, "%lld", l->groups);
		fprintf(f, "%-16.16s %7s %10s %10.2f  %s\n", l->cl->name,
		    l->groups >= 0 ? t : "?", gb, l->usd, l->estimate);
	}
	fprintf(f, "\nSNS publishes/month: %.0f (%s), USD %.2f (first %.0fM "
	    "free; delivery not counted)\n", r->sns_publishes,
	    r->sns_estimate, r->sns_usd, COST_SNS_FREE / 1e6);
	fprintf(f, "API requests/month (ListMetrics, DescribeLogGroups, "
	    "StartQuery, GetQueryResults): %.0f, USD %.2f (first %.0fM "
	    "free)\n", r->api_requests, r->api_usd, COST_API_FREE / 1e6);
	fprintf(f, "GetMetricData USD %.2f + Logs Insights USD %.2f + SNS "
	    "USD %.2f + API USD %.2f\n", r->gmd_usd, r->insights_usd,
	    r->sns_usd, r->api_usd);
	fprintf(f, "Total: USD %.2f a month%s\n", r->total_usd,
	    r->nlogs > 0 && r->insights_usd == 0 ? " (Logs Insights unknown "
	    "or nil)" : "");
	fprintf(f, "\nNotes:\n");
	for (i = 0; i < r->nnotes; i++)
		fprintf(f, "- %s\n", r->notes[i]);
	return ferror(f) ? -1 : 0;
}

/* --- Discovery over AWS ------------------------------------------------ */

struct cost_online {
	const struct config	*cfg;
	struct aws		*aws;
	struct cost_discovery	*disc;
	struct cost_groups	*groups;
	time_t			 now;
	int			 pending;
	char			 error[512];
};

struct cost_listreq {
	struct cost_online		*o;
	const struct config_watch	*cw;
	size_t				 idx;
	const struct metricdefs_listing	*l;
};

struct cost_descreq {
	struct cost_online		*o;
	const struct config_logs	*cl;
	size_t				 idx;
	size_t				 pattern;
	int				 pages;
	char				**names;
	double				*rates;
	size_t				 n;
};

static void
cost_fail(struct cost_online *o, const char *what, const char *why)
{
	if (o->error[0] == '\0')
		snprintf(o->error, sizeof o->error, "%s: %.400s", what,
		    why != NULL ? why : "failed");
}

static void
cost_list_cb(const struct cw_metric_list *list, const char *error, void *arg)
{
	struct cost_listreq	*lr = arg;
	struct cost_discovery	*d = &lr->o->disc[lr->idx];
	const struct cw_metric	*m;
	const char		*v[2];
	char			 name[1024];
	size_t			 i;
	int			 k;

	lr->o->pending--;
	if (list == NULL) {
		d->ok = -1;
		cost_fail(lr->o, "ListMetrics", error);
		free(lr);
		return;
	}
	for (i = 0; i < list->n && d->n < COST_MAX_ENTITIES; i++) {
		m = &list->metrics[i];
		if (m->ndims != lr->l->ndims)
			continue;
		for (k = 0; k < lr->l->ndims; k++)
			if ((v[k] = cw_metric_dim(m, lr->l->dims[k])) == NULL ||
			    *v[k] == '\0')
				break;
		if (k < lr->l->ndims)
			continue;
		if (lr->l->ndims == 2)
			snprintf(name, sizeof name, "%s/%s", v[0], v[1]);
		else
			util_strlcpy(name, v[0], sizeof name);
		if (!watch_wants(lr->cw, name))
			continue;
		d->ents = xreallocarray(d->ents, d->n + 1, sizeof *d->ents);
		d->ents[d->n].name = xstrdup(name);
		d->ents[d->n].variant = lr->l->variant;
		d->ents[d->n].dens = lr->l->denbit;
		d->n++;
	}
	free(lr);
}

static int
cost_ent_cmp(const void *a, const void *b)
{
	const struct cost_entity *x = a, *y = b;
	int	c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->variant - y->variant;
}

/* Sorts and merges the listings of one watch (dens OR-ed). */
static void
cost_discovery_finish(struct cost_discovery *d)
{
	size_t	i, j;

	if (d->ok == -1) {
		d->ok = 0;
		return;
	}
	qsort(d->ents, d->n, sizeof *d->ents, cost_ent_cmp);
	for (i = 0, j = 0; i < d->n; i++) {
		if (j > 0 && cost_ent_cmp(&d->ents[j - 1], &d->ents[i]) == 0) {
			d->ents[j - 1].dens |= d->ents[i].dens;
			free(d->ents[i].name);
		} else
			d->ents[j++] = d->ents[i];
	}
	d->n = j;
	d->ok = 1;
}

static void	cost_describe(struct cost_descreq *, const char *token);

static int
cost_group_wanted(const struct config_logs *cl, const char *name)
{
	char	**p, prefix[2];

	for (p = cl->log_groups; p != NULL && *p != NULL; p++)
		if (logsrc_glob_prefix(*p, prefix, sizeof prefix) ?
		    util_glob_match(*p, name) : strcmp(*p, name) == 0)
			return 1;
	return 0;
}

static void
cost_describe_end(struct cost_descreq *dr, int ok)
{
	struct cost_groups	*g = &dr->o->groups[dr->idx];
	size_t			 i, j;

	dr->o->pending--;
	if (ok) {
		/* a group matched by two patterns counts once */
		for (i = 0; i < dr->n; i++) {
			for (j = 0; j < i; j++)
				if (strcmp(dr->names[i], dr->names[j]) == 0)
					break;
			if (j < i)
				continue;
			g->n++;
			if (dr->rates[i] < 0)
				g->no_rate++;
			else
				g->ingest += dr->rates[i];
		}
		g->ok = 1;
	}
	for (i = 0; i < dr->n; i++)
		free(dr->names[i]);
	free(dr->names);
	free(dr->rates);
	free(dr);
}

static void
cost_describe_cb(const struct aws_result *res, void *arg)
{
	struct cost_descreq	*dr = arg;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	cJSON			*doc = NULL;
	const cJSON		*g, *name, *sb, *ct, *rd, *tok;
	double			 age, keep;
	char			 e[600];

	if (!res->ok) {
		cost_fail(dr->o, "DescribeLogGroups",
		    aws_error_format(&res->error, e, sizeof e));
		cost_describe_end(dr, 0);
		return;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = res->http_status;
	reply.body = res->body;
	reply.len = res->len;
	if (aws_json_reply(&reply, "logs", &doc, &ae) == -1) {
		cost_fail(dr->o, "DescribeLogGroups",
		    aws_error_format(&ae, e, sizeof e));
		cost_describe_end(dr, 0);
		return;
	}
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc,
	    "logGroups")) {
		name = cJSON_GetObjectItemCaseSensitive(g, "logGroupName");
		if (!cJSON_IsString(name) || !cost_group_wanted(dr->cl,
		    name->valuestring) || dr->n >= COST_MAX_ENTITIES)
			continue;
		sb = cJSON_GetObjectItemCaseSensitive(g, "storedBytes");
		ct = cJSON_GetObjectItemCaseSensitive(g, "creationTime");
		rd = cJSON_GetObjectItemCaseSensitive(g, "retentionInDays");
		dr->names = xreallocarray(dr->names, dr->n + 1,
		    sizeof *dr->names);
		dr->rates = xreallocarray(dr->rates, dr->n + 1,
		    sizeof *dr->rates);
		dr->names[dr->n] = xstrdup(name->valuestring);
		age = cJSON_IsNumber(ct) ? (double)dr->o->now -
		    ct->valuedouble / 1000.0 : -1;
		keep = cJSON_IsNumber(rd) && rd->valuedouble > 0 ?
		    rd->valuedouble * COST_DAY : age;
		if (age > 0 && keep > age)
			keep = age;
		dr->rates[dr->n++] = cJSON_IsNumber(sb) && keep > 0 ?
		    sb->valuedouble / keep : -1;
	}
	tok = cJSON_GetObjectItemCaseSensitive(doc, "nextToken");
	if (cJSON_IsString(tok) && tok->valuestring[0] != '\0' &&
	    dr->pages < COST_MAX_PAGES)
		cost_describe(dr, tok->valuestring);
	else {
		dr->pattern++;
		dr->pages = 0;
		if (dr->cl->log_groups[dr->pattern] != NULL)
			cost_describe(dr, NULL);
		else
			cost_describe_end(dr, 1);
	}
	cJSON_Delete(doc);
}

static void
cost_describe(struct cost_descreq *dr, const char *token)
{
	cJSON	*req;
	char	 prefix[600], err[300], *body;

	logsrc_glob_prefix(dr->cl->log_groups[dr->pattern], prefix,
	    sizeof prefix);
	req = cJSON_CreateObject();
	if (prefix[0] != '\0')
		cJSON_AddStringToObject(req, "logGroupNamePrefix", prefix);
	cJSON_AddNumberToObject(req, "limit", COST_DESCRIBE_PAGE);
	if (token != NULL)
		cJSON_AddStringToObject(req, "nextToken", token);
	if ((body = cJSON_PrintUnformatted(req)) == NULL)
		fatal("cJSON: out of memory");
	cJSON_Delete(req);
	dr->pages++;
	if (aws_call_json(dr->o->aws, AWS_SVC_LOGS, "DescribeLogGroups", body,
	    cost_describe_cb, dr, err, sizeof err) == -1) {
		cost_fail(dr->o, "DescribeLogGroups", err);
		cost_describe_end(dr, 0);
	}
	free(body);
}

static int
cost_online_done(void *arg)
{
	return ((struct cost_online *)arg)->pending == 0;
}

/*
 * ListMetrics for every watch and DescribeLogGroups for every logs source;
 * fills disc and groups. 0, or -1 with err (what failed; what succeeded
 * is still filled in).
 */
int
cost_discover(const struct config *cfg, time_t now,
    struct cost_discovery *disc, struct cost_groups *groups, char *err,
    size_t errlen)
{
	struct cost_online		 o;
	struct awsstack			 stack;
	const struct config_watch	*cw;
	const struct config_logs	*cl;
	const struct metricdefs_listing	*ls[METRICDEFS_MAX_LISTINGS];
	struct cost_listreq		*lr;
	struct cost_descreq		*dr;
	struct cw_dim			 f[2];
	size_t				 i;
	int				 n, j, k, rc = -1;

	memset(&o, 0, sizeof o);
	o.cfg = cfg;
	o.disc = disc;
	o.groups = groups;
	o.now = now;
	if (awsstack_open(&stack, cfg, 0, o.error, sizeof o.error) == -1)
		goto done;
	o.aws = stack.aws;
	i = 0;
	TAILQ_FOREACH(cw, &cfg->watches, entry) {
		n = metricdefs_listings(cw->kind, cw->signals, ls);
		for (j = 0; j < n; j++) {
			for (k = 0; k < ls[j]->ndims; k++) {
				f[k].name = (char *)ls[j]->dims[k];
				f[k].value = NULL;
			}
			lr = xcalloc(1, sizeof *lr);
			lr->o = &o;
			lr->cw = cw;
			lr->idx = i;
			lr->l = ls[j];
			o.pending++;
			if (cloudwatch_list_metrics(o.aws, ls[j]->ns,
			    ls[j]->metric, f, ls[j]->ndims, cost_list_cb, lr,
			    err, errlen) == -1) {
				o.pending--;
				free(lr);
				disc[i].ok = -1;
				cost_fail(&o, "ListMetrics", err);
			}
		}
		i++;
	}
	i = 0;
	TAILQ_FOREACH(cl, &cfg->logs, entry) {
		if (cl->log_groups != NULL && cl->log_groups[0] != NULL) {
			dr = xcalloc(1, sizeof *dr);
			dr->o = &o;
			dr->cl = cl;
			dr->idx = i;
			o.pending++;
			cost_describe(dr, NULL);
		} else
			groups[i].ok = 1;
		i++;
	}
	if (o.pending > 0 &&
	    loop_run_until(cost_online_done, &o, COST_TIMEOUT) == -1)
		cost_fail(&o, "AWS", "no answer in time");
	i = 0;
	TAILQ_FOREACH(cw, &cfg->watches, entry) {
		if (cw->kind != CONFIG_WATCH_METRIC && o.pending == 0)
			cost_discovery_finish(&disc[i]);
		i++;
	}
	rc = o.error[0] == '\0' ? 0 : -1;
done:
	if (o.error[0] != '\0')
		snprintf(err, errlen, "%s", o.error);
	/* cancels what is still in flight (their callbacks see errors) */
	awsstack_close(&stack);
	return rc;
}

void
cost_free_discovery(struct cost_discovery *d, size_t n)
{
	size_t	i, k;

	for (i = 0; d != NULL && i < n; i++) {
		for (k = 0; k < d[i].n; k++)
			free(d[i].ents[k].name);
		free(d[i].ents);
	}
	free(d);
}
