/*
 * A logs source ([logs NAME]): each cycle runs a Logs Insights query over
 * [cursor - overlap, now - lag] for the configured log groups (resolved
 * with DescribeLogGroups, at most 50 per query), scans every row with the
 * secret scanner, records findings by fingerprint and raises secret alerts
 * (one per fingerprint and log group per `repeat`). Rows are deduplicated
 * by @ptr across the overlap; a query that returns as many rows as its
 * limit is split and re-run so that no line is skipped; the cursor moves
 * only after the rows are processed and stored.
 *
 * Store discipline (for every source module): fetch asynchronously, then
 * write synchronously inside one store_begin()/store_commit() that also
 * enqueues the notifications (alert_batch_enqueue), so that state and
 * outbox never disagree. Never hold a transaction across a wait.
 */
#ifndef CWG_LOGSRC_H
#define CWG_LOGSRC_H

#include <stdint.h>
#include <time.h>

struct alert_batch;
struct alert_context;
struct aws;
struct config_logs;
struct store;
struct logsrc;

#define LOGSRC_DRY_RUN	0x1	/* roll back instead of commit; enqueue nothing */

struct logsrc_stats {
	long long	 cycles;
	long long	 queries;	/* StartQuery calls */
	long long	 splits;	/* windows split because a query was full */
	long long	 rows;		/* rows processed */
	long long	 duplicates;	/* rows skipped by @ptr */
	long long	 findings;	/* scanner findings */
	long long	 notifications;	/* secret alerts raised */
	double		 bytes_scanned;	/* Logs Insights statistics */
	time_t		 last_ok;	/* end of the last successful cycle */
	char		 last_error[256];
};

/*
 * key: the installation key (fingerprints). Loads the rules file named in
 * the section. NULL with err on failure.
 */
struct logsrc *logsrc_new(const struct config_logs *, struct aws *,
	    struct store *, const unsigned char key[32], char *err,
	    size_t errlen);
/* Not while a cycle is in flight: logsrc_stop() first. */
void	 logsrc_free(struct logsrc *);

typedef void (*logsrc_cb)(int ok, const char *error, void *arg);
/*
 * Starts one cycle at now; done runs once from the loop. Alerts raised are
 * enqueued for the section's sinks and, when report is not NULL, also added
 * to it (for `check` output). lag: [cwguard] lag. 0, or -1 with err (for
 * example a cycle already in flight).
 */
int	 logsrc_cycle(struct logsrc *, time_t now, int64_t lag, int flags,
	    const struct alert_context *, struct alert_batch *report,
	    logsrc_cb done, void *arg, char *err, size_t errlen);
/*
 * Shutdown: StopQuery for queries in flight; their rows are not processed
 * and the cursor stays where it was. done of the cycle runs with ok = 0.
 */
void	 logsrc_stop(struct logsrc *);
const struct logsrc_stats *logsrc_stats(const struct logsrc *);
const char *logsrc_name(const struct logsrc *);

#endif
