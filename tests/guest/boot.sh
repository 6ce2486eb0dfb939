#!/bin/sh
# tests/guest/boot.sh --dir RUNDIR [--machine q35|pc[,opts]] [--mem 512M]
#     [--extra "QEMU ARGS"] [--no-qmp] [--name NAME] [--guest GUESTDIR]
#     [--kernel FLAVOUR] [--append "KERNEL WORDS"] [--gdb] [--nested] [--smp N]
# --kernel picks the Debian kernel flavour (cloud, amd64, rt; see build.sh) and,
# without --guest, its own GUESTDIR (build/guest, build/guest-amd64, ...);
# --append adds words to the kernel command line (e.g. nokaslr, mi_tick=100).
# --nested boots the nested image (build.sh --nested; GUESTDIR build/guest-nested, or
# build/guest-SHORT-nested with --kernel), whose /init starts a paused inner QEMU.
# --smp N gives the guest N vCPUs (default 1).
# --gdb adds QEMU's gdbstub on RUNDIR/gdb.sock (-gdb unix:RUNDIR/gdb.sock,server=on,wait=off).
# Boots the test guest (built first by build.sh; cached) under TCG in the
# background (qemu -daemonize), waits up to BOOT_TIMEOUT (120) seconds for
# MEMINTRO-GUEST-READY in RUNDIR/serial.log and prints QEMU's pid on stdout.
# RUNDIR gets serial.log, qemu.pid, qemu.err and (unless --no-qmp) the QMP
# sockets qmp.sock (for the library) and qmp-test.sock (for tests).
# Stop it with tests/guest/stop.sh RUNDIR.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir= machine=q35 mem=512M extra= qmp=1 name=memintro-test guest= kernel= append= gdb= nested= smp=1
while [ $# -gt 0 ]; do
    case $1 in
        --dir) dir=$2; shift ;;
        --machine) machine=$2; shift ;;
        --mem) mem=$2; shift ;;
        --extra) extra=$2; shift ;;
        --no-qmp) qmp= ;;
        --name) name=$2; shift ;;
        --guest) guest=$2; shift ;;
        --kernel) kernel=$2; shift ;;
        --append) append=$2; shift ;;
        --gdb) gdb=1 ;;
        --nested) nested=1 ;;
        --smp) smp=$2; shift ;;
        *) echo "usage: $0 --dir RUNDIR [--machine M] [--mem SIZE] [--extra ARGS] [--no-qmp] [--name NAME] [--guest DIR] [--kernel FLAVOUR] [--append WORDS] [--gdb] [--nested] [--smp N]" >&2
           exit 2 ;;
    esac
    shift
done
[ -n "$dir" ] || { echo "boot.sh: --dir RUNDIR is required" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ -f "$dir/qemu.pid" ] && kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null; then
    echo "boot.sh: a QEMU is already running for $dir (pid $(cat "$dir/qemu.pid"))" >&2
    exit 1
fi
if [ -z "$guest" ]; then
    short=${kernel#linux-image-}
    short=${short%-amd64}
    case $short in ''|cloud) guest=$root/build/guest ;; generic) guest=$root/build/guest-amd64 ;; *) guest=$root/build/guest-$short ;; esac
    [ -n "$nested" ] && guest=$guest-nested
fi
"$here/build.sh" ${kernel:+--kernel "$kernel"} ${nested:+--nested} "$guest" >&2
"$root/tests/deps.sh" qemu-system-x86 >&2
rm -f "$dir/serial.log" "$dir/qemu.pid" "$dir/qemu.err" "$dir/qmp.sock" "$dir/qmp-test.sock" "$dir/gdb.sock"

set -- -accel tcg -machine "$machine" -m "$mem" -smp "$smp" \
    -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
    -append "console=ttyS0 panic=-1 quiet rdinit=/init${append:+ $append}" \
    -serial "file:$dir/serial.log" -display none -monitor none -no-reboot \
    -name "$name" -pidfile "$dir/qemu.pid" -device vmcoreinfo -daemonize
if [ -n "$qmp" ]; then
    set -- "$@" -qmp "unix:$dir/qmp.sock,server=on,wait=off" \
                -qmp "unix:$dir/qmp-test.sock,server=on,wait=off"
fi
[ -n "$gdb" ] && set -- "$@" -gdb "unix:$dir/gdb.sock,server=on,wait=off"
# shellcheck disable=SC2086  # --extra is split into words on purpose
qemu-system-x86_64 "$@" $extra </dev/null >/dev/null 2>"$dir/qemu.err" ||
    { echo "boot.sh: qemu failed to start:" >&2; cat "$dir/qemu.err" >&2; exit 1; }
pid=$(cat "$dir/qemu.pid")

# Poll (0.2 s) for the ready line; fail early if QEMU exits.
timeout=${BOOT_TIMEOUT:-120}
n=0
until grep -q '^MEMINTRO-GUEST-READY' "$dir/serial.log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "boot.sh: QEMU exited during boot; tail of serial.log:" >&2
        tail -n 30 "$dir/serial.log" >&2
        exit 1
    fi
    n=$((n + 1))
    if [ $n -gt $((timeout * 5)) ]; then
        echo "boot.sh: no MEMINTRO-GUEST-READY after ${timeout}s; tail of serial.log:" >&2
        tail -n 30 "$dir/serial.log" >&2
        kill "$pid" 2>/dev/null || true
        exit 1
    fi
    sleep 0.2
done
echo "$pid"
