/* Query protocol XML replies: libexpat into a small bounded tree. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "aws_proto.h"
#include "aws_proto_int.h"
#include "util.h"
#include "xmalloc.h"

struct aws_xml_node {
	char			*name;	/* local name, prefix dropped */
	char			*text;	/* direct character data */
	size_t			 len, cap;
	struct aws_xml_node	*parent, *first, *last, *next;
};

struct aws_xml {
	struct aws_xml_node	*root;
	/* Parse state. */
	XML_Parser		 parser;
	struct aws_xml_node	*cur;
	size_t			 depth, nodes, textbytes;
	char			 err[128];
};

static void
node_free(struct aws_xml_node *n)
{
	struct aws_xml_node	*c, *next;

	if (n == NULL)
		return;
	/* Depth is capped, so this recursion is bounded. */
	for (c = n->first; c != NULL; c = next) {
		next = c->next;
		node_free(c);
	}
	free(n->name);
	if (n->text != NULL)
		util_wipe(n->text, n->cap);
	free(n->text);
	free(n);
}

void
aws_xml_free(struct aws_xml *x)
{
	if (x == NULL)
		return;
	node_free(x->root);
	free(x);
}

static void
xml_fail(struct aws_xml *x, const char *why)
{
	if (x->err[0] == '\0')
		util_strlcpy(x->err, why, sizeof x->err);
	XML_StopParser(x->parser, XML_FALSE);
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct aws_xml		*x = arg;
	struct aws_xml_node	*n;
	const char		*colon;

	if (x->err[0] != '\0')
		return;
	if (x->depth >= AWS_XML_MAX_DEPTH) {
		xml_fail(x, "XML nested too deep");
		return;
	}
	if (x->nodes >= AWS_XML_MAX_NODES) {
		xml_fail(x, "too many XML elements");
		return;
	}
	n = xcalloc(1, sizeof *n);
	colon = strrchr(name, ':');
	n->name = xstrdup(colon != NULL ? colon + 1 : name);
	n->parent = x->cur;
	if (x->cur == NULL)
		x->root = n;
	else {
		if (x->cur->last != NULL)
			x->cur->last->next = n;
		else
			x->cur->first = n;
		x->cur->last = n;
	}
	x->cur = n;
	x->depth++;
	x->nodes++;
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct aws_xml	*x = arg;

	if (x->err[0] != '\0' || x->cur == NULL)
		return;
	x->cur = x->cur->parent;
	x->depth--;
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct aws_xml		*x = arg;
	struct aws_xml_node	*n = x->cur;
	size_t			 want, ncap;
	char			*t;

	if (x->err[0] != '\0' || n == NULL || len <= 0)
		return;
	if ((size_t)len > AWS_REPLY_MAX - x->textbytes) {
		xml_fail(x, "too much XML text");
		return;
	}
	x->textbytes += (size_t)len;
	want = n->len + (size_t)len + 1;
	if (want > n->cap) {
		ncap = n->cap < 32 ? 32 : n->cap;
		while (ncap < want)
			ncap *= 2;
		/* By copy, so that old text (maybe secret) is wiped. */
		t = xmalloc(ncap);
		if (n->text != NULL) {
			memcpy(t, n->text, n->len);
			util_wipe(n->text, n->cap);
			free(n->text);
		}
		n->text = t;
		n->cap = ncap;
	}
	memcpy(n->text + n->len, s, (size_t)len);
	n->len += (size_t)len;
	n->text[n->len] = '\0';
}

static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	xml_fail(arg, "DOCTYPE not allowed in an AWS reply");
}

struct aws_xml *
aws_xml_parse(const char *s, size_t n, char *err, size_t errlen)
{
	struct aws_xml	*x;
	enum XML_Status	 st;

	if (s == NULL || n == 0) {
		snprintf(err, errlen, "empty XML document");
		return NULL;
	}
	if (n > AWS_REPLY_MAX) {
		snprintf(err, errlen, "XML document over %d bytes",
		    AWS_REPLY_MAX);
		return NULL;
	}
	x = xcalloc(1, sizeof *x);
	if ((x->parser = XML_ParserCreate("UTF-8")) == NULL) {
		snprintf(err, errlen, "cannot create an XML parser");
		free(x);
		return NULL;
	}
	XML_SetUserData(x->parser, x);
	XML_SetElementHandler(x->parser, on_start, on_end);
	XML_SetCharacterDataHandler(x->parser, on_text);
	XML_SetStartDoctypeDeclHandler(x->parser, on_doctype);
	st = XML_Parse(x->parser, s, (int)n, XML_TRUE);
	if (st != XML_STATUS_OK || x->err[0] != '\0' || x->root == NULL) {
		if (x->err[0] != '\0')
			snprintf(err, errlen, "%s", x->err);
		else
			snprintf(err, errlen, "malformed XML: %s at line %lu",
			    XML_ErrorString(XML_GetErrorCode(x->parser)),
			    (unsigned long)XML_GetCurrentLineNumber(x->parser));
		XML_ParserFree(x->parser);
		aws_xml_free(x);
		return NULL;
	}
	XML_ParserFree(x->parser);
	x->parser = NULL;
	x->cur = NULL;
	return x;
}

const struct aws_xml_node *
aws_xml_root(const struct aws_xml *x)
{
	return x != NULL ? x->root : NULL;
}

static const struct aws_xml_node *
child_named(const struct aws_xml_node *n, const char *name, size_t len)
{
	const struct aws_xml_node	*c;

	for (c = n->first; c != NULL; c = c->next)
		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return c;
	return NULL;
}

const struct aws_xml_node *
aws_xml_node_find(const struct aws_xml_node *n, const char *path)
{
	size_t	len;

	if (n == NULL || path == NULL)
		return NULL;
	while (n != NULL && *path != '\0') {
		len = strcspn(path, "/");
		if (len > 0)
			n = child_named(n, path, len);
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

const struct aws_xml_node *
aws_xml_find(const struct aws_xml *x, const char *path)
{
	size_t	len;

	if (x == NULL || x->root == NULL || path == NULL)
		return NULL;
	len = strcspn(path, "/");
	if (len == 0 || strncmp(x->root->name, path, len) != 0 ||
	    x->root->name[len] != '\0')
		return NULL;
	path += len;
	if (*path == '/')
		path++;
	return aws_xml_node_find(x->root, path);
}

const char *
aws_xml_text(const struct aws_xml_node *n)
{
	if (n == NULL)
		return NULL;
	return n->text != NULL ? n->text : "";
}

const char *
aws_xml_get(const struct aws_xml *x, const char *path)
{
	return aws_xml_text(aws_xml_find(x, path));
}

const struct aws_xml_node *
aws_xml_first_child(const struct aws_xml_node *n)
{
	return n != NULL ? n->first : NULL;
}

const struct aws_xml_node *
aws_xml_next(const struct aws_xml_node *n)
{
	return n != NULL ? n->next : NULL;
}

const char *
aws_xml_name(const struct aws_xml_node *n)
{
	return n != NULL ? n->name : NULL;
}

/*
 * Fills e from an error document; 0 if x is one. Query services use
 * <ErrorResponse>, EC2 <Response><Errors>, S3-style a bare <Error>.
 */
static int
xml_error_fill(const struct aws_xml *x, struct aws_error *e)
{
	const struct aws_xml_node	*err = NULL, *rid = NULL;
	const char			*root, *code, *msg;

	if ((root = aws_xml_name(aws_xml_root(x))) == NULL)
		return -1;
	if (strcmp(root, "ErrorResponse") == 0) {
		err = aws_xml_find(x, "ErrorResponse/Error");
		rid = aws_xml_find(x, "ErrorResponse/RequestId");
	} else if (strcmp(root, "Response") == 0) {
		err = aws_xml_find(x, "Response/Errors/Error");
		rid = aws_xml_find(x, "Response/RequestID");
	} else if (strcmp(root, "Error") == 0) {
		err = aws_xml_root(x);
		rid = aws_xml_find(x, "Error/RequestId");
	}
	if (err == NULL)
		return -1;
	code = aws_xml_text(aws_xml_node_find(err, "Code"));
	msg = aws_xml_text(aws_xml_node_find(err, "Message"));
	if (code != NULL && e->code[0] == '\0') {
		char	tmp[sizeof e->code];

		util_strlcpy(tmp, code, sizeof tmp);
		util_strlcpy(e->code, util_trim(tmp), sizeof e->code);
	}
	if (msg != NULL)
		util_strlcpy(e->message, msg, sizeof e->message);
	if (rid != NULL && e->request_id[0] == '\0')
		util_strlcpy(e->request_id, aws_xml_text(rid),
		    sizeof e->request_id);
	return 0;
}

static void
finish(struct aws_error *e)
{
	if (e->code[0] == '\0')
		snprintf(e->code, sizeof e->code, "%d", e->http_status);
	aws_error_classify(e);
}

int
aws_xml_error(const struct aws_reply *r, const char *service,
    struct aws_error *e)
{
	struct aws_xml	*x;
	char		 why[128];
	int		 rc = -1;

	aws_proto_error_headers(r, service, e);
	if (r == NULL) {
		util_strlcpy(e->message, "no reply", sizeof e->message);
	} else if (r->body == NULL || r->len == 0) {
		snprintf(e->message, sizeof e->message,
		    "HTTP %d with an empty body", r->http_status);
	} else if ((x = aws_xml_parse(r->body, r->len, why,
	    sizeof why)) == NULL) {
		snprintf(e->message, sizeof e->message,
		    "HTTP %d reply is not XML (%zu bytes): %s",
		    r->http_status, r->len, why);
	} else {
		rc = xml_error_fill(x, e);
		if (rc == -1)
			snprintf(e->message, sizeof e->message,
			    "HTTP %d reply is not an AWS error document",
			    r->http_status);
		aws_xml_free(x);
	}
	finish(e);
	return rc;
}

int
aws_xml_reply(const struct aws_reply *r, const char *service,
    struct aws_xml **out, struct aws_error *e)
{
	struct aws_xml	*x;
	char		 why[128];

	*out = NULL;
	if (r == NULL || r->http_status < 200 || r->http_status > 299) {
		(void)aws_xml_error(r, service, e);
		return -1;
	}
	aws_proto_error_headers(r, service, e);
	if ((x = aws_xml_parse(r->body, r->len, why, sizeof why)) == NULL) {
		util_strlcpy(e->code, "InvalidReply", sizeof e->code);
		snprintf(e->message, sizeof e->message,
		    "HTTP %d reply is not valid XML (%zu bytes): %s",
		    r->http_status, r->body != NULL ? r->len : 0, why);
		finish(e);
		return -1;
	}
	/* An error document with a 2xx status is still an error. */
	if (xml_error_fill(x, e) == 0) {
		aws_xml_free(x);
		finish(e);
		return -1;
	}
	*out = x;
	return 0;
}
