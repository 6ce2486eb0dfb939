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
     | MEMINTRO_TARGET_MAX_CPUS     | 1024     | vCPUs whose registers are kept            |
     | MEMINTRO_TARGET_NO_DEPS      | undefined| do not compile the other headers' code    |
     The allocator in memintro_target_options is also handed to the backends.

   THIS LIBRARY DOES NOT
     - pause the VM by itself: reads of a live VM race with the guest (`live` is 1); use
       memintro_target_pause / memintro_target_resume around what must be consistent;
     - follow a VM's CPUs as they run: memintro_target_load_cpus reads them when called;
     - hold QEMU's QMP socket between calls (a QMP socket serves one client at a time);
     - lock: one object per thread.

   REFERENCE (in the order declared below)
     memintro_target_open          open a connector string into a target
     memintro_target_close         release everything open took
     memintro_target_error         the last error message
     memintro_target_load_cpus     (re)read the vCPUs' registers (a live VM over QMP)
     memintro_target_pause/resume  stop / continue a live VM (QMP stop / cont)
     memintro_target_running       is a live VM running? (QMP query-status)
     memintro_target_fact_value    one printable fact by name
     memintro_target_write_elf     write an ELF core of the target (memory, CPUs, VMCOREINFO)
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
   pointer stays valid until memintro_target_close (cpus: until the next load_cpus). */
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
     E_PERMISSION, E_FORMAT (a damaged dump), E_UNSUPPORTED, E_IO (a directory, a FIFO),
     E_GONE, E_NOSPACE (allocation). */
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

#endif /* MEMINTRO_TARGET_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_TARGET_IMPLEMENTATION */

/* ------------------------------------------------------------------------------------
   MIT License

   Copyright (c) 2025 the memintro authors

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
