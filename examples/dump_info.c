/* dump_info.c - what a memory dump holds: its format, the facts it carries (CPUs and their
   CR3, VMCOREINFO, Windows or kdump header fields) and its guest-physical memory map, plus
   the first bytes at an address if you give one.

   Shows memintro_coredump.h: open with format detection (or a forced format), the fact list,
   the memory map, reading through the physical-memory interface, and the error messages of
   damaged files. The compression libraries are loaded at run time
   (MEMINTRO_COREDUMP_DLOPEN), so this builds with no -l flags.

       build/dump_info DUMP [ADDR]
       build/dump_info --format raw|elf|kdump|windows|lime DUMP [ADDR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_DLOPEN
#include "memintro_coredump.h"

int main(int argc, char **argv)
{
    memintro_coredump d;
    memintro_coredump_options opt;
    size_t i;
    int a = 1;
    memset(&opt, 0, sizeof opt);
    if (argc > 3 && !strcmp(argv[1], "--format")) {
        opt.format = memintro_coredump_format_parse(argv[2]);
        if ((int)opt.format < 0) {
            fprintf(stderr, "dump_info: unknown format %s\n", argv[2]);
            return 2;
        }
        a = 3;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: dump_info [--format raw|elf|kdump|windows|lime] DUMP [ADDR]\n");
        return 2;
    }
    if (memintro_coredump_open(&d, argv[a], &opt) != MEMINTRO_OK) {
        fprintf(stderr, "dump_info: %s: %s\n", argv[a], memintro_coredump_error(&d));
        return 1;
    }
    printf("%s: %s\n", argv[a], d.description);
    for (i = 0; i < d.fact_count; i++) printf("  %-28s %s\n", d.fact_list[i].name, d.fact_list[i].value);
    printf("memory map (%zu ranges):\n", d.map.count);
    for (i = 0; i < d.map.count; i++) {
        const memintro_range *r = &d.map.ranges[i];
        if (i == 16 && d.map.count > 20) {
            printf("  ... %zu more\n", d.map.count - 17);
            i = d.map.count - 1;
            r = &d.map.ranges[i];
        }
        printf("  0x%016llx-0x%016llx %10llu KiB\n", (unsigned long long)r->start,
               (unsigned long long)(r->start + r->size - 1), (unsigned long long)(r->size >> 10));
    }
    if (a + 1 < argc) {
        uint64_t addr = strtoull(argv[a + 1], 0, 0);
        unsigned char buf[64];
        memintro_status s = memintro_phys_read1(&d.phys, addr, buf, sizeof buf);
        if (s != MEMINTRO_OK) {
            printf("0x%llx: %s%s%s\n", (unsigned long long)addr, memintro_status_str(s),
                   memintro_coredump_error(&d)[0] ? ": " : "", memintro_coredump_error(&d));
        } else {
            for (i = 0; i < sizeof buf; i++) printf("%s%02x%s", i % 16 ? "" : "  ", buf[i], i % 16 == 15 ? "\n" : " ");
        }
    }
    memintro_coredump_close(&d);
    return 0;
}
