/* bench_core.c - throughput of memintro.h's virtual reads, translation, TLB and page cache.

   Prints one line per measure:
       BENCH <name> <value> <unit> ratio R vs <baseline> <value> <unit>[; ...] (<notes>)

   Without arguments it builds a synthetic x86-64 4-level guest in memory (synthetic on
   purpose: a fixed, repeatable layout): a 64 MiB virtual span mapped by 4 KiB pages onto
   shuffled physical frames (the page tables shuffled among them, so neither data nor tables
   are in virtual order), plus a second address space that maps the same bytes with shuffled
   2 MiB pages. With --image it runs the same random and sequential workloads over
   [va-base, va-base+span) of a raw physical image (memory-mapped read-only), so the
   numbers can be compared with other tools on the same file:

       bench_core --image PATH --dtb ADDR --va-base ADDR --span BYTES [--arch x86_64|la57|x86|pae|aarch64]
       bench_core --only TEXT     only the measures whose name contains TEXT

   Measures (each also through a MEMINTRO_CACHE_TABLES page cache, prefixed cache_):
     virt_read_random_8b_warm/cold  batches of 1024 random 8-byte memintro_virt_read ops,
                                    TLB warm / flushed before each batch (flush not timed);
                                    baseline memcpy-gather: the same 8-byte copies from
                                    precomputed physical addresses (the cost floor)
     virt_read1_random_8b_warm/notlb  one memintro_virt_read1 of 8 bytes per random address,
                                    warm TLB / no TLB; baseline naive-walk+load: the naive
                                    walk of the address, then its 8 bytes from the image
     list_chase_100k                a linked list of 100,000 nodes at random guest-virtual
                                    places, each next pointer read with memintro_virt_read1
                                    from the previous node, warm TLB; baseline
                                    host-pointer-chase: the same nodes chased through host
                                    pointers stored beside them (same cache lines)
     translate_cold_random/seq      memintro_translate of 1024 random / consecutive pages,
                                    no TLB; baseline naive-walk: a one-address, four-load
                                    walk written here over the same image
     virt_read_seq_4k/1m            the span read front to back in 4 KiB / 1 MiB requests,
                                    one memintro_virt_read1 each, warm TLB; baselines
                                    memcpy-same-frames (the same bytes from the frames they
                                    live in, one memcpy per physically contiguous run: the
                                    ratio that counts) and memcpy-contiguous (as many bytes
                                    from one contiguous buffer)
     virt_read_seq_1m_2mpages[_cold] 1 MiB requests through the 2 MiB-page space, warm TLB /
                                    TLB flushed before each request

   Every workload is checked against the bench's own reference (the naive walk, memcpy from
   the frames) before it is timed. A measure and its baselines run interleaved, unit by unit,
   RUNS times; the value printed is the median run, the ratio the median of the per-run
   ratios, and the best run is printed last. */

#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1024u            /* ops per memintro call in the batched workloads */
#define NRAND (1u << 20)       /* random addresses precomputed */
#define RUNS 7                 /* timed runs per measure (median reported) */
#define RUN_SECONDS 0.04       /* minimum wall time of one run */
#define TLB_ENTRIES (1u << 16) /* 64 Ki entries, 1 MiB */
#define CACHE_LINES 1024u      /* 4 MiB page cache: room for every page table */
#define SCRATCH_PAGES 1024u
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- helpers ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_core: %s\n", what);
    exit(1);
}

static void *xalloc(size_t n)
{
    void *p = 0;
    if (posix_memalign(&p, 4096, n ? n : 1)) die("out of memory");
    return p;
}

static volatile uint64_t sink; /* keeps results alive */

static uint64_t fold(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    uint64_t h = 0, w;
    size_t i;
    for (i = 0; i + 8 <= n; i += 512) {
        memcpy(&w, b + i, 8);
        h ^= w + i;
    }
    return h;
}

/* ---- timing ---- */

/* One unit of work: does untimed preparation itself, returns the seconds of the timed part
   and adds the items it processed to *items. */
typedef double (*unit_fn)(void *ctx, double *items);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double t[RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

/* A measure and its baselines. fns[0] is the measure, fns[1..n) the baselines. They run
   interleaved unit by unit (a batch, or a pass over the span: a few microseconds to a few
   milliseconds each) so that a change in machine load hits all of them alike; each run
   lasts at least RUN_SECONDS per function, and each ratio is the median of the ratios of
   the runs. */
typedef struct line {
    const char *name, *unit, *note;
    double scale;
    int n;
    unit_fn fns[3];
    const char *base[3]; /* names of the baselines (base[1], base[2]) */
} line;

static void bench_line(const line *l, void *ctx)
{
    double rate[3][RUNS], ratio[3][RUNS], best = 0;
    int j, k;
    for (j = 0; j < l->n; j++) {
        double warm = 0;
        l->fns[j](ctx, &warm); /* warm-up */
    }
    for (k = 0; k < RUNS; k++) {
        double t0 = now(), secs[3] = {0, 0, 0}, items[3] = {0, 0, 0};
        do
            for (j = 0; j < l->n; j++) secs[j] += l->fns[j](ctx, &items[j]);
        while (now() - t0 < RUN_SECONDS * l->n);
        for (j = 0; j < l->n; j++) rate[j][k] = items[j] / secs[j];
    }
    for (k = 0; k < RUNS; k++) {
        if (rate[0][k] > best) best = rate[0][k];
        for (j = 1; j < l->n; j++) ratio[j][k] = rate[0][k] / rate[j][k];
    }
    printf("BENCH %s %.1f %s", l->name, median(rate[0], RUNS) * l->scale, l->unit);
    for (j = 1; j < l->n; j++)
        printf("%s ratio %.2f vs %s %.1f %s", j > 1 ? ";" : "", median(ratio[j], RUNS), l->base[j],
               median(rate[j], RUNS) * l->scale, l->unit);
    printf(" (%s%smedian of %d, best %.1f)\n", l->note ? l->note : "", l->note ? "; " : "", RUNS, best * l->scale);
    fflush(stdout);
}

/* ---- the guest ---- */

typedef struct guest {
    uint8_t *img; /* guest-physical memory (frame 0 = byte 0) */
    uint64_t img_size;
    int levels;   /* 4 or 5 for the naive x86-64 walker, 0 when it does not apply */
    uint64_t va_base, span;
    uint64_t npages;    /* span / 4096 */
    uint64_t *page_pa;  /* physical address of each 4 KiB page of the span, ~0 if not readable */
    uint64_t *rand_va;  /* NRAND random 8-byte-aligned addresses in readable pages */
    uint64_t *rand_pa;
} guest;

static uint64_t ld64(const guest *g, uint64_t pa, int *ok)
{
    uint64_t v;
    if (pa > g->img_size - 8) {
        *ok = 0;
        return 0;
    }
    memcpy(&v, g->img + pa, 8);
    return v;
}

/* The reference: one address, one level after the other, as plainly as it can be written
   (x86-64 4- or 5-level). Returns ~0 when va is not mapped or a table is outside the image. */
static uint64_t naive_walk(const guest *g, uint64_t table, uint64_t va)
{
    int l, ok = 1;
    for (l = g->levels - 1; l >= 0; l--) {
        unsigned shift = 12 + 9 * (unsigned)l;
        uint64_t e = ld64(g, table + ((va >> shift) & 511) * 8, &ok);
        if (!ok || !(e & 1)) return ~0ull;
        if (l == 0 || ((l == 1 || l == 2) && (e & 0x80))) {
            uint64_t size = 1ull << shift;
            return (e & 0x000ffffffffff000ull & ~(size - 1)) | (va & (size - 1));
        }
        table = e & 0x000ffffffffff000ull;
    }
    return ~0ull;
}

static void put64(guest *g, uint64_t pa, uint64_t v)
{
    memcpy(g->img + pa, &v, 8);
}

#define SYN_SPAN (64ull << 20)
#define SYN_VA 0xffff888000000000ull
#define PTE_TABLE 0x63ull                 /* present, writable, accessed, dirty */
#define PTE_LEAF (0x63ull | (1ull << 63)) /* ... and no-execute */

/* Builds the synthetic guest: region A = 66 MiB of shuffled 4 KiB frames holding the 64 MiB
   of data pages and the 4 KiB-page tables; region B (after it) holds the tables of the
   2 MiB-page address space, which maps the first 64 MiB of region A in shuffled 2 MiB
   pages. Returns the two DTBs. */
static void build_synthetic(guest *g, uint64_t *dtb4k, uint64_t *dtb2m)
{
    const uint64_t npages = SYN_SPAN >> 12, npt = npages / 512;
    const uint64_t nframes = (66ull << 20) >> 12;
    uint64_t *frame = (uint64_t *)malloc(nframes * sizeof(uint64_t));
    uint64_t i, pml4, pdpt, pd, b;
    uint64_t chunk[32];
    if (!frame) die("out of memory");
    g->img_size = (66ull << 20) + 3 * 4096;
    g->img = (uint8_t *)xalloc(g->img_size);
    for (i = 0; i < g->img_size / 8; i++) ((uint64_t *)g->img)[i] = rnd();
    for (i = 0; i < nframes; i++) frame[i] = i;
    for (i = nframes - 1; i > 0; i--) {
        uint64_t j = rnd() % (i + 1), t = frame[i];
        frame[i] = frame[j];
        frame[j] = t;
    }
    /* 4 KiB-page space: frames [0, npages) data, then PML4, PDPT, PD, the PTs */
    pml4 = frame[npages] << 12;
    pdpt = frame[npages + 1] << 12;
    pd = frame[npages + 2] << 12;
    for (i = npages; i < npages + 3 + npt; i++) memset(g->img + (frame[i] << 12), 0, 4096);
    put64(g, pml4 + ((SYN_VA >> 39) & 511) * 8, pdpt | PTE_TABLE);
    put64(g, pdpt + ((SYN_VA >> 30) & 511) * 8, pd | PTE_TABLE);
    for (i = 0; i < npt; i++) put64(g, pd + (((SYN_VA >> 21) & 511) + i) * 8, (frame[npages + 3 + i] << 12) | PTE_TABLE);
    for (i = 0; i < npages; i++) {
        uint64_t va = SYN_VA + (i << 12);
        uint64_t pt = frame[npages + 3 + i / 512] << 12;
        put64(g, pt + ((va >> 12) & 511) * 8, (frame[i] << 12) | PTE_LEAF);
    }
    *dtb4k = pml4;
    /* 2 MiB-page space in region B */
    b = 66ull << 20;
    memset(g->img + b, 0, 3 * 4096);
    for (i = 0; i < 32; i++) chunk[i] = i;
    for (i = 31; i > 0; i--) {
        uint64_t j = rnd() % (i + 1), t = chunk[i];
        chunk[i] = chunk[j];
        chunk[j] = t;
    }
    put64(g, b + ((SYN_VA >> 39) & 511) * 8, (b + 4096) | PTE_TABLE);
    put64(g, b + 4096 + ((SYN_VA >> 30) & 511) * 8, (b + 8192) | PTE_TABLE);
    for (i = 0; i < 32; i++)
        put64(g, b + 8192 + (((SYN_VA >> 21) & 511) + i) * 8, (chunk[i] << 21) | PTE_LEAF | 0x80);
    *dtb2m = b;
    g->levels = 4;
    g->va_base = SYN_VA;
    g->span = SYN_SPAN;
    free(frame);
}

/* Fills page_pa (through the naive walker, or memintro_translate when it does not apply)
   and the random addresses. Returns the number of readable pages. */
static uint64_t plan(guest *g, memintro_virt *v, uint64_t dtb)
{
    uint64_t i, nok = 0, *ok;
    g->npages = (g->span + 4095) >> 12;
    g->page_pa = (uint64_t *)malloc(g->npages * sizeof(uint64_t));
    ok = (uint64_t *)malloc(g->npages * sizeof(uint64_t));
    g->rand_va = (uint64_t *)malloc(NRAND * sizeof(uint64_t));
    g->rand_pa = (uint64_t *)malloc(NRAND * sizeof(uint64_t));
    if (!g->page_pa || !ok || !g->rand_va || !g->rand_pa) die("out of memory");
    for (i = 0; i < g->npages; i++) {
        uint64_t va = g->va_base + (i << 12), pa;
        if (g->levels) {
            pa = naive_walk(g, dtb & 0x000ffffffffff000ull, va);
        } else {
            memintro_xlate x;
            memset(&x, 0, sizeof x);
            x.va = va;
            memintro_translate(v, &x, 1);
            pa = x.status == MEMINTRO_OK ? x.pa : ~0ull;
        }
        g->page_pa[i] = pa; /* ~0: not mapped */
        if (pa != ~0ull && pa <= g->img_size - 4096) ok[nok++] = i; /* mapped inside the image */
    }
    if (nok)
        for (i = 0; i < NRAND; i++) {
            uint64_t p = ok[rnd() % nok], off = (rnd() % 512) * 8;
            g->rand_va[i] = g->va_base + (p << 12) + off;
            g->rand_pa[i] = g->page_pa[p] + off;
        }
    free(ok);
    return nok;
}

/* Copies n guest-physical bytes at pa (~0: not mapped) as a reader sees them: bytes
   outside the image read as zeros. */
static void copy_phys(const guest *g, uint8_t *dst, uint64_t pa, size_t n)
{
    size_t have = 0;
    if (pa != ~0ull && pa < g->img_size) have = (size_t)MIN((uint64_t)n, g->img_size - pa);
    if (have) memcpy(dst, g->img + pa, have);
    if (have < n) memset(dst + have, 0, n - have);
}

/* ---- workloads ---- */

typedef struct ctx {
    guest *g;
    memintro_virt *v;
    memintro_tlb *tlb; /* flushed before each batch when cold */
    int cold;
    uint64_t dtb;
    size_t req;      /* sequential request size */
    size_t next;     /* position in rand_va or in the span */
    uint8_t *out;    /* BATCH * 8 bytes, or req bytes */
    memintro_op *ops;
    memintro_xlate *x;
    uint64_t *pa;
} ctx;

static double u_rand_read(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i, k = c->next;
    double t0;
    if (c->cold) memintro_tlb_flush(c->tlb);
    t0 = now();
    for (i = 0; i < BATCH; i++) {
        c->ops[i].addr = c->g->rand_va[k + i];
        c->ops[i].buf = c->out + i * 8;
        c->ops[i].len = 8;
        c->ops[i].flags = 0;
    }
    memintro_virt_read(c->v, c->ops, BATCH);
    t0 = now() - t0;
    sink ^= fold(c->out, BATCH * 8);
    c->next = (k + BATCH) % NRAND;
    *items += BATCH;
    return t0;
}

static double u_rand_memcpy(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i, k = c->next;
    double t0 = now();
    for (i = 0; i < BATCH; i++) memcpy(c->out + i * 8, c->g->img + c->g->rand_pa[k + i], 8);
    t0 = now() - t0;
    sink ^= fold(c->out, BATCH * 8);
    c->next = (k + BATCH) % NRAND;
    *items += BATCH;
    return t0;
}

/* random (c->req == 0) or sequential pages */
static uint64_t xlate_va(const ctx *c, size_t i)
{
    if (!c->req) return c->g->rand_va[c->next + i];
    return c->g->va_base + (((c->next + i) % c->g->npages) << 12);
}

static double u_translate(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i;
    double t0;
    if (c->tlb) memintro_tlb_flush(c->tlb);
    t0 = now();
    for (i = 0; i < BATCH; i++) c->x[i].va = xlate_va(c, i);
    memintro_translate(c->v, c->x, BATCH);
    t0 = now() - t0;
    sink ^= c->x[BATCH - 1].pa;
    c->next = (c->next + BATCH) % (c->req ? c->g->npages : NRAND);
    *items += BATCH;
    return t0;
}

static double u_naive(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i;
    uint64_t table = c->dtb & 0x000ffffffffff000ull;
    double t0 = now();
    for (i = 0; i < BATCH; i++) c->pa[i] = naive_walk(c->g, table, xlate_va(c, i));
    t0 = now() - t0;
    sink ^= c->pa[BATCH - 1];
    c->next = (c->next + BATCH) % (c->req ? c->g->npages : NRAND);
    *items += BATCH;
    return t0;
}

/* BATCH single 8-byte reads, one memintro_virt_read1 each (the read of one guest field) */
static double u_read1(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i, k = c->next;
    uint64_t acc = 0, val = 0;
    double t0 = now();
    for (i = 0; i < BATCH; i++) {
        memintro_virt_read1(c->v, c->g->rand_va[k + i], &val, 8);
        acc ^= val;
    }
    t0 = now() - t0;
    sink ^= acc;
    c->next = (k + BATCH) % NRAND;
    *items += BATCH;
    return t0;
}

/* the baseline: the naive walk of each address, then its 8 bytes loaded from the image */
static double u_naive_read(void *p, double *items)
{
    ctx *c = (ctx *)p;
    size_t i, k = c->next;
    uint64_t acc = 0, val, table = c->dtb & 0x000ffffffffff000ull;
    double t0 = now();
    for (i = 0; i < BATCH; i++) {
        uint64_t pa = naive_walk(c->g, table, c->g->rand_va[k + i]);
        memcpy(&val, c->g->img + pa, 8);
        acc ^= val;
    }
    t0 = now() - t0;
    sink ^= acc;
    c->next = (k + BATCH) % NRAND;
    *items += BATCH;
    return t0;
}

/* A linked list through guest memory: NODES 16-byte nodes at random places of the span's
   pages; a node holds the guest-virtual address of the next node, then a host pointer to
   the next node's second field (the same chase through host memory, same cache lines). */
#define NODES 100000u
static uint64_t chase_head_va;
static uint8_t *chase_head_host;

static void build_chase(guest *g)
{
    uint64_t nslots = g->npages * 256, i, first = 0, prev = 0;
    uint8_t *used = (uint8_t *)calloc((size_t)(nslots / 8 + 1), 1);
    uint64_t *slot = (uint64_t *)malloc(NODES * sizeof(uint64_t));
    if (!used || !slot) die("out of memory");
    for (i = 0; i < NODES; i++) {
        uint64_t k;
        do k = rnd() % nslots;
        while ((used[k >> 3] >> (k & 7)) & 1 || g->page_pa[k >> 8] == ~0ull);
        used[k >> 3] |= (uint8_t)(1u << (k & 7));
        slot[i] = k;
    }
    for (i = 0; i <= NODES; i++) {
        uint64_t k = slot[i % NODES];
        uint64_t va = g->va_base + (k << 4), pa = g->page_pa[k >> 8] + ((k & 255) << 4);
        uint8_t *host = g->img + pa + 8;
        if (i) {
            memcpy(g->img + prev, &va, 8);
            memcpy(g->img + prev + 8, &host, sizeof host);
        } else {
            first = k;
        }
        prev = pa;
    }
    chase_head_va = g->va_base + (first << 4);
    chase_head_host = g->img + g->page_pa[first >> 8] + ((first & 255) << 4) + 8;
    free(used);
    free(slot);
}

static double u_chase(void *p, double *items)
{
    ctx *c = (ctx *)p;
    uint64_t va = chase_head_va;
    size_t i;
    double t0 = now();
    for (i = 0; i < NODES; i++) memintro_virt_read1(c->v, va, &va, 8);
    t0 = now() - t0;
    sink ^= va;
    *items += NODES;
    return t0;
}

static double u_chase_host(void *p, double *items)
{
    uint8_t *h = chase_head_host;
    size_t i;
    double t0 = now();
    (void)p;
    for (i = 0; i < NODES; i++) memcpy(&h, h, sizeof h);
    t0 = now() - t0;
    sink ^= (uint64_t)(uintptr_t)h;
    *items += NODES;
    return t0;
}

/* The chase through memintro ends where it started and meets the host chase node by node. */
static void check_chase(const char *what, ctx *c)
{
    uint64_t va = chase_head_va;
    uint8_t *h = chase_head_host;
    size_t i;
    for (i = 0; i < NODES; i++) {
        uint64_t pa = c->g->page_pa[(va - c->g->va_base) >> 12] + (va & 4095);
        if (c->g->img + pa + 8 != h || memintro_virt_read1(c->v, va, &va, 8) != MEMINTRO_OK) {
            fprintf(stderr, "bench_core: %s: the list chase left the list at node %zu\n", what, i);
            exit(1);
        }
        memcpy(&h, h, sizeof h);
    }
    if (va != chase_head_va) {
        fprintf(stderr, "bench_core: %s: the list chase did not come back to its head\n", what);
        exit(1);
    }
}

/* One pass over the span in requests of c->req bytes; items are bytes. */
static double u_seq_read(void *p, double *items)
{
    ctx *c = (ctx *)p;
    uint64_t off;
    double t0 = now();
    for (off = 0; off < c->g->span; off += c->req) {
        size_t n = (size_t)MIN((uint64_t)c->req, c->g->span - off);
        if (c->cold) memintro_tlb_flush(c->tlb); /* tiny TLB in that case */
        memintro_virt_read1(c->v, c->g->va_base + off, c->out, n);
        sink ^= c->out[0];
    }
    t0 = now() - t0;
    *items += (double)c->g->span;
    return t0;
}

/* memcpy of the same bytes from the frames the pages live in, one memcpy per physically
   contiguous run (a page of shuffled 4 KiB frames, up to a request in a 2 MiB page) */
static double u_seq_frames(void *p, double *items)
{
    ctx *c = (ctx *)p;
    uint64_t off;
    double t0 = now();
    for (off = 0; off < c->g->span; off += c->req) {
        size_t n = (size_t)MIN((uint64_t)c->req, c->g->span - off), done, m;
        for (done = 0; done < n; done += m) {
            uint64_t pa = c->g->page_pa[(off + done) >> 12];
            m = MIN((size_t)4096, n - done);
            while (pa != ~0ull && done + m < n && c->g->page_pa[(off + done + m) >> 12] == pa + m)
                m += MIN((size_t)4096, n - done - m);
            copy_phys(c->g, c->out + done, pa, m);
        }
        sink ^= c->out[0];
    }
    t0 = now() - t0;
    *items += (double)c->g->span;
    return t0;
}

/* memcpy of as many bytes from one contiguous buffer (the start of the image) */
static double u_seq_contig(void *p, double *items)
{
    ctx *c = (ctx *)p;
    uint64_t off, avail = c->g->img_size;
    double t0 = now();
    for (off = 0; off < c->g->span; off += c->req) {
        size_t n = (size_t)MIN((uint64_t)c->req, c->g->span - off);
        memcpy(c->out, c->g->img + (off % (avail - n + 1)), n);
        sink ^= c->out[0];
    }
    t0 = now() - t0;
    *items += (double)c->g->span;
    return t0;
}

/* ---- checks before timing: memintro against the reference ---- */

static void check_reads(const char *what, ctx *c)
{
    uint8_t *ref = (uint8_t *)malloc(BATCH * 8);
    size_t i, k;
    uint8_t *seq = (uint8_t *)malloc(1u << 20), *seq_ref = (uint8_t *)malloc(1u << 20);
    if (!ref || !seq || !seq_ref) die("out of memory");
    for (k = 0; k < 4; k++) {
        c->next = k * BATCH;
        for (i = 0; i < BATCH; i++) memcpy(ref + i * 8, c->g->img + c->g->rand_pa[c->next + i], 8);
        memset(c->out, 0xee, BATCH * 8);
        { double d = 0; u_rand_read(c, &d); }
        for (i = 0; i < BATCH; i++)
            if (c->ops[i].status != MEMINTRO_OK) {
                fprintf(stderr, "bench_core: %s: random read of 0x%llx failed: %s\n", what,
                        (unsigned long long)c->ops[i].addr, memintro_status_str(c->ops[i].status));
                exit(1);
            }
        if (memcmp(ref, c->out, BATCH * 8)) {
            fprintf(stderr, "bench_core: %s: random reads differ from memcpy of the same physical bytes\n", what);
            exit(1);
        }
    }
    c->next = 0;
    /* 1 MiB at a page-misaligned offset, against the page-by-page reference */
    for (k = 0; k < 3; k++) {
        uint64_t off = (c->g->span > (2u << 20)) ? (rnd() % (c->g->span - (1u << 20))) : 0;
        size_t n = (size_t)MIN((uint64_t)1 << 20, c->g->span - off), done = 0;
        while (done < n) {
            uint64_t a = off + done;
            size_t m = MIN((size_t)(4096 - (a & 4095)), n - done);
            uint64_t pa = c->g->page_pa[a >> 12];
            copy_phys(c->g, seq_ref + done, pa == ~0ull ? pa : pa + (a & 4095), m);
            done += m;
        }
        memset(seq, 0xee, n);
        memintro_virt_read1(c->v, c->g->va_base + off, seq, n);
        if (memcmp(seq, seq_ref, n)) {
            fprintf(stderr, "bench_core: %s: sequential read differs from the page-by-page reference\n", what);
            exit(1);
        }
    }
    free(ref);
    free(seq);
    free(seq_ref);
}

/* A backend that counts the calls and operations reaching the one below. */
typedef struct counter {
    memintro_phys phys;
    memintro_phys *below;
    unsigned long calls, ops;
} counter;

static memintro_status counter_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    counter *k = (counter *)self;
    k->calls++;
    k->ops += count;
    return memintro_phys_read(k->below, ops, count);
}

/* How many backend calls one batch of BATCH translations costs (random, then sequential
   pages), printed once: the point of walking level by level. */
static void count_calls(guest *g, memintro_phys *phys, const memintro_mmu_desc *d)
{
    static uint8_t scratch[1u << 20];
    static memintro_xlate x[BATCH];
    memintro_virt v;
    counter k;
    size_t i, kind;
    unsigned long calls[2], ops[2];
    memset(&k, 0, sizeof k);
    k.phys.read = counter_read;
    k.below = phys;
    if (memintro_virt_init(&v, &k.phys, d, scratch, memintro_virt_scratch_size(SCRATCH_PAGES)) != MEMINTRO_OK)
        die("memintro_virt_init failed");
    for (kind = 0; kind < 2; kind++) {
        for (i = 0; i < BATCH; i++) {
            memset(&x[i], 0, sizeof x[i]);
            x[i].va = kind ? g->va_base + ((i % g->npages) << 12) : g->rand_va[i];
        }
        k.calls = k.ops = 0;
        memintro_translate(&v, x, BATCH);
        calls[kind] = k.calls;
        ops[kind] = k.ops;
    }
    printf("# translating %u pages without a TLB reads the tables in %lu backend calls (%lu operations) for\n"
           "# random pages, %lu calls (%lu operations) for sequential pages; a one-address walk makes one call\n"
           "# per entry (%u for %u pages in a %d-level mode)\n",
           BATCH, calls[0], ops[0], calls[1], ops[1], BATCH * (g->levels ? g->levels : 4), BATCH, g->levels ? g->levels : 4);
}

/* Against the naive walker (x86-64 modes only: elsewhere page_pa came from memintro). */
static void check_translate(const char *what, ctx *c)
{
    size_t i, k;
    if (!c->g->levels) return;
    for (k = 0; k < 2; k++) {
        size_t save = c->req;
        c->req = k; /* 0: random, 1: sequential */
        c->next = 4 * BATCH;
        for (i = 0; i < BATCH; i++) c->x[i].va = xlate_va(c, i);
        memintro_translate(c->v, c->x, BATCH);
        for (i = 0; i < BATCH; i++) {
            uint64_t va = c->x[i].va;
            uint64_t want = c->g->page_pa[(va - c->g->va_base) >> 12];
            uint64_t got = c->x[i].status == MEMINTRO_OK ? c->x[i].pa : ~0ull;
            if (want != ~0ull) want += va & 4095;
            if (got != want && !(want == ~0ull && c->x[i].status != MEMINTRO_OK)) {
                fprintf(stderr, "bench_core: %s: 0x%llx translated to 0x%llx, the reference walk says 0x%llx\n", what,
                        (unsigned long long)va, (unsigned long long)got, (unsigned long long)want);
                exit(1);
            }
        }
        c->req = save;
    }
    c->next = 0;
}

/* ---- a run of every workload over one address space ---- */

static const char *only; /* --only: run the measures whose name contains this */

static int want(const char *name)
{
    return !only || strstr(name, only) != 0;
}

static void run_line(line *l, const char *prefix, const char *name, ctx *c)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    if (!want(full)) return;
    l->name = full;
    bench_line(l, c);
}

/* Every workload over one address space (x86-64 4 KiB pages in the synthetic guest). */
static void run_all(const char *prefix, guest *g, memintro_phys *phys, uint64_t dtb, const memintro_mmu_desc *desc0)
{
    static memintro_tlb_entry tlb_mem[TLB_ENTRIES];
    static uint8_t scratch[1u << 20];
    memintro_mmu_desc d = *desc0;
    memintro_virt v;
    memintro_tlb tlb;
    ctx c;
    line l;
    char note[160];
    memset(&c, 0, sizeof c);
    d.dtb = dtb;
    if (memintro_virt_scratch_size(SCRATCH_PAGES) > sizeof scratch) die("scratch too small");
    if (memintro_virt_init(&v, phys, &d, scratch, memintro_virt_scratch_size(SCRATCH_PAGES)) != MEMINTRO_OK)
        die("memintro_virt_init failed");
    memintro_tlb_init(&tlb, tlb_mem, TLB_ENTRIES);
    memintro_virt_set_tlb(&v, &tlb);
    c.g = g;
    c.v = &v;
    c.tlb = &tlb;
    c.dtb = dtb;
    c.out = (uint8_t *)xalloc(1u << 20);
    c.ops = (memintro_op *)malloc(BATCH * sizeof(memintro_op));
    c.x = (memintro_xlate *)calloc(BATCH, sizeof(memintro_xlate));
    c.pa = (uint64_t *)malloc(BATCH * sizeof(uint64_t));
    if (!c.ops || !c.x || !c.pa) die("out of memory");

    check_reads(*prefix ? prefix : "plain", &c);
    memintro_virt_set_tlb(&v, 0);
    check_translate(*prefix ? prefix : "plain", &c);
    memintro_virt_set_tlb(&v, &tlb);

    /* random 8-byte reads */
    memset(&l, 0, sizeof l);
    l.unit = "Mreads/s";
    l.scale = 1e-6;
    l.n = 2;
    l.fns[0] = u_rand_read;
    l.fns[1] = u_rand_memcpy;
    l.base[1] = "memcpy-gather";
    snprintf(note, sizeof note, "batches of %u, TLB of %u entries", BATCH, TLB_ENTRIES);
    l.note = note;
    run_line(&l, prefix, "virt_read_random_8b_warm", &c);
    c.cold = 1;
    snprintf(note, sizeof note, "batches of %u, TLB flushed before each batch", BATCH);
    run_line(&l, prefix, "virt_read_random_8b_cold", &c);
    c.cold = 0;

    /* one read at a time: memintro_virt_read1 of 8 bytes at random addresses */
    if (g->levels) {
        l.fns[0] = u_read1;
        l.fns[1] = u_naive_read;
        l.base[1] = "naive-walk+load";
        l.note = "one memintro_virt_read1 per address, warm TLB";
        run_line(&l, prefix, "virt_read1_random_8b_warm", &c);
        memintro_virt_set_tlb(&v, 0);
        l.note = "one memintro_virt_read1 per address, no TLB";
        run_line(&l, prefix, "virt_read1_random_8b_notlb", &c);
        memintro_virt_set_tlb(&v, &tlb);
    }
    if (chase_head_va) {
        check_chase(*prefix ? prefix : "plain", &c);
        l.unit = "Mnodes/s";
        l.fns[0] = u_chase;
        l.fns[1] = u_chase_host;
        l.base[1] = "host-pointer-chase";
        snprintf(note, sizeof note, "%u nodes at random places, each next pointer read with memintro_virt_read1, warm TLB",
                 NODES);
        l.note = note;
        run_line(&l, prefix, "list_chase_100k", &c);
        l.unit = "Mreads/s";
    }

    /* cold translation, no TLB */
    memintro_virt_set_tlb(&v, 0);
    c.tlb = 0;
    l.unit = "Mpages/s";
    l.fns[0] = u_translate;
    l.fns[1] = u_naive;
    l.n = g->levels ? 2 : 1;
    l.base[1] = "naive-walk";
    snprintf(note, sizeof note, "batches of %u, no TLB%s", BATCH, g->levels ? "" : "; no naive walker for this mode");
    for (c.req = 0; c.req < 2; c.req++) {
        c.next = 0;
        run_line(&l, prefix, c.req ? "translate_cold_seq" : "translate_cold_random", &c);
    }
    c.tlb = &tlb;
    memintro_virt_set_tlb(&v, &tlb);

    /* sequential reads; the ratio that counts is the first (the same bytes, same frames) */
    l.unit = "MB/s";
    l.n = 3;
    l.fns[0] = u_seq_read;
    l.fns[1] = u_seq_frames;
    l.fns[2] = u_seq_contig;
    l.base[1] = "memcpy-same-frames";
    l.base[2] = "memcpy-contiguous";
    for (c.req = 4096; c.req <= (1u << 20); c.req <<= 8) {
        snprintf(note, sizeof note, "%s requests, one memintro_virt_read1 each, warm TLB", c.req == 4096 ? "4 KiB" : "1 MiB");
        run_line(&l, prefix, c.req == 4096 ? "virt_read_seq_4k" : "virt_read_seq_1m", &c);
    }
    c.req = 0;
    free(c.out);
    free(c.ops);
    free(c.x);
    free(c.pa);
}

/* Sequential reads through the 2 MiB-page address space: the same bytes are contiguous per
   2 MiB there, so memcpy-same-frames copies 1 MiB runs. */
static void run_large(guest *g, memintro_phys *phys, uint64_t dtb2m)
{
    static memintro_tlb_entry tlb_mem[TLB_ENTRIES];
    static memintro_tlb_entry one[1];
    static uint8_t scratch[1u << 20];
    memintro_mmu_desc d;
    memintro_virt v;
    memintro_tlb tlb, small;
    guest g2 = *g;
    ctx c;
    line l;
    uint64_t i;
    memset(&d, 0, sizeof d);
    memset(&c, 0, sizeof c);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = dtb2m;
    if (memintro_virt_init(&v, phys, &d, scratch, memintro_virt_scratch_size(SCRATCH_PAGES)) != MEMINTRO_OK)
        die("memintro_virt_init failed");
    memintro_tlb_init(&tlb, tlb_mem, TLB_ENTRIES);
    memintro_tlb_init(&small, one, 1);
    g2.page_pa = (uint64_t *)malloc(g->npages * sizeof(uint64_t));
    g2.rand_va = (uint64_t *)malloc(NRAND * sizeof(uint64_t));
    g2.rand_pa = (uint64_t *)malloc(NRAND * sizeof(uint64_t));
    if (!g2.page_pa || !g2.rand_va || !g2.rand_pa) die("out of memory");
    for (i = 0; i < g->npages; i++) g2.page_pa[i] = naive_walk(g, dtb2m, g->va_base + (i << 12));
    for (i = 0; i < NRAND; i++) {
        uint64_t off = (rnd() % (g->span / 8)) * 8;
        g2.rand_va[i] = g->va_base + off;
        g2.rand_pa[i] = g2.page_pa[off >> 12] + (off & 4095);
    }
    c.g = &g2;
    c.v = &v;
    c.dtb = dtb2m;
    c.out = (uint8_t *)xalloc(1u << 20);
    c.req = 1u << 20;
    c.ops = (memintro_op *)malloc(BATCH * sizeof(memintro_op));
    c.x = (memintro_xlate *)calloc(BATCH, sizeof(memintro_xlate));
    if (!c.ops || !c.x) die("out of memory");
    memintro_virt_set_tlb(&v, &tlb);
    c.tlb = &tlb;
    check_reads("2m-pages", &c);
    memset(&l, 0, sizeof l);
    l.unit = "MB/s";
    l.scale = 1e-6;
    l.n = 2;
    l.fns[0] = u_seq_read;
    l.fns[1] = u_seq_frames;
    l.base[1] = "memcpy-same-frames";
    l.note = "1 MiB requests in 2 MiB pages, warm TLB";
    run_line(&l, "", "virt_read_seq_1m_2mpages", &c);
    memintro_virt_set_tlb(&v, &small);
    c.tlb = &small;
    c.cold = 1;
    l.note = "1 MiB requests in 2 MiB pages, TLB flushed before each request";
    run_line(&l, "", "virt_read_seq_1m_2mpages_cold", &c);
    free(c.out);
    free(c.ops);
    free(c.x);
    free(g2.page_pa);
    free(g2.rand_va);
    free(g2.rand_pa);
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_core                       (synthetic 64 MiB x86-64 guest)\n"
            "       bench_core --image PATH --dtb ADDR --va-base ADDR --span BYTES [--arch x86_64|la57|x86|pae|aarch64]\n"
            "       --only TEXT   run only the measures whose name contains TEXT\n");
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end;
    unsigned long long v;
    if (!s || !*s) usage();
    v = strtoull(s, &end, 0);
    if (*end) {
        fprintf(stderr, "bench_core: %s '%s' is not a number\n", what, s);
        exit(2);
    }
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    static memintro_cache cache;
    guest g;
    memintro_buffer buf;
    memintro_mmu_desc d;
    void *cmem;
    const char *image = 0, *arch = "x86_64";
    uint64_t dtb = 0, dtb2m = 0, va_base = 0, span = 0;
    int i, have_dtb = 0, have_base = 0;
    memset(&g, 0, sizeof g);
    memset(&d, 0, sizeof d);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : 0;
        if (!strcmp(a, "--image")) { if (!val) usage(); image = val; i++; }
        else if (!strcmp(a, "--dtb")) { dtb = parse_u64(val, "--dtb"); have_dtb = 1; i++; }
        else if (!strcmp(a, "--va-base")) { va_base = parse_u64(val, "--va-base"); have_base = 1; i++; }
        else if (!strcmp(a, "--span")) { span = parse_u64(val, "--span"); i++; }
        else if (!strcmp(a, "--arch")) { if (!val) usage(); arch = val; i++; }
        else if (!strcmp(a, "--only")) { if (!val) usage(); only = val; i++; }
        else usage();
    }

    printf("# bench_core: memintro %d.%d; each figure is the median of %d runs (>= %.0f ms of each function per run),\n"
           "# each ratio the median of the per-run ratios; the best run is printed last.\n",
           MEMINTRO_VERSION_MAJOR, MEMINTRO_VERSION_MINOR, RUNS, RUN_SECONDS * 1e3);
    printf("# note: wall-clock times. Other load on the machine, frequency scaling and the memory system\n"
           "#       move absolute figures by 10-50%%; each measure runs interleaved with its baselines, so\n"
           "#       the ratios are the figures to compare across machines and runs.\n");

    if (!strcmp(arch, "x86_64")) d.arch = MEMINTRO_ARCH_X86_64, g.levels = 4;
    else if (!strcmp(arch, "la57")) d.arch = MEMINTRO_ARCH_X86_64_LA57, g.levels = 5;
    else if (!strcmp(arch, "x86")) d.arch = MEMINTRO_ARCH_X86;
    else if (!strcmp(arch, "pae")) d.arch = MEMINTRO_ARCH_X86_PAE;
    else if (!strcmp(arch, "aarch64")) d.arch = MEMINTRO_ARCH_AARCH64;
    else {
        fprintf(stderr, "bench_core: unknown --arch '%s' (x86_64, la57, x86, pae, aarch64)\n", arch);
        return 2;
    }

    if (image) {
        int fd;
        struct stat st;
        memintro_virt v;
        static uint8_t scratch[1u << 20];
        uint64_t nok;
        if (!have_dtb || !have_base || !span) usage();
        if (span > (64ull << 30)) die("--span above 64 GiB");
        fd = open(image, O_RDONLY);
        if (fd < 0 || fstat(fd, &st) < 0) {
            fprintf(stderr, "bench_core: cannot open %s\n", image);
            return 1;
        }
        if (st.st_size < 4096) die("image smaller than one page");
        g.img_size = (uint64_t)st.st_size;
        g.img = (uint8_t *)mmap(0, (size_t)g.img_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (g.img == (uint8_t *)MAP_FAILED) die("mmap failed");
        g.va_base = va_base & ~4095ull;
        g.span = (span + (va_base & 4095) + 4095) & ~4095ull;
        d.dtb = dtb;
        if (memintro_mmu_check(&d)) {
            fprintf(stderr, "bench_core: %s\n", memintro_mmu_check(&d));
            return 1;
        }
        memintro_buffer_init(&buf, g.img, g.img_size, NULL, 0);
        if (memintro_virt_init(&v, &buf.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK) die("memintro_virt_init failed");
        nok = plan(&g, &v, dtb);
        printf("# image %s (%llu bytes), dtb 0x%llx, [0x%llx, +0x%llx): %llu of %llu pages readable\n", image,
               (unsigned long long)g.img_size, (unsigned long long)dtb, (unsigned long long)g.va_base,
               (unsigned long long)g.span, (unsigned long long)nok, (unsigned long long)g.npages);
        if (!nok) die("no readable page in the span");
    } else {
        build_synthetic(&g, &dtb, &dtb2m);
        d.arch = MEMINTRO_ARCH_X86_64;
        memintro_buffer_init(&buf, g.img, g.img_size, NULL, 0);
        plan(&g, 0, dtb);
        build_chase(&g);
        printf("# synthetic x86-64 guest: 64 MiB at 0x%llx in shuffled 4 KiB frames (tables shuffled among them)\n",
               (unsigned long long)g.va_base);
    }

    d.dtb = dtb;
    count_calls(&g, &buf.phys, &d);
    run_all("", &g, &buf.phys, dtb, &d);
    if (!image && want("virt_read_seq_1m_2mpages_cold")) run_large(&g, &buf.phys, dtb2m);

    /* the same through a page cache that keeps page-table pages */
    cmem = xalloc(memintro_cache_mem_size(CACHE_LINES));
    if (memintro_cache_init(&cache, &buf.phys, cmem, memintro_cache_mem_size(CACHE_LINES), MEMINTRO_CACHE_TABLES) !=
        MEMINTRO_OK)
        die("memintro_cache_init failed");
    printf("# the same through a page cache (MEMINTRO_CACHE_TABLES, %u lines) between memintro and the buffer\n", CACHE_LINES);
    run_all("cache_", &g, &cache.phys, dtb, &d);
    printf("# cache: %llu hits, %llu misses\n", (unsigned long long)cache.hits, (unsigned long long)cache.misses);
    free(cmem);
    return 0;
}
