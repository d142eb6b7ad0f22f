/*
 * CloudWatch metrics over the AWS client: ListMetrics (paged) and
 * GetMetricData (batched at 500 queries per call, NextToken and
 * PartialData followed, timestamps aligned to the period). The reply
 * decoders are pure and fuzzed.
 */
#ifndef CWG_CLOUDWATCH_H
#define CWG_CLOUDWATCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct aws;

#define CW_MAX_DIMS		10
#define CW_MAX_QUERIES		500	/* per GetMetricData call */
#define CW_LIST_MAX		100000	/* metrics one ListMetrics run keeps */
#define CW_RUN_MAX_QUERIES	100000	/* queries in one GetMetricData run */
#define CW_SERIES_MAX_POINTS	200000	/* points one series may collect */
#define CW_MAX_PAGES		1000	/* NextToken pages per batch or list */
#define CW_TOKEN_MAX		8192	/* bytes of a NextToken */
#define CW_STR_MAX		1024	/* bytes of a name or dimension value */

struct cw_dim {
	char	*name;
	char	*value;
};

struct cw_metric {
	char		*namespace;
	char		*name;
	struct cw_dim	 dims[CW_MAX_DIMS];
	int		 ndims;
};

/* Copies / frees the strings of one metric. */
void	 cw_metric_copy(struct cw_metric *dst, const struct cw_metric *src);
void	 cw_metric_cleanup(struct cw_metric *);
/* Value of dimension name, or NULL. */
const char *cw_metric_dim(const struct cw_metric *, const char *name);

struct cw_metric_list {
	struct cw_metric	*metrics;
	size_t			 n;
	size_t			 cap;		/* allocated entries */
	size_t			 skipped;	/* metrics with more than
						   CW_MAX_DIMS dimensions */
};
void	 cw_metric_list_free(struct cw_metric_list *);

/*
 * ListMetrics for namespace and metric name (NULL: any), filtered by the
 * dimension names given (values NULL: any value), every page followed.
 * cb runs once from the loop with the list (owned by the callee, valid
 * during the callback) or NULL and a reason. 0, or -1 with err.
 */
typedef void (*cw_list_cb)(const struct cw_metric_list *, const char *error,
	    void *arg);
int	 cloudwatch_list_metrics(struct aws *, const char *namespace,
	    const char *metric_name, const struct cw_dim *filter, int nfilter,
	    cw_list_cb, void *arg, char *err, size_t errlen);

/* One query of a GetMetricData run. Strings are copied. */
struct cw_query {
	const struct cw_metric	*metric;
	int			 period;	/* seconds */
	const char		*stat;		/* Sum, Average, p99... */
};

/* What came back for query i: points sorted by time, oldest first. */
struct cw_series {
	size_t		 n;
	int64_t		*ts;		/* period starts, epoch seconds */
	double		*values;
	int		 partial;	/* some page said PartialData and no
					   NextToken finished it */
	char		 status[32];	/* last StatusCode */
	size_t		 dropped;	/* points with a non-finite value or
					   a non-numeric timestamp */
	size_t		 cap;		/* allocated entries */
};

struct cw_data {
	size_t		 nqueries;
	struct cw_series *series;	/* nqueries entries, same order */
	int		 calls;		/* GetMetricData calls made */
	size_t		 metrics_requested; /* sum of queries over calls */
	size_t		 dropped;	/* sum of the series' dropped */
	size_t		 partial;	/* series marked partial */
};

/*
 * GetMetricData for n queries over [start, end) (both aligned down to the
 * largest period), in ceil(n / 500) batches (plus NextToken pages), with
 * at most max_inflight calls at once. cb runs once from the loop with the
 * data (valid during the callback) or NULL and the first error; on error
 * no partial data is delivered. 0, or -1 with err.
 */
typedef void (*cw_data_cb)(const struct cw_data *, const char *error,
	    void *arg);
int	 cloudwatch_get_metric_data(struct aws *, const struct cw_query *,
	    size_t n, time_t start, time_t end, int max_inflight, cw_data_cb,
	    void *arg, char *err, size_t errlen);

/*
 * Pure decoders (fuzzed). get_metric_data: appends each result to
 * series[idx] where idx is parsed from the query Id "q<idx>"; sets
 * *next_token (heap, or NULL). list_metrics: appends to list, *next_token.
 * 0, or -1 with err on a malformed reply.
 */
int	 cloudwatch_decode_metric_data(const char *, size_t, struct cw_series *,
	    size_t nseries, char **next_token, char *err, size_t errlen);
int	 cloudwatch_decode_list_metrics(const char *, size_t,
	    struct cw_metric_list *, char **next_token, char *err,
	    size_t errlen);

/* --- Added by the cloudwatch module ---------------------------------- */

/* cloudwatch_list_metrics with a cap other than CW_LIST_MAX (1..). */
int	 cloudwatch_list_metrics_max(struct aws *, const char *namespace,
	    const char *metric_name, const struct cw_dim *filter, int nfilter,
	    size_t max, cw_list_cb, void *arg, char *err, size_t errlen);

/* GetMetricData calls one batch pass needs: ceil(n / CW_MAX_QUERIES). */
size_t	 cloudwatch_batches(size_t n);
/* t aligned down to a multiple of period (period > 0). */
time_t	 cloudwatch_align(time_t t, int period);
/* 1 when CloudWatch takes period: 1, 5, 10, 20, 30 or a multiple of 60. */
int	 cloudwatch_period_valid(int period);
/*
 * How long CloudWatch keeps data at period's resolution: 3 h below 60 s,
 * 15 days below 300 s, 63 days below 3600 s, else 455 days.
 */
int64_t	 cloudwatch_retention(int period);
/* Checks one query (names, dimensions, period, stat). 0, or -1 with err. */
int	 cloudwatch_query_check(const struct cw_query *, char *err,
	    size_t errlen);

/*
 * The JSON body of one GetMetricData call for queries [first, first +
 * count) of q (Ids "q<first + i>"), window [start, end) already aligned,
 * ScanBy TimestampAscending, NextToken when non-NULL. Heap string.
 */
char	*cloudwatch_metric_data_body(const struct cw_query *q, size_t first,
	    size_t count, time_t start, time_t end, const char *next_token);
/* The JSON body of one ListMetrics call. Heap string. */
char	*cloudwatch_list_metrics_body(const char *namespace,
	    const char *metric_name, const struct cw_dim *filter, int nfilter,
	    const char *next_token);

/*
 * Applies one GetMetricData reply of the batch [first, first + count) to
 * series (nseries entries): Ids outside the batch are malformed. Returns
 * CW_PAGE_MORE with *next_token set (heap) when another page follows,
 * CW_PAGE_DONE when the batch is finished (series still saying
 * PartialData or InternalError are then marked partial), -1 with err on
 * a malformed reply (nothing applied, worth one retry), or
 * CW_PAGE_FORBIDDEN with err when a query was refused.
 */
#define CW_PAGE_DONE		0
#define CW_PAGE_MORE		1
#define CW_PAGE_FORBIDDEN	(-2)
int	 cloudwatch_apply_page(const char *, size_t, struct cw_series *,
	    size_t nseries, size_t first, size_t count, char **next_token,
	    char *err, size_t errlen);

/*
 * GetMetricData handed over page by page, nothing kept (the watch at
 * 10,000 entities): as cloudwatch_get_metric_data() but the run copies no
 * queries and holds no results. query(i, q, scratch, arg) fills query i
 * (q->metric may point into *scratch or into memory of the caller's that
 * stays valid until done runs); it is called for every query at the start
 * and again while the calls are built. page(first, count, series, arg)
 * runs once per decoded reply: series[k] holds what that reply said for
 * query first + k, in reply order (neither sorted nor merged with other
 * pages: of equal timestamps the later point wins), valid during the
 * callback. A malformed reply is asked again before any of it is handed
 * over. done(data, error, arg) runs once at the end with data->series
 * NULL and the counts set, or NULL and the first error: the pages handed
 * over so far are then to be dropped. 0, or -1 with err (no callback).
 */
typedef void (*cw_query_fn)(size_t i, struct cw_query *q,
	    struct cw_metric *scratch, void *arg);
typedef void (*cw_page_fn)(size_t first, size_t count,
	    const struct cw_series *series, void *arg);
struct cw_stream {
	size_t		 n;		/* queries */
	time_t		 start, end;	/* aligned to the largest period */
	int		 max_inflight;
	cw_query_fn	 query;
	cw_page_fn	 page;
	cw_data_cb	 done;
	void		*arg;
};
int	 cloudwatch_get_metric_data_stream(struct aws *,
	    const struct cw_stream *, char *err, size_t errlen);

/* Sorts by time and keeps the last of equal timestamps. */
void	 cloudwatch_series_finish(struct cw_series *);
void	 cloudwatch_series_cleanup(struct cw_series *);

#endif
