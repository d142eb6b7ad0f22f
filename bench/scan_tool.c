/*
 * A measuring driver for the scanner, not installed:
 *	scan_tool [--format json] scan [ARGS]	runs cmd_scan (until main.c
 *						dispatches "scan" itself)
 *	scan_tool bench FILE [REPEAT]		engine throughput over FILE held
 *						in memory, one core, no output
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "scanner.h"
#include "util.h"
#include "xmalloc.h"

static int
count_cb(const struct scanner_finding *f, void *arg)
{
	(void)f;
	(*(size_t *)arg)++;
	return 0;
}

static int
bench(const char *path, int repeat)
{
	struct scanner	*sc;
	char		 err[256], *buf, *p, *end, *nl;
	size_t		 len = 0, cap = 1 << 20, found = 0;
	FILE		*fp;
	double		 t0, t1;
	int		 r;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return 2;
	}
	buf = xmalloc(cap);
	while (!feof(fp)) {
		if (len == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
		len += fread(buf + len, 1, cap - len, fp);
	}
	fclose(fp);
	if ((sc = scanner_new(NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t0 = util_monotonic();
	for (r = 0; r < repeat; r++) {
		for (p = buf, end = buf + len; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			scanner_scan_line(sc, p, (size_t)(nl - p), count_cb,
			    &found);
		}
		scanner_finish(sc, count_cb, &found);
	}
	t1 = util_monotonic();
	printf("bytes %zu repeat %d seconds %.3f MB/s %.1f findings %zu "
	    "jit %d\n", len, repeat, t1 - t0,
	    (double)len * repeat / (t1 - t0) / 1e6, found / (size_t)repeat,
	    scanner_jit(sc));
	scanner_free(sc);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	log_init(LOG_LEVEL_INFO, 0);
	ctx.now = time(NULL);
	if (argc > 2 && strcmp(argv[1], "--format") == 0) {
		ctx.json = strcmp(argv[2], "json") == 0;
		argc -= 2;
		argv += 2;
	}
	if (argc > 2 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2], argc > 3 ? atoi(argv[3]) : 3);
	if (argc > 1 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(&ctx, argc - 1, argv + 1);
	fprintf(stderr, "usage: scan_tool [--format json] scan [ARGS] | "
	    "bench FILE [REPEAT]\n");
	return 64;
}
