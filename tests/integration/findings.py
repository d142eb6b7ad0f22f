#!/usr/bin/python3
"""Known findings through the real binary and the simulator: `cwguard
check` notifies a leaked key again a day later (repeat = 24h) unless it
was acked (`findings ack`); an allowed fingerprint (`findings allow`) is
never recorded or notified again, in later processes too (the verdict is
in the state database); `findings list` shows only redacted previews and
fingerprints, filtered by --log-group and --since.

Two state databases run the same days side by side: one without verdicts
(the daily re-notification this test must see, or it proves nothing) and
one with them. Scenario: tests/scenarios/logs-secrets.json, whose orders
group leaks an AWS key id and a Stripe key; later days repeat both."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cwgtest import Sim, Tap, TESTS, clean_env, run, write  # noqa: E402

NOW = 1767229200                      # 2026-01-01T01:00:00Z
DAY = 86400
RAW = ['AKIARLPXUTKI6Q7JXL4S', 'sk_live_8A80wmLLA8rhz303f9yl9bHg',
       'c2LufYNuydk9sgEWl2agE4aE+Yhc3a+LcBfS83Cedu3QlYJJJbgIQrBc5O/x2A7C']
KEY = ('AKIDSIMLOGS00000001', 'simSecretLogs/00000000000000000000000001')

t = Tap()


def load_scenario():
    with open(os.path.join(TESTS, 'scenarios', 'logs-secrets.json')) as f:
        return json.load(f)


def config(d, url):
    return write(os.path.join(d, 'cwguard.conf'),
                 '[cwguard]\nstate = %s\nlag = 3m\n\n[aws]\n'
                 'region = us-east-1\n\n[sink hook]\ntype = webhook\n'
                 'url = %s/hooks/%s\n\n[logs lambda]\n'
                 'log_groups = /aws/lambda/*\nlookback = 1h\n'
                 'repeat = 24h\nsinks = hook\n' %
                 (os.path.join(d, 'state.db'), url, os.path.basename(d)))


def env(sim, now):
    return clean_env(AWS_ENDPOINT_URL=sim.url, AWS_ACCESS_KEY_ID=KEY[0],
                     AWS_SECRET_ACCESS_KEY=KEY[1], AWS_REGION='us-east-1',
                     CWGUARD_NOW=str(now))


def check(sim, conf, now):
    sim.ctl('POST', 'clock', {'now': now})
    rc, out, err = run(['-c', conf, '--format', 'json', 'check'],
                       env(sim, now))
    found = [json.loads(x) for x in out.splitlines()
             if '"type":"finding"' in x]
    return rc, sorted(f.get('rule') for f in found), out + err


def findings(sim, conf, now, *args):
    rc, out, err = run(['-c', conf, '--format', 'json', 'findings'] +
                       list(args), env(sim, now))
    rows = [json.loads(x) for x in out.splitlines() if x.startswith('{')]
    return rc, rows, out + err


def no_raw(what, text):
    t.ok(not any(r in text for r in RAW), 'no raw secret in ' + what)


def repeat_day(sim, d, day):
    """The orders group leaks both keys again, ten minutes before now."""
    sc = load_scenario()
    at = (NOW + day * DAY - 600) * 1000
    sc['log_groups'][0]['events'] += [
        {'timestamp': at, 'stream': 'day%d' % day,
         'message': 'WARN retry with AKIARLPXUTKI6Q7JXL4S'},
        {'timestamp': at + 1000, 'stream': 'day%d' % day,
         'message': 'stripe.api_key = "sk_live_8A80wmLLA8rhz303f9yl9bHg"'}]
    p = write(os.path.join(d, 'day%d.json' % day), json.dumps(sc))
    sim.ctl('POST', 'scenario', {'path': p})


sim = Sim(os.path.join(TESTS, 'scenarios', 'logs-secrets.json'))
try:
    plain = os.path.join(sim.dir, 'plain')
    marked = os.path.join(sim.dir, 'marked')
    os.mkdir(plain)
    os.mkdir(marked)
    cp, cm = config(plain, sim.url), config(marked, sim.url)
    want3 = ['aws-access-key-id', 'private-key', 'stripe-key']

    rc, rules, text = check(sim, cp, NOW)
    t.ok(rules == want3, 'day 0: three findings notified (no verdicts)',
         text)
    rc, rules, text = check(sim, cm, NOW)
    t.ok(rules == want3, 'day 0: three findings notified (before the '
         'verdicts)', text)

    rc, rows, text = findings(sim, cm, NOW, 'list')
    t.ok(rc == 0 and len(rows) == 3 and
         all(r['state'] == 'new' and len(r['fingerprint']) == 64
             for r in rows), 'findings list: three new findings', text)
    no_raw('findings list --format json', text)
    fp = {r['rule']: r['fingerprint'] for r in rows}
    rc, out, err = run(['-c', cm, 'findings', 'list'], env(sim, NOW))
    t.ok(rc == 0 and all(f in out for f in fp.values()) and
         'AKIA****' in out, 'findings list (text): redacted previews and '
         'fingerprints', out + err)
    no_raw('findings list (text)', out + err)
    rc, rows, text = findings(sim, cm, NOW, 'list', '--log-group',
                              '/aws/lambda/billing')
    t.ok([r['rule'] for r in rows] == ['private-key'],
         '--log-group keeps one group', text)
    rc, rows, text = findings(sim, cm, NOW, 'list', '--since', '+1h')
    t.ok(rc != 0 or rows == [], '--since in the future: nothing', text)

    rc, rows, text = findings(sim, cm, NOW, 'ack', fp['aws-access-key-id'],
                              '--comment', 'rotated, ticket SEC-1')
    t.ok(rc == 0 and rows and rows[0]['state'] == 'acked',
         'findings ack', text)
    rc, rows, text = findings(sim, cm, NOW, 'allow',
                              fp['stripe-key'].upper())
    t.ok(rc == 0 and rows and rows[0]['state'] == 'allowed',
         'findings allow (upper-case hex accepted)', text)
    rc, rows, text = findings(sim, cm, NOW, 'ack', 'AKIARLPXUTKI6Q7JXL4S')
    t.ok(rc == 64, 'a secret instead of a fingerprint: usage error', text)
    no_raw('the refusal', text)

    # Day 1: both keys leak again, more than `repeat` after the first
    # notification.
    repeat_day(sim, sim.dir, 1)
    rc, rules, text = check(sim, cp, NOW + DAY)
    t.ok(rules == ['aws-access-key-id', 'stripe-key'],
         'day 1 without verdicts: both keys notified again (repeat 24h)',
         text)
    rc, rules, text = check(sim, cm, NOW + DAY)
    t.ok(rules == [], 'day 1: the acked and the allowed key do not notify',
         text)
    t.ok(rc == 0, 'day 1: check exits 0 (nothing to report)', text)
    hooks = sim.ctl('GET', 'hooks')
    # (loading the day's scenario cleared the simulator's hook log)
    t.ok(len([h for h in hooks if '/hooks/marked' in h.get('path', '')])
         == 0 and len([h for h in hooks
                       if '/hooks/plain' in h.get('path', '')]) == 1,
         'webhook on day 1: no delivery for the marked state, one for '
         'the plain one',
         [h.get('path') for h in hooks])

    rc, rows, text = findings(sim, cm, NOW + DAY, 'list')
    by = {r['fingerprint']: r for r in rows}
    aws = by.get(fp['aws-access-key-id'], {})
    stripe = by.get(fp['stripe-key'], {})
    t.ok(aws.get('state') == 'acked' and aws.get('count') == 4 and
         aws.get('comment') == 'rotated, ticket SEC-1',
         'acked: still recorded (count 4), with its comment', aws)
    t.ok(stripe.get('state') == 'allowed' and stripe.get('count') == 1,
         'allowed: the new sighting is not recorded (count 1)', stripe)

    # Day 2, new processes again: the verdicts are in the database.
    repeat_day(sim, sim.dir, 2)
    rc, rules, text = check(sim, cm, NOW + 2 * DAY)
    t.ok(rules == [], 'day 2: allow and ack survive a restart', text)
    rc, rules, text = check(sim, cp, NOW + 2 * DAY)
    t.ok(rules == ['aws-access-key-id', 'stripe-key'],
         'day 2 without verdicts: notified again', text)

    # reset: the key is a finding like any other again.
    rc, rows, text = findings(sim, cm, NOW + 2 * DAY, 'reset',
                              fp['stripe-key'])
    t.ok(rc == 0 and rows and rows[0]['state'] == 'new', 'findings reset',
         text)
    repeat_day(sim, sim.dir, 3)
    rc, rules, text = check(sim, cm, NOW + 3 * DAY)
    t.ok(rules == ['stripe-key'], 'day 3: after reset the Stripe key '
         'notifies again, the acked key still does not', text)

    with open(os.path.join(marked, 'state.db'), 'rb') as f:
        dump = f.read().decode('latin-1')
    no_raw('the state database', dump)
finally:
    sim.stop()
sys.exit(t.done())
