#!/bin/sh
# tests/t_coredump_compile.sh: builds of memintro_coredump.h beyond the Makefile's C99 ones
# (run from the repo root by tests/run.sh), -Wall -Wextra -Wpedantic -Werror throughout:
#   - tests/test_coredump_api.c (the manual's example + every public function) as C++11 and
#     C++17 with g++ and as C++11 with clang++; each is run (clang builds the header as C99
#     for the fuzzers);
#   - MEMINTRO_STATIC: two translation units with the implementation in one program;
#   - declarations in one file, implementation in another (C and C++ users);
#   - strict -std=c99 with no feature-test macro and no compression (nothing but ISO C and
#     the POSIX calls the header declares it needs);
#   - MEMINTRO_COREDUMP_DLOPEN alone, without any compression header or link flag.
out=build/compile-coredump
mkdir -p "$out" build/gen
WARN="-Wall -Wextra -Wpedantic -Werror"
LIBS="-lz -llzo2 -lsnappy -lzstd"
n=0
check() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    log="$out/check$n.log"
    if "$@" >"$log" 2>&1; then
        echo "ok - coredump compile: $name"
    else
        echo "not ok - coredump compile: $name"
        sed 's/^/    # /' "$log" | head -25
    fi
}
have() { command -v "$1" >/dev/null 2>&1; }
awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_coredump.h >build/gen/coredump_example.inc

for cxx in g++:c++11 g++:c++17 clang++:c++11; do
    std=${cxx#*:}
    cxx=${cxx%:*}
    if ! have $cxx; then echo "not ok - coredump compile: $cxx not installed"; continue; fi
    check "$cxx -std=$std api test, run" \
        sh -c "$cxx -x c++ -std=$std $WARN -O1 -I. -Ibuild/gen -o $out/api-$cxx-$std tests/test_coredump_api.c $LIBS && $out/api-$cxx-$std"
done

cat >"$out/static_a.c" <<'SRC'
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#include "memintro_coredump.h"
int other(void);
int main(void) { return (memintro_coredump_format_name(MEMINTRO_COREDUMP_ELF)[0] == 'e' ? 0 : 1) + other(); }
SRC
cat >"$out/static_b.c" <<'SRC'
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#include "memintro_coredump.h"
int other(void);
int other(void) { return memintro_coredump_compression_available(MEMINTRO_COMPRESS_ZLIB) ? 0 : 1; }
SRC
cat >"$out/decl.c" <<'SRC'
#include "memintro_coredump.h"
int main(void)
{
    memintro_coredump d;
    memintro_status s = memintro_coredump_open(&d, "/nonexistent/dump", 0);
    int ok = s == MEMINTRO_E_NOTFOUND && memintro_coredump_error(&d)[0] != 0;
    memintro_coredump_close(&d);
    return ok ? 0 : 1;
}
SRC
cat >"$out/impl.c" <<'SRC'
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#include "memintro_coredump.h"
SRC
cat >"$out/strict.c" <<'SRC'
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#include "memintro_coredump.h"
int main(int argc, char **argv)
{
    memintro_coredump d;
    if (argc > 1 && memintro_coredump_open(&d, argv[1], 0) == MEMINTRO_OK) memintro_coredump_close(&d);
    return memintro_coredump_compression_available(MEMINTRO_COMPRESS_ZLIB);
}
SRC
cat >"$out/dlopen.c" <<'SRC'
#include <stdio.h>
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_DLOPEN
#include "memintro_coredump.h"
int main(void)
{
    return !(memintro_coredump_compression_available(MEMINTRO_COMPRESS_ZLIB) &&
             memintro_coredump_compression_available(MEMINTRO_COMPRESS_LZO) &&
             memintro_coredump_compression_available(MEMINTRO_COMPRESS_SNAPPY) &&
             memintro_coredump_compression_available(MEMINTRO_COMPRESS_ZSTD));
}
SRC
for cc in gcc clang; do
    have $cc || continue
    check "$cc MEMINTRO_STATIC twice in one program" \
        sh -c "$cc -std=c99 $WARN -O0 -I. -o $out/static-$cc $out/static_a.c $out/static_b.c -lz && $out/static-$cc"
    check "$cc declarations only + separate implementation" \
        sh -c "$cc -std=c99 $WARN -O0 -I. -o $out/decl-$cc $out/decl.c $out/impl.c && $out/decl-$cc"
    check "$cc -std=c99, no feature-test macro, no compression library (zlib reported unavailable)" \
        sh -c "$cc -std=c99 $WARN -O0 -I. -o $out/strict-$cc $out/strict.c && $out/strict-$cc memintro_coredump.h"
    check "$cc MEMINTRO_COREDUMP_DLOPEN only: all four libraries load at run time" \
        sh -c "$cc -std=c99 $WARN -O0 -I. -o $out/dlopen-$cc $out/dlopen.c && $out/dlopen-$cc"
done
if have gcc && have g++; then
    check "C++ user of a C-compiled implementation" \
        sh -c "gcc -std=c99 $WARN -O0 -I. -c -o $out/impl-c.o $out/impl.c &&
               g++ -x c++ -std=c++11 $WARN -O0 -I. -c -o $out/decl-cxx.o $out/decl.c &&
               g++ -o $out/mixed $out/decl-cxx.o $out/impl-c.o && $out/mixed"
fi
