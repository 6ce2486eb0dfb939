#!/bin/sh
# tests/t_os_compile.sh: memintro_os.h compiles cleanly as C99 and as C++ (gcc, clang;
# -Wall -Wextra -Wpedantic -Werror) and links: the unit test tests/test_os.c (it calls every
# public function of memintro_os.h, so a missing implementation fails to link), the same
# with MEMINTRO_STATIC, the manual's EXAMPLE in a program of its own, and MEMINTRO_OS_NO_DEPS
# with the other headers' implementations in another file. Each program built is run on
# synthetic data (the unit test's, or a file of zeros for the example: auto must end with
# "none"). One ok/not ok line per build and per run.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-os
mkdir -p "$out"
W0="-Wall -Wextra -Wpedantic -Werror -I. -I$out"
LIBS="-lz -llzo2 -lsnappy -lzstd"
awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_os.h >"$out/os_example.inc"
n=0
build() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - os compile: $name"; else
        echo "not ok - os compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -20
    fi
}
runs() { # BINARY: the unit test passes
    [ -x "$1" ] || return
    if "$1" >"$out/run.out" 2>&1 && ! grep -q '^not ok' "$out/run.out" && grep -q '^ok' "$out/run.out"; then
        echo "ok - os compile: $(basename "$1") passes ($(grep -c '^ok' "$out/run.out") checks)"
    else
        echo "not ok - os compile: $(basename "$1") fails"
        grep '^not ok' "$out/run.out" | head -5 | sed 's/^/    # /'
    fi
}
# the EXAMPLE as a program: spec from argv
cat >"$out/example.c" <<'EOC'
#define MEMINTRO_OS_IMPLEMENTATION
#include "memintro_os.h"
#include <stdio.h>
static int example(const char *spec)
{
#include "os_example.inc"
    return 0;
}
int main(int argc, char **argv) { return argc > 1 ? example(argv[1]) : 2; }
EOC
head -c 65536 /dev/zero >"$out/zeros.img"
for cc in gcc clang; do
    command -v $cc >/dev/null || { echo "not ok - os compile: $cc missing"; continue; }
    W="$W0 -O2"
    [ $cc = clang ] && W="$W0 -O0"
    build "$cc -std=c99 tests/test_os.c" $cc -std=c99 $W -o "$out/test-$cc" tests/test_os.c $LIBS
    runs "$out/test-$cc"
    build "$cc -std=c99 -DMEMINTRO_STATIC tests/test_os.c" \
        $cc -std=c99 $W -DMEMINTRO_STATIC -o "$out/test-static-$cc" tests/test_os.c $LIBS
    runs "$out/test-static-$cc"
    build "$cc -std=c99 the manual's EXAMPLE (no -l flags)" $cc -std=c99 $W -o "$out/example-$cc" "$out/example.c"
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "not ok - os compile: $cxx missing"; continue; }
    W="$W0 -O2"
    [ $cxx = clang++ ] && W="$W0 -O0"
    std=c++11
    [ $cxx = clang++ ] && std=c++17
    build "$cxx -std=$std tests/test_os.c" $cxx -x c++ -std=$std $W -o "$out/test-$cxx" tests/test_os.c $LIBS
    runs "$out/test-$cxx"
    build "$cxx -std=$std the manual's EXAMPLE" $cxx -x c++ -std=$std $W -o "$out/example-$cxx" "$out/example.c"
done
for bin in "$out/example-gcc" "$out/example-clang++"; do
    [ -x "$bin" ] || continue
    if "$bin" "raw:$out/zeros.img" >"$out/ex.out" 2>&1 && grep -q '^none (win32: .*; linux: ' "$out/ex.out"; then
        echo "ok - os compile: $(basename "$bin") on a file of zeros: none, with why the others were not found"
    else
        echo "not ok - os compile: $(basename "$bin") on a file of zeros"
        sed 's/^/    # /' "$out/ex.out" | head -5
    fi
done
# MEMINTRO_OS_NO_DEPS: the other headers' implementations in another file
W="$W0 -O2"
printf '#define _GNU_SOURCE\n#define MEMINTRO_TARGET_IMPLEMENTATION\n#include "memintro_target.h"\n#define MEMINTRO_WIN32_IMPLEMENTATION\n#include "memintro_win32.h"\n#define MEMINTRO_LINUX_IMPLEMENTATION\n#include "memintro_linux.h"\n' >"$out/deps.c"
sed 's/^#define MEMINTRO_OS_IMPLEMENTATION/#define MEMINTRO_OS_NO_DEPS\n#define MEMINTRO_OS_IMPLEMENTATION/' "$out/example.c" >"$out/example-nodeps.c"
build "gcc -std=c99 MEMINTRO_OS_NO_DEPS with the other implementations in another file" \
    gcc -std=c99 $W -o "$out/example-nodeps" "$out/deps.c" "$out/example-nodeps.c"
