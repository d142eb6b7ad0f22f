/*
 * Retention of the state database (issue 7: bounded state): once an hour
 * the rows nothing needs any more are deleted and the file gives the space
 * back. What is kept:
 *   - datapoints of a count watch (lambda, apigw, alb): the periods a
 *     cycle may still fetch again (the catch-up limit, the detector's
 *     window, reread, lag) plus a margin; the baseline itself is served by
 *     the hourly rollups. A datapoint written again after it was pruned
 *     would count twice in its rollup, so this is a floor, not a choice.
 *   - datapoints of a metric watch: its baseline (the robust detector
 *     replays it) plus reread, lag and the margin;
 *   - rollups: the longest baseline plus a day;
 *   - outbox rows no longer pending: 7 days; findings not seen for 90 days
 *     go; log @ptr rows older than the longest lookback (logsrc prunes its
 *     own to the overlap each cycle); series rows left with no data;
 *     the pace rows ("watch:" meta) of entities not seen for the rollup
 *     time (deleted functions, excluded ones, removed watches).
 * `run` calls retention_run() from an hourly timer, `check` calls
 * retention_maybe() (at most once an hour, the time kept in the meta
 * table).
 */
#ifndef CWG_RETENTION_H
#define CWG_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct config;
struct config_watch;
struct store;

#define RETENTION_INTERVAL	3600		/* seconds between runs */
#define RETENTION_MARGIN	3600		/* on top of what is needed */
#define RETENTION_ROLLUP_EXTRA	86400		/* rollups: baseline + this */
#define RETENTION_OUTBOX	(7 * 86400)
#define RETENTION_FINDING	(90 * 86400)
#define RETENTION_VACUUM_FREE	0.10	/* vacuum at this fraction free */
#define RETENTION_META_KEY	"retention:last"

/* How long the datapoints of one watch are kept. */
struct retention_watch {
	char		*name;
	int64_t		 keep;		/* seconds */
};

struct retention_policy {
	struct retention_watch	*watches;
	size_t			 nwatches;
	int64_t			 keep_other;	/* series of watches not configured */
	int64_t			 rollup_keep;
	int64_t			 outbox_keep;
	int64_t			 finding_keep;
	int64_t			 ptr_keep;
	double			 vacuum_free;	/* store_vacuum() min_free */
};

struct retention_result {
	int64_t		 datapoints;
	int64_t		 rollups;
	int64_t		 outbox;
	int64_t		 findings;
	int64_t		 ptrs;
	int64_t		 series;
	int64_t		 paces;		/* pace rows of entities gone */
	int64_t		 pages_freed;
};

/*
 * The policy of cfg (borrowed only during the call): fills p, whose
 * watches are freed by retention_policy_cleanup().
 */
void	 retention_policy_init(struct retention_policy *,
	    const struct config *);
void	 retention_policy_cleanup(struct retention_policy *);
/* Seconds of datapoints kept for one [watch] of cfg. */
int64_t	 retention_watch_keep(const struct config *,
	    const struct config_watch *);

/*
 * Prunes at now in one transaction (which must not be open), records now
 * under RETENTION_META_KEY, then vacuums if worth it. r may be NULL. 0, or
 * -1 with err (the transaction rolled back).
 */
int	 retention_run(struct store *, const struct retention_policy *,
	    time_t now, struct retention_result *r, char *err, size_t errlen);
/*
 * retention_run() with cfg's policy if the last run recorded in the
 * store is RETENTION_INTERVAL old or more (or in the future: a clock
 * set back). 1 ran, 0 not due, -1 with err.
 */
int	 retention_maybe(struct store *, const struct config *, time_t now,
	    struct retention_result *r, char *err, size_t errlen);

#endif
