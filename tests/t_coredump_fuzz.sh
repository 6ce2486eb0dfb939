#!/bin/sh
# tests/t_coredump_fuzz.sh: runs each libFuzzer harness of memintro_coredump.h (fuzz/, built
# into build/fuzz/ by mk/coredump.mk under AddressSanitizer + UndefinedBehaviorSanitizer) for
# FUZZ_SECONDS seconds (default 4) on its seed corpus (build/fuzz/seeds, written by
# build/mkdump). Inside `make test` the corpus is a scratch copy; `make fuzz` sets
# FUZZ_KEEP=1 and FUZZ_SECONDS=300 and keeps each corpus in build/fuzz/corpus/NAME.
# A crash, leak, timeout or rejection without a message fails the check and leaves the
# input in build/fuzz/crash-NAME-*. One "ok -"/"not ok -" line per harness.
B=build
secs=${FUZZ_SECONDS:-4}
for n in elf kdump windows lime detect; do
    f=$B/fuzz/fuzz_$n
    if [ ! -x "$f" ] || [ ! -f $B/fuzz/seeds/.stamp ]; then
        echo "not ok - fuzz $n: $f or the seeds are not built (make $f $B/fuzz/seeds/.stamp)"
        continue
    fi
    if [ -n "$FUZZ_KEEP" ]; then corpus=$B/fuzz/corpus/$n; else corpus=$B/fuzz/run-$n-$$; rm -rf "$corpus"; fi
    mkdir -p "$corpus"
    case $n in
        elf) pat='elf*' ;;
        kdump) pat='kdump*' ;;
        windows) pat='win*' ;;
        lime) pat='lime*' ;;
        *) pat='*' ;;
    esac
    for s in $B/fuzz/seeds/$pat; do cp "$s" "$corpus/seed-$(basename "$s")"; done
    log=$B/fuzz/$n.log
    "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$B/fuzz/crash-$n-" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
    files=$(ls "$corpus" | wc -l)
    if [ "$rc" = 0 ] && [ -n "$runs" ]; then
        echo "ok - fuzz $n: $runs inputs in ${secs} s under ASan+UBSan, no crash, leak or silent rejection (corpus $files files)"
    else
        echo "not ok - fuzz $n: exit status $rc; see $log"
        grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -5 | sed 's/^/    # /'
    fi
    [ -n "$FUZZ_KEEP" ] || rm -rf "$corpus"
done
