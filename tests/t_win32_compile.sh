#!/bin/sh
# tests/t_win32_compile.sh: memintro_win32.h compiles cleanly and links (run from the repo
# root by tests/run.sh), one "ok -"/"not ok -" line per check:
#   - every MEMINTRO_API function of the header is listed in tests/compile/win32_refs.h;
#   - the implementation plus every public function's address (tests/compile/win32_impl.c),
#     as C99 and as C++11/C++17, with gcc and clang, -Wall -Wextra -Wpedantic -Werror,
#     linked and run (a smoke test on a synthetic empty image);
#   - the same with -DMEMINTRO_STATIC;
#   - memintro_target.h included first: memintro_win32_hints_from_target declared,
#     implemented and referenced (tests/compile/win32_target.c), C and C++;
#   - declarations only (win32_decl.c) linked against the implementation
#     (win32_impl_only.c), also across languages.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-win32
mkdir -p "$out"
W0="-Wall -Wextra -Wpedantic -Werror -I. -Itests/compile"
LIBS="-lz -llzo2 -lsnappy -lzstd"
n=0
check() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - win32 compile: $name"; else
        echo "not ok - win32 compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -25
    fi
}
have() { command -v "$1" >/dev/null 2>&1; }

missing=""
for f in $(grep '^MEMINTRO_API' memintro_win32.h | sed 's/(.*//' | awk '{print $NF}' | tr -d '*'); do
    grep -q "MEMINTRO_WIN32_TEST_REF($f)" tests/compile/win32_refs.h || missing="$missing $f"
done
count=$(grep -c '^MEMINTRO_API' memintro_win32.h)
if [ -z "$missing" ] && [ "$count" -ge 16 ]; then
    echo "ok - win32 compile: tests/compile/win32_refs.h references all $count public functions"
else
    echo "not ok - win32 compile: public functions missing from tests/compile/win32_refs.h:$missing (found $count)"
fi

for cc in gcc clang; do
    if ! have $cc; then echo "not ok - win32 compile: $cc not installed"; continue; fi
    # gcc's bounds and overflow warnings need the optimiser
    opt=-O2
    [ $cc = clang ] && opt=-O0
    check "$cc -std=c99 $opt implementation + all functions, run" \
        sh -c "$cc -std=c99 $W0 $opt -o $out/impl-$cc tests/compile/win32_impl.c && $out/impl-$cc"
    check "$cc -std=c99 -DMEMINTRO_STATIC implementation + all functions, run" \
        sh -c "$cc -std=c99 $W0 -O2 -DMEMINTRO_STATIC -o $out/static-$cc tests/compile/win32_impl.c && $out/static-$cc"
    check "$cc -std=c99 with memintro_target.h first (hints_from_target), run" \
        sh -c "$cc -std=c99 $W0 -O2 -o $out/target-$cc tests/compile/win32_target.c $LIBS && $out/target-$cc"
    check "$cc -std=c99 declarations only + separate implementation, run" \
        sh -c "$cc -std=c99 $W0 -O2 -o $out/decl-$cc tests/compile/win32_decl.c tests/compile/win32_impl_only.c && $out/decl-$cc"
done
for cxx in g++ clang++; do
    if ! have $cxx; then echo "not ok - win32 compile: $cxx not installed"; continue; fi
    for std in c++11 c++17; do
        check "$cxx -std=$std implementation + all functions, run" \
            sh -c "$cxx -x c++ -std=$std $W0 -O2 -o $out/impl-$cxx-$std tests/compile/win32_impl.c && $out/impl-$cxx-$std"
    done
    check "$cxx -std=c++11 -DMEMINTRO_STATIC, run" \
        sh -c "$cxx -x c++ -std=c++11 $W0 -O2 -DMEMINTRO_STATIC -o $out/static-$cxx tests/compile/win32_impl.c && $out/static-$cxx"
    check "$cxx -std=c++11 with memintro_target.h first (hints_from_target), run" \
        sh -c "$cxx -x c++ -std=c++11 $W0 -O2 -o $out/target-$cxx tests/compile/win32_target.c $LIBS && $out/target-$cxx"
done
if have gcc && have g++; then
    check "C++ user of a C-compiled implementation (extern \"C\" linkage), run" \
        sh -c "gcc -std=c99 $W0 -O2 -c -o $out/impl_only-c.o tests/compile/win32_impl_only.c &&
               g++ -x c++ -std=c++11 $W0 -O2 -c -o $out/decl-cxx.o tests/compile/win32_decl.c &&
               g++ -o $out/cross1 $out/decl-cxx.o $out/impl_only-c.o && $out/cross1"
    check "C user of a C++-compiled implementation, run" \
        sh -c "g++ -x c++ -std=c++11 $W0 -O2 -c -o $out/impl_only-cxx.o tests/compile/win32_impl_only.c &&
               gcc -std=c99 $W0 -O2 -c -o $out/decl-c.o tests/compile/win32_decl.c &&
               g++ -o $out/cross2 $out/decl-c.o $out/impl_only-cxx.o && $out/cross2"
fi
