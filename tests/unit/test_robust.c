/* Unit tests for the robust detector (kind = metric). */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robust.h"
#include "tap.h"

#define T0	((time_t)1704067200)	/* Monday 2024-01-01 00:00 UTC */
#define STEP	300			/* 5-minute periods */
#define DAY	(86400 / STEP)

static uint32_t	 lcg_state;

/* Deterministic noise in [-1, 1). */
static double
noise(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return (lcg_state >> 8) / (double)(1u << 23) - 1.0;
}

/*
 * Parameters without the record, context and level rules, so each rule is
 * tested alone.
 */
static void
plain_params(struct robust_params *p)
{
	robust_params_default(p);
	p->threshold = 5;
	p->record = 0;
	p->holdoff = 0;
	p->context_threshold = 0;
	p->level_threshold = 0;
}

struct feed {
	int	 alerts;
	int	 first_alert;	/* index, -1 = none */
	int	 judged;
	int	 skipped;
};

static void
feed_one(struct robust *r, struct feed *f, int i, double v,
    struct robust_result *res)
{
	int	 rc;

	rc = robust_update(r, T0 + (time_t)i * STEP, v, res);
	if (rc == -1)
		f->skipped++;
	if (res->judged)
		f->judged++;
	if (rc == 1) {
		if (f->alerts++ == 0)
			f->first_alert = i;
	}
}

static void
test_params(void)
{
	struct robust_params	 p;
	enum robust_direction	 d;
	char			 err[128];

	robust_params_default(&p);
	is_int(robust_params_check(&p, err, sizeof(err)), 0, "defaults valid");
	p.threshold = 0;
	is_int(robust_params_check(&p, err, sizeof(err)), -1,
	    "threshold 0 refused");
	ok(strstr(err, "threshold") != NULL, "reason names threshold");
	ok(robust_new(&p) == NULL, "robust_new refuses invalid params");
	robust_params_default(&p);
	p.threshold = NAN;
	is_int(robust_params_check(&p, NULL, 0), -1, "threshold NaN refused");
	robust_params_default(&p);
	p.window = ROBUST_WINDOW + 1;
	is_int(robust_params_check(&p, NULL, 0), -1, "window over cap refused");
	robust_params_default(&p);
	p.season_min = ROBUST_SLOT_DEPTH + 1;
	is_int(robust_params_check(&p, NULL, 0), -1, "season_min over cap");
	robust_params_default(&p);
	p.min_history = 2;
	is_int(robust_params_check(&p, NULL, 0), -1, "min_history < 3 refused");

	is_int(robust_direction_parse("up", &d), 0, "parse up");
	is_int(d, ROBUST_UP, "up");
	is_int(robust_direction_parse("DOWN", &d), 0, "parse DOWN");
	is_int(d, ROBUST_DOWN, "down");
	is_int(robust_direction_parse("both", &d), 0, "parse both");
	is_int(d, ROBUST_BOTH, "both");
	is_int(robust_direction_parse("sideways", &d), -1, "parse junk");
}

static void
test_flat(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	struct feed		 f = { 0, -1, 0, 0 };
	int			 i;

	plain_params(&p);
	r = robust_new(&p);
	for (i = 0; i < 3 * DAY; i++)
		feed_one(r, &f, i, 45.0, &res);
	is_int(f.alerts, 0, "flat series: no alert");
	is_int(f.judged, 3 * DAY - p.min_history, "flat: judged after "
	    "min_history");
	is_num(res.score, 0, 1e-12, "flat: score 0");
	ok(res.scale > 0, "flat: scale floored above 0 (%g)", res.scale);
	is_num(res.median, 45.0, 1e-12, "flat: median");
	/* a small wiggle on a flat series is within the floor */
	feed_one(r, &f, i++, 46.0, &res);
	is_int(f.alerts, 0, "flat: +2% wiggle does not alert");
	/* a doubling does */
	feed_one(r, &f, i++, 90.0, &res);
	is_int(f.alerts, 1, "flat: doubling alerts");
	robust_free(r);
}

static void
test_quantised(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	struct feed		 f = { 0, -1, 0, 0 };
	double			 v;
	int			 i;

	/* CPU of an idle instance: 0.066 or 0.068 (or, rarely, 0.070) */
	plain_params(&p);
	r = robust_new(&p);
	lcg_state = 7;
	for (i = 0; i < 3 * DAY; i++) {
		v = noise();
		v = v < 0.6 ? 0.066 : (v < 0.97 ? 0.068 : 0.070);
		feed_one(r, &f, i, v, &res);
	}
	is_int(f.alerts, 0, "quantised series: no alert");
	ok(res.scale >= 0.002 - 1e-12, "quantised: scale >= step (%g)",
	    res.scale);
	/* a level well above the steps does alert */
	feed_one(r, &f, i++, 0.5, &res);
	is_int(f.alerts, 1, "quantised: jump to 0.5 alerts");
	robust_free(r);
}

static int
run_step(enum robust_direction dir, int record, int *first)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	struct feed		 f = { 0, -1, 0, 0 };
	int			 i;

	plain_params(&p);
	p.direction = dir;
	p.record = record;
	r = robust_new(&p);
	lcg_state = 1;
	for (i = 0; i < 600; i++)
		feed_one(r, &f, i, 10 + 0.5 * noise(), &res);
	for (; i < 800; i++)
		feed_one(r, &f, i, 20 + 0.5 * noise(), &res);
	robust_free(r);
	*first = f.first_alert;
	return f.alerts;
}

static void
test_step(void)
{
	int	 first;

	is_int(run_step(ROBUST_UP, 0, &first), 1, "step up, up: one alert");
	is_int(first, 600, "step up, up: at the step");
	is_int(run_step(ROBUST_BOTH, 0, &first), 1, "step up, both: one alert");
	is_int(run_step(ROBUST_DOWN, 0, &first), 0, "step up, down: none");
	is_int(run_step(ROBUST_UP, 1000, &first), 1,
	    "step up, up, record rule: one alert");
	is_int(first, 600, "step up, record rule: at the step");
}

static void
test_nan_and_order(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	unsigned char		*a, *b;
	size_t			 sz;
	int			 i, rc;

	plain_params(&p);
	r = robust_new(&p);
	for (i = 0; i < 100; i++)
		robust_update(r, T0 + i * STEP, 10 + (i % 3), &res);
	sz = robust_state_size();
	a = malloc(sz);
	b = malloc(sz);
	is_int(robust_save(r, a, sz), 0, "save");
	is_int(robust_save(r, a, sz - 1), -1, "save refuses a short buffer");
	rc = robust_update(r, T0 + 100 * STEP, NAN, &res);
	is_int(rc, -1, "NaN not accepted");
	is_int(res.judged, 0, "NaN not judged");
	is_int(res.alert, 0, "NaN does not alert");
	rc = robust_update(r, T0 + 101 * STEP, INFINITY, &res);
	is_int(rc, -1, "infinity not accepted");
	rc = robust_update(r, T0 + 99 * STEP, 1e9, &res);
	is_int(rc, -1, "value not after the previous time refused");
	rc = robust_update(r, T0 + 99 * STEP, 11, &res);
	is_int(rc, -1, "repeated time refused");
	robust_save(r, b, sz);
	ok(memcmp(a, b, sz) == 0, "skipped values leave the state unchanged");
	rc = robust_update(r, T0 + 102 * STEP, 11, &res);
	is_int(rc, 0, "series continues after NaN");
	is_int(res.judged, 1, "and is judged");
	free(a);
	free(b);
	robust_free(r);
}

/* 5-minute series, 10 +- noise, 100 from 14:00 to 15:00 every day. */
static double
daily_peak(int i)
{
	int	 minute = (i * STEP / 60) % 1440;

	return (minute >= 14 * 60 && minute < 15 * 60 ? 100 : 10) + noise();
}

static void
test_seasonal(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	int			 i, day, alerts_by_day[15], seasonal_peak[15];
	int			 late = 0, at3;

	plain_params(&p);
	p.holdoff = 12;
	r = robust_new(&p);
	lcg_state = 3;
	memset(alerts_by_day, 0, sizeof(alerts_by_day));
	memset(seasonal_peak, 0, sizeof(seasonal_peak));
	at3 = 10 * DAY + 3 * 12;	/* day 10, 03:00 */
	for (i = 0; i < 14 * DAY; i++) {
		double	 v = daily_peak(i);

		if (i == at3)
			v = 100;	/* the peak, at the wrong hour */
		day = i / DAY;
		if (robust_update(r, T0 + (time_t)i * STEP, v, &res) == 1) {
			alerts_by_day[day]++;
			if (i == at3)
				late++;
		}
		if ((i % DAY) == 14 * 12 + 6)	/* 14:30 */
			seasonal_peak[day] = res.seasonal;
	}
	ok(alerts_by_day[0] >= 1, "first peak alerts (trailing window only)");
	is_int(seasonal_peak[0], 0, "day 0: no seasonal profile yet");
	is_int(seasonal_peak[1], 1, "day 1: hour-of-day pool");
	is_int(seasonal_peak[8], 2, "day 8: hour-of-week profile");
	for (day = 8, i = 0; day < 14; day++)
		if (day != 10)
			i += alerts_by_day[day];
	is_int(i, 0, "days 8..13: the repeating peak is not an anomaly");
	is_int(late, 1, "the same level at 03:00 is an anomaly");
	is_int(alerts_by_day[10], 1, "day 10: that is the only alert");
	robust_free(r);

	/* without the seasonal profile the peak keeps alerting */
	p.season_min = 0;
	r = robust_new(&p);
	lcg_state = 3;
	for (i = 0, late = 0; i < 14 * DAY; i++)
		if (robust_update(r, T0 + (time_t)i * STEP, daily_peak(i),
		    NULL) == 1 && i >= 8 * DAY)
			late++;
	ok(late >= 6, "control: without profile the peak alerts (%d)", late);
	robust_free(r);
}

static void
test_short_history(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	int			 i;

	plain_params(&p);
	p.min_history = 10;
	r = robust_new(&p);
	for (i = 0; i < 9; i++)
		robust_update(r, T0 + i * STEP, i % 2 ? 5 : 6, &res);
	is_int(res.judged, 0, "9 values: not judged yet");
	robust_update(r, T0 + 9 * STEP, 5, &res);
	is_int(res.judged, 0, "10th value judged on 9: not yet");
	robust_update(r, T0 + 10 * STEP, 50, &res);
	is_int(res.judged, 1, "11th value judged on trailing window");
	is_int(res.seasonal, 0, "no seasonal profile with 10 values");
	is_num(res.median, 5.5, 1e-12, "median of 5,6 alternating");
	is_int(res.alert, 1, "jump alerts on the trailing window");
	ok(res.score > 5, "score %g", res.score);
	robust_free(r);
}

static void
test_holdoff_record(void)
{
	struct robust_params	 p;
	struct robust		*r;
	int			 i, n;
	double			 v;

	/* spikes of 30, 25, 40 every 50 values on 10 +- 0.5 */
	for (int mode = 0; mode < 3; mode++) {
		plain_params(&p);
		if (mode == 1)
			p.holdoff = 75;
		if (mode == 2)
			p.record = 500;
		r = robust_new(&p);
		lcg_state = 5;
		for (i = 0, n = 0; i < 400; i++) {
			v = 10 + 0.5 * noise();
			if (i == 200)
				v = 30;
			if (i == 250)
				v = 25;
			if (i == 300)
				v = 40;
			n += robust_update(r, T0 + i * STEP, v, NULL) == 1;
		}
		if (mode == 0)
			is_int(n, 3, "no holdoff, no record: three spikes alert");
		if (mode == 1)
			is_int(n, 2, "holdoff 75: the second spike is held");
		if (mode == 2)
			is_int(n, 2, "record: the smaller second spike is not "
			    "an alert, the larger third is");
		robust_free(r);
	}
}

static void
test_level_shift(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	int			 i, mode, first, rule, n;
	double			 v;

	/* 10 +- 0.5, then from 300 a step of +3: point z under 8 */
	for (mode = 0; mode < 2; mode++) {
		plain_params(&p);
		p.smooth = 1;
		p.threshold = 8;
		if (mode == 1) {
			p.level_threshold = 4;
			p.level_len = 8;
			p.level_window = 128;
			p.novelty = 1000;
		}
		r = robust_new(&p);
		lcg_state = 11;
		first = -1;
		rule = 0;
		for (i = 0, n = 0; i < 600; i++) {
			v = 10 + 0.5 * noise() + (i >= 300 ? 3 : 0);
			if (robust_update(r, T0 + i * STEP, v, &res) == 1) {
				if (n++ == 0) {
					first = i;
					rule = res.rule;
				}
			}
		}
		if (mode == 0)
			is_int(n, 0, "level rule off: the step does not "
			    "reach the point threshold");
		else {
			is_int(n, 1, "level rule: the step alerts once");
			ok(first >= 300 && first < 308,
			    "level rule: alert within the level_len (%d)",
			    first);
			is_int(rule, ROBUST_RULE_LEVEL, "level rule named");
		}
		robust_free(r);
	}
}

static void
test_context(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	int			 i, at[3] = { 0, 0, 0 }, rules = 1;
	double			 v;

	/* the point rule out of reach, the context rule at 6 */
	plain_params(&p);
	p.smooth = 1;
	p.threshold = 1000;
	p.context_threshold = 6;
	p.novelty = 1000;
	r = robust_new(&p);
	lcg_state = 5;
	for (i = 0; i < 400; i++) {
		v = 10 + 0.5 * noise();
		if (i == 200)
			v = 16;		/* z about 12 */
		if (i == 250)
			v = 15;		/* z about 10: not new */
		if (i == 300)
			v = 20;		/* z about 20: new */
		if (robust_update(r, T0 + i * STEP, v, &res) == 1) {
			if (i == 200 || i == 250 || i == 300)
				at[(i - 200) / 50]++;
			else
				at[1] += 100;
			if (res.rule != ROBUST_RULE_CONTEXT)
				rules = 0;
		}
	}
	is_int(at[0], 1, "context: the first large score alerts");
	is_int(at[1], 0, "context: a smaller one later does not");
	is_int(at[2], 1, "context: a larger one does");
	ok(rules, "context rule named");
	robust_free(r);

	plain_params(&p);
	p.context_threshold = -1;
	is_int(robust_params_check(&p, NULL, 0), -1,
	    "negative context_threshold refused");
	plain_params(&p);
	p.level_len = 33;
	is_int(robust_params_check(&p, NULL, 0), -1, "level_len over cap refused");
	plain_params(&p);
	p.level_window = ROBUST_WINDOW;
	p.level_len = 2;
	is_int(robust_params_check(&p, NULL, 0), -1,
	    "level_window + level_len over the window refused");
	plain_params(&p);
	p.novelty = ROBUST_WINDOW + 1;
	is_int(robust_params_check(&p, NULL, 0), -1, "novelty over cap refused");
}

static void
test_diff(void)
{
	struct robust_params	 p;
	struct robust_result	 res;
	struct robust		*r;
	int			 i, mode, n, first, rule;
	double			 v;

	/*
	 * A slow ramp of 0.05 a value with +-0.05 noise, then at 700 a jump
	 * of +4 that the ramp soon reaches anyway: the value z-score and the
	 * level rule are out of reach, the change is 40 times the usual one.
	 */
	for (mode = 0; mode < 2; mode++) {
		plain_params(&p);
		p.smooth = 1;
		p.threshold = 1000;
		p.novelty = 1000;
		p.rel_floor = 0;
		if (mode == 1)
			p.diff_threshold = 8;
		r = robust_new(&p);
		lcg_state = 21;
		n = 0;
		first = -1;
		rule = 0;
		for (i = 0; i < 900; i++) {
			v = 100 + 0.05 * i + 0.05 * noise() +
			    (i >= 700 ? 4 : 0);
			if (robust_update(r, T0 + i * STEP, v, &res) == 1 &&
			    n++ == 0) {
				first = i;
				rule = res.rule;
			}
		}
		if (mode == 0)
			is_int(n, 0, "diff rule off: no alert on the ramp");
		else {
			is_int(n, 1, "diff rule: one alert");
			is_int(first, 700, "diff rule: at the jump");
			is_int(rule, ROBUST_RULE_DIFF, "diff rule named");
		}
		robust_free(r);
	}

	/* novelty_min: the context rule waits for its memory */
	for (mode = 0; mode < 2; mode++) {
		plain_params(&p);
		p.smooth = 1;
		p.threshold = 1000;
		p.context_threshold = 6;
		p.novelty = 1000;
		p.novelty_min = mode == 0 ? 100 : 300;
		r = robust_new(&p);
		lcg_state = 5;
		n = 0;
		for (i = 0; i < 280; i++) {
			v = 10 + 0.5 * noise() + (i == 200 ? 6 : 0);
			n += robust_update(r, T0 + i * STEP, v, &res) == 1;
		}
		is_int(n, mode == 0 ? 1 : 0, mode == 0 ?
		    "novelty_min 100: the context rule alerts at 200" :
		    "novelty_min 300: not yet at 200");
		robust_free(r);
	}
	plain_params(&p);
	p.diff_threshold = -1;
	is_int(robust_params_check(&p, NULL, 0), -1,
	    "negative diff_threshold refused");
	plain_params(&p);
	p.novelty_min = ROBUST_WINDOW + 1;
	is_int(robust_params_check(&p, NULL, 0), -1,
	    "novelty_min over cap refused");
}

static void
test_persist(void)
{
	struct robust_params	 p;
	struct robust_result	 ra, rb;
	struct robust		*a, *b;
	unsigned char		*blob;
	size_t			 sz;
	char			 err[128];
	int			 i, same = 1;

	robust_params_default(&p);
	p.diff_threshold = 8;		/* its ring is persisted too */
	p.novelty_min = 50;
	a = robust_new(&p);
	b = robust_new(&p);
	lcg_state = 9;
	for (i = 0; i < 3 * DAY; i++)
		robust_update(a, T0 + (time_t)i * STEP, daily_peak(i), NULL);
	sz = robust_state_size();
	blob = malloc(sz);
	robust_save(a, blob, sz);
	is_int(robust_load(b, blob, sz - 1, err, sizeof(err)), -1,
	    "load refuses a wrong size");
	blob[0] ^= 0xff;
	is_int(robust_load(b, blob, sz, err, sizeof(err)), -1,
	    "load refuses a bad magic");
	blob[0] ^= 0xff;
	{
		uint32_t	 ver, old = 3;

		/* the version follows the magic; version 3 has no phases */
		memcpy(&ver, blob + 4, sizeof(ver));
		is_int((int)ver, 4, "state version 4");
		memcpy(blob + 4, &old, sizeof(old));
		is_int(robust_load(b, blob, sz, err, sizeof(err)), -1,
		    "load refuses a version-3 state");
		memcpy(blob + 4, &ver, sizeof(ver));
	}
	is_int(robust_load(b, blob, sz, err, sizeof(err)), 0, "load");
	for (; i < 5 * DAY; i++) {
		double	 v = daily_peak(i) + (i % 97 == 0 ? 50 : 0);

		robust_update(a, T0 + (time_t)i * STEP, v, &ra);
		robust_update(b, T0 + (time_t)i * STEP, v, &rb);
		if (memcmp(&ra, &rb, sizeof(ra)) != 0)
			same = 0;
	}
	ok(same, "a loaded state judges exactly like the original");
	robust_reset(b);
	robust_update(b, T0, 1, &rb);
	is_int(rb.judged, 0, "reset forgets the history");
	free(blob);
	robust_free(a);
	robust_free(b);
	robust_free(NULL);
}

/*
 * A spike at minute 20 of every hour is learned: it alerts while new,
 * never after a day; with phase_min 0 it keeps scoring as an anomaly.
 * A spike at another minute still alerts, with the value outside the
 * band and the reference near the normal level.
 */
static void
test_hourly(void)
{
	struct robust_params	 p;
	struct robust		*r, *off;
	struct robust_result	 res, ro;
	int			 i, late = 0, early = 0, hot = 0, odd = -1;
	double			 v;

	robust_params_default(&p);
	r = robust_new(&p);
	p.phase_min = 0;
	off = robust_new(&p);
	lcg_state = 21;
	for (i = 0; i < 6 * DAY; i++) {
		v = 100 + 5 * noise();
		if (i % 12 == 4)
			v = 300 + 3 * noise();	/* minute 20 */
		if (i == 5 * DAY + 7)
			v = 400;		/* minute 35: new */
		robust_update(r, T0 + (time_t)i * STEP, v, &res);
		robust_update(off, T0 + (time_t)i * STEP, v, &ro);
		if (i == 5 * DAY + 7) {
			odd = res.alert;
			ok(res.value == 400 && res.band_hi < 400 &&
			    res.ref > 90 && res.ref < 110 &&
			    res.rule == ROBUST_RULE_RECORD,
			    "an unlearned spike: value above its band, "
			    "reference %.1f, rule %s", res.ref,
			    robust_rule_name(res.rule));
			continue;
		}
		if (res.alert && i < DAY)
			early++;
		if (res.alert && i >= DAY)
			late++;
		if (i >= 4 * DAY && i % 12 == 4 && ro.anomalous &&
		    !res.anomalous)
			hot++;
	}
	ok(early >= 1, "hourly spike: alerts while new (%d)", early);
	is_int(late, 0, "hourly spike: no alert once learned");
	ok(hot > 20, "hourly spike: learned spikes are normal (%d), "
	    "anomalous without the hourly offset", hot);
	is_int(odd, 1, "a spike at another minute still alerts");
	robust_free(r);
	robust_free(off);
}

int
main(void)
{
	test_params();
	test_flat();
	test_quantised();
	test_step();
	test_nan_and_order();
	test_seasonal();
	test_short_history();
	test_holdoff_record();
	test_level_shift();
	test_context();
	test_diff();
	test_persist();
	test_hourly();
	return tap_done();
}
