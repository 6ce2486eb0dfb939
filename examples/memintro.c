/* memintro - the command-line tool: read guest memory through a connector.

   Shows the whole core at work: a connector opens a target and yields a physical-memory
   backend (memintro_phys); commands translate guest-virtual addresses and read guest
   memory through it, with a TLB and scratch on the heap (this program is hosted).

       build/memintro -c raw:IMAGE --arch x86_64 --dtb 0x1000 translate 0xffffffff81000000
       build/memintro -c raw:IMAGE --arch x86_64 --dtb 0x1000 read --virt 0xffffffff81000100 64
       build/memintro --help

   Extending it:
     - a connector is one entry of cli_connectors[]: a name (the text before the first ':'
       of -c) and an open function that fills a cli_target: the backend, its memory map,
       a one-line description and facts for `info`, paging facts it knows (arch, DTB) and
       a close function;
     - a command is one entry of cli_commands[]: a name, its argument syntax, one line of
       help and a run function that parses its arguments FIRST (usage errors before the
       target is touched), then asks for the target (cli_target_get) and, for guest-virtual
       work, the address space (cli_virt_get).
   Exit status: 0 success, 1 a runtime failure (target cannot be opened, an address did not
   translate, bytes could not be read), 2 a usage error. Every error is one line on stderr,
   "memintro: error: ...". */

#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"

#include <errno.h>
#include <fcntl.h>
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
    char key[32];
    char value[256];
} cli_fact;

/* What a connector yields. */
typedef struct cli_target cli_target;
struct cli_target {
    memintro_phys *phys;        /* guest-physical memory: every command reads through it */
    const memintro_memmap *map; /* its guest-physical ranges (info, later dump); NULL if unknown */
    const char *connector;      /* the connector's name */
    char what[512];             /* one line for info: what is open */
    char layout[256];           /* one line for info: how the guest-physical layout is known */
    cli_fact fact[16];          /* further facts for info (format, CPU count, ...) */
    size_t nfacts;
    /* paging facts the target knows (a dump's CR3, a VM's mode): used when --arch/--dtb
       are not given. arch == MEMINTRO_ARCH_NONE: unknown; has_dtb: dtb (and dtb_upper,
       granule, va_bits for AArch64) are known. */
    memintro_mmu_desc paging;
    int has_dtb;
    /* describes where range r lives (info "backing"); NULL: "offset 0x..." */
    void (*backing)(cli_target *t, const memintro_range *r, char *buf, size_t len);
    void (*close)(cli_target *t); /* releases everything open() took; may be NULL */
    void *state;                  /* the connector's own */
};

static void cli_target_fact(cli_target *t, const char *key, const char *fmt, ...) CLI_PRINTF(3, 4);
static void cli_target_fact(cli_target *t, const char *key, const char *fmt, ...)
{
    va_list ap;
    cli_fact *f;
    if (t->nfacts == sizeof t->fact / sizeof t->fact[0]) return;
    f = &t->fact[t->nfacts++];
    snprintf(f->key, sizeof f->key, "%s", key);
    va_start(ap, fmt);
    vsnprintf(f->value, sizeof f->value, fmt, ap);
    va_end(ap);
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

static void cli_raw_backing(cli_target *t, const memintro_range *r, char *buf, size_t len)
{
    (void)t;
    snprintf(buf, len, "file offset 0x%llx", (cli_ull)r->offset);
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
    t->backing = cli_raw_backing;
    snprintf(t->what, sizeof t->what, "raw image %s (%s), memory-mapped read-only", path, cli_human(size, h, sizeof h));
    snprintf(t->layout, sizeof t->layout, "byte N of the file is guest-physical address N");
    cli_target_fact(t, "format", "raw");
    return CLI_OK;
}

/* Every connector -c accepts. Adding one = one entry here (and its open function). */
static const cli_connector cli_connectors[] = {
    {"raw", "raw:PATH", "raw guest-physical image (file byte N = address N), mapped read-only",
     cli_raw_open},
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
    if (!spec) return cli_error(CLI_USAGE, "no target: choose one with -c (e.g. -c raw:PATH)");
    colon = strchr(spec, ':');
    nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    arg = colon ? colon + 1 : "";
    for (i = 0; i < CLI_NCONNECTORS; i++) {
        if (strlen(cli_connectors[i].name) != nlen || strncmp(cli_connectors[i].name, spec, nlen)) continue;
        memset(&c->t, 0, sizeof c->t);
        c->t.connector = cli_connectors[i].name;
        rc = cli_connectors[i].open(&c->t, arg);
        if (rc != CLI_OK) return rc;
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
    memset(&d, 0, sizeof d);
    d.arch = c->o.arch_name ? c->o.arch : t->paging.arch;
    if (d.arch == MEMINTRO_ARCH_NONE)
        return cli_error(CLI_USAGE, "guest-virtual addresses need a paging mode: give --arch "
                                    "x86|pae|x86_64|la57|aarch64");
    if (!c->o.have_dtb && !(t->has_dtb && t->paging.arch == d.arch))
        return cli_error(CLI_USAGE, "guest-virtual addresses need a page-table root: give --dtb ADDR (CR3, or "
                                    "TTBR0_EL1 for aarch64)");
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
    char h[32], back[256];
    int rc;
    if (argc) return cli_error(CLI_USAGE, "info: unexpected argument '%s'", argv[0]);
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    for (i = 0; t->map && i < t->map->count; i++) total += t->map->ranges[i].size;
    if (c->o.json) {
        printf("{\"connector\":");
        cli_json_str(stdout, t->connector);
        printf(",\"target\":");
        cli_json_str(stdout, t->what);
        printf(",\"layout\":");
        cli_json_str(stdout, t->layout);
        printf(",\"facts\":{");
        for (i = 0; i < t->nfacts; i++) {
            if (i) putchar(',');
            cli_json_str(stdout, t->fact[i].key);
            putchar(':');
            cli_json_str(stdout, t->fact[i].value);
        }
        printf("},\"ranges\":[");
    } else {
        printf("connector  %s\ntarget     %s\nlayout     %s\n", t->connector, t->what, t->layout);
        for (i = 0; i < t->nfacts; i++) printf("%-10s %s\n", t->fact[i].key, t->fact[i].value);
    }
    for (i = 0; t->map && i < t->map->count; i++) {
        const memintro_range *rg = &t->map->ranges[i];
        if (t->backing)
            t->backing(t, rg, back, sizeof back);
        else
            snprintf(back, sizeof back, "offset 0x%llx", (cli_ull)rg->offset);
        if (c->o.json) {
            printf("%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"size\":%llu,\"backing\":", i ? "," : "",
                   (cli_ull)rg->start, (cli_ull)(rg->start + rg->size), (cli_ull)rg->size);
            cli_json_str(stdout, back);
            putchar('}');
        } else {
            printf("range      0x%llx-0x%llx  %s  %s\n", (cli_ull)rg->start, (cli_ull)(rg->start + rg->size),
                   cli_human(rg->size, h, sizeof h), back);
        }
    }
    if (c->o.json)
        printf("],\"memory\":%llu}\n", (cli_ull)total);
    else
        printf("memory     %llu bytes (%s) in %llu range%s\n", (cli_ull)total, cli_human(total, h, sizeof h),
               (cli_ull)(t->map ? t->map->count : 0), t->map && t->map->count == 1 ? "" : "s");
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
    {"translate", "VADDR...", "guest-virtual to guest-physical, one line per address", cmd_translate},
    {"read", "[--virt] ADDR LEN [-o FILE]", "hexdump LEN bytes at ADDR, or write them raw to FILE", cmd_read},
    {"info", "", "what the target is, and its guest-physical ranges", cmd_info},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

static void cli_usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: memintro [OPTIONS] COMMAND [ARGS]\n"
               "Reads the memory of a virtual machine or a memory snapshot.\n\n"
               "Target:\n");
    for (i = 0; i < CLI_NCONNECTORS; i++)
        fprintf(f, "  -c %-24s %s\n", cli_connectors[i].syntax, cli_connectors[i].help);
    fprintf(f, "\nPaging (for guest-virtual addresses):\n"
               "  --arch MODE                 x86, pae, x86_64, la57 or aarch64\n"
               "  --dtb ADDR                  page-table root: CR3, or TTBR0_EL1 for aarch64\n"
               "  --ttbr1 ADDR                aarch64: TTBR1_EL1, for upper-half addresses\n"
               "  --granule 4k|16k|64k        aarch64: translation granule (default 4k)\n"
               "  --va-bits N                 aarch64: virtual address bits per half, 25..48 (default 48)\n"
               "\nOutput:\n"
               "  --json                      machine-readable output (JSON)\n"
               "  -h, --help                  this text\n"
               "  --version                   the version\n"
               "\nCommands:\n");
    for (i = 0; i < CLI_NCOMMANDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", cli_commands[i].name, cli_commands[i].args);
        fprintf(f, "  %-34s %s\n", head, cli_commands[i].help);
    }
    fprintf(f, "\nADDR is guest-physical, or guest-virtual with --virt. Numbers are hex with 0x or\n"
               "decimal; LEN may end in k, M or G (powers of 1024), at most 1G.\n"
               "translate prints 'VADDR -> PADDR (SIZE page, rw|ro user|kernel x|nx)', or\n"
               "'VADDR -> not mapped (level N)' (N counts tables from the leaf: 1 = PT/L3),\n"
               "'-> not canonical', '-> table unreadable: REASON (level N)'.\n"
               "read hexdumps 16 bytes a line; unreadable bytes show as ?? (zeros with -o;\n"
               "-o - writes the raw bytes to stdout).\n"
               "Exit status: 0 success; 1 an address did not translate, bytes could not be read,\n"
               "or the target failed; 2 bad usage.\n");
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
    if (c.o.arch_name && c.o.arch != MEMINTRO_ARCH_AARCH64 && (c.o.have_ttbr1 || c.o.have_granule || c.o.have_va_bits)) {
        free(rest);
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s",
                         c.o.arch_name);
    }
    rc = cmd->run(&c, nrest, rest);
    if (fflush(stdout) || ferror(stdout)) {
        if (rc == CLI_OK) rc = cli_error(CLI_FAIL, "cannot write the output: %s", strerror(errno));
    }
    if (c.target_open && c.t.close) c.t.close(&c.t);
    free(c.scratch);
    free(c.tlb_entries);
    free(rest);
    return rc;
}
