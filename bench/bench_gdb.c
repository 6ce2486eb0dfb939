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
     events_user  breakpoint hits per second on mi_spin_step, the marker's spin loop (the
                byte 64 past the tick string set to 'S': a loop of calls with no system
                call), at its first instruction (endbr64: stepped over by a pc write, one
                stop per event) and at its second (mov from memory: a single-step, two
                stops); baseline: the spin loop's own calls per second (its counter, 72 past
                the tick string, read twice, one second apart). What runs between two hits
                is a few user instructions and the guest's timer interrupts
     watch      write-watchpoint hits per second on the tick string (the loop writes it
                each iteration) through memintro_gdb_next_event; same baseline. QEMU 7.2's
                stub drops TCG's whole translation cache at every breakpoint stop (not at
                watchpoint stops), so breakpoints cost far more than watchpoints there
     phys4k     random 4 KiB guest-physical pages per second through the gdbstub's physical
                mode (batches of 64 pages, pipelined packets) with the VM paused; baseline:
                the same pages through memintro_qemu.h (process_vm_readv)
   Then it boots the quiet guest (--smp 2 --append 'mi_tick=0 mi_cpu=1 nohz_full=1
   rcu_nocbs=1': mi-marker-1 alone on vCPU 1, whose scheduler tick the kernel stops) and
   measures events and events_user_pc again (names ending in _quiet). What a breakpoint
   event costs on QEMU 7.2 is mostly QEMU translating again, after the flush, the guest code
   that runs before the next hit; without the tick, less of it runs.
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

static unsigned long long spin_count(memintro_qemu *q, unsigned long long pa)
{
    uint64_t c = 0;
    memintro_phys_read1(&q->phys, pa + 72, &c, 8);
    return c;
}

/* The marker's loop: 'S' in the control byte spins, 0 ticks. */
static void spin_mode(memintro_qemu *q, unsigned long long pa, int on)
{
    unsigned char c = on ? 'S' : 0;
    memintro_op op;
    memset(&op, 0, sizeof op);
    op.addr = pa + 64;
    op.buf = &c;
    op.len = 1;
    memintro_phys_write(&q->phys, &op, 1);
}

/* Calls of count() per second over one second of the running guest. */
static double loop_rate(memintro_qemu *q, unsigned long long pa, unsigned long long (*count)(memintro_qemu *, unsigned long long))
{
    unsigned long long c0, c1;
    double t0, t1;
    usleep(200000);
    c0 = count(q, pa);
    t0 = now();
    usleep(1000000);
    c1 = count(q, pa);
    t1 = now();
    return (double)(c1 - c0) / (t1 - t0);
}

/* Events per second of a breakpoint (watch: a write watchpoint of 24 bytes) at addr over
   two seconds, after 50 to warm up; the VM is left stopped at the last event. */
static double event_rate(memintro_gdb *g, unsigned long long addr, int watch)
{
    memintro_gdb_event ev;
    uint32_t id;
    double t0, t1;
    int n;
    if ((watch ? memintro_gdb_watch(g, MEMINTRO_GDB_WATCH_WRITE, addr, 24, &id) : memintro_gdb_break(g, addr, &id)) != MEMINTRO_OK) {
        fprintf(stderr, "bench_gdb: %s at 0x%llx: %s\n", watch ? "watch" : "break", addr, memintro_gdb_error(g));
        return 0;
    }
    for (n = 0; n < 50; n++)
        if (memintro_gdb_next_event(g, 2000, &ev) != MEMINTRO_OK) break;
    t0 = now();
    for (n = 0; now() - t0 < 2.0; n++)
        if (memintro_gdb_next_event(g, 2000, &ev) != MEMINTRO_OK || ev.id != id) {
            fprintf(stderr, "bench_gdb: event at 0x%llx: %s\n", addr, memintro_gdb_error(g));
            break;
        }
    t1 = now();
    memintro_gdb_unset(g, id);
    return n / (t1 - t0);
}

/* 64 reads of random 4 KiB pages in [16 MiB, 80 MiB) into bufs */
static void random_pages(memintro_op *ops, unsigned char (*bufs)[4096])
{
    int i;
    for (i = 0; i < 64; i++) {
        memset(&ops[i], 0, sizeof ops[i]);
        ops[i].addr = 0x1000000ull + (uint64_t)(rand() % 16384) * 4096;
        ops[i].buf = bufs[i];
        ops[i].len = 4096;
    }
}

static void report(const char *name, double rate, const char *base, double brate, const char *unit)
{
    printf("BENCH %s %.0f events/s %s %.0f %s ratio %.6f\n", name, rate, base, brate, unit, brate > 0 ? rate / brate : 0.0);
}

/* Boots the guest with boot.sh's extra arguments, runs the event measures (and with phys,
   the physical reads), stops it. suffix ends each measure's name. */
static int run_guest(const char *bootargs, const char *suffix, int all)
{
    static memintro_gdb g;
    static memintro_qemu q;
    memintro_qemu_options qo;
    char cmd[800], sock[300], name[64];
    unsigned long long sys = 0, tpa = 0, tva = 0, pid = 0, spin = 0;
    double rate_loop, rate_spin, rate_g, rate_q, t0;
    int n, i;
    static unsigned char pages[64][4096], pages2[64][4096];
    memintro_op ops[64];
    FILE *pf;
    snprintf(dir, sizeof dir, "/tmp/mi-bench-gdb.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "tests/guest/boot.sh --dir %s --gdb %s --name mi-bench-gdb >%s.pid", dir, bootargs, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_gdb: boot failed (%s)\n", bootargs);
        stop_guest();
        return 1;
    }
    snprintf(cmd, sizeof cmd, "%s.pid", dir);
    pf = fopen(cmd, "r");
    if (!pf || fscanf(pf, "%llu", &pid) != 1) pid = 0;
    if (pf) fclose(pf);
    remove(cmd);
    if (!serial_value("FACT tick_sys __x64_sys_getppid ", "", &sys) || !serial_value("TICK mi-marker-1", "pa=", &tpa) ||
        !serial_value("TICK mi-marker-1", "va=", &tva) || !serial_value("TICK mi-marker-1", "spin=", &spin) || !pid) {
        fprintf(stderr, "bench_gdb: no TICK / tick_sys line or pid\n");
        stop_guest();
        return 1;
    }
    memset(&qo, 0, sizeof qo);
    qo.pid = (int)pid;
    qo.write = 1; /* the spin loop's control byte */
    if (memintro_qemu_open(&q, &qo) != MEMINTRO_OK) {
        fprintf(stderr, "bench_gdb: %s\n", memintro_qemu_error(&q));
        stop_guest();
        return 1;
    }
    rate_loop = loop_rate(&q, tpa, tick_count); /* baseline: the loop without a breakpoint */
    snprintf(sock, sizeof sock, "unix:%s/gdb.sock", dir);
    if (memintro_gdb_open(&g, sock, NULL) != MEMINTRO_OK) {
        fprintf(stderr, "bench_gdb: %s\n", memintro_gdb_error(&g));
        memintro_qemu_close(&q);
        stop_guest();
        return 1;
    }
    snprintf(name, sizeof name, "gdb_events%s", suffix);
    report(name, event_rate(&g, sys, 0), "loop_without_breakpoint", rate_loop, "iterations/s");

    /* breakpoints on the spin loop's function */
    spin_mode(&q, tpa, 1);
    memintro_gdb_resume(&g); /* stopped at the last event */
    rate_spin = loop_rate(&q, tpa, spin_count);
    snprintf(name, sizeof name, "gdb_events_user_pc%s", suffix);
    report(name, event_rate(&g, spin, 0), "spin_loop_without_breakpoint", rate_spin, "calls/s");
    if (all) {
        snprintf(name, sizeof name, "gdb_events_user_step%s", suffix);
        report(name, event_rate(&g, spin + 4, 0), "spin_loop_without_breakpoint", rate_spin, "calls/s");
    }
    spin_mode(&q, tpa, 0);

    if (all) {
        /* write watchpoint on the tick string */
        snprintf(name, sizeof name, "gdb_watch_events%s", suffix);
        report(name, event_rate(&g, tva, 1), "loop_without_watchpoint", rate_loop, "iterations/s");

        /* physical reads, the VM paused */
        memintro_gdb_pause(&g);
        srand(1);
        for (t0 = now(), n = 0; now() - t0 < 2.0;) {
            random_pages(ops, pages);
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
            random_pages(ops, pages2);
            memintro_phys_read(&q.phys, ops, 64);
            n += 64;
        }
        rate_q = n / (now() - t0);
        printf("BENCH gdb_phys4k %.0f pages/s procfs %.0f pages/s ratio %.4f (packet %u bytes, %s)\n", rate_g, rate_q,
               rate_q > 0 ? rate_g / rate_q : 0.0, g.packet_size, g.noack ? "no-ack" : "acks");
    }
    memintro_gdb_resume(&g);
    memintro_gdb_close(&g);
    memintro_qemu_close(&q);
    stop_guest();
    return 0;
}

int main(void)
{
    int r = run_guest("--append mi_tick=0", "", 1);
    /* the quiet guest: two vCPUs, the marker alone on vCPU 1 with its scheduler tick off */
    if (!r) r = run_guest("--smp 2 --append 'mi_tick=0 mi_cpu=1 nohz_full=1 rcu_nocbs=1'", "_quiet", 0);
    return r;
}
