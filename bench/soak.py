#!/usr/bin/python3
"""Not a test: a bounded soak of `cwguard run` against the simulator
(loopback only). A logs source sees a new leaked key every few seconds,
a watch polls CloudWatch; 10% of AWS answers are throttled and 10% are
HTTP 500; the webhook receiver is down (503) for a quarter of the run;
the daemon is killed with SIGKILL at every "hour" (a slice of the run)
and restarted. At the end, once the receiver is back: every notification
the state database ever queued was delivered at least once, each with
one stable id (one id per key, the same id on every delivery), the
database passes integrity_check, and RSS and the state file stayed
bounded (their curves are printed, one sample per slice).

This is wall time, not an accelerated clock: cwguard run has none, so
HOURS slices of SLICE seconds stand in for the issue's 24 hours.

usage: bench/soak.py [HOURS [SLICE]]   (default 24 slices of 10 s;
from the build directory, after make check)"""
import json
import os
import random
import signal
import sqlite3
import string
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))
os.environ.setdefault('BUILDDIR', os.getcwd())
from cwgtest import CWGUARD, Sim, clean_env, write  # noqa: E402

HOURS = int(sys.argv[1]) if len(sys.argv) > 1 else 24
SLICE = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
KEYS_EVERY = 3                      # seconds between leaked keys
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')

d = tempfile.mkdtemp(prefix='cwg-soak.')
now = int(time.time())
rng = random.Random(19)
span = int(HOURS * SLICE) + 30
keys, events = [], []
for i in range(0, span, KEYS_EVERY):
    k = 'sk_' + 'live_' + ''.join(rng.choice(string.ascii_letters +
                                             string.digits) for _ in range(32))
    keys.append(k)
    events.append({'timestamp': (now + i) * 1000, 'stream': 's1',
                   'message': 'checkout failed, config stripe=' + k})
    events.append({'timestamp': (now + i) * 1000 + 1, 'stream': 's1',
                   'message': 'request %d done' % i})
scen = write(os.path.join(d, 'scenario.json'), json.dumps({
    'account_id': '123456789012', 'region': 'us-east-1', 'seed': 19,
    'credentials': [{'access_key_id': KEY[0], 'secret_access_key': KEY[1],
                     'arn': 'arn:aws:iam::123456789012:user/soak'}],
    'metrics': [{'generator': 'awssim.gen:fleet', 'args': {
        'n': 3, 'prefix': 'fn-', 'start': now - 86400 * 8,
        'periods': 86400 * 9 // 60, 'period': 60, 'requests': 200.0,
        'error_rate': 0.002, 'lazy': True}}],
    'log_groups': [{'name': '/aws/lambda/fn-00000', 'events': events}],
    'logs': {'poll_statuses': ['Running']}}))
sim = Sim(scen)
state = os.path.join(d, 'state.db')
conf = write(os.path.join(d, 'c.conf'),
             '[cwguard]\nstate = %s\ninterval = 2s\nlag = 0s\nreread = 2m\n'
             '[aws]\nregion = us-east-1\n'
             '[watch fns]\nkind = lambda\nfunctions = fn-*\nbaseline = 1d\n'
             '[logs app]\nlog_groups = /aws/lambda/fn-00000\ninterval = 2s\n'
             'lookback = 10m\noverlap = 1m\nsinks = hook\n'
             '[sink hook]\ntype = webhook\nurl = %s/hooks/soak\n'
             % (state, sim.url))
env = clean_env(AWS_ENDPOINT_URL=sim.url, AWS_ACCESS_KEY_ID=KEY[0],
                AWS_SECRET_ACCESS_KEY=KEY[1])
log = open(os.path.join(d, 'daemon.log'), 'w')


def start():
    return subprocess.Popen([CWGUARD, '-c', conf, 'run'], env=env,
                            stdout=log, stderr=log)


def rss_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def db_size():
    """(main file, WAL) bytes."""
    return tuple(os.path.getsize(state + s) if os.path.exists(state + s)
                 else 0 for s in ('', '-wal'))


sim.ctl('POST', 'faults', {'seed': 19, 'rules': [
    {'service': '*', 'operation': '*', 'kind': 'throttle',
     'probability': 0.1},
    {'service': '*', 'operation': '*', 'kind': 'error', 'status': 500,
     'probability': 0.1}]})
down = range(HOURS // 2, HOURS // 2 + max(1, HOURS // 4))
curve, kills = [], 0
proc = start()
try:
    for h in range(HOURS):
        if h == down.start:
            sim.ctl('POST', 'faults', {'hooks': {'soak': {
                'status': 503, 'count': 10 ** 6}}})
        if h == down.stop:
            sim.ctl('POST', 'faults', {'clear': True, 'rules': [
                {'service': '*', 'operation': '*', 'kind': 'throttle',
                 'probability': 0.1},
                {'service': '*', 'operation': '*', 'kind': 'error',
                 'status': 500, 'probability': 0.1}]})
        time.sleep(SLICE * rng.uniform(0.5, 1.0))
        curve.append((h, rss_kib(proc.pid), db_size()))
        proc.send_signal(signal.SIGKILL)     # mid-whatever, every hour
        proc.wait()
        kills += 1
        proc = start()
        time.sleep(SLICE * 0.2)
    # the end: no faults, let the outbox drain
    sim.ctl('POST', 'faults', {'clear': True})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(2)
        try:
            c = sqlite3.connect('file:%s?mode=ro' % state, uri=True)
            left = c.execute('SELECT count(*) FROM outbox WHERE status = 0'
                             ).fetchone()[0]
            c.close()
        except sqlite3.Error:
            continue
        if left == 0:
            break
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
finally:
    if proc.poll() is None:
        proc.kill()
    log.close()

c = sqlite3.connect(state)
integrity = c.execute('PRAGMA integrity_check').fetchone()[0]
rows = c.execute('SELECT id, status, payload FROM outbox').fetchall()
findings = c.execute('SELECT count(*) FROM finding').fetchone()[0]
c.close()
hooks = [h for h in sim.ctl('GET', 'hooks') if h['name'] == 'soak']
sim.stop()
ok_hooks = [h for h in hooks if h['answered'] == 200]
delivered = {}
for h in ok_hooks:
    try:
        body = json.loads(h['body'])
    except ValueError:
        continue
    fps = tuple(sorted(a.get('fingerprint', '') for a in
                       body.get('alerts', [])))
    delivered.setdefault(body.get('id'), set()).add(fps)
queued = {r[0] for r in rows}
fp_ids = {}
for i, fps in delivered.items():
    for fp in fps:
        for f in fp:
            fp_ids.setdefault(f, set()).add(i)
lost = sorted(queued - set(delivered))
multi = {f: ids for f, ids in fp_ids.items() if len(ids) > 1}
leaked = [k for k in keys if any(k in h['body'] for h in hooks)]

print('slices ("hours") %d of %.0f s, kill -9 after each: %d kills'
      % (HOURS, SLICE, kills))
print('receiver down (503) for slices %d..%d' % (down.start, down.stop - 1))
print('%-6s %10s %12s %12s' % ('slice', 'RSS KiB', 'state.db', '-wal'))
for h, r, s in curve:
    print('%-6d %10d %12d %12d' % (h, r, s[0], s[1]))
print('keys leaked into the logs          %d' % len(keys))
print('findings stored                    %d' % findings)
print('notifications queued (outbox rows) %d' % len(queued))
print('deliveries answered 200            %d (%d attempts in all)'
      % (len(ok_hooks), len(hooks)))
print('queued but never delivered         %d %s' % (len(lost), lost[:3]))
print('fingerprints sent under 2+ ids     %d' % len(multi))
print('raw keys in any request            %d' % len(leaked))
print('integrity_check                    %s' % integrity)
rss = [r for _, r, _ in curve if r]
print('RSS KiB min/max                    %d / %d' % (min(rss or [0]),
                                                    max(rss or [0])))
print('state.db bytes first/last          %d / %d' % (curve[0][2][0],
                                                    curve[-1][2][0]))
print('-wal bytes max                     %d' % max(c[2][1] for c in curve))
bad = lost or multi or leaked or integrity != 'ok'
subprocess.run(['rm', '-rf', d])
sys.exit(1 if bad else 0)
