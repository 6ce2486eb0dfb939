/* memintro CLI: opening the target (-c CONNECTOR) and its guest-virtual address space.

   A connector is one entry of cli_connectors[]: a name (the text before the first ':' of
   -c) and an open function that fills a cli_target: the backend, its memory map, a
   one-line description, the layout, facts and ranges for `info`, paging facts it knows
   (arch, DTB; or a function that learns them on first use) and a close function. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void cli_target_fact(cli_target *t, const char *key, const char *fmt, ...) CLI_PRINTF(3, 4);
static void cli_target_fact(cli_target *t, const char *key, const char *fmt, ...)
{
    va_list ap;
    cli_fact *f;
    if (t->nfacts == t->capfacts) t->fact = (cli_fact *)cli_grow(t->fact, &t->capfacts, sizeof *t->fact);
    f = &t->fact[t->nfacts++];
    snprintf(f->key, sizeof f->key, "%s", key);
    va_start(ap, fmt);
    vsnprintf(f->value, sizeof f->value, fmt, ap);
    va_end(ap);
}

static void cli_target_range(cli_target *t, uint64_t start, uint64_t end, const char *fmt, ...) CLI_PRINTF(4, 5);
static void cli_target_range(cli_target *t, uint64_t start, uint64_t end, const char *fmt, ...)
{
    va_list ap;
    cli_range *r;
    if (t->nranges == t->capranges) t->range = (cli_range *)cli_grow(t->range, &t->capranges, sizeof *t->range);
    r = &t->range[t->nranges++];
    r->start = start;
    r->end = end;
    va_start(ap, fmt);
    vsnprintf(r->backing, sizeof r->backing, fmt, ap);
    va_end(ap);
}

/* The CPU facts of `f` (from a dump's notes or a VM's registers) as info facts. */
static void cli_cpu_facts(cli_target *t, const memintro_coredump_facts *f)
{
    uint32_t i;
    for (i = 0; i < f->cpu_state_count && i < 64; i++) {
        const memintro_coredump_cpu *cpu = &f->cpus[i];
        char k[48];
        if (!(cpu->flags & MEMINTRO_COREDUMP_CPU_SYSTEM)) continue;
        snprintf(k, sizeof k, "cpu%u.cr3", (unsigned)cpu->index);
        cli_target_fact(t, k, "0x%llx", (cli_ull)cpu->cr[3]);
        snprintf(k, sizeof k, "cpu%u.mode", (unsigned)cpu->index);
        cli_target_fact(t, k, "%s", memintro_coredump_mode_name(cpu->mode));
        if (cpu->flags & MEMINTRO_COREDUMP_CPU_GPRS) {
            snprintf(k, sizeof k, "cpu%u.rip", (unsigned)cpu->index);
            cli_target_fact(t, k, "0x%llx", (cli_ull)cpu->rip);
        }
    }
}

/* Sets the target's default address space from CPU 0 of f (its CR3 and paging mode).
   Returns 1 when CPU 0's paging is known. */
static int cli_paging_from_cpu0(cli_target *t, const memintro_coredump_facts *f, const char *where)
{
    uint32_t i;
    memintro_mmu_desc d;
    for (i = 0; i < f->cpu_state_count; i++) {
        if (f->cpus[i].index != 0) continue;
        if (memintro_coredump_cpu_mmu(&f->cpus[i], &d) != MEMINTRO_OK) return 0;
        /* CR3's low bits are PCID/flags, not part of the table address */
        d.dtb = memintro_mmu_root(&d, 0);
        t->paging = d;
        t->has_dtb = 1;
        snprintf(t->paging_src, sizeof t->paging_src, "CPU 0's CR3 (%s)", where);
        return 1;
    }
    return 0;
}

/* Learns the target's CPU state once (a live VM asks QEMU). */
void cli_target_cpus(cli_target *t)
{
    void (*fn)(cli_target *) = t->load_cpus;
    t->load_cpus = 0;
    if (fn) fn(t);
}

/* A connector: opens `arg` (the text after "NAME:", "" when there is none) into t.
   Returns CLI_OK, or prints one error line and returns CLI_FAIL / CLI_USAGE. */
typedef struct cli_connector {
    const char *name;
    const char *syntax; /* for the usage text */
    const char *help;   /* one line */
    int (*open)(cli_target *t, const char *arg);
} cli_connector;

/* raw:PATH - a raw guest-physical image, memory-mapped read-only; byte N of the file is
   guest-physical address N. */
typedef struct cli_raw {
    memintro_buffer buf;
    void *base;
    size_t size;
} cli_raw;

static void cli_raw_close(cli_target *t)
{
    cli_raw *r = (cli_raw *)t->state;
    if (!r) return;
    munmap(r->base, r->size);
    free(r);
    t->state = 0;
}

static int cli_raw_open(cli_target *t, const char *path)
{
    struct stat st;
    uint64_t size;
    void *base;
    cli_raw *r;
    char h[32];
    int fd;
    if (!*path) return cli_error(CLI_USAGE, "connector raw: no file given (use -c raw:PATH)");
    fd = open(path, O_RDONLY);
    if (fd < 0) return cli_error(CLI_FAIL, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return cli_error(CLI_FAIL, "cannot stat %s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return cli_error(CLI_FAIL, "%s is a directory, not a memory image", path);
    }
    if (S_ISREG(st.st_mode)) {
        size = (uint64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end < 0 ? 0 : (uint64_t)end;
    } else {
        close(fd);
        return cli_error(CLI_FAIL, "%s is not a regular file or block device", path);
    }
    if (size == 0) {
        close(fd);
        return cli_error(CLI_FAIL, "%s is empty", path);
    }
    if (size > (uint64_t)SIZE_MAX) {
        close(fd);
        return cli_error(CLI_FAIL, "%s is too large to map on this host", path);
    }
    base = mmap(0, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) return cli_error(CLI_FAIL, "cannot map %s: %s", path, strerror(errno));
    r = (cli_raw *)cli_alloc(sizeof *r);
    r->base = base;
    r->size = (size_t)size;
    memintro_buffer_init(&r->buf, base, size, 0, 0);
    cli_guard_name(path);
    t->state = r;
    t->phys = &r->buf.phys;
    t->map = r->buf.map;
    t->close = cli_raw_close;
    snprintf(t->what, sizeof t->what, "raw image %s (%s), memory-mapped read-only", path, cli_human(size, h, sizeof h));
    t->layout_kind = "file";
    snprintf(t->layout, sizeof t->layout, "byte N of the file is guest-physical address N");
    cli_target_fact(t, "format", "raw");
    cli_target_range(t, 0, size, "file offset 0x0");
    return CLI_OK;
}

/* dump:PATH - a memory dump, format detected from its contents (ELF core, kdump-compressed,
   Windows crash dump, LiME; anything else is read as a raw image). */
static void cli_dump_close(cli_target *t)
{
    memintro_coredump *d = (memintro_coredump *)t->state;
    if (!d) return;
    memintro_coredump_close(d);
    free(d);
    t->state = 0;
}

static int cli_dump_open(cli_target *t, const char *path)
{
    memintro_coredump *d;
    const memintro_coredump_facts *f;
    memintro_status s;
    char h[32], msg[512];
    size_t i;
    if (!*path) return cli_error(CLI_USAGE, "connector dump: no file given (use -c dump:PATH)");
    d = (memintro_coredump *)cli_alloc(sizeof *d);
    memset(d, 0, sizeof *d);
    s = memintro_coredump_open(d, path, NULL);
    if (s != MEMINTRO_OK) {
        cli_oneline(memintro_coredump_error(d), msg, sizeof msg);
        memintro_coredump_close(d);
        free(d);
        if (strstr(msg, path)) return cli_error(CLI_FAIL, "%s", msg);
        return cli_error(CLI_FAIL, "%s: %s", path, msg);
    }
    f = &d->facts;
    cli_guard_name(path);
    t->state = d;
    t->close = cli_dump_close;
    t->phys = &d->phys;
    t->map = &d->map;
    t->facts = f;
    snprintf(t->what, sizeof t->what, "%s: %s, %s", path, d->description, cli_human(f->file_size, h, sizeof h));
    t->layout_kind = "dump";
    snprintf(t->layout, sizeof t->layout,
             "the dump's own memory map (%llu range%s); addresses it does not hold are holes",
             (cli_ull)d->map.count, d->map.count == 1 ? "" : "s");
    for (i = 0; i < d->fact_count; i++) cli_target_fact(t, d->fact_list[i].name, "%s", d->fact_list[i].value);
    if (f->vmcoreinfo && f->vmcoreinfo_size) {
        /* the first lines of the VMCOREINFO text, as the guest wrote them */
        char first[300];
        size_t n = 0, k, lines = 0;
        for (k = 0; k < f->vmcoreinfo_size && lines < 3 && n + 3 < sizeof first; k++) {
            char ch = f->vmcoreinfo[k];
            if (ch == '\n') {
                lines++;
                if (lines < 3 && k + 1 < f->vmcoreinfo_size) {
                    first[n++] = ';';
                    first[n++] = ' ';
                }
                continue;
            }
            first[n++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
        }
        first[n] = 0;
        cli_target_fact(t, "vmcoreinfo.head", "%s", first);
    }
    for (i = 0; i < d->map.count; i++) {
        const memintro_range *r = &d->map.ranges[i];
        if (d->format == MEMINTRO_COREDUMP_KDUMP)
            cli_target_range(t, r->start, r->start + r->size, "kdump pages");
        else if (r->offset >= (1ull << 63))
            cli_target_range(t, r->start, r->start + r->size, "zeros (memory the dump did not save)");
        else
            cli_target_range(t, r->start, r->start + r->size, "%s 0x%llx",
                             strstr(d->description, "flattened") ? "stream offset" : "file offset",
                             (cli_ull)r->offset);
    }
    if (f->cpu_state_count && cli_paging_from_cpu0(t, f, "QEMU CPU-state note in the dump")) {
        /* done */
    } else if (f->mode != MEMINTRO_ARCH_NONE && f->has_windows) {
        t->paging.arch = f->mode;
        t->paging.flags = f->mmu_flags;
        t->paging.dtb = f->dtb;
        t->paging.dtb = memintro_mmu_root(&t->paging, 0);
        t->has_dtb = 1;
        snprintf(t->paging_src, sizeof t->paging_src, "the crash dump header's DirectoryTableBase");
    } else {
        snprintf(t->cpu_note, sizeof t->cpu_note, "the dump holds no CPU state with paging on");
    }
    return CLI_OK;
}

/* qemu[:name=NAME|pid=PID][,qmp=unix:PATH|tcp:HOST:PORT][,map=qmp|table][,write] - a
   running QEMU VM on this host (memintro_qemu.h). */
#define CLI_QEMU_MAX_CPUS 256
typedef struct cli_qemu {
    memintro_qemu q;
    memintro_qemu_options o;
    char *spec; /* o's strings point into it */
    memintro_coredump_cpu cpus[CLI_QEMU_MAX_CPUS];
    memintro_coredump_facts facts; /* for dump's ELF notes */
} cli_qemu;

static void cli_qemu_close(cli_target *t)
{
    cli_qemu *v = (cli_qemu *)t->state;
    if (!v) return;
    memintro_qemu_close(&v->q);
    free(v->spec);
    free(v);
    t->state = 0;
}

/* The VM's CPU state from QEMU's `info registers -a` (HMP over QMP): every CPU's registers,
   CPU 0's CR3 and paging mode as the default address space. */
static void cli_qemu_cpus(cli_target *t)
{
    cli_qemu *v = (cli_qemu *)t->state;
    const size_t cap = 1u << 20;
    char *text, msg[512];
    size_t len = 0, n = 0;
    const char *p, *end;
    memintro_status s;
    if (v->q.layout != MEMINTRO_QEMU_LAYOUT_QMP && !(v->o.qmp && v->o.qmp[0])) {
        snprintf(t->cpu_note, sizeof t->cpu_note,
                 "the VM's registers need QMP, and the layout was inferred without it; give qmp=ADDR");
        return;
    }
    text = (char *)cli_alloc(cap);
    s = memintro_qemu_hmp(&v->q, v->o.qmp, "info registers -a", text, cap, &len);
    if (s != MEMINTRO_OK) {
        snprintf(t->cpu_note, sizeof t->cpu_note, "cannot read the VM's registers: %s",
                 cli_oneline(memintro_qemu_error(&v->q), msg, sizeof msg));
        free(text);
        return;
    }
    if (len >= cap) len = cap - 1;
    /* "CPU#0\nRAX=...\n...\nCPU#1\n...": one block per CPU (no header with a single CPU
       on older QEMU) */
    end = text + len;
    p = text;
    while (p < end && n < CLI_QEMU_MAX_CPUS) {
        const char *hdr = strstr(p, "CPU#"), *next;
        unsigned long idx = n;
        if (hdr && (hdr == text || hdr[-1] == '\n')) {
            idx = strtoul(hdr + 4, 0, 10);
            p = hdr + 4;
        } else if (n) {
            break;
        }
        next = strstr(p, "\nCPU#");
        if (!next) next = end;
        if (memintro_coredump_cpu_from_qemu(p, (size_t)(next - p), (uint32_t)idx, &v->cpus[n]) == MEMINTRO_OK) n++;
        p = next + (next < end);
    }
    free(text);
    if (!n) {
        snprintf(t->cpu_note, sizeof t->cpu_note, "QEMU's info registers had no CPU with RIP and CR3");
        return;
    }
    memset(&v->facts, 0, sizeof v->facts);
    v->facts.cpu_count = (uint32_t)n;
    v->facts.cpu_state_count = (uint32_t)n;
    v->facts.cpus = v->cpus;
    v->facts.elf_machine = 62; /* x86-64 register notes */
    v->facts.mode = v->cpus[0].mode;
    v->facts.mmu_flags = v->cpus[0].mmu_flags;
    v->facts.dtb = v->cpus[0].cr[3];
    t->facts = &v->facts;
    cli_target_fact(t, "cpus", "%llu (registers from QMP \"info registers -a\")", (cli_ull)n);
    cli_cpu_facts(t, &v->facts);
    if (!cli_paging_from_cpu0(t, &v->facts, "QMP info registers"))
        snprintf(t->cpu_note, sizeof t->cpu_note, "CPU 0 runs with paging off");
}

static int cli_qemu_open(cli_target *t, const char *arg)
{
    cli_qemu *v;
    memintro_qemu_info in;
    const char *why, *src;
    char msg[1024], h[32];
    size_t i, n = strlen(arg) + 1;
    v = (cli_qemu *)cli_alloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->spec = (char *)cli_alloc(n < 128 ? 128 : n);
    why = memintro_qemu_options_parse(&v->o, arg, v->spec, n < 128 ? 128 : n);
    if (why) {
        cli_oneline(!strncmp(why, "qemu: ", 6) ? why + 6 : why, msg, sizeof msg);
        free(v->spec);
        free(v);
        return cli_error(CLI_USAGE, "-c qemu:%s: %s", arg, msg);
    }
    if (memintro_qemu_open(&v->q, &v->o) != MEMINTRO_OK) {
        cli_oneline(memintro_qemu_error(&v->q), msg, sizeof msg);
        free(v->spec);
        free(v);
        return cli_error(CLI_FAIL, "%s", msg);
    }
    cli_guard_name("the VM's memory");
    t->state = v;
    t->close = cli_qemu_close;
    t->write_hint = " (open it for writing: -c qemu:...,write)";
    t->phys = &v->q.phys;
    t->map = &v->q.map;
    t->load_cpus = cli_qemu_cpus;
    memintro_qemu_get_info(&v->q, &in);
    t->ram = in.ram_size;
    snprintf(t->what, sizeof t->what, "QEMU process %d \"%s\": machine %s, guest RAM %s, %s", in.pid, in.name,
             in.machine, cli_human(in.ram_size, h, sizeof h), in.writable ? "read-write" : "read-only");
    src = in.source;
    if (in.layout == MEMINTRO_QEMU_LAYOUT_QMP) {
        t->layout_kind = "qmp";
        snprintf(t->layout, sizeof t->layout, "from QEMU itself over %s", src);
    } else {
        t->layout_kind = "inferred";
        if (!strncmp(src, "inferred (no QMP): ", 19)) src += 19;
        snprintf(t->layout, sizeof t->layout, "INFERRED from the machine-type table, not asked from QEMU: %s", src);
    }
    cli_target_fact(t, "pid", "%d", in.pid);
    cli_target_fact(t, "name", "%s", in.name[0] ? in.name : "(none)");
    cli_target_fact(t, "machine", "%s", in.machine);
    cli_target_fact(t, "qmp", "%s", in.qmp[0] ? in.qmp : "(none)");
    if (in.warning[0]) {
        cli_target_fact(t, "warning", "%s", cli_oneline(in.warning, msg, sizeof msg));
        cli_warn("%s", msg);
    }
    cli_target_fact(t, "access", "%s", in.writable ? "read-write (write)" : "read-only");
    cli_target_fact(t, "reads", "%s",
                    in.zero_copy_regions == in.count ? "zero-copy from a shared mapping of guest RAM"
                    : in.zero_copy_regions           ? "zero-copy where RAM is shared, process_vm_readv elsewhere"
                                                     : "process_vm_readv, batched");
    for (i = 0; i < in.count; i++) {
        const memintro_qemu_region *r = &in.regions[i];
        cli_target_range(t, r->start, r->start + r->size, "%s+0x%llx %s, %s%s%s, host 0x%llx%s%s", r->block,
                         (cli_ull)r->block_offset, r->type, memintro_qemu_backing_str(r->backing),
                         r->path[0] ? " " : "", r->path, (cli_ull)r->hva, r->zero_copy ? ", zero-copy" : "",
                         r->guest_ram ? "" : " [device/firmware]");
    }
    return CLI_OK;
}

/* Every connector -c accepts. Adding one = one entry here (and its open function). */
static const cli_connector cli_connectors[] = {
    {"qemu", "qemu[:OPTS]", "a running QEMU VM on this host (OPTS below)", cli_qemu_open},
    {"dump", "dump:PATH", "memory dump: ELF core, kdump-compressed, Windows\n"
                          "crash dump or LiME, detected (else raw)",
     cli_dump_open},
    {"raw", "raw:PATH", "raw guest-physical image (file byte N = address N)", cli_raw_open},
};
#define CLI_NCONNECTORS (sizeof cli_connectors / sizeof cli_connectors[0])

void cli_connectors_each(void (*fn)(void *user, const char *syntax, const char *help), void *user)
{
    size_t i;
    for (i = 0; i < CLI_NCONNECTORS; i++) fn(user, cli_connectors[i].syntax, cli_connectors[i].help);
}

int cli_target_get(cli_ctx *c, cli_target **out)
{
    const char *spec = c->o.connect, *colon, *arg;
    size_t nlen, i;
    int rc;
    if (c->target_open) {
        *out = &c->t;
        return CLI_OK;
    }
    if (!spec)
        return cli_error(CLI_USAGE, "no target: choose one with -c (e.g. -c qemu:name=VM, -c dump:PATH, -c raw:PATH)");
    colon = strchr(spec, ':');
    nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    arg = colon ? colon + 1 : "";
    for (i = 0; i < CLI_NCONNECTORS; i++) {
        if (strlen(cli_connectors[i].name) != nlen || strncmp(cli_connectors[i].name, spec, nlen)) continue;
        memset(&c->t, 0, sizeof c->t);
        c->t.connector = cli_connectors[i].name;
        c->t.write_hint = " (dumps and images are never written)";
        rc = cli_connectors[i].open(&c->t, arg);
        if (rc != CLI_OK) {
            free(c->t.fact);
            free(c->t.range);
            memset(&c->t, 0, sizeof c->t);
            return rc;
        }
        c->target_open = 1;
        *out = &c->t;
        return CLI_OK;
    }
    {
        char known[256] = "";
        for (i = 0; i < CLI_NCONNECTORS; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, cli_connectors[i].syntax, sizeof known - strlen(known) - 1);
        }
        return cli_error(CLI_USAGE, "unknown connector '%.*s' in -c %s (known: %s)", (int)nlen, spec, spec, known);
    }
}

/* Checks that the root table at `root` (from `what` = dtb) is inside the target's memory. */
static int cli_check_root(cli_ctx *c, const char *what, uint64_t dtb, uint64_t root, uint64_t bytes)
{
    uint8_t *buf = (uint8_t *)cli_alloc((size_t)bytes);
    memintro_status s = memintro_phys_read1(c->t.phys, root, buf, (size_t)bytes);
    free(buf);
    if (s == MEMINTRO_OK) return CLI_OK;
    if (s == MEMINTRO_E_HOLE)
        return cli_error(CLI_FAIL, "%s 0x%llx is outside the target's memory: the root page table at guest-physical "
                                   "0x%llx-0x%llx is not backed",
                         what, (cli_ull)dtb, (cli_ull)root, (cli_ull)(root + bytes));
    return cli_error(CLI_FAIL, "%s 0x%llx: cannot read the root page table at guest-physical 0x%llx: %s", what,
                     (cli_ull)dtb, (cli_ull)root, memintro_status_str(s));
}

/* A paging description from --arch/--dtb/... (or the target's own facts), checked: a
   usable description and root tables inside the target's memory. The DTB's low bits
   (PCID, flags, ASID, CnP) are the core's to mask. */
int cli_virt_get(cli_ctx *c, memintro_virt **out)
{
    memintro_mmu_desc d;
    memintro_mmu_geom g;
    cli_target *t;
    const char *why, *name;
    int rc;
    if (c->virt_ready) {
        *out = &c->v;
        return CLI_OK;
    }
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (!c->o.arch_name || !c->o.have_dtb) cli_target_cpus(t); /* the target's own CR3, if it has one */
    memset(&d, 0, sizeof d);
    d.arch = c->o.arch_name ? c->o.arch : t->paging.arch;
    if (d.arch == MEMINTRO_ARCH_NONE)
        return cli_error(CLI_USAGE, "guest-virtual addresses need a paging mode: give --arch "
                                    "x86|pae|x86_64|la57|aarch64%s%s%s",
                         t->cpu_note[0] ? " (" : "", t->cpu_note, t->cpu_note[0] ? ")" : "");
    if (!c->o.have_dtb && !(t->has_dtb && t->paging.arch == d.arch))
        return cli_error(CLI_USAGE, "guest-virtual addresses need a page-table root: give --dtb ADDR (CR3, or "
                                    "TTBR0_EL1 for aarch64)%s%s%s",
                         t->cpu_note[0] ? " (" : "", t->cpu_note, t->cpu_note[0] ? ")" : "");
    name = memintro_arch_name(d.arch);
    if (d.arch != MEMINTRO_ARCH_AARCH64 && (c->o.have_ttbr1 || c->o.have_granule || c->o.have_va_bits))
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s", name);
    if (!c->o.have_dtb) d = t->paging; /* the target's own root (and AArch64 details), options override */
    d.arch = c->o.arch_name ? c->o.arch : d.arch;
    if (c->o.have_dtb) d.dtb = c->o.dtb;
    if (c->o.have_ttbr1) d.dtb_upper = c->o.ttbr1;
    if (c->o.have_granule) d.granule = c->o.granule;
    if (c->o.have_va_bits) d.va_bits = c->o.va_bits;
    why = memintro_mmu_check(&d);
    if (why || memintro_mmu_geometry(&d, &g) != MEMINTRO_OK)
        return cli_error(CLI_USAGE, "bad paging description (%s, DTB 0x%llx): %s", name, (cli_ull)d.dtb,
                         why ? why : "unusable");
    rc = cli_check_root(c, d.arch == MEMINTRO_ARCH_AARCH64 ? "TTBR0" : "DTB", d.dtb, memintro_mmu_root(&d, 0),
                        g.root_size);
    if (rc == CLI_OK && d.arch == MEMINTRO_ARCH_AARCH64 && d.dtb_upper)
        rc = cli_check_root(c, "TTBR1", d.dtb_upper, memintro_mmu_root(&d, 1), g.root_size);
    if (rc != CLI_OK) return rc;
    if (!c->scratch) c->scratch = cli_alloc(memintro_virt_scratch_size(1024));
    if (memintro_virt_init(&c->v, t->phys, &d, c->scratch, memintro_virt_scratch_size(1024)) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "cannot set up the %s address space", name);
    if (!c->tlb_entries) c->tlb_entries = (memintro_tlb_entry *)cli_alloc(4096 * sizeof(memintro_tlb_entry));
    memintro_tlb_init(&c->tlb, c->tlb_entries, 4096);
    memintro_virt_set_tlb(&c->v, &c->tlb);
    c->virt_ready = 1;
    *out = &c->v;
    return CLI_OK;
}

void cli_target_release(cli_ctx *c)
{
    if (c->target_open && c->t.close) c->t.close(&c->t);
    free(c->t.fact);
    free(c->t.range);
    free(c->scratch);
    free(c->tlb_entries);
    c->target_open = 0;
}
