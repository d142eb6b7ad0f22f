/*
 * The polling rule of count watches (poll = auto, doc/design-notes.md
 * "Polling cadence"): how many cycles until an entity is fetched again,
 * from its recent traffic and its alert state. GetMetricData bills per
 * metric asked per call, not per datapoint, so a poll that fetches every
 * period since the last one costs what a poll of one period costs: a
 * quiet entity polled every k cycles loses no period, only latency.
 * Pure: no I/O, no allocation, no global state.
 */
#ifndef CWG_CADENCE_H
#define CWG_CADENCE_H

#include <stdint.h>

/* What the entity's series show after its last poll (the worst of them). */
enum cadence_state {
	CADENCE_OK = 0,
	CADENCE_RISING,	/* a window with evidence, not yet significant */
	CADENCE_PENDING,
	CADENCE_FIRING
};

struct cadence_in {
	double		 rate;		/* requests per period, smoothed;
					   < 0: unknown (a new entity) */
	int		 outage;	/* was busy, its newest periods had
					   no requests (not yet idle) */
	int		 idle;		/* no requests for WATCH_IDLE_AFTER */
	enum cadence_state	 state;
	int		 current;	/* the gap chosen last, cycles (>= 1) */
	double		 min_requests;	/* of the watch's detector */
	int64_t		 period;	/* watch period, seconds */
	int64_t		 interval;	/* cycle interval, seconds */
	int64_t		 cap;		/* longest gap, seconds (idle_interval) */
	int64_t		 fixed;		/* poll = DURATION; 0: auto */
	int64_t		 cover;		/* most cycles one poll can catch
					   up on; 0: no limit */
};

/*
 * Cycles until the next poll (1: every cycle), at most the cycles that
 * fit in cap (and at least 1):
 *  - pending, firing or rising: 1, until it settles;
 *  - fixed (poll = DURATION): the cycles in fixed (idle: cap if longer);
 *  - unknown traffic (never polled): 1;
 *  - idle: cap;
 *  - an outage on a busy entity: current, unchanged;
 *  - otherwise the periods a detector window needs to reach min_requests
 *    (min_requests / rate; 1 or less: busy, every cycle), as cycles.
 * Unless idle, never more than cover cycles (a longer gap would lose
 * periods older than one poll can fetch).
 */
int	 cadence_cycles(const struct cadence_in *);

/*
 * Whether a judged window of n requests and e errors against the
 * smoothed baseline rate p0 is a rise worth watching every cycle: e at
 * least min_errors / 2 (and 1), e / n at least min_ratio * p0, and the
 * binomial tail P(X >= e | n, p0) at most sqrt(alpha) (half way to the
 * test's threshold on the log scale).
 */
int	 cadence_rising(double min_errors, double min_ratio, double alpha,
	    double n, double e, double p0);

/*
 * The smoothed traffic after a poll that fetched k new periods with
 * requests in total (no datapoint: 0), recent a period on average in the
 * newest CADENCE_RECENT of them: an exponential average with a time constant
 * of tau seconds, but never below recent (traffic that grows is busy at
 * once; traffic that falls away decays); rate < 0 (unknown) takes the
 * larger of the means. *outage (may be NULL) is set when the new periods
 * had no requests while the rate said busy (at least min_requests): the
 * rate is then kept, so an outage does not make a busy entity look quiet.
 */
double	 cadence_rate(double rate, double requests, int64_t k, double recent,
	    int64_t period, int64_t tau, double min_requests, int *outage);

#define CADENCE_RECENT	5	/* periods */
#define CADENCE_TAU	900	/* seconds: the rate's time constant */

#endif
