#!/bin/sh
# tests/t_compile.sh: compile tests of memintro.h (run from the repo root by tests/run.sh).
#   - every MEMINTRO_API function of the header is listed in tests/compile/refs.h;
#   - the implementation plus every public function's address, as C99 and as C++11/C++17,
#     with gcc and clang, -Wall -Wextra -Wpedantic -Werror, linked and run;
#   - declarations only (decl.c) linked against the implementation (impl_only.c), also
#     across languages (C++ user, C implementation and the reverse);
#   - the header included twice before and after MEMINTRO_IMPLEMENTATION;
#   - MEMINTRO_STATIC: two implementations in one program, one of them using a single
#     function (unused static functions must not warn);
#   - the manual's EXAMPLE (through tests/test_example.c) as C++.
# Prints one "ok -"/"not ok -" line per check.
out=build/compile
mkdir -p "$out"
WARN="-Wall -Wextra -Wpedantic -Werror"
n=0

check() { # NAME COMMAND...: runs the command, prints ok/not ok with its output on failure
    name=$1
    shift
    n=$((n + 1))
    log="$out/check$n.log"
    if "$@" >"$log" 2>&1; then
        echo "ok - compile: $name"
    else
        echo "not ok - compile: $name"
        sed 's/^/    # /' "$log" | head -25
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# 1. refs.h names every public function
missing=""
for f in $(grep '^MEMINTRO_API' memintro.h | sed 's/(.*//' | awk '{print $NF}' | tr -d '*'); do
    grep -q "MEMINTRO_TEST_REF($f)" tests/compile/refs.h || missing="$missing $f"
done
count=$(grep -c '^MEMINTRO_API' memintro.h)
if [ -z "$missing" ] && [ "$count" -gt 20 ]; then
    echo "ok - compile: tests/compile/refs.h references all $count public functions"
else
    echo "not ok - compile: public functions missing from tests/compile/refs.h:$missing (found $count)"
fi

# 2. one translation unit with the implementation, per compiler and language
for cc in gcc clang; do
    if ! have $cc; then echo "not ok - compile: $cc not installed"; continue; fi
    check "$cc -std=c99 implementation + all functions, run" \
        sh -c "$cc -std=c99 $WARN -O2 -I. -o $out/impl-$cc tests/compile/impl.c && $out/impl-$cc"
    check "$cc -std=c11 -O0 implementation" \
        sh -c "$cc -std=c11 $WARN -O0 -I. -o $out/impl-$cc-c11 tests/compile/impl.c && $out/impl-$cc-c11"
    check "$cc -std=c99 header included twice around the implementation" \
        sh -c "$cc -std=c99 $WARN -O2 -I. -o $out/twice-$cc tests/compile/twice.c && $out/twice-$cc"
    check "$cc -std=c99 declarations only + separate implementation" \
        sh -c "$cc -std=c99 $WARN -O2 -I. -o $out/decl-$cc tests/compile/decl.c tests/compile/impl_only.c && $out/decl-$cc"
    check "$cc -std=c99 MEMINTRO_STATIC twice in one program, one using a single function" \
        sh -c "$cc -std=c99 $WARN -O2 -I. -o $out/static-$cc tests/compile/static_one.c tests/compile/static_two.c && $out/static-$cc"
done
for cxx in g++ clang++; do
    if ! have $cxx; then echo "not ok - compile: $cxx not installed"; continue; fi
    for std in c++11 c++17; do
        check "$cxx -std=$std implementation + all functions, run" \
            sh -c "$cxx -x c++ -std=$std $WARN -O2 -I. -o $out/impl-$cxx-$std tests/compile/impl.c && $out/impl-$cxx-$std"
    done
    check "$cxx -std=c++11 header included twice" \
        sh -c "$cxx -x c++ -std=c++11 $WARN -O2 -I. -o $out/twice-$cxx tests/compile/twice.c && $out/twice-$cxx"
    check "$cxx -std=c++11 MEMINTRO_STATIC twice in one program" \
        sh -c "$cxx -x c++ -std=c++11 $WARN -O2 -I. -o $out/static-$cxx tests/compile/static_one.c tests/compile/static_two.c && $out/static-$cxx"
done
# the manual's EXAMPLE (tests/test_example.c) compiles and runs as C++ too
awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro.h >"$out/example_snippet.inc"
for cxx in g++ clang++; do
    have $cxx || continue
    check "$cxx -std=c++11 the manual's EXAMPLE, run" \
        sh -c "$cxx -x c++ -std=c++11 $WARN -O2 -I. -I$out -o $out/example-$cxx tests/test_example.c && $out/example-$cxx"
done
# 3. across languages: C++ declarations against a C implementation and the reverse
if have gcc && have g++; then
    check "C++ user of a C-compiled implementation (extern \"C\" linkage)" \
        sh -c "gcc -std=c99 $WARN -O2 -I. -c -o $out/impl_only-c.o tests/compile/impl_only.c &&
               g++ -x c++ -std=c++11 $WARN -O2 -I. -c -o $out/decl-cxx.o tests/compile/decl.c &&
               g++ -o $out/mixed1 $out/decl-cxx.o $out/impl_only-c.o && $out/mixed1"
    check "C user of a C++-compiled implementation" \
        sh -c "g++ -x c++ -std=c++11 $WARN -O2 -I. -c -o $out/impl_only-cxx.o tests/compile/impl_only.c &&
               gcc -std=c99 $WARN -O2 -I. -c -o $out/decl-c.o tests/compile/decl.c &&
               g++ -o $out/mixed2 $out/decl-c.o $out/impl_only-cxx.o && $out/mixed2"
fi
# 4. a declaration without its implementation must fail to link (the test can fail)
if have gcc; then
    n=$((n + 1))
    if gcc -std=c99 -I. -o "$out/decl-alone" tests/compile/decl.c >"$out/check$n.log" 2>&1; then
        echo "not ok - compile: declarations alone linked without the implementation"
    elif grep -q 'memintro_scan_virt' "$out/check$n.log"; then
        echo "ok - compile: declarations alone fail to link (the reference table catches a missing function)"
    else
        echo "not ok - compile: declarations alone failed for another reason"
        sed 's/^/    # /' "$out/check$n.log" | head -10
    fi
fi
