/* tests/test_cache.c: the page cache on synthetic images. A counting backend sits between
   the cache and the buffer backend to prove which reads the cache saves. Covers the two
   policies (page-table ops only / everything), hit and miss counters, write-through and the
   lines it drops, explicit invalidation, a clock with a maximum age, pages partly in a
   hole, line conflicts inside one batch, batches larger than the cache's forwarding
   window, and translation through a cache giving the same answers as without one.
   Expected bytes come from the image the test fills, not from memintro. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

#define IMG_SIZE (16u << 20)
static uint8_t mem[IMG_SIZE];
static timg T;
static uint8_t cmem[9 << 20]; /* cache memory: 2048 lines */

typedef struct counting {
    memintro_phys phys;
    memintro_phys *below;
    unsigned long calls, ops, bytes, table_ops;
} counting;
static memintro_status counting_read(memintro_phys *self, memintro_op *ops, size_t n)
{
    counting *c = (counting *)self;
    size_t i;
    c->calls++;
    c->ops += n;
    for (i = 0; i < n; i++) {
        c->bytes += ops[i].len;
        c->table_ops += (ops[i].flags & MEMINTRO_OP_TABLE) != 0;
    }
    return memintro_phys_read(c->below, ops, n);
}
static memintro_status counting_write(memintro_phys *self, memintro_op *ops, size_t n)
{
    counting *c = (counting *)self;
    return memintro_phys_write(c->below, ops, n);
}
static void counting_init(counting *c, memintro_phys *below)
{
    memset(c, 0, sizeof *c);
    c->phys.read = counting_read;
    c->phys.write = below->write ? counting_write : NULL;
    c->below = below;
}
static void counting_zero(counting *c) { c->calls = c->ops = c->bytes = c->table_ops = 0; }

static memintro_status rd(memintro_phys *p, uint64_t addr, void *buf, size_t len, uint32_t flags, memintro_op *out)
{
    memintro_op op;
    memintro_status s;
    op.addr = addr; op.buf = buf; op.len = len; op.flags = flags;
    op.status = MEMINTRO_E_GONE; op.missing = 99;
    s = memintro_phys_read(p, &op, 1);
    if (out) *out = op;
    return s;
}

static uint64_t fake_now;
static uint64_t fake_clock(void *user)
{
    (void)user;
    return fake_now;
}

static void test_basics(void)
{
    memintro_buffer b;
    counting cnt;
    memintro_cache c;
    uint8_t v[16], old;
    timg_init(&T, mem, IMG_SIZE, 0);
    timg_fill_pattern(&T, 0, IMG_SIZE);
    memintro_buffer_init(&b, mem, IMG_SIZE, NULL, 1);
    counting_init(&cnt, &b.phys);

    CHECK(memintro_cache_init(&c, &cnt.phys, cmem, memintro_cache_mem_size(1) - 1, 0) == MEMINTRO_E_NOSPACE,
          "cache_init: too small for one line: NOSPACE");
    CHECK(memintro_cache_init(&c, NULL, cmem, sizeof cmem, 0) == MEMINTRO_E_INVALID, "cache_init: no backend");
    CHECK(memintro_cache_init(&c, &cnt.phys, NULL, sizeof cmem, 0) == MEMINTRO_E_INVALID, "cache_init: no memory");
    memintro_cache_invalidate(&c);
    CHECK(memintro_phys_read1(&c.phys, 0, v, 4) == MEMINTRO_E_INVALID, "a cache whose init failed refuses reads");
    CHECK(memintro_cache_init(&c, &cnt.phys, cmem + 1, memintro_cache_mem_size(5), 0) == MEMINTRO_OK && c.mask == 3,
          "cache_init: room for 5 lines gives 4 (misaligned memory)");
    CHECK((uint8_t *)c.lines >= cmem + 1 && c.data + 4 * MEMINTRO_CACHE_PAGE <= cmem + 1 + memintro_cache_mem_size(5),
          "cache lines and data lie inside the caller's memory");
    CHECK(memintro_cache_init(&c, &cnt.phys, cmem, memintro_cache_mem_size(1), 0) == MEMINTRO_OK && c.mask == 0,
          "cache_init: one line");

    /* MEMINTRO_CACHE_TABLES: only ops flagged MEMINTRO_OP_TABLE are kept */
    memintro_cache_init(&c, &cnt.phys, cmem, sizeof cmem, MEMINTRO_CACHE_TABLES);
    counting_zero(&cnt);
    rd(&c.phys, 0x1008, v, 8, 0, NULL);
    rd(&c.phys, 0x1008, v, 8, 0, NULL);
    CHECK(cnt.ops == 2 && cnt.bytes == 16 && c.hits == 0 && c.misses == 0,
          "TABLES policy: plain reads pass through every time (%lu ops, %lu bytes)", cnt.ops, cnt.bytes);
    CHECK(memcmp(v, mem + 0x1008, 8) == 0, "pass-through read data");
    counting_zero(&cnt);
    CHECK(rd(&c.phys, 0x2010, v, 8, MEMINTRO_OP_TABLE, NULL) == MEMINTRO_OK && memcmp(v, mem + 0x2010, 8) == 0,
          "table read: data");
    CHECK(cnt.ops == 1 && cnt.bytes == 4096 && c.misses == 1 && c.hits == 0, "table read: one miss fills a 4 KiB line");
    CHECK(rd(&c.phys, 0x2ff8, v, 8, MEMINTRO_OP_TABLE, NULL) == MEMINTRO_OK && memcmp(v, mem + 0x2ff8, 8) == 0,
          "second table read in the page: data");
    CHECK(cnt.ops == 1 && c.hits == 1, "second table read in the page: a hit, no backend read");
    rd(&c.phys, 0x2100, v, 16, 0, NULL);
    CHECK(cnt.ops == 2 && c.hits == 1, "TABLES policy: a plain read of a cached page still passes through");
    /* cold cache, one batch of 10 table reads scattered over one page: one line fill */
    {
        memintro_op ops[10];
        uint8_t bufs[10][8];
        int k, good = 1;
        counting_zero(&cnt);
        for (k = 0; k < 10; k++) {
            ops[k].addr = 0x7000 + (uint64_t)((k * 7) % 10) * 0x180;
            ops[k].buf = bufs[k];
            ops[k].len = 8;
            ops[k].flags = MEMINTRO_OP_TABLE;
        }
        memintro_phys_read(&c.phys, ops, 10);
        for (k = 0; k < 10; k++) good &= ops[k].status == MEMINTRO_OK && memcmp(bufs[k], mem + ops[k].addr, 8) == 0;
        CHECK(good && cnt.calls == 1 && cnt.ops == 1 && cnt.bytes == 4096,
              "10 scattered table reads of one cold page: one 4 KiB fill serves them all (%lu ops)", cnt.ops);
    }
    /* an op crossing a page boundary is not cached */
    counting_zero(&cnt);
    CHECK(rd(&c.phys, 0x2ffc, v, 8, MEMINTRO_OP_TABLE, NULL) == MEMINTRO_OK && memcmp(v, mem + 0x2ffc, 8) == 0,
          "table read crossing pages: data");
    CHECK(cnt.ops == 1 && cnt.bytes == 8, "table read crossing pages: passed through as is");
    /* zero-length op */
    {
        memintro_op op;
        CHECK(rd(&c.phys, 0x5000, v, 0, MEMINTRO_OP_TABLE, &op) == MEMINTRO_OK && op.missing == 0, "zero-length op");
    }

    /* MEMINTRO_CACHE_ALL */
    memintro_cache_init(&c, &cnt.phys, cmem, sizeof cmem, MEMINTRO_CACHE_ALL);
    counting_zero(&cnt);
    rd(&c.phys, 0x3008, v, 8, 0, NULL);
    rd(&c.phys, 0x3800, v, 16, 0, NULL);
    CHECK(cnt.ops == 1 && c.hits == 1 && c.misses == 1 && memcmp(v, mem + 0x3800, 16) == 0,
          "ALL policy: plain reads are cached");

    /* explicit invalidation: the guest changed memory behind the cache */
    old = mem[0x3800];
    mem[0x3800] = (uint8_t)~old;
    rd(&c.phys, 0x3800, v, 1, 0, NULL);
    CHECK(v[0] == old, "a cached line is served until invalidated (stale on purpose)");
    memintro_cache_invalidate(&c);
    rd(&c.phys, 0x3800, v, 1, 0, NULL);
    CHECK(v[0] == mem[0x3800] && c.misses == 2, "after cache_invalidate the new byte is read");

    /* write-through */
    {
        memintro_op w[2];
        uint8_t src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        unsigned long before;
        rd(&c.phys, 0x4000, v, 8, 0, NULL);
        rd(&c.phys, 0x5000, v, 8, 0, NULL);
        w[0].addr = 0x4ffc; w[0].buf = src; w[0].len = 8; w[0].flags = 0; /* touches pages 0x4000 and 0x5000 */
        CHECK(memintro_phys_write(&c.phys, w, 1) == MEMINTRO_OK && w[0].status == MEMINTRO_OK, "write through the cache");
        CHECK(memcmp(mem + 0x4ffc, src, 8) == 0, "the write reached the backend");
        before = cnt.ops;
        rd(&c.phys, 0x4ff8, v, 8, 0, NULL);
        CHECK(memcmp(v, mem + 0x4ff8, 8) == 0 && cnt.ops == before + 1, "written page re-read from the backend");
        rd(&c.phys, 0x5000, v, 8, 0, NULL);
        CHECK(memcmp(v, mem + 0x5000, 8) == 0 && cnt.ops == before + 2, "second written page dropped too");
        rd(&c.phys, 0x3800, v, 8, 0, NULL);
        CHECK(cnt.ops == before + 2, "an untouched page stays cached");
    }
    /* read-only below: the cache is read-only */
    {
        memintro_buffer ro;
        memintro_cache rc;
        memintro_op w;
        uint8_t src[4] = {9, 9, 9, 9};
        memintro_buffer_init(&ro, mem, IMG_SIZE, NULL, 0);
        memintro_cache_init(&rc, &ro.phys, cmem, sizeof cmem, MEMINTRO_CACHE_ALL);
        w.addr = 0x100; w.buf = src; w.len = 4; w.flags = 0;
        CHECK(rc.phys.write == NULL && memintro_phys_write(&rc.phys, &w, 1) == MEMINTRO_E_READONLY &&
                  w.status == MEMINTRO_E_READONLY && w.missing == 4 && mem[0x100] != 9,
              "cache over a read-only backend refuses writes");
    }
    /* the clock: lines older than max_age are read again */
    memintro_cache_init(&c, &cnt.phys, cmem, sizeof cmem, MEMINTRO_CACHE_ALL);
    memintro_cache_set_clock(&c, fake_clock, NULL, 10);
    fake_now = 100;
    counting_zero(&cnt);
    rd(&c.phys, 0x6000, v, 4, 0, NULL);
    old = mem[0x6000];
    mem[0x6000] = (uint8_t)(old ^ 0x55);
    fake_now = 110;
    rd(&c.phys, 0x6000, v, 1, 0, NULL);
    CHECK(cnt.ops == 1 && v[0] == old, "clock: a line of age max_age is still served");
    fake_now = 111;
    rd(&c.phys, 0x6000, v, 1, 0, NULL);
    CHECK(cnt.ops == 2 && v[0] == mem[0x6000], "clock: a line older than max_age is read again");
    fake_now = 115;
    rd(&c.phys, 0x6000, v, 1, 0, NULL);
    CHECK(cnt.ops == 2, "clock: the refilled line is fresh again");
    memintro_cache_set_clock(&c, NULL, NULL, 0);
    fake_now = 1000000;
    rd(&c.phys, 0x6000, v, 1, 0, NULL);
    CHECK(cnt.ops == 2, "clock removed: no ageing");
}

/* Pages partly in a hole, and conflicting lines within one batch. */
static void test_holes_conflicts(void)
{
    memintro_range st[2];
    memintro_memmap m;
    memintro_buffer b;
    counting cnt;
    memintro_cache c;
    memintro_op op;
    uint8_t v[16];
    int k;
    timg_init(&T, mem, IMG_SIZE, 0);
    timg_fill_pattern(&T, 0, IMG_SIZE);
    memintro_memmap_init(&m, st, 2);
    memintro_memmap_add(&m, 0, 0x1800, 0);        /* page 0x1000 is half backed */
    memintro_memmap_add(&m, 0x3000, 0x100000, 0x3000);
    memintro_buffer_init(&b, mem, IMG_SIZE, &m, 0);
    counting_init(&cnt, &b.phys);
    memintro_cache_init(&c, &cnt.phys, cmem, sizeof cmem, MEMINTRO_CACHE_ALL);
    for (k = 0; k < 2; k++) {
        CHECK(rd(&c.phys, 0x1000, v, 8, MEMINTRO_OP_TABLE, &op) == MEMINTRO_OK && memcmp(v, mem + 0x1000, 8) == 0,
              "backed part of a half-backed page reads fine (pass %d)", k);
        memset(v, 0xee, sizeof v);
        CHECK(rd(&c.phys, 0x17f8, v, 16, MEMINTRO_OP_TABLE, &op) == MEMINTRO_E_HOLE && op.missing == 8 &&
                  memcmp(v, mem + 0x17f8, 8) == 0 && v[8] == 0 && v[15] == 0,
              "op running into the hole: E_HOLE, 8 missing, zero filled (pass %d)", k);
        memset(v, 0xee, sizeof v);
        CHECK(rd(&c.phys, 0x2000, v, 16, 0, &op) == MEMINTRO_E_HOLE && op.missing == 16 && v[0] == 0,
              "op in the hole (pass %d)", k);
    }
    /* one line, a batch alternating between two pages that share it */
    {
        memintro_op ops[6];
        uint8_t bufs[6][8];
        int good = 1;
        memintro_cache_init(&c, &cnt.phys, cmem, memintro_cache_mem_size(1), MEMINTRO_CACHE_ALL);
        for (k = 0; k < 6; k++) {
            ops[k].addr = (k & 1 ? 0x9000 : 0x4000) + 8 * (uint64_t)k;
            ops[k].buf = bufs[k];
            ops[k].len = 8;
            ops[k].flags = 0;
        }
        for (k = 0; k < 2; k++) {
            int i;
            memset(bufs, 0, sizeof bufs);
            memintro_phys_read(&c.phys, ops, 6);
            for (i = 0; i < 6; i++) good &= ops[i].status == MEMINTRO_OK && memcmp(bufs[i], mem + ops[i].addr, 8) == 0;
        }
        CHECK(good, "one-line cache, two pages in one batch: every op correct");
    }
}

/* Random batches: mixed flags, sizes, page-crossing ops and holes, bigger than the
   forwarding window; results compared with the image and the hole map. */
static void test_random(void)
{
    memintro_range st[3];
    memintro_memmap m;
    memintro_buffer b;
    counting cnt;
    memintro_cache c;
    static memintro_op ops[500];
    static uint8_t bufs[500][64];
    trng r;
    int round, bad = 0;
    size_t lines[3];
    timg_init(&T, mem, IMG_SIZE, 0);
    timg_fill_pattern(&T, 0, IMG_SIZE);
    memintro_memmap_init(&m, st, 3);
    memintro_memmap_add(&m, 0, 0x20000, 0);
    memintro_memmap_add(&m, 0x30000, 0x20800, 0x30000); /* ends mid-page */
    memintro_memmap_add(&m, 0x60000, 0x20000, 0x60000);
    memintro_buffer_init(&b, mem, IMG_SIZE, &m, 0);
    counting_init(&cnt, &b.phys);
    lines[0] = 1; lines[1] = 8; lines[2] = 200;
    trng_seed(&r, 3);
    for (round = 0; round < 300; round++) {
        size_t n = 1 + (size_t)trng_below(&r, 500), i;
        if (round % 100 == 0)
            memintro_cache_init(&c, &cnt.phys, cmem, memintro_cache_mem_size(lines[round / 100]),
                                round / 100 == 1 ? MEMINTRO_CACHE_TABLES : MEMINTRO_CACHE_ALL);
        for (i = 0; i < n; i++) {
            ops[i].addr = trng_below(&r, 0x90000);
            if (trng_below(&r, 4) == 0) ops[i].addr = (ops[i].addr | 0xfff) - trng_below(&r, 8); /* near a page end */
            ops[i].len = (size_t)trng_below(&r, 65);
            ops[i].buf = bufs[i];
            ops[i].flags = trng_below(&r, 2) ? MEMINTRO_OP_TABLE : 0;
            memset(bufs[i], 0xcc, 64);
        }
        memintro_phys_read(&c.phys, ops, n);
        for (i = 0; i < n; i++) {
            size_t j, missing = 0;
            for (j = 0; j < ops[i].len; j++) {
                uint64_t a = ops[i].addr + j;
                int backed = a < 0x20000 || (a >= 0x30000 && a < 0x50800) || (a >= 0x60000 && a < 0x80000);
                if (!backed) missing++;
                if (bufs[i][j] != (backed ? mem[a] : 0)) bad++;
            }
            if (ops[i].missing != missing || (ops[i].status == MEMINTRO_OK) != (missing == 0) ||
                (missing && ops[i].status != MEMINTRO_E_HOLE))
                bad++;
            if (ops[i].len < 64 && bufs[i][ops[i].len] != 0xcc) bad++;
        }
    }
    CHECK(bad == 0, "300 random batches of up to 500 ops through caches of 1, 8 and 200 lines (%d mismatches)", bad);
    CHECK(c.hits > 0 && c.misses > 0, "random batches: hits %llu, misses %llu", (unsigned long long)c.hits,
          (unsigned long long)c.misses);
}

/* Translation through a cache: same answers, fewer backend reads. */
static void test_translate_through_cache(void)
{
    memintro_buffer b;
    counting below, direct;
    memintro_cache c;
    memintro_virt v1, v2;
    memintro_mmu_desc d;
    static uint8_t s1[1 << 16], s2[1 << 16];
    static memintro_xlate x1[4096], x2[4096];
    static uint64_t mapped[400];
    trng r;
    uint64_t pml4;
    size_t i;
    int pass, same = 1;
    timg_init(&T, mem, IMG_SIZE, 0x100000);
    timg_fill_pattern(&T, 0, 0x100000);
    trng_seed(&r, 11);
    /* 400 random 4K pages in a 16 GiB window, tables built on demand */
    pml4 = timg_alloc(&T, 4096, 4096);
    for (i = 0; i < 400; i++) {
        uint64_t va = trng_below(&r, 1ull << 34) & ~0xfffull, t = pml4;
        int lv;
        for (lv = 3; lv >= 1; lv--) {
            uint64_t ea = t + ((va >> (12 + 9 * lv)) & 511) * 8, e = timg_get64(&T, ea);
            if (!(e & 1)) {
                e = timg_alloc(&T, 4096, 4096) | 7;
                timg_put64(&T, ea, e);
            }
            t = e & 0x000ffffffffff000ull;
        }
        timg_put64(&T, t + ((va >> 12) & 511) * 8, (trng_below(&r, 256) << 12) | 7);
        mapped[i] = va;
    }
    memintro_buffer_init(&b, mem, IMG_SIZE, NULL, 0);
    counting_init(&below, &b.phys);
    counting_init(&direct, &b.phys);
    memintro_cache_init(&c, &below.phys, cmem, sizeof cmem, MEMINTRO_CACHE_TABLES);
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = pml4;
    memintro_virt_init(&v1, &direct.phys, &d, s1, sizeof s1);
    memintro_virt_init(&v2, &c.phys, &d, s2, sizeof s2);
    for (i = 0; i < 4096; i++) {
        uint64_t va = trng_below(&r, 3) ? mapped[trng_below(&r, 400)] + trng_below(&r, 4096) : trng_below(&r, 1ull << 34);
        x1[i].va = x2[i].va = va;
    }
    for (pass = 0; pass < 2; pass++) {
        counting_zero(&below);
        counting_zero(&direct);
        memintro_translate(&v1, x1, 4096);
        memintro_translate(&v2, x2, 4096);
        for (i = 0; i < 4096; i++)
            same &= x1[i].status == x2[i].status && x1[i].pa == x2[i].pa && x1[i].page_size == x2[i].page_size &&
                    x1[i].flags == x2[i].flags && x1[i].level == x2[i].level;
        if (pass == 1)
            CHECK(below.ops == 0 && direct.ops > 0,
                  "second pass: every table read served by the cache (%lu backend ops vs %lu without a cache)", below.ops,
                  direct.ops);
        else
            CHECK(below.table_ops > 0 && below.bytes % 4096 == 0, "first pass fills whole 4 KiB lines (%lu ops)", below.ops);
    }
    CHECK(same, "4096 translations twice: identical with and without the cache");
    {
        int found = 0;
        for (i = 0; i < 4096; i++) found += x1[i].status == MEMINTRO_OK;
        CHECK(found > 1000 && found < 4096, "the sample mixes mapped (%d) and unmapped addresses", found);
    }
    /* virtual reads through a CACHE_ALL cache give the same bytes */
    {
        static uint8_t a[64 * 1024], bb[64 * 1024];
        memintro_op o1, o2;
        memintro_cache_init(&c, &below.phys, cmem, sizeof cmem, MEMINTRO_CACHE_ALL);
        memintro_virt_init(&v2, &c.phys, &d, s2, sizeof s2);
        for (pass = 0; pass < 20; pass++) {
            uint64_t va = mapped[trng_below(&r, 400)] + trng_below(&r, 4096) - 0x2000;
            size_t len = 1 + (size_t)trng_below(&r, sizeof a);
            memset(a, 1, sizeof a);
            memset(bb, 2, sizeof bb);
            o1.addr = o2.addr = va; o1.len = o2.len = len; o1.flags = o2.flags = 0;
            o1.buf = a; o2.buf = bb;
            memintro_virt_read(&v1, &o1, 1);
            memintro_virt_read(&v2, &o2, 1);
            same &= o1.status == o2.status && o1.missing == o2.missing && memcmp(a, bb, len) == 0;
        }
        CHECK(same, "20 virtual reads: identical bytes with and without a CACHE_ALL cache");
    }
}

int main(void)
{
    test_basics();
    test_holes_conflicts();
    test_random();
    test_translate_through_cache();
    return check_done();
}
