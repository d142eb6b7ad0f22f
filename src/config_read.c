/*
 * Reading the config file. inih splits lines into keys and values; our own
 * reader in front of it counts lines (inih's handler gets none), reads the
 * section headers itself (so empty and duplicate sections are seen) and
 * turns every line inih would misread (too long, continuation, garbage)
 * into an error at its line and a blank line for inih. Keys are kept per
 * section as written; config.c builds them.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config_int.h"
#include "util.h"
#include "xmalloc.h"

void
config_error(struct config_loader *l, int line, const char *fmt, ...)
{
	struct config_error_rec	*e;
	va_list			 ap;
	char			*msg;

	if (l->nerrors >= CONFIG_ERRORS_MAX) {
		l->ndropped++;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	l->errors = xreallocarray(l->errors, l->nerrors + 1, sizeof *l->errors);
	e = &l->errors[l->nerrors];
	e->line = line;
	e->seq = l->nerrors++;
	e->msg = msg;
}

static int
error_cmp(const void *a, const void *b)
{
	const struct config_error_rec	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static int
error_at(const struct config_loader *l, int line)
{
	size_t	i;

	for (i = 0; i < l->nerrors; i++) {
		if (l->errors[i].line == line)
			return 1;
	}
	return 0;
}

/* One "FILE:LINE: message" per line, in line order. */
char *
config_errors_join(struct config_loader *l)
{
	struct buf	b;
	size_t		i;

	qsort(l->errors, l->nerrors, sizeof *l->errors, error_cmp);
	buf_init(&b, 0);
	for (i = 0; i < l->nerrors; i++) {
		if (l->errors[i].line > 0)
			buf_printf(&b, "%s:%d: %s\n", l->path,
			    l->errors[i].line, l->errors[i].msg);
		else
			buf_printf(&b, "%s: %s\n", l->path, l->errors[i].msg);
	}
	if (l->ndropped > 0)
		buf_printf(&b, "%s: %zu more errors not shown\n", l->path,
		    l->ndropped);
	return buf_steal(&b, NULL);
}

static int
name_ok(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return 0;
	}
	return n > 0 && n <= CONFIG_NAME_MAX;
}

/* A "[...]" line: starts a section or puts the parser in CUR_SKIP. */
static void
section_header(struct config_loader *l, const char *s)
{
	static const char *const kinds[] = { "cwguard", "aws", "watch", "logs",
	    "sink", "mute" };
	struct config_raw_section	*sec;
	char			 inner[256], *word[3], *p;
	const char		*close, *rest;
	size_t			 i, nword = 0;
	int			 kind = -1;

	l->cur = CUR_SKIP;
	if ((close = strchr(s, ']')) == NULL) {
		config_error(l, l->lineno, "unterminated section header "
		    "(missing ']')");
		return;
	}
	rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		config_error(l, l->lineno, "text after the section header");
		return;
	}
	snprintf(inner, sizeof inner, "%.*s", (int)(close - s - 1), s + 1);
	for (p = strtok(inner, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		if (nword == 3)
			break;
		word[nword++] = p;
	}
	if (nword == 0) {
		config_error(l, l->lineno, "empty section header []");
		return;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(word[0], kinds[i]) == 0)
			kind = (int)i;
	}
	if (kind == -1) {
		config_error(l, l->lineno, "unknown section [%s] (want [cwguard], "
		    "[aws], [watch NAME], [logs NAME], [sink NAME] or [mute NAME])", word[0]);
		return;
	}
	if (kind <= CONFIG_SECTION_AWS && nword > 1) {
		config_error(l, l->lineno, "[%s] takes no name", word[0]);
		return;
	}
	if (kind > CONFIG_SECTION_AWS && nword != 2) {
		config_error(l, l->lineno, nword == 1 ? "[%s] needs a name: "
		    "[%s NAME]" : "[%s NAME]: the name must be one word",
		    word[0], word[0]);
		return;
	}
	if (nword == 2 && !name_ok(word[1])) {
		config_error(l, l->lineno, "bad %s name '%s' (letters, digits, "
		    "'_', '.' and '-', at most %d)", word[0], word[1],
		    CONFIG_NAME_MAX);
		return;
	}
	for (i = 0; i < l->nsections; i++) {
		sec = &l->sections[i];
		if ((int)sec->kind != kind)
			continue;
		if (nword == 1 || strcmp(sec->name, word[1]) == 0) {
			config_error(l, l->lineno, "duplicate section [%s%s%s] "
			    "(first at line %d)", word[0], nword == 2 ? " " : "",
			    nword == 2 ? word[1] : "", sec->line);
			return;
		}
	}
	l->sections = xreallocarray(l->sections, l->nsections + 1,
	    sizeof *l->sections);
	sec = &l->sections[l->nsections];
	memset(sec, 0, sizeof *sec);
	sec->kind = (enum config_section)kind;
	sec->name = nword == 2 ? xstrdup(word[1]) : NULL;
	sec->line = l->lineno;
	l->cur = (int)l->nsections++;
}

/*
 * The ini_reader: hands inih one line at a time, counting them. Lines inih
 * would misread are reported here and handed over blank.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct config_loader	*l = arg;
	ssize_t		 n;
	size_t		 len, i;
	char		*line, *s, *q;
	int		 was_space;

	if (l->f == NULL)
		return NULL;
	if ((n = getline(&l->linebuf, &l->linecap, l->f)) == -1) {
		if (ferror(l->f))
			config_error(l, 0, "read error: %s", strerror(errno));
		return NULL;
	}
	l->lineno++;
	l->bytes += (size_t)n;
	if (l->bytes > CONFIG_FILE_MAX) {
		config_error(l, l->lineno, "file is larger than %d bytes",
		    CONFIG_FILE_MAX);
		return NULL;
	}
	line = l->linebuf;
	len = (size_t)n;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (l->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	str[0] = '\0';
	for (i = 0; i < len; i++) {
		if (line[i] == '\0') {
			config_error(l, l->lineno, "line holds a NUL byte");
			return str;
		}
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f) {
			config_error(l, l->lineno, "line holds a control character "
			    "(0x%02x)", (unsigned char)line[i]);
			return str;
		}
	}
	line[len] = '\0';
	for (s = line; isspace((unsigned char)*s); s++)
		;
	if (num < 2 || len > (size_t)num - 1) {
		config_error(l, l->lineno, "line too long (%zu bytes, at most %d)",
		    len, num - 1);
		if (*s == '[')
			l->cur = CUR_SKIP;
		return str;
	}
	if (*s == '\0' || *s == ';' || *s == '#')
		return str;
	if (s > line && l->prev_key) {
		config_error(l, l->lineno, "indented line would continue the "
		    "previous value; continuation lines are not supported");
		return str;
	}
	if (*s == '[') {
		section_header(l, s);
		l->prev_key = 0;
		/* inih only needs to see a section; ours is in l->cur. */
		snprintf(str, (size_t)num, "[-]");
		return str;
	}
	/* As inih: '=' or ':' before any " ;" inline comment. */
	was_space = 0;
	for (q = s; *q != '\0' && *q != '=' && *q != ':'; q++) {
		if (was_space && *q == ';')
			break;
		was_space = isspace((unsigned char)*q);
	}
	if (*q != '=' && *q != ':') {
		config_error(l, l->lineno, "expected 'key = value' or a "
		    "[section] header");
		return str;
	}
	if (q == s) {
		config_error(l, l->lineno, "missing key before '%c'", *q);
		return str;
	}
	l->prev_key = 1;
	memcpy(str, line, len + 1);
	return str;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	(void)section;	/* ours is l->cur, set by the reader */
	struct config_loader		*l = arg;
	struct config_raw_section	*sec;
	struct config_raw_entry	*e;

	if (name == NULL || l->cur == CUR_SKIP)
		return 1;
	if (l->cur == CUR_NONE) {
		config_error(l, l->lineno, "key '%s' outside of any section", name);
		return 1;
	}
	sec = &l->sections[l->cur];
	sec->entries = xreallocarray(sec->entries, sec->nentries + 1,
	    sizeof *sec->entries);
	e = &sec->entries[sec->nentries++];
	e->key = xstrdup(name);
	e->value = xstrdup(value != NULL ? value : "");
	e->line = l->lineno;
	return 1;
}

/*
 * inih reads each line into a buffer on its own stack frame, which it
 * does not clear; a literal secret may be left there. Overwrite the stack
 * below us once parsing is done (best effort: same depth, not guaranteed).
 */
static void __attribute__((noinline))
stack_wipe(void)
{
	volatile char	pad[4096];

	util_wipe((void *)pad, sizeof pad);
}

void
config_read(struct config_loader *l)
{
	int	rc;

	rc = ini_parse_stream(reader, l, handler, l);
	if (rc > 0 && !error_at(l, rc))
		config_error(l, rc, "syntax error");
	else if (rc < 0)
		config_error(l, 0, "cannot parse (inih error %d)", rc);
	stack_wipe();
}
