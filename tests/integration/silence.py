#!/usr/bin/python3
"""Silences and mute windows through the real binary against the
simulator: `silence add|list|expire` and their refusals; a silence holds
back the firing of a `check` (the state is still judged and stored) and
`status` shows it; expiring the silence releases the firing to the
webhook on the next cycle; a [mute NAME] window of the config (UTC, and a
named IANA zone) holds a firing back and releases it once the window no
longer covers the present. The data clock is pinned with CWGUARD_NOW;
silences and windows run on the wall clock, so the windows are written
around the present moment rather than at a fixed time."""
import datetime
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import CWGUARD, Sim, Tap, clean_env, run, write, TESTS  # noqa

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
SCEN = os.path.join(TESTS, 'scenarios')
DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

t = Tap()
sim = Sim(os.path.join(SCEN, 'watch-spike.json'))
d = tempfile.mkdtemp(prefix='cwg-silence.')
proc = None


def conf(name, extra=''):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n'
                 '[sink hook]\ntype = webhook\nurl = %s/hooks/%s\n%s'
                 % (d, name, sim.url, name, extra))


def env(now):
    return clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                     AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + now))


def cw(cfg, now, *args):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    return run(['-c', cfg] + list(args), env(now))


def hooks(name):
    return [h for h in sim.ctl('GET', 'hooks') if h.get('name') == name]


def alerts_of(hs):
    out = []
    for h in hs:
        try:
            out += json.loads(h['body'])['alerts']
        except (ValueError, KeyError, TypeError):
            pass
    return out


def db_rows(path, sql, args=()):
    c = sqlite3.connect(path)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def window(minutes_from, minutes_to, zone):
    """A weekly schedule from now + minutes_from to now + minutes_to in
    zone (the start's weekday; an end past midnight wraps)."""
    tz = datetime.timezone.utc if zone == 'UTC' else \
        zoneinfo.ZoneInfo(zone)
    now = datetime.datetime.now(tz)
    a = now + datetime.timedelta(minutes=minutes_from)
    b = now + datetime.timedelta(minutes=minutes_to)
    return '%s %02d:%02d-%02d:%02d %s' % (DAYS[a.weekday()], a.hour,
                                          a.minute, b.hour, b.minute, zone)


try:
    # 1. the command line
    c = conf('s')
    rc, out, err = cw(c, 0, 'silence', 'add', '--watch', 'fns')
    t.ok(rc == 64 and '--for' in err, 'add without --for/--until: usage',
         out + err)
    rc, out, err = cw(c, 0, 'silence', 'add', '--watch', 'nosuch', '--for',
                      '1h')
    t.ok(rc == 64 and 'nosuch' in err, 'add --watch of no watch: refused',
         err)
    rc, out, err = cw(c, 0, 'silence', 'add', '--kind', 'bogus', '--for',
                      '1h')
    t.ok(rc == 64 and 'spike or secret' in err, 'bad --kind refused', err)
    rc, out, err = cw(c, 0, 'silence', 'add', '--until', '-1h')
    t.ok(rc == 64 and 'future' in err, '--until in the past refused', err)
    rc, out, err = cw(c, 0, 'silence', 'add', '--watch', 'fns', '--entity',
                      'fn-0000*', '--kind', 'spike', '--for', '2h',
                      '--comment', 'deploy 42')
    t.ok(rc == 0 and out.startswith('silence '), 'add: prints the id',
         out + err)
    sid = out.split()[1] if rc == 0 else ''
    rc, out, err = cw(c, 0, '--format', 'json', 'silence', 'list')
    objs = [json.loads(x) for x in out.splitlines()]
    s = objs[0] if objs else {}
    t.ok(rc == 0 and len(objs) == 1 and s.get('id') == sid and
         s.get('watch') == 'fns' and s.get('entity') == 'fn-0000*' and
         s.get('kind') == 'spike' and s.get('signal') is None and
         s.get('comment') == 'deploy 42' and s.get('active') is True,
         'list --format json: one object with the matchers', out + err)
    st = datetime.datetime.strptime(s.get('starts', ''),
                                    '%Y-%m-%dT%H:%M:%SZ') if s else None
    en = datetime.datetime.strptime(s.get('ends', ''),
                                    '%Y-%m-%dT%H:%M:%SZ') if s else None
    t.ok(st and en and (en - st).total_seconds() == 7200,
         'list: ends - starts is the --for duration', s)

    # 2. a firing during the silence: judged and stored, not sent
    rc, out, err = cw(c, 1200, 'check')
    db = os.path.join(d, 's.db')
    t.ok(rc == 2 and 'fn-00001' in out, 'silenced: check still CRITICAL '
         '(the state is judged)', out + err)
    t.ok(db_rows(db, 'SELECT count(*) FROM alert WHERE state = 2') ==
         [(1,)], 'silenced: the firing state is stored')
    t.ok(hooks('s') == [], 'silenced: nothing reached the webhook',
         hooks('s'))
    t.ok(db_rows(db, 'SELECT count(*), min(firing) FROM held') == [(1, 1)],
         'silenced: one firing held back')
    rc, out, err = cw(c, 1200, 'status')
    t.ok(rc == 0 and ('silence ' + sid) in out and 'deploy 42' in out and
         '1 notification held back' in out and 'fn-00001 errors, since' in
         out and ', muted' in out, 'status shows the silence, the held '
         'notification and the alert as muted', out + err)
    rc, out, err = cw(c, 1200, '--format', 'json', 'status')
    js = [json.loads(x) for x in out.splitlines() if x.startswith('{')]
    si = [j for j in js if j.get('type') == 'silence']
    hd = [j for j in js if j.get('type') == 'held']
    t.ok(rc == 0 and len(si) == 1 and si[0].get('id') == sid and
         si[0].get('watch') == 'fns' and si[0].get('signal') is None and
         hd and hd[0].get('notifications') == 1 and
         any(j.get('type') == 'series' and j.get('entity') == 'fn-00001'
             and j.get('muted') is True for j in js),
         'status --format json: the silence and the held count', out + err)
    rc, out, err = cw(c, 1260, 'check')
    t.ok(rc == 2 and hooks('s') == [], 'silenced: the next cycle sends '
         'nothing either', out + err)

    # 3. expired: the alert still fires, so it is notified now
    rc, out, err = cw(c, 1260, 'silence', 'expire', sid)
    t.ok(rc == 0 and 'expired' in out, 'expire', out + err)
    rc, out, err = cw(c, 1260, 'silence', 'expire', sid)
    t.ok(rc == 1 and 'no silence' in err, 'expire twice: exit 1', err)
    rc, out, err = cw(c, 1320, 'check')
    al = alerts_of(hooks('s'))
    t.ok(rc == 2 and len(al) == 1 and al[0].get('entity') == 'fn-00001' and
         al[0].get('status') == 'firing',
         'released: the held firing reaches the webhook after the silence',
         '%s\n%s' % (out + err, al))
    t.ok(db_rows(db, 'SELECT count(*) FROM held') == [(0,)],
         'released: nothing held any more')
    rc, out, err = cw(c, 0, 'silence', 'list')
    t.ok(rc == 0 and 'no silences in force' in out, 'list: none in force',
         out)
    rc, out, err = cw(c, 0, 'silence', 'list', '--all')
    t.ok(rc == 0 and sid in out and 'ended' in out, 'list --all: the '
         'ended one', out)

    # 4. a silence on another entity does not hold this one
    c = conf('other')
    rc, out, err = cw(c, 0, 'silence', 'add', '--entity', 'web-*', '--for',
                      '1h')
    rc, out, err = cw(c, 1200, 'check')
    t.ok(rc == 2 and len(alerts_of(hooks('other'))) == 1,
         'a silence of other entities: the firing goes out', out + err)

    # 5. a mute window of the config, UTC then a named zone
    for zone, name in (('UTC', 'mute'), ('Asia/Tokyo', 'mutetz')):
        open_ = '[mute deploys]\nwatches = fns\nschedule = %s\n' % \
            window(-30, 60, zone)
        c = conf(name, open_)
        rc, out, err = cw(c, 0, 'config', 'check')
        t.ok(rc == 0 and '[mute deploys]' in out, '%s: config check shows '
             'the [mute] section' % zone, out + err)
        rc, out, err = cw(c, 0, '--format', 'json', 'silence', 'list')
        ms = [json.loads(x) for x in out.splitlines()]
        t.ok(rc == 0 and any(m.get('type') == 'mute' and
                             m.get('active') is True for m in ms),
             '%s: silence list shows the window open' % zone, out + err)
        rc, out, err = cw(c, 1200, 'check')
        db = os.path.join(d, name + '.db')
        t.ok(rc == 2 and hooks(name) == [] and
             db_rows(db, 'SELECT count(*) FROM held') == [(1,)],
             '%s: inside the window the firing is held back' % zone,
             out + err)
        # the same window moved into the future: it no longer covers now
        c = conf(name, '[mute deploys]\nwatches = fns\nschedule = %s\n' %
                 window(120, 180, zone))
        rc, out, err = cw(c, 1260, 'check')
        al = alerts_of(hooks(name))
        t.ok(rc == 2 and len(al) == 1 and al[0].get('status') == 'firing',
             '%s: outside the window the held firing is sent' % zone,
             '%s\n%s' % (out + err, al))

    # 6. a bad schedule is a config error naming the line
    c = conf('bad', '[mute x]\nschedule = Tue 9-10 UTC\n')
    rc, out, err = cw(c, 0, 'config', 'check')
    t.ok(rc == 78 and 'bad.conf:' in err and 'bad hours' in err,
         'bad schedule: exit 78 with the place', err)

    # 7. `run` honours silences too: a spike on the wall clock, silenced,
    # counted in /metrics; released by `silence expire` while it runs
    now = int(time.time()) // 60 * 60
    pts = list(range(now - 7200, now + 1800, 60))
    dims = [{'Name': 'FunctionName', 'Value': 'fn-hot'}]
    sim.ctl('POST', 'scenario', {
        'account_id': '123456789012', 'region': 'us-east-1',
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1]}],
        'metrics': [
            {'namespace': 'AWS/Lambda', 'name': 'Invocations', 'period': 60,
             'dimensions': dims, 'points': [[p, 100.0] for p in pts]},
            {'namespace': 'AWS/Lambda', 'name': 'Errors', 'period': 60,
             'dimensions': dims, 'points': [[p, 40.0 if p >= now - 600 else
                                             1.0] for p in pts]}]})
    sim.ctl('POST', 'clock', {'real': True})
    s_ = socket.socket()
    s_.bind(('127.0.0.1', 0))
    port = s_.getsockname()[1]
    s_.close()
    c = write(os.path.join(d, 'run.conf'), f'''[cwguard]
state = {d}/run.db
interval = 1s
lag = 0s
reread = 15m
metrics_listen = 127.0.0.1:{port}
[aws]
region = us-east-1
[watch fns]
kind = lambda
functions = *
baseline = 1h
[sink hook]
type = webhook
url = {sim.url}/hooks/run
''')
    e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                  AWS_ENDPOINT_URL=sim.url)
    rc, out, err = run(['-c', c, 'silence', 'add', '--watch', 'fns',
                        '--for', '1h', '--comment', 'incident 7'], e)
    sid = out.split()[1] if rc == 0 else ''
    log = open(os.path.join(d, 'run.log'), 'w+')
    proc = subprocess.Popen([CWGUARD, '-c', c, 'run'], env=e, stdout=log,
                            stderr=log)

    def metric(name):
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port,
                                        timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(name + ' '):
                return float(line.split()[1])
        return None

    def wait(cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.2)
        return cond()

    t.ok(wait(lambda: (metric('cwguard_notifications_silenced_total') or 0)
              >= 1, 30),
         'run: the firing is held back and counted in /metrics')
    db = os.path.join(d, 'run.db')
    t.ok(hooks('run') == [] and db_rows(db, 'SELECT count(*) FROM alert '
                                        'WHERE state = 2') == [(1,)],
         'run: judged firing, nothing sent', hooks('run'))
    t.ok(metric('cwguard_silences_active') == 1 and
         metric('cwguard_notifications_held') == 1,
         'run: /metrics shows the silence and the held notification')
    rc, out, err = run(['-c', c, 'silence', 'expire', sid], e)
    t.ok(rc == 0, 'silence expire while run runs', out + err)
    t.ok(wait(lambda: any(a.get('entity') == 'fn-hot' and
                          a.get('status') == 'firing'
                          for a in alerts_of(hooks('run'))), 30),
         'run: released to the webhook at the next cycle')
    t.ok(wait(lambda: metric('cwguard_notifications_released_total') == 1,
              10) and metric('cwguard_notifications_held') == 0,
         'run: released counted, nothing held')
    proc.terminate()
    t.ok(proc.wait(20) == 0, 'run exits 0')
    proc = None
finally:
    if proc is not None:
        proc.kill()
        proc.wait()
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
