#!/bin/sh
# tests/t_linux_flavours.sh: memintro_linux.h on more REAL test guests (tests/guest), the
# lanes below booted at the same time (MI_LINUX_FLAVOURS, default "rt generic nokaslr"):
#   rt        Debian 12's PREEMPT_RT kernel (linux-image-rt-amd64, build/guest-rt), KASLR
#             on: its task_struct and mm_struct are laid out differently from cloud-amd64's
#             (spinlocks are rt_mutexes), so the walkers' right answers show that the
#             offsets come from the kernel's own BTF;
#   generic   the generic kernel (linux-image-amd64, build/guest-amd64), KASLR on: another
#             config (its walker offsets happen to equal cloud-amd64's);
#   nokaslr   the default cloud kernel (build/guest) booted with "nokaslr": KASLR shift
#             and phys_base 0, kernel at its link address.
# Each guest is run through tests/t_linux_live.sh (MI_LINUX_QUICK: discovery live with CR3,
# with no hints and by the banner scan, the same on an ELF dump; symbols both ways against
# a sample of the guest's /proc/kallsyms), and while its ELF dump exists this script's hook
# runs build/tests-san/linux_btf_live (tests/linux_btf_live.c) on the dump and live: BTF from
# guest memory against VMCOREINFO, ps, parents, threads, command lines, markers read from
# their processes, maps, modules, dmesg, discovery end to end. Real data only; expected
# values are the guests' own (their serial consoles' FACT lines: /proc/version,
# /proc/cmdline, /proc/kallsyms, /proc/iomem, /proc/PID/*, /proc/modules, dmesg), and the
# nokaslr guest's expected shift is checked to be 0 from its own _text, not from memintro.
# One synthetic check first: build.sh refuses a kernel package (made here) whose config
# lacks KALLSYMS_ALL. About 100 s on 2 busy cores; the kernels' .debs are downloaded once.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1

# ---- the hook, run by t_linux_live.sh: G=RUNDIR PID=N DUMP=ELF; LABEL GUESTDIR APPEND
if [ "${1:-}" = --hook ]; then
    lbl=$2 gdir=$3 append=$4
    ok() { echo "ok - linux flavours ($lbl): $*"; }
    nok() { echo "not ok - linux flavours ($lbl): $*"; }
    fact() { sed -n "s/^FACT $1 //p" "$G/serial.log" | head -n 1; }
    uname=$(fact uname)
    want=$(cat "$gdir/kernel-version" 2>/dev/null)
    if [ -n "$uname" ] && [ "$uname" = "$want" ]; then ok "the guest runs $uname ($(cat "$gdir/kernel-package"))"; else
        nok "the guest runs '$uname', built '$want'"
    fi
    cmdline=$(fact cmdline)
    text=$(fact 'kallsyms _text')
    case " $cmdline " in
        *" nokaslr "*) ks=off ;;
        *) ks=on ;;
    esac
    if [ -n "$append" ]; then
        if [ $ks = off ] && [ "$text" = 0xffffffff81000000 ]; then
            ok "nokaslr: the guest's command line has it and its _text is the link address $text (expected KASLR shift 0)"
        else
            nok "nokaslr: cmdline '$cmdline', _text $text"
        fi
    else
        if [ $ks = on ] && grep -qx 'CONFIG_RANDOMIZE_BASE=y' "$gdir/kernel-config"; then
            ok "KASLR on (RANDOMIZE_BASE=y, no nokaslr); the guest's _text $text"
        else
            nok "KASLR: cmdline '$cmdline', RANDOMIZE_BASE $(grep RANDOMIZE_BASE "$gdir/kernel-config")"
        fi
    fi
    for spec in "dump:$DUMP" "qemu:pid=$PID,qmp=unix:$G/qmp.sock"; do
        out=$(timeout 120 build/tests-san/linux_btf_live "$spec" "$G/serial.log" 2>&1)
        printf '%s\n' "$out" | sed "s/^\(not \)\{0,1\}ok - /&linux flavours ($lbl): /"
        printf '%s\n' "$out" | grep -q '^ok - .*end to end: the same' ||
            nok "${spec%%:*}: linux_btf_live did not finish"
    done
    exit 0
fi

for x in build/tests-san/linux_live build/tests-san/linux_btf_live; do
    if [ ! -x "$x" ]; then
        echo "not ok - linux flavours: $x is not built (make test builds it through mk/linux.mk, mk/linux_btf.mk)"
        exit 1
    fi
done
tmp=$(mktemp -d /tmp/mi-linux-flav.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

rc=0
# build.sh refuses a kernel whose config lacks what the layer needs (synthetic: a .deb made
# here, with a config that has DEBUG_INFO_BTF and the rest but not KALLSYMS_ALL, put in the
# cache of a scratch OUTDIR; a real config passes below)
fk=$tmp/fake
mkdir -p "$fk/p/DEBIAN" "$fk/p/boot" "$fk/p/lib/modules/6.1.0-0-fake/kernel" "$fk/out/cache/linux-image-cloud-amd64"
printf 'Package: linux-image-6.1.0-0-fake\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' >"$fk/p/DEBIAN/control"
echo fake >"$fk/p/boot/vmlinuz-6.1.0-0-fake"
echo fake >"$fk/p/lib/modules/6.1.0-0-fake/kernel/qemu_fw_cfg.ko"
for o in DEBUG_INFO_BTF SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS PROC_PAGE_MONITOR; do
    echo "CONFIG_$o=y"; done >"$fk/p/boot/config-6.1.0-0-fake"
echo '# CONFIG_KALLSYMS_ALL is not set' >>"$fk/p/boot/config-6.1.0-0-fake"
if dpkg-deb --build -Zgzip "$fk/p" "$fk/out/cache/linux-image-cloud-amd64/linux-image-6.1.0-0-fake_1_amd64.deb" >/dev/null 2>&1; then
    if tests/guest/build.sh --kernel cloud "$fk/out" >"$fk/log" 2>&1; then
        echo "not ok - linux flavours: build.sh accepted a kernel without KALLSYMS_ALL"
        rc=1
    elif grep -q 'lacks CONFIG_KALLSYMS_ALL=y' "$fk/log" && [ ! -e "$fk/out/vmlinuz" ]; then
        echo "ok - linux flavours: build.sh refuses a kernel without CONFIG_KALLSYMS_ALL=y (synthetic .deb)"
    else
        echo "not ok - linux flavours: build.sh failed on the synthetic .deb for another reason"
        rc=1
        sed 's/^/    # /' "$fk/log" | tail -5
    fi
else
    echo "not ok - linux flavours: dpkg-deb cannot build the synthetic kernel package"
    rc=1
fi

lanes=${MI_LINUX_FLAVOURS:-rt generic nokaslr}
# LABEL -> kernel flavour, guest dir, kernel command-line words
spec() {
    case $1 in
        rt) echo "rt build/guest-rt -" ;;
        generic) echo "amd64 build/guest-amd64 -" ;;
        nokaslr) echo "cloud build/guest nokaslr" ;;
        *) echo "not ok - linux flavours: unknown lane $1" >&2; exit 1 ;;
    esac
}
# The guests built first, one after the other (cached; apt runs once at a time); build.sh
# refuses a kernel without KALLSYMS_ALL, DEBUG_INFO_BTF and the rest the guest needs.
for l in $lanes; do
    set -- $(spec "$l") || exit 1
    if ! tests/guest/build.sh --kernel "$1" "$2" >"$tmp/build.log" 2>&1; then
        echo "not ok - linux flavours: building the $l guest ($1) failed"
        sed 's/^/    # /' "$tmp/build.log" | tail -20
        exit 1
    fi
    for opt in CONFIG_KALLSYMS_ALL CONFIG_DEBUG_INFO_BTF; do
        if grep -qx "$opt=y" "$2/kernel-config"; then
            echo "ok - linux flavours: $l: the kernel $(cat "$2/kernel-version") has $opt=y"
        else
            echo "not ok - linux flavours: $l: the kernel $(cat "$2/kernel-version") lacks $opt=y"
            rc=1
        fi
    done
done

lane() { # LABEL KERNEL GUESTDIR APPEND
    s=$(date +%s)
    MI_LINUX_GUEST=$3 MI_LINUX_KERNEL=$2 MI_LINUX_APPEND=$4 MI_LINUX_LABEL="($1)" MI_LINUX_QUICK=1 \
        MI_LINUX_HOOK="bash tests/t_linux_flavours.sh --hook '$1' '$3' '$4'" \
        bash tests/t_linux_live.sh >"$tmp/$1.out" 2>&1
    echo "$(($(date +%s) - s))" >"$tmp/$1.secs"
}
pids=
for l in $lanes; do
    set -- $(spec "$l")
    [ "$3" = - ] && set -- "$1" "$2" ""
    lane "$l" "$@" &
    pids="$pids $!"
done
wait $pids

for l in $lanes; do
    cat "$tmp/$l.out"
    echo "# $l: $(cat "$tmp/$l.secs" 2>/dev/null) s"
    grep -q '^not ok' "$tmp/$l.out" && rc=1
    n=$(grep -c '^ok - ' "$tmp/$l.out")
    # t_linux_live.sh's 8 discovery runs (3 live, 5 on the dump) and the hook's two
    # linux_btf_live runs must all have happened
    runs=$(grep -c "^ok - linux live ($l): .*: banner = the guest's /proc/version" "$tmp/$l.out")
    ends=$(grep -c "^ok - linux flavours ($l): .*end to end: the same" "$tmp/$l.out")
    if [ "$runs" -eq 8 ] && [ "$ends" -eq 2 ]; then
        echo "ok - linux flavours: $l: all checks ran ($n ok: 8 discovery runs, 2 of linux_btf_live)"
    else
        echo "not ok - linux flavours: $l: $runs of 8 discovery runs, $ends of 2 linux_btf_live runs finished"
        rc=1
    fi
done
case " $lanes " in *" nokaslr "*)
    # with nokaslr each discovery run found shift 0 and phys_base 0 (expected from the
    # guest's _text and "Kernel code", which the hook checked to be the link address)
    z=$(grep -c "^ok - linux live (nokaslr): .*: KASLR 0x0 (the guest's own view)" "$tmp/nokaslr.out")
    p=$(grep -c "^ok - linux live (nokaslr): .*: PHYS_BASE 0x0 (the guest's own view)" "$tmp/nokaslr.out")
    if [ "$z" -eq 8 ] && [ "$p" -eq 8 ]; then
        echo "ok - linux flavours: nokaslr: KASLR shift 0 and phys_base 0 in all 8 discovery runs"
    else
        echo "not ok - linux flavours: nokaslr: KASLR 0x0 in $z, PHYS_BASE 0x0 in $p of 8 runs"
        rc=1
    fi ;;
esac
# the rt kernel lays its structures out differently from the cloud one (the nokaslr lane),
# so the walkers' right answers above came from each kernel's own BTF (linux_btf_live
# prints the offsets it used); the generic kernel's are shown for comparison
offs() { sed -n 's/^# dump: offsets //p' "$tmp/$1.out" 2>/dev/null; }
case " $lanes " in *" rt "*" nokaslr "*|*" nokaslr "*" rt "*)
    ort=$(offs rt) ocl=$(offs nokaslr)
    if [ -n "$ort" ] && [ -n "$ocl" ] && [ "$ort" != "$ocl" ]; then
        echo "ok - linux flavours: the rt and cloud kernels' layouts differ (rt: $ort; cloud: $ocl)"
    else
        echo "not ok - linux flavours: the rt and cloud kernels' offsets do not differ or are missing (rt: $ort; cloud: $ocl)"
        rc=1
    fi ;;
esac
case " $lanes " in *" generic "*) echo "# generic kernel's offsets: $(offs generic)" ;; esac
exit $rc
