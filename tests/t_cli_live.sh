#!/bin/sh
# tests/t_cli_live.sh: the memintro command-line tool end to end against the REAL test guest
# (tests/guest: Debian kernel + busybox under QEMU/TCG, q35, 512 MiB, two QMP sockets).
#
# One guest is booted in build/cli-live.PID and stopped at the end (trap). Expected values
# come from QEMU (info mtree -f, info registers over the guest's second QMP socket, through
# tests/guest/qmp.sh) and from the guest itself (serial.log: the markers' physical
# addresses from /proc/self/pagemap, /proc/iomem's "Kernel code", /proc/kallsyms, the
# banner from /proc/version), never from memintro. The kernel's physical image is
# contiguous from _text, so linux_banner's physical address is
#     (Kernel code start) + (linux_banner - _text)
# which the CLI must reach both through the guest's page tables (translate with CPU 0's CR3)
# and by searching guest memory. About 20-40 s on 2 cores (boot 4-15 s).
set -u
cd "$(dirname "$0")/.." || exit 1
M=build/memintro
MS=build/memintro-san
R=build/cli-live.$$
NAME=memintro-cli-live-$$

pass() { echo "ok - cli-live: $*"; }
fail() { echo "not ok - cli-live: $*"; }
check() { # DESC COND...
    d=$1
    shift
    if "$@"; then pass "$d"; else fail "$d"; fi
}
run() { # CMD...: stdout in $R/out, stderr in $R/err, status in $rc
    "$@" >"$R/out" 2>"$R/err"
    rc=$?
}
show() { sed 's/^/    # /' "$@" | head -12; }
qmp() { timeout 60 bash tests/guest/qmp.sh "$@"; }
fact() { sed -n "s/^FACT $1 //p" "$R/serial.log" | head -1; }
hex() { printf '0x%x' "$1"; }
# join: "0xS-0xE ..." lines (sorted), address-adjacent ones merged, as "0xS-0xE"
joinranges() { awk '{ split($1, a, "-"); if (n && a[1] "" == last "") { end = a[2] } else { if (n++) print start "-" end; start = a[1]; end = a[2] } last = a[2] }
    END { if (n) print start "-" end }'; }
# the low 32 bits of a 64-bit hex number (sh arithmetic is signed 64-bit)
lo32() { h=${1#0x}; while [ ${#h} -lt 8 ]; do h=0$h; done; echo "0x${h#"${h%????????}"}"; }

if [ ! -x "$M" ]; then
    fail "$M is not built (make)"
    exit 1
fi
sh tests/deps.sh qemu-system-x86 socat busybox-static cpio gcc libc6-dev jq >/dev/null || {
    fail "packages for the live tests are missing (see above)"
    exit 1
}
mkdir -p "$R"
R=$(cd "$R" && pwd)
cleanup() {
    sh tests/guest/stop.sh "$R" >/dev/null 2>&1
    rm -rf "$R"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t0=$(date +%s)
if ! pid=$(sh tests/guest/boot.sh --dir "$R" --name "$NAME" --machine q35 --mem 512M 2>"$R/boot.err"); then
    fail "booting the test guest failed"
    show "$R/boot.err"
    exit 1
fi
echo "# guest $NAME booted in $(($(date +%s) - t0)) s, pid $pid"
Q="-c qemu:name=$NAME,qmp=unix:$R/qmp.sock"

# --- targets ---------------------------------------------------------------------------
run $M targets
check "targets lists the guest: pid, name, q35, 512 MiB, its first QMP socket" \
    eval '[ "$rc" = 0 ] && grep -qE "^$pid +$NAME +q35 +512 MiB +unix:$R/qmp.sock\$" "$R/out"'
run $M --json targets
check "targets --json has the guest with pid, machine, RAM and QMP address" \
    [ "$rc" = 0 -a "$(jq -r ".[] | select(.name == \"$NAME\") | \"\(.pid) \(.machine) \(.ram) \(.qmp)\"" "$R/out" 2>/dev/null)" = "$pid q35 536870912 unix:$R/qmp.sock" ]

# -c qemu alone means the only VM: this one, or (other VMs running) an error that lists them
run $M --json targets
others=$(jq -r "[.[] | select(.pid != $pid)] | length" "$R/out" 2>/dev/null)
run $M -c qemu --json info
if [ "$others" = 0 ]; then
    check "-c qemu (the only VM running) opens the guest" [ "$rc" = 0 -a "$(jq -r .facts.pid "$R/out" 2>/dev/null)" = "$pid" ]
else
    check "-c qemu with $((others + 1)) VMs running: exit 1, one line listing them (with this one)" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$R/err")" = 1 ] && grep -q "choose one with name= or pid=" "$R/err" && grep -q "pid $pid \"$NAME\"" "$R/err"'
fi

# --- info: layout from QMP equals QEMU's own flat view ---------------------------------
# AS "memory"'s ram/rom/romd ranges of info mtree -f as "0xSTART-0xEND" (end exclusive)
qmp --hmp "$R/qmp-test.sock" 'info mtree -f' >"$R/mtree" || fail "info mtree -f over the test QMP socket"
awk '/^FlatView/ { fv = 0 } /^ AS "memory"/ { fv = 1 }
     fv && /^  [0-9a-f]+-[0-9a-f]+ \(prio / {
         t = $4; sub(/\).*/, "", t); sub(/^nv-/, "", t)
         if (t == "ram" || t == "rom" || t == "romd") { split($1, a, "-"); print a[1], a[2], $5 }
     }' "$R/mtree" | while read -r s e n; do
    echo "$(hex "0x$s")-$(hex $((0x$e + 1))) $n"
done >"$R/mtree.ram"
run $M $Q --json info
jq -r '.ranges[] | .start + "-" + .end + " " + (.backing | split("+")[0])' "$R/out" >"$R/got" 2>/dev/null
if [ "$rc" = 0 ] && [ -s "$R/mtree.ram" ] && cmp -s "$R/mtree.ram" "$R/got"; then
    pass "info --json: the $(wc -l <"$R/got") ranges and their RAM blocks equal QEMU's info mtree -f"
else
    fail "info --json ranges differ from info mtree -f (exit $rc)"
    diff "$R/mtree.ram" "$R/got" | show
fi
check "info --json: layout qmp, connector qemu, facts.pid, ram 512 MiB" \
    [ "$(jq -r '.layout + " " + .connector + " " + .facts.pid + " " + (.ram | tostring)' "$R/out" 2>/dev/null)" = "qmp qemu $pid 536870912" ]
# CR3 as QEMU's info registers shows it (hex digits). The guest is idle once READY, but its
# /init may still be switching to its final `sleep`: read QEMU's value before and after the
# CLI's and retry until they agree.
qemu_cr3() { qmp --hmp "$R/qmp-test.sock" 'info registers' | sed -n 's/.*CR3=\([0-9a-f]*\).*/\1/p' | head -1; }
for try in 1 2 3; do
    cr3=$(qemu_cr3)
    run $M $Q --json info
    [ "$(qemu_cr3)" = "$cr3" ] && break
    sleep 1
done
check "info --json: CPU 0's CR3 equals QEMU's info registers ($(hex "0x$cr3"))" \
    [ -n "$cr3" -a "$(jq -r '.cpus[0].cr3' "$R/out" 2>/dev/null)" = "$(hex "0x$cr3")" ]
run $M $Q info
check "info (text) says the layout came from QEMU over QMP and lists the ranges" \
    eval '[ "$rc" = 0 ] && grep -q "^layout .*from QEMU itself over QMP" "$R/out" && [ "$(grep -c "^range " "$R/out")" = "$(wc -l <"$R/mtree.ram")" ]'
run $M -c "qemu:name=$NAME,map=table" --json info
# the table's ranges: pc.ram's ranges of the flat view, adjacent ones joined
grep ' pc\.ram$' "$R/mtree.ram" | joinranges >"$R/table.want"
jq -r '.ranges[] | .start + "-" + .end' "$R/out" >"$R/table.got" 2>/dev/null
check "info with map=table says the layout was inferred; its ranges are pc.ram's in QEMU's view" \
    eval '[ "$rc" = 0 ] && [ "$(jq -r .layout "$R/out")" = inferred ] && cmp -s "$R/table.want" "$R/table.got"'
run $M -c "qemu:name=$NAME,map=table" info
check "info (text) with map=table says INFERRED" eval '[ "$rc" = 0 ] && grep -q "^layout *INFERRED" "$R/out"'

# --- read: the markers at the physical addresses the guest reported --------------------
bad=0 n=0
grep '^MARKER ' "$R/serial.log" >"$R/markers"
while read -r _ comm _ _ pa text; do
    pa=${pa#pa=} text=${text#text=}
    n=$((n + 1))
    got=$($M -c "qemu:name=$NAME" read "$pa" ${#text} -o - 2>>"$R/err")
    [ "$got" = "$text" ] || { bad=$((bad + 1)); echo "# $comm $pa: '$got' != '$text'"; }
done <"$R/markers"
check "read of each of the $n markers at its guest-reported physical address" [ "$n" = 8 -a "$bad" = 0 ]
set -- $(grep '^SPAN mi-marker-1 ' "$R/serial.log")
spa=${5#pa=} spa2=${6#pa2=} stext=${8#text=}
first=$($M -c "qemu:name=$NAME" read "$spa" 24 -o - 2>/dev/null)
second=$($M -c "qemu:name=$NAME" read "$spa2" 31 -o - 2>/dev/null)
check "read of the span string's two halves (pa, pa2)" [ "$first$second" = "$stext" ]
mpa=$(sed -n '1s/.* pa=\([^ ]*\) .*/\1/p' "$R/markers")
mtext=$(sed -n '1s/.* text=//p' "$R/markers")
run $M -c "qemu:name=$NAME" read "$mpa" 32
check "read (hexdump) of marker 1 shows its text in the ASCII column" \
    eval '[ "$rc" = 0 ] && [ "$(sed "s/^[^|]*|//; s/|$//" "$R/out" | tr -d "\n" | cut -c1-29)" = "$mtext" ]'

# --- the kernel banner -----------------------------------------------------------------
code=$(fact kernel_code)
cstart=0x${code%-*}
banner_va=$(sed -n 's/^FACT kallsyms linux_banner //p' "$R/serial.log")
text_va=$(sed -n 's/^FACT kallsyms _text //p' "$R/serial.log")
banner=$(fact banner)
# linux_banner - _text is below 4 GiB: computed on the low 32 bits
bpa=$(hex $((cstart + ((($(lo32 "$banner_va")) - ($(lo32 "$text_va"))) & 0xffffffff))))
echo "# Kernel code at $cstart, linux_banner $banner_va (_text $text_va) -> physical $bpa"
got=$($M -c "qemu:name=$NAME" read "$bpa" ${#banner} -o - 2>/dev/null)
check "read at Kernel code + (linux_banner - _text) gives /proc/version's banner" [ -n "$banner" -a "$got" = "$banner" ]
run $M -c "qemu:name=$NAME" search "Linux version" "$cstart" 64M
check "search \"Linux version\" in the kernel's physical image lists $bpa with the banner text" \
    eval '[ "$rc" = 0 ] && grep -q "^$bpa  Linux version $(fact uname) " "$R/out"'
run $M $Q translate "$banner_va"
check "translate linux_banner with CPU 0's CR3 (from QMP, no --arch/--dtb) gives $bpa" \
    eval '[ "$rc" = 0 ] && grep -q "^$banner_va -> $bpa (2M page, ro kernel nx)\$" "$R/out"'
run $M $Q read --virt "$banner_va" 64
check "read --virt linux_banner (hexdump) shows \"Linux version\"" \
    eval '[ "$rc" = 0 ] && sed "s/^[^|]*|//; s/|$//" "$R/out" | tr -d "\n" | grep -q "^Linux version $(fact uname)"'

# --- search the whole guest ------------------------------------------------------------
run $M -c "qemu:name=$NAME" --json search "$mtext"
check "search of all guest memory for marker 1 finds it at $mpa" \
    eval '[ "$rc" = 0 ] && jq -r ".matches[].address" "$R/out" | grep -qx "$mpa"'

# --- write (only with ,write), read back through QEMU's own xp -------------------------
wpa=$(hex $((mpa + 0x800)))
run $M -c "qemu:name=$NAME" write "$wpa" "de ad be ef"
check "write without ,write: exit 1, one line naming ,write" \
    eval '[ "$rc" = 1 ] && [ "$(wc -l <"$R/err")" = 1 ] && grep -q ",write" "$R/err"'
run $M -c "qemu:name=$NAME,write" write "$wpa" "de ad be ef"
qmp --hmp "$R/qmp-test.sock" "xp /1xw $wpa" >"$R/xp"
check "write with ,write: QEMU's xp reads 0xefbeadde back" eval '[ "$rc" = 0 ] && grep -q "0xefbeadde" "$R/xp"'

# --- dump: an ELF core, read back through dump: ----------------------------------------
E=$R/live.elf
# paused, so that CPU 0's CR3 in the core is the one QEMU reports after it (a running guest
# switches address spaces between the two)
qmp --hmp "$R/qmp-test.sock" stop >/dev/null
run $M $Q dump -o "$E"
cr3=$(qemu_cr3)
qmp --hmp "$R/qmp-test.sock" cont >/dev/null
check "dump -o FILE: exit 0, one summary line, an ELF core with CPU state" \
    eval '[ "$rc" = 0 ] && [ ! -s "$R/err" ] && grep -q "^wrote $E: ELF core .*with CPU state" "$R/out"'
echo "# $(cat "$R/out")"
run $M -c "dump:$E" --json info
check "-c dump: info: format elf, 1 CPU, CR3 equal to QEMU's" \
    [ "$(jq -r '.facts.format + " " + .facts.cpus + " " + .cpus[0].cr3 + " " + .paging.dtb' "$R/out" 2>/dev/null)" = "elf 1 $(hex "0x$cr3") $(hex $((0x$cr3 & ~0xfff)))" ]
jq -r '.ranges[] | .start + "-" + .end' "$R/out" >"$R/elf.ranges"
joinranges <"$R/mtree.ram" >"$R/elf.want"
check "the ELF core holds exactly QEMU's RAM/ROM ranges (adjacent ones joined)" cmp -s "$R/elf.want" "$R/elf.ranges"
run $M -c "dump:$E" info
check "-c dump: info (text) shows the format and CPU 0's CR3" \
    eval '[ "$rc" = 0 ] && grep -q "^format *elf" "$R/out" && grep -q "^cpu0.cr3 *$(hex "0x$cr3")" "$R/out" && grep -q "^virtual *x86_64" "$R/out"'
run $M -c "dump:$E" --json info
dcr3=$(jq -r '.cpus[0].cr3' "$R/out" 2>/dev/null)
live=$($M -c "qemu:name=$NAME" read "$mpa" 4096 -o - 2>/dev/null | od -An -v -tx1)
fromdump=$($M -c "dump:$E" read "$mpa" 4096 -o - 2>/dev/null | od -An -v -tx1)
check "read of marker 1's page from the dump equals the live read" [ -n "$live" -a "$live" = "$fromdump" ]
run $M -c "dump:$E" --arch x86_64 --dtb "$(hex $((dcr3 & ~0xfff)))" translate "$banner_va"
check "translate --arch x86_64 --dtb <CR3 from the dump> linux_banner gives $bpa" \
    eval '[ "$rc" = 0 ] && grep -q "^$banner_va -> $bpa " "$R/out"'
got=$($M -c "dump:$E" read "$bpa" ${#banner} -o - 2>/dev/null)
check "read of $bpa from the dump gives the banner" [ "$got" = "$banner" ]
run $M -c "dump:$E" read --virt "$banner_va" 13 -o -
check "read --virt from the dump with its own CPU 0 (no --arch/--dtb) gives \"Linux version\"" \
    [ "$rc" = 0 -a "$(cat "$R/out")" = "Linux version" ]
if [ -x "$MS" ]; then
    run $MS -c "dump:$E" --json search "$mtext"
    check "memintro-san: search of the whole ELF core for marker 1 finds $mpa" \
        eval '[ "$rc" = 0 ] && jq -r ".matches[].address" "$R/out" | grep -qx "$mpa"'
    run $MS $Q --json info
    check "memintro-san: info --json over QMP (ranges as above)" \
        eval '[ "$rc" = 0 ] && [ "$(jq -r ".ranges | length" "$R/out")" = "$(wc -l <"$R/mtree.ram")" ] && [ ! -s "$R/err" ]'
    run $MS $Q read --virt "$banner_va" 13 -o -
    check "memintro-san: read --virt linux_banner over the live VM" [ "$rc" = 0 -a "$(cat "$R/out")" = "Linux version" ]
fi
run $M $Q dump -o "$E"
check "dump refuses to replace the ELF core (exit 1, one line)" \
    eval '[ "$rc" = 1 ] && [ "$(wc -l <"$R/err")" = 1 ] && grep -q -- "--force" "$R/err"'

# --- bad connector strings and dumps: one line, non-zero, nothing on stdout ------------
err_case() { # DESC WORD ARGS...
    d=$1 word=$2
    shift 2
    run $M "$@"
    if [ "$rc" != 0 ] && [ "$(wc -l <"$R/err")" = 1 ] && grep -q '^memintro: error: ' "$R/err" &&
        grep -qiF -- "$word" "$R/err" && [ ! -s "$R/out" ]; then
        pass "$d: exit $rc, one line naming '$word'"
    else
        fail "$d: exit $rc, $(wc -l <"$R/err") stderr lines"
        show "$R/err"
    fi
}
err_case "unknown connector option" "bogus" -c "qemu:name=$NAME,bogus=1" info
err_case "non-numeric pid" "pid=12ab" -c "qemu:pid=12ab" info
err_case "nonexistent VM name" "no-such-vm" -c "qemu:name=no-such-vm" info
err_case "map=qmp with a QMP socket that does not exist" "$R/nosock" -c "qemu:name=$NAME,qmp=unix:$R/nosock,map=qmp" info
err_case "missing dump file" "no such file" -c "dump:$R/missing.elf" info
head -c 100000 "$E" >"$R/trunc.elf"
err_case "truncated ELF core" "trunc.elf" -c "dump:$R/trunc.elf" info
{ printf 'KDUMP   '; head -c 8192 /dev/urandom; } >"$R/garbage.kdump"
err_case "garbage kdump file" "garbage.kdump" -c "dump:$R/garbage.kdump" info
rm -f "$E"

# --- the VM exits in the middle of a search and of a dump ------------------------------
# A search of all guest memory for a masked pattern the guest does not hold (a masked scan
# is the slow kind) and a dump run; once the search has used 0.1 s of CPU and the dump has
# written 8 MiB, both are stopped (SIGSTOP), QEMU is killed, and both continue: each must
# fail with exit 1 and one error line saying the target is gone (never "no match"), the
# dump naming the bytes it had written, and no file may be left.
cputicks() { awk '{ print $14 + $15 }' /proc/$1/stat 2>/dev/null || echo 0; }
G=$R/gone.elf
$M -c "qemu:name=$NAME" search --hex "6d 69 ?? 67 6f 6e 65 ?? 6e 6f 2d 73 75 63 68 ?? 74 65 78 74" \
    >"$R/s.out" 2>"$R/s.err" &
sp=$!
n=0
while [ $n -lt 3000 ] && [ "$(cputicks $sp)" -lt 10 ] && kill -0 $sp 2>/dev/null; do sleep 0.01; n=$((n + 1)); done
kill -STOP $sp 2>/dev/null
$M $Q dump -o "$G" >"$R/d.out" 2>"$R/d.err" &
dp=$!
n=0
while [ $n -lt 3000 ] && kill -0 $dp 2>/dev/null; do
    part=$(ls "$R" | grep '^gone\.elf\.partial' | head -1)
    [ -n "$part" ] && [ "$(stat -c %s "$R/$part" 2>/dev/null || echo 0)" -ge 8388608 ] && break
    sleep 0.01
    n=$((n + 1))
done
kill -STOP $dp 2>/dev/null
searching=0 dumping=0
kill -0 $sp 2>/dev/null && searching=1
kill -0 $dp 2>/dev/null && dumping=1
kill -9 "$pid" 2>/dev/null
n=0
while [ $n -lt 1000 ] && [ -e /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null; do sleep 0.01; n=$((n + 1)); done
kill -CONT $sp $dp 2>/dev/null
wait $sp
src=$?
wait $dp
drc=$?
echo "# search: exit $src, $(cat "$R/s.err"); dump: exit $drc, $(cat "$R/d.err")"
check "search while the VM exits: exit 1, one error line saying it is gone, no \"no match\"" \
    eval '[ "$searching" = 1 ] && [ "$src" = 1 ] && [ "$(wc -l <"$R/s.err")" = 1 ] && grep -q "^memintro: error: .*gone" "$R/s.err" && ! grep -q "no match" "$R/s.err" && [ ! -s "$R/s.out" ]'
written=$(sed -n 's/.* after \([0-9.]* [MG]iB\).*/\1/p' "$R/d.err")
check "dump while the VM exits: exit 1, one line saying it is gone after the bytes written ($written), no file left" \
    eval '[ "$dumping" = 1 ] && [ "$drc" = 1 ] && [ "$(wc -l <"$R/d.err")" = 1 ] && grep -q "^memintro: error: .*gone" "$R/d.err" && [ -n "$written" ] && [ -z "$(ls "$R" | grep "^gone\.elf")" ]'

# --- the VM goes away ------------------------------------------------------------------
sh tests/guest/stop.sh "$R" >/dev/null 2>&1
err_case "the stopped VM by name" "$NAME" -c "qemu:name=$NAME" info
err_case "the stopped VM by pid" "$pid" -c "qemu:pid=$pid" info
echo "# $(($(date +%s) - t0)) s in all"
