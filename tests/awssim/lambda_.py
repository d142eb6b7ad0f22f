"""Lambda (REST-JSON): ListFunctions, GetFunctionConfiguration.

Scenario: "lambda": {"functions": [FunctionConfiguration, ...]} where each
entry needs at least FunctionName; missing fields are filled in.
"""
import urllib.parse

from .proto import ApiError

PAGE_MAX = 50


def route(method, path, query):
    q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    parts = [urllib.parse.unquote(x) for x in path.split('/') if x]
    if method == 'GET' and parts[:2] == ['2015-03-31', 'functions']:
        if len(parts) == 2:
            return 'ListFunctions', q
        if len(parts) == 4 and parts[3] == 'configuration':
            return 'GetFunctionConfiguration', dict(q, FunctionName=parts[2])
    raise ApiError('UnknownOperationException', 'no route %s %s' % (
        method, path), 404)


def _full(ctx, f):
    name = f['FunctionName']
    d = {'FunctionArn': 'arn:aws:lambda:%s:%s:function:%s' % (
        ctx.data.region, ctx.data.account, name),
        'Runtime': 'python3.12', 'Role': 'arn:aws:iam::%s:role/%s-role' % (
            ctx.data.account, name),
        'Handler': 'index.handler', 'CodeSize': 1024, 'Timeout': 3,
        'MemorySize': 128, 'LastModified': '2026-01-01T00:00:00.000+0000',
        'Version': '$LATEST', 'PackageType': 'Zip'}
    d.update(f)
    return d


def _find(ctx, ident):
    name = ident
    if ':function:' in ident:
        name = ident.split(':function:', 1)[1]
    name = name.split(':')[0]
    for f in ctx.data.functions:
        if f['FunctionName'] == name:
            return f
    raise ApiError('ResourceNotFoundException', 'Function not found: %s' %
                   ident, 404)


def list_functions(ctx, p):
    fns = sorted(ctx.data.functions, key=lambda f: f['FunctionName'])
    start = int(p.get('Marker') or 0)
    n = min(int(p.get('MaxItems') or PAGE_MAX), PAGE_MAX)
    if n < 1:
        raise ApiError('InvalidParameterValueException', 'MaxItems')
    page = fns[start:start + n]
    out = {'Functions': [_full(ctx, f) for f in page]}
    if start + n < len(fns):
        out['NextMarker'] = str(start + n)
    return out


def get_function_configuration(ctx, p):
    f = _find(ctx, p['FunctionName'])
    if f.get('access_denied'):
        raise ApiError('AccessDeniedException', 'not authorized', 403)
    return _full(ctx, f)


OPS = {'ListFunctions': list_functions,
       'GetFunctionConfiguration': get_function_configuration}
