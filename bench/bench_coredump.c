/* bench_coredump.c - throughput of memintro_coredump.h: random guest-physical reads from an ELF
   core and a full Windows crash dump against memcpy out of the same file mapping, and a
   kdump-compressed file read end to end against plain zlib decompression of the same pages.

   Prints one line per measure:
       BENCH <name> <value> <unit> ratio <r> vs <baseline> <value> <unit> (<notes>)

   The files are made here (synthetic on purpose: a fixed, repeatable layout) in build/bench/:
   a 256 MiB guest (0-640 KiB, 1 MiB-192 MiB and 4 GiB-4.0625 GiB) whose pages are a mix of
   zero pages, repetitive kernel-like records and random bytes; the ELF core is written by
   memintro's writer, the Windows dump and the kdump (zlib, level 1 like QEMU and
   makedumpfile -c) by tests/tools/mkdump_gen.h. Every workload is checked against its
   baseline's bytes before it is timed. Each figure is the median of 5 runs of >= 40 ms; a ratio is the
   median of the 5 ratios of runs measured back to back (steadier on a loaded machine).
   Run with a path to time an existing dump too:  bench_coredump [DUMP]  (random 4 KiB and
   8-byte reads, and a full read, of any format). */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#define MEMINTRO_COREDUMP_LZO
#define MEMINTRO_COREDUMP_SNAPPY
#define MEMINTRO_COREDUMP_ZSTD
#include "memintro_coredump.h"
#include "tests/tools/mkdump_gen.h"

#include <sys/stat.h>
#include <time.h>

#define RUNS 5
#define RUN_SECONDS 0.04
#define BATCH 1024u
#define NRAND (1u << 16)
#define DIRB "build/bench"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static double best(const double *v, int n)
{
    double b = v[0];
    int i;
    for (i = 1; i < n; i++)
        if (v[i] > b) b = v[i];
    return b;
}

/* ---- the bench image ---- */

static const mk_range bench_ranges[3] = {{0x0, 0xa0000}, {0x100000, 0xbf00000}, {0x100000000ull, 0x4000000}};

static void bench_page(void *user, uint64_t pa, uint8_t *out)
{
    uint64_t pfn = pa >> 12, kind = mk_mix(pfn * 3 + 1) % 10, i;
    (void)user;
    if (kind < 3) { /* zero */
        memset(out, 0, 4096);
    } else if (kind < 8) { /* records: a few changing fields in mostly constant 64-byte structs */
        for (i = 0; i < 4096; i += 64) {
            memset(out + i, 0, 64);
            mk_le(out + i, 0xffff888000000000ull + pa + i, 8);
            mk_le(out + i + 8, 0xffff888000000000ull + pa + i + 64, 8);
            mk_le(out + i + 16, (i / 64) | 0x100, 4);
            mk_le(out + i + 24, 0xffffffff81000000ull + (mk_mix(pfn) & 0xfffff0), 8);
            memcpy(out + i + 40, "kworker/", 8);
        }
    } else { /* random bytes (already compressed data, keys...) */
        for (i = 0; i < 4096; i += 8) mk_le(out + i, mk_mix(pa + i), 8);
    }
}

static mk_src bench_src(void)
{
    mk_src s;
    s.r = bench_ranges;
    s.n = 3;
    s.page = bench_page;
    s.user = 0;
    return s;
}

static int write_all(const char *path, const mkbuf *b)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b->p, 1, b->n, f) == b->n;
    if (f && fclose(f)) ok = 0;
    return ok ? 0 : -1;
}

static int make_files(void)
{
    mk_src s = bench_src();
    uint64_t total = 0, off = 0, x;
    size_t i;
    uint8_t *img;
    memintro_range rr[3];
    memintro_memmap map;
    memintro_buffer buf;
    memintro_coredump_write_result r;
    mkbuf b = {0, 0, 0, 0};
    FILE *f;
    mkdir("build", 0777);
    mkdir(DIRB, 0777);
    for (i = 0; i < s.n; i++) total += s.r[i].size;
    img = (uint8_t *)malloc(total);
    if (!img) return -1;
    memintro_memmap_init(&map, rr, 3);
    for (i = 0; i < s.n; i++) {
        for (x = 0; x < s.r[i].size; x += 4096) bench_page(0, s.r[i].start + x, img + off + x);
        memintro_memmap_add(&map, s.r[i].start, s.r[i].size, off);
        off += s.r[i].size;
    }
    memintro_buffer_init(&buf, img, total, &map, 0);
    if (memintro_coredump_write_elf(&buf.phys, &map, 0, DIRB "/guest.elf", 0, &r) != MEMINTRO_OK) {
        fprintf(stderr, "bench_coredump: %s\n", r.error);
        return -1;
    }
    free(img);
    f = fopen(DIRB "/guest-full.dmp", "wb");
    if (!f) return -1;
    b.f = f;
    mk_windows(&b, &s, 0);
    if (fwrite(b.p, 1, b.n, f) != b.n || fclose(f)) return -1;
    b.f = 0;
    b.n = 0;
    mk_kdump(&b, &s, 1, 0);
    if (write_all(DIRB "/guest.kdump-zlib", &b)) return -1;
    b.n = 0;
    mk_kdump(&b, &s, 1, MKK_FLAT);
    if (write_all(DIRB "/guest.kdump-zlib-flat", &b)) return -1;
    mkb_free(&b);
    return 0;
}

/* ---- random reads against memcpy from the same mapping ---- */

static uint64_t addrs[NRAND];
static const uint8_t *srcs[NRAND];
static uint8_t dst[BATCH * 4096];
static memintro_op ops[BATCH];

/* n random addresses of the map (aligned to `align`), with their bytes' place in the mapping */
static int pick(memintro_coredump *d, size_t len, uint64_t align)
{
    uint64_t total = 0, seed = 0x9e3779b97f4a7c15ull;
    size_t i, r;
    for (r = 0; r < d->map.count; r++) total += d->map.ranges[r].size;
    for (i = 0; i < NRAND; i++) {
        uint64_t k, avail = 0;
        seed = mk_mix(seed);
        k = (seed % (total - len)) & ~(align - 1);
        for (r = 0; r < d->map.count; r++) {
            if (k < d->map.ranges[r].size) break;
            k -= d->map.ranges[r].size;
        }
        if (r == d->map.count) return -1;
        if (k + len > d->map.ranges[r].size) k = d->map.ranges[r].size - len;
        addrs[i] = d->map.ranges[r].start + (k & ~(align - 1));
        srcs[i] = (const uint8_t *)memintro_coredump_ptr(d, addrs[i], &avail);
        if (!srcs[i] || avail < len) return -1;
    }
    return 0;
}

/* one timed pass: memintro batches (which = 0) or memcpy (which = 1) over all NRAND */
static double pass(memintro_coredump *d, size_t len, int which)
{
    size_t i, k;
    double t0 = now(), t;
    unsigned long reps = 0;
    do {
        for (i = 0; i < NRAND; i += BATCH) {
            if (which == 0) {
                for (k = 0; k < BATCH; k++) {
                    ops[k].addr = addrs[i + k];
                    ops[k].buf = dst + k * len;
                    ops[k].len = len;
                    ops[k].flags = 0;
                }
                memintro_phys_read(&d->phys, ops, BATCH);
            } else if (len == 8) { /* a fixed-size copy, as a program reading the mapping does */
                for (k = 0; k < BATCH; k++) memcpy(dst + k * 8, srcs[i + k], 8);
            } else {
                for (k = 0; k < BATCH; k++) memcpy(dst + k * len, srcs[i + k], len);
            }
        }
        reps++;
        t = now() - t0;
    } while (t < RUN_SECONDS);
    return (double)reps * NRAND / t;
}

static void bench_random(memintro_coredump *d, const char *name, size_t len)
{
    double a[RUNS], b[RUNS], q[RUNS], ma, mb, ratio;
    int i;
    size_t k;
    uint64_t align = len >= 4096 ? 4096 : 8;
    if (pick(d, len, align)) {
        printf("BENCH %s_random_%s failed: no zero-copy view of this dump\n", name, len >= 4096 ? "4k" : "8b");
        return;
    }
    /* check first: the same bytes both ways */
    for (k = 0; k < BATCH; k++) {
        ops[k].addr = addrs[k];
        ops[k].buf = dst + k * len;
        ops[k].len = len;
        ops[k].flags = 0;
    }
    if (memintro_phys_read(&d->phys, ops, BATCH) != MEMINTRO_OK) {
        printf("BENCH %s failed: read error %s\n", name, memintro_coredump_error(d));
        return;
    }
    for (k = 0; k < BATCH; k++)
        if (memcmp(dst + k * len, srcs[k], len)) {
            printf("BENCH %s failed: bytes differ from the mapping at 0x%llx\n", name, (unsigned long long)addrs[k]);
            return;
        }
    pass(d, len, 0); /* warm up: fault the mapping in */
    pass(d, len, 1);
    for (i = 0; i < RUNS; i++) {
        a[i] = pass(d, len, 0);
        b[i] = pass(d, len, 1);
    }
    for (i = 0; i < RUNS; i++) q[i] = a[i] / b[i]; /* pairs measured back to back */
    ratio = median(q, RUNS);
    ma = median(a, RUNS);
    mb = median(b, RUNS);
    if (len >= 4096)
        printf("BENCH %s_random_4k %.0f MB/s ratio %.2f vs memcpy-same-mapping %.0f MB/s (4 KiB reads at random pages, "
               "batches of %u; median of %d, best %.0f)\n",
               name, ma * len / 1e6, ratio, mb * len / 1e6, BATCH, RUNS, best(a, RUNS) * len / 1e6);
    else
        printf(
            "BENCH %s_random_8b %.1f Mreads/s ratio %.2f vs memcpy-same-mapping %.1f Mreads/s (8-byte reads at random "
            "addresses, batches of %u; median of %d, best %.1f)\n",
            name, ma / 1e6, ratio, mb / 1e6, BATCH, RUNS, best(a, RUNS) / 1e6);
}

/* ---- kdump end to end against zlib ---- */

static double read_all(memintro_coredump *d, uint64_t *pages_out, uint32_t *crc)
{
    size_t r;
    uint64_t pages = 0;
    double t0 = now();
    uint32_t c = 0;
    for (r = 0; r < d->map.count; r++) {
        uint64_t a = d->map.ranges[r].start, end = a + d->map.ranges[r].size;
        while (a < end) {
            size_t n = 0, k;
            while (n < 256 && a < end) {
                ops[n].addr = a;
                ops[n].buf = dst + n * 4096;
                ops[n].len = 4096;
                ops[n].flags = 0;
                n++;
                a += 4096;
            }
            memintro_phys_read(&d->phys, ops, n);
            for (k = 0; k < n; k++) c += dst[k * 4096 + 1234] + (uint32_t)ops[k].status;
            pages += n;
        }
    }
    *pages_out = pages;
    *crc = c;
    return now() - t0;
}

/* The baseline: every page of the kdump file decompressed with zlib's uncompress (or copied
   when stored plainly), straight from its page descriptors: what any reader must do. */
static uint64_t zlib_pages;

static double zlib_all(const uint8_t *f, uint64_t size, uint64_t *pages_out, uint32_t *crc)
{
    uint32_t sub = (uint32_t)mk_rd(f + 0x1b0, 4), bmb = (uint32_t)mk_rd(f + 0x1b4, 4);
    uint64_t desc = (1ull + sub + bmb) * 4096, k, n = 0;
    uint64_t half = (uint64_t)bmb / 2 * 4096, bm2 = (1ull + sub) * 4096 + half, i;
    double t0 = now();
    uint32_t c = 0;
    for (i = 0; i < half; i++) n += (uint64_t)__builtin_popcount(f[bm2 + i]);
    zlib_pages = 0;
    for (k = 0; k < n; k++) {
        const uint8_t *pd = f + desc + 24 * k;
        uint64_t off = mk_rd(pd, 8);
        uint32_t len = (uint32_t)mk_rd(pd + 8, 4), flags = (uint32_t)mk_rd(pd + 12, 4);
        uint8_t *out = dst + (k & 255) * 4096;
        if (off + len > size) return -1;
        if (flags & 1) {
            uLongf o = 4096;
            if (uncompress(out, &o, f + off, len) != Z_OK || o != 4096) return -1;
            zlib_pages++;
        } else {
            memcpy(out, f + off, 4096);
        }
        c += out[1234];
    }
    *pages_out = n;
    *crc = c;
    return now() - t0;
}

static void bench_kdump(const char *path, const char *name)
{
    memintro_coredump d, raw;
    memintro_coredump_options o;
    double a[RUNS], b[RUNS], q[RUNS], tb = 0;
    uint64_t pa = 0, pb = 0, avail = 0;
    uint32_t ca = 0, cb = 0;
    const uint8_t *f;
    int i;
    memset(&o, 0, sizeof o);
    o.format = MEMINTRO_COREDUMP_RAW;
    if (memintro_coredump_open(&d, path, 0) != MEMINTRO_OK ||
        memintro_coredump_open(&raw, DIRB "/guest.kdump-zlib", &o)) {
        printf("BENCH %s failed: %s\n", name, d.error);
        return;
    }
    f = (const uint8_t *)memintro_coredump_ptr(&raw, 0, &avail);
    for (i = 0; i < RUNS; i++) {
        double ta = read_all(&d, &pa, &ca);
        tb = zlib_all(f, avail, &pb, &cb);
        if (tb <= 0) break;
        a[i] = (double)pa / ta;
        b[i] = (double)pb / tb;
        q[i] = a[i] / b[i];
    }
    if (pa != pb || ca != cb || tb <= 0) {
        printf("BENCH %s failed: %llu pages (checksum %u) vs zlib %llu pages (%u)\n", name, (unsigned long long)pa, ca,
               (unsigned long long)pb, cb);
    } else {
        printf(
            "BENCH %s %.0f kpages/s ratio %.2f vs zlib-uncompress-same-pages %.0f kpages/s (%llu pages, %.0f%% zlib, "
            "batches of 256 pages; median of %d, best %.0f)\n",
            name, median(a, RUNS) / 1e3, median(q, RUNS), median(b, RUNS) / 1e3, (unsigned long long)pa,
            100.0 * (double)zlib_pages / (double)(pb ? pb : 1), RUNS, best(a, RUNS) / 1e3);
    }
    memintro_coredump_close(&d);
    memintro_coredump_close(&raw);
}

int main(int argc, char **argv)
{
    memintro_coredump d;
    printf(
        "# bench_coredump: memintro %d.%d; each figure is the median of %d runs of >= %.0f ms, best run beside it.\n",
        MEMINTRO_VERSION_MAJOR, MEMINTRO_VERSION_MINOR, RUNS, RUN_SECONDS * 1000);
    printf(
        "# note: wall-clock figures on a shared machine; compare ratios (measured in the same run), not absolutes.\n");
    if (argc > 1) {
        uint64_t pages;
        uint32_t crc;
        double t;
        if (memintro_coredump_open(&d, argv[1], 0) != MEMINTRO_OK) {
            fprintf(stderr, "bench_coredump: %s: %s\n", argv[1], memintro_coredump_error(&d));
            return 1;
        }
        printf("# %s: %s\n", argv[1], d.description);
        bench_random(&d, "file", 4096);
        bench_random(&d, "file", 8);
        t = read_all(&d, &pages, &crc);
        printf("BENCH file_read_all %.0f kpages/s (%llu pages in %.2f s, one pass)\n", (double)pages / t / 1e3,
               (unsigned long long)pages, t);
        memintro_coredump_close(&d);
        return 0;
    }
    printf("# synthetic 256 MiB guest (3 ranges, one above 4 GiB): 30%% zero pages, 50%% record-like, 20%% random\n");
    if (make_files()) {
        fprintf(stderr, "bench_coredump: cannot write the bench files in " DIRB "\n");
        return 1;
    }
    if (memintro_coredump_open(&d, DIRB "/guest.elf", 0) == MEMINTRO_OK) {
        bench_random(&d, "elf", 4096);
        bench_random(&d, "elf", 8);
        memintro_coredump_close(&d);
    }
    if (memintro_coredump_open(&d, DIRB "/guest-full.dmp", 0) == MEMINTRO_OK) {
        bench_random(&d, "windows_full", 4096);
        bench_random(&d, "windows_full", 8);
        memintro_coredump_close(&d);
    }
    bench_kdump(DIRB "/guest.kdump-zlib", "kdump_zlib_read_all");
    bench_kdump(DIRB "/guest.kdump-zlib-flat", "kdump_zlib_flat_read_all");
    remove(DIRB "/guest.elf");
    remove(DIRB "/guest-full.dmp");
    remove(DIRB "/guest.kdump-zlib");
    remove(DIRB "/guest.kdump-zlib-flat");
    return 0;
}
