/*
 * CloudWatch reply decoders on arbitrary bytes: the same input goes to
 * the GetMetricData page logic (one batch of 4 of 8 series, twice, as two
 * pages would) and to the ListMetrics decoder. Checks the invariants the
 * async path relies on: counts within caps, finish() sorted and unique,
 * no token handed out on failure.
 */
#include "autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloudwatch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NS	8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_series	 s[NS];
	struct cw_metric_list	 l;
	const char		*body = (const char *)data;
	char			 err[256], *tok;
	size_t			 i, j;
	int			 page, rc;

	memset(s, 0, sizeof s);
	for (page = 0; page < 2; page++) {
		tok = NULL;
		rc = cloudwatch_apply_page(body, size, s, NS, 2, 4, &tok, err,
		    sizeof err);
		if (rc != CW_PAGE_MORE && tok != NULL)
			abort();
		if (rc == CW_PAGE_MORE && (tok == NULL ||
		    strlen(tok) > CW_TOKEN_MAX))
			abort();
		free(tok);
	}
	for (i = 0; i < NS; i++) {
		if ((i < 2 || i >= 6) && s[i].n != 0)
			abort();	/* outside the batch */
		if (s[i].n > CW_SERIES_MAX_POINTS)
			abort();
		cloudwatch_series_finish(&s[i]);
		for (j = 0; j < s[i].n; j++) {
			if (!isfinite(s[i].values[j]) || s[i].ts[j] < 0)
				abort();
			if (j > 0 && s[i].ts[j] <= s[i].ts[j - 1])
				abort();
		}
		cloudwatch_series_cleanup(&s[i]);
	}
	tok = NULL;
	if (cloudwatch_decode_metric_data(body, size, s, NS, &tok, err,
	    sizeof err) == -1 && tok != NULL)
		abort();
	free(tok);
	for (i = 0; i < NS; i++)
		cloudwatch_series_cleanup(&s[i]);

	memset(&l, 0, sizeof l);
	tok = NULL;
	rc = cloudwatch_decode_list_metrics(body, size, &l, &tok, err,
	    sizeof err);
	if (rc == -1 && (tok != NULL || l.n != 0))
		abort();
	for (i = 0; i < l.n; i++)
		if (l.metrics[i].ndims > CW_MAX_DIMS ||
		    l.metrics[i].namespace == NULL || l.metrics[i].name == NULL)
			abort();
	free(tok);
	cw_metric_list_free(&l);
	return 0;
}
