#!/usr/bin/python3
"""Cost-delay benchmark of poll = auto (issue 16): `cwguard check` every
simulated minute for a day (CWGUARD_NOW and the simulator's clock stepped
together) over a mixed fleet of Lambda functions (0.2 to 3000 requests a
minute, 1% errors) with labelled incidents (errors at 30% for 20
minutes), once with poll = 1m (before) and once with poll = auto (after),
side by side in one run against one simulator. Reports GetMetricData $
per entity-signal-month (metrics the simulator counted after the
bootstrap cycle x $0.01/1000 x 730 h / 24 h), its ratio to a native
error-ratio alarm ($0.20), recall of the detectable incidents (those the
poll = 1m run detects) and the median delay from incident start to the
first check that reports it firing; then `config cost` of the auto run
against what the simulator counted. A benchmark, not a test (see
bench/README-perf.md).

usage: bench/cost_delay.py [--minutes N] [--seed S]
env:   BUILDDIR (default .), SIM_PYTHON (/usr/bin/python3)"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))
os.environ.setdefault('CWGUARD', os.path.join(
    os.environ.get('BUILDDIR', '.'), 'cwguard'))
from cwgtest import Sim, clean_env, run, write  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z: the day
KEY = ('AKIDSIMBENCH0000001', 'simSecretBench/00000000000000000000000001')
RPM = [0.2, 0.5, 1, 2, 3, 5, 10, 20, 50, 100, 300, 1000, 3000]
PRICE = 0.01 / 1000
NATIVE_RATIO = 0.20


def build(seed, minutes):
    rnd = random.Random(seed)
    start, end = T0 - 2 * 86400, T0 + minutes * 60 + 3600
    fns, metrics, incidents = [], [], []
    for k, rpm in enumerate(RPM * 2):
        fn = 'fn-%02d-%g' % (k, rpm)
        fns.append(fn)
        inc = None
        if k % 2 == 0 and minutes >= 120:   # every other function
            a = T0 + rnd.randrange(60, minutes - 60) * 60
            inc = (a, a + 20 * 60)
            incidents.append((fn, rpm, inc[0]))
        inv, err = [], []
        for p in range(start, end, 60):
            n = max(0, round(rnd.gauss(rpm, rpm ** .5))) if rpm >= 5 else \
                sum(1 for _ in range(int(rpm * 10)) if rnd.random() < .1) \
                if rpm >= 1 else (1 if rnd.random() < rpm else 0)
            rate = 0.3 if inc and inc[0] <= p < inc[1] else 0.01
            e = sum(1 for _ in range(n) if rnd.random() < rate) if n < 200 \
                else max(0, round(rnd.gauss(n * rate, (n * rate) ** .5)))
            inv.append([p, float(n)])
            err.append([p, float(e)])
        for name, pts in (('Invocations', inv), ('Errors', err)):
            metrics.append({'namespace': 'AWS/Lambda', 'name': name,
                            'period': 60, 'points': pts, 'dimensions': [
                                {'Name': 'FunctionName', 'Value': fn}]})
    scen = {'account_id': '123456789012', 'region': 'us-east-1',
            'seed': seed, 'clock': T0,
            'credentials': [{'access_key_id': KEY[0],
                             'secret_access_key': KEY[1],
                             'arn': 'arn:aws:iam::123456789012:user/b'}],
            'cloudwatch': {'max_datapoints_per_call': 100800},
            'metrics': metrics}
    return scen, fns, incidents


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=int, default=1440)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--budget', type=float, default=0,
                    help='also a run with poll = auto and this budget')
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix='cwg-costdelay.')
    scen, fns, incidents = build(a.seed, a.minutes)
    sim = Sim(write(os.path.join(d, 'scen.json'), json.dumps(scen)))
    runs = {'before (poll = 1m)': 'poll = 1m\n', 'after (poll = auto)': ''}
    if a.budget > 0:
        runs['after (auto, budget = %g)' % a.budget] = 'budget = %g\n' % \
            a.budget
    cfg, met, first, dbs = {}, {}, {}, {}
    for i, (name, extra) in enumerate(runs.items()):
        cfg[name] = write(os.path.join(d, 'c%d.conf' % i),
                          '[cwguard]\nstate = %s/s%d.db\n%s[aws]\nregion = '
                          'us-east-1\n[watch fns]\nkind = lambda\nfunctions'
                          ' = *\n%s' % (d, i, extra if 'budget' in extra
                                         else '', '' if 'budget' in extra
                                         else extra))
        dbs[name] = os.path.join(d, 's%d.db' % i)
        met[name] = 0
        first[name] = {}
    t0 = time.monotonic()
    try:
        for m in range(a.minutes):
            now = T0 + 60 * m
            sim.ctl('POST', 'clock', {'now': now})
            for name in runs:
                sim.ctl('POST', 'reset')
                e = clean_env(AWS_ACCESS_KEY_ID=KEY[0],
                              AWS_SECRET_ACCESS_KEY=KEY[1],
                              AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(now))
                rc, out, err = run(['-c', cfg[name], 'check'], e)
                if rc not in (0, 1, 2):
                    sys.exit('check failed at %d: %s%s' % (now, out, err))
                if m > 0:
                    met[name] += sim.ctl('GET', 'stats').get(
                        'cloudwatch', {}).get('metrics_requested', 0)
                c = sqlite3.connect(dbs[name])
                for (ent,) in c.execute(
                        'SELECT s.entity FROM alert a JOIN series s ON '
                        's.id = a.series WHERE a.state = 2'):
                    first[name].setdefault(ent, []).append(now)
                c.close()
        # config cost of the auto run against the day it ran
        name = 'after (poll = auto)'
        e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                      AWS_ENDPOINT_URL=sim.url,
                      CWGUARD_NOW=str(T0 + 60 * (a.minutes - 1)))
        rc, out, err = run(['-c', cfg[name], '--format', 'json', 'config',
                            'cost', '--offline'], e)
        est = json.loads(out.splitlines()[0])['watches'][0]
    finally:
        sim.stop()
    wall = time.monotonic() - t0
    months = (a.minutes - 1) * 60 / (730 * 3600.0)

    def detected(name, fn, start):
        ts = [x for x in first[name].get(fn, []) if start <= x <=
              start + 3 * 3600]
        return ts[0] - start if ts else None

    print('fleet: %d Lambda functions (%s requests/min, twice), signal '
          'errors; %d incidents (30%% errors for 20 min); %d one-minute '
          'checks; seed %d; wall %.0f s' % (len(fns), ', '.join(
              '%g' % r for r in RPM), len(incidents), a.minutes, a.seed,
              wall))
    det = [(fn, rpm, s) for fn, rpm, s in incidents
           if detected('before (poll = 1m)', fn, s) is not None]
    print('detectable (detected with poll = 1m): %d of %d' %
          (len(det), len(incidents)))
    print('| run | metrics | $ / entity-signal-month | x native ratio alarm'
          ' ($0.20) | recall | median delay s | max delay s |')
    print('|---|---|---|---|---|---|---|')
    for name in runs:
        usd = met[name] * PRICE / months / len(fns)
        ds = [detected(name, fn, s) for fn, _, s in det]
        hit = [x for x in ds if x is not None]
        print('| %s | %d | %.4f | %.2f | %s | %s | %s |' % (
            name, met[name], usd, usd / NATIVE_RATIO,
            '%.2f' % (len(hit) / len(det)) if det else '-',
            '%.0f' % statistics.median(hit) if hit else '-',
            '%.0f' % max(hit) if hit else '-'))
    print('| function | requests/min | delay s: %s |' % ' | '.join(runs))
    print('|---|---|%s' % ('---|' * len(runs)))
    for fn, rpm, s in det:
        print('| %s | %g | %s |' % (fn, rpm, ' | '.join(
            str(detected(name, fn, s)) for name in runs)))
    busy = [fn for fn, r in zip(fns, RPM * 2) if r >= 20]
    print('busy functions (>= min_requests 20 a minute): %d of %d; polled '
          'every cycle they alone cost $%.4f per entity-signal-month of '
          'the fleet' % (len(busy), len(fns), len(busy) * 2 * PRICE *
                         730 * 60 / len(fns)))
    day = met['after (poll = auto)'] * 86400 / ((a.minutes - 1) * 60.0)
    print('config cost (auto, offline, at the end): %.0f metrics a day; '
          'the simulator counted %.0f a day (%+.1f%%)' % (
              est['metrics_per_day'], day,
              100 * (est['metrics_per_day'] / day - 1) if day else 0))
    print('config cost tiers: %s' % json.dumps(est.get('tiers')))


main()
