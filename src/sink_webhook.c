/*
 * Webhook sink: POST payload v1 as JSON, custom headers, and with an
 * hmac_key the Standard Webhooks headers webhook-id (the notification
 * id), webhook-timestamp and webhook-signature. The key is read as the
 * Standard Webhooks reference libraries read it: an optional "whsec_"
 * prefix stripped, the rest base64 (util_webhook_key()).
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alert.h"
#include "log.h"
#include "sink.h"
#include "util.h"
#include "xmalloc.h"

#define WEBHOOK_BODY_MAX	(1024 * 1024)

int
sink_webhook_signature(const char *key, const char *id, long long ts,
    const char *body, size_t len, char *out, size_t outlen)
{
	unsigned char	 k[512], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 klen;
	struct buf	 msg;
	char		 tss[32], b64[64];
	int		 rc = -1;

	if (util_webhook_key(key, k, sizeof k, &klen) == -1)
		return -1;
	snprintf(tss, sizeof tss, "%lld", ts);
	buf_init(&msg, strlen(id) + strlen(tss) + len + 8);
	if (buf_printf(&msg, "%s.%s.", id, tss) == -1 ||
	    buf_append(&msg, body, len) == -1)
		goto done;
	if (HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)msg.data,
	    msg.len, md, &mdlen) == NULL)
		goto done;
	EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	if ((size_t)snprintf(out, outlen, "v1,%s", b64) >= outlen)
		goto done;
	rc = 0;
done:
	buf_cleanup(&msg);
	util_wipe(k, sizeof k);
	util_wipe(md, sizeof md);
	return rc;
}

static int
webhook_render(const struct config_sink *s, const struct sink_msg *m,
    struct sink_out *o, char *err, size_t errlen)
{
	char	*payload, sig[128], ts[32];
	size_t	 i;

	if (s->url.value == NULL) {
		snprintf(err, errlen, "url not resolved");
		return -1;
	}
	if ((payload = alert_payload_v1(m->stored, m->id,
	    WEBHOOK_BODY_MAX)) == NULL) {
		snprintf(err, errlen, "malformed stored notification");
		return -1;
	}
	(void)alert_redact_text(payload, strlen(payload));
	buf_init(&o->body, WEBHOOK_BODY_MAX);
	if (buf_puts(&o->body, payload) == -1) {
		free(payload);
		snprintf(err, errlen, "payload too large");
		return -1;
	}
	free(payload);
	o->url = s->url.value;
	sink_out_header(o, "Content-Type", "application/json");
	for (i = 0; i < s->nheaders; i++) {
		if (s->headers[i].value.value == NULL) {
			snprintf(err, errlen, "header %s not resolved",
			    s->headers[i].name);
			return -1;
		}
		if (sink_out_header(o, s->headers[i].name,
		    s->headers[i].value.value) == -1) {
			snprintf(err, errlen, "too many headers");
			return -1;
		}
	}
	if (s->hmac_key.source != CONFIG_SECRET_NONE) {
		if (s->hmac_key.value == NULL) {
			snprintf(err, errlen, "hmac_key not resolved");
			return -1;
		}
		if (sink_webhook_signature(s->hmac_key.value, m->id,
		    (long long)m->now, o->body.data, o->body.len, sig,
		    sizeof sig) == -1) {
			snprintf(err, errlen, "hmac_key unusable (must be "
			    "base64, optionally prefixed whsec_)");
			return -1;
		}
		snprintf(ts, sizeof ts, "%lld", (long long)m->now);
		sink_out_header(o, "webhook-id", m->id);
		sink_out_header(o, "webhook-timestamp", ts);
		sink_out_header(o, "webhook-signature", sig);
		util_wipe(sig, sizeof sig);
	}
	return 0;
}

const struct sink_ops sink_webhook_ops = {
	CONFIG_SINK_WEBHOOK, webhook_render, sink_classify_http
};
