#!/usr/bin/python3
"""`cwguard check` as a Nagios/Icinga plugin, through the real binary
against the simulator: -t/--timeout answers UNKNOWN before it, UNKNOWN
carries no perfdata, a long message is cut between errors on one line,
usage errors exit 64, and --perfdata-series adds one value per open
series."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
SCEN = os.path.join(TESTS, 'scenarios')

t = Tap()
sim = Sim(os.path.join(SCEN, 'watch-spike.json'))
d = tempfile.mkdtemp(prefix='cwg-nagios.')


def conf(name, watches=1):
    w = ''.join('[watch fns%s]\nkind = lambda\nfunctions = *\n' %
                ('' if i == 0 else str(i)) for i in range(watches))
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '%s' % (d, name, w))


def check(cfg, now, *args, timeout=120):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                  AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + now))
    return run(['-c', cfg, 'check'] + list(args), e, timeout=timeout)


def faults(rules):
    sim.ctl('POST', 'faults', {'clear': True})
    if rules:
        sim.ctl('POST', 'faults', {'rules': rules})


try:
    # 1. usage errors exit 64 (as cwguard(8) documents), not UNKNOWN
    c = conf('usage')
    for args in (['--bogus'], ['-t', 'soon'], ['-t', '0'], ['extra']):
        rc, out, err = check(c, 1200, *args)
        t.ok(rc == 64 and 'usage' in err, 'usage: check %s exits 64' %
             ' '.join(args), (rc, out, err))

    # 2. -t: the check answers UNKNOWN before the timeout, no perfdata
    faults([{'service': 'cloudwatch', 'operation': 'GetMetricData',
             'kind': 'delay', 'seconds': 40}])
    try:
        rc, out, err = check(c, 1200, '-t', '3', timeout=25)
    except subprocess.TimeoutExpired:
        rc, out, err = None, '', 'no answer long after -t 3'
    faults(None)
    t.ok(rc == 3 and out.startswith('CWGUARD UNKNOWN - ') and
         'timeout' in out and len(out.splitlines()) == 1,
         'timeout: -t 3 against a 40 s reply: UNKNOWN saying timeout',
         (rc, out, err))
    t.ok(rc == 3 and '|' not in out, 'timeout: UNKNOWN has no perfdata '
         '(no zeros)', out)
    rc, out, err = check(c, 1200, '--timeout', '2m')
    t.ok(rc == 2 and "'firing'=1;;;0" in out,
         'timeout: --timeout 2m is enough for a normal check', out + err)

    # 3. an API failure is UNKNOWN without perfdata
    faults([{'service': 'cloudwatch', 'operation': 'GetMetricData',
             'kind': 'error', 'status': 400, 'code': 'AccessDenied',
             'message': 'User: arn:aws:iam::123456789012:user/cwguard-test '
             'is not authorized to perform: cloudwatch:GetMetricData '
             'because no identity-based policy allows the '
             'cloudwatch:GetMetricData action'}])
    c = conf('many', watches=6)
    rc, out, err = check(c, 1200)
    faults(None)
    msg = out.split(' - ', 1)[-1].rstrip('\n')
    t.ok(rc == 3 and '|' not in out and len(out.splitlines()) == 1,
         'failure: UNKNOWN, one line, no perfdata', out)
    # 4. ... and six long errors are cut between two of them, not inside
    segs = msg[:-len('; and more')].split('; ')
    tails = set(x.rsplit('): ', 1)[-1] for x in segs)
    t.ok(msg.endswith('; and more') and 1 <= len(segs) < 6 and
         all(x.startswith('watch fns') for x in segs) and len(tails) == 1,
         'failure: a long UNKNOWN message keeps whole errors, then '
         '"; and more"', msg)

    # 5. --perfdata-series: one value per open series, min 0, max 1
    c = conf('series')
    rc, out, err = check(c, 1200, '--perfdata-series')
    _, _, perf = out.partition('|')
    item = [p for p in perf.split("'fns/")[1:]]
    t.ok(rc == 2 and len(item) == 1 and
         item[0].startswith('fn-00001 errors\'=0.') and
         item[0].rstrip().endswith(';;;0;1') and
         len(out.splitlines()) == 1,
         "series: 'fns/fn-00001 errors'=0.NN;;;0;1 after the totals", out)
    rc, out, err = check(c, 1260)
    t.ok(rc == 2 and "'fns/" not in out, 'series: not without the option',
         out)
finally:
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
