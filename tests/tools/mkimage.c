/* tests/tools/mkimage.c - writes sample guest-physical images with hand-built page tables.

   Synthetic test data, no VM involved. For every paging mode memintro walks (x86 32-bit,
   PAE, x86-64 4-level, LA57, AArch64 with 4/16/64 KiB granules) this program writes a raw
   guest-physical image whose page tables it built entry by entry, and a text manifest of
   what it built. The expected values in a manifest come from this program's own plan (the
   mappings it asked for and the architecture's rules for combining permissions), never
   from memintro, so a test that compares memintro's answers with a manifest checks the
   walker against an independent source. Each "not mapped at level N" claim is verified
   here against the tables before it is written down.

   Every 8-byte-aligned qword of the image holds its own guest-physical address
   (little-endian), except page tables (zero-filled when allocated) and the strings below:
   reading a qword back through a translation proves the bytes came from the right frame.

   Usage: mkimage DIR      writes DIR/NAME.img and DIR/NAME.txt for every mode
                           (NAME: x86 pae x86_64 la57 aarch64 aarch64-39 aarch64-16k aarch64-64k)

   Manifest lines (numbers in hex with 0x, sizes and levels in decimal):
     name NAME / arch ARCH / size BYTES / page BYTES / levels N
     dtb ADDR / ttbr1 ADDR / granule BYTES / va_bits N   (the last three: AArch64 only)
     opts OPTIONS...        memintro's paging options for this image
     ok VA PA SIZE W U X    VA translates to PA in a SIZE-byte page; W is rw|ro, U is
                            user|kernel, X is x|nx (memintro's documented words)
     unmapped VA LEVEL      the walk finds a non-present entry in the table LEVEL levels
                            above the leaf (1 = the last table)
     noncanonical VA        not a valid address in this mode
     badtable VA LEVEL      a table on the walk lies outside the image; LEVEL is that table's
     unbacked VA            VA is mapped to a frame outside the image; the 16 bytes before
                            VA are mapped and readable
     stamp VA PA            the qword at VA holds PA (it is a stamped data qword)
     string VA PA LEN TEXT  TEXT (LEN bytes, no newline) is stored at VA (first byte at PA)
     upper VA               (AArch64) an upper-half VA: without --ttbr1 it is not mapped at
                            level `levels` */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* requested permissions of a leaf */
#define P_W 0x1u   /* writable */
#define P_U 0x2u   /* user-accessible */
#define P_NX 0x4u  /* not executable */
#define P_PAT 0x8u /* x86 4 KiB leaf: set bit 7 (PAT, not a page-size bit at this level) */
/* restrictions placed on the table entry above a leaf's table */
#define T_RO 0x1u
#define T_KERNEL 0x2u
#define T_NX 0x4u

typedef struct mode {
    const char *name;
    const char *arch;     /* --arch value */
    int aarch64;
    int x86_32;           /* 32-bit paging: 4-byte entries, no NX */
    uint64_t granule;     /* smallest page */
    unsigned va_bits;
    unsigned esize;
    unsigned nlevels;
    unsigned shift[5];    /* VA bit of each level's index, top level first */
    unsigned bits[5];     /* index bits of each level */
    unsigned large;       /* bit l set: level l may hold a large page or block */
    uint64_t size;        /* image bytes */
    uint64_t root_off;    /* offset of the root table inside its page */
    const char *gran_opt; /* extra options (AArch64) */
} mode;

static const mode modes[] = {
    /* name, arch, a64, x86_32, granule, va_bits, esize, levels, shift, bits, large, size, root_off, opts */
    {"x86", "x86", 0, 1, 4096, 32, 4, 2, {22, 12}, {10, 10}, 0x1, 8 * MiB - 0x400, 0, ""},
    {"pae", "pae", 0, 0, 4096, 32, 8, 3, {30, 21, 12}, {2, 9, 9}, 0x2, 4 * MiB, 0x20, ""},
    {"x86_64", "x86_64", 0, 0, 4096, 48, 8, 4, {39, 30, 21, 12}, {9, 9, 9, 9}, 0x6, 18 * MiB, 0, ""},
    {"la57", "la57", 0, 0, 4096, 57, 8, 5, {48, 39, 30, 21, 12}, {9, 9, 9, 9, 9}, 0xc, 4 * MiB, 0, ""},
    {"aarch64", "aarch64", 1, 0, 4096, 48, 8, 4, {39, 30, 21, 12}, {9, 9, 9, 9}, 0x6, 4 * MiB, 0, ""},
    {"aarch64-39", "aarch64", 1, 0, 4096, 39, 8, 3, {30, 21, 12}, {9, 9, 9}, 0x3, 4 * MiB, 0,
     " --granule 4k --va-bits 39"},
    {"aarch64-16k", "aarch64", 1, 0, 16384, 48, 8, 4, {47, 36, 25, 14}, {1, 11, 11, 11}, 0x4, 4 * MiB, 0x40,
     " --granule 16k --va-bits 48"},
    {"aarch64-64k", "aarch64", 1, 0, 65536, 42, 8, 2, {29, 16}, {13, 13}, 0x1, 4 * MiB, 0,
     " --granule 64k --va-bits 42"},
};

#define DATA_START 0x300000ull /* data pages are allocated from here; tables below */

typedef struct mapping {
    uint64_t va, pa, size;
} mapping;

typedef struct gen {
    const mode *m;
    uint8_t *mem;
    uint64_t size;
    uint64_t tnext, tend; /* table area */
    uint64_t dnext;       /* next free data page */
    uint64_t root[2];     /* lower half, upper half (AArch64 TTBR1) */
    FILE *out;
    mapping map[64];
    int nmap;
    uint64_t str_pa[8], str_len[8];
    int nstr;
} gen;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mkimage: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

/* ---- raw entries ---- */

static uint64_t get_e(gen *g, uint64_t pa)
{
    uint64_t v = 0;
    unsigned i;
    if (pa + g->m->esize > g->size) die("%s: entry at 0x%llx outside the image", g->m->name, ull(pa));
    for (i = 0; i < g->m->esize; i++) v |= (uint64_t)g->mem[pa + i] << (8 * i);
    return v;
}

static void put_e(gen *g, uint64_t pa, uint64_t v)
{
    unsigned i;
    if (pa + g->m->esize > g->size) die("%s: entry at 0x%llx outside the image", g->m->name, ull(pa));
    if (g->m->esize == 4 && (v >> 32)) die("%s: 32-bit entry 0x%llx too wide", g->m->name, ull(v));
    for (i = 0; i < g->m->esize; i++) g->mem[pa + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t index_of(const mode *m, unsigned l, uint64_t va)
{
    return (va >> m->shift[l]) & ((1ull << m->bits[l]) - 1);
}

static uint64_t page_of_level(const mode *m, unsigned l)
{
    return 1ull << m->shift[l];
}

static uint64_t alloc_table(gen *g)
{
    uint64_t t = g->tnext;
    if (t + g->m->granule > g->tend) die("%s: out of table space", g->m->name);
    g->tnext += g->m->granule;
    memset(g->mem + t, 0, (size_t)g->m->granule);
    return t;
}

static uint64_t alloc_data(gen *g)
{
    uint64_t d = g->dnext;
    g->dnext += g->m->granule;
    if (g->dnext > g->size) die("%s: out of data pages", g->m->name);
    return d;
}

static int is_upper(const gen *g, uint64_t va)
{
    return g->m->aarch64 && (va >> 63);
}

/* ---- entry encodings (Intel SDM vol. 3A ch. 4; Arm ARM D8 translation table format) ---- */

/* Is e a pointer to a next-level table at level l? */
static int is_table(const gen *g, unsigned l, uint64_t e)
{
    const mode *m = g->m;
    if (l + 1 >= m->nlevels) return 0;
    if (m->aarch64) return (e & 3) == 3;
    if (!(e & 1)) return 0;
    if ((m->large >> l) & 1) return !(e & 0x80);
    return 1;
}

/* Would the walk treat e at level l as present (a table, a page or a block)? */
static int is_valid(const gen *g, unsigned l, uint64_t e)
{
    const mode *m = g->m;
    if (m->aarch64) {
        if (l + 1 == m->nlevels) return (e & 3) == 3;
        if ((e & 3) == 3) return 1;
        return (e & 3) == 1 && ((m->large >> l) & 1);
    }
    return (int)(e & 1);
}

static uint64_t table_addr(const gen *g, uint64_t e)
{
    const mode *m = g->m;
    if (m->x86_32) return e & 0xfffff000ull;
    if (m->aarch64) return e & 0x0000ffffffffffffull & ~(m->granule - 1);
    return e & 0x000ffffffffff000ull;
}

static uint64_t mk_table(const gen *g, unsigned l, uint64_t pa, unsigned tperm)
{
    const mode *m = g->m;
    if (m->aarch64) {
        uint64_t e = pa | 3;
        if (tperm & T_RO) e |= 1ull << 62;                     /* APTable[1]: no writes */
        if (tperm & T_KERNEL) e |= 1ull << 61;                 /* APTable[0]: no EL0 */
        if (tperm & T_NX) e |= (1ull << 60) | (1ull << 59);    /* UXNTable, PXNTable */
        return e;
    }
    if (!strcmp(m->name, "pae") && l == 0) {
        if (tperm) die("pae: a PDPTE carries no permission bits");
        return pa | 1; /* PDPTE: P only, R/W, U/S and XD are reserved */
    }
    if (m->x86_32 && (tperm & T_NX)) die("x86: 32-bit paging has no NX bit");
    return pa | 1 | ((tperm & T_RO) ? 0 : 2) | ((tperm & T_KERNEL) ? 0 : 4) | ((tperm & T_NX) ? 1ull << 63 : 0);
}

static uint64_t mk_leaf(const gen *g, unsigned l, uint64_t pa, unsigned perm)
{
    const mode *m = g->m;
    int last = l + 1 == m->nlevels;
    if (m->aarch64) {
        uint64_t e = pa | (last ? 3u : 1u) | (1u << 10) /* AF */ | (3u << 8) /* inner shareable */;
        if (!(perm & P_W)) e |= 1u << 7; /* AP[2]: read-only */
        if (perm & P_U) e |= 1u << 6;    /* AP[1]: EL0 access */
        if (perm & P_NX)
            e |= (1ull << 54) | (1ull << 53); /* UXN, PXN */
        else if (perm & P_U)
            e |= 1ull << 53; /* user code: the kernel may not execute it */
        else
            e |= 1ull << 54; /* kernel code: EL0 may not execute it */
        return e;
    }
    {
        uint64_t e = pa | 1 | ((perm & P_W) ? 2 : 0) | ((perm & P_U) ? 4 : 0);
        if (!last) e |= 0x80; /* PS */
        if (last && (perm & P_PAT)) e |= 0x80;
        if (!m->x86_32 && (perm & P_NX)) e |= 1ull << 63;
        return e;
    }
}

/* The flags the walk must report for a leaf with `perm` under a table entry with `tperm`
   (every other table entry on the walk grants everything). */
static unsigned expect_flags(const gen *g, unsigned perm, unsigned tperm)
{
    unsigned f = 0;
    int w = (perm & P_W) && !(tperm & T_RO);
    int u = (perm & P_U) && !(tperm & T_KERNEL);
    int nx;
    if (g->m->aarch64) {
        /* leaf: NX -> UXN+PXN; user code -> PXN; kernel code -> UXN (see mk_leaf) */
        int uxn = (perm & P_NX) || !(perm & P_U) || (tperm & T_NX);
        int pxn = (perm & P_NX) || (perm & P_U) || (tperm & T_NX);
        nx = u ? uxn : pxn; /* what the reported privilege level may execute */
    } else if (g->m->x86_32) {
        nx = 0; /* 32-bit paging has no execute-disable bit */
    } else {
        nx = (perm & P_NX) || (tperm & T_NX);
    }
    if (w) f |= P_W;
    if (u) f |= P_U;
    if (nx) f |= P_NX;
    return f;
}

/* ---- building ---- */

/* Returns the table at level `to` on va's walk, creating tables above it as needed; the
   entry at level to-1 gets `tperm` and must be new when tperm is not 0. */
static uint64_t descend(gen *g, uint64_t va, unsigned to, unsigned tperm)
{
    uint64_t t = g->root[is_upper(g, va)];
    unsigned l;
    for (l = 0; l < to; l++) {
        uint64_t ea = t + index_of(g->m, l, va) * g->m->esize;
        uint64_t e = get_e(g, ea);
        if (e == 0) {
            e = mk_table(g, l, alloc_table(g), l + 1 == to ? tperm : 0);
            put_e(g, ea, e);
        } else if (!is_table(g, l, e)) {
            die("%s: plan error: level %u entry for 0x%llx is not a table", g->m->name, l, ull(va));
        } else if (l + 1 == to && tperm) {
            die("%s: plan error: restricted table entry for 0x%llx already exists", g->m->name, ull(va));
        }
        t = table_addr(g, e);
    }
    return t;
}

static unsigned level_for_size(const gen *g, uint64_t size)
{
    unsigned l;
    for (l = 0; l < g->m->nlevels; l++)
        if (page_of_level(g->m, l) == size) {
            if (l + 1 < g->m->nlevels && !((g->m->large >> l) & 1)) break;
            return l;
        }
    die("%s: no page size 0x%llx in this mode", g->m->name, ull(size));
    return 0;
}

static const char *words(unsigned f)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%s %s %s", (f & P_W) ? "rw" : "ro", (f & P_U) ? "user" : "kernel",
             (f & P_NX) ? "nx" : "x");
    return buf;
}

static int in_string(const gen *g, uint64_t pa, uint64_t len)
{
    int i;
    for (i = 0; i < g->nstr; i++)
        if (pa < g->str_pa[i] + g->str_len[i] && g->str_pa[i] < pa + len) return 1;
    return 0;
}

static void expect_ok(gen *g, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
    fprintf(g->out, "ok 0x%llx 0x%llx %llu %s\n", ull(va), ull(pa), ull(size), words(flags));
}

/* Maps [va, va+size) to pa with a leaf of that size; records three probes (first qword,
   a qword in the middle, last qword). Returns the expected flags. */
static unsigned map_t(gen *g, uint64_t va, uint64_t pa, uint64_t size, unsigned perm, unsigned tperm)
{
    unsigned l = level_for_size(g, size);
    uint64_t t, ea, probe[3];
    unsigned f = expect_flags(g, perm, tperm), i;
    if ((va | pa) & (size - 1)) die("%s: plan error: 0x%llx -> 0x%llx not aligned", g->m->name, ull(va), ull(pa));
    t = descend(g, va, l, tperm);
    ea = t + index_of(g->m, l, va) * g->m->esize;
    if (get_e(g, ea)) die("%s: plan error: 0x%llx mapped twice", g->m->name, ull(va));
    put_e(g, ea, mk_leaf(g, l, pa, perm));
    if (g->nmap == (int)(sizeof g->map / sizeof g->map[0])) die("too many mappings");
    g->map[g->nmap].va = va;
    g->map[g->nmap].pa = pa;
    g->map[g->nmap].size = size;
    g->nmap++;
    probe[0] = 0;
    probe[1] = size / 2 + 0x18;
    probe[2] = size - 8;
    for (i = 0; i < 3; i++) expect_ok(g, va + probe[i], pa + probe[i], size, f);
    return f;
}

static unsigned map(gen *g, uint64_t va, uint64_t pa, uint64_t size, unsigned perm)
{
    return map_t(g, va, pa, size, perm, 0);
}

/* Maps one smallest page to a fresh data page; returns its physical address. */
static uint64_t map_data(gen *g, uint64_t va, unsigned perm)
{
    uint64_t pa = alloc_data(g);
    map(g, va, pa, g->m->granule, perm);
    return pa;
}

/* The physical address of va from the list of mappings (not from the tables). */
static int lookup(const gen *g, uint64_t va, uint64_t *pa)
{
    int i;
    for (i = 0; i < g->nmap; i++)
        if (va - g->map[i].va < g->map[i].size) {
            *pa = g->map[i].pa + (va - g->map[i].va);
            return 1;
        }
    return 0;
}

/* Writes text at va through the list of mappings, byte by byte. */
static void put_string(gen *g, uint64_t va, const char *text)
{
    size_t n = strlen(text), i;
    uint64_t pa0 = 0, pa;
    for (i = 0; i < n; i++) {
        if (!lookup(g, va + i, &pa) || pa >= g->size) die("%s: string at 0x%llx not backed", g->m->name, ull(va));
        if (i == 0) pa0 = pa;
        g->mem[pa] = (uint8_t)text[i];
        if (g->nstr < 8 && (i == 0 || pa != g->str_pa[g->nstr - 1] + g->str_len[g->nstr - 1])) {
            g->str_pa[g->nstr] = pa;
            g->str_len[g->nstr++] = 1;
        } else {
            g->str_len[g->nstr - 1]++;
        }
    }
    fprintf(g->out, "string 0x%llx 0x%llx %llu %s\n", ull(va), ull(pa0), ull((uint64_t)n), text);
}

/* Records that va is not mapped: checked against the tables first. */
static void unmapped(gen *g, uint64_t va, unsigned level)
{
    uint64_t t = g->root[is_upper(g, va)];
    unsigned l, at = g->m->nlevels - level;
    for (l = 0; l <= at; l++) {
        uint64_t e = get_e(g, t + index_of(g->m, l, va) * g->m->esize);
        if (l == at) {
            if (is_valid(g, l, e)) die("%s: plan error: 0x%llx is mapped at level %u", g->m->name, ull(va), level);
            break;
        }
        if (!is_table(g, l, e)) die("%s: plan error: 0x%llx stops above level %u", g->m->name, ull(va), level);
        t = table_addr(g, e);
    }
    fprintf(g->out, "unmapped 0x%llx %u\n", ull(va), level);
}

/* Stores a raw (invalid) entry for va at level `level` (from the leaf), then records it as
   not mapped there. */
static void put_raw(gen *g, uint64_t va, unsigned level, uint64_t raw)
{
    unsigned l = g->m->nlevels - level;
    uint64_t t = descend(g, va, l, 0);
    put_e(g, t + index_of(g->m, l, va) * g->m->esize, raw);
    unmapped(g, va, level);
}

/* Points the entry for va at level l (from the top) at a table outside the image. */
static void bad_table(gen *g, uint64_t va, unsigned l, uint64_t table)
{
    uint64_t t = descend(g, va, l, 0);
    if (table < g->size) die("%s: plan error: bad table inside the image", g->m->name);
    put_e(g, t + index_of(g->m, l, va) * g->m->esize, mk_table(g, l, table, 0));
    fprintf(g->out, "badtable 0x%llx %u\n", ull(va), g->m->nlevels - (l + 1));
}

static void noncanonical(gen *g, uint64_t va)
{
    fprintf(g->out, "noncanonical 0x%llx\n", ull(va));
}

/* va is mapped outside the image; the page before it is mapped inside. */
static void unbacked(gen *g, uint64_t va)
{
    uint64_t pa, prev;
    if (!lookup(g, va, &pa) || pa < g->size) die("%s: plan error: 0x%llx is backed", g->m->name, ull(va));
    if (!lookup(g, va - 16, &prev) || prev + 16 > g->size) die("%s: plan error: before 0x%llx", g->m->name, ull(va));
    fprintf(g->out, "unbacked 0x%llx\n", ull(va));
}

/* Two adjacent virtual pages on swapped data pages, with text crossing the boundary. */
static void crossing(gen *g, uint64_t va, unsigned perm, const char *text)
{
    uint64_t hi = alloc_data(g), lo = alloc_data(g);
    map(g, va, lo, g->m->granule, perm);
    map(g, va + g->m->granule, hi, g->m->granule, perm);
    put_string(g, va + g->m->granule - 16, text);
}

/* ---- plans, one per paging family ---- */

static void plan_x86(gen *g)
{
    map(g, 0xc0000000, 0x0, 4 * MiB, P_W | P_NX);         /* direct map (NX not in 32-bit paging) */
    map(g, 0xc0400000, 0x400000, 4 * MiB, 0);              /* kernel text, 4 MiB PSE page */
    put_string(g, 0xc0400100, "memintro sample image: x86 kernel text");
    map_data(g, 0x08048000, P_U);                          /* user text */
    map_data(g, 0x08049000, P_U | P_W | P_NX);             /* user data */
    crossing(g, 0x0804a000, P_U | P_W, "a string that crosses two user pages on x86");
    map(g, 0x0804c000, 0x7ffff000, 4096, P_U | P_W);        /* frame beyond the image */
    unbacked(g, 0x0804c000);
    unmapped(g, 0x0804d000, 1);
    put_raw(g, 0x0804e000, 1, 0x12345ffeull);               /* P clear, other bits set */
    unmapped(g, 0x10000000, 2);
    map_t(g, 0xd0000000, alloc_data(g), 4096, P_U | P_W, T_RO); /* PDE read-only */
    map_t(g, 0xd0400000, alloc_data(g), 4096, P_U | P_W, T_KERNEL);
    bad_table(g, 0xe0000000, 0, 0x7fc00000);
    noncanonical(g, 0x100000000ull);
}

static void plan_pae(gen *g)
{
    map(g, 0xc0000000, 0x0, 2 * MiB, P_W | P_NX);
    map(g, 0xc0200000, 0x200000, 2 * MiB, 0);
    put_string(g, 0xc0200100, "memintro sample image: pae kernel text");
    map_data(g, 0x08048000, P_U);
    map_data(g, 0x08049000, P_U | P_W | P_NX);
    crossing(g, 0x0804a000, P_U | P_W | P_NX, "a string that crosses two user pages on pae");
    map(g, 0x0804c000, 0x200000000ull, 4096, P_U | P_W | P_NX); /* above 4 GiB */
    unbacked(g, 0x0804c000);
    map(g, 0xe0200000, 0x180000000ull, 2 * MiB, P_W | P_NX);
    unmapped(g, 0x0804d000, 1);
    put_raw(g, 0x0804e000, 1, 0x8000000012345ffeull);
    unmapped(g, 0x08400000, 2);
    unmapped(g, 0x40000000, 3);
    map_t(g, 0xd0000000, alloc_data(g), 4096, P_U | P_W, T_NX);
    map_t(g, 0xd0200000, alloc_data(g), 4096, P_W, T_RO);
    bad_table(g, 0xe0000000, 1, 0x100000000ull);
    noncanonical(g, 0x100000000ull);
    noncanonical(g, 0xffffffffc0000000ull);
}

static void plan_x86_64(gen *g)
{
    map(g, 0xffff888000000000ull, 0x0, GiB, P_W | P_NX);          /* direct map, 1 GiB page */
    map(g, 0xffffffff81000000ull, 0x1000000, 2 * MiB, 0);          /* kernel text */
    put_string(g, 0xffffffff81000100ull, "memintro sample image: x86_64 kernel text");
    map(g, 0xffffffff81200000ull, 0x800000, 2 * MiB, P_W | P_NX);  /* kernel data */
    map(g, 0xffffc90000000000ull, 0x40000000, GiB, P_W | P_NX);    /* beyond the image */
    map_data(g, 0x400000, P_U);
    map_data(g, 0x401000, P_U | P_W | P_NX);
    map(g, 0x402000, 0x4000000000ull, 4096, P_U | P_W | P_NX);
    unbacked(g, 0x402000);
    unmapped(g, 0x403000, 1);
    put_raw(g, 0x404000, 1, 0x00000000deadb002ull);
    map_data(g, 0x405000, P_U | P_W | P_NX | P_PAT); /* bit 7 of a PTE is PAT, not a size */
    unmapped(g, 0x600000, 2);
    unmapped(g, 0x40000000, 3);
    unmapped(g, 0x100000000000ull, 4);
    crossing(g, 0x7fffffffe000ull, P_U | P_W | P_NX, "a string that crosses two user pages on x86_64");
    map_t(g, 0xffffffffa0000000ull, alloc_data(g), 4096, P_W | P_NX, T_RO);
    map_t(g, 0x10000000, alloc_data(g), 4096, P_U | P_W, T_KERNEL);
    map_t(g, 0x10200000, alloc_data(g), 4096, P_U | P_W, T_NX);
    bad_table(g, 0xffffffff82000000ull, 2, 0xfffff000ull);
    bad_table(g, 0xffffffffc0000000ull, 1, 0x7ff000000ull);
    bad_table(g, 0xffffe00000000000ull, 0, 0x800000000ull);
    noncanonical(g, 0x0000800000000000ull);
    noncanonical(g, 0xffff7fffffffffffull);
}

static void plan_la57(gen *g)
{
    map(g, 0xff11000000000000ull, 0x0, GiB, P_W | P_NX);
    map(g, 0xffffffff81000000ull, 0x200000, 2 * MiB, 0);
    put_string(g, 0xffffffff81000100ull, "memintro sample image: la57 kernel text");
    map_data(g, 0x400000, P_U);
    map_data(g, 0x401000, P_U | P_W | P_NX);
    map(g, 0x402000, 0x4000000000ull, 4096, P_U | P_W | P_NX);
    unbacked(g, 0x402000);
    map_data(g, 0x00ff000000000000ull, P_U | P_W | P_NX); /* canonical only with 5 levels */
    crossing(g, 0x00ffffffffffe000ull, P_U | P_W | P_NX, "a string that crosses two user pages on la57");
    map_t(g, 0xffffffffa0000000ull, alloc_data(g), 4096, P_W, T_NX);
    unmapped(g, 0x403000, 1);
    unmapped(g, 0x600000, 2);
    unmapped(g, 0x40000000, 3);
    unmapped(g, 0x8000000000ull, 4);
    unmapped(g, 0x0001000000000000ull, 5);
    bad_table(g, 0xffffffff82000000ull, 3, 0x100000000ull);
    noncanonical(g, 0x0100000000000000ull);
    noncanonical(g, 0xfeffffffffffffffull);
}

static void plan_aarch64(gen *g)
{
    const mode *m = g->m;
    uint64_t G = m->granule;
    uint64_t upper = ~0ull << m->va_bits;                 /* first TTBR1 address */
    unsigned l2 = m->nlevels - 2;                          /* the level of 2 MiB/32 MiB/512 MiB blocks */
    uint64_t b2 = page_of_level(m, l2);
    unsigned top_block = 0;
    uint64_t bmax, text, tpa, user = 0x400000, v;
    unsigned l;
    char text_str[80];
    while (!((m->large >> top_block) & 1)) top_block++;
    bmax = page_of_level(m, top_block);
    /* kernel half (TTBR1) */
    map(g, upper, 0x0, bmax, P_W | P_NX);                  /* linear map, largest block */
    text = upper + (1ull << (m->va_bits - 1));
    tpa = 0x200000 & ~(b2 - 1);
    map(g, text, tpa, b2, 0);                              /* kernel text block */
    snprintf(text_str, sizeof text_str, "memintro sample image: %s kernel text", m->name);
    put_string(g, text + (0x200100 - tpa), text_str);
    map_data(g, text + 4 * b2, P_W | P_NX);
    map_t(g, text + 8 * b2, alloc_data(g), G, P_W | P_NX, T_RO);
    bad_table(g, text + 12 * b2, l2, 0x4000000000ull); /* the last table is outside */
    fprintf(g->out, "upper 0x%llx\n", ull(upper));
    fprintf(g->out, "upper 0x%llx\n", ull(text));
    /* user half (TTBR0) */
    map_data(g, user, P_U);
    map_data(g, user + G, P_U | P_W | P_NX);
    map(g, user + 2 * G, 0x8000000000ull, G, P_U | P_W | P_NX);
    unbacked(g, user + 2 * G);
    unmapped(g, user + 3 * G, 1);
    put_raw(g, user + 4 * G, 1, (0x300000 & ~(G - 1)) | 0x401); /* bits 1:0 = 01 at the last level */
    map_t(g, 0x40000000, alloc_data(g), G, P_U | P_W, T_KERNEL);
    crossing(g, 0x1000000, P_U | P_W | P_NX, "a string that crosses two user pages on aarch64");
    /* not mapped at every level above the leaf: the max index at that level */
    for (l = 0; l + 1 < m->nlevels; l++) {
        v = (user & ~((1ull << (m->shift[l] + m->bits[l])) - 1)) | (((1ull << m->bits[l]) - 1) << m->shift[l]);
        unmapped(g, v, m->nlevels - l);
    }
    /* a block descriptor at a level that cannot hold blocks */
    for (l = 0; l + 1 < m->nlevels; l++)
        if (!((m->large >> l) & 1) && m->bits[l] >= 2) {
            v = (user & ~((1ull << (m->shift[l] + m->bits[l])) - 1)) | (2ull << m->shift[l]);
            put_raw(g, v, m->nlevels - l, 0x401);
            break;
        }
    noncanonical(g, 1ull << m->va_bits);
    noncanonical(g, upper - 1);
}

/* ---- main ---- */

static void build(const mode *m, const char *dir)
{
    gen g;
    char path[4096];
    FILE *f;
    uint64_t i;
    memset(&g, 0, sizeof g);
    g.m = m;
    g.size = m->size;
    g.mem = (uint8_t *)malloc((size_t)g.size);
    if (!g.mem) die("out of memory");
    for (i = 0; i + 8 <= g.size; i += 8) {
        unsigned b;
        for (b = 0; b < 8; b++) g.mem[i + b] = (uint8_t)(i >> (8 * b));
    }
    g.tnext = m->granule;
    g.tend = m->granule == 65536 ? 0x200000 : 0x100000;
    g.dnext = DATA_START;
    snprintf(path, sizeof path, "%s/%s.txt", dir, m->name);
    g.out = fopen(path, "w");
    if (!g.out) die("cannot create %s", path);
    fprintf(g.out, "# %s: written by mkimage (synthetic: hand-built page tables)\n", path);
    fprintf(g.out, "name %s\narch %s\nsize %llu\npage %llu\nlevels %u\n", m->name, m->arch, ull(g.size),
            ull(m->granule), m->nlevels);
    g.root[0] = alloc_table(&g) + m->root_off;
    if (m->aarch64) {
        /* both roots in one page when they are small (16 KiB granule, 48 bits: 2 entries) */
        g.root[1] = m->root_off ? g.root[0] + m->root_off : alloc_table(&g);
        fprintf(g.out, "dtb 0x%llx\nttbr1 0x%llx\ngranule %llu\nva_bits %u\n", ull(g.root[0]), ull(g.root[1]),
                ull(m->granule), m->va_bits);
        fprintf(g.out, "opts --arch %s --dtb 0x%llx --ttbr1 0x%llx%s\n", m->arch, ull(g.root[0]), ull(g.root[1]),
                m->gran_opt);
    } else {
        fprintf(g.out, "dtb 0x%llx\n", ull(g.root[0]));
        fprintf(g.out, "opts --arch %s --dtb 0x%llx\n", m->arch, ull(g.root[0]));
    }
    if (m->aarch64)
        plan_aarch64(&g);
    else if (!strcmp(m->name, "x86"))
        plan_x86(&g);
    else if (!strcmp(m->name, "pae"))
        plan_pae(&g);
    else if (!strcmp(m->name, "x86_64"))
        plan_x86_64(&g);
    else
        plan_la57(&g);
    /* stamped qwords: probes of in-image mappings that no table or string overwrote */
    for (i = 0; i < (uint64_t)g.nmap; i++) {
        const mapping *mp = &g.map[i];
        uint64_t off[3], k;
        off[0] = 0;
        off[1] = mp->size / 2 + 0x18;
        off[2] = mp->size - 8;
        for (k = 0; k < 3; k++) {
            uint64_t pa = mp->pa + off[k];
            if (pa >= DATA_START && pa + 8 <= g.size && !in_string(&g, pa, 8))
                fprintf(g.out, "stamp 0x%llx 0x%llx\n", ull(mp->va + off[k]), ull(pa));
        }
    }
    if (fclose(g.out)) die("cannot write %s", path);
    snprintf(path, sizeof path, "%s/%s.img", dir, m->name);
    f = fopen(path, "wb");
    if (!f || fwrite(g.mem, 1, (size_t)g.size, f) != g.size || fclose(f)) die("cannot write %s", path);
    free(g.mem);
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: mkimage DIR\n");
        return 2;
    }
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) build(&modes[i], argv[1]);
    return 0;
}
