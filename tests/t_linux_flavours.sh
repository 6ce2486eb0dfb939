#!/bin/sh
# tests/t_linux_flavours.sh: memintro_linux.h on two more REAL test guests (tests/guest),
# booted at the same time (one per core):
#   generic   Debian 12's generic kernel (linux-image-amd64, build/guest-amd64), KASLR on:
#             a kernel built with another config than cloud-amd64, so the structure
#             offsets the walkers use must really come from its own BTF;
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

# Both guests built first, one after the other (cached; apt runs once at a time).
for k in amd64:build/guest-amd64 cloud:build/guest; do
    if ! tests/guest/build.sh --kernel "${k%%:*}" "${k#*:}" >"$tmp/build.log" 2>&1; then
        echo "not ok - linux flavours: building the ${k%%:*} guest failed"
        sed 's/^/    # /' "$tmp/build.log" | tail -20
        exit 1
    fi
done
# The generic kernel has what the layer needs (build.sh refuses a kernel without it).
for opt in CONFIG_KALLSYMS_ALL CONFIG_DEBUG_INFO_BTF; do
    if grep -qx "$opt=y" build/guest-amd64/kernel-config; then
        echo "ok - linux flavours: the generic kernel $(cat build/guest-amd64/kernel-version) has $opt=y"
    else
        echo "not ok - linux flavours: the generic kernel lacks $opt=y"
    fi
done

lane() { # LABEL KERNEL GUESTDIR APPEND
    s=$(date +%s)
    MI_LINUX_GUEST=$3 MI_LINUX_KERNEL=$2 MI_LINUX_APPEND=$4 MI_LINUX_LABEL="($1)" MI_LINUX_QUICK=1 \
        MI_LINUX_HOOK="bash tests/t_linux_flavours.sh --hook '$1' '$3' '$4'" \
        bash tests/t_linux_live.sh >"$tmp/$1.out" 2>&1
    echo "$(($(date +%s) - s))" >"$tmp/$1.secs"
}
lane generic amd64 build/guest-amd64 "" &
a=$!
lane nokaslr cloud build/guest nokaslr &
b=$!
wait $a $b

rc=0
for l in generic nokaslr; do
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
# with nokaslr each discovery run found shift 0 and phys_base 0 (expected from the
# guest's _text and "Kernel code", which the hook checked to be the link address)
z=$(grep -c "^ok - linux live (nokaslr): .*: KASLR 0x0 (the guest's own view)" "$tmp/nokaslr.out")
p=$(grep -c "^ok - linux live (nokaslr): .*: PHYS_BASE 0x0 (the guest's own view)" "$tmp/nokaslr.out")
if [ "$z" -eq 8 ] && [ "$p" -eq 8 ]; then
    echo "ok - linux flavours: nokaslr: KASLR shift 0 and phys_base 0 in all 8 discovery runs"
else
    echo "not ok - linux flavours: nokaslr: KASLR 0x0 in $z, PHYS_BASE 0x0 in $p of 8 runs"
    rc=1
fi
# the two kernels lay their structures out differently, so the walkers' right answers above
# came from each kernel's own BTF (linux_btf_live prints the offsets it used)
og=$(sed -n 's/^# dump: offsets //p' "$tmp/generic.out")
oc=$(sed -n 's/^# dump: offsets //p' "$tmp/nokaslr.out")
if [ -n "$og" ] && [ -n "$oc" ] && [ "$og" != "$oc" ]; then
    echo "ok - linux flavours: the generic and cloud kernels' layouts differ (generic: $og; cloud: $oc)"
else
    echo "not ok - linux flavours: the two kernels' offsets do not differ or are missing (generic: $og; cloud: $oc)"
    rc=1
fi
exit $rc
