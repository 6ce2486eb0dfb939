/* tests/target_live.c: the library side of tests/t_target_live.sh (memintro_target.h on a
   real QEMU guest). Each subcommand opens SPEC and prints facts the script compares with
   what QEMU itself says:

     target_live info SPEC          "KIND k", "LAYOUT l", "RANGE START-END" (inclusive end,
                                    16 hex digits, as info mtree -f prints), "MAPBYTES n",
                                    "FACT name=value", "PID n", "MACHINE m"
     target_live cpus SPEC          "CPU REG VALUE" lines (info registers names, 16 hex
                                    digits), "PAGING arch root" for CPU 0
     target_live pause|resume SPEC  "OK" or "E status: message"
     target_live running SPEC       "RUNNING 0|1"
     target_live elf SPEC OUT       writes an ELF core: "ELF bytes unreadable cpus"
     target_live cmp SPEC1 SPEC2    reads every range of SPEC1's map from both in 1 MiB
                                    chunks: "SAME bytes" or "DIFF addr"
   Exit status 0 on success, 1 on a failure (printed as "E status: message"). */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"

typedef unsigned long long ull;

static int fail(memintro_target *t, memintro_status s)
{
    printf("E %s: %s\n", memintro_status_str(s), memintro_target_error(t));
    return 1;
}

static int do_info(memintro_target *t)
{
    size_t i;
    uint64_t bytes = 0;
    printf("KIND %s\nLAYOUT %s\nLIVE %d\nPID %d\nMACHINE %s\n", memintro_target_kind_name(t->kind),
           memintro_target_layout_name(t->layout), t->live, t->pid, t->machine ? t->machine : "");
    for (i = 0; i < t->range_count; i++)
        printf("RANGE %016llx-%016llx\n", (ull)t->ranges[i].start, (ull)t->ranges[i].end - 1);
    for (i = 0; i < t->map->count; i++) bytes += t->map->ranges[i].size;
    printf("MAPBYTES %llu\n", (ull)bytes);
    for (i = 0; i < t->fact_count; i++) printf("FACT %s=%s\n", t->facts[i].name, t->facts[i].value);
    if (t->warning) printf("WARNING %s\n", t->warning);
    return 0;
}

static int do_cpus(memintro_target *t)
{
    static const char *const gpr[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                                        "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15"};
    memintro_status s = memintro_target_load_cpus(t);
    size_t i, k;
    if (s != MEMINTRO_OK) return fail(t, s);
    for (i = 0; i < t->cpu_count; i++) {
        const memintro_cpu *c = &t->cpus[i];
        unsigned n = (unsigned)c->index;
        for (k = 0; k < 16; k++) printf("%u %s %016llx\n", n, gpr[k], (ull)c->gpr[k]);
        printf("%u RIP %016llx\n%u RFL %016llx\n", n, (ull)c->rip, n, (ull)c->rflags);
        printf("%u CR0 %016llx\n%u CR2 %016llx\n%u CR3 %016llx\n%u CR4 %016llx\n", n, (ull)c->cr[0], n,
               (ull)c->cr[2], n, (ull)c->cr[3], n, (ull)c->cr[4]);
        if (c->flags & MEMINTRO_CPU_EFER) printf("%u EFER %016llx\n", n, (ull)c->efer);
    }
    printf("NCPUS %zu\n", t->cpu_count);
    if (t->has_paging)
        printf("PAGING %s %llx\n", memintro_arch_name(t->paging.arch), (ull)memintro_mmu_root(&t->paging, 0));
    else
        printf("PAGING none (%s)\n", t->cpu_note);
    return 0;
}

static int do_cmp(memintro_target *a, const char *spec2)
{
    memintro_target b;
    memintro_status s = memintro_target_open(&b, spec2, NULL);
    static uint8_t x[1 << 20], y[1 << 20];
    uint64_t same = 0;
    size_t i;
    if (s != MEMINTRO_OK) return fail(&b, s);
    for (i = 0; i < a->map->count; i++) {
        uint64_t p = a->map->ranges[i].start, end = p + a->map->ranges[i].size;
        while (p < end) {
            size_t n = end - p < sizeof x ? (size_t)(end - p) : sizeof x;
            memintro_status sa = memintro_phys_read1(a->phys, p, x, n), sb = memintro_phys_read1(b.phys, p, y, n);
            if (sa != MEMINTRO_OK || sb != MEMINTRO_OK || memcmp(x, y, n)) {
                size_t k = 0;
                while (k < n && x[k] == y[k]) k++;
                printf("DIFF %llx (%s / %s)\n", (ull)(p + k), memintro_status_str(sa), memintro_status_str(sb));
                memintro_target_close(&b);
                return 1;
            }
            same += n;
            p += n;
        }
    }
    printf("SAME %llu\n", (ull)same);
    memintro_target_close(&b);
    return 0;
}

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_status s;
    const char *cmd;
    int rc = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: target_live info|cpus|pause|resume|running|elf|cmp SPEC [ARG]\n");
        return 2;
    }
    cmd = argv[1];
    s = memintro_target_open(&t, argv[2], NULL);
    if (s != MEMINTRO_OK) return fail(&t, s);
    if (!strcmp(cmd, "info")) {
        rc = do_info(&t);
    } else if (!strcmp(cmd, "cpus")) {
        rc = do_cpus(&t);
    } else if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume")) {
        s = cmd[0] == 'p' ? memintro_target_pause(&t) : memintro_target_resume(&t);
        rc = s == MEMINTRO_OK ? (printf("OK\n"), 0) : fail(&t, s);
    } else if (!strcmp(cmd, "running")) {
        int r = -1;
        s = memintro_target_running(&t, &r);
        rc = s == MEMINTRO_OK ? (printf("RUNNING %d\n", r), 0) : fail(&t, s);
    } else if (!strcmp(cmd, "elf") && argc > 3) {
        memintro_coredump_write_result r;
        s = memintro_target_write_elf(&t, argv[3], NULL, &r);
        rc = s == MEMINTRO_OK ? (printf("ELF %llu %llu %zu\n", (ull)r.memory_size, (ull)r.unreadable, t.cpu_count), 0)
                              : fail(&t, s);
    } else if (!strcmp(cmd, "cmp") && argc > 3) {
        rc = do_cmp(&t, argv[3]);
    } else {
        fprintf(stderr, "target_live: unknown command %s\n", cmd);
        rc = 2;
    }
    memintro_target_close(&t);
    return rc;
}
