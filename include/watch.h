/*
 * A metric watch ([watch NAME]) at run time: discovery of its entities
 * (ListMetrics, cached and refreshed every 10 minutes), GetMetricData for
 * every entity and signal (count watches: each entity at the gap poll.h
 * chose, every period since its last poll; [cwguard] budget may stretch
 * the quietest), the
 * datapoints and hourly rollups in the store, the detector's judgement of
 * each final period, the alert state machine, and the notifications.
 * Same store discipline as logsrc.h.
 */
#ifndef CWG_WATCH_H
#define CWG_WATCH_H

#include <stdint.h>
#include <time.h>

struct alert_batch;
struct alert_context;
struct aws;
struct config;
struct config_watch;
struct store;
struct watch;

#define WATCH_DRY_RUN	0x1	/* roll back instead of commit; enqueue nothing */

struct watch_stats {
	long long	 cycles;
	long long	 calls;			/* GetMetricData calls */
	long long	 metrics_requested;	/* last cycle */
	long long	 entities;		/* known entities */
	long long	 idle;			/* entities polled at idle pace */
	long long	 quiet;			/* entities whose gap is > 1 */
	long long	 skipped;		/* entities not due this cycle */
	long long	 stretched;		/* entities whose gap the budget
						   lengthened */
	double		 projected_usd;		/* GetMetricData a month at the
						   current gaps */
	double		 allowed_usd;		/* the budget left for this
						   watch; NAN: no budget */
	time_t		 last_ok;
	char		 last_error[256];
	/* added by the watch module */
	long long	 pending;		/* series pending after the cycle */
	long long	 firing;		/* series firing after the cycle */
	long long	 judged;		/* periods judged, last cycle */
	double		 llr_max;		/* largest sequential S, last
						   cycle (count watches) */
};

/* A series that is pending or firing after the last cycle. */
struct watch_open {
	char		 entity[512];
	char		 signal[32];
	int		 firing;		/* 0 pending, 1 firing */
	double		 value;			/* last rate or value */
	double		 baseline;		/* last p0 or median */
	/* metric watches: the rule and band of the last alert ("": none) */
	char		 rule[32];
	double		 band_lo, band_hi;
	/* count watches: the test of the last anomalous period ("" none) */
	char		 trigger[16];
	int		 span;			/* its periods */
	double		 llr;			/* sequential S; NAN none */
};

struct watch *watch_new(const struct config *, const struct config_watch *,
	    struct aws *, struct store *, char *err, size_t errlen);
void	 watch_free(struct watch *);

typedef void (*watch_cb)(int ok, const char *error, void *arg);
/* One cycle at now; as logsrc_cycle(). */
int	 watch_cycle(struct watch *, time_t now, int flags,
	    const struct alert_context *, struct alert_batch *report,
	    watch_cb done, void *arg, char *err, size_t errlen);
const struct watch_stats *watch_stats(const struct watch *);
const char *watch_name(const struct watch *);
/*
 * Whether discovery keeps an entity of cw by name: the include globs of
 * its kind (functions, apis, load_balancers; an ALB also by the NAME of
 * "app/NAME/ID"), minus exclude. Metric watches keep everything.
 */
int	 watch_wants(const struct config_watch *, const char *name);

/* Pending and firing series after the last cycle, by entity and signal. */
size_t	 watch_open_count(const struct watch *);
const struct watch_open *watch_open_get(const struct watch *, size_t);

/*
 * Backtest over [from, to) on the watch's store (a private one: every
 * entity is new): discovery, the baseline bootstrapped from the hourly
 * history before from, the range fetched at the watch period, then every
 * period judged in time order with the data before it only. Firing,
 * repeat and resolved alerts go to report; nothing is enqueued. The
 * store is committed (it is the caller's scratch database). done runs
 * once from the loop. 0, or -1 with err.
 */
int	 watch_backtest(struct watch *, time_t from, time_t to,
	    const struct alert_context *, struct alert_batch *report,
	    watch_cb done, void *arg, char *err, size_t errlen);

#endif
