/*
 * The pure part of the logs source: the Insights query and its keyword
 * prefilter, GetQueryResults decoding (good and malformed replies), the
 * window and split maths, glob prefixes, and the scanner's keywords.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logsrc.h"
#include "scanner.h"
#include "tap.h"

static void
test_query(void)
{
	const char	*kw[] = { "akia", "sk_live_", "hooks.slack.com",
	    "a/b", "x|y(z)*+?[]{}^$\\" , "basic " };
	const char	*bad[] = { "ok", "new\nline" };
	char		 err[200], *q, big[200];
	const char	*many[200];
	size_t		 i;

	q = logsrc_query_string(NULL, 0, 10000, err, sizeof err);
	is_str(q, "fields @timestamp, @message, @logStream, @log, @ptr"
	    " | sort @timestamp asc | limit 10000", "query without prefilter");
	free(q);

	q = logsrc_query_string(kw, 2, 500, err, sizeof err);
	is_str(q, "fields @timestamp, @message, @logStream, @log, @ptr"
	    " | filter @message like /(?i)akia|sk_live_/"
	    " | sort @timestamp asc | limit 500", "prefilter, two keywords");
	free(q);

	q = logsrc_query_string(kw + 2, 4, 10, err, sizeof err);
	is_str(q, "fields @timestamp, @message, @logStream, @log, @ptr"
	    " | filter @message like /(?i)hooks\\.slack\\.com|a\\/b|"
	    "x\\|y\\(z\\)\\*\\+\\?\\[\\]\\{\\}\\^\\$\\\\|basic /"
	    " | sort @timestamp asc | limit 10",
	    "metacharacters and '/' escaped");
	free(q);

	q = logsrc_query_string(bad, 2, 10, err, sizeof err);
	ok(q == NULL && strstr(err, "control") != NULL,
	    "a keyword with a newline is refused: %s", err);
	free(q);

	q = logsrc_query_string(NULL, 0, 0, err, sizeof err);
	ok(q == NULL, "limit 0 refused");
	q = logsrc_query_string(NULL, 0, 10001, err, sizeof err);
	ok(q == NULL, "limit 10001 refused");

	memset(big, 'k', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (i = 0; i < 200; i++)
		many[i] = big;
	q = logsrc_query_string(many, 200, 10, err, sizeof err);
	ok(q == NULL && strstr(err, "longer") != NULL,
	    "a query over 10000 characters is refused");
	free(q);
}

static void
test_timestamp(void)
{
	int64_t	ms = -1;

	ok(logsrc_parse_timestamp("2026-01-01 00:00:00.000", &ms) == 0 &&
	    ms == 1767225600000LL, "Insights timestamp");
	ok(logsrc_parse_timestamp("2026-01-01 00:00:10.123", &ms) == 0 &&
	    ms == 1767225610123LL, "milliseconds");
	ok(logsrc_parse_timestamp("1970-01-01 00:00:00", &ms) == 0 && ms == 0,
	    "epoch, no fraction");
	ok(logsrc_parse_timestamp("2024-02-29T12:30:45.5006Z", &ms) == 0 &&
	    ms == 1709209845500LL, "T, Z, sub-millisecond digits");
	ok(logsrc_parse_timestamp("2026-13-01 00:00:00", &ms) == -1,
	    "month 13 refused");
	ok(logsrc_parse_timestamp("2026-01-01 00:00:00.1", &ms) == -1,
	    "short fraction refused");
	ok(logsrc_parse_timestamp("1767225600000", &ms) == -1,
	    "epoch ms refused (not the Insights format)");
	ok(logsrc_parse_timestamp("2026-01-01 00:00:00.000 x", &ms) == -1,
	    "trailing text refused");
}

#define ROW(ts, msg, ptr) "[{\"field\":\"@timestamp\",\"value\":\"" ts \
	"\"},{\"field\":\"@message\",\"value\":\"" msg "\"},"		\
	"{\"field\":\"@logStream\",\"value\":\"s1\"},"			\
	"{\"field\":\"@log\",\"value\":\"123456789012:/aws/lambda/a\"},"	\
	"{\"field\":\"@ptr\",\"value\":\"" ptr "\"}]"

static int
decode(const char *body, struct logsrc_results *r, char *err, size_t len)
{
	return logsrc_results_decode(body, strlen(body), r, err, len);
}

static void
test_decode(void)
{
	struct logsrc_results	 r;
	char			 err[200];
	size_t			 i;
	static const struct {
		const char	*body;
		const char	*want;	/* in err */
	} bad[] = {
		{ "", "not a JSON object" },
		{ "[]", "not a JSON object" },
		{ "{\"results\":[]}", "no status" },
		{ "{\"status\":\"Complete\",\"results\":{}}", "not an array" },
		{ "{\"status\":\"Complete\",\"results\":[{}]}",
		    "results[0] is not an array" },
		{ "{\"status\":\"Complete\",\"results\":[[{\"field\":1,"
		    "\"value\":\"x\"}]]}", "string field" },
		{ "{\"status\":\"Complete\",\"results\":[[{\"field\":"
		    "\"@ptr\",\"value\":\"p\"}]]}", "no @timestamp" },
		{ "{\"status\":\"Complete\",\"results\":[[{\"field\":"
		    "\"@timestamp\",\"value\":\"yesterday\"},{\"field\":"
		    "\"@ptr\",\"value\":\"p\"}]]}", "bad @timestamp" },
		{ "{\"status\":\"Complete\",\"results\":[" ROW("2026-01-01 "
		    "00:00:00.000", "m", "p") ",[{\"field\":\"@timestamp\","
		    "\"value\":\"2026-01-01 00:00:00.000\"}]]}",
		    "results[1] has no @ptr" },
		{ "{\"status\":\"Complete\",\"results\":[[", "not a JSON" },
	};

	ok(decode("{\"status\":\"Complete\",\"results\":["
	    ROW("2026-01-01 00:00:01.250", "line one\\nAKIA", "ptr-1") ","
	    ROW("2026-01-01 00:00:02.000", "two", "ptr-2") "],"
	    "\"statistics\":{\"recordsMatched\":2.0,\"recordsScanned\":9.0,"
	    "\"bytesScanned\":1234.0}}", &r, err, sizeof err) == 0,
	    "a complete reply decodes");
	is_int(r.status, LOGSRC_Q_COMPLETE, "status Complete");
	is_int(r.nrows, 2, "two rows");
	is_int(r.rows[0].ts_ms, 1767225601250LL, "row 0 timestamp (ms)");
	is_str(r.rows[0].message, "line one\nAKIA", "row 0 message");
	is_int(r.rows[0].message_len, 13, "row 0 message length");
	is_str(r.rows[0].stream, "s1", "row 0 stream");
	is_str(r.rows[0].group, "/aws/lambda/a", "group from @log");
	is_str(r.rows[1].ptr, "ptr-2", "row 1 ptr");
	is_num(r.bytes_scanned, 1234.0, 0, "bytesScanned");
	is_num(r.records_matched, 2.0, 0, "recordsMatched");
	ok(!r.more, "no nextToken");
	logsrc_results_free(&r);

	ok(decode("{\"status\":\"Running\",\"results\":[" ROW("x", "y", "")
	    "],\"statistics\":{\"bytesScanned\":-5}}", &r, err,
	    sizeof err) == 0 && r.status == LOGSRC_Q_RUNNING &&
	    r.nrows == 0 && r.bytes_scanned == 0,
	    "Running: rows not decoded, negative statistics ignored");
	logsrc_results_free(&r);
	ok(decode("{\"status\":\"Scheduled\"}", &r, err, sizeof err) == 0 &&
	    r.status == LOGSRC_Q_SCHEDULED, "Scheduled");
	logsrc_results_free(&r);
	ok(decode("{\"status\":\"Complete\",\"nextToken\":\"t\"}", &r, err,
	    sizeof err) == 0 && r.more && r.nrows == 0,
	    "Complete without results, nextToken seen");
	logsrc_results_free(&r);
	ok(decode("{\"status\":\"Timeout\"}", &r, err, sizeof err) == 0 &&
	    r.status == LOGSRC_Q_TIMEOUT, "Timeout");
	logsrc_results_free(&r);
	ok(decode("{\"status\":\"Weird\"}", &r, err, sizeof err) == 0 &&
	    r.status == LOGSRC_Q_UNKNOWN, "an unknown status is Unknown");
	logsrc_results_free(&r);
	is_str(logsrc_status_name(LOGSRC_Q_CANCELLED), "Cancelled",
	    "status name");
	ok(decode("{\"status\":\"Complete\",\"results\":[[{\"field\":"
	    "\"@timestamp\",\"value\":\"2026-01-01 00:00:00.000\"},{\"field\":"
	    "\"@ptr\",\"value\":\"p\"},{\"field\":\"@log\",\"value\":"
	    "\"nocolon\"}]]}", &r, err, sizeof err) == 0 && r.nrows == 1 &&
	    strcmp(r.rows[0].message, "") == 0 &&
	    strcmp(r.rows[0].group, "nocolon") == 0,
	    "absent @message is empty; @log without account kept");
	logsrc_results_free(&r);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ok(decode(bad[i].body, &r, err, sizeof err) == -1 &&
		    strstr(err, bad[i].want) != NULL && r.rows == NULL &&
		    r.doc == NULL, "malformed reply %zu: %s", i, err);
		logsrc_results_free(&r);
	}
}

static void
test_window(void)
{
	int64_t	s, e, mid;

	ok(logsrc_window(0, 0, 100000, 180, 120, 3600, &s, &e) == 1 &&
	    s == 100000 - 3600 && e == 100000 - 180,
	    "first run: [now - lookback, now - lag]");
	ok(logsrc_window(1, 99000, 100000, 180, 120, 3600, &s, &e) == 1 &&
	    s == 99000 - 120 && e == 100000 - 180,
	    "with a cursor: [cursor - overlap, now - lag]");
	ok(logsrc_window(1, 99900, 100000, 180, 0, 3600, &s, &e) == 0,
	    "cursor past now - lag: nothing to query");
	ok(logsrc_window(0, 0, 100, 0, 0, 3600, &s, &e) == 1 && s == 0,
	    "start clamped at 0");

	ok(logsrc_window_split(0, 9, &mid) == 0 && mid == 4,
	    "[0,9] -> [0,4] [5,9]");
	ok(logsrc_window_split(10, 11, &mid) == 0 && mid == 10,
	    "two seconds -> one each");
	ok(logsrc_window_split(10, 10, &mid) == -1,
	    "one second cannot be split");
	ok(logsrc_window_split(5, 4, &mid) == -1, "empty window");
	/* Halving always terminates and covers the window exactly. */
	{
		int64_t	stack[64][2], covered = 0, leaves = 0;
		int	n = 0;

		stack[n][0] = 1000;
		stack[n++][1] = 1000 + 86399;
		while (n > 0) {
			int64_t	a = stack[n - 1][0], b = stack[n - 1][1];

			n--;
			if (b - a < 600) {	/* "not full" */
				covered += b - a + 1;
				leaves++;
				continue;
			}
			if (logsrc_window_split(a, b, &mid) == -1) {
				covered += 1;
				leaves++;
				continue;
			}
			stack[n][0] = a;
			stack[n++][1] = mid;
			stack[n][0] = mid + 1;
			stack[n++][1] = b;
		}
		is_int(covered, 86400, "recursive halves cover a day exactly");
		ok(leaves > 1, "and split it (%lld leaves)", (long long)leaves);
	}
}

static void
test_glob(void)
{
	char	p[64];

	ok(logsrc_glob_prefix("/aws/lambda/*", p, sizeof p) == 1 &&
	    strcmp(p, "/aws/lambda/") == 0, "prefix glob");
	ok(logsrc_glob_prefix("/aws/lambda/orders", p, sizeof p) == 0 &&
	    strcmp(p, "/aws/lambda/orders") == 0, "a plain name");
	ok(logsrc_glob_prefix("*", p, sizeof p) == 1 && p[0] == '\0',
	    "'*': every group");
	ok(logsrc_glob_prefix("/a/b?c*", p, sizeof p) == 1 &&
	    strcmp(p, "/a/b") == 0, "'?' ends the prefix");
	ok(logsrc_glob_prefix("/aws/lambda/x*", p, 5) == 1 &&
	    strcmp(p, "/aws") == 0, "truncated to the buffer");
}

struct kws {
	int	n, akia, pem, stripe;
};

static void
count_kw(const char *kw, void *arg)
{
	struct kws	*k = arg;

	k->n++;
	k->akia += strcmp(kw, "akia") == 0;
	k->stripe += strcmp(kw, "sk_live_") == 0;
	k->pem += strcmp(kw, "private key-----") == 0;
}

static void
test_keywords(void)
{
	struct scanner	*sc;
	struct kws	 k = { 0, 0, 0, 0 };
	char		 err[200];

	sc = scanner_new(NULL, err, sizeof err);
	ok(sc != NULL, "scanner");
	if (sc == NULL)
		return;
	scanner_keywords(sc, count_kw, &k);
	ok(k.n > 25, "keywords listed (%d)", k.n);
	ok(k.akia == 1 && k.stripe == 1 && k.pem == 1,
	    "AWS, Stripe and PEM keywords among them");
	scanner_free(sc);
}

int
main(void)
{
	test_query();
	test_timestamp();
	test_decode();
	test_window();
	test_glob();
	test_keywords();
	return tap_done();
}
