#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/run-msgzc.sh BUILD_DIR
#
# libzcaio on its msg_zerocopy backend (lib-send -b msg_zerocopy) against
# a raw loop of our own doing the same sends (raw-msgzc), in the same run:
# modes zc (send(MSG_ZEROCOPY), releases from the error queue) and copy
# (plain non-blocking send(); the library with tx_zcopy off), message
# sizes 64 KiB and 1 MiB, REPS repetitions of SECS seconds each, raw and
# lib alternating (which one goes first alternates too); plus a blocking
# send(2) loop as the floor. Prints medians, and lib/raw of sender CPU
# seconds per GiB (goal: <= 1.03) and of throughput.
# Environment: BENCH_SECS (3), BENCH_REPS (3), BENCH_BUFS (8),
# BENCH_SIZES ("65536 1048576"), BENCH_MODES ("copy zc"),
# BENCH_RAW_OUT (keep every raw line in this file).
set -u
build=${1:?usage: bench/run-msgzc.sh BUILD_DIR}
secs=${BENCH_SECS:-3}
reps=${BENCH_REPS:-3}
bufs=${BENCH_BUFS:-8}
sizes=${BENCH_SIZES:-65536 1048576}
modes=${BENCH_MODES:-copy zc}
raw=$build/bench/raw-msgzc
lib=$build/bench/lib-send
for p in "$raw" "$lib"; do
	[ -x "$p" ] || { echo "run-msgzc.sh: $p not built (ninja -C $build)" >&2; exit 1; }
done
out=${BENCH_RAW_OUT:-$(mktemp)}
[ -n "${BENCH_RAW_OUT:-}" ] || trap 'rm -f "$out"' EXIT
: >"$out"
failed=0

# Each run is bounded: it stops sending after SECS and the rest by timeout.
one() {
	line=$(timeout -k 5 $((secs + 60)) "$@" -t "$secs" -n "$bufs") || {
		echo "run-msgzc.sh: FAILED: $*" >&2
		failed=$((failed + 1))
		return
	}
	echo "$line" >>"$out"
}

echo "$(uname -r), $(nproc) CPUs, $reps x ${secs}s per cell, $bufs buffers in flight, lib on msg_zerocopy"
for size in $sizes; do
	for rep in $(seq "$reps"); do
		one "$raw" -m send -s "$size"
		for mode in $modes; do
			if [ $((rep % 2)) -eq 1 ]; then
				one "$raw" -m "$mode" -s "$size"
				one "$lib" -b msg_zerocopy -m "$mode" -s "$size"
			else
				one "$lib" -b msg_zerocopy -m "$mode" -s "$size"
				one "$raw" -m "$mode" -s "$size"
			fi
		done
		echo "  size $size: repetition $rep of $reps done" >&2
	done
done

awk -v modes="send $modes" -v sizes="$sizes" '
function kv(key,   i, f) {
	for (i = 1; i <= NF; i++) {
		split($i, f, "=")
		if (f[1] == key)
			return f[2]
	}
	return ""
}
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	if (n == 0)
		return -1
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = kv("impl") SUBSEP kv("mode") SUBSEP kv("msg")
	gbps[k] = gbps[k] " " kv("gbps")
	cpu[k] = cpu[k] " " kv("cpu_per_gib")
	core[k] = core[k] " " kv("core_per_gib")
	usr[k] = usr[k] " " kv("usr_per_gib")
}
function cell(v, fmt) { return v < 0 ? sprintf("%8s", "-") : sprintf(fmt, v) }
function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%8.3f", a / b) : sprintf("%8s", "-") }
END {
	printf "\n%-6s %8s | %8s %8s %8s | %9s %9s | %8s %8s %8s\n", "mode", "msg",
	       "raw", "lib", "lib/raw", "raw", "lib", "lib/raw", "lib/raw", "lib usr"
	printf "%-6s %8s | %8s %8s %8s | %9s %9s | %8s %8s %8s\n", "", "",
	       "Gbit/s", "Gbit/s", "Gbit/s", "CPU s/GiB", "CPU s/GiB", "CPU/GiB", "core/GiB", "+% CPU"
	nm = split(modes, M, " ")
	ns = split(sizes, S, " ")
	for (s = 1; s <= ns; s++)
		for (m = 1; m <= nm; m++) {
			r = "raw" SUBSEP M[m] SUBSEP S[s]
			l = "lib" SUBSEP M[m] SUBSEP S[s]
			rg = median(gbps[r]); lg = median(gbps[l])
			rc = median(cpu[r]); lc = median(cpu[l])
			rk = median(core[r]); lk = median(core[l])
			ru = median(usr[r]); lu = median(usr[l])
			extra = (rc > 0 && lu >= 0) ? sprintf("%+8.1f", 100 * (lu - ru) / rc) : sprintf("%8s", "-")
			size = S[s] >= 1048576 ? S[s] / 1048576 " MiB" : S[s] / 1024 " KiB"
			printf "%-6s %8s | %s %s %s | %s %s | %s %s %s\n", M[m], size,
			       cell(rg, "%8.2f"), cell(lg, "%8.2f"), ratio(lg, rg),
			       cell(rc, "%9.4f"), cell(lc, "%9.4f"), ratio(lc, rc),
			       ratio(lk, rk), extra
		}
	print "\nMedians. raw = bench/raw-msgzc; lib = bench/lib-send -b msg_zerocopy"
	print "(zc: tx_zcopy on; copy: tx_zcopy off, i.e. plain non-blocking send())."
	print "CPU = getrusage of the sending process (user + system; the receiver is"
	print "another process). core = busy time of the sender'"'"'s pinned CPU (/proc/stat)."
	print "lib usr +% CPU = (lib usr - raw usr) per GiB as a share of raw'"'"'s CPU per GiB."
	print "send = a blocking send(2) loop, the floor (raw only)."
}' "$out"

if [ "$failed" -ne 0 ]; then
	echo "run-msgzc.sh: $failed run(s) failed" >&2
	exit 1
fi
