/* memintro_plugin.h - connectors and OS layers in shared objects, checked before they load.

   A plugin is a shared object (.so) that exports one versioned descriptor, the data object
   `memintro_plugin`: its kind (a connector or an OS layer), name, version, description and
   the connector (memintro_target.h) or OS layer (memintro_os.h) it adds. This header

     - finds the candidates: the regular files `*.so` in the folders of the search path,
       in this order: every folder of MEMINTRO_PLUGIN_PATH (colon-separated), then
       ~/.local/lib/memintro, /usr/local/lib/memintro, /usr/lib/memintro;
     - checks each one BEFORE it is loaded, by reading it as an ELF file (bounded reads,
       any file may be hostile): the ELF magic, the class, byte order and machine of this
       build, a shared object (ET_DYN), the descriptor symbol in its dynamic symbol table
       (through the section headers, or PT_DYNAMIC's DT_SYMTAB/DT_STRTAB/DT_HASH or
       DT_GNU_HASH when a file has none), and the descriptor's ABI version, read from the
       file's bytes (the symbol's address mapped to a file offset through PT_LOAD): no code
       of the file runs before it has passed;
     - loads what passed (dlopen, dlsym), checks the descriptor again in memory (kind, ABI,
       name, the connector's or layer's own ABI) and registers it with
       memintro_target_register or memintro_os_register;
     - settles names: a name already taken by a built-in stays the built-in's; between
       plugins of one kind, the newest file (modification time) wins and the other is listed
       as rejected, naming the file that won;
     - lists every candidate with its path, status (loaded / rejected) and, for a rejected
       one, the reason in one line: "not an ELF file", "ELF for AArch64, this is x86-64",
       "ABI version 2, 1 is needed", "no memintro_plugin symbol",
       "name \"x\" taken by /path/x.so (newer)", "dlopen: ...".

   HOSTED: Linux and other ELF systems with dlopen (glibc >= 2.34 has it in libc; older
   needs -ldl).

   USAGE
     In exactly one C or C++ file of the program that loads plugins:
         #define MEMINTRO_PLUGIN_IMPLEMENTATION
         #include "memintro_plugin.h"
     That file also gets memintro_os.h's implementation (and through it memintro_target.h's
     and the others') unless MEMINTRO_PLUGIN_NO_DEPS is defined (then other files must
     provide them). Everywhere else just #include "memintro_plugin.h".

         memintro_plugins ps;
         memintro_plugins_load(&ps, NULL);   the standard search path
         ... memintro_target_open(&t, "myconn:/path,key=1", NULL) now reaches a plugin ...
         memintro_plugins_free(&ps);         the list only: loaded plugins stay loaded

   WRITING A PLUGIN
     A plugin includes this header for the types only (no IMPLEMENTATION macro) and
     defines its descriptor with MEMINTRO_PLUGIN_EXPORT (in outline; examples/plugins/file.c
     is a whole connector, examples/plugins/toyos.c a whole OS layer):

         static const memintro_connector my_conn = { MEMINTRO_CONNECTOR_ABI, "mine", ... };
         MEMINTRO_PLUGIN_EXPORT const memintro_plugin_descriptor memintro_plugin = {
             MEMINTRO_PLUGIN_ABI, MEMINTRO_PLUGIN_CONNECTOR, "mine", "1.0",
             "what it opens, one line", &my_conn, NULL };

     The descriptor's name, the connector's (or layer's) name and the name users type are
     one and the same: letters, digits, '_' and '-', at most 63 characters. Build it with
         cc -shared -fPIC -fvisibility=hidden plugin.c -o mine.so
     -fvisibility=hidden keeps every symbol but the descriptor (MEMINTRO_PLUGIN_EXPORT
     makes it visible) out of the dynamic symbol table, so the plugin never interposes the
     loading program's memintro_* functions, and its own calls bind to its own copies.
     (MEMINTRO_STATIC does not do for this: the hosted headers' declarations would be
     static functions never defined.) A plugin links against no memintro library: it
     calls only what it compiles itself (define MEMINTRO_IMPLEMENTATION in it for the
     core's helpers: memintro_ops_*, memintro_memmap_*, memintro_phys_read1...) and
     memintro_plugin_arg below instead of memintro_connector_arg. It must be built against
     the same memintro headers as the program (the structures it fills are the program's).
     The objects a plugin hands out (phys, map, state) stay the plugin's: the registry calls
     its close / release for them. examples/plugins/ has a connector and an OS layer.

   CONFIGURATION (define before including the implementation)
     | macro                        | default           | meaning                           |
     |------------------------------|-------------------|-----------------------------------|
     | MEMINTRO_PLUGIN_MALLOC(n, u) | malloc(n)         | allocation (allocator unset)      |
     | MEMINTRO_PLUGIN_FREE(p, u)   | free(p)           | the matching release              |
     | MEMINTRO_PLUGIN_MACHINE      | from the compiler | the ELF e_machine plugins must    |
     |                              | (__x86_64__: 62,  | have (EM_X86_64, EM_AARCH64 ...)  |
     |                              | __aarch64__: 183) |                                   |
     | MEMINTRO_PLUGIN_MAX_LOADED   | 128               | plugins one process keeps loaded  |
     | MEMINTRO_PLUGIN_MAX_FILES    | 1024              | candidates one search lists       |
     | MEMINTRO_PLUGIN_NO_DEPS      | undefined         | do not compile the other headers  |

   THIS LIBRARY DOES NOT
     - unload a plugin: what registered stays registered for the life of the process (the
       registries cannot forget a connector or layer); a later memintro_plugins_load lists
       an already loaded file as loaded again without reloading it;
     - protect the process from a plugin that passed: a loaded plugin is native code with
       the rights of the process (the checks keep out wrong files, not malicious ones);
     - look at permissions, owners or signatures, or guard against a file changed between
       its check and dlopen: a plugin folder must be writable only by those trusted to run
       code in the process;
     - read the plugin's name before dlopen: the name is a pointer in the descriptor
       (relocated at load time), so a name clash is settled after dlopen (the losing file's
       constructors, if any, have run) and the loser is closed again;
     - search subfolders, or files not ending in ".so" (lib.so.1 is not a candidate);
     - lock: load plugins from one thread, before targets are opened.

   REFERENCE (in the order declared below)
     MEMINTRO_PLUGIN_EXPORT        how a plugin defines its descriptor
     memintro_plugin_arg           a connector key's value, for plugins (inline)
     memintro_plugin_check_image   the ELF check over a reader callback (any bytes)
     memintro_plugin_check_file    the ELF check of one file
     memintro_plugin_search_path   the folders searched, colon-separated
     memintro_plugins_load         find, check, load and register every plugin
     memintro_plugins_free         release the list (plugins stay loaded)
     memintro_plugin_kind_name     "connector", "os"
     memintro_plugin_status_name   "loaded", "rejected"
     memintro_plugin_machine_name  "x86-64", "AArch64" ... for an ELF e_machine

   EXAMPLE (compiled by tests/test_plugin.c)

       memintro_plugins ps;
       size_t i;
       if (memintro_plugins_load(&ps, NULL) != MEMINTRO_OK)
           fprintf(stderr, "plugins: %s\n", ps.error);
       printf("searched %s\n", ps.path);
       for (i = 0; i < ps.count; i++) {
           const memintro_plugin_entry *e = &ps.entries[i];
           if (e->status == MEMINTRO_PLUGIN_LOADED)
               printf("%s: %s \"%s\" %s\n", e->path, memintro_plugin_kind_name(e->kind),
                      e->name, e->version);
           else
               printf("%s: rejected: %s\n", e->path, e->reason);
       }
       memintro_plugins_free(&ps);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_PLUGIN_H
#define MEMINTRO_PLUGIN_H

#if defined(MEMINTRO_PLUGIN_IMPLEMENTATION) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* pread, O_CLOEXEC, st_mtim (effective when this is the file's first include) */
#endif
#if defined(MEMINTRO_PLUGIN_IMPLEMENTATION) && !defined(MEMINTRO_PLUGIN_NO_DEPS)
#ifndef MEMINTRO_OS_IMPLEMENTATION
#define MEMINTRO_OS_IMPLEMENTATION
#endif
#endif

#include "memintro_os.h"

#define MEMINTRO_PLUGIN_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_PLUGIN_VERSION_MINOR 1

#define MEMINTRO_PLUGIN_ABI 1u                   /* the descriptor's layout */
#define MEMINTRO_PLUGIN_SYMBOL "memintro_plugin" /* the exported descriptor's name */

#ifdef __cplusplus
extern "C" {
#endif

/* What a plugin adds. */
typedef enum memintro_plugin_kind {
    MEMINTRO_PLUGIN_KIND_NONE = 0,  /* not known (a file rejected before it was loaded) */
    MEMINTRO_PLUGIN_CONNECTOR = 1,  /* a connector: memintro_target_register */
    MEMINTRO_PLUGIN_OS = 2,         /* an OS layer: memintro_os_register */
    MEMINTRO__PLUGIN_KIND_FORCE32 = 0x7fffffff
} memintro_plugin_kind;

/* The descriptor a plugin exports as MEMINTRO_PLUGIN_SYMBOL. abi and kind come first and
   stay where they are in every ABI version: the loader reads them from the file. */
typedef struct memintro_plugin_descriptor {
    uint32_t abi;               /* MEMINTRO_PLUGIN_ABI */
    uint32_t kind;              /* memintro_plugin_kind */
    const char *name, *version, *description;
    const memintro_connector *connector; /* kind CONNECTOR */
    const memintro_os_layer *os;         /* kind OS */
} memintro_plugin_descriptor;

/* A plugin: `MEMINTRO_PLUGIN_EXPORT const memintro_plugin_descriptor memintro_plugin = {...};`
   (C linkage, visible in the dynamic symbol table even with -fvisibility=hidden). */
#if defined(__GNUC__) || defined(__clang__)
#ifdef __cplusplus
#define MEMINTRO_PLUGIN_EXPORT extern "C" __attribute__((visibility("default"), used))
#else
#define MEMINTRO_PLUGIN_EXPORT __attribute__((visibility("default"), used))
#endif
#else
#ifdef __cplusplus
#define MEMINTRO_PLUGIN_EXPORT extern "C"
#else
#define MEMINTRO_PLUGIN_EXPORT
#endif
#endif

/* For plugins, which do not link against the loading program: the value of key `name` in
   a (as memintro_connector_arg gives it), or NULL when it was not given. */
static inline const char *memintro_plugin_arg(const memintro_connector_args *a, const char *name)
{
    size_t i, j;
    for (i = 0; a && name && i < a->count && i < 32; i++) {
        const char *k = a->keys[i];
        for (j = 0; k && k[j] && k[j] == name[j]; j++) {}
        if (k && k[j] == name[j]) return a->values[i] ? a->values[i] : "";
    }
    return 0;
}

/* ---- The ELF check -------------------------------------------------------------------- */

/* What the ELF check learnt about a file (fields are 0 where it did not get that far). */
typedef struct memintro_plugin_elf {
    uint32_t elf_class;         /* 32 or 64 */
    uint32_t big_endian;        /* 1: EI_DATA is ELFDATA2MSB */
    uint32_t machine;           /* e_machine */
    uint32_t type;              /* e_type (3: ET_DYN) */
    int has_symbol;             /* MEMINTRO_PLUGIN_SYMBOL is defined and exported */
    uint64_t symbol_value;      /* its st_value (address in the object) */
    uint64_t symbol_size;       /* its st_size */
    uint64_t descriptor_offset; /* the file offset of its bytes (through PT_LOAD) */
    uint32_t abi, kind;         /* the descriptor's first two fields, from the file */
    const char *symbols_from;   /* "section headers" or "dynamic segment" */
} memintro_plugin_elf;

/* Reads len bytes at offset into buf; MEMINTRO_OK or a failure (E_IO). The checker never
   asks beyond the size it was given. */
typedef memintro_status (*memintro_plugin_read_fn)(void *user, uint64_t offset, void *buf, size_t len);

/* Checks an ELF image of `size` bytes read through fn, as memintro_plugins_load checks a
   candidate before loading it. info may be NULL. Returns MEMINTRO_OK when it is a plugin
   for this build with the right ABI; otherwise one line in why[whylen] and:
     MEMINTRO_E_FORMAT       not an ELF file, or malformed (truncated, a table outside the
                             file, an address in no PT_LOAD);
     MEMINTRO_E_UNSUPPORTED  another class, byte order, machine or ELF type, another ABI
                             version or kind in the descriptor;
     MEMINTRO_E_NOTFOUND     no descriptor symbol exported (or no dynamic symbol table);
     MEMINTRO_E_LIMIT        more symbols or headers than any plugin has (2^20);
     MEMINTRO_E_IO           fn failed. */
MEMINTRO_API memintro_status memintro_plugin_check_image(memintro_plugin_read_fn fn, void *user, uint64_t size,
                                                         memintro_plugin_elf *info, char *why, size_t whylen);
/* memintro_plugin_check_image over the file at path (opened read-only, read with pread).
   Also: MEMINTRO_E_NOTFOUND / E_PERMISSION / E_IO when it cannot be opened, E_UNSUPPORTED
   when it is not a regular file. */
MEMINTRO_API memintro_status memintro_plugin_check_file(const char *path, memintro_plugin_elf *info, char *why,
                                                        size_t whylen);

/* ---- Finding and loading -------------------------------------------------------------- */

/* memintro_plugin_entry.status */
#define MEMINTRO_PLUGIN_LOADED 1u   /* registered (now, or by an earlier load) */
#define MEMINTRO_PLUGIN_REJECTED 2u /* not registered: reason says why */

/* One candidate file. */
typedef struct memintro_plugin_entry {
    char path[1024];       /* folder/name.so as found */
    uint32_t status;       /* MEMINTRO_PLUGIN_LOADED / _REJECTED */
    uint32_t kind;         /* memintro_plugin_kind; NONE when rejected before loading */
    char name[64];         /* the descriptor's name ("" when not known) */
    char version[32];
    char description[256];
    char reason[1280];     /* rejected: why, one line; loaded: "" */
    int64_t mtime;         /* modification time, seconds since the epoch */
    uint32_t mtime_nsec;
    uint32_t order;        /* position in the search (folder order, then name) */
    const memintro_plugin_descriptor *descriptor; /* loaded: valid as long as the process */
    memintro_plugin_elf elf; /* what the ELF check learnt */
} memintro_plugin_entry;

/* memintro_plugin_options.flags */
#define MEMINTRO_PLUGIN_CHECK_ONLY 0x1u /* check and list the candidates, load none (those
                                           that passed are listed as rejected, reason
                                           "not loaded (check only): ...") */

/* Options of memintro_plugins_load. A zeroed struct (or NULL) means the defaults. */
typedef struct memintro_plugin_options {
    const char *path;              /* colon-separated folders to search INSTEAD of the
                                      standard search path; NULL: the standard one */
    uint32_t flags;                /* MEMINTRO_PLUGIN_* */
    memintro_allocator allocator;  /* both functions or neither (MEMINTRO_PLUGIN_MALLOC) */
} memintro_plugin_options;

/* The result of a search: every candidate in search order. Plain data. */
typedef struct memintro_plugins {
    memintro_plugin_entry *entries; /* count entries (allocated) */
    size_t count;
    size_t loaded, rejected;        /* how many of each */
    char path[4096];                /* the folders searched, colon-separated */
    char error[512];                /* a failure of the search itself, or (MEMINTRO_OK) a
                                       note that candidates were left out; "" if none */
    memintro_allocator allocator;
} memintro_plugins;

/* Writes the standard search path (MEMINTRO_PLUGIN_PATH's folders, then
   $HOME/.local/lib/memintro, /usr/local/lib/memintro, /usr/lib/memintro) into
   buf[len], colon-separated and NUL-terminated (cut if it does not fit). Returns the
   length it needs without the NUL. */
MEMINTRO_API size_t memintro_plugin_search_path(char *buf, size_t len);

/* Finds every candidate (regular files *.so of the search path, a folder's files in name
   order; a folder that is missing or unreadable is skipped), checks each one, loads what
   passed, newest first, and registers it. p is filled (free it with memintro_plugins_free
   even on failure). Returns MEMINTRO_OK when the search ran (whatever was rejected: see
   the entries); MEMINTRO_E_INVALID (a one-sided allocator), MEMINTRO_E_NOSPACE
   (allocation) with p->error. */
MEMINTRO_API memintro_status memintro_plugins_load(memintro_plugins *p, const memintro_plugin_options *o);
/* Frees the list. Loaded plugins stay loaded and registered. */
MEMINTRO_API void memintro_plugins_free(memintro_plugins *p);

/* "connector", "os", "-" (NONE or unknown). */
MEMINTRO_API const char *memintro_plugin_kind_name(uint32_t kind);
/* "loaded", "rejected", "-". */
MEMINTRO_API const char *memintro_plugin_status_name(uint32_t status);
/* "x86-64", "AArch64", "x86", "ARM", "RISC-V" ... or "machine N" (written to buf[len],
   which is returned; 16 bytes are enough). */
MEMINTRO_API const char *memintro_plugin_machine_name(uint32_t machine, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_PLUGIN_H */

/* ======================================================================================= */

#ifdef MEMINTRO_PLUGIN_IMPLEMENTATION
#ifndef MEMINTRO_PLUGIN_IMPLEMENTATION_INCLUDED
#define MEMINTRO_PLUGIN_IMPLEMENTATION_INCLUDED

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEMINTRO_PLUGIN_MALLOC
#define MEMINTRO_PLUGIN_MALLOC(n, u) ((void)(u), malloc(n))
#define MEMINTRO_PLUGIN_FREE(p, u) ((void)(u), free(p))
#endif
#ifndef MEMINTRO_PLUGIN_MAX_LOADED
#define MEMINTRO_PLUGIN_MAX_LOADED 128
#endif
#ifndef MEMINTRO_PLUGIN_MAX_FILES
#define MEMINTRO_PLUGIN_MAX_FILES 1024
#endif

#ifndef MEMINTRO_PLUGIN_MACHINE
#if defined(__x86_64__) || defined(_M_X64)
#define MEMINTRO_PLUGIN_MACHINE 62u /* EM_X86_64 */
#elif defined(__i386__)
#define MEMINTRO_PLUGIN_MACHINE 3u /* EM_386 */
#elif defined(__aarch64__)
#define MEMINTRO_PLUGIN_MACHINE 183u /* EM_AARCH64 */
#elif defined(__arm__)
#define MEMINTRO_PLUGIN_MACHINE 40u /* EM_ARM */
#elif defined(__riscv)
#define MEMINTRO_PLUGIN_MACHINE 243u /* EM_RISCV */
#elif defined(__powerpc64__)
#define MEMINTRO_PLUGIN_MACHINE 21u /* EM_PPC64 */
#elif defined(__powerpc__)
#define MEMINTRO_PLUGIN_MACHINE 20u /* EM_PPC */
#elif defined(__s390x__) || defined(__s390__)
#define MEMINTRO_PLUGIN_MACHINE 22u /* EM_S390 */
#elif defined(__loongarch__)
#define MEMINTRO_PLUGIN_MACHINE 258u /* EM_LOONGARCH */
#elif defined(__mips__)
#define MEMINTRO_PLUGIN_MACHINE 8u /* EM_MIPS */
#else
#error "memintro_plugin.h: unknown architecture: define MEMINTRO_PLUGIN_MACHINE (the ELF e_machine)"
#endif
#endif

#if UINTPTR_MAX > 0xffffffffu
#define MEMINTRO__PLUGIN_CLASS 64u
#else
#define MEMINTRO__PLUGIN_CLASS 32u
#endif
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MEMINTRO__PLUGIN_BIG 1u
#else
#define MEMINTRO__PLUGIN_BIG 0u
#endif

#define MEMINTRO__PLUGIN_LIMIT (1u << 20) /* symbols, headers, hash buckets */

#ifdef __cplusplus
extern "C" {
#endif

MEMINTRO_API const char *memintro_plugin_machine_name(uint32_t machine, char *buf, size_t len)
{
    const char *n = 0;
    switch (machine) {
    case 2: n = "SPARC"; break;
    case 3: n = "x86"; break;
    case 8: n = "MIPS"; break;
    case 20: n = "PowerPC"; break;
    case 21: n = "PowerPC64"; break;
    case 22: n = "S/390"; break;
    case 40: n = "ARM"; break;
    case 43: n = "SPARC V9"; break;
    case 62: n = "x86-64"; break;
    case 183: n = "AArch64"; break;
    case 243: n = "RISC-V"; break;
    case 258: n = "LoongArch"; break;
    default: break;
    }
    if (!buf || !len) return n ? n : "machine ?";
    if (n)
        snprintf(buf, len, "%s", n);
    else
        snprintf(buf, len, "machine %u", (unsigned)machine);
    return buf;
}

MEMINTRO_API const char *memintro_plugin_kind_name(uint32_t kind)
{
    return kind == MEMINTRO_PLUGIN_CONNECTOR ? "connector" : kind == MEMINTRO_PLUGIN_OS ? "os" : "-";
}

MEMINTRO_API const char *memintro_plugin_status_name(uint32_t status)
{
    return status == MEMINTRO_PLUGIN_LOADED ? "loaded" : status == MEMINTRO_PLUGIN_REJECTED ? "rejected" : "-";
}

/* ---- ELF reading ---------------------------------------------------------------------- */

typedef struct memintro__plugin_elfr {
    memintro_plugin_read_fn fn;
    void *user;
    uint64_t size;
    int is64, big;
    char *why;
    size_t whylen;
    memintro_status io; /* the reader's failure, if any */
} memintro__plugin_elfr;

static uint64_t memintro__plugin_get(const memintro__plugin_elfr *r, const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < n; i++) v |= (uint64_t)p[r->big ? n - 1 - i : i] << (8 * i);
    return v;
}

/* Reads [off, off+len) of the image; 0 when it is outside (why says what) or fn failed. */
static int memintro__plugin_rd(memintro__plugin_elfr *r, uint64_t off, void *buf, size_t len, const char *what)
{
    memintro_status s;
    if (off > r->size || len > r->size - off) {
        snprintf(r->why, r->whylen, "truncated or corrupt ELF file: the %s (offset 0x%llx, %llu bytes) is outside "
                 "the file (%llu bytes)", what, (unsigned long long)off, (unsigned long long)len,
                 (unsigned long long)r->size);
        return 0;
    }
    if ((s = r->fn(r->user, off, buf, len)) != MEMINTRO_OK) {
        snprintf(r->why, r->whylen, "cannot read the %s at offset 0x%llx: %s", what, (unsigned long long)off,
                 memintro_status_str(s));
        r->io = s;
        return 0;
    }
    return 1;
}

/* One program header: type, offset, vaddr, filesz. */
typedef struct memintro__plugin_ph {
    uint32_t type;
    uint64_t offset, vaddr, filesz;
} memintro__plugin_ph;

typedef struct memintro__plugin_hdr {
    uint64_t phoff, shoff;
    uint32_t phentsize, phnum, shentsize, shnum;
} memintro__plugin_hdr;

static int memintro__plugin_ph_get(memintro__plugin_elfr *r, const memintro__plugin_hdr *h, uint32_t i,
                                   memintro__plugin_ph *ph)
{
    uint8_t b[56];
    if (!memintro__plugin_rd(r, h->phoff + (uint64_t)i * h->phentsize, b, r->is64 ? 56u : 32u, "program header"))
        return 0;
    ph->type = (uint32_t)memintro__plugin_get(r, b, 4);
    if (r->is64) {
        ph->offset = memintro__plugin_get(r, b + 8, 8);
        ph->vaddr = memintro__plugin_get(r, b + 16, 8);
        ph->filesz = memintro__plugin_get(r, b + 32, 8);
    } else {
        ph->offset = memintro__plugin_get(r, b + 4, 4);
        ph->vaddr = memintro__plugin_get(r, b + 8, 4);
        ph->filesz = memintro__plugin_get(r, b + 16, 4);
    }
    return 1;
}

/* Maps [vaddr, vaddr+len) to a file offset through the PT_LOAD segments. Returns 1 and
   *off, 0 when no segment holds it in the file (why set), -1 on a read failure. */
static int memintro__plugin_v2off(memintro__plugin_elfr *r, const memintro__plugin_hdr *h, uint64_t vaddr,
                                  uint64_t len, uint64_t *off, const char *what)
{
    uint32_t i;
    for (i = 0; i < h->phnum; i++) {
        memintro__plugin_ph ph;
        if (!memintro__plugin_ph_get(r, h, i, &ph)) return -1;
        if (ph.type != 1u /* PT_LOAD */ || vaddr < ph.vaddr) continue;
        if (vaddr - ph.vaddr >= ph.filesz || len > ph.filesz - (vaddr - ph.vaddr)) continue;
        if (ph.offset > r->size || vaddr - ph.vaddr > r->size - ph.offset) continue;
        *off = ph.offset + (vaddr - ph.vaddr);
        return 1;
    }
    snprintf(r->why, r->whylen, "corrupt ELF file: the %s (address 0x%llx) is in no PT_LOAD segment's file bytes",
             what, (unsigned long long)vaddr);
    return 0;
}

/* The dynamic symbol table: where it is, how many entries, and its strings. */
typedef struct memintro__plugin_dyn {
    uint64_t symoff, nsyms, syment;
    uint64_t stroff, strsize;
} memintro__plugin_dyn;

/* Finds .dynsym and its string table through the section headers. Returns 1 found, 0 not
   there (no section headers, no SHT_DYNSYM: *soft = 1) or malformed (why set), -1 I/O. */
static int memintro__plugin_dyn_sections(memintro__plugin_elfr *r, const memintro__plugin_hdr *h,
                                         memintro__plugin_dyn *d, int *soft)
{
    uint32_t i, shnum = h->shnum;
    uint8_t b[64];
    unsigned esz = r->is64 ? 64u : 40u;
    *soft = 0;
    if (!h->shoff) {
        *soft = 1;
        return 0;
    }
    if (h->shentsize < esz) {
        snprintf(r->why, r->whylen, "corrupt ELF file: section header entries of %u bytes (at least %u needed)",
                 (unsigned)h->shentsize, esz);
        return 0;
    }
    if (!shnum) { /* 0: the count is in section 0's sh_size (e_shnum overflow) */
        if (!memintro__plugin_rd(r, h->shoff, b, esz, "section header 0")) return r->io ? -1 : 0;
        {
            uint64_t n = memintro__plugin_get(r, b + (r->is64 ? 32 : 20), r->is64 ? 8u : 4u);
            if (n > MEMINTRO__PLUGIN_LIMIT) {
                snprintf(r->why, r->whylen, "corrupt ELF file: %llu section headers", (unsigned long long)n);
                return 0;
            }
            shnum = (uint32_t)n;
        }
    }
    for (i = 0; i < shnum; i++) {
        uint32_t type, link;
        uint64_t off, size, entsize;
        if (!memintro__plugin_rd(r, h->shoff + (uint64_t)i * h->shentsize, b, esz, "section header"))
            return r->io ? -1 : 0;
        type = (uint32_t)memintro__plugin_get(r, b + 4, 4);
        if (type != 11u /* SHT_DYNSYM */) continue;
        if (r->is64) {
            off = memintro__plugin_get(r, b + 24, 8);
            size = memintro__plugin_get(r, b + 32, 8);
            link = (uint32_t)memintro__plugin_get(r, b + 40, 4);
            entsize = memintro__plugin_get(r, b + 56, 8);
        } else {
            off = memintro__plugin_get(r, b + 16, 4);
            size = memintro__plugin_get(r, b + 20, 4);
            link = (uint32_t)memintro__plugin_get(r, b + 24, 4);
            entsize = memintro__plugin_get(r, b + 36, 4);
        }
        if (entsize < (r->is64 ? 24u : 16u) || entsize > 4096u) {
            snprintf(r->why, r->whylen, "corrupt ELF file: .dynsym entries of %llu bytes", (unsigned long long)entsize);
            return 0;
        }
        if (off > r->size || size > r->size - off) {
            snprintf(r->why, r->whylen, "truncated or corrupt ELF file: .dynsym (offset 0x%llx, %llu bytes) is "
                     "outside the file (%llu bytes)", (unsigned long long)off, (unsigned long long)size,
                     (unsigned long long)r->size);
            return 0;
        }
        if (link >= shnum) {
            snprintf(r->why, r->whylen, "corrupt ELF file: .dynsym's string table is section %u of %u",
                     (unsigned)link, (unsigned)shnum);
            return 0;
        }
        d->symoff = off;
        d->syment = entsize;
        d->nsyms = size / entsize;
        if (!memintro__plugin_rd(r, h->shoff + (uint64_t)link * h->shentsize, b, esz, "string table's section header"))
            return r->io ? -1 : 0;
        if (r->is64) {
            d->stroff = memintro__plugin_get(r, b + 24, 8);
            d->strsize = memintro__plugin_get(r, b + 32, 8);
        } else {
            d->stroff = memintro__plugin_get(r, b + 16, 4);
            d->strsize = memintro__plugin_get(r, b + 20, 4);
        }
        if (d->stroff > r->size || d->strsize > r->size - d->stroff) {
            snprintf(r->why, r->whylen, "truncated or corrupt ELF file: .dynstr (offset 0x%llx, %llu bytes) is "
                     "outside the file (%llu bytes)", (unsigned long long)d->stroff,
                     (unsigned long long)d->strsize, (unsigned long long)r->size);
            return 0;
        }
        return 1;
    }
    *soft = 1;
    return 0;
}

/* Finds the dynamic symbol table through PT_DYNAMIC (DT_SYMTAB, DT_STRTAB, DT_STRSZ,
   DT_SYMENT, the count from DT_HASH's nchain or DT_GNU_HASH's chains). Same returns. */
static int memintro__plugin_dyn_segment(memintro__plugin_elfr *r, const memintro__plugin_hdr *h,
                                        memintro__plugin_dyn *d)
{
    memintro__plugin_ph ph;
    uint32_t i;
    uint64_t symtab = 0, strtab = 0, strsz = 0, syment = r->is64 ? 24u : 16u, hash = 0, gnuhash = 0, k, n;
    int have_sym = 0, have_str = 0, rc;
    unsigned dsz = r->is64 ? 16u : 8u, w = r->is64 ? 8u : 4u;
    for (i = 0; i < h->phnum; i++) {
        if (!memintro__plugin_ph_get(r, h, i, &ph)) return r->io ? -1 : 0;
        if (ph.type == 2u /* PT_DYNAMIC */) break;
    }
    if (i == h->phnum) {
        snprintf(r->why, r->whylen, "no dynamic symbol table (no .dynsym section, no PT_DYNAMIC segment)");
        return 0;
    }
    if (ph.offset > r->size || ph.filesz > r->size - ph.offset) {
        snprintf(r->why, r->whylen, "truncated or corrupt ELF file: PT_DYNAMIC (offset 0x%llx, %llu bytes) is "
                 "outside the file", (unsigned long long)ph.offset, (unsigned long long)ph.filesz);
        return 0;
    }
    n = ph.filesz / dsz;
    if (n > MEMINTRO__PLUGIN_LIMIT) n = MEMINTRO__PLUGIN_LIMIT;
    for (k = 0; k < n; k++) {
        uint8_t b[16];
        uint64_t tag, val;
        if (!memintro__plugin_rd(r, ph.offset + k * dsz, b, dsz, "dynamic entry")) return r->io ? -1 : 0;
        tag = memintro__plugin_get(r, b, w);
        val = memintro__plugin_get(r, b + w, w);
        if (tag == 0) break; /* DT_NULL */
        if (tag == 4) hash = val;
        else if (tag == 5) { strtab = val; have_str = 1; }
        else if (tag == 6) { symtab = val; have_sym = 1; }
        else if (tag == 10) strsz = val;
        else if (tag == 11) syment = val;
        else if (tag == 0x6ffffef5u) gnuhash = val;
    }
    if (!have_sym || !have_str) {
        snprintf(r->why, r->whylen, "no dynamic symbol table (PT_DYNAMIC has no DT_%s)", have_sym ? "STRTAB" : "SYMTAB");
        return 0;
    }
    if (syment < (r->is64 ? 24u : 16u) || syment > 4096u) {
        snprintf(r->why, r->whylen, "corrupt ELF file: DT_SYMENT %llu", (unsigned long long)syment);
        return 0;
    }
    if ((rc = memintro__plugin_v2off(r, h, strtab, strsz ? strsz : 1, &d->stroff, "DT_STRTAB")) <= 0)
        return rc < 0 ? -1 : 0;
    d->strsize = strsz ? strsz : r->size - d->stroff;
    if ((rc = memintro__plugin_v2off(r, h, symtab, syment, &d->symoff, "DT_SYMTAB")) <= 0) return rc < 0 ? -1 : 0;
    d->syment = syment;
    if (hash) {
        uint8_t b[8];
        uint64_t off;
        if ((rc = memintro__plugin_v2off(r, h, hash, 8, &off, "DT_HASH")) <= 0) return rc < 0 ? -1 : 0;
        if (!memintro__plugin_rd(r, off, b, 8, "DT_HASH header")) return r->io ? -1 : 0;
        d->nsyms = memintro__plugin_get(r, b + 4, 4); /* nchain */
    } else if (gnuhash) {
        uint8_t b[16];
        uint64_t off, nb, symoff, bloom, maxsym = 0, boff, coff;
        if ((rc = memintro__plugin_v2off(r, h, gnuhash, 16, &off, "DT_GNU_HASH")) <= 0) return rc < 0 ? -1 : 0;
        if (!memintro__plugin_rd(r, off, b, 16, "DT_GNU_HASH header")) return r->io ? -1 : 0;
        nb = memintro__plugin_get(r, b, 4);
        symoff = memintro__plugin_get(r, b + 4, 4);
        bloom = memintro__plugin_get(r, b + 8, 4);
        if (nb > MEMINTRO__PLUGIN_LIMIT || bloom > MEMINTRO__PLUGIN_LIMIT) {
            snprintf(r->why, r->whylen, "corrupt ELF file: DT_GNU_HASH with %llu buckets, %llu bloom words",
                     (unsigned long long)nb, (unsigned long long)bloom);
            return 0;
        }
        boff = off + 16 + bloom * w;
        for (k = 0; k < nb; k++) {
            uint8_t e[4];
            uint64_t v;
            if (!memintro__plugin_rd(r, boff + k * 4, e, 4, "DT_GNU_HASH bucket")) return r->io ? -1 : 0;
            if ((v = memintro__plugin_get(r, e, 4)) > maxsym) maxsym = v;
        }
        if (maxsym < symoff) {
            d->nsyms = symoff;
        } else {
            coff = boff + nb * 4;
            for (k = maxsym;; k++) { /* the last chain: ends at an entry with bit 0 set */
                uint8_t e[4];
                if (k - symoff >= MEMINTRO__PLUGIN_LIMIT) {
                    snprintf(r->why, r->whylen, "corrupt ELF file: a DT_GNU_HASH chain does not end");
                    return 0;
                }
                if (!memintro__plugin_rd(r, coff + (k - symoff) * 4, e, 4, "DT_GNU_HASH chain")) return r->io ? -1 : 0;
                if (memintro__plugin_get(r, e, 4) & 1u) break;
            }
            d->nsyms = k + 1;
        }
    } else {
        snprintf(r->why, r->whylen, "no dynamic symbol table size (PT_DYNAMIC has neither DT_HASH nor DT_GNU_HASH)");
        return 0;
    }
    if (d->symoff > r->size || d->nsyms > (r->size - d->symoff) / d->syment) {
        snprintf(r->why, r->whylen, "truncated or corrupt ELF file: %llu dynamic symbols at offset 0x%llx do not fit "
                 "in the file", (unsigned long long)d->nsyms, (unsigned long long)d->symoff);
        return 0;
    }
    return 1;
}

MEMINTRO_API memintro_status memintro_plugin_check_image(memintro_plugin_read_fn fn, void *user, uint64_t size,
                                                         memintro_plugin_elf *info, char *why, size_t whylen)
{
    memintro__plugin_elfr r;
    memintro__plugin_hdr h;
    memintro__plugin_dyn d;
    memintro_plugin_elf local;
    uint8_t e[64], b[24];
    char m1[24], m2[24], whybuf[8];
    uint64_t k;
    int rc, soft = 0;
    const size_t symlen = sizeof MEMINTRO_PLUGIN_SYMBOL; /* with the NUL */
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    if (!why || !whylen) {
        why = whybuf;
        whylen = sizeof whybuf;
    }
    why[0] = 0;
    if (!fn) {
        snprintf(why, whylen, "no reader");
        return MEMINTRO_E_INVALID;
    }
    memset(&r, 0, sizeof r);
    r.fn = fn;
    r.user = user;
    r.size = size;
    r.why = why;
    r.whylen = whylen;
    if (size < 16) {
        snprintf(why, whylen, "not an ELF file (%llu bytes)", (unsigned long long)size);
        return MEMINTRO_E_FORMAT;
    }
    if (!memintro__plugin_rd(&r, 0, e, 16, "ELF identification")) return r.io ? r.io : MEMINTRO_E_FORMAT;
    if (memcmp(e, "\177ELF", 4)) {
        snprintf(why, whylen, "not an ELF file");
        return MEMINTRO_E_FORMAT;
    }
    if ((e[4] != 1 && e[4] != 2) || (e[5] != 1 && e[5] != 2)) {
        snprintf(why, whylen, "not an ELF file (class %u, data encoding %u)", (unsigned)e[4], (unsigned)e[5]);
        return MEMINTRO_E_FORMAT;
    }
    r.is64 = e[4] == 2;
    r.big = e[5] == 2;
    info->elf_class = r.is64 ? 64u : 32u;
    info->big_endian = (uint32_t)r.big;
    if (size < (r.is64 ? 64u : 52u)) {
        snprintf(why, whylen, "truncated ELF file: %llu bytes, shorter than its header", (unsigned long long)size);
        return MEMINTRO_E_FORMAT;
    }
    if (!memintro__plugin_rd(&r, 0, e, r.is64 ? 64u : 52u, "ELF header")) return r.io ? r.io : MEMINTRO_E_FORMAT;
    info->type = (uint32_t)memintro__plugin_get(&r, e + 16, 2);
    info->machine = (uint32_t)memintro__plugin_get(&r, e + 18, 2);
    memintro_plugin_machine_name(info->machine, m1, sizeof m1);
    memintro_plugin_machine_name(MEMINTRO_PLUGIN_MACHINE, m2, sizeof m2);
    if (info->machine != MEMINTRO_PLUGIN_MACHINE) {
        snprintf(why, whylen, "ELF for %s, this is %s", m1, m2);
        return MEMINTRO_E_UNSUPPORTED;
    }
    if (info->elf_class != MEMINTRO__PLUGIN_CLASS) {
        snprintf(why, whylen, "%u-bit ELF for %s, this is %u-bit %s", (unsigned)info->elf_class, m1,
                 (unsigned)MEMINTRO__PLUGIN_CLASS, m2);
        return MEMINTRO_E_UNSUPPORTED;
    }
    if (info->big_endian != MEMINTRO__PLUGIN_BIG) {
        snprintf(why, whylen, "%s-endian ELF for %s, this is %s-endian", r.big ? "big" : "little", m1,
                 MEMINTRO__PLUGIN_BIG ? "big" : "little");
        return MEMINTRO_E_UNSUPPORTED;
    }
    if (info->type != 3u /* ET_DYN */) {
        snprintf(why, whylen, "not a shared object (ELF type %u%s)", (unsigned)info->type,
                 info->type == 1 ? ", a relocatable object" : info->type == 2 ? ", an executable"
                 : info->type == 4 ? ", a core file" : "");
        return MEMINTRO_E_UNSUPPORTED;
    }
    if (r.is64) {
        h.phoff = memintro__plugin_get(&r, e + 32, 8);
        h.shoff = memintro__plugin_get(&r, e + 40, 8);
        h.phentsize = (uint32_t)memintro__plugin_get(&r, e + 54, 2);
        h.phnum = (uint32_t)memintro__plugin_get(&r, e + 56, 2);
        h.shentsize = (uint32_t)memintro__plugin_get(&r, e + 58, 2);
        h.shnum = (uint32_t)memintro__plugin_get(&r, e + 60, 2);
    } else {
        h.phoff = memintro__plugin_get(&r, e + 28, 4);
        h.shoff = memintro__plugin_get(&r, e + 32, 4);
        h.phentsize = (uint32_t)memintro__plugin_get(&r, e + 42, 2);
        h.phnum = (uint32_t)memintro__plugin_get(&r, e + 44, 2);
        h.shentsize = (uint32_t)memintro__plugin_get(&r, e + 46, 2);
        h.shnum = (uint32_t)memintro__plugin_get(&r, e + 48, 2);
    }
    if (h.phnum && h.phentsize < (r.is64 ? 56u : 32u)) {
        snprintf(why, whylen, "corrupt ELF file: program header entries of %u bytes", (unsigned)h.phentsize);
        return MEMINTRO_E_FORMAT;
    }
    if (h.phnum && (h.phoff > size || (uint64_t)h.phnum * h.phentsize > size - h.phoff)) {
        snprintf(why, whylen, "truncated or corrupt ELF file: %u program headers at offset 0x%llx do not fit in the "
                 "file (%llu bytes)", (unsigned)h.phnum, (unsigned long long)h.phoff, (unsigned long long)size);
        return MEMINTRO_E_FORMAT;
    }
    if (h.shnum && h.shentsize && (h.shoff > size || (uint64_t)h.shnum * h.shentsize > size - h.shoff)) {
        snprintf(why, whylen, "truncated or corrupt ELF file: %u section headers at offset 0x%llx do not fit in the "
                 "file (%llu bytes)", (unsigned)h.shnum, (unsigned long long)h.shoff, (unsigned long long)size);
        return MEMINTRO_E_FORMAT;
    }
    memset(&d, 0, sizeof d);
    rc = memintro__plugin_dyn_sections(&r, &h, &d, &soft);
    if (rc < 0) return r.io;
    if (rc == 1) {
        info->symbols_from = "section headers";
    } else if (soft) { /* no section headers (stripped of them): the dynamic segment */
        rc = memintro__plugin_dyn_segment(&r, &h, &d);
        if (rc < 0) return r.io;
        if (rc == 0) return strncmp(why, "no dynamic", 10) ? MEMINTRO_E_FORMAT : MEMINTRO_E_NOTFOUND;
        info->symbols_from = "dynamic segment";
    } else {
        return MEMINTRO_E_FORMAT;
    }
    if (d.nsyms > MEMINTRO__PLUGIN_LIMIT) {
        snprintf(why, whylen, "%llu dynamic symbols, more than a plugin has (%u)", (unsigned long long)d.nsyms,
                 (unsigned)MEMINTRO__PLUGIN_LIMIT);
        return MEMINTRO_E_LIMIT;
    }
    for (k = 1; k < d.nsyms; k++) { /* entry 0 is the null symbol */
        uint64_t name, value, ssize, off;
        uint32_t shndx;
        unsigned info_b, other;
        char nm[sizeof MEMINTRO_PLUGIN_SYMBOL];
        if (!memintro__plugin_rd(&r, d.symoff + k * d.syment, b, r.is64 ? 24u : 16u, "dynamic symbol"))
            return r.io ? r.io : MEMINTRO_E_FORMAT;
        name = memintro__plugin_get(&r, b, 4);
        if (r.is64) {
            info_b = b[4];
            other = b[5];
            shndx = (uint32_t)memintro__plugin_get(&r, b + 6, 2);
            value = memintro__plugin_get(&r, b + 8, 8);
            ssize = memintro__plugin_get(&r, b + 16, 8);
        } else {
            value = memintro__plugin_get(&r, b + 4, 4);
            ssize = memintro__plugin_get(&r, b + 8, 4);
            info_b = b[12];
            other = b[13];
            shndx = (uint32_t)memintro__plugin_get(&r, b + 14, 2);
        }
        if (name >= d.strsize || d.strsize - name < symlen) continue; /* too close to the end: not our name */
        if (!memintro__plugin_rd(&r, d.stroff + name, nm, symlen, "symbol name")) return r.io ? r.io : MEMINTRO_E_FORMAT;
        if (memcmp(nm, MEMINTRO_PLUGIN_SYMBOL, symlen)) continue;
        if (shndx == 0) {
            snprintf(why, whylen, "no memintro_plugin symbol (it is undefined here: imported, not exported)");
            return MEMINTRO_E_NOTFOUND;
        }
        if ((info_b >> 4) != 1u && (info_b >> 4) != 2u) {
            snprintf(why, whylen, "no memintro_plugin symbol (it is not global: binding %u)", info_b >> 4);
            return MEMINTRO_E_NOTFOUND;
        }
        if ((other & 3u) == 1u || (other & 3u) == 2u) {
            snprintf(why, whylen, "no memintro_plugin symbol (it is hidden)");
            return MEMINTRO_E_NOTFOUND;
        }
        if ((info_b & 15u) != 1u /* STT_OBJECT */) {
            snprintf(why, whylen, "memintro_plugin is not a data object (symbol type %u)", info_b & 15u);
            return MEMINTRO_E_UNSUPPORTED;
        }
        info->has_symbol = 1;
        info->symbol_value = value;
        info->symbol_size = ssize;
        if (ssize < 8) {
            snprintf(why, whylen, "memintro_plugin is %llu bytes, too small for a descriptor", (unsigned long long)ssize);
            return MEMINTRO_E_FORMAT;
        }
        if ((rc = memintro__plugin_v2off(&r, &h, value, 8, &off, "memintro_plugin descriptor")) <= 0)
            return rc < 0 ? r.io : MEMINTRO_E_FORMAT;
        info->descriptor_offset = off;
        if (!memintro__plugin_rd(&r, off, e, 8, "memintro_plugin descriptor")) return r.io ? r.io : MEMINTRO_E_FORMAT;
        info->abi = (uint32_t)memintro__plugin_get(&r, e, 4);
        info->kind = (uint32_t)memintro__plugin_get(&r, e + 4, 4);
        if (info->abi != MEMINTRO_PLUGIN_ABI) {
            snprintf(why, whylen, "ABI version %u, %u is needed", (unsigned)info->abi, (unsigned)MEMINTRO_PLUGIN_ABI);
            return MEMINTRO_E_UNSUPPORTED;
        }
        if (info->kind != MEMINTRO_PLUGIN_CONNECTOR && info->kind != MEMINTRO_PLUGIN_OS) {
            snprintf(why, whylen, "unknown plugin kind %u (1 connector, 2 os)", (unsigned)info->kind);
            return MEMINTRO_E_UNSUPPORTED;
        }
        return MEMINTRO_OK;
    }
    snprintf(why, whylen, "no memintro_plugin symbol");
    return MEMINTRO_E_NOTFOUND;
}

static memintro_status memintro__plugin_pread(void *user, uint64_t offset, void *buf, size_t len)
{
    int fd = *(int *)user;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return MEMINTRO_E_IO; /* a short file: it shrank since fstat */
        done += (size_t)n;
    }
    return MEMINTRO_OK;
}

static memintro_status memintro__plugin_check_fd(int fd, const struct stat *st, memintro_plugin_elf *info, char *why,
                                                 size_t whylen)
{
    if (!S_ISREG(st->st_mode)) {
        if (why && whylen) snprintf(why, whylen, "not a regular file");
        if (info) memset(info, 0, sizeof *info);
        return MEMINTRO_E_UNSUPPORTED;
    }
    return memintro_plugin_check_image(memintro__plugin_pread, &fd, (uint64_t)st->st_size, info, why, whylen);
}

MEMINTRO_API memintro_status memintro_plugin_check_file(const char *path, memintro_plugin_elf *info, char *why,
                                                        size_t whylen)
{
    struct stat st;
    memintro_status s;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (why && whylen) snprintf(why, whylen, "cannot open: %s", strerror(err));
        if (info) memset(info, 0, sizeof *info);
        return err == ENOENT ? MEMINTRO_E_NOTFOUND : err == EACCES ? MEMINTRO_E_PERMISSION : MEMINTRO_E_IO;
    }
    if (fstat(fd, &st)) {
        if (why && whylen) snprintf(why, whylen, "cannot stat: %s", strerror(errno));
        close(fd);
        return MEMINTRO_E_IO;
    }
    s = memintro__plugin_check_fd(fd, &st, info, why, whylen);
    close(fd);
    return s;
}

/* ---- The search path ------------------------------------------------------------------ */

/* Appends s[0, n) and a separator to buf[len] at *at (counting what does not fit). */
static void memintro__plugin_cat(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
    size_t i;
    if (*at) {
        if (buf && *at + 1 < len) buf[*at] = ':';
        ++*at;
    }
    for (i = 0; i < n; i++, ++*at)
        if (buf && *at + 1 < len) buf[*at] = s[i];
    if (buf && len) buf[*at < len ? *at : len - 1] = 0;
}

MEMINTRO_API size_t memintro_plugin_search_path(char *buf, size_t len)
{
    const char *env = getenv("MEMINTRO_PLUGIN_PATH"), *home = getenv("HOME");
    size_t at = 0;
    if (buf && len) buf[0] = 0;
    while (env && *env) {
        const char *c = strchr(env, ':');
        size_t n = c ? (size_t)(c - env) : strlen(env);
        if (n) memintro__plugin_cat(buf, len, &at, env, n);
        env += n + (c ? 1 : 0);
    }
    if (home && home[0] == '/') {
        char p[4096];
        int n = snprintf(p, sizeof p, "%s/.local/lib/memintro", home);
        if (n > 0 && (size_t)n < sizeof p) memintro__plugin_cat(buf, len, &at, p, (size_t)n);
    }
    memintro__plugin_cat(buf, len, &at, "/usr/local/lib/memintro", 23);
    memintro__plugin_cat(buf, len, &at, "/usr/lib/memintro", 17);
    return at;
}

/* ---- Loading -------------------------------------------------------------------------- */

/* What this process loaded (for the life of the process: the registries keep pointers). */
typedef struct memintro__plugin_loaded {
    char path[1024];
    uint64_t dev, ino;
    int64_t mtime;
    uint32_t mtime_nsec, kind;
    char name[64];
    void *handle;
    const memintro_plugin_descriptor *descriptor;
} memintro__plugin_loaded;

static memintro__plugin_loaded memintro__plugin_table[MEMINTRO_PLUGIN_MAX_LOADED];
static size_t memintro__plugin_nloaded;

static void *memintro__plugin_alloc(const memintro_allocator *a, size_t n)
{
    if (a->alloc) return a->alloc(a->user, n);
    return MEMINTRO_PLUGIN_MALLOC(n, a->user);
}

static void memintro__plugin_free(const memintro_allocator *a, void *p)
{
    if (!p) return;
    if (a->free)
        a->free(a->user, p);
    else
        MEMINTRO_PLUGIN_FREE(p, a->user);
}

/* A name users can type in a connector string or after --os. */
static int memintro__plugin_name_ok(const char *s)
{
    size_t i;
    if (!s || !s[0]) return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (i >= 63) return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Copies a plugin's string (bounded: it may be anything) into out[n]. */
static void memintro__plugin_copy(char *out, size_t n, const char *s)
{
    size_t i = 0;
    if (s)
        for (; i + 1 < n && s[i]; i++) out[i] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
    out[i] = 0;
}

static int memintro__plugin_newer(const memintro_plugin_entry *a, const memintro_plugin_entry *b)
{
    if (a->mtime != b->mtime) return a->mtime > b->mtime;
    if (a->mtime_nsec != b->mtime_nsec) return a->mtime_nsec > b->mtime_nsec;
    return a->order < b->order; /* the same time: the one found first */
}

/* Is `name` of this kind taken, and by whom (a loaded plugin of ours, or a built-in)? */
static int memintro__plugin_taken(uint32_t kind, const char *name, const memintro__plugin_loaded **by)
{
    size_t i, n = 0;
    *by = 0;
    for (i = 0; i < memintro__plugin_nloaded; i++)
        if (memintro__plugin_table[i].kind == kind && !strcmp(memintro__plugin_table[i].name, name)) {
            *by = &memintro__plugin_table[i];
            return 1;
        }
    if (kind == MEMINTRO_PLUGIN_CONNECTOR) return memintro_target_connector_find(name) != 0;
    {
        const memintro_os_layer *const *l = memintro_os_layer_list(&n);
        for (i = 0; l && i < n; i++)
            if (l[i] && l[i]->name && !strcmp(l[i]->name, name)) return 1;
    }
    return 0;
}

static void memintro__plugin_reject(memintro_plugin_entry *e, const char *fmt, const char *a, const char *b)
{
    e->status = MEMINTRO_PLUGIN_REJECTED;
    snprintf(e->reason, sizeof e->reason, fmt, a, b);
}

/* Loads one checked candidate: dlopen, dlsym, the descriptor's checks, the name, the
   registration. Fills e's status, reason, kind, name, version, description. */
static void memintro__plugin_load_one(memintro_plugin_entry *e, uint64_t dev, uint64_t ino)
{
    const memintro_plugin_descriptor *dsc;
    const memintro__plugin_loaded *by;
    memintro__plugin_loaded *slot;
    memintro_status s;
    const char *inner;
    void *h;
    union { void *p; const memintro_plugin_descriptor *d; } sym;
    size_t i;
    for (i = 0; i < memintro__plugin_nloaded; i++) { /* this very file is loaded already */
        slot = &memintro__plugin_table[i];
        if (slot->dev == dev && slot->ino == ino && slot->mtime == e->mtime && slot->mtime_nsec == e->mtime_nsec) {
            e->status = MEMINTRO_PLUGIN_LOADED;
            e->descriptor = slot->descriptor;
            e->kind = slot->kind;
            memintro__plugin_copy(e->name, sizeof e->name, slot->descriptor->name);
            memintro__plugin_copy(e->version, sizeof e->version, slot->descriptor->version);
            memintro__plugin_copy(e->description, sizeof e->description, slot->descriptor->description);
            return;
        }
    }
    if (memintro__plugin_nloaded >= MEMINTRO_PLUGIN_MAX_LOADED) {
        memintro__plugin_reject(e, "too many plugins loaded (%s)", "MEMINTRO_PLUGIN_MAX_LOADED", 0);
        return;
    }
    dlerror();
    h = dlopen(e->path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *err = dlerror();
        memintro__plugin_reject(e, "dlopen: %s", err ? err : "failed", 0);
        return;
    }
    sym.p = dlsym(h, MEMINTRO_PLUGIN_SYMBOL);
    dsc = sym.d;
    if (!dsc) {
        memintro__plugin_reject(e, "no %s symbol (dlsym found none)", MEMINTRO_PLUGIN_SYMBOL, 0);
        goto fail;
    }
    if (dsc->abi != MEMINTRO_PLUGIN_ABI) { /* the file's bytes said otherwise: a constructor wrote it */
        char v[48];
        snprintf(v, sizeof v, "%u, %u", (unsigned)dsc->abi, (unsigned)MEMINTRO_PLUGIN_ABI);
        memintro__plugin_reject(e, "ABI version %s is needed (once loaded)", v, 0);
        goto fail;
    }
    e->kind = dsc->kind;
    memintro__plugin_copy(e->name, sizeof e->name, dsc->name);
    memintro__plugin_copy(e->version, sizeof e->version, dsc->version);
    memintro__plugin_copy(e->description, sizeof e->description, dsc->description);
    if (!memintro__plugin_name_ok(dsc->name)) {
        memintro__plugin_reject(e, "bad plugin name \"%s\" (letters, digits, '_' and '-', at most 63)", e->name, 0);
        goto fail;
    }
    if (dsc->kind == MEMINTRO_PLUGIN_CONNECTOR) {
        if (!dsc->connector) {
            memintro__plugin_reject(e, "connector plugin \"%s\" without a connector", e->name, 0);
            goto fail;
        }
        if (dsc->connector->abi != MEMINTRO_CONNECTOR_ABI) {
            char v[48];
            snprintf(v, sizeof v, "%u, %u", (unsigned)dsc->connector->abi, (unsigned)MEMINTRO_CONNECTOR_ABI);
            memintro__plugin_reject(e, "connector ABI version %s is needed", v, 0);
            goto fail;
        }
        if (!dsc->connector->open) {
            memintro__plugin_reject(e, "connector \"%s\" has no open function", e->name, 0);
            goto fail;
        }
        inner = dsc->connector->name;
    } else if (dsc->kind == MEMINTRO_PLUGIN_OS) {
        if (!dsc->os) {
            memintro__plugin_reject(e, "OS plugin \"%s\" without an OS layer", e->name, 0);
            goto fail;
        }
        if (dsc->os->abi != MEMINTRO_OS_ABI) {
            char v[48];
            snprintf(v, sizeof v, "%u, %u", (unsigned)dsc->os->abi, (unsigned)MEMINTRO_OS_ABI);
            memintro__plugin_reject(e, "OS layer ABI version %s is needed", v, 0);
            goto fail;
        }
        if (!dsc->os->detect || !dsc->os->kernel_virt) {
            memintro__plugin_reject(e, "OS layer \"%s\" has no %s function", e->name,
                                    dsc->os->detect ? "kernel_virt" : "detect");
            goto fail;
        }
        inner = dsc->os->name;
    } else {
        char v[16];
        snprintf(v, sizeof v, "%u", (unsigned)dsc->kind);
        memintro__plugin_reject(e, "unknown plugin kind %s (1 connector, 2 os)", v, 0);
        goto fail;
    }
    if (!inner || strcmp(inner, dsc->name)) {
        char in[64];
        memintro__plugin_copy(in, sizeof in, inner);
        memintro__plugin_reject(e, "the descriptor says \"%s\", its connector or layer \"%s\"", e->name, in);
        goto fail;
    }
    if (memintro__plugin_taken(dsc->kind, dsc->name, &by)) {
        char q[80];
        snprintf(q, sizeof q, "name \"%s\" taken by", e->name);
        if (by)
            snprintf(e->reason, sizeof e->reason, "%s %s (%s)", q, by->path,
                     (by->mtime > e->mtime || (by->mtime == e->mtime && by->mtime_nsec >= e->mtime_nsec))
                         ? "newer" : "loaded first");
        else
            snprintf(e->reason, sizeof e->reason, "%s the built-in %s", q,
                     dsc->kind == MEMINTRO_PLUGIN_CONNECTOR ? "connector" : "OS layer");
        e->status = MEMINTRO_PLUGIN_REJECTED;
        goto fail;
    }
    s = dsc->kind == MEMINTRO_PLUGIN_CONNECTOR ? memintro_target_register(dsc->connector)
                                               : memintro_os_register(dsc->os);
    if (s != MEMINTRO_OK) {
        memintro__plugin_reject(e, "the registry refused it: %s", memintro_status_str(s), 0);
        goto fail;
    }
    slot = &memintro__plugin_table[memintro__plugin_nloaded++];
    memset(slot, 0, sizeof *slot);
    memcpy(slot->path, e->path, sizeof slot->path);
    slot->dev = dev;
    slot->ino = ino;
    slot->mtime = e->mtime;
    slot->mtime_nsec = e->mtime_nsec;
    slot->kind = dsc->kind;
    memcpy(slot->name, e->name, sizeof slot->name);
    slot->handle = h;
    slot->descriptor = dsc;
    e->status = MEMINTRO_PLUGIN_LOADED;
    e->descriptor = dsc;
    e->reason[0] = 0;
    return;
fail:
    dlclose(h);
}

static int memintro__plugin_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct memintro__plugin_cand {
    uint64_t dev, ino;
    int checked_ok;
} memintro__plugin_cand;

MEMINTRO_API memintro_status memintro_plugins_load(memintro_plugins *p, const memintro_plugin_options *o)
{
    memintro_plugin_options def;
    memintro__plugin_cand *cand = 0;
    size_t cap = 0, i, j, *byage = 0;
    const char *dirs;
    char **names = 0;
    size_t ncap = 0;
    int skipped = 0;
    if (!p) return MEMINTRO_E_INVALID;
    memset(p, 0, sizeof *p);
    if (!o) {
        memset(&def, 0, sizeof def);
        o = &def;
    }
    if (!o->allocator.alloc != !o->allocator.free) {
        snprintf(p->error, sizeof p->error, "an allocator needs both functions");
        return MEMINTRO_E_INVALID;
    }
    p->allocator = o->allocator;
    if (o->path) {
        const char *s = o->path;
        size_t at = 0;
        while (*s) {
            const char *c = strchr(s, ':');
            size_t n = c ? (size_t)(c - s) : strlen(s);
            if (n) memintro__plugin_cat(p->path, sizeof p->path, &at, s, n);
            s += n + (c ? 1 : 0);
        }
    } else {
        memintro_plugin_search_path(p->path, sizeof p->path);
    }
    /* the candidates, folder by folder, a folder's files in name order */
    dirs = p->path;
    while (*dirs) {
        const char *c = strchr(dirs, ':');
        size_t n = c ? (size_t)(c - dirs) : strlen(dirs), nn = 0, k;
        char dir[4096];
        DIR *dp;
        struct dirent *de;
        int dup = 0;
        memcpy(dir, dirs, n);
        dir[n] = 0;
        dirs += n + (c ? 1 : 0);
        { /* a folder listed twice is searched once */
            const char *q = p->path;
            while (q < dirs - n - (c ? 1 : 0)) {
                const char *qc = strchr(q, ':');
                size_t qn = qc ? (size_t)(qc - q) : strlen(q);
                if (qn == n && !memcmp(q, dir, n)) dup = 1;
                q += qn + 1;
            }
        }
        if (dup || !(dp = opendir(dir))) continue;
        while ((de = readdir(dp)) != 0) {
            size_t l = strlen(de->d_name);
            if (l < 4 || strcmp(de->d_name + l - 3, ".so")) continue;
            if (nn == ncap) {
                size_t nc = ncap ? ncap * 2 : 64;
                char **nw = nc <= MEMINTRO_PLUGIN_MAX_FILES * 2u
                                ? (char **)memintro__plugin_alloc(&p->allocator, nc * sizeof *nw) : 0;
                if (!nw) {
                    skipped = 1;
                    break;
                }
                if (nn) memcpy(nw, names, nn * sizeof *nw);
                memintro__plugin_free(&p->allocator, names);
                names = nw;
                ncap = nc;
            }
            if (!(names[nn] = (char *)memintro__plugin_alloc(&p->allocator, l + 1))) {
                skipped = 1;
                break;
            }
            memcpy(names[nn++], de->d_name, l + 1);
        }
        closedir(dp);
        qsort(names, nn, sizeof names[0], memintro__plugin_cmp_name);
        for (k = 0; k < nn; k++) {
            memintro_plugin_entry *e;
            struct stat st;
            char full[1024];
            int fd, len = snprintf(full, sizeof full, "%s/%s", dir, names[k]);
            if (len <= 0 || (size_t)len >= sizeof full) continue;
            if (stat(full, &st) || !S_ISREG(st.st_mode)) continue; /* candidates are regular files */
            if (p->count >= MEMINTRO_PLUGIN_MAX_FILES) {
                skipped = 1;
                continue;
            }
            if (p->count == cap) {
                size_t nc = cap ? cap * 2 : 16;
                memintro_plugin_entry *ne = (memintro_plugin_entry *)memintro__plugin_alloc(&p->allocator, nc * sizeof *ne);
                memintro__plugin_cand *ncand = (memintro__plugin_cand *)memintro__plugin_alloc(&p->allocator, nc * sizeof *ncand);
                if (!ne || !ncand) {
                    memintro__plugin_free(&p->allocator, ne);
                    memintro__plugin_free(&p->allocator, ncand);
                    for (; k < nn; k++) memintro__plugin_free(&p->allocator, names[k]);
                    memintro__plugin_free(&p->allocator, names);
                    snprintf(p->error, sizeof p->error, "out of memory");
                    memintro__plugin_free(&p->allocator, cand);
                    return MEMINTRO_E_NOSPACE;
                }
                if (p->count) {
                    memcpy(ne, p->entries, p->count * sizeof *ne);
                    memcpy(ncand, cand, p->count * sizeof *ncand);
                }
                memintro__plugin_free(&p->allocator, p->entries);
                memintro__plugin_free(&p->allocator, cand);
                p->entries = ne;
                cand = ncand;
                cap = nc;
            }
            e = &p->entries[p->count];
            memset(e, 0, sizeof *e);
            memcpy(e->path, full, (size_t)len + 1);
            e->mtime = (int64_t)st.st_mtim.tv_sec;
            e->mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
            e->order = (uint32_t)p->count;
            cand[p->count].dev = (uint64_t)st.st_dev;
            cand[p->count].ino = (uint64_t)st.st_ino;
            cand[p->count].checked_ok = 0;
            for (j = 0; j < p->count; j++)
                if (cand[j].dev == cand[p->count].dev && cand[j].ino == cand[p->count].ino) break;
            if (j < p->count) {
                memintro__plugin_reject(e, "the same file as %s%s", p->entries[j].path, "");
            } else if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
                memintro__plugin_reject(e, "cannot open: %s%s", strerror(errno), "");
            } else {
                struct stat fst;
                if (fstat(fd, &fst) || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
                    memintro__plugin_reject(e, "the file changed while it was read%s%s", "", "");
                } else if (memintro__plugin_check_fd(fd, &fst, &e->elf, e->reason, sizeof e->reason) == MEMINTRO_OK) {
                    cand[p->count].checked_ok = 1;
                    e->kind = e->elf.kind;
                } else {
                    e->status = MEMINTRO_PLUGIN_REJECTED;
                }
                close(fd);
            }
            p->count++;
        }
        for (k = 0; k < nn; k++) memintro__plugin_free(&p->allocator, names[k]);
    }
    memintro__plugin_free(&p->allocator, names);
    if (skipped)
        snprintf(p->error, sizeof p->error, "more candidates than could be listed (at most %u, "
                 "MEMINTRO_PLUGIN_MAX_FILES): the rest were not looked at", (unsigned)MEMINTRO_PLUGIN_MAX_FILES);
    /* load what passed, newest first: the newest of a name wins */
    if (p->count && !(byage = (size_t *)memintro__plugin_alloc(&p->allocator, p->count * sizeof *byage))) {
        snprintf(p->error, sizeof p->error, "out of memory");
        memintro__plugin_free(&p->allocator, cand);
        return MEMINTRO_E_NOSPACE;
    }
    for (i = 0; i < p->count; i++) {
        byage[i] = i;
        for (j = i; j > 0 && memintro__plugin_newer(&p->entries[i], &p->entries[byage[j - 1]]); j--)
            byage[j] = byage[j - 1];
        byage[j] = i;
    }
    for (i = 0; i < p->count; i++) {
        memintro_plugin_entry *e = &p->entries[byage[i]];
        if (!cand[byage[i]].checked_ok) continue;
        if (o->flags & MEMINTRO_PLUGIN_CHECK_ONLY) {
            e->status = MEMINTRO_PLUGIN_REJECTED;
            snprintf(e->reason, sizeof e->reason, "not loaded (check only): the file passed the checks");
            continue;
        }
        memintro__plugin_load_one(e, cand[byage[i]].dev, cand[byage[i]].ino);
    }
    for (i = 0; i < p->count; i++) {
        if (p->entries[i].status == MEMINTRO_PLUGIN_LOADED)
            p->loaded++;
        else
            p->rejected++;
    }
    memintro__plugin_free(&p->allocator, byage);
    memintro__plugin_free(&p->allocator, cand);
    return MEMINTRO_OK;
}

MEMINTRO_API void memintro_plugins_free(memintro_plugins *p)
{
    memintro_allocator a;
    if (!p) return;
    a = p->allocator;
    memintro__plugin_free(&a, p->entries);
    memset(p, 0, sizeof *p);
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__PLUGIN_CLASS
#undef MEMINTRO__PLUGIN_BIG
#undef MEMINTRO__PLUGIN_LIMIT

#endif /* MEMINTRO_PLUGIN_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_PLUGIN_IMPLEMENTATION */

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
