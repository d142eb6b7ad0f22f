# Turns conf/cwguard.conf into the packaged /etc/cwguard/cwguard.conf:
# every [sink ...] section, every "sinks =" and "self_sinks =" line, the
# example account's profile, role and external id, and the example rules
# file become comments (tests/integration/manpages.sh checks the result).
function off(line) { return "; " line }
/^\[/ { insink = ($0 ~ /^\[sink /) }
insink && !/^[;#]/ && !/^[ \t]*$/ { print off($0); next }
/^(sinks|self_sinks|profile|role_arn|external_id|rules)[ \t]*=/ { print off($0); next }
{ print }
