#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define UTIL_MAX_DURATION	(10LL * 366 * 86400)

int
util_parse_duration(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char	*p = s;
	long long	 n, mult = 1;
	char		*end;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "bad duration '%s' (want e.g. 30s, 5m, 2h, 7d)",
		    s);
		return -1;
	}
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0) {
		snprintf(err, errlen, "duration '%s' is out of range", s);
		return -1;
	}
	switch (*end) {
	case 's': mult = 1; end++; break;
	case 'm': mult = 60; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = 86400; end++; break;
	case '\0': case ' ': case '\t': break;
	default:
		snprintf(err, errlen,
		    "bad duration '%s' (unit must be s, m, h or d)", s);
		return -1;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		snprintf(err, errlen, "bad duration '%s' (trailing text)", s);
		return -1;
	}
	if (n > UTIL_MAX_DURATION / mult) {
		snprintf(err, errlen, "duration '%s' is too long (max 10 years)",
		    s);
		return -1;
	}
	*out = (int64_t)(n * mult);
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t
util_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
util_parse_rfc3339(const char *s, time_t *out)
{
	int	 y, mo, d, h, mi, sec, n = 0, oh, om, has_time;
	int64_t	 t;
	const char *p;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	p = s + n;
	h = mi = sec = 0;
	has_time = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		n = 0;
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 ||
		    n != 8)
			return -1;
		p += 1 + n;
		has_time = 1;
		if (*p == '.') {	/* fractional seconds are dropped */
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p))
				p++;
		}
	} else if (*p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return -1;
	t = util_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		n = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
		    oh > 23 || om > 59)
			return -1;
		t += (*p == '+' ? -1 : 1) * (oh * 3600 + om * 60);
		p += 1 + n;
	} else if (*p != '\0' || has_time)
		return -1;	/* a date-time needs a zone; a date is UTC */
	if (*p != '\0')
		return -1;
	*out = (time_t)t;
	return 0;
}

int
util_parse_time(const char *s, time_t now, time_t *out, char *err,
    size_t errlen)
{
	int64_t		 d;
	long long	 n;
	char		 e[128];

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (s[0] == '-' && s[1] != '\0') {
		if (util_parse_duration(s + 1, &d, e, sizeof e) == -1) {
			snprintf(err, errlen, "bad relative time '%s': %s", s, e);
			return -1;
		}
		*out = now - (time_t)d;
		return 0;
	}
	if (util_parse_int(s, 0, 253402300799LL, &n, e, sizeof e) == 0) {
		*out = (time_t)n;
		return 0;
	}
	if (util_parse_rfc3339(s, out) == 0)
		return 0;
	snprintf(err, errlen, "bad time '%s' (want RFC 3339 such as "
	    "2026-11-01T00:00:00Z, epoch seconds, or -7d)", s);
	return -1;
}

int
util_data_now(time_t wall, time_t *now, char *err, size_t errlen)
{
	const char	*v;

	*now = wall;
	if ((v = getenv("CWGUARD_NOW")) == NULL || *v == '\0')
		return 0;
	return util_parse_time(v, wall, now, err, errlen);
}

char *
util_format_rfc3339(time_t t, char *out, size_t outlen)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		util_strlcpy(out, "1970-01-01T00:00:00Z", outlen);
	return out;
}

char *
util_format_amzdate(time_t t, char *out, size_t outlen)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y%m%dT%H%M%SZ", &tm) == 0)
		util_strlcpy(out, "19700101T000000Z", outlen);
	return out;
}

int
util_parse_int(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	char		*end;
	long long	 n;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s)) {
		snprintf(err, errlen, "'%s' is not a whole number", s);
		return -1;
	}
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		snprintf(err, errlen, "'%s' is not a whole number", s);
		return -1;
	}
	if (n < min || n > max) {
		snprintf(err, errlen, "%lld is out of range (%lld..%lld)", n,
		    min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int
util_parse_double(const char *s, double min, double max, double *out,
    char *err, size_t errlen)
{
	char	*end;
	double	 d;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	/* Decimal only: strtod() also takes 0x10, 0x1p4, nan and inf. */
	if (s[strspn(s, "0123456789.eE+-")] != '\0') {
		snprintf(err, errlen, "'%s' is not a decimal number", s);
		return -1;
	}
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	if (d < min || d > max) {
		snprintf(err, errlen, "%g is out of range (%g..%g)", d, min,
		    max);
		return -1;
	}
	*out = d;
	return 0;
}

int
util_parse_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not yes or no", s);
	return -1;
}

int
util_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 acc = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		acc |= x[i] ^ y[i];
	return acc == 0;
}

void
util_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
util_free_secret(char *s)
{
	if (s == NULL)
		return;
	util_wipe(s, strlen(s));
	free(s);
}

size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	n = strlen(src);

	if (size > 0) {
		size_t	c = n >= size ? size - 1 : n;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *
util_trim(char *s)
{
	char	*p = s, *e;

	while (isspace((unsigned char)*p))
		p++;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
util_glob_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

int
util_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
util_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

double
util_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
util_monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
util_private_state(const char *what, char *dir, size_t dirlen, char *db,
    size_t dblen, char *err, size_t errlen)
{
	const char	*tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, dirlen, "%s/cwguard-%s.XXXXXX", tmp, what) >=
	    dirlen || mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "cannot make a directory in %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(db, dblen, "%s/state.db", dir) >= dblen) {
		snprintf(err, errlen, "%s: path too long", dir);
		(void)rmdir(dir);
		return -1;
	}
	return 0;
}

void
util_private_state_remove(const char *dir, const char *db)
{
	static const char *sfx[] = { "", "-wal", "-shm", "-journal", ".lock" };
	char	 p[PATH_MAX];
	size_t	 i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		if ((size_t)snprintf(p, sizeof p, "%s%s", db, sfx[i]) >=
		    sizeof p)
			continue;
		if (unlink(p) == -1 && errno != ENOENT)
			fprintf(stderr, "cwguard: cannot remove %s: %s\n", p,
			    strerror(errno));
	}
	if (rmdir(dir) == -1)
		fprintf(stderr, "cwguard: cannot remove %s: %s\n", dir,
		    strerror(errno));
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
util_base64_decode(const char *s, size_t len, unsigned char *out,
    size_t outlen, size_t *n)
{
	size_t		 i, o = 0, pad = 0;
	unsigned long	 acc;
	int		 v[4], k;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2 &&
			    (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = b64_value((unsigned char)s[i + k])) ==
			    -1)
				return -1;
			acc = acc << 6 | (unsigned long)v[k];
		}
		if (o + 3 - pad > outlen)
			return -1;
		out[o++] = (unsigned char)(acc >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(acc >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)acc;
	}
	*n = o;
	return 0;
}

int
util_webhook_key(const char *key, unsigned char *out, size_t outlen,
    size_t *n)
{
	if (strncmp(key, "whsec_", 6) == 0)
		key += 6;
	if (*key == '\0' || util_base64_decode(key, strlen(key), out, outlen,
	    n) == -1 || *n == 0)
		return -1;
	return 0;
}
