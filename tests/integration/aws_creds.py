#!/usr/bin/python3
"""Every credential provider alone, then retries and failures, through the
real binary (`config check --online`) against the simulator, which checks
each signature with botocore."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

BASIC = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
ROLE = 'arn:aws:iam::123456789012:role/cwguard-role'
ACCOUNT = '123456789012'

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'basic.json'))
d = tempfile.mkdtemp(prefix='cwg-creds.')
try:
    import time
    sim.ctl('POST', 'clock', {'now': int(time.time())})
    conf = write(os.path.join(d, 'c.conf'),
                 '[cwguard]\nstate = %s/state.db\n[aws]\nregion = us-east-1\n'
                 '[sink hook]\ntype = webhook\n'
                 'url = ${secretsmanager:cwguard/webhook#url}\n' % d)
    base = dict(AWS_ENDPOINT_URL=sim.url)

    def online(name, env, provider, want_rc=0, more=None):
        rc, out, err = run(['-c', conf, 'config', 'check', '--online'], env)
        t.ok(rc == want_rc, '%s: exit %d' % (name, want_rc),
             'exit %d\n%s%s' % (rc, out, err))
        if provider is not None:
            t.ok('credentials' in out and provider in out,
                 '%s: provider is %s' % (name, provider), out + err)
        if want_rc == 0:
            t.ok(('account                  %s' % ACCOUNT) in out,
                 '%s: account from GetCallerIdentity' % name, out + err)
        for m in more or []:
            t.ok(m in out + err, '%s: says %r' % (name, m), out + err)
        for secret in (BASIC[1], 'simSecret', 'SIMSESSIONTOKEN',
                       'sim-ecs-auth-token', 'sim-web-identity-token',
                       'http://127.0.0.1/hooks/sim'):
            t.ok(secret not in out + err, '%s: no secret %s... printed' %
                 (name, secret[:6]))
        return out + err

    online('env', clean_env(AWS_ACCESS_KEY_ID=BASIC[0],
                            AWS_SECRET_ACCESS_KEY=BASIC[1], **base), 'env',
           more=['secret references resolved 1',
                 'endpoint cloudwatch      ' + sim.url])

    cred = write(os.path.join(d, 'credentials'),
                 '[prod]\naws_access_key_id = %s\n'
                 'aws_secret_access_key = %s\n' % BASIC)
    online('shared credentials file',
           clean_env(AWS_SHARED_CREDENTIALS_FILE=cred, AWS_PROFILE='prod',
                     **base), 'shared-credentials-file profile prod')

    cfgf = write(os.path.join(d, 'config'),
                 '[profile cfg]\nregion = us-east-1\naws_access_key_id = %s\n'
                 'aws_secret_access_key = %s\n'
                 '[profile proc]\ncredential_process = %s/proc.sh "arg one"\n'
                 '[profile role]\nrole_arn = %s\nsource_profile = prod\n'
                 % (BASIC[0], BASIC[1], d, ROLE))
    online('config file keys',
           clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='cfg', **base),
           'config-file profile cfg')

    write(os.path.join(d, 'proc.sh'),
          '#!/bin/sh\n[ "$1" = "arg one" ] || exit 3\n'
          'printf \'{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s"}\'\n'
          % BASIC, 0o700)
    online('credential_process',
           clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='proc', **base),
           'credential_process profile proc')

    online('assume-role profile',
           clean_env(AWS_CONFIG_FILE=cfgf, AWS_SHARED_CREDENTIALS_FILE=cred,
                     AWS_PROFILE='role', **base),
           'assume-role profile role')

    tok = write(os.path.join(d, 'token'), 'sim-web-identity-token-0001\n')
    online('web identity',
           clean_env(AWS_WEB_IDENTITY_TOKEN_FILE=tok, AWS_ROLE_ARN=ROLE,
                     **base), 'web-identity')

    online('container', clean_env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=sim.url + '/ecs/credentials',
        AWS_CONTAINER_AUTHORIZATION_TOKEN='sim-ecs-auth-token', **base),
        'container')

    online('imds', clean_env(AWS_EC2_METADATA_DISABLED=None,
                             AWS_EC2_METADATA_SERVICE_ENDPOINT=sim.url,
                             **base), 'imds')

    conf_role = write(os.path.join(d, 'role.conf'),
                      '[aws]\nregion = us-east-1\nrole_arn = %s\n' % ROLE)
    rc, out, err = run(['-c', conf_role, 'config', 'check', '--online'],
                       clean_env(AWS_ACCESS_KEY_ID=BASIC[0],
                                 AWS_SECRET_ACCESS_KEY=BASIC[1], **base))
    t.ok(rc == 0 and 'env + assume-role ' + ROLE in out and
         'assumed-role/cwguard-role' in out,
         '[aws] role_arn assumed on top of env', out + err)

    online('no credentials at all', clean_env(**base), None, want_rc=1,
           more=['no AWS credentials'])

    before = sim.ctl('GET', 'stats').get('signature_failures', -1)
    t.ok(before == 0, 'no bad signature from any provider so far', before)
    online('wrong secret', clean_env(AWS_ACCESS_KEY_ID=BASIC[0],
                                     AWS_SECRET_ACCESS_KEY='not-the-secret',
                                     **base), 'env', want_rc=1,
           more=['SignatureDoesNotMatch'])

    after = sim.ctl('GET', 'stats').get('signature_failures', -1)
    t.ok(after > before, 'the simulator refused the wrong secret', after)

    envok = clean_env(AWS_ACCESS_KEY_ID=BASIC[0],
                      AWS_SECRET_ACCESS_KEY=BASIC[1], **base)
    sim.ctl('POST', 'faults', {'clear': True, 'seed': 3, 'rules': [
        {'service': 'sts', 'operation': 'GetCallerIdentity',
         'kind': 'throttle', 'probability': 0.3}]})
    okruns = sum(1 for _ in range(10)
                 if run(['-c', conf, 'config', 'check', '--online'],
                        envok)[0] == 0)
    t.ok(okruns == 10, 'throttling at 30%%: %d/10 runs still complete' %
         okruns)

    sim.ctl('POST', 'faults', {'clear': True, 'rules': [
        {'service': 'sts', 'operation': 'GetCallerIdentity',
         'kind': 'error', 'status': 503, 'count': 1000}]})
    st0 = sim.ctl('GET', 'stats')['requests']['sts'].get('GetCallerIdentity')
    online('5xx storm', envok, 'env', want_rc=1, more=['503'])
    st1 = sim.ctl('GET', 'stats')['requests']['sts'].get('GetCallerIdentity')
    t.ok(st1 - st0 == 5, '5xx storm: exactly 5 attempts (the bounded '
         'retries), then the error (%d)' % (st1 - st0))

    sim.ctl('POST', 'faults', {'clear': True, 'rules': [
        {'service': 'sts', 'operation': 'GetCallerIdentity',
         'kind': 'oversize', 'bytes': 9 * 1024 * 1024}]})
    online('body over the cap', envok, 'env', want_rc=1,
           more=['over 8388608 bytes'])
    sim.ctl('POST', 'faults', {'clear': True})
finally:
    sim.stop()
sys.exit(t.done())
