/* The small TOML reader (toml.c): values, tables, and errors by line. */
#include "autoconf.h"

#include <math.h>
#include <string.h>

#include "tap.h"
#include "toml.h"

static struct toml *
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return toml_parse(text, strlen(text), "t.toml", err, errlen);
}

static void
bad(const char *text, const char *want, const char *name)
{
	struct toml	*t;
	char		 err[400];

	t = parse(text, err, sizeof err);
	if (!ok(t == NULL && strstr(err, want) != NULL, "%s", name))
		printf("#   got '%s'\n#  want '%s'\n", err, want);
	toml_free(t);
}

int
main(void)
{
	static const char doc[] =
	    "# a comment\n"
	    "title = \"gitleaks \\\"config\\\" \\u00e9\"  # trailing\n"
	    "n = 1_000\nneg = -17\nhex = 0xff\nf = 3.5\nexp = 1e3\n"
	    "yes = true\nno = false\n"
	    "lit = 'C:\\path\\n'\n"
	    "ml = '''\n\\bA3-[A-Z]{6}\\b\nline2'''\n"
	    "mb = \"\"\"\nfirst \\\n    second\"\"\"\n"
	    "arr = [\n  'a', # one\n  \"b\",\n]\n"
	    "empty = []\n"
	    "inl = { a = 1, b.c = 'x' }\n"
	    "dotted.key = 2\n"
	    "\"quoted key\" = 3\n"
	    "[extend]\nuseDefault = true\n"
	    "[[rules]]\nid = \"one\"\n"
	    "[[rules.allowlists]]\nregexes = ['''x''']\n"
	    "[rules.allowlist]\nstopwords = [\"s\"]\n"
	    "[[rules]]\nid = \"two\"\n";
	struct toml		*t;
	const struct toml	*v, *r;
	char			 err[400];

	t = parse(doc, err, sizeof err);
	if (!ok(t != NULL, "a gitleaks-shaped document parses"))
		printf("#   %s\n", err);
	if (t == NULL)
		return tap_done();
	v = toml_get(t, "title");
	ok(v != NULL && v->type == TOML_STRING &&
	    strcmp(v->str, "gitleaks \"config\" \xc3\xa9") == 0 && v->line == 2,
	    "basic string with escapes and \\u, its line");
	ok((v = toml_get(t, "n")) != NULL && v->type == TOML_INTEGER &&
	    v->i == 1000, "integer with _");
	ok((v = toml_get(t, "neg")) != NULL && v->i == -17, "negative");
	ok((v = toml_get(t, "hex")) != NULL && v->i == 255, "hex");
	ok((v = toml_get(t, "f")) != NULL && v->type == TOML_FLOAT &&
	    v->d == 3.5, "float");
	ok((v = toml_get(t, "exp")) != NULL && v->type == TOML_FLOAT &&
	    v->d == 1000, "exponent");
	ok((v = toml_get(t, "yes")) != NULL && v->type == TOML_BOOL &&
	    v->i == 1 && toml_get(t, "no")->i == 0, "booleans");
	ok((v = toml_get(t, "lit")) != NULL &&
	    strcmp(v->str, "C:\\path\\n") == 0, "literal string: no escapes");
	ok((v = toml_get(t, "ml")) != NULL &&
	    strcmp(v->str, "\\bA3-[A-Z]{6}\\b\nline2") == 0,
	    "multi-line literal: first newline trimmed, backslashes kept");
	ok((v = toml_get(t, "mb")) != NULL &&
	    strcmp(v->str, "first second") == 0,
	    "multi-line basic: line-ending backslash");
	v = toml_get(t, "arr");
	ok(v != NULL && v->type == TOML_ARRAY && v->n == 2 &&
	    strcmp(v->v[0]->str, "a") == 0 && strcmp(v->v[1]->str, "b") == 0,
	    "multi-line array with comments and a trailing comma");
	ok((v = toml_get(t, "empty")) != NULL && v->n == 0, "empty array");
	v = toml_get(t, "inl");
	ok(v != NULL && v->type == TOML_TABLE && toml_get(v, "a")->i == 1 &&
	    strcmp(toml_get(toml_get(v, "b"), "c")->str, "x") == 0,
	    "inline table with a dotted key");
	ok(toml_get(toml_get(t, "dotted"), "key")->i == 2, "dotted key");
	ok(toml_get(t, "quoted key")->i == 3, "quoted key");
	ok(toml_get(toml_get(t, "extend"), "useDefault")->i == 1, "[table]");
	r = toml_get(t, "rules");
	ok(r != NULL && r->type == TOML_ARRAY && r->aot && r->n == 2 &&
	    strcmp(toml_get(r->v[1], "id")->str, "two") == 0,
	    "[[array of tables]]");
	v = toml_get(r->v[0], "allowlists");
	ok(v != NULL && v->aot && v->n == 1 &&
	    toml_get(v->v[0], "regexes")->n == 1,
	    "[[rules.allowlists]] goes into the last rule");
	ok(toml_get(toml_get(r->v[0], "allowlist"), "stopwords") != NULL,
	    "[rules.allowlist] too");
	toml_free(t);

	bad("a = 1\nb = 'open\n", "t.toml:2: newline in a one-line string",
	    "unterminated string: its line");
	bad("a = 1\n\nb = '''never\nclosed\n", "t.toml:3: unterminated string",
	    "unterminated multi-line string: where it opened");
	bad("a = 1\na = 2\n", "t.toml:2: 'a' is defined twice (first on "
	    "line 1)", "duplicate key");
	bad("[x]\n[x]\n", "t.toml:2: [x] is defined twice", "duplicate table");
	bad("x = 1\n[x]\n", "t.toml:2: [x] is defined twice",
	    "a table over a value");
	bad("a = [1, 2\nb = 3\n", "t.toml:2: expected ',' or ']'",
	    "unterminated array");
	bad("a = bare\n", "t.toml:1: 'bare' is not a value",
	    "bare word as a value");
	bad("a = 1979-05-27\n", "dates and times are not supported", "dates");
	bad("a = \"\\q\"\n", "t.toml:1: unknown escape \\q", "bad escape");
	bad("a = 1 b = 2\n", "t.toml:1: unexpected 'b' after the value",
	    "two values on a line");
	bad("= 1\n", "t.toml:1: unexpected '=' in a key", "no key");
	bad("[[a]]\n[a]\n", "t.toml:2: [a] is defined twice",
	    "a table over an array of tables");
	bad("a = 01\n", "'01' is not a value", "leading zero");
	bad("a = 1__0\n", "misplaced '_'", "double underscore");
	bad("a = \"x\x01y\"\n", "control character", "control character");
	{
		char	deep[200];
		int	i;

		strcpy(deep, "a = ");
		for (i = 0; i < 40; i++)
			strcat(deep, "[");
		bad(deep, "nested deeper than 32", "nesting is capped");
	}
	return tap_done();
}
