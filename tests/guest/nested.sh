# /etc/mi-nested.sh of the nested test guest (tests/guest/build.sh --nested packs it;
# only that image has it). Sourced by /init (busybox sh) after the markers, before
# "FACT uname": starts the inner VM, a real qemu-system-x86_64 stopped before its first
# instruction (-S), whose RAM holds /BLOB at guest-physical 0x100000, and prints
# "FACT nested_* ..." lines about it. Line formats: tests/guest/README.md.
mi_nested() {
    local p ram range perms off dev inode path s e n
    rm -f /run/inner.pid
    # -m 16M and -machine pc stay literally on the command line (memintro finds the
    # inner VM by it); tb-size=16: a 16 MiB TCG code buffer instead of 1 GiB.
    if ! qemu-system-x86_64 -name inner -machine pc -m 16M -accel tcg,tb-size=16 \
            -nodefaults -vga none -display none -S \
            -device loader,file=/BLOB,addr=0x100000,force-raw=on \
            -pidfile /run/inner.pid -daemonize </dev/null >/run/inner.err 2>&1 ||
       [ ! -s /run/inner.pid ]; then
        echo "FACT error nested qemu: $(tr '\n' ' ' </run/inner.err)"
        return
    fi
    p=$(cat /run/inner.pid)
    echo "FACT nested_pid $p"
    echo "FACT nested_blob 0x100000 $(od -An -tx1 -N32 /BLOB | tr -d ' \n')"
    echo "FACT nested_cmdline $p $(tr '\0' ' ' </proc/$p/cmdline)"
    sed "s/^/FACT nested_maps $p /" /proc/$p/maps
    # The inner VM's RAM: the one mapping of exactly 16 MiB, rw-p, anonymous.
    ram= n=0
    while read -r range perms off dev inode path; do
        s=$((0x${range%-*})) e=$((0x${range#*-}))
        if [ $((e - s)) -eq 16777216 ] && [ "$perms" = rw-p ] && [ "$inode" = 0 ] && [ -z "$path" ]; then
            ram=$range n=$((n + 1))
        fi
    done </proc/$p/maps
    if [ $n -ne 1 ]; then
        echo "FACT error nested ram: $n mappings of 16 MiB rw-p without a path"
        return
    fi
    echo "FACT nested_ram $p $ram"
    # QEMU copied the blob into RAM at machine reset, before -S stopped it.
    s=$((0x${ram%-*} + 0x100000))
    if dd if=/proc/$p/mem bs=4096 skip=$((s / 4096)) count=1 2>/dev/null | cmp -s - /BLOB; then
        echo "FACT nested_blob_in_ram $p yes"
    else
        echo "FACT nested_blob_in_ram $p no"
    fi
}
mi_nested
