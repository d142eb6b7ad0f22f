"""Credential endpoints: EC2 IMDSv2 and ECS/EKS container credentials.

Scenario:
  "imds": {"role": "cwguard-role", "access_key_id": AKID}   (AKID must be in
          "credentials"; its secret/token/expires are served)
          or {"role": ..., "rotate": SECONDS}: every fetch issues new
          temporary credentials that expire SECONDS later (simulated time),
          as an instance role rotates them
  "ecs":  {"path": "/ecs/credentials", "authorization": "TOKEN",
           "access_key_id": AKID}
"""
import json
import secrets as _s

from .proto import iso


def _cred_doc(state, akid, imds):
    c = state.credential(akid)
    if c is None:
        return None
    exp = c.get('expires') or (state.now() + 6 * 3600)
    d = {'AccessKeyId': c['access_key_id'],
         'SecretAccessKey': c['secret_access_key'],
         'Token': c.get('session_token') or '',
         'Expiration': iso(exp)}
    if imds:
        d = dict({'Code': 'Success', 'LastUpdated': iso(state.now()),
                  'Type': 'AWS-HMAC'}, **d)
    else:
        d['RoleArn'] = c['arn']
    return json.dumps(d)


def imds(state, method, path, headers, body):
    cfg = state.data.imds
    if path == '/latest/api/token':
        if method != 'PUT':
            return 405, 'text/plain', 'Method Not Allowed'
        ttl = headers.get('X-aws-ec2-metadata-token-ttl-seconds')
        if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return 400, 'text/plain', 'Bad Request'
        tok = 'SIMIMDS' + _s.token_urlsafe(24)
        with state.lock:
            state.imds_tokens[tok] = state.now() + int(ttl)
        return 200, 'text/plain', tok
    tok = headers.get('X-aws-ec2-metadata-token')
    with state.lock:
        exp = state.imds_tokens.get(tok or '')
    if exp is None or state.now() >= exp:
        return 401, 'text/plain', 'Unauthorized'
    if method != 'GET':
        return 405, 'text/plain', 'Method Not Allowed'
    base = '/latest/meta-data/iam/security-credentials/'
    role = cfg.get('role')
    if path == base:
        return (200, 'text/plain', role) if role else \
            (404, 'text/plain', 'Not Found')
    if role and path == base + role:
        if cfg.get('rotate'):
            c = state.issue_temp(
                'arn:aws:sts::%s:assumed-role/%s/i-sim' % (state.data.account,
                                                           role),
                'AROASIM%s:i-sim' % role.upper()[:12], int(cfg['rotate']))
            with state.lock:
                state.imds_issued = getattr(state, 'imds_issued', 0) + 1
            return 200, 'text/plain', json.dumps({
                'Code': 'Success', 'LastUpdated': iso(state.now()),
                'Type': 'AWS-HMAC', 'AccessKeyId': c['access_key_id'],
                'SecretAccessKey': c['secret_access_key'],
                'Token': c['session_token'], 'Expiration': iso(c['expires'])})
        doc = _cred_doc(state, cfg.get('access_key_id'), True)
        if doc:
            return 200, 'text/plain', doc
    if path == '/latest/meta-data/placement/region' or \
            path == '/latest/meta-data/placement/availability-zone':
        r = state.data.region
        return 200, 'text/plain', r if path.endswith('region') else r + 'a'
    return 404, 'text/plain', 'Not Found'


def is_ecs_path(state, path):
    p = state.data.ecs.get('path', '/ecs/credentials')
    return path == p or path.startswith('/v2/credentials')


def ecs(state, method, path, headers, body):
    cfg = state.data.ecs
    if method != 'GET':
        return 405, 'application/json', '{"message":"method"}'
    want = cfg.get('authorization')
    if want and headers.get('Authorization') != want:
        return 401, 'application/json', '{"message":"unauthorized"}'
    doc = _cred_doc(state, cfg.get('access_key_id'), False)
    if doc is None:
        return 404, 'application/json', '{"message":"no credentials"}'
    return 200, 'application/json', doc
