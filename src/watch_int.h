/*
 * Private to the watch module (watch.c: discovery, cycle, fetch;
 * watch_judge.c: the synchronous part of a cycle inside the store
 * transaction).
 */
#ifndef CWG_WATCH_INT_H
#define CWG_WATCH_INT_H

#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "alert.h"
#include "cloudwatch.h"
#include "detector.h"
#include "metricdefs.h"
#include "robust.h"
#include "watch.h"

#define WATCH_MAX_SIGNALS	4
#define WATCH_MAX_METRICS	6	/* distinct metrics of one entity */
#define WATCH_DISCOVERY_TTL	600	/* ListMetrics cache, seconds */
#define WATCH_IDLE_AFTER	3600	/* no traffic this long: idle */
#define WATCH_CATCHUP_MAX	(6 * 3600)	/* judge at most this far back */
#define WATCH_LEARNING_HOURS	6
#define WATCH_TOD_BAND		(3 * 3600)	/* the hour and both beside */
#define WATCH_TOD_WEIGHT	20	/* errors' worth of the trailing rate */
#define WATCH_DISP_MIN_EXPECTED	5	/* hours with fewer expected errors */
#define WATCH_DISP_MIN_HOURS	6	/* are left out; at least these many */

struct watch_series {
	const struct metricdefs_signal *def;
	int		 inum, iden;	/* indexes in entity metrics */
	int		 found;		/* alert row existed */
	int		 changed;
	int		 rising;	/* last judged window: cadence_rising() */
	struct detector_alert st;
	double		 last_value, last_baseline;
	/* metric watch: the detector, fed in time order across cycles */
	int		 primed;	/* 0: rebuilt from the store */
	struct robust	*rob;		/* detector = robust */
	int64_t		 rob_t;		/* newest period fed (with a value) */
	const char	*why_rule;	/* of the last alert; NULL none */
	double		 why_lo, why_hi;
	int		 why_dirty;	/* to persist (meta "why:") */
	struct detector_seq seq;	/* count watches */
	int		 seq_changed;
	enum detector_test last_test;	/* of the last anomalous period */
	int		 last_span;
};

/*
 * One entity, compact (10,000 of them): the namespace and dimension
 * names are the listing's, the metric names the signal table's; only the
 * dimension values are its own.
 */
struct watch_entity {
	char		*name;		/* display: function, api/stage, lb */
	const struct metricdefs_listing *l;	/* NULL: metric watch */
	const char	*dimv[2];	/* values of l->dims; [0] may be name */
	char		*dimbuf;	/* dimv storage when not name */
	struct cw_metric *mident;	/* a fleet metric watch's series */
	int		 variant;	/* apigw: 0 REST, 1 HTTP API */
	unsigned	 dens;		/* denominator metrics discovered */
	const char	*mnames[WATCH_MAX_METRICS];	/* static strings */
	int		 nmetrics;
	int32_t		 qfine[WATCH_MAX_METRICS];	/* -1: not queried */
	int32_t		 qboot[WATCH_MAX_METRICS];
	struct watch_series *series;	/* nseries */
	int		 nseries;
	/* persisted in the meta table, read once (loaded) */
	int		 loaded;
	int64_t		 boot;		/* when bootstrapped; 0: new */
	int64_t		 polled;	/* last cycle that fetched it */
	int64_t		 traffic;	/* newest period with requests */
	int64_t		 saved_boot, saved_polled, saved_traffic;
	double		 rate, saved_rate;	/* requests a period; < 0 unknown */
	int		 gap, saved_gap;	/* cycles between polls (cadence.h) */
	int		 agap, saved_agap;	/* the gap poll = auto chose */
	int		 bgap;		/* budget: at least this gap; 0 none */
	int64_t		 mfend;		/* metric: fine window end fetched */
	/* this cycle */
	int		 poll;
	int		 bootstrap;
	int		 idle;
};

/*
 * The counts of one query over a window, one slot per period from slot lo
 * on: llround() of the value (what the judge uses), WATCH_ROW_NONE for no
 * point; 64-bit once a count does not fit in 32.
 */
#define WATCH_ROW_NONE	UINT32_MAX
struct watch_row {
	int32_t		 lo;
	uint32_t	 n;
	uint32_t	*v;
	int64_t		*wide;		/* replaces v; INT64_MIN none */
};

/* The answer of one GetMetricData run, as it arrives page by page. */
struct watch_data {
	size_t		 n;
	int64_t		 start, step;	/* slot i: start + i * step */
	size_t		 count;
	struct watch_row *rows;		/* count kinds */
	struct cw_series *series;	/* metric watch: the points */
};

/* Query i of a run: metric k of entity ent. */
struct watch_qref {
	uint32_t	 ent;
	uint32_t	 k;
};

struct watch {
	const struct config		*cfg;
	const struct config_watch	*cw;
	struct aws			*aws;
	struct store			*store;
	struct detector_params		 dp;
	struct robust_params		 rp;
	struct cw_metric		 ident;		/* metric watch */
	int				 fleet;		/* metric watch with
							   dimension globs */
	int64_t				 poll_fixed;	/* poll = DURATION;
							   0: auto */
	double				 projected;	/* GetMetricData USD a
							   month at the gaps */
	struct watch			*all_next;	/* every live watch */

	struct watch_entity		**ents;
	size_t				 nents;
	time_t				 disc_at;	/* 0: never */
	time_t				 deferred_at;	/* disc_at of the last
							   fetch of new series
							   alone */
	/* discovery in flight */
	struct watch_entity		**nents_new;
	size_t				 nnew;
	int				 disc_pending;
	char				 disc_err[256];
	size_t				*disc_hash;	/* index + 1; 0 free */
	size_t				 disc_hcap;	/* power of 2 */

	/* the cycle in flight */
	int				 busy;
	int				 backtest;
	time_t				 now;
	int				 flags;
	char				 account[64];
	char				 region[64];
	struct alert_batch		*report;
	watch_cb			 done;
	void				*done_arg;
	int64_t				 fstart, fend;	/* fine window */
	int64_t				 bstart, bend;	/* bootstrap window */
	int64_t				 judge_from;	/* new series */
	int64_t				 bt_from, bt_to;	/* backtest range */
	ev_timer			 kick;
	struct watch_qref		*qfine, *qboot;
	size_t				 nqfine, nqboot;
	int				 fetch_pending;
	char				 fetch_err[256];
	struct watch_data		 dfine, dboot;
	int				 calls;

	struct watch_stats		 stats;
	struct watch_open		*open;
	size_t				 nopen;
};

/* watch_judge.c: the store transaction of a cycle; 0 or -1 with err. */
int	 watch_commit(struct watch *, char *err, size_t errlen);
/* Count of slot i of row r into *v: 1, or 0 when none. */
int	 watch_row_get(const struct watch_row *, size_t i, int64_t *v);
/*
 * After e was judged this cycle: its smoothed traffic from the periods
 * fetched since its last poll, and the gap to its next poll (cadence.h).
 */
void	 watch_pace(struct watch *, struct watch_entity *);
/* Meta key of an entity into out. */
void	 watch_meta_key(const struct watch *, const struct watch_entity *,
	    char *out, size_t outlen);
/*
 * A metric series' last alert rule and band in the meta table (key
 * "why:" + entity key + ":" + signal, value "LO HI RULE"), so that a later
 * `check` names them: the key into out; the rule's static name, or NULL.
 */
void	 watch_why_key(const struct watch *, const struct watch_entity *,
	    const struct watch_series *, char *out, size_t outlen);
const char *watch_why_rule(const char *);

#endif
