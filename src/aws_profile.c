#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_profile.h"
#include "buf.h"
#include "util.h"
#include "xmalloc.h"

#define AWS_PROFILE_LINE_MAX	8192
#define AWS_PROFILE_ARGS_MAX	256

struct aws_profile_key {
	const char	*name;
	size_t		 offset;	/* of a char * in struct aws_profile */
	int		 secret;
};

#define K(n, f, s) { n, offsetof(struct aws_profile, f), s }
static const struct aws_profile_key aws_profile_keys[] = {
	K("aws_access_key_id", access_key, 0),
	K("aws_secret_access_key", secret_key, 1),
	K("aws_session_token", session_token, 1),
	K("aws_security_token", session_token, 1),
	K("region", region, 0),
	K("role_arn", role_arn, 0),
	K("source_profile", source_profile, 0),
	K("credential_source", credential_source, 0),
	K("external_id", external_id, 0),
	K("role_session_name", role_session_name, 0),
	K("web_identity_token_file", web_identity_token_file, 0),
	K("credential_process", credential_process, 0),
	K("endpoint_url", endpoint_url, 0),
	K("ca_bundle", ca_bundle, 0),
	K("services", services, 0),
	K("ignore_configured_endpoint_urls", ignore_configured_endpoint_urls,
	    0),
	K("sso_session", sso_session, 0),
	K("sso_start_url", sso_start_url, 0),
	K("sso_region", sso_region, 0),
	K("sso_account_id", sso_account_id, 0),
	K("sso_role_name", sso_role_name, 0),
};
#undef K

static char **
aws_profile_field(struct aws_profile *p, const struct aws_profile_key *k)
{
	return (char **)(void *)((char *)p + k->offset);
}

/* Strips an inline comment: ';' or '#' preceded by white space. */
static void
aws_profile_strip_comment(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++) {
		if ((*p == '#' || *p == ';') && p > s &&
		    isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
	}
}

/*
 * Reads one file. is_config selects "[profile NAME]" sections ("[default]"
 * in both). only_missing: keep values already set (credentials file first).
 */
static int
aws_profile_read(const char *path, int is_config, const char *name,
    struct aws_profile *out, int from_creds, char *err, size_t errlen)
{
	FILE		*f;
	char		*line = NULL, *p, *eq, *key, *val, *sect;
	size_t		 cap = 0, i;
	ssize_t		 n;
	int		 lineno = 0, in_ours = 0, in_nested = 0, rc = -1;
	char		 wanted[512];

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (is_config && strcmp(name, "default") != 0)
		snprintf(wanted, sizeof wanted, "profile %s", name);
	else
		util_strlcpy(wanted, name, sizeof wanted);
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (n > AWS_PROFILE_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			goto done;
		}
		/* Indented lines continue a nested block or a value. */
		if (isspace((unsigned char)line[0]) && in_nested) {
			util_trim(line);
			continue;
		}
		in_nested = 0;
		util_trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			if ((p = strchr(line, ']')) == NULL) {
				snprintf(err, errlen, "%s:%d: section header "
				    "without ']'", path, lineno);
				goto done;
			}
			*p = '\0';
			sect = util_trim(line + 1);
			/* "[profile   x]" and "[ x ]" are both accepted. */
			if (strncmp(sect, "profile", 7) == 0 &&
			    isspace((unsigned char)sect[7])) {
				sect += 7;
				while (isspace((unsigned char)*sect))
					sect++;
				in_ours = is_config && strcmp(name, "default")
				    != 0 && strcmp(sect, name) == 0;
				if (is_config && strcmp(name, "default") == 0 &&
				    strcmp(sect, "default") == 0)
					in_ours = 1;
			} else
				in_ours = strcmp(sect, wanted) == 0;
			if (in_ours)
				out->found = 1;
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'",
			    path, lineno);
			goto done;
		}
		*eq = '\0';
		key = util_trim(line);
		val = eq + 1;
		aws_profile_strip_comment(val);
		val = util_trim(val);
		if (*val == '\0') {
			in_nested = 1;	/* "s3 =" followed by indented keys */
			continue;
		}
		if (!in_ours)
			continue;
		if (strcmp(key, "duration_seconds") == 0) {
			long long	d;
			char		e[96];

			if (util_parse_int(val, 900, 43200, &d, e, sizeof e)
			    == -1) {
				snprintf(err, errlen, "%s:%d: duration_seconds: "
				    "%s", path, lineno, e);
				goto done;
			}
			if (out->duration_seconds == 0)
				out->duration_seconds = (long)d;
			continue;
		}
		for (i = 0; i < sizeof aws_profile_keys /
		    sizeof aws_profile_keys[0]; i++) {
			char	**fp;

			if (strcmp(key, aws_profile_keys[i].name) != 0)
				continue;
			fp = aws_profile_field(out, &aws_profile_keys[i]);
			if (*fp == NULL) {
				*fp = xstrdup(val);
				if (from_creds && (fp == &out->access_key ||
				    fp == &out->secret_key))
					out->creds_from_credentials_file = 1;
			}
			break;
		}
		/* Keys cwguard does not use are ignored, as botocore does. */
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto done;
	}
	rc = 0;
done:
	if (line != NULL) {
		util_wipe(line, cap);
		free(line);
	}
	fclose(f);
	return rc;
}

int
aws_profile_load(const char *cred_path, const char *config_path,
    const char *name, struct aws_profile *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->name = xstrdup(name);
	if (aws_profile_read(cred_path, 0, name, out, 1, err, errlen) == -1 ||
	    aws_profile_read(config_path, 1, name, out, 0, err, errlen) == -1) {
		aws_profile_cleanup(out);
		return -1;
	}
	return 0;
}

void
aws_profile_cleanup(struct aws_profile *p)
{
	size_t	i;
	char	**fp;

	free(p->name);
	for (i = 0; i < sizeof aws_profile_keys / sizeof aws_profile_keys[0];
	    i++) {
		fp = aws_profile_field(p, &aws_profile_keys[i]);
		if (*fp == NULL)
			continue;
		if (aws_profile_keys[i].secret)
			util_free_secret(*fp);
		else
			free(*fp);
		*fp = NULL;
	}
	memset(p, 0, sizeof *p);
}

static char *
aws_profile_home_path(const char *env, const char *rel)
{
	const char	*v, *home;

	if ((v = getenv(env)) != NULL && *v != '\0') {
		if (v[0] == '~' && v[1] == '/' &&
		    (home = getenv("HOME")) != NULL)
			return xasprintf("%s%s", home, v + 1);
		return xstrdup(v);
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		return NULL;
	return xasprintf("%s/%s", home, rel);
}

char *
aws_profile_credentials_path(void)
{
	return aws_profile_home_path("AWS_SHARED_CREDENTIALS_FILE",
	    ".aws/credentials");
}

char *
aws_profile_config_path(void)
{
	return aws_profile_home_path("AWS_CONFIG_FILE", ".aws/config");
}

const char *
aws_profile_name(void)
{
	const char	*v;

	if ((v = getenv("AWS_PROFILE")) != NULL && *v != '\0')
		return v;
	if ((v = getenv("AWS_DEFAULT_PROFILE")) != NULL && *v != '\0')
		return v;
	return "default";
}

char **
aws_profile_split_command(const char *s, char *err, size_t errlen)
{
	char		**argv;
	struct buf	  word;
	size_t		  argc = 0;
	int		  in_word = 0;
	char		  q = 0;

	argv = xcalloc(AWS_PROFILE_ARGS_MAX + 1, sizeof *argv);
	buf_init(&word, 64 * 1024);
	for (;; s++) {
		char	c = *s;

		if (c == '\0' || (q == 0 && isspace((unsigned char)c))) {
			if (q != 0) {
				snprintf(err, errlen, "credential_process: "
				    "unterminated %c quote", q);
				goto fail;
			}
			if (in_word) {
				if (argc == AWS_PROFILE_ARGS_MAX) {
					snprintf(err, errlen,
					    "credential_process: too many "
					    "arguments");
					goto fail;
				}
				argv[argc++] = xstrdup(buf_cstr(&word));
				buf_reset(&word);
				in_word = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = 1;
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else if (buf_putc(&word, c) == -1)
				goto toolong;
		} else if (q == '"') {
			if (c == '"')
				q = 0;
			else if (c == '\\' && (s[1] == '"' || s[1] == '\\' ||
			    s[1] == '$' || s[1] == '`')) {
				if (buf_putc(&word, *++s) == -1)
					goto toolong;
			} else if (buf_putc(&word, c) == -1)
				goto toolong;
		} else if (c == '\'' || c == '"')
			q = c;
		else if (c == '\\' && s[1] != '\0') {
			if (buf_putc(&word, *++s) == -1)
				goto toolong;
		} else if (buf_putc(&word, c) == -1)
			goto toolong;
	}
	buf_cleanup(&word);
	if (argc == 0) {
		snprintf(err, errlen, "credential_process: empty command");
		aws_profile_argv_free(argv);
		return NULL;
	}
	return argv;
toolong:
	snprintf(err, errlen, "credential_process: argument too long");
fail:
	buf_cleanup(&word);
	aws_profile_argv_free(argv);
	return NULL;
}

void
aws_profile_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
aws_profile_section_value(const char *path, const char *section,
    const char *block, const char *key, char **out, char *err,
    size_t errlen)
{
	FILE		*f;
	char		*line = NULL, *p, *eq, *k, *v;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, in_ours = 0, in_block = 0, indented;
	int		 rc = -1;

	*out = NULL;
	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (n > AWS_PROFILE_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			goto done;
		}
		indented = isspace((unsigned char)line[0]);
		util_trim(line);
		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[' && !indented) {
			if ((p = strchr(line, ']')) == NULL) {
				snprintf(err, errlen, "%s:%d: section header "
				    "without ']'", path, lineno);
				goto done;
			}
			*p = '\0';
			p = util_trim(line + 1);
			/* "[services   dev]": the words, one space apart */
			in_ours = 0;
			if (strncmp(p, section, strcspn(section, " ")) == 0) {
				const char *a = p + strcspn(section, " ");
				const char *b = section + strcspn(section, " ");

				while (isspace((unsigned char)*a))
					a++;
				while (*b == ' ')
					b++;
				in_ours = isspace((unsigned char)p[strcspn(
				    section, " ")]) && strcmp(a, b) == 0;
			}
			in_block = 0;
			continue;
		}
		if (!in_ours || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		k = util_trim(line);
		v = eq + 1;
		aws_profile_strip_comment(v);
		v = util_trim(v);
		if (!indented) {
			in_block = block != NULL && *v == '\0' &&
			    strcmp(k, block) == 0;
			if (block == NULL && strcmp(k, key) == 0 &&
			    *out == NULL)
				*out = xstrdup(v);
			continue;
		}
		if (in_block && strcmp(k, key) == 0 && *out == NULL)
			*out = xstrdup(v);
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto done;
	}
	rc = 0;
done:
	if (rc == -1) {
		free(*out);
		*out = NULL;
	}
	free(line);
	fclose(f);
	return rc;
}
