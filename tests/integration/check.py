#!/usr/bin/python3
"""`cwguard check` through the real binary against the simulator: Nagios
exit codes and output, pending across restarts, late datapoints, paging,
the idle back-off, --dry-run, credentials failures and overlapping runs.
The clock is pinned with CWGUARD_NOW (and the simulator's clock)."""
import copy
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import CWGUARD, Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
SCEN = os.path.join(TESTS, 'scenarios')

t = Tap()
sim = Sim(os.path.join(SCEN, 'watch-quiet.json'))
d = tempfile.mkdtemp(prefix='cwg-check.')


def load(name):
    with open(os.path.join(SCEN, name)) as f:
        return json.load(f)


def scenario(sc):
    sim.ctl('POST', 'scenario', sc)


def conf(name, extra=''):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n%s'
                 % (d, name, extra))


def env(**kw):
    e = dict(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
             AWS_ENDPOINT_URL=sim.url)
    e.update(kw)
    return clean_env(**e)


def check(cfg, now, *args, json_out=False, e=None):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    argv = ['-c', cfg] + (['--format', 'json'] if json_out else []) + \
        ['check'] + list(args)
    return run(argv, e or env(CWGUARD_NOW=str(T0 + now)))


def jlines(out):
    return [json.loads(x) for x in out.splitlines() if x.startswith('{')]


def perf(out):
    """perfdata of the status line as a dict."""
    _, _, p = out.partition('|')
    r = {}
    for item in p.split():
        k, _, v = item.partition('=')
        r[k.strip("'")] = v.split(';')[0]
    return r


def db_rows(path, sql, args=()):
    c = sqlite3.connect(path)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def db_dump(path):
    c = sqlite3.connect(path)
    try:
        return '\n'.join(c.iterdump())
    finally:
        c.close()


def datapoint(db, entity, start):
    r = db_rows(db, 'SELECT d.requests, d.errors FROM datapoint d JOIN '
                'series s ON s.id = d.series WHERE s.entity = ? AND '
                'd.period_start = ?', (entity, start))
    return r[0] if r else None


try:
    # 1. quiet: OK, one status line with perfdata
    c = conf('quiet')
    rc, out, err = check(c, 1200)
    t.ok(rc == 0, 'quiet: exit 0', 'exit %d\n%s%s' % (rc, out, err))
    t.ok(out.startswith('CWGUARD OK - ') and len(out.splitlines()) == 1,
         'quiet: one OK status line', out)
    p = perf(out)
    t.ok(p.get('firing') == '0' and p.get('pending') == '0' and
         p.get('entities') == '4' and p.get('findings') == '0',
         'quiet: perfdata firing 0, pending 0, entities 4', out)
    t.ok(int(p.get('metrics_requested', 0)) == 16,
         'quiet: first cycle asks 8 metrics + 8 for the bootstrap',
         out)
    rows = db_rows(os.path.join(d, 'quiet.db'), 'SELECT source, ok FROM '
                   'cycle')
    t.ok(('fns', 1) in rows, 'quiet: the cycle is recorded', rows)

    # 2. idle back-off: idle-fn has no traffic for two days
    sim.ctl('POST', 'reset')
    rc, out, err = check(c, 1260)
    st = sim.ctl('GET', 'stats')['cloudwatch']
    t.ok(rc == 0 and int(perf(out)['metrics_requested']) == 6 and
         st['metrics_requested'] == 6,
         'idle: second cycle skips the idle function (6 metrics)',
         '%s\n%s' % (out, st))
    sim.ctl('POST', 'reset')
    rc, out, err = check(c, 1320)
    st = sim.ctl('GET', 'stats')['cloudwatch']
    t.ok(st['metrics_requested'] == 6, 'idle: third cycle skips it too',
         st)
    # it shows traffic: polled at its idle_interval, then every cycle
    sc = load('watch-quiet.json')
    for m in sc['metrics']:
        dims = m.get('dimensions') or [{}]
        if dims[0].get('Value') == 'idle-fn':
            m['points'] += [[T0 + 1800 + 60 * i, 30.0 if
                             m['name'] == 'Invocations' else 0.0]
                            for i in range(30)]
    scenario(sc)
    rc, out, err = check(c, 1260 + 960)
    st = sim.ctl('GET', 'stats')['cloudwatch']
    t.ok(rc == 0 and st['metrics_requested'] == 8,
         'idle: polled again after idle_interval (15m)', '%s\n%s' % (out, st))
    sim.ctl('POST', 'reset')
    rc, out, err = check(c, 1260 + 1020)
    st = sim.ctl('GET', 'stats')['cloudwatch']
    t.ok(st['metrics_requested'] == 8,
         'idle: with traffic it is polled every cycle again', st)

    # 3. a 5xx-style spike: CRITICAL with entity and JSON fields
    scenario(load('watch-spike.json'))
    c = conf('spike')
    rc, out, err = check(c, 1200, json_out=True)
    js = jlines(out)
    alerts = [j for j in js if j.get('type') == 'alert']
    summ = [j for j in js if j.get('type') == 'check']
    t.ok(rc == 2, 'spike: exit 2 (CRITICAL)', 'exit %d\n%s%s' % (rc, out,
                                                                  err))
    a = alerts[0] if alerts else {}
    t.ok(len(alerts) == 1 and a.get('watch') == 'fns' and
         a.get('entity') == 'fn-00001' and a.get('signal') == 'errors' and
         a.get('status') == 'firing', 'spike: one firing alert for '
         'fns/fn-00001 errors', out)
    # judged from 00:07 (now 00:20, lag 3m, reread 10m): pending at 00:07,
    # firing at the end of 00:08
    t.ok(a.get('at') == '2026-01-01T00:09:00Z',
         'spike: at is the end of the second anomalous period', a)
    t.ok(isinstance(a.get('errors'), int) and a['errors'] >= 40 and
         isinstance(a.get('requests'), int) and a['requests'] > a['errors']
         and abs(a['value'] - a['errors'] / a['requests']) < 1e-9 and
         0 < a.get('baseline', 0) < 0.05 and a.get('p_value', 1) < 1e-6,
         'spike: value = errors/requests, baseline ~1%, tiny p_value', a)
    t.ok(summ and summ[-1].get('status') == 'CRITICAL' and
         summ[-1].get('firing') == 1, 'spike: JSON summary says CRITICAL',
         out)
    rc, out, err = check(c, 1260)
    t.ok(rc == 2 and out.startswith('CWGUARD CRITICAL - fns/fn-00001 '
                                    'errors firing (') and
         "'firing'=1;;;0" in out,
         'spike: still firing next cycle, named in the status line', out)
    rc2, out2, _ = check(c, 1260, json_out=True)
    t.ok(rc2 == 2 and not [j for j in jlines(out2) if j['type'] == 'alert'],
         'spike: the same cycle again notifies nothing new', out2)

    # 4. pending, then a restart: the second run fires, not re-pends
    c = conf('pend')
    rc, out, err = check(c, 540)
    t.ok(rc == 1 and out.startswith('CWGUARD WARNING - fns/fn-00001 errors '
                                    'pending'),
         'pending: for = 2, one anomalous period: WARNING', out + err)
    rc, out, err = check(c, 540)
    t.ok(rc == 1, 'pending: the same period again stays pending', out)
    rows = db_rows(os.path.join(d, 'pend.db'),
                   'SELECT a.state, a.consecutive_anomalous FROM alert a '
                   'JOIN series s ON s.id = a.series WHERE s.entity = ?',
                   ('fn-00001',))
    t.ok(rows == [(1, 1)], 'pending: one anomalous period counted once',
         rows)
    rc, out, err = check(c, 600, json_out=True)
    al = [j for j in jlines(out) if j['type'] == 'alert']
    t.ok(rc == 2 and len(al) == 1 and al[0]['status'] == 'firing' and
         al[0]['at'] == '2026-01-01T00:07:00Z',
         'pending: the next run fires at the end of the second period',
         out + err)

    # 5. --dry-run changes nothing
    db = os.path.join(d, 'spike.db')
    before = db_dump(db)
    rc, out, err = check(conf('spike'), 1800, '--dry-run')
    t.ok(rc in (0, 2) and '(dry run)' in out, 'dry-run: runs a cycle',
         out + err)
    t.ok(db_dump(db) == before, 'dry-run: the database is unchanged')
    rows = db_rows(db, "SELECT count(*) FROM outbox")
    t.ok(rows == [(0,)], 'dry-run: nothing enqueued', rows)

    # 6. late datapoints converge: the sim's data for 00:15 changes
    scenario(load('watch-quiet.json'))
    c = conf('late')
    db = os.path.join(d, 'late.db')
    rc, out, err = check(c, 1200)
    first = datapoint(db, 'fn-00000', T0 + 900)
    sc = load('watch-quiet.json')
    sc['metrics'].append({'namespace': 'AWS/Lambda', 'name': 'Invocations',
                          'period': 60, 'dimensions':
                          [{'Name': 'FunctionName', 'Value': 'fn-00000'}],
                          'points': [[T0 + 900 + 30, 400.0]]})
    sc['metrics'].append({'namespace': 'AWS/Lambda', 'name': 'Errors',
                          'period': 60, 'dimensions':
                          [{'Name': 'FunctionName', 'Value': 'fn-00000'}],
                          'points': [[T0 + 900 + 30, 3.0]]})
    scenario(sc)
    rc, out, err = check(c, 1260)
    second = datapoint(db, 'fn-00000', T0 + 900)
    t.ok(first is not None and second is not None and
         second[0] == first[0] + 400 and second[1] == first[1] + 3,
         'late: the re-read period converges to the new sums',
         '%s -> %s' % (first, second))
    hr = db_rows(db, 'SELECT r.requests FROM rollup r JOIN series s ON '
                 's.id = r.series WHERE s.entity = ? AND r.hour = ?',
                 ('fn-00000', T0))
    sm = db_rows(db, 'SELECT sum(d.requests) FROM datapoint d JOIN series '
                 's ON s.id = d.series WHERE s.entity = ? AND '
                 'd.period_start >= ? AND d.period_start < ?',
                 ('fn-00000', T0, T0 + 3600))
    t.ok(hr and hr == sm, 'late: the hourly rollup follows', (hr, sm))

    # 7. GetMetricData paging (50 datapoints a call)
    sc = load('watch-spike.json')
    sc['cloudwatch'] = {'max_datapoints_per_call': 50}
    scenario(sc)
    c = conf('paged')
    rc, out, err = check(c, 1200, json_out=True)
    st = sim.ctl('GET', 'stats')['cloudwatch']
    al = [j for j in jlines(out) if j['type'] == 'alert']
    t.ok(st['calls'] >= 8, 'paging: answers came in many pages', st)
    t.ok(rc == 2 and len(al) == 1 and al[0]['entity'] == 'fn-00001' and
         al[0]['at'] == '2026-01-01T00:09:00Z',
         'paging: same verdict as unpaged', out + err)

    # 8. failures: UNKNOWN, saying which
    scenario(load('watch-quiet.json'))
    c = conf('fail')
    rc, out, err = check(c, 1200, e=clean_env(AWS_ENDPOINT_URL=sim.url,
                                              CWGUARD_NOW=str(T0 + 1200)))
    t.ok(rc == 3 and out.startswith('CWGUARD UNKNOWN - credentials'),
         'credentials: none at all: exit 3, says credentials', out + err)
    rc, out, err = check(c, 1200, e=env(
        AWS_ACCESS_KEY_ID='AKIDSIMUNKNOWN00001', CWGUARD_NOW=str(T0 + 1200)))
    t.ok(rc == 3 and out.startswith('CWGUARD UNKNOWN - ') and
         'fns' in out and KEY[1] not in out + err,
         'credentials: rejected key: exit 3 naming the watch', out + err)
    bad = write(os.path.join(d, 'bad.conf'), '[cwguard]\nbogus = 1\n')
    rc, out, err = check(bad, 1200)
    t.ok(rc == 3 and out.startswith('CWGUARD UNKNOWN - config'),
         'config error: exit 3', out + err)
    rc, out, err = check(c, 1200, '--watch', 'nosuch')
    t.ok(rc == 3 and 'nosuch' in out, 'unknown --watch: exit 3', out)
    sim.ctl('POST', 'faults', {'rules': [{'service': 'cloudwatch',
                                          'operation': 'GetMetricData',
                                          'kind': 'error', 'status': 400,
                                          'code': 'AccessDenied'}]})
    rc, out, err = check(c, 1200)
    t.ok(rc == 3 and 'GetMetricData' in out, 'API failure: exit 3, says '
         'GetMetricData', out + err)
    sim.ctl('POST', 'faults', {'clear': True})

    # 9. two overlapping runs: the second waits; the database stays sound
    c = conf('lock')
    sim.ctl('POST', 'faults', {'rules': [{'service': 'cloudwatch',
                                          'operation': 'GetMetricData',
                                          'kind': 'delay', 'seconds': 1.5}]})
    e = env(CWGUARD_NOW=str(T0 + 1200))
    procs = [subprocess.Popen([CWGUARD, '-c', c, 'check'], env=e,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    res = [(p.wait(60), p.stdout.read().decode(), p.stderr.read().decode())
           for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    sim.ctl('POST', 'faults', {'clear': True})
    codes = sorted(r[0] for r in res)
    t.ok(codes in ([0, 0], [0, 3]), 'overlap: both OK, or the second '
         'exits 3', res)
    if 3 in codes:
        t.ok(any('locked' in r[1] for r in res), 'overlap: says locked', res)
    db = os.path.join(d, 'lock.db')
    t.ok(db_rows(db, 'PRAGMA integrity_check') == [('ok',)],
         'overlap: database integrity ok')
    t.ok(db_rows(db, 'SELECT count(*) FROM alert WHERE state != 0') ==
         [(0,)], 'overlap: no state invented')
    # 10. every kind: apigw (REST and HTTP), alb, metric (robust)
    scenario(load('watch-kinds.json'))
    c = write(os.path.join(d, 'kinds.conf'),
              '[cwguard]\nstate = %s/kinds.db\n[aws]\nregion = us-east-1\n'
              '[watch api]\nkind = apigw\napis = orders-api/prod, '
              'a1b2c3d4/*\nperiod = 5m\n'
              '[watch lb]\nkind = alb\nload_balancers = web\n'
              'signals = 5xx, elb5xx\nperiod = 5m\n'
              '[watch cpu]\nkind = metric\nnamespace = AWS/EC2\n'
              'metric = CPUUtilization\n'
              'dimensions = InstanceId=i-0123456789abcdef0\n'
              'stat = Average\nperiod = 5m\n' % d)
    rc, out, err = check(c, 300)
    t.ok(rc == 0 and perf(out).get('entities') == '4',
         'kinds: REST + HTTP API, ALB, metric: 4 entities (per-method '
         'metrics are not entities)', out + err)
    # count watches: for = 2; a metric watch fires at the robust
    # detector's alert, its first anomalous period (for = 1)
    rc, out, err = check(c, 1200, json_out=True)
    al = {(j['watch'], j['entity'], j['signal']): j for j in jlines(out)
          if j['type'] == 'alert'}
    ck = [j for j in jlines(out) if j['type'] == 'check']
    t.ok(rc == 2 and ck and ck[0].get('pending') == 2 and
         ck[0].get('firing') == 1 and
         set(al) == {('cpu', 'i-0123456789abcdef0', 'value')},
         'kinds: two pending and the metric firing after one anomalous '
         '5-minute period', out)
    a = al.get(('cpu', 'i-0123456789abcdef0', 'value'), {})
    band = a.get('band') or [None, None]
    t.ok(a.get('value') == 95 and 15 < a.get('baseline', 0) < 25 and
         a.get('score', 0) > 5 and 'errors' not in a and
         a.get('rule') == 'z-score' and band[0] is not None and
         band[0] < a['baseline'] < band[1] < 95 and
         a.get('at') == '2026-01-01T00:15:00Z',
         'kinds: metric alert carries the value that fired, the median, '
         'the band it left, the score and the rule', a)
    rc, out, err = check(c, 1800, json_out=True)
    al = {(j['watch'], j['entity'], j['signal']): j for j in jlines(out)
          if j['type'] == 'alert'}
    t.ok(rc == 2 and set(al) == {
        ('api', 'orders-api/prod', '5xx'),
        ('lb', 'app/web/0123456789abcdef', 'elb5xx')},
        'kinds: REST 5XXError and ALB ELB 5xx fire', out + err)
    a = al.get(('api', 'orders-api/prod', '5xx'), {})
    t.ok(a.get('errors') == 150 and a.get('at') == '2026-01-01T00:20:00Z',
         'kinds: apigw counts 5XXError over Count, at = end of period', a)
    ck = [j for j in jlines(out) if j['type'] == 'check']
    msg = ck[0].get('message', '') if ck else ''
    t.ok(re.search(r'cpu/i-0123456789abcdef0 value firing \(95 vs [0-9.]+, '
                   r'band [0-9.]+ \.\. [0-9.]+, z-score\)', msg),
         'kinds: a later check still names the metric alert\'s band and '
         'rule (kept in the state database)', msg)
    # 11. a logs source: a new secret finding is CRITICAL, once
    sc = load('logs-secrets.json')
    sc['credentials'].append({'access_key_id': KEY[0],
                              'secret_access_key': KEY[1]})
    scenario(sc)
    c = write(os.path.join(d, 'logs.conf'),
              '[cwguard]\nstate = %s/logs.db\n[aws]\nregion = us-east-1\n'
              '[logs lambda]\nlog_groups = /aws/lambda/*\nlookback = 2h\n'
              % d)
    rc, out, err = check(c, 3600)
    t.ok(rc == 2 and 'new secret finding' in out and
         int(perf(out).get('findings', 0)) >= 1,
         'logs: a new secret finding: CRITICAL, counted in perfdata',
         out + err)
    rc, out, err = check(c, 3660)
    t.ok(rc == 0 and perf(out).get('findings') == '0',
         'logs: the same secret again is not new: OK', out + err)
finally:
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
