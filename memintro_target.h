/* memintro_target.h - open any memory-introspection target from one connector string.

   One object for every target memintro reads: a running QEMU VM, a memory dump, a raw
   guest-physical image, or what a registered connector (a plugin) opens, with middleware
   (a page cache, a delay, metrics) over any of them. memintro_target_open() turns a
   connector string into

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

   CONNECTOR STRINGS: NAME[:TARGET][,KEY[=VALUE]]...
     One syntax for every connector, built in or registered. NAME picks the connector,
     TARGET is what it opens (qemu: the VM's name, dump/raw: a path), KEYs are options, a
     KEY without "=VALUE" is a flag (its value is ""). Built in, in this order:
       qemu[:VM][,name=VM|pid=N][,qmp=unix:PATH|tcp:HOST:PORT][,map=qmp|table|auto][,write][,nozerocopy]
                    a running QEMU VM on this host (memintro_qemu.h); qemu:vm1 is
                    qemu:name=vm1; no VM named: the only VM; its targets are the VMs
       dump:PATH    a memory dump, format detected: ELF core, kdump-compressed (also
                    flattened), Windows crash dump, LiME; anything else reads as a raw image
       raw:PATH[,base=ADDR]   a raw guest-physical image: file byte N is guest-physical
                    address base+N (base defaults to 0)
     How the string is cut:
       - the keys are the trailing run of comma-separated pieces whose key is known to the
         connector (or is a middleware key); everything between ':' and them is TARGET,
         so a path may contain commas: raw:/vm/a,b.img,base=0x1000 opens "/vm/a,b.img";
       - a trailing ',' ends a TARGET that has no keys: dump:/tmp/x,cache=on, opens the
         file "/tmp/x,cache=on";
       - a piece shaped like KEY=VALUE (letters, digits, '_' then '=') at the start or the
         end of what is left as TARGET is an unknown key: refused with MEMINTRO_E_INVALID,
         bad_spec = 1 and the connector's known keys and the middleware keys in the
         message. So is every piece of a TARGET that starts with a known key
         (qemu:name=vm,bogus), and any comma in a VM name (qemu:vm1,bogus);
       - a known key right after ':' is a key, not a TARGET (qemu:write; a VM named
         "write" is qemu:name=write); a key given twice is refused; at most 32 keys.

   MIDDLEWARE (the registry's keys: they work on every connector and never reach it)
     | key           | value            | meaning                                          |
     |---------------|------------------|--------------------------------------------------|
     | cache         | on, off          | a page cache (memintro_cache_*, every page kept) |
     | cache_size    | bytes, k/M/G     | its size (default 4M; the largest power-of-two   |
     |               |                  | number of 4 KiB lines that fits); implies on     |
     | cache_time    | milliseconds     | a line older than this is read again (0: never); |
     |               |                  | implies on                                       |
     | delay         | microseconds     | wait before every batch reaching the connector   |
     |               |                  | (simulating a slow target; no direct access)     |
     | metrics       | on, off          | count batches, operations, failed operations,    |
     |               |                  | bytes and time in the backend; one line at close |
     |               |                  | ("metrics SPEC: ...") to stderr, or to           |
     |               |                  | options.metrics_fn; memintro_target_metrics_get  |
     Layers, from the top: cache, metrics, delay, the connector's phys (t->phys is the top
     one; t->qemu / t->dump keep the backend). Metrics count what reaches the connector:
     under a cache, hits are not batches (the line adds the cache's hits and misses).
     The cache passes direct access (memintro_phys_direct) through to the backend: bytes
     in host memory (a memory-mapped dump, QEMU's shared RAM) are read there, fresh; the
     cache serves the batches. Writes go through and drop the lines they touch; pause and
     resume drop every line.
     Defaults: the cache is ON with a short age (4M, cache_time=10) for a live target (a
     QEMU VM; a registered connector whose result says live) and OFF otherwise. Why: one
     command reads the same page-table and list pages many times within milliseconds (a
     walk, a translation per address), and a live VM's pages outside a shared mapping come
     through process_vm_readv, a system call per batch; 10 ms bounds how stale a cached
     page can be to far less than a command takes, and reads race with the running guest
     anyway (`live`). Dumps and images are memory-mapped and do not change: a cache would
     only add a copy (kdump-compressed dumps keep their own cache of decompressed pages).
     No delay, no metrics by default.

   THE REGISTRY
     Every connector is a memintro_connector descriptor (name, syntax, help, its keys, open,
     close, optional targets / load_cpus / pause, version). The built-ins come first
     (qemu, dump, raw), then the connectors memintro_target_register added (a plugin loader
     registers them: memintro_plugin.h), in order. memintro_target_open parses the string
     for the connector named, refuses unknown keys, calls its open with the TARGET and its
     own keys, fills the target from what the open handed back (a registered connector:
     kind MEMINTRO_TARGET_PLUGIN, layout MEMINTRO_TARGET_LAYOUT_CONNECTOR, facts
     "version" and "live", one range per map range), then puts the middleware over its
     phys. memintro_target_close calls the connector's close once. A registered
     connector's load_cpus and pause serve memintro_target_load_cpus / _pause / _resume.
     The built-ins' descriptors open only through memintro_target_open (their open fills
     the target itself; called directly it returns MEMINTRO_E_UNSUPPORTED); their CPU
     state and pause are this header's own code. A whole connector of one's own (a memory
     buffer, with keys, CPU state and pause) is in tests/test_target_registry.c.

   HOSTED: Linux (it builds on memintro_qemu.h and memintro_coredump.h).

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_TARGET_IMPLEMENTATION
         #include "memintro_target.h"
     That file also gets the implementations of memintro.h, memintro_qemu.h and
     memintro_coredump.h (it defines their IMPLEMENTATION macros) unless
     MEMINTRO_TARGET_NO_DEPS is defined too (then other files must provide them). The
     implementation (and the QEMU one) needs _GNU_SOURCE: it is defined here when
     memintro_target.h is the first thing the file includes; otherwise put
     `#define _GNU_SOURCE` at the top of that file.
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
     - reach other targets by itself: QEMU processes on this host and files only (no
       gdbstub, no remote host, no other hypervisor) unless a connector is registered;
     - load plugins (memintro_plugin.h finds, checks and registers them);
     - unregister a connector, or register one while targets are being opened (the
       registry is a process-wide list without a lock; at most 64 beyond the built-ins);
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
     memintro_connector_arg        a key's value in a parsed connector string
     memintro_target_register      add a connector (after the built-ins)
     memintro_target_connector_list / _find   every connector / one by name
     memintro_target_middleware_keys   cache, cache_size, cache_time, delay, metrics
     memintro_connector_parse      cut a string for a connector as open does
     memintro_target_metrics_get   what metrics=on counted so far
     memintro_target_connectors    the connectors (name, syntax, help) for usage text
     memintro_target_kind_name     "qemu", "dump", "raw", "plugin"
     memintro_target_layout_name   "qmp", "inferred", "dump", "file", "connector"

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

#if defined(MEMINTRO_TARGET_IMPLEMENTATION) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* clock_gettime, nanosleep (the middleware); the QEMU backend */
#endif
#if defined(MEMINTRO_TARGET_IMPLEMENTATION) && !defined(MEMINTRO_TARGET_NO_DEPS)
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
    MEMINTRO_TARGET_PLUGIN,   /* a registered connector (memintro_target_register) */
    MEMINTRO__TARGET_KIND_FORCE32 = 0x7fffffff
} memintro_target_kind;

/* How the guest-physical layout (the map) is known. */
typedef enum memintro_target_layout {
    MEMINTRO_TARGET_LAYOUT_NONE = 0,  /* not open */
    MEMINTRO_TARGET_LAYOUT_QMP,       /* asked from QEMU itself (info mtree -f, gpa2hva) */
    MEMINTRO_TARGET_LAYOUT_INFERRED,  /* inferred from QEMU's machine type and RAM size */
    MEMINTRO_TARGET_LAYOUT_DUMP,      /* the dump's own memory map */
    MEMINTRO_TARGET_LAYOUT_FILE,      /* the file is the memory (raw image) */
    MEMINTRO_TARGET_LAYOUT_CONNECTOR, /* what a registered connector handed back */
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

/* What the metrics middleware (",metrics=on") counted: the batches that reached the
   connector's backend (below the cache, so cache hits are not among them). */
typedef struct memintro_target_metrics {
    uint64_t batches;      /* read and write batches */
    uint64_t ops;          /* operations in them */
    uint64_t failed_ops;   /* operations that did not complete (holes, errors) */
    uint64_t bytes;        /* bytes asked for */
    uint64_t ns;           /* time spent in the backend (delay included), nanoseconds */
    uint64_t direct;       /* direct-access lookups passed to the backend (not timed) */
    uint64_t cache_hits;   /* with the cache on: its hits and misses, else 0 */
    uint64_t cache_misses;
} memintro_target_metrics;

/* Receives the metrics when the target closes: m and `line`, the same as one line of text
   ("metrics SPEC: N batches, ..."). */
typedef void (*memintro_target_metrics_fn)(void *user, const memintro_target_metrics *m, const char *line);

/* Open options. A zeroed struct (or NULL) means the defaults. */
typedef struct memintro_target_options {
    memintro_allocator allocator; /* both functions or neither (MEMINTRO_TARGET_MALLOC/FREE) */
    uint32_t flags;               /* MEMINTRO_TARGET_* */
    int qmp_timeout_ms;           /* per QMP reply; 0: the QEMU backend's default */
    memintro_target_metrics_fn metrics_fn; /* ",metrics=on": called at close; NULL: the line
                                              goes to stderr */
    void *metrics_user;
    const memintro_qemu_process *qemu_process; /* the qemu connector opens the VM of this
                                              process (not a host one: nesting, see
                                              memintro_os_target_open); its release is
                                              called whatever happens; other connectors
                                              refuse it (E_INVALID) */
} memintro_target_options;

/* ---- connectors and the registry ---- */

#define MEMINTRO_CONNECTOR_ABI 1u

/* One key=value a connector takes, for help text and for refusing unknown keys. */
typedef struct memintro_connector_key {
    const char *name;  /* "qmp", "base", "cache" */
    const char *value; /* what it takes, e.g. "unix:PATH|tcp:HOST:PORT", "" for a flag */
    const char *help;  /* one line */
} memintro_connector_key;

/* A parsed connector string NAME[:TARGET][,KEY[=VALUE]]... */
typedef struct memintro_connector_args {
    const char *name;   /* "qemu" */
    const char *target; /* the part after ':' and before the first known key ("" if none):
                           a path, a VM name */
    size_t count;       /* keys given */
    const char *keys[32], *values[32]; /* values[i] is "" for a flag */
} memintro_connector_args;
/* Value of key `name` or NULL when not given. */
MEMINTRO_API const char *memintro_connector_arg(const memintro_connector_args *a, const char *name);

/* What a connector's open hands back (plugins fill this; built-ins may too). */
typedef struct memintro_connector_result {
    memintro_phys *phys;          /* required; valid until close(handle) */
    const memintro_memmap *map;   /* required */
    void *handle;                 /* the connector's own state, given back to close/load_cpus */
    char description[512];        /* one line: what is open */
    char layout_text[1024];       /* how the map is known, one line ("" : the registry says "from the connector") */
    uint64_t ram_size;
    int live;                     /* reads race with a running guest */
    const memintro_cpu *cpus;     /* optional (NULL/0): vCPU state known at open */
    size_t cpu_count;
    const char *vmcoreinfo;       /* optional */
    size_t vmcoreinfo_size;
} memintro_connector_result;

/* Called by a connector's targets function once per target; non-zero stops the list.
   name: what goes after "NAME:" in a connector string. */
typedef int (*memintro_connector_target_fn)(void *user, const char *name, const char *description);

typedef struct memintro_connector {
    uint32_t abi;                 /* MEMINTRO_CONNECTOR_ABI */
    const char *name;             /* "qemu", "dump", "raw", a plugin's own */
    const char *syntax;           /* "raw:PATH[,base=ADDR]" */
    const char *help;             /* one line */
    const memintro_connector_key *keys; /* the keys it takes (the middleware keys cache,
                                     cache_size, cache_time, delay, metrics are the
                                     registry's and work on every connector) */
    size_t nkeys;
    /* Opens a->target with a's keys (only known keys reach it). Returns MEMINTRO_OK and
       fills *out, or a status with one line in err[errlen]. */
    memintro_status (*open)(const memintro_connector_args *a, const memintro_target_options *o,
                            memintro_connector_result *out, char *err, size_t errlen);
    void (*close)(void *handle);
    /* Optional (NULL): lists what this connector can open (QEMU: its VMs). */
    memintro_status (*targets)(memintro_connector_target_fn fn, void *user, char *err, size_t errlen);
    /* Optional: (re)reads vCPU state (a live target); fills cpus/cpu_count. */
    memintro_status (*load_cpus)(void *handle, const memintro_cpu **cpus, size_t *count,
                                 char *err, size_t errlen);
    /* Optional: pause / resume a live target. */
    memintro_status (*pause)(void *handle, int pause);
    const char *version;          /* "1.0" */
} memintro_connector;

/* Adds a connector after the built-ins (and plugins registered before). Returns
   MEMINTRO_OK; MEMINTRO_E_INVALID when the name is taken (the earlier one stays) or abi
   differs (also: no name, no open, a name that is not [A-Za-z0-9_.-]+, a key named like
   a middleware key); MEMINTRO_E_NOSPACE past 64. Not thread-safe: register before opening
   targets. The descriptor (and its strings) must outlive every use. */
MEMINTRO_API memintro_status memintro_target_register(const memintro_connector *c);
/* Every connector, built-ins first (count gets how many). */
MEMINTRO_API const memintro_connector *const *memintro_target_connector_list(size_t *count);
/* The connector named `name`, or NULL. */
MEMINTRO_API const memintro_connector *memintro_target_connector_find(const char *name);
/* The middleware keys every connector takes (cache, cache_size, cache_time, delay,
   metrics), for help text (count gets how many). */
MEMINTRO_API const memintro_connector_key *memintro_target_middleware_keys(size_t *count);
/* Parses `spec` for connector c the way memintro_target_open does: a->target and the
   connector's own keys point into storage (strlen(spec)+1 bytes); the middleware keys are
   checked and left out. Returns NULL, or a one-line message (unknown key with the known
   ones, a key given twice, too many keys, a bad middleware value) in storage. */
MEMINTRO_API const char *memintro_connector_parse(const memintro_connector *c, const char *spec,
                                                  memintro_connector_args *a, char *storage, size_t storage_size);

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

/* A connector for usage text (the older list; memintro_target_connector_list has more). */
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
    const char *connector;         /* "qemu", "dump", "raw", a registered connector's name */
    const memintro_connector *connector_desc; /* the connector used */
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
                          message lists the known ones -, unknown key - it lists the
                          connector's and the middleware's -, a key given twice, no path, a
                          bad number or middleware value), or a registered connector's open
                          returned E_INVALID; also (bad_spec = 0) a bad allocator, several
                          VMs matching, a registered connector that gave no phys or map;
     otherwise the backend's (or the registered connector's) status: MEMINTRO_E_NOTFOUND
     (no such file or VM), E_PERMISSION, E_FORMAT (a damaged dump), E_UNSUPPORTED (a directory, a FIFO, a
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

/* What the metrics middleware counted so far (the target opened with ",metrics=on").
   Returns MEMINTRO_OK; MEMINTRO_E_UNSUPPORTED when metrics are off. */
MEMINTRO_API memintro_status memintro_target_metrics_get(const memintro_target *t, memintro_target_metrics *m);

/* Every connector, registered ones too (name, syntax, help; count gets how many). The
   older form of memintro_target_connector_list, kept for usage text. */
MEMINTRO_API const memintro_target_connector *memintro_target_connectors(size_t *count);
/* "none", "qemu", "dump", "raw", "plugin". */
MEMINTRO_API const char *memintro_target_kind_name(memintro_target_kind k);
/* "none", "qmp", "inferred", "dump", "file", "connector". */
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
#include <time.h>

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

/* A middleware layer: a backend over the one below. */
typedef struct memintro__tg_layer {
    memintro_phys phys; /* first member */
    memintro_phys *below;
    struct memintro__target_state *st;
} memintro__tg_layer;

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
    int process_taken;          /* options.qemu_process went to memintro_qemu_open */
    /* kind DUMP / RAW */
    memintro_coredump d;
    memintro_coredump_options dopt;
    int dump_open;
    /* CPU state */
    memintro_cpu *cpus;                /* a live VM's registers (a dump's stay in the dump) */
    size_t ncpus;
    memintro_coredump_facts efacts;    /* a live VM's facts for the ELF writer */
    /* the connector */
    const memintro_connector *desc;
    void *conn_handle;                 /* its open's handle (built-ins: this state) */
    int conn_open;                     /* close(conn_handle) is owed */
    char *argbuf;                      /* the parsed connector string */
    /* middleware, from the top: cache, metrics, delay, then the connector's phys */
    memintro_cache cache;
    void *cache_mem;
    int cache_on;
    memintro__tg_layer metrics_l, delay_l;
    int metrics_on;
    uint64_t delay_us;
    memintro_target_metrics m;
    memintro_target_metrics_fn metrics_fn;
    void *metrics_user;
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

static memintro_status memintro__tg_open_file(memintro_target *t, const memintro_connector_args *a, int raw,
                                              const memintro_target_options *o)
{
    memintro__tg_state *st = t->state;
    memintro_coredump *d = &st->d;
    const memintro_coredump_facts *f;
    memintro_status s;
    uint64_t base = 0;
    char h[32];
    const char *arg = a->target, *bs = raw ? memintro_connector_arg(a, "base") : 0;
    size_t i, n = strlen(arg);
    if (bs) {
        size_t len = strlen(bs), used = memintro_parse_u64(bs, len, &base);
        if (!used || used != len)
            return t->bad_spec = 1, memintro__tg_fail(t, MEMINTRO_E_INVALID,
                                                      "raw: base=%s is not an address (0x-hex or decimal)", bs);
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

static void memintro__tg_known_keys(const memintro_connector *c, char *buf, size_t size);

static memintro_status memintro__tg_open_qemu(memintro_target *t, const memintro_connector_args *a,
                                              const memintro_target_options *o)
{
    memintro__tg_state *st = t->state;
    memintro_qemu_info in;
    const char *why, *src, *comma = strchr(a->target, ',');
    memintro_status s;
    char h[32];
    size_t i, k, n = strlen(a->target) + 16;
    if (comma) { /* a VM name has no comma: what follows one is a key */
        char known[512];
        memintro__tg_known_keys(t->connector_desc, known, sizeof known);
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "qemu: unknown option \"%.64s\" (%s)", comma + 1, known);
    }
    if (a->target[0] && memintro_connector_arg(a, "name")) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID,
                                 "qemu: the VM is named twice (qemu:%.64s and name=%.64s): give one", a->target,
                                 memintro_connector_arg(a, "name"));
    }
    for (k = 0; k < a->count; k++) n += strlen(a->keys[k]) + strlen(a->values[k]) + 2;
    if (n < 256) n = 256;
    /* the keys as memintro_qemu_options_parse takes them: it checks their values */
    st->qspec = (char *)memintro__tg_alloc(&st->al, 2 * n);
    if (!st->qspec) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    {
        char *q = st->qspec + n;
        size_t used = 0;
        q[0] = 0;
        if (a->target[0]) used += (size_t)snprintf(q + used, n - used, "name=%s", a->target);
        for (k = 0; k < a->count; k++)
            used += (size_t)snprintf(q + used, n - used, "%s%s%s%s", used ? "," : "", a->keys[k],
                                     a->values[k][0] ? "=" : "", a->values[k]);
        why = memintro_qemu_options_parse(&st->qo, q, st->qspec, n);
    }
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
    st->qo.process = o->qemu_process;
    st->process_taken = 1; /* memintro_qemu_open releases it from here on */
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
    memintro__tg_set(t->description, sizeof t->description, "QEMU process %d \"%s\"%s%s: machine %s, guest RAM %s, %s",
                     in.pid, in.name, st->q.nested ? " in " : "", st->q.nested ? st->q.where : "", in.machine,
                     memintro__tg_human(in.ram_size, h, sizeof h), in.writable ? "read-write" : "read-only");
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
    if (st->q.nested) memintro__tg_fact(t, "runs in", "%s", st->q.where);
    memintro__tg_fact(t, "name", "%s", in.name[0] ? in.name : "(none)");
    memintro__tg_fact(t, "machine", "%s", in.machine);
    memintro__tg_fact(t, "qmp", "%s", in.qmp[0] ? in.qmp : "(none)");
    if (in.warning[0]) {
        memintro__tg_fact(t, "warning", "%s", in.warning);
        t->warning = st->facts[st->nfacts - 1].value;
    }
    memintro__tg_fact(t, "access", "%s", in.writable ? "read-write (write)" : "read-only");
    memintro__tg_fact(t, "reads", "%s",
                      st->q.nested                     ? "batches through the process's address space"
                      : in.zero_copy_regions == in.count ? "zero-copy from a shared mapping of guest RAM"
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

/* ---- connector strings: NAME[:TARGET][,KEY[=VALUE]]... ---- */

static const memintro_connector_key memintro__tg_mw_keys[] = {
    {"cache", "on|off", "a page cache over the connector (default: on for a live target, off otherwise)"},
    {"cache_size", "BYTES", "the cache's size, k/M/G allowed (default 4M; at least 4k)"},
    {"cache_time", "MS", "a cached page is read again after MS milliseconds (default 10 for a live target; 0: never)"},
    {"delay", "US", "wait US microseconds before every batch that reaches the connector (testing slow targets)"},
    {"metrics", "on|off", "count batches, operations, bytes and time; one line at close (stderr or a callback)"},
};
#define MEMINTRO__TG_NMW (sizeof memintro__tg_mw_keys / sizeof memintro__tg_mw_keys[0])

/* The middleware settings of one connector string. */
typedef struct memintro__tg_mw {
    int cache;               /* -1 default, 0 off, 1 on */
    int has_size, has_time;
    uint64_t cache_size;     /* bytes */
    uint64_t cache_time;     /* ms */
    uint64_t delay_us;
    int metrics;
} memintro__tg_mw;

#define MEMINTRO__TG_CACHE_SIZE (4u << 20) /* default cache size */
#define MEMINTRO__TG_CACHE_TIME 10u        /* default line age for a live target, ms */

/* Length of the key name at piece p (up to '=' or the end). */
static size_t memintro__tg_keylen(const char *p)
{
    const char *e = strchr(p, '=');
    return e ? (size_t)(e - p) : strlen(p);
}

/* 1: the key name at p[0, n) is c's own; 2: a middleware key; 0: neither. */
static int memintro__tg_key_kind(const memintro_connector *c, const char *p, size_t n)
{
    size_t i;
    for (i = 0; c && c->keys && i < c->nkeys; i++)
        if (c->keys[i].name && strlen(c->keys[i].name) == n && !strncmp(c->keys[i].name, p, n)) return 1;
    for (i = 0; i < MEMINTRO__TG_NMW; i++)
        if (strlen(memintro__tg_mw_keys[i].name) == n && !strncmp(memintro__tg_mw_keys[i].name, p, n)) return 2;
    return 0;
}

/* A piece shaped like a key with a value: [A-Za-z_][A-Za-z0-9_]*= */
static int memintro__tg_keyshaped(const char *p)
{
    size_t i = 0;
    if (!((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') || p[0] == '_')) return 0;
    while ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_')
        i++;
    return p[i] == '=';
}

static int memintro__tg_namechar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
           ch == '.';
}

/* "known keys: a, b; on every connector: cache, ..." */
static void memintro__tg_known_keys(const memintro_connector *c, char *buf, size_t size)
{
    size_t i, used;
    buf[0] = 0;
    if (c && c->nkeys && c->keys) {
        snprintf(buf, size, "known keys: ");
        for (i = 0; i < c->nkeys; i++) {
            used = strlen(buf);
            snprintf(buf + used, size - used, "%s%s", i ? ", " : "", c->keys[i].name ? c->keys[i].name : "?");
        }
    } else {
        snprintf(buf, size, "%s takes no keys of its own", c && c->name ? c->name : "the connector");
    }
    used = strlen(buf);
    snprintf(buf + used, size - used, "; on every connector: ");
    for (i = 0; i < MEMINTRO__TG_NMW; i++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? ", " : "", memintro__tg_mw_keys[i].name);
    }
}

static int memintro__tg_onoff(const char *v, int *out)
{
    if (!*v || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true")) return *out = 1, 1;
    if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false")) return *out = 0, 1;
    return 0;
}

/* Checks one middleware key's value into mw. Returns NULL or why not (in msg). */
static const char *memintro__tg_mw_set(memintro__tg_mw *mw, const char *k, const char *v, char *msg, size_t size)
{
    uint64_t x;
    size_t len = strlen(v);
    if (!strcmp(k, "cache") || !strcmp(k, "metrics")) {
        int on;
        if (!memintro__tg_onoff(v, &on)) return snprintf(msg, size, "%s=%.64s: expected on or off", k, v), msg;
        if (k[0] == 'c')
            mw->cache = on;
        else
            mw->metrics = on;
        return 0;
    }
    if (!strcmp(k, "cache_size")) {
        if (!len || memintro_parse_size(v, len, &x) != len || x < MEMINTRO_CACHE_PAGE || x > (1ull << 32))
            return snprintf(msg, size, "cache_size=%.64s: expected a size from 4k to 4G (k, M, G allowed)", v), msg;
        mw->cache_size = x;
        mw->has_size = 1;
        return 0;
    }
    if (!strcmp(k, "cache_time")) {
        if (!len || memintro_parse_u64(v, len, &x) != len || x > 86400000u)
            return snprintf(msg, size, "cache_time=%.64s: expected milliseconds (0 to 86400000)", v), msg;
        mw->cache_time = x;
        mw->has_time = 1;
        return 0;
    }
    /* delay */
    if (!len || memintro_parse_u64(v, len, &x) != len || x > 10000000u)
        return snprintf(msg, size, "delay=%.64s: expected microseconds (0 to 10000000)", v), msg;
    mw->delay_us = x;
    return 0;
}

/* The parser behind memintro_connector_parse and memintro_target_open. */
static const char *memintro__tg_parse(const memintro_connector *c, const char *spec, memintro_connector_args *a,
                                      memintro__tg_mw *mw, char *storage, size_t storage_size)
{
    char *p, *rest, *cut, sep;
    char *pk[40]; /* pieces taken as keys, last first */
    size_t npk = 0, i, j, n, nl;
    char bad[72], known[512];
    int has_target;
    memset(a, 0, sizeof *a);
    memset(mw, 0, sizeof *mw);
    mw->cache = -1;
    a->target = "";
    if (!c || !spec || !storage || !storage_size) return "no connector string";
    n = strlen(spec);
    if (n + 1 > storage_size) {
        snprintf(storage, storage_size, "connector string too long");
        return storage;
    }
    memcpy(storage, spec, n + 1);
    p = storage;
    for (nl = 0; memintro__tg_namechar(p[nl]); nl++) {}
    sep = p[nl];
    if (!nl || (sep && sep != ':' && sep != ',') || strlen(c->name) != nl || strncmp(c->name, p, nl)) {
        snprintf(storage, storage_size, "\"%.64s\" is not a string for the connector %s (%s)", spec, c->name,
                 c->syntax ? c->syntax : c->name);
        return storage;
    }
    p[nl] = 0;
    a->name = p;
    rest = sep ? p + nl + 1 : p + nl;
    has_target = sep == ':';
    n = strlen(rest);
    if (has_target && n && rest[n - 1] == ',') { /* a trailing ',' ends a target that has no keys */
        rest[n - 1] = 0;
        a->target = rest;
        return 0;
    }
    /* keys: the trailing run of known ones */
    while (*rest) {
        cut = strrchr(rest, ',');
        {
            char *piece = cut ? cut + 1 : rest;
            size_t kl = memintro__tg_keylen(piece);
            if (*piece && !memintro__tg_key_kind(c, piece, kl)) break;
            if (*piece) {
                if (npk == sizeof pk / sizeof pk[0]) {
                    snprintf(storage, storage_size, "%s: too many keys (at most 32)", c->name);
                    return storage;
                }
                pk[npk++] = piece;
            }
        }
        if (cut)
            *cut = 0;
        else
            rest += strlen(rest); /* the piece keeps its text: rest is now "" */
    }
    if (*rest) {
        /* what is left is the target; a key-shaped piece at its start or end is an unknown key */
        char *first = rest, *last = strrchr(rest, ','), *e;
        const char *why = 0;
        last = last ? last + 1 : rest;
        if (!has_target)
            why = last;
        else if (memintro__tg_keyshaped(first)) {
            /* a list of keys: the first piece that is not a known one */
            for (why = first;;) {
                e = strchr((char *)why, ',');
                if (!memintro__tg_key_kind(c, why, e && (size_t)(e - why) < memintro__tg_keylen(why)
                                                        ? (size_t)(e - why)
                                                        : memintro__tg_keylen(why)))
                    break;
                if (!e) break;
                why = e + 1;
            }
        } else if (last != rest && memintro__tg_keyshaped(last))
            why = last;
        if (why) {
            size_t kl = memintro__tg_keylen(why);
            e = strchr((char *)why, ',');
            if (e && (size_t)(e - why) < kl) kl = (size_t)(e - why);
            snprintf(bad, sizeof bad, "%.*s", (int)(kl > 64 ? 64 : kl), why);
            memintro__tg_known_keys(c, known, sizeof known);
            snprintf(storage, storage_size, "%s: unknown option \"%s\" (%s)", c->name, bad, known);
            return storage;
        }
        a->target = rest;
    }
    /* the keys in the order given; the middleware's are checked and left out */
    for (i = npk; i-- > 0;) {
        char *k = pk[i], *v = strchr(k, '=');
        const char *why;
        if (v)
            *v++ = 0;
        else
            v = k + strlen(k); /* "" */
        for (j = i + 1; j < npk; j++)
            if (!strcmp(pk[j], k)) {
                snprintf(bad, sizeof bad, "%.64s", k);
                snprintf(storage, storage_size, "%s: the key %s is given twice", c->name, bad);
                return storage;
            }
        if (memintro__tg_key_kind(c, k, strlen(k)) == 2) {
            why = memintro__tg_mw_set(mw, k, v, known, sizeof known);
            if (why) {
                snprintf(storage, storage_size, "%s: %s", c->name, known);
                return storage;
            }
            continue;
        }
        if (a->count == 32) {
            snprintf(storage, storage_size, "%s: too many keys (at most 32)", c->name);
            return storage;
        }
        a->keys[a->count] = k;
        a->values[a->count++] = v;
    }
    if (mw->cache == 0 && (mw->has_size || mw->has_time)) {
        snprintf(storage, storage_size, "%s: cache_size= and cache_time= need the cache on (cache=off given)", c->name);
        return storage;
    }
    if (mw->cache < 0 && (mw->has_size || mw->has_time)) mw->cache = 1;
    return 0;
}

MEMINTRO__TGDEF const char *memintro_connector_arg(const memintro_connector_args *a, const char *name)
{
    size_t i;
    if (!a || !name) return 0;
    for (i = 0; i < a->count && i < 32; i++)
        if (a->keys[i] && !strcmp(a->keys[i], name)) return a->values[i] ? a->values[i] : "";
    return 0;
}

MEMINTRO__TGDEF const char *memintro_connector_parse(const memintro_connector *c, const char *spec,
                                                  memintro_connector_args *a, char *storage, size_t storage_size)
{
    memintro__tg_mw mw;
    memintro_connector_args own;
    return memintro__tg_parse(c, spec, a ? a : &own, &mw, storage, storage_size);
}

MEMINTRO__TGDEF const memintro_connector_key *memintro_target_middleware_keys(size_t *count)
{
    if (count) *count = MEMINTRO__TG_NMW;
    return memintro__tg_mw_keys;
}

/* ---- the built-in connectors ---- */

/* How memintro_target_open hands the target being opened to a built-in's open. */
typedef struct memintro__tg_ctx {
    uint32_t magic;
    memintro_target *t;
} memintro__tg_ctx;
#define MEMINTRO__TG_MAGIC 0x6d695447u

static memintro_target *memintro__tg_ctx_target(memintro_connector_result *out, char *err, size_t errlen)
{
    const memintro__tg_ctx *x = out ? (const memintro__tg_ctx *)out->handle : 0;
    if (x && x->magic == MEMINTRO__TG_MAGIC && x->t && x->t->state) return x->t;
    if (err && errlen) snprintf(err, errlen, "the built-in connectors open through memintro_target_open");
    return 0;
}

/* A built-in's result: what it filled into the target. */
static memintro_status memintro__tg_builtin_done(memintro_target *t, memintro_status s, memintro_connector_result *out,
                                                 char *err, size_t errlen)
{
    if (s != MEMINTRO_OK) {
        if (err && errlen) snprintf(err, errlen, "%s", t->error);
        return s;
    }
    out->phys = t->phys;
    out->map = t->map;
    out->handle = t->state;
    memcpy(out->description, t->description, sizeof out->description);
    snprintf(out->layout_text, sizeof out->layout_text, "%s", t->layout_text);
    out->ram_size = t->ram_size;
    out->live = t->live;
    out->cpus = t->cpus;
    out->cpu_count = t->cpu_count;
    out->vmcoreinfo = t->vmcoreinfo;
    out->vmcoreinfo_size = t->vmcoreinfo_size;
    return MEMINTRO_OK;
}

static memintro_status memintro__tg_qemu_cn_open(const memintro_connector_args *a, const memintro_target_options *o,
                                                 memintro_connector_result *out, char *err, size_t errlen)
{
    memintro_target *t = memintro__tg_ctx_target(out, err, errlen);
    if (!t) return MEMINTRO_E_UNSUPPORTED;
    return memintro__tg_builtin_done(t, memintro__tg_open_qemu(t, a, o), out, err, errlen);
}

static memintro_status memintro__tg_dump_cn_open(const memintro_connector_args *a, const memintro_target_options *o,
                                                 memintro_connector_result *out, char *err, size_t errlen)
{
    memintro_target *t = memintro__tg_ctx_target(out, err, errlen);
    if (!t) return MEMINTRO_E_UNSUPPORTED;
    return memintro__tg_builtin_done(t, memintro__tg_open_file(t, a, 0, o), out, err, errlen);
}

static memintro_status memintro__tg_raw_cn_open(const memintro_connector_args *a, const memintro_target_options *o,
                                                memintro_connector_result *out, char *err, size_t errlen)
{
    memintro_target *t = memintro__tg_ctx_target(out, err, errlen);
    if (!t) return MEMINTRO_E_UNSUPPORTED;
    return memintro__tg_builtin_done(t, memintro__tg_open_file(t, a, 1, o), out, err, errlen);
}

/* Closes a built-in's backend (the handle is the target's state). */
static void memintro__tg_builtin_close(void *handle)
{
    memintro__tg_state *st = (memintro__tg_state *)handle;
    if (!st) return;
    if (st->qemu_open) memintro_qemu_close(&st->q);
    if (st->dump_open) memintro_coredump_close(&st->d);
    st->qemu_open = st->dump_open = 0;
}

/* The QEMU VMs on this host: name (or pid=N) and a description. */
static memintro_status memintro__tg_qemu_targets(memintro_connector_target_fn fn, void *user, char *err, size_t errlen)
{
    memintro_qemu_vm vm[16], *vms = vm;
    size_t n = 0, i, cap = sizeof vm / sizeof vm[0];
    memintro_status s = memintro_qemu_list(vms, cap, &n);
    if (s != MEMINTRO_OK) {
        if (err && errlen) snprintf(err, errlen, "cannot list the QEMU processes in /proc: %s", memintro_status_str(s));
        return s;
    }
    if (n > cap) {
        size_t want = n + 8;
        vms = (memintro_qemu_vm *)malloc(want * sizeof *vms);
        if (!vms) return MEMINTRO_E_NOSPACE;
        s = memintro_qemu_list(vms, want, &n);
        if (n > want) n = want;
        if (s != MEMINTRO_OK) n = 0;
    }
    for (i = 0; i < n; i++) {
        char name[sizeof vms[i].name + 16], desc[512], h[32];
        if (vms[i].name[0])
            snprintf(name, sizeof name, "%s", vms[i].name);
        else
            snprintf(name, sizeof name, "pid=%d", vms[i].pid);
        snprintf(desc, sizeof desc, "QEMU pid %d, machine %s, %s of RAM, QMP %s", vms[i].pid,
                 vms[i].machine[0] ? vms[i].machine : "(default)", memintro__tg_human(vms[i].ram_size, h, sizeof h),
                 vms[i].qmp[0] ? vms[i].qmp : "(none)");
        if (fn(user, name, desc)) break;
    }
    if (vms != vm) free(vms);
    return s;
}

static const memintro_connector_key memintro__tg_qemu_keys[] = {
    {"name", "VM", "the VM's -name (the same as qemu:VM)"},
    {"pid", "N", "the QEMU process id"},
    {"qmp", "unix:PATH|tcp:HOST:PORT", "its QMP socket (default: the first one on QEMU's command line)"},
    {"map", "qmp|table|auto", "how the guest-physical layout is learnt (default auto: QMP, else the machine tables)"},
    {"write", "", "allow writes to guest memory"},
    {"nozerocopy", "", "never map guest RAM; read with process_vm_readv"},
};
static const memintro_connector_key memintro__tg_raw_keys[] = {
    {"base", "ADDR", "guest-physical address of the file's first byte (default 0)"},
};

static const memintro_connector memintro__tg_qemu_conn = {
    MEMINTRO_CONNECTOR_ABI, "qemu",
    "qemu[:VM][,name=VM|pid=N][,qmp=unix:PATH|tcp:HOST:PORT][,map=qmp|table|auto][,write][,nozerocopy]",
    "a running QEMU VM on this host (no VM named: the only one)", memintro__tg_qemu_keys,
    sizeof memintro__tg_qemu_keys / sizeof memintro__tg_qemu_keys[0], memintro__tg_qemu_cn_open,
    memintro__tg_builtin_close, memintro__tg_qemu_targets, 0, 0, "1.0"};
static const memintro_connector memintro__tg_dump_conn = {
    MEMINTRO_CONNECTOR_ABI, "dump", "dump:PATH",
    "a memory dump: ELF core, kdump-compressed, Windows crash dump or LiME, detected (else raw)", 0, 0,
    memintro__tg_dump_cn_open, memintro__tg_builtin_close, 0, 0, 0, "1.0"};
static const memintro_connector memintro__tg_raw_conn = {
    MEMINTRO_CONNECTOR_ABI, "raw", "raw:PATH[,base=ADDR]", "a raw guest-physical image (file byte N = address base+N)",
    memintro__tg_raw_keys, 1, memintro__tg_raw_cn_open, memintro__tg_builtin_close, 0, 0, 0, "1.0"};

/* ---- the registry ---- */

#define MEMINTRO__TG_NBUILTIN 3
#define MEMINTRO__TG_MAX_REG 64

static const memintro_connector *memintro__tg_reg[MEMINTRO__TG_NBUILTIN + MEMINTRO__TG_MAX_REG] = {
    &memintro__tg_qemu_conn, &memintro__tg_dump_conn, &memintro__tg_raw_conn};
static size_t memintro__tg_nreg = MEMINTRO__TG_NBUILTIN;

static int memintro__tg_is_builtin(const memintro_connector *c)
{
    return c == &memintro__tg_qemu_conn || c == &memintro__tg_dump_conn || c == &memintro__tg_raw_conn;
}

MEMINTRO__TGDEF const memintro_connector *memintro_target_connector_find(const char *name)
{
    size_t i;
    if (!name) return 0;
    for (i = 0; i < memintro__tg_nreg; i++)
        if (!strcmp(memintro__tg_reg[i]->name, name)) return memintro__tg_reg[i];
    return 0;
}

MEMINTRO__TGDEF const memintro_connector *const *memintro_target_connector_list(size_t *count)
{
    if (count) *count = memintro__tg_nreg;
    return memintro__tg_reg;
}

MEMINTRO__TGDEF memintro_status memintro_target_register(const memintro_connector *c)
{
    size_t i;
    if (!c || c->abi != MEMINTRO_CONNECTOR_ABI || !c->name || !c->name[0] || !c->open) return MEMINTRO_E_INVALID;
    for (i = 0; c->name[i]; i++)
        if (!memintro__tg_namechar(c->name[i]) || i >= 63) return MEMINTRO_E_INVALID;
    if (c->nkeys && !c->keys) return MEMINTRO_E_INVALID;
    for (i = 0; i < c->nkeys; i++)
        if (!c->keys[i].name || !c->keys[i].name[0] || memintro__tg_key_kind(0, c->keys[i].name, strlen(c->keys[i].name)))
            return MEMINTRO_E_INVALID;
    if (memintro_target_connector_find(c->name)) return MEMINTRO_E_INVALID;
    if (memintro__tg_nreg >= MEMINTRO__TG_NBUILTIN + MEMINTRO__TG_MAX_REG) return MEMINTRO_E_NOSPACE;
    memintro__tg_reg[memintro__tg_nreg++] = c;
    return MEMINTRO_OK;
}

MEMINTRO__TGDEF const memintro_target_connector *memintro_target_connectors(size_t *count)
{
    static memintro_target_connector list[MEMINTRO__TG_NBUILTIN + MEMINTRO__TG_MAX_REG];
    size_t i;
    for (i = 0; i < memintro__tg_nreg; i++) {
        list[i].name = memintro__tg_reg[i]->name;
        list[i].syntax = memintro__tg_reg[i]->syntax ? memintro__tg_reg[i]->syntax : memintro__tg_reg[i]->name;
        list[i].help = memintro__tg_reg[i]->help ? memintro__tg_reg[i]->help : "";
    }
    if (count) *count = memintro__tg_nreg;
    return list;
}

/* ---- middleware: cache, metrics, delay ---- */

static uint64_t memintro__tg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t memintro__tg_clock_ms(void *user)
{
    (void)user;
    return memintro__tg_now_ns() / 1000000u;
}

static memintro_status memintro__tg_delay_batch(memintro_phys *self, memintro_op *ops, size_t count, int write)
{
    memintro__tg_layer *l = (memintro__tg_layer *)self;
    struct timespec ts;
    ts.tv_sec = (time_t)(l->st->delay_us / 1000000u);
    ts.tv_nsec = (long)(l->st->delay_us % 1000000u) * 1000;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    return write ? memintro_phys_write(l->below, ops, count) : memintro_phys_read(l->below, ops, count);
}

static memintro_status memintro__tg_delay_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__tg_delay_batch(self, ops, count, 0);
}

static memintro_status memintro__tg_delay_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__tg_delay_batch(self, ops, count, 1);
}

static memintro_status memintro__tg_metrics_batch(memintro_phys *self, memintro_op *ops, size_t count, int write)
{
    memintro__tg_layer *l = (memintro__tg_layer *)self;
    memintro_target_metrics *m = &l->st->m;
    uint64_t t0 = memintro__tg_now_ns();
    memintro_status s = write ? memintro_phys_write(l->below, ops, count) : memintro_phys_read(l->below, ops, count);
    size_t i;
    m->ns += memintro__tg_now_ns() - t0;
    m->batches++;
    m->ops += count;
    for (i = 0; i < count; i++) {
        m->bytes += ops[i].len;
        if (ops[i].status != MEMINTRO_OK || ops[i].missing) m->failed_ops++;
    }
    return s;
}

static memintro_status memintro__tg_metrics_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__tg_metrics_batch(self, ops, count, 0);
}

static memintro_status memintro__tg_metrics_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__tg_metrics_batch(self, ops, count, 1);
}

static const void *memintro__tg_metrics_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    memintro__tg_layer *l = (memintro__tg_layer *)self;
    l->st->m.direct++;
    return memintro_phys_direct(l->below, addr, avail);
}

/* The cache passes direct access through: bytes in host memory are read there. */
static const void *memintro__tg_cache_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    return memintro_phys_direct(((memintro_cache *)self)->below, addr, avail);
}

/* Puts the middleware mw asks for (and the defaults) over t->phys. */
static memintro_status memintro__tg_middleware(memintro_target *t, const memintro__tg_mw *mw,
                                               const memintro_target_options *o)
{
    memintro__tg_state *st = t->state;
    memintro_phys *top = t->phys;
    char line[320], h[32];
    size_t used = 0;
    int on = mw->cache >= 0 ? mw->cache : t->live != 0;
    uint64_t size = mw->has_size ? mw->cache_size : MEMINTRO__TG_CACHE_SIZE;
    uint64_t age = mw->has_time ? mw->cache_time : t->live ? MEMINTRO__TG_CACHE_TIME : 0;
    line[0] = 0;
    if (mw->delay_us) {
        st->delay_us = mw->delay_us;
        st->delay_l.below = top;
        st->delay_l.st = st;
        st->delay_l.phys.read = memintro__tg_delay_read;
        st->delay_l.phys.write = top->write ? memintro__tg_delay_write : 0;
        top = &st->delay_l.phys; /* no direct access: every read is a batch, and waits */
        used += (size_t)snprintf(line + used, sizeof line - used, "delay %llu us per batch",
                                 MEMINTRO__TG_ULL(mw->delay_us));
    }
    if (mw->metrics) {
        st->metrics_on = 1;
        st->metrics_fn = o->metrics_fn;
        st->metrics_user = o->metrics_user;
        st->metrics_l.below = top;
        st->metrics_l.st = st;
        st->metrics_l.phys.read = memintro__tg_metrics_read;
        st->metrics_l.phys.write = top->write ? memintro__tg_metrics_write : 0;
        st->metrics_l.phys.direct = top->direct ? memintro__tg_metrics_direct : 0;
        top = &st->metrics_l.phys;
        used += (size_t)snprintf(line + used, sizeof line - used, "%smetrics", used ? "; " : "");
    }
    if (on) {
        size_t lines = 1, msize;
        while ((uint64_t)lines * 2 * MEMINTRO_CACHE_PAGE <= size) lines *= 2;
        msize = memintro_cache_mem_size(lines);
        st->cache_mem = memintro__tg_alloc(&st->al, msize);
        if (!st->cache_mem) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory (the page cache)");
        if (memintro_cache_init(&st->cache, top, st->cache_mem, msize, MEMINTRO_CACHE_ALL) != MEMINTRO_OK)
            return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "cannot set up the page cache");
        if (age) memintro_cache_set_clock(&st->cache, memintro__tg_clock_ms, 0, age);
        st->cache.phys.direct = top->direct ? memintro__tg_cache_direct : 0;
        st->cache_on = 1;
        top = &st->cache.phys;
        {
            char agebuf[48];
            if (age)
                snprintf(agebuf, sizeof agebuf, "read again after %llu ms", MEMINTRO__TG_ULL(age));
            else
                snprintf(agebuf, sizeof agebuf, "never read again");
            used += (size_t)snprintf(line + used, sizeof line - used, "%scache %s of pages, %s%s", used ? "; " : "",
                                     memintro__tg_human((uint64_t)lines * MEMINTRO_CACHE_PAGE, h, sizeof h), agebuf,
                                     mw->cache < 0 ? " (the default for a live target)" : "");
        }
    }
    memintro__tg_fact(t, "middleware", "%s", line[0] ? line : "none (cache off)");
    st->base_facts = st->nfacts;
    t->phys = top;
    return MEMINTRO_OK;
}

/* One line of metrics: "metrics SPEC: ...". */
static void memintro__tg_metrics_line(const memintro__tg_state *st, const memintro_target_metrics *m, char *buf,
                                      size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "metrics %.200s: %llu batches, %llu ops (%llu failed), %llu bytes, "
                                              "%.3f ms in the backend, %llu direct lookups",
                                   st->spec ? st->spec : "?", MEMINTRO__TG_ULL(m->batches), MEMINTRO__TG_ULL(m->ops),
                                   MEMINTRO__TG_ULL(m->failed_ops), MEMINTRO__TG_ULL(m->bytes), (double)m->ns / 1e6,
                                   MEMINTRO__TG_ULL(m->direct));
    if (st->cache_on && used < size)
        snprintf(buf + used, size - used, "; cache %llu hits, %llu misses", MEMINTRO__TG_ULL(m->cache_hits),
                 MEMINTRO__TG_ULL(m->cache_misses));
}

MEMINTRO__TGDEF memintro_status memintro_target_metrics_get(const memintro_target *t, memintro_target_metrics *m)
{
    const memintro__tg_state *st = t ? t->state : 0;
    if (!st || !m) return MEMINTRO_E_INVALID;
    if (!st->metrics_on) return MEMINTRO_E_UNSUPPORTED;
    *m = st->m;
    if (st->cache_on) {
        m->cache_hits = st->cache.hits;
        m->cache_misses = st->cache.misses;
    }
    return MEMINTRO_OK;
}

/* ---- a registered connector's result into the target ---- */

static memintro_status memintro__tg_plugin_fill(memintro_target *t, const memintro_connector *c,
                                                const memintro_connector_result *r)
{
    memintro__tg_state *st = t->state;
    size_t i;
    uint64_t total = 0;
    if (!r->phys || !r->phys->read || !r->map)
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "connector %s: its open gave no memory backend or map", c->name);
    t->kind = MEMINTRO_TARGET_PLUGIN;
    t->phys = r->phys;
    t->map = r->map;
    t->live = r->live != 0;
    for (i = 0; i < r->map->count; i++) total += r->map->ranges[i].size;
    t->ram_size = r->ram_size ? r->ram_size : total;
    memcpy(t->description, r->description, sizeof t->description);
    t->description[sizeof t->description - 1] = 0;
    memintro__tg_oneline(t->description);
    if (!t->description[0]) memintro__tg_set(t->description, sizeof t->description, "%.500s", t->spec);
    t->layout = MEMINTRO_TARGET_LAYOUT_CONNECTOR;
    memcpy(t->layout_text, r->layout_text, sizeof t->layout_text);
    t->layout_text[sizeof t->layout_text - 1] = 0;
    memintro__tg_oneline(t->layout_text);
    if (!t->layout_text[0])
        memintro__tg_set(t->layout_text, sizeof t->layout_text, "from the connector %s", c->name);
    if (r->vmcoreinfo && r->vmcoreinfo_size) {
        t->vmcoreinfo = r->vmcoreinfo;
        t->vmcoreinfo_size = r->vmcoreinfo_size;
    }
    memintro__tg_fact(t, "version", "%s (a registered connector)", c->version && c->version[0] ? c->version : "?");
    memintro__tg_fact(t, "live", "%s", t->live ? "yes: reads race with the running guest" : "no");
    for (i = 0; i < r->map->count; i++) {
        const memintro_range *g = &r->map->ranges[i];
        memintro__tg_range(t, g->start, g->start + g->size, 0, "connector %s", c->name);
    }
    st->base_facts = st->nfacts;
    memset(&st->efacts, 0, sizeof st->efacts);
    st->efacts.vmcoreinfo = t->vmcoreinfo;
    st->efacts.vmcoreinfo_size = t->vmcoreinfo_size;
    st->efacts.memory_size = total;
    t->dump_facts = &st->efacts;
    if (r->cpus && r->cpu_count) {
        t->cpus = r->cpus;
        t->cpu_count = r->cpu_count;
        t->cpus_total = (uint32_t)r->cpu_count;
        t->cpus_loaded = 1;
        memintro__tg_set(t->cpu_source, sizeof t->cpu_source, "the connector %s", c->name);
        memintro__tg_cpu_facts(t);
        st->efacts.cpu_count = st->efacts.cpu_state_count = (uint32_t)r->cpu_count;
        st->efacts.cpus = r->cpus;
        st->efacts.elf_machine = r->cpus[0].isa == MEMINTRO_ISA_X86 ? 3 : 62;
        if (memintro__tg_paging_from_cpu0(t, t->cpu_source)) {
            st->efacts.mode = t->paging.arch;
            st->efacts.mmu_flags = t->paging.flags;
            st->efacts.dtb = t->paging.dtb;
        }
    } else {
        t->cpus_loaded = c->load_cpus == 0;
        memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "the connector %s %s", c->name,
                         c->load_cpus ? "reads CPU state on demand (memintro_target_load_cpus)" : "gives no CPU state");
    }
    return MEMINTRO_OK;
}

/* A registered connector's load_cpus. */
static memintro_status memintro__tg_plugin_cpus(memintro_target *t)
{
    memintro__tg_state *st = t->state;
    const memintro_connector *c = st->desc;
    const memintro_cpu *cpus = 0;
    size_t n = 0;
    char err[512];
    memintro_status s;
    if (!c->load_cpus) {
        if (t->cpu_count) return MEMINTRO_OK;
        return memintro__tg_fail(t, MEMINTRO_E_NOTFOUND, "%s", t->cpu_note[0] ? t->cpu_note : "no CPU state");
    }
    memintro__tg_drop_cpus(t);
    t->cpus_loaded = 1;
    err[0] = 0;
    s = c->load_cpus(st->conn_handle, &cpus, &n, err, sizeof err);
    if (s == MEMINTRO_OK && (!cpus || !n)) s = MEMINTRO_E_NOTFOUND;
    if (s != MEMINTRO_OK) {
        memintro__tg_fail(t, s, "connector %s: cannot read the CPU state: %s", c->name,
                          err[0] ? err : memintro_status_str(s));
        memintro__tg_set(t->cpu_note, sizeof t->cpu_note, "%.500s", t->error);
        return s;
    }
    t->cpus = cpus;
    t->cpu_count = n;
    t->cpus_total = (uint32_t)n;
    memintro__tg_set(t->cpu_source, sizeof t->cpu_source, "the connector %s", c->name);
    st->efacts.cpu_count = st->efacts.cpu_state_count = (uint32_t)n;
    st->efacts.cpus = cpus;
    st->efacts.elf_machine = cpus[0].isa == MEMINTRO_ISA_X86 ? 3 : 62;
    memintro__tg_cpu_facts(t);
    if (memintro__tg_paging_from_cpu0(t, t->cpu_source)) {
        st->efacts.mode = t->paging.arch;
        st->efacts.mmu_flags = t->paging.flags;
        st->efacts.dtb = t->paging.dtb;
    }
    t->error[0] = 0;
    return MEMINTRO_OK;
}

/* ---- public functions ---- */

MEMINTRO__TGDEF const char *memintro_target_kind_name(memintro_target_kind k)
{
    switch (k) {
    case MEMINTRO_TARGET_QEMU: return "qemu";
    case MEMINTRO_TARGET_DUMP: return "dump";
    case MEMINTRO_TARGET_RAW: return "raw";
    case MEMINTRO_TARGET_PLUGIN: return "plugin";
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
    case MEMINTRO_TARGET_LAYOUT_CONNECTOR: return "connector";
    default: return "none";
    }
}

static memintro_status memintro__tg_open(memintro_target *t, const char *spec, const memintro_target_options *o,
                                         int *taken)
{
    memintro_target_options def;
    memintro__tg_state *st;
    memintro_status s;
    memintro_connector_args args;
    memintro_connector_result res;
    memintro__tg_ctx ctx;
    memintro__tg_mw mw;
    const memintro_connector *c;
    const char *why;
    char name[64], err[1024];
    size_t nlen, n;
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
    for (nlen = 0; memintro__tg_namechar(spec[nlen]); nlen++) {}
    c = 0;
    if (nlen < sizeof name && (!spec[nlen] || spec[nlen] == ':' || spec[nlen] == ',')) {
        memcpy(name, spec, nlen);
        name[nlen] = 0;
        c = memintro_target_connector_find(name);
    }
    if (c && o->qemu_process && strcmp(c->name, "qemu")) {
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "%s: only the qemu connector opens a process's VM (nesting)",
                                 c->name);
    }
    if (!c) {
        char known[512] = "";
        size_t k, used;
        for (k = 0; k < memintro__tg_nreg; k++) {
            used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", memintro__tg_reg[k]->name);
        }
        nlen = strcspn(spec, ":,");
        t->bad_spec = 1;
        return memintro__tg_fail(t, MEMINTRO_E_INVALID, "unknown connector \"%.*s\" in \"%.200s\" (known: %s)",
                                 (int)(nlen > 64 ? 64 : nlen), spec, spec, known);
    }
    st = (memintro__tg_state *)memintro__tg_alloc(&o->allocator, sizeof *st);
    if (!st) return memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    memset(st, 0, sizeof *st);
    st->al = o->allocator;
    st->desc = c;
    t->state = st;
    n = strlen(spec) + 1;
    st->spec = memintro__tg_strdup(&st->al, spec, 0);
    st->argbuf = (char *)memintro__tg_alloc(&st->al, n < 256 ? 256 : n);
    if (!st->spec || !st->argbuf) {
        s = memintro__tg_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
        goto failed;
    }
    t->spec = st->spec;
    t->connector = c->name;
    t->connector_desc = c;
    why = memintro__tg_parse(c, spec, &args, &mw, st->argbuf, n < 256 ? 256 : n);
    if (why) {
        t->bad_spec = 1;
        s = memintro__tg_fail(t, MEMINTRO_E_INVALID, "%s", why);
        goto failed;
    }
    memset(&res, 0, sizeof res);
    ctx.magic = MEMINTRO__TG_MAGIC;
    ctx.t = t;
    res.handle = &ctx; /* the built-ins find the target here; others overwrite it */
    err[0] = 0;
    s = c->open(&args, o, &res, err, sizeof err);
    if (res.handle == &ctx) res.handle = 0;
    if (s == MEMINTRO_OK) {
        st->conn_handle = res.handle;
        st->conn_open = 1;
        if (!memintro__tg_is_builtin(c)) s = memintro__tg_plugin_fill(t, c, &res);
    } else if (!t->error[0]) {
        err[sizeof err - 1] = 0;
        memintro__tg_fail(t, s, "%s: %s", c->name, err[0] ? err : memintro_status_str(s));
        if (s == MEMINTRO_E_INVALID) t->bad_spec = 1; /* a registered connector refusing its string */
    }
    if (s == MEMINTRO_OK) s = memintro__tg_middleware(t, &mw, o);
failed:
    if (s != MEMINTRO_OK) {
        char keep[sizeof t->error];
        int bad = t->bad_spec;
        *taken = st->process_taken;
        memcpy(keep, t->error, sizeof keep);
        memintro_target_close(t);
        memcpy(t->error, keep, sizeof keep);
        t->bad_spec = bad;
        return s;
    }
    *taken = st->process_taken;
    t->writable = t->phys->write != 0;
    memintro__tg_sync(t);
    t->error[0] = 0;
    return MEMINTRO_OK;
}

MEMINTRO__TGDEF memintro_status memintro_target_open(memintro_target *t, const char *spec,
                                                  const memintro_target_options *o)
{
    int taken = 0;
    memintro_status s = memintro__tg_open(t, spec, o, &taken);
    if (o && o->qemu_process && !taken && o->qemu_process->release) o->qemu_process->release(o->qemu_process->user);
    return s;
}

MEMINTRO__TGDEF void memintro_target_close(memintro_target *t)
{
    memintro__tg_state *st;
    char keep[sizeof t->error];
    if (!t) return;
    st = t->state;
    if (st) {
        memintro_allocator al = st->al;
        if (st->metrics_on) {
            memintro_target_metrics m;
            char line[512];
            memintro_target_metrics_get(t, &m);
            memintro__tg_metrics_line(st, &m, line, sizeof line);
            if (st->metrics_fn)
                st->metrics_fn(st->metrics_user, &m, line);
            else
                fprintf(stderr, "memintro: %s\n", line);
        }
        if (st->conn_open && st->desc && st->desc->close) st->desc->close(st->conn_handle);
        st->conn_open = 0;
        if (st->qemu_open) memintro_qemu_close(&st->q);
        if (st->dump_open) memintro_coredump_close(&st->d);
        memintro__tg_free(&al, st->cache_mem);
        memintro__tg_free(&al, st->cpus);
        memintro__tg_free(&al, st->facts);
        memintro__tg_free(&al, st->ranges);
        memintro__tg_free(&al, st->qspec);
        memintro__tg_free(&al, st->path);
        memintro__tg_free(&al, st->argbuf);
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
    if (t->kind == MEMINTRO_TARGET_PLUGIN) return memintro__tg_plugin_cpus(t);
    if (t->cpu_count) return MEMINTRO_OK;
    return memintro__tg_fail(t, MEMINTRO_E_NOTFOUND, "%s", t->cpu_note[0] ? t->cpu_note : "no CPU state");
}

/* Checks that t is a live VM for `what`. */
static memintro_status memintro__tg_live(memintro_target *t, const char *what)
{
    if (!t || !t->state) return MEMINTRO_E_INVALID;
    if (t->kind != MEMINTRO_TARGET_QEMU)
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "%s needs a running VM; this target is a %s%s", what,
                                 memintro_target_kind_name(t->kind), t->kind == MEMINTRO_TARGET_PLUGIN ? "" : " file");
    return MEMINTRO_OK;
}

static memintro_status memintro__tg_qemu_done(memintro_target *t, memintro_status s, const char *what)
{
    if (s == MEMINTRO_OK) {
        if (t->state->cache_on) memintro_cache_invalidate(&t->state->cache); /* a new view of memory */
        t->error[0] = 0;
        return s;
    }
    return memintro__tg_fail(t, s, "%s: %s", what,
                             memintro_qemu_error(t->qemu)[0] ? memintro_qemu_error(t->qemu) : memintro_status_str(s));
}

/* A registered connector's pause (or resume). */
static memintro_status memintro__tg_plugin_pause(memintro_target *t, int pause)
{
    const memintro_connector *c = t->state->desc;
    memintro_status s;
    if (!c->pause)
        return memintro__tg_fail(t, MEMINTRO_E_UNSUPPORTED, "the connector %s cannot %s its target", c->name,
                                 pause ? "pause" : "resume");
    s = c->pause(t->state->conn_handle, pause);
    if (s != MEMINTRO_OK)
        return memintro__tg_fail(t, s, "the connector %s: cannot %s: %s", c->name, pause ? "pause" : "resume",
                                 memintro_status_str(s));
    if (t->state->cache_on) memintro_cache_invalidate(&t->state->cache);
    t->error[0] = 0;
    return MEMINTRO_OK;
}

MEMINTRO__TGDEF memintro_status memintro_target_pause(memintro_target *t)
{
    memintro_status s;
    if (t && t->state && t->kind == MEMINTRO_TARGET_PLUGIN) return memintro__tg_plugin_pause(t, 1);
    s = memintro__tg_live(t, "pausing");
    if (s != MEMINTRO_OK) return s;
    return memintro__tg_qemu_done(t, memintro_qemu_pause(t->qemu), "cannot pause the VM");
}

MEMINTRO__TGDEF memintro_status memintro_target_resume(memintro_target *t)
{
    memintro_status s;
    if (t && t->state && t->kind == MEMINTRO_TARGET_PLUGIN) return memintro__tg_plugin_pause(t, 0);
    s = memintro__tg_live(t, "resuming");
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
#undef MEMINTRO__TG_NMW
#undef MEMINTRO__TG_CACHE_SIZE
#undef MEMINTRO__TG_CACHE_TIME
#undef MEMINTRO__TG_MAGIC
#undef MEMINTRO__TG_NBUILTIN
#undef MEMINTRO__TG_MAX_REG


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
