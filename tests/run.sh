#!/bin/sh
# tests/run.sh: runs every test program and script, counts their checks, and ends with
# one line "N passed, N failed[, N skipped]".
#   A test prints "ok - NAME", "not ok - NAME" or "skip - NAME: why" per check.
#   A test that exits non-zero without printing "not ok" counts as one failure; a test
#   that prints no check at all counts as one failure too (it tested nothing).
# Usage: tests/run.sh [PROGRAM-OR-SCRIPT...]  (default: build/tests*/test_* and tests/t_*.sh)
cd "$(dirname "$0")/.." || exit 1
list="$*"
[ -n "$list" ] || list="$(ls build/tests/test_* build/tests-san/test_* tests/t_*.sh 2>/dev/null)"
passed=0 failed=0 skipped=0
log=build/test-logs
mkdir -p "$log"
for t in $list; do
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
