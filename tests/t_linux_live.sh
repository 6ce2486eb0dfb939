#!/bin/sh
# tests/t_linux_live.sh: memintro_linux.h's kernel discovery and symbols against the REAL
# test guest (tests/guest: Debian 12's 6.1 cloud kernel, KASLR on, QEMU TCG, q35 512M).
# Real data only. Expected values come from the guest itself:
#   - its serial console's FACT lines (tests/guest/README.md): the banner (/proc/version),
#     _text and init_top_pgt from /proc/kallsyms, "Kernel code" from /proc/iomem, la57;
#   - a sample of its /proc/kallsyms (every 150th core symbol plus a few named ones), which a
#     wrapper /init appended to the guest's initramfs prints before running the guest's own
#     /init: "KSYM addr type name first-name-at-addr next-addr count first-addr-of-name".
# The expected KASLR shift is _text - 0xffffffff81000000, phys_base is "Kernel code"'s start
# - (_text - 0xffffffff80000000), the DTB init_top_pgt - 0xffffffff80000000 + phys_base.
# build/tests-san/linux_live (tests/linux_live.c, ASan+UBSan) is the library's side; it
# runs on the live VM (qemu:pid=N,qmp=...: CR3 from QMP, and with no hints at all: the
# trampoline page table below 1 MiB, and the banner scan), on a QEMU ELF dump (VMCOREINFO +
# the CPU notes' CR3; VMCOREINFO alone; CR3 alone; no hints; the banner scan) and on a
# kdump-zlib dump. A second boot with -cpu max checks 5-level paging.
# Parameters (tests/t_linux_flavours.sh): MI_LINUX_GUEST (guest dir, default build/guest),
# MI_LINUX_KERNEL (its kernel flavour, see tests/guest/build.sh), MI_LINUX_APPEND (kernel
# command-line words), MI_LINUX_LABEL (added to each line), MI_LINUX_QUICK=1 (no kdump, no
# -cpu max), MI_LINUX_HOOK (a command run with G=RUNDIR PID=N DUMP=ELF while the ELF dump exists).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@" # 64-bit hex arithmetic
set -u
cd "$(dirname "$0")/.." || exit 1
live=build/tests-san/linux_live
. tests/guest/live.sh
live_begin "linux live" "$live" mk/linux.mk

gsrc=${MI_LINUX_GUEST:-build/guest}
lbl=${MI_LINUX_LABEL:+ $MI_LINUX_LABEL}
ok() { echo "ok - linux live$lbl: $*"; }
nok() { echo "not ok - linux live$lbl: $*"; }
fact() { sed -n "s/^FACT $1 //p" "$g/serial.log" | head -n 1; }
hex() { printf '0x%x' "$(($1))"; }

if ! tests/guest/build.sh ${MI_LINUX_KERNEL:+--kernel "$MI_LINUX_KERNEL"} "$gsrc" >"$tmp/build.log" 2>&1; then
    nok "building the test guest failed"
    sed 's/^/    # /' "$tmp/build.log" | tail -20
    exit 1
fi
# the guest with a wrapper /init that prints a sample of /proc/kallsyms first (a second
# cpio appended to the initramfs replaces /init; the kernel unpacks both)
# (a hard-linked copy of build/guest whose stamp still matches, so boot.sh's build.sh
# keeps it as it is; only initrd.img is replaced, by a new file)
gd=$tmp/guest
cp -al "$gsrc" "$gd" || { nok "cannot copy $gsrc"; exit 1; }
# (the guest's own /init goes to /mi/init, so PID 1's comm stays "init")
mkdir -p "$gd/root/mi"
cp tests/guest/init "$gd/root/mi/init"
cat >"$gd/root/init" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
stty -onlcr
echo 0 > /proc/sys/kernel/kptr_restrict
awk 'BEGIN { want["_text"] = want["init_task"] = want["linux_banner"] = want["init_top_pgt"] = 1
             want["jiffies"] = want["__start_BTF"] = want["startup_64"] = want["_etext"] = 1 }
     NF != 3 { next }
     FNR == NR { cnt[$3]++; if (!($3 in fa)) fa[$3] = $1; nsym++; next }
     $1 != cur { for (i = 0; i < np; i++) print pend[i] " " $1 " " pc[i]; np = 0; cur = $1; first = $3 }
     { k++; if (k % 150 == 0 || $3 in want) { pend[np] = "KSYM " $1 " " $2 " " $3 " " first; pc[np++] = cnt[$3] " " fa[$3] } }
     END { for (i = 0; i < np; i++) print pend[i] " - " pc[i]; print "KCOUNT " nsym }' /proc/kallsyms /proc/kallsyms
umount /dev
umount /proc
exec /mi/init
EOF
chmod 755 "$gd/root/init" "$gd/root/mi/init"
(cd "$gd/root" && printf 'init\nmi\nmi/init\n' | cpio -o -H newc --quiet) >"$tmp/wrap.cpio"
# the kernel looks for the next archive at a 4-byte boundary: pad the gzip'd one with zeros
isz=$(wc -c <"$gsrc/initrd.img")
{ cat "$gsrc/initrd.img"; head -c $(((512 - isz % 512) % 512)) /dev/zero; cat "$tmp/wrap.cpio"; } >"$tmp/initrd.img" &&
    mv -f "$tmp/initrd.img" "$gd/initrd.img"

boot() { # EXTRA-QEMU-ARGS
    tests/guest/stop.sh "$g" >/dev/null 2>&1
    rm -rf "$g"
    if ! tests/guest/boot.sh --dir "$g" --guest "$gd" --name mi-linux-live --machine q35 --mem 512M \
        --append "${MI_LINUX_APPEND:-}" --extra "$1" >"$tmp/pid" 2>"$tmp/boot"; then
        nok "the guest did not boot ($1)"
        sed 's/^/    # /' "$tmp/boot" | tail -10
        return 1
    fi
}
boot "" || exit 1
pid=$(cat "$tmp/pid")
grep '^KSYM ' "$g/serial.log" >"$tmp/ksym"
kcount=$(sed -n 's/^KCOUNT //p' "$g/serial.log")
if [ "$(wc -l <"$tmp/ksym")" -lt 300 ]; then
    nok "the guest printed too few /proc/kallsyms lines ($(wc -l <"$tmp/ksym"))"
    exit 1
fi

# queries and their expected answers, from the guest's lines alone
: >"$tmp/q"
: >"$tmp/expect"
while read -r _ a _ name first next count fa; do
    echo "sym $name" >>"$tmp/q"
    echo "SYM $name 0x$fa" >>"$tmp/expect"
    echo "at $a" >>"$tmp/q"
    echo "AT $a $first+0x0" >>"$tmp/expect"
    if [ "$next" != - ]; then
        d=$(((0x$next - 0x$a) / 2))
        m=$(printf '%016x' $((0x$a + d)))
        echo "at $m" >>"$tmp/q"
        echo "AT $m $first+$(hex $d)" >>"$tmp/expect"
    fi
done <"$tmp/ksym"
nq=$(grep -c . "$tmp/q")
nsym=$(grep -c '^sym ' "$tmp/q")

text=$(fact 'kallsyms _text')
top=$(fact 'kallsyms init_top_pgt')
code=$(fact kernel_code)
code=0x${code%-*}
btf_size=$(fact btf_size)
banner=$(fact banner)
exp_kaslr=$(hex "$text - 0xffffffff81000000")
exp_pb=$(hex "$code - ($text - 0xffffffff80000000)")
exp_dtb=$(hex "$top - 0xffffffff80000000 + $exp_pb")
exp_levels=4
[ "$(fact la57)" = yes ] && exp_levels=5

check_run() { # NAME OUTPUT-FILE [LEVELS]
    n=$1 out=$2 lv=${3:-$exp_levels}
    if grep -q '^E ' "$out" || ! grep -q '^NSYMS ' "$out"; then
        nok "$n: the kernel was not found"
        sed 's/^/    # /' "$out" | head -10
        return
    fi
    if [ "$(sed -n 's/^BANNER //p' "$out")" = "$banner" ]; then ok "$n: banner = the guest's /proc/version"; else
        nok "$n: banner"
        echo "    # got: $(sed -n 's/^BANNER //p' "$out")"
        echo "    # guest: $banner"
    fi
    for f in "KASLR $exp_kaslr" "PHYS_BASE $exp_pb" "DTB $exp_dtb" "LEVELS $lv" "NSYMS $kcount" "BTF $(hex "$(fact 'kallsyms __start_BTF') - 0xffffffff80000000 + $exp_pb") $btf_size"; do
        if grep -qx "$f" "$out"; then ok "$n: $f (the guest's own view)"; else
            nok "$n: expected $f"
            grep "^${f%% *} " "$out" | sed 's/^/    # got: /'
        fi
    done
    if grep -qx 'BTF_MAGIC 9feb' "$out"; then ok "$n: the BTF blob read starts with BTF's magic"; else nok "$n: BTF magic"; fi
    grep -E '^(SYM|AT) ' "$out" >"$tmp/got"
    if diff "$tmp/expect" "$tmp/got" >"$tmp/diff"; then
        ok "$n: $nq symbol queries ($nsym names -> address, $((nq - nsym)) addresses -> name+offset) equal /proc/kallsyms"
    else
        nok "$n: symbol queries differ from /proc/kallsyms ($(grep -c '^[<>]' "$tmp/diff") lines)"
        head -20 "$tmp/diff" | sed 's/^/    # /'
    fi
}
run() { # NAME SPEC HINTS
    timeout 300 "$live" "$2" "$3" <"$tmp/q" >"$tmp/out.$1" 2>"$tmp/err.$1"
    check_run "$1" "$tmp/out.$1"
    grep '^MS ' "$tmp/out.$1" | sed "s/^/    # $1: discovery /"
}

run "live, CR3 from QMP" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" target
if grep -qx 'IMAGE_SOURCE 2' "$tmp/out.live, CR3 from QMP"; then ok "live: the image was found through CPU 0's page tables"; else
    nok "live: the image was not found through the CR3 hint"; grep '^HINTS\|^IMAGE' "$tmp/out.live, CR3 from QMP" | sed 's/^/    # /'
fi
run "live, no hints" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" none
if grep -qx 'IMAGE_SOURCE 4' "$tmp/out.live, no hints"; then ok "live, no hints: the image was found through the trampoline's page table below 1 MiB"; else
    nok "live, no hints: not found through low memory"; grep '^IMAGE' "$tmp/out.live, no hints" | sed 's/^/    # /'
fi
run "live, banner scan" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" scan

if timeout 120 tests/guest/qmp.sh "$g/qmp-test.sock" \
    "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$tmp/d.elf\"}}" >/dev/null; then
    run "ELF dump, VMCOREINFO + CPU notes" "dump:$tmp/d.elf" target
    if grep -q '^HINTS .*kaslr=1' "$tmp/out.ELF dump, VMCOREINFO + CPU notes"; then ok "ELF dump: VMCOREINFO gave the KASLR hints"; else nok "ELF dump: no VMCOREINFO hints"; fi
    run "ELF dump, VMCOREINFO only" "dump:$tmp/d.elf" vmcoreinfo
    run "ELF dump, CR3 only" "dump:$tmp/d.elf" cr3
    run "ELF dump, no hints" "dump:$tmp/d.elf" none
    run "ELF dump, banner scan" "dump:$tmp/d.elf" scan
    if [ -n "${MI_LINUX_HOOK:-}" ]; then G=$g PID=$pid DUMP=$tmp/d.elf sh -c "$MI_LINUX_HOOK"; fi
    rm -f "$tmp/d.elf"
else
    nok "dump-guest-memory (ELF) failed"
fi
[ -n "${MI_LINUX_QUICK:-}" ] && exit 0
if timeout 300 tests/guest/qmp.sh -t 300 "$g/qmp-test.sock" \
    "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"format\":\"kdump-zlib\",\"protocol\":\"file:$tmp/d.kdump\"}}" >/dev/null; then
    run "kdump-zlib dump" "dump:$tmp/d.kdump" target
    rm -f "$tmp/d.kdump"
else
    nok "dump-guest-memory (kdump-zlib) failed"
fi

# 5-level paging: -cpu max has LA57 (FACT la57 yes)
if boot "-cpu max"; then
    pid=$(cat "$tmp/pid")
    if [ "$(fact la57)" != yes ]; then
        nok "-cpu max: the guest says la57 $(fact la57)"
    else
        grep '^KSYM ' "$g/serial.log" >"$tmp/ksym"
        kcount=$(sed -n 's/^KCOUNT //p' "$g/serial.log")
        : >"$tmp/q"
        : >"$tmp/expect"
        while read -r _ a _ name first next count fa; do
            echo "sym $name" >>"$tmp/q"
            echo "SYM $name 0x$fa" >>"$tmp/expect"
        done <"$tmp/ksym"
        nq=$(grep -c . "$tmp/q")
        nsym=$nq
        text=$(fact 'kallsyms _text')
        top=$(fact 'kallsyms init_top_pgt')
        code=$(fact kernel_code)
        code=0x${code%-*}
        banner=$(fact banner)
        btf_size=$(fact btf_size)
        exp_kaslr=$(hex "$text - 0xffffffff81000000")
        exp_pb=$(hex "$code - ($text - 0xffffffff80000000)")
        exp_dtb=$(hex "$top - 0xffffffff80000000 + $exp_pb")
        exp_levels=5
        run "5-level, live, CR3 from QMP" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" target
        run "5-level, live, no hints" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" none
        run "5-level, live, banner scan" "qemu:pid=$pid,qmp=unix:$g/qmp.sock" scan
    fi
fi
exit 0
