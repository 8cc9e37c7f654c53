#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds and runs the whole suite in each build directory given (the second,
# if any, with AddressSanitizer + UndefinedBehaviorSanitizer) and ends with
# one line: "N passed, N failed, N skipped".
set -u
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0
for dir in "$@"; do
	n=$((n + 1))
	opts="-Dwerror=true --buildtype=debugoptimized"
	[ "$n" -eq 2 ] && opts="$opts -Db_sanitize=address,undefined -Db_lundef=false"
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" $opts >/dev/null || { echo "meson setup $dir failed"; failed=$((failed + 1)); continue; }
	fi
	if ! ninja -C "$dir" >"$log" 2>&1; then
		cat "$log"; echo "build in $dir failed"; failed=$((failed + 1)); continue
	fi
	echo "== tests in $dir"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$dir" --print-errorlogs --num-processes 2 >"$log" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$log"
	sed -n '/^Summary of Failures/,/^Ok:/p' "$log" | grep -v '^Ok:'
	ok=$(awk '/^Ok:/{print $2}' "$log"); ok=${ok:-0}
	fl=$(awk '/^Fail:/{print $2}' "$log"); fl=${fl:-0}
	to=$(awk '/^Timeout:/{print $2}' "$log"); to=${to:-0}
	up=$(awk '/^Unexpected Pass:/{print $3}' "$log"); up=${up:-0}
	sk=$(awk '/^Skipped:/{print $2}' "$log"); sk=${sk:-0}
	if ! grep -q '^Ok:' "$log"; then cat "$log"; fl=$((fl + 1)); fi
	passed=$((passed + ok)); failed=$((failed + fl + to + up)); skipped=$((skipped + sk))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
