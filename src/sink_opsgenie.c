/*
 * Opsgenie sink: the Alert API v2, one request per alert (its own outbox
 * row, see sink_per_alert). A firing or a secret finding creates an alert
 * (POST /v2/alerts) whose alias is the alert id, so repeats are folded
 * into it; a resolved closes it (POST /v2/alerts/ALIAS/close?
 * identifierType=alias). `region` picks api.opsgenie.com or
 * api.eu.opsgenie.com. The documented limits are kept (characters):
 * message 130, alias 512, description 15000, 20 tags of 50, details 8000
 * in all, entity 512, source 100, note 25000. Answers: 202 delivered; 400,
 * 401, 403, 404 and 422 permanent; 429 and 5xx retried.
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

static const char *
og_base(const struct config_sink *s, size_t *len)
{
	const char	*base;

	if (s->endpoint != NULL)
		base = s->endpoint;
	else if (s->region == CONFIG_OPSGENIE_EU)
		base = "https://api.eu.opsgenie.com";
	else
		base = "https://api.opsgenie.com";
	*len = strlen(base);
	while (*len > 0 && base[*len - 1] == '/')
		(*len)--;
	return base;
}

/* Adds key: s cut to max characters. */
static void
og_str(cJSON *o, const char *key, const char *s, size_t max)
{
	char	*c = xstrndup(s, sink_utf8_chars(s, max));

	cJSON_AddStringToObject(o, key, c);
	free(c);
}

/* A tag: at most 50 characters, no white space or commas. */
static void
og_tag(cJSON *tags, const char *t)
{
	char	*c;
	size_t	 i;

	if (cJSON_GetArraySize(tags) >= SINK_OG_TAGS_MAX || *t == '\0')
		return;
	c = xstrndup(t, sink_utf8_chars(t, SINK_OG_TAG_MAX));
	for (i = 0; c[i] != '\0'; i++)
		if (c[i] == ' ' || c[i] == ',' || c[i] == '\t')
			c[i] = '_';
	cJSON_AddItemToArray(tags, cJSON_CreateString(c));
	free(c);
}

/* details: a string map of at most 8000 characters in all. */
static void
og_detail(cJSON *d, size_t *used, const char *k, const char *v)
{
	size_t	kl = strlen(k), vl;
	char	*c;

	if (*v == '\0' || *used + kl + 1 >= SINK_OG_DETAILS_MAX)
		return;
	vl = sink_utf8_chars(v, SINK_OG_DETAILS_MAX - *used - kl);
	c = xstrndup(v, vl);
	cJSON_AddStringToObject(d, k, c);
	*used += kl + strlen(c);
	free(c);
}

static void
og_num(cJSON *d, size_t *used, const char *k, double v, const char *fmt)
{
	char	b[64];

	if (!isfinite(v) || v < 0)
		return;
	snprintf(b, sizeof b, fmt, v);
	og_detail(d, used, k, b);
}

static cJSON *
og_create(const struct alert *a)
{
	cJSON	*j, *tags, *det;
	char	 sum[1200], desc[4096], t[32], id[33], *p, *lab, *sp;
	size_t	 used = 0;

	j = cJSON_CreateObject();
	alert_summary(a, sum, sizeof sum);
	og_str(j, "message", sum, SINK_OG_MESSAGE_MAX);
	alert_id(a, id, sizeof id);
	cJSON_AddStringToObject(j, "alias", id);
	snprintf(desc, sizeof desc, "%s\n%s%s%s%s", sum,
	    a->runbook[0] != '\0' ? "\nRunbook: " : "", a->runbook,
	    a->console_url[0] != '\0' ? "\nAWS console: " : "",
	    a->console_url);
	og_str(j, "description", desc, SINK_OG_DESCRIPTION_MAX);
	tags = cJSON_AddArrayToObject(j, "tags");
	og_tag(tags, "cwguard");
	og_tag(tags, a->kind == ALERT_SPIKE ? "spike" : "secret");
	og_tag(tags, a->kind == ALERT_SPIKE ? a->watch : a->source);
	if (a->labels[0] != '\0') {
		lab = xstrdup(a->labels);
		for (p = strtok_r(lab, ",", &sp); p != NULL;
		    p = strtok_r(NULL, ",", &sp))
			og_tag(tags, p);
		free(lab);
	}
	det = cJSON_AddObjectToObject(j, "details");
	og_detail(det, &used, "kind", a->kind == ALERT_SPIKE ? "spike" :
	    "secret");
	if (a->kind == ALERT_SPIKE) {
		og_detail(det, &used, "watch", a->watch);
		og_detail(det, &used, "entity", a->entity);
		og_detail(det, &used, "signal", a->signal);
		og_num(det, &used, "value", a->value, "%.6g");
		og_num(det, &used, "baseline", a->baseline, "%.6g");
		og_num(det, &used, "errors", (double)a->errors, "%.0f");
		og_num(det, &used, "requests", (double)a->requests, "%.0f");
	} else {
		og_detail(det, &used, "source", a->source);
		og_detail(det, &used, "rule", a->rule);
		og_detail(det, &used, "log_group", a->log_group);
		og_detail(det, &used, "log_stream", a->log_stream);
		og_detail(det, &used, "path", a->path);
		og_detail(det, &used, "redacted", a->redacted);
		og_detail(det, &used, "fingerprint", a->fingerprint);
	}
	og_detail(det, &used, "at", util_format_rfc3339(a->at, t, sizeof t));
	og_detail(det, &used, "labels", a->labels);
	og_detail(det, &used, "runbook", a->runbook);
	og_detail(det, &used, "console_url", a->console_url);
	og_str(j, "entity", a->kind == ALERT_SPIKE ? a->entity :
	    a->log_group[0] != '\0' ? a->log_group : a->path,
	    SINK_OG_ENTITY_MAX);
	cJSON_AddStringToObject(j, "source", "cwguard");
	cJSON_AddStringToObject(j, "priority", a->test ? "P5" :
	    a->kind == ALERT_SECRET ? "P1" : "P2");
	return j;
}

static int
og_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n, blen;
	long long	 omitted;
	cJSON		*j = NULL;
	const char	*base;
	char		 id[33], sum[1200], *body = NULL, *auth = NULL;
	int		 rc = -1;

	if (s->key.value == NULL || s->key.value[0] == '\0') {
		snprintf(err, errlen, "api_key not resolved");
		goto done;
	}
	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n != 1) {
		snprintf(err, errlen, "malformed stored notification (one "
		    "alert per Opsgenie request)");
		goto done;
	}
	alert_id(&v[0], id, sizeof id);
	base = og_base(s, &blen);
	if (v[0].status == ALERT_RESOLVED) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "source", "cwguard");
		alert_summary(&v[0], sum, sizeof sum);
		og_str(j, "note", sum, SINK_OG_NOTE_MAX);
		/* The alias is hex: nothing to escape in the path. */
		o->url_owned = xasprintf("%.*s/v2/alerts/%s/close?"
		    "identifierType=alias", (int)blen, base, id);
	} else {
		j = og_create(&v[0]);
		o->url_owned = xasprintf("%.*s/v2/alerts", (int)blen, base);
	}
	o->url = o->url_owned;
	if ((body = cJSON_PrintUnformatted(j)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	(void)alert_redact_text(body, strlen(body));
	if (buf_puts(&o->body, body) == -1) {
		snprintf(err, errlen, "Opsgenie request too large");
		goto done;
	}
	sink_out_header(o, "Content-Type", "application/json");
	auth = xasprintf("GenieKey %s", s->key.value);
	sink_out_header(o, "Authorization", auth);
	snprintf(o->what, sizeof o->what, "%s", v[0].status ==
	    ALERT_RESOLVED ? "close" : "create");
	rc = 0;
done:
	util_free_secret(auth);
	free(body);
	free(v);
	cJSON_Delete(j);
	return rc;
}

const struct sink_ops sink_opsgenie_ops = {
	CONFIG_SINK_OPSGENIE, og_render, sink_classify_http
};
