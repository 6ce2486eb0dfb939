#!/bin/sh
# tests/t_freestanding.sh: memintro.h's freestanding contract (run from the repo root);
# the OS layers' too (memintro_win32.h and memintro_linux.h include only memintro.h; each
# implementation, with memintro.h's, in tests/freestanding/fs_win32.c / fs_linux.c, passes the
# same `nm -u` check).
#   - the header includes nothing but <stddef.h> and <stdint.h>;
#   - the implementation compiled with -ffreestanding -fno-builtin (gcc and clang, -O0,
#     -O2, -Os, and 32-bit x86 when the compiler can target it) leaves no undefined
#     symbol but memcpy, memset, memmove and memcmp (`nm -u`);
#   - linked with -nostdlib -static into tests/freestanding/fs_main.c (its own _start and
#     those four functions), the program runs a translation and exits 0.
out=build/freestanding
mkdir -p "$out"
WARN="-Wall -Wextra -Wpedantic -Werror"
FS="-ffreestanding -fno-builtin -nostdlib -fno-stack-protector"
allowed="memcpy memmove memcmp memset"

incs=$(grep -E '^#[[:space:]]*include' memintro.h | sed 's/[[:space:]]//g' | sort -u | tr '\n' ' ')
if [ "$incs" = "#include<stddef.h> #include<stdint.h> " ]; then
    echo "ok - freestanding: memintro.h includes only <stddef.h> and <stdint.h>"
else
    echo "not ok - freestanding: memintro.h includes: $incs"
fi

OS_LAYERS="win32 linux"
for layer in $OS_LAYERS; do
    incs=$(grep -E '^#[[:space:]]*include' memintro_$layer.h | sed 's/[[:space:]]//g' | sort -u | tr '\n' ' ')
    if [ "$incs" = '#include"memintro.h" ' ]; then
        echo "ok - freestanding: memintro_$layer.h includes only memintro.h"
    else
        echo "not ok - freestanding: memintro_$layer.h includes: $incs"
    fi
done

# nm -u OBJECT NAME: every undefined symbol must be one of the allowed four
nm_check() {
    obj=$1
    name=$2
    if ! command -v nm >/dev/null 2>&1; then
        echo "not ok - freestanding: nm not installed (binutils)"
        return
    fi
    und=$(nm -u "$obj" | awk '{print $NF}' | sort -u | tr '\n' ' ')
    bad=""
    for s in $und; do
        case " $allowed " in *" $s "*) ;; *) bad="$bad $s" ;; esac
    done
    if [ -z "$bad" ]; then
        echo "ok - freestanding: $name: undefined symbols only [${und% }]"
    else
        echo "not ok - freestanding: $name: undefined symbols outside memcpy/memset/memmove/memcmp:$bad"
    fi
}

for cc in gcc clang; do
    if ! command -v $cc >/dev/null 2>&1; then
        echo "not ok - freestanding: $cc not installed"
        continue
    fi
    for opt in -O0 -O2 -Os; do
        obj="$out/impl-$cc$opt.o"
        if $cc -std=c99 $WARN $FS $opt -I. -c -o "$obj" tests/freestanding/fs_impl.c >"$obj.log" 2>&1; then
            nm_check "$obj" "$cc $opt"
        else
            echo "not ok - freestanding: $cc $opt does not compile the implementation freestanding"
            sed 's/^/    # /' "$obj.log" | head -20
        fi
    done
    for layer in $OS_LAYERS; do
        for opt in -O0 -O2; do
            obj="$out/$layer-$cc$opt.o"
            if $cc -std=c99 $WARN $FS $opt -I. -c -o "$obj" tests/freestanding/fs_$layer.c >"$obj.log" 2>&1; then
                nm_check "$obj" "memintro_$layer.h $cc $opt"
            else
                echo "not ok - freestanding: $cc $opt does not compile memintro_$layer.h's implementation freestanding"
                sed 's/^/    # /' "$obj.log" | head -20
            fi
        done
    done
    # 32-bit x86: 64-bit arithmetic must not need libgcc helpers (__udivdi3 and friends)
    case "$(uname -m)" in
    x86_64 | i?86)
        obj="$out/impl-$cc-m32.o"
        if $cc -m32 -fno-pic -std=c99 $WARN $FS -O2 -I. -c -o "$obj" tests/freestanding/fs_impl.c >"$obj.log" 2>&1; then
            nm_check "$obj" "$cc -m32 -O2"
        else
            echo "skip - freestanding: $cc cannot compile for 32-bit x86 here"
        fi
        ;;
    esac
    # the static program
    prog="$out/fs-$cc"
    case "$(uname -m)" in
    x86_64 | aarch64)
        if $cc -std=c99 $WARN $FS -O2 -I. -c -o "$out/main-$cc.o" tests/freestanding/fs_main.c >"$prog.log" 2>&1 &&
            $cc $FS -static -o "$prog" "$out/main-$cc.o" "$out/impl-$cc-O2.o" >>"$prog.log" 2>&1; then
            "$prog"
            rc=$?
            if [ "$rc" = 0 ]; then
                echo "ok - freestanding: $cc static program with its own _start translates and reads (exit 0)"
            else
                echo "not ok - freestanding: $cc static program failed check $rc"
            fi
            left=$(nm -u "$prog" 2>/dev/null | wc -l)
            if [ "$left" = 0 ]; then
                echo "ok - freestanding: $cc static program has no undefined symbols"
            else
                echo "not ok - freestanding: $cc static program has undefined symbols: $(nm -u "$prog" | tr '\n' ' ')"
            fi
        else
            echo "not ok - freestanding: $cc could not build the static program"
            sed 's/^/    # /' "$prog.log" | head -20
        fi
        ;;
    *)
        echo "skip - freestanding: no _start for $(uname -m)"
        ;;
    esac
done
