/*
 * Secret values of the config: ${env:NAME}, ${file:PATH} (resolved at
 * load), ${secretsmanager:ID[#key]} (kept as a reference for the AWS
 * layer), or a literal. Nothing here ever puts a secret into an error.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"
#include "xmalloc.h"

void
config_secret_clear(struct config_secret *s)
{
	if (s == NULL)
		return;
	free(s->ref);
	free(s->id);
	free(s->json_key);
	util_free_secret(s->value);
	memset(s, 0, sizeof *s);
}

static int
env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	}
	return 1;
}

int
config_secret_parse(struct config_secret *s, const char *v, char *err,
    size_t errlen)
{
	const char	*colon, *body, *hash;
	size_t		 len = strlen(v), blen;

	memset(s, 0, sizeof *s);
	if (strncmp(v, "${", 2) != 0) {
		if (strstr(v, "${") != NULL) {
			snprintf(err, errlen, "a ${...} reference must be the "
			    "whole value");
			return -1;
		}
		s->source = CONFIG_SECRET_LITERAL;
		s->value = xstrdup(v);
		return 0;
	}
	if (len < 4 || v[len - 1] != '}' || memchr(v + 2, '}', len - 3) != NULL ||
	    (colon = strchr(v, ':')) == NULL) {
		snprintf(err, errlen, "bad reference (want ${env:NAME}, "
		    "${file:PATH} or ${secretsmanager:ID[#key]})");
		return -1;
	}
	body = colon + 1;
	blen = (size_t)(v + len - 1 - body);
	if (strncmp(v + 2, "env:", 4) == 0) {
		s->source = CONFIG_SECRET_ENV;
		s->id = xstrndup(body, blen);
		if (!env_name_ok(s->id)) {
			snprintf(err, errlen, "bad environment variable name in "
			    "${env:...}");
			goto fail;
		}
	} else if (strncmp(v + 2, "file:", 5) == 0) {
		s->source = CONFIG_SECRET_FILE;
		s->id = xstrndup(body, blen);
		if (*s->id == '\0') {
			snprintf(err, errlen, "empty path in ${file:}");
			goto fail;
		}
	} else if (strncmp(v + 2, "secretsmanager:", 15) == 0) {
		s->source = CONFIG_SECRET_SECRETSMANAGER;
		s->id = xstrndup(body, blen);
		if ((hash = strchr(s->id, '#')) != NULL) {
			s->json_key = xstrdup(hash + 1);
			s->id[hash - s->id] = '\0';
			if (*s->json_key == '\0') {
				snprintf(err, errlen, "empty JSON key after '#' "
				    "in ${secretsmanager:...}");
				goto fail;
			}
		}
		if (*s->id == '\0' || strpbrk(s->id, " \t") != NULL ||
		    strlen(s->id) > 2048) {
			snprintf(err, errlen, "bad secret id in "
			    "${secretsmanager:...}");
			goto fail;
		}
	} else {
		snprintf(err, errlen, "unknown reference type (want ${env:NAME}, "
		    "${file:PATH} or ${secretsmanager:ID[#key]})");
		return -1;
	}
	s->ref = xstrdup(v);
	return 0;
fail:
	config_secret_clear(s);
	return -1;
}

/* Reads a regular file of at most CONFIG_SECRET_MAX bytes. */
static int
read_secret_file(const char *path, const char *shown, const char *where,
    char **out, char *err, size_t errlen)
{
	struct stat	 st;
	char		*data = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		snprintf(err, errlen, "cannot read ${file:%s}%s: %s", shown,
		    where, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "${file:%s}%s is not a regular file",
		    shown, where);
		goto fail;
	}
	data = xmalloc(CONFIG_SECRET_MAX + 1);
	for (;;) {
		n = read(fd, data + len, CONFIG_SECRET_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "cannot read ${file:%s}%s: %s",
			    shown, where, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_SECRET_MAX) {
			snprintf(err, errlen, "${file:%s}%s is larger than %d "
			    "bytes", shown, where, CONFIG_SECRET_MAX);
			goto fail;
		}
	}
	/* One trailing newline is the file's, not the secret's. */
	if (len > 0 && data[len - 1] == '\n') {
		len--;
		if (len > 0 && data[len - 1] == '\r')
			len--;
	}
	if (len == 0 || memchr(data, '\0', len) != NULL) {
		snprintf(err, errlen, "${file:%s}%s is %s", shown, where,
		    len == 0 ? "empty" : "binary (holds a NUL byte)");
		goto fail;
	}
	data[len] = '\0';
	close(fd);
	*out = data;
	return 0;
fail:
	if (data != NULL) {
		util_wipe(data, CONFIG_SECRET_MAX + 1);
		free(data);
	}
	close(fd);
	return -1;
}

int
config_secret_resolve(struct config_secret *s, const char *confdir,
    char *err, size_t errlen)
{
	const char	*v, *credir, *where;
	char		*path;
	int		 rc;

	switch (s->source) {
	case CONFIG_SECRET_ENV:
		if ((v = getenv(s->id)) == NULL || *v == '\0') {
			snprintf(err, errlen, "environment variable %s is %s",
			    s->id, v == NULL ? "not set" : "empty");
			return -1;
		}
		util_free_secret(s->value);
		s->value = xstrdup(v);
		return 0;
	case CONFIG_SECRET_FILE:
		credir = getenv("CREDENTIALS_DIRECTORY");
		if (s->id[0] == '/') {
			path = xstrdup(s->id);
			where = "";
		} else if (credir != NULL && *credir != '\0') {
			path = xasprintf("%s/%s", credir, s->id);
			where = " (under $CREDENTIALS_DIRECTORY)";
		} else {
			path = xasprintf("%s/%s", confdir, s->id);
			where = " (relative to the config file)";
		}
		util_free_secret(s->value);
		s->value = NULL;
		rc = read_secret_file(path, s->id, where, &s->value, err,
		    errlen);
		free(path);
		return rc;
	default:
		return 0;
	}
}

/* The authority of scheme://[user[:pass]@]host[:port][/...]; 0 or -1. */
static int
url_authority(const char *url, const char **start, size_t *len)
{
	const char	*p;

	if ((p = strstr(url, "://")) == NULL)
		return -1;
	p += 3;
	*start = p;
	*len = strcspn(p, "/?#");
	return 0;
}

int
config_url_has_auth(const char *url)
{
	const char	*a;
	size_t		 n;

	if (url_authority(url, &a, &n) == -1)
		return 0;
	return memchr(a, '@', n) != NULL;
}

int
config_url_is_loopback(const char *url)
{
	const char	*a, *at, *end;
	char		 host[256];
	size_t		 n, hl;

	if (url_authority(url, &a, &n) == -1)
		return 0;
	end = a + n;
	for (at = end; at > a; at--) {
		if (at[-1] == '@')
			break;
	}
	if (at > a)
		a = at;
	if (*a == '[') {
		a++;
		hl = strcspn(a, "]");
		if (a + hl >= end)
			return 0;
	} else
		hl = strcspn(a, ":/?#");
	if (a + hl > end || hl == 0 || hl >= sizeof host)
		return 0;
	memcpy(host, a, hl);
	host[hl] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 1;
	if (strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == hl)
		return 1;
	return 0;
}
