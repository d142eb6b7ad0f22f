/*
 * cwguard scan [--rules FILE] [PATH...|-]: files or stdin through the
 * secret scanner (DESIGN sections 2 and 7).
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

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>


#include "cmd.h"
#include "config.h"
#include "log.h"
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

struct scan_out {
	struct cmd_ctx	*ctx;
	const char	*path;
	unsigned long long line;	/* 1-based number of the current line */
	size_t		 base;		/* column base of the current segment */
	size_t		 limit;		/* report offsets below this */
	unsigned long long findings;
};

/*
 * The fingerprint key: the installation key of the state database named by
 * the config, so that `scan` and the daemon fingerprint a secret alike.
 * `scan` never creates a database; without one (no config, no state yet,
 * not readable) the key is random for this run and fingerprints are only
 * comparable within it.
 */
static void
scan_fingerprint_key(const struct cmd_ctx *ctx, unsigned char key[32])
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
		store_close(st);
		return;
	}
	store_close(st);
	/* The kernel's generator: no DRBG to set up for one key. */
	if (getrandom(key, 32, 0) != 32)
		fatal("scan: no random bytes for the fingerprint key");
}

static int
scan_report(const struct scanner_finding *f, void *arg)
{
	struct scan_out	*o = arg;
	char		 hex[65], esc[1024];
	unsigned long long line;
	size_t		 col;
	cJSON		*j;
	char		*s;

	if (f->lines_back == 0 && f->offset >= o->limit)
		return 0;	/* in the overlap: the next segment has it */
	line = o->line - f->lines_back;
	col = (f->lines_back == 0 ? o->base : 0) + f->offset + 1;
	o->findings++;
	util_hex(f->fingerprint, sizeof f->fingerprint, hex);
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
		if ((s = cJSON_PrintUnformatted(j)) == NULL)
			fatal("scan: out of memory");
		puts(s);
		free(s);
		cJSON_Delete(j);
	} else
		printf("%s:%llu:%zu: %s %s\n", log_escape(o->path,
		    strlen(o->path), esc, sizeof esc), line, col, f->rule,
		    f->redacted);
	return 0;
}

static void
scan_line(struct scanner *sc, struct scan_out *o, const char *p, size_t len)
{
	o->base = 0;
	o->limit = (size_t)-1;
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

/* Returns 0, or -1 after a read error (message printed). */
static int
scan_fd(struct scanner *sc, struct scan_out *o, int fd)
{
	char	*buf, *nl;
	size_t	 have = 0, start, keep = SCANNER_CHUNK_OVERLAP, used = 0;
	ssize_t	 n;
	int	 rc = 0, segmented = 0;

	buf = xmalloc(SCAN_LINE_MAX + SCAN_BLOCK);
	o->line = 1;
	for (;;) {
		n = read(fd, buf + have, SCAN_BLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_error("%s: %s", o->path, strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > used)
			used = have;
		start = 0;
		if (segmented && (nl = memchr(buf, '\n', have)) != NULL) {
			/* The end of a long line: its last segment. */
			o->limit = (size_t)-1;
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
		(void)scanner_scan_line(sc, buf, have, scan_report, o);
	} else
		o->line--;
	(void)scanner_finish(sc, scan_report, o);
	util_wipe(buf, used);	/* only what was written: no page faults */
	free(buf);
	return rc;
}

static void
scan_usage(FILE *fp)
{
	fprintf(fp, "usage: cwguard scan [--rules FILE] [PATH...|-]\n");
}

static void
scan_help(void)
{
	scan_usage(stdout);
	fputs("\nScan local files, or standard input (- or no PATH), for "
	    "leaked secrets with\nthe built-in rules. Each finding is one "
	    "line, PATH:LINE:COLUMN: RULE REDACTED\n(with --format json one "
	    "object per finding); the secret itself is never\nprinted. "
	    "Exit 0 when nothing is found, 1 when secrets are found, 2 on an\n"
	    "error (the scan is incomplete).\n"
	    "  -r, --rules FILE  extra rules and allowlist (the [logs] rules "
	    "format)\n", stdout);
}

int
cmd_scan(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct scanner_rules	*rules = NULL;
	struct scanner		*sc = NULL;
	struct scan_out		 o;
	const char		*rules_path = NULL, *path;
	unsigned char		 key[32];
	char			 err[512];
	int			 c, i, fd, failed = 0, ret = 2;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_path = optarg;
			break;
		case 'h':
			scan_help();
			return CMD_EX_OK;
		default:
			scan_usage(stderr);
			return CMD_EX_USAGE;
		}
	}
	if (rules_path != NULL &&
	    (rules = scanner_rules_load(rules_path, err, sizeof err)) == NULL) {
		log_error("%s", err);
		return 2;
	}
	if ((sc = scanner_new(rules, err, sizeof err)) == NULL) {
		log_error("scan: %s", err);
		goto out;
	}
	scan_fingerprint_key(ctx, key);
	scanner_set_key(sc, key);
	util_wipe(key, sizeof key);

	memset(&o, 0, sizeof o);
	o.ctx = ctx;
	for (i = optind; i < argc || i == optind; i++) {
		path = i < argc ? argv[i] : "-";
		o.path = path;
		scanner_reset(sc);
		if (strcmp(path, "-") == 0) {
			if (scan_fd(sc, &o, STDIN_FILENO) == -1)
				failed = 1;
			continue;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			log_error("%s: %s", path, strerror(errno));
			failed = 1;
			continue;
		}
		if (scan_fd(sc, &o, fd) == -1)
			failed = 1;
		close(fd);
	}
	if (fflush(stdout) != 0)
		failed = 1;
	ret = failed ? 2 : o.findings > 0 ? 1 : 0;
out:
	scanner_free(sc);
	scanner_rules_free(rules);
	return ret;
}
