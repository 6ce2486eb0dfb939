/* tests/tools/dumpcheck.c: the helper tests/t_coredump_real.sh drives (real QEMU and
   makedumpfile dumps of the test guest). Each check prints "ok - ..." or "not ok - ...".

       dumpcheck info FILE                  description, facts, memory map
       dumpcheck convert IN OUT             IN (any format) -> ELF core OUT (the writer)
       dumpcheck pick FILE SEED N           N random page addresses of FILE's map (half of
                                            them above 4 GiB when there is memory there),
                                            plus the first and last page of every range
       dumpcheck find FILE TEXT             guest-physical address of TEXT's first copy
       dumpcheck cr3 FILE                   CPU 0's CR3 from the dump's notes
       dumpcheck live LIVEDIR LIST FILE...  every page of LIST (one hex address per line)
                                            read from each FILE equals LIVEDIR/ADDR.bin
                                            (the live VM's bytes, saved with pmemsave)
       dumpcheck same A B [--filtered]      every page of B's map reads the same from A and B;
                                            --filtered: B may hold fewer pages than A (its
                                            missing pages must be holes in B)
       dumpcheck text FILE ADDR TEXT        the bytes at ADDR are TEXT
       dumpcheck regs FILE REGS.txt         CPU 0's notes equal QEMU's "info registers" (REGS.txt):
                                            general registers, RIP, RFLAGS (but the arithmetic
                                            flags QEMU computes lazily), CR0/2/3/4, segments,
                                            GDT and IDT */
#define _GNU_SOURCE /* memintro_qemu.h (memintro_qemu_parse_registers) */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#define MEMINTRO_COREDUMP_LZO
#define MEMINTRO_COREDUMP_SNAPPY
#define MEMINTRO_COREDUMP_ZSTD
#define MEMINTRO_QEMU_IMPLEMENTATION
#include "memintro_coredump.h"
#include "memintro_qemu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int open_dump(memintro_coredump *d, const char *path)
{
    if (memintro_coredump_open(d, path, 0) == MEMINTRO_OK) return 0;
    printf("not ok - %s: cannot open: %s\n", path, memintro_coredump_error(d));
    return -1;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int info(const char *path)
{
    memintro_coredump d;
    size_t i;
    if (open_dump(&d, path)) return 1;
    printf("%s\n", d.description);
    for (i = 0; i < d.fact_count; i++) printf("  %-28s %s\n", d.fact_list[i].name, d.fact_list[i].value);
    for (i = 0; i < d.map.count; i++)
        printf("  range 0x%llx-0x%llx\n", (unsigned long long)d.map.ranges[i].start,
               (unsigned long long)(d.map.ranges[i].start + d.map.ranges[i].size - 1));
    memintro_coredump_close(&d);
    return 0;
}

static void progress(void *user, uint64_t done, uint64_t total)
{
    (void)user;
    if (done == total) fprintf(stderr, "dumpcheck: wrote %llu bytes of memory\n", (unsigned long long)total);
}

static int convert(const char *in, const char *out)
{
    memintro_coredump d;
    memintro_coredump_write_options o;
    memintro_coredump_write_result r;
    memintro_status s;
    double t0 = (double)clock();
    if (open_dump(&d, in)) return 1;
    memset(&o, 0, sizeof o);
    o.progress = progress;
    s = memintro_coredump_write_elf(&d.phys, &d.map, &d.facts, out, &o, &r);
    if (s == MEMINTRO_OK && r.unreadable == 0 && r.segments == d.map.count)
        printf("ok - writer: %s -> %s: %u segments, %u notes, %llu bytes (%.1f s CPU)\n", base(in), base(out),
               r.segments, r.notes, (unsigned long long)r.file_size, ((double)clock() - t0) / CLOCKS_PER_SEC);
    else
        printf("not ok - writer: %s -> %s: %s %s (unreadable %llu)\n", base(in), base(out), memintro_status_str(s),
               r.error, (unsigned long long)r.unreadable);
    memintro_coredump_close(&d);
    return s != MEMINTRO_OK;
}

static uint64_t rng;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random page of the map among those whose start >= min (0 if there is none). */
static uint64_t random_page(const memintro_memmap *m, uint64_t min)
{
    uint64_t total = 0, k;
    size_t i;
    for (i = 0; i < m->count; i++)
        if (m->ranges[i].start >= min) total += m->ranges[i].size >> 12;
    if (!total) return ~0ull;
    k = rnd() % total;
    for (i = 0; i < m->count; i++) {
        uint64_t n;
        if (m->ranges[i].start < min) continue;
        n = m->ranges[i].size >> 12;
        if (k < n) return m->ranges[i].start + (k << 12);
        k -= n;
    }
    return ~0ull;
}

static int pick(const char *path, const char *seed, const char *count)
{
    memintro_coredump d;
    unsigned long n = strtoul(count, 0, 10), i;
    size_t r;
    if (open_dump(&d, path)) return 1;
    rng = strtoull(seed, 0, 0);
    for (i = 0; i < n; i++) {
        uint64_t a = (i & 1) ? random_page(&d.map, 0x100000000ull) : ~0ull;
        if (a == ~0ull) a = random_page(&d.map, 0);
        printf("%llx\n", (unsigned long long)a);
    }
    for (r = 0; r < d.map.count; r++) {
        printf("%llx\n", (unsigned long long)(d.map.ranges[r].start & ~4095ull));
        printf("%llx\n", (unsigned long long)((d.map.ranges[r].start + d.map.ranges[r].size - 1) & ~4095ull));
    }
    memintro_coredump_close(&d);
    return 0;
}

typedef struct found {
    uint64_t addr;
    int any;
} found;

static int on_match(void *user, uint64_t addr)
{
    found *f = (found *)user;
    f->addr = addr;
    f->any = 1;
    return 1;
}

static int find(const char *path, const char *text)
{
    memintro_coredump d;
    static uint8_t work[1 << 20];
    found f = {0, 0};
    size_t r;
    if (open_dump(&d, path)) return 1;
    for (r = 0; r < d.map.count && !f.any; r++)
        memintro_scan_phys(&d.phys, d.map.ranges[r].start, d.map.ranges[r].start + d.map.ranges[r].size, text, 0,
                           strlen(text), 1, work, sizeof work, on_match, &f);
    memintro_coredump_close(&d);
    if (!f.any) return 1;
    printf("%llx\n", (unsigned long long)f.addr);
    return 0;
}

static int cr3(const char *path)
{
    memintro_coredump d;
    int ok;
    if (open_dump(&d, path)) return 1;
    ok = d.facts.cpu_state_count > 0 && (d.facts.cpus[0].flags & MEMINTRO_CPU_SYSTEM);
    if (ok) printf("%llx\n", (unsigned long long)d.facts.cpus[0].cr[3]);
    memintro_coredump_close(&d);
    return !ok;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    if (!f) return 0;
    p = (uint8_t *)malloc(8192);
    *n = fread(p, 1, 8192, f);
    fclose(f);
    return p;
}

static int live(const char *dir, const char *list, int nfiles, char **files)
{
    int k, fail = 0;
    for (k = 0; k < nfiles; k++) {
        memintro_coredump d;
        FILE *l = fopen(list, "r");
        char line[64];
        unsigned good = 0, bad = 0, nolive = 0;
        if (!l || open_dump(&d, files[k])) {
            if (l) fclose(l);
            fail = 1;
            continue;
        }
        while (fgets(line, sizeof line, l)) {
            uint64_t a = strtoull(line, 0, 16);
            char path[4096];
            uint8_t page[4096], *want;
            size_t n = 0;
            memintro_status s;
            if (line[0] == '\n' || line[0] == '#') continue;
            snprintf(path, sizeof path, "%s/%llx.bin", dir, (unsigned long long)a);
            want = slurp(path, &n);
            if (!want || n != 4096) {
                nolive++;
                free(want);
                continue;
            }
            s = memintro_phys_read1(&d.phys, a, page, 4096);
            if (s == MEMINTRO_OK && !memcmp(page, want, 4096)) {
                good++;
            } else {
                if (bad < 3)
                    printf("# %s: page 0x%llx: %s\n", base(files[k]), (unsigned long long)a,
                           s == MEMINTRO_OK ? "bytes differ from the live VM" : memintro_coredump_error(&d));
                bad++;
            }
            free(want);
        }
        fclose(l);
        printf("%s - %s (%s): %u pages equal to the live VM's, %u differ, %u not saved from the VM\n",
               bad || nolive || !good ? "not ok" : "ok", base(files[k]), memintro_coredump_format_name(d.format), good,
               bad, nolive);
        if (bad || nolive || !good) fail = 1;
        memintro_coredump_close(&d);
    }
    return fail;
}

static int same(const char *a, const char *b, int filtered)
{
    memintro_coredump da, db;
    static uint8_t pa[256 * 4096], pb[256 * 4096];
    memintro_op oa[256], ob[256];
    uint64_t pages = 0, bad = 0, holes_ok = 0, holes_bad = 0;
    size_t r;
    clock_t t0 = clock();
    if (open_dump(&da, a)) return 1;
    if (open_dump(&db, b)) {
        memintro_coredump_close(&da);
        return 1;
    }
    /* every page of A: B must have it (or, filtered, have a hole there) */
    for (r = 0; r < da.map.count; r++) {
        uint64_t x = da.map.ranges[r].start & ~4095ull, end = da.map.ranges[r].start + da.map.ranges[r].size;
        while (x < end) {
            size_t n = 0, k;
            while (n < 256 && x < end) {
                oa[n].addr = ob[n].addr = x;
                oa[n].buf = pa + n * 4096;
                ob[n].buf = pb + n * 4096;
                oa[n].len = ob[n].len = 4096;
                oa[n].flags = ob[n].flags = 0;
                n++;
                x += 4096;
            }
            memintro_phys_read(&da.phys, oa, n);
            memintro_phys_read(&db.phys, ob, n);
            for (k = 0; k < n; k++) {
                if (filtered && ob[k].status == MEMINTRO_E_HOLE && ob[k].missing == 4096 &&
                    !memintro_memmap_find(&db.map, ob[k].addr)) {
                    holes_ok++;
                    continue;
                }
                pages++;
                if (oa[k].status != MEMINTRO_OK || ob[k].status != MEMINTRO_OK ||
                    memcmp(pa + k * 4096, pb + k * 4096, 4096)) {
                    if (bad < 3)
                        printf("# page 0x%llx: %s / %s%s\n", (unsigned long long)oa[k].addr,
                               memintro_status_str(oa[k].status), memintro_status_str(ob[k].status),
                               oa[k].status == MEMINTRO_OK && ob[k].status == MEMINTRO_OK ? ", bytes differ" : "");
                    bad++;
                }
            }
        }
    }
    /* and B holds nothing A does not */
    for (r = 0; r < db.map.count; r++) {
        uint64_t x;
        for (x = db.map.ranges[r].start; x < db.map.ranges[r].start + db.map.ranges[r].size; x += 4096)
            if (!memintro_memmap_find(&da.map, x)) holes_bad++;
    }
    printf("%s - %s and %s (%s, %s) agree on all %llu pages%s%s (%llu differ, %llu pages only in %s; %.1f s)\n",
           bad || holes_bad || !pages ? "not ok" : "ok", base(a), base(b), memintro_coredump_format_name(da.format),
           memintro_coredump_format_name(db.format), (unsigned long long)pages,
           filtered ? ", the others are holes in " : "", filtered ? base(b) : "", (unsigned long long)bad,
           (unsigned long long)holes_bad, base(b), (double)(clock() - t0) / CLOCKS_PER_SEC);
    if (filtered) printf("# %s: %llu pages filtered out\n", base(b), (unsigned long long)holes_ok);
    memintro_coredump_close(&da);
    memintro_coredump_close(&db);
    return bad || holes_bad || !pages;
}

static int text(const char *path, const char *addr, const char *t)
{
    memintro_coredump d;
    char buf[256];
    size_t n = strlen(t);
    memintro_status s;
    if (n > sizeof buf) n = sizeof buf;
    if (open_dump(&d, path)) return 1;
    s = memintro_phys_read1(&d.phys, strtoull(addr, 0, 16), buf, n);
    printf("%s - %s: \"%.*s\" at 0x%s\n", s == MEMINTRO_OK && !memcmp(buf, t, n) ? "ok" : "not ok", base(path), (int)n,
           t, addr);
    memintro_coredump_close(&d);
    return !(s == MEMINTRO_OK && !memcmp(buf, t, n));
}

/* The paging mode a CPU's registers give, NONE when off or unknown. */
static memintro_arch cpu_arch(const memintro_cpu *c)
{
    memintro_mmu_desc m;
    return memintro_cpu_mmu(c, &m) == MEMINTRO_OK ? m.arch : MEMINTRO_ARCH_NONE;
}

static int regs(const char *path, const char *txt)
{
    memintro_coredump d;
    memintro_cpu live;
    size_t got = 0;
    static char text[65536];
    FILE *f = fopen(txt, "r");
    size_t n = f ? fread(text, 1, sizeof text, f) : 0;
    const memintro_cpu *c;
    char why[256];
    int k;
    if (f) fclose(f);
    if (memintro_qemu_parse_registers(text, n, &live, 1, &got) != MEMINTRO_OK || !got) {
        printf("not ok - %s: cannot parse QEMU's info registers\n", txt);
        return 1;
    }
    if (open_dump(&d, path)) return 1;
    why[0] = 0;
    if (!d.facts.cpu_state_count || !(d.facts.cpus[0].flags & MEMINTRO_CPU_SYSTEM)) {
        snprintf(why, sizeof why, "no QEMU CPU note");
    } else {
        c = &d.facts.cpus[0];
        for (k = 0; k < 16 && !why[0]; k++)
            if (c->gpr[k] != live.gpr[k])
                snprintf(why, sizeof why, "gpr %d: 0x%llx vs 0x%llx", k, (unsigned long long)c->gpr[k],
                         (unsigned long long)live.gpr[k]);
        for (k = 0; k < 5 && !why[0]; k++)
            if (k != 1 && c->cr[k] != live.cr[k])
                snprintf(why, sizeof why, "CR%d: 0x%llx vs 0x%llx", k, (unsigned long long)c->cr[k],
                         (unsigned long long)live.cr[k]);
        for (k = 0; k < 10 && !why[0]; k++) {
            const memintro_seg *a = &c->seg[k], *b = &live.seg[k];
            int table = k == MEMINTRO_SEG_GDT || k == MEMINTRO_SEG_IDT;
            if (a->base != b->base || a->limit != b->limit ||
                (!table && (a->selector != b->selector || a->flags != b->flags)))
                snprintf(why, sizeof why, "segment %d: %x/%llx/%x/%x vs %x/%llx/%x/%x", k, a->selector,
                         (unsigned long long)a->base, a->limit, a->flags, b->selector, (unsigned long long)b->base,
                         b->limit, b->flags);
        }
        if (!why[0] && c->rip != live.rip) snprintf(why, sizeof why, "RIP differs");
        if (!why[0] && (c->rflags & ~0x8d5ull) != (live.rflags & ~0x8d5ull)) snprintf(why, sizeof why, "RFLAGS differ");
        if (!why[0] && cpu_arch(c) != cpu_arch(&live)) snprintf(why, sizeof why, "paging mode differs");
    }
    printf("%s - %s: CPU 0's note equals info registers (16 GPRs, RIP, RFLAGS, CR0-CR4, 8 segments, GDT, IDT, "
           "mode %s)%s%s\n",
           why[0] ? "not ok" : "ok", base(path), memintro_arch_describe(cpu_arch(&live)), why[0] ? ": " : "", why);
    memintro_coredump_close(&d);
    return why[0] != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "info")) return info(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "convert")) return convert(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "pick")) return pick(argv[2], argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "find")) return find(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "cr3")) return cr3(argv[2]);
    if (argc >= 5 && !strcmp(argv[1], "live")) return live(argv[2], argv[3], argc - 4, argv + 4);
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "same"))
        return same(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "--filtered"));
    if (argc == 5 && !strcmp(argv[1], "text")) return text(argv[2], argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "regs")) return regs(argv[2], argv[3]);
    fprintf(stderr, "usage: see the comment at the top of tests/tools/dumpcheck.c\n");
    return 2;
}
