#!/bin/sh
# SPDX-License-Identifier: MIT
# zcperf-vs-iperf3.sh [BUILD] [SECONDS] - loopback TCP, one flow: iperf3
# and zcperf (--zc auto, the default, and --zc off) at each write size, in
# the same run, repetitions interleaved (iperf3, zcperf modes, iperf3, ...),
# the server pinned to CPU 0 and the client to CPU 1. Prints every run
# (Gbit/s, CPU s/GiB of sender and receiver) and, per size and mode, the
# median over the repetitions of zcperf's throughput divided by the
# iperf3 run next to it. A benchmark, not a test: run it alone, under
# `flock /work/bench.lock`. Environment: SIZES (4K 64K 1M), REPS (3),
# MODES (auto off), PORT (5299).
set -u
B=${1:-build}
T=${2:-5}
Z=$B/tools/zcperf/zcperf
PORT=${PORT:-5299}
SIZES=${SIZES:-4K 64K 1M}
REPS=${REPS:-3}
MODES=${MODES:-auto off}
command -v iperf3 >/dev/null || { echo "iperf3 missing"; exit 1; }
command -v taskset >/dev/null || { echo "taskset missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # server-program client-program [client options]
	srv=$1 cli=$2
	shift 2
	taskset -c 0 "$srv" -s -1 -p "$PORT" >/dev/null 2>&1 &
	sp=$!
	i=0
	while ! ss -ltn "sport = :$PORT" | grep -q LISTEN; do
		i=$((i + 1)); [ $i -gt 100 ] && break
		sleep 0.1
	done
	timeout $((T + 30)) taskset -c 1 "$cli" -c 127.0.0.1 -p "$PORT" -t "$T" \
		-J "$@" >"$tmp/c.json" 2>/dev/null
	wait $sp
	# Gbit/s, sender CPU s/GiB, receiver CPU s/GiB (percent x seconds / GiB)
	jq -r '.end as $e | ($e.sum_received.bytes) as $b | ($e.sum_received.seconds) as $s |
	  [($b * 8 / $s / 1e9), ($e.cpu_utilization_percent.host_total / 100 * $s / ($b / 1073741824)),
	   ($e.cpu_utilization_percent.remote_total / 100 * $s / ($b / 1073741824))] |
	  map(. * 1000 | round / 1000) | @tsv' "$tmp/c.json" 2>/dev/null || echo "failed"
}
printf 'rep\tlen\tpeer\tGbit/s\tsnd_cpu_s/GiB\trcv_cpu_s/GiB\n'
for rep in $(seq "$REPS"); do
	for len in $SIZES; do
		printf '%s\t%s\tiperf3\t%s\n' "$rep" "$len" "$(run iperf3 iperf3 -l "$len")" |
			tee -a "$tmp/runs"
		for zc in $MODES; do
			printf '%s\t%s\tzcperf-%s\t%s\n' "$rep" "$len" "$zc" \
				"$(run "$Z" "$Z" -l "$len" --zc "$zc")" | tee -a "$tmp/runs"
		done
	done
done
echo
printf 'len\tpeer\tmedian Gbit/s ratio to iperf3 (same rep)\tratios\n'
awk -F'\t' '
$3 == "iperf3" { base[$1 SUBSEP $2] = $4; next }
{ k = $2 SUBSEP $3; r = base[$1 SUBSEP $2] > 0 ? $4 / base[$1 SUBSEP $2] : 0
  n[k]++; v[k, n[k]] = r; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
END {
	for (i = 1; i <= m; i++) {
		k = order[i]; c = n[k]
		for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++)
			if (v[k, b] < v[k, a]) { t = v[k, a]; v[k, a] = v[k, b]; v[k, b] = t }
		med = c % 2 ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
		list = ""
		for (a = 1; a <= c; a++) list = list sprintf("%.2f ", v[k, a])
		split(k, kk, SUBSEP)
		printf "%s\t%s\t%.2f\t%s\n", kk[1], kk[2], med, list
	}
}' "$tmp/runs"
