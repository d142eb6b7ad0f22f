/*
 * CloudWatch: reply decoders on recorded replies (tests/data/cloudwatch/),
 * request bodies, page handling and the batching maths. No network.
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "cloudwatch.h"
#include "tap.h"
#include "xmalloc.h"

static char *
load(const char *name, size_t *lenp)
{
	const char	*src = getenv("SRCDIR");
	char		*path, chunk[4096];
	FILE		*f;
	struct buf	 b;
	size_t		 n;

	path = xasprintf("%s/tests/data/cloudwatch/%s", src ? src : ".", name);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL) {
		printf("Bail out! cannot read tests/data/cloudwatch/%s\n", name);
		exit(1);
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)buf_append(&b, chunk, n);
	fclose(f);
	*lenp = b.len;
	return b.data != NULL ? buf_steal(&b, NULL) : xstrdup("");
}

static void
series_free(struct cw_series *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cloudwatch_series_cleanup(&s[i]);
}

/* Applies a recorded page; returns apply_page's result. */
static int
apply(const char *file, struct cw_series *s, size_t ns, size_t first,
    size_t count, char **token, char *err, size_t errlen)
{
	char	*body;
	size_t	 len;
	int	 rc;

	body = load(file, &len);
	rc = cloudwatch_apply_page(body, len, s, ns, first, count, token, err,
	    errlen);
	free(body);
	return rc;
}

static int
decode(const char *file, struct cw_series *s, size_t ns, char **token,
    char *err, size_t errlen)
{
	char	*body;
	size_t	 len;
	int	 rc;

	body = load(file, &len);
	rc = cloudwatch_decode_metric_data(body, len, s, ns, token, err,
	    errlen);
	free(body);
	return rc;
}

static int
decs(const char *body, struct cw_series *s, size_t ns, char **token,
    char *err, size_t errlen)
{
	return cloudwatch_decode_metric_data(body, strlen(body), s, ns, token,
	    err, errlen);
}

static void
test_maths(void)
{
	is_int(cloudwatch_batches(0), 0, "0 queries: 0 calls");
	is_int(cloudwatch_batches(1), 1, "1 query: 1 call");
	is_int(cloudwatch_batches(500), 1, "500 queries: 1 call");
	is_int(cloudwatch_batches(501), 2, "501 queries: 2 calls");
	is_int(cloudwatch_batches(1200), 3, "1200 queries: 3 calls");
	is_int(cloudwatch_batches(100000), 200, "100000 queries: 200 calls");

	is_int(cloudwatch_align(1767225659, 60), 1767225600, "align down 60");
	is_int(cloudwatch_align(1767225600, 60), 1767225600, "aligned stays");
	is_int(cloudwatch_align(1767229199, 3600), 1767225600, "align hour");
	is_int(cloudwatch_align(1767225899, 300), 1767225600, "align 5 min");
	is_int(cloudwatch_align(-1, 60), -60, "negative aligns down");

	ok(cloudwatch_period_valid(60) && cloudwatch_period_valid(300) &&
	    cloudwatch_period_valid(1) && cloudwatch_period_valid(30) &&
	    cloudwatch_period_valid(86400), "valid periods");
	ok(!cloudwatch_period_valid(0) && !cloudwatch_period_valid(45) &&
	    !cloudwatch_period_valid(90) && !cloudwatch_period_valid(-60) &&
	    !cloudwatch_period_valid(2), "invalid periods");
	is_int(cloudwatch_retention(1), 3 * 3600, "1 s data kept 3 h");
	is_int(cloudwatch_retention(60), 15 * 86400, "60 s data kept 15 d");
	is_int(cloudwatch_retention(300), 63 * 86400, "300 s data kept 63 d");
	is_int(cloudwatch_retention(3600), 455 * 86400,
	    "3600 s data kept 455 d");
}

static void
test_metric(void)
{
	struct cw_metric	m, c;
	struct cw_query		q;
	char			err[256];

	memset(&m, 0, sizeof m);
	m.namespace = "AWS/Lambda";
	m.name = "Errors";
	m.dims[0].name = "FunctionName";
	m.dims[0].value = "orders";
	m.dims[1].name = "Resource";
	m.dims[1].value = "orders:live";
	m.ndims = 2;
	cw_metric_copy(&c, &m);
	ok(c.namespace != m.namespace && strcmp(c.namespace, "AWS/Lambda") == 0,
	    "copy duplicates strings");
	is_str(cw_metric_dim(&c, "Resource"), "orders:live", "dim lookup");
	ok(cw_metric_dim(&c, "Stage") == NULL, "absent dim is NULL");
	cw_metric_cleanup(&c);
	ok(c.namespace == NULL && c.ndims == 0, "cleanup empties");

	q.metric = &m;
	q.period = 60;
	q.stat = "Sum";
	ok(cloudwatch_query_check(&q, err, sizeof err) == 0, "good query");
	q.period = 90;
	ok(cloudwatch_query_check(&q, err, sizeof err) == -1 &&
	    strstr(err, "90") != NULL, "period 90 refused: %s", err);
	q.period = 60;
	q.stat = "";
	ok(cloudwatch_query_check(&q, err, sizeof err) == -1, "empty stat");
	q.stat = "p99";
	m.dims[1].value = "";
	ok(cloudwatch_query_check(&q, err, sizeof err) == -1,
	    "empty dimension value refused");
	m.dims[1].value = "orders:live";
	m.ndims = CW_MAX_DIMS + 1;
	ok(cloudwatch_query_check(&q, err, sizeof err) == -1,
	    "too many dimensions refused");
}

static void
test_bodies(void)
{
	struct cw_metric	 m[3];
	struct cw_query		 q[3];
	cJSON			*o, *qs, *e, *ms;
	char			*body;
	int			 i;

	memset(m, 0, sizeof m);
	for (i = 0; i < 3; i++) {
		m[i].namespace = "AWS/Lambda";
		m[i].name = i == 0 ? "Invocations" : "Errors";
		m[i].dims[0].name = "FunctionName";
		m[i].dims[0].value = "orders";
		m[i].ndims = i == 2 ? 0 : 1;
		q[i].metric = &m[i];
		q[i].period = 60;
		q[i].stat = i == 1 ? "p99" : "Sum";
	}
	body = cloudwatch_metric_data_body(q, 1, 2, 1767225600, 1767229200,
	    NULL);
	o = cJSON_Parse(body);
	ok(o != NULL, "GetMetricData body is JSON");
	qs = cJSON_GetObjectItem(o, "MetricDataQueries");
	is_int(cJSON_GetArraySize(qs), 2, "two queries in the batch");
	e = cJSON_GetArrayItem(qs, 0);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(e, "Id")), "q1",
	    "Id is q<global index>");
	ms = cJSON_GetObjectItem(e, "MetricStat");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(ms, "Stat")), "p99",
	    "stat");
	is_int(cJSON_GetNumberValue(cJSON_GetObjectItem(ms, "Period")), 60,
	    "period");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    ms, "Metric"), "MetricName")), "Errors", "metric name");
	e = cJSON_GetArrayItem(qs, 1);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(e, "Id")), "q2",
	    "second Id");
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(e,
	    "MetricStat"), "Metric"), "Dimensions") == NULL,
	    "no Dimensions member without dimensions");
	is_int(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "StartTime")),
	    1767225600, "StartTime epoch seconds");
	is_int(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "EndTime")),
	    1767229200, "EndTime epoch seconds");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "ScanBy")),
	    "TimestampAscending", "ScanBy ascending");
	ok(cJSON_GetObjectItem(o, "NextToken") == NULL, "no token at first");
	cJSON_Delete(o);
	free(body);

	body = cloudwatch_metric_data_body(q, 0, 1, 0, 60, "tok\"en");
	o = cJSON_Parse(body);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o, "NextToken")),
	    "tok\"en", "token passed back verbatim (escaped in JSON)");
	cJSON_Delete(o);
	free(body);

	{
		struct cw_dim	f[2] = {{"FunctionName", NULL},
				    {"Resource", "orders:live"}};

		body = cloudwatch_list_metrics_body("AWS/Lambda", NULL, f, 2,
		    "p2");
		o = cJSON_Parse(body);
		is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "Namespace")), "AWS/Lambda", "list: namespace");
		ok(cJSON_GetObjectItem(o, "MetricName") == NULL,
		    "list: no metric name when any");
		qs = cJSON_GetObjectItem(o, "Dimensions");
		is_int(cJSON_GetArraySize(qs), 2, "list: two filters");
		ok(cJSON_GetObjectItem(cJSON_GetArrayItem(qs, 0), "Value") ==
		    NULL, "list: name-only filter has no Value");
		is_str(cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetArrayItem(qs, 1), "Value")), "orders:live",
		    "list: value filter");
		is_str(cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "NextToken")), "p2", "list: token");
		cJSON_Delete(o);
		free(body);
	}
}

static void
test_paging(void)
{
	struct cw_series	s[3];
	char			err[256], *tok = NULL;
	int			rc;

	memset(s, 0, sizeof s);
	rc = apply("gmd-page1.json", s, 3, 0, 3, &tok, err, sizeof err);
	is_int(rc, CW_PAGE_MORE, "page 1: more follows");
	is_str(tok, "eyJmcCI6ICIzZjFhIiwgInEiOiAxLCAibyI6IDJ9", "page 1 token");
	free(tok);
	is_int(s[0].n, 3, "q0: 3 points");
	is_int(s[1].n, 2, "q1: 2 points so far");
	is_str(s[1].status, "PartialData", "q1 says PartialData");
	ok(!s[1].partial, "PartialData with a token is not partial");

	rc = apply("gmd-page2.json", s, 3, 0, 3, &tok, err, sizeof err);
	is_int(rc, CW_PAGE_DONE, "page 2: done");
	ok(tok == NULL, "no token on the last page");
	is_str(s[1].status, "Complete", "q1 complete");
	ok(!s[0].partial && !s[1].partial && !s[2].partial, "none partial");
	is_int(s[1].n, 4, "q1: 4 raw points before merging");
	cloudwatch_series_finish(&s[1]);
	is_int(s[1].n, 3, "q1: duplicate timestamp merged");
	ok(s[1].ts[0] == 1767225600 && s[1].ts[1] == 1767225660 &&
	    s[1].ts[2] == 1767225720, "q1 sorted by time");
	is_num(s[1].values[1], 2.0, 0, "the later value of a duplicate wins");
	is_num(s[1].values[2], 4.0, 0, "out-of-order point placed");
	cloudwatch_series_finish(&s[0]);
	is_int(s[0].n, 3, "q0 unchanged by finish");
	is_num(s[0].values[2], 131.0, 0, "q0 last value");
	is_int(s[2].n, 1, "q2 came on page 2");
	series_free(s, 3);

	/* PartialData without NextToken: the series is partial. */
	memset(s, 0, sizeof s);
	rc = apply("gmd-partial-final.json", s, 2, 0, 2, &tok, err, sizeof err);
	is_int(rc, CW_PAGE_DONE, "partial final page is the end");
	ok(s[0].partial && !s[1].partial, "PartialData without token: partial");
	series_free(s, 2);

	/* InternalError with a token: followed; without: partial. */
	memset(s, 0, sizeof s);
	rc = apply("gmd-internal-token.json", s, 2, 0, 2, &tok, err,
	    sizeof err);
	is_int(rc, CW_PAGE_MORE, "InternalError with token: follow it");
	is_str(tok, "retry-from-here-0001", "InternalError token");
	free(tok);
	rc = apply("gmd-internal-final.json", s, 2, 0, 2, &tok, err,
	    sizeof err);
	is_int(rc, CW_PAGE_DONE, "then done");
	ok(!s[0].partial, "recovered series complete");
	ok(s[1].partial, "InternalError at the end: partial");
	is_int(s[0].n, 2, "recovered series has both pages' points");
	series_free(s, 2);

	/* Forbidden is an error, even with a token. */
	memset(s, 0, sizeof s);
	rc = apply("gmd-forbidden.json", s, 2, 0, 2, &tok, err, sizeof err);
	is_int(rc, CW_PAGE_FORBIDDEN, "Forbidden refused");
	ok(tok == NULL, "no token handed out on Forbidden");
	ok(strstr(err, "q1") != NULL && strstr(err, "Forbidden") != NULL,
	    "error names the query: %s", err);
	series_free(s, 2);

	/* A batch's page may only speak of its own queries. */
	memset(s, 0, sizeof s);
	rc = apply("gmd-page1.json", s, 3, 1, 2, &tok, err, sizeof err);
	is_int(rc, -1, "Id of another batch is malformed");
	ok(s[1].n == 0 && s[2].n == 0, "nothing applied from a bad page");
	rc = apply("gmd-page1.json", s, 2, 0, 3, &tok, err, sizeof err);
	is_int(rc, -1, "batch beyond the series refused");
	series_free(s, 3);
}

static void
test_bad_replies(void)
{
	struct cw_series	s[2];
	char			err[256], *tok = NULL;
	static const char	*malformed[] = {
		"gmd-truncated.json", "gmd-wrong-types.json",
		"gmd-wrong-status.json", "gmd-unknown-id.json",
		"gmd-mismatch.json", "gmd-token-type.json",
		"gmd-bad-token-after-data.json"
	};
	size_t			i;

	memset(s, 0, sizeof s);
	ok(decode("gmd-bad-values.json", s, 1, &tok, err, sizeof err) == 0,
	    "bad values do not fail the reply");
	is_int(s[0].n, 3, "three good points kept");
	is_int(s[0].dropped, 7, "seven dropped: NaN, Inf, bad timestamps");
	ok(s[0].ts[0] == 1767225600 && s[0].ts[1] == 1767225900 &&
	    s[0].ts[2] == 1767225960, "fractional timestamp floored");
	is_num(s[0].values[1], 8.25, 0, "its value kept");
	for (i = 0; i < s[0].n; i++)
		ok(isfinite(s[0].values[i]), "kept value %zu finite", i);
	series_free(s, 1);

	for (i = 0; i < sizeof malformed / sizeof *malformed; i++) {
		memset(s, 0, sizeof s);
		err[0] = '\0';
		ok(decode(malformed[i], s, 2, &tok, err, sizeof err) == -1 &&
		    err[0] != '\0', "%s refused: %s", malformed[i], err);
		ok(tok == NULL && s[0].n == 0 && s[1].n == 0,
		    "%s: nothing applied", malformed[i]);
		series_free(s, 2);
	}

	/* Inline oddities. */
	memset(s, 0, sizeof s);
	ok(decs("[]", s, 2, &tok, err,
	    sizeof err) == -1, "array reply refused");
	ok(decs("", s, 2, &tok, err,
	    sizeof err) == -1, "empty reply refused");
	ok(decs("{}", s, 2, &tok, err,
	    sizeof err) == 0 && tok == NULL, "empty object is an empty page");
	ok(decs(
	    "{\"MetricDataResults\":[{\"Id\":\"q2\"}]}", s, 2, &tok, err,
	    sizeof err) == -1, "q2 of 2 series is unknown");
	ok(decs(
	    "{\"MetricDataResults\":[{\"Id\":\"q01\"}]}", s, 2, &tok, err,
	    sizeof err) == -1, "leading zero Id refused");
	ok(decs(
	    "{\"MetricDataResults\":[{\"Id\":\"q99999999999999999999999\"}]}", s, 2, &tok, err, sizeof err) == -1, "overflowing Id refused");
	ok(decs(
	    "{\"MetricDataResults\":[{\"Id\":\"q1\",\"StatusCode\":\"Complete\"}]}", s, 2, &tok, err, sizeof err) == 0, "result without arrays ok");
	is_str(s[1].status, "Complete", "its status recorded");
	ok(decs("{\"NextToken\":\"\"}", s, 2, &tok,
	    err, sizeof err) == 0 && tok == NULL, "empty token is no token");
	series_free(s, 2);
}

/* A reply whose series alone would pass the per-series point cap. */
static void
test_huge(void)
{
	struct cw_series	 s[1];
	struct buf		 b;
	char			 err[256], *tok = NULL;
	size_t			 i, n = CW_SERIES_MAX_POINTS + 1;

	buf_init(&b, 16 * 1024 * 1024);
	buf_puts(&b, "{\"MetricDataResults\":[{\"Id\":\"q0\",\"Timestamps\":[");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%zu", i ? "," : "", 1767225600 + i * 60);
	buf_puts(&b, "],\"Values\":[");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s1", i ? "," : "");
	ok(buf_puts(&b, "],\"StatusCode\":\"Complete\"}]}") == 0,
	    "built a %zu-point reply", n);
	memset(s, 0, sizeof s);
	ok(cloudwatch_decode_metric_data(b.data, b.len, s, 1, &tok, err,
	    sizeof err) == -1 && strstr(err, "points") != NULL,
	    "over the point cap refused: %s", err);
	is_int(s[0].n, 0, "nothing kept");

	/* Just under the cap passes; a second page then goes over. */
	buf_reset(&b);
	buf_puts(&b, "{\"MetricDataResults\":[{\"Id\":\"q0\",\"Timestamps\":[");
	for (i = 0; i < n / 2; i++)
		buf_printf(&b, "%s%zu", i ? "," : "", 1767225600 + i * 60);
	buf_puts(&b, "],\"Values\":[");
	for (i = 0; i < n / 2; i++)
		buf_printf(&b, "%s%zu.5", i ? "," : "", i);
	buf_puts(&b, "]},{\"Id\":\"q0\",\"Timestamps\":[1],\"Values\":[1]}]}");
	ok(cloudwatch_decode_metric_data(b.data, b.len, s, 1, &tok, err,
	    sizeof err) == 0, "half the cap (twice the Id) accepted");
	is_int(s[0].n, n / 2 + 1, "all points appended");
	ok(cloudwatch_decode_metric_data(b.data, b.len, s, 1, &tok, err,
	    sizeof err) == -1, "the same page again would pass the cap");
	is_int(s[0].n, n / 2 + 1, "and changed nothing");
	cloudwatch_series_finish(&s[0]);
	is_int(s[0].n, n / 2 + 1, "finish keeps distinct timestamps");
	ok(s[0].ts[0] == 1, "finish sorts the early point first");
	cloudwatch_series_cleanup(&s[0]);
	buf_cleanup(&b);
}

static void
test_list(void)
{
	struct cw_metric_list	 l;
	char			 err[256], *tok = NULL, *body;
	size_t			 len;
	int			 rc;

	memset(&l, 0, sizeof l);
	body = load("list-page1.json", &len);
	rc = cloudwatch_decode_list_metrics(body, len, &l, &tok, err,
	    sizeof err);
	free(body);
	is_int(rc, 0, "list page 1 decoded");
	is_int(l.n, 3, "three metrics");
	is_str(tok, "bGlzdC1wYWdlLTI=", "list token");
	free(tok);
	is_str(l.metrics[1].namespace, "AWS/Lambda", "namespace");
	is_str(cw_metric_dim(&l.metrics[1], "FunctionName"), "billing-api",
	    "dimension value");
	is_int(l.metrics[2].ndims, 2, "two dimensions");

	body = load("list-page2.json", &len);
	rc = cloudwatch_decode_list_metrics(body, len, &l, &tok, err,
	    sizeof err);
	free(body);
	is_int(rc, 0, "list page 2 decoded");
	ok(tok == NULL, "last page");
	is_int(l.n, 5, "appended (wide metric skipped)");
	is_int(l.skipped, 1, "metric with 11 dimensions skipped");
	is_int(l.metrics[4].ndims, 0, "metric without dimensions");

	body = load("list-wrong-types.json", &len);
	rc = cloudwatch_decode_list_metrics(body, len, &l, &tok, err,
	    sizeof err);
	free(body);
	is_int(rc, -1, "Dimensions as a string refused");
	is_int(l.n, 5, "nothing appended from a bad page");
	body = load("list-bad-token.json", &len);
	rc = cloudwatch_decode_list_metrics(body, len, &l, &tok, err,
	    sizeof err);
	free(body);
	is_int(rc, -1, "NextToken of the wrong type refused");
	is_int(l.n, 5, "and the page's metrics not appended");
	body = load("list-missing-name.json", &len);
	rc = cloudwatch_decode_list_metrics(body, len, &l, &tok, err,
	    sizeof err);
	free(body);
	is_int(rc, -1, "metric without a name refused");
	ok(cloudwatch_decode_list_metrics("{\"Metrics\":[", 12, &l, &tok, err,
	    sizeof err) == -1, "truncated list refused");
	cw_metric_list_free(&l);
	ok(l.n == 0 && l.metrics == NULL, "list freed");
}

int
main(void)
{
	test_maths();
	test_metric();
	test_bodies();
	test_paging();
	test_bad_replies();
	test_huge();
	test_list();
	return tap_done();
}
