#!/bin/sh
# tests/t_linux_btf_live.sh: the Linux layer's types (BTF), tasks, memory maps, modules and
# kernel log on the REAL test guest (tests/guest: Debian 12 kernel under QEMU/TCG, q35,
# 512 MiB, KASLR on). One guest is booted, dumped once with QMP dump-guest-memory (ELF),
# and read by build/tests-san/linux_btf_live (tests/linux_btf_live.c, ASan+UBSan) twice:
# through the dump ("dump:FILE": the exact moment) and live ("qemu:pid=N,qmp=unix:SOCK",
# the guest running). Expected values are the guest's own (/proc files it printed to its
# serial console, see tests/guest/README.md) and the dump's VMCOREINFO. Three configurations:
# q35 (dump and live), KPTI with RAM above 4 GiB (-cpu Nehalem), 5-level paging (-cpu max),
# one guest at a time. About 40-60 s.
set -u
cd "$(dirname "$0")/.." || exit 1
live=build/tests-san/linux_btf_live
. tests/guest/live.sh
live_begin "linux live" "$live" mk/linux_btf.mk

# One configuration: boot, dump once, read the dump (and the running guest if asked).
config() { # NAME LIVE(0|1) BOOT-ARGS...
    name=$1 withlive=$2
    shift 2
    rm -rf "$g" "$tmp/dump.elf"
    if ! tests/guest/boot.sh --dir "$g" --name mi-linux-live-$$ "$@" >"$tmp/pid" 2>"$tmp/boot"; then
        echo "not ok - linux live: $name: the guest did not boot"
        sed 's/^/    # /' "$tmp/boot" | tail -10
        rc=1
        return
    fi
    pid=$(cat "$tmp/pid")
    if ! timeout 120 tests/guest/qmp.sh -t 100 "$g/qmp-test.sock" \
        "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$tmp/dump.elf\"}}" \
        >"$tmp/qmp.out" 2>&1; then
        echo "not ok - linux live: $name: dump-guest-memory failed"
        sed 's/^/    # /' "$tmp/qmp.out" | tail -5
        rc=1
    else
        echo "ok - linux live: $name: guest booted (pid $pid) and dumped"
        timeout 120 "$live" "dump:$tmp/dump.elf" "$g/serial.log" | sed "s/^\(not \)\{0,1\}ok - /&$name: /" >"$tmp/out"
        cat "$tmp/out"
        grep -q '^not ok' "$tmp/out" && rc=1
        grep -q '^ok - .*end to end: the same' "$tmp/out" || { echo "not ok - linux live: $name: the dump's checks did not finish"; rc=1; }
    fi
    if [ "$withlive" = 1 ]; then
        timeout 120 "$live" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" "$g/serial.log" | sed "s/^\(not \)\{0,1\}ok - /&$name: /" >"$tmp/out"
        cat "$tmp/out"
        grep -q '^not ok' "$tmp/out" && rc=1
        grep -q '^ok - .*end to end: the same' "$tmp/out" || { echo "not ok - linux live: $name: the live checks did not finish"; rc=1; }
    fi
    cp "$g/serial.log" "$tmp/serial.$name"
    tests/guest/stop.sh "$g" >/dev/null 2>&1
}

rc=0
# q35, 512 MiB, KASLR, 4-level paging, no KPTI (QEMU's default CPU is not affected by Meltdown)
config q35 1 --machine q35 --mem 512M
# an Intel CPU model without PCID: KPTI on; RAM above 4 GiB (the markers sit there)
config kpti-4g 0 --machine pc,max-ram-below-4g=1G --mem 1536M --extra "-cpu Nehalem"
if grep -q 'page tables isolation: enabled' "$tmp/serial.kpti-4g" 2>/dev/null; then
    echo "ok - linux live: kpti-4g: the guest's dmesg says page table isolation is enabled"
else
    echo "not ok - linux live: kpti-4g: the guest does not report KPTI enabled"
    rc=1
fi
# 5-level paging
config la57 0 --machine q35 --mem 512M --extra "-cpu max"
if grep -qx 'FACT la57 yes' "$tmp/serial.la57" 2>/dev/null; then
    echo "ok - linux live: la57: the guest runs with 5-level paging"
else
    echo "not ok - linux live: la57: the guest does not report la57"
    rc=1
fi
exit $rc
