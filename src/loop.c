#include "autoconf.h"

#include <ev.h>

#include "log.h"
#include "loop.h"

static struct ev_loop	*loop_default;
static int		 loop_broken;

struct ev_loop *
loop_get(void)
{
	if (loop_default == NULL) {
		loop_default = ev_default_loop(EVFLAG_AUTO);
		if (loop_default == NULL)
			fatal("cannot initialise libev (bad LIBEV_FLAGS?)");
	}
	return loop_default;
}

void
loop_shutdown(void)
{
	if (loop_default != NULL)
		ev_loop_destroy(loop_default);
	loop_default = NULL;
}

void
loop_run(void)
{
	loop_broken = 0;
	ev_run(loop_get(), 0);
}

void
loop_break(void)
{
	loop_broken = 1;
	if (loop_default != NULL)
		ev_break(loop_default, EVBREAK_ALL);
}

static void
loop_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	int	*expired = w->data;

	*expired = 1;
}

int
loop_run_until(int (*done)(void *), void *arg, double timeout)
{
	struct ev_loop	*loop = loop_get();
	ev_timer	 deadline;
	int		 expired = 0, rc = -1;

	loop_broken = 0;
	ev_timer_init(&deadline, loop_deadline_cb, timeout, 0.);
	deadline.data = &expired;
	if (timeout > 0) {
		/* Count from now, not from a time cached before a long stall. */
		ev_now_update(loop);
		ev_timer_start(loop, &deadline);
	}
	for (;;) {
		if (done != NULL && done(arg)) {
			rc = 0;
			break;
		}
		if (expired || loop_broken)
			break;
		if (!ev_run(loop, EVRUN_ONCE))
			break;	/* nothing left that could make done() true */
	}
	ev_timer_stop(loop, &deadline);
	return rc;
}

void
loop_run_for(double seconds)
{
	if (seconds > 0)
		(void)loop_run_until(NULL, NULL, seconds);
}

double
loop_now(void)
{
	return ev_now(loop_get());
}
