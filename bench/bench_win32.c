/* bench_win32.c - cost of memintro_win32.h's walks: listing 200 processes with their
   modules, cold and warm, against reading the same bytes as plain physical reads; kernel
   discovery on a 4 GiB guest against a 256 MiB one.

   Prints one line per measure:
       BENCH <name> <value> <unit> ratio <r> vs <baseline> <value> <unit> (<notes>)

   The images are SYNTHETIC, written here by tests/win32_image.h (the test suite's generator)
   into build/bench/ as sparse raw files: Windows 10 22H2 (build 19045) x64, 200 processes
   besides System with 8 modules each, and for discovery the same layout in 256 MiB and in
   4 GiB of RAM, with and without the x64 low stub (without it the DTB is found by a scan of
   low memory for a self-referencing PML4). They are opened as a CLI user would, through
   memintro_target_open("raw:PATH") (a file mapping) with memintro_win32_hints_from_target.

   The walk: memintro_win32_processes, then memintro_win32_modules_many over all of them
   (their loader lists advance in lockstep: one physical batch a round for every process). The baseline ("phys-replay"): the same guest-physical bytes, in the same batches, read
   with memintro_phys_read from the same target; they are recorded once by a pass through a
   backend that forwards to the target and logs each batch (offering no direct access, so
   every byte the walk needs goes through the log). walk / replay is the cost of the walk
   itself (translation, parsing, callbacks) over the bare reads.

   "cold": the image file's pages are dropped from the page cache first (fsync +
   posix_fadvise DONTNEED; the line says how much of the file stayed resident), the target
   is opened afresh (a new mapping), memintro_win32_init runs afresh (a new, empty TLB), and
   both the walk and its replay fault their pages in from the file. "warm": the file's pages
   are cached and the target stays open; "warm, fresh init" runs memintro_win32_init before
   every walk (an empty TLB, discovery again), "warm, walk only" walks again with the TLB
   kept. Each figure is the median of RUNS runs (cold: COLD_RUNS); a ratio is the median of
   the ratios of runs measured back to back (steadier on a loaded machine). Each run is
   checked against the generator's spec (its process and module counts) before it counts. */
#define _GNU_SOURCE
#include "tests/win32_image.h"

#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

#include <sys/stat.h>
#include <time.h>

#define RUNS 15
#define COLD_RUNS 7
#define NPROCS 200
#define NMODS 8
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
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- a recording backend: forwards batches to the target, logs them --------------------- */

typedef struct rec {
    memintro_phys phys; /* first member */
    memintro_phys *inner;
    memintro_op *ops;
    size_t n, cap;
    size_t *batch; /* start index of each batch */
    size_t nb, capb;
    uint64_t bytes;
} rec;

static memintro_status rec_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    rec *r = (rec *)self;
    size_t i;
    if (r->nb == r->capb) {
        r->capb = r->capb ? 2 * r->capb : 1024;
        r->batch = (size_t *)realloc(r->batch, r->capb * sizeof *r->batch);
    }
    while (r->n + count > r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4096;
        r->ops = (memintro_op *)realloc(r->ops, r->cap * sizeof *r->ops);
    }
    if (!r->batch || !r->ops) {
        fprintf(stderr, "bench_win32: out of memory\n");
        exit(1);
    }
    r->batch[r->nb++] = r->n;
    for (i = 0; i < count; i++) {
        r->ops[r->n++] = ops[i];
        r->bytes += ops[i].len;
    }
    return memintro_phys_read(r->inner, ops, count);
}

/* A recorded phase: batches [b0, b1) of the log. */
typedef struct phase {
    size_t b0, b1;
    uint64_t ops, bytes;
} phase;

static uint8_t *replay_buf;
static size_t replay_size;

/* Reads the phase's batches again, as they were, from p. */
static void replay(const rec *r, const phase *ph, memintro_phys *p)
{
    static memintro_op tmp[65536];
    size_t b;
    for (b = ph->b0; b < ph->b1; b++) {
        size_t s = r->batch[b], e = b + 1 < r->nb ? r->batch[b + 1] : r->n, i, off = 0;
        while (s < e) {
            size_t k = 0;
            for (i = s; i < e && k < sizeof tmp / sizeof tmp[0]; i++, k++) {
                tmp[k] = r->ops[i];
                if (off + tmp[k].len > replay_size) off = 0;
                tmp[k].buf = replay_buf + off;
                off += tmp[k].len;
            }
            memintro_phys_read(p, tmp, k);
            s = i;
        }
    }
}

/* ---- the walk ----------------------------------------------------------------------------- */

typedef struct walk {
    memintro_win32_process *procs;
    size_t nprocs, cap;
    uint64_t nmods;
} walk;

static int on_proc(void *user, const memintro_win32_process *p)
{
    walk *k = (walk *)user;
    if (k->nprocs < k->cap) k->procs[k->nprocs++] = *p;
    return 0;
}

static int on_mod(void *user, size_t index, const memintro_win32_process *p, const memintro_win32_module *m)
{
    (void)index;
    (void)p;
    (void)m;
    ((walk *)user)->nmods++;
    return 0;
}

/* Lists every process and every process's modules. Returns 0 when the counts are the
   spec's, else -1. */
static int list_all(memintro_win32 *w, walk *k, uint64_t want_procs, uint64_t want_mods)
{
    k->nprocs = 0;
    k->nmods = 0;
    static unsigned char *scratch;
    static size_t scratch_size;
    if (memintro_win32_processes(w, on_proc, k) != MEMINTRO_OK) return -1;
    if (memintro_win32_modules_many_size(k->nprocs) > scratch_size) {
        free(scratch);
        scratch_size = memintro_win32_modules_many_size(k->nprocs);
        scratch = (unsigned char *)malloc(scratch_size);
        if (!scratch) return -1;
    }
    /* processes without a PEB (System, Registry) come back E_NOTFOUND in status[]: fine */
    if (memintro_win32_modules_many(w, k->procs, k->nprocs, 0, NULL, on_mod, k, scratch, scratch_size) != MEMINTRO_OK)
        return -1;
    return k->nprocs == want_procs && k->nmods == want_mods ? 0 : -1;
}

/* ---- files -------------------------------------------------------------------------------- */

/* Drops the file's pages from the page cache; returns the fraction still resident. */
static double drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    double res = -1;
    if (fd < 0) return -1;
    fsync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        size_t pages = (size_t)((st.st_size + 4095) / 4096), i, in = 0;
        unsigned char *v = (unsigned char *)malloc(pages);
        void *m = mmap(0, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (v && m != MAP_FAILED && mincore(m, (size_t)st.st_size, v) == 0) {
            for (i = 0; i < pages; i++) in += v[i] & 1;
            res = (double)in / (double)pages;
        }
        if (m != MAP_FAILED) munmap(m, (size_t)st.st_size);
        free(v);
    }
    close(fd);
    return res;
}

static int open_target(memintro_target *t, const char *path)
{
    char spec[512];
    snprintf(spec, sizeof spec, "raw:%s", path);
    if (memintro_target_open(t, spec, 0) != MEMINTRO_OK) {
        printf("BENCH win32 failed: cannot open %s: %s\n", path, memintro_target_error(t));
        return -1;
    }
    return 0;
}

/* TLB entries: room for the pages of 200 address spaces (the default 4096 would measure
   TLB conflicts between them) */
#define BENCH_TLB 65536

static void *mem;
static size_t mem_size;

static memintro_status w32_init(memintro_win32 *w, memintro_target *t, memintro_phys *p)
{
    memintro_win32_hints h;
    memintro_win32_hints_from_target(t, &h);
    return memintro_win32_init(w, p, &h, BENCH_TLB, mem, mem_size);
}

static int make_image(const char *path, uint64_t ram, uint32_t flags, uint32_t nprocs, uint32_t nmods,
                      uint64_t *want_procs, uint64_t *want_mods)
{
    w32i_options o;
    w32i_image img;
    uint32_t i;
    memset(&o, 0, sizeof o);
    o.build = 19045;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.flags = flags;
    o.ram_size = ram;
    o.nprocs = nprocs;
    o.nmods = nmods;
    if (w32i_build(&o, &img) != 0 || w32i_write_raw(&img, path) != 0) {
        printf("BENCH win32 failed: the generator cannot write %s\n", path);
        return -1;
    }
    if (want_procs) *want_procs = img.walk_limit;
    if (want_mods) {
        *want_mods = 0;
        for (i = 0; i < img.nprocs; i++)
            if (img.procs[i].peb) *want_mods += img.procs[i].nmods;
    }
    w32i_free(&img);
    return 0;
}

/* ---- listing ------------------------------------------------------------------------------ */

static int bench_listing(void)
{
    const char *path = DIRB "/win32-200.raw";
    uint64_t want_p, want_m;
    memintro_target t;
    static memintro_win32 w;
    memintro_status s;
    rec r;
    phase pinit, plist;
    walk k;
    double cw[COLD_RUNS], cr[COLD_RUNS], cq[COLD_RUNS], ci[COLD_RUNS], ww[RUNS], wr[RUNS], wq[RUNS], wf[RUNS],
        wfq[RUNS], resid = 0, t0, t1, t2;
    int i;
    if (make_image(path, 256ull << 20, 0, NPROCS, NMODS, &want_p, &want_m)) return 1;
    memset(&k, 0, sizeof k);
    k.cap = NPROCS + 16;
    k.procs = (memintro_win32_process *)malloc(k.cap * sizeof *k.procs);

    /* the recording pass */
    if (open_target(&t, path)) return 1;
    memset(&r, 0, sizeof r);
    r.phys.read = rec_read;
    r.inner = t.phys;
    if ((s = w32_init(&w, &t, &r.phys)) != MEMINTRO_OK) {
        printf("BENCH win32_list failed: init: %s\n", memintro_win32_why(&w));
        return 1;
    }
    pinit.b0 = 0;
    pinit.b1 = r.nb;
    pinit.ops = r.n;
    pinit.bytes = r.bytes;
    if (list_all(&w, &k, want_p, want_m)) {
        printf("BENCH win32_list failed: %llu processes and %llu modules, the spec has %llu and %llu\n",
               (unsigned long long)k.nprocs, (unsigned long long)k.nmods, (unsigned long long)want_p,
               (unsigned long long)want_m);
        return 1;
    }
    plist.b0 = pinit.b1;
    plist.b1 = r.nb;
    plist.ops = r.n - pinit.ops;
    plist.bytes = r.bytes - pinit.bytes;
    memintro_target_close(&t);
    replay_size = 16u << 20;
    for (i = 0; i < (int)r.n; i++)
        if (r.ops[i].len > replay_size) replay_size = r.ops[i].len;
    replay_buf = (uint8_t *)malloc(replay_size);
    printf("# listing: %llu processes, %llu modules; the walk reads %llu bytes in %llu ops, %llu batches "
           "(discovery before it: %llu bytes, %llu ops, %llu batches)\n",
           (unsigned long long)want_p, (unsigned long long)want_m, (unsigned long long)plist.bytes,
           (unsigned long long)plist.ops, (unsigned long long)(plist.b1 - plist.b0), (unsigned long long)pinit.bytes,
           (unsigned long long)pinit.ops, (unsigned long long)(pinit.b1 - pinit.b0));

    /* cold: dropped file pages, a fresh target and a fresh init (empty TLB) each run */
    for (i = 0; i < COLD_RUNS; i++) {
        double rs = drop_cache(path);
        if (rs > resid) resid = rs;
        if (open_target(&t, path)) return 1;
        t0 = now();
        s = w32_init(&w, &t, t.phys);
        t1 = now();
        if (s != MEMINTRO_OK || list_all(&w, &k, want_p, want_m)) {
            printf("BENCH win32_list_cold failed: %s\n", memintro_win32_why(&w));
            return 1;
        }
        t2 = now();
        memintro_target_close(&t);
        ci[i] = t1 - t0;
        cw[i] = t2 - t1;
        drop_cache(path);
        if (open_target(&t, path)) return 1;
        t0 = now();
        replay(&r, &pinit, t.phys);
        t1 = now();
        replay(&r, &plist, t.phys);
        t2 = now();
        memintro_target_close(&t);
        cr[i] = t2 - t1;
        cq[i] = cw[i] / cr[i];
        (void)t0;
    }
    /* warm: the target stays open, its pages cached */
    if (open_target(&t, path)) return 1;
    w32_init(&w, &t, t.phys);
    list_all(&w, &k, want_p, want_m);
    replay(&r, &plist, t.phys);
    for (i = 0; i < RUNS; i++) {
        t0 = now();
        s = w32_init(&w, &t, t.phys); /* a fresh, empty TLB */
        t1 = now();
        if (s != MEMINTRO_OK || list_all(&w, &k, want_p, want_m)) {
            printf("BENCH win32_list_warm failed\n");
            return 1;
        }
        t2 = now();
        wf[i] = t2 - t1;
        (void)t0;
        t0 = now();
        if (list_all(&w, &k, want_p, want_m)) { /* again, the TLB kept */
            printf("BENCH win32_list_warm failed\n");
            return 1;
        }
        t1 = now();
        replay(&r, &plist, t.phys);
        t2 = now();
        ww[i] = t1 - t0;
        wr[i] = t2 - t1;
        wq[i] = ww[i] / wr[i];
        wfq[i] = wf[i] / wr[i];
    }
    memintro_target_close(&t);
    {
        double a = median(cw, COLD_RUNS), b = median(cr, COLD_RUNS), q = median(cq, COLD_RUNS),
               d = median(ci, COLD_RUNS);
        printf("BENCH win32_list200_cold %.2f ms ratio %.2f vs phys-replay-cold %.2f ms (processes + modules "
               "after a fresh init; file pages dropped, at most %.0f%% stayed resident; discovery before it "
               "%.2f ms, not counted)\n",
               a * 1e3, q, b * 1e3, resid * 100, d * 1e3);
        a = median(wf, RUNS);
        b = median(wr, RUNS);
        q = median(wfq, RUNS);
        printf("BENCH win32_list200_warm_fresh_tlb %.3f ms ratio %.2f vs phys-replay-warm %.3f ms (page cache "
               "warm; memintro_win32_init before each walk: an empty TLB)\n",
               a * 1e3, q, b * 1e3);
        a = median(ww, RUNS);
        q = median(wq, RUNS);
        printf("BENCH win32_list200_warm %.3f ms ratio %.2f vs phys-replay-warm %.3f ms (page cache and TLB "
               "warm)\n",
               a * 1e3, q, b * 1e3);
    }
    free(r.ops);
    free(r.batch);
    free(k.procs);
    return 0;
}

/* ---- discovery on 4 GiB vs 256 MiB -------------------------------------------------------- */

/* Median time of memintro_win32_init (fresh each run, page cache warm) and the bytes it
   reads. Returns 0, or -1 (a BENCH failed line printed). */
static int time_init(const char *path, double *sec, uint64_t *bytes, const char **how)
{
    memintro_target t;
    static memintro_win32 w;
    double v[RUNS], t0;
    rec r;
    int i;
    if (open_target(&t, path)) return -1;
    memset(&r, 0, sizeof r);
    r.phys.read = rec_read;
    r.inner = t.phys;
    if (w32_init(&w, &t, &r.phys) != MEMINTRO_OK) {
        printf("BENCH win32_discovery failed: %s: %s\n", path, memintro_win32_why(&w));
        memintro_target_close(&t);
        return -1;
    }
    *bytes = r.bytes;
    *how = memintro_win32_source_name(w.dtb_source);
    free(r.ops);
    free(r.batch);
    for (i = 0; i < RUNS; i++) {
        t0 = now();
        if (w32_init(&w, &t, t.phys) != MEMINTRO_OK) {
            printf("BENCH win32_discovery failed: %s\n", memintro_win32_why(&w));
            memintro_target_close(&t);
            return -1;
        }
        v[i] = now() - t0;
    }
    memintro_target_close(&t);
    *sec = median(v, RUNS);
    return 0;
}

static int bench_discovery(void)
{
    static const struct {
        uint32_t flags;
        const char *tag, *what;
    } kinds[] = {{0, "stub", "low stub"}, {W32I_NO_LOW_STUB, "scan", "no low stub: page-table scan"}};
    size_t i;
    int rc = 0;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char small[256], big[256];
        double ts, tb;
        uint64_t bs, bb;
        const char *hs, *hb;
        snprintf(small, sizeof small, DIRB "/win32-256m-%s.raw", kinds[i].tag);
        snprintf(big, sizeof big, DIRB "/win32-4g-%s.raw", kinds[i].tag);
        if (make_image(small, 256ull << 20, kinds[i].flags, 8, 4, 0, 0) ||
            make_image(big, 4ull << 30, kinds[i].flags, 8, 4, 0, 0)) {
            rc = 1;
            continue;
        }
        if (time_init(small, &ts, &bs, &hs) || time_init(big, &tb, &bb, &hb)) {
            rc = 1;
        } else {
            printf("BENCH win32_discovery_4g_%s %.3f ms ratio %.2f vs 256m %.3f ms (%s; DTB from the %s; "
                   "bytes read: %llu at 4 GiB, %llu at 256 MiB; page cache warm)\n",
                   kinds[i].tag, tb * 1e3, tb / ts, ts * 1e3, kinds[i].what, hb, (unsigned long long)bb,
                   (unsigned long long)bs);
        }
        unlink(small);
        unlink(big);
    }
    return rc;
}

int main(void)
{
    int rc = 0;
    mkdir("build", 0755);
    mkdir(DIRB, 0755);
    mem_size = memintro_win32_mem_size(BENCH_TLB);
    mem = malloc(mem_size);
    printf("# synthetic Windows 10 22H2 x64 images (tests/win32_image.h) as raw files opened through "
           "memintro_target_open\n");
    rc |= bench_listing();
    rc |= bench_discovery();
    unlink(DIRB "/win32-200.raw");
    free(mem);
    free(replay_buf);
    return rc;
}
