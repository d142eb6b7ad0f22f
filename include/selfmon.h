/*
 * cwguard's own health ([cwguard] self_sinks, self_after): alerts of kind
 * "self" to the self_sinks when credentials are rejected, when a source
 * fails self_after cycles in a row, when notifications expire undelivered
 * and when a logs source falls behind; each resolved once healthy again.
 * The state (failures in a row, which self alerts are firing, expired
 * notifications already told) lives in the store's meta table, so `run`
 * and `check` from cron behave the same.
 */
#ifndef CWG_SELFMON_H
#define CWG_SELFMON_H

#include <stddef.h>
#include <time.h>

struct alert_context;
struct config;
struct store;

/*
 * After one cycle of a source (kind "watch" or "logs", its name; ok, or
 * the error text) at now; outside any transaction (it takes its own).
 * Does nothing without self_sinks except count. 0 or -1 with err.
 */
int	 selfmon_cycle(struct store *, const struct config *,
	    const struct alert_context *, const char *kind, const char *name,
	    int ok, const char *error, time_t now, char *err, size_t errlen);

/* 1 when error reads as rejected or missing credentials. */
int	 selfmon_is_credentials(const char *error);

#endif
