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

static void
judge_alert(struct watch *w, struct watch_entity *e, struct watch_series *s,
    enum detector_transition tr, int64_t p, const struct detector_judgement *j,
    double score, struct alert_batch *batch)
{
	struct alert	a;

	alert_init(&a, ALERT_SPIKE);
	a.status = tr == DETECTOR_TR_RESOLVED ? ALERT_RESOLVED : ALERT_FIRING;
	a.repeat = tr == DETECTOR_TR_REPEAT;
	a.at = (time_t)(p + w->cw->period);
	util_strlcpy(a.watch, w->cw->name, sizeof a.watch);
	util_strlcpy(a.entity, e->name, sizeof a.entity);
	util_strlcpy(a.signal, s->def->signal, sizeof a.signal);
	a.value = s->last_value;
	a.baseline = s->last_baseline;
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
	if (w->report != NULL)
		alert_batch_add(w->report, &a, w->cw->sink_ptrs);
	if (batch != NULL)
		alert_batch_add(batch, &a, w->cw->sink_ptrs);
	log_info("watch %s: %s %s %s at %lld", w->cw->name, e->name,
	    s->def->signal, tr == DETECTOR_TR_RESOLVED ? "resolved" :
	    tr == DETECTOR_TR_REPEAT ? "still firing" : "firing",
	    (long long)a.at);
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
 * Metric watch: the values are stored, then the robust detector is
 * rebuilt by replaying the stored history of the baseline window and
 * judges the periods due.
 */
static int
judge_metric(struct watch *w, struct watch_entity *e, struct watch_series *s,
    struct alert_batch *batch, char *err, size_t errlen)
{
	const struct config_watch	*cw = w->cw;
	const struct cw_series		*cs;
	struct store_datapoint		 dp;
	struct judge_points		 jp;
	struct robust			*r = NULL;
	struct robust_result		 res;
	struct detector_judgement	 j;
	enum detector_verdict		 v;
	enum detector_transition	 tr;
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
		if (store_datapoint_put(w->store, cw->name, e->name,
		    s->def->signal, &dp) == -1) {
			judge_dberr(w, err, errlen);
			goto done;
		}
	}
	if (store_datapoint_range(w->store, cw->name, e->name, s->def->signal,
	    w->judge_from - cw->baseline, w->fend, cw->period, judge_point_cb,
	    &jp) == -1) {
		judge_dberr(w, err, errlen);
		goto done;
	}
	if ((r = robust_new(&w->rp)) == NULL) {
		snprintf(err, errlen, "robust detector: bad parameters");
		goto done;
	}
	for (i = 0; i < jp.n; i++) {
		if (robust_update(r, (time_t)jp.t[i], jp.v[i], &res) == -1)
			continue;
		if (!judge_due(w, s, jp.t[i]))
			continue;
		v = !res.judged ? DETECTOR_NOT_JUDGED : res.anomalous ?
		    DETECTOR_ANOMALOUS : DETECTOR_NORMAL;
		if (res.judged)
			w->stats.judged++;
		tr = detector_step(&w->dp, &s->st, jp.t[i], v, 0);
		s->changed = 1;
		s->last_value = jp.v[i];
		if (res.judged)
			s->last_baseline = res.median;
		if (tr == DETECTOR_TR_FIRING || tr == DETECTOR_TR_REPEAT ||
		    tr == DETECTOR_TR_RESOLVED) {
			memset(&j, 0, sizeof j);
			j.verdict = DETECTOR_NOT_JUDGED;
			judge_alert(w, e, s, tr, jp.t[i], &j, res.score, batch);
		}
	}
	rc = 0;
done:
	robust_free(r);
	free(jp.t);
	free(jp.v);
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
		if (s->seq_changed && judge_seq_put(w, e, s) == -1)
			return judge_dberr(w, err, errlen);
	}
	if (w->backtest)
		return 0;
	e->polled = w->now;
	if (e->boot == 0)
		e->boot = w->now;
	/*
	 * Written on change only. polled paces idle entities alone: an
	 * active one's is left to be written with its next change (after a
	 * restart, an entity gone idle since may be polled once early).
	 */
	if (e->boot == e->saved_boot && e->traffic == e->saved_traffic &&
	    (!e->idle || e->polled == e->saved_polled))
		return 0;
	watch_meta_key(w, e, key, sizeof key);
	snprintf(val, sizeof val, "boot=%lld polled=%lld traffic=%lld",
	    (long long)e->boot, (long long)e->polled, (long long)e->traffic);
	if (store_meta_put(w->store, key, val) == -1)
		return judge_dberr(w, err, errlen);
	e->saved_boot = e->boot;
	e->saved_polled = e->polled;
	e->saved_traffic = e->traffic;
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
	char			 msg[128];
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
				continue;
			}
			if (e->bootstrap && judge_bootstrap(w, e, s, err,
			    errlen) == -1)
				goto fail;
			if (judge_count(w, e, s, batch, err, errlen) == -1)
				goto fail;
		}
		if (judge_persist(w, e, err, errlen) == -1)
			goto fail;
	}
	judge_collect_open(w);
	if (!w->backtest) {
		snprintf(msg, sizeof msg, "%zu entities, %lld metrics, %lld "
		    "periods judged", w->nents, w->stats.metrics_requested,
		    w->stats.judged);
		if (store_cycle_put(w->store, w->cw->name, w->now, 1,
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
