"""SNS Publish (Query)."""
import re
import uuid

from .proto import ApiError

_TOPIC_RE = re.compile(r'^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$')


def publish(ctx, p):
    topic = p.get('TopicArn') or p.get('TargetArn')
    if not topic:
        raise ApiError('InvalidParameter', 'Invalid parameter: TopicArn or '
                       'TargetArn Reason: no value for required parameter')
    if not _TOPIC_RE.match(topic):
        raise ApiError('InvalidParameter', 'Invalid parameter: TopicArn')
    topics = ctx.data.sns.get('topics')
    if topics is not None and topic not in topics:
        raise ApiError('NotFound', 'Topic does not exist', 404)
    msg = p.get('Message')
    if msg is None or msg == '':
        raise ApiError('InvalidParameter', 'Invalid parameter: Empty message')
    subject = p.get('Subject')
    if subject is not None:
        if subject == '' or len(subject) >= 100 or \
                any(ord(c) < 32 for c in subject):
            raise ApiError('InvalidParameter', 'Invalid parameter: Subject')
    attrs = p.get('MessageAttributes') or {}
    size = len(msg.encode())
    for name, v in attrs.items():
        if not isinstance(v, dict) or 'DataType' not in v:
            raise ApiError('InvalidParameterValue', 'The message attribute '
                           "'%s' must contain non-empty message attribute "
                           'value and type.' % name)
        size += len(name) + len(v['DataType']) + \
            len(str(v.get('StringValue', v.get('BinaryValue', ''))))
    if size > 262144:
        raise ApiError('InvalidParameter', 'Invalid parameter: Message too '
                       'long')
    mid = str(uuid.uuid4())
    with ctx.state.lock:
        ctx.state.sns.append({'MessageId': mid, 'TopicArn': topic,
                              'Subject': subject, 'Message': msg,
                              'MessageAttributes': attrs,
                              'time': ctx.now()})
    return {'MessageId': mid}


OPS = {'Publish': publish}
