#!/usr/bin/python3
"""Defects a hostile probe found, each driven through the real binary
against the simulator: a truncated reply is retried, a config that watches
nothing is UNKNOWN, values are decimal, the state database's mode and
--dry-run, and a broken [logs] rules file."""
import json
import os
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
d = tempfile.mkdtemp(prefix='cwg-probe.')


def conf(name, extra='', watch=True):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '%s%s' % (d, name, '[watch fns]\nkind = lambda\n'
                           'functions = *\n' if watch else '', extra))


def env(**kw):
    e = dict(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
             AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + 1200))
    e.update(kw)
    return clean_env(**e)


def check(cfg, *args):
    sim.ctl('POST', 'clock', {'now': T0 + 1200})
    return run(['-c', cfg, 'check'] + list(args), env())


def faults(rules):
    sim.ctl('POST', 'faults', {'clear': True})
    if rules:
        sim.ctl('POST', 'faults', {'rules': rules})


try:
    # 1. one truncated GetMetricData reply is retried like a closed one
    c = conf('trunc')
    rc, out, err = check(c)
    t.ok(rc == 0, 'truncate: baseline check is OK', out + err)
    faults([{'service': 'cloudwatch', 'operation': 'GetMetricData',
             'kind': 'truncate', 'count': 1}])
    rc, out, err = check(c)
    st = sim.ctl('GET', 'stats')
    t.ok(rc == 0 and st.get('faults', {}).get('truncated') == 1,
         'truncate: one truncated GetMetricData reply is retried: OK',
         out + err + json.dumps(st.get('faults')))
    faults(None)

    # 2. scan --format json: a non-UTF-8 file name is still valid JSON
    src = os.path.join(TESTS, 'data', 'scanner', 'sample.log')
    bad = os.path.join(d.encode(), b'log-\xff\xfe.txt')
    with open(src, 'rb') as f, open(bad, 'wb') as g:
        g.write(f.read())
    p = subprocess.run([CWGUARD.encode(), b'--format', b'json', b'scan',
                        bad], env=clean_env(), capture_output=True)
    lines = p.stdout.splitlines()
    try:
        docs = [json.loads(x.decode('utf-8')) for x in lines]
    except ValueError as e:
        docs = None
        why = str(e)
    t.ok(docs and all('\\xff\\xfe' in j['path'] for j in docs
                      if j.get('type') == 'finding'),
         'scan json: a 0xFF file name is escaped as \\xNN, valid UTF-8',
         why if docs is None else p.stdout[:300])

    # 3. a config that watches nothing: config check says so, check is
    # UNKNOWN (exit 3), not "OK - 0 sources"
    c = conf('empty', '[sink hook]\ntype = webhook\nurl = %s/hooks/x\n'
             % sim.url, watch=False)
    rc, out, err = run(['-c', c, 'config', 'check'], env())
    t.ok(rc == 0 and 'watches nothing' in out,
         'empty: config check says it watches nothing', out + err)
    rc, out, err = check(c)
    t.ok(rc == 0, 'empty: check with sinks only delivers the outbox: OK',
         out + err)
    c = conf('none', watch=False)
    rc, out, err = check(c)
    t.ok(rc == 3 and out.startswith('CWGUARD UNKNOWN - ') and
         'watches nothing' in out, 'empty: no watch, logs or sink: check '
         'exits 3, watches nothing', out + err)

    # 4. an existing state database readable by others: used, with a warning
    c = conf('mode')
    rc, out, err = check(c)
    t.ok(rc == 0 and 'chmod 600' not in err, 'mode: a 0600 database: no '
         'warning', out + err)
    os.chmod(os.path.join(d, 'mode.db'), 0o644)
    rc, out, err = check(c)
    t.ok(rc == 0 and 'mode.db' in err and '0644' in err and
         'chmod 600' in err, 'mode: a 0644 database: warned, named, used',
         out + err)

    # 5. check --dry-run creates no state database (nor its lock)
    c = conf('dry')
    rc, out, err = check(c, '--dry-run')
    left = [f for f in os.listdir(d) if f.startswith('dry.db')]
    t.ok(rc == 0 and '(dry run)' in out and not left,
         'dry-run: a first dry run creates no state database', (out + err,
                                                                 left))

    # 6. a missing or uncompilable [logs] rules file fails config check
    good = write(os.path.join(d, 'good.rules'),
                 '[rule a]\nkeywords = itk_\npattern = (itk_[a-z]{8})\n')
    broken = write(os.path.join(d, 'bad.rules'),
                   '[rule a]\nkeywords = a\npattern = (oops\n')
    for name, path, want in (('good', good, 0), ('missing',
                             os.path.join(d, 'nosuch.rules'), 78),
                             ('broken', broken, 78)):
        c = conf('rules-' + name, '[logs app]\nlog_groups = /aws/x\n'
                 'rules = %s\n' % path, watch=False)
        rc, out, err = run(['-c', c, 'config', 'check'], env())
        t.ok(rc == want and (want == 0 or (
            'rules-%s.conf:' % name in err and os.path.basename(path) in err)),
            'rules: %s rules file: config check exits %d, names it' %
            (name, want), out + err)

    # 7. log_format = json applies to every command; --format json
    # config check prints JSON lines
    c = write(os.path.join(d, 'json.conf'),
              '[cwguard]\nstate = %s/json.db\nlog_format = json\n'
              '[aws]\nregion = us-east-1\n[watch fns]\nkind = lambda\n'
              'functions = *\n[sink hook]\ntype = webhook\n'
              'url = %s/hooks/json\n' % (d, sim.url))
    sim.ctl('POST', 'clock', {'now': T0 + 1200})
    for args in (['check'], ['test-alert'], ['config', 'check', '--online']):
        rc, out, err = run(['-v', '-c', c] + args, env())
        bad = []
        for x in err.splitlines():
            try:
                json.loads(x)
            except ValueError:
                bad.append(x)
        t.ok(err and not bad, 'log_format json: every stderr line of -v %s '
             'is JSON' % ' '.join(args), '\n'.join(bad[:5]) or err[:300])
    rc, out, err = run(['--format', 'json', '-c', c, 'config', 'check'],
                       env())
    try:
        docs = [json.loads(x) for x in out.splitlines()]
    except ValueError:
        docs = []
    sec = {(j.get('section'), j.get('name')): j.get('keys', {})
           for j in docs if j.get('type') == 'config'}
    t.ok(rc == 0 and sec.get(('watch', 'fns'), {}).get('kind') == 'lambda'
         and sec.get(('cwguard', None), {}).get('log_format') == 'json' and
         ('sink', 'hook') in sec,
         '--format json config check: one JSON object per section', out)

    # 8. a state database of the older schema (version 1): status says to
    # run check, check migrates it and keeps the state
    c = conf('old')
    rc, out, err = check(c)
    db = os.path.join(d, 'old.db')
    con = sqlite3.connect(db)
    alerts0 = con.execute('SELECT count(*) FROM series').fetchone()[0]
    # back to version 1: its two indexes, none of the later tables
    con.executescript('CREATE INDEX datapoint_start ON datapoint '
                      '(period_start); CREATE INDEX rollup_hour ON rollup '
                      '(hour); DROP TABLE silence; DROP TABLE held; '
                      'DROP TABLE finding_mark; DROP TABLE seqstate; '
                      'PRAGMA user_version = 1;')
    con.close()
    rc, out, err = run(['-c', c, 'status'], env())
    t.ok(rc != 0 and 'older than version' in out + err and
         'cwguard check' in out + err,
         'schema 1: status refuses it and says to run check', out + err)
    rc, out, err = check(c)
    con = sqlite3.connect(db)
    ver = con.execute('PRAGMA user_version').fetchone()[0]
    idx = con.execute("SELECT count(*) FROM sqlite_master WHERE type = "
                      "'index' AND name IN ('datapoint_start', "
                      "'rollup_hour')").fetchone()[0]
    n = con.execute('SELECT count(*) FROM series').fetchone()[0]
    integ = con.execute('PRAGMA integrity_check').fetchone()[0]
    con.close()
    # 5: silences (3), finding marks (4), sequential state (5)
    t.ok(rc == 0 and ver == 5 and idx == 0 and n == alerts0 and
         integ == 'ok', 'schema 1: check migrates it to the current 5, '
         'state kept, integrity ok', (rc, out, err, ver, idx, n, alerts0))

    # 9. the clock jumping back an hour, then forward an hour
    c = conf('clock')
    outs = []
    for dt in (1200, 1200 - 3600, 1200, 1200 + 3600):
        sim.ctl('POST', 'clock', {'now': T0 + dt})
        outs.append(run(['-c', c, 'check'], env(CWGUARD_NOW=str(T0 + dt))))
    con = sqlite3.connect(os.path.join(d, 'clock.db'))
    integ = con.execute('PRAGMA integrity_check').fetchone()[0]
    queued = con.execute('SELECT count(*) FROM outbox').fetchone()[0]
    con.close()
    t.ok(all(o[0] == 0 for o in outs) and integ == 'ok' and queued == 0,
         'clock back an hour and forward again: every check OK, nothing '
         'invented, integrity ok', [o[1] for o in outs])
finally:
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
