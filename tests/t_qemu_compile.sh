#!/bin/sh
# tests/t_qemu_compile.sh: memintro_qemu.h compiles cleanly as C99 and as C++ (gcc, clang;
# -Wall -Wextra -Wpedantic -Werror): the example (every public function but the list
# call, which the unit test covers) and the unit test (every public function), plus
# MEMINTRO_STATIC. Prints one ok/not ok line per build.
out=build/compile-qemu
mkdir -p "$out"
W="-Wall -Wextra -Wpedantic -Werror -O2 -I."
n=0
build() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - qemu compile: $name"; else
        echo "not ok - qemu compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -20
    fi
}
for cc in gcc clang; do
    command -v $cc >/dev/null || { echo "not ok - qemu compile: $cc missing"; continue; }
    build "$cc -std=c99 examples/qemu_info.c" $cc -std=c99 $W -o "$out/info-$cc" examples/qemu_info.c
    build "$cc -std=c99 -DMEMINTRO_STATIC examples/qemu_info.c" \
        $cc -std=c99 $W -DMEMINTRO_STATIC -o "$out/info-static-$cc" examples/qemu_info.c
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "not ok - qemu compile: $cxx missing"; continue; }
    for std in c++11 c++17; do
        build "$cxx -std=$std examples/qemu_info.c" $cxx -x c++ -std=$std $W -o "$out/info-$cxx-$std" examples/qemu_info.c
    done
    build "$cxx -std=c++11 tests/test_qemu_unit.c" $cxx -x c++ -std=c++11 $W -fsyntax-only tests/test_qemu_unit.c
done
# The manual's EXAMPLE, cut out of the header: C99 and C++, with and without the
# including file defining _GNU_SOURCE first (no redefinition either way; -Werror).
sed -n '/^   EXAMPLE (a whole program/,/^   LICENSE:/p' memintro_qemu.h | sed -e '1d' -e '$d' -e 's/^       //' \
    >"$out/example.c"
printf '#define _GNU_SOURCE\n' | cat - "$out/example.c" >"$out/example-gnu.c"
if grep -q 'int main' "$out/example.c"; then
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        build "$cc -std=c99 the manual's example" $cc -std=c99 $W -o "$out/example-$cc" "$out/example.c"
        build "$cc -std=c99 the manual's example after #define _GNU_SOURCE" \
            $cc -std=c99 $W -o "$out/example-gnu-$cc" "$out/example-gnu.c"
    done
    for cxx in g++ clang++; do
        command -v $cxx >/dev/null || continue
        # (C++ compilers predefine _GNU_SOURCE: the already-defined case)
        build "$cxx -std=c++11 the manual's example" $cxx -x c++ -std=c++11 $W -o "$out/example-$cxx" "$out/example.c"
    done
else
    echo "not ok - qemu compile: no EXAMPLE program found in memintro_qemu.h"
fi
