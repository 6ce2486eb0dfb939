#!/bin/sh
# tests/t_gdb_compile.sh: memintro_gdb.h compiles cleanly as C99 (gcc, clang) and as C++
# (g++, clang++; -Wall -Wextra -Wpedantic -Werror): its unit test tests/test_gdb.c (every
# public function, the manual's EXAMPLE) and the same with MEMINTRO_STATIC. One ok/not ok
# line per build.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-gdb
mkdir -p "$out"
W="-Wall -Wextra -Wpedantic -Werror -O2 -I."
n=0
build() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - gdb compile: $name"; else
        echo "not ok - gdb compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -20
    fi
}
for cc in gcc clang; do
    command -v $cc >/dev/null || { echo "not ok - gdb compile: $cc missing"; continue; }
    build "$cc -std=c99 tests/test_gdb.c" $cc -std=c99 $W -fsyntax-only tests/test_gdb.c
    build "$cc -std=c99 -DMEMINTRO_STATIC tests/test_gdb.c" $cc -std=c99 $W -DMEMINTRO_STATIC -fsyntax-only tests/test_gdb.c
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "not ok - gdb compile: $cxx missing"; continue; }
    for std in c++11 c++17; do
        build "$cxx -std=$std tests/test_gdb.c" $cxx -x c++ -std=$std $W -fsyntax-only tests/test_gdb.c
    done
    build "$cxx -std=c++11 -DMEMINTRO_STATIC tests/test_gdb.c" $cxx -x c++ -std=c++11 $W -DMEMINTRO_STATIC -fsyntax-only tests/test_gdb.c
done
