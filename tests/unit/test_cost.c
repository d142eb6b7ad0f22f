/*
 * The arithmetic of `config cost`: cycles, idle polls, metrics per
 * entity, the back-off replay, prices; and cost_estimate() over a state
 * database written through store.h (offline: alert rows, the entity
 * pace, rollups, the recorded Logs Insights bytes, the outbox).
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cost.h"
#include "store.h"
#include "tap.h"

#define T0	1767225600	/* 2026-01-01T00:00:00Z */

static void
test_cycles(void)
{
	is_int(cost_cycles(86400, 60), 1440, "a day of 60 s cycles");
	is_int(cost_cycles(86400, 900), 96, "a day of 15 min cycles");
	is_int(cost_cycles(1000, 300), 3, "whole cycles only");
	is_int(cost_cycles(86400, 0), 0, "interval 0: none");
	is_int(cost_idle_polls(86400, 900, 3600), 24,
	    "idle every 4th 15-min cycle: 24 a day");
	is_int(cost_idle_polls(86400, 60, 900), 96,
	    "idle_interval 15m at 60 s: 96 a day");
	/* 7 min cycles, 15 min idle: every 3rd cycle (21 min) */
	ok(fabs(cost_idle_polls(86400, 420, 900) - 205.0 / 3) < 1e-9,
	    "idle_interval rounds up to whole cycles");
	is_int(cost_idle_polls(86400, 3600, 900), 24,
	    "interval above idle_interval: every cycle");
	is_int(cost_discoveries(86400, 60), 144, "discovery every 10 min");
	is_int(cost_discoveries(86400, 900), 96,
	    "discovery every cycle when cycles exceed 10 min");
}

static void
test_metrics(void)
{
	char	*errors[] = { "errors", NULL };
	char	*et[] = { "errors", "throttles", NULL };
	char	*all[] = { "errors", "throttles", "4xx", "5xx", NULL };
	char	*url[] = { "errors", "5xx", "4xx", NULL };
	char	*apigw[] = { "5xx", "4xx", NULL };
	char	*alb[] = { "5xx", "elb5xx", NULL };
	char	*bogus[] = { "nope", NULL };

	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 1, errors), 2,
	    "lambda errors: Errors + Invocations");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 1, et), 3,
	    "errors + throttles share Invocations");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 3, all), 6,
	    "every lambda signal with a URL: 6");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 1, url), 2,
	    "a function without a URL: no Url* metrics");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 2, url), 3,
	    "URL only: UrlRequestCount + 2");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_APIGW, 1, 1, apigw), 3,
	    "HTTP API: 5xx, 4xx, Count");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_ALB, 0, 1, alb), 3,
	    "alb: target 5xx, ELB 5xx, RequestCount");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_METRIC, 0, 0, NULL), 1,
	    "metric watch: one metric");
	is_int(cost_metrics_per_entity(CONFIG_WATCH_LAMBDA, 0, 3, bogus), 0,
	    "unknown signal: nothing");
	is_int(cost_signal_dens(CONFIG_WATCH_LAMBDA, url), 3,
	    "errors + 5xx need both denominators");
	is_int(cost_listings(CONFIG_WATCH_LAMBDA, url), 2,
	    "lambda with URL signals: two listings");
	is_int(cost_listings(CONFIG_WATCH_LAMBDA, errors), 1,
	    "lambda errors: one listing");
	is_int(cost_listings(CONFIG_WATCH_APIGW, apigw), 2,
	    "apigw: REST and HTTP listings");
	is_int(cost_listings(CONFIG_WATCH_METRIC, NULL), 0,
	    "metric watch: no discovery");
}

static void
test_replay(void)
{
	struct cost_traffic	 busy[1], *pts;
	long			 polls, idle;
	int			 i;

	/* traffic in every minute of the day before and the day: active */
	busy[0].from = T0 - 86400;
	busy[0].to = T0 + 86400;
	polls = cost_replay_polls(busy, 1, T0 + 86400, 86400, 900, 3600, 180,
	    60, &idle);
	is_int(polls, 96, "busy all day: polled every cycle");
	is_int(idle, 1, "busy all day: idle only before the first fetch");
	polls = cost_replay_polls(NULL, 0, T0 + 86400, 86400, 900, 3600, 180,
	    60, &idle);
	is_int(polls, 24, "no traffic: every 4th cycle");
	is_int(idle, 96, "no traffic: idle at every cycle");
	/* busy for the first 6 hours only (datapoints, one a minute) */
	pts = calloc(360, sizeof *pts);
	for (i = 0; i < 360; i++)
		pts[i].from = pts[i].to = T0 + 60 * i;
	polls = cost_replay_polls(pts, 360, T0 + 86400, 86400, 900, 3600, 180,
	    60, &idle);
	/*
	 * nothing fetched before the window: idle, polled at cycles 0 and
	 * 4; active from 4 (last traffic T0+21540, fetched at cycle 25)
	 * through 27; idle from 28, polled every 4th from 31: 17 more
	 */
	is_int(polls, 25 + 17, "six busy hours: 25 polls active, 17 idle");
	is_int(idle, 5 + 68, "six busy hours: idle at cycles 0-4 and 28-95");
	free(pts);
	/* the span: fewer cycles than a day */
	is_int(cost_replay_polls(busy, 1, T0 + 86400, 3600, 900, 3600, 180,
	    60, NULL), 4, "an hour of history: 4 cycles");
	is_int(cost_replay_polls(busy, 1, T0, 0, 900, 3600, 180, 60, NULL), 0,
	    "no span: no polls");
}

static void
test_prices(void)
{
	ok(fabs(cost_gmd_usd(1000) - 0.01) < 1e-12, "1000 metrics: $0.01");
	ok(fabs(cost_gmd_usd(1e6) - 10) < 1e-9, "1M metrics: $10");
	ok(fabs(cost_insights_usd(1e9) - 0.005) < 1e-12, "1 GB: $0.005");
	ok(cost_sns_usd(1e6) == 0, "1M publishes: free");
	ok(fabs(cost_sns_usd(3e6) - 1.0) < 1e-9, "3M publishes: $1");
	ok(cost_api_usd(1e6) == 0, "1M API requests: free");
	ok(fabs(cost_api_usd(1.5e6) - 5.0) < 1e-9,
	    "1.5M API requests: $5");
	ok(cost_insights_usd(-1) == 0, "unknown bytes: nothing");
	is_int(COST_MONTH, 730 * 3600, "a month is 730 hours");
}

/* cost_estimate offline over a database written through store.h. */
static void
test_estimate(void)
{
	char			 dir[] = "/tmp/cwg-test-cost.XXXXXX";
	char			 path[200], conf[200], err[256], *cause = NULL;
	char			 val[128];
	struct store		*st;
	struct store_alert	 a;
	struct store_rollup	 ru;
	struct config		*cfg;
	struct cost_report	 r;
	FILE			*f;
	int64_t			 now = T0 + 86400, h;
	int			 i;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/state.db", dir);
	snprintf(conf, sizeof conf, "%s/c.conf", dir);
	f = fopen(conf, "w");
	fprintf(f, "[cwguard]\nstate = %s\ninterval = 15m\n"
	    "[watch fns]\nkind = lambda\nfunctions = *\n"
	    "signals = errors, throttles\nidle_interval = 1h\nsinks = sns\n"
	    "[logs lg]\nlog_groups = /aws/lambda/*\ninterval = 5m\n"
	    "sinks = sns\n"
	    "[sink sns]\ntype = sns\n"
	    "topic_arn = arn:aws:sns:us-east-1:123456789012:t\n", path);
	fclose(f);
	cfg = config_load(conf, &cause);
	ok(cfg != NULL, "config loads%s%s", cause ? ": " : "",
	    cause ? cause : "");
	free(cause);
	if (cfg == NULL)
		return;
	st = store_open(path, STORE_CREATE, err, sizeof err);
	ok(st != NULL, "store opens");
	if (st == NULL)
		return;
	store_begin(st);
	/* busy: alert rows for both signals, a rollup every hour */
	for (i = 0; i < 2; i++) {
		store_alert_get(st, "fns", "busy", i ? "throttles" : "errors",
		    &a);
		store_alert_put(st, &a);
	}
	for (h = T0 - 7200; h < now; h += 3600) {
		memset(&ru, 0, sizeof ru);
		ru.hour = h;
		ru.requests = 100;
		store_rollup_add(st, "fns", "busy", "errors", &ru);
	}
	store_meta_put(st, "watch:fns:0:busy",
	    "boot=1767139200 polled=1767311100 traffic=1767310800");
	/* quiet: an alert row, no traffic */
	store_alert_get(st, "fns", "quiet", "errors", &a);
	store_alert_put(st, &a);
	store_meta_put(st, "watch:fns:0:quiet",
	    "boot=1767139200 polled=1767308400 traffic=0");
	/* the last cycle saw 3 entities: one has no alert row yet */
	store_cycle_put(st, "fns", now - 900, 1,
	    "3 entities, 5 metrics, 15 periods judged");
	/* logs: 2e9 bytes over the last 2 days */
	snprintf(val, sizeof val, "%.0f", 2e9);
	store_meta_put(st, "logs:lg:bytes_scanned", val);
	snprintf(val, sizeof val, "%lld", (long long)(now - 2 * 86400));
	store_meta_put(st, "logs:lg:bytes_since", val);
	/* sns: 14 outbox rows */
	for (i = 0; i < 14; i++)
		store_outbox_enqueue(st, "sns", "{}", now - 3600, now + 86400,
		    NULL);
	ok(store_commit(st) == 0, "database written");

	ok(cost_estimate(cfg, st, NULL, NULL, (time_t)now, &r, err,
	    sizeof err) == 0, "estimate offline");
	is_int(r.nwatches, 1, "one watch");
	is_int(r.watches[0].entities, 3, "3 entities (2 named, 1 by count)");
	is_int(r.watches[0].unnamed, 1, "1 known only by count");
	is_int(r.watches[0].active, 1, "busy is active");
	is_int(r.watches[0].idle, 2, "quiet and the unnamed one are idle");
	is_int(r.watches[0].span, 86400, "a day of history replayed");
	/* busy 3 metrics x 96 + quiet 2 x 24 + unnamed 3 x 24 */
	ok(fabs(r.watches[0].metrics_per_day - (3 * 96 + 2 * 24 + 3 * 24)) <
	    1e-9, "metrics a day: 288 + 48 + 72 (%.1f)",
	    r.watches[0].metrics_per_day);
	ok(fabs(r.watches[0].metrics_per_month - 408.0 * 730 / 24) < 1e-6,
	    "metrics a month: a day x 730 / 24");
	ok(r.watches[0].bootstrap == 0, "nothing new: no bootstrap");
	ok(fabs(r.logs[0].bytes_month - 1e9 * 730 * 3600 / 86400) < 1,
	    "logs: recorded bytes over their span, a month (%.0f)",
	    r.logs[0].bytes_month);
	is_str(r.logs[0].estimate, "recorded bytesScanned",
	    "logs: says the estimate is recorded");
	/* 14 rows over min(history 2 days... the oldest boot is 2 days) */
	ok(fabs(r.sns_publishes - 14.0 * 730 * 3600 / (2 * 86400)) < 1e-6,
	    "sns: outbox rows over the history, a month (%.1f)",
	    r.sns_publishes);
	ok(fabs(r.total_usd - (r.gmd_usd + r.insights_usd + r.sns_usd +
	    r.api_usd)) < 1e-12, "total is the sum of the parts");
	f = tmpfile();
	ok(cost_report_print(&r, 0, f) == 0 && cost_report_print(&r, 1,
	    f) == 0, "text and JSON print");
	fclose(f);
	cost_report_cleanup(&r);

	/* no database: nothing known offline, metric-free estimates */
	ok(cost_estimate(cfg, NULL, NULL, NULL, (time_t)now, &r, err,
	    sizeof err) == 0, "estimate without a database");
	is_int(r.watches[0].entities, 0, "no entities offline");
	ok(r.logs[0].bytes_month < 0, "logs unknown");
	ok(r.sns_publishes == 2920.0 + 8760.0,
	    "sns: upper bound, one message per source cycle");
	cost_report_cleanup(&r);

	store_close(st);
	config_free(cfg);
	unlink(path);
	snprintf(err, sizeof err, "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof err, "%s-shm", path);
	unlink(err);
	unlink(conf);
	rmdir(dir);
}

int
main(void)
{
	test_cycles();
	test_metrics();
	test_replay();
	test_prices();
	test_estimate();
	return tap_done();
}
