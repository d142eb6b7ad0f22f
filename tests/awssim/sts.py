"""STS: GetCallerIdentity, GetAccessKeyInfo, AssumeRole,
AssumeRoleWithWebIdentity (Query)."""
import base64
import re

from .proto import ApiError, Ts

_SESSION_RE = re.compile(r'^[\w+=,.@-]{2,64}$')


def _role(ctx, p):
    arn = p.get('RoleArn', '')
    name = p.get('RoleSessionName', '')
    if not re.match(r'^arn:aws[a-z-]*:iam::\d{12}:role/.+', arn):
        raise ApiError('ValidationError', 'RoleArn is invalid')
    if not _SESSION_RE.match(name):
        raise ApiError('ValidationError', 'RoleSessionName is invalid')
    roles = ctx.data.sts.get('roles')
    if roles is not None and arn not in roles:
        raise ApiError('AccessDenied', 'Not authorized to perform '
                       'sts:AssumeRole on %s' % arn, 403)
    spec = (roles or {}).get(arn) or {}
    dur = int(p.get('DurationSeconds') or 3600)
    if not 900 <= dur <= int(spec.get('max_duration', 43200)):
        raise ApiError('ValidationError', 'DurationSeconds out of range')
    return arn, name, dur, spec


def _issue(ctx, arn, name, dur):
    acct = arn.split(':')[4]
    rname = arn.split(':role/', 1)[1].split('/')[-1]
    role_id = 'AROASIM' + rname.upper()[:12]
    user_arn = 'arn:aws:sts::%s:assumed-role/%s/%s' % (acct, rname, name)
    cred = ctx.state.issue_temp(user_arn, '%s:%s' % (role_id, name), dur)
    return {'Credentials': {'AccessKeyId': cred['access_key_id'],
                            'SecretAccessKey': cred['secret_access_key'],
                            'SessionToken': cred['session_token'],
                            'Expiration': Ts(cred['expires'])},
            'AssumedRoleUser': {'AssumedRoleId': cred['user_id'],
                                'Arn': user_arn}}


def get_caller_identity(ctx, p):
    c = ctx.cred
    return {'UserId': c['user_id'], 'Account': c['arn'].split(':')[4] or
            ctx.data.account, 'Arn': c['arn']}


_KEY_ID_RE = re.compile(r'^[\w]{16,128}$')


def get_access_key_info(ctx, p):
    """The account of a key id: a scenario's sts.access_keys map, the
    scenario's own credentials, else the account a new-format id encodes
    (as AWS answers for any well-formed id, even of a deleted key)."""
    kid = p.get('AccessKeyId', '')
    if not _KEY_ID_RE.match(kid):
        raise ApiError('ValidationError', 'AccessKeyId is invalid')
    known = (ctx.data.sts.get('access_keys') or {}).get(kid)
    if known:
        return {'Account': known}
    c = ctx.data.credentials.get(kid)
    if c is not None:
        return {'Account': c['arn'].split(':')[4] or ctx.data.account}
    body = kid[4:20]
    try:
        raw = base64.b32decode(body) if len(body) == 16 else b''
    except ValueError:
        raw = b''
    if len(raw) == 10 and raw[0] & 0x80:
        acct = (int.from_bytes(raw[:6], 'big') >> 7) & ((1 << 40) - 1)
        if acct <= 999999999999:
            return {'Account': '%012d' % acct}
    raise ApiError('InvalidParameterValue', 'The access key ID is not '
                   'valid')


def assume_role(ctx, p):
    arn, name, dur, spec = _role(ctx, p)
    if spec.get('external_id') and p.get('ExternalId') != spec['external_id']:
        raise ApiError('AccessDenied', 'ExternalId mismatch', 403)
    return _issue(ctx, arn, name, dur)


def assume_role_with_web_identity(ctx, p):
    arn, name, dur, spec = _role(ctx, p)
    tok = p.get('WebIdentityToken', '')
    want = spec.get('web_identity_token', ctx.data.sts.get('web_identity_token'))
    if len(tok) < 4:
        raise ApiError('ValidationError', 'WebIdentityToken too short')
    if want is None or tok.strip() != want.strip():
        raise ApiError('InvalidIdentityToken', 'Couldn\'t retrieve '
                       'verification key from your identity provider')
    out = _issue(ctx, arn, name, dur)
    out['SubjectFromWebIdentityToken'] = 'system:serviceaccount:sim:cwguard'
    out['Provider'] = 'sim'
    out['Audience'] = 'sts.amazonaws.com'
    return out


OPS = {'GetCallerIdentity': get_caller_identity,
       'GetAccessKeyInfo': get_access_key_info, 'AssumeRole': assume_role,
       'AssumeRoleWithWebIdentity': assume_role_with_web_identity}
