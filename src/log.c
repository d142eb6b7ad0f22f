#include "autoconf.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define LOG_LINE_MAX	4096

static enum log_level	log_level = LOG_LEVEL_INFO;
static int		log_json;
static int		log_journal;	/* stderr is systemd's journal stream */

static const char *log_names[] = { "debug", "info", "warn", "error",
    "quiet" };
static const int log_priority[] = { 7, 6, 4, 3, 3 };

/*
 * systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected
 * stdout/stderr to. When stderr is that stream (not redirected since),
 * journald stamps the time itself and reads an sd-daemon "<N>" prefix as
 * the priority, so that journalctl -p warning finds the warnings.
 */
int
log_journal_detect(void)
{
	const char		*v = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 sb;
	char			 tail;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(enum log_level level, int json)
{
	log_level = level;
	log_json = json;
	log_journal = log_journal_detect();
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_set_json(int json)
{
	log_json = json;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	int	i;

	for (i = LOG_LEVEL_DEBUG; i <= LOG_LEVEL_ERROR; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((int)level < 0 || level > LOG_LEVEL_QUIET)
		return "?";
	return log_names[level];
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
log_utf8_len(const unsigned char *p, size_t left)
{
	size_t	n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && p[0] == 0xe0 && p[1] < 0xa0)
		return 0;	/* overlong */
	if (n == 3 && p[0] == 0xed && p[1] >= 0xa0)
		return 0;	/* surrogate */
	if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

/*
 * Escapes into out. json selects JSON string escapes (\u00XX) instead of
 * \xNN for control bytes; invalid UTF-8 always becomes \xNN text (for JSON
 * written as "\\xNN" so that the output stays valid).
 */
static char *
log_escape_mode(const char *s, size_t len, char *out, size_t outlen,
    int json)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n;
	char			 tmp[8];
	const char		*rep;

	if (outlen == 0)
		return out;
	while (i < len) {
		rep = NULL;
		n = 1;
		switch (p[i]) {
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\\': rep = "\\\\"; break;
		case '"': rep = "\\\""; break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f) {
				snprintf(tmp, sizeof tmp, json ? "\\u%04x" :
				    "\\x%02x", p[i]);
				rep = tmp;
			} else if (p[i] >= 0x80 &&
			    (n = log_utf8_len(p + i, len - i)) == 0) {
				snprintf(tmp, sizeof tmp, json ? "\\\\x%02x" :
				    "\\x%02x", p[i]);
				rep = tmp;
				n = 1;
			}
		}
		if (rep != NULL) {
			size_t	rl = strlen(rep);

			if (o + rl + 4 > outlen)
				goto truncated;
			memcpy(out + o, rep, rl);
			o += rl;
		} else {
			if (o + n + 4 > outlen)
				goto truncated;
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return out;
truncated:
	if (outlen >= 4) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
	return out;
}

char *
log_utf8_text(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, n;

	if (outlen == 0)
		return out;
	while (i < len) {
		if ((n = log_utf8_len(p + i, len - i)) == 0) {
			if (o + 5 > outlen)
				break;
			snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
			i++;
			continue;
		}
		if (o + n + 1 > outlen)
			break;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

char *
log_escape(const char *s, size_t len, char *out, size_t outlen)
{
	return log_escape_mode(s, len, out, outlen, 0);
}

char *
log_redact(const char *s, size_t len, size_t keep, char *out, size_t outlen)
{
	size_t	hidden, stars, tail = 0, o = 0, i;

	if (outlen == 0)
		return out;
	if (keep > len)
		keep = 0;	/* a prefix longer than the secret is not fixed */
	hidden = len - keep;
	if (hidden >= 16)
		tail = 4;
	hidden -= tail;
	stars = hidden > 24 ? 24 : hidden;
	if (stars == 0)
		stars = 1;
	for (i = 0; i < keep && o + 1 < outlen; i++)
		out[o++] = s[i];
	for (i = 0; i < stars && o + 1 < outlen; i++)
		out[o++] = '*';
	for (i = len - tail; i < len && o + 1 < outlen; i++)
		out[o++] = s[i];
	out[o] = '\0';
	/* A prefix or tail that is not printable text is not shown raw. */
	for (i = 0; i < o; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
		    (unsigned char)out[i] >= 0x80 || out[i] == '"' ||
		    out[i] == '\\')
			out[i] = '?';
	return out;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX], esc[LOG_LINE_MAX * 2], when[32];
	int	n;

	if (level < log_level)
		return;
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	util_format_rfc3339(time(NULL), when, sizeof when);
	if (log_journal)	/* syslog priorities: debug 7 .. err 3 */
		fprintf(stderr, "<%d>", log_priority[level]);
	if (log_json) {
		log_escape_mode(msg, (size_t)n, esc, sizeof esc, 1);
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\","
		    "\"msg\":\"%s\"}\n", when, log_names[level], esc);
	} else {
		/* Text keeps quotes as they are: only control bytes matter. */
		size_t	i, o = 0;

		for (i = 0; i < (size_t)n && o + 5 < sizeof esc; i++) {
			unsigned char c = (unsigned char)msg[i];

			if (c < 0x20 || c == 0x7f)
				o += (size_t)snprintf(esc + o, sizeof esc - o,
				    c == '\n' ? "\\n" : "\\x%02x", c);
			else
				esc[o++] = (char)c;
		}
		esc[o] = '\0';
		if (log_journal)	/* the journal has its own timestamp */
			fprintf(stderr, "%s: %s\n", log_names[level], esc);
		else
			fprintf(stderr, "%s %s: %s\n", when, log_names[level],
			    esc);
	}
	fflush(stderr);
	util_wipe(msg, sizeof msg);
}

#define LOG_FN(name, level)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	log_vwrite(level, fmt, ap);			\
	va_end(ap);					\
}
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (log_level > LOG_LEVEL_ERROR)
		log_level = LOG_LEVEL_ERROR;
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(70);
}
