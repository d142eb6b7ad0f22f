#!/usr/bin/python3
"""`cwguard check` delivers through a sink whose URL and HMAC key are
${secretsmanager:...} references: they are fetched (GetSecretValue, signed)
before the outbox is flushed, and never printed or stored."""
import hashlib
import hmac
import base64
import json
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
HMAC_KEY = 'whsec_ZGVtby1obWFjLWtleS1mcm9tLXNlY3JldHMtbWFuYWdlci0wMDAx'

t = Tap()
scen_dir = os.path.join(TESTS, 'scenarios')
sim = Sim(os.path.join(scen_dir, 'watch-quiet.json'))
d = tempfile.mkdtemp(prefix='cwg-chksec.')
try:
    with open(os.path.join(scen_dir, 'watch-spike.json')) as f:
        sc = json.load(f)
    hook = sim.url + '/hooks/oncall'
    sc['secrets'] = [{'name': 'cwguard/hook', 'secret_string': json.dumps(
        {'url': hook, 'key': HMAC_KEY})}]
    sim.ctl('POST', 'scenario', sc)
    sim.ctl('POST', 'clock', {'now': T0 + 1200})
    conf = write(os.path.join(d, 'c.conf'),
                 '[cwguard]\nstate = %s/state.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\nsinks = hook\n'
                 '[sink hook]\ntype = webhook\n'
                 'url = ${secretsmanager:cwguard/hook#url}\n'
                 'hmac_key = ${secretsmanager:cwguard/hook#key}\n' % d)
    env = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                    AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + 1200))
    rc, out, err = run(['-c', conf, 'check'], env)
    t.ok(rc == 2, 'the spike fires (exit 2)', out + err)
    hooks = [h for h in sim.ctl('GET', 'hooks')
             if h.get('path', '').startswith('/hooks/oncall')]
    t.ok(len(hooks) == 1, 'one notification reached the URL held in '
         'Secrets Manager', hooks)
    if hooks:
        h = {k.lower(): v for k, v in hooks[0]['headers'].items()}
        body = hooks[0]['body']
        signed = '%s.%s.%s' % (h.get('webhook-id'), h.get('webhook-timestamp'),
                               body)
        want = base64.b64encode(hmac.new(base64.b64decode(HMAC_KEY[6:]), signed.encode(),
                                         hashlib.sha256).digest()).decode()
        t.ok(h.get('webhook-signature') == 'v1,' + want,
             'signed with the HMAC key from Secrets Manager', h)
        t.ok(json.loads(body)['alerts'][0]['entity'] == 'fn-00001',
             'the payload names the entity', body[:300])
        t.ok(json.loads(body).get('account') == '123456789012',
             'the payload names the account (sts:GetCallerIdentity)',
             body[:300])
    stats = sim.ctl('GET', 'stats')
    t.ok(stats['requests']['secretsmanager'].get('GetSecretValue') == 1,
         'one GetSecretValue for two references to the same secret',
         stats['requests'].get('secretsmanager'))
    t.ok(stats['signature_failures'] == 0, 'every request correctly signed')
    db = sqlite3.connect(os.path.join(d, 'state.db'))
    dump = '\n'.join(db.iterdump())
    db.close()
    t.ok(HMAC_KEY not in dump and hook not in dump and
         HMAC_KEY not in out + err and hook not in out + err,
         'neither the URL nor the key is in the database or the output')
finally:
    sim.stop()
sys.exit(t.done())
