/* bench_linux.c - memintro_linux.h: kernel discovery and symbol lookups on the real test
   guest (tests/guest: Debian 12's 6.1 cloud kernel, q35, TCG, KASLR on).

   Prints one line per measure:
       BENCH <name> <value> <unit> <baseline measured in the same run, ratio>

   It boots a 512 MiB guest, then a 4 GiB one (one at a time), stops each QEMU (SIGSTOP)
   while measuring so the guest does not compete for the CPU, and shuts it down after.
   Every figure is the MEDIAN of 5 runs in CPU time of the measuring thread (system calls
   included), so that other load on the machine blurs the ratios less.

     linux_discover_cr3    memintro_linux_init with CPU 0's CR3 (QMP, read once before),
                           caller memory given at once; baseline: reading the kernel image
                           (_text .. _end, physical, 1 MiB reads) once through the same target
     linux_discover_lowmem the same with no hints (the trampoline page table below 1 MiB)
     linux_discover_scan   the same with MEMINTRO_LINUX_HINT_SCAN (the banner scan from 0)
     linux_discover_4g_*   the same on the 4 GiB guest; baseline: the 512 MiB guest's figure
                           (the cost must be set by what is read, not by RAM size)
     linux_symbol_name     lookups by name of 4096 random symbols, repeated; baseline: bsearch
                           with strcmp over a sorted array of the same names (qsort-built)
     linux_symbol_addr     address -> name+offset for random kernel addresses; baseline: a
                           plain floor binary search over a copy of the sorted addresses */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5
#define MEM_SIZE (64u << 20)

static char rundir[256];
static int guest_pid;
static memintro_target t;
static memintro_linux lx;
static void *mem;

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof *v, cmp_d);
    return v[RUNS / 2];
}

static void stop_guest(void)
{
    char cmd[512];
    if (guest_pid) kill(guest_pid, SIGCONT);
    guest_pid = 0;
    if (!rundir[0]) return;
    snprintf(cmd, sizeof cmd, "tests/guest/stop.sh %.200s/g >/dev/null 2>&1; rm -rf %.200s", rundir, rundir);
    if (system(cmd) != 0) fprintf(stderr, "bench_linux: stopping the guest failed\n");
    rundir[0] = 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_guest();
    _exit(1);
}

static int boot(const char *memsz)
{
    char cmd[1024];
    FILE *f;
    strcpy(rundir, "/tmp/mi-bench-linux.XXXXXX");
    if (!mkdtemp(rundir)) return -1;
    snprintf(cmd, sizeof cmd, "tests/guest/boot.sh --dir %s/g --name mi-bench-linux --mem %s >%s/pid 2>%s/log", rundir,
             memsz, rundir, rundir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "cat %s/log >&2", rundir);
        if (system(cmd) != 0) {}
        return -1;
    }
    snprintf(cmd, sizeof cmd, "%s/pid", rundir);
    f = fopen(cmd, "r");
    if (!f || fscanf(f, "%d", &guest_pid) != 1) guest_pid = 0;
    if (f) fclose(f);
    return guest_pid ? 0 : -1;
}

/* Opens the guest, reads CPU 0 once, stops QEMU. */
static int open_guest(memintro_linux_hints *h)
{
    char spec[512];
    snprintf(spec, sizeof spec, "qemu:pid=%d,qmp=unix:%s/g/qmp.sock", guest_pid, rundir);
    if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
        fprintf(stderr, "bench_linux: %s\n", memintro_target_error(&t));
        return -1;
    }
    memintro_target_load_cpus(&t);
    memintro_linux_hints_from_target(&t, h);
    kill(guest_pid, SIGSTOP);
    return 0;
}

/* Median CPU seconds of memintro_linux_init with hints h; -1 if it fails. */
static double discover(const memintro_linux_hints *h, const char *what)
{
    double v[RUNS];
    int i;
    for (i = 0; i < RUNS; i++) {
        double t0 = cpu_s();
        memintro_status s = memintro_linux_init(&lx, t.phys, h, mem, MEM_SIZE);
        v[i] = cpu_s() - t0;
        if (s != MEMINTRO_OK) {
            fprintf(stderr, "bench_linux: %s: %s: %s\n", what, memintro_status_str(s), memintro_linux_why(&lx));
            return -1;
        }
    }
    return median(v);
}

/* Median CPU seconds to read the kernel image once (1 MiB physical reads). */
static double read_image(uint64_t *bytes)
{
    static unsigned char chunk[1 << 20];
    double v[RUNS];
    uint64_t end = 0, a;
    int i;
    if (memintro_linux_symbol(&lx, "_end", &end) != MEMINTRO_OK || end <= lx.text_va) return -1;
    *bytes = end - lx.text_va;
    for (i = 0; i < RUNS; i++) {
        double t0 = cpu_s();
        for (a = 0; a < *bytes; a += sizeof chunk)
            memintro_phys_read1(t.phys, lx.text_pa + a, chunk, sizeof chunk);
        v[i] = cpu_s() - t0;
    }
    return median(v);
}

typedef struct named {
    const char *name;
    uint64_t addr;
} named;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void bench_symbols(void)
{
    uint32_t n = memintro_linux_symbol_count(&lx), i, k;
    named *arr = malloc(sizeof *arr * n);
    uint64_t *addrs = malloc(sizeof *addrs * n), lo_a, hi_a, sink = 0;
    const char **q = malloc(sizeof *q * 4096);
    uint64_t *qa = malloc(sizeof *qa * 4096);
    double v[RUNS], b[RUNS], lib, base;
    int r, rep;
    char nm[256];
    for (i = 0; i < n; i++) {
        arr[i].name = memintro_linux_symbol_get(&lx, i, &arr[i].addr, NULL);
        addrs[i] = arr[i].addr;
    }
    for (k = 0; k < 4096; k++) q[k] = arr[rnd() % n].name;
    qsort(arr, n, sizeof *arr, cmp_named);
    for (r = 0; r < RUNS; r++) {
        double t0 = cpu_s();
        for (rep = 0; rep < 50; rep++)
            for (k = 0; k < 4096; k++) {
                uint64_t a = 0;
                memintro_linux_symbol(&lx, q[k], &a);
                sink += a;
            }
        v[r] = cpu_s() - t0;
        t0 = cpu_s();
        for (rep = 0; rep < 50; rep++)
            for (k = 0; k < 4096; k++) {
                named key, *f;
                key.name = q[k];
                f = (named *)bsearch(&key, arr, n, sizeof *arr, cmp_named);
                sink += f ? f->addr : 0;
            }
        b[r] = cpu_s() - t0;
    }
    lib = 50 * 4096 / median(v);
    base = 50 * 4096 / median(b);
    printf("BENCH linux_symbol_name %.2f Mlookups/s bsearch_strcmp_sorted_names=%.2f (%.2fx) [%u symbols]\n", lib / 1e6,
           base / 1e6, lib / base, n);
    lo_a = lx.text_va;
    memintro_linux_symbol(&lx, "_end", &hi_a);
    for (k = 0; k < 4096; k++) qa[k] = lo_a + rnd() % (hi_a - lo_a);
    for (r = 0; r < RUNS; r++) {
        double t0 = cpu_s();
        for (rep = 0; rep < 50; rep++)
            for (k = 0; k < 4096; k++) {
                uint64_t off = 0;
                memintro_linux_symbol_at(&lx, qa[k], nm, sizeof nm, &off);
                sink += off + (uint8_t)nm[0];
            }
        v[r] = cpu_s() - t0;
        t0 = cpu_s();
        for (rep = 0; rep < 50; rep++)
            for (k = 0; k < 4096; k++) {
                uint32_t lo = 0, hi = n;
                while (hi - lo > 1) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    if (addrs[mid] <= qa[k])
                        lo = mid;
                    else
                        hi = mid;
                }
                sink += qa[k] - addrs[lo];
            }
        b[r] = cpu_s() - t0;
    }
    lib = 50 * 4096 / median(v);
    base = 50 * 4096 / median(b);
    printf("BENCH linux_symbol_addr %.2f Mlookups/s floor_bsearch_u64=%.2f (%.2fx) (name copied, first alias)\n", lib / 1e6,
           base / 1e6, lib / base);
    if (sink == 42) printf("#\n");
    free(arr);
    free(addrs);
    free(q);
    free(qa);
}

int main(void)
{
    memintro_linux_hints h, none, scan;
    double cr3_512 = -1, low_512 = -1, scan_512 = -1, img, d;
    uint64_t bytes = 0;
    int rc = 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    mem = malloc(MEM_SIZE);
    if (!mem || system("tests/guest/build.sh >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench_linux: building the test guest failed\n");
        return 1;
    }
    if (boot("512M") || open_guest(&h)) {
        stop_guest();
        return 1;
    }
    memset(&none, 0, sizeof none);
    none.scan_end = h.scan_end;
    scan = none;
    scan.flags = MEMINTRO_LINUX_HINT_SCAN;
    cr3_512 = discover(&h, "512M, CR3");
    if (cr3_512 > 0 && (img = read_image(&bytes)) > 0) {
        printf("BENCH linux_discover_cr3 %.1f ms read_kernel_image_once=%.1f ms (%.2fx) [%llu MiB image, %u symbols, %llu KiB BTF]\n",
               cr3_512 * 1e3, img * 1e3, cr3_512 / img, (unsigned long long)(bytes >> 20), memintro_linux_symbol_count(&lx),
               (unsigned long long)(lx.btf_size >> 10));
        low_512 = discover(&none, "512M, no hints");
        if (low_512 > 0)
            printf("BENCH linux_discover_lowmem %.1f ms read_kernel_image_once=%.1f ms (%.2fx)\n", low_512 * 1e3, img * 1e3,
                   low_512 / img);
        scan_512 = discover(&scan, "512M, banner scan");
        if (scan_512 > 0)
            printf("BENCH linux_discover_scan %.1f ms read_kernel_image_once=%.1f ms (%.2fx) [kernel at %llu MiB]\n",
                   scan_512 * 1e3, img * 1e3, scan_512 / img, (unsigned long long)(lx.text_pa >> 20));
        bench_symbols();
    } else
        rc = 1;
    memintro_target_close(&t);
    stop_guest();

    if (boot("4G") || open_guest(&h)) {
        stop_guest();
        return 1;
    }
    none.scan_end = scan.scan_end = h.scan_end;
    if ((d = discover(&h, "4G, CR3")) > 0 && cr3_512 > 0)
        printf("BENCH linux_discover_4g_cr3 %.1f ms guest_512m=%.1f ms (%.2fx)\n", d * 1e3, cr3_512 * 1e3, d / cr3_512);
    else
        rc = 1;
    if ((d = discover(&none, "4G, no hints")) > 0 && low_512 > 0)
        printf("BENCH linux_discover_4g_lowmem %.1f ms guest_512m=%.1f ms (%.2fx)\n", d * 1e3, low_512 * 1e3, d / low_512);
    if ((d = discover(&scan, "4G, banner scan")) > 0 && scan_512 > 0)
        printf("BENCH linux_discover_4g_scan %.1f ms guest_512m=%.1f ms (%.2fx) [kernel at %llu MiB: the scan's cost follows it]\n",
               d * 1e3, scan_512 * 1e3, d / scan_512, (unsigned long long)(lx.text_pa >> 20));
    memintro_target_close(&t);
    stop_guest();
    free(mem);
    return rc;
}
