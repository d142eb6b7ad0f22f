/*
 * The polling rule of count watches: see include/cadence.h and
 * doc/design-notes.md "Polling cadence".
 */
#include "autoconf.h"

#include <math.h>

#include "detector.h"
#include "cadence.h"

static int
poll_capped(int64_t cycles, int64_t capc)
{
	if (cycles > capc)
		cycles = capc;
	if (cycles < 1)
		cycles = 1;
	return (int)cycles;
}

static int	cadence_uncovered(const struct cadence_in *);

int
cadence_cycles(const struct cadence_in *in)
{
	int	c = cadence_uncovered(in);

	if (!in->idle && in->cover >= 1 && c > in->cover)
		c = (int)in->cover;
	return c;
}

static int
cadence_uncovered(const struct cadence_in *in)
{
	int64_t	 iv = in->interval > 0 ? in->interval : 1, capc, fixc;
	double	 need, secs;

	capc = in->cap / iv;
	if (capc < 1)
		capc = 1;
	if (in->state != CADENCE_OK)
		return 1;
	if (in->fixed > 0) {
		fixc = (in->fixed + iv - 1) / iv;
		if (in->idle && capc > fixc)
			fixc = capc;
		return fixc < 1 ? 1 : (int)fixc;
	}
	if (in->idle)
		return poll_capped(capc, capc);
	if (in->rate < 0 || !isfinite(in->rate))
		return 1;
	if (in->outage)
		return poll_capped(in->current, capc);
	if (in->rate <= 0)
		return poll_capped(capc, capc);
	need = in->min_requests / in->rate;	/* periods to one window */
	if (need <= 1)
		return 1;
	secs = need * (double)in->period;
	if (secs >= (double)in->cap)
		return poll_capped(capc, capc);
	return poll_capped((int64_t)floor(secs / (double)iv), capc);
}

int
cadence_rising(double min_errors, double min_ratio, double alpha, double n,
    double e, double p0)
{
	double	 half = min_errors / 2;

	if (!(n > 0) || !(e >= 1) || !(p0 > 0) || !(p0 < 1) || e > n ||
	    !(alpha > 0))
		return 0;
	if (e < half || e < min_ratio * p0 * n)
		return 0;
	return detector_binom_logsf(e, n, p0) <= 0.5 * log(alpha);
}

double
cadence_rate(double rate, double requests, int64_t k, double recent,
    int64_t period, int64_t tau, double min_requests, int *outage)
{
	double	 mean, a;

	if (outage != NULL)
		*outage = 0;
	if (k <= 0 || !(requests >= 0))
		return rate;
	if (!(recent >= 0))
		recent = 0;
	mean = requests / (double)k;
	if (rate < 0 || !isfinite(rate))
		return mean > recent ? mean : recent;
	if (requests == 0 && rate >= min_requests) {
		if (outage != NULL)
			*outage = 1;
		return rate;
	}
	a = tau > 0 ? 1 - exp(-(double)(k * period) / (double)tau) : 1;
	rate += (mean - rate) * a;
	return rate > recent ? rate : recent;
}
