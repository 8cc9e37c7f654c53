#!/bin/sh
# SPDX-License-Identifier: MIT
# smoke.sh SRCDIR TARGET SECONDS GENINC - builds a fuzz target with clang's
# libFuzzer + ASan + UBSan and runs it for SECONDS from the seed corpus
# (a copy: the corpus in the repo is not modified). Skips without clang.
# GENINC: the build's include directory (the generated zcaio-version.h).
set -u
SRC=$1 T=$2 SECS=$3 GENINC=$4
CC=""
for c in clang-14 clang; do command -v $c >/dev/null && { CC=$c; break; }; done
[ -n "$CC" ] || { echo "SKIP: clang not installed (libFuzzer)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
Z=$SRC/tools/zcperf
if ! $CC -g -O1 -std=gnu11 -D_GNU_SOURCE -DZP_FUZZ_STUB \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$SRC/include" -I"$GENINC" -I"$Z" "$SRC/fuzz/fuzz-$T.c" "$Z/proto.c" \
	"$Z/verify.c" "$Z/options.c" -lcjson -lm -o "$dir/fuzz" 2>"$dir/cc.log"; then
	if grep -q "fuzzer" "$dir/cc.log"; then
		echo "SKIP: $CC cannot link libFuzzer"; cat "$dir/cc.log"; exit 77
	fi
	cat "$dir/cc.log"; echo "FAIL: build"; exit 1
fi
mkdir "$dir/corpus"
cp "$SRC/fuzz/corpus/$T/"* "$dir/corpus/"
"$dir/fuzz" -max_total_time="$SECS" -max_len=4096 -rss_limit_mb=1024 \
	-print_final_stats=1 "$dir/corpus" >"$dir/log" 2>&1
rc=$?
tail -15 "$dir/log"
[ $rc -eq 0 ] && echo PASS || echo "FAIL: fuzzer exit $rc"
exit $rc
