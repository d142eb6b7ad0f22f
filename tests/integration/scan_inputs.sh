#!/bin/sh
# What `cwguard scan` reads: gzip files (by their magic, from a path or
# stdin, several members, a truncated one is an error), directories
# (recursive, name order, the skip list said on stderr), and secrets
# inside base64 runs and percent escapes, reported against the encoded
# text. Inputs are generated here from synthetic keys.
. "$SRCDIR/tests/integration/lib.sh"

AWS=AKIARLPXUTKI6Q7JXL4S
STRIPE=sk_live_8A80wmLLA8rhz303f9yl9bHg
SECRET='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'
no_raw() {	# no_raw NAME
	if grep -qF -e "$AWS" -e "$STRIPE" -e "$SECRET" "$TMPD/out" "$TMPD/err"
	then ok 1 "$1: no raw secret"; else ok 0 "$1: no raw secret"; fi
}
count() { grep -c "$1" "$TMPD/out"; }

printf 'INFO start\nWARN key %s\nINFO stripe "%s"\nINFO done\n' \
    "$AWS" "$STRIPE" > "$TMPD/app.log"
gzip -c "$TMPD/app.log" > "$TMPD/app.log.gz"

# gzip
run "$CWGUARD" scan "$TMPD/app.log.gz"
expect_rc 1 "a .gz file is read decompressed"
expect_grep out "app.log.gz:2:10: aws-access-key-id AKIA" "gz: the AWS key at its line and column"
expect_grep out "app.log.gz:3:[0-9]+: stripe-key" "gz: the Stripe key"
no_raw gz
cp "$TMPD/app.log.gz" "$TMPD/archive"
run "$CWGUARD" scan - < "$TMPD/archive"
expect_rc 1 "gzip data on stdin, whatever the name"
ok $(( $(count aws-access-key-id) != 1 )) "stdin gz: one AWS finding"
{ gzip -c "$TMPD/app.log"; gzip -c "$TMPD/app.log"; } > "$TMPD/two.gz"
run "$CWGUARD" scan "$TMPD/two.gz"
ok $(( $(count aws-access-key-id) != 2 )) "two gzip members: both read"
expect_grep out "two.gz:6:" "line numbers go on across members"
head -c 40 "$TMPD/app.log.gz" > "$TMPD/cut.gz"
run "$CWGUARD" scan "$TMPD/cut.gz"
expect_rc 2 "a truncated gzip file: exit 2 (incomplete)"
expect_grep err "cut.gz: gzip: " "... named on stderr"
printf 'nothing here\n' | gzip -c > "$TMPD/clean.gz"
run "$CWGUARD" scan "$TMPD/clean.gz"
expect_rc 0 "a clean gzip file: exit 0"

# directories
mkdir -p "$TMPD/tree/a/b" "$TMPD/tree/.git" "$TMPD/tree/img"
cp "$TMPD/app.log" "$TMPD/tree/a/one.log"
cp "$TMPD/app.log.gz" "$TMPD/tree/a/b/two.log.gz"
cp "$TMPD/app.log" "$TMPD/tree/.git/config"
printf '%s' "$AWS" > "$TMPD/tree/img/logo.png"
printf 'x\000y %s\n' "$AWS" > "$TMPD/tree/img/blob"
ln -s ../a/one.log "$TMPD/tree/img/link.log"
run "$CWGUARD" --format json scan "$TMPD/tree"
expect_rc 1 "a directory is walked"
ok $(( $(count aws-access-key-id) != 2 )) "two AWS findings: one.log and two.log.gz"
expect_grep out "\"path\":\"$TMPD/tree/a/b/two.log.gz\"" "a gz file inside the tree is read"
first=$(sed -n 's/.*"path":"\([^"]*\)".*/\1/p' "$TMPD/out" | head -1)
ok $(( $([ "$first" = "$TMPD/tree/a/b/two.log.gz" ] && echo 0 || echo 1) )) "name order: a/b/ before a/one.log"
expect_grep err "tree/.git: skipped \(version control\)" "stderr: .git skipped"
expect_grep err "logo.png: skipped \(binary file type\)" "stderr: binary type skipped"
expect_grep err "img/blob: skipped \(binary content\)" "stderr: NUL byte content skipped"
expect_grep err "link.log: skipped \(symbolic link\)" "stderr: link not followed"
if grep -q '"path":"[^"]*\.git' "$TMPD/out"; then ok 1 "nothing reported from .git"
else ok 0 "nothing reported from .git"; fi
no_raw directory
run "$CWGUARD" scan "$TMPD/tree/img/blob"
expect_rc 1 "a binary file named on the command line is scanned"
run "$CWGUARD" -q scan "$TMPD/tree"
ok $(( $(grep -c skipped "$TMPD/err") != 0 )) "-q: the skips are not said"

# decoding
b64a=$(printf '%s' "$AWS" | base64)
b64b=$(printf 'id=%s' "$AWS" | base64)
b64c=$(printf 'k: %s' "$AWS" | base64)
pct=$(printf '%s' "$SECRET" | sed 's|/|%2F|g; s|+|%2B|g')
{
	printf 'creds %s end\n' "$b64a"
	printf 'env %s\n' "$b64b"
	printf 'cfg %s\n' "$b64c"
	printf 'aws_secret_access_key%%3D%s\n' "$pct"
	printf 'blob %s\n' "$(head -c 96 /dev/zero | tr '\0' 'Q' | base64 -w0)"
	printf 'url?k=%s%%26x=1\n' "$STRIPE"
} > "$TMPD/enc.log"
run "$CWGUARD" --format json scan "$TMPD/enc.log"
expect_rc 1 "encoded secrets found"
for l in 1 2 3; do
	expect_grep out "\"rule\":\"aws-access-key-id\",\"path\":\"[^\"]*\",\"line\":$l,.*\"encoding\":\"base64\"" "base64-wrapped AWS key id on line $l"
done
expect_grep out '"line":1,"column":7,"length":28,' "reported at the base64 run (column, length)"
expect_grep out '"rule":"aws-secret-access-key".*"line":4,"column":25,.*"encoding":"percent"' "percent-encoded secret key at its escaped span"
ok $(( $(count '"line":5,') != 0 )) "base64 of plain text holds nothing"
ok $(( $(count '"line":6,') != 1 )) "escapes elsewhere: the plain key once"
printf 'plain %s\n' "$AWS" >> "$TMPD/enc.log"
run "$CWGUARD" --format json scan "$TMPD/enc.log"
fpa=$(sed -n 's/.*"line":1,.*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$TMPD/out")
fpp=$(sed -n 's/.*"line":7,.*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$TMPD/out")
[ -n "$fpa" ] && [ "$fpa" = "$fpp" ]
ok $? "a wrapped and a plain key share a fingerprint"
no_raw decoding
run "$CWGUARD" scan "$TMPD/enc.log"
expect_grep out "enc.log:1:7: aws-access-key-id AKIA\*+XL4S in base64" "text: the preview is of the decoded key"
tap_done
