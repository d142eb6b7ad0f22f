/*
 * The baseline file of `cwguard scan` (see scan_baseline.h): a sorted
 * array of 32-byte fingerprints searched with bsearch.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "scan_baseline.h"
#include "util.h"
#include "xmalloc.h"

#define BASELINE_LINE_MAX	256
#define KEY_ID_LEN		8

struct scan_baseline {
	unsigned char	(*fp)[32];
	size_t		 n, cap;
	int		 sorted;
	int		 have_key, have_key_id;
	unsigned char	 key[32];
	unsigned char	 key_id[KEY_ID_LEN];
};

struct scan_baseline *
scan_baseline_new(void)
{
	struct scan_baseline	*bl;

	bl = xcalloc(1, sizeof *bl);
	bl->sorted = 1;
	return bl;
}

void
scan_baseline_free(struct scan_baseline *bl)
{
	if (bl == NULL)
		return;
	free(bl->fp);
	util_wipe(bl->key, sizeof bl->key);
	free(bl);
}

/* The key id: the first bytes of SHA-256 over a label and the key. */
static void
key_id(const unsigned char key[32], unsigned char out[KEY_ID_LEN])
{
	static const char	 label[] = "cwguard scan baseline key id";
	unsigned char		 buf[sizeof label + 32], md[32];
	unsigned int		 mdlen = 0;

	memcpy(buf, label, sizeof label);
	memcpy(buf + sizeof label, key, 32);
	if (!EVP_Digest(buf, sizeof buf, md, &mdlen, EVP_sha256(), NULL))
		abort();
	memcpy(out, md, KEY_ID_LEN);
	util_wipe(buf, sizeof buf);
}

static int
unhex(const char *s, size_t len, unsigned char *out)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = util_hex_value((unsigned char)s[2 * i])) < 0 ||
		    (lo = util_hex_value((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[2 * len] == '\0' ? 0 : -1;
}

void
scan_baseline_add(struct scan_baseline *bl, const unsigned char fp[32])
{
	if (bl->n == bl->cap) {
		bl->cap = bl->cap == 0 ? 64 : bl->cap * 2;
		bl->fp = xreallocarray(bl->fp, bl->cap, sizeof *bl->fp);
	}
	memcpy(bl->fp[bl->n++], fp, 32);
	bl->sorted = 0;
}

static int
fp_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
baseline_sort(struct scan_baseline *bl)
{
	size_t	i, o = 0;

	if (bl->sorted)
		return;
	qsort(bl->fp, bl->n, sizeof *bl->fp, fp_cmp);
	for (i = 0; i < bl->n; i++)
		if (o == 0 || memcmp(bl->fp[o - 1], bl->fp[i], 32) != 0)
			memmove(bl->fp[o++], bl->fp[i], 32);
	bl->n = o;
	bl->sorted = 1;
}

int
scan_baseline_has(struct scan_baseline *bl, const unsigned char fp[32])
{
	baseline_sort(bl);
	return bl->n > 0 &&
	    bsearch(fp, bl->fp, bl->n, sizeof *bl->fp, fp_cmp) != NULL;
}

int
scan_baseline_load(struct scan_baseline *bl, const char *path, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		 line[BASELINE_LINE_MAX + 2], *s;
	unsigned char	 v[32];
	unsigned long	 lineno = 0;
	size_t		 len;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(fp)) {
			snprintf(err, errlen, "%s:%lu: line too long", path,
			    lineno);
			goto fail;
		}
		s = util_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "key-id ", 7) == 0) {
			if (unhex(util_trim(s + 7), KEY_ID_LEN,
			    bl->key_id) == -1) {
				snprintf(err, errlen, "%s:%lu: bad key-id "
				    "(16 hex digits)", path, lineno);
				goto fail;
			}
			bl->have_key_id = 1;
		} else if (strncmp(s, "key ", 4) == 0) {
			if (unhex(util_trim(s + 4), 32, bl->key) == -1) {
				snprintf(err, errlen, "%s:%lu: bad key (64 "
				    "hex digits)", path, lineno);
				goto fail;
			}
			bl->have_key = 1;
		} else if (unhex(s, 32, v) == -1) {
			snprintf(err, errlen, "%s:%lu: not a fingerprint (64 "
			    "hex digits)", path, lineno);
			goto fail;
		} else {
			if (bl->n >= SCAN_BASELINE_MAX) {
				snprintf(err, errlen, "%s:%lu: more than %d "
				    "fingerprints", path, lineno,
				    SCAN_BASELINE_MAX);
				goto fail;
			}
			scan_baseline_add(bl, v);
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(fp);
	util_wipe(line, sizeof line);
	return 0;
fail:
	util_wipe(line, sizeof line);
	fclose(fp);
	return -1;
}

int
scan_baseline_key(const struct scan_baseline *bl, unsigned char key[32])
{
	if (!bl->have_key)
		return 0;
	memcpy(key, bl->key, 32);
	return 1;
}

int
scan_baseline_check_key(const struct scan_baseline *bl,
    const unsigned char key[32], const char *path, char *err, size_t errlen)
{
	unsigned char	id[KEY_ID_LEN];

	if (!bl->have_key_id)
		return 0;
	key_id(key, id);
	if (memcmp(id, bl->key_id, KEY_ID_LEN) == 0)
		return 0;
	snprintf(err, errlen, "%s was written with another fingerprint key "
	    "(another state database, or none): none of its fingerprints "
	    "can match", path);
	return -1;
}

int
scan_baseline_save(struct scan_baseline *bl, const char *path,
    const unsigned char key[32], int with_key, char *err, size_t errlen)
{
	unsigned char	 id[KEY_ID_LEN];
	char		 hex[65], *tmp;
	FILE		*fp = NULL;
	size_t		 i;
	int		 fd;

	baseline_sort(bl);
	tmp = xasprintf("%s.tmpXXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	key_id(key, id);
	util_hex(id, sizeof id, hex);
	fprintf(fp, "# cwguard scan baseline: fingerprints of known "
	    "findings, one per line\nkey-id %s\n", hex);
	if (with_key) {
		util_hex(key, 32, hex);
		fprintf(fp, "# the fingerprint key of the scan that wrote "
		    "it (no state database)\nkey %s\n", hex);
		util_wipe(hex, sizeof hex);
	}
	for (i = 0; i < bl->n; i++) {
		util_hex(bl->fp[i], 32, hex);
		fprintf(fp, "%s\n", hex);
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fp != NULL)
		fclose(fp);
	unlink(tmp);
	free(tmp);
	return -1;
}
