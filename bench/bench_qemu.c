/* bench_qemu.c - throughput of memintro_qemu.h against a live QEMU guest.

   Prints one line per measure:
       BENCH <name> <value> <unit> <baselines measured in the same run, ratios>

   Without arguments it boots two test guests (tests/guest/boot.sh; q35, 512 MiB, TCG):
   one with ordinary anonymous RAM (the process_vm_readv path) and one whose RAM is a
   memfd (memory-backend-memfd, share=on: the zero-copy path), stops both QEMUs (SIGSTOP)
   while measuring so the guest does not compete for the CPU, and shuts them down at the
   end. With --pid PID (and optionally --qmp ADDR) it measures that running VM instead,
   on whichever path its RAM allows, without pausing it.

   Workloads, all over a 64 MiB window of guest RAM starting at 16 MiB (the guest kernel's
   area, already backed by host memory):
     rand8     random 8-byte reads, 1024 per batch; baselines: one bare process_vm_readv
               with the same 1024 iovecs, and one process_vm_readv per read
     page4k    1024 random 4 KiB pages per batch vs a bare 1024-iovec process_vm_readv
     read1m    1 MiB reads vs a bare 1 MiB process_vm_readv
     zc_*      the same on the memfd guest, served from the library's own mapping of the
               memfd; baseline: memcpy out of that same mapping
   Each workload is checked against its baseline's bytes before it is timed. Each figure
   is the MEDIAN of 5 timed runs and each ratio the median of 5 pairs of runs measured back
   to back, timed in CPU time of the measuring thread (system calls included), so that
   other load on the machine does not blur the ratios. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#include "memintro_qemu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1024
#define NADDR (1u << 16)
#define RUNS 5
#define RUN_SECONDS 0.05
#define WINDOW_START (16ull << 20)
#define WINDOW_SIZE (64ull << 20)

static char rundir[64];
static int booted_pids[2];
static int nbooted;

/* CPU time of this thread (system calls included): the machine is shared, and time spent
   waiting for a CPU is not what is measured. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void stop_guests(void)
{
    char cmd[512];
    int i;
    for (i = 0; i < nbooted; i++) kill(booted_pids[i], SIGCONT);
    if (!rundir[0]) return;
    snprintf(cmd, sizeof cmd, "tests/guest/stop.sh %.60s/plain >/dev/null 2>&1; tests/guest/stop.sh %.60s/memfd >/dev/null 2>&1; rm -rf %.60s",
             rundir, rundir, rundir);
    if (system(cmd) != 0) fprintf(stderr, "bench_qemu: stopping the guests failed\n");
    rundir[0] = 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_guests();
    _exit(1);
}

/* Boots the two guests; returns 0 and their pids. */
static int boot_guests(int *plain, int *memfd)
{
    char cmd[1024];
    FILE *f;
    int ok = 1;
    strcpy(rundir, "/tmp/mi-bench.XXXXXX");
    if (!mkdtemp(rundir)) return -1;
    snprintf(cmd, sizeof cmd,
             "tests/guest/boot.sh --dir %s/plain --name mi-bench-plain >%s/plain.pid 2>%s/plain.log &"
             " tests/guest/boot.sh --dir %s/memfd --name mi-bench-memfd --machine q35,memory-backend=mem0"
             " --extra '-object memory-backend-memfd,id=mem0,size=512M,share=on' >%s/memfd.pid 2>%s/memfd.log &"
             " wait",
             rundir, rundir, rundir, rundir, rundir, rundir);
    if (system(cmd) != 0) ok = 0;
    snprintf(cmd, sizeof cmd, "%s/plain.pid", rundir);
    f = fopen(cmd, "r");
    if (!f || fscanf(f, "%d", plain) != 1) ok = 0;
    if (f) fclose(f);
    snprintf(cmd, sizeof cmd, "%s/memfd.pid", rundir);
    f = fopen(cmd, "r");
    if (!f || fscanf(f, "%d", memfd) != 1) ok = 0;
    if (f) fclose(f);
    if (!ok) {
        snprintf(cmd, sizeof cmd, "cat %s/plain.log %s/memfd.log >&2", rundir, rundir);
        if (system(cmd) != 0) {}
        return -1;
    }
    booted_pids[0] = *plain;
    booted_pids[1] = *memfd;
    nbooted = 2;
    return 0;
}

typedef struct target {
    memintro_qemu q;
    uint64_t gpa0, hva0; /* the window: guest-physical and QEMU address */
    unsigned char *local; /* the library's own mapping of the window (zero-copy), or NULL */
} target;

static int open_target(target *t, int pid, const char *qmp, int zero_copy)
{
    memintro_qemu_options o;
    memintro_qemu_info in;
    size_t i;
    memset(&o, 0, sizeof o);
    o.pid = pid;
    o.qmp = qmp;
    o.no_zero_copy = !zero_copy;
    if (memintro_qemu_open(&t->q, &o) != MEMINTRO_OK) {
        fprintf(stderr, "bench_qemu: %s\n", memintro_qemu_error(&t->q));
        return -1;
    }
    memintro_qemu_get_info(&t->q, &in);
    for (i = 0; i < in.count; i++) {
        const memintro_qemu_region *r = &in.regions[i];
        if (r->start <= WINDOW_START && r->start + r->size >= WINDOW_START + WINDOW_SIZE) {
            t->gpa0 = WINDOW_START;
            t->hva0 = r->hva + (WINDOW_START - r->start);
            t->local = NULL;
            if (r->zero_copy) { /* the library's own mapping: its direct pointer */
                uint64_t avail = 0;
                const void *d = memintro_phys_direct(&t->q.phys, t->gpa0, &avail);
                if (d && avail >= WINDOW_SIZE) t->local = (unsigned char *)(uintptr_t)d;
            }
            return 0;
        }
    }
    fprintf(stderr, "bench_qemu: no RAM range covers guest-physical 16-80 MiB\n");
    memintro_qemu_close(&t->q);
    return -1;
}

/* ---- workloads ---- */

static uint64_t offs[NADDR]; /* random offsets in the window */
static memintro_op ops[BATCH];
static struct iovec liov[BATCH], riov[BATCH];
static unsigned char *buf, *ref;

typedef enum kind { LIB, BARE, PER_READ, MEMCPY } kind;

/* One batch of `n` reads of `len` bytes starting at offs[first]; returns bytes read. */
static size_t batch(target *t, kind k, size_t first, size_t n, size_t len, unsigned char *out)
{
    size_t i;
    switch (k) {
    case LIB:
        for (i = 0; i < n; i++) {
            ops[i].addr = t->gpa0 + offs[(first + i) % NADDR];
            ops[i].buf = out + i * len;
            ops[i].len = len;
            ops[i].flags = 0;
        }
        if (memintro_phys_read(&t->q.phys, ops, n) != MEMINTRO_OK) {
            fprintf(stderr, "bench_qemu: read failed: %s\n", memintro_qemu_error(&t->q));
            exit(1);
        }
        break;
    case BARE:
        for (i = 0; i < n; i++) {
            liov[i].iov_base = out + i * len;
            liov[i].iov_len = len;
            riov[i].iov_base = (void *)(uintptr_t)(t->hva0 + offs[(first + i) % NADDR]);
            riov[i].iov_len = len;
        }
        if (process_vm_readv(t->q.pid, liov, n, riov, n, 0) != (ssize_t)(n * len)) {
            perror("bench_qemu: process_vm_readv");
            exit(1);
        }
        break;
    case PER_READ:
        for (i = 0; i < n; i++) {
            struct iovec l, r;
            l.iov_base = out + i * len;
            l.iov_len = len;
            r.iov_base = (void *)(uintptr_t)(t->hva0 + offs[(first + i) % NADDR]);
            r.iov_len = len;
            if (process_vm_readv(t->q.pid, &l, 1, &r, 1, 0) != (ssize_t)len) {
                perror("bench_qemu: process_vm_readv");
                exit(1);
            }
        }
        break;
    case MEMCPY:
        if (len == 8) /* a fixed-size copy, as a program reading the mapping does */
            for (i = 0; i < n; i++) memcpy(out + i * 8, t->local + offs[(first + i) % NADDR], 8);
        else
            for (i = 0; i < n; i++) memcpy(out + i * len, t->local + offs[(first + i) % NADDR], len);
        break;
    }
    return n * len;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One timed run: units per second; a unit is a read (per_bytes 0) or a byte. */
static double one_run(target *t, kind k, size_t n, size_t len, int per_bytes)
{
    static size_t first = 0;
    double t0 = now(), el;
    uint64_t units = 0;
    do {
        int rep, reps = n >= 64 ? 1 : 256; /* reading the clock is a system call */
        for (rep = 0; rep < reps; rep++) {
            size_t b = batch(t, k, first, n, len, buf);
            first = (first + n) % NADDR;
            units += per_bytes ? b : n;
        }
        el = now() - t0;
    } while (el < RUN_SECONDS);
    return (double)units / el;
}

static double median(double *r)
{
    qsort(r, RUNS, sizeof r[0], cmp_d);
    return r[RUNS / 2];
}

/* The library (on t) against baseline k (on tb), RUNS pairs of runs back to back: the
   medians of both in *lib and *base, and the median of the pairs' ratios returned (load
   on the machine changes between pairs, less within one). */
static double measure(target *t, target *tb, kind k, size_t n, size_t len, int per_bytes, double *lib, double *base)
{
    double a[RUNS], b[RUNS], q[RUNS];
    int run;
    for (run = 0; run < RUNS; run++) {
        a[run] = one_run(t, LIB, n, len, per_bytes);
        b[run] = one_run(tb, k, n, len, per_bytes);
        q[run] = a[run] / b[run];
    }
    *lib = median(a);
    *base = median(b);
    return median(q);
}

/* Checks the library against the baseline on the first batch, after one pass over every
   address (the first touch of a page through a mapping costs a minor fault: not what is
   measured). */
static int verify(target *t, kind base, size_t n, size_t len)
{
    size_t first;
    for (first = 0; first < NADDR; first += n) batch(t, LIB, first, n, len, buf);
    batch(t, LIB, 0, n, len, buf);
    batch(t, base, 0, n, len, ref);
    if (memcmp(buf, ref, n * len)) {
        fprintf(stderr, "bench_qemu: library and baseline read different bytes (len %u)\n", (unsigned)len);
        return -1;
    }
    return 0;
}

static void set_offsets(size_t len, size_t align)
{
    size_t i;
    for (i = 0; i < NADDR; i++) offs[i] = (rnd() % (WINDOW_SIZE - len)) & ~(uint64_t)(align - 1);
}

static void bench_pvr(target *t)
{
    double lib, lib2, bare, per, r1, r2; /* lib2: the second pairs' library runs; lib, printed, goes with bare */
    set_offsets(8, 1);
    if (verify(t, BARE, BATCH, 8)) exit(1);
    r1 = measure(t, t, BARE, BATCH, 8, 0, &lib, &bare);
    r2 = measure(t, t, PER_READ, BATCH, 8, 0, &lib2, &per);
    printf("BENCH qemu_rand8_batch1024 %.2f Mreads/s bare_1024iov=%.2f (%.2fx) one_syscall_per_read=%.2f (%.1fx)\n",
           lib / 1e6, bare / 1e6, r1, per / 1e6, r2);

    set_offsets(4096, 4096);
    if (verify(t, BARE, BATCH, 4096)) exit(1);
    r1 = measure(t, t, BARE, BATCH, 4096, 1, &lib, &bare);
    printf("BENCH qemu_page4k_batch1024 %.2f GB/s bare_1024iov=%.2f (%.2fx)\n", lib / 1e9, bare / 1e9, r1);

    set_offsets(1 << 20, 1 << 20);
    if (verify(t, BARE, 1, 1 << 20)) exit(1);
    r1 = measure(t, t, BARE, 1, 1 << 20, 1, &lib, &bare);
    printf("BENCH qemu_read1m %.2f GB/s bare_1iov=%.2f (%.2fx)\n", lib / 1e9, bare / 1e9, r1);
}

static void bench_zc(target *t, target *viapvr)
{
    double lib, lib2, mc, pvr = 0, r1, r2 = 0, single[RUNS]; /* lib2: as in bench_pvr */
    int run;
    set_offsets(8, 1);
    if (verify(t, MEMCPY, BATCH, 8)) exit(1);
    r1 = measure(t, t, MEMCPY, BATCH, 8, 0, &lib, &mc);
    if (viapvr) r2 = measure(t, viapvr, LIB, BATCH, 8, 0, &lib2, &pvr);
    printf("BENCH qemu_zc_rand8_batch1024 %.2f Mreads/s memcpy_same_mapping=%.2f (%.2fx) process_vm_readv_path=%.2f (%.1fx)\n",
           lib / 1e6, mc / 1e6, r1, pvr / 1e6, r2);
    for (run = 0; run < RUNS; run++) single[run] = one_run(t, LIB, 1, 8, 0);
    printf("BENCH qemu_zc_rand8_single %.2f Mreads/s (memintro_phys_read1-sized batches of one)\n", median(single) / 1e6);

    set_offsets(4096, 4096);
    if (verify(t, MEMCPY, BATCH, 4096)) exit(1);
    r1 = measure(t, t, MEMCPY, BATCH, 4096, 1, &lib, &mc);
    if (viapvr) r2 = measure(t, viapvr, LIB, BATCH, 4096, 1, &lib2, &pvr);
    printf("BENCH qemu_zc_page4k_batch1024 %.2f GB/s memcpy_same_mapping=%.2f (%.2fx) process_vm_readv_path=%.2f (%.1fx)\n",
           lib / 1e9, mc / 1e9, r1, pvr / 1e9, r2);

    set_offsets(1 << 20, 1 << 20);
    if (verify(t, MEMCPY, 1, 1 << 20)) exit(1);
    r1 = measure(t, t, MEMCPY, 1, 1 << 20, 1, &lib, &mc);
    printf("BENCH qemu_zc_read1m %.2f GB/s memcpy_same_mapping=%.2f (%.2fx)\n", lib / 1e9, mc / 1e9, r1);
}

int main(int argc, char **argv)
{
    int pid = 0, plain = 0, memfd = 0, i;
    const char *qmp = NULL;
    target a, z, zp;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pid") && i + 1 < argc) pid = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--qmp") && i + 1 < argc) qmp = argv[++i];
        else {
            fprintf(stderr, "usage: bench_qemu [--pid PID [--qmp unix:PATH|tcp:HOST:PORT]]\n");
            return 2;
        }
    }
    buf = (unsigned char *)malloc(BATCH * 4096 + (1 << 20));
    ref = (unsigned char *)malloc(BATCH * 4096 + (1 << 20));
    if (!buf || !ref) return 1;
    if (!pid) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        atexit(stop_guests);
        if (boot_guests(&plain, &memfd) != 0) {
            fprintf(stderr, "bench_qemu: could not boot the test guests\n");
            return 1;
        }
        if (open_target(&a, plain, NULL, 1) || open_target(&z, memfd, NULL, 1) || open_target(&zp, memfd, NULL, 0))
            return 1;
        kill(plain, SIGSTOP);
        kill(memfd, SIGSTOP);
        printf("# guests: pid %d (anonymous RAM), pid %d (memfd RAM), both stopped while measured\n", plain, memfd);
        bench_pvr(&a);
        if (!z.local) {
            fprintf(stderr, "bench_qemu: the memfd guest's RAM is not zero-copy\n");
            return 1;
        }
        bench_zc(&z, &zp);
        memintro_qemu_close(&a.q);
        memintro_qemu_close(&z.q);
        memintro_qemu_close(&zp.q);
    } else {
        if (open_target(&a, pid, qmp, 1)) return 1;
        printf("# VM pid %d, running (not paused)\n", pid);
        if (a.local) {
            if (open_target(&zp, pid, qmp, 0)) return 1;
            bench_zc(&a, &zp);
            memintro_qemu_close(&zp.q);
        } else {
            bench_pvr(&a);
        }
        memintro_qemu_close(&a.q);
    }
    return 0;
}
