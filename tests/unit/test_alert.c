/*
 * Unit tests of the alert module: payload v1, batches, the redaction
 * layer, each sink's rendering and limits, the Standard Webhooks
 * signature, the outbox backoff schedule. No network.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "aws_proto.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "outbox.h"
#include "scanner.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"
#include "../../src/sink.h"
#include "tap.h"

static char	 tmpdir[] = "/tmp/cwg-alert-test.XXXXXX";

static struct config_sink *
mksink(const char *name, enum config_sink_type type)
{
	struct config_sink	*s = xcalloc(1, sizeof *s);
	static char		*to[] = { "oncall@example.com",
				    "sec@example.com", NULL };

	s->name = xstrdup(name);
	s->type = type;
	s->send_resolved = 1;
	s->expiry = 86400;
	s->rate_limit = 30;
	switch (type) {
	case CONFIG_SINK_SLACK:
	case CONFIG_SINK_WEBHOOK:
		s->url.source = CONFIG_SECRET_LITERAL;
		s->url.value = xstrdup("https://hooks.example.com/x");
		break;
	case CONFIG_SINK_SNS:
		s->topic_arn = xstrdup("arn:aws:sns:us-east-1:123456789012:t");
		break;
	case CONFIG_SINK_EMAIL:
		s->smtp_url.source = CONFIG_SECRET_LITERAL;
		s->smtp_url.value = xstrdup("smtp://mail.example.com:587");
		s->from = xstrdup("cwguard@example.com");
		s->to = to;
		break;
	default:
		break;
	}
	return s;
}

static void
freesink(struct config_sink *s)
{
	size_t	i;

	free(s->name);
	free(s->url.value);
	free(s->topic_arn);
	free(s->smtp_url.value);
	free(s->from);
	free(s->hmac_key.value);
	for (i = 0; i < s->nheaders; i++) {
		free(s->headers[i].name);
		free(s->headers[i].value.value);
	}
	free(s->headers);
	free(s);
}

static void
spike(struct alert *a, const char *entity)
{
	alert_init(a, ALERT_SPIKE);
	util_strlcpy(a->watch, "api", sizeof a->watch);
	util_strlcpy(a->entity, entity, sizeof a->entity);
	util_strlcpy(a->signal, "5xx", sizeof a->signal);
	a->at = 1793491200;	/* 2026-11-01T00:00:00Z */
	a->value = 0.12;
	a->baseline = 0.004;
	a->errors = 37;
	a->requests = 310;
	a->p_value = 1e-9;
}

/* The stored form of n copies of alert a (entity numbered). */
static cJSON *
stored_many(const struct alert *a0, int n, int omitted)
{
	cJSON		*j = cJSON_CreateObject(), *arr;
	struct alert	 a = *a0;
	char		 ent[ALERT_NAME_MAX * 2 + 16];
	int		 i;

	cJSON_AddNumberToObject(j, "seq", 1);
	cJSON_AddNumberToObject(j, "version", 1);
	cJSON_AddStringToObject(j, "source", "cwguard");
	cJSON_AddStringToObject(j, "account", "123456789012");
	cJSON_AddStringToObject(j, "region", "us-east-1");
	arr = cJSON_AddArrayToObject(j, "alerts");
	for (i = 0; i < n; i++) {
		snprintf(ent, sizeof ent, "%s-%d", a0->entity, i);
		util_strlcpy(a.entity, ent, sizeof a.entity);
		cJSON_AddItemToArray(arr, alert_to_cjson(&a));
	}
	if (omitted)
		cJSON_AddNumberToObject(j, "omitted", omitted);
	return j;
}

static int
render(const struct sink_ops *ops, struct config_sink *s, const cJSON *stored,
    struct sink_out *o)
{
	struct sink_msg	 m;
	char		 err[256];

	m.id = "0123456789abcdef0123456789abcdef";
	m.stored = stored;
	m.now = 1793491200;
	sink_out_init(o);
	if (ops->render(s, &m, o, err, sizeof err) == -1) {
		tap_diag("render: %s", err);
		return -1;
	}
	return 0;
}

/* A form value of an SNS request body, decoded (heap). */
static char *
form_get(const char *body, const char *key)
{
	const char	*p = body, *e;
	size_t		 kl = strlen(key);
	struct buf	 b;
	char		*out;

	while (p != NULL && *p != '\0') {
		e = strchr(p, '&');
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			buf_init(&b, 4 * 1024 * 1024);
			aws_percent_decode(&b, p + kl + 1, e != NULL ?
			    (size_t)(e - p - kl - 1) : strlen(p + kl + 1));
			out = xstrdup(buf_cstr(&b));
			buf_cleanup(&b);
			return out;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return NULL;
}

struct rowinfo {
	int	 n;
	char	*payload[4];
	char	 sink[4][32];
};

static int
rows_cb(void *arg, const struct store_outbox *r)
{
	struct rowinfo	*x = arg;

	if (x->n < 4) {
		x->payload[x->n] = xstrdup(r->payload);
		util_strlcpy(x->sink[x->n], r->sink, 32);
	}
	x->n++;
	return 0;
}

static void
test_payload(void)
{
	struct alert		 a, f;
	struct alert_batch	*b;
	struct config_sink	*hook = mksink("hook", CONFIG_SINK_WEBHOOK);
	struct config_sink	*quiet = mksink("quiet", CONFIG_SINK_WEBHOOK);
	struct config_sink	*sinks[] = { hook, quiet, NULL };
	struct alert_context	 ctx = { "123456789012", "us-east-1" };
	struct store		*st;
	char			 path[256], err[256], id[33], *s;
	cJSON			*stored;
	struct rowinfo	 ri;
	int		 i;

	quiet->send_resolved = 0;
	spike(&a, "orders-create");
	alert_id(&a, id, sizeof id);
	ok(strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32,
	    "alert_id is 32 hex digits");
	s = alert_json(&a);
	is_str(s, "{\"type\":\"alert\",\"watch\":\"api\",\"entity\":"
	    "\"orders-create\",\"signal\":\"5xx\",\"status\":\"firing\","
	    "\"at\":\"2026-11-01T00:00:00Z\",\"value\":0.12,\"baseline\":"
	    "0.004,\"errors\":37,\"requests\":310,\"p_value\":1e-09,"
	    "\"kind\":\"spike\",\"alert_id\":\"d359addd7e4eea7b890b150476382076\"}",
	    "alert_json of a spike (DESIGN section 2 + kind, alert_id)");
	free(s);

	alert_init(&f, ALERT_SECRET);
	util_strlcpy(f.source, "lambda", sizeof f.source);
	util_strlcpy(f.rule, "aws-access-key-id", sizeof f.rule);
	util_strlcpy(f.log_group, "/aws/lambda/orders", sizeof f.log_group);
	util_strlcpy(f.log_stream, "2026/11/01/[$LATEST]abc",
	    sizeof f.log_stream);
	util_strlcpy(f.redacted, "AKIA************WXYZ", sizeof f.redacted);
	memset(f.fingerprint, 'a', 64);
	f.fingerprint[64] = '\0';
	f.at = 1793491200;
	f.count = 3;
	f.status = ALERT_FIRING;

	snprintf(path, sizeof path, "%s/state.db", tmpdir);
	st = store_open(path, STORE_CREATE, err, sizeof err);
	ok(st != NULL, "store opens (%s)", st ? "" : err);
	if (st == NULL)
		return;
	b = alert_batch_new();
	alert_batch_add(b, &a, sinks);
	alert_batch_add(b, &f, sinks);
	a.status = ALERT_RESOLVED;
	alert_batch_add(b, &a, sinks);
	is_int(alert_batch_count(b), 3, "batch counts each alert once");
	ok(alert_batch_enqueue(b, st, &ctx, 1793491200, err,
	    sizeof err) == 0, "batch enqueued");
	is_int(alert_batch_count(b), 0, "batch emptied");

	/* hook got all 3 in one row; quiet only the 2 firing ones. */
	{
		memset(&ri, 0, sizeof ri);
		store_outbox_due(st, NULL, 1793491200, 0, rows_cb, &ri);
		is_int(ri.n, 2, "one row per sink");
		for (i = 0; i < ri.n && i < 4; i++) {
			stored = cJSON_Parse(ri.payload[i]);
			cJSON *arr = cJSON_GetObjectItem(stored, "alerts");
			if (strcmp(ri.sink[i], "hook") == 0) {
				is_int(cJSON_GetArraySize(arr), 3,
				    "hook: 3 alerts in one message");
				s = alert_payload_v1(stored, "N1", 0);
				ok(strncmp(s, "{\"version\":1,\"source\":"
				    "\"cwguard\",\"account\":\"123456789012\","
				    "\"region\":\"us-east-1\",\"id\":\"N1\","
				    "\"alerts\":[{\"type\":\"alert\"", 101) == 0,
				    "payload v1 header exact");
				ok(strstr(s, "{\"type\":\"finding\",\"rule\":"
				    "\"aws-access-key-id\",\"log_group\":"
				    "\"/aws/lambda/orders\",\"log_stream\":"
				    "\"2026/11/01/[$LATEST]abc\",\"timestamp\":"
				    "\"2026-11-01T00:00:00Z\",\"redacted\":"
				    "\"AKIA************WXYZ\",\"fingerprint\":"
				    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				    "aaaaaaaaaaaaaaaaaaaaaa\",\"source\":"
				    "\"lambda\",\"count\":3,\"status\":\"firing\","
				    "\"kind\":\"secret\",\"alert_id\":") != NULL,
				    "payload v1 finding object exact");
				ok(strstr(s, "\"status\":\"resolved\"") != NULL,
				    "resolved alert in hook's message");
				ok(strstr(s, "\"seq\"") == NULL,
				    "no internal seq in payload v1");
				free(s);
			} else
				is_int(cJSON_GetArraySize(arr), 2,
				    "send_resolved=no: resolved left out");
			cJSON_Delete(stored);
			free(ri.payload[i]);
		}
	}
	alert_batch_free(b);
	store_close(st);
	unlink(path);
	freesink(hook);
	freesink(quiet);
}

static void
test_batch_cap(void)
{
	struct alert		 a;
	struct alert_batch	*b = alert_batch_new();
	struct config_sink	*hook = mksink("hook", CONFIG_SINK_WEBHOOK);
	struct config_sink	*sinks[] = { hook, NULL };
	struct store		*st;
	char			 path[256], err[256], *p;
	int			 i;
	struct rowinfo		 o;

	snprintf(path, sizeof path, "%s/cap.db", tmpdir);
	st = store_open(path, STORE_CREATE, err, sizeof err);
	for (i = 0; i < 250; i++) {
		char e[64];

		snprintf(e, sizeof e, "fn-%d", i);
		spike(&a, e);
		alert_batch_add(b, &a, sinks);
	}
	ok(alert_batch_enqueue(b, st, NULL, 1793491200, err, sizeof err) == 0,
	    "oversized batch enqueued");
	memset(&o, 0, sizeof o);
	store_outbox_due(st, NULL, 1793491200, 0, rows_cb, &o);
	ok(o.n == 1 && strlen(o.payload[0]) <= ALERT_BATCH_MAX_BYTES +
	    1024, "capped message size");
	{
		cJSON *j = cJSON_Parse(o.payload[0]);
		is_int(cJSON_GetArraySize(cJSON_GetObjectItem(j, "alerts")),
		    ALERT_BATCH_MAX_ALERTS, "at most 100 alerts shown");
		is_int(cJSON_GetObjectItem(j, "omitted")->valueint,
		    250 - ALERT_BATCH_MAX_ALERTS, "the rest counted as omitted");
		p = alert_payload_v1(j, "x", 0);
		ok(strstr(p, "\"omitted\":150") != NULL,
		    "payload v1 says omitted");
		free(p);
		cJSON_Delete(j);
	}
	free(o.payload[0]);
	alert_batch_free(b);
	store_close(st);
	unlink(path);
	freesink(hook);
}

static void
test_slack(void)
{
	struct config_sink	*s = mksink("slack", CONFIG_SINK_SLACK);
	struct sink_out		 o;
	struct alert		 a;
	cJSON			*stored, *j, *blocks, *bl, *t;
	char			 big[ALERT_NAME_MAX * 2];
	int			 nblocks, textok = 1, headerok = 0, more = 0;

	memset(big, 0, sizeof big);
	memset(big, 'x', sizeof big - 1);
	memcpy(big, "ordérs-<&>-", 12);
	spike(&a, big);
	stored = stored_many(&a, 120, 30);
	if (render(&sink_slack_ops, s, stored, &o) == 0) {
		j = cJSON_Parse(o.body.data);
		blocks = cJSON_GetObjectItem(j, "blocks");
		nblocks = cJSON_GetArraySize(blocks);
		ok(nblocks <= SINK_SLACK_BLOCKS_MAX && nblocks >= 3,
		    "slack: %d blocks <= 50", nblocks);
		cJSON_ArrayForEach(bl, blocks) {
			const char *type = cJSON_GetObjectItem(bl,
			    "type")->valuestring;
			t = cJSON_GetObjectItem(bl, "text");
			if (strcmp(type, "header") == 0)
				headerok = strlen(cJSON_GetObjectItem(t,
				    "text")->valuestring) <=
				    SINK_SLACK_HEADER_MAX && strcmp(
				    cJSON_GetObjectItem(t, "type")->valuestring,
				    "plain_text") == 0;
			if (t != NULL && strlen(cJSON_GetObjectItem(t,
			    "text")->valuestring) > SINK_SLACK_TEXT_MAX)
				textok = 0;
			if (t != NULL && strstr(cJSON_GetObjectItem(t,
			    "text")->valuestring, "and 103 more") != NULL)
				more = 1;
			cJSON *fl = cJSON_GetObjectItem(bl, "fields"), *f;
			if (fl != NULL && cJSON_GetArraySize(fl) >
			    SINK_SLACK_FIELDS_MAX)
				textok = 0;
			cJSON_ArrayForEach(f, fl)
				if (strlen(cJSON_GetObjectItem(f,
				    "text")->valuestring) >
				    SINK_SLACK_FIELD_MAX)
					textok = 0;
		}
		ok(headerok, "slack: header plain_text <= 150 bytes");
		ok(textok, "slack: every text <= 3000, fields <= 10 x 2000");
		ok(more, "slack: 47 shown, 'and 103 more'");
		t = cJSON_GetObjectItem(j, "text");
		ok(cJSON_IsString(t) && strlen(t->valuestring) <=
		    SINK_SLACK_TEXT_MAX && strstr(t->valuestring, "more"),
		    "slack: text fallback <= 3000 with 'and N more'");
		ok(strstr(o.body.data, "ordérs-&lt;&amp;&gt;") != NULL,
		    "slack: mrkdwn escaped, UTF-8 kept");
		ok(strcmp(o.url, "https://hooks.example.com/x") == 0,
		    "slack: posts to the sink url");
		cJSON_Delete(j);
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	freesink(s);
}

static void
test_sns(void)
{
	struct config_sink	*s = mksink("sns", CONFIG_SINK_SNS);
	struct sink_out		 o;
	struct alert		 a;
	cJSON			*stored, *msg;
	char			*subject, *message, *v, big[ALERT_NAME_MAX * 2];
	size_t			 i;
	int			 ascii = 1;

	/* One alert, a long Unicode name. */
	memset(big, 0, sizeof big);
	for (i = 0; i + 2 < 300; i += 2)
		memcpy(big + i, "é", 2);
	spike(&a, big);
	stored = stored_many(&a, 1, 0);
	if (render(&sink_sns_ops, s, stored, &o) == 0) {
		ok(o.aws, "sns: an AWS Query request");
		subject = form_get(o.body.data, "Subject");
		ok(subject != NULL && strlen(subject) < 100 &&
		    strlen(subject) > 10, "sns: Subject < 100 chars (%zu)",
		    subject ? strlen(subject) : 0);
		for (i = 0; subject != NULL && subject[i]; i++)
			if ((unsigned char)subject[i] >= 0x80 ||
			    (unsigned char)subject[i] < 0x20)
				ascii = 0;
		ok(ascii, "sns: Subject is ASCII without control chars");
		v = form_get(o.body.data,
		    "MessageAttributes.entry.1.Value.StringValue");
		is_str(v, "critical", "sns: severity attribute");
		free(v);
		v = form_get(o.body.data,
		    "MessageAttributes.entry.2.Value.StringValue");
		is_str(v, "spike", "sns: kind attribute");
		free(v);
		v = form_get(o.body.data,
		    "MessageAttributes.entry.2.Value.DataType");
		is_str(v, "String", "sns: DataType String");
		free(v);
		free(subject);
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);

	/* Over 256 KiB: truncated with a marker. */
	memset(big, 0, sizeof big);
	memset(big, 'z', 500);
	spike(&a, big);
	stored = stored_many(&a, 600, 0);
	if (render(&sink_sns_ops, s, stored, &o) == 0) {
		message = form_get(o.body.data, "Message");
		ok(message != NULL && strlen(message) <= SINK_SNS_MESSAGE_MAX,
		    "sns: message <= 256 KiB (%zu)", message ?
		    strlen(message) : 0);
		msg = cJSON_Parse(message);
		ok(msg != NULL, "sns: truncated message is still JSON");
		ok(cJSON_IsTrue(cJSON_GetObjectItem(msg, "truncated")),
		    "sns: truncation marker \"truncated\":true");
		ok(cJSON_GetObjectItem(msg, "omitted") != NULL &&
		    cJSON_GetObjectItem(msg, "omitted")->valueint +
		    cJSON_GetArraySize(cJSON_GetObjectItem(msg, "alerts")) ==
		    600, "sns: omitted + shown = 600");
		cJSON_Delete(msg);
		free(message);
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	freesink(s);
}

static void
test_webhook(void)
{
	struct config_sink	*s = mksink("hook", CONFIG_SINK_WEBHOOK);
	struct sink_out		 o;
	struct alert		 a;
	cJSON			*stored;
	char			 sig[128];
	const char		*id = NULL, *ts = NULL, *sg = NULL;
	size_t			 i;

	ok(sink_webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    "{\"test\": 2432232314}", 20, sig, sizeof sig) == 0,
	    "webhook: signature computed");
	is_str(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "webhook: Standard Webhooks known vector");
	ok(sink_webhook_signature("whsec_!!!!", "a", 1, "b", 1, sig,
	    sizeof sig) == -1, "webhook: bad whsec_ key refused");
	/* As the reference libraries: no prefix, still base64. */
	ok(sink_webhook_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    "{\"test\": 2432232314}", 20, sig, sizeof sig) == 0 &&
	    strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") ==
	    0, "webhook: a key without whsec_ is base64-decoded too");
	ok(sink_webhook_signature("plain-key", "a", 1, "b", 1, sig,
	    sizeof sig) == -1, "webhook: a key that is not base64 is refused");

	s->hmac_key.source = CONFIG_SECRET_LITERAL;
	s->hmac_key.value = xstrdup("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	s->headers = xcalloc(1, sizeof *s->headers);
	s->headers[0].name = xstrdup("X-Team");
	s->headers[0].value.value = xstrdup("ops");
	s->nheaders = 1;
	spike(&a, "orders");
	stored = stored_many(&a, 2, 0);
	if (render(&sink_webhook_ops, s, stored, &o) == 0) {
		for (i = 0; i < o.nheaders; i++) {
			if (strcmp(o.headers[i].name, "webhook-id") == 0)
				id = o.headers[i].value;
			if (strcmp(o.headers[i].name, "webhook-timestamp") == 0)
				ts = o.headers[i].value;
			if (strcmp(o.headers[i].name, "webhook-signature") == 0)
				sg = o.headers[i].value;
		}
		is_str(id, "0123456789abcdef0123456789abcdef",
		    "webhook: webhook-id is the notification id");
		is_str(ts, "1793491200", "webhook: webhook-timestamp");
		sink_webhook_signature(s->hmac_key.value, id, 1793491200,
		    o.body.data, o.body.len, sig, sizeof sig);
		is_str(sg, sig, "webhook: signature over id.timestamp.body");
		ok(o.nheaders == 5, "webhook: content-type, custom, 3 signing "
		    "headers");
		ok(strstr(o.body.data, "\"id\":\"0123456789abcdef0123456789"
		    "abcdef\"") != NULL, "webhook: body is payload v1 with id");
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	freesink(s);
}

static void
test_email(void)
{
	struct config_sink	*s = mksink("mail", CONFIG_SINK_EMAIL);
	struct sink_out		 o;
	struct alert		 a;
	cJSON			*stored;
	const char		*p;
	char			 ref[200] = "", subj[300] = "";
	int			 crlf = 1;

	spike(&a, "zahlungsdienst-\xc3\xbc\xc3\xb6");
	stored = stored_many(&a, 1, 0);
	if (render(&sink_email_ops, s, stored, &o) == 0) {
		ok(strncmp(o.body.data, "From: cwguard@example.com\r\nTo: "
		    "oncall@example.com,\r\n sec@example.com\r\nSubject: "
		    "=?UTF-8?B?", 85) == 0, "email: From, To, encoded Subject");
		ok(strstr(o.body.data, "\r\nDate: Sun, 01 Nov 2026 00:00:00 "
		    "+0000\r\n") != NULL, "email: RFC 5322 Date");
		ok(strstr(o.body.data, "\r\nMessage-ID: <0123456789abcdef"
		    "0123456789abcdef@example.com>\r\n") != NULL,
		    "email: Message-ID <id@sender-domain>");
		ok((p = strstr(o.body.data, "\r\nReferences: <incident."))
		    != NULL && strstr(o.body.data, "In-Reply-To:") == NULL,
		    "email: a firing mail References its incident, replies "
		    "to nothing");

		ok(strstr(o.body.data, "\r\nMIME-Version: 1.0\r\nContent-Type: "
		    "text/plain; charset=utf-8\r\n") != NULL,
		    "email: MIME text/plain UTF-8");
		for (p = o.body.data; (p = strchr(p, '\n')) != NULL; p++)
			if (p == o.body.data || p[-1] != '\r')
				crlf = 0;
		ok(crlf, "email: every line ends in CRLF");
		ok(o.require_tls, "email: STARTTLS required for a remote "
		    "smtp:// host");
		is_int(o.nrcpt, 2, "email: two recipients");
	}
	sink_out_cleanup(&o);
	free(s->smtp_url.value);
	s->smtp_url.value = xstrdup("smtp://127.0.0.1:2525");
	if (render(&sink_email_ops, s, stored, &o) == 0)
		ok(!o.require_tls, "email: loopback smtp:// without STARTTLS");
	sink_out_cleanup(&o);
	cJSON_Delete(stored);

	/* The resolved mail: same subject (a reply), same thread. */
	spike(&a, "checkout");
	stored = stored_many(&a, 1, 0);
	if (render(&sink_email_ops, s, stored, &o) == 0 &&
	    (p = strstr(o.body.data, "\r\nSubject: ")) != NULL) {
		util_strlcpy(subj, p + 11, sizeof subj);
		subj[strcspn(subj, "\r")] = '\0';
		if ((p = strstr(o.body.data, "\r\nReferences: ")) != NULL)
			util_strlcpy(ref, p + 14, sizeof ref);
		ref[strcspn(ref, "\r")] = '\0';
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	is_str(subj, "[cwguard] api/checkout-0 5xx", "email: the subject "
	    "names the incident, not its state");
	a.status = ALERT_RESOLVED;
	stored = stored_many(&a, 1, 0);
	if (render(&sink_email_ops, s, stored, &o) == 0) {
		ok(strstr(o.body.data, "\r\nSubject: Re: [cwguard] "
		    "api/checkout-0 5xx\r\n") != NULL,
		    "email: resolved: the same subject, as a reply");
		ok(ref[0] == '<' && (p = strstr(o.body.data,
		    "\r\nIn-Reply-To: ")) != NULL &&
		    strncmp(p + 15, ref, strlen(ref)) == 0 &&
		    strstr(o.body.data, "\r\nReferences: ") != NULL &&
		    strncmp(strstr(o.body.data, "\r\nReferences: ") + 14, ref,
		    strlen(ref)) == 0,
		    "email: resolved: In-Reply-To and References the firing "
		    "mail's thread (%s)", ref);
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	a.status = ALERT_FIRING;
	a.repeat = 1;
	stored = stored_many(&a, 1, 0);
	if (render(&sink_email_ops, s, stored, &o) == 0)
		ok(strstr(o.body.data, "\r\nSubject: Re: [cwguard] "
		    "api/checkout-0 5xx\r\n") != NULL &&
		    strstr(o.body.data, "\r\nIn-Reply-To: <incident.") != NULL,
		    "email: repeat: a reply in the same thread");
	sink_out_cleanup(&o);
	cJSON_Delete(stored);

	/* A display name: quoted in From:, the address alone as sender. */
	free(s->from);
	s->from = xstrdup("cwguard ops <cw@alerts.example.org>");
	stored = stored_many(&a, 1, 0);
	if (render(&sink_email_ops, s, stored, &o) == 0) {
		ok(strncmp(o.body.data, "From: cwguard ops "
		    "<cw@alerts.example.org>\r\n", 43) == 0,
		    "email: From: with the display name");
		is_str(o.mail_from, "cw@alerts.example.org",
		    "email: envelope sender is the address");
		ok(strstr(o.body.data, "@alerts.example.org>\r\n") != NULL,
		    "email: ids in the sender's domain");
	}
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	freesink(s);
}

static void
test_backoff(void)
{
	is_int(outbox_backoff(1), 10, "backoff 1: 10 s");
	is_int(outbox_backoff(2), 40, "backoff 2: 40 s");
	is_int(outbox_backoff(3), 90, "backoff 3: 90 s");
	is_int(outbox_backoff(13), 1690, "backoff 13: 1690 s");
	is_int(outbox_backoff(14), 1800, "backoff 14: capped at 30 min");
	is_int(outbox_backoff(1000000), 1800, "backoff huge: capped");
}

/* Made at run time so that no key-shaped literal sits in the source. */
static void
fake_key(char *out, size_t outlen)
{
	snprintf(out, outlen, "AKIA%s%s", "Q3EGRSLT", "5ZD6XN2W");
}

static void
test_redaction(void)
{
	char		 key[32], text[256], *s;
	struct alert	 a;
	const struct sink_ops *ops[] = { &sink_sns_ops, &sink_slack_ops,
	    &sink_webhook_ops, &sink_email_ops };
	enum config_sink_type types[] = { CONFIG_SINK_SNS, CONFIG_SINK_SLACK,
	    CONFIG_SINK_WEBHOOK, CONFIG_SINK_EMAIL };
	struct sink_out	 o;
	cJSON		*stored, *al;
	size_t		 i;
	int		 leaked = 0;

	fake_key(key, sizeof key);
	snprintf(text, sizeof text, "{\"x\":\"key=%s\"}", key);
	ok(alert_redact_text(text, strlen(text)) == 1,
	    "redaction: a raw AWS key is found");
	ok(strstr(text, key) == NULL && strstr(text, "AKIA") == NULL,
	    "redaction: and masked");
	al = cJSON_Parse(text);
	ok(al != NULL, "redaction: JSON stays valid");
	cJSON_Delete(al);

	spike(&a, "x");
	snprintf(a.entity, sizeof a.entity, "fn %s", key);
	snprintf(a.redacted, sizeof a.redacted, "plain");
	ok(alert_sanitize(&a) >= 2, "sanitize: key and bad preview masked");
	ok(strstr(a.entity, key) == NULL, "sanitize: entity has no key");
	spike(&a, "x");
	snprintf(a.entity, sizeof a.entity, "fn %s", key);
	s = alert_json(&a);
	ok(strstr(s, key) == NULL, "alert_json: no raw key");
	free(s);

	/* A stored message with a raw key bypassing sanitize. */
	spike(&a, "x");
	stored = stored_many(&a, 1, 0);
	al = cJSON_GetArrayItem(cJSON_GetObjectItem(stored, "alerts"), 0);
	cJSON_ReplaceItemInObject(al, "entity", cJSON_CreateString(key));
	for (i = 0; i < 4; i++) {
		struct config_sink *sk = mksink("s", types[i]);

		if (render(ops[i], sk, stored, &o) == 0 &&
		    (memmem(o.body.data, o.body.len, key, strlen(key)) != NULL ||
		    memmem(o.body.data, o.body.len, "AKIAQ3", 6) != NULL))
			leaked++;
		sink_out_cleanup(&o);
		freesink(sk);
	}
	is_int(leaked, 0, "every sink's rendering masks a raw key");
	cJSON_Delete(stored);
}

/* dense.log: every finding as an alert through every sink. */
struct dense {
	struct scanner	*sc;
	const char	*line;
	size_t		 len;
	cJSON		*arr;
	int		 n;
};

static int
dense_cb(const struct scanner_finding *f, void *arg)
{
	struct dense	*d = arg;
	struct alert	 a;
	char		 hex[65];
	cJSON		*o;

	alert_init(&a, ALERT_SECRET);
	util_strlcpy(a.source, "lambda", sizeof a.source);
	util_strlcpy(a.rule, f->rule, sizeof a.rule);
	util_strlcpy(a.log_group, "/aws/lambda/dense", sizeof a.log_group);
	util_strlcpy(a.redacted, f->redacted, sizeof a.redacted);
	util_hex(f->fingerprint, 32, hex);
	util_strlcpy(a.fingerprint, hex, sizeof a.fingerprint);
	/* Worst case: an upstream bug put the raw line in a text field. */
	if (f->lines_back == 0)
		memcpy(a.log_stream, d->line, d->len < sizeof a.log_stream ?
		    d->len : sizeof a.log_stream - 1);
	a.at = 1793491200;
	o = alert_to_cjson(&a);
	cJSON_AddItemToArray(d->arr, o);
	d->n++;
	return 0;
}

static void
test_dense(void)
{
	const char	*srcdir = getenv("SRCDIR");
	char		 path[512], err[256], *line = NULL, *rend;
	FILE		*fp;
	size_t		 cap = 0, i, k, nsecrets = 0, nrend = 0;
	ssize_t		 len;
	struct dense	 d;
	cJSON		*stored, *part, *arr, *tr, *v;
	char		**secrets = NULL;
	int		 leaks = 0, chunk;
	const struct sink_ops *ops[] = { &sink_sns_ops, &sink_slack_ops,
	    &sink_webhook_ops, &sink_email_ops };
	enum config_sink_type types[] = { CONFIG_SINK_SNS, CONFIG_SINK_SLACK,
	    CONFIG_SINK_WEBHOOK, CONFIG_SINK_EMAIL };
	struct sink_out	 o;

	/* 900 lines of the team's dense dev corpus that hold secrets. */
	snprintf(path, sizeof path, "%s/tests/data/scanner/dense-sample.txt",
	    srcdir != NULL ? srcdir : ".");
	if (!ok((fp = fopen(path, "r")) != NULL, "open %s", path))
		return;
	memset(&d, 0, sizeof d);
	d.sc = scanner_new(NULL, err, sizeof err);
	d.arr = cJSON_CreateArray();
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		d.line = line;
		d.len = (size_t)len;
		scanner_scan_line(d.sc, line, (size_t)len, dense_cb, &d);
	}
	scanner_finish(d.sc, dense_cb, &d);
	fclose(fp);
	ok(d.n > 500, "dense-sample.txt: %d findings made into alerts", d.n);

	snprintf(path, sizeof path,
	    "%s/tests/data/scanner/dense-sample-truth.jsonl",
	    srcdir != NULL ? srcdir : ".");
	if ((fp = fopen(path, "r")) != NULL) {
		while ((len = getline(&line, &cap, fp)) > 0) {
			tr = cJSON_Parse(line);
			v = cJSON_GetObjectItem(tr, "label");
			if (cJSON_IsString(v) && strcmp(v->valuestring,
			    "secret") == 0 && cJSON_IsString(
			    cJSON_GetObjectItem(tr, "secret"))) {
				secrets = xreallocarray(secrets, nsecrets + 1,
				    sizeof *secrets);
				secrets[nsecrets++] = xstrdup(
				    cJSON_GetObjectItem(tr,
				    "secret")->valuestring);
			}
			cJSON_Delete(tr);
		}
		fclose(fp);
	}
	ok(nsecrets > 900, "dense truth: %zu secrets", nsecrets);

	/* Messages of 40 alerts each, through each sink. */
	chunk = 40;
	for (i = 0; i < (size_t)d.n; i += (size_t)chunk) {
		stored = stored_many(&(struct alert){ 0 }, 0, 0);
		arr = cJSON_GetObjectItem(stored, "alerts");
		for (k = i; k < i + (size_t)chunk && k < (size_t)d.n; k++) {
			part = cJSON_Duplicate(cJSON_GetArrayItem(d.arr,
			    (int)k), 1);
			cJSON_AddItemToArray(arr, part);
		}
		for (k = 0; k < 4; k++) {
			struct config_sink *sk = mksink("s", types[k]);

			if (render(ops[k], sk, stored, &o) == 0) {
				nrend++;
				rend = o.body.data;
				if (ops[k] == &sink_sns_ops) {
					rend = form_get(o.body.data, "Message");
					for (size_t q = 0; q < nsecrets; q++)
						if (strstr(rend, secrets[q]))
							leaks++;
					free(rend);
				} else
					for (size_t q = 0; q < nsecrets; q++)
						if (memmem(o.body.data,
						    o.body.len, secrets[q],
						    strlen(secrets[q])))
							leaks++;
			}
			sink_out_cleanup(&o);
			freesink(sk);
		}
		cJSON_Delete(stored);
	}
	ok(nrend > 50, "dense: %zu renderings", nrend);
	is_int(leaks, 0, "dense: no truth secret in any rendering");
	for (i = 0; i < nsecrets; i++)
		util_free_secret(secrets[i]);
	free(secrets);
	free(line);
	cJSON_Delete(d.arr);
	scanner_free(d.sc);
}

/*
 * A metric watch's alert says its rule and band in every rendering: the
 * JSON object (and back), the summary, Slack, email; static and absence
 * read as such.
 */
static void
test_metric_why(void)
{
	struct config_sink	*sl = mksink("slack", CONFIG_SINK_SLACK);
	struct config_sink	*em = mksink("mail", CONFIG_SINK_EMAIL);
	struct sink_out		 o;
	struct alert		 a, b;
	cJSON			*j, *stored;
	char			 line[512];

	alert_init(&a, ALERT_SPIKE);
	util_strlcpy(a.watch, "cpu", sizeof a.watch);
	util_strlcpy(a.entity, "i-0abc", sizeof a.entity);
	util_strlcpy(a.signal, "value", sizeof a.signal);
	a.at = 1793491200;
	a.value = 95;
	a.baseline = 19.875;
	a.score = 18.5;
	a.band_lo = 10.67;
	a.band_hi = 27.13;
	util_strlcpy(a.rule, "z-score", sizeof a.rule);
	j = alert_to_cjson(&a);
	ok(alert_from_cjson(j, &b) == 0 && b.band_lo == a.band_lo &&
	    b.band_hi == a.band_hi && strcmp(b.rule, "z-score") == 0 &&
	    b.value == 95 && b.baseline == 19.875,
	    "metric alert: rule and band survive the JSON form");
	cJSON_Delete(j);
	alert_why(&a, line, sizeof line);
	is_str(line, "z-score: 95 outside 10.67 .. 27.13 (median 19.875, "
	    "score 18.5)", "why: the value, its band, the median, the score");
	alert_summary(&a, line, sizeof line);
	ok(strstr(line, "cpu/i-0abc value: z-score: 95 outside") != NULL,
	    "summary says why: %s", line);
	stored = stored_many(&a, 1, 0);
	if (render(&sink_slack_ops, sl, stored, &o) == 0)
		ok(strstr(o.body.data, "z-score: 95 outside 10.67 .. 27.13") !=
		    NULL && strstr(o.body.data, "*Rule*") != NULL,
		    "slack: Rule and Why fields");
	sink_out_cleanup(&o);
	if (render(&sink_email_ops, em, stored, &o) == 0)
		ok(strstr(o.body.data, "  rule:        z-score\r\n") != NULL &&
		    strstr(o.body.data, "  why:         z-score: 95 outside") !=
		    NULL, "email: rule and why lines");
	sink_out_cleanup(&o);
	cJSON_Delete(stored);

	a.band_lo = NAN;
	a.band_hi = 3000;
	a.value = 4100;
	util_strlcpy(a.rule, "static", sizeof a.rule);
	is_str(alert_why(&a, line, sizeof line), "static: 4100 above 3000",
	    "why: static above");
	j = alert_to_cjson(&a);
	ok(cJSON_IsNull(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "band"), 0)),
	    "JSON: an open band end is null");
	cJSON_Delete(j);
	a.value = 1200;
	a.band_hi = 900;
	util_strlcpy(a.rule, "absence", sizeof a.rule);
	is_str(alert_why(&a, line, sizeof line), "absence: no datapoint for "
	    "20m (missing_after 15m)", "why: absence");
	a.value = 0;
	is_str(alert_why(&a, line, sizeof line), "absence: datapoints again "
	    "(missing_after 15m)", "why: absence resolved");
	a.value = 128;
	a.band_lo = NAN;
	a.band_hi = 130;
	util_strlcpy(a.rule, "static", sizeof a.rule);
	is_str(alert_why(&a, line, sizeof line), "static: 128 not above 130",
	    "why: static resolved");
	util_strlcpy(a.rule, "drop", sizeof a.rule);
	a.value = 0;
	a.baseline = 3000;
	a.band_lo = 1000;
	a.score = 1e-300;
	is_str(alert_why(&a, line, sizeof line), "drop: 0 requests, at most "
	    "1000 of 3000 expected (p 1e-300)", "why: drop");
	spike(&a, "orders");
	is_str(alert_why(&a, line, sizeof line), "", "why: none for a count "
	    "watch");
	freesink(sl);
	freesink(em);
}

/* Why a count alert fired, in every rendering (issue 13). */
static void
test_why(void)
{
	struct config_sink	*sl = mksink("slack", CONFIG_SINK_SLACK);
	struct config_sink	*em = mksink("mail", CONFIG_SINK_EMAIL);
	struct sink_out		 o;
	struct alert		 a, b;
	cJSON			*j, *stored;
	char			*js, line[512];

	spike(&a, "orders");
	js = alert_json(&a);
	ok(js != NULL && strstr(js, "\"trigger\"") == NULL &&
	    strstr(js, "\"llr\"") == NULL && strstr(js, "span_") == NULL,
	    "why: an alert without a test has none of the new keys");
	free(js);
	util_strlcpy(a.trigger, "sequential", sizeof a.trigger);
	a.span_start = 1793491200 - 34 * 60;
	a.span_periods = 34;
	a.llr = 10.25;
	js = alert_json(&a);
	ok(js != NULL && strstr(js, "\"trigger\":\"sequential\"") != NULL &&
	    strstr(js, "\"span_start\":\"2026-10-31T23:26:00Z\"") != NULL &&
	    strstr(js, "\"span_periods\":34") != NULL &&
	    strstr(js, "\"llr\":10.25") != NULL &&
	    strstr(js, "\"errors\":37") != NULL &&
	    strstr(js, "\"p_value\":") != NULL,
	    "why: JSON has trigger, span_start, span_periods, llr beside "
	    "errors, requests and p_value");
	j = cJSON_Parse(js);
	ok(j != NULL && alert_from_cjson(j, &b) == 0 &&
	    strcmp(b.trigger, "sequential") == 0 &&
	    b.span_start == a.span_start && b.span_periods == 34 &&
	    b.llr == 10.25, "why: the fields come back from the JSON");
	cJSON_Delete(j);
	free(js);
	alert_summary(&a, line, sizeof line);
	ok(strstr(line, "37/310, sequential over 34 periods)") != NULL,
	    "why: the summary names the test and span");
	stored = stored_many(&a, 1, 0);
	if (render(&sink_slack_ops, sl, stored, &o) == 0)
		ok(strstr(o.body.data, "sequential, 34 periods") != NULL &&
		    strstr(o.body.data, "Log-likelihood ratio") != NULL &&
		    strstr(o.body.data, "2026-10-31T23:26:00Z") != NULL,
		    "why: Slack fields Test (with its start), Log-likelihood ratio");
	sink_out_cleanup(&o);
	if (render(&sink_email_ops, em, stored, &o) == 0)
		ok(strstr(o.body.data, "test:        sequential, 34 period(s) "
		    "from 2026-10-31T23:26:00Z") != NULL &&
		    strstr(o.body.data, "log-likelihood ratio: 10.2") != NULL,
		    "why: email lines test and log-likelihood ratio");
	sink_out_cleanup(&o);
	cJSON_Delete(stored);
	freesink(sl);
	freesink(em);
}

int
main(void)
{
	log_init(LOG_LEVEL_ERROR, 0);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_backoff();
	test_payload();
	test_batch_cap();
	test_slack();
	test_sns();
	test_webhook();
	test_email();
	test_redaction();
	test_dense();
	test_metric_why();
	test_why();
	alert_cleanup();
	rmdir(tmpdir);
	return tap_done();
}
