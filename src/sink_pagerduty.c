/*
 * PagerDuty sink: the Events API v2 (POST /v2/enqueue), one event per
 * alert (each alert has its own outbox row, see sink_per_alert): a firing
 * or a secret finding is a "trigger", a resolved a "resolve", and the
 * dedup_key is the alert id, so PagerDuty folds repeats into one incident
 * and the resolve closes it. The documented limits are kept: summary at
 * most 1024 characters, dedup_key 255, the event 512 KB. Answers: 202
 * delivered; 400 (invalid event) permanent; 429 and 5xx retried, as
 * sink_classify_http() does.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "sink.h"
#include "util.h"
#include "xmalloc.h"

#define PD_DEFAULT_BASE	"https://events.pagerduty.com"

/* "https://base" + "/v2/enqueue", without a doubled slash. */
static char *
pd_url(const struct config_sink *s)
{
	const char	*base = s->endpoint != NULL ? s->endpoint :
			    PD_DEFAULT_BASE;
	size_t		 len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s/v2/enqueue", (int)len, base);
}

/* The PagerDuty severity of an alert. */
static const char *
pd_severity(const struct alert *a)
{
	if (a->test)
		return "info";
	return a->kind == ALERT_SECRET ? "critical" : "error";
}

static void
pd_links(cJSON *ev, const struct alert *a)
{
	cJSON	*links, *l;

	if (a->runbook[0] == '\0' && a->console_url[0] == '\0')
		return;
	links = cJSON_AddArrayToObject(ev, "links");
	if (a->runbook[0] != '\0') {
		l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "href", a->runbook);
		cJSON_AddStringToObject(l, "text", "Runbook");
		cJSON_AddItemToArray(links, l);
	}
	if (a->console_url[0] != '\0') {
		l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "href", a->console_url);
		cJSON_AddStringToObject(l, "text", "AWS console");
		cJSON_AddItemToArray(links, l);
	}
}

static void
pd_wipe_key(cJSON *ev)
{
	cJSON	*rk = cJSON_GetObjectItemCaseSensitive(ev, "routing_key");

	if (cJSON_IsString(rk) && rk->valuestring != NULL)
		util_wipe(rk->valuestring, strlen(rk->valuestring));
}

static int
pd_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n;
	long long	 omitted;
	cJSON		*ev = NULL, *pl;
	char		 id[33], sum[SINK_PD_SUMMARY_MAX * 4 + 1], t[32];
	char		*body = NULL;
	const char	*src;
	int		 rc = -1;

	if (s->key.value == NULL || s->key.value[0] == '\0') {
		snprintf(err, errlen, "routing_key not resolved");
		goto done;
	}
	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n != 1) {
		snprintf(err, errlen, "malformed stored notification (one "
		    "alert per PagerDuty event)");
		goto done;
	}
	alert_id(&v[0], id, sizeof id);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "routing_key", s->key.value);
	cJSON_AddStringToObject(ev, "dedup_key", id);
	if (v[0].status == ALERT_RESOLVED) {
		cJSON_AddStringToObject(ev, "event_action", "resolve");
	} else {
		cJSON_AddStringToObject(ev, "event_action", "trigger");
		alert_summary(&v[0], sum, sizeof sum);
		sum[sink_utf8_chars(sum, SINK_PD_SUMMARY_MAX)] = '\0';
		pl = cJSON_AddObjectToObject(ev, "payload");
		cJSON_AddStringToObject(pl, "summary", sum);
		src = v[0].kind == ALERT_SPIKE ? v[0].entity :
		    v[0].log_group[0] != '\0' ? v[0].log_group : v[0].path;
		cJSON_AddStringToObject(pl, "source", src[0] != '\0' ? src :
		    "cwguard");
		cJSON_AddStringToObject(pl, "severity", pd_severity(&v[0]));
		cJSON_AddStringToObject(pl, "timestamp",
		    util_format_rfc3339(v[0].at, t, sizeof t));
		cJSON_AddStringToObject(pl, "component", src);
		cJSON_AddStringToObject(pl, "group", v[0].kind == ALERT_SPIKE ?
		    v[0].watch : v[0].source);
		cJSON_AddStringToObject(pl, "class", v[0].kind == ALERT_SPIKE ?
		    v[0].signal : v[0].rule);
		cJSON_AddItemToObject(pl, "custom_details",
		    alert_to_cjson(&v[0]));
		cJSON_AddStringToObject(ev, "client", "cwguard");
		pd_links(ev, &v[0]);
	}
	body = cJSON_PrintUnformatted(ev);
	/* The routing key is a secret: wiped before the tree is freed. */
	pd_wipe_key(ev);
	if (body == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	(void)alert_redact_text(body, strlen(body));
	if (strlen(body) > SINK_PD_BODY_MAX) {
		snprintf(err, errlen, "PagerDuty event larger than %d bytes",
		    SINK_PD_BODY_MAX);
		goto done;
	}
	if (buf_puts(&o->body, body) == -1) {
		snprintf(err, errlen, "PagerDuty event too large");
		goto done;
	}
	o->url_owned = pd_url(s);
	o->url = o->url_owned;
	sink_out_header(o, "Content-Type", "application/json");
	snprintf(o->what, sizeof o->what, "%s", v[0].status ==
	    ALERT_RESOLVED ? "resolve" : "trigger");
	rc = 0;
done:
	util_free_secret(body);
	free(v);
	cJSON_Delete(ev);
	return rc;
}

const struct sink_ops sink_pagerduty_ops = {
	CONFIG_SINK_PAGERDUTY, pd_render, sink_classify_http
};
