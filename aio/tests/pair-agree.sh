#!/bin/sh
# SPDX-License-Identifier: MIT
# pair-agree.sh PLAIN ZC PRELOADLIB - the same aio-pair source run with
# glibc, against zc_aio_*, and under LD_PRELOAD: every run checks each
# byte, and all three must report the same stream.
set -u
plain=$1 zc=$2 lib=$3
here=$(dirname "$0")
args="-b 33554432 -s 65536 -w 4 -r 2"
a=$("$plain" $args | head -n 1) || { echo "glibc run failed"; exit 1; }
b=$("$zc" $args | head -n 1) || { echo "zc_aio run failed"; exit 1; }
c=$("$here/run-preload.sh" "$lib" "$plain" $args | head -n 1) ||
	{ echo "preload run failed"; exit 1; }
echo "glibc:   $a"; echo "zc_aio:  $b"; echo "preload: $c"
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]
