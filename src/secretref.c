#include "autoconf.h"

#include <sys/queue.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "config.h"
#include "log.h"
#include "secretref.h"
#include "util.h"
#include "xmalloc.h"

struct secretref_entry {
	char			*id;
	char			*value;		/* SecretString (secret) */
	time_t			 fetched;
	TAILQ_ENTRY(secretref_entry) entry;
};

struct secretref {
	struct aws		*aws;
	int64_t			 ttl;
	TAILQ_HEAD(, secretref_entry) cache;
	int			 ncached;
};

/* One resolve pass over a config. */
struct secretref_pass {
	struct secretref	*sr;
	struct config		*cfg;
	time_t			 now;
	int			 pending;
	int			 failed;
	char			 first_error[400];
	secretref_cb		 done;
	void			*arg;
};

struct secretref_fetch {
	struct secretref_pass	*pass;
	char			*id;
};

struct secretref *
secretref_new(struct aws *aws, int64_t ttl)
{
	struct secretref	*sr = xcalloc(1, sizeof *sr);

	sr->aws = aws;
	sr->ttl = ttl > 0 ? ttl : 3600;
	TAILQ_INIT(&sr->cache);
	return sr;
}

void
secretref_free(struct secretref *sr)
{
	struct secretref_entry	*e;

	if (sr == NULL)
		return;
	while ((e = TAILQ_FIRST(&sr->cache)) != NULL) {
		TAILQ_REMOVE(&sr->cache, e, entry);
		free(e->id);
		util_free_secret(e->value);
		free(e);
	}
	free(sr);
}

int
secretref_cached(const struct secretref *sr)
{
	return sr->ncached;
}

static struct secretref_entry *
secretref_lookup(struct secretref *sr, const char *id)
{
	struct secretref_entry	*e;

	TAILQ_FOREACH(e, &sr->cache, entry)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* Every secret slot of a config, in a fixed order. */
static int
secretref_slots(struct config *cfg, struct config_secret **out, int max)
{
	struct config_sink	*s;
	size_t			 i;
	int			 n = 0;

	TAILQ_FOREACH(s, &cfg->sinks, entry) {
		if (n + 5 + (int)s->nheaders > max)
			break;
		out[n++] = &s->key;
		out[n++] = &s->url;
		out[n++] = &s->hmac_key;
		out[n++] = &s->smtp_url;
		out[n++] = &s->password;
		for (i = 0; i < s->nheaders; i++)
			out[n++] = &s->headers[i].value;
	}
	return n;
}

/*
 * Extracts the value for one reference from a cached SecretString: the
 * whole string, or the member json_key of the JSON object it holds.
 */
static int
secretref_apply(struct config_secret *cs, const char *secret, char *err,
    size_t errlen)
{
	cJSON	*j, *m;
	char	 num[64];

	if (cs->json_key == NULL) {
		util_free_secret(cs->value);
		cs->value = xstrdup(secret);
		return 0;
	}
	if ((j = cJSON_Parse(secret)) == NULL || !cJSON_IsObject(j)) {
		snprintf(err, errlen, "secret %s is not a JSON object, so "
		    "#%s cannot be read from it", cs->id, cs->json_key);
		cJSON_Delete(j);
		return -1;
	}
	m = cJSON_GetObjectItemCaseSensitive(j, cs->json_key);
	util_free_secret(cs->value);
	cs->value = NULL;
	if (cJSON_IsString(m))
		cs->value = xstrdup(m->valuestring);
	else if (cJSON_IsNumber(m)) {
		snprintf(num, sizeof num, "%.17g", m->valuedouble);
		cs->value = xstrdup(num);
	}
	/* Wipe the parsed copy of the whole secret. */
	for (m = j->child; m != NULL; m = m->next)
		if (cJSON_IsString(m))
			util_wipe(m->valuestring, strlen(m->valuestring));
	cJSON_Delete(j);
	if (cs->value == NULL) {
		snprintf(err, errlen, "secret %s has no string key '%s'",
		    cs->id, cs->json_key);
		return -1;
	}
	return 0;
}

/* Applies the cache to every reference; counts the ones still missing. */
static void
secretref_fill(struct secretref_pass *p)
{
	struct config_secret	*slots[512];
	struct secretref_entry	*e;
	char			 err[400];
	int			 n, i;

	n = secretref_slots(p->cfg, slots, 512);
	for (i = 0; i < n; i++) {
		if (slots[i]->source != CONFIG_SECRET_SECRETSMANAGER)
			continue;
		if ((e = secretref_lookup(p->sr, slots[i]->id)) == NULL) {
			if (slots[i]->value == NULL) {
				p->failed++;
				if (p->first_error[0] == '\0')
					snprintf(p->first_error,
					    sizeof p->first_error, "secret %s "
					    "could not be fetched",
					    slots[i]->id);
			}
			continue;
		}
		if (secretref_apply(slots[i], e->value, err, sizeof err) ==
		    -1) {
			p->failed++;
			if (p->first_error[0] == '\0')
				util_strlcpy(p->first_error, err,
				    sizeof p->first_error);
		}
	}
}

static void
secretref_pass_finish(struct secretref_pass *p)
{
	secretref_fill(p);
	p->done(p->failed, p->first_error[0] ? p->first_error : NULL, p->arg);
	free(p);
}

static void
secretref_fetched(const struct aws_result *r, void *arg)
{
	struct secretref_fetch	*f = arg;
	struct secretref_pass	*p = f->pass;
	struct secretref_entry	*e;
	cJSON			*j = NULL, *ss;
	char			 e2[600];

	if (!r->ok) {
		if (p->first_error[0] == '\0')
			snprintf(p->first_error, sizeof p->first_error,
			    "secret %s: %s", f->id, aws_error_format(&r->error,
			    e2, sizeof e2));
		log_warn("secretsmanager: %s: %s (keeping any cached value)",
		    f->id, r->error.code);
		goto done;
	}
	if ((j = cJSON_ParseWithLength(r->body, r->len)) == NULL ||
	    !cJSON_IsString(ss = cJSON_GetObjectItemCaseSensitive(j,
	    "SecretString"))) {
		if (p->first_error[0] == '\0')
			snprintf(p->first_error, sizeof p->first_error,
			    "secret %s: reply has no SecretString (binary "
			    "secrets are not supported)", f->id);
		goto done;
	}
	if ((e = secretref_lookup(p->sr, f->id)) == NULL) {
		e = xcalloc(1, sizeof *e);
		e->id = xstrdup(f->id);
		TAILQ_INSERT_TAIL(&p->sr->cache, e, entry);
		p->sr->ncached++;
	}
	util_free_secret(e->value);
	e->value = xstrdup(ss->valuestring);
	e->fetched = p->now;
	util_wipe(ss->valuestring, strlen(ss->valuestring));
done:
	cJSON_Delete(j);
	free(f->id);
	free(f);
	if (--p->pending == 0)
		secretref_pass_finish(p);
}

int
secretref_resolve(struct secretref *sr, struct config *cfg, time_t now,
    secretref_cb done, void *arg)
{
	struct config_secret	*slots[512];
	struct secretref_pass	*p;
	struct secretref_entry	*e;
	struct secretref_fetch	*f;
	cJSON			*req;
	char			*body, err[300];
	int			 n, i, j, refs = 0, dup;

	p = xcalloc(1, sizeof *p);
	p->sr = sr;
	p->cfg = cfg;
	p->now = now;
	p->done = done;
	p->arg = arg;
	p->pending = 1;		/* held until every fetch is queued */
	n = secretref_slots(cfg, slots, 512);
	for (i = 0; i < n; i++) {
		if (slots[i]->source != CONFIG_SECRET_SECRETSMANAGER)
			continue;
		refs++;
		e = secretref_lookup(sr, slots[i]->id);
		if (e != NULL && now - e->fetched < sr->ttl)
			continue;
		for (dup = 0, j = 0; j < i; j++)
			if (slots[j]->source == CONFIG_SECRET_SECRETSMANAGER &&
			    strcmp(slots[j]->id, slots[i]->id) == 0)
				dup = 1;
		if (dup)
			continue;
		f = xcalloc(1, sizeof *f);
		f->pass = p;
		f->id = xstrdup(slots[i]->id);
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "SecretId", f->id);
		body = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
		p->pending++;
		if (aws_call_json(sr->aws, AWS_SVC_SECRETSMANAGER,
		    "GetSecretValue", body, secretref_fetched, f, err,
		    sizeof err) == -1) {
			p->pending--;
			if (p->first_error[0] == '\0')
				util_strlcpy(p->first_error, err,
				    sizeof p->first_error);
			free(f->id);
			free(f);
		}
		free(body);
	}
	if (--p->pending == 0)
		secretref_pass_finish(p);
	return refs;
}
