/*
 * Email sink: SMTP through libcurl (http.h's mail requests): smtps://, or
 * smtp:// with STARTTLS required unless the host is loopback. A
 * text/plain UTF-8 message with RFC 5322 headers; the subject is an
 * RFC 2047 encoded-word when it is not ASCII; lines end in CRLF and are
 * kept under 998 bytes; dot-stuffing is curl's.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "alert.h"
#include "sink.h"
#include "util.h"
#include "xmalloc.h"

#define EMAIL_LINE_MAX	900	/* RFC 5322 says 998 */

/* 1 when the URL's host is loopback (STARTTLS not required there). */
static int
email_loopback(const char *url)
{
	const char	*a, *end, *at;
	char		 host[256];
	size_t		 n;

	if ((a = strstr(url, "://")) == NULL)
		return 0;
	a += 3;
	end = a + strcspn(a, "/?#");
	for (at = end; at > a && at[-1] != '@'; at--)
		;
	if (at > a)
		a = at;
	if (*a == '[') {
		a++;
		n = strcspn(a, "]");
	} else
		n = strcspn(a, ":/?#");
	if (n == 0 || n >= sizeof host || a + n > end)
		return 0;
	memcpy(host, a, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 1;
	return strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == n;
}

/* Appends a header value: as is when printable ASCII, else encoded-words. */
static void
email_header_text(struct buf *b, const char *s)
{
	const unsigned char	*p;
	unsigned char		 enc[128];
	size_t			 len = strlen(s), pos = 0, n;
	int			 ascii = 1;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80 || *p < 0x20)
			ascii = 0;
	if (ascii) {
		buf_puts(b, s);
		return;
	}
	/* Chunks of <= 45 bytes ending on a character: words <= 75 chars. */
	while (pos < len) {
		n = alert_utf8_cut(s + pos, len - pos, 45);
		if (n == 0)
			n = 1;
		EVP_EncodeBlock(enc, (const unsigned char *)s + pos, (int)n);
		buf_printf(b, "%s=?UTF-8?B?%s?=", pos > 0 ? "\r\n " : "",
		    (const char *)enc);
		pos += n;
	}
}

/* Appends text as body lines: CRLF, long lines wrapped. */
static void
email_body_line(struct buf *b, const char *s)
{
	size_t	len = strlen(s), n;

	do {
		n = alert_utf8_cut(s, len, EMAIL_LINE_MAX);
		if (n == 0)
			n = len;
		buf_append(b, s, n);
		buf_puts(b, "\r\n");
		s += n;
		len -= n;
	} while (len > 0);
}

static void
email_alert(struct buf *b, const struct alert *a)
{
	char	 line[1600], t[32];

	alert_summary(a, line, sizeof line);
	email_body_line(b, line);
	if (a->kind == ALERT_SECRET) {
		snprintf(line, sizeof line, "  rule:        %s", a->rule);
		email_body_line(b, line);
		if (a->log_group[0] != '\0') {
			snprintf(line, sizeof line, "  log group:   %s",
			    a->log_group);
			email_body_line(b, line);
			snprintf(line, sizeof line, "  log stream:  %s",
			    a->log_stream);
			email_body_line(b, line);
		} else {
			snprintf(line, sizeof line, "  path:        %s",
			    a->path);
			email_body_line(b, line);
		}
		snprintf(line, sizeof line, "  redacted:    %s", a->redacted);
		email_body_line(b, line);
		snprintf(line, sizeof line, "  fingerprint: %s",
		    a->fingerprint);
		email_body_line(b, line);
	} else {
		snprintf(line, sizeof line, "  watch:       %s", a->watch);
		email_body_line(b, line);
		snprintf(line, sizeof line, "  entity:      %s", a->entity);
		email_body_line(b, line);
		snprintf(line, sizeof line, "  signal:      %s", a->signal);
		email_body_line(b, line);
		if (a->errors >= 0 && a->requests >= 0) {
			snprintf(line, sizeof line, "  requests:    %lld, "
			    "errors: %lld", a->requests, a->errors);
			email_body_line(b, line);
		}
		if (isfinite(a->p_value)) {
			snprintf(line, sizeof line, "  p-value:     %.3g",
			    a->p_value);
			email_body_line(b, line);
		}
		if (a->rule[0] != '\0') {
			snprintf(line, sizeof line, "  rule:        %s",
			    a->rule);
			email_body_line(b, line);
			snprintf(line, sizeof line, "  why:         ");
			alert_why(a, line + strlen(line),
			    sizeof line - strlen(line));
			email_body_line(b, line);
		}
		if (a->trigger[0] != '\0') {
			snprintf(line, sizeof line, "  test:        %s, "
			    "%d period(s) from %s", a->trigger,
			    a->span_periods, a->span_start > 0 ?
			    util_format_rfc3339(a->span_start, t, sizeof t) :
			    "?");
			email_body_line(b, line);
		}
		if (isfinite(a->llr)) {
			snprintf(line, sizeof line, "  log-likelihood ratio: "
			    "%.3g", a->llr);
			email_body_line(b, line);
		}
	}
	snprintf(line, sizeof line, "  at:          %s",
	    util_format_rfc3339(a->at, t, sizeof t));
	email_body_line(b, line);
	if (a->labels[0] != '\0') {
		snprintf(line, sizeof line, "  labels:      %s", a->labels);
		email_body_line(b, line);
	}
	if (a->runbook[0] != '\0') {
		snprintf(line, sizeof line, "  runbook:     %s", a->runbook);
		email_body_line(b, line);
	}
	if (a->console_url[0] != '\0') {
		snprintf(line, sizeof line, "  console:     %s",
		    a->console_url);
		email_body_line(b, line);
	}
	email_body_line(b, "");
}

static int
email_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	struct alert	*v = NULL;
	size_t		 n, i;
	long long	 omitted;
	char		 subject[400], date[64], line[600];
	const cJSON	*acc, *reg;
	struct tm	 tm;
	time_t		 now = m->now;
	int		 rc = -1;

	if (s->smtp_url.value == NULL) {
		snprintf(err, errlen, "smtp_url not resolved");
		goto done;
	}
	if (s->to == NULL || s->to[0] == NULL || s->from == NULL) {
		snprintf(err, errlen, "no sender or recipients");
		goto done;
	}
	if (alert_stored_alerts(m->stored, &v, &n, &omitted) == -1 ||
	    n == 0) {
		snprintf(err, errlen, "malformed stored notification");
		goto done;
	}
	alert_subject(&v[0], n, omitted, subject, 200);
	(void)alert_redact_text(subject, strlen(subject));
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);

	buf_init(&o->body, SINK_BODY_MAX);
	buf_printf(&o->body, "From: %s\r\nTo: ", s->from);
	for (i = 0; s->to[i] != NULL; i++)
		buf_printf(&o->body, "%s%s", i > 0 ? ",\r\n " : "", s->to[i]);
	buf_puts(&o->body, "\r\nSubject: ");
	email_header_text(&o->body, subject);
	buf_printf(&o->body, "\r\nDate: %s\r\n"
	    "Message-ID: <%s@cwguard>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Cwguard-Notification: %s\r\n\r\n", date, m->id, m->id);
	for (i = 0; i < n; i++)
		email_alert(&o->body, &v[i]);
	if (omitted > 0) {
		snprintf(line, sizeof line, "and %lld more", omitted);
		email_body_line(&o->body, line);
		email_body_line(&o->body, "");
	}
	acc = cJSON_GetObjectItemCaseSensitive(m->stored, "account");
	reg = cJSON_GetObjectItemCaseSensitive(m->stored, "region");
	email_body_line(&o->body, "-- ");
	snprintf(line, sizeof line, "cwguard, account %s, region %s, "
	    "notification %s", cJSON_IsString(acc) && acc->valuestring[0] ?
	    acc->valuestring : "?", cJSON_IsString(reg) &&
	    reg->valuestring[0] ? reg->valuestring : "?", m->id);
	email_body_line(&o->body, line);
	if (o->body.len >= o->body.max - 1) {
		snprintf(err, errlen, "message over %zu bytes", o->body.max);
		goto done;
	}
	(void)alert_redact_text(o->body.data, o->body.len);
	o->url = s->smtp_url.value;
	o->mail_from = s->from;
	o->rcpt = (const char *const *)s->to;
	for (o->nrcpt = 0; s->to[o->nrcpt] != NULL; o->nrcpt++)
		;
	o->require_tls = strncasecmp(o->url, "smtp://", 7) == 0 &&
	    !email_loopback(o->url);
	o->username = s->username;
	o->password = s->password.value;
	rc = 0;
done:
	free(v);
	return rc;
}

static enum sink_result
email_classify(const struct sink_answer *a, char *why, size_t whylen)
{
	if (a->ok) {
		why[0] = '\0';
		return SINK_DELIVERED;
	}
	if (a->status > 0)
		snprintf(why, whylen, "%s (SMTP %ld)", a->error != NULL ?
		    a->error : "failed", a->status);
	else
		snprintf(why, whylen, "%s", a->error != NULL ? a->error :
		    "failed");
	/* 5xx replies are permanent (bad recipient, refused); 4xx wait. */
	if (a->status >= 500 && a->status <= 599)
		return SINK_PERMANENT;
	return SINK_RETRY;
}

const struct sink_ops sink_email_ops = {
	CONFIG_SINK_EMAIL, email_render, email_classify
};
