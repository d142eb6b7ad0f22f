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

#include <stddef.h>
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
	long long	 overflows;	/* one-second windows still full:
					   lines may have been skipped */
	long long	 limit_retries;	/* StartQuery retried after
					   LimitExceededException */
	long long	 failures;	/* cycles that ended in error */
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

/* The query row limit (tests and benchmarks: 1..10000; default 10000). */
void	 logsrc_set_limit(struct logsrc *, int);
/* Queries of one source in flight at once (default 4). */
void	 logsrc_set_parallel(struct logsrc *, int);
/* The store name of the source's cursor, ptrs and cycle: "logs:NAME". */
const char *logsrc_source(const struct logsrc *);

/*
 * Pure helpers (src/logs_insights.c): the Insights query, the
 * GetQueryResults decoder, window maths. No I/O.
 */
#define LOGSRC_GROUPS_PER_QUERY	50
#define LOGSRC_LIMIT		10000
#define LOGSRC_QUERY_MAX	10000	/* queryString characters */
#define LOGSRC_ROWS_MAX		100000	/* rows accepted from one reply */

/*
 * The query string: the five fields, when nkw > 0 the keyword prefilter
 * `filter @message like /(?i)kw1|kw2/` (regex metacharacters and '/'
 * escaped), `sort @timestamp asc`, `limit N`. Heap string, or NULL with
 * err (a keyword with control characters, or the query too long).
 */
char	*logsrc_query_string(const char *const *keywords, size_t nkw,
	    int limit, char *err, size_t errlen);

enum logsrc_query_status {
	LOGSRC_Q_SCHEDULED = 0,
	LOGSRC_Q_RUNNING,
	LOGSRC_Q_COMPLETE,
	LOGSRC_Q_FAILED,
	LOGSRC_Q_CANCELLED,
	LOGSRC_Q_TIMEOUT,
	LOGSRC_Q_UNKNOWN
};

struct logsrc_row {
	int64_t		 ts_ms;		/* @timestamp, epoch milliseconds */
	const char	*message;	/* "" when absent */
	size_t		 message_len;
	const char	*stream;	/* "" when absent */
	const char	*group;		/* from @log, account removed; "" */
	const char	*ptr;
};

/* A decoded GetQueryResults reply; the strings belong to it. */
struct logsrc_results {
	enum logsrc_query_status status;
	struct logsrc_row	*rows;
	size_t			 nrows;
	double			 bytes_scanned;
	double			 records_matched;
	int			 more;		/* nextToken present */
	void			*doc;		/* private */
};

/*
 * Decodes a GetQueryResults body. Rows are decoded only when the status
 * is Complete. Every row needs @timestamp and @ptr. 0, or -1 with a clear
 * err (out then holds nothing to free, but logsrc_results_free is safe).
 */
int	 logsrc_results_decode(const char *body, size_t len,
	    struct logsrc_results *out, char *err, size_t errlen);
void	 logsrc_results_free(struct logsrc_results *);
/* "YYYY-MM-DD HH:MM:SS[.mmm]" (UTC) to epoch ms. 0 or -1. */
int	 logsrc_parse_timestamp(const char *, int64_t *ms);
const char *logsrc_status_name(enum logsrc_query_status);

/*
 * The window of a cycle, both ends inclusive in epoch seconds:
 * [cursor - overlap, now - lag], or [now - lookback, now - lag] without a
 * cursor. 1 when there is something to query, 0 when the window is empty.
 */
int	 logsrc_window(int have_cursor, int64_t cursor, time_t now,
	    int64_t lag, int64_t overlap, int64_t lookback, int64_t *start,
	    int64_t *end);
/*
 * Splits the inclusive window [start, end] into [start, *mid] and
 * [*mid + 1, end]. -1 when it is a single second (cannot split).
 */
int	 logsrc_window_split(int64_t start, int64_t end, int64_t *mid);
/*
 * The DescribeLogGroups prefix of a name or glob: its text before the
 * first of * ? [ \. Returns 1 when the pattern is a glob, 0 when a name.
 */
int	 logsrc_glob_prefix(const char *pattern, char *out, size_t outlen);

#endif
