#!/usr/bin/python3
"""NAB through the product: every CSV of a set is served by the AWS
simulator (tests/awssim, loader awssim.gen:csv_series) as the CloudWatch
metric NAB/Value, dimension Series=<file name>, 5-minute period, each row
at its own timestamp; one `kind = metric` watch per series, every key at
its default unless --key says otherwise; `cwguard --format json backtest`
over each series' own time range; every firing transition (not the
repeats) becomes an alert at the start of its period; the alerts are scored
with ../shared/tools/nab_events.py (--nab-score).

usage: backtest_nab.py [--cwguard BIN] [--key K=V]... [--out DET.json]
                       [--jobs N] [--keep DIR] SET [SCORE_ARGS...]
  SET   nab | nab-aws | a path holding data/<category>/*.csv and
        labels/combined_windows.json
  --key K=V  an extra key in every watch (tuning on dev only)

Needs /usr/bin/python3 with python3-botocore (the simulator) and the
shared data; it exits 77 (skip) when the set is absent.  Only loopback:
every cwguard run points at the simulator.
"""
import argparse
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get('SHARED', os.path.join(os.path.dirname(TOP),
                                                'shared'))
if not os.path.isdir(os.path.join(SHARED, 'tools')) and \
        os.path.isdir('/work/shared/tools'):
    SHARED = '/work/shared'
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
from cwgtest import Sim, clean_env  # noqa: E402

PERIOD = 300
KEY = ('AKIDSIMNAB000000001', 'simSecretNab/00000000000000000000000000001')


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def rows_range(path):
    lo = hi = None
    with open(path) as f:
        for line in f:
            ts = line.split(',', 1)[0].strip()
            if not ts or ts == 'timestamp':
                continue
            t = calendar.timegm(time.strptime(
                ts.replace('T', ' ').rstrip('Z')[:19], '%Y-%m-%d %H:%M:%S'))
            lo = t if lo is None or t < lo else lo
            hi = t if hi is None or t > hi else hi
    return lo, hi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cwguard', default=os.environ.get('CWGUARD'))
    ap.add_argument('--key', action='append', default=[])
    ap.add_argument('--out')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--keep')
    ap.add_argument('set')
    ap.add_argument('score_args', nargs='*')
    a = ap.parse_args()
    setdir = a.set if '/' in a.set else os.path.join(SHARED, 'data', a.set)
    if not os.path.isdir(os.path.join(setdir, 'data')):
        print('backtest_nab: no %s/data: skipped' % setdir, file=sys.stderr)
        return 77
    name = os.path.basename(setdir.rstrip('/'))
    cwg = a.cwguard
    if not cwg:
        for c in (os.path.join(os.environ.get('BUILDDIR', '.'), 'cwguard'),
                  './cwguard', os.path.join(TOP, 'build', 'cwguard')):
            if os.access(c, os.X_OK):
                cwg = c
                break
    if not cwg:
        print('backtest_nab: set --cwguard or CWGUARD', file=sys.stderr)
        return 2
    cwg = os.path.abspath(cwg)
    files = []
    for root, _, fs in os.walk(os.path.join(setdir, 'data')):
        for f in fs:
            if f.endswith('.csv'):
                files.append(os.path.join(root, f))
    files.sort()
    d = a.keep or tempfile.mkdtemp(prefix='cwg-nab.')
    os.makedirs(d, exist_ok=True)
    series = {}
    for i, f in enumerate(files):
        series['w%03d' % i] = (os.path.basename(f)[:-4], f) + rows_range(f)
    clock = max(v[3] for v in series.values()) + 2 * PERIOD
    scen = {
        'account_id': '123456789012', 'region': 'us-east-1', 'clock': clock,
        'credentials': [{'access_key_id': KEY[0],
                         'secret_access_key': KEY[1],
                         'arn': 'arn:aws:iam::123456789012:user/nab'}],
        'cloudwatch': {'max_datapoints_per_call': 100800},
        'metrics': [{'generator': 'awssim.gen:csv_series', 'args': {
            'files': {v[0]: v[1] for v in series.values()},
            'namespace': 'NAB', 'name': 'Value', 'dimension': 'Series',
            'period': PERIOD}}]}
    sp = os.path.join(d, 'scenario.json')
    with open(sp, 'w') as f:
        json.dump(scen, f)
    conf = ['[cwguard]', 'state = %s' % os.path.join(d, 'unused.db'),
            '[aws]', 'region = us-east-1']
    for w, (dim, _, _, _) in sorted(series.items()):
        conf += ['[watch %s]' % w, 'kind = metric', 'namespace = NAB',
                 'metric = Value', 'dimensions = Series=%s' % dim,
                 'period = 5m'] + [k.replace('=', ' = ', 1) for k in a.key]
    cp = os.path.join(d, 'nab.conf')
    with open(cp, 'w') as f:
        f.write('\n'.join(conf) + '\n')
    sim = Sim(sp)
    tmp = os.path.join(d, 'tmp')
    os.makedirs(tmp, exist_ok=True)
    env = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                    AWS_ENDPOINT_URL=sim.url, TMPDIR=tmp)
    det = {}
    firings = 0
    failed = []

    def one(item):
        w, (dim, path, lo, hi) = item
        t0 = lo - lo % PERIOD
        t1 = hi - hi % PERIOD + PERIOD
        p = subprocess.run([cwg, '-c', cp, '--format', 'json', 'backtest',
                            '--watch', w, '--from', iso(t0), '--to',
                            iso(t1)], env=env, capture_output=True,
                           timeout=3600)
        return w, dim, path, p

    try:
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            for w, dim, path, p in ex.map(one, sorted(series.items())):
                if p.returncode != 0:
                    failed.append('%s (%s): exit %d: %s' % (
                        w, dim, p.returncode,
                        p.stderr.decode('utf-8', 'replace')[-500:]))
                    continue
                key = os.path.relpath(path, os.path.join(setdir, 'data'))
                al = det.setdefault(key, [])
                for line in p.stdout.decode().splitlines():
                    if not line.strip():
                        continue
                    j = json.loads(line)
                    if j.get('type') != 'alert' or \
                            j.get('status') != 'firing' or j.get('repeat'):
                        continue
                    # "at" is the end of the period judged; the row is the
                    # first at or after its start
                    t = calendar.timegm(time.strptime(
                        j['at'], '%Y-%m-%dT%H:%M:%SZ')) - PERIOD
                    al.append(time.strftime('%Y-%m-%d %H:%M:%S',
                                            time.gmtime(t)))
                    firings += 1
    finally:
        sim.stop()
    if failed:
        print('backtest_nab: failed:\n  ' + '\n  '.join(failed),
              file=sys.stderr)
        return 1
    out = a.out or 'nab-backtest-%s.json' % name
    with open(out, 'w') as f:
        json.dump(det, f, indent=1, sort_keys=True)
    print('backtest_nab: %d series, %d firing transitions -> %s' %
          (len(series), firings, out), file=sys.stderr)
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    return subprocess.call([
        '/usr/bin/python3', os.path.join(SHARED, 'tools', 'nab_events.py'),
        '--labels', os.path.join(setdir, 'labels', 'combined_windows.json'),
        '--data', os.path.join(setdir, 'data'), '--detections', out,
        '--nab-score'] + a.score_args)


if __name__ == '__main__':
    sys.exit(main())
