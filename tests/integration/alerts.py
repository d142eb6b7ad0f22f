#!/usr/bin/python3
"""Alert delivery through the real binary (`cwguard test-alert`) against the
simulator's catchers: each sink's wire format (Standard Webhooks HMAC checked
with Python's hmac, SNS signed and recorded, an SMTP conversation), then
failures: a webhook down then up (in order, none lost, none twice), kill -9
between enqueue and send and between send and the delivered mark, a Slack
400, an SNS InvalidParameter and a refused connection, none blocking the
other sinks."""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import CWGUARD, Sim, Tap, clean_env, run, write, TESTS  # noqa

KEY = 'AKIDSIMBASIC0000001'
SECRET = 'simSecretBasic/0000000000000000000000001'
TOPIC = 'arn:aws:sns:us-east-1:123456789012:cwguard-alerts'
HMAC_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
PASSWORD = 'smtp-pass-Not4Logs'

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'basic.json'), smtp=True)
d = tempfile.mkdtemp(prefix='cwg-alerts.')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


try:
    hook = sim.url + '/hooks/'
    conf = write(os.path.join(d, 'c.conf'), f'''[cwguard]
state = {d}/state.db
[aws]
region = us-east-1
[sink hook]
type = webhook
url = {hook}hook
hmac_key = {HMAC_KEY}
header = X-Team: ops
[sink slack]
type = slack
url = {hook}slack
[sink sns]
type = sns
topic_arn = {TOPIC}
[sink mail]
type = email
smtp_url = smtp://127.0.0.1:{sim.ports['smtp']}
from = "cwguard, ops" <cwguard@example.com>
to = oncall@example.com, sec@example.com
username = cwguard
password = {PASSWORD}
[sink flaky]
type = webhook
url = {hook}flaky
rate_limit = 1000
[sink slow]
type = webhook
url = {hook}slow
hmac_key = cGxhaW4ta2V5LWZvci1zbG93
[sink slack400]
type = slack
url = {hook}slack400
[sink chk]
type = webhook
url = {hook}chk
[sink refused]
type = webhook
url = http://127.0.0.1:{free_port()}/hooks/refused
''')
    env = clean_env(AWS_ENDPOINT_URL=sim.url, AWS_ACCESS_KEY_ID=KEY,
                    AWS_SECRET_ACCESS_KEY=SECRET)

    def ta(*sinks, want=None, name=''):
        rc, out, err = run(['-c', conf, 'test-alert'] + list(sinks), env)
        if want is not None:
            t.ok(rc == want, '%s: exit %d' % (name, want),
                 'exit %d\n%s%s' % (rc, out, err))
        for s in (PASSWORD, HMAC_KEY, '/hooks/'):
            t.ok(s not in out + err, '%s: no secret %s... in output' %
                 (name, s[:8]))
        ids = dict(re.findall(r'^(\S+): .*\(notification ([0-9a-f]{32})\)$',
                              out, re.M))
        return rc, out, err, ids

    def hooks(name):
        return [h for h in sim.ctl('GET', 'hooks') if h['name'] == name]

    # 1. Every sink once, wire formats.
    rc, out, err, ids = ta('hook', 'slack', 'sns', 'mail', want=0,
                           name='four sinks')
    for s in ('hook', 'slack', 'sns', 'mail'):
        t.ok(re.search('^%s: delivered' % s, out, re.M) and s in ids,
             '%s: delivered with a notification id' % s, out + err)

    h = hooks('hook')
    t.ok(len(h) == 1, 'webhook: one request', h)
    if h:
        hd = {k.lower(): v for k, v in h[0]['headers'].items()}
        body = h[0]['body']
        p = json.loads(body)
        t.ok(hd.get('webhook-id') == ids.get('hook') == p.get('id'),
             'webhook: webhook-id = notification id = payload id', hd)
        key = base64.b64decode(HMAC_KEY[6:])
        want = 'v1,' + base64.b64encode(hmac.new(
            key, ('%s.%s.%s' % (hd['webhook-id'], hd['webhook-timestamp'],
                                body)).encode(), hashlib.sha256).digest()
        ).decode()
        t.ok(hd.get('webhook-signature') == want,
             'webhook: Standard Webhooks signature verifies with hmac')
        t.ok(abs(int(hd['webhook-timestamp']) - time.time()) < 300,
             'webhook: timestamp is now')
        t.ok(hd.get('x-team') == 'ops', 'webhook: custom header sent')
        t.ok(hd.get('content-type') == 'application/json',
             'webhook: JSON content type')
        t.ok(list(p)[:6] == ['version', 'source', 'account', 'region', 'id',
                             'alerts'] and p['version'] == 1 and
             p['source'] == 'cwguard' and p['region'] == 'us-east-1',
             'webhook: payload v1 keys in order', list(p))
        a = p['alerts'][0]
        t.ok(a.get('test') is True and a.get('kind') == 'spike' and
             len(a.get('alert_id', '')) == 32 and a.get('type') == 'alert',
             'webhook: marked test alert with kind and alert_id', a)

    h = hooks('slack')
    t.ok(len(h) == 1, 'slack: one request')
    if h:
        p = json.loads(h[0]['body'])
        types = [b['type'] for b in p.get('blocks', [])]
        t.ok(types[0] == 'header' and types[-1] == 'context' and
             'section' in types and len(types) <= 50,
             'slack: header, section, context blocks', types)
        t.ok('TEST' in p.get('text', '') and len(p['text']) <= 3000,
             'slack: plain text fallback', p.get('text'))
        t.ok(ids.get('slack', '-') in json.dumps(p),
             'slack: notification id in the context line')

    sns = sim.ctl('GET', 'sns')
    t.ok(len(sns) == 1, 'sns: one Publish recorded', sns)
    if sns:
        m = json.loads(sns[0]['Message'])
        t.ok(m['id'] == ids.get('sns') and m['version'] == 1,
             'sns: Message is payload v1 with the id')
        t.ok(0 < len(sns[0]['Subject']) < 100 and
             sns[0]['Subject'].startswith('[cwguard]'),
             'sns: Subject under 100 chars', sns[0]['Subject'])
        ma = sns[0]['MessageAttributes']
        t.ok(ma.get('severity', {}).get('StringValue') == 'info' and
             ma.get('kind', {}).get('StringValue') == 'spike' and
             ma['kind'].get('DataType') == 'String',
             'sns: severity and kind attributes', ma)
    st = sim.ctl('GET', 'stats')
    t.ok(st['signature_checks'] >= 1 and st['signature_failures'] == 0,
         'sns: botocore signature check passed', st.get('signature'))

    mails = sim.ctl('GET', 'smtp')
    t.ok(len(mails) == 1, 'email: one SMTP conversation')
    if mails:
        m = mails[0]
        t.ok(m['mail_from'] == '<cwguard@example.com>' and
             m['rcpt_to'] == ['<oncall@example.com>', '<sec@example.com>'],
             'email: envelope sender and both recipients', m)
        t.ok(m['auth_user'] == 'cwguard', 'email: SMTP AUTH user')
        data = m['data']
        hdr, _, body = data.partition('\r\n\r\n')
        names = [ln.split(':', 1)[0] for ln in hdr.split('\r\n')
                 if ln and not ln[0].isspace()]
        for n in ('From', 'To', 'Subject', 'Date', 'Message-ID',
                  'MIME-Version', 'Content-Type'):
            t.ok(n in names, 'email: header %s' % n, hdr)
        t.ok('Message-ID: <%s@example.com>' % ids.get('mail') in hdr,
             'email: Message-ID <notification-id@sender-domain>')
        t.ok('From: "cwguard, ops" <cwguard@example.com>' in hdr and
             m['mail_from'] == '<cwguard@example.com>',
             'email: display name in From:, the address alone as envelope '
             'sender', (hdr, m.get('mail_from')))
        t.ok('Content-Type: text/plain; charset=utf-8' in hdr,
             'email: text/plain UTF-8')
        t.ok(re.search(r'^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d '
                       r'\+0000\r?$', hdr, re.M),
             'email: RFC 5322 date')
        t.ok('TEST notification from cwguard' in body and
             ids.get('mail') in body, 'email: body says test, has the id')
        t.ok('\n' not in data.replace('\r\n', ''), 'email: CRLF lines')
        t.ok(PASSWORD not in json.dumps(m), 'email: password not in data')

    # 2. Unknown sink, bad config.
    rc, out, err = run(['-c', conf, 'test-alert', 'nosuch'], env)
    t.ok(rc == 64 and 'nosuch' in err, 'unknown sink: exit 64', err)
    bad = write(os.path.join(d, 'bad.conf'), '[sink x]\ntype = pager\n')
    rc, out, err = run(['-c', bad, 'test-alert'], env)
    t.ok(rc == 78, 'bad config: exit 78', err)

    # 3. Webhook down (503) for three runs, then up: all delivered once,
    # in order, nothing lost or doubled.
    sim.ctl('POST', 'faults', {'hooks': {'flaky': {'status': 503,
                                                   'count': 3}}})
    queued = []
    for i in range(3):
        rc, out, err, ids = ta('flaky', want=1, name='flaky down %d' % i)
        queued.append(ids.get('flaky'))
        t.ok('503' in out, 'flaky down %d: says HTTP 503' % i, out)
    rc, out, err, ids = ta('flaky', want=0, name='flaky up')
    queued.append(ids.get('flaky'))
    t.ok(None not in queued and len(set(queued)) == 4,
         'flaky: four distinct notification ids', queued)
    got = [json.loads(h['body'])['id'] for h in hooks('flaky')
           if h['answered'] == 200]
    t.ok(got == queued, 'flaky: delivered once each, in order', (got, queued))
    tried = [json.loads(h['body'])['id'] for h in hooks('flaky')
             if h['answered'] != 200]
    t.ok(tried == [queued[0]] * 3,
         'flaky: only the head was retried while down (one in flight)',
         tried)

    # 4. kill -9 with a send in flight: A (a retry) is sent and received,
    # B is queued behind it and never sent; a restart delivers both.
    sim.ctl('POST', 'faults', {'hooks': {'slow': {'status': 503,
                                                  'count': 1}}})
    rc, out, err, ids = ta('slow', want=1, name='slow first')
    a_id = ids.get('slow')
    sim.ctl('POST', 'faults', {'rules': [{'service': 'hooks',
                                          'operation': 'slow',
                                          'kind': 'delay', 'seconds': 6,
                                          'count': 1}]})
    p = subprocess.Popen([CWGUARD, '-c', conf, 'test-alert', 'slow'],
                         env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(hooks('slow')) < 2:
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    t.ok(p.returncode == -9, 'slow: cwguard killed mid-send')
    db = sqlite3.connect('file:%s/state.db?mode=ro' % d, uri=True)
    rows = db.execute("SELECT id, status, attempts FROM outbox WHERE "
                      "sink = 'slow' ORDER BY created, rowid").fetchall()
    db.close()
    t.ok(len(rows) == 2 and rows[0][0] == a_id and
         all(r[1] == 0 for r in rows),
         'slow: both rows still pending after kill -9', rows)
    b_id = rows[1][0] if len(rows) == 2 else None
    t.ok(len(rows) == 2 and rows[1][2] == 0,
         'slow: B was queued but never attempted', rows)
    rc, out, err, ids = ta('slow', want=0, name='slow restart')
    c_id = ids.get('slow')
    got = [(json.loads(h['body'])['id'],
            {k.lower(): v for k, v in h['headers'].items()}.get('webhook-id'))
           for h in hooks('slow') if h['answered'] == 200]
    seq = [g[0] for g in got]
    t.ok(seq == [a_id, a_id, b_id, c_id],
         'slow: A twice (sent before the kill and after), then B, C',
         (seq, a_id, b_id, c_id))
    t.ok(all(g[0] == g[1] for g in got),
         'slow: a duplicate carries the same notification id')

    # 5. Slack 400, SNS InvalidParameter, refused connection: clear
    # permanent errors or retries, other sinks not blocked.
    sim.ctl('POST', 'faults', {'hooks': {'slack400': {'status': 400,
                                                      'count': 1}},
                               'rules': [{'service': 'sns',
                                          'operation': 'Publish',
                                          'kind': 'error', 'status': 400,
                                          'code': 'InvalidParameter',
                                          'count': 1}]})
    rc, out, err, ids = ta('slack400', 'sns', 'refused', 'hook', want=1,
                           name='failures')
    t.ok(re.search(r'^slack400: failed: HTTP 400', out, re.M),
         'slack 400: permanent failure, said clearly', out)
    t.ok(re.search(r'^sns: failed: sns: InvalidParameter', out, re.M),
         'sns InvalidParameter: permanent failure, said clearly', out)
    t.ok(re.search(r'^refused: not delivered, will retry: .*(onnect|refused)',
                   out, re.M), 'refused: connection error, will retry', out)
    t.ok(re.search(r'^hook: delivered', out, re.M),
         'hook delivered beside the failures', out)
    s400 = ids.get('slack400')
    rc, out, err, ids = ta('slack400', want=0, name='slack400 again')
    got = [json.loads(h['body'])['text'] for h in hooks('slack400')]
    t.ok(len(hooks('slack400')) == 2,
         'slack 400: the refused notification was not retried',
         len(hooks('slack400')))
    t.ok(s400 is not None, 'slack 400: the failed id was reported')

    # 6. kill -9 between send and the delivered mark, then `cwguard check`
    # (the alert engine's one-shot cycle) flushes the outbox: the
    # notification arrives again with the same id.
    sim.ctl('POST', 'faults', {'rules': [{'service': 'hooks',
                                          'operation': 'chk',
                                          'kind': 'delay', 'seconds': 6,
                                          'count': 1}]})
    p = subprocess.Popen([CWGUARD, '-c', conf, 'test-alert', 'chk'],
                         env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not hooks('chk'):
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    rc, out, err = run(['-c', conf, 'check'], env)
    got = [(json.loads(h['body'])['id'], h['answered']) for h in hooks('chk')]
    t.ok(len(got) == 2 and got[0][0] == got[1][0],
         'check after kill -9: the notification is sent again, same id',
         (got, rc, out, err))
    db = sqlite3.connect('file:%s/state.db?mode=ro' % d, uri=True)
    rows = db.execute("SELECT status FROM outbox WHERE sink = 'chk'"
                      ).fetchall()
    db.close()
    t.ok(rows == [(1,)], 'check after kill -9: row marked delivered', rows)

    st = sim.ctl('GET', 'stats')
    t.ok(st['signature_failures'] == 0, 'no SigV4 failure in the run')
finally:
    sim.stop()
    import shutil
    shutil.rmtree(d, ignore_errors=True)
sys.exit(t.done())
