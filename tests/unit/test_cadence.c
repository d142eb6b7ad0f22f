/*
 * The polling rule of poll = auto (src/cadence.c): tables of traffic and
 * state to the next poll, the rise test and the smoothed traffic.
 */
#include "autoconf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cadence.h"
#include "tap.h"

/* min_requests 20, period 60 s, interval 60 s, cap 15 min, auto. */
struct row {
	const char	*name;
	double		 rate;
	int		 outage, idle;
	enum cadence_state	 state;
	int		 current;
	int64_t		 interval, fixed;
	int		 want;
};

static const struct row rows[] = {
	{ "busy: 3000 a minute", 3000, 0, 0, CADENCE_OK, 1, 60, 0, 1 },
	{ "busy: exactly min_requests a period", 20, 0, 0, CADENCE_OK, 1, 60,
	  0, 1 },
	{ "10 a minute: a window in 2 periods", 10, 0, 0, CADENCE_OK, 1, 60, 0,
	  2 },
	{ "2 a minute: 10 periods", 2, 0, 0, CADENCE_OK, 1, 60, 0, 10 },
	{ "3 a minute: 6.67 periods, rounded down", 3, 0, 0, CADENCE_OK, 1, 60,
	  0, 6 },
	{ "1 a minute: 20 periods, capped at 15", 1, 0, 0, CADENCE_OK, 1, 60, 0,
	  15 },
	{ "0.2 a minute: capped at 15", 0.2, 0, 0, CADENCE_OK, 1, 60, 0, 15 },
	{ "no traffic (rate 0): cap", 0, 0, 0, CADENCE_OK, 1, 60, 0, 15 },
	{ "idle: cap", 5, 0, 1, CADENCE_OK, 1, 60, 0, 15 },
	{ "unknown traffic (new): every cycle", -1, 0, 0, CADENCE_OK, 1, 60, 0,
	  1 },
	{ "quiet but rising: every cycle", 2, 0, 0, CADENCE_RISING, 10, 60, 0,
	  1 },
	{ "quiet and pending: every cycle", 0.5, 0, 0, CADENCE_PENDING, 15, 60,
	  0, 1 },
	{ "quiet and firing: every cycle", 0.5, 0, 0, CADENCE_FIRING, 15, 60, 0,
	  1 },
	{ "idle and firing: every cycle", 0, 0, 1, CADENCE_FIRING, 15, 60, 0,
	  1 },
	{ "outage on a busy entity: current delay (1)", 500, 1, 0, CADENCE_OK,
	  1, 60, 0, 1 },
	{ "outage keeps a longer current delay", 25, 1, 0, CADENCE_OK, 4, 60, 0,
	  4 },
	{ "outage: current above the cap is capped", 25, 1, 0, CADENCE_OK, 40,
	  60, 0, 15 },
	{ "2 a minute at a 5 min interval: 2 cycles", 2, 0, 0, CADENCE_OK, 1,
	  300, 0, 2 },
	{ "1 a minute at a 5 min interval: cap 3 cycles", 1, 0, 0, CADENCE_OK,
	  1, 300, 0, 3 },
	{ "interval above the cap: every cycle", 0.1, 0, 0, CADENCE_OK, 1, 3600,
	  0, 1 },
	{ "poll = 1m: every cycle, quiet or not", 0.2, 0, 0, CADENCE_OK, 1, 60,
	  60, 1 },
	{ "poll = 5m: every 5th cycle, busy or not", 3000, 0, 0, CADENCE_OK, 1,
	  60, 300, 5 },
	{ "poll = 5m, idle: the cap", 0, 0, 1, CADENCE_OK, 1, 60, 300, 15 },
	{ "poll = 30m beats the cap", 0.2, 0, 0, CADENCE_OK, 1, 60, 1800, 30 },
	{ "poll = 5m, firing: every cycle", 3000, 0, 0, CADENCE_FIRING, 5, 60,
	  300, 1 },
	{ "poll = 90s at 60 s: rounded up to 2", 3000, 0, 0, CADENCE_OK, 1, 60,
	  90, 2 },
};

static void
test_table(void)
{
	struct cadence_in	in;
	size_t		i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&in, 0, sizeof in);
		in.rate = rows[i].rate;
		in.outage = rows[i].outage;
		in.idle = rows[i].idle;
		in.state = rows[i].state;
		in.current = rows[i].current;
		in.min_requests = 20;
		in.period = 60;
		in.interval = rows[i].interval;
		in.cap = 900;
		in.fixed = rows[i].fixed;
		is_int(cadence_cycles(&in), rows[i].want, rows[i].name);
	}
	memset(&in, 0, sizeof in);
	in.rate = 5;
	in.min_requests = 20;
	in.period = 300;	/* 4 five-minute periods = 20 min > cap */
	in.interval = 300;
	in.cap = 900;
	is_int(cadence_cycles(&in), 3, "5 min periods: the cap in cycles");
	in.interval = 0;
	in.period = 60;
	in.cap = 0;
	is_int(cadence_cycles(&in), 1, "nonsense interval and cap: at least 1");
	/* idle_interval = 1d: a quiet entity stays within one catch-up */
	memset(&in, 0, sizeof in);
	in.rate = 0.01;
	in.min_requests = 20;
	in.period = 60;
	in.interval = 60;
	in.cap = 86400;
	in.cover = 347;
	is_int(cadence_cycles(&in), 347, "quiet, cap 1 day: at most cover");
	in.idle = 1;
	is_int(cadence_cycles(&in), 1440, "idle: the cap, no traffic to lose");
	in.idle = 0;
	in.fixed = 86400;
	is_int(cadence_cycles(&in), 347, "poll = 1d with traffic: at most cover");
}

static void
test_rising(void)
{
	/* min_errors 5, min_ratio 3, alpha 1e-4: sqrt(alpha) = 1e-2 */
	ok(!cadence_rising(5, 3, 1e-4, 20, 0, 0.01), "no error: no rise");
	ok(!cadence_rising(5, 3, 1e-4, 20, 1, 0.01),
	    "1 error in 20 at 1 %%: below min_errors / 2");
	ok(!cadence_rising(5, 3, 1e-4, 20, 2, 0.01),
	    "2 in 20: P = 0.017 > 0.01, not a rise");
	ok(cadence_rising(5, 3, 1e-4, 20, 3, 0.01),
	    "3 in 20: P = 0.001, a rise");
	ok(cadence_rising(5, 3, 1e-4, 6, 3, 0.01),
	    "3 in a window of 6 (too few requests to judge): a rise");
	ok(!cadence_rising(5, 3, 1e-4, 10000, 3, 0.01),
	    "3 in 10000: under the ratio gate");
	ok(!cadence_rising(5, 3, 1e-4, 1000, 25, 0.01),
	    "25 in 1000 at 1 %%: under 3 x p0");
	ok(cadence_rising(5, 3, 1e-4, 1000, 40, 0.01), "40 in 1000: a rise");
	ok(!cadence_rising(5, 3, 1e-4, 0, 0, 0.01), "no requests");
	ok(!cadence_rising(5, 3, 1e-4, 20, 30, 0.01), "errors above requests");
	ok(!cadence_rising(5, 3, 1e-4, 20, 3, NAN), "no baseline");
}

static void
test_rate(void)
{
	int	out;
	double	r;

	is_num(cadence_rate(-1, 120, 60, 0, 60, 900, 20, &out), 2, 1e-12,
	    "unknown: the mean of the window");
	ok(!out, "not an outage");
	is_num(cadence_rate(-1, 120, 16, 24, 60, 900, 20, &out), 24, 1e-12,
	    "unknown: the recent mean when larger");
	r = cadence_rate(2, 60, 15, 3, 60, 900, 20, &out);
	is_num(r, 2 + (4 - 2) * (1 - exp(-1)), 1e-12,
	    "15 periods of 4 after 2: one time constant");
	is_num(cadence_rate(0, 120, 16, 24, 60, 900, 20, &out), 24, 1e-12,
	    "traffic that appears is busy at once (the recent mean)");
	is_num(cadence_rate(500, 0, 1, 0, 60, 900, 20, &out), 500, 0,
	    "busy, a period without requests: rate kept");
	ok(out, "an outage");
	r = cadence_rate(10, 0, 5, 0, 60, 900, 20, &out);
	ok(r < 10 && r > 0 && !out,
	    "quiet, no requests: the rate decays, no outage");
	is_num(cadence_rate(7, 10, 0, 0, 60, 900, 20, NULL), 7, 0,
	    "no new period: unchanged");
	is_num(cadence_rate(7, 10, 2, 5, 60, 0, 20, NULL), 5, 1e-12,
	    "tau 0: the new mean");
}

int
main(void)
{
	test_table();
	test_rising();
	test_rate();
	return tap_done();
}
