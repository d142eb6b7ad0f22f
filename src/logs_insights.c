/*
 * The pure part of a logs source (see logsrc.h): the Logs Insights query
 * with its keyword prefilter, the GetQueryResults decoder and the window
 * maths. No I/O: unit-tested from tables and fuzzed.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "logsrc.h"
#include "util.h"
#include "xmalloc.h"

#define QUERY_FIELDS	"fields @timestamp, @message, @logStream, @log, @ptr"

/* RE2 and PCRE metacharacters, and the regex literal's delimiter. */
static const char regex_meta[] = "\\.+*?()|[]{}^$/";

char *
logsrc_query_string(const char *const *kw, size_t nkw, int limit, char *err,
    size_t errlen)
{
	struct buf	 b;
	const char	*p;
	size_t		 i;
	int		 any = 0;

	if (limit < 1 || limit > LOGSRC_LIMIT) {
		snprintf(err, errlen, "query limit %d out of 1..%d", limit,
		    LOGSRC_LIMIT);
		return NULL;
	}
	buf_init(&b, LOGSRC_QUERY_MAX);
	if (buf_puts(&b, QUERY_FIELDS) == -1)
		goto toolong;
	for (i = 0; i < nkw; i++) {
		if (kw[i] == NULL || kw[i][0] == '\0')
			continue;
		for (p = kw[i]; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				snprintf(err, errlen, "keyword %zu has a "
				    "control character", i + 1);
				goto fail;
			}
		}
		if (buf_puts(&b, any ? "|" :
		    " | filter @message like /(?i)") == -1)
			goto toolong;
		any = 1;
		for (p = kw[i]; *p != '\0'; p++) {
			if (strchr(regex_meta, *p) != NULL &&
			    buf_putc(&b, '\\') == -1)
				goto toolong;
			if (buf_putc(&b, *p) == -1)
				goto toolong;
		}
	}
	if ((any && buf_putc(&b, '/') == -1) ||
	    buf_printf(&b, " | sort @timestamp asc | limit %d", limit) == -1)
		goto toolong;
	return buf_steal(&b, NULL);
toolong:
	snprintf(err, errlen, "query longer than %d characters",
	    LOGSRC_QUERY_MAX);
fail:
	buf_cleanup(&b);
	return NULL;
}

static const char *const status_names[] = {
	"Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout",
	"Unknown"
};

const char *
logsrc_status_name(enum logsrc_query_status s)
{
	if ((size_t)s >= sizeof status_names / sizeof status_names[0])
		return "?";
	return status_names[s];
}

static int
digits(const char *s, int n, int *out)
{
	int	i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
logsrc_parse_timestamp(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y, mo, d, h, mi, se, frac = 0, n;
	size_t	len = strlen(s);

	if (len < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) == -1 || digits(s + 5, 2, &mo) == -1 ||
	    digits(s + 8, 2, &d) == -1 || digits(s + 11, 2, &h) == -1 ||
	    digits(s + 14, 2, &mi) == -1 || digits(s + 17, 2, &se) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		for (n = 0; n < 3; n++) {
			if (*s < '0' || *s > '9')
				return -1;
			frac = frac * 10 + (*s++ - '0');
		}
		while (*s >= '0' && *s <= '9')
			s++;	/* below a millisecond */
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0')
		return -1;
	*ms = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 +
	    se) * 1000 + frac;
	return 0;
}

static enum logsrc_query_status
status_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum logsrc_query_status)i;
	return LOGSRC_Q_UNKNOWN;
}

static double
stat_number(const cJSON *stats, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(stats, name);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 1e18)
		return 0;
	return v->valuedouble;
}

static int
decode_row(const cJSON *row, size_t i, struct logsrc_row *out, char *err,
    size_t errlen)
{
	const cJSON	*cell, *f, *v;
	const char	*ts = NULL, *colon;

	if (!cJSON_IsArray(row)) {
		snprintf(err, errlen, "results[%zu] is not an array", i);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->message = out->stream = out->group = "";
	cJSON_ArrayForEach(cell, row) {
		f = cJSON_GetObjectItemCaseSensitive(cell, "field");
		v = cJSON_GetObjectItemCaseSensitive(cell, "value");
		if (!cJSON_IsString(f) || !cJSON_IsString(v)) {
			snprintf(err, errlen, "results[%zu]: a cell without "
			    "string field and value", i);
			return -1;
		}
		if (strcmp(f->valuestring, "@timestamp") == 0)
			ts = v->valuestring;
		else if (strcmp(f->valuestring, "@message") == 0) {
			out->message = v->valuestring;
			out->message_len = strlen(v->valuestring);
		} else if (strcmp(f->valuestring, "@logStream") == 0)
			out->stream = v->valuestring;
		else if (strcmp(f->valuestring, "@log") == 0) {
			/* "123456789012:/aws/lambda/x" */
			colon = strchr(v->valuestring, ':');
			out->group = colon != NULL ? colon + 1 :
			    v->valuestring;
		} else if (strcmp(f->valuestring, "@ptr") == 0)
			out->ptr = v->valuestring;
	}
	if (ts == NULL) {
		snprintf(err, errlen, "results[%zu] has no @timestamp", i);
		return -1;
	}
	if (logsrc_parse_timestamp(ts, &out->ts_ms) == -1) {
		snprintf(err, errlen, "results[%zu]: bad @timestamp", i);
		return -1;
	}
	if (out->ptr == NULL || out->ptr[0] == '\0') {
		snprintf(err, errlen, "results[%zu] has no @ptr", i);
		return -1;
	}
	return 0;
}

int
logsrc_results_decode(const char *body, size_t len,
    struct logsrc_results *out, char *err, size_t errlen)
{
	cJSON		*doc;
	const cJSON	*status, *results, *stats, *row;
	size_t		 i, n;

	memset(out, 0, sizeof *out);
	doc = cJSON_ParseWithLength(body, len);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		snprintf(err, errlen, "GetQueryResults: reply is not a JSON "
		    "object");
		goto fail;
	}
	status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (!cJSON_IsString(status)) {
		snprintf(err, errlen, "GetQueryResults: no status");
		goto fail;
	}
	out->status = status_parse(status->valuestring);
	stats = cJSON_GetObjectItemCaseSensitive(doc, "statistics");
	if (cJSON_IsObject(stats)) {
		out->bytes_scanned = stat_number(stats, "bytesScanned");
		out->records_matched = stat_number(stats, "recordsMatched");
	}
	out->more = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc,
	    "nextToken"));
	out->doc = doc;
	if (out->status != LOGSRC_Q_COMPLETE)
		return 0;
	results = cJSON_GetObjectItemCaseSensitive(doc, "results");
	if (results == NULL)
		return 0;
	if (!cJSON_IsArray(results)) {
		snprintf(err, errlen, "GetQueryResults: results is not an "
		    "array");
		goto fail;
	}
	n = (size_t)cJSON_GetArraySize(results);
	if (n > LOGSRC_ROWS_MAX) {
		snprintf(err, errlen, "GetQueryResults: %zu rows (at most "
		    "%d)", n, LOGSRC_ROWS_MAX);
		goto fail;
	}
	if (n > 0)
		out->rows = xcalloc(n, sizeof *out->rows);
	i = 0;
	cJSON_ArrayForEach(row, results) {
		if (decode_row(row, i, &out->rows[i], err, errlen) == -1)
			goto fail;
		i++;
	}
	out->nrows = i;
	return 0;
fail:
	free(out->rows);
	cJSON_Delete(doc);
	memset(out, 0, sizeof *out);
	return -1;
}

void
logsrc_results_free(struct logsrc_results *r)
{
	if (r == NULL)
		return;
	free(r->rows);
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof *r);
}

int
logsrc_window(int have_cursor, int64_t cursor, time_t now, int64_t lag,
    int64_t overlap, int64_t lookback, int64_t *start, int64_t *end)
{
	*end = (int64_t)now - (lag > 0 ? lag : 0);
	if (have_cursor)
		*start = cursor - (overlap > 0 ? overlap : 0);
	else
		*start = (int64_t)now - (lookback > 0 ? lookback : 0);
	if (*start < 0)
		*start = 0;
	return *end >= *start;
}

int
logsrc_window_split(int64_t start, int64_t end, int64_t *mid)
{
	if (end <= start)
		return -1;
	*mid = start + (end - start) / 2;
	return 0;
}

int
logsrc_glob_prefix(const char *pattern, char *out, size_t outlen)
{
	size_t	n;

	n = strcspn(pattern, "*?[\\");
	if (outlen > 0) {
		if (n >= outlen)
			n = outlen - 1;
		memcpy(out, pattern, n);
		out[n] = '\0';
	}
	return pattern[strcspn(pattern, "*?[\\")] != '\0';
}
