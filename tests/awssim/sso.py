"""IAM Identity Center: the SSO portal's GetRoleCredentials and the SSO
OIDC CreateToken (refresh_token grant), with the wire formats of
botocore's service models sso and sso-oidc (REST-JSON, unsigned: the
portal takes the access token in x-amz-sso_bearer_token).

Scenario:
  "sso": {"tokens": {"TOKEN": EXPIRY},          valid access tokens (sim time)
          "client_id": ID, "client_secret": S,  the registered client
          "refresh_token": RT,                  the current refresh token
          "token_ttl": 3600,                    expiresIn of refreshed tokens
          "roles": {"ACCOUNT/ROLE": "arn or user name"}}
A refresh rotates the refresh token (the old one is then refused).
"""
import json
import secrets as _s
from urllib.parse import parse_qs

from .proto import request_id


def _error(code, message, status, oidc=False):
    if oidc:   # sso-oidc errors: error / error_description members
        body = {'error': code[0].lower() + code[1:].replace('Exception', ''),
                'error_description': message}
    else:
        body = {'message': message}
    return status, {'x-amzn-ErrorType': code}, json.dumps(body)


def get_role_credentials(state, method, query, headers):
    """GET /federation/credentials?account_id=&role_name=."""
    cfg = state.data.sso
    if method != 'GET':
        return _error('InvalidRequestException', 'GET only', 400)
    q = parse_qs(query)
    acct = (q.get('account_id') or [''])[0]
    role = (q.get('role_name') or [''])[0]
    tok = headers.get('x-amz-sso_bearer_token') or ''
    if not acct or not role or not tok:
        return _error('InvalidRequestException', 'account_id, role_name '
                      'and x-amz-sso_bearer_token are required', 400)
    with state.lock:
        exp = state.sso_tokens.get(tok)
    if exp is None or state.now() >= exp:
        return _error('UnauthorizedException', 'Session token not found '
                      'or invalid', 401)
    if '%s/%s' % (acct, role) not in cfg.get('roles', {}):
        return _error('ForbiddenException', 'No access', 403)
    arn = 'arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_sim/%s' % (
        acct, role, cfg['roles']['%s/%s' % (acct, role)])
    c = state.issue_temp(arn, 'AROASIMSSO:%s' % role, 3600)
    state.bump('sso', 'role_credentials')
    return 200, {}, json.dumps({'roleCredentials': {
        'accessKeyId': c['access_key_id'],
        'secretAccessKey': c['secret_access_key'],
        'sessionToken': c['session_token'],
        'expiration': int(c['expires'] * 1000)}})


def create_token(state, method, body):
    """POST /token, grantType refresh_token."""
    cfg = state.data.sso
    if method != 'POST':
        return _error('InvalidRequestException', 'POST only', 400, True)
    try:
        req = json.loads(body or b'{}')
    except ValueError:
        return _error('InvalidRequestException', 'not JSON', 400, True)
    if not isinstance(req, dict) or req.get('grantType') != 'refresh_token':
        return _error('UnsupportedGrantTypeException', 'refresh_token only',
                      400, True)
    if (req.get('clientId') != cfg.get('client_id') or
            req.get('clientSecret') != cfg.get('client_secret')):
        return _error('InvalidClientException', 'bad client', 401, True)
    with state.lock:
        if not state.sso_refresh or req.get('refreshToken') != \
                state.sso_refresh:
            return _error('InvalidGrantException', 'bad refresh token',
                          400, True)
        ttl = int(cfg.get('token_ttl', 3600))
        tok = 'SIMSSOTOKEN' + _s.token_urlsafe(24)
        state.sso_tokens[tok] = state.now() + ttl
        state.sso_refresh = 'SIMSSOREFRESH' + _s.token_urlsafe(24)
        rt = state.sso_refresh
    state.bump('sso', 'refreshes')
    return 200, {}, json.dumps({'accessToken': tok, 'tokenType': 'Bearer',
                                'expiresIn': ttl, 'refreshToken': rt})


def handle(handler, method, path, query, body):
    """Routes /federation/credentials and /token; faults by service
    'sso' (operation GetRoleCredentials) and 'sso-oidc' (CreateToken)."""
    st = handler.state
    if path == '/federation/credentials':
        svc, op = 'sso', 'GetRoleCredentials'
    else:
        svc, op = 'sso-oidc', 'CreateToken'
    st.count(svc, op)
    fault = st.pick_faults(svc, op)
    if 'close' in fault:
        return handler.drop()
    if 'error' in fault:
        st.bump('faults', 'errors')
        status, h, out = _error(fault['error']['code'] or
                                'InternalServerException',
                                fault['error']['message'],
                                fault['error']['status'], svc == 'sso-oidc')
    elif svc == 'sso':
        status, h, out = get_role_credentials(st, method, query,
                                              handler.headers)
    else:
        status, h, out = create_token(st, method, body)
    if status >= 400:
        st.count_error(svc, op, h.get('x-amzn-ErrorType', str(status)))
    h = dict(h, **{'x-amzn-RequestId': request_id()})
    handler.send(status, out, 'application/json', h, fault=fault)
