#!/usr/bin/python3
"""poll = auto through the real binary and the simulator: `cwguard check`
every simulated minute for an hour over a busy function (100 requests a
minute), a quiet one (2 a minute) and a quiet one whose errors rise to
100% for ten minutes, once with poll = auto and once with poll = 1m (the
reference). The quiet functions are fetched less often and lose no
period (the same datapoints and alert state as the reference); the rise
brings its function back to every cycle and fires at most one gap later
than the reference; the simulator counts the metrics."""
import json
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMPOLL00000001', 'simSecretPoll/00000000000000000000000001')
START = T0 - 2 * 86400
END = T0 + 2 * 3600
CYCLES = 60
FIRST = T0 + 3600                   # first cycle
RISE = FIRST + 30 * 60              # rise-fn errors from here, 10 minutes

t = Tap()
d = tempfile.mkdtemp(prefix='cwg-poll.')


def series(name, fn, value):
    return {'namespace': 'AWS/Lambda', 'name': name, 'period': 60,
            'dimensions': [{'Name': 'FunctionName', 'Value': fn}],
            'points': [[p, float(value(p))] for p in range(START, END, 60)]}


scen = {
    'account_id': '123456789012', 'region': 'us-east-1', 'seed': 5,
    'clock': FIRST,
    'credentials': [{'access_key_id': KEY[0], 'secret_access_key': KEY[1],
                     'arn': 'arn:aws:iam::123456789012:user/poll'}],
    'cloudwatch': {'max_datapoints_per_call': 100800},
    'metrics': [
        {'generator': 'awssim.gen:fleet',
         'args': {'n': 1, 'prefix': 'busy-', 'start': START,
                  'periods': (END - START) // 60, 'period': 60,
                  'requests': 100.0, 'error_rate': 0.01, 'seed': 4}},
        series('Invocations', 'quiet-fn', lambda p: 2 + (p // 60) % 2),
        series('Errors', 'quiet-fn', lambda p: 0),
        series('Invocations', 'rise-fn', lambda p: 2 + (p // 60) % 2),
        series('Errors', 'rise-fn',
               lambda p: 2 if RISE <= p < RISE + 600 else 0),
    ]}
scen_path = write(os.path.join(d, 'scen.json'), json.dumps(scen))
sim = Sim(scen_path)


def conf(name, extra=''):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n%s'
                 % (d, name, extra))


def check(cfg, now):
    sim.ctl('POST', 'clock', {'now': now})
    e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                  AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(now))
    return run(['-c', cfg, 'check'], e)


def rows(db, sql, args=()):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def pace(db, fn):
    r = rows(db, "SELECT value FROM meta WHERE key = ?",
             ('watch:fns:0:' + fn,))
    return dict(kv.split('=') for kv in r[0][0].split()) if r else {}


def points(db, fn, upto):
    return rows(db, 'SELECT d.period_start, d.requests, d.errors FROM '
                'datapoint d JOIN series s ON s.id = d.series WHERE '
                's.entity = ? AND d.period_start <= ? ORDER BY 1', (fn, upto))


def alert(db, fn):
    r = rows(db, 'SELECT a.state, a.since, a.last_period FROM alert a '
             'JOIN series s ON s.id = a.series WHERE s.entity = ?', (fn,))
    return r[0] if r else None


def day(name, extra):
    """CYCLES checks a minute apart: per cycle the metrics asked and, per
    function, whether it was polled (its pace row says polled = now)."""
    c = conf(name, extra)
    db = os.path.join(d, name + '.db')
    out = {'metrics': [], 'polled': {f: [] for f in
                                     ('busy-00000', 'quiet-fn', 'rise-fn')},
           'gap': {f: [] for f in ('quiet-fn', 'rise-fn')}, 'fails': [],
           'state': []}
    for i in range(CYCLES):
        now = FIRST + 60 * i
        sim.ctl('POST', 'reset')
        rc, so, se = check(c, now)
        if rc not in (0, 1, 2):
            out['fails'].append((i, rc, so + se))
        out['metrics'].append(
            sim.ctl('GET', 'stats')['cloudwatch']['metrics_requested'])
        for f in out['polled']:
            p = pace(db, f)
            out['polled'][f].append(int(p.get('polled', 0)) == now)
        for f in out['gap']:
            out['gap'][f].append(int(pace(db, f).get('gap', 0)))
        a = alert(db, 'rise-fn')
        out['state'].append(a[0] if a else -1)
    out['db'] = db
    return out


try:
    ref = day('ref', 'poll = 1m\n')
    aut = day('auto', '')
    t.ok(not ref['fails'] and not aut['fails'], 'every check ran',
         ref['fails'][:2] + aut['fails'][:2])
    # the reference polls everything every cycle: 6 metrics after the
    # bootstrap; auto asks for busy-00000 every cycle, the quiet ones less
    t.ok(all(m == 6 for m in ref['metrics'][1:]),
         'poll = 1m: 3 functions x 2 metrics every cycle', ref['metrics'])
    pre = range(1, 30)                 # before the rise
    t.ok(all(aut['polled']['busy-00000'][i] for i in range(CYCLES)),
         'auto: the busy function is polled every cycle')
    nq = sum(aut['polled']['quiet-fn'][i] for i in pre)
    t.ok(2 <= nq <= 5, 'auto: the quiet function is polled every ~8 '
         'cycles (%d of 29)' % nq, aut['polled']['quiet-fn'])
    t.ok(all(g == 8 for g in aut['gap']['quiet-fn'][1:]),
         'auto: its gap is min_requests / 2.5 a minute = 8 cycles',
         aut['gap']['quiet-fn'])
    ma, mr = sum(aut['metrics'][1:30]), sum(ref['metrics'][1:30])
    t.ok(ma < 0.5 * mr and ma >= 2 * 29,
         'auto asked %d metrics before the rise, poll = 1m %d' % (ma, mr),
         aut['metrics'])
    # no period lost: up to the quiet function's newest judged period the
    # stored datapoints and alert state are the reference's
    for f in ('quiet-fn', 'rise-fn'):
        la = alert(aut['db'], f)
        lr = alert(ref['db'], f)
        upto = la[2] if la else 0
        pa, pr = points(aut['db'], f, upto), points(ref['db'], f, upto)
        t.ok(la is not None and upto >= FIRST + 60 * (CYCLES - 1) - 180 -
             60 * 8 - 60, '%s: judged up to %d, at most a gap behind' %
             (f, upto), la)
        t.ok(pa == pr and len(pa) > 0, '%s: every period stored as with '
             'poll = 1m (%d periods)' % (f, len(pa)),
             '%s\n%s' % (pa[-5:], pr[-5:]))
        per = [p[0] for p in pa if p[0] >= FIRST - 600]
        t.ok(per == list(range(per[0], upto + 60, 60)) if per else False,
             '%s: no period missing since the first cycle' % f)
    # the rise: fired (state 2) at most one gap after the reference, and
    # polled every cycle from the poll that saw it until it resolved
    fr = [i for i in range(CYCLES) if ref['state'][i] == 2]
    fa = [i for i in range(CYCLES) if aut['state'][i] == 2]
    t.ok(len(fr) > 0, 'poll = 1m: rise-fn fired at cycle %s' %
         (fr[:1],), ref['state'])
    t.ok(len(fa) > 0 and 0 <= fa[0] - fr[0] <= 8,
         'auto: rise-fn fired at cycle %s, at most a gap (8) later' %
         (fa[:1],), aut['state'])
    ra, rr = alert(aut['db'], 'rise-fn'), alert(ref['db'], 'rise-fn')
    t.ok(ra is not None and rr is not None and ra[1] == rr[1],
         'auto: the same period entered the last state', (ra, rr))
    if fa:
        end = max(fa)
        t.ok(all(aut['polled']['rise-fn'][i] for i in range(fa[0], end + 2)),
             'auto: polled every cycle from the poll that saw the rise '
             'until it resolved (cycles %d-%d)' % (fa[0], end + 1),
             aut['polled']['rise-fn'])
        t.ok(all(g == 1 for g in aut['gap']['rise-fn'][fa[0]:end + 1]),
             'auto: its gap is 1 while firing', aut['gap']['rise-fn'])
        t.ok(all(g == 8 for g in aut['gap']['rise-fn'][1:fa[0]]),
             'auto: until the poll that saw the rise its gap was 8',
             aut['gap']['rise-fn'])
    # a pace row written before poll = auto (three fields) reads as
    # unknown traffic: polled at the next cycle, then written in full
    db = aut['db']
    c = sqlite3.connect(db)
    c.execute("UPDATE meta SET value = 'boot=%d polled=%d traffic=%d' "
              "WHERE key = 'watch:fns:0:quiet-fn'" % (
                  FIRST, FIRST + 60 * (CYCLES - 1), FIRST + 60 * (CYCLES - 5)))
    c.commit()
    c.close()
    now = FIRST + 60 * CYCLES
    rc, so, se = check(conf('auto'), now)
    p = pace(db, 'quiet-fn')
    t.ok(rc in (0, 1, 2) and int(p.get('polled', 0)) == now and
         int(p.get('gap', 0)) > 1 and float(p.get('rate', -1)) > 0,
         'an old pace row: polled at once, then rate and gap written', p)
finally:
    sim.stop()
sys.exit(t.done())
