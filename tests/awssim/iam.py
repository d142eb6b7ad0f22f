"""IAM (Query, global): ListAttachedRolePolicies, GetPolicy,
GetPolicyVersion, ListRolePolicies, GetRolePolicy.

Scenario: "iam": {"roles": {NAME: {"attached": [ARN, ...],
"inline": {POLICY: DOC}, "access_denied": false}},
"page_max": 100,
"policies": {ARN: {"name": N, "default_version": "v1",
"versions": {"v1": DOC}}}}.  DOC is a JSON object or string; it is sent
URL-encoded like AWS. "access_denied" may also list the operations
denied ["GetRolePolicy"]; "page_max" caps every page (IAM may return fewer
than MaxItems even when truncated).
"""
import json
import urllib.parse

from .proto import ApiError, Ts


def _doc(d):
    if not isinstance(d, str):
        d = json.dumps(d, indent=2)
    return urllib.parse.quote(d, safe='')


def _role(ctx, p, action):
    name = p.get('RoleName', '')
    roles = ctx.data.iam.get('roles', {})
    r = roles.get(name)
    denied = (r or {}).get('access_denied')
    if denied is True or (isinstance(denied, list) and action in denied):
        raise ApiError('AccessDenied', 'User: %s is not authorized to perform:'
                       ' iam:%s on resource: role %s' % (
                           ctx.cred['arn'], action, name), 403)
    if r is None:
        raise ApiError('NoSuchEntity', 'The role with name %s cannot be '
                       'found.' % name, 404)
    return r


def _page(p, items, default=100, page_max=None):
    start = int(p.get('Marker') or 0)
    n = int(p.get('MaxItems') or default)
    if not 1 <= n <= 1000:
        raise ApiError('ValidationError', 'MaxItems must be 1..1000')
    n = min(n, int(page_max or n))
    page = items[start:start + n]
    more = start + n < len(items)
    return page, {'IsTruncated': more, 'Marker': str(start + n) if more
                  else None}


def list_attached_role_policies(ctx, p):
    r = _role(ctx, p, 'ListAttachedRolePolicies')
    pols = ctx.data.iam.get('policies', {})
    items = [{'PolicyName': (pols.get(a) or {}).get('name', a.split('/')[-1]),
              'PolicyArn': a} for a in r.get('attached', [])]
    page, meta = _page(p, items, page_max=ctx.data.iam.get('page_max'))
    return dict({'AttachedPolicies': page}, **meta)


def _policy(ctx, p):
    arn = p.get('PolicyArn', '')
    pol = ctx.data.iam.get('policies', {}).get(arn)
    if pol is None:
        raise ApiError('NoSuchEntity', 'Policy %s was not found.' % arn, 404)
    if pol.get('access_denied'):
        raise ApiError('AccessDenied', 'not authorized on %s' % arn, 403)
    return arn, pol


def get_policy(ctx, p):
    arn, pol = _policy(ctx, p)
    return {'Policy': {'PolicyName': pol.get('name', arn.split('/')[-1]),
                       'PolicyId': 'ANPASIM' + str(abs(hash(arn)) % 10**12),
                       'Arn': arn, 'Path': '/',
                       'DefaultVersionId': pol.get('default_version', 'v1'),
                       'AttachmentCount': 1, 'IsAttachable': True,
                       'CreateDate': Ts(1700000000),
                       'UpdateDate': Ts(1700000000)}}


def get_policy_version(ctx, p):
    arn, pol = _policy(ctx, p)
    vid = p.get('VersionId', '')
    doc = pol.get('versions', {}).get(vid)
    if doc is None:
        raise ApiError('NoSuchEntity', 'Policy %s version %s does not exist '
                       'or is not attachable.' % (arn, vid), 404)
    return {'PolicyVersion': {'Document': _doc(doc), 'VersionId': vid,
                              'IsDefaultVersion':
                                  vid == pol.get('default_version', 'v1'),
                              'CreateDate': Ts(1700000000)}}


def list_role_policies(ctx, p):
    r = _role(ctx, p, 'ListRolePolicies')
    page, meta = _page(p, sorted(r.get('inline', {})),
                       page_max=ctx.data.iam.get('page_max'))
    return dict({'PolicyNames': page}, **meta)


def get_role_policy(ctx, p):
    r = _role(ctx, p, 'GetRolePolicy')
    name = p.get('PolicyName', '')
    doc = r.get('inline', {}).get(name)
    if doc is None:
        raise ApiError('NoSuchEntity', 'The role policy with name %s cannot '
                       'be found.' % name, 404)
    return {'RoleName': p['RoleName'], 'PolicyName': name,
            'PolicyDocument': _doc(doc)}


OPS = {'ListAttachedRolePolicies': list_attached_role_policies,
       'GetPolicy': get_policy, 'GetPolicyVersion': get_policy_version,
       'ListRolePolicies': list_role_policies,
       'GetRolePolicy': get_role_policy}
