#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the man pages; run by `meson test --suite docs`.
#   check-pages.sh render MANDIR          every page renders without warnings
#   check-pages.sh coverage MANDIR MAP    every exported function has a page,
#                                         every page is installed
# Exit 0 = pass, 1 = fail, 77 = skip (no formatter installed).
set -u
mode=${1:-}
dir=${2:-}
[ -d "$dir" ] || { echo "usage: $0 render|coverage MANDIR [MAP]" >&2; exit 1; }
export LC_ALL=C
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Prints the target of a ".so man3/x.3" link page, or nothing.
so_target() {
	sed -n '1s/^\.so[ 	]*//p' "$1"
}

# A link page must point at a real page in the same directory.
check_link() {
	t=$(so_target "$1")
	if [ ! -f "$dir/${t##*/}" ] || [ -n "$(so_target "$dir/${t##*/}")" ]; then
		echo "$1: .so target '$t' is not a page here"
		return 1
	fi
}

render() {
	if command -v mandoc >/dev/null 2>&1; then
		fmt="mandoc -T lint -W warning"
	elif command -v groff >/dev/null 2>&1; then
		fmt="groff -man -Tutf8 -ww -z"
	else
		echo "skip: neither mandoc nor groff is installed"
		exit 77
	fi
	echo "formatter: $fmt"
	for p in "$dir"/*.[0-9]; do
		if [ -n "$(so_target "$p")" ]; then
			check_link "$p" || fail=1
			continue
		fi
		# groff keeps exit 0 on warnings: any output at all fails.
		if ! $fmt "$p" >"$tmp" 2>&1 || [ -s "$tmp" ]; then
			echo "$p:"; cat "$tmp"; fail=1
		fi
		# A request glued to text ("torn down..TP") renders as words
		# and swallows the entry it should start: no formatter warns.
		if grep -nE '[^[:space:]\\]\.(TP|PP|IP|SH|SS|TH)([[:space:]]|$)' \
			"$p" >"$tmp"; then
			echo "$p: a request not at the start of a line:"
			cat "$tmp"; fail=1
		fi
	done
}

coverage() {
	map=$1
	[ -f "$map" ] || { echo "no version script: $map"; exit 1; }
	# The exported names: "name;" lines of the version script.
	syms=$(sed -n 's/^[ 	]*\([A-Za-z_][A-Za-z0-9_]*\);[ 	]*$/\1/p' "$map")
	[ -n "$syms" ] || { echo "no symbols found in $map"; exit 1; }
	for s in $syms; do
		p="$dir/$s.3"
		if [ ! -f "$p" ]; then
			echo "$s: no page $p"; fail=1; continue
		fi
		if [ -n "$(so_target "$p")" ]; then
			check_link "$p" || { fail=1; continue; }
			t=$(so_target "$p"); p="$dir/${t##*/}"
		fi
		# The NAME section must name the function.
		sed -n '/^\.SH NAME/,/^\.SH/p' "$p" | grep -qw "$s" ||
			{ echo "$s: not in the NAME section of $p"; fail=1; }
	done
	for p in "$dir"/*.[0-9]; do
		n=${p##*/}
		grep -q "'$n'" "$dir/meson.build" ||
			{ echo "$n: not installed by $dir/meson.build"; fail=1; }
	done
	echo "$(echo "$syms" | wc -l) exported functions checked"
}

case $mode in
render) render ;;
coverage) coverage "${3:-}" ;;
*) echo "unknown mode '$mode'" >&2; exit 1 ;;
esac
[ "$fail" -eq 0 ] && echo ok
exit "$fail"
