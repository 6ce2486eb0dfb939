#!/bin/sh
# tests/t_linux_btf_live.sh: the Linux layer's types (BTF), tasks, memory maps, modules and
# kernel log on the REAL test guest (tests/guest: Debian 12 kernel under QEMU/TCG, q35,
# 512 MiB, KASLR on). One guest is booted, dumped once with QMP dump-guest-memory (ELF),
# and read by build/tests-san/linux_btf_live (tests/linux_btf_live.c, ASan+UBSan) twice:
# through the dump ("dump:FILE": the exact moment) and live ("qemu:pid=N,qmp=unix:SOCK",
# the guest running). Expected values are the guest's own (/proc files it printed to its
# serial console, see tests/guest/README.md) and the dump's VMCOREINFO. About 15-25 s.
set -u
cd "$(dirname "$0")/.." || exit 1
live=build/tests-san/linux_btf_live
if [ ! -x "$live" ]; then
    echo "not ok - linux live: $live is not built (make test builds it through mk/linux_btf.mk)"
    exit 1
fi
sh tests/deps.sh qemu-system-x86 socat busybox-static cpio gcc libc6-dev >/dev/null || {
    echo "not ok - linux live: packages for the QEMU tests are missing"
    exit 1
}
tmp=$(mktemp -d /tmp/mi-linux-live.XXXXXX) || exit 1
g=$tmp/g
cleanup() {
    tests/guest/stop.sh "$g" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! tests/guest/boot.sh --dir "$g" --name mi-linux-live-$$ --machine q35 --mem 512M \
    >"$tmp/pid" 2>"$tmp/boot"; then
    echo "not ok - linux live: the guest did not boot"
    sed 's/^/    # /' "$tmp/boot" | tail -10
    exit 1
fi
pid=$(cat "$tmp/pid")
if ! timeout 120 tests/guest/qmp.sh -t 100 "$g/qmp-test.sock" \
    "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$tmp/dump.elf\"}}" \
    >"$tmp/qmp.out" 2>&1; then
    echo "not ok - linux live: dump-guest-memory failed"
    sed 's/^/    # /' "$tmp/qmp.out" | tail -5
    exit 1
fi
echo "ok - linux live: guest booted (pid $pid) and dumped"
rc=0
timeout 120 "$live" "dump:$tmp/dump.elf" "$g/serial.log" || rc=1
timeout 120 "$live" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" "$g/serial.log" || rc=1
exit $rc
