/* Small helpers with no state: parsing, time, strings, secrets. */
#ifndef CWG_UTIL_H
#define CWG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * "30s", "5m", "2h", "7d", or a bare number of seconds; whole seconds,
 * 0 .. 10 years. Returns 0, or -1 with a reason in err.
 */
int	 util_parse_duration(const char *, int64_t *, char *err, size_t errlen);
/*
 * RFC 3339 ("2026-11-01T00:00:00Z", offsets allowed), epoch seconds, or
 * relative to now ("-7d", "-36h", "now"). Returns 0 or -1 with err.
 */
int	 util_parse_time(const char *, time_t now, time_t *, char *err,
	    size_t errlen);
/*
 * The data clock of check, backtest, status and config cost: $CWGUARD_NOW
 * (any util_parse_time form, relative to wall) when set and not empty,
 * else wall. Returns 0, or -1 with err (the variable's value is bad).
 */
int	 util_data_now(time_t wall, time_t *, char *err, size_t errlen);
/*
 * A private state database for a run that must not touch the live one
 * (backtest, check --dry-run without a state yet): makes a directory
 * $TMPDIR/cwguard-WHAT.XXXXXX and writes its path to dir and the database's
 * (dir/state.db) to db. 0, or -1 with err. util_private_state_remove()
 * removes the database, what SQLite made beside it and the directory.
 */
/*
 * Strict standard base64 (RFC 4648 section 4, padding required, no white
 * space) of s[0..len) into out: 0 with *n bytes, or -1 (not base64, or
 * longer than outlen).
 */
int	 util_base64_decode(const char *s, size_t len, unsigned char *out,
	    size_t outlen, size_t *n);
/*
 * A Standard Webhooks signing key as the reference libraries read it: an
 * optional "whsec_" prefix stripped, the rest base64-decoded. 0 with *n
 * key bytes in out, or -1 (empty, not base64, or too long).
 */
int	 util_webhook_key(const char *key, unsigned char *out, size_t outlen,
	    size_t *n);
int	 util_private_state(const char *what, char *dir, size_t dirlen,
	    char *db, size_t dblen, char *err, size_t errlen);
void	 util_private_state_remove(const char *dir, const char *db);
/* Formats t as "2026-11-01T00:00:00Z" into out (at least 21 bytes). */
char	*util_format_rfc3339(time_t, char *out, size_t outlen);
/* Same for amz-date "20261101T000000Z" (at least 17 bytes). */
char	*util_format_amzdate(time_t, char *out, size_t outlen);
/* Strict integer and number parsing of a whole string; 0 or -1. */
int	 util_parse_int(const char *, long long min, long long max,
	    long long *, char *err, size_t errlen);
int	 util_parse_double(const char *, double min, double max, double *,
	    char *err, size_t errlen);
/* yes/no/true/false/on/off/1/0; 0 or -1. */
int	 util_parse_bool(const char *, int *, char *err, size_t errlen);

/* Constant-time comparison of two equal-length byte strings: 1 if equal. */
int	 util_ct_equal(const void *, const void *, size_t);
/* Zeroes memory in a way the compiler cannot drop. */
void	 util_wipe(void *, size_t);
/* Wipes and frees a NUL-terminated string (NULL is fine). */
void	 util_free_secret(char *);

/* strlcpy semantics: returns strlen(src). */
size_t	 util_strlcpy(char *, const char *, size_t);
/* Trims ASCII white space at both ends, in place; returns s. */
char	*util_trim(char *);
/* Shell-style glob of one name (fnmatch without flags): 1 on match. */
int	 util_glob_match(const char *pattern, const char *name);
/* The value of one hex digit (either case), or -1. */
int	 util_hex_value(int);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void	 util_hex(const unsigned char *, size_t, char *out);
/* Wall-clock and monotonic time in seconds. */
double	 util_now(void);
double	 util_monotonic(void);

#endif
