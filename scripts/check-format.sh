#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check-format.sh SOURCE_DIR - fails when a file under the formatted
# paths differs from what the checked-in .clang-format makes of it.
# clang-format's output changes between major versions: only 14 (Debian
# 12's) is trusted, other versions skip.
set -u
top=${1:?usage: check-format.sh SOURCE_DIR}
cf=$(command -v clang-format-14 || command -v clang-format) || {
	echo "SKIP: clang-format not installed"; exit 77; }
"$cf" --version | grep -q 'version 14\.' || {
	echo "SKIP: $("$cf" --version) is not clang-format 14"; exit 77; }
cd "$top" || exit 1
bad=0
for f in src/*.c src/*.h include/*.h tests/unit/*.c tests/unit/*.h tests/backends/*.c \
	tests/backends/*.h tests/deadline.c tests/budget.c tests/engine-fd-many.c; do
	[ -f "$f" ] || continue
	if ! "$cf" --style=file "$f" | cmp -s - "$f"; then
		echo "not formatted: $f (clang-format -i $f)"
		bad=1
	fi
done
exit $bad
