#!/bin/sh
# tests/t_cli_win32.sh: the memintro CLI's Windows layer (--os, info, ps, modules, exports,
# read --pid, translate --pid) end to end on synthetic Windows images.
#
# Synthetic data, all of it: build/mkwin32 (tests/tools/mkwin32.c over tests/win32_image.h)
# writes each variant it knows as a raw image, a Windows crash dump and an ELF core, with a
# JSON manifest of what it built (processes in list order, their modules, the kernel's
# modules, kernel base, DTB, list heads, how many processes a correct walk reports). Every
# expected value below comes from those manifests, compared with jq; none comes from
# memintro. The one value read back through memintro to check another (the address of
# the export PsInitialSystemProcess) is compared with the manifest's System EPROCESS.
# The image with no Windows in it is a file of zeros made here (and build/sample/x86_64.img,
# hand-built x86-64 page tables with no OS, when it is there).
#
# build/memintro runs every check; build/memintro-san (ASan + UBSan) runs them on a few
# images (one intact, the damaged ones) and the error cases.
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
M=build/memintro
MS=build/memintro-san
G=build/mkwin32

pass() { echo "ok - win32 cli: $*"; }
fail() { echo "not ok - win32 cli: $*"; }
check() { # DESC CMD...: ok when the command succeeds
    d=$1
    shift
    if "$@"; then pass "$d"; else fail "$d"; fi
}
run() { # CMD...: stdout in $T/out, stderr in $T/err, status in $rc
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
one_error() { # the run failed with status $1 and exactly one stderr line matching $2
    [ "$rc" = "$1" ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^memintro: error: $2" "$T/err"
}
same() { [ "$1" = "$2" ]; }
# jq: "0x..." as [high 32 bits, low 32 bits] (jq numbers are doubles: 64-bit values lose bits)
HX='def hx: ascii_downcase | ltrimstr("0x") | ("0000000000000000" + .)[-16:] | [.[0:8], .[8:16]] |
    map(explode | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)));'


for need in jq; do
    command -v $need >/dev/null 2>&1 || {
        fail "$need is missing (make test-deps installs it)"
        exit 1
    }
done
for b in $M $MS $G; do
    [ -x $b ] || {
        fail "$b is not built (make $b)"
        exit 1
    }
done

mkdir -p "$T/w"
$G "$T/w" >"$T/gen.out" 2>&1
for n in $($G --list); do
    check "$n: the generator wrote its image, crash dump, ELF core and manifest" \
        test -s "$T/w/$n.raw" -a -s "$T/w/$n.dmp" -a -s "$T/w/$n.elf" -a -s "$T/w/$n.json"
done

# ---- per image ----------------------------------------------------------------------------

# what a walk of the process list must report: the first walk_limit processes; the walk ends
# with a status when the manifest says the list is damaged (the cycle variant's walk reports
# every process, then finds the loop)
list_damaged() { # JSON
    jq -e '.damaged or (.walk_limit < (.processes|length))' "$1" >/dev/null
}

# modules: the manifest's list (expected file $1) against the CLI's JSON ($2) with its exit
# status $3. Intact entries must match exactly (base, size, name, path); an entry the
# generator damaged (absurd name) must keep its base, size and path and show no name (flagged
# truncated or paged out), or the walk ends there with status 1 after the entries before it.
mods_match() {
    jq -n -e --slurpfile e "$1" --slurpfile a "$2" --argjson rc "$3" '
        ($e[0]) as $E | ($a[0]) as $A |
        def p: {base, size, name, path};
        ([range(0; $E|length) | select($E[.].damaged)] | first // -1) as $d |
        if $rc == 0 then
            ($E|length) == ($A|length) and
            all(range(0; $E|length); . as $i |
                if $E[$i].damaged then ($E[$i]|{base,size,path}) == ($A[$i]|{base,size,path}) and
                    $A[$i].name == "" and (($A[$i].truncated // false) or ($A[$i].paged_out // false))
                else ($E[$i]|p) == ($A[$i]|p) end)
        else
            $d >= 0 and ($A|length) == $d and ([$E[:$d][]|p] == [$A[]|p])
        end' >/dev/null
}

image_checks() { # BIN NAME CONTAINER (raw|dmp|elf)
    B=$1
    N=$2
    J="$T/w/$N.json"
    case $3 in
    raw) C="-c raw:$T/w/$N.raw" ;;
    *) C="-c dump:$T/w/$N.$3" ;;
    esac
    tag="$(basename $B) $N.$3"
    wl=$(jq .walk_limit "$J")
    arch=$(jq -r '.arch | if . == "x64" then "x86_64" else . end' "$J")

    # info
    run $B $C --json info
    jq -c '{name: "win32", arch: (.arch | if . == "x64" then "x86_64" else . end), build, version: "\(.major).\(.minor)",
            kernel_base, dtb, system_eprocess, ps_active_process_head, ps_loaded_module_list,
            offsets_source: .offsets}' "$J" >"$T/exp"
    jq -c '.os | {name, arch, build, version, kernel_base, dtb, system_eprocess, ps_active_process_head,
                  ps_loaded_module_list, offsets_source}' "$T/out" >"$T/act" 2>/dev/null
    check "$tag: info --json: OS, build, kernel base, DTB, System EPROCESS, list heads, offsets' source" \
        eval '[ "$rc" = 0 ] && cmp -s "$T/exp" "$T/act"'
    run $B $C info
    check "$tag: info: the os line names Windows and its build" \
        grep -q "^os  *win32: Windows $(jq -r '"\(.major).\(.minor) build \(.build)"' "$J") ($arch)" "$T/out"

    # ps
    if list_damaged "$J"; then want=1; else want=0; fi
    run $B $C --json ps
    jq -c "[.processes[:$wl][] | {pid, ppid, name, dtb, wow64, exited}]" "$J" >"$T/exp"
    jq -c '[.[] | {pid, ppid, name, dtb, wow64, exited}]' "$T/out" >"$T/act" 2>/dev/null
    check "$tag: ps --json: the first $wl processes in list order (pid, ppid, name, dtb, wow64, exited), exit $want" \
        eval '[ "$rc" = $want ] && cmp -s "$T/exp" "$T/act"'
    if [ $want = 1 ]; then
        check "$tag: ps: a damaged list ends with one error line naming where" \
            eval 'one_error 1 "ps: the process list ends after $wl entr"'
    fi
    run $B $C ps
    jq -r ".processes[:$wl][] | \"\\(.pid) \\(.ppid) \\(.name)\"" "$J" >"$T/exp"
    awk 'NR > 1 { print $1, $2, $3 }' "$T/out" >"$T/act"
    check "$tag: ps: a header line, then one line per process (pid, ppid, name)" \
        eval '[ "$rc" = $want ] && head -1 "$T/out" | grep -q "PID *PPID *NAME" && cmp -s "$T/exp" "$T/act"'

    # modules of every process the walk reaches, native and 32-bit lists
    bad=""
    for pid in $(jq -r ".processes[:$wl][] | select(.peb != \"0x0\") | .pid" "$J"); do
        for list in modules modules32; do
            jq -e ".$list[\"$pid\"]" "$J" >/dev/null 2>&1 || continue
            jq -c ".$list[\"$pid\"]" "$J" >"$T/exp"
            if [ $list = modules32 ]; then run $B $C --json modules $pid --wow64; else run $B $C --json modules $pid; fi
            mods_match "$T/exp" "$T/out" "$rc" || bad="$bad $list:$pid(rc=$rc)"
        done
    done
    check "$tag: modules PID [--wow64] --json: every reachable process's loader lists${bad:+ (wrong:$bad)}" \
        test -z "$bad"
    run $B $C --json modules kernel
    jq -c '.kernel_modules' "$J" >"$T/exp"
    check "$tag: modules kernel --json: PsLoadedModuleList (ntoskrnl.exe first)" \
        eval 'mods_match "$T/exp" "$T/out" "$rc" && [ "$rc" = 0 ]'
    pid=$(jq -r ".processes[:$wl][] | select(.peb != \"0x0\") | .pid" "$J" | head -1)
    exp=$(jq -r ".modules[\"$pid\"][0] | \"\\(.base) \\(.size) \\(.name)\"" "$J")
    run $B $C modules $pid
    check "$tag: modules $pid: text columns base, size, name, path" \
        eval '[ "$rc" = 0 ] && [ "$(awk "NR == 2 { print \$1, \$2, \$3 }" "$T/out")" = "$exp" ]'

    # exports of ntoskrnl.exe: what discovery needs, and PsActiveProcessHead not exported
    run $B $C --json exports ntoskrnl.exe
    kb=$(jq -r .kernel_base "$J")
    ks=$(jq -r .kernel_size "$J")
    check "$tag: exports ntoskrnl.exe --json: PsInitialSystemProcess, PsLoadedModuleList, NtBuildNumber, inside the image" \
        eval '[ "$rc" = 0 ] && jq -e --arg kb "$kb" --argjson ks "$ks" "$HX
            ([.[].name] | index(\"PsInitialSystemProcess\") and index(\"PsLoadedModuleList\") and index(\"NtBuildNumber\")
             and (index(\"PsActiveProcessHead\") | not)) and
            (\$kb | hx) as \$k | all(.[] | select(.forwarder == null) | .address | hx;
                ((.[0] - \$k[0]) * 4294967296 + (.[1] - \$k[1])) as \$d | \$d >= 0 and \$d < \$ks)" "$T/out" >/dev/null'
    if [ "$3" = raw ]; then
        # the export's address holds the System EPROCESS (read through the kernel's own page tables)
        psi=$(jq -r '.[] | select(.name == "PsInitialSystemProcess") | .address' "$T/out" 2>/dev/null)
        ptr=8
        [ "$arch" = x86_64 ] || ptr=4
        want_sys=$(jq -r .system_eprocess "$J")
        got=""
        if [ -n "$psi" ]; then
            run $B $C --arch $arch --dtb $(jq -r .dtb "$J") --json read --virt "$psi" $ptr
            got=0x$(jq -r .data "$T/out" 2>/dev/null | sed 's/../& /g' | awk '{ for (i = NF; i >= 1; i--) printf "%s", $i }' |
                sed 's/^0*//')
        fi
        check "$tag: exports: PsInitialSystemProcess at ${psi:-?} holds the System EPROCESS $want_sys" same "$got" "$want_sys"
    fi

    # read --pid / translate --pid: each process's marker bytes at the same user address
    bad=""
    for pid in $(jq -r ".processes[:$wl][] | select(.marker != \"\" and .marker != null) | .pid" "$J"); do
        va=$(jq -r ".processes[] | select(.pid == $pid) | .marker_va" "$J")
        mk=$(jq -r ".processes[] | select(.pid == $pid) | .marker" "$J")
        hex=$(printf %s "$mk" | od -An -v -tx1 | tr -d ' \n')
        len=$(printf %s "$mk" | wc -c)
        run $B $C --json read --pid $pid $va $len
        [ "$rc" = 0 ] && [ "$(jq -r .data "$T/out")" = "$hex" ] && [ "$(jq -r .pid "$T/out")" = "$pid" ] ||
            bad="$bad read:$pid"
        run $B $C --json translate --pid $pid $va
        pa=$(jq -r '.[0].pa' "$T/out" 2>/dev/null)
        run $B $C --json read "$pa" $len
        [ "$(jq -r .data "$T/out" 2>/dev/null)" = "$hex" ] || bad="$bad translate:$pid"
    done
    check "$tag: read --pid / translate --pid: every reachable process's own marker at its address${bad:+ (wrong:$bad)}" \
        test -z "$bad"
}

intact=""
for J in "$T"/w/*.json; do
    [ -e "$J" ] || continue
    N=$(basename "$J" .json)
    for k in raw dmp elf; do image_checks $M $N $k; done
    list_damaged "$J" || [ -n "$intact" -a "$N" != x64-19045 ] || intact=$N
done
# under the sanitizers: one intact image (all three containers) and each damaged one (raw)
if [ -n "$intact" ]; then
    for k in raw dmp elf; do image_checks $MS $intact $k; done
fi
for J in "$T"/w/*-cycle.json "$T"/w/*-wild.json "$T"/w/*-absurd.json "$T"/w/*-selfpte.json; do
    [ -e "$J" ] && image_checks $MS "$(basename "$J" .json)" raw
done

# ---- errors ---------------------------------------------------------------------------------

truncate -s 32M "$T/zero.raw"
W="-c raw:$T/w/${intact:-x64-19045}.raw"
for B in $M $MS; do
    b=$(basename $B)
    run $B --os win32 -c raw:$T/zero.raw info
    check "$b: --os win32 on an image with no Windows: one error line with the reason, exit 1, nothing on stdout" \
        eval 'one_error 1 "info: --os win32: ." && [ ! -s "$T/out" ]'
    run $B --os win32 -c raw:$T/zero.raw --json ps
    check "$b: --os win32 ps --json on no Windows: one error line, exit 1, no JSON" \
        eval 'one_error 1 "ps: --os win32: ." && [ ! -s "$T/out" ]'
    run $B -c raw:$T/zero.raw ps
    check "$b: ps with --os auto and no OS found: one line naming why, exit 1" eval 'one_error 1 "ps: no guest OS found (win32: ."'
    run $B -c raw:$T/zero.raw --json info
    check "$b: info --json with no OS found: os none, and why win32 was not found" \
        eval '[ "$rc" = 0 ] && jq -e ".os.name == \"none\" and (.os.not_found.win32 | length > 0)" "$T/out" >/dev/null'
    run $B -c raw:$T/zero.raw read --pid 4 0x1000 16
    check "$b: read --pid with no OS found: one error line, exit 1" eval 'one_error 1 "read --pid: no guest OS found"'
    if [ -s build/sample/x86_64.img ]; then
        run $B --os win32 -c raw:build/sample/x86_64.img --arch x86_64 --dtb 0x1000 info
        check "$b: --os win32 on an x86-64 image with page tables and no Windows: one error line, exit 1" \
            eval 'one_error 1 "info: --os win32: ."'
    fi
    run $B --os none $W ps
    check "$b: ps under --os none: usage error naming the layer, exit 2" eval 'one_error 2 "ps: not a command of --os none"'
    run $B --os none $W --json info
    check "$b: --os none info on Windows: os none" eval '[ "$rc" = 0 ] && jq -e ".os.name == \"none\"" "$T/out" >/dev/null'
    run $B --os beos $W info
    check "$b: --os beos: usage error listing the layers" eval 'one_error 2 "unknown --os .beos. (choose auto, win32, linux or none)"'
    # usage errors come before the target is opened
    run $B -c raw:$T/nonexistent.raw modules
    check "$b: modules without PID: usage error before the target is opened" eval 'one_error 2 "modules: missing PID"'
    run $B -c raw:$T/nonexistent.raw modules 0xzz
    check "$b: modules 0xzz: usage error" eval 'one_error 2 "modules: .0xzz. is neither a PID"'
    run $B -c raw:$T/nonexistent.raw modules kernel --wow64
    check "$b: modules kernel --wow64: usage error" eval 'one_error 2 "modules: --wow64"'
    run $B -c raw:$T/nonexistent.raw exports
    check "$b: exports without MODULE: usage error" eval 'one_error 2 "exports: missing MODULE"'
    run $B -c raw:$T/nonexistent.raw read --pid x1 0 16
    check "$b: read --pid x1: usage error" eval 'one_error 2 "read: --pid .x1."'
    run $B -c raw:$T/nonexistent.raw ps extra
    check "$b: ps extra: usage error" eval 'one_error 2 "ps: unexpected argument"'
    # runtime errors on a Windows image
    run $B $W modules 999999
    check "$b: modules of a pid that is not there: one error line, exit 1" eval 'one_error 1 "modules: no process with pid 999999"'
    run $B $W modules 4
    check "$b: modules 4 (System has no PEB): one error line, exit 1" eval 'one_error 1 "modules: pid 4 (System) has no PEB"'
    run $B $W exports nosuch.sys
    check "$b: exports of a module that is not loaded: one error line, exit 1" \
        eval 'one_error 1 "exports: no module named .nosuch.sys."'
    run $B $W read --pid 999999 0x10000 16
    check "$b: read --pid of a pid that is not there: one error line, exit 1" eval 'one_error 1 "read: no process with pid"'
done
J="$T/w/${intact:-x64-19045}.json"
if [ -s "$J" ]; then
    nw=$(jq -r '[.processes[] | select(.wow64 | not) | select(.peb != "0x0") | .pid][0] // empty' "$J")
    if [ -n "$nw" ]; then
        run $M $W modules $nw --wow64
        check "modules --wow64 of a native process: one error line, exit 1" eval 'one_error 1 "modules: pid $nw .* is not a WoW64 process"'
    fi
fi
# the examples: an embedder with the target object and the same hints gets the same list
if [ -s "$J" ]; then
    for k in raw dmp elf; do
        case $k in raw) C="raw:${J%.json}.raw" ;; *) C="dump:${J%.json}.$k" ;; esac
        if [ -x build/ps_win32 ]; then
            run build/ps_win32 "$C"
            jq -r ".processes[] | \"\\(.pid) \\(.ppid) \\(.name)\"" "$J" >"$T/exp"
            awk 'NR > 2 { print $1, $2, $3 }' "$T/out" >"$T/act"
            check "examples/ps_win32.c on $(basename "$C"): the manifest's processes" \
                eval '[ "$rc" = 0 ] && cmp -s "$T/exp" "$T/act"'
        else
            fail "build/ps_win32 is not built (make build/ps_win32)"
        fi
    done
    if [ -x build/exports ]; then
        run build/exports "raw:${J%.json}.raw" ntoskrnl.exe
        check "examples/exports.c: ntoskrnl.exe exports PsInitialSystemProcess and NtBuildNumber" \
            eval '[ "$rc" = 0 ] && grep -q " PsInitialSystemProcess$" "$T/out" && grep -q " NtBuildNumber$" "$T/out"'
    else
        fail "build/exports is not built (make build/exports)"
    fi
fi
run $M --help
check "--help: --os and the win32 commands" \
    eval 'grep -q -- "--os auto|win32|linux|none" "$T/out" && grep -q "^  ps " "$T/out" && grep -q "^  modules PID|kernel" "$T/out" &&
          grep -q "^  exports MODULE" "$T/out" && grep -q "read \[--virt|--pid PID\]" "$T/out"'
exit 0
