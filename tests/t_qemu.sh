#!/bin/sh
# tests/t_qemu.sh: memintro_qemu.h against REAL QEMU guests (tests/guest, TCG).
# Boots four guests at once and shares them between the checks:
#   q35    q35, 512M, 2 vCPUs, QMP                     layout vs QEMU's own info mtree -f and gpa2hva,
#                                              facts, writes, map=table, bad/busy QMP, non-root
#   pchi   pc,max-ram-below-4g=1G, 1536M, QMP  RAM above 4 GiB, the same comparisons
#   memfd  q35, memory-backend=mem0 (memfd, share=on), -vga none, QMP   zero-copy, RAM at
#          0xa0000 (no VGA window), then killed mid-read
#   noqmp  pc,max-ram-below-4g=1G, 1536M, no QMP   inferred layout, then stopped mid-read
# Expected values come from QEMU (info mtree -f, gpa2hva and xp over the guest's second QMP
# socket, via tests/guest/qmp.sh; parsed here with awk) and from the guest itself (its
# serial.log: markers' physical addresses from pagemap, the banner, /proc/iomem);
# build/tests-san/qemu_live (tests/qemu_live.c, under ASan+UBSan) is the library's side.
# Prints ok/not ok lines; about a minute on 2 cores.
set -u
cd "$(dirname "$0")/.." || exit 1
live=build/tests-san/qemu_live
if [ ! -x "$live" ]; then
    echo "not ok - $live is not built (make test builds it through mk/qemu.mk)"
    exit 1
fi
sh tests/deps.sh qemu-system-x86 socat busybox-static cpio gcc libc6-dev >/dev/null || {
    echo "not ok - packages for the QEMU tests are missing (see above)"
    exit 1
}
tmp=$(mktemp -d /tmp/mi-qemu.XXXXXX) || exit 1
chmod 755 "$tmp"
guests="q35 pchi memfd noqmp"
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    for g in $guests; do tests/guest/stop.sh "$tmp/$g" >/dev/null 2>&1; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - qemu: $*"; }
nok() { echo "not ok - qemu: $*"; }
check() { # DESCRIPTION COMMAND...: ok when the command succeeds
    d=$1
    shift
    if "$@" >"$tmp/check.out" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/    # /' "$tmp/check.out" | head -20; fi
}
run() { timeout 120 "$live" "$@"; }
qmp() { timeout 60 tests/guest/qmp.sh "$@"; }

# Build the guest once, then boot all four at once.
if ! tests/guest/build.sh >"$tmp/build.log" 2>&1; then
    nok "building the test guest failed"
    sed 's/^/    # /' "$tmp/build.log" | tail -20
    exit 1
fi
boot() {
    g=$1
    shift
    tests/guest/boot.sh --dir "$tmp/$g" --name "mi-t-$g" "$@" >"$tmp/$g.pid" 2>"$tmp/$g.boot"
}
t0=$(date +%s)
boot q35 --machine q35 --mem 512M --extra "-smp 2" &
boot pchi --machine pc,max-ram-below-4g=1G --mem 1536M &
boot memfd --machine q35,memory-backend=mem0 --mem 512M \
    --extra "-object memory-backend-memfd,id=mem0,size=512M,share=on -vga none" &
boot noqmp --machine pc,max-ram-below-4g=1G --mem 1536M --no-qmp &
wait
up=""
for g in $guests; do
    if [ -s "$tmp/$g.pid" ] && kill -0 "$(cat "$tmp/$g.pid")" 2>/dev/null; then
        up="$up $g"
    else
        nok "guest $g did not boot"
        sed 's/^/    # /' "$tmp/$g.boot" | tail -10
    fi
done
echo "# guests booted in $(($(date +%s) - t0)) s:$up"
is_up() { case " $up " in *" $1 "*) return 0 ;; esac; return 1; }
pid() { cat "$tmp/$1.pid"; }

# ---- listing and choosing a VM ----
run list >"$tmp/list"
for g in $up; do
    case $g in q35 | memfd) m=q35 ram=536870912 ;; *) m=pc ram=1610612736 ;; esac
    q="unix:$tmp/$g/qmp.sock"
    [ "$g" = noqmp ] && q=-
    check "list shows $g: pid, name, machine, RAM, QMP address" \
        grep -qx "V $(pid "$g") mi-t-$g $m $ram $q" "$tmp/list"
done
run open qemu >"$tmp/open"
amb=1
grep -qx "S invalid argument" "$tmp/open" || amb=0
for g in $up; do grep -q "pid $(pid "$g") \"mi-t-$g\"" "$tmp/open" || amb=0; done
if [ $amb = 1 ]; then ok "several VMs and no name: E_INVALID listing every VM"; else nok "ambiguity"; cat "$tmp/open"; fi
run open qemu:name=mi-t-nosuch >"$tmp/open"
check "unknown name: E_NOTFOUND naming it" grep -q "mi-t-nosuch" "$tmp/open"
if is_up q35; then
    run open "qemu:pid=$(pid q35),name=mi-t-pchi" >"$tmp/open"
    check "pid and a name that is not its name: E_NOTFOUND" grep -qx "S not found" "$tmp/open"
fi

# ---- layout vs QEMU's own view ----
# AS "memory"'s ram/rom ranges of info mtree -f, as "START-END TYPE NAME OFFSET"
mtree_ram() {
    awk '/^FlatView/ { mem = 0 } /^ AS "memory"/ { mem = 1 }
         mem && /^  [0-9a-f]+-[0-9a-f]+ \(prio/ {
             line = $0; sub(/^  /, "", line)
             type = $0; sub(/^[^,]*, /, "", type); sub(/\).*/, "", type)
             if (type !~ /^(nv-)?(ram|rom|romd)$/) next
             name = $0; sub(/^[^)]*\): /, "", name); off = "0000000000000000"
             if (match(name, / @[0-9a-f]+$/)) { off = substr(name, RSTART + 2); name = substr(name, 1, RSTART - 1) }
             print $1, type, name, off
         }' "$1"
}
layout_checks() { # GUEST
    g=$1
    qmp --hmp "$tmp/$g/qmp-test.sock" 'info mtree -f' >"$tmp/$g.mtree" || { nok "$g: info mtree -f over QMP"; return; }
    mtree_ram "$tmp/$g.mtree" >"$tmp/$g.expect"
    run regions "qemu:name=mi-t-$g" >"$tmp/$g.regions"
    sed -n 's/^R //p' "$tmp/$g.regions" >"$tmp/$g.got"
    check "$g: layout found by QMP" grep -qx "LAYOUT qmp" "$tmp/$g.regions"
    if [ -s "$tmp/$g.expect" ] && diff "$tmp/$g.expect" "$tmp/$g.got" >"$tmp/diff"; then
        ok "$g: memory map equals QEMU's info mtree -f ($(wc -l <"$tmp/$g.got") RAM/ROM ranges)"
    else
        nok "$g: memory map differs from info mtree -f"
        sed 's/^/    # /' "$tmp/diff"
    fi
    # each range's host address, asked of QEMU directly
    set --
    while read -r _ start hva _; do set -- "$@" "gpa2hva 0x$start"; done <<EOF
$(grep '^H ' "$tmp/$g.regions")
EOF
    qmp --hmp "$tmp/$g/qmp-test.sock" "$@" | sed -n 's/^Host virtual address for 0x\([0-9a-f]*\) ([^)]*) is 0x\([0-9a-f]*\).*/H \1 \2/p' >"$tmp/$g.hva"
    grep '^H ' "$tmp/$g.regions" | cut -d' ' -f1-3 >"$tmp/$g.hvagot"
    if [ -s "$tmp/$g.hva" ] && diff "$tmp/$g.hva" "$tmp/$g.hvagot" >"$tmp/diff"; then
        ok "$g: every range's host address equals QEMU's gpa2hva"
    else
        nok "$g: host addresses differ from gpa2hva"
        sed 's/^/    # /' "$tmp/diff"
    fi
}
facts() { # LABEL GUEST CONNECTOR: the guest stopped (SIGSTOP) so batch and single reads see the same bytes
    kill -STOP "$(pid "$2")"
    run facts "$1" "$3" "$tmp/$2/serial.log"
    kill -CONT "$(pid "$2")"
}
marker_pa() { sed -n "s/^MARKER mi-marker-1 .* pa=\(0x[0-9a-f]*\) text=MEMINTRO-MARKER-0001-.*/\1/p" "$tmp/$1/serial.log"; }

for g in q35 pchi memfd; do
    is_up $g || continue
    layout_checks $g
    [ $g = memfd ] && export MI_NO_VGA=1 # started with -vga none
    facts "$g" $g "qemu:name=mi-t-$g"
    unset MI_NO_VGA
done

if is_up q35; then
    # writes: refused without the write option; with it, QEMU's own xp sees the bytes
    pa=$(marker_pa q35)
    w=$(printf '0x%x' $((pa + 64)))
    run readonly qemu:name=mi-t-q35 "$w"
    run write qemu:name=mi-t-q35,write "$w" MIWRITE1
    check "QEMU's xp sees the bytes written at $w" \
        sh -c "timeout 60 tests/guest/qmp.sh --hmp '$tmp/q35/qmp-test.sock' 'xp /8bx $w' |
               grep -q '0x4d 0x49 0x57 0x52 0x49 0x54 0x45 0x31'"
    # vCPU registers: memintro_qemu_cpus vs QEMU's own info registers -a (VM paused by QMP)
    qmp "$tmp/q35/qmp-test.sock" '{"execute":"stop"}' >/dev/null
    qmp --hmp "$tmp/q35/qmp-test.sock" 'info registers -a' >"$tmp/q35.regs"
    run cpus qemu:name=mi-t-q35 >"$tmp/q35.cpus"
    qmp "$tmp/q35/qmp-test.sock" '{"execute":"cont"}' >/dev/null
    awk 'function pad(v) { while (length(v) < 16) v = "0" v; return v }
         /^CPU#/ { cpu = substr($0, 5); next }
         { sub(/\r$/, "") }
         /^(ES|CS|SS|DS|FS|GS|LDT|TR) *=/ { sub(/ *=/, " ")
             print cpu, $1 ".sel", pad($2); print cpu, $1 ".base", pad($3)
             print cpu, $1 ".limit", pad($4); print cpu, $1 ".flags", pad($5); next }
         /^(GDT|IDT)=/ { sub(/= */, " "); print cpu, $1 ".base", pad($2); print cpu, $1 ".limit", pad($3); next }
         { gsub(/ +=/, "=")
           for (i = 1; i <= NF; i++) { n = split($i, kv, "=")
             if (n == 2 && kv[1] ~ /^(RAX|RBX|RCX|RDX|RSI|RDI|RBP|RSP|R[0-9]+|RIP|RFL|CR[0234]|EFER)$/)
                 print cpu, kv[1], pad(kv[2]) } }' \
        "$tmp/q35.regs" | sort >"$tmp/q35.regs.expect"
    grep -v ' ISA ' "$tmp/q35.cpus" | sort >"$tmp/q35.cpus.got"
    if [ "$(cut -d' ' -f1 "$tmp/q35.regs.expect" | sort -u | wc -l)" = 2 ] &&
        diff "$tmp/q35.regs.expect" "$tmp/q35.cpus.got" >"$tmp/diff"; then
        ok "q35: memintro_qemu_cpus equals info registers -a for both vCPUs ($(wc -l <"$tmp/q35.cpus.got") values)"
    else
        nok "q35: memintro_qemu_cpus differs from info registers -a"
        sed 's/^/    # /' "$tmp/diff" | head -20
    fi
    check "q35: both vCPUs are x86-64" sh -c "[ \$(grep -c ' ISA x86_64\$' '$tmp/q35.cpus') = 2 ]"
    # pause / resume over QMP
    run pause q35 qemu:name=mi-t-q35
    # map=table on a VM that has QMP: says so, agrees with QMP, reads the same facts
    run regions qemu:name=mi-t-q35,map=table >"$tmp/q35.table"
    check "q35 map=table: layout says it was inferred" grep -q "^SOURCE inferred (no QMP)" "$tmp/q35.table"
    run tablecheck qemu:name=mi-t-q35
    facts q35-table q35 qemu:name=mi-t-q35,map=table
    # HMP over QMP with the layout from the tables: the VM's QMP address is still known;
    # a command QEMU rejects is an error naming QEMU's message
    run hmp qemu:name=mi-t-q35,map=table 'info status' >"$tmp/hmp"
    check "map=table: memintro_qemu_hmp reaches the VM's QMP socket" \
        sh -c "grep -qx 'S ok' '$tmp/hmp' && grep -qx 'VM status: running' '$tmp/hmp'"
    run hmp qemu:name=mi-t-q35 'info no-such-thing' >"$tmp/hmp"
    check "hmp: an unknown command is an error with QEMU's message" \
        sh -c "grep -qx 'S backend I/O error' '$tmp/hmp' && grep -q \"^E .*unknown command: 'info no-such-thing'\" '$tmp/hmp'"
    # a QMP address that does not work: fall back to the tables, with a warning
    run regions "qemu:name=mi-t-q35,qmp=unix:$tmp/nonexistent.sock" >"$tmp/q35.bad"
    check "bad QMP address: falls back to the tables" grep -qx "LAYOUT table" "$tmp/q35.bad"
    check "bad QMP address: the warning names it and says the layout was inferred" \
        grep -q "^WARNING QMP unix:$tmp/nonexistent.sock: .*nonexistent.sock.*; layout inferred" "$tmp/q35.bad"
    run open "qemu:name=mi-t-q35,qmp=unix:$tmp/nonexistent.sock,map=qmp" >"$tmp/open"
    check "map=qmp with a bad QMP address: open fails naming it" grep -q "^E map=qmp: QMP unix:$tmp/nonexistent" "$tmp/open"
    # the library's QMP socket held by another client: the next -qmp socket is used
    socat "UNIX-CONNECT:$tmp/q35/qmp.sock" SYSTEM:"sleep 20" >/dev/null 2>&1 &
    holder=$!
    sleep 0.5
    MI_QMP_TIMEOUT_MS=700 run regions qemu:name=mi-t-q35 >"$tmp/q35.busy"
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    holder=
    check "QMP socket held by another client: layout from the next QMP socket" \
        grep -q "^SOURCE QMP unix:$tmp/q35/qmp-test.sock" "$tmp/q35.busy"
    # QEMU stopped with SIGSTOP and the backlogs of both its QMP sockets full: open must
    # not hang (timeout turns a hang into a failure); it falls back to the tables, and the
    # warning names each socket and why
    kill -STOP "$(pid q35)"
    timeout 60 "$live" fill "$tmp/q35/qmp.sock" 30 >"$tmp/fill1" &
    f1=$!
    timeout 60 "$live" fill "$tmp/q35/qmp-test.sock" 30 >"$tmp/fill2" &
    f2=$!
    sleep 0.5
    MI_QMP_TIMEOUT_MS=500 timeout 20 "$live" regions qemu:name=mi-t-q35 >"$tmp/q35.stopped" 2>&1
    rc=$?
    MI_QMP_TIMEOUT_MS=500 timeout 20 "$live" open qemu:name=mi-t-q35,map=qmp >"$tmp/q35.stopped-qmp" 2>&1
    rc2=$?
    kill "$f1" "$f2" 2>/dev/null
    wait "$f1" "$f2" 2>/dev/null
    kill -CONT "$(pid q35)"
    check "stopped QEMU: both QMP backlogs were full" sh -c "grep -q 'full\$' '$tmp/fill1' && grep -q 'full\$' '$tmp/fill2'"
    check "stopped QEMU, full QMP backlogs: open returns (exit $rc), layout from the tables" \
        sh -c "[ $rc != 124 ] && grep -qx 'LAYOUT table' '$tmp/q35.stopped'"
    check "stopped QEMU: the warning names both sockets and the full backlog" \
        sh -c "grep '^WARNING' '$tmp/q35.stopped' | grep 'QMP unix:$tmp/q35/qmp.sock: .*backlog' |
               grep -q 'QMP unix:$tmp/q35/qmp-test.sock: .*backlog'"
    check "stopped QEMU, map=qmp: open fails in time (exit $rc2) naming both sockets" \
        sh -c "[ $rc2 != 124 ] && grep -q '^E map=qmp: QMP unix:$tmp/q35/qmp.sock: .*; QMP unix:$tmp/q35/qmp-test.sock' '$tmp/q35.stopped-qmp'"
    # another user: no permission, and the message says how to get it
    cp "$live" "$tmp/qemu_live" && chmod 755 "$tmp/qemu_live"
    if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
        (cd "$tmp" && setpriv --reuid=65534 --regid=65534 --clear-groups ./qemu_live open qemu:name=mi-t-q35) \
            >"$tmp/open" 2>&1
        check "as another user: E_PERMISSION naming CAP_SYS_PTRACE" \
            sh -c "grep -qx 'S permission denied' '$tmp/open' && grep -q CAP_SYS_PTRACE '$tmp/open'"
    else
        echo "skip - qemu: permission check needs root and setpriv"
    fi
fi

if is_up pchi; then
    run tablecheck qemu:name=mi-t-pchi
    facts pchi-table pchi qemu:name=mi-t-pchi,map=table
    check "pchi: RAM above 4 GiB in QEMU's own map" grep -q "^0000000100000000-000000011fffffff ram pc.ram 0000000040000000" \
        "$tmp/pchi.expect"
fi

if is_up memfd; then
    check "memfd: RAM block mem0 (-machine memory-backend=mem0) found" grep -q " ram mem0 " "$tmp/memfd.got"
    check "memfd: guest RAM is served zero-copy from the memfd" grep -q "^H 100000 [0-9a-f]* memfd 1$" "$tmp/memfd.regions"
    run same memfd qemu:name=mi-t-memfd qemu:name=mi-t-memfd,nozerocopy "$tmp/memfd/serial.log"
    # no display card (-vga none): RAM at 0xa0000-0xbffff. Mark it, then map=table and
    # map=qmp must read what QEMU's own pmemsave saves (VM paused)
    run write qemu:name=mi-t-memfd,map=qmp,write 0xa0000 MEMINTRO-VGA-A0000 >/dev/null
    run write qemu:name=mi-t-memfd,map=qmp,write 0xbfff0 MI-VGA-BFFF >/dev/null
    qmp "$tmp/memfd/qmp-test.sock" '{"execute":"stop"}' >/dev/null
    rm -f "$tmp/memfd.vga"
    qmp "$tmp/memfd/qmp-test.sock" \
        "{\"execute\":\"pmemsave\",\"arguments\":{\"val\":655360,\"size\":131072,\"filename\":\"$tmp/memfd.vga\"}}" >/dev/null
    check "memfd -vga none: pmemsave of 0xa0000 holds the marks" \
        sh -c "grep -q MEMINTRO-VGA-A0000 '$tmp/memfd.vga' && grep -q MI-VGA-BFFF '$tmp/memfd.vga'"
    run readcmp qemu:name=mi-t-memfd,map=table 0xa0000 0x20000 "$tmp/memfd.vga"
    run readcmp qemu:name=mi-t-memfd,map=qmp 0xa0000 0x20000 "$tmp/memfd.vga"
    qmp "$tmp/memfd/qmp-test.sock" '{"execute":"cont"}' >/dev/null
    run regions qemu:name=mi-t-memfd,map=table >"$tmp/memfd.table"
    check "memfd -vga none: map=table says there is no VGA card" grep -q "^SOURCE .*no VGA card" "$tmp/memfd.table"
fi

if is_up noqmp; then
    run regions qemu:name=mi-t-noqmp >"$tmp/noqmp.regions"
    check "no QMP: layout inferred from the command line" grep -qx "LAYOUT table" "$tmp/noqmp.regions"
    check "no QMP: warning says there is no QMP socket" grep -q "^WARNING QEMU has no QMP socket" "$tmp/noqmp.regions"
    # the same machine with QMP (pchi): QEMU's pc.ram ranges, merged where contiguous, but
    # without the 0xa0000-0xbffff window
    if is_up pchi; then
        awk '$3 == "pc.ram" { split($1, r, "-"); print r[1], r[2], $4 }' "$tmp/pchi.expect" >"$tmp/pc.ram"
        sed -n 's/^R \([0-9a-f]*\)-\([0-9a-f]*\) ram pc.ram \([0-9a-f]*\)$/\1 \2 \3/p' "$tmp/noqmp.regions" >"$tmp/noqmp.got"
        # every inferred range must be a union of consecutive QEMU ranges with matching offsets
        if awk 'NR == FNR { s[NR] = $1; e[NR] = $2; o[NR] = $3; n = NR; next }
                { found = 0
                  for (i = 1; i <= n; i++) if (s[i] == $1 && o[i] == $3) { j = i
                      while (j < n && e[j] != $2) j++
                      if (e[j] == $2) found = 1 }
                  if (!found) { print "inferred range not in QEMU map:", $0; bad = 1 } }
                END { exit bad }' "$tmp/pc.ram" "$tmp/noqmp.got" && [ "$(wc -l <"$tmp/noqmp.got")" = 3 ]; then
            ok "no QMP: the 3 inferred ranges (incl. 4 GiB + 512 MiB at offset 1 GiB) match QEMU's map of the same machine"
        else
            nok "no QMP: inferred ranges do not match the pc,max-ram-below-4g=1G map"
            sed 's/^/    # /' "$tmp/noqmp.got"
        fi
    fi
    facts noqmp noqmp qemu:name=mi-t-noqmp
fi

# ---- the VM goes away mid-read (last: these guests are gone afterwards) ----
is_up memfd && run gone memfd-SIGKILL qemu:name=mi-t-memfd 9 300
is_up noqmp && run gone noqmp-SIGTERM qemu:name=mi-t-noqmp 15 300
is_up pchi && run gone pchi-SIGKILL qemu:name=mi-t-pchi 9 200
echo "# total $(($(date +%s) - t0)) s"
exit 0
