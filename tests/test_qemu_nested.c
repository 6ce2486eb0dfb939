/* test_qemu_nested.c - memintro_qemu.h on a QEMU process that this host's /proc does not
   show (options.process; memintro_target_options.qemu_process), without a VM.

   Synthetic data: the "process" is a hand-written QEMU command line (pc, -m 16M, -vga none),
   hand-written /proc/PID/maps text, and a memory backend over a byte array standing for the
   process's address space (the core's memintro_buffer, with guest RAM's mapping at a
   QEMU-like address). The real thing - a QEMU inside the test guest - is
   tests/t_nested_live.sh. Expected values come from the layout rules of QEMU's pc machine
   (-m 16M: all RAM below 4 GiB, no VGA window with -vga none) and from the bytes planted
   here, not from the code under test. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"

#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

#define RAM_HVA 0x7f1200000000ull /* where the process maps guest RAM */
#define RAM_SIZE (16ull << 20)

static const char cmdline[] = "/usr/bin/qemu-system-x86_64\0-name\0inner\0-machine\0pc\0-m\00016M\0"
                              "-nodefaults\0-vga\0none\0-S";

static const char maps_one[] =
    "55d000000000-55d000a00000 r-xp 00000000 00:00 0   /usr/bin/qemu-system-x86_64\n"
    "7f11ffe00000-7f1200000000 ---p 00000000 00:00 0\n"
    "7f1200000000-7f1201000000 rw-p 00000000 00:00 0\n"
    "7f1201000000-7f1201200000 ---p 00000000 00:00 0\n"
    "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0   [stack]";

static const char maps_two[] = "7f1200000000-7f1201000000 rw-p 00000000 00:00 0\n"
                               "7f1300000000-7f1301000000 rw-p 00000000 00:00 0\n";

static unsigned char *space;        /* the process's memory: RAM_SIZE bytes at RAM_HVA */
static memintro_buffer mem;         /* over `space`, first RAM_SIZE / 2 only when `half` */
static memintro_memmap mem_map;
static memintro_range mem_range;
static int released, alive = 1;

static void release_fn(void *user)
{
    (void)user;
    released++;
}

static int alive_fn(void *user)
{
    (void)user;
    return alive;
}

static void setup_memory(uint64_t mapped)
{
    memintro_memmap_init(&mem_map, &mem_range, 1);
    memintro_memmap_add(&mem_map, RAM_HVA, mapped, 0);
    memintro_buffer_init(&mem, space, RAM_SIZE, &mem_map, 1);
}

static memintro_qemu_process proc_of(const char *cl, size_t cl_len, const char *maps)
{
    memintro_qemu_process p;
    memset(&p, 0, sizeof p);
    p.pid = 321;
    p.where = "the test's pretend guest";
    p.cmdline = cl;
    p.cmdline_len = cl_len;
    p.maps = maps;
    p.maps_len = strlen(maps);
    p.memory = &mem.phys;
    p.alive = alive_fn;
    p.release = release_fn;
    return p;
}

static void test_open_read(void)
{
    memintro_qemu q;
    memintro_qemu_options o;
    memintro_qemu_process p = proc_of(cmdline, sizeof cmdline, maps_one);
    memintro_qemu_info in;
    unsigned char b[64], big[3 * 4096];
    memintro_op op;
    size_t i;
    memintro_status s;
    setup_memory(RAM_SIZE);
    memcpy(space + 0x100000, "MEMINTRO-NESTED-BLOB", 20);
    memcpy(space + 0xa0000, "under-the-vga-window", 20);
    memset(&o, 0, sizeof o);
    o.process = &p;
    o.name = "inner";
    released = 0;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_OK, "open a process given by its cmdline, maps and memory: %s", memintro_qemu_error(&q));
    if (s != MEMINTRO_OK) return;
    memintro_qemu_get_info(&q, &in);
    CHECK(in.pid == 321 && in.layout == MEMINTRO_QEMU_LAYOUT_TABLE && in.ram_size == RAM_SIZE,
          "pid 321, layout from the tables, 16 MiB (%d %d %llu)", in.pid, (int)in.layout,
          (unsigned long long)in.ram_size);
    CHECK(in.count == 1 && in.regions[0].start == 0 && in.regions[0].size == RAM_SIZE &&
              in.regions[0].hva == RAM_HVA && !in.regions[0].zero_copy,
          "-vga none: one range 0-16M at the one 16 MiB rw mapping, no zero-copy");
    CHECK(strstr(in.source, "the test's pretend guest") != NULL, "the source names where the process runs: %s",
          in.source);
    CHECK(strstr(in.warning, "out of reach") != NULL, "the warning says QMP is out of reach: %s", in.warning);
    CHECK(memintro_phys_read1(&q.phys, 0x100000, b, 20) == MEMINTRO_OK && !memcmp(b, "MEMINTRO-NESTED-BLOB", 20),
          "bytes at guest-physical 0x100000 come from the process's RAM mapping");
    CHECK(memintro_phys_read1(&q.phys, 0xa0000, b, 20) == MEMINTRO_OK && !memcmp(b, "under-the-vga-window", 20),
          "RAM at 0xa0000 (no VGA card)");
    CHECK(memintro_phys_read1(&q.phys, RAM_SIZE, b, 8) == MEMINTRO_E_HOLE, "past RAM: a hole");
    CHECK(memintro_qemu_pause(&q) == MEMINTRO_E_UNSUPPORTED && strstr(memintro_qemu_error(&q), "out of reach"),
          "pause: unsupported, QMP out of reach (%s)", memintro_qemu_error(&q));
    CHECK(released == 0, "not released while open");
    memintro_qemu_close(&q);

    /* the process's memory holds only the first 8 MiB: a read across 8 MiB misses exactly
       the pages past it */
    setup_memory(RAM_SIZE / 2);
    p = proc_of(cmdline, sizeof cmdline, maps_one);
    memset(&o, 0, sizeof o);
    o.process = &p;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_OK, "open over half-present memory");
    if (s != MEMINTRO_OK) return;
    for (i = 0; i < sizeof big; i++) space[RAM_SIZE / 2 - 4096 + i] = (unsigned char)(i * 7 + 1);
    memset(&op, 0, sizeof op);
    op.addr = RAM_SIZE / 2 - 4096;
    op.buf = big;
    op.len = sizeof big;
    memset(big, 0xee, sizeof big);
    s = memintro_phys_read(&q.phys, &op, 1);
    CHECK(s != MEMINTRO_OK && op.missing == 2 * 4096 && big[0] == 1 && big[4095] == (unsigned char)(4095 * 7 + 1) &&
              big[4096] == 0 && big[sizeof big - 1] == 0,
          "partial read: the present page is read, the 2 missing pages are zero (missing %zu, status %s)", op.missing,
          memintro_status_str(op.status));
    alive = 0;
    q.last_check_ns = 0;
    s = memintro_phys_read1(&q.phys, 0x100000, b, 8);
    CHECK(s == MEMINTRO_E_GONE && strstr(memintro_qemu_error(&q), "has exited"),
          "a process that is gone: E_GONE (%s)", memintro_qemu_error(&q));
    alive = 1;
    memintro_qemu_close(&q);
    CHECK(released == 2, "each open's process released once, at close (%d)", released);
}

static void test_refusals(void)
{
    memintro_qemu q;
    memintro_qemu_options o;
    memintro_qemu_process p;
    static const char notqemu[] = "/bin/sleep\0" "100";
    memintro_status s;
    setup_memory(RAM_SIZE);
    released = 0;

    p = proc_of(notqemu, sizeof notqemu, maps_one);
    memset(&o, 0, sizeof o);
    o.process = &p;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "is not a QEMU VM"),
          "not QEMU: E_NOTFOUND (%s)", memintro_qemu_error(&q));

    p = proc_of(cmdline, sizeof cmdline, maps_one);
    o.name = "outer";
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "\"inner\", not \"outer\""),
          "another name: E_NOTFOUND (%s)", memintro_qemu_error(&q));
    o.name = NULL;
    o.pid = 99;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "not pid 99"), "another pid: E_NOTFOUND (%s)",
          memintro_qemu_error(&q));
    o.pid = 0;
    o.map = MEMINTRO_QEMU_LAYOUT_QMP;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && strstr(memintro_qemu_error(&q), "map=qmp"), "map=qmp: unsupported (%s)",
          memintro_qemu_error(&q));
    o.map = MEMINTRO_QEMU_LAYOUT_AUTO;
    o.qmp = "unix:/tmp/x.sock";
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_INVALID && strstr(memintro_qemu_error(&q), "out of reach"), "qmp=: invalid (%s)",
          memintro_qemu_error(&q));
    o.qmp = NULL;
    p = proc_of(cmdline, sizeof cmdline, maps_two);
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "several mappings of exactly 16 MiB") &&
              strstr(memintro_qemu_error(&q), "memory maps of process 321"),
          "two 16 MiB mappings: cannot tell, and says whose maps (%s)", memintro_qemu_error(&q));
    p = proc_of(cmdline, sizeof cmdline, "");
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "no mapping of exactly 16 MiB"),
          "no maps: no RAM mapping (%s)", memintro_qemu_error(&q));
    alive = 0;
    p = proc_of(cmdline, sizeof cmdline, maps_one);
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_GONE, "a process already gone: E_GONE (%s)", memintro_qemu_error(&q));
    alive = 1;
    p.memory = NULL;
    s = memintro_qemu_open(&q, &o);
    CHECK(s == MEMINTRO_E_INVALID, "no memory backend: E_INVALID (%s)", memintro_qemu_error(&q));
    CHECK(released == 9, "every failed open released its process once (%d of 9)", released);
}

static void test_target(void)
{
    memintro_target t;
    memintro_target_options to;
    memintro_qemu_process p;
    unsigned char b[20];
    memintro_status s;
    setup_memory(RAM_SIZE);
    memcpy(space + 0x100000, "MEMINTRO-NESTED-BLOB", 20);
    released = 0;
    p = proc_of(cmdline, sizeof cmdline, maps_one);
    memset(&to, 0, sizeof to);
    to.qemu_process = &p;
    s = memintro_target_open(&t, "qemu:inner,cache=off", &to);
    CHECK(s == MEMINTRO_OK, "memintro_target_open with qemu_process: %s", memintro_target_error(&t));
    if (s == MEMINTRO_OK) {
        CHECK(memintro_phys_read1(t.phys, 0x100000, b, 20) == MEMINTRO_OK && !memcmp(b, "MEMINTRO-NESTED-BLOB", 20),
              "the target reads the process's RAM");
        CHECK(strstr(t.description, "in the test's pretend guest") != NULL, "the description says where: %s",
              t.description);
        CHECK(memintro_target_fact_value(&t, "runs in") && !strcmp(memintro_target_fact_value(&t, "runs in"),
                                                                   "the test's pretend guest"),
              "fact \"runs in\"");
        CHECK(memintro_target_pause(&t) != MEMINTRO_OK, "pause fails (no QMP)");
        memintro_target_close(&t);
    }
    CHECK(released == 1, "released at target close (%d)", released);
    p = proc_of(cmdline, sizeof cmdline, maps_one);
    s = memintro_target_open(&t, "raw:/dev/null", &to);
    CHECK(s == MEMINTRO_E_INVALID && strstr(memintro_target_error(&t), "only the qemu connector"),
          "another connector refuses a process (%s)", memintro_target_error(&t));
    CHECK(released == 2, "and releases it (%d)", released);
    s = memintro_target_open(&t, "qemu:inner,bogus=1", &to);
    CHECK(s == MEMINTRO_E_INVALID && t.bad_spec, "a bad key: E_INVALID before the backend opens (%s)",
          memintro_target_error(&t));
    CHECK(released == 3, "released too (%d)", released);
}

static void test_parse_cmdline(void)
{
    memintro_qemu_vm vm;
    CHECK(memintro_qemu_parse_cmdline(cmdline, sizeof cmdline, &vm) == 1 && !strcmp(vm.name, "inner") &&
              !strcmp(vm.machine, "pc") && vm.ram_size == RAM_SIZE && !strcmp(vm.binary, "qemu-system-x86_64"),
          "memintro_qemu_parse_cmdline: name, machine, RAM, binary");
    CHECK(memintro_qemu_parse_cmdline("/bin/sh\0-c", 10, &vm) == 0, "a shell is not QEMU");
    CHECK(memintro_qemu_parse_cmdline(NULL, 0, &vm) == 0 && !vm.name[0], "NULL: not QEMU, vm zeroed");
}

int main(void)
{
    space = (unsigned char *)calloc(1, RAM_SIZE);
    if (!space) return 1;
    test_parse_cmdline();
    test_open_read();
    test_refusals();
    test_target();
    free(space);
    return check_done();
}
