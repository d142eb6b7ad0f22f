/*
 * cwguard scan [--rules FILE] [--baseline FILE] [--write-baseline FILE]
 * [PATH...|-]: files, directories or stdin through the secret scanner
 * (DESIGN sections 2, 7 and 11).
 *
 * Any input that starts with the gzip magic is inflated on the fly (so
 * `scan app.log.gz` and `cat app.log.gz | scan -` read the text, never the
 * compressed bytes). A directory is walked recursively in name order;
 * version-control directories, symbolic links, special files, files of
 * binary types (by name) and files whose first 8 KiB hold a NUL byte are
 * skipped, each said on stderr. Findings of `findings allow` and of a
 * --baseline are left out and counted on stderr.
 *
 * Files are read in big blocks. The keyword prefilter runs over the whole
 * block: lines without a keyword are only counted, never copied or handed
 * to the scanner one by one (scanner_skip). A line longer than
 * SCAN_LINE_MAX is scanned in segments that overlap by
 * SCANNER_CHUNK_OVERLAP bytes, so memory does not grow with the input and
 * nothing is skipped. Exit: 0 no finding, 1 findings, 2 error. An
 * unreadable file is reported on stderr and the others are still scanned;
 * the exit code is then 2 even if findings were printed, because the
 * result is incomplete. Bad options exit 64.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "scan_baseline.h"
#include "scan_confirm.h"
#include "scanner.h"
#include "scanner_int.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCAN_BLOCK	(256 * 1024)	/* read() copies into the L2 cache */
#define SCAN_LINE_MAX	(1024 * 1024)
#define SCAN_DEPTH_MAX	64		/* directory levels followed */
#define SCAN_SNIFF	8192		/* bytes looked at for a NUL */

/*
 * One input: a file descriptor, read plain or, when it starts with the
 * gzip magic, inflated (members one after another, as gzip -d does).
 */
struct scan_input {
	int		 fd;
	int		 started;
	int		 gz;		/* 1 inflating, 2 past the last member */
	int		 eof;
	z_stream	 zs;
	unsigned char	*zbuf;
	char		 err[128];
};

static const char *const scan_skip_dirs[] = { ".git", ".hg", ".svn", NULL };

/* Names of files that hold no text worth scanning (compared case-blind). */
static const char *const scan_skip_ext[] = {
	".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif",
	".tiff", ".pdf", ".zip", ".jar", ".war", ".7z", ".xz", ".bz2",
	".zst", ".lz4", ".tar", ".rar", ".iso", ".dmg", ".class", ".pyc",
	".o", ".a", ".so", ".dylib", ".dll", ".exe", ".bin", ".woff",
	".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov", ".avi",
	".wav", ".flac", ".ogg", ".webm", ".sqlite", ".db", NULL
};

struct scan_out {
	struct cmd_ctx	*ctx;
	const char	*path;
	unsigned long long line;	/* 1-based number of the current line */
	size_t		 base;		/* column base of the current segment */
	size_t		 limit;		/* report offsets below this */
	unsigned long long findings;
	unsigned long long known;	/* in the baseline or allowed */
	struct store	*store;		/* the state database, for marks */
	struct scan_baseline *baseline;	/* --baseline */
	struct scan_baseline *current;	/* --write-baseline */
	int		 failed;	/* a mark could not be read */
	int		 sniff;		/* skip a binary file (directory walk) */
	char		**accounts;	/* --account: ours */
	size_t		 naccounts;
	struct scan_confirm *confirm;	/* --confirm */
	const char	*seg;		/* what scanner_scan_line was given */
	unsigned long long skipped;	/* files left out by the walk */
};

/*
 * The fingerprint key: the installation key of the state database named by
 * the config, so that `scan` and the daemon fingerprint a secret alike,
 * and the database stays open for the marks of `cwguard findings allow`.
 * `scan` never creates a database; without one (no config, no state yet,
 * not readable) the key is the one a --baseline file carries, else random
 * for this run. Returns 1 if the key is the installation key.
 */
static int
scan_fingerprint_key(const struct cmd_ctx *ctx, struct scan_out *o,
    unsigned char key[32])
{
	struct config	*cfg;
	struct store	*st = NULL;
	char		*cause = NULL, err[256];

	if (ctx->config_path != NULL &&
	    access(ctx->config_path, R_OK) == 0 &&
	    (cfg = cmd_config_load(ctx, &cause)) != NULL) {
		st = store_open(cfg->state, STORE_READONLY, err, sizeof err);
		if (st == NULL)
			log_debug("scan: no installation key (%s)", err);
		config_free(cfg);
	} else if (ctx->config_explicit)
		log_warn("scan: config %s not usable, fingerprints are for "
		    "this run only", ctx->config_path);
	free(cause);
	if (st != NULL && store_install_key(st, key) == 0) {
		o->store = st;
		return 1;
	}
	store_close(st);
	if (o->baseline != NULL && scan_baseline_key(o->baseline, key))
		return 0;
	/* The kernel's generator: no DRBG to set up for one key. */
	if (getrandom(key, 32, 0) != 32)
		fatal("scan: no random bytes for the fingerprint key");
	return 0;
}

/* 1 if the finding is known: allowed by fingerprint or in the baseline. */
static int
scan_known(struct scan_out *o, const struct scanner_finding *f,
    const char *hex)
{
	int	mark;

	if (o->store != NULL) {
		if ((mark = store_finding_mark_get(o->store, hex)) == -1) {
			if (!o->failed)
				log_error("scan: %s", store_error(o->store));
			o->failed = 1;
		} else if (mark == STORE_MARK_ALLOW)
			return 1;
	}
	if (o->current != NULL)
		scan_baseline_add(o->current, f->fingerprint);
	return o->baseline != NULL &&
	    scan_baseline_has(o->baseline, f->fingerprint);
}

/* "ours" when the key id's account is one of --account, else "foreign". */
static const char *
scan_owner(const struct scan_out *o, const char *account)
{
	size_t	i;

	for (i = 0; i < o->naccounts; i++)
		if (strcmp(o->accounts[i], account) == 0)
			return "ours";
	return "foreign";
}

static int
scan_report(const struct scanner_finding *f, void *arg)
{
	struct scan_out	*o = arg;
	char		 hex[65], esc[1024], account[13], confirmed_account[13];
	char		 err[400];
	int		 rc, confirmed = 0;
	unsigned long long line;
	size_t		 col;
	cJSON		*j;
	char		*s;

	if (f->lines_back == 0 && f->offset >= o->limit)
		return 0;	/* in the overlap: the next segment has it */
	line = o->line - f->lines_back;
	col = (f->lines_back == 0 ? o->base : 0) + f->offset + 1;
	util_hex(f->fingerprint, sizeof f->fingerprint, hex);
	if (scan_known(o, f, hex)) {
		o->known++;
		return 0;
	}
	o->findings++;
	util_strlcpy(account, f->aws_account, sizeof account);
	if (o->confirm != NULL && f->lines_back == 0 && f->encoding == NULL &&
	    o->seg != NULL && strcmp(f->rule, "aws-access-key-id") == 0) {
		/* The key id is STS's parameter only, never a signer. */
		rc = scan_confirm_key(o->confirm, o->seg + f->offset, f->length,
		    f->fingerprint, confirmed_account, err, sizeof err);
		if (rc == 1) {
			util_strlcpy(account, confirmed_account,
			    sizeof account);
			confirmed = 1;
		} else if (rc == -1) {
			log_warn("scan: --confirm: %s; no more key ids asked",
			    err);
			scan_confirm_free(o->confirm);
			o->confirm = NULL;
		}
	}
	if (o->ctx->json) {
		if ((j = cJSON_CreateObject()) == NULL)
			fatal("scan: out of memory");
		cJSON_AddStringToObject(j, "type", "finding");
		cJSON_AddStringToObject(j, "rule", f->rule);
		/* A file name is bytes: keep the JSON valid UTF-8. */
		cJSON_AddStringToObject(j, "path", log_utf8_text(o->path,
		    strlen(o->path), esc, sizeof esc));
		cJSON_AddNumberToObject(j, "line", (double)line);
		cJSON_AddNumberToObject(j, "column", (double)col);
		cJSON_AddNumberToObject(j, "length", (double)f->length);
		cJSON_AddStringToObject(j, "redacted", f->redacted);
		cJSON_AddStringToObject(j, "fingerprint", hex);
		if (f->encoding != NULL)
			cJSON_AddStringToObject(j, "encoding", f->encoding);
		if (account[0] != '\0') {
			cJSON_AddStringToObject(j, "aws_account", account);
			cJSON_AddStringToObject(j, "owner",
			    scan_owner(o, account));
			if (confirmed)
				cJSON_AddBoolToObject(j, "confirmed", 1);
		}
		if ((s = cJSON_PrintUnformatted(j)) == NULL)
			fatal("scan: out of memory");
		puts(s);
		free(s);
		cJSON_Delete(j);
	} else
		printf("%s:%llu:%zu: %s %s%s%s%s%s%s%s%s\n", log_escape(o->path,
		    strlen(o->path), esc, sizeof esc), line, col, f->rule,
		    f->redacted, f->encoding != NULL ? " in " : "",
		    f->encoding != NULL ? f->encoding : "",
		    account[0] != '\0' ? " account " : "", account,
		    account[0] != '\0' ? " " : "",
		    account[0] != '\0' ? scan_owner(o, account) : "",
		    confirmed ? " (confirmed)" : "");
	return 0;
}

static void
scan_line(struct scanner *sc, struct scan_out *o, const char *p, size_t len)
{
	o->base = 0;
	o->limit = (size_t)-1;
	o->seg = p;
	(void)scanner_scan_line(sc, p, len, scan_report, o);
}

/* Number of newlines in p[0..len). */
static unsigned long long
count_nl(const char *p, size_t len)
{
	unsigned long long	n = 0;
	size_t			i = 0;
#ifdef __SSE2__
	const __m128i		nl = _mm_set1_epi8('\n');
	__m128i			acc, sum;
	int			k;

	/* Byte counters (0 - matches) for up to 255 rounds, then summed. */
	while (i + 16 <= len) {
		acc = _mm_setzero_si128();
		for (k = 0; k < 255 && i + 16 <= len; k++, i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(
			    (const __m128i *)(const void *)(p + i)), nl));
		sum = _mm_sad_epu8(acc, _mm_setzero_si128());
		n += (unsigned long long)_mm_cvtsi128_si32(sum) +
		    (unsigned long long)_mm_cvtsi128_si32(
		    _mm_unpackhi_epi64(sum, sum));
	}
#endif
	for (; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/*
 * Scans the whole lines of buf[start..have) and returns the offset after
 * the last one: only the lines the prefilter picks go to the scanner, the
 * others are counted.
 */
static size_t
scan_lines(struct scanner *sc, struct scan_out *o, const char *buf,
    size_t start, size_t have)
{
	const char	*last, *nl;
	size_t		 end, skip;

	if (start >= have ||
	    (last = memrchr(buf + start, '\n', have - start)) == NULL)
		return start;
	end = (size_t)(last - buf) + 1;
	while (start < end) {
		skip = scanner_skip(sc, buf + start, end - start);
		o->line += count_nl(buf + start, skip);
		start += skip;
		if (start == end)
			break;
		nl = memchr(buf + start, '\n', end - start);
		scan_line(sc, o, buf + start, (size_t)(nl - buf) - start);
		o->line++;
		start = (size_t)(nl - buf) + 1;
	}
	return end;
}

static ssize_t
read_retry(int fd, void *buf, size_t len)
{
	ssize_t	n;

	while ((n = read(fd, buf, len)) == -1 && errno == EINTR)
		;
	return n;
}

/* Inflates into buf; 0 at the end, -1 with in->err on bad data. */
static ssize_t
input_inflate(struct scan_input *in, char *buf, size_t len)
{
	ssize_t	n;
	size_t	made;
	int	zrc;

	for (;;) {
		if (in->gz == 2)
			return 0;
		if (in->zs.avail_in == 0 && !in->eof) {
			if ((n = read_retry(in->fd, in->zbuf, SCAN_BLOCK)) ==
			    -1) {
				snprintf(in->err, sizeof in->err, "%s",
				    strerror(errno));
				return -1;
			}
			if (n == 0)
				in->eof = 1;
			in->zs.next_in = in->zbuf;
			in->zs.avail_in = (uInt)n;
		}
		in->zs.next_out = (unsigned char *)buf;
		in->zs.avail_out = (uInt)len;
		zrc = inflate(&in->zs, Z_NO_FLUSH);
		made = len - in->zs.avail_out;
		if (zrc == Z_STREAM_END) {
			/* Another member follows, or the end (or trailing junk). */
			if (in->zs.avail_in == 0 && !in->eof) {
				n = read_retry(in->fd, in->zbuf, SCAN_BLOCK);
				if (n == -1) {
					snprintf(in->err, sizeof in->err, "%s",
					    strerror(errno));
					return -1;
				}
				if (n == 0)
					in->eof = 1;
				in->zs.next_in = in->zbuf;
				in->zs.avail_in = (uInt)n;
			}
			if (in->zs.avail_in >= 2 && in->zs.next_in[0] == 0x1f &&
			    in->zs.next_in[1] == 0x8b)
				inflateReset(&in->zs);
			else {
				if (in->zs.avail_in > 0)
					log_warn("trailing bytes after the "
					    "gzip data ignored");
				in->gz = 2;
			}
		} else if (zrc == Z_BUF_ERROR && in->eof &&
		    in->zs.avail_in == 0) {
			snprintf(in->err, sizeof in->err, "gzip: unexpected "
			    "end of compressed data");
			return -1;
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			snprintf(in->err, sizeof in->err, "gzip: %s",
			    in->zs.msg != NULL ? in->zs.msg : "bad data");
			return -1;
		}
		if (made > 0)
			return (ssize_t)made;
	}
}

/*
 * Reads the next bytes of an input into buf: 0 at the end, -1 with
 * in->err. The first read decides whether the input is gzip data.
 */
static ssize_t
input_read(struct scan_input *in, char *buf, size_t len)
{
	ssize_t	n, m;

	if (in->gz)
		return input_inflate(in, buf, len);
	if ((n = read_retry(in->fd, buf, len)) == -1) {
		snprintf(in->err, sizeof in->err, "%s", strerror(errno));
		return -1;
	}
	if (in->started)
		return n;
	in->started = 1;
	/* A pipe may hand over one byte first. */
	if (n == 1) {
		if ((m = read_retry(in->fd, buf + 1, len - 1)) == -1) {
			snprintf(in->err, sizeof in->err, "%s",
			    strerror(errno));
			return -1;
		}
		n += m;
	}
	if (n < 2 || (unsigned char)buf[0] != 0x1f ||
	    (unsigned char)buf[1] != 0x8b)
		return n;
	in->zbuf = xmalloc(SCAN_BLOCK);
	memcpy(in->zbuf, buf, (size_t)n);	/* n <= len <= SCAN_BLOCK */
	memset(&in->zs, 0, sizeof in->zs);
	if (inflateInit2(&in->zs, 15 + 16) != Z_OK)
		fatal("scan: zlib: out of memory");
	in->zs.next_in = in->zbuf;
	in->zs.avail_in = (uInt)n;
	in->gz = 1;
	return input_inflate(in, buf, len);
}

static void
input_close(struct scan_input *in)
{
	if (in->gz)
		inflateEnd(&in->zs);
	if (in->zbuf != NULL) {
		util_wipe(in->zbuf, SCAN_BLOCK);
		free(in->zbuf);
	}
}

/*
 * Returns 0, 1 when the input was skipped as binary (o->sniff), or -1
 * after a read error (message printed).
 */
static int
scan_fd(struct scanner *sc, struct scan_out *o, int fd)
{
	struct scan_input	 in;
	char	*buf, *nl;
	size_t	 have = 0, start, keep = SCANNER_CHUNK_OVERLAP, used = 0;
	ssize_t	 n;
	int	 rc = 0, segmented = 0;

	memset(&in, 0, sizeof in);
	in.fd = fd;
	buf = xmalloc(SCAN_LINE_MAX + SCAN_BLOCK);
	o->line = 1;
	for (;;) {
		n = input_read(&in, buf + have, SCAN_BLOCK);
		if (n == -1) {
			log_error("%s: %s", o->path, in.err);
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > used)
			used = have;
		if (o->sniff && memchr(buf, '\0', have < SCAN_SNIFF ? have :
		    SCAN_SNIFF) != NULL) {
			/* Only the first block is looked at. */
			o->sniff = 0;
			rc = 1;
			have = 0;
			break;
		}
		o->sniff = 0;
		start = 0;
		if (segmented && (nl = memchr(buf, '\n', have)) != NULL) {
			/* The end of a long line: its last segment. */
			o->limit = (size_t)-1;
			o->seg = buf;
			(void)scanner_scan_line(sc, buf, (size_t)(nl - buf),
			    scan_report, o);
			segmented = 0;
			o->line++;
			start = (size_t)(nl - buf) + 1;
		}
		if (!segmented)
			start = scan_lines(sc, o, buf, start, have);
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have >= SCAN_LINE_MAX) {
			/* A long line: scan what we have, keep an overlap. */
			if (!segmented)
				o->base = 0;
			o->limit = have - keep;
			o->seg = buf;
			(void)scanner_scan_line(sc, buf, have, scan_report, o);
			o->base += have - keep;
			memmove(buf, buf + have - keep, keep);
			have = keep;
			segmented = 1;
		}
	}
	if (have > 0) {
		if (!segmented)
			o->base = 0;
		o->limit = (size_t)-1;
		o->seg = buf;
		(void)scanner_scan_line(sc, buf, have, scan_report, o);
	} else
		o->line--;
	o->seg = NULL;	/* a pending PEM key's lines are gone */
	if (rc != 1)
		(void)scanner_finish(sc, scan_report, o);
	input_close(&in);
	util_wipe(buf, used);	/* only what was written: no page faults */
	free(buf);
	return rc;
}

static int
skip_name(const char *name, const char *const *list, int ext)
{
	size_t	n = strlen(name), k, i;

	for (i = 0; list[i] != NULL; i++) {
		k = strlen(list[i]);
		if (ext ? (n > k && strcasecmp(name + n - k, list[i]) == 0) :
		    strcmp(name, list[i]) == 0)
			return 1;
	}
	return 0;
}

static void
scan_skipped(struct scan_out *o, const char *path, const char *why)
{
	char	esc[1024];

	o->skipped++;
	log_info("scan: %s: skipped (%s)", log_escape(path, strlen(path),
	    esc, sizeof esc), why);
}

static int	scan_path(struct scanner *, struct scan_out *, const char *,
		    int depth);

static int
scan_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * A directory, recursively, in name order: regular files (binary ones
 * and VCS directories skipped, said on stderr); symbolic links, devices,
 * sockets and FIFOs inside it are not followed. 0 or -1 (some file failed).
 */
static int
scan_dir(struct scanner *sc, struct scan_out *o, const char *path,
    int depth)
{
	struct dirent	**ents = NULL;
	struct stat	  sb;
	char		 *child;
	int		  n, i, rc = 0;

	if (depth >= SCAN_DEPTH_MAX) {
		scan_skipped(o, path, "too deep");
		return 0;
	}
	if ((n = scandir(path, &ents, NULL, scan_name_cmp)) == -1) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") == 0 ||
		    strcmp(ents[i]->d_name, "..") == 0)
			goto next;
		child = xasprintf("%s%s%s", path, path[strlen(path) - 1] ==
		    '/' ? "" : "/", ents[i]->d_name);
		if (lstat(child, &sb) == -1) {
			log_error("%s: %s", child, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (skip_name(ents[i]->d_name, scan_skip_dirs, 0))
				scan_skipped(o, child, "version control");
			else if (scan_dir(sc, o, child, depth + 1) == -1)
				rc = -1;
		} else if (!S_ISREG(sb.st_mode))
			scan_skipped(o, child, S_ISLNK(sb.st_mode) ?
			    "symbolic link" : "not a regular file");
		else if (skip_name(ents[i]->d_name, scan_skip_ext, 1))
			scan_skipped(o, child, "binary file type");
		else if (scan_path(sc, o, child, depth + 1) == -1)
			rc = -1;
		free(child);
next:
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/*
 * One path: "-" is standard input, a directory is walked (depth > 0: a
 * file found by the walk, skipped when binary). 0 or -1.
 */
static int
scan_path(struct scanner *sc, struct scan_out *o, const char *path,
    int depth)
{
	struct stat	sb;
	int		fd, rc;

	scanner_reset(sc);
	o->path = path;
	if (strcmp(path, "-") == 0 && depth == 0)
		return scan_fd(sc, o, STDIN_FILENO) == -1 ? -1 : 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		log_error("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return scan_dir(sc, o, path, depth);
	}
	/* Blocking reads from here on (a FIFO given by name). */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	o->sniff = depth > 0;
	rc = scan_fd(sc, o, fd);
	close(fd);
	o->sniff = 0;
	if (rc == 1)
		scan_skipped(o, path, "binary content");
	return rc == -1 ? -1 : 0;
}

static void
scan_usage(FILE *fp)
{
	fprintf(fp, "usage: cwguard scan [--rules FILE] [--baseline FILE] "
	    "[--write-baseline FILE]\n                    [--account ID]... "
	    "[--confirm] [PATH...|-]\n");
}

static void
scan_help(void)
{
	scan_usage(stdout);
	fputs("\nScan local files, directories (recursively) or standard "
	    "input (- or no PATH),\ngzip-compressed or not, for leaked "
	    "secrets with the built-in rules. Each\nfinding is one "
	    "line, PATH:LINE:COLUMN: RULE REDACTED\n(with --format json one "
	    "object per finding); the secret itself is never\nprinted. "
	    "Exit 0 when nothing is found, 1 when secrets are found, 2 on an\n"
	    "error (the scan is incomplete).\n"
	    "  -r, --rules FILE        extra rules and allowlist (the [logs] "
	    "rules format, or\n"
	    "                          a gitleaks config when FILE ends in "
	    ".toml)\n"
	    "  --baseline FILE         report only fingerprints not in FILE\n"
	    "  --write-baseline FILE   write this run's fingerprints to FILE\n"
	    "  --account ID            a 12-digit AWS account that is ours "
	    "(may repeat)\n"
	    "  --confirm               ask sts:GetAccessKeyInfo for the "
	    "account of AWS key ids\n", stdout);
}

int
cmd_scan(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "write-baseline", required_argument, NULL, 'w' },
		{ "account", required_argument, NULL, 'a' },
		{ "confirm", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct scanner_rules	*rules = NULL;
	struct scanner		*sc = NULL;
	struct scan_out		 o;
	const char		*rules_path = NULL, *path;
	const char		*baseline_path = NULL, *write_path = NULL;
	char			**accounts = NULL;
	size_t			 naccounts = 0;
	struct config		*cfg;
	char			*cause = NULL, self[13];
	int			 confirm = 0;
	unsigned char		 key[32];
	char			 err[512];
	int			 c, i, failed = 0, ret = 2, install_key;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_path = optarg;
			break;
		case 'b':
			baseline_path = optarg;
			break;
		case 'w':
			write_path = optarg;
			break;
		case 'a':
			if (strlen(optarg) != 12 ||
			    strspn(optarg, "0123456789") != 12) {
				log_error("scan: --account: '%s' is not a "
				    "12-digit AWS account id", optarg);
				free(accounts);
				return CMD_EX_USAGE;
			}
			accounts = xreallocarray(accounts, naccounts + 1,
			    sizeof *accounts);
			accounts[naccounts++] = optarg;
			break;
		case 'C':
			confirm = 1;
			break;
		case 'h':
			free(accounts);
			scan_help();
			return CMD_EX_OK;
		default:
			free(accounts);
			scan_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	if (rules_path != NULL &&
	    (rules = scanner_rules_load(rules_path, err, sizeof err)) == NULL) {
		log_error("%s", err);
		free(accounts);
		return 2;
	}
	memset(&o, 0, sizeof o);
	o.ctx = ctx;
	if (confirm) {
		/* Our own credentials, from the config's [aws]; ours too. */
		if ((cfg = config_load(ctx->config_path, &cause)) == NULL) {
			log_error("scan: --confirm needs a config with AWS "
			    "credentials");
			fputs(cause, stderr);
			free(cause);
			goto out;
		}
		o.confirm = scan_confirm_new(cfg, err, sizeof err);
		config_free(cfg);
		if (o.confirm == NULL) {
			log_error("scan: --confirm: %s", err);
			goto out;
		}
		accounts = xreallocarray(accounts, naccounts + 1,
		    sizeof *accounts);
		util_strlcpy(self, scan_confirm_self(o.confirm), sizeof self);
		accounts[naccounts++] = self;
	}
	o.accounts = accounts;
	o.naccounts = naccounts;
	if ((sc = scanner_new(rules, err, sizeof err)) == NULL) {
		log_error("scan: %s", err);
		goto out;
	}
	if (baseline_path != NULL) {
		o.baseline = scan_baseline_new();
		if (scan_baseline_load(o.baseline, baseline_path, err,
		    sizeof err) == -1) {
			log_error("scan: %s", err);
			goto out;
		}
	}
	if (write_path != NULL)
		o.current = scan_baseline_new();
	install_key = scan_fingerprint_key(ctx, &o, key);
	if (o.baseline != NULL && scan_baseline_check_key(o.baseline, key,
	    baseline_path, err, sizeof err) == -1) {
		log_error("scan: %s", err);
		util_wipe(key, sizeof key);
		goto out;
	}
	scanner_set_key(sc, key);
	for (i = optind; i < argc || i == optind; i++) {
		path = i < argc ? argv[i] : "-";
		if (scan_path(sc, &o, path, 0) == -1)
			failed = 1;
	}
	if (fflush(stdout) != 0 || o.failed)
		failed = 1;
	if (o.known > 0)
		log_info("scan: %llu known finding(s) not reported (allowed or "
		    "in the baseline)", o.known);
	if (o.current != NULL && scan_baseline_save(o.current, write_path,
	    key, !install_key, err, sizeof err) == -1) {
		log_error("scan: --write-baseline: %s", err);
		failed = 1;
	}
	ret = failed ? 2 : o.findings > 0 ? 1 : 0;
out:
	scan_confirm_free(o.confirm);
	free(accounts);
	util_wipe(key, sizeof key);
	scan_baseline_free(o.baseline);
	scan_baseline_free(o.current);
	store_close(o.store);
	scanner_free(sc);
	scanner_rules_free(rules);
	return ret;
}
