/* detector: binomial tail, judge, window, alert state machine. */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "tap.h"

/*
 * ln P(X >= e | Bin(n, p)). References: Python 3.11 decimal at 60 digits.
 * "exact": the tail summed with fractions.Fraction and math.comb, then its
 * log in decimal (agrees with the other method to 1e-30). Others: ln k! by
 * exact factorial below 2000, else Stirling's series with 7 Bernoulli
 * terms; the tail summed from P(X = e) by the term ratio to 1e-40, or as
 * 1 - P(X <= e - 1) when e <= np. Script:
 *	lnfact(n) - lnfact(e) - lnfact(n - e) + e ln p + (n - e) ln q + ln S
 */
static const struct {
	double	 e, n, p, want;
} binom[] = {
	{ 3, 10, 0.1, -2.65653765455217164e+0 },		/* exact */
	{ 5, 20, 0.01, -1.35023079477759616e+1 },		/* exact */
	{ 1, 1, 0.3, -1.20397280432593599e+0 },			/* exact */
	{ 50, 100, 0.01, -1.63967236010328397e+2 },		/* exact */
	{ 200, 1000, 0.001, -8.85402003523489207e+2 },		/* exact */
	{ 50, 50, 0.5, -3.46573590279972655e+1 },		/* exact */
	{ 99, 100, 0.999, -4.64885760328550604e-3 },		/* exact */
	{ 1, 100, 0.999, 0 },					/* exact */
	{ 5, 1000000, 1e-9, -3.93271114569536682e+1 },
	{ 10, 200, 0.05, -6.06437164889912261e-1 },		/* exact */
	{ 12, 400, 0.01, -7.07111610200767713e+0 },		/* exact */
	{ 600, 1000, 0.5, -2.27152592398067463e+1 },		/* exact */
	{ 400, 1000, 0.5, -9.00841270668611573e-11 },		/* exact */
	{ 1000, 1000, 0.9, -1.05360515657826301e+2 },		/* exact */
	{ 10500000, 1e9, 0.01, -1.24289703381683051e+4 },
	{ 10003000, 1e9, 0.01, -1.77068169022370528e+0 },
	{ 9990000, 1e9, 0.01, -7.39601253338359865e-4 },
	{ 100, 1e9, 1e-8, -1.43376727110497530e+2 },
	{ 5, 1e9, 1e-9, -5.61033398917951162e+0 },
	{ 700, 800, 0.001, -4.53726807965098455e+3 },		/* exact */
	{ 25, 1000, 0.01, -1.00771457421398806e+1 },		/* ln 4.2029e-5 */
	{ 24, 1000, 0.01, -9.12339369888389747e+0 },		/* ln 1.0908e-4 */
};

static void
test_binom(void)
{
	size_t	 i;
	double	 got, tol, s;
	int	 k;

	for (i = 0; i < sizeof binom / sizeof binom[0]; i++) {
		got = detector_binom_logsf(binom[i].e, binom[i].n, binom[i].p);
		tol = 1e-11 * fmax(1, fabs(binom[i].want));
		if (binom[i].want == 0)
			tol = 1e-15;
		if (!ok(fabs(got - binom[i].want) <= tol,
		    "ln P(X >= %.0f | Bin(%.0f, %g)) = %.6g", binom[i].e,
		    binom[i].n, binom[i].p, binom[i].want))
			tap_diag("got %.17g", got);
	}
	/* The far tail stays a finite log far below 1e-300. */
	got = detector_binom_logsf(700, 800, 0.001);
	ok(isfinite(got) && got < log(1e-300), "far tail is a finite log");
	is_num(detector_binom_sf(700, 800, 0.001), 0, 0, "its sf underflows");
	is_num(detector_binom_sf(3, 10, 0.1), exp(-2.65653765455217164), 1e-15,
	    "sf = exp(logsf)");

	/* Edges. */
	is_num(detector_binom_logsf(0, 10, 0.1), 0, 0, "e = 0: p = 1");
	is_num(detector_binom_logsf(-3, 10, 0.1), 0, 0, "e < 0: p = 1");
	ok(isinf(detector_binom_logsf(11, 10, 0.1)), "e > n: p = 0");
	ok(isinf(detector_binom_logsf(1, 10, 0)), "p0 = 0, e > 0: p = 0");
	is_num(detector_binom_logsf(10, 10, 1), 0, 0, "p0 = 1: p = 1");
	is_num(detector_binom_logsf(0, 0, 0.5), 0, 0, "n = 0, e = 0");
	ok(isinf(detector_binom_logsf(1, 0, 0.5)), "n = 0, e = 1");
	ok(isnan(detector_binom_logsf(NAN, 10, 0.1)), "NaN e");
	ok(isnan(detector_binom_logsf(1, NAN, 0.1)), "NaN n");
	ok(isnan(detector_binom_logsf(1, 10, NAN)), "NaN p");
	ok(isnan(detector_binom_logsf(1, -10, 0.1)), "negative n");
	ok(isnan(detector_binom_logsf(1, 10.5, 0.1)), "fractional n");
	ok(isnan(detector_binom_logsf(1, 10, 1.5)), "p > 1");
	ok(isnan(detector_binom_logsf(1, INFINITY, 0.1)), "infinite n");
	is_num(detector_binom_logsf(2.5, 10, 0.1),
	    detector_binom_logsf(3, 10, 0.1), 0, "fractional e rounds up");

	/* The pmf sums to 1; P(X >= k) - P(X >= k + 1) = P(X = k). */
	for (s = 0, k = 0; k <= 30; k++)
		s += exp(detector_binom_logpmf(k, 30, 0.3));
	is_num(s, 1, 1e-13, "pmf of Bin(30, 0.3) sums to 1");
	is_num(exp(detector_binom_logsf(7, 30, 0.3)) -
	    exp(detector_binom_logsf(8, 30, 0.3)),
	    exp(detector_binom_logpmf(7, 30, 0.3)), 1e-15, "sf steps by pmf");
	is_num(detector_binom_logpmf(0, 1e9, 1e-9), 1e9 * log1p(-1e-9), 1e-12,
	    "pmf(0) of a huge n");
	ok(isinf(detector_binom_logpmf(11, 10, 0.5)), "pmf of k > n");
	ok(isnan(detector_binom_logpmf(-1, 10, 0.5)), "pmf of k < 0");

	/* Normal approximation above sd 1e5: the median sits at the mean. */
	got = detector_binom_logsf(1e11, 1e13, 0.01);
	is_num(got, log(0.5), 1e-5, "n = 1e13 at the mean: ~ ln 0.5");
	got = detector_binom_logsf(1e11 + 25 * sqrt(1e13 * 0.01 * 0.99),
	    1e13, 0.01);
	ok(got < -300 && got > -330, "n = 1e13, 25 sd up: %g (summed)", got);
}

struct judge_case {
	const char	*name;
	double		 n, e, be, bn;
	int		 learning;
	enum detector_verdict verdict;
	enum detector_reason reason;
};

/* Defaults: min_requests 20, min_errors 5, min_ratio 3, alpha 1e-4,
 * ceiling 0.1, prior 100 pseudo-requests at 1%. */
static const struct judge_case judge[] = {
	{ "n = 0", 0, 0, 100, 1e5, 0, DETECTOR_NOT_JUDGED, DETECTOR_R_NO_DATA },
	{ "n = 1, e = 1", 1, 1, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_FEW_REQUESTS },
	{ "n = 19 < min_requests", 19, 19, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_FEW_REQUESTS },
	{ "n = 20 = min_requests, e = 5 = min_errors", 20, 5, 100, 1e5, 0,
	    DETECTOR_ANOMALOUS, DETECTOR_R_NONE },
	{ "e = 4 < min_errors", 20, 4, 100, 1e5, 0, DETECTOR_NORMAL,
	    DETECTOR_R_NONE },
	{ "NaN n", NAN, 1, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_INPUT },
	{ "NaN e", 100, NAN, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_INPUT },
	{ "negative e", 100, -1, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_INPUT },
	{ "negative n", -100, 1, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_INPUT },
	{ "infinite n", INFINITY, 1, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_INPUT },
	{ "e > n", 30, 31, 100, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_ERRORS_EXCEED },
	{ "NaN baseline", 100, 50, NAN, 1e5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_BASELINE },
	{ "baseline E > N", 100, 50, 10, 5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_BASELINE },
	{ "negative baseline", 100, 50, -1, 5, 0, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_BAD_BASELINE },
	{ "huge n, 1.2x: significant but under min_ratio", 1e9, 1.2e6, 1e6,
	    1e9, 0, DETECTOR_NORMAL, DETECTOR_R_NONE },
	{ "huge n, 3.1x", 1e9, 3.1e6, 1e6, 1e9, 0, DETECTOR_ANOMALOUS,
	    DETECTOR_R_NONE },
	{ "ratio exactly 3 (prior only, p0 = 0.01)", 1000, 30, 0, 0, 0,
	    DETECTOR_ANOMALOUS, DETECTOR_R_NONE },
	{ "ratio 2.9", 1000, 29, 0, 0, 0, DETECTOR_NORMAL, DETECTOR_R_NONE },
	{ "p0 near 0, e = 5", 100, 5, 0, 1e9, 0, DETECTOR_ANOMALOUS,
	    DETECTOR_R_NONE },
	{ "p0 near 0, e = 4", 100, 4, 0, 1e9, 0, DETECTOR_NORMAL,
	    DETECTOR_R_NONE },
	{ "p0 near 1, all errors", 100, 100, 1e6, 1e6, 0, DETECTOR_NORMAL,
	    DETECTOR_R_NONE },
	{ "1% baseline, 5% of 1000: 3 sd but p > alpha? no: p ~ 1e-12", 1000,
	    50, 1e4, 1e6, 0, DETECTOR_ANOMALOUS, DETECTOR_R_NONE },
	{ "float noise rounds", 99.9999, 5.0000001, 0, 1e9, 0,
	    DETECTOR_ANOMALOUS, DETECTOR_R_NONE },
	{ "learning: 10% = ceiling", 100, 10, 0, 0, 1, DETECTOR_ANOMALOUS,
	    DETECTOR_R_NONE },
	{ "learning: 9%", 100, 9, 0, 0, 1, DETECTOR_NORMAL, DETECTOR_R_NONE },
	{ "learning: 20% but e < min_errors", 20, 4, 0, 0, 1, DETECTOR_NORMAL,
	    DETECTOR_R_NONE },
	{ "learning: n < min_requests", 10, 10, 0, 0, 1, DETECTOR_NOT_JUDGED,
	    DETECTOR_R_FEW_REQUESTS },
	{ "learning ignores a high baseline", 100, 50, 5e5, 1e6, 1,
	    DETECTOR_ANOMALOUS, DETECTOR_R_NONE },
};

static void
test_judge(void)
{
	struct detector_params		 dp;
	struct detector_baseline	 b;
	struct detector_judgement	 j;
	size_t				 i;
	char				 err[128];

	detector_params_default(&dp);
	ok(detector_params_check(&dp, err, sizeof err) == 0, "defaults valid");
	for (i = 0; i < sizeof judge / sizeof judge[0]; i++) {
		b.errors = judge[i].be;
		b.requests = judge[i].bn;
		b.learning = judge[i].learning;
		detector_judge(&dp, judge[i].n, judge[i].e, &b, &j);
		if (!ok(j.verdict == judge[i].verdict &&
		    j.reason == judge[i].reason, "judge: %s", judge[i].name))
			tap_diag("got %s (%s), p0 %g, p %g",
			    detector_verdict_str(j.verdict),
			    detector_reason_str(j.reason), j.p0, j.pvalue);
		ok(j.excess == (j.verdict == DETECTOR_ANOMALOUS),
		    "judge: %s: excess flag", judge[i].name);
		if (!isnan(j.p0))
			ok(j.p0 > 0 && j.p0 < 1, "judge: %s: 0 < p0 < 1",
			    judge[i].name);
	}

	/* p0 is the documented smoothing. */
	b.errors = 10;
	b.requests = 900;
	b.learning = 0;
	detector_judge(&dp, 100, 50, &b, &j);
	is_num(j.p0, (10 + 1.0) / (900 + 100), 1e-15, "p0 = (E+a)/(N+s)");
	is_num(j.rate, 0.5, 0, "rate = e/n");
	is_num(j.log_pvalue, detector_binom_logsf(50, 100, j.p0), 0,
	    "log p-value is the binomial tail at p0");

	/* The alpha gate alone: min_ratio 1, p0 = 0.01, n = 1000. */
	dp.min_ratio = 1;
	b.errors = b.requests = 0;
	is_int(detector_judge(&dp, 1000, 25, &b, &j), DETECTOR_ANOMALOUS,
	    "alpha: P(X >= 25) = 4.2e-5 <= 1e-4");
	is_int(detector_judge(&dp, 1000, 24, &b, &j), DETECTOR_NORMAL,
	    "alpha: P(X >= 24) = 1.09e-4 > 1e-4");
	dp.alpha = 1.1e-4;
	is_int(detector_judge(&dp, 1000, 24, &b, &j), DETECTOR_ANOMALOUS,
	    "alpha 1.1e-4 admits e = 24");

	/* Parameter checks. */
	detector_params_default(&dp);
	dp.alpha = 0;
	ok(detector_params_check(&dp, err, sizeof err) == -1 &&
	    strstr(err, "alpha") != NULL, "alpha 0 refused: %s", err);
	detector_params_default(&dp);
	dp.for_periods = 0;
	ok(detector_params_check(&dp, err, sizeof err) == -1, "for 0 refused");
	detector_params_default(&dp);
	dp.prior_rate = 1;
	ok(detector_params_check(&dp, err, sizeof err) == -1,
	    "prior_rate 1 refused");
	detector_params_default(&dp);
	dp.min_ratio = NAN;
	ok(detector_params_check(&dp, err, sizeof err) == -1,
	    "NaN min_ratio refused");
}

static void
test_window(void)
{
	struct detector_params		 dp;
	struct detector_baseline	 b = { 100, 1e5, 0 };
	struct detector_judgement	 j;
	double				 ns[20], es[20];
	int				 i;

	detector_params_default(&dp);
	{
		double n4[] = { 5, 5, 5, 5 }, e4[] = { 0, 0, 3, 3 };

		is_int(detector_judge_window(&dp, n4, e4, 4, &b, &j),
		    DETECTOR_ANOMALOUS, "window: 4 x 5 requests, 6 errors");
		is_int(j.span, 4, "window: spans 4 periods");
		is_num(j.n, 20, 0, "window: n summed");
		is_num(j.e, 6, 0, "window: e summed");
	}
	{
		double n3[] = { 10, 10, 10 }, e3[] = { 0, 6, 0 };

		is_int(detector_judge_window(&dp, n3, e3, 3, &b, &j),
		    DETECTOR_NOT_JUDGED, "window: burst only in an older period");
		is_int(j.reason, DETECTOR_R_STALE, "window: reason stale");
		ok(j.excess, "window: stale window still has excess");
	}
	{
		double n3[] = { 10, 10, 10 }, e3[] = { 6, 0, 0 };

		is_int(detector_judge_window(&dp, n3, e3, 3, &b, &j),
		    DETECTOR_NORMAL, "window: burst left the window");
		is_int(j.span, 2, "window: stops at min_requests");
	}
	{
		double n1[] = { 100, 30 }, e1[] = { 0, 10 };

		detector_judge_window(&dp, n1, e1, 2, &b, &j);
		is_int(j.span, 1, "window: a busy period stands alone");
	}
	for (i = 0; i < 20; i++)
		ns[i] = es[i] = 1;
	dp.max_span = 10;
	is_int(detector_judge_window(&dp, ns, es, 20, &b, &j),
	    DETECTOR_NOT_JUDGED, "window: 1 request a period, max_span 10");
	is_int(j.span, 10, "window: capped at max_span");
	is_int(j.reason, DETECTOR_R_FEW_REQUESTS, "window: too few");
	detector_params_default(&dp);
	{
		double n3[] = { NAN, 15, 10 }, e3[] = { 0, 5, 5 };

		is_int(detector_judge_window(&dp, n3, e3, 3, &b, &j),
		    DETECTOR_ANOMALOUS, "window: reaches 25 before the NaN");
		n3[0] = 15;
		n3[1] = NAN;
		is_int(detector_judge_window(&dp, n3, e3, 3, &b, &j),
		    DETECTOR_NOT_JUDGED, "window: a NaN period ends it");
		is_int(j.span, 1, "window: span 1 before the NaN");
	}
	is_int(detector_judge_window(&dp, ns, es, 0, &b, &j),
	    DETECTOR_NOT_JUDGED, "window: no periods");
	is_int(j.reason, DETECTOR_R_NO_DATA, "window: reason no data");
}

/*
 * Windows of low-traffic functions (the lowtraffic incidents and the traps
 * of bench/fleet.py). n and e are one digit per period, oldest first, the
 * last is the period judged. The default max_span (30 periods) lets a
 * function with one request a minute reach min_requests (20).
 */
static const struct window_case {
	const char	*n, *e;
	int		 max_span;	/* 0: the default */
	double		 base_errors;	/* baseline of 1e5 requests */
	enum detector_verdict verdict;
	enum detector_reason reason;
	int		 span;
	const char	*what;
} window_cases[] = {
	{ "11111111111111111111", "01010101010101010101", 0, 100,
	  DETECTOR_ANOMALOUS, DETECTOR_R_NONE, 20,
	  "1/min at 50% errors, judged over 20 periods" },
	{ "11111111111111111111", "01010101010101010101", 10, 100,
	  DETECTOR_NOT_JUDGED, DETECTOR_R_FEW_REQUESTS, 10,
	  "1/min at 50% errors, max_span 10: never judged" },
	{ "1111111111111111111111111111111111111111",
	  "0000000000000000000000000000001010101011", 0, 100,
	  DETECTOR_ANOMALOUS, DETECTOR_R_NONE, 20,
	  "incident starts inside the window: pre-incident periods dilute it" },
	{ "1111111111111111111111111111111111111111",
	  "0000000000000000000000000000000000101011", 0, 100,
	  DETECTOR_NORMAL, DETECTOR_R_NONE, 20,
	  "4 errors in 20 requests: below min_errors" },
	{ "0101010101010101010101010101010101010101",
	  "0101010101010101010101010101010101010101", 0, 100,
	  DETECTOR_NOT_JUDGED, DETECTOR_R_FEW_REQUESTS, 30,
	  "1 request every other minute: 15 in 30 periods, not judged" },
	{ "11111111111111111111", "01010101010101010110", 0, 100,
	  DETECTOR_NOT_JUDGED, DETECTOR_R_STALE, 20,
	  "no error in the newest period: stale" },
	{ "1111111111111111111111111111113111111111",
	  "0000000000000000000000000000003000000001", 0, 100,
	  DETECTOR_NORMAL, DETECTOR_R_NONE, 18,
	  "lone trap: 3 errors in one period, 1 later" },
	{ "2222222222222222222222222222222222222222",
	  "0000000000000000000000000000000000010001", 0, 2000,
	  DETECTOR_NORMAL, DETECTOR_R_NONE, 10,
	  "night-time bump at a 2% baseline: 2 errors in 20" },
	{ "1111111111111111111111111111111111111119",
	  "0000000000000000000000000000000000000005", 0, 100,
	  DETECTOR_ANOMALOUS, DETECTOR_R_NONE, 12,
	  "a burst in the newest period stops the window early" },
};

static void
test_window_table(void)
{
	struct detector_params		 dp;
	struct detector_baseline	 b;
	struct detector_judgement	 j;
	const struct window_case	*c;
	double				 ns[64], es[64];
	size_t				 i, k, len;

	detector_params_default(&dp);
	is_int(dp.max_span, 30, "default max_span is 30 periods");
	for (i = 0; i < sizeof window_cases / sizeof window_cases[0]; i++) {
		c = &window_cases[i];
		len = strlen(c->n);
		if (len != strlen(c->e) || len > 64) {
			ok(0, "table row %zu malformed", i);
			continue;
		}
		for (k = 0; k < len; k++) {
			ns[k] = c->n[k] - '0';
			es[k] = c->e[k] - '0';
		}
		detector_params_default(&dp);
		if (c->max_span > 0)
			dp.max_span = c->max_span;
		b.errors = c->base_errors;
		b.requests = 1e5;
		b.learning = 0;
		detector_judge_window(&dp, ns, es, len, &b, &j);
		if (!ok(j.verdict == c->verdict && j.reason == c->reason &&
		    j.span == c->span, "table: %s", c->what))
			tap_diag("got %s (%s), span %d, n %g, e %g",
			    detector_verdict_str(j.verdict),
			    detector_reason_str(j.reason), j.span, j.n, j.e);
	}
}

/*
 * Runs a sequence of verdicts ('A' anomalous, 'N' normal, '-' not judged)
 * one period (60 s) apart and returns the transitions ('.' none, 'P'
 * pending, 'F' firing, 'R' repeat, 'S' resolved) in buf.
 */
static const char *
run(int for_periods, int resolve_after, int64_t repeat, const char *seq,
    struct detector_alert *a, char *buf)
{
	static const char	 tr[] = ".PFRS";
	struct detector_params	 dp;
	enum detector_verdict	 v;
	size_t			 i;

	detector_params_default(&dp);
	dp.for_periods = for_periods;
	dp.resolve_after = resolve_after;
	dp.repeat = repeat;
	detector_alert_init(a);
	for (i = 0; seq[i] != '\0'; i++) {
		v = seq[i] == 'A' ? DETECTOR_ANOMALOUS : seq[i] == 'N' ?
		    DETECTOR_NORMAL : DETECTOR_NOT_JUDGED;
		buf[i] = tr[detector_step(&dp, a, 600000 + 60 * (int64_t)i,
		    v, 0)];
	}
	buf[i] = '\0';
	return buf;
}

static const struct {
	int		 for_periods, resolve_after;
	int64_t		 repeat;
	const char	*seq, *want;
	enum detector_state state;
} seqs[] = {
	{ 1, 1, 0, "NAN", ".FS", DETECTOR_ST_RESOLVED },
	{ 1, 1, 0, "NANN", ".FS.", DETECTOR_ST_OK },
	{ 1, 1, 0, "ANA", "FSF", DETECTOR_ST_FIRING },
	{ 2, 2, 0, "AANNN", "PF.S.", DETECTOR_ST_OK },
	{ 2, 2, 0, "ANAN", "P.P.", DETECTOR_ST_OK },
	{ 3, 5, 0, "AANAAA", "P..P.F", DETECTOR_ST_FIRING },
	{ 3, 5, 0, "AAAANNNNN", "P.F.....S", DETECTOR_ST_RESOLVED },
	{ 2, 3, 0, "A-A", "P.F", DETECTOR_ST_FIRING },
	{ 2, 3, 0, "A--N-A", "P....P", DETECTOR_ST_PENDING },
	{ 2, 3, 0, "A-N-A", "P...P", DETECTOR_ST_PENDING },
	{ 1, 3, 0, "AN-NN", "F...S", DETECTOR_ST_RESOLVED },
	{ 1, 3, 0, "ANN-AN-NN", "F.......S", DETECTOR_ST_RESOLVED },
	{ 2, 3, 0, "AANANANNN", "PF......S", DETECTOR_ST_RESOLVED },
	{ 1, 5, 180, "AAAAAAA", "F..R..R", DETECTOR_ST_FIRING },
	{ 1, 5, 120, "AAANNN", "F.R.R.", DETECTOR_ST_FIRING },
	{ 1, 5, 60, "A--", "FRR", DETECTOR_ST_FIRING },
	{ 1, 5, 0, "AAAAAAA", "F......", DETECTOR_ST_FIRING },
	{ 1, 2, 60, "AANN", "FRRS", DETECTOR_ST_RESOLVED },
	{ 2, 1, 0, "----", "....", DETECTOR_ST_OK },
	{ 2, 1, 0, "NNNN", "....", DETECTOR_ST_OK },
};

static void
test_state(void)
{
	struct detector_params	 dp;
	struct detector_alert	 a, restored;
	char			 buf[64], copy[sizeof a];
	size_t			 i;

	for (i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		is_str(run(seqs[i].for_periods, seqs[i].resolve_after,
		    seqs[i].repeat, seqs[i].seq, &a, buf), seqs[i].want,
		    seqs[i].seq);
		if (!ok(a.state == seqs[i].state, "%s (for %d, resolve %d, "
		    "repeat %lld) ends %s", seqs[i].seq, seqs[i].for_periods,
		    seqs[i].resolve_after, (long long)seqs[i].repeat,
		    detector_state_str(seqs[i].state)))
			tap_diag("got %s", detector_state_str(a.state));
	}

	/* since and last_notified record the period of the transition. */
	run(2, 2, 0, "NAA", &a, buf);
	is_int(a.since, 600000 + 120, "since = start of the firing period");
	is_int(a.last_notified, 600000 + 120, "last_notified = firing period");
	is_int(a.last_period, 600000 + 120, "last_period = newest period");

	/* Idempotent on re-judging the same or an older period. */
	detector_params_default(&dp);
	detector_alert_init(&a);
	is_int(detector_step(&dp, &a, 1000, DETECTOR_ANOMALOUS, 0),
	    DETECTOR_TR_PENDING, "first anomalous: pending");
	is_int(detector_step(&dp, &a, 1000, DETECTOR_ANOMALOUS, 0),
	    DETECTOR_TR_NONE, "same period again: ignored");
	is_int(a.anomalous_run, 1, "...and not counted");
	is_int(detector_step(&dp, &a, 940, DETECTOR_ANOMALOUS, 0),
	    DETECTOR_TR_NONE, "an older period: ignored");
	is_int(a.state, DETECTOR_ST_PENDING, "...still pending");
	is_int(a.last_period, 1000, "last_period unchanged");
	is_int(detector_step(&dp, &a, 1000, DETECTOR_ANOMALOUS,
	    DETECTOR_REEVALUATE), DETECTOR_TR_FIRING,
	    "re-evaluate counts it (caller replays)");
	is_int(a.last_period, 1000, "re-evaluate keeps the newest period");

	/* A not-judged period moves last_period but no run. */
	detector_alert_init(&a);
	detector_step(&dp, &a, 60, DETECTOR_ANOMALOUS, 0);
	detector_step(&dp, &a, 120, DETECTOR_NOT_JUDGED, 0);
	is_int(a.last_period, 120, "not judged: last_period advances");
	is_int(a.anomalous_run, 1, "not judged: run kept");

	/* Restart mid-pending from the persisted fields. */
	dp.for_periods = 3;
	detector_alert_init(&a);
	detector_step(&dp, &a, 60, DETECTOR_ANOMALOUS, 0);
	detector_step(&dp, &a, 120, DETECTOR_ANOMALOUS, 0);
	memcpy(copy, &a, sizeof a);
	memset(&a, 0xa5, sizeof a);
	memcpy(&restored, copy, sizeof restored);
	is_int(restored.state, DETECTOR_ST_PENDING, "restored: pending");
	is_int(detector_step(&dp, &restored, 120, DETECTOR_ANOMALOUS, 0),
	    DETECTOR_TR_NONE, "restored: re-read of the last period ignored");
	is_int(detector_step(&dp, &restored, 180, DETECTOR_ANOMALOUS, 0),
	    DETECTOR_TR_FIRING, "restored: third anomalous period fires");
	is_int(restored.since, 180, "restored: since = 180");

	/* Names. */
	is_str(detector_state_str(DETECTOR_ST_FIRING), "firing", "state name");
	is_str(detector_transition_str(DETECTOR_TR_REPEAT), "repeat",
	    "transition name");
	is_str(detector_verdict_str(DETECTOR_NOT_JUDGED), "not judged",
	    "verdict name");
	is_str(detector_reason_str(DETECTOR_R_FEW_REQUESTS),
	    "too few requests", "reason name");
}

/* Overdispersion: the window's tail of e / d errors in n / d requests. */
static void
test_dispersion(void)
{
	struct detector_params		dp;
	struct detector_baseline	b = { 990, 100000, 0 };
	struct detector_judgement	j1, j4;

	detector_params_default(&dp);
	detector_judge(&dp, 400, 16, &b, &j1);
	dp.dispersion = 4;
	detector_judge(&dp, 400, 16, &b, &j4);
	ok(j1.verdict == DETECTOR_ANOMALOUS && j4.verdict == DETECTOR_NORMAL,
	    "dispersion 4: 16/400 against 1 %% is no longer anomalous");
	is_num(j4.log_pvalue, detector_binom_logsf(4, 100, j4.p0), 1e-12,
	    "dispersion 4: the tail of 4 in 100");
	detector_judge(&dp, 400, 200, &b, &j4);
	ok(j4.verdict == DETECTOR_ANOMALOUS,
	    "dispersion 4: an outage (50 %%) still is");
	dp.dispersion = 0.5;
	detector_judge(&dp, 400, 16, &b, &j4);
	ok(j4.log_pvalue == j1.log_pvalue, "dispersion below 1 counts as 1");
}

int
main(void)
{
	test_dispersion();
	test_binom();
	test_judge();
	test_window();
	test_window_table();
	test_state();
	return tap_done();
}
