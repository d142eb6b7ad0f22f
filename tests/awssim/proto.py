"""Wire protocols: AWS JSON 1.0/1.1, Query (form in, XML out), REST-JSON.

Handlers return plain dicts/lists; `Ts` marks a timestamp so JSON renders
epoch seconds and XML renders ISO-8601.
"""
import json
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

XMLNS = {
    'cloudwatch': 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    'sns': 'http://sns.amazonaws.com/doc/2010-03-31/',
    'sts': 'https://sts.amazonaws.com/doc/2011-06-15/',
    'iam': 'https://iam.amazonaws.com/doc/2010-05-08/',
}

JSON_CT = {'cloudwatch': 'application/x-amz-json-1.0',
           'logs': 'application/x-amz-json-1.1',
           'secretsmanager': 'application/x-amz-json-1.1'}


class ApiError(Exception):
    """An AWS error.  code is the wire code (Query code / JSON __type)."""

    def __init__(self, code, message='', status=400, sender=True,
                 query_code=None, headers=None, extra=None):
        super().__init__(code + ': ' + message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
        self.query_code = query_code
        self.headers = headers or {}
        self.extra = extra or {}


class Ts(float):
    """A timestamp (epoch seconds)."""


def iso(t, ms=False):
    t = float(t)
    s = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(int(t)))
    if ms:
        s += '.%03d' % int(round((t - int(t)) * 1000) % 1000)
    return s + 'Z'


def parse_time(v):
    """Epoch seconds from a JSON number or an ISO-8601 string."""
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    try:
        return float(s)
    except ValueError:
        pass
    import calendar
    s = s.rstrip('Z').replace('+00:00', '')
    frac = 0.0
    if '.' in s:
        s, f = s.split('.', 1)
        frac = float('0.' + f)
    for fmt in ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S'):
        try:
            return calendar.timegm(time.strptime(s, fmt)) + frac
        except ValueError:
            continue
    raise ApiError('InvalidParameterValue', 'bad timestamp %r' % v)


def request_id():
    return str(uuid.uuid4())


def _jsonable(v):
    if isinstance(v, Ts):
        return float(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def json_body(obj):
    return json.dumps(_jsonable(obj), separators=(',', ':')).encode()


def _xml_value(name, v, out):
    if v is None:
        return
    if isinstance(v, dict):
        out.append('<%s>' % name)
        for k, x in v.items():
            _xml_value(k, x, out)
        out.append('</%s>' % name)
    elif isinstance(v, (list, tuple)):
        out.append('<%s>' % name)
        for x in v:
            _xml_value('member', x, out)
        out.append('</%s>' % name)
    elif isinstance(v, Ts):
        out.append('<%s>%s</%s>' % (name, iso(v, ms=True), name))
    elif isinstance(v, bool):
        out.append('<%s>%s</%s>' % (name, 'true' if v else 'false', name))
    else:
        out.append('<%s>%s</%s>' % (name, escape(str(v)), name))


def xml_body(service, op, result, rid):
    out = ['<%sResponse xmlns="%s">' % (op, XMLNS[service])]
    if result is not None:
        _xml_value(op + 'Result', result, out)
    out.append('<ResponseMetadata><RequestId>%s</RequestId>'
               '</ResponseMetadata></%sResponse>' % (rid, op))
    return ''.join(out).encode()


def xml_error(service, err, rid):
    ns = XMLNS.get(service, XMLNS['sts'])
    body = ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
            '<Message>%s</Message></Error><RequestId>%s</RequestId>'
            '</ErrorResponse>' % (ns, 'Sender' if err.sender else 'Receiver',
                                  escape(err.query_code or err.code),
                                  escape(err.message), rid))
    return body.encode()


def json_error(err):
    d = {'__type': err.code, 'message': err.message}
    d.update(err.extra)
    return json_body(d)


def parse_query(body):
    """Decode a Query form body into nested dicts/lists.

    `A.member.N.B` becomes A=[{B:..}], `A.entry.N.Name/Value` (or key/value)
    becomes A={name: value}.
    """
    flat = urllib.parse.parse_qsl(body, keep_blank_values=True)
    root = {}
    for key, value in flat:
        parts = key.split('.')
        node = root
        for p in parts[:-1]:
            nxt = node.get(p)
            if not isinstance(nxt, dict):
                nxt = {}
                node[p] = nxt
            node = nxt
        node[parts[-1]] = value
    return _fold(root)


def _fold(node):
    if not isinstance(node, dict):
        return node
    if set(node) == {'member'} and isinstance(node['member'], dict):
        items = sorted(node['member'].items(), key=lambda kv: int(kv[0]))
        return [_fold(v) for _, v in items]
    if set(node) == {'entry'} and isinstance(node['entry'], dict):
        out = {}
        for _, e in sorted(node['entry'].items(), key=lambda kv: int(kv[0])):
            e = _fold(e)
            k = e.get('Name', e.get('key'))
            out[k] = e.get('Value', e.get('value'))
        return out
    return {k: _fold(v) for k, v in node.items()}
