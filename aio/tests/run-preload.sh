#!/bin/sh
# SPDX-License-Identifier: MIT
# run-preload.sh LIB PROG [ARGS...] - run PROG with LIB in LD_PRELOAD.
# In a sanitizer build PROG links the ASan runtime, which must come first
# in the preload list or it refuses to start: put it there.
set -u
lib=$1
shift
asan=$(ldd "$1" 2>/dev/null | awk '/libasan\.so/ { print $3; exit }')
LD_PRELOAD="${asan:+$asan:}$lib${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$@"
