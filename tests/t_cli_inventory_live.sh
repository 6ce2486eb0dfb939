#!/bin/sh
# tests/t_cli_inventory_live.sh: the connector inventory and the middleware against the REAL
# test guest (tests/guest: Debian kernel + busybox under QEMU/TCG, q35, 256 MiB).
#
# Expected values come from the guest itself (serial.log: the markers' physical addresses
# and texts, from /proc/self/pagemap; FACT ps: its process list) and from QEMU's pid, never
# from memintro. Checked: `targets qemu` lists the guest with a string that opens it;
# qemu:NAME is qemu:name=NAME; the live default is the page cache (the backend reads a
# whole page for a 16-byte read, metrics say so) and cache=off turns it off; markers read
# the same with the cache on and off; a delay slows a batch by at least the delay on a live
# VM; the Linux layer's process list through the default cache equals the guest's; an
# unknown key is refused before any VM is looked at. About 20 s (boot 4-15 s).
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/guest/live.sh
live_begin "inventory live" build/memintro mk/cli.mk jq
M=build/memintro
NAME=mi-inv-live-$$

pass() { echo "ok - inventory live: $*"; }
fail() { echo "not ok - inventory live: $*"; }
check() { # DESC COND...
    d=$1
    shift
    if "$@"; then pass "$d"; else
        fail "$d"
        sed 's/^/    # /' "$tmp/err" | head -5
    fi
}
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

if ! pid=$(sh tests/guest/boot.sh --dir "$g" --name "$NAME" --machine q35 --mem 256M 2>"$tmp/boot.err"); then
    fail "booting the test guest failed"
    sed 's/^/    # /' "$tmp/boot.err" | head -10
    exit 1
fi
echo "# guest $NAME booted, pid $pid"
Q="qemu:$NAME,qmp=unix:$g/qmp.sock"

# --- targets qemu -------------------------------------------------------------------------
run $M --json targets qemu
spec=$(jq -r ".[] | select(.pid == $pid) | .spec" "$tmp/out" 2>/dev/null)
check "targets qemu lists the guest (pid $pid) as qemu:$NAME" [ "$rc" = 0 -a "$spec" = "qemu:$NAME" ]
run $M -c "$spec" --json info
check "the listed string opens it: QEMU's pid" eval '[ "$rc" = 0 ] && [ "$(jq -r .facts.pid "$tmp/out")" = "$pid" ]'
run $M -c "qemu:name=$NAME" --json info
check "qemu:name=$NAME opens the same VM" eval '[ "$rc" = 0 ] && [ "$(jq -r .facts.pid "$tmp/out")" = "$pid" ]'
check "info: the live default is the page cache, 4 MiB, 10 ms" eval '
    [ "$(jq -r .facts.middleware "$tmp/out")" = "cache 4 MiB of pages, read again after 10 ms (the default for a live target)" ]'

# --- the cache by default, and off ---------------------------------------------------------
grep '^MARKER ' "$g/serial.log" >"$tmp/markers"
set -- $(head -1 "$tmp/markers")
mpa=${5#pa=} mtext=${6#text=}
run $M -c "$Q,metrics=on" read "$mpa" 16 -o -
check "default (cache on): 16 bytes of marker 1 read; the backend read one whole page" eval '[ "$rc" = 0 ] &&
    [ "$(cat "$tmp/out")" = "$(echo "$mtext" | cut -c1-16)" ] &&
    grep -qE "metrics .*: 1 batches, 1 ops \(0 failed\), 4096 bytes, .*; cache 0 hits, 1 misses$" "$tmp/err"'
run $M -c "$Q,cache=off,metrics=on" read "$mpa" 16 -o -
check "cache=off: the backend read the 16 bytes asked for" eval '[ "$rc" = 0 ] &&
    [ "$(cat "$tmp/out")" = "$(echo "$mtext" | cut -c1-16)" ] &&
    grep -qE "metrics .*: 1 batches, 1 ops \(0 failed\), 16 bytes, " "$tmp/err" && ! grep -q "cache " "$tmp/err"'
bad=0 n=0
while read -r _ comm _ _ pa text; do
    pa=${pa#pa=} text=${text#text=}
    n=$((n + 1))
    on=$($M -c "$Q" read "$pa" ${#text} -o - 2>/dev/null)
    off=$($M -c "$Q,cache=off" read "$pa" ${#text} -o - 2>/dev/null)
    [ "$on" = "$text" ] && [ "$off" = "$text" ] || { bad=$((bad + 1)); echo "# $comm $pa: '$on' / '$off' != '$text'"; }
done <"$tmp/markers"
check "each of the $n markers reads the same with the cache on and off" [ "$n" -ge 2 -a "$bad" = 0 ]

# --- delay --------------------------------------------------------------------------------
t0=$(now_ms)
run $M -c "$Q,cache=off,delay=250000,metrics=on" read "$mpa" 16 -o -
dt=$(($(now_ms) - t0))
ms=$(sed -n 's/.* \([0-9]*\)\.[0-9]* ms in the backend.*/\1/p' "$tmp/err")
check "delay=250000 on a live VM: one batch, at least 250 ms (${dt} ms; ${ms:-?} ms in the backend)" eval '[ "$rc" = 0 ] &&
    [ "$(cat "$tmp/out")" = "$(echo "$mtext" | cut -c1-16)" ] && [ "$dt" -ge 250 ] && [ "${ms:-0}" -ge 250 ]'

# --- an OS layer through the default cache ---------------------------------------------------
# the guest's long-lived user processes (init, the sleepers, the markers): pid and name
sed -n 's/^FACT ps \([0-9]*\) \(init\|mi-.*\)$/\1 \2/p' "$g/serial.log" | sort >"$tmp/ps.want"
run $M -c "$Q" --os linux --json ps
jq -r '.[] | "\(.pid) \(.name)"' "$tmp/out" 2>/dev/null | sort >"$tmp/ps.got"
check "linux ps through the default cache has the guest's $(wc -l <"$tmp/ps.want") user processes, pid and name" \
    eval '[ "$rc" = 0 ] && [ "$(wc -l <"$tmp/ps.want")" -ge 6 ] && [ -z "$(comm -23 "$tmp/ps.want" "$tmp/ps.got")" ]'

# --- unknown keys ---------------------------------------------------------------------------
run $M -c "qemu:$NAME,bogus=1" info
check "qemu:$NAME,bogus=1: exit 2, one line listing the known keys" eval '[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -qF "qemu: unknown option \"bogus\" (known keys: name, pid, qmp, map, write, nozerocopy; on every connector:" "$tmp/err"'
