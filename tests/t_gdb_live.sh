#!/bin/sh
# tests/t_gdb_live.sh: memintro_gdb.h and the CLI's gdbstub commands (examples/memintro/
# gdb.c) on the REAL test guest (tests/guest, QEMU/TCG, booted with tests/guest/boot.sh --gdb
# --append mi_tick=100: QEMU's gdbstub on $g/gdb.sock, mi-marker-1 rewrites its tick string
# and calls getppid every 100 ms). Real data only; expected values come from QEMU (QMP
# `info registers`, query-status) and from the guest's own serial lines (TICK, FACT
# tick_sys from /proc/kallsyms), never from memintro:
#   regs --json     rip, cr0, cr3, cr4, efer, gs base of the paused VM equal QMP's
#   pause / resume  change query-status (paused / running)
#   break SYMBOL    __x64_sys_getppid (the tick's syscall): each hit is at the symbol's
#                   kallsyms address, with mi-marker-1's pid and name as current process
#                   (memory through the QEMU connector, and through the stub alone)
#   watch --write   on the tick string: each hit shows "MEMINTRO-TICK-" and a counter that
#                   changes between hits
#   gdb: bytes      the gdbstub's physical reads equal the procfs connector's (tests/gdb_live)
#   same -c         `read` with qemu:...,gdb=... in -c reads what it reads without gdb=
#   spin            breakpoints on the marker's mi_spin_step (the TICK line's spin=) and on
#                   its second instruction: 200 and 1000 events, the marker's own call
#                   counter rises by exactly one per event (each step-over runs the call once)
#   kill            SIGTERM to a waiting `break` on the tick's syscall: the VM runs on, and
#                   keeps running while the tick would hit the breakpoint many times
set -u
cd "$(dirname "$0")/.." || exit 1
M=build/memintro-san
. tests/guest/live.sh
live_begin "gdb live" "$M" mk/cli.mk jq
[ -x build/tests/gdb_live ] || { echo "not ok - gdb live: build/tests/gdb_live is not built (mk/gdb.mk)"; exit 1; }
rc=0
ok() { echo "ok - gdb live: $*"; }
nok() {
    echo "not ok - gdb live: $*"
    rc=1
}
check() { if [ "$1" = "$2" ]; then ok "$3 ($1)"; else nok "$3: '$1', expected '$2'"; fi; }
qmp() { bash tests/guest/qmp.sh "$g/qmp-test.sock" "$@"; }
status() { qmp '{"execute":"query-status"}' | jq -r .return.status; }

pid=$(tests/guest/boot.sh --dir "$g" --gdb --append mi_tick=100) || { nok "boot failed"; exit 1; }
G="-c gdb:unix:$g/gdb.sock"
Q="-c qemu:pid=$pid,qmp=unix:$g/qmp.sock,gdb=unix:$g/gdb.sock"
tick=$(grep -m1 '^TICK mi-marker-1' "$g/serial.log")
tpid=$(echo "$tick" | sed 's/.* pid=\([0-9]*\).*/\1/')
tva=$(echo "$tick" | sed 's/.* va=\(0x[0-9a-f]*\).*/\1/')
tpa=$(echo "$tick" | sed 's/.* pa=\(0x[0-9a-f]*\).*/\1/')
spin=$(echo "$tick" | sed -n 's/.* spin=\(0x[0-9a-f]*\).*/\1/p')
sys=$(sed -n 's/^FACT tick_sys __x64_sys_getppid 0x0*\([0-9a-f]*\)/0x\1/p' "$g/serial.log")
[ -n "$tpid" ] && [ -n "$tva" ] && [ -n "$sys" ] && [ -n "$spin" ] || { nok "no TICK / FACT tick_sys line in serial.log"; exit 1; }

# pause / resume
out=$($M $G pause 2>&1) || nok "pause: $out"
check "$(status)" paused "pause: query-status"
# registers of the paused VM equal QMP's
bash tests/guest/qmp.sh --hmp "$g/qmp-test.sock" 'info registers' >"$tmp/qregs" || nok "QMP info registers"
$M $G --json regs >"$tmp/regs.json" 2>"$tmp/regs.err" || nok "regs: $(cat "$tmp/regs.err")"
qv() { sed -n "s/.*$1=\([0-9a-f]*\).*/\1/p" "$tmp/qregs" | head -n 1; }
jv() { jq -r ".$1" "$tmp/regs.json" | sed 's/^0x//'; }
norm() { echo "${1:-0}" | tr 'A-F' 'a-f' | sed 's/^0*//'; } # 64-bit values: no shell arithmetic
for r in RIP:rip CR0:cr0 CR3:cr3 CR4:cr4 EFER:efer; do
    check "$(norm "$(jv "${r#*:}")")" "$(norm "$(qv "${r%%:*}")")" "regs: ${r#*:} equals QMP info registers"
done
gsb=$(sed -n 's/^GS =[0-9a-f]* \([0-9a-f]*\).*/\1/p' "$tmp/qregs" | head -n 1)
check "$(norm "$(jv gs_base)")" "$(norm "$gsb")" "regs: gs base equals QMP's"
check "$(status)" paused "regs leaves a paused VM paused"
out=$($M $G resume 2>&1) || nok "resume: $out"
check "$(status)" running "resume: query-status"

# a breakpoint on the tick's system call: the marker is the current process
$M $Q --json break __x64_sys_getppid --count 3 --timeout 20 >"$tmp/break.json" 2>"$tmp/break.err" || nok "break: $(cat "$tmp/break.err")"
check "$(wc -l <"$tmp/break.json" | tr -d ' ')" 3 "break: 3 hits"
check "$(jq -r .rip "$tmp/break.json" | sort -u)" "$sys" "break: every hit at __x64_sys_getppid (kallsyms)"
check "$(jq -r .pid "$tmp/break.json" | sort -u)" "$tpid" "break: the current process is mi-marker-1's pid"
check "$(jq -r .name "$tmp/break.json" | sort -u)" "mi-marker-1" "break: the current process's name"
check "$(status)" running "break: the VM runs on afterwards"
# --print: __x64_sys_getppid(const struct pt_regs *regs) has regs in rdi; regs->orig_ax
# (offset 0x78: r15 .. di, then orig_ax, arch/x86/include/asm/ptrace.h) is the system call's
# number, 110 for getppid on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl)
out=$($M $Q --json break __x64_sys_getppid --count 1 --timeout 20 --print 'rdi,*rdi+0x78' 2>&1)
check "$(echo "$out" | jq -r '.print["*rdi+0x78"]' 2>/dev/null)" 0x6e "break --print: *rdi+0x78 is pt_regs.orig_ax, getppid's number 110"
case $(echo "$out" | jq -r '.print.rdi' 2>/dev/null) in 0xffff*) ok "break --print: rdi is a kernel pointer" ;; *) nok "break --print rdi: $out" ;; esac
out=$($M $Q break __x64_sys_getppid --count 1 --timeout 20 --print '*rdi+0x78' 2>&1 | grep '^hit 1 ')
case $out in *" *rdi+0x78=0x6e") ok "break --print, text: $out" ;; *) nok "break --print, text: '$out'" ;; esac
$M $Q break __x64_sys_getppid --count 1 --print nosuchreg >"$tmp/bp.out" 2>&1
st=$?
check "$st $(grep -c 'no register nosuchreg' "$tmp/bp.out")" "2 1" "break --print with an unknown register: a usage error naming it"
check "$(status)" running "break --print: the VM runs on afterwards"
# the same by address, text output, gdb: alone (memory and the Linux layer through the
# stub's physical mode)
out=$($M $G break "$sys" --count 1 --timeout 20 2>&1 | grep '^hit 1 ')
case $out in "hit 1 sw cpu 0 addr $sys rip $sys cr3 "*" pid $tpid name mi-marker-1") ok "break ADDR over gdb: alone: $out" ;;
*) nok "break ADDR over gdb: alone: '$out'" ;; esac
out=$($M $G --json break __x64_sys_getppid --count 1 --timeout 20 2>&1)
check "$(echo "$out" | jq -r '.rip + " " + (.pid|tostring)' 2>/dev/null)" "$sys $tpid" "break SYMBOL over gdb: alone (kallsyms read through the stub)"

# a write watchpoint on the tick string: the new contents
$M $Q --json watch --write "$tva" 24 --count 4 --timeout 20 >"$tmp/watch.json" 2>"$tmp/watch.err" || nok "watch: $(cat "$tmp/watch.err")"
check "$(wc -l <"$tmp/watch.json" | tr -d ' ')" 4 "watch: 4 hits"
n=$(jq -r .data "$tmp/watch.json" | while read -r h; do printf '%s' "$h" | sed 's/../\\x&/g' | xargs -0 printf '%b'; echo; done | grep -c '^MEMINTRO-TICK-[0-9]\{10\}$')
check "$n" 4 "watch: each hit shows the tick string"
d=$(jq -r .data "$tmp/watch.json" | sort -u | wc -l | tr -d ' ')
[ "$d" -ge 2 ] && ok "watch: the contents change between hits ($d different)" || nok "watch: the contents never changed"
check "$(jq -r .pid "$tmp/watch.json" | sort -u)" "$tpid" "watch: the writer is mi-marker-1"
check "$(jq -r .addr "$tmp/watch.json" | sort -u | head -n 1 | cut -c1-2)" "0x" "watch: an address is reported"

# gdb: physical bytes equal the procfs connector's (the marker pages and around)
build/tests/gdb_live "unix:$g/gdb.sock" "$pid" "$(printf '0x%x' $(($tpa & ~0xffff)))" 0x40000 >"$tmp/phys.out" 2>&1 || rc=1
cat "$tmp/phys.out"
check "$(status)" running "the VM runs after the physical reads"

# every command takes the same -c: gdb= is for the gdbstub commands, the others read memory
# through the QEMU connector as without it
mpa=$(printf '0x%x' $((tpa - 64))) # mi-marker-1's first marker string (constant)
a=$($M $Q read "$mpa" 32 2>&1)
b=$($M -c "qemu:pid=$pid,qmp=unix:$g/qmp.sock" read "$mpa" 32 2>&1)
case $a in *"|MEMINTRO-MARKER-"*) check "$a" "$b" "read with gdb= in -c: the same bytes as without" ;;
*) nok "read with gdb= in -c: '$a'" ;; esac

# step-over correctness on the marker's spin loop (tests/gdb_live --spin)
build/tests/gdb_live --spin "unix:$g/gdb.sock" "$pid" "$tpa" "$spin" >"$tmp/spin.out" 2>&1 || rc=1
cat "$tmp/spin.out"
check "$(status)" running "the VM runs after the spin loop's breakpoints"

# killing the CLI while it waits: no breakpoint left, the guest runs
$M $Q break __x64_sys_getppid --timeout 60 >"$tmp/kill.out" 2>&1 &
cli=$!
sleep 3
kill -TERM "$cli"
wait "$cli"
ctr=$(printf '0x%x' $((tpa + 16))) # the counter's last 8 digits
t0=$(bash tests/guest/qmp.sh --hmp "$g/qmp-test.sock" "xp /1xg $ctr" | head -n 1)
sleep 1.5 # 15 ticks: a breakpoint left behind would stop the VM at the first
check "$(status)" running "kill: the VM runs after SIGTERM to a waiting break"
t1=$(bash tests/guest/qmp.sh --hmp "$g/qmp-test.sock" "xp /1xg $ctr" | head -n 1)
[ -n "$t0" ] && [ "$t0" != "$t1" ] && ok "kill: the tick keeps changing (no breakpoint stops the marker)" || nok "kill: tick '$t0' then '$t1'"
grep -q '^hit ' "$tmp/kill.out" && ok "kill: the break had hits before the signal" || nok "kill: no hit before the signal: $(head -3 "$tmp/kill.out")"
exit $rc
