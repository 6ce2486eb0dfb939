#!/bin/sh
# tests/t_target_compile.sh: memintro_target.h compiles cleanly as C99 and as C++ (gcc,
# clang; -Wall -Wextra -Wpedantic -Werror -O2) and links: the unit test (it calls every
# public function, so a missing implementation fails to link), the same with
# MEMINTRO_STATIC, and examples/open_target.c, which is then run on a raw image this
# script writes (its hex dump must show the image's bytes). One ok/not ok line per build.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-target
mkdir -p "$out"
# gcc's truncation and overflow warnings need the optimiser; clang's do not (-O0 is faster)
W0="-Wall -Wextra -Wpedantic -Werror -I. -I$out"
LIBS="-lz -llzo2 -lsnappy -lzstd"
awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_target.h >"$out/target_example.inc"
n=0
build() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - target compile: $name"; else
        echo "not ok - target compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -20
    fi
}
for cc in gcc clang; do
    command -v $cc >/dev/null || { echo "not ok - target compile: $cc missing"; continue; }
    W="$W0 -O2"
    [ $cc = clang ] && W="$W0 -O0"
    build "$cc -std=c99 tests/test_target.c" $cc -std=c99 $W -o "$out/test-$cc" tests/test_target.c $LIBS
    build "$cc -std=c99 -DMEMINTRO_STATIC tests/test_target.c" \
        $cc -std=c99 $W -DMEMINTRO_STATIC -o "$out/test-static-$cc" tests/test_target.c $LIBS
    build "$cc -std=c99 examples/open_target.c (no -l flags)" $cc -std=c99 $W -o "$out/open-$cc" examples/open_target.c
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "not ok - target compile: $cxx missing"; continue; }
    W="$W0 -O2"
    [ $cxx = clang++ ] && W="$W0 -O0"
    std=c++11
    [ $cxx = clang++ ] && std=c++17
    build "$cxx -std=$std tests/test_target.c" $cxx -x c++ -std=$std $W -o "$out/test-$cxx-$std" tests/test_target.c $LIBS
    build "$cxx -std=$std examples/open_target.c" $cxx -x c++ -std=$std $W -o "$out/open-$cxx-$std" examples/open_target.c
done
# the example at work: 8 KiB whose bytes at 0x1000 are "memintro target"
img=$out/example.img
{ head -c 4096 /dev/zero; printf 'memintro target'; head -c 4081 /dev/zero; } >"$img"
for bin in "$out/open-gcc" "$out/open-clang++-c++17"; do
    [ -x "$bin" ] || continue
    if "$bin" "raw:$img" 0x1000 15 >"$out/run.out" 2>&1 &&
        grep -q '^raw image ' "$out/run.out" &&
        grep -q '6d 65 6d 69 6e 74 72 6f 20 74 61 72 67 65 74' "$out/run.out"; then
        echo "ok - target compile: $(basename "$bin") reads raw:IMAGE's bytes at 0x1000"
    else
        echo "not ok - target compile: $(basename "$bin") on raw:IMAGE"
        sed 's/^/    # /' "$out/run.out" | head -10
    fi
    "$bin" "nope:$img" >/dev/null 2>&1
    rc=$?
    if [ "$rc" = 2 ]; then echo "ok - target compile: $(basename "$bin") exits 2 on a bad connector string"; else
        echo "not ok - target compile: $(basename "$bin") exits $rc on a bad connector string (want 2)"
    fi
done
# MEMINTRO_TARGET_NO_DEPS: the other headers' implementations in another file
W="$W0 -O2"
printf '#define _GNU_SOURCE\n#define MEMINTRO_IMPLEMENTATION\n#define MEMINTRO_QEMU_IMPLEMENTATION\n#define MEMINTRO_COREDUMP_IMPLEMENTATION\n#define MEMINTRO_COREDUMP_DLOPEN\n#include "memintro_qemu.h"\n#include "memintro_coredump.h"\n' >"$out/deps.c"
build "gcc -std=c99 MEMINTRO_TARGET_NO_DEPS with the other implementations in another file" \
    gcc -std=c99 $W -DMEMINTRO_TARGET_NO_DEPS -o "$out/open-nodeps" "$out/deps.c" examples/open_target.c
