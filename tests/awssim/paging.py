"""Paging catchers: PagerDuty Events API v2, Opsgenie Alert API v2 and a
Microsoft Teams Workflows webhook. Each VALIDATES what it is sent against
the vendor's documented request schema (required fields, enums, lengths,
sizes) and answers as the vendor does: PagerDuty 202 or 400 "invalid
event", Opsgenie 202 or 422 (401 without a GenieKey), Teams 202, 400 for a
malformed card, 413 over 28 KB. Every request is recorded (GET
/_sim/hooks, name "pagerduty", "opsgenie" or "teams/NAME", with "valid"
and "errors"); the open incidents are in GET /_sim/paging.

Sources of the rules (public documentation):
PagerDuty "Send an Alert Event" (Events API v2): routing_key 32 chars,
event_action trigger|acknowledge|resolve, dedup_key <= 255, payload with
summary <= 1024, source, severity critical|error|warning|info, optional
timestamp, component, group, class, custom_details; links [{href,text}];
images [{src,href,alt}]; client, client_url; 512 KB per event.
Opsgenie "Create Alert": message required <= 130 chars, alias <= 512,
description <= 15000, responders, visibleTo, actions <= 10 x 50 chars,
tags <= 20 x 50 chars, details string map <= 8000 chars, entity <= 512,
source <= 100, priority P1..P5, user <= 100, note <= 25000. "Close
Alert": identifierType id|alias|tiny, body user/source <= 100, note <=
25000. Teams: a message with attachments of contentType
application/vnd.microsoft.card.adaptive whose content is an AdaptiveCard
(type, version, body of elements), 28 KB per message.
"""
import json
import re
import uuid

PD_SEVERITIES = ('critical', 'error', 'warning', 'info')
PD_ACTIONS = ('trigger', 'acknowledge', 'resolve')
PD_TOP = {'routing_key', 'event_action', 'dedup_key', 'payload', 'links',
          'images', 'client', 'client_url'}
PD_PAYLOAD = {'summary', 'source', 'severity', 'timestamp', 'component',
              'group', 'class', 'custom_details'}
ISO8601 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?'
                     r'(Z|[+-]\d\d:?\d\d)?$')

OG_CREATE = {'message': 130, 'alias': 512, 'description': 15000,
             'entity': 512, 'source': 100, 'user': 100, 'note': 25000}
OG_CREATE_OTHER = {'responders', 'visibleTo', 'actions', 'tags', 'details',
                   'priority'}
OG_CLOSE = {'user': 100, 'source': 100, 'note': 25000}

TEAMS_MAX = 28 * 1024
CARD_ELEMENTS = {'TextBlock', 'FactSet', 'Container', 'ColumnSet', 'Column',
                 'Image', 'ImageSet', 'ActionSet', 'RichTextBlock', 'Table',
                 'Media'}
CARD_ACTIONS = {'Action.OpenUrl', 'Action.Submit', 'Action.ShowCard',
                'Action.ToggleVisibility', 'Action.Execute'}


def _json(body, errors):
    try:
        j = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        errors.append('body is not JSON (UTF-8)')
        return None
    if not isinstance(j, dict):
        errors.append('body is not a JSON object')
        return None
    return j


def _str(obj, key, errors, where, required=False, maxlen=None):
    if key not in obj:
        if required:
            errors.append('%s.%s is required' % (where, key))
        return None
    v = obj[key]
    if not isinstance(v, str):
        errors.append('%s.%s must be a string' % (where, key))
        return None
    if required and v == '':
        errors.append('%s.%s must not be empty' % (where, key))
    if maxlen is not None and len(v) > maxlen:
        errors.append('%s.%s longer than %d characters (%d)'
                      % (where, key, maxlen, len(v)))
    return v


def validate_pagerduty(body, headers):
    errors = []
    if len(body) > 512 * 1024:
        errors.append('event larger than 512 KB')
    ctype = headers.get('Content-Type', '')
    if not ctype.startswith('application/json'):
        errors.append('Content-Type must be application/json')
    j = _json(body, errors)
    if j is None:
        return None, errors
    for k in j:
        if k not in PD_TOP:
            errors.append('unknown field %s' % k)
    rk = _str(j, 'routing_key', errors, 'event', required=True)
    if rk is not None and len(rk) != 32:
        errors.append('routing_key must be 32 characters')
    act = _str(j, 'event_action', errors, 'event', required=True)
    if act is not None and act not in PD_ACTIONS:
        errors.append('event_action must be one of %s' % '|'.join(
            PD_ACTIONS))
    dk = _str(j, 'dedup_key', errors, 'event', maxlen=255)
    if act in ('acknowledge', 'resolve') and not dk:
        errors.append('dedup_key is required for %s' % act)
    if act == 'trigger':
        p = j.get('payload')
        if not isinstance(p, dict):
            errors.append('payload is required for trigger')
        else:
            for k in p:
                if k not in PD_PAYLOAD:
                    errors.append('unknown field payload.%s' % k)
            _str(p, 'summary', errors, 'payload', required=True,
                 maxlen=1024)
            _str(p, 'source', errors, 'payload', required=True)
            sev = _str(p, 'severity', errors, 'payload', required=True)
            if sev is not None and sev not in PD_SEVERITIES:
                errors.append('payload.severity must be one of %s'
                              % '|'.join(PD_SEVERITIES))
            ts = _str(p, 'timestamp', errors, 'payload')
            if ts is not None and not ISO8601.match(ts):
                errors.append('payload.timestamp is not ISO 8601')
            for k in ('component', 'group', 'class'):
                _str(p, k, errors, 'payload')
            if 'custom_details' in p and not isinstance(
                    p['custom_details'], (dict, str)):
                errors.append('payload.custom_details must be an object')
    for k, need in (('links', 'href'), ('images', 'src')):
        if k in j:
            if not isinstance(j[k], list):
                errors.append('%s must be an array' % k)
                continue
            for i, l in enumerate(j[k]):
                if not isinstance(l, dict) or not isinstance(
                        l.get(need), str) or not l[need]:
                    errors.append('%s[%d].%s is required' % (k, i, need))
    for k in ('client', 'client_url'):
        _str(j, k, errors, 'event')
    return j, errors


def _og_fields(j, limits, other, errors, where):
    for k in j:
        if k not in limits and k not in other:
            errors.append('unknown field %s' % k)
    for k, n in limits.items():
        _str(j, k, errors, where, maxlen=n)


def validate_opsgenie(path, query, body, headers):
    """(action, alias or None, json, errors, status if not 422)."""
    errors = []
    auth = headers.get('Authorization', '')
    if not auth.startswith('GenieKey ') or len(auth) <= 9:
        return None, None, None, ['missing GenieKey authorization'], 401
    if not headers.get('Content-Type', '').startswith('application/json'):
        errors.append('Content-Type must be application/json')
    m = re.match(r'^/v2/alerts/([^/]+)/close$', path)
    if path == '/v2/alerts':
        j = _json(body, errors)
        if j is None:
            return 'create', None, None, errors, None
        _og_fields(j, OG_CREATE, OG_CREATE_OTHER, errors, 'alert')
        _str(j, 'message', errors, 'alert', required=True, maxlen=130)
        if 'priority' in j and j['priority'] not in ('P1', 'P2', 'P3', 'P4',
                                                     'P5'):
            errors.append('priority must be P1..P5')
        tags = j.get('tags', [])
        if not isinstance(tags, list) or len(tags) > 20 or any(
                not isinstance(t, str) or len(t) > 50 for t in tags):
            errors.append('tags: at most 20 strings of 50 characters')
        acts = j.get('actions', [])
        if not isinstance(acts, list) or len(acts) > 10 or any(
                not isinstance(a, str) or len(a) > 50 for a in acts):
            errors.append('actions: at most 10 strings of 50 characters')
        det = j.get('details', {})
        if not isinstance(det, dict) or any(
                not isinstance(v, str) for v in det.values()):
            errors.append('details must be a map of strings')
        elif sum(len(k) + len(v) for k, v in det.items()) > 8000:
            errors.append('details longer than 8000 characters')
        return 'create', j.get('alias'), j, errors, None
    if m:
        idtype = dict(x.split('=', 1) for x in query.split('&') if '='
                      in x).get('identifierType', 'id')
        if idtype not in ('id', 'alias', 'tiny'):
            errors.append('identifierType must be id, alias or tiny')
        j = _json(body, errors) if body else {}
        if j is not None:
            _og_fields(j, OG_CLOSE, set(), errors, 'close')
        return 'close', m.group(1) if idtype == 'alias' else None, j, \
            errors, None
    return None, None, None, ['no such endpoint'], 404


def _card_element(e, errors, where):
    if not isinstance(e, dict) or not isinstance(e.get('type'), str):
        errors.append('%s: an element needs a type' % where)
        return
    t = e['type']
    if t not in CARD_ELEMENTS:
        errors.append('%s: unknown element type %s' % (where, t))
    if t == 'TextBlock' and not isinstance(e.get('text'), str):
        errors.append('%s: TextBlock needs text' % where)
    if t == 'FactSet':
        facts = e.get('facts')
        if not isinstance(facts, list) or any(
                not isinstance(f, dict) or not isinstance(f.get('title'), str)
                or not isinstance(f.get('value'), str) for f in facts):
            errors.append('%s: FactSet facts need title and value strings'
                          % where)
    if t == 'Container':
        items = e.get('items')
        if not isinstance(items, list):
            errors.append('%s: Container needs items' % where)
        else:
            for i, x in enumerate(items):
                _card_element(x, errors, '%s.items[%d]' % (where, i))


def validate_teams(body, headers):
    errors = []
    if len(body) > TEAMS_MAX:
        return None, ['message larger than 28 KB'], 413
    j = _json(body, errors)
    if j is None:
        return None, errors, 400
    atts = j.get('attachments')
    if j.get('type') != 'message':
        errors.append('type must be "message"')
    if not isinstance(atts, list) or not atts:
        errors.append('attachments must be a non-empty array')
        return j, errors, 400
    for i, a in enumerate(atts):
        w = 'attachments[%d]' % i
        if not isinstance(a, dict) or a.get('contentType') != \
                'application/vnd.microsoft.card.adaptive':
            errors.append('%s.contentType must be application/vnd.'
                          'microsoft.card.adaptive' % w)
            continue
        c = a.get('content')
        if not isinstance(c, dict) or c.get('type') != 'AdaptiveCard':
            errors.append('%s.content.type must be AdaptiveCard' % w)
            continue
        if not isinstance(c.get('version'), str) or not re.match(
                r'^1\.[0-6]$', c['version']):
            errors.append('%s.content.version must be 1.0 .. 1.6' % w)
        body_ = c.get('body')
        if not isinstance(body_, list) or not body_:
            errors.append('%s.content.body must be a non-empty array' % w)
        else:
            for k, e in enumerate(body_):
                _card_element(e, errors, '%s.body[%d]' % (w, k))
        for k, act in enumerate(c.get('actions', [])):
            if not isinstance(act, dict) or act.get('type') not in \
                    CARD_ACTIONS:
                errors.append('%s.actions[%d]: unknown action' % (w, k))
            elif act['type'] == 'Action.OpenUrl' and not isinstance(
                    act.get('url'), str):
                errors.append('%s.actions[%d]: Action.OpenUrl needs url'
                              % (w, k))
        if 'fallbackText' in c and not isinstance(c['fallbackText'], str):
            errors.append('%s.content.fallbackText must be a string' % w)
    return j, errors, 400 if errors else 202


def handle(st, method, path, query, headers, body):
    """(name, status, body, record extras) for a paging catcher path."""
    if method != 'POST':
        return 'paging', 405, '{"message":"method not allowed"}', {}
    if path.startswith('/pagerduty'):
        j, errors = validate_pagerduty(body, headers)
        if errors:
            return 'pagerduty', 400, json.dumps(
                {'status': 'invalid event', 'message':
                 'Event object is invalid', 'errors': errors}), \
                {'valid': False, 'errors': errors}
        with st.lock:
            inc = st.paging.setdefault('pagerduty', {})
            dk = j.get('dedup_key') or uuid.uuid4().hex
            if j['event_action'] == 'trigger':
                inc[dk] = 'triggered'
            elif j['event_action'] == 'resolve':
                inc[dk] = 'resolved'
            else:
                inc[dk] = 'acknowledged'
        return 'pagerduty', 202, json.dumps(
            {'status': 'success', 'message': 'Event processed',
             'dedup_key': dk}), {'valid': True, 'errors': []}
    if path.startswith('/opsgenie'):
        sub = path[len('/opsgenie'):]
        act, alias, j, errors, status = validate_opsgenie(sub, query, body,
                                                          headers)
        rid = str(uuid.uuid4())
        if status is not None or errors:
            st_ = status or 422
            msg = {401: 'Could not authenticate', 404: 'Not found'}.get(
                st_, 'Request body is not processable. Please check the '
                'errors.')
            return 'opsgenie', st_, json.dumps(
                {'message': msg, 'errors': errors, 'took': 0.0,
                 'requestId': rid}), {'valid': False, 'errors': errors}
        with st.lock:
            inc = st.paging.setdefault('opsgenie', {})
            if act == 'create':
                inc[alias or rid] = 'open'
            elif alias is not None:
                inc[alias] = 'closed'
        return 'opsgenie', 202, json.dumps(
            {'result': 'Request will be processed', 'took': 0.01,
             'requestId': rid}), {'valid': True, 'errors': [],
                                  'action': act}
    name = path[1:]
    j, errors, status = validate_teams(body, headers)
    if errors:
        return name, status, json.dumps({'error': {'code': 'BadRequest',
                                                   'message': '; '.join(
                                                       errors)}}), \
            {'valid': False, 'errors': errors}
    return name, 202, '', {'valid': True, 'errors': []}
