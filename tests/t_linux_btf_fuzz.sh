#!/bin/sh
# tests/t_linux_btf_fuzz.sh: runs build/fuzz/fuzz_btf (fuzz/fuzz_btf.c, libFuzzer, ASan+UBSan)
# for FUZZ_SECONDS seconds (default 4) from an empty scratch corpus (the harness writes a
# valid header around most inputs itself). A crash, leak or timeout fails the check and
# leaves the input in build/fuzz/crash-btf-*.
B=build
secs=${FUZZ_SECONDS:-4}
f=$B/fuzz/fuzz_btf
if [ ! -x "$f" ]; then
    echo "not ok - fuzz btf: $f is not built (make $f)"
    exit 1
fi
corpus=$B/fuzz/run-btf-$$
rm -rf "$corpus"
mkdir -p "$corpus"
log=$B/fuzz/btf.log
"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/fuzz/crash-btf-" "$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
rm -rf "$corpus"
if [ "$rc" = 0 ] && [ -n "$runs" ]; then
    echo "ok - fuzz btf: $runs inputs in ${secs} s under ASan+UBSan, no crash or leak"
else
    echo "not ok - fuzz btf: exit status $rc; see $log"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -5 | sed 's/^/    # /'
    exit 1
fi
