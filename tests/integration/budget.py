#!/usr/bin/python3
"""[cwguard] budget through the real binary and the simulator: 20 busy
functions (10 at 30 requests a minute, 10 at 300) cost $17.52 a month of
GetMetricData polled every minute; with budget = 12 the metrics the
simulator counts over 45 checks a minute apart, priced ($0.01 per 1,000)
and extrapolated to a month (730 h), stay under $12; the stretched
functions are the quietest; `status` and the cycle row say so."""
import json
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBUDGET000001', 'simSecretBudget/000000000000000000000001')
START = T0 - 2 * 86400
FIRST = T0 + 3600
N = 45
MONTH = 730 * 3600
BUDGET = 12.0

t = Tap()
d = tempfile.mkdtemp(prefix='cwg-budget.')


def fleet(prefix, rpm):
    return {'generator': 'awssim.gen:fleet',
            'args': {'n': 10, 'prefix': prefix, 'start': START,
                     'periods': (FIRST + 3 * 3600 - START) // 60,
                     'period': 60, 'requests': rpm, 'error_rate': 0.01,
                     'seed': 9}}


scen = {'account_id': '123456789012', 'region': 'us-east-1', 'seed': 5,
        'clock': FIRST,
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1],
                         'arn': 'arn:aws:iam::123456789012:user/budget'}],
        'cloudwatch': {'max_datapoints_per_call': 100800},
        'metrics': [fleet('low-', 30.0), fleet('high-', 300.0)]}
sim = Sim(write(os.path.join(d, 'scen.json'), json.dumps(scen)))


def env(now):
    return clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                     AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(now))


def conf(name, extra):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n%s[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n'
                 % (d, name, extra))


def cycles(c):
    """Metrics the simulator counted after the bootstrap cycle."""
    total, fails = 0, []
    for i in range(N + 1):
        now = FIRST + 60 * i
        sim.ctl('POST', 'clock', {'now': now})
        sim.ctl('POST', 'reset')
        rc, out, err = run(['-c', c, 'check'], env(now))
        if rc not in (0, 1, 2):
            fails.append((i, rc, out + err))
        if i > 0:
            total += sim.ctl('GET', 'stats')['cloudwatch'][
                'metrics_requested']
    return total, fails


def usd(metrics):
    return metrics * 0.01 / 1000 * MONTH / (N * 60.0)


try:
    free = conf('free', '')
    m0, f0 = cycles(free)
    cap = conf('capped', 'budget = %g\n' % BUDGET)
    m1, f1 = cycles(cap)
    t.ok(not f0 and not f1, 'every check ran', (f0 + f1)[:2])
    t.ok(usd(m0) > BUDGET, 'without a budget: %d metrics, $%.2f a month'
         % (m0, usd(m0)))
    t.ok(usd(m1) <= BUDGET, 'budget = %g: %d metrics, $%.2f a month'
         % (BUDGET, m1, usd(m1)))
    t.ok(usd(m1) >= 0.8 * BUDGET, 'and not far under it (%.2f)' % usd(m1))
    db = sqlite3.connect(os.path.join(d, 'capped.db'))
    gaps = {}
    for k, v in db.execute("SELECT key, value FROM meta WHERE key LIKE "
                           "'watch:fns:%'"):
        f = dict(x.split('=') for x in v.split())
        gaps[k.split(':')[-1]] = int(f.get('gap', 1))
    low = sorted(g for n, g in gaps.items() if n.startswith('low-'))
    high = sorted(g for n, g in gaps.items() if n.startswith('high-'))
    t.ok(len(low) == 10 and len(high) == 10, 'pace rows of all 20', gaps)
    t.ok(all(g == 1 for g in high), 'the busiest are never stretched',
         high)
    t.ok(sum(1 for g in low if g > 1) >= 5,
         'the quietest are stretched (%d of 10)' %
         sum(1 for g in low if g > 1), low)
    msg = db.execute("SELECT message FROM cycle WHERE source = 'fns' "
                     "ORDER BY time DESC LIMIT 1").fetchone()
    db.close()
    t.ok(msg is not None and 'stretched' in msg[0] and
         '$%.2f a month' % BUDGET in msg[0],
         'the cycle row names what the budget stretched', msg)
    rc, out, err = run(['-c', cap, 'status'], env(FIRST + 60 * N))
    t.ok(rc == 0 and 'stretched' in out, 'status shows it', out + err)
    # two watches share one budget: each sees what the other projected
    # (in this process, else its last cycle's row in the state database)
    two = write(os.path.join(d, 'two.conf'),
                '[cwguard]\nstate = %s/two.db\nbudget = %g\n[aws]\nregion = '
                'us-east-1\n[watch lows]\nkind = lambda\nfunctions = low-*'
                '\n[watch highs]\nkind = lambda\nfunctions = high-*\n'
                % (d, BUDGET))
    m2, f2 = cycles(two)
    t.ok(not f2 and usd(m2) <= BUDGET, 'two watches, one budget = %g: %d '
         'metrics, $%.2f a month' % (BUDGET, m2, usd(m2)), f2[:2])
    db = sqlite3.connect(os.path.join(d, 'two.db'))
    proj = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE "
                           "'budget:%'").fetchall())
    db.close()
    t.ok(set(proj) == {'budget:lows', 'budget:highs'} and
         sum(float(v) for v in proj.values()) <= BUDGET + 1e-6,
         'each watch keeps its projection; together under the budget',
         proj)
finally:
    sim.stop()
sys.exit(t.done())
