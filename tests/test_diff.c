/* tests/test_diff.c: differential test of the paging walkers (synthetic, random data).
   For every mode (x86 32-bit with PSE / without / PSE-36, PAE, x86-64, LA57, AArch64 with
   4K/16K/64K granules and several va_bits, with and without the Windows transition
   opt-in) it builds random page tables in a 64 MiB image with memory-map holes: large
   pages, non-present and transition entries at every level, tables shared between
   entries and levels, entries pointing into holes, past the image or at garbage pages,
   random flag and ignored bits. Millions of random addresses (biased to mapped regions)
   are then translated in batches by memintro_translate (with and without a TLB, over a
   backend with direct access, the same without it, one with direct access to half of the
   memory, and a page cache, with small and large scratch, switching between two address
   spaces) and compared field by field with a naive one-address reference walker written
   below, one plain function per mode, sharing no code with memintro.h. Random virtual
   reads (batches of four, batches of one, memintro_virt_read1) are compared with bytes
   gathered through the reference walker, and so are guest-field reads (memintro_virt_read1
   of 1-8 bytes at and across page ends, each twice: TLB miss, then hit).
   MEMINTRO_TEST_SANITIZED (the ASan/UBSan build) scales the counts down. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

#ifdef MEMINTRO_TEST_SANITIZED
#define TREES 2
#define ADDRS_PER_TREE 10000
#define READS_PER_TREE 200
#define FIELDS_PER_TREE 3000
#else
#define TREES 3
#define ADDRS_PER_TREE 60000
#define READS_PER_TREE 1500
#define FIELDS_PER_TREE 20000
#endif

#define IMG_SIZE (64ull << 20)
static uint8_t mem[IMG_SIZE];

/* holes of the memory map (the image is backed elsewhere; everything past it is a hole) */
static const uint64_t holes[2][2] = {{8ull << 20, (8ull << 20) + 0x40000}, {40ull << 20, 41ull << 20}};

/* ---- the reference: plain code, one function per mode --------------------------------- */

typedef struct rres {
    memintro_status st;
    uint64_t pa, size;
    uint32_t flags, level;
} rres;

static int backed(uint64_t pa, uint64_t n)
{
    int i;
    if (pa + n < pa || pa + n > IMG_SIZE) return 0;
    for (i = 0; i < 2; i++)
        if (pa < holes[i][1] && pa + n > holes[i][0]) return 0;
    return 1;
}
static int rd32(uint64_t pa, uint64_t *v)
{
    if (!backed(pa, 4)) return 0;
    *v = (uint64_t)mem[pa] | (uint64_t)mem[pa + 1] << 8 | (uint64_t)mem[pa + 2] << 16 | (uint64_t)mem[pa + 3] << 24;
    return 1;
}
static int rd64(uint64_t pa, uint64_t *v)
{
    uint64_t lo, hi;
    if (!backed(pa, 8)) return 0;
    rd32(pa, &lo);
    rd32(pa + 4, &hi);
    *v = lo | hi << 32;
    return 1;
}
static uint64_t bits_below(unsigned n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }
static rres bad(memintro_status st, uint32_t level)
{
    rres r;
    r.st = st; r.pa = 0; r.size = 0; r.flags = 0; r.level = level;
    return r;
}
static rres good(uint64_t pa, uint64_t size, int w, int u, int nx, int tr, uint32_t level)
{
    rres r;
    r.st = MEMINTRO_OK; r.pa = pa; r.size = size; r.level = level;
    r.flags = (w ? MEMINTRO_PAGE_WRITABLE : 0) | (u ? MEMINTRO_PAGE_USER : 0) | (nx ? MEMINTRO_PAGE_NX : 0) |
              (tr ? MEMINTRO_PAGE_TRANSITION : 0);
    return r;
}
/* x86 present bit, or a Windows transition entry when opted in (*tr set). */
static int x86_present(uint64_t e, int opt_in, int *tr)
{
    *tr = 0;
    if (e & 1) return 1;
    if (opt_in && (e & 0x800) && !(e & 0x400)) {
        *tr = 1;
        return 1;
    }
    return 0;
}

static rres ref_x86(const memintro_mmu_desc *d, uint64_t va)
{
    uint64_t pde, pte, pa;
    int trd, trt, w, u;
    int opt = (d->flags & MEMINTRO_MMU_WIN_TRANSITION) != 0;
    if (va > 0xffffffffull) return bad(MEMINTRO_E_NONCANONICAL, 0);
    if (!rd32((d->dtb & 0xfffff000ull) + ((va >> 22) & 0x3ff) * 4, &pde)) return bad(MEMINTRO_E_HOLE, 2);
    if (!x86_present(pde, opt, &trd)) return bad(MEMINTRO_E_UNMAPPED, 2);
    w = (pde & 2) != 0;
    u = (pde & 4) != 0;
    if (!trd && !(d->flags & MEMINTRO_MMU_NO_PSE) && (pde & 0x80)) {
        pa = pde & 0xffc00000ull;
        if (d->flags & MEMINTRO_MMU_PSE36) {
            pa |= ((pde >> 13) & 0xff) << 32;
            pa &= bits_below(d->pa_bits ? d->pa_bits : 40);
        }
        return good(pa | (va & 0x3fffff), 0x400000, w, u, 0, trd, 2);
    }
    if (!rd32((pde & 0xfffff000ull) + ((va >> 12) & 0x3ff) * 4, &pte)) return bad(MEMINTRO_E_HOLE, 1);
    if (!x86_present(pte, opt, &trt)) return bad(MEMINTRO_E_UNMAPPED, 1);
    w = w && (pte & 2);
    u = u && (pte & 4);
    return good((pte & 0xfffff000ull) | (va & 0xfff), 0x1000, w, u, 0, trd || trt, 1);
}

static rres ref_pae(const memintro_mmu_desc *d, uint64_t va)
{
    uint64_t e3, e2, e1, m = bits_below(d->pa_bits ? d->pa_bits : 52);
    int tr3, tr2, tr1, w, u, nx;
    int opt = (d->flags & MEMINTRO_MMU_WIN_TRANSITION) != 0;
    if (va >> 32) return bad(MEMINTRO_E_NONCANONICAL, 0);
    if (!rd64((d->dtb & 0xffffffe0ull) + ((va >> 30) & 3) * 8, &e3)) return bad(MEMINTRO_E_HOLE, 3);
    if (!x86_present(e3, opt, &tr3)) return bad(MEMINTRO_E_UNMAPPED, 3);
    /* a PDPTE has no R/W, U/S or XD bits, and no page size bit */
    if (!rd64((e3 & m & ~0xfffull) + ((va >> 21) & 511) * 8, &e2)) return bad(MEMINTRO_E_HOLE, 2);
    if (!x86_present(e2, opt, &tr2)) return bad(MEMINTRO_E_UNMAPPED, 2);
    w = (e2 & 2) != 0;
    u = (e2 & 4) != 0;
    nx = (int)(e2 >> 63);
    if (!tr2 && (e2 & 0x80)) return good((e2 & m & ~0x1fffffull) | (va & 0x1fffff), 0x200000, w, u, nx, tr3, 2);
    if (!rd64((e2 & m & ~0xfffull) + ((va >> 12) & 511) * 8, &e1)) return bad(MEMINTRO_E_HOLE, 1);
    if (!x86_present(e1, opt, &tr1)) return bad(MEMINTRO_E_UNMAPPED, 1);
    w = w && (e1 & 2);
    u = u && (e1 & 4);
    nx = nx || (e1 >> 63);
    return good((e1 & m & ~0xfffull) | (va & 0xfff), 0x1000, w, u, nx, tr3 || tr2 || tr1, 1);
}

static rres ref_x64(const memintro_mmu_desc *d, uint64_t va, int la57)
{
    uint64_t t = d->dtb & 0x000ffffffffff000ull, e, m = bits_below(d->pa_bits ? d->pa_bits : 52);
    int tr, any_tr = 0, w = 1, u = 1, nx = 0;
    int opt = (d->flags & MEMINTRO_MMU_WIN_TRANSITION) != 0;
    if (la57) {
        if ((va >> 56) != 0 && (va >> 56) != 0xff) return bad(MEMINTRO_E_NONCANONICAL, 0);
        if (!rd64(t + ((va >> 48) & 511) * 8, &e)) return bad(MEMINTRO_E_HOLE, 5);
        if (!x86_present(e, opt, &tr)) return bad(MEMINTRO_E_UNMAPPED, 5);
        any_tr |= tr; w = w && (e & 2); u = u && (e & 4); nx = nx || (e >> 63);
        t = e & m & ~0xfffull;
    } else if ((va >> 47) != 0 && (va >> 47) != 0x1ffff) {
        return bad(MEMINTRO_E_NONCANONICAL, 0);
    }
    /* PML4 */
    if (!rd64(t + ((va >> 39) & 511) * 8, &e)) return bad(MEMINTRO_E_HOLE, 4);
    if (!x86_present(e, opt, &tr)) return bad(MEMINTRO_E_UNMAPPED, 4);
    any_tr |= tr; w = w && (e & 2); u = u && (e & 4); nx = nx || (e >> 63);
    t = e & m & ~0xfffull;
    /* PDPT: 1 GiB pages */
    if (!rd64(t + ((va >> 30) & 511) * 8, &e)) return bad(MEMINTRO_E_HOLE, 3);
    if (!x86_present(e, opt, &tr)) return bad(MEMINTRO_E_UNMAPPED, 3);
    any_tr |= tr; w = w && (e & 2); u = u && (e & 4); nx = nx || (e >> 63);
    if (!tr && (e & 0x80)) return good((e & m & ~0x3fffffffull) | (va & 0x3fffffff), 0x40000000, w, u, nx, any_tr, 3);
    t = e & m & ~0xfffull;
    /* PD: 2 MiB pages */
    if (!rd64(t + ((va >> 21) & 511) * 8, &e)) return bad(MEMINTRO_E_HOLE, 2);
    if (!x86_present(e, opt, &tr)) return bad(MEMINTRO_E_UNMAPPED, 2);
    any_tr |= tr; w = w && (e & 2); u = u && (e & 4); nx = nx || (e >> 63);
    if (!tr && (e & 0x80)) return good((e & m & ~0x1fffffull) | (va & 0x1fffff), 0x200000, w, u, nx, any_tr, 2);
    t = e & m & ~0xfffull;
    /* PT */
    if (!rd64(t + ((va >> 12) & 511) * 8, &e)) return bad(MEMINTRO_E_HOLE, 1);
    if (!x86_present(e, opt, &tr)) return bad(MEMINTRO_E_UNMAPPED, 1);
    any_tr |= tr; w = w && (e & 2); u = u && (e & 4); nx = nx || (e >> 63);
    return good((e & m & ~0xfffull) | (va & 0xfff), 0x1000, w, u, nx, any_tr, 1);
}

/* AArch64 stage 1, EL1&0: lookup level names L0..L3; result levels count from L3 = 1. */
static rres ref_a64(const memintro_mmu_desc *d, uint64_t va)
{
    unsigned g = d->granule ? d->granule : 4096, vb = d->va_bits ? d->va_bits : 48, start, L;
    uint64_t m = bits_below(d->pa_bits ? d->pa_bits : 48), top = va >> vb, t, e;
    int ro = 0, noel0 = 0, uxn = 0, pxn = 0;
    /* where the walk starts */
    if (g == 4096) start = vb > 39 ? 0 : vb > 30 ? 1 : 2;
    else if (g == 16384) start = vb > 47 ? 0 : vb > 36 ? 1 : vb > 25 ? 2 : 3;
    else start = vb > 42 ? 1 : vb > 29 ? 2 : 3;
    if (top == 0) t = d->dtb;
    else if (top == bits_below(64 - vb)) {
        if (!d->dtb_upper) return bad(MEMINTRO_E_UNMAPPED, 4 - start);
        t = d->dtb_upper;
    } else {
        return bad(MEMINTRO_E_NONCANONICAL, 0);
    }
    t &= 0x0000fffffffffffeull; /* drop the ASID and CnP */
    for (L = start; L <= 3; L++) {
        unsigned shift, nbits;
        uint64_t size;
        if (g == 4096) shift = L == 0 ? 39 : L == 1 ? 30 : L == 2 ? 21 : 12;
        else if (g == 16384) shift = L == 0 ? 47 : L == 1 ? 36 : L == 2 ? 25 : 14;
        else shift = L == 1 ? 42 : L == 2 ? 29 : 16;
        nbits = L == start ? vb - shift : (g == 4096 ? 9 : g == 16384 ? 11 : 13);
        size = 1ull << shift;
        if (!rd64(t + ((va >> shift) & bits_below(nbits)) * 8, &e)) return bad(MEMINTRO_E_HOLE, 4 - L);
        if (!(e & 1)) return bad(MEMINTRO_E_UNMAPPED, 4 - L);
        if (L < 3 && (e & 2)) { /* table */
            ro |= (e >> 62) & 1;
            noel0 |= (e >> 61) & 1;
            uxn |= (e >> 60) & 1;
            pxn |= (e >> 59) & 1;
            t = e & m & ~(uint64_t)(g - 1);
            continue;
        }
        if (L == 3 && !(e & 2)) return bad(MEMINTRO_E_UNMAPPED, 1); /* 01 at L3 is reserved */
        if (L < 3) { /* a block: L1 and L2 with 4K, L2 only with 16K and 64K */
            int ok = g == 4096 ? (L == 1 || L == 2) : L == 2;
            if (!ok) return bad(MEMINTRO_E_UNMAPPED, 4 - L);
        }
        ro |= (e >> 7) & 1;
        {
            int user = !noel0 && ((e >> 6) & 1);
            int x = user ? (uxn || ((e >> 54) & 1)) : (pxn || ((e >> 53) & 1));
            return good((e & m & ~(size - 1)) | (va & (size - 1)), size, !ro, user, x, 0, 4 - L);
        }
    }
    return bad(MEMINTRO_E_UNMAPPED, 1); /* not reached */
}

static rres ref(const memintro_mmu_desc *d, uint64_t va)
{
    switch (d->arch) {
    case MEMINTRO_ARCH_X86: return ref_x86(d, va);
    case MEMINTRO_ARCH_X86_PAE: return ref_pae(d, va);
    case MEMINTRO_ARCH_X86_64: return ref_x64(d, va, 0);
    case MEMINTRO_ARCH_X86_64_LA57: return ref_x64(d, va, 1);
    default: return ref_a64(d, va);
    }
}

/* ---- random page tables --------------------------------------------------------------- */

typedef struct cfg {
    const char *name;
    memintro_arch arch;
    uint32_t flags, granule, va_bits, pa_bits;
} cfg;

static const cfg cfgs[] = {
    {"x86 PSE", MEMINTRO_ARCH_X86, 0, 0, 0, 0},
    {"x86 no PSE", MEMINTRO_ARCH_X86, MEMINTRO_MMU_NO_PSE, 0, 0, 0},
    {"x86 PSE-36", MEMINTRO_ARCH_X86, MEMINTRO_MMU_PSE36, 0, 0, 0},
    {"x86 PSE-36 36-bit, transition", MEMINTRO_ARCH_X86, MEMINTRO_MMU_PSE36 | MEMINTRO_MMU_WIN_TRANSITION, 0, 0, 36},
    {"PAE", MEMINTRO_ARCH_X86_PAE, 0, 0, 0, 0},
    {"PAE transition", MEMINTRO_ARCH_X86_PAE, MEMINTRO_MMU_WIN_TRANSITION, 0, 0, 0},
    {"x86-64", MEMINTRO_ARCH_X86_64, 0, 0, 0, 0},
    {"x86-64 46-bit PA, transition", MEMINTRO_ARCH_X86_64, MEMINTRO_MMU_WIN_TRANSITION, 0, 0, 46},
    {"LA57", MEMINTRO_ARCH_X86_64_LA57, 0, 0, 0, 0},
    {"LA57 transition", MEMINTRO_ARCH_X86_64_LA57, MEMINTRO_MMU_WIN_TRANSITION, 0, 0, 0},
    {"AArch64 4K/48", MEMINTRO_ARCH_AARCH64, 0, 4096, 48, 0},
    {"AArch64 4K/39", MEMINTRO_ARCH_AARCH64, 0, 4096, 39, 0},
    {"AArch64 4K/42 40-bit PA", MEMINTRO_ARCH_AARCH64, 0, 4096, 42, 40},
    {"AArch64 4K/25", MEMINTRO_ARCH_AARCH64, 0, 4096, 25, 0},
    {"AArch64 16K/48", MEMINTRO_ARCH_AARCH64, 0, 16384, 48, 0},
    {"AArch64 16K/47", MEMINTRO_ARCH_AARCH64, 0, 16384, 47, 0},
    {"AArch64 16K/36", MEMINTRO_ARCH_AARCH64, 0, 16384, 36, 0},
    {"AArch64 64K/48", MEMINTRO_ARCH_AARCH64, 0, 65536, 48, 0},
    {"AArch64 64K/42", MEMINTRO_ARCH_AARCH64, 0, 65536, 42, 0},
    {"AArch64 64K/25 (one level)", MEMINTRO_ARCH_AARCH64, 0, 65536, 25, 0},
    {"AArch64 16K/25 (one level)", MEMINTRO_ARCH_AARCH64, 0, 16384, 25, 0},
};

/* Level geometry for the generator (top first). The generator may be table-driven; the
   reference above is not. */
typedef struct geo {
    unsigned n, shift[5], bits[5], esize, gran;
    int large[5];
} geo;

static geo geometry(const cfg *c)
{
    geo g;
    unsigned i;
    memset(&g, 0, sizeof g);
    g.esize = 8;
    g.gran = 4096;
    switch (c->arch) {
    case MEMINTRO_ARCH_X86:
        g.n = 2; g.esize = 4;
        g.shift[0] = 22; g.bits[0] = 10; g.large[0] = !(c->flags & MEMINTRO_MMU_NO_PSE);
        g.shift[1] = 12; g.bits[1] = 10;
        break;
    case MEMINTRO_ARCH_X86_PAE:
        g.n = 3;
        g.shift[0] = 30; g.bits[0] = 2;
        g.shift[1] = 21; g.bits[1] = 9; g.large[1] = 1;
        g.shift[2] = 12; g.bits[2] = 9;
        break;
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57:
        g.n = c->arch == MEMINTRO_ARCH_X86_64 ? 4 : 5;
        for (i = 0; i < g.n; i++) {
            g.shift[i] = 12 + 9 * (g.n - 1 - i);
            g.bits[i] = 9;
            g.large[i] = g.shift[i] == 30 || g.shift[i] == 21;
        }
        break;
    default: {
        unsigned gs = c->granule == 4096 ? 12 : c->granule == 16384 ? 14 : 16, per = gs - 3;
        g.gran = c->granule;
        g.n = (c->va_bits - gs + per - 1) / per;
        for (i = 0; i < g.n; i++) {
            unsigned from_leaf = g.n - 1 - i;
            g.shift[i] = gs + from_leaf * per;
            g.bits[i] = i == 0 ? c->va_bits - g.shift[i] : per;
            g.large[i] = from_leaf == 1 || (from_leaf == 2 && gs == 12);
        }
        break;
    }
    }
    return g;
}

#define MAXREG 60000
#define MAXTAB 4096
typedef struct gen {
    const cfg *c;
    geo g;
    trng *r;
    uint64_t next;          /* table allocator */
    uint64_t tables[MAXTAB];
    int ntables, budget;
    uint64_t reg_va[2][MAXREG], reg_size[2][MAXREG];
    int nreg[2];
} gen;
static gen G;

static int in_hole(uint64_t a, uint64_t n)
{
    int i;
    for (i = 0; i < 2; i++)
        if (a < holes[i][1] && a + n > holes[i][0]) return 1;
    return 0;
}

static uint64_t alloc_table(gen *g)
{
    uint64_t a;
    for (;;) {
        a = (g->next + g->g.gran - 1) & ~(uint64_t)(g->g.gran - 1);
        if (a + g->g.gran > IMG_SIZE) return ~0ull;
        if (!in_hole(a, g->g.gran)) break;
        g->next = a + g->g.gran;
    }
    g->next = a + g->g.gran;
    memset(mem + a, 0, g->g.gran);
    if (g->ntables < MAXTAB) g->tables[g->ntables++] = a;
    g->budget--;
    return a;
}

static void put_entry(const gen *g, uint64_t a, uint64_t e)
{
    if (g->g.esize == 4) t_put8(mem + a, e, 4);
    else t_put8(mem + a, e, 8);
}

static uint64_t rnd_frame(gen *g, uint64_t align)
{
    uint64_t r = trng_below(g->r, 100), a;
    if (r < 70) a = trng_below(g->r, IMG_SIZE);                  /* inside the image (maybe a hole) */
    else if (r < 80) a = holes[trng_below(g->r, 2)][0] + trng_below(g->r, 0x40000); /* a hole */
    else if (r < 90) a = 0;                                      /* the image's start: large pages */
    else a = trng_next(g->r);                                    /* anywhere, bits past pa_bits too */
    return a & ~(align - 1);
}

/* x86 attribute bits: W, U, accessed/dirty/global/software bits, XD and ignored high bits */
static uint64_t x86_attrs(gen *g, int large)
{
    uint64_t e = 0;
    if (trng_below(g->r, 10) < 7) e |= 2;
    if (trng_below(g->r, 10) < 6) e |= 4;
    e |= trng_next(g->r) & 0xe78; /* PWT PCD A D G and software bits 9-11 (not P/W/U/PS) */
    e &= ~(uint64_t)0x80;
    if (large) e |= 0x80;
    if (g->g.esize == 8) {
        if (trng_below(g->r, 10) < 3) e |= 1ull << 63;
        if (trng_below(g->r, 10) < 2) e |= trng_next(g->r) & 0x7ff0000000000000ull;
    }
    return e;
}
static uint64_t a64_attrs(gen *g, int table)
{
    uint64_t e = 0;
    if (table) {
        if (trng_below(g->r, 4) == 0) e |= 1ull << 62;
        if (trng_below(g->r, 4) == 0) e |= 1ull << 61;
        if (trng_below(g->r, 4) == 0) e |= 1ull << 60;
        if (trng_below(g->r, 4) == 0) e |= 1ull << 59;
        if (trng_below(g->r, 4) == 0) e |= 1ull << 63; /* NSTable: ignored */
    } else {
        e |= trng_next(g->r) & 0x7fcull;                  /* AttrIndx, NS, AP[2:1], SH, AF */
        e |= trng_next(g->r) & 0x7fe0000000000000ull;     /* PXN UXN software PBHA (bits 53-62) */
        if (trng_below(g->r, 3) == 0) e &= ~(3ull << 53);
    }
    return e;
}

static void record(gen *g, int half, uint64_t va, uint64_t size)
{
    if (g->nreg[half] < MAXREG) {
        g->reg_va[half][g->nreg[half]] = va;
        g->reg_size[half][g->nreg[half]] = size;
        g->nreg[half]++;
    }
}

/* Sign-extends or places in the upper half as the mode wants. */
static uint64_t finish_va(const gen *g, uint64_t va, int upper)
{
    const cfg *c = g->c;
    if (c->arch == MEMINTRO_ARCH_X86_64 && (va >> 47 & 1)) return va | 0xffff000000000000ull;
    if (c->arch == MEMINTRO_ARCH_X86_64_LA57 && (va >> 56 & 1)) return va | 0xff00000000000000ull;
    if (c->arch == MEMINTRO_ARCH_AARCH64 && upper) return va | ~bits_below(c->va_bits);
    return va;
}

static void gen_table(gen *g, uint64_t t, unsigned li, uint64_t prefix, int upper, int space)
{
    unsigned nent = 1u << g->g.bits[li], k, picks;
    int last = li + 1 == g->g.n;
    uint64_t shift = g->g.shift[li];
    int a64 = g->c->arch == MEMINTRO_ARCH_AARCH64;
    picks = nent <= 16 ? nent : li == 0 ? 24 + (unsigned)trng_below(g->r, 24) : 3 + (unsigned)trng_below(g->r, 10);
    for (k = 0; k < picks; k++) {
        unsigned idx = nent <= 16 ? k : (unsigned)trng_below(g->r, nent);
        uint64_t va = prefix | (uint64_t)idx << shift, ea = t + (uint64_t)idx * g->g.esize, e = 0;
        unsigned kind = (unsigned)trng_below(g->r, 100);
        if (nent <= 16 && trng_below(g->r, 4) == 0) continue;
        record(g, space, finish_va(g, va, upper), 1ull << shift);
        if (last) {
            if (kind < 75) { /* a page */
                e = rnd_frame(g, g->g.gran) | (trng_next(g->r) & (g->g.gran - 1) & ~0xfffull);
                e |= a64 ? 3 | a64_attrs(g, 0) : 1 | x86_attrs(g, 0) | (trng_below(g->r, 2) ? 0x80 : 0);
            } else if (kind < 85 && a64) {
                e = rnd_frame(g, g->g.gran) | 1 | a64_attrs(g, 0); /* 01 at the last level */
            } else { /* not present, maybe a transition or prototype entry */
                e = trng_next(g->r) & ~1ull;
                if (!a64 && kind < 95) e = (e & ~0x400ull) | 0x800;
                if (g->g.esize == 4) e &= 0xffffffffull;
            }
            put_entry(g, ea, e);
            continue;
        }
        if (kind < 40 && g->budget > 0) { /* a new table, present or (x86) transition */
            uint64_t nt = alloc_table(g);
            if (nt == ~0ull) continue;
            e = nt | (a64 ? 3 | a64_attrs(g, 1) : 1 | x86_attrs(g, 0));
            if (!a64 && trng_below(g->r, 8) == 0) e = (e & ~0x401ull) | 0x800 | (trng_below(g->r, 2) ? 0x80 : 0);
            put_entry(g, ea, e);
            gen_table(g, nt, li + 1, va, upper, space);
            continue;
        }
        if (kind < 55 && g->ntables) { /* an existing table of any level (sharing, loops) */
            e = g->tables[trng_below(g->r, (uint64_t)g->ntables)];
        } else if (kind < 62) { /* a garbage page */
            e = trng_below(g->r, IMG_SIZE) & ~(uint64_t)(g->g.gran - 1);
        } else if (kind < 68) { /* a table in a hole or past the image */
            uint64_t how = trng_below(g->r, 3);
            e = how == 0 ? holes[trng_below(g->r, 2)][0] : how == 1 ? IMG_SIZE + trng_below(g->r, 1ull << 30) : ~0ull;
            e &= ~(uint64_t)(g->g.gran - 1); /* ~0: the last table of the physical space (after masking) */
        } else if (kind < 85) { /* a large page or block where allowed (else whatever it means) */
            uint64_t sz = 1ull << shift;
            e = rnd_frame(g, sz > (1ull << 30) ? (1ull << 30) : sz) | (trng_next(g->r) & (sz - 1) & ~0xfffull);
            if (g->g.esize == 4) e &= 0xffffffffull;
            e |= a64 ? 1 | a64_attrs(g, 0) : 1 | x86_attrs(g, 1);
            put_entry(g, ea, e);
            continue;
        } else { /* not present */
            e = trng_next(g->r) & ~1ull;
            if (!a64 && kind < 93) e = (e & ~0x400ull) | 0x800;
            if (g->g.esize == 4) e &= 0xffffffffull;
            put_entry(g, ea, e);
            continue;
        }
        if (g->g.esize == 4) e &= 0xfffff000ull;
        e |= a64 ? 3 | a64_attrs(g, 1) : 1 | x86_attrs(g, 0);
        if (!a64 && trng_below(g->r, 6) == 0) e = (e & ~0x401ull) | 0x800;
        put_entry(g, ea, e);
    }
}

/* A root table; for small top tables a random aligned slot inside a garbage-filled page. */
static uint64_t gen_root(gen *g, int upper, int space)
{
    uint64_t page = alloc_table(g), bytes = (uint64_t)g->g.esize << g->g.bits[0], root, i;
    if (page == ~0ull) return 0;
    if (bytes < g->g.gran) {
        uint64_t align = g->c->arch == MEMINTRO_ARCH_X86_PAE ? 32 : bytes < 64 ? 64 : bytes;
        for (i = 0; i < g->g.gran; i++) mem[page + i] = (uint8_t)trng_next(g->r);
        root = page + trng_below(g->r, g->g.gran / align) * align;
        memset(mem + root, 0, bytes);
    } else {
        root = page;
    }
    gen_table(g, root, 0, 0, upper, space);
    return root;
}

/* ---- the comparison ------------------------------------------------------------------- */

static uint64_t sample_va(gen *g, int space)
{
    uint64_t r = trng_below(g->r, 100), va;
    const cfg *c = g->c;
    if (r < 75 && g->nreg[space]) {
        int i = (int)trng_below(g->r, (uint64_t)g->nreg[space]);
        return g->reg_va[space][i] + (trng_next(g->r) & (g->reg_size[space][i] - 1));
    }
    if (r < 90) {
        va = trng_next(g->r);
        switch (c->arch) {
        case MEMINTRO_ARCH_X86:
        case MEMINTRO_ARCH_X86_PAE: return va & 0xffffffffull;
        case MEMINTRO_ARCH_X86_64: return finish_va(g, va & bits_below(48), 0);
        case MEMINTRO_ARCH_X86_64_LA57: return finish_va(g, va & bits_below(57), 0);
        default: return finish_va(g, va & bits_below(c->va_bits), (int)(va >> 63));
        }
    }
    return trng_next(g->r); /* usually not canonical */
}

static int same(const memintro_xlate *x, const rres *e)
{
    if (x->status != e->st) return 0;
    if (e->st == MEMINTRO_OK)
        return x->pa == e->pa && x->page_size == e->size && x->flags == e->flags && x->level == e->level;
    if (e->st == MEMINTRO_E_NONCANONICAL) return 1;
    return x->level == e->level;
}

static memintro_buffer BUF;
static memintro_buffer NODIRECT; /* BUF without direct access: the batched walker and reads */

/* BUF with direct access to only part of its memory: tables and data in the other part are
   read by ops (walks and reads that switch between the two paths midway). */
static memintro_phys PARTIAL;
static int partial_direct_at(uint64_t pa) { return !((pa >> 22) & 1); } /* every other 4 MiB */
static memintro_status partial_read(memintro_phys *self, memintro_op *ops, size_t n)
{
    (void)self;
    return memintro_phys_read(&BUF.phys, ops, n);
}
static const void *partial_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    const void *h;
    uint64_t to_edge = (((addr >> 22) + 1) << 22) - addr;
    (void)self;
    if (!partial_direct_at(addr)) return NULL;
    h = memintro_phys_direct(&BUF.phys, addr, avail);
    if (h && *avail > to_edge) *avail = to_edge;
    return h;
}
static memintro_range ST[4];
static memintro_memmap MAP;
#define NVIRT 16
static uint8_t scratch_small[NVIRT][4096], scratch_large[NVIRT][1 << 18];
static uint8_t cache_mem[64 * (4096 + 64) + 64]; /* 64 lines */
static memintro_xlate X[3000];
static rres E[3000];

/* Expected bytes of a virtual read, through the reference walker. */
static void ref_read(const memintro_mmu_desc *d, uint64_t va, size_t len, uint8_t *out, size_t *missing, int *why)
{
    uint64_t gran = d->arch == MEMINTRO_ARCH_AARCH64 ? (d->granule ? d->granule : 4096) : 4096, off = 0;
    *missing = 0;
    *why = 0;
    while (off < len) {
        uint64_t a = va + off, n = gran - (a & (gran - 1)), i;
        rres t;
        if (n > len - off) n = len - off;
        if (a < va) { /* ran past 2^64 */
            memset(out + off, 0, (size_t)(len - off));
            *missing += (size_t)(len - off);
            *why |= 1 << MEMINTRO_E_NONCANONICAL;
            break;
        }
        t = ref(d, a);
        if (t.st != MEMINTRO_OK) {
            memset(out + off, 0, (size_t)n);
            *missing += (size_t)n;
            *why |= 1 << t.st;
        } else {
            for (i = 0; i < n; i++) {
                if (backed(t.pa + i, 1)) out[off + i] = mem[t.pa + i];
                else {
                    out[off + i] = 0;
                    (*missing)++;
                    *why |= 1 << MEMINTRO_E_HOLE;
                }
            }
        }
        off += n;
    }
}

static void run_cfg(const cfg *c, uint64_t seed)
{
    trng r;
    int tree, v;
    unsigned long compared = 0, mismatches = 0, reads = 0, read_bad = 0, batches = 0;
    unsigned long fields = 0, field_bad = 0, field_cross = 0, field_fail = 0;
    unsigned long count[MEMINTRO_STATUS_COUNT], large = 0;
    memintro_virt virt[NVIRT];
    memintro_tlb tlb;
    static memintro_tlb_entry te[512];
    memintro_cache cache;
    memintro_mmu_desc d[2];
    trng rs; /* the translators' scratch sizes: the tables and addresses do not depend on them */
    memset(count, 0, sizeof count);
    trng_seed(&r, seed);
    trng_seed(&rs, seed + 77);
    memintro_tlb_init(&tlb, te, 512);
    memintro_cache_init(&cache, &BUF.phys, cache_mem, sizeof cache_mem, MEMINTRO_CACHE_TABLES);
    for (tree = 0; tree < TREES; tree++) {
        int s, k;
        G.ntables = 0;
        G.nreg[0] = G.nreg[1] = 0;
        G.c = c;
        G.g = geometry(c);
        G.r = &r;
        G.next = 0x100000 + trng_below(&r, 64) * 0x10000;
        G.budget = G.g.gran == 4096 ? 1500 : G.g.gran == 16384 ? 500 : 150;
        /* two address spaces (for AArch64: TTBR0 and TTBR1 each, or no TTBR1) */
        for (s = 0; s < 2; s++) {
            memset(&d[s], 0, sizeof d[s]);
            d[s].arch = c->arch;
            d[s].flags = c->flags;
            d[s].granule = c->granule;
            d[s].va_bits = c->va_bits;
            d[s].pa_bits = c->pa_bits;
            d[s].dtb = gen_root(&G, 0, s);
            if (c->arch == MEMINTRO_ARCH_AARCH64) {
                d[s].dtb_upper = trng_below(&r, 4) ? gen_root(&G, 1, s) : 0;
                d[s].dtb |= trng_below(&r, 1 << 16) << 48 | trng_below(&r, 2);
                if (d[s].dtb_upper) d[s].dtb_upper |= trng_below(&r, 1 << 16) << 48;
            } else if (c->arch == MEMINTRO_ARCH_X86_64 || c->arch == MEMINTRO_ARCH_X86_64_LA57) {
                d[s].dtb |= trng_below(&r, 4096) | (trng_below(&r, 2) << 63); /* PCID, no-flush */
            }
        }
        memintro_tlb_flush(&tlb);
        memintro_cache_invalidate(&cache);
        /* sixteen translators: {no TLB, TLB} x {direct access, no direct access, page cache,
           direct access to half the memory} x {small, large scratch} */
        for (v = 0; v < NVIRT; v++) {
            int kind = (v >> 1) % 4, large = v >= 8;
            memintro_phys *p = kind == 0 ? &BUF.phys : kind == 1 ? &NODIRECT.phys : kind == 2 ? &cache.phys : &PARTIAL;
            size_t ss = large ? sizeof scratch_large[v] : memintro_virt_scratch_size(1 + (size_t)trng_below(&rs, 7));
            memintro_status st = memintro_virt_init(&virt[v], p, &d[0], large ? scratch_large[v] : scratch_small[v], ss);
            if (st != MEMINTRO_OK) {
                CHECK(0, "%s: virt_init failed: %s (%s)", c->name, memintro_status_str(st), memintro_mmu_check(&d[0]));
                return;
            }
            if (v & 1) memintro_virt_set_tlb(&virt[v], &tlb);
        }
        /* translations */
        for (k = 0; k < ADDRS_PER_TREE;) {
            size_t n = 1 + (size_t)trng_below(&r, trng_below(&r, 4) ? 64 : 3000), i;
            memintro_virt *vv = &virt[batches % NVIRT];
            if (n > (size_t)(ADDRS_PER_TREE - k)) n = (size_t)(ADDRS_PER_TREE - k);
            s = (int)trng_below(&r, 2);
            memintro_virt_set_dtb(vv, d[s].dtb, d[s].dtb_upper);
            for (i = 0; i < n; i++) {
                X[i].va = sample_va(&G, s);
                E[i] = ref(&d[s], X[i].va);
            }
            memintro_translate(vv, X, n);
            for (i = 0; i < n; i++) {
                compared++;
                count[E[i].st < MEMINTRO_STATUS_COUNT ? E[i].st : 0]++;
                if (E[i].st == MEMINTRO_OK && E[i].size > G.g.gran) large++;
                if (!same(&X[i], &E[i])) {
                    if (mismatches++ < 5)
                        printf("# %s: va 0x%llx: got %s pa 0x%llx size 0x%llx flags 0x%x level %u; reference %s pa 0x%llx "
                               "size 0x%llx flags 0x%x level %u (translator %lu)\n",
                               c->name, (unsigned long long)X[i].va, memintro_status_str(X[i].status),
                               (unsigned long long)X[i].pa, (unsigned long long)X[i].page_size, X[i].flags, X[i].level,
                               memintro_status_str(E[i].st), (unsigned long long)E[i].pa, (unsigned long long)E[i].size,
                               E[i].flags, E[i].level, batches % NVIRT);
                }
            }
            k += (int)n;
            batches++;
        }
        /* virtual reads of random ranges, several per batch */
        for (k = 0; k < READS_PER_TREE; k += 4) {
            static uint8_t got[4][3 * 65536 + 16], want[3 * 65536];
            memintro_op ops[4];
            int j;
            memintro_virt *vv = &virt[trng_below(&r, NVIRT)];
            int one = (k / 4) % 2; /* every other round: one op through memintro_virt_read1 */
            s = (int)trng_below(&r, 2);
            memintro_virt_set_dtb(vv, d[s].dtb, d[s].dtb_upper);
            for (j = 0; j < 4; j++) {
                ops[j].addr = sample_va(&G, s) - trng_below(&r, G.g.gran);
                ops[j].len = (size_t)trng_below(&r, trng_below(&r, 2) ? 64 : 3 * (uint64_t)G.g.gran);
                ops[j].buf = got[j];
                ops[j].flags = 0;
                memset(got[j], 0xa5, ops[j].len + 16);
            }
            if (one) { /* a batch of one, then the same through memintro_virt_read1 */
                static uint8_t again[3 * 65536 + 16];
                memintro_status st1;
                memintro_virt_read(vv, ops, 1);
                memset(again, 0x5a, ops[0].len);
                st1 = memintro_virt_read1(vv, ops[0].addr, again, ops[0].len);
                if ((st1 != ops[0].status || memcmp(again, got[0], ops[0].len) != 0) && read_bad++ < 5)
                    printf("# %s: virt_read1 0x%llx+%zu: %s, a batch of one said %s (or the bytes differ)\n", c->name,
                           (unsigned long long)ops[0].addr, ops[0].len, memintro_status_str(st1),
                           memintro_status_str(ops[0].status));
            } else {
                memintro_virt_read(vv, ops, 4);
            }
            for (j = 0; j < (one ? 1 : 4); j++) {
                size_t missing;
                int why, ok;
                ref_read(&d[s], ops[j].addr, ops[j].len, want, &missing, &why);
                ok = memcmp(got[j], want, ops[j].len) == 0 && got[j][ops[j].len] == 0xa5 && ops[j].missing == missing &&
                     (missing ? (ops[j].status != MEMINTRO_OK && ((why >> ops[j].status) & 1)) : ops[j].status == MEMINTRO_OK);
                reads++;
                if (!ok && read_bad++ < 5)
                    printf("# %s: read 0x%llx+%zu: got %s missing %zu, reference missing %zu reasons 0x%x\n", c->name,
                           (unsigned long long)ops[j].addr, ops[j].len, memintro_status_str(ops[j].status),
                           ops[j].missing, missing, why);
            }
        }
        /* guest fields: memintro_virt_read1 of 1, 2, 4 and 8 bytes (the sizes its fastest
           path copies), half of them ending at or crossing a page end, each read twice (a
           TLB miss and then a hit where a TLB is attached, a walk each time without), against
           the bytes and status the reference walker gives */
        for (k = 0; k < FIELDS_PER_TREE; k++) {
            static const size_t sizes[5] = {1, 2, 4, 8, 3};
            uint8_t got[24], want[16];
            size_t len = sizes[trng_below(&r, 5)], missing;
            int why, rep;
            memintro_virt *vv = &virt[trng_below(&r, NVIRT)];
            uint64_t va;
            s = (int)trng_below(&r, 2);
            memintro_virt_set_dtb(vv, d[s].dtb, d[s].dtb_upper);
            va = sample_va(&G, s);
            if (trng_below(&r, 2)) va = (va | (G.g.gran - 1)) - trng_below(&r, 9); /* the last 9 bytes of a page */
            ref_read(&d[s], va, len, want, &missing, &why);
            field_cross += (va & (G.g.gran - 1)) + len > G.g.gran;
            field_fail += missing != 0;
            for (rep = 0; rep < 2; rep++) {
                memintro_status st;
                int ok;
                memset(got, 0xa5, sizeof got);
                st = memintro_virt_read1(vv, va, got, len);
                ok = memcmp(got, want, len) == 0 && got[len] == 0xa5 &&
                     (missing ? st != MEMINTRO_OK && ((why >> st) & 1) : st == MEMINTRO_OK);
                fields++;
                if (!ok && field_bad++ < 5)
                    printf("# %s: field read 0x%llx+%zu (%s): %s, reference missing %zu reasons 0x%x\n", c->name,
                           (unsigned long long)va, len, rep ? "again" : "first", memintro_status_str(st), missing, why);
            }
        }
    }
    CHECK(field_bad == 0 && field_cross > 0 && field_fail > 0 && fields - 2 * field_fail > fields / 100,
          "%s: %lu field reads (1-8 bytes, %lu across a page end, %lu with bytes missing) match the reference", c->name,
          fields, field_cross * 2, field_fail * 2);
    CHECK(mismatches == 0, "%s: %lu translations in %lu batches match the reference (%lu mismatches; ok %lu, not mapped %lu, "
          "hole %lu, non-canonical %lu, large %lu)", c->name, compared, batches, mismatches, count[MEMINTRO_OK],
          count[MEMINTRO_E_UNMAPPED], count[MEMINTRO_E_HOLE], count[MEMINTRO_E_NONCANONICAL], large);
    {
        geo g = geometry(c);
        unsigned i, can_large = 0;
        for (i = 0; i < g.n; i++) can_large |= (unsigned)g.large[i];
        CHECK(count[MEMINTRO_OK] > compared / 10 && count[MEMINTRO_E_UNMAPPED] > compared / 100 &&
                  (count[MEMINTRO_E_HOLE] > 0 || g.n < 2) && (large > 0 || !can_large),
              "%s: the sample covers mapped, unmapped%s%s results", c->name, g.n < 2 ? "" : ", hole",
              can_large ? " and large-page" : "");
    }
    CHECK(read_bad == 0, "%s: %lu virtual reads match bytes gathered through the reference", c->name, reads);
}

int main(void)
{
    size_t i;
    trng r;
    trng_seed(&r, 2024);
    for (i = 0; i < IMG_SIZE; i += 8) t_put8(mem + i, trng_next(&r), 8); /* garbage everywhere */
    memintro_memmap_init(&MAP, ST, 4);
    memintro_memmap_add(&MAP, 0, holes[0][0], 0);
    memintro_memmap_add(&MAP, holes[0][1], holes[1][0] - holes[0][1], holes[0][1]);
    memintro_memmap_add(&MAP, holes[1][1], IMG_SIZE - holes[1][1], holes[1][1]);
    memintro_buffer_init(&BUF, mem, IMG_SIZE, &MAP, 0);
    NODIRECT = BUF;
    NODIRECT.phys.direct = NULL;
    PARTIAL.read = partial_read;
    PARTIAL.direct = partial_direct;
    for (i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) run_cfg(&cfgs[i], 1000 + i);
    return check_done();
}
