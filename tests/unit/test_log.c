/* log: escaping of untrusted text, redaction, levels, one line per record. */
#include "autoconf.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char *
capture(void (*fn)(void))
{
	static char	out[8192];
	FILE		*f;
	int		 saved;
	size_t		 n;

	fflush(stderr);
	saved = dup(2);
	f = tmpfile();
	dup2(fileno(f), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void
emit_text(void)
{
	log_init(LOG_LEVEL_INFO, 0);
	log_debug("hidden");
	log_info("line one\nforged: line two\x1b[31m");
	log_error("err %d", 7);
}

static void
emit_json(void)
{
	log_init(LOG_LEVEL_WARN, 1);
	log_info("hidden");
	log_warn("quote \" backslash \\ nl \n bad \xff end");
}

/* stderr as systemd's journal stream: JOURNAL_STREAM names it. */
static void
emit_journal(void)
{
	struct stat	sb;
	char		v[64];

	fstat(2, &sb);
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	log_init(LOG_LEVEL_DEBUG, 0);
	log_warn("cycle failed");
	log_error("broken");
	log_debug("detail");
	log_init(LOG_LEVEL_INFO, 1);
	log_info("as json");
	/* Another stream (stderr redirected since systemd started us). */
	snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	log_init(LOG_LEVEL_INFO, 0);
	log_warn("not the journal");
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LEVEL_INFO, 0);
}

int
main(void)
{
	char		 out[64];
	const char	*s;
	enum log_level	 lv;

	is_str(log_escape("a\"b\\c\nd\te\x01", 10, out, sizeof out),
	    "a\\\"b\\\\c\\nd\\te\\x01", "escape quotes, backslash, controls");
	is_str(log_escape("caf\xc3\xa9", 5, out, sizeof out), "caf\xc3\xa9",
	    "valid UTF-8 kept");
	is_str(log_escape("bad\xc3(", 5, out, sizeof out), "bad\\xc3(",
	    "invalid UTF-8 escaped");
	is_str(log_escape("\xed\xa0\x80", 3, out, sizeof out),
	    "\\xed\\xa0\\x80", "surrogate escaped");
	is_str(log_escape("0123456789abcdef", 16, out, 10), "012345...",
	    "truncated with an ellipsis");

	is_str(log_redact("AKIAIOSFODNN7ABCWXYZ", 20, 4, out, sizeof out),
	    "AKIA************WXYZ", "AWS key id redacted as in DESIGN");
	is_str(log_redact("hunter2", 7, 0, out, sizeof out), "*******",
	    "short secret: nothing shown");
	is_str(log_redact("sk_live_abc", 11, 8, out, sizeof out), "sk_live_***",
	    "short tail hidden after a prefix");
	s = log_redact("0123456789012345678901234567890123456789", 40, 0, out,
	    sizeof out);
	ok(strlen(s) == 28 && strcmp(s + 24, "6789") == 0,
	    "long secret: 24 stars and the last 4 (%s)", s);
	is_str(log_redact("ab\ncdefghijklmnopqrstu", 22, 3, out, sizeof out),
	    "ab?***************rstu", "control byte in prefix not shown raw");

	ok(log_level_parse("warn", &lv) == 0 && lv == LOG_LEVEL_WARN,
	    "level parse");
	ok(log_level_parse("loud", &lv) == -1, "bad level refused");

	s = capture(emit_text);
	ok(strstr(s, "hidden") == NULL, "debug filtered at info");
	ok(strstr(s, "info: line one\\nforged: line two\\x1b[31m\n") != NULL,
	    "newline and escape byte cannot forge a record");
	ok(strstr(s, "error: err 7\n") != NULL, "error logged");
	s = capture(emit_json);
	ok(strstr(s, "hidden") == NULL, "info filtered at warn");
	ok(strstr(s, "\"level\":\"warn\",\"msg\":\"quote \\\" backslash "
	    "\\\\ nl \\n bad \\\\xff end\"}\n") != NULL,
	    "JSON record escaped and valid: %s", s);
	s = capture(emit_journal);
	ok(strncmp(s, "<4>warn: cycle failed\n<3>error: broken\n"
	    "<7>debug: detail\n", 40) == 0 &&
	    strstr(s, "<7>debug: detail\n") != NULL,
	    "journal: <N> priority prefixes, no timestamp: %s", s);
	ok(strstr(s, "<6>{\"time\":") != NULL, "journal: JSON records get the "
	    "prefix too");
	ok(strstr(s, "Z warn: not the journal\n") != NULL &&
	    strstr(s, ">warn: not the journal") == NULL,
	    "journal: another stream keeps the timestamp, no prefix");
	return tap_done();
}
