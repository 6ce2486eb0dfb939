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
} memintro_pe;

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
