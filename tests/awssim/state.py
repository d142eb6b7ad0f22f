"""Mutable simulator state: clock, stats, faults, recordings."""
import random
import threading
import time
from collections import defaultdict

from .scenario import Data

THROTTLE = {
    # service: (code, http status, query_code)
    'cloudwatch': ('Throttling', 400),
    'logs': ('ThrottlingException', 400),
    'secretsmanager': ('ThrottlingException', 400),
    'sns': ('Throttled', 429),
    'sts': ('Throttling', 400),
    'iam': ('Throttling', 400),
    'lambda': ('TooManyRequestsException', 429),
}

FAULT_KINDS = ('throttle', 'error', 'delay', 'truncate', 'malformed', 'close',
               'oversize')


def _nested():
    return defaultdict(int)


class State:
    def __init__(self, scenario):
        self.lock = threading.RLock()
        self.load(scenario)

    # -- scenario / reset ------------------------------------------------
    def load(self, scenario):
        data = Data(scenario)
        with self.lock:
            self.data = data
            self.fixed_now = data.clock
            self.rng = random.Random(data.seed)
            self.temp_creds = {}
            self.expire_at = {}          # access key or '*' -> epoch
            self.imds_tokens = {}        # token -> expiry (sim time)
            # SSO: access token -> expiry; the current refresh token
            self.sso_tokens = {t: float(e) for t, e in
                               data.sso.get('tokens', {}).items()}
            self.sso_refresh = data.sso.get('refresh_token')
            self.queries = {}            # logs query id -> dict
            self.reset_records()
            self.faults = []
            for r in data.faults:
                self.add_fault(r)
            for name, spec in data.hooks.items():
                self.add_fault(dict(spec, service='hooks', operation=name,
                                    kind=spec.get('kind', 'error')))

    def reset_records(self):
        with self.lock:
            self.stats = {
                'requests': defaultdict(_nested),
                'errors': defaultdict(_nested),
                'signature': defaultdict(int),
                'cloudwatch': defaultdict(int),
                'logs': defaultdict(int),
                'faults': defaultdict(int),
                'sso': defaultdict(int),
            }
            self.metrics_per_call = []
            self.hooks = []
            self.paging = {}             # vendor -> {dedup key: state}
            self.smtp = []
            self.sns = []

    def reset(self):
        with self.lock:
            self.reset_records()
            self.faults = []
            self.queries = {}
            self.expire_at = {}

    # -- clock -----------------------------------------------------------
    def now(self):
        with self.lock:
            if self.fixed_now is not None:
                return float(self.fixed_now)
        return time.time()

    def set_clock(self, body):
        with self.lock:
            if body.get('real'):
                self.fixed_now = None
            if 'now' in body:
                from .proto import parse_time
                self.fixed_now = parse_time(body['now'])
            if 'advance' in body:
                self.fixed_now = self.now() + float(body['advance'])
            return self.fixed_now

    # -- credentials -----------------------------------------------------
    def credential(self, akid):
        with self.lock:
            return self.data.credentials.get(akid) or self.temp_creds.get(akid)

    def expired(self, cred):
        now = self.now()
        exp = cred.get('expires')
        with self.lock:
            for k in (cred['access_key_id'], '*'):
                t = self.expire_at.get(k)
                if t is not None and (exp is None or t < exp):
                    exp = t
        return exp is not None and now >= exp

    def issue_temp(self, arn, user_id, duration):
        import secrets as _s
        akid = 'ASIASIM' + _s.token_hex(6).upper()
        cred = {'access_key_id': akid,
                'secret_access_key': _s.token_urlsafe(30)[:40],
                'session_token': 'SIMTOKEN' + _s.token_urlsafe(48),
                'expires': self.now() + duration,
                'arn': arn, 'user_id': user_id}
        with self.lock:
            self.temp_creds[akid] = cred
        return cred

    # -- stats -----------------------------------------------------------
    def count(self, service, op):
        with self.lock:
            self.stats['requests'][service][op] += 1

    def count_error(self, service, op, code):
        with self.lock:
            self.stats['errors'][service][op + ':' + code] += 1

    def bump(self, group, key, n=1):
        with self.lock:
            self.stats[group][key] += n

    def stats_json(self):
        with self.lock:
            out = {}
            for k, v in self.stats.items():
                out[k] = {a: (dict(b) if isinstance(b, dict) else b)
                          for a, b in v.items()}
            out['cloudwatch']['metrics_per_call'] = list(self.metrics_per_call)
            out['logs']['running_queries'] = sum(
                1 for q in self.queries.values()
                if q['status'] in ('Scheduled', 'Running'))
            out['recorded'] = {'hooks': len(self.hooks), 'smtp': len(self.smtp),
                               'sns': len(self.sns)}
            # flat aliases for quick assertions
            out['signature_checks'] = self.stats['signature']['checked']
            out['signature_failures'] = self.stats['signature']['failed']
            out['now'] = self.now()
            out['imds_issued'] = getattr(self, 'imds_issued', 0)
            return out

    # -- faults ----------------------------------------------------------
    def add_fault(self, rule):
        kind = rule.get('kind', 'throttle')
        if kind not in FAULT_KINDS:
            raise ValueError('unknown fault kind %r' % kind)
        r = {'service': rule.get('service', '*'),
             'operation': rule.get('operation', '*'),
             'kind': kind,
             'probability': float(rule.get('probability', 1.0)),
             'count': rule.get('count'),
             'status': int(rule.get('status', 503)),
             'code': rule.get('code'),
             'message': rule.get('message', 'injected by awssim'),
             'seconds': float(rule.get('seconds', rule.get('delay', 1.0))),
             'bytes': int(rule.get('bytes', 9 * 1024 * 1024))}
        with self.lock:
            self.faults.append(r)

    def pick_faults(self, service, op):
        """Faults that fire for this request (at most one of each kind)."""
        fired = {}
        with self.lock:
            keep = []
            for r in self.faults:
                hit = (r['service'] in ('*', service) and
                       r['operation'] in ('*', op) and
                       r['kind'] not in fired)
                if hit and r['probability'] < 1.0:
                    hit = self.rng.random() < r['probability']
                if hit:
                    fired[r['kind']] = r
                    if r['count'] is not None:
                        r['count'] = int(r['count']) - 1
                if r['count'] is None or int(r['count']) > 0:
                    keep.append(r)
            self.faults = keep
        return fired

    def faults_json(self):
        with self.lock:
            return {'rules': [dict(r) for r in self.faults],
                    'expire': dict(self.expire_at)}
