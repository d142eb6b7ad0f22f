#!/usr/bin/python3
"""A leaked AWS access key id says which account it belongs to (decoded
offline from the id, never used): through `cwguard check` against the
simulator, the alert of a key of the watched account (the one
sts:GetCallerIdentity names, 123456789012) is "ours" and critical, a key
of another account "foreign" and a warning; `scan --account` says the
same for files, and `scan --confirm` asks sts:GetAccessKeyInfo (signed
with cwguard's own credentials, the leaked id only a parameter) for the
accounts, old-format ids included."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, TESTS, clean_env, run, write  # noqa: E402

NOW = 1767229200
OURS = 'AKIARZPUZDIKAAASGRLH'       # encodes 123456789012 (made for this)
FOREIGN = 'AKIARLPXUTKI6Q7JXL4S'    # encodes 093398014609
KEY = ('AKIDSIMLOGS00000001', 'simSecretLogs/00000000000000000000000001')

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'logs-secrets.json'))
try:
    with open(os.path.join(TESTS, 'scenarios', 'logs-secrets.json')) as f:
        sc = json.load(f)
    sc['log_groups'][0]['events'].append({
        'timestamp': (NOW - 900) * 1000, 'stream': 's',
        'message': 'export AWS_ACCESS_KEY_ID=%s' % OURS})
    p = write(os.path.join(sim.dir, 'sc.json'), json.dumps(sc))
    sim.ctl('POST', 'scenario', {'path': p})
    sim.ctl('POST', 'clock', {'now': NOW})
    conf = write(os.path.join(sim.dir, 'c.conf'),
                 '[cwguard]\nstate = %s/state.db\nlag = 3m\n[aws]\n'
                 'region = us-east-1\n[sink hook]\ntype = webhook\n'
                 'url = %s/hooks/k\n[logs lambda]\n'
                 'log_groups = /aws/lambda/*\nlookback = 1h\n'
                 'sinks = hook\n' % (sim.dir, sim.url))
    env = clean_env(AWS_ENDPOINT_URL=sim.url, AWS_ACCESS_KEY_ID=KEY[0],
                    AWS_SECRET_ACCESS_KEY=KEY[1], AWS_REGION='us-east-1',
                    CWGUARD_NOW=str(NOW))
    rc, out, err = run(['-c', conf, '--format', 'json', 'check'], env)
    hooks = [h for h in sim.ctl('GET', 'hooks')
             if h.get('path', '').startswith('/hooks/k')]
    t.ok(len(hooks) == 1, 'one webhook delivery', out + err)
    body = json.loads(hooks[0]['body']) if hooks else {}
    keys = {a.get('aws_account'): a for a in body.get('alerts', [])
            if a.get('rule') == 'aws-access-key-id'}
    t.ok(body.get('account') == '123456789012',
         'the watched account comes from GetCallerIdentity', body)
    ours = keys.get('123456789012', {})
    foreign = keys.get('093398014609', {})
    t.ok(ours.get('owner') == 'ours' and ours.get('severity') == 'critical',
         'a key of the watched account: ours, critical', ours)
    t.ok(foreign.get('owner') == 'foreign' and
         foreign.get('severity') == 'warning',
         'a key of another account: foreign, warning', foreign)
    others = [a for a in body.get('alerts', [])
              if a.get('rule') != 'aws-access-key-id']
    t.ok(others and all('owner' not in a and 'aws_account' not in a
                        for a in others),
         'other rules carry no account', others)
    stats = sim.ctl('GET', 'stats')
    t.ok(stats['signature_failures'] == 0 and
         all(OURS not in json.dumps(h) and FOREIGN not in json.dumps(h)
             for h in hooks), 'no key id in the payload, every request '
         'signed with cwguard\'s own credentials')
    t.ok(OURS not in out + err and FOREIGN not in out + err,
         'no key id in the output')

    log = write(os.path.join(sim.dir, 'k.log'), 'a %s\nb %s\n' %
                (OURS, FOREIGN))
    rc, out, err = run(['--format', 'json', 'scan', '--account',
                        '123456789012', log], clean_env())
    rows = [json.loads(x) for x in out.splitlines()]
    t.ok(rc == 1 and [(r.get('aws_account'), r.get('owner'))
                      for r in rows] ==
         [('123456789012', 'ours'), ('093398014609', 'foreign')],
         'scan --account: ours and foreign', out + err)
    rc, out, err = run(['scan', '--account', '12345', log], clean_env())
    t.ok(rc == 64, 'scan --account needs 12 digits', out + err)

    # --confirm: an old-format id (no account in it) known to STS, the two
    # new-format ones, and a repeat that must not be asked again.
    OLD = 'AKIAJQ2DRMNSLPRZOXWA'
    sc['sts'] = {'access_keys': {OLD: '210987654321'}}
    p = write(os.path.join(sim.dir, 'sc2.json'), json.dumps(sc))
    sim.ctl('POST', 'scenario', {'path': p})
    before = sim.ctl('GET', 'stats')['requests'].get('sts', {})
    log2 = write(os.path.join(sim.dir, 'k2.log'), 'a %s\nb %s\nc %s\n'
                 'd %s\n' % (OURS, FOREIGN, OLD, OLD))
    rc, out, err = run(['-c', conf, '--format', 'json', 'scan', '--confirm',
                        log2], env)
    rows = [json.loads(x) for x in out.splitlines() if x.startswith('{')]
    got = [(r.get('aws_account'), r.get('owner'), r.get('confirmed'))
           for r in rows]
    t.ok(rc == 1 and got == [('123456789012', 'ours', True),
                             ('093398014609', 'foreign', True),
                             ('210987654321', 'foreign', True),
                             ('210987654321', 'foreign', True)],
         'scan --confirm: accounts from STS, ours from GetCallerIdentity, '
         'the old-format id too', out + err)
    after = sim.ctl('GET', 'stats')['requests'].get('sts', {})
    t.ok(after.get('GetAccessKeyInfo', 0) -
         before.get('GetAccessKeyInfo', 0) == 3,
         'three distinct ids: three GetAccessKeyInfo calls', after)
    stats = sim.ctl('GET', 'stats')
    t.ok(stats['signature_failures'] == 0, 'every call signed with '
         'cwguard\'s own credentials')
    t.ok(OLD not in out + err and OURS not in out + err,
         'no key id in the output')
    # The simulator's answer as botocore reads it (its wire format).
    import botocore.session
    sts = botocore.session.get_session().create_client(
        'sts', region_name='us-east-1', endpoint_url=sim.url,
        aws_access_key_id=KEY[0], aws_secret_access_key=KEY[1])
    t.ok(sts.get_access_key_info(AccessKeyId=OLD)['Account'] ==
         '210987654321' and sts.get_access_key_info(
             AccessKeyId=OURS)['Account'] == '123456789012',
         'botocore reads the simulator\'s GetAccessKeyInfo')
    try:
        sts.get_access_key_info(AccessKeyId='AKIAIOSFODNN7EXAMPLX')
        t.ok(False, 'an unknown old-format id is refused')
    except sts.exceptions.ClientError as e:
        t.ok(e.response['Error']['Code'] == 'InvalidParameterValue',
             'an unknown old-format id is refused', e)
    rc, out, err = run(['--format', 'json', 'scan', '--confirm', log2],
                       clean_env(CWGUARD_CONFIG=os.path.join(sim.dir, 'no')))
    t.ok(rc == 2 and 'needs a config' in err,
         '--confirm without a usable config: an error', out + err)
finally:
    sim.stop()
sys.exit(t.done())
