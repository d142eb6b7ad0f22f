/*
 * What an alert carries besides its numbers (issue 18): the labels and
 * runbook of its watch or logs source, and a link to the AWS console of
 * its metrics (CloudWatch metrics, searched by namespace and entity) or of
 * its log group and stream (CloudWatch Logs), on the console domain of the
 * region's partition. Also the label matching of a sink's `match`.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "config.h"
#include "util.h"
#include "xmalloc.h"

/* "k=v,k=v" from a list of "k=v". */
static void
links_labels(struct alert *a, char *const *labels)
{
	size_t	i, len;

	a->labels[0] = '\0';
	for (i = 0; labels != NULL && labels[i] != NULL; i++) {
		len = strlen(a->labels);
		if (len + strlen(labels[i]) + 2 > sizeof a->labels)
			break;
		snprintf(a->labels + len, sizeof a->labels - len, "%s%s",
		    len > 0 ? "," : "", labels[i]);
	}
}

/* The console host of a region's partition; NULL when region is unset. */
static const char *
links_host(const char *region, char *out, size_t outlen)
{
	if (region == NULL || region[0] == '\0')
		return NULL;
	if (strncmp(region, "cn-", 3) == 0)
		snprintf(out, outlen, "%s.console.amazonaws.cn", region);
	else if (strncmp(region, "us-gov-", 7) == 0)
		snprintf(out, outlen, "console.amazonaws-us-gov.com");
	else
		snprintf(out, outlen, "%s.console.aws.amazon.com", region);
	return out;
}

/*
 * Percent-encodes s (unreserved characters kept); with dollar, '%' is then
 * written "$25", as the CloudWatch Logs console expects in its fragment.
 */
static void
links_encode(struct buf *b, const char *s, int dollar)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			buf_putc(b, (char)c);
		else
			buf_printf(b, "%s%c%c", dollar ? "$25" : "%",
			    hex[c >> 4], hex[c & 15]);
	}
}

static void
links_set(struct alert *a, struct buf *b)
{
	if (b->len < sizeof a->console_url)
		util_strlcpy(a->console_url, buf_cstr(b),
		    sizeof a->console_url);
	buf_cleanup(b);
}

void
alert_links_watch(struct alert *a, const struct config_watch *cw,
    const char *region)
{
	static const char *const ns[] = { "AWS/Lambda", "AWS/ApiGateway",
	    "AWS/ApplicationELB" };
	const char	*host, *n;
	char		 h[128];
	struct buf	 b;

	links_labels(a, cw->labels);
	util_strlcpy(a->runbook, cw->runbook != NULL ? cw->runbook : "",
	    sizeof a->runbook);
	a->console_url[0] = '\0';
	if ((host = links_host(region, h, sizeof h)) == NULL)
		return;
	n = cw->kind == CONFIG_WATCH_METRIC ? cw->namespace :
	    (unsigned)cw->kind < 3 ? ns[cw->kind] : NULL;
	buf_init(&b, 4096);
	buf_printf(&b, "https://%s/cloudwatch/home?region=%s#metricsV2:"
	    "graph=~();search=", host, region);
	/* An API Gateway entity is "api/stage": search the API. */
	links_encode(&b, a->entity, 0);
	if (n != NULL) {
		buf_puts(&b, ";namespace=");
		links_encode(&b, n, 0);
	}
	links_set(a, &b);
}

void
alert_links_logs(struct alert *a, const struct config_logs *cl,
    const char *region)
{
	const char	*host;
	char		 h[128];
	struct buf	 b;

	links_labels(a, cl->labels);
	util_strlcpy(a->runbook, cl->runbook != NULL ? cl->runbook : "",
	    sizeof a->runbook);
	a->console_url[0] = '\0';
	if ((host = links_host(region, h, sizeof h)) == NULL ||
	    a->log_group[0] == '\0')
		return;
	buf_init(&b, 4096);
	buf_printf(&b, "https://%s/cloudwatch/home?region=%s#logsV2:"
	    "log-groups/log-group/", host, region);
	links_encode(&b, a->log_group, 1);
	if (a->log_stream[0] != '\0') {
		buf_puts(&b, "/log-events/");
		links_encode(&b, a->log_stream, 1);
	}
	links_set(a, &b);
}

int
alert_labels_match(const struct alert *a, char *const *match)
{
	char	*labels, *p, *sp, *eq, *meq;
	size_t	 i, klen;
	int	 found;

	for (i = 0; match != NULL && match[i] != NULL; i++) {
		if ((meq = strchr(match[i], '=')) == NULL)
			return 0;
		klen = (size_t)(meq - match[i]);
		found = 0;
		labels = xstrdup(a->labels);
		for (p = strtok_r(labels, ",", &sp); p != NULL && !found;
		    p = strtok_r(NULL, ",", &sp)) {
			if ((eq = strchr(p, '=')) == NULL ||
			    (size_t)(eq - p) != klen ||
			    strncmp(p, match[i], klen) != 0)
				continue;
			found = util_glob_match(meq + 1, eq + 1);
		}
		free(labels);
		if (!found)
			return 0;
	}
	return 1;
}
