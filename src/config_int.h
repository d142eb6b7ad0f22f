/*
 * Internal to src/config*.c: the state of one config_load() and the helpers
 * its files share. Other modules use include/config.h only.
 */
#ifndef CWG_CONFIG_INT_H
#define CWG_CONFIG_INT_H

#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes of a config file */
#define CONFIG_ERRORS_MAX	100		/* errors reported at most */
#define CONFIG_NAME_MAX		64		/* of [kind NAME] */

#define CUR_NONE	(-1)	/* before the first section */
#define CUR_SKIP	(-2)	/* in a section that is in error */

_Static_assert(sizeof(enum log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_watch_kind) == sizeof(int), "enum size");

struct config_raw_entry {
	char		*key;
	char		*value;		/* may be a literal secret: wiped */
	int		 line;
};

struct config_raw_section {
	enum config_section	 kind;
	char			*name;	/* NULL for [cwguard] and [aws] */
	int			 line;
	struct config_raw_entry	*entries;
	size_t			 nentries;
	int			*seen;	/* per key table row: line, 0 unset */
	void			*obj;	/* what the keys are written into */
	unsigned		 kindbit; /* 1 << kind / type, 0 unknown */
};

struct config_error_rec {
	int		 line;
	size_t		 seq;
	char		*msg;
};

struct config_loader {
	const char		*path;
	char			*confdir;
	struct stat		 st;
	FILE			*f;
	char			*linebuf;
	size_t			 linecap;
	size_t			 bytes;
	int			 lineno;
	int			 prev_key;	/* inih would continue it */
	int			 cur;		/* index in sections, CUR_* */
	struct config_raw_section	*sections;
	size_t			 nsections;
	struct config_error_rec	*errors;
	size_t			 nerrors;
	size_t			 ndropped;
	struct config		*cfg;
};

/* Errors: "FILE:LINE: message" once joined; line 0 is the whole file. */
void	 config_error(struct config_loader *, int line, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* All errors in line order, one per line; caller frees. */
char	*config_errors_join(struct config_loader *);
/* Reads l->f through inih into l->sections (config_read.c). */
void	 config_read(struct config_loader *);
/* Parses one value of key k into sec->obj (config_value.c). */
void	 config_parse_value(struct config_loader *, struct config_raw_section *,
	    const struct config_key *, const char *, int line);
/* "a, b or c" from "a|b|c". */
const char *config_choices_text(const char *, char *, size_t);
/* Index of v in "a|b|c", or -1. */
int	 config_choice_index(const char *, const char *v);
size_t	 config_list_len(char **);
void	 config_list_free(char **);

/* Secret references (config_secret.c). */
#define CONFIG_SECRET_MAX	65536	/* bytes of a ${file:} secret */
/* Parses a value as written: a ${...} reference or a literal. 0 / -1. */
int	 config_secret_parse(struct config_secret *, const char *,
	    char *err, size_t errlen);
/*
 * Resolves ${env:} and ${file:} into ->value; relative files resolve under
 * $CREDENTIALS_DIRECTORY when set, else under confdir. 0 / -1 (err never
 * holds the secret).
 */
int	 config_secret_resolve(struct config_secret *, const char *confdir,
	    char *err, size_t errlen);
/* Wipes and frees what the secret holds; leaves it CONFIG_SECRET_NONE. */
void	 config_secret_clear(struct config_secret *);
/* "90s", "5m", "4h", "7d": the largest unit that divides d. */
char	*config_format_duration(int64_t d, char *out, size_t outlen);
/* 1 if the URL's host is loopback (localhost, 127/8, ::1). */
int	 config_url_is_loopback(const char *);
/* 1 if the URL carries user:password@ before its host. */
int	 config_url_has_auth(const char *);

#endif
