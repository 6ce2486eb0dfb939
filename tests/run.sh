#!/bin/sh
# tests/run.sh: runs every test program and script, counts their checks, and ends with
# one line "N passed, N failed[, N skipped]".
#   A test prints "ok - NAME", "not ok - NAME" or "skip - NAME: why" per check.
#   A test that exits non-zero without printing "not ok" counts as one failure; a test
#   that prints no check at all counts as one failure too (it tested nothing).
# Usage: tests/run.sh [PROGRAM-OR-SCRIPT...]  (default: every tests/test_*.c's two builds and tests/t_*.sh)
#   The default list is what should exist: build/tests/NAME and build/tests-san/NAME for
#   every tests/NAME.c, so a test program that did not build is a failure, not a gap.
#   MEMINTRO_BUILD_FAILED=1 (set by `make test` when `make -k` failed) counts one failure.
cd "$(dirname "$0")/.." || exit 1
list="$*"
if [ -z "$list" ]; then
    for c in tests/test_*.c; do
        n=$(basename "$c" .c)
        list="$list build/tests/$n build/tests-san/$n"
    done
    list="$list $(ls tests/t_*.sh 2>/dev/null)"
fi
passed=0 failed=0 skipped=0
log=build/test-logs
mkdir -p "$log"
if [ "${MEMINTRO_BUILD_FAILED:-0}" = 1 ]; then
    failed=1
    echo "FAIL build: some programs did not build (see the make output above)"
fi
for t in $list; do
    case "$t" in
        *.sh) ;;
        *) if [ ! -x "$t" ]; then
               failed=$((failed + 1))
               echo "FAIL $t (not built)"
               continue
           fi ;;
    esac
    name=$(echo "$t" | tr '/' '_')
    start=$(date +%s)
    case "$t" in
        *.sh) sh "$t" >"$log/$name.out" 2>&1 ;;
        *) "$t" >"$log/$name.out" 2>&1 ;;
    esac
    rc=$?
    p=$(grep -c '^ok ' "$log/$name.out")
    f=$(grep -c '^not ok ' "$log/$name.out")
    s=$(grep -c '^skip ' "$log/$name.out")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $t exited with status $rc" >>"$log/$name.out"; fi
    if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then f=1; echo "not ok - $t ran no check" >>"$log/$name.out"; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    secs=$(( $(date +%s) - start ))
    if [ "$f" != 0 ]; then
        echo "FAIL $t ($p passed, $f failed, ${secs}s)"
        grep -E '^(not ok|skip) ' "$log/$name.out" | head -20 | sed 's/^/    /'
        tail -5 "$log/$name.out" | sed 's/^/    | /'
    else
        echo "PASS $t ($p passed${s:+, $s skipped}, ${secs}s)" | sed 's/, 0 skipped//'
    fi
done
if [ "$skipped" != 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
