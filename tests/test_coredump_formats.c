/* tests/test_coredump_formats.c: memintro_coredump.h reads every format and variant, made by
   tests/tools/mkdump_gen.h from a known image (SYNTHETIC files: the real QEMU and
   makedumpfile dumps are checked by tests/t_coredump_real.sh). Expected bytes come from the
   generator's page function, never from the reader. Damaged files must be rejected with a
   message that says what is wrong; ASan/UBSan (build/tests-san) catch any read outside. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#define MEMINTRO_COREDUMP_LZO
#define MEMINTRO_COREDUMP_SNAPPY
#define MEMINTRO_COREDUMP_ZSTD
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

/* What a variant holds: which pages are present, which read as zeros, which fail. */
enum { M_ALL, M_SDMP, M_EXCL, M_EXCL_ZERO, M_LOST };

typedef struct model {
    mk_src src;
    int kind;
} model;

static int in_src(const mk_src *s, uint64_t pa)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (pa >= s->r[i].start && pa - s->r[i].start < s->r[i].size) return 1;
    return 0;
}

/* Index of page pa among the source's pages (for the kdump "lost" descriptor). */
static uint64_t page_index(const mk_src *s, uint64_t pa)
{
    size_t i;
    uint64_t k = 0;
    for (i = 0; i < s->n; i++) {
        if (pa >= s->r[i].start && pa - s->r[i].start < s->r[i].size) return k + ((pa - s->r[i].start) >> 12);
        k += s->r[i].size >> 12;
    }
    return ~0ull;
}

/* 0 = readable with the source's bytes, 1 = zeros (present), 2 = hole, 3 = I/O error */
static int expect_at(const model *m, uint64_t pa)
{
    if (!in_src(&m->src, pa)) return 2;
    switch (m->kind) {
    case M_SDMP: return mkw_left_out(pa) ? 2 : 0;
    case M_EXCL: return mkk_excluded(pa) ? 2 : 0;
    case M_EXCL_ZERO: return mkk_excluded(pa) ? 1 : 0;
    case M_LOST: return page_index(&m->src, pa & ~4095ull) == MKK_LOST_INDEX ? 3 : 0;
    default: return 0;
    }
}

static uint64_t rng = 12345;
static uint64_t rnd(void)
{
    rng = mk_mix(rng);
    return rng;
}

/* Reads every page and 300 random ranges, and compares with the model. */
static void verify(memintro_coredump *d, const model *m, const char *name)
{
    static uint8_t buf[64 * 4096], want[64 * 4096], page[4096];
    memintro_op ops[64];
    size_t i, bad = 0, pages = 0;
    uint64_t a;
    int ok;
    /* the memory map: exactly the present pages */
    {
        uint64_t expect_bytes = 0, map_bytes = 0;
        for (i = 0; i < m->src.n; i++)
            for (a = m->src.r[i].start; a < m->src.r[i].start + m->src.r[i].size; a += 4096) {
                int e = expect_at(m, a);
                if (e == 0 || e == 1 || e == 3) expect_bytes += 4096;
            }
        for (i = 0; i < d->map.count; i++) {
            map_bytes += d->map.ranges[i].size;
            for (a = d->map.ranges[i].start; a < d->map.ranges[i].start + d->map.ranges[i].size; a += 4096)
                if (expect_at(m, a) == 2) bad++;
        }
        CHECK(map_bytes == expect_bytes && !bad,
              "%s: memory map covers the %llu present bytes (map %llu, %zu wrong pages)", name,
              (unsigned long long)expect_bytes, (unsigned long long)map_bytes, bad);
        CHECK(d->facts.memory_size == map_bytes, "%s: facts.memory_size matches the map", name);
    }
    /* every page, in batches of 64 */
    bad = 0;
    for (i = 0; i < m->src.n; i++) {
        for (a = m->src.r[i].start; a < m->src.r[i].start + m->src.r[i].size;) {
            size_t n = 0, k;
            while (n < 64 && a < m->src.r[i].start + m->src.r[i].size) {
                ops[n].addr = a;
                ops[n].buf = buf + n * 4096;
                ops[n].len = 4096;
                ops[n].flags = 0;
                n++;
                a += 4096;
            }
            memintro_phys_read(&d->phys, ops, n);
            for (k = 0; k < n; k++) {
                int e = expect_at(m, ops[k].addr);
                pages++;
                if (e == 0) {
                    mkg_known_page(0, ops[k].addr, page);
                    ok = ops[k].status == MEMINTRO_OK && !ops[k].missing && !memcmp(page, buf + k * 4096, 4096);
                } else if (e == 1) {
                    memset(page, 0, 4096);
                    ok = ops[k].status == MEMINTRO_OK && !memcmp(page, buf + k * 4096, 4096);
                } else {
                    memset(page, 0, 4096);
                    ok = ops[k].status == (e == 2 ? MEMINTRO_E_HOLE : MEMINTRO_E_IO) && ops[k].missing == 4096 &&
                         !memcmp(page, buf + k * 4096, 4096);
                }
                if (!ok && bad++ < 3)
                    printf("# %s: page 0x%llx: status %s, missing %zu, expected kind %d\n", name,
                           (unsigned long long)ops[k].addr, memintro_status_str(ops[k].status), ops[k].missing, e);
            }
        }
    }
    CHECK(!bad, "%s: all %zu pages read as expected (%zu wrong)", name, pages, bad);
    /* random unaligned ranges, also across holes and range ends */
    bad = 0;
    for (i = 0; i < 300; i++) {
        const mk_range *r = &m->src.r[rnd() % m->src.n];
        uint64_t start, len = 1 + rnd() % (3 * 4096), missing = 0, k;
        memintro_status want_status = MEMINTRO_OK, got;
        switch (rnd() % 4) {
        case 0: start = r->start + rnd() % r->size; break;
        case 1: start = r->start + r->size - rnd() % 5000; break;
        case 2: start = r->start - rnd() % 100; break;
        default: start = r->start + (rnd() % (r->size >> 12)) * 4096 - 8 + rnd() % 16; break;
        }
        uint64_t cached = 1;
        for (k = 0; k < len; k++) {
            uint64_t pa = start + k;
            int e = pa < start ? 2 : expect_at(m, pa); /* no wrap past the top to address 0 */
            if (e == 0) {
                if (cached != (pa & ~4095ull)) {
                    cached = pa & ~4095ull;
                    mkg_known_page(0, cached, page);
                }
                want[k] = page[pa & 4095];
            } else {
                want[k] = 0;
                if (e >= 2) {
                    missing++;
                    if (want_status == MEMINTRO_OK) want_status = e == 2 ? MEMINTRO_E_HOLE : MEMINTRO_E_IO;
                }
            }
        }
        ops[0].addr = start;
        ops[0].buf = buf;
        ops[0].len = (size_t)len;
        ops[0].flags = 0;
        memset(buf, 0xee, (size_t)len);
        got = memintro_phys_read(&d->phys, ops, 1);
        ok = got == want_status && ops[0].status == want_status && ops[0].missing == missing &&
             !memcmp(buf, want, (size_t)len);
        if (!ok && bad++ < 3)
            printf("# %s: read 0x%llx+%llu: status %s (want %s), missing %zu (want %llu)\n", name,
                   (unsigned long long)start, (unsigned long long)len, memintro_status_str(got),
                   memintro_status_str(want_status), ops[0].missing, (unsigned long long)missing);
    }
    CHECK(!bad, "%s: 300 random ranges read as expected (%zu wrong)", name, bad);
    /* a read far outside anything */
    ops[0].addr = 0x7ffffffff000ull;
    ops[0].buf = buf;
    ops[0].len = 16;
    CHECK(memintro_phys_read(&d->phys, ops, 1) == MEMINTRO_E_HOLE && ops[0].missing == 16, "%s: far address is a hole",
          name);
}

static int open_buf(memintro_coredump *d, const mkbuf *b, memintro_coredump_format f, uint32_t flags)
{
    memintro_coredump_options o;
    memset(&o, 0, sizeof o);
    o.format = f;
    o.flags = flags;
    return (int)memintro_coredump_open_memory(d, b->p, b->n, &o);
}

/* The paging mode a CPU's registers give (memintro_cpu_mmu), NONE when off or unknown. */
static memintro_arch cpu_arch(const memintro_cpu *c)
{
    memintro_mmu_desc m;
    return memintro_cpu_mmu(c, &m) == MEMINTRO_OK ? m.arch : MEMINTRO_ARCH_NONE;
}

static void check_cpu_facts(const memintro_coredump *d, const char *name, unsigned ncpu)
{
    unsigned i, good = 0;
    char v[64];
    for (i = 0; i < ncpu && i < d->facts.cpu_state_count; i++) {
        mk_cpu c = mkg_known_cpu(i);
        const memintro_cpu *p = &d->facts.cpus[i];
        if (p->cr[3] == c.cr3 && p->cr[0] == c.cr0 && p->cr[4] == c.cr4 && p->rip == c.rip &&
            p->gpr[MEMINTRO_REG_RSP] == c.rsp && p->seg[MEMINTRO_SEG_IDT].base == c.idt &&
            cpu_arch(p) == MEMINTRO_ARCH_X86_64 && p->isa == MEMINTRO_ISA_X86_64 && (p->flags & MEMINTRO_CPU_SYSTEM) &&
            (p->flags & MEMINTRO_CPU_GPRS))
            good++;
    }
    CHECK(d->facts.cpu_state_count == ncpu && good == ncpu, "%s: %u CPUs with CR0/CR3/CR4, RIP, RSP, IDT and mode",
          name, ncpu);
    CHECK(d->facts.mode == MEMINTRO_ARCH_X86_64 && d->facts.dtb == mkg_known_cpu(0).cr3,
          "%s: suggested paging is CPU 0's (x86-64, CR3 0x%llx)", name, (unsigned long long)d->facts.dtb);
    CHECK(memintro_coredump_vmcoreinfo_value(&d->facts, "OSRELEASE", v, sizeof v) && !strcmp(v, "6.1.0-test-amd64") &&
              memintro_coredump_vmcoreinfo_value(&d->facts, "KERNELOFFSET", v, sizeof v) && !strcmp(v, "1d000000") &&
              !memintro_coredump_vmcoreinfo_value(&d->facts, "NOPE", v, sizeof v),
          "%s: VMCOREINFO values", name);
    CHECK(d->facts.qemu, "%s: recognised as carrying QEMU CPU notes", name);
}

static int has_fact(const memintro_coredump *d, const char *name, const char *value)
{
    size_t i;
    for (i = 0; i < d->fact_count; i++)
        if (!strcmp(d->fact_list[i].name, name) && (!value || strstr(d->fact_list[i].value, value))) return 1;
    return 0;
}

/* Opening must fail with status s and a message containing `needle`. */
static void expect_fail(const mkbuf *b, memintro_coredump_format f, memintro_status s, const char *needle,
                        const char *what)
{
    memintro_coredump d;
    memintro_status got = (memintro_status)open_buf(&d, b, f, 0);
    CHECK(got == s && strstr(memintro_coredump_error(&d), needle), "%s: rejected with %s, \"%s\"", what,
          memintro_status_str(got), memintro_coredump_error(&d));
    memintro_coredump_close(&d);
}

/* Opens every prefix length (a sample) and some byte flips: never crashes, every failure
   has a message, and a success reads its whole map without going outside the file. */
static void torture(const mkbuf *b, memintro_coredump_format f, const char *name)
{
    size_t lens[48], nl = 0, i;
    unsigned fails = 0, nomsg = 0, opened = 0;
    uint8_t *copy = (uint8_t *)malloc(b->n);
    for (i = 0; i < 16; i++) lens[nl++] = b->n * i / 16;
    for (i = 0; i < 16; i++) lens[nl++] = rnd() % b->n;
    for (i = 0; i < 16; i++) lens[nl++] = (size_t)(rnd() % 0x4000 < b->n ? rnd() % 0x4000 : 0);
    for (i = 0; i < nl + 64; i++) {
        memintro_coredump d;
        memintro_coredump_options o;
        size_t n;
        memset(&o, 0, sizeof o);
        o.format = f;
        if (i < nl) {
            n = lens[i];
            memcpy(copy, b->p, n);
        } else { /* flip a few bytes in the first 16 KiB (headers, tables) */
            unsigned k;
            n = b->n;
            memcpy(copy, b->p, n);
            for (k = 0; k < 4; k++) copy[rnd() % (n < 0x4000 ? n : 0x4000)] ^= (uint8_t)(1 + rnd() % 255);
        }
        if (memintro_coredump_open_memory(&d, copy, n, &o) != MEMINTRO_OK) {
            fails++;
            if (!memintro_coredump_error(&d)[0]) nomsg++;
        } else {
            size_t r;
            static uint8_t page[4096];
            opened++;
            for (r = 0; r < d.map.count && r < 64; r++) {
                uint64_t a;
                for (a = 0; a < d.map.ranges[r].size && a < (64u << 12); a += 4096)
                    memintro_phys_read1(&d.phys, d.map.ranges[r].start + a, page, 4096);
            }
        }
        memintro_coredump_close(&d);
    }
    free(copy);
    CHECK(!nomsg, "%s: %zu truncated/flipped files: %u rejected (all with a message), %u opened and read", name,
          nl + 64, fails, opened);
}

int main(void)
{
    mk_src all = mkg_known(), low = mkg_known_low();
    memintro_coredump d;
    mkbuf b = {0, 0, 0, 0};
    model m;
    char name[96];
    size_t i;

    /* ---- ELF ---- */
    {
        static const struct {
            unsigned flags;
            const char *name;
            int low;
        } v[] = {{0, "elf64", 0},
                 {MKE_32, "elf32", 1},
                 {MKE_TAIL | MKE_OVERLAP | MKE_UNSAVED, "elf64 tail+overlap+unsaved", 0},
                 {MKE_SPLIT, "elf64 PN_XNUM (46592 segments)", 0},
                 {MKE_SPLIT | MKE_32, "elf32 PN_XNUM", 1}};
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            b.n = 0;
            mk_elf(&b, v[i].low ? &low : &all, v[i].flags, 2);
            m.src = v[i].low ? low : all;
            m.kind = M_ALL;
            if (open_buf(&d, &b, MEMINTRO_COREDUMP_DETECT, 0) != MEMINTRO_OK) {
                CHECK(0, "%s: opens: %s", v[i].name, memintro_coredump_error(&d));
                continue;
            }
            CHECK(d.format == MEMINTRO_COREDUMP_ELF && d.facts.elf_class == (v[i].flags & MKE_32 ? 32 : 64),
                  "%s: detected as ELF (%s)", v[i].name, d.description);
            verify(&d, &m, v[i].name);
            check_cpu_facts(&d, v[i].name, 2);
            if (v[i].flags & MKE_TAIL) {
                uint8_t x[16];
                uint64_t tail = all.r[2].start + all.r[2].size;
                CHECK(memintro_phys_read1(&d.phys, tail, x, 16) == MEMINTRO_E_HOLE, "%s: p_memsz tail is a hole",
                      v[i].name);
            }
            {
                uint64_t avail = 0;
                const uint8_t *p = (const uint8_t *)memintro_coredump_ptr(&d, 0x100010, &avail);
                uint8_t pg[4096];
                mkg_known_page(0, 0x100000, pg);
                CHECK(p && avail >= 4096 - 16 && !memcmp(p, pg + 16, 4096 - 16) &&
                          !memintro_coredump_ptr(&d, 0xa0000, &avail),
                      "%s: zero-copy pointer into the mapping", v[i].name);
            }
            memintro_coredump_close(&d);
        }
        /* ZERO_EXCLUDED: the tail reads as zeros and is in the map */
        b.n = 0;
        mk_elf(&b, &all, MKE_TAIL, 1);
        if (open_buf(&d, &b, MEMINTRO_COREDUMP_DETECT, MEMINTRO_COREDUMP_ZERO_EXCLUDED) == MEMINTRO_OK) {
            uint8_t x[16], z[16];
            uint64_t tail = all.r[2].start + all.r[2].size;
            memset(z, 0, 16);
            CHECK(memintro_phys_read1(&d.phys, tail + 0x100, x, 16) == MEMINTRO_OK && !memcmp(x, z, 16) &&
                      memintro_memmap_find(&d.map, tail + 0xffff),
                  "elf tail with ZERO_EXCLUDED reads as zeros");
            memintro_coredump_close(&d);
        } else {
            CHECK(0, "elf tail with ZERO_EXCLUDED opens: %s", d.error);
        }
        torture(&b, MEMINTRO_COREDUMP_DETECT, "elf64 damaged");

        /* found by fuzz_elf: a p_memsz tail at an address above 2^63 with ZERO_EXCLUDED */
        {
            uint8_t e[64 + 56];
            uint8_t x[32], z[32];
            memset(e, 0, sizeof e);
            memset(z, 0, sizeof z);
            memcpy(e, "\177ELF", 4);
            e[4] = 2;
            e[5] = 1;
            mk_le(e + 16, 4, 2);
            mk_le(e + 32, 64, 8);
            mk_le(e + 54, 56, 2);
            mk_le(e + 56, 1, 2);
            mk_le(e + 64, 1, 4);                     /* PT_LOAD */
            mk_le(e + 64 + 24, 0xffffffff81a3c4d3ull, 8); /* p_paddr */
            mk_le(e + 64 + 40, 0x10, 8);             /* p_memsz, p_filesz 0 */
            {
                memintro_coredump_options o;
                memset(&o, 0, sizeof o);
                o.flags = MEMINTRO_COREDUMP_ZERO_EXCLUDED;
                if (memintro_coredump_open_memory(&d, e, sizeof e, &o) == MEMINTRO_OK) {
                    memset(x, 0xee, sizeof x);
                    CHECK(d.map.count == 1 &&
                              memintro_phys_read1(&d.phys, 0xffffffff81a3c4d3ull, x, 16) == MEMINTRO_OK &&
                              !memcmp(x, z, 16) && memintro_phys_read1(&d.phys, 0xffffffff81a3c4d3ull, x, 32) == MEMINTRO_E_HOLE,
                          "elf tail above 2^63 with ZERO_EXCLUDED reads as zeros, then a hole");
                    memintro_coredump_close(&d);
                } else {
                    CHECK(0, "elf tail above 2^63 opens: %s", d.error);
                }
            }
        }

        /* damaged ELF files */
        b.n = 0;
        mk_elf(&b, &all, 0, 2);
        {
            mkbuf c = {0, 0, 0, 0};
            mkb_put(&c, b.p, b.n);
            c.n = b.n / 2;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "past the end of the file", "elf truncated");
            c.n = b.n;
            mk_le(c.p + 56, 0xfffe, 2); /* e_phnum */
            c.n = 1 << 20;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "program headers", "elf e_phnum too big");
            c.n = b.n;
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 64 + 56 + 32, 0x200000, 8); /* first PT_LOAD p_filesz > p_memsz */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "exceeds p_memsz", "elf filesz > memsz");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 56, 0xffff, 2); /* PN_XNUM without a section header */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "PN_XNUM", "elf PN_XNUM without section");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 64 + 4 * 56, 0x7fffffff, 4); /* first note's n_namesz */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "note 0", "elf note size absurd");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 16, 2, 2);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "not a core file", "elf ET_EXEC");
            memcpy(c.p, b.p, b.n);
            c.p[5] = 2;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_UNSUPPORTED, "big-endian", "elf big-endian");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 64 + 56 + 24, 0xffffffffffff0000ull, 8); /* p_paddr so the segment wraps */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "wraps", "elf segment wraps");
            mkb_free(&c);
        }
    }

    /* ---- kdump ---- */
    {
        static const struct {
            uint32_t comp;
            unsigned flags;
            int kind, low;
            uint32_t open_flags;
        } v[] = {{0, 0, M_ALL, 0, 0},
                 {1, 0, M_ALL, 0, 0},
                 {2, 0, M_ALL, 0, 0},
                 {4, 0, M_ALL, 0, 0},
                 {0x20, 0, M_ALL, 0, 0},
                 {1, MKK_FLAT, M_ALL, 0, 0},
                 {2, MKK_FLAT, M_ALL, 0, 0},
                 {4, MKK_FLAT | MKK_SHUFFLE, M_ALL, 0, 0},
                 {0, MKK_MIXED, M_ALL, 0, 0},
                 {0, MKK_MIXED | MKK_FLAT | MKK_SHUFFLE, M_ALL, 0, 0},
                 {1, MKK_32, M_ALL, 1, 0},
                 {2, MKK_32 | MKK_FLAT, M_ALL, 1, 0},
                 {1, MKK_OLDVER, M_ALL, 0, 0},
                 {1, MKK_EXCLUDE, M_EXCL, 0, 0},
                 {1, MKK_EXCLUDE | MKK_FLAT, M_EXCL_ZERO, 0, MEMINTRO_COREDUMP_ZERO_EXCLUDED},
                 {2, MKK_INCOMPLETE, M_LOST, 0, 0}};
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            snprintf(name, sizeof name, "kdump %s%s%s%s%s%s%s",
                     v[i].flags & MKK_MIXED ? "mixed" : memintro_coredump_compression_name(v[i].comp),
                     v[i].flags & MKK_32 ? " 32-bit" : "", v[i].flags & MKK_FLAT ? " flattened" : "",
                     v[i].flags & MKK_SHUFFLE ? " shuffled" : "", v[i].flags & MKK_EXCLUDE ? " filtered" : "",
                     v[i].flags & MKK_INCOMPLETE ? " incomplete" : "", v[i].flags & MKK_OLDVER ? " v5" : "");
            if (v[i].open_flags) strcat(name, " ZERO_EXCLUDED");
            b.n = 0;
            mk_kdump(&b, v[i].low ? &low : &all, v[i].comp, v[i].flags);
            m.src = v[i].low ? low : all;
            m.kind = v[i].kind;
            if (open_buf(&d, &b, MEMINTRO_COREDUMP_DETECT, v[i].open_flags) != MEMINTRO_OK) {
                CHECK(0, "%s: opens: %s", name, memintro_coredump_error(&d));
                continue;
            }
            CHECK(d.format == MEMINTRO_COREDUMP_KDUMP && d.facts.has_kdump &&
                      d.facts.kdump.flattened == !!(v[i].flags & MKK_FLAT) &&
                      d.facts.kdump.is64 == !(v[i].flags & MKK_32) && d.facts.kdump.block_size == 4096 &&
                      d.facts.kdump.phys_base == 0x1000000 &&
                      d.facts.kdump.header_version == ((v[i].flags & MKK_OLDVER) ? 5u : 6u) && d.facts.cpu_count == 2,
                  "%s: header facts (%s)", name, d.description);
            verify(&d, &m, name);
            check_cpu_facts(&d, name, 2);
            if (v[i].flags & MKK_EXCLUDE)
                CHECK(d.facts.kdump.dump_level == 31 && d.facts.kdump.pages_excluded > 0 &&
                          has_fact(&d, "kdump.pages_excluded", 0),
                      "%s: %llu excluded pages reported", name, (unsigned long long)d.facts.kdump.pages_excluded);
            if (v[i].flags & MKK_INCOMPLETE) {
                uint8_t x[8];
                memintro_phys_read1(&d.phys, (uint64_t)MKK_LOST_INDEX << 12, x, 8);
                CHECK(strstr(memintro_coredump_error(&d), "not saved") != 0, "%s: lost page explained: %s", name,
                      memintro_coredump_error(&d));
            }
            memintro_coredump_close(&d);
        }
        torture(&b, MEMINTRO_COREDUMP_DETECT, "kdump damaged");
        b.n = 0;
        mk_kdump(&b, &all, 1, MKK_FLAT);
        torture(&b, MEMINTRO_COREDUMP_DETECT, "kdump flattened damaged");

        /* damaged kdump files */
        b.n = 0;
        mk_kdump(&b, &all, 1, 0);
        {
            mkbuf c = {0, 0, 0, 0};
            uint64_t bm_off, half = 4096, desc_off;
            uint32_t sub = (uint32_t)mk_rd(b.p + 0x1b0, 4), bmb = (uint32_t)mk_rd(b.p + 0x1b4, 4);
            bm_off = (1ull + sub) * 4096;
            half = (uint64_t)bmb / 2 * 4096;
            desc_off = (1ull + sub + bmb) * 4096;
            mkb_put(&c, b.p, b.n);
            c.n = (size_t)desc_off + 100;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "run past the end",
                        "kdump truncated in descriptors");
            c.n = b.n - 5000;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "past the end of the file",
                        "kdump truncated in data");
            c.n = b.n;
            mk_le(c.p + bm_off + half + 0x1000, 0xff, 1); /* a dumped page more than descriptors exist */
            mk_le(c.p + bm_off + half + 0x1001, 0xff, 1);
            {
                memintro_coredump dd;
                memintro_status st = (memintro_status)open_buf(&dd, &c, MEMINTRO_COREDUMP_DETECT, 0);
                /* the extra bits shift every later descriptor: the last one then falls in page data */
                CHECK(st != MEMINTRO_OK && dd.error[0], "kdump bitmap disagreeing with the descriptors: %s", dd.error);
                memintro_coredump_close(&dd);
            }
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 4096 + 96, 0x7fffffffffull, 8); /* max_mapnr_64 beyond the bitmap */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "exceeds what the bitmaps cover",
                        "kdump max_mapnr");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 0x1ac, 3000, 4); /* block size */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "inconsistent", "kdump block size 3000");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + desc_off + 24 * 7 + 12, 3, 4); /* flags: zlib|lzo */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "more than one compression",
                        "kdump descriptor flags");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + desc_off + 24 * 7 + 8, 1u << 30, 4); /* size */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "absurd size", "kdump descriptor size");
            /* a corrupt compressed page: open works, that page fails with a message */
            memcpy(c.p, b.p, b.n);
            {
                uint64_t k, pa = 0, off = 0;
                size_t r;
                /* find a zlib page: walk descriptors for the first with flags 1 */
                for (k = 0, r = 0; r < all.n && !off; r++) {
                    uint64_t a2;
                    for (a2 = all.r[r].start; a2 < all.r[r].start + all.r[r].size; a2 += 4096, k++) {
                        if (mk_rd(c.p + desc_off + 24 * k + 12, 4) == 1) {
                            off = mk_rd(c.p + desc_off + 24 * k, 8);
                            pa = a2;
                            break;
                        }
                    }
                }
                c.p[off + 2] ^= 0xff;
                c.p[off + 3] ^= 0xff;
                if (open_buf(&d, &c, MEMINTRO_COREDUMP_DETECT, 0) == MEMINTRO_OK) {
                    uint8_t x[4096];
                    memintro_status st = memintro_phys_read1(&d.phys, pa, x, 4096);
                    CHECK(st == MEMINTRO_E_FORMAT && strstr(d.error, "zlib data of page") != 0,
                          "kdump corrupt zlib page 0x%llx: %s, \"%s\"", (unsigned long long)pa, memintro_status_str(st),
                          d.error);
                    memintro_coredump_close(&d);
                } else {
                    CHECK(0, "kdump with one corrupt page opens: %s", d.error);
                }
            }
            mkb_free(&c);
        }
        /* damaged flattened streams */
        b.n = 0;
        mk_kdump(&b, &all, 1, MKK_FLAT);
        {
            mkbuf c = {0, 0, 0, 0};
            mkb_put(&c, b.p, b.n);
            c.n = b.n - 16;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "without its end marker",
                        "flattened missing end marker");
            c.n = b.n - 100;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "runs past the end", "flattened record cut");
            c.n = b.n;
            mk_be(c.p + 4096, 0x8000000000000000ull, 8);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "absurd offset", "flattened negative offset");
            memcpy(c.p, b.p, b.n);
            mk_be(c.p + 16, 2, 8);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_UNSUPPORTED, "type 2", "flattened type 2");
            mkb_free(&c);
        }
        /* a flattened ELF core (makedumpfile -E -F) */
        {
            mkbuf e = {0, 0, 0, 0}, f = {0, 0, 0, 0};
            size_t at;
            mk_elf(&e, &all, 0, 2);
            memcpy(mkb_zero(&f, 4096), "makedumpfile", 12);
            mk_be(f.p + 16, 1, 8);
            mk_be(f.p + 24, 1, 8);
            for (at = 0; at < e.n; at += 100000) {
                size_t n = e.n - at < 100000 ? e.n - at : 100000;
                uint8_t *rh = mkb_zero(&f, 16);
                mk_be(rh, at, 8);
                mk_be(rh + 8, n, 8);
                mkb_put(&f, e.p + at, n);
            }
            memset(mkb_zero(&f, 16), 0xff, 16);
            m.src = all;
            m.kind = M_ALL;
            if (open_buf(&d, &f, MEMINTRO_COREDUMP_DETECT, 0) == MEMINTRO_OK) {
                CHECK(d.format == MEMINTRO_COREDUMP_ELF && strstr(d.description, "flattened"), "flattened ELF: %s",
                      d.description);
                verify(&d, &m, "flattened ELF");
                memintro_coredump_close(&d);
            } else {
                CHECK(0, "flattened ELF opens: %s", d.error);
            }
            mkb_free(&e);
            mkb_free(&f);
        }
    }

    /* ---- Windows ---- */
    {
        static const struct {
            unsigned flags;
            const char *name;
            int kind, low;
        } v[] = {{0, "windows 64-bit full", M_ALL, 0},
                 {MKW_FDMP, "windows 64-bit bitmap FDMP", M_ALL, 0},
                 {MKW_SDMP, "windows 64-bit bitmap SDMP", M_SDMP, 0},
                 {MKW_32, "windows 32-bit full", M_ALL, 1},
                 {MKW_32 | MKW_FDMP, "windows 32-bit bitmap FDMP", M_ALL, 1},
                 {MKW_32 | MKW_SDMP, "windows 32-bit bitmap SDMP", M_SDMP, 1},
                 {MKW_32, "windows 32-bit full above 4 GiB", M_ALL, 0}};
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            const memintro_coredump_windows *w = &d.facts.windows;
            int is32 = (v[i].flags & MKW_32) != 0;
            b.n = 0;
            mk_windows(&b, v[i].low ? &low : &all, v[i].flags);
            m.src = v[i].low ? low : all;
            m.kind = v[i].kind;
            if (open_buf(&d, &b, MEMINTRO_COREDUMP_DETECT, 0) != MEMINTRO_OK) {
                CHECK(0, "%s: opens: %s", v[i].name, memintro_coredump_error(&d));
                continue;
            }
            CHECK(d.format == MEMINTRO_COREDUMP_WINDOWS && d.facts.has_windows && w->is64 == !is32 &&
                      w->directory_table_base == MKW_DTB &&
                      w->ps_loaded_module_list == (is32 ? (MKW_PSLOADED & 0xffffffff) : MKW_PSLOADED) &&
                      w->ps_active_process_head == (is32 ? (MKW_PSACTIVE & 0xffffffff) : MKW_PSACTIVE) &&
                      w->kd_debugger_data_block == (is32 ? (MKW_KDDEBUGGER & 0xffffffff) : MKW_KDDEBUGGER) &&
                      w->pfn_database == (is32 ? (MKW_PFNDB & 0xffffffff) : MKW_PFNDB) &&
                      w->machine_image_type == (is32 ? 0x14cu : 0x8664u) && w->number_processors == 2 &&
                      w->bugcheck_code == MKW_BUGCHECK && w->bugcheck_params[3] == 4 &&
                      w->context_rip == (is32 ? (MKW_RIP & 0xffffffff) : MKW_RIP) && w->major_version == 15 &&
                      w->minor_version == 19041 && w->dump_type == ((v[i].flags & (MKW_FDMP | MKW_SDMP)) ? 5u : 1u) &&
                      d.facts.dtb == MKW_DTB && d.facts.mode == (is32 ? MEMINTRO_ARCH_X86_PAE : MEMINTRO_ARCH_X86_64) &&
                      d.facts.cpu_count == 2,
                  "%s: header facts (%s)", v[i].name, d.description);
            CHECK(has_fact(&d, "windows.DirectoryTableBase", "0x1aa000") &&
                      has_fact(&d, "windows.PsActiveProcessHead", 0) && has_fact(&d, "windows.KdDebuggerDataBlock", 0),
                  "%s: header facts in the fact list", v[i].name);
            if (v[i].flags & (MKW_FDMP | MKW_SDMP))
                CHECK(!strcmp(w->bitmap_kind, (v[i].flags & MKW_SDMP) ? "SDMP" : "FDMP"), "%s: bitmap kind %s",
                      v[i].name, w->bitmap_kind);
            verify(&d, &m, v[i].name);
            memintro_coredump_close(&d);
        }
        torture(&b, MEMINTRO_COREDUMP_DETECT, "windows 32-bit damaged");
        b.n = 0;
        mk_windows(&b, &all, MKW_SDMP);
        torture(&b, MEMINTRO_COREDUMP_DETECT, "windows bitmap damaged");

        b.n = 0;
        mk_windows(&b, &all, 0);
        {
            mkbuf c = {0, 0, 0, 0};
            mkb_put(&c, b.p, b.n);
            c.n = b.n - 4096;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "truncated", "windows full truncated");
            c.n = b.n;
            mk_le(c.p + 0x90, 12345, 8);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "disagrees with the runs",
                        "windows NumberOfPages");
            memcpy(c.p, b.p, b.n);
            memcpy(c.p + 0x88, "PAGE", 4);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "descriptor is missing", "windows no runs");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 0x88, 44, 4);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "do not fit the header", "windows 44 runs");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 0xf98, 4, 4);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_UNSUPPORTED, "minidump", "windows type 4");
            memcpy(c.p, b.p, b.n);
            memcpy(c.p + 4, "DU65", 4);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "unknown ValidDump", "windows ValidDump");
            memcpy(c.p, b.p, b.n);
            mk_le(c.p + 0x98 + 16, 0x90, 8); /* run 1 starts inside run 0 */
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "overlaps", "windows overlapping runs");
            mkb_free(&c);
        }
        b.n = 0;
        mk_windows(&b, &all, MKW_FDMP);
        {
            mkbuf c = {0, 0, 0, 0};
            mkb_put(&c, b.p, b.n);
            mk_le(c.p + 0x2000 + 0x28, 7, 8);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "header says 7", "windows bitmap count");
            memcpy(c.p, b.p, b.n);
            c.n = b.n - 8192;
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "truncated", "windows bitmap truncated");
            c.n = b.n;
            mk_le(c.p + 0x2000 + 0x30, 1ull << 40, 8);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "bitmap of", "windows bitmap bits absurd");
            memcpy(c.p, b.p, b.n);
            memcpy(c.p + 0x2000, "XDMP", 4);
            expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "signature", "windows bitmap signature");
            mkb_free(&c);
        }
    }

    /* ---- LiME ---- */
    b.n = 0;
    mk_lime(&b, &all);
    m.src = all;
    m.kind = M_ALL;
    if (open_buf(&d, &b, MEMINTRO_COREDUMP_DETECT, 0) == MEMINTRO_OK) {
        CHECK(d.format == MEMINTRO_COREDUMP_LIME && d.map.count == 3, "lime: 3 ranges (%s)", d.description);
        verify(&d, &m, "lime");
        memintro_coredump_close(&d);
    } else {
        CHECK(0, "lime opens: %s", d.error);
    }
    torture(&b, MEMINTRO_COREDUMP_DETECT, "lime damaged");
    {
        mkbuf c = {0, 0, 0, 0};
        mkb_put(&c, b.p, b.n);
        c.n = b.n - 1;
        expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "past the end", "lime truncated");
        c.n = b.n;
        mk_le(c.p + 32 + 0x9f000, 0x12345678, 4);
        expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "bad magic", "lime second header magic");
        memcpy(c.p, b.p, b.n);
        mk_le(c.p + 16, 0, 8);
        mk_le(c.p + 8, 0x1000, 8);
        expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "before it starts", "lime end before start");
        memcpy(c.p, b.p, b.n);
        mk_le(c.p + 32 + 0x9f000 + 8, 0x1000, 8); /* range 1 moved onto range 0 */
        mk_le(c.p + 32 + 0x9f000 + 16, 0x1000 + 0x500000 - 1, 8);
        expect_fail(&c, MEMINTRO_COREDUMP_DETECT, MEMINTRO_E_FORMAT, "overlaps", "lime overlapping ranges");
        mkb_free(&c);
    }

    /* ---- raw ---- */
    {
        static uint8_t img[3 * 4096];
        memintro_coredump_options o;
        uint8_t x[8];
        memset(&o, 0, sizeof o);
        for (i = 0; i < sizeof img; i++) img[i] = (uint8_t)(i * 7);
        o.raw_base = 0x10000;
        CHECK(memintro_coredump_open_memory(&d, img, sizeof img, &o) == MEMINTRO_OK &&
                  d.format == MEMINTRO_COREDUMP_RAW && d.map.count == 1 && d.map.ranges[0].start == 0x10000,
              "raw: detected for unknown contents, at raw_base");
        CHECK(memintro_phys_read1(&d.phys, 0x10000 + 4095, x, 2) == MEMINTRO_OK && x[0] == (uint8_t)(4095 * 7) &&
                  x[1] == (uint8_t)(4096 * 7) && memintro_phys_read1(&d.phys, 0xfff0, x, 8) == MEMINTRO_E_HOLE,
              "raw: bytes at their address, below raw_base is a hole");
        memintro_coredump_close(&d);
        /* an ELF image forced raw is raw */
        b.n = 0;
        mk_elf(&b, &low, 0, 1);
        o.format = MEMINTRO_COREDUMP_RAW;
        o.raw_base = 0;
        CHECK(memintro_coredump_open_memory(&d, b.p, b.n, &o) == MEMINTRO_OK && d.format == MEMINTRO_COREDUMP_RAW &&
                  d.map.ranges[0].size == b.n,
              "raw: forcing raw on an ELF file");
        memintro_coredump_close(&d);
        o.format = MEMINTRO_COREDUMP_WINDOWS;
        CHECK(memintro_coredump_open_memory(&d, b.p, b.n, &o) == MEMINTRO_E_FORMAT && strstr(d.error, "not a windows"),
              "forcing windows on an ELF file: %s", d.error);
        memintro_coredump_close(&d);
        CHECK(memintro_coredump_open_memory(&d, img, 0, 0) == MEMINTRO_E_FORMAT && strstr(d.error, "empty"),
              "empty: %s", d.error);
        memintro_coredump_close(&d);
        memcpy(img, "QEVM", 4);
        CHECK(memintro_coredump_open_memory(&d, img, sizeof img, 0) == MEMINTRO_E_UNSUPPORTED &&
                  strstr(d.error, "migration"),
              "savevm stream: %s", d.error);
        memintro_coredump_close(&d);
    }
    mkb_free(&b);
    return check_done();
}
