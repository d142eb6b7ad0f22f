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
finally:
    sim.stop()
    import shutil
    shutil.rmtree(d, ignore_errors=True)
sys.exit(t.done())
