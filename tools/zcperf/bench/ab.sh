#!/bin/bash
# SPDX-License-Identifier: MIT
# ab.sh REPS SECS "label[@zcperf-binary]:client options" ... - interleaved
# A/B of zcperf configurations on loopback: each repetition runs every
# configuration once (a zcperf server of the same binary, then the
# client for SECS), so a change in the machine's load hits all alike.
# Prints each run (label, Gbit/s received, sender and receiver CPU s/GiB
# of a forward test) and then per label the median [min..max]. Needs jq.
# A benchmark, not a test. Example:
#   ab.sh 6 2 "copy:-l 64K --zc off" "auto:-l 64K --zc auto"
set -u
PORT=${PORT:-5302}
DEF=${ZCPERF:-build/tools/zcperf/zcperf}
reps=$1 secs=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$reps"); do
	for cfg in "$@"; do
		lab=${cfg%%:*} args=${cfg#*:} Z=$DEF
		case $lab in *@*) Z=${lab#*@} lab=${lab%%@*} ;; esac
		"$Z" -s -1 -p "$PORT" >/dev/null 2>&1 &
		sp=$!
		sleep 0.2
		# shellcheck disable=SC2086
		timeout $((secs + 30)) "$Z" -c 127.0.0.1 -p "$PORT" -t "$secs" -i 0 $args -J \
			>"$tmp/o.json" 2>/dev/null
		wait $sp
		jq -r --arg l "$lab" '.end as $e | $e.sum_received.bytes as $b |
		  $e.sum_received.seconds as $s | ($b / 1073741824) as $g |
		  [$l, ($b * 8 / $s / 1e9 * 100 | round / 100),
		   (($e.zcperf.local.cpu_user_s + $e.zcperf.local.cpu_sys_s) / $g * 1000 | round / 1000),
		   ($e.zcperf.remote.cpu_s / $g * 1000 | round / 1000)] | @tsv' \
			"$tmp/o.json" | tee -a "$tmp/runs"
	done
done
echo "# label: median [min..max] of Gbit/s, sender CPU s/GiB, receiver CPU s/GiB"
for lab in $(cut -f1 "$tmp/runs" | sort -u); do
	line="$lab:"
	for col in 2 3 4; do
		line="$line $(awk -F'\t' -v l="$lab" -v c=$col '$1 == l { print $c }' "$tmp/runs" |
			sort -g | awk '{ v[NR] = $1 } END {
				m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
				printf "%.3f [%.3f..%.3f]", m, v[1], v[NR] }')"
	done
	echo "$line"
done
