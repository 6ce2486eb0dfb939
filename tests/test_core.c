/* tests/test_core.c: unit tests of memintro.h's basics on synthetic data: status strings,
   little-endian loads, memory maps (add, merge, overlap, lookup, holes), the buffer backend
   (ops crossing range boundaries and holes, zero fill and missing counts, read-only
   writes) and memintro_phys_read1. Expected values come from the bytes and ranges the
   test itself sets up. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <stdlib.h>
#include <string.h>

static void test_status(void)
{
    int i, j, distinct = 1, nonempty = 1;
    CHECK(strcmp(memintro_status_str(MEMINTRO_OK), "ok") == 0, "status_str(OK) is \"ok\"");
    for (i = 0; i < MEMINTRO_STATUS_COUNT; i++) {
        const char *a = memintro_status_str((memintro_status)i);
        if (!a || !*a || strcmp(a, "unknown status") == 0) nonempty = 0;
        for (j = 0; j < i; j++)
            if (strcmp(a, memintro_status_str((memintro_status)j)) == 0) distinct = 0;
    }
    CHECK(nonempty, "every status has its own description");
    CHECK(distinct, "status descriptions are distinct");
    CHECK(strcmp(memintro_status_str(MEMINTRO_STATUS_COUNT), "unknown status") == 0, "status past the enum");
    CHECK(strcmp(memintro_status_str((memintro_status)-1), "unknown status") == 0, "negative status");
    CHECK(strcmp(memintro_status_str((memintro_status)0x7fffffff), "unknown status") == 0, "huge status");
    CHECK(strstr(memintro_status_str(MEMINTRO_E_UNMAPPED), "not mapped") != NULL, "E_UNMAPPED text");
    CHECK(strstr(memintro_status_str(MEMINTRO_E_HOLE), "not backed") != NULL, "E_HOLE text");
    CHECK(MEMINTRO_OK == 0, "MEMINTRO_OK is zero");
    CHECK(sizeof(memintro_status) == 4, "memintro_status is 32 bits");
}

static void test_loads(void)
{
    uint8_t b[17];
    int i;
    for (i = 0; i < 17; i++) b[i] = (uint8_t)(i + 1);
    CHECK(memintro_get_u16(b) == 0x0201, "get_u16 little-endian");
    CHECK(memintro_get_u32(b) == 0x04030201u, "get_u32 little-endian");
    CHECK(memintro_get_u64(b) == 0x0807060504030201ull, "get_u64 little-endian");
    CHECK(memintro_get_u16(b + 1) == 0x0302, "get_u16 unaligned");
    CHECK(memintro_get_u32(b + 3) == 0x07060504u, "get_u32 unaligned");
    CHECK(memintro_get_u64(b + 9) == 0x11100f0e0d0c0b0aull, "get_u64 unaligned");
    b[0] = 0xff; b[1] = 0xfe; b[2] = 0xfd; b[3] = 0xfc; b[4] = 0x80; b[5] = 0x81; b[6] = 0x82; b[7] = 0xff;
    CHECK(memintro_get_u16(b) == 0xfeff, "get_u16 high bytes (no sign extension)");
    CHECK(memintro_get_u32(b) == 0xfcfdfeffu, "get_u32 high bytes");
    CHECK(memintro_get_u64(b) == 0xff828180fcfdfeffull, "get_u64 high bytes");
}

static int map_is(const memintro_memmap *m, const uint64_t *triples, size_t n)
{
    size_t i;
    if (m->count != n) return 0;
    for (i = 0; i < n; i++)
        if (m->ranges[i].start != triples[3 * i] || m->ranges[i].size != triples[3 * i + 1] ||
            m->ranges[i].offset != triples[3 * i + 2])
            return 0;
    return 1;
}

static void test_memmap(void)
{
    memintro_range st[4];
    memintro_memmap m;
    uint64_t off, run;
    memintro_memmap_init(&m, st, 4);
    CHECK(m.count == 0 && m.capacity == 4, "memmap_init: empty");
    CHECK(memintro_memmap_lookup(&m, 0, &off, &run) == 0 && run == UINT64_MAX, "empty map: address 0 is a hole to the end");
    CHECK(memintro_memmap_lookup(&m, 0x1000, &off, &run) == 0 && run == 0ull - 0x1000, "empty map: run to the end of the space");
    CHECK(memintro_memmap_lookup(&m, UINT64_MAX, &off, &run) == 0 && run == 1, "empty map: last byte has run 1");

    /* out-of-order inserts end sorted */
    CHECK(memintro_memmap_add(&m, 0x10000, 0x1000, 0x5000) == MEMINTRO_OK, "add [0x10000,+0x1000)");
    CHECK(memintro_memmap_add(&m, 0x1000, 0x1000, 0) == MEMINTRO_OK, "add [0x1000,+0x1000)");
    {
        static const uint64_t want[] = {0x1000, 0x1000, 0, 0x10000, 0x1000, 0x5000};
        CHECK(map_is(&m, want, 2), "ranges kept sorted");
    }
    /* merge with the range before (contiguous in address and offset) */
    CHECK(memintro_memmap_add(&m, 0x2000, 0x800, 0x1000) == MEMINTRO_OK, "add contiguous after [0x1000]");
    {
        static const uint64_t want[] = {0x1000, 0x1800, 0, 0x10000, 0x1000, 0x5000};
        CHECK(map_is(&m, want, 2), "merged with the range before");
    }
    /* merge with the range after */
    CHECK(memintro_memmap_add(&m, 0xf000, 0x1000, 0x4000) == MEMINTRO_OK, "add contiguous before [0x10000]");
    {
        static const uint64_t want[] = {0x1000, 0x1800, 0, 0xf000, 0x2000, 0x4000};
        CHECK(map_is(&m, want, 2), "merged with the range after");
    }
    /* contiguous in address only: not merged */
    CHECK(memintro_memmap_add(&m, 0x11000, 0x1000, 0x9000) == MEMINTRO_OK, "add address-contiguous, offset not");
    CHECK(m.count == 3 && m.ranges[2].start == 0x11000 && m.ranges[2].offset == 0x9000, "not merged when offsets differ");
    /* overlaps */
    CHECK(memintro_memmap_add(&m, 0x1000, 0x10, 0x100) == MEMINTRO_E_INVALID, "overlap: same start");
    CHECK(memintro_memmap_add(&m, 0x27ff, 0x10, 0x100) == MEMINTRO_E_INVALID, "overlap: last byte of a range");
    CHECK(memintro_memmap_add(&m, 0x800, 0x801, 0x100) == MEMINTRO_E_INVALID, "overlap: first byte of a range");
    CHECK(memintro_memmap_add(&m, 0x0, 0x100000, 0x100) == MEMINTRO_E_INVALID, "overlap: covering ranges");
    CHECK(memintro_memmap_add(&m, 0x1100, 0x10, 0x100) == MEMINTRO_E_INVALID, "overlap: inside a range");
    CHECK(memintro_memmap_add(&m, 0x5000, 0, 0x100) == MEMINTRO_E_INVALID, "empty range rejected");
    CHECK(memintro_memmap_add(&m, 0xfffffffffffff000ull, 0x2000, 0) == MEMINTRO_E_INVALID, "wrapping range rejected");
    CHECK(memintro_memmap_add(&m, 0x5000, 0x2000, 0xfffffffffffff000ull) == MEMINTRO_E_INVALID, "wrapping offset rejected");
    CHECK(m.count == 3, "rejected adds leave the map alone");
    /* fill the storage, then NOSPACE; a merge still works when full */
    CHECK(memintro_memmap_add(&m, 0xfffffffffffff000ull, 0x1000, 0x20000) == MEMINTRO_OK, "range ending at the top of the space");
    CHECK(memintro_memmap_add(&m, 0x40000, 0x1000, 0x30000) == MEMINTRO_E_NOSPACE, "full storage: NOSPACE");
    CHECK(memintro_memmap_add(&m, 0x2800, 0x800, 0x1800) == MEMINTRO_OK, "full storage: merging add still fits");
    /* fill the gap between two ranges exactly: three become one */
    {
        memintro_range st2[3];
        memintro_memmap m2;
        static const uint64_t want[] = {0x1000, 0x3000, 0x7000};
        memintro_memmap_init(&m2, st2, 3);
        memintro_memmap_add(&m2, 0x1000, 0x1000, 0x7000);
        memintro_memmap_add(&m2, 0x3000, 0x1000, 0x9000);
        CHECK(m2.count == 2, "two separate ranges");
        CHECK(memintro_memmap_add(&m2, 0x2000, 0x1000, 0x8000) == MEMINTRO_OK && map_is(&m2, want, 1),
              "filling the gap merges both neighbours");
    }
    /* lookups: in ranges, in holes between, before the first, after the last */
    {
        memintro_range st3[3];
        memintro_memmap m3;
        memintro_memmap_init(&m3, st3, 3);
        memintro_memmap_add(&m3, 0x1000, 0x1000, 0x100);
        memintro_memmap_add(&m3, 0x4000, 0x2000, 0x9000);
        CHECK(memintro_memmap_lookup(&m3, 0x1000, &off, &run) == 1 && off == 0x100 && run == 0x1000, "lookup: first byte");
        CHECK(memintro_memmap_lookup(&m3, 0x1fff, &off, &run) == 1 && off == 0x10ff && run == 1, "lookup: last byte");
        CHECK(memintro_memmap_lookup(&m3, 0x2000, &off, &run) == 0 && run == 0x2000, "lookup: hole after a range");
        CHECK(memintro_memmap_lookup(&m3, 0x3fff, &off, &run) == 0 && run == 1, "lookup: last byte of a hole");
        CHECK(memintro_memmap_lookup(&m3, 0x0, &off, &run) == 0 && run == 0x1000, "lookup: before the first range");
        CHECK(memintro_memmap_lookup(&m3, 0x4800, &off, &run) == 1 && off == 0x9800 && run == 0x1800, "lookup: inside");
        CHECK(memintro_memmap_lookup(&m3, 0x6000, &off, &run) == 0 && run == 0ull - 0x6000, "lookup: after the last range");
        CHECK(memintro_memmap_find(&m3, 0x4fff) == &st3[1], "find: inside the second range");
        CHECK(memintro_memmap_find(&m3, 0x3000) == NULL, "find: hole");
        CHECK(memintro_memmap_find(&m3, 0xffffffffffffffffull) == NULL, "find: top of the space");
    }
    {
        memintro_memmap m4;
        memintro_memmap_init(&m4, NULL, 8);
        CHECK(m4.capacity == 0 && memintro_memmap_add(&m4, 0, 0x1000, 0) == MEMINTRO_E_NOSPACE, "no storage: NOSPACE");
    }
}

/* The buffer: 64 KiB with a pattern; the map puts
     [0x1000,0x3000) at 0x8000,  [0x3000,0x4000) at 0x0 (address-adjacent, not merged),
     hole [0x4000,0x6000),       [0x6000,0x7000) at 0x2000. */
static uint8_t cbuf[0x10000];

static uint8_t expect_byte(uint64_t ga, int *backed)
{
    *backed = 1;
    if (ga >= 0x1000 && ga < 0x3000) return cbuf[ga - 0x1000 + 0x8000];
    if (ga >= 0x3000 && ga < 0x4000) return cbuf[ga - 0x3000];
    if (ga >= 0x6000 && ga < 0x7000) return cbuf[ga - 0x6000 + 0x2000];
    *backed = 0;
    return 0;
}

/* Checks an op's result against expect_byte. */
static int op_ok(const memintro_op *op, size_t *missing_out)
{
    size_t i, missing = 0;
    const uint8_t *b = (const uint8_t *)op->buf;
    for (i = 0; i < op->len; i++) {
        int backed;
        uint8_t e = expect_byte(op->addr + i, &backed);
        if (!backed) missing++;
        if (b[i] != e) return 0;
    }
    *missing_out = missing;
    if (op->missing != missing) return 0;
    if (missing == 0) return op->status == MEMINTRO_OK;
    return op->status == MEMINTRO_E_HOLE;
}

static void test_buffer(void)
{
    memintro_range st[4];
    memintro_memmap m;
    memintro_buffer b;
    uint8_t out[8][0x3000];
    memintro_op ops[8];
    size_t i, miss;
    memintro_status s;
    static const struct { uint64_t addr; size_t len; size_t missing; const char *what; } cases[] = {
        {0x1100, 0x100, 0, "inside one range"},
        {0x2ff0, 0x20, 0, "crossing two ranges adjacent in address"},
        {0x3ff0, 0x20, 0x10, "running into a hole"},
        {0x3ff8, 0x2010, 0x2000, "spanning a hole between two ranges"},
        {0x4100, 0x40, 0x40, "entirely in a hole"},
        {0x0ff0, 0x20, 0x10, "starting before the first range"},
        {0x6ff0, 0x20, 0x10, "running past the last range"},
        {0x1000, 0, 0, "zero length"},
    };
    for (i = 0; i < sizeof cbuf; i++) cbuf[i] = (uint8_t)(i * 7 + (i >> 8));
    memintro_memmap_init(&m, st, 4);
    memintro_memmap_add(&m, 0x1000, 0x2000, 0x8000);
    memintro_memmap_add(&m, 0x3000, 0x1000, 0x0);
    memintro_memmap_add(&m, 0x6000, 0x1000, 0x2000);
    CHECK(m.count == 3, "test map has three ranges");
    CHECK(memintro_buffer_init(&b, cbuf, sizeof cbuf, &m, 0) == MEMINTRO_OK, "buffer_init over a map");
    for (i = 0; i < 8; i++) {
        memset(out[i], 0xaa, sizeof out[i]);
        ops[i].addr = cases[i].addr;
        ops[i].buf = out[i];
        ops[i].len = cases[i].len;
        ops[i].missing = 12345;
        ops[i].status = MEMINTRO_E_GONE;
        ops[i].flags = 0;
    }
    s = memintro_phys_read(&b.phys, ops, 8);
    CHECK(s == MEMINTRO_E_HOLE, "batch returns the first failing op's status");
    for (i = 0; i < 8; i++) {
        int ok = op_ok(&ops[i], &miss);
        CHECK(ok && miss == cases[i].missing, "buffer read %s: status %s, missing %zu (want %zu)", cases[i].what,
              memintro_status_str(ops[i].status), ops[i].missing, cases[i].missing);
        CHECK(out[i][cases[i].len] == 0xaa, "buffer read %s: no byte written past the op", cases[i].what);
    }
    /* only OK ops: OK */
    ops[0].status = MEMINTRO_E_IO;
    CHECK(memintro_phys_read(&b.phys, ops, 2) == MEMINTRO_OK && ops[0].status == MEMINTRO_OK, "all-OK batch returns OK");
    CHECK(memintro_phys_read(&b.phys, ops, 0) == MEMINTRO_OK, "empty batch");
    CHECK(memintro_phys_read(NULL, ops, 1) == MEMINTRO_E_INVALID, "NULL backend");
    CHECK(memintro_phys_read(&b.phys, NULL, 1) == MEMINTRO_E_INVALID, "NULL ops");

    /* read-only: writes fail, nothing changes */
    {
        uint8_t before[sizeof cbuf], src[64];
        memcpy(before, cbuf, sizeof cbuf);
        memset(src, 0x11, sizeof src);
        ops[0].addr = 0x1000; ops[0].buf = src; ops[0].len = 64;
        ops[1].addr = 0x4000; ops[1].buf = src; ops[1].len = 16;
        s = memintro_phys_write(&b.phys, ops, 2);
        CHECK(s == MEMINTRO_E_READONLY && ops[0].status == MEMINTRO_E_READONLY && ops[0].missing == 64 &&
                  ops[1].status == MEMINTRO_E_READONLY && ops[1].missing == 16,
              "read-only buffer: every write op fails with E_READONLY, all bytes missing");
        CHECK(memcmp(before, cbuf, sizeof cbuf) == 0, "read-only buffer: memory unchanged");
        CHECK(b.phys.write == NULL, "read-only buffer has no write function");
    }
    /* writable: writes land at the mapped offsets, across a range boundary and a hole */
    {
        memintro_buffer w;
        uint8_t before[sizeof cbuf], src[0x30];
        size_t k;
        int good = 1;
        memcpy(before, cbuf, sizeof cbuf);
        for (k = 0; k < sizeof src; k++) src[k] = (uint8_t)(0xc0 + k);
        CHECK(memintro_buffer_init(&w, cbuf, sizeof cbuf, &m, 1) == MEMINTRO_OK, "writable buffer_init");
        ops[0].addr = 0x2ff8; ops[0].buf = src; ops[0].len = 0x10; /* 8 bytes at 0x9ff8, 8 at 0x0 */
        ops[1].addr = 0x3ff0; ops[1].buf = src; ops[1].len = 0x30; /* 16 bytes at 0xff0, 32 into the hole */
        s = memintro_phys_write(&w.phys, ops, 2);
        CHECK(s == MEMINTRO_E_HOLE && ops[0].status == MEMINTRO_OK && ops[0].missing == 0 &&
                  ops[1].status == MEMINTRO_E_HOLE && ops[1].missing == 0x20,
              "write across ranges OK; write into a hole partial (missing 0x20)");
        for (k = 0; k < 8; k++) good &= cbuf[0x9ff8 + k] == src[k] && cbuf[0x0 + k] == src[8 + k];
        for (k = 0; k < 16; k++) good &= cbuf[0xff0 + k] == src[k];
        CHECK(good, "written bytes landed at the mapped offsets");
        /* nothing else changed */
        memcpy(before + 0x9ff8, src, 8);
        memcpy(before + 0x0, src + 8, 8);
        memcpy(before + 0xff0, src, 16);
        CHECK(memcmp(before, cbuf, sizeof cbuf) == 0, "no other byte of the buffer changed");
    }
    /* phys_read1 */
    {
        uint8_t v[8];
        memset(v, 0xaa, sizeof v);
        CHECK(memintro_phys_read1(&b.phys, 0x6004, v, 4) == MEMINTRO_OK && memcmp(v, cbuf + 0x2004, 4) == 0 &&
                  v[4] == 0xaa,
              "phys_read1 reads the mapped bytes");
        CHECK(memintro_phys_read1(&b.phys, 0x5000, v, 8) == MEMINTRO_E_HOLE && v[0] == 0 && v[7] == 0,
              "phys_read1 in a hole: E_HOLE, zeroed");
    }
    /* init validation */
    {
        memintro_range st2[1];
        memintro_memmap m2;
        memintro_buffer x;
        memintro_memmap_init(&m2, st2, 1);
        memintro_memmap_add(&m2, 0x0, 0x1001, 0xffff);
        CHECK(memintro_buffer_init(&x, cbuf, sizeof cbuf, &m2, 0) == MEMINTRO_E_INVALID, "range past the buffer rejected");
        CHECK(memintro_buffer_init(&x, NULL, 16, NULL, 0) == MEMINTRO_E_INVALID, "NULL data rejected");
        CHECK(memintro_buffer_init(&x, cbuf, 0, NULL, 0) == MEMINTRO_OK, "empty buffer accepted");
        CHECK(memintro_phys_read1(&x.phys, 0, cbuf, 0) == MEMINTRO_OK, "empty buffer: zero-length read OK");
    }
    /* identity map (map == NULL), and the top of the address space does not wrap to 0 */
    {
        memintro_buffer id;
        uint8_t v[32];
        memintro_buffer_init(&id, cbuf, sizeof cbuf, NULL, 0);
        CHECK(memintro_phys_read1(&id.phys, 0xfff0, v, 32) == MEMINTRO_E_HOLE, "identity map: read past the end");
        CHECK(memcmp(v, cbuf + 0xfff0, 16) == 0 && v[16] == 0 && v[31] == 0, "identity map: bytes then zeros");
        memset(v, 0xaa, sizeof v);
        ops[0].addr = 0xfffffffffffffff0ull; ops[0].buf = v; ops[0].len = 32; ops[0].flags = 0;
        s = memintro_phys_read(&id.phys, ops, 1);
        for (i = 0; i < 32 && v[i] == 0; i++) {}
        CHECK(s == MEMINTRO_E_HOLE && ops[0].missing == 32 && i == 32,
              "a read running past the top of the physical space does not wrap to address 0 (missing %zu)",
              ops[0].missing);
    }
}

/* A batch larger than the backend's chunk of lookups, mixing ops inside one range, ops across
   range ends, ops in a hole and ops the fallback serves: every byte equals a byte-by-byte
   model of the two maps (the model knows nothing of how the backend splits its work). */
static uint8_t model_byte(const uint8_t *a, const uint8_t *f, uint64_t addr, int *backed)
{
    *backed = 1;
    if (addr < 0x4000) return a[addr];                       /* range 1: offset 0 */
    if (addr >= 0x10000 && addr < 0x14000) return a[addr - 0x10000 + 0x4000]; /* range 2 */
    if (addr >= 0x8000 && addr < 0x9000) return f[addr - 0x8000];             /* the fallback */
    *backed = 0;
    return 0;
}

static void test_buffer_batches(void)
{
    static uint8_t a[0x8000], f[0x1000], out[400][80];
    static memintro_op ops[400];
    memintro_range r[2], fr[1];
    memintro_memmap m, fm;
    memintro_buffer b, fb;
    uint32_t seed = 12345;
    size_t i, k, bad = 0, nfb = 0, nhole = 0, ncross = 0;
    for (i = 0; i < sizeof a; i++) a[i] = (uint8_t)(i * 7 + 3);
    for (i = 0; i < sizeof f; i++) f[i] = (uint8_t)(i * 13 + 5);
    memintro_memmap_init(&m, r, 2);
    memintro_memmap_add(&m, 0, 0x4000, 0);
    memintro_memmap_add(&m, 0x10000, 0x4000, 0x4000);
    memintro_memmap_init(&fm, fr, 1);
    memintro_memmap_add(&fm, 0x8000, 0x1000, 0);
    CHECK(memintro_buffer_init(&b, a, sizeof a, &m, 0) == MEMINTRO_OK && memintro_buffer_init(&fb, f, sizeof f, &fm, 0) == MEMINTRO_OK,
          "batch test: two buffers");
    memintro_buffer_set_fallback(&b, &fb.phys);
    for (i = 0; i < 400; i++) {
        static const uint64_t base[] = {0x100, 0x3fe0, 0x10000, 0x13ff0, 0x6000, 0x8000, 0x7ff8, 0x8ff0};
        seed = seed * 1103515245u + 12345u;
        ops[i].addr = base[(seed >> 8) % 8] + (seed >> 16) % 64;
        ops[i].len = (seed >> 4) % 3 == 0 ? 8 : 1 + (seed >> 20) % 64;
        ops[i].buf = out[i];
        ops[i].flags = 0;
        memset(out[i], 0xee, sizeof out[i]);
    }
    memintro_phys_read(&b.phys, ops, 400);
    for (i = 0; i < 400; i++) {
        size_t missing = 0;
        int kinds = 0, saw_fb = 0;
        for (k = 0; k < ops[i].len; k++) {
            int backed;
            uint64_t addr = ops[i].addr + k;
            uint8_t want = model_byte(a, f, addr, &backed);
            if (!backed) missing++;
            if (addr >= 0x8000 && addr < 0x9000) saw_fb = 1;
            kinds |= backed ? 1 : 2;
            if (out[i][k] != want) bad++;
        }
        if (out[i][ops[i].len] != 0xee) bad++; /* nothing written past the op */
        if (ops[i].missing != missing || (ops[i].status == MEMINTRO_OK) != (missing == 0) ||
            (missing && ops[i].status != MEMINTRO_E_HOLE))
            bad++;
        nfb += saw_fb;
        nhole += missing != 0;
        ncross += kinds == 3;
    }
    CHECK(bad == 0 && nfb > 20 && nhole > 20 && ncross > 10,
          "a batch of 400 mixed ops (%zu through the fallback, %zu with holes, %zu partly backed) equals the byte model (%zu differences)",
          nfb, nhole, ncross, bad);
}

/* A buffer over maps of 0, 3, 6 and 12 ranges (each takes its own lookup path) and a batch
   of 1000 random reads: every byte equals the image's, unbacked bytes read as zeros (synthetic image). */
static void test_buffer_lookup(void)
{
    static uint8_t img[12 * 0x1000], out[1000][16];
    static memintro_op ops[1000];
    static const size_t counts[] = {0, 3, 6, 12};
    memintro_range *r;
    memintro_memmap m;
    memintro_buffer b;
    size_t c, i, k;
    uint32_t seed = 777;
    for (i = 0; i < sizeof img; i++) img[i] = (uint8_t)(i * 31 + 7);
    for (c = 0; c < 4; c++) {
        size_t n = counts[c], bad = 0, holes = 0;
        r = (memintro_range *)malloc((n ? n : 1) * sizeof *r); /* exactly the ranges: reads past them are caught */
        memintro_memmap_init(&m, r, n);
        for (i = 0; i < n; i++) memintro_memmap_add(&m, 0x100000 + i * 0x3000, 0x1000, i * 0x1000); /* gaps between */
        memintro_buffer_init(&b, img, sizeof img, &m, 0);
        for (i = 0; i < 1000; i++) {
            seed = seed * 1103515245u + 12345u;
            ops[i].addr = 0x100000 + (uint64_t)((seed >> 8) % 12) * 0x3000 + (seed >> 4) % 0x1400 - 0x200;
            ops[i].len = (seed & 3) ? 8 : 1 + (seed >> 24) % 16;
            ops[i].buf = out[i];
            ops[i].flags = 0;
            memset(out[i], 0xee, sizeof out[i]);
        }
        /* the last ops at the very top of the address space: holes (the lookup once read
           past a map of fewer than 4 ranges there) */
        ops[998].addr = UINT64_MAX;
        ops[998].len = 1;
        ops[999].addr = UINT64_MAX - 7;
        ops[999].len = 8;
        memintro_phys_read(&b.phys, ops, 1000);
        for (i = 0; i < 1000; i++) {
            size_t missing = 0;
            if (i >= 998) {
                bad += ops[i].status != MEMINTRO_E_HOLE || ops[i].missing != ops[i].len;
                holes++;
                continue;
            }
            for (k = 0; k < ops[i].len; k++) {
                uint64_t a = ops[i].addr + k - 0x100000;
                size_t ri = (size_t)(a / 0x3000);
                int backed = a % 0x3000 < 0x1000 && ri < n;
                uint8_t want = backed ? img[ri * 0x1000 + a % 0x3000] : 0;
                missing += !backed;
                bad += out[i][k] != want;
            }
            bad += ops[i].missing != missing || (ops[i].status == MEMINTRO_OK) != (missing == 0);
            holes += missing != 0;
        }
        free(r);
        CHECK(bad == 0 && (n ? holes > 100 && holes < 1000 : holes == 1000),
              "buffer over %zu ranges: 1000 random reads equal the image (%zu with holes, %zu differences)", n, holes, bad);
    }
}

int main(void)
{
    test_status();
    test_loads();
    test_memmap();
    test_buffer();
    test_buffer_batches();
    test_buffer_lookup();
    return check_done();
}
