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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "scanner.h"
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
	cJSON	*j;
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
		if (a->count >= 0)
			cJSON_AddNumberToObject(j, "count", (double)a->count);
		cJSON_AddStringToObject(j, "status", status_name(a->status));
	}
	cJSON_AddStringToObject(j, "kind", a->kind == ALERT_SPIKE ? "spike" :
	    "secret");
	alert_id(a, id, sizeof id);
	cJSON_AddStringToObject(j, "alert_id", id);
	if (a->repeat)
		cJSON_AddBoolToObject(j, "repeat", 1);
	if (a->test)
		cJSON_AddBoolToObject(j, "test", 1);
	return j;
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

int
alert_from_cjson(const cJSON *j, struct alert *a)
{
	const cJSON	*type, *kind;
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
	else if (strcmp(kind->valuestring, "secret") == 0)
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
	a->count = (long long)get_num(j, "count", -1);
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
	char	 w[32], v[32], b[32], why[64];

	alert_status_word(a, w, sizeof w);
	if (a->test) {
		snprintf(out, outlen, "TEST notification from cwguard "
		    "(%s/%s): delivery check, no action needed", a->watch,
		    a->entity);
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

/* The stored message of sink s: heap string. */
static char *
batch_render(const struct alert_batch *b, const struct config_sink *s,
    const struct alert_context *ctx)
{
	cJSON		*j, *arr, *o;
	char		*str, *one;
	size_t		 i, nalerts = 0, bytes = 0;
	long long	 omitted = 0;

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
		if (!entry_has_sink(&b->v[i], s))
			continue;
		o = alert_to_cjson(&b->v[i].a);
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

int
alert_batch_enqueue_cb(struct alert_batch *b, struct store *st,
    const struct alert_context *ctx, time_t now,
    void (*cb)(void *, const char *, const char *), void *cbarg,
    char *err, size_t errlen)
{
	struct config_sink	**seen = NULL;
	size_t			 nseen = 0, i, k, j;
	char			*payload, id[STORE_ID_LEN + 1];
	size_t			 masked;
	int			 rc = -1;

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
		if ((payload = batch_render(b, seen[j], ctx)) == NULL)
			continue;
		if ((masked = alert_redact_text(payload, strlen(payload))) > 0)
			log_warn("alert: sink %s: %zu secret-looking value%s "
			    "masked in a notification", seen[j]->name, masked,
			    masked == 1 ? "" : "s");
		if (store_outbox_enqueue(st, seen[j]->name, payload,
		    (int64_t)now, (int64_t)now + (seen[j]->expiry > 0 ?
		    seen[j]->expiry : 86400), id) == -1) {
			snprintf(err, errlen, "outbox: %s", store_error(st));
			free(payload);
			goto fail;
		}
		free(payload);
		log_debug("alert: sink %s: notification %s queued",
		    seen[j]->name, id);
		if (cb != NULL)
			cb(cbarg, seen[j]->name, id);
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
