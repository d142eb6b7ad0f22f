/*
 * Labels, runbooks and console links of alerts (alert_links.c): the
 * labels joined from a watch's list, the console host of each partition,
 * the Logs console's "$25" encoding, and sink match with globs.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "config.h"
#include "tap.h"
#include "util.h"

int
main(void)
{
	char			*labels[] = { "team=payments", "tier=1", NULL };
	char			*m1[] = { "team=pay*", NULL };
	char			*m2[] = { "team=payments", "tier=2", NULL };
	char			*m3[] = { "tier=1", "team=*", NULL };
	char			*m4[] = { "env=prod", NULL };
	struct config_watch	 w;
	struct config_logs	 lg;
	struct alert		 a;

	memset(&w, 0, sizeof w);
	w.kind = CONFIG_WATCH_APIGW;
	w.labels = labels;
	w.runbook = "https://wiki.example.com/rb";
	alert_init(&a, ALERT_SPIKE);
	util_strlcpy(a.watch, "api", sizeof a.watch);
	util_strlcpy(a.entity, "orders api/prod", sizeof a.entity);
	alert_links_watch(&a, &w, "us-east-1");
	is_str(a.labels, "team=payments,tier=1", "labels joined");
	is_str(a.runbook, "https://wiki.example.com/rb", "runbook copied");
	is_str(a.console_url, "https://us-east-1.console.aws.amazon.com/"
	    "cloudwatch/home?region=us-east-1#metricsV2:graph=~();"
	    "search=orders%20api%2Fprod;namespace=AWS%2FApiGateway",
	    "metrics console link, entity and namespace encoded");
	alert_links_watch(&a, &w, "cn-north-1");
	ok(strncmp(a.console_url, "https://cn-north-1.console.amazonaws.cn/",
	    40) == 0, "China partition console host");
	alert_links_watch(&a, &w, "us-gov-west-1");
	ok(strncmp(a.console_url, "https://console.amazonaws-us-gov.com/",
	    37) == 0, "GovCloud console host");
	alert_links_watch(&a, &w, "");
	is_str(a.console_url, "", "no region: no console link");

	ok(alert_labels_match(&a, NULL), "no match: every alert");
	ok(alert_labels_match(&a, m1), "glob value matches");
	ok(!alert_labels_match(&a, m2), "every pair must match");
	ok(alert_labels_match(&a, m3), "order does not matter");
	ok(!alert_labels_match(&a, m4), "a missing key does not match");

	memset(&lg, 0, sizeof lg);
	alert_init(&a, ALERT_SECRET);
	util_strlcpy(a.log_group, "/aws/lambda/pay", sizeof a.log_group);
	util_strlcpy(a.log_stream, "2026/01/01/[$LATEST]ab", sizeof
	    a.log_stream);
	alert_links_logs(&a, &lg, "eu-west-1");
	is_str(a.console_url, "https://eu-west-1.console.aws.amazon.com/"
	    "cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/"
	    "$252Faws$252Flambda$252Fpay/log-events/"
	    "2026$252F01$252F01$252F$255B$2524LATEST$255Dab",
	    "logs console link, $25-encoded group and stream");
	is_str(a.labels, "", "no labels");
	return tap_done();
}
