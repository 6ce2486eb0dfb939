/* tests/test_target.c: memintro_target.h on files (unit tests, synthetic data).

   Every dump kind is written here by tests/tools/mkdump_gen.h from its known image (page
   contents, CPU registers, VMCOREINFO text, Windows header fields are all the generator's
   constants, written independently of the reader); raw images are written by this test.
   Checked: the connector string opens the right kind; map, ranges, facts and CPU state
   equal what the file holds; reads return the generator's bytes; CPU 0's paging (or the
   Windows header's DirectoryTableBase); every malformed connector string gives its
   message and the usage flag; missing file, directory, FIFO, empty and damaged files give
   one-line errors without hanging (the whole test runs under alarm); ELF cores written
   from a target read back the same; the allocator sees every allocation freed; the
   manual's EXAMPLE compiles and runs. The live-VM side is tests/t_target_live.sh. */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

static char tmpdir[256];

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return 0;
    ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int one_line(const char *s)
{
    return s && s[0] && !strchr(s, '\n') && !strchr(s, '\r');
}

/* ---- the manual's EXAMPLE ---- */

static int example(const char *spec)
{
#include "target_example.inc"
    return 0;
}

/* ---- every dump kind ---- */

typedef struct kind {
    const char *name;
    int fmt;          /* 'e' ELF, 'k' kdump, 'w' Windows, 'l' LiME */
    unsigned flags;   /* generator flags */
    uint32_t comp;    /* kdump compression */
    int low;          /* only the part below 4 GiB (32-bit formats) */
} kind;

static const kind kinds[] = {
    {"elf64", 'e', 0, 0, 0},
    {"elf32", 'e', MKE_32, 0, 1},
    {"elf64-xnum", 'e', MKE_SPLIT, 0, 0},
    {"lime", 'l', 0, 0, 0},
    {"win64-full", 'w', 0, 0, 0},
    {"win64-fdmp", 'w', MKW_FDMP, 0, 0},
    {"win64-sdmp", 'w', MKW_SDMP, 0, 0},
    {"win32-full", 'w', MKW_32, 0, 1},
    {"win32-fdmp", 'w', MKW_32 | MKW_FDMP, 0, 1},
    {"win32-sdmp", 'w', MKW_32 | MKW_SDMP, 0, 1},
    {"kdump-plain", 'k', 0, 0, 0},
    {"kdump-zlib", 'k', 0, 1, 0},
    {"kdump-lzo", 'k', 0, 2, 0},
    {"kdump-snappy", 'k', 0, 4, 0},
    {"kdump-zstd", 'k', 0, 0x20, 0},
    {"kdump-mixed", 'k', MKK_MIXED, 0, 0},
    {"kdump-zlib-flat", 'k', MKK_FLAT, 1, 0},
    {"kdump-zstd-32", 'k', MKK_32, 0x20, 1},
    {"kdump-plain-flat-32", 'k', MKK_FLAT | MKK_32, 0, 1},
};

static void build_kind(const kind *k, mkbuf *b)
{
    mk_src s = k->low ? mkg_known_low() : mkg_known();
    switch (k->fmt) {
    case 'e': mk_elf(b, &s, k->flags, 2); break;
    case 'k': mk_kdump(b, &s, k->comp, k->flags); break;
    case 'w': mk_windows(b, &s, k->flags); break;
    default: mk_lime(b, &s); break;
    }
}

/* Reads pages of every known range (every 5th page and the last) and compares them with
   the generator's; SDMP dumps leave some pages out (those must be holes). */
static void check_pages(memintro_target *t, const mk_src *s, int sdmp, const char *what)
{
    size_t i, good = 0, bad = 0, holes = 0, badholes = 0;
    uint8_t got[4096], want[4096];
    for (i = 0; i < s->n; i++) {
        uint64_t a, end = s->r[i].start + s->r[i].size;
        for (a = s->r[i].start; a < end; a += (a + 5 * 4096 < end ? 5 * 4096 : 4096)) {
            memintro_status st = memintro_phys_read1(t->phys, a, got, sizeof got);
            if (sdmp && mkw_left_out(a)) {
                if (st == MEMINTRO_E_HOLE) holes++;
                else badholes++;
                continue;
            }
            mkg_known_page(0, a, want);
            if (st == MEMINTRO_OK && !memcmp(got, want, sizeof got)) good++;
            else bad++;
            if (a + 4096 >= end) break;
        }
    }
    CHECK(bad == 0 && good > 100, "%s: %zu sampled pages read the generator's bytes (%zu differ)", what, good, bad);
    if (sdmp) CHECK(badholes == 0 && holes > 0, "%s: the %zu pages the dump left out are holes", what, holes);
    /* an address no range holds */
    CHECK(memintro_phys_read1(t->phys, 0x80000000ull, got, 16) == MEMINTRO_E_HOLE, "%s: 0x80000000 is a hole", what);
}

static uint64_t map_bytes(const memintro_memmap *m)
{
    uint64_t n = 0;
    size_t i;
    for (i = 0; i < m->count; i++) n += m->ranges[i].size;
    return n;
}

static void test_dump_kind(const kind *k)
{
    mkbuf b = {0, 0, 0, 0};
    mk_src s = k->low ? mkg_known_low() : mkg_known();
    char path[512], spec[600];
    memintro_target t;
    memintro_status st;
    const char *fmt = k->fmt == 'e' ? "elf" : k->fmt == 'k' ? "kdump" : k->fmt == 'w' ? "windows" : "lime";
    size_t i, covered = 0;
    uint64_t known = 0, ranged = 0;
    build_kind(k, &b);
    path_of(path, sizeof path, k->name);
    if (!write_file(path, b.p, b.n)) {
        CHECK(0, "%s: cannot write %s", k->name, path);
        mkb_free(&b);
        return;
    }
    mkb_free(&b);
    snprintf(spec, sizeof spec, "dump:%s", path);
    st = memintro_target_open(&t, spec, NULL);
    CHECK(st == MEMINTRO_OK, "%s: dump:PATH opens (%s)", k->name, memintro_target_error(&t));
    if (st != MEMINTRO_OK) return;
    CHECK(t.kind == MEMINTRO_TARGET_DUMP && !strcmp(t.connector, "dump") && t.layout == MEMINTRO_TARGET_LAYOUT_DUMP &&
              !strcmp(t.spec, spec) && t.path && !strcmp(t.path, path) && !t.live && !t.writable && t.dump && !t.qemu,
          "%s: kind dump, layout dump, read-only, path and spec kept", k->name);
    CHECK(t.description[0] && strstr(t.description, path) && t.layout_text[0], "%s: description \"%s\"", k->name,
          t.description);
    CHECK(memintro_target_fact_value(&t, "format") && !strcmp(memintro_target_fact_value(&t, "format"), fmt),
          "%s: fact format = %s", k->name, fmt);
    CHECK(memintro_target_fact_value(&t, "no such fact") == NULL, "%s: an unknown fact is NULL", k->name);
    {
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && t.file_size == (uint64_t)sb.st_size, "%s: file_size %llu", k->name,
              (unsigned long long)t.file_size);
    }
    /* the map holds every known range; the ranges cover the map */
    for (i = 0; i < s.n; i++) {
        uint64_t off, run;
        known += s.r[i].size;
        if (memintro_memmap_lookup(t.map, s.r[i].start, &off, &run) && run >= s.r[i].size) covered++;
    }
    for (i = 0; i < t.range_count; i++) ranged += t.ranges[i].end - t.ranges[i].start;
    if (k->fmt == 'w' && (k->flags & MKW_SDMP)) {
        CHECK(map_bytes(t.map) < known && ranged == map_bytes(t.map), "%s: map of %llu bytes (some pages left out)",
              k->name, (unsigned long long)map_bytes(t.map));
    } else {
        CHECK(covered == s.n && map_bytes(t.map) == known && ranged == known && t.ram_size == known,
              "%s: map and ranges are the %zu known ranges (%llu bytes)", k->name, s.n, (unsigned long long)known);
    }
    CHECK(t.range_count && t.ranges[0].start == t.map->ranges[0].start && t.ranges[0].backing[0],
          "%s: first range \"%s\"", k->name, t.range_count ? t.ranges[0].backing : "");
    check_pages(&t, &s, k->fmt == 'w' && (k->flags & MKW_SDMP), k->name);
    CHECK(t.cpus_loaded, "%s: CPU state known at open", k->name);
    if (k->fmt == 'e' || k->fmt == 'k') {
        int regs = t.cpu_count == 2, paging;
        for (i = 0; regs && i < 2; i++) {
            mk_cpu c = mkg_known_cpu((unsigned)i);
            const memintro_cpu *p = &t.cpus[i];
            regs = p->index == i && p->cr[3] == c.cr3 && p->cr[0] == c.cr0 && p->cr[4] == c.cr4 && p->rip == c.rip &&
                   p->gpr[MEMINTRO_REG_RSP] == c.rsp && p->seg[MEMINTRO_SEG_IDT].base == c.idt &&
                   (p->flags & (MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM)) == (MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM);
        }
        CHECK(regs && t.cpus_total >= 2 && t.cpu_source[0], "%s: 2 CPUs with the generator's CR0/CR3/CR4/RIP/RSP/IDT",
              k->name);
        paging = t.has_paging && t.paging.arch == MEMINTRO_ARCH_X86_64 &&
                 memintro_mmu_root(&t.paging, 0) == mkg_known_cpu(0).cr3 && strstr(t.paging_source, "CPU 0");
        CHECK(paging, "%s: paging x86-64 from CPU 0's CR3 0x%llx (%s)", k->name, (unsigned long long)t.paging.dtb,
              t.paging_source);
        CHECK(memintro_target_load_cpus(&t) == MEMINTRO_OK && t.cpu_count == 2, "%s: load_cpus keeps the file's CPUs",
              k->name);
        CHECK(t.vmcoreinfo && t.vmcoreinfo_size == strlen(mkg_vmcoreinfo) && !strcmp(t.vmcoreinfo, mkg_vmcoreinfo),
              "%s: VMCOREINFO is the generator's text", k->name);
        CHECK(memintro_target_fact_value(&t, "vmcoreinfo.head") &&
                  !strncmp(memintro_target_fact_value(&t, "vmcoreinfo.head"),
                           "OSRELEASE=6.1.0-test-amd64; PAGESIZE=4096; ", 42),
              "%s: fact vmcoreinfo.head", k->name);
        CHECK(t.dump_facts && t.dump_facts->cpu_state_count == 2, "%s: dump_facts for the ELF writer", k->name);
    } else if (k->fmt == 'w') {
        int is32 = (k->flags & MKW_32) != 0;
        uint64_t mask = is32 ? 0xffffffffull : ~0ull;
        CHECK(t.windows && t.windows->directory_table_base == MKW_DTB &&
                  t.windows->ps_loaded_module_list == (MKW_PSLOADED & mask) &&
                  t.windows->ps_active_process_head == (MKW_PSACTIVE & mask) &&
                  t.windows->kd_debugger_data_block == (MKW_KDDEBUGGER & mask) &&
                  t.windows->bugcheck_code == MKW_BUGCHECK && t.windows->is64 == !is32,
              "%s: Windows header fields are the generator's", k->name);
        CHECK(t.has_paging && t.paging.dtb == MKW_DTB &&
                  t.paging.arch == (is32 ? MEMINTRO_ARCH_X86_PAE : MEMINTRO_ARCH_X86_64) &&
                  strstr(t.paging_source, "DirectoryTableBase") && !t.cpu_note[0],
              "%s: paging %s from DirectoryTableBase 0x%llx", k->name, memintro_arch_name(t.paging.arch),
              (unsigned long long)t.paging.dtb);
        CHECK(t.cpu_count == 0 && !t.vmcoreinfo && !t.kdump, "%s: no CPU notes, no VMCOREINFO", k->name);
    } else {
        CHECK(t.cpu_count == 0 && !t.has_paging && one_line(t.cpu_note) && !t.windows && !t.kdump && !t.vmcoreinfo,
              "%s: no CPU state (\"%s\")", k->name, t.cpu_note);
        CHECK(memintro_target_load_cpus(&t) == MEMINTRO_E_NOTFOUND && one_line(memintro_target_error(&t)),
              "%s: load_cpus: not found (%s)", k->name, memintro_target_error(&t));
    }
    if (k->fmt == 'k')
        CHECK(t.kdump && t.kdump->flattened == ((k->flags & MKK_FLAT) != 0) && t.kdump->is64 == !(k->flags & MKK_32),
              "%s: kdump header (flattened %d)", k->name, t.kdump ? (int)t.kdump->flattened : -1);
    CHECK(memintro_target_pause(&t) == MEMINTRO_E_UNSUPPORTED && one_line(memintro_target_error(&t)),
          "%s: pause is for live VMs (%s)", k->name, memintro_target_error(&t));
    {
        int running = -1;
        CHECK(memintro_target_resume(&t) == MEMINTRO_E_UNSUPPORTED &&
                  memintro_target_running(&t, &running) == MEMINTRO_E_UNSUPPORTED && running == -1,
              "%s: resume and running are for live VMs", k->name);
    }
    memintro_target_close(&t);
    CHECK(t.phys == NULL && t.state == NULL && t.kind == MEMINTRO_TARGET_NONE, "%s: close clears the object", k->name);
    memintro_target_close(&t); /* twice is fine */
}

/* ---- raw images ---- */

static void test_raw(void)
{
    mk_src low = mkg_known_low();
    uint64_t end = 0x600000, a;
    uint8_t *img = (uint8_t *)calloc(1, (size_t)end), got[4096];
    char path[512], spec[600];
    memintro_target t;
    size_t i, bad = 0, n = 0;
    for (i = 0; i < low.n; i++)
        for (a = low.r[i].start; a < low.r[i].start + low.r[i].size; a += 4096) mkg_known_page(0, a, img + a);
    path_of(path, sizeof path, "image.raw");
    CHECK(write_file(path, img, (size_t)end), "raw: image written");
    snprintf(spec, sizeof spec, "raw:%s", path);
    CHECK(memintro_target_open(&t, spec, NULL) == MEMINTRO_OK, "raw: opens (%s)", memintro_target_error(&t));
    CHECK(t.kind == MEMINTRO_TARGET_RAW && !strcmp(t.connector, "raw") && t.layout == MEMINTRO_TARGET_LAYOUT_FILE &&
              t.dump && t.path && !strcmp(t.path, path),
          "raw: kind raw, layout file");
    CHECK(t.map->count == 1 && t.map->ranges[0].start == 0 && t.map->ranges[0].size == end && t.range_count == 1 &&
              t.ranges[0].start == 0 && t.ranges[0].end == end && t.ram_size == end,
          "raw: one range [0, 0x600000)");
    for (a = 0; a < end; a += 3 * 4096 + 64, n++)
        if (memintro_phys_read1(t.phys, a, got, 256) != MEMINTRO_OK || memcmp(got, img + a, 256)) bad++;
    CHECK(bad == 0, "raw: %zu reads equal the file's bytes", n);
    CHECK(memintro_phys_read1(t.phys, end - 16, got, 32) != MEMINTRO_OK, "raw: a read past the end fails");
    CHECK(t.cpu_count == 0 && !t.has_paging && one_line(t.cpu_note), "raw: no CPU state (\"%s\")", t.cpu_note);
    CHECK(memintro_target_fact_value(&t, "format") && !strcmp(memintro_target_fact_value(&t, "format"), "raw"),
          "raw: fact format = raw");
    memintro_target_close(&t);

    /* base=ADDR: file byte N is base+N */
    snprintf(spec, sizeof spec, "raw:%s,base=0x100000000", path);
    CHECK(memintro_target_open(&t, spec, NULL) == MEMINTRO_OK, "raw base=: opens (%s)", memintro_target_error(&t));
    if (t.phys) {
        CHECK(t.map->count == 1 && t.map->ranges[0].start == 0x100000000ull && t.map->ranges[0].size == end &&
                  t.ranges[0].start == 0x100000000ull,
              "raw base=: the map starts at 0x100000000");
        CHECK(memintro_phys_read1(t.phys, 0x100000000ull + 0x123400, got, 512) == MEMINTRO_OK &&
                  !memcmp(got, img + 0x123400, 512),
              "raw base=: 0x100123400 is file offset 0x123400");
        CHECK(memintro_phys_read1(t.phys, 0x1000, got, 16) == MEMINTRO_E_HOLE, "raw base=: 0x1000 is a hole");
        CHECK(strstr(t.layout_text, "0x100000000") != NULL, "raw base=: layout says \"%s\"", t.layout_text);
    }
    memintro_target_close(&t);

    /* a path with a comma, and dump: of the same file (detected as raw) */
    {
        char cpath[512];
        path_of(cpath, sizeof cpath, "a,b.raw");
        CHECK(rename(path, cpath) == 0, "raw: renamed to a path with a comma");
        snprintf(spec, sizeof spec, "raw:%s", cpath);
        CHECK(memintro_target_open(&t, spec, NULL) == MEMINTRO_OK && t.path && !strcmp(t.path, cpath),
              "raw: a path with a comma opens (%s)", memintro_target_error(&t));
        memintro_target_close(&t);
        snprintf(spec, sizeof spec, "dump:%s", cpath);
        CHECK(memintro_target_open(&t, spec, NULL) == MEMINTRO_OK && t.kind == MEMINTRO_TARGET_DUMP &&
                  t.map->count == 1 && memintro_phys_read1(t.phys, 0x200000, got, 64) == MEMINTRO_OK &&
                  !memcmp(got, img + 0x200000, 64),
              "dump: a file of no known format reads as a raw image");
        memintro_target_close(&t);
        CHECK(rename(cpath, path) == 0, "raw: renamed back");
    }
    free(img);
}

/* ---- malformed connector strings and bad files ---- */

static void expect_fail(const char *spec, const memintro_target_options *o, memintro_status want, int usage,
                        const char *needle)
{
    memintro_target t;
    memintro_status s = memintro_target_open(&t, spec, o);
    const char *e = memintro_target_error(&t);
    CHECK(s == want && t.bad_spec == usage && one_line(e) && strstr(e, needle) && t.state == NULL && t.phys == NULL,
          "\"%s\": %s, usage %d: %s", spec ? spec : "(null)", memintro_status_str(s), t.bad_spec, e);
    memintro_target_close(&t);
}

static void test_bad(void)
{
    char path[512], spec[600], dpath[512];
    memintro_target_options o;
    mkbuf b = {0, 0, 0, 0};
    /* usage errors */
    expect_fail(NULL, NULL, MEMINTRO_E_INVALID, 1, "no target");
    expect_fail("", NULL, MEMINTRO_E_INVALID, 1, "no target");
    expect_fail("foo:bar", NULL, MEMINTRO_E_INVALID, 1, "known: qemu, dump, raw");
    expect_fail("dumpx:/tmp/x", NULL, MEMINTRO_E_INVALID, 1, "unknown connector \"dumpx\"");
    expect_fail("/tmp/file.core", NULL, MEMINTRO_E_INVALID, 1, "unknown connector");
    expect_fail("dump", NULL, MEMINTRO_E_INVALID, 1, "no file given");
    expect_fail("dump:", NULL, MEMINTRO_E_INVALID, 1, "no file given");
    expect_fail("raw:", NULL, MEMINTRO_E_INVALID, 1, "no file given");
    expect_fail("raw:,base=0x1000", NULL, MEMINTRO_E_INVALID, 1, "no file given");
    expect_fail("raw:/tmp/x,base=zz", NULL, MEMINTRO_E_INVALID, 1, "base=zz is not an address");
    expect_fail("raw:/tmp/x,base=0x10q", NULL, MEMINTRO_E_INVALID, 1, "base=0x10q");
    expect_fail("raw:/tmp/x,base=0x1ffffffffffffffff", NULL, MEMINTRO_E_INVALID, 1, "is not an address");
    expect_fail("qemu:bogus=1", NULL, MEMINTRO_E_INVALID, 1, "unknown option \"bogus\"");
    expect_fail("qemu:pid=abc", NULL, MEMINTRO_E_INVALID, 1, "pid=abc is not a process id");
    expect_fail("qemu:map=xyz", NULL, MEMINTRO_E_INVALID, 1, "map=xyz");
    expect_fail("qemu:qmp=/tmp/sock", NULL, MEMINTRO_E_INVALID, 1, "expected unix:PATH or tcp:HOST:PORT");
    /* not usage errors */
    expect_fail("qemu:pid=2147483646", NULL, MEMINTRO_E_NOTFOUND, 0, "2147483646");
    memset(&o, 0, sizeof o);
    o.allocator.alloc = 0;
    o.allocator.free = 0;
    o.flags = MEMINTRO_TARGET_NO_MMAP;
    expect_fail("qemu:pid=2147483646", &o, MEMINTRO_E_INVALID, 1, "dump files only");

    path_of(path, sizeof path, "missing.core");
    snprintf(spec, sizeof spec, "dump:%s", path);
    expect_fail(spec, NULL, MEMINTRO_E_NOTFOUND, 0, path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    expect_fail(spec, NULL, MEMINTRO_E_NOTFOUND, 0, "No such file");
    snprintf(spec, sizeof spec, "dump:%s/sub/x", path);
    expect_fail(spec, NULL, MEMINTRO_E_NOTFOUND, 0, "cannot open");

    snprintf(spec, sizeof spec, "dump:%s", tmpdir);
    expect_fail(spec, NULL, MEMINTRO_E_UNSUPPORTED, 0, "is a directory");
    snprintf(spec, sizeof spec, "raw:%s", tmpdir);
    expect_fail(spec, NULL, MEMINTRO_E_UNSUPPORTED, 0, "is a directory");

    path_of(path, sizeof path, "fifo");
    CHECK(mkfifo(path, 0600) == 0, "a FIFO made");
    snprintf(spec, sizeof spec, "dump:%s", path);
    expect_fail(spec, NULL, MEMINTRO_E_UNSUPPORTED, 0, "is a FIFO"); /* returns: no writer needed */
    snprintf(spec, sizeof spec, "raw:%s", path);
    expect_fail(spec, NULL, MEMINTRO_E_UNSUPPORTED, 0, "is a FIFO");
    expect_fail("dump:/dev/null", NULL, MEMINTRO_E_UNSUPPORTED, 0, "character device");
    {
        struct sockaddr_un sa;
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        path_of(path, sizeof path, "sock");
        if (strlen(path) < sizeof sa.sun_path) memcpy(sa.sun_path, path, strlen(path) + 1);
        CHECK(fd >= 0 && sa.sun_path[0] && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "a unix socket made");
        snprintf(spec, sizeof spec, "dump:%s", sa.sun_path);
        expect_fail(spec, NULL, MEMINTRO_E_UNSUPPORTED, 0, "a socket");
        if (fd >= 0) close(fd);
    }

    path_of(path, sizeof path, "empty.core");
    CHECK(write_file(path, "", 0), "an empty file made");
    snprintf(spec, sizeof spec, "dump:%s", path);
    {
        memintro_target t;
        memintro_status s = memintro_target_open(&t, spec, NULL);
        CHECK(s != MEMINTRO_OK && !t.bad_spec && one_line(memintro_target_error(&t)) &&
                  strstr(memintro_target_error(&t), path),
              "an empty dump: %s: %s", memintro_status_str(s), memintro_target_error(&t));
        memintro_target_close(&t);
    }

    /* a damaged ELF core: the header promises program headers past the end */
    {
        mk_src s = mkg_known();
        memintro_target t;
        memintro_status st;
        mk_elf(&b, &s, 0, 2);
        path_of(dpath, sizeof dpath, "truncated.core");
        CHECK(write_file(dpath, b.p, 80), "a truncated ELF core made");
        mkb_free(&b);
        snprintf(spec, sizeof spec, "dump:%s", dpath);
        st = memintro_target_open(&t, spec, NULL);
        CHECK(st == MEMINTRO_E_FORMAT && !t.bad_spec && one_line(memintro_target_error(&t)) &&
                  strstr(memintro_target_error(&t), dpath),
              "a truncated ELF core: %s: %s", memintro_status_str(st), memintro_target_error(&t));
        memintro_target_close(&t);
    }

    /* write access to files */
    path_of(path, sizeof path, "elf64");
    snprintf(spec, sizeof spec, "dump:%s", path);
    memset(&o, 0, sizeof o);
    o.flags = MEMINTRO_TARGET_WRITE;
    expect_fail(spec, &o, MEMINTRO_E_UNSUPPORTED, 0, "read-only");
}

/* ---- allocator ---- */

typedef struct counter {
    size_t allocs, frees;
    long long bytes;
} counter;

typedef struct counted {
    size_t size;
    size_t pad;
} counted;

static void *count_alloc(void *user, size_t n)
{
    counter *c = (counter *)user;
    counted *p = (counted *)malloc(sizeof(counted) + n);
    if (!p) return 0;
    p->size = n;
    c->allocs++;
    c->bytes += (long long)n;
    return p + 1;
}

static void count_free(void *user, void *ptr)
{
    counter *c = (counter *)user;
    counted *p = (counted *)ptr - 1;
    c->frees++;
    c->bytes -= (long long)p->size;
    free(p);
}

static void *fail_alloc(void *user, size_t n)
{
    (void)user;
    (void)n;
    return 0;
}

static void test_allocator(void)
{
    char path[512], spec[600];
    memintro_target_options o;
    memintro_target t;
    counter c;
    memset(&c, 0, sizeof c);
    memset(&o, 0, sizeof o);
    o.allocator.alloc = count_alloc;
    o.allocator.free = count_free;
    o.allocator.user = &c;
    path_of(path, sizeof path, "kdump-zlib");
    snprintf(spec, sizeof spec, "dump:%s", path);
    CHECK(memintro_target_open(&t, spec, &o) == MEMINTRO_OK, "allocator: opens (%s)", memintro_target_error(&t));
    CHECK(c.allocs > 3, "allocator: the target and the dump reader use it (%zu allocations)", c.allocs);
    {
        uint8_t page[4096];
        CHECK(memintro_phys_read1(t.phys, 0x200000, page, sizeof page) == MEMINTRO_OK, "allocator: a read works");
    }
    memintro_target_close(&t);
    CHECK(c.allocs == c.frees && c.bytes == 0, "allocator: close frees all %zu allocations", c.allocs);

    /* open failures free what they took */
    memset(&c, 0, sizeof c);
    path_of(path, sizeof path, "truncated.core");
    snprintf(spec, sizeof spec, "dump:%s", path);
    CHECK(memintro_target_open(&t, spec, &o) != MEMINTRO_OK && c.allocs > 0 && c.allocs == c.frees && c.bytes == 0,
          "allocator: a failed open frees all %zu allocations", c.allocs);
    memintro_target_close(&t);

    memset(&o, 0, sizeof o);
    o.allocator.alloc = count_alloc;
    expect_fail(spec, &o, MEMINTRO_E_INVALID, 0, "both alloc and free");
    memset(&o, 0, sizeof o);
    o.allocator.alloc = fail_alloc;
    o.allocator.free = count_free;
    expect_fail(spec, &o, MEMINTRO_E_NOSPACE, 0, "out of memory");
}

/* ---- ELF cores written from a target ---- */

static void test_write_elf(void)
{
    char src[512], out[512], spec[600];
    memintro_target a, b;
    memintro_coredump_write_result r;
    size_t i, bad = 0, n = 0;
    path_of(src, sizeof src, "kdump-zlib");
    path_of(out, sizeof out, "written.core");
    snprintf(spec, sizeof spec, "dump:%s", src);
    if (memintro_target_open(&a, spec, NULL) != MEMINTRO_OK) {
        CHECK(0, "write_elf: source opens (%s)", memintro_target_error(&a));
        return;
    }
    CHECK(memintro_target_write_elf(&a, out, NULL, &r) == MEMINTRO_OK && r.unreadable == 0 &&
              r.memory_size == map_bytes(a.map),
          "write_elf: an ELF core of %llu memory bytes (%s)", (unsigned long long)r.memory_size, r.error);
    snprintf(spec, sizeof spec, "dump:%s", out);
    CHECK(memintro_target_open(&b, spec, NULL) == MEMINTRO_OK, "write_elf: the core opens (%s)",
          memintro_target_error(&b));
    if (b.phys) {
        CHECK(!strcmp(memintro_target_fact_value(&b, "format"), "elf") && map_bytes(b.map) == map_bytes(a.map) &&
                  b.map->count == a.map->count,
              "write_elf: same map (%zu ranges)", b.map->count);
        for (i = 0; i < a.map->count; i++) {
            uint64_t x, end = a.map->ranges[i].start + a.map->ranges[i].size;
            for (x = a.map->ranges[i].start; x < end; x += 7 * 4096, n++) {
                uint8_t p[4096], q[4096];
                if (memintro_phys_read1(a.phys, x, p, sizeof p) != MEMINTRO_OK ||
                    memintro_phys_read1(b.phys, x, q, sizeof q) != MEMINTRO_OK || memcmp(p, q, sizeof p))
                    bad++;
            }
        }
        CHECK(bad == 0 && n > 100, "write_elf: %zu sampled pages read the same", n);
        CHECK(b.cpu_count == 2 && b.cpus[0].cr[3] == mkg_known_cpu(0).cr3 && b.cpus[1].rip == mkg_known_cpu(1).rip &&
                  b.has_paging && memintro_mmu_root(&b.paging, 0) == mkg_known_cpu(0).cr3,
              "write_elf: the CPU notes carry over");
        CHECK(b.vmcoreinfo && !strcmp(b.vmcoreinfo, mkg_vmcoreinfo), "write_elf: VMCOREINFO carries over");
    }
    memintro_target_close(&b);
    /* a path that cannot be written */
    path_of(out, sizeof out, "no-such-dir/x.core");
    CHECK(memintro_target_write_elf(&a, out, NULL, NULL) == MEMINTRO_E_NOTFOUND && one_line(memintro_target_error(&a)) &&
              strstr(memintro_target_error(&a), out),
          "write_elf: an unwritable path: %s", memintro_target_error(&a));
    /* through a file descriptor: a pipe, read on the other side, gets the same core as the
       file written by path (the writer never seeks) */
    {
        int pfd[2];
        char fdpath[512];
        FILE *f;
        long size_path = -1, size_pipe = 0;
        path_of(fdpath, sizeof fdpath, "written.core");
        f = fopen(fdpath, "rb");
        if (f && !fseek(f, 0, SEEK_END)) size_path = ftell(f);
        if (f) fclose(f);
        if (pipe(pfd) == 0) {
            pid_t kid = fork();
            if (kid == 0) {
                char chunk[65536];
                long got = 0;
                ssize_t k;
                close(pfd[1]);
                while ((k = read(pfd[0], chunk, sizeof chunk)) > 0) got += (long)k;
                _exit(got == size_path ? 0 : 1);
            }
            close(pfd[0]);
            memset(&r, 0, sizeof r);
            CHECK(memintro_target_write_elf_fd(&a, pfd[1], NULL, &r) == MEMINTRO_OK && (long)r.file_size == size_path,
                  "write_elf_fd: %llu bytes into a pipe, as many as by path (%ld)", (unsigned long long)r.file_size,
                  size_path);
            close(pfd[1]);
            size_pipe = 0;
            if (kid > 0) {
                int st = 1;
                waitpid(kid, &st, 0);
                size_pipe = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            }
            CHECK(size_pipe == 1, "write_elf_fd: the reader of the pipe got every byte");
        }
        CHECK(memintro_target_write_elf_fd(&a, -1, NULL, NULL) == MEMINTRO_E_INVALID && one_line(memintro_target_error(&a)),
              "write_elf_fd: a bad descriptor: %s", memintro_target_error(&a));
    }
    memintro_target_close(&a);
}

/* MEMINTRO_TARGET_ZERO_EXCLUDED: an ELF segment's p_memsz tail (64 KiB after the last
   range, [0x100100000, 0x100110000)) and a PT_LOAD with no file data (0xfe000000, 4 KiB)
   read as zeros and are ranges marked ZEROS; without the flag they are holes. */
static void test_zero_excluded(void)
{
    mk_src s = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    char path[512], spec[600];
    memintro_target_options o;
    memintro_target t;
    uint8_t buf[64], zero[64];
    size_t i, zr = 0;
    memset(zero, 0, sizeof zero);
    mk_elf(&b, &s, MKE_TAIL | MKE_UNSAVED, 2);
    path_of(path, sizeof path, "elf64-tail");
    CHECK(write_file(path, b.p, b.n), "elf64-tail written");
    mkb_free(&b);
    snprintf(spec, sizeof spec, "dump:%s", path);
    if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
        CHECK(0, "elf64-tail opens (%s)", memintro_target_error(&t));
        return;
    }
    for (i = 0; i < t.range_count; i++) zr += (t.ranges[i].flags & MEMINTRO_TARGET_RANGE_ZEROS) != 0;
    CHECK(zr == 0 && memintro_phys_read1(t.phys, 0x100100000ull, buf, 64) == MEMINTRO_E_HOLE &&
              memintro_phys_read1(t.phys, 0xfe000000ull, buf, 64) == MEMINTRO_E_HOLE,
          "without ZERO_EXCLUDED the tail and the unsaved segment are holes");
    memintro_target_close(&t);
    memset(&o, 0, sizeof o);
    o.flags = MEMINTRO_TARGET_ZERO_EXCLUDED;
    if (memintro_target_open(&t, spec, &o) != MEMINTRO_OK) {
        CHECK(0, "elf64-tail opens with ZERO_EXCLUDED (%s)", memintro_target_error(&t));
        return;
    }
    zr = 0;
    for (i = 0; i < t.range_count; i++) {
        const memintro_target_range *r = &t.ranges[i];
        if (!(r->flags & MEMINTRO_TARGET_RANGE_ZEROS)) continue;
        if ((r->start == 0x100100000ull && r->end == 0x100110000ull) || (r->start == 0xfe000000ull && r->end == 0xfe001000ull))
            zr++;
        else
            zr += 100; /* a range marked that should not be */
    }
    CHECK(zr == 2, "ZERO_EXCLUDED: the tail and the unsaved segment are the ranges marked ZEROS");
    memset(buf, 0xaa, sizeof buf);
    CHECK(memintro_phys_read1(t.phys, 0x100100000ull + 0x8000, buf, 64) == MEMINTRO_OK && !memcmp(buf, zero, 64),
          "ZERO_EXCLUDED: the tail reads as zeros");
    memset(buf, 0xaa, sizeof buf);
    CHECK(memintro_phys_read1(t.phys, 0xfe000000ull, buf, 64) == MEMINTRO_OK && !memcmp(buf, zero, 64),
          "ZERO_EXCLUDED: the unsaved segment reads as zeros");
    memintro_target_close(&t);
}

/* MEMINTRO_TARGET_NO_MMAP: the same bytes, read with read(2) */
static void test_no_mmap(void)
{
    static const char *const names[] = {"elf64", "kdump-zlib-flat", "win64-sdmp", "lime"};
    char path[512], spec[600];
    memintro_target_options o;
    memintro_target t;
    size_t i;
    memset(&o, 0, sizeof o);
    o.flags = MEMINTRO_TARGET_NO_MMAP;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        mk_src s = mkg_known();
        char what[64];
        path_of(path, sizeof path, names[i]);
        snprintf(spec, sizeof spec, "dump:%s", path);
        snprintf(what, sizeof what, "NO_MMAP %s", names[i]);
        if (memintro_target_open(&t, spec, &o) != MEMINTRO_OK) {
            CHECK(0, "%s: opens (%s)", what, memintro_target_error(&t));
            continue;
        }
        {
            uint64_t avail = 0;
            CHECK((t.dump->flags & MEMINTRO_COREDUMP_NO_MMAP) && memintro_coredump_ptr(t.dump, 0x100000, &avail) == NULL,
                  "%s: the dump is read without a mapping", what);
        }
        check_pages(&t, &s, names[i][0] == 'w', what);
        memintro_target_close(&t);
    }
}

static void test_names(void)
{
    size_t n = 0, i;
    const memintro_target_connector *c = memintro_target_connectors(&n);
    int ok = n == 3;
    for (i = 0; ok && i < n; i++)
        ok = c[i].name && c[i].syntax && c[i].help && !strncmp(c[i].syntax, c[i].name, strlen(c[i].name)) &&
             one_line(c[i].help);
    CHECK(ok && !strcmp(c[0].name, "qemu") && !strcmp(c[1].name, "dump") && !strcmp(c[2].name, "raw"),
          "connectors: qemu, dump, raw with syntax and one-line help");
    CHECK(!strcmp(memintro_target_kind_name(MEMINTRO_TARGET_QEMU), "qemu") &&
              !strcmp(memintro_target_kind_name(MEMINTRO_TARGET_RAW), "raw") &&
              !strcmp(memintro_target_kind_name(MEMINTRO_TARGET_NONE), "none"),
          "kind names");
    CHECK(!strcmp(memintro_target_layout_name(MEMINTRO_TARGET_LAYOUT_QMP), "qmp") &&
              !strcmp(memintro_target_layout_name(MEMINTRO_TARGET_LAYOUT_INFERRED), "inferred") &&
              !strcmp(memintro_target_layout_name(MEMINTRO_TARGET_LAYOUT_DUMP), "dump") &&
              !strcmp(memintro_target_layout_name(MEMINTRO_TARGET_LAYOUT_FILE), "file"),
          "layout names");
}

static void test_example(void)
{
    char path[512], spec[600];
    int rc;
    path_of(path, sizeof path, "elf64");
    snprintf(spec, sizeof spec, "dump:%s", path);
    printf("# the manual's EXAMPLE on %s:\n", spec);
    rc = example(spec);
    CHECK(rc == 0, "EXAMPLE: runs on an ELF core");
    CHECK(example("nope:x") == 2, "EXAMPLE: a bad connector string is a usage error (2)");
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "not ok - test_target: still running after 120 s (a hang)\n";
    if (write(1, msg, sizeof msg - 1) < 0) _exit(1);
    _exit(1);
}

int main(void)
{
    size_t i;
    char cmd[600];
    signal(SIGALRM, on_alarm);
    alarm(120);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mi-target.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("not ok - cannot make a temporary directory\n");
        return 1;
    }
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) test_dump_kind(&kinds[i]);
    test_raw();
    test_bad();
    test_allocator();
    test_write_elf();
    test_no_mmap();
    test_zero_excluded();
    test_names();
    test_example();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) printf("# could not remove %s\n", tmpdir);
    return check_done();
}
