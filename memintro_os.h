/* memintro_os.h - the guest OS of any target, by name: one interface over every OS layer.

   An embedder opens a target and its operating system in two calls:

       memintro_target_open(&t, "qemu:name=vm1", NULL);
       memintro_os_open(&os, &t, "auto", NULL);

   and then lists processes and modules, reads a process's address space or the kernel's,
   and looks up kernel symbols the same way whatever the guest runs. The OS layers:

     win32   Windows guests (memintro_win32.h): processes, modules (a process's loader list,
             WoW64's 32-bit list, the kernel's), a process's address space, the kernel's
             exports as symbols;
     linux   Linux guests (memintro_linux.h): tasks, modules (a process's file mappings, the
             kernel's modules), a process's address space, kallsyms symbols; the walkers need
             the kernel's BTF (CONFIG_DEBUG_INFO_BTF), the symbols do not;
     ...     layers registered by the program or by plugins (memintro_os_register);
     none    no operating system: the kernel address space is the target's CPU 0 paging
             (or the hints'), nothing else. Always found, always last.

   Detection ("auto") tries the layers in that order and takes the first one found; each one
   not found says why in one line (os.why). Detection takes its hints from the target object
   alone (memintro_win32_hints_from_target, memintro_linux_hints_from_target: a crash dump's
   header, VMCOREINFO, CPU 0's CR3 and RIP, the end of the memory map; a live VM's registers
   are read first), plus the caller's memintro_os_hints: this is the code the memintro CLI
   runs, so an embedder gets what `memintro info` shows.

   HOSTED: allocates (the layers' memory: about 210 KiB for win32, 64 KiB plus the symbol
   table and the BTF copy for linux, about 8 MiB for Debian 12's kernel).

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_OS_IMPLEMENTATION
         #include "memintro_os.h"
     That file also gets the implementations of memintro_target.h (and through it memintro.h,
     memintro_qemu.h, memintro_coredump.h), memintro_win32.h and memintro_linux.h, unless
     MEMINTRO_OS_NO_DEPS is defined too (then other files must provide them, with
     memintro_target.h included before memintro_win32.h and memintro_linux.h so that their
     hints_from_target functions exist). As with memintro_target.h, _GNU_SOURCE is defined
     when this header is the first thing the file includes.
     Everywhere else just #include "memintro_os.h".

   CONFIGURATION (define before including the implementation)
     | macro                    | default  | meaning                                       |
     |--------------------------|----------|-----------------------------------------------|
     | MEMINTRO_OS_MALLOC(n)    | malloc(n)| the layers' allocations                       |
     | MEMINTRO_OS_FREE(p)      | free(p)  | the matching release                          |
     | MEMINTRO_OS_MAX_LAYERS   | 32       | layers registered besides the built-ins       |
     | MEMINTRO_OS_NO_DEPS      | undefined| do not compile the other headers' code        |

   THIS LIBRARY DOES NOT
     - load plugins (memintro_plugin.h does, and registers their layers here);
     - lock: the registry is one list per program (register before opening), and one
       memintro_os per thread (the address spaces it hands out share its scratch and TLB);
     - follow a live guest: detection is done once at open; processes are walked anew at
       every call, a reboot needs a new memintro_os_open;
     - copy the target: it must stay open until memintro_os_close;
     - hand out more than one process address space at a time per memintro_os: each
       memintro_os_process_virt call rebinds the one object it returned before.

   REFERENCE (in the order declared below)
     memintro_os_open           the layer `name` ("auto": the first found) on an open target
     memintro_os_close          release what the layer keeps
     memintro_os_error          the last failure, one line
     memintro_os_facts          the layer's facts as name/value text (build, kernel base, ...)
     memintro_os_processes      walk the processes
     memintro_os_process_find   one process by pid
     memintro_os_modules        walk a process's modules, or the kernel's (MEMINTRO_OS_KERNEL_PID)
     memintro_os_process_virt   a process's virtual address space
     memintro_os_kernel_virt    the kernel's virtual address space
     memintro_os_symbol         a kernel symbol's address
     memintro_os_register       add a layer (before "none")
     memintro_os_layer_list     every layer, in detection order
     memintro_os_layer_find     the layer of a name
     memintro_os_win32 / _linux / _linux_kernel / _linux_walkers
                                the built-in layers' own objects, for what only they offer
     memintro_os_target_open    a qemu connector on a QEMU running inside the guest (nesting)

   EXAMPLE (compiled by tests/test_os.c, which runs it on a synthetic Windows image)

       memintro_target t;
       memintro_os os;
       memintro_os_process p;
       if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
           fprintf(stderr, "%s: %s\n", spec, memintro_target_error(&t));
           return 1;
       }
       if (memintro_os_open(&os, &t, "auto", NULL) != MEMINTRO_OK) {
           fprintf(stderr, "%s\n", memintro_os_error(&os));
           memintro_target_close(&t);
           return 1;
       }
       printf("%s (%s)\n", os.layer->name, os.why[0] ? os.why : "the first layer tried");
       if (memintro_os_process_find(&os, 4, &p) == MEMINTRO_OK)
           printf("pid 4: %s, DTB 0x%llx\n", p.name, (unsigned long long)p.dtb);
       memintro_os_close(&os);
       memintro_target_close(&t);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_OS_H
#define MEMINTRO_OS_H

#if defined(MEMINTRO_OS_IMPLEMENTATION) && !defined(MEMINTRO_OS_NO_DEPS)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* all of memintro_target.h's too, so that the order of includes does not matter (a file
   may have included memintro_target.h for its declarations first) */
#ifndef MEMINTRO_TARGET_IMPLEMENTATION
#define MEMINTRO_TARGET_IMPLEMENTATION
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
#ifndef MEMINTRO_WIN32_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#endif
#ifndef MEMINTRO_LINUX_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#endif
#endif

#include "memintro.h"
#include "memintro_qemu.h"
#include "memintro_coredump.h"
#include "memintro_target.h"
#include "memintro_win32.h"
#include "memintro_linux.h"

#define MEMINTRO_OS_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_OS_VERSION_MINOR 1

#define MEMINTRO_OS_ABI 1u /* memintro_os_layer.abi */

#ifdef __cplusplus
extern "C" {
#endif

/* memintro_os_process.flags */
#define MEMINTRO_OS_PROC_32BIT 0x1u  /* a 32-bit (WoW64/compat) process */
#define MEMINTRO_OS_PROC_EXITED 0x2u /* exited, still listed (Windows: ExitTime set; Linux: a zombie) */
#define MEMINTRO_OS_PROC_KERNEL 0x4u /* a kernel thread / the System process (Windows: no PEB) */

/* One process. */
typedef struct memintro_os_process {
    uint64_t pid, ppid;
    uint64_t dtb;          /* its page-table root, 0 if none (kernel threads) */
    uint64_t object;       /* guest-virtual address of the kernel's object (EPROCESS, task_struct) */
    uint32_t flags;        /* MEMINTRO_OS_PROC_* */
    uint32_t reserved;
    char name[64];         /* UTF-8, NUL-terminated, clamped */
} memintro_os_process;

#define MEMINTRO_OS_KERNEL_PID UINT64_MAX /* memintro_os_modules: the kernel's own modules */
#define MEMINTRO_OS_MOD_32BIT 0x1u        /* memintro_os_modules flags: the 32-bit list (WoW64) */

/* One module: a loaded image (Windows), a kernel module or a mapped file (Linux). */
typedef struct memintro_os_module {
    uint64_t base, size;
    char name[128];        /* UTF-8, NUL-terminated, clamped */
    char path[512];        /* "" when the layer knows none */
} memintro_os_module;

/* Callbacks of the walks; a non-zero return stops the walk (which then returns OK). */
typedef int (*memintro_os_process_fn)(void *user, const memintro_os_process *p);
typedef int (*memintro_os_module_fn)(void *user, const memintro_os_module *m);
typedef int (*memintro_os_fact_fn)(void *user, const char *name, const char *value);

/* Hints from the caller (the CLI's --arch/--dtb); zeroed = none. */
typedef struct memintro_os_hints {
    memintro_mmu_desc paging; /* arch NONE: no paging mode hint; dtb non-zero: a DTB hint
                                 (a layer for other modes says it is not there) */
    uint64_t kernel_base;     /* win32: ntoskrnl's base; 0: none (linux ignores it) */
} memintro_os_hints;

/* An OS layer. The built-ins are plain instances of it; plugins fill one in. */
typedef struct memintro_os_layer {
    uint32_t abi;          /* MEMINTRO_OS_ABI */
    const char *name;      /* "win32", "linux", "none", a plugin's own */
    const char *help;      /* one line */
    /* Looks for this OS in t (h is never NULL: zeroed when the caller gave none).
       MEMINTRO_OK and *state; MEMINTRO_E_NOTFOUND with a one-line reason in why (the OS is
       not there); another status when the target failed (why says how). */
    memintro_status (*detect)(memintro_target *t, const memintro_os_hints *h, void **state,
                              char *why, size_t whylen);
    void (*release)(void *state);
    /* info's fields (name/value), e.g. "build" "19045", "kernel_base" "0x...". */
    memintro_status (*facts)(void *state, memintro_os_fact_fn fn, void *user);
    memintro_status (*processes)(void *state, memintro_os_process_fn fn, void *user);
    memintro_status (*modules)(void *state, uint64_t pid, uint32_t flags, memintro_os_module_fn fn, void *user);
    /* The address space of process pid (valid until release; may reuse one object). */
    memintro_status (*process_virt)(void *state, uint64_t pid, memintro_virt **out);
    /* The kernel's address space. */
    memintro_status (*kernel_virt)(void *state, memintro_virt **out);
    /* Optional: a kernel symbol's address. */
    memintro_status (*symbol)(void *state, const char *name, uint64_t *addr);
    const char *version;
} memintro_os_layer;

/* An open OS layer on a target. Plain data; memintro_os_open fills it. */
typedef struct memintro_os {
    const memintro_os_layer *layer; /* the layer found ("none" when nothing else was) */
    void *state;
    memintro_target *target;
    char why[1024];   /* auto: why each layer before the one found was not found, as
                         "NAME: REASON" entries separated by "; " (a reason holds no ';') */
    char error[512];  /* the last failure, one line */
} memintro_os;

/* Opens the OS layer `name` ("auto" or NULL: the first registered layer found, ending with
   "none") on t (must stay open until memintro_os_close). h may be NULL. Returns
   MEMINTRO_OK; MEMINTRO_E_NOTFOUND when `name` names a layer whose OS is not there
   (os->error says why); MEMINTRO_E_INVALID for an unknown name (error lists the known ones)
   or a NULL os/t; others: the target failed (E_GONE, E_IO) or memory ran out (E_NOSPACE).
   memintro_os_close is allowed after a failure. */
MEMINTRO_API memintro_status memintro_os_open(memintro_os *os, memintro_target *t, const char *name,
                                              const memintro_os_hints *h);
/* Releases what the layer keeps; os is zeroed except error. Safe on a failed or closed os. */
MEMINTRO_API void memintro_os_close(memintro_os *os);
/* The last failure's message, one line ("" if none). */
MEMINTRO_API const char *memintro_os_error(const memintro_os *os);
/* Calls fn(name, value) for each of the layer's facts. Returns MEMINTRO_OK, E_UNSUPPORTED
   when the layer has none, E_INVALID when os is not open. */
MEMINTRO_API memintro_status memintro_os_facts(memintro_os *os, memintro_os_fact_fn fn, void *user);
/* Walks the processes in the guest's own list order (Windows: the active process list from
   System; Linux: the thread-group leaders from init_task). Returns MEMINTRO_OK after the whole
   list; a broken list ends the walk after the processes before it with the layer's status
   (E_FORMAT, E_LIMIT, E_UNMAPPED, ...); E_UNSUPPORTED when the layer knows no processes (none;
   linux without BTF: error says what the kernel's types lack). */
MEMINTRO_API memintro_status memintro_os_processes(memintro_os *os, memintro_os_process_fn fn, void *user);
/* The first process whose pid is `pid`. Returns MEMINTRO_OK, E_NOTFOUND, or the status of
   a walk that broke first. */
MEMINTRO_API memintro_status memintro_os_process_find(memintro_os *os, uint64_t pid, memintro_os_process *out);
/* Walks the modules of process pid in load order, or with MEMINTRO_OS_KERNEL_PID the kernel's
   (Windows: PsLoadedModuleList; Linux: its module list, newest first). flags
   MEMINTRO_OS_MOD_32BIT: a WoW64 process's 32-bit list. Linux processes: each mapped file
   once (its first mapping's start to its last mapping's end, name = the file's last path
   component). Returns MEMINTRO_OK; E_NOTFOUND (no such process, or it has no module list: a
   kernel-only process, no PEB32); E_UNSUPPORTED (the layer knows no modules, or 32-bit
   lists on Linux); E_INVALID (MOD_32BIT with the kernel's list); a broken list's status
   after the modules before it. */
MEMINTRO_API memintro_status memintro_os_modules(memintro_os *os, uint64_t pid, uint32_t flags,
                                                 memintro_os_module_fn fn, void *user);
/* The address space of process pid: *out is valid until the next call or memintro_os_close.
   Returns MEMINTRO_OK; E_NOTFOUND (no such process, or a kernel thread without an address
   space of its own); E_UNSUPPORTED (the layer knows no processes); E_INVALID (a DTB the mode
   cannot have). */
MEMINTRO_API memintro_status memintro_os_process_virt(memintro_os *os, uint64_t pid, memintro_virt **out);
/* The kernel's address space (none: the hints' paging, else the target's CPU 0 paging).
   Returns MEMINTRO_OK; E_NOTFOUND when none knows no paging (error says why). */
MEMINTRO_API memintro_status memintro_os_kernel_virt(memintro_os *os, memintro_virt **out);
/* The address of kernel symbol `name` (win32: an export of ntoskrnl.exe; linux: kallsyms).
   Returns MEMINTRO_OK; E_NOTFOUND; E_UNSUPPORTED when the layer has no symbols. */
MEMINTRO_API memintro_status memintro_os_symbol(memintro_os *os, const char *name, uint64_t *addr);

/* Registry: built-ins win32, linux, then registered ones, "none" always last. Adds l (it
   must stay valid) before "none". Returns MEMINTRO_OK; MEMINTRO_E_INVALID when the name is
   taken (the earlier one stays), abi differs, or name/detect/kernel_virt is missing;
   MEMINTRO_E_LIMIT past MEMINTRO_OS_MAX_LAYERS. Not thread-safe: register before opening. */
MEMINTRO_API memintro_status memintro_os_register(const memintro_os_layer *l);
/* Every layer in detection order (count gets how many). */
MEMINTRO_API const memintro_os_layer *const *memintro_os_layer_list(size_t *count);
/* The layer named `name`, or NULL. */
MEMINTRO_API const memintro_os_layer *memintro_os_layer_find(const char *name);

/* The built-in layers' objects, for what only they offer (NULL / E_INVALID when os's layer
   is not that one). Valid until memintro_os_close. */
MEMINTRO_API memintro_win32 *memintro_os_win32(const memintro_os *os);
MEMINTRO_API memintro_linux_os *memintro_os_linux(const memintro_os *os);
MEMINTRO_API memintro_linux *memintro_os_linux_kernel(const memintro_os *os);
/* MEMINTRO_OK when the Linux walkers (tasks, maps, modules, log) can run; else why not:
   E_UNSUPPORTED (no BTF), E_NOTFOUND (memintro_os_linux(os)->missing_tasks names what the
   kernel's types or symbols lack), E_FORMAT (a damaged BTF blob). */
MEMINTRO_API memintro_status memintro_os_linux_walkers(const memintro_os *os);

/* Nesting: opens `spec`, a qemu connector string ("qemu:inner", "qemu:name=inner,cache=off",
   "qemu:pid=123"), on a QEMU process that runs INSIDE the guest of os (the VM in a VM),
   the way memflow chains connector("qemu").os("linux").connector("qemu"). The VM is chosen
   among the guest's processes as the qemu connector chooses among the host's (by name=,
   by pid= - the guest's pid -, or the only QEMU running); its command line and memory maps
   come from the Linux layer, its RAM is read through the guest's page tables of that
   process, the layout comes from the machine-type tables (the inner QMP socket is out of
   reach: map=qmp and qmp= fail, and so do pause, resume and registers). Pages the inner
   QEMU never touched are not in the guest's page tables: reading them fails with
   MEMINTRO_E_UNMAPPED, not zeros. t is then an ordinary target (any OS layer may be opened
   on it in turn); os and its target must stay open until memintro_target_close(t). o may
   be NULL. Returns what memintro_target_open returns, and: MEMINTRO_E_UNSUPPORTED when
   os's layer is not linux or its walkers cannot run (t->error says why); MEMINTRO_E_INVALID
   for a connector other than qemu; MEMINTRO_E_NOTFOUND when no guest process is that VM;
   MEMINTRO_E_INVALID when several are (the message lists them). */
MEMINTRO_API memintro_status memintro_os_target_open(memintro_target *t, memintro_os *os, const char *spec,
                                                     const memintro_target_options *o);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_OS_H */

/* =====================================================================================
   Implementation. Stop reading here if you only want the API.
   ===================================================================================== */

#ifdef MEMINTRO_OS_IMPLEMENTATION
#ifndef MEMINTRO_OS_IMPLEMENTATION_INCLUDED
#define MEMINTRO_OS_IMPLEMENTATION_INCLUDED

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MEMINTRO_OS_MALLOC
#define MEMINTRO_OS_MALLOC(n) malloc(n)
#endif
#ifndef MEMINTRO_OS_FREE
#define MEMINTRO_OS_FREE(p) free(p)
#endif
#ifndef MEMINTRO_OS_MAX_LAYERS
#define MEMINTRO_OS_MAX_LAYERS 32
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__OS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MEMINTRO__OS_PRINTF(f, a)
#endif
#define MEMINTRO__OS_ULL(x) ((unsigned long long)(x))
#define MEMINTRO__OS_W32_TLB 4096 /* TLB entries of the Windows layer (the CLI's figure) */
#define MEMINTRO__OS_PAGES 1024   /* pages per translation round of the address spaces handed out */

#ifdef MEMINTRO_STATIC
#define MEMINTRO__OSDEF static
#else
#define MEMINTRO__OSDEF
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- helpers ---- */

static void memintro__os_set(char *buf, size_t size, const char *fmt, ...) MEMINTRO__OS_PRINTF(3, 4);
static void memintro__os_set(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t i;
    if (!size) return;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    for (i = 0; buf[i]; i++) /* one line */
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
}

static memintro_status memintro__os_fail(memintro_os *os, memintro_status s, const char *fmt, ...)
    MEMINTRO__OS_PRINTF(3, 4);
static memintro_status memintro__os_fail(memintro_os *os, memintro_status s, const char *fmt, ...)
{
    va_list ap;
    size_t i;
    va_start(ap, fmt);
    vsnprintf(os->error, sizeof os->error, fmt, ap);
    va_end(ap);
    for (i = 0; os->error[i]; i++)
        if (os->error[i] == '\n' || os->error[i] == '\r' || os->error[i] == '\t') os->error[i] = ' ';
    return s;
}

static void *memintro__os_alloc(size_t n)
{
    void *p = MEMINTRO_OS_MALLOC(n ? n : 1);
    if (p) memset(p, 0, n ? n : 1);
    return p;
}

static void memintro__os_strcpy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* Every built-in state starts with this: the line a failed call leaves for os->error. */
typedef struct memintro__os_base {
    char msg[400];
} memintro__os_base;

/* ---- win32 ---- */

typedef struct memintro__os_w32 {
    memintro__os_base base;
    memintro_win32 w;
    void *mem;
    memintro_virt pv; /* the process space handed out last */
} memintro__os_w32;

static memintro_status memintro__os_w32_detect(memintro_target *t, const memintro_os_hints *oh, void **state,
                                               char *why, size_t whylen)
{
    memintro_win32_hints h;
    memintro__os_w32 *st;
    memintro_status s;
    size_t need = memintro_win32_mem_size(MEMINTRO__OS_W32_TLB);
    memintro_arch a = oh->paging.arch;
    *state = 0;
    if (!t->cpus_loaded) memintro_target_load_cpus(t); /* a live VM's registers (files: at open) */
    memintro_win32_hints_from_target(t, &h);
    if (a != MEMINTRO_ARCH_NONE) {
        if (a != MEMINTRO_ARCH_X86_64 && a != MEMINTRO_ARCH_X86_PAE && a != MEMINTRO_ARCH_X86) {
            memintro__os_set(why, whylen, "Windows guests are x86_64, pae or x86, not %s", memintro_arch_name(a));
            return MEMINTRO_E_NOTFOUND;
        }
        if (h.arch != a) { /* a CR3 of another mode is no hint for this one */
            h.dtb = 0;
            h.dtb_source = MEMINTRO_WIN32_SRC_NONE;
        }
        h.arch = a;
    }
    if (oh->paging.dtb) {
        h.dtb = oh->paging.dtb;
        h.dtb_source = MEMINTRO_WIN32_SRC_HINT;
    }
    if (oh->kernel_base) h.kernel_base = oh->kernel_base;
    st = (memintro__os_w32 *)memintro__os_alloc(sizeof *st);
    if (st) st->mem = MEMINTRO_OS_MALLOC(need);
    if (!st || !st->mem) {
        if (st) MEMINTRO_OS_FREE(st);
        memintro__os_set(why, whylen, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    s = memintro_win32_init(&st->w, t->phys, &h, MEMINTRO__OS_W32_TLB, st->mem, need);
    if (s == MEMINTRO_OK) {
        *state = st;
        return MEMINTRO_OK;
    }
    {
        const char *w = memintro_win32_why(&st->w);
        memintro__os_set(why, whylen, "%s", w && w[0] ? w : memintro_status_str(s));
    }
    MEMINTRO_OS_FREE(st->mem);
    MEMINTRO_OS_FREE(st);
    return s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO ? s : MEMINTRO_E_NOTFOUND;
}

static void memintro__os_w32_release(void *state)
{
    memintro__os_w32 *st = (memintro__os_w32 *)state;
    if (!st) return;
    MEMINTRO_OS_FREE(st->mem);
    MEMINTRO_OS_FREE(st);
}

/* Calls fn with name and a formatted value; returns fn's result. */
static int memintro__os_fact(memintro_os_fact_fn fn, void *user, const char *name, const char *fmt, ...)
    MEMINTRO__OS_PRINTF(4, 5);
static int memintro__os_fact(memintro_os_fact_fn fn, void *user, const char *name, const char *fmt, ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    return fn(user, name, v);
}

static memintro_status memintro__os_w32_facts(void *state, memintro_os_fact_fn fn, void *user)
{
    const memintro_win32 *w = &((memintro__os_w32 *)state)->w;
    const char *found = memintro_win32_why(w);
    /* each call in turn until fn asks to stop */
    (void)(memintro__os_fact(fn, user, "arch", "%s", memintro_arch_name(w->arch)) ||
        memintro__os_fact(fn, user, "version", "%u.%u", (unsigned)w->major, (unsigned)w->minor) ||
        memintro__os_fact(fn, user, "build", "%u", (unsigned)w->build) ||
        memintro__os_fact(fn, user, "kernel_base", "0x%llx", MEMINTRO__OS_ULL(w->kernel_base)) ||
        memintro__os_fact(fn, user, "kernel_size", "%llu", MEMINTRO__OS_ULL(w->kernel_size)) ||
        memintro__os_fact(fn, user, "kernel_base_source", "%s", memintro_win32_source_name(w->base_source)) ||
        memintro__os_fact(fn, user, "dtb", "0x%llx", MEMINTRO__OS_ULL(w->dtb)) ||
        memintro__os_fact(fn, user, "dtb_source", "%s", memintro_win32_source_name(w->dtb_source)) ||
        memintro__os_fact(fn, user, "offsets_source", "%s", memintro_win32_source_name(w->offsets_source)) ||
        memintro__os_fact(fn, user, "system_eprocess", "0x%llx", MEMINTRO__OS_ULL(w->system_process)) ||
        memintro__os_fact(fn, user, "ps_active_process_head", "0x%llx", MEMINTRO__OS_ULL(w->ps_active_process_head)) ||
        memintro__os_fact(fn, user, "ps_loaded_module_list", "0x%llx", MEMINTRO__OS_ULL(w->ps_loaded_module_list)) ||
        memintro__os_fact(fn, user, "found", "%s", found ? found : ""));
    return MEMINTRO_OK;
}

typedef struct memintro__os_w32_walk {
    memintro_os_process_fn pfn;
    memintro_os_module_fn mfn;
    void *user;
} memintro__os_w32_walk;

static void memintro__os_w32_proc(const memintro_win32_process *p, memintro_os_process *o)
{
    memset(o, 0, sizeof *o);
    o->pid = p->pid;
    o->ppid = p->ppid;
    o->dtb = p->dtb;
    o->object = p->eprocess;
    if (p->flags & MEMINTRO_WIN32_PROC_WOW64) o->flags |= MEMINTRO_OS_PROC_32BIT;
    if (p->flags & MEMINTRO_WIN32_PROC_EXITED) o->flags |= MEMINTRO_OS_PROC_EXITED;
    if (!p->peb) o->flags |= MEMINTRO_OS_PROC_KERNEL;
    memintro__os_strcpy(o->name, sizeof o->name, p->name);
}

static int memintro__os_w32_proc_one(void *user, const memintro_win32_process *p)
{
    memintro__os_w32_walk *k = (memintro__os_w32_walk *)user;
    memintro_os_process o;
    memintro__os_w32_proc(p, &o);
    return k->pfn(k->user, &o);
}

static memintro_status memintro__os_w32_processes(void *state, memintro_os_process_fn fn, void *user)
{
    memintro__os_w32 *st = (memintro__os_w32 *)state;
    memintro__os_w32_walk k;
    memintro_status s;
    k.pfn = fn;
    k.mfn = 0;
    k.user = user;
    s = memintro_win32_processes(&st->w, memintro__os_w32_proc_one, &k);
    if (s != MEMINTRO_OK) memintro__os_set(st->base.msg, sizeof st->base.msg, "the process list: %s", memintro_status_str(s));
    return s;
}

static int memintro__os_w32_mod_one(void *user, const memintro_win32_module *m)
{
    memintro__os_w32_walk *k = (memintro__os_w32_walk *)user;
    memintro_os_module o;
    memset(&o, 0, sizeof o);
    o.base = m->base;
    o.size = m->size;
    memintro__os_strcpy(o.name, sizeof o.name, m->name);
    memintro__os_strcpy(o.path, sizeof o.path, m->path);
    return k->mfn(k->user, &o);
}

/* Process pid of the Windows layer (msg set when not found). */
static memintro_status memintro__os_w32_find(memintro__os_w32 *st, uint64_t pid, memintro_win32_process *p)
{
    memintro_status s = memintro_win32_process_find(&st->w, pid, 0, p);
    if (s == MEMINTRO_E_NOTFOUND)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "no process with pid %llu", MEMINTRO__OS_ULL(pid));
    else if (s != MEMINTRO_OK)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "cannot find pid %llu: %s", MEMINTRO__OS_ULL(pid),
                         memintro_status_str(s));
    return s;
}

static memintro_status memintro__os_w32_modules(void *state, uint64_t pid, uint32_t flags, memintro_os_module_fn fn,
                                                void *user)
{
    memintro__os_w32 *st = (memintro__os_w32 *)state;
    memintro_win32_process p;
    memintro__os_w32_walk k;
    memintro_status s;
    k.pfn = 0;
    k.mfn = fn;
    k.user = user;
    if (pid == MEMINTRO_OS_KERNEL_PID) {
        if (flags & MEMINTRO_OS_MOD_32BIT) {
            memintro__os_set(st->base.msg, sizeof st->base.msg, "the kernel has no 32-bit module list");
            return MEMINTRO_E_INVALID;
        }
        s = memintro_win32_modules(&st->w, 0, 0, memintro__os_w32_mod_one, &k);
        if (s != MEMINTRO_OK)
            memintro__os_set(st->base.msg, sizeof st->base.msg, "the kernel's module list: %s", memintro_status_str(s));
        return s;
    }
    if ((s = memintro__os_w32_find(st, pid, &p)) != MEMINTRO_OK) return s;
    s = memintro_win32_modules(&st->w, &p, (flags & MEMINTRO_OS_MOD_32BIT) ? MEMINTRO_WIN32_MOD_WOW64 : 0,
                               memintro__os_w32_mod_one, &k);
    if (s == MEMINTRO_E_NOTFOUND)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "pid %llu (%s) has no %s", MEMINTRO__OS_ULL(pid), p.name,
                         (flags & MEMINTRO_OS_MOD_32BIT) ? "PEB32 (not a WoW64 process)" : "PEB (a kernel-only process)");
    else if (s != MEMINTRO_OK)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "the %smodule list of pid %llu (%s): %s",
                         (flags & MEMINTRO_OS_MOD_32BIT) ? "32-bit " : "", MEMINTRO__OS_ULL(pid), p.name,
                         memintro_status_str(s));
    return s;
}

static memintro_status memintro__os_w32_process_virt(void *state, uint64_t pid, memintro_virt **out)
{
    memintro__os_w32 *st = (memintro__os_w32 *)state;
    memintro_win32_process p;
    memintro_status s;
    if ((s = memintro__os_w32_find(st, pid, &p)) != MEMINTRO_OK) return s;
    if ((s = memintro_win32_process_virt(&st->w, &p, &st->pv)) != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "pid %llu (%s): DTB 0x%llx: %s", MEMINTRO__OS_ULL(pid), p.name,
                         MEMINTRO__OS_ULL(p.dtb), memintro_status_str(s));
        return s;
    }
    *out = &st->pv;
    return MEMINTRO_OK;
}

static memintro_status memintro__os_w32_kernel_virt(void *state, memintro_virt **out)
{
    *out = &((memintro__os_w32 *)state)->w.kernel;
    return MEMINTRO_OK;
}

static memintro_status memintro__os_w32_symbol(void *state, const char *name, uint64_t *addr)
{
    memintro__os_w32 *st = (memintro__os_w32 *)state;
    memintro_pe pe;
    memintro_pe_export e;
    memintro_status s = memintro_pe_open(&pe, &st->w.kernel, st->w.kernel_base);
    if (s != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "ntoskrnl.exe at 0x%llx: %s",
                         MEMINTRO__OS_ULL(st->w.kernel_base), memintro_status_str(s));
        return s;
    }
    s = memintro_pe_export_find(&pe, name, &e);
    if (s == MEMINTRO_OK && !e.address) s = MEMINTRO_E_NOTFOUND; /* a forwarder */
    if (s != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "%s: %s", name,
                         s == MEMINTRO_E_NOTFOUND ? "not an export of ntoskrnl.exe" : memintro_status_str(s));
        return s;
    }
    *addr = e.address;
    return MEMINTRO_OK;
}

/* ---- linux ---- */

typedef struct memintro__os_lx {
    memintro__os_base base;
    memintro_linux *l; /* about 64 KiB */
    void *mem, *index, *scratch;
    memintro_linux_os os;
    memintro_btf btf;
    memintro_status walkers; /* MEMINTRO_OK: the task walkers run */
    memintro_virt pv;
} memintro__os_lx;

static void memintro__os_lx_release(void *state)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    if (!st) return;
    MEMINTRO_OS_FREE(st->mem);
    MEMINTRO_OS_FREE(st->index);
    MEMINTRO_OS_FREE(st->scratch);
    MEMINTRO_OS_FREE(st->l);
    MEMINTRO_OS_FREE(st);
}

static memintro_status memintro__os_lx_detect(memintro_target *t, const memintro_os_hints *oh, void **state,
                                              char *why, size_t whylen)
{
    memintro_linux_hints h;
    memintro__os_lx *st;
    memintro_linux *l;
    memintro_status s;
    memintro_arch a = oh->paging.arch;
    *state = 0;
    if (!t->cpus_loaded) memintro_target_load_cpus(t); /* a live VM's registers (files: at open) */
    memintro_linux_hints_from_target(t, &h);
    if (a != MEMINTRO_ARCH_NONE) {
        if (a != MEMINTRO_ARCH_X86_64 && a != MEMINTRO_ARCH_X86_64_LA57) {
            memintro__os_set(why, whylen, "Linux guests are x86_64 or la57 here, not %s", memintro_arch_name(a));
            return MEMINTRO_E_NOTFOUND;
        }
        if (h.arch != a) h.dtb = 0; /* a CR3 of another mode is no hint for this one */
        h.arch = a;
    }
    if (oh->paging.dtb) h.dtb = oh->paging.dtb;
    st = (memintro__os_lx *)memintro__os_alloc(sizeof *st);
    l = st ? (memintro_linux *)memintro__os_alloc(sizeof *l) : 0;
    if (!l) {
        if (st) MEMINTRO_OS_FREE(st);
        memintro__os_set(why, whylen, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    st->l = l;
    s = memintro_linux_init(l, t->phys, &h, 0, 0);
    if (s == MEMINTRO_E_NOSPACE && l->mem_needed) {
        st->mem = MEMINTRO_OS_MALLOC(l->mem_needed);
        s = st->mem ? memintro_linux_init(l, t->phys, &h, st->mem, l->mem_needed) : MEMINTRO_E_NOSPACE;
        if (!st->mem) memintro__os_set(why, whylen, "out of memory (%llu bytes for the symbols)", MEMINTRO__OS_ULL(l->mem_needed));
    }
    if (s != MEMINTRO_OK) {
        if (st->mem || s != MEMINTRO_E_NOSPACE) {
            const char *w = memintro_linux_why(l);
            memintro__os_set(why, whylen, "%s", w && w[0] ? w : memintro_status_str(s));
        }
        memintro__os_lx_release(st);
        return s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO || s == MEMINTRO_E_NOSPACE ? s : MEMINTRO_E_NOTFOUND;
    }
    /* the walkers: types from the kernel's BTF, symbols from its kallsyms */
    if (l->btf_data && l->btf_size) {
        size_t need = memintro_btf_index_size(l->btf_data, (size_t)l->btf_size);
        st->index = need ? MEMINTRO_OS_MALLOC(need) : 0;
        st->walkers = need && !st->index ? MEMINTRO_E_NOSPACE
                                         : memintro_linux_os_from(&st->os, l, &st->btf, st->index, need);
    } else {
        memintro_linux_os_from(&st->os, l, &st->btf, 0, 0);
        st->walkers = MEMINTRO_E_UNSUPPORTED;
    }
    *state = st;
    return MEMINTRO_OK;
}

/* Why the walkers do not run, into msg. Returns the status. */
static memintro_status memintro__os_lx_nowalk(memintro__os_lx *st, const char *what)
{
    if (st->walkers == MEMINTRO_E_UNSUPPORTED)
        memintro__os_set(st->base.msg, sizeof st->base.msg,
                         "%s: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF): its structures are unknown", what);
    else
        memintro__os_set(st->base.msg, sizeof st->base.msg, "%s: the kernel's types or symbols lack %s (%s)", what,
                         st->os.missing_tasks ? st->os.missing_tasks : "something", memintro_status_str(st->walkers));
    return MEMINTRO_E_UNSUPPORTED;
}

static memintro_status memintro__os_lx_facts(void *state, memintro_os_fact_fn fn, void *user)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    const memintro_linux *l = st->l;
    const char *found = memintro_linux_why(l);
    if (memintro__os_fact(fn, user, "banner", "%s", l->banner) ||
        memintro__os_fact(fn, user, "release", "%s", l->release) ||
        memintro__os_fact(fn, user, "arch", "%s", memintro_arch_name(l->arch)) ||
        memintro__os_fact(fn, user, "kaslr_shift", "0x%llx", MEMINTRO__OS_ULL(l->kaslr_shift)) ||
        memintro__os_fact(fn, user, "phys_base", "0x%llx", MEMINTRO__OS_ULL(l->phys_base)) ||
        memintro__os_fact(fn, user, "image_source", "%s", memintro_linux_source_name(l->image_source)) ||
        memintro__os_fact(fn, user, "text_va", "0x%llx", MEMINTRO__OS_ULL(l->text_va)) ||
        memintro__os_fact(fn, user, "text_pa", "0x%llx", MEMINTRO__OS_ULL(l->text_pa)) ||
        memintro__os_fact(fn, user, "dtb", "0x%llx", MEMINTRO__OS_ULL(l->dtb)) ||
        memintro__os_fact(fn, user, "dtb_source", "%s", memintro_linux_source_name(l->paging_source)) ||
        memintro__os_fact(fn, user, "levels", "%u", (unsigned)l->levels) ||
        memintro__os_fact(fn, user, "symbols", "%u", (unsigned)memintro_linux_symbol_count(l)) ||
        memintro__os_fact(fn, user, "btf_size", "%llu", MEMINTRO__OS_ULL(l->btf_size)) ||
        memintro__os_fact(fn, user, "btf_types", "%u", (unsigned)(st->walkers == MEMINTRO_OK || st->btf.ntypes ? st->btf.ntypes : 0)))
        return MEMINTRO_OK;
    if (st->walkers != MEMINTRO_OK &&
        memintro__os_fact(fn, user, "walkers_missing", "%s",
                          st->os.missing_tasks ? st->os.missing_tasks : memintro_status_str(st->walkers)))
        return MEMINTRO_OK;
    memintro__os_fact(fn, user, "found", "%s", found ? found : "");
    return MEMINTRO_OK;
}

typedef struct memintro__os_lx_walk {
    memintro_os_process_fn pfn;
    memintro_os_module_fn mfn;
    void *user;
    int stopped;
    memintro_os_module cur; /* the file being gathered (name "" : none) */
    uint64_t cur_file;
} memintro__os_lx_walk;

static int memintro__os_lx_task_one(void *user, const memintro_linux_task *t)
{
    memintro__os_lx_walk *k = (memintro__os_lx_walk *)user;
    memintro_os_process o;
    memset(&o, 0, sizeof o);
    o.pid = (uint64_t)(uint32_t)t->pid;
    o.ppid = (uint64_t)(uint32_t)t->ppid;
    o.dtb = t->kernel_thread ? 0 : t->dtb;
    o.object = t->addr;
    if (t->kernel_thread) o.flags |= MEMINTRO_OS_PROC_KERNEL;
    if (t->exit_state) o.flags |= MEMINTRO_OS_PROC_EXITED;
    memintro__os_strcpy(o.name, sizeof o.name, t->comm);
    return k->pfn(k->user, &o);
}

static memintro_status memintro__os_lx_processes(void *state, memintro_os_process_fn fn, void *user)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    memintro__os_lx_walk k;
    memintro_status s;
    if (st->walkers != MEMINTRO_OK) return memintro__os_lx_nowalk(st, "processes");
    memset(&k, 0, sizeof k);
    k.pfn = fn;
    k.user = user;
    s = memintro_linux_task_each(&st->os, 0, memintro__os_lx_task_one, &k);
    if (s != MEMINTRO_OK) memintro__os_set(st->base.msg, sizeof st->base.msg, "the task list: %s", memintro_status_str(s));
    return s;
}

static int memintro__os_lx_mod_one(void *user, const memintro_linux_module *m)
{
    memintro__os_lx_walk *k = (memintro__os_lx_walk *)user;
    memintro_os_module o;
    memset(&o, 0, sizeof o);
    o.base = m->base;
    o.size = m->size;
    memintro__os_strcpy(o.name, sizeof o.name, m->name);
    return k->mfn(k->user, &o);
}

/* Reports the file gathered so far. Returns non-zero when the caller stopped. */
static int memintro__os_lx_flush(memintro__os_lx_walk *k)
{
    if (!k->cur.name[0]) return 0;
    k->stopped = k->mfn(k->user, &k->cur);
    memset(&k->cur, 0, sizeof k->cur);
    return k->stopped;
}

static int memintro__os_lx_vma_one(void *user, const memintro_linux_vma *v)
{
    memintro__os_lx_walk *k = (memintro__os_lx_walk *)user;
    const char *base;
    if (!v->file || v->name[0] != '/') return 0; /* anonymous memory, [vdso], ... */
    if (k->cur.name[0] && !strcmp(k->cur.path, v->name)) { /* the same file further on */
        if (v->end > k->cur.base + k->cur.size) k->cur.size = v->end - k->cur.base;
        return 0;
    }
    if (memintro__os_lx_flush(k)) return 1;
    k->cur.base = v->start;
    k->cur.size = v->end - v->start;
    memintro__os_strcpy(k->cur.path, sizeof k->cur.path, v->name);
    base = strrchr(v->name, '/');
    memintro__os_strcpy(k->cur.name, sizeof k->cur.name, base[1] ? base + 1 : v->name);
    return 0;
}

/* User process pid (msg set when not found or a kernel thread). */
static memintro_status memintro__os_lx_task(memintro__os_lx *st, uint64_t pid, memintro_linux_task *t)
{
    memintro_status s = pid > 0x7fffffffu ? MEMINTRO_E_NOTFOUND : memintro_linux_task_find(&st->os, (int32_t)pid, 0, t);
    if (s == MEMINTRO_E_NOTFOUND) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "no process with pid %llu", MEMINTRO__OS_ULL(pid));
        return s;
    }
    if (s != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "cannot find pid %llu: %s", MEMINTRO__OS_ULL(pid),
                         memintro_status_str(s));
        return s;
    }
    if (t->kernel_thread || !t->mm) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "pid %llu (%s) is a kernel thread: it has no user address space",
                         MEMINTRO__OS_ULL(pid), t->comm);
        return MEMINTRO_E_NOTFOUND;
    }
    return MEMINTRO_OK;
}

static memintro_status memintro__os_lx_modules(void *state, uint64_t pid, uint32_t flags, memintro_os_module_fn fn,
                                               void *user)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    memintro__os_lx_walk k;
    memintro_linux_task t;
    memintro_status s;
    if (st->walkers != MEMINTRO_OK) return memintro__os_lx_nowalk(st, "modules");
    if (flags & MEMINTRO_OS_MOD_32BIT) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "Linux processes have no separate 32-bit module list");
        return pid == MEMINTRO_OS_KERNEL_PID ? MEMINTRO_E_INVALID : MEMINTRO_E_UNSUPPORTED;
    }
    memset(&k, 0, sizeof k);
    k.mfn = fn;
    k.user = user;
    if (pid == MEMINTRO_OS_KERNEL_PID) {
        s = memintro_linux_module_each(&st->os, memintro__os_lx_mod_one, &k);
        if (s == MEMINTRO_E_UNSUPPORTED)
            memintro__os_set(st->base.msg, sizeof st->base.msg, "the kernel's types or symbols lack %s",
                             st->os.missing_modules ? st->os.missing_modules : "something");
        else if (s != MEMINTRO_OK)
            memintro__os_set(st->base.msg, sizeof st->base.msg, "the module list: %s", memintro_status_str(s));
        return s;
    }
    if ((s = memintro__os_lx_task(st, pid, &t)) != MEMINTRO_OK) return s;
    s = memintro_linux_vma_each(&st->os, &t, memintro__os_lx_vma_one, &k);
    if (!k.stopped) memintro__os_lx_flush(&k); /* the last file (also after a broken walk) */
    if (s == MEMINTRO_E_UNSUPPORTED)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "the kernel's types lack %s",
                         st->os.missing_maps ? st->os.missing_maps : "something");
    else if (s != MEMINTRO_OK)
        memintro__os_set(st->base.msg, sizeof st->base.msg, "the memory maps of pid %llu (%s): %s", MEMINTRO__OS_ULL(pid),
                         t.comm, memintro_status_str(s));
    return s;
}

static memintro_status memintro__os_lx_process_virt(void *state, uint64_t pid, memintro_virt **out)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    memintro_linux_task t;
    memintro_status s;
    size_t need = memintro_virt_scratch_size(MEMINTRO__OS_PAGES);
    if (st->walkers != MEMINTRO_OK) return memintro__os_lx_nowalk(st, "processes");
    if ((s = memintro__os_lx_task(st, pid, &t)) != MEMINTRO_OK) return s;
    if (!st->scratch && !(st->scratch = MEMINTRO_OS_MALLOC(need))) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    if ((s = memintro_linux_task_space(&st->os, &t, &st->pv, st->scratch, need)) != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "pid %llu (%s): DTB 0x%llx: %s", MEMINTRO__OS_ULL(pid), t.comm,
                         MEMINTRO__OS_ULL(t.dtb), memintro_status_str(s));
        return s;
    }
    *out = &st->pv;
    return MEMINTRO_OK;
}

static memintro_status memintro__os_lx_kernel_virt(void *state, memintro_virt **out)
{
    *out = &((memintro__os_lx *)state)->l->kernel;
    return MEMINTRO_OK;
}

static memintro_status memintro__os_lx_symbol(void *state, const char *name, uint64_t *addr)
{
    memintro__os_lx *st = (memintro__os_lx *)state;
    memintro_status s = memintro_linux_symbol(st->l, name, addr);
    if (s != MEMINTRO_OK) memintro__os_set(st->base.msg, sizeof st->base.msg, "%s: not in kallsyms", name);
    return s;
}

/* ---- none ---- */

typedef struct memintro__os_none {
    memintro__os_base base;
    memintro_target *t;
    memintro_mmu_desc hint;
    int ready;
    memintro_virt v;
    void *scratch;
} memintro__os_none;

static memintro_status memintro__os_none_detect(memintro_target *t, const memintro_os_hints *h, void **state,
                                                char *why, size_t whylen)
{
    memintro__os_none *st = (memintro__os_none *)memintro__os_alloc(sizeof *st);
    *state = st;
    if (!st) {
        memintro__os_set(why, whylen, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    st->t = t;
    st->hint = h->paging;
    return MEMINTRO_OK;
}

static void memintro__os_none_release(void *state)
{
    memintro__os_none *st = (memintro__os_none *)state;
    if (!st) return;
    MEMINTRO_OS_FREE(st->scratch);
    MEMINTRO_OS_FREE(st);
}

static memintro_status memintro__os_none_kernel_virt(void *state, memintro_virt **out)
{
    memintro__os_none *st = (memintro__os_none *)state;
    memintro_target *t = st->t;
    memintro_mmu_desc d;
    memintro_status s;
    size_t need = memintro_virt_scratch_size(MEMINTRO__OS_PAGES);
    if (st->ready) {
        *out = &st->v;
        return MEMINTRO_OK;
    }
    if (st->hint.arch != MEMINTRO_ARCH_NONE && st->hint.dtb) {
        d = st->hint;
    } else {
        if (!t->cpus_loaded) memintro_target_load_cpus(t); /* a live VM's registers (files: at open) */
        if (!t->has_paging || (st->hint.arch != MEMINTRO_ARCH_NONE && st->hint.arch != t->paging.arch)) {
            memintro__os_set(st->base.msg, sizeof st->base.msg, "no paging known: %s",
                             t->cpu_note[0] ? t->cpu_note : st->hint.arch != MEMINTRO_ARCH_NONE
                                                                ? "the hint has a mode but no DTB"
                                                                : "the target has no CPU state");
            return MEMINTRO_E_NOTFOUND;
        }
        d = t->paging;
        if (st->hint.dtb) d.dtb = st->hint.dtb;
    }
    if (!st->scratch && !(st->scratch = MEMINTRO_OS_MALLOC(need))) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    if ((s = memintro_virt_init(&st->v, t->phys, &d, st->scratch, need)) != MEMINTRO_OK) {
        memintro__os_set(st->base.msg, sizeof st->base.msg, "%s DTB 0x%llx: %s", memintro_arch_name(d.arch),
                         MEMINTRO__OS_ULL(d.dtb), memintro_status_str(s));
        return s;
    }
    st->ready = 1;
    *out = &st->v;
    return MEMINTRO_OK;
}

static memintro_status memintro__os_none_facts(void *state, memintro_os_fact_fn fn, void *user)
{
    (void)state;
    (void)fn;
    (void)user;
    return MEMINTRO_OK;
}

/* ---- the registry ---- */

static const memintro_os_layer memintro__os_win32_layer = {
    MEMINTRO_OS_ABI, "win32", "Windows guests, found in memory alone", memintro__os_w32_detect,
    memintro__os_w32_release, memintro__os_w32_facts, memintro__os_w32_processes, memintro__os_w32_modules,
    memintro__os_w32_process_virt, memintro__os_w32_kernel_virt, memintro__os_w32_symbol, "0.1"};
static const memintro_os_layer memintro__os_linux_layer = {
    MEMINTRO_OS_ABI, "linux", "Linux guests, found in memory alone", memintro__os_lx_detect,
    memintro__os_lx_release, memintro__os_lx_facts, memintro__os_lx_processes, memintro__os_lx_modules,
    memintro__os_lx_process_virt, memintro__os_lx_kernel_virt, memintro__os_lx_symbol, "0.1"};
static const memintro_os_layer memintro__os_none_layer = {
    MEMINTRO_OS_ABI, "none", "no operating system: guest memory only", memintro__os_none_detect,
    memintro__os_none_release, memintro__os_none_facts, 0, 0, 0, memintro__os_none_kernel_virt, 0, "0.1"};

static struct {
    size_t count; /* registered layers */
    const memintro_os_layer *added[MEMINTRO_OS_MAX_LAYERS];
    const memintro_os_layer *list[MEMINTRO_OS_MAX_LAYERS + 4]; /* built-ins, added, none */
} memintro__os_reg;

static int memintro__os_builtin(const memintro_os_layer *l)
{
    return l == &memintro__os_win32_layer || l == &memintro__os_linux_layer || l == &memintro__os_none_layer;
}

MEMINTRO__OSDEF const memintro_os_layer *const *memintro_os_layer_list(size_t *count)
{
    size_t i, n = 0;
    memintro__os_reg.list[n++] = &memintro__os_win32_layer;
    memintro__os_reg.list[n++] = &memintro__os_linux_layer;
    for (i = 0; i < memintro__os_reg.count; i++) memintro__os_reg.list[n++] = memintro__os_reg.added[i];
    memintro__os_reg.list[n++] = &memintro__os_none_layer;
    memintro__os_reg.list[n] = 0;
    if (count) *count = n;
    return memintro__os_reg.list;
}

MEMINTRO__OSDEF const memintro_os_layer *memintro_os_layer_find(const char *name)
{
    size_t i, n;
    const memintro_os_layer *const *l = memintro_os_layer_list(&n);
    if (!name) return 0;
    for (i = 0; i < n; i++)
        if (!strcmp(l[i]->name, name)) return l[i];
    return 0;
}

MEMINTRO__OSDEF memintro_status memintro_os_register(const memintro_os_layer *l)
{
    if (!l || l->abi != MEMINTRO_OS_ABI || !l->name || !l->name[0] || !l->detect || !l->kernel_virt)
        return MEMINTRO_E_INVALID;
    if (!strcmp(l->name, "auto") || memintro_os_layer_find(l->name)) return MEMINTRO_E_INVALID;
    if (memintro__os_reg.count >= MEMINTRO_OS_MAX_LAYERS) return MEMINTRO_E_LIMIT;
    memintro__os_reg.added[memintro__os_reg.count++] = l;
    return MEMINTRO_OK;
}

/* ---- opening ---- */

/* Runs layer l's detection. Returns its status; why gets the reason. */
static memintro_status memintro__os_try(memintro_os *os, const memintro_os_layer *l, const memintro_os_hints *h,
                                        char *why, size_t whylen)
{
    void *state = 0;
    memintro_status s;
    size_t i;
    why[0] = 0;
    s = l->detect(os->target, h, &state, why, whylen);
    if (s == MEMINTRO_OK) {
        os->layer = l;
        os->state = state;
        return s;
    }
    if (state && l->release) l->release(state);
    if (!why[0]) memintro__os_set(why, whylen, "%s", memintro_status_str(s));
    for (i = 0; why[i]; i++) /* one line, and ';' separates the entries of os->why */
        if (why[i] == '\n' || why[i] == '\r' || why[i] == '\t') why[i] = ' ';
        else if (why[i] == ';') why[i] = ',';
    return s;
}

MEMINTRO__OSDEF memintro_status memintro_os_open(memintro_os *os, memintro_target *t, const char *name,
                                              const memintro_os_hints *h)
{
    memintro_os_hints none;
    const memintro_os_layer *const *list;
    size_t i, n;
    memintro_status s;
    char why[512];
    if (!os) return MEMINTRO_E_INVALID;
    memset(os, 0, sizeof *os);
    if (!t || !t->phys) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no open target");
    os->target = t;
    if (!h) {
        memset(&none, 0, sizeof none);
        h = &none;
    }
    list = memintro_os_layer_list(&n);
    if (!name || !strcmp(name, "auto")) {
        for (i = 0; i < n; i++) {
            s = memintro__os_try(os, list[i], h, why, sizeof why);
            if (s == MEMINTRO_OK) return MEMINTRO_OK;
            if (s != MEMINTRO_E_NOTFOUND)
                return memintro__os_fail(os, s, "%s: %s", list[i]->name, why);
            {
                size_t used = strlen(os->why);
                snprintf(os->why + used, sizeof os->why - used, "%s%s: %s", used ? "; " : "", list[i]->name, why);
            }
        }
        return memintro__os_fail(os, MEMINTRO_E_NOTFOUND, "no OS layer found (%s)", os->why);
    }
    for (i = 0; i < n; i++)
        if (!strcmp(list[i]->name, name)) break;
    if (i == n) {
        char known[512] = "auto";
        size_t k;
        for (k = 0; k < n; k++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, ", %s", list[k]->name);
        }
        return memintro__os_fail(os, MEMINTRO_E_INVALID, "unknown OS layer \"%.64s\" (known: %s)", name, known);
    }
    s = memintro__os_try(os, list[i], h, why, sizeof why);
    if (s != MEMINTRO_OK) return memintro__os_fail(os, s, "%s: %s", list[i]->name, why);
    return MEMINTRO_OK;
}

MEMINTRO__OSDEF void memintro_os_close(memintro_os *os)
{
    char keep[sizeof os->error];
    if (!os) return;
    if (os->layer && os->state && os->layer->release) os->layer->release(os->state);
    memcpy(keep, os->error, sizeof keep);
    memset(os, 0, sizeof *os);
    memcpy(os->error, keep, sizeof keep);
}

MEMINTRO__OSDEF const char *memintro_os_error(const memintro_os *os)
{
    return os ? os->error : "no OS object";
}

/* After a layer call: os->error from the built-in layer's message, or the status. */
static memintro_status memintro__os_done(memintro_os *os, memintro_status s, const char *what)
{
    if (s == MEMINTRO_OK) {
        os->error[0] = 0;
        return s;
    }
    if (memintro__os_builtin(os->layer) && os->state && ((memintro__os_base *)os->state)->msg[0]) {
        memintro__os_fail(os, s, "%s", ((memintro__os_base *)os->state)->msg);
        ((memintro__os_base *)os->state)->msg[0] = 0;
        return s;
    }
    return memintro__os_fail(os, s, "%s: %s: %s", os->layer->name, what, memintro_status_str(s));
}

/* Checks that os is open and its layer has the function f (else E_UNSUPPORTED). */
#define MEMINTRO__OS_NEED(os, f, what)                                                                             \
    do {                                                                                                           \
        if (!(os) || !(os)->layer) return (os) ? memintro__os_fail(os, MEMINTRO_E_INVALID, "no OS layer open")     \
                                               : MEMINTRO_E_INVALID;                                                \
        if (!(os)->layer->f)                                                                                        \
            return memintro__os_fail(os, MEMINTRO_E_UNSUPPORTED, "the %s OS layer knows no %s", (os)->layer->name, \
                                     what);                                                                        \
    } while (0)

MEMINTRO__OSDEF memintro_status memintro_os_facts(memintro_os *os, memintro_os_fact_fn fn, void *user)
{
    MEMINTRO__OS_NEED(os, facts, "facts");
    if (!fn) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no callback");
    return memintro__os_done(os, os->layer->facts(os->state, fn, user), "facts");
}

MEMINTRO__OSDEF memintro_status memintro_os_processes(memintro_os *os, memintro_os_process_fn fn, void *user)
{
    MEMINTRO__OS_NEED(os, processes, "processes");
    if (!fn) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no callback");
    return memintro__os_done(os, os->layer->processes(os->state, fn, user), "the process list");
}

typedef struct memintro__os_find {
    uint64_t pid;
    memintro_os_process *out;
    int found;
} memintro__os_find;

static int memintro__os_find_one(void *user, const memintro_os_process *p)
{
    memintro__os_find *f = (memintro__os_find *)user;
    if (p->pid != f->pid) return 0;
    *f->out = *p;
    f->found = 1;
    return 1;
}

MEMINTRO__OSDEF memintro_status memintro_os_process_find(memintro_os *os, uint64_t pid, memintro_os_process *out)
{
    memintro__os_find f;
    memintro_os_process tmp;
    memintro_status s;
    MEMINTRO__OS_NEED(os, processes, "processes");
    f.pid = pid;
    f.out = out ? out : &tmp;
    f.found = 0;
    s = os->layer->processes(os->state, memintro__os_find_one, &f);
    if (f.found) {
        os->error[0] = 0;
        if (memintro__os_builtin(os->layer)) ((memintro__os_base *)os->state)->msg[0] = 0;
        return MEMINTRO_OK;
    }
    if (s == MEMINTRO_OK) return memintro__os_fail(os, MEMINTRO_E_NOTFOUND, "no process with pid %llu", MEMINTRO__OS_ULL(pid));
    return memintro__os_done(os, s, "the process list");
}

MEMINTRO__OSDEF memintro_status memintro_os_modules(memintro_os *os, uint64_t pid, uint32_t flags,
                                                 memintro_os_module_fn fn, void *user)
{
    MEMINTRO__OS_NEED(os, modules, "modules");
    if (!fn) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no callback");
    return memintro__os_done(os, os->layer->modules(os->state, pid, flags, fn, user), "the module list");
}

MEMINTRO__OSDEF memintro_status memintro_os_process_virt(memintro_os *os, uint64_t pid, memintro_virt **out)
{
    memintro_virt *v = 0;
    memintro_status s;
    MEMINTRO__OS_NEED(os, process_virt, "processes");
    if (!out) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no output");
    s = os->layer->process_virt(os->state, pid, &v);
    if (s == MEMINTRO_OK && !v) s = MEMINTRO_E_INVALID;
    if (s == MEMINTRO_OK) *out = v;
    return memintro__os_done(os, s, "the process's address space");
}

MEMINTRO__OSDEF memintro_status memintro_os_kernel_virt(memintro_os *os, memintro_virt **out)
{
    memintro_virt *v = 0;
    memintro_status s;
    MEMINTRO__OS_NEED(os, kernel_virt, "kernel address space");
    if (!out) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no output");
    s = os->layer->kernel_virt(os->state, &v);
    if (s == MEMINTRO_OK && !v) s = MEMINTRO_E_INVALID;
    if (s == MEMINTRO_OK) *out = v;
    return memintro__os_done(os, s, "the kernel's address space");
}

MEMINTRO__OSDEF memintro_status memintro_os_symbol(memintro_os *os, const char *name, uint64_t *addr)
{
    uint64_t a = 0;
    memintro_status s;
    MEMINTRO__OS_NEED(os, symbol, "symbols");
    if (!name || !addr) return memintro__os_fail(os, MEMINTRO_E_INVALID, "no name or output");
    s = os->layer->symbol(os->state, name, &a);
    if (s == MEMINTRO_OK) *addr = a;
    return memintro__os_done(os, s, name);
}

MEMINTRO__OSDEF memintro_win32 *memintro_os_win32(const memintro_os *os)
{
    if (!os || os->layer != &memintro__os_win32_layer || !os->state) return 0;
    return &((memintro__os_w32 *)os->state)->w;
}

MEMINTRO__OSDEF memintro_linux_os *memintro_os_linux(const memintro_os *os)
{
    if (!os || os->layer != &memintro__os_linux_layer || !os->state) return 0;
    return &((memintro__os_lx *)os->state)->os;
}

MEMINTRO__OSDEF memintro_linux *memintro_os_linux_kernel(const memintro_os *os)
{
    if (!os || os->layer != &memintro__os_linux_layer || !os->state) return 0;
    return ((memintro__os_lx *)os->state)->l;
}

MEMINTRO__OSDEF memintro_status memintro_os_linux_walkers(const memintro_os *os)
{
    if (!os || os->layer != &memintro__os_linux_layer || !os->state) return MEMINTRO_E_INVALID;
    return ((memintro__os_lx *)os->state)->walkers;
}

/* ---- nesting: a QEMU inside the guest ---- */

#define MEMINTRO__OS_NEST_CMDLINE (64u << 10) /* bytes of a guest process's command line read */
#define MEMINTRO__OS_NEST_MAPS (16u << 20)    /* bytes of maps text at most */
#define MEMINTRO__OS_NEST_SHOWN 8             /* VMs named when several match */

/* One guest process as the QEMU backend's process: its address space as a backend. */
typedef struct memintro__os_nest {
    memintro_phys phys; /* first: op addresses are the process's virtual addresses */
    memintro_virt v;
    const memintro_linux_os *lo;
    memintro_linux_task task;
    void *scratch;
    char *cmdline, *maps;
    size_t cmdline_len, maps_len, maps_cap;
    int maps_full;
    char where[320];
} memintro__os_nest;

static memintro_status memintro__os_nest_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro_virt_read(&((memintro__os_nest *)self)->v, ops, count);
}

static memintro_status memintro__os_nest_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro_virt_write(&((memintro__os_nest *)self)->v, ops, count);
}

/* Still the same process: its task_struct still holds it, alive, with the same mm. */
static int memintro__os_nest_alive(void *user)
{
    memintro__os_nest *n = (memintro__os_nest *)user;
    memintro_linux_task t;
    if (memintro_linux_task_read(n->lo, n->task.addr, &t) != MEMINTRO_OK) return 0;
    return t.tgid == n->task.tgid && t.start_time == n->task.start_time && !t.exit_state && t.mm == n->task.mm;
}

static void memintro__os_nest_release(void *user)
{
    memintro__os_nest *n = (memintro__os_nest *)user;
    if (!n) return;
    MEMINTRO_OS_FREE(n->scratch);
    MEMINTRO_OS_FREE(n->cmdline);
    MEMINTRO_OS_FREE(n->maps);
    MEMINTRO_OS_FREE(n);
}

/* A VMA as a /proc/PID/maps line (the device and inode are not known: 00:00 0). */
static int memintro__os_nest_vma(void *user, const memintro_linux_vma *v)
{
    memintro__os_nest *n = (memintro__os_nest *)user;
    char line[400];
    int k = snprintf(line, sizeof line, "%llx-%llx %.4s %08llx 00:00 0%s%s\n", MEMINTRO__OS_ULL(v->start),
                     MEMINTRO__OS_ULL(v->end), v->perms, MEMINTRO__OS_ULL(v->pgoff * 4096u), v->name[0] ? "   " : "",
                     v->name);
    size_t len = k > 0 ? (size_t)k : 0;
    if (len >= sizeof line) len = sizeof line - 1;
    if (n->maps_len + len > n->maps_cap) {
        size_t cap = n->maps_cap ? n->maps_cap * 2 : 64u << 10;
        char *m;
        if (cap > MEMINTRO__OS_NEST_MAPS || !(m = (char *)MEMINTRO_OS_MALLOC(cap))) {
            n->maps_full = 1;
            return 1;
        }
        if (n->maps_len) memcpy(m, n->maps, n->maps_len);
        MEMINTRO_OS_FREE(n->maps);
        n->maps = m;
        n->maps_cap = cap;
    }
    memcpy(n->maps + n->maps_len, line, len);
    n->maps_len += len;
    return 0;
}

/* Choosing the VM among the guest's processes. */
typedef struct memintro__os_nest_pick {
    const memintro_linux_os *lo;
    const char *name;
    long pid;             /* -1: any */
    size_t looked, found;
    memintro_linux_task task;
    char *buf;            /* a command line being looked at */
    char *cmdline;        /* the first match's */
    size_t cmdline_len;
    char list[512];
} memintro__os_nest_pick;

static int memintro__os_nest_task(void *user, const memintro_linux_task *t)
{
    memintro__os_nest_pick *k = (memintro__os_nest_pick *)user;
    memintro_qemu_vm vm;
    size_t len = 0, used;
    if (t->kernel_thread || !t->mm) return 0;
    k->looked++;
    if (k->pid >= 0 && t->tgid != k->pid) return 0;
    if (memintro_linux_task_cmdline(k->lo, t, k->buf, MEMINTRO__OS_NEST_CMDLINE, &len) != MEMINTRO_OK) return 0;
    if (!memintro_qemu_parse_cmdline(k->buf, len, &vm)) return 0;
    if (k->name && strcmp(k->name, vm.name)) return 0;
    if (!k->found++) {
        k->task = *t;
        memcpy(k->cmdline, k->buf, len);
        k->cmdline_len = len;
    }
    used = strlen(k->list);
    if (k->found <= MEMINTRO__OS_NEST_SHOWN && used + 1 < sizeof k->list)
        snprintf(k->list + used, sizeof k->list - used, "%spid %d \"%.64s\"", used ? ", " : "", (int)t->tgid, vm.name);
    return 0;
}

MEMINTRO__OS_PRINTF(3, 4)
static memintro_status memintro__os_nest_fail(memintro_target *t, memintro_status s, const char *fmt, ...)
{
    va_list ap;
    memset(t, 0, sizeof *t);
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof t->error, fmt, ap);
    va_end(ap);
    return s;
}

MEMINTRO__OSDEF memintro_status memintro_os_target_open(memintro_target *t, memintro_os *os, const char *spec,
                                                     const memintro_target_options *o)
{
    const memintro_connector *qc = memintro_target_connector_find("qemu");
    const memintro_linux_os *lo;
    memintro_connector_args a;
    memintro__os_nest_pick k;
    memintro__os_nest *n;
    memintro_qemu_process proc;
    memintro_target_options opts;
    memintro_status s;
    const char *why, *pid_s;
    char *storage;
    size_t need = memintro_virt_scratch_size(MEMINTRO__OS_PAGES), slen;
    if (!t) return MEMINTRO_E_INVALID;
    if (!os || !os->layer || !os->target || !spec)
        return memintro__os_nest_fail(t, MEMINTRO_E_INVALID, "nesting needs an open OS layer and a qemu connector string");
    slen = strcspn(spec, ":,");
    if (slen != 4 || strncmp(spec, "qemu", 4) || !qc) {
        s = memintro__os_nest_fail(t, MEMINTRO_E_INVALID, "\"%.64s\": only the qemu connector opens a VM inside a guest",
                                   spec);
        t->bad_spec = 1;
        return s;
    }
    if (!(lo = memintro_os_linux(os)))
        return memintro__os_nest_fail(t, MEMINTRO_E_UNSUPPORTED,
                                      "a VM inside the guest needs the linux layer (a process's command line and memory "
                                      "maps); this guest's layer is %s",
                                      os->layer->name);
    if ((s = memintro_os_linux_walkers(os)) != MEMINTRO_OK)
        return memintro__os_nest_fail(t, MEMINTRO_E_UNSUPPORTED,
                                      "a VM inside the guest needs the Linux layer's process walkers, which cannot run: %s",
                                      lo->missing_tasks ? lo->missing_tasks : memintro_status_str(s));
    slen = strlen(spec) + 1;
    if (!(storage = (char *)MEMINTRO_OS_MALLOC(slen < 256 ? 256 : slen)))
        return memintro__os_nest_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    if ((why = memintro_connector_parse(qc, spec, &a, storage, slen < 256 ? 256 : slen))) {
        s = memintro__os_nest_fail(t, MEMINTRO_E_INVALID, "%s", why);
        t->bad_spec = 1;
        MEMINTRO_OS_FREE(storage);
        return s;
    }
    memset(&k, 0, sizeof k);
    k.lo = lo;
    k.name = a.target[0] ? a.target : memintro_connector_arg(&a, "name");
    if (k.name && !k.name[0]) k.name = NULL;
    k.pid = -1;
    if ((pid_s = memintro_connector_arg(&a, "pid"))) {
        uint64_t v = 0;
        if (!pid_s[0] || memintro_parse_u64(pid_s, strlen(pid_s), &v) != strlen(pid_s) || v > 0x7fffffffu) {
            s = memintro__os_nest_fail(t, MEMINTRO_E_INVALID, "qemu: pid=%.32s is not a process id", pid_s);
            t->bad_spec = 1;
            MEMINTRO_OS_FREE(storage);
            return s;
        }
        k.pid = (long)v;
    }
    k.buf = (char *)MEMINTRO_OS_MALLOC(MEMINTRO__OS_NEST_CMDLINE);
    k.cmdline = (char *)MEMINTRO_OS_MALLOC(MEMINTRO__OS_NEST_CMDLINE);
    n = (memintro__os_nest *)MEMINTRO_OS_MALLOC(sizeof *n);
    if (!k.buf || !k.cmdline || !n) {
        MEMINTRO_OS_FREE(k.buf);
        MEMINTRO_OS_FREE(k.cmdline);
        MEMINTRO_OS_FREE(n);
        MEMINTRO_OS_FREE(storage);
        return memintro__os_nest_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    }
    memset(n, 0, sizeof *n);
    snprintf(n->where, sizeof n->where, "the Linux guest of %.256s", os->target->spec ? os->target->spec : "the target");
    s = memintro_linux_task_each(lo, 0, memintro__os_nest_task, &k);
    MEMINTRO_OS_FREE(k.buf);
    if (k.found != 1) {
        char what[160];
        if (k.pid >= 0) snprintf(what, sizeof what, "pid %ld", k.pid);
        else if (k.name) snprintf(what, sizeof what, "\"%.64s\"", k.name);
        if (k.found > 1)
            memintro__os_nest_fail(t, MEMINTRO_E_INVALID, "%u QEMU VMs%s%s run in %s; choose one with name= or pid=: %s",
                                   (unsigned)k.found, k.name ? " named " : "", k.name ? what : "", n->where, k.list);
        else if (s != MEMINTRO_OK)
            memintro__os_nest_fail(t, s, "the process list of %s broke after %u processes (%s) before a QEMU VM%s%s was "
                                   "found", n->where, (unsigned)k.looked, memintro_status_str(s), k.name || k.pid >= 0 ? " " : "",
                                   k.name || k.pid >= 0 ? what : "");
        else
            memintro__os_nest_fail(t, MEMINTRO_E_NOTFOUND, "no QEMU VM%s%s runs in %s (%u processes looked at)",
                                   k.name || k.pid >= 0 ? " " : "", k.name || k.pid >= 0 ? what : "", n->where,
                                   (unsigned)k.looked);
        MEMINTRO_OS_FREE(k.cmdline);
        MEMINTRO_OS_FREE(n);
        MEMINTRO_OS_FREE(storage);
        return k.found > 1 ? MEMINTRO_E_INVALID : s != MEMINTRO_OK ? s : MEMINTRO_E_NOTFOUND;
    }
    MEMINTRO_OS_FREE(storage);
    n->lo = lo;
    n->task = k.task;
    n->cmdline = k.cmdline;
    n->cmdline_len = k.cmdline_len;
    n->phys.read = memintro__os_nest_read;
    n->phys.write = os->target->phys && os->target->phys->write ? memintro__os_nest_write : NULL;
    if (!(n->scratch = MEMINTRO_OS_MALLOC(need))) {
        memintro__os_nest_release(n);
        return memintro__os_nest_fail(t, MEMINTRO_E_NOSPACE, "out of memory");
    }
    if ((s = memintro_linux_task_space(lo, &n->task, &n->v, n->scratch, need)) != MEMINTRO_OK ||
        (s = memintro_linux_vma_each(lo, &n->task, memintro__os_nest_vma, n)) != MEMINTRO_OK || n->maps_full) {
        memintro__os_nest_fail(t, n->maps_full ? MEMINTRO_E_LIMIT : s, "QEMU process %d of %s: %s: %s", (int)n->task.tgid,
                               n->where, n->maps_full ? "its memory maps" : "its address space",
                               n->maps_full ? "more than 16 MiB of maps text" : memintro_status_str(s));
        if (n->maps_full) s = MEMINTRO_E_LIMIT;
        memintro__os_nest_release(n);
        return s;
    }
    memset(&proc, 0, sizeof proc);
    proc.pid = (int)n->task.tgid;
    proc.where = n->where;
    proc.cmdline = n->cmdline;
    proc.cmdline_len = n->cmdline_len;
    proc.maps = n->maps ? n->maps : "";
    proc.maps_len = n->maps_len;
    proc.memory = &n->phys;
    proc.alive = memintro__os_nest_alive;
    proc.release = memintro__os_nest_release;
    proc.user = n;
    if (o) opts = *o;
    else memset(&opts, 0, sizeof opts);
    opts.qemu_process = &proc;
    return memintro_target_open(t, spec, &opts); /* releases n whatever happens */
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__OS_NEED
#undef MEMINTRO__OSDEF
#undef MEMINTRO__OS_PRINTF
#undef MEMINTRO__OS_ULL
#undef MEMINTRO__OS_W32_TLB
#undef MEMINTRO__OS_PAGES
#undef MEMINTRO__OS_NEST_CMDLINE
#undef MEMINTRO__OS_NEST_MAPS
#undef MEMINTRO__OS_NEST_SHOWN

#endif /* MEMINTRO_OS_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_OS_IMPLEMENTATION */

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
