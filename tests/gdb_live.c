/* tests/gdb_live.c: the library side of tests/t_gdb_live.sh (real data: the live test
   guest). Usage: gdb_live GDBADDR PID PA LEN
   Reads LEN bytes of guest-physical memory at PA twice: through memintro_gdb.h's physical
   backend (the gdbstub's Qqemu.PhyMemMode) and through memintro_qemu.h (process_vm_readv
   of QEMU PID), with the VM paused over the gdbstub in between so both see the same
   bytes; prints "ok"/"not ok" lines: the bytes are equal, and a batch of scattered reads
   (4 KiB pages, one 8-byte read per page) equals the same from procfs. The VM runs on
   afterwards. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_GDB_IMPLEMENTATION
#include "memintro_qemu.h"
#include "memintro_gdb.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    static memintro_gdb g;
    static memintro_qemu q;
    memintro_qemu_options qo;
    uint64_t pa, len, i;
    unsigned char *a, *b;
    memintro_op ops[64], ops2[64];
    unsigned char s1[64][8], s2[64][8];
    memintro_status s;
    if (argc != 5) {
        fprintf(stderr, "usage: gdb_live GDBADDR PID PA LEN\n");
        return 2;
    }
    pa = strtoull(argv[3], 0, 0);
    len = strtoull(argv[4], 0, 0);
    a = (unsigned char *)malloc(len);
    b = (unsigned char *)malloc(len);
    memset(&qo, 0, sizeof qo);
    qo.pid = atoi(argv[2]);
    s = memintro_qemu_open(&q, &qo);
    CHECK(s == MEMINTRO_OK, "gdb live: qemu connector opens pid %d (%s)", qo.pid, memintro_qemu_error(&q));
    s = memintro_gdb_open(&g, argv[1], NULL);
    CHECK(s == MEMINTRO_OK, "gdb live: gdbstub opens (%s)", memintro_gdb_error(&g));
    if (!a || !b || s != MEMINTRO_OK) return 1;
    memintro_gdb_pause(&g);
    s = memintro_phys_read1(&g.phys, pa, a, len);
    CHECK(s == MEMINTRO_OK, "gdb live: gdb: physical read of %llu bytes at 0x%llx (%s)", (unsigned long long)len,
          (unsigned long long)pa, memintro_gdb_error(&g));
    s = memintro_phys_read1(&q.phys, pa, b, len);
    CHECK(s == MEMINTRO_OK, "gdb live: qemu (procfs) read of the same range");
    CHECK(!memcmp(a, b, len), "gdb live: gdb: bytes equal the qemu connector's (%llu bytes)", (unsigned long long)len);
    for (i = 0; i < 64; i++) {
        memset(&ops[i], 0, sizeof ops[i]);
        ops[i].addr = pa + i * 4096 % (len ? len : 1) + 8;
        ops[i].buf = s1[i];
        ops[i].len = 8;
        ops2[i] = ops[i];
        ops2[i].buf = s2[i];
    }
    s = memintro_phys_read(&g.phys, ops, 64);
    CHECK(s == MEMINTRO_OK && memintro_phys_read(&q.phys, ops2, 64) == MEMINTRO_OK && !memcmp(s1, s2, sizeof s1),
          "gdb live: a batch of 64 scattered reads equals procfs");
    memintro_gdb_resume(&g);
    memintro_gdb_close(&g);
    memintro_qemu_close(&q);
    free(a);
    free(b);
    return check_done();
}
