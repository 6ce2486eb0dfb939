/* qemu_live.c - the library side of tests/t_qemu.sh: opens a REAL running QEMU (the test
   guest of tests/guest) through memintro_qemu.h and either prints what the library says
   (for the script to compare with QEMU's own answers) or checks guest memory against the
   facts the guest printed about itself on its serial console (MARKER/SPAN/FACT lines:
   physical addresses from the guest's /proc/self/pagemap, kallsyms and /proc/iomem).
   Nothing expected here comes from the library under test.

     qemu_live regions CONNECTOR       R lines "START-ENDINCL TYPE NAME OFFSET" (mtree's
                                       format), H lines "START HVA", LAYOUT/SOURCE/WARNING
     qemu_live facts LABEL CONNECTOR SERIAL.LOG     banner, markers, span, holes, batches
     qemu_live write CONNECTOR PA TEXT  write TEXT at guest-physical PA (opened for writing)
     qemu_live readonly CONNECTOR PA    a write without the write option is refused
     qemu_live same LABEL CONN1 CONN2 SERIAL.LOG     the two connectors read the same bytes
     qemu_live tablecheck CONNECTOR    map=table agrees with map=qmp for every table range
     qemu_live cpus CONNECTOR          "IDX NAME VALUE" per register of every vCPU
     qemu_live pause LABEL CONNECTOR   pause/resume: query-status, guest RAM frozen while paused
     qemu_live hmp CONNECTOR COMMAND   S line "STATUS", E line, L line "LENGTH", the text
     qemu_live fill SOCKET SECONDS     fill a non-accepting unix socket's backlog, hold it
     qemu_live readcmp CONNECTOR PA LEN FILE   guest-physical bytes equal FILE (pmemsave)
     qemu_live list                    V lines "PID NAME MACHINE RAMBYTES QMP"
     qemu_live open CONNECTOR          S line "STATUS", E line with the message
     qemu_live gone LABEL CONNECTOR SIGNAL DELAY_MS   kill QEMU while reading

   Exit status 0 unless the command could not run; checks print ok/not ok lines.
   MI_QMP_TIMEOUT_MS in the environment sets options.qmp_timeout_ms; MI_NO_VGA=1 says the VM
   was started without a display card (RAM at 0xa0000). */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#include "memintro_qemu.h"

#include "tests/check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char spec_store[1024];

static memintro_status open_vm(memintro_qemu *q, const char *connector, int write)
{
    memintro_qemu_options o;
    const char *e = memintro_qemu_options_parse(&o, connector, spec_store, sizeof spec_store);
    const char *t = getenv("MI_QMP_TIMEOUT_MS");
    if (e) {
        printf("not ok - bad connector %s: %s\n", connector, e);
        exit(2);
    }
    if (write) o.write = 1;
    if (t) o.qmp_timeout_ms = atoi(t);
    return memintro_qemu_open(q, &o);
}

static void must_open(memintro_qemu *q, const char *connector, int write)
{
    memintro_status st = open_vm(q, connector, write);
    if (st != MEMINTRO_OK) {
        printf("not ok - open %s: %s: %s\n", connector, memintro_status_str(st), memintro_qemu_error(q));
        exit(3);
    }
}

/* ---- the guest's own facts (serial.log) ---- */

typedef struct marker {
    uint64_t pa, pa2;
    char text[80];
    int span;
} marker;

typedef struct facts {
    marker m[32];
    int nm;
    char banner[512];
    uint64_t text_va, banner_va, code_pa;
    uint64_t ram[16][2]; /* System RAM ranges [start, end] */
    int nram;
} facts;

static uint64_t hexfield(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static void read_facts(const char *path, facts *f)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    memset(f, 0, sizeof *f);
    if (!fp) {
        printf("not ok - cannot open %s\n", path);
        exit(2);
    }
    while (fgets(line, sizeof line, fp)) {
        char *nl = strchr(line, '\n'), *t;
        if (nl) *nl = 0;
        if (nl && nl > line && nl[-1] == '\r') nl[-1] = 0;
        if ((!strncmp(line, "MARKER ", 7) || !strncmp(line, "SPAN ", 5)) && f->nm < 32 && (t = strstr(line, " text="))) {
            marker *m = &f->m[f->nm++];
            m->pa = hexfield(line, " pa=0x");
            m->pa2 = hexfield(line, " pa2=0x");
            m->span = line[0] == 'S';
            snprintf(m->text, sizeof m->text, "%.70s", t + 6);
        } else if (!strncmp(line, "FACT banner ", 12)) {
            snprintf(f->banner, sizeof f->banner, "%.500s", line + 12);
        } else if (!strncmp(line, "FACT kallsyms _text ", 20)) {
            f->text_va = strtoull(line + 20, NULL, 16);
        } else if (!strncmp(line, "FACT kallsyms linux_banner ", 27)) {
            f->banner_va = strtoull(line + 27, NULL, 16);
        } else if (!strncmp(line, "FACT kernel_code ", 17)) {
            f->code_pa = strtoull(line + 17, NULL, 16);
        } else if (!strncmp(line, "FACT iomem ", 11) && strstr(line, "System RAM") && f->nram < 16) {
            char *dash;
            f->ram[f->nram][0] = strtoull(line + 11, &dash, 16);
            f->ram[f->nram][1] = strtoull(dash + 1, NULL, 16);
            f->nram++;
        }
    }
    fclose(fp);
    if (f->nm < 10 || !f->banner[0] || !f->text_va || !f->banner_va || !f->nram) {
        printf("not ok - %s lacks the guest's MARKER/FACT lines (%d markers)\n", path, f->nm);
        exit(2);
    }
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* A random guest-physical address in the guest's own System RAM (not in the first or
   last 4 KiB of a range, so a 4 KiB read stays inside). */
static uint64_t rnd_ram(const facts *f)
{
    uint64_t total = 0, r;
    int i;
    for (i = 0; i < f->nram; i++) total += f->ram[i][1] - f->ram[i][0] + 1 - 8192;
    r = rnd() % total;
    for (i = 0; i < f->nram; i++) {
        uint64_t n = f->ram[i][1] - f->ram[i][0] + 1 - 8192;
        if (r < n) return f->ram[i][0] + 4096 + r;
        r -= n;
    }
    return f->ram[0][0] + 4096;
}

static void cmd_facts(const char *label, const char *connector, const char *serial)
{
    memintro_qemu q;
    facts f;
    char buf[600];
    int i, bad = 0, checked = 0;
    memintro_status st;
    uint64_t banner_pa;
    read_facts(serial, &f);
    must_open(&q, connector, 0);

    /* the kernel banner: linux_banner's offset from _text, from the physical start of
       the kernel's code (the image is physically contiguous) */
    banner_pa = f.code_pa + (f.banner_va - f.text_va);
    memset(buf, 0, sizeof buf);
    st = memintro_phys_read1(&q.phys, banner_pa, buf, strlen(f.banner) + 1);
    CHECK(st == MEMINTRO_OK && !memcmp(buf, f.banner, strlen(f.banner)) && buf[strlen(f.banner)] == '\n',
          "%s: kernel banner at guest-physical 0x%llx: %.40s...", label, (unsigned long long)banner_pa, buf);

    /* every marker at its pagemap address, the span across two frames */
    for (i = 0; i < f.nm; i++) {
        const marker *m = &f.m[i];
        size_t n = strlen(m->text) + 1;
        int j, clobbered = 0;
        /* tests/guest/marker.c writes the span after the markers: the span's tail
           overwrites the marker at the start of page 1, so that page is left out */
        for (j = 0; j < f.nm; j++)
            if (!m->span && f.m[j].span && f.m[j].pa2 == m->pa) clobbered = 1;
        if (clobbered) {
            printf("# %s left out: the span string overwrote it\n", m->text);
            continue;
        }
        checked++;
        memset(buf, 0x55, sizeof buf);
        if (!m->span) {
            st = memintro_phys_read1(&q.phys, m->pa, buf, n);
        } else {
            memintro_op ops[2];
            ops[0].addr = m->pa;
            ops[0].buf = buf;
            ops[0].len = 24;
            ops[0].flags = 0;
            ops[1].addr = m->pa2;
            ops[1].buf = buf + 24;
            ops[1].len = n - 24;
            ops[1].flags = 0;
            st = memintro_phys_read(&q.phys, ops, 2);
        }
        if (st != MEMINTRO_OK || memcmp(buf, m->text, n)) {
            bad++;
            printf("# %s at 0x%llx: %s, read \"%.40s\"\n", m->text, (unsigned long long)m->pa, memintro_status_str(st),
                   buf);
        }
    }
    CHECK(bad == 0 && checked >= 6, "%s: %d markers (and the page-crossing spans) at the guest's pagemap addresses",
          label, checked);

    /* a batch returns what single reads return: markers, banner, 1000 random 8-byte and
       100 random 4 KiB reads in guest RAM, in one batch */
    {
        enum { NR = 1000, NP = 100 };
        static unsigned char batch[NR * 8 + NP * 4096 + 64 * 32], single[4096];
        static memintro_op ops[NR + NP + 64];
        size_t n = 0, off = 0, k;
        uint64_t before = q.syscalls;
        for (i = 0; i < f.nm; i++) {
            ops[n].addr = f.m[i].pa;
            ops[n].len = 29;
            n++;
        }
        ops[n].addr = banner_pa;
        ops[n].len = 32;
        n++;
        for (i = 0; i < NR; i++, n++) {
            ops[n].addr = rnd_ram(&f);
            ops[n].len = 8;
        }
        for (i = 0; i < NP; i++, n++) {
            ops[n].addr = rnd_ram(&f) & ~4095ull;
            ops[n].len = 4096;
        }
        for (k = 0; k < n; k++) {
            ops[k].buf = batch + off;
            ops[k].flags = 0;
            off += ops[k].len;
        }
        st = memintro_phys_read(&q.phys, ops, n);
        CHECK(st == MEMINTRO_OK, "%s: batch of %u reads: %s (%llu system calls)", label, (unsigned)n,
              memintro_status_str(st), (unsigned long long)(q.syscalls - before));
        /* t_qemu.sh stops QEMU (SIGSTOP) around this command: nothing changes in between */
        for (k = 0, bad = 0; k < n; k++) {
            memintro_status s1 = memintro_phys_read1(&q.phys, ops[k].addr, single, ops[k].len);
            if (s1 != MEMINTRO_OK || memcmp(single, ops[k].buf, ops[k].len)) bad++;
        }
        CHECK(bad == 0, "%s: every read of the batch equals the same read done alone", label);
    }

    /* guest-physical 0xa0000 is the VGA window: a read from below runs into a hole; a VM
       without a display card (MI_NO_VGA=1, QEMU started with -vga none) has RAM there */
    {
        unsigned char b[32];
        memintro_op op;
        const char *novga = getenv("MI_NO_VGA");
        memset(b, 0x77, sizeof b);
        op.addr = 0x9fff0;
        op.buf = b;
        op.len = 32;
        op.flags = 0;
        st = memintro_phys_read(&q.phys, &op, 1);
        if (novga && novga[0] == '1')
            CHECK(st == MEMINTRO_OK && op.missing == 0, "%s: read across 0xa0000 (no VGA card: RAM): complete", label);
        else
            CHECK(st == MEMINTRO_E_HOLE && op.missing == 16 && b[16] == 0 && b[31] == 0,
                  "%s: read across 0xa0000 (QEMU's vga-lowmem i/o): partial, 16 bytes missing and zeroed", label);
    }
    memintro_qemu_close(&q);
}

static void cmd_regions(const char *connector)
{
    memintro_qemu q;
    memintro_qemu_info in;
    size_t i;
    must_open(&q, connector, 0);
    memintro_qemu_get_info(&q, &in);
    printf("LAYOUT %s\nSOURCE %s\nWARNING %s\nRAM %llu\n", memintro_qemu_layout_str(in.layout), in.source, in.warning,
           (unsigned long long)in.ram_size);
    for (i = 0; i < in.count; i++) {
        const memintro_qemu_region *r = &in.regions[i];
        printf("R %016llx-%016llx %s %s %016llx\n", (unsigned long long)r->start,
               (unsigned long long)(r->start + r->size - 1), r->type, r->block, (unsigned long long)r->block_offset);
        printf("H %llx %llx %s %d\n", (unsigned long long)r->start, (unsigned long long)r->hva,
               memintro_qemu_backing_str(r->backing), r->zero_copy);
    }
    memintro_qemu_close(&q);
}

static void cmd_write(const char *connector, const char *pa, const char *text)
{
    memintro_qemu q;
    char back[128];
    size_t n = strlen(text);
    uint64_t a = strtoull(pa, NULL, 0);
    memintro_op op;
    memintro_status st;
    must_open(&q, connector, 1);
    op.addr = a;
    op.buf = (void *)text;
    op.len = n;
    op.flags = 0;
    st = memintro_phys_write(&q.phys, &op, 1);
    CHECK(st == MEMINTRO_OK, "write %u bytes at 0x%llx with write: %s", (unsigned)n, (unsigned long long)a,
          memintro_status_str(st));
    memset(back, 0, sizeof back);
    memintro_phys_read1(&q.phys, a, back, n);
    CHECK(!memcmp(back, text, n), "read back what was written");
    memintro_qemu_close(&q);
}

static void cmd_readonly(const char *connector, const char *pa)
{
    memintro_qemu q;
    char before[16], after[16], junk[16] = "XXXXXXXXXXXXXXX";
    uint64_t a = strtoull(pa, NULL, 0);
    memintro_op op;
    memintro_status st;
    must_open(&q, connector, 0);
    memintro_phys_read1(&q.phys, a, before, sizeof before);
    op.addr = a;
    op.buf = junk;
    op.len = sizeof junk;
    op.flags = 0;
    st = memintro_phys_write(&q.phys, &op, 1);
    memintro_phys_read1(&q.phys, a, after, sizeof after);
    CHECK(st == MEMINTRO_E_READONLY && op.status == MEMINTRO_E_READONLY && !memcmp(before, after, sizeof after),
          "write without the write option refused (%s), memory unchanged", memintro_status_str(st));
    memintro_qemu_close(&q);
}

/* Two ways of opening the same VM read the same bytes: markers, banner area, random pages. */
static void cmd_same(const char *label, const char *c1, const char *c2, const char *serial)
{
    memintro_qemu a, b;
    facts f;
    static unsigned char x[1 << 20], y[1 << 20];
    int i, bad = 0;
    read_facts(serial, &f);
    must_open(&a, c1, 0);
    must_open(&b, c2, 0);
    for (i = 0; i < f.nm; i++) {
        memintro_status s1 = memintro_phys_read1(&a.phys, f.m[i].pa & ~4095ull, x, 4096);
        memintro_status s2 = memintro_phys_read1(&b.phys, f.m[i].pa & ~4095ull, y, 4096);
        if (s1 != MEMINTRO_OK || s2 != MEMINTRO_OK || memcmp(x, y, 4096)) bad++;
    }
    /* the kernel's code does not change */
    {
        uint64_t pa = f.code_pa + ((f.banner_va - f.text_va) & ~0xfffffull) - (1 << 20);
        memintro_status s1 = memintro_phys_read1(&a.phys, pa, x, sizeof x);
        memintro_status s2 = memintro_phys_read1(&b.phys, pa, y, sizeof y);
        if (s1 != MEMINTRO_OK || s2 != MEMINTRO_OK || memcmp(x, y, sizeof x)) bad++;
    }
    for (i = 0; i < 200; i++) {
        uint64_t pa = rnd_ram(&f) & ~4095ull;
        if (memintro_phys_read1(&a.phys, pa, x, 4096) != MEMINTRO_OK ||
            memintro_phys_read1(&b.phys, pa, y, 4096) != MEMINTRO_OK)
            bad++;
    }
    CHECK(bad == 0, "%s: %s and %s read the same bytes (markers, 1 MiB of kernel image, 200 pages)", label, c1, c2);
    memintro_qemu_close(&a);
    memintro_qemu_close(&b);
}

static void cmd_tablecheck(const char *connector)
{
    char c1[600], c2[600];
    memintro_qemu t, m;
    memintro_qemu_info ti, mi;
    size_t i, j, bad = 0;
    snprintf(c1, sizeof c1, "%.500s,map=table", connector);
    snprintf(c2, sizeof c2, "%.500s,map=qmp", connector);
    must_open(&t, c1, 0);
    must_open(&m, c2, 0);
    memintro_qemu_get_info(&t, &ti);
    memintro_qemu_get_info(&m, &mi);
    for (i = 0; i < ti.count; i++) {
        const memintro_qemu_region *r = &ti.regions[i];
        uint64_t a = r->start, end = r->start + r->size;
        while (a < end) {
            const memintro_qemu_region *s = NULL;
            for (j = 0; j < mi.count; j++)
                if (a >= mi.regions[j].start && a - mi.regions[j].start < mi.regions[j].size) s = &mi.regions[j];
            if (!s || strcmp(s->block, r->block) || s->hva + (a - s->start) != r->hva + (a - r->start)) {
                printf("# table range at 0x%llx disagrees with QMP\n", (unsigned long long)a);
                bad++;
                break;
            }
            a = s->start + s->size;
        }
    }
    CHECK(ti.layout == MEMINTRO_QEMU_LAYOUT_TABLE && mi.layout == MEMINTRO_QEMU_LAYOUT_QMP && ti.count > 0 && bad == 0,
          "map=table: each of its %u ranges lies in QMP's ranges of the same RAM block at the same host address",
          (unsigned)ti.count);
    CHECK(ti.ram_size == mi.ram_size, "map=table and map=qmp agree on guest RAM size (%llu)",
          (unsigned long long)ti.ram_size);
    memintro_qemu_close(&t);
    memintro_qemu_close(&m);
}

static void cmd_list(void)
{
    memintro_qemu_vm v[64];
    size_t n = 0, i;
    memintro_status st = memintro_qemu_list(v, 64, &n);
    printf("LIST %s %u\n", memintro_status_str(st), (unsigned)n);
    for (i = 0; i < n && i < 64; i++)
        printf("V %d %s %s %llu %s\n", v[i].pid, v[i].name[0] ? v[i].name : "-", v[i].machine[0] ? v[i].machine : "-",
               (unsigned long long)v[i].ram_size, v[i].qmp[0] ? v[i].qmp : "-");
}

static void cmd_open(const char *connector)
{
    memintro_qemu q;
    memintro_status st = open_vm(&q, connector, 0);
    printf("S %s\nE %s\n", memintro_status_str(st), memintro_qemu_error(&q));
    if (st == MEMINTRO_OK) memintro_qemu_close(&q);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads in a loop while a child kills QEMU: the reads must end in MEMINTRO_E_GONE, soon,
   with no other failure on the way. */
static void cmd_gone(const char *label, const char *connector, int sig, int delay_ms)
{
    memintro_qemu q;
    static unsigned char buf[256 * 4096];
    static memintro_op ops[256];
    memintro_qemu_info in;
    size_t i, k;
    long batches = 0, other = 0;
    double t0, killed_at = 0, gone_at = 0;
    pid_t child;
    memintro_status st = MEMINTRO_OK;
    must_open(&q, connector, 0);
    memintro_qemu_get_info(&q, &in);
    /* pages of the largest RAM range, 64 MiB into it (the kernel's area, already touched) */
    for (i = k = 0; i < in.count; i++)
        if (in.regions[i].size > in.regions[k].size) k = i;
    for (i = 0; i < 256; i++) {
        ops[i].addr = in.regions[k].start + (16ull << 20) + (uint64_t)((i * 37) % 256) * 4096;
        ops[i].buf = buf + i * 4096;
        ops[i].len = 4096;
        ops[i].flags = 0;
    }
    child = fork();
    if (child == 0) {
        usleep((useconds_t)delay_ms * 1000);
        kill(q.pid, sig);
        _exit(0);
    }
    t0 = now_s();
    for (;;) {
        st = memintro_phys_read(&q.phys, ops, 256);
        batches++;
        if (!killed_at && waitpid(child, NULL, WNOHANG) == child) killed_at = now_s();
        if (st == MEMINTRO_E_GONE) {
            gone_at = now_s();
            break;
        }
        if (st != MEMINTRO_OK) {
            other++;
            printf("# %s during the kill: %s: %s\n", label, memintro_status_str(st), memintro_qemu_error(&q));
        }
        if (now_s() - t0 > 30) break;
    }
    if (!killed_at) {
        waitpid(child, NULL, 0);
        killed_at = now_s();
    }
    CHECK(st == MEMINTRO_E_GONE, "%s: reads while QEMU gets signal %d end in E_GONE (%s) after %ld batches", label,
          sig, memintro_status_str(st), batches);
    CHECK(other == 0, "%s: no other failure before it (%ld)", label, other);
    CHECK(gone_at - killed_at < 10.0, "%s: noticed %.3f s after the signal was sent", label,
          gone_at > killed_at ? gone_at - killed_at : 0.0);
    st = memintro_phys_read1(&q.phys, ops[0].addr, buf, 8);
    CHECK(st == MEMINTRO_E_GONE && !memintro_qemu_alive(&q) && strstr(memintro_qemu_error(&q), "exited"),
          "%s: later reads fail at once with E_GONE: %s", label, memintro_qemu_error(&q));
    memintro_qemu_close(&q);
}

/* ---- vCPU registers ---- */

/* Prints "IDX NAME VALUE" (16 hex digits) per register of every vCPU, and "IDX ISA name". */
static void cmd_cpus(const char *connector)
{
    static const char *const gpr[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                                        "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15"};
    static const char *const seg[8] = {"CS", "DS", "ES", "FS", "GS", "SS", "LDT", "TR"};
    static const int segi[8] = {MEMINTRO_SEG_CS, MEMINTRO_SEG_DS, MEMINTRO_SEG_ES, MEMINTRO_SEG_FS,
                                MEMINTRO_SEG_GS, MEMINTRO_SEG_SS, MEMINTRO_SEG_LDT, MEMINTRO_SEG_TR};
    memintro_qemu q;
    memintro_cpu c[16];
    size_t n = 0, i, k;
    memintro_status st;
    must_open(&q, connector, 0);
    st = memintro_qemu_cpus(&q, c, 16, &n);
    if (st != MEMINTRO_OK) printf("not ok - cpus %s: %s: %s\n", connector, memintro_status_str(st), memintro_qemu_error(&q));
    for (i = 0; st == MEMINTRO_OK && i < n; i++) {
        const memintro_cpu *u = &c[i];
        unsigned x = u->index;
        printf("%u ISA %s\n", x, u->isa == MEMINTRO_ISA_X86_64 ? "x86_64" : u->isa == MEMINTRO_ISA_X86 ? "x86" : "?");
        for (k = 0; k < 16; k++) printf("%u %s %016llx\n", x, gpr[k], (unsigned long long)u->gpr[k]);
        printf("%u RIP %016llx\n%u RFL %016llx\n", x, (unsigned long long)u->rip, x, (unsigned long long)u->rflags);
        printf("%u CR0 %016llx\n%u CR2 %016llx\n", x, (unsigned long long)u->cr[0], x, (unsigned long long)u->cr[2]);
        printf("%u CR3 %016llx\n%u CR4 %016llx\n", x, (unsigned long long)u->cr[3], x, (unsigned long long)u->cr[4]);
        printf("%u EFER %016llx\n", x, (unsigned long long)u->efer);
        for (k = 0; k < 8; k++) {
            const memintro_seg *g = &u->seg[segi[k]];
            printf("%u %s.sel %016llx\n%u %s.base %016llx\n", x, seg[k], (unsigned long long)g->selector, x, seg[k],
                   (unsigned long long)g->base);
            printf("%u %s.limit %016llx\n%u %s.flags %016llx\n", x, seg[k], (unsigned long long)g->limit, x, seg[k],
                   (unsigned long long)g->flags);
        }
        printf("%u GDT.base %016llx\n%u GDT.limit %016llx\n", x, (unsigned long long)u->seg[MEMINTRO_SEG_GDT].base, x,
               (unsigned long long)u->seg[MEMINTRO_SEG_GDT].limit);
        printf("%u IDT.base %016llx\n%u IDT.limit %016llx\n", x, (unsigned long long)u->seg[MEMINTRO_SEG_IDT].base, x,
               (unsigned long long)u->seg[MEMINTRO_SEG_IDT].limit);
    }
    memintro_qemu_close(&q);
}

/* ---- pausing ---- */

#define PAUSE_PAGES (512u * 256u) /* guest RAM hashed: the first 512 MiB of RAM ranges */

/* One 64-bit hash per 4 KiB page of the first 512 MiB of guest RAM (regions in order). */
static size_t hash_ram(memintro_qemu *q, uint64_t *h, uint64_t *pa)
{
    static unsigned char buf[256 * 4096];
    memintro_qemu_info in;
    size_t np = 0, i, k;
    memintro_qemu_get_info(q, &in);
    for (i = 0; i < in.count && np < PAUSE_PAGES; i++) {
        uint64_t a = in.regions[i].start, e = a + in.regions[i].size;
        if (!in.regions[i].guest_ram) continue;
        while (a < e && np < PAUSE_PAGES) {
            size_t n = (size_t)(e - a > sizeof buf ? sizeof buf : e - a);
            if (n > (PAUSE_PAGES - np) * 4096) n = (PAUSE_PAGES - np) * 4096;
            if (memintro_phys_read1(&q->phys, a, buf, n) != MEMINTRO_OK) return 0;
            for (k = 0; k < n; k += 4096, np++) {
                uint64_t x = 1469598103934665603ull, w;
                size_t j;
                for (j = 0; j + 8 <= 4096 && k + j + 8 <= n; j += 8) {
                    memcpy(&w, buf + k + j, 8);
                    x = (x ^ w) * 1099511628211ull;
                    x ^= x >> 29;
                }
                h[np] = x;
                pa[np] = a + k;
            }
            a += n;
        }
    }
    return np;
}

/* Pause and resume over QMP: query-status follows, and pages of guest RAM that change while
   the VM runs stay the same while it is paused, then change again after resume. */
static void cmd_pause(const char *label, const char *connector)
{
    static uint64_t h1[PAUSE_PAGES], h2[PAUSE_PAGES], pa[PAUSE_PAGES];
    static size_t changed[PAUSE_PAGES];
    memintro_qemu q;
    size_t n, nc = 0, i, still = 0, again = 0;
    int running = -1;
    memintro_status st;
    must_open(&q, connector, 0);
    st = memintro_qemu_running(&q, &running);
    CHECK(st == MEMINTRO_OK && running == 1, "%s: query-status says running (%s, %d)", label, memintro_status_str(st),
          running);
    n = hash_ram(&q, h1, pa);
    usleep(400000);
    CHECK(n > 0 && hash_ram(&q, h2, pa) == n, "%s: hashed %u pages of guest RAM twice", label, (unsigned)n);
    for (i = 0; i < n; i++)
        if (h1[i] != h2[i]) changed[nc++] = i;
    CHECK(nc > 0, "%s: %u pages changed in 0.4 s while running", label, (unsigned)nc);
    st = memintro_qemu_pause(&q);
    CHECK(st == MEMINTRO_OK, "%s: pause (%s: %s)", label, memintro_status_str(st), memintro_qemu_error(&q));
    st = memintro_qemu_running(&q, &running);
    CHECK(st == MEMINTRO_OK && running == 0, "%s: query-status says paused after pause", label);
    CHECK(memintro_qemu_pause(&q) == MEMINTRO_OK, "%s: pausing a paused VM is not an error", label);
    hash_ram(&q, h1, pa);
    usleep(600000);
    hash_ram(&q, h2, pa);
    for (i = 0; i < nc; i++) still += h1[changed[i]] == h2[changed[i]];
    CHECK(nc > 0 && still == nc, "%s: paused: all %u of those pages stayed the same for 0.6 s (%u did)", label,
          (unsigned)nc, (unsigned)still);
    st = memintro_qemu_resume(&q);
    CHECK(st == MEMINTRO_OK, "%s: resume (%s: %s)", label, memintro_status_str(st), memintro_qemu_error(&q));
    st = memintro_qemu_running(&q, &running);
    CHECK(st == MEMINTRO_OK && running == 1, "%s: query-status says running after resume", label);
    usleep(400000);
    hash_ram(&q, h1, pa);
    for (i = 0; i < nc; i++) again += h1[changed[i]] != h2[changed[i]];
    CHECK(again > 0, "%s: resumed: %u of those pages change again", label, (unsigned)again);
    memintro_qemu_close(&q);
}

/* Runs one HMP command: "S STATUS", "E MESSAGE", then the text. */
static void cmd_hmp(const char *connector, const char *command)
{
    memintro_qemu q;
    static char buf[1 << 16];
    size_t len = 0;
    memintro_status st;
    must_open(&q, connector, 0);
    st = memintro_qemu_hmp(&q, NULL, command, buf, sizeof buf, &len);
    printf("S %s\nE %s\nL %u\n%s", memintro_status_str(st), memintro_qemu_error(&q), (unsigned)len, buf);
    memintro_qemu_close(&q);
}

/* Fills the backlog of a listening unix socket that is not accepting (a stopped QEMU's QMP
   socket) and holds the connections for `seconds`: "F N" with the connections made. */
static void cmd_fill(const char *path, int seconds)
{
    struct sockaddr_un sa;
    int n = 0, full = 0;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) return;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    while (n < 64) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            full = errno == EAGAIN;
            close(fd);
            break;
        }
        n++;
    }
    printf("F %d %s\n", n, full ? "full" : "not full");
    sleep((unsigned)seconds);
}

/* Reads guest-physical [PA, PA+LEN) and compares it with FILE (e.g. QEMU's pmemsave). */
static void cmd_readcmp(const char *connector, const char *pa, const char *len, const char *file)
{
    memintro_qemu q;
    uint64_t a = strtoull(pa, NULL, 0);
    size_t n = (size_t)strtoull(len, NULL, 0), got = 0;
    unsigned char *mine = (unsigned char *)calloc(1, n + 1), *ref = (unsigned char *)calloc(1, n + 1);
    FILE *f = fopen(file, "rb");
    memintro_status st;
    if (!mine || !ref || !f) {
        printf("not ok - readcmp: cannot read %s or allocate\n", file);
        exit(2);
    }
    got = fread(ref, 1, n + 1, f);
    fclose(f);
    must_open(&q, connector, 0);
    st = memintro_phys_read1(&q.phys, a, mine, n);
    CHECK(st == MEMINTRO_OK && got == n && !memcmp(mine, ref, n),
          "%s: %u bytes at 0x%llx equal %s (%s, file %u bytes)", connector, (unsigned)n, (unsigned long long)a, file,
          st == MEMINTRO_OK ? "read ok" : memintro_qemu_error(&q), (unsigned)got);
    memintro_qemu_close(&q);
    free(mine);
    free(ref);
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(c, "regions") && argc == 3) cmd_regions(argv[2]);
    else if (!strcmp(c, "facts") && argc == 5) cmd_facts(argv[2], argv[3], argv[4]);
    else if (!strcmp(c, "write") && argc == 5) cmd_write(argv[2], argv[3], argv[4]);
    else if (!strcmp(c, "readonly") && argc == 4) cmd_readonly(argv[2], argv[3]);
    else if (!strcmp(c, "same") && argc == 6) cmd_same(argv[2], argv[3], argv[4], argv[5]);
    else if (!strcmp(c, "tablecheck") && argc == 3) cmd_tablecheck(argv[2]);
    else if (!strcmp(c, "list") && argc == 2) cmd_list();
    else if (!strcmp(c, "cpus") && argc == 3) cmd_cpus(argv[2]);
    else if (!strcmp(c, "readcmp") && argc == 6) cmd_readcmp(argv[2], argv[3], argv[4], argv[5]);
    else if (!strcmp(c, "fill") && argc == 4) cmd_fill(argv[2], atoi(argv[3]));
    else if (!strcmp(c, "hmp") && argc == 4) cmd_hmp(argv[2], argv[3]);
    else if (!strcmp(c, "pause") && argc == 4) cmd_pause(argv[2], argv[3]);
    else if (!strcmp(c, "open") && argc == 3) cmd_open(argv[2]);
    else if (!strcmp(c, "gone") && argc == 6) cmd_gone(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    else {
        fprintf(stderr, "usage: see the top of tests/qemu_live.c\n");
        return 2;
    }
    return check_done();
}
