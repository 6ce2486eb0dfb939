/* fuzz/fuzz_common.h: the body of every memintro_coredump.h fuzz harness (libFuzzer). A
   harness defines FUZZ_FORMAT (the parser it targets) and includes this file. Each input
   is opened from memory with that format forced, twice (holes as holes, then with
   MEMINTRO_COREDUMP_ZERO_EXCLUDED); an input that opens is then read: facts, VMCOREINFO
   lookups, the first pages of the first ranges, pages at addresses taken from the input,
   unaligned reads across range ends, zero-copy pointers, and (when small) an ELF core is
   written from it to /dev/null. AddressSanitizer and UndefinedBehaviorSanitizer turn any
   read outside the input, leak or overflow into a crash. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#define MEMINTRO_COREDUMP_LZO
#define MEMINTRO_COREDUMP_SNAPPY
#define MEMINTRO_COREDUMP_ZSTD
#include "memintro_coredump.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_read(memintro_coredump *d, const uint8_t *data, size_t size)
{
    static uint8_t buf[3 * 65536];
    char v[64];
    size_t r, i, k = 0;
    uint64_t avail;
    volatile unsigned sink = 0;
    for (i = 0; i < d->fact_count; i++) sink += (unsigned)strlen(d->fact_list[i].value);
    memintro_coredump_vmcoreinfo_value(&d->facts, "OSRELEASE", v, sizeof v);
    memintro_coredump_vmcoreinfo_value(&d->facts, "KERNELOFFSET", v, 3);
    for (i = 0; i < d->facts.cpu_state_count; i++) {
        memintro_mmu_desc m;
        memintro_cpu_mmu(&d->facts.cpus[i], &m);
    }
    for (r = 0; r < d->map.count && r < 8; r++) {
        const memintro_range *g = &d->map.ranges[r];
        uint64_t a;
        const uint8_t *p;
        for (a = 0; a < g->size && a < 8 * 4096; a += 4096) memintro_phys_read1(&d->phys, g->start + a, buf, 4096);
        /* across the end of the range */
        memintro_phys_read1(&d->phys, g->start + g->size - 100, buf, 200);
        p = (const uint8_t *)memintro_coredump_ptr(d, g->start, &avail);
        if (p && avail) sink += p[0] + p[avail > 4096 ? 4095 : avail - 1];
    }
    /* addresses taken from the input itself */
    for (i = 0; i + 8 <= size && k < 16; i += 97, k++) {
        uint64_t a = memintro_get_u64(data + i);
        memintro_phys_read1(&d->phys, a, buf, 1 + (size_t)(a >> 40) % sizeof buf);
    }
    if (d->facts.memory_size <= (256u << 10)) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            memintro_coredump_write_elf_fd(&d->phys, &d->map, &d->facts, fd, 0, 0);
            close(fd);
        }
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memintro_coredump d;
    memintro_coredump_options o;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        memset(&o, 0, sizeof o);
        o.format = FUZZ_FORMAT;
        o.flags = pass ? MEMINTRO_COREDUMP_ZERO_EXCLUDED : 0;
        if (memintro_coredump_open_memory(&d, data, size, &o) == MEMINTRO_OK) {
            fuzz_read(&d, data, size);
        } else if (!d.error[0]) {
            __builtin_trap(); /* every rejection must say why */
        }
        memintro_coredump_close(&d);
    }
    return 0;
}
