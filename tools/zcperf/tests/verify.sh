#!/bin/sh
# SPDX-License-Identifier: MIT
# verify.sh ZCPERF PORT [options] - zcperf to zcperf with --verify: every
# byte the receiver got is checked against the offset-derived payload;
# passes when nothing is corrupt, lost or reordered and (TCP) the
# receiver got exactly what the sender sent.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
shift 2
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
with_tmp
timeout 30 "$Z" -s -1 -p "$PORT" >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || { echo "FAIL: server did not start"; exit 1; }
timeout 30 "$Z" -c 127.0.0.1 -p "$PORT" -J --verify "$@" >"$dir/c.json" 2>"$dir/c.err"
crc=$?
wait "$spid"; src=$?; spid=""
if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
	echo "FAIL: client rc=$crc server rc=$src"; cat "$dir/c.err" "$dir/s.txt"; head -c 2000 "$dir/c.json"; exit 1
fi
jq -c '[.end.sum_sent.bytes, .end.sum_received.bytes, .end.zcperf.verify, .end.zcperf.backend, .end.zcperf.zc]' "$dir/c.json"
# UDP may drop datagrams on a loaded machine: lost ones are reported,
# but every byte that arrived must be intact
jq -e '.end.zcperf.verify.checked > 0 and .end.zcperf.verify.corrupt == 0' \
	"$dir/c.json" >/dev/null || { echo "FAIL: corrupt bytes"; exit 1; }
case " $* " in
*" -u "*) ;;
*) jq -e '.end.zcperf.verify.lost == 0 and .end.zcperf.verify.reordered == 0' \
	"$dir/c.json" >/dev/null || { echo "FAIL: lost or reordered bytes"; exit 1; } ;;
esac
case " $* " in
*" -u "*) ;;
*) jq -e '(.end.sum_sent_bidir_reverse.bytes // 0) as $rs |
	  (.end.sum_received_bidir_reverse.bytes // 0) as $rr |
	  .end.sum_sent.bytes == .end.sum_received.bytes and $rs == $rr and
	  .end.zcperf.verify.checked == .end.sum_received.bytes + $rr' \
	  "$dir/c.json" >/dev/null ||
	{ echo "FAIL: sent, received and checked bytes differ"; exit 1; } ;;
esac
echo PASS
