#!/bin/sh
# tests/run.sh: runs every test program and script, counts their checks, and ends with
# one line "N passed, N failed[, N skipped]".
#   A test prints "ok - NAME", "not ok - NAME" or "skip - NAME: why" per check.
#   A test that exits non-zero without printing "not ok" counts as one failure; a test
#   that prints no check at all counts as one failure too (it tested nothing).
# Usage: tests/run.sh [PROGRAM-OR-SCRIPT...]  (default: every tests/t_*.sh and every
#   tests/test_*.c's two builds)
#   The default list is what should exist: build/tests/NAME and build/tests-san/NAME for
#   every tests/NAME.c, so a test program that did not build is a failure, not a gap.
#   MEMINTRO_BUILD_FAILED=1 (set by `make test` when `make -k` failed) counts one failure.
# Tests run side by side in two lanes: the scripts that boot QEMU guests one after another
#   (so no two of them see each other's VMs), everything else in MEMINTRO_TEST_JOBS - 1
#   parallel jobs beside them (at least 1). MEMINTRO_TEST_JOBS defaults to the number of
#   CPUs; MEMINTRO_TEST_JOBS=1 runs every test in turn. Each test's output is in
#   build/test-logs/; a PASS/FAIL line is printed as each test ends, the summary at the end.
cd "$(dirname "$0")/.." || exit 1
log=build/test-logs

# sh tests/run.sh --one TEST: runs one test, prints its PASS/FAIL block, and leaves
# "passed failed skipped" in build/test-logs/NAME.res.
if [ "$1" = "--one" ]; then
    t=$2
    name=$(echo "$t" | tr '/' '_')
    out="$log/$name.out"
    case "$t" in
        *.sh) ;;
        *) if [ ! -x "$t" ]; then
               echo "0 1 0" >"$log/$name.res"
               echo "FAIL $t (not built)"
               exit 0
           fi ;;
    esac
    start=$(date +%s)
    case "$t" in
        *.sh) sh "$t" >"$out" 2>&1 ;;
        *) "$t" >"$out" 2>&1 ;;
    esac
    rc=$?
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    s=$(grep -c '^skip ' "$out")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $t exited with status $rc" >>"$out"; fi
    if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then f=1; echo "not ok - $t ran no check" >>"$out"; fi
    echo "$p $f $s" >"$log/$name.res"
    secs=$(($(date +%s) - start))
    if [ "$f" != 0 ]; then
        # one write, so that lines of tests ending at the same time do not interleave
        printf '%s\n%s\n%s\n' "FAIL $t ($p passed, $f failed, ${secs}s)" \
            "$(grep -E '^(not ok|skip) ' "$out" | head -20 | sed 's/^/    /')" \
            "$(tail -5 "$out" | sed 's/^/    | /')"
    else
        echo "PASS $t ($p passed${s:+, $s skipped}, ${secs}s)" | sed 's/, 0 skipped//'
    fi
    exit 0
fi

list="$*"
if [ -z "$list" ]; then
    list=$(ls tests/t_*.sh 2>/dev/null)
    for c in tests/test_*.c; do
        n=$(basename "$c" .c)
        list="$list build/tests/$n build/tests-san/$n"
    done
fi
mkdir -p "$log"
jobs=${MEMINTRO_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
vm="" other=""
for t in $list; do
    rm -f "$log/$(echo "$t" | tr '/' '_').res"
    case "$t" in
        *.sh) if [ "$jobs" -gt 1 ] && grep -q -e 'tests/guest/boot.sh' -e 'qemu-system' -e 't_linux_live.sh' "$t" 2>/dev/null; then
                  vm="$vm $t"
                  continue
              fi ;;
    esac
    other="$other $t"
done
if [ "$jobs" -gt 1 ]; then
    (for t in $vm; do sh "$0" --one "$t"; done) &
    others=$((jobs - 1))
    printf '%s\n' $other | xargs -r -P "$others" -n 1 sh "$0" --one
    wait
else
    for t in $other; do sh "$0" --one "$t"; done
fi

passed=0 failed=0 skipped=0
if [ "${MEMINTRO_BUILD_FAILED:-0}" = 1 ]; then
    failed=1
    echo "FAIL build: some programs did not build (see the make output above)"
fi
for t in $list; do
    res="$log/$(echo "$t" | tr '/' '_').res"
    if [ -f "$res" ]; then
        read -r p f s <"$res"
    else
        p=0 f=1 s=0
        echo "FAIL $t (no result: the runner did not finish it)"
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
