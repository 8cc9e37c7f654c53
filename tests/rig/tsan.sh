#!/bin/bash
# SPDX-License-Identifier: MIT
# tsan SOURCE_DIR BUILD_DIR - the threaded tests under ThreadSanitizer.
#
# Configures BUILD_DIR/rig-tsan (meson setup -Db_sanitize=thread), builds
# only what the chosen tests run, and runs them there with
# TSAN_OPTIONS=halt_on_error=1: a data race fails the test. The chosen
# tests have threads besides the engine's: the harness's receiver and
# watchdog threads (lifecycle, order, signals, reads, engine-fd, budget,
# cq-small), 1000 connections read by a thread (rig-conns). The POSIX AIO
# layer's tests (its service thread) run too with RIG_TSAN_AIO=1: not by
# default, since TSan reports its service thread's fstat() of a descriptor
# the application is closing (aio/service.c, zc__aio_check_fds()) as a race.
# Skips, saying why, when TSan cannot run here: no compiler support, or
# the runtime refuses this kernel's address-space layout (it needs
# vm.mmap_rnd_bits <= 28 with some toolchains).
set -u
SRC=${1:?source dir}
BUILD=${2:?build dir}
DIR=$BUILD/rig-tsan
WANT="lifecycle-on lifecycle-off lifecycle-pool order-on signals-on
	signals-off reads-2 engine-fd-epoll budget cq-small-on-8 fork
	rig-conns-on@io_uring rig-conns-off@msg_zerocopy"
[ "${RIG_TSAN_AIO:-0}" = 1 ] &&
	WANT="$WANT pair-zc threads-zc many-zc duplex-zc two-reads-zc"

TMP=$(mktemp -d /tmp/zcaio-rig-tsan.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

# Can TSan run at all here?
CC=${CC:-cc}
cat >"$TMP/probe.c" <<'PROBE'
#include <pthread.h>
static int x;
static void *run(void *arg) { __atomic_add_fetch(&x, 1, __ATOMIC_SEQ_CST); return arg; }
int main(void)
{
	pthread_t t;
	if (pthread_create(&t, 0, run, 0))
		return 1;
	pthread_join(t, 0);
	return __atomic_load_n(&x, __ATOMIC_SEQ_CST) != 1;
}
PROBE
"$CC" -fsanitize=thread -pthread -o "$TMP/probe" "$TMP/probe.c" \
	>"$TMP/probe.log" 2>&1 ||
	{ echo "SKIP: $CC cannot build with -fsanitize=thread: $(head -3 "$TMP/probe.log")"; exit 77; }
"$TMP/probe" >"$TMP/probe.log" 2>&1 ||
	{ echo "SKIP: the ThreadSanitizer runtime does not run here (mmap_rnd_bits $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)): $(head -3 "$TMP/probe.log")"; exit 77; }

t0=$(date +%s)
if [ ! -f "$DIR/build.ninja" ]; then
	# No -Dwerror: GCC warns (-Wtsan) about fences it cannot model.
	meson setup "$DIR" "$SRC" --buildtype=debugoptimized \
		-Db_sanitize=thread -Db_lundef=false >"$TMP/setup.log" 2>&1 ||
		{ cat "$TMP/setup.log"; echo "FAIL: meson setup $DIR"; exit 1; }
fi
meson introspect --tests "$DIR" >"$TMP/tests.json" 2>"$TMP/err" ||
	{ cat "$TMP/err"; echo "FAIL: meson introspect $DIR"; exit 1; }
# The wanted tests that exist in this tree, and the programs they run.
python3 - "$DIR" "$TMP/tests.json" $WANT >"$TMP/plan" <<'PY' ||
import json, os, sys
d, tests, want = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3:]
names, targets = [], set()
for t in tests:
    if t["name"] in want and t["name"] not in names:
        names.append(t["name"])
        exe = t["cmd"][0]
        if os.path.abspath(exe).startswith(os.path.abspath(d) + os.sep):
            targets.add(os.path.relpath(exe, d))
print(" ".join(names))
print(" ".join(sorted(targets)))
PY
	{ echo "FAIL: could not read the test list"; exit 1; }
names=$(sed -n 1p "$TMP/plan")
targets=$(sed -n 2p "$TMP/plan")
[ -n "$names" ] || { echo "FAIL: none of the threaded tests is in the tree"; exit 1; }
# shellcheck disable=SC2086
ninja -C "$DIR" $targets >"$TMP/build.log" 2>&1 ||
	{ tail -40 "$TMP/build.log"; echo "FAIL: building the TSan tree"; exit 1; }
t1=$(date +%s)
echo "tsan: must hold: no data race reported (halt_on_error=1) and every test passes"
echo "tsan: built in $((t1 - t0)) s; running: $names"
# shellcheck disable=SC2086
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4" \
	meson test -C "$DIR" --no-rebuild --num-processes 1 \
	--timeout-multiplier 4 --print-errorlogs $names >"$TMP/test.log" 2>&1
rc=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$TMP/test.log"
[ "$rc" -eq 0 ] || sed -n '/^Summary of Failures/,$p;/ThreadSanitizer/,+30p' "$TMP/test.log" | head -120
t2=$(date +%s)
echo "tsan: tests ran in $((t2 - t1)) s"
[ "$rc" -eq 0 ] || { echo "FAIL tsan: meson test exit $rc"; exit 1; }
echo "PASS tsan"
