#!/bin/sh
# tests/t_cli_inventory.sh: the connector inventory in the command-line tool: connectors,
# help CONNECTOR, targets [CONNECTOR], the connector-string syntax (a path with commas, a
# trailing ',', unknown keys refused with the known ones) and the middleware keys (cache,
# cache_size, cache_time, delay, metrics) on the built-in raw and dump connectors.
#
# Synthetic data: a raw image written here with printf/dd (zeros, with two marker strings
# at known offsets). Expected values come from the documented syntax and from what each
# command is asked to do (read 16 bytes = one batch of one 16-byte operation), never from
# memintro's own output. The QEMU VMs `targets qemu` lists are compared with the processes
# /proc shows (real, whatever runs on this host; none is started here).
# Runs against build/memintro and, for the error cases and the middleware, build/memintro-san.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
check() { # DESC COND...
    d=$1
    shift
    if "$@"; then pass "$d"; else
        fail "$d"
        sed 's/^/    # /' "$T/err" | head -5
    fi
}
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# one_error RC TEXT: exit status RC and exactly one stderr line, "memintro: error: ..." containing TEXT
one_error() {
    [ "$rc" = "$1" ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^memintro: error: ' "$T/err" && grep -qF -- "$2" "$T/err"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

for b in build/memintro build/memintro-san; do
    [ -x "$b" ] || { fail "$b is missing (make build/memintro build/memintro-san)"; exit 1; }
done
command -v jq >/dev/null || { fail "jq is missing (apt-get install jq)"; exit 1; }

# the image: 64 KiB of zeros, "HELLO-INVENTORY!" at 0x1000, "SECOND-PAGE-TXT!" at 0x3008
IMG="$T/img,with,commas"
dd if=/dev/zero of="$IMG" bs=4096 count=16 2>/dev/null
printf 'HELLO-INVENTORY!' | dd of="$IMG" bs=1 seek=4096 conv=notrunc 2>/dev/null
printf 'SECOND-PAGE-TXT!' | dd of="$IMG" bs=1 seek=12296 conv=notrunc 2>/dev/null
HELLO="48 45 4c 4c 4f 2d 49 4e  56 45 4e 54 4f 52 59 21"

M=build/memintro

# --- connectors ---------------------------------------------------------------------------
run $M connectors
check "connectors: exit 0, the three built-ins with their documented syntax" eval '[ "$rc" = 0 ] &&
    grep -qE "^qemu +qemu\[:VM\]\[,name=VM\|pid=N\]\[,qmp=unix:PATH\|tcp:HOST:PORT\]\[,map=qmp\|table\|auto\]\[,write\]\[,nozerocopy\]$" "$T/out" &&
    grep -qE "^dump +dump:PATH$" "$T/out" && grep -qE "^raw +raw:PATH\[,base=ADDR\]$" "$T/out"'
check "connectors: every connector has a help line; qemu says it lists targets" eval '
    [ "$(grep -cE "^ {9}[a-z]" "$T/out")" -ge 3 ] && grep -A1 "^qemu " "$T/out" | grep -q "\[targets\]"'
check "connectors: the middleware keys are named" \
    grep -q "cache=on|off, cache_size=BYTES, cache_time=MS, delay=US, metrics=on|off" "$T/out"
run $M --json connectors
check "connectors --json: qemu, dump, raw first, with their keys" eval '[ "$rc" = 0 ] &&
    [ "$(jq -r "[.[0].name, .[1].name, .[2].name] | join(\" \")" "$T/out")" = "qemu dump raw" ] &&
    [ "$(jq -r ".[0].keys | map(.name) | join(\" \")" "$T/out")" = "name pid qmp map write nozerocopy" ] &&
    [ "$(jq -r ".[1].keys | length" "$T/out")" = 0 ] &&
    [ "$(jq -r ".[2].keys[0].name + \"=\" + .[2].keys[0].value" "$T/out")" = "base=ADDR" ] &&
    [ "$(jq -r "[.[0:3][] | .builtin] | all" "$T/out")" = true ] &&
    [ "$(jq -r "[.[0:3][] | .targets] | map(tostring) | join(\" \")" "$T/out")" = "true false false" ]'
run $M connectors extra
check "connectors takes no argument" one_error 2 "unexpected argument 'extra'"

# --- help CONNECTOR -----------------------------------------------------------------------
run $M help raw
check "help raw: its syntax, its key, every middleware key, the default (off for a file)" eval '[ "$rc" = 0 ] &&
    grep -qF "syntax: -c raw:PATH[,base=ADDR]" "$T/out" && grep -qE "^  base=ADDR +guest-physical address" "$T/out" &&
    grep -qE "^  cache=on\|off " "$T/out" && grep -qE "^  cache_size=BYTES " "$T/out" &&
    grep -qE "^  cache_time=MS " "$T/out" && grep -qE "^  delay=US " "$T/out" && grep -qE "^  metrics=on\|off " "$T/out" &&
    grep -q "defaults here: cache off" "$T/out"'
run $M help dump
check "help dump: no keys of its own" eval '[ "$rc" = 0 ] && grep -q "^keys: none of its own" "$T/out"'
run $M --json help qemu
check "help qemu --json: keys, middleware keys, the default (cache on for a live VM)" eval '[ "$rc" = 0 ] &&
    [ "$(jq -r ".middleware | map(.name) | join(\" \")" "$T/out")" = "cache cache_size cache_time delay metrics" ] &&
    [ "$(jq -r ".keys | length" "$T/out")" = 6 ] && jq -r .defaults "$T/out" | grep -q "^cache on"'
run $M help nope
check "help nope: usage error listing the connectors" one_error 2 "unknown connector 'nope' (known: qemu, dump, raw"
run $M help
check "help without a connector: usage error naming them" one_error 2 "which connector? (known: qemu, dump, raw"

# --- targets [CONNECTOR] ------------------------------------------------------------------
run $M targets dump
check "targets dump: a usage error (its target is a path)" one_error 2 "the connector dump has no target list"
run $M targets nope
check "targets nope: a usage error listing the connectors" one_error 2 "unknown connector 'nope'"
run $M --json targets qemu
q=qemu
want=$(for d in /proc/[0-9]*; do
    a=$({ tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | head -1)
    case "${a##*/}" in $q-system-* | qemu-kvm | kvm) echo "${d#/proc/}" ;; esac
done | sort -n | tr '\n' ' ')
got=$(jq -r '.[].pid' "$T/out" 2>/dev/null | sort -n | tr '\n' ' ')
check "targets qemu --json: the QEMU processes /proc shows ($want)" eval '[ "$rc" = 0 ] && [ "$got" = "$want" ]'
check "targets qemu --json: each with connector qemu and a string to open it" eval '
    [ "$(jq -r "[.[] | select(.connector != \"qemu\" or (.spec | startswith(\"qemu:\") | not))] | length" "$T/out")" = 0 ]'
run $M targets
check "targets: exit 0" [ "$rc" = 0 ]

# --- the connector string -----------------------------------------------------------------
for b in build/memintro build/memintro-san; do
    n=${b#build/}
    run $b -c "raw:$IMG" read 0x1000 16
    check "$n: raw:PATH with commas in the path opens it" eval '[ "$rc" = 0 ] && grep -qF "$HELLO" "$T/out"'
    run $b -c "raw:$IMG,base=0x100000" read 0x101000 16
    check "$n: raw:PATH,base=ADDR: a trailing known key after a path with commas" \
        eval '[ "$rc" = 0 ] && grep -qF "$HELLO" "$T/out"'
    cp "$IMG" "$T/x,base=1"
    run $b -c "raw:$T/x,base=1," read 0x1000 16
    check "$n: a trailing ',' ends the path (a file named x,base=1)" eval '[ "$rc" = 0 ] && grep -qF "$HELLO" "$T/out"'
    run $b -c "raw:$IMG,bogus=1" read 0x1000 16
    check "$n: raw: an unknown key is refused with the known ones" \
        one_error 2 'raw: unknown option "bogus" (known keys: base; on every connector: cache, cache_size, cache_time, delay, metrics)'
    run $b -c "dump:$IMG,bogus=1" info
    check "$n: dump: an unknown key is refused" one_error 2 'dump: unknown option "bogus" (dump takes no keys of its own'
    run $b -c "qemu:name=nosuchvm,bogus" info
    check "$n: qemu: an unknown flag is refused before any VM is looked for" one_error 2 'qemu: unknown option "bogus"'
    run $b -c "raw:$IMG,cache=maybe" info
    check "$n: cache=maybe is refused" one_error 2 "cache=maybe: expected on or off"
    run $b -c "raw:$IMG,cache_size=100" info
    check "$n: cache_size=100 is refused" one_error 2 "cache_size=100"
    run $b -c "raw:$IMG,delay=x" info
    check "$n: delay=x is refused" one_error 2 "delay=x"
    run $b -c "raw:$IMG,metrics=2" info
    check "$n: metrics=2 is refused" one_error 2 "metrics=2"
    run $b -c "raw:$IMG,base=0x0,base=0x1" info
    check "$n: a key given twice is refused" one_error 2 "the key base is given twice"

    # --- middleware -----------------------------------------------------------------------
    run $b -c "raw:$IMG,metrics=on" read 0x1000 16
    check "$n: metrics=on: one read of 16 bytes is one batch of one operation, on one stderr line" eval '[ "$rc" = 0 ] &&
        grep -qF "$HELLO" "$T/out" && [ "$(wc -l <"$T/err")" = 1 ] &&
        grep -qE "^memintro: metrics raw:.*,metrics=on: 1 batches, 1 ops \(0 failed\), 16 bytes, [0-9.]+ ms in the backend" "$T/err"'
    run $b -c "raw:$IMG,metrics=on" read 0xfff8 16
    check "$n: metrics=on: a read past the end is one batch with a failed operation" \
        grep -qE ": 1 batches, [0-9]+ ops \(1 failed\), 16 bytes" "$T/err"
    run $b -c "raw:$IMG,cache=on,metrics=on" read 0x3008 16
    check "$n: cache=on under metrics: the backend reads the whole page once" eval '[ "$rc" = 0 ] &&
        grep -qF "53 45 43 4f 4e 44" "$T/out" && grep -qE ": 1 batches, 1 ops \(0 failed\), 4096 bytes, .*; cache 0 hits, 1 misses$" "$T/err"'
    run $b -c "raw:$IMG,cache=on,metrics=on" search SECOND-PAGE
    check "$n: cache=on: search finds the text through the cache" eval '[ "$rc" = 0 ] && grep -q "^0x3008" "$T/out"'
    t0=$(now_ms)
    run $b -c "raw:$IMG,delay=300000,metrics=on" read 0x1000 16
    dt=$(($(now_ms) - t0))
    ms=$(sed -n 's/.* \([0-9]*\)\.[0-9]* ms in the backend.*/\1/p' "$T/err")
    check "$n: delay=300000: the read takes at least 300 ms (${dt} ms; ${ms} ms in the backend)" \
        eval '[ "$rc" = 0 ] && grep -qF "$HELLO" "$T/out" && [ "$dt" -ge 300 ] && [ "${ms:-0}" -ge 300 ]'
    run $b -c "raw:$IMG" info
    check "$n: info: raw's default middleware is none (cache off)" \
        eval '[ "$rc" = 0 ] && grep -qE "^middleware +none \(cache off\)$" "$T/out"'
    run $b -c "raw:$IMG,cache_size=64k,cache_time=5" info
    check "$n: info: cache_size and cache_time turn the cache on and say so" eval '[ "$rc" = 0 ] &&
        grep -qE "^middleware +cache 64 KiB of pages, read again after 5 ms$" "$T/out"'
done

# --- usage --------------------------------------------------------------------------------
run $M --help
check "--help names connectors, help CONNECTOR, targets [CONNECTOR] and the middleware keys" eval '[ "$rc" = 0 ] &&
    grep -qE "^  connectors " "$T/out" && grep -qE "^  help CONNECTOR " "$T/out" && grep -qE "^  targets \[CONNECTOR\] " "$T/out" &&
    grep -q "cache=on|off ,cache_size=BYTES ,cache_time=MS" "$T/out"'
