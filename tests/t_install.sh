#!/bin/sh
# tests/t_install.sh: libmemintro (lib/memintro.c, mk/lib.mk) and `make install` /
# `make uninstall` (mk/install.mk).
#   - the shared library exports exactly the public functions: `nm -D` equals the
#     MEMINTRO_API declarations of the headers it is built from plus lib/memintro.c's
#     memintro_library_* helpers (no memintro__ private symbol, nothing else); its soname is
#     libmemintro.so.MAJOR.MINOR of memintro.h, the name the Python module loads;
#   - make install PREFIX=TMP installs exactly the documented files (and nothing else);
#     `pkg-config --cflags --libs memintro` builds a program outside the tree (C, C++, and
#     against libmemintro.a) that reads a raw image through the library; its output equals
#     the image file's own bytes (od);
#   - `python3 -c "import memintro"` works from the installed prefix (PYTHONPATH) and from
#     the build tree, each finding its own library; MEMINTRO_LIBRARY overrides both;
#   - `man -l` renders memintro(1), groff -ww finds nothing to warn about, and every
#     command and long option of `memintro --help` is in it;
#   - make install DESTDIR=STAGE PREFIX=/usr records /usr, not STAGE; make uninstall (both
#     ways) removes every installed file.
# Data: the raw image is SYNTHETIC (random bytes written here); expected values come from
# the file itself and from memintro.h's version macros, never from the library.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d /tmp/mi-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
rc=0
pass() { echo "ok - install: $*"; }
fail() {
    echo "not ok - install: $*"
    rc=1
}
show() { sed 's/^/    # /' "$1" | head -n "${2:-10}"; }
M="make -s --no-print-directory"

sh tests/deps.sh python3 pkg-config man-db groff-base binutils gcc g++ libc6-dev >/dev/null ||
    { fail "the packages this test needs are missing"; exit 1; }
# Debian's python3 (package python3), not whatever python3 comes first in PATH
PY=${MEMINTRO_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || { echo "not ok - $PY is missing (package python3)"; exit 1; }
"$PY" -c 'import ctypes' || { echo "not ok - $PY has no ctypes"; exit 1; }
major=$(sed -n 's/^#define MEMINTRO_VERSION_MAJOR \([0-9]*\).*/\1/p' memintro.h)
minor=$(sed -n 's/^#define MEMINTRO_VERSION_MINOR \([0-9]*\).*/\1/p' memintro.h)
if [ "$major" = 0 ]; then abi=$major.$minor; else abi=$major; fi
so=build/lib/libmemintro.so.$abi
for f in "$so" build/lib/libmemintro.so build/lib/libmemintro.a build/memintro; do
    [ -e "$f" ] || { fail "$f is not built (make builds it: mk/lib.mk, mk/cli.mk)"; exit 1; }
done

# ---- the library's exports ----
hdrs="memintro.h memintro_qemu.h memintro_coredump.h memintro_target.h memintro_win32.h memintro_linux.h memintro_os.h memintro_plugin.h"
libdefs=""
[ -f memintro_gdb.h ] && hdrs="$hdrs memintro_gdb.h" && libdefs=-DMEMINTRO_LIB_GDB
# the name before '(' on each MEMINTRO_API line (a declaration starts on that line)
cat $hdrs | grep '^MEMINTRO_API' | sed 's/(.*//; s/.*[ *]\([A-Za-z_][A-Za-z0-9_]*\)$/\1/' >"$T/decl"
grep -o '^MEMINTRO_API [^(]*' lib/memintro.c | sed 's/.*[ *]\([A-Za-z_][A-Za-z0-9_]*\)$/\1/' >>"$T/decl"
sort -u "$T/decl" >"$T/decl.s"
nm -D --defined-only "$so" | awk '$2 != "w" && $2 != "U" {print $3}' | sort -u >"$T/nm"
if [ "$(wc -l <"$T/decl.s")" -lt 100 ]; then
    fail "fewer than 100 public declarations found in the headers ($(wc -l <"$T/decl.s"))"
elif cmp -s "$T/decl.s" "$T/nm"; then
    pass "$so exports exactly the $(wc -l <"$T/nm") public functions of $hdrs and lib/memintro.c"
else
    fail "$so's exports differ from the public declarations (< declared only, > exported only)"
    diff "$T/decl.s" "$T/nm" | grep '^[<>]' | head -20 | sed 's/^/    # /'
fi
if grep -q '^memintro__' "$T/nm"; then fail "private memintro__ symbols exported"; else pass "no memintro__ symbol exported"; fi
sn=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$sn" = "libmemintro.so.$abi" ] && pass "soname $sn (memintro.h $major.$minor)" ||
    fail "soname '$sn', expected libmemintro.so.$abi"
py=$(sed -n 's/^ABI = "\(.*\)"/\1/p' python/memintro/__init__.py)
[ "$py" = "$abi" ] && pass "the Python module loads libmemintro.so.$py" ||
    fail "the Python module's ABI is '$py', the library's $abi"
if g++ -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -O2 -fPIC -fvisibility=hidden $libdefs \
    -I. -c -o "$T/lib-cxx.o" lib/memintro.c 2>"$T/cxx.err"; then
    pass "lib/memintro.c compiles as C++ (g++ -Wall -Wextra -Wpedantic -Werror)"
else
    fail "lib/memintro.c does not compile as C++"
    show "$T/cxx.err"
fi
[ "$(readlink build/lib/libmemintro.so)" = "libmemintro.so.$abi" ] && pass "build/lib/libmemintro.so -> libmemintro.so.$abi" ||
    fail "build/lib/libmemintro.so does not point at libmemintro.so.$abi"

# ---- make install into a temporary prefix ----
P=$T/prefix
if ! $M install PREFIX="$P" >"$T/install.out" 2>&1; then
    fail "make install PREFIX=$P failed"
    show "$T/install.out"
    exit 1
fi
pyd=lib/python3/dist-packages
{
    for h in $hdrs; do echo "include/$h"; done
    echo "lib/libmemintro.so.$abi"
    echo lib/libmemintro.so
    echo lib/libmemintro.a
    echo lib/pkgconfig/memintro.pc
    echo bin/memintro
    echo "$pyd/memintro/__init__.py"
    echo "$pyd/memintro/_install.py"
    echo share/man/man1/memintro.1
} | sort >"$T/expect"
(cd "$P" && find . ! -type d | sed 's|^\./||' | sort) >"$T/got"
if cmp -s "$T/expect" "$T/got"; then
    pass "make install put the $(wc -l <"$T/got") documented files in PREFIX, nothing else"
else
    fail "installed files differ from the documented list (< missing, > extra)"
    diff "$T/expect" "$T/got" | grep '^[<>]' | sed 's/^/    # /'
fi
[ -L "$P/lib/libmemintro.so" ] && [ "$(readlink "$P/lib/libmemintro.so")" = "libmemintro.so.$abi" ] &&
    pass "lib/libmemintro.so is a symlink to libmemintro.so.$abi" || fail "lib/libmemintro.so is not a symlink to libmemintro.so.$abi"
"$P/bin/memintro" --version >"$T/v" 2>&1 && pass "the installed CLI runs ($(head -1 "$T/v"))" || fail "the installed CLI does not run"

# ---- pkg-config and a program outside the tree ----
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
[ "$(pkg-config --modversion memintro 2>/dev/null)" = "$major.$minor" ] && pass "pkg-config --modversion memintro is $major.$minor" ||
    fail "pkg-config --modversion memintro: '$(pkg-config --modversion memintro 2>&1)'"
flags=$(pkg-config --cflags --libs memintro)
case "$flags" in *"-I$P/include"*"-L$P/lib"*"-lmemintro"*) pass "pkg-config --cflags --libs: $flags" ;;
    *) fail "pkg-config --cflags --libs: '$flags'" ;; esac
head -c 1048576 /dev/urandom >"$T/img.raw"
mkdir "$T/app"
cat >"$T/app/prog.c" <<'EOF'
/* opens a target and its OS layer (the two calls), reads 32 bytes of guest-physical memory
   through libmemintro and prints them in hex, then the layer found */
#include <stdio.h>
#include <stdlib.h>
#include "memintro_os.h"
int main(int argc, char **argv)
{
    memintro_target t;
    memintro_os os;
    unsigned char b[32];
    unsigned long long a;
    size_t i;
    if (argc != 3) return 2;
    a = strtoull(argv[2], NULL, 0);
    if (memintro_target_open(&t, argv[1], NULL) != MEMINTRO_OK) {
        fprintf(stderr, "%s\n", memintro_target_error(&t));
        return 1;
    }
    if (memintro_os_open(&os, &t, "auto", NULL) != MEMINTRO_OK) {
        fprintf(stderr, "%s\n", memintro_os_error(&os));
        return 1;
    }
    if (memintro_phys_read1(t.phys, a, b, sizeof b) != MEMINTRO_OK) return 1;
    for (i = 0; i < sizeof b; i++) printf("%02x", b[i]);
    printf("\n%s\n%s\n", memintro_status_str(MEMINTRO_E_HOLE), os.layer->name);
    memintro_os_close(&os);
    memintro_target_close(&t);
    return 0;
}
EOF
off=$((12345 * 64))
want=$(od -An -tx1 -v -j "$off" -N 32 "$T/img.raw" | tr -d ' \n')
want_hole="guest-physical address is not backed by memory"
runprog() { # LABEL EXE
    if out=$("$2" "raw:$T/img.raw" "$off" 2>&1) && [ "$(echo "$out" | head -1)" = "$want" ] &&
        [ "$(echo "$out" | sed -n 2p)" = "$want_hole" ] && [ "$(echo "$out" | sed -n 3p)" = none ]; then
        pass "$1 opens the image and OS layer none (random bytes: no OS), reads the image's bytes at $off"
    else
        fail "$1: '$out', expected $want"
    fi
}
cd "$T/app" || exit 1
if cc -std=c99 -Wall -Wextra -Wpedantic -Werror -o prog prog.c $flags -Wl,-rpath,"$P/lib" 2>"$T/cc.err"; then
    pass "cc prog.c \$(pkg-config --cflags --libs memintro) builds outside the tree"
    ldd ./prog | grep -q "libmemintro.so.$abi => $P/lib/libmemintro.so.$abi" &&
        pass "the program loads the installed libmemintro.so.$abi" || { fail "the program does not load $P/lib's library"; ldd ./prog | sed 's/^/    # /'; }
    runprog "the program" ./prog
else
    fail "cc with pkg-config's flags failed"
    show "$T/cc.err"
fi
if c++ -Wall -Wextra -Werror -x c++ -o prog-cxx prog.c $flags -Wl,-rpath,"$P/lib" 2>"$T/cxx.err"; then
    runprog "the same program built as C++" ./prog-cxx
else
    fail "c++ with pkg-config's flags failed"
    show "$T/cxx.err"
fi
if cc -std=c99 -Wall -Werror -o prog-static prog.c $(pkg-config --cflags memintro) "$P/lib/libmemintro.a" 2>"$T/cc.err"; then
    if ldd ./prog-static | grep -q libmemintro; then fail "the program linked with libmemintro.a still needs the shared library"
    else runprog "the program linked with libmemintro.a" ./prog-static; fi
else
    fail "cc with libmemintro.a failed"
    show "$T/cc.err"
fi
cd - >/dev/null || exit 1

# ---- Python: installed prefix, build tree, MEMINTRO_LIBRARY ----
pycheck='import memintro, sys
t = memintro.open(sys.argv[1], os=None)
print(memintro.library_path)
print(t.read(int(sys.argv[2]), 32).hex())
t.close()'
out=$(cd "$T" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$P/$pyd" "$PY" -c "$pycheck" "raw:$T/img.raw" "$off" 2>&1)
if [ "$(echo "$out" | head -1)" = "$P/lib/libmemintro.so.$abi" ] && [ "$(echo "$out" | sed -n 2p)" = "$want" ]; then
    pass "import memintro from the installed prefix (PYTHONPATH) loads $P/lib's library and reads the image"
else
    fail "import memintro from the prefix: $out"
fi
out=$(cd "$T" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$OLDPWD/python" "$PY" -c "$pycheck" "raw:$T/img.raw" "$off" 2>&1)
if [ "$(echo "$out" | head -1)" = "$(pwd)/$so" ] && [ "$(echo "$out" | sed -n 2p)" = "$want" ]; then
    pass "import memintro from the build tree (python/) loads build/lib's library and reads the image"
else
    fail "import memintro from the build tree: $out"
fi
out=$(cd "$T" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$OLDPWD/python" MEMINTRO_LIBRARY="$P/lib/libmemintro.so.$abi" \
    "$PY" -c "$pycheck" "raw:$T/img.raw" "$off" 2>&1)
[ "$(echo "$out" | head -1)" = "$P/lib/libmemintro.so.$abi" ] && pass "MEMINTRO_LIBRARY overrides the build tree's library" ||
    fail "MEMINTRO_LIBRARY: $out"
out=$(cd "$T" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$P/$pyd" MEMINTRO_LIBRARY="$T/nowhere.so" "$PY" -c 'import memintro' 2>&1)
case "$out" in *ImportError*"MEMINTRO_LIBRARY=$T/nowhere.so"*) pass "a MEMINTRO_LIBRARY that cannot be loaded is an ImportError naming it" ;;
    *) fail "MEMINTRO_LIBRARY=nowhere: '$out'" ;; esac

# ---- the manual page ----
man1=$P/share/man/man1/memintro.1
if MANWIDTH=100 man -l "$man1" >"$T/man.txt" 2>"$T/man.err" && [ -s "$T/man.txt" ] && [ ! -s "$T/man.err" ]; then
    pass "man -l renders memintro(1) ($(wc -l <"$T/man.txt") lines)"
else
    fail "man -l memintro.1 failed or complained"
    show "$T/man.err"
fi
LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man1" >"$T/groff.err" 2>&1
[ ! -s "$T/groff.err" ] && pass "groff -man -ww: no warning" || { fail "groff -man -ww warns"; show "$T/groff.err"; }
for s in NAME SYNOPSIS DESCRIPTION TARGETS OPTIONS COMMANDS "EXIT STATUS" EXAMPLES; do
    grep -q "^$s" "$T/man.txt" || fail "memintro(1) has no $s section"
done
# every command (an indented word at the start of a line under "Commands") and every --option
# of the usage text is in the page
build/memintro --help >"$T/usage" 2>&1
sed -n '/^Commands/,$p' "$T/usage" | sed -n 's/^  \([a-z][a-z0-9_-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u >"$T/cmds"
grep -o -- '--[a-z][a-z0-9-]*' "$T/usage" | sort -u >"$T/opts"
miss=""
for w in $(cat "$T/cmds"); do grep -q "^ *$w\( \|$\)" "$T/man.txt" || miss="$miss $w"; done
for w in $(cat "$T/opts"); do grep -q -- "$w" "$T/man.txt" || miss="$miss $w"; done
if [ "$(wc -l <"$T/cmds")" -lt 8 ]; then
    fail "fewer than 8 commands found in memintro --help"
elif [ -z "$miss" ]; then
    pass "memintro(1) has each of the $(wc -l <"$T/cmds") commands and $(wc -l <"$T/opts") long options of memintro --help"
else
    fail "memintro(1) lacks:$miss"
fi
for c in 0 1 2; do grep -q "^ *$c *\$\|^ *$c  " "$T/man.txt" || fail "memintro(1) lacks exit status $c"; done

# ---- uninstall ----
if $M uninstall PREFIX="$P" >"$T/un.out" 2>&1; then
    left=$(find "$P" ! -type d | sed "s|^$P/||")
    [ -z "$left" ] && pass "make uninstall removed every installed file" || fail "make uninstall left:$(echo $left)"
    [ ! -d "$P/$pyd/memintro" ] && pass "make uninstall removed the module's folder" || fail "make uninstall left $pyd/memintro/"
else
    fail "make uninstall failed"
    show "$T/un.out"
fi

# ---- staging with DESTDIR ----
D=$T/stage
if $M install DESTDIR="$D" PREFIX=/usr >"$T/install2.out" 2>&1; then
    grep -q '^prefix=/usr$' "$D/usr/lib/pkgconfig/memintro.pc" && ! grep -q "$D" "$D/usr/lib/pkgconfig/memintro.pc" &&
        grep -q '^LIBDIR = "/usr/lib"$' "$D/usr/$pyd/memintro/_install.py" &&
        pass "DESTDIR staging: files under DESTDIR/usr record /usr" || fail "DESTDIR leaked into the installed files"
    n=$(find "$D" ! -type d | wc -l)
    [ "$n" = "$(wc -l <"$T/expect")" ] && pass "DESTDIR staging installs the same $n files" || fail "DESTDIR staging installed $n files"
    $M uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
    [ -z "$(find "$D" ! -type d)" ] && pass "make uninstall DESTDIR= removes them" || fail "make uninstall DESTDIR= left files"
else
    fail "make install DESTDIR=... PREFIX=/usr failed"
    show "$T/install2.out"
fi
exit $rc
