#!/usr/bin/python3
"""`cwguard backtest` through the real binary against the simulator: a
known incident fires and resolves at the right times, never before it
starts (no lookahead), and the live state database is never touched."""
import hashlib
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
SCEN = os.path.join(TESTS, 'scenarios')
# watch-spike.json: fn-00001 errors anomalous in periods 00:05 .. 00:24
INC_START, INC_END = T0 + 300, T0 + 1500


def iso(t):
    import time
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


t = Tap()
sim = Sim(os.path.join(SCEN, 'watch-spike.json'))
d = tempfile.mkdtemp(prefix='cwg-bt.')
try:
    tmp = os.path.join(d, 'tmp')
    os.mkdir(tmp)
    live = os.path.join(d, 'live.db')
    c = write(os.path.join(d, 'c.conf'),
              '[cwguard]\nstate = %s\n[aws]\nregion = us-east-1\n'
              '[watch fns]\nkind = lambda\nfunctions = fn-*\n'
              '[sink hook]\ntype = webhook\nurl = %s/hooks/bt\n'
              % (live, sim.url))
    e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                  AWS_ENDPOINT_URL=sim.url, TMPDIR=tmp)

    rc, out, err = run(['-c', c, '--format', 'json', 'backtest', '--from',
                        iso(T0 - 3600), '--to', iso(T0 + 3600)], e)
    t.ok(rc == 0, 'backtest: exit 0', 'exit %d\n%s%s' % (rc, out, err))
    js = [json.loads(x) for x in out.splitlines() if x.strip()]
    fir = [j for j in js if j.get('status') == 'firing']
    res = [j for j in js if j.get('status') == 'resolved']
    t.ok(len(fir) == 1 and len(res) == 1 and
         fir[0]['entity'] == 'fn-00001' and res[0]['entity'] == 'fn-00001'
         and fir[0]['signal'] == 'errors' and fir[0]['type'] == 'alert',
         'backtest: one firing and one resolved, fn-00001 errors', out)
    # for = 2: firing at the end of the second anomalous period (00:07);
    # resolve_after = 5: resolved at the end of 00:29
    t.ok(fir and fir[0]['at'] == iso(INC_START + 120),
         'backtest: fires at the end of the second period of the incident',
         fir)
    t.ok(res and res[0]['at'] == iso(INC_END + 300),
         'backtest: resolves 5 normal periods after the incident', res)
    t.ok(fir and fir[0]['at'] > iso(INC_START + 60),
         'no lookahead: firing is not before the incident has lasted '
         'for = 2 periods', fir)
    t.ok(fir and 0 < fir[0]['baseline'] < 0.05 and fir[0]['value'] > 0.3,
         'backtest: the baseline comes from the history before --from', fir)

    # lookahead, harder: stop the range in the middle of the first
    # anomalous period's successor: nothing may fire yet
    rc, out, err = run(['-c', c, '--format', 'json', 'backtest', '--from',
                        iso(T0 - 3600), '--to', iso(INC_START + 60)], e)
    t.ok(rc == 0 and not [x for x in out.splitlines()
                          if '"firing"' in x],
         'no lookahead: a range ending after one anomalous period does '
         'not fire', out + err)

    # text mode: transitions then a summary per watch/signal
    rc, out, err = run(['-c', c, 'backtest', '--from', '-1d', '--to',
                        iso(T0 + 3600)],
                       dict(e, CWGUARD_NOW=str(T0 + 3600)))
    lines = out.splitlines()
    t.ok(rc == 0 and any(l.startswith(iso(INC_START + 120) + ' firing')
                         for l in lines) and
         any('fns' in l and 'errors' in l and '1 firing, 1 resolved' in l
             for l in lines),
         'text: transitions and a summary', out + err)

    # the live state, the outbox and the sinks are untouched
    t.ok(not os.path.exists(live) and not os.path.exists(live + '.lock'),
         'live state database never created')
    write(live, 'not a database, must stay as is\n')
    h = hashlib.sha256(open(live, 'rb').read()).hexdigest()
    rc, out, err = run(['-c', c, 'backtest', '--from', iso(T0 - 3600),
                        '--to', iso(T0 + 3600)], e)
    t.ok(rc == 0 and hashlib.sha256(open(live, 'rb').read()).hexdigest()
         == h, 'live state file untouched', out + err)
    t.ok(sim.ctl('GET', 'hooks') == [], 'nothing sent to the sink')
    t.ok(os.listdir(tmp) == [], 'private state removed', os.listdir(tmp))

    rc, out, err = run(['-c', c, 'backtest', '--from', iso(T0)], e)
    t.ok(rc == 64, 'usage: --to missing: exit 64', out + err)
    rc, out, err = run(['-c', c, 'backtest', '--from', iso(T0), '--to',
                        iso(T0 - 60)], e)
    t.ok(rc == 64, 'usage: --to before --from: exit 64', out + err)
finally:
    sim.stop()
    shutil.rmtree(d, ignore_errors=True)
sys.exit(t.done())
