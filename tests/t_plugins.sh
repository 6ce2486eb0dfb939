#!/bin/sh
# tests/t_plugins.sh: plugins through the command-line tool (build/memintro and
# build/memintro-san): `memintro plugins` (text and --json), a connector plugin reached by
# -c, an OS-layer plugin reached by --os, the warnings about rejected plugins.
#
# Real data: the plugins `make` built (build/plugins/file.so, toyos.so) and the variants
# mk/plugins.mk built to be refused (build/plugins-test/: aarch64.so from the cross
# compiler, abi2.so with descriptor ABI 2, nosym.so without a descriptor, file2.so a second
# "file" connector), copied to a temporary folder named by MEMINTRO_PLUGIN_PATH.
# Synthetic data: a text file named bad.so, and a 1 MiB image written here byte by byte with
# the toy OS's process table (examples/plugins/toyos.c) at 0x3000 and a pattern at 0x80000;
# every expected value is what this script wrote.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# le N BYTES: N as BYTES little-endian bytes, as printf octal escapes
le() {
    awk -v n="$1" -v k="$2" 'BEGIN { for (i = 0; i < k; i++) { printf "\\%03o", n % 256; n = int(n / 256) } }'
}

for f in build/memintro build/memintro-san build/plugins/file.so build/plugins/toyos.so \
    build/plugins-test/aarch64.so build/plugins-test/abi2.so build/plugins-test/nosym.so build/plugins-test/file2.so; do
    if [ ! -f "$f" ]; then
        fail "$f is built (make all tests build/memintro-san)"
        exit 1
    fi
done

P=$T/plugins
mkdir -p "$P"
cp build/plugins/file.so build/plugins/toyos.so build/plugins-test/aarch64.so build/plugins-test/abi2.so \
    build/plugins-test/nosym.so build/plugins-test/file2.so "$P/"
echo "not a shared object" >"$P/bad.so"
touch -d '2 minutes ago' "$P/file2.so" # file.so is the newer "file": it wins
export MEMINTRO_PLUGIN_PATH="$P"
export HOME="$T/home" # no ~/.local/lib/memintro of the user's

# the image: toy table at 0x3000 (magic, version 1, 3 processes, kernel base), pattern at 0x80000
IMG=$T/img.raw
dd if=/dev/zero of="$IMG" bs=1024 count=1024 2>/dev/null
{
    printf 'memintro toy os\000'
    printf "$(le 1 4)$(le 3 4)$(le 4096 8)"
    printf "$(le 1 8)$(le 0 8)$(le 65536 8)init"; dd if=/dev/zero bs=1 count=36 2>/dev/null
    printf "$(le 300 8)$(le 1 8)$(le 131072 8)sshd"; dd if=/dev/zero bs=1 count=36 2>/dev/null
    printf "$(le 4242 8)$(le 300 8)$(le 196608 8)bash"; dd if=/dev/zero bs=1 count=36 2>/dev/null
} >"$T/table"
dd if="$T/table" of="$IMG" bs=4096 seek=3 conv=notrunc 2>/dev/null
printf 'PLUGIN-PATTERN-0123456789abcdef' | dd of="$IMG" bs=1 seek=524288 conv=notrunc 2>/dev/null

for M in build/memintro build/memintro-san; do
    # --- the listing ---
    run $M plugins
    if [ $rc = 0 ] && [ "$(sed -n 1p "$T/out")" = "plugin folders: $P:$HOME/.local/lib/memintro:/usr/local/lib/memintro:/usr/lib/memintro" ]; then
        pass "$M plugins: exit 0, the search path in order"
    else
        fail "$M plugins: exit $rc, first line '$(sed -n 1p "$T/out")'"
    fi
    while IFS='|' read -r file want; do
        got=$(grep -F "$P/$file: " "$T/out" | sed "s|^$P/$file: ||")
        if [ "$got" = "$want" ]; then pass "$M plugins: $file: $want"; else fail "$M plugins: $file: '$got', expected '$want'"; fi
    done <<LIST
file.so|loaded: connector "file" 1.0 (raw guest-physical image, read with pread)
toyos.so|loaded: OS layer "toy" 1.0 (toy OS layer: lists the processes of a table in guest memory)
aarch64.so|rejected: ELF for AArch64, this is x86-64
abi2.so|rejected: ABI version 2, 1 is needed
nosym.so|rejected: no memintro_plugin symbol
bad.so|rejected: not an ELF file
file2.so|rejected: name "file" taken by $P/file.so (newer)
LIST
    if [ "$(grep -c "^$P/" "$T/out")" = 7 ] && [ ! -s "$T/err" ]; then
        pass "$M plugins: 7 candidates, no warning while listing"
    else
        fail "$M plugins: $(grep -c "^$P/" "$T/out") candidates; stderr: $(cat "$T/err")"
    fi
    run $M --json plugins
    if [ $rc = 0 ] && jq -e --arg p "$P" '
        (.plugins | map(select(.path | startswith($p))) | length) == 7 and .loaded == 2 and
        (.plugins[] | select(.path == $p + "/abi2.so") | .status == "rejected" and .reason == "ABI version 2, 1 is needed") and
        (.plugins[] | select(.path == $p + "/toyos.so") | .status == "loaded" and .kind == "os" and .name == "toy" and .reason == "") and
        (.plugins[] | select(.path == $p + "/file.so") | .kind == "connector" and .version == "1.0")' "$T/out" >/dev/null; then
        pass "$M --json plugins: 7 candidates with status, kind, name, version, reason"
    else
        fail "$M --json plugins: $(head -c 600 "$T/out")"
    fi

    # --- the connector plugin by -c ---
    run $M -c "file:$IMG,base=0x100000" read 0x180000 16
    if [ $rc = 0 ] && grep -q '^00180000  50 4c 55 47 49 4e 2d 50  41 54 54 45 52 4e 2d 30  |PLUGIN-PATTERN-0|' "$T/out"; then
        pass "$M -c file:IMG,base=0x100000 read 0x180000: file byte 0x80000"
    else
        fail "$M -c file:IMG,base=0x100000 read: exit $rc: $(cat "$T/out" "$T/err")"
    fi
    run $M -c "file:$IMG,base=0x100000" read 0x0 16
    if [ $rc = 1 ]; then pass "$M file plugin: below base is not memory (exit 1)"; else fail "$M file plugin below base: exit $rc"; fi
    run $M -c "file:$IMG,bogus=1" read 0 16
    if [ $rc = 2 ] && grep -q 'base' "$T/err" && grep -q 'offset' "$T/err"; then
        pass "$M file plugin: an unknown key is refused, the known ones listed (exit 2)"
    else
        fail "$M file plugin unknown key: exit $rc: $(cat "$T/err")"
    fi
    run $M -c "file:$IMG" info
    if [ $rc = 0 ] && grep -q "^target .*file $IMG (1048576 bytes" "$T/out"; then
        pass "$M -c file:IMG info: the plugin's description"
    else
        fail "$M -c file:IMG info: exit $rc: $(head -5 "$T/out") $(cat "$T/err")"
    fi

    # --- the OS-layer plugin by --os ---
    if $M --help 2>/dev/null | grep -q '^  os '; then
        for os in toy auto; do
            run $M -c "file:$IMG" --os $os ps
            if [ $rc = 0 ] && grep -q '\b1\b.*init' "$T/out" && grep -q '\b300\b.*sshd' "$T/out" && grep -q '\b4242\b.*bash' "$T/out"; then
                pass "$M -c file:IMG --os $os ps: the table's processes 1 init, 300 sshd, 4242 bash"
            else
                fail "$M -c file:IMG --os $os ps: exit $rc: $(cat "$T/out" "$T/err")"
            fi
        done
        run $M --json -c "file:$IMG" --os toy ps
        if [ $rc = 0 ] && jq -e '[.. | objects | select(.pid? == 4242 and .ppid? == 300)] | length == 1' "$T/out" >/dev/null; then
            pass "$M --json --os toy ps: pid 4242, ppid 300"
        else
            fail "$M --json --os toy ps: exit $rc: $(head -c 400 "$T/out") $(cat "$T/err")"
        fi
    else
        echo "skip - $M --os toy ps: this build's CLI has no generic commands for registered OS layers (memintro os)"
    fi

    # --- warnings: every run names the rejected plugins, not the lost name clash ---
    run $M -c "file:$IMG" read 0x3000 4
    if grep -q "warning: plugin $P/abi2.so not loaded: ABI version 2, 1 is needed" "$T/err" &&
        grep -q "warning: plugin $P/bad.so not loaded: not an ELF file" "$T/err" &&
        ! grep -q "file2.so" "$T/err" && [ $rc = 0 ]; then
        pass "$M: a command warns about each rejected plugin (not about the older file of a clash)"
    else
        fail "$M warnings: exit $rc: $(cat "$T/err")"
    fi
done

# --- a connector whose only plugin is rejected: the error says why ---
Q=$T/only-abi2
mkdir -p "$Q"
cp build/plugins-test/abi2.so "$Q/file.so"
MEMINTRO_PLUGIN_PATH=$Q run build/memintro -c "file:$IMG" read 0 4
if [ $rc = 2 ] && grep -q "unknown connector" "$T/err" && grep -q "plugin $Q/file.so not loaded: ABI version 2, 1 is needed" "$T/err"; then
    pass "-c file: with only an ABI-2 file.so: unknown connector, and the warning says why"
else
    fail "-c file: with only an ABI-2 plugin: exit $rc: $(cat "$T/err")"
fi

# --- what the plugins export: the descriptor only (no memintro_* function to interpose) ---
for so in build/plugins/file.so build/plugins/toyos.so; do
    defs=$(readelf --dyn-syms -W "$so" | awk '$7 != "UND" && $8 ~ /memintro/ { print $8 }' | tr '\n' ' ')
    if [ "$defs" = "memintro_plugin " ]; then
        pass "$so exports memintro_plugin and no other memintro symbol"
    else
        fail "$so exports: $defs"
    fi
done
