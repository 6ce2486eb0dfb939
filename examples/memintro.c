/* memintro - the command-line tool: read guest memory through a connector.

   Shows the headers at work together: a connector opens a target (a running QEMU VM with
   memintro_qemu.h, a memory dump with memintro_coredump.h, a raw image) and yields a
   physical-memory backend (memintro_phys); commands translate guest-virtual addresses,
   read and search guest memory through it (memintro.h), and write ELF cores of it.

       build/memintro targets
       build/memintro -c qemu:name=vm1 info
       build/memintro -c qemu:name=vm1 search "Linux version" 0x1000000 64M
       build/memintro -c qemu:name=vm1 dump -o vm1.elf
       build/memintro -c dump:vm1.elf translate 0xffffffff81000000
       build/memintro -c raw:IMAGE --arch x86_64 --dtb 0x1000 read --virt 0xffffffff81000100 64
       build/memintro --help

   Extending it:
     - a connector is one entry of cli_connectors[]: a name (the text before the first ':'
       of -c) and an open function that fills a cli_target: the backend, its memory map,
       a one-line description, the layout, facts and ranges for `info`, paging facts it
       knows (arch, DTB; or a function that learns them on first use) and a close function;
     - a command is one entry of cli_commands[]: a name, its argument syntax, one line of
       help and a run function that parses its arguments FIRST (usage errors before the
       target is touched), then asks for the target (cli_target_get) and, for guest-virtual
       work, the address space (cli_virt_get).
   Exit status: 0 success, 1 a runtime failure (target cannot be opened, an address did not
   translate, bytes could not be read, search found nothing), 2 a usage error. Every error
   is one line on stderr, "memintro: error: ...". */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memintro_qemu.h's implementation needs the GNU feature set */
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_DLOPEN /* compressed kdump pages: zlib, lzo, snappy, zstd loaded at run time */
#include "memintro_qemu.h"
#include "memintro_coredump.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CLI_OK 0
#define CLI_FAIL 1  /* runtime failure */
#define CLI_USAGE 2 /* bad command line */

#define CLI_MAX_READ (1ull << 30) /* one read command reads at most 1 GiB */
#define CLI_CHUNK (1u << 20)      /* reads are done (and output) 1 MiB at a time */

typedef unsigned long long cli_ull;

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* ---- messages ------------------------------------------------------------------------- */

static void cli_vmsg(const char *kind, const char *fmt, va_list ap) CLI_PRINTF(2, 0);
static void cli_vmsg(const char *kind, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "memintro: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Prints "memintro: error: ..." and returns `code`, so callers can `return cli_error(...)`. */
static int cli_error(int code, const char *fmt, ...) CLI_PRINTF(2, 3);
static int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vmsg("error", fmt, ap);
    va_end(ap);
    return code;
}

static void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);
static void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vmsg("warning", fmt, ap);
    va_end(ap);
}

static void *cli_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "memintro: error: out of memory (%llu bytes)\n", (cli_ull)n);
        exit(CLI_FAIL);
    }
    return p;
}

/* ---- numbers and text ----------------------------------------------------------------- */

/* Parses hex with 0x/0X or decimal into *out. Returns 0, or a reason (garbage, overflow). */
static const char *cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10, d;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p) return "not a number (hex with 0x, or decimal)";
    for (; *p; p++) {
        char ch = *p;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (base == 16 && ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (base == 16 && ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            return "not a number (hex with 0x, or decimal)";
        if (v > (UINT64_MAX - d) / base) return "does not fit in 64 bits";
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* A length: a number with an optional k, M or G suffix (powers of 1024, "KiB" etc. too). */
static const char *cli_parse_len(const char *s, uint64_t *out)
{
    char num[64];
    size_t n = strlen(s), k = n;
    unsigned shift = 0;
    const char *why;
    if (n >= 3 && !strcmp(s + n - 2, "iB")) k = n - 2;
    if (k > 0) {
        switch (s[k - 1]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: break;
        }
    }
    if (shift) k--;
    else if (k != n) return "not a length (a number, optionally with k, M or G)";
    if (k == 0 || k >= sizeof num) return "not a length (a number, optionally with k, M or G)";
    memcpy(num, s, k);
    num[k] = 0;
    if (shift && num[0] == '0' && (num[1] == 'x' || num[1] == 'X') && (s[k] == 'b' || s[k] == 'B'))
        return "not a length (a number, optionally with k, M or G)";
    why = cli_parse_u64(num, out);
    if (why) return why[0] == 'n' ? "not a length (a number, optionally with k, M or G)" : why;
    if (shift && (*out >> (64 - shift))) return "does not fit in 64 bits";
    *out <<= shift;
    return 0;
}

/* "4K", "2M", "1G" for page sizes; plain bytes otherwise. */
static const char *cli_page_str(uint64_t size, char *buf, size_t len)
{
    if (size >= (1ull << 30) && !(size & ((1ull << 30) - 1)))
        snprintf(buf, len, "%lluG", (cli_ull)(size >> 30));
    else if (size >= (1ull << 20) && !(size & ((1ull << 20) - 1)))
        snprintf(buf, len, "%lluM", (cli_ull)(size >> 20));
    else if (size >= 1024 && !(size & 1023))
        snprintf(buf, len, "%lluK", (cli_ull)(size >> 10));
    else
        snprintf(buf, len, "%llu", (cli_ull)size);
    return buf;
}

/* "18 MiB", "7.5 GiB", "512 bytes". */
static const char *cli_human(uint64_t n, char *buf, size_t len)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = -1;
    double v = (double)n;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%llu bytes", (cli_ull)n);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%llu %s", (cli_ull)(uint64_t)v, unit[u]);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

static void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* ---- progress bar (stderr, only on a terminal) ---------------------------------------- */

/* Long commands report progress through this; it draws nothing unless stderr is a
   terminal, and redraws at most ten times a second. */
typedef struct cli_progress {
    const char *label;
    uint64_t total;
    double start, last;
    int on;
} cli_progress;

static double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cli_progress_draw(cli_progress *p, uint64_t done)
{
    char a[32], b[32], r[32];
    int width = 30, fill = p->total ? (int)((double)done / (double)p->total * width) : width, i;
    double secs = cli_now() - p->start;
    fprintf(stderr, "\r%s [", p->label);
    for (i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%  %s / %s", p->total ? (int)((double)done * 100.0 / (double)p->total) : 100,
            cli_human(done, a, sizeof a), cli_human(p->total, b, sizeof b));
    if (secs > 0.05) fprintf(stderr, "  %s/s", cli_human((uint64_t)((double)done / secs), r, sizeof r));
    fputs("\033[K", stderr);
    fflush(stderr);
}

static void cli_progress_begin(cli_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->start = p->last = cli_now();
    p->on = isatty(STDERR_FILENO);
}

static void cli_progress_update(cli_progress *p, uint64_t done)
{
    double t;
    if (!p->on) return;
    t = cli_now();
    if (t - p->last < 0.1) return;
    p->last = t;
    cli_progress_draw(p, done);
}

static void cli_progress_end(cli_progress *p, uint64_t done)
{
    if (!p->on) return;
    cli_progress_draw(p, done);
    fputc('\n', stderr);
    p->on = 0;
}

/* ---- targets and connectors ----------------------------------------------------------- */

typedef struct cli_fact {
    char key[48];
    char value[320];
} cli_fact;

/* One guest-physical range as `info` shows it: [start, end) and what backs it. */
typedef struct cli_range {
    uint64_t start, end;
    char backing[224];
} cli_range;

/* What a connector yields. */
typedef struct cli_target cli_target;
struct cli_target {
    memintro_phys *phys;        /* guest-physical memory: every command reads through it */
    const memintro_memmap *map; /* its guest-physical ranges (search, dump); NULL if unknown */
    const char *connector;      /* the connector's name */
    char what[512];             /* one line for info: what is open */
    const char *layout_kind;    /* one word for info --json: "qmp", "inferred", "dump", "file" */
    char layout[1024];          /* one line for info: how the guest-physical layout is known */
    cli_fact *fact;             /* further facts for info (format, CPUs, ...) */
    size_t nfacts, capfacts;
    cli_range *range;           /* info's ranges (finer than map where the source is) */
    size_t nranges, capranges;
    uint64_t ram;               /* bytes of guest RAM when known (memory backends), else 0 */
    /* paging facts the target knows (a dump's CR3, a VM's CPU state): used when --arch/--dtb
       are not given. arch == MEMINTRO_ARCH_NONE: unknown; has_dtb: dtb (and dtb_upper,
       granule, va_bits for AArch64) are known; paging_src says where they come from. */
    memintro_mmu_desc paging;
    int has_dtb;
    char paging_src[256];
    /* CPU state and VMCOREINFO for the ELF notes `dump` writes (NULL: none known) */
    const memintro_coredump_facts *facts;
    /* learns paging/facts on first use (a live VM asks QEMU); NULL when there is nothing to
       learn or it was tried. cpu_note says why the CPU state is unknown ("" if known). */
    void (*load_cpus)(cli_target *t);
    char cpu_note[512];
    void (*close)(cli_target *t); /* releases everything open() took; may be NULL */
    void *state;                  /* the connector's own */
};

static void *cli_grow(void *p, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *q = realloc(p, n * elem);
    if (!q) {
        fprintf(stderr, "memintro: error: out of memory\n");
        exit(CLI_FAIL);
    }
    *cap = n;
    return q;
}

/* Library messages become one line: newlines and tabs turn into spaces. */
static const char *cli_oneline(const char *msg, char *buf, size_t len)
{
    size_t i;
    snprintf(buf, len, "%s", msg && *msg ? msg : "unknown error");
    for (i = 0; buf[i]; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
    while (i > 0 && buf[i - 1] == ' ') buf[--i] = 0;
    return buf;
}

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
        if (d.arch == MEMINTRO_ARCH_X86_PAE)
            d.dtb &= ~0x1full;
        else if (d.arch != MEMINTRO_ARCH_AARCH64)
            d.dtb &= ~0xfffull;
        t->paging = d;
        t->has_dtb = 1;
        snprintf(t->paging_src, sizeof t->paging_src, "CPU 0's CR3 (%s)", where);
        return 1;
    }
    return 0;
}

/* Learns the target's CPU state once (a live VM asks QEMU). */
static void cli_target_cpus(cli_target *t)
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
        t->paging.dtb = f->dtb & (f->mode == MEMINTRO_ARCH_X86_PAE ? ~0x1full : ~0xfffull);
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
    t->state = v;
    t->close = cli_qemu_close;
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

/* ---- options and context -------------------------------------------------------------- */

typedef struct cli_opts {
    const char *connect; /* -c */
    const char *arch_name;
    memintro_arch arch;
    uint64_t dtb, ttbr1;
    uint32_t granule, va_bits;
    int have_dtb, have_ttbr1, have_granule, have_va_bits;
    int json;
} cli_opts;

typedef struct cli_ctx {
    cli_opts o;
    cli_target t;
    int target_open;
    memintro_virt v;
    int virt_ready;
    memintro_tlb tlb;
    memintro_tlb_entry *tlb_entries;
    void *scratch;
} cli_ctx;

/* Opens the target named by -c (once). Returns CLI_OK or an exit status (error printed). */
static int cli_target_get(cli_ctx *c, cli_target **out)
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

static const char *cli_arch_name(memintro_arch a)
{
    switch (a) {
    case MEMINTRO_ARCH_X86: return "x86";
    case MEMINTRO_ARCH_X86_PAE: return "pae";
    case MEMINTRO_ARCH_X86_64: return "x86_64";
    case MEMINTRO_ARCH_X86_64_LA57: return "la57";
    case MEMINTRO_ARCH_AARCH64: return "aarch64";
    default: return "none";
    }
}

/* Bytes of the root table of description d (effective granule and va_bits). */
static uint64_t cli_root_bytes(const memintro_mmu_desc *d)
{
    unsigned gs, per, vb, n, top;
    switch (d->arch) {
    case MEMINTRO_ARCH_X86: return 4096;
    case MEMINTRO_ARCH_X86_PAE: return 32;
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57: return 4096;
    default: break;
    }
    gs = d->granule == 65536 ? 16 : d->granule == 16384 ? 14 : 12;
    per = gs - 3;
    vb = d->va_bits ? d->va_bits : 48;
    n = (vb - gs + per - 1) / per;
    top = vb - gs - (n - 1) * per;
    return (uint64_t)8 << top;
}

/* Checks that the root table at table address `root` (named `what`) is readable. */
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

/* The guest-virtual address space from --arch/--dtb/... (or the target's own facts),
   checked: a usable description, an aligned root, a root table inside the target's memory.
   Returns CLI_OK or an exit status (error printed). */
static int cli_virt_get(cli_ctx *c, memintro_virt **out)
{
    memintro_mmu_desc d;
    cli_target *t;
    const char *why;
    uint64_t bytes;
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
    if (d.arch != MEMINTRO_ARCH_AARCH64 && (c->o.have_ttbr1 || c->o.have_granule || c->o.have_va_bits))
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s",
                         cli_arch_name(d.arch));
    if (!c->o.have_dtb) {
        d = t->paging; /* the target's own root (and AArch64 details), options override below */
    }
    d.arch = c->o.arch_name ? c->o.arch : d.arch;
    if (c->o.have_dtb) d.dtb = c->o.dtb;
    if (c->o.have_ttbr1) d.dtb_upper = c->o.ttbr1;
    if (c->o.have_granule) d.granule = c->o.granule;
    if (c->o.have_va_bits) d.va_bits = c->o.va_bits;
    {
        /* granule and va_bits first: the root table's size depends on them */
        memintro_mmu_desc shape = d;
        shape.dtb = shape.dtb_upper = 0;
        why = memintro_mmu_check(&shape);
        if (why) return cli_error(CLI_USAGE, "bad paging description (%s): %s", cli_arch_name(d.arch), why);
    }
    bytes = cli_root_bytes(&d);
    switch (d.arch) {
    case MEMINTRO_ARCH_X86:
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57:
        if (d.dtb & 0xfff)
            return cli_error(CLI_USAGE, "DTB 0x%llx is not 4 KiB aligned: the %s root table starts on a page "
                                        "(clear CR3's PCID/flag bits 11:0)",
                             (cli_ull)d.dtb, cli_arch_name(d.arch));
        break;
    case MEMINTRO_ARCH_AARCH64: {
        uint64_t align = bytes < 64 ? 64 : bytes, m = 0x0000fffffffffffeull;
        if ((d.dtb & m) & (align - 1))
            return cli_error(CLI_USAGE, "TTBR0 0x%llx is not aligned to its %llu-byte root table (granule %uk, "
                                        "%u-bit VA)",
                             (cli_ull)d.dtb, (cli_ull)align, (d.granule ? d.granule : 4096) / 1024,
                             d.va_bits ? d.va_bits : 48);
        if ((d.dtb_upper & m) & (align - 1))
            return cli_error(CLI_USAGE, "TTBR1 0x%llx is not aligned to its %llu-byte root table (granule %uk, "
                                        "%u-bit VA)",
                             (cli_ull)d.dtb_upper, (cli_ull)align, (d.granule ? d.granule : 4096) / 1024,
                             d.va_bits ? d.va_bits : 48);
        break;
    }
    default:
        break;
    }
    why = memintro_mmu_check(&d);
    if (why) return cli_error(CLI_USAGE, "bad paging description (%s, DTB 0x%llx): %s", cli_arch_name(d.arch),
                              (cli_ull)d.dtb, why);
    switch (d.arch) {
    case MEMINTRO_ARCH_X86:
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57:
        rc = cli_check_root(c, "DTB", d.dtb, d.dtb & 0x000ffffffffff000ull, bytes);
        break;
    case MEMINTRO_ARCH_X86_PAE:
        rc = cli_check_root(c, "DTB", d.dtb, d.dtb & 0xffffffe0ull, bytes);
        break;
    default: {
        uint64_t m = 0x0000fffffffffffeull; /* BADDR; bit 0 is CnP, bits 63:48 the ASID */
        rc = cli_check_root(c, "TTBR0", d.dtb, d.dtb & m, bytes);
        if (rc == CLI_OK && d.dtb_upper) rc = cli_check_root(c, "TTBR1", d.dtb_upper, d.dtb_upper & m, bytes);
        break;
    }
    }
    if (rc != CLI_OK) return rc;
    if (!c->scratch) c->scratch = cli_alloc(memintro_virt_scratch_size(1024));
    if (memintro_virt_init(&c->v, t->phys, &d, c->scratch, memintro_virt_scratch_size(1024)) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "cannot set up the %s address space", cli_arch_name(d.arch));
    if (!c->tlb_entries) c->tlb_entries = (memintro_tlb_entry *)cli_alloc(4096 * sizeof(memintro_tlb_entry));
    memintro_tlb_init(&c->tlb, c->tlb_entries, 4096);
    memintro_virt_set_tlb(&c->v, &c->tlb);
    c->virt_ready = 1;
    *out = &c->v;
    return CLI_OK;
}

/* ---- command: translate --------------------------------------------------------------- */

static void cli_flag_words(uint32_t f, const char *w[4], int *n)
{
    *n = 0;
    w[(*n)++] = (f & MEMINTRO_PAGE_WRITABLE) ? "rw" : "ro";
    w[(*n)++] = (f & MEMINTRO_PAGE_USER) ? "user" : "kernel";
    w[(*n)++] = (f & MEMINTRO_PAGE_NX) ? "nx" : "x";
    if (f & MEMINTRO_PAGE_TRANSITION) w[(*n)++] = "transition";
}

static int cmd_translate(cli_ctx *c, int argc, char **argv)
{
    memintro_xlate *x;
    memintro_virt *v;
    int i, rc, failed = 0;
    if (argc && !strcmp(argv[0], "--")) { /* everything after -- is an address */
        argc--;
        argv++;
    } else {
        for (i = 0; i < argc; i++)
            if (argv[i][0] == '-' && argv[i][1])
                return cli_error(CLI_USAGE, "translate: unknown option '%s'", argv[i]);
    }
    if (argc <= 0) return cli_error(CLI_USAGE, "translate: missing VADDR (usage: translate VADDR...)");
    x = (memintro_xlate *)cli_alloc((size_t)argc * sizeof *x);
    memset(x, 0, (size_t)argc * sizeof *x);
    for (i = 0; i < argc; i++) {
        const char *why = cli_parse_u64(argv[i], &x[i].va);
        if (why) {
            free(x);
            return cli_error(CLI_USAGE, "translate: address '%s': %s", argv[i], why);
        }
    }
    if ((rc = cli_virt_get(c, &v)) != CLI_OK) {
        free(x);
        return rc;
    }
    memintro_translate(v, x, (size_t)argc); /* one batch, level by level */
    if (c->o.json) fputs("[\n", stdout);
    for (i = 0; i < argc; i++) {
        const memintro_xlate *e = &x[i];
        char ps[32];
        if (e->status != MEMINTRO_OK) failed = 1;
        if (c->o.json) {
            printf("  {\"va\":\"0x%llx\",", (cli_ull)e->va);
            if (e->status == MEMINTRO_OK) {
                const char *w[4];
                int n, k;
                cli_flag_words(e->flags, w, &n);
                printf("\"pa\":\"0x%llx\",\"page_size\":%llu,\"flags\":[", (cli_ull)e->pa, (cli_ull)e->page_size);
                for (k = 0; k < n; k++) printf("%s\"%s\"", k ? "," : "", w[k]);
                printf("]}");
            } else if (e->status == MEMINTRO_E_UNMAPPED) {
                printf("\"error\":\"not mapped\",\"level\":%u}", e->level);
            } else if (e->status == MEMINTRO_E_NONCANONICAL) {
                printf("\"error\":\"not canonical\"}");
            } else {
                printf("\"error\":\"table unreadable\",\"reason\":");
                cli_json_str(stdout, memintro_status_str(e->status));
                printf(",\"level\":%u}", e->level);
            }
            printf("%s\n", i + 1 < argc ? "," : "");
        } else {
            printf("0x%llx -> ", (cli_ull)e->va);
            if (e->status == MEMINTRO_OK) {
                const char *w[4];
                int n, k;
                cli_flag_words(e->flags, w, &n);
                printf("0x%llx (%s page,", (cli_ull)e->pa, cli_page_str(e->page_size, ps, sizeof ps));
                for (k = 0; k < n; k++) printf(" %s", w[k]);
                printf(")\n");
            } else if (e->status == MEMINTRO_E_UNMAPPED) {
                printf("not mapped (level %u)\n", e->level);
            } else if (e->status == MEMINTRO_E_NONCANONICAL) {
                printf("not canonical\n");
            } else {
                printf("table unreadable: %s (level %u)\n", memintro_status_str(e->status), e->level);
            }
        }
    }
    if (c->o.json) fputs("]\n", stdout);
    free(x);
    return failed ? CLI_FAIL : CLI_OK;
}

/* ---- command: read -------------------------------------------------------------------- */

typedef struct cli_bad {
    uint64_t start, end;
    memintro_status why;
} cli_bad;

typedef struct cli_reader {
    cli_ctx *c;
    memintro_virt *v; /* NULL: guest-physical */
    uint8_t *buf;     /* the chunk */
    uint8_t *st;      /* per byte: MEMINTRO_OK or why it could not be read */
    memintro_op *ops;
    cli_bad *bad;
    size_t nbad, capbad;
    uint64_t missing;
} cli_reader;

static memintro_status cli_read_ops(cli_reader *r, memintro_op *ops, size_t n)
{
    return r->v ? memintro_virt_read(r->v, ops, n) : memintro_phys_read(r->c->t.phys, ops, n);
}

/* An op came back partial: find which bytes failed by halving (only boundary pages do). */
static void cli_refine(cli_reader *r, uint64_t addr, uint8_t *buf, uint8_t *st, size_t len)
{
    memintro_op op;
    size_t half;
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = buf;
    op.len = len;
    cli_read_ops(r, &op, 1);
    if (op.status == MEMINTRO_OK) {
        memset(st, MEMINTRO_OK, len);
        return;
    }
    if (op.missing >= len || len == 1) {
        memset(buf, 0, len);
        memset(st, (int)op.status, len);
        return;
    }
    half = len / 2;
    cli_refine(r, addr, buf, st, half);
    cli_refine(r, addr + half, buf + half, st + half, len - half);
}

/* Reads [addr, addr+n) (n <= CLI_CHUNK) into r->buf, in page-sized ops, and sets r->st. */
static void cli_read_chunk(cli_reader *r, uint64_t addr, size_t n, uint64_t page)
{
    size_t nops = 0, off = 0, i;
    while (off < n) {
        uint64_t a = addr + off;
        size_t len = (size_t)(page - (a & (page - 1)));
        if (len > n - off) len = n - off;
        memset(&r->ops[nops], 0, sizeof r->ops[nops]);
        r->ops[nops].addr = a;
        r->ops[nops].buf = r->buf + off;
        r->ops[nops].len = len;
        nops++;
        off += len;
    }
    cli_read_ops(r, r->ops, nops);
    for (i = 0; i < nops; i++) {
        memintro_op *op = &r->ops[i];
        size_t at = (size_t)((uint8_t *)op->buf - r->buf);
        if (op->status == MEMINTRO_OK)
            memset(r->st + at, MEMINTRO_OK, op->len);
        else if (op->missing >= op->len) {
            memset(r->buf + at, 0, op->len);
            memset(r->st + at, (int)op->status, op->len);
        } else
            cli_refine(r, op->addr, r->buf + at, r->st + at, op->len);
    }
    /* record unreadable ranges, merged */
    for (i = 0; i < n; i++) {
        cli_bad *b;
        if (r->st[i] == MEMINTRO_OK) continue;
        r->missing++;
        b = r->nbad ? &r->bad[r->nbad - 1] : 0;
        if (b && b->end == addr + i && b->why == (memintro_status)r->st[i]) {
            b->end++;
            continue;
        }
        if (r->nbad == r->capbad) {
            r->capbad = r->capbad ? r->capbad * 2 : 16;
            r->bad = (cli_bad *)realloc(r->bad, r->capbad * sizeof *r->bad);
            if (!r->bad) {
                fprintf(stderr, "memintro: error: out of memory\n");
                exit(CLI_FAIL);
            }
        }
        b = &r->bad[r->nbad++];
        b->start = addr + i;
        b->end = addr + i + 1;
        b->why = (memintro_status)r->st[i];
    }
}

/* 16 bytes a line: address, hex (unreadable bytes "??"), ASCII (unreadable '?'). */
static void cli_hexdump(uint64_t addr, const uint8_t *buf, const uint8_t *st, size_t n, int width)
{
    static const char hx[] = "0123456789abcdef";
    size_t i, k;
    char line[128];
    for (i = 0; i < n; i += 16) {
        size_t m = n - i < 16 ? n - i : 16;
        uint64_t a = addr + i;
        int p = width, d;
        for (d = width - 1; d >= 0; d--, a >>= 4) line[d] = hx[a & 15];
        line[p++] = ' ';
        line[p++] = ' ';
        for (k = 0; k < 16; k++) {
            if (k == 8) line[p++] = ' ';
            if (k >= m) {
                line[p++] = ' ';
                line[p++] = ' ';
            } else if (st[i + k] != MEMINTRO_OK) {
                line[p++] = '?';
                line[p++] = '?';
            } else {
                line[p++] = hx[buf[i + k] >> 4];
                line[p++] = hx[buf[i + k] & 15];
            }
            line[p++] = ' ';
        }
        line[p++] = ' ';
        line[p++] = '|';
        for (k = 0; k < m; k++) {
            uint8_t ch = buf[i + k];
            line[p++] = st[i + k] != MEMINTRO_OK ? '?' : (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
        }
        line[p++] = '|';
        line[p++] = '\n';
        fwrite(line, 1, (size_t)p, stdout);
    }
}

static int cmd_read(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2], *outpath = 0, *why;
    int npos = 0, virt = 0, i, rc, width = 8, to_stdout;
    uint64_t addr, len, done, page = 4096, last;
    cli_reader r;
    FILE *out = 0;
    cli_progress prog;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--virt")) {
            virt = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return cli_error(CLI_USAGE, "read: %s needs a FILE", a);
            outpath = argv[++i];
        } else if (!strncmp(a, "--output=", 9)) {
            outpath = a + 9;
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) {
                if (npos == 2) return cli_error(CLI_USAGE, "read: unexpected argument '%s'", argv[i]);
                pos[npos++] = argv[i];
            }
        } else if (a[0] == '-' && a[1]) {
            return cli_error(CLI_USAGE, "read: unknown option '%s'", a);
        } else {
            if (npos == 2) return cli_error(CLI_USAGE, "read: unexpected argument '%s'", a);
            pos[npos++] = a;
        }
    }
    if (npos == 0) return cli_error(CLI_USAGE, "read: missing ADDR and LEN (usage: read [--virt] ADDR LEN [-o FILE])");
    if (npos == 1) return cli_error(CLI_USAGE, "read: missing LEN (usage: read [--virt] ADDR LEN [-o FILE])");
    if (outpath && !*outpath) return cli_error(CLI_USAGE, "read: -o needs a FILE");
    if ((why = cli_parse_u64(pos[0], &addr))) return cli_error(CLI_USAGE, "read: address '%s': %s", pos[0], why);
    if ((why = cli_parse_len(pos[1], &len))) return cli_error(CLI_USAGE, "read: length '%s': %s", pos[1], why);
    if (len == 0) return cli_error(CLI_USAGE, "read: length must be at least 1 byte");
    if (len > CLI_MAX_READ)
        return cli_error(CLI_USAGE, "read: length %s (%llu bytes) is over the 1 GiB limit of one read", pos[1],
                         (cli_ull)len);
    if (addr + (len - 1) < addr)
        return cli_error(CLI_USAGE, "read: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                         (cli_ull)addr, (cli_ull)len);
    memset(&r, 0, sizeof r);
    r.c = c;
    if (virt) {
        if ((rc = cli_virt_get(c, &r.v)) != CLI_OK) return rc;
        page = (uint64_t)1 << r.v->page_shift;
    } else {
        cli_target *t;
        if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    }
    to_stdout = outpath && !strcmp(outpath, "-");
    if (outpath) {
        out = to_stdout ? stdout : fopen(outpath, "wb");
        if (!out) return cli_error(CLI_FAIL, "cannot create %s: %s", outpath, strerror(errno));
    }
    last = addr + (len - 1);
    while (width < 16 && (last >> (4 * width))) width++;
    r.buf = (uint8_t *)cli_alloc(CLI_CHUNK);
    r.st = (uint8_t *)cli_alloc(CLI_CHUNK);
    r.ops = (memintro_op *)cli_alloc((CLI_CHUNK / 4096 + 2) * sizeof(memintro_op));
    if (c->o.json) {
        printf("{\"address\":\"0x%llx\",\"length\":%llu,\"space\":\"%s\",", (cli_ull)addr, (cli_ull)len,
               virt ? "virtual" : "physical");
        if (outpath) {
            printf("\"file\":");
            cli_json_str(stdout, outpath);
        } else {
            printf("\"data\":\"");
        }
    }
    cli_progress_begin(&prog, "read", len);
    if (!outpath || to_stdout || len < (8u << 20)) prog.on = 0; /* a bar only for big reads to a file */
    rc = CLI_OK;
    for (done = 0; done < len;) {
        size_t n = len - done < CLI_CHUNK ? (size_t)(len - done) : CLI_CHUNK;
        cli_read_chunk(&r, addr + done, n, page);
        if (out) {
            if (fwrite(r.buf, 1, n, out) != n) {
                rc = cli_error(CLI_FAIL, "cannot write %s: %s", outpath, strerror(errno));
                break;
            }
        } else if (c->o.json) {
            size_t k;
            static const char hx[] = "0123456789abcdef";
            for (k = 0; k < n; k++) {
                putchar(hx[r.buf[k] >> 4]);
                putchar(hx[r.buf[k] & 15]);
            }
        } else {
            cli_hexdump(addr + done, r.buf, r.st, n, width);
        }
        done += n;
        cli_progress_update(&prog, done);
    }
    cli_progress_end(&prog, done);
    if (out && !to_stdout && fclose(out) && rc == CLI_OK)
        rc = cli_error(CLI_FAIL, "cannot write %s: %s", outpath, strerror(errno));
    if (c->o.json) {
        size_t k;
        if (!outpath) putchar('"');
        printf(",\"unreadable_bytes\":%llu,\"unreadable\":[", (cli_ull)r.missing);
        for (k = 0; k < r.nbad; k++) {
            printf("%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"error\":", k ? "," : "", (cli_ull)r.bad[k].start,
                   (cli_ull)r.bad[k].end);
            cli_json_str(stdout, memintro_status_str(r.bad[k].why));
            putchar('}');
        }
        printf("]}\n");
    }
    if (rc == CLI_OK && r.missing) {
        cli_warn("%llu of %llu bytes could not be read (first at 0x%llx: %s)%s", (cli_ull)r.missing, (cli_ull)len,
                 (cli_ull)r.bad[0].start, memintro_status_str(r.bad[0].why),
                 outpath ? "; they were written as zeros" : "");
        rc = CLI_FAIL;
    }
    free(r.buf);
    free(r.st);
    free(r.ops);
    free(r.bad);
    return rc;
}

/* ---- command: info -------------------------------------------------------------------- */

static int cmd_info(cli_ctx *c, int argc, char **argv)
{
    cli_target *t;
    size_t i;
    uint64_t total = 0;
    char h[32];
    int rc;
    if (argc) return cli_error(CLI_USAGE, "info: unexpected argument '%s'", argv[0]);
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    cli_target_cpus(t);
    for (i = 0; t->map && i < t->map->count; i++) total += t->map->ranges[i].size;
    if (c->o.json) {
        printf("{\"connector\":");
        cli_json_str(stdout, t->connector);
        printf(",\"target\":");
        cli_json_str(stdout, t->what);
        printf(",\"layout\":");
        cli_json_str(stdout, t->layout_kind ? t->layout_kind : "unknown");
        printf(",\"layout_detail\":");
        cli_json_str(stdout, t->layout);
        printf(",\"facts\":{");
        for (i = 0; i < t->nfacts; i++) {
            if (i) putchar(',');
            cli_json_str(stdout, t->fact[i].key);
            putchar(':');
            cli_json_str(stdout, t->fact[i].value);
        }
        printf("},\"cpus\":[");
        for (i = 0; t->facts && i < t->facts->cpu_state_count; i++) {
            const memintro_coredump_cpu *cpu = &t->facts->cpus[i];
            printf("%s{\"index\":%u,\"mode\":", i ? "," : "", (unsigned)cpu->index);
            cli_json_str(stdout, memintro_coredump_mode_name(cpu->mode));
            if (cpu->flags & MEMINTRO_COREDUMP_CPU_SYSTEM) printf(",\"cr3\":\"0x%llx\"", (cli_ull)cpu->cr[3]);
            if (cpu->flags & MEMINTRO_COREDUMP_CPU_GPRS) printf(",\"rip\":\"0x%llx\"", (cli_ull)cpu->rip);
            putchar('}');
        }
        printf("],\"paging\":");
        if (t->has_dtb) {
            printf("{\"arch\":\"%s\",\"dtb\":\"0x%llx\",\"source\":", cli_arch_name(t->paging.arch),
                   (cli_ull)t->paging.dtb);
            cli_json_str(stdout, t->paging_src);
            putchar('}');
        } else {
            printf("null");
        }
        if (t->facts && t->facts->vmcoreinfo) {
            printf(",\"vmcoreinfo\":");
            cli_json_str(stdout, t->facts->vmcoreinfo);
        }
        printf(",\"ranges\":[");
    } else {
        printf("connector  %s\ntarget     %s\nlayout     %s\n", t->connector, t->what, t->layout);
        for (i = 0; i < t->nfacts; i++) printf("%-10s %s\n", t->fact[i].key, t->fact[i].value);
        if (t->has_dtb)
            printf("virtual    %s, DTB 0x%llx: %s; translate and read --virt use it unless --arch/--dtb are given\n",
                   cli_arch_name(t->paging.arch), (cli_ull)t->paging.dtb, t->paging_src);
        else if (t->cpu_note[0])
            printf("virtual    unknown (%s): give --arch and --dtb for guest-virtual addresses\n", t->cpu_note);
    }
    for (i = 0; i < t->nranges; i++) {
        const cli_range *rg = &t->range[i];
        if (c->o.json) {
            printf("%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"size\":%llu,\"backing\":", i ? "," : "",
                   (cli_ull)rg->start, (cli_ull)rg->end, (cli_ull)(rg->end - rg->start));
            cli_json_str(stdout, rg->backing);
            putchar('}');
        } else {
            printf("range      0x%llx-0x%llx  %s  %s\n", (cli_ull)rg->start, (cli_ull)rg->end,
                   cli_human(rg->end - rg->start, h, sizeof h), rg->backing);
        }
    }
    if (c->o.json) {
        printf("],\"memory\":%llu", (cli_ull)total);
        if (t->ram) printf(",\"ram\":%llu", (cli_ull)t->ram);
        printf("}\n");
    } else {
        if (t->ram)
            printf("ram        %llu bytes (%s) of guest RAM\n", (cli_ull)t->ram, cli_human(t->ram, h, sizeof h));
        printf("memory     %llu bytes (%s) in %llu range%s (end exclusive)\n", (cli_ull)total,
               cli_human(total, h, sizeof h), (cli_ull)t->nranges, t->nranges == 1 ? "" : "s");
    }
    return CLI_OK;
}

/* ---- command: targets ----------------------------------------------------------------- */

static int cmd_targets(cli_ctx *c, int argc, char **argv)
{
    memintro_qemu_vm *vms;
    size_t n = 0, cap, i;
    int wn = 4, wm = 7, k;
    char h[32];
    if (argc) return cli_error(CLI_USAGE, "targets: unexpected argument '%s'", argv[0]);
    if (memintro_qemu_list(0, 0, &n) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
    cap = n + 8; /* VMs may start meanwhile */
    vms = (memintro_qemu_vm *)cli_alloc(cap * sizeof *vms);
    if (memintro_qemu_list(vms, cap, &n) != MEMINTRO_OK) {
        free(vms);
        return cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
    }
    if (n > cap) n = cap;
    if (c->o.json) {
        printf("[");
        for (i = 0; i < n; i++) {
            printf("%s\n  {\"pid\":%d,\"name\":", i ? "," : "", vms[i].pid);
            cli_json_str(stdout, vms[i].name);
            printf(",\"machine\":");
            cli_json_str(stdout, vms[i].machine);
            printf(",\"machine_default\":%s,\"ram\":%llu,\"qmp\":", vms[i].machine_default ? "true" : "false",
                   (cli_ull)vms[i].ram_size);
            cli_json_str(stdout, vms[i].qmp);
            printf(",\"binary\":");
            cli_json_str(stdout, vms[i].binary);
            printf("}");
        }
        printf("%s]\n", n ? "\n" : "");
        free(vms);
        return CLI_OK;
    }
    if (!n) {
        free(vms);
        fprintf(stderr, "memintro: no QEMU VM is running on this host\n");
        return CLI_OK;
    }
    for (i = 0; i < n; i++) {
        if ((k = (int)strlen(vms[i].name)) > wn) wn = k;
        if ((k = (int)strlen(vms[i].machine[0] ? vms[i].machine : "(default)")) > wm) wm = k;
    }
    printf("%-7s  %-*s  %-*s  %9s  %s\n", "PID", wn, "NAME", wm, "MACHINE", "RAM", "QMP");
    for (i = 0; i < n; i++)
        printf("%-7d  %-*s  %-*s  %9s  %s\n", vms[i].pid, wn, vms[i].name[0] ? vms[i].name : "-", wm,
               vms[i].machine[0] ? vms[i].machine : "(default)", cli_human(vms[i].ram_size, h, sizeof h),
               vms[i].qmp[0] ? vms[i].qmp : "(none)");
    free(vms);
    return CLI_OK;
}

/* ---- command: dump -------------------------------------------------------------------- */

/* The file being written, removed by the signal handler if the user interrupts. */
static char cli_tmp_path[4096];

static void cli_on_signal(int sig)
{
    if (cli_tmp_path[0]) unlink(cli_tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void cli_dump_progress(void *user, uint64_t done, uint64_t total)
{
    (void)total;
    cli_progress_update((cli_progress *)user, done);
}

static int cmd_dump(cli_ctx *c, int argc, char **argv)
{
    const char *outpath = 0;
    int force = 0, i, rc, fd, to_stdout;
    cli_target *t;
    struct stat st;
    memintro_coredump_write_options wo;
    memintro_coredump_write_result res;
    memintro_status s;
    cli_progress prog;
    uint64_t total = 0;
    double t0, secs;
    char h1[32], h2[32], h3[32];
    FILE *sum;
    struct sigaction sa, old_int, old_term, old_hup;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return cli_error(CLI_USAGE, "dump: %s needs a FILE", a);
            outpath = argv[++i];
        } else if (!strncmp(a, "--output=", 9)) {
            outpath = a + 9;
        } else if (!strcmp(a, "--force") || !strcmp(a, "-f")) {
            force = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_error(CLI_USAGE, "dump: unknown option '%s'", a);
        } else {
            return cli_error(CLI_USAGE, "dump: unexpected argument '%s' (usage: dump -o FILE [--force])", a);
        }
    }
    if (!outpath || !*outpath) return cli_error(CLI_USAGE, "dump: missing -o FILE (usage: dump -o FILE [--force])");
    to_stdout = !strcmp(outpath, "-");
    if (to_stdout && isatty(STDOUT_FILENO))
        return cli_error(CLI_USAGE, "dump: -o - writes the ELF core to stdout, which is a terminal; redirect it");
    if (!to_stdout && !force && lstat(outpath, &st) == 0)
        return cli_error(CLI_FAIL, "dump: %s exists; give --force to replace it", outpath);
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (!t->map || !t->map->count) return cli_error(CLI_FAIL, "dump: the target's memory map is empty");
    cli_target_cpus(t); /* CPU notes when the target knows its registers */
    for (i = 0; i < (int)t->map->count; i++) total += t->map->ranges[i].size;

    /* write next to the destination under a temporary name, then link/rename it into place:
       an existing file is only replaced by a complete dump, and a failed one leaves nothing */
    if (to_stdout) {
        fd = STDOUT_FILENO;
    } else {
        if (strlen(outpath) + 16 > sizeof cli_tmp_path)
            return cli_error(CLI_USAGE, "dump: output path too long");
        snprintf(cli_tmp_path, sizeof cli_tmp_path, "%s.partial-XXXXXX", outpath);
        fd = mkstemp(cli_tmp_path); /* mode 0600: the file holds guest memory */
        if (fd < 0) {
            int e = errno;
            cli_tmp_path[0] = 0;
            return cli_error(CLI_FAIL, "dump: cannot create %s: %s", outpath, strerror(e));
        }
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cli_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
    }
    memset(&wo, 0, sizeof wo);
    memset(&res, 0, sizeof res);
    cli_progress_begin(&prog, "dump", total);
    wo.progress = cli_dump_progress;
    wo.user = &prog;
    t0 = cli_now();
    s = memintro_coredump_write_elf_fd(t->phys, t->map, t->facts, fd, &wo, &res);
    cli_progress_end(&prog, res.memory_size);
    rc = CLI_OK;
    if (!to_stdout) {
        /* on disk before it takes the name */
        if (s == MEMINTRO_OK && fsync(fd) != 0 && errno != EINVAL) {
            snprintf(res.error, sizeof res.error, "cannot write %s: %s", outpath, strerror(errno));
            s = MEMINTRO_E_IO;
        }
        if (close(fd) != 0 && s == MEMINTRO_OK) {
            snprintf(res.error, sizeof res.error, "cannot write %s: %s", outpath, strerror(errno));
            s = MEMINTRO_E_IO;
        }
        if (s == MEMINTRO_OK) {
            if (force) {
                if (rename(cli_tmp_path, outpath) != 0) {
                    snprintf(res.error, sizeof res.error, "cannot rename the dump to %s: %s", outpath, strerror(errno));
                    s = MEMINTRO_E_IO;
                }
            } else if (link(cli_tmp_path, outpath) != 0) {
                int e = errno;
                if (e == EEXIST) {
                    snprintf(res.error, sizeof res.error, "%s appeared while dumping; give --force to replace it",
                             outpath);
                    s = MEMINTRO_E_IO;
                } else if (lstat(outpath, &st) == 0 || rename(cli_tmp_path, outpath) != 0) {
                    /* a file system without hard links: rename, unless the name is taken */
                    snprintf(res.error, sizeof res.error, "cannot create %s: %s", outpath, strerror(e));
                    s = MEMINTRO_E_IO;
                }
            }
        }
        unlink(cli_tmp_path); /* the temporary name (after link, or the partial file) */
        cli_tmp_path[0] = 0;
        sigaction(SIGINT, &old_int, 0);
        sigaction(SIGTERM, &old_term, 0);
        sigaction(SIGHUP, &old_hup, 0);
    }
    if (s != MEMINTRO_OK) {
        char msg[512];
        cli_oneline(res.error[0] ? res.error : memintro_status_str(s), msg, sizeof msg);
        if (s == MEMINTRO_E_GONE) snprintf(msg, sizeof msg, "the target is gone (the VM exited) after %s",
                                           cli_human(res.memory_size, h1, sizeof h1));
        return cli_error(CLI_FAIL, "dump: %s; %s", msg,
                         to_stdout ? "the output is incomplete" : "no file was left behind");
    }
    secs = cli_now() - t0;
    sum = to_stdout ? stderr : stdout;
    if (c->o.json) {
        fprintf(sum, "{\"file\":");
        cli_json_str(sum, outpath);
        fprintf(sum,
                ",\"format\":\"elf\",\"file_size\":%llu,\"memory\":%llu,\"segments\":%u,\"notes\":%u,\"cpus\":%u,"
                "\"unreadable\":%llu,\"seconds\":%.3f}\n",
                (cli_ull)res.file_size, (cli_ull)res.memory_size, res.segments, res.notes,
                t->facts ? t->facts->cpu_state_count : 0, (cli_ull)res.unreadable, secs);
    } else {
        fprintf(sum, "wrote %s: ELF core of %s guest memory in %u segment%s, %u note%s (%s), %s file, %.1f s (%s/s)\n",
                to_stdout ? "stdout" : outpath, cli_human(res.memory_size, h1, sizeof h1), res.segments,
                res.segments == 1 ? "" : "s", res.notes, res.notes == 1 ? "" : "s",
                t->facts && t->facts->cpu_state_count ? "with CPU state" : "no CPU state known",
                cli_human(res.file_size, h2, sizeof h2), secs,
                cli_human(secs > 0 ? (uint64_t)((double)res.memory_size / secs) : res.memory_size, h3, sizeof h3));
    }
    if (res.unreadable) {
        cli_warn("%llu bytes could not be read from the target (first at 0x%llx) and were written as zeros",
                 (cli_ull)res.unreadable, (cli_ull)res.first_unreadable);
        rc = CLI_FAIL;
    }
    return rc;
}

/* ---- command: search ------------------------------------------------------------------ */

#define CLI_SEARCH_CHUNK (64ull << 20) /* scanned per call (progress granularity) */
#define CLI_SEARCH_CONTEXT 64         /* bytes shown after each match */

typedef struct cli_search {
    uint64_t *hit;
    size_t n, cap, max;
    uint64_t limit; /* matches at or above belong to the next chunk */
    int full;
} cli_search;

static int cli_search_hit(void *user, uint64_t addr)
{
    cli_search *s = (cli_search *)user;
    if (addr >= s->limit) return 0;
    if (s->n == s->max) {
        s->full = 1;
        return 1;
    }
    if (s->n == s->cap) s->hit = (uint64_t *)cli_grow(s->hit, &s->cap, sizeof *s->hit);
    s->hit[s->n++] = addr;
    return 0;
}

static int cli_hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Parses hex bytes ("de ad be ef", "deadbeef", "de:ad", with ?? for any byte when mask is
   not NULL) into out[0..*n). Returns NULL, or why the text is not hex bytes. */
static const char *cli_parse_hex(const char *p, uint8_t *out, uint8_t *mask, size_t cap, size_t *n)
{
    static char why[96];
    *n = 0;
    while (*p) {
        int hi, lo;
        if (*p == ' ' || *p == ':' || *p == ',') {
            p++;
            continue;
        }
        if (*n == cap) {
            snprintf(why, sizeof why, "more than %llu bytes", (cli_ull)cap);
            return why;
        }
        if (mask && p[0] == '?' && p[1] == '?') {
            out[*n] = 0;
            mask[(*n)++] = 0;
            p += 2;
            continue;
        }
        hi = cli_hexval(p[0]);
        lo = hi >= 0 ? cli_hexval(p[1]) : -1;
        if (hi < 0 || lo < 0) {
            snprintf(why, sizeof why, "expected pairs of hex digits%s at '%.8s'", mask ? " or ??" : "", p);
            return why;
        }
        out[*n] = (uint8_t)(hi << 4 | lo);
        if (mask) mask[*n] = 0xff;
        (*n)++;
        p += 2;
    }
    return 0;
}

static int cmd_search(cli_ctx *c, int argc, char **argv)
{
    const char *pos[3], *why, *v;
    int npos = 0, virt = 0, hex = 0, i, rc, masked = 0;
    uint64_t start = 0, len = 0, max = 100, align = 1, scanned = 0, total = 0;
    uint8_t pat[4096], mask[4096];
    size_t plen = 0, k, nspans = 0;
    uint64_t(*spans)[2] = 0;
    cli_target *t;
    memintro_virt *vs = 0;
    cli_search sr;
    cli_progress prog;
    void *work;
    const size_t work_size = (1u << 20) + 4096;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--virt")) {
            virt = 1;
        } else if (!strcmp(a, "--hex")) {
            hex = 1;
        } else if (!strcmp(a, "--max") || !strncmp(a, "--max=", 6) || !strcmp(a, "--align") ||
                   !strncmp(a, "--align=", 8)) {
            int is_max = a[2] == 'm';
            uint64_t x;
            if (strchr(a, '='))
                v = strchr(a, '=') + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return cli_error(CLI_USAGE, "search: %s needs a number", a);
            if ((why = cli_parse_u64(v, &x)))
                return cli_error(CLI_USAGE, "search: %s '%s': %s", is_max ? "--max" : "--align", v, why);
            if (is_max) {
                if (x == 0) return cli_error(CLI_USAGE, "search: --max must be at least 1");
                max = x;
            } else {
                if (x == 0 || (x & (x - 1)))
                    return cli_error(CLI_USAGE, "search: --align '%s' is not a power of two", v);
                align = x;
            }
        } else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) {
                if (npos == 3) return cli_error(CLI_USAGE, "search: unexpected argument '%s'", argv[i]);
                pos[npos++] = argv[i];
            }
        } else if (a[0] == '-' && a[1]) {
            return cli_error(CLI_USAGE, "search: unknown option '%s' (a pattern starting with '-' goes after --)", a);
        } else {
            if (npos == 3) return cli_error(CLI_USAGE, "search: unexpected argument '%s'", a);
            pos[npos++] = a;
        }
    }
    if (npos == 0)
        return cli_error(CLI_USAGE, "search: missing PATTERN (usage: search [--hex] [--virt] PATTERN [START LEN])");
    if (npos == 2) return cli_error(CLI_USAGE, "search: START needs a LEN (usage: search PATTERN [START LEN])");
    if (hex) {
        if ((why = cli_parse_hex(pos[0], pat, mask, sizeof pat, &plen)))
            return cli_error(CLI_USAGE, "search: --hex pattern '%s': %s", pos[0], why);
        for (k = 0; k < plen && mask[k]; k++) {}
        masked = k < plen;
        for (k = 0; k < plen && !mask[k]; k++) {}
        if (plen && k == plen) return cli_error(CLI_USAGE, "search: --hex pattern '%s' is all wildcards", pos[0]);
    } else {
        plen = strlen(pos[0]);
        if (plen > sizeof pat) return cli_error(CLI_USAGE, "search: pattern longer than 4096 bytes");
        memcpy(pat, pos[0], plen);
    }
    if (!plen) return cli_error(CLI_USAGE, "search: empty pattern");
    if (npos == 3) {
        if ((why = cli_parse_u64(pos[1], &start))) return cli_error(CLI_USAGE, "search: START '%s': %s", pos[1], why);
        if ((why = cli_parse_len(pos[2], &len))) return cli_error(CLI_USAGE, "search: LEN '%s': %s", pos[2], why);
        if (len == 0) return cli_error(CLI_USAGE, "search: LEN must be at least 1 byte");
        if (start + (len - 1) < start)
            return cli_error(CLI_USAGE, "search: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                             (cli_ull)start, (cli_ull)len);
    } else if (virt) {
        return cli_error(CLI_USAGE, "search --virt needs START and LEN (a guest-virtual range)");
    }
    if (virt) {
        if ((rc = cli_virt_get(c, &vs)) != CLI_OK) return rc;
        t = &c->t;
    } else if ((rc = cli_target_get(c, &t)) != CLI_OK) {
        return rc;
    }
    /* what to scan: the target's ranges (address-contiguous ones joined, so a match may span
       them), cut to [START, START+LEN); guest-virtual ranges as given */
    spans = (uint64_t(*)[2])cli_alloc(((t->map ? t->map->count : 0) + 1) * sizeof *spans);
    {
        /* ends are exclusive; one that would be 2^64 is clamped to 2^64-1 */
        uint64_t lo = npos == 3 ? start : 0, hi = UINT64_MAX;
        if (npos == 3 && start + len > start) hi = start + len;
        if (virt || !t->map) {
            if (npos != 3) {
                free(spans);
                return cli_error(CLI_USAGE, "search: the target's memory map is unknown: give START and LEN");
            }
            spans[0][0] = lo;
            spans[0][1] = hi;
            nspans = 1;
        } else {
            for (k = 0; k < t->map->count; k++) {
                const memintro_range *r = &t->map->ranges[k];
                uint64_t a = r->start, b = r->start + r->size;
                if (b <= a) b = UINT64_MAX;
                if (a < lo) a = lo;
                if (b > hi) b = hi;
                if (a >= b) continue;
                if (nspans && spans[nspans - 1][1] == a) {
                    spans[nspans - 1][1] = b;
                } else {
                    spans[nspans][0] = a;
                    spans[nspans][1] = b;
                    nspans++;
                }
            }
        }
    }
    if (!nspans) {
        free(spans);
        return cli_error(CLI_FAIL, "search: 0x%llx-0x%llx holds none of the target's memory (see info)",
                         (cli_ull)start, (cli_ull)(start + len));
    }
    for (k = 0; k < nspans; k++) total += spans[k][1] - spans[k][0];
    memset(&sr, 0, sizeof sr);
    sr.max = (size_t)(max > 100000000 ? 100000000 : max);
    work = cli_alloc(work_size);
    cli_progress_begin(&prog, "search", total);
    if (total < (256u << 20)) prog.on = 0; /* a bar only for long scans */
    for (k = 0; k < nspans && !sr.full; k++) {
        uint64_t a = spans[k][0], end = spans[k][1];
        while (!sr.full && a < end) {
            uint64_t e = end - a > CLI_SEARCH_CHUNK ? a + CLI_SEARCH_CHUNK : end;
            /* scan a little past the chunk so a match that starts in it is seen whole; the
               callback drops matches that start at or after e (the next chunk's) */
            uint64_t se = e + (plen - 1);
            if (se > end || se < e) se = end;
            sr.limit = e;
            if (virt)
                memintro_scan_virt(vs, a, se, pat, masked ? mask : 0, plen, align, work, work_size, cli_search_hit,
                                   &sr);
            else
                memintro_scan_phys(t->phys, a, se, pat, masked ? mask : 0, plen, align, work, work_size,
                                   cli_search_hit, &sr);
            scanned += e - a;
            cli_progress_update(&prog, scanned);
            a = e;
        }
    }
    cli_progress_end(&prog, scanned);
    free(work);
    free(spans);
    /* what follows each match (one batch) */
    {
        uint8_t *ctx = (uint8_t *)cli_alloc(sr.n * CLI_SEARCH_CONTEXT + 1);
        memintro_op *ops = (memintro_op *)cli_alloc((sr.n + 1) * sizeof *ops);
        memset(ops, 0, (sr.n + 1) * sizeof *ops);
        for (k = 0; k < sr.n; k++) {
            ops[k].addr = sr.hit[k];
            ops[k].buf = ctx + k * CLI_SEARCH_CONTEXT;
            ops[k].len = CLI_SEARCH_CONTEXT;
        }
        if (sr.n) {
            if (virt)
                memintro_virt_read(vs, ops, sr.n);
            else
                memintro_phys_read(t->phys, ops, sr.n);
        }
        if (c->o.json) {
            printf("{\"pattern\":\"");
            for (k = 0; k < plen; k++) {
                if (masked && !mask[k])
                    printf("??");
                else
                    printf("%02x", pat[k]);
            }
            printf("\",\"length\":%llu,\"space\":\"%s\",\"scanned\":%llu,\"count\":%llu,\"truncated\":%s,\"matches\":[",
                   (cli_ull)plen, virt ? "virtual" : "physical", (cli_ull)scanned, (cli_ull)sr.n,
                   sr.full ? "true" : "false");
        }
        for (k = 0; k < sr.n; k++) {
            char text[CLI_SEARCH_CONTEXT + 1];
            size_t j, m = ops[k].len - ops[k].missing; /* a partial read fails at its tail */
            if (ops[k].status != MEMINTRO_OK && ops[k].missing == ops[k].len) m = 0;
            for (j = 0; j < m; j++) {
                uint8_t ch = ctx[k * CLI_SEARCH_CONTEXT + j];
                text[j] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
            }
            text[m] = 0;
            if (c->o.json) {
                printf("%s{\"address\":\"0x%llx\",\"context\":", k ? "," : "", (cli_ull)sr.hit[k]);
                cli_json_str(stdout, text);
                putchar('}');
            } else {
                printf("0x%llx  %s\n", (cli_ull)sr.hit[k], text);
            }
        }
        if (c->o.json) printf("]}\n");
        free(ctx);
        free(ops);
    }
    if (sr.full) fprintf(stderr, "memintro: search: stopped after %llu matches (--max N for more)\n", (cli_ull)sr.n);
    rc = sr.n ? CLI_OK : CLI_FAIL;
    if (!sr.n) {
        char h[32];
        fprintf(stderr, "memintro: search: no match in %s of %s memory\n", cli_human(scanned, h, sizeof h),
                virt ? "guest-virtual" : "guest-physical");
    }
    free(sr.hit);
    return rc;
}

/* ---- command: write ------------------------------------------------------------------- */

static int cmd_write(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2], *why;
    int npos = 0, virt = 0, i, rc;
    uint64_t addr;
    size_t n;
    uint8_t *bytes;
    memintro_op op;
    memintro_virt *v = 0;
    cli_target *t;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--virt"))
            virt = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_error(CLI_USAGE, "write: unknown option '%s'", argv[i]);
        else if (npos == 2)
            return cli_error(CLI_USAGE, "write: unexpected argument '%s'", argv[i]);
        else
            pos[npos++] = argv[i];
    }
    if (npos < 2)
        return cli_error(CLI_USAGE, "write: missing %s (usage: write [--virt] ADDR HEXBYTES)",
                         npos ? "HEXBYTES" : "ADDR");
    if ((why = cli_parse_u64(pos[0], &addr))) return cli_error(CLI_USAGE, "write: address '%s': %s", pos[0], why);
    bytes = (uint8_t *)cli_alloc(strlen(pos[1]) / 2 + 1);
    if ((why = cli_parse_hex(pos[1], bytes, 0, strlen(pos[1]) / 2 + 1, &n)) || !n) {
        free(bytes);
        return cli_error(CLI_USAGE, "write: bytes '%s': %s", pos[1], why ? why : "none given");
    }
    if (addr + (n - 1) < addr) {
        free(bytes);
        return cli_error(CLI_USAGE, "write: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                         (cli_ull)addr, (cli_ull)n);
    }
    rc = virt ? cli_virt_get(c, &v) : cli_target_get(c, &t);
    if (rc != CLI_OK) {
        free(bytes);
        return rc;
    }
    t = &c->t;
    if (!t->phys->write) {
        free(bytes);
        return cli_error(CLI_FAIL, "write: the target is read-only%s", !strcmp(t->connector, "qemu") ?
                         " (open it for writing: -c qemu:...,write)" : " (dumps and images are never written)");
    }
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = bytes;
    op.len = n;
    if (virt)
        memintro_virt_write(v, &op, 1);
    else
        memintro_phys_write(t->phys, &op, 1);
    free(bytes);
    if (op.status != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "write: %llu of %llu bytes at %s 0x%llx were not written: %s", (cli_ull)op.missing,
                         (cli_ull)n, virt ? "guest-virtual" : "guest-physical", (cli_ull)addr,
                         memintro_status_str(op.status));
    if (c->o.json)
        printf("{\"address\":\"0x%llx\",\"length\":%llu,\"space\":\"%s\"}\n", (cli_ull)addr, (cli_ull)n,
               virt ? "virtual" : "physical");
    else
        printf("wrote %llu byte%s at %s 0x%llx\n", (cli_ull)n, n == 1 ? "" : "s",
               virt ? "guest-virtual" : "guest-physical", (cli_ull)addr);
    return CLI_OK;
}

/* ---- commands and usage --------------------------------------------------------------- */

typedef struct cli_command {
    const char *name;
    const char *args; /* argument syntax for the usage text */
    const char *help; /* one line */
    int (*run)(cli_ctx *c, int argc, char **argv);
} cli_command;

/* Every command. Adding one = one entry here (and its run function). */
static const cli_command cli_commands[] = {
    {"targets", "", "list the QEMU VMs running on this host", cmd_targets},
    {"info", "", "what the target is: how its layout is\n"
                 "known, each guest-physical range and its\n"
                 "backing, CPUs and paging, format facts",
     cmd_info},
    {"read", "[--virt] ADDR LEN [-o FILE]", "hexdump LEN bytes at ADDR, or write them\nraw to FILE", cmd_read},
    {"translate", "VADDR...", "guest-virtual to guest-physical, one line\nper address", cmd_translate},
    {"search", "[--virt] [--hex] [--max N] [--align N] PATTERN [START LEN]",
     "find PATTERN (text; hex bytes with --hex,\n"
     "?? = any byte) in the target's memory, or\n"
     "in [START, START+LEN); prints each match's\n"
     "address and the text there; at most --max\n"
     "matches (default 100)",
     cmd_search},
    {"write", "[--virt] ADDR HEXBYTES", "write bytes (\"de ad be ef\") at ADDR; needs\n"
                                        "a VM opened with -c qemu:...,write",
     cmd_write},
    {"dump", "-o FILE [--force]", "write the target's memory as an ELF core\n"
                                  "(CPU notes when known); -o - for stdout;\n"
                                  "--force replaces an existing FILE",
     cmd_dump},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

/* Prints `text` at column `col`, continuation lines indented to the same column. */
static void cli_usage_text(FILE *f, const char *text, int col)
{
    for (; *text; text++) {
        fputc(*text, f);
        if (*text == '\n') fprintf(f, "%*s", col, "");
    }
    fputc('\n', f);
}

static void cli_usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: memintro [OPTIONS] COMMAND [ARGS]\n"
               "Reads the memory of a running QEMU virtual machine or of a memory snapshot.\n\n"
               "Target:\n");
    for (i = 0; i < CLI_NCONNECTORS; i++) {
        fprintf(f, "  -c %-24s ", cli_connectors[i].syntax);
        cli_usage_text(f, cli_connectors[i].help, 30);
    }
    fprintf(f, "  qemu OPTS, comma-separated:\n"
               "    name=NAME, pid=PID        which VM (default: the only one running)\n"
               "    qmp=unix:PATH|tcp:H:PORT  its QMP socket (default: the VM's first -qmp)\n"
               "    map=qmp|table             guest-physical layout from QMP only, or\n"
               "                              inferred from the machine type and RAM size\n"
               "                              (default: QMP, else inferred with a warning)\n"
               "    write                     allow writes to guest memory\n"
               "\nPaging (for guest-virtual addresses; default: the target's CPU 0, when known):\n"
               "  --arch MODE                 x86, pae, x86_64, la57 or aarch64\n"
               "  --dtb ADDR                  page-table root: CR3, or TTBR0_EL1 for aarch64\n"
               "  --ttbr1 ADDR                aarch64: TTBR1_EL1, for upper-half addresses\n"
               "  --granule 4k|16k|64k        aarch64: translation granule (default 4k)\n"
               "  --va-bits N                 aarch64: VA bits per half, 25..48 (default 48)\n"
               "\nOutput:\n"
               "  --json                      machine-readable output (JSON)\n"
               "  -h, --help                  this text\n"
               "  --version                   the version\n"
               "\nCommands:\n");
    for (i = 0; i < CLI_NCOMMANDS; i++) {
        char head[96];
        snprintf(head, sizeof head, "%s %s", cli_commands[i].name, cli_commands[i].args);
        if (strlen(head) > 34)
            fprintf(f, "  %s\n  %-34s ", head, "");
        else
            fprintf(f, "  %-34s ", head);
        cli_usage_text(f, cli_commands[i].help, 37);
    }
    fprintf(f, "\nADDR is guest-physical, or guest-virtual with --virt. Numbers are hex with 0x or\n"
               "decimal; LEN may end in k, M or G (powers of 1024); read reads at most 1G.\n"
               "translate prints 'VADDR -> PADDR (SIZE page, rw|ro user|kernel x|nx)', or\n"
               "'VADDR -> not mapped (level N)' (N counts tables from the leaf: 1 = PT/L3),\n"
               "'-> not canonical', '-> table unreadable: REASON (level N)'.\n"
               "read hexdumps 16 bytes a line; unreadable bytes show as ?? (zeros with -o;\n"
               "-o - writes the raw bytes to stdout).\n"
               "A live VM keeps running while memintro reads it (pause it with QMP \"stop\" for\n"
               "a consistent view). search without START LEN reads all of the target's memory.\n"
               "dump refuses to replace an existing FILE without --force. It writes\n"
               "FILE.partial-* first (mode 0600: it holds guest memory) and renames it when\n"
               "complete, so a failed or interrupted dump leaves no file behind.\n"
               "Exit status: 0 success; 1 an address did not translate, bytes could not be read,\n"
               "search found nothing, or the target failed; 2 bad usage.\n");
}

/* Matches option `name` at argv[*i]: "--name VALUE" or "--name=VALUE". Returns 1 and sets
   *val when it matches, 0 when not; -1 when the value is missing (error printed). */
static int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n)) return 0;
    if (a[n] == '=' && name[1] == '-') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n]) return 0;
    if (*i + 1 >= argc) {
        cli_error(CLI_USAGE, "%s needs a value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

/* Parses one global option at argv[*i]. Returns 1 if consumed, 0 if not a global option,
   or -(exit status) on an error (printed). */
static int cli_global(cli_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *val, *why;
    int m;
    if (!strcmp(a, "--json")) {
        o->json = 1;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "-c", &val)) || (m = cli_opt(argc, argv, i, "--connect", &val))) {
        if (m < 0) return -CLI_USAGE;
        o->connect = val;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--arch", &val))) {
        static const struct {
            const char *name;
            memintro_arch arch;
        } archs[] = {{"x86", MEMINTRO_ARCH_X86},       {"pae", MEMINTRO_ARCH_X86_PAE},
                     {"x86_64", MEMINTRO_ARCH_X86_64}, {"la57", MEMINTRO_ARCH_X86_64_LA57},
                     {"aarch64", MEMINTRO_ARCH_AARCH64}};
        size_t k;
        if (m < 0) return -CLI_USAGE;
        for (k = 0; k < sizeof archs / sizeof archs[0]; k++)
            if (!strcmp(val, archs[k].name)) {
                o->arch = archs[k].arch;
                o->arch_name = archs[k].name;
                return 1;
            }
        cli_error(CLI_USAGE, "unknown --arch '%s' (choose x86, pae, x86_64, la57 or aarch64)", val);
        return -CLI_USAGE;
    }
    if ((m = cli_opt(argc, argv, i, "--dtb", &val)) || (m = cli_opt(argc, argv, i, "--ttbr1", &val))) {
        int upper = !strncmp(a, "--ttbr1", 7);
        uint64_t x;
        if (m < 0) return -CLI_USAGE;
        if ((why = cli_parse_u64(val, &x))) {
            cli_error(CLI_USAGE, "%s '%s': %s", upper ? "--ttbr1" : "--dtb", val, why);
            return -CLI_USAGE;
        }
        if (upper) {
            o->ttbr1 = x;
            o->have_ttbr1 = 1;
        } else {
            o->dtb = x;
            o->have_dtb = 1;
        }
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--granule", &val))) {
        if (m < 0) return -CLI_USAGE;
        if (!strcmp(val, "4k") || !strcmp(val, "4K") || !strcmp(val, "4096"))
            o->granule = 4096;
        else if (!strcmp(val, "16k") || !strcmp(val, "16K") || !strcmp(val, "16384"))
            o->granule = 16384;
        else if (!strcmp(val, "64k") || !strcmp(val, "64K") || !strcmp(val, "65536"))
            o->granule = 65536;
        else {
            cli_error(CLI_USAGE, "unknown --granule '%s' (choose 4k, 16k or 64k)", val);
            return -CLI_USAGE;
        }
        o->have_granule = 1;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--va-bits", &val))) {
        uint64_t x;
        if (m < 0) return -CLI_USAGE;
        if ((why = cli_parse_u64(val, &x)) || x < 25 || x > 48) {
            cli_error(CLI_USAGE, "--va-bits '%s': %s", val, why ? why : "must be 25..48");
            return -CLI_USAGE;
        }
        o->va_bits = (uint32_t)x;
        o->have_va_bits = 1;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_ctx c;
    char **rest;
    int nrest = 0, i, rc;
    const cli_command *cmd = 0;
    const char *cmdname = 0;
    memset(&c, 0, sizeof c);
    rest = (char **)cli_alloc((size_t)(argc + 1) * sizeof *rest);
    /* Global options are accepted anywhere; the first other word is the command, and what
       follows it (its own options included) goes to the command. */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int g;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_usage(stdout);
            free(rest);
            return CLI_OK;
        }
        if (!strcmp(a, "--version")) {
            printf("memintro %d.%d\n", MEMINTRO_VERSION_MAJOR, MEMINTRO_VERSION_MINOR);
            free(rest);
            return CLI_OK;
        }
        if (cmdname && !strcmp(a, "--")) {
            for (; i < argc; i++) rest[nrest++] = argv[i];
            break;
        }
        g = cli_global(&c.o, argc, argv, &i);
        if (g < 0) {
            free(rest);
            return -g;
        }
        if (g) continue;
        if (!cmdname) {
            if (a[0] == '-' && a[1]) {
                free(rest);
                return cli_error(CLI_USAGE, "unknown option '%s' (see memintro --help)", a);
            }
            cmdname = a;
            continue;
        }
        rest[nrest++] = argv[i];
    }
    if (!cmdname) {
        free(rest);
        return cli_error(CLI_USAGE, "no command given (see memintro --help)");
    }
    for (i = 0; i < (int)CLI_NCOMMANDS; i++)
        if (!strcmp(cli_commands[i].name, cmdname)) cmd = &cli_commands[i];
    if (!cmd) {
        char known[256] = "";
        for (i = 0; i < (int)CLI_NCOMMANDS; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, cli_commands[i].name, sizeof known - strlen(known) - 1);
        }
        free(rest);
        return cli_error(CLI_USAGE, "unknown command '%s' (commands: %s)", cmdname, known);
    }
    /* Options for the other architecture are a usage error before anything is opened. */
    if (c.o.arch_name && c.o.arch != MEMINTRO_ARCH_AARCH64 &&
        (c.o.have_ttbr1 || c.o.have_granule || c.o.have_va_bits)) {
        free(rest);
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s",
                         c.o.arch_name);
    }
    rc = cmd->run(&c, nrest, rest);
    if (fflush(stdout) || ferror(stdout)) {
        if (rc == CLI_OK) rc = cli_error(CLI_FAIL, "cannot write the output: %s", strerror(errno));
    }
    if (c.target_open && c.t.close) c.t.close(&c.t);
    free(c.t.fact);
    free(c.t.range);
    free(c.scratch);
    free(c.tlb_entries);
    free(rest);
    return rc;
}
