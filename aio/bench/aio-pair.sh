#!/bin/sh
# SPDX-License-Identifier: MIT
# aio-pair.sh [BUILD] [SECONDS] [RUNS] - the aio-pair example (plain
# <aio.h>, 64 KiB requests, 8 writes and 2 reads queued, loopback, nothing
# checked: -n) with glibc's AIO and under libzcaio-aio-preload.so, in the
# same run, alternating. Prints each run and the medians: throughput, CPU
# seconds per GiB (both processes, every thread), and the ratio to glibc.
# A benchmark, not a test: it never fails because a machine is slow.
set -u
build=${1:-build}
secs=${2:-5}
runs=${3:-3}
pair=$build/aio/aio-pair
lib=$(cd "$build/aio" && pwd)/libzcaio-aio-preload.so
here=$(dirname "$0")
args="-n -t $secs -s 65536 -w 8 -r 2"
[ -x "$pair" ] && [ -f "$lib" ] || { echo "build first: ninja -C $build"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() { # label, then the command
	label=$1
	shift
	line=$("$@" $args | tail -n 1)
	echo "$label: $line"
	echo "$label $line" >>"$out"
}

i=0
while [ "$i" -lt "$runs" ]; do
	run glibc "$pair"
	run preload "$here/../tests/run-preload.sh" "$lib" "$pair"
	run preload-copy env ZCAIO_TX_ZCOPY=off \
		"$here/../tests/run-preload.sh" "$lib" "$pair"
	i=$((i + 1))
done
echo "medians of $runs x ${secs} s:"
for l in glibc preload preload-copy; do
	g=$(awk -v l=$l '$1 == l { print $2 }' "$out" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	c=$(awk -v l=$l '$1 == l { print $4 }' "$out" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$l $g $c"
done | awk '$1 == "glibc" { base = $2 }
	{ printf "  %-13s %6.2f Gbit/s  %6.3f CPU s/GiB  %5.2fx glibc\n",
		$1, $2, $3, $2 / base }'
