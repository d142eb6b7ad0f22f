/*
 * CloudWatch metrics: ListMetrics and GetMetricData over AWS JSON 1.0.
 *
 * The first half is pure (request bodies, reply decoders, series
 * merging) and is what the unit tests and the fuzz target drive; the
 * second half runs the calls on the loop through the AWS client.
 *
 * A GetMetricData run splits its queries into batches of at most
 * CW_MAX_QUERIES; each batch is a chain of calls following NextToken
 * (one call of a batch in flight at a time) and at most max_inflight
 * batches run at once. Results are appended per query as pages come,
 * then sorted and de-duplicated once the run is over.
 */
#include "autoconf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "cloudwatch.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CW_TS_MAX		253402300799.0	/* 9999-12-31T23:59:59Z */
#define CW_STAT_MAX		64
#define CW_MALFORMED_RETRIES	2	/* a garbled 200 reply is asked again */

/* --- Metrics ---------------------------------------------------------- */

void
cw_metric_copy(struct cw_metric *dst, const struct cw_metric *src)
{
	int	i;

	memset(dst, 0, sizeof *dst);
	dst->namespace = src->namespace ? xstrdup(src->namespace) : NULL;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->ndims = src->ndims < 0 ? 0 : src->ndims > CW_MAX_DIMS ?
	    CW_MAX_DIMS : src->ndims;
	for (i = 0; i < dst->ndims; i++) {
		dst->dims[i].name = src->dims[i].name ?
		    xstrdup(src->dims[i].name) : NULL;
		dst->dims[i].value = src->dims[i].value ?
		    xstrdup(src->dims[i].value) : NULL;
	}
}

void
cw_metric_cleanup(struct cw_metric *m)
{
	int	i;

	if (m == NULL)
		return;
	free(m->namespace);
	free(m->name);
	for (i = 0; i < m->ndims && i < CW_MAX_DIMS; i++) {
		free(m->dims[i].name);
		free(m->dims[i].value);
	}
	memset(m, 0, sizeof *m);
}

const char *
cw_metric_dim(const struct cw_metric *m, const char *name)
{
	int	i;

	for (i = 0; i < m->ndims && i < CW_MAX_DIMS; i++)
		if (m->dims[i].name != NULL &&
		    strcmp(m->dims[i].name, name) == 0)
			return m->dims[i].value;
	return NULL;
}

void
cw_metric_list_free(struct cw_metric_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		cw_metric_cleanup(&l->metrics[i]);
	free(l->metrics);
	memset(l, 0, sizeof *l);
}

/* --- Small pure helpers ------------------------------------------------ */

size_t
cloudwatch_batches(size_t n)
{
	return n / CW_MAX_QUERIES + (n % CW_MAX_QUERIES != 0);
}

time_t
cloudwatch_align(time_t t, int period)
{
	time_t	r;

	if (period <= 0)
		return t;
	r = t % period;
	if (r < 0)
		r += period;
	return t - r;
}

int
cloudwatch_period_valid(int period)
{
	switch (period) {
	case 1:
	case 5:
	case 10:
	case 20:
	case 30:
		return 1;
	}
	return period >= 60 && period % 60 == 0;
}

int64_t
cloudwatch_retention(int period)
{
	if (period < 60)
		return 3 * 3600;
	if (period < 300)
		return 15 * 86400;
	if (period < 3600)
		return 63 * 86400;
	return 455 * 86400;
}

static int
cw_str_ok(const char *s, size_t max)
{
	size_t	len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	return len > 0 && len <= max;
}

int
cloudwatch_query_check(const struct cw_query *q, char *err, size_t errlen)
{
	const struct cw_metric	*m = q->metric;
	int			 i;

	if (m == NULL) {
		snprintf(err, errlen, "query without a metric");
		return -1;
	}
	if (!cw_str_ok(m->namespace, 255) || !cw_str_ok(m->name, 255)) {
		snprintf(err, errlen, "metric namespace and name must be "
		    "1 to 255 bytes");
		return -1;
	}
	if (m->ndims < 0 || m->ndims > CW_MAX_DIMS) {
		snprintf(err, errlen, "metric %s has %d dimensions (at most "
		    "%d)", m->name, m->ndims, CW_MAX_DIMS);
		return -1;
	}
	for (i = 0; i < m->ndims; i++)
		if (!cw_str_ok(m->dims[i].name, 255) ||
		    !cw_str_ok(m->dims[i].value, CW_STR_MAX)) {
			snprintf(err, errlen, "metric %s: dimension %d needs "
			    "a name (1-255 bytes) and a value (1-%d)",
			    m->name, i + 1, CW_STR_MAX);
			return -1;
		}
	if (!cloudwatch_period_valid(q->period)) {
		snprintf(err, errlen, "period %d s: CloudWatch takes 1, 5, 10, "
		    "20, 30 or a multiple of 60", q->period);
		return -1;
	}
	if (!cw_str_ok(q->stat, CW_STAT_MAX)) {
		snprintf(err, errlen, "metric %s: no statistic", m->name);
		return -1;
	}
	return 0;
}

/* --- Request bodies ---------------------------------------------------- */

static cJSON *
cw_metric_json(const struct cw_metric *m)
{
	cJSON	*o, *dims, *d;
	int	 i;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Namespace", m->namespace);
	cJSON_AddStringToObject(o, "MetricName", m->name);
	if (m->ndims > 0) {
		dims = cJSON_AddArrayToObject(o, "Dimensions");
		for (i = 0; i < m->ndims && i < CW_MAX_DIMS; i++) {
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "Name", m->dims[i].name);
			cJSON_AddStringToObject(d, "Value", m->dims[i].value);
			cJSON_AddItemToArray(dims, d);
		}
	}
	return o;
}

static char *
cw_print(cJSON *o)
{
	char	*s, *out;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatal("cloudwatch: out of memory printing JSON");
	cJSON_Delete(o);
	out = xstrdup(s);	/* the rest of the code frees with free() */
	cJSON_free(s);
	return out;
}

/* The body for queries first + k, q[k] for k < count. */
static char *
cw_data_body(const struct cw_query *q, size_t first, size_t count,
    time_t start, time_t end, const char *next_token)
{
	cJSON	*o, *qs, *e, *ms;
	char	 id[32];
	size_t	 i;

	o = cJSON_CreateObject();
	qs = cJSON_AddArrayToObject(o, "MetricDataQueries");
	for (i = 0; i < count; i++) {
		e = cJSON_CreateObject();
		snprintf(id, sizeof id, "q%zu", first + i);
		cJSON_AddStringToObject(e, "Id", id);
		ms = cJSON_AddObjectToObject(e, "MetricStat");
		cJSON_AddItemToObject(ms, "Metric", cw_metric_json(q[i].metric));
		cJSON_AddNumberToObject(ms, "Period", q[i].period);
		cJSON_AddStringToObject(ms, "Stat", q[i].stat);
		cJSON_AddBoolToObject(e, "ReturnData", 1);
		cJSON_AddItemToArray(qs, e);
	}
	cJSON_AddNumberToObject(o, "StartTime", (double)start);
	cJSON_AddNumberToObject(o, "EndTime", (double)end);
	cJSON_AddStringToObject(o, "ScanBy", "TimestampAscending");
	if (next_token != NULL)
		cJSON_AddStringToObject(o, "NextToken", next_token);
	return cw_print(o);
}

char *
cloudwatch_metric_data_body(const struct cw_query *q, size_t first,
    size_t count, time_t start, time_t end, const char *next_token)
{
	return cw_data_body(q + first, first, count, start, end, next_token);
}

char *
cloudwatch_list_metrics_body(const char *namespace, const char *metric_name,
    const struct cw_dim *filter, int nfilter, const char *next_token)
{
	cJSON	*o, *dims, *d;
	int	 i;

	o = cJSON_CreateObject();
	if (namespace != NULL)
		cJSON_AddStringToObject(o, "Namespace", namespace);
	if (metric_name != NULL)
		cJSON_AddStringToObject(o, "MetricName", metric_name);
	if (nfilter > 0) {
		dims = cJSON_AddArrayToObject(o, "Dimensions");
		for (i = 0; i < nfilter; i++) {
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "Name", filter[i].name);
			if (filter[i].value != NULL)
				cJSON_AddStringToObject(d, "Value",
				    filter[i].value);
			cJSON_AddItemToArray(dims, d);
		}
	}
	if (next_token != NULL)
		cJSON_AddStringToObject(o, "NextToken", next_token);
	return cw_print(o);
}

/* --- Reply decoding ---------------------------------------------------- */

static cJSON *
cw_parse(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON	*root;

	if (len > AWS_REPLY_MAX) {
		snprintf(err, errlen, "reply of %zu bytes is over the %d byte "
		    "cap", len, AWS_REPLY_MAX);
		return NULL;
	}
	root = cJSON_ParseWithLength(body, len);
	if (root == NULL || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "reply is not a JSON object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* An optional array member: 0 with *out (NULL when absent), or -1. */
static int
cw_opt_array(const cJSON *o, const char *name, const cJSON **out)
{
	const cJSON	*a;

	a = cJSON_GetObjectItemCaseSensitive(o, name);
	if (a == NULL || cJSON_IsNull(a)) {
		*out = NULL;
		return 0;
	}
	if (!cJSON_IsArray(a))
		return -1;
	*out = a;
	return 0;
}

static int
cw_next_token(const cJSON *root, char **next_token, char *err, size_t errlen)
{
	const cJSON	*t;
	size_t		 len;

	*next_token = NULL;
	t = cJSON_GetObjectItemCaseSensitive(root, "NextToken");
	if (t == NULL || cJSON_IsNull(t))
		return 0;
	if (!cJSON_IsString(t)) {
		snprintf(err, errlen, "NextToken is not a string");
		return -1;
	}
	len = strlen(t->valuestring);
	if (len > CW_TOKEN_MAX) {
		snprintf(err, errlen, "NextToken of %zu bytes (cap %d)", len,
		    CW_TOKEN_MAX);
		return -1;
	}
	if (len > 0)
		*next_token = xstrdup(t->valuestring);
	return 0;
}

/* "q<decimal>" with no sign, no leading zero, no trailing bytes. */
static int
cw_parse_id(const char *id, size_t *idx)
{
	size_t	v = 0;
	const char *p;

	if (id[0] != 'q' || id[1] < '0' || id[1] > '9' ||
	    (id[1] == '0' && id[2] != '\0'))
		return -1;
	for (p = id + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*p - '0');
	}
	*idx = v;
	return 0;
}

static int
cw_timestamp(const cJSON *v, int64_t *out)
{
	double	d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d > CW_TS_MAX)
		return -1;
	*out = (int64_t)floor(d);
	return 0;
}

static void
cw_series_grow(struct cw_series *s, size_t more)
{
	size_t	want = s->n + more, cap = s->cap ? s->cap : 16;

	if (want <= s->cap)
		return;
	while (cap < want)
		cap *= 2;
	s->ts = xreallocarray(s->ts, cap, sizeof *s->ts);
	s->values = xreallocarray(s->values, cap, sizeof *s->values);
	s->cap = cap;
}

/*
 * Two passes over MetricDataResults: the first checks everything (so a
 * malformed reply changes nothing), the second appends.
 */
static int
cw_decode_data(const char *body, size_t len, struct cw_series *series,
    size_t base, size_t lo, size_t hi, char **next_token, char *err,
    size_t errlen)
{
	cJSON		*root;
	const cJSON	*results, *r, *id, *ts, *vals, *st, *t, *v;
	size_t		*add = NULL, idx, nts, nvals;
	struct cw_series *s;
	int64_t		 when;
	int		 pass, rc = -1, i;

	*next_token = NULL;
	if ((root = cw_parse(body, len, err, errlen)) == NULL)
		return -1;
	if (cw_opt_array(root, "MetricDataResults", &results) == -1) {
		snprintf(err, errlen, "MetricDataResults is not an array");
		goto fail;
	}
	/* Checked first: a bad token must not leave half a page applied. */
	if (cw_next_token(root, next_token, err, errlen) == -1)
		goto fail;
	if (hi > lo)
		add = xcalloc(hi - lo, sizeof *add);
	for (pass = 0; pass < 2 && results != NULL; pass++) {
		i = 0;
		cJSON_ArrayForEach(r, results) {
			i++;
			if (!cJSON_IsObject(r)) {
				snprintf(err, errlen, "result %d is not an "
				    "object", i);
				goto fail;
			}
			id = cJSON_GetObjectItemCaseSensitive(r, "Id");
			if (!cJSON_IsString(id)) {
				snprintf(err, errlen, "result %d has no Id", i);
				goto fail;
			}
			if (cw_parse_id(id->valuestring, &idx) == -1 ||
			    idx < lo || idx >= hi) {
				snprintf(err, errlen, "result %d: unknown "
				    "query Id", i);
				goto fail;
			}
			if (cw_opt_array(r, "Timestamps", &ts) == -1 ||
			    cw_opt_array(r, "Values", &vals) == -1) {
				snprintf(err, errlen, "result %d: Timestamps "
				    "or Values is not an array", i);
				goto fail;
			}
			nts = ts ? (size_t)cJSON_GetArraySize(ts) : 0;
			nvals = vals ? (size_t)cJSON_GetArraySize(vals) : 0;
			if (nts != nvals) {
				snprintf(err, errlen, "result %d: %zu "
				    "timestamps for %zu values", i, nts, nvals);
				goto fail;
			}
			st = cJSON_GetObjectItemCaseSensitive(r, "StatusCode");
			if (st != NULL && !cJSON_IsNull(st) &&
			    !cJSON_IsString(st)) {
				snprintf(err, errlen, "result %d: StatusCode "
				    "is not a string", i);
				goto fail;
			}
			s = &series[idx - base];
			if (pass == 0) {
				add[idx - lo] += nts;
				if (s->n + add[idx - lo] > CW_SERIES_MAX_POINTS) {
					snprintf(err, errlen, "query %zu: over "
					    "%d points", idx,
					    CW_SERIES_MAX_POINTS);
					goto fail;
				}
				continue;
			}
			if (cJSON_IsString(st))
				util_strlcpy(s->status, st->valuestring,
				    sizeof s->status);
			cw_series_grow(s, nts);
			t = ts ? ts->child : NULL;
			v = vals ? vals->child : NULL;
			for (; t != NULL && v != NULL; t = t->next, v = v->next) {
				/* NaN/Infinity come as strings or 1e999. */
				if (cw_timestamp(t, &when) == -1 ||
				    !cJSON_IsNumber(v) ||
				    !isfinite(v->valuedouble)) {
					s->dropped++;
					continue;
				}
				s->ts[s->n] = when;
				s->values[s->n++] = v->valuedouble;
			}
		}
	}
	rc = 0;
fail:
	if (rc == -1) {
		free(*next_token);
		*next_token = NULL;
	}
	free(add);
	cJSON_Delete(root);
	return rc;
}

int
cloudwatch_decode_metric_data(const char *body, size_t len,
    struct cw_series *series, size_t nseries, char **next_token, char *err,
    size_t errlen)
{
	return cw_decode_data(body, len, series, 0, 0, nseries, next_token,
	    err, errlen);
}

/* cloudwatch_apply_page() with series[k] the series of query base + k. */
static int
cw_apply_page(const char *body, size_t len, struct cw_series *series,
    size_t base, size_t first, size_t count, char **next_token, char *err,
    size_t errlen)
{
	size_t	i;

	if (cw_decode_data(body, len, series, base, first, first + count,
	    next_token, err, errlen) == -1)
		return -1;
	for (i = first; i < first + count; i++)
		if (strcmp(series[i - base].status, "Forbidden") == 0) {
			snprintf(err, errlen, "query q%zu: Forbidden (no "
			    "permission for that metric)", i);
			free(*next_token);
			*next_token = NULL;
			return CW_PAGE_FORBIDDEN;
		}
	if (*next_token != NULL)
		return CW_PAGE_MORE;
	/* The last page: whatever is still incomplete stays so. */
	for (i = first; i < first + count; i++)
		if (strcmp(series[i - base].status, "PartialData") == 0 ||
		    strcmp(series[i - base].status, "InternalError") == 0)
			series[i - base].partial = 1;
	return CW_PAGE_DONE;
}

int
cloudwatch_apply_page(const char *body, size_t len, struct cw_series *series,
    size_t nseries, size_t first, size_t count, char **next_token, char *err,
    size_t errlen)
{
	*next_token = NULL;
	if (first > nseries || count > nseries - first) {
		snprintf(err, errlen, "batch outside the series");
		return -1;
	}
	return cw_apply_page(body, len, series, 0, first, count, next_token,
	    err, errlen);
}

/* A string member of at most CW_STR_MAX bytes: 0, or -1. */
static int
cw_get_str(const cJSON *o, const char *name, const char **out)
{
	const cJSON	*s = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(s) || strlen(s->valuestring) > CW_STR_MAX)
		return -1;
	*out = s->valuestring;
	return 0;
}

int
cloudwatch_decode_list_metrics(const char *body, size_t len,
    struct cw_metric_list *list, char **next_token, char *err,
    size_t errlen)
{
	cJSON		*root;
	const cJSON	*metrics, *m, *dims, *d;
	const char	*ns, *name, *dn = NULL, *dv = NULL;
	struct cw_metric *out;
	int		 pass, i, nd, rc = -1;

	*next_token = NULL;
	if ((root = cw_parse(body, len, err, errlen)) == NULL)
		return -1;
	if (cw_opt_array(root, "Metrics", &metrics) == -1) {
		snprintf(err, errlen, "Metrics is not an array");
		goto fail;
	}
	if (cw_next_token(root, next_token, err, errlen) == -1)
		goto fail;
	for (pass = 0; pass < 2 && metrics != NULL; pass++) {
		i = 0;
		cJSON_ArrayForEach(m, metrics) {
			i++;
			if (!cJSON_IsObject(m) ||
			    cw_get_str(m, "Namespace", &ns) == -1 ||
			    cw_get_str(m, "MetricName", &name) == -1 ||
			    cw_opt_array(m, "Dimensions", &dims) == -1) {
				snprintf(err, errlen, "metric %d: Namespace, "
				    "MetricName or Dimensions malformed", i);
				goto fail;
			}
			nd = 0;
			cJSON_ArrayForEach(d, dims) {
				if (!cJSON_IsObject(d) ||
				    cw_get_str(d, "Name", &dn) == -1 ||
				    cw_get_str(d, "Value", &dv) == -1) {
					snprintf(err, errlen, "metric %d: "
					    "dimension malformed", i);
					goto fail;
				}
				nd++;
			}
			if (pass == 0)
				continue;
			if (nd > CW_MAX_DIMS) {
				list->skipped++;
				continue;
			}
			if (list->n == list->cap) {
				list->cap = list->cap ? list->cap * 2 : 64;
				list->metrics = xreallocarray(list->metrics,
				    list->cap, sizeof *list->metrics);
			}
			out = &list->metrics[list->n++];
			memset(out, 0, sizeof *out);
			out->namespace = xstrdup(ns);
			out->name = xstrdup(name);
			cJSON_ArrayForEach(d, dims) {
				cw_get_str(d, "Name", &dn);
				cw_get_str(d, "Value", &dv);
				out->dims[out->ndims].name = xstrdup(dn);
				out->dims[out->ndims++].value = xstrdup(dv);
			}
		}
	}
	rc = 0;
fail:
	if (rc == -1) {
		free(*next_token);
		*next_token = NULL;
	}
	cJSON_Delete(root);
	return rc;
}

/* --- Series ------------------------------------------------------------ */

struct cw_point {
	int64_t	ts;
	size_t	seq;		/* arrival order: the later one wins */
	double	value;
};

static int
cw_point_cmp(const void *a, const void *b)
{
	const struct cw_point	*x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
cloudwatch_series_finish(struct cw_series *s)
{
	struct cw_point	*p;
	size_t		 i, n;

	for (i = 1; i < s->n; i++)
		if (s->ts[i] <= s->ts[i - 1])
			break;
	if (i >= s->n)
		return;		/* already strictly ascending */
	p = xreallocarray(NULL, s->n, sizeof *p);
	for (i = 0; i < s->n; i++) {
		p[i].ts = s->ts[i];
		p[i].seq = i;
		p[i].value = s->values[i];
	}
	qsort(p, s->n, sizeof *p, cw_point_cmp);
	for (n = 0, i = 0; i < s->n; i++) {
		if (i + 1 < s->n && p[i + 1].ts == p[i].ts)
			continue;
		s->ts[n] = p[i].ts;
		s->values[n++] = p[i].value;
	}
	s->n = n;
	free(p);
}

void
cloudwatch_series_cleanup(struct cw_series *s)
{
	if (s == NULL)
		return;
	free(s->ts);
	free(s->values);
	memset(s, 0, sizeof *s);
}

/* --- GetMetricData on the loop ---------------------------------------- */

struct cw_run {
	struct aws	*aws;
	struct cw_query	*q;		/* pointing into metrics, stats */
	struct cw_metric *metrics;	/* copies */
	char		**stats;
	size_t		 n;
	time_t		 start, end;
	int		 max_inflight;
	size_t		 next_first;	/* first query of the next batch */
	int		 inflight;	/* calls (= batches) in flight */
	int		 busy;		/* inside our own code: no free */
	int		 delivered;
	char		 error[512];
	struct cw_data	 data;
	cw_data_cb	 cb;
	void		*arg;
	/* streamed: queries asked for, pages handed over, nothing kept */
	cw_query_fn	 qfn;
	cw_page_fn	 pfn;
};

struct cw_batch {
	struct cw_run	*run;
	size_t		 first, count;
	char		*token;
	int		 pages;
	int		 retries;
};

static void	cw_batch_send(struct cw_batch *);

static void __attribute__((format(printf, 2, 3)))
cw_run_fail(struct cw_run *run, const char *fmt, ...)
{
	va_list	ap;

	if (run->error[0] != '\0')
		return;		/* the first error is the one reported */
	va_start(ap, fmt);
	vsnprintf(run->error, sizeof run->error, fmt, ap);
	va_end(ap);
}

static void
cw_run_free(struct cw_run *run)
{
	size_t	i;

	for (i = 0; i < run->n && run->qfn == NULL; i++) {
		cw_metric_cleanup(&run->metrics[i]);
		free(run->stats[i]);
		cloudwatch_series_cleanup(&run->data.series[i]);
	}
	free(run->metrics);
	free(run->stats);
	free(run->q);
	free(run->data.series);
	free(run);
}

static void
cw_batch_free(struct cw_batch *b)
{
	free(b->token);
	free(b);
}

/* aws_error_format() without its leading "cloudwatch: ". */
static const char *
cw_aws_error(const struct aws_error *ae, char *out, size_t outlen)
{
	const char	*s = aws_error_format(ae, out, outlen);

	return strncmp(s, "cloudwatch: ", 12) == 0 ? s + 12 : s;
}

/* Delivers when nothing of ours is on the stack, frees when idle. */
static void
cw_run_settle(struct cw_run *run)
{
	size_t	i;

	if (run->busy > 0)
		return;
	if (run->error[0] != '\0' && !run->delivered) {
		run->delivered = 1;
		run->cb(NULL, run->error, run->arg);
	}
	if (run->inflight > 0)
		return;
	if (!run->delivered) {
		for (i = 0; i < run->n && run->qfn == NULL; i++) {
			cloudwatch_series_finish(&run->data.series[i]);
			run->data.dropped += run->data.series[i].dropped;
			run->data.partial += run->data.series[i].partial;
		}
		log_debug("cloudwatch: GetMetricData: %zu queries, %d calls, "
		    "%zu metrics requested, %zu points dropped, %zu partial",
		    run->n, run->data.calls, run->data.metrics_requested,
		    run->data.dropped, run->data.partial);
		run->delivered = 1;
		run->cb(&run->data, NULL, run->arg);
	}
	cw_run_free(run);
}

static void
cw_run_pump(struct cw_run *run)
{
	struct cw_batch	*b;

	while (run->error[0] == '\0' && run->inflight < run->max_inflight &&
	    run->next_first < run->n) {
		b = xcalloc(1, sizeof *b);
		b->run = run;
		b->first = run->next_first;
		b->count = run->n - b->first;
		if (b->count > CW_MAX_QUERIES)
			b->count = CW_MAX_QUERIES;
		run->next_first += b->count;
		cw_batch_send(b);
	}
}

/*
 * Applies one reply to the run's series or, streamed, decodes it into
 * series of its own and hands them over. As cloudwatch_apply_page().
 */
static int
cw_batch_page(struct cw_batch *b, const struct aws_result *r, char **token,
    char *err, size_t errlen)
{
	struct cw_run		*run = b->run;
	struct cw_series	*page;
	size_t			 k;
	int			 rc;

	if (run->qfn == NULL)
		return cloudwatch_apply_page(r->body, r->len, run->data.series,
		    run->n, b->first, b->count, token, err, errlen);
	*token = NULL;
	page = xcalloc(b->count, sizeof *page);
	rc = cw_apply_page(r->body, r->len, page, b->first, b->first,
	    b->count, token, err, errlen);
	if (rc >= 0) {
		for (k = 0; k < b->count; k++) {
			run->data.dropped += page[k].dropped;
			run->data.partial += page[k].partial;
		}
		run->pfn(b->first, b->count, page, run->arg);
	}
	for (k = 0; k < b->count; k++)
		cloudwatch_series_cleanup(&page[k]);
	free(page);
	return rc;
}

static void
cw_batch_done(const struct aws_result *r, void *arg)
{
	struct cw_batch	*b = arg;
	struct cw_run	*run = b->run;
	char		 err[400], e[700], *token = NULL;
	int		 rc;

	run->busy++;
	run->inflight--;
	if (run->error[0] != '\0')
		cw_batch_free(b);
	else if (!r->ok) {
		cw_run_fail(run, "cloudwatch: GetMetricData: %s",
		    cw_aws_error(&r->error, e, sizeof e));
		cw_batch_free(b);
	} else {
		rc = cw_batch_page(b, r, &token, err, sizeof err);
		if (rc == -1 && b->retries < CW_MALFORMED_RETRIES) {
			b->retries++;
			log_warn("cloudwatch: GetMetricData: %s; asking again",
			    err);
			cw_batch_send(b);
		} else if (rc < 0) {
			cw_run_fail(run, "cloudwatch: GetMetricData: %s", err);
			cw_batch_free(b);
		} else if (rc == CW_PAGE_MORE) {
			free(b->token);
			b->token = token;
			if (++b->pages >= CW_MAX_PAGES) {
				cw_run_fail(run, "cloudwatch: GetMetricData: "
				    "more than %d pages for one batch",
				    CW_MAX_PAGES);
				cw_batch_free(b);
			} else
				cw_batch_send(b);
		} else
			cw_batch_free(b);
	}
	cw_run_pump(run);
	run->busy--;
	cw_run_settle(run);
}

/* The body of the batch's next call. */
static char *
cw_batch_body(struct cw_batch *b)
{
	struct cw_run		*run = b->run;
	struct cw_query		*q;
	struct cw_metric	*m;
	char			*body;
	size_t			 k;

	if (run->qfn == NULL)
		return cloudwatch_metric_data_body(run->q, b->first, b->count,
		    run->start, run->end, b->token);
	q = xcalloc(b->count, sizeof *q);
	m = xcalloc(b->count, sizeof *m);
	for (k = 0; k < b->count; k++)
		run->qfn(b->first + k, &q[k], &m[k], run->arg);
	body = cw_data_body(q, b->first, b->count, run->start, run->end,
	    b->token);
	free(q);
	free(m);
	return body;
}

/* Sends the batch's next call; its callback may run before this returns. */
static void
cw_batch_send(struct cw_batch *b)
{
	struct cw_run	*run = b->run;
	char		*body, err[300];

	body = cw_batch_body(b);
	run->inflight++;
	run->data.calls++;
	run->data.metrics_requested += b->count;
	if (aws_call_json(run->aws, AWS_SVC_CLOUDWATCH, "GetMetricData", body,
	    cw_batch_done, b, err, sizeof err) == -1) {
		run->inflight--;
		cw_run_fail(run, "cloudwatch: GetMetricData: %s", err);
		cw_batch_free(b);
	}
	free(body);
}

/* [start, end) aligned to the largest period: 0, or -1 when empty. */
static int
cw_window(time_t start, time_t end, int maxp, time_t *ostart, time_t *oend,
    char *err, size_t errlen)
{
	start = cloudwatch_align(start, maxp);
	end = cloudwatch_align(end, maxp);
	if (start < 0 || end <= start) {
		snprintf(err, errlen, "cloudwatch: empty window once aligned "
		    "to %d s", maxp);
		return -1;
	}
	if ((double)start < util_now() - (double)cloudwatch_retention(maxp))
		log_debug("cloudwatch: window starts beyond the retention of "
		    "%d s data; older points will be missing", maxp);
	*ostart = start;
	*oend = end;
	return 0;
}

static int	cw_run_start(struct cw_run *, char *, size_t);

int
cloudwatch_get_metric_data(struct aws *aws, const struct cw_query *q,
    size_t n, time_t start, time_t end, int max_inflight, cw_data_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct cw_run	*run;
	char		 e[300];
	int		 maxp = 0;
	size_t		 i;

	if (n == 0 || n > CW_RUN_MAX_QUERIES) {
		snprintf(err, errlen, "cloudwatch: %zu queries (1 to %d)", n,
		    CW_RUN_MAX_QUERIES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (cloudwatch_query_check(&q[i], e, sizeof e) == -1) {
			snprintf(err, errlen, "cloudwatch: query %zu: %s", i, e);
			return -1;
		}
		if (q[i].period > maxp)
			maxp = q[i].period;
	}
	if (cw_window(start, end, maxp, &start, &end, err, errlen) == -1)
		return -1;

	run = xcalloc(1, sizeof *run);
	run->aws = aws;
	run->n = n;
	run->start = start;
	run->end = end;
	run->max_inflight = max_inflight > 0 ? max_inflight : 1;
	run->cb = cb;
	run->arg = arg;
	run->q = xcalloc(n, sizeof *run->q);
	run->metrics = xcalloc(n, sizeof *run->metrics);
	run->stats = xcalloc(n, sizeof *run->stats);
	for (i = 0; i < n; i++) {
		cw_metric_copy(&run->metrics[i], q[i].metric);
		run->stats[i] = xstrdup(q[i].stat);
		run->q[i].metric = &run->metrics[i];
		run->q[i].period = q[i].period;
		run->q[i].stat = run->stats[i];
	}
	run->data.nqueries = n;
	run->data.series = xcalloc(n, sizeof *run->data.series);
	return cw_run_start(run, err, errlen);
}

int
cloudwatch_get_metric_data_stream(struct aws *aws, const struct cw_stream *st,
    char *err, size_t errlen)
{
	struct cw_run		*run;
	struct cw_query		 q;
	struct cw_metric	 m;
	char			 e[300];
	int			 maxp = 0;
	size_t			 i;
	time_t			 start, end;

	if (st->n == 0 || st->n > CW_RUN_MAX_QUERIES || st->query == NULL ||
	    st->page == NULL || st->done == NULL) {
		snprintf(err, errlen, "cloudwatch: %zu queries (1 to %d)",
		    st->n, CW_RUN_MAX_QUERIES);
		return -1;
	}
	for (i = 0; i < st->n; i++) {
		memset(&q, 0, sizeof q);
		memset(&m, 0, sizeof m);
		st->query(i, &q, &m, st->arg);
		if (cloudwatch_query_check(&q, e, sizeof e) == -1) {
			snprintf(err, errlen, "cloudwatch: query %zu: %s", i, e);
			return -1;
		}
		if (q.period > maxp)
			maxp = q.period;
	}
	if (cw_window(st->start, st->end, maxp, &start, &end, err,
	    errlen) == -1)
		return -1;
	run = xcalloc(1, sizeof *run);
	run->aws = aws;
	run->n = st->n;
	run->start = start;
	run->end = end;
	run->max_inflight = st->max_inflight > 0 ? st->max_inflight : 1;
	run->cb = st->done;
	run->arg = st->arg;
	run->qfn = st->query;
	run->pfn = st->page;
	run->data.nqueries = st->n;
	return cw_run_start(run, err, errlen);
}

/* Sends the first batches; frees the run when nothing could leave. */
static int
cw_run_start(struct cw_run *run, char *err, size_t errlen)
{
	run->busy = 1;
	cw_run_pump(run);
	run->busy = 0;
	if (run->error[0] != '\0' && run->inflight == 0) {
		/* Failed before anything left: no callback then. */
		util_strlcpy(err, run->error, errlen);
		cw_run_free(run);
		return -1;
	}
	/* An early error is delivered by the next completion. */
	return 0;
}

/* --- ListMetrics on the loop ------------------------------------------ */

struct cw_listrun {
	struct aws		*aws;
	char			*namespace;
	char			*metric_name;
	struct cw_dim		 filter[CW_MAX_DIMS];
	int			 nfilter;
	char			*token;
	size_t			 max;
	int			 pages;
	int			 retries;
	int			 inflight;
	int			 busy;
	char			 error[512];
	struct cw_metric_list	 list;
	cw_list_cb		 cb;
	void			*arg;
};

static void	cw_list_send(struct cw_listrun *);

static void
cw_listrun_free(struct cw_listrun *lr)
{
	int	i;

	free(lr->namespace);
	free(lr->metric_name);
	for (i = 0; i < lr->nfilter; i++) {
		free(lr->filter[i].name);
		free(lr->filter[i].value);
	}
	free(lr->token);
	cw_metric_list_free(&lr->list);
	free(lr);
}

/* 1 when m carries every filter dimension (and value, when given). */
static int
cw_list_match(const struct cw_listrun *lr, const struct cw_metric *m)
{
	const char	*v;
	int		 i;

	if (lr->namespace != NULL && strcmp(m->namespace, lr->namespace) != 0)
		return 0;
	if (lr->metric_name != NULL && strcmp(m->name, lr->metric_name) != 0)
		return 0;
	for (i = 0; i < lr->nfilter; i++) {
		if ((v = cw_metric_dim(m, lr->filter[i].name)) == NULL)
			return 0;
		if (lr->filter[i].value != NULL &&
		    strcmp(v, lr->filter[i].value) != 0)
			return 0;
	}
	return 1;
}

/* Drops what the service should not have sent (from `from` on). */
static void
cw_list_filter(struct cw_listrun *lr, size_t from)
{
	size_t	i, n = from;

	for (i = from; i < lr->list.n; i++) {
		if (cw_list_match(lr, &lr->list.metrics[i]))
			lr->list.metrics[n++] = lr->list.metrics[i];
		else
			cw_metric_cleanup(&lr->list.metrics[i]);
	}
	lr->list.n = n;
}

static void
cw_list_settle(struct cw_listrun *lr)
{
	if (lr->busy > 0 || lr->inflight > 0)
		return;
	if (lr->error[0] != '\0')
		lr->cb(NULL, lr->error, lr->arg);
	else {
		log_debug("cloudwatch: ListMetrics: %zu metrics in %d pages",
		    lr->list.n, lr->pages);
		lr->cb(&lr->list, NULL, lr->arg);
	}
	cw_listrun_free(lr);
}

static void
cw_list_done(const struct aws_result *r, void *arg)
{
	struct cw_listrun	*lr = arg;
	char			 err[400], e[700], *token = NULL;
	size_t			 before = lr->list.n;

	lr->busy++;
	lr->inflight--;
	lr->pages++;
	if (!r->ok)
		snprintf(lr->error, sizeof lr->error,
		    "cloudwatch: ListMetrics: %s",
		    cw_aws_error(&r->error, e, sizeof e));
	else if (cloudwatch_decode_list_metrics(r->body, r->len, &lr->list,
	    &token, err, sizeof err) == -1) {
		if (lr->retries++ < CW_MALFORMED_RETRIES) {
			log_warn("cloudwatch: ListMetrics: %s; asking again",
			    err);
			cw_list_send(lr);
		} else
			snprintf(lr->error, sizeof lr->error,
			    "cloudwatch: ListMetrics: %s", err);
	} else {
		cw_list_filter(lr, before);
		free(lr->token);
		lr->token = token;
		if (lr->list.n > lr->max)
			snprintf(lr->error, sizeof lr->error, "cloudwatch: "
			    "ListMetrics: more than %zu metrics (the cap); "
			    "narrow the namespace, metric or dimensions",
			    lr->max);
		else if (token != NULL && lr->pages >= CW_MAX_PAGES)
			snprintf(lr->error, sizeof lr->error, "cloudwatch: "
			    "ListMetrics: more than %d pages", CW_MAX_PAGES);
		else if (token != NULL)
			cw_list_send(lr);
	}
	lr->busy--;
	cw_list_settle(lr);
}

static void
cw_list_send(struct cw_listrun *lr)
{
	char	*body, err[300];

	body = cloudwatch_list_metrics_body(lr->namespace, lr->metric_name,
	    lr->filter, lr->nfilter, lr->token);
	lr->inflight++;
	if (aws_call_json(lr->aws, AWS_SVC_CLOUDWATCH, "ListMetrics", body,
	    cw_list_done, lr, err, sizeof err) == -1) {
		lr->inflight--;
		snprintf(lr->error, sizeof lr->error,
		    "cloudwatch: ListMetrics: %s", err);
	}
	free(body);
}

int
cloudwatch_list_metrics_max(struct aws *aws, const char *namespace,
    const char *metric_name, const struct cw_dim *filter, int nfilter,
    size_t max, cw_list_cb cb, void *arg, char *err, size_t errlen)
{
	struct cw_listrun	*lr;
	int			 i;

	if (nfilter < 0 || nfilter > CW_MAX_DIMS || max == 0) {
		snprintf(err, errlen, "cloudwatch: ListMetrics: %d dimension "
		    "filters (at most %d), cap %zu", nfilter, CW_MAX_DIMS, max);
		return -1;
	}
	if ((namespace != NULL && !cw_str_ok(namespace, 255)) ||
	    (metric_name != NULL && !cw_str_ok(metric_name, 255))) {
		snprintf(err, errlen, "cloudwatch: ListMetrics: namespace and "
		    "metric name must be 1 to 255 bytes");
		return -1;
	}
	for (i = 0; i < nfilter; i++)
		if (!cw_str_ok(filter[i].name, 255) ||
		    (filter[i].value != NULL &&
		    !cw_str_ok(filter[i].value, CW_STR_MAX))) {
			snprintf(err, errlen, "cloudwatch: ListMetrics: "
			    "dimension filter %d malformed", i + 1);
			return -1;
		}
	lr = xcalloc(1, sizeof *lr);
	lr->aws = aws;
	lr->namespace = namespace ? xstrdup(namespace) : NULL;
	lr->metric_name = metric_name ? xstrdup(metric_name) : NULL;
	for (i = 0; i < nfilter; i++) {
		lr->filter[i].name = xstrdup(filter[i].name);
		lr->filter[i].value = filter[i].value ?
		    xstrdup(filter[i].value) : NULL;
	}
	lr->nfilter = nfilter;
	lr->max = max;
	lr->cb = cb;
	lr->arg = arg;
	lr->busy = 1;
	cw_list_send(lr);
	lr->busy = 0;
	if (lr->inflight == 0) {
		/* The first call failed at once: no callback then. */
		util_strlcpy(err, lr->error[0] ? lr->error :
		    "cloudwatch: ListMetrics: not sent", errlen);
		cw_listrun_free(lr);
		return -1;
	}
	return 0;
}

int
cloudwatch_list_metrics(struct aws *aws, const char *namespace,
    const char *metric_name, const struct cw_dim *filter, int nfilter,
    cw_list_cb cb, void *arg, char *err, size_t errlen)
{
	return cloudwatch_list_metrics_max(aws, namespace, metric_name, filter,
	    nfilter, CW_LIST_MAX, cb, arg, err, errlen);
}
