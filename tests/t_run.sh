#!/bin/sh
# tests/t_run.sh: tests/run.sh counts right. Synthetic: small scripts and programs made here
# (a passing check, a failing one, a skipped one, a script that prints no check, one that
# exits non-zero after passing, a program that was never built, a failed build); the
# expected summary lines are written out by hand below.
cd "$(dirname "$0")/.." || exit 1
unset MEMINTRO_BUILD_FAILED # make test sets it for the outer run.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/memintro-run.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass() { echo "ok - run.sh: $*"; }
fail() { echo "not ok - run.sh: $*"; }
printf 'echo "ok - one"\necho "ok - two"\n' >"$T/t_pass.sh"
printf 'echo "ok - one"\necho "not ok - two"\n' >"$T/t_fail.sh"
printf 'echo "skip - one: why"\n' >"$T/t_skip.sh"
printf 'echo "nothing checked"\n' >"$T/t_none.sh"
printf 'echo "ok - one"\nexit 3\n' >"$T/t_exit.sh"
summary() { sh tests/run.sh "$@" 2>&1 | tail -1; }
got=$(summary "$T/t_pass.sh")
[ "$got" = "2 passed, 0 failed" ] && pass "two passing checks: '$got'" || fail "two passing checks: '$got'"
got=$(summary "$T/t_pass.sh" "$T/t_fail.sh" "$T/t_skip.sh")
[ "$got" = "3 passed, 1 failed, 1 skipped" ] && pass "a failing and a skipped check: '$got'" || fail "a failing and a skipped check: '$got'"
got=$(summary "$T/t_none.sh")
[ "$got" = "0 passed, 1 failed" ] && pass "a script that checks nothing fails: '$got'" || fail "a script that checks nothing: '$got'"
got=$(summary "$T/t_exit.sh")
[ "$got" = "1 passed, 1 failed" ] && pass "a non-zero exit without not ok fails: '$got'" || fail "a non-zero exit: '$got'"
got=$(summary "$T/test_never_built")
[ "$got" = "0 passed, 1 failed" ] && pass "a test program that was not built fails: '$got'" || fail "a program not built: '$got'"
got=$(MEMINTRO_BUILD_FAILED=1 sh tests/run.sh "$T/t_pass.sh" 2>&1 | tail -1)
[ "$got" = "2 passed, 1 failed" ] && pass "a failed build counts as a failure: '$got'" || fail "a failed build: '$got'"
# the two lanes (scripts that boot QEMU one after another, the rest beside them) count the same
printf '# boots tests/guest/boot.sh (a "vm" script for the lanes)\necho "ok - vm one"\necho "not ok - vm two"\n' >"$T/t_vm.sh"
for j in 1 2 3; do
    got=$(MEMINTRO_TEST_JOBS=$j summary "$T/t_vm.sh" "$T/t_pass.sh" "$T/t_fail.sh" "$T/t_skip.sh" "$T/t_exit.sh" "$T/test_never_built")
    [ "$got" = "5 passed, 4 failed, 1 skipped" ] && pass "MEMINTRO_TEST_JOBS=$j: '$got'" || fail "MEMINTRO_TEST_JOBS=$j: '$got'"
done
sh tests/run.sh "$T/t_pass.sh" >/dev/null 2>&1 && pass "exit status 0 when all pass" || fail "exit status when all pass"
sh tests/run.sh "$T/t_fail.sh" >/dev/null 2>&1 && fail "exit status 0 with a failure" || pass "exit status non-zero with a failure"
