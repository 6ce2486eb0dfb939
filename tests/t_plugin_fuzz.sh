#!/bin/sh
# tests/t_plugin_fuzz.sh: runs the ELF check's libFuzzer harness (fuzz/fuzz_plugin_elf.c,
# built by mk/plugins.mk) for FUZZ_SECONDS (default 10) seconds. Seeds (real data): the
# plugins `make` built and the refused variants (build/plugins/, build/plugins-test/), and a
# text file (synthetic). A crash, a read outside the input, a refusal without a reason or a
# pass without a valid descriptor fails the run. FUZZ_KEEP=1 keeps the corpus in
# build/fuzz/corpus/plugin_elf (make fuzz-plugin).
cd "$(dirname "$0")/.." || exit 1
F=build/fuzz/fuzz_plugin_elf
secs=${FUZZ_SECONDS:-10}
if [ ! -x "$F" ]; then
    echo "not ok - plugin fuzz: $F is not built (make $F)"
    exit 1
fi
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
    C=build/fuzz/corpus/plugin_elf
    mkdir -p "$C"
else
    C=$(mktemp -d)
    trap 'rm -rf "$C"' EXIT INT TERM
fi
S=$(mktemp -d)
trap 'rm -rf "$S"; [ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$C"' EXIT INT TERM
n=0
for f in build/plugins/*.so build/plugins-test/*.so; do
    [ -f "$f" ] || continue
    cp "$f" "$S/"
    n=$((n + 1))
done
echo "not an ELF file" >"$S/text"
if "$F" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=1024 -artifact_prefix="$S/" "$C" "$S" >"$S/log" 2>&1; then
    echo "ok - plugin fuzz: $secs s from $n plugin seeds, no crash ($(grep -o 'Done [0-9]* runs' "$S/log" | tail -1))"
else
    echo "not ok - plugin fuzz: the harness failed"
    grep -v '^#' "$S/log" | tail -30 | sed 's/^/    # /'
    exit 1
fi
