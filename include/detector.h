/*
 * Count-aware spike detection for error rates (DESIGN section 6): the
 * binomial tail, the judge of one period against a baseline, and the alert
 * state machine per (watch, entity, signal). Pure: no I/O, no allocation,
 * no global state; every function is safe to call from any thread.
 *
 * Times are epoch seconds of period starts (data time, not wall-clock), so
 * that a backtest and the daemon take the same decisions from the same data.
 */
#ifndef CWG_DETECTOR_H
#define CWG_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Natural log of P(X >= e) for X ~ Binomial(n, p). e and n are counts
 * (whole numbers held in doubles; n up to 2^53). Exact to ~1e-13 relative
 * in the log for any n: the first term uses Loader's saddle-point form of
 * the binomial pmf (stirlerr + bd0, as in R's dbinom), the rest of the tail
 * is summed by the term ratio until it no longer changes the sum. When the
 * standard deviation exceeds 1e5 and e lies within 20 of them from the mean
 * a normal approximation with continuity correction is used (relative
 * error ~1e-5 there, far from any alerting threshold). Far tails are fine
 * down to exp(-1e300): the result is a log. Returns 0 (p = 1) for e <= 0,
 * -INFINITY for e > n or p == 0 < e, NAN for NaN or out-of-range input.
 */
double	 detector_binom_logsf(double e, double n, double p);
/* exp() of the above (underflows to 0 below ~1e-308). */
double	 detector_binom_sf(double e, double n, double p);
/* Natural log of the pmf P(X == k), same method and conventions. */
double	 detector_binom_logpmf(double k, double n, double p);

/*
 * Parameters of a count watch (DESIGN section 3, [watch] keys). p0 is the
 * baseline rate smoothed by a Beta prior of weight prior_strength
 * (pseudo-requests) centred on prior_rate:
 *	p0 = (E + prior_strength * prior_rate) / (N + prior_strength)
 * so a baseline with no errors yet still has p0 > 0 (and p0 < 1).
 */
struct detector_params {
	double	 min_requests;	/* a window below this is not judged (20) */
	double	 min_errors;	/* anomalous needs e >= this (5) */
	double	 min_ratio;	/* anomalous needs e/n >= this * p0 (3) */
	double	 alpha;		/* anomalous needs P(X >= e) <= this (1e-4) */
	double	 ceiling;	/* learning: anomalous when rate >= this (0.1) */
	int	 for_periods;	/* anomalous periods in a row to fire (2) */
	int	 resolve_after;	/* normal periods in a row to resolve (5) */
	int64_t	 repeat;	/* seconds between re-notifications; 0 never */
	double	 prior_strength; /* pseudo-requests of the prior (100) */
	double	 prior_rate;	/* centre of the prior (0.01) */
	int	 max_span;	/* periods a window may reach back (30) */
	/* the sequential test (detector_seq_update) */
	double	 seq_ratio;	/* k of the alternative; 0: off (3) */
	double	 seq_threshold;	/* h, from the false-alert target (9.9) */
	int	 seq_steps;	/* a period adds at most h / this; 0 no cap (4) */
	/*
	 * The series' overdispersion (variance / binomial variance), set by
	 * the caller per series; <= 1 or NaN: binomial (1). The window's
	 * tail is then taken of floor(e / d) errors in floor(n / d)
	 * requests (quasi-binomial), the gates on the raw counts.
	 */
	double	 dispersion;
};

/* The defaults above. */
void	 detector_params_default(struct detector_params *);
/* Range checks of every field: 0, or -1 with a reason in err. */
int	 detector_params_check(const struct detector_params *, char *err,
	    size_t errlen);

/*
 * The baseline of one (entity, signal): errors and requests summed over the
 * trailing window, excluding the periods judged anomalous (hourly rollups
 * in the store). learning: the caller's verdict that the baseline is too
 * young to trust (the daemon: fewer than 6 hourly rollups); the static
 * ceiling applies then instead of the binomial test.
 */
struct detector_baseline {
	double	 errors;
	double	 requests;
	int	 learning;
};

/* The test that made a period anomalous. */
enum detector_test {
	DETECTOR_TEST_NONE = 0,
	DETECTOR_TEST_WINDOW,		/* binomial tail of the window */
	DETECTOR_TEST_SEQUENTIAL,	/* binomial CUSUM over the periods */
	DETECTOR_TEST_CEILING		/* static ceiling while learning */
};

enum detector_verdict {
	DETECTOR_NOT_JUDGED = 0,
	DETECTOR_NORMAL,
	DETECTOR_ANOMALOUS
};

enum detector_reason {
	DETECTOR_R_NONE = 0,		/* judged */
	DETECTOR_R_NO_DATA,		/* n == 0, or no periods at all */
	DETECTOR_R_FEW_REQUESTS,	/* n < min_requests */
	DETECTOR_R_BAD_INPUT,		/* NaN, infinite or negative n, e */
	DETECTOR_R_ERRORS_EXCEED,	/* e > n: inconsistent (late) data */
	DETECTOR_R_BAD_BASELINE,	/* NaN/negative baseline, E > N */
	DETECTOR_R_STALE		/* excess errors, none in the newest period */
};

struct detector_judgement {
	enum detector_verdict	 verdict;
	enum detector_reason	 reason;
	int	 excess;	/* the test (or ceiling) said anomalous: the
				   caller excludes the period from rollups */
	int	 span;		/* periods summed into n and e (1 or more) */
	double	 n, e;		/* the window that was judged */
	double	 rate;		/* e / n; NAN when not computable */
	double	 p0;		/* smoothed baseline rate, in (0, 1) */
	double	 log_pvalue;	/* ln P(X >= e | Bin(n, p0)); 0 if not run */
	double	 pvalue;	/* exp(log_pvalue) */
	/* why (detector_judge_seq); the caller may set since for a window */
	enum detector_test test;	/* NONE unless anomalous */
	int	 confirmed;	/* fire without waiting for for_periods */
	int64_t	 since;		/* first period of the span; 0 unknown */
	double	 llr;		/* the sequential test's statistic; NAN none */
};

/*
 * Judges one period of n requests and e errors (CloudWatch Sums, rounded
 * to whole counts) against a baseline. Returns the verdict, also stored in
 * *out with the figures. Anomalous when e >= min_errors, n >= min_requests,
 * e/n >= min_ratio * p0 and P(X >= e | Bin(n, p0)) <= alpha; while learning,
 * when n >= min_requests, e >= min_errors and e/n >= ceiling.
 */
enum detector_verdict detector_judge(const struct detector_params *,
	    double n, double e, const struct detector_baseline *,
	    struct detector_judgement *out);

/*
 * Judges the newest of count periods (ns[count-1], es[count-1] is the
 * period being judged; older ones before it, one per period, 0 for periods
 * with no data). When the newest period has fewer than min_requests, older
 * periods are added until the window reaches min_requests or max_span
 * periods, so that functions with a few requests a minute are judged over
 * a few minutes. A window of more than one period whose excess comes only
 * from older periods (no error in the newest) is DETECTOR_NOT_JUDGED with
 * DETECTOR_R_STALE: one burst does not count as several anomalous periods,
 * and the state machine neither advances nor resets on it. A NaN/negative
 * value in an older period ends the window there.
 */
enum detector_verdict detector_judge_window(const struct detector_params *,
	    const double *ns, const double *es, size_t count,
	    const struct detector_baseline *, struct detector_judgement *out);

/*
 * The sequential test of one (entity, signal): a binomial CUSUM of the
 * log-likelihood ratio of "rate has odds k times p0's" (k = seq_ratio,
 * p1 = k p0 / (1 - p0 + k p0), about k p0) against "rate = p0". Each
 * period of n requests and e errors adds
 *	x = e ln k - n ln(1 + (k - 1) p0)
 * and S = max(0, S + x), capped at h + 2 ln k. One period adds at most
 * h / seq_steps: a lone period of a busy entity whose rate jumps
 * by overdispersion cannot fire it (a short burst is the window test's);
 * truncating x only lowers S, so the bound below still holds. It enters
 * alarm when
 * S >= h and leaves it when S < h - 2 ln k (so a rise that goes on does
 * not flap between firing and resolved). Under rate p0, E[exp(x)] = 1, so by Wald's inequality a run from
 * 0 reaches h with probability at most exp(-h), and false alarms per
 * period are at most exp(-h): detector_seq_threshold() turns a target
 * rate per signal-week into h (doc/design-notes.md, "Sequential test").
 * State persisted by the store as is.
 */
struct detector_seq {
	double	 llr;		/* S, 0 <= S <= h + 2 ln k */
	int64_t	 since;		/* first period of the run (S > 0) */
	int	 periods;	/* periods of the run; 0: S == 0 */
	double	 n, e;		/* requests and errors of the run */
	int	 alarm;		/* in alarm after the last update */
};

/* A fresh state: S = 0, no run. */
void	 detector_seq_init(struct detector_seq *);
/*
 * h = ln(periods per week / false_per_week): at most false_per_week false
 * alarms per signal-week under the baseline rate (a bound; see above).
 * NAN for a non-positive or non-finite argument.
 */
double	 detector_seq_threshold(double false_per_week, int64_t period_seconds);
/*
 * A time-of-day baseline: the same hours of the previous days (tod)
 * shrunk towards the trailing baseline (trail) by a prior worth `weight`
 * errors at the trailing rate:
 *	E = E_tod + weight,  N = N_tod + weight / r_trail
 * so a well-filled band (many errors) is judged on its own rate and a
 * thin one (night traffic, few errors) falls back to the trailing rate.
 * The trailing rate is smoothed as p0 is. learning is trail's. Invalid
 * input (or weight <= 0) returns trail unchanged.
 */
struct detector_baseline detector_baseline_tod(const struct detector_params *,
	    const struct detector_baseline *trail,
	    const struct detector_baseline *tod, double weight);
/* The baseline's smoothed rate p0 (as detector_judge); NAN when invalid. */
double	 detector_p0(const struct detector_params *,
	    const struct detector_baseline *);
/*
 * Adds one period (start t) to the test. A period with no requests, bad
 * counts (NaN, negative, e > n), a learning or invalid baseline, or
 * seq_ratio 0 adds nothing (no evidence either way). phi is the counts'
 * overdispersion (variance / binomial variance, from the history; below
 * 1 or NaN counts as 1): x is divided by it, a quasi-likelihood ratio, so
 * noisy series need more evidence. Returns the alarm.
 */
int	 detector_seq_update(const struct detector_params *,
	    struct detector_seq *, int64_t t, double n, double e,
	    const struct detector_baseline *, double phi);
/*
 * Folds the test (updated for this period) into a window judgement: a
 * period the window found anomalous stays so (test window or ceiling);
 * otherwise, in alarm, the period is anomalous by the sequential test,
 * confirmed (it fires at once: the evidence is already accumulated), and
 * j's span, n, e, rate, since and p-value become the run's. j->llr is S.
 * excess stays 0: the period stays in the baseline (excluding the periods
 * of a small sustained excess would lock a baseline that is low, and keep
 * the test in alarm, after a drift; a few hours of it move a week's
 * baseline little).
 */
enum detector_verdict detector_judge_seq(const struct detector_params *,
	    const struct detector_seq *, struct detector_judgement *j);
/* "window", "sequential", "ceiling"; "" for none. */
const char *detector_test_str(enum detector_test);

const char *detector_reason_str(enum detector_reason);
const char *detector_verdict_str(enum detector_verdict);

/*
 * Alert state of one (watch, entity, signal), persisted by the store as is.
 *   ok -> pending: an anomalous period (for_periods > 1)
 *   ok/pending -> firing: for_periods anomalous periods in a row (notify)
 *   pending -> ok: a normal period
 *   firing -> firing: every `repeat` seconds of data time (notify again)
 *   firing -> resolved: resolve_after normal periods in a row (notify)
 *   resolved -> ok: next normal period; resolved -> pending/firing as ok
 * A not-judged period neither advances nor resets the runs (a gap in the
 * traffic is no evidence either way); repeat still applies on it.
 */
enum detector_state {
	DETECTOR_ST_OK = 0,
	DETECTOR_ST_PENDING,
	DETECTOR_ST_FIRING,
	DETECTOR_ST_RESOLVED
};

enum detector_transition {
	DETECTOR_TR_NONE = 0,
	DETECTOR_TR_PENDING,
	DETECTOR_TR_FIRING,
	DETECTOR_TR_REPEAT,
	DETECTOR_TR_RESOLVED
};

struct detector_alert {
	enum detector_state	 state;
	int	 anomalous_run;	/* anomalous periods in a row */
	int	 normal_run;	/* normal periods in a row */
	int64_t	 since;		/* period start that entered state; 0 none */
	int64_t	 last_notified;	/* period start of firing/last repeat */
	int64_t	 last_period;	/* newest period stepped; INT64_MIN none */
};

/* Step flags. */
#define DETECTOR_REEVALUATE	0x1	/* step even if period <= last_period */
#define DETECTOR_CONFIRMED	0x2	/* anomalous fires without `for` */

/* A fresh state: ok, no runs, nothing stepped. */
void	 detector_alert_init(struct detector_alert *);
/*
 * Advances the state by one period. Periods at or before last_period are
 * ignored (DETECTOR_TR_NONE, state untouched) unless DETECTOR_REEVALUATE is
 * given, so re-reading late data never double counts; with the flag the
 * caller replays from a state persisted before that period. Returns the
 * transition: the caller notifies on FIRING, REPEAT and RESOLVED.
 */
enum detector_transition detector_step(const struct detector_params *,
	    struct detector_alert *, int64_t period_start,
	    enum detector_verdict, int flags);

const char *detector_state_str(enum detector_state);
const char *detector_transition_str(enum detector_transition);

#endif
