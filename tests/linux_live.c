/* tests/linux_live.c: the library side of tests/t_linux_live.sh (memintro_linux.h on the
   real test guest, live or through a dump). Opens SPEC with memintro_target.h, finds the
   kernel and prints what it found, then answers queries read from stdin:

     linux_live SPEC [HINTS]    HINTS: "target" (default: memintro_linux_hints_from_target),
                                "cr3" (CPU 0's CR3 only), "vmcoreinfo" (VMCOREINFO only),
                                "none" (no hints: low-memory page tables, else the
                                banner scan), "scan" (the banner scan only)
   Output, one fact a line:
     BANNER text | RELEASE r | KASLR 0x.. | PHYS_BASE 0x.. | TEXT_PA 0x.. | DTB 0x.. |
     LEVELS n | IMAGE_SOURCE n | NSYMS n | LAYOUT 0x.. | BTF pa size | MEM bytes | MS t
   Queries on stdin:
     "sym NAME"   ->  "SYM NAME 0x<16 hex>" or "SYM NAME -"
     "at ADDR"    ->  "AT ADDR NAME+0xOFF" or "AT ADDR -"  (ADDR as given)
   Exit status 0 on success, 1 on a failure (printed as "E status: message"). */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef unsigned long long ull;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    static memintro_target t;
    static memintro_linux l;
    memintro_linux_hints h;
    const char *mode = argc > 2 ? argv[2] : "target";
    memintro_status s;
    void *mem = NULL;
    size_t mem_size = 0;
    char line[1024], name[512];
    double t0;
    if (argc < 2) {
        fprintf(stderr, "usage: linux_live SPEC [target|cr3|vmcoreinfo|none|scan] <queries\n");
        return 2;
    }
    s = memintro_target_open(&t, argv[1], NULL);
    if (s != MEMINTRO_OK) {
        printf("E %s: %s\n", memintro_status_str(s), memintro_target_error(&t));
        return 1;
    }
    if (t.live) memintro_target_load_cpus(&t);
    memintro_linux_hints_from_target(&t, &h);
    if (!strcmp(mode, "cr3")) {
        h.flags = 0;
        h.kaslr_shift = h.phys_base = 0;
    } else if (!strcmp(mode, "vmcoreinfo")) {
        h.dtb = 0;
    } else if (!strcmp(mode, "none") || !strcmp(mode, "scan")) {
        uint64_t end = h.scan_end;
        memset(&h, 0, sizeof h);
        h.scan_end = end;
        if (!strcmp(mode, "scan")) h.flags = MEMINTRO_LINUX_HINT_SCAN;
    }
    printf("HINTS dtb=0x%llx arch=%s kaslr=%d\n", (ull)h.dtb, memintro_arch_name(h.arch),
           (h.flags & MEMINTRO_LINUX_HINT_KASLR) ? 1 : 0);
    t0 = now_ms();
    /* 64 MiB at once (enough for the test guest, and scan buffers before the symbols);
       the two-step sizing is used only when that is too little */
    mem_size = 64u << 20;
    mem = malloc(mem_size);
    s = mem ? memintro_linux_init(&l, t.phys, &h, mem, mem_size) : MEMINTRO_E_NOSPACE;
    if (s == MEMINTRO_E_NOSPACE && l.mem_needed > mem_size) {
        free(mem);
        mem_size = l.mem_needed;
        mem = malloc(mem_size);
        s = mem ? memintro_linux_init(&l, t.phys, &h, mem, mem_size) : MEMINTRO_E_NOSPACE;
    }
    printf("MEM %zu\n", l.mem_needed);
    printf("MS %.1f\n", now_ms() - t0);
    if (s != MEMINTRO_OK) {
        printf("E %s: %s\n", memintro_status_str(s), memintro_linux_why(&l));
        memintro_target_close(&t);
        return 1;
    }
    printf("BANNER %s\nRELEASE %s\n", l.banner, l.release);
    printf("KASLR 0x%llx\nPHYS_BASE 0x%llx\nTEXT_PA 0x%llx\nTEXT_VA 0x%llx\nDTB 0x%llx\nLEVELS %u\n",
           (ull)l.kaslr_shift, (ull)l.phys_base, (ull)l.text_pa, (ull)l.text_va, (ull)l.dtb, l.levels);
    printf("IMAGE_SOURCE %d\nNSYMS %u\nLAYOUT 0x%x\nBTF 0x%llx %llu\n", (int)l.image_source,
           memintro_linux_symbol_count(&l), l.kallsyms.layout, (ull)l.btf_pa, (ull)l.btf_size);
    if (l.btf_data) printf("BTF_MAGIC %02x%02x\n", l.btf_data[0], l.btf_data[1]);
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        char *arg = line + 3;
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "sym ", 4)) {
            uint64_t a;
            arg = line + 4;
            if (memintro_linux_symbol(&l, arg, &a) == MEMINTRO_OK)
                printf("SYM %s 0x%016llx\n", arg, (ull)a);
            else
                printf("SYM %s -\n", arg);
        } else if (!strncmp(line, "at ", 3)) {
            uint64_t a = strtoull(arg, NULL, 16), off;
            if (memintro_linux_symbol_at(&l, a, name, sizeof name, &off) == MEMINTRO_OK)
                printf("AT %s %s+0x%llx\n", arg, name, (ull)off);
            else
                printf("AT %s -\n", arg);
        }
    }
    free(mem);
    memintro_target_close(&t);
    return 0;
}
