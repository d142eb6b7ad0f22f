/* util: durations, times, numbers, strings, constant-time compare. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void
test_durations(void)
{
	static const struct {
		const char	*in;
		int		 rc;
		int64_t		 want;
	} t[] = {
		{ "30s", 0, 30 }, { "5m", 0, 300 }, { "2h", 0, 7200 },
		{ "7d", 0, 604800 }, { "0s", 0, 0 }, { "45", 0, 45 },
		{ " 10m ", 0, 600 }, { "3650d", 0, 3650LL * 86400 },
		{ "", -1, 0 }, { "m", -1, 0 }, { "5x", -1, 0 },
		{ "-5m", -1, 0 }, { "5 m", -1, 0 }, { "1.5h", -1, 0 },
		{ "5mm", -1, 0 }, { "99999999999999999999s", -1, 0 },
		{ "4000d", -1, 0 }, { "0x10s", -1, 0 },
	};
	size_t	 i;
	int64_t	 got;
	char	 err[128];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		got = -1;
		err[0] = '\0';
		if (t[i].rc == 0) {
			ok(util_parse_duration(t[i].in, &got, err, sizeof err)
			    == 0 && got == t[i].want, "duration '%s' = %lld "
			    "(got %lld)", t[i].in, (long long)t[i].want,
			    (long long)got);
		} else {
			ok(util_parse_duration(t[i].in, &got, err, sizeof err)
			    == -1 && err[0] != '\0', "duration '%s' refused: %s",
			    t[i].in, err);
		}
	}
}

static void
test_times(void)
{
	static const struct {
		const char	*in;
		int		 rc;
		time_t		 want;
	} t[] = {
		{ "2026-11-01T00:00:00Z", 0, 1793491200 },
		{ "2026-11-01t00:00:00z", 0, 1793491200 },
		{ "2026-11-01T01:30:00+01:30", 0, 1793491200 },
		{ "2026-10-31T22:00:00-02:00", 0, 1793491200 },
		{ "2026-11-01T00:00:00.123456Z", 0, 1793491200 },
		{ "2026-11-01", 0, 1793491200 },
		{ "1793491200", 0, 1793491200 },
		{ "0", 0, 0 },
		{ "2024-02-29T12:00:00Z", 0, 1709208000 },
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "-7d", 0, 2000000000 - 604800 },
		{ "-36h", 0, 2000000000 - 129600 },
		{ "now", 0, 2000000000 },
		{ "2023-02-29T00:00:00Z", -1, 0 },
		{ "2026-13-01T00:00:00Z", -1, 0 },
		{ "2026-11-01T24:00:00Z", -1, 0 },
		{ "2026-11-01T00:00:00", -1, 0 },
		{ "2026-11-01T00:00Z", -1, 0 },
		{ "yesterday", -1, 0 },
		{ "-7", 0, 2000000000 - 7 },
		{ "-", -1, 0 },
		{ "", -1, 0 },
		{ "12abc", -1, 0 },
	};
	size_t	i;
	time_t	got;
	char	err[160];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		got = -1;
		if (t[i].rc == 0)
			ok(util_parse_time(t[i].in, 2000000000, &got, err,
			    sizeof err) == 0 && got == t[i].want,
			    "time '%s' = %lld (got %lld)", t[i].in,
			    (long long)t[i].want, (long long)got);
		else
			ok(util_parse_time(t[i].in, 2000000000, &got, err,
			    sizeof err) == -1 && strstr(err, t[i].in) != NULL,
			    "time '%s' refused, naming it", t[i].in);
	}
}

static void
test_data_now(void)
{
	time_t	now;
	char	err[160];

	unsetenv("CWGUARD_NOW");
	ok(util_data_now(2000000000, &now, err, sizeof err) == 0 &&
	    now == 2000000000, "data clock: the wall clock when unset");
	setenv("CWGUARD_NOW", "", 1);
	ok(util_data_now(2000000000, &now, err, sizeof err) == 0 &&
	    now == 2000000000, "data clock: the wall clock when empty");
	setenv("CWGUARD_NOW", "2026-11-01T00:00:00Z", 1);
	ok(util_data_now(2000000000, &now, err, sizeof err) == 0 &&
	    now == 1793491200, "data clock: CWGUARD_NOW in RFC 3339");
	setenv("CWGUARD_NOW", "-1h", 1);
	ok(util_data_now(2000000000, &now, err, sizeof err) == 0 &&
	    now == 2000000000 - 3600, "data clock: relative to the wall clock");
	setenv("CWGUARD_NOW", "soon", 1);
	ok(util_data_now(2000000000, &now, err, sizeof err) == -1 &&
	    strstr(err, "soon") != NULL, "data clock: a bad value is refused, "
	    "naming it");
	unsetenv("CWGUARD_NOW");
}

static void
test_format(void)
{
	char	b[32];

	is_str(util_format_rfc3339(1793491200, b, sizeof b),
	    "2026-11-01T00:00:00Z", "rfc3339 format");
	is_str(util_format_amzdate(1440938160, b, sizeof b),
	    "20150830T123600Z", "amz-date format");
}

static void
test_numbers(void)
{
	long long	n;
	double		d;
	int		b;
	char		err[128];

	ok(util_parse_int("20", 0, 100, &n, err, sizeof err) == 0 && n == 20,
	    "int 20");
	ok(util_parse_int("101", 0, 100, &n, err, sizeof err) == -1 &&
	    strstr(err, "out of range") != NULL, "int out of range");
	ok(util_parse_int("2O", 0, 100, &n, err, sizeof err) == -1,
	    "int with a letter refused");
	ok(util_parse_int(" 2", 0, 100, &n, err, sizeof err) == -1,
	    "int with leading space refused");
	ok(util_parse_double("1e-4", 0, 1, &d, err, sizeof err) == 0 &&
	    d == 1e-4, "double 1e-4");
	ok(util_parse_double("nan", 0, 1, &d, err, sizeof err) == -1,
	    "double nan refused");
	ok(util_parse_double("inf", 0, 1e308, &d, err, sizeof err) == -1,
	    "double inf refused");
	ok(util_parse_double("1.5", 0, 1, &d, err, sizeof err) == -1,
	    "double out of range");
	ok(util_parse_double("0x10", 0, 100, &d, err, sizeof err) == -1 &&
	    strstr(err, "decimal") != NULL, "double 0x10 (hex) refused");
	ok(util_parse_double("0x1p3", 0, 100, &d, err, sizeof err) == -1,
	    "double 0x1p3 (hex float) refused");
	ok(util_parse_double("-2.5E+1", -100, 100, &d, err, sizeof err) ==
	    0 && d == -25, "double -2.5E+1");
	ok(util_parse_bool("Yes", &b, err, sizeof err) == 0 && b == 1,
	    "bool Yes");
	ok(util_parse_bool("off", &b, err, sizeof err) == 0 && b == 0,
	    "bool off");
	ok(util_parse_bool("maybe", &b, err, sizeof err) == -1,
	    "bool maybe refused");
}

static void
test_strings(void)
{
	char	s[32], small[4], hex[9];
	static const unsigned char raw[] = { 0x00, 0xab, 0x10, 0xff };

	strcpy(s, "  \tspaced out \n");
	is_str(util_trim(s), "spaced out", "trim both ends");
	strcpy(s, "   ");
	is_str(util_trim(s), "", "trim all-space");
	is_int(util_strlcpy(small, "abcdef", sizeof small), 6,
	    "strlcpy returns source length");
	is_str(small, "abc", "strlcpy truncates and terminates");
	ok(util_glob_match("orders-*", "orders-create"), "glob matches");
	ok(!util_glob_match("orders-*", "billing-api"), "glob rejects");
	ok(util_glob_match("*", "anything"), "glob star");
	util_hex(raw, sizeof raw, hex);
	is_str(hex, "00ab10ff", "hex");
	ok(util_ct_equal("abcd", "abcd", 4), "ct equal");
	ok(util_hex_value('7') == 7 && util_hex_value('b') == 11 &&
	    util_hex_value('F') == 15 && util_hex_value('g') == -1, "hex digit values");
	ok(!util_ct_equal("abcd", "abce", 4), "ct differs in last byte");
	ok(!util_ct_equal("xbcd", "abcd", 4), "ct differs in first byte");
	strcpy(s, "secret");
	util_wipe(s, 6);
	ok(memcmp(s, "\0\0\0\0\0\0", 6) == 0, "wipe zeroes");
	ok(util_monotonic() > 0 && util_now() > 1.7e9, "clocks");
}

int
main(void)
{
	test_durations();
	test_times();
	test_data_now();
	test_format();
	test_numbers();
	test_strings();
	return tap_done();
}
