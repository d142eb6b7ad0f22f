/*
 * Silences (`cwguard silence add`, stored in the state database) and the
 * weekly mute windows of the config ([mute NAME]). While an alert is
 * muted its state is still judged and stored, but its notifications are
 * held back, one per alert id, in the store; when the mute ends,
 * silence_release() delivers a firing that is still firing (and a secret
 * finding), and a resolved only if its firing had been delivered.
 */
#ifndef CWG_SILENCE_H
#define CWG_SILENCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct alert;
struct alert_context;
struct config;
struct config_mute;
struct store;
struct store_silence;

/* One weekly window: days (bit 0 Sunday .. bit 6 Saturday), minutes. */
struct silence_schedule {
	unsigned	 days;
	int		 start;		/* minute of the day, 0..1439 */
	int		 end;		/* 1..1440; <= start: ends next day */
	char		 zone[128];	/* "UTC" or an IANA zone name */
};

/*
 * "DAYS HH:MM-HH:MM [ZONE]": DAYS a comma list of Mon..Sun, ranges
 * (Mon-Fri) or '*'; ZONE UTC (the default) or a zone of the system's
 * tzdata (Europe/Berlin). 0, or -1 with err.
 */
int	 silence_schedule_parse(const char *, struct silence_schedule *,
	    char *err, size_t errlen);
/* 1 when now falls in the window (in its zone), else 0. */
int	 silence_schedule_active(const struct silence_schedule *, time_t now);

/* 1 when the silence's matchers all match the alert (time not checked). */
int	 silence_matches(const struct store_silence *, const struct alert *);
/* 1 when the mute window covers the alert's watch or source now. */
int	 silence_mute_matches(const struct config_mute *, const struct alert *,
	    time_t now);
/*
 * 1 when a silence in force at now or a mute window of cfg mutes the
 * alert, 0 if not, -1 with err (the store failed).
 */
int	 silence_muted(struct store *, const struct config *,
	    const struct alert *, time_t now, char *err, size_t errlen);

/*
 * The alert_context hold hook (arg: the const struct config *): records a
 * muted alert's notification in the store instead of sending it.
 */
int	 silence_hold(void *cfg, struct store *, const struct alert *,
	    time_t now, char *err, size_t errlen);
/*
 * Outside any transaction: enqueues the held notifications whose mute has
 * ended (with ctx, for their account and region) in one transaction.
 * *released (may be NULL) gets how many were enqueued. 0 or -1 with err.
 */
int	 silence_release(struct store *, const struct config *,
	    const struct alert_context *, time_t now, long long *released,
	    char *err, size_t errlen);

/* Process totals for /metrics: notifications held back and released. */
long long silence_held_total(void);
long long silence_released_total(void);

#endif
