/*
 * Count-aware spike detector: binomial tail, judge, alert state machine.
 * Pure module (DESIGN section 4): no I/O, no allocation, no globals.
 */
#include "autoconf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "detector.h"

#define LN_SQRT_2PI	0.918938533204672741780329736406
#define LN_2PI		1.837877066409345483560659472811

/*
 * stirlerr(k) = ln(k!) - ln(sqrt(2 pi k) (k/e)^k) for k = 1..15, computed
 * with Python's decimal module at 50 digits.
 */
static const double stirlerr_small[16] = {
	0.0,
	8.10614667953272582197e-2,	/* 1 */
	4.13406959554092940938e-2,	/* 2 */
	2.76779256849983391488e-2,	/* 3 */
	2.07906721037650931115e-2,	/* 4 */
	1.66446911898211921632e-2,	/* 5 */
	1.38761288230707479987e-2,	/* 6 */
	1.18967099458917700951e-2,	/* 7 */
	1.04112652619720964975e-2,	/* 8 */
	9.25546218271273291773e-3,	/* 9 */
	8.33056343336287125647e-3,	/* 10 */
	7.57367548795184079497e-3,	/* 11 */
	6.94284010720952986566e-3,	/* 12 */
	6.40899418800420706844e-3,	/* 13 */
	5.95137011275884773562e-3,	/* 14 */
	5.55473355196280137104e-3,	/* 15 */
};

/* Error of Stirling's formula for ln(k!), k a whole number >= 1. */
static double
stirlerr(double k)
{
	const double	 s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260,
			 s3 = 1.0 / 1680, s4 = 1.0 / 1188;
	double		 kk;

	if (k <= 15)
		return stirlerr_small[(int)k];
	kk = k * k;
	if (k > 500)
		return (s0 - s1 / kk) / k;
	if (k > 80)
		return (s0 - (s1 - s2 / kk) / kk) / k;
	if (k > 35)
		return (s0 - (s1 - (s2 - s3 / kk) / kk) / kk) / k;
	return (s0 - (s1 - (s2 - (s3 - s4 / kk) / kk) / kk) / kk) / k;
}

/* x ln(x / np) + np - x without cancellation (Loader 2000). */
static double
bd0(double x, double np)
{
	double	 ej, s, s1, v;
	int	 j;

	if (fabs(x - np) < 0.1 * (x + np)) {
		v = (x - np) / (x + np);
		s = (x - np) * v;
		ej = 2 * x * v;
		v = v * v;
		for (j = 1; j < 1000; j++) {
			ej *= v;
			s1 = s + ej / (2 * j + 1);
			if (s1 == s)
				return s1;
			s = s1;
		}
		return s;
	}
	return x * log(x / np) + np - x;
}

static int
is_count(double x)
{
	return isfinite(x) && x >= 0 && x <= 9007199254740992.0 &&
	    x == floor(x);
}

/* ln P(X == k), q = 1 - p passed separately to keep its precision. */
static double
logpmf(double k, double n, double p, double q)
{
	double	 lc, lf;

	if (k == 0)
		return p < 0.5 ? n * log1p(-p) : n * log(q);
	if (k == n)
		return q < 0.5 ? n * log1p(-q) : n * log(p);
	lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) -
	    bd0(n - k, n * q);
	lf = LN_2PI + log(k) + log1p(-k / n);
	return lc - 0.5 * lf;
}

double
detector_binom_logpmf(double k, double n, double p)
{
	if (!is_count(k) || !is_count(n) || isnan(p) || p < 0 || p > 1)
		return NAN;
	if (k > n)
		return -INFINITY;
	if (p == 0)
		return k == 0 ? 0 : -INFINITY;
	if (p == 1)
		return k == n ? 0 : -INFINITY;
	return logpmf(k, n, p, 1 - p);
}

/* ln of 0.5 erfc(z / sqrt 2), the upper normal tail, for any z. */
static double
log_normal_sf(double z)
{
	if (z < 25)
		return log(0.5 * erfc(z / M_SQRT2));
	/* Asymptotic series: phi(z)/z (1 - 1/z^2 + 3/z^4). */
	return -0.5 * z * z - LN_SQRT_2PI - log(z) +
	    log1p(-1 / (z * z) + 3 / (z * z * z * z));
}

double
detector_binom_logsf(double e, double n, double p)
{
	double	 q, mean, sd, t, s, k, lower;

	if (isnan(e) || !is_count(n) || isnan(p) || p < 0 || p > 1)
		return NAN;
	e = ceil(e);
	if (e <= 0)
		return 0;
	if (e > n)
		return -INFINITY;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return 0;
	q = 1 - p;
	mean = n * p;
	sd = sqrt(n * p * q);
	if (sd > 1e5 && fabs(e - mean) < 20 * sd)
		return log_normal_sf((e - 0.5 - mean) / sd);
	if (e > mean) {
		/* Terms fall from P(X == e) on: sum their ratios. */
		s = t = 1;
		for (k = e; k < n; k++) {
			t *= (n - k) / (k + 1) * (p / q);
			s += t;
			if (t < s * 1e-17)
				break;
		}
		return logpmf(e, n, p, q) + log(s);
	}
	/* The tail holds the mode: 1 - P(X <= e - 1), summed downwards. */
	s = t = 1;
	for (k = e - 1; k > 0; k--) {
		t *= k / (n - k + 1) * (q / p);
		s += t;
		if (t < s * 1e-17)
			break;
	}
	lower = exp(logpmf(e - 1, n, p, q) + log(s));
	if (lower >= 1)
		return -INFINITY;	/* rounding only; cannot happen */
	return log1p(-lower);
}

double
detector_binom_sf(double e, double n, double p)
{
	return exp(detector_binom_logsf(e, n, p));
}

void
detector_params_default(struct detector_params *dp)
{
	dp->min_requests = 20;
	dp->min_errors = 5;
	dp->min_ratio = 3;
	dp->alpha = 1e-4;
	dp->ceiling = 0.1;
	dp->for_periods = 2;
	dp->resolve_after = 5;
	dp->repeat = 4 * 3600;
	dp->prior_strength = 100;
	dp->prior_rate = 0.01;
	dp->max_span = 30;
	dp->seq_ratio = 3;
	dp->seq_threshold = detector_seq_threshold(0.5, 60);
	dp->seq_steps = 4;
	dp->dispersion = 1;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
detector_params_check(const struct detector_params *dp, char *err,
    size_t errlen)
{
	if (!(dp->min_requests >= 1 && dp->min_requests <= 1e9))
		return fail(err, errlen, "min_requests must be 1 .. 1e9");
	if (!(dp->min_errors >= 1 && dp->min_errors <= 1e9))
		return fail(err, errlen, "min_errors must be 1 .. 1e9");
	if (!(dp->min_ratio >= 1 && dp->min_ratio <= 1e6))
		return fail(err, errlen, "min_ratio must be 1 .. 1e6");
	if (!(dp->alpha > 0 && dp->alpha < 1))
		return fail(err, errlen, "alpha must be in (0, 1)");
	if (!(dp->ceiling > 0 && dp->ceiling <= 1))
		return fail(err, errlen, "ceiling must be in (0, 1]");
	if (dp->for_periods < 1 || dp->for_periods > 1000)
		return fail(err, errlen, "for must be 1 .. 1000");
	if (dp->resolve_after < 1 || dp->resolve_after > 1000)
		return fail(err, errlen, "resolve_after must be 1 .. 1000");
	if (dp->repeat < 0)
		return fail(err, errlen, "repeat must not be negative");
	if (!(dp->prior_strength > 0 && dp->prior_strength <= 1e9))
		return fail(err, errlen, "prior_strength must be in (0, 1e9]");
	if (!(dp->prior_rate > 0 && dp->prior_rate < 1))
		return fail(err, errlen, "prior_rate must be in (0, 1)");
	if (dp->max_span < 1 || dp->max_span > 1440)
		return fail(err, errlen, "max_span must be 1 .. 1440");
	if (!(dp->seq_ratio == 0 || (dp->seq_ratio > 1 &&
	    dp->seq_ratio <= 1000)))
		return fail(err, errlen, "sequential_ratio must be 0 (off) "
		    "or in (1, 1000]");
	if (dp->seq_steps < 0 || dp->seq_steps > 1000)
		return fail(err, errlen, "sequential steps must be 0 .. 1000");
	if (!(dp->seq_threshold > 0 && dp->seq_threshold <= 1000))
		return fail(err, errlen, "sequential threshold must be in "
		    "(0, 1000]");
	return 0;
}

static void
judgement_init(struct detector_judgement *j, double n, double e)
{
	j->verdict = DETECTOR_NOT_JUDGED;
	j->reason = DETECTOR_R_NONE;
	j->excess = 0;
	j->span = 1;
	j->n = n;
	j->e = e;
	j->rate = NAN;
	j->p0 = NAN;
	j->log_pvalue = 0;
	j->pvalue = 1;
	j->test = DETECTOR_TEST_NONE;
	j->confirmed = 0;
	j->since = 0;
	j->llr = NAN;
}

static enum detector_verdict
not_judged(struct detector_judgement *j, enum detector_reason why)
{
	j->verdict = DETECTOR_NOT_JUDGED;
	j->reason = why;
	return j->verdict;
}

enum detector_verdict
detector_judge(const struct detector_params *dp, double n, double e,
    const struct detector_baseline *b, struct detector_judgement *j)
{
	double	 a0;

	judgement_init(j, n, e);
	if (!isfinite(n) || !isfinite(e) || n < 0 || e < 0)
		return not_judged(j, DETECTOR_R_BAD_INPUT);
	/* CloudWatch Sums of counts are whole; round any float noise. */
	n = j->n = round(n);
	e = j->e = round(e);
	if (n == 0)
		return not_judged(j, DETECTOR_R_NO_DATA);
	if (e > n)
		return not_judged(j, DETECTOR_R_ERRORS_EXCEED);
	j->rate = e / n;
	if (!isfinite(b->errors) || !isfinite(b->requests) ||
	    b->errors < 0 || b->requests < 0 || b->errors > b->requests)
		return not_judged(j, DETECTOR_R_BAD_BASELINE);
	a0 = dp->prior_strength * dp->prior_rate;
	j->p0 = (b->errors + a0) / (b->requests + dp->prior_strength);
	if (n < dp->min_requests)
		return not_judged(j, DETECTOR_R_FEW_REQUESTS);

	j->verdict = DETECTOR_NORMAL;
	if (b->learning) {
		if (e >= dp->min_errors && j->rate >= dp->ceiling) {
			j->excess = 1;
			j->verdict = DETECTOR_ANOMALOUS;
			j->test = DETECTOR_TEST_CEILING;
		}
		return j->verdict;
	}
	/*
	 * The tail is only worth computing past the cheap gates. The ratio
	 * gate forgives rounding, so e/n == min_ratio * p0 passes.
	 */
	if (e < dp->min_errors ||
	    e < dp->min_ratio * j->p0 * n * (1 - 1e-12))
		return j->verdict;
	if (dp->dispersion > 1 && isfinite(dp->dispersion))
		j->log_pvalue = detector_binom_logsf(floor(e / dp->dispersion),
		    fmax(floor(n / dp->dispersion), floor(e / dp->dispersion)),
		    j->p0);
	else
		j->log_pvalue = detector_binom_logsf(e, n, j->p0);
	j->pvalue = exp(j->log_pvalue);
	if (j->log_pvalue <= log(dp->alpha)) {
		j->excess = 1;
		j->verdict = DETECTOR_ANOMALOUS;
		j->test = DETECTOR_TEST_WINDOW;
	}
	return j->verdict;
}

enum detector_verdict
detector_judge_window(const struct detector_params *dp, const double *ns,
    const double *es, size_t count, const struct detector_baseline *b,
    struct detector_judgement *j)
{
	double	 n, e, newest_e;
	size_t	 i, span;

	if (count == 0) {
		judgement_init(j, 0, 0);
		return not_judged(j, DETECTOR_R_NO_DATA);
	}
	n = ns[count - 1];
	e = newest_e = es[count - 1];
	span = 1;
	/* Only a sound newest period is extended backwards. */
	if (isfinite(n) && isfinite(e) && n >= 0 && e >= 0 && e <= n) {
		for (i = count - 1; i > 0 && n < dp->min_requests &&
		    span < (size_t)dp->max_span; i--) {
			if (!isfinite(ns[i - 1]) || !isfinite(es[i - 1]) ||
			    ns[i - 1] < 0 || es[i - 1] < 0 ||
			    es[i - 1] > ns[i - 1])
				break;
			n += ns[i - 1];
			e += es[i - 1];
			span++;
		}
	}
	detector_judge(dp, n, e, b, j);
	j->span = (int)span;
	if (span > 1 && j->verdict == DETECTOR_ANOMALOUS &&
	    round(newest_e) < 1) {
		j->verdict = DETECTOR_NOT_JUDGED;
		j->reason = DETECTOR_R_STALE;
		j->test = DETECTOR_TEST_NONE;
	}
	return j->verdict;
}

void
detector_seq_init(struct detector_seq *q)
{
	q->llr = 0;
	q->since = 0;
	q->periods = 0;
	q->n = q->e = 0;
	q->alarm = 0;
}

double
detector_seq_threshold(double false_per_week, int64_t period_seconds)
{
	if (!(false_per_week > 0) || !isfinite(false_per_week) ||
	    period_seconds <= 0)
		return NAN;
	return log(604800.0 / (double)period_seconds / false_per_week);
}

double
detector_p0(const struct detector_params *dp,
    const struct detector_baseline *b)
{
	if (!isfinite(b->errors) || !isfinite(b->requests) ||
	    b->errors < 0 || b->requests < 0 || b->errors > b->requests)
		return NAN;
	return (b->errors + dp->prior_strength * dp->prior_rate) /
	    (b->requests + dp->prior_strength);
}

struct detector_baseline
detector_baseline_tod(const struct detector_params *dp,
    const struct detector_baseline *trail,
    const struct detector_baseline *tod, double weight)
{
	struct detector_baseline	b = *trail;
	double				r = detector_p0(dp, trail);

	if (!(weight > 0) || !isfinite(weight) || !(r > 0 && r < 1) ||
	    !isfinite(tod->errors) || !isfinite(tod->requests) ||
	    tod->errors < 0 || tod->requests < 0 ||
	    tod->errors > tod->requests)
		return b;
	b.errors = tod->errors + weight;
	b.requests = tod->requests + weight / r;
	if (b.errors > b.requests)
		b.errors = b.requests;
	return b;
}

int
detector_seq_update(const struct detector_params *dp,
    struct detector_seq *q, int64_t t, double n, double e,
    const struct detector_baseline *b, double phi)
{
	double	 p0, k = dp->seq_ratio, x, cap;

	if (k == 0 || b->learning || !isfinite(n) || !isfinite(e) ||
	    n < 0 || e < 0)
		return q->alarm;
	n = round(n);
	e = round(e);
	p0 = detector_p0(dp, b);
	if (n == 0 || e > n || !(p0 > 0 && p0 < 1))
		return q->alarm;
	x = e * log(k) - n * log1p((k - 1) * p0);
	if (phi > 1 && isfinite(phi))
		x /= phi;
	if (dp->seq_steps > 0 && x > dp->seq_threshold / dp->seq_steps)
		x = dp->seq_threshold / dp->seq_steps;
	if (q->llr + x <= 0) {
		detector_seq_init(q);
		return 0;
	}
	if (q->periods == 0) {
		q->since = t;
		q->n = q->e = 0;
	}
	q->periods++;
	q->n += n;
	q->e += e;
	q->llr += x;
	cap = dp->seq_threshold + 2 * log(k);
	if (q->llr > cap)
		q->llr = cap;
	/* hysteresis: in alarm until S falls 4 ln k below the cap */
	q->alarm = q->llr >= dp->seq_threshold -
	    (q->alarm ? 2 * log(k) : 0);
	return q->alarm;
}

enum detector_verdict
detector_judge_seq(const struct detector_params *dp,
    const struct detector_seq *q, struct detector_judgement *j)
{
	if (dp->seq_ratio == 0)
		return j->verdict;
	j->llr = q->llr;
	if (j->verdict == DETECTOR_ANOMALOUS || !q->alarm || q->periods == 0 ||
	    !(q->n > 0) || !(j->p0 > 0 && j->p0 < 1))
		return j->verdict;
	j->verdict = DETECTOR_ANOMALOUS;
	j->reason = DETECTOR_R_NONE;
	j->test = DETECTOR_TEST_SEQUENTIAL;
	j->confirmed = 1;
	j->span = q->periods;
	j->since = q->since;
	j->n = q->n;
	j->e = q->e;
	j->rate = q->e / q->n;
	j->log_pvalue = detector_binom_logsf(q->e, q->n, j->p0);
	j->pvalue = exp(j->log_pvalue);
	return j->verdict;
}

const char *
detector_test_str(enum detector_test t)
{
	switch (t) {
	case DETECTOR_TEST_NONE:
		return "";
	case DETECTOR_TEST_WINDOW:
		return "window";
	case DETECTOR_TEST_SEQUENTIAL:
		return "sequential";
	case DETECTOR_TEST_CEILING:
		return "ceiling";
	}
	return "";
}

const char *
detector_reason_str(enum detector_reason r)
{
	switch (r) {
	case DETECTOR_R_NONE:
		return "judged";
	case DETECTOR_R_NO_DATA:
		return "no requests";
	case DETECTOR_R_FEW_REQUESTS:
		return "too few requests";
	case DETECTOR_R_BAD_INPUT:
		return "invalid count (NaN, infinite or negative)";
	case DETECTOR_R_ERRORS_EXCEED:
		return "more errors than requests";
	case DETECTOR_R_BAD_BASELINE:
		return "invalid baseline";
	case DETECTOR_R_STALE:
		return "excess errors only in older periods";
	}
	return "unknown";
}

const char *
detector_verdict_str(enum detector_verdict v)
{
	switch (v) {
	case DETECTOR_NOT_JUDGED:
		return "not judged";
	case DETECTOR_NORMAL:
		return "normal";
	case DETECTOR_ANOMALOUS:
		return "anomalous";
	}
	return "unknown";
}

void
detector_alert_init(struct detector_alert *a)
{
	a->state = DETECTOR_ST_OK;
	a->anomalous_run = 0;
	a->normal_run = 0;
	a->since = 0;
	a->last_notified = 0;
	a->last_period = INT64_MIN;
}

static enum detector_transition
enter(struct detector_alert *a, enum detector_state st, int64_t t,
    enum detector_transition tr)
{
	a->state = st;
	a->since = t;
	if (tr == DETECTOR_TR_FIRING)
		a->last_notified = t;
	return tr;
}

enum detector_transition
detector_step(const struct detector_params *dp, struct detector_alert *a,
    int64_t t, enum detector_verdict v, int flags)
{
	if (t <= a->last_period && !(flags & DETECTOR_REEVALUATE))
		return DETECTOR_TR_NONE;
	if (t > a->last_period)
		a->last_period = t;

	if (v == DETECTOR_ANOMALOUS) {
		a->anomalous_run++;
		a->normal_run = 0;
	} else if (v == DETECTOR_NORMAL) {
		a->normal_run++;
		a->anomalous_run = 0;
	}

	switch (a->state) {
	case DETECTOR_ST_OK:
	case DETECTOR_ST_RESOLVED:
	case DETECTOR_ST_PENDING:
		if (v == DETECTOR_ANOMALOUS) {
			if (a->anomalous_run >= dp->for_periods ||
			    (flags & DETECTOR_CONFIRMED))
				return enter(a, DETECTOR_ST_FIRING, t,
				    DETECTOR_TR_FIRING);
			if (a->state != DETECTOR_ST_PENDING)
				return enter(a, DETECTOR_ST_PENDING, t,
				    DETECTOR_TR_PENDING);
		} else if (v == DETECTOR_NORMAL &&
		    a->state != DETECTOR_ST_OK)
			enter(a, DETECTOR_ST_OK, t, DETECTOR_TR_NONE);
		return DETECTOR_TR_NONE;
	case DETECTOR_ST_FIRING:
		if (v == DETECTOR_NORMAL &&
		    a->normal_run >= dp->resolve_after)
			return enter(a, DETECTOR_ST_RESOLVED, t,
			    DETECTOR_TR_RESOLVED);
		if (dp->repeat > 0 && t - a->last_notified >= dp->repeat) {
			a->last_notified = t;
			return DETECTOR_TR_REPEAT;
		}
		return DETECTOR_TR_NONE;
	}
	return DETECTOR_TR_NONE;
}

const char *
detector_state_str(enum detector_state s)
{
	switch (s) {
	case DETECTOR_ST_OK:
		return "ok";
	case DETECTOR_ST_PENDING:
		return "pending";
	case DETECTOR_ST_FIRING:
		return "firing";
	case DETECTOR_ST_RESOLVED:
		return "resolved";
	}
	return "unknown";
}

const char *
detector_transition_str(enum detector_transition tr)
{
	switch (tr) {
	case DETECTOR_TR_NONE:
		return "none";
	case DETECTOR_TR_PENDING:
		return "pending";
	case DETECTOR_TR_FIRING:
		return "firing";
	case DETECTOR_TR_REPEAT:
		return "repeat";
	case DETECTOR_TR_RESOLVED:
		return "resolved";
	}
	return "unknown";
}
