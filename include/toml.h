/*
 * A small TOML reader: the subset configuration files use (Debian 12 has
 * no C TOML library). Tables, arrays of tables, dotted and quoted keys,
 * basic and literal strings (multi-line too), integers, floats, booleans,
 * arrays and inline tables; no dates. The whole document becomes a tree
 * in which every value knows its line, so that a consumer's errors can
 * name file:line. Pure, no I/O besides toml_load.
 */
#ifndef CWG_TOML_H
#define CWG_TOML_H

#include <stddef.h>

#define TOML_DEPTH_MAX	32		/* nested arrays and tables */
#define TOML_SIZE_MAX	(4 * 1024 * 1024)	/* bytes of a document */

enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL
};

struct toml {
	enum toml_type	 type;
	int		 line;		/* where the value (or table) starts */
	char		*key;		/* in its table; NULL in an array */
	char		*str;		/* TOML_STRING, NUL-terminated */
	size_t		 len;		/* of str (it may hold NUL bytes) */
	long long	 i;		/* TOML_INTEGER, TOML_BOOL */
	double		 d;		/* TOML_FLOAT */
	struct toml	**v;		/* TOML_TABLE, TOML_ARRAY: children */
	size_t		 n;
	int		 defined;	/* table: by a [header] or key */
	int		 aot;		/* array: of tables ([[header]]) */
	int		 inline_;	/* table or array: closed, inline */
};

/*
 * Parses text[0..len) (name is used in messages). Returns the root table,
 * or NULL with "name:line: reason" in err. Free with toml_free.
 */
struct toml	*toml_parse(const char *text, size_t len, const char *name,
		    char *err, size_t errlen);
/*
 * Reads a file of at most TOML_SIZE_MAX bytes into a NUL-terminated
 * buffer (caller frees) with its length in *len; NULL with err.
 */
char		*toml_load_text(const char *path, size_t *len, char *err,
		    size_t errlen);
/* Reads and parses a file (at most TOML_SIZE_MAX bytes). */
struct toml	*toml_load(const char *path, char *err, size_t errlen);
void		 toml_free(struct toml *);
/* The value of key in table t, or NULL. */
const struct toml *toml_get(const struct toml *t, const char *key);
/* The type's name, for messages ("string", "array", ...). */
const char	*toml_type_name(enum toml_type);

#endif
