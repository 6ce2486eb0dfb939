#!/bin/sh
# tests/t_docs.sh: every C example in the documentation compiles, as C99 (gcc) and as C++
# (g++), with -Wall -Wextra -Wpedantic -Werror.
#
# Examples checked:
#   - every ```c block of README.md;
#   - the EXAMPLE block of each header's manual (memintro*.h: the lines indented by seven
#     spaces after "   EXAMPLE", up to the next line of the manual).
# A block is compiled as it stands when it defines main() or another function (a "{" in the
# first column); otherwise it is a fragment and is
# wrapped: its preprocessor lines (#define, #include) go first, then <stdio.h>, <stdlib.h>,
# <string.h>, <stdint.h> and, for a header's EXAMPLE, that header; its other lines become
# the body of a function, after file-scope variables for the names fragments use without
# declaring them (image, image_size, cr3, buf, path, spec). A fragment's variables are left for
# the reader to use, so fragments are compiled with -Wno-unused; nothing else is relaxed.
# Compile only (-c): linking is the compile tests' job.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
WARN="-Wall -Wextra -Wpedantic -Werror"
pass() { echo "ok - docs: $*"; }
fail() { echo "not ok - docs: $*"; }

missing=""
for c in gcc g++; do command -v $c >/dev/null 2>&1 || missing="$missing $c"; done
if [ -n "$missing" ]; then
    fail "compilers missing:$missing"
    exit 1
fi

# extract: T/blocks/NAME.c (the block) and T/blocks/NAME.where (file, first line, header)
mkdir -p "$T/blocks"
awk -v dir="$T/blocks" '
    /^```c[ \t]*$/ { n++; f = dir "/readme" n ".c"; printf "README.md %d\n", NR + 1 > (dir "/readme" n ".where"); inb = 1; next }
    inb && /^```/ { inb = 0; close(f); next }
    inb { print > f }
' README.md
for h in memintro*.h; do
    base=$(basename "$h" .h)
    awk -v f="$T/blocks/$base.c" -v w="$T/blocks/$base.where" -v h="$h" '
        /^   EXAMPLE/ { ex = 1; printf "%s %d %s\n", h, NR + 1, h > w; next }
        ex && $0 != "" && substr($0, 1, 7) != "       " { exit }
        ex { print substr($0, 8) > f }
    ' "$h"
done

count=0
for src in "$T"/blocks/*.c; do
    [ -s "$src" ] || continue
    name=$(basename "$src" .c)
    set -- $(cat "$T/blocks/$name.where")
    file=$1 line=$2 header=${3:-}
    where=$file:$line
    count=$((count + 1))
    tu=$T/$name.tu
    extra=
    if grep -q '\bmain *(' "$src" || grep -q '^{' "$src"; then
        cp "$src" "$tu"
    else
        extra=-Wno-unused
        {
            printf '#line %d "%s"\n' "$line" "$file"
            grep '^[ \t]*#' "$src"
            printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\n'
            [ -n "$header" ] && printf '#include "%s"\n' "$header"
            printf 'static unsigned char *image, *buf;\nstatic size_t image_size;\nstatic uint64_t cr3;\n'
            printf 'static const char *path, *spec;\n'
            printf 'int memintro_doc_example(void);\nint memintro_doc_example(void)\n{\n'
            # line numbers of the documentation in messages (preprocessor lines become blank)
            printf '#line %d "%s"\n' "$line" "$file"
            sed 's/^[ \t]*#.*//' "$src"
            printf '    return 0;\n}\n'
        } >"$tu"
    fi
    for lang in c c++; do
        if [ $lang = c ]; then cc="gcc -std=c99"; else cc="g++ -std=c++11"; fi
        if $cc $WARN $extra -I. -x $lang -c -o "$T/$name.o" "$tu" >"$T/$name.$lang.err" 2>&1; then
            pass "$where example compiles as $lang ($cc)"
        else
            fail "$where example does not compile as $lang ($cc)"
            grep -E 'error|warning' "$T/$name.$lang.err" | head -4 | sed 's/^/#   /'
        fi
    done
done
if [ "$count" -lt 4 ]; then
    fail "only $count examples found (README.md's \`\`\`c blocks and the headers' EXAMPLE blocks)"
fi
