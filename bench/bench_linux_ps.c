/* bench_linux_ps.c - time from opening a live Linux guest to its full process list.

   Prints one line per measure:
       BENCH <name> <value> <unit> <baseline measured in the same run, ratio>

   Without arguments it boots the test guest (tests/guest/boot.sh: Debian 12's 6.1 cloud
   kernel, q35, 512 MiB, TCG, KASLR on) and stops it at the end; with --pid PID --qmp ADDR it
   measures that running VM instead. One cold run is everything a tool does the first time,
   with nothing kept from a previous run: memintro_target_open ("qemu:pid=N,qmp=ADDR": maps
   the VM's RAM, asks QMP for the memory map), memintro_target_load_cpus (CR3 over QMP),
   memintro_linux_hints_from_target, memintro_linux_init twice (the sizing call, then the
   kernel, kallsyms decoded, KASLR, phys_base, the page-table root and the 4 MiB BTF blob
   copied), memintro_linux_os_from (the BTF index and the offsets) and
   memintro_linux_task_each with threads (every task's task_struct, parent and mm).

   The baseline, in the same run on the same open target: reading the kernel image once,
   _text .. _end (about 30 MiB for this kernel), with plain physical reads of 1 MiB
   (memintro_phys_read1 over the target's backend). The guest keeps running (QMP must
   answer): each figure is the MEDIAN of 7 runs in wall-clock time, so the ratio, not the
   absolute time, is the figure to compare on the shared machine. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS 7

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

static int count_task(void *user, const memintro_linux_task *t)
{
    (void)t;
    ++*(unsigned *)user;
    return 0;
}

static memintro_linux lx;

/* One cold run: open .. full task list. Returns the number of tasks, or 0 on failure;
   *phase gets the seconds of open+cpus, init, os_from and the walk. */
static unsigned cold_run(const char *spec, double *phase, uint64_t *text_pa, uint64_t *image_size)
{
    memintro_target t;
    memintro_linux_hints h;
    memintro_linux_os os;
    memintro_btf btf;
    void *mem = NULL, *index = NULL;
    size_t need;
    uint64_t text = 0, end = 0;
    unsigned n = 0;
    memintro_status s;
    double t0 = now(), t1, t2, t3;
    if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
        fprintf(stderr, "bench_linux_ps: %s\n", memintro_target_error(&t));
        return 0;
    }
    memintro_target_load_cpus(&t);
    memintro_linux_hints_from_target(&t, &h);
    t1 = now();
    s = memintro_linux_init(&lx, t.phys, &h, NULL, 0);
    if (s == MEMINTRO_E_NOSPACE && (mem = malloc(lx.mem_needed)) != NULL)
        s = memintro_linux_init(&lx, t.phys, &h, mem, lx.mem_needed);
    t2 = now();
    if (s == MEMINTRO_OK) {
        need = memintro_btf_index_size(lx.btf_data, (size_t)lx.btf_size);
        index = malloc(need ? need : 1);
        s = memintro_linux_os_from(&os, &lx, &btf, index, need);
    }
    t3 = now();
    if (s == MEMINTRO_OK) s = memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS, count_task, &n);
    phase[0] = t1 - t0;
    phase[1] = t2 - t1;
    phase[2] = t3 - t2;
    phase[3] = now() - t3;
    if (s != MEMINTRO_OK) {
        fprintf(stderr, "bench_linux_ps: %s (%s)\n", memintro_status_str(s), memintro_linux_why(&lx));
        n = 0;
    }
    if (n && memintro_linux_symbol(&lx, "_text", &text) == MEMINTRO_OK &&
        memintro_linux_symbol(&lx, "_end", &end) == MEMINTRO_OK && end > text) {
        *text_pa = lx.text_pa;
        *image_size = end - text;
    }
    free(index);
    free(mem);
    memintro_target_close(&t);
    return n;
}

/* The baseline: the kernel image read once with 1 MiB physical reads on an open target. */
static double image_read(const char *spec, uint64_t pa, uint64_t size)
{
    memintro_target t;
    static uint8_t buf[1 << 20];
    uint64_t off;
    double t0;
    if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) return -1;
    t0 = now();
    for (off = 0; off < size; off += sizeof buf) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        if (memintro_phys_read1(t.phys, pa + off, buf, n) != MEMINTRO_OK) {
            memintro_target_close(&t);
            return -1;
        }
    }
    t0 = now() - t0;
    memintro_target_close(&t);
    return t0;
}

int main(int argc, char **argv)
{
    char spec[512], dir[] = "/tmp/mi-bench-linux.XXXXXX", cmd[1024];
    const char *pid = 0, *qmp = 0;
    double total[RUNS], ph[4][RUNS], base[RUNS], p[4];
    uint64_t pa = 0, size = 0;
    unsigned tasks = 0;
    int i, booted = 0, rc = 0;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--pid")) pid = argv[i + 1];
        else if (!strcmp(argv[i], "--qmp")) qmp = argv[i + 1];
    }
    if (!pid) {
        static char pidbuf[32], qmpbuf[256];
        FILE *f;
        if (!mkdtemp(dir)) return 1;
        snprintf(cmd, sizeof cmd, "tests/guest/boot.sh --dir %s/g --name mi-bench-linux >%s/pid 2>%s/boot.log", dir, dir, dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_linux_ps: the test guest did not boot (%s/boot.log)\n", dir);
            return 1;
        }
        booted = 1;
        snprintf(cmd, sizeof cmd, "%s/pid", dir);
        if (!(f = fopen(cmd, "r")) || !fgets(pidbuf, sizeof pidbuf, f)) return 1;
        fclose(f);
        pidbuf[strcspn(pidbuf, "\n")] = 0;
        snprintf(qmpbuf, sizeof qmpbuf, "unix:%s/g/qmp.sock", dir);
        pid = pidbuf;
        qmp = qmpbuf;
    }
    snprintf(spec, sizeof spec, "qemu:pid=%s%s%s", pid, qmp ? ",qmp=" : "", qmp ? qmp : "");
    for (i = 0; i < RUNS; i++) {
        double t0 = now();
        unsigned n = cold_run(spec, p, &pa, &size);
        total[i] = now() - t0;
        if (!n) {
            rc = 1;
            break;
        }
        tasks = n;
        ph[0][i] = p[0], ph[1][i] = p[1], ph[2][i] = p[2], ph[3][i] = p[3];
        if (!size || (base[i] = image_read(spec, pa, size)) < 0) {
            fprintf(stderr, "bench_linux_ps: the kernel image cannot be read\n");
            rc = 1;
            break;
        }
    }
    if (!rc) {
        double tt = median(total, RUNS), b = median(base, RUNS);
        printf("BENCH linux_ps_cold %.1f ms (open to %u tasks, threads included, discovery included) "
               "kernel_image_read_once=%.1f ms (%.1f MiB, 1 MiB physical reads) (%.2fx)\n",
               tt * 1e3, tasks, b * 1e3, (double)size / (1 << 20), tt / b);
        printf("BENCH linux_ps_cold_phases open+cpus=%.1f ms linux_init=%.1f ms os_from=%.1f ms task_walk=%.1f ms\n",
               median(ph[0], RUNS) * 1e3, median(ph[1], RUNS) * 1e3, median(ph[2], RUNS) * 1e3, median(ph[3], RUNS) * 1e3);
    }
    if (booted) {
        snprintf(cmd, sizeof cmd, "tests/guest/stop.sh %s/g >/dev/null 2>&1; rm -rf %s", dir, dir);
        if (system(cmd) != 0) rc = 1;
    }
    return rc;
}
