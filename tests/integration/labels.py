#!/usr/bin/python3
"""Labels, runbooks, console links and routing through the real binary
against the simulator: a watch's labels and runbook, and a region-aware
AWS console link to its metrics, are in every payload (webhook JSON,
Slack, email, SNS, PagerDuty, Opsgenie, Teams); a logs source's finding
links to its log group; a sink's `match` routes on the labels (globs
allowed), so a sink matching other labels gets nothing."""
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
TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cwguard-alerts'
RUNBOOK = 'https://wiki.example.com/runbooks/lambda-errors'
CONSOLE = ('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?'
           'region=eu-west-1#metricsV2:graph=~();search=fn-00001;'
           'namespace=AWS%2FLambda')

t = Tap()
sim = Sim(os.path.join(SCEN, 'watch-spike.json'), smtp=True)
d = tempfile.mkdtemp(prefix='cwg-labels.')


def env(now):
    return clean_env(AWS_ACCESS_KEY_ID=KEY[0], AWS_SECRET_ACCESS_KEY=KEY[1],
                     AWS_ENDPOINT_URL=sim.url, CWGUARD_NOW=str(T0 + now))


def check(cfg, now):
    sim.ctl('POST', 'clock', {'now': T0 + now})
    return run(['-c', cfg, 'check'], env(now))


def hooks(name):
    return [h for h in sim.ctl('GET', 'hooks') if h.get('name') == name]


def body(h):
    try:
        return json.loads(h['body'])
    except (ValueError, KeyError, TypeError):
        return {}


def scenario(name):
    sc = json.load(open(os.path.join(SCEN, name)))
    sc['region'] = 'eu-west-1'
    sc.setdefault('credentials', []).append({'access_key_id': KEY[0],
                                             'secret_access_key': KEY[1]})
    sim.ctl('POST', 'scenario', sc)


try:
    scenario('watch-spike.json')
    c = write(os.path.join(d, 'l.conf'), f'''[cwguard]
state = {d}/l.db
[aws]
region = eu-west-1
[watch fns]
kind = lambda
functions = *
labels = team=payments, tier=1
runbook = {RUNBOOK}
[sink hook]
type = webhook
url = {sim.url}/hooks/hook
match = team=pay*
[sink webteam]
type = webhook
url = {sim.url}/hooks/webteam
match = team=web
[sink both]
type = webhook
url = {sim.url}/hooks/both
match = team=payments, tier=1
[sink slack]
type = slack
url = {sim.url}/hooks/slack
[sink mail]
type = email
smtp_url = smtp://127.0.0.1:{sim.ports['smtp']}
from = cwguard@example.com
to = oncall@example.com
[sink sns]
type = sns
topic_arn = {TOPIC}
[sink pd]
type = pagerduty
routing_key = R0UTINGKEY0123456789abcdefABCDEF
endpoint = {sim.url}/pagerduty
[sink og]
type = opsgenie
api_key = og-key
endpoint = {sim.url}/opsgenie
[sink teams]
type = teams
url = {sim.url}/teams/ch
''')
    rc, out, err = run(['-c', c, 'config', 'check'], env(0))
    t.ok(rc == 0 and 'labels = team=payments, tier=1' in out and
         'match = team=pay*' in out, 'config check shows labels and match',
         out + err)
    rc, out, err = check(c, 1200)
    t.ok(rc == 2, 'the spike fires', out + err)

    hs = hooks('hook')
    a = (body(hs[0]).get('alerts') or [{}])[0] if hs else {}
    t.ok(a.get('labels') == {'team': 'payments', 'tier': '1'} and
         a.get('runbook') == RUNBOOK, 'webhook: labels and runbook', a)
    t.ok(a.get('console_url') == CONSOLE, 'webhook: the console link is '
         'CloudWatch metrics of fn-00001 in eu-west-1', a.get('console_url'))
    t.ok(hooks('webteam') == [], 'match team=web: nothing routed there')
    t.ok(len(hooks('both')) == 1, 'match of two labels: routed')

    sl = hooks('slack')
    txt = sl[0]['body'] if sl else ''
    t.ok('team=payments' in txt and RUNBOOK in txt and
         'eu-west-1.console.aws.amazon.com' in txt,
         'Slack: labels, runbook and console link', txt[:300])
    mail = sim.ctl('GET', 'smtp')
    data = mail[0]['data'] if mail else ''
    t.ok('labels:      team=payments,tier=1' in data and RUNBOOK in data and
         'console:' in data, 'email: labels, runbook and console link',
         data[-800:])
    sns = sim.ctl('GET', 'sns')
    msg = json.loads(sns[0]['Message']) if sns else {}
    sa = (msg.get('alerts') or [{}])[0]
    t.ok(sa.get('labels', {}).get('team') == 'payments' and
         sa.get('runbook') == RUNBOOK and sa.get('console_url') == CONSOLE,
         'SNS: labels, runbook and console link', sa)
    pd = hooks('pagerduty')
    e = body(pd[0]) if pd else {}
    t.ok(pd and pd[0].get('valid') and
         {'href': RUNBOOK, 'text': 'Runbook'} in e.get('links', []) and
         any(x.get('href') == CONSOLE for x in e.get('links', [])) and
         e.get('payload', {}).get('custom_details', {}).get(
             'labels', {}).get('tier') == '1',
         'PagerDuty: runbook and console links, labels in details', e)
    og = hooks('opsgenie')
    e = body(og[0]) if og else {}
    t.ok(og and og[0].get('valid') and 'team=payments' in e.get('tags', [])
         and e.get('details', {}).get('runbook') == RUNBOOK and
         RUNBOOK in e.get('description', ''),
         'Opsgenie: labels as tags, runbook in details and description', e)
    tm = hooks('teams/ch')
    e = body(tm[0]) if tm else {}
    card = (e.get('attachments') or [{}])[0].get('content', {})
    acts = {x.get('title'): x.get('url') for x in card.get('actions', [])}
    t.ok(tm and tm[0].get('valid') and acts.get('Runbook') == RUNBOOK and
         acts.get('AWS console') == CONSOLE and 'team=payments' in
         json.dumps(card), 'Teams: runbook and console buttons, labels', e)

    # a logs source: the finding links to its log group and stream
    scenario('logs-secrets.json')
    c = write(os.path.join(d, 'logs.conf'), f'''[cwguard]
state = {d}/logs.db
[aws]
region = eu-west-1
[logs app]
log_groups = /aws/lambda/*
lookback = 2h
labels = team=security
runbook = https://wiki.example.com/leaks
[sink sec]
type = webhook
url = {sim.url}/hooks/sec
match = team=security
[sink pay]
type = webhook
url = {sim.url}/hooks/pay
match = team=payments
''')
    rc, out, err = check(c, 3600)
    hs = hooks('sec')
    f = (body(hs[0]).get('alerts') or [{}])[0] if hs else {}
    url = f.get('console_url', '')
    t.ok(rc == 2 and f.get('type') == 'finding' and
         f.get('labels') == {'team': 'security'} and
         f.get('runbook') == 'https://wiki.example.com/leaks',
         'finding: labels and runbook', out + err + json.dumps(f))
    t.ok(url.startswith('https://eu-west-1.console.aws.amazon.com/'
                        'cloudwatch/home?region=eu-west-1#logsV2:log-groups/'
                        'log-group/$252Faws$252Flambda$252F') and
         '/log-events/' in url, 'finding: console link to the log group '
         'and stream', url)
    t.ok(hooks('pay') == [], 'finding not routed to team=payments')
finally:
    sim.stop()
    subprocess.run(['rm', '-rf', d])
sys.exit(t.done())
