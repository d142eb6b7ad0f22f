#!/usr/bin/python3
"""The count path through the real binary against the simulator (issue 13):
the throttles signal (Throttles / (Invocations + Throttles)) in a storm,
with no invocations at all and on a function URL; a sustained 3x rise that
no window shows fires by the sequential test in `backtest` and in `check`;
and the evidence gathered by one `check` process is kept by the next.
Scenarios are built here, period 60 s; the clock is pinned."""
import calendar
import json
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
P = 60
HIST = 2 * 86400                    # history before T0
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'watch-quiet.json'))
d = tempfile.mkdtemp(prefix='cwg-seq.')


def series(ns, name, fn, points):
    return {'namespace': ns, 'name': name, 'period': P,
            'dimensions': [{'Name': 'FunctionName', 'Value': fn}],
            'points': [[ts, float(v)] for ts, v in points]}


def scenario(metrics):
    sim.ctl('POST', 'scenario', {
        'account_id': '123456789012', 'region': 'us-east-1', 'seed': 1,
        'clock': T0,
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1],
                         'arn': 'arn:aws:iam::123456789012:user/t'}],
        'cloudwatch': {'max_datapoints_per_call': 100800},
        'metrics': metrics})


def conf(name, signals):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n'
                 'signals = %s\n' % (d, name, signals))


def env(now):
    return clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                     AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(now))


def check(cfg, now):
    sim.ctl('POST', 'clock', {'now': now})
    return run(['-c', cfg, '--format', 'json', 'check'], env(now))


def jlines(out):
    return [json.loads(x) for x in out.splitlines() if x.startswith('{')]


def firing(out, entity=None, signal=None):
    return [a for a in jlines(out) if a.get('type') == 'alert' and
            a.get('status') == 'firing' and
            (entity is None or a.get('entity') == entity) and
            (signal is None or a.get('signal') == signal)]


def epoch(s):
    return calendar.timegm(time.strptime(s, '%Y-%m-%dT%H:%M:%SZ'))


def minutes(a, b):
    return range(a, b, P)


try:
    # 1. throttles: AWS leaves throttled requests out of Invocations
    START, STORM = T0 - HIST, T0 - 600
    m = []
    # storm-fn: 100 invocations a minute, then 400 throttles a minute
    m.append(series('AWS/Lambda', 'Invocations', 'storm-fn',
                    [(ts, 100) for ts in minutes(START, T0)]))
    m.append(series('AWS/Lambda', 'Throttles', 'storm-fn',
                    [(ts, 400 if ts >= STORM else 0)
                     for ts in minutes(START, T0)]))
    # zero-fn: no invocation at all in the storm, 500 throttles a minute
    m.append(series('AWS/Lambda', 'Invocations', 'zero-fn',
                    [(ts, 100) for ts in minutes(START, STORM)]))
    m.append(series('AWS/Lambda', 'Throttles', 'zero-fn',
                    [(ts, 500 if ts >= STORM else 0)
                     for ts in minutes(START, T0)]))
    # url-fn: every request through its URL; a throttled one is a 429
    # in Url4xxCount and counted by UrlRequestCount, not by Invocations
    m.append(series('AWS/Lambda', 'Invocations', 'url-fn',
                    [(ts, 80) for ts in minutes(START, T0)]))
    m.append(series('AWS/Lambda', 'Throttles', 'url-fn',
                    [(ts, 20 if ts >= STORM else 0)
                     for ts in minutes(START, T0)]))
    m.append(series('AWS/Lambda', 'UrlRequestCount', 'url-fn',
                    [(ts, 100 if ts >= STORM else 80)
                     for ts in minutes(START, T0)]))
    m.append(series('AWS/Lambda', 'Url4xxCount', 'url-fn',
                    [(ts, 20 if ts >= STORM else 0)
                     for ts in minutes(START, T0)]))
    scenario(m)
    c = conf('thr', 'throttles, 4xx')
    rc, out, err = check(c, T0)
    f = {(a['entity'], a['signal']): a for a in firing(out)}
    a = f.get(('storm-fn', 'throttles'), {})
    t.ok(rc == 2 and a.get('requests') == 500 and a.get('errors') == 400 and
         abs(a.get('value', 0) - 0.8) < 1e-9,
         'throttles storm: 400 throttles beside 100 invocations fire at '
         '400/500 = 80%', '%d %s %s' % (rc, out, err))
    a = f.get(('zero-fn', 'throttles'), {})
    t.ok(a.get('requests') == 500 and a.get('value') == 1,
         'throttles, 0 invocations: 500 throttles are judged (100%), not '
         '"no requests"', out)
    a = f.get(('url-fn', 'throttles'), {})
    b = f.get(('url-fn', '4xx'), {})
    t.ok(a.get('requests') == 100 and a.get('errors') == 20 and
         b.get('requests') == 100 and b.get('errors') == 20,
         'function URL: throttles over Invocations + Throttles match the '
         'URL\'s 429s over UrlRequestCount (20/100 both)', out)
    t.ok(all(x.get('trigger') == 'window' for x in f.values()) and
         len(f) == 4, 'throttles: four firings, each by the window test',
         sorted(f))

    # 2. a sustained 3x rise no window shows: 100 requests a minute, one
    # error every 3 minutes, then one a minute from RISE on (never 5 in a
    # period, the window test's min_errors)
    RISE = T0 + 3600
    END = RISE + 3 * 3600

    def errs(ts):
        if ts >= RISE:
            return 1
        return 1 if (ts // P) % 3 == 0 else 0
    scenario([series('AWS/Lambda', 'Invocations', 'seq-fn',
                     [(ts, 100) for ts in minutes(START, END)]),
              series('AWS/Lambda', 'Errors', 'seq-fn',
                     [(ts, errs(ts)) for ts in minutes(START, END)])])
    c = conf('bt', 'errors')
    sim.ctl('POST', 'clock', {'now': END})
    rc, out, err = run(['-c', c, '--format', 'json', 'backtest',
                        '--from', str(T0), '--to', str(END)], env(END))
    f = firing(out, 'seq-fn', 'errors')
    t.ok(rc == 0 and len(f) == 1, 'backtest: the 3x rise fires once',
         '%d %s %s' % (rc, out, err))
    a = f[0] if f else {}
    fired = epoch(a['at']) - P if 'at' in a else 0
    t.ok(a.get('trigger') == 'sequential' and
         RISE + 10 * P <= fired <= RISE + 45 * P,
         'backtest: by the sequential test, 10-45 min into the rise '
         '(Wald: ~23)', a)
    t.ok(epoch(a.get('span_start', '1970-01-01T00:00:00Z')) == RISE and
         a.get('span_periods') == (fired - RISE) // P + 1 and
         a.get('errors') == a.get('span_periods') and
         a.get('requests') == 100 * a.get('span_periods', 0) and
         a.get('llr', 0) >= 9.9 and a.get('p_value', 1) < 1e-5,
         'backtest: why = span from the rise, its errors and requests, '
         'LLR >= h, p-value of the span', a)
    bt_fired = fired

    # 3. check every 10 minutes in separate processes: the evidence
    # survives each exit. A process that started from S = 0 would need
    # ~23 periods of the rise and could not fire within its 10; fired at
    # the period the backtest fired, the evidence was kept.
    c = conf('live', 'errors')
    now = RISE - 5 * P
    rc, out, err = check(c, now)
    t.ok(rc == 0, 'check: quiet before the rise', out + err)
    db = os.path.join(d, 'live.db')
    llrs, hit = [], None
    for now in range(RISE + 10 * P, RISE + 61 * P, 10 * P):
        rc, out, err = check(c, now)
        r = sqlite3.connect(db).execute(
            'SELECT q.llr, q.since FROM seqstate q JOIN series s ON '
            's.id = q.series WHERE s.entity = ?', ('seq-fn',)).fetchall()
        llrs.append((now, rc, r[0] if r else None))
        if firing(out, 'seq-fn'):
            hit = (now, firing(out, 'seq-fn')[0], out)
            break
    grow = [x for x in llrs if x[1] == 0]
    t.ok(len(grow) >= 2 and all(x[2] and x[2][1] == RISE for x in grow) and
         all(grow[i][2][0] < grow[i + 1][2][0] for i in
             range(len(grow) - 1)),
         'check: across processes the stored evidence grows from the '
         'rise on', llrs)
    a = hit[1] if hit else {}
    t.ok(hit is not None and epoch(a['at']) - P == bt_fired and
         a.get('trigger') == 'sequential',
         'check: a later process fires at the period the backtest fired',
         llrs)
    t.ok(hit is not None and epoch(a.get('span_start', '1970-01-01T00:00:'
                                         '00Z')) == RISE and
         a.get('span_periods', 0) > (hit[0] - (grow[-1][0] if grow else 0))
         // P, 'check: its span starts at the rise, more periods than '
         'that process judged (kept, not recomputed)', a)
    summ = [x for x in jlines(hit[2] if hit else '')
            if x.get('type') == 'check']
    t.ok(summ and summ[-1].get('llr_max', 0) >= 9.9 and
         'sequential over' in summ[-1].get('message', ''),
         'check: the status names the test, llr_max in the summary', summ)
    later = (hit[0] if hit else END) + P
    sim.ctl('POST', 'clock', {'now': later})
    rc, out, err = run(['-c', c, 'check'], env(later))
    t.ok(rc == 2 and "'llr_max'=" in out and 'sequential over' in out,
         'check: Nagios output says why, llr_max in the perfdata', out)
finally:
    sim.stop()
sys.exit(t.done())
