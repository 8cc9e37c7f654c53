#!/bin/sh
# SPDX-License-Identifier: MIT
# zcperf-vs-iperf3.sh [BUILD] [SECONDS] - loopback TCP, one flow, 64 KiB
# and 1 MiB writes: iperf3 and zcperf (each --zc mode) in the same run.
# Prints throughput and CPU per GiB of both ends (sender, receiver);
# ratios are against iperf3 measured here. A benchmark, not a test.
set -u
B=${1:-build}
T=${2:-5}
Z=$B/tools/zcperf/zcperf
PORT=5299
command -v iperf3 >/dev/null || { echo "iperf3 missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # server-cmd client-cmd...
	srv=$1; shift
	$srv -s -1 -p $PORT >/dev/null 2>&1 &
	sp=$!
	sleep 0.3
	"$@" -c 127.0.0.1 -p $PORT -t "$T" -J >"$tmp/c.json" 2>/dev/null
	wait $sp
	# Gbit/s, sender CPU s/GiB, receiver CPU s/GiB (percent x seconds / GiB)
	jq -r '.end as $e | ($e.sum_received.bytes) as $b | ($e.sum_received.seconds) as $s |
	  [($b * 8 / $s / 1e9), ($e.cpu_utilization_percent.host_total / 100 * $s / ($b / 1073741824)),
	   ($e.cpu_utilization_percent.remote_total / 100 * $s / ($b / 1073741824))] |
	  map(. * 1000 | round / 1000) | @tsv' "$tmp/c.json"
}
printf 'len\tpeer\tGbit/s\tsnd_cpu_s/GiB\trcv_cpu_s/GiB\n'
for len in 64K 1M; do
	printf '%s\tiperf3\t%s\n' $len "$(run iperf3 iperf3 -l $len)"
	for zc in off on auto; do
		printf '%s\tzcperf-zc-%s\t%s\n' $len $zc "$(run $Z $Z -l $len --zc $zc)"
	done
	printf '%s\tzcperf-zc-on-fixed\t%s\n' $len "$(run $Z $Z -l $len --zc on --fixed)"
done
