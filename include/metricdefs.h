/*
 * The CloudWatch metrics behind each watch kind: the signals (rate =
 * numerator / denominator metric) and the ListMetrics calls that
 * discover a kind's entities. Pure tables, shared by the watch (what it
 * fetches) and cost (what that costs).
 */
#ifndef CWG_METRICDEFS_H
#define CWG_METRICDEFS_H

#include "config.h"

#define METRICDEFS_MAX_LISTINGS	3	/* ListMetrics calls of one kind */

/*
 * How the requests of a signal follow from its two metrics. AWS counts
 * some errors outside the request metric: a throttled Lambda request is
 * not an Invocation, and an ALB 5xx for a request that found no target is
 * not in RequestCount (doc/design-notes.md, "Signals").
 */
enum metricdefs_den {
	METRICDEFS_DEN = 0,	/* requests = den (num is a part of it) */
	METRICDEFS_DEN_PLUS_NUM,	/* requests = den + num (disjoint) */
	METRICDEFS_DEN_AT_LEAST_NUM	/* requests = max(den, num) */
};

/* One signal of a kind: rate = num / requests (see denmode). */
struct metricdefs_signal {
	enum config_watch_kind	 kind;
	int			 variant;	/* -1: every variant */
	const char		*signal;
	const char		*num;
	const char		*den;
	unsigned		 denbit;	/* the listing that finds den */
	enum metricdefs_den	 denmode;
};

/* One ListMetrics call of a kind's discovery. */
struct metricdefs_listing {
	const char	*ns;
	const char	*metric;
	const char	*dims[2];	/* the entity's dimensions */
	int		 ndims;
	int		 variant;	/* apigw: 0 REST, 1 HTTP API */
	unsigned	 denbit;
};

/* The signal of kind and variant, or NULL. Static storage. */
const struct metricdefs_signal *metricdefs_find(enum config_watch_kind,
	    int variant, const char *signal);
/*
 * The listings a watch of kind with these signals makes (NULL-ended
 * signals) into ls[METRICDEFS_MAX_LISTINGS]; their count (0 for the
 * metric kind).
 */
int	 metricdefs_listings(enum config_watch_kind, char *const *signals,
	    const struct metricdefs_listing **ls);

#endif
