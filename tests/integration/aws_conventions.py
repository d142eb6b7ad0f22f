#!/usr/bin/python3
"""AWS CLI v2 conventions through the real binary (`config check
--online`) against the simulator: AWS_CA_BUNDLE and profile ca_bundle,
profile endpoint_url and [services] sections, a named profile that does
not exist, and IAM Identity Center (SSO) profiles with the cached token,
its refresh and GetRoleCredentials."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

BASIC = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'basic.json'))
d = tempfile.mkdtemp(prefix='cwg-awsconv.')


def online(env, conf=None):
    return run(['-c', conf or CONF, 'config', 'check', '--online'], env)


def line(out, key):
    for x in out.splitlines():
        if x.startswith(key + ' '):
            return x[len(key):].strip()
    return None


try:
    import time
    sim.ctl('POST', 'clock', {'now': int(time.time())})
    CONF = write(os.path.join(d, 'c.conf'),
                 '[cwguard]\nstate = %s/state.db\n[aws]\nregion = us-east-1\n'
                 '[sink hook]\ntype = webhook\n'
                 'url = ${secretsmanager:cwguard/webhook#url}\n' % d)
    keys = dict(AWS_ACCESS_KEY_ID=BASIC[0], AWS_SECRET_ACCESS_KEY=BASIC[1])

    # 1. a profile named by AWS_PROFILE that does not exist
    rc, out, err = online(clean_env(AWS_PROFILE='nosuch',
                                    AWS_ENDPOINT_URL=sim.url, **keys))
    t.ok(rc != 0 and "'nosuch'" in err and 'AWS_PROFILE' in err,
         'AWS_PROFILE=nosuch: refused, naming the profile', out + err)

    # 2. the CA bundle: AWS_CA_BUNDLE, the profile's ca_bundle, a bad one
    ca = write(os.path.join(d, 'ca.pem'), '# no certificate needed on '
               'loopback http\n', 0o644)
    rc, out, err = online(clean_env(AWS_CA_BUNDLE=ca,
                                    AWS_ENDPOINT_URL=sim.url, **keys))
    t.ok(rc == 0 and line(out, 'ca bundle') == ca,
         'AWS_CA_BUNDLE: used for AWS requests', out + err)
    rc, out, err = online(clean_env(AWS_CA_BUNDLE=d + '/nosuch.pem',
                                    AWS_ENDPOINT_URL=sim.url, **keys))
    t.ok(rc != 0 and 'AWS_CA_BUNDLE' in err and 'nosuch.pem' in err,
         'AWS_CA_BUNDLE: a missing file is an error naming it', out + err)
    cfgf = write(os.path.join(d, 'config'),
                 '[profile ca]\nca_bundle = %s\n'
                 '[profile ep]\nendpoint_url = %s\n'
                 '[profile svc]\nendpoint_url = http://127.0.0.1:9\n'
                 'services = local\n'
                 '[services local]\nsts =\n  endpoint_url = %s\n'
                 'secrets_manager =\n  endpoint_url = %s\n'
                 'cloudwatch =\n  endpoint_url = %s/cw\n'
                 '[profile ign]\nendpoint_url = http://127.0.0.1:9\n'
                 'ignore_configured_endpoint_urls = true\n'
                 % (ca, sim.url, sim.url, sim.url, sim.url))
    rc, out, err = online(clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='ca',
                                    AWS_ENDPOINT_URL=sim.url, **keys))
    t.ok(rc == 0 and line(out, 'ca bundle') == ca,
         'profile ca_bundle: used for AWS requests', out + err)

    # 3. endpoints from the profile and its [services] section
    rc, out, err = online(clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='ep',
                                    **keys))
    t.ok(rc == 0 and line(out, 'endpoint sts') == sim.url and
         line(out, 'endpoint logs') == sim.url,
         'profile endpoint_url: every service goes there', out + err)
    rc, out, err = online(clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='svc',
                                    **keys))
    t.ok(rc == 0 and line(out, 'endpoint sts') == sim.url and
         line(out, 'endpoint secretsmanager') == sim.url and
         line(out, 'endpoint cloudwatch') == sim.url and
         line(out, 'endpoint logs') == 'http://127.0.0.1:9',
         '[services]: per-service endpoint_url before the profile\'s',
         out + err)
    rc, out, err = online(clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='svc',
                                    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=sim.url + '/l',
                                    AWS_ENDPOINT_URL='http://127.0.0.1:8',
                                    **keys))
    t.ok(rc == 0 and line(out, 'endpoint logs') == sim.url and
         line(out, 'endpoint sts') == sim.url and
         line(out, 'endpoint lambda') == 'http://127.0.0.1:8',
         'order: AWS_ENDPOINT_URL_<SVC>, [services], AWS_ENDPOINT_URL, '
         'profile', out[-700:] + err)
    # ignore_configured_endpoint_urls in the profile, then the variable
    # saying false: the configured URLs are used again (no request ever
    # leaves loopback: the ignored case is checked offline, in
    # tests/unit/test_aws_endpoint)
    rc, out, err = online(clean_env(AWS_CONFIG_FILE=cfgf, AWS_PROFILE='ign',
                                    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=
                                    'false', AWS_ENDPOINT_URL=sim.url,
                                    **keys))
    t.ok(rc == 0 and line(out, 'endpoint sts') == sim.url,
         'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false overrides the profile',
         out + err)

    # 4. IAM Identity Center: sso_session and legacy profiles
    import hashlib
    import json
    now = int(time.time())
    with open(os.path.join(TESTS, 'scenarios', 'basic.json')) as f:
        sc = json.load(f)
    sc['sso'] = {'tokens': {'SIMSSOVALID0001': now + 3600,
                            'SIMSSOLEGACY001': now + 3600},
                 'client_id': 'simclient', 'client_secret': 'SIMCLIENTSECRET',
                 'refresh_token': 'SIMSSOREFRESH001',
                 'roles': {'123456789012/ReadOnly': 'dev@example.com'}}
    sim.ctl('POST', 'scenario', sc)
    sim.ctl('POST', 'clock', {'now': now})
    home = os.path.join(d, 'home')
    cache = os.path.join(home, '.aws', 'sso', 'cache')
    os.makedirs(cache)
    start = 'https://sim-portal.awsapps.com/start'
    ssocfg = write(os.path.join(d, 'sso-config'),
                   '[profile dev]\nsso_session = corp\n'
                   'sso_account_id = 123456789012\nsso_role_name = ReadOnly\n'
                   '[profile old]\nsso_start_url = %s\nsso_region = us-east-1\n'
                   'sso_account_id = 123456789012\nsso_role_name = ReadOnly\n'
                   '[profile nocache]\nsso_session = nosuch\n'
                   'sso_account_id = 123456789012\nsso_role_name = ReadOnly\n'
                   '[sso-session corp]\nsso_start_url = %s\n'
                   'sso_region = us-east-1\n'
                   'sso_registration_scopes = sso:account:access\n'
                   '[sso-session nosuch]\nsso_start_url = %s\n'
                   'sso_region = us-east-1\n' % (start, start, start))

    def iso(t):
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))

    def put_cache(key, doc):
        p = os.path.join(cache, hashlib.sha1(key.encode()).hexdigest() +
                         '.json')
        write(p, json.dumps(doc))
        return p

    corp = put_cache('corp', {
        'startUrl': start, 'region': 'us-east-1',
        'accessToken': 'SIMSSOVALID0001', 'expiresAt': iso(now + 3600),
        'clientId': 'simclient', 'clientSecret': 'SIMCLIENTSECRET',
        'registrationExpiresAt': iso(now + 86400 * 30),
        'refreshToken': 'SIMSSOREFRESH001'})
    put_cache(start, {'startUrl': start, 'region': 'us-east-1',
                      'accessToken': 'SIMSSOLEGACY001',
                      'expiresAt': iso(now + 3600)})
    sso_env = dict(HOME=home, AWS_CONFIG_FILE=ssocfg,
                   AWS_ENDPOINT_URL=sim.url)
    secrets = ('SIMSSOVALID0001', 'SIMSSOLEGACY001', 'SIMCLIENTSECRET',
               'SIMSSOREFRESH', 'SIMSSOTOKEN')

    def sso_online(profile):
        rc, out, err = online(clean_env(AWS_PROFILE=profile, **sso_env))
        leaked = [x for x in secrets if x in out + err]
        return rc, out, err, leaked

    rc, out, err, leaked = sso_online('dev')
    t.ok(rc == 0 and 'sso profile dev, session corp' in out and
         'AWSReservedSSO_ReadOnly' in (line(out, 'identity') or ''),
         'sso_session: the cached token, GetRoleCredentials, then STS',
         out[-600:] + err)
    t.ok(not leaked, 'sso_session: no token printed', leaked)
    rc, out, err, leaked = sso_online('old')
    t.ok(rc == 0 and 'sso profile old' in out and
         'AWSReservedSSO_ReadOnly' in (line(out, 'identity') or ''),
         'legacy sso_start_url: cache keyed by the start URL', out[-600:] +
         err)
    # the token has expired: refreshed with the cached refresh token
    with open(corp) as f:
        doc = json.load(f)
    doc['expiresAt'] = iso(now - 60)
    doc['accessToken'] = 'SIMSSOEXPIRED01'
    write(corp, json.dumps(doc))
    r0 = sim.ctl('GET', 'stats').get('sso', {}).get('refreshes', 0)
    rc, out, err, leaked = sso_online('dev')
    st = sim.ctl('GET', 'stats').get('sso', {})
    with open(corp) as f:
        doc = json.load(f)
    t.ok(rc == 0 and st.get('refreshes', 0) == r0 + 1 and
         doc['accessToken'].startswith('SIMSSOTOKEN') and
         doc['refreshToken'] != 'SIMSSOREFRESH001' and
         doc['expiresAt'] > iso(now) and doc['clientId'] == 'simclient',
         'sso_session: an expired token is refreshed (CreateToken) and the '
         'cache updated', (rc, out[-400:], err, st))
    t.ok(not leaked and (os.stat(corp).st_mode & 0o077) == 0,
         'sso_session: refreshed cache stays 0600, nothing printed', leaked)
    rc, out, err, leaked = sso_online('dev')
    t.ok(rc == 0 and sim.ctl('GET', 'stats')['sso'].get('refreshes') ==
         r0 + 1, 'sso_session: the refreshed token is used from the cache',
         out[-300:] + err)
    # no valid token: say how to log in
    rc, out, err, leaked = sso_online('nocache')
    t.ok(rc != 0 and 'aws sso login --profile nocache' in out + err,
         'no cached token: run `aws sso login --profile nocache`',
         out[-300:] + err)
    put_cache(start, {'startUrl': start, 'region': 'us-east-1',
                      'accessToken': 'SIMSSOLEGACY001',
                      'expiresAt': iso(now - 10)})
    rc, out, err, leaked = sso_online('old')
    t.ok(rc != 0 and 'aws sso login --profile old' in out + err and
         'expired' in out + err,
         'legacy, expired (no refresh): run `aws sso login`', out[-300:] +
         err)
    doc['refreshToken'] = 'SIMSSOREFRESH-revoked'
    doc['expiresAt'] = iso(now - 60)
    write(corp, json.dumps(doc))
    rc, out, err, leaked = sso_online('dev')
    t.ok(rc != 0 and 'aws sso login --profile dev' in out + err and
         'refreshed' in out + err and not leaked,
         'a refused refresh: run `aws sso login`', out[-300:] + err)
    put_cache('corp', {'startUrl': start, 'region': 'us-east-1',
                       'accessToken': 'SIMSSOVALID-unknown',
                       'expiresAt': iso(now + 3600)})
    rc, out, err, leaked = sso_online('dev')
    t.ok(rc != 0 and 'aws sso login --profile dev' in out + err,
         'a token the portal refuses (401): run `aws sso login`',
         out[-300:] + err)
finally:
    sim.stop()
    import shutil
    shutil.rmtree(d, ignore_errors=True)
sys.exit(t.done())
