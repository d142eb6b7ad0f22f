/*
 * The daemon (`cwguard run`): every watch and logs source on its own
 * timer, the outbox scheduler, /metrics and /healthz, SIGHUP reloads,
 * sd_notify READY, STATUS and (while cycles succeed) WATCHDOG.
 */
#ifndef CWG_DAEMON_H
#define CWG_DAEMON_H

#define DAEMON_EX_CONFIG	78	/* the config did not load (EX_CONFIG) */

/*
 * Runs in the foreground until SIGTERM or SIGINT with the config at
 * config_path (kept: SIGHUP reads it again); verbosity 0 takes the
 * config's log_level. Returns the exit code: 0, 1 (could not start) or
 * DAEMON_EX_CONFIG.
 */
int	daemon_main(const char *config_path, int verbosity);

#endif
