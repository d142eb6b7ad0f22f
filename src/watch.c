/*
 * Metric watches at run time: the signal tables of each kind, discovery
 * of entities over ListMetrics (cached WATCH_DISCOVERY_TTL), the per-cycle
 * plan (which entities are polled, which are new and need a baseline
 * bootstrapped from the hourly history, the time window), and the two
 * GetMetricData runs. The synchronous store part is in watch_judge.c.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "alert.h"
#include "cloudwatch.h"
#include "config.h"
#include "cost.h"
#include "log.h"
#include "loop.h"
#include "cadence.h"
#include "store.h"
#include "util.h"
#include "watch.h"
#include "watch_int.h"
#include "xmalloc.h"

static const struct metricdefs_signal metric_def = {
	CONFIG_WATCH_METRIC, -1, "value", NULL, NULL, 0, METRICDEFS_DEN };

struct watch_listreq {
	struct watch			*w;
	const struct metricdefs_listing	*l;
};

/* Every live watch: a budget is shared by the watches of one config. */
static struct watch	*watch_all;

static void	watch_fetch(struct watch *);
static void	watch_finish(struct watch *, int ok, const char *error);

static void
watch_entity_free(struct watch_entity *e)
{
	int	i;

	if (e == NULL)
		return;
	for (i = 0; e->series != NULL && i < e->nseries; i++)
		robust_free(e->series[i].rob);
	if (e->mident != NULL) {
		cw_metric_cleanup(e->mident);
		free(e->mident);
	}
	free(e->name);
	free(e->dimbuf);
	free(e->series);
	free(e);
}

static void
watch_entities_free(struct watch_entity **ents, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		watch_entity_free(ents[i]);
	free(ents);
}

/* Index of metric name (static storage) in e, added when missing. */
static int
watch_entity_metric(struct watch_entity *e, const char *name)
{
	int	i;

	for (i = 0; i < e->nmetrics; i++)
		if (strcmp(e->mnames[i], name) == 0)
			return i;
	if (e->nmetrics == WATCH_MAX_METRICS)
		return -1;
	e->mnames[e->nmetrics] = name;
	return e->nmetrics++;
}

/* Series and metrics of e from the configured signals. */
static void
watch_entity_plan(struct watch *w, struct watch_entity *e)
{
	const struct metricdefs_signal	*d;
	struct watch_series		*s;
	char				**sig;
	int				 n = 0;

	e->nmetrics = e->nseries = 0;
	free(e->series);
	if (w->cw->kind == CONFIG_WATCH_METRIC) {
		e->series = xcalloc(1, sizeof *e->series);
		s = &e->series[e->nseries++];
		s->def = &metric_def;
		s->inum = watch_entity_metric(e, w->cw->metric);
		s->iden = -1;
		return;
	}
	for (sig = w->cw->signals; sig != NULL && *sig != NULL; sig++)
		n++;
	e->series = xcalloc(n ? n : 1, sizeof *e->series);
	for (sig = w->cw->signals; sig != NULL && *sig != NULL; sig++) {
		if ((d = metricdefs_find(w->cw->kind, e->variant,
		    *sig)) == NULL || e->nseries == WATCH_MAX_SIGNALS)
			continue;
		if ((e->dens & d->denbit) == 0)
			continue;	/* e.g. a function without a URL */
		s = &e->series[e->nseries];
		s->def = d;
		s->iden = watch_entity_metric(e, d->den);
		s->inum = watch_entity_metric(e, d->num);
		if (s->iden == -1 || s->inum == -1)
			continue;
		e->nseries++;
	}
}

static int
watch_globs(char **globs, const char *name, const char *alt)
{
	for (; globs != NULL && *globs != NULL; globs++) {
		if (util_glob_match(*globs, name))
			return 1;
		if (alt != NULL && util_glob_match(*globs, alt))
			return 1;
	}
	return 0;
}

/* ALB "app/NAME/ID": NAME into out, or NULL. */
static const char *
watch_alb_name(const char *lb, char *out, size_t outlen)
{
	const char	*a, *b;

	if ((a = strchr(lb, '/')) == NULL || (b = strchr(a + 1, '/')) == NULL ||
	    (size_t)(b - a) > outlen)
		return NULL;
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = '\0';
	return out;
}

int
watch_wants(const struct config_watch *cw, const char *name)
{
	char		 buf[256];
	const char	*alt = NULL;
	char		**inc;

	if (cw->kind == CONFIG_WATCH_ALB)
		alt = watch_alb_name(name, buf, sizeof buf);
	switch (cw->kind) {
	case CONFIG_WATCH_LAMBDA:
		inc = cw->functions;
		break;
	case CONFIG_WATCH_APIGW:
		inc = cw->apis;
		break;
	case CONFIG_WATCH_ALB:
		inc = cw->load_balancers;
		break;
	default:
		return 1;
	}
	if (!watch_globs(inc, name, alt))
		return 0;
	return !watch_globs(cw->exclude, name, alt);
}

static int
watch_entity_cmp(const void *a, const void *b)
{
	const struct watch_entity *const *x = a, *const *y = b;
	int	c;

	if ((c = strcmp((*x)->name, (*y)->name)) != 0)
		return c;
	return (*x)->variant - (*y)->variant;
}

/*
 * The entities found so far by (variant, name): a listing of 10,000
 * functions looked each one up in a list, 50 million strcmp a discovery.
 */
static size_t
watch_hash(const char *name, int variant)
{
	size_t	h = 1469598103934665603ULL ^ (size_t)variant;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return h;
}

static void
watch_hash_clear(struct watch *w)
{
	free(w->disc_hash);
	w->disc_hash = NULL;
	w->disc_hcap = 0;
}

static void
watch_hash_put(struct watch *w, size_t idx)
{
	const struct watch_entity	*e = w->nents_new[idx];
	size_t				 i;

	i = watch_hash(e->name, e->variant) & (w->disc_hcap - 1);
	while (w->disc_hash[i] != 0)
		i = (i + 1) & (w->disc_hcap - 1);
	w->disc_hash[i] = idx + 1;
}

static struct watch_entity *
watch_hash_find(struct watch *w, const char *name, int variant)
{
	struct watch_entity	*e;
	size_t			 i;

	if (w->disc_hcap == 0)
		return NULL;
	i = watch_hash(name, variant) & (w->disc_hcap - 1);
	for (; w->disc_hash[i] != 0; i = (i + 1) & (w->disc_hcap - 1)) {
		e = w->nents_new[w->disc_hash[i] - 1];
		if (e->variant == variant && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/* After w->nents_new grew by one: keep the table at most half full. */
static void
watch_hash_add(struct watch *w)
{
	size_t	i;

	if (w->nnew * 2 > w->disc_hcap) {
		free(w->disc_hash);
		w->disc_hcap = w->disc_hcap ? w->disc_hcap * 2 : 64;
		w->disc_hash = xcalloc(w->disc_hcap, sizeof *w->disc_hash);
		for (i = 0; i < w->nnew; i++)
			watch_hash_put(w, i);
		return;
	}
	watch_hash_put(w, w->nnew - 1);
}

/* Adds the metrics of one listing to w->nents_new. */
static void
watch_listed(struct watch *w, const struct metricdefs_listing *l,
    const struct cw_metric_list *list)
{
	struct watch_entity	*e;
	const struct cw_metric	*m;
	const char		*v[2];
	char			 name[ALERT_NAME_MAX * 2];
	size_t			 i;
	int			 k;

	for (i = 0; i < list->n; i++) {
		m = &list->metrics[i];
		if (m->ndims != l->ndims)
			continue;	/* per-resource or per-method */
		for (k = 0; k < l->ndims; k++)
			if ((v[k] = cw_metric_dim(m, l->dims[k])) == NULL ||
			    *v[k] == '\0')
				break;
		if (k < l->ndims)
			continue;
		if (l->ndims == 2)
			snprintf(name, sizeof name, "%s/%s", v[0], v[1]);
		else
			util_strlcpy(name, v[0], sizeof name);
		if (!watch_wants(w->cw, name))
			continue;
		if ((e = watch_hash_find(w, name, l->variant)) == NULL) {
			e = xcalloc(1, sizeof *e);
			e->name = xstrdup(name);
			e->variant = l->variant;
			/* the identity: the listing's namespace and dimensions */
			e->l = l;
			if (l->ndims == 1)
				e->dimv[0] = e->name;
			else {
				e->dimbuf = xasprintf("%s%c%s", v[0], '\0',
				    v[1]);
				e->dimv[0] = e->dimbuf;
				e->dimv[1] = e->dimbuf + strlen(v[0]) + 1;
			}
			w->nents_new = xreallocarray(w->nents_new, w->nnew + 1,
			    sizeof *w->nents_new);
			w->nents_new[w->nnew++] = e;
			watch_hash_add(w);
		}
		e->dens |= l->denbit;
	}
}

/* Does "Name=glob" pattern pat match a dimension of m? */
static int
watch_dim_match(const struct cw_metric *m, const char *pat)
{
	const char	*eq = strchr(pat, '='), *v;
	char		 name[256];

	if (eq == NULL || (size_t)(eq - pat) >= sizeof name)
		return 0;
	memcpy(name, pat, eq - pat);
	name[eq - pat] = '\0';
	if ((v = cw_metric_dim(m, name)) == NULL)
		return 0;
	return util_glob_match(eq + 1, v);
}

/*
 * A fleet metric watch: every listed series whose dimensions are exactly
 * the configured names, each value matching its glob, none matching an
 * exclude pattern, becomes an entity named by its values.
 */
static void
watch_mlisted(struct watch *w, const struct cw_metric_list *list)
{
	const struct config_watch *cw = w->cw;
	struct watch_entity	*e;
	const struct cw_metric	*m;
	char			 name[ALERT_NAME_MAX * 2], dn[256];
	const char		*eq;
	char			**d;
	size_t			 i, len, nd;

	nd = 0;
	for (d = cw->dimensions; d != NULL && *d != NULL; d++)
		nd++;
	for (i = 0; i < list->n; i++) {
		m = &list->metrics[i];
		if ((size_t)m->ndims != nd)
			continue;
		for (d = cw->dimensions; d != NULL && *d != NULL; d++)
			if (!watch_dim_match(m, *d))
				break;
		if (d != NULL && *d != NULL)
			continue;
		for (d = cw->exclude; d != NULL && *d != NULL; d++)
			if (watch_dim_match(m, *d))
				break;
		if (d != NULL && *d != NULL)
			continue;
		len = 0;
		name[0] = '\0';
		for (d = cw->dimensions; d != NULL && *d != NULL; d++) {
			eq = strchr(*d, '=');
			if (eq == NULL || (size_t)(eq - *d) >= sizeof dn)
				continue;
			memcpy(dn, *d, eq - *d);
			dn[eq - *d] = '\0';
			if (len < sizeof name)
				len += snprintf(name + len, sizeof name - len,
				    "%s%s", len ? "/" : "",
				    cw_metric_dim(m, dn));
		}
		if (name[0] == '\0' || watch_hash_find(w, name, 0) != NULL)
			continue;
		e = xcalloc(1, sizeof *e);
		e->name = xstrdup(name);
		e->mident = xcalloc(1, sizeof *e->mident);
		cw_metric_copy(e->mident, m);
		w->nents_new = xreallocarray(w->nents_new, w->nnew + 1,
		    sizeof *w->nents_new);
		w->nents_new[w->nnew++] = e;
		watch_hash_add(w);
	}
}

/* The entity of old as (name, variant) in the sorted list, or NULL. */
static struct watch_entity *
watch_entity_find(struct watch_entity **ents, size_t n,
    const struct watch_entity *key)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = watch_entity_cmp(&key, &ents[mid]);
		if (c == 0)
			return ents[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * What e had in memory before this discovery (pace and alert state, as
 * read from the store and written since) carries over to its new self.
 */
static void
watch_entity_carry(struct watch_entity *e, struct watch_entity *old)
{
	int	i, k;

	if (old == NULL || !old->loaded)
		return;
	e->loaded = 1;
	e->boot = old->boot;
	e->polled = old->polled;
	e->traffic = old->traffic;
	e->saved_boot = old->saved_boot;
	e->saved_polled = old->saved_polled;
	e->saved_traffic = old->saved_traffic;
	e->rate = old->rate;
	e->saved_rate = old->saved_rate;
	e->gap = old->gap;
	e->saved_gap = old->saved_gap;
	e->agap = old->agap;
	e->saved_agap = old->saved_agap;
	for (i = 0; i < e->nseries; i++) {
		for (k = 0; k < old->nseries; k++)
			if (old->series[k].def == e->series[i].def)
				break;
		if (k == old->nseries) {
			/* a new signal (a URL appeared): read it */
			e->loaded = 0;
			continue;
		}
		e->series[i].found = old->series[k].found;
		e->series[i].st = old->series[k].st;
		e->series[i].rising = old->series[k].rising;
		e->series[i].last_value = old->series[k].last_value;
		e->series[i].last_baseline = old->series[k].last_baseline;
		/* a metric series keeps its detector (moved, not copied) */
		e->series[i].primed = old->series[k].primed;
		e->series[i].rob = old->series[k].rob;
		e->series[i].rob_t = old->series[k].rob_t;
		e->series[i].why_rule = old->series[k].why_rule;
		e->series[i].why_lo = old->series[k].why_lo;
		e->series[i].why_hi = old->series[k].why_hi;
		old->series[k].rob = NULL;
		e->series[i].seq = old->series[k].seq;
	}
}

/* The listing done: swap the new entity list in, plan each entity. */
static void
watch_discovered(struct watch *w)
{
	struct watch_entity	*e;
	size_t			 i;

	watch_hash_clear(w);
	qsort(w->nents_new, w->nnew, sizeof *w->nents_new, watch_entity_cmp);
	for (i = 0; i < w->nnew; i++) {
		e = w->nents_new[i];
		watch_entity_plan(w, e);
		watch_entity_carry(e, watch_entity_find(w->ents, w->nents, e));
	}
	watch_entities_free(w->ents, w->nents);
	w->ents = w->nents_new;
	w->nents = w->nnew;
	w->nents_new = NULL;
	w->nnew = 0;
	w->disc_at = w->now;
	log_debug("watch %s: %zu entities discovered", w->cw->name, w->nents);
}

static void
watch_list_cb(const struct cw_metric_list *list, const char *error,
    void *arg)
{
	struct watch_listreq	*lr = arg;
	struct watch		*w = lr->w;

	if (list != NULL && lr->l == NULL)
		watch_mlisted(w, list);
	else if (list != NULL)
		watch_listed(w, lr->l, list);
	else if (w->disc_err[0] == '\0')
		snprintf(w->disc_err, sizeof w->disc_err, "ListMetrics: %s",
		    error != NULL ? error : "failed");
	free(lr);
	if (--w->disc_pending > 0)
		return;
	if (w->disc_err[0] != '\0') {
		watch_hash_clear(w);
		watch_entities_free(w->nents_new, w->nnew);
		w->nents_new = NULL;
		w->nnew = 0;
		if (w->disc_at == 0) {
			watch_finish(w, 0, w->disc_err);
			return;
		}
		/* keep the cached list; try again next cycle */
		log_warn("watch %s: %s; using the entities found before",
		    w->cw->name, w->disc_err);
	} else
		watch_discovered(w);
	watch_fetch(w);
}

/*
 * A fleet metric watch: one ListMetrics of the namespace and metric, the
 * dimension names as filters (with the value where it is not a glob).
 */
static int
watch_discover_metric(struct watch *w, char *err, size_t errlen)
{
	struct watch_listreq	*lr;
	struct cw_dim		 f[CW_MAX_DIMS];
	char			 names[CW_MAX_DIMS][256], **d;
	const char		*eq;
	int			 n = 0;

	for (d = w->cw->dimensions; d != NULL && *d != NULL &&
	    n < CW_MAX_DIMS; d++) {
		if ((eq = strchr(*d, '=')) == NULL ||
		    (size_t)(eq - *d) >= sizeof names[0])
			continue;
		memcpy(names[n], *d, eq - *d);
		names[n][eq - *d] = '\0';
		f[n].name = names[n];
		f[n].value = strpbrk(eq + 1, "*?[") != NULL ? NULL :
		    (char *)(eq + 1);
		n++;
	}
	w->disc_err[0] = '\0';
	w->disc_pending = 0;
	watch_hash_clear(w);
	lr = xcalloc(1, sizeof *lr);
	lr->w = w;
	lr->l = NULL;
	/* the callback never runs from inside the call */
	if (cloudwatch_list_metrics(w->aws, w->cw->namespace, w->cw->metric, f,
	    n, watch_list_cb, lr, err, errlen) == -1) {
		free(lr);
		return -1;
	}
	w->disc_pending = 1;
	return 0;
}

static int
watch_discover(struct watch *w, char *err, size_t errlen)
{
	const struct metricdefs_listing	*ls[METRICDEFS_MAX_LISTINGS];
	struct watch_listreq		*lr;
	struct cw_dim			 f[2];
	int				 n, i, k;

	if (w->fleet)
		return watch_discover_metric(w, err, errlen);
	if ((n = metricdefs_listings(w->cw->kind, w->cw->signals, ls)) == 0) {
		snprintf(err, errlen, "nothing to discover");
		return -1;
	}
	w->disc_err[0] = '\0';
	w->disc_pending = 0;
	watch_hash_clear(w);
	for (i = 0; i < n; i++) {
		for (k = 0; k < ls[i]->ndims; k++) {
			f[k].name = (char *)ls[i]->dims[k];
			f[k].value = NULL;
		}
		lr = xcalloc(1, sizeof *lr);
		lr->w = w;
		lr->l = ls[i];
		/* the callback never runs from inside the call */
		if (cloudwatch_list_metrics(w->aws, ls[i]->ns, ls[i]->metric, f,
		    ls[i]->ndims, watch_list_cb, lr, err, errlen) == -1) {
			free(lr);
			snprintf(w->disc_err, sizeof w->disc_err,
			    "ListMetrics: %.200s", err);
			break;
		}
		w->disc_pending++;
	}
	if (w->disc_pending == 0) {
		snprintf(err, errlen, "%s", w->disc_err);
		return -1;
	}
	return 0;
}

/* Metric watch: one fixed entity (identity w->ident), built once. */
static void
watch_metric_entity(struct watch *w)
{
	struct watch_entity	*e;
	struct cw_metric	*ident = &w->ident;
	char			 name[ALERT_NAME_MAX * 2], *eq;
	char			**d;
	size_t			 len = 0;

	memset(ident, 0, sizeof *ident);
	ident->namespace = xstrdup(w->cw->namespace);
	ident->name = xstrdup(w->cw->metric);
	name[0] = '\0';
	for (d = w->cw->dimensions; d != NULL && *d != NULL &&
	    ident->ndims < CW_MAX_DIMS; d++) {
		if ((eq = strchr(*d, '=')) == NULL)
			continue;
		ident->dims[ident->ndims].name = xstrndup(*d, eq - *d);
		ident->dims[ident->ndims].value = xstrdup(eq + 1);
		ident->ndims++;
		if (len < sizeof name)
			len += snprintf(name + len, sizeof name - len, "%s%s",
			    len ? "/" : "", eq + 1);
	}
	if (name[0] == '\0')
		util_strlcpy(name, w->cw->metric, sizeof name);
	e = xcalloc(1, sizeof *e);
	e->name = xstrdup(name);
	watch_entity_plan(w, e);
	w->ents = xcalloc(1, sizeof *w->ents);
	w->ents[0] = e;
	w->nents = 1;
}

struct watch *
watch_new(const struct config *cfg, const struct config_watch *cw,
    struct aws *aws, struct store *store, char *err, size_t errlen)
{
	struct watch	*w;
	char		**sig, **d;
	const char	*eq;

	w = xcalloc(1, sizeof *w);
	w->all_next = watch_all;
	watch_all = w;
	w->cfg = cfg;
	w->cw = cw;
	w->aws = aws;
	w->store = store;
	detector_params_default(&w->dp);
	if (cw->kind != CONFIG_WATCH_METRIC) {
		/* the count keys; a metric watch uses the state machine only */
		w->dp.min_requests = cw->min_requests;
		w->dp.min_errors = cw->min_errors;
		w->dp.min_ratio = cw->min_ratio;
		w->dp.alpha = cw->alpha;
		w->dp.ceiling = cw->ceiling;
		w->dp.seq_ratio = cw->seq_false_rate > 0 ? cw->seq_ratio : 0;
		if (cw->seq_false_rate > 0)
			w->dp.seq_threshold = detector_seq_threshold(
			    cw->seq_false_rate, cw->period);
	}
	w->dp.for_periods = cw->for_periods;
	w->dp.resolve_after = cw->resolve_after;
	w->dp.repeat = cw->repeat;
	if (detector_params_check(&w->dp, err, errlen) == -1)
		goto fail;
	if (cw->poll != NULL && strcmp(cw->poll, "auto") != 0 &&
	    util_parse_duration(cw->poll, &w->poll_fixed, err, errlen) == -1)
		goto fail;
	robust_params_default(&w->rp);
	if (cw->kind == CONFIG_WATCH_METRIC) {
		w->rp.threshold = cw->threshold;
		w->rp.direction = cw->direction == CONFIG_DIRECTION_UP ?
		    ROBUST_UP : cw->direction == CONFIG_DIRECTION_DOWN ?
		    ROBUST_DOWN : ROBUST_BOTH;
		if (robust_params_check(&w->rp, err, errlen) == -1)
			goto fail;
		for (d = cw->dimensions; d != NULL && *d != NULL; d++)
			if ((eq = strchr(*d, '=')) != NULL &&
			    strpbrk(eq + 1, "*?[") != NULL)
				w->fleet = 1;
		if (!w->fleet) {
			watch_metric_entity(w);
			w->disc_at = 1;
		}
	} else {
		for (sig = cw->signals; sig != NULL && *sig != NULL; sig++)
			if (metricdefs_find(cw->kind, 0, *sig) == NULL) {
				snprintf(err, errlen, "watch %s: signal %s is "
				    "not one of %s", cw->name, *sig,
				    config_watch_kind_name(cw->kind));
				goto fail;
			}
	}
	return w;
fail:
	watch_free(w);
	return NULL;
}

static void
watch_data_cleanup(struct watch_data *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		if (d->rows != NULL) {
			free(d->rows[i].v);
			free(d->rows[i].wide);
		}
		if (d->series != NULL)
			cloudwatch_series_cleanup(&d->series[i]);
	}
	free(d->rows);
	free(d->series);
	memset(d, 0, sizeof *d);
}

/* Slots for n queries over [start, start + count * step). */
static void
watch_data_init(struct watch_data *d, size_t n, int64_t start, int64_t step,
    size_t count, int metric)
{
	memset(d, 0, sizeof *d);
	d->n = n;
	d->start = start;
	d->step = step;
	d->count = count;
	if (metric)
		d->series = xcalloc(n ? n : 1, sizeof *d->series);
	else
		d->rows = xcalloc(n ? n : 1, sizeof *d->rows);
}

int
watch_row_get(const struct watch_row *r, size_t i, int64_t *v)
{
	size_t	k;

	if (r == NULL || (int64_t)i < r->lo || (int64_t)i - r->lo >= r->n)
		return 0;
	k = i - (size_t)r->lo;
	if (r->wide != NULL) {
		if (r->wide[k] == INT64_MIN)
			return 0;
		*v = r->wide[k];
		return 1;
	}
	if (r->v[k] == WATCH_ROW_NONE)
		return 0;
	*v = r->v[k];
	return 1;
}

/* Makes r cover slots [lo, hi), new slots empty. */
static void
watch_row_cover(struct watch_row *r, int32_t lo, int32_t hi)
{
	int32_t		 nlo, nhi;
	size_t		 n, i, shift;
	uint32_t	*v = NULL;
	int64_t		*wv = NULL;

	if (r->n > 0 && lo >= r->lo && hi <= r->lo + (int32_t)r->n)
		return;
	nlo = r->n > 0 && r->lo < lo ? r->lo : lo;
	nhi = r->n > 0 && r->lo + (int32_t)r->n > hi ? r->lo + (int32_t)r->n :
	    hi;
	n = (size_t)(nhi - nlo);
	shift = r->n > 0 ? (size_t)(r->lo - nlo) : 0;
	if (r->wide != NULL) {
		wv = xreallocarray(NULL, n, sizeof *wv);
		for (i = 0; i < n; i++)
			wv[i] = INT64_MIN;
		for (i = 0; i < r->n; i++)
			wv[shift + i] = r->wide[i];
		free(r->wide);
		r->wide = wv;
	} else {
		v = xreallocarray(NULL, n, sizeof *v);
		for (i = 0; i < n; i++)
			v[i] = WATCH_ROW_NONE;
		for (i = 0; i < r->n; i++)
			v[shift + i] = r->v[i];
		free(r->v);
		r->v = v;
	}
	r->lo = nlo;
	r->n = (uint32_t)n;
}

/* Slot i (covered) := c; c < 0: none. */
static void
watch_row_set(struct watch_row *r, int32_t i, long long c)
{
	size_t	k = (size_t)(i - r->lo), j;

	if (r->wide == NULL && c >= (long long)WATCH_ROW_NONE) {
		r->wide = xreallocarray(NULL, r->n, sizeof *r->wide);
		for (j = 0; j < r->n; j++)
			r->wide[j] = r->v[j] == WATCH_ROW_NONE ? INT64_MIN :
			    (int64_t)r->v[j];
		free(r->v);
		r->v = NULL;
	}
	if (r->wide != NULL)
		r->wide[k] = c < 0 ? INT64_MIN : (int64_t)c;
	else
		r->v[k] = c < 0 ? WATCH_ROW_NONE : (uint32_t)c;
}

/* Slot of t in d, or -1 (outside the window or between periods). */
static int32_t
watch_slot(const struct watch_data *d, int64_t t)
{
	int64_t	off = t - d->start;

	if (off < 0 || off % d->step != 0 || (size_t)(off / d->step) >=
	    d->count)
		return -1;
	return (int32_t)(off / d->step);
}

/*
 * One page of a run: each point lands in its period's slot, a later
 * point of the same period replacing the earlier one, a negative one
 * leaving the slot empty (what sorting, keeping the last of equal
 * timestamps and skipping negative counts did).
 */
static void
watch_data_page(struct watch_data *d, size_t first, size_t count,
    const struct cw_series *page)
{
	const struct cw_series	*cs;
	struct cw_series	*ms;
	struct watch_row	*r;
	size_t			 k, i;
	int32_t			 slot, lo, hi;

	for (k = 0; k < count && first + k < d->n; k++) {
		cs = &page[k];
		if (cs->n == 0)
			continue;
		if (d->series != NULL) {
			ms = &d->series[first + k];
			if (ms->n + cs->n > ms->cap) {
				ms->cap = ms->n + cs->n;
				ms->ts = xreallocarray(ms->ts, ms->cap,
				    sizeof *ms->ts);
				ms->values = xreallocarray(ms->values, ms->cap,
				    sizeof *ms->values);
			}
			memcpy(ms->ts + ms->n, cs->ts, cs->n * sizeof *cs->ts);
			memcpy(ms->values + ms->n, cs->values,
			    cs->n * sizeof *cs->values);
			ms->n += cs->n;
			continue;
		}
		r = &d->rows[first + k];
		lo = INT32_MAX;
		hi = -1;
		for (i = 0; i < cs->n; i++) {
			if ((slot = watch_slot(d, cs->ts[i])) == -1)
				continue;
			if (slot < lo)
				lo = slot;
			if (slot > hi)
				hi = slot;
		}
		if (hi < 0)
			continue;
		watch_row_cover(r, lo, hi + 1);
		for (i = 0; i < cs->n; i++) {
			if ((slot = watch_slot(d, cs->ts[i])) == -1 ||
			    !isfinite(cs->values[i]))
				continue;
			watch_row_set(r, slot, cs->values[i] < 0 ? -1 :
			    llround(cs->values[i]));
		}
	}
}

void
watch_free(struct watch *w)
{
	struct watch	**pp;

	if (w == NULL)
		return;
	for (pp = &watch_all; *pp != NULL; pp = &(*pp)->all_next)
		if (*pp == w) {
			*pp = w->all_next;
			break;
		}
	ev_timer_stop(loop_get(), &w->kick);
	watch_entities_free(w->ents, w->nents);
	watch_entities_free(w->nents_new, w->nnew);
	watch_hash_clear(w);
	free(w->qfine);
	free(w->qboot);
	watch_data_cleanup(&w->dfine);
	watch_data_cleanup(&w->dboot);
	cw_metric_cleanup(&w->ident);
	free(w->open);
	free(w);
}

const struct watch_stats *
watch_stats(const struct watch *w)
{
	return &w->stats;
}

const char *
watch_name(const struct watch *w)
{
	return w->cw->name;
}

size_t
watch_open_count(const struct watch *w)
{
	return w->nopen;
}

const struct watch_open *
watch_open_get(const struct watch *w, size_t i)
{
	return i < w->nopen ? &w->open[i] : NULL;
}

/*
 * The pace row's key and value forms ("watch:" key; "boot= polled=
 * traffic=" value) are what store_pace_prune() reads: change them together.
 */
void
watch_meta_key(const struct watch *w, const struct watch_entity *e,
    char *out, size_t outlen)
{
	snprintf(out, outlen, "watch:%s:%d:%s", w->cw->name, e->variant,
	    e->name);
}

void
watch_why_key(const struct watch *w, const struct watch_entity *e,
    const struct watch_series *s, char *out, size_t outlen)
{
	snprintf(out, outlen, "why:watch:%s:%d:%s:%s", w->cw->name, e->variant,
	    e->name, s->def->signal);
}

const char *
watch_why_rule(const char *name)
{
	static const char *const rules[] = { "z-score", "level shift",
	    "novelty", "change", "static", "absence", "drop", NULL };
	size_t	i;

	for (i = 0; rules[i] != NULL; i++)
		if (strcmp(rules[i], name) == 0)
			return rules[i];
	return NULL;
}

/*
 * Reads the entity's persisted pace and the alert state of its series,
 * once: the daemon holds the lock and writes them itself, so what it
 * holds in memory afterwards is what the store holds (see
 * watch_invalidate() for when it is not).
 */
static int
watch_load(struct watch *w, struct watch_entity *e, char *err, size_t errlen)
{
	struct store_alert	 sa;
	struct store_seq	 sq;
	struct watch_series	*s;
	char			 key[STORE_NAME_MAX], val[256], rule[64];
	long long		 b = 0, p = 0, t = 0;
	double			 lo, hi, r = -1;
	int			 i, k, rc, g = 1, a = 0;

	for (i = 0; i < e->nseries; i++)
		e->series[i].changed = 0;
	if (e->loaded && !w->backtest)
		return 0;
	watch_meta_key(w, e, key, sizeof key);
	if ((rc = store_meta_get(w->store, key, val, sizeof val)) == -1)
		goto fail;
	e->boot = e->polled = e->traffic = 0;
	e->rate = -1;
	e->gap = e->agap = 1;
	/* rate, gap, auto: absent in rows written before poll = auto */
	if (rc == 1 && sscanf(val, "boot=%lld polled=%lld traffic=%lld "
	    "rate=%lf gap=%d auto=%d", &b, &p, &t, &r, &g, &a) >= 3) {
		e->boot = b;
		e->polled = p;
		e->traffic = t;
		if (isfinite(r) && r >= 0 && g >= 1) {
			e->rate = r;
			e->gap = g;
			e->agap = a >= 1 && a <= g ? a : g;
		}
	}
	for (i = 0; i < e->nseries; i++) {
		s = &e->series[i];
		if ((rc = store_alert_get(w->store, w->cw->name, e->name,
		    s->def->signal, &sa)) == -1)
			goto fail;
		detector_alert_init(&s->st);
		s->found = rc;
		s->rising = 0;
		s->last_value = s->last_baseline = NAN;
		if (rc == 1) {
			s->st.state = (enum detector_state)sa.state;
			s->st.anomalous_run = (int)sa.consecutive_anomalous;
			s->st.normal_run = (int)sa.consecutive_normal;
			s->st.since = sa.since;
			s->st.last_notified = sa.last_notified;
			s->st.last_period = sa.last_period;
			s->last_value = sa.last_value;
			s->last_baseline = sa.last_baseline;
		}
		detector_seq_init(&s->seq);
		if ((k = store_seq_get(w->store, w->cw->name, e->name,
		    s->def->signal, &sq)) == -1)
			goto fail;
		if (k == 1) {
			s->seq.llr = sq.llr;
			s->seq.since = sq.since;
			s->seq.periods = (int)sq.periods;
			s->seq.n = (double)sq.requests;
			s->seq.e = (double)sq.errors;
			s->seq.alarm = sq.alarm;
		}
		s->why_rule = NULL;
		s->why_dirty = 0;
		if (rc != 1 || (s->st.state != DETECTOR_ST_FIRING &&
		    s->st.state != DETECTOR_ST_PENDING))
			continue;
		/* the rule and band of an open alert, for check */
		watch_why_key(w, e, s, key, sizeof key);
		if ((rc = store_meta_get(w->store, key, val,
		    sizeof val)) == -1)
			goto fail;
		if (rc == 1 && sscanf(val, "%lf %lf %63[^\n]", &lo, &hi,
		    rule) == 3 && (s->why_rule = watch_why_rule(rule)) != NULL) {
			s->why_lo = lo;
			s->why_hi = hi;
		}
	}
	e->saved_boot = e->boot;
	e->saved_polled = e->polled;
	e->saved_traffic = e->traffic;
	e->saved_rate = e->rate;
	e->saved_gap = e->gap;
	e->saved_agap = e->agap;
	e->loaded = 1;
	return 0;
fail:
	snprintf(err, errlen, "state database: %s", store_error(w->store));
	return -1;
}

static int64_t
watch_floor(int64_t t, int64_t p)
{
	int64_t	q = t / p;

	if (t < 0 && q * p != t)
		q--;
	return q * p;
}

/*
 * How far back CloudWatch still has data of this period: high resolution
 * 3 hours, 1 minute 15 days, 5 minutes 63 days, 1 hour 455 days.
 */
static int64_t
watch_history(int64_t want, int64_t period)
{
	int64_t	keep;

	if (period < 60)
		keep = 3 * 3600;
	else if (period < 300)
		keep = 15 * 86400;
	else if (period < 3600)
		keep = 63 * 86400;
	else
		keep = 455 * 86400;
	return want < keep ? want : keep;
}

/* After a rollback the store no longer holds what memory does. */
static void
watch_invalidate(struct watch *w)
{
	size_t	i;
	int	k;

	for (i = 0; i < w->nents; i++) {
		w->ents[i]->loaded = 0;
		w->ents[i]->mfend = 0;
		/* the detector saw periods the store no longer holds */
		for (k = 0; k < w->ents[i]->nseries; k++) {
			robust_free(w->ents[i]->series[k].rob);
			w->ents[i]->series[k].rob = NULL;
			w->ents[i]->series[k].primed = 0;
		}
	}
}

static void
watch_data_cb(const struct cw_data *d, const char *error, void *arg,
    int boot)
{
	struct watch	*w = arg;
	size_t		 i;

	if (d != NULL) {
		w->calls += d->calls;
		for (i = 0; !boot && i < w->dfine.n && w->dfine.series; i++)
			cloudwatch_series_finish(&w->dfine.series[i]);
	} else if (w->fetch_err[0] == '\0')
		snprintf(w->fetch_err, sizeof w->fetch_err, "GetMetricData: %s",
		    error != NULL ? error : "failed");
	if (--w->fetch_pending > 0)
		return;
	if (w->fetch_err[0] != '\0') {
		watch_finish(w, 0, w->fetch_err);
		return;
	}
	if (watch_commit(w, w->fetch_err, sizeof w->fetch_err) == -1) {
		watch_invalidate(w);
		watch_finish(w, 0, w->fetch_err);
		return;
	}
	if (w->flags & WATCH_DRY_RUN)
		watch_invalidate(w);
	watch_finish(w, 1, NULL);
}

static void
watch_fine_cb(const struct cw_data *d, const char *error, void *arg)
{
	watch_data_cb(d, error, arg, 0);
}

static void
watch_boot_cb(const struct cw_data *d, const char *error, void *arg)
{
	watch_data_cb(d, error, arg, 1);
}

/* Is one of e's series pending, firing or rising? */
static int
watch_open(const struct watch_entity *e)
{
	int	k;

	for (k = 0; k < e->nseries; k++)
		if (e->series[k].rising ||
		    e->series[k].st.state == DETECTOR_ST_PENDING ||
		    e->series[k].st.state == DETECTOR_ST_FIRING)
			return 1;
	return 0;
}

/*
 * Whether a count entity is polled this cycle: its gap has passed (half
 * an interval early is on time: the daemon's ticks jitter), or one of
 * its series is pending, firing or rising.
 */
static int
watch_due(const struct watch *w, const struct watch_entity *e)
{
	int64_t	iv = w->cfg->interval > 0 ? w->cfg->interval : 60;

	if (e->polled == 0 || e->gap <= 1 || watch_open(e))
		return 1;
	return (int64_t)w->now + iv / 2 >= e->polled + (int64_t)e->gap * iv;
}

void
watch_pace(struct watch *w, struct watch_entity *e)
{
	const struct watch_series	*s;
	struct cadence_in			 in;
	int64_t				 P = w->cw->period, from, c;
	double				 req, rec, best = -1, brec = 0;
	size_t				 i, i0, i1;
	int32_t				 q;
	int				 k, outage = 0;

	if (w->backtest || w->cw->kind == CONFIG_WATCH_METRIC ||
	    w->fend <= w->fstart)
		return;
	/* the periods new since the last poll (its fine window's end) */
	from = e->polled > 0 ? watch_floor(e->polled - w->cfg->lag, P) :
	    w->fstart;
	if (from < w->fstart)
		from = w->fstart;
	i0 = (size_t)((from - w->fstart) / P);
	i1 = (size_t)((w->fend - w->fstart) / P);
	memset(&in, 0, sizeof in);
	in.state = CADENCE_OK;
	for (k = 0; k < e->nseries; k++) {
		s = &e->series[k];
		if (s->st.state == DETECTOR_ST_FIRING)
			in.state = CADENCE_FIRING;
		else if (s->st.state == DETECTOR_ST_PENDING &&
		    in.state != CADENCE_FIRING)
			in.state = CADENCE_PENDING;
		else if (s->rising && in.state == CADENCE_OK)
			in.state = CADENCE_RISING;
		if (s->iden < 0 || (q = e->qfine[s->iden]) < 0 ||
		    (size_t)q >= w->dfine.n || w->dfine.rows == NULL)
			continue;
		req = rec = 0;
		for (i = i0; i < i1; i++)
			if (watch_row_get(&w->dfine.rows[q], i, &c) && c > 0) {
				req += (double)c;
				if (i + CADENCE_RECENT >= i1)
					rec += (double)c;
			}
		if (req > best && i1 > i0) {
			best = req;
			brec = rec / (double)(i1 - i0 < CADENCE_RECENT ?
			    i1 - i0 : CADENCE_RECENT);
		}
	}
	if (best >= 0 && i1 > i0)
		e->rate = cadence_rate(e->rate, best, (int64_t)(i1 - i0), brec,
		    P, CADENCE_TAU, w->dp.min_requests, &outage);
	in.rate = e->rate;
	in.outage = outage;
	in.idle = (int64_t)w->now - e->traffic > WATCH_IDLE_AFTER;
	in.current = e->agap > 0 ? e->agap : 1;
	in.min_requests = w->dp.min_requests;
	in.period = P;
	in.interval = w->cfg->interval;
	in.cap = w->cw->idle_interval;
	in.fixed = w->poll_fixed;
	/* a poll of an entity with traffic covers every period since */
	in.cover = (WATCH_CATCHUP_MAX - w->cfg->lag - w->cfg->reread) /
	    (w->cfg->interval > 0 ? w->cfg->interval : 60);
	e->agap = cadence_cycles(&in);
	/* the budget stretches only what is settled */
	e->gap = in.state == CADENCE_OK && e->bgap > e->agap ? e->bgap : e->agap;
}

/* GetMetricData USD a month of an entity polled every gap cycles. */
static double
watch_usd(const struct watch *w, const struct watch_entity *e, int gap)
{
	int64_t	iv = w->cfg->interval > 0 ? w->cfg->interval : 60;

	return (double)e->nmetrics * COST_MONTH / ((double)iv * gap) *
	    COST_GMD_PER_1000 / 1000;
}

static const struct watch	*watch_sort_w;

/*
 * Those stretched already first (the choice stays put while rates move a
 * little), then quietest first, then by name.
 */
static int
watch_quiet_cmp(const void *a, const void *b)
{
	const struct watch_entity *x = watch_sort_w->ents[*(const size_t *)a];
	const struct watch_entity *y = watch_sort_w->ents[*(const size_t *)b];
	int	sx = x->gap > x->agap, sy = y->gap > y->agap;

	if (sx != sy)
		return sx ? -1 : 1;
	if (x->rate != y->rate)
		return x->rate < y->rate ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * [cwguard] budget: what the other watches of the config project is
 * taken off it; if this watch's entities at their auto gaps cost more
 * than is left, the quietest settled ones get a longer gap (bgap, taken
 * at their next poll): the idle_interval first, for as few entities as
 * keep the watch under, then twice as long, and so on up to what the
 * catch-up limit lets a poll cover. Open (pending, firing, rising) and
 * new entities are never stretched. Metric watches are only counted.
 */
static void
watch_budget(struct watch *w)
{
	const struct watch	*o;
	struct watch_entity	*e;
	int64_t			 iv = w->cfg->interval > 0 ? w->cfg->interval :
				    60, capc, maxc, L;
	double			 others = 0, base = 0, usd, allowed, v;
	size_t			*ord, n = 0, i, j;
	char			 key[STORE_NAME_MAX], val[64];
	int			 metric = w->cw->kind == CONFIG_WATCH_METRIC;

	w->stats.stretched = 0;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		e->bgap = 0;
		base += metric ? (double)e->nmetrics * COST_MONTH /
		    (double)(iv > w->cw->period ? iv : w->cw->period) *
		    COST_GMD_PER_1000 / 1000 : watch_usd(w, e, e->agap > 0 ?
		    e->agap : 1);
	}
	w->projected = base;
	w->stats.projected_usd = base;
	w->stats.allowed_usd = NAN;
	if (!isfinite(w->cfg->budget))
		return;
	for (o = watch_all; o != NULL; o = o->all_next) {
		if (o == w || o->cfg != w->cfg)
			continue;
		if (o->stats.cycles > 0) {
			others += o->projected;
			continue;
		}
		/* not run yet in this process (check): its last projection */
		snprintf(key, sizeof key, "budget:%s", o->cw->name);
		if (store_meta_get(w->store, key, val, sizeof val) == 1 &&
		    (v = strtod(val, NULL)) > 0 && isfinite(v))
			others += v;
	}
	allowed = w->cfg->budget - others;
	w->stats.allowed_usd = allowed;
	if (metric || base <= allowed || w->backtest)
		return;
	ord = xreallocarray(NULL, w->nents ? w->nents : 1, sizeof *ord);
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		if (e->boot != 0 && e->rate >= 0 && !watch_open(e))
			ord[n++] = i;
	}
	watch_sort_w = w;
	qsort(ord, n, sizeof *ord, watch_quiet_cmp);
	capc = w->cw->idle_interval / iv;
	if (capc < 2)
		capc = 2;
	maxc = (WATCH_CATCHUP_MAX - w->cfg->lag - w->cfg->reread) / iv;
	if (maxc < capc)
		maxc = capc;
	for (L = capc;; L = L * 2 > maxc ? maxc : L * 2) {
		usd = base;
		for (j = 0; j < n && usd > allowed; j++) {
			e = w->ents[ord[j]];
			if (e->agap >= L)
				continue;
			usd -= watch_usd(w, e, e->agap) - watch_usd(w, e, (int)L);
			e->bgap = (int)L;
		}
		if (usd <= allowed || L == maxc)
			break;
		for (j = 0; j < n; j++)
			w->ents[ord[j]]->bgap = 0;
	}
	free(ord);
	for (i = 0; i < w->nents; i++)
		if (w->ents[i]->bgap > 0)
			w->stats.stretched++;
	w->projected = usd;
	w->stats.projected_usd = usd;
	if (usd > allowed)
		log_warn("watch %s: budget: $%.2f a month left for it, $%.2f "
		    "even with the %zu quietest entities polled every %lld "
		    "cycles", w->cw->name, allowed, usd, n, (long long)maxc);
}

/* Query i of a run over refs: the entity's metric, built in *m. */
static void
watch_query(struct watch *w, const struct watch_qref *ref, struct cw_query *q,
    struct cw_metric *m, int period, const char *stat)
{
	const struct watch_entity	*e = w->ents[ref->ent];
	int				 k;

	if (e->mident != NULL)
		*m = *e->mident;	/* shallow: the fleet series' own */
	else if (e->l == NULL)
		*m = w->ident;		/* shallow: the metric watch's own */
	else {
		m->namespace = (char *)e->l->ns;
		m->ndims = e->l->ndims;
		for (k = 0; k < e->l->ndims; k++) {
			m->dims[k].name = (char *)e->l->dims[k];
			m->dims[k].value = (char *)e->dimv[k];
		}
	}
	m->name = (char *)e->mnames[ref->k];
	q->metric = m;
	q->period = period;
	q->stat = stat;
}

static void
watch_fine_query(size_t i, struct cw_query *q, struct cw_metric *m, void *arg)
{
	struct watch	*w = arg;

	watch_query(w, &w->qfine[i], q, m, (int)w->cw->period,
	    w->cw->kind == CONFIG_WATCH_METRIC ? w->cw->stat : "Sum");
}

static void
watch_boot_query(size_t i, struct cw_query *q, struct cw_metric *m, void *arg)
{
	struct watch	*w = arg;

	watch_query(w, &w->qboot[i], q, m, 3600, "Sum");
}

static void
watch_fine_page(size_t first, size_t count, const struct cw_series *page,
    void *arg)
{
	struct watch	*w = arg;

	watch_data_page(&w->dfine, first, count, page);
}

static void
watch_boot_page(size_t first, size_t count, const struct cw_series *page,
    void *arg)
{
	struct watch	*w = arg;

	watch_data_page(&w->dboot, first, count, page);
}

/* Adds query (entity i, metric k) to refs; its index. */
static int32_t
watch_qadd(struct watch_qref **refs, size_t *n, size_t i, int k)
{
	if (*n == 0)
		*refs = xreallocarray(NULL, 64, sizeof **refs);
	else if (*n >= 64 && (*n & (*n - 1)) == 0)
		*refs = xreallocarray(*refs, *n * 2, sizeof **refs);
	(*refs)[*n].ent = (uint32_t)i;
	(*refs)[*n].k = (uint32_t)k;
	return (int32_t)(*n)++;
}

/*
 * The plan: which entities are polled (count watches: those whose gap
 * has passed or that are open, see watch_due(); fleet metric watches:
 * idle ones every idle_interval), which are new, the windows (back to the
 * oldest period a polled entity has not judged), the budget, the
 * queries; then both GetMetricData runs.
 */
static void
watch_fetch(struct watch *w)
{
	const struct config_watch *cw = w->cw;
	struct watch_entity	*e;
	struct watch_series	*s;
	int64_t			 P = cw->period, reread, start, lo, ctx, t;
	struct cw_stream	 st;
	size_t			 i;
	int			 k, isnew, metric, defer;
	char			 err[256];

	metric = cw->kind == CONFIG_WATCH_METRIC;
	if (w->backtest) {
		w->fend = w->bt_to;
		w->judge_from = w->bt_from;
	} else {
		w->fend = watch_floor((int64_t)w->now - w->cfg->lag, P);
		reread = w->cfg->reread > P ? w->cfg->reread : P;
		w->judge_from = w->fend - watch_floor(reread + P - 1, P);
	}
	ctx = metric ? 0 : (int64_t)(w->dp.max_span - 1) * P;
	start = w->judge_from;
	lo = w->fend - WATCH_CATCHUP_MAX;
	w->stats.idle = w->stats.quiet = w->stats.skipped = 0;
	defer = 0;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		if (watch_load(w, e, err, sizeof err) == -1) {
			watch_finish(w, 0, err);
			return;
		}
		/*
		 * A fleet metric watch that found new series fetches their
		 * history alone this cycle (once per discovery): the fine
		 * window is shared, and a thousand old series need not be
		 * fetched for 21 days because one is new.
		 */
		if (metric && w->fleet && !w->backtest && e->boot == 0 &&
		    w->deferred_at != w->disc_at)
			defer = 1;
	}
	if (defer)
		w->deferred_at = w->disc_at;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		isnew = e->boot == 0 || w->backtest;
		e->bootstrap = isnew;
		e->poll = 1;
		e->idle = 0;
		if (metric && !isnew && (defer || e->mfend >= w->fend)) {
			/* polled at its period: no new final period yet */
			e->poll = 0;
			continue;
		}
		if (!isnew && !metric) {
			if ((int64_t)w->now - e->traffic > WATCH_IDLE_AFTER) {
				w->stats.idle++;
				e->idle = 1;
			}
			if (e->gap > 1)
				w->stats.quiet++;
			if (!watch_due(w, e)) {
				e->poll = 0;
				w->stats.skipped++;
				continue;
			}
			/* cover the periods since the last poll */
			t = watch_floor(e->polled - w->cfg->lag, P);
			if (e->polled > 0 && t < start)
				start = t > lo ? t : lo;
		} else if (!isnew && w->fleet &&
		    (int64_t)w->now - e->traffic > WATCH_IDLE_AFTER) {
			w->stats.idle++;
			e->idle = 1;
			if ((int64_t)w->now - e->polled < cw->idle_interval) {
				e->poll = 0;
				continue;
			}
			/* cover the periods since the last poll */
			t = watch_floor(e->polled - w->cfg->lag, P);
			if (t < start)
				start = t > lo ? t : lo;
		}
		for (k = 0; k < e->nseries && !w->backtest; k++) {
			s = &e->series[k];
			if (!s->found || s->st.last_period == INT64_MIN)
				continue;
			t = s->st.last_period + P;
			if (t < start)
				start = t > lo ? t : lo;
		}
		if (isnew && metric)
			/* the robust detector replays the history */
			start = w->judge_from - watch_history(cw->baseline, P);
	}
	if (!w->backtest)
		watch_budget(w);
	w->fstart = watch_floor(start, P) - ctx;
	/* bootstrap: hourly history before the fine window */
	w->bend = watch_floor(w->fstart, 3600);
	w->bstart = w->bend - watch_floor(cw->baseline + 3599, 3600);

	free(w->qfine);
	free(w->qboot);
	w->qfine = w->qboot = NULL;
	w->nqfine = w->nqboot = 0;
	for (i = 0; i < w->nents; i++) {
		e = w->ents[i];
		for (k = 0; k < e->nmetrics; k++) {
			e->qfine[k] = e->qboot[k] = -1;
			if (!e->poll)
				continue;
			e->qfine[k] = watch_qadd(&w->qfine, &w->nqfine, i, k);
			if (!e->bootstrap || metric)
				continue;
			e->qboot[k] = watch_qadd(&w->qboot, &w->nqboot, i, k);
		}
	}
	w->stats.metrics_requested = (long long)(w->nqfine + w->nqboot);
	watch_data_cleanup(&w->dfine);
	watch_data_cleanup(&w->dboot);
	w->fetch_err[0] = '\0';
	w->calls = 0;
	w->fetch_pending = 0;
	if (w->nqfine == 0 || w->fstart >= w->fend) {
		/* everything idle this cycle: still record the cycle */
		if (watch_commit(w, err, sizeof err) == -1)
			watch_finish(w, 0, err);
		else
			watch_finish(w, 1, NULL);
		return;
	}
	/* callbacks never run from inside the calls */
	memset(&st, 0, sizeof st);
	st.n = w->nqfine;
	st.start = (time_t)w->fstart;
	st.end = (time_t)w->fend;
	st.max_inflight = 4;
	st.query = watch_fine_query;
	st.page = watch_fine_page;
	st.done = watch_fine_cb;
	st.arg = w;
	watch_data_init(&w->dfine, w->nqfine, w->fstart, P,
	    (size_t)((w->fend - w->fstart) / P), metric);
	if (cloudwatch_get_metric_data_stream(w->aws, &st, err,
	    sizeof err) == -1) {
		watch_finish(w, 0, err);
		return;
	}
	w->fetch_pending++;
	if (w->nqboot > 0 && w->bstart < w->bend) {
		st.n = w->nqboot;
		st.start = (time_t)w->bstart;
		st.end = (time_t)w->bend;
		st.query = watch_boot_query;
		st.page = watch_boot_page;
		st.done = watch_boot_cb;
		watch_data_init(&w->dboot, w->nqboot, w->bstart, 3600,
		    (size_t)((w->bend - w->bstart) / 3600), 0);
		if (cloudwatch_get_metric_data_stream(w->aws, &st, err,
		    sizeof err) == -1)
			snprintf(w->fetch_err, sizeof w->fetch_err,
			    "GetMetricData: %.200s", err);
		else
			w->fetch_pending++;
	}
}

static void
watch_finish(struct watch *w, int ok, const char *error)
{
	watch_cb	 done = w->done;
	void		*arg = w->done_arg;

	w->busy = 0;
	w->stats.cycles++;
	w->stats.calls += w->calls;
	w->stats.entities = (long long)w->nents;
	if (ok) {
		w->stats.last_ok = w->now;
		w->stats.last_error[0] = '\0';
	} else {
		snprintf(w->stats.last_error, sizeof w->stats.last_error,
		    "%s", error != NULL ? error : "failed");
		log_warn("watch %s: %s", w->cw->name, w->stats.last_error);
		/* the failed cycle is visible in `status` */
		if (!w->backtest && !(w->flags & WATCH_DRY_RUN) &&
		    store_begin(w->store) == 0) {
			if (store_cycle_put(w->store, w->cw->name, w->now, 0,
			    w->stats.last_error) == -1 ||
			    store_commit(w->store) == -1)
				store_rollback(w->store);
		}
	}
	watch_data_cleanup(&w->dfine);
	watch_data_cleanup(&w->dboot);
	w->report = NULL;
	if (done != NULL)
		done(ok, ok ? NULL : w->stats.last_error, arg);
}

static void
watch_kick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch	*w = t->data;

	(void)loop;
	(void)revents;
	watch_fetch(w);
}

static int
watch_start(struct watch *w, time_t now, int flags,
    const struct alert_context *ctx, struct alert_batch *report,
    watch_cb done, void *arg, char *err, size_t errlen)
{
	if (w->busy) {
		snprintf(err, errlen, "watch %s: a cycle is already running",
		    w->cw->name);
		return -1;
	}
	w->now = now;
	w->flags = flags;
	w->report = report;
	w->done = done;
	w->done_arg = arg;
	util_strlcpy(w->account, ctx != NULL && ctx->account != NULL ?
	    ctx->account : "", sizeof w->account);
	util_strlcpy(w->region, ctx != NULL && ctx->region != NULL ?
	    ctx->region : "", sizeof w->region);
	if ((w->cw->kind != CONFIG_WATCH_METRIC || w->fleet) &&
	    (w->disc_at == 0 || now - w->disc_at >= (w->cfg->discovery > 0 ?
	    w->cfg->discovery : WATCH_DISCOVERY_TTL) ||
	    w->backtest)) {
		if (watch_discover(w, err, errlen) == -1)
			return -1;
	} else {
		/* done must not run from inside watch_cycle() */
		ev_timer_init(&w->kick, watch_kick_cb, 0., 0.);
		w->kick.data = w;
		ev_timer_start(loop_get(), &w->kick);
	}
	w->busy = 1;
	return 0;
}

int
watch_cycle(struct watch *w, time_t now, int flags,
    const struct alert_context *ctx, struct alert_batch *report,
    watch_cb done, void *arg, char *err, size_t errlen)
{
	w->backtest = 0;
	return watch_start(w, now, flags, ctx, report, done, arg, err, errlen);
}

int
watch_backtest(struct watch *w, time_t from, time_t to,
    const struct alert_context *ctx, struct alert_batch *report,
    watch_cb done, void *arg, char *err, size_t errlen)
{
	int64_t	P = w->cw->period;

	if (to <= from) {
		snprintf(err, errlen, "backtest: --to is not after --from");
		return -1;
	}
	w->backtest = 1;
	w->bt_from = watch_floor(from, P);
	w->bt_to = watch_floor(to, P);
	if (w->bt_to <= w->bt_from) {
		snprintf(err, errlen, "backtest: the range holds no whole "
		    "period of %" PRId64 "s", P);
		return -1;
	}
	return watch_start(w, to, 0, ctx, report, done, arg, err, errlen);
}
