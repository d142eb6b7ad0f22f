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
#include "robust.h"
#include "watch.h"

#define WATCH_MAX_SIGNALS	4
#define WATCH_MAX_METRICS	6	/* distinct metrics of one entity */
#define WATCH_DISCOVERY_TTL	600	/* ListMetrics cache, seconds */
#define WATCH_IDLE_AFTER	3600	/* no traffic this long: idle */
#define WATCH_CATCHUP_MAX	(6 * 3600)	/* judge at most this far back */
#define WATCH_LEARNING_HOURS	6

/* One signal of a kind: rate = num / den. */
struct watch_sigdef {
	const char	*signal;
	const char	*num;
	const char	*den;	/* NULL: kind = metric (value of num) */
};

struct watch_series {
	const struct watch_sigdef *def;
	int		 inum, iden;	/* indexes in entity metrics */
	int		 found;		/* alert row existed */
	int		 changed;
	struct detector_alert st;
	double		 last_value, last_baseline;
};

struct watch_entity {
	char		*name;		/* display: function, api/stage, lb */
	int		 variant;	/* apigw: 0 REST, 1 HTTP API */
	unsigned	 dens;		/* denominator metrics discovered */
	struct cw_metric metrics[WATCH_MAX_METRICS];
	int		 nmetrics;
	long		 qfine[WATCH_MAX_METRICS];	/* -1: not queried */
	long		 qboot[WATCH_MAX_METRICS];
	struct watch_series series[WATCH_MAX_SIGNALS];
	int		 nseries;
	/* persisted in the meta table */
	int64_t		 boot;		/* when bootstrapped; 0: new */
	int64_t		 polled;	/* last cycle that fetched it */
	int64_t		 traffic;	/* newest period with requests */
	/* this cycle */
	int		 poll;
	int		 bootstrap;
};

/* A deep copy of a GetMetricData answer. */
struct watch_data {
	size_t		 n;
	struct cw_series *series;
};

struct watch {
	const struct config		*cfg;
	const struct config_watch	*cw;
	struct aws			*aws;
	struct store			*store;
	struct detector_params		 dp;
	struct robust_params		 rp;
	const struct watch_sigdef	*defs[WATCH_MAX_SIGNALS];
	int				 ndefs;

	struct watch_entity		**ents;
	size_t				 nents;
	time_t				 disc_at;	/* 0: never */
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
	struct cw_query			*qfine, *qboot;
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
/* Meta key of an entity into out. */
void	 watch_meta_key(const struct watch *, const struct watch_entity *,
	    char *out, size_t outlen);

#endif
