# bash completion for cwguard(8)                         -*- shell-script -*-
# Installed as $(datadir)/bash-completion/completions/cwguard.

_cwguard_sinks()
{
	# Sink names of the config given with -c (or the default one).
	local conf=$1
	[ -r "$conf" ] || return 0
	sed -n 's/^[[:space:]]*\[sink[[:space:]]\{1,\}\([^]]*\)\].*/\1/p' "$conf"
}

_cwguard_sources()
{
	local conf=$1
	[ -r "$conf" ] || return 0
	sed -n 's/^[[:space:]]*\[\(watch\|logs\)[[:space:]]\{1,\}\([^]]*\)\].*/\2/p' \
	    "$conf"
}

_cwguard()
{
	local cur prev cmd conf i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	conf=${CWGUARD_CONFIG:-/etc/cwguard/cwguard.conf}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) conf=${COMP_WORDS[i+1]}; ((i++)) ;;
		--format) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	-c|--config|--rules)
		COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
	-w|--watch)
		COMPREPLY=($(compgen -W "$(_cwguard_sources "$conf")" \
		    -- "$cur")); return 0 ;;
	--from|--to|-t|--timeout|--account|--region)
		return 0 ;;
	esac

	case $cmd in
	'')
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-c --config -v --verbose -q
			    --quiet --format -h --help -V --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "run check backtest scan status
			    test-alert audit config version" -- "$cur"))
		fi ;;
	check)
		COMPREPLY=($(compgen -W "-n --dry-run -t --timeout
		    --perfdata-series -w --watch -h --help" -- "$cur")) ;;
	backtest)
		COMPREPLY=($(compgen -W "--from --to -w --watch -h --help" \
		    -- "$cur")) ;;
	scan)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-r --rules -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	status)
		COMPREPLY=($(compgen -W "-w --watch --ascii -h --help" \
		    -- "$cur")) ;;
	test-alert)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_cwguard_sinks "$conf")" \
			    -- "$cur"))
		fi ;;
	audit)
		COMPREPLY=($(compgen -W "--region -h --help" -- "$cur")) ;;
	config)
		local sub=
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} != -* ]] && { sub=${COMP_WORDS[i]}; break; }
		done
		case $sub in
		'') COMPREPLY=($(compgen -W "check iam-policy cost" -- "$cur")) ;;
		check) COMPREPLY=($(compgen -W "--online -h --help" -- "$cur")) ;;
		iam-policy) COMPREPLY=($(compgen -W "--account --audit -h --help" \
		    -- "$cur")) ;;
		cost) COMPREPLY=($(compgen -W "--offline -h --help" -- "$cur")) ;;
		esac ;;
	run|version)
		COMPREPLY=($(compgen -W "-h --help" -- "$cur")) ;;
	esac
	return 0
}
complete -F _cwguard cwguard
