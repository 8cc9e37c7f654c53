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
me=run.sh
modes=${BENCH_MODES:-copy zc zc-fixed}
raw=$build/bench/raw-uring
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# pair MODE SIZE REP: raw, then lib.
pair() {
	one "$raw" -m "$1" -s "$2"
	one "$lib" -m "$1" -s "$2"
}

echo "$(uname -r), $(nproc) CPUs, $reps x ${secs}s per cell, $bufs buffers in flight"
bench_runs pair

bench_table '
function header() {
	printf "\n%-9s %8s | %8s %8s | %9s %9s | %8s %8s %8s\n", "mode", "msg",
	       "raw", "lib", "raw", "lib", "lib/raw", "lib/raw", "lib usr"
	printf "%-9s %8s | %8s %8s | %9s %9s | %8s %8s %8s\n", "", "",
	       "Gbit/s", "Gbit/s", "CPU s/GiB", "CPU s/GiB", "CPU/GiB", "core/GiB", "+% CPU"
}
function row(mode) {
	printf "%-9s %8s | %s %s | %s %s | %s %s %s\n", mode, size,
	       cell(rg, "%8.2f"), cell(lg, "%8.2f"),
	       cell(rc, "%9.4f"), cell(lc, "%9.4f"), ratio(lc, rc),
	       ratio(lk, rk), extra
}
function notes() {
	print "\nMedians. CPU = getrusage of the sending process (user + system, all"
	print "its threads; the receiver is another process and is not included)."
	print "core = busy time of the CPU the sender is pinned to (/proc/stat), which"
	print "also counts loopback receive work deferred to that CPU'"'"'s ksoftirqd."
	print "lib usr +% CPU = the library'"'"'s extra user-space time (lib usr - raw usr)"
	print "as a share of raw'"'"'s CPU per GiB: its own overhead, less noisy than the ratio."
	print "send = a plain send(2) loop, the floor for every mode (raw only)."
}'
bench_finish
