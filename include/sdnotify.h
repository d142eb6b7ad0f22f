/*
 * systemd's notify protocol without libsystemd: one datagram per message to
 * the unix socket named by $NOTIFY_SOCKET (a path, or '@' for the abstract
 * namespace). Everything is a no-op when the variable is unset.
 */
#ifndef CWG_SDNOTIFY_H
#define CWG_SDNOTIFY_H

/* Sends "READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1"... 0 / -1. */
int	 sdnotify_send(const char *);
/* printf-style convenience for STATUS= lines. */
int	 sdnotify_status(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * The watchdog interval in seconds from $WATCHDOG_USEC (and $WATCHDOG_PID
 * when set, which must be ours), or 0 when no watchdog is asked for.
 */
double	 sdnotify_watchdog_interval(void);

#endif
