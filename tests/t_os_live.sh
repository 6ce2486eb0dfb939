#!/bin/sh
# tests/t_os_live.sh: memintro_os.h on the REAL test guest (tests/guest: Debian 12's 6.1
# cloud kernel under QEMU/TCG, q35, 512 MiB, KASLR on), through the two calls an embedder
# makes (memintro_target_open, memintro_os_open(..., "auto", NULL)): build/tests-san/os_live
# (tests/os_live.c, ASan+UBSan) reads the guest live ("qemu:pid=N,qmp=unix:SOCK": CPU 0's
# CR3 from QMP) and through QEMU's ELF dump of it ("dump:FILE": VMCOREINFO and the CPU
# notes). Real data only; every expected value is the guest's own, from the FACT lines its
# /init printed on the serial console (tests/guest/README.md):
#   auto picks linux (win32 tried first and not found, with its reason);
#   memintro_os_processes (pid, ppid, comm) = the guest's process list (FACT ps, FACT stat;
#     kworkers come and go, /init idles in a sleep child), kthreadd and its children flagged
#     kernel, the mi-* processes not;
#   the kernel's modules (MEMINTRO_OS_KERNEL_PID) = /proc/modules (name, size, address);
#   each marker process's modules = the distinct files of its /proc/PID/maps, in order, each
#     at its first mapping's start;
#   each marker string read through memintro_os_process_virt at its own process's address;
#   memintro_os_symbol(init_task, _text) = /proc/kallsyms; the release fact = uname -r.
# Boots tests/guest/boot.sh once (sequential lane of tests/run.sh). About 30 s.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1
P=build/tests-san/os_live
. tests/guest/live.sh
live_begin "os live" "$P" mk/os.mk
rc=0
ok() { echo "ok - os live: $*"; }
nok() {
    echo "not ok - os live: $*"
    rc=1
}
fact() { sed -n "s/^FACT $1 //p" "$g/serial.log" | head -n 1; }
show() { sed 's/^/    # /' "$1" | head -n "${2:-10}"; }

if ! tests/guest/boot.sh --dir "$g" --name mi-os-live-$$ >"$tmp/pid" 2>"$tmp/boot"; then
    nok "the guest did not boot"
    show "$tmp/boot"
    exit 1
fi
pid=$(cat "$tmp/pid")
S=$g/serial.log
if ! timeout 120 tests/guest/qmp.sh -t 100 "$g/qmp-test.sock" \
    "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$tmp/qemu.elf\"}}" \
    >"$tmp/qmp.out" 2>&1; then
    nok "dump-guest-memory failed"
    show "$tmp/qmp.out"
fi
ok "guest booted (pid $pid)"

# ---- what the guest says ----
sed -n 's/^FACT ps //p' "$S" | sort >"$tmp/g.ps"     # pid comm
sed -n 's/^FACT stat //p' "$S" | sort >"$tmp/g.stat" # pid ppid state threads
join "$tmp/g.ps" "$tmp/g.stat" | awk '{print $1, $3, $2}' | sort >"$tmp/g.pps"
[ "$(wc -l <"$tmp/g.pps")" -ge 20 ] || nok "the guest printed too few processes"
sed -n 's/^FACT modules //p' "$S" | awk '{print $1, $2, $6}' | sort >"$tmp/g.kmod" # name size address
[ -s "$tmp/g.kmod" ] || nok "the guest printed no /proc/modules line"
# queries: the markers' modules and strings, two symbols
: >"$tmp/q"
for mp in $(sed -n 's/^MARKER [^ ]* pid=\([0-9]*\) .*/\1/p' "$S" | sort -u); do echo "mods $mp" >>"$tmp/q"; done
sed -n 's/^MARKER [^ ]* pid=\([0-9]*\) va=\(0x[0-9a-f]*\) pa=[^ ]* text=\(.*\)$/read \1 \2 \3/p' "$S" |
    awk '{print $1, $2, $3, length($4)}' >>"$tmp/q"
echo "sym init_task" >>"$tmp/q"
echo "sym _text" >>"$tmp/q"
[ "$(grep -c '^read ' "$tmp/q")" = 8 ] || nok "the guest printed $(grep -c '^read ' "$tmp/q") marker lines, not 8"

checks() { # LABEL SPEC
    n=$1 spec=$2 out=$tmp/out.$1
    if ! timeout 300 "$P" "$spec" <"$tmp/q" >"$out" 2>"$tmp/err.$n" || grep -q '^E ' "$out"; then
        nok "$n: os_live failed"
        grep '^E ' "$out" | show /dev/stdin
        show "$tmp/err.$n" 5
        return
    fi
    if grep -qx 'LAYER linux' "$out" && grep -q '^WHY win32: .' "$out" && ! grep -q '^WHY .*linux:' "$out"; then
        ok "$n: auto picks linux, after win32 says why it is not there ($(sed -n 's/^WHY win32: //p' "$out" | cut -c1-60)...)"
    else
        nok "$n: auto did not pick linux after win32"
        grep '^LAYER\|^WHY' "$out" | show /dev/stdin
    fi
    if [ "$(sed -n 's/^OSFACT release //p' "$out")" = "$(fact uname)" ]; then ok "$n: the release fact = the guest's uname -r"; else
        nok "$n: release fact $(sed -n 's/^OSFACT release //p' "$out"), guest $(fact uname)"
    fi
    # processes (as t_cli_linux_live.sh compares ps)
    awk '$1 == "PROC" {print $2, $3, $5}' "$out" | sort >"$tmp/m.pps"
    comm -23 "$tmp/g.pps" "$tmp/m.pps" | grep -v ' kworker/' >"$tmp/missing"
    comm -13 "$tmp/g.pps" "$tmp/m.pps" | grep -v ' kworker/' | grep -v '^[0-9]* 1 sleep$' >"$tmp/extra"
    if [ ! -s "$tmp/missing" ] && [ ! -s "$tmp/extra" ]; then
        ok "$n: memintro_os_processes (pid, ppid, comm) = the guest's process list ($(wc -l <"$tmp/m.pps") processes)"
    else
        nok "$n: memintro_os_processes differs from the guest's process list"
        sed 's/^/    # guest only: /' "$tmp/missing" | head
        sed 's/^/    # ours only: /' "$tmp/extra" | head
    fi
    kt=$(awk '$1 == "PROC" && ($2 == 2 || $3 == 2) && $4 != 1' "$out" | wc -l)
    nk=$(awk '$1 == "PROC" && ($2 == 2 || $3 == 2)' "$out" | wc -l)
    ut=$(awk '$1 == "PROC" && $5 ~ /^mi-/ && $4 == 0' "$out" | wc -l)
    if [ "$kt" = 0 ] && [ "$nk" -gt 5 ] && [ "$ut" = 5 ]; then
        ok "$n: kthreadd and its $((nk - 1)) children flagged kernel, the 5 mi-* processes not"
    else
        nok "$n: kernel flags: $kt of $nk kernel threads unflagged, $ut of 5 mi-* processes user"
    fi
    # kernel modules
    awk '$1 == "KMOD" {print $2, $3, $4}' "$out" | sort >"$tmp/m.kmod"
    if [ -s "$tmp/m.kmod" ] && diff "$tmp/g.kmod" "$tmp/m.kmod" >"$tmp/diff"; then
        ok "$n: the kernel's modules = /proc/modules (name, size, address: $(wc -l <"$tmp/m.kmod"))"
    else
        nok "$n: the kernel's modules differ from /proc/modules"
        show "$tmp/diff"
    fi
    # the markers' modules: the distinct files of /proc/PID/maps at their first mapping
    for mp in $(sed -n 's/^MARKER [^ ]* pid=\([0-9]*\) .*/\1/p' "$S" | sort -u); do
        sed -n "s/^FACT maps $mp //p" "$S" | awk '$6 ~ /^\// && !seen[$6]++ { split($1, r, "-"); print $6, "0x" r[1] }' |
            sed 's/0x0*\([0-9a-f]\)/0x\1/' >"$tmp/g.pm"
        awk -v p="$mp" '$1 == "PMOD" && $2 == p {print $3, $4}' "$out" >"$tmp/m.pm"
        if [ -s "$tmp/g.pm" ] && diff "$tmp/g.pm" "$tmp/m.pm" >"$tmp/diff" && grep -qx "PMODS $mp ok" "$out"; then
            ok "$n: pid $mp's modules = the files of its /proc/$mp/maps ($(tr '\n' ' ' <"$tmp/m.pm"))"
        else
            nok "$n: pid $mp's modules differ from its /proc/$mp/maps"
            show "$tmp/diff"
            grep "^PMODS $mp" "$out" | show /dev/stdin
        fi
    done
    # the marker strings through memintro_os_process_virt
    good=0
    while read -r _ mp va len; do
        want=$(sed -n "s/^MARKER [^ ]* pid=$mp va=$va pa=[^ ]* text=//p" "$S")
        got=$(sed -n "s/^READ $mp $va //p" "$out")
        [ -n "$want" ] && [ "$got" = "$want" ] && good=$((good + 1))
    done < <(grep '^read ' "$tmp/q")
    if [ "$good" = 8 ]; then ok "$n: the 8 marker strings, each read through its process's memintro_os_process_virt"; else
        nok "$n: $good of 8 marker strings read through memintro_os_process_virt"
        grep '^READ ' "$out" | show /dev/stdin
    fi
    for s in init_task _text; do
        if grep -qx "SYM $s $(fact "kallsyms $s")" "$out"; then ok "$n: memintro_os_symbol($s) = /proc/kallsyms"; else
            nok "$n: memintro_os_symbol($s): $(grep "^SYM $s " "$out"), guest $(fact "kallsyms $s")"
        fi
    done
}

checks live "qemu:pid=$pid,qmp=unix:$g/qmp.sock"
[ -s "$tmp/qemu.elf" ] && checks dump "dump:$tmp/qemu.elf"
exit $rc
