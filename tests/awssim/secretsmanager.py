"""Secrets Manager GetSecretValue (JSON 1.1)."""
from .proto import ApiError, Ts


def get_secret_value(ctx, p):
    sid = p.get('SecretId')
    if not sid:
        raise ApiError('InvalidParameterException', 'SecretId is required')
    s = ctx.data.secrets.get(sid)
    if s is None and sid.startswith('arn:'):
        # partial ARN without the random suffix
        for k, v in ctx.data.secrets.items():
            if k.startswith(sid + '-'):
                s = v
    if s is None:
        raise ApiError('ResourceNotFoundException', "Secrets Manager can't "
                       'find the specified secret.')
    out = {'ARN': s['arn'], 'Name': s['name'],
           'VersionId': s.get('version_id', 'a1b2c3d4-0000-4000-8000-'
                              '000000000001'),
           'VersionStages': ['AWSCURRENT'],
           'CreatedDate': Ts(s.get('created', 1700000000.0))}
    if 'secret_binary' in s:
        out['SecretBinary'] = s['secret_binary']
    else:
        out['SecretString'] = s.get('secret_string', '')
    return out


OPS = {'GetSecretValue': get_secret_value}
