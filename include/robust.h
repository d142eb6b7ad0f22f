/*
 * Robust detector for generic metrics (kind = metric): a streaming robust
 * z-score of each value against the median and MAD of the same hour of the
 * week (seasonal profile), falling back to the same hour of the day and then
 * to a trailing window while the history is short.  Pure: no I/O, no clock; memory is
 * fixed per series (ring buffers sized below), so the daemon can persist the
 * state or rebuild it by replaying stored datapoints.
 *
 * Each value is judged only against data before it (no lookahead), then
 * added to the history.
 *
 * Three rules share one event logic (one alert per run of anomalous values,
 * then `holdoff` values of silence): (1) the score beyond `threshold` at a
 * new high (low) of the last `record` values; (2) the score beyond
 * `context_threshold` and above every |score| of the last `novelty` values
 * (contextual novelty: e.g. a flat day where the profile has a peak);
 * (3) a level shift, the median of the last `level_len` values against the
 * median and MAD of the `level_window` values before them, beyond
 * `level_threshold` and above every level score of the last `novelty` values;
 * (4) optionally, the change from the previous value scored against the
 * median and MAD of the recent changes, beyond `diff_threshold` and above
 * every change score of the last `novelty` values.  Rules 2-4 wait for
 * `novelty_min` values of memory.
 */
#ifndef CWG_ROBUST_H
#define CWG_ROBUST_H

#include <stddef.h>
#include <time.h>

#define ROBUST_SLOTS		168	/* hour-of-week bins (UTC) */
#define ROBUST_SLOT_DEPTH	32	/* values kept per bin */
#define ROBUST_WINDOW		2048	/* trailing window capacity (values) */
#define ROBUST_PHASES		60	/* minute-of-hour bins */
#define ROBUST_PHASE_DEPTH	24	/* residuals kept per minute bin */

enum robust_direction {
	ROBUST_BOTH = 0,
	ROBUST_UP,
	ROBUST_DOWN
};

struct robust_params {
	double			 threshold;	/* robust z to alert (> 0) */
	enum robust_direction	 direction;
	int			 window;	/* trailing values used, 8..ROBUST_WINDOW */
	int			 min_history;	/* values seen before any judgement */
	int			 season_min;	/* values in a bin before it is used; 0 = no seasonal profile */
	double			 rel_floor;	/* scale >= rel_floor * mean |x| of the window */
	double			 abs_floor;	/* scale >= abs_floor (>= 0) */
	int			 holdoff;	/* values after an alert with no new alert */
	int			 smooth;	/* judge the mean of the last `smooth`
						   scores, 1..16 (1 = this one alone) */
	int			 record;	/* alert only on a new high (low) of
						   the last `record` values, 0 = off */
	double			 context_threshold; /* rule 2: |score| this high
						   and above every |score| of the last
						   `novelty` values; 0 = off */
	double			 level_threshold; /* rule 3: level-shift score
						   this high and above every one of
						   the last `novelty` values; 0 = off */
	int			 level_len;	/* values in the recent median, 1..32 */
	int			 level_window;	/* values before them for the
						   reference median and MAD, >= 8 */
	int			 novelty;	/* values rules 2 and 3 look back,
						   0..ROBUST_WINDOW (0 = any) */
	int			 novelty_min;	/* values seen before rules 2-4
						   apply (their memory is short
						   before), 0..ROBUST_WINDOW */
	double			 diff_threshold; /* rule 4: robust z of the
						   change from the previous value
						   against the recent changes, this
						   high and above every one of the
						   last `novelty`; 0 = off */
	int			 phase_min;	/* hourly recurrence: once
						   the minute of the hour has
						   this many residuals (value
						   - reference), their median,
						   if at least phase_offset
						   scales, is added to the
						   reference when that
						   explains the value better;
						   0 = off, 0..24 */
	double			 phase_offset;	/* in scales, >= 0 */
};

#define ROBUST_RULE_RECORD	1	/* score beyond threshold, new high/low */
#define ROBUST_RULE_LEVEL	2	/* level shift beyond level_threshold */
#define ROBUST_RULE_CONTEXT	3	/* score beyond context_threshold */
#define ROBUST_RULE_DIFF	4	/* change beyond diff_threshold */

struct robust_result {
	double	 score;		/* signed robust z (0 when not judged) */
	double	 median;	/* the reference level used */
	double	 scale;		/* the scale used: 1.4826 * MAD, floored */
	int	 judged;	/* 1 if enough history to judge */
	int	 seasonal;	/* 0 none, 1 hour-of-day pool, 2 hour-of-week;
				   + 4 when the hourly offset applied */
	int	 anomalous;	/* score beyond threshold in direction */
	int	 alert;		/* 1 on the first anomalous value of an event */
	double	 level;		/* level-shift score (0 when not computed) */
	double	 diff;		/* change score (0 when not computed) */
	int	 rule;		/* ROBUST_RULE_* that raised the alert, or 0 */
	/*
	 * What was compared (judged values only): value is the value itself,
	 * or for a level-shift alert the median of the last level_len
	 * values; ref the reference it was compared with (median, or the
	 * level window's median); [band_lo, band_hi] the values of `value`
	 * that the rule takes as normal, given the earlier scores it is
	 * smoothed with (threshold, or at an alert the raising rule's
	 * threshold and novelty bar).
	 */
	double	 value;
	double	 ref;
	double	 band_lo, band_hi;
};

/* "z-score", "level shift", "novelty", "change"; "" for 0. */
const char	*robust_rule_name(int rule);

struct robust;

/* Fills p with the defaults (tuned on the NAB development set). */
void		 robust_params_default(struct robust_params *);
/* Checks p; 0, or -1 with a reason in err. */
int		 robust_params_check(const struct robust_params *, char *err,
		    size_t errlen);
/* "up" "down" "both" -> direction; 0 or -1. */
int		 robust_direction_parse(const char *, enum robust_direction *);

/*
 * A new detector with a copy of p (NULL = defaults), or NULL if p is
 * invalid.  The caller frees it with robust_free.
 */
struct robust	*robust_new(const struct robust_params *);
void		 robust_free(struct robust *);
/* Forgets all history; keeps the parameters. */
void		 robust_reset(struct robust *);

/*
 * Judges value at time t against the history, then adds it.  Values must
 * come in increasing t.  Returns 1 if an alert is raised, 0 if not, -1 if
 * the value is not accepted (NaN or infinite, or t not after the previous
 * value): then out says judged = 0 and the history is unchanged.
 * out may be NULL.
 */
int		 robust_update(struct robust *, time_t t, double value,
		    struct robust_result *out);

/*
 * Persistence: robust_state_size() bytes hold the history (not the
 * parameters).  robust_save writes them into buf (0, or -1 if len is too
 * small); robust_load replaces the history of r (0, or -1 with err if the
 * blob is not a state of this version and size).  The blob is in host byte
 * order: for the local state database, not for exchange.
 */
size_t		 robust_state_size(void);
int		 robust_save(const struct robust *, void *buf, size_t len);
int		 robust_load(struct robust *, const void *buf, size_t len,
		    char *err, size_t errlen);

#endif
