/* tests/gdb_live.c: the library side of tests/t_gdb_live.sh (real data: the live test
   guest). Usage: gdb_live GDBADDR PID PA LEN
   Reads LEN bytes of guest-physical memory at PA twice: through memintro_gdb.h's physical
   backend (the gdbstub's Qqemu.PhyMemMode) and through memintro_qemu.h (process_vm_readv
   of QEMU PID), with the VM paused over the gdbstub in between so both see the same
   bytes; prints "ok"/"not ok" lines: the bytes are equal, and a batch of scattered reads
   (4 KiB pages, one 8-byte read per page) equals the same from procfs. The VM runs on
   afterwards.
   Usage: gdb_live --spin GDBADDR PID TICKPA SPINFN
   Step-over check on the marker's spin loop (tests/guest/marker.c: the byte 64 bytes past
   the tick string set to 'S' makes mi-marker-1 call mi_spin_step, at SPINFN, in a loop;
   each call adds one to the 8-byte counter 72 bytes past the tick string): a breakpoint on
   mi_spin_step (endbr64: stepped over by moving the pc) and one on its second instruction
   (mov (%rdi),%rax: stepped over by a single-step) fire 200 and 1000 times,
   and the counter, read through procfs at each stop, rises by exactly one from each event
   to the next: no call is lost and none is reported twice (QEMU 7.2 ends about 1 step in
   400 without running anything; a step-over that did not step again reported that call
   twice). Then the loop is switched off. */
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
#include <unistd.h>

static void spin_check(memintro_gdb *g, memintro_qemu *q, uint64_t tpa, uint64_t fn, uint64_t off, int count, const char *what)
{
    uint64_t addr = fn + off;
    memintro_gdb_event ev;
    uint32_t id;
    uint64_t prev = 0, c = 0;
    int n, bad = 0, wrong = 0;
    memintro_status s = memintro_gdb_break(g, addr, &id);
    CHECK(s == MEMINTRO_OK, "gdb live: spin: breakpoint on %s (%s)", what, memintro_gdb_error(g));
    if (s != MEMINTRO_OK) return;
    for (n = 0; n < count; n++) {
        if ((s = memintro_gdb_next_event(g, 5000, &ev)) != MEMINTRO_OK) break;
        if (ev.id != id || ev.regs.rip != addr) wrong++;
        if (n == 0) {
            /* the code this check is about (gcc -O2 -fcf-protection=branch, tests/guest/build.sh) */
            static const unsigned char want[7] = {0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x07};
            unsigned char code[7];
            s = memintro_gdb_mem_read(g, ev.cpu, fn, code, 7, 0);
            CHECK(s == MEMINTRO_OK && !memcmp(code, want, 7),
                  "gdb live: spin: mi_spin_step starts with endbr64; mov (%%rdi),%%rax (%s)", memintro_gdb_error(g));
        }
        if (memintro_phys_read1(&q->phys, tpa + 72, &c, 8) != MEMINTRO_OK) break;
        if (n > 0 && c != prev + 1) bad++;
        prev = c;
    }
    CHECK(n == count, "gdb live: spin: %d events on %s (%d: %s)", count, what, n, memintro_gdb_error(g));
    CHECK(wrong == 0, "gdb live: spin: every event is the breakpoint's, at 0x%llx (%d not)", (unsigned long long)addr, wrong);
    CHECK(bad == 0, "gdb live: spin: the counter rises by one from each event on %s to the next (%d did not)", what, bad);
    CHECK(memintro_gdb_unset(g, id) == MEMINTRO_OK, "gdb live: spin: the breakpoint on %s removed", what);
}

static int spin_main(char **argv)
{
    static memintro_gdb g;
    static memintro_qemu q;
    memintro_qemu_options qo;
    uint64_t tpa = strtoull(argv[4], 0, 0), fn = strtoull(argv[5], 0, 0), c0 = 0, c1 = 0;
    unsigned char on = 'S', off = 0;
    memintro_op op;
    memintro_status s;
    memset(&qo, 0, sizeof qo);
    qo.pid = atoi(argv[3]);
    qo.write = 1;
    s = memintro_qemu_open(&q, &qo);
    CHECK(s == MEMINTRO_OK, "gdb live: spin: qemu connector opens pid %d for writing (%s)", qo.pid, memintro_qemu_error(&q));
    if (s != MEMINTRO_OK) return check_done();
    memset(&op, 0, sizeof op);
    op.addr = tpa + 64;
    op.buf = &on;
    op.len = 1;
    CHECK(memintro_phys_write(&q.phys, &op, 1) == MEMINTRO_OK, "gdb live: spin: the loop switched on");
    memintro_phys_read1(&q.phys, tpa + 72, &c0, 8);
    usleep(300000);
    memintro_phys_read1(&q.phys, tpa + 72, &c1, 8);
    CHECK(c1 > c0, "gdb live: spin: the counter runs (%llu in 0.3 s)", (unsigned long long)(c1 - c0));
    s = memintro_gdb_open(&g, argv[2], NULL);
    CHECK(s == MEMINTRO_OK, "gdb live: spin: gdbstub opens (%s)", memintro_gdb_error(&g));
    if (s == MEMINTRO_OK) {
        spin_check(&g, &q, tpa, fn, 0, 200, "mi_spin_step (endbr64)");
        spin_check(&g, &q, tpa, fn, 4, 1000, "mi_spin_step+4 (mov (%rdi),%rax)");
        memintro_gdb_close(&g);
    }
    op.buf = &off;
    CHECK(memintro_phys_write(&q.phys, &op, 1) == MEMINTRO_OK, "gdb live: spin: the loop switched off");
    memintro_qemu_close(&q);
    return check_done();
}

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
    if (argc == 6 && !strcmp(argv[1], "--spin")) return spin_main(argv);
    if (argc != 5) {
        fprintf(stderr, "usage: gdb_live GDBADDR PID PA LEN | --spin GDBADDR PID TICKPA SPINFN\n");
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
