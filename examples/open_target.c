/* open_target.c - open any target from a connector string and look at it.

   Shows memintro_target.h: one call turns "qemu:name=VM", "dump:PATH" or "raw:PATH" into
   one object; this prints what it is, how its guest-physical layout is known, its ranges
   with what backs each, CPU 0's paging (a live VM's registers are asked from QEMU over
   QMP; a dump's come from its notes or its header), then reads LENGTH bytes (default 64)
   at guest-physical ADDRESS (default 0) as a hex dump. A malformed connector string exits
   with status 2, a target that fails to open with 1.

       build/open_target CONNECTOR [ADDRESS [LENGTH]]
       build/open_target dump:/var/crash/vmcore 0x1000000 32
       build/open_target qemu:name=vm1
       build/open_target raw:guest.img,base=0x100000000 0x100000000 */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_status s;
    uint64_t addr = 0, len = 64;
    unsigned char buf[4096];
    size_t i, n;
    if (argc < 2 || (argc > 2 && !memintro_parse_u64(argv[2], strlen(argv[2]), &addr)) ||
        (argc > 3 && !memintro_parse_size(argv[3], strlen(argv[3]), &len))) {
        const memintro_target_connector *c = memintro_target_connectors(&n);
        fprintf(stderr, "usage: open_target CONNECTOR [ADDRESS [LENGTH]]\nconnectors:\n");
        for (i = 0; i < n; i++) fprintf(stderr, "  %s\n      %s\n", c[i].syntax, c[i].help);
        return 2;
    }
    if (len > sizeof buf) len = sizeof buf;
    s = memintro_target_open(&t, argv[1], NULL);
    if (s != MEMINTRO_OK) {
        fprintf(stderr, "open_target: %s\n", memintro_target_error(&t));
        return t.bad_spec ? 2 : 1;
    }
    printf("%s\nlayout (%s): %s\n", t.description, memintro_target_layout_name(t.layout), t.layout_text);
    if (t.warning) printf("warning: %s\n", t.warning);
    for (i = 0; i < t.range_count; i++)
        printf("  0x%010llx-0x%010llx  %s\n", (unsigned long long)t.ranges[i].start,
               (unsigned long long)t.ranges[i].end, t.ranges[i].backing);
    if (t.live && !t.cpus_loaded && memintro_target_load_cpus(&t) != MEMINTRO_OK)
        printf("vCPUs: %s\n", memintro_target_error(&t));
    if (t.cpu_count) printf("vCPUs: %zu with registers (%s)\n", t.cpu_count, t.cpu_source);
    if (t.has_paging)
        printf("CPU 0's paging: %s, root table at 0x%llx (%s)\n", memintro_arch_describe(t.paging.arch),
               (unsigned long long)memintro_mmu_root(&t.paging, 0), t.paging_source);
    else
        printf("CPU 0's paging: unknown (%s)\n", t.cpu_note);
    s = memintro_phys_read1(t.phys, addr, buf, (size_t)len);
    if (s != MEMINTRO_OK) {
        printf("0x%llx: %s (%s)\n", (unsigned long long)addr, memintro_status_str(s), memintro_target_error(&t));
    } else {
        for (i = 0; i < len; i++)
            printf("%s%02x", i % 16 ? " " : i ? "\n  " : "  ", buf[i]);
        printf("\n");
    }
    memintro_target_close(&t);
    return s == MEMINTRO_OK ? 0 : 1;
}
