/*
 * The accounts of leaked AWS key ids from sts:GetAccessKeyInfo (see
 * scan_confirm.h). One request at a time, driven to completion on the
 * process loop; answers are cached by fingerprint, never by key id.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_proto.h"
#include "awsstack.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "scan_confirm.h"
#include "util.h"
#include "xmalloc.h"

#define CONFIRM_TIMEOUT	30.0

struct confirm_entry {
	unsigned char	 fp[32];
	char		 account[13];	/* "" AWS did not know it */
};

struct scan_confirm {
	struct awsstack		 st;
	char			 self[13];
	struct confirm_entry	 cache[SCAN_CONFIRM_MAX];
	size_t			 n;
};

struct confirm_call {
	int		 done;
	int		 ok;		/* 1 answer, 0 not known, -1 failed */
	char		 path[128];	/* XML path of the account */
	char		 account[13];
	char		 err[300];
};

static int
call_done(void *arg)
{
	return ((struct confirm_call *)arg)->done;
}

static int
account_ok(const char *v)
{
	return v != NULL && strlen(v) == 12 && strspn(v, "0123456789") == 12;
}

static void
call_cb(const struct aws_result *r, void *arg)
{
	struct confirm_call	*c = arg;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	struct aws_xml		*x = NULL;
	const char		*v;

	c->done = 1;
	if (!r->ok) {
		/* A key id AWS does not take: no account, not a failure. */
		if (strcmp(r->error.code, "InvalidParameterValue") == 0 ||
		    strcmp(r->error.code, "ValidationError") == 0) {
			c->ok = 0;
			return;
		}
		c->ok = -1;
		aws_error_format(&r->error, c->err, sizeof c->err);
		return;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = r->http_status;
	reply.body = r->body;
	reply.len = r->len;
	if (aws_xml_reply(&reply, "sts", &x, &ae) == -1) {
		c->ok = -1;
		aws_error_format(&ae, c->err, sizeof c->err);
		return;
	}
	v = aws_xml_get(x, c->path);
	if (account_ok(v)) {
		util_strlcpy(c->account, v, sizeof c->account);
		c->ok = 1;
	} else {
		c->ok = -1;
		snprintf(c->err, sizeof c->err, "reply without an account");
	}
	aws_xml_free(x);
}

/*
 * One STS call; param may be NULL. Returns the finished call (caller
 * frees), or NULL with err when it could not be made or did not finish
 * in time (then it is left to its callback, which writes into it later).
 */
static struct confirm_call *
sts_call(struct scan_confirm *sc, const char *action, const char *param,
    const char *value, char *err, size_t errlen)
{
	struct confirm_call	*c;
	struct buf		 body;
	char			 e[300];

	c = xcalloc(1, sizeof *c);
	snprintf(c->path, sizeof c->path, "%sResponse/%sResult/Account",
	    action, action);
	buf_init(&body, 1024);
	if (aws_query_begin(&body, action, "2011-06-15") == -1 ||
	    (param != NULL && aws_query_add(&body, param, value) == -1)) {
		buf_cleanup(&body);
		free(c);
		snprintf(err, errlen, "%s: request too long", action);
		return NULL;
	}
	if (aws_call_query(sc->st.aws, AWS_SVC_STS, action, body.data,
	    body.len, call_cb, c, e, sizeof e) == -1) {
		util_wipe(body.data, body.len);
		buf_cleanup(&body);
		free(c);
		snprintf(err, errlen, "sts:%s: %s", action, e);
		return NULL;
	}
	util_wipe(body.data, body.len);
	buf_cleanup(&body);
	if (!c->done && loop_run_until(call_done, c, CONFIRM_TIMEOUT) == -1 &&
	    !c->done) {
		snprintf(err, errlen, "sts:%s: no answer within %.0f s", action,
		    CONFIRM_TIMEOUT);
		return NULL;
	}
	if (c->ok == -1) {
		snprintf(err, errlen, "sts:%s: %s", action, c->err);
		free(c);
		return NULL;
	}
	return c;
}

struct scan_confirm *
scan_confirm_new(const struct config *cfg, char *err, size_t errlen)
{
	struct scan_confirm	*sc;
	struct confirm_call	*c;

	sc = xcalloc(1, sizeof *sc);
	if (awsstack_open(&sc->st, cfg, 0, err, errlen) == -1) {
		free(sc);
		return NULL;
	}
	if ((c = sts_call(sc, "GetCallerIdentity", NULL, NULL, err,
	    errlen)) == NULL)
		goto fail;
	if (c->ok != 1) {
		free(c);
		snprintf(err, errlen, "sts:GetCallerIdentity: no account");
		goto fail;
	}
	util_strlcpy(sc->self, c->account, sizeof sc->self);
	free(c);
	return sc;
fail:
	scan_confirm_free(sc);
	return NULL;
}

void
scan_confirm_free(struct scan_confirm *sc)
{
	if (sc == NULL)
		return;
	awsstack_close(&sc->st);
	util_wipe(sc->cache, sizeof sc->cache);
	free(sc);
}

const char *
scan_confirm_self(const struct scan_confirm *sc)
{
	return sc->self;
}

int
scan_confirm_key(struct scan_confirm *sc, const char *id, size_t len,
    const unsigned char fp[32], char out[13], char *err, size_t errlen)
{
	struct confirm_call	*c;
	char			 kid[129];
	size_t			 i;
	int			 ok;

	out[0] = '\0';
	for (i = 0; i < sc->n; i++)
		if (memcmp(sc->cache[i].fp, fp, 32) == 0) {
			util_strlcpy(out, sc->cache[i].account, 13);
			return out[0] != '\0';
		}
	if (sc->n == SCAN_CONFIRM_MAX || len == 0 || len >= sizeof kid)
		return 0;
	memcpy(kid, id, len);
	kid[len] = '\0';
	c = sts_call(sc, "GetAccessKeyInfo", "AccessKeyId", kid, err,
	    errlen);
	util_wipe(kid, sizeof kid);
	if (c == NULL)
		return -1;
	ok = c->ok == 1;
	memcpy(sc->cache[sc->n].fp, fp, 32);
	util_strlcpy(sc->cache[sc->n].account, ok ? c->account : "",
	    sizeof sc->cache[sc->n].account);
	sc->n++;
	if (ok)
		util_strlcpy(out, c->account, 13);
	free(c);
	return ok;
}
