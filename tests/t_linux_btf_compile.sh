#!/bin/sh
# tests/t_linux_btf_compile.sh: the BTF, task, map, module and log parts of memintro_linux.h
# as C++ (g++ -std=c++11, clang++ -std=c++17) and with MEMINTRO_STATIC in two translation
# units, -Wall -Wextra -Wpedantic -Werror: tests/test_linux_btf.c and tests/test_linux_tasks.c
# (which call every public function of those parts) built as C++ and run.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-linux-btf
mkdir -p "$out"
WARN="-Wall -Wextra -Wpedantic -Werror"
rc=0
check() { # NAME COMMAND...
    name=$1
    shift
    if "$@" >"$out/log" 2>&1; then echo "ok - linux btf compile: $name"; else
        echo "not ok - linux btf compile: $name"
        sed 's/^/    # /' "$out/log" | head -20
        rc=1
    fi
}
for cxx in "g++ -std=c++11" "clang++ -std=c++17"; do
    set -- $cxx
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "not ok - linux btf compile: $1 is not installed"
        rc=1
        continue
    fi
    for t in test_linux_tasks test_linux_btf; do
        check "$t.c as $cxx" $cxx $WARN -x c++ -I. -o "$out/$t.$1" "tests/$t.c"
        check "$t.c as $cxx runs" sh -c "'$out/$t.$1' >'$out/run.txt'; r=\$?; ! grep -v '^ok' '$out/run.txt' && [ \$r = 0 ]"
    done
done
# MEMINTRO_STATIC: two units with their own static implementation, one using one function
cat >"$out/s1.c" <<'EOT'
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
size_t other(void);
int main(void) { return (int)(memintro_btf_index_size("", 0) + other()); }
EOT
cat >"$out/s2.c" <<'EOT'
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
size_t other(void) { memintro_linux_os os; return memintro_linux_os_init(&os, NULL, NULL, NULL, NULL) == MEMINTRO_E_INVALID ? 0 : 1; }
EOT
check "MEMINTRO_STATIC in two units (gcc)" sh -c "cc -std=c99 $WARN -I. -o '$out/static' '$out/s1.c' '$out/s2.c' && '$out/static'"
exit $rc
