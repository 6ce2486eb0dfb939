#!/bin/sh
# tests/t_target_live.sh: memintro_target.h against a REAL QEMU guest (tests/guest, TCG,
# q35, 512M, 2 vCPUs). Expected values come from QEMU itself over the guest's second QMP
# socket (tests/guest/qmp.sh): info mtree -f, info registers -a, query-status.
# build/tests-san/target_live (tests/target_live.c, ASan+UBSan) is the library's side:
#   qemu:name=VM opens, its ranges equal info mtree -f, its vCPUs equal info registers -a,
#   pause/resume change query-status, write_elf then dump:FILE reads the same bytes and
#   the same registers, an exited VM is an error.
set -u
cd "$(dirname "$0")/.." || exit 1
live=build/tests-san/target_live
. tests/guest/live.sh
live_begin "target live" "$live" mk/target.mk

ok() { echo "ok - target live: $*"; }
nok() { echo "not ok - target live: $*"; }
check() { # DESCRIPTION COMMAND...
    d=$1
    shift
    if "$@" >"$tmp/check.out" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/    # /' "$tmp/check.out" | head -20; fi
}
same() { # DESCRIPTION EXPECTED-FILE GOT-FILE
    if [ -s "$2" ] && diff "$2" "$3" >"$tmp/diff"; then ok "$1 ($(wc -l <"$3") lines)"; else
        nok "$1"
        sed 's/^/    # /' "$tmp/diff" | head -20
    fi
}
run() { timeout 120 "$live" "$@"; }
qmp() { timeout 60 tests/guest/qmp.sh "$@"; }

if ! tests/guest/build.sh >"$tmp/build.log" 2>&1; then
    nok "building the test guest failed"
    sed 's/^/    # /' "$tmp/build.log" | tail -20
    exit 1
fi
if ! tests/guest/boot.sh --dir "$g" --name mi-tg-live --machine q35 --mem 512M --extra "-smp 2" \
    >"$tmp/pid" 2>"$tmp/boot"; then
    nok "the guest did not boot"
    sed 's/^/    # /' "$tmp/boot" | tail -10
    exit 1
fi
pid=$(cat "$tmp/pid")
spec="qemu:name=mi-tg-live,qmp=unix:$g/qmp.sock"
tsock=$g/qmp-test.sock

# ---- open, layout ----
run info "$spec" >"$tmp/info"
check "qemu:name=VM opens a live QEMU target with the QMP layout" \
    sh -c "grep -qx 'KIND qemu' '$tmp/info' && grep -qx 'LAYOUT qmp' '$tmp/info' && grep -qx 'LIVE 1' '$tmp/info'"
check "its pid is QEMU's ($pid)" grep -qx "PID $pid" "$tmp/info"
check "fact name=mi-tg-live" grep -qx "FACT name=mi-tg-live" "$tmp/info"
qmp --hmp "$tsock" 'info mtree -f' >"$tmp/mtree"
# AS "memory"'s ram/rom ranges of info mtree -f, "START-END" (end inclusive)
awk '/^FlatView/ { mem = 0 } /^ AS "memory"/ { mem = 1 }
     mem && /^  [0-9a-f]+-[0-9a-f]+ \(prio/ {
         type = $0; sub(/^[^,]*, /, "", type); sub(/\).*/, "", type)
         if (type ~ /^(nv-)?(ram|rom|romd)$/) print "RANGE " $1 }' "$tmp/mtree" >"$tmp/mtree.expect"
grep '^RANGE ' "$tmp/info" >"$tmp/ranges.got"
same "the target's ranges equal QEMU's info mtree -f" "$tmp/mtree.expect" "$tmp/ranges.got"
expect_bytes=0
while read -r _ r; do
    expect_bytes=$((expect_bytes + 0x${r#*-} - 0x${r%-*} + 1))
done <"$tmp/mtree.expect"
check "the map covers the same $expect_bytes bytes" grep -qx "MAPBYTES $expect_bytes" "$tmp/info"

# ---- pause, registers, ELF core while paused ----
run pause "$spec" >"$tmp/pause"
check "pause: OK" grep -qx OK "$tmp/pause"
qmp "$tsock" '{"execute":"query-status"}' >"$tmp/status1"
check "after pause QEMU's query-status says not running" grep -q '"running": *false' "$tmp/status1"
check "running: 0 while paused" sh -c "run() { timeout 60 '$live' \"\$@\"; }; run running '$spec' | grep -qx 'RUNNING 0'"

qmp --hmp "$tsock" 'info registers -a' >"$tmp/regs"
awk 'function pad(v) { while (length(v) < 16) v = "0" v; return v }
     /^CPU#/ { cpu = substr($0, 5); next }
     { sub(/\r$/, ""); gsub(/ +=/, "=")
       for (i = 1; i <= NF; i++) { n = split($i, kv, "=")
         if (n == 2 && kv[1] ~ /^(RAX|RBX|RCX|RDX|RSI|RDI|RBP|RSP|R[0-9]+|RIP|RFL|CR[0234]|EFER)$/)
             print cpu, kv[1], pad(tolower(kv[2])) } }' "$tmp/regs" | sort >"$tmp/regs.expect"
run cpus "$spec" >"$tmp/cpus"
grep -E '^[0-9]+ ' "$tmp/cpus" | sort >"$tmp/cpus.got"
check "2 vCPUs in info registers -a" sh -c "[ \$(cut -d' ' -f1 '$tmp/regs.expect' | sort -u | wc -l) = 2 ]"
same "the target's vCPU registers equal info registers -a" "$tmp/regs.expect" "$tmp/cpus.got"
cr3=$(sed -n 's/^0 CR3 0*\([0-9a-f]*\)$/\1/p' "$tmp/regs.expect")
root=$(printf '%x' $((0x${cr3:-0} & ~0xfff)))
check "CPU 0's paging: x86-64 rooted at CR3 0x$cr3 without its low bits (0x$root)" \
    grep -Eqx "PAGING (x86_64|la57) $root" "$tmp/cpus"

run elf "$spec" "$tmp/vm.core" >"$tmp/elf"
check "write_elf: an ELF core with both vCPUs and nothing unreadable" grep -Eqx "ELF $expect_bytes 0 2" "$tmp/elf"
run cmp "$spec" "dump:$tmp/vm.core" >"$tmp/cmp"
check "dump:FILE of that core reads the same $expect_bytes bytes as the paused VM" \
    grep -qx "SAME $expect_bytes" "$tmp/cmp"
run cpus "dump:$tmp/vm.core" >"$tmp/core.cpus"
grep -E '^[0-9]+ ' "$tmp/core.cpus" | grep -v ' EFER ' | sort >"$tmp/core.cpus.got"
grep -v ' EFER ' "$tmp/cpus.got" >"$tmp/cpus.noefer"
same "dump:FILE holds the same vCPU registers (EFER aside: QEMU's note has none)" "$tmp/cpus.noefer" "$tmp/core.cpus.got"
run info "dump:$tmp/vm.core" >"$tmp/core.info"
check "dump:FILE's map covers the same bytes" grep -qx "MAPBYTES $expect_bytes" "$tmp/core.info"

run resume "$spec" >"$tmp/resume"
check "resume: OK" grep -qx OK "$tmp/resume"
qmp "$tsock" '{"execute":"query-status"}' >"$tmp/status2"
check "after resume QEMU's query-status says running" grep -q '"running": *true' "$tmp/status2"
check "running: 1 after resume" sh -c "run() { timeout 60 '$live' \"\$@\"; }; run running '$spec' | grep -qx 'RUNNING 1'"

# ---- the layout inferred from the machine type ----
run info "qemu:name=mi-tg-live,map=table" >"$tmp/table"
check "map=table: layout inferred" grep -qx "LAYOUT inferred" "$tmp/table"
end_at_1m() { # FILE: the inclusive end of the RANGE holding guest-physical 1 MiB
    sed -n 's/^RANGE \(.*\)-\(.*\)/\1 \2/p' "$1" | while read -r a b; do
        [ $((0x$a)) -le $((0x100000)) ] && [ $((0x$b)) -ge $((0x100000)) ] && echo "$b"
    done
}
want=$(end_at_1m "$tmp/mtree.expect")
got=$(end_at_1m "$tmp/table")
check "map=table: the RAM holding 1 MiB ends where QEMU's does (0x$want)" sh -c "[ -n '$want' ] && [ '$want' = '$got' ]"

# ---- no usable QMP for registers: a one-line error, not a hang ----
run cpus "qemu:name=mi-tg-live,qmp=unix:$tmp/none.sock" >"$tmp/noqmp"
run info "qemu:name=mi-tg-live,qmp=unix:$tmp/none.sock" >"$tmp/noqmp.info"
check "a QMP address that does not work: the layout is inferred and a warning names it" \
    sh -c "grep -qx 'LAYOUT inferred' '$tmp/noqmp.info' && grep -q '^WARNING .*none.sock' '$tmp/noqmp.info'"
check "registers with a QMP address that does not work: one error line" \
    sh -c "[ \$(wc -l <'$tmp/noqmp') = 1 ] && grep -q '^E .*none.sock' '$tmp/noqmp'"

# ---- a VM that went away ----
tests/guest/stop.sh "$g" >/dev/null 2>&1
run info "qemu:pid=$pid" >"$tmp/gone"
check "after the VM exited, qemu:pid=$pid is an error (not found)" grep -q "^E not found: " "$tmp/gone"
