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
me=run-msgzc.sh
modes=${BENCH_MODES:-copy zc}
raw=$build/bench/raw-msgzc
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# pair MODE SIZE REP: raw and lib, which one first alternating by REP.
pair() {
	if [ $(($3 % 2)) -eq 1 ]; then
		one "$raw" -m "$1" -s "$2"
		one "$lib" -b msg_zerocopy -m "$1" -s "$2"
	else
		one "$lib" -b msg_zerocopy -m "$1" -s "$2"
		one "$raw" -m "$1" -s "$2"
	fi
}

echo "$(uname -r), $(nproc) CPUs, $reps x ${secs}s per cell, $bufs buffers in flight, lib on msg_zerocopy"
bench_runs pair

bench_table '
function header() {
	printf "\n%-6s %8s | %8s %8s %8s | %9s %9s | %8s %8s %8s\n", "mode", "msg",
	       "raw", "lib", "lib/raw", "raw", "lib", "lib/raw", "lib/raw", "lib usr"
	printf "%-6s %8s | %8s %8s %8s | %9s %9s | %8s %8s %8s\n", "", "",
	       "Gbit/s", "Gbit/s", "Gbit/s", "CPU s/GiB", "CPU s/GiB", "CPU/GiB", "core/GiB", "+% CPU"
}
function row(mode) {
	printf "%-6s %8s | %s %s %s | %s %s | %s %s %s\n", mode, size,
	       cell(rg, "%8.2f"), cell(lg, "%8.2f"), ratio(lg, rg),
	       cell(rc, "%9.4f"), cell(lc, "%9.4f"), ratio(lc, rc),
	       ratio(lk, rk), extra
}
function notes() {
	print "\nMedians. raw = bench/raw-msgzc; lib = bench/lib-send -b msg_zerocopy"
	print "(zc: tx_zcopy on; copy: tx_zcopy off, i.e. plain non-blocking send())."
	print "CPU = getrusage of the sending process (user + system; the receiver is"
	print "another process). core = busy time of the sender'"'"'s pinned CPU (/proc/stat)."
	print "lib usr +% CPU = (lib usr - raw usr) per GiB as a share of raw'"'"'s CPU per GiB."
	print "send = a blocking send(2) loop, the floor (raw only)."
}'
bench_finish
