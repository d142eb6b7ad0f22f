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
};

struct cw_data {
	size_t		 nqueries;
	struct cw_series *series;	/* nqueries entries, same order */
	int		 calls;		/* GetMetricData calls made */
	size_t		 metrics_requested; /* sum of queries over calls */
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

#endif
