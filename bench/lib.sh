# SPDX-License-Identifier: MIT
# bench/lib.sh - sourced by bench/run.sh and bench/run-msgzc.sh, which set
# before sourcing it: me (the script's name, for messages), build, modes
# and raw (the raw program, compared with $build/bench/lib-send).
# Sets secs, reps, bufs, sizes, lib, out (the file the runs' lines go to)
# and failed; defines one, bench_runs, bench_table and bench_finish.
secs=${BENCH_SECS:-3}
reps=${BENCH_REPS:-3}
bufs=${BENCH_BUFS:-8}
sizes=${BENCH_SIZES:-65536 1048576}
lib=$build/bench/lib-send
for p in "$raw" "$lib"; do
	[ -x "$p" ] || { echo "$me: $p not built (ninja -C $build)" >&2; exit 1; }
done
out=${BENCH_RAW_OUT:-$(mktemp)}
[ -n "${BENCH_RAW_OUT:-}" ] || trap 'rm -f "$out"' EXIT
: >"$out"
failed=0

# Each run is bounded: it stops sending after SECS and the rest by timeout.
one() {
	line=$(timeout -k 5 $((secs + 60)) "$@" -t "$secs" -n "$bufs") || {
		echo "$me: FAILED: $*" >&2
		failed=$((failed + 1))
		return
	}
	echo "$line" >>"$out"
}

# bench_runs PAIR: REPS repetitions for each size of the send(2) floor and,
# for each mode, "PAIR MODE SIZE REP", which runs raw and lib once each.
bench_runs() {
	for size in $sizes; do
		for rep in $(seq "$reps"); do
			one "$raw" -m send -s "$size"
			for mode in $modes; do
				"$1" "$mode" "$size" "$rep"
			done
			echo "  size $size: repetition $rep of $reps done" >&2
		done
	done
}

# bench_table FUNCTIONS: the table of medians from the runs' lines, printed
# by awk FUNCTIONS: header(), then row(mode) for each size and mode
# ("send" first), then notes(). Before each row(), medians() has set rg lg
# (Gbit/s), rc lc (CPU s/GiB), rk lk (core s/GiB), ru lu (user s/GiB) of
# raw and lib, extra (the "lib usr +% CPU" cell) and size (the message size
# as text); cell() and ratio() format a median and a ratio of two.
bench_table() {
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
function medians(mode, msg,   r, l) {
	r = "raw" SUBSEP mode SUBSEP msg
	l = "lib" SUBSEP mode SUBSEP msg
	rg = median(gbps[r]); lg = median(gbps[l])
	rc = median(cpu[r]); lc = median(cpu[l])
	rk = median(core[r]); lk = median(core[l])
	ru = median(usr[r]); lu = median(usr[l])
	extra = (rc > 0 && lu >= 0) ? sprintf("%+8.1f", 100 * (lu - ru) / rc) : sprintf("%8s", "-")
	size = msg >= 1048576 ? msg / 1048576 " MiB" : msg / 1024 " KiB"
}
END {
	header()
	nm = split(modes, M, " ")
	ns = split(sizes, S, " ")
	for (s = 1; s <= ns; s++)
		for (m = 1; m <= nm; m++) {
			medians(M[m], S[s])
			row(M[m])
		}
	notes()
}
'"$1" "$out"
}

bench_finish() {
	if [ "$failed" -ne 0 ]; then
		echo "$me: $failed run(s) failed" >&2
		exit 1
	fi
}
