/* tests/tools/mkdump_gen.h: writers of every dump format memintro_coredump.h reads, from a
   known guest-physical image (synthetic data for unit tests, fuzz seeds and benches; the
   real-dump tests use QEMU and makedumpfile instead). Written from the format
   descriptions, independently of the reader: nothing here calls memintro.

   Used by tests/tools/mkdump.c (the command-line generator), tests/test_coredump_*.c and
   bench/bench_coredump.c. Compression needs zlib, lzo2, snappy and zstd (link -lz -llzo2
   -lsnappy -lzstd).

   The known image (mkg_known_*): guest-physical ranges [0, 0x9f000), [0x100000, 0x600000)
   and [0x100000000, 0x100100000) (above 4 GiB); page contents from mkg_known_page(): zero
   pages, text-like compressible pages and random pages, all a function of the address. */
#ifndef MEMINTRO_TEST_MKDUMP_GEN_H
#define MEMINTRO_TEST_MKDUMP_GEN_H

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* ---- output buffer ---- */

typedef struct mkbuf {
    uint8_t *p;
    size_t n, cap;
    FILE *f; /* if set (mk_windows, mk_lime only): bytes are flushed there as the buffer fills */
} mkbuf;

static inline void mkb_reserve(mkbuf *b, size_t n)
{
    if (b->f && b->n && b->n + n > ((size_t)16 << 20)) {
        if (fwrite(b->p, 1, b->n, b->f) != b->n) {
            fprintf(stderr, "mkdump: write error\n");
            exit(2);
        }
        b->n = 0;
    }
    if (b->n + n <= b->cap) return;
    while (b->n + n > b->cap) b->cap = b->cap ? b->cap * 2 : 65536;
    b->p = (uint8_t *)realloc(b->p, b->cap);
    if (!b->p) {
        fprintf(stderr, "mkdump: out of memory\n");
        exit(2);
    }
}
/* Appends n zero bytes, returns where they are (valid until the next append). */
static uint8_t *mkb_zero(mkbuf *b, size_t n)
{
    uint8_t *p;
    mkb_reserve(b, n);
    p = b->p + b->n;
    memset(p, 0, n);
    b->n += n;
    return p;
}
static inline void mkb_put(mkbuf *b, const void *d, size_t n)
{
    memcpy(mkb_zero(b, n), d, n);
}
static inline void mkb_free(mkbuf *b)
{
    free(b->p);
    b->p = 0;
    b->n = b->cap = 0;
}
static inline void mk_le(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mk_be(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) p[n - 1 - i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t mk_rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n--) v = (v << 8) | p[n];
    return v;
}

/* ---- page sources ---- */

typedef struct mk_range {
    uint64_t start, size; /* page aligned */
} mk_range;

typedef struct mk_src {
    const mk_range *r;
    size_t n;
    void (*page)(void *user, uint64_t pa, uint8_t *out); /* 4096 bytes of page pa */
    void *user;
} mk_src;

static inline uint64_t mk_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The known image's content: a function of the address only. */
static inline void mkg_known_page(void *user, uint64_t pa, uint8_t *out)
{
    uint64_t pfn = pa >> 12, kind = mk_mix(pfn ^ 0x51ed) % 8, i;
    (void)user;
    if (kind < 2) {
        memset(out, 0, 4096);
    } else if (kind == 2) {
        for (i = 0; i < 4096;) {
            char line[48];
            int n = snprintf(line, sizeof line, "page %llx line %llu; ", (unsigned long long)pfn,
                             (unsigned long long)(i / 32));
            if (i + (uint64_t)n > 4096) n = (int)(4096 - i);
            memcpy(out + i, line, (size_t)n);
            i += (uint64_t)n;
        }
    } else {
        for (i = 0; i < 4096; i += 8) mk_le(out + i, mk_mix((pa + i) * 31 + 7), 8);
    }
}

static const mk_range mkg_known_ranges[3] = {{0x0, 0x9f000}, {0x100000, 0x500000}, {0x100000000ull, 0x100000}};

static inline mk_src mkg_known(void)
{
    mk_src s;
    s.r = mkg_known_ranges;
    s.n = 3;
    s.page = mkg_known_page;
    s.user = 0;
    return s;
}
/* The known image below 4 GiB only (for 32-bit formats). */
static inline mk_src mkg_known_low(void)
{
    mk_src s = mkg_known();
    s.n = 2;
    return s;
}

static inline uint64_t mk_pages(const mk_src *s)
{
    uint64_t t = 0;
    size_t i;
    for (i = 0; i < s->n; i++) t += s->r[i].size >> 12;
    return t;
}
static inline uint64_t mk_end(const mk_src *s)
{
    return s->n ? s->r[s->n - 1].start + s->r[s->n - 1].size : 0;
}

/* ---- CPU state notes (QEMU's layout) ---- */

typedef struct mk_cpu {
    uint64_t cr0, cr3, cr4, rip, rsp, idt;
} mk_cpu;

/* The known CPU state the generators put in their notes. */
static inline mk_cpu mkg_known_cpu(unsigned i)
{
    mk_cpu c;
    c.cr0 = 0x80050033ull;
    c.cr3 = 0x1234000ull + 0x1000ull * i;
    c.cr4 = 0x3706f0ull;
    c.rip = 0xffffffff81a3c4d2ull + i;
    c.rsp = 0xffffc90000013e80ull - 0x100 * i;
    c.idt = 0xfffffe0000000000ull;
    return c;
}

static const char mkg_vmcoreinfo[] =
    "OSRELEASE=6.1.0-test-amd64\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff9f40a000\n"
    "NUMBER(phys_base)=-1234567\nKERNELOFFSET=1d000000\n";

static inline void mk_note(mkbuf *b, const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    uint8_t *h = mkb_zero(b, 12);
    mk_le(h, namesz, 4);
    mk_le(h + 4, descsz, 4);
    mk_le(h + 8, type, 4);
    mkb_put(b, name, namesz);
    mkb_zero(b, (4 - namesz % 4) % 4);
    mkb_put(b, desc, descsz);
    mkb_zero(b, (4 - descsz % 4) % 4);
}

/* ncpu CORE/NT_PRSTATUS (x86-64, 336 bytes) + QEMU notes, then VMCOREINFO. */
static inline void mk_notes(mkbuf *b, unsigned ncpu, int vmcoreinfo)
{
    unsigned i;
    for (i = 0; i < ncpu; i++) {
        uint8_t d[336];
        mk_cpu c = mkg_known_cpu(i);
        memset(d, 0, sizeof d);
        mk_le(d + 32, i + 1, 4);            /* pr_pid */
        mk_le(d + 0x70 + 8 * 16, c.rip, 8); /* rip */
        mk_le(d + 0x70 + 8 * 19, c.rsp, 8); /* rsp */
        mk_le(d + 0x70 + 8 * 17, 0x10, 8);  /* cs */
        mk_note(b, "CORE", 1, d, sizeof d);
    }
    for (i = 0; i < ncpu; i++) {
        uint8_t d[0x1b0];
        mk_cpu c = mkg_known_cpu(i);
        memset(d, 0, sizeof d);
        mk_le(d, 1, 4);
        mk_le(d + 4, 0x1b0, 4);
        mk_le(d + 8 + 8 * 6, c.rsp, 8); /* rsp */
        mk_le(d + 0x88, c.rip, 8);
        mk_le(d + 0x98, 0x10, 4);                /* cs selector */
        mk_le(d + 0x98 + 8, 0x00a09b00, 4);      /* cs flags: L set */
        mk_le(d + 0x98 + 24 * 9 + 16, c.idt, 8); /* idt base */
        mk_le(d + 0x188, c.cr0, 8);
        mk_le(d + 0x188 + 24, c.cr3, 8);
        mk_le(d + 0x188 + 32, c.cr4, 8);
        mk_note(b, "QEMU", 0, d, sizeof d);
    }
    if (vmcoreinfo) mk_note(b, "VMCOREINFO", 0, mkg_vmcoreinfo, (uint32_t)strlen(mkg_vmcoreinfo));
}

/* ---- ELF ---- */

#define MKE_32 0x1u       /* ELFCLASS32 (all ranges must be below 4 GiB) */
#define MKE_SPLIT 0x2u    /* one PT_LOAD per 128 bytes (PN_XNUM with big images) */
#define MKE_TAIL 0x4u     /* last segment: p_memsz = p_filesz + 64 KiB */
#define MKE_OVERLAP 0x8u  /* an extra PT_LOAD mapping the first 8 KiB of range 1 again */
#define MKE_UNSAVED 0x10u /* an extra PT_LOAD with p_offset -1, p_filesz 0 (QEMU filter) */
#define MKE_NONOTES 0x20u

static inline void mk_elf(mkbuf *out, const mk_src *s, unsigned flags, unsigned ncpu)
{
    int is32 = (flags & MKE_32) != 0;
    unsigned ehsz = is32 ? 52 : 64, phsz = is32 ? 32 : 56, shsz = is32 ? 40 : 64;
    uint64_t piece = (flags & MKE_SPLIT) ? 128 : 0, nload = 0, phnum, data_off, off, i, a;
    mkbuf notes = {0, 0, 0, 0};
    uint8_t *h, *page = (uint8_t *)malloc(4096);
    size_t base = out->n;
    int xnum;
    if (!(flags & MKE_NONOTES)) mk_notes(&notes, ncpu, 1);
    for (i = 0; i < s->n; i++) nload += piece ? s->r[i].size / piece : 1;
    if (flags & MKE_OVERLAP) nload++;
    if (flags & MKE_UNSAVED) nload++;
    phnum = 1 + nload;
    xnum = phnum >= 0xffff;
    data_off = ehsz + phnum * phsz + (xnum ? shsz : 0) + notes.n;
    h = mkb_zero(out, ehsz);
    memcpy(h, "\177ELF", 4);
    h[4] = is32 ? 1 : 2;
    h[5] = 1;
    h[6] = 1;
    mk_le(h + 16, 4, 2);
    mk_le(h + 18, 62, 2);
    mk_le(h + 20, 1, 4);
    if (is32) {
        mk_le(h + 28, ehsz, 4);
        mk_le(h + 32, xnum ? ehsz + phnum * phsz : 0, 4);
        mk_le(h + 40, ehsz, 2);
        mk_le(h + 42, phsz, 2);
        mk_le(h + 44, xnum ? 0xffff : phnum, 2);
        mk_le(h + 46, xnum ? shsz : 0, 2);
        mk_le(h + 48, xnum ? 1 : 0, 2);
    } else {
        mk_le(h + 32, ehsz, 8);
        mk_le(h + 40, xnum ? ehsz + phnum * phsz : 0, 8);
        mk_le(h + 52, ehsz, 2);
        mk_le(h + 54, phsz, 2);
        mk_le(h + 56, xnum ? 0xffff : phnum, 2);
        mk_le(h + 58, xnum ? shsz : 0, 2);
        mk_le(h + 60, xnum ? 1 : 0, 2);
    }
#define MK_PH(type, o, pa, fs, ms)                                                                                     \
    do {                                                                                                               \
        uint8_t *p_ = mkb_zero(out, phsz);                                                                             \
        mk_le(p_, (type), 4);                                                                                          \
        if (is32) {                                                                                                    \
            mk_le(p_ + 4, (o), 4);                                                                                     \
            mk_le(p_ + 8, (pa), 4);                                                                                    \
            mk_le(p_ + 12, (pa), 4);                                                                                   \
            mk_le(p_ + 16, (fs), 4);                                                                                   \
            mk_le(p_ + 20, (ms), 4);                                                                                   \
        } else {                                                                                                       \
            mk_le(p_ + 8, (o), 8);                                                                                     \
            mk_le(p_ + 16, (pa), 8);                                                                                   \
            mk_le(p_ + 24, (pa), 8);                                                                                   \
            mk_le(p_ + 32, (fs), 8);                                                                                   \
            mk_le(p_ + 40, (ms), 8);                                                                                   \
        }                                                                                                              \
    } while (0)
    MK_PH(4, ehsz + phnum * phsz + (xnum ? shsz : 0), 0, notes.n, notes.n);
    off = data_off;
    for (i = 0; i < s->n; i++) {
        uint64_t step = piece ? piece : s->r[i].size;
        for (a = 0; a < s->r[i].size; a += step) {
            uint64_t mem = step;
            if ((flags & MKE_TAIL) && i == s->n - 1 && a + step == s->r[i].size) mem += 0x10000;
            MK_PH(1, off + a, s->r[i].start + a, step, mem);
        }
        off += s->r[i].size;
    }
    if (flags & MKE_OVERLAP) { /* the first 8 KiB of range 1 again, with the same file data */
        uint64_t o1 = data_off + s->r[0].size;
        MK_PH(1, o1, s->r[1].start, 0x2000, 0x2000);
    }
    if (flags & MKE_UNSAVED) MK_PH(1, is32 ? 0xffffffffull : ~0ull, 0xfe000000ull, 0, 0x1000);
#undef MK_PH
    if (xnum) {
        uint8_t *sh = mkb_zero(out, shsz);
        mk_le(sh + (is32 ? 28 : 44), phnum, 4);
    }
    mkb_put(out, notes.p, notes.n);
    for (i = 0; i < s->n; i++)
        for (a = 0; a < s->r[i].size; a += 4096) {
            s->page(s->user, s->r[i].start + a, page);
            mkb_put(out, page, 4096);
        }
    (void)base;
    mkb_free(&notes);
    free(page);
}

/* ---- kdump-compressed ---- */

#define MKK_32 0x1u          /* 32-bit header layout */
#define MKK_FLAT 0x2u        /* flattened stream */
#define MKK_SHUFFLE 0x4u     /* flattened: records out of order, plus an overwritten one */
#define MKK_EXCLUDE 0x8u     /* some pages valid but not dumped (makedumpfile -d) */
#define MKK_INCOMPLETE 0x10u /* status 0x8, one page descriptor with offset 0 */
#define MKK_MIXED 0x20u      /* rotate zlib/lzo/snappy/zstd/plain per page (status: all bits) */
#define MKK_NONOTES 0x40u
#define MKK_OLDVER 0x80u /* header version 5: 32-bit max_mapnr, no max_mapnr_64 */

/* Is page pa dumped (not excluded) in a MKK_EXCLUDE file? */
static inline int mkk_excluded(uint64_t pa)
{
    return ((pa >> 12) % 11) == 5;
}
/* The descriptor index made "lost" by MKK_INCOMPLETE. */
#define MKK_LOST_INDEX 3

static inline size_t mk_compress(uint32_t comp, const uint8_t *in, uint8_t *out, size_t cap)
{
    switch (comp) {
    case 1: {
        uLongf n = (uLongf)cap;
        if (compress2(out, &n, in, 4096, Z_BEST_SPEED) != Z_OK) return 0;
        return (size_t)n;
    }
    case 2: {
        static lzo_align_t wrk[(LZO1X_1_MEM_COMPRESS + sizeof(lzo_align_t) - 1) / sizeof(lzo_align_t)];
        lzo_uint n = (lzo_uint)cap;
        static int init;
        if (!init) {
            if (lzo_init() != LZO_E_OK) return 0;
            init = 1;
        }
        if (lzo1x_1_compress(in, 4096, out, &n, wrk) != LZO_E_OK) return 0;
        return (size_t)n;
    }
    case 4: {
        size_t n = cap;
        if (snappy_compress((const char *)in, 4096, (char *)out, &n) != SNAPPY_OK) return 0;
        return n;
    }
    case 0x20: {
        size_t n = ZSTD_compress(out, cap, in, 4096, 1);
        return ZSTD_isError(n) ? 0 : n;
    }
    default: return 0;
    }
}

/* Records of a flattened stream; the seekable file is written from them too. */
typedef struct mk_rec {
    uint64_t off;
    size_t at, len; /* bytes in the records buffer */
} mk_rec;

typedef struct mk_recs {
    mk_rec *r;
    size_t n, cap;
    mkbuf data;
} mk_recs;

static inline void mk_rec_add(mk_recs *rs, uint64_t off, const void *p, size_t len)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->r = (mk_rec *)realloc(rs->r, rs->cap * sizeof *rs->r);
    }
    rs->r[rs->n].off = off;
    rs->r[rs->n].at = rs->data.n;
    rs->r[rs->n].len = len;
    rs->n++;
    mkb_put(&rs->data, p, len);
}

/* comp: 0 plain, 1 zlib, 2 lzo, 4 snappy, 0x20 zstd (ignored with MKK_MIXED). */
static inline void mk_kdump(mkbuf *out, const mk_src *s, uint32_t comp, unsigned flags)
{
    const uint32_t bs = 4096;
    int is32 = (flags & MKK_32) != 0;
    uint64_t max_mapnr = mk_end(s) >> 12, len_bm = ((max_mapnr + 7) / 8 + bs - 1) / bs * bs;
    uint64_t bm_blocks = 2 * len_bm / bs, ndump = 0, i, a, sub_size = is32 ? 80 : 104;
    uint64_t sub_blocks, desc_off, data_off, note_off, vmci_off = 0;
    uint8_t *hdr = (uint8_t *)calloc(1, bs), *sub, *bm1 = (uint8_t *)calloc(1, len_bm),
            *bm2 = (uint8_t *)calloc(1, len_bm);
    uint8_t page[4096], cbuf[8192];
    mkbuf notes = {0, 0, 0, 0}, descs = {0, 0, 0, 0}, data = {0, 0, 0, 0};
    mk_recs rs;
    uint32_t status;
    unsigned version = (flags & MKK_OLDVER) ? 5 : 6;
    static const uint32_t rot[5] = {1, 2, 4, 0x20, 0};
    memset(&rs, 0, sizeof rs);
    if (!(flags & MKK_NONOTES)) mk_notes(&notes, 2, 1);
    sub_blocks = (sub_size + notes.n + bs - 1) / bs;
    note_off = bs + sub_size;
    if (notes.n) vmci_off = note_off + notes.n - (12 + 12 + ((strlen(mkg_vmcoreinfo) + 3) & ~(size_t)3)) + 24;
    /* bitmaps */
    for (i = 0; i < s->n; i++)
        for (a = s->r[i].start; a < s->r[i].start + s->r[i].size; a += 4096) {
            uint64_t pfn = a >> 12;
            bm1[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
            if ((flags & MKK_EXCLUDE) && mkk_excluded(a)) continue;
            bm2[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
            ndump++;
        }
    desc_off = (1 + sub_blocks + bm_blocks) * bs;
    data_off = desc_off + ndump * 24;
    /* the shared zero page first, as QEMU writes it */
    memset(page, 0, sizeof page);
    mkb_put(&data, page, 4096);
    {
        uint64_t k = 0;
        for (i = 0; i < s->n; i++)
            for (a = s->r[i].start; a < s->r[i].start + s->r[i].size; a += 4096) {
                uint8_t *pd;
                uint32_t c = (flags & MKK_MIXED) ? rot[(a >> 12) % 5] : comp;
                size_t n = 0;
                int zero = 1, j;
                if ((flags & MKK_EXCLUDE) && mkk_excluded(a)) continue;
                s->page(s->user, a, page);
                for (j = 0; j < 4096; j++)
                    if (page[j]) {
                        zero = 0;
                        break;
                    }
                pd = mkb_zero(&descs, 24);
                if ((flags & MKK_INCOMPLETE) && k == MKK_LOST_INDEX) {
                    k++;
                    continue; /* offset 0, size 0: not saved */
                }
                k++;
                if (zero) {
                    mk_le(pd, data_off, 8);
                    mk_le(pd + 8, 4096, 4);
                    continue;
                }
                if (c) n = mk_compress(c, page, cbuf, sizeof cbuf);
                if (c && n && n < 4096) {
                    mk_le(pd, data_off + data.n, 8);
                    mk_le(pd + 8, n, 4);
                    mk_le(pd + 12, c, 4);
                    mkb_put(&data, cbuf, n);
                } else {
                    mk_le(pd, data_off + data.n, 8);
                    mk_le(pd + 8, 4096, 4);
                    mkb_put(&data, page, 4096);
                }
            }
    }
    /* header */
    status = (flags & MKK_MIXED) ? 0x27u : comp;
    if (flags & MKK_INCOMPLETE) status |= 8;
    memcpy(hdr, "KDUMP   ", 8);
    mk_le(hdr + 8, version, 4);
    memcpy(hdr + 12, "Linux", 5);
    memcpy(hdr + 12 + 2 * 65, "6.1.0-test-amd64", 16);
    memcpy(hdr + 12 + 4 * 65, is32 ? "i686" : "x86_64", is32 ? 4 : 6);
    {
        unsigned o = is32 ? 0x19c : 0x1a8;
        mk_le(hdr + o, status, 4);
        mk_le(hdr + o + 4, bs, 4);
        mk_le(hdr + o + 8, sub_blocks, 4);
        mk_le(hdr + o + 12, bm_blocks, 4);
        mk_le(hdr + o + 16, max_mapnr > 0xffffffffu ? 0xffffffffu : max_mapnr, 4);
        mk_le(hdr + o + 36, 2, 4); /* nr_cpus */
    }
    sub = (uint8_t *)calloc(1, sub_blocks * bs);
    if (is32) {
        mk_le(sub, 0x1000000, 4);
        mk_le(sub + 4, (flags & MKK_EXCLUDE) ? 31 : 1, 4);
        mk_le(sub + 20, vmci_off, 8);
        mk_le(sub + 28, vmci_off ? strlen(mkg_vmcoreinfo) : 0, 4);
        mk_le(sub + 32, notes.n ? note_off : 0, 8);
        mk_le(sub + 40, notes.n, 4);
        if (version >= 6) mk_le(sub + 72, max_mapnr, 8);
    } else {
        mk_le(sub, 0x1000000, 8);
        mk_le(sub + 8, (flags & MKK_EXCLUDE) ? 31 : 1, 4);
        mk_le(sub + 32, vmci_off, 8);
        mk_le(sub + 40, vmci_off ? strlen(mkg_vmcoreinfo) : 0, 8);
        mk_le(sub + 48, notes.n ? note_off : 0, 8);
        mk_le(sub + 56, notes.n, 8);
        if (version >= 6) mk_le(sub + 96, max_mapnr, 8);
    }
    memcpy(sub + sub_size, notes.p, notes.n);
    /* records in file order (QEMU's: header, sub-header, bitmaps, descriptors, data) */
    if (flags & MKK_SHUFFLE) {
        uint8_t junk[4096];
        memset(junk, 0xa5, sizeof junk);
        mk_rec_add(&rs, 0, junk, sizeof junk); /* overwritten by the real header below */
    }
    mk_rec_add(&rs, 0, hdr, bs);
    mk_rec_add(&rs, bs, sub, sub_blocks * bs);
    for (i = 0; i < len_bm; i += bs) {
        mk_rec_add(&rs, (1 + sub_blocks) * bs + i, bm1 + i, bs);
        mk_rec_add(&rs, (1 + sub_blocks) * bs + len_bm + i, bm2 + i, bs);
    }
    for (i = 0; i < descs.n; i += 4 * bs)
        mk_rec_add(&rs, desc_off + i, descs.p + i, descs.n - i < 4 * bs ? descs.n - i : 4 * bs);
    for (i = 0; i < data.n; i += 4 * bs)
        mk_rec_add(&rs, data_off + i, data.p + i, data.n - i < 4 * bs ? data.n - i : 4 * bs);
    if (flags & MKK_SHUFFLE) {
        /* reverse the order of everything after the two header records: same bytes, but
           records do not come in offset order */
        size_t lo = 2, hi = rs.n - 1;
        while (lo < hi) {
            mk_rec t = rs.r[lo];
            rs.r[lo] = rs.r[hi];
            rs.r[hi] = t;
            lo++;
            hi--;
        }
    }
    if (flags & MKK_FLAT) {
        uint8_t *fh = mkb_zero(out, 4096);
        memcpy(fh, "makedumpfile", 12);
        mk_be(fh + 16, 1, 8);
        mk_be(fh + 24, 1, 8);
        for (i = 0; i < rs.n; i++) {
            uint8_t *rh = mkb_zero(out, 16);
            mk_be(rh, rs.r[i].off, 8);
            mk_be(rh + 8, rs.r[i].len, 8);
            mkb_put(out, rs.data.p + rs.r[i].at, rs.r[i].len);
        }
        memset(mkb_zero(out, 16), 0xff, 16);
    } else {
        size_t base = out->n;
        uint64_t end = data_off + data.n;
        mkb_zero(out, (size_t)end);
        for (i = 0; i < rs.n; i++) memcpy(out->p + base + rs.r[i].off, rs.data.p + rs.r[i].at, rs.r[i].len);
    }
    free(hdr);
    free(sub);
    free(bm1);
    free(bm2);
    free(rs.r);
    mkb_free(&rs.data);
    mkb_free(&notes);
    mkb_free(&descs);
    mkb_free(&data);
}

/* ---- Windows crash dumps ---- */

#define MKW_32 0x1u   /* "PAGEDUMP" 32-bit header */
#define MKW_FDMP 0x2u /* bitmap dump, complete ("FDMP") */
#define MKW_SDMP 0x4u /* bitmap dump, kernel ("SDMP"): some pages left out */

/* Pages a MKW_SDMP dump leaves out. */
static inline int mkw_left_out(uint64_t pa)
{
    return ((pa >> 12) % 13) == 4;
}

/* The header facts the generator writes (also checked by the tests). */
#define MKW_DTB 0x1aa000ull
#define MKW_PSLOADED 0xfffff80312a2a2b0ull
#define MKW_PSACTIVE 0xfffff80312a1f580ull
#define MKW_KDDEBUGGER 0xfffff80312600b20ull
#define MKW_PFNDB 0xffffb50000000000ull
#define MKW_BUGCHECK 0xe2u
#define MKW_RIP 0xfffff8031265cc40ull

static inline void mk_windows(mkbuf *out, const mk_src *s, unsigned flags)
{
    int is32 = (flags & MKW_32) != 0, bitmap = (flags & (MKW_FDMP | MKW_SDMP)) != 0;
    unsigned hs = is32 ? 0x1000 : 0x2000, i;
    uint8_t *h = (uint8_t *)calloc(1, hs), page[4096], *sh = 0;
    uint64_t a, npages = mk_pages(s), dtb = MKW_DTB, present = 0, first = hs, shsize = 0;
    for (i = 0; i < hs; i += 4) memcpy(h + i, "PAGE", 4);
    memcpy(h, "PAGE", 4);
    memcpy(h + 4, is32 ? "DUMP" : "DU64", 4);
    mk_le(h + 8, 15, 4);
    mk_le(h + 12, 19041, 4);
    if (is32) {
        mk_le(h + 0x10, dtb, 4);
        mk_le(h + 0x14, MKW_PFNDB & 0xffffffff, 4);
        mk_le(h + 0x18, MKW_PSLOADED & 0xffffffff, 4);
        mk_le(h + 0x1c, MKW_PSACTIVE & 0xffffffff, 4);
        mk_le(h + 0x20, 0x14c, 4);
        mk_le(h + 0x24, 2, 4);
        mk_le(h + 0x28, MKW_BUGCHECK, 4);
        for (i = 0; i < 4; i++) mk_le(h + 0x2c + 4 * i, i + 1, 4);
        h[0x5c] = 1; /* PaeEnabled */
        mk_le(h + 0x60, MKW_KDDEBUGGER & 0xffffffff, 4);
        memset(h + 0x320, 0, 0x7d0 - 0x320);
        mk_le(h + 0x320 + 0xb8, MKW_RIP & 0xffffffff, 4);
        mk_le(h + 0xf88, bitmap ? 5 : 1, 4);
    } else {
        mk_le(h + 0x10, dtb, 8);
        mk_le(h + 0x18, MKW_PFNDB, 8);
        mk_le(h + 0x20, MKW_PSLOADED, 8);
        mk_le(h + 0x28, MKW_PSACTIVE, 8);
        mk_le(h + 0x30, 0x8664, 4);
        mk_le(h + 0x34, 2, 4);
        mk_le(h + 0x38, MKW_BUGCHECK, 4);
        mk_le(h + 0x3c, 0, 4);
        for (i = 0; i < 4; i++) mk_le(h + 0x40 + 8 * i, i + 1, 8);
        mk_le(h + 0x80, MKW_KDDEBUGGER, 8);
        memset(h + 0x348, 0, 0xf00 - 0x348);
        mk_le(h + 0x348 + 0xf8, MKW_RIP, 8);
        mk_le(h + 0xf98, bitmap ? 5 : 1, 4);
    }
    if (!bitmap) {
        unsigned o = is32 ? 0x64 : 0x88, rs = is32 ? 8 : 16, ro = is32 ? 8 : 16;
        mk_le(h + o, s->n, 4);
        if (is32)
            mk_le(h + o + 4, npages, 4);
        else {
            mk_le(h + o + 4, 0, 4);
            mk_le(h + o + 8, npages, 8);
        }
        for (i = 0; i < s->n; i++) {
            mk_le(h + o + ro + rs * i, s->r[i].start >> 12, is32 ? 4 : 8);
            mk_le(h + o + ro + rs * i + rs / 2, s->r[i].size >> 12, is32 ? 4 : 8);
        }
        present = npages;
    } else {
        /* the summary header and bitmap at hs, the pages from the next 4 KiB boundary */
        uint64_t bits = mk_end(s) >> 12, nbytes = (bits + 7) / 8;
        uint8_t *bm;
        first = (hs + 0x38 + nbytes + 4095) & ~4095ull;
        shsize = first - hs;
        sh = (uint8_t *)calloc(1, (size_t)shsize);
        bm = sh + 0x38;
        for (i = 0; i < s->n; i++)
            for (a = s->r[i].start; a < s->r[i].start + s->r[i].size; a += 4096) {
                if ((flags & MKW_SDMP) && mkw_left_out(a)) continue;
                bm[(a >> 12) / 8] |= (uint8_t)(1u << ((a >> 12) % 8));
                present++;
            }
        memcpy(sh, (flags & MKW_SDMP) ? "SDMP" : "FDMP", 4);
        memcpy(sh + 4, "DUMP", 4);
        mk_le(sh + 0x20, first, 8);
        mk_le(sh + 0x28, present, 8);
        mk_le(sh + 0x30, bits, 8);
    }
    mk_le(h + 0xfa0, first + present * 4096, 8); /* RequiredDumpSpace: the file size */
    mkb_put(out, h, hs);
    if (sh) mkb_put(out, sh, (size_t)shsize);
    for (i = 0; i < s->n; i++)
        for (a = s->r[i].start; a < s->r[i].start + s->r[i].size; a += 4096) {
            if ((flags & MKW_SDMP) && mkw_left_out(a)) continue;
            s->page(s->user, a, page);
            mkb_put(out, page, 4096);
        }
    free(h);
    free(sh);
}

/* ---- LiME ---- */

static inline void mk_lime(mkbuf *out, const mk_src *s)
{
    size_t i;
    uint64_t a;
    uint8_t page[4096];
    for (i = 0; i < s->n; i++) {
        uint8_t h[32];
        memset(h, 0, sizeof h);
        mk_le(h, 0x4c694d45u, 4);
        mk_le(h + 4, 1, 4);
        mk_le(h + 8, s->r[i].start, 8);
        mk_le(h + 16, s->r[i].start + s->r[i].size - 1, 8);
        mkb_put(out, h, 32);
        for (a = s->r[i].start; a < s->r[i].start + s->r[i].size; a += 4096) {
            s->page(s->user, a, page);
            mkb_put(out, page, 4096);
        }
    }
}

#endif
