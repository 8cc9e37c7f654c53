#!/bin/bash
# SPDX-License-Identifier: MIT
# usage: bench/small.sh BUILD_DIR [SECS] [REPS]
#
# Small operations: the library against the plain blocking tools, in the
# same run, repetitions interleaved, medians. A benchmark, not a test.
#
# 1. Request/response, 1 byte each way (netperf TCP_RR's workload):
#    bench/pingpong -m block (blocking send/recv loops) against -m lib
#    (libzcaio, default backend; plus msg_zerocopy and copy backends),
#    client and server on one core (-c 0,0) and on two (-c 0,1).
#    transactions/s, CPU µs per transaction (both processes) and, from one
#    more run with -k, kernel entries (system calls) per transaction.
# 2. Streams, one flow, loopback TCP: Debian's iperf3 against zcperf
#    (library default, and --zc off) at 4 KiB, 64 KiB and 1 MiB writes;
#    server on CPU 1, client on CPU 0 (taskset). Gbit/s, sender and
#    receiver CPU s/GiB, and the client's system calls per write (one
#    more run under perf stat).
# Environment: PP_BACKENDS ("default msg_zerocopy copy"), STREAM_SIZES
# ("4K 64K 1M"), PORT (5305), SKIP_RR=1 / SKIP_STREAM=1.
# Run it under the shared lock: flock /work/bench.lock bench/small.sh build
set -u
B=${1:?usage: bench/small.sh BUILD_DIR [SECS] [REPS]}
T=${2:-3}
R=${3:-3}
PP=$B/bench/pingpong
Z=$B/tools/zcperf/zcperf
PORT=${PORT:-5305}
backends=${PP_BACKENDS:-default msg_zerocopy copy}
sizes=${STREAM_SIZES:-4K 64K 1M}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in "$PP" "$Z"; do
	[ -x "$p" ] || { echo "small.sh: $p not built" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "small.sh: needs iperf3" >&2; exit 1; }
command -v jq >/dev/null || { echo "small.sh: needs jq" >&2; exit 1; }

# median of the numbers on stdin ("-" when there are none)
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# kv KEY < lines: the value of KEY= in each line
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $R x ${T}s, $(date -u +%FT%TZ)"

if [ -z "${SKIP_RR:-}" ]; then
	for rep in $(seq "$R"); do
		for cpus in 0,0 0,1; do
			timeout 120 "$PP" -m block -t "$T" -c $cpus >>"$tmp/pp" ||
				echo "small.sh: pingpong block $cpus failed" >&2
			for be in $backends; do
				opt=; [ "$be" = default ] || opt="-b $be"
				# shellcheck disable=SC2086
				timeout 120 "$PP" -m lib $opt -t "$T" -c $cpus >>"$tmp/pp" ||
					echo "small.sh: pingpong lib $be $cpus failed" >&2
			done
		done
		echo "  request/response: repetition $rep of $R done" >&2
	done
	# One counted run each: counting makes system calls dearer.
	for cpus in 0,0 0,1; do
		timeout 120 "$PP" -m block -t 1 -c $cpus -k >>"$tmp/ppk"
		for be in $backends; do
			opt=; [ "$be" = default ] || opt="-b $be"
			# shellcheck disable=SC2086
			timeout 120 "$PP" -m lib $opt -t 1 -c $cpus -k >>"$tmp/ppk"
		done
	done
	echo
	echo "## request/response, 1 byte (bench/pingpong), medians of $R"
	printf '%-5s %-19s %10s %8s %9s %9s %12s %12s\n' cpus impl "trans/s" "vs block" "CPU µs/tr" "vs block" "syscalls/tr" "uring_enter/tr"
	for cpus in 0,0 0,1; do
		btps=$(grep "impl=block .*cpus=$cpus " "$tmp/pp" | kv tps | median)
		bcpu=$(grep "impl=block .*cpus=$cpus " "$tmp/pp" | kv cpu_us | median)
		for impl in block $backends; do
			if [ "$impl" = block ]; then pat="impl=block "; name=block
			else pat="impl=lib backend=$impl "; name="lib $impl"; fi
			tps=$(grep "$pat.*cpus=$cpus " "$tmp/pp" | kv tps | median)
			cpu=$(grep "$pat.*cpus=$cpus " "$tmp/pp" | kv cpu_us | median)
			sys=$(grep "$pat.*cpus=$cpus " "$tmp/ppk" | kv sys | head -1)
			ur=$(grep "$pat.*cpus=$cpus " "$tmp/ppk" | kv uring_enter | head -1)
			printf '%-5s %-19s %10.0f %8.3f %9.2f %9.3f %12s %12s\n' "$cpus" "$name" \
				"$tps" "$(echo "$tps $btps" | awk '{ print $1 / $2 }')" \
				"$cpu" "$(echo "$cpu $bcpu" | awk '{ print $1 / $2 }')" "${sys:--}" "${ur:--}"
		done
	done
	echo "(CPU µs/tr: getrusage of client + server per transaction; syscalls/tr"
	echo " and uring_enter/tr: both processes, from one more 1 s run with -k)"
fi

# stream LABEL SERVER CLIENT-ARGS...: one run, appends "LABEL gbps snd rcv"
stream() {
	local label=$1 srv=$2
	shift 2
	taskset -c 1 "$srv" -s -1 -p "$PORT" >/dev/null 2>&1 &
	local sp=$!
	sleep 0.3
	timeout $((T + 60)) taskset -c 0 "$@" -c 127.0.0.1 -p "$PORT" -t "$T" -J \
		>"$tmp/c.json" 2>/dev/null
	wait $sp
	jq -r --arg l "$label" '.end as $e | ($e.sum_received.bytes) as $b |
	  ($e.sum_received.seconds) as $s | ($b / 1073741824) as $g |
	  [$l, ($b * 8 / $s / 1e9),
	   ($e.cpu_utilization_percent.host_total / 100 * $s / $g),
	   ($e.cpu_utilization_percent.remote_total / 100 * $s / $g)] | @tsv' \
		"$tmp/c.json" >>"$tmp/st" 2>/dev/null ||
		echo "small.sh: stream $label failed" >&2
}

# counted LABEL LEN SERVER CLIENT-ARGS...: the client's system calls per write
counted() {
	local label=$1 len=$2 srv=$3
	shift 3
	taskset -c 1 "$srv" -s -1 -p "$PORT" >/dev/null 2>&1 &
	local sp=$!
	sleep 0.3
	perf stat -x, -e raw_syscalls:sys_enter -o "$tmp/perf" -- \
		taskset -c 0 "$@" -c 127.0.0.1 -p "$PORT" -t 1 -J >"$tmp/c.json" 2>/dev/null
	wait $sp
	local n bytes
	n=$(awk -F, '/sys_enter/ { print $1 }' "$tmp/perf")
	bytes=$(jq '.end.sum_sent.bytes' "$tmp/c.json" 2>/dev/null)
	echo "$label $(awk -v n="$n" -v b="$bytes" -v l="$len" 'BEGIN {
		if (n > 0 && b > 0) printf "%.3f", n / (b / l); else print "-" }')" >>"$tmp/stk"
}

bytes_of() { numfmt --from=iec "$1"; }

if [ -z "${SKIP_STREAM:-}" ]; then
	for rep in $(seq "$R"); do
		for len in $sizes; do
			stream "$len iperf3" iperf3 iperf3 -l "$len"
			stream "$len zcperf" "$Z" "$Z" -l "$len"
			stream "$len zcperf-off" "$Z" "$Z" -l "$len" --zc off
		done
		echo "  streams: repetition $rep of $R done" >&2
	done
	if command -v perf >/dev/null; then
		for len in $sizes; do
			counted "$len iperf3" "$(bytes_of "$len")" iperf3 iperf3 -l "$len"
			counted "$len zcperf" "$(bytes_of "$len")" "$Z" "$Z" -l "$len"
			counted "$len zcperf-off" "$(bytes_of "$len")" "$Z" "$Z" -l "$len" --zc off
		done
	fi
	echo
	echo "## streams, one flow, client CPU 0, server CPU 1, medians of $R"
	printf '%-5s %-11s %8s %9s %13s %13s %16s\n' len peer "Gbit/s" "vs iperf3" "snd CPU s/GiB" "rcv CPU s/GiB" "client sys/write"
	for len in $sizes; do
		ig=$(awk -F'\t' -v l="$len iperf3" '$1 == l { print $2 }' "$tmp/st" | median)
		for peer in iperf3 zcperf zcperf-off; do
			g=$(awk -F'\t' -v l="$len $peer" '$1 == l { print $2 }' "$tmp/st" | median)
			s=$(awk -F'\t' -v l="$len $peer" '$1 == l { print $3 }' "$tmp/st" | median)
			r=$(awk -F'\t' -v l="$len $peer" '$1 == l { print $4 }' "$tmp/st" | median)
			k=$(awk -v l="$len $peer" '$1 " " $2 == l { print $3 }' "$tmp/stk" 2>/dev/null)
			printf '%-5s %-11s %8.2f %9.3f %13.3f %13.3f %16s\n' "$len" "$peer" "$g" \
				"$(echo "$g $ig" | awk '{ print $1 / $2 }')" "$s" "$r" "${k:--}"
		done
	done
	echo "(zcperf = library default: --zc auto from a registered pool; zcperf-off ="
	echo " --zc off; CPU from each tool's JSON; sys/write from one 1 s run under"
	echo " perf stat -e raw_syscalls:sys_enter of the client process)"
fi
