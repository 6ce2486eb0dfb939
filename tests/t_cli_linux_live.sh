#!/bin/sh
# tests/t_cli_linux_live.sh: the CLI's Linux layer (examples/memintro/os_linux.c) on the REAL
# test guest (tests/guest: Debian 12's 6.1 cloud kernel under QEMU/TCG, q35, 512 MiB, KASLR
# on). Real data only. One guest is booted and dumped once by QEMU (dump-guest-memory, ELF,
# with the VMCOREINFO note of -device vmcoreinfo); build/memintro-san (ASan+UBSan) reads it
# live ("qemu:pid=N,qmp=unix:SOCK") and through that dump ("dump:FILE"). Expected values are
# the guest's own, from the FACT lines its /init printed on the serial console
# (tests/guest/README.md: /proc/PID/{comm,stat,maps}, /proc/modules, dmesg, /proc/kallsyms,
# /proc/iomem, uname, the marker strings and their virtual addresses), never from memintro:
#   ps --json      (pid, ppid, name) equals the guest's process list; the JSON keys of the
#                  issue (pid, ppid, name, dtb "0x..", kernel_thread); --threads gives each
#                  process /proc/PID/stat's number of threads
#   maps PID       of both markers equals their /proc/PID/maps (range, perms, offset, path)
#   modules kernel equals /proc/modules (name, size, base)
#   dmesg          holds the guest's dmesg lines, in order
#   symbol         NAME -> address and ADDR -> NAME+0 (--json) equal /proc/kallsyms
#   read --pid     each marker string at its own process's virtual address, and the span
#                  string across a page boundary
#   info --json    OS, release, KASLR shift, phys_base, DTB, levels, BTF and kallsyms
# Then item 7 of issue 9: `dump -o` of the LIVE guest writes the guest's own VMCOREINFO note
# (read through the Linux layer: vmcoreinfo_note), equal to the note in QEMU's dump; Debian's
# `makedumpfile -d 31` filters and converts memintro's ELF, memintro reads the result (ps
# again); without the note (--os none) makedumpfile refuses it. examples/ps_linux on the dump
# lists what `memintro ps` lists. About 90 s.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@" # 64-bit hex arithmetic
set -u
cd "$(dirname "$0")/.." || exit 1
M=build/memintro-san
. tests/guest/live.sh
live_begin "cli linux live" "$M" mk/cli.mk jq binutils makedumpfile
rc=0
ok() { echo "ok - cli linux live: $*"; }
nok() {
    echo "not ok - cli linux live: $*"
    rc=1
}
fact() { sed -n "s/^FACT $1 //p" "$g/serial.log" | head -n 1; }
hex() { printf '0x%x' "$(($1))"; }
show() { sed 's/^/    # /' "$1" | head -n "${2:-10}"; }

if ! tests/guest/boot.sh --dir "$g" --name mi-cli-linux-$$ >"$tmp/pid" 2>"$tmp/boot"; then
    nok "the guest did not boot"
    show "$tmp/boot"
    exit 1
fi
pid=$(cat "$tmp/pid")
if ! timeout 120 tests/guest/qmp.sh -t 100 "$g/qmp-test.sock" \
    "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$tmp/qemu.elf\"}}" \
    >"$tmp/qmp.out" 2>&1; then
    nok "dump-guest-memory failed"
    show "$tmp/qmp.out"
    exit 1
fi
ok "guest booted (pid $pid) and dumped by QEMU"
S=$g/serial.log

# ---- what the guest says (FACT lines only) ----
sed -n 's/^FACT ps //p' "$S" | sort >"$tmp/g.ps"               # pid comm
sed -n 's/^FACT stat //p' "$S" | sort >"$tmp/g.stat"           # pid ppid state threads
join "$tmp/g.ps" "$tmp/g.stat" | awk '{print $1, $3, $2}' | sort >"$tmp/g.pps" # pid ppid comm (sorted for comm)
text=$(fact 'kallsyms _text')
top=$(fact 'kallsyms init_top_pgt')
code=$(fact kernel_code)
code=0x${code%-*}
exp_kaslr=$(hex "$text - 0xffffffff81000000")
exp_pb=$(hex "$code - ($text - 0xffffffff80000000)")
exp_dtb=$(hex "$top - 0xffffffff80000000 + $exp_pb")
exp_levels=4
[ "$(fact la57)" = yes ] && exp_levels=5
[ "$(wc -l <"$tmp/g.pps")" -ge 20 ] || nok "the guest printed too few processes"

checks() { # LABEL SPEC
    n=$1 spec=$2
    # ps: the guest's list at the moment it printed it; since then kworkers come and go and
    # /init idles in a `sleep` child: ours may add those, and lack only kworkers
    if ! $M -c "$spec" --json ps >"$tmp/ps.json" 2>"$tmp/err"; then
        nok "$n: ps failed"
        show "$tmp/err"
    else
        jq -r '.[] | "\(.pid) \(.ppid) \(.name)"' "$tmp/ps.json" | sort >"$tmp/m.pps"
        comm -23 "$tmp/g.pps" "$tmp/m.pps" | grep -v ' kworker/' >"$tmp/missing"
        comm -13 "$tmp/g.pps" "$tmp/m.pps" | grep -v ' kworker/' | grep -v '^[0-9]* 1 sleep$' >"$tmp/extra"
        if [ ! -s "$tmp/missing" ] && [ ! -s "$tmp/extra" ]; then
            ok "$n: ps (pid, ppid, comm) equals the guest's process list ($(wc -l <"$tmp/m.pps") processes)"
        else
            nok "$n: ps differs from the guest's process list"
            sed 's/^/    # guest only: /' "$tmp/missing" | head
            sed 's/^/    # ours only: /' "$tmp/extra" | head
        fi
        if jq -e 'length > 0 and all(.[]; (.pid|type)=="number" and (.ppid|type)=="number" and (.name|type)=="string"
                  and (.dtb|type)=="string" and (.dtb|test("^0x[0-9a-f]+$")) and (.kernel_thread|type)=="boolean")' \
            "$tmp/ps.json" >/dev/null; then
            ok "$n: ps --json has pid, ppid, name, dtb \"0x..\" and kernel_thread in every entry"
        else
            nok "$n: ps --json lacks keys of the issue"
            show "$tmp/ps.json" 3
        fi
        # kernel threads: the guest's kthreadd (pid 2) and its children; user processes: the markers
        kt=$(jq -r '[.[] | select(.pid == 2 or .ppid == 2) | .kernel_thread] | all' "$tmp/ps.json")
        ut=$(jq -r '[.[] | select(.name | startswith("mi-")) | (.kernel_thread | not)] | (length == 5 and all)' "$tmp/ps.json")
        if [ "$kt" = true ] && [ "$ut" = true ]; then ok "$n: kthreadd and its children are kernel threads, the 5 mi-* processes are not"; else
            nok "$n: kernel_thread flags (kthreads $kt, mi-* user $ut)"
        fi
    fi
    # --threads: per process as many entries as /proc/PID/stat's num_threads
    if $M -c "$spec" --json ps --threads >"$tmp/th.json" 2>"$tmp/err"; then
        jq -r '.[] | .tgid' "$tmp/th.json" | sort | uniq -c | awk '{print $2, $1}' | sort >"$tmp/m.th"
        awk '{print $1, $4}' "$tmp/g.stat" | sort >"$tmp/g.th"
        bad=$(join "$tmp/g.th" "$tmp/m.th" | awk '$2 != $3' | head -3)
        nj=$(join "$tmp/g.th" "$tmp/m.th" | wc -l)
        if [ -z "$bad" ] && [ "$nj" -ge "$(($(wc -l <"$tmp/g.th") - 10))" ] && jq -e 'all(.[]; has("tgid") and has("thread"))' "$tmp/th.json" >/dev/null; then
            ok "$n: ps --threads: each of $nj processes has /proc/PID/stat's number of threads"
        else
            nok "$n: ps --threads: thread counts differ from /proc/PID/stat ($bad)"
        fi
    else
        nok "$n: ps --threads failed"
        show "$tmp/err"
    fi
    # maps of the markers
    for mp in $(sed -n 's/^MARKER [^ ]* pid=\([0-9]*\) .*/\1/p' "$S" | sort -u); do
        sed -n "s/^FACT maps $mp //p" "$S" | awk '{print $1, $2, $3, ($6 == "" ? "" : $6)}' | sed 's/ $//' >"$tmp/g.maps"
        if $M -c "$spec" maps "$mp" 2>"$tmp/err" | sed 's/ *$//' >"$tmp/m.maps" && [ -s "$tmp/g.maps" ] && diff "$tmp/g.maps" "$tmp/m.maps" >"$tmp/diff"; then
            ok "$n: maps $mp equals the marker's /proc/$mp/maps ($(wc -l <"$tmp/g.maps") mappings)"
        else
            nok "$n: maps $mp differs from /proc/$mp/maps"
            show "$tmp/err" 3
            show "$tmp/diff"
        fi
    done
    # modules
    sed -n 's/^FACT modules //p' "$S" | awk '{print $1, $2, $6}' >"$tmp/g.mod"
    if $M -c "$spec" --json modules kernel 2>"$tmp/err" | jq -r '.[] | "\(.name) \(.size) \(.base)"' >"$tmp/m.mod" &&
        [ -s "$tmp/g.mod" ] && diff "$tmp/g.mod" "$tmp/m.mod" >"$tmp/diff"; then
        ok "$n: modules kernel equals /proc/modules (name, size, base; $(wc -l <"$tmp/g.mod") modules)"
    else
        nok "$n: modules kernel differs from /proc/modules"
        show "$tmp/err" 3
        show "$tmp/diff"
    fi
    # dmesg: every line of the guest's, in order
    sed -n 's/^FACT dmesg //p' "$S" >"$tmp/g.dmesg"
    if $M -c "$spec" dmesg >"$tmp/m.dmesg" 2>"$tmp/err"; then
        missing=$(awk 'NR == FNR { want[++n] = $0; next } k < n && $0 == want[k + 1] { k++ } END { print n - k }' "$tmp/g.dmesg" "$tmp/m.dmesg")
        if [ "$(wc -l <"$tmp/g.dmesg")" -gt 50 ] && [ "$missing" = 0 ]; then
            ok "$n: dmesg holds the guest's $(wc -l <"$tmp/g.dmesg") dmesg lines in order"
        else
            nok "$n: dmesg lacks $missing of the guest's dmesg lines"
        fi
    else
        nok "$n: dmesg failed"
        show "$tmp/err"
    fi
    # symbols, both directions, for the symbols the guest printed from /proc/kallsyms
    sed -n 's/^FACT kallsyms \([^ ]*\) 0x\(.*\)/\1 0x\2/p' "$S" >"$tmp/g.sym"
    # shellcheck disable=SC2046
    if $M -c "$spec" --json symbol $(awk '{print $1, $2}' "$tmp/g.sym") >"$tmp/sym.json" 2>"$tmp/err"; then
        bad=0
        while read -r name addr; do
            a=$(jq -r --arg q "$name" 'first(.[] | select(.query == $q) | .address)' "$tmp/sym.json")
            r=$(jq -r --arg q "$addr" 'first(.[] | select(.query == $q) | "\(.symbol_address) \(.offset)")' "$tmp/sym.json")
            [ "$(hex "$a")" = "$(hex "$addr")" ] && [ "$r" = "$(hex "$addr") 0" ] || {
                bad=$((bad + 1))
                echo "    # $name $addr: by name $a, by address $r"
            }
        done <"$tmp/g.sym"
        if [ "$bad" = 0 ] && [ "$(wc -l <"$tmp/g.sym")" -ge 15 ]; then
            ok "$n: symbol --json: $(wc -l <"$tmp/g.sym") names -> address and addresses -> symbol+0 equal /proc/kallsyms"
        else
            nok "$n: symbol: $bad of $(wc -l <"$tmp/g.sym") differ from /proc/kallsyms"
        fi
    else
        nok "$n: symbol failed"
        show "$tmp/err"
    fi
    if $M -c "$spec" symbol "$(hex "$(fact 'kallsyms init_task') + 0x10")" 2>/dev/null | grep -q ' init_task+0x10 '; then
        ok "$n: symbol ADDR names init_task+0x10 ten bytes into init_task"
    else nok "$n: symbol ADDR inside init_task"; fi
    # marker strings from their process's own virtual addresses
    good=0 all=0
    while read -r _ comm p va _ text; do
        all=$((all + 1))
        p=${p#pid=} va=${va#va=} text=${text#text=}
        got=$($M -c "$spec" --json read --pid "$p" "$va" ${#text} 2>"$tmp/err" | jq -r '.data' 2>/dev/null)
        want=$(printf '%s' "$text" | od -An -tx1 | tr -d ' \n')
        if [ "$got" = "$want" ]; then good=$((good + 1)); else
            echo "    # $comm pid $p $va: got '$got'"
            show "$tmp/err" 2
        fi
    done <<EOF
$(grep -E '^(MARKER|SPAN) ' "$S" | sed 's/ pa=[^ ]*//; s/ pa2=[^ ]*//; s/ len=[^ ]*//')
EOF
    if [ "$all" = 10 ] && [ "$good" = 10 ]; then
        ok "$n: read --pid: the 8 marker strings and 2 page-crossing span strings at their processes' virtual addresses"
    else nok "$n: read --pid: $good of $all marker strings"; fi
    # info
    if $M -c "$spec" --json info >"$tmp/info.json" 2>"$tmp/err"; then
        got=$(jq -r '.os | "\(.name) \(.release) \(.kaslr_shift) \(.phys_base) \(.dtb) \(.levels) \(.btf.size) \(.kallsyms.symbols > 50000)"' "$tmp/info.json")
        want="linux $(fact uname) $exp_kaslr $exp_pb $exp_dtb $exp_levels $(fact btf_size) true"
        if [ "$got" = "$want" ]; then ok "$n: info: OS, release, KASLR shift, phys_base, DTB, levels, BTF size are the guest's ($got)"; else
            nok "$n: info"
            echo "    # got:  $got"
            echo "    # want: $want"
        fi
        if jq -e '.os | (.btf.pa|type)=="string" and (.kallsyms.token_table|type)=="string" and (.image_source|type)=="string" and (.found|type)=="string"' "$tmp/info.json" >/dev/null &&
            $M -c "$spec" info 2>/dev/null | grep -q '^kallsyms   .* symbols, kallsyms_token_table at physical 0x'; then
            ok "$n: info says where BTF and kallsyms were found"
        else nok "$n: info lacks where BTF and kallsyms were found"; fi
    else
        nok "$n: info failed"
        show "$tmp/err"
    fi
}

checks dump "dump:$tmp/qemu.elf"
checks live "qemu:pid=$pid,qmp=unix:$g/qmp.sock"

# the example ps_linux.c (memintro_target.h + memintro_linux.h alone) on the same dump
if [ -x build/ps_linux ] && build/ps_linux "dump:$tmp/qemu.elf" >"$tmp/ex.out" 2>"$tmp/err"; then
    awk 'NR > 2 { print $1, $2, $4 }' "$tmp/ex.out" | sort >"$tmp/ex.pps"
    $M -c "dump:$tmp/qemu.elf" --json ps 2>/dev/null | jq -r '.[] | "\(.pid) \(.ppid) \(.name)"' | sort >"$tmp/m.pps"
    comm -23 "$tmp/g.pps" "$tmp/ex.pps" | grep -v ' kworker/' >"$tmp/missing"
    if [ -s "$tmp/ex.pps" ] && cmp -s "$tmp/ex.pps" "$tmp/m.pps" && [ ! -s "$tmp/missing" ]; then
        ok "examples/ps_linux on the dump: the guest's processes, as memintro ps lists them ($(wc -l <"$tmp/ex.pps"))"
    else
        nok "examples/ps_linux on the dump differs from memintro ps or from the guest"
        show "$tmp/ex.out" 5
    fi
else
    nok "examples/ps_linux is not built or failed on the dump (make build/ps_linux)"
    show "$tmp/err" 3
fi

# ---- dump -o of the live guest: the guest's own VMCOREINFO note, makedumpfile ----
note() { # ELF -> the VMCOREINFO note's text
    readelf -n --wide "$1" 2>/dev/null | awk '/^ *VMCOREINFO .*description data:/ { sub(/.*description data: /, ""); print; exit }' |
        sed 's/ *$//; s/ /\\x/g; s/^/\\x/' | xargs -0 printf '%b'
}
live="qemu:pid=$pid,qmp=unix:$g/qmp.sock"
if $M -c "$live" dump -o "$tmp/mi.elf" >"$tmp/dump.out" 2>"$tmp/err"; then
    note "$tmp/qemu.elf" >"$tmp/qemu.note"
    note "$tmp/mi.elf" >"$tmp/mi.note"
    if [ -s "$tmp/mi.note" ] && grep -q "^OSRELEASE=$(fact uname)\$" "$tmp/mi.note" && cmp -s "$tmp/qemu.note" "$tmp/mi.note"; then
        ok "dump -o of the live guest writes its VMCOREINFO note ($(wc -c <"$tmp/mi.note") bytes, equal to the note in QEMU's dump)"
    else
        nok "dump -o of the live guest: its VMCOREINFO note differs from QEMU's ($(wc -c <"$tmp/mi.note") vs $(wc -c <"$tmp/qemu.note") bytes)"
        diff "$tmp/qemu.note" "$tmp/mi.note" | head -5 | sed 's/^/    # /'
    fi
    if timeout 120 makedumpfile -d 31 "$tmp/mi.elf" "$tmp/mi.kdump" >"$tmp/mdf.out" 2>&1; then
        ok "makedumpfile -d 31 filters and converts memintro's ELF ($(du -k "$tmp/mi.elf" | cut -f1) KiB -> $(du -k "$tmp/mi.kdump" | cut -f1) KiB)"
        rm -f "$tmp/mi.elf"
        $M -c "dump:$tmp/mi.kdump" --json ps 2>"$tmp/err" | jq -r '.[] | "\(.pid) \(.ppid) \(.name)"' | sort >"$tmp/k.pps"
        comm -23 "$tmp/g.pps" "$tmp/k.pps" | grep -v ' kworker/' >"$tmp/missing"
        if [ ! -s "$tmp/missing" ] && [ -s "$tmp/k.pps" ]; then
            ok "memintro reads makedumpfile's kdump file: ps has the guest's processes ($(wc -l <"$tmp/k.pps"))"
        else
            nok "memintro on makedumpfile's kdump file: ps lacks processes"
            show "$tmp/err" 3
            show "$tmp/missing" 5
        fi
    else
        nok "makedumpfile -d 31 on memintro's ELF failed"
        show "$tmp/mdf.out"
    fi
else
    nok "dump -o of the live guest failed"
    show "$tmp/err"
fi
# the control: without the note (--os none: no OS layer looks) makedumpfile cannot filter
rm -f "$tmp/mi.elf" "$tmp/mi.kdump"
if $M -c "$live" --os none dump -o "$tmp/none.elf" >/dev/null 2>&1; then
    if [ -z "$(note "$tmp/none.elf")" ] && ! timeout 120 makedumpfile -d 31 "$tmp/none.elf" "$tmp/none.kdump" >/dev/null 2>&1; then
        ok "control: --os none dump has no VMCOREINFO note and makedumpfile -d 31 refuses it"
    else nok "control: a dump without the Linux layer still has a VMCOREINFO note, or makedumpfile filtered it"; fi
else nok "control: --os none dump -o failed"; fi
exit $rc
