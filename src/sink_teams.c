/*
 * Microsoft Teams sink: a POST to a Workflows ("When a Teams webhook
 * request is received") URL of a message whose one attachment is an
 * Adaptive Card (version 1.4): a title, then per alert a line and a
 * FactSet, "and N more", and buttons to the runbook and the AWS console
 * of the first alert. The card's fallbackText and the message's text and
 * summary carry the plain-text version. A Teams message is at most 28 KB:
 * alerts are added while the card stays under that. Answers: 2xx
 * delivered; 400 and 413 permanent; 429 and 5xx retried.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "sink.h"
#include "util.h"
#include "xmalloc.h"

/* Room left for the envelope, the title, the actions and "and N more". */
#define TEAMS_SLACK_BYTES	4096

static cJSON *
teams_text(const char *text, int bold, const char *color)
{
	cJSON	*t = cJSON_CreateObject();
	char	*c = xstrndup(text, alert_utf8_cut(text, strlen(text), 2000));

	cJSON_AddStringToObject(t, "type", "TextBlock");
	cJSON_AddStringToObject(t, "text", c);
	cJSON_AddBoolToObject(t, "wrap", 1);
	if (bold) {
		cJSON_AddStringToObject(t, "weight", "Bolder");
		cJSON_AddStringToObject(t, "size", "Medium");
	}
	if (color != NULL)
		cJSON_AddStringToObject(t, "color", color);
	free(c);
	return t;
}

static void
teams_fact(cJSON *facts, const char *title, const char *value)
{
	cJSON	*f;
	char	*c;

	if (value == NULL || *value == '\0')
		return;
	c = xstrndup(value, alert_utf8_cut(value, strlen(value), 1000));
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "title", title);
	cJSON_AddStringToObject(f, "value", c);
	cJSON_AddItemToArray(facts, f);
	free(c);
}

/* One alert: a line and its facts, in a Container. */
static cJSON *
teams_alert(const struct alert *a)
{
	cJSON	*c, *items, *fs, *facts;
	char	 sum[1200], v[64], t[32];

	alert_summary(a, sum, sizeof sum);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "Container");
	items = cJSON_AddArrayToObject(c, "items");
	cJSON_AddItemToArray(items, teams_text(sum, 0, a->status ==
	    ALERT_RESOLVED ? "Good" : "Attention"));
	fs = cJSON_CreateObject();
	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	if (a->kind == ALERT_SPIKE) {
		teams_fact(facts, "Watch", a->watch);
		teams_fact(facts, "Entity", a->entity);
		teams_fact(facts, "Signal", a->signal);
		if (isfinite(a->value)) {
			snprintf(v, sizeof v, "%.6g", a->value);
			teams_fact(facts, "Value", v);
		}
		if (isfinite(a->baseline)) {
			snprintf(v, sizeof v, "%.6g", a->baseline);
			teams_fact(facts, "Baseline", v);
		}
	} else {
		teams_fact(facts, "Rule", a->rule);
		teams_fact(facts, "Log group", a->log_group);
		teams_fact(facts, "Path", a->path);
		teams_fact(facts, "Redacted", a->redacted);
	}
	teams_fact(facts, "Labels", a->labels);
	teams_fact(facts, "Runbook", a->runbook);
	teams_fact(facts, "At", util_format_rfc3339(a->at, t, sizeof t));
	cJSON_AddItemToArray(items, fs);
	return c;
}

static void
teams_action(cJSON *actions, const char *title, const char *url)
{
	cJSON	*a;

	if (*url == '\0')
		return;
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "Action.OpenUrl");
	cJSON_AddStringToObject(a, "title", title);
	cJSON_AddStringToObject(a, "url", url);
	cJSON_AddItemToArray(actions, a);
}

static int
teams_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n, i, used = 0;
	long long	 omitted, more;
	cJSON		*msg = NULL, *atts, *att, *card, *body, *el, *actions;
	struct buf	 text;
	char		 head[256], line[1200], *one, *out = NULL, *fb;
	int		 rc = -1;

	buf_init(&text, 8 * 1024);
	if (s->url.value == NULL) {
		snprintf(err, errlen, "url not resolved");
		goto done;
	}
	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n == 0) {
		snprintf(err, errlen, "malformed stored notification");
		goto done;
	}
	alert_subject(&v[0], n, omitted, head, 200);
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "type", "message");
	cJSON_AddStringToObject(msg, "summary", head);
	atts = cJSON_AddArrayToObject(msg, "attachments");
	att = cJSON_CreateObject();
	cJSON_AddStringToObject(att, "contentType",
	    "application/vnd.microsoft.card.adaptive");
	cJSON_AddNullToObject(att, "contentUrl");
	card = cJSON_AddObjectToObject(att, "content");
	cJSON_AddItemToArray(atts, att);
	cJSON_AddStringToObject(card, "$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json");
	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "version", "1.4");
	body = cJSON_AddArrayToObject(card, "body");
	cJSON_AddItemToArray(body, teams_text(head, 1, NULL));
	for (i = 0; i < n; i++) {
		el = teams_alert(&v[i]);
		if ((one = cJSON_PrintUnformatted(el)) == NULL)
			fatal("teams: out of memory");
		alert_summary(&v[i], line, sizeof line);
		/* the card and the text both grow with each alert */
		if (used + 2 * strlen(one) + strlen(line) + TEAMS_SLACK_BYTES >
		    SINK_TEAMS_BODY_MAX) {
			free(one);
			cJSON_Delete(el);
			break;
		}
		used += strlen(one) + 2 * strlen(line) + 2;
		free(one);
		cJSON_AddItemToArray(body, el);
		buf_printf(&text, "%s\n", line);
	}
	more = omitted + (long long)(n - i);
	if (more > 0) {
		snprintf(line, sizeof line, "and %lld more", more);
		cJSON_AddItemToArray(body, teams_text(line, 0, NULL));
		buf_printf(&text, "%s\n", line);
	}
	if (v[0].runbook[0] != '\0' || v[0].console_url[0] != '\0') {
		actions = cJSON_AddArrayToObject(card, "actions");
		teams_action(actions, "Runbook", v[0].runbook);
		teams_action(actions, "AWS console", v[0].console_url);
	}
	fb = xstrndup(buf_cstr(&text), text.len);
	cJSON_AddStringToObject(card, "fallbackText", fb);
	cJSON_AddStringToObject(msg, "text", fb);
	free(fb);
	if ((out = cJSON_PrintUnformatted(msg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	(void)alert_redact_text(out, strlen(out));
	if (strlen(out) > SINK_TEAMS_BODY_MAX) {
		snprintf(err, errlen, "Teams message larger than %d bytes",
		    SINK_TEAMS_BODY_MAX);
		goto done;
	}
	if (buf_puts(&o->body, out) == -1) {
		snprintf(err, errlen, "Teams message too large");
		goto done;
	}
	o->url = s->url.value;
	sink_out_header(o, "Content-Type", "application/json");
	snprintf(o->what, sizeof o->what, "%zu alert%s", i, i == 1 ? "" :
	    "s");
	rc = 0;
done:
	free(out);
	free(v);
	cJSON_Delete(msg);
	buf_cleanup(&text);
	return rc;
}

const struct sink_ops sink_teams_ops = {
	CONFIG_SINK_TEAMS, teams_render, sink_classify_http
};
