/*
 * Retention: what the state database keeps (see retention.h), pruned in
 * one transaction, then the freed pages given back to the file system.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detector.h"
#include "log.h"
#include "retention.h"
#include "store.h"
#include "util.h"
#include "watch_int.h"
#include "xmalloc.h"

#define RETENTION_DAY	86400

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
retention_watch_keep(const struct config *cfg, const struct config_watch *cw)
{
	struct detector_params	dp;
	int64_t			P = cw->period > 0 ? cw->period : 60, tail;

	/* the newest periods a cycle fetches again: reread, lag, one more */
	tail = max64(cfg->reread, P) + cfg->lag + P + RETENTION_MARGIN;
	if (cw->kind == CONFIG_WATCH_METRIC)
		/* the robust detector replays the baseline; status shows 24 h */
		return max64(cw->baseline, RETENTION_DAY) + tail;
	/*
	 * A count watch reaches back at most WATCH_CATCHUP_MAX (a restart,
	 * an idle entity) plus the detector's window: a datapoint pruned
	 * and then written again would count twice in its rollup.
	 */
	detector_params_default(&dp);
	return WATCH_CATCHUP_MAX + (int64_t)dp.max_span * P + tail;
}

void
retention_policy_init(struct retention_policy *p, const struct config *cfg)
{
	const struct config_watch	*cw;
	const struct config_logs	*cl;
	int64_t				 baseline = 0, lookback = 0, k;
	size_t				 n = 0;

	memset(p, 0, sizeof *p);
	TAILQ_FOREACH(cw, &cfg->watches, entry)
		n++;
	p->watches = xcalloc(n ? n : 1, sizeof *p->watches);
	TAILQ_FOREACH(cw, &cfg->watches, entry) {
		k = retention_watch_keep(cfg, cw);
		p->watches[p->nwatches].name = xstrdup(cw->name);
		p->watches[p->nwatches++].keep = k;
		p->keep_other = max64(p->keep_other, k);
		baseline = max64(baseline, cw->baseline);
	}
	TAILQ_FOREACH(cl, &cfg->logs, entry)
		lookback = max64(lookback, cl->lookback + cl->overlap);
	/* no watch configured: what a default one would keep */
	if (baseline == 0)
		baseline = 7 * RETENTION_DAY;
	if (p->keep_other == 0)
		p->keep_other = WATCH_CATCHUP_MAX + 2 * RETENTION_DAY;
	p->rollup_keep = baseline + RETENTION_ROLLUP_EXTRA;
	p->outbox_keep = RETENTION_OUTBOX;
	p->finding_keep = RETENTION_FINDING;
	/* logsrc keeps its own to the overlap; this is for the others */
	p->ptr_keep = lookback + 7 * RETENTION_DAY;
	p->vacuum_free = RETENTION_VACUUM_FREE;
}

void
retention_policy_cleanup(struct retention_policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nwatches; i++)
		free(p->watches[i].name);
	free(p->watches);
	memset(p, 0, sizeof *p);
}

static int
retention_prune(struct store *s, const struct retention_policy *p,
    int64_t now, struct retention_result *r)
{
	char	v[32];
	int64_t	n, longest = p->keep_other;
	size_t	i;

	/* every watch by its own keep, then whatever is left by the longest */
	for (i = 0; i < p->nwatches; i++) {
		longest = max64(longest, p->watches[i].keep);
		if (store_datapoint_prune_watch(s, p->watches[i].name,
		    now - p->watches[i].keep, &n) == -1)
			return -1;
		r->datapoints += n;
	}
	if (store_datapoint_prune(s, now - longest, &n) == -1)
		return -1;
	r->datapoints += n;
	if (store_rollup_prune(s, now - p->rollup_keep, &r->rollups) == -1 ||
	    store_outbox_prune(s, now - p->outbox_keep, &r->outbox) == -1 ||
	    store_finding_prune(s, now - p->finding_keep,
	    &r->findings) == -1 ||
	    store_ptr_prune(s, NULL, now - p->ptr_keep, &r->ptrs) == -1 ||
	    store_series_prune(s, now - p->rollup_keep, &r->series) == -1 ||
	    store_pace_prune(s, now - p->rollup_keep, &r->paces) == -1 ||
	    /* silences ended long ago (kept as long as the outbox) */
	    store_silence_prune(s, now - p->outbox_keep, &n) == -1)
		return -1;
	snprintf(v, sizeof v, "%" PRId64, now);
	return store_meta_put(s, RETENTION_META_KEY, v);
}

int
retention_run(struct store *s, const struct retention_policy *p, time_t now,
    struct retention_result *r, char *err, size_t errlen)
{
	struct retention_result	 local;

	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof *r);
	if (store_begin(s) == -1)
		goto fail;
	if (retention_prune(s, p, (int64_t)now, r) == -1) {
		snprintf(err, errlen, "retention: %s", store_error(s));
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) == -1) {
		snprintf(err, errlen, "retention: %s", store_error(s));
		store_rollback(s);
		return -1;
	}
	/* the rows are gone either way; a failed vacuum is only logged */
	if (store_vacuum(s, p->vacuum_free, &r->pages_freed) == -1)
		log_warn("retention: %s", store_error(s));
	log_info("retention: pruned %" PRId64 " datapoints, %" PRId64
	    " rollups, %" PRId64 " outbox rows, %" PRId64 " findings, %"
	    PRId64 " log ptrs, %" PRId64 " series, %" PRId64 " pace rows; %"
	    PRId64 " pages freed", r->datapoints, r->rollups, r->outbox,
	    r->findings, r->ptrs, r->series, r->paces, r->pages_freed);
	return 0;
fail:
	snprintf(err, errlen, "retention: %s", store_error(s));
	return -1;
}

int
retention_maybe(struct store *s, const struct config *cfg, time_t now,
    struct retention_result *r, char *err, size_t errlen)
{
	struct retention_policy	 p;
	char			 v[32], *end;
	long long		 last;
	int			 rc;

	if ((rc = store_meta_get(s, RETENTION_META_KEY, v, sizeof v)) == -1) {
		snprintf(err, errlen, "retention: %s", store_error(s));
		return -1;
	}
	if (rc == 1) {
		last = strtoll(v, &end, 10);
		if (*end == '\0' && last <= (long long)now &&
		    (long long)now - last < RETENTION_INTERVAL)
			return 0;
	}
	retention_policy_init(&p, cfg);
	rc = retention_run(s, &p, now, r, err, errlen);
	retention_policy_cleanup(&p);
	return rc == -1 ? -1 : 1;
}
