"""The HTTP side: one threaded server for every service, the catchers and
the control API (/_sim/)."""
import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import (cloudwatch, creds, iam, lambda_, logs, paging, proto,
               secretsmanager, sns, sso, sts)
from .proto import ApiError
from .sigv4 import AuthFail, scope_service, verify
from .state import THROTTLE

TARGET_PREFIX = {'GraniteServiceVersion20100801': 'cloudwatch',
                 'Logs_20140328': 'logs', 'secretsmanager': 'secretsmanager'}
QUERY_OPS = {'cloudwatch': cloudwatch.OPS, 'logs': logs.OPS,
             'secretsmanager': secretsmanager.OPS, 'sns': sns.OPS,
             'sts': sts.OPS, 'iam': iam.OPS}
UNSIGNED_OK = {('sts', 'AssumeRoleWithWebIdentity')}

# auth failure kind -> {family: (code, status)}
AUTH_CODES = {
    'missing': {'query': ('MissingAuthenticationToken', 403),
                'json': ('MissingAuthenticationTokenException', 403)},
    'incomplete': {'query': ('IncompleteSignature', 403),
                   'json': ('IncompleteSignatureException', 403)},
    'unknown_key': {'query': ('InvalidClientTokenId', 403),
                    'json': ('UnrecognizedClientException', 400)},
    'bad_token': {'query': ('InvalidClientTokenId', 403),
                  'json': ('UnrecognizedClientException', 400)},
    'signature': {'query': ('SignatureDoesNotMatch', 403),
                  'json': ('SignatureDoesNotMatch', 403)},
    'expired': {'query': ('ExpiredToken', 403),
                'json': ('ExpiredTokenException', 400)},
}
# CloudWatch JSON (awsQueryCompatible): query code -> __type shape name
CW_SHAPE = {'InvalidParameterValue': 'InvalidParameterValueException',
            'MissingParameter': 'MissingRequiredParameterException',
            'InvalidParameterCombination': 'InvalidParameterCombinationException',
            'InternalServiceError': 'InternalServiceFault',
            'Throttling': 'ThrottlingException'}


class Ctx:
    """What a handler gets besides its parameters."""

    def __init__(self, state, service, op, cred, handler):
        self.state = state
        self.data = state.data
        self.service = service
        self.op = op
        self.cred = cred
        self.handler = handler

    def now(self):
        return self.state.now()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'awssim/1'

    def log_message(self, fmt, *args):  # quiet
        if self.server.verbose:
            super().log_message(fmt, *args)

    # -- plumbing --------------------------------------------------------
    @property
    def state(self):
        return self.server.state

    def _read_body(self):
        te = (self.headers.get('Transfer-Encoding') or '').lower()
        if te == 'chunked':
            out = b''
            while True:
                line = self.rfile.readline(65537).strip()
                n = int(line.split(b';')[0], 16)
                if n == 0:
                    while self.rfile.readline(65537).strip():
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def send(self, status, body, ctype='application/json', headers=None,
             fault=None):
        if isinstance(body, str):
            body = body.encode()
        fault = fault or {}
        if 'malformed' in fault:
            self.state.bump('faults', 'malformed')
            body = body[:max(1, len(body) // 2)] + b'\x00{<'
        if 'oversize' in fault:
            # A well-formed answer padded past any sane cap: the client
            # must refuse it by size, not choke on it.
            self.state.bump('faults', 'oversize')
            pad = max(0, fault['oversize']['bytes'] - len(body))
            body = body + b' ' * pad
        clen = len(body)
        if 'truncate' in fault:
            self.state.bump('faults', 'truncated')
            clen = len(body) + 64
            body = body[:len(body) // 2]
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(clen))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if 'truncate' in fault:
            self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if 'truncate' in fault:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self):
        self.state.bump('faults', 'closed')
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.dispatch('GET')

    def do_POST(self):
        self.dispatch('POST')

    def do_PUT(self):
        self.dispatch('PUT')

    def do_DELETE(self):
        self.dispatch('DELETE')

    def do_HEAD(self):
        self.dispatch('HEAD')

    # -- routing ---------------------------------------------------------
    def dispatch(self, method):
        body = self._read_body()
        path, _, query = self.path.partition('?')
        try:
            if path.startswith('/_sim/'):
                return self.control(method, path, body)
            if path.startswith('/hooks/'):
                return self.hook(method, path, body)
            if path.startswith(('/pagerduty/', '/opsgenie/', '/teams/')):
                return self.paging(method, path, query, body)
            if path.startswith('/latest/'):
                return self.simple(method, 'imds', path, body, creds.imds)
            if path in ('/federation/credentials', '/token'):
                return sso.handle(self, method, path, query, body)
            if creds.is_ecs_path(self.state, path):
                return self.simple(method, 'ecs', path, body, creds.ecs)
            return self.aws(method, path, query, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def simple(self, method, service, path, body, fn):
        """IMDS / ECS: plain HTTP, faults apply by path."""
        self.state.count(service, path)
        fault = self.state.pick_faults(service, path)
        if 'close' in fault:
            return self.drop()
        if 'delay' in fault:
            self.state.bump('faults', 'delays')
            time.sleep(fault['delay']['seconds'])
        if 'throttle' in fault:
            self.state.bump('faults', 'throttles')
            return self.send(429, 'Too Many Requests', 'text/plain')
        if 'error' in fault:
            self.state.bump('faults', 'errors')
            return self.send(fault['error']['status'], 'injected', 'text/plain')
        status, ctype, out = fn(self.state, method, path, self.headers, body)
        if status >= 400:
            self.state.count_error(service, path, str(status))
        self.send(status, out, ctype, fault=fault)

    # -- catchers --------------------------------------------------------
    def hook(self, method, path, body):
        name = path[len('/hooks/'):]
        st = self.state
        st.count('hooks', name)
        fault = st.pick_faults('hooks', name)
        rec = {'method': method, 'path': self.path, 'name': name,
               'headers': {k: v for k, v in self.headers.items()},
               'body': body.decode('utf-8', 'replace'), 'time': st.now(),
               'answered': 200}
        if 'close' in fault:
            rec['answered'] = 'close'
        elif 'throttle' in fault:
            rec['answered'] = 429
        elif 'error' in fault:
            rec['answered'] = fault['error']['status']
        with st.lock:
            st.hooks.append(rec)
        if 'delay' in fault:
            st.bump('faults', 'delays')
            time.sleep(fault['delay']['seconds'])
        if rec['answered'] == 'close':
            return self.drop()
        if rec['answered'] != 200:
            st.bump('faults', 'errors' if 'error' in fault else 'throttles')
            h = {'Retry-After': '1'} if rec['answered'] in (429, 503) else {}
            return self.send(rec['answered'], '{"ok":false}', headers=h)
        self.send(200, '{"ok":true}', fault=fault)

    def paging(self, method, path, query, body):
        """PagerDuty, Opsgenie and Teams catchers that validate (paging.py);
        faults apply as for hooks, by the recorded name."""
        st = self.state
        first = path.split('/')[1]
        name = first if first in ('pagerduty', 'opsgenie') else path[1:]
        st.count('hooks', name)
        fault = st.pick_faults('hooks', name)
        rec = {'method': method, 'path': self.path, 'name': name,
               'headers': {k: v for k, v in self.headers.items()},
               'body': body.decode('utf-8', 'replace'), 'time': st.now()}
        if 'delay' in fault:
            st.bump('faults', 'delays')
            time.sleep(fault['delay']['seconds'])
        if 'close' in fault:
            rec['answered'] = 'close'
            with st.lock:
                st.hooks.append(rec)
            return self.drop()
        if 'throttle' in fault or 'error' in fault:
            code = 429 if 'throttle' in fault else fault['error']['status']
            rec['answered'] = code
            with st.lock:
                st.hooks.append(rec)
            st.bump('faults', 'throttles' if code == 429 else 'errors')
            return self.send(code, '{"message":"injected"}',
                             headers={'Retry-After': '1'})
        _, status, out, extra = paging.handle(st, method, path, query,
                                              self.headers, body)
        rec.update(extra)
        rec['answered'] = status
        with st.lock:
            st.hooks.append(rec)
        self.send(status, out)

    # -- control API -----------------------------------------------------
    def control(self, method, path, body):
        st = self.state
        try:
            req = json.loads(body or b'{}')
        except ValueError:
            return self.send(400, '{"error":"bad json"}')
        what = path[len('/_sim/'):].strip('/')
        if method == 'GET':
            with st.lock:
                table = {'stats': st.stats_json,
                         'hooks': lambda: list(st.hooks),
                         'paging': lambda: dict(st.paging),
                         'smtp': lambda: list(st.smtp),
                         'sns': lambda: list(st.sns),
                         'faults': st.faults_json,
                         'queries': lambda: logs.queries_json(st),
                         'clock': lambda: {'now': st.now(),
                                           'fixed': st.fixed_now},
                         'health': lambda: {'ok': True}}
                if what not in table:
                    return self.send(404, '{"error":"no such resource"}')
                out = table[what]()
            return self.send(200, json.dumps(out))
        if method != 'POST':
            return self.send(405, '{"error":"method"}')
        try:
            if what == 'reset':
                st.reset()
                out = {'ok': True}
            elif what == 'clock':
                st.set_clock(req)
                out = {'now': st.now()}
            elif what == 'faults':
                if req.get('clear'):
                    with st.lock:
                        st.faults = []
                if 'seed' in req:
                    import random
                    with st.lock:
                        st.rng = random.Random(req['seed'])
                for r in req.get('rules', []):
                    st.add_fault(r)
                for name, spec in (req.get('hooks') or {}).items():
                    st.add_fault(dict(spec, service='hooks', operation=name,
                                      kind=spec.get('kind', 'error')))
                for k, t in (req.get('expire') or {}).items():
                    with st.lock:
                        st.expire_at[k] = proto.parse_time(t)
                out = st.faults_json()
            elif what == 'scenario':
                sc = req
                if 'path' in req and len(req) == 1:
                    from .scenario import load_file
                    sc = load_file(req['path'])
                st.load(sc)
                out = {'ok': True}
            else:
                return self.send(404, '{"error":"no such action"}')
        except (ValueError, KeyError, TypeError, ApiError) as e:
            return self.send(400, json.dumps({'error': str(e)}))
        self.send(200, json.dumps(out))

    # -- AWS services ----------------------------------------------------
    def aws(self, method, path, query, body):
        st = self.state
        auth = self.headers.get('Authorization')
        target = self.headers.get('X-Amz-Target')
        service = scope_service(auth) if auth else None
        if service is None and target:
            service = TARGET_PREFIX.get(target.split('.')[0])
        if service is None and path.startswith('/2015-03-31/'):
            service = 'lambda'
        params = None
        if service == 'lambda':
            family = 'rest'
        elif service in ('logs', 'secretsmanager') or \
                (service == 'cloudwatch' and target):
            family = 'json'
        else:
            family = 'query'
        # operation
        try:
            if family == 'json':
                op = (target or '').partition('.')[2]
                params = json.loads(body or b'{}')
                if not isinstance(params, dict):
                    raise ValueError('not an object')
            elif family == 'query':
                form = body.decode('utf-8', 'replace')
                if method == 'GET' or not form:
                    form = query
                params = proto.parse_query(form)
                op = params.pop('Action', '')
                params.pop('Version', None)
                if service is None:   # unsigned: guess from the Action
                    service = next((svc for svc in ('sts', 'sns', 'iam',
                                                    'cloudwatch')
                                    if op in QUERY_OPS[svc]), None)
            else:
                op, params = lambda_.route(method, path, query)
        except ValueError as e:
            return self.error(service or 'sts', family, '?',
                              ApiError('SerializationException'
                                       if family == 'json' else 'MalformedInput',
                                       str(e)))
        except ApiError as e:
            return self.error(service, family, '?', e)
        if service is None:
            return self.error('sts', 'query', op or '?',
                              ApiError('MissingAuthenticationToken',
                                       'Request is missing Authentication '
                                       'Token', 403))
        st.count(service, op)
        # signature
        cred = None
        if (service, op) not in UNSIGNED_OK:
            if not auth:
                st.bump('signature', 'unsigned')
                code, status = AUTH_CODES['missing'][
                    'query' if family == 'query' else 'json']
                return self.error(service, family, op, ApiError(
                    code, 'Request is missing Authentication Token', status))
            st.bump('signature', 'checked')
            try:
                cred = verify(st, method, self.path, self.headers, body)
            except AuthFail as e:
                st.bump('signature', 'failed')
                st.bump('signature', 'failed_' + e.kind)
                code, status = AUTH_CODES[e.kind][
                    'query' if family == 'query' else 'json']
                return self.error(service, family, op,
                                  ApiError(code, e.message, status))
        # faults
        fault = st.pick_faults(service, op)
        if 'close' in fault:
            return self.drop()
        if 'delay' in fault:
            st.bump('faults', 'delays')
            time.sleep(fault['delay']['seconds'])
        if 'throttle' in fault:
            st.bump('faults', 'throttles')
            code, status = THROTTLE[service]
            h = {'Retry-After': '1'} if status == 429 else {}
            return self.error(service, family, op, ApiError(
                code, 'Rate exceeded', status, headers=h))
        if 'error' in fault:
            st.bump('faults', 'errors')
            r = fault['error']
            code = r['code'] or {500: 'InternalFailure',
                                 503: 'ServiceUnavailable'}.get(
                r['status'], 'InternalFailure')
            return self.error(service, family, op, ApiError(
                code, r['message'], r['status'], sender=r['status'] < 500))
        # handler
        ctx = Ctx(st, service, op, cred, self)
        try:
            if family == 'rest':
                fn = lambda_.OPS.get(op)
            else:
                fn = QUERY_OPS[service].get(op)
            if fn is None:
                raise ApiError('InvalidAction' if family == 'query'
                               else 'UnknownOperationException',
                               'operation %s not simulated' % op)
            result = fn(ctx, params)
        except ApiError as e:
            return self.error(service, family, op, e)
        rid = proto.request_id()
        if family == 'query':
            return self.send(200, proto.xml_body(service, op, result, rid),
                             'text/xml', {'x-amzn-RequestId': rid}, fault)
        ctype = proto.JSON_CT.get(service, 'application/json')
        self.send(200, proto.json_body(result), ctype,
                  {'x-amzn-RequestId': rid}, fault)

    def error(self, service, family, op, err):
        st = self.state
        st.count_error(service or '?', op, err.code)
        rid = proto.request_id()
        headers = dict(err.headers)
        headers['x-amzn-RequestId'] = rid
        if family == 'query':
            return self.send(err.status, proto.xml_error(service, err, rid),
                             'text/xml', headers)
        if family == 'rest':
            headers['x-amzn-ErrorType'] = err.code
            d = {'Type': 'User' if err.sender else 'Service',
                 'message': err.message}
            d.update(err.extra)
            return self.send(err.status, proto.json_body(d),
                             'application/json', headers)
        if service == 'cloudwatch':
            qc = err.query_code or err.code
            headers['x-amzn-query-error'] = '%s;%s' % (
                qc, 'Sender' if err.sender else 'Receiver')
            err = ApiError(CW_SHAPE.get(err.code, err.code), err.message,
                           err.status, err.sender, extra=err.extra)
        self.send(err.status, proto.json_error(err),
                  proto.JSON_CT.get(service, 'application/x-amz-json-1.1'),
                  headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, state, verbose=False):
        self.state = state
        self.verbose = verbose
        super().__init__(addr, Handler)
