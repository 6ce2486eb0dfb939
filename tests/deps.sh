#!/bin/sh
# tests/deps.sh PACKAGE...: make sure the named Debian packages are installed.
# As root, missing packages are installed with apt-get (one `apt-get update` per
# machine boot, then `apt-get install -y`). As another user, the missing packages
# are named and the script fails, so the caller can stop with a clear message.
set -e
missing=""
for p in "$@"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "memintro: missing Debian packages:$missing (run: sudo apt-get install$missing)" >&2
    exit 1
fi
stamp=/tmp/memintro-apt-updated
if [ ! -f "$stamp" ]; then
    echo "memintro: apt-get update" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    touch "$stamp"
fi
echo "memintro: installing$missing" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
