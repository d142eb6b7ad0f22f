/*
 * Alerts: one model for spikes and secret findings, payload v1, the batch
 * that groups one cycle's alerts per sink, and the redaction layer every
 * rendering passes through (DESIGN section 8).
 *
 * An alert only ever holds the scanner's redacted preview and fingerprint.
 * Still, every text field is scanned again before it is stored
 * (alert_sanitize) and every rendered message before it is sent
 * (alert_redact_text): whatever looks like a raw secret is masked.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "scanner.h"
#include "sink.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- */
/* Redaction layer                                                   */

static struct scanner	*redact_scanner;

static struct scanner *
redact_get(void)
{
	unsigned char	 key[32];
	char		 err[256];

	if (redact_scanner == NULL) {
		if ((redact_scanner = scanner_new(NULL, err, sizeof err)) ==
		    NULL)
			fatal("alert: redaction scanner: %s", err);
		memset(key, 0, sizeof key);
		scanner_set_key(redact_scanner, key);
	}
	return redact_scanner;
}

void
alert_cleanup(void)
{
	scanner_free(redact_scanner);
	redact_scanner = NULL;
}

#define REDACT_LINES	64	/* line starts kept for multi-line findings */

struct redact_ctx {
	char		*text;
	size_t		 len;
	size_t		 starts[REDACT_LINES];	/* ring of line starts */
	size_t		 nlines;		/* lines seen so far */
	size_t		 cur_end;		/* end of the current line */
	size_t		 masked;
};

/* Masks alphanumerics of text[from, to), keeping JSON escapes intact. */
static void
redact_span(char *text, size_t from, size_t to)
{
	size_t	i;

	for (i = from; i < to; i++) {
		if (text[i] == '\\') {
			i++;	/* keep the escape and the escaped byte */
			continue;
		}
		if (isalnum((unsigned char)text[i]) || text[i] == '+' ||
		    text[i] == '/' || text[i] == '=' || text[i] == '_' ||
		    text[i] == '-' || text[i] == '.' || text[i] == ':')
			text[i] = '*';
	}
}

static int
redact_cb(const struct scanner_finding *f, void *arg)
{
	struct redact_ctx	*r = arg;
	size_t			 line, start, from, to;

	if (r->nlines == 0)
		return 0;
	line = r->nlines - 1;
	if (f->lines_back > line || f->lines_back >= REDACT_LINES) {
		/* Beyond what is kept: mask all the lines still known. */
		start = r->starts[(line >= REDACT_LINES - 1 ?
		    line - (REDACT_LINES - 1) : 0) % REDACT_LINES];
		from = start;
	} else {
		start = r->starts[(line - f->lines_back) % REDACT_LINES];
		from = start + f->offset;
	}
	to = f->lines_back > 0 ? r->cur_end : from + f->length;
	if (from > r->len)
		from = r->len;
	if (to > r->len)
		to = r->len;
	redact_span(r->text, from, to);
	r->masked++;
	return 0;
}

size_t
alert_redact_text(char *text, size_t len)
{
	struct scanner		*sc = redact_get();
	struct redact_ctx	 r;
	size_t			 pos = 0, end;
	char			*nl;

	memset(&r, 0, sizeof r);
	r.text = text;
	r.len = len;
	scanner_reset(sc);
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - text) : len;
		r.starts[r.nlines % REDACT_LINES] = pos;
		r.nlines++;
		r.cur_end = end;
		(void)scanner_scan_line(sc, text + pos, end - pos, redact_cb, &r);
		pos = end + 1;
	}
	(void)scanner_finish(sc, redact_cb, &r);
	return r.masked;
}

/* Replaces bytes of invalid UTF-8 and control bytes with '?'. */
static void
sanitize_utf8(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 i, n, k;

	for (i = 0; p[i] != '\0'; ) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			p[i++] = '?';
			continue;
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0 && p[i] >= 0xc2)
			n = 1;
		else if ((p[i] & 0xf0) == 0xe0)
			n = 2;
		else if ((p[i] & 0xf8) == 0xf0 && p[i] <= 0xf4)
			n = 3;
		else {
			p[i++] = '?';
			continue;
		}
		for (k = 1; k <= n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				break;
		if (k <= n) {
			p[i++] = '?';
			continue;
		}
		i += n + 1;
	}
}

static size_t
sanitize_field(char *s)
{
	sanitize_utf8(s);
	return alert_redact_text(s, strlen(s));
}

size_t
alert_sanitize(struct alert *a)
{
	size_t	 n = 0;

	a->watch[sizeof a->watch - 1] = '\0';
	a->entity[sizeof a->entity - 1] = '\0';
	a->signal[sizeof a->signal - 1] = '\0';
	a->source[sizeof a->source - 1] = '\0';
	a->rule[sizeof a->rule - 1] = '\0';
	a->log_group[sizeof a->log_group - 1] = '\0';
	a->log_stream[sizeof a->log_stream - 1] = '\0';
	a->path[sizeof a->path - 1] = '\0';
	a->redacted[sizeof a->redacted - 1] = '\0';
	a->fingerprint[sizeof a->fingerprint - 1] = '\0';
	n += sanitize_field(a->watch);
	n += sanitize_field(a->entity);
	n += sanitize_field(a->signal);
	n += sanitize_field(a->source);
	n += sanitize_field(a->rule);
	n += sanitize_field(a->log_group);
	n += sanitize_field(a->log_stream);
	n += sanitize_field(a->path);
	n += sanitize_field(a->redacted);
	n += sanitize_field(a->fingerprint);
	a->labels[sizeof a->labels - 1] = '\0';
	a->runbook[sizeof a->runbook - 1] = '\0';
	a->console_url[sizeof a->console_url - 1] = '\0';
	a->message[sizeof a->message - 1] = '\0';
	n += sanitize_field(a->labels);
	n += sanitize_field(a->runbook);
	n += sanitize_field(a->console_url);
	n += sanitize_field(a->message);
	/* A preview always hides something: one without '*' is not one. */
	if (a->redacted[0] != '\0' && strchr(a->redacted, '*') == NULL) {
		util_strlcpy(a->redacted, "********", sizeof a->redacted);
		n++;
	}
	if (a->fingerprint[0] != '\0' &&
	    strspn(a->fingerprint, "0123456789abcdef") !=
	    strlen(a->fingerprint)) {
		a->fingerprint[0] = '\0';
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------- */
/* The model                                                         */

void
alert_init(struct alert *a, enum alert_kind kind)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->status = ALERT_FIRING;
	a->value = NAN;
	a->baseline = NAN;
	a->p_value = NAN;
	a->score = NAN;
	a->band_lo = a->band_hi = NAN;
	a->errors = -1;
	a->requests = -1;
	a->llr = NAN;
	a->count = -1;
}

void
alert_id(const struct alert *a, char *out, size_t outlen)
{
	EVP_MD_CTX	*c;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 hex[EVP_MAX_MD_SIZE * 2 + 1];

#define H(p, n)	(void)EVP_DigestUpdate(c, (p), (n))
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		fatal("alert: no SHA-256");
	if (a->kind == ALERT_SPIKE) {
		if (a->self)
			H("self", 5);
		H("spike", 6);
		H(a->watch, strlen(a->watch) + 1);
		H(a->entity, strlen(a->entity) + 1);
		H(a->signal, strlen(a->signal) + 1);
	} else {
		H("secret", 7);
		H(a->source, strlen(a->source) + 1);
		if (a->log_group[0] != '\0')
			H(a->log_group, strlen(a->log_group) + 1);
		else
			H(a->path, strlen(a->path) + 1);
		H(a->fingerprint, strlen(a->fingerprint) + 1);
	}
	if (a->test)
		H("test", 5);
#undef H
	if (EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen < 16)
		fatal("alert: SHA-256 failed");
	EVP_MD_CTX_free(c);
	util_hex(md, 16, hex);
	util_strlcpy(out, hex, outlen);
}

static const char *
status_name(enum alert_status s)
{
	return s == ALERT_RESOLVED ? "resolved" : "firing";
}

/* "labels" (an object), "runbook", "console_url" when set. */
static void
alert_links_to_cjson(const struct alert *a, cJSON *j)
{
	cJSON	*l;
	char	*labels, *p, *sp, *eq;

	if (a->labels[0] != '\0') {
		l = cJSON_AddObjectToObject(j, "labels");
		labels = xstrdup(a->labels);
		for (p = strtok_r(labels, ",", &sp); p != NULL;
		    p = strtok_r(NULL, ",", &sp))
			if ((eq = strchr(p, '=')) != NULL) {
				*eq = '\0';
				cJSON_AddStringToObject(l, p, eq + 1);
			}
		free(labels);
	}
	if (a->runbook[0] != '\0')
		cJSON_AddStringToObject(j, "runbook", a->runbook);
	if (a->console_url[0] != '\0')
		cJSON_AddStringToObject(j, "console_url", a->console_url);
}

/* Why a count alert fired: the test, its span and statistic. */
static void
alert_why_cjson(cJSON *j, const struct alert *a)
{
	char	t[32];

	if (a->trigger[0] != '\0')
		cJSON_AddStringToObject(j, "trigger", a->trigger);
	if (a->span_start > 0)
		cJSON_AddStringToObject(j, "span_start",
		    util_format_rfc3339(a->span_start, t, sizeof t));
	if (a->span_periods > 0)
		cJSON_AddNumberToObject(j, "span_periods", a->span_periods);
	if (isfinite(a->llr))
		cJSON_AddNumberToObject(j, "llr", a->llr);
}

cJSON *
alert_to_cjson(const struct alert *a)
{
	cJSON	*j, *band;
	char	 t[32], id[33];

	if ((j = cJSON_CreateObject()) == NULL)
		fatal("alert: out of memory");
	util_format_rfc3339(a->at, t, sizeof t);
	if (a->kind == ALERT_SPIKE) {
		cJSON_AddStringToObject(j, "type", "alert");
		cJSON_AddStringToObject(j, "watch", a->watch);
		cJSON_AddStringToObject(j, "entity", a->entity);
		cJSON_AddStringToObject(j, "signal", a->signal);
		cJSON_AddStringToObject(j, "status", status_name(a->status));
		cJSON_AddStringToObject(j, "at", t);
		if (isfinite(a->value))
			cJSON_AddNumberToObject(j, "value", a->value);
		if (isfinite(a->baseline))
			cJSON_AddNumberToObject(j, "baseline", a->baseline);
		if (a->errors >= 0)
			cJSON_AddNumberToObject(j, "errors",
			    (double)a->errors);
		if (a->requests >= 0)
			cJSON_AddNumberToObject(j, "requests",
			    (double)a->requests);
		if (isfinite(a->p_value))
			cJSON_AddNumberToObject(j, "p_value", a->p_value);
		if (isfinite(a->score))
			cJSON_AddNumberToObject(j, "score", a->score);
		if (isfinite(a->band_lo) || isfinite(a->band_hi)) {
			band = cJSON_AddArrayToObject(j, "band");
			if (band == NULL)
				fatal("alert: out of memory");
			cJSON_AddItemToArray(band, isfinite(a->band_lo) ?
			    cJSON_CreateNumber(a->band_lo) :
			    cJSON_CreateNull());
			cJSON_AddItemToArray(band, isfinite(a->band_hi) ?
			    cJSON_CreateNumber(a->band_hi) :
			    cJSON_CreateNull());
		}
		if (a->rule[0] != '\0')
			cJSON_AddStringToObject(j, "rule", a->rule);
		alert_why_cjson(j, a);
	} else {
		cJSON_AddStringToObject(j, "type", "finding");
		cJSON_AddStringToObject(j, "rule", a->rule);
		if (a->log_group[0] != '\0') {
			cJSON_AddStringToObject(j, "log_group", a->log_group);
			cJSON_AddStringToObject(j, "log_stream",
			    a->log_stream);
			cJSON_AddStringToObject(j, "timestamp", t);
		} else {
			cJSON_AddStringToObject(j, "path", a->path);
			cJSON_AddStringToObject(j, "at", t);
		}
		cJSON_AddStringToObject(j, "redacted", a->redacted);
		cJSON_AddStringToObject(j, "fingerprint", a->fingerprint);
		if (a->source[0] != '\0')
			cJSON_AddStringToObject(j, "source", a->source);
		if (a->aws_account[0] != '\0')
			cJSON_AddStringToObject(j, "aws_account",
			    a->aws_account);
		if (a->count >= 0)
			cJSON_AddNumberToObject(j, "count", (double)a->count);
		cJSON_AddStringToObject(j, "status", status_name(a->status));
	}
	cJSON_AddStringToObject(j, "kind", a->self ? "self" : a->kind ==
	    ALERT_SPIKE ? "spike" : "secret");
	if (a->self)
		cJSON_AddStringToObject(j, "message", a->message);
	alert_id(a, id, sizeof id);
	cJSON_AddStringToObject(j, "alert_id", id);
	alert_links_to_cjson(a, j);
	if (a->repeat)
		cJSON_AddBoolToObject(j, "repeat", 1);
	if (a->test)
		cJSON_AddBoolToObject(j, "test", 1);
	return j;
}

/* A duration in seconds as "2h", "20m" or "45s". */
static void
fmt_dur(double sec, char *out, size_t outlen)
{
	long long	s = llround(sec);

	if (s % 3600 == 0 && s >= 3600)
		snprintf(out, outlen, "%lldh", s / 3600);
	else if (s % 60 == 0 && s >= 60)
		snprintf(out, outlen, "%lldm", s / 60);
	else
		snprintf(out, outlen, "%llds", s);
}

char *
alert_why(const struct alert *a, char *out, size_t outlen)
{
	char	d1[32], d2[32];

	out[0] = '\0';
	if (a->kind != ALERT_SPIKE || a->rule[0] == '\0')
		return out;
	if (strcmp(a->rule, "absence") == 0) {
		fmt_dur(a->value, d1, sizeof d1);
		fmt_dur(a->band_hi, d2, sizeof d2);
		if (a->value > 0)
			snprintf(out, outlen, "absence: no datapoint for %s "
			    "(missing_after %s)", d1, d2);
		else
			snprintf(out, outlen, "absence: datapoints again "
			    "(missing_after %s)", d2);
	} else if (strcmp(a->rule, "static") == 0) {
		if (isfinite(a->band_hi) && a->value > a->band_hi)
			snprintf(out, outlen, "static: %.6g above %.6g",
			    a->value, a->band_hi);
		else if (isfinite(a->band_lo) && a->value < a->band_lo)
			snprintf(out, outlen, "static: %.6g below %.6g",
			    a->value, a->band_lo);
		else if (!isfinite(a->band_lo))
			snprintf(out, outlen, "static: %.6g not above %.6g",
			    a->value, a->band_hi);
		else if (!isfinite(a->band_hi))
			snprintf(out, outlen, "static: %.6g not below %.6g",
			    a->value, a->band_lo);
		else
			snprintf(out, outlen, "static: %.6g within %.6g .. "
			    "%.6g", a->value, a->band_lo, a->band_hi);
	} else if (strcmp(a->rule, "drop") == 0) {
		snprintf(out, outlen, "drop: %.6g requests, %s %.6g of %.6g "
		    "expected (p %.2g)", a->value, a->value <= a->band_lo ?
		    "at most" : "more than", a->band_lo, a->baseline,
		    a->score);
	} else
		snprintf(out, outlen, "%s: %.6g %s %.6g .. %.6g (median %.6g, "
		    "score %.3g)", a->rule, a->value, a->value < a->band_lo ||
		    a->value > a->band_hi ? "outside" : "within", a->band_lo,
		    a->band_hi, a->baseline, a->score);
	return out;
}

char *
alert_json(const struct alert *in)
{
	struct alert	 a = *in;
	cJSON		*j;
	char		*s;

	(void)alert_sanitize(&a);
	j = alert_to_cjson(&a);
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		fatal("alert: out of memory");
	cJSON_Delete(j);
	(void)alert_redact_text(s, strlen(s));
	return s;
}

static void
get_str(const cJSON *j, const char *name, char *out, size_t outlen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, name);

	if (cJSON_IsString(v) && v->valuestring != NULL)
		util_strlcpy(out, v->valuestring, outlen);
}

static double
get_num(const cJSON *j, const char *name, double def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void
alert_links_from_cjson(const cJSON *j, struct alert *a)
{
	const cJSON	*l, *e;
	size_t		 len;

	l = cJSON_GetObjectItemCaseSensitive(j, "labels");
	if (!cJSON_IsObject(l))
		l = NULL;
	cJSON_ArrayForEach(e, l) {
		if (!cJSON_IsString(e) || e->string == NULL)
			continue;
		len = strlen(a->labels);
		if (len + strlen(e->string) + strlen(e->valuestring) + 3 >
		    sizeof a->labels)
			break;
		snprintf(a->labels + len, sizeof a->labels - len, "%s%s=%s",
		    len > 0 ? "," : "", e->string, e->valuestring);
	}
	get_str(j, "runbook", a->runbook, sizeof a->runbook);
	get_str(j, "console_url", a->console_url, sizeof a->console_url);
}

int
alert_from_cjson(const cJSON *j, struct alert *a)
{
	const cJSON	*type, *kind, *band;
	char		 t[64] = "", status[16] = "";
	time_t		 at;
	char		 err[128];

	type = cJSON_GetObjectItemCaseSensitive(j, "type");
	kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	if (!cJSON_IsObject(j) || !cJSON_IsString(type) ||
	    !cJSON_IsString(kind))
		return -1;
	if (strcmp(kind->valuestring, "spike") == 0)
		alert_init(a, ALERT_SPIKE);
	else if (strcmp(kind->valuestring, "self") == 0) {
		alert_init(a, ALERT_SPIKE);
		a->self = 1;
		get_str(j, "message", a->message, sizeof a->message);
	} else if (strcmp(kind->valuestring, "secret") == 0)
		alert_init(a, ALERT_SECRET);
	else
		return -1;
	get_str(j, "status", status, sizeof status);
	a->status = strcmp(status, "resolved") == 0 ? ALERT_RESOLVED :
	    ALERT_FIRING;
	a->repeat = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "repeat"));
	a->test = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "test"));
	get_str(j, "at", t, sizeof t);
	get_str(j, "timestamp", t, sizeof t);
	if (t[0] != '\0' && util_parse_time(t, 0, &at, err, sizeof err) == 0)
		a->at = at;
	get_str(j, "watch", a->watch, sizeof a->watch);
	get_str(j, "entity", a->entity, sizeof a->entity);
	get_str(j, "signal", a->signal, sizeof a->signal);
	a->value = get_num(j, "value", NAN);
	a->baseline = get_num(j, "baseline", NAN);
	a->p_value = get_num(j, "p_value", NAN);
	a->score = get_num(j, "score", NAN);
	band = cJSON_GetObjectItemCaseSensitive(j, "band");
	if (cJSON_IsArray(band) && cJSON_GetArraySize(band) == 2) {
		if (cJSON_IsNumber(cJSON_GetArrayItem(band, 0)))
			a->band_lo = cJSON_GetArrayItem(band, 0)->valuedouble;
		if (cJSON_IsNumber(cJSON_GetArrayItem(band, 1)))
			a->band_hi = cJSON_GetArrayItem(band, 1)->valuedouble;
	}
	a->errors = (long long)get_num(j, "errors", -1);
	a->requests = (long long)get_num(j, "requests", -1);
	get_str(j, "trigger", a->trigger, sizeof a->trigger);
	t[0] = '\0';
	get_str(j, "span_start", t, sizeof t);
	if (t[0] != '\0' && util_parse_time(t, 0, &at, err, sizeof err) == 0)
		a->span_start = at;
	a->span_periods = (int)get_num(j, "span_periods", 0);
	a->llr = get_num(j, "llr", NAN);
	get_str(j, "source", a->source, sizeof a->source);
	get_str(j, "rule", a->rule, sizeof a->rule);
	get_str(j, "log_group", a->log_group, sizeof a->log_group);
	get_str(j, "log_stream", a->log_stream, sizeof a->log_stream);
	get_str(j, "path", a->path, sizeof a->path);
	get_str(j, "redacted", a->redacted, sizeof a->redacted);
	get_str(j, "fingerprint", a->fingerprint, sizeof a->fingerprint);
	get_str(j, "aws_account", a->aws_account, sizeof a->aws_account);
	if (strspn(a->aws_account, "0123456789") != strlen(a->aws_account))
		a->aws_account[0] = '\0';
	a->count = (long long)get_num(j, "count", -1);
	alert_links_from_cjson(j, a);
	(void)alert_sanitize(a);
	return 0;
}

const char *
alert_status_word(const struct alert *a, char *out, size_t outlen)
{
	const char	*w;

	if (a->kind == ALERT_SECRET)
		w = a->status == ALERT_RESOLVED ? "RESOLVED" : "SECRET";
	else if (a->status == ALERT_RESOLVED)
		w = "RESOLVED";
	else
		w = a->repeat ? "STILL FIRING" : "FIRING";
	snprintf(out, outlen, "%s%s", a->test ? "TEST " : "", w);
	return out;
}

const char *
alert_severity(const struct alert *a)
{
	if (a->test)
		return "info";
	return a->status == ALERT_RESOLVED ? "ok" : "critical";
}

/* A rate as a percentage with sensible digits. */
static void
fmt_rate(double v, char *out, size_t outlen)
{
	if (!isfinite(v))
		snprintf(out, outlen, "n/a");
	else if (v * 100 >= 10)
		snprintf(out, outlen, "%.1f%%", v * 100);
	else
		snprintf(out, outlen, "%.3g%%", v * 100);
}

char *
alert_summary(const struct alert *a, char *out, size_t outlen)
{
	char	 w[32], v[32], b[32], why[256];

	alert_status_word(a, w, sizeof w);
	if (a->test) {
		snprintf(out, outlen, "TEST notification from cwguard "
		    "(%s/%s): delivery check, no action needed", a->watch,
		    a->entity);
	} else if (a->self) {
		snprintf(out, outlen, "%s cwguard %s: %s", w, a->entity,
		    a->message);
	} else if (a->kind == ALERT_SECRET) {
		snprintf(out, outlen, "%s %s in %s: %s", w, a->rule,
		    a->log_group[0] != '\0' ? a->log_group : a->path,
		    a->redacted);
	} else if (a->errors >= 0 && a->requests >= 0) {
		fmt_rate(a->value, v, sizeof v);
		fmt_rate(a->baseline, b, sizeof b);
		why[0] = '\0';
		if (a->trigger[0] != '\0')
			snprintf(why, sizeof why, ", %s over %d period%s",
			    a->trigger, a->span_periods > 0 ? a->span_periods :
			    1, a->span_periods > 1 ? "s" : "");
		snprintf(out, outlen, "%s %s/%s %s: %s (baseline %s, %lld/%lld"
		    "%s)", w, a->watch, a->entity, a->signal, v, b, a->errors,
		    a->requests, why);
	} else if (a->rule[0] != '\0') {
		snprintf(out, outlen, "%s %s/%s %s: %s", w, a->watch,
		    a->entity, a->signal, alert_why(a, why, sizeof why));
	} else {
		snprintf(out, outlen, "%s %s/%s %s: %.6g (median %.6g, "
		    "score %.3g)", w, a->watch, a->entity, a->signal, a->value,
		    a->baseline, a->score);
	}
	sanitize_utf8(out);	/* also cuts a split character at the end */
	out[alert_utf8_cut(out, strlen(out), outlen - 1)] = '\0';
	return out;
}

size_t
alert_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

char *
alert_subject(const struct alert *first, size_t n, long long omitted,
    char *out, size_t max)
{
	char		 sum[600];
	struct buf	 b;
	size_t		 cut;

	buf_init(&b, 4096);
	alert_summary(first, sum, sizeof sum);
	if (n + (size_t)(omitted > 0 ? omitted : 0) > 1)
		buf_printf(&b, "[cwguard] %zu alerts: %s", n +
		    (size_t)(omitted > 0 ? omitted : 0), sum);
	else
		buf_printf(&b, "[cwguard] %s", sum);
	cut = alert_utf8_cut(b.data, b.len, max);
	if (cut < b.len && cut >= 3) {
		buf_truncate(&b, alert_utf8_cut(b.data, b.len, max - 3));
		buf_puts(&b, "...");
	} else
		buf_truncate(&b, cut);
	/* outlen is max + 1 */
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	buf_cleanup(&b);
	return out;
}

/* ---------------------------------------------------------------- */
/* Stored messages and payload v1                                    */

int
alert_stored_alerts(const cJSON *stored, struct alert **out, size_t *n,
    long long *omitted)
{
	const cJSON	*arr, *it;
	size_t		 i = 0, cnt;

	*out = NULL;
	*n = 0;
	*omitted = (long long)get_num(stored, "omitted", 0);
	arr = cJSON_GetObjectItemCaseSensitive(stored, "alerts");
	if (!cJSON_IsArray(arr))
		return -1;
	cnt = (size_t)cJSON_GetArraySize(arr);
	*out = xcalloc(cnt > 0 ? cnt : 1, sizeof **out);
	cJSON_ArrayForEach(it, arr) {
		if (alert_from_cjson(it, &(*out)[i]) == 0)
			i++;
		else
			(*omitted)++;
	}
	*n = i;
	return 0;
}

static char *
payload_print(const cJSON *stored, const char *id, int nalerts,
    long long omitted, int truncated)
{
	cJSON		*j, *arr;
	const cJSON	*src, *it;
	char		*s;
	int		 i = 0;

	if ((j = cJSON_CreateObject()) == NULL)
		fatal("alert: out of memory");
	cJSON_AddNumberToObject(j, "version", 1);
	cJSON_AddStringToObject(j, "source", "cwguard");
	src = cJSON_GetObjectItemCaseSensitive(stored, "account");
	cJSON_AddStringToObject(j, "account", cJSON_IsString(src) ?
	    src->valuestring : "");
	src = cJSON_GetObjectItemCaseSensitive(stored, "region");
	cJSON_AddStringToObject(j, "region", cJSON_IsString(src) ?
	    src->valuestring : "");
	cJSON_AddStringToObject(j, "id", id);
	arr = cJSON_AddArrayToObject(j, "alerts");
	src = cJSON_GetObjectItemCaseSensitive(stored, "alerts");
	cJSON_ArrayForEach(it, src) {
		if (i++ >= nalerts)
			break;
		cJSON_AddItemToArray(arr, cJSON_Duplicate(it, 1));
	}
	if (omitted > 0)
		cJSON_AddNumberToObject(j, "omitted", (double)omitted);
	if (truncated)
		cJSON_AddBoolToObject(j, "truncated", 1);
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		fatal("alert: out of memory");
	cJSON_Delete(j);
	(void)alert_redact_text(s, strlen(s));
	return s;
}

char *
alert_payload_v1(const cJSON *stored, const char *id, size_t max)
{
	const cJSON	*arr;
	char		*s;
	int		 n, lo, hi, mid;
	long long	 omitted;

	arr = cJSON_GetObjectItemCaseSensitive(stored, "alerts");
	if (!cJSON_IsObject(stored) || !cJSON_IsArray(arr))
		return NULL;
	n = cJSON_GetArraySize(arr);
	omitted = (long long)get_num(stored, "omitted", 0);
	s = payload_print(stored, id, n, omitted, 0);
	if (max == 0 || strlen(s) <= max)
		return s;
	free(s);
	/* The most alerts that fit, found by bisection. */
	lo = 0;
	hi = n - 1;
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		s = payload_print(stored, id, mid, omitted + n - mid, 1);
		if (strlen(s) <= max)
			lo = mid;
		else
			hi = mid - 1;
		free(s);
	}
	s = payload_print(stored, id, lo, omitted + n - lo, 1);
	if (strlen(s) > max) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---------------------------------------------------------------- */
/* Batches                                                           */

struct batch_entry {
	struct alert		 a;
	struct config_sink	**sinks;	/* NULL-terminated copy */
};

struct alert_batch {
	struct batch_entry	*v;
	size_t			 n, cap;
};

struct alert_batch *
alert_batch_new(void)
{
	return xcalloc(1, sizeof(struct alert_batch));
}

static void
batch_clear(struct alert_batch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].sinks);
	b->n = 0;
}

void
alert_batch_free(struct alert_batch *b)
{
	if (b == NULL)
		return;
	batch_clear(b);
	free(b->v);
	free(b);
}

void
alert_batch_add(struct alert_batch *b, const struct alert *a,
    struct config_sink *const *sinks)
{
	struct batch_entry	*e;
	size_t			 i, n = 0;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
	}
	e = &b->v[b->n++];
	e->a = *a;
	(void)alert_sanitize(&e->a);
	for (i = 0; sinks != NULL && sinks[i] != NULL; i++)
		n++;
	e->sinks = xcalloc(n + 1, sizeof *e->sinks);
	n = 0;
	for (i = 0; sinks != NULL && sinks[i] != NULL; i++) {
		if (a->status == ALERT_RESOLVED && !sinks[i]->send_resolved)
			continue;
		/* sink match: routing on the alert's labels */
		if (!a->test && !alert_labels_match(a, sinks[i]->match))
			continue;
		e->sinks[n++] = sinks[i];
	}
}

size_t
alert_batch_count(const struct alert_batch *b)
{
	return b->n;
}

const struct alert *
alert_batch_get(const struct alert_batch *b, size_t i)
{
	return i < b->n ? &b->v[i].a : NULL;
}

static int
entry_has_sink(const struct batch_entry *e, const struct config_sink *s)
{
	size_t	i;

	for (i = 0; e->sinks[i] != NULL; i++)
		if (e->sinks[i] == s)
			return 1;
	return 0;
}

/* An ordering key for rows made in the same second: microseconds. */
static double
batch_seq(void)
{
	static double	 last;
	double		 s = floor(util_now() * 1e6);

	if (s <= last)
		s = last + 1;
	last = s;
	return s;
}

/* The stored message of sink s (only entry `only`, unless SIZE_MAX). */
static char *
batch_render(const struct alert_batch *b, const struct config_sink *s,
    const struct alert_context *ctx, size_t only)
{
	cJSON		*j, *arr, *o;
	char		*str, *one;
	size_t		 i, nalerts = 0, bytes = 0;
	long long	 omitted = 0;
	int		 ours;

	if ((j = cJSON_CreateObject()) == NULL)
		fatal("alert: out of memory");
	cJSON_AddNumberToObject(j, "seq", batch_seq());
	cJSON_AddNumberToObject(j, "version", 1);
	cJSON_AddStringToObject(j, "source", "cwguard");
	cJSON_AddStringToObject(j, "account", ctx != NULL &&
	    ctx->account != NULL ? ctx->account : "");
	cJSON_AddStringToObject(j, "region", ctx != NULL &&
	    ctx->region != NULL ? ctx->region : "");
	arr = cJSON_AddArrayToObject(j, "alerts");
	for (i = 0; i < b->n; i++) {
		if (!entry_has_sink(&b->v[i], s) || (only != SIZE_MAX &&
		    i != only))
			continue;
		o = alert_to_cjson(&b->v[i].a);
		/*
		 * A leaked AWS key id of the account cwguard watches is ours
		 * (critical); one of another account is foreign (warning).
		 */
		if (b->v[i].a.aws_account[0] != '\0') {
			ours = ctx != NULL && ctx->account != NULL &&
			    strcmp(ctx->account, b->v[i].a.aws_account) == 0;
			cJSON_AddStringToObject(o, "owner", ours ? "ours" :
			    "foreign");
			cJSON_AddStringToObject(o, "severity", ours ?
			    "critical" : "warning");
		}
		if ((one = cJSON_PrintUnformatted(o)) == NULL)
			fatal("alert: out of memory");
		if (nalerts >= ALERT_BATCH_MAX_ALERTS ||
		    bytes + strlen(one) > ALERT_BATCH_MAX_BYTES) {
			omitted++;
			cJSON_Delete(o);
		} else {
			nalerts++;
			bytes += strlen(one) + 1;
			cJSON_AddItemToArray(arr, o);
		}
		free(one);
	}
	if (nalerts == 0) {
		cJSON_Delete(j);
		return NULL;
	}
	if (omitted > 0)
		cJSON_AddNumberToObject(j, "omitted", (double)omitted);
	if ((str = cJSON_PrintUnformatted(j)) == NULL)
		fatal("alert: out of memory");
	cJSON_Delete(j);
	return str;
}

/* Renders and enqueues the row of sink s (entry only, or SIZE_MAX). */
static int
batch_enqueue_one(struct alert_batch *b, struct store *st,
    struct config_sink *s, const struct alert_context *ctx, size_t only,
    time_t now, void (*cb)(void *, const char *, const char *), void *cbarg,
    char *err, size_t errlen)
{
	char	*payload, id[STORE_ID_LEN + 1];
	size_t	 masked;

	if ((payload = batch_render(b, s, ctx, only)) == NULL)
		return 0;
	if ((masked = alert_redact_text(payload, strlen(payload))) > 0)
		log_warn("alert: sink %s: %zu secret-looking value%s "
		    "masked in a notification", s->name, masked,
		    masked == 1 ? "" : "s");
	if (store_outbox_enqueue(st, s->name, payload, (int64_t)now,
	    (int64_t)now + (s->expiry > 0 ? s->expiry : 86400), id) == -1) {
		snprintf(err, errlen, "outbox: %s", store_error(st));
		free(payload);
		return -1;
	}
	free(payload);
	log_debug("alert: sink %s: notification %s queued", s->name, id);
	if (cb != NULL)
		cb(cbarg, s->name, id);
	return 0;
}

static alert_hold_fn	 alert_hold;
static void		*alert_hold_arg;

void
alert_hold_set(alert_hold_fn fn, void *arg)
{
	alert_hold = fn;
	alert_hold_arg = arg;
}

void
alert_hold_clear(void *arg)
{
	if (alert_hold_arg == arg)
		alert_hold_set(NULL, NULL);
}

int
alert_batch_enqueue_cb(struct alert_batch *b, struct store *st,
    const struct alert_context *ctx, time_t now,
    void (*cb)(void *, const char *, const char *), void *cbarg,
    char *err, size_t errlen)
{
	struct config_sink	**seen = NULL;
	size_t			 nseen = 0, i, k, j;
	int			 rc = -1, per;

	if (alert_hold != NULL) {
		/* Held alerts leave the batch (silences, mute windows). */
		for (i = 0, j = 0; i < b->n; i++) {
			int	h = 0;

			if (!b->v[i].a.test && (h = alert_hold(alert_hold_arg,
			    st, &b->v[i].a, now, err, errlen)) == -1) {
				/* keep the rest so that batch_clear frees it */
				while (i < b->n)
					b->v[j++] = b->v[i++];
				b->n = j;
				goto fail;
			}
			if (h == 1)
				free(b->v[i].sinks);
			else
				b->v[j++] = b->v[i];
		}
		b->n = j;
	}
	for (i = 0; i < b->n; i++)
		for (k = 0; b->v[i].sinks[k] != NULL; k++) {
			for (j = 0; j < nseen; j++)
				if (seen[j] == b->v[i].sinks[k])
					break;
			if (j < nseen)
				continue;
			seen = xreallocarray(seen, nseen + 1, sizeof *seen);
			seen[nseen++] = b->v[i].sinks[k];
		}
	for (j = 0; j < nseen; j++) {
		/* Paging sinks: one row (one incident) per alert. */
		per = sink_per_alert(seen[j]->type);
		for (k = 0; k < (per ? b->n : 1); k++)
			if (batch_enqueue_one(b, st, seen[j], ctx,
			    per ? k : SIZE_MAX, now, cb, cbarg, err,
			    errlen) == -1)
				goto fail;
	}
	rc = 0;
fail:
	free(seen);
	batch_clear(b);
	return rc;
}

int
alert_batch_enqueue(struct alert_batch *b, struct store *st,
    const struct alert_context *ctx, time_t now, char *err, size_t errlen)
{
	return alert_batch_enqueue_cb(b, st, ctx, now, NULL, NULL, err,
	    errlen);
}
