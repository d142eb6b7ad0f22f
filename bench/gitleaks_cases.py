#!/usr/bin/env python3
"""Extract the true- and false-positive cases of gitleaks's rule tests.

Reads cmd/generate/config/rules/*.go of a gitleaks checkout (GITLEAKS_DIR)
and writes one JSON object per case to stdout:
    {"rule": "slack-bot-token", "kind": "tp"|"fp", "text": "...",
     "by_path": false}
(by_path: the rule's test judges a file by its path as well as its
content, which a line scanner cannot see.)

Only the test data is read, never gitleaks's regexes: a small evaluator
handles the Go expressions the rule files use to build their cases
(string literals, +, fmt.Sprintf, append, []string{...}, the
utils.GenerateSampleSecret(s) contexts and secrets.NewSecret, which draws a
random string from a regex; that is re-implemented here with Python's
regex parser, seeded so runs are repeatable). A statement the evaluator
cannot read is skipped and counted on stderr.

    bench/gitleaks_cases.py GITLEAKS_DIR > cases.jsonl
"""
import base64
import glob
import json
import os
import random
import re
import sys

try:
    import re._parser as sre_parse
    import re._constants as sre_c
except ImportError:  # Python < 3.11
    import sre_parse
    import sre_constants as sre_c

RNG = random.Random(17)

# The contexts of utils.GenerateSampleSecrets, as the tests use them (a
# description of their test harness, not rule text).
SAMPLES = [
    '{i}Token="{s}"', '{i}Token = "{s}"', '{i}Token={s}', '{i}Token = {s}',
    '{\n    "{i}_token": "{s}"\n}',
    '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
    '<{i}Token>\n    {s}\n</{i}Token>',
    '{i}_token: {s}', "{i}_token: '{s}'", '{i}_token: "{s}"',
    'string {i}Token = "{s}";', 'var {i}Token string = "{s}"',
    '{i}Token := "{s}"', '{i}Token := `{s}`', 'String {i}Token = "{s}";',
    'var {i}Token = "{s}"', '${i}Token .= "{s}"', "{i}Token = '{s}'",
    '{i}Token = "{s}"', 'System.setProperty("{I}_TOKEN", "{s}")',
    '  "{i}Token" => "{s}"', '{i}_TOKEN = "{s}"', '{i}_TOKEN := "{s}"',
    '{i}_TOKEN ::= "{s}"', '{i}_TOKEN :::= "{s}"', '{i}_TOKEN ?= "{s}"',
]

HELPERS = {
    "Numeric": lambda n: "[0-9]{%s}" % n,
    "Hex": lambda n: "[a-f0-9]{%s}" % n,
    "AlphaNumeric": lambda n: "[a-z0-9]{%s}" % n,
    "AlphaNumericExtendedShort": lambda n: "[a-z0-9_-]{%s}" % n,
    "AlphaNumericExtended": lambda n: "[a-z0-9=_\\-]{%s}" % n,
    "AlphaNumericExtendedLong": lambda n: "[a-z0-9\\/=_\\+\\-]{%s}" % n,
    "Hex8_4_4_4_12": lambda: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                             "[0-9a-f]{4}-[0-9a-f]{12}",
}


class Skip(Exception):
    pass


# ---- random strings from a regex ----------------------------------------

PRINTABLE = [chr(c) for c in range(0x21, 0x7f)]


def _class_chars(items):
    chars, neg = [], False
    for op, av in items:
        if op == sre_c.NEGATE:
            neg = True
        elif op == sre_c.LITERAL:
            chars.append(chr(av))
        elif op == sre_c.RANGE:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        elif op == sre_c.CATEGORY:
            name = str(av)
            if "DIGIT" in name and "NOT" not in name:
                chars.extend("0123456789")
            elif "WORD" in name and "NOT" not in name:
                chars.extend("abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
            elif "SPACE" in name and "NOT" not in name:
                chars.append(" ")
            else:
                chars.extend("abcXYZ")
    if neg:
        chars = [c for c in PRINTABLE if c not in set(chars)]
    return chars or ["a"]


def _gen(tree, out, groups):
    for op, av in tree:
        if op == sre_c.LITERAL:
            out.append(chr(av))
        elif op == sre_c.NOT_LITERAL:
            out.append(RNG.choice([c for c in PRINTABLE if ord(c) != av]))
        elif op == sre_c.ANY:
            out.append(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789"))
        elif op == sre_c.IN:
            out.append(RNG.choice(_class_chars(av)))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT,
                    getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            if hi == sre_c.MAXREPEAT:
                hi = lo + 1	# reggen's Generate(1): one beyond the floor
            for _ in range(RNG.randint(lo, hi)):
                _gen(sub, out, groups)
        elif op == sre_c.SUBPATTERN:
            start = len(out)
            _gen(av[-1], out, groups)
            if av[0] is not None:
                groups[av[0]] = "".join(out[start:])
        elif op == sre_c.BRANCH:
            _gen(RNG.choice(av[1]), out, groups)
        elif op == sre_c.GROUPREF:
            out.append(groups.get(av, ""))
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            pass
        elif op == sre_c.CATEGORY:
            out.append(RNG.choice(_class_chars([(op, av)])))
        else:
            raise Skip("regex op %s" % op)


def new_secret(rx):
    rx = rx.replace("[[:alnum:]]", "[a-zA-Z0-9]").replace("\\z", "")
    rx = rx.replace("[:alnum:]", "a-zA-Z0-9").replace("\\x60", "`")
    try:
        tree = sre_parse.parse(rx)
    except Exception as e:
        raise Skip("regex %r: %s" % (rx, e))
    out = []
    _gen(tree, out, {})
    return "".join(out)


# ---- a tokenizer and evaluator for the Go expressions used --------------

TOK = re.compile(r'''
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)+')
  | (?P<num>[0-9][0-9a-fA-FxX_.]*)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>:=|\.\.\.|&&|\|\||==|!=|<=|>=|\+=|[-+*/%(){}\[\].,;:=<>!&|^])
''', re.S | re.X)


def tokens(src):
    pos, out = 0, []
    while pos < len(src):
        m = TOK.match(src, pos)
        if not m:
            out.append(("op", src[pos]))
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            if "\n" in m.group():
                out.append(("nl", "\n"))
            continue
        out.append((kind, m.group()))
    return out


def go_unquote(s):
    if s[0] == "`":
        return s[1:-1].replace("\r", "")
    body = s[1:-1]
    try:
        return json.loads('"' + re.sub(r"\\x([0-9a-fA-F]{2})",
                                       r"\\u00\1", body) + '"')
    except Exception:
        return bytes(body, "utf-8").decode("unicode_escape")


class Eval:
    def __init__(self, toks, env):
        self.t = [x for x in toks if x[0] != "nl"]
        self.i = 0
        self.env = env

    def peek(self, k=0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else ("eof", "")

    def take(self, val=None):
        tok = self.peek()
        if val is not None and tok[1] != val:
            raise Skip("want %r got %r" % (val, tok[1]))
        self.i += 1
        return tok

    def expr(self):
        v = self.unary()
        while self.peek()[1] == "+":
            self.take()
            w = self.unary()
            if isinstance(v, list) or isinstance(w, list):
                raise Skip("list +")
            v = v + w
        return v

    def args(self):
        self.take("(")
        out = []
        while self.peek()[1] != ")":
            a = self.expr()
            if self.peek()[1] == "...":
                self.take()
                out.append(("spread", a))
            else:
                out.append(a)
            if self.peek()[1] == ",":
                self.take()
        self.take(")")
        return out

    def unary(self):
        kind, val = self.peek()
        if kind in ("raw", "str"):
            self.take()
            return go_unquote(val)
        if kind == "num":
            self.take()
            return val
        if val == "map":
            # map[string]string{"path": "content", ...}: the contents
            while self.peek()[1] != "{":
                self.take()
            self.take("{")
            out = []
            while self.peek()[1] != "}":
                self.expr()
                self.take(":")
                out.append(self.expr())
                if self.peek()[1] == ",":
                    self.take()
            self.take("}")
            return out
        if val == "[":
            # []string{...}, []byte(x)
            self.take("[")
            self.take("]")
            if self.take()[1] == "byte":
                self.take("(")
                v = self.expr()
                self.take(")")
                return v
            self.take("{")
            out = []
            while self.peek()[1] != "}":
                out.append(self.expr())
                if self.peek()[1] == ",":
                    self.take()
            self.take("}")
            return out
        if val == "(":
            self.take()
            v = self.expr()
            self.take(")")
            return v
        if kind == "id":
            self.take()
            name = val
            while self.peek()[1] == "." and self.peek(1)[0] == "id":
                self.take()
                name += "." + self.take()[1]
            if self.peek()[1] == "(":
                return self.call(name, self.args())
            if self.peek()[1] == "[":
                raise Skip("index")
            if name in self.env:
                return self.env[name]
            if name == "nil":
                return []
            raise Skip("unknown name %s" % name)
        raise Skip("token %r" % val)

    def call(self, name, args):
        flat = []
        for a in args:
            if isinstance(a, tuple):
                flat.extend(a[1])
            else:
                flat.append(a)
        short = name.split(".")[-1]
        if name == "append":
            base = list(flat[0])
            for a in flat[1:]:
                base.extend(a if isinstance(a, list) else [a])
            return base
        if name == "fmt.Sprintf":
            fmt = flat[0]
            try:
                return re.sub(r"%[sdvq]", "%s", fmt) % tuple(flat[1:])
            except TypeError:
                raise Skip("sprintf")
        if name == "secrets.NewSecret":
            return new_secret(flat[0])
        if short in HELPERS:
            return HELPERS[short](*flat)
        if short == "GenerateSampleSecrets":
            i, s = flat[0], flat[1]
            return [x.replace("{i}", i).replace("{I}", i.upper())
                    .replace("{s}", s) for x in SAMPLES]
        if short == "GenerateSampleSecret":
            return '%s_api_token = "%s"' % (flat[0], flat[1])
        if name == "base64.StdEncoding.EncodeToString":
            return base64.b64encode(flat[0].encode()).decode()
        if name == "base64.RawURLEncoding.EncodeToString":
            return base64.urlsafe_b64encode(flat[0].encode()).decode().rstrip("=")
        if name == "strings.Repeat":
            return flat[0] * int(flat[1])
        if name in ("strings.ToUpper",):
            return flat[0].upper()
        if name in ("strings.ToLower",):
            return flat[0].lower()
        if name == "strings.ReplaceAll":
            return flat[0].replace(flat[1], flat[2])
        raise Skip("call %s" % name)


def split_funcs(src):
    parts = re.split(r"\n(?=func )", src)
    return [p for p in parts if p.startswith("func ")]


def statements(toks):
    """Top-level statements of a function body, by newline at depth 0."""
    depth, cur, out = 0, [], []
    started = False
    for tok in toks:
        if not started:
            if tok[1] == "{":
                started = True
            continue
        if tok[1] in "({[" and tok[0] == "op":
            depth += 1
        elif tok[1] in ")}]" and tok[0] == "op":
            depth -= 1
        if tok[0] == "nl" and depth <= 0:
            if cur:
                out.append(cur)
            cur = []
            continue
        cur.append(tok)
    if cur:
        out.append(cur)
    return out


def assign(st, env, stats, rule):
    """Evaluates one statement into env; returns (tp, fp) at Validate."""
    vals = [x[1] for x in st]
    try:
        if vals[:2] == ["var", "("]:
            inner = [("nl", "\n")] + st[2:-1] + [("nl", "\n")]
            for sub in statements([("op", "{")] + inner):
                assign(sub, env, stats, rule)
            return None
        if vals[:1] == ["var"]:
            st, vals = st[1:], vals[1:]
            if len(vals) > 2 and vals[1] != "=":
                st, vals = [st[0]] + st[2:], [vals[0]] + vals[2:]
        if len(st) >= 3 and st[0][0] == "id" and vals[1] in (":=", "="):
            env[vals[0]] = Eval(st[2:], env).expr()
        elif vals[:1] == ["return"] and "utils" in vals[1:3]:
            e = Eval(st[1:], env)
            e.take()
            e.take(".")
            name = e.take()[1]
            a = e.args()
            if name in ("Validate", "ValidateWithPaths"):
                tp = a[1] if len(a) > 1 and isinstance(a[1], list) else []
                fp = a[2] if len(a) > 2 and isinstance(a[2], list) else []
                return tp, fp
    except (Skip, IndexError, KeyError, ValueError, TypeError) as why:
        stats["skipped"] = stats.get("skipped", 0) + 1
        if os.environ.get("GL_DEBUG"):
            print("%s: %s: %s" % (rule, " ".join(vals[:6]), why),
                  file=sys.stderr)
    return None


def run_func(src, fenv, stats):
    m = re.search(r'RuleID:\s*"([^"]+)"', src)
    if not m or "utils.Validate" not in src:
        return None
    rule = m.group(1)
    env = dict(fenv)
    env.update({"r": None, "rule": None, "false": False, "true": True})
    tp, fp = [], []
    for st in statements(tokens(src)):
        got = assign(st, env, stats, rule)
        if got is not None:
            tp, fp = got
    tp = [x for x in tp if isinstance(x, str)]
    fp = [x for x in fp if isinstance(x, str)]
    return rule, tp, fp


def file_env(src, stats):
    """Package-level var declarations of a rule file."""
    env = {}
    top = re.split(r"\n(?=func )", src)[0]
    rest = "\n".join(re.findall(r"\n(var [^\n]*(?:\n[ \t][^\n]*)*\n[)}]?)",
                                src))
    for st in statements(tokens("{\n" + top + "\n" + rest + "\n")):
        assign(st, env, stats, "(file)")
    return env


def main():
    root = sys.argv[1]
    files = sorted(glob.glob(os.path.join(root, "cmd/generate/config/rules/*.go")))
    files = [f for f in files if not f.endswith("_test.go")]
    if not files:
        print("no rule files under %s" % root, file=sys.stderr)
        return 2
    stats = {}
    rules = 0
    for f in files:
        src = open(f, encoding="utf-8").read()
        fenv = file_env(src, stats)
        for fn in split_funcs(src):
            r = run_func(fn, fenv, stats)
            if r is None:
                continue
            rule, tp, fp = r
            rules += 1
            # ValidateWithPaths: the verdict depends on the file's path.
            by_path = "ValidateWithPaths" in fn
            for kind, cases in (("tp", tp), ("fp", fp)):
                for text in cases:
                    print(json.dumps({"rule": rule, "kind": kind,
                                      "text": text, "by_path": by_path}))
    print("gitleaks_cases: %d rules, %d statements skipped" %
          (rules, stats.get("skipped", 0)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
