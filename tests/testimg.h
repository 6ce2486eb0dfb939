/* tests/testimg.h: helpers shared by the core's unit tests (synthetic data only): a
   guest-physical image in a static byte array, little-endian stores that do not depend on
   the host's byte order, a bump allocator of page-table pages, and a small PRNG.
   Expected values in the tests come from what the tests write here, never from memintro. */
#ifndef MEMINTRO_TEST_IMG_H
#define MEMINTRO_TEST_IMG_H
#include <stdint.h>
#include <string.h>

typedef struct timg {
    uint8_t *mem;
    uint64_t size;
    uint64_t next; /* bump allocator for table pages */
} timg;

static inline void timg_init(timg *t, uint8_t *mem, uint64_t size, uint64_t first_free)
{
    t->mem = mem;
    t->size = size;
    t->next = first_free;
    memset(mem, 0, (size_t)size);
}

/* A zeroed, `align`-aligned block of `bytes` (a page table or a data frame). */
static inline uint64_t timg_alloc(timg *t, uint64_t bytes, uint64_t align)
{
    uint64_t a = (t->next + align - 1) & ~(align - 1);
    if (a + bytes > t->size) return ~0ull;
    t->next = a + bytes;
    memset(t->mem + a, 0, (size_t)bytes);
    return a;
}

static inline void t_put8(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t t_get(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static inline void timg_put32(timg *t, uint64_t pa, uint32_t v) { t_put8(t->mem + pa, v, 4); }
static inline void timg_put64(timg *t, uint64_t pa, uint64_t v) { t_put8(t->mem + pa, v, 8); }
static inline uint64_t timg_get64(const timg *t, uint64_t pa) { return t_get(t->mem + pa, 8); }

/* xorshift64* */
typedef struct trng {
    uint64_t s;
} trng;
static inline uint64_t trng_next(trng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}
static inline uint64_t trng_below(trng *r, uint64_t n) { return n ? trng_next(r) % n : 0; }
static inline void trng_seed(trng *r, uint64_t seed) { r->s = seed * 0x9E3779B97F4A7C15ull + 0x1234567ull; if (!r->s) r->s = 1; }

/* A byte that depends on its guest-physical address, for checking where data came from. */
static inline uint8_t tpat(uint64_t pa) { return (uint8_t)((pa * 131u) ^ (pa >> 8) ^ (pa >> 16) ^ 0x5a); }
static inline void timg_fill_pattern(timg *t, uint64_t pa, uint64_t len)
{
    uint64_t i;
    for (i = 0; i < len; i++) t->mem[pa + i] = tpat(pa + i);
}
#endif
