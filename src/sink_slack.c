/*
 * Slack sink: an incoming-webhook POST with Block Kit (a header, one
 * section per alert with fields, "and N more", a context line) and a
 * plain `text` fallback. Slack's limits are kept: at most 50 blocks,
 * 3000 characters per text, 150 per header, 10 fields per section.
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

/* Escapes &, < and > for mrkdwn and cuts to max bytes. Heap string. */
static char *
slack_escape(const char *s, size_t max)
{
	struct buf	 b;
	char		*out;

	buf_init(&b, 64 * 1024);
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_puts(&b, "&amp;");
		else if (*s == '<')
			buf_puts(&b, "&lt;");
		else if (*s == '>')
			buf_puts(&b, "&gt;");
		else
			buf_putc(&b, *s);
	}
	buf_truncate(&b, alert_utf8_cut(buf_cstr(&b), b.len, max));
	out = xstrndup(buf_cstr(&b), b.len);
	buf_cleanup(&b);
	return out;
}

static void
slack_text(cJSON *parent, const char *key, const char *type,
    const char *text, size_t max)
{
	cJSON	*t;
	char	*e;

	t = cJSON_AddObjectToObject(parent, key);
	cJSON_AddStringToObject(t, "type", type);
	if (strcmp(type, "mrkdwn") == 0)
		e = slack_escape(text, max);
	else
		e = xstrndup(text, alert_utf8_cut(text, strlen(text), max));
	cJSON_AddStringToObject(t, "text", e);
	free(e);
}

static void
slack_field(cJSON *fields, const char *name, const char *value)
{
	cJSON	*f;
	char	*e, *t;

	if (cJSON_GetArraySize(fields) >= SINK_SLACK_FIELDS_MAX)
		return;
	e = slack_escape(value, SINK_SLACK_FIELD_MAX - 64);
	t = xasprintf("*%s*\n%s", name, e);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "type", "mrkdwn");
	cJSON_AddStringToObject(f, "text", t);
	cJSON_AddItemToArray(fields, f);
	free(t);
	free(e);
}

static void
fmt_pct(double v, char *out, size_t outlen)
{
	if (!isfinite(v))
		snprintf(out, outlen, "n/a");
	else
		snprintf(out, outlen, "%.3g%%", v * 100);
}

static cJSON *
slack_section(const struct alert *a)
{
	cJSON	*sec, *fields;
	char	 w[32], title[1600], v[64], t[32], why[256];

	sec = cJSON_CreateObject();
	cJSON_AddStringToObject(sec, "type", "section");
	alert_status_word(a, w, sizeof w);
	if (a->kind == ALERT_SECRET)
		snprintf(title, sizeof title, "%s: %s in %s", w, a->rule,
		    a->log_group[0] ? a->log_group : a->path);
	else
		snprintf(title, sizeof title, "%s: %s / %s (%s)", w, a->watch,
		    a->entity, a->signal);
	slack_text(sec, "text", "mrkdwn", title, SINK_SLACK_TEXT_MAX);
	fields = cJSON_AddArrayToObject(sec, "fields");
	if (a->kind == ALERT_SECRET) {
		slack_field(fields, "Rule", a->rule);
		if (a->log_group[0] != '\0') {
			slack_field(fields, "Log group", a->log_group);
			slack_field(fields, "Log stream", a->log_stream);
		} else
			slack_field(fields, "Path", a->path);
		slack_field(fields, "Redacted", a->redacted);
		if (a->count >= 0) {
			snprintf(v, sizeof v, "%lld", a->count);
			slack_field(fields, "Lines", v);
		}
	} else if (a->errors >= 0 && a->requests >= 0) {
		fmt_pct(a->value, v, sizeof v);
		slack_field(fields, "Rate", v);
		fmt_pct(a->baseline, v, sizeof v);
		slack_field(fields, "Baseline", v);
		/* one field: with the why and the links, 10 is the cap */
		snprintf(v, sizeof v, "%lld / %lld", a->errors, a->requests);
		slack_field(fields, "Errors / requests", v);
		if (isfinite(a->p_value)) {
			snprintf(v, sizeof v, "%.3g", a->p_value);
			slack_field(fields, "p-value", v);
		}
		if (a->trigger[0] != '\0') {
			if (a->span_periods > 0 && a->span_start > 0)
				snprintf(v, sizeof v, "%s, %d periods from %s",
				    a->trigger, a->span_periods,
				    util_format_rfc3339(a->span_start, t,
				    sizeof t));
			else if (a->span_periods > 0)
				snprintf(v, sizeof v, "%s, %d periods",
				    a->trigger, a->span_periods);
			else
				snprintf(v, sizeof v, "%s", a->trigger);
			slack_field(fields, "Test", v);
		}
		if (isfinite(a->llr)) {
			snprintf(v, sizeof v, "%.3g", a->llr);
			slack_field(fields, "Log-likelihood ratio", v);
		}
	} else {
		snprintf(v, sizeof v, "%.6g", a->value);
		slack_field(fields, "Value", v);
		snprintf(v, sizeof v, "%.6g", a->baseline);
		slack_field(fields, "Median", v);
		if (isfinite(a->score)) {
			snprintf(v, sizeof v, "%.3g", a->score);
			slack_field(fields, "Score", v);
		}
		if (a->rule[0] != '\0') {
			slack_field(fields, "Rule", a->rule);
			alert_why(a, why, sizeof why);
			slack_field(fields, "Why", why);
		}
	}
	slack_field(fields, "At", util_format_rfc3339(a->at, t, sizeof t));
	if (a->labels[0] != '\0')
		slack_field(fields, "Labels", a->labels);
	if (a->runbook[0] != '\0')
		slack_field(fields, "Runbook", a->runbook);
	if (a->console_url[0] != '\0')
		slack_field(fields, "AWS console", a->console_url);
	return sec;
}

static int
slack_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n, i, shown, room;
	long long	 omitted, more;
	cJSON		*j = NULL, *blocks, *b, *els, *el;
	const cJSON	*acc, *reg;
	struct buf	 text;
	char		 line[1200], head[SINK_SLACK_HEADER_MAX * 4];
	char		 ctx[600], *body = NULL, *fallback;
	int		 rc = -1;

	buf_init(&text, 64 * 1024);
	if (s->url.value == NULL) {
		snprintf(err, errlen, "url not resolved");
		goto done;
	}
	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n == 0) {
		snprintf(err, errlen, "malformed stored notification");
		goto done;
	}
	j = cJSON_CreateObject();
	/* header + sections + "and N more" + context <= 50 blocks */
	room = SINK_SLACK_BLOCKS_MAX - 3;
	shown = n < room ? n : room;
	more = omitted + (long long)(n - shown);

	alert_subject(&v[0], n, omitted, head, SINK_SLACK_HEADER_MAX);
	for (i = 0; i < n; i++) {
		alert_summary(&v[i], line, sizeof line);
		if (text.len + strlen(line) + 64 > SINK_SLACK_TEXT_MAX) {
			buf_printf(&text, "and %lld more",
			    omitted + (long long)(n - i));
			break;
		}
		buf_printf(&text, "%s\n", line);
	}
	if (i == n && omitted > 0)
		buf_printf(&text, "and %lld more", omitted);
	fallback = slack_escape(buf_cstr(&text), SINK_SLACK_TEXT_MAX);
	cJSON_AddStringToObject(j, "text", fallback);
	free(fallback);

	blocks = cJSON_AddArrayToObject(j, "blocks");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "header");
	slack_text(b, "text", "plain_text", head, SINK_SLACK_HEADER_MAX);
	cJSON_AddItemToArray(blocks, b);
	for (i = 0; i < shown; i++)
		cJSON_AddItemToArray(blocks, slack_section(&v[i]));
	if (more > 0) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "type", "section");
		snprintf(line, sizeof line, "_and %lld more_", more);
		slack_text(b, "text", "mrkdwn", line, SINK_SLACK_TEXT_MAX);
		cJSON_AddItemToArray(blocks, b);
	}
	acc = cJSON_GetObjectItemCaseSensitive(m->stored, "account");
	reg = cJSON_GetObjectItemCaseSensitive(m->stored, "region");
	snprintf(ctx, sizeof ctx, "cwguard%s%s%s%s | notification %s",
	    cJSON_IsString(acc) && acc->valuestring[0] ? " | account " : "",
	    cJSON_IsString(acc) ? acc->valuestring : "",
	    cJSON_IsString(reg) && reg->valuestring[0] ? " | " : "",
	    cJSON_IsString(reg) ? reg->valuestring : "", m->id);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "type", "context");
	els = cJSON_AddArrayToObject(b, "elements");
	el = cJSON_CreateObject();
	cJSON_AddStringToObject(el, "type", "mrkdwn");
	fallback = slack_escape(ctx, SINK_SLACK_TEXT_MAX);
	cJSON_AddStringToObject(el, "text", fallback);
	free(fallback);
	cJSON_AddItemToArray(els, el);
	cJSON_AddItemToArray(blocks, b);

	if ((body = cJSON_PrintUnformatted(j)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	(void)alert_redact_text(body, strlen(body));
	buf_init(&o->body, SINK_BODY_MAX);
	if (buf_puts(&o->body, body) == -1) {
		snprintf(err, errlen, "Slack message too large");
		goto done;
	}
	o->url = s->url.value;
	sink_out_header(o, "Content-Type", "application/json; charset=utf-8");
	rc = 0;
done:
	free(body);
	free(v);
	cJSON_Delete(j);
	buf_cleanup(&text);
	return rc;
}

const struct sink_ops sink_slack_ops = {
	CONFIG_SINK_SLACK, slack_render, sink_classify_http
};
