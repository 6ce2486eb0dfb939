#!/bin/sh
# tests/guest/stop.sh RUNDIR: stop the QEMU that boot.sh started for RUNDIR
# (pid from RUNDIR/qemu.pid): SIGTERM, wait up to 10 s, then SIGKILL.
# Succeeds if nothing is running.
[ -n "$1" ] || { echo "usage: $0 RUNDIR" >&2; exit 2; }
pidfile=$1/qemu.pid
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
# Only signal it if it really is a QEMU (the pid may have been reused).
case $(cat "/proc/$pid/comm" 2>/dev/null) in
    qemu-system-*) ;;
    *) rm -f "$pidfile"; exit 0 ;;
esac
kill "$pid" 2>/dev/null
n=0
while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    [ $n -eq 100 ] && kill -9 "$pid" 2>/dev/null
    [ $n -gt 150 ] && { echo "stop.sh: pid $pid does not exit" >&2; exit 1; }
    sleep 0.1
done
rm -f "$pidfile"
