#!/bin/sh
# tests/t_win32_pe.sh: runs the PE reader's libFuzzer harness (fuzz/fuzz_pe.c, built into
# build/fuzz/fuzz_pe by mk/win32_pe.mk under AddressSanitizer + UndefinedBehaviorSanitizer)
# for FUZZ_SECONDS seconds (default 8) on a seed corpus of real PE files: small wine DLLs
# (x86_64-windows, PE32+; they are forwarder-heavy and tiny) and wine's i386 zlib1.dll (PE32).
# A crash, leak, timeout or a string without its NUL fails the check and leaves the input in
# build/fuzz/crash-pe-*. One "ok -"/"not ok -" line.
B=build
secs=${FUZZ_SECONDS:-8}
f=$B/fuzz/fuzz_pe
W=/usr/lib/x86_64-linux-gnu/wine
if [ ! -x "$f" ]; then
    echo "not ok - fuzz pe: $f is not built (make $f)"
    exit 0
fi
corpus=$B/fuzz/run-pe-$$
rm -rf "$corpus"
mkdir -p "$corpus"
n=0
for s in $W/x86_64-windows/wmi.dll $W/x86_64-windows/sfc.dll $W/x86_64-windows/normaliz.dll \
         $W/x86_64-windows/security.dll $W/x86_64-windows/psapi.dll $W/i386-windows/zlib1.dll; do
    if [ -f "$s" ]; then cp "$s" "$corpus/seed-$(basename "$s")"; n=$((n + 1)); fi
done
if [ "$n" = 0 ]; then
    echo "not ok - fuzz pe: no seed PE files under $W (make test-deps: libwine)"
    rm -rf "$corpus"
    exit 0
fi
log=$B/fuzz/pe.log
"$f" -max_total_time="$secs" -max_len=131072 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/fuzz/crash-pe-" "$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
if [ "$rc" = 0 ] && [ -n "$runs" ]; then
    echo "ok - fuzz pe: $runs inputs in ${secs} s under ASan+UBSan from $n real PE seeds, no crash, leak or unterminated string"
else
    echo "not ok - fuzz pe: exit status $rc; see $log"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -5 | sed 's/^/    # /'
fi
rm -rf "$corpus"
