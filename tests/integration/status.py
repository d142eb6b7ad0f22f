"""`cwguard status` on a state database filled by the real store code
(tests/integration/mkstate): text, --ascii, the locale, --format json,
--watch; read-only (bytes and mtime unchanged, no lock file); a missing
database."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Tap, clean_env, run, write  # noqa: E402

BUILDDIR = os.environ.get('BUILDDIR', '.')
MKSTATE = os.path.join(BUILDDIR, 'tests', 'integration', 'mkstate')
UTF8 = {'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8'}

t = Tap()
tmp = tempfile.mkdtemp(prefix='cwg-status.')
db = os.path.join(tmp, 'state.db')
conf = write(os.path.join(tmp, 'cwguard.conf'), """
[cwguard]
state = %s
[watch api]
kind = lambda
functions = *
[watch cpu]
kind = metric
namespace = AWS/EC2
metric = CPUUtilization
[logs lambda]
log_groups = /aws/lambda/*
[sink sns-oncall]
type = sns
topic_arn = arn:aws:sns:us-east-1:123456789012:oncall
""" % db)


def status(*args, **env):
    e = clean_env(**dict(UTF8, **env))
    return run(['-c', conf] + list(args), e)


def series_lines(out):
    lines = out.splitlines()
    start = [i for i, ln in enumerate(lines) if ln.startswith('STATE ')]
    if not start:
        return []
    body = []
    for ln in lines[start[0] + 1:]:
        if not ln or ln.startswith('('):
            break
        body.append(ln)
    return body


# A missing database: a hint, exit 0, and nothing created.
rc, out, err = status('status')
t.ok(rc == 0, 'missing state: exit 0', err)
t.ok('no state yet: run `cwguard check` or `cwguard run` first' in out,
     'missing state: says how to make one', out)
t.ok(sorted(os.listdir(tmp)) == ['cwguard.conf'],
     'missing state: nothing created', os.listdir(tmp))
rc, out, err = status('--format', 'json', 'status')
t.ok(rc == 0 and json.loads(out) == {'type': 'state', 'exists': False},
     'missing state as JSON', out + err)

p = subprocess.run([MKSTATE, db], capture_output=True, text=True)
t.ok(p.returncode == 0, 'mkstate fills a state database', p.stderr)
before = open(db, 'rb').read()
mtime = os.stat(db).st_mtime_ns

rc, out, err = status('status')
t.ok(rc == 0, 'status exits 0', err)
rows = series_lines(out)
t.ok(len(rows) == 4, 'four series', out)
t.ok(rows and rows[0].startswith('firing') and 'orders-create' in rows[0],
     'the firing series comes first', out)
t.ok(len(rows) > 1 and rows[1].startswith('pending') and 'cpu' in rows[1],
     'then the pending one', out)
t.ok(rows and '25.00%' in rows[0] and '1.00%' in rows[0],
     'last rate against the baseline', rows[:1])
t.ok(rows and 'since ' in rows[0] and '(15m ago)' in rows[0],
     'firing since, with its age', rows[:1])
t.ok(len(rows) > 1 and '90.5' in rows[1] and '42.25' in rows[1],
     'metric value against its baseline', rows[1:2])
t.ok(rows and '\u2588\u2588' in rows[0] and '\u2582' * 20 in rows[0],
     'UTF-8 sparkline: 1% hours low but above zero, the 25% spike high',
     rows[:1])
billing = [r for r in rows if 'billing' in r]
t.ok(billing and '\u2581' * 20 in billing[0] and '\u2588' not in billing[0],
     'a flat zero-error day is a flat line', billing)
t.ok('\x1b' not in out and 'evil\\x1b[2J' in out,
     'terminal escapes in names are escaped', repr(out[-400:]))
t.ok('outbox: 2 pending, oldest 5m; sns-oncall 2' in out,
     'outbox depth, oldest pending age, per sink', out)
t.ok('undelivered: 1 failed, 0 expired' in out,
     'outbox rows that will not be delivered are counted', out)
t.ok('failed lambda' in ' '.join(out.split()) and
     'AccessDeniedException' in out, 'last cycle of each source', out)
t.ok(' '.join(out.split()).count('ok api ') == 1, 'the ok cycle', out)

rc, out, err = status('status', '--ascii')
t.ok(rc == 0 and all(ord(c) < 128 for c in out), '--ascii: ASCII only',
     out)
rows = series_lines(out)
t.ok(rows and '##' in rows[0] and '.' * 20 in rows[0],
     '--ascii sparkline has the spike and the low hours', rows[:1])
rc, out2, err = status('status', LANG='C', LC_ALL='C')
# The header's clock (to the second) and the ages may tick between the
# two runs: compare without them.
def untimed(s):
    return re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\(\d+[smhd] ago\)|oldest \d+[smhd]',
                  'T', s)
t.ok(rc == 0 and untimed(out2) == untimed(out),
     'a non-UTF-8 locale draws ASCII', out2)

rc, out, err = status('--format', 'json', 'status')
t.ok(rc == 0, 'json: exit 0', err)
try:
    objs = [json.loads(ln) for ln in out.splitlines()]
    t.ok(True, 'json: one object per line')
except ValueError as e:
    objs = []
    t.ok(False, 'json: one object per line', '%s\n%s' % (e, out))
series = [o for o in objs if o.get('type') == 'series']
t.ok([o['state'] for o in series] == ['firing', 'pending', 'ok', 'ok'],
     'json: open alerts first', series)
f = series[0] if series else {}
t.ok(f.get('entity') == 'orders-create' and f.get('value') == 0.25 and
     f.get('baseline') == 0.01, 'json: value and baseline', f)
h = f.get('hourly_error_rate') or []
t.ok(len(h) == 24 and h.count(0.01) >= 21 and 0.25 in h,
     'json: 24 hourly error rates from the rollups', h)
cpu = [o for o in series if o['watch'] == 'cpu']
t.ok(cpu and len([v for v in cpu[0].get('hourly_mean', []) if v is not None])
     >= 23, 'json: hourly means of a metric watch', cpu)
evil = [o for o in series if o['entity'].startswith('evil')]
t.ok(evil and evil[0]['value'] is None, 'json: no value is null', evil)
ob = [o for o in objs if o.get('type') == 'outbox']
t.ok(ob and ob[0]['depth'] == 2 and 290 <= ob[0]['oldest_age'] <= 400 and
     ob[0]['sinks'] == [{'sink': 'sns-oncall', 'depth': 2,
                         'oldest_age': ob[0]['oldest_age']}],
     'json: outbox', ob)
t.ok(ob and ob[0]['failed'] == 1 and ob[0]['expired'] == 0 and
     ob[0]['delivered'] == 1, 'json: outbox status counts', ob)
cy = {o['source']: o for o in objs if o.get('type') == 'cycle'}
t.ok(set(cy) == {'api', 'lambda'} and cy['lambda']['ok'] is False and
     cy['api']['ok'] is True, 'json: cycles', cy)

rc, out, err = status('--format', 'json', 'status', '--watch', 'cpu')
objs = [json.loads(ln) for ln in out.splitlines()]
t.ok(rc == 0 and [o['watch'] for o in objs if o['type'] == 'series'] ==
     ['cpu'], '--watch: only that watch', out)
t.ok([o for o in objs if o['type'] == 'cycle'] == [],
     '--watch: only its cycles', out)
rc, out, err = status('status', '--watch', 'api', '--watch', 'lambda')
t.ok(rc == 0 and len(series_lines(out)) == 3 and 'cpu' not in out,
     '--watch may repeat', out)

# CWGUARD_NOW moves the data clock (sparklines, ages), as for check and
# backtest; the outbox stays on the wall clock.
later = str(int(time.time()) + 3 * 86400)
rc, out, err = status('--format', 'json', 'status', CWGUARD_NOW=later)
objs = [json.loads(ln) for ln in out.splitlines()] if rc == 0 else []
f = [o for o in objs if o.get('type') == 'series'][:1]
t.ok(f and all(v is None for v in f[0].get('hourly_error_rate', [0])),
     'CWGUARD_NOW 3 days on: no data in that day', out + err)
ob = [o for o in objs if o.get('type') == 'outbox']
t.ok(ob and 290 <= ob[0]['oldest_age'] <= 400,
     'CWGUARD_NOW: outbox ages stay on the wall clock', ob)
rc, out, err = status('status', CWGUARD_NOW=later)
rows = series_lines(out)
t.ok(rc == 0 and rows and '(3d ago)' in rows[0] and '\u2588' not in rows[0],
     'CWGUARD_NOW: firing age from the data clock, an empty sparkline',
     rows[:1])
rc, out, err = status('status', CWGUARD_NOW='-1h')
rows = series_lines(out)
t.ok(rc == 0 and rows and '\u2588' in rows[0] and
     '\u2588\u2588' not in rows[0],
     'CWGUARD_NOW an hour back: one of the two spike hours left the window',
     rows)
rc, out, err = status('status', CWGUARD_NOW='yesterday-ish')
t.ok(rc == 64 and 'CWGUARD_NOW' in err and out == '',
     'a bad CWGUARD_NOW: exit 64, says which variable', err)

rc, out, err = status('status', '--bogus')
t.ok(rc == 64, 'unknown option: exit 64', err)
rc, out, err = status('status', 'extra')
t.ok(rc == 64, 'unexpected argument: exit 64', err)
rc, out, err = status('status', '--help')
t.ok(rc == 0 and out.startswith('usage: cwguard status'), '--help', out)

t.ok(open(db, 'rb').read() == before, 'the database bytes are unchanged')
t.ok(os.stat(db).st_mtime_ns == mtime, 'its mtime is unchanged')
t.ok(not os.path.exists(db + '.lock'), 'no lock file', os.listdir(tmp))
t.ok(not os.path.exists(db + '-wal') or
     os.path.getsize(db + '-wal') == 0, 'nothing written to a WAL',
     os.listdir(tmp))

# SQLite's WAL reader makes state.db-shm (and an empty -wal) as whoever
# opens the database: when root runs status against a daemon's database,
# those files must end up owned by the database's owner, or the daemon
# (a DynamicUser) could not open them afterwards.
if os.geteuid() == 0:
    for n in os.listdir(tmp):
        if n.startswith('state.db-'):
            os.unlink(os.path.join(tmp, n))
    os.chown(db, 65534, 65534)
    rc, out, err = status('status')
    side = [n for n in os.listdir(tmp) if n.startswith('state.db-')]
    owners = set((os.stat(os.path.join(tmp, n)).st_uid,
                  os.stat(os.path.join(tmp, n)).st_gid) for n in side)
    t.ok(rc == 0 and owners <= {(65534, 65534)},
         'side files made by root belong to the database owner',
         (side, owners, err))
    os.chown(db, 0, 0)
else:
    t.n += 1
    print('ok %d - side file owners # SKIP needs root' % t.n)

# A database that is not one: an error, exit 1, still not modified.
bad = os.path.join(tmp, 'state.db')
os.unlink(bad)
write(bad, 'not a database\n')
rc, out, err = status('status')
t.ok(rc == 1 and 'cwguard: status:' in err, 'a bad file: exit 1', err)
t.ok(open(bad).read() == 'not a database\n', 'a bad file is left alone')

for name in os.listdir(tmp):
    os.unlink(os.path.join(tmp, name))
os.rmdir(tmp)
sys.exit(t.done())
