/* memintro_target.h - open any memory-introspection target from one connector string.

   One object for every target memintro reads: a running QEMU VM, a memory dump, a raw
   guest-physical image. memintro_target_open() turns a connector string into

     - the guest-physical backend (`phys`) and its memory map (`map`);
     - a one-line description, how the guest-physical layout is known (asked from QEMU over
       QMP, inferred from the machine type, the dump's own map, the file itself), and the
       ranges with what backs each one (finer than the map where the source knows more);
     - the CPU state of every vCPU the target knows (core type memintro_cpu): a dump's CPU
       notes at open, a live VM's registers over QMP on demand; CPU 0's paging description
       (CR3 and mode, or a Windows dump header's DirectoryTableBase) as the default address
       space, and where it came from, or why it is unknown;
     - the facts OS layers need: the VMCOREINFO text, a Windows crash dump's header fields, a
       kdump header, QEMU's pid, name and machine type; every fact also as printable
       name/value text in a stable order;
     - what an ELF core of the target needs (memintro_target_write_elf).

   Connector strings (memintro_target_connectors() lists them for usage text):
     qemu[:name=VM|pid=N][,qmp=unix:PATH|tcp:HOST:PORT][,map=qmp|table|auto][,write][,nozerocopy]
                    a running QEMU VM on this host (memintro_qemu.h); no options: the only VM
     dump:PATH      a memory dump, format detected: ELF core, kdump-compressed (also
                    flattened), Windows crash dump, LiME; anything else reads as a raw image
     raw:PATH[,base=ADDR]   a raw guest-physical image: file byte N is guest-physical
                    address base+N (base defaults to 0)
   A path may contain commas; only a trailing ",base=ADDR" is taken as an option.

   HOSTED: Linux (it builds on memintro_qemu.h and memintro_coredump.h).

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_TARGET_IMPLEMENTATION
         #include "memintro_target.h"
     That file also gets the implementations of memintro.h, memintro_qemu.h and
     memintro_coredump.h (it defines their IMPLEMENTATION macros) unless
     MEMINTRO_TARGET_NO_DEPS is defined too (then other files must provide them). The QEMU
     implementation needs _GNU_SOURCE: it is defined here when memintro_target.h is the first
     thing the file includes; otherwise put `#define _GNU_SOURCE` at the top of that file.
     Compressed kdump pages: unless one of MEMINTRO_COREDUMP_ZLIB/LZO/SNAPPY/ZSTD/DLOPEN is
     defined, MEMINTRO_COREDUMP_DLOPEN is (the libraries are loaded at run time when
     present; glibc >= 2.34 has dlopen in libc, older needs -ldl).
     Everywhere else just #include "memintro_target.h".

   CONFIGURATION (define before including the implementation)
     | macro                        | default  | meaning                                   |
     |------------------------------|----------|-------------------------------------------|
     | MEMINTRO_TARGET_MALLOC(n, u) | malloc(n)| allocation when options.allocator is unset|
     | MEMINTRO_TARGET_FREE(p, u)   | free(p)  | the matching release                      |
     | MEMINTRO_TARGET_MAX_CPUS     | 1024     | a live VM's vCPUs whose registers are kept|
     | MEMINTRO_TARGET_NO_DEPS      | undefined| do not compile the other headers' code    |
     The allocator in memintro_target_options is also handed to the backends.

   THIS LIBRARY DOES NOT
     - pause the VM by itself: reads of a live VM race with the guest (`live` is 1); use
       memintro_target_pause / memintro_target_resume around what must be consistent;
     - follow a VM's CPUs as they run: memintro_target_load_cpus reads them when called;
     - hold QEMU's QMP socket between calls (a QMP socket serves one client at a time);
     - reach other targets: QEMU processes on this host and files only (no gdbstub, no
       remote host, no other hypervisor);
     - write to dumps or images (they open read-only);
     - lock: one object per thread.

   REFERENCE (in the order declared below)
     memintro_target_open          open a connector string into a target
     memintro_target_close         release everything open took
     memintro_target_error         the last error message
     memintro_target_load_cpus     (re)read the vCPUs' registers (a live VM over QMP)
     memintro_target_pause/resume  stop / continue a live VM (QMP stop / cont)
     memintro_target_running       is a live VM running? (QMP query-status)
     memintro_target_fact_value    one printable fact by name
     memintro_target_write_elf/_fd write an ELF core of the target (memory, CPUs, VMCOREINFO)
     memintro_target_connectors    the connectors (name, syntax, help) for usage text
     memintro_target_kind_name     "qemu", "dump", "raw"
     memintro_target_layout_name   "qmp", "inferred", "dump", "file"

   EXAMPLE (compiled by tests/test_target.c)

       memintro_target t;
       uint8_t page[4096];
       size_t i;
       if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
           fprintf(stderr, "%s: %s\n", spec, memintro_target_error(&t));
           return t.bad_spec ? 2 : 1;
       }
       printf("%s\n%s\n", t.description, t.layout_text);
       for (i = 0; i < t.range_count; i++)
           printf("0x%llx-0x%llx %s\n", (unsigned long long)t.ranges[i].start,
                  (unsigned long long)t.ranges[i].end, t.ranges[i].backing);
       memintro_target_load_cpus(&t);
       if (t.has_paging)
           printf("%s, DTB 0x%llx (%s)\n", memintro_arch_describe(t.paging.arch),
                  (unsigned long long)t.paging.dtb, t.paging_source);
       if (memintro_phys_read1(t.phys, 0x1000, page, sizeof page) == MEMINTRO_OK)
           printf("0x1000: %02x\n", page[0]);
       memintro_target_close(&t);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_TARGET_H
#define MEMINTRO_TARGET_H

#if defined(MEMINTRO_TARGET_IMPLEMENTATION) && !defined(MEMINTRO_TARGET_NO_DEPS)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef MEMINTRO_IMPLEMENTATION
#define MEMINTRO_IMPLEMENTATION
#endif
#ifndef MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#endif
#ifndef MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#endif
#if !defined(MEMINTRO_COREDUMP_ZLIB) && !defined(MEMINTRO_COREDUMP_LZO) && !defined(MEMINTRO_COREDUMP_SNAPPY) && \
    !defined(MEMINTRO_COREDUMP_ZSTD) && !defined(MEMINTRO_COREDUMP_DLOPEN)
#define MEMINTRO_COREDUMP_DLOPEN
#endif
#endif

#include "memintro.h"
#include "memintro_qemu.h"
#include "memintro_coredump.h"

#define MEMINTRO_TARGET_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_TARGET_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* What kind of target is open. */
typedef enum memintro_target_kind {
    MEMINTRO_TARGET_NONE = 0, /* not open */
    MEMINTRO_TARGET_QEMU,     /* a running QEMU VM */
    MEMINTRO_TARGET_DUMP,     /* a memory dump file */
    MEMINTRO_TARGET_RAW,      /* a raw guest-physical image */
    MEMINTRO__TARGET_KIND_FORCE32 = 0x7fffffff
} memintro_target_kind;

/* How the guest-physical layout (the map) is known. */
typedef enum memintro_target_layout {
    MEMINTRO_TARGET_LAYOUT_NONE = 0,  /* not open */
    MEMINTRO_TARGET_LAYOUT_QMP,       /* asked from QEMU itself (info mtree -f, gpa2hva) */
    MEMINTRO_TARGET_LAYOUT_INFERRED,  /* inferred from QEMU's machine type and RAM size */
    MEMINTRO_TARGET_LAYOUT_DUMP,      /* the dump's own memory map */
    MEMINTRO_TARGET_LAYOUT_FILE,      /* the file is the memory (raw image) */
    MEMINTRO__TARGET_LAYOUT_FORCE32 = 0x7fffffff
} memintro_target_layout;

/* memintro_target_options.flags */
#define MEMINTRO_TARGET_WRITE 0x1u         /* allow writes to guest memory (a live VM; same
                                              as ",write" in the string) */
#define MEMINTRO_TARGET_NO_MMAP 0x2u       /* dump/raw files: read with pread, never mmap
                                              (files that may shrink while open) */
#define MEMINTRO_TARGET_ZERO_EXCLUDED 0x4u /* dumps: memory the dump says exists but did not
                                              save reads as zeros (MEMINTRO_COREDUMP_ZERO_EXCLUDED) */
#define MEMINTRO_TARGET_NO_ZERO_COPY 0x8u  /* live VMs: never map guest RAM (process_vm_readv) */

/* Open options. A zeroed struct (or NULL) means the defaults. */
typedef struct memintro_target_options {
    memintro_allocator allocator; /* both functions or neither (MEMINTRO_TARGET_MALLOC/FREE) */
    uint32_t flags;               /* MEMINTRO_TARGET_* */
    int qmp_timeout_ms;           /* per QMP reply; 0: the QEMU backend's default */
} memintro_target_options;

/* One printable fact, e.g. {"cpu0.cr3", "0x10a4000"}, {"machine", "pc-q35-7.2"}. */
typedef struct memintro_target_fact {
    char name[48];
    char value[320];
} memintro_target_fact;

/* memintro_target_range.flags */
#define MEMINTRO_TARGET_RANGE_ZEROS 0x1u  /* memory the source did not save: reads as zeros */
#define MEMINTRO_TARGET_RANGE_DEVICE 0x2u /* device memory or firmware (VRAM, ROM), not RAM */

/* One guest-physical range [start, end) and what backs it, e.g. "pc.ram+0x0 ram,
   anonymous, host 0x7f..." or "file offset 0x1000" or "kdump pages". */
typedef struct memintro_target_range {
    uint64_t start, end;
    uint32_t flags;     /* MEMINTRO_TARGET_RANGE_* */
    uint32_t reserved;
    char backing[224];
} memintro_target_range;

/* A connector for usage text. */
typedef struct memintro_target_connector {
    const char *name;   /* "qemu", "dump", "raw" */
    const char *syntax; /* e.g. "raw:PATH[,base=ADDR]" */
    const char *help;   /* one line */
} memintro_target_connector;

struct memintro__target_state;

/* An open target. Plain data: place it anywhere; memintro_target_open fills it. Every
   pointer stays valid until memintro_target_close, except that memintro_target_load_cpus
   replaces cpus, dump_facts and facts (it adds the vCPU facts): read them from the object
   again after it. */
typedef struct memintro_target {
    /* memory */
    memintro_phys *phys;           /* guest-physical memory: pass it to readers */
    const memintro_memmap *map;    /* its guest-physical ranges, sorted */
    memintro_target_kind kind;
    const char *connector;         /* "qemu", "dump", "raw" */
    const char *spec;              /* the connector string as given (a copy) */
    char description[512];         /* one line: what is open */
    memintro_target_layout layout; /* how the map is known */
    char layout_text[1024];        /* one line: the same in words, with its source */
    const memintro_target_fact *facts; /* printable facts, stable order */
    size_t fact_count;
    const memintro_target_range *ranges; /* the map with what backs each range */
    size_t range_count;
    uint64_t ram_size;             /* bytes of guest memory (QEMU: guest RAM; files: the map) */
    int writable;                  /* phys.write works */
    int live;                      /* a running VM: reads race with the guest */
    const char *warning;           /* one line worth showing the user (QMP was not used,
                                      ...), NULL if none */

    /* CPU state: a file's at open, a live VM's after memintro_target_load_cpus */
    const memintro_cpu *cpus;      /* the vCPUs whose registers are known, by index */
    size_t cpu_count;
    uint32_t cpus_total;           /* vCPUs the guest has when known (>= cpu_count), else 0 */
    int cpus_loaded;               /* 1 once CPU state was read (or tried) */
    char cpu_source[128];          /* where the registers came from, "" if none */
    char cpu_note[512];            /* why the CPU state or paging is unknown, "" if known */
    memintro_mmu_desc paging;      /* CPU 0's paging (dtb as the register holds it; the core
                                      masks its low bits: memintro_mmu_root) */
    int has_paging;                /* paging.arch and paging.dtb are known */
    char paging_source[256];       /* e.g. "CPU 0's CR3 (QMP info registers)" */

    /* facts for OS layers (NULL / 0 when the target does not have them) */
    const char *vmcoreinfo;        /* VMCOREINFO text, NUL-terminated */
    size_t vmcoreinfo_size;        /* its length without the NUL */
    const memintro_coredump_windows *windows; /* a Windows crash dump's header */
    const memintro_coredump_kdump *kdump;     /* a kdump-compressed file's header */
    const memintro_coredump_facts *dump_facts; /* CPU notes and VMCOREINFO, as the ELF writer
                                                  takes them (live VM: after load_cpus) */
    int pid;                       /* QEMU's pid, else 0 */
    const char *vm_name;           /* QEMU's -name ("" if none), else NULL */
    const char *machine;           /* QEMU's machine type, else NULL */
    const char *qmp;               /* QMP address used or tried ("" if none), else NULL */
    const char *path;              /* the dump or image file, else NULL */
    uint64_t file_size;            /* its size in bytes, else 0 */

    /* the backend object, for what only it offers (NULL unless that kind) */
    memintro_qemu *qemu;           /* kind QEMU */
    memintro_coredump *dump;       /* kind DUMP or RAW */

    /* failure */
    int bad_spec;                  /* open failed because the connector string is malformed
                                      (unknown connector or key, no path): a usage error */
    char error[1024];              /* one line: the last failure, "" if none */
    struct memintro__target_state *state; /* private */
} memintro_target;

/* Opens the target named by `spec` (o may be NULL). Returns MEMINTRO_OK; on failure
   t->error names the problem in one line, nothing stays allocated (memintro_target_close
   is still allowed) and:
     MEMINTRO_E_INVALID   with t->bad_spec = 1: a malformed string (unknown connector - the
                          message lists the known ones -, unknown key, no path, bad number);
                          also (bad_spec = 0) a bad allocator or several VMs matching;
     otherwise the backend's status: MEMINTRO_E_NOTFOUND (no such file or VM),
     E_PERMISSION, E_FORMAT (a damaged dump), E_UNSUPPORTED (a directory, a FIFO, a
     socket: not a file; write access to a file; a dump variant not read), E_IO, E_GONE,
     E_NOSPACE (allocation). */
MEMINTRO_API memintro_status memintro_target_open(memintro_target *t, const char *spec,
                                                  const memintro_target_options *o);
/* Closes the backend and frees everything open took; t is zeroed except error. Safe on a
   failed or closed target. */
MEMINTRO_API void memintro_target_close(memintro_target *t);
/* The last failure's message (open, load_cpus, pause, write_elf, or the backend's last
   failed read), one line; "" if none. */
MEMINTRO_API const char *memintro_target_error(const memintro_target *t);

/* Reads the vCPUs' registers: a live VM's over QMP (every call: they change as the guest
   runs; the previous cpus array is freed), a file's were read at open (returns at once).
   Sets cpus, cpu_count, cpu_source, paging, has_paging, paging_source, dump_facts and
   cpus_loaded; cpu_note says why what is missing is missing. Returns MEMINTRO_OK when
   registers of at least one CPU are known; MEMINTRO_E_NOTFOUND when the target holds none
   (cpu_note says why); MEMINTRO_E_IO / E_UNSUPPORTED when QMP cannot be asked;
   MEMINTRO_E_GONE when the VM exited. */
MEMINTRO_API memintro_status memintro_target_load_cpus(memintro_target *t);

/* Stops (pause) or continues (resume) a live VM's vCPUs over QMP. Returns MEMINTRO_OK;
   MEMINTRO_E_UNSUPPORTED for files or without QMP; E_IO, E_GONE. */
MEMINTRO_API memintro_status memintro_target_pause(memintro_target *t);
MEMINTRO_API memintro_status memintro_target_resume(memintro_target *t);
/* Sets *running to 1 when a live VM's vCPUs run, 0 when paused (QMP query-status).
   Returns MEMINTRO_OK; MEMINTRO_E_UNSUPPORTED for files or without QMP; E_IO, E_GONE. */
MEMINTRO_API memintro_status memintro_target_running(memintro_target *t, int *running);

/* The value of the printable fact `name`, or NULL when the target has no such fact. */
MEMINTRO_API const char *memintro_target_fact_value(const memintro_target *t, const char *name);

/* Writes an ELF core of the target to `path` (created or truncated; removed on failure):
   its memory map, the CPU notes (a live VM's registers are read first when not loaded
   yet; a target without CPU state gets none) and VMCOREINFO. o and r may be NULL. Returns
   what memintro_coredump_write_elf returns; t->error says why it failed. */
MEMINTRO_API memintro_status memintro_target_write_elf(memintro_target *t, const char *path,
                                                       const memintro_coredump_write_options *o,
                                                       memintro_coredump_write_result *r);
/* The same to an open file descriptor (a pipe, a device, a file the caller names and
   cleans up itself), written strictly front to back. */
MEMINTRO_API memintro_status memintro_target_write_elf_fd(memintro_target *t, int fd,
                                                          const memintro_coredump_write_options *o,
                                                          memintro_coredump_write_result *r);

/* The built-in connectors (count gets how many). */
MEMINTRO_API const memintro_target_connector *memintro_target_connectors(size_t *count);
/* "none", "qemu", "dump", "raw". */
MEMINTRO_API const char *memintro_target_kind_name(memintro_target_kind k);
/* "none", "qmp", "inferred", "dump", "file". */
MEMINTRO_API const char *memintro_target_layout_name(memintro_target_layout l);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_TARGET_H */

/* =====================================================================================
   Implementation. Stop reading here if you only want the API.
   ===================================================================================== */

#ifdef MEMINTRO_TARGET_IMPLEMENTATION
#ifndef MEMINTRO_TARGET_IMPLEMENTATION_INCLUDED
#define MEMINTRO_TARGET_IMPLEMENTATION_INCLUDED

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MEMINTRO_TARGET_MALLOC
#define MEMINTRO_TARGET_MALLOC(n, u) ((void)(u), malloc(n))
#endif
#ifndef MEMINTRO_TARGET_FREE
#define MEMINTRO_TARGET_FREE(p, u) ((void)(u), free(p))
#endif
#ifndef MEMINTRO_TARGET_MAX_CPUS
#define MEMINTRO_TARGET_MAX_CPUS 1024
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__TG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MEMINTRO__TG_PRINTF(f, a)
#endif
#define MEMINTRO__TG_ULL(x) ((unsigned long long)(x))

#ifdef MEMINTRO_STATIC
#define MEMINTRO__TGDEF static
#else
#define MEMINTRO__TGDEF
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct memintro__target_state {
    memintro_allocator al;
    char *spec;                        /* copy of the connector string */
    char *path;                        /* file connectors: the path */
    memintro_target_fact *facts;
    size_t nfacts, capfacts, base_facts; /* base_facts: facts that do not come from CPUs */
    memintro_target_range *ranges;
    size_t nranges, capranges;
    /* kind QEMU */
    memintro_qemu q;
    memintro_qemu_options qo;
    char *qspec;                       /* qo's strings point into it */
    int qemu_open;
    /* kind DUMP / RAW */
    memintro_coredump d;
    memintro_coredump_options dopt;
    int dump_open;
    /* CPU state */
    memintro_cpu *cpus;                /* a live VM's registers (a dump's stay in the dump) */
    size_t ncpus;
    memintro_coredump_facts efacts;    /* a live VM's facts for the ELF writer */
};
typedef struct memintro__target_state memintro__tg_state;

/* ---- allocation, messages ---- */

static void *memintro__tg_alloc(const memintro_allocator *al, size_t n)
{
    if (al->alloc) return al->alloc(al->user, n ? n : 1);
    return MEMINTRO_TARGET_MALLOC(n ? n : 1, al->user);
}

static void memintro__tg_free(const memintro_allocator *al, void *p)
{
    if (!p) return;
    if (al->free)
        al->free(al->user, p);
    else
        MEMINTRO_TARGET_FREE(p, al->user);
}

/* The QEMU backend's allocator calls back into the target's. */
static char *memintro__tg_strdup(const memintro_allocator *al, const char *s, size_t min)
{
    size_t n = strlen(s) + 1;
    char *p = (char *)memintro__tg_alloc(al, n < min ? min : n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Makes buf one line: newlines and tabs become spaces, trailing spaces go. */
static void memintro__tg_oneline(char *buf)
{
    size_t i;
    for (i = 0; buf[i]; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
    while (i > 0 && buf[i - 1] == ' ') buf[--i] = 0;
}

/* snprintf into a fixed field (text longer than the field is cut). */
static void memintro__tg_set(char *buf, size_t size, const char *fmt, ...) MEMINTRO__TG_PRINTF(3, 4);
static void memintro__tg_set(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static memintro_status memintro__tg_fail(memintro_target *t, memintro_status s, const char *fmt, ...)
    MEMINTRO__TG_PRINTF(3, 4);
static memintro_status memintro__tg_fail(memintro_target *t, memintro_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof t->error, fmt, ap);
    va_end(ap);
    memintro__tg_oneline(t->error);
    return s;
}

static const char *memintro__tg_human(uint64_t n, char *buf, size_t len)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    unsigned u = 0;
    uint64_t whole = n, frac = 0;
    while (whole >= 1024 && u < 5) {
        frac = whole & 1023;
        whole >>= 10;
        u++;
    }
    if (!u)
        snprintf(buf, len, "%llu bytes", MEMINTRO__TG_ULL(n));
    else if (frac)
        snprintf(buf, len, "%.1f %s", (double)whole + (double)frac / 1024.0, unit[u]);
    else
        snprintf(buf, len, "%llu %s", MEMINTRO__TG_ULL(whole), unit[u]);
    return buf;
}

/* Grows an array of `elem`-byte entries holding *n of *cap. Returns 0 when out of memory. */
static int memintro__tg_grow(memintro__tg_state *st, void **arr, size_t *cap, size_t n, size_t elem)
{
    size_t nc;
    void *p;
    if (n < *cap) return 1;
    nc = *cap ? *cap * 2 : 32;
    p = memintro__tg_alloc(&st->al, nc * elem);
    if (!p) return 0;
    if (*arr) {
        memcpy(p, *arr, n * elem);
        memintro__tg_free(&st->al, *arr);
    }
    *arr = p;
    *cap = nc;
    return 1;
}

static void memintro__tg_sync(memintro_target *t)
{
    memintro__tg_state *st = t->state;
    t->facts = st->facts;
    t->fact_count = st->nfacts;
    t->ranges = st->ranges;
    t->range_count = st->nranges;
}

/* Adds a printable fact (dropped when out of memory: facts are for display). */
static void memintro__tg_fact(memintro_target *t, const char *name, const char *fmt, ...) MEMINTRO__TG_PRINTF(3, 4);
static void memintro__tg_fact(memintro_target *t, const char *name, const char *fmt, ...)
{
    memintro__tg_state *st = t->state;
    memintro_target_fact *f;
    va_list ap;
    if (!memintro__tg_grow(st, (void **)&st->facts, &st->capfacts, st->nfacts, sizeof *st->facts)) return;
    f = &st->facts[st->nfacts++];
    snprintf(f->name, sizeof f->name, "%s", name);
    va_start(ap, fmt);
    vsnprintf(f->value, sizeof f->value, fmt, ap);
    va_end(ap);
    memintro__tg_oneline(f->value);
    memintro__tg_sync(t);
}

static void memintro__tg_range(memintro_target *t, uint64_t start, uint64_t end, uint32_t flags, const char *fmt, ...)
    MEMINTRO__TG_PRINTF(5, 6);
static void memintro__tg_range(memintro_target *t, uint64_t start, uint64_t end, uint32_t flags, const char *fmt, ...)
{
    memintro__tg_state *st = t->state;
    memintro_target_range *r;
    va_list ap;
    if (!memintro__tg_grow(st, (void **)&st->ranges, &st->capranges, st->nranges, sizeof *st->ranges)) return;
    r = &st->ranges[st->nranges++];
    memset(r, 0, sizeof *r);
    r->start = start;
    r->end = end;
    r->flags = flags;
    va_start(ap, fmt);
    vsnprintf(r->backing, sizeof r->backing, fmt, ap);
    va_end(ap);
    memintro__tg_sync(t);
}

/* ---- CPU state ---- */

/* Sets the target's paging from CPU 0 (by index) of t->cpus. Returns 1 when known. */
static int memintro__tg_paging_from_cpu0(memintro_target *t, const char *where)
{
    size_t i;
    memintro_mmu_desc d;
    for (i = 0; i < t->cpu_count; i++) {
        memintro_status s;
        if (t->cpus[i].index != 0) continue;
        memset(&d, 0, sizeof d);
        s = memintro_cpu_mmu(&t->cpus[i], &d);
        if (s != MEMINTRO_OK) {
            memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "%s",
                     s == MEMINTRO_E_NOTFOUND ? "CPU 0 runs with paging off (or its control registers are unknown)"
                                              : "CPU 0's paging setting is not one memintro walks");
            return 0;
        }
        t->paging = d;
        t->has_paging = 1;
        memintro__tg_set(t->paging_source, sizeof t->paging_source, "CPU 0's %s (%s)",
                 d.arch == MEMINTRO_ARCH_AARCH64 ? "TTBR0/TTBR1" : "CR3", where);
        return 1;
    }
    memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "the registers of CPU 0 are not known");
    return 0;
}

/* Printable facts for every CPU: cpuN.mode, cpuN.cr3, cpuN.rip. */
static void memintro__tg_cpu_facts(memintro_target *t)
{
    size_t i;
    for (i = 0; i < t->cpu_count; i++) {
        const memintro_cpu *c = &t->cpus[i];
        memintro_mmu_desc d;
        char k[48];
        unsigned idx = (unsigned)c->index;
        if (c->flags & MEMINTRO_CPU_SYSTEM) {
            memset(&d, 0, sizeof d);
            snprintf(k, sizeof k, "cpu%u.mode", idx);
            memintro__tg_fact(t, k, "%s",
                              memintro_cpu_mmu(c, &d) == MEMINTRO_OK ? memintro_arch_describe(d.arch) : "no paging");
            snprintf(k, sizeof k, "cpu%u.cr3", idx);
            memintro__tg_fact(t, k, "0x%llx", MEMINTRO__TG_ULL(c->cr[3]));
        }
        if (c->flags & MEMINTRO_CPU_GPRS) {
            snprintf(k, sizeof k, "cpu%u.rip", idx);
            memintro__tg_fact(t, k, "0x%llx", MEMINTRO__TG_ULL(c->rip));
        }
    }
}

static void memintro__tg_drop_cpus(memintro_target *t)
{
    memintro__tg_state *st = t->state;
    memintro__tg_free(&st->al, st->cpus);
    st->cpus = 0;
    st->ncpus = 0;
    st->nfacts = st->base_facts;
    t->cpus = 0;
    t->cpu_count = 0;
    t->cpu_source[0] = 0;
    t->cpu_note[0] = 0;
    t->has_paging = 0;
    memset(&t->paging, 0, sizeof t->paging);
    t->paging_source[0] = 0;
    memintro__tg_sync(t);
}

/* ---- file connectors: dump:PATH and raw:PATH[,base=ADDR] ---- */

/* Refuses what is not a regular file or block device before opening it (a FIFO would
   block the open until a writer came). */
static memintro_status memintro__tg_check_file(memintro_target *t, const char *path)
{
    struct stat sb;
    const char *what;
    if (stat(path, &sb) != 0) {
        int e = errno;
        return memintro__tg_fail(t,
                                 e == ENOENT || e == ENOTDIR ? MEMINTRO_E_NOTFOUND
                                 : e == EACCES || e == EPERM ? MEMINTRO_E_PERMISSION
                                                             : MEMINTRO_E_IO,
                                 "cannot open %s: %s", path, strerror(e));
    }
    if (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode)) return MEMINTRO_OK;
    what = S_ISDIR(sb.st_mode)    ? "a directory"
           : S_ISFIFO(sb.st_mode) ? "a FIFO"
           : S_ISCHR(sb.st_mode)  ? "a character device"
                                  : "a socket or other special file";
    return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s is %s, not a memory dump or image%s", path, what,
                             S_ISFIFO(sb.st_mode) ? " (save the stream to a file first)" : "");
}

static memintro_status memintro__tg_open_file(memintro_target *t, const char *arg, int raw,
                                              const memintro_target_options *o)
{
    memintro__tg_state *st = t->state;
    memintro_coredump *d = &st->d;
    const memintro_coredump_facts *f;
    memintro_status s;
    uint64_t base = 0;
    char h[32];
    size_t i, n = strlen(arg);
    if (raw) {
        /* a trailing ",base=ADDR" */
        const char *p = 0, *q = arg;
        while ((q = strstr(q, ",base=")) != 0) p = q++;
        if (p) {
            size_t used, len = strlen(p + 6);
            used = memintro_parse_u64(p + 6, len, &base);
            if (!used || used != len)
                return t->bad_spec = 1, memintro__tg_fail(t, MEMINTRO_E_INVALID,
                                                          "raw: base=%s is not an address (0x-hex or decimal)", p + 6);
            n = (size_t)(p - arg);
        }
    }
    if (!n) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "connector %s: no file given (%s)", raw ? "raw" : "dump",
                                 raw ? "raw:PATH[,base=ADDR]" : "dump:PATH");
    }
    st->path = (char *)memintro__tg_alloc(&st->al, n + 1);
    if (!st->path) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    memcpy(st->path, arg, n);
    st->path[n] = 0;
    if (o->flags & MEMINTRO_TARGET_WRITE)
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s: dump files and images open read-only", st->path);
    s = memintro__tg_check_file(t, st->path);
    if (s != MEMINTRO_OK) return s;
    memset(&st->dopt, 0, sizeof st->dopt);
    st->dopt.format = raw ? MEMINTRO_COREDUMP_RAW : MEMINTRO_COREDUMP_DETECT;
    st->dopt.raw_base = base;
    if (o->flags & MEMINTRO_TARGET_ZERO_EXCLUDED) st->dopt.flags |= MEMINTRO_COREDUMP_ZERO_EXCLUDED;
    if (o->flags & MEMINTRO_TARGET_NO_MMAP) {
#ifdef MEMINTRO_COREDUMP_NO_MMAP
        st->dopt.flags |= MEMINTRO_COREDUMP_NO_MMAP;
#else
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s: this build reads dump files only through mmap",
                                 st->path);
#endif
    }
    if (st->al.alloc) st->dopt.allocator = &st->al;
    s = memintro_coredump_open(d, st->path, &st->dopt);
    if (s != MEMINTRO_OK) {
        const char *m = memintro_coredump_error(d);
        if (!m[0]) m = memintro_status_str(s);
        if (strstr(m, st->path))
            memintro__tg_fail(t, s, "%s", m);
        else
            memintro__tg_fail(t, s, "%s: %s", st->path, m);
        memintro_coredump_close(d);
        return s;
    }
    st->dump_open = 1;
    f = &d->facts;
    t->kind = raw ? MEMINTRO_TARGET_RAW : MEMINTRO_TARGET_DUMP;
    t->phys = &d->phys;
    t->map = &d->map;
    t->dump = d;
    t->path = st->path;
    t->file_size = f->file_size;
    t->ram_size = f->memory_size;
    t->dump_facts = f;
    t->vmcoreinfo = f->vmcoreinfo;
    t->vmcoreinfo_size = f->vmcoreinfo ? f->vmcoreinfo_size : 0;
    t->windows = f->has_windows ? &f->windows : 0;
    t->kdump = f->has_kdump ? &f->kdump : 0;
    if (raw) {
        memintro__tg_set(t->description, sizeof t->description, "raw image %s (%s), read-only", st->path,
                 memintro__tg_human(f->file_size, h, sizeof h));
        t->layout = MEMINTRO_TARGET_LAYOUT_FILE;
        if (base)
            memintro__tg_set(t->layout_text, sizeof t->layout_text, "byte N of the file is guest-physical address 0x%llx+N",
                     MEMINTRO__TG_ULL(base));
        else
            memintro__tg_set(t->layout_text, sizeof t->layout_text, "byte N of the file is guest-physical address N");
    } else {
        memintro__tg_set(t->description, sizeof t->description, "%s: %s, %s", st->path, d->description,
                 memintro__tg_human(f->file_size, h, sizeof h));
        t->layout = MEMINTRO_TARGET_LAYOUT_DUMP;
        memintro__tg_set(t->layout_text, sizeof t->layout_text,
                 "the dump's own memory map (%llu range%s); addresses it does not hold are holes",
                 MEMINTRO__TG_ULL(d->map.count), d->map.count == 1 ? "" : "s");
    }
    for (i = 0; i < d->fact_count; i++) memintro__tg_fact(t, d->fact_list[i].name, "%s", d->fact_list[i].value);
    if (f->vmcoreinfo && f->vmcoreinfo_size) {
        /* the first lines of the VMCOREINFO text, as the guest wrote them */
        char first[300];
        size_t k, m = 0, lines = 0;
        for (k = 0; k < f->vmcoreinfo_size && lines < 3 && m + 3 < sizeof first; k++) {
            char ch = f->vmcoreinfo[k];
            if (ch == '\n') {
                lines++;
                if (lines < 3 && k + 1 < f->vmcoreinfo_size) {
                    first[m++] = ';';
                    first[m++] = ' ';
                }
                continue;
            }
            first[m++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
        }
        first[m] = 0;
        memintro__tg_fact(t, "vmcoreinfo.head", "%s", first);
    }
    for (i = 0; i < d->map.count; i++) {
        const memintro_range *r = &d->map.ranges[i];
        uint64_t avail;
        if (d->format == MEMINTRO_COREDUMP_KDUMP)
            memintro__tg_range(t, r->start, r->start + r->size, 0, "kdump pages");
        else if (r->offset >= f->file_size)
            memintro__tg_range(t, r->start, r->start + r->size, MEMINTRO_TARGET_RANGE_ZEROS,
                               "zeros (memory the dump did not save)");
        else
            memintro__tg_range(t, r->start, r->start + r->size, 0, "%s 0x%llx",
                               memintro_coredump_ptr(d, r->start, &avail) ? "file offset" : "offset",
                               MEMINTRO__TG_ULL(r->offset));
    }
    st->base_facts = st->nfacts;
    /* CPU state: the dump's notes, else a Windows header's DirectoryTableBase */
    t->cpus_loaded = 1;
    t->cpus_total = f->cpu_count;
    if (f->cpu_state_count && f->cpus) {
        t->cpus = f->cpus;
        t->cpu_count = f->cpu_state_count;
        if (t->cpus_total < t->cpu_count) t->cpus_total = (uint32_t)t->cpu_count;
        memintro__tg_set(t->cpu_source, sizeof t->cpu_source, "%s",
                 f->qemu ? "QEMU CPU-state notes in the dump" : "CPU notes in the dump");
    }
    if (t->cpu_count && memintro__tg_paging_from_cpu0(t, t->cpu_source)) {
        /* CPU 0's registers */
    } else if (f->has_windows && f->mode != MEMINTRO_ARCH_NONE) {
        t->paging.arch = f->mode;
        t->paging.flags = f->mmu_flags;
        t->paging.dtb = f->dtb;
        t->has_paging = 1;
        t->cpu_note[0] = 0;
        memintro__tg_set(t->paging_source, sizeof t->paging_source, "the crash dump header's DirectoryTableBase");
    } else if (!t->cpu_count) {
        memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "%s", raw ? "a raw image holds no CPU state"
                                                            : "the dump holds no CPU state");
    }
    return MEMINTRO_OK;
}

/* ---- qemu[:OPTS] ---- */

static memintro_status memintro__tg_open_qemu(memintro_target *t, const char *spec, const memintro_target_options *o)
{
    memintro__tg_state *st = t->state;
    memintro_qemu_info in;
    const char *why, *src;
    memintro_status s;
    char h[32];
    size_t i, n = strlen(spec) + 1;
    if (n < 256) n = 256;
    st->qspec = (char *)memintro__tg_alloc(&st->al, n);
    if (!st->qspec) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    why = memintro_qemu_options_parse(&st->qo, spec, st->qspec, n);
    if (why) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "%s", why);
    }
    if (o->flags & MEMINTRO_TARGET_WRITE) st->qo.write = 1;
    if (o->flags & MEMINTRO_TARGET_NO_ZERO_COPY) st->qo.no_zero_copy = 1;
    if (o->flags & (MEMINTRO_TARGET_NO_MMAP | MEMINTRO_TARGET_ZERO_EXCLUDED)) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "qemu: NO_MMAP and ZERO_EXCLUDED apply to dump files only");
    }
    if (o->qmp_timeout_ms) st->qo.qmp_timeout_ms = o->qmp_timeout_ms;
    if (st->al.alloc) st->qo.allocator = st->al;
    s = memintro_qemu_open(&st->q, &st->qo);
    if (s != MEMINTRO_OK) {
        memintro__tg_fail(t, s, "%s", memintro_qemu_error(&st->q)[0] ? memintro_qemu_error(&st->q)
                                                                     : memintro_status_str(s));
        memintro_qemu_close(&st->q);
        return s;
    }
    st->qemu_open = 1;
    memintro_qemu_get_info(&st->q, &in);
    t->kind = MEMINTRO_TARGET_QEMU;
    t->phys = &st->q.phys;
    t->map = &st->q.map;
    t->qemu = &st->q;
    t->live = 1;
    t->writable = in.writable;
    t->ram_size = in.ram_size;
    t->pid = in.pid;
    t->vm_name = in.name;
    t->machine = in.machine;
    t->qmp = in.qmp;
    memintro__tg_set(t->description, sizeof t->description, "QEMU process %d \"%s\": machine %s, guest RAM %s, %s", in.pid,
             in.name, in.machine, memintro__tg_human(in.ram_size, h, sizeof h), in.writable ? "read-write" : "read-only");
    src = in.source;
    if (in.layout == MEMINTRO_QEMU_LAYOUT_QMP) {
        t->layout = MEMINTRO_TARGET_LAYOUT_QMP;
        memintro__tg_set(t->layout_text, sizeof t->layout_text, "from QEMU itself over %s", src);
    } else {
        t->layout = MEMINTRO_TARGET_LAYOUT_INFERRED;
        if (!strncmp(src, "inferred (no QMP): ", 19)) src += 19;
        memintro__tg_set(t->layout_text, sizeof t->layout_text, "INFERRED from the machine-type table, not asked from QEMU: %s",
                 src);
    }
    memintro__tg_oneline(t->layout_text);
    memintro__tg_fact(t, "pid", "%d", in.pid);
    memintro__tg_fact(t, "name", "%s", in.name[0] ? in.name : "(none)");
    memintro__tg_fact(t, "machine", "%s", in.machine);
    memintro__tg_fact(t, "qmp", "%s", in.qmp[0] ? in.qmp : "(none)");
    if (in.warning[0]) {
        memintro__tg_fact(t, "warning", "%s", in.warning);
        t->warning = st->facts[st->nfacts - 1].value;
    }
    memintro__tg_fact(t, "access", "%s", in.writable ? "read-write (write)" : "read-only");
    memintro__tg_fact(t, "reads", "%s",
                      in.zero_copy_regions == in.count ? "zero-copy from a shared mapping of guest RAM"
                      : in.zero_copy_regions           ? "zero-copy where RAM is shared, process_vm_readv elsewhere"
                                                       : "process_vm_readv, batched");
    for (i = 0; i < in.count; i++) {
        const memintro_qemu_region *r = &in.regions[i];
        memintro__tg_range(t, r->start, r->start + r->size, r->guest_ram ? 0 : MEMINTRO_TARGET_RANGE_DEVICE,
                           "%s+0x%llx %s, %s%s%s, host 0x%llx%s%s", r->block, MEMINTRO__TG_ULL(r->block_offset), r->type,
                           memintro_qemu_backing_str(r->backing), r->path[0] ? " " : "", r->path,
                           MEMINTRO__TG_ULL(r->hva), r->zero_copy ? ", zero-copy" : "",
                           r->guest_ram ? "" : " [device/firmware]");
    }
    st->base_facts = st->nfacts;
    memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "the VM's registers are read on demand (memintro_target_load_cpus)");
    return MEMINTRO_OK;
}

/* A live VM's registers from QEMU's `info registers -a` over QMP. */
static memintro_status memintro__tg_qemu_cpus(memintro_target *t)
{
    memintro__tg_state *st = t->state;
    size_t cap = 64, n = 0;
    memintro_status s;
    memintro__tg_drop_cpus(t);
    t->cpus_loaded = 1;
    t->dump_facts = 0;
    if (!st->q.qmp[0]) {
        memintro__tg_set(t->cpu_note, sizeof t->cpu_note,
                 "the VM's registers need QEMU's QMP monitor, and this VM has none (give qmp=unix:PATH)");
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s", t->cpu_note);
    }
    for (;;) {
        st->cpus = (memintro_cpu *)memintro__tg_alloc(&st->al, cap * sizeof *st->cpus);
        if (!st->cpus) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
        s = memintro_qemu_cpus(&st->q, st->cpus, cap, &n);
        if (s != MEMINTRO_E_NOSPACE || n <= cap || cap >= MEMINTRO_TARGET_MAX_CPUS) break;
        memintro__tg_free(&st->al, st->cpus);
        st->cpus = 0;
        cap = n < MEMINTRO_TARGET_MAX_CPUS ? n : MEMINTRO_TARGET_MAX_CPUS;
    }
    if (s == MEMINTRO_E_NOSPACE) s = MEMINTRO_OK; /* the first MEMINTRO_TARGET_MAX_CPUS */
    if (n > cap) n = cap;
    if (s != MEMINTRO_OK || !n) {
        memintro__tg_free(&st->al, st->cpus);
        st->cpus = 0;
        if (s == MEMINTRO_OK) s = MEMINTRO_E_NOTFOUND;
        memintro__tg_fail(t, s, "cannot read the VM's registers: %s",
                          memintro_qemu_error(&st->q)[0] ? memintro_qemu_error(&st->q) : memintro_status_str(s));
        memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "%.500s", t->error);
        return s;
    }
    st->ncpus = n;
    t->cpus = st->cpus;
    t->cpu_count = n;
    t->cpus_total = (uint32_t)n;
    memintro__tg_set(t->cpu_source, sizeof t->cpu_source, "QMP info registers -a");
    memset(&st->efacts, 0, sizeof st->efacts);
    st->efacts.cpu_count = (uint32_t)n;
    st->efacts.cpu_state_count = (uint32_t)n;
    st->efacts.cpus = st->cpus;
    st->efacts.elf_machine = st->cpus[0].isa == MEMINTRO_ISA_X86 ? 3 : 62;
    st->efacts.memory_size = t->ram_size;
    memintro__tg_fact(t, "cpus", "%llu (registers from QMP \"info registers -a\")", MEMINTRO__TG_ULL(n));
    memintro__tg_cpu_facts(t);
    if (memintro__tg_paging_from_cpu0(t, "QMP info registers")) {
        st->efacts.mode = t->paging.arch;
        st->efacts.mmu_flags = t->paging.flags;
        st->efacts.dtb = t->paging.dtb;
    }
    t->dump_facts = &st->efacts;
    t->error[0] = 0;
    return MEMINTRO_OK;
}

/* ---- public functions ---- */

static const memintro_target_connector memintro__tg_connectors[] = {
    {"qemu", "qemu[:name=VM|pid=N][,qmp=unix:PATH|tcp:HOST:PORT][,map=qmp|table|auto][,write][,nozerocopy]",
     "a running QEMU VM on this host (no options: the only one)"},
    {"dump", "dump:PATH", "a memory dump: ELF core, kdump-compressed, Windows crash dump or LiME, detected (else raw)"},
    {"raw", "raw:PATH[,base=ADDR]", "a raw guest-physical image (file byte N = address base+N)"},
};

MEMINTRO__TGDEF const memintro_target_connector *memintro_target_connectors(size_t *count)
{
    if (count) *count = sizeof memintro__tg_connectors / sizeof memintro__tg_connectors[0];
    return memintro__tg_connectors;
}

MEMINTRO__TGDEF const char *memintro_target_kind_name(memintro_target_kind k)
{
    switch (k) {
    case MEMINTRO_TARGET_QEMU: return "qemu";
    case MEMINTRO_TARGET_DUMP: return "dump";
    case MEMINTRO_TARGET_RAW: return "raw";
    default: return "none";
    }
}

MEMINTRO__TGDEF const char *memintro_target_layout_name(memintro_target_layout l)
{
    switch (l) {
    case MEMINTRO_TARGET_LAYOUT_QMP: return "qmp";
    case MEMINTRO_TARGET_LAYOUT_INFERRED: return "inferred";
    case MEMINTRO_TARGET_LAYOUT_DUMP: return "dump";
    case MEMINTRO_TARGET_LAYOUT_FILE: return "file";
    default: return "none";
    }
}

MEMINTRO__TGDEF memintro_status memintro_target_open(memintro_target *t, const char *spec,
                                                  const memintro_target_options *o)
{
    memintro_target_options def;
    memintro__tg_state *st;
    memintro_status s;
    const char *colon, *arg;
    size_t nlen, i, nconn;
    const memintro_target_connector *conn = memintro_target_connectors(&nconn);
    if (!t) return MEMINTRO_E_INVALID;
    memset(t, 0, sizeof *t);
    if (!o) {
        memset(&def, 0, sizeof def);
        o = &def;
    }
    if (!o->allocator.alloc != !o->allocator.free)
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "the allocator needs both alloc and free, or neither");
    if (!spec || !*spec) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID,
                                 "no target: give a connector string (qemu[:name=VM], dump:PATH, raw:PATH)");
    }
    colon = strchr(spec, ':');
    nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    arg = colon ? colon + 1 : "";
    for (i = 0; i < nconn; i++)
        if (strlen(conn[i].name) == nlen && !strncmp(conn[i].name, spec, nlen)) break;
    if (i == nconn) {
        char known[512] = "";
        size_t k;
        for (k = 0; k < nconn; k++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", conn[k].name);
        }
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "unknown connector \"%.*s\" in \"%.200s\" (known: %s)",
                                 (int)(nlen > 64 ? 64 : nlen), spec, spec, known);
    }
    st = (memintro__tg_state *)memintro__tg_alloc(&o->allocator, sizeof *st);
    if (!st) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    memset(st, 0, sizeof *st);
    st->al = o->allocator;
    t->state = st;
    st->spec = memintro__tg_strdup(&st->al, spec, 0);
    if (!st->spec) {
        s = memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    } else {
        t->spec = st->spec;
        t->connector = conn[i].name;
        if (i == 0)
            s = memintro__tg_open_qemu(t, spec, o);
        else
            s = memintro__tg_open_file(t, arg, i == 2, o);
    }
    if (s != MEMINTRO_OK) {
        char keep[sizeof t->error];
        int bad = t->bad_spec;
        memcpy(keep, t->error, sizeof keep);
        memintro_target_close(t);
        memcpy(t->error, keep, sizeof keep);
        t->bad_spec = bad;
        return s;
    }
    t->writable = t->phys->write != 0;
    memintro__tg_sync(t);
    t->error[0] = 0;
    return MEMINTRO_OK;
}

MEMINTRO__TGDEF void memintro_target_close(memintro_target *t)
{
    memintro__tg_state *st;
    char keep[sizeof t->error];
    if (!t) return;
    st = t->state;
    if (st) {
        memintro_allocator al = st->al;
        if (st->qemu_open) memintro_qemu_close(&st->q);
        if (st->dump_open) memintro_coredump_close(&st->d);
        memintro__tg_free(&al, st->cpus);
        memintro__tg_free(&al, st->facts);
        memintro__tg_free(&al, st->ranges);
        memintro__tg_free(&al, st->qspec);
        memintro__tg_free(&al, st->path);
        memintro__tg_free(&al, st->spec);
        memintro__tg_free(&al, st);
    }
    memcpy(keep, t->error, sizeof keep);
    memset(t, 0, sizeof *t);
    memcpy(t->error, keep, sizeof keep);
}

MEMINTRO__TGDEF const char *memintro_target_error(const memintro_target *t)
{
    const memintro__tg_state *st;
    if (!t) return "no target";
    if (t->error[0]) return t->error;
    st = t->state;
    if (st && st->qemu_open) return memintro_qemu_error(&st->q);
    if (st && st->dump_open) return memintro_coredump_error(&st->d);
    return "";
}

MEMINTRO__TGDEF memintro_status memintro_target_load_cpus(memintro_target *t)
{
    if (!t || !t->state) return MEMINTRO_E_INVALID;
    if (t->kind == MEMINTRO_TARGET_QEMU) return memintro__tg_qemu_cpus(t);
    if (t->cpu_count) return MEMINTRO_OK;
    return memintro__tg_fail(t, MEMINTRO_E_NOTFOUND, "%s", t->cpu_note[0] ? t->cpu_note : "no CPU state");
}

/* Checks that t is a live VM for `what`. */
static memintro_status memintro__tg_live(memintro_target *t, const char *what)
{
    if (!t || !t->state) return MEMINTRO_E_INVALID;
    if (t->kind != MEMINTRO_TARGET_QEMU)
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s needs a running VM; this target is a %s file", what,
                                 memintro_target_kind_name(t->kind));
    return MEMINTRO_OK;
}

static memintro_status memintro__tg_qemu_done(memintro_target *t, memintro_status s, const char *what)
{
    if (s == MEMINTRO_OK) {
        t->error[0] = 0;
        return s;
    }
    return memintro__tg_fail(t, s, "%s: %s", what,
                             memintro_qemu_error(t->qemu)[0] ? memintro_qemu_error(t->qemu) : memintro_status_str(s));
}

MEMINTRO__TGDEF memintro_status memintro_target_pause(memintro_target *t)
{
    memintro_status s = memintro__tg_live(t, "pausing");
    if (s != MEMINTRO_OK) return s;
    return memintro__tg_qemu_done(t, memintro_qemu_pause(t->qemu), "cannot pause the VM");
}

MEMINTRO__TGDEF memintro_status memintro_target_resume(memintro_target *t)
{
    memintro_status s = memintro__tg_live(t, "resuming");
    if (s != MEMINTRO_OK) return s;
    return memintro__tg_qemu_done(t, memintro_qemu_resume(t->qemu), "cannot resume the VM");
}

MEMINTRO__TGDEF memintro_status memintro_target_running(memintro_target *t, int *running)
{
    memintro_status s = memintro__tg_live(t, "asking whether the VM runs");
    int r = 0;
    if (s != MEMINTRO_OK) return s;
    if (!running) return MEMINTRO_E_INVALID;
    s = memintro__tg_qemu_done(t, memintro_qemu_running(t->qemu, &r), "cannot ask whether the VM runs");
    if (s == MEMINTRO_OK) *running = r;
    return s;
}

MEMINTRO__TGDEF const char *memintro_target_fact_value(const memintro_target *t, const char *name)
{
    size_t i;
    if (!t || !name) return 0;
    for (i = 0; i < t->fact_count; i++)
        if (!strcmp(t->facts[i].name, name)) return t->facts[i].value;
    return 0;
}

/* write_elf and write_elf_fd: to path when it is not NULL, else to fd. */
static memintro_status memintro__tg_write_elf(memintro_target *t, const char *path, int fd,
                                              const memintro_coredump_write_options *o,
                                              memintro_coredump_write_result *r)
{
    memintro_coredump_write_result own;
    memintro_status s;
    if (!t || !t->state || !t->phys) return MEMINTRO_E_INVALID;
    if (t->kind == MEMINTRO_TARGET_QEMU && !t->cpus_loaded) memintro_target_load_cpus(t);
    if (!r) r = &own;
    memset(r, 0, sizeof *r);
    s = path ? memintro_coredump_write_elf(t->phys, t->map, t->dump_facts, path, o, r)
             : memintro_coredump_write_elf_fd(t->phys, t->map, t->dump_facts, fd, o, r);
    if (s != MEMINTRO_OK)
        return memintro__tg_fail(t, s, "%s", r->error[0] ? r->error : memintro_status_str(s));
    t->error[0] = 0;
    return MEMINTRO_OK;
}

MEMINTRO__TGDEF memintro_status memintro_target_write_elf(memintro_target *t, const char *path,
                                                       const memintro_coredump_write_options *o,
                                                       memintro_coredump_write_result *r)
{
    if (t && t->state && !path) return memintro__tg_fail(t, MEMINTRO_E_INVALID, "no output path");
    return memintro__tg_write_elf(t, path, -1, o, r);
}

MEMINTRO__TGDEF memintro_status memintro_target_write_elf_fd(memintro_target *t, int fd,
                                                          const memintro_coredump_write_options *o,
                                                          memintro_coredump_write_result *r)
{
    if (t && t->state && fd < 0) return memintro__tg_fail(t, MEMINTRO_E_INVALID, "no output file descriptor");
    return memintro__tg_write_elf(t, 0, fd, o, r);
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__TGDEF
#undef MEMINTRO__TG_PRINTF
#undef MEMINTRO__TG_ULL


#endif /* MEMINTRO_TARGET_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_TARGET_IMPLEMENTATION */

/* ------------------------------------------------------------------------------------
   MIT License

   Copyright (c) 2026 The memintro authors

   Permission is hereby granted, free of charge, to any person obtaining a copy of this
   software and associated documentation files (the "Software"), to deal in the Software
   without restriction, including without limitation the rights to use, copy, modify,
   merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
   permit persons to whom the Software is furnished to do so, subject to the following
   conditions:

   The above copyright notice and this permission notice shall be included in all copies
   or substantial portions of the Software.

   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
   INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
   PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
   HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
   CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR
   THE USE OR OTHER DEALINGS IN THE SOFTWARE.
   ------------------------------------------------------------------------------------ */
