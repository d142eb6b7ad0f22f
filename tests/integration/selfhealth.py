#!/usr/bin/python3
"""cwguard's own health through the real binary against the simulator.
`check`: credentials that expire raise a self alert to self_sinks (kind
"self"), a watch failing self_after cycles in a row another, and both
resolve when the credentials work again; the other sinks get none of it.
`run`: with a fake systemd notify socket (a Python datagram socket) and
WATCHDOG_USEC, the watchdog is fed while cycles succeed, stops being fed
once they have all failed for three intervals (when /healthz turns 503),
and is fed again once they succeed (when /healthz is 200 again)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import CWGUARD, Sim, Tap, clean_env, run, write, TESTS  # noqa

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'watch-quiet.json'))
d = tempfile.mkdtemp(prefix='cwg-self.')
proc = None


def env(**kw):
    e = dict(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
             AWS_ENDPOINT_URL=sim.url)
    e.update(kw)
    return clean_env(**e)


def check(cfg, now):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    return run(['-c', cfg, 'check'], env(CWGUARD_NOW=str(T0 + now)))


def selfs(name='ops'):
    out = []
    for h in sim.ctl('GET', 'hooks'):
        if h.get('name') != name:
            continue
        try:
            out += json.loads(h['body'])['alerts']
        except (ValueError, KeyError):
            pass
    return out


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def healthz(port):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d/healthz' % port,
                                    timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


try:
    # A. check: expired credentials, a failing watch, and recovery
    c = write(os.path.join(d, 'c.conf'), f'''[cwguard]
state = {d}/c.db
self_sinks = ops
self_after = 2
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
sinks = team
[sink ops]
type = webhook
url = {sim.url}/hooks/ops
[sink team]
type = webhook
url = {sim.url}/hooks/team
''')
    rc, out, err = run(['-c', c, 'config', 'check'], env())
    t.ok(rc == 0 and 'self_sinks = ops' in out and 'self_after = 2' in out,
         'config check shows self_sinks and self_after', out + err)
    rc, out, err = check(c, 1200)
    t.ok(rc == 0 and selfs() == [], 'healthy: no self notification',
         out + err)
    sim.ctl('POST', 'faults', {'expire': {KEY[0]: T0 + 1230}})
    rc, out, err = check(c, 1260)
    s = selfs()
    t.ok(rc == 3 and len(s) == 1 and s[0].get('kind') == 'self' and
         s[0].get('entity') == 'credentials' and
         s[0].get('status') == 'firing' and
         'expired' in s[0].get('message', ''),
         'expired credentials: one self alert, kind self, firing, saying '
         'why', '%s%s\n%s' % (out, err, s))
    rc, out, err = check(c, 1320)
    s = selfs()
    t.ok(rc == 3 and len(s) == 2 and s[1].get('entity') == 'watch fns' and
         s[1].get('signal') == 'failing' and
         s[1].get('message', '').startswith('2 cycles in a row failed'),
         'self_after = 2: the second failure raises "watch fns failing"; '
         'credentials not repeated', s)
    rc, out, err = check(c, 1380)
    t.ok(rc == 3 and len(selfs()) == 2, 'a third failure: nothing new')
    sim.ctl('POST', 'faults', {'expire': {KEY[0]: T0 + 10 ** 8}})
    rc, out, err = check(c, 1440)
    s = selfs()
    res = {(a.get('entity'), a.get('status')) for a in s[2:]}
    t.ok(rc == 0 and res == {('credentials', 'resolved'),
                             ('watch fns', 'resolved')},
         'credentials valid again: both self alerts resolve',
         '%s%s\n%s' % (out, err, s))
    t.ok(not [a for a in selfs('team') if a.get('kind') == 'self'],
         'self alerts go to self_sinks only')

    # B. run: the watchdog is fed only while cycles succeed (traffic up
    # to now, so that every cycle asks GetMetricData)
    now = int(time.time())
    sim.ctl('POST', 'scenario', {
        'account_id': '123456789012', 'region': 'us-east-1', 'seed': 5,
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1]}],
        'metrics': [{'generator': 'awssim.gen:fleet', 'args': {
            'n': 2, 'prefix': 'fn-', 'start': now - 7200,
            'periods': 4 * 3600 // 60, 'period': 60, 'requests': 200.0,
            'error_rate': 0.002, 'lazy': True}}]})
    sim.ctl('POST', 'clock', {'real': True})
    port = free_port()
    c = write(os.path.join(d, 'run.conf'), f'''[cwguard]
state = {d}/run.db
interval = 1s
lag = 0s
reread = 2m
metrics_listen = 127.0.0.1:{port}
self_sinks = ops
self_after = 2
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
baseline = 1h
sinks = team
[sink ops]
type = webhook
url = {sim.url}/hooks/ops
[sink team]
type = webhook
url = {sim.url}/hooks/team
''')
    npath = os.path.join(d, 'notify')
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(npath)
    ns.settimeout(0.1)
    log = open(os.path.join(d, 'run.log'), 'w+')
    proc = subprocess.Popen([CWGUARD, '-c', c, 'run'], stdout=log,
                            stderr=log, env=env(NOTIFY_SOCKET=npath,
                                                WATCHDOG_USEC='400000'))

    def pings(seconds):
        n, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if ns.recv(4096).decode().startswith('WATCHDOG=1'):
                    n += 1
            except socket.timeout:
                pass
        return n

    def wait_health(code, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if healthz(port) == code:
                return True
            pings(0.2)
        return False

    t.ok(wait_health(200, 15) and pings(1.5) >= 3,
         'healthy: /healthz 200 and WATCHDOG=1 every 0.2 s')
    sim.ctl('POST', 'faults', {'rules': [
        {'service': 'cloudwatch', 'operation': op, 'kind': 'error',
         'status': 400, 'code': 'AccessDenied'}
        for op in ('GetMetricData', 'ListMetrics')]})
    t.ok(wait_health(503, 20), 'every cycle failing: /healthz 503 after '
         'three intervals')
    n = pings(2)
    t.ok(n == 0, 'while /healthz is 503 the watchdog is not fed (%d '
         'pings in 2 s)' % n)
    s = [a for a in selfs() if a.get('entity') == 'watch fns']
    t.ok(s and s[0].get('status') == 'firing', 'run: a self alert for the '
         'failing watch', selfs())
    sim.ctl('POST', 'faults', {'clear': True})
    t.ok(wait_health(200, 20) and pings(1.5) >= 3,
         'cycles succeed again: /healthz 200 and the watchdog is fed again')
    end = time.monotonic() + 10
    while time.monotonic() < end and not any(
            a.get('entity') == 'watch fns' and a.get('status') == 'resolved'
            for a in selfs()):
        time.sleep(0.2)
    t.ok(any(a.get('entity') == 'watch fns' and a.get('status') ==
             'resolved' for a in selfs()), 'run: the self alert resolves')
    proc.terminate()
    t.ok(proc.wait(20) == 0, 'run exits 0 on SIGTERM')
    proc = None
    log.seek(0)
    txt = log.read()
    t.ok('watchdog: not fed while unhealthy' in txt and
         'watchdog: healthy again' in txt, 'the log says when the watchdog '
         'is starved and fed again', txt[-1500:])
finally:
    if proc is not None:
        proc.kill()
        proc.wait()
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
