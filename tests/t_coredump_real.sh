#!/bin/sh
# tests/t_coredump_real.sh: memintro_coredump.h on REAL dumps of the real test guest
# (tests/guest, one boot): a pc machine with 1536 MiB, 512 MiB of it above 4 GiB
# (max-ram-below-4g=1G), paused with QMP "stop" so that every dump and the live VM agree.
#   producers: QEMU dump-guest-memory (ELF; with begin/length; with paging=true, whose
#   segments overlap; each kdump format query-dump-guest-memory-capability lists),
#   memintro's own ELF writer, and Debian's makedumpfile
#   converting that ELF (it carries the guest's VMCOREINFO) into kdump files: lzo (seekable
#   and flattened -F), zlib, uncompressed, filtered (-d 31), and a flattened ELF (-E -F).
#   (QEMU's own kdump-zlib is the flattened zlib stream.)
#   (QEMU 7.2 writes its section headers before the program headers, which Debian's
#   makedumpfile 1.7.2 cannot read: "Can't get the number of PT_LOAD"; memintro's writer
#   lays the core out the classic way, so makedumpfile reads it.) Windows crash dump and
#   LiME versions of the same memory come from build/mkdump --from.
#   checks: the guest's own MARKER/SPAN lines (physical address and text, from
#   /proc/self/pagemap) are found in the dumps; pages saved from the live VM with QMP
#   pmemsave (markers, span pages, the kernel banner, the VMCOREINFO page, random pages,
#   half of them above 4 GiB, both ends of every range) equal every dump's; every page of
#   every dump equals QEMU's ELF; CR3 (and every other register both show) from each dump's
#   QEMU note equals "info registers".
# Big files are deleted as soon as they are checked, the directory at the end (CD_KEEP=1
# keeps its logs). Prints "ok -"/"not ok -"/"skip -" lines.
set -u
B=build
dir=$B/coredump-real.$$ # per run: several test runs may share the tree
run=$dir/run
start=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir/live"
abs=$(cd "$dir" && pwd)
DC=$B/dumpcheck
MK=$B/mkdump
cleanup() {
    tests/guest/stop.sh "$run" >/dev/null 2>&1
    if [ -n "${CD_KEEP:-}" ]; then
        rm -f "$dir"/*.elf "$dir"/*.kdump* "$dir"/mdf.* "$dir"/*.dmp # keep logs and live pages
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for t in $DC $MK; do
    [ -x "$t" ] || { echo "not ok - $t is not built (make $t)"; exit 1; }
done
sh tests/deps.sh qemu-system-x86 makedumpfile socat >/dev/null 2>&1 || {
    echo "not ok - coredump real: missing packages (qemu-system-x86 makedumpfile socat)"
    exit 1
}

if ! tests/guest/boot.sh --dir "$run" --machine pc,max-ram-below-4g=1G --mem 1536M --name "memintro-coredump-$$" \
    >"$dir/boot.out" 2>"$dir/boot.err"; then
    echo "not ok - boot the test guest (pc, 1536M, RAM above 4 GiB)"
    tail -5 "$dir/boot.err" | sed 's/^/    # /'
    exit 1
fi
echo "ok - test guest booted (pc,max-ram-below-4g=1G, 1536M)"
QMP="tests/guest/qmp.sh -t 300 $run/qmp-test.sock"
$QMP '{"execute":"stop"}' >/dev/null
caps=$($QMP '{"execute":"query-dump-guest-memory-capability"}')
tests/guest/qmp.sh --hmp "$run/qmp-test.sock" 'info registers' >"$dir/regs.txt"
cr3_live=$(sed -n 's/.*CR3=\([0-9a-f]*\).*/\1/p' "$dir/regs.txt" | head -1)
cr3_live=$(printf '%x' "0x${cr3_live:-0}")
echo "# QEMU dump formats: $caps; live CR3 $cr3_live"

# ---- producers ----
produce() { # NAME COMMAND...: runs a producer, ok/not ok with the file size
    name=$1
    shift
    t0=$(date +%s)
    if "$@" >"$dir/$name.log" 2>&1; then
        echo "ok - produced $name with: $* ($(($(date +%s) - t0)) s)" | sed "s|$abs/||g"
    else
        echo "not ok - producing $name failed: $*"
        tail -3 "$dir/$name.log" | sed 's/^/    # /'
    fi
}
produce qemu.elf $QMP "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$abs/qemu.elf\"}}"
# a filtered ELF: only guest-physical [1 MiB, 17 MiB) (dump-guest-memory begin/length)
produce qemu-part.elf $QMP "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$abs/qemu-part.elf\",\"begin\":1048576,\"length\":16777216}}"
# paging=true: one PT_LOAD per virtual mapping, so segments overlap in guest-physical space
produce qemu-paging.elf $QMP "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":true,\"protocol\":\"file:$abs/qemu-paging.elf\"}}"
kdumps=""
for fmt in kdump-zlib kdump-lzo kdump-snappy kdump-raw-zlib kdump-raw-lzo kdump-raw-snappy; do
    if echo "$caps" | grep -q "\"$fmt\""; then
        produce qemu.$fmt $QMP "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$abs/qemu.$fmt\",\"format\":\"$fmt\"}}"
        kdumps="$kdumps $dir/qemu.$fmt"
    else
        echo "skip - QEMU $fmt: this QEMU does not offer it (query-dump-guest-memory-capability)"
    fi
done
$DC info "$dir/qemu.elf" >"$dir/qemu.elf.info" 2>&1
grep -q 'VMCOREINFO\|vmcoreinfo ' "$dir/qemu.elf.info" &&
    echo "ok - QEMU's ELF core carries the guest's VMCOREINFO (-device vmcoreinfo)" ||
    echo "not ok - QEMU's ELF core has no VMCOREINFO note"

# the description names the layout really in the file and counts PT_LOAD headers
# (the PT_NOTE header is not one of them)
desc=$(head -1 "$dir/qemu.elf.info")
nload=$(readelf -lW "$dir/qemu.elf" 2>/dev/null | grep -c '^ *LOAD ')
case "$desc" in
*"$nload PT_LOAD, QEMU dump-guest-memory"*) echo "ok - QEMU's ELF core is described as QEMU's, with readelf's $nload PT_LOAD: $desc" ;;
*) echo "not ok - QEMU's ELF core: description \"$desc\", readelf counts $nload LOAD headers" ;;
esac

# memintro's writer: the QEMU core rewritten (notes kept)
$DC convert "$dir/qemu.elf" "$dir/mi.elf"
desc=$($DC info "$dir/mi.elf" 2>&1 | head -1)
nload=$(readelf -lW "$dir/mi.elf" 2>/dev/null | grep -c '^ *LOAD ')
case "$desc" in
*"$nload PT_LOAD, /proc/vmcore layout"*) echo "ok - the writer's core is described by its /proc/vmcore layout, not as QEMU's: $desc" ;;
*) echo "not ok - the writer's core: description \"$desc\", readelf counts $nload LOAD headers" ;;
esac

# makedumpfile, from the writer's core
mdf="$dir/mdf.lzo $dir/mdf.lzo.flat $dir/mdf.zlib $dir/mdf.plain"
produce mdf.lzo makedumpfile -l -d 0 "$dir/mi.elf" "$dir/mdf.lzo"
produce mdf.lzo.flat sh -c "makedumpfile -F -l -d 0 '$dir/mi.elf' >'$dir/mdf.lzo.flat'"
produce mdf.zlib makedumpfile -c -d 0 "$dir/mi.elf" "$dir/mdf.zlib"
produce mdf.plain makedumpfile -d 0 "$dir/mi.elf" "$dir/mdf.plain"
produce mdf.z31 makedumpfile -c -d 31 "$dir/mi.elf" "$dir/mdf.z31"
produce mdf.elf31.flat sh -c "makedumpfile -E -F -d 31 '$dir/mi.elf' >'$dir/mdf.elf31.flat'"
for c in snappy:p zstd:z; do
    name=${c%%:*}
    if makedumpfile -h 2>&1 | grep -q "^$name support:" && ! makedumpfile -h 2>&1 | grep -A1 "^$name support:" | grep -q disabled; then
        produce mdf.$name makedumpfile -${c##*:} -d 0 "$dir/mi.elf" "$dir/mdf.$name"
        mdf="$mdf $dir/mdf.$name"
    else
        echo "skip - makedumpfile $name: this makedumpfile is built without it ($name pages are tested on synthetic files only)"
    fi
done

# ---- pages to compare with the live VM ----
pages=$dir/pages.txt
: >"$pages"
sed -n 's/^MARKER .* pa=0x\([0-9a-f]*\) .*/\1/p; s/^SPAN .* pa=0x\([0-9a-f]*\) pa2=0x\([0-9a-f]*\) .*/\1\n\2/p' "$run/serial.log" |
    while read -r a; do printf '%x\n' $((0x$a & ~4095)); done >>"$pages"
nmarkers=$(grep -c '^MARKER' "$run/serial.log")
banner=$(sed -n 's/^FACT banner //p' "$run/serial.log" | cut -c1-40)
if b=$($DC find "$dir/qemu.elf" "$banner"); then
    printf '%x\n' $((0x$b & ~4095)) >>"$pages"
    echo "ok - the kernel banner \"$banner\" is in QEMU's ELF core at 0x$b"
else
    echo "not ok - the kernel banner \"$banner\" is not in QEMU's ELF core"
fi
vmci=$(sed -n 's/^FACT vmcoreinfo 0x\([0-9a-f]*\) .*/\1/p' "$run/serial.log")
[ -n "$vmci" ] && printf '%x\n' $((0x$vmci & ~4095)) >>"$pages"
$DC pick "$dir/qemu.elf" 0x5eed 48 >>"$pages"
sort -u "$pages" -o "$pages"
above=$(awk 'length($1) > 8' "$pages" | wc -l)
cmds=""
for a in $(cat "$pages"); do
    cmds="$cmds {\"execute\":\"pmemsave\",\"arguments\":{\"val\":$((0x$a)),\"size\":4096,\"filename\":\"$abs/live/$a.bin\"}}"
done
# shellcheck disable=SC2086  # one argument per command
if $QMP $cmds >"$dir/pmemsave.log" 2>&1; then
    echo "ok - saved $(wc -l <"$pages") pages of the live VM with pmemsave ($nmarkers marker pages, $above above 4 GiB)"
else
    echo "not ok - pmemsave of the live VM's pages failed"
    tail -3 "$dir/pmemsave.log" | sed 's/^/    # /'
fi

# the guest's own word: marker text at the physical address it printed. mi-marker writes its
# span string after the markers, so the span's tail covers the start of page 1 (the marker
# printed for that page is gone): check the span's two parts there instead.
span2=$(sed -n 's/^SPAN .* pa2=0x\([0-9a-f]*\) .*/\1/p' "$run/serial.log")
for f in "$dir/qemu.elf" $kdumps; do
    sed -n 's/^MARKER .* pa=0x\([0-9a-f]*\) .*text=\(.*\)$/\1 \2/p' "$run/serial.log" | while read -r a text; do
        echo "$span2" | grep -qx "$a" || $DC text "$f" "$a" "$text"
    done
    sed -n 's/^SPAN .* pa=0x\([0-9a-f]*\) pa2=0x\([0-9a-f]*\) .*text=\(.*\)$/\1 \2 \3/p' "$run/serial.log" |
        while read -r a a2 text; do
            $DC text "$f" "$a" "$(echo "$text" | cut -c1-24)"
            $DC text "$f" "$a2" "$(echo "$text" | cut -c25-)"
        done
done

# ---- every dump against the live VM, every dump against QEMU's ELF ----
# shellcheck disable=SC2086
$DC live "$dir/live" "$pages" "$dir/qemu.elf" $kdumps "$dir/mi.elf" $mdf
for f in $kdumps "$dir/mi.elf" $mdf; do
    [ -f "$f" ] && $DC same "$dir/qemu.elf" "$f"
done
$DC same "$dir/qemu.elf" "$dir/qemu-part.elf" --filtered | tee "$dir/part.out"
grep -q "agree on all 4096 pages" "$dir/part.out" &&
    echo "ok - QEMU's begin/length dump holds exactly the 4096 pages of [1 MiB, 17 MiB)" ||
    echo "not ok - QEMU's begin/length dump does not hold exactly [1 MiB, 17 MiB)"
$DC same "$dir/qemu.elf" "$dir/qemu-paging.elf" --filtered
rm -f "$dir/qemu-paging.elf" "$dir/qemu-part.elf"
$DC same "$dir/qemu.elf" "$dir/mdf.z31" --filtered
$DC same "$dir/qemu.elf" "$dir/mdf.elf31.flat" --filtered
# CPU 0's QEMU note (kept by the writer and by makedumpfile) against "info registers": CR3,
# then every register both show
for f in "$dir/qemu.elf" $kdumps "$dir/mi.elf" "$dir/mdf.lzo"; do
    $DC regs "$f" "$dir/regs.txt"
done
for f in "$dir/qemu.elf" $kdumps "$dir/mi.elf" "$dir/mdf.lzo" "$dir/mdf.lzo.flat"; do
    c=$($DC cr3 "$f")
    if [ -n "$c" ] && [ "$c" = "$cr3_live" ]; then
        echo "ok - CR3 in $(basename "$f")'s QEMU note (0x$c) matches info registers"
    else
        echo "not ok - CR3 in $(basename "$f") is 0x$c, info registers says 0x$cr3_live"
    fi
done
rm -f "$dir"/mdf.* "$dir/mi.elf"

# ---- Windows crash dump and LiME of the same memory ----
for k in win64-fdmp lime; do
    produce "$k" "$MK" "$k" "$dir/$k.dmp" --from "$dir/qemu.elf"
    $DC live "$dir/live" "$pages" "$dir/$k.dmp"
    $DC same "$dir/qemu.elf" "$dir/$k.dmp"
    rm -f "$dir/$k.dmp"
done

echo "# t_coredump_real: $(($(date +%s) - start)) s"
