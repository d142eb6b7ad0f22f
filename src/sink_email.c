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

/*
 * The sender "Name <addr>" or "addr": the address into addr, the display
 * name (unquoted, maybe "") into name.
 */
static void
email_sender(const char *from, char *name, size_t namelen, char *addr,
    size_t addrlen)
{
	const char	*lt = strchr(from, '<');
	size_t		 n;

	if (lt == NULL) {
		name[0] = '\0';
		util_strlcpy(addr, from, addrlen);
		return;
	}
	n = strcspn(lt + 1, ">");
	snprintf(addr, addrlen, "%.*s", (int)n, lt + 1);
	for (n = (size_t)(lt - from); n > 0 && from[n - 1] == ' '; n--)
		;
	if (n >= 2 && from[0] == '"' && from[n - 1] == '"') {
		from++;
		n -= 2;
	}
	snprintf(name, namelen, "%.*s", (int)n, from);
}

/* The domain of the sender's address, for Message-IDs (RFC 5322 3.6.4). */
static void
email_domain(const char *addr, char *out, size_t outlen)
{
	const char	*at = strrchr(addr, '@');
	size_t		 n;

	if (at == NULL || (n = strspn(at + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")) == 0 ||
	    at[1 + n] != '\0') {
		util_strlcpy(out, "cwguard.invalid", outlen);
		return;
	}
	snprintf(out, outlen, "%s", at + 1);
}

/* From: with the display name quoted or encoded as needed. */
static void
email_from_header(struct buf *b, const char *name, const char *addr)
{
	const char	*p;
	int		 ascii = 1;

	buf_puts(b, "From: ");
	if (name[0] != '\0') {
		for (p = name; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
				ascii = 0;
		if (!ascii)
			email_header_text(b, name);
		else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL)
			buf_printf(b, "\"%s\"", name);
		else
			buf_puts(b, name);
		buf_printf(b, " <%s>", addr);
	} else
		buf_puts(b, addr);
	buf_puts(b, "\r\n");
}

/*
 * One subject for a whole incident, so that firing, repeat and resolved
 * mails stay one conversation; the state is in the body's first line.
 * Replies (repeat, resolved) get "Re: ". A batch of several alerts keeps
 * alert_subject().
 */
static void
email_subject(const struct alert *v, size_t n, long long omitted,
    char *out, size_t outlen)
{
	const struct alert	*a = &v[0];
	struct buf		 b;
	size_t			 cut;

	if (n > 1 || omitted > 0 || a->test) {
		alert_subject(a, n, omitted, out, outlen > 201 ? 200 :
		    outlen - 1);
		return;
	}
	buf_init(&b, 4096);
	buf_puts(&b, a->status == ALERT_RESOLVED || a->repeat ? "Re: " : "");
	if (a->kind == ALERT_SECRET)
		buf_printf(&b, "[cwguard] secret %s in %s", a->rule,
		    a->log_group[0] != '\0' ? a->log_group : a->path);
	else
		buf_printf(&b, "[cwguard] %s/%s %s", a->watch, a->entity,
		    a->signal);
	cut = alert_utf8_cut(b.data, b.len, outlen - 1 < 200 ? outlen - 1 :
	    200);
	memcpy(out, b.data, cut);
	out[cut] = '\0';
	buf_cleanup(&b);
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
	char		 subject[400], date[64], line[600], name[256];
	char		 domain[256], thread[40], addr[320];
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
	email_subject(v, n, omitted, subject, sizeof subject);
	(void)alert_redact_text(subject, strlen(subject));
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	email_sender(s->from, name, sizeof name, addr, sizeof addr);
	email_domain(addr, domain, sizeof domain);
	/*
	 * The incident's thread: every mail about it References the same
	 * id, derived from the incident (alert_id), and a repeat or resolved
	 * mail is In-Reply-To it; the sink keeps no state to do more.
	 */
	alert_id(&v[0], thread, sizeof thread);

	buf_init(&o->body, SINK_BODY_MAX);
	email_from_header(&o->body, name, addr);
	buf_puts(&o->body, "To: ");
	for (i = 0; s->to[i] != NULL; i++)
		buf_printf(&o->body, "%s%s", i > 0 ? ",\r\n " : "", s->to[i]);
	buf_puts(&o->body, "\r\nSubject: ");
	email_header_text(&o->body, subject);
	buf_printf(&o->body, "\r\nDate: %s\r\n"
	    "Message-ID: <%s@%s>\r\n", date, m->id, domain);
	if (n == 1 && omitted == 0 && !v[0].test) {
		if (v[0].status == ALERT_RESOLVED || v[0].repeat)
			buf_printf(&o->body, "In-Reply-To: <incident.%s@%s>\r\n",
			    thread, domain);
		buf_printf(&o->body, "References: <incident.%s@%s>\r\n",
		    thread, domain);
	}
	buf_printf(&o->body, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Cwguard-Notification: %s\r\n\r\n", m->id);
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
	/* The envelope sender is the address alone. */
	o->owned[o->nowned++] = xstrdup(addr);
	o->mail_from = o->owned[o->nowned - 1];
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
