# tests/guest/live.sh: the start every live test shares; sourced from the repo root by the
# tests/t_*live*.sh scripts.
#   live_begin LABEL PROGRAM MKFILE [PACKAGE...]
# checks that PROGRAM is built (else one "not ok" line saying which mk/ file builds it, exit
# 1), installs the QEMU tests' packages (and PACKAGE...), makes a directory $tmp with the
# guest's run directory $g in it, and on exit stops that guest and removes $tmp (KEEP=1 keeps
# it, to look at the serial log).
live_cleanup() {
    tests/guest/stop.sh "$g" >/dev/null 2>&1
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
live_begin() {
    label=$1 prog=$2 mk=$3
    shift 3
    if [ ! -x "$prog" ]; then
        echo "not ok - $label: $prog is not built (make test builds it through $mk)"
        exit 1
    fi
    sh tests/deps.sh qemu-system-x86 socat busybox-static cpio gcc libc6-dev "$@" >/dev/null || {
        echo "not ok - $label: packages for the QEMU tests are missing"
        exit 1
    }
    tmp=$(mktemp -d "/tmp/mi-$(echo "$label" | tr ' ' '-').XXXXXX") || exit 1
    g=$tmp/g
    trap live_cleanup EXIT
    trap 'exit 1' INT TERM
}
