#!/bin/sh
# A gitleaks config as a rules file (`scan --rules x.toml`), against the
# fixture tests/data/gitleaks/fixture.toml (written for these tests in the
# shape of gitleaks's default config): keywords, entropy, secretGroup,
# first non-empty group, allowlists (regexes, stopwords, regexTarget
# secret/match/line, condition AND with paths), global allowlist,
# [extend] useDefault and disabledRules, RE2 translation, and refusals
# with file:line. The tokens are made up.
. "$SRCDIR/tests/integration/lib.sh"
fx="$SRCDIR/tests/data/gitleaks/fixture.toml"
VT=$(printf '\013')

cat > "$TMPD/in.log" <<L
1 token acme_k3j5h2g8d9s0a7f6q1w2e4r5 end
2 token acme_aaaaaaaaaaaaaaaaaaaaaaaa end
3 token acme_00000000k3j5h2g8d9s0a7f6 end
4 token acme_deadbeefdeadbeef12345678 end
5 ZETA_CLIENT = ZC0A1B2C3D, Xk39sLq02Jd8Fh3Kw9Zp1Mn4Bv7Cx6Ty
6 orbit_key = "Ab3dE5gH7jK9mN1pQ3sT"
7 orbitKey: Zx8cV6bN4mL2kJ0hG9fD
8 orbitKey: Orb1tPublicDocsKey00
9 orbit_key = "Qw3eR5tY7uI9oP1aS3dF" sandbox = true
10 quasar_token = q0a9s8d7f6g5h4j3k2l1z0x9c8v7b65
11 quasar-token = q1a9s8d7f6g5h4j3k2l1z0x9c8v7b75
12 quasar_token = qtesttesttest0a9s8d7f6g5h4j3k25
13 nimbus_password = "Xr7#kP2!qZ9@mW4"
14 tiny_secret${VT}t1234567890123456
15 tiny_secret t6543210987654321
16 AKIARLPXUTKI6Q7JXL4S
17 stripe.api_key = "sk_live_8A80wmLLA8rhz303f9yl9bHg"
L
run "$CWGUARD" --format json scan --rules "$fx" "$TMPD/in.log"
expect_rc 1 "the fixture loads and finds"
line() {	# line N RULE NAME: a finding of RULE on line N
	expect_grep out "\"rule\":\"$2\",\"path\":\"[^\"]*\",\"line\":$1," "$3"
}
none() {	# none N NAME: nothing on line N
	if grep -q "\"line\":$1," "$TMPD/out"; then ok 1 "$2"
	else ok 0 "$2"; fi
}
line 1 acme-api-token "keywords + regex: an Acme token"
none 2 "entropy at or under the floor: not reported"
none 3 "global allowlist regex"
none 4 "global stopword"
line 5 zeta-client-secret "secretGroup = 2"
expect_grep out '"line":5,"column":29,"length":32,' "secretGroup: the column and length of group 2"
line 6 orbit-key "first spelling: group 1"
line 7 orbit-key "second spelling: the first non-empty group"
expect_grep out '"line":7,"column":13,"length":20,' "... at the group's column"
none 8 "rule allowlist regex (secret)"
none 9 "rule allowlist regexTarget = line"
line 10 quasar-token "old-style [rules.allowlist] does not hide others"
none 11 "regexTarget = match"
none 12 "rule stopword"
line 13 nimbus-password "condition AND with paths never applies to log lines"
none 14 "RE2's \\s does not match a vertical tab"
line 15 tiny-space "... a space it does"
line 16 aws-access-key-id "[extend] useDefault: the built-in rules run too"
none 17 "[extend] disabledRules: stripe-key off"
expect_grep err "fixture.toml:[0-9]+: rule vega-file has a path" "a path rule is skipped, said with file:line"
if grep -qF -e acme_k3j5h2g8d9s0a7f6q1w2e4r5 -e Xk39sLq02Jd8Fh3Kw9Zp1Mn4Bv7Cx6Ty \
    -e Zx8cV6bN4mL2kJ0hG9fD "$TMPD/out" "$TMPD/err"; then
	ok 1 "no raw secret in the output"
else
	ok 0 "no raw secret in the output"
fi

# Without [extend] only the file's rules run, as in gitleaks.
sed '/^\[extend\]/,/^disabledRules/d' "$fx" > "$TMPD/own.toml"
run "$CWGUARD" --format json scan --rules "$TMPD/own.toml" "$TMPD/in.log"
none 16 "no useDefault: no built-in rule"
line 1 acme-api-token "no useDefault: the file's rules"

# Refusals, each with file:line.
bad() {	# bad NAME TOML PATTERN
	printf '%s\n' "$2" > "$TMPD/bad.toml"
	run "$CWGUARD" scan --rules "$TMPD/bad.toml" "$TMPD/in.log"
	if [ "$rc" -eq 2 ] && grep -qE -- "$3" "$TMPD/err"; then ok 0 "$1"
	else ok 1 "$1"; sed 's/^/#   /' "$TMPD/err" | head -3; fi
}
bad "\\C has no PCRE2 equivalent" "$(printf '[[rules]]\nid = "x"\nkeywords = ["a"]\n\nregex = %s' "'''a\\Cb'''")" 'bad.toml:5: regex: \\C \(any byte\) has no PCRE2 equivalent'
bad "a regex PCRE2 rejects" "$(printf '[[rules]]\nid = "x"\nkeywords = ["a"]\nregex = %s' "'''(ab'''")" 'bad.toml:4: regex: .*missing closing parenthesis'
bad "a rule without keywords" "$(printf '[[rules]]\nid = "x"\nregex = "a+"')" 'bad.toml:1: rule x needs keywords'
bad "secretGroup beyond the groups" "$(printf '[[rules]]\nid = "x"\nkeywords = ["a"]\nregex = "(a)(b)"\nsecretGroup = 3')" 'bad.toml:5: rule x: secretGroup must be a group of the regex \(0 to 2\)'
bad "a TOML syntax error" "$(printf 'title = "x"\n[[rules]]\nid = "unterminated\n')" 'bad.toml:3: newline in a one-line string'
bad "an unknown rule key" "$(printf '[[rules]]\nid = "x"\nkeywords = ["a"]\nregex = "a"\nsecretgroup = 1')" 'bad.toml:5: rule x: unknown key "secretgroup"'
bad "[extend] path" "$(printf '[extend]\npath = "other.toml"')" 'bad.toml:2: \[extend\] path is not supported'
bad "an empty allowlist" "$(printf '[[rules]]\nid = "x"\nkeywords = ["a"]\nregex = "a"\n[[rules.allowlists]]\ndescription = "y"')" 'bad.toml:5: an allowlist needs'
bad "a bad regexTarget" "$(printf '[allowlist]\nregexTarget = "file"\nregexes = ["a"]\n[[rules]]\nid = "x"\nkeywords = ["a"]\nregex = "a"')" 'bad.toml:2: regexTarget must be'
tap_done
