#!/bin/sh
# SPDX-License-Identifier: MIT
# options-doc.sh ZCPERF OPTIONS_C MANPAGE - errors name the option and its
# valid range ("-l 0" once said "bad value '0' for option 0"), and every
# option zcperf accepts (the table in options.c) is listed in --help and
# in zcperf(1) (--seed, --udp-counters-64bit, --no-fixed were missing from
# one or the other). Exit 0 pass, 1 fail.
set -u
Z=$1 SRC=$2 MAN=$3
bad=0
# args | what the error must say
while IFS='|' read -r args want; do
	# shellcheck disable=SC2086
	msg=$("$Z" -c 127.0.0.1 $args 2>&1 >/dev/null | head -1)
	case $msg in
	*"$want"*) echo "ok: $args -> $msg" ;;
	*) echo "FAIL: $args -> '$msg' (want '$want')"; bad=1 ;;
	esac
done <<'LIST'
-l 0|-l/--length: '0' is not 1..16M
--length 0|-l/--length: '0' is not 1..16M
-u -l 10|-l/--length: '10' is not 16..65507
-P 129|-P/--parallel: '129' is not 1..128
-t 0|-t/--time: '0' is not 1..86400
-p 0|-p/--port: '0' is not 1..65535
-i 0.01|-i/--interval: '0.01' is not 0 or 0.1..60
-b x|-b/--bitrate: 'x' is not 0..10T
-w 2G|-w/--window: '2G' is not 0..1G
-M 10|-M/--set-mss: '10' is not 88..9216
--zc maybe|--zc: 'maybe' is not off, on or auto
--backend x|--backend: 'x' is not auto, io_uring
--inflight 0|--inflight: '0' is not 1..1024
--read-depth 2000|--read-depth: '2000' is not 1..1024
--seed -1|--seed: '-1' is not 0..9007199254740991
--max-conns 0|--max-conns: '0' is not 1..4096
--ctl-timeout 5|--ctl-timeout: '5' is not 100..3600000
-n 0|-n/--bytes: '0' is not 1..1e15
LIST
help=$("$Z" --help)
# the long options of the table, without those zcperf refuses
opts=$(sed -n '/longopts\[\] = {/,/^};/p' "$SRC" | grep -v OPT_UNSUPPORTED |
	sed -n 's/.*{ "\([a-z0-9-]*\)",.*/\1/p')
[ -n "$opts" ] || { echo "FAIL: no options read from $SRC"; exit 1; }
for o in $opts; do
	echo "$help" | grep -q -- "--$o\b" || { echo "FAIL: --$o not in --help"; bad=1; }
	m=$(echo "$o" | sed 's/-/\\\\-/g')
	grep -q -- "\\\\-\\\\-$m" "$MAN" || { echo "FAIL: --$o not in $MAN"; bad=1; }
done
[ $bad -eq 0 ] && echo "ok: $(echo $opts | wc -w) options in --help and the man page" && echo PASS
exit $bad
