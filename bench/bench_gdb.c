/* bench_gdb.c - events and physical reads through QEMU's gdbstub (memintro_gdb.h).

   Prints one line per measure:
       BENCH <name> <value> <unit> <baseline measured in the same run, ratio>

   Without arguments it boots the test guest (tests/guest/boot.sh --gdb --append mi_tick=0:
   q35, 512 MiB, TCG; mi-marker-1 rewrites its tick string and calls getppid in a tight
   loop) and stops it at the end.
     events     breakpoint hits per second on __x64_sys_getppid (the address from the
                guest's FACT tick_sys line) through memintro_gdb_next_event (each hit: the
                stop, the registers, the step over the breakpoint, the resume); baseline:
                the loop's own iterations per second without the breakpoint (its tick
                counter read twice, one second apart, through the procfs connector)
     watch      write-watchpoint hits per second on the tick string (the loop writes it
                each iteration) through memintro_gdb_next_event; same baseline. QEMU 7.2's
                stub drops TCG's whole translation cache at every breakpoint stop (not at
                watchpoint stops), so breakpoints cost far more than watchpoints there
     phys4k     random 4 KiB guest-physical pages per second through the gdbstub's physical
                mode (batches of 64 pages, pipelined packets) with the VM paused; baseline:
                the same pages through memintro_qemu.h (process_vm_readv)
   Wall-clock time (the stub is another process); the machine is shared, so read the
   ratios. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_GDB_IMPLEMENTATION
#include "memintro_qemu.h"
#include "memintro_gdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char dir[256];

static void stop_guest(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "tests/guest/stop.sh %s >/dev/null 2>&1; rm -rf %s", dir, dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_gdb: stopping the guest failed\n");
}

/* "KEY=0x..." of the first line starting with prefix in serial.log */
static int serial_value(const char *prefix, const char *key, unsigned long long *v)
{
    char path[300], line[1024];
    FILE *f;
    int found = 0;
    snprintf(path, sizeof path, "%s/serial.log", dir);
    f = fopen(path, "r");
    if (!f) return 0;
    while (!found && fgets(line, sizeof line, f)) {
        const char *k;
        if (strncmp(line, prefix, strlen(prefix))) continue;
        k = key[0] ? strstr(line, key) : line + strlen(prefix);
        if (k) {
            *v = strtoull(k + strlen(key), 0, 0);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static unsigned long long tick_count(memintro_qemu *q, unsigned long long pa)
{
    char t[32] = {0};
    memintro_phys_read1(&q->phys, pa + 14, t, 10);
    return strtoull(t, 0, 10);
}

int main(void)
{
    static memintro_gdb g;
    static memintro_qemu q;
    memintro_qemu_options qo;
    char cmd[800], sock[300];
    unsigned long long sys = 0, tpa = 0, tva = 0, pid = 0, c0, c1;
    double t0, t1, rate_loop, rate_ev, rate_g, rate_q;
    memintro_gdb_event ev;
    uint32_t id;
    int n, i, k;
    static unsigned char pages[64][4096], pages2[64][4096];
    memintro_op ops[64];
    FILE *pf;
    snprintf(dir, sizeof dir, "/tmp/mi-bench-gdb.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "tests/guest/boot.sh --dir %s --gdb --append mi_tick=0 --name mi-bench-gdb >%s.pid", dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_gdb: boot failed\n");
        stop_guest();
        return 1;
    }
    snprintf(cmd, sizeof cmd, "%s.pid", dir);
    pf = fopen(cmd, "r");
    if (!pf || fscanf(pf, "%llu", &pid) != 1) pid = 0;
    if (pf) fclose(pf);
    remove(cmd);
    if (!serial_value("FACT tick_sys __x64_sys_getppid ", "", &sys) || !serial_value("TICK mi-marker-1", "pa=", &tpa) ||
        !serial_value("TICK mi-marker-1", "va=", &tva) || !pid) {
        fprintf(stderr, "bench_gdb: no TICK / tick_sys line or pid\n");
        stop_guest();
        return 1;
    }
    memset(&qo, 0, sizeof qo);
    qo.pid = (int)pid;
    if (memintro_qemu_open(&q, &qo) != MEMINTRO_OK) {
        fprintf(stderr, "bench_gdb: %s\n", memintro_qemu_error(&q));
        stop_guest();
        return 1;
    }
    /* baseline: the loop without a breakpoint */
    c0 = tick_count(&q, tpa);
    t0 = now();
    usleep(1000000);
    c1 = tick_count(&q, tpa);
    t1 = now();
    rate_loop = (double)(c1 - c0) / (t1 - t0);

    snprintf(sock, sizeof sock, "unix:%s/gdb.sock", dir);
    if (memintro_gdb_open(&g, sock, NULL) != MEMINTRO_OK || memintro_gdb_break(&g, sys, &id) != MEMINTRO_OK) {
        fprintf(stderr, "bench_gdb: %s\n", memintro_gdb_error(&g));
        memintro_gdb_close(&g);
        stop_guest();
        return 1;
    }
    for (n = 0; n < 50; n++) /* warm up */
        if (memintro_gdb_next_event(&g, 2000, &ev) != MEMINTRO_OK) break;
    t0 = now();
    for (n = 0; now() - t0 < 2.0; n++)
        if (memintro_gdb_next_event(&g, 2000, &ev) != MEMINTRO_OK || ev.id != id) {
            fprintf(stderr, "bench_gdb: event: %s\n", memintro_gdb_error(&g));
            break;
        }
    t1 = now();
    rate_ev = n / (t1 - t0);
    memintro_gdb_unset(&g, id);
    printf("BENCH gdb_events %.0f events/s loop_without_breakpoint %.0f iterations/s ratio %.4f\n", rate_ev, rate_loop,
           rate_loop > 0 ? rate_ev / rate_loop : 0.0);

    /* write watchpoint on the tick string */
    if (memintro_gdb_watch(&g, MEMINTRO_GDB_WATCH_WRITE, tva, 24, &id) == MEMINTRO_OK) {
        for (n = 0; n < 50; n++)
            if (memintro_gdb_next_event(&g, 2000, &ev) != MEMINTRO_OK) break;
        t0 = now();
        for (n = 0; now() - t0 < 2.0; n++)
            if (memintro_gdb_next_event(&g, 2000, &ev) != MEMINTRO_OK || ev.id != id) {
                fprintf(stderr, "bench_gdb: watch event: %s\n", memintro_gdb_error(&g));
                break;
            }
        t1 = now();
        memintro_gdb_unset(&g, id);
        printf("BENCH gdb_watch_events %.0f events/s loop_without_watchpoint %.0f iterations/s ratio %.4f\n", n / (t1 - t0),
               rate_loop, rate_loop > 0 ? n / (t1 - t0) / rate_loop : 0.0);
    } else {
        fprintf(stderr, "bench_gdb: watch: %s\n", memintro_gdb_error(&g));
    }

    /* physical reads, the VM paused */
    memintro_gdb_pause(&g);
    srand(1);
    for (k = 0, t0 = now(), n = 0; now() - t0 < 2.0; k++) {
        for (i = 0; i < 64; i++) {
            memset(&ops[i], 0, sizeof ops[i]);
            ops[i].addr = 0x1000000ull + (uint64_t)(rand() % 16384) * 4096;
            ops[i].buf = pages[i];
            ops[i].len = 4096;
        }
        if (memintro_phys_read(&g.phys, ops, 64) != MEMINTRO_OK) {
            fprintf(stderr, "bench_gdb: phys read: %s\n", memintro_gdb_error(&g));
            break;
        }
        n += 64;
    }
    rate_g = n / (now() - t0);
    /* check the last batch against procfs */
    for (i = 0; i < 64; i++) ops[i].buf = pages2[i];
    memintro_phys_read(&q.phys, ops, 64);
    if (memcmp(pages, pages2, sizeof pages)) fprintf(stderr, "bench_gdb: gdb and procfs bytes differ\n");
    srand(1);
    for (t0 = now(), n = 0; now() - t0 < 1.0;) {
        for (i = 0; i < 64; i++) {
            memset(&ops[i], 0, sizeof ops[i]);
            ops[i].addr = 0x1000000ull + (uint64_t)(rand() % 16384) * 4096;
            ops[i].buf = pages2[i];
            ops[i].len = 4096;
        }
        memintro_phys_read(&q.phys, ops, 64);
        n += 64;
    }
    rate_q = n / (now() - t0);
    printf("BENCH gdb_phys4k %.0f pages/s procfs %.0f pages/s ratio %.4f (packet %u bytes, %s)\n", rate_g, rate_q,
           rate_q > 0 ? rate_g / rate_q : 0.0, g.packet_size, g.noack ? "no-ack" : "acks");
    memintro_gdb_resume(&g);
    memintro_gdb_close(&g);
    memintro_qemu_close(&q);
    stop_guest();
    return 0;
}
