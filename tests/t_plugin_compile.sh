#!/bin/sh
# tests/t_plugin_compile.sh: memintro_plugin.h compiles cleanly as C99 and as C++ (gcc,
# clang; -Wall -Wextra -Wpedantic -Werror) and links: tests/test_plugin.c (it calls every
# public function, so a missing implementation fails to link), the same with
# MEMINTRO_STATIC, and for AArch64 with the cross compiler (the machine it then requires is
# EM_AARCH64: the program's ELF check is run under no emulator, only its object is
# inspected). A plugin written in C++ (examples/plugins/file.c compiled as C++) exports
# `memintro_plugin` unmangled and loads. One ok/not ok line per build.
cd "$(dirname "$0")/.." || exit 1
out=build/compile-plugin
mkdir -p "$out" "$out/cxx-plugins"
W0="-Wall -Wextra -Wpedantic -Werror -I. -I$out"
awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_plugin.h >"$out/plugin_example.inc"
n=0
build() { # NAME COMMAND...
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$out/$n.log" 2>&1; then echo "ok - plugin compile: $name"; else
        echo "not ok - plugin compile: $name"
        sed 's/^/    # /' "$out/$n.log" | head -20
    fi
}
for cc in gcc clang; do
    command -v $cc >/dev/null || { echo "not ok - plugin compile: $cc missing"; continue; }
    W="$W0 -O2"
    [ $cc = clang ] && W="$W0 -O0"
    build "$cc -std=c99 tests/test_plugin.c" $cc -std=c99 $W -o "$out/test-$cc" tests/test_plugin.c
    build "$cc -std=c99 -DMEMINTRO_STATIC tests/test_plugin.c" \
        $cc -std=c99 $W -DMEMINTRO_STATIC -o "$out/test-static-$cc" tests/test_plugin.c
    build "$cc -std=c99 examples/plugins/toyos.c as a plugin" \
        $cc -std=c99 $W -shared -fPIC -fvisibility=hidden -o "$out/toyos-$cc.so" examples/plugins/toyos.c
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null || { echo "not ok - plugin compile: $cxx missing"; continue; }
    W="$W0 -O2"
    [ $cxx = clang++ ] && W="$W0 -O0"
    std=c++11
    [ $cxx = clang++ ] && std=c++17
    build "$cxx -std=$std tests/test_plugin.c" $cxx -x c++ -std=$std $W -o "$out/test-$cxx" tests/test_plugin.c
    build "$cxx -std=$std examples/plugins/file.c as a plugin" \
        $cxx -x c++ -std=$std $W -shared -fPIC -fvisibility=hidden -o "$out/cxx-plugins/file-$cxx.so" examples/plugins/file.c
done
if command -v aarch64-linux-gnu-gcc >/dev/null; then
    build "aarch64-linux-gnu-gcc -std=c99 -c tests/test_plugin.c" \
        aarch64-linux-gnu-gcc -std=c99 $W0 -O2 -c -o "$out/test-aarch64.o" tests/test_plugin.c
else
    echo "not ok - plugin compile: aarch64-linux-gnu-gcc missing (make test-deps installs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross)"
fi
# the C++ plugin: its descriptor is exported under its C name, and the loader takes it
for so in "$out"/cxx-plugins/*.so; do
    [ -f "$so" ] || continue
    defs=$(readelf --dyn-syms -W "$so" | awk '$7 != "UND" && $8 ~ /memintro/ { print $8 }' | tr '\n' ' ')
    if [ "$defs" = "memintro_plugin " ]; then echo "ok - plugin compile: $(basename "$so") exports memintro_plugin only"; else
        echo "not ok - plugin compile: $(basename "$so") exports '$defs'"
    fi
done
if [ -x build/memintro ] && [ -f "$out/cxx-plugins/file-g++.so" ]; then
    rm -f "$out/cxx-plugins/file-clang++.so" # one "file" connector is enough
    l=$(MEMINTRO_PLUGIN_PATH=$out/cxx-plugins HOME=/nonexistent build/memintro plugins 2>&1 | grep "file-g++.so")
    case "$l" in
    *": loaded: connector \"file\""*) echo "ok - plugin compile: the C++ plugin loads ($l)" ;;
    *) echo "not ok - plugin compile: the C++ plugin: '$l'" ;;
    esac
else
    echo "not ok - plugin compile: build/memintro or the g++ plugin is missing"
fi
# an object built for AArch64 requires AArch64 plugins: the machine constant is in it
if [ -f "$out/test-aarch64.o" ]; then
    if aarch64-linux-gnu-objdump -d "$out/test-aarch64.o" 2>/dev/null | grep -q '#0xb7'; then
        echo "ok - plugin compile: the AArch64 object compares e_machine with 183 (0xb7)"
    else
        echo "not ok - plugin compile: no comparison with 183 (0xb7) in the AArch64 object"
    fi
fi
