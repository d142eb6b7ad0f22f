"""SigV4 verification with botocore's own signer.

The request is rebuilt as a botocore AWSRequest from the received method,
raw path, raw query, body and ONLY the headers named in SignedHeaders, then
signed with botocore.auth.SigV4Auth (timestamp taken from X-Amz-Date) using
the secret the scenario holds for the access key; the signatures are compared.
"""
import hmac
import re

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SCOPE_SERVICE = {'monitoring': 'cloudwatch', 'logs': 'logs', 'sns': 'sns',
                 'sts': 'sts', 'secretsmanager': 'secretsmanager',
                 'lambda': 'lambda', 'iam': 'iam'}

_AUTH_RE = re.compile(
    r'^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*'
    r'SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$')


class _Signer(SigV4Auth):
    """botocore's SigV4Auth, but signing exactly the headers we hand it.

    botocore never signs user-agent/expect/x-amzn-trace-id; a client that
    does is still valid for AWS, so the blacklist is not applied here (the
    request only holds the client's SignedHeaders anyway)."""

    def headers_to_sign(self, request):
        from botocore.compat import HTTPHeaders
        m = HTTPHeaders()
        for name, value in request.headers.items():
            m[name.lower()] = value
        return m


class AuthFail(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


def parse_authorization(value):
    """-> (akid, date, region, service, signed_headers list, signature)."""
    m = _AUTH_RE.match(value or '')
    if not m:
        raise AuthFail('incomplete', 'Authorization header requires '
                       'Credential, SignedHeaders and Signature')
    cred = m.group(1).split('/')
    if len(cred) != 5 or cred[4] != 'aws4_request':
        raise AuthFail('incomplete', 'Credential is malformed')
    return (cred[0], cred[1], cred[2], cred[3],
            m.group(2).split(';'), m.group(3).lower())


def scope_service(auth_value):
    """Service name of the credential scope, or None."""
    try:
        return SCOPE_SERVICE.get(parse_authorization(auth_value)[3])
    except AuthFail:
        return None


def verify(state, method, raw_path, headers, body):
    """Check one signed request.  Returns the credential dict.

    headers: an email.message.Message-like object (case-insensitive get_all).
    Raises AuthFail(kind, message) with kind one of incomplete, unknown_key,
    bad_token, signature, expired, region.
    """
    akid, date, region, service, signed, sig = parse_authorization(
        headers.get('Authorization'))
    amz_date = headers.get('X-Amz-Date')
    if not amz_date or not amz_date.startswith(date) or 'host' not in signed:
        raise AuthFail('incomplete', 'X-Amz-Date and host must be signed and '
                       'match the credential scope date')
    if signed != sorted(signed):
        raise AuthFail('signature', 'SignedHeaders not sorted')
    cred = state.credential(akid)
    if cred is None:
        raise AuthFail('unknown_key', 'The security token included in the '
                       'request is invalid.')
    token = headers.get('X-Amz-Security-Token')
    if cred.get('session_token') and token != cred['session_token']:
        raise AuthFail('bad_token', 'The security token included in the '
                       'request is invalid.')
    want_region = 'us-east-1' if service == 'iam' else state.data.region
    if state.data.raw.get('check_region', True) and region != want_region:
        raise AuthFail('signature', "Credential should be scoped to a valid "
                       "region, not '%s'." % region)
    hdrs = []
    for name in signed:
        vals = headers.get_all(name) or []
        if not vals:
            raise AuthFail('signature', 'signed header %s missing' % name)
        for v in vals:
            hdrs.append((name, v))
    host = headers.get('Host', '')
    req = AWSRequest(method=method, url='http://%s%s' % (host, raw_path),
                     data=body, headers=None)
    for name, v in hdrs:
        req.headers.add_header(name, v)
    req.context['timestamp'] = amz_date
    signer = _Signer(Credentials(akid, cred['secret_access_key'],
                                   cred.get('session_token')),
                       service, region)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    want = signer.signature(sts, req)
    if not hmac.compare_digest(want, sig):
        raise AuthFail('signature', 'The request signature we calculated does '
                       'not match the signature you provided. Check your AWS '
                       'Secret Access Key and signing method.')
    if state.expired(cred):
        raise AuthFail('expired', 'The security token included in the request '
                       'is expired')
    return cred
