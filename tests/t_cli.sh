#!/bin/sh
# tests/t_cli.sh: end-to-end tests of the memintro command-line tool (build/memintro).
#
# Synthetic data: build/sample/NAME.img are raw guest-physical images whose page tables
# build/mkimage (tests/tools/mkimage.c) wrote entry by entry, one per paging mode. Every
# expected value here comes from the generator's manifests (build/sample/NAME.txt: what it
# mapped where, with which permissions, what it left unmapped and at which level), never
# from memintro itself. The output formats checked are the documented ones (--help).
#
# The new commands (search, dump, write, the dump: connector) are checked on the same images
# and on files built here byte by byte (a sparse image with patterns at chunk boundaries, a
# truncated and a garbage ELF core); tests/t_cli_live.sh checks them on a real QEMU guest.
#
# The whole suite runs against build/memintro; build/memintro-san (AddressSanitizer +
# UndefinedBehaviorSanitizer, about 10x slower to start) runs alongside it over every check
# but with three of the eight images and a few stamped qwords (the per-image checks walk the
# same code for each paging mode; every mode still meets the sanitizers in the hostile-table
# walk of test_misc).
cd "$(dirname "$0")/.." || exit 1
S=build/sample
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
check() { # DESC COND...: ok when the command succeeds
    d=$1
    shift
    if "$@"; then pass "$d"; else fail "$d"; fi
}
# run CMD...: stdout in $T/out, stderr in $T/err, status in $rc
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
field() { sed -n "s/^$1 //p" "$2" | head -1; }
# le64 0xPA: the 8 little-endian bytes of PA as od prints them (" 08 10 40 00 ...")
le64() {
    h=${1#0x}
    while [ ${#h} -lt 16 ]; do h=0$h; done
    echo "$h" | sed 's/../& /g' | awk '{for (i = 8; i >= 1; i--) printf " %s", $i; print ""}'
}
hexbytes() { od -An -v -tx1 "$1" | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//'; }
# the hex columns of a hexdump (fields after the address up to the ASCII column)
dumphex() { awk '{for (i = 2; i <= NF && substr($i, 1, 1) != "|"; i++) printf "%s ", $i}' "$1" | sed 's/ *$//'; }
# the ASCII column of a hexdump, lines joined
dumpascii() { sed 's/^[^|]*|//; s/|$//' "$1" | tr -d '\n'; }
pad8() {
    h=${1#0x}
    while [ ${#h} -lt 8 ]; do h=0$h; done
    echo "$h"
}

# --- expected translate output from a manifest -------------------------------------------
# Text: "VA -> PA (SIZE page, W U X)", "VA -> not mapped (level N)", "VA -> not canonical",
# "VA -> table unreadable: REASON (level N)" (REASON normalised away before comparing).
expect_text() {
    awk 'function sz(b) {
             if (b % 1073741824 == 0) return (b / 1073741824) "G"
             if (b % 1048576 == 0) return (b / 1048576) "M"
             if (b % 1024 == 0) return (b / 1024) "K"
             return b
         }
         $1 == "ok" { print $2 " -> " $3 " (" sz($4) " page, " $5 " " $6 " " $7 ")" }
         $1 == "unmapped" { print $2 " -> not mapped (level " $3 ")" }
         $1 == "noncanonical" { print $2 " -> not canonical" }
         $1 == "badtable" { print $2 " -> table unreadable: (level " $3 ")" }' "$1"
}
expect_json() {
    awk '$1 == "ok" { print $2 " " $3 " " $4 " " $5 " " $6 " " $7 }
         $1 == "unmapped" { print $2 " not mapped " $3 }
         $1 == "noncanonical" { print $2 " not canonical" }
         $1 == "badtable" { print $2 " table unreadable " $3 }' "$1"
}
JQ_XLATE='.[] | if has("pa") then "\(.va) \(.pa) \(.page_size) \(.flags | join(" "))"
               elif .error == "not mapped" then "\(.va) not mapped \(.level)"
               elif .error == "not canonical" then "\(.va) not canonical"
               else "\(.va) \(.error) \(.level)" end'
vas() { awk '$1 == "ok" || $1 == "unmapped" || $1 == "noncanonical" || $1 == "badtable" { print $2 }' "$1"; }

# --- one image ----------------------------------------------------------------------------
test_image() { # NAME
    n=$1
    man=$S/$n.txt
    img=$S/$n.img
    tag="$n ($(basename "$M"))"
    opts=$(field opts "$man")
    size=$(field size "$man")
    levels=$(field levels "$man")
    C="-c raw:$img"

    # translate: every address the generator knows about, in one call
    run $M $C $opts translate $(vas "$man")
    expect_text "$man" >"$T/exp"
    sed 's/table unreadable: .* (level/table unreadable: (level/' "$T/out" >"$T/got"
    if cmp -s "$T/exp" "$T/got" && [ "$rc" = 1 ] && [ ! -s "$T/err" ]; then
        pass "$tag: translate of $(wc -l <"$T/exp") addresses matches the manifest (exit 1: some fail)"
    else
        fail "$tag: translate (exit $rc)"
        diff "$T/exp" "$T/got" | head -10
        head -3 "$T/err"
    fi
    # only the mapped ones: exit 0
    run $M $C $opts translate $(awk '$1 == "ok" { print $2 }' "$man")
    check "$tag: translate of mapped addresses only exits 0" [ "$rc" = 0 ]

    # --json, parsed by jq
    run $M $C $opts --json translate $(vas "$man")
    expect_json "$man" >"$T/exp"
    if jq -r "$JQ_XLATE" "$T/out" >"$T/got" 2>"$T/jqerr" && cmp -s "$T/exp" "$T/got" && [ "$rc" = 1 ]; then
        pass "$tag: translate --json matches the manifest"
    else
        fail "$tag: translate --json (exit $rc)"
        diff "$T/exp" "$T/got" | head -10
        head -3 "$T/jqerr"
    fi

    # strings: raw bytes (-o), hexdump (hex and ASCII columns, address column), JSON
    grep '^string ' "$man" | while read -r _ va pa len text; do
        printf '%s' "$text" >"$T/want"
        run $M $C $opts read --virt "$va" "$len" -o "$T/raw"
        check "$tag: read --virt $va $len -o FILE gives the string" cmp -s "$T/want" "$T/raw"
        run $M $C $opts read --virt "$va" "$len"
        if [ "$rc" = 0 ] && [ "$(dumphex "$T/out")" = "$(hexbytes "$T/want")" ] &&
            [ "$(dumpascii "$T/out")" = "$text" ] && [ "$(head -1 "$T/out" | cut -d' ' -f1)" = "$(pad8 "$va")" ] &&
            [ "$(wc -l <"$T/out")" = $(((len + 15) / 16)) ]; then
            pass "$tag: read --virt $va hexdump (address, hex and ASCII columns)"
        else
            fail "$tag: read --virt $va hexdump (exit $rc)"
            head -3 "$T/out"
        fi
        run $M $C $opts --json read --virt "$va" "$len"
        if [ "$rc" = 0 ] && [ "$(jq -r .data "$T/out")" = "$(hexbytes "$T/want" | tr -d ' ')" ] &&
            [ "$(jq -r '.address + " " + (.length | tostring) + " " + .space + " " + (.unreadable | length | tostring)' "$T/out")" = "$va $len virtual 0" ]; then
            pass "$tag: read --virt --json $va"
        else
            fail "$tag: read --virt --json $va (exit $rc)"
            head -c 300 "$T/out"
        fi
        # the same bytes physically, up to the end of the first page
        run $M $C read "$pa" 16 -o "$T/raw"
        head -c 16 "$T/want" >"$T/want16"
        check "$tag: physical read $pa 16 gives the string's first bytes" cmp -s "$T/want16" "$T/raw"
    done

    # stamped qwords: the qword at VA holds its physical address. All of them: one
    # translate call (VA -> the manifest's PA) and one read of the whole image (the 8 bytes
    # at each PA are PA); the first $STAMPS also through read --virt and read, 8 bytes each.
    grep '^stamp ' "$man" >"$T/stamps"
    cnt=$(wc -l <"$T/stamps")
    run $M $C $opts translate $(awk '{ print $2 }' "$T/stamps")
    awk '{ print $2 " -> " $3 }' "$T/stamps" >"$T/exp"
    sed 's/ (.*//' "$T/out" >"$T/got"
    check "$tag: all $cnt stamped VAs translate to their manifest PAs (one call)" \
        eval '[ "$rc" = 0 ] && [ "$cnt" -gt 0 ] && cmp -s "$T/exp" "$T/got"'
    run $M $C read 0 "$size" -o "$T/phys"
    : >"$T/sp"
    while read -r _ va pa; do
        od -An -v -tx1 -j $((pa)) -N 8 "$T/phys" >>"$T/sp"
    done <"$T/stamps"
    awk '{ h = substr($3, 3); while (length(h) < 16) h = "0" h
           for (i = 15; i >= 1; i -= 2) printf "%s ", substr(h, i, 2) }' "$T/stamps" | sed 's/ *$//' >"$T/swant"
    check "$tag: the image read physically in one call holds each stamp's PA at that PA" \
        eval '[ "$rc" = 0 ] && [ "$(tr -s " \n" "  " <"$T/sp" | sed "s/^ *//; s/ *$//")" = "$(cat "$T/swant")" ]'
    head -n "$STAMPS" "$T/stamps" >"$T/stamps1"
    : >"$T/sv"
    : >"$T/sp"
    while read -r _ va pa; do
        $M $C $opts read --virt "$va" 8 -o - >>"$T/sv" 2>>"$T/serr"
        $M $C read "$pa" 8 -o - >>"$T/sp" 2>>"$T/serr"
    done <"$T/stamps1"
    awk '{ h = substr($3, 3); while (length(h) < 16) h = "0" h
           for (i = 15; i >= 1; i -= 2) printf "%s ", substr(h, i, 2) }' "$T/stamps1" | sed 's/ *$//' >"$T/swant"
    cnt=$(wc -l <"$T/stamps1")
    check "$tag: $cnt stamped qwords read back their own physical address (virtual and physical)" \
        eval '[ "$cnt" -gt 0 ] && [ "$(hexbytes "$T/sv")" = "$(cat "$T/swant")" ] && [ "$(hexbytes "$T/sp")" = "$(cat "$T/swant")" ]'
    rm -f "$T/phys"

    # a mapped page whose frame is outside the image: 16 readable bytes then 16 unreadable
    for va in $(awk '$1 == "unbacked" { print $2 }' "$man"); do
        from=$(printf '0x%x' $((va - 16)))
        run $M $C $opts read --virt "$from" 32
        q=$(dumphex "$T/out" | grep -o '??' | wc -l)
        if [ "$rc" = 1 ] && [ "$q" = 16 ] && [ "$(wc -l <"$T/err")" = 1 ] &&
            grep -q '^memintro: warning: 16 of 32 bytes could not be read' "$T/err"; then
            pass "$tag: read --virt across an unbacked page shows 16 ?? and exits 1 with one warning"
        else
            fail "$tag: read --virt across an unbacked page (exit $rc, $q ??)"
            cat "$T/out" "$T/err" | head -5
        fi
        run $M $C $opts read --virt "$from" 32 -o "$T/raw"
        tail -c 16 "$T/raw" >"$T/tail"
        if [ "$rc" = 1 ] && [ "$(wc -c <"$T/raw")" = 32 ] && [ "$(hexbytes "$T/tail")" = "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" ] &&
            grep -q 'written as zeros' "$T/err"; then
            pass "$tag: read --virt -o writes unreadable bytes as zeros, warns, exits 1"
        else
            fail "$tag: read --virt -o across an unbacked page (exit $rc)"
        fi
        run $M $C $opts --json read --virt "$from" 32
        if [ "$rc" = 1 ] && [ "$(jq -r '.unreadable_bytes, (.unreadable[] | .start + "-" + .end)' "$T/out" | tr '\n' ' ')" = "16 $va-$(printf '0x%x' $((va + 16))) " ]; then
            pass "$tag: read --json lists the unreadable range"
        else
            fail "$tag: read --json unreadable range (exit $rc)"
            head -c 300 "$T/out"
        fi
    done

    # physical read across the end of the image
    last=$(printf '0x%x' $((size - 8)))
    run $M $C read "$last" 16
    q=$(dumphex "$T/out" | grep -o '??' | wc -l)
    check "$tag: physical read across the end of the image: 8 bytes then 8 ??, exit 1" \
        [ "$rc" = 1 -a "$q" = 8 -a "$(dumphex "$T/out" | cut -d' ' -f1-8)" = "$(le64 "$last" | sed 's/^ *//')" ]

    # aarch64: without --ttbr1 the upper half is not mapped (at the top level)
    if grep -q '^ttbr1 ' "$man"; then
        nottbr1=$(echo "$opts" | sed 's/--ttbr1 [^ ]*//')
        for va in $(awk '$1 == "upper" { print $2 }' "$man"); do
            run $M $C $nottbr1 translate "$va"
            check "$tag: without --ttbr1, $va is not mapped (level $levels)" \
                [ "$rc" = 1 -a "$(cat "$T/out")" = "$va -> not mapped (level $levels)" ]
        done
    fi

    # info
    run $M $C --json info
    check "$tag: info --json: one range [0, size), memory = size" \
        [ "$rc" = 0 -a "$(jq -r '.connector + " " + (.ranges | length | tostring) + " " + .ranges[0].start + " " + .ranges[0].end + " " + (.memory | tostring)' "$T/out" 2>/dev/null)" = "raw 1 0x0 $(printf '0x%x' "$size") $size" ]
}

# --- bad input: one line "memintro: error: ...", the right status, nothing on stdout ------
# err_case DESC STATUS WORD ARGS...: WORD must appear in the message (case-insensitive)
err_case() {
    d=$1 want=$2 word=$3
    shift 3
    run $M "$@"
    lines=$(wc -l <"$T/err")
    if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && grep -q '^memintro: error: ' "$T/err" &&
        grep -qiF -- "$word" "$T/err" && [ ! -s "$T/out" ]; then
        pass "$(basename "$M"): $d: exit $want, one line naming '$word'"
    else
        fail "$(basename "$M"): $d: exit $rc (want $want), $lines stderr lines"
        head -3 "$T/err"
    fi
}

# masked_case DESC IMAGE DTB [TTBR1]: the image's manifest translations, with the manifest's
# root replaced by DTB (and TTBR1) whose extra low or high bits must be ignored
masked_case() {
    d=$1 n=$2 dtb=$3 ttbr1=${4:-}
    o=$(field opts "$S/$n.txt" | sed "s/--dtb [^ ]*/--dtb $dtb/")
    [ -n "$ttbr1" ] && o=$(echo "$o" | sed "s/--ttbr1 [^ ]*/--ttbr1 $ttbr1/")
    run $M -c raw:$S/$n.img $o translate $(vas "$S/$n.txt")
    expect_text "$S/$n.txt" >"$T/exp"
    sed 's/table unreadable: .* (level/table unreadable: (level/' "$T/out" >"$T/got"
    if [ "$rc" = 1 ] && [ ! -s "$T/err" ] && cmp -s "$T/exp" "$T/got"; then
        pass "$(basename "$M"): $d: the low bits are masked, translations match the manifest"
    else
        fail "$(basename "$M"): $d: exit $rc"
        head -3 "$T/err"
        diff "$T/exp" "$T/got" | head -5
    fi
}

test_errors() {
    I=$S/x86_64.img
    C="-c raw:$I"
    X="$C --arch x86_64 --dtb 0x1000"
    size=$(field size "$S/x86_64.txt")
    : >"$T/empty"
    mkdir -p "$T/dir"
    err_case "unknown arch" 2 "sparc" $C --arch sparc --dtb 0x1000 translate 0x0
    # a DTB's low bits (CR3's PCID and flags, PAE's bits 4:0, TTBR's ASID and CnP) are not
    # part of the root table's address: they are masked, and the walk is the manifest's
    masked_case "x86_64 CR3 with PCID 8" x86_64 0x1008
    masked_case "la57 CR3 with PCID 0x800" la57 0x1800
    masked_case "x86 CR3 with PWT/PCD flags" x86 0x1018
    masked_case "PAE CR3 with bits 4:3 set" pae 0x1038
    masked_case "aarch64 TTBR0/TTBR1 with ASIDs and CnP" aarch64 0x0005000000001001 0x0007000000002001
    err_case "DTB beyond the image" 1 "outside" $C --arch x86_64 --dtb 0x10000000 translate 0x0
    err_case "DTB at the image's end" 1 "outside" $C --arch x86_64 --dtb "$(printf '0x%x' "$size")" translate 0x0
    err_case "PAE DTB beyond the image" 1 "outside" -c raw:$S/pae.img --arch pae --dtb 0x7fffffe0 translate 0x0
    err_case "TTBR1 beyond the image" 1 "TTBR1" -c raw:$S/aarch64.img --arch aarch64 --dtb 0x1000 --ttbr1 0x40000000 translate 0x0
    err_case "DTB beyond the image (read --virt)" 1 "outside" $C --arch x86_64 --dtb 0x10000000 read --virt 0x0 16
    err_case "missing file" 1 "no such file" -c raw:$T/nonexistent.img info
    err_case "empty file" 1 "empty" -c raw:$T/empty info
    err_case "directory" 1 "directory" -c raw:$T/dir info
    err_case "raw: without a path" 2 "raw:PATH" -c raw: info
    err_case "unparsable address" 2 "0xzz" $X translate 0xzz
    err_case "unparsable decimal address" 2 "12abc" $X translate 0x1000 12abc
    err_case "bare 0x" 2 "'0x'" $X translate 0x
    err_case "empty address" 2 "''" $X translate ""
    err_case "negative address" 2 "-5" $X translate -- -5
    err_case "address overflow (hex)" 2 "64 bits" $X translate 0x10000000000000000
    err_case "address overflow (decimal)" 2 "64 bits" $X translate 18446744073709551616
    err_case "usage checked before the target is opened" 2 "0xzz" -c raw:$T/nonexistent.img --arch x86_64 --dtb 0x1000 translate 0xzz
    err_case "read: unparsable address" 2 "0xg" $C read 0xg 16
    err_case "read: unparsable length" 2 "12q" $C read 0 12q
    err_case "read: length 0" 2 "at least" $C read 0 0
    err_case "read: length over 1 GiB" 2 "1 GiB" $C read 0 2G
    err_case "read: length 1 GiB + 1" 2 "1 GiB" $C read 0 0x40000001
    err_case "read: length overflow with suffix" 2 "64 bits" $C read 0 99999999999999999k
    err_case "read: range past 2^64" 2 "past the end" $C read 0xffffffffffffffff 2
    err_case "read: missing everything" 2 "ADDR" $C read
    err_case "read: missing LEN" 2 "LEN" $C read 0x0
    err_case "read: extra argument" 2 "unexpected" $C read 0 16 17
    err_case "read: -o without FILE" 2 "FILE" $C read 0 16 -o
    err_case "read: unknown option" 2 "--bogus" $C read --bogus 0 16
    err_case "read: -o in a missing directory" 1 "cannot create" $C read 0 16 -o "$T/no/such/dir/f"
    err_case "read --virt without --arch" 2 "--arch" $C read --virt 0 16
    err_case "translate without --arch" 2 "--arch" $C --dtb 0x1000 translate 0x0
    err_case "translate without --dtb" 2 "--dtb" $C --arch x86_64 translate 0x0
    err_case "translate without addresses" 2 "VADDR" $X translate
    err_case "translate: unknown option" 2 "--virt" $X translate --virt 0x0
    err_case "no command" 2 "no command" $C
    err_case "no arguments at all" 2 "no command"
    err_case "unknown command" 2 "frobnicate" $C frobnicate
    err_case "unknown connector" 2 "foo" -c foo:bar info
    err_case "connector without a name" 2 "/tmp/x.img" -c /tmp/x.img info
    err_case "no target" 2 "-c" info
    err_case "-c without a value" 2 "-c" -c
    err_case "--dtb without a value" 2 "--dtb" $C --arch x86_64 translate 0x0 --dtb
    err_case "--dtb garbage" 2 "0x1000q" $C --arch x86_64 --dtb 0x1000q translate 0x0
    err_case "unknown option" 2 "--bogus" --bogus $C info
    err_case "--granule with x86_64" 2 "aarch64" $X --granule 16k translate 0x0
    err_case "--ttbr1 with x86_64" 2 "aarch64" $X --ttbr1 0x2000 translate 0x0
    err_case "unknown granule" 2 "8k" -c raw:$S/aarch64.img --arch aarch64 --dtb 0x1000 --granule 8k translate 0x0
    err_case "--va-bits out of range" 2 "60" -c raw:$S/aarch64.img --arch aarch64 --dtb 0x1000 --va-bits 60 translate 0x0
    err_case "--va-bits garbage" 2 "abc" -c raw:$S/aarch64.img --arch aarch64 --dtb 0x1000 --va-bits abc translate 0x0
    err_case "info: extra argument" 2 "extra" $C info extra
    if [ -w /dev/full ]; then
        $M $X translate 0xffffffff81000000 >/dev/full 2>"$T/err"
        rc=$?
        check "$(basename "$M"): output to a full disk: exit 1, one error line" \
            eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "cannot write" "$T/err"'
    fi
}

test_misc() {
    I=$S/x86_64.img
    C="-c raw:$I"
    run $M --help
    check "$(basename "$M"): --help prints the usage on stdout, exit 0" \
        eval '[ "$rc" = 0 ] && [ ! -s "$T/err" ] && grep -q "^usage: memintro" "$T/out"'
    run $M --version
    check "$(basename "$M"): --version" eval '[ "$rc" = 0 ] && grep -q "^memintro [0-9]" "$T/out"'
    # global options after the command, --opt=value, decimal addresses, suffixes
    run $M translate 18446744071578845184 --arch=x86_64 $C --dtb=4096
    check "$(basename "$M"): options after the command, --opt=value, decimal VA" \
        [ "$rc" = 0 -a "$(cat "$T/out")" = "0xffffffff81000000 -> 0x1000000 (2M page, ro kernel x)" ]
    run $M $C read 0x300000 1k -o "$T/k"
    check "$(basename "$M"): LEN suffix k" [ "$rc" = 0 -a "$(wc -c <"$T/k")" = 1024 ]
    run $M $C read 0x300000 1KiB -o -
    check "$(basename "$M"): -o - writes raw bytes to stdout" [ "$rc" = 0 -a "$(wc -c <"$T/out")" = 1024 ]
    # aarch64 defaults (4k, 48) equal the explicit options
    A=$S/aarch64.txt
    o=$(field opts "$A")
    run $M -c raw:$S/aarch64.img $o translate $(vas "$A")
    cp "$T/out" "$T/a1"
    run $M -c raw:$S/aarch64.img $o --granule 4k --va-bits 48 translate $(vas "$A")
    check "$(basename "$M"): aarch64 --granule 4k --va-bits 48 are the defaults" cmp -s "$T/a1" "$T/out"
    # a read of several MiB (chunked) equals the image bytes
    run $M $C read 0x100000 0x280000 -o "$T/big"
    dd if="$I" of="$T/ref" bs=4096 skip=256 count=640 2>/dev/null
    check "$(basename "$M"): physical read of 2.5 MiB (3 chunks) equals the image bytes" \
        eval '[ "$rc" = 0 ] && cmp -s "$T/ref" "$T/big"'
    # x86 image ends mid-page: a virtual read inside that page is split at the exact byte
    size=$(field size "$S/x86.txt")
    va=$(printf '0x%x' $((0xc0400000 + size - 8 - 0x400000)))
    run $M -c raw:$S/x86.img $(field opts "$S/x86.txt") --json read --virt "$va" 16
    check "$(basename "$M"): x86 read --virt over the image end inside one page: exactly 8 bytes unreadable" \
        [ "$rc" = 1 -a "$(jq -r '.unreadable_bytes, .unreadable[0].start' "$T/out" 2>/dev/null | tr '\n' ' ')" = "8 $(printf '0x%x' $((va + 8))) " ]
    # hostile tables: each image's tables walked as every other paging mode (the entries
    # mean something else there); any answer is fine, a crash or a second stderr line is not
    bad=0
    for n in $names; do
        d=$(field dtb "$S/$n.txt")
        v=$(vas "$S/$n.txt")
        for a in x86 pae x86_64 la57 aarch64; do
            ASAN_OPTIONS=detect_leaks=0 $M -c raw:$S/$n.img --arch $a --dtb "$d" translate $v >/dev/null 2>"$T/err"
            r=$?
            if [ "$r" -gt 2 ] || [ "$(wc -l <"$T/err")" -gt 1 ]; then bad=$((bad + 1)); echo "# $n as $a: exit $r"; fi
            ASAN_OPTIONS=detect_leaks=0 $M -c raw:$S/$n.img --arch $a --dtb "$d" read --virt 0x400000 0x3000 >/dev/null 2>"$T/err"
            r=$?
            if [ "$r" -gt 2 ] || [ "$(wc -l <"$T/err")" -gt 1 ]; then bad=$((bad + 1)); echo "# $n as $a read: exit $r"; fi
        done
    done
    check "$(basename "$M"): every image's tables walked as every other mode: no crash, at most one message" [ "$bad" = 0 ]
    # the progress bar appears on a terminal only (script gives the command a pty)
    run $M $C read 0 9M -o "$T/big"
    check "$(basename "$M"): no progress output when stderr is not a terminal" [ "$rc" = 0 -a ! -s "$T/err" ]
    if command -v script >/dev/null 2>&1; then
        script -qec "$M $C read 0 9M -o $T/big" /dev/null >"$T/tty" 2>&1
        check "$(basename "$M"): progress bar on a terminal for a big read to a file" grep -q '100%' "$T/tty"
    fi
}

# --- search, dump, write, dump: (synthetic images; expected values from the manifests) ----
test_new() {
    I=$S/x86_64.img
    C="-c raw:$I"
    b=$(basename "$M")
    size=$(field size "$S/x86_64.txt")
    # search: the kernel-text string at the physical address the manifest gives
    set -- $(grep '^string ' "$S/x86_64.txt" | head -1)
    spa=$3 stext=$(grep '^string ' "$S/x86_64.txt" | head -1 | cut -d' ' -f5-)
    run $M $C search "$stext"
    check "$b: search finds the manifest's string at $spa (exit 0, address and text)" \
        eval '[ "$rc" = 0 ] && grep -q "^$spa  $stext" "$T/out"'
    run $M $C --json search "$stext"
    check "$b: search --json lists $spa" \
        eval '[ "$rc" = 0 ] && [ "$(jq -r ".matches[].address" "$T/out" 2>/dev/null | grep -c "^$spa\$")" = 1 ] && [ "$(jq -r .space "$T/out")" = physical ]'
    # the same with two wildcard bytes (memintro_scan's mask)
    hexpat=$(printf '%s' "$stext" | od -An -v -tx1 | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//' | awk '{$3 = "??"; $7 = "??"; print}')
    run $M $C search --hex "$hexpat"
    check "$b: search --hex with ?? wildcards finds $spa" eval '[ "$rc" = 0 ] && grep -q "^$spa " "$T/out"'
    # a string that crosses two user pages whose frames are not adjacent: found virtually,
    # not physically
    set -- $(grep '^string ' "$S/x86_64.txt" | sed -n 2p)
    cva=$2 cpa=$3 ctext=$(grep '^string ' "$S/x86_64.txt" | sed -n 2p | cut -d' ' -f5-)
    from=$(printf '0x%x' $((cva & ~0xfff)))
    run $M $C --arch x86_64 --dtb 0x1000 search --virt "$ctext" "$from" 8k
    check "$b: search --virt finds the page-crossing string at $cva" \
        eval '[ "$rc" = 0 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "^$cva  $ctext" "$T/out"'
    run $M $C search "$ctext"
    check "$b: search (physical) does not find the page-crossing string: exit 1, nothing on stdout" \
        eval '[ "$rc" = 1 ] && [ ! -s "$T/out" ] && grep -q "no match" "$T/err"'
    run $M $C search --hex "00 00 00 00" --max 3
    check "$b: search --max 3 stops after 3 matches and says so" \
        eval '[ "$rc" = 0 ] && [ "$(wc -l <"$T/out")" = 3 ] && grep -q "stopped after 3" "$T/err"'
    # matches at and around the 64 MiB scanning step, in a sparse 80 MiB image built here
    if [ ! -f "$T/sparse.img" ]; then
        truncate -s 80M "$T/sparse.img"
        # 15 bytes each: well before the step, across it, just after it, ending at the end
        for off in $((0x3ffffe0)) $((0x4000000 - 7)) $((0x4000010)) $((0x5000000 - 15)); do
            printf 'NEEDLE-%08x' "$off" | dd of="$T/sparse.img" bs=1 seek="$off" conv=notrunc 2>/dev/null
        done
    fi
    run $M -c raw:$T/sparse.img search NEEDLE-
    got=$(awk '{print $1}' "$T/out" | tr '\n' ' ')
    check "$b: search across the 64 MiB scanning steps: each match once, in order" \
        [ "$rc" = 0 -a "$got" = "0x3ffffe0 0x3fffff9 0x4000010 0x4fffff1 " ]
    # dump: an ELF core of the raw image; read back through dump: it equals the image
    rm -f "$T/x.elf" "$T/x2.elf"
    run $M $C dump -o "$T/x.elf"
    check "$b: dump -o writes an ELF core and one summary line" \
        eval '[ "$rc" = 0 ] && [ ! -s "$T/err" ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "^wrote $T/x.elf: ELF core" "$T/out"'
    if command -v readelf >/dev/null 2>&1; then
        readelf -lW "$T/x.elf" 2>/dev/null | awk '$1 == "LOAD" { print $4, $5, $6 }' >"$T/loads"
        check "$b: readelf sees one PT_LOAD at physical 0 of the image's size" \
            [ "$(cat "$T/loads")" = "$(printf '0x%016x 0x%06x 0x%06x' 0 "$size" "$size")" ]
    fi
    run $M -c dump:$T/x.elf --json info
    check "$b: -c dump: detects the ELF core: one range [0, size)" \
        [ "$rc" = 0 -a "$(jq -r '.connector + " " + .facts.format + " " + .layout + " " + ([.ranges[] | .start + "-" + .end] | join(","))' "$T/out" 2>/dev/null)" = "dump elf dump 0x0-$(printf '0x%x' "$size")" ]
    run $M -c dump:$T/x.elf read 0 "$size" -o "$T/back"
    check "$b: every byte read through the ELF core equals the image" eval '[ "$rc" = 0 ] && cmp -s "$I" "$T/back"'
    run $M -c dump:$T/x.elf --arch x86_64 --dtb 0x1000 translate $(awk '$1 == "ok" { print $2 }' "$S/x86_64.txt")
    cp "$T/out" "$T/viaelf"
    run $M $C --arch x86_64 --dtb 0x1000 translate $(awk '$1 == "ok" { print $2 }' "$S/x86_64.txt")
    check "$b: translate through the ELF core equals translate through the image" cmp -s "$T/out" "$T/viaelf"
    run $M -c dump:$T/x.elf translate 0xffffffff81000000
    check "$b: an ELF core without CPU notes has no default paging: usage error naming --arch" \
        eval '[ "$rc" = 2 ] && grep -q -- "--arch" "$T/err" && grep -q "no CPU state" "$T/err"'
    run $M -c dump:$I --json info
    check "$b: -c dump: reads a file with no known signature as raw" \
        [ "$rc" = 0 -a "$(jq -r '.facts.format' "$T/out" 2>/dev/null)" = raw ]
    # dump refuses to replace a file; --force replaces it; -o - streams the same bytes
    echo keep >"$T/x2.elf"
    run $M $C dump -o "$T/x2.elf"
    check "$b: dump refuses to replace an existing file (exit 1, one line, file untouched)" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "--force" "$T/err" && [ "$(cat "$T/x2.elf")" = keep ]'
    run $M $C dump -o "$T/x2.elf" --force
    check "$b: dump --force replaces it" eval '[ "$rc" = 0 ] && cmp -s "$T/x.elf" "$T/x2.elf"'
    $M $C dump -o - >"$T/x3.elf" 2>"$T/err"
    check "$b: dump -o - writes the same ELF core to stdout, the summary to stderr" \
        eval '[ $? = 0 ] && cmp -s "$T/x.elf" "$T/x3.elf" && grep -q "^wrote stdout" "$T/err"'
    run $M $C dump -o "$T/nodir/x.elf"
    check "$b: dump into a missing directory: exit 1, one line, nothing left behind" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "cannot create" "$T/err" && [ ! -e "$T/nodir" ]'
    check "$b: no .partial files are left" eval '[ -z "$(ls "$T" | grep partial)" ]'
    # damaged dumps: one line naming the problem, exit 1
    head -c 3000 "$T/x.elf" >"$T/trunc.elf"
    err_case "truncated ELF core" 1 "trunc.elf" -c dump:$T/trunc.elf info
    { printf '\177ELF\002\001\001'; head -c 200 /dev/zero | tr '\0' 'Z'; } >"$T/garbage.elf"
    err_case "garbage after an ELF signature" 1 "ELF" -c dump:$T/garbage.elf info
    err_case "missing dump file" 1 "no such file" -c dump:$T/nonexistent.elf info
    err_case "dump: without a path" 2 "dump:PATH" -c dump: info
    # write: images and dumps are read-only; usage errors before the target is opened
    err_case "write to a raw image" 1 "read-only" $C write 0 00
    err_case "write to a dump" 1 "read-only" -c dump:$T/x.elf write 0 00
    err_case "write: bad bytes" 2 "hex" $C write 0 0g
    err_case "write: missing bytes" 2 "HEXBYTES" $C write 0
    err_case "search: no pattern" 2 "PATTERN" $C search
    err_case "search: START without LEN" 2 "LEN" $C search abc 0x1000
    err_case "search: --virt without a range" 2 "START" $C --arch x86_64 --dtb 0x1000 search --virt abc
    err_case "search: bad --hex" 2 "hex" $C search --hex "4x"
    err_case "search: all wildcards" 2 "wildcards" $C search --hex "?? ??"
    err_case "search: --align not a power of two" 2 "power of two" $C search --align 3 abc
    err_case "dump: no -o" 2 "-o FILE" $C dump
    err_case "dump: unknown option" 2 "--bogus" $C dump -o "$T/y.elf" --bogus
    err_case "qemu: unknown option" 2 "bogus" -c qemu:bogus=1 info
    err_case "qemu: non-numeric pid" 2 "abc" -c qemu:pid=abc info
    err_case "qemu: bad map=" 2 "map" -c qemu:name=x,map=xyz info
    err_case "qemu: bad qmp=" 2 "qmp" -c qemu:name=x,qmp=/tmp/sock info
    err_case "qemu: no VM of that name" 1 "no-such-vm-$$" -c qemu:name=no-such-vm-$$ info
    err_case "qemu: a pid that is not QEMU" 1 "not a QEMU" -c qemu:pid=$$ info
    # every dump format through -c dump:, from build/mkdump (tests/tools/mkdump.c, synthetic:
    # one known image written in each format): the detected format, and the bytes of
    # [1 MiB, 2 MiB) equal the raw image's (complete dumps only: an SDMP kernel dump holds
    # some pages; plain build only: the formats' own tests run the parsers under the
    # sanitizers)
    if [ -x build/mkdump ] && [ "$b" = memintro ]; then
        build/mkdump raw "$T/k.raw" >/dev/null 2>&1
        dd if="$T/k.raw" of="$T/k.want" bs=1M skip=1 count=1 2>/dev/null
        for k in elf64 elf32 elf64-xnum lime win64-full win64-fdmp win32-fdmp kdump-zlib kdump-lzo-flat kdump-snappy kdump-zstd-32; do
            case $k in elf*) f=elf ;; win*) f=windows ;; kdump*) f=kdump ;; *) f=$k ;; esac
            build/mkdump "$k" "$T/k.dump" >/dev/null 2>&1
            fmt=$($M -c "dump:$T/k.dump" --json info 2>"$T/err" | jq -r .facts.format 2>/dev/null)
            $M -c "dump:$T/k.dump" read 0x100000 1M -o "$T/k.got" >/dev/null 2>>"$T/err"
            check "$b: -c dump: on mkdump's $k: format $f, [1 MiB, 2 MiB) equals the raw image" \
                eval '[ "$fmt" = "$f" ] && cmp -s "$T/k.want" "$T/k.got"'
        done
        rm -f "$T/k.raw" "$T/k.want" "$T/k.got" "$T/k.dump"
    fi
    run $M --json targets
    check "$b: targets --json is a JSON array" eval '[ "$rc" = 0 ] && [ "$(jq -r type "$T/out" 2>/dev/null)" = array ]'
    rm -f "$T/x.elf" "$T/x2.elf" "$T/x3.elf" "$T/back"
}

# --- faults: files that shrink, full disks, file-size limits, devices and FIFOs ----------
# shrink_case DESC CMD...: CMD runs on $T/shrink.img (1 GiB, sparse), which is cut to 4 KiB as
# soon as CMD has it mapped (seen in /proc/PID/maps); CMD must then fail with exit 1 and one
# error line saying the file shrank, and leave no output file ($T/shrunk*) behind
shrink_case() {
    d=$1
    shift
    rm -f "$T/shrink.img" "$T"/shrunk*
    truncate -s 1G "$T/shrink.img"
    "$@" >"$T/out" 2>"$T/err" &
    p=$!
    n=0
    while [ $n -lt 2000 ] && ! grep -q "$T/shrink.img" /proc/$p/maps 2>/dev/null && kill -0 $p 2>/dev/null; do
        sleep 0.01
        n=$((n + 1))
    done
    truncate -s 4096 "$T/shrink.img"
    wait $p
    rc=$?
    left=$(ls "$T" | grep -c '^shrunk')
    if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^memintro: error: .*shrink.img shrank" "$T/err" &&
        [ "$left" = 0 ]; then
        pass "$b: $d: exit 1, one line saying the file shrank, no output file left"
    else
        fail "$b: $d: exit $rc, $(wc -l <"$T/err") stderr lines, $left output files left"
        head -3 "$T/err"
    fi
    rm -f "$T/shrink.img" "$T"/shrunk*
}

test_faults() {
    I=$S/x86_64.img
    C="-c raw:$I"
    b=$(basename "$M")
    shrink_case "search over raw: while the file is truncated" $M -c raw:$T/shrink.img search NEEDLE
    shrink_case "read -o over dump: while the file is truncated" $M -c dump:$T/shrink.img read 0 1G -o "$T/shrunk.bin"
    shrink_case "dump -o over raw: while the file is truncated" $M -c raw:$T/shrink.img dump -o "$T/shrunk.elf"
    # SIGTERM in the middle of a dump: the process ends by the signal, no file is left
    rm -f "$T"/shrunk*
    truncate -s 1G "$T/shrink.img"
    $M -c raw:$T/shrink.img dump -o "$T/shrunk.elf" >"$T/out" 2>"$T/err" &
    p=$!
    n=0
    while [ $n -lt 2000 ] && [ -z "$(ls "$T" | grep '^shrunk.elf.partial')" ] && kill -0 $p 2>/dev/null; do
        sleep 0.01
        n=$((n + 1))
    done
    kill -TERM $p 2>/dev/null
    wait $p 2>/dev/null # (the shell's "Terminated" notice)
    rc=$?
    check "$b: dump interrupted by SIGTERM: ends by the signal, no file left" \
        eval '[ "$rc" = 143 ] && [ -z "$(ls "$T" | grep "^shrunk")" ]'
    rm -f "$T/shrink.img" "$T"/shrunk*
    # a file-size limit (ulimit -f, in 512-byte blocks): the write fails (EFBIG), not the process
    rm -f "$T"/lim*
    (ulimit -f 1024; exec $M $C dump -o "$T/lim.elf") >"$T/out" 2>"$T/err"
    rc=$?
    check "$b: dump -o over ulimit -f: exit 1, one line naming the size limit, no file left" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qi "file too large" "$T/err" && [ -z "$(ls "$T" | grep "^lim")" ]'
    (ulimit -f 1024; exec $M $C read 0 4M -o "$T/lim.bin") >"$T/out" 2>"$T/err"
    rc=$?
    check "$b: read -o over ulimit -f: exit 1, one line naming the size limit, no file left" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qi "file too large" "$T/err" && [ -z "$(ls "$T" | grep "^lim")" ]'
    # read -o FILE replaces FILE only when complete: a failed read leaves the old FILE as it was
    echo old >"$T/lim.keep"
    (ulimit -f 1024; exec $M $C read 0 4M -o "$T/lim.keep") >"$T/out" 2>"$T/err"
    check "$b: a failed read -o leaves the existing FILE untouched" \
        eval '[ "$(cat "$T/lim.keep")" = old ] && [ "$(ls "$T" | grep -c "^lim")" = 1 ]'
    rm -f "$T"/lim*
    # a character device that is always full: written in place (never replaced), ENOSPC reported.
    # A private node (mknod, as root) where possible, so that /dev is never at stake.
    full=/dev/full
    if mknod "$T/full" c 1 7 2>/dev/null; then full=$T/full; fi
    if [ -c "$full" ] && [ -w "$full" ]; then
        run $M $C dump -o "$full" --force
        check "$b: dump -o $full --force: exit 1, one line (no space), $full is still a character device" \
            eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qi "no space left" "$T/err" && [ -c "$full" ]'
        run $M $C read 0 64k -o "$full"
        check "$b: read -o $full: exit 1, one line (no space), $full is still a character device" \
            eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qi "no space left" "$T/err" && [ -c "$full" ]'
    else
        echo "skip - $b: no writable full device (mknod and /dev/full both unusable)"
    fi
    rm -f "$T/full"
    # a FIFO nobody reads: dump -o fails at once instead of blocking
    mkfifo "$T/fifo"
    run timeout 20 $M $C dump -o "$T/fifo" --force
    check "$b: dump -o FIFO without a reader: exit 1 at once, one line, the FIFO stays" \
        eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ -p "$T/fifo" ]'
    # FIFOs and devices as targets: one line at once (under timeout: a hang fails the check)
    for k in dump raw; do
        run timeout 20 $M -c $k:$T/fifo info
        check "$b: -c $k:FIFO: exit 1 at once, one line saying it is not a regular file" \
            eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qiE "not a (regular file|memory dump)" "$T/err"'
        run timeout 20 $M -c $k:/dev/zero info
        check "$b: -c $k:/dev/zero: exit 1, one line saying it is not a regular file (not \"empty\")" \
            eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qiE "not a (regular file|memory dump)" "$T/err" && ! grep -q empty "$T/err"'
    done
    rm -f "$T/fifo"
}

# --- main ---------------------------------------------------------------------------------
if [ ! -x build/memintro ] || [ ! -f $S/.stamp ]; then
    fail "build/memintro and build/sample are missing (run make all build/sample/.stamp)"
    exit 1
fi
names=$(cd $S && ls *.txt | sed 's/\.txt$//')
# Three jobs side by side, each with its own scratch dir: the plain build over everything,
# and the sanitizer build split in two halves (it is the slow one).
# job INDEX BINARY PARTS...: PARTS are "images", "errors", "misc", "new", "faults"
job() {
    i=$1 M=$2
    shift 2
    [ -x "$M" ] || { echo "skip - $M: not built"; return; }
    (
        T=$T/$i
        mkdir -p "$T"
        # every image with the plain build; three images (4-level x86, PAE, AArch64 16k)
        # under the sanitizers
        case $M in
            *-san) STAMPS=2 images="x86_64 pae aarch64-16k" ;;
            *) STAMPS=6 images=$names ;;
        esac
        for part in "$@"; do
            case $part in
                # LeakSanitizer's exit-time scan triples a sanitized run's cost: it stays
                # on for the error paths, the hostile-table walk and the new commands
                images) (export ASAN_OPTIONS=detect_leaks=0; for n in $images; do test_image "$n"; done) ;;
                errors) test_errors ;;
                misc) test_misc ;;
                new) test_new ;;
                faults) test_faults ;;
            esac
        done
    ) >"$T/log.$i" 2>&1 &
}
job 0 build/memintro images errors misc new
job 1 build/memintro-san images errors
job 2 build/memintro-san misc new
job 3 build/memintro faults
wait
cat "$T"/log.*
# the small example agrees with the manifest too
if [ -x build/translate ]; then
    run build/translate $S/x86_64.img "$(field dtb $S/x86_64.txt)" 0xffffffff81000100 0x403000
    check "examples/translate.c: translates and reads the x86_64 banner" \
        eval '[ "$rc" = 0 ] && [ "$(head -1 "$T/out")" = "0xffffffff81000100 -> 0x1000100 (page of 2097152 bytes)" ] &&
        grep -q "^16 bytes at 0xffffffff81000100: memintro sample \$" "$T/out"'
fi
