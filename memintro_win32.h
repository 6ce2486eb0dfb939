/* memintro_win32.h - Windows guests from memory alone: kernel, processes, modules, PE.

   (manual: to be completed by the implementation; see the REFERENCE list below)

   FREESTANDING like memintro.h: includes only memintro.h (<stddef.h>, <stdint.h>), never
   allocates. The caller gives the memory the layer keeps (memintro_win32_mem_size); walks
   take callbacks. Guest memory is hostile input: every list walk is bounded
   (MEMINTRO_WIN32_MAX_*) and cycle-safe, every length read from the guest is clamped, and a
   broken entry ends its walk with a status.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_WIN32_IMPLEMENTATION
         #include "memintro_win32.h"
     (memintro.h's implementation is a separate macro, MEMINTRO_IMPLEMENTATION.)
     With memintro_target.h included BEFORE this header, memintro_win32_hints_from_target
     is declared too (hints from a target object: CPU registers, a crash dump's header).

   REFERENCE (in the order declared below)
     memintro_win32_mem_size        bytes of caller memory memintro_win32_init needs
     memintro_win32_init            find the kernel (hints first, then scans) and its facts
     memintro_win32_why             one line: why init failed, or how the kernel was found
     memintro_win32_source_name     "hint", "dump header", "low stub", ...
     memintro_win32_offsets_find    the built-in offsets of a build (NULL if none)
     memintro_win32_processes       walk the process list
     memintro_win32_process_find    one process by pid or by name
     memintro_win32_process_virt    a process's virtual address space
     memintro_win32_modules         walk a process's (or the kernel's) module list
     memintro_pe_open / _open_file  a PE image mapped in guest memory, or a file in host memory
     memintro_pe_section            one section header
     memintro_pe_exports            walk the export table (names, ordinals, forwarders)
     memintro_pe_export_find        one export by name
     memintro_pe_imports            walk the import table
     memintro_win32_hints_from_target   (with memintro_target.h) hints from a target

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_WIN32_H
#define MEMINTRO_WIN32_H

#include "memintro.h"

#define MEMINTRO_WIN32_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_WIN32_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of every walk over guest data (a longer list ends with MEMINTRO_E_FORMAT). */
#define MEMINTRO_WIN32_MAX_PROCESSES 65536u
#define MEMINTRO_WIN32_MAX_MODULES 8192u

/* ---- Discovery ------------------------------------------------------------------------ */

/* Where a fact came from (memintro_win32.dtb_source, base_source, offsets_source). */
typedef enum memintro_win32_source {
    MEMINTRO_WIN32_SRC_NONE = 0,  /* not found */
    MEMINTRO_WIN32_SRC_HINT,      /* the caller's hint */
    MEMINTRO_WIN32_SRC_CPU,       /* a vCPU's registers (CR3, or a kernel address in them) */
    MEMINTRO_WIN32_SRC_DUMP,      /* a Windows crash dump's header */
    MEMINTRO_WIN32_SRC_LOW_STUB,  /* the x64 low stub (PROCESSOR_START_BLOCK) below 1 MiB */
    MEMINTRO_WIN32_SRC_SCAN,      /* a scan: self-referencing page tables, or PE images */
    MEMINTRO_WIN32_SRC_TABLE,     /* offsets: the built-in table of the build */
    MEMINTRO_WIN32_SRC_LOCATOR,   /* offsets: derived from the System process and its neighbours */
    MEMINTRO__WIN32_SRC_FORCE32 = 0x7fffffff
} memintro_win32_source;

/* What the caller already knows. A zeroed struct means "find everything". */
typedef struct memintro_win32_hints {
    memintro_arch arch;               /* X86_64, X86_PAE or X86; NONE: find */
    memintro_win32_source dtb_source; /* what dtb came from (NONE means HINT) */
    uint64_t dtb;                     /* kernel DTB (CR3); 0: find */
    uint64_t kernel_base;             /* ntoskrnl's base; 0: find */
    uint64_t kernel_address;          /* an address inside ntoskrnl (a vCPU's RIP in kernel
                                         mode, a crash dump's context); 0: none */
    uint64_t ps_active_process_head;  /* from a crash dump's header; 0: none */
    uint64_t ps_loaded_module_list;   /* from a crash dump's header; 0: none */
    uint64_t kd_debugger_data_block;  /* from a crash dump's header; 0: none */
    uint32_t build;                   /* use this build's offsets; 0: NtBuildNumber */
    uint32_t flags;                   /* MEMINTRO_WIN32_HINT_* */
} memintro_win32_hints;

#define MEMINTRO_WIN32_HINT_LOCATE 0x1u /* ignore the tables: derive the offsets */

/* Offsets of the kernel structures the layer reads, in bytes. A zero offset means "absent
   in this build" where a field can be absent (wow64 on 32-bit kernels). */
typedef struct memintro_win32_offsets {
    uint32_t build_min, build_max;  /* builds the figures hold for */
    uint32_t is64;                  /* x64 kernel layout (else x86) */
    /* KPROCESS / EPROCESS */
    uint16_t dtb;                   /* KPROCESS.DirectoryTableBase */
    uint16_t pid;                   /* UniqueProcessId */
    uint16_t links;                 /* ActiveProcessLinks */
    uint16_t ppid;                  /* InheritedFromUniqueProcessId */
    uint16_t name;                  /* ImageFileName[15] */
    uint16_t peb;                   /* Peb */
    uint16_t wow64;                 /* Wow64Process (x64 only) */
    uint16_t wow64_peb;             /* offset of Peb in what Wow64Process points to, when that
                                       is an EWOW64PROCESS (builds >= 10240); 0: it is PEB32 */
    uint16_t section_base;          /* SectionBaseAddress */
    uint16_t create_time;           /* CreateTime (FILETIME) */
    uint16_t exit_time;             /* ExitTime (FILETIME) */
    uint16_t exit_status;           /* ExitStatus (NTSTATUS) */
    uint16_t reserved;
} memintro_win32_offsets;

/* The layer's state: the kernel it found and how. Plain data; memintro_win32_init fills it. */
typedef struct memintro_win32 {
    memintro_phys *phys;
    memintro_virt kernel;           /* the kernel's address space (TLB attached) */
    memintro_tlb tlb;               /* shared by every address space the layer opens */
    memintro_arch arch;             /* X86_64, X86_PAE or X86 */
    uint64_t dtb;                   /* the kernel DTB (System's DirectoryTableBase) */
    uint64_t kernel_base;           /* ntoskrnl.exe */
    uint64_t kernel_size;           /* its SizeOfImage */
    uint64_t system_process;        /* the System EPROCESS (PsInitialSystemProcess) */
    uint64_t ps_active_process_head;/* the process list head */
    uint64_t ps_loaded_module_list; /* the kernel module list head */
    uint32_t build;                 /* NtBuildNumber & 0xffff, e.g. 19045 */
    uint32_t major, minor;          /* KUSER_SHARED_DATA NtMajorVersion, NtMinorVersion */
    uint32_t build_flags;           /* NtBuildNumber's top nibble (0xF: free, 0xC: checked) */
    memintro_win32_offsets off;     /* the offsets in use */
    memintro_win32_source dtb_source, base_source, offsets_source;
    const char *why;                /* one line, see memintro_win32_why */
} memintro_win32;

/* Bytes of caller memory memintro_win32_init needs (translation scratch and a TLB of
   `tlb_entries` entries, 0 for the default 4096). Any alignment. */
MEMINTRO_API size_t memintro_win32_mem_size(size_t tlb_entries);

/* Finds a Windows kernel in phys (hints may be NULL): the paging mode and DTB (hint, low
   stub, page-table scan of the first 16 MiB), ntoskrnl's base (hint, or a scan of kernel
   space for a PE image whose export directory names ntoskrnl.exe), the build
   (NtBuildNumber, KUSER_SHARED_DATA), the System process (PsInitialSystemProcess), the
   list heads, and the offsets (table of the build, or the locator). mem: at least
   memintro_win32_mem_size(tlb_entries) bytes, kept until the layer is no longer used.
   Returns MEMINTRO_OK; MEMINTRO_E_NOTFOUND when no Windows kernel is there; E_FORMAT when
   one is there but its structures make no sense; E_NOSPACE for too little mem; a backend
   status (E_GONE, E_IO) when memory could not be read. memintro_win32_why says which. */
MEMINTRO_API memintro_status memintro_win32_init(memintro_win32 *w, memintro_phys *phys,
                                                 const memintro_win32_hints *hints, size_t tlb_entries,
                                                 void *mem, size_t mem_size);
/* One line: after a failed init, the step that failed and why ("no x64 low stub below 1 MiB
   and no self-referencing page table in the first 16 MiB"); after success, how the kernel
   was found. Never NULL. */
MEMINTRO_API const char *memintro_win32_why(const memintro_win32 *w);
/* "hint", "cpu", "dump header", "low stub", "scan", "table", "locator" ("none"). */
MEMINTRO_API const char *memintro_win32_source_name(memintro_win32_source s);
/* The built-in offsets for `build` on x64 (is64 = 1) or x86; NULL when the tables do not
   have the build. */
MEMINTRO_API const memintro_win32_offsets *memintro_win32_offsets_find(uint32_t build, int is64);

/* ---- Processes ------------------------------------------------------------------------ */

/* memintro_win32_process.flags */
#define MEMINTRO_WIN32_PROC_WOW64 0x1u  /* a 32-bit process on a 64-bit kernel (peb32 set) */
#define MEMINTRO_WIN32_PROC_EXITED 0x2u /* ExitTime set / ExitStatus not STILL_ACTIVE */

/* One process, as read from its EPROCESS. */
typedef struct memintro_win32_process {
    uint64_t eprocess;      /* kernel virtual address of the EPROCESS */
    uint64_t pid, ppid;
    char name[16];          /* ImageFileName, NUL-terminated */
    uint64_t dtb;           /* DirectoryTableBase */
    uint64_t peb;           /* the native PEB (0 for System and other kernel-only processes) */
    uint64_t peb32;         /* the WoW64 PEB32, 0 if none */
    uint64_t section_base;  /* the main image's base */
    uint64_t create_time, exit_time; /* FILETIME (100 ns since 1601), 0 if not set */
    uint32_t exit_status;   /* 0x103 (STILL_ACTIVE) while it runs */
    uint32_t flags;         /* MEMINTRO_WIN32_PROC_* */
} memintro_win32_process;

/* Called for each process; return nonzero to stop the walk (the walk then returns OK). */
typedef int (*memintro_win32_process_fn)(void *user, const memintro_win32_process *p);

/* Walks the active process list from the System process, in list order. Returns MEMINTRO_OK
   after the whole ring; on a broken entry (a link that does not point back, an address that
   does not translate, a cycle, more than MEMINTRO_WIN32_MAX_PROCESSES) the walk stops
   with E_FORMAT or the read's status, after reporting the entries before it. */
MEMINTRO_API memintro_status memintro_win32_processes(memintro_win32 *w, memintro_win32_process_fn fn,
                                                      void *user);
/* The first process whose pid is `pid` (name NULL) or whose name equals `name`
   (case-insensitive; pid ignored). Returns MEMINTRO_OK or MEMINTRO_E_NOTFOUND. */
MEMINTRO_API memintro_status memintro_win32_process_find(memintro_win32 *w, uint64_t pid, const char *name,
                                                         memintro_win32_process *out);
/* A copy of the kernel's address space switched to p's DTB (same backend, same TLB, same
   scratch: use one of the copies at a time). Returns MEMINTRO_OK or E_INVALID (a DTB the
   mode cannot have). */
MEMINTRO_API memintro_status memintro_win32_process_virt(memintro_win32 *w, const memintro_win32_process *p,
                                                         memintro_virt *out);

/* ---- Modules -------------------------------------------------------------------------- */

/* memintro_win32_modules flags, and memintro_win32_module.flags */
#define MEMINTRO_WIN32_MOD_WOW64 0x1u     /* [in] the 32-bit list of a WoW64 process (PEB32);
                                             [out] the module is from a 32-bit list */
#define MEMINTRO_WIN32_MOD_TRUNCATED 0x2u /* [out] name or path longer than its field */
#define MEMINTRO_WIN32_MOD_PAGED 0x4u     /* [out] name or path not readable (paged out) */

/* One loaded module (LDR_DATA_TABLE_ENTRY / KLDR_DATA_TABLE_ENTRY). */
typedef struct memintro_win32_module {
    uint64_t entry;         /* address of the list entry */
    uint64_t base;          /* DllBase */
    uint64_t size;          /* SizeOfImage */
    uint64_t entry_point;
    char name[64];          /* BaseDllName as UTF-8, NUL-terminated */
    char path[512];         /* FullDllName as UTF-8, NUL-terminated */
    uint32_t flags;         /* MEMINTRO_WIN32_MOD_* */
    uint32_t reserved;
} memintro_win32_module;

typedef int (*memintro_win32_module_fn)(void *user, const memintro_win32_module *m);

/* Walks the modules of process p in load order (its PEB's loader list; with
   MEMINTRO_WIN32_MOD_WOW64 the PEB32's), or with p NULL the kernel's (PsLoadedModuleList).
   Returns MEMINTRO_OK after the whole list; MEMINTRO_E_NOTFOUND when p has no PEB (or no
   PEB32 for WOW64); on a broken entry the status that ended it, after the entries before. */
MEMINTRO_API memintro_status memintro_win32_modules(memintro_win32 *w, const memintro_win32_process *p,
                                                    uint32_t flags, memintro_win32_module_fn fn, void *user);

/* ---- PE images ------------------------------------------------------------------------ */

#define MEMINTRO_PE_MAX_SECTIONS 96u /* the PE format's own limit */
#define MEMINTRO_PE_MAX_EXPORTS 65536u    /* NumberOfFunctions, NumberOfNames (ordinals are 16-bit) */
#define MEMINTRO_PE_MAX_IMPORT_DLLS 4096u /* import descriptors */
#define MEMINTRO_PE_MAX_IMPORTS 65536u    /* thunks of one walk, all DLLs together */

/* A PE image: mapped in a guest's virtual memory (memintro_pe_open) or a file's bytes in
   host memory (memintro_pe_open_file, RVAs converted through the section table). */
typedef struct memintro_pe {
    memintro_virt *v;       /* mapped image: its address space, else NULL */
    const uint8_t *file;    /* file image: its bytes, else NULL */
    uint64_t file_size;
    uint64_t base;          /* where the image is mapped (file: its ImageBase) */
    uint16_t machine;       /* IMAGE_FILE_HEADER.Machine: 0x8664, 0x14c, 0xaa64, ... */
    uint16_t characteristics;
    uint16_t nsections;     /* clamped to MEMINTRO_PE_MAX_SECTIONS */
    uint16_t is64;          /* PE32+ optional header */
    uint32_t timestamp;
    uint32_t size_of_image;
    uint32_t size_of_headers;
    uint32_t entry_point;   /* RVA */
    uint64_t image_base;    /* the optional header's ImageBase */
    uint32_t section_table; /* offset of the section table from base */
    uint32_t ndirs;         /* data directories present (<= 16) */
    uint32_t dir_rva[16], dir_size[16];
    char export_name[64];   /* the export directory's DLL name, "" if none or unreadable */
    memintro_status export_status; /* OK; E_NOTFOUND: no export directory; else why
                                      export_name could not be read */
    uint16_t nsections_header; /* NumberOfSections as written (nsections is clamped) */
    uint16_t reserved;
    uint32_t section_alignment; /* SectionAlignment (a power of two; else 4096 is used) */
    uint32_t flags;         /* MEMINTRO_PE_* below */
} memintro_pe;

#define MEMINTRO_PE_SECTIONS_CLAMPED 0x1u /* NumberOfSections over MEMINTRO_PE_MAX_SECTIONS:
                                             only the first MEMINTRO_PE_MAX_SECTIONS are used */
#define MEMINTRO_PE_NAMES_SORTED 0x100u   /* (kept by memintro_pe_export_find) a full pass
                                             found the export names sorted: a binary search
                                             that misses is final */

/* One section header. */
typedef struct memintro_pe_section_info {
    char name[9];
    uint32_t rva, vsize;            /* VirtualAddress, VirtualSize */
    uint32_t file_offset, file_size;/* PointerToRawData, SizeOfRawData */
    uint32_t characteristics;
} memintro_pe_section_info;

/* One export: by name (name set) or by ordinal only (name ""). */
typedef struct memintro_pe_export {
    uint32_t ordinal;       /* biased ordinal (Base + index) */
    uint32_t rva;           /* 0 for an empty slot */
    uint64_t address;       /* base + rva (0 for forwarders) */
    char name[128];         /* "" when exported by ordinal only */
    char forwarder[128];    /* "DLL.Name" for a forwarder, else "" */
    memintro_status status; /* OK, or why the name could not be read (it is then "") */
} memintro_pe_export;

/* One import: a function imported from a DLL, by name or by ordinal. */
typedef struct memintro_pe_import {
    char dll[64];
    char name[128];         /* "" when imported by ordinal */
    uint32_t ordinal;       /* when imported by ordinal; else the hint */
    int by_ordinal;
    uint32_t iat_rva;       /* where the loader writes its address */
    uint64_t bound;         /* the IAT slot's value as read (the resolved address in a
                               loaded image) */
    memintro_status status; /* OK, or why the name could not be read */
} memintro_pe_import;

typedef int (*memintro_pe_export_fn)(void *user, const memintro_pe_export *e);
typedef int (*memintro_pe_import_fn)(void *user, const memintro_pe_import *i);

/* Reads the headers of the image mapped at `base` in v. Returns MEMINTRO_OK, E_FORMAT (not
   a PE image: no MZ, no PE signature, a header that does not fit), or the read's status
   (E_UNMAPPED when the header page is paged out). */
MEMINTRO_API memintro_status memintro_pe_open(memintro_pe *pe, memintro_virt *v, uint64_t base);
/* The same over a PE file's bytes in host memory (file layout). */
MEMINTRO_API memintro_status memintro_pe_open_file(memintro_pe *pe, const void *data, uint64_t size);
/* Section i (0-based). Returns MEMINTRO_OK, E_INVALID for i out of range, or the read's status. */
MEMINTRO_API memintro_status memintro_pe_section(memintro_pe *pe, uint32_t i, memintro_pe_section_info *out);
/* Walks the exports in ordinal order. Returns MEMINTRO_OK; E_NOTFOUND when there is no
   export directory; a status when the directory or its tables cannot be read (an entry whose
   name alone is unreadable is reported with its status and the walk goes on). */
MEMINTRO_API memintro_status memintro_pe_exports(memintro_pe *pe, memintro_pe_export_fn fn, void *user);
/* The export named `name`. Returns MEMINTRO_OK (out filled) or E_NOTFOUND. */
MEMINTRO_API memintro_status memintro_pe_export_find(memintro_pe *pe, const char *name, memintro_pe_export *out);
/* Walks the imports, DLL by DLL in directory order. Returns as memintro_pe_exports. */
MEMINTRO_API memintro_status memintro_pe_imports(memintro_pe *pe, memintro_pe_import_fn fn, void *user);

#ifdef MEMINTRO_TARGET_H
/* Hints from an open target (memintro_target.h): a Windows crash dump's header
   (DirectoryTableBase, PsActiveProcessHead, PsLoadedModuleList, KdDebuggerDataBlock, the
   context's RIP), else CPU 0's paging (CR3, mode) and a kernel-mode RIP. */
MEMINTRO_API void memintro_win32_hints_from_target(const memintro_target *t, memintro_win32_hints *h);
#endif

#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_WIN32_H */

/* ======================================================================================= */
#ifdef MEMINTRO_WIN32_IMPLEMENTATION
#ifndef MEMINTRO_WIN32_IMPLEMENTATION_INCLUDED
#define MEMINTRO_WIN32_IMPLEMENTATION_INCLUDED

/* ---- implementation: shared helpers (strings, UTF-16) ---------------------------------- */


/* ---- implementation: PE images ---------------------------------------------------------- */
/* The PE/COFF layout (Microsoft's "PE Format" specification): IMAGE_DOS_HEADER.e_lfanew at
   0x3C; "PE\0\0", the 20-byte IMAGE_FILE_HEADER (Machine 0, NumberOfSections 2,
   TimeDateStamp 4, SizeOfOptionalHeader 16, Characteristics 18), the optional header (magic
   0x10B PE32, 0x20B PE32+; AddressOfEntryPoint 16, ImageBase 28 (PE32, 4 bytes) or 24
   (PE32+, 8 bytes), SizeOfImage 56, SizeOfHeaders 60, NumberOfRvaAndSizes 92 / 108, the data
   directories at 96 / 112), 40-byte section headers; IMAGE_EXPORT_DIRECTORY (40 bytes: Name
   12, Base 16, NumberOfFunctions 20, NumberOfNames 24, AddressOfFunctions 28,
   AddressOfNames 32, AddressOfNameOrdinals 36); IMAGE_IMPORT_DESCRIPTOR (20 bytes:
   OriginalFirstThunk 0, Name 12, FirstThunk 16).
   Every read is an RVA inside [0, SizeOfImage): a mapped image reads base + RVA through the
   address space, a file converts the RVA through the section table (bytes a section holds
   past its raw data are zero, as the loader maps them). */

#ifdef MEMINTRO_STATIC
#define MEMINTRO__PE_DEF static
#else
#define MEMINTRO__PE_DEF
#endif
#define MEMINTRO__PE_BATCH 16u     /* ops of one batch of small reads */
#define MEMINTRO__PE_NAME 128u     /* bytes read at once for one name */
#define MEMINTRO__PE_MAX_LFANEW 0x10000u /* e_lfanew beyond this is not a header */

static void memintro__pe_zero(void *d, size_t n)
{
    unsigned char *p = (unsigned char *)d;
    while (n--) *p++ = 0;
}
static void memintro__pe_copy(void *d, const void *s, size_t n)
{
    unsigned char *dp = (unsigned char *)d;
    const unsigned char *sp = (const unsigned char *)s;
    while (n--) *dp++ = *sp++;
}

/* Header bytes at offset `off` from the image's start (the section table, validated by open). */
static memintro_status memintro__pe_hdr_read(memintro_pe *pe, uint64_t off, void *buf, uint32_t len)
{
    if (pe->v) return memintro_virt_read1(pe->v, pe->base + off, buf, len);
    if (off > pe->file_size || len > pe->file_size - off) {
        memintro__pe_zero(buf, len);
        return MEMINTRO_E_FORMAT;
    }
    memintro__pe_copy(buf, pe->file + off, len);
    return MEMINTRO_OK;
}

/* File layout: image bytes [rva, rva + len) through the section table. An RVA in no section
   (nor in the headers) or past the file's end is E_FORMAT. */
static memintro_status memintro__pe_file_read(const memintro_pe *pe, uint32_t rva, uint8_t *buf, uint32_t len)
{
    memintro_status st = MEMINTRO_OK;
    while (len) {
        uint32_t n = 0;
        if (rva < pe->size_of_headers) {
            if (rva >= pe->file_size) {
                st = MEMINTRO_E_FORMAT;
                break;
            }
            n = pe->size_of_headers - rva < len ? pe->size_of_headers - rva : len;
            if (n > pe->file_size - rva) n = (uint32_t)(pe->file_size - rva);
            memintro__pe_copy(buf, pe->file + rva, n);
        } else {
            uint32_t i;
            for (i = 0; i < pe->nsections; i++) {
                const uint8_t *sh = pe->file + pe->section_table + (uint64_t)i * 40u;
                uint32_t vs = memintro_get_u32(sh + 8), va = memintro_get_u32(sh + 12);
                uint32_t raw = memintro_get_u32(sh + 16), ptr = memintro_get_u32(sh + 20);
                uint64_t span64 = ((uint64_t)(vs ? vs : raw) + pe->section_alignment - 1) &
                                  ~(uint64_t)(pe->section_alignment - 1);
                uint32_t span, off; /* the loader maps the section in whole alignment units */
                span = span64 > 0xffffffffu - va ? 0xffffffffu - va : (uint32_t)span64;
                if (rva < va || rva - va >= span) continue;
                off = rva - va;
                n = span - off < len ? span - off : len;
                if (off < raw && (uint64_t)ptr + off < pe->file_size) {
                    uint64_t have = pe->file_size - ((uint64_t)ptr + off);
                    if (have > raw - off) have = raw - off;
                    if (n > have) n = (uint32_t)have;
                    memintro__pe_copy(buf, pe->file + ptr + off, n);
                } else {
                    if (off < raw && n > raw - off) n = raw - off; /* raw data past the file's end */
                    if (off < raw) {
                        st = MEMINTRO_E_FORMAT;
                        break;
                    }
                    memintro__pe_zero(buf, n);
                }
                break;
            }
            if (st != MEMINTRO_OK) break;
            if (i == pe->nsections) {
                st = MEMINTRO_E_FORMAT;
                break;
            }
        }
        buf += n;
        rva += n;
        len -= n;
    }
    if (len) memintro__pe_zero(buf, len);
    return st;
}

/* Image bytes [rva, rva + len): OK, E_FORMAT outside the image, or the read's status
   (missing bytes zeroed). */
static memintro_status memintro__pe_read(memintro_pe *pe, uint64_t rva, void *buf, uint32_t len)
{
    if (rva > pe->size_of_image || len > pe->size_of_image - rva) {
        memintro__pe_zero(buf, len);
        return MEMINTRO_E_FORMAT;
    }
    if (pe->v) return memintro_virt_read1(pe->v, pe->base + rva, buf, len);
    return memintro__pe_file_read(pe, (uint32_t)rva, (uint8_t *)buf, len);
}

/* A batch of at most MEMINTRO__PE_BATCH reads whose addr are RVAs: one virtual batch for a
   mapped image. Each op gets its status; returns the first failing one's, else OK. */
static memintro_status memintro__pe_readv(memintro_pe *pe, memintro_op *ops, size_t count)
{
    memintro_op vo[MEMINTRO__PE_BATCH];
    size_t idx[MEMINTRO__PE_BATCH], k = 0, i;
    memintro_status first = MEMINTRO_OK;
    for (i = 0; i < count && i < MEMINTRO__PE_BATCH; i++) {
        memintro_op *o = &ops[i];
        o->missing = 0;
        o->status = MEMINTRO_OK;
        if (!o->len) continue;
        if (o->addr > pe->size_of_image || o->len > pe->size_of_image - o->addr) {
            memintro__pe_zero(o->buf, o->len);
            o->missing = o->len;
            o->status = MEMINTRO_E_FORMAT;
        } else if (!pe->v) {
            o->status = memintro__pe_file_read(pe, (uint32_t)o->addr, (uint8_t *)o->buf, (uint32_t)o->len);
            if (o->status != MEMINTRO_OK) o->missing = o->len;
        } else {
            vo[k] = *o;
            vo[k].addr = pe->base + o->addr;
            idx[k++] = i;
        }
    }
    if (k) {
        memintro_virt_read(pe->v, vo, k);
        for (i = 0; i < k; i++) {
            ops[idx[i]].status = vo[i].status;
            ops[idx[i]].missing = vo[i].missing;
        }
    }
    for (i = 0; i < count && i < MEMINTRO__PE_BATCH; i++)
        if (ops[i].status != MEMINTRO_OK) {
            first = ops[i].status;
            break;
        }
    return first;
}

/* Bytes from rva to the end of its 4 KiB page (a read that stops there cannot fail on the
   next page), at most `max`. */
static uint32_t memintro__pe_chunk(const memintro_pe *pe, uint64_t rva, uint32_t max)
{
    uint32_t page = 4096u - (uint32_t)((pe->base + rva) & 4095u);
    if (page < max) max = page;
    if (rva >= pe->size_of_image) return 0;
    if (max > pe->size_of_image - rva) max = (uint32_t)(pe->size_of_image - rva);
    return max;
}

/* The NUL-terminated string at rva into out[cap] (cap >= 1). Returns OK; E_LIMIT when it does
   not end within cap - 1 bytes (out holds its start); E_FORMAT when the image ends before
   its NUL; or the status of an unreadable page (out is then ""). */
static memintro_status memintro__pe_str(memintro_pe *pe, uint64_t rva, char *out, uint32_t cap)
{
    uint32_t got = 0;
    while (got < cap - 1) {
        uint32_t n = memintro__pe_chunk(pe, rva + got, cap - 1 - got), i;
        memintro_status st;
        if (!n) {
            out[0] = 0;
            return MEMINTRO_E_FORMAT;
        }
        st = memintro__pe_read(pe, rva + got, out + got, n);
        if (st != MEMINTRO_OK) {
            out[0] = 0;
            return st;
        }
        for (i = 0; i < n; i++)
            if (!out[got + i]) return MEMINTRO_OK;
        got += n;
    }
    out[cap - 1] = 0;
    return MEMINTRO_E_LIMIT;
}

/* A string already read into buf[0, len) (len bytes from its start): OK with out filled when
   its NUL is there; otherwise the string is read again by memintro__pe_str. */
static memintro_status memintro__pe_str_from(memintro_pe *pe, uint64_t rva, const uint8_t *buf, size_t len,
                                             memintro_status read_st, char *out, uint32_t cap)
{
    size_t i;
    if (read_st == MEMINTRO_OK)
        for (i = 0; i < len && i < cap; i++) {
            out[i] = (char)buf[i];
            if (!buf[i]) return MEMINTRO_OK;
        }
    return memintro__pe_str(pe, rva, out, cap);
}

/* Compares the image's string at rva with name[0, nlen] (its NUL included) as strcmp does:
   *cmp < 0, 0, > 0. Returns OK, or the status of a read that failed before the answer. */
static memintro_status memintro__pe_namecmp(memintro_pe *pe, uint64_t rva, const char *name, uint32_t nlen, int *cmp)
{
    uint8_t b[MEMINTRO__PE_NAME];
    uint32_t pos = 0;
    while (pos <= nlen) {
        uint32_t n = memintro__pe_chunk(pe, rva + pos, nlen + 1 - pos < MEMINTRO__PE_NAME ? nlen + 1 - pos : MEMINTRO__PE_NAME), i;
        memintro_status st;
        if (!n) return MEMINTRO_E_FORMAT;
        st = memintro__pe_read(pe, rva + pos, b, n);
        if (st != MEMINTRO_OK) return st;
        for (i = 0; i < n; i++) {
            uint8_t t = (uint8_t)name[pos + i];
            if (b[i] != t) {
                *cmp = b[i] < t ? -1 : 1;
                return MEMINTRO_OK;
            }
            if (!t) {
                *cmp = 0;
                return MEMINTRO_OK;
            }
        }
        pos += n;
    }
    *cmp = 0;
    return MEMINTRO_OK;
}

static int memintro__pe_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

/* The export directory's fields, checked: counts within MEMINTRO_PE_MAX_EXPORTS, tables
   inside the image. */
typedef struct memintro__pe_expdir {
    uint32_t ord_base, nfuncs, nnames, funcs, names, ords;
    uint64_t lo, hi; /* the directory's range: an export RVA inside it is a forwarder */
} memintro__pe_expdir;

static memintro_status memintro__pe_expdir_read(memintro_pe *pe, memintro__pe_expdir *e)
{
    uint8_t d[40];
    memintro_status st;
    if (pe->ndirs < 1 || !pe->dir_rva[0] || !pe->dir_size[0]) return MEMINTRO_E_NOTFOUND;
    st = memintro__pe_read(pe, pe->dir_rva[0], d, 40);
    if (st != MEMINTRO_OK) return st;
    e->ord_base = memintro_get_u32(d + 16);
    e->nfuncs = memintro_get_u32(d + 20);
    e->nnames = memintro_get_u32(d + 24);
    e->funcs = memintro_get_u32(d + 28);
    e->names = memintro_get_u32(d + 32);
    e->ords = memintro_get_u32(d + 36);
    e->lo = pe->dir_rva[0];
    e->hi = (uint64_t)pe->dir_rva[0] + pe->dir_size[0];
    if (e->nfuncs > MEMINTRO_PE_MAX_EXPORTS || e->nnames > MEMINTRO_PE_MAX_EXPORTS) return MEMINTRO_E_LIMIT;
    if (e->nfuncs && (uint64_t)e->funcs + 4ull * e->nfuncs > pe->size_of_image) return MEMINTRO_E_FORMAT;
    if (e->nnames && ((uint64_t)e->names + 4ull * e->nnames > pe->size_of_image ||
                      (uint64_t)e->ords + 2ull * e->nnames > pe->size_of_image))
        return MEMINTRO_E_FORMAT;
    return MEMINTRO_OK;
}

/* Fills out's ordinal, rva, address and forwarder for function index idx (name untouched).
   Returns the status of what could not be read (out->rva is then 0). */
static memintro_status memintro__pe_export_fill(memintro_pe *pe, const memintro__pe_expdir *e, uint32_t idx,
                                                int have_rva, uint32_t rva, memintro_pe_export *out)
{
    memintro_status st = MEMINTRO_OK;
    out->ordinal = e->ord_base + idx;
    out->forwarder[0] = 0;
    out->address = 0;
    if (!have_rva) {
        uint8_t b[4];
        st = memintro__pe_read(pe, (uint64_t)e->funcs + 4ull * idx, b, 4);
        rva = memintro_get_u32(b);
    }
    out->rva = rva;
    if (st != MEMINTRO_OK || !rva) return st;
    if (rva >= e->lo && rva < e->hi)
        st = memintro__pe_str(pe, rva, out->forwarder, sizeof out->forwarder);
    else
        out->address = pe->base + rva;
    return st;
}

/* Name j of the name table was found equal to `name`: the rest of the entry. */
static memintro_status memintro__pe_found(memintro_pe *pe, const memintro__pe_expdir *e, uint32_t j,
                                          const char *name, uint32_t nlen, memintro_pe_export *out)
{
    uint8_t b[2];
    uint32_t idx, i;
    memintro_status st = memintro__pe_read(pe, (uint64_t)e->ords + 2ull * j, b, 2);
    if (st != MEMINTRO_OK) return st;
    idx = memintro_get_u16(b);
    if (idx >= e->nfuncs) return MEMINTRO_E_FORMAT;
    for (i = 0; i < nlen && i + 1 < sizeof out->name; i++) out->name[i] = name[i];
    out->name[i] = 0;
    out->status = memintro__pe_export_fill(pe, e, idx, 0, 0, out);
    return out->status == MEMINTRO_E_LIMIT ? MEMINTRO_OK : out->status;
}

/* The whole name table in order, MEMINTRO__PE_BATCH names per batch: the name pointers in
   one read, the names in one batch. Notes whether the names are sorted. */
static memintro_status memintro__pe_find_linear(memintro_pe *pe, const memintro__pe_expdir *e, const char *name,
                                                uint32_t nlen, memintro_pe_export *out)
{
    uint8_t ptrs[4 * MEMINTRO__PE_BATCH], names[MEMINTRO__PE_BATCH][MEMINTRO__PE_NAME];
    char prev[MEMINTRO__PE_NAME], cur[MEMINTRO__PE_NAME];
    memintro_op ops[MEMINTRO__PE_BATCH];
    memintro_status unread = MEMINTRO_OK, st;
    uint32_t j0, i;
    int sorted = 1, have_prev = 0;
    for (j0 = 0; j0 < e->nnames; j0 += MEMINTRO__PE_BATCH) {
        uint32_t n = e->nnames - j0 < MEMINTRO__PE_BATCH ? e->nnames - j0 : MEMINTRO__PE_BATCH;
        memintro_status pst[MEMINTRO__PE_BATCH];
        for (i = 0; i < n; i++) pst[i] = MEMINTRO_OK;
        st = memintro__pe_read(pe, (uint64_t)e->names + 4ull * j0, ptrs, 4 * n);
        if (st != MEMINTRO_OK) { /* one page of the table may be readable: entry by entry */
            for (i = 0; i < n; i++) {
                ops[i].addr = (uint64_t)e->names + 4ull * (j0 + i);
                ops[i].buf = ptrs + 4 * i;
                ops[i].len = 4;
                ops[i].flags = 0;
            }
            memintro__pe_readv(pe, ops, n);
            for (i = 0; i < n; i++) pst[i] = ops[i].status;
        }
        for (i = 0; i < n; i++) {
            uint64_t r = memintro_get_u32(ptrs + 4 * i);
            ops[i].addr = r;
            ops[i].buf = names[i];
            ops[i].len = pst[i] == MEMINTRO_OK ? memintro__pe_chunk(pe, r, MEMINTRO__PE_NAME) : 0;
            ops[i].flags = 0;
        }
        memintro__pe_readv(pe, ops, n);
        for (i = 0; i < n; i++) {
            uint64_t r = memintro_get_u32(ptrs + 4 * i);
            memintro_status s;
            int c = 1;
            if (pst[i] != MEMINTRO_OK) {
                if (unread == MEMINTRO_OK) unread = pst[i];
                sorted = 0;
                have_prev = 0;
                continue;
            }
            s = memintro__pe_str_from(pe, r, names[i], ops[i].len, ops[i].status, cur, sizeof cur);
            if (s == MEMINTRO_OK) {
                c = memintro__pe_strcmp(cur, name);
                if (have_prev && memintro__pe_strcmp(prev, cur) >= 0) sorted = 0;
                memintro__pe_copy(prev, cur, sizeof cur);
                have_prev = 1;
            } else {
                sorted = 0;
                have_prev = 0;
                s = memintro__pe_namecmp(pe, r, name, nlen, &c); /* a long name: compare in place */
                if (s != MEMINTRO_OK) {
                    if (unread == MEMINTRO_OK) unread = s;
                    continue;
                }
            }
            if (!c) return memintro__pe_found(pe, e, j0 + i, name, nlen, out);
        }
    }
    if (unread == MEMINTRO_OK && sorted) pe->flags |= MEMINTRO_PE_NAMES_SORTED;
    return unread != MEMINTRO_OK ? unread : MEMINTRO_E_NOTFOUND;
}

MEMINTRO__PE_DEF memintro_status memintro_pe_export_find(memintro_pe *pe, const char *name, memintro_pe_export *out)
{
    memintro__pe_expdir e;
    memintro_status st;
    uint32_t nlen = 0, lo, hi;
    if (!pe || !name || !out) return MEMINTRO_E_INVALID;
    memintro__pe_zero(out, sizeof *out);
    while (name[nlen] && nlen < 0xffffu) nlen++;
    if (name[nlen]) return MEMINTRO_E_INVALID;
    st = memintro__pe_expdir_read(pe, &e);
    if (st != MEMINTRO_OK) return st;
    /* binary search: the loader's own way, valid when the names are sorted (every linker
       sorts them); a miss is confirmed by a pass over the whole table until one has shown
       the names sorted */
    lo = 0;
    hi = e.nnames;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint8_t b[4];
        int c;
        st = memintro__pe_read(pe, (uint64_t)e.names + 4ull * mid, b, 4);
        if (st == MEMINTRO_OK) st = memintro__pe_namecmp(pe, memintro_get_u32(b), name, nlen, &c);
        if (st != MEMINTRO_OK) break;
        if (!c) return memintro__pe_found(pe, &e, mid, name, nlen, out);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (st == MEMINTRO_OK && (pe->flags & MEMINTRO_PE_NAMES_SORTED)) return MEMINTRO_E_NOTFOUND;
    return memintro__pe_find_linear(pe, &e, name, nlen, out);
}

/* The headers of pe (v or file and base set). */
static memintro_status memintro__pe_open(memintro_pe *pe)
{
    uint8_t h[512], ntb[264];
    const uint8_t *nt, *opt;
    uint32_t n0 = 512, lfanew, optsz, optlen, ddoff, nrva, i;
    uint64_t table_end;
    uint16_t magic;
    memintro_status st;
    /* until SizeOfImage is known, reads are bounded by the file or not at all */
    pe->size_of_image = 0xffffffffu;
    pe->size_of_headers = 0xffffffffu;
    if (!pe->v && pe->file_size < n0) n0 = (uint32_t)pe->file_size;
    if (n0 < 64) return MEMINTRO_E_FORMAT;
    st = memintro__pe_read(pe, 0, h, n0);
    if (st != MEMINTRO_OK) return st;
    if (h[0] != 'M' || h[1] != 'Z') return MEMINTRO_E_FORMAT;
    lfanew = memintro_get_u32(h + 0x3c);
    if (lfanew > MEMINTRO__PE_MAX_LFANEW) return MEMINTRO_E_FORMAT;
    if (lfanew + 24u <= n0) {
        nt = h + lfanew;
    } else {
        st = memintro__pe_read(pe, lfanew, ntb, 24);
        if (st != MEMINTRO_OK) return st;
        nt = ntb;
    }
    if (nt[0] != 'P' || nt[1] != 'E' || nt[2] || nt[3]) return MEMINTRO_E_FORMAT;
    pe->machine = memintro_get_u16(nt + 4);
    pe->nsections_header = memintro_get_u16(nt + 6);
    pe->timestamp = memintro_get_u32(nt + 8);
    optsz = memintro_get_u16(nt + 20);
    pe->characteristics = memintro_get_u16(nt + 22);
    optlen = optsz < 240u ? optsz : 240u;
    if (optlen < 2) return MEMINTRO_E_FORMAT;
    if (lfanew + 24u + optlen <= n0) {
        opt = h + lfanew + 24;
    } else {
        if (nt != ntb) memintro__pe_copy(ntb, nt, 24);
        st = memintro__pe_read(pe, lfanew + 24u, ntb + 24, optlen);
        if (st != MEMINTRO_OK) return st;
        opt = ntb + 24;
    }
    magic = memintro_get_u16(opt);
    if (magic == 0x20b) {
        pe->is64 = 1;
        ddoff = 112;
    } else if (magic == 0x10b) {
        pe->is64 = 0;
        ddoff = 96;
    } else {
        return MEMINTRO_E_FORMAT;
    }
    if (optlen < ddoff) return MEMINTRO_E_FORMAT;
    pe->entry_point = memintro_get_u32(opt + 16);
    pe->image_base = pe->is64 ? memintro_get_u64(opt + 24) : memintro_get_u32(opt + 28);
    pe->size_of_image = memintro_get_u32(opt + 56);
    pe->size_of_headers = memintro_get_u32(opt + 60);
    pe->section_alignment = memintro_get_u32(opt + 32);
    if (!pe->section_alignment || (pe->section_alignment & (pe->section_alignment - 1)) ||
        pe->section_alignment > 0x10000000u)
        pe->section_alignment = 4096;
    nrva = memintro_get_u32(opt + ddoff - 4);
    pe->ndirs = (optlen - ddoff) / 8u;
    if (pe->ndirs > nrva) pe->ndirs = nrva;
    if (pe->ndirs > 16) pe->ndirs = 16;
    for (i = 0; i < pe->ndirs; i++) {
        pe->dir_rva[i] = memintro_get_u32(opt + ddoff + 8 * i);
        pe->dir_size[i] = memintro_get_u32(opt + ddoff + 8 * i + 4);
    }
    for (; i < 16; i++) pe->dir_rva[i] = pe->dir_size[i] = 0;
    pe->section_table = lfanew + 24u + optsz;
    pe->nsections = pe->nsections_header;
    if (pe->nsections > MEMINTRO_PE_MAX_SECTIONS) {
        pe->nsections = MEMINTRO_PE_MAX_SECTIONS;
        pe->flags |= MEMINTRO_PE_SECTIONS_CLAMPED;
    }
    table_end = (uint64_t)pe->section_table + 40ull * pe->nsections;
    if (!pe->size_of_image || table_end > pe->size_of_image) return MEMINTRO_E_FORMAT;
    if (!pe->v && table_end > pe->file_size) return MEMINTRO_E_FORMAT;
    if (!pe->v) pe->base = pe->image_base;
    /* the DLL name the export directory gives (the kernel is found by it) */
    pe->export_status = MEMINTRO_E_NOTFOUND;
    if (pe->ndirs >= 1 && pe->dir_rva[0] && pe->dir_size[0]) {
        uint8_t b[4];
        pe->export_status = memintro__pe_read(pe, (uint64_t)pe->dir_rva[0] + 12u, b, 4);
        if (pe->export_status == MEMINTRO_OK)
            pe->export_status = memintro__pe_str(pe, memintro_get_u32(b), pe->export_name, sizeof pe->export_name);
        else
            pe->export_name[0] = 0;
    }
    return MEMINTRO_OK;
}

MEMINTRO__PE_DEF memintro_status memintro_pe_open(memintro_pe *pe, memintro_virt *v, uint64_t base)
{
    memintro_status st;
    if (!pe) return MEMINTRO_E_INVALID;
    memintro__pe_zero(pe, sizeof *pe);
    if (!v) return MEMINTRO_E_INVALID;
    pe->v = v;
    pe->base = base;
    st = memintro__pe_open(pe);
    if (st != MEMINTRO_OK) pe->size_of_image = 0; /* nothing reads through a failed open */
    return st;
}

MEMINTRO__PE_DEF memintro_status memintro_pe_open_file(memintro_pe *pe, const void *data, uint64_t size)
{
    memintro_status st;
    if (!pe) return MEMINTRO_E_INVALID;
    memintro__pe_zero(pe, sizeof *pe);
    if (!data) return MEMINTRO_E_INVALID;
    pe->file = (const uint8_t *)data;
    pe->file_size = size;
    st = memintro__pe_open(pe);
    if (st != MEMINTRO_OK) pe->size_of_image = 0;
    return st;
}

MEMINTRO__PE_DEF memintro_status memintro_pe_section(memintro_pe *pe, uint32_t i, memintro_pe_section_info *out)
{
    uint8_t s[40];
    memintro_status st;
    uint32_t k;
    if (!pe || !out) return MEMINTRO_E_INVALID;
    memintro__pe_zero(out, sizeof *out);
    if (i >= pe->nsections) return MEMINTRO_E_INVALID;
    st = memintro__pe_hdr_read(pe, (uint64_t)pe->section_table + 40ull * i, s, 40);
    if (st != MEMINTRO_OK) return st;
    for (k = 0; k < 8 && s[k]; k++) out->name[k] = (char)s[k];
    out->name[k] = 0;
    out->vsize = memintro_get_u32(s + 8);
    out->rva = memintro_get_u32(s + 12);
    out->file_size = memintro_get_u32(s + 16);
    out->file_offset = memintro_get_u32(s + 20);
    out->characteristics = memintro_get_u32(s + 36);
    return MEMINTRO_OK;
}

/* Entries [0, n) of esize bytes at `at` into out, each entry's status in st (as uint8_t):
   one read; entry by entry (batches of MEMINTRO__PE_BATCH) when it fails. */
static void memintro__pe_table(memintro_pe *pe, uint64_t at, uint32_t n, uint32_t esize, uint8_t *out, uint8_t *st)
{
    memintro_op ops[MEMINTRO__PE_BATCH];
    uint32_t i, k;
    memintro_status s = memintro__pe_read(pe, at, out, n * esize);
    for (i = 0; i < n; i++) st[i] = (uint8_t)s;
    if (s == MEMINTRO_OK) return;
    for (i = 0; i < n; i += MEMINTRO__PE_BATCH) {
        uint32_t m = n - i < MEMINTRO__PE_BATCH ? n - i : MEMINTRO__PE_BATCH;
        for (k = 0; k < m; k++) {
            ops[k].addr = at + (uint64_t)(i + k) * esize;
            ops[k].buf = out + (size_t)(i + k) * esize;
            ops[k].len = esize;
            ops[k].flags = 0;
        }
        memintro__pe_readv(pe, ops, m);
        for (k = 0; k < m; k++) st[i + k] = (uint8_t)ops[k].status;
    }
}

/* The export walk goes through the address table a window of MEMINTRO__PE_WIN functions at a
   time: one pass over the ordinal table finds the names of the window's functions (up to
   MEMINTRO__PE_PAIRS; more, and the window shrinks), their name pointers are read in one
   read when they lie close together (the common case: ordinals given in name order), else
   in batches, and their strings in batches. No memory but about 8 KiB of stack. */
#define MEMINTRO__PE_WIN 256u   /* export address table entries per pass */
#define MEMINTRO__PE_PAIRS 512u /* names of one pass */
#define MEMINTRO__PE_ORDS 256u  /* ordinal table entries per read */

MEMINTRO__PE_DEF memintro_status memintro_pe_exports(memintro_pe *pe, memintro_pe_export_fn fn, void *user)
{
    memintro__pe_expdir e;
    memintro_status st, result = MEMINTRO_OK;
    uint8_t fst[MEMINTRO__PE_WIN], ost[MEMINTRO__PE_ORDS], pst[MEMINTRO__PE_WIN], pss[MEMINTRO__PE_BATCH];
    uint8_t frv[4 * MEMINTRO__PE_WIN], ob[2 * MEMINTRO__PE_ORDS], pb[4 * MEMINTRO__PE_WIN];
    uint8_t nb[MEMINTRO__PE_BATCH][MEMINTRO__PE_NAME];
    uint16_t pj[MEMINTRO__PE_PAIRS];
    uint8_t pk[MEMINTRO__PE_PAIRS];
    uint32_t w0 = 0, win = MEMINTRO__PE_WIN;
    int bad_ord = 0;
    memintro_op ops[MEMINTRO__PE_BATCH];
    memintro_pe_export x;
    if (!pe || !fn) return MEMINTRO_E_INVALID;
    st = memintro__pe_expdir_read(pe, &e);
    if (st != MEMINTRO_OK) return st;
    while (w0 < e.nfuncs) {
        uint32_t wn = e.nfuncs - w0 < win ? e.nfuncs - w0 : win, np = 0, j0, i, k, p, bp = 0, jmin = 0xffffffffu, jmax = 0;
        int overflow = 0, span;
        memintro_status ord_st = MEMINTRO_OK;
        /* the names whose ordinal falls in [w0, w0 + wn), in name-table order */
        for (j0 = 0; j0 < e.nnames && !overflow; j0 += MEMINTRO__PE_ORDS) {
            uint32_t n = e.nnames - j0 < MEMINTRO__PE_ORDS ? e.nnames - j0 : MEMINTRO__PE_ORDS;
            memintro__pe_table(pe, (uint64_t)e.ords + 2ull * j0, n, 2, ob, ost);
            for (i = 0; i < n; i++) {
                uint32_t o;
                if (ost[i] != MEMINTRO_OK) {
                    if (ord_st == MEMINTRO_OK) ord_st = (memintro_status)ost[i]; /* that name's function is unknown */
                    continue;
                }
                o = memintro_get_u16(ob + 2 * i);
                if (o >= e.nfuncs) bad_ord = 1; /* a name of no function: reported in the result */
                if (o < w0 || o - w0 >= wn) continue;
                if (np == MEMINTRO__PE_PAIRS) {
                    overflow = 1;
                    break;
                }
                pj[np] = (uint16_t)(j0 + i);
                pk[np++] = (uint8_t)(o - w0);
                if (j0 + i < jmin) jmin = j0 + i;
                if (j0 + i > jmax) jmax = j0 + i;
            }
        }
        if (overflow && win > 1) { /* many names for few functions: a smaller pass */
            win /= 2;
            continue;
        }
        if (overflow && result == MEMINTRO_OK) result = MEMINTRO_E_LIMIT;
        if (bad_ord && result == MEMINTRO_OK) result = MEMINTRO_E_FORMAT;
        if (ord_st != MEMINTRO_OK && result == MEMINTRO_OK) result = ord_st;
        /* in function order, names of one function in name-table order (insertion sort) */
        for (i = 1; i < np; i++) {
            uint16_t j = pj[i];
            uint8_t kk = pk[i];
            for (k = i; k > 0 && pk[k - 1] > kk; k--) {
                pj[k] = pj[k - 1];
                pk[k] = pk[k - 1];
            }
            pj[k] = j;
            pk[k] = kk;
        }
        memintro__pe_table(pe, (uint64_t)e.funcs + 4ull * w0, wn, 4, frv, fst);
        /* the name pointers: one read when they lie within MEMINTRO__PE_WIN entries */
        span = np && jmax - jmin < MEMINTRO__PE_WIN;
        if (span) memintro__pe_table(pe, (uint64_t)e.names + 4ull * jmin, jmax - jmin + 1, 4, pb, pst);
        p = 0;
        for (k = 0; k < wn; k++) {
            uint32_t rva = memintro_get_u32(frv + 4 * k);
            int named = 0;
            while (p < np && pk[p] == k) {
                memintro_status s;
                uint32_t q = p - bp;
                if (p == 0 || q == MEMINTRO__PE_BATCH) { /* the next batch of names */
                    uint32_t m = np - p < MEMINTRO__PE_BATCH ? np - p : MEMINTRO__PE_BATCH;
                    uint8_t pbs[4 * MEMINTRO__PE_BATCH];
                    bp = p;
                    q = 0;
                    if (!span) {
                        for (i = 0; i < m; i++) {
                            ops[i].addr = (uint64_t)e.names + 4ull * pj[p + i];
                            ops[i].buf = pbs + 4 * i;
                            ops[i].len = 4;
                            ops[i].flags = 0;
                        }
                        memintro__pe_readv(pe, ops, m);
                        for (i = 0; i < m; i++) pss[i] = (uint8_t)ops[i].status;
                    } else {
                        for (i = 0; i < m; i++) {
                            uint32_t at = pj[p + i] - jmin;
                            memintro__pe_copy(pbs + 4 * i, pb + 4 * at, 4);
                            pss[i] = pst[at];
                        }
                    }
                    for (i = 0; i < m; i++) {
                        uint64_t r = memintro_get_u32(pbs + 4 * i);
                        ops[i].addr = r;
                        ops[i].buf = nb[i];
                        ops[i].len = pss[i] == MEMINTRO_OK ? memintro__pe_chunk(pe, r, MEMINTRO__PE_NAME) : 0;
                        ops[i].flags = 0;
                    }
                    memintro__pe_readv(pe, ops, m);
                    for (i = 0; i < m; i++)
                        if (pss[i] != MEMINTRO_OK) ops[i].status = (memintro_status)pss[i], ops[i].len = 0;
                }
                memintro__pe_zero(&x, sizeof x);
                s = ops[q].status;
                if (ops[q].len || s == MEMINTRO_OK)
                    s = memintro__pe_str_from(pe, ops[q].addr, nb[q], ops[q].len, ops[q].status, x.name, sizeof x.name);
                if (s != MEMINTRO_OK && s != MEMINTRO_E_LIMIT) x.name[0] = 0;
                x.ordinal = e.ord_base + w0 + k;
                x.status = fst[k] != MEMINTRO_OK ? (memintro_status)fst[k]
                                                 : memintro__pe_export_fill(pe, &e, w0 + k, 1, rva, &x);
                if (x.status == MEMINTRO_OK) x.status = s;
                if (x.status != MEMINTRO_OK && result == MEMINTRO_OK) result = x.status;
                if (fn(user, &x)) return MEMINTRO_OK;
                named = 1;
                p++;
            }
            if (named || (fst[k] == MEMINTRO_OK && !rva)) continue; /* an empty slot */
            memintro__pe_zero(&x, sizeof x);
            x.ordinal = e.ord_base + w0 + k;
            x.status = fst[k] != MEMINTRO_OK ? (memintro_status)fst[k] : memintro__pe_export_fill(pe, &e, w0 + k, 1, rva, &x);
            if (x.status == MEMINTRO_OK) x.status = ord_st; /* a name of it may be in what was not read */
            if (x.status != MEMINTRO_OK && result == MEMINTRO_OK) result = x.status;
            if (fn(user, &x)) return MEMINTRO_OK;
        }
        w0 += wn;
        win = MEMINTRO__PE_WIN;
    }
    return result;
}

MEMINTRO__PE_DEF memintro_status memintro_pe_imports(memintro_pe *pe, memintro_pe_import_fn fn, void *user)
{
    uint32_t d, total = 0, ts, tshift;
    memintro_status result = MEMINTRO_OK;
    memintro_pe_import x;
    if (!pe || !fn) return MEMINTRO_E_INVALID;
    if (pe->ndirs < 2 || !pe->dir_rva[1]) return MEMINTRO_E_NOTFOUND;
    ts = pe->is64 ? 8u : 4u;
    tshift = pe->is64 ? 3u : 2u; /* no 64-bit division (32-bit hosts would call libgcc) */
    for (d = 0;; d++) {
        uint8_t desc[20], lb[8 * MEMINTRO__PE_BATCH], ib[8 * MEMINTRO__PE_BATCH];
        uint8_t nb[MEMINTRO__PE_BATCH][2 + MEMINTRO__PE_NAME];
        uint8_t lst[MEMINTRO__PE_BATCH], ist[MEMINTRO__PE_BATCH];
        memintro_status dst;
        memintro_op ops[MEMINTRO__PE_BATCH];
        char dll[64];
        uint32_t oft, name, ft, lookup, t0;
        memintro_status st;
        if (d == MEMINTRO_PE_MAX_IMPORT_DLLS) return MEMINTRO_E_LIMIT;
        st = memintro__pe_read(pe, (uint64_t)pe->dir_rva[1] + 20ull * d, desc, 20);
        if (st != MEMINTRO_OK) return st; /* where the table goes on is unknown */
        oft = memintro_get_u32(desc);
        name = memintro_get_u32(desc + 12);
        ft = memintro_get_u32(desc + 16);
        if (!name || !ft) break; /* the loader's end of the table (the all-zero descriptor) */
        dst = memintro__pe_str(pe, name, dll, sizeof dll);
        if (dst != MEMINTRO_OK && dst != MEMINTRO_E_LIMIT) dll[0] = 0;
        lookup = oft ? oft : ft; /* no lookup table: the IAT holds the names until bound */
        for (t0 = 0;; t0 += MEMINTRO__PE_BATCH) {
            uint64_t la = (uint64_t)lookup + (uint64_t)t0 * ts, ia = (uint64_t)ft + (uint64_t)t0 * ts;
            uint32_t n = MEMINTRO__PE_BATCH, i, end;
            /* entries up to the image's end (an entry past it is a broken table) */
            if (la < pe->size_of_image && (pe->size_of_image - la) >> tshift < n)
                n = (uint32_t)((pe->size_of_image - la) >> tshift);
            if (la >= pe->size_of_image || !n) n = 1;
            memintro__pe_table(pe, la, n, ts, lb, lst);
            if (lookup != ft) {
                uint32_t m = n;
                if (ia >= pe->size_of_image) m = 0;
                else if ((pe->size_of_image - ia) >> tshift < m)
                    m = (uint32_t)((pe->size_of_image - ia) >> tshift);
                for (i = m; i < n; i++) {
                    ist[i] = (uint8_t)MEMINTRO_E_FORMAT;
                    memintro__pe_zero(ib + (size_t)i * ts, ts);
                }
                if (m) memintro__pe_table(pe, ia, m, ts, ib, ist);
            } else {
                memintro__pe_copy(ib, lb, (size_t)n * ts);
                for (i = 0; i < n; i++) ist[i] = lst[i];
            }
            /* the end of the list, and the names of the entries before it, in one batch */
            for (i = 0; i < n; i++) {
                uint64_t v = pe->is64 ? memintro_get_u64(lb + 8 * i) : memintro_get_u32(lb + 4 * i);
                int ord = pe->is64 ? (int)(v >> 63) : (int)(v >> 31);
                ops[i].addr = 0;
                ops[i].buf = nb[i];
                ops[i].len = 0;
                ops[i].flags = 0;
                if (lst[i] != MEMINTRO_OK) break; /* the rest of this list is unknown */
                if (!v) break;
                if (!ord && v <= 0x7fffffffu) {
                    ops[i].addr = v;
                    ops[i].len = memintro__pe_chunk(pe, v, 2 + MEMINTRO__PE_NAME);
                }
            }
            end = i;
            memintro__pe_readv(pe, ops, end);
            for (i = 0; i < n; i++) {
                uint64_t v = pe->is64 ? memintro_get_u64(lb + 8 * i) : memintro_get_u32(lb + 4 * i);
                memintro_status s = MEMINTRO_OK;
                if (i < end || lst[i] != MEMINTRO_OK) {
                    if (++total > MEMINTRO_PE_MAX_IMPORTS) return MEMINTRO_E_LIMIT;
                } else {
                    break; /* the zero entry: this DLL's list ends */
                }
                memintro__pe_zero(&x, sizeof x);
                memintro__pe_copy(x.dll, dll, sizeof dll);
                x.iat_rva = (uint32_t)(ia + (uint64_t)i * ts);
                if (lst[i] != MEMINTRO_OK) {
                    x.status = (memintro_status)lst[i]; /* reported once: where the list goes on is unknown */
                } else {
                    x.by_ordinal = pe->is64 ? (int)(v >> 63) : (int)(v >> 31);
                    if (x.by_ordinal) {
                        x.ordinal = (uint32_t)(v & 0xffffu);
                    } else if (v > 0x7fffffffu) {
                        s = MEMINTRO_E_FORMAT; /* PE32+: bits 62..31 must be zero */
                    } else if (ops[i].status == MEMINTRO_OK && ops[i].len > 2) {
                        x.ordinal = memintro_get_u16(nb[i]);
                        s = memintro__pe_str_from(pe, v + 2, nb[i] + 2, ops[i].len - 2, MEMINTRO_OK, x.name,
                                                  sizeof x.name);
                    } else {
                        uint8_t h[2];
                        s = memintro__pe_read(pe, v, h, 2);
                        x.ordinal = memintro_get_u16(h);
                        if (s == MEMINTRO_OK) s = memintro__pe_str(pe, v + 2, x.name, sizeof x.name);
                    }
                    if (s != MEMINTRO_OK && s != MEMINTRO_E_LIMIT) x.name[0] = 0;
                    x.bound = pe->is64 ? memintro_get_u64(ib + 8 * i) : memintro_get_u32(ib + 4 * i);
                    x.status = s != MEMINTRO_OK ? s : ist[i] != MEMINTRO_OK ? (memintro_status)ist[i] : dst;
                }
                if (x.status != MEMINTRO_OK && result == MEMINTRO_OK) result = x.status;
                if (fn(user, &x)) return MEMINTRO_OK;
                if (lst[i] != MEMINTRO_OK) break;
            }
            if (i < n) break; /* the list ended (or became unreadable) in this batch */
        }
    }
    return result;
}

#undef MEMINTRO__PE_DEF
#undef MEMINTRO__PE_BATCH
#undef MEMINTRO__PE_NAME
#undef MEMINTRO__PE_MAX_LFANEW
#undef MEMINTRO__PE_WIN
#undef MEMINTRO__PE_PAIRS
#undef MEMINTRO__PE_ORDS

/* ---- implementation: offsets tables ----------------------------------------------------- */


/* ---- implementation: discovery ---------------------------------------------------------- */


/* ---- implementation: processes and modules ---------------------------------------------- */


/* ---- implementation: hints from a target ------------------------------------------------ */


#endif /* MEMINTRO_WIN32_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_WIN32_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 The memintro authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
*/
