/* qemu_info.c - opens a running QEMU VM and shows what memintro_qemu.h learned about it:
   how the guest-physical layout was found (QMP or the per-machine tables), each
   guest-physical range with its backing (RAM block, offset, host address, anonymous /
   memfd / file, zero-copy), the total guest RAM, and then the first bytes of guest-physical
   memory at an address (default 0) as a hex dump.

       qemu_info [CONNECTOR] [ADDRESS [LENGTH]]
       qemu_info                         the only VM running
       qemu_info qemu:name=vm1 0x1000000 64
       qemu_info qemu:pid=1234,qmp=unix:/run/vm1.qmp,map=table

   Needs permission to read the QEMU process: root, the VM's user, or CAP_SYS_PTRACE. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#include "memintro_qemu.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    memintro_qemu q;
    memintro_qemu_options o;
    static char spec[1024], text[1 << 16];
    unsigned char bytes[256];
    const char *err, *connector = argc > 1 ? argv[1] : "qemu";
    unsigned long long addr = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
    size_t len = argc > 3 ? (size_t)strtoul(argv[3], NULL, 0) : 64, i;
    memintro_status st;

    if ((err = memintro_qemu_options_parse(&o, connector, spec, sizeof spec)) != NULL) {
        fprintf(stderr, "qemu_info: %s\n", err);
        return 2;
    }
    if (memintro_qemu_open(&q, &o) != MEMINTRO_OK) {
        fprintf(stderr, "qemu_info: %s\n", memintro_qemu_error(&q));
        return 1;
    }
    memintro_qemu_describe(&q, text, sizeof text);
    fputs(text, stdout);

    if (len > sizeof bytes) len = sizeof bytes;
    st = memintro_phys_read1(&q.phys, addr, bytes, len);
    printf("\nguest-physical 0x%llx, %u bytes: %s%s%s\n", addr, (unsigned)len, memintro_status_str(st),
           st != MEMINTRO_OK ? ": " : "", st != MEMINTRO_OK ? memintro_qemu_error(&q) : "");
    for (i = 0; i < len; i += 16) {
        size_t j;
        printf("  %016llx ", addr + i);
        for (j = i; j < i + 16 && j < len; j++) printf(" %02x", bytes[j]);
        printf("%*s  ", (int)(3 * (i + 16 - j)), "");
        for (j = i; j < i + 16 && j < len; j++) putchar(bytes[j] >= 32 && bytes[j] < 127 ? bytes[j] : '.');
        putchar('\n');
    }
    memintro_qemu_close(&q);
    return st == MEMINTRO_OK ? 0 : 1;
}
