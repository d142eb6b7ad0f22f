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

/* One signal of a kind: rate = num / den. */
struct metricdefs_signal {
	enum config_watch_kind	 kind;
	int			 variant;	/* -1: every variant */
	const char		*signal;
	const char		*num;
	const char		*den;
	unsigned		 denbit;	/* the listing that finds den */
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
