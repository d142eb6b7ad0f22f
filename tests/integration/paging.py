#!/usr/bin/python3
"""The paging sinks through the real binary against the simulator's
validating catchers (tests/awssim/paging.py): a spike fired by `check`
reaches PagerDuty (Events API v2 trigger, dedup_key = the alert id),
Opsgenie (create, alias = the alert id, EU region endpoint override) and
Teams (an Adaptive Card with a text fallback), every payload accepted by
the vendor's schema; when the spike resolves, PagerDuty gets the resolve
and Opsgenie the close of the same alert. Then the failure classes: a
payload the vendor refuses (400/422) fails permanently, a 429 is retried.
The catchers themselves are shown to reject bad payloads."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, clean_env, run, write, TESTS  # noqa: E402

T0 = 1767225600                     # 2026-01-01T00:00:00Z
KEY = ('AKIDSIMBASIC0000001', 'simSecretBasic/0000000000000000000000001')
PD_KEY = 'R0UTINGKEY0123456789abcdefABCDEF'
OG_KEY = 'og-key-0000-1111-2222-333344445555'

t = Tap()
sim = Sim(os.path.join(TESTS, 'scenarios', 'watch-spike.json'))
d = tempfile.mkdtemp(prefix='cwg-paging.')


def conf(name, sinks):
    return write(os.path.join(d, name + '.conf'),
                 '[cwguard]\nstate = %s/%s.db\n[aws]\nregion = us-east-1\n'
                 '[watch fns]\nkind = lambda\nfunctions = *\n'
                 'resolve_after = 2\n%s' % (d, name, sinks))


SINKS = f'''[sink pd]
type = pagerduty
routing_key = {PD_KEY}
endpoint = {sim.url}/pagerduty
[sink og]
type = opsgenie
api_key = {OG_KEY}
region = eu
endpoint = {sim.url}/opsgenie/
[sink teams]
type = teams
url = {sim.url}/teams/oncall
'''


def check(cfg, now, *args):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    e = clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                  AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + now))
    return run(['-c', cfg, '--format', 'json', 'check'] + list(args), e)


def recs(name):
    return [h for h in sim.ctl('GET', 'hooks') if h.get('name') == name]


def body(h):
    try:
        return json.loads(h['body'])
    except ValueError:
        return {}


def post(path, data, headers=None):
    req = urllib.request.Request(sim.url + path, data=data, method='POST',
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def db_rows(path, sql, args=()):
    c = sqlite3.connect(path)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


try:
    # 0. the catchers reject what the vendors reject
    st, out = post('/pagerduty/v2/enqueue', json.dumps(
        {'routing_key': PD_KEY, 'event_action': 'trigger', 'payload':
         {'summary': 'x' * 1025, 'source': 's', 'severity': 'fatal'}}
    ).encode(), {'Content-Type': 'application/json'})
    errs = json.loads(out).get('errors', [])
    t.ok(st == 400 and any('summary' in e for e in errs) and
         any('severity' in e for e in errs),
         'catcher: PagerDuty refuses a long summary and a bad severity',
         out)
    st, out = post('/opsgenie/v2/alerts', json.dumps(
        {'message': 'm' * 131, 'priority': 'P9'}).encode(),
        {'Content-Type': 'application/json',
         'Authorization': 'GenieKey k'})
    t.ok(st == 422 and b'message' in out and b'priority' in out,
         'catcher: Opsgenie refuses a long message and a bad priority', out)
    st, out = post('/opsgenie/v2/alerts', b'{"message":"m"}',
                   {'Content-Type': 'application/json'})
    t.ok(st == 401, 'catcher: Opsgenie without GenieKey: 401', out)
    st, out = post('/teams/x', json.dumps({'type': 'message', 'attachments':
                                           [{'contentType': 'text/plain'}]}
                                          ).encode())
    t.ok(st == 400, 'catcher: Teams refuses an attachment that is not an '
         'Adaptive Card', out)
    sim.ctl('POST', 'reset')

    # 1. a firing reaches all three, each payload valid
    c = conf('page', SINKS)
    rc, out, err = check(c, 0, '--dry-run')
    rc, out, err = check(c, 1200)
    al = [json.loads(x) for x in out.splitlines() if x.startswith('{')]
    al = [a for a in al if a.get('type') == 'alert']
    aid = al[0].get('alert_id') if al else None
    t.ok(rc == 2 and aid, 'check fires (alert id %s)' % aid, out + err)
    pd = recs('pagerduty')
    t.ok(len(pd) == 1 and pd[0].get('valid') and pd[0]['answered'] == 202,
         'PagerDuty: one event, valid, 202', pd)
    e = body(pd[0]) if pd else {}
    p = e.get('payload', {})
    t.ok(e.get('event_action') == 'trigger' and e.get('dedup_key') == aid
         and e.get('routing_key') == PD_KEY and p.get('severity') == 'error'
         and 'fn-00001' in p.get('summary', '') and
         p.get('source') == 'fn-00001' and
         p.get('custom_details', {}).get('alert_id') == aid,
         'PagerDuty: trigger, dedup_key = alert id, summary and source',
         e)
    og = recs('opsgenie')
    t.ok(len(og) == 1 and og[0].get('valid') and og[0]['answered'] == 202 and
         og[0]['path'] == '/opsgenie/v2/alerts' and
         og[0]['headers'].get('Authorization') == 'GenieKey ' + OG_KEY,
         'Opsgenie: one create at the endpoint override, GenieKey, 202', og)
    e = body(og[0]) if og else {}
    t.ok(e.get('alias') == aid and len(e.get('message', '')) <= 130 and
         e.get('priority') == 'P2' and 'cwguard' in e.get('tags', []) and
         e.get('details', {}).get('entity') == 'fn-00001',
         'Opsgenie: alias = alert id, message <= 130, details', e)
    tm = recs('teams/oncall')
    t.ok(len(tm) == 1 and tm[0].get('valid') and tm[0]['answered'] == 202,
         'Teams: one message, a valid Adaptive Card, 202', tm)
    e = body(tm[0]) if tm else {}
    card = (e.get('attachments') or [{}])[0].get('content', {})
    t.ok('fn-00001' in card.get('fallbackText', '') and
         'fn-00001' in e.get('text', '') and
         any(b.get('type') == 'Container' for b in card.get('body', [])),
         'Teams: card with the alert and a text fallback', e)
    t.ok(sim.ctl('GET', 'paging').get('pagerduty', {}).get(aid) ==
         'triggered' and sim.ctl('GET', 'paging').get('opsgenie', {}).get(
             aid) == 'open', 'the incident is open at both')

    # 2. the spike ends: resolve and close the same alert
    resolved = None
    for now in range(1500, 3600, 60):
        rc, out, err = check(c, now)
        js = [json.loads(x) for x in out.splitlines() if x.startswith('{')]
        if any(j.get('type') == 'alert' and j.get('status') == 'resolved'
               for j in js):
            resolved = now
            break
    t.ok(resolved is not None, 'the alert resolves (at +%ss)' % resolved,
         out + err)
    pd = recs('pagerduty')
    last = body(pd[-1]) if pd else {}
    t.ok(len(pd) == 2 and pd[-1].get('valid') and
         last.get('event_action') == 'resolve' and
         last.get('dedup_key') == aid,
         'PagerDuty: resolve with the same dedup_key', pd[-1:])
    og = recs('opsgenie')
    t.ok(len(og) == 2 and og[-1].get('valid') and og[-1]['path'] ==
         '/opsgenie/v2/alerts/%s/close?identifierType=alias' % aid,
         'Opsgenie: close by alias', og[-1:])
    pg = sim.ctl('GET', 'paging')
    t.ok(pg.get('pagerduty', {}).get(aid) == 'resolved' and
         pg.get('opsgenie', {}).get(aid) == 'closed',
         'the incident is resolved / closed at both', pg)
    tm = recs('teams/oncall')
    t.ok(len(tm) == 2 and tm[-1].get('valid') and 'RESOLVED' in
         body(tm[-1]).get('text', ''), 'Teams: the resolved card', tm[-1:])

    # 3. refused payloads fail permanently; 429 is retried
    sim.ctl('POST', 'reset')
    c = conf('bad', f'''[sink pd]
type = pagerduty
routing_key = short-key
endpoint = {sim.url}/pagerduty
[sink og]
type = opsgenie
api_key = {OG_KEY}
endpoint = {sim.url}/opsgenie
''')
    sim.ctl('POST', 'faults', {'hooks': {'opsgenie': {'status': 429,
                                                      'count': 1,
                                                      'kind': 'throttle'}}})
    rc, out, err = check(c, 1200)
    db = os.path.join(d, 'bad.db')
    rows = dict(db_rows(db, 'SELECT sink, status FROM outbox'))
    pd = recs('pagerduty')
    t.ok(pd and pd[0]['answered'] == 400 and rows.get('pd') == 3,
         'PagerDuty 400 (bad routing key): the notification fails, not '
         'retried', (pd, rows))
    t.ok(rows.get('og') == 0 and db_rows(
        db, "SELECT attempts FROM outbox WHERE sink = 'og'") == [(1,)],
        'Opsgenie 429: still pending, to be retried', rows)
finally:
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
