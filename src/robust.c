/*
 * Robust detector for generic metrics; see include/robust.h.
 *
 * Reference: median and MAD (scaled by 1.4826 so that it estimates sigma
 * for normal data) of the same hour of the week once the series is a week
 * old, of the same hour of the day (pooled over the days of the week) once
 * it is a day old, and of the trailing window before that.  The scale has
 * floors so that flat or quantised series (MAD 0) do not turn every wiggle
 * into an infinite z: a fraction of the series' typical level (mean |x| of
 * the trailing window), its quantisation step (smallest non-zero change
 * seen) and an absolute floor.
 *
 * Alerts: the score is the mean of the last `smooth` z-scores; a run of
 * values beyond any rule's threshold is one event with at most one alert,
 * raised at its first value that meets a rule (see robust.h: a new high or
 * low of the last `record` values; a score or a level shift larger than any
 * in the last `novelty` values), and not within `holdoff` values of the
 * previous alert.  On bursty series a z-score alone fires at every burst;
 * the anomalies worth a page are the most extreme values in days.
 */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "robust.h"
#include "xmalloc.h"

#define ROBUST_MAGIC	0x52425354u	/* "RBST" */
#define ROBUST_VERSION	4u
#define MAD_TO_SIGMA	1.4826
#define ROBUST_SMOOTH_MAX 16
#define ROBUST_LEVEL_MAX 32

/* Everything here is plain data, so a state is saved with one memcpy. */
struct robust_state {
	uint32_t	 magic;
	uint32_t	 version;
	int64_t		 first_t;
	int64_t		 last_t;
	uint64_t	 seen;		/* accepted values */
	uint64_t	 last_alert;	/* seen at the last alert; 0 = none */
	int32_t		 in_event;	/* this run of anomalous values alerted */
	int32_t		 has_prev;
	double		 prev;
	double		 qstep;		/* smallest non-zero |change|; 0 = none */
	double		 zhist[ROBUST_SMOOTH_MAX];	/* raw scores, ring */
	int32_t		 zhead;
	int32_t		 win_head;	/* next slot to write */
	int32_t		 win_count;
	double		 win[ROBUST_WINDOW];
	double		 zring[ROBUST_WINDOW];	/* |score|, ring aligned with win */
	double		 lring[ROBUST_WINDOW];	/* |level-shift score|, same ring */
	double		 dring[ROBUST_WINDOW];	/* |change score|, same ring */
	uint8_t		 slot_head[ROBUST_SLOTS];
	uint8_t		 slot_count[ROBUST_SLOTS];
	double		 slot[ROBUST_SLOTS][ROBUST_SLOT_DEPTH];
	uint8_t		 phase_head[ROBUST_PHASES];
	uint8_t		 phase_count[ROBUST_PHASES];
	double		 phase[ROBUST_PHASES][ROBUST_PHASE_DEPTH];
	double		 resid;		/* value - reference of the last
					   judged value, for remember() */
	int32_t		 has_resid;
};

struct robust {
	struct robust_params	 p;
	struct robust_state	 s;
};

void
robust_params_default(struct robust_params *p)
{
	memset(p, 0, sizeof(*p));
	p->threshold = 2.0;
	p->direction = ROBUST_BOTH;
	p->window = 512;
	p->min_history = 24;
	p->season_min = 16;
	p->rel_floor = 0.05;
	p->abs_floor = 0.0;
	p->holdoff = 100;
	p->record = 1400;
	p->smooth = 3;
	p->context_threshold = 6.0;
	p->level_threshold = 4.0;
	p->level_len = 8;
	p->level_window = 256;
	p->novelty = 2000;
	p->phase_min = 12;
	p->phase_offset = 2.0;
}

int
robust_params_check(const struct robust_params *p, char *err, size_t errlen)
{
	const char	*why = NULL;

	if (!(p->threshold > 0) || !isfinite(p->threshold))
		why = "threshold must be a positive number";
	else if (p->direction != ROBUST_BOTH && p->direction != ROBUST_UP &&
	    p->direction != ROBUST_DOWN)
		why = "direction must be up, down or both";
	else if (p->window < 8 || p->window > ROBUST_WINDOW)
		why = "window out of range";
	else if (p->min_history < 3 || p->min_history > p->window)
		why = "min_history must be 3 .. window";
	else if (p->season_min < 0 || p->season_min > ROBUST_SLOT_DEPTH)
		why = "season_min out of range";
	else if (!(p->rel_floor >= 0) || !isfinite(p->rel_floor))
		why = "rel_floor must be >= 0";
	else if (!(p->abs_floor >= 0) || !isfinite(p->abs_floor))
		why = "abs_floor must be >= 0";
	else if (p->holdoff < 0)
		why = "holdoff must be >= 0";
	else if (p->smooth < 1 || p->smooth > ROBUST_SMOOTH_MAX)
		why = "smooth must be 1 .. 16";
	else if (p->record < 0 || p->record > ROBUST_WINDOW)
		why = "record out of range";
	else if (!(p->context_threshold >= 0) ||
	    !isfinite(p->context_threshold))
		why = "context_threshold must be >= 0";
	else if (!(p->level_threshold >= 0) || !isfinite(p->level_threshold))
		why = "level_threshold must be >= 0";
	else if (p->level_len < 1 || p->level_len > ROBUST_LEVEL_MAX)
		why = "level_len must be 1 .. 32";
	else if (p->level_window < 8 ||
	    p->level_window + p->level_len - 1 > ROBUST_WINDOW)
		why = "level_window out of range";
	else if (p->novelty < 0 || p->novelty > ROBUST_WINDOW)
		why = "novelty out of range";
	else if (p->novelty_min < 0 || p->novelty_min > ROBUST_WINDOW)
		why = "novelty_min out of range";
	else if (!(p->diff_threshold >= 0) || !isfinite(p->diff_threshold))
		why = "diff_threshold must be >= 0";
	else if (p->phase_min < 0 || p->phase_min > ROBUST_PHASE_DEPTH)
		why = "phase_min out of range";
	else if (!(p->phase_offset >= 0) || !isfinite(p->phase_offset))
		why = "phase_offset must be >= 0";
	if (why == NULL)
		return 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "robust: %s", why);
	return -1;
}

int
robust_direction_parse(const char *s, enum robust_direction *d)
{
	if (strcasecmp(s, "up") == 0)
		*d = ROBUST_UP;
	else if (strcasecmp(s, "down") == 0)
		*d = ROBUST_DOWN;
	else if (strcasecmp(s, "both") == 0)
		*d = ROBUST_BOTH;
	else
		return -1;
	return 0;
}

struct robust *
robust_new(const struct robust_params *p)
{
	struct robust	*r;

	r = xcalloc(1, sizeof(*r));
	if (p == NULL)
		robust_params_default(&r->p);
	else {
		if (robust_params_check(p, NULL, 0) == -1) {
			free(r);
			return NULL;
		}
		r->p = *p;
	}
	robust_reset(r);
	return r;
}

void
robust_free(struct robust *r)
{
	free(r);
}

void
robust_reset(struct robust *r)
{
	memset(&r->s, 0, sizeof(r->s));
	r->s.magic = ROBUST_MAGIC;
	r->s.version = ROBUST_VERSION;
}

/* k-th smallest of v[0..n-1] (0-based); reorders v. */
static double
select_kth(double *v, int n, int k)
{
	int	 lo = 0, hi = n - 1, i, j;
	double	 pivot, tmp;

	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				tmp = v[i];
				v[i] = v[j];
				v[j] = tmp;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Median of v[0..n-1], n >= 1; reorders v. */
static double
median(double *v, int n)
{
	double	 a, b;
	int	 i;

	a = select_kth(v, n, n / 2);
	if (n % 2 == 1)
		return a;
	/* the lower middle is the largest of the lower half */
	b = v[0];
	for (i = 1; i < n / 2; i++)
		if (v[i] > b)
			b = v[i];
	return (a + b) / 2;
}

/* Median and MAD of v[0..n-1]; v is clobbered. */
static void
median_mad(double *v, int n, double *med, double *mad)
{
	int	 i;

	*med = median(v, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(v[i] - *med);
	*mad = median(v, n);
}

static int
slot_of(time_t t)
{
	int64_t	 h;

	/* hours since the epoch (a Thursday), shifted so 0 is Monday 00h */
	h = (int64_t)t / 3600;
	if ((int64_t)t % 3600 < 0)
		h--;
	h += 72;
	h %= ROBUST_SLOTS;
	if (h < 0)
		h += ROBUST_SLOTS;
	return (int)h;
}

/* Lowest and highest of the last n values. */
static void
recent_range(const struct robust_state *s, int n, double *lo, double *hi)
{
	int	 i, at;

	*lo = HUGE_VAL;
	*hi = -HUGE_VAL;
	if (n > s->win_count)
		n = s->win_count;
	at = s->win_head;
	for (i = 0; i < n; i++) {
		if (--at < 0)
			at = ROBUST_WINDOW - 1;
		if (s->win[at] < *lo)
			*lo = s->win[at];
		if (s->win[at] > *hi)
			*hi = s->win[at];
	}
}

/* z beyond t (> 0) in the configured direction. */
static int
beyond_t(const struct robust *r, double z, double t)
{
	switch (r->p.direction) {
	case ROBUST_UP:
		return z >= t;
	case ROBUST_DOWN:
		return z <= -t;
	default:
		return fabs(z) >= t;
	}
}

static int
beyond(const struct robust *r, double z)
{
	return beyond_t(r, z, r->p.threshold);
}

/* The last n values of the window, oldest first, copied into out. */
static int
window_copy(const struct robust_state *s, int want, double *out)
{
	int	 n, i, at;

	n = s->win_count < want ? s->win_count : want;
	at = s->win_head - n;
	if (at < 0)
		at += ROBUST_WINDOW;
	for (i = 0; i < n; i++) {
		out[i] = s->win[at];
		if (++at == ROBUST_WINDOW)
			at = 0;
	}
	return n;
}

/* The scale floor: the larger of base, the quantisation step, abs_floor. */
static double
scale_floor(const struct robust *r, double base)
{
	if (r->s.qstep > base)
		base = r->s.qstep;
	if (r->p.abs_floor > base)
		base = r->p.abs_floor;
	return base;
}

/*
 * Robust z of x against med and mad, the scale (1.4826 * MAD) floored at
 * floor_; the scale used goes to *scalep when not NULL.
 */
static double
robust_z(double x, double med, double mad, double floor_, double *scalep)
{
	double	scale = MAD_TO_SIGMA * mad;

	if (scale < floor_)
		scale = floor_;
	if (scalep != NULL)
		*scalep = scale;
	if (scale > 0)
		return (x - med) / scale;
	return x == med ? 0 : (x > med ? HUGE_VAL : -HUGE_VAL);
}

static int
phase_of(time_t t)
{
	int64_t	m = ((int64_t)t % 3600) / 60;

	return (int)(m < 0 ? m + 60 : m);
}

/*
 * Hourly recurrence: the typical residual (value - reference) at this
 * minute of the hour, when it is at least phase_offset scales, moves the
 * reference if the value is closer to it (a spike at minute 20 of every
 * hour is learned). The residual of x is kept for remember().
 */
static void
judge_phase(struct robust *r, time_t t, double x, struct robust_result *res)
{
	struct robust_state	*s = &r->s;
	double			 v[ROBUST_PHASE_DEPTH], off, zp;
	int			 ph = phase_of(t), n;

	s->resid = x - res->median;
	s->has_resid = 1;
	n = s->phase_count[ph];
	if (r->p.phase_min == 0 || n < r->p.phase_min || !(res->scale > 0))
		return;
	memcpy(v, s->phase[ph], n * sizeof(v[0]));
	off = median(v, n);
	if (fabs(off) < r->p.phase_offset * res->scale)
		return;
	zp = (x - res->median - off) / res->scale;
	if (fabs(zp) < fabs(res->score)) {
		res->score = zp;
		res->median += off;
		res->seasonal += 4;
	}
}

static void
judge_ref(struct robust *r, time_t t, double x, struct robust_result *res);

static void
judge(struct robust *r, time_t t, double x, struct robust_result *res)
{
	r->s.has_resid = 0;
	judge_ref(r, t, x, res);
	if (res->judged)
		judge_phase(r, t, x, res);
}

static void
judge_ref(struct robust *r, time_t t, double x, struct robust_result *res)
{
	struct robust_state	*s = &r->s;
	double			 v[ROBUST_SLOTS / 24 * ROBUST_SLOT_DEPTH +
				    ROBUST_WINDOW], med, mad, floor_;
	double			 level;
	int			 n, i, sl;

	n = window_copy(s, r->p.window, v);
	if ((uint64_t)n < (uint64_t)r->p.min_history)
		return;

	level = 0;
	for (i = 0; i < n; i++)
		level += fabs(v[i]);
	level /= n;
	floor_ = scale_floor(r, r->p.rel_floor * level);

	median_mad(v, n, &med, &mad);
	res->judged = 1;
	res->median = med;
	res->score = robust_z(x, med, mad, floor_, &res->scale);

	/* a profile needs at least one full week (day) behind it */
	if (r->p.season_min == 0 || (int64_t)t - s->first_t < 86400)
		return;
	sl = slot_of(t);
	if ((int64_t)t - s->first_t >= 7 * 86400 &&
	    s->slot_count[sl] >= r->p.season_min) {
		n = s->slot_count[sl];
		memcpy(v, s->slot[sl], n * sizeof(v[0]));
		res->seasonal = 2;
	} else {
		/* same hour of the day, pooled over the days of the week */
		n = 0;
		for (i = sl % 24; i < ROBUST_SLOTS; i += 24) {
			memcpy(v + n, s->slot[i], s->slot_count[i] *
			    sizeof(v[0]));
			n += s->slot_count[i];
		}
		if (n < r->p.season_min)
			return;
		res->seasonal = 1;
	}
	median_mad(v, n, &med, &mad);
	/* a seasonal profile, once there is one, replaces the window */
	res->median = med;
	res->score = robust_z(x, med, mad, floor_, &res->scale);
}

static void
remember(struct robust_state *s, time_t t, double x)
{
	double	 d;
	int	 sl;

	if (s->has_prev) {
		d = fabs(x - s->prev);
		if (d > 0 && (s->qstep == 0 || d < s->qstep))
			s->qstep = d;
	}
	s->prev = x;
	s->has_prev = 1;
	s->win[s->win_head] = x;
	if (++s->win_head == ROBUST_WINDOW)
		s->win_head = 0;
	if (s->win_count < ROBUST_WINDOW)
		s->win_count++;
	if (s->has_resid) {
		sl = phase_of(t);
		s->phase[sl][s->phase_head[sl]] = s->resid;
		s->phase_head[sl] = (s->phase_head[sl] + 1) %
		    ROBUST_PHASE_DEPTH;
		if (s->phase_count[sl] < ROBUST_PHASE_DEPTH)
			s->phase_count[sl]++;
	}
	sl = slot_of(t);
	s->slot[sl][s->slot_head[sl]] = x;
	s->slot_head[sl] = (s->slot_head[sl] + 1) % ROBUST_SLOT_DEPTH;
	if (s->slot_count[sl] < ROBUST_SLOT_DEPTH)
		s->slot_count[sl]++;
	if (s->seen == 0)
		s->first_t = t;
	s->last_t = t;
	s->seen++;
}

/*
 * Level shift: the median of the last level_len values (x included) against
 * the median of the level_window values before them, in units of their
 * scale (1.4826 * MAD), floored as in judge().
 */
static double
level_shift(const struct robust *r, double x, double *lvalue, double *lref,
    double *lscale)
{
	const struct robust_state *s = &r->s;
	double	 v[ROBUST_WINDOW], a[ROBUST_LEVEL_MAX], med, mad, ma;
	double	 floor_, level;
	int	 n, m = r->p.level_len, lw = r->p.level_window, i;

	n = window_copy(s, lw + m - 1, v);
	if (n < lw + m - 1)
		return 0;
	for (i = 0; i < m - 1; i++)
		a[i] = v[lw + i];
	a[m - 1] = x;
	ma = median(a, m);
	level = 0;
	for (i = 0; i < lw; i++)
		level += fabs(v[i]);
	floor_ = scale_floor(r, r->p.rel_floor * level / lw);
	median_mad(v, lw, &med, &mad);
	*lvalue = ma;
	*lref = med;
	return robust_z(ma, med, mad, floor_, lscale);
}

/*
 * Change score: x minus the previous value against the median and MAD of
 * the changes between the last `window` values, floored as in judge().
 */
static double
diff_score(const struct robust *r, double x, double *dref, double *dscale)
{
	const struct robust_state *s = &r->s;
	double	 v[ROBUST_WINDOW], med, mad, floor_, level, d;
	int	 n, i;

	n = window_copy(s, r->p.window, v);
	if (n < r->p.min_history || n < 2)
		return 0;
	level = 0;
	for (i = 0; i < n; i++)
		level += fabs(v[i]);
	floor_ = scale_floor(r, r->p.rel_floor * level / n);
	d = x - v[n - 1];
	*dref = v[n - 1];
	for (i = 0; i < n - 1; i++)
		v[i] = v[i + 1] - v[i];
	median_mad(v, n - 1, &med, &mad);
	*dref += med;
	return robust_z(d, med, mad, floor_, dscale);
}

/* The largest of ring[] (aligned with the window) over the last n values. */
static double
ring_max(const struct robust_state *s, const double *ring, int n)
{
	double	 m = 0;
	int	 i, at;

	if (n > s->win_count)
		n = s->win_count;
	at = s->win_head;
	for (i = 0; i < n; i++) {
		if (--at < 0)
			at = ROBUST_WINDOW - 1;
		if (ring[at] > m)
			m = ring[at];
	}
	return m;
}

int
robust_update(struct robust *r, time_t t, double x, struct robust_result *out)
{
	struct robust_state	*s = &r->s;
	struct robust_result	 res;
	double			 lo, hi, raw, zl = 0, zd = 0, prev = 0;
	double			 lv = 0, lref = 0, lscale = 0, dref = 0;
	double			 dscale = 0, zmax = 0, lmax = 0, dmax = 0, bar;
	int			 record, context = 0, level = 0, i, at, k = 1;
	int			 high = 0, change = 0, memory;

	memset(&res, 0, sizeof(res));
	if (!isfinite(x) || (s->seen > 0 && (int64_t)t <= s->last_t)) {
		if (out != NULL)
			*out = res;
		return -1;
	}
	judge(r, t, x, &res);
	if (r->p.smooth > 1) {
		/* the mean of this raw score and the previous smooth - 1 */
		raw = res.score;
		at = s->zhead;
		for (i = 1; i < r->p.smooth; i++) {
			if (--at < 0)
				at = ROBUST_SMOOTH_MAX - 1;
			prev += s->zhist[at];
		}
		k = r->p.smooth;
		res.score = (raw + prev) / k;
		s->zhist[s->zhead] = raw;
		s->zhead = (s->zhead + 1) % ROBUST_SMOOTH_MAX;
	}
	/* rule 1: beyond threshold and a new high (low) of `record` values */
	record = 1;
	if (r->p.record > 0) {
		recent_range(s, r->p.record, &lo, &hi);
		record = (res.score > 0 && x > hi) || (res.score < 0 && x < lo);
	}
	record = record && res.judged && beyond(r, res.score);
	memory = s->seen >= (uint64_t)r->p.novelty_min;
	/* rule 2: a score never seen in the last `novelty` values */
	if (res.judged && memory && r->p.context_threshold > 0 &&
	    beyond_t(r, res.score, r->p.context_threshold)) {
		high = 1;
		zmax = ring_max(s, s->zring, r->p.novelty);
		context = fabs(res.score) > zmax;
	}
	/* rule 3: a level shift never seen in the last `novelty` values */
	if (res.judged && r->p.level_threshold > 0) {
		zl = level_shift(r, x, &lv, &lref, &lscale);
		if (memory && beyond_t(r, zl, r->p.level_threshold)) {
			high = 1;
			lmax = ring_max(s, s->lring, r->p.novelty);
			level = fabs(zl) > lmax;
		}
	}
	/* rule 4: a change never seen in the last `novelty` values */
	if (res.judged && r->p.diff_threshold > 0) {
		zd = diff_score(r, x, &dref, &dscale);
		if (memory && beyond_t(r, zd, r->p.diff_threshold)) {
			high = 1;
			dmax = ring_max(s, s->dring, r->p.novelty);
			change = fabs(zd) > dmax;
		}
	}
	res.level = zl;
	res.diff = zd;
	s->dring[s->win_head] = fabs(zd);
	s->zring[s->win_head] = res.judged ? fabs(res.score) : 0;
	s->lring[s->win_head] = fabs(zl);
	remember(s, t, x);

	if (res.judged && (beyond(r, res.score) || high)) {
		res.anomalous = 1;
		/*
		 * An event is a run of anomalous values.  It raises one alert,
		 * at its first value that meets one of the rules, and not
		 * within holdoff values of the previous alert.
		 */
		if (!s->in_event && (record || context || level || change) &&
		    (s->last_alert == 0 ||
		    s->seen - s->last_alert > (uint64_t)r->p.holdoff)) {
			res.alert = 1;
			res.rule = record ? ROBUST_RULE_RECORD : level ?
			    ROBUST_RULE_LEVEL : context ? ROBUST_RULE_CONTEXT :
			    ROBUST_RULE_DIFF;
			s->last_alert = s->seen;
			s->in_event = 1;
		}
	} else
		s->in_event = 0;
	if (res.judged) {
		/* the band of x (or the level) the rule takes as normal */
		res.value = x;
		res.ref = res.median;
		bar = r->p.threshold;
		if (res.rule == ROBUST_RULE_CONTEXT)
			bar = r->p.context_threshold > zmax ?
			    r->p.context_threshold : zmax;
		if (res.rule == ROBUST_RULE_LEVEL) {
			bar = r->p.level_threshold > lmax ?
			    r->p.level_threshold : lmax;
			res.value = lv;
			res.ref = lref;
			res.band_lo = lref - bar * lscale;
			res.band_hi = lref + bar * lscale;
		} else if (res.rule == ROBUST_RULE_DIFF) {
			bar = r->p.diff_threshold > dmax ?
			    r->p.diff_threshold : dmax;
			res.ref = dref;
			res.band_lo = dref - bar * dscale;
			res.band_hi = dref + bar * dscale;
		} else {
			/* k * score = raw + prev, raw = (x - m) / scale */
			res.band_lo = res.median + (-k * bar - prev) *
			    res.scale;
			res.band_hi = res.median + (k * bar - prev) *
			    res.scale;
		}
	}
	if (out != NULL)
		*out = res;
	return res.alert;
}

const char *
robust_rule_name(int rule)
{
	switch (rule) {
	case ROBUST_RULE_RECORD:
		return "z-score";
	case ROBUST_RULE_LEVEL:
		return "level shift";
	case ROBUST_RULE_CONTEXT:
		return "novelty";
	case ROBUST_RULE_DIFF:
		return "change";
	}
	return "";
}

size_t
robust_state_size(void)
{
	return sizeof(struct robust_state);
}

int
robust_save(const struct robust *r, void *buf, size_t len)
{
	if (len < sizeof(r->s))
		return -1;
	memcpy(buf, &r->s, sizeof(r->s));
	return 0;
}

int
robust_load(struct robust *r, const void *buf, size_t len, char *err,
    size_t errlen)
{
	struct robust_state	 s;
	const char		*why = NULL;
	int			 i;

	if (len != sizeof(s)) {
		why = "state size mismatch";
		goto fail;
	}
	memcpy(&s, buf, sizeof(s));
	if (s.magic != ROBUST_MAGIC || s.version != ROBUST_VERSION) {
		why = "not a robust state of this version";
		goto fail;
	}
	if (s.zhead < 0 || s.zhead >= ROBUST_SMOOTH_MAX || s.win_head < 0 || s.win_head >= ROBUST_WINDOW || s.win_count < 0 ||
	    s.win_count > ROBUST_WINDOW) {
		why = "corrupt window";
		goto fail;
	}
	for (i = 0; i < ROBUST_SLOTS; i++) {
		if (s.slot_head[i] >= ROBUST_SLOT_DEPTH ||
		    s.slot_count[i] > ROBUST_SLOT_DEPTH) {
			why = "corrupt seasonal profile";
			goto fail;
		}
	}
	for (i = 0; i < ROBUST_PHASES; i++) {
		if (s.phase_head[i] >= ROBUST_PHASE_DEPTH ||
		    s.phase_count[i] > ROBUST_PHASE_DEPTH) {
			why = "corrupt hourly profile";
			goto fail;
		}
	}
	r->s = s;
	return 0;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "robust: %s", why);
	return -1;
}
