#!/bin/sh
# tests/demo.sh (make demo): memintro reads a running Linux VM from the host.
# Installs what it needs (Debian packages, as root), builds and boots the small test guest
# of tests/guest under QEMU (TCG, no KVM needed), then runs the memintro CLI on it, echoing
# each command: the guest's processes (memintro ps: the Linux kernel, its kallsyms and BTF found
# in guest memory alone), the VMs on this host, what memintro learns about the VM, the kernel banner
# found in guest memory (by search, and through the guest's own page tables), a user
# process's memory (by physical address, then at its own virtual address with --pid), a kernel
# symbol, and a snapshot of the VM as an ELF core. Stops the guest at the end.
# About 20 s once the packages and the guest are there.
set -e
cd "$(dirname "$0")/.."
M=build/memintro
R=$(pwd)/build/demo
NAME=memintro-demo

say() { printf '\n== %s\n' "$*"; }
run() { # echoes the command (arguments with spaces quoted), then runs it
    line=
    for a in "$@"; do
        case $a in *[!A-Za-z0-9_./:=,+-]*) a="\"$a\"" ;; esac
        line="$line${line:+ }$a"
    done
    printf '$ %s\n' "$line"
    "$@" || echo "(exit status $?)"
}

[ -x "$M" ] || make --no-print-directory "$M"
say "Preparing: Debian packages (QEMU, busybox, ...), the test guest (kernel + busybox initramfs)"
sh tests/deps.sh qemu-system-x86 busybox-static cpio gcc libc6-dev
sh tests/guest/build.sh >/dev/null 2>"$R.build.log" || { cat "$R.build.log" >&2; exit 1; }
rm -f "$R.build.log"
sh tests/guest/stop.sh "$R" >/dev/null 2>&1 || true
mkdir -p "$R"
cleanup() {
    sh tests/guest/stop.sh "$R" >/dev/null 2>&1 || true
    rm -rf "$R"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
t0=$(date +%s)
pid=$(sh tests/guest/boot.sh --dir "$R" --name "$NAME" --machine q35 --mem 512M)
echo "Booted guest \"$NAME\" (QEMU pid $pid, q35, 512 MiB, TCG) in $(($(date +%s) - t0)) s;"
echo "its init printed facts to $R/serial.log (kallsyms, /proc/iomem, markers)."

fact() { sed -n "s/^FACT $1 //p" "$R/serial.log" | head -1; }
code=$(fact kernel_code)
banner_va=$(fact 'kallsyms linux_banner')
marker=$(grep -m1 '^MARKER ' "$R/serial.log")
mpa=$(echo "$marker" | sed 's/.* pa=\([^ ]*\) .*/\1/')

say "The guest's processes, live: memintro finds the Linux kernel in guest memory (banner,
   kallsyms, KASLR shift, page tables, BTF types), no System.map or debug kernel needed"
run $M -c "qemu:name=$NAME" ps

say "The QEMU VMs on this host (from /proc: pid, -name, -machine, -m, -qmp)"
run $M targets

say "What memintro learns about the VM: guest-physical layout from QEMU over QMP (info mtree -f,
   gpa2hva, checked against /proc/PID/maps), CPU 0's registers, each range and its backing"
run $M -c "qemu:name=$NAME,qmp=unix:$R/qmp.sock" info

say "The kernel banner: search the kernel's physical image (\"Kernel code\" in the guest's
   /proc/iomem starts at 0x${code%-*}) for \"Linux version\""
run $M -c "qemu:name=$NAME" search "Linux version" "0x${code%-*}" 64M

say "The same string through the guest's page tables: linux_banner is at $banner_va
   (the guest's /proc/kallsyms); CPU 0's CR3 comes from QEMU, so no --arch/--dtb needed"
run $M -c "qemu:name=$NAME" translate "$banner_va"
run $M -c "qemu:name=$NAME" read --virt "$banner_va" 96

say "A user process's memory: mi-marker-1 wrote a marker into a page and reported its frame
   (${marker%% va=*} pa=$mpa)"
run $M -c "qemu:name=$NAME" read "$mpa" 32
mva=$(echo "$marker" | sed 's/.* va=\([^ ]*\) .*/\1/')
mpid=$(echo "$marker" | sed 's/.* pid=\([^ ]*\) .*/\1/')
say "The same marker at its own virtual address ($mva), through that process's page tables,
   and the process's memory maps (as its /proc/$mpid/maps)"
run $M -c "qemu:name=$NAME" read --pid "$mpid" "$mva" 32
run $M -c "qemu:name=$NAME" maps "$mpid"

say "Kernel symbols from the guest's own kallsyms, both ways"
run $M -c "qemu:name=$NAME" symbol init_task "$banner_va"

say "A snapshot: the VM's memory as an ELF core (with CPU 0's registers and the guest's own
   VMCOREINFO, so makedumpfile and crash take it), then read back from it"
run $M -c "qemu:name=$NAME" dump -o "$R/demo.elf"
run $M -c "dump:$R/demo.elf" read --virt "$banner_va" 64

say "Stopping the guest (total $(($(date +%s) - t0)) s since boot)"
