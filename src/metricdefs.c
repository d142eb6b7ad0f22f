/*
 * The signal and discovery tables of the watch kinds (metricdefs.h).
 */
#include "autoconf.h"

#include <string.h>

#include "config.h"
#include "metricdefs.h"

/*
 * Lambda: Invocations for errors/throttles, UrlRequestCount for URLs.
 * Invocations leaves throttled requests out, so throttles are judged
 * against Invocations + Throttles. RequestCount leaves out the requests
 * the load balancer could not route to a target (its own 503s), so
 * elb5xx is judged against at least its own count. Checked against the
 * AWS metric pages: doc/design-notes.md, "Signals".
 */
static const struct metricdefs_signal metricdefs_table[] = {
	{ CONFIG_WATCH_LAMBDA, -1, "errors", "Errors", "Invocations", 1,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_LAMBDA, -1, "throttles", "Throttles", "Invocations", 1,
	  METRICDEFS_DEN_PLUS_NUM },
	{ CONFIG_WATCH_LAMBDA, -1, "4xx", "Url4xxCount", "UrlRequestCount", 2,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_LAMBDA, -1, "5xx", "Url5xxCount", "UrlRequestCount", 2,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_APIGW, 0, "5xx", "5XXError", "Count", 1,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_APIGW, 0, "4xx", "4XXError", "Count", 1,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_APIGW, 1, "5xx", "5xx", "Count", 1, METRICDEFS_DEN },
	{ CONFIG_WATCH_APIGW, 1, "4xx", "4xx", "Count", 1, METRICDEFS_DEN },
	{ CONFIG_WATCH_ALB, -1, "4xx", "HTTPCode_Target_4XX_Count",
	  "RequestCount", 1, METRICDEFS_DEN },
	{ CONFIG_WATCH_ALB, -1, "5xx", "HTTPCode_Target_5XX_Count",
	  "RequestCount", 1, METRICDEFS_DEN },
	{ CONFIG_WATCH_ALB, -1, "elb5xx", "HTTPCode_ELB_5XX_Count",
	  "RequestCount", 1, METRICDEFS_DEN_AT_LEAST_NUM },
	/* drop: requests against their own seasonal baseline (num = den) */
	{ CONFIG_WATCH_LAMBDA, -1, "drop", "Invocations", "Invocations", 1,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_APIGW, -1, "drop", "Count", "Count", 1,
	  METRICDEFS_DEN },
	{ CONFIG_WATCH_ALB, -1, "drop", "RequestCount", "RequestCount", 1,
	  METRICDEFS_DEN },
};
#define METRICDEFS_N	(sizeof metricdefs_table / sizeof metricdefs_table[0])

static const struct metricdefs_listing metricdefs_lambda_inv = {
	"AWS/Lambda", "Invocations", { "FunctionName", NULL }, 1, 0, 1 };
static const struct metricdefs_listing metricdefs_lambda_url = {
	"AWS/Lambda", "UrlRequestCount", { "FunctionName", NULL }, 1, 0, 2 };
static const struct metricdefs_listing metricdefs_apigw_rest = {
	"AWS/ApiGateway", "Count", { "ApiName", "Stage" }, 2, 0, 1 };
static const struct metricdefs_listing metricdefs_apigw_http = {
	"AWS/ApiGateway", "Count", { "ApiId", "Stage" }, 2, 1, 1 };
static const struct metricdefs_listing metricdefs_alb_req = {
	"AWS/ApplicationELB", "RequestCount", { "LoadBalancer", NULL }, 1, 0,
	1 };

static int
metricdefs_match(const struct metricdefs_signal *d,
    enum config_watch_kind kind, int variant)
{
	return d->kind == kind && (d->variant == -1 || d->variant == variant);
}

const struct metricdefs_signal *
metricdefs_find(enum config_watch_kind kind, int variant, const char *signal)
{
	size_t	i;

	for (i = 0; i < METRICDEFS_N; i++)
		if (metricdefs_match(&metricdefs_table[i], kind, variant) &&
		    strcmp(metricdefs_table[i].signal, signal) == 0)
			return &metricdefs_table[i];
	return NULL;
}

int
metricdefs_listings(enum config_watch_kind kind, char *const *signals,
    const struct metricdefs_listing **ls)
{
	char *const	*sig;
	int		 n = 0, url = 0, inv = 0;

	switch (kind) {
	case CONFIG_WATCH_LAMBDA:
		for (sig = signals; sig != NULL && *sig != NULL; sig++) {
			if (strcmp(*sig, "4xx") == 0 || strcmp(*sig, "5xx") == 0)
				url = 1;
			else
				inv = 1;
		}
		if (inv)
			ls[n++] = &metricdefs_lambda_inv;
		if (url)
			ls[n++] = &metricdefs_lambda_url;
		break;
	case CONFIG_WATCH_APIGW:
		ls[n++] = &metricdefs_apigw_rest;
		ls[n++] = &metricdefs_apigw_http;
		break;
	case CONFIG_WATCH_ALB:
		ls[n++] = &metricdefs_alb_req;
		break;
	default:
		break;
	}
	return n;
}
