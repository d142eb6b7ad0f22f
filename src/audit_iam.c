/*
 * The AWS half of `cwguard audit` (include/audit.h): lists each region's
 * functions with lambda:ListFunctions (paged by NextMarker), checks their
 * environment as each page arrives, and for every distinct execution role
 * fetches its policies from IAM (ListAttachedRolePolicies, GetPolicy,
 * GetPolicyVersion; ListRolePolicies, GetRolePolicy; paged by Marker) and
 * judges them. Everything runs at once on the loop, bounded by the HTTP
 * layer's concurrency cap. A failed call becomes a skip in the report and
 * the rest goes on.
 *
 * The run object outlives a timeout: calls still in flight then complete
 * (cancelled, when the caller frees its clients) into an abandoned run
 * that only counts them down and frees itself with the last one.
 */
#include "autoconf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "aws.h"
#include "aws_proto.h"
#include "buf.h"
#include "cloudwatch.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "metricdefs.h"
#include "util.h"
#include "xmalloc.h"

#define AUDIT_TIMEOUT		300.0
#define AUDIT_LAMBDA_PAGE	"50"
#define AUDIT_ROLE_FNS_SHOWN	3

static const char *const audit_fix_env =
    "move it to Secrets Manager or SSM Parameter Store (SecureString), "
    "fetch it at run time with caching (e.g. the Parameters and Secrets "
    "Lambda extension), and rotate it: it has been readable in the "
    "function's configuration";
static const char *const audit_fix_wildcard =
    "name the actions the function calls instead of a wildcard";
static const char *const audit_fix_resource =
    "name the resources (table, bucket, secret, key ARNs) instead of \"*\"";
static const char *const audit_fix_managed =
    "detach it; attach a policy with only the actions and resources the "
    "function uses";
static const char *const audit_fix_watch =
    "add it to a [watch] of kind lambda, or exclude it there on purpose";

struct audit_role {
	char			*name;
	char			**fns;		/* functions using it */
	size_t			 nfns;
	TAILQ_ENTRY(audit_role)	 entry;
};
TAILQ_HEAD(audit_roles, audit_role);

struct audit_run {
	const struct audit_options *opt;
	struct audit_report	*r;
	struct audit_roles	 roles;
	int			 pending;
	int			 abandoned;
	char			 regions[8][64];
};

struct audit_req {
	struct audit_run	*run;
	size_t			 region;	/* lambda client index */
	struct audit_role	*role;
	char			*policy;	/* ARN (managed) or name (inline) */
	char			*label;		/* for skips */
};

static void	audit_role_start(struct audit_run *, struct audit_role *);

static struct audit_req *
req_new(struct audit_run *run, size_t region, struct audit_role *role,
    const char *policy)
{
	struct audit_req	*q;

	q = xcalloc(1, sizeof *q);
	q->run = run;
	q->region = region;
	q->role = role;
	q->policy = policy != NULL ? xstrdup(policy) : NULL;
	return q;
}

static void
req_free(struct audit_req *q)
{
	if (q == NULL)
		return;
	free(q->policy);
	free(q->label);
	free(q);
}

static void
run_free(struct audit_run *run)
{
	struct audit_role	*ro;
	size_t			 i;

	while ((ro = TAILQ_FIRST(&run->roles)) != NULL) {
		TAILQ_REMOVE(&run->roles, ro, entry);
		for (i = 0; i < ro->nfns; i++)
			free(ro->fns[i]);
		free(ro->fns);
		free(ro->name);
		free(ro);
	}
	free(run);
}

/*
 * Every callback starts here: 1 when the run is still wanted; else the
 * request is freed (and the run with the last one).
 */
static int
req_begin(struct audit_req *q)
{
	struct audit_run	*run = q->run;

	run->pending--;
	if (!run->abandoned)
		return 1;
	req_free(q);
	if (run->pending == 0)
		run_free(run);
	return 0;
}

static void
skip_error(struct audit_run *run, const char *what,
    const struct aws_error *ae)
{
	char	e[700];

	audit_report_skip(run->r, what, aws_error_format(ae, e, sizeof e));
}

/* --- Query helpers ----------------------------------------------------- */

static int
iam_call(struct audit_run *run, struct audit_req *q, const char *op,
    const char *k1, const char *v1, const char *k2, const char *v2,
    aws_cb cb)
{
	struct buf	body;
	char		err[300], what[400];
	int		rc = -1;

	buf_init(&body, 16384);
	if (aws_query_begin(&body, op, aws_service_info(AWS_SVC_IAM)->
	    api_version) == -1 || (k1 != NULL && v1 != NULL &&
	    aws_query_add(&body, k1, v1) == -1) || (k2 != NULL && v2 != NULL &&
	    aws_query_add(&body, k2, v2) == -1)) {
		snprintf(err, sizeof err, "request too large");
		goto fail;
	}
	run->pending++;
	if (aws_call_query(run->opt->iam, AWS_SVC_IAM, op, body.data,
	    body.len, cb, q, err, sizeof err) == -1) {
		run->pending--;
		goto fail;
	}
	buf_cleanup(&body);
	return 0;
fail:
	snprintf(what, sizeof what, "iam:%s %s", op, q->label != NULL ?
	    q->label : "");
	audit_report_skip(run->r, what, err);
	buf_cleanup(&body);
	req_free(q);
	return rc;
}

/* The reply as XML, or NULL after recording a skip. */
static struct aws_xml *
iam_reply(struct audit_req *q, const struct aws_result *res, const char *op)
{
	struct aws_reply	 reply;
	struct aws_error	 ae;
	struct aws_xml		*x = NULL;
	char			 what[400];

	snprintf(what, sizeof what, "iam:%s %s", op, q->label);
	if (!res->ok) {
		skip_error(q->run, what, &res->error);
		return NULL;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = res->http_status;
	reply.body = res->body;
	reply.len = res->len;
	if (aws_xml_reply(&reply, "iam", &x, &ae) == -1) {
		skip_error(q->run, what, &ae);
		return NULL;
	}
	return x;
}

/* Next page's marker when the reply says IsTruncated. */
static const char *
iam_next_marker(const struct aws_xml *x, const char *result)
{
	char		 path[200];
	const char	*t;

	snprintf(path, sizeof path, "%s/IsTruncated", result);
	if ((t = aws_xml_get(x, path)) == NULL || strcmp(t, "true") != 0)
		return NULL;
	snprintf(path, sizeof path, "%s/Marker", result);
	t = aws_xml_get(x, path);
	return t != NULL && *t != '\0' ? t : NULL;
}

/* --- Policy judgement -------------------------------------------------- */

struct judge_ctx {
	struct audit_run	*run;
	struct audit_req	*q;
	const char		*policy_name;
	const char		*policy_type;
};

static const char *
stmt_fix(const char *check)
{
	if (strcmp(check, "iam-data-action-any-resource") == 0)
		return audit_fix_resource;
	if (strcmp(check, "iam-partial-wildcard") == 0)
		return "name the actions and the resources the function needs";
	return audit_fix_wildcard;
}

static void
judge_stmt(const struct audit_stmt_finding *f, void *arg)
{
	struct judge_ctx	*jc = arg;
	struct audit_item	*it;
	char			 msg[900], sid[100] = "";

	if (f->sid[0] != '\0')
		snprintf(sid, sizeof sid, " (Sid \"%s\")", f->sid);
	snprintf(msg, sizeof msg, "statement %d%s allows %s%s on %s%s%s",
	    f->index + 1, sid,
	    f->not_action ? "every action except " : "", f->actions,
	    f->not_resource ? "every resource except " : "", f->resources,
	    f->conditional ? " (with a Condition)" : "");
	it = audit_report_add(jc->run->r, f->severity, f->check);
	audit_item_set(&it->role, jc->q->role->name);
	audit_item_set(&it->policy, jc->policy_name);
	audit_item_set(&it->policy_type, jc->policy_type);
	/* Already escaped by the analysis; kept as is. */
	it->message = xstrdup(msg);
	audit_item_set(&it->fix, stmt_fix(f->check));
}

static void
judge_document(struct audit_req *q, const char *doc, const char *name,
    const char *type, const char *what)
{
	struct judge_ctx	jc;
	char			err[300];

	jc.run = q->run;
	jc.q = q;
	jc.policy_name = name;
	jc.policy_type = type;
	if (audit_policy_check_encoded(doc, strlen(doc), judge_stmt, &jc, err,
	    sizeof err) == -1) {
		audit_report_skip(q->run->r, what, err);
		return;
	}
	q->run->r->policies++;
}

static const char *
policy_name_of(const char *arn)
{
	const char	*s = strrchr(arn, '/');

	return s != NULL ? s + 1 : arn;
}

/* --- Managed policies --------------------------------------------------- */

/*
 * The reply of a call that returns one policy document (GetPolicyVersion,
 * GetRolePolicy): judges the document at path, or reports the policy as
 * not checked when the reply has no `field`.  Frees q.
 */
static void
got_document(struct audit_req *q, const struct aws_result *res,
    const char *action, const char *path, const char *field, int managed)
{
	struct aws_xml		*x;
	const char		*doc;
	char			 what[400], missing[64];

	if (!req_begin(q))
		return;
	if ((x = iam_reply(q, res, action)) == NULL)
		goto done;
	snprintf(what, sizeof what, "iam:%s %s", action, q->label);
	if ((doc = aws_xml_get(x, path)) == NULL) {
		snprintf(missing, sizeof missing, "reply has no %s", field);
		audit_report_skip(q->run->r, what, missing);
	} else if (managed)
		judge_document(q, doc, policy_name_of(q->policy),
		    audit_policy_is_aws_managed(q->policy) ? "aws-managed" :
		    "managed", what);
	else
		judge_document(q, doc, q->policy, "inline", what);
	aws_xml_free(x);
done:
	req_free(q);
}

static void
got_policy_version(const struct aws_result *res, void *arg)
{
	got_document(arg, res, "GetPolicyVersion", "GetPolicyVersionResponse/"
	    "GetPolicyVersionResult/PolicyVersion/Document", "Document", 1);
}

static void
got_policy(const struct aws_result *res, void *arg)
{
	struct audit_req	*q = arg, *n;
	struct aws_xml		*x;
	const char		*vid;
	char			 what[400];

	if (!req_begin(q))
		return;
	if ((x = iam_reply(q, res, "GetPolicy")) == NULL)
		goto done;
	vid = aws_xml_get(x, "GetPolicyResponse/GetPolicyResult/Policy/"
	    "DefaultVersionId");
	if (vid == NULL || *vid == '\0') {
		snprintf(what, sizeof what, "iam:GetPolicy %s", q->label);
		audit_report_skip(q->run->r, what,
		    "reply has no DefaultVersionId");
	} else {
		n = req_new(q->run, 0, q->role, q->policy);
		n->label = xstrdup(q->label);
		(void)iam_call(q->run, n, "GetPolicyVersion", "PolicyArn",
		    q->policy, "VersionId", vid, got_policy_version);
	}
	aws_xml_free(x);
done:
	req_free(q);
}

static void
attached_policy(struct audit_run *run, struct audit_role *role,
    const char *arn)
{
	struct audit_item	*it;
	struct audit_req	*q;
	enum audit_severity	 sev;
	const char		*why;
	char			 msg[300];

	if ((sev = audit_managed_broad(arn, &why)) != AUDIT_SEV_NONE) {
		run->r->policies++;
		it = audit_report_add(run->r, sev, "iam-broad-managed-policy");
		audit_item_set(&it->role, role->name);
		audit_item_set(&it->policy, policy_name_of(arn));
		audit_item_set(&it->policy_type, "aws-managed");
		snprintf(msg, sizeof msg, "AWS managed policy %s: %s",
		    policy_name_of(arn), why);
		audit_item_set(&it->message, msg);
		audit_item_set(&it->fix, audit_fix_managed);
		return;
	}
	q = req_new(run, 0, role, arn);
	q->label = xasprintf("role %s policy %s", role->name, arn);
	(void)iam_call(run, q, "GetPolicy", "PolicyArn", arn, NULL, NULL,
	    got_policy);
}

/*
 * One page of a role's policy list: each member's value (the text of its
 * child `field`, or its own text when field is NULL) goes to each(), then
 * the next page is asked for with op when the reply is truncated.
 */
static void
iam_list_page(struct audit_req *q, const struct aws_result *res,
    const char *op, const char *list_name, const char *field,
    void (*each)(struct audit_req *, const char *), aws_cb again)
{
	struct audit_req		*n;
	struct aws_xml			*x;
	const struct aws_xml_node	*list, *m;
	const char			*v, *marker;
	char				 result[160], path[200];

	if (!req_begin(q))
		return;
	if ((x = iam_reply(q, res, op)) == NULL)
		goto done;
	snprintf(result, sizeof result, "%sResponse/%sResult", op, op);
	snprintf(path, sizeof path, "%s/%s", result, list_name);
	list = aws_xml_find(x, path);
	for (m = list != NULL ? aws_xml_first_child(list) : NULL; m != NULL;
	    m = aws_xml_next(m)) {
		if (strcmp(aws_xml_name(m), "member") != 0)
			continue;
		v = aws_xml_text(field != NULL ? aws_xml_node_find(m, field) :
		    m);
		if (v == NULL || *v == '\0')
			continue;
		each(q, v);
	}
	if ((marker = iam_next_marker(x, result)) != NULL) {
		n = req_new(q->run, 0, q->role, NULL);
		n->label = xstrdup(q->label);
		(void)iam_call(q->run, n, op, "RoleName", q->role->name,
		    "Marker", marker, again);
	}
	aws_xml_free(x);
done:
	req_free(q);
}

static void
attached_one(struct audit_req *q, const char *arn)
{
	attached_policy(q->run, q->role, arn);
}

static void
got_attached(const struct aws_result *res, void *arg)
{
	iam_list_page(arg, res, "ListAttachedRolePolicies", "AttachedPolicies",
	    "PolicyArn", attached_one, got_attached);
}

/* --- Inline policies ---------------------------------------------------- */

static void
got_role_policy(const struct aws_result *res, void *arg)
{
	got_document(arg, res, "GetRolePolicy", "GetRolePolicyResponse/"
	    "GetRolePolicyResult/PolicyDocument", "PolicyDocument", 0);
}

static void
role_policy_one(struct audit_req *q, const char *name)
{
	struct audit_req	*n;

	n = req_new(q->run, 0, q->role, name);
	n->label = xasprintf("role %s policy %s", q->role->name, name);
	(void)iam_call(q->run, n, "GetRolePolicy", "RoleName", q->role->name,
	    "PolicyName", name, got_role_policy);
}

static void
got_role_policies(const struct aws_result *res, void *arg)
{
	iam_list_page(arg, res, "ListRolePolicies", "PolicyNames", NULL,
	    role_policy_one, got_role_policies);
}

static void
audit_role_start(struct audit_run *run, struct audit_role *role)
{
	struct audit_req	*q;

	q = req_new(run, 0, role, NULL);
	q->label = xasprintf("role %s", role->name);
	(void)iam_call(run, q, "ListAttachedRolePolicies", "RoleName",
	    role->name, NULL, NULL, got_attached);
	q = req_new(run, 0, role, NULL);
	q->label = xasprintf("role %s", role->name);
	(void)iam_call(run, q, "ListRolePolicies", "RoleName", role->name,
	    NULL, NULL, got_role_policies);
}

/* --- Lambda ---------------------------------------------------------- */

static void	lambda_list(struct audit_run *, size_t region,
		    const char *marker);

struct env_ctx {
	struct audit_run	*run;
	const char		*function;
	const char		*region;
	const char		*variable;
};

static void
env_found(const struct audit_env_finding *f, void *arg)
{
	struct env_ctx		*ec = arg;
	struct audit_item	*it;
	char			 msg[400], esc[200];

	it = audit_report_add(ec->run->r, AUDIT_SEV_HIGH, "lambda-env-secret");
	audit_item_set(&it->region, ec->region);
	audit_item_set(&it->function, ec->function);
	audit_item_set(&it->variable, ec->variable);
	audit_item_set(&it->rule, f->rule);
	audit_item_set(&it->redacted, f->redacted);
	snprintf(msg, sizeof msg, "environment variable %s holds a secret "
	    "(%s): %s", log_escape(ec->variable, strlen(ec->variable), esc,
	    sizeof esc), f->rule, f->redacted);
	audit_item_set(&it->message, msg);
	audit_item_set(&it->fix, audit_fix_env);
}

static void
function_role(struct audit_run *run, const char *role_arn, const char *fn)
{
	struct audit_role	*ro;
	const char		*name;

	if (strncmp(role_arn, "arn:", 4) != 0 ||
	    strstr(role_arn, ":role/") == NULL)
		return;
	name = strrchr(role_arn, '/') + 1;
	if (*name == '\0')
		return;
	TAILQ_FOREACH(ro, &run->roles, entry)
		if (strcmp(ro->name, name) == 0)
			break;
	if (ro == NULL) {
		ro = xcalloc(1, sizeof *ro);
		ro->name = xstrdup(name);
		TAILQ_INSERT_TAIL(&run->roles, ro, entry);
		run->r->roles++;
		audit_role_start(run, ro);
	}
	ro->fns = xreallocarray(ro->fns, ro->nfns + 1, sizeof *ro->fns);
	ro->fns[ro->nfns++] = xstrdup(fn);
}

static void
function_coverage(struct audit_run *run, const char *fn, const char *region)
{
	struct audit_item	*it;

	if (run->opt->config == NULL)
		return;
	if (audit_watch_for_function(run->opt->config, fn) != NULL) {
		run->r->watched++;
		return;
	}
	it = audit_report_add(run->r, AUDIT_SEV_MEDIUM, "unwatched-function");
	audit_item_set(&it->region, region);
	audit_item_set(&it->function, fn);
	audit_item_set(&it->message, "no [watch] of kind lambda covers it: "
	    "its error rate is not watched");
	audit_item_set(&it->fix, audit_fix_watch);
}

static void
account_of(struct audit_report *r, const char *fn_arn)
{
	const char	*p = fn_arn;
	size_t		 i, n;

	if (r->account[0] != '\0' || fn_arn == NULL)
		return;
	for (i = 0; i < 4 && p != NULL; i++)
		if ((p = strchr(p, ':')) != NULL)
			p++;
	if (p == NULL)
		return;
	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
		;
	if (n == 12)
		memcpy(r->account, p, n);
}

static void
lambda_function(struct audit_run *run, const char *region, cJSON *f)
{
	cJSON		*name, *arn, *role, *env, *vars, *v;
	struct env_ctx	 ec;

	name = cJSON_GetObjectItemCaseSensitive(f, "FunctionName");
	if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
		return;
	run->r->functions++;
	arn = cJSON_GetObjectItemCaseSensitive(f, "FunctionArn");
	account_of(run->r, cJSON_IsString(arn) ? arn->valuestring : NULL);
	env = cJSON_GetObjectItemCaseSensitive(f, "Environment");
	vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
	ec.run = run;
	ec.function = name->valuestring;
	ec.region = region;
	cJSON_ArrayForEach(v, vars) {
		if (!cJSON_IsString(v) || v->string == NULL)
			continue;
		run->r->variables++;
		ec.variable = v->string;
		(void)audit_env_check(run->opt->scanner, v->string,
		    v->valuestring, strlen(v->valuestring), env_found, &ec);
	}
	role = cJSON_GetObjectItemCaseSensitive(f, "Role");
	if (cJSON_IsString(role))
		function_role(run, role->valuestring, name->valuestring);
	function_coverage(run, name->valuestring, region);
}

/* Wipes every string value of the tree (environment values are secrets). */
static void
json_wipe(cJSON *j)
{
	cJSON	*c;

	if (cJSON_IsString(j) && j->valuestring != NULL)
		util_wipe(j->valuestring, strlen(j->valuestring));
	for (c = j->child; c != NULL; c = c->next)
		json_wipe(c);
}

static void
got_functions(const struct aws_result *res, void *arg)
{
	struct audit_req	*q = arg;
	struct audit_run	*run = q->run;
	struct aws_reply	 reply;
	struct aws_error	 ae;
	cJSON			*j = NULL, *fns, *f, *next;
	const char		*region;
	char			 what[200];

	if (!req_begin(q))
		return;
	region = run->regions[q->region];
	snprintf(what, sizeof what, "lambda:ListFunctions %s", region);
	if (!res->ok) {
		skip_error(run, what, &res->error);
		goto done;
	}
	memset(&reply, 0, sizeof reply);
	reply.http_status = res->http_status;
	reply.body = res->body;
	reply.len = res->len;
	if (aws_json_reply(&reply, "lambda", &j, &ae) == -1) {
		skip_error(run, what, &ae);
		goto done;
	}
	fns = cJSON_GetObjectItemCaseSensitive(j, "Functions");
	cJSON_ArrayForEach(f, fns)
		if (cJSON_IsObject(f))
			lambda_function(run, region, f);
	next = cJSON_GetObjectItemCaseSensitive(j, "NextMarker");
	if (cJSON_IsString(next) && next->valuestring[0] != '\0')
		lambda_list(run, q->region, next->valuestring);
done:
	if (j != NULL) {
		json_wipe(j);
		cJSON_Delete(j);
	}
	req_free(q);
}

static void
lambda_list(struct audit_run *run, size_t region, const char *marker)
{
	struct audit_req	*q;
	struct buf		 query;
	char			 err[300], what[200];

	q = req_new(run, region, NULL, NULL);
	buf_init(&query, 8192);
	if (aws_query_add(&query, "MaxItems", AUDIT_LAMBDA_PAGE) == -1 ||
	    (marker != NULL && aws_query_add(&query, "Marker", marker) == -1)) {
		snprintf(err, sizeof err, "NextMarker too long");
		goto fail;
	}
	run->pending++;
	if (aws_call_rest(run->opt->lambda[region], AWS_SVC_LAMBDA,
	    "ListFunctions", "GET", "/2015-03-31/functions", buf_cstr(&query),
	    NULL, got_functions, q, err, sizeof err) == -1) {
		run->pending--;
		goto fail;
	}
	buf_cleanup(&query);
	return;
fail:
	snprintf(what, sizeof what, "lambda:ListFunctions %s",
	    run->regions[region]);
	audit_report_skip(run->r, what, err);
	buf_cleanup(&query);
	req_free(q);
}

/* --- API coverage --------------------------------------------------- */

/*
 * API Gateway stages are found the way an apigw watch finds them: from
 * CloudWatch's AWS/ApiGateway Count metrics (ApiName+Stage for REST APIs,
 * ApiId+Stage for HTTP APIs), so no API Gateway permission is needed. A
 * stage that served no request for two weeks has no metric and is not seen.
 */
struct audit_apis_req {
	struct audit_run		*run;
	size_t				 region;
	const struct metricdefs_listing	*l;
};

static void
got_api_metrics(const struct cw_metric_list *list, const char *error,
    void *arg)
{
	struct audit_apis_req	*q = arg;
	struct audit_run	*run = q->run;
	struct audit_item	*it;
	const char		*v[2];
	char			 name[512], what[200];
	size_t			 i;
	int			 k;

	run->pending--;
	if (run->abandoned) {
		if (run->pending == 0)
			run_free(run);
		free(q);
		return;
	}
	if (list == NULL) {
		snprintf(what, sizeof what, "cloudwatch:ListMetrics %s %s",
		    q->l->ns, run->regions[q->region]);
		audit_report_skip(run->r, what, error != NULL ? error :
		    "failed");
		free(q);
		return;
	}
	for (i = 0; i < list->n; i++) {
		if (list->metrics[i].ndims != q->l->ndims)
			continue;	/* per-resource or per-method metrics */
		for (k = 0; k < q->l->ndims; k++)
			if ((v[k] = cw_metric_dim(&list->metrics[i],
			    q->l->dims[k])) == NULL || *v[k] == '\0')
				break;
		if (k < q->l->ndims)
			continue;
		snprintf(name, sizeof name, "%s/%s", v[0], v[1]);
		run->r->apis++;
		if (audit_watch_for_api(run->opt->config, name) != NULL) {
			run->r->apis_watched++;
			continue;
		}
		it = audit_report_add(run->r, AUDIT_SEV_MEDIUM,
		    "unwatched-api");
		audit_item_set(&it->region, run->regions[q->region]);
		audit_item_set(&it->api, name);
		audit_item_set(&it->message, "no [watch] of kind apigw covers "
		    "it: its 4xx/5xx rates are not watched");
		audit_item_set(&it->fix, "add it to the apis of a [watch] of "
		    "kind apigw, or exclude it there on purpose");
	}
	free(q);
}

static void
apis_list(struct audit_run *run, size_t region)
{
	static char *const		 sig[] = { "5xx", NULL };
	const struct metricdefs_listing	*ls[METRICDEFS_MAX_LISTINGS];
	struct audit_apis_req		*q;
	struct cw_dim			 f[2];
	char				 err[300], what[200];
	int				 n, i, k;

	n = metricdefs_listings(CONFIG_WATCH_APIGW, sig, ls);
	for (i = 0; i < n; i++) {
		for (k = 0; k < ls[i]->ndims; k++) {
			f[k].name = (char *)ls[i]->dims[k];
			f[k].value = NULL;
		}
		q = xcalloc(1, sizeof *q);
		q->run = run;
		q->region = region;
		q->l = ls[i];
		run->pending++;
		if (cloudwatch_list_metrics(run->opt->lambda[region],
		    ls[i]->ns, ls[i]->metric, f, ls[i]->ndims,
		    got_api_metrics, q, err, sizeof err) == -1) {
			run->pending--;
			snprintf(what, sizeof what, "cloudwatch:ListMetrics "
			    "%s %s", ls[i]->ns, run->regions[region]);
			audit_report_skip(run->r, what, err);
			free(q);
		}
	}
}

/* --- The run ---------------------------------------------------------- */

static int
run_done(void *arg)
{
	struct audit_run	*run = arg;

	return run->pending == 0;
}

static void
role_functions(struct audit_run *run)
{
	struct audit_item	*it;
	struct audit_role	*ro;
	struct buf		 b;
	size_t			 i;

	TAILQ_FOREACH(it, &run->r->items, entry) {
		if (it->role == NULL)
			continue;
		TAILQ_FOREACH(ro, &run->roles, entry)
			if (strcmp(ro->name, it->role) == 0)
				break;
		if (ro == NULL)
			continue;
		buf_init(&b, 1024);
		for (i = 0; i < ro->nfns && i < AUDIT_ROLE_FNS_SHOWN; i++)
			(void)buf_printf(&b, "%s%s", i ? ", " : "", ro->fns[i]);
		if (ro->nfns > AUDIT_ROLE_FNS_SHOWN)
			(void)buf_printf(&b, ", +%zu more",
			    ro->nfns - AUDIT_ROLE_FNS_SHOWN);
		audit_item_set(&it->role_functions, buf_cstr(&b));
		buf_cleanup(&b);
	}
}

struct audit_report *
audit_run(const struct audit_options *opt)
{
	struct audit_run	*run;
	struct audit_report	*r;
	double			 timeout = opt->timeout > 0 ? opt->timeout :
				    AUDIT_TIMEOUT;
	size_t			 i;
	char			 msg[200];

	r = xcalloc(1, sizeof *r);
	TAILQ_INIT(&r->items);
	TAILQ_INIT(&r->skips);
	run = xcalloc(1, sizeof *run);
	run->opt = opt;
	run->r = r;
	TAILQ_INIT(&run->roles);
	for (i = 0; i < opt->nlambda && i < 8; i++) {
		util_strlcpy(run->regions[i], aws_region(opt->lambda[i]),
		    sizeof run->regions[i]);
		if (i > 0)
			(void)strncat(r->regions, ", ", sizeof r->regions -
			    strlen(r->regions) - 1);
		(void)strncat(r->regions, run->regions[i], sizeof r->regions -
		    strlen(r->regions) - 1);
	}
	if (opt->config != NULL)
		r->coverage = 1;
	else
		util_strlcpy(r->coverage_note, opt->no_config_reason != NULL ?
		    opt->no_config_reason : "no config", sizeof r->coverage_note);
	for (i = 0; i < opt->nlambda && i < 8; i++) {
		lambda_list(run, i, NULL);
		if (opt->config != NULL)
			apis_list(run, i);
	}
	if (run->pending > 0 &&
	    loop_run_until(run_done, run, timeout) == -1) {
		snprintf(msg, sizeof msg, "did not finish within %.0f s "
		    "(%d requests outstanding)", timeout, run->pending);
		audit_report_skip(r, "audit", msg);
	}
	role_functions(run);
	audit_report_sort(r);
	if (run->pending > 0) {
		run->abandoned = 1;
		run->r = NULL;	/* the late callbacks only count down */
	} else
		run_free(run);
	return r;
}
