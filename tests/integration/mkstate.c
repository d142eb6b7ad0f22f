/*
 * mkstate PATH: fills a new state database through the real store code for
 * tests/integration/status.py: a firing and an ok lambda series with 24 h
 * of hourly rollups, a pending metric series with datapoints, a series
 * whose entity holds terminal escapes, outbox rows and two cycles. Times
 * are relative to now.
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "util.h"

static struct store	*s;

static void
check(int rc, const char *what)
{
	if (rc == -1) {
		fprintf(stderr, "mkstate: %s: %s\n", what, store_error(s));
		exit(1);
	}
}

static void
alert(const char *watch, const char *entity, const char *signal,
    enum store_alert_state state, int64_t since, double value,
    double baseline)
{
	struct store_alert	a;

	memset(&a, 0, sizeof a);
	util_strlcpy(a.watch, watch, sizeof a.watch);
	util_strlcpy(a.entity, entity, sizeof a.entity);
	util_strlcpy(a.signal, signal, sizeof a.signal);
	a.state = state;
	a.since = since;
	a.last_period = since;
	a.last_value = value;
	a.last_baseline = baseline;
	a.consecutive_anomalous = state == STORE_ALERT_OK ? 0 : 3;
	check(store_alert_put(s, &a), "alert");
}

int
main(int argc, char **argv)
{
	struct store_datapoint	dp;
	char			err[512], id[STORE_ID_LEN + 1];
	int64_t			now = (int64_t)time(NULL), hour, h;
	int			i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkstate PATH\n");
		return 64;
	}
	if ((s = store_open(argv[1], STORE_CREATE, err, sizeof err)) == NULL) {
		fprintf(stderr, "mkstate: %s\n", err);
		return 1;
	}
	hour = now / 3600 * 3600;
	check(store_begin(s), "begin");
	/* api/orders-create: 1% errors for a day, 25% in the last two hours. */
	for (i = 0; i < 24; i++) {
		h = hour - i * 3600;
		memset(&dp, 0, sizeof dp);
		dp.period_start = h;
		dp.period_seconds = 60;
		dp.requests = 100;
		dp.errors = i < 2 ? 25 : 1;
		dp.value = NAN;
		check(store_datapoint_put(s, "api", "orders-create", "errors",
		    &dp), "datapoint");
		dp.errors = 0;
		check(store_datapoint_put(s, "api", "billing", "errors", &dp),
		    "datapoint");
	}
	alert("api", "orders-create", "errors", STORE_ALERT_FIRING, now - 900,
	    0.25, 0.01);
	alert("api", "billing", "errors", STORE_ALERT_OK, now - 86400, 0.0,
	    0.0005);
	alert("api", "evil\x1b[2J", "errors", STORE_ALERT_OK, now - 86400, NAN,
	    NAN);
	/* cpu: a metric watch, pending, with values rising over the day. */
	for (i = 0; i < 24; i++) {
		memset(&dp, 0, sizeof dp);
		dp.period_start = hour - i * 3600;
		dp.period_seconds = 300;
		dp.requests = -1;
		dp.errors = -1;
		dp.value = 10.0 + (23 - i) * 3.5;
		check(store_datapoint_put(s, "cpu", "i-0123456789abcdef0",
		    "value", &dp), "datapoint");
	}
	alert("cpu", "i-0123456789abcdef0", "value", STORE_ALERT_PENDING,
	    now - 120, 90.5, 42.25);

	check(store_outbox_enqueue(s, "sns-oncall", "{\"version\":1}",
	    now - 300, now + 86400, NULL), "outbox");
	check(store_outbox_enqueue(s, "sns-oncall", "{\"version\":1}",
	    now - 60, now + 86400, NULL), "outbox");
	check(store_outbox_enqueue(s, "sns-oncall", "{\"version\":1}",
	    now - 600, now + 86400, id), "outbox");
	check(store_outbox_delivered(s, id), "delivered");
	check(store_outbox_enqueue(s, "sns-oncall", "{\"version\":1}",
	    now - 900, now + 86400, id), "outbox");
	check(store_outbox_fail(s, id, "HTTP 404"), "failed");

	check(store_cycle_put(s, "api", now - 60, 1, ""), "cycle");
	check(store_cycle_put(s, "lambda", now - 120, 0,
	    "AccessDeniedException: not authorized to perform "
	    "logs:StartQuery"), "cycle");
	check(store_commit(s), "commit");
	store_close(s);
	return 0;
}
