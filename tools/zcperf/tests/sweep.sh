#!/bin/bash
# SPDX-License-Identifier: MIT
# sweep.sh ZCPERF PORT - "zcperf sweep" in small: two sizes x the four
# modes, one short run each, against a zcperf server on loopback. Checks
# the CSV and JSON have a row per cell with numbers in them, and that a
# PNG was drawn (only when gnuplot is installed: else that part is
# skipped, with the reason). Also: bad sweep options are refused.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
with_tmp
fail() { echo "FAIL: $*"; tail -20 "$dir/out.txt" "$dir/s.txt" 2>/dev/null; exit 1; }

for bad in "--sizes 0" "--sizes 4K,x" "--modes copy,fast" "--reps 0" "-l 4K" \
	    "--zc on" "-u --sizes 70000" "--no-such-option"; do
	"$Z" sweep -c 127.0.0.1 -p "$PORT" $bad >/dev/null 2>"$dir/err.txt" &&
		fail "sweep accepted '$bad'"
	echo "refused '$bad': $(head -1 "$dir/err.txt")"
done

timeout 80 "$Z" -s -p "$PORT" >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "server did not start"
timeout 70 "$Z" sweep -c 127.0.0.1 -p "$PORT" -t 1 --sizes 4K,64K \
	--modes copy,zc,zc-fixed,auto --reps 1 --out "$dir/sw" >"$dir/out.txt" 2>&1 ||
	fail "sweep exited $?"
cat "$dir/out.txt"

# CSV: a header and 8 rows (2 sizes x 4 modes), 11 columns, numbers
[ "$(head -1 "$dir/sw.csv")" = "size,mode,reps,gbps,gbps_min,gbps_max,sender_cpu_s_per_gib,receiver_cpu_s_per_gib,bytes_zc,bytes_zc_copied,bytes_copied" ] ||
	fail "CSV header: $(head -1 "$dir/sw.csv")"
[ "$(tail -n +2 "$dir/sw.csv" | wc -l)" -eq 8 ] || fail "CSV rows"
awk -F, 'NR > 1 && (NF != 11 || $1 !~ /^(4096|65536)$/ ||
	$2 !~ /^(copy|zc|zc-fixed|auto)$/ || $3 != 1 || !($4 > 0) ||
	!($7 > 0) || !($8 > 0)) { bad = 1; print "bad row: " $0 }
	END { exit bad }' "$dir/sw.csv" || fail "CSV rows"
# JSON: the same cells, and auto against the best mode at each size
jq -e '(.cells | length == 8) and
	all(.cells[]; .gbps > 0 and .sender_cpu_s_per_gib > 0 and
	    (.runs | length == 1)) and
	([.cells[].mode] | unique == ["auto", "copy", "zc", "zc-fixed"]) and
	(.auto_vs_best | length == 2) and all(.auto_vs_best[]; .ratio > 0)' \
	"$dir/sw.json" >/dev/null || fail "JSON shape: $(head -c 600 "$dir/sw.json")"
echo "ok: CSV and JSON"
if command -v gnuplot >/dev/null; then
	[ -s "$dir/sw.png" ] || fail "no PNG although gnuplot is installed"
	[ "$(head -c 8 "$dir/sw.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
		fail "sw.png is not a PNG"
	echo "ok: PNG chart ($(stat -c %s "$dir/sw.png") bytes)"
else
	echo "skipped the chart: gnuplot is not installed (Debian: gnuplot-nox)"
	grep -q "no PNG: gnuplot is not installed" "$dir/out.txt" ||
		fail "sweep did not say why there is no PNG"
fi
echo PASS
