/*
 * Silences and mute windows: the matching, the weekly schedules, and the
 * hold-and-release of notifications (see silence.h). Held notifications
 * live in the store's held table, keyed by alert id, so that they survive
 * a restart and `check` run from cron sees the same state as `run`.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alert.h"
#include "config.h"
#include "log.h"
#include "silence.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static long long	silence_nheld, silence_nreleased;

long long
silence_held_total(void)
{
	return silence_nheld;
}

long long
silence_released_total(void)
{
	return silence_nreleased;
}

/* ---------------------------------------------------------------- */
/* Schedules                                                         */

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu",
    "fri", "sat" };

static int
day_index(const char *s, size_t len)
{
	int	i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

static int
parse_days(const char *s, unsigned *days, char *err, size_t errlen)
{
	const char	*p = s, *comma, *dash;
	size_t		 len;
	int		 a, b;

	*days = 0;
	while (*p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 1 && *p == '*')
			*days |= 0x7f;
		else if ((dash = memchr(p, '-', len)) != NULL) {
			a = day_index(p, (size_t)(dash - p));
			b = day_index(dash + 1, len - (size_t)(dash - p) - 1);
			if (a == -1 || b == -1)
				goto bad;
			for (;;) {
				*days |= 1U << a;
				if (a == b)
					break;
				a = (a + 1) % 7;
			}
		} else if ((a = day_index(p, len)) != -1)
			*days |= 1U << a;
		else
			goto bad;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (*days == 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad days '%s' (want e.g. Mon-Fri, Tue,Thu or "
	    "*)", s);
	return -1;
}

static int
parse_hhmm(const char *s, size_t len, int *minutes)
{
	int	h, m;

	if (len != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static int
zone_ok(const char *z, char *err, size_t errlen)
{
	const char	*dir, *p;
	char		 path[512];
	struct stat	 sb;

	if (strcmp(z, "UTC") == 0)
		return 0;
	for (p = z; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_+-/", *p) == NULL)
			break;
	if (*p != '\0' || *z == '/' || *z == '\0' || strstr(z, "..") !=
	    NULL || strlen(z) >= sizeof ((struct silence_schedule *)0)->zone) {
		snprintf(err, errlen, "bad time zone '%s' (want UTC or an IANA "
		    "name such as Europe/Berlin)", z);
		return -1;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof path, "%s/%s", dir, z);
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "unknown time zone '%s' (not in the "
		    "system's tzdata)", z);
		return -1;
	}
	return 0;
}

int
silence_schedule_parse(const char *s, struct silence_schedule *sch,
    char *err, size_t errlen)
{
	char		 buf[256], *tok[4], *p, *dash;
	size_t		 n = 0;

	memset(sch, 0, sizeof *sch);
	if (strlen(s) >= sizeof buf) {
		snprintf(err, errlen, "schedule too long");
		return -1;
	}
	util_strlcpy(buf, s, sizeof buf);
	for (p = strtok(buf, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		if (n == 3) {
			snprintf(err, errlen, "schedule '%s': want DAYS "
			    "HH:MM-HH:MM [ZONE]", s);
			return -1;
		}
		tok[n++] = p;
	}
	if (n < 2) {
		snprintf(err, errlen, "schedule '%s': want DAYS HH:MM-HH:MM "
		    "[ZONE], e.g. Tue,Thu 14:00-15:00 UTC", s);
		return -1;
	}
	if (parse_days(tok[0], &sch->days, err, errlen) == -1)
		return -1;
	if ((dash = strchr(tok[1], '-')) == NULL ||
	    parse_hhmm(tok[1], (size_t)(dash - tok[1]), &sch->start) == -1 ||
	    parse_hhmm(dash + 1, strlen(dash + 1), &sch->end) == -1 ||
	    sch->start == 1440) {
		snprintf(err, errlen, "bad hours '%s' (want HH:MM-HH:MM, e.g. "
		    "14:00-15:00 or 22:00-02:00)", tok[1]);
		return -1;
	}
	if (sch->start == sch->end) {
		snprintf(err, errlen, "hours '%s': the window is empty",
		    tok[1]);
		return -1;
	}
	util_strlcpy(sch->zone, n == 3 ? tok[2] : "UTC", sizeof sch->zone);
	return zone_ok(sch->zone, err, errlen);
}

/* Weekday and minute of the day of t in zone. */
static void
zone_time(const char *zone, time_t t, int *wday, int *minute)
{
	struct tm	 tm;
	char		*old = NULL;
	const char	*v;

	memset(&tm, 0, sizeof tm);
	if (strcmp(zone, "UTC") == 0)
		gmtime_r(&t, &tm);
	else {
		/* localtime_r in the zone: TZ swapped for the call. */
		if ((v = getenv("TZ")) != NULL)
			old = xstrdup(v);
		setenv("TZ", zone, 1);
		tzset();
		localtime_r(&t, &tm);
		if (old != NULL)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
		free(old);
	}
	*wday = tm.tm_wday;
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

int
silence_schedule_active(const struct silence_schedule *sch, time_t now)
{
	int	wd, m, prev;

	zone_time(sch->zone, now, &wd, &m);
	prev = (wd + 6) % 7;
	if (sch->end > sch->start)
		return (sch->days & (1U << wd)) && m >= sch->start &&
		    m < sch->end;
	/* Past midnight: the window belongs to the day it starts on. */
	return ((sch->days & (1U << wd)) && m >= sch->start) ||
	    ((sch->days & (1U << prev)) && m < sch->end);
}

/* ---------------------------------------------------------------- */
/* Matching                                                          */

/* The watch (spike) or logs source (secret) an alert belongs to. */
static const char *
alert_owner(const struct alert *a)
{
	return a->kind == ALERT_SPIKE ? a->watch : a->source;
}

int
silence_matches(const struct store_silence *si, const struct alert *a)
{
	const char	*entity, *signal;

	if (si->kind[0] != '\0' && strcmp(si->kind, a->kind == ALERT_SPIKE ?
	    "spike" : "secret") != 0)
		return 0;
	if (si->watch[0] != '\0' && strcmp(si->watch, alert_owner(a)) != 0)
		return 0;
	/* A finding's entity is its log group (or path); its signal, rule. */
	entity = a->kind == ALERT_SPIKE ? a->entity : a->log_group[0] !=
	    '\0' ? a->log_group : a->path;
	signal = a->kind == ALERT_SPIKE ? a->signal : a->rule;
	if (si->entity[0] != '\0' && !util_glob_match(si->entity, entity))
		return 0;
	if (si->signal[0] != '\0' && strcmp(si->signal, signal) != 0)
		return 0;
	return 1;
}

int
silence_mute_matches(const struct config_mute *mu, const struct alert *a,
    time_t now)
{
	struct silence_schedule	 sch;
	char			 err[256];
	size_t			 i;
	int			 named = mu->watches == NULL;

	for (i = 0; !named && mu->watches[i] != NULL; i++)
		if (strcmp(mu->watches[i], alert_owner(a)) == 0)
			named = 1;
	if (!named)
		return 0;
	/* Checked at load; a schedule that no longer parses mutes nothing. */
	if (silence_schedule_parse(mu->schedule, &sch, err, sizeof err) == -1)
		return 0;
	return silence_schedule_active(&sch, now);
}

struct muted_walk {
	const struct alert	*a;
	int			 muted;
};

static int
muted_cb(void *arg, const struct store_silence *si)
{
	struct muted_walk	*mw = arg;

	if (silence_matches(si, mw->a)) {
		mw->muted = 1;
		return 1;
	}
	return 0;
}

int
silence_muted(struct store *st, const struct config *cfg,
    const struct alert *a, time_t now, char *err, size_t errlen)
{
	const struct config_mute	*mu;
	struct muted_walk		 mw;

	if (cfg != NULL)
		TAILQ_FOREACH(mu, &cfg->mutes, entry)
			if (silence_mute_matches(mu, a, now))
				return 1;
	mw.a = a;
	mw.muted = 0;
	if (store_silence_list(st, (int64_t)now, muted_cb, &mw) == -1) {
		snprintf(err, errlen, "silences: %s", store_error(st));
		return -1;
	}
	return mw.muted;
}

/* ---------------------------------------------------------------- */
/* Hold and release                                                  */

static int
held_put(struct store *st, const char *id, const struct alert *a,
    int64_t since, char *err, size_t errlen)
{
	cJSON	*j;
	char	*s;
	int	 rc;

	j = alert_to_cjson(a);
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		fatal("silence: out of memory");
	cJSON_Delete(j);
	rc = store_held_put(st, id, a->status == ALERT_FIRING, since, s);
	free(s);
	if (rc == -1)
		snprintf(err, errlen, "held notification: %s",
		    store_error(st));
	return rc;
}

/* The repeat flag of a stored alert object (0 if unreadable). */
static int
held_repeat(const char *json)
{
	cJSON	*j;
	int	 r;

	if ((j = cJSON_Parse(json)) == NULL)
		return 0;
	r = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "repeat"));
	cJSON_Delete(j);
	return r;
}

int
silence_hold(void *arg, struct store *st, const struct alert *a, time_t now,
    char *err, size_t errlen)
{
	const struct config	*cfg = arg;
	struct alert		 b;
	char			 id[33], *prev = NULL;
	int64_t			 since = (int64_t)now;
	int			 muted, found, was_firing = 0, rc = -1;

	/* cwguard's own health is never muted. */
	if (a->self)
		return 0;
	alert_id(a, id, sizeof id);
	if ((muted = silence_muted(st, cfg, a, now, err, errlen)) == -1)
		return -1;
	if ((found = store_held_get(st, id, &was_firing, &since,
	    &prev)) == -1) {
		snprintf(err, errlen, "held notification: %s",
		    store_error(st));
		return -1;
	}
	if (!found)
		since = (int64_t)now;
	if (!muted) {
		/* Not muted (any more): this notification replaces a held one. */
		rc = 0;
		if (found) {
			if (store_held_delete(st, id) == -1) {
				snprintf(err, errlen, "held notification: %s",
				    store_error(st));
				rc = -1;
			} else if (was_firing && a->status == ALERT_RESOLVED)
				rc = 1;	/* its firing was never sent */
		}
		goto out;
	}
	silence_nheld++;
	if (a->status == ALERT_RESOLVED && found && was_firing &&
	    !held_repeat(prev)) {
		/* Fired and resolved within the mute: nothing to tell. */
		if (store_held_delete(st, id) == -1) {
			snprintf(err, errlen, "held notification: %s",
			    store_error(st));
			goto out;
		}
		log_info("alert %s: resolved while muted; its held firing is "
		    "dropped", id);
		rc = 1;
		goto out;
	}
	b = *a;
	if (b.status == ALERT_FIRING)
		b.repeat = found && was_firing ? held_repeat(prev) :
		    found ? 0 : a->repeat;
	if (held_put(st, id, &b, since, err, errlen) == -1)
		goto out;
	log_info("alert %s: %s held back (muted)", id,
	    a->status == ALERT_RESOLVED ? "resolved" : "firing");
	rc = 1;
out:
	free(prev);
	return rc;
}

struct held_item {
	char	 id[64];
	char	*json;
};

struct held_list {
	struct held_item	*v;
	size_t			 n;
};

static int
held_collect(void *arg, const struct store_held *h)
{
	struct held_list	*l = arg;

	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	util_strlcpy(l->v[l->n].id, h->id, sizeof l->v[l->n].id);
	l->v[l->n].json = xstrdup(h->alert);
	l->n++;
	return 0;
}

/*
 * Whether a held alert is delivered at release: a firing spike only while
 * its state is still firing; a finding and a resolved always. 1, 0 or -1.
 */
static int
release_wanted(struct store *st, const struct alert *a)
{
	struct store_alert	sa;
	int			rc;

	if (a->kind != ALERT_SPIKE || a->status == ALERT_RESOLVED)
		return 1;
	if ((rc = store_alert_get(st, a->watch, a->entity, a->signal,
	    &sa)) == -1)
		return -1;
	return rc == 1 && sa.state == STORE_ALERT_FIRING;
}

static struct config_sink *const *
release_sinks(const struct config *cfg, const struct alert *a)
{
	const struct config_watch	*w;
	const struct config_logs	*lg;

	if (a->kind == ALERT_SPIKE)
		return (w = config_watch_find(cfg, a->watch)) != NULL ?
		    w->sink_ptrs : NULL;
	TAILQ_FOREACH(lg, &cfg->logs, entry)
		if (strcmp(lg->name, a->source) == 0)
			return lg->sink_ptrs;
	return NULL;
}

int
silence_release(struct store *st, const struct config *cfg,
    const struct alert_context *ctx, time_t now, long long *released,
    char *err, size_t errlen)
{
	struct alert_batch	*batch = NULL;
	struct config_sink *const *sinks;
	struct held_list	 l;
	struct alert		 a;
	cJSON			*j;
	size_t			 i;
	long long		 n = 0;
	int			 muted, want;

	if (released != NULL)
		*released = 0;
	memset(&l, 0, sizeof l);
	if (store_begin(st) == -1) {
		snprintf(err, errlen, "state database: %s", store_error(st));
		return -1;
	}
	if (store_held_list(st, held_collect, &l) == -1) {
		snprintf(err, errlen, "held notifications: %s",
		    store_error(st));
		goto fail;
	}
	batch = alert_batch_new();
	for (i = 0; i < l.n; i++) {
		j = cJSON_Parse(l.v[i].json);
		if (j == NULL || alert_from_cjson(j, &a) == -1) {
			cJSON_Delete(j);
			log_warn("held notification %s is unreadable; dropped",
			    l.v[i].id);
			if (store_held_delete(st, l.v[i].id) == -1)
				goto dbfail;
			continue;
		}
		cJSON_Delete(j);
		if ((muted = silence_muted(st, cfg, &a, now, err,
		    errlen)) == -1)
			goto fail;
		if (muted)
			continue;
		if ((want = release_wanted(st, &a)) == -1)
			goto dbfail;
		sinks = release_sinks(cfg, &a);
		if (want && sinks == NULL)
			log_warn("held notification %s: %s %s is no longer in "
			    "the config; dropped", l.v[i].id, a.kind ==
			    ALERT_SPIKE ? "watch" : "logs source", a.kind ==
			    ALERT_SPIKE ? a.watch : a.source);
		else if (want) {
			alert_batch_add(batch, &a, sinks);
			n++;
		} else
			log_info("held notification %s: no longer firing; "
			    "dropped", l.v[i].id);
		if (store_held_delete(st, l.v[i].id) == -1)
			goto dbfail;
	}
	/* Not muted any more: the hold hook lets these through. */
	if (alert_batch_count(batch) > 0 && alert_batch_enqueue(batch, st, ctx,
	    now, err, errlen) == -1)
		goto fail;
	if (store_commit(st) == -1)
		goto dbfail;
	if (n > 0)
		log_info("silences: %lld held notification%s released", n,
		    n == 1 ? "" : "s");
	silence_nreleased += n;
	if (released != NULL)
		*released = n;
	alert_batch_free(batch);
	for (i = 0; i < l.n; i++)
		free(l.v[i].json);
	free(l.v);
	return 0;
dbfail:
	snprintf(err, errlen, "state database: %s", store_error(st));
fail:
	store_rollback(st);
	alert_batch_free(batch);
	for (i = 0; i < l.n; i++)
		free(l.v[i].json);
	free(l.v);
	return -1;
}
