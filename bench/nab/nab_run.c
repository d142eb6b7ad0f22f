/*
 * nab_run: streams NAB CSV files (timestamp,value) through the robust
 * detector and writes the alerts as the detections JSON that
 * ../shared/tools/nab_events.py reads:
 *	{"category/file.csv": ["YYYY-MM-DD HH:MM:SS", ...], ...}
 *
 * usage: nab_run [-t threshold] [-d up|down|both] [-w window]
 *	[-m min_history] [-s season_min] [-r rel_floor] [-a abs_floor]
 *	[-H holdoff] [-R record] [-k smooth] [-C context_threshold]
 *	[-L level_threshold] [-l level_len] [-W level_window] [-N novelty]
 *	[-M novelty_min] [-F diff_threshold] [-S rows.csv]
 *	[-o out.json] -D datadir category/file.csv ...
 * Unset options keep robust_params_default(); the same parameters apply to
 * every file (no per-file tuning).  -S writes one line per accepted row:
 * file,row,score,level,diff,judged,anomalous,rule,value (rule is the rule
 * that alerted, 0 if none), for bench/nab/study.py.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "robust.h"

static int
parse_ts(const char *s, time_t *t)
{
	struct tm	 tm;
	int		 n;

	memset(&tm, 0, sizeof(tm));
	n = sscanf(s, "%d-%d-%d%*[ T]%d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
	if (n < 5)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return 0;
}

static FILE	*dump;	/* -S: every row's scores, for offline study */

static int
run_file(struct robust *r, const char *dir, const char *key, FILE *out,
    int first)
{
	char			 path[4096], line[512], *comma, *end;
	struct robust_result	 res;
	FILE			*f;
	time_t			 t;
	double			 v;
	int			 nalerts = 0, skipped = 0, lineno = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "nab_run: %s: %s\n", path, strerror(errno));
		return -1;
	}
	robust_reset(r);
	fprintf(out, "%s\n \"%s\": [", first ? "" : ",", key);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (lineno++ == 0)
			continue;	/* header */
		if ((comma = strchr(line, ',')) == NULL)
			continue;
		*comma = '\0';
		if (parse_ts(line, &t) == -1)
			continue;
		v = strtod(comma + 1, &end);
		if (end == comma + 1)
			continue;
		switch (robust_update(r, t, v, &res)) {
		case 1:
			fprintf(out, "%s\"%s\"", nalerts++ ? ", " : "", line);
			/* FALLTHROUGH */
		case 0:
			if (dump != NULL)
				fprintf(dump, "%s,%d,%.6g,%.6g,%.6g,%d,%d,%d,"
				    "%.9g\n", key, lineno - 2, res.score,
				    res.level, res.diff, res.judged,
				    res.anomalous, res.alert ? res.rule : 0, v);
			break;
		case -1:
			skipped++;
			break;
		}
	}
	fprintf(out, "]");
	fclose(f);
	if (skipped)
		fprintf(stderr, "nab_run: %s: %d rows skipped (time not "
		    "increasing or not finite)\n", key, skipped);
	return 0;
}

int
main(int argc, char **argv)
{
	struct robust_params	 p;
	struct robust		*r;
	const char		*dir = NULL, *outpath = NULL;
	char			 err[128];
	FILE			*out = stdout;
	int			 ch, i, rc = 0;

	robust_params_default(&p);
	while ((ch = getopt(argc, argv, "a:C:d:D:F:H:k:l:L:m:M:N:o:O:P:r:R:s:S:t:w:W:")) != -1) {
		switch (ch) {
		case 'a': p.abs_floor = atof(optarg); break;
		case 'C': p.context_threshold = atof(optarg); break;
		case 'l': p.level_len = atoi(optarg); break;
		case 'L': p.level_threshold = atof(optarg); break;
		case 'N': p.novelty = atoi(optarg); break;
		case 'M': p.novelty_min = atoi(optarg); break;
		case 'F': p.diff_threshold = atof(optarg); break;
		case 'P': p.phase_min = atoi(optarg); break;
		case 'O': p.phase_offset = atof(optarg); break;
		case 'W': p.level_window = atoi(optarg); break;
		case 'd':
			if (robust_direction_parse(optarg, &p.direction) == -1) {
				fprintf(stderr, "nab_run: bad direction\n");
				return 2;
			}
			break;
		case 'D': dir = optarg; break;
		case 'H': p.holdoff = atoi(optarg); break;
		case 'm': p.min_history = atoi(optarg); break;
		case 'o': outpath = optarg; break;
		case 'r': p.rel_floor = atof(optarg); break;
		case 'k': p.smooth = atoi(optarg); break;
		case 'R': p.record = atoi(optarg); break;
		case 's': p.season_min = atoi(optarg); break;
		case 'S':
			if ((dump = fopen(optarg, "w")) == NULL) {
				fprintf(stderr, "nab_run: %s: %s\n", optarg,
				    strerror(errno));
				return 1;
			}
			break;
		case 't': p.threshold = atof(optarg); break;
		case 'w': p.window = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: nab_run [-t thr] [-d dir] "
			    "[-w win] [-m minhist] [-s season_min] [-r rel] "
			    "[-a abs] [-H holdoff] [-R record] [-k smooth] "
			    "[-C ctx] [-L level] [-l len] [-W lwin] [-N novelty] "
			    "[-M novelty_min] [-F diff] [-S rows.csv] "
			    "[-o out] -D datadir "
			    "files...\n");
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (dir == NULL || argc == 0) {
		fprintf(stderr, "nab_run: -D datadir and files required\n");
		return 2;
	}
	if (robust_params_check(&p, err, sizeof(err)) == -1) {
		fprintf(stderr, "nab_run: %s\n", err);
		return 2;
	}
	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "nab_run: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	r = robust_new(&p);
	fprintf(out, "{");
	for (i = 0; i < argc; i++)
		if (run_file(r, dir, argv[i], out, i == 0) == -1)
			rc = 1;
	fprintf(out, "\n}\n");
	robust_free(r);
	if (out != stdout && fclose(out) != 0)
		rc = 1;
	if (dump != NULL && fclose(dump) != 0)
		rc = 1;
	return rc;
}
