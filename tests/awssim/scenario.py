"""Scenario loading: JSON file -> in-memory data, expanding generators.

A generator entry is {"generator": "module:function", "args": {...}}.
The module is imported with tests/ on sys.path (e.g. "bench.fleet:series").
The callable is called as function(**args) and returns an iterable (list or
generator) of the same dicts a scenario file would hold at that place:
metric series for "metrics", events for a log group's "events_generator".
"""
import importlib
import json
import os
import sys

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call_generator(spec):
    if TESTS_DIR not in sys.path:
        sys.path.insert(0, TESTS_DIR)
    modname, _, fname = spec['generator'].partition(':')
    mod = importlib.import_module(modname)
    fn = getattr(mod, fname)
    return fn(**(spec.get('args') or {}))


def load_file(path):
    with open(path) as f:
        return json.load(f)


def dims_key(dims):
    """Dimensions as a hashable, order-free key."""
    if isinstance(dims, dict):
        items = dims.items()
    else:
        items = ((d['Name'] if 'Name' in d else d['name'],
                  d['Value'] if 'Value' in d else d['value']) for d in dims)
    return tuple(sorted((str(k), str(v)) for k, v in items))


class Series:
    __slots__ = ('namespace', 'name', 'dims', 'period', 'points', 'points_fn',
                 'unit')

    def __init__(self, d):
        self.namespace = d['namespace']
        self.name = d['name']
        self.dims = dims_key(d.get('dimensions') or [])
        self.period = int(d.get('period', 60))
        self.unit = d.get('unit')
        pts = d.get('points', [])
        if callable(pts):
            self.points_fn = pts
            self.points = None
        else:
            self.points_fn = None
            self.points = sorted((float(t), float(v)) for t, v in pts)

    def window(self, start, end):
        """(t, v) with start <= t < end, ascending."""
        if self.points_fn is not None:
            return sorted((float(t), float(v))
                          for t, v in self.points_fn(start, end)
                          if start <= float(t) < end)
        import bisect
        lo = bisect.bisect_left(self.points, (start, float('-inf')))
        hi = bisect.bisect_left(self.points, (end, float('-inf')))
        return self.points[lo:hi]


class Data:
    """Everything a scenario defines, indexed for the handlers."""

    def __init__(self, sc):
        self.raw = sc
        self.account = str(sc.get('account_id', '123456789012'))
        self.region = sc.get('region', 'us-east-1')
        self.seed = sc.get('seed', 1)
        self.credentials = {}
        for c in sc.get('credentials', []):
            self.add_credential(c)
        self.series = {}
        self.series_list = []
        for m in sc.get('metrics', []):
            it = call_generator(m) if 'generator' in m else [m]
            for d in it:
                s = Series(d)
                key = (s.namespace, s.name, s.dims)
                if key in self.series:
                    old = self.series[key]
                    if old.points is not None and s.points is not None:
                        old.points = sorted(old.points + s.points)
                    continue
                self.series[key] = s
                self.series_list.append(s)
        self.series_list.sort(key=lambda s: (s.namespace, s.name, s.dims))
        self.cw = sc.get('cloudwatch', {})
        self.log_groups = {}
        for g in sc.get('log_groups', []):
            evs = list(g.get('events', []))
            gen = g.get('events_generator')
            if gen:
                evs.extend(call_generator(gen))
            norm = []
            for i, e in enumerate(evs):
                norm.append((int(e['timestamp']), e.get('stream', 'stream'),
                             e['message']))
            norm.sort(key=lambda e: e[0])
            self.log_groups[g['name']] = {'meta': g, 'events': norm}
        self.logs = sc.get('logs', {})
        self.secrets = {}
        for s in sc.get('secrets', []):
            arn = s.get('arn') or 'arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf' % (
                self.region, self.account, s['name'])
            s = dict(s, arn=arn)
            self.secrets[s['name']] = s
            self.secrets[arn] = s
        self.sns = sc.get('sns', {})
        self.sts = sc.get('sts', {})
        self.imds = sc.get('imds', {})
        self.ecs = sc.get('ecs', {})
        self.sso = sc.get('sso', {})
        self.functions = sc.get('lambda', {}).get('functions', [])
        self.iam = sc.get('iam', {})
        self.hooks = sc.get('hooks', {})
        self.smtp = sc.get('smtp', {})
        self.faults = sc.get('faults', [])
        self.clock = sc.get('clock')

    def add_credential(self, c):
        exp = c.get('expires')
        if exp is not None and not isinstance(exp, (int, float)):
            from .proto import parse_time
            exp = parse_time(exp)
        self.credentials[c['access_key_id']] = {
            'access_key_id': c['access_key_id'],
            'secret_access_key': c['secret_access_key'],
            'session_token': c.get('session_token'),
            'expires': exp,
            'arn': c.get('arn') or 'arn:aws:iam::%s:user/sim' % self.account,
            'user_id': c.get('user_id') or c['access_key_id'],
        }
