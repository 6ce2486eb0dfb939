#!/bin/bash
# tests/guest/qmp.sh [-t SECS] [--hmp] SOCKET COMMAND...
# Talks QMP to a QEMU over a unix socket with socat: reads the greeting,
# sends qmp_capabilities, then sends each COMMAND in turn and waits for its
# reply (events are skipped), at most SECS (default $QMP_TIMEOUT or 60) per
# reply.
#   default: COMMAND is QMP JSON, e.g. '{"execute":"query-status"}'; each
#            reply is printed as one JSON line.
#   --hmp:   COMMAND is a human monitor command line, e.g. 'info mtree -f',
#            sent through human-monitor-command; its text output is printed.
# Exit: 0 all replies were "return"s, 1 some were "error"s (printed on
# stderr), 2 no connection, timeout or QEMU went away.
# A QMP socket serves one client at a time: use the socket nobody else holds
# (boot.sh makes qmp-test.sock for tests).
set -u
here=$(cd "$(dirname "$0")" && pwd)
timeout=${QMP_TIMEOUT:-60}
hmp=
while [ $# -gt 0 ]; do
    case $1 in
        -t) timeout=$2; shift 2 ;;
        --hmp) hmp=1; shift ;;
        *) break ;;
    esac
done
if [ $# -lt 1 ]; then
    echo "usage: $0 [-t SECS] [--hmp] SOCKET COMMAND..." >&2
    exit 2
fi
sock=$1
shift
[ -S "$sock" ] || { echo "qmp.sh: no socket $sock" >&2; exit 2; }
"$here/../deps.sh" socat >&2 || exit 2

coproc QMP { exec socat - "UNIX-CONNECT:$sock"; }
exec {rd}<&"${QMP[0]}" {wr}>&"${QMP[1]}"
eval "exec ${QMP[0]}<&- ${QMP[1]}>&-"   # keep only our copies: closing wr ends socat

# reply [greeting]: read lines until a "return" or "error" one (or, with
# "greeting", the {"QMP": ...} one), skipping events; leave it in $line.
reply() {
    while :; do
        if ! IFS= read -r -t "$timeout" -u "$rd" line; then
            echo "qmp.sh: no reply from $sock (timeout ${timeout}s or closed)" >&2
            exit 2
        fi
        line=${line%$'\r'}
        [ "${1-}" = greeting ] && return 0
        case $line in '{"return"'*|'{"error"'*) return 0 ;; esac   # else: event
    done
}

# json_text: decode the JSON string that HMP output comes in (stdin: the
# reply line) to plain text, dropping carriage returns.
json_text() {
    sed -e 's/^{"return": *"//' -e 's/"}$//' | awk '
    function utf8(c) {
        if (c < 128) return sprintf("%c", c)
        if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
        return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
    }
    BEGIN { hex = "0123456789abcdef" }
    {
        s = $0; out = ""
        while ((i = index(s, "\\")) > 0) {
            out = out substr(s, 1, i - 1); e = substr(s, i + 1, 1); s = substr(s, i + 2)
            if (e == "n") out = out "\n"
            else if (e == "t") out = out "\t"
            else if (e == "r" || e == "b" || e == "f") ;
            else if (e == "u") {
                c = 0
                for (k = 1; k <= 4; k++) c = c * 16 + index(hex, tolower(substr(s, k, 1))) - 1
                out = out utf8(c); s = substr(s, 5)
            } else out = out e          # \" \\ \/
        }
        printf "%s", out s
    }'
}

reply greeting
case $line in '{"QMP"'*) ;; *) echo "qmp.sh: no QMP greeting on $sock: $line" >&2; exit 2 ;; esac
echo '{"execute":"qmp_capabilities"}' >&"$wr"
reply

status=0
for cmd in "$@"; do
    if [ -n "$hmp" ]; then
        esc=${cmd//\\/\\\\}
        esc=${esc//\"/\\\"}
        cmd="{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"$esc\"}}"
    fi
    echo "$cmd" >&"$wr"
    reply
    case $line in
        '{"return"'*)
            if [ -n "$hmp" ]; then printf '%s\n' "$line" | json_text; else printf '%s\n' "$line"; fi ;;
        *) printf '%s\n' "$line" >&2; status=1 ;;
    esac
done
exec {wr}>&-
[ -n "${QMP_PID-}" ] && wait "$QMP_PID" 2>/dev/null
exit $status
