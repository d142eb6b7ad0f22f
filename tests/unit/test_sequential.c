/*
 * detector: the sequential test (binomial CUSUM). Tables of step changes
 * (no change, 1.5x, 3x, 10x at n = 5, 50, 500 per period), periods with no
 * requests, p0 near 0, the fold into a window judgement, and the threshold
 * checked against simulated false alarms (doc/design-notes.md, "Sequential
 * test").
 */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "tap.h"

#define WEEK	10080	/* periods of 60 s */

/* splitmix64: a fixed stream, so every run checks the same numbers. */
static uint64_t rng_state;

static double
rng_unit(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

/* Binomial(n, p) by inversion from 0 (n p is small in every table). */
static double
rng_binom(int n, double p)
{
	double	u = rng_unit(), pk = pow(1 - p, n), cdf = pk, r = p / (1 - p);
	int	k = 0;

	while (u > cdf && k < n) {
		pk *= (double)(n - k) / (k + 1) * r;
		k++;
		cdf += pk;
	}
	return k;
}

/* A baseline whose smoothed rate is p0 (to ~1e-8 relative). */
static struct detector_baseline
baseline(double p0)
{
	struct detector_baseline	b;

	b.requests = 1e10;
	b.errors = p0 * (b.requests + 100) - 1;
	b.learning = 0;
	return b;
}

static void
test_threshold(void)
{
	struct detector_params	dp;

	detector_params_default(&dp);
	is_num(detector_seq_threshold(0.05, 60), log(201600.0), 1e-12,
	    "threshold: 0.05 per signal-week at 60 s is ln 201600");
	is_num(dp.seq_threshold, log(20160.0), 1e-12,
	    "threshold: the default, 0.5 per signal-week at 60 s, is ln 20160");
	is_num(detector_seq_threshold(1, 300), log(2016.0), 1e-12,
	    "threshold: 1 per signal-week at 300 s is ln 2016");
	ok(isnan(detector_seq_threshold(0, 60)) &&
	    isnan(detector_seq_threshold(-1, 60)) &&
	    isnan(detector_seq_threshold(NAN, 60)) &&
	    isnan(detector_seq_threshold(1, 0)),
	    "threshold: NAN for a bad target or period");
	is_num(dp.seq_ratio, 3, 0, "default ratio 3");
	dp.seq_ratio = 1;
	ok(detector_params_check(&dp, NULL, 0) == -1, "ratio 1 refused");
	dp.seq_ratio = 0;
	ok(detector_params_check(&dp, NULL, 0) == 0, "ratio 0 (off) accepted");
	dp.seq_ratio = 3;
	dp.seq_threshold = NAN;
	ok(detector_params_check(&dp, NULL, 0) == -1, "NAN threshold refused");
}

/*
 * The identity behind the threshold: under rate p0 the increment x of a
 * period has E[exp(x)] = 1, whatever n, p0 and k.
 */
static void
test_martingale(void)
{
	static const struct {
		double	 n, p0, k;
	} t[] = {
		{ 1, 0.01, 3 }, { 50, 0.005, 3 }, { 500, 0.001, 10 },
		{ 200, 0.3, 2 }, { 1000, 1e-6, 3 }, { 20, 0.9, 1.5 },
	};
	double	 sum, x;
	size_t	 i;
	int	 e;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		sum = 0;
		for (e = 0; e <= t[i].n; e++) {
			x = e * log(t[i].k) - t[i].n * log1p((t[i].k - 1) *
			    t[i].p0);
			sum += exp(detector_binom_logpmf(e, t[i].n, t[i].p0) +
			    x);
		}
		is_num(sum, 1, 1e-9, "E[exp(x)] = 1 under p0 (table row)");
	}
}

/*
 * Step tables: the rate becomes mult x p0 at period 0 with S = 0. No
 * change must stay quiet for a week in nearly every replication. 1.5x is
 * below the break-even (k - 1) / ln k = 1.82x of k = 3: S drifts down and
 * reaches h only by a rare excursion, so it is found, if at all, more than
 * 10 times later than Wald's delay for 3x. 3x and 10x must fire near
 * Wald's approximation of the delay, h / (n p0 (m ln k - k + 1)) periods
 * (overshoot ignored, so the median may be a little later).
 */
static void
test_steps(void)
{
	static const double	 mults[] = { 1, 1.5, 3, 10 };
	static const int	 ns[] = { 5, 50, 500 };
	struct detector_params	 dp;
	struct detector_baseline b;
	struct detector_seq	 q;
	double			 p0 = 0.005, drift, wald, delays[30], med, wald3;
	int			 mi, ni, r, t, fired, limit;
	const int		 R = 30;

	detector_params_default(&dp);
	b = baseline(p0);
	for (mi = 0; mi < 4; mi++) {
		for (ni = 0; ni < 3; ni++) {
			rng_state = 1000 * mi + ni;
			drift = ns[ni] * p0 * (mults[mi] * log(dp.seq_ratio) -
			    dp.seq_ratio + 1);
			wald = drift > 0 ? dp.seq_threshold / drift : INFINITY;
			/* a period adds at most h / seq_steps */
			if (wald < dp.seq_steps)
				wald = dp.seq_steps;
			limit = drift > 0 ? (int)(4 * wald) + 50 : WEEK;
			wald3 = dp.seq_threshold / (ns[ni] * p0 *
			    (3 * log(dp.seq_ratio) - dp.seq_ratio + 1));
			fired = 0;
			for (r = 0; r < R; r++) {
				detector_seq_init(&q);
				delays[r] = INFINITY;
				for (t = 0; t < limit; t++) {
					if (detector_seq_update(&dp, &q,
					    (int64_t)t * 60, ns[ni],
					    rng_binom(ns[ni], mults[mi] * p0),
					    &b, 1)) {
						delays[r] = t + 1;
						fired++;
						break;
					}
				}
			}
			if (mults[mi] == 1) {
				ok(fired <= 2, "no change at n = %d: %d of %d "
				    "weeks fire (at most 2)", ns[ni], fired, R);
				continue;
			}
			/* median of 30 by a small sort */
			for (r = 1; r < R; r++) {
				for (t = r; t > 0 && delays[t - 1] >
				    delays[t]; t--) {
					med = delays[t];
					delays[t] = delays[t - 1];
					delays[t - 1] = med;
				}
			}
			med = (delays[R / 2 - 1] + delays[R / 2]) / 2;
			if (mults[mi] < 1.82) {
				ok(med > 10 * wald3, "1.5x at n = %d: median "
				    "delay %.0f periods > 10 x 3x's %.1f (%d of "
				    "%d within a week)", ns[ni], med, wald3,
				    fired, R);
				continue;
			}
			ok(fired == R, "%gx at n = %d: all %d fire within "
			    "%d periods", mults[mi], ns[ni], R, limit);
			ok(med >= 0.5 * wald && med <= 2 * wald + 2,
			    "%gx at n = %d: median delay %.0f periods, Wald "
			    "%.1f", mults[mi], ns[ni], med, wald);
		}
	}
	/* the case: 3x on 50-150 req/min, base 0.05 %-1 % */
	b = baseline(0.003);
	rng_state = 77;
	for (r = 0; r < R; r++) {
		detector_seq_init(&q);
		for (t = 0; t < 600 && !q.alarm; t++)
			detector_seq_update(&dp, &q, (int64_t)t * 60, 100,
			    rng_binom(100, 0.009), &b, 1);
		for (ni = r; ni > 0 && delays[ni - 1] > t; ni--)
			delays[ni] = delays[ni - 1];
		delays[ni] = t;
	}
	med = (delays[R / 2 - 1] + delays[R / 2]) / 2;
	ok(med <= 45, "3x of 0.3 %% at 100/min: median delay %.0f periods "
	    "(Wald %.0f)", med, dp.seq_threshold / (100 * 0.003 *
	    (3 * log(3) - 2)));
}

/* Periods with no requests, bad counts, learning: no evidence. */
static void
test_no_evidence(void)
{
	struct detector_params	 dp;
	struct detector_baseline b, lb;
	struct detector_seq	 q, before;

	detector_params_default(&dp);
	b = baseline(0.01);
	detector_seq_init(&q);
	detector_seq_update(&dp, &q, 0, 100, 5, &b, 1);
	detector_seq_update(&dp, &q, 60, 100, 4, &b, 1);
	ok(q.llr > 0 && q.periods == 2 && q.since == 0 && q.n == 200 &&
	    q.e == 9, "a run of two periods: since, n, e");
	before = q;
	detector_seq_update(&dp, &q, 120, 0, 0, &b, 1);
	ok(memcmp(&q, &before, sizeof q) == 0, "n = 0: state unchanged");
	detector_seq_update(&dp, &q, 180, NAN, 1, &b, 1);
	detector_seq_update(&dp, &q, 240, 10, -1, &b, 1);
	detector_seq_update(&dp, &q, 300, 10, 11, &b, 1);
	ok(memcmp(&q, &before, sizeof q) == 0,
	    "NaN, negative, e > n: state unchanged");
	lb = b;
	lb.learning = 1;
	detector_seq_update(&dp, &q, 360, 100, 50, &lb, 1);
	ok(memcmp(&q, &before, sizeof q) == 0, "learning: state unchanged");
	lb = b;
	lb.errors = lb.requests + 1;
	detector_seq_update(&dp, &q, 360, 100, 50, &lb, 1);
	ok(memcmp(&q, &before, sizeof q) == 0, "bad baseline: unchanged");
	dp.seq_ratio = 0;
	detector_seq_update(&dp, &q, 360, 100, 50, &b, 1);
	ok(memcmp(&q, &before, sizeof q) == 0, "ratio 0: off");
	dp.seq_ratio = 3;
	{
		struct detector_seq	q1, q4, qn;

		detector_seq_init(&q1);
		detector_seq_init(&q4);
		detector_seq_init(&qn);
		detector_seq_update(&dp, &q1, 0, 100, 4, &b, 1);
		detector_seq_update(&dp, &q4, 0, 100, 4, &b, 4);
		detector_seq_update(&dp, &qn, 0, 100, 4, &b, 0.5);
		is_num(q4.llr, q1.llr / 4, 1e-12,
		    "overdispersion 4: a quarter of the evidence");
		is_num(qn.llr, q1.llr, 0, "overdispersion below 1 counts as 1");
	}
	dp.seq_ratio = 3;
	/* a quiet stretch ends the run */
	detector_seq_update(&dp, &q, 420, 1000, 0, &b, 1);
	ok(q.llr == 0 && q.periods == 0 && q.n == 0 && !q.alarm,
	    "no errors in 1000 requests: back to 0, run reset");
	detector_seq_update(&dp, &q, 480, 100, 3, &b, 1);
	ok(q.since == 480 && q.periods == 1 && q.e == 3,
	    "a new run starts at its first period");
}

/* p0 near 0: each error is worth ln k, requests almost nothing. */
static void
test_small_p0(void)
{
	struct detector_params	 dp;
	struct detector_baseline b;
	struct detector_seq	 q;
	double			 x;
	int			 t, want;

	detector_params_default(&dp);
	b.requests = 1e9;
	b.errors = 0;
	b.learning = 0;		/* p0 = 1 / (1e9 + 100) */
	detector_seq_init(&q);
	detector_seq_update(&dp, &q, 0, 50, 1, &b, 1);
	is_num(q.llr, log(3) - 50 * log1p(2 * detector_p0(&dp, &b)), 1e-12,
	    "p0 ~1e-9: one error adds ln 3");
	ok(!q.alarm, "p0 ~1e-9: a lone error does not fire");
	x = log(3) - 50 * log1p(2 * detector_p0(&dp, &b));
	want = (int)ceil(dp.seq_threshold / x);
	for (t = 1; t < 100 && !q.alarm; t++)
		detector_seq_update(&dp, &q, t * 60, 50, 1, &b, 1);
	is_int(t, want, "p0 ~1e-9: one error a period fires after "
	    "ceil(h / ln 3) periods");
	for (; t < 200; t++)
		detector_seq_update(&dp, &q, t * 60, 50, 50, &b, 1);
	ok(q.llr <= dp.seq_threshold + 2 * log(3) + 1e-12 && q.alarm,
	    "S is capped at h + 2 ln k");
	for (; t < 210; t++)
		detector_seq_update(&dp, &q, t * 60, 50, 0, &b, 1);
	ok(q.alarm, "p0 ~1e-9: quiet periods hardly lower S");

	/* hysteresis: out of alarm only 4 ln k below the cap */
	b = baseline(0.01);
	detector_seq_init(&q);
	for (t = 0; !q.alarm && t < 100; t++)
		detector_seq_update(&dp, &q, t * 60, 100, 10, &b, 1);
	for (; t < 110; t++)
		detector_seq_update(&dp, &q, t * 60, 100, 10, &b, 1);
	is_num(q.llr, dp.seq_threshold + 2 * log(3), 1e-12, "at the cap");
	/* one quiet period of 100 requests: x = -100 ln 1.02 = -1.98 */
	detector_seq_update(&dp, &q, t++ * 60, 100, 0, &b, 1);
	detector_seq_update(&dp, &q, t++ * 60, 100, 0, &b, 1);
	ok(q.alarm && q.llr < dp.seq_threshold,
	    "below h, still in alarm (hysteresis)");
	while (q.alarm && t < 200)
		detector_seq_update(&dp, &q, t++ * 60, 100, 0, &b, 1);
	ok(!q.alarm && q.llr < dp.seq_threshold - 2 * log(3) &&
	    q.llr >= dp.seq_threshold - 2 * log(3) - 100 * log1p(0.02),
	    "out of alarm once S < h - 2 ln k");
}

/* The fold into a judgement and the confirmed step. */
static void
test_fold(void)
{
	struct detector_params	 dp;
	struct detector_baseline b;
	struct detector_judgement j;
	struct detector_seq	 q;
	struct detector_alert	 a;
	double			 ns[1] = { 60 }, es[1] = { 2 };
	int			 t;

	detector_params_default(&dp);
	b = baseline(0.005);
	detector_seq_init(&q);
	for (t = 0; !q.alarm && t < 100; t++)
		detector_seq_update(&dp, &q, 6000 + t * 60, 60, 2, &b, 1);
	ok(q.alarm, "2 errors in 60 a period (6.7x of 0.5 %%) alarms");
	detector_judge_window(&dp, ns, es, 1, &b, &j);
	ok(j.verdict == DETECTOR_NORMAL && j.test == DETECTOR_TEST_NONE,
	    "the window alone: normal (2 errors < min_errors)");
	detector_judge_seq(&dp, &q, &j);
	ok(j.verdict == DETECTOR_ANOMALOUS && j.test ==
	    DETECTOR_TEST_SEQUENTIAL && j.confirmed && !j.excess,
	    "fold: anomalous by the sequential test, confirmed, kept in the "
	    "baseline");
	ok(j.span == t && j.since == 6000 && j.n == 60.0 * t &&
	    j.e == 2.0 * t && fabs(j.rate - 2.0 / 60) < 1e-12,
	    "fold: span, since, n, e, rate of the run");
	is_num(j.log_pvalue, detector_binom_logsf(2.0 * t, 60.0 * t, j.p0),
	    1e-9, "fold: p-value of the run's errors against p0");
	ok(j.llr == q.llr && j.llr >= dp.seq_threshold, "fold: llr is S");
	is_str(detector_test_str(j.test), "sequential", "test name");

	es[0] = 30;
	detector_judge_window(&dp, ns, es, 1, &b, &j);
	detector_judge_seq(&dp, &q, &j);
	ok(j.test == DETECTOR_TEST_WINDOW && !j.confirmed && j.span == 1 &&
	    j.n == 60, "fold: a window anomaly stays the window's");
	detector_seq_init(&q);
	es[0] = 2;
	detector_judge_window(&dp, ns, es, 1, &b, &j);
	detector_judge_seq(&dp, &q, &j);
	ok(j.verdict == DETECTOR_NORMAL && j.llr == 0,
	    "fold: no alarm, normal stays normal");

	detector_alert_init(&a);
	ok(detector_step(&dp, &a, 60, DETECTOR_ANOMALOUS, 0) ==
	    DETECTOR_TR_PENDING, "for = 2: one anomalous period is pending");
	detector_alert_init(&a);
	ok(detector_step(&dp, &a, 60, DETECTOR_ANOMALOUS,
	    DETECTOR_CONFIRMED) == DETECTOR_TR_FIRING,
	    "confirmed: fires at once");
}

/*
 * The bound checked by simulation: alarms under p0 over T periods, each
 * alarm an entry into alarm. Wald: at most T exp(-h). Without the cap on
 * a period's step the bound is not vacuous: the measured rate is within
 * a factor of 20 of it. With the cap (the default) the rate is lower
 * still, never higher.
 */
static void
test_false_rate(void)
{
	static const struct {
		int	 n;
		double	 p0, per_week;
		long	 periods;
	} t[] = {
		{ 20, 0.02, 20, 2000000 },
		{ 200, 0.002, 20, 2000000 },
		{ 5, 0.05, 20, 2000000 },
		{ 50, 0.01, 0.05, 5040000 },	/* 500 weeks */
		{ 50, 0.01, 0.5, 5040000 },	/* the default, 500 weeks */
	};
	struct detector_params	 dp;
	struct detector_baseline b;
	struct detector_seq	 q;
	double			 bound, rate;
	long			 i, alarms, uncapped = 0;
	size_t			 k;
	int			 was, steps;

	detector_params_default(&dp);
	for (k = 0; k < 2 * sizeof t / sizeof t[0]; k++) {
	    steps = k % 2 ? 4 : 0;
	    dp.seq_steps = steps;
	    k /= 2;
		dp.seq_threshold = detector_seq_threshold(t[k].per_week, 60);
		b = baseline(t[k].p0);
		rng_state = 4242 + k;
		detector_seq_init(&q);
		alarms = 0;
		for (i = 0; i < t[k].periods; i++) {
			was = q.alarm;
			if (detector_seq_update(&dp, &q, i * 60, t[k].n,
			    rng_binom(t[k].n, t[k].p0), &b, 1) && !was)
				alarms++;
		}
		bound = t[k].periods * exp(-dp.seq_threshold);
		rate = alarms / (t[k].periods / (double)WEEK);
		tap_diag("n %d p0 %g target %g/week (h %.2f, steps %d): %ld "
		    "alarms in %.0f weeks = %.4f/week, bound %.1f alarms",
		    t[k].n, t[k].p0, t[k].per_week, dp.seq_threshold, steps,
		    alarms, t[k].periods / (double)WEEK, rate, bound);
		ok(alarms <= bound, "false alarms within Wald's bound "
		    "(n %d, p0 %g, %g/week, steps %d)", t[k].n, t[k].p0,
		    t[k].per_week, steps);
		if (steps == 0) {
			uncapped = alarms;
			if (bound >= 100)
				ok(alarms >= bound / 20, "and the bound is "
				    "within a factor of 20 (n %d, p0 %g)",
				    t[k].n, t[k].p0);
		} else
			ok(alarms <= uncapped, "the cap only lowers the rate "
			    "(n %d, p0 %g)", t[k].n, t[k].p0);
		k = 2 * k + (steps ? 1 : 0);
	}
}

/* The time-of-day baseline: shrunk towards the trailing rate. */
static void
test_tod(void)
{
	struct detector_params	 dp;
	struct detector_baseline trail, tod, b;
	double			 r;

	detector_params_default(&dp);
	trail.requests = 1e6;
	trail.errors = 1e4;		/* 1 % */
	trail.learning = 0;
	r = detector_p0(&dp, &trail);
	tod.requests = 0;
	tod.errors = 0;
	tod.learning = 0;
	b = detector_baseline_tod(&dp, &trail, &tod, 20);
	is_num(detector_p0(&dp, &b), r, 2e-3 * r,
	    "tod: an empty band falls back to the trailing rate");
	tod.requests = 1e5;
	tod.errors = 2000;		/* 2 % at night, 2000 errors */
	b = detector_baseline_tod(&dp, &trail, &tod, 20);
	ok(fabs(detector_p0(&dp, &b) - 0.02) < 0.0005,
	    "tod: a well-filled band is judged on its own rate (%.4f)",
	    detector_p0(&dp, &b));
	tod.requests = 1000;
	tod.errors = 20;		/* 2 %, but 20 errors only */
	b = detector_baseline_tod(&dp, &trail, &tod, 20);
	ok(detector_p0(&dp, &b) > 0.012 && detector_p0(&dp, &b) < 0.016,
	    "tod: a thin band moves part of the way (%.4f)", detector_p0(&dp, &b));
	ok(b.learning == trail.learning, "tod: learning is the trailing's");
	tod.errors = tod.requests + 1;
	b = detector_baseline_tod(&dp, &trail, &tod, 20);
	ok(b.errors == trail.errors && b.requests == trail.requests,
	    "tod: a bad band is ignored");
	tod.errors = 5;
	b = detector_baseline_tod(&dp, &trail, &tod, 0);
	ok(b.errors == trail.errors, "tod: weight 0 is ignored");
}

int
main(void)
{
	test_tod();
	test_threshold();
	test_martingale();
	test_steps();
	test_no_evidence();
	test_small_p0();
	test_fold();
	test_false_rate();
	return tap_done();
}
