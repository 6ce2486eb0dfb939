#!/bin/sh
# tests/t_nested_live.sh: a VM inside a VM, on the REAL thing. The nested test guest
# (tests/guest/boot.sh --nested: Debian 12's cloud kernel under QEMU/TCG) runs a real
# qemu-system-x86_64 of its own, paused (-S), "-name inner -machine pc -m 16M -vga none",
# with a 4096-byte -device loader blob at inner guest-physical 0x100000. The memintro CLI
# opens it with `-c qemu:pid=OUTER --os linux -c qemu:name=inner` (memintro_os_target_open:
# the inner QEMU found among the guest's processes, its command line and memory maps from
# the Linux layer, its RAM read through the guest's page tables of that process).
# Expected values are the guest's own (its FACT lines: the inner QEMU's pid, its 16 MiB RAM
# mapping, the blob's first 32 bytes read from /BLOB in the guest, tests/guest/README.md)
# and the blob's definition (its SHA-256, tests/guest/README.md), never memintro's output.
# One boot (sequential lane of tests/run.sh). About 30 s.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1
M=build/memintro
. tests/guest/live.sh
live_begin "nested live" "$M" mk/cli.mk
rc=0
ok() { echo "ok - nested live: $*"; }
nok() {
    echo "not ok - nested live: $*"
    rc=1
}
fact() { sed -n "s/^FACT $1 //p" "$g/serial.log" | head -n 1; }
show() { sed 's/^/    # /' "$1" | head -n "${2:-10}"; }

if ! tests/guest/boot.sh --nested --dir "$g" --name mi-nested-$$ >"$tmp/pid" 2>"$tmp/boot"; then
    nok "the nested guest did not boot"
    show "$tmp/boot"
    exit 1
fi
pid=$(cat "$tmp/pid")
ok "nested guest booted (pid $pid)"
if [ -n "$(fact error)" ]; then
    nok "the guest reports: $(fact error)"
    exit 1
fi
ipid=$(fact nested_pid)
iram=$(sed -n 's/^FACT nested_ram [0-9]* \([0-9a-f]*\)-.*/\1/p' "$g/serial.log")
blob32=$(sed -n 's/^FACT nested_blob 0x100000 //p' "$g/serial.log")
[ -n "$ipid" ] && [ -n "$iram" ] && [ ${#blob32} = 64 ] || {
    nok "the guest printed no nested_pid / nested_ram / nested_blob facts"
    exit 1
}
OUT="-c qemu:pid=$pid --os linux"

# info: the inner VM, as the guest sees it
if $M $OUT -c qemu:name=inner info >"$tmp/info" 2>"$tmp/info.err"; then
    grep -q "QEMU process $ipid \"inner\" in the Linux guest of qemu:pid=$pid" "$tmp/info" &&
        ok "info names the inner QEMU (pid $ipid in the guest) and where it runs" ||
        { nok "info does not name process $ipid in the guest"; show "$tmp/info" 20; }
    grep -q "machine pc, guest RAM 16 MiB" "$tmp/info" && ok "machine pc, 16 MiB (its command line)" ||
        { nok "info: machine/RAM"; show "$tmp/info" 20; }
    grep -qi "host 0x$iram" "$tmp/info" && ok "guest RAM at the inner QEMU's 16 MiB mapping 0x$iram" ||
        { nok "info: RAM not at 0x$iram"; show "$tmp/info" 30; }
else
    nok "info failed"
    show "$tmp/info.err"
fi

# the blob, read through the guest's page tables of the inner QEMU
if $M $OUT -c qemu:name=inner read 0x100000 4096 -o "$tmp/blob" 2>"$tmp/read.err"; then
    got32=$(od -An -tx1 -N32 -v "$tmp/blob" | tr -d ' \n')
    [ "$got32" = "$blob32" ] && ok "the blob's first 32 bytes = /BLOB's in the guest" ||
        nok "blob head $got32, the guest says $blob32"
    sum=$(sha256sum "$tmp/blob" | cut -d' ' -f1)
    [ "$sum" = 3266c3eff3df348aa1b00d1736ddd5ee6de1262d6e2702ff68f8042c21fb5b1d ] &&
        ok "all 4096 bytes at inner guest-physical 0x100000 are the blob (SHA-256)" ||
        nok "the 4096 bytes at 0x100000 have SHA-256 $sum"
else
    nok "read of the blob failed"
    show "$tmp/read.err"
fi
# the same VM chosen by its pid in the guest
$M $OUT -c qemu:pid=$ipid,cache=off read 0x100000 32 -o "$tmp/blob2" 2>"$tmp/r2.err" &&
    [ "$(od -An -tx1 -v "$tmp/blob2" | tr -d ' \n')" = "$blob32" ] &&
    ok "qemu:pid=$ipid (the guest's pid) opens the same VM" || { nok "qemu:pid=$ipid"; show "$tmp/r2.err"; }

# errors: one line each, the right exit status
expect() { # expect STATUS PATTERN LABEL -- ARGS...
    local want=$1 pat=$2 label=$3
    shift 4
    $M "$@" >"$tmp/e.out" 2>"$tmp/e.err"
    local st=$?
    if [ $st = "$want" ] && grep -q -- "$pat" "$tmp/e.err" && [ "$(wc -l <"$tmp/e.err")" = 1 ]; then
        ok "$label (exit $st)"
    else
        nok "$label: exit $st"
        show "$tmp/e.err"
    fi
}
expect 1 "no QEMU VM \"nosuch\" runs in the Linux guest of qemu:pid=$pid" "a VM the guest does not run" -- \
    $OUT -c qemu:name=nosuch info
expect 1 "out of reach" "map=qmp inside a guest" -- $OUT -c qemu:name=inner,map=qmp info
expect 2 "name the OS the inner target runs in" "a second -c without --os" -- \
    -c qemu:pid=$pid -c qemu:name=inner info
expect 1 "needs the linux layer" "--os none under a nested target" -- \
    -c qemu:pid=$pid --os none -c qemu:name=inner info
expect 2 "only the qemu connector" "a dump connector inside a guest" -- $OUT -c dump:/x info
# pages the paused inner VM never touched are not in the guest's page tables: an error, not zeros
$M $OUT -c qemu:name=inner read 0xe00000 16 >"$tmp/u.out" 2>"$tmp/u.err"
st=$?
[ $st = 1 ] && grep -q "not mapped\|unmapped\|??" "$tmp/u.out" "$tmp/u.err" &&
    ok "an untouched inner page reads as unreadable, not as zeros (exit 1)" ||
    { nok "untouched page: exit $st"; show "$tmp/u.out"; show "$tmp/u.err"; }
# the outer VM is still readable and its own processes still list the inner QEMU
$M $OUT ps >"$tmp/ps" 2>&1 && grep -q "^ *$ipid .*qemu-system-x86" "$tmp/ps" &&
    ok "the outer guest's ps lists the inner QEMU (pid $ipid)" || { nok "outer ps"; show "$tmp/ps"; }
exit $rc
