/*
 * A small TOML reader (see toml.h): one recursive-descent pass over the
 * text into a tree. Every growable thing has a cap; every error names the
 * line it was found on.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toml.h"
#include "util.h"
#include "xmalloc.h"

#define TOML_CHILDREN_MAX	100000
#define TOML_KEY_PARTS_MAX	16

struct parser {
	const char	*p, *end;
	const char	*name;
	int		 line;
	int		 failed;
	char		*err;
	size_t		 errlen;
};

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static void __attribute__((format(printf, 2, 3)))
perr(struct parser *ps, const char *fmt, ...)
{
	char	msg[300];
	va_list	ap;

	if (ps->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->name, ps->line, msg);
	ps->failed = 1;
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static struct toml *
node_new(enum toml_type type, int line)
{
	struct toml	*t;

	t = xcalloc(1, sizeof *t);
	t->type = type;
	t->line = line;
	return t;
}

void
toml_free(struct toml *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		toml_free(t->v[i]);
	free(t->v);
	free(t->key);
	free(t->str);
	free(t);
}

static int
node_add(struct parser *ps, struct toml *parent, struct toml *child)
{
	if (parent->n >= TOML_CHILDREN_MAX) {
		perr(ps, "more than %d entries in one table or array",
		    TOML_CHILDREN_MAX);
		return -1;
	}
	parent->v = xreallocarray(parent->v, parent->n + 1, sizeof *parent->v);
	parent->v[parent->n++] = child;
	return 0;
}

const struct toml *
toml_get(const struct toml *t, const char *key)
{
	size_t	i;

	if (t == NULL || t->type != TOML_TABLE)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->v[i]->key != NULL && strcmp(t->v[i]->key, key) == 0)
			return t->v[i];
	return NULL;
}

static struct toml *
child(struct toml *t, const char *key)
{
	return (struct toml *)toml_get(t, key);
}

const char *
toml_type_name(enum toml_type type)
{
	switch (type) {
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	}
	return "?";
}

static int
at_end(struct parser *ps)
{
	return ps->p >= ps->end;
}

static int
peek(struct parser *ps, size_t k)
{
	return ps->p + k < ps->end ? (unsigned char)ps->p[k] : -1;
}

static void
skip_ws(struct parser *ps)
{
	while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void
skip_comment(struct parser *ps)
{
	if (!at_end(ps) && *ps->p == '#')
		while (!at_end(ps) && *ps->p != '\n')
			ps->p++;
}

/* Whitespace, newlines and comments (inside arrays). */
static void
skip_all(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		if (at_end(ps))
			return;
		if (*ps->p == '\n') {
			ps->line++;
			ps->p++;
		} else if (*ps->p == '\r' && peek(ps, 1) == '\n')
			ps->p++;
		else
			return;
	}
}

/* After a key/value or header: only a comment may follow on the line. */
static int
end_of_line(struct parser *ps)
{
	skip_ws(ps);
	skip_comment(ps);
	if (at_end(ps))
		return 0;
	if (*ps->p == '\r' && peek(ps, 1) == '\n')
		ps->p++;
	if (*ps->p != '\n') {
		perr(ps, "unexpected '%c' after the value", *ps->p);
		return -1;
	}
	return 0;
}

static void
put_utf8(struct sbuf *b, unsigned long cp)
{
	char	u[4];
	size_t	n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sb_add(b, u, n);
}

static int
escape(struct parser *ps, struct sbuf *b)
{
	unsigned long	cp = 0;
	int		c, k, n, h;

	ps->p++;	/* the backslash */
	if (at_end(ps)) {
		perr(ps, "unterminated string");
		return -1;
	}
	c = (unsigned char)*ps->p++;
	switch (c) {
	case 'b': sb_add(b, "\b", 1); return 0;
	case 't': sb_add(b, "\t", 1); return 0;
	case 'n': sb_add(b, "\n", 1); return 0;
	case 'f': sb_add(b, "\f", 1); return 0;
	case 'r': sb_add(b, "\r", 1); return 0;
	case 'e': sb_add(b, "\033", 1); return 0;
	case '"': sb_add(b, "\"", 1); return 0;
	case '\\': sb_add(b, "\\", 1); return 0;
	case 'u':
	case 'U':
		n = c == 'u' ? 4 : 8;
		for (k = 0; k < n; k++) {
			if (at_end(ps) ||
			    (h = util_hex_value((unsigned char)*ps->p)) < 0) {
				perr(ps, "bad \\%c escape", c);
				return -1;
			}
			cp = cp << 4 | (unsigned long)h;
			ps->p++;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			perr(ps, "escape \\%c is not a Unicode scalar value", c);
			return -1;
		}
		put_utf8(b, cp);
		return 0;
	}
	perr(ps, "unknown escape \\%c", c);
	return -1;
}

/* A string of any of the four kinds; ps->p is on its first quote. */
static struct toml *
parse_string(struct parser *ps)
{
	struct sbuf	 b = { NULL, 0, 0 };
	struct toml	*t;
	char		 q = *ps->p;
	int		 multi, line = ps->line, c;

	multi = peek(ps, 1) == q && peek(ps, 2) == q;
	ps->p += multi ? 3 : 1;
	sb_add(&b, "", 0);
	if (multi) {
		/* A newline right after the opening quotes is trimmed. */
		if (peek(ps, 0) == '\r' && peek(ps, 1) == '\n')
			ps->p++;
		if (peek(ps, 0) == '\n') {
			ps->p++;
			ps->line++;
		}
	}
	for (;;) {
		if (at_end(ps)) {
			ps->line = line;
			perr(ps, "unterminated string");
			goto fail;
		}
		c = (unsigned char)*ps->p;
		if (c == q && (!multi || (peek(ps, 1) == q &&
		    peek(ps, 2) == q))) {
			if (!multi) {
				ps->p++;
				break;
			}
			/* Up to two quotes just before the closing three. */
			if (peek(ps, 3) == q) {
				sb_add(&b, ps->p, 1);
				ps->p++;
				if (peek(ps, 3) == q) {
					sb_add(&b, ps->p, 1);
					ps->p++;
				}
			}
			ps->p += 3;
			break;
		}
		if (c == '\n') {
			if (!multi) {
				perr(ps, "newline in a one-line string");
				goto fail;
			}
			ps->line++;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			perr(ps, "control character 0x%02x in a string", c);
			goto fail;
		}
		if (q == '"' && c == '\\') {
			if (multi) {
				/* A line-ending backslash eats the whitespace. */
				const char *s = ps->p + 1;

				while (s < ps->end && (*s == ' ' || *s == '\t'))
					s++;
				if (s < ps->end && (*s == '\n' || *s == '\r')) {
					ps->p = s;
					while (!at_end(ps) && (*ps->p == ' ' ||
					    *ps->p == '\t' || *ps->p == '\n' ||
					    *ps->p == '\r')) {
						if (*ps->p == '\n')
							ps->line++;
						ps->p++;
					}
					continue;
				}
			}
			if (escape(ps, &b) == -1)
				goto fail;
			continue;
		}
		if (b.len >= TOML_SIZE_MAX) {
			perr(ps, "string too long");
			goto fail;
		}
		sb_add(&b, ps->p, 1);
		ps->p++;
	}
	t = node_new(TOML_STRING, line);
	t->str = b.s;
	t->len = b.len;
	return t;
fail:
	free(b.s);
	return NULL;
}

static int
bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A dotted key into parts (caller frees each); returns the count or -1. */
static int
parse_key(struct parser *ps, char **parts)
{
	struct toml	*s;
	const char	*a;
	int		 n = 0;

	for (;;) {
		skip_ws(ps);
		if (n == TOML_KEY_PARTS_MAX) {
			perr(ps, "key with more than %d parts",
			    TOML_KEY_PARTS_MAX);
			goto fail;
		}
		if (!at_end(ps) && (*ps->p == '"' || *ps->p == '\'')) {
			if (peek(ps, 1) == *ps->p && peek(ps, 2) == *ps->p) {
				perr(ps, "a key cannot be a multi-line string");
				goto fail;
			}
			if ((s = parse_string(ps)) == NULL)
				goto fail;
			if (strlen(s->str) != s->len) {
				toml_free(s);
				perr(ps, "NUL byte in a key");
				goto fail;
			}
			parts[n++] = s->str;
			s->str = NULL;
			toml_free(s);
		} else {
			a = ps->p;
			while (!at_end(ps) && bare_key_char(*ps->p))
				ps->p++;
			if (ps->p == a) {
				if (at_end(ps) || *ps->p == '\n')
					perr(ps, "expected a key");
				else
					perr(ps, "unexpected '%c' in a key",
					    *ps->p);
				goto fail;
			}
			parts[n] = xmalloc((size_t)(ps->p - a) + 1);
			memcpy(parts[n], a, (size_t)(ps->p - a));
			parts[n][ps->p - a] = '\0';
			n++;
		}
		skip_ws(ps);
		if (at_end(ps) || *ps->p != '.')
			return n;
		ps->p++;
	}
fail:
	while (n > 0)
		free(parts[--n]);
	return -1;
}

static struct toml *parse_value(struct parser *, int depth);

static int	set_key(struct parser *, struct toml *, char **, int,
		    struct toml *);

static struct toml *
parse_array(struct parser *ps, int depth)
{
	struct toml	*t, *v;

	t = node_new(TOML_ARRAY, ps->line);
	t->inline_ = 1;
	ps->p++;	/* [ */
	for (;;) {
		skip_all(ps);
		if (at_end(ps)) {
			perr(ps, "unterminated array (opened on line %d)",
			    t->line);
			goto fail;
		}
		if (*ps->p == ']') {
			ps->p++;
			return t;
		}
		if ((v = parse_value(ps, depth + 1)) == NULL)
			goto fail;
		if (node_add(ps, t, v) == -1) {
			toml_free(v);
			goto fail;
		}
		skip_all(ps);
		if (!at_end(ps) && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (!at_end(ps) && *ps->p == ']')
			continue;
		if (at_end(ps))
			perr(ps, "unterminated array (opened on line %d)",
			    t->line);
		else
			perr(ps, "expected ',' or ']' in an array, not '%c'",
			    *ps->p);
		goto fail;
	}
fail:
	toml_free(t);
	return NULL;
}

static struct toml *
parse_inline_table(struct parser *ps, int depth)
{
	struct toml	*t, *v;
	char		*parts[TOML_KEY_PARTS_MAX];
	int		 n;

	t = node_new(TOML_TABLE, ps->line);
	t->defined = 1;
	ps->p++;	/* { */
	skip_ws(ps);
	if (!at_end(ps) && *ps->p == '}') {
		ps->p++;
		t->inline_ = 1;
		return t;
	}
	for (;;) {
		if ((n = parse_key(ps, parts)) == -1)
			goto fail;
		skip_ws(ps);
		if (at_end(ps) || *ps->p != '=') {
			perr(ps, "expected '=' after a key");
			while (n > 0)
				free(parts[--n]);
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		if ((v = parse_value(ps, depth + 1)) == NULL) {
			while (n > 0)
				free(parts[--n]);
			goto fail;
		}
		if (set_key(ps, t, parts, n, v) == -1)
			goto fail;
		skip_ws(ps);
		if (!at_end(ps) && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (!at_end(ps) && *ps->p == '}') {
			ps->p++;
			t->inline_ = 1;
			return t;
		}
		perr(ps, "expected ',' or '}' in an inline table");
		goto fail;
	}
fail:
	toml_free(t);
	return NULL;
}

static struct toml *
parse_number(struct parser *ps)
{
	char		 tok[128], clean[128], *endp;
	const char	*a = ps->p, *s;
	size_t		 n = 0, i;
	struct toml	*t;
	int		 isfloat = 0, base = 10;

	while (!at_end(ps) && (bare_key_char(*ps->p) || *ps->p == '.' ||
	    *ps->p == '+' || *ps->p == ':'))
		ps->p++;
	if (ps->p == a) {
		if (at_end(ps) || *ps->p == '\n')
			perr(ps, "expected a value");
		else
			perr(ps, "unexpected '%c' where a value belongs",
			    *ps->p);
		return NULL;
	}
	if ((size_t)(ps->p - a) >= sizeof tok) {
		perr(ps, "value too long");
		return NULL;
	}
	memcpy(tok, a, (size_t)(ps->p - a));
	tok[ps->p - a] = '\0';
	if (strlen(tok) >= 10 && tok[4] == '-' && tok[7] == '-') {
		perr(ps, "dates and times are not supported");
		return NULL;
	}
	s = tok;
	if (*s == '+' || *s == '-')
		s++;
	if (strcmp(s, "inf") == 0 || strcmp(s, "nan") == 0) {
		t = node_new(TOML_FLOAT, ps->line);
		t->d = strcmp(s, "inf") == 0 ? (tok[0] == '-' ? -INFINITY :
		    INFINITY) : NAN;
		return t;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		if (s != tok) {
			perr(ps, "a sign before a %s integer", s[1] == 'x' ?
			    "hexadecimal" : s[1] == 'o' ? "octal" : "binary");
			return NULL;
		}
		s += 2;
	}
	for (i = 0; tok[i] != '\0' && tok + i < s; i++)
		clean[n++] = tok[i];
	for (i = (size_t)(s - tok); tok[i] != '\0'; i++) {
		if (tok[i] == '_') {
			if (i == 0 || !bare_key_char(tok[i - 1]) ||
			    tok[i - 1] == '_' || tok[i + 1] == '\0' ||
			    tok[i + 1] == '_') {
				perr(ps, "misplaced '_' in the number '%s'",
				    tok);
				return NULL;
			}
			continue;
		}
		if (base == 10 && (tok[i] == '.' || tok[i] == 'e' ||
		    tok[i] == 'E'))
			isfloat = 1;
		clean[n++] = tok[i];
	}
	clean[n] = '\0';
	if (base != 10)
		memmove(clean, clean + 2, strlen(clean + 2) + 1);
	errno = 0;
	if (isfloat) {
		t = node_new(TOML_FLOAT, ps->line);
		t->d = strtod(clean, &endp);
	} else {
		t = node_new(TOML_INTEGER, ps->line);
		t->i = strtoll(clean, &endp, base);
	}
	if (*endp != '\0' || endp == clean || errno == ERANGE ||
	    (base == 10 && !isfloat && (s[0] == '0' && s[1] != '\0'))) {
		toml_free(t);
		perr(ps, "'%s' is not a value (strings need quotes)", tok);
		return NULL;
	}
	return t;
}

static struct toml *
parse_value(struct parser *ps, int depth)
{
	struct toml	*t;

	if (depth > TOML_DEPTH_MAX) {
		perr(ps, "values nested deeper than %d", TOML_DEPTH_MAX);
		return NULL;
	}
	if (at_end(ps)) {
		perr(ps, "expected a value");
		return NULL;
	}
	switch (*ps->p) {
	case '"':
	case '\'':
		return parse_string(ps);
	case '[':
		return parse_array(ps, depth);
	case '{':
		return parse_inline_table(ps, depth);
	}
	if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0 &&
	    (ps->end - ps->p == 4 || !bare_key_char(ps->p[4]))) {
		ps->p += 4;
		t = node_new(TOML_BOOL, ps->line);
		t->i = 1;
		return t;
	}
	if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0 &&
	    (ps->end - ps->p == 5 || !bare_key_char(ps->p[5]))) {
		ps->p += 5;
		return node_new(TOML_BOOL, ps->line);
	}
	return parse_number(ps);
}

/*
 * Walks parts[0..n-1) from t, making implicit tables; with aot, the last
 * element of an array of tables is entered. Returns the table or NULL.
 */
static struct toml *
walk(struct parser *ps, struct toml *t, char **parts, int n, int line)
{
	struct toml	*c;
	int		 k;

	for (k = 0; k < n; k++) {
		if ((c = child(t, parts[k])) == NULL) {
			c = node_new(TOML_TABLE, line);
			c->key = xstrdup(parts[k]);
			if (node_add(ps, t, c) == -1) {
				toml_free(c);
				return NULL;
			}
		} else if (c->type == TOML_ARRAY && c->aot && c->n > 0)
			c = c->v[c->n - 1];
		else if (c->type != TOML_TABLE || c->inline_) {
			perr(ps, "'%s' is already a %s (line %d)", parts[k],
			    c->inline_ ? "closed inline value" :
			    toml_type_name(c->type), c->line);
			return NULL;
		}
		t = c;
	}
	return t;
}

/* Sets parts = v in t (takes v and the parts, even on failure). */
static int
set_key(struct parser *ps, struct toml *t, char **parts, int n,
    struct toml *v)
{
	struct toml	*c;
	int		 rc = -1, k;

	if ((t = walk(ps, t, parts, n - 1, v->line)) == NULL)
		goto out;
	if ((c = child(t, parts[n - 1])) != NULL) {
		perr(ps, "'%s' is defined twice (first on line %d)",
		    parts[n - 1], c->line);
		goto out;
	}
	v->key = parts[n - 1];
	parts[n - 1] = NULL;
	if (node_add(ps, t, v) == -1) {
		goto out;
	}
	v = NULL;
	rc = 0;
out:
	toml_free(v);
	for (k = 0; k < n; k++)
		free(parts[k]);
	return rc;
}

/* A [table] or [[array of tables]] header; returns the new current. */
static struct toml *
header(struct parser *ps, struct toml *root)
{
	struct toml	*t, *c, *nt;
	char		*parts[TOML_KEY_PARTS_MAX];
	int		 n, aot, k, line = ps->line;

	aot = peek(ps, 1) == '[';
	ps->p += aot ? 2 : 1;
	if ((n = parse_key(ps, parts)) == -1)
		return NULL;
	nt = NULL;
	if (at_end(ps) || *ps->p != ']' || (aot && peek(ps, 1) != ']')) {
		perr(ps, "expected '%s' to close the header", aot ? "]]" :
		    "]");
		goto out;
	}
	ps->p += aot ? 2 : 1;
	if (end_of_line(ps) == -1)
		goto out;
	if ((t = walk(ps, root, parts, n - 1, line)) == NULL)
		goto out;
	c = child(t, parts[n - 1]);
	if (aot) {
		if (c == NULL) {
			c = node_new(TOML_ARRAY, line);
			c->aot = 1;
			c->key = xstrdup(parts[n - 1]);
			if (node_add(ps, t, c) == -1) {
				toml_free(c);
				goto out;
			}
		} else if (c->type != TOML_ARRAY || !c->aot) {
			perr(ps, "'%s' is already a %s (line %d)",
			    parts[n - 1], toml_type_name(c->type), c->line);
			goto out;
		}
		nt = node_new(TOML_TABLE, line);
		nt->defined = 1;
		if (node_add(ps, c, nt) == -1) {
			toml_free(nt);
			nt = NULL;
		}
		goto out;
	}
	if (c == NULL) {
		nt = node_new(TOML_TABLE, line);
		nt->key = xstrdup(parts[n - 1]);
		nt->defined = 1;
		if (node_add(ps, t, nt) == -1) {
			toml_free(nt);
			nt = NULL;
		}
	} else if (c->type == TOML_TABLE && !c->defined && !c->inline_) {
		c->defined = 1;
		nt = c;
	} else
		perr(ps, "[%s] is defined twice (first on line %d)",
		    parts[n - 1], c->line);
out:
	for (k = 0; k < n; k++)
		free(parts[k]);
	return nt;
}

struct toml *
toml_parse(const char *text, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct parser	 ps;
	struct toml	*root, *cur, *v;
	char		*parts[TOML_KEY_PARTS_MAX];
	int		 n;

	memset(&ps, 0, sizeof ps);
	ps.p = text;
	ps.end = text + len;
	ps.name = name;
	ps.line = 1;
	ps.err = err;
	ps.errlen = errlen;
	if (len > TOML_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    TOML_SIZE_MAX);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file", name);
		return NULL;
	}
	/* A UTF-8 byte order mark is allowed. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	root = cur = node_new(TOML_TABLE, 1);
	root->defined = 1;
	for (;;) {
		skip_all(&ps);
		if (at_end(&ps))
			break;
		if (*ps.p == '[') {
			if ((cur = header(&ps, root)) == NULL)
				goto fail;
			continue;
		}
		if ((n = parse_key(&ps, parts)) == -1)
			goto fail;
		skip_ws(&ps);
		if (at_end(&ps) || *ps.p != '=') {
			perr(&ps, "expected '=' after the key '%s'",
			    parts[n - 1]);
			while (n > 0)
				free(parts[--n]);
			goto fail;
		}
		ps.p++;
		skip_ws(&ps);
		if ((v = parse_value(&ps, 0)) == NULL) {
			while (n > 0)
				free(parts[--n]);
			goto fail;
		}
		if (set_key(&ps, cur, parts, n, v) == -1 ||
		    end_of_line(&ps) == -1)
			goto fail;
	}
	return root;
fail:
	toml_free(root);
	return NULL;
}

char *
toml_load_text(const char *path, size_t *len, char *err, size_t errlen)
{
	char	*buf;
	size_t	 have = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(TOML_SIZE_MAX + 2);
	for (;;) {
		n = read(fd, buf + have, TOML_SIZE_MAX + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > TOML_SIZE_MAX)
			break;
	}
	close(fd);
	if (have > TOML_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    TOML_SIZE_MAX);
		free(buf);
		return NULL;
	}
	buf[have] = '\0';
	*len = have;
	return buf;
}

struct toml *
toml_load(const char *path, char *err, size_t errlen)
{
	struct toml	*t;
	char		*buf;
	size_t		 len;

	if ((buf = toml_load_text(path, &len, err, errlen)) == NULL)
		return NULL;
	t = toml_parse(buf, len, path, err, errlen);
	free(buf);
	return t;
}
