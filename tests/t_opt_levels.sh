#!/bin/sh
# tests/t_opt_levels.sh: every header's implementation compiles without a warning at each
# optimisation level gcc and clang have (-O0 ... -Os, -fPIC as a shared library builds):
# gcc's flow warnings (maybe-uninitialized and the like) depend on the level, and
# `make test` itself builds at -O2 and -O1 only. Prints one "ok -"/"not ok -" line per
# compiler and level.
out=build/opt-levels
mkdir -p "$out"
src="$out/all.c"
{
    echo '#define _GNU_SOURCE'
    echo '#define MEMINTRO_OS_IMPLEMENTATION /* memintro.h, _qemu, _coredump, _target, _win32, _linux */'
    echo '#include "memintro_os.h"'
    for h in memintro_plugin memintro_gdb; do
        if [ -f "$h.h" ]; then
            u=$(echo "$h" | sed 's/memintro_//' | tr a-z A-Z)
            echo "#define MEMINTRO_${u}_IMPLEMENTATION"
            echo "#include \"$h.h\""
        fi
    done
} >"$src"
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || { echo "not ok - opt levels: $cc is not installed"; continue; }
    for o in -O0 -O1 -O2 -O3 -Os; do
        log="$out/$cc$o.log"
        if $cc -std=c99 -Wall -Wextra -Wpedantic -Werror $o -fPIC -I. -c -o "$out/all.o" "$src" >"$log" 2>&1; then
            echo "ok - opt levels: every implementation with $cc $o -fPIC, no warning"
        else
            echo "not ok - opt levels: every implementation with $cc $o -fPIC"
            sed 's/^/    # /' "$log" | head -20
        fi
    done
done
