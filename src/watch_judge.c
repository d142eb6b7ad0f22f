/*
 * The synchronous part of a watch cycle, inside one store transaction:
 * datapoints upserted (late data converges, rollups follow), new
 * entities' baselines bootstrapped from the hourly history, every final
 * period newer than the alert state judged in time order, the state
 * persisted, the notifications enqueued; then commit (or, dry run,
 * rollback).
 *
 * No lookahead: a period is judged with the periods before it (the
 * detector's window) and the hourly rollups of the hours before its own.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "config.h"
#include "log.h"
#include "cadence.h"
#include "store.h"
#include "util.h"
#include "watch.h"
#include "watch_int.h"
#include "xmalloc.h"

/* The counts of one series over the fine window, one slot per period. */
struct judge_buf {
	size_t		 count;
	double		*n, *e;
	char		*hn, *he;
};

/*
 * What the store already holds of the fine window: a cycle fetches the
 * last reread + window periods again, and rewriting the unchanged ones
 * was most of a steady cycle's work.
 */
struct judge_stored {
	int64_t		 start, step;
	size_t		 count;
	int64_t		*req, *err;
	char		*has;
};

static int
judge_stored_cb(void *arg, const struct store_datapoint *d)
{
	struct judge_stored	*js = arg;
	int64_t			 off = d->period_start - js->start;

	if (off < 0 || off % js->step != 0 || (size_t)(off / js->step) >=
	    js->count)
		return 0;
	js->req[off / js->step] = d->requests;
	js->err[off / js->step] = d->errors;
	js->has[off / js->step] = 1;
	return 0;
}

static int64_t
judge_floor(int64_t t, int64_t p)
{
	int64_t	q = t / p;

	if (t < 0 && q * p != t)
		q--;
	return q * p;
}

static int
judge_dberr(struct watch *w, char *err, size_t errlen)
{
	snprintf(err, errlen, "state database: %s", store_error(w->store));
	return -1;
}

/* The counts of query q (slots of the data's window) into v and has. */
static void
judge_fill(const struct watch_data *d, long q, size_t count, double *v,
    char *has)
{
	size_t	i;
	int64_t	c;

	if (q < 0 || (size_t)q >= d->n || d->rows == NULL)
		return;
	for (i = 0; i < count && i < d->count; i++)
		if (watch_row_get(&d->rows[q], i, &c)) {
			v[i] = (double)c;
			has[i] = 1;
		}
}

/*
 * The requests of each slot from the two metrics (metricdefs_den): an
 * error counted outside the request metric (a throttle, an ELB 503 with
 * no target) is a request too, also in a period with no request metric.
 */
static void
judge_requests(enum metricdefs_den mode, struct judge_buf *b)
{
	size_t	i;

	if (mode == METRICDEFS_DEN)
		return;
	for (i = 0; i < b->count; i++) {
		if (!b->he[i])
			continue;
		if (!b->hn[i])
			b->n[i] = 0;
		if (mode == METRICDEFS_DEN_PLUS_NUM)
			b->n[i] += b->e[i];
		else if (b->e[i] > b->n[i])
			b->n[i] = b->e[i];
		b->hn[i] = 1;
	}
}

/*
 * The request (denominator) and error (numerator) counts of s over the
 * first count slots of d, as queried by q[]; judge_buf_free() frees them.
 */
static void
judge_buf_load(struct judge_buf *b, const struct watch_data *d,
    const int32_t *q, const struct watch_series *s, size_t count)
{
	b->count = count;
	b->n = xcalloc(count, sizeof *b->n);
	b->e = xcalloc(count, sizeof *b->e);
	b->hn = xcalloc(count, 1);
	b->he = xcalloc(count, 1);
	judge_fill(d, q[s->iden], count, b->n, b->hn);
	judge_fill(d, q[s->inum], count, b->e, b->he);
	judge_requests(s->def->denmode, b);
}

static void
judge_buf_free(struct judge_buf *b)
{
	free(b->n);
	free(b->e);
	free(b->hn);
	free(b->he);
}

/* The points of query q of a metric watch, or NULL. */
static const struct cw_series *
judge_series(const struct watch_data *d, long q)
{
	if (q < 0 || (size_t)q >= d->n || d->series == NULL)
		return NULL;
	return &d->series[q];
}

/* The fields every spike alert of s at period p starts with. */
static void
judge_alert_start(struct watch *w, struct watch_entity *e,
    struct watch_series *s, enum detector_transition tr, int64_t p,
    struct alert *a)
{
	alert_init(a, ALERT_SPIKE);
	a->status = tr == DETECTOR_TR_RESOLVED ? ALERT_RESOLVED : ALERT_FIRING;
	a->repeat = tr == DETECTOR_TR_REPEAT;
	a->at = (time_t)(p + w->cw->period);
	util_strlcpy(a->watch, w->cw->name, sizeof a->watch);
	util_strlcpy(a->entity, e->name, sizeof a->entity);
	util_strlcpy(a->signal, s->def->signal, sizeof a->signal);
	a->value = s->last_value;
	a->baseline = s->last_baseline;
}

/*
 * Adds the watch's labels, runbook and console link to a, and a to the
 * report and batch (either may be NULL); rule names the metric rule in
 * the log line (NULL: a count alert).
 */
static void
judge_alert_send(struct watch *w, struct watch_entity *e,
    struct watch_series *s, enum detector_transition tr, struct alert *a,
    struct alert_batch *batch, const char *rule)
{
	alert_links_watch(a, w->cw, w->region);
	if (w->report != NULL)
		alert_batch_add(w->report, a, w->cw->sink_ptrs);
	if (batch != NULL)
		alert_batch_add(batch, a, w->cw->sink_ptrs);
	log_info("watch %s: %s %s %s at %lld%s%s%s", w->cw->name, e->name,
	    s->def->signal, tr == DETECTOR_TR_RESOLVED ? "resolved" :
	    tr == DETECTOR_TR_REPEAT ? "still firing" : "firing",
	    (long long)a->at, rule != NULL ? " (" : "",
	    rule != NULL ? rule : "", rule != NULL ? ")" : "");
}

static void
judge_alert(struct watch *w, struct watch_entity *e, struct watch_series *s,
    enum detector_transition tr, int64_t p, const struct detector_judgement *j,
    double score, struct alert_batch *batch)
{
	struct alert	a;

	judge_alert_start(w, e, s, tr, p, &a);
	if (j != NULL && j->verdict != DETECTOR_NOT_JUDGED) {
		a.value = j->rate;
		a.baseline = j->p0;
		a.p_value = j->pvalue;
		a.errors = llround(j->e);
		a.requests = llround(j->n);
		util_strlcpy(a.trigger, detector_test_str(j->test),
		    sizeof a.trigger);
		a.span_start = (time_t)j->since;
		a.span_periods = j->test != DETECTOR_TEST_NONE ? j->span : 0;
		a.llr = j->llr;
	}
	a.score = score;
	judge_alert_send(w, e, s, tr, &a, batch, NULL);
}

/*
 * A new entity: the hourly history of [bstart, bend) becomes rollups.
 * An hour whose errors are anomalous against the rest of the history is
 * kept in the rollup's anomalous part, out of the baseline.
 */
static int
judge_bootstrap(struct watch *w, struct watch_entity *e,
    struct watch_series *s, char *err, size_t errlen)
{
	struct judge_buf		 b;
	struct store_rollup		 r;
	struct detector_baseline	 bl;
	struct detector_judgement	 j;
	double				 N = 0, E = 0;
	size_t				 i;
	int				 rc = -1;

	memset(&b, 0, sizeof b);
	if (w->bend <= w->bstart)
		return 0;
	judge_buf_load(&b, &w->dboot, e->qboot, s,
	    (size_t)((w->bend - w->bstart) / 3600));
	for (i = 0; i < b.count; i++) {
		if (!b.hn[i])
			continue;
		b.n[i] = llround(b.n[i]);
		b.e[i] = b.he[i] ? llround(b.e[i]) : 0;
		if (b.e[i] > b.n[i])
			b.e[i] = b.n[i];
		N += b.n[i];
		E += b.e[i];
	}
	for (i = 0; i < b.count; i++) {
		if (!b.hn[i])
			continue;
		memset(&r, 0, sizeof r);
		r.hour = w->bstart + (int64_t)i * 3600;
		r.requests = (int64_t)b.n[i];
		r.errors = (int64_t)b.e[i];
		bl.requests = N - b.n[i];
		bl.errors = E - b.e[i];
		bl.learning = 0;
		detector_judge(&w->dp, b.n[i], b.e[i], &bl, &j);
		if (j.excess) {
			r.anomalous_requests = r.requests;
			r.anomalous_errors = r.errors;
		}
		if (store_rollup_add(w->store, w->cw->name, e->name,
		    s->def->signal, &r) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
		if (b.n[i] > 0 && r.hour + 3600 - w->cw->period > e->traffic)
			e->traffic = r.hour + 3600 - w->cw->period;
	}
	rc = 0;
done:
	judge_buf_free(&b);
	return rc;
}

/* Is period p to be judged for s (newer than the state, final)? */
static int
judge_due(const struct watch *w, const struct watch_series *s, int64_t p)
{
	if (s->found && s->st.last_period != INT64_MIN)
		return p > s->st.last_period;
	if (s->st.last_period != INT64_MIN && p <= s->st.last_period)
		return 0;
	return p >= w->judge_from;
}

/*
 * The overdispersion of the series' counts (detector_params.dispersion,
 * the sequential test's phi): Pearson's statistic of the trailing hourly rollups against the trailing
 * rate, per hour, over the hours expecting at least 5 errors (fewer make
 * the statistic noisy; at low traffic the binomial noise dominates
 * anyway). 1 with fewer than 6 such hours. Hour-to-hour drift counts in it
 * too, as it should: the test sums periods over tens of minutes.
 */
static int
judge_dispersion(struct watch *w, struct watch_entity *e,
    struct watch_series *s, int64_t hour, const struct detector_baseline *bl,
    double *phi)
{
	double	sum;
	int64_t	hours;

	*phi = 1;
	if (bl->learning)
		return 0;
	if (store_rollup_dispersion(w->store, w->cw->name, e->name,
	    s->def->signal, hour - w->cw->baseline, hour, detector_p0(&w->dp,
	    bl), WATCH_DISP_MIN_EXPECTED, &sum, &hours) == -1)
		return -1;
	if (hours >= WATCH_DISP_MIN_HOURS && sum / (double)hours > 1)
		*phi = sum / (double)hours;
	return 0;
}

/*
 * The time-of-day baseline of hour: the same hour and the ones beside it
 * on the previous days of the baseline window, shrunk towards the
 * trailing baseline *bl (detector_baseline_tod), which it replaces.
 */
static int
judge_tod(struct watch *w, struct watch_entity *e, struct watch_series *s,
    int64_t hour, struct detector_baseline *bl)
{
	struct store_window		win;
	struct detector_baseline	tod;

	if (w->cw->baseline < 2 * 86400)
		return 0;
	if (store_rollup_tod(w->store, w->cw->name, e->name, s->def->signal,
	    hour - w->cw->baseline, hour - 86400 + WATCH_TOD_BAND - 3600,
	    hour - 3600, WATCH_TOD_BAND, &win) == -1)
		return -1;
	tod.requests = (double)win.requests;
	tod.errors = (double)win.errors;
	tod.learning = bl->learning;
	*bl = detector_baseline_tod(&w->dp, bl, &tod, WATCH_TOD_WEIGHT);
	return 0;
}

static int
judge_count(struct watch *w, struct watch_entity *e, struct watch_series *s,
    struct alert_batch *batch, char *err, size_t errlen)
{
	const struct config_watch	*cw = w->cw;
	struct judge_buf		 b;
	struct judge_stored		 js;
	struct store_datapoint		 dp;
	struct store_window		 win;
	struct store_rollup		 r;
	struct detector_baseline	 bl;
	struct detector_judgement	 j;
	struct detector_params		 sdp;
	struct detector_seq		 q0;
	enum detector_verdict		 v;
	enum detector_transition	 tr;
	double				 ns[64], es[64], phi = 1;
	int64_t				 P = cw->period, p, hour, cached = -1;
	size_t				 i, k, k0, span;
	int				 rc = -1, excess;

	memset(&b, 0, sizeof b);
	memset(&js, 0, sizeof js);
	memset(&bl, 0, sizeof bl);
	judge_buf_load(&b, &w->dfine, e->qfine, s,
	    (size_t)((w->fend - w->fstart) / P));
	if (!w->backtest && b.count > 0) {
		js.start = w->fstart;
		js.step = P;
		js.count = b.count;
		js.req = xcalloc(b.count, sizeof *js.req);
		js.err = xcalloc(b.count, sizeof *js.err);
		js.has = xcalloc(b.count, 1);
		if (store_datapoint_range(w->store, cw->name, e->name,
		    s->def->signal, w->fstart, w->fend, P, judge_stored_cb,
		    &js) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	for (i = 0; i < b.count; i++) {
		p = w->fstart + (int64_t)i * P;
		b.n[i] = llround(b.n[i]);
		b.e[i] = llround(b.e[i]);
		/* a missing error datapoint is 0 only beside requests */
		if (!b.he[i] && b.hn[i])
			b.e[i] = 0;
		if (b.hn[i] && b.n[i] > 0 && p > e->traffic)
			e->traffic = p;
		if (w->backtest || (!b.hn[i] && !b.he[i]))
			continue;
		memset(&dp, 0, sizeof dp);
		dp.period_start = p;
		dp.period_seconds = P;
		dp.requests = b.hn[i] ? (int64_t)b.n[i] : -1;
		dp.errors = b.he[i] || b.hn[i] ? (int64_t)b.e[i] : -1;
		dp.value = NAN;
		if (js.has[i] && js.req[i] == dp.requests &&
		    js.err[i] == dp.errors)
			continue;	/* stored already, unchanged */
		if (store_datapoint_put(w->store, cw->name, e->name,
		    s->def->signal, &dp) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	span = (size_t)w->dp.max_span;
	if (span > sizeof ns / sizeof ns[0])
		span = sizeof ns / sizeof ns[0];
	for (i = 0; i < b.count; i++) {
		p = w->fstart + (int64_t)i * P;
		hour = judge_floor(p, 3600);
		excess = 0;
		if (!judge_due(w, s, p))
			goto rollup;
		if (hour != cached) {
			if (store_rollup_window(w->store, cw->name, e->name,
			    s->def->signal, hour - cw->baseline, hour,
			    &win) == -1) {
				judge_dberr(w, err, errlen);
				goto done;
			}
			bl.requests = (double)win.requests;
			bl.errors = (double)win.errors;
			bl.learning = win.hours < WATCH_LEARNING_HOURS;
			cached = hour;
			if (judge_dispersion(w, e, s, hour, &bl, &phi) == -1) {
				judge_dberr(w, err, errlen);
				goto done;
			}
			if (cw->time_of_day && judge_tod(w, e, s, hour,
			    &bl) == -1) {
				judge_dberr(w, err, errlen);
				goto done;
			}
		}
		memset(&j, 0, sizeof j);
		j.rate = NAN;
		if (!b.hn[i] || b.n[i] <= 0) {
			/* no requests: not judged */
			v = DETECTOR_NOT_JUDGED;
			j.verdict = v;
		} else {
			k0 = i + 1 > span ? i + 1 - span : 0;
			for (k = k0; k <= i; k++) {
				ns[k - k0] = b.hn[k] ? b.n[k] : 0;
				es[k - k0] = b.hn[k] ? b.e[k] : 0;
			}
			sdp = w->dp;
			sdp.dispersion = phi;
			v = detector_judge_window(&sdp, ns, es, i - k0 + 1,
			    &bl, &j);
			j.since = p - (int64_t)(j.span - 1) * P;
			/*
			 * The sequential test: evidence over the periods
			 * the window test did not act on (a spike the window
			 * caught does not also hold the CUSUM up after it).
			 */
			if (!j.excess) {
				q0 = s->seq;
				detector_seq_update(&w->dp, &s->seq, p,
				    b.n[i], b.e[i], &bl, phi);
				if (q0.llr != s->seq.llr ||
				    q0.periods != s->seq.periods ||
				    q0.alarm != s->seq.alarm)
					s->seq_changed = 1;
			}
			v = detector_judge_seq(&w->dp, &s->seq, &j);
			w->stats.judged++;
			excess = j.excess;
		}
		s->rising = cadence_rising(w->dp.min_errors, w->dp.min_ratio,
		    w->dp.alpha, j.n, j.e, j.p0);
		if (excess && !w->backtest && store_datapoint_mark(w->store,
		    cw->name, e->name, s->def->signal, p, P, 1) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
		tr = detector_step(&w->dp, &s->st, p, v,
		    v == DETECTOR_ANOMALOUS && j.confirmed ?
		    DETECTOR_CONFIRMED : 0);
		s->changed = 1;
		if (v != DETECTOR_NOT_JUDGED) {
			s->last_value = j.rate;
			s->last_baseline = j.p0;
			s->last_test = j.test;
			s->last_span = j.span;
		}
		if (tr == DETECTOR_TR_FIRING || tr == DETECTOR_TR_REPEAT ||
		    tr == DETECTOR_TR_RESOLVED)
			judge_alert(w, e, s, tr, p, &j, NAN, batch);
rollup:
		if (!w->backtest || !b.hn[i])
			continue;
		/* backtest: rollups grow period by period, after judging */
		memset(&r, 0, sizeof r);
		r.hour = hour;
		r.requests = (int64_t)b.n[i];
		r.errors = (int64_t)b.e[i];
		if (excess) {
			r.anomalous_requests = r.requests;
			r.anomalous_errors = r.errors;
		}
		if (store_rollup_add(w->store, cw->name, e->name,
		    s->def->signal, &r) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	rc = 0;
done:
	judge_buf_free(&b);
	free(js.req);
	free(js.err);
	free(js.has);
	return rc;
}

struct judge_points {
	size_t		 n, cap;
	int64_t		*t;
	double		*v;
};

static int
judge_point_cb(void *arg, const struct store_datapoint *d)
{
	struct judge_points	*jp = arg;

	if (!isfinite(d->value))
		return 0;
	if (jp->n == jp->cap) {
		jp->cap = jp->cap ? jp->cap * 2 : 1024;
		jp->t = xreallocarray(jp->t, jp->cap, sizeof *jp->t);
		jp->v = xreallocarray(jp->v, jp->cap, sizeof *jp->v);
	}
	jp->t[jp->n] = d->period_start;
	jp->v[jp->n++] = d->value;
	return 0;
}

/*
 * The alert state of a metric watch. A rule's start (the robust
 * detector's alert, or a static or absence condition) opens an event:
 * pending, firing after `for` anomalous periods in a row (the start
 * included), resolved after resolve_after normal periods in a row,
 * repeated every `repeat` while firing. Anomalous periods that do not
 * start an event (a robust score still beyond its threshold after the
 * detector's one alert for the run) keep a firing event open but open
 * none. Periods not judged change nothing.
 */
static enum detector_transition
judge_metric_step(const struct watch *w, struct detector_alert *a, int64_t t,
    int judged, int anomalous, int start)
{
	const struct detector_params	*dp = &w->dp;

	if (t <= a->last_period)
		return DETECTOR_TR_NONE;
	a->last_period = t;
	if (!judged)
		return DETECTOR_TR_NONE;
	if (anomalous) {
		a->normal_run = 0;
		if (a->state == DETECTOR_ST_OK ||
		    a->state == DETECTOR_ST_RESOLVED) {
			if (!start)
				return DETECTOR_TR_NONE;
			a->state = DETECTOR_ST_PENDING;
			a->since = t;
			a->anomalous_run = 0;
		}
		a->anomalous_run++;
		if (a->state == DETECTOR_ST_PENDING) {
			if (a->anomalous_run < dp->for_periods)
				return a->anomalous_run == 1 ?
				    DETECTOR_TR_PENDING : DETECTOR_TR_NONE;
			a->state = DETECTOR_ST_FIRING;
			a->since = a->last_notified = t;
			return DETECTOR_TR_FIRING;
		}
	} else {
		a->anomalous_run = 0;
		a->normal_run++;
		if (a->state == DETECTOR_ST_PENDING) {
			a->state = DETECTOR_ST_OK;
			a->since = t;
			return DETECTOR_TR_NONE;
		}
		if (a->state == DETECTOR_ST_FIRING &&
		    a->normal_run >= dp->resolve_after) {
			a->state = DETECTOR_ST_RESOLVED;
			a->since = t;
			return DETECTOR_TR_RESOLVED;
		}
	}
	if (a->state == DETECTOR_ST_FIRING && dp->repeat > 0 &&
	    t - a->last_notified >= dp->repeat) {
		a->last_notified = t;
		return DETECTOR_TR_REPEAT;
	}
	return DETECTOR_TR_NONE;
}

/* What one metric period was compared with, for its alert. */
struct judge_why {
	double		 value, baseline, score, lo, hi;
	const char	*rule;
};

static void
judge_metric_alert(struct watch *w, struct watch_entity *e,
    struct watch_series *s, enum detector_transition tr, int64_t p,
    const struct judge_why *y, struct alert_batch *batch)
{
	struct alert	a;

	judge_alert_start(w, e, s, tr, p, &a);
	a.value = y->value;
	a.baseline = y->baseline;
	a.score = y->score;
	a.band_lo = y->lo;
	a.band_hi = y->hi;
	util_strlcpy(a.rule, y->rule, sizeof a.rule);
	s->why_rule = y->rule;
	s->why_lo = y->lo;
	s->why_hi = y->hi;
	s->why_dirty = 1;
	judge_alert_send(w, e, s, tr, &a, batch, y->rule);
}

/* detector = static: the value against above and below, period by period. */
static void
judge_static(struct watch *w, struct watch_entity *e, struct watch_series *s,
    int64_t p, double v, struct alert_batch *batch)
{
	const struct config_watch	*cw = w->cw;
	enum detector_transition	 tr;
	struct judge_why		 y;
	int				 bad;

	if (!judge_due(w, s, p))
		return;
	bad = (!isnan(cw->above) && v > cw->above) ||
	    (!isnan(cw->below) && v < cw->below);
	w->stats.judged++;
	tr = judge_metric_step(w, &s->st, p, 1, bad, bad);
	s->changed = 1;
	s->last_value = v;
	s->last_baseline = !isnan(cw->above) ? cw->above : cw->below;
	if (tr != DETECTOR_TR_FIRING && tr != DETECTOR_TR_REPEAT &&
	    tr != DETECTOR_TR_RESOLVED)
		return;
	y.value = v;
	y.baseline = s->last_baseline;
	y.score = NAN;
	y.lo = cw->below;
	y.hi = cw->above;
	y.rule = "static";
	judge_metric_alert(w, e, s, tr, p, &y, batch);
}

/*
 * detector = absence: every period of the fine window is judged, with a
 * datapoint or not. A series that has had a datapoint (in the stored
 * history of the baseline window or since) is anomalous once its newest
 * datapoint is missing_after old, normal at its next datapoint; a series
 * never seen is not judged.
 */
static void
judge_absence(struct watch *w, struct watch_entity *e, struct watch_series *s,
    const struct judge_points *jp, struct alert_batch *batch)
{
	const struct config_watch	*cw = w->cw;
	enum detector_transition	 tr;
	struct judge_why		 y;
	int64_t				 P = cw->period, p, gap;
	size_t				 i = 0;
	int				 has, bad;

	while (i < jp->n && jp->t[i] < w->fstart) {
		if (jp->t[i] > s->rob_t)
			s->rob_t = jp->t[i];
		i++;
	}
	for (p = w->fstart; p < w->fend; p += P) {
		has = 0;
		while (i < jp->n && jp->t[i] <= p) {
			if (jp->t[i] == p)
				has = 1;
			if (jp->t[i] > s->rob_t)
				s->rob_t = jp->t[i];
			i++;
		}
		if (!judge_due(w, s, p))
			continue;
		if (!has && s->rob_t == INT64_MIN)
			continue;	/* never seen: nothing is missing */
		gap = has ? 0 : p + P - (s->rob_t + P);
		bad = !has && gap >= cw->missing_after;
		if (!has && !bad) {
			/* missing, not yet for long: neither way */
			s->st.last_period = p > s->st.last_period ? p :
			    s->st.last_period;
			s->changed = 1;
			continue;
		}
		w->stats.judged++;
		tr = judge_metric_step(w, &s->st, p, 1, bad, bad);
		s->changed = 1;
		s->last_value = (double)gap;
		s->last_baseline = (double)cw->missing_after;
		if (tr != DETECTOR_TR_FIRING && tr != DETECTOR_TR_REPEAT &&
		    tr != DETECTOR_TR_RESOLVED)
			continue;
		y.value = (double)gap;
		y.baseline = (double)cw->missing_after;
		y.score = NAN;
		y.lo = NAN;
		y.hi = (double)cw->missing_after;
		y.rule = "absence";
		judge_metric_alert(w, e, s, tr, p, &y, batch);
	}
}

/*
 * Metric watch, robust detector: the values are stored; the detector
 * lives across cycles and is fed every stored period once, in time
 * order, exactly as bench/nab streams a series through robust_update()
 * (built on first use by replaying the stored history of the baseline
 * window). An event starts at the detector's alert (one per run of
 * anomalous values, none within its holdoff); the alert reports the
 * value, reference and band of the rule that raised it.
 */
static int
judge_metric(struct watch *w, struct watch_entity *e, struct watch_series *s,
    struct alert_batch *batch, char *err, size_t errlen)
{
	const struct config_watch	*cw = w->cw;
	const struct cw_series		*cs;
	struct store_datapoint		 dp;
	struct judge_points		 jp;
	struct robust_result		 res;
	struct judge_why		 y;
	enum detector_transition	 tr;
	int64_t				 from;
	size_t				 i;
	int				 rc = -1;

	memset(&jp, 0, sizeof jp);
	cs = judge_series(&w->dfine, e->qfine[s->inum]);
	for (i = 0; cs != NULL && i < cs->n; i++) {
		if (!isfinite(cs->values[i]) || cs->ts[i] < w->fstart ||
		    cs->ts[i] >= w->fend)
			continue;
		memset(&dp, 0, sizeof dp);
		dp.period_start = cs->ts[i];
		dp.period_seconds = cw->period;
		dp.requests = dp.errors = -1;
		dp.value = cs->values[i];
		if (cs->ts[i] > e->traffic)
			e->traffic = cs->ts[i];	/* pace: idle without data */
		if (store_datapoint_put(w->store, cw->name, e->name,
		    s->def->signal, &dp) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	if (!s->primed) {
		if (cw->detector == CONFIG_DETECTOR_ROBUST &&
		    (s->rob = robust_new(&w->rp)) == NULL) {
			snprintf(err, errlen, "robust detector: bad "
			    "parameters");
			goto done;
		}
		s->rob_t = INT64_MIN;
		s->primed = 1;
		from = w->judge_from - cw->baseline;
	} else
		from = s->rob_t + 1;
	if (store_datapoint_range(w->store, cw->name, e->name, s->def->signal,
	    from, w->fend, cw->period, judge_point_cb, &jp) == -1) {
		judge_dberr(w, err, errlen);
		goto done;
	}
	if (cw->detector == CONFIG_DETECTOR_ABSENCE) {
		judge_absence(w, e, s, &jp, batch);
		rc = 0;
		goto done;
	}
	for (i = 0; i < jp.n; i++) {
		if (jp.t[i] <= s->rob_t)
			continue;
		s->rob_t = jp.t[i];
		if (cw->detector == CONFIG_DETECTOR_STATIC) {
			judge_static(w, e, s, jp.t[i], jp.v[i], batch);
			continue;
		}
		if (robust_update(s->rob, (time_t)jp.t[i], jp.v[i], &res) == -1)
			continue;
		if (!judge_due(w, s, jp.t[i]))
			continue;
		if (res.judged)
			w->stats.judged++;
		tr = judge_metric_step(w, &s->st, jp.t[i], res.judged,
		    res.anomalous, res.alert);
		s->changed = 1;
		s->last_value = jp.v[i];
		if (res.judged)
			s->last_baseline = res.median;
		if (tr != DETECTOR_TR_FIRING && tr != DETECTOR_TR_REPEAT &&
		    tr != DETECTOR_TR_RESOLVED)
			continue;
		y.value = res.judged ? res.value : jp.v[i];
		y.baseline = res.judged ? res.ref : NAN;
		y.score = !res.judged ? NAN : res.rule == ROBUST_RULE_LEVEL ?
		    res.level : res.rule == ROBUST_RULE_DIFF ? res.diff :
		    res.score;
		y.lo = res.judged ? res.band_lo : NAN;
		y.hi = res.judged ? res.band_hi : NAN;
		y.rule = res.rule != 0 ? robust_rule_name(res.rule) : "z-score";
		judge_metric_alert(w, e, s, tr, jp.t[i], &y, batch);
	}
	rc = 0;
done:
	free(jp.t);
	free(jp.v);
	return rc;
}

/* P(N <= n) for N ~ Poisson(lambda). */
static double
judge_poisson_low(double n, double lambda)
{
	double	term, sum, k;

	if (lambda <= 0)
		return 1;
	if (n > 5000)	/* normal approximation, continuity corrected */
		return 0.5 * erfc(-(n + 0.5 - lambda) / sqrt(2 * lambda));
	term = exp(-lambda);
	sum = term;
	for (k = 1; k <= n; k++) {
		term *= lambda / k;
		sum += term;
	}
	return sum < 1 ? sum : 1;
}

/*
 * Signal drop of a count watch: the requests of every due period (no
 * datapoint is 0 requests) against what the same hour of the day had on
 * the last 7 days (the median over the days with a rollup, at least 3,
 * per period). Only busy hours are judged (expected >= min_requests);
 * a period is anomalous when it has at most expected / min_ratio
 * requests and the Poisson lower tail is below alpha. for,
 * resolve_after and repeat as for the other signals.
 */
static int
judge_drop(struct watch *w, struct watch_entity *e, struct watch_series *s,
    struct alert_batch *batch, char *err, size_t errlen)
{
	const struct config_watch	*cw = w->cw;
	struct judge_buf		 b;
	struct store_datapoint		 dp;
	struct store_rollup		 r;
	struct judge_why		 y;
	enum detector_transition	 tr;
	double				 day[7], expect = NAN, n, pv;
	int64_t				 P = cw->period, p, hour, cached = -1;
	size_t				 i;
	int				 k, nd, rc = -1, bad, judged;

	memset(&b, 0, sizeof b);
	judge_buf_load(&b, &w->dfine, e->qfine, s,
	    (size_t)((w->fend - w->fstart) / P));
	for (i = 0; i < b.count; i++) {
		p = w->fstart + (int64_t)i * P;
		n = b.hn[i] ? (double)llround(b.n[i]) : 0;
		if (b.hn[i] && n > 0 && p > e->traffic)
			e->traffic = p;
		if (!w->backtest && b.hn[i]) {
			memset(&dp, 0, sizeof dp);
			dp.period_start = p;
			dp.period_seconds = P;
			dp.requests = (int64_t)n;
			dp.errors = 0;
			dp.value = NAN;
			if (store_datapoint_put(w->store, cw->name, e->name,
			    s->def->signal, &dp) == -1) {
				judge_dberr(w, err, errlen);
				goto done;
			}
		}
		hour = judge_floor(p, 3600);
		if (judge_due(w, s, p)) {
			if (hour != cached) {
				nd = 0;
				for (k = 1; k <= 7; k++) {
					if (store_rollup_get(w->store, cw->name,
					    e->name, s->def->signal, hour -
					    (int64_t)k * 86400, &r) == -1) {
						judge_dberr(w, err, errlen);
						goto done;
					}
					if (r.requests > 0)
						day[nd++] = (double)r.requests;
				}
				/* insertion sort: 7 values */
				for (k = 1; k < nd; k++) {
					double	v = day[k];
					int	j = k - 1;

					for (; j >= 0 && day[j] > v; j--)
						day[j + 1] = day[j];
					day[j + 1] = v;
				}
				expect = nd < 3 ? NAN : (nd % 2 ? day[nd / 2] :
				    (day[nd / 2 - 1] + day[nd / 2]) / 2) *
				    (double)P / 3600;
				cached = hour;
			}
			judged = isfinite(expect) && expect >= cw->min_requests;
			pv = judged ? judge_poisson_low(n, expect) : 1;
			bad = judged && n * cw->min_ratio <= expect &&
			    pv < cw->alpha;
			if (judged)
				w->stats.judged++;
			tr = judge_metric_step(w, &s->st, p, judged, bad, bad);
			s->changed = 1;
			s->last_value = n;
			if (judged)
				s->last_baseline = expect;
			if (tr == DETECTOR_TR_FIRING ||
			    tr == DETECTOR_TR_REPEAT ||
			    tr == DETECTOR_TR_RESOLVED) {
				y.value = n;
				y.baseline = expect;
				y.score = pv;
				y.lo = expect / cw->min_ratio;
				y.hi = NAN;
				y.rule = "drop";
				judge_metric_alert(w, e, s, tr, p, &y, batch);
			}
		}
		if (!w->backtest || !b.hn[i])
			continue;
		/* backtest: rollups grow period by period, after judging */
		memset(&r, 0, sizeof r);
		r.hour = hour;
		r.requests = (int64_t)n;
		if (store_rollup_add(w->store, cw->name, e->name,
		    s->def->signal, &r) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	rc = 0;
done:
	judge_buf_free(&b);
	return rc;
}

/* The sequential test's state of s into the store. */
static int
judge_seq_put(struct watch *w, struct watch_entity *e, struct watch_series *s)
{
	struct store_seq	q;

	q.llr = s->seq.llr;
	q.since = s->seq.since;
	q.periods = s->seq.periods;
	q.requests = (int64_t)s->seq.n;
	q.errors = (int64_t)s->seq.e;
	q.alarm = s->seq.alarm;
	s->seq_changed = 0;
	return store_seq_put(w->store, w->cw->name, e->name, s->def->signal,
	    &q);
}

static int
judge_persist(struct watch *w, struct watch_entity *e, char *err,
    size_t errlen)
{
	struct store_alert	 sa;
	struct watch_series	*s;
	char			 key[STORE_NAME_MAX], val[128];
	int			 i;

	for (i = 0; i < e->nseries; i++) {
		s = &e->series[i];
		if (!s->changed)
			continue;
		memset(&sa, 0, sizeof sa);
		util_strlcpy(sa.watch, w->cw->name, sizeof sa.watch);
		util_strlcpy(sa.entity, e->name, sizeof sa.entity);
		util_strlcpy(sa.signal, s->def->signal, sizeof sa.signal);
		sa.state = (enum store_alert_state)s->st.state;
		sa.consecutive_anomalous = s->st.anomalous_run;
		sa.consecutive_normal = s->st.normal_run;
		sa.since = s->st.since;
		sa.last_notified = s->st.last_notified;
		sa.last_period = s->st.last_period;
		sa.last_value = s->last_value;
		sa.last_baseline = s->last_baseline;
		if (store_alert_put(w->store, &sa) == -1)
			return judge_dberr(w, err, errlen);
		s->found = 1;
		if (s->why_dirty && s->why_rule != NULL && !w->backtest) {
			watch_why_key(w, e, s, key, sizeof key);
			snprintf(val, sizeof val, "%.17g %.17g %s", s->why_lo,
			    s->why_hi, s->why_rule);
			if (store_meta_put(w->store, key, val) == -1)
				return judge_dberr(w, err, errlen);
			s->why_dirty = 0;
		}
		if (s->seq_changed && judge_seq_put(w, e, s) == -1)
			return judge_dberr(w, err, errlen);
	}
	if (w->backtest)
		return 0;
	watch_pace(w, e);
	e->polled = w->now;
	if (e->boot == 0)
		e->boot = w->now;
	/*
	 * Written on change only. polled paces idle and quiet entities
	 * alone: an active one's is left to be written with its next change
	 * (after a restart, an entity gone idle since may be polled once
	 * early); the rate when it moved by a tenth.
	 */
	if (e->boot == e->saved_boot && e->traffic == e->saved_traffic &&
	    e->gap == e->saved_gap && e->agap == e->saved_agap &&
	    ((!e->idle && e->gap <= 1) ||
	    e->polled == e->saved_polled) && (e->rate < 0) ==
	    (e->saved_rate < 0) && fabs(e->rate - e->saved_rate) <=
	    0.1 * fabs(e->saved_rate))
		return 0;
	watch_meta_key(w, e, key, sizeof key);
	snprintf(val, sizeof val, "boot=%lld polled=%lld traffic=%lld "
	    "rate=%.4g gap=%d auto=%d", (long long)e->boot,
	    (long long)e->polled, (long long)e->traffic, e->rate, e->gap,
	    e->agap);
	if (store_meta_put(w->store, key, val) == -1)
		return judge_dberr(w, err, errlen);
	e->saved_boot = e->boot;
	e->saved_polled = e->polled;
	e->saved_traffic = e->traffic;
	e->saved_rate = e->rate;
	e->saved_gap = e->gap;
	e->saved_agap = e->agap;
	return 0;
}

static void
judge_collect_open(struct watch *w)
{
	struct watch_entity	*e;
	struct watch_series	*s;
	struct watch_open	*o;
	size_t			 i;
	int			 k;

	free(w->open);
	w->open = NULL;
	w->nopen = 0;
	w->stats.pending = w->stats.firing = 0;
	w->stats.llr_max = 0;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		for (k = 0; k < e->nseries; k++) {
			s = &e->series[k];
			if (w->cw->kind != CONFIG_WATCH_METRIC &&
			    s->seq.llr > w->stats.llr_max)
				w->stats.llr_max = s->seq.llr;
			if (s->st.state != DETECTOR_ST_PENDING &&
			    s->st.state != DETECTOR_ST_FIRING)
				continue;
			w->open = xreallocarray(w->open, w->nopen + 1,
			    sizeof *w->open);
			o = &w->open[w->nopen++];
			memset(o, 0, sizeof *o);
			util_strlcpy(o->entity, e->name, sizeof o->entity);
			util_strlcpy(o->signal, s->def->signal,
			    sizeof o->signal);
			o->firing = s->st.state == DETECTOR_ST_FIRING;
			o->value = s->last_value;
			o->baseline = s->last_baseline;
			o->band_lo = o->band_hi = NAN;
			if (s->why_rule != NULL) {
				util_strlcpy(o->rule, s->why_rule,
				    sizeof o->rule);
				o->band_lo = s->why_lo;
				o->band_hi = s->why_hi;
			}
			util_strlcpy(o->trigger, detector_test_str(
			    s->last_test), sizeof o->trigger);
			o->span = s->last_span;
			o->llr = w->cw->kind == CONFIG_WATCH_METRIC ? NAN :
			    s->seq.llr;
			if (o->firing)
				w->stats.firing++;
			else
				w->stats.pending++;
		}
	}
}

int
watch_commit(struct watch *w, char *err, size_t errlen)
{
	struct alert_batch	*batch = NULL;
	struct alert_context	 ctx;
	struct watch_entity	*e;
	struct watch_series	*s;
	char			 msg[256], key[STORE_NAME_MAX];
	size_t			 i;
	int			 k, dry = (w->flags & WATCH_DRY_RUN) != 0;

	if (store_begin(w->store) == -1)
		return judge_dberr(w, err, errlen);
	if (!w->backtest && !dry)
		batch = alert_batch_new();
	w->stats.judged = 0;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		if (!e->poll)
			continue;
		for (k = 0; k < e->nseries; k++) {
			s = &e->series[k];
			if (w->cw->kind == CONFIG_WATCH_METRIC) {
				if (judge_metric(w, e, s, batch, err,
				    errlen) == -1)
					goto fail;
				e->mfend = w->fend;
				continue;
			}
			if (e->bootstrap && judge_bootstrap(w, e, s, err,
			    errlen) == -1)
				goto fail;
			if (s->inum == s->iden) {
				/* drop: requests against their own past */
				if (judge_drop(w, e, s, batch, err,
				    errlen) == -1)
					goto fail;
				continue;
			}
			if (judge_count(w, e, s, batch, err, errlen) == -1)
				goto fail;
		}
		if (judge_persist(w, e, err, errlen) == -1)
			goto fail;
	}
	judge_collect_open(w);
	if (!w->backtest) {
		if (w->stats.stretched > 0 || isfinite(w->stats.allowed_usd))
			snprintf(msg, sizeof msg, "%zu entities, %lld metrics, "
			    "%lld periods judged; budget: %lld stretched, "
			    "$%.2f of $%.2f a month", w->nents,
			    w->stats.metrics_requested, w->stats.judged,
			    w->stats.stretched, w->stats.projected_usd,
			    w->stats.allowed_usd);
		else
			snprintf(msg, sizeof msg, "%zu entities, %lld metrics, "
			    "%lld periods judged", w->nents,
			    w->stats.metrics_requested, w->stats.judged);
		if (store_cycle_put(w->store, w->cw->name, w->now, 1,
		    msg) == -1) {
			judge_dberr(w, err, errlen);
			goto fail;
		}
		/* what a budget shares out: read by the other watches */
		snprintf(key, sizeof key, "budget:%s", w->cw->name);
		snprintf(msg, sizeof msg, "%.6f", w->stats.projected_usd);
		if (isfinite(w->cfg->budget) && store_meta_put(w->store, key,
		    msg) == -1) {
			judge_dberr(w, err, errlen);
			goto fail;
		}
	}
	if (batch != NULL && alert_batch_count(batch) > 0) {
		ctx.account = w->account;
		ctx.region = w->region;
		/* Delivery runs on the wall clock, whatever the data time. */
		if (alert_batch_enqueue(batch, w->store, &ctx, time(NULL), err,
		    errlen) == -1)
			goto fail;
	}
	alert_batch_free(batch);
	batch = NULL;
	if (dry) {
		if (store_rollback(w->store) == -1)
			return judge_dberr(w, err, errlen);
		return 0;
	}
	if (store_commit(w->store) == -1) {
		judge_dberr(w, err, errlen);
		store_rollback(w->store);
		return -1;
	}
	return 0;
fail:
	alert_batch_free(batch);
	store_rollback(w->store);
	return -1;
}
