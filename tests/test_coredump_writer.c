/* tests/test_coredump_writer.c: memintro_coredump_write_elf on SYNTHETIC sources (a buffer
   backend over the known image of tests/tools/mkdump_gen.h): the core it writes reads back
   with the source's bytes, CPU notes and VMCOREINFO; it streams (written into a pipe);
   PN_XNUM; unreadable source bytes are counted or fail the write; the progress callback.
   (That makedumpfile, a QEMU-compatible reader, accepts its output is checked on a real
   guest's memory by tests/t_coredump_real.sh.) */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "build/test-coredump"

/* DIR/<pid>-name: the plain and sanitized builds may run at the same time. */
static const char *path(const char *name)
{
    static char buf[8][256];
    static unsigned k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, DIR "/%ld-%s", (long)getpid(), name);
    return p;
}

typedef struct prog {
    uint64_t calls, last, total, backwards, first;
} prog;

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    prog *p = (prog *)user;
    if (!p->calls) p->first = done;
    if (done < p->last) p->backwards++;
    p->calls++;
    p->last = done;
    p->total = total;
}

/* A backend that wraps another and fails the pages listed, with a status. */
typedef struct failing {
    memintro_phys phys;
    memintro_phys *below;
    uint64_t bad_page;
    memintro_status how;
} failing;

static memintro_status failing_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    failing *f = (failing *)self;
    size_t i;
    memintro_status ret = memintro_phys_read(f->below, ops, count);
    for (i = 0; i < count; i++)
        if ((ops[i].addr & ~4095ull) == f->bad_page) {
            memset(ops[i].buf, 0, ops[i].len);
            ops[i].missing = ops[i].len;
            ops[i].status = f->how;
            if (ret == MEMINTRO_OK) ret = f->how;
        }
    return ret;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* The paging mode a CPU's registers give (memintro_cpu_mmu), NONE when off or unknown. */
static memintro_arch cpu_arch(const memintro_cpu *c)
{
    memintro_mmu_desc m;
    return memintro_cpu_mmu(c, &m) == MEMINTRO_OK ? m.arch : MEMINTRO_ARCH_NONE;
}

static memintro_cpu cpus[2];
static memintro_coredump_facts facts;

static void make_facts(uint16_t machine)
{
    unsigned i, k;
    memset(cpus, 0, sizeof cpus);
    memset(&facts, 0, sizeof facts);
    for (i = 0; i < 2; i++) {
        mk_cpu c = mkg_known_cpu(i);
        cpus[i].index = i;
        cpus[i].flags =
            MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM | (i ? 0 : MEMINTRO_CPU_KGSBASE);
        for (k = 0; k < 16; k++) cpus[i].gpr[k] = 0x1111111111111111ull * (k + 1) + i;
        cpus[i].gpr[MEMINTRO_REG_RSP] = c.rsp;
        cpus[i].rip = c.rip;
        cpus[i].rflags = 0x246;
        cpus[i].cr[0] = c.cr0;
        cpus[i].cr[3] = c.cr3;
        cpus[i].cr[4] = c.cr4;
        cpus[i].kernel_gs_base = 0xffff888007c00000ull;
        for (k = 0; k < 10; k++) {
            cpus[i].seg[k].selector = 0x10 + 8 * k;
            cpus[i].seg[k].limit = 0xffffffff;
            cpus[i].seg[k].flags = k == MEMINTRO_SEG_CS ? (machine == 3 ? 0x00cf9b00u : 0x00a09b00u) : 0x00c09300u;
            cpus[i].seg[k].base = 0x1000ull * k + i;
        }
        cpus[i].seg[MEMINTRO_SEG_IDT].base = c.idt;
    }
    facts.cpus = cpus;
    facts.cpu_state_count = 2;
    facts.cpu_count = 2;
    facts.vmcoreinfo = mkg_vmcoreinfo;
    facts.vmcoreinfo_size = strlen(mkg_vmcoreinfo);
    facts.elf_machine = machine;
}

/* Every page of src equals the dump's. */
static int same_pages(memintro_coredump *d, const mk_src *s)
{
    static uint8_t a[4096], b[4096];
    size_t i;
    uint64_t x;
    int bad = 0;
    for (i = 0; i < s->n; i++)
        for (x = s->r[i].start; x < s->r[i].start + s->r[i].size; x += 4096) {
            s->page(s->user, x, a);
            if (memintro_phys_read1(&d->phys, x, b, 4096) != MEMINTRO_OK || memcmp(a, b, 4096)) bad++;
        }
    return bad;
}

int main(void)
{
    mk_src all = mkg_known();
    uint8_t *img;
    uint64_t total = 0, off = 0;
    memintro_range rstore[8];
    memintro_memmap map;
    memintro_buffer buf;
    memintro_coredump d;
    memintro_coredump_write_options o;
    memintro_coredump_write_result r;
    memintro_status s;
    prog p;
    size_t i;
    uint64_t x;

    mkdir("build", 0777);
    mkdir(DIR, 0777);
    /* the known image in one buffer, mapped range by range */
    for (i = 0; i < all.n; i++) total += all.r[i].size;
    img = (uint8_t *)malloc(total);
    memintro_memmap_init(&map, rstore, 8);
    for (i = 0; i < all.n; i++) {
        for (x = 0; x < all.r[i].size; x += 4096) mkg_known_page(0, all.r[i].start + x, img + off + x);
        memintro_memmap_add(&map, all.r[i].start, all.r[i].size, off);
        off += all.r[i].size;
    }
    memintro_buffer_init(&buf, img, total, &map, 0);

    /* 1. a core with CPU notes and VMCOREINFO, read back */
    make_facts(62);
    memset(&o, 0, sizeof o);
    memset(&p, 0, sizeof p);
    o.progress = on_progress;
    o.user = &p;
    o.batch = 256 * 1024;
    s = memintro_coredump_write_elf(&buf.phys, &map, &facts, path("w1.elf"), &o, &r);
    CHECK(s == MEMINTRO_OK && r.segments == 3 && r.notes == 5 && r.memory_size == total && !r.unreadable && !r.error[0],
          "write: %s, %u segments, %u notes, %llu bytes %s", memintro_status_str(s), r.segments, r.notes,
          (unsigned long long)r.file_size, r.error);
    CHECK(p.calls >= 2 + total / (256 * 1024) && p.first == 0 && p.last == total && p.total == total && !p.backwards,
          "progress: %llu calls from 0 to %llu, never backwards", (unsigned long long)p.calls,
          (unsigned long long)p.last);
    if (memintro_coredump_open(&d, path("w1.elf"), 0) == MEMINTRO_OK) {
        const memintro_cpu *c0 = &d.facts.cpus[0], *c1 = &d.facts.cpus[1];
        int segs_ok = 1, k;
        CHECK(d.format == MEMINTRO_COREDUMP_ELF && d.map.count == 3 && d.facts.file_size == r.file_size,
              "read back: %s, %zu ranges", d.description, d.map.count);
        CHECK(!same_pages(&d, &all), "read back: every page equals the source");
        for (k = 0; k < 10; k++)
            if (c0->seg[k].selector != cpus[0].seg[k].selector || c0->seg[k].limit != cpus[0].seg[k].limit ||
                c0->seg[k].flags != cpus[0].seg[k].flags || c0->seg[k].base != cpus[0].seg[k].base)
                segs_ok = 0;
        CHECK(d.facts.cpu_state_count == 2 && c0->cr[3] == cpus[0].cr[3] && c1->cr[3] == cpus[1].cr[3] &&
                  c0->cr[0] == cpus[0].cr[0] && c0->cr[4] == cpus[0].cr[4] && c0->rip == cpus[0].rip &&
                  c1->rip == cpus[1].rip && !memcmp(c0->gpr, cpus[0].gpr, sizeof c0->gpr) && c0->rflags == 0x246 &&
                  segs_ok && (c0->flags & MEMINTRO_CPU_KGSBASE) &&
                  c0->kernel_gs_base == cpus[0].kernel_gs_base && !(c1->flags & MEMINTRO_CPU_KGSBASE) &&
                  cpu_arch(c0) == MEMINTRO_ARCH_X86_64 && d.facts.qemu,
              "read back: both CPUs' registers, segments, CR0/3/4, kernel_gs_base and mode");
        CHECK(d.facts.vmcoreinfo && d.facts.vmcoreinfo_size == strlen(mkg_vmcoreinfo) &&
                  !strcmp(d.facts.vmcoreinfo, mkg_vmcoreinfo),
              "read back: VMCOREINFO note");
        /* and writing the read-back dump again gives a byte-identical file */
        s = memintro_coredump_write_elf(&d.phys, &d.map, &d.facts, path("w1b.elf"), 0, &r);
        {
            memintro_coredump e;
            int same = 0;
            if (s == MEMINTRO_OK && memintro_coredump_open(&e, path("w1b.elf"), 0) == MEMINTRO_OK) {
                uint64_t n1 = 0, n2 = 0;
                const void *p1 = 0, *p2 = 0;
                /* compare whole files through the raw view */
                memintro_coredump ra, rb;
                memintro_coredump_options ro;
                memset(&ro, 0, sizeof ro);
                ro.format = MEMINTRO_COREDUMP_RAW;
                if (memintro_coredump_open(&ra, path("w1.elf"), &ro) == MEMINTRO_OK &&
                    memintro_coredump_open(&rb, path("w1b.elf"), &ro) == MEMINTRO_OK) {
                    p1 = memintro_coredump_ptr(&ra, 0, &n1);
                    p2 = memintro_coredump_ptr(&rb, 0, &n2);
                    same = p1 && p2 && n1 == n2 && !memcmp(p1, p2, (size_t)n1);
                }
                memintro_coredump_close(&ra);
                memintro_coredump_close(&rb);
                memintro_coredump_close(&e);
            }
            CHECK(same, "a dump written from the written dump is byte-identical");
        }
        memintro_coredump_close(&d);
    } else {
        CHECK(0, "read back opens: %s", d.error);
    }

    /* 2. i386 register notes */
    make_facts(3);
    s = memintro_coredump_write_elf(&buf.phys, &map, &facts, path("w386.elf"), 0, &r);
    if (s == MEMINTRO_OK && memintro_coredump_open(&d, path("w386.elf"), 0) == MEMINTRO_OK) {
        CHECK(d.facts.elf_machine == 3 && d.facts.cpu_state_count == 2 && d.facts.cpus[1].rip == cpus[1].rip &&
                  d.facts.cpus[1].cr[3] == cpus[1].cr[3] && cpu_arch(&d.facts.cpus[0]) == MEMINTRO_ARCH_X86_PAE && d.facts.cpus[0].isa == MEMINTRO_ISA_X86,
              "i386 core: EM_386, notes read back, PAE mode from CR0/CR4 without long mode");
        memintro_coredump_close(&d);
    } else {
        CHECK(0, "i386 core: %s %s", r.error, d.error);
    }

    /* 3. streaming into a pipe (no seeks), no facts */
    {
        int fds[2];
        pid_t pid;
        mkbuf got = {0, 0, 0, 0};
        uint8_t chunk[65536];
        ssize_t n;
        int status = 0;
        CHECK(pipe(fds) == 0, "pipe");
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            s = memintro_coredump_write_elf_fd(&buf.phys, &map, 0, fds[1], 0, 0);
            _exit(s == MEMINTRO_OK ? 0 : 1);
        }
        close(fds[1]);
        while ((n = read(fds[0], chunk, sizeof chunk)) > 0) mkb_put(&got, chunk, (size_t)n);
        close(fds[0]);
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
            memintro_coredump_open_memory(&d, got.p, got.n, 0) == MEMINTRO_OK) {
            CHECK(d.format == MEMINTRO_COREDUMP_ELF && !same_pages(&d, &all) && d.facts.cpu_state_count == 0 &&
                      d.facts.elf_machine == 62,
                  "streamed through a pipe: %zu bytes, every page equal, no notes", got.n);
            memintro_coredump_close(&d);
        } else {
            CHECK(0, "streamed through a pipe (%zu bytes): %s", got.n, d.error);
        }
        mkb_free(&got);
    }

    /* 4. PN_XNUM: 70000 ranges of 40 bytes */
    {
        static memintro_range many[70000];
        memintro_memmap m2;
        memintro_buffer b2;
        uint8_t *src = (uint8_t *)malloc(70000 * 40);
        for (i = 0; i < 70000 * 40; i++) src[i] = (uint8_t)(mk_mix(i) >> 7);
        memintro_memmap_init(&m2, many, 70000);
        for (i = 0; i < 70000; i++) memintro_memmap_add(&m2, 0x100000 + i * 64, 40, i * 40);
        memintro_buffer_init(&b2, src, 70000 * 40, &m2, 0);
        s = memintro_coredump_write_elf(&b2.phys, &m2, 0, path("xnum.elf"), 0, &r);
        if (s == MEMINTRO_OK && memintro_coredump_open(&d, path("xnum.elf"), 0) == MEMINTRO_OK) {
            uint8_t got[40];
            size_t bad = 0;
            for (i = 0; i < 70000; i++)
                if (memintro_phys_read1(&d.phys, 0x100000 + i * 64, got, 40) != MEMINTRO_OK ||
                    memcmp(got, src + i * 40, 40))
                    bad++;
            CHECK(d.map.count == 70000 && !bad &&
                      memintro_phys_read1(&d.phys, 0x100000 + 40, got, 8) == MEMINTRO_E_HOLE,
                  "PN_XNUM: 70001 program headers written and read back (%zu ranges, %zu bad)", d.map.count, bad);
            memintro_coredump_close(&d);
        } else {
            CHECK(0, "PN_XNUM core: %s %s", r.error, d.error);
        }
        free(src);
    }

    /* 5. a source that cannot read one page */
    {
        failing f;
        f.phys.read = failing_read;
        f.phys.write = 0;
        f.phys.user = 0;
        f.below = &buf.phys;
        f.bad_page = 0x101000;
        f.how = MEMINTRO_E_IO;
        s = memintro_coredump_write_elf(&f.phys, &map, 0, path("bad.elf"), 0, &r);
        CHECK(s == MEMINTRO_OK && r.unreadable == 4096 && r.first_unreadable == 0x101000,
              "an unreadable page is written as zeros and counted (%llu bytes at 0x%llx)",
              (unsigned long long)r.unreadable, (unsigned long long)r.first_unreadable);
        memset(&o, 0, sizeof o);
        o.flags = MEMINTRO_COREDUMP_WRITE_STRICT;
        s = memintro_coredump_write_elf(&f.phys, &map, 0, path("strict.elf"), &o, &r);
        CHECK(s == MEMINTRO_E_IO && strstr(r.error, "0x101000") && !exists(path("strict.elf")),
              "STRICT: fails at the page and removes the file: %s", r.error);
        f.how = MEMINTRO_E_GONE;
        s = memintro_coredump_write_elf(&f.phys, &map, 0, path("gone.elf"), 0, &r);
        CHECK(s == MEMINTRO_E_GONE && !exists(path("gone.elf")), "a source that is gone stops the write: %s", r.error);
    }

    /* 6. bad arguments */
    {
        memintro_range bad[2];
        memintro_memmap m3;
        m3.ranges = bad;
        m3.count = 2;
        m3.capacity = 2;
        bad[0].start = 0x2000;
        bad[0].size = 0x1000;
        bad[0].offset = 0;
        bad[1].start = 0x1000;
        bad[1].size = 0x1000;
        bad[1].offset = 0;
        s = memintro_coredump_write_elf(&buf.phys, &m3, 0, path("inv.elf"), 0, &r);
        CHECK(s == MEMINTRO_E_INVALID && strstr(r.error, "out of order"), "unordered map rejected: %s", r.error);
        s = memintro_coredump_write_elf(&buf.phys, &map, 0, path("no/such/dir/x.elf"), 0, &r);
        CHECK(s == MEMINTRO_E_NOTFOUND && strstr(r.error, "cannot create"), "unwritable path: %s", r.error);
    }
    unlink(path("w1.elf"));
    unlink(path("w1b.elf"));
    unlink(path("w386.elf"));
    unlink(path("xnum.elf"));
    unlink(path("bad.elf"));
    free(img);
    return check_done();
}
