/*
 * Silences and mute windows: schedule parsing and evaluation (UTC, past
 * midnight, a named zone), matchers, and hold-and-release of notifications
 * through a real state database and a real config file.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "silence.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char	dir[256];
static char	err[512];

/* 2026-12-01T14:30:00Z is a Tuesday. */
#define TUE_1430	((time_t)1796135400)

static void
test_schedule(void)
{
	struct silence_schedule	s;

	ok(silence_schedule_parse("Tue,Thu 14:00-15:00 UTC", &s, err,
	    sizeof err) == 0, "Tue,Thu 14:00-15:00 UTC parses");
	is_int(s.days, (1 << 2) | (1 << 4), "days Tue and Thu");
	is_int(s.start, 14 * 60, "start minute");
	is_int(s.end, 15 * 60, "end minute");
	is_str(s.zone, "UTC", "zone");
	ok(silence_schedule_active(&s, TUE_1430), "active Tue 14:30Z");
	ok(!silence_schedule_active(&s, TUE_1430 + 3600), "not at 15:30Z");
	ok(!silence_schedule_active(&s, TUE_1430 - 45 * 60),
	    "not at 13:45Z");
	ok(!silence_schedule_active(&s, TUE_1430 + 86400), "not on Wednesday");
	ok(silence_schedule_active(&s, TUE_1430 + 2 * 86400), "Thursday too");

	ok(silence_schedule_parse("Mon-Fri 09:00-17:00", &s, err,
	    sizeof err) == 0 && s.days == 0x3e, "Mon-Fri range, zone "
	    "defaults to UTC");
	ok(silence_schedule_parse("Fri-Mon 00:00-24:00", &s, err,
	    sizeof err) == 0 && s.days == ((1 << 5) | (1 << 6) | 1 | 2),
	    "a range across Sunday");
	ok(silence_schedule_parse("* 22:00-02:00", &s, err, sizeof err) == 0,
	    "past midnight parses");
	ok(silence_schedule_active(&s, TUE_1430 + 10 * 3600),
	    "00:30 Wed is in Tue's 22:00-02:00");
	ok(!silence_schedule_active(&s, TUE_1430 + 12 * 3600),
	    "02:30 is not");

	ok(silence_schedule_parse("Mon 22:00-02:00", &s, err, sizeof err) ==
	    0, "Mon past midnight");
	ok(silence_schedule_active(&s, TUE_1430 - 13 * 3600),
	    "Tue 01:30 belongs to Monday's window");
	ok(!silence_schedule_active(&s, TUE_1430 + 11 * 3600),
	    "Wed 01:30 does not");

	/* Berlin is UTC+1 in December: 15:30 there is 14:30Z. */
	ok(silence_schedule_parse("Tue 15:00-16:00 Europe/Berlin", &s, err,
	    sizeof err) == 0, "a named zone parses (tzdata)");
	ok(silence_schedule_active(&s, TUE_1430), "15:30 Berlin = 14:30Z");
	ok(!silence_schedule_active(&s, TUE_1430 + 3600), "16:30 Berlin: not");
	ok(getenv("TZ") == NULL || strcmp(getenv("TZ"), "Europe/Berlin") != 0,
	    "TZ restored");

	ok(silence_schedule_parse("Tue 14:00-15:00 Mars/Olympus", &s, err,
	    sizeof err) == -1 && strstr(err, "unknown time zone") != NULL,
	    "unknown zone refused");
	ok(silence_schedule_parse("Tue 14:00-15:00 ../etc/passwd", &s, err,
	    sizeof err) == -1 && strstr(err, "bad time zone") != NULL,
	    "path-like zone refused");
	ok(silence_schedule_parse("Tuesday 14:00-15:00", &s, err,
	    sizeof err) == -1 && strstr(err, "bad days") != NULL,
	    "bad day refused");
	ok(silence_schedule_parse("Tue 14:00-14:00", &s, err, sizeof err) ==
	    -1 && strstr(err, "empty") != NULL, "empty window refused");
	ok(silence_schedule_parse("Tue 25:00-26:00", &s, err, sizeof err) ==
	    -1 && strstr(err, "bad hours") != NULL, "bad hours refused");
	ok(silence_schedule_parse("Tue", &s, err, sizeof err) == -1,
	    "missing hours refused");
	ok(silence_schedule_parse("Tue 14:00-15:00 UTC extra", &s, err,
	    sizeof err) == -1, "extra words refused");
}

static void
spike(struct alert *a, const char *entity, enum alert_status st)
{
	alert_init(a, ALERT_SPIKE);
	a->status = st;
	a->at = TUE_1430;
	util_strlcpy(a->watch, "fns", sizeof a->watch);
	util_strlcpy(a->entity, entity, sizeof a->entity);
	util_strlcpy(a->signal, "errors", sizeof a->signal);
	a->value = 0.5;
	a->baseline = 0.01;
}

static void
test_match(void)
{
	struct store_silence	si;
	struct alert		a;

	memset(&si, 0, sizeof si);
	spike(&a, "api-orders", ALERT_FIRING);
	ok(silence_matches(&si, &a), "no matchers: everything");
	util_strlcpy(si.watch, "fns", sizeof si.watch);
	util_strlcpy(si.entity, "api-*", sizeof si.entity);
	ok(silence_matches(&si, &a), "watch and entity glob");
	util_strlcpy(si.kind, "secret", sizeof si.kind);
	ok(!silence_matches(&si, &a), "kind secret does not match a spike");
	util_strlcpy(si.kind, "spike", sizeof si.kind);
	util_strlcpy(si.signal, "throttles", sizeof si.signal);
	ok(!silence_matches(&si, &a), "other signal");
	si.signal[0] = '\0';
	util_strlcpy(si.entity, "web-*", sizeof si.entity);
	ok(!silence_matches(&si, &a), "entity glob miss");

	memset(&si, 0, sizeof si);
	alert_init(&a, ALERT_SECRET);
	util_strlcpy(a.source, "app", sizeof a.source);
	util_strlcpy(a.log_group, "/aws/lambda/pay", sizeof a.log_group);
	util_strlcpy(a.rule, "aws-access-key", sizeof a.rule);
	util_strlcpy(si.watch, "app", sizeof si.watch);
	util_strlcpy(si.entity, "/aws/lambda/*", sizeof si.entity);
	util_strlcpy(si.signal, "aws-access-key", sizeof si.signal);
	ok(silence_matches(&si, &a), "finding: source, log group, rule");
	util_strlcpy(si.watch, "fns", sizeof si.watch);
	ok(!silence_matches(&si, &a), "finding of another source");
}

/* Outbox rows (all statuses) and held rows. */
static void
counts(struct store *st, int64_t *outbox, int64_t *held)
{
	int64_t	c[STORE_OUTBOX_NSTATUS];
	int	i;

	*outbox = 0;
	if (store_outbox_counts(st, NULL, c) == 0)
		for (i = 0; i < STORE_OUTBOX_NSTATUS; i++)
			*outbox += c[i];
	(void)store_held_count(st, held);
}

static int
enqueue(struct store *st, struct config *cfg, const struct alert *a,
    time_t now)
{
	struct alert_context	 ctx;
	struct alert_batch	*b = alert_batch_new();
	int			 rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.account = ctx.region = "";
	alert_hold_set(silence_hold, cfg);
	alert_batch_add(b, a, config_watch_find(cfg, "fns")->sink_ptrs);
	rc = store_begin(st) == 0 && alert_batch_enqueue(b, st, &ctx, now,
	    err, sizeof err) == 0 && store_commit(st) == 0 ? 0 : -1;
	alert_batch_free(b);
	return rc;
}

static void
set_state(struct store *st, const char *entity, enum store_alert_state s)
{
	struct store_alert	sa;

	(void)store_alert_get(st, "fns", entity, "errors", &sa);
	sa.state = s;
	sa.since = TUE_1430;
	(void)store_alert_put(st, &sa);
}

/* A hold hook that holds the first alert and fails on the second. */
static int
hold_then_fail(void *arg, struct store *st, const struct alert *a,
    time_t now, char *e, size_t elen)
{
	int	*calls = arg;

	(void)st;
	(void)a;
	(void)now;
	if ((*calls)++ == 0)
		return 1;
	snprintf(e, elen, "injected");
	return -1;
}

static struct config *
write_config(const char *name, const char *extra)
{
	char		 path[512], *cause = NULL;
	struct config	*cfg;
	FILE		*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fprintf(f, "[cwguard]\nstate = %s/state.db\n\n[watch fns]\n"
	    "kind = lambda\nfunctions = *\n\n[watch other]\nkind = lambda\n"
	    "functions = x-*\n\n[sink hook]\ntype = webhook\n"
	    "url = https://hooks.example.com/x\n%s", dir, extra);
	fclose(f);
	chmod(path, 0600);
	if ((cfg = config_load(path, &cause)) == NULL) {
		tap_diag("%s", cause);
		free(cause);
	}
	return cfg;
}

static void
test_hold_release(void)
{
	struct config		*cfg, *mcfg;
	struct store		*st;
	struct store_silence	 si;
	struct alert		 a;
	int64_t			 ob, held, ob0;
	long long		 rel;
	time_t			 t = TUE_1430;
	char			 path[512];

	cfg = write_config("plain.conf", "");
	ok(cfg != NULL, "config loads");
	snprintf(path, sizeof path, "%s/state.db", dir);
	st = store_open(path, STORE_CREATE, err, sizeof err);
	ok(st != NULL, "store opens");
	if (cfg == NULL || st == NULL)
		return;

	/* Not muted: goes out. */
	spike(&a, "api-orders", ALERT_FIRING);
	ok(enqueue(st, cfg, &a, t) == 0, "enqueue unmuted");
	counts(st, &ob, &held);
	ok(ob == 1 && held == 0, "unmuted firing queued");
	ob0 = ob;

	/* A silence on api-*: the firing of api-pay is held. */
	memset(&si, 0, sizeof si);
	util_strlcpy(si.watch, "fns", sizeof si.watch);
	util_strlcpy(si.entity, "api-*", sizeof si.entity);
	util_strlcpy(si.comment, "deploy", sizeof si.comment);
	si.starts = si.created = t;
	si.ends = t + 3600;
	ok(store_silence_add(st, &si) == 0 && strlen(si.id) == 12,
	    "silence added with a 12-digit id");
	spike(&a, "api-pay", ALERT_FIRING);
	set_state(st, "api-pay", STORE_ALERT_FIRING);
	ok(enqueue(st, cfg, &a, t + 60) == 0, "enqueue muted");
	counts(st, &ob, &held);
	ok(ob == ob0 && held == 1, "muted firing held, not queued");
	ok(silence_held_total() == 1, "held counted");
	/* Another watch is not silenced. */
	spike(&a, "api-pay", ALERT_FIRING);
	util_strlcpy(a.watch, "other", sizeof a.watch);
	ok(enqueue(st, cfg, &a, t + 60) == 0, "enqueue other watch");
	counts(st, &ob, &held);
	ok(ob == ob0 + 1 && held == 1, "other watch not muted");
	ob0 = ob;

	ok(silence_release(st, cfg, NULL, t + 120, &rel, err,
	    sizeof err) == 0 && rel == 0, "nothing released while in force");
	ok(store_silence_expire(st, si.id, t + 180) == 1, "silence expired");
	ok(store_silence_expire(st, si.id, t + 190) == 0,
	    "expiring twice: not in force");
	ok(silence_release(st, cfg, NULL, t + 200, &rel, err,
	    sizeof err) == 0 && rel == 1, "still firing: released at end");
	counts(st, &ob, &held);
	ok(ob == ob0 + 1 && held == 0, "released firing queued");
	ob0 = ob;

	/* Fired and resolved within a silence: nothing at all. */
	si.starts = t + 300;
	si.ends = t + 3600;
	ok(store_silence_add(st, &si) == 0, "second silence");
	spike(&a, "api-cart", ALERT_FIRING);
	set_state(st, "api-cart", STORE_ALERT_FIRING);
	ok(enqueue(st, cfg, &a, t + 400) == 0, "firing muted");
	spike(&a, "api-cart", ALERT_RESOLVED);
	set_state(st, "api-cart", STORE_ALERT_RESOLVED);
	ok(enqueue(st, cfg, &a, t + 500) == 0, "resolved muted");
	counts(st, &ob, &held);
	ok(ob == ob0 && held == 0, "firing+resolved in a silence: nothing "
	    "held, nothing sent");

	/* Delivered firing, then resolved in the silence: held, then sent. */
	spike(&a, "api-pay", ALERT_RESOLVED);
	set_state(st, "api-pay", STORE_ALERT_RESOLVED);
	ok(enqueue(st, cfg, &a, t + 600) == 0, "resolved of a sent firing");
	counts(st, &ob, &held);
	ok(ob == ob0 && held == 1, "resolved held");
	/* Held firing that stops firing before the end: dropped. */
	spike(&a, "api-slow", ALERT_FIRING);
	set_state(st, "api-slow", STORE_ALERT_FIRING);
	ok(enqueue(st, cfg, &a, t + 600) == 0, "another firing muted");
	set_state(st, "api-slow", STORE_ALERT_OK);
	ok(silence_release(st, cfg, NULL, t + 3600, &rel, err,
	    sizeof err) == 0 && rel == 1, "at the end: the resolved only");
	counts(st, &ob, &held);
	ok(ob == ob0 + 1 && held == 0, "resolved sent, stale firing dropped");
	ob0 = ob;

	/* A mute window of the config, open on Tuesdays 14:00-15:00. */
	mcfg = write_config("mute.conf", "\n[mute deploys]\nwatches = fns\n"
	    "schedule = Tue,Thu 14:00-15:00 UTC\n");
	ok(mcfg != NULL, "config with [mute] loads");
	if (mcfg != NULL) {
		spike(&a, "web", ALERT_FIRING);
		set_state(st, "web", STORE_ALERT_FIRING);
		ok(enqueue(st, mcfg, &a, t) == 0, "enqueue in the window");
		counts(st, &ob, &held);
		ok(ob == ob0 && held == 1, "held by the mute window");
		ok(silence_release(st, mcfg, NULL, t + 600, &rel, err,
		    sizeof err) == 0 && rel == 0, "window still open");
		ok(silence_release(st, mcfg, NULL, t + 3600, &rel, err,
		    sizeof err) == 0 && rel == 1, "released after 15:00");
		counts(st, &ob, &held);
		ok(ob == ob0 + 1 && held == 0, "queued after the window");
	}
	config_free(mcfg);

	/* A hook failing midway: enqueue fails, the batch is freed once. */
	{
		struct alert_context	 ctx;
		struct alert_batch	*b = alert_batch_new();
		int			 calls = 0;

		memset(&ctx, 0, sizeof ctx);
		spike(&a, "x-1", ALERT_FIRING);
		alert_batch_add(b, &a, config_watch_find(cfg,
		    "fns")->sink_ptrs);
		spike(&a, "x-2", ALERT_FIRING);
		alert_batch_add(b, &a, config_watch_find(cfg,
		    "fns")->sink_ptrs);
		spike(&a, "x-3", ALERT_FIRING);
		alert_batch_add(b, &a, config_watch_find(cfg,
		    "fns")->sink_ptrs);
		alert_hold_set(hold_then_fail, &calls);
		ok(alert_batch_enqueue(b, st, &ctx, t, err, sizeof err) == -1 &&
		    strcmp(err, "injected") == 0 && alert_batch_count(b) == 0,
		    "a failing hold hook fails the enqueue, batch emptied");
		alert_batch_free(b);
		alert_hold_clear(&calls);
	}

	/* Bad [mute] sections. */
	ok(write_config("bad1.conf", "\n[mute x]\nwatches = nope\n"
	    "schedule = Tue 14:00-15:00\n") == NULL, "unknown watch refused");
	ok(write_config("bad2.conf", "\n[mute x]\nschedule = Tue 9-10\n") ==
	    NULL, "bad schedule refused");
	ok(write_config("bad3.conf", "\n[mute x]\nwatches = fns\n") == NULL,
	    "missing schedule refused");

	store_close(st);
	config_free(cfg);
}

int
main(void)
{
	char	cmd[300];

	snprintf(dir, sizeof dir, "/tmp/test_silence.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_schedule();
	test_match();
	test_hold_release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
