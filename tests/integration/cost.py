#!/usr/bin/python3
"""`cwguard config cost` against the simulator: a simulated day of
`cwguard check` cycles (CWGUARD_NOW stepping by the watch interval) over 5
active and 5 idle functions, then the metrics the simulator counted
(GetMetricData metrics requested) against what `config cost` predicts:
the bootstrap it announced before the day plus its metrics per day after
it, exactly. Also --offline from the state database, the text table, and
exit 3 (figures still printed) when ListMetrics fails."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
DAY = 86400
INTERVAL = 900                      # 15 min: 96 cycles a day
IDLE = 3600                         # idle functions: every 4th cycle
KEY = ('AKIDSIMCOST00000001', 'simSecretCost/00000000000000000000000001')

t = Tap()
d = tempfile.mkdtemp(prefix='cwg-cost.')
scen = {
    'account_id': '123456789012', 'region': 'us-east-1', 'seed': 5,
    'clock': T0,
    'credentials': [{'access_key_id': KEY[0], 'secret_access_key': KEY[1],
                     'arn': 'arn:aws:iam::123456789012:user/cost'}],
    'metrics': [
        # active: a request every minute from a day before to a day after
        {'generator': 'awssim.gen:fleet',
         'args': {'n': 5, 'prefix': 'act-', 'start': T0 - DAY,
                  'periods': 3 * 1440, 'period': 60, 'requests': 50.0,
                  'error_rate': 0.01, 'seed': 2, 'lazy': True}},
        # idle: listed, but their last traffic is 20 days old (beyond
        # the 7-day baseline the bootstrap reads)
        {'generator': 'awssim.gen:fleet',
         'args': {'n': 5, 'prefix': 'idle-', 'start': T0 - 20 * DAY,
                  'periods': 3, 'period': 60, 'requests': 5.0,
                  'error_rate': 0.0, 'seed': 3}},
    ],
}
scen_path = write(os.path.join(d, 'scenario.json'), json.dumps(scen))
sim = Sim(scen_path)
db = os.path.join(d, 'state.db')
cfg = write(os.path.join(d, 'cost.conf'),
            '[cwguard]\nstate = %s\ninterval = %ds\n[aws]\n'
            'region = us-east-1\n[watch fns]\nkind = lambda\nfunctions = *\n'
            'idle_interval = %ds\n[sink oncall]\ntype = sns\n'
            'topic_arn = arn:aws:sns:us-east-1:123456789012:oncall\n'
            % (db, INTERVAL, IDLE))


def env(now, **kw):
    e = dict(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
             AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(now))
    e.update(kw)
    return clean_env(**e)


def cost(now, *args, e=None):
    sim.ctl('POST', 'clock', {'now': now})
    rc, out, err = run(['-c', cfg, '--format', 'json', 'config', 'cost'] +
                       list(args), e or env(now))
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, 'stdout: %r\nstderr: %s' % (out[:500], err)


def watch(js):
    return js['watches'][0] if js else {}


try:
    # 1. before the day: no database, entities from ListMetrics
    rc, js, err = cost(T0)
    w = watch(js)
    t.ok(rc == 0 and js is not None, 'before: exit 0, one JSON object',
         'exit %d %s' % (rc, err))
    t.ok(w.get('entities') == 10 and w.get('new') == 10 and
         w.get('assumed_active') == 10,
         'before: 10 functions listed, all new and assumed active', w)
    t.ok(w.get('bootstrap_metrics') == 20,
         'before: bootstrap of 10 x (Errors, Invocations) = 20 metrics', w)
    t.ok(w.get('metrics_per_day') == 10 * 2 * DAY // INTERVAL,
         'before: assumed all active: 1920 metrics a day', w)
    t.ok(not os.path.exists(db), 'before: no state database created')
    bootstrap = w.get('bootstrap_metrics', 0)

    # 2. the day: 96 check cycles, CWGUARD_NOW stepping by the interval
    sim.ctl('POST', 'reset')
    fails = []
    for k in range(DAY // INTERVAL):
        now = T0 + k * INTERVAL
        sim.ctl('POST', 'clock', {'now': now})
        rc, out, err = run(['-c', cfg, 'check'], env(now))
        if rc != 0:
            fails.append((k, rc, out + err))
    st = sim.ctl('GET', 'stats')['cloudwatch']
    measured = st['metrics_requested']
    t.ok(not fails, 'day: 96 check cycles exit 0', fails[:3])
    t.ok(sum(st['metrics_per_call']) == measured,
         'day: the simulator counts every call (metrics_per_call sums to '
         'metrics_requested)', st)

    # 3. after the day: the replayed back-off predicts the day exactly
    rc, js, err = cost(T0 + DAY)
    w = watch(js)
    t.ok(rc == 0 and w.get('active') == 5 and w.get('idle') == 5 and
         w.get('new') == 0, 'after: 5 active, 5 idle, none new',
         '%s %s' % (w, err))
    t.ok(w.get('pace_from') == 'the poll gaps the engine chose (poll, '
         'budget)' and w.get('history_seconds') == DAY,
         'after: pace from the poll gaps of a day of cycles', w)
    t.ok(w.get('native_standard_usd_month') == 1.0 and
         w.get('native_ratio_usd_month') == 2.0 and
         w.get('native_anomaly_usd_month') == 3.0,
         'after: 10 x 1 signal as native alarms: standard 1.00, ratio '
         '2.00, anomaly 3.00', w)
    tiers = {x['tier']: x for x in w.get('tiers', [])}
    t.ok(tiers.get('busy', {}).get('entities') == 5 and
         tiers['busy']['delay_added_max_seconds'] == 0 and
         tiers.get('idle', {}).get('entities') == 5 and
         tiers['idle']['mean_gap_cycles'] == 4,
         'after: delay per tier: busy every cycle (0 s added), idle every '
         '4th 15-min cycle', tiers)
    predicted = bootstrap + w.get('metrics_per_day', -1)
    print('# measured %d metrics over the day; predicted %d = bootstrap '
          '%d + %d a day' % (measured, predicted, bootstrap,
                             w.get('metrics_per_day', -1)))
    t.ok(measured == predicted,
         'after: predicted metrics = measured (5x2x96 + 5x2x24 + 20 = 1220)',
         'measured %d, predicted %d' % (measured, predicted))
    t.ok(measured == 5 * 2 * 96 + 5 * 2 * 24 + 20,
         'the day asked 1220 metrics (idle back-off at work)', measured)
    month = w.get('metrics_per_day', 0) * 730 * 3600 / DAY
    t.ok(abs(w.get('metrics_per_month', 0) - month) < 1e-6 and
         abs(w.get('usd_month', 0) - month / 1000 * 0.01) < 1e-9,
         'after: month = day x 730 h / 24 h, USD 0.01 per 1000', w)
    t.ok(js['sns']['estimate'] == 'outbox rows of sns sinks' and
         js['sns']['publishes_month'] == 0,
         'after: SNS from the (empty) outbox history', js['sns'])

    # 4. --offline: entities from the state database only, no AWS call
    sim.ctl('POST', 'reset')
    rc, js2, err = cost(T0 + DAY, '--offline')
    w2 = watch(js2)
    calls = sim.ctl('GET', 'stats')['requests']
    t.ok(rc == 0 and w2.get('entities') == 10 and w2.get('idle') == 5 and
         w2.get('metrics_per_day') == w.get('metrics_per_day'),
         'offline: same entities and metrics a day from the database',
         '%s %s' % (w2, err))
    t.ok(not calls.get('monitoring') and not calls.get('cloudwatch'),
         'offline: no AWS request', calls)

    # 5. text table
    sim.ctl('POST', 'clock', {'now': T0 + DAY})
    rc, out, err = run(['-c', cfg, 'config', 'cost'], env(T0 + DAY))
    for line in out.splitlines()[:7]:
        print('# ' + line)
    t.ok(rc == 0 and 'fns' in out and 'us-east-1 prices of 2026-11' in out
         and 'Total: USD' in out and 'delivery not counted' in out,
         'text: table, prices named and dated, total', out + err)

    # 6. ListMetrics refused: exit 3, figures from the database printed
    sim.ctl('POST', 'faults', {'rules': [{'service': 'cloudwatch',
                                          'operation': 'ListMetrics',
                                          'kind': 'error', 'status': 400,
                                          'code': 'AccessDenied'}]})
    rc, js3, err = cost(T0 + DAY)
    w3 = watch(js3)
    t.ok(rc == 3 and js3 is not None and w3.get('entities') == 10 and
         'ListMetrics' in js3.get('discovery_error', ''),
         'ListMetrics fails: exit 3, offline figures still printed',
         '%d %s %s' % (rc, js3, err))
    sim.ctl('POST', 'faults', {'clear': True})

    # 7. a bad config: 78
    bad = write(os.path.join(d, 'bad.conf'), '[watch x]\nkind = nope\n')
    rc, out, err = run(['-c', bad, 'config', 'cost'], env(T0))
    t.ok(rc == 78 and 'kind' in err, 'bad config: exit 78', rc)
finally:
    sim.stop()
sys.exit(t.done())
