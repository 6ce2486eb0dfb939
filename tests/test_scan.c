/* tests/test_scan.c: masked byte-pattern search over physical and virtual ranges, on
   synthetic images. Every search is compared with a naive scan written here: a match is
   expected at an address iff it is aligned, lies inside [start, end), every byte of it is
   on a readable page, and the masked bytes agree. Covers matches crossing page and chunk
   boundaries, holes and unmapped pages (never matched across), the end of the range and
   of the address space, stopping from the callback, tiny and large work buffers, bad
   arguments, and targets that fail mid-scan (gone, I/O error: the scan returns the status). */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

#define NPAGES 256
#define IMG_SIZE (NPAGES * 4096u)
static uint8_t mem[IMG_SIZE];
static int page_ok[NPAGES];
static uint8_t work[256 * 1024 + 64];

#define MAXHITS 100000
typedef struct hits {
    uint64_t a[MAXHITS];
    size_t n;
    size_t stop_after; /* 0 = never */
} hits;
static hits got, want;

static int collect(void *user, uint64_t addr)
{
    hits *h = (hits *)user;
    if (h->n < MAXHITS) h->a[h->n] = addr;
    h->n++;
    return h->stop_after && h->n >= h->stop_after;
}

/* Naive reference over a byte view `view` of [0, size) with per-page readability. */
static void naive(const uint8_t *view, const int *readable, uint64_t size, uint64_t start, uint64_t end,
                  const uint8_t *pat, const uint8_t *mask, size_t len, uint64_t align, hits *h)
{
    uint64_t p;
    h->n = 0;
    if (end > size) end = size;
    for (p = start; p + len <= end; p++) {
        size_t i;
        int ok = 1;
        if (align > 1 && p % align) continue;
        for (i = 0; i < len && ok; i++) {
            uint8_t m = mask ? mask[i] : 0xff;
            if (!readable[(p + i) / 4096]) ok = 0;
            else if ((view[p + i] & m) != (pat[i] & m)) ok = 0;
        }
        if (ok) {
            if (h->n < MAXHITS) h->a[h->n] = p;
            h->n++;
        }
    }
}

static int same_hits(const hits *a, const hits *b)
{
    size_t i;
    if (a->n != b->n) return 0;
    for (i = 0; i < a->n && i < MAXHITS; i++)
        if (a->a[i] != b->a[i]) return 0;
    return 1;
}

static memintro_buffer B;
static memintro_range st[16];
static memintro_memmap M;

static void build_image(void)
{
    trng r;
    size_t i;
    uint64_t run = 0;
    trng_seed(&r, 5);
    for (i = 0; i < IMG_SIZE; i++) mem[i] = (uint8_t)(trng_next(&r) & 3); /* 4 symbols: many natural matches */
    for (i = 0; i < NPAGES; i++) page_ok[i] = 1;
    page_ok[10] = page_ok[11] = page_ok[100] = page_ok[199] = 0;
    for (i = 200; i < 210; i++) page_ok[i] = 0;
    page_ok[255] = 0;
    memintro_memmap_init(&M, st, 16);
    for (i = 0; i <= NPAGES; i++) {
        if (i < NPAGES && page_ok[i]) { run++; continue; }
        if (run) memintro_memmap_add(&M, (i - run) * 4096ull, run * 4096, (i - run) * 4096ull);
        run = 0;
    }
    memintro_buffer_init(&B, mem, IMG_SIZE, &M, 0);
}

static void plant(uint64_t at, const uint8_t *pat, size_t len) { memcpy(mem + at, pat, len); }

static void check_phys(const char *what, uint64_t start, uint64_t end, const uint8_t *pat, const uint8_t *mask,
                       size_t len, uint64_t align)
{
    static const size_t sizes[4] = {MEMINTRO_SCAN_WORK_MIN, MEMINTRO_SCAN_WORK_MIN + 5000, 64 * 1024 + 3,
                                    256 * 1024};
    int k;
    naive(mem, page_ok, IMG_SIZE, start, end, pat, mask, len, align, &want);
    for (k = 0; k < 4; k++) {
        memintro_status s;
        got.n = 0;
        got.stop_after = 0;
        s = memintro_scan_phys(&B.phys, start, end, pat, mask, len, align, work + (k & 1), sizes[k], collect, &got);
        CHECK(s == MEMINTRO_OK && same_hits(&got, &want), "scan_phys %s, work %zu: %zu matches (want %zu)", what,
              sizes[k], got.n, want.n);
    }
}

static void test_phys(void)
{
    uint8_t pat[4096], mask[4096];
    size_t i;
    trng r;
    build_image();
    /* natural matches of short patterns */
    pat[0] = 1; pat[1] = 2; pat[2] = 3; pat[3] = 0;
    check_phys("4-byte pattern, whole image", 0, IMG_SIZE, pat, NULL, 4, 1);
    check_phys("4-byte pattern, unaligned range", 0x1234, 0x8f003, pat, NULL, 4, 1);
    check_phys("1-byte pattern", 0x7000, 0x12000, pat, NULL, 1, 1);
    check_phys("4-byte pattern, align 4", 0, IMG_SIZE, pat, NULL, 4, 4);
    check_phys("4-byte pattern, align 16", 0, IMG_SIZE, pat, NULL, 4, 16);
    mask[0] = 0xff; mask[1] = 0x00; mask[2] = 0x01; mask[3] = 0xff; mask[4] = 0x02;
    pat[4] = 2;
    check_phys("masked 5-byte pattern", 0, IMG_SIZE, pat, mask, 5, 1);
    mask[0] = 0x01; mask[1] = 0x02; mask[2] = 0x01;
    check_phys("pattern with no fully masked byte", 0, IMG_SIZE, pat, mask, 3, 1);
    memset(mask, 0, 8);
    check_phys("all-zero mask matches everywhere readable", 0x2000, 0x30000, pat, mask, 8, 1);

    /* long planted patterns: bytes outside the 4-symbol alphabet never occur naturally */
    trng_seed(&r, 77);
    for (i = 0; i < sizeof pat; i++) pat[i] = (uint8_t)(0x80 | trng_next(&r));
    plant(0x5000 - 100, pat, 300);            /* across a page boundary (= a chunk boundary for the smallest work) */
    plant(0x3f000 - 7, pat, 300);             /* across the 63-page chunk boundary of the 256K work */
    plant(0xa000 - 150, pat, 300);            /* runs into the hole at pages 10-11: never a match */
    plant(0xc000, pat, 300);                  /* right after the hole */
    plant(0x64000 - 300, pat, 300);           /* ends exactly where hole page 100 starts */
    plant(0x80000 - 299, pat, 300);           /* cut by the range end 0x80000 in one check */
    plant(0x90000, pat, 300);
    plant(0x90000 + 300, pat, 300);           /* back to back */
    plant(0x90000 + 450, pat, 300);           /* overlapping the previous one */
    check_phys("300-byte planted pattern, whole image", 0, IMG_SIZE, pat, NULL, 300, 1);
    check_phys("300-byte pattern, range ending inside a match", 0x1000, 0x80000, pat, NULL, 300, 1);
    check_phys("300-byte pattern, range starting inside a match", 0x4f00, 0x80000, pat, NULL, 300, 1);
    check_phys("300-byte pattern, range ending 10 bytes past a page", 0x4000, 0x5000 + 10, pat, NULL, 300, 1);
    check_phys("300-byte pattern, range ending 10 bytes past a chunk", 0x3000, 0x3f000 + 10, pat, NULL, 200, 1);
    plant(0x20000 - 2048, pat, 4096);
    check_phys("4096-byte pattern straddling pages", 0, IMG_SIZE, pat, NULL, 4096, 1);
    check_phys("4096-byte pattern, align 2048", 0, IMG_SIZE, pat, NULL, 4096, 2048);
    check_phys("empty range", 0x5000, 0x5000, pat, NULL, 4, 1);
    check_phys("range shorter than the pattern", 0x5000, 0x5002, pat, NULL, 4, 1);

    /* stopping from the callback */
    pat[0] = 1; pat[1] = 2; pat[2] = 3; pat[3] = 0;
    naive(mem, page_ok, IMG_SIZE, 0, IMG_SIZE, pat, NULL, 4, 1, &want);
    got.n = 0;
    got.stop_after = 5;
    CHECK(memintro_scan_phys(&B.phys, 0, IMG_SIZE, pat, NULL, 4, 1, work, MEMINTRO_SCAN_WORK_MIN, collect, &got) ==
                  MEMINTRO_OK &&
              got.n == 5 && want.n > 5 && memcmp(got.a, want.a, 5 * sizeof got.a[0]) == 0,
          "callback stops the scan after 5 matches: the first 5, in order");
    got.stop_after = 0;

    /* bad arguments */
    CHECK(memintro_scan_phys(&B.phys, 0, 100, NULL, NULL, 4, 1, work, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "NULL pattern");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 4, 1, work, sizeof work, NULL, &got) == MEMINTRO_E_INVALID,
          "NULL callback");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 4, 1, NULL, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "NULL work");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 0, 1, work, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "length 0");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 4097, 1, work, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "length 4097");
    CHECK(memintro_scan_phys(&B.phys, 100, 0, pat, NULL, 4, 1, work, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "end before start");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 4, 3, work, sizeof work, collect, &got) == MEMINTRO_E_INVALID,
          "align not a power of two");
    CHECK(memintro_scan_phys(&B.phys, 0, 100, pat, NULL, 4, 1, work, MEMINTRO_SCAN_WORK_MIN - 1, collect, &got) ==
              MEMINTRO_E_NOSPACE,
          "work one byte short: NOSPACE");
}

/* The top of the physical address space: a range backed up to 2^64 - 1. */
static void test_top(void)
{
    memintro_range tst[1];
    memintro_memmap tm;
    memintro_buffer tb;
    uint8_t pat[4] = {0xde, 0xad, 0xbe, 0xef};
    memintro_memmap_init(&tm, tst, 1);
    memintro_memmap_add(&tm, 0xffffffffffff0000ull, 0x10000, 0);
    memintro_buffer_init(&tb, mem, IMG_SIZE, &tm, 0);
    memcpy(mem + 0xfff0, pat, 4); /* at 0xfffffffffffffff0 */
    memcpy(mem + 0x8000, pat, 4); /* at 0xffffffffffff8000 */
    got.n = 0;
    CHECK(memintro_scan_phys(&tb.phys, 0xffffffffffff0000ull, UINT64_MAX, pat, NULL, 4, 1, work, sizeof work, collect,
                             &got) == MEMINTRO_OK &&
              got.n == 2 && got.a[0] == 0xffffffffffff8000ull && got.a[1] == 0xfffffffffffffff0ull,
          "scan up to the top of the physical space finds both matches and stops (%zu)", got.n);
    build_image();
}

/* Virtual scan: 64 virtual pages at va 0x400000 map shuffled frames (pages 0x20..0x5f);
   every 13th is unmapped and page 40 maps the hole page 100; va [0x440000, 0x600000) is
   unmapped and va 0x600000 is a 2M page over pa 0 (whose upper half is past the image). */
static uint8_t vview[0x400000];
static int vok[0x400];
static int vmap(uint64_t off, uint64_t *pa) /* off = va - 0x400000 */
{
    uint64_t i = off >> 12;
    if (off >= 0x200000) { *pa = off - 0x200000; return 1; }
    if (i >= 64 || i % 13 == 5) return 0;
    *pa = ((i == 40 ? 100 : 0x20 + ((i * 37) % 64)) << 12) + (off & 0xfff);
    return 1;
}
static void test_virt(void)
{
    memintro_virt v;
    memintro_mmu_desc d;
    static uint8_t scratch[1 << 16];
    uint64_t pml4 = 0xf0000, pdpt = 0xf1000, pd = 0xf2000, pt = 0xf3000, base = 0x400000, pa;
    uint8_t pat300[300], pat4[4] = {1, 0, 2, 3};
    static const uint64_t at[] = {0x0ffc, 0x3f00, 0x27f80, 0x3ff80, 0x200010, 0x2000ffc};
    size_t i, k;
    trng r;
    build_image();
    memset(mem + 0xf0000, 0, 0x4000);
    t_put8(mem + pml4, pdpt | 7, 8);
    t_put8(mem + pdpt, pd | 7, 8);
    t_put8(mem + pd + 2 * 8, pt | 7, 8);
    t_put8(mem + pd + 3 * 8, 0x0 | 0x87, 8);
    for (i = 0; i < 64; i++)
        if (vmap(i << 12, &pa)) t_put8(mem + pt + i * 8, pa | 7, 8);
    trng_seed(&r, 9);
    for (i = 0; i < sizeof pat300; i++) pat300[i] = (uint8_t)(0x80 | trng_next(&r));
    for (k = 0; k < sizeof at / sizeof at[0]; k++) /* plant through the mapping */
        for (i = 0; i < sizeof pat300; i++)
            if (at[k] + i < sizeof vview && vmap(at[k] + i, &pa) && pa < IMG_SIZE && (pa < 0xf0000 || pa >= 0xf4000))
                mem[pa] = pat300[i];
    for (i = 0; i < 0x400; i++) { /* the reference view, built after planting */
        if (vmap(i << 12, &pa) && pa < IMG_SIZE) {
            memcpy(vview + (i << 12), mem + pa, 4096);
            vok[i] = page_ok[pa >> 12];
        } else {
            memset(vview + (i << 12), 0, 4096);
            vok[i] = 0;
        }
    }
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = pml4;
    memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch);
    for (k = 0; k < 3; k++) {
        size_t ws = k == 0 ? MEMINTRO_SCAN_WORK_MIN : k == 1 ? 40000 : sizeof work - 64;
        uint64_t ends[2] = {base + 0x400000, base + 0x41000 + 7};
        int e;
        for (e = 0; e < 2; e++) {
            size_t plen = e ? 4 : 300;
            const uint8_t *pat = e ? pat4 : pat300;
            naive(vview, vok, sizeof vview, 0, ends[e] - base, pat, NULL, plen, 1, &want);
            for (i = 0; i < want.n && i < MAXHITS; i++) want.a[i] += base;
            got.n = 0;
            CHECK(memintro_scan_virt(&v, base, ends[e], pat, NULL, plen, 1, work, ws, collect, &got) == MEMINTRO_OK &&
                      same_hits(&got, &want) && (e || want.n >= 3),
                  "scan_virt %zu-byte pattern over shuffled, unmapped and large pages, work %zu: %zu matches (want %zu)",
                  plen, ws, got.n, want.n);
        }
    }
}

/* A backend over B that fails with `fail` every page read from the `after`-th call on (the
   target went away mid-scan), or only the page at `bad_page` (an I/O error). */
typedef struct failing {
    memintro_phys phys;
    unsigned calls, after;
    uint64_t bad_page;
    memintro_status fail;
} failing;
static memintro_status failing_read(memintro_phys *self, memintro_op *ops, size_t n)
{
    failing *f = (failing *)self;
    size_t i;
    f->calls++;
    memintro_phys_read(&B.phys, ops, n);
    for (i = 0; i < n; i++)
        if ((f->after && f->calls >= f->after) || (ops[i].addr & ~0xfffull) == f->bad_page) {
            ops[i].status = f->fail;
            ops[i].missing = ops[i].len;
            memset(ops[i].buf, 0, ops[i].len);
        }
    return memintro_ops_status(ops, n);
}

static void test_failures(void)
{
    static const uint8_t pat[2] = {1, 2};
    failing f;
    memintro_status s;
    size_t i, before = 0;
    memintro_virt v;
    memintro_mmu_desc d;
    static uint8_t scratch[1 << 16];
    build_image();
    memset(&f, 0, sizeof f);
    f.phys.read = failing_read;
    f.bad_page = ~0ull;
    naive(mem, page_ok, IMG_SIZE, 0, IMG_SIZE, pat, NULL, 2, 1, &want);
    CHECK(want.n > 1000, "the image has many natural matches (%zu)", want.n);
    /* gone after the first batch of 16 pages (work of 16 pages + carry) */
    f.after = 2;
    f.fail = MEMINTRO_E_GONE;
    got.n = 0;
    got.stop_after = 0;
    s = memintro_scan_phys(&f.phys, 0, IMG_SIZE, pat, NULL, 2, 1, work, 16 * (4096 + sizeof(memintro_op)) + 4096 + 16,
                           collect, &got);
    for (i = 0; i < want.n; i++) before += want.a[i] + 2 <= 16 * 4096;
    CHECK(s == MEMINTRO_E_GONE, "scan_phys on a target that went away mid-scan: %s, not OK", memintro_status_str(s));
    CHECK(got.n <= before && got.n + 1 >= before && got.n > 0 && got.a[got.n - 1] < 16 * 4096,
          "scan_phys: the matches before the target went away are reported (%zu of %zu)", got.n, before);
    f.after = 0;
    f.fail = MEMINTRO_E_IO;
    f.bad_page = 50 * 4096;
    got.n = 0;
    s = memintro_scan_phys(&f.phys, 0, IMG_SIZE, pat, NULL, 2, 1, work, sizeof work, collect, &got);
    CHECK(s == MEMINTRO_E_IO && got.n > 0 && got.a[got.n - 1] < 50 * 4096, "scan_phys: an I/O error on page 50 ends the search: %s",
          memintro_status_str(s));
    f.bad_page = ~0ull;
    got.n = 0;
    s = memintro_scan_phys(&f.phys, 0, IMG_SIZE, pat, NULL, 2, 1, work, sizeof work, collect, &got);
    CHECK(s == MEMINTRO_OK && same_hits(&got, &want), "scan_phys through the wrapper without failures: holes skipped, OK");
    /* virtual: the page tables become unreadable too */
    memset(mem + 0xf0000, 0, 0x3000);
    t_put8(mem + 0xf0000, 0xf1000 | 7, 8);
    t_put8(mem + 0xf1000, 0xf2000 | 7, 8);
    t_put8(mem + 0xf2000, 0x0 | 0x87, 8); /* va [0, 2M) -> pa [0, 2M) */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = 0xf0000;
    memintro_virt_init(&v, &f.phys, &d, scratch, sizeof scratch);
    f.calls = 0;
    f.after = 3;
    f.fail = MEMINTRO_E_GONE;
    got.n = 0;
    s = memintro_scan_virt(&v, 0, 0x400000, pat, NULL, 2, 1, work, sizeof work, collect, &got);
    CHECK(s == MEMINTRO_E_GONE, "scan_virt on a target that went away: %s, not OK", memintro_status_str(s));
    f.after = 0;
    got.n = 0;
    s = memintro_scan_virt(&v, 0x200000, 0x400000, pat, NULL, 2, 1, work, sizeof work, collect, &got);
    CHECK(s == MEMINTRO_OK && got.n == 0, "scan_virt over unmapped pages: skipped, OK, no match");
}

int main(void)
{
    test_phys();
    test_top();
    test_virt();
    test_failures();
    return check_done();
}
