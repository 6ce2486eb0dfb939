#!/bin/sh
# tests/guest/build.sh [--kernel FLAVOUR] [--nested] [OUTDIR]: build the memintro test guest from
# Debian packages alone: a Debian kernel (vmlinuz taken from the .deb with
# apt-get download + dpkg-deb, the host's /boot is not touched) and an
# initramfs with busybox-static, tests/guest/init, mi-marker (marker.c) and
# qemu_fw_cfg.ko from the same kernel package.
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.img, OUTDIR/kernel-version (uname -r),
# OUTDIR/kernel-package ("PACKAGE VERSION"), OUTDIR/kernel-config and
# OUTDIR/kernel-flavour. FLAVOUR is the kernel metapackage or its short name:
# cloud (linux-image-cloud-amd64, the default), amd64 (linux-image-amd64, the
# generic kernel), rt (linux-image-rt-amd64); MEMINTRO_GUEST_KERNEL says the
# same. OUTDIR defaults to build/guest for cloud and build/guest-SHORT for the
# others (build/guest-amd64, build/guest-rt), so each flavour is cached apart;
# an OUTDIR given without a flavour keeps the one it was last built with.
# A rebuild with the same inputs (guest sources, flavour, package versions,
# kernel .deb) is skipped via OUTDIR/.stamp. The kernel .deb is kept in
# OUTDIR/cache/FLAVOUR/ (delete that to pick up a newer kernel). A kernel
# whose config lacks what the tests need (KALLSYMS_ALL, DEBUG_INFO_BTF, ...)
# is refused.
# --nested builds the nested image (OUTDIR default build/guest-nested, or
# build/guest-SHORT-nested for the other flavours): the same kernel and initramfs plus
# the host's /usr/bin/qemu-system-x86_64 with every library ldd lists and the
# dynamic loader (at the same paths), its TCG module and the firmware it opens for
# -machine pc -nodefaults (bios-256k.bin, kvmvapic.bin), the 4096-byte /BLOB and
# /etc/mi-nested.sh (nested.sh), which makes /init start the paused inner QEMU.
# It is packed as an uncompressed cpio (unpacking gzip under TCG is slow).
# OUTDIR/nested ("qemu-system-x86 VERSION") marks it; an OUTDIR given without
# --nested stays nested if it was.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
flavour=${MEMINTRO_GUEST_KERNEL:-}
nested=
while [ $# -gt 0 ]; do
    case $1 in
        --kernel) flavour=$2; shift 2 ;;
        --nested) nested=1; shift ;;
        -*) echo "usage: $0 [--kernel cloud|amd64|rt|linux-image-...] [--nested] [OUTDIR]" >&2; exit 2 ;;
        *) break ;;
    esac
done
case $flavour in
    cloud) flavour=linux-image-cloud-amd64 ;;
    amd64|generic) flavour=linux-image-amd64 ;;
    rt) flavour=linux-image-rt-amd64 ;;
esac
if [ -n "${1:-}" ]; then
    out=$1
    mkdir -p "$out"
    [ -n "$flavour" ] || flavour=$(cat "$out/kernel-flavour" 2>/dev/null || echo linux-image-cloud-amd64)
    [ -f "$out/nested" ] && nested=1
else
    flavour=${flavour:-linux-image-cloud-amd64}
    short=${flavour#linux-image-}
    short=${short%-amd64}
    case $short in cloud) out=$root/build/guest ;; *) out=$root/build/guest-$short ;; esac
    [ -n "$nested" ] && out=$out-nested
    mkdir -p "$out"
fi
out=$(cd "$out" && pwd)
cache=$out/cache/$flavour
log() { echo "guest/build: $*" >&2; }

# One build at a time per OUTDIR (boot.sh calls us too).
exec 9>"$out/.lock"
flock 9

# The nested image's extra files from the host: QEMU, what ldd lists (libraries and
# the dynamic loader), and what strace shows QEMU opening for -machine pc -nodefaults
# -vga none -accel tcg: its TCG module (qemu-system-common) and the firmware
# /usr/share/seabios/bios-256k.bin and /usr/share/qemu/kvmvapic.bin.
qemu_bin=/usr/bin/qemu-system-x86_64
qemu_tcg=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
nested_files() {
    { echo "$qemu_bin"; echo "$qemu_tcg"
      for f in "$qemu_bin" "$qemu_tcg"; do ldd "$f" 2>/dev/null; done |
          awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
      echo /usr/share/seabios/bios-256k.bin
      echo /usr/share/qemu/kvmvapic.bin; } | LC_ALL=C sort -u
}
inputs_key() {
    { cat "$here/build.sh" "$here/init" "$here/marker.c"; echo "$flavour"
      dpkg-query -W -f='${Package} ${Version}\n' busybox-static libc6-dev gcc 2>/dev/null
      ls "$cache" 2>/dev/null
      if [ -n "$nested" ]; then
          echo nested; cat "$here/nested.sh"
          dpkg-query -W -f='${Package} ${Version}\n' qemu-system-x86 qemu-system-common qemu-system-data seabios 2>/dev/null
          nested_files | xargs stat -L -c '%n %s %Y' 2>/dev/null
      fi; } | sha256sum | cut -d' ' -f1
}
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$(inputs_key)" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] && [ -f "$out/kernel-version" ]; then
    exit 0
fi

"$root/tests/deps.sh" busybox-static cpio gcc libc6-dev qemu-system-x86 socat

apt_update() {   # same stamp as tests/deps.sh; $1=force ignores it
    if [ "$1" = force ] || [ ! -f /tmp/memintro-apt-updated ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        touch /tmp/memintro-apt-updated
    fi
}

# Kernel: the package the metapackage depends on, downloaded once.
mkdir -p "$cache"
deb=$(ls "$cache"/linux-image-*.deb 2>/dev/null | tail -n 1)
if [ -z "$deb" ]; then
    kpkg=$(apt-cache depends "$flavour" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
    if [ -z "$kpkg" ]; then
        apt_update force
        kpkg=$(apt-cache depends "$flavour" | awk '/Depends: linux-image-/ {print $2; exit}')
    fi
    [ -n "$kpkg" ] || { log "cannot resolve $flavour"; exit 1; }
    log "downloading $kpkg"
    dl() { (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" >&2); }
    dl || { apt_update force; dl; }
    deb=$(ls "$cache"/"$kpkg"_*.deb | tail -n 1)
fi
kx="$out/.extract"
rm -rf "$kx"
mkdir -p "$kx"
dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$kx" --wildcards './boot/vmlinuz-*' './boot/config-*' '*/qemu_fw_cfg.ko'
kver=$(basename "$kx"/boot/vmlinuz-*)
kver=${kver#vmlinuz-}
for opt in CONFIG_KALLSYMS_ALL CONFIG_DEBUG_INFO_BTF CONFIG_SERIAL_8250_CONSOLE \
           CONFIG_BLK_DEV_INITRD CONFIG_RD_GZIP CONFIG_DEVTMPFS CONFIG_PROC_PAGE_MONITOR; do
    grep -qx "$opt=y" "$kx/boot/config-$kver" ||
        { log "kernel $kver ($flavour) lacks $opt=y: the tests need it"; exit 1; }
done

# Initramfs: busybox + applet symlinks, /init, mi-marker, qemu_fw_cfg.ko.
st="$out/.stage"
rm -rf "$st"
mkdir -p "$st/bin" "$st/sbin" "$st/usr/bin" "$st/usr/sbin" "$st/lib/modules" \
         "$st/proc" "$st/sys" "$st/dev" "$st/tmp" "$st/run"
cp /bin/busybox "$st/bin/busybox"
for a in $("$st/bin/busybox" --list-full); do
    [ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
done
for s in a b c; do ln -s busybox "$st/bin/mi-sleeper-$s"; done
gcc -static -O2 -Wall -fcf-protection=branch -o "$st/bin/mi-marker" "$here/marker.c"
for i in 1 2; do ln -s mi-marker "$st/bin/mi-marker-$i"; done
cp "$here/init" "$st/init"
chmod 755 "$st/init"
cp "$(find "$kx" -name qemu_fw_cfg.ko)" "$st/lib/modules/qemu_fw_cfg.ko"
[ "$(id -u)" = 0 ] && mknod -m 600 "$st/dev/console" c 5 1
pack=gzip\ -6
if [ -n "$nested" ]; then
    # QEMU and its libraries as regular files at the paths ldd shows (cp -L).
    ! ldd "$qemu_bin" "$qemu_tcg" | grep 'not found' >&2 || { log "QEMU: libraries missing"; exit 1; }
    for f in $(nested_files); do
        mkdir -p "$st${f%/*}"
        cp -L "$f" "$st$f"
    done
    # /BLOB: "MEMINTRO-NESTED-BLOB" (20 bytes), then byte i & 0xff at offset i up to 4095.
    b= i=0
    while [ $i -lt 256 ]; do b="$b\\$(printf %03o $i)"; i=$((i + 1)); done
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do printf "$b"; done > "$st/BLOB"
    printf MEMINTRO-NESTED-BLOB | dd of="$st/BLOB" conv=notrunc status=none
    [ "$(stat -c %s "$st/BLOB")" = 4096 ] || { log "BLOB is not 4096 bytes"; exit 1; }
    mkdir -p "$st/etc"
    cp "$here/nested.sh" "$st/etc/mi-nested.sh"
    pack=cat
fi
(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | $pack > "$out/initrd.img.tmp"

cp "$kx/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
cp "$kx/boot/config-$kver" "$out/kernel-config"
dpkg-deb -f "$deb" Package Version | awk '{printf "%s%s", (NR > 1 ? " " : ""), $2} END {print ""}' \
    > "$out/kernel-package"
echo "$kver" > "$out/kernel-version"
echo "$flavour" > "$out/kernel-flavour"
if [ -n "$nested" ]; then
    dpkg-query -W -f='${Package} ${Version}\n' qemu-system-x86 > "$out/nested"
else
    rm -f "$out/nested"
fi
mv "$out/initrd.img.tmp" "$out/initrd.img"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
rm -rf "$st" "$kx"
inputs_key > "$out/.stamp"
log "built $out (kernel $kver${nested:+, nested: $(cat "$out/nested"), initrd $(stat -c %s "$out/initrd.img") bytes})"
