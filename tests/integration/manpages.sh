#!/bin/sh
# The man pages against the code: every key of the parser's table
# (tests/integration/listkeys prints config_keys()) in cwguard.conf(5) under
# its section and in conf/cwguard.conf; every command, option, exit code and
# environment variable in cwguard(8); both pages lint clean; and
# `make install DESTDIR=...` installs binary, pages, examples and unit.
. "$(dirname "$0")/lib.sh"
: "${BUILDDIR:?run through make check}"
conf5="$SRCDIR/man/cwguard.conf.5"
man8="$SRCDIR/man/cwguard.8"
example="$SRCDIR/conf/cwguard.conf"

"$BUILDDIR/tests/integration/listkeys" >"$TMPD/keys"
ok $? "listkeys prints the key table"
[ "$(wc -l <"$TMPD/keys")" -gt 40 ]; ok $? "the key table has every key"

# "SECTION KEY" pairs documented: .It Ic KEY under .Ss [SECTION ...].
awk '/^\.Ss \[/ { s = $2; sub(/^\[/, "", s); sub(/\]$/, "", s); next }
    /^\.Sh / { s = "" }
    s != "" && /^\.It Ic [a-z_]+/ { print s, $3 }' "$conf5" | sort -u \
    >"$TMPD/man-keys"
# The same from the example: "key =" lines under [SECTION ...].
awk '/^\[/ { s = $1; sub(/^\[/, "", s); sub(/\]$/, "", s); next }
    /^[a-z_]+ *=/ { k = $1; sub(/=.*/, "", k); print s, k }' "$example" |
    sort -u >"$TMPD/conf-keys"
cut -f1,2 "$TMPD/keys" | tr '\t' ' ' | sort -u >"$TMPD/want"
missing=$(comm -23 "$TMPD/want" "$TMPD/man-keys")
[ -z "$missing" ]; ok $? "cwguard.conf(5) documents every key in its section"
[ -z "$missing" ] || echo "$missing" | sed 's/^/#   missing: /'
extra=$(comm -13 "$TMPD/want" "$TMPD/man-keys")
[ -z "$extra" ]; ok $? "cwguard.conf(5) documents no key the parser lacks"
[ -z "$extra" ] || echo "$extra" | sed 's/^/#   unknown: /'
missing=$(comm -23 "$TMPD/want" "$TMPD/conf-keys")
[ -z "$missing" ]; ok $? "conf/cwguard.conf sets every key in its section"
[ -z "$missing" ] || echo "$missing" | sed 's/^/#   missing: /'
for d in /var/lib/cwguard/state.db 60s 3m 10m 1h 24h 4h 7d 15m 1e-4; do
	grep -qE -- "default (Pa )?$d" "$conf5"
	ok $? "cwguard.conf(5) gives the default $d"
done
for s in '${env:' '${file:' '${secretsmanager:' CREDENTIALS_DIRECTORY; do
	grep -qF -- "$s" "$conf5"
	ok $? "cwguard.conf(5) documents $s"
done

# Commands and options: from the binary's own --help texts.
"$CWGUARD" --help >"$TMPD/help"
cmds=$(sed -n 's/^  \([a-z-]*\).*/\1/p' "$TMPD/help")
[ -n "$cmds" ]; ok $? "cwguard --help lists commands"
for c in $cmds; do
	grep -q "^\.It Cm $c\b" "$man8"
	ok $? "cwguard(8) describes $c"
	"$CWGUARD" "$c" --help >"$TMPD/chelp" 2>&1
	for o in $(grep -o -- '--[a-z][a-z-]*' "$TMPD/chelp" | sort -u); do
		[ "$o" = --help ] && continue
		grep -q -- "Fl -${o#--}\b" "$man8"
		ok $? "cwguard(8) has $c $o"
	done
done
for sub in check iam-policy cost; do
	grep -q "^\.It Cm config $sub" "$man8"
	ok $? "cwguard(8) describes config $sub"
	"$CWGUARD" config "$sub" --help >"$TMPD/chelp" 2>&1
	for o in $(grep -o -- '--[a-z][a-z-]*' "$TMPD/chelp" | sort -u); do
		[ "$o" = --help ] && continue
		grep -q -- "Fl -${o#--}\b" "$man8"
		ok $? "cwguard(8) has config $sub $o"
	done
done
for o in config verbose quiet format help version; do
	grep -q -- "Fl -$o\b" "$man8"
	ok $? "cwguard(8) has the global option --$o"
done
for x in 0 1 2 3 64 69 78; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$man8" | grep -q "^\.It $x\$"
	ok $? "cwguard(8) explains exit status $x"
done
for e in CWGUARD_CONFIG AWS_REGION AWS_PROFILE AWS_ACCESS_KEY_ID \
    CREDENTIALS_DIRECTORY NOTIFY_SOCKET; do
	grep -q "^\.It Ev $e\b" "$man8"
	ok $? "cwguard(8) documents \$$e"
done

# Lint: mandoc if installed, else groff's warnings; each page clean.
for page in "$man8" "$conf5"; do
	name=${page##*/}
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$page" >"$TMPD/lint" 2>&1
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$TMPD/lint" ]
		ok $? "mandoc -T lint: $name"
	elif command -v groff >/dev/null 2>&1; then
		groff -mandoc -ww -z "$page" >"$TMPD/lint" 2>&1
		[ ! -s "$TMPD/lint" ]
		ok $? "groff -mandoc -ww: $name"
	else
		echo "ok $((tap_n += 1)) - lint $name # SKIP no mandoc or groff"
		continue
	fi
	sed 's/^/#   /' "$TMPD/lint" | head -10
done

# make install into a scratch root with its own prefix.
dest="$TMPD/root"
make -s -C "$BUILDDIR" install DESTDIR="$dest" prefix=/opt/cwg \
    systemdsystemunitdir=/opt/cwg/lib/systemd/system >"$TMPD/install" 2>&1
rc=$?
ok $rc "make install DESTDIR=... prefix=/opt/cwg"
[ $rc -eq 0 ] || sed 's/^/#   /' "$TMPD/install" | tail -5
p="$dest/opt/cwg"
for f in bin/cwguard share/man/man8/cwguard.8 share/man/man5/cwguard.conf.5 \
    share/doc/cwguard/examples/cwguard.conf \
    share/doc/cwguard/examples/cwguard.cron \
    share/doc/cwguard/examples/iam-policy.json \
    lib/systemd/system/cwguard.service \
    share/bash-completion/completions/cwguard \
    share/zsh/site-functions/_cwguard; do
	[ -f "$p/$f" ]
	ok $? "installs $f"
done
[ -x "$p/bin/cwguard" ]; ok $? "the installed binary is executable"
"$p/bin/cwguard" version >/dev/null; ok $? "the installed binary runs"
grep -q '^ExecStart=/opt/cwg/bin/cwguard ' "$p/lib/systemd/system/cwguard.service"
ok $? "the installed unit starts the installed binary"
cmp -s "$p/share/doc/cwguard/examples/cwguard.conf" "$example"
ok $? "the example config is installed as is"
# One default config path: what --help prints is what the installed pages
# and unit say.
defconf=$("$p/bin/cwguard" --help 2>&1 | sed -n 's/^else \(.*\)\.$/\1/p')
[ -n "$defconf" ]; ok $? "--help names the default config ($defconf)"
grep -q "^\.Pa $defconf" "$p/share/man/man8/cwguard.8"
ok $? "the installed cwguard(8) names the same default config"
grep -q "^\.Pa $defconf" "$p/share/man/man5/cwguard.conf.5"
ok $? "the installed cwguard.conf(5) names the same default config"
grep -q "^ExecStart=.* -c $defconf run" "$p/lib/systemd/system/cwguard.service"
ok $? "the installed unit reads the same default config"

# The unit keeps its hardening (the exposure is measured in the report).
unit="$SRCDIR/contrib/cwguard.service"
for d in Type=notify DynamicUser=yes StateDirectory=cwguard \
    ConfigurationDirectory=cwguard ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes NoNewPrivileges=yes CapabilityBoundingSet= \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    SystemCallFilter=@system-service SystemCallArchitectures=native \
    ProtectProc=invisible UMask=0077 Restart=on-failure; do
	grep -qx -- "$d" "$unit"
	ok $? "cwguard.service: $d"
done
grep -q '^WatchdogSec=.' "$unit"; ok $? "cwguard.service: WatchdogSec="
if grep -q '^MemoryDenyWriteExecute' "$unit"; then
	ok 1 "no MemoryDenyWriteExecute= (PCRE2 JIT)"
else ok 0 "no MemoryDenyWriteExecute= (PCRE2 JIT)"; fi
if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze security --offline=true "$unit" >"$TMPD/sec" 2>&1; then
	x=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    "$TMPD/sec")
	echo "# systemd-analyze security exposure: $x"
	awk -v x="$x" 'BEGIN { exit !(x != "" && x + 0 <= 2.0) }'
	ok $? "systemd-analyze security: exposure $x <= 2.0"
else
	echo "ok $((tap_n += 1)) - systemd exposure # SKIP no offline systemd-analyze"
fi
grep -q '^\*/5 \* \* \* \*.*cwguard.* check' "$SRCDIR/contrib/cwguard.cron"
ok $? "cwguard.cron runs check every 5 minutes"

# The Debian package's /etc/cwguard/cwguard.conf (debian/conffile.awk over
# the example) passes config check as installed: no sink, nothing that
# names one. debian/ is not in the tarball: skipped there.
if [ -f "$SRCDIR/debian/conffile.awk" ]; then
	awk -f "$SRCDIR/debian/conffile.awk" "$example" >"$TMPD/pkg.conf"
	chmod 600 "$TMPD/pkg.conf"
	"$CWGUARD" -c "$TMPD/pkg.conf" config check >"$TMPD/pkg.out" 2>&1
	rc=$?
	ok $rc "the packaged conffile passes config check"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$TMPD/pkg.out" | tail -3
	grep -q '^\[sink ' "$TMPD/pkg.conf"
	[ $? -ne 0 ]; ok $? "the packaged conffile has no sink"
else
	echo "ok $((tap_n += 1)) - packaged conffile # SKIP no debian/"
	echo "ok $((tap_n += 1)) - packaged conffile sinks # SKIP no debian/"
fi

tap_done
