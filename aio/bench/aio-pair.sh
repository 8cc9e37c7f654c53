#!/bin/sh
# SPDX-License-Identifier: MIT
# aio-pair.sh [BUILD] [SECONDS] [RUNS] - the aio-pair example (plain
# <aio.h>, 64 KiB requests, 8 writes and 2 reads queued, loopback, nothing
# checked: -n) with glibc's AIO and under libzcaio-aio-preload.so (as is,
# with ZCAIO_TX_ZCOPY=off and with ZCAIO_AIO_SQPOLL=1), in the
# same run, interleaved, sender pinned to CPU 0 and receiver to CPU 1
# (AIO_PAIR_CPUS; "none": not pinned). Prints each run and the medians: throughput, CPU seconds
# per GiB (both processes, every thread) and the ratio to glibc; then one
# 1 GiB run of each under perf stat: system calls and context switches
# per request (writes and reads of both processes).
# A benchmark, not a test: it never fails because a machine is slow.
# Run it alone: flock /work/bench.lock aio/bench/aio-pair.sh build 5 3
set -u
build=${1:-build}
secs=${2:-5}
runs=${3:-3}
cpus=${AIO_PAIR_CPUS:-0,1}
pair=$build/aio/aio-pair
lib=$(cd "$build/aio" && pwd)/libzcaio-aio-preload.so
here=$(dirname "$0")
args="-n -s 65536 -w 8 -r 2"
[ "$cpus" = none ] || args="$args -c $cpus"
[ -x "$pair" ] && [ -f "$lib" ] || { echo "build first: ninja -C $build"; exit 1; }
out=$(mktemp)
stat=$(mktemp)
trap 'rm -f "$out" "$stat"' EXIT

run() { # label, then the command
	label=$1
	shift
	line=$("$@" $args -t "$secs" | tail -n 1)
	echo "$label: $line"
	echo "$label $line" >>"$out"
}

i=0
while [ "$i" -lt "$runs" ]; do
	run glibc "$pair"
	run preload "$here/../tests/run-preload.sh" "$lib" "$pair"
	run preload-copy env ZCAIO_TX_ZCOPY=off \
		"$here/../tests/run-preload.sh" "$lib" "$pair"
	run preload-sqpoll env ZCAIO_AIO_SQPOLL=1 \
		"$here/../tests/run-preload.sh" "$lib" "$pair"
	i=$((i + 1))
done
echo "medians of $runs x ${secs} s (sender CPU, receiver CPU: $cpus):"
for l in glibc preload preload-copy preload-sqpoll; do
	g=$(awk -v l=$l '$1 == l { print $2 }' "$out" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	c=$(awk -v l=$l '$1 == l { print $4 }' "$out" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$l $g $c"
done | awk '$1 == "glibc" { base = $2; cbase = $3 }
	{ printf "  %-13s %6.2f Gbit/s  %6.3f CPU s/GiB  %5.2fx glibc" \
		"  %5.2fx its CPU/GiB\n", $1, $2, $3, $2 / base, $3 / cbase }'

# The ratio to glibc within each repetition, then the median of those.
awk '$1 == "glibc" { g = $2; gc = $4 }
	$1 != "glibc" { print $1, $2 / g, $4 / gc }' "$out" |
	sort -k1,1 -k2,2n | awk '
	{ n[$1]++; r[$1, n[$1]] = $2; c[$1, n[$1]] = $3 }
	END { for (l in n) {
		m = int((n[l] + 1) / 2)
		printf "  %-13s median of same-run ratios: %.2fx glibc " \
			"throughput\n", l, r[l, m] } }' | sort
awk '$1 == "glibc" { gc = $4 } $1 != "glibc" { print $1, $4 / gc }' "$out" |
	sort -k1,1 -k2,2n | awk '{ n[$1]++; c[$1, n[$1]] = $2 }
	END { for (l in n) printf "  %-13s median of same-run ratios: " \
		"%.2fx glibc CPU/GiB\n", l, c[l, int((n[l] + 1) / 2)] }' | sort

# perf stat counts the system calls of both processes (-f follows the fork).
command -v perf >/dev/null || { echo "no perf: no system call counts"; exit 0; }
count() { # label, then the command
	label=$1
	shift
	line=$(perf stat -x, -o "$stat" -e 'syscalls:sys_enter_*' \
		-e context-switches "$@" $args -b 1073741824 | tail -n 1)
	reqs=$(echo "$line" | sed -n 's/.* \([0-9]*\) requests$/\1/p')
	awk -F, -v l="$label" -v r="$reqs" '
		$3 ~ /^syscalls:sys_enter_/ && $1 + 0 > 0 {
			n += $1; name = substr($3, 20)
			if ($1 / r >= 0.05) top = top sprintf(" %s %.2f", name, $1 / r)
		}
		$3 == "context-switches" { cs = $1 }
		END { printf "  %-8s %d requests: %.2f system calls and %.2f " \
			"context switches per request;%s\n", l, r, n / r, cs / r, top }
		' "$stat"
}
echo "one 1 GiB run each under perf stat (per request, both processes):"
count glibc "$pair"
count preload env LD_PRELOAD="$lib" "$pair"
count sqpoll env ZCAIO_AIO_SQPOLL=1 LD_PRELOAD="$lib" "$pair"
