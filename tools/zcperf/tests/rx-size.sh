#!/bin/sh
# SPDX-License-Identifier: MIT
# rx-size.sh ZCPERF PORT - the receive size does not follow the sender's
# write size: a zcperf receiving 4 KiB writes (from zcperf, then from
# Debian's iperf3) reads what the socket holds, up to 128 KiB a read, so
# its reads average more than 4 KiB (they were exactly 4 KiB each: one
# kernel entry per message). Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
with_tmp
check() {
	line=$(grep 'bytes a read' "$dir/c.txt")
	echo "$1: $line"
	avg=$(echo "$line" | sed -n 's/.*(\([0-9]*\) bytes a read).*/\1/p')
	[ -n "$avg" ] || { echo "FAIL: $1: no read count"; cat "$dir/c.txt"; exit 1; }
	[ "$avg" -gt 4096 ] || { echo "FAIL: $1: $avg bytes a read for 4 KiB writes"; exit 1; }
}
serve() {
	timeout 30 "$@" -s -1 -p "$PORT" >"$dir/s.txt" 2>&1 &
	spid=$!
	wait_listen "$PORT" "$spid" || { echo "FAIL: server did not start"; exit 1; }
}
serve "$Z"
timeout 30 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 -R -l 4K -V >"$dir/c.txt" 2>&1 ||
	{ echo "FAIL: zcperf -R"; cat "$dir/c.txt"; exit 1; }
wait "$spid"; spid=""
check "from zcperf"
if command -v iperf3 >/dev/null; then
	serve iperf3
	timeout 30 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 -R -l 4K -V >"$dir/c.txt" 2>&1 ||
		{ echo "FAIL: zcperf -R against iperf3"; cat "$dir/c.txt"; exit 1; }
	wait "$spid"; spid=""
	check "from iperf3"
fi
echo PASS
