/*
 * Logging to stderr as text or JSON lines. Every message is sanitised
 * (control bytes escaped) before it is written, so one log record is one
 * line whatever the message holds. Untrusted values should still be quoted
 * with log_escape(); secrets must never be passed here (use log_redact()).
 */
#ifndef CWG_LOG_H
#define CWG_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_QUIET		/* nothing at all */
};

void	 log_init(enum log_level, int json);
void	 log_set_level(enum log_level);
enum log_level log_get_level(void);
void	 log_set_json(int);
/* 1 when stderr is systemd's journal stream ($JOURNAL_STREAM). */
int	 log_journal_detect(void);
/* "debug", "info", "warn", "error": 0 or -1. */
int	 log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Start-up failures and broken invariants only: logs, then exit(70). */
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

/*
 * Escapes untrusted bytes for a log line or terminal: backslash, quote and
 * control bytes as \n, \t, \xNN; invalid UTF-8 as \xNN. Truncated with
 * "..." to fit outlen. Returns out.
 */
char	*log_escape(const char *, size_t, char *out, size_t outlen);
/*
 * Copies s into out as valid UTF-8 for a JSON string (which then escapes
 * it): each byte of invalid UTF-8 becomes the text \xNN, the rest is kept;
 * cut at a character boundary if out is short. Returns out.
 */
char	*log_utf8_text(const char *, size_t, char *out, size_t outlen);
/*
 * A redacted preview of a secret: the first `keep` bytes (a fixed,
 * non-secret prefix such as "AKIA"), then '*', then the last 4 bytes only
 * when at least 12 bytes stay hidden. At most 24 '*'. Never more of the
 * secret than that. Returns out.
 */
char	*log_redact(const char *, size_t, size_t keep, char *out,
	    size_t outlen);

#endif
