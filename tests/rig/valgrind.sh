#!/bin/bash
# SPDX-License-Identifier: MIT
# valgrind - the send side of a transfer under valgrind (memcheck, leaks
# too), on every backend, zero-copy and copy, over loopback.
#
# Only the sender runs under valgrind: valgrind cannot see what the kernel
# writes through io_uring into receive buffers, so a library read on the
# io_uring backend would look like uninitialised memory. The receiver is
# rig-xfer's plain-socket end, run natively; it checks the bytes. The read
# side gets its own run on the copy backend only (recv() is a syscall
# valgrind understands): rig-allocfail's transfer without a fault, which
# reads with zc_read(). No suppressions, no annotations.
# Must hold: no memcheck error, no definite or indirect leak
# (--error-exitcode), stream intact, each job once, pinned 0 at the end.
set -u
BYTES=${RIG_BYTES:-16M}
FAILS=0

command -v valgrind >/dev/null 2>&1 ||
	{ echo "SKIP: valgrind is not installed (scripts/deps.sh installs it)"; exit 77; }
[ -x "${RIG_XFER:-}" ] || { echo "FAIL: RIG_XFER is not set"; exit 1; }
TMP=$(mktemp -d /tmp/zcaio-rig-valgrind.XXXXXX) || exit 1
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "FAIL: valgrind: interrupted"; exit 1' INT TERM HUP

VG="valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect"
echo "must hold: no memcheck error or leak in the sender; $BYTES intact; each job once; pinned 0 at the end"
for b in io_uring msg_zerocopy copy; do
	for m in on off; do
		rm -f "$TMP/port"
		"$RIG_XFER" recv -a 127.0.0.1 -p 0 -o "$TMP/port" -n "$BYTES" \
			>"$TMP/recv" 2>&1 &
		RPID=$!
		t0=$(date +%s%N)
		# shellcheck disable=SC2086
		ZCAIO_BACKEND=$b timeout -s KILL 300 $VG "$RIG_XFER" send \
			-a 127.0.0.1 -o "$TMP/port" -b "$BYTES" -m "$m" -T 240 \
			>"$TMP/send" 2>&1
		src=$?
		wait "$RPID"
		rrc=$?
		RPID=""
		t1=$(date +%s%N)
		sed "s|^|  [$b/$m] |" "$TMP/recv" "$TMP/send"
		echo "  [$b/$m] $(((t1 - t0) / 1000000)) ms under valgrind; sender exit $src, receiver exit $rrc"
		if [ "$src" -eq 77 ]; then
			echo "  [$b/$m] skipped by the sender"
		elif [ "$src" -ne 0 ] || [ "$rrc" -ne 0 ]; then
			echo "FAIL: $b/$m: sender exit $src (99 = valgrind found errors), receiver exit $rrc"
			FAILS=$((FAILS + 1))
		fi
	done
done
if [ -x "${RIG_ALLOCFAIL:-}" ]; then
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	ZCAIO_BACKEND=copy timeout -s KILL 300 $VG "$RIG_ALLOCFAIL" child on \
		>"$TMP/rw" 2>&1
	rc=$?
	t1=$(date +%s%N)
	sed "s|^|  [copy/read+write] |" "$TMP/rw"
	echo "  [copy/read+write] $(((t1 - t0) / 1000000)) ms under valgrind; exit $rc"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: read and write on the copy backend: exit $rc (99 = valgrind found errors)"
		FAILS=$((FAILS + 1))
	fi
fi
[ "$FAILS" -eq 0 ] || { echo "FAIL valgrind: $FAILS failed runs"; exit 1; }
echo "PASS valgrind"
