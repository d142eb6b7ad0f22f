#!/usr/bin/python3
"""Not a test (it mounts a file system): the disk filling up while the
store and the outbox write. The state database lives on a 4 MiB tmpfs;
a notification is queued while its webhook answers 503; the file system
is then filled, and `cwguard check` runs (a cycle writes the store, the
outbox delivers and must mark the row delivered); then space returns and
check runs again. Prints what each step did; exits 1 when a promise is
broken: an unclear error, a corrupt database, a queued notification lost,
or a different id on redelivery. Loopback only (the simulator).

usage: bench/diskfull.py   (as root, from the build directory, after
make check; skips when tmpfs cannot be mounted)"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))
os.environ.setdefault('BUILDDIR', os.getcwd())
from cwgtest import Sim, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
bad = []


def say(what, ok, detail=''):
    print('%-58s %s%s' % (what, 'ok' if ok else 'BROKEN',
                          ('  (%s)' % detail) if detail else ''))
    if not ok:
        bad.append(what)


mnt = tempfile.mkdtemp(prefix='cwg-diskfull.')
if os.geteuid() != 0 or subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mnt],
        capture_output=True).returncode != 0:
    print('skipped: cannot mount a tmpfs here (needs root)')
    os.rmdir(mnt)
    sys.exit(0)
sim = Sim(os.path.join(TESTS, 'scenarios', 'watch-quiet.json'))
work = tempfile.mkdtemp(prefix='cwg-diskfull-conf.')
try:
    db = os.path.join(mnt, 'state.db')
    conf = write(os.path.join(work, 'c.conf'),
                 '[cwguard]\nstate = %s\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n'
                 '[sink hook]\ntype = webhook\nurl = %s/hooks/full\n'
                 % (db, sim.url))
    env = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                    AWS_ENDPOINT_URL=sim.url)

    def check(now):
        sim.ctl('POST', 'clock', {'now': T0 + now})
        return run(['-c', conf, 'check'], dict(env, CWGUARD_NOW=str(T0 + now)))

    rc, out, err = check(1200)
    say('check on the tmpfs, space left', rc == 0, out.strip()[:60])
    # a notification queued while the receiver is down
    sim.ctl('POST', 'faults', {'hooks': {'full': {'status': 503,
                                                  'count': 1000}}})
    rc, out, err = run(['-c', conf, 'test-alert', 'hook'], env)
    con = sqlite3.connect(db)
    queued = con.execute("SELECT id FROM outbox").fetchall()
    con.close()
    say('receiver down: the notification stays queued', len(queued) == 1,
        '%d row(s)' % len(queued))
    qid = queued[0][0] if queued else None
    # fill the file system
    filler = os.path.join(mnt, 'filler')
    with open(filler, 'wb') as f:
        try:
            while True:
                f.write(b'\0' * 65536)
                f.flush()
        except OSError:
            pass
    st = os.statvfs(mnt)
    say('file system full', st.f_bavail * st.f_frsize < 65536,
        '%d bytes left' % (st.f_bavail * st.f_frsize))
    sim.ctl('POST', 'faults', {'clear': True})
    rc, out, err = check(1260)
    full_msg = 'is full' in out + err
    say('check with the disk full: UNKNOWN or OK, says the disk is full',
        rc in (0, 3) and (rc == 0 or full_msg), (out + err).strip()[-140:])
    # immutable: no -shm to create on the full file system
    con = sqlite3.connect('file:%s?immutable=1' % db, uri=True)
    try:
        integ = con.execute('PRAGMA integrity_check').fetchone()[0]
        rows = con.execute("SELECT id, status FROM outbox").fetchall()
    finally:
        con.close()
    say('disk full: integrity_check', integ == 'ok', integ)
    say('disk full: the queued notification is still there',
        [r[0] for r in rows] == [qid], rows)
    # space returns
    os.unlink(filler)
    rc, out, err = check(1320)
    say('space back: check OK', rc == 0, out.strip()[:60])
    # the retry falls due (its back-off runs on the wall clock)
    con = sqlite3.connect(db)
    con.execute('UPDATE outbox SET due = 0 WHERE status = 0')
    con.commit()
    con.close()
    rc, out, err = check(1380)
    con = sqlite3.connect(db)
    integ = con.execute('PRAGMA integrity_check').fetchone()[0]
    left = con.execute("SELECT count(*) FROM outbox WHERE status = 0"
                       ).fetchone()[0]
    con.close()
    got = [h for h in sim.ctl('GET', 'hooks') if h['name'] == 'full' and
           h['answered'] == 200]
    ids = set()
    for h in got:
        try:
            ids.add(json.loads(h['body']).get('id'))
        except ValueError:
            pass
    say('space back: integrity_check', integ == 'ok', integ)
    say('space back: delivered at least once, with its one id',
        len(got) >= 1 and ids == {qid}, '%d deliveries, ids %s' %
        (len(got), sorted(i for i in ids if i)))
    say('space back: nothing left pending', left == 0, '%d pending' % left)
finally:
    sim.stop()
    subprocess.run(['umount', '-l', mnt])
    try:
        os.rmdir(mnt)
    except OSError as e:
        print('cannot remove %s: %s' % (mnt, e))
    subprocess.run(['rm', '-rf', work])
print('%d promise(s) broken' % len(bad))
sys.exit(1 if bad else 0)
