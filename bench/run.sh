#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/run.sh BUILD_DIR
#
# libzcaio against a raw io_uring loop doing the same sends, measured in the
# same run: for each mode (copy, zc, zc-fixed) and message size (64 KiB,
# 1 MiB), REPS repetitions of SECS seconds each, raw and lib alternating;
# plus a plain send(2) loop as the floor. Prints the medians and the ratio
# lib/raw of sender CPU seconds per GiB (goal: <= 1.03).
# Environment: BENCH_SECS (3), BENCH_REPS (3), BENCH_BUFS (8),
# BENCH_SIZES ("65536 1048576"), BENCH_MODES ("copy zc zc-fixed"),
# BENCH_RAW_OUT (keep every raw line in this file).
set -u
build=${1:?usage: bench/run.sh BUILD_DIR}
secs=${BENCH_SECS:-3}
reps=${BENCH_REPS:-3}
bufs=${BENCH_BUFS:-8}
sizes=${BENCH_SIZES:-65536 1048576}
modes=${BENCH_MODES:-copy zc zc-fixed}
raw=$build/bench/raw-uring
lib=$build/bench/lib-send
for p in "$raw" "$lib"; do
	[ -x "$p" ] || { echo "run.sh: $p not built (ninja -C $build)" >&2; exit 1; }
done
out=${BENCH_RAW_OUT:-$(mktemp)}
[ -n "${BENCH_RAW_OUT:-}" ] || trap 'rm -f "$out"' EXIT
: >"$out"
failed=0

# Each run is bounded: it stops sending after SECS and the rest by timeout.
one() {
	line=$(timeout -k 5 $((secs + 60)) "$@" -t "$secs" -n "$bufs") || {
		echo "run.sh: FAILED: $*" >&2
		failed=$((failed + 1))
		return
	}
	echo "$line" >>"$out"
}

echo "$(uname -r), $(nproc) CPUs, $reps x ${secs}s per cell, $bufs buffers in flight"
for size in $sizes; do
	for rep in $(seq "$reps"); do
		one "$raw" -m send -s "$size"
		for mode in $modes; do
			one "$raw" -m "$mode" -s "$size"
			one "$lib" -m "$mode" -s "$size"
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
END {
	printf "\n%-9s %8s | %8s %8s | %9s %9s | %8s %8s %8s\n", "mode", "msg",
	       "raw", "lib", "raw", "lib", "lib/raw", "lib/raw", "lib usr"
	printf "%-9s %8s | %8s %8s | %9s %9s | %8s %8s %8s\n", "", "",
	       "Gbit/s", "Gbit/s", "CPU s/GiB", "CPU s/GiB", "CPU/GiB", "core/GiB", "+% CPU"
	nm = split(modes, M, " ")
	ns = split(sizes, S, " ")
	for (s = 1; s <= ns; s++)
		for (m = 1; m <= nm; m++) {
			r = "raw" SUBSEP M[m] SUBSEP S[s]
			l = "lib" SUBSEP M[m] SUBSEP S[s]
			rg = median(gbps[r]); lg = median(gbps[l])
			rc = median(cpu[r]); lc = median(cpu[l])
			ratio = (rc > 0 && lc > 0) ? sprintf("%8.3f", lc / rc) : sprintf("%8s", "-")
			rk = median(core[r]); lk = median(core[l])
			kratio = (rk > 0 && lk > 0) ? sprintf("%8.3f", lk / rk) : sprintf("%8s", "-")
			ru = median(usr[r]); lu = median(usr[l])
			extra = (rc > 0 && lu >= 0) ? sprintf("%+8.1f", 100 * (lu - ru) / rc) : sprintf("%8s", "-")
			size = S[s] >= 1048576 ? S[s] / 1048576 " MiB" : S[s] / 1024 " KiB"
			printf "%-9s %8s | %s %s | %s %s | %s %s %s\n", M[m], size,
			       cell(rg, "%8.2f"), cell(lg, "%8.2f"),
			       cell(rc, "%9.4f"), cell(lc, "%9.4f"), ratio, kratio, extra
		}
	print "\nMedians. CPU = getrusage of the sending process (user + system, all"
	print "its threads; the receiver is another process and is not included)."
	print "core = busy time of the CPU the sender is pinned to (/proc/stat), which"
	print "also counts loopback receive work deferred to that CPU'"'"'s ksoftirqd."
	print "lib usr +% CPU = the library'"'"'s extra user-space time (lib usr - raw usr)"
	print "as a share of raw'"'"'s CPU per GiB: its own overhead, less noisy than the ratio."
	print "send = a plain send(2) loop, the floor for every mode (raw only)."
}' "$out"

if [ "$failed" -ne 0 ]; then
	echo "run.sh: $failed run(s) failed" >&2
	exit 1
fi
