/*
 * The process's one libev loop. Every module that owns watchers gets the
 * loop from here; nothing else creates or runs one. One-shot commands use
 * loop_run_until() to drive their requests to completion.
 */
#ifndef CWG_LOOP_H
#define CWG_LOOP_H

struct ev_loop;

/* The default loop, created on first use (fatal() if libev cannot). */
struct ev_loop *loop_get(void);
/* Destroys the loop; every watcher must have been stopped. */
void	 loop_shutdown(void);

/* Runs until ev_break() / loop_break() or no watcher is left. */
void	 loop_run(void);
/* Makes loop_run() and the loop_run_* helpers return soon. */
void	 loop_break(void);
/*
 * Runs until done(arg) returns non-zero, checked before the first wait and
 * after every loop iteration, or until timeout seconds have passed
 * (timeout <= 0: no limit). Returns 0 when done, -1 on timeout, when
 * loop_break() was called, or when no watcher is left to wake the loop.
 */
int	 loop_run_until(int (*done)(void *), void *arg, double timeout);
/* Runs for about seconds (timers and I/O are served meanwhile). */
void	 loop_run_for(double seconds);
/* The loop's cached time (ev_now), in seconds. */
double	 loop_now(void);

#endif
