"""A small subset of the CloudWatch Logs Insights query language.

Commands (separated by `|`): fields F, ...; display F, ...;
filter EXPR; sort F asc|desc; limit N.
EXPR: comparisons combined with and / or / not and parentheses, where a
comparison is `F like /re/`, `F like "substring"`, `F =~ /re/`,
`F not like ...`, `F = "s"`, `F != "s"`.  Fields: @timestamp, @message,
@logStream, @log, @ptr.  Regex literals use Python `re` (Insights regexes
are RE2-like; (?i) works in both).
Anything else raises MalformedQuery.
"""
import re


class MalformedQuery(Exception):
    pass


def _split_commands(q):
    cmds, cur, i, n = [], [], 0, len(q)
    while i < n:
        c = q[i]
        if c in '"\'':
            j = i + 1
            while j < n and q[j] != c:
                j += 2 if q[j] == '\\' else 1
            cur.append(q[i:j + 1])
            i = j + 1
        elif c == '/':
            j = i + 1
            while j < n and q[j] != '/':
                j += 2 if q[j] == '\\' else 1
            if j >= n:
                raise MalformedQuery('unterminated regex')
            cur.append(q[i:j + 1])
            i = j + 1
        elif c == '|':
            cmds.append(''.join(cur).strip())
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    cmds.append(''.join(cur).strip())
    return [c for c in cmds if c]


_TOK = re.compile(r'''\s*(?:
    (?P<regex>/(?:\\.|[^/\\])*/)
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<op>=~|!=|=|\(|\))
  | (?P<word>[@A-Za-z_][\w.@]*)
  | (?P<num>-?\d+(?:\.\d+)?)
)''', re.X)


def _tokens(s):
    out, pos = [], 0
    s = s.rstrip()
    while pos < len(s):
        m = _TOK.match(s, pos)
        if not m or m.end() == pos:
            raise MalformedQuery('unexpected text at %r' % s[pos:pos + 20])
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _unquote(s):
    return re.sub(r'\\(.)', r'\1', s[1:-1])


class _Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, val=None):
        if self.i >= len(self.t):
            return None
        k, v = self.t[self.i]
        if val is None:
            return (k, v)
        return (k, v) if (k in ('word', 'op') and v.lower() == val) else None

    def take(self, val=None):
        tok = self.peek(val)
        if tok is None:
            raise MalformedQuery('expected %s' % (val or 'token'))
        self.i += 1
        return tok

    def expr(self):
        left = self.conj()
        while self.peek('or'):
            self.take()
            right = self.conj()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def conj(self):
        left = self.unary()
        while self.peek('and'):
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def unary(self):
        if self.peek('not'):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek('('):
            self.take()
            e = self.expr()
            self.take(')')
            return e
        return self.comparison()

    def comparison(self):
        kind, field = self.take()
        if kind != 'word':
            raise MalformedQuery('expected a field, got %r' % field)
        neg = False
        if self.peek('not'):
            self.take()
            neg = True
        kind, op = self.take()
        op = op.lower()
        kind, lit = self.take()
        if op in ('like', '=~'):
            if kind == 'regex':
                rx = re.compile(lit[1:-1])
                test = lambda v: rx.search(v) is not None
            elif kind == 'str':
                sub = _unquote(lit)
                test = lambda v: sub in v
            else:
                raise MalformedQuery('like needs /regex/ or "string"')
        elif op in ('=', '!='):
            val = _unquote(lit) if kind == 'str' else lit
            test = (lambda v: v == val) if op == '=' else (lambda v: v != val)
        else:
            raise MalformedQuery('unsupported operator %r' % op)
        if neg:
            return lambda r: not test(str(r.get(field, '')))
        return lambda r: test(str(r.get(field, '')))


class Query:
    def __init__(self, text):
        self.fields = None
        self.filters = []
        self.sort = ('@timestamp', 'desc')
        self.limit = None
        for cmd in _split_commands(text):
            word, _, rest = cmd.partition(' ')
            word = word.lower()
            rest = rest.strip()
            if word in ('fields', 'display'):
                fs = [f.strip() for f in rest.split(',') if f.strip()]
                if not fs:
                    raise MalformedQuery('fields needs a list')
                self.fields = (self.fields or []) + fs
            elif word == 'filter':
                p = _Parser(_tokens(rest))
                self.filters.append(p.expr())
                if p.i != len(p.t):
                    raise MalformedQuery('trailing text in filter')
            elif word == 'sort':
                parts = rest.split()
                if not parts or len(parts) > 2 or (
                        len(parts) == 2 and parts[1].lower() not in
                        ('asc', 'desc')):
                    raise MalformedQuery('sort F asc|desc')
                self.sort = (parts[0], parts[1].lower()
                             if len(parts) == 2 else 'desc')
            elif word == 'limit':
                if not rest.isdigit() or int(rest) < 1:
                    raise MalformedQuery('limit needs a positive number')
                self.limit = int(rest)
            else:
                raise MalformedQuery('unsupported command %r' % word)

    def match(self, rec):
        return all(f(rec) for f in self.filters)
