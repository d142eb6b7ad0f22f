/*
 * Loading the config: config_read.c collects the sections as written;
 * here each section is built once its kind is known, driven by the key
 * table of config_keys.c (unknown, misplaced and duplicate keys, defaults,
 * required keys, checks across keys), then sinks are resolved.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"
#include "xmalloc.h"

static const char *
section_label(const struct config_raw_section *sec, char *out, size_t outlen)
{
	if (sec->name == NULL)
		snprintf(out, outlen, "[%s]", config_section_name(sec->kind));
	else
		snprintf(out, outlen, "[%s %s]", config_section_name(sec->kind),
		    sec->name);
	return out;
}

/* The kinds (watch) or types (sink) in bits, as "lambda, apigw". */
static const char *
kinds_text(enum config_section s, unsigned bits, char *out, size_t outlen)
{
	unsigned	i;

	out[0] = '\0';
	for (i = 0; i < (s == CONFIG_SECTION_WATCH ? 4U : 7U); i++) {
		if (!(bits & (1U << i)))
			continue;
		snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
		    out[0] != '\0' ? ", " : "", s == CONFIG_SECTION_WATCH ?
		    config_watch_kind_name(i) : config_sink_type_name(i));
	}
	return out;
}

static int
kind_of(const struct config_raw_section *sec)
{
	unsigned	i;

	for (i = 0; i < 32; i++) {
		if (sec->kindbit == (1U << i))
			return (int)i;
	}
	return -1;
}

static const char *
kind_name(const struct config_raw_section *sec)
{
	return sec->kind == CONFIG_SECTION_WATCH ?
	    config_watch_kind_name(kind_of(sec)) :
	    config_sink_type_name(kind_of(sec));
}

static void
section_obj(struct config_loader *l, struct config_raw_section *sec)
{
	struct config_watch	*w;
	struct config_logs	*lg;
	struct config_sink	*sk;
	struct config_mute	*mu;

	switch (sec->kind) {
	case CONFIG_SECTION_CWGUARD:
	case CONFIG_SECTION_AWS:
		sec->obj = l->cfg;
		break;
	case CONFIG_SECTION_WATCH:
		w = xcalloc(1, sizeof *w);
		w->name = xstrdup(sec->name);
		w->line = sec->line;
		w->above = w->below = NAN;
		TAILQ_INSERT_TAIL(&l->cfg->watches, w, entry);
		sec->obj = w;
		break;
	case CONFIG_SECTION_LOGS:
		lg = xcalloc(1, sizeof *lg);
		lg->name = xstrdup(sec->name);
		lg->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->logs, lg, entry);
		sec->obj = lg;
		break;
	case CONFIG_SECTION_MUTE:
		mu = xcalloc(1, sizeof *mu);
		mu->name = xstrdup(sec->name);
		mu->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->mutes, mu, entry);
		sec->obj = mu;
		break;
	case CONFIG_SECTION_SINK:
		sk = xcalloc(1, sizeof *sk);
		sk->name = xstrdup(sec->name);
		sk->line = sec->line;
		TAILQ_INSERT_TAIL(&l->cfg->sinks, sk, entry);
		sec->obj = sk;
		break;
	}
}

static const char *
kind_key(enum config_section s)
{
	if (s == CONFIG_SECTION_WATCH)
		return "kind";
	if (s == CONFIG_SECTION_SINK)
		return "type";
	return NULL;
}

/* The "kind" / "type" key, parsed before every other key. */
static size_t
section_kind(struct config_loader *l, struct config_raw_section *sec, const char *kk)
{
	const struct config_key	*keys, *k = NULL;
	size_t			 nkeys, i;
	char			 choices[256];
	int			 kind;

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++) {
		if (keys[i].section == sec->kind && strcmp(keys[i].name, kk) == 0)
			k = &keys[i];
	}
	for (i = 0; i < sec->nentries; i++) {
		if (strcmp(sec->entries[i].key, kk) == 0)
			break;
	}
	if (i == sec->nentries) {
		config_error(l, sec->line, "missing required key '%s' (%s)", kk,
		    config_choices_text(k->choices, choices, sizeof choices));
		return i;
	}
	sec->seen[k - keys] = sec->entries[i].line;
	kind = config_choice_index(k->choices, sec->entries[i].value);
	config_parse_value(l, sec, k, sec->entries[i].value, sec->entries[i].line);
	if (kind != -1)
		sec->kindbit = 1U << kind;
	return i;
}

static void
section_checks(struct config_loader *l, struct config_raw_section *sec)
{
	struct config_logs	*lg;
	struct config_sink	*sk;
	struct config_watch	*w;
	const struct config_key	*keys;
	size_t			 nkeys, i;
	int			 line = sec->line;
	char			 a[32], b[32];

	keys = config_keys(&nkeys);
	switch (sec->kind) {
	case CONFIG_SECTION_LOGS:
		lg = sec->obj;
		for (i = 0; i < nkeys; i++) {
			if (keys[i].section == CONFIG_SECTION_LOGS &&
			    (strcmp(keys[i].name, "overlap") == 0 ||
			    strcmp(keys[i].name, "lookback") == 0) &&
			    sec->seen[i] > 0)
				line = sec->seen[i];
		}
		if (lg->overlap >= lg->lookback)
			config_error(l, line, "overlap (%s) must be shorter than "
			    "lookback (%s)", config_format_duration(lg->overlap,
			    a, sizeof a), config_format_duration(lg->lookback, b,
			    sizeof b));
		break;
	case CONFIG_SECTION_WATCH:
		w = sec->obj;
		if (sec->kindbit != 1U << CONFIG_WATCH_METRIC)
			break;
		if (w->detector == CONFIG_DETECTOR_STATIC &&
		    isnan(w->above) && isnan(w->below))
			config_error(l, line, "detector = static needs above, "
			    "below or both");
		else if (w->detector != CONFIG_DETECTOR_STATIC &&
		    (!isnan(w->above) || !isnan(w->below)))
			config_error(l, line, "above and below apply to "
			    "detector = static only");
		else if (!isnan(w->above) && !isnan(w->below) &&
		    w->below >= w->above)
			config_error(l, line, "below (%g) must be less than "
			    "above (%g)", w->below, w->above);
		break;
	case CONFIG_SECTION_SINK:
		sk = sec->obj;
		if (sk->type == CONFIG_SINK_EMAIL && sec->kindbit != 0 &&
		    (sk->username == NULL) !=
		    (sk->password.source == CONFIG_SECRET_NONE))
			config_error(l, sec->line, "username and password go "
			    "together (SMTP AUTH needs both)");
		break;
	default:
		break;
	}
}

static void
build_section(struct config_loader *l, struct config_raw_section *sec)
{
	const struct config_key	*keys, *k, *any;
	struct config_raw_entry	*e;
	const char		*kk = kind_key(sec->kind);
	size_t			 nkeys, i, j, kind_entry = (size_t)-1;
	unsigned		 bit, allbits;
	char			 label[128], kinds[128];

	keys = config_keys(&nkeys);
	sec->seen = xcalloc(nkeys, sizeof *sec->seen);
	section_obj(l, sec);
	if (kk != NULL)
		kind_entry = section_kind(l, sec, kk);
	for (i = 0; i < sec->nentries; i++) {
		e = &sec->entries[i];
		if (i == kind_entry)
			continue;
		k = any = NULL;
		allbits = 0;
		for (j = 0; j < nkeys; j++) {
			if (keys[j].section != sec->kind ||
			    strcmp(keys[j].name, e->key) != 0)
				continue;
			any = &keys[j];
			allbits |= keys[j].kinds;
			if (kk == NULL || keys[j].kinds == 0 ||
			    (keys[j].kinds & sec->kindbit))
				k = &keys[j];
		}
		if (any == NULL) {
			config_error(l, e->line, "unknown key '%s' in %s", e->key,
			    section_label(sec, label, sizeof label));
			continue;
		}
		if (kk != NULL && sec->kindbit == 0)
			continue;	/* kind unknown: already an error */
		if (k == NULL) {
			config_error(l, e->line, "key '%s' does not apply to %s = %s "
			    "(only to %s)", e->key, kk, kind_name(sec),
			    kinds_text(sec->kind, allbits, kinds, sizeof kinds));
			continue;
		}
		if (sec->seen[k - keys] != 0 && !(k->flags & CONFIG_KEY_REPEAT)) {
			config_error(l, e->line, "duplicate key '%s' (first at line "
			    "%d)", e->key, sec->seen[k - keys]);
			continue;
		}
		if (sec->seen[k - keys] == 0)
			sec->seen[k - keys] = e->line;
		config_parse_value(l, sec, k, e->value, e->line);
	}
	if (kk != NULL && sec->kindbit == 0)
		return;
	bit = kk != NULL ? sec->kindbit : ~0U;
	for (j = 0; j < nkeys; j++) {
		k = &keys[j];
		if (k->section != sec->kind || sec->seen[j] != 0 ||
		    (k->kinds != 0 && !(k->kinds & bit)))
			continue;
		if (kk != NULL && strcmp(k->name, kk) == 0)
			continue;
		if (k->required & bit) {
			if (kk != NULL)
				config_error(l, sec->line, "missing required key "
				    "'%s' for %s = %s", k->name, kk,
				    kind_name(sec));
			else
				config_error(l, sec->line, "missing required key "
				    "'%s'", k->name);
		} else if (k->def != NULL)
			config_parse_value(l, sec, k, k->def, sec->line);
	}
	section_checks(l, sec);
}

/* Defaults of the sections that may be left out. */
static void
build_defaults(struct config_loader *l, enum config_section s)
{
	struct config_raw_section	sec;
	size_t			i;

	for (i = 0; i < l->nsections; i++) {
		if (l->sections[i].kind == s)
			return;
	}
	memset(&sec, 0, sizeof sec);
	sec.kind = s;
	build_section(l, &sec);
	free(sec.seen);
}

static void
resolve_sinks(struct config_loader *l, struct config_raw_section *sec, char ***names,
    struct config_sink ***ptrs)
{
	const struct config_key	*keys;
	struct config_sink	*sk;
	size_t			 nkeys, i, n, line = 0;

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++) {
		if (keys[i].section == sec->kind &&
		    strcmp(keys[i].name, "sinks") == 0)
			line = (size_t)sec->seen[i];
	}
	if (line == 0 && *names == NULL) {
		n = 0;
		TAILQ_FOREACH(sk, &l->cfg->sinks, entry) {
			*names = xreallocarray(*names, n + 2, sizeof **names);
			(*names)[n++] = xstrdup(sk->name);
		}
		if (*names == NULL)
			*names = xcalloc(1, sizeof **names);
		(*names)[n] = NULL;
	}
	n = config_list_len(*names);
	*ptrs = xcalloc(n + 1, sizeof **ptrs);
	for (i = 0; i < n; i++) {
		if (((*ptrs)[i] = config_sink_find(l->cfg, (*names)[i])) == NULL)
			config_error(l, (int)line, "sinks: no [sink %s] section",
			    (*names)[i]);
	}
}

/* [cwguard] self_sinks: names of sinks. */
static void
resolve_self_sinks(struct config_loader *l)
{
	const struct config_key	*keys;
	size_t			 nkeys, i, n;
	int			 line = 0;

	keys = config_keys(&nkeys);
	for (i = 0; i < l->nsections; i++) {
		if (l->sections[i].kind != CONFIG_SECTION_CWGUARD ||
		    l->sections[i].seen == NULL)
			continue;
		for (n = 0; n < nkeys; n++)
			if (keys[n].section == CONFIG_SECTION_CWGUARD &&
			    strcmp(keys[n].name, "self_sinks") == 0)
				line = l->sections[i].seen[n];
	}
	n = config_list_len(l->cfg->self_sinks);
	l->cfg->self_sink_ptrs = xcalloc(n + 1,
	    sizeof *l->cfg->self_sink_ptrs);
	for (i = 0; i < n; i++)
		if ((l->cfg->self_sink_ptrs[i] = config_sink_find(l->cfg,
		    l->cfg->self_sinks[i])) == NULL)
			config_error(l, line, "self_sinks: no [sink %s] section",
			    l->cfg->self_sinks[i]);
}

/* A mute window names watches or logs sources that exist. */
static void
check_mute(struct config_loader *l, struct config_raw_section *sec)
{
	const struct config_key	*keys;
	struct config_mute	*mu = sec->obj;
	struct config_logs	*lg;
	size_t			 nkeys, i;
	int			 line = sec->line, found;

	keys = config_keys(&nkeys);
	for (i = 0; i < nkeys; i++)
		if (keys[i].section == CONFIG_SECTION_MUTE &&
		    strcmp(keys[i].name, "watches") == 0 && sec->seen[i] > 0)
			line = sec->seen[i];
	for (i = 0; mu->watches != NULL && mu->watches[i] != NULL; i++) {
		found = config_watch_find(l->cfg, mu->watches[i]) != NULL;
		TAILQ_FOREACH(lg, &l->cfg->logs, entry)
			if (strcmp(lg->name, mu->watches[i]) == 0)
				found = 1;
		if (!found)
			config_error(l, line, "watches: no [watch %s] or "
			    "[logs %s] section", mu->watches[i],
			    mu->watches[i]);
	}
}

static void
load_cleanup(struct config_loader *l)
{
	struct config_raw_section	*sec;
	size_t			 i, j;

	for (i = 0; i < l->nsections; i++) {
		sec = &l->sections[i];
		for (j = 0; j < sec->nentries; j++) {
			free(sec->entries[j].key);
			util_free_secret(sec->entries[j].value);
		}
		free(sec->entries);
		free(sec->seen);
		free(sec->name);
	}
	free(l->sections);
	for (i = 0; i < l->nerrors; i++)
		free(l->errors[i].msg);
	free(l->errors);
	if (l->linebuf != NULL) {
		util_wipe(l->linebuf, l->linecap);
		free(l->linebuf);
	}
	if (l->f != NULL)
		fclose(l->f);
	free(l->confdir);
}

struct config *
config_load(const char *path, char **cause)
{
	struct config_loader		 l;
	struct config		*cfg;
	struct config_watch	*w;
	struct config_logs	*lg;
	const char		*slash;
	size_t			 i;

	memset(&l, 0, sizeof l);
	l.path = path;
	l.cur = CUR_NONE;
	cfg = l.cfg = xcalloc(1, sizeof *cfg);
	cfg->budget = NAN;	/* unset */
	cfg->path = xstrdup(path);
	TAILQ_INIT(&cfg->watches);
	TAILQ_INIT(&cfg->logs);
	TAILQ_INIT(&cfg->sinks);
	TAILQ_INIT(&cfg->mutes);
	if ((slash = strrchr(path, '/')) == NULL)
		l.confdir = xstrdup(".");
	else if (slash == path)
		l.confdir = xstrdup("/");
	else
		l.confdir = xstrndup(path, (size_t)(slash - path));

	if ((l.f = fopen(path, "re")) == NULL) {
		config_error(&l, 0, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fileno(l.f), &l.st) == -1) {
		config_error(&l, 0, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(l.st.st_mode)) {
		config_error(&l, 0, "not a regular file");
		goto fail;
	}
	config_read(&l);
	fclose(l.f);
	l.f = NULL;

	for (i = 0; i < l.nsections; i++)
		build_section(&l, &l.sections[i]);
	build_defaults(&l, CONFIG_SECTION_CWGUARD);
	build_defaults(&l, CONFIG_SECTION_AWS);
	for (i = 0; i < l.nsections; i++) {
		if (l.sections[i].kind == CONFIG_SECTION_WATCH) {
			w = l.sections[i].obj;
			resolve_sinks(&l, &l.sections[i], &w->sinks,
			    &w->sink_ptrs);
		} else if (l.sections[i].kind == CONFIG_SECTION_LOGS) {
			lg = l.sections[i].obj;
			resolve_sinks(&l, &l.sections[i], &lg->sinks,
			    &lg->sink_ptrs);
		}
	}
	for (i = 0; i < l.nsections; i++)
		if (l.sections[i].kind == CONFIG_SECTION_MUTE)
			check_mute(&l, &l.sections[i]);
	resolve_self_sinks(&l);
	if (l.nerrors > 0)
		goto fail;
	load_cleanup(&l);
	*cause = NULL;
	return cfg;
fail:
	*cause = config_errors_join(&l);
	load_cleanup(&l);
	config_free(cfg);
	return NULL;
}

static void
sink_free(struct config_sink *sk)
{
	size_t	i;

	free(sk->name);
	config_secret_clear(&sk->url);
	free(sk->topic_arn);
	config_secret_clear(&sk->hmac_key);
	for (i = 0; i < sk->nheaders; i++) {
		free(sk->headers[i].name);
		config_secret_clear(&sk->headers[i].value);
	}
	free(sk->headers);
	config_secret_clear(&sk->smtp_url);
	free(sk->from);
	config_list_free(sk->to);
	free(sk->username);
	config_secret_clear(&sk->password);
	config_secret_clear(&sk->key);
	free(sk->endpoint);
	config_list_free(sk->match);
	free(sk);
}

void
config_free(struct config *cfg)
{
	struct config_watch	*w;
	struct config_logs	*lg;
	struct config_sink	*sk;
	struct config_mute	*mu;

	if (cfg == NULL)
		return;
	while ((w = TAILQ_FIRST(&cfg->watches)) != NULL) {
		TAILQ_REMOVE(&cfg->watches, w, entry);
		free(w->name);
		config_list_free(w->functions);
		config_list_free(w->exclude);
		config_list_free(w->apis);
		config_list_free(w->load_balancers);
		config_list_free(w->signals);
		free(w->namespace);
		free(w->metric);
		config_list_free(w->dimensions);
		free(w->stat);
		config_list_free(w->sinks);
		free(w->sink_ptrs);
		config_list_free(w->labels);
		free(w->runbook);
		free(w->poll);
		free(w);
	}
	while ((lg = TAILQ_FIRST(&cfg->logs)) != NULL) {
		TAILQ_REMOVE(&cfg->logs, lg, entry);
		free(lg->name);
		config_list_free(lg->log_groups);
		free(lg->rules);
		config_list_free(lg->sinks);
		free(lg->sink_ptrs);
		config_list_free(lg->labels);
		free(lg->runbook);
		free(lg);
	}
	while ((sk = TAILQ_FIRST(&cfg->sinks)) != NULL) {
		TAILQ_REMOVE(&cfg->sinks, sk, entry);
		sink_free(sk);
	}
	while ((mu = TAILQ_FIRST(&cfg->mutes)) != NULL) {
		TAILQ_REMOVE(&cfg->mutes, mu, entry);
		free(mu->name);
		config_list_free(mu->watches);
		free(mu->schedule);
		free(mu);
	}
	config_list_free(cfg->self_sinks);
	free(cfg->self_sink_ptrs);
	free(cfg->path);
	free(cfg->state);
	free(cfg->metrics_listen.host);
	free(cfg->aws.region);
	free(cfg->aws.profile);
	free(cfg->aws.role_arn);
	free(cfg->aws.external_id);
	free(cfg->aws.ca_file);
	free(cfg);
}

struct config_watch *
config_watch_find(const struct config *cfg, const char *name)
{
	struct config_watch	*w;

	TAILQ_FOREACH(w, &cfg->watches, entry) {
		if (strcmp(w->name, name) == 0)
			return w;
	}
	return NULL;
}

struct config_sink *
config_sink_find(const struct config *cfg, const char *name)
{
	struct config_sink	*sk;

	TAILQ_FOREACH(sk, &cfg->sinks, entry) {
		if (strcmp(sk->name, name) == 0)
			return sk;
	}
	return NULL;
}
