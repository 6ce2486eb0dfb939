/* memintro_win32.h - Windows guests from memory alone: kernel, processes, modules, PE.

   memintro_win32.h finds a Windows kernel in guest-physical memory with no symbols, no
   profile and no network, then walks its structures:

     - discovery: the paging mode and a DTB (the x64 low stub, PROCESSOR_START_BLOCK, below
       1 MiB; else a self-referencing PML4, PAE PDPT or 32-bit page directory in the first
       16 MiB), ntoskrnl.exe's base (a PE image in kernel space whose export directory names
       ntoskrnl.exe: the kernel range's page tables are walked by batched translation, so
       the time is set by what the tables map, not by the size of RAM), the build
       (NtBuildNumber, KUSER_SHARED_DATA), the System process (PsInitialSystemProcess), the
       process and module list heads. Hints skip the scans: a DTB or CR3, a kernel base, an
       address inside the kernel (a vCPU's RIP: the search goes back page by page from it),
       a crash dump's DirectoryTableBase, PsActiveProcessHead, PsLoadedModuleList,
       KdDebuggerDataBlock. x64, x86 PAE and x86 32-bit kernels;
     - offsets: built-in EPROCESS tables for Windows 7 SP1 .. Windows 11 24H2, each figure with
       its source; for a build the tables lack (or whose figures do not fit the System
       process) a locator derives them from System and its neighbours. info says which:
       offsets_source is MEMINTRO_WIN32_SRC_TABLE or _LOCATOR;
     - processes: the active process list without allocation (pid, parent, name, DTB, PEB,
       WoW64 PEB32, exited or live), one batch of reads per EPROCESS; a process's own
       address space (its DTB on the same backend, the TLB shared);
     - modules: a process's loader list (PEB_LDR_DATA), the 32-bit list of a WoW64 process,
       the kernel's PsLoadedModuleList; names and paths converted from UTF-16 to UTF-8; the
       lists of many processes at once (memintro_win32_modules_many: the lists advance
       together, each round's reads of every process in one physical batch);
     - PE images in guest memory or in a host buffer: headers, sections, exports (by name
       and ordinal, forwarders) and imports, tolerant of paged-out pages.

   FREESTANDING like memintro.h: includes only memintro.h (<stddef.h>, <stdint.h>), never
   allocates. The caller gives the memory the layer keeps (memintro_win32_mem_size); walks
   take callbacks. Guest memory is hostile input: every list walk is bounded
   (MEMINTRO_WIN32_MAX_*) and cycle-safe (links must point back; a ring that never returns
   ends the walk), every length read from the guest is clamped, and a broken entry ends its
   walk with a status after the entries before it were reported. The compiler may emit
   memcpy, memset, memmove and memcmp, nothing else is needed at link time.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_WIN32_IMPLEMENTATION
         #include "memintro_win32.h"
     (memintro.h's implementation is a separate macro, MEMINTRO_IMPLEMENTATION.)
     With memintro_target.h included BEFORE this header, memintro_win32_hints_from_target
     is declared too (hints from a target object: CPU registers, a crash dump's header);
     include it before the implementation as well.
     The memintro_win32 object holds pointers into itself (its kernel address space uses
     its TLB): initialise it where it stays, do not copy it.

   CONFIGURATION (define before including this header)
     | macro                        | default  | meaning                                      |
     |------------------------------|----------|----------------------------------------------|
     | MEMINTRO_WIN32_MAX_PROCESSES | 65536    | a longer process list ends with E_LIMIT      |
     | MEMINTRO_WIN32_MAX_MODULES   | 8192     | a longer module list ends with E_LIMIT       |
     | MEMINTRO_STATIC              | undefined| every function static (as memintro.h)        |
     | MEMINTRO_API                 | extern   | linkage of public functions (as memintro.h)  |

   THIS LIBRARY DOES NOT
     - download or read PDBs, or need a profile: offsets come from its tables or the locator;
     - allocate: the init memory, the callbacks' records and any array are the caller's;
     - decode pages that are paged out to the page file or compressed in memory: what does
       not translate is reported (MEMINTRO_E_UNMAPPED, MEMINTRO_WIN32_MOD_PAGED), never
       guessed;
     - handle ARM64 Windows or 5-level paging (LA57) kernels;
     - walk threads, handles, VADs or the registry;
     - decode KdDebuggerDataBlock when Windows keeps it encoded (8 and later without a
       debugger): a dump writer decodes it, a live guest's is used only when it reads "KDBG";
     - lock anything: one memintro_win32 per thread (the process and kernel address spaces
       share one scratch).

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
     memintro_win32_modules_many_size   scratch for walking the modules of N processes at once
     memintro_win32_modules_many    the module lists of many processes in lockstep, one
                                    physical batch per round for all of them
     memintro_pe_open / _open_file  a PE image mapped in guest memory, or a file in host memory
     memintro_pe_section            one section header
     memintro_pe_exports            walk the export table (names, ordinals, forwarders)
     memintro_pe_export_find        one export by name
     memintro_pe_imports            walk the import table
     memintro_win32_hints_from_target   (with memintro_target.h) hints from a target
   (The EXAMPLE below is compiled by tests/test_win32_unit.c, which runs it, and t_docs.sh.)

   EXAMPLE (an image in memory; mem: memintro_win32_mem_size(0) bytes or more, about 210 KiB)

       memintro_buffer img;
       static memintro_win32 w;
       static unsigned char mem[512 * 1024];
       memintro_win32_process p;
       memintro_buffer_init(&img, image, image_size, NULL, 0);
       if (memintro_win32_init(&w, &img.phys, NULL, 0, mem, sizeof mem) != MEMINTRO_OK) {
           printf("no Windows kernel: %s\n", memintro_win32_why(&w));
           return 1;
       }
       printf("Windows %u.%u build %u, ntoskrnl at 0x%llx, offsets from the %s\n",
              (unsigned)w.major, (unsigned)w.minor, (unsigned)w.build,
              (unsigned long long)w.kernel_base, memintro_win32_source_name(w.offsets_source));
       if (memintro_win32_process_find(&w, 0, "smss.exe", &p) == MEMINTRO_OK)
           printf("smss.exe: pid %llu, parent %llu, DTB 0x%llx\n", (unsigned long long)p.pid,
                  (unsigned long long)p.ppid, (unsigned long long)p.dtb);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_WIN32_H
#define MEMINTRO_WIN32_H

#include "memintro.h"

#define MEMINTRO_WIN32_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_WIN32_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of every walk over guest data (a longer list ends with MEMINTRO_E_LIMIT). */
#ifndef MEMINTRO_WIN32_MAX_PROCESSES
#define MEMINTRO_WIN32_MAX_PROCESSES 65536u
#endif
#ifndef MEMINTRO_WIN32_MAX_MODULES
#define MEMINTRO_WIN32_MAX_MODULES 8192u
#endif

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

/* Offsets of the kernel structures the layer reads, in bytes. A zero offset means "not
   read": absent in this build (wow64 on 32-bit kernels), or a figure the tables have no
   source for (or the locator could not derive); pid, links and name are never 0. */
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
    uint16_t wow64_peb;             /* offset of the PEB32 pointer in what Wow64Process points
                                       to when that is a kernel structure (EWOW64PROCESS.Peb,
                                       WOW64_PROCESS.Wow64: 0 in every build); a user-space
                                       Wow64Process is the PEB32 itself */
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

/* Walks the active process list from the System process, in list order (the list head is
   skipped). Each EPROCESS is read in one batch (a WoW64 process's PEB32 pointer, when it
   is in a kernel structure, rides in the next EPROCESS's batch). Returns MEMINTRO_OK after the whole ring;
   on a broken entry the walk stops after reporting the entries before it, with E_FORMAT
   (a link that does not point back, a pointer outside kernel space, a ring that does not
   come back to System), E_LIMIT (more than MEMINTRO_WIN32_MAX_PROCESSES) or the read's
   status (E_UNMAPPED: a link into memory that does not translate). */
MEMINTRO_API memintro_status memintro_win32_processes(memintro_win32 *w, memintro_win32_process_fn fn,
                                                      void *user);
/* The first process whose pid is `pid` (name NULL) or whose name equals `name`
   (case-insensitive, on its first 15 characters as ImageFileName keeps them; pid ignored).
   Returns MEMINTRO_OK, MEMINTRO_E_NOTFOUND, or the status of a walk that broke first. */
MEMINTRO_API memintro_status memintro_win32_process_find(memintro_win32 *w, uint64_t pid, const char *name,
                                                         memintro_win32_process *out);
/* A copy of the kernel's address space switched to p's DTB (same backend, same TLB, same
   scratch: use one of the copies at a time). Returns MEMINTRO_OK or E_INVALID (no DTB, or
   a DTB the mode cannot have). */
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
   Each entry is one read, its two strings a second batch; a string longer than its field
   is cut at a character (MOD_TRUNCATED), one that does not read is left as far as it read
   (MOD_PAGED), and the walk goes on. Returns MEMINTRO_OK after the whole list;
   MEMINTRO_E_NOTFOUND when p has no PEB (or no PEB32 for WOW64) or its PEB has no loader
   data (or, for p NULL, PsLoadedModuleList is unknown); on a broken entry, after the
   entries before it, E_FORMAT (a link that does not point back, a ring that does not come
   back to its head), E_LIMIT (more than MEMINTRO_WIN32_MAX_MODULES) or the read's status. */
MEMINTRO_API memintro_status memintro_win32_modules(memintro_win32 *w, const memintro_win32_process *p,
                                                    uint32_t flags, memintro_win32_module_fn fn, void *user);

/* Called for each module of process p[index] by memintro_win32_modules_many, in load order
   within a process (the processes' lists advance together, so calls for different
   processes interleave). Return nonzero to end p[index]'s walk (its status is then OK). */
typedef int (*memintro_win32_modules_many_fn)(void *user, size_t index, const memintro_win32_process *p,
                                              const memintro_win32_module *m);

/* Bytes of scratch memintro_win32_modules_many needs to walk `count` processes at once
   (about 1.8 KiB per process; any alignment). Less scratch is not an error: the walk then
   takes the processes in groups of as many as fit. */
MEMINTRO_API size_t memintro_win32_modules_many_size(size_t count);

/* Walks the modules of the `count` processes p[0..count) at once (with
   MEMINTRO_WIN32_MOD_WOW64 in flags, the 32-bit lists of their PEB32s): the loader lists
   advance in lockstep, one entry of every list still going per round. Each round
   translates each process's addresses in its own address space (its DTB, the layer's TLB)
   and reads the data of all the processes in ONE physical batch: the PEBs' Ldr, then the
   PEB_LDR_DATA heads, then each round the next entry of every list together with the
   names and paths of the entries of the round before. Each process gets the same modules,
   in the same order, with the same flags and the same final status as
   memintro_win32_modules(w, &p[i], flags, ...) would give it, and the same bounds and cycle
   checks: a broken list ends only its own process's walk. status (may be NULL) gets
   count entries: OK, E_NOTFOUND (no PEB / PEB32 or no loader data), E_INVALID (no DTB),
   E_FORMAT, E_LIMIT or a read's status. scratch: memintro_win32_modules_many_size(count)
   bytes for a single pass; smaller, the walk goes in groups (scratch NULL or too small for
   one process: groups of 4 in the function's own stack frame, about 7 KiB). Returns
   MEMINTRO_OK when every process's walk was done (see status), E_GONE when the target
   went away during it, E_INVALID for w, fn or p (with count > 0) NULL. Nothing is
   allocated. */
MEMINTRO_API memintro_status memintro_win32_modules_many(memintro_win32 *w, const memintro_win32_process *p,
                                                         size_t count, uint32_t flags, memintro_status *status,
                                                         memintro_win32_modules_many_fn fn, void *user,
                                                         void *scratch, size_t scratch_size);

/* ---- PE images ------------------------------------------------------------------------ */

#define MEMINTRO_PE_MAX_SECTIONS 96u /* Windows XP's loader limit (later loaders take the whole
                                        16-bit count); more are flagged SECTIONS_CLAMPED */
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
    uint32_t rva;           /* the address table's entry (0 when it could not be read) */
    uint64_t address;       /* base + rva (0 for forwarders and unread entries) */
    char name[128];         /* "" when exported by ordinal only or unreadable */
    char forwarder[128];    /* "DLL.Name" for a forwarder, else "" */
    memintro_status status; /* OK; E_LIMIT: name (or forwarder) longer than its field, cut;
                               else why part of the entry could not be read (E_UNMAPPED: a
                               page is paged out; E_FORMAT: it points outside the image). An
                               unnamed entry says E_UNMAPPED also when part of the ordinal
                               table was unreadable (a name of it may be there) */
} memintro_pe_export;

/* One import: a function imported from a DLL, by name or by ordinal. */
typedef struct memintro_pe_import {
    char dll[64];           /* the descriptor's Name ("" when unreadable) */
    char name[128];         /* "" when imported by ordinal */
    uint32_t ordinal;       /* when imported by ordinal; else the hint */
    int by_ordinal;
    uint32_t iat_rva;       /* where the loader writes its address */
    uint64_t bound;         /* the IAT slot's value as read (the resolved address in a
                               loaded image; the lookup value in a file) */
    memintro_status status; /* OK; E_LIMIT: a name cut to its field; else why the name, the
                               DLL name or the IAT slot could not be read. An entry whose
                               lookup slot is unreadable says so and ends its DLL's list */
} memintro_pe_import;

typedef int (*memintro_pe_export_fn)(void *user, const memintro_pe_export *e);
typedef int (*memintro_pe_import_fn)(void *user, const memintro_pe_import *i);

/* Reads the headers of the image mapped at `base` in v (three small reads at most, plus about
   two for export_name), keeping v for later reads. Returns MEMINTRO_OK, E_FORMAT (not a PE image:
   no MZ, no PE signature, an unknown optional-header magic, a header or section table that
   does not fit SizeOfImage), or the read's status (E_UNMAPPED when the header page is paged
   out). An unreadable export name is not a failure: see export_status. */
MEMINTRO_API memintro_status memintro_pe_open(memintro_pe *pe, memintro_virt *v, uint64_t base);
/* The same over a PE file's bytes in host memory (file layout; data must outlive pe): an RVA
   is found in the headers or a section (VirtualSize rounded up to SectionAlignment; what lies
   past the raw data reads as zeros). E_FORMAT also for a file cut short in its headers. */
MEMINTRO_API memintro_status memintro_pe_open_file(memintro_pe *pe, const void *data, uint64_t size);
/* Section i (0-based). Returns MEMINTRO_OK, E_INVALID for i out of range, or the read's status. */
MEMINTRO_API memintro_status memintro_pe_section(memintro_pe *pe, uint32_t i, memintro_pe_section_info *out);
/* Walks the exports in ordinal order: one entry per name (several names of one function in
   name-table order), one unnamed entry per function without a name; empty address-table
   slots (RVA 0, no name) are skipped. fn returning nonzero stops the walk (then OK). Returns
   E_NOTFOUND when there is no export directory; E_LIMIT for counts over
   MEMINTRO_PE_MAX_EXPORTS; E_FORMAT for tables outside the image; the read's status when the
   directory is unreadable. Otherwise every entry is reported ("what can be read is returned,
   what cannot is reported" in its status) and the walk returns OK, or the first status
   something could not be read with (also E_FORMAT for a name whose ordinal index is past the
   address table, E_LIMIT when more than 512 names name one function). Reads are batched:
   the address table 256 entries at a time, the ordinal table once per 256 functions, names
   16 per batch. Uses about 7 KiB of stack. */
MEMINTRO_API memintro_status memintro_pe_exports(memintro_pe *pe, memintro_pe_export_fn fn, void *user);
/* The export named `name` (case-sensitive). A binary search of the name table (about
   2 log2(NumberOfNames) small reads); a miss is confirmed by one batched pass over the whole
   table, which also checks that the names are sorted (then MEMINTRO_PE_NAMES_SORTED is set
   and later misses stop at the binary search). Returns MEMINTRO_OK (out filled; out->status
   as in the walk); E_NOTFOUND when no name matches and every name could be compared; else
   the status of a name that could not be (E_UNMAPPED, E_FORMAT): the export may be there. */
MEMINTRO_API memintro_status memintro_pe_export_find(memintro_pe *pe, const char *name, memintro_pe_export *out);
/* Walks the imports, DLL by DLL in directory order (until a descriptor with Name or
   FirstThunk 0, as the loader does), each DLL's thunks in order from its lookup table
   (OriginalFirstThunk, else FirstThunk), PE32 or PE32+; 16 thunks per batch of reads. Returns
   E_NOTFOUND when there is no import directory; the read's status for an unreadable
   descriptor (the walk ends there); E_LIMIT past MEMINTRO_PE_MAX_IMPORT_DLLS descriptors or
   MEMINTRO_PE_MAX_IMPORTS thunks; else OK or the first entry status that was not OK. */
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

#ifdef MEMINTRO_STATIC
#define MEMINTRO__W32DEF static
#else
#define MEMINTRO__W32DEF
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Address-space bounds of the guest's pointers (x64: canonical halves; x86: 2 GiB split). */
#define MEMINTRO__W32_KMIN64 0xffff800000000000ull
#define MEMINTRO__W32_UMAX64 0x00007fffffff0000ull
#define MEMINTRO__W32_KMIN32 0x80000000ull
#define MEMINTRO__W32_UMAX32 0x7fff0000ull
#define MEMINTRO__W32_STILL_ACTIVE 0x103u
/* Bytes of an EPROCESS the locator looks at, and of its work area in the caller's memory. */
#define MEMINTRO__W32_SPAN64 0xa00u
#define MEMINTRO__W32_SPAN32 0x400u
#define MEMINTRO__W32_NEIGH 4u  /* neighbours of System the locator reads */
#define MEMINTRO__W32_SCRATCH_PAGES 512u
#define MEMINTRO__W32_BATCH 64u /* reads per batch of the scans */

/* the kernel space of the mode */
static int memintro__w32_kptr(const memintro_win32 *w, uint64_t a)
{
    if (w->arch == MEMINTRO_ARCH_X86_64) return a >= MEMINTRO__W32_KMIN64;
    return a >= MEMINTRO__W32_KMIN32 && a <= 0xffffffffull;
}
static int memintro__w32_uptr(const memintro_win32 *w, uint64_t a)
{
    return a >= 0x10000 && a < (w->arch == MEMINTRO_ARCH_X86_64 ? MEMINTRO__W32_UMAX64 : MEMINTRO__W32_UMAX32);
}
static unsigned memintro__w32_psize(const memintro_win32 *w)
{
    return w->arch == MEMINTRO_ARCH_X86_64 ? 8u : 4u;
}
static uint64_t memintro__w32_ptr(const uint8_t *p, unsigned psize)
{
    return psize == 8 ? memintro_get_u64(p) : memintro_get_u32(p);
}
static char memintro__w32_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}
/* ASCII case-insensitive equality of NUL-terminated strings */
static int memintro__w32_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (memintro__w32_lower(*a) != memintro__w32_lower(*b)) return 0;
    return *a == *b;
}
static int memintro__w32_eq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i] != y[i]) return 0;
    return 1;
}
static void memintro__w32_fill(memintro_op *op, uint64_t addr, void *buf, size_t len)
{
    op->addr = addr;
    op->buf = buf;
    op->len = len;
    op->missing = 0;
    op->status = MEMINTRO_OK;
    op->flags = 0;
}

/* UTF-16LE (n bytes at s, an odd last byte ignored) to NUL-terminated UTF-8 in out[cap]
   (cap >= 1). Unpaired surrogates become U+FFFD; a NUL unit ends the string. Returns 1 when
   the whole input fit, 0 when it was cut at a character boundary. */
static int memintro__w32_utf16_to_utf8(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    n &= ~(size_t)1;
    while (i < n) {
        uint32_t c = memintro_get_u16(s + i), need;
        size_t used = 2;
        if (c == 0) break;
        if (c >= 0xd800 && c <= 0xdbff) {
            uint32_t d = i + 4 <= n ? memintro_get_u16(s + i + 2) : 0;
            if (d >= 0xdc00 && d <= 0xdfff) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                used = 4;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            c = 0xfffd;
        }
        need = c < 0x80 ? 1u : c < 0x800 ? 2u : c < 0x10000 ? 3u : 4u;
        if (o + need + 1 > cap) {
            out[o] = 0;
            return 0;
        }
        if (need == 1) {
            out[o++] = (char)c;
        } else if (need == 2) {
            out[o++] = (char)(0xc0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else if (need == 3) {
            out[o++] = (char)(0xe0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
        i += used;
    }
    out[o] = 0;
    return 1;
}

#ifdef __cplusplus
}
#endif


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
   in batches, and their strings in batches. No memory but about 7 KiB of stack. */
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
    if (!e.nfuncs && e.nnames) return MEMINTRO_E_FORMAT; /* names of no function */
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

#ifdef __cplusplus
extern "C" {
#endif

/* One row per layout: builds, is64, KPROCESS.DirectoryTableBase, UniqueProcessId,
   ActiveProcessLinks, InheritedFromUniqueProcessId, ImageFileName, Peb, Wow64Process,
   (PEB32 pointer in EWOW64PROCESS), SectionBaseAddress, CreateTime, ExitTime, ExitStatus.
   A 0 is a field the release does not have (Wow64Process on x86). pid, links and name of a
   row are checked against the System process at init; a row that does not fit is replaced
   by the locator. Sources:
     [hv]  bitdefender/hvmi cami/sources/windows/opaque_fields/km/windows_<build>_<arch>*.yaml
     [nd]  ntdiff/headers <release>/<arch>/System32/ntdll.dll/Standalone/_EPROCESS.h
           (the PDB's layout, one file per release)
     [fm]  /work/shared/reference/formats.md section 5 (memflow tomls, MemProcFS)
     [ng]  ntdiff/headers as read for the generator's own table (tests/win32_image.h), for
           releases not read here
   DISAGREEMENTS: ntdiff's Win10_1903_19H1 x64 file at commit 34fa37e holds the 1809 layout
   (pid 0x2e0); at commit 42c185d it holds 18362's (pid 0x2e8, as memflow's toml): the row
   follows 42c185d. ntdiff's Win7_SP1 ntdll.dll layout has ImageFileName 0x2d8, Peb 0x330,
   Wow64Process 0x318; [hv] and memflow's PDB toml say 0x2e0, 0x338, 0x320: the row follows
   [hv] (a kernel's own layout). */
#define MEMINTRO__W32_ROW(lo, hi, is64, dtb, pid, links, ppid, name, peb, wow, wpeb, sect, ct, et, es) \
    {lo, hi, is64, dtb, pid, links, ppid, name, peb, wow, wpeb, sect, ct, et, es, 0}
static const memintro_win32_offsets memintro__w32_table[] = {
    /* x64 */
    /* 7601 Windows 7 SP1: [hv] windows_7601_x64 (ExitTime: CreateTime + 8, as [nd] Win7_SP1) */
    MEMINTRO__W32_ROW(7600, 7601, 1, 0x28, 0x180, 0x188, 0x290, 0x2e0, 0x338, 0x320, 0, 0x270, 0x168, 0x170, 0x444),
    /* 9200 Windows 8: [nd] Win8 */
    MEMINTRO__W32_ROW(9200, 9200, 1, 0x28, 0x2e0, 0x2e8, 0x3d0, 0x438, 0x3e8, 0x418, 0, 0x3b0, 0x2d0, 0x610, 0x58c),
    /* 9600 Windows 8.1: [nd] Win8.1_U1 */
    MEMINTRO__W32_ROW(9600, 9600, 1, 0x28, 0x2e0, 0x2e8, 0x3d0, 0x438, 0x3e8, 0x418, 0, 0x3b0, 0x2d0, 0x640, 0x5d4),
    /* 10240 1507, 10586 1511: [ng] */
    MEMINTRO__W32_ROW(10240, 10240, 1, 0x28, 0x2e8, 0x2f0, 0x3e0, 0x448, 0x3f8, 0x428, 0, 0x3c0, 0x308, 0x670, 0x604),
    MEMINTRO__W32_ROW(10586, 10586, 1, 0x28, 0x2e8, 0x2f0, 0x3e0, 0x450, 0x3f8, 0x428, 0, 0x3c0, 0x308, 0x678, 0x60c),
    /* 14393 1607: [nd] Win10_1607_RS1 (pid and links before Flags2 at 0x300, as on x86) */
    MEMINTRO__W32_ROW(14393, 14393, 1, 0x28, 0x2e8, 0x2f0, 0x3e0, 0x450, 0x3f8, 0x428, 0, 0x3c0, 0x308, 0x688, 0x61c),
    /* 15063 1703: [nd] Win10_1703_RS2 (pid, links: the same layout as [hv] 17763) */
    MEMINTRO__W32_ROW(15063, 15063, 1, 0x28, 0x2e0, 0x2e8, 0x3e0, 0x450, 0x3f8, 0x428, 0, 0x3c0, 0x308, 0x690, 0x624),
    /* 16299 1709, 17134 1803, 17763 1809: [hv] windows_17763_x64_kpti_ON (the figures of [nd]
       1703 too); ExitTime [ng] */
    MEMINTRO__W32_ROW(16299, 17763, 1, 0x28, 0x2e0, 0x2e8, 0x3e0, 0x450, 0x3f8, 0x428, 0, 0x3c0, 0x308, 0x690, 0x624),
    /* 18362 1903, 18363 1909: [nd] Win10_1903_19H1 at 42c185d (pid, links, parent, section as
       [fm] memflow's 18362 toml) */
    MEMINTRO__W32_ROW(18362, 18363, 1, 0x28, 0x2e8, 0x2f0, 0x3e8, 0x450, 0x3f8, 0x428, 0, 0x3c8, 0x310, 0x6c0, 0x654),
    /* 19041 2004 .. 19045 22H2: [nd] Win10_2004_20H1 (the same in [fm] memflow 19041/19045) */
    MEMINTRO__W32_ROW(19041, 19045, 1, 0x28, 0x440, 0x448, 0x540, 0x5a8, 0x550, 0x580, 0, 0x520, 0x468, 0x840, 0x7d4),
    /* 22000 Windows 11 21H2, 22621 22H2, 22631 23H2: [fm] (the 19041 figures) */
    MEMINTRO__W32_ROW(22000, 22631, 1, 0x28, 0x440, 0x448, 0x540, 0x5a8, 0x550, 0x580, 0, 0x520, 0x468, 0x840, 0x7d4),
    /* 26100 Windows 11 24H2: [nd] Win11_2409_24H2 */
    MEMINTRO__W32_ROW(26100, 26100, 1, 0x28, 0x1d0, 0x1d8, 0x2d0, 0x338, 0x2e0, 0x310, 0, 0x2b0, 0x1f8, 0x5c0, 0x554),
    /* x86 (no Wow64Process) */
    /* 7601: [hv] windows_7601_x86 (ExitTime: CreateTime + 8) */
    MEMINTRO__W32_ROW(7600, 7601, 0, 0x18, 0xb4, 0xb8, 0x140, 0x16c, 0x1a8, 0, 0, 0x12c, 0xa0, 0xa8, 0x274),
    /* 9200: [nd] Win8 x86 */
    MEMINTRO__W32_ROW(9200, 9200, 0, 0x18, 0xb4, 0xb8, 0x134, 0x170, 0x140, 0, 0, 0x120, 0xa8, 0x2b8, 0x270),
    /* 9600: [nd] Win8.1 x86 */
    MEMINTRO__W32_ROW(9600, 9600, 0, 0x18, 0xb4, 0xb8, 0x134, 0x170, 0x140, 0, 0, 0x120, 0xa8, 0x2b0, 0x270),
    /* 10240, 10586: [ng] (pid and links as in every x86 release from 7601 to 17763) */
    MEMINTRO__W32_ROW(10240, 10240, 0, 0x18, 0xb4, 0xb8, 0x138, 0x170, 0x144, 0, 0, 0x128, 0xc8, 0x2c0, 0x280),
    MEMINTRO__W32_ROW(10586, 10586, 0, 0x18, 0xb4, 0xb8, 0x138, 0x174, 0x144, 0, 0, 0x128, 0xc8, 0x2c0, 0x280),
    /* 14393: [nd] Win10_1607_RS1 x86 */
    MEMINTRO__W32_ROW(14393, 14393, 0, 0x18, 0xb4, 0xb8, 0x138, 0x174, 0x144, 0, 0, 0x128, 0xc8, 0x2c8, 0x288),
    /* 15063, 16299: [ng] (the 17763 figures of [hv] but for ExitTime/ExitStatus) */
    MEMINTRO__W32_ROW(15063, 16299, 0, 0x18, 0xb4, 0xb8, 0x140, 0x17c, 0x14c, 0, 0, 0x130, 0xd0, 0x2d0, 0x294),
    /* 17134, 17763: [hv] windows_17763_x86_kpti_ON; ExitTime [ng] */
    MEMINTRO__W32_ROW(17134, 17763, 0, 0x18, 0xb4, 0xb8, 0x140, 0x17c, 0x14c, 0, 0, 0x130, 0xd0, 0x2d8, 0x298),
    /* 19041 .. 19045: [fm] memflow (pid, links, name, Peb, SectionBaseAddress); the parent,
       times and ExitStatus [ng] */
    MEMINTRO__W32_ROW(19041, 19045, 0, 0x18, 0xe4, 0xe8, 0x170, 0x1ac, 0x17c, 0, 0, 0x160, 0x100, 0x388, 0x34c),
    /* x86 18362/18363: no source; the locator derives them */
};
#undef MEMINTRO__W32_ROW

MEMINTRO__W32DEF const memintro_win32_offsets *memintro_win32_offsets_find(uint32_t build, int is64)
{
    size_t i;
    for (i = 0; i < sizeof memintro__w32_table / sizeof memintro__w32_table[0]; i++) {
        const memintro_win32_offsets *o = &memintro__w32_table[i];
        if ((o->is64 != 0) == (is64 != 0) && build >= o->build_min && build <= o->build_max) return o;
    }
    return 0;
}

#ifdef __cplusplus
}
#endif


/* ---- implementation: discovery ---------------------------------------------------------- */

#ifdef __cplusplus
extern "C" {
#endif

/* What init works with: the caller's hints, its memory carved into scratch and a work area. */
typedef struct memintro__w32_ctx {
    memintro_win32 *w;
    memintro_win32_hints h;
    uint8_t *scratch;
    size_t scratch_len;
    uint8_t *work;          /* MEMINTRO__W32_WORK_BYTES, 16-aligned */
    uint64_t stub_target;   /* the low stub's kernel entry (a kernel address hint), 0 if none */
} memintro__w32_ctx;

#define MEMINTRO__W32_WORK_BYTES (64u * 1024u)
#define MEMINTRO__W32_MAX_CAND 16u
/* the window of kernel space searched for ntoskrnl (MemProcFS: the same x64 range) */
#define MEMINTRO__W32_WIN64_LO 0xfffff80000000000ull
#define MEMINTRO__W32_WIN64_HI 0xfffff80800000000ull
#define MEMINTRO__W32_WIN32_LO 0x80000000ull
#define MEMINTRO__W32_WIN32_HI 0x100000000ull
#define MEMINTRO__W32_BACK_PAGES 8192u  /* 32 MiB back from a kernel address */
#define MEMINTRO__W32_SMALL_REGIONS 256u /* 2 MiB regions searched page by page */

MEMINTRO__W32DEF size_t memintro_win32_mem_size(size_t tlb_entries)
{
    if (!tlb_entries) tlb_entries = 4096;
    return 16 + memintro_virt_scratch_size(MEMINTRO__W32_SCRATCH_PAGES) + 16 +
           tlb_entries * sizeof(memintro_tlb_entry) + 16 + MEMINTRO__W32_WORK_BYTES;
}

MEMINTRO__W32DEF const char *memintro_win32_why(const memintro_win32 *w)
{
    return (w && w->why) ? w->why : "memintro_win32_init was not called";
}

MEMINTRO__W32DEF const char *memintro_win32_source_name(memintro_win32_source s)
{
    switch (s) {
    case MEMINTRO_WIN32_SRC_HINT: return "hint";
    case MEMINTRO_WIN32_SRC_CPU: return "cpu";
    case MEMINTRO_WIN32_SRC_DUMP: return "dump header";
    case MEMINTRO_WIN32_SRC_LOW_STUB: return "low stub";
    case MEMINTRO_WIN32_SRC_SCAN: return "scan";
    case MEMINTRO_WIN32_SRC_TABLE: return "table";
    case MEMINTRO_WIN32_SRC_LOCATOR: return "locator";
    default: return "none";
    }
}

/* Binds the kernel address space to (arch, dtb). */
static memintro_status memintro__w32_use(memintro__w32_ctx *c, memintro_arch arch, uint64_t dtb)
{
    memintro_win32 *w = c->w;
    memintro_mmu_desc d;
    memintro_status s;
    MEMINTRO_MEMSET(&d, 0, sizeof d);
    d.arch = arch;
    d.dtb = dtb;
    d.flags = MEMINTRO_MMU_WIN_TRANSITION;
    s = memintro_virt_init(&w->kernel, w->phys, &d, c->scratch, c->scratch_len);
    if (s != MEMINTRO_OK) return s;
    memintro_tlb_flush(&w->tlb);
    memintro_virt_set_tlb(&w->kernel, &w->tlb);
    w->arch = arch;
    w->dtb = dtb;
    return MEMINTRO_OK;
}

/* ---- page-table signatures (formats.md section 5, after MemProcFS) ---- */

/* x64: a PML4 at pa with a self-reference in the kernel half, other kernel entries, and
   mostly empty halves. */
static int memintro__w32_is_pml4(const uint8_t *pg, uint64_t pa)
{
    unsigned i, self = 0, kern = 0, zu = 0, zk = 0;
    for (i = 0; i < 512; i++) {
        uint64_t e = memintro_get_u64(pg + 8 * i);
        if (!e) {
            if (i < 256) zu++;
            else zk++;
            continue;
        }
        if (i < 256) continue;
        if ((e & 0x0000fffffffff083ull) == (pa | 3)) self = 1;
        else if ((e & 0x81) == 0x01 && (e & 0x000ffffffffff000ull) != 0) kern++;
    }
    return self && kern >= 2 && zu > 0x40 && zk > 0x40;
}
/* x86 PAE: the PDPT as Windows lays it out (four PDs in the pages after it: MemProcFS), or
   four present entries whose fourth PD maps the four PDs at 0xC0000000 (the self-map). */
static int memintro__w32_is_pdpt_form(const uint8_t *pg, uint64_t pa)
{
    unsigned i;
    for (i = 0; i < 4; i++)
        if (memintro_get_u64(pg + 8 * i) != pa + 0x1000ull * (i + 1) + 1) return 0;
    for (i = 32; i < 4096; i++)
        if (pg[i]) return 0;
    return 1;
}
static int memintro__w32_pdpte_ok(uint64_t e)
{
    return (e & 1) && !(e & 0xfff00000000001e6ull) && (e & 0x000ffffffffff000ull);
}
/* x86 32-bit: a page directory whose entry 0x300 maps itself (0xC0000000), with other
   kernel entries present. */
static int memintro__w32_is_pd32(const uint8_t *pg, uint64_t pa)
{
    unsigned i, kern = 0;
    if (pa >= 0x100000000ull) return 0;
    if ((memintro_get_u32(pg + 0xc00) & 0xfffff083u) != ((uint32_t)pa | 3u)) return 0;
    for (i = 0x200; i < 0x400; i++) {
        uint32_t e = memintro_get_u32(pg + 4 * i);
        if (i != 0x300 && (e & 1)) kern++;
    }
    return kern >= 2;
}

/* ---- is this ntoskrnl? ---- */

static int memintro__w32_kernel_name(const char *n)
{
    return memintro__w32_ieq(n, "ntoskrnl.exe") || memintro__w32_ieq(n, "ntkrnlpa.exe") ||
           memintro__w32_ieq(n, "ntkrnlmp.exe") || memintro__w32_ieq(n, "ntkrpamp.exe");
}
/* The DOS and NT headers' first test on 0x40 bytes of a page. */
static int memintro__w32_mz(const uint8_t *b)
{
    uint32_t lf;
    if (b[0] != 'M' || b[1] != 'Z') return 0;
    lf = memintro_get_u32(b + 0x3c);
    return lf >= 0x40 && lf <= 0x800 && !(lf & 3);
}
/* A full check: a PE image at va whose export directory names the kernel. */
static int memintro__w32_is_kernel_at(memintro_win32 *w, uint64_t va)
{
    memintro_pe pe;
    uint8_t b[0x40];
    if (memintro_virt_read1(&w->kernel, va, b, sizeof b) != MEMINTRO_OK || !memintro__w32_mz(b)) return 0;
    if (memintro_pe_open(&pe, &w->kernel, va) != MEMINTRO_OK) return 0;
    return memintro__w32_kernel_name(pe.export_name);
}
/* Checks the `n` page addresses va[] in one batch (0x40 bytes each), then the survivors in
   full. Returns the kernel's base or 0; *failed gets a status other than "not there" that
   ended it (a target that is gone). */
static uint64_t memintro__w32_check_batch(memintro__w32_ctx *c, const uint64_t *va, size_t n, memintro_status *failed)
{
    memintro_op ops[MEMINTRO__W32_BATCH];
    uint8_t *buf = c->work + 0xc000; /* after the xlate and address arrays */
    size_t i;
    for (i = 0; i < n; i++) memintro__w32_fill(&ops[i], va[i], buf + 0x40 * i, 0x40);
    memintro_virt_read(&c->w->kernel, ops, n);
    for (i = 0; i < n; i++) {
        if (ops[i].status == MEMINTRO_E_GONE || ops[i].status == MEMINTRO_E_IO) {
            *failed = ops[i].status;
            return 0;
        }
        if (ops[i].status == MEMINTRO_OK && memintro__w32_mz(buf + 0x40 * i) && memintro__w32_is_kernel_at(c->w, va[i]))
            return va[i];
    }
    return 0;
}

/* From a kernel address, back in page steps (MZ on a page boundary, then the full test). */
static uint64_t memintro__w32_scan_back(memintro__w32_ctx *c, uint64_t addr, memintro_status *failed)
{
    uint64_t va[MEMINTRO__W32_BATCH], page = addr & ~0xfffull;
    unsigned done = 0;
    while (done < MEMINTRO__W32_BACK_PAGES) {
        size_t n = 0;
        uint64_t base;
        while (n < MEMINTRO__W32_BATCH && done < MEMINTRO__W32_BACK_PAGES && memintro__w32_kptr(c->w, page)) {
            va[n++] = page;
            page -= 0x1000;
            done++;
        }
        if (!n) break;
        base = memintro__w32_check_batch(c, va, n, failed);
        if (base || *failed != MEMINTRO_OK) return base;
    }
    return 0;
}

/* The kernel range's page tables, walked by batched translation of each 2 MiB step of the
   window: only what the tables map is read (an unmapped PML4 or PDPT entry ends the walk of
   its whole range at once). Large-page or 2 MiB-aligned images are found in phase 1; the
   pages of mapped regions are searched in phase 2 (kernels not 2 MiB-aligned: Windows 7). */
static uint64_t memintro__w32_scan_tables(memintro__w32_ctx *c, memintro_status *failed)
{
    memintro_win32 *w = c->w;
    memintro_xlate *x = (memintro_xlate *)(void *)c->work; /* 512 xlates: 20 KiB */
    uint64_t *regions = (uint64_t *)(void *)(c->work + 0x6000);
    uint64_t va[MEMINTRO__W32_BATCH];
    uint64_t lo, hi, a;
    size_t nreg = 0, i, n, k;
    if (w->arch == MEMINTRO_ARCH_X86_64) {
        lo = MEMINTRO__W32_WIN64_LO;
        hi = MEMINTRO__W32_WIN64_HI;
    } else {
        lo = MEMINTRO__W32_WIN32_LO;
        hi = MEMINTRO__W32_WIN32_HI;
    }
    for (a = lo; a < hi;) {
        n = 0;
        while (n < 512 && a < hi) {
            MEMINTRO_MEMSET(&x[n], 0, sizeof x[n]);
            x[n++].va = a;
            a += 0x200000;
        }
        memintro_translate(&w->kernel, x, n);
        k = 0;
        for (i = 0; i < n; i++) {
            if (x[i].status == MEMINTRO_E_GONE || x[i].status == MEMINTRO_E_IO) {
                *failed = x[i].status;
                return 0;
            }
            /* the PDE is there: a mapped first page, or a page table without it */
            if ((x[i].status == MEMINTRO_OK || (x[i].status == MEMINTRO_E_UNMAPPED && x[i].level == 1)) &&
                nreg < MEMINTRO__W32_SMALL_REGIONS)
                regions[nreg++] = x[i].va;
            if (x[i].status != MEMINTRO_OK) continue;
            va[k++] = x[i].va;
            if (k == MEMINTRO__W32_BATCH) {
                uint64_t b = memintro__w32_check_batch(c, va, k, failed);
                if (b || *failed != MEMINTRO_OK) return b;
                k = 0;
            }
        }
        if (k) {
            uint64_t b = memintro__w32_check_batch(c, va, k, failed);
            if (b || *failed != MEMINTRO_OK) return b;
        }
    }
    /* phase 2: every page of the mapped regions (their first page was tried already) */
    for (i = 0; i < nreg; i++) {
        uint64_t r = regions[i], p;
        for (p = r + 0x1000; p < r + 0x200000;) {
            size_t m = 0, j;
            n = 0;
            while (n < MEMINTRO__W32_BATCH && p < r + 0x200000) {
                MEMINTRO_MEMSET(&x[n], 0, sizeof x[n]);
                x[n++].va = p;
                p += 0x1000;
            }
            memintro_translate(&w->kernel, x, n);
            for (j = 0; j < n; j++)
                if (x[j].status == MEMINTRO_OK) va[m++] = x[j].va;
            if (m) {
                uint64_t b = memintro__w32_check_batch(c, va, m, failed);
                if (b || *failed != MEMINTRO_OK) return b;
            }
        }
    }
    return 0;
}

/* ntoskrnl's base in the current address space: the hints, then the scans. */
static uint64_t memintro__w32_find_base(memintro__w32_ctx *c, memintro_win32_source *src, memintro_status *failed)
{
    memintro_win32 *w = c->w;
    const memintro_win32_hints *h = &c->h;
    memintro_win32_source hsrc = h->dtb_source == MEMINTRO_WIN32_SRC_DUMP ? MEMINTRO_WIN32_SRC_DUMP : MEMINTRO_WIN32_SRC_HINT;
    unsigned ps = memintro__w32_psize(w);
    uint8_t b[0x40];
    uint64_t base;
    *failed = MEMINTRO_OK;
    if (h->kernel_base && memintro__w32_is_kernel_at(w, h->kernel_base)) {
        *src = MEMINTRO_WIN32_SRC_HINT;
        return h->kernel_base;
    }
    /* KDDEBUGGER_DATA64: OwnerTag "KDBG" at 0x10, KernBase at 0x18 (also on 32-bit kernels) */
    if (h->kd_debugger_data_block && memintro_virt_read1(&w->kernel, h->kd_debugger_data_block, b, 0x20) == MEMINTRO_OK &&
        memintro__w32_eq(b + 0x10, "KDBG", 4)) {
        base = memintro_get_u64(b + 0x18);
        if (ps == 4) base &= 0xffffffffull;
        if (base && memintro__w32_is_kernel_at(w, base)) {
            *src = hsrc;
            return base;
        }
    }
    /* PsLoadedModuleList: its first entry is ntoskrnl (DllBase at 0x30 / 0x18) */
    if (h->ps_loaded_module_list && memintro_virt_read1(&w->kernel, h->ps_loaded_module_list, b, ps) == MEMINTRO_OK) {
        uint64_t e = memintro__w32_ptr(b, ps);
        if (memintro__w32_kptr(w, e) && memintro_virt_read1(&w->kernel, e + (ps == 8 ? 0x30 : 0x18), b, ps) == MEMINTRO_OK) {
            base = memintro__w32_ptr(b, ps);
            if (memintro__w32_kptr(w, base) && memintro__w32_is_kernel_at(w, base)) {
                *src = hsrc;
                return base;
            }
        }
    }
    if (h->kernel_address && memintro__w32_kptr(w, h->kernel_address)) {
        base = memintro__w32_scan_back(c, h->kernel_address, failed);
        if (base || *failed != MEMINTRO_OK) {
            *src = h->dtb_source == MEMINTRO_WIN32_SRC_DUMP ? MEMINTRO_WIN32_SRC_DUMP
                   : h->dtb_source == MEMINTRO_WIN32_SRC_CPU ? MEMINTRO_WIN32_SRC_CPU
                                                             : MEMINTRO_WIN32_SRC_HINT;
            return base;
        }
    }
    if (c->stub_target && memintro__w32_kptr(w, c->stub_target)) {
        base = memintro__w32_scan_back(c, c->stub_target, failed);
        if (base || *failed != MEMINTRO_OK) {
            *src = MEMINTRO_WIN32_SRC_LOW_STUB;
            return base;
        }
    }
    *src = MEMINTRO_WIN32_SRC_SCAN;
    return memintro__w32_scan_tables(c, failed);
}

/* ---- candidates for the DTB ---- */

typedef struct memintro__w32_cand {
    memintro_arch arch;
    uint64_t dtb;
    memintro_win32_source src;
} memintro__w32_cand;

static void memintro__w32_add(memintro__w32_cand *cand, size_t *n, memintro_arch arch, uint64_t dtb,
                              memintro_win32_source src)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (cand[i].arch == arch && cand[i].dtb == dtb) return;
    if (*n >= MEMINTRO__W32_MAX_CAND) return;
    cand[*n].arch = arch;
    cand[*n].dtb = dtb;
    cand[*n].src = src;
    (*n)++;
}

/* the x64 low stub: PROCESSOR_START_BLOCK in [0x1000, 0x100000) */
static memintro_status memintro__w32_low_stub(memintro__w32_ctx *c, memintro__w32_cand *cand, size_t *n)
{
    memintro_op ops[16];
    uint64_t pa;
    size_t i;
    for (pa = 0x1000; pa < 0x100000; pa += 16 * 0x1000) {
        for (i = 0; i < 16; i++) memintro__w32_fill(&ops[i], pa + 0x1000 * i, c->work + 0x1000 * i, 0x1000);
        memintro_phys_read(c->w->phys, ops, 16);
        for (i = 0; i < 16; i++) {
            const uint8_t *p = c->work + 0x1000 * i;
            if (ops[i].status == MEMINTRO_E_GONE || ops[i].status == MEMINTRO_E_IO) return ops[i].status;
            if (ops[i].status != MEMINTRO_OK) continue;
            if ((memintro_get_u64(p) & 0xffffffffffff00ffull) != 0x00000001000600e9ull) continue;
            if ((memintro_get_u64(p + 0x70) & 0xfffff80000000003ull) != 0xfffff80000000000ull) continue;
            if ((memintro_get_u64(p + 0xa0) & 0xffffff0000000fffull) != 0) continue;
            if (!memintro_get_u64(p + 0xa0)) continue;
            if (!c->stub_target) c->stub_target = memintro_get_u64(p + 0x70);
            memintro__w32_add(cand, n, MEMINTRO_ARCH_X86_64, memintro_get_u64(p + 0xa0), MEMINTRO_WIN32_SRC_LOW_STUB);
        }
    }
    return MEMINTRO_OK;
}

/* PAE: a PDPT at page pa that is not in MemProcFS's form: its fourth PD must map the four
   PDs at 0xC0000000 (PDEs 0..3 of PD 3). */
static int memintro__w32_pae_selfmap(memintro__w32_ctx *c, const uint8_t *pg)
{
    uint8_t pd[32];
    uint64_t e[4];
    unsigned i;
    for (i = 0; i < 4; i++) {
        e[i] = memintro_get_u64(pg + 8 * i);
        if (!memintro__w32_pdpte_ok(e[i])) return 0;
    }
    for (i = 32; i < 64; i++)
        if (pg[i]) return 0;
    if (memintro_phys_read1(c->w->phys, e[3] & 0x000ffffffffff000ull, pd, sizeof pd) != MEMINTRO_OK) return 0;
    for (i = 0; i < 4; i++)
        if ((memintro_get_u64(pd + 8 * i) & 0x000ffffffffff001ull) != ((e[i] & 0x000ffffffffff000ull) | 1)) return 0;
    return 1;
}

/* self-referencing tables in the first 16 MiB */
static memintro_status memintro__w32_scan_low(memintro__w32_ctx *c, memintro__w32_cand *cand, size_t *n, memintro_arch only)
{
    memintro_op ops[16];
    uint64_t pa;
    size_t i;
    for (pa = 0; pa < 0x1000000 && *n < MEMINTRO__W32_MAX_CAND; pa += 16 * 0x1000) {
        for (i = 0; i < 16; i++) memintro__w32_fill(&ops[i], pa + 0x1000 * i, c->work + 0x1000 * i, 0x1000);
        memintro_phys_read(c->w->phys, ops, 16);
        for (i = 0; i < 16; i++) {
            const uint8_t *p = c->work + 0x1000 * i;
            uint64_t at = pa + 0x1000 * i;
            if (ops[i].status == MEMINTRO_E_GONE || ops[i].status == MEMINTRO_E_IO) return ops[i].status;
            if (ops[i].status != MEMINTRO_OK) continue;
            /* every mode the page fits (a 32-bit PD mapping itself at PDE 0x300 also reads as
               a PML4 with a self-reference at 0x180): the kernel search decides */
            if ((only == MEMINTRO_ARCH_NONE || only == MEMINTRO_ARCH_X86_64) && memintro__w32_is_pml4(p, at))
                memintro__w32_add(cand, n, MEMINTRO_ARCH_X86_64, at, MEMINTRO_WIN32_SRC_SCAN);
            if ((only == MEMINTRO_ARCH_NONE || only == MEMINTRO_ARCH_X86_PAE) && at < 0x100000000ull &&
                (memintro__w32_is_pdpt_form(p, at) || memintro__w32_pae_selfmap(c, p)))
                memintro__w32_add(cand, n, MEMINTRO_ARCH_X86_PAE, at, MEMINTRO_WIN32_SRC_SCAN);
            if ((only == MEMINTRO_ARCH_NONE || only == MEMINTRO_ARCH_X86) && memintro__w32_is_pd32(p, at))
                memintro__w32_add(cand, n, MEMINTRO_ARCH_X86, at, MEMINTRO_WIN32_SRC_SCAN);
        }
    }
    return MEMINTRO_OK;
}

/* The mode a hinted DTB's root page looks like (NONE: no signature). */
static memintro_arch memintro__w32_classify(memintro__w32_ctx *c, uint64_t dtb)
{
    uint64_t page = dtb & 0x000ffffffffff000ull;
    uint8_t *p = c->work;
    if (memintro_phys_read1(c->w->phys, page, p, 0x1000) != MEMINTRO_OK) return MEMINTRO_ARCH_NONE;
    if (!(dtb & 0xfe0) && memintro__w32_is_pml4(p, page)) return MEMINTRO_ARCH_X86_64;
    if (!(dtb & 0xfff) && memintro__w32_is_pd32(p, page)) return MEMINTRO_ARCH_X86;
    return MEMINTRO_ARCH_NONE;
}

/* ---- the locator ---- */

/* Reads the first `span` bytes of the EPROCESS at ep into buf (what does not read is zero).
   Returns 1 when its first page read. */
static int memintro__w32_span(memintro_win32 *w, uint64_t ep, uint8_t *buf, size_t span)
{
    memintro_op op;
    memintro__w32_fill(&op, ep, buf, span);
    memintro_virt_read(&w->kernel, &op, 1);
    return op.status == MEMINTRO_OK || op.missing < span - (size_t)(((ep + 0x1000) & ~0xfffull) - ep);
}

static int memintro__w32_pidlike(uint64_t v)
{
    return !(v & 3) && v < (1ull << 26);
}

/* A DTB field candidate: System's value is a root of the mode that maps the kernel's
   first page, and every neighbour holds a root-like value there too. */
static int memintro__w32_dtb_fits(memintro_win32 *w, const uint8_t *sys, uint8_t *const *nb, size_t nn, size_t off,
                                  unsigned ps)
{
    uint64_t d = memintro__w32_ptr(sys + off, ps);
    memintro_virt v = w->kernel;
    uint8_t mz[2];
    size_t i;
    uint64_t low = w->arch == MEMINTRO_ARCH_X86_PAE ? 0x1f : 0xfff;
    if (!d || (d & low) || d >= (1ull << 52)) return 0;
    for (i = 0; i < nn; i++) {
        uint64_t e = memintro__w32_ptr(nb[i] + off, ps);
        if (!e || (e & low) || e >= (1ull << 52)) return 0;
    }
    if (memintro_virt_set_dtb(&v, d, 0) != MEMINTRO_OK) return 0;
    memintro_virt_set_tlb(&v, 0);
    return memintro_virt_read1(&v, w->kernel_base, mz, 2) == MEMINTRO_OK && mz[0] == 'M' && mz[1] == 'Z';
}

/* Derives the EPROCESS offsets from the System process and its neighbours: ImageFileName
   where "System" is; UniqueProcessId the pointer-sized 4 followed by links that point back;
   Peb and SectionBaseAddress the pair where a neighbour's user-space Peb holds (at
   ImageBaseAddress) its section base; the parent pid where System has 0 and its first
   neighbour 4; the DTB the field (0x28 / 0x18, else searched) that translates the kernel;
   ExitStatus where the processes hold STILL_ACTIVE; Wow64Process by MemProcFS's rule. */
static memintro_status memintro__w32_locate(memintro__w32_ctx *c, memintro_win32_offsets *o)
{
    memintro_win32 *w = c->w;
    unsigned ps = memintro__w32_psize(w);
    size_t span = ps == 8 ? MEMINTRO__W32_SPAN64 : MEMINTRO__W32_SPAN32;
    uint8_t *sys = c->work, *nb[MEMINTRO__W32_NEIGH];
    uint64_t nep[MEMINTRO__W32_NEIGH], dtbs[MEMINTRO__W32_NEIGH];
    uint64_t sysva = w->system_process;
    size_t name = 0, links = 0, i, k, nn = 0, off;
    uint8_t b[16];
    MEMINTRO_MEMSET(o, 0, sizeof *o);
    for (i = 0; i < MEMINTRO__W32_NEIGH; i++) nb[i] = c->work + span * (i + 1);
    if (!memintro__w32_span(w, sysva, sys, span)) return MEMINTRO_E_FORMAT;
    for (off = 0; off + 16 <= span; off += 4)
        if (memintro__w32_eq(sys + off, "System\0\0", 8)) {
            name = off;
            break;
        }
    if (!name) return MEMINTRO_E_FORMAT;
    /* pid 4, then ActiveProcessLinks whose Flink's Blink and Blink's Flink point back */
    for (off = ps; off + 2 * ps <= name; off += ps) {
        uint64_t f = memintro__w32_ptr(sys + off, ps), bl = memintro__w32_ptr(sys + off + ps, ps);
        if (memintro__w32_ptr(sys + off - ps, ps) != 4 || !memintro__w32_kptr(w, f) || !memintro__w32_kptr(w, bl)) continue;
        if (memintro_virt_read1(&w->kernel, f + ps, b, ps) != MEMINTRO_OK || memintro__w32_ptr(b, ps) != sysva + off) continue;
        if (memintro_virt_read1(&w->kernel, bl, b, ps) != MEMINTRO_OK || memintro__w32_ptr(b, ps) != sysva + off) continue;
        links = off;
        break;
    }
    if (!links) return MEMINTRO_E_FORMAT;
    o->pid = (uint16_t)(links - ps);
    o->links = (uint16_t)links;
    o->name = (uint16_t)name;
    o->is64 = ps == 8;
    /* the neighbours (the list head, System's Blink, is skipped) */
    {
        uint64_t head = memintro__w32_ptr(sys + links + ps, ps), cur = memintro__w32_ptr(sys + links, ps);
        for (k = 0; k < 2 * MEMINTRO__W32_NEIGH && nn < MEMINTRO__W32_NEIGH && cur != sysva + links; k++) {
            if (cur == head) {
                if (memintro_virt_read1(&w->kernel, head, b, ps) != MEMINTRO_OK) break;
                cur = memintro__w32_ptr(b, ps);
                continue;
            }
            if (!memintro__w32_kptr(w, cur)) break;
            nep[nn] = cur - links;
            if (!memintro__w32_span(w, nep[nn], nb[nn], span)) break;
            cur = memintro__w32_ptr(nb[nn] + links, ps);
            nn++;
        }
    }
    if (!nn) return MEMINTRO_E_FORMAT;
    /* the DTB: KPROCESS.DirectoryTableBase (0x28 x64, 0x18 x86), else the first field near
       the start that holds a root in every process and translates the kernel */
    {
        size_t fixed = ps == 8 ? 0x28 : 0x18, found = 0, k2;
        for (k2 = 0; k2 <= 0x100 / ps && !found; k2++) {
            size_t cand = k2 == 0 ? fixed : k2 * ps;
            if (k2 && cand == fixed) continue;
            if (memintro__w32_dtb_fits(w, sys, nb, nn, cand, ps)) found = cand;
        }
        o->dtb = (uint16_t)found;
        for (i = 0; i < nn; i++) dtbs[i] = found ? memintro__w32_ptr(nb[i] + found, ps) : w->dtb;
    }
    /* Peb / SectionBaseAddress: a neighbour's Peb is user space, page-aligned, and its
       ImageBaseAddress (0x10 / 0x08) is the section base stored in the EPROCESS */
    for (off = links + 2 * ps; off + ps <= span && !o->peb; off += ps) {
        if (memintro__w32_ptr(sys + off, ps)) continue;
        for (i = 0; i < nn && !o->peb; i++) {
            uint64_t p = memintro__w32_ptr(nb[i] + off, ps), ib;
            memintro_virt v = w->kernel;
            size_t s2;
            if (!memintro__w32_uptr(w, p) || (p & 0xfff) || !dtbs[i]) continue;
            if (memintro_virt_set_dtb(&v, dtbs[i], 0) != MEMINTRO_OK) continue;
            if (memintro_virt_read1(&v, p + (ps == 8 ? 0x10 : 0x08), b, ps) != MEMINTRO_OK) continue;
            ib = memintro__w32_ptr(b, ps);
            if (!memintro__w32_uptr(w, ib)) continue;
            for (s2 = links + 2 * ps; s2 + ps <= span; s2 += ps)
                if (s2 != off && memintro__w32_ptr(nb[i] + s2, ps) == ib) {
                    o->peb = (uint16_t)off;
                    o->section_base = (uint16_t)s2;
                    break;
                }
        }
    }
    /* InheritedFromUniqueProcessId: System 0, its first neighbour's parent is System (4),
       every neighbour's value a pid; after SectionBaseAddress where that is known */
    for (off = (o->section_base ? o->section_base + ps : links + 2 * ps); off + ps <= span; off += ps) {
        if (memintro__w32_ptr(sys + off, ps) != 0 || memintro__w32_ptr(nb[0] + off, ps) != 4) continue;
        for (i = 1; i < nn; i++)
            if (!memintro__w32_pidlike(memintro__w32_ptr(nb[i] + off, ps))) break;
        if (i == nn) {
            o->ppid = (uint16_t)off;
            break;
        }
    }
    /* ExitStatus: STILL_ACTIVE in System and in every neighbour but at most one */
    for (off = links + 2 * ps; off + 4 <= span; off += 4) {
        unsigned bad = 0;
        if (memintro_get_u32(sys + off) != MEMINTRO__W32_STILL_ACTIVE) continue;
        for (i = 0; i < nn; i++)
            if (memintro_get_u32(nb[i] + off) != MEMINTRO__W32_STILL_ACTIVE) bad++;
        if (bad <= (nn > 2 ? 1u : 0u)) {
            o->exit_status = (uint16_t)off;
            break;
        }
    }
    /* Wow64Process (x64): ImageFileName + 0x40 when the name comes before Peb (Windows 7),
       else Peb + 0x30 (MemProcFS); System's is 0 */
    if (ps == 8 && o->peb) {
        size_t wo = name < o->peb ? name + 0x40 : (size_t)o->peb + 0x30;
        if (wo + 8 <= span && !memintro_get_u64(sys + wo)) o->wow64 = (uint16_t)wo;
    }
    return MEMINTRO_OK;
}

/* The offsets fit when System reads as pid 4 named "System" with links that point back. */
static int memintro__w32_offsets_fit(memintro_win32 *w, const memintro_win32_offsets *o)
{
    unsigned ps = memintro__w32_psize(w);
    uint8_t b[16], n[8];
    uint64_t f;
    if (memintro_virt_read1(&w->kernel, w->system_process + o->pid, b, ps) != MEMINTRO_OK || memintro__w32_ptr(b, ps) != 4)
        return 0;
    if (memintro_virt_read1(&w->kernel, w->system_process + o->name, n, 8) != MEMINTRO_OK || !memintro__w32_eq(n, "System\0\0", 8))
        return 0;
    if (memintro_virt_read1(&w->kernel, w->system_process + o->links, b, 2 * ps) != MEMINTRO_OK) return 0;
    f = memintro__w32_ptr(b, ps);
    if (!memintro__w32_kptr(w, f) || memintro_virt_read1(&w->kernel, f + ps, b, ps) != MEMINTRO_OK) return 0;
    return memintro__w32_ptr(b, ps) == w->system_process + o->links;
}

/* After the base: exports, version, System, offsets, DTB and list heads. */
static memintro_status memintro__w32_facts(memintro__w32_ctx *c)
{
    memintro_win32 *w = c->w;
    const memintro_win32_hints *h = &c->h;
    unsigned ps = memintro__w32_psize(w);
    memintro_pe pe;
    memintro_pe_export e;
    const memintro_win32_offsets *t = 0;
    uint8_t b[24];
    uint64_t kuser = w->arch == MEMINTRO_ARCH_X86_64 ? 0xfffff78000000000ull : 0xffdf0000ull;
    uint32_t nt = 0;
    memintro_status s;
    s = memintro_pe_open(&pe, &w->kernel, w->kernel_base);
    if (s != MEMINTRO_OK) {
        w->why = "ntoskrnl.exe's PE headers could not be read again";
        return s == MEMINTRO_E_FORMAT ? s : s;
    }
    w->kernel_size = pe.size_of_image;
    /* version: NtBuildNumber (export), KUSER_SHARED_DATA (NtMajorVersion 0x26c,
       NtMinorVersion 0x270, NtBuildNumber 0x260 on 10+) */
    if (memintro_pe_export_find(&pe, "NtBuildNumber", &e) == MEMINTRO_OK && e.address &&
        memintro_virt_read1(&w->kernel, e.address, b, 4) == MEMINTRO_OK)
        nt = memintro_get_u32(b);
    if (memintro_virt_read1(&w->kernel, kuser + 0x260, b, 20) == MEMINTRO_OK) {
        uint32_t major = memintro_get_u32(b + 0xc), minor = memintro_get_u32(b + 0x10);
        if (major >= 5 && major <= 20 && minor < 10) {
            w->major = major;
            w->minor = minor;
            if (!nt && major >= 10) nt = memintro_get_u32(b);
        }
    }
    w->build = nt & 0xffff;
    w->build_flags = nt >> 28;
    if (!w->major && w->build) {
        w->major = w->build >= 10240 ? 10 : 6;
        w->minor = w->build >= 10240 ? 0 : w->build >= 9600 ? 3 : w->build >= 9200 ? 2 : 1;
    }
    /* System: PsInitialSystemProcess holds a pointer to its EPROCESS */
    if (memintro_pe_export_find(&pe, "PsInitialSystemProcess", &e) != MEMINTRO_OK || !e.address) {
        w->why = "ntoskrnl.exe found, but it does not export PsInitialSystemProcess";
        return MEMINTRO_E_FORMAT;
    }
    s = memintro_virt_read1(&w->kernel, e.address, b, ps);
    if (s != MEMINTRO_OK) {
        w->why = "ntoskrnl.exe found, but PsInitialSystemProcess could not be read";
        return s;
    }
    w->system_process = memintro__w32_ptr(b, ps);
    if (!memintro__w32_kptr(w, w->system_process)) {
        w->why = "PsInitialSystemProcess does not hold a kernel address";
        return MEMINTRO_E_FORMAT;
    }
    if (memintro_pe_export_find(&pe, "PsLoadedModuleList", &e) == MEMINTRO_OK && e.address)
        w->ps_loaded_module_list = e.address;
    else if (memintro__w32_kptr(w, h->ps_loaded_module_list))
        w->ps_loaded_module_list = h->ps_loaded_module_list;
    /* offsets: the table of the build when they fit System, else the locator */
    if (!(h->flags & MEMINTRO_WIN32_HINT_LOCATE)) t = memintro_win32_offsets_find(h->build ? h->build : w->build, ps == 8);
    if (t && memintro__w32_offsets_fit(w, t)) {
        w->off = *t;
        w->offsets_source = MEMINTRO_WIN32_SRC_TABLE;
    } else {
        s = memintro__w32_locate(c, &w->off);
        if (s != MEMINTRO_OK) {
            w->why = t ? "the offsets of the build do not fit the System process, and the locator found no EPROCESS layout"
                       : "the build is not in the tables, and the locator found no EPROCESS layout around System";
            return s;
        }
        w->off.build_min = w->off.build_max = w->build;
        w->offsets_source = MEMINTRO_WIN32_SRC_LOCATOR;
    }
    /* the kernel DTB: System's DirectoryTableBase when it translates the kernel */
    if (w->off.dtb && memintro_virt_read1(&w->kernel, w->system_process + w->off.dtb, b, ps) == MEMINTRO_OK) {
        uint64_t d = memintro__w32_ptr(b, ps);
        memintro_virt v = w->kernel;
        uint8_t mz[2];
        if (d && memintro_virt_set_dtb(&v, d, 0) == MEMINTRO_OK && memintro_virt_read1(&v, w->kernel_base, mz, 2) == MEMINTRO_OK &&
            mz[0] == 'M' && mz[1] == 'Z') {
            memintro_virt_set_dtb(&w->kernel, d, 0);
            w->dtb = d;
        }
    }
    /* the process list head: the hint when it links to System, else System's Blink */
    {
        uint64_t sl = w->system_process + w->off.links, head = 0;
        if (memintro__w32_kptr(w, h->ps_active_process_head) &&
            memintro_virt_read1(&w->kernel, h->ps_active_process_head, b, 2 * ps) == MEMINTRO_OK &&
            (memintro__w32_ptr(b, ps) == sl || memintro__w32_ptr(b + ps, ps) == sl))
            head = h->ps_active_process_head;
        if (!head && memintro_virt_read1(&w->kernel, sl + ps, b, ps) == MEMINTRO_OK) {
            uint64_t bl = memintro__w32_ptr(b, ps);
            if (memintro__w32_kptr(w, bl) && memintro_virt_read1(&w->kernel, bl, b, ps) == MEMINTRO_OK &&
                memintro__w32_ptr(b, ps) == sl)
                head = bl;
        }
        w->ps_active_process_head = head;
    }
    return MEMINTRO_OK;
}

MEMINTRO__W32DEF memintro_status memintro_win32_init(memintro_win32 *w, memintro_phys *phys,
                                                    const memintro_win32_hints *hints, size_t tlb_entries,
                                                    void *mem, size_t mem_size)
{
    memintro__w32_ctx c;
    memintro__w32_cand cand[MEMINTRO__W32_MAX_CAND];
    size_t n = 0, i;
    uint8_t *m;
    uintptr_t a;
    memintro_status s;
    int tables_found = 0, phase;
    if (!w) return MEMINTRO_E_INVALID;
    MEMINTRO_MEMSET(w, 0, sizeof *w);
    if (!phys || !phys->read) {
        w->why = "memintro_win32_init: no physical-memory backend";
        return MEMINTRO_E_INVALID;
    }
    if (!tlb_entries) tlb_entries = 4096;
    if (!mem || mem_size < memintro_win32_mem_size(tlb_entries)) {
        w->why = "memintro_win32_init: mem is smaller than memintro_win32_mem_size(tlb_entries)";
        return MEMINTRO_E_NOSPACE;
    }
    MEMINTRO_MEMSET(&c, 0, sizeof c);
    c.w = w;
    if (hints) c.h = *hints;
    w->phys = phys;
    m = (uint8_t *)mem;
    c.scratch = m;
    c.scratch_len = memintro_virt_scratch_size(MEMINTRO__W32_SCRATCH_PAGES);
    m += c.scratch_len;
    a = (uintptr_t)m;
    m += (16 - (a & 15)) & 15;
    memintro_tlb_init(&w->tlb, (memintro_tlb_entry *)(void *)m, tlb_entries);
    m += tlb_entries * sizeof(memintro_tlb_entry);
    a = (uintptr_t)m;
    m += (16 - (a & 15)) & 15;
    c.work = m;
    /* the DTB candidates: the hint, the low stub, the tables of the first 16 MiB */
    if (c.h.dtb) {
        memintro_win32_source src = c.h.dtb_source == MEMINTRO_WIN32_SRC_NONE ? MEMINTRO_WIN32_SRC_HINT : c.h.dtb_source;
        memintro_arch ar = c.h.arch;
        if (ar == MEMINTRO_ARCH_NONE) ar = memintro__w32_classify(&c, c.h.dtb);
        if (ar != MEMINTRO_ARCH_NONE) memintro__w32_add(cand, &n, ar, c.h.dtb, src);
        if (c.h.arch == MEMINTRO_ARCH_NONE) {
            memintro__w32_add(cand, &n, MEMINTRO_ARCH_X86_64, c.h.dtb, src);
            if (c.h.dtb < 0x100000000ull) {
                memintro__w32_add(cand, &n, MEMINTRO_ARCH_X86_PAE, c.h.dtb, src);
                memintro__w32_add(cand, &n, MEMINTRO_ARCH_X86, c.h.dtb, src);
            }
        }
    }
    /* the hints' candidates, then the low stub's, then the scan's: each tried in turn */
    for (phase = 0; phase < 3; phase++) {
        size_t from = n;
        if (phase == 1 && (c.h.arch == MEMINTRO_ARCH_NONE || c.h.arch == MEMINTRO_ARCH_X86_64)) {
            s = memintro__w32_low_stub(&c, cand, &n);
            if (s != MEMINTRO_OK) {
                w->why = "the low stub scan failed: the target could not be read";
                return s;
            }
        } else if (phase == 2) {
            s = memintro__w32_scan_low(&c, cand, &n, c.h.arch);
            if (s != MEMINTRO_OK) {
                w->why = "the page-table scan failed: the target could not be read";
                return s;
            }
        }
        if (phase == 0) from = 0;
        for (i = from; i < n; i++) {
            memintro_win32_source bsrc = MEMINTRO_WIN32_SRC_NONE;
            memintro_status failed = MEMINTRO_OK;
            uint64_t base;
            if (memintro__w32_use(&c, cand[i].arch, cand[i].dtb) != MEMINTRO_OK) continue;
            tables_found = 1;
            base = memintro__w32_find_base(&c, &bsrc, &failed);
            if (failed != MEMINTRO_OK) {
                w->why = "the kernel scan failed: the target could not be read";
                return failed;
            }
            if (!base) continue;
            w->kernel_base = base;
            w->base_source = bsrc;
            w->dtb_source = cand[i].src;
            s = memintro__w32_facts(&c);
            if (s == MEMINTRO_OK) {
                w->why = w->offsets_source == MEMINTRO_WIN32_SRC_TABLE
                             ? "Windows kernel found (ntoskrnl.exe by its export directory; offsets from the table of the build)"
                             : "Windows kernel found (ntoskrnl.exe by its export directory; offsets derived by the locator)";
                return MEMINTRO_OK;
            }
            /* the kernel is there but its structures make no sense: w->why says where */
            if (s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO) return s;
            return s == MEMINTRO_E_UNMAPPED || s == MEMINTRO_E_HOLE ? MEMINTRO_E_FORMAT : s;
        }
    }
    {
        memintro_win32 keep = *w;
        MEMINTRO_MEMSET(w, 0, sizeof *w);
        w->phys = keep.phys;
        w->why = tables_found ? "page tables found, but no ntoskrnl.exe image (MZ, PE, export name ntoskrnl.exe) in kernel space"
                              : "no x64 low stub below 1 MiB and no self-referencing page table in the first 16 MiB";
    }
    return MEMINTRO_E_NOTFOUND;
}

#ifdef __cplusplus
}
#endif


/* ---- implementation: processes and modules ---------------------------------------------- */

#ifdef __cplusplus
extern "C" {
#endif

/* The raw fields of one EPROCESS, read in one batch. */
typedef struct memintro__w32_eraw {
    uint8_t pid[8], links[16], dtb[8], ppid[8], name[16], peb[8], wow[8], sect[8], ct[8], et[8], es[4];
} memintro__w32_eraw;

/* A process whose PEB32 pointer is still to be read (Wow64Process is a kernel structure,
   EWOW64PROCESS / WOW64_PROCESS): the read rides in the batch of the next EPROCESS. */
typedef struct memintro__w32_pend {
    memintro_win32_process p;
    uint64_t va;      /* where the PEB32 pointer is; 0: nothing pending */
    uint8_t b[8];
    memintro_op op;
} memintro__w32_pend;

/* Reads the EPROCESS at ep into *p (one memintro_virt_read of its fields, which also carries
   the pending PEB32 read of the process before, pend->op, when pend->va is set). *flink and
   *blink get its ActiveProcessLinks. When p's own PEB32 pointer must be read from a kernel
   structure, *deref gets its address (else 0). Returns the status of the pid, links or name
   field (the others are 0 when they do not read). */
static memintro_status memintro__w32_read_ep(memintro_win32 *w, uint64_t ep, memintro_win32_process *p, uint64_t *flink,
                                             uint64_t *blink, memintro__w32_pend *pend, uint64_t *deref)
{
    const memintro_win32_offsets *o = &w->off;
    unsigned ps = memintro__w32_psize(w);
    memintro__w32_eraw r;
    memintro_op ops[12];
    size_t n = 0, i;
    MEMINTRO_MEMSET(&r, 0, sizeof r);
    MEMINTRO_MEMSET(p, 0, sizeof *p);
    *deref = 0;
    memintro__w32_fill(&ops[n++], ep + o->pid, r.pid, ps);
    memintro__w32_fill(&ops[n++], ep + o->links, r.links, 2 * ps);
    memintro__w32_fill(&ops[n++], ep + o->name, r.name, 15);
    if (o->dtb) memintro__w32_fill(&ops[n++], ep + o->dtb, r.dtb, ps);
    if (o->ppid) memintro__w32_fill(&ops[n++], ep + o->ppid, r.ppid, ps);
    if (o->peb) memintro__w32_fill(&ops[n++], ep + o->peb, r.peb, ps);
    if (o->wow64 && ps == 8) memintro__w32_fill(&ops[n++], ep + o->wow64, r.wow, 8);
    if (o->section_base) memintro__w32_fill(&ops[n++], ep + o->section_base, r.sect, ps);
    if (o->create_time) memintro__w32_fill(&ops[n++], ep + o->create_time, r.ct, 8);
    if (o->exit_time) memintro__w32_fill(&ops[n++], ep + o->exit_time, r.et, 8);
    if (o->exit_status) memintro__w32_fill(&ops[n++], ep + o->exit_status, r.es, 4);
    if (pend && pend->va) memintro__w32_fill(&ops[n++], pend->va, pend->b, 8);
    memintro_virt_read(&w->kernel, ops, n);
    if (pend && pend->va) pend->op = ops[n - 1];
    for (i = 0; i < 3; i++)
        if (ops[i].status != MEMINTRO_OK) return ops[i].status;
    p->eprocess = ep;
    p->pid = memintro__w32_ptr(r.pid, ps);
    *flink = memintro__w32_ptr(r.links, ps);
    *blink = memintro__w32_ptr(r.links + ps, ps);
    MEMINTRO_MEMCPY(p->name, r.name, 15);
    p->name[15] = 0;
    p->dtb = memintro__w32_ptr(r.dtb, ps);
    p->ppid = memintro__w32_ptr(r.ppid, ps);
    p->peb = memintro__w32_ptr(r.peb, ps);
    if (!memintro__w32_uptr(w, p->peb)) p->peb = 0;
    p->section_base = memintro__w32_ptr(r.sect, ps);
    p->create_time = memintro_get_u64(r.ct);
    p->exit_time = memintro_get_u64(r.et);
    p->exit_status = o->exit_status ? memintro_get_u32(r.es) : MEMINTRO__W32_STILL_ACTIVE;
    if (p->exit_time || p->exit_status != MEMINTRO__W32_STILL_ACTIVE) p->flags |= MEMINTRO_WIN32_PROC_EXITED;
    /* WoW64: Wow64Process is the PEB32 itself, or a kernel structure (EWOW64PROCESS) that
       holds it at wow64_peb (read with the next batch, memintro__w32_pend_done) */
    if (ps == 8 && o->wow64) {
        uint64_t v = memintro_get_u64(r.wow);
        if (memintro__w32_uptr(w, v) && v < 0x100000000ull) {
            p->peb32 = v;
            p->flags |= MEMINTRO_WIN32_PROC_WOW64;
        } else if (memintro__w32_kptr(w, v)) {
            *deref = v + o->wow64_peb;
        }
    }
    return MEMINTRO_OK;
}

/* The pending process's PEB32 from its read (pend->op; with `alone`, read now on its own),
   else MemProcFS's rule (PEB32 a page after the PEB, before it on 7); then reported. Returns
   fn's result. */
static int memintro__w32_pend_done(memintro_win32 *w, memintro__w32_pend *pend, int alone, memintro_win32_process_fn fn,
                                   void *user)
{
    memintro_win32_process *p = &pend->p;
    uint64_t q = 0;
    if (alone) {
        memintro__w32_fill(&pend->op, pend->va, pend->b, 8);
        memintro_virt_read(&w->kernel, &pend->op, 1);
    }
    if (pend->op.status == MEMINTRO_OK) q = memintro_get_u64(pend->b);
    if (memintro__w32_uptr(w, q) && q < 0x100000000ull)
        p->peb32 = q;
    else if (p->peb)
        p->peb32 = w->build && w->build < 9200 ? p->peb - 0x1000 : p->peb + 0x1000;
    if (p->peb32) p->flags |= MEMINTRO_WIN32_PROC_WOW64;
    pend->va = 0;
    return fn(user, p);
}

/* Ends the walk with status s after the pending process (if any) was reported. */
static memintro_status memintro__w32_pend_end(memintro_win32 *w, memintro__w32_pend *pend, memintro_status s,
                                              memintro_win32_process_fn fn, void *user)
{
    if (pend->va && memintro__w32_pend_done(w, pend, 1, fn, user)) return MEMINTRO_OK;
    return s;
}

MEMINTRO__W32DEF memintro_status memintro_win32_processes(memintro_win32 *w, memintro_win32_process_fn fn, void *user)
{
    memintro__w32_pend pend;
    memintro_win32_process p;
    uint64_t ep, start, head, prev, tort, flink = 0, blink = 0, next, deref;
    uint32_t count = 0, power = 1, lam = 0;
    unsigned ps;
    memintro_status s;
    if (!w || !fn || !w->system_process) return MEMINTRO_E_INVALID;
    ps = memintro__w32_psize(w);
    ep = w->system_process;
    start = ep + w->off.links;
    head = w->ps_active_process_head;
    prev = head; /* what System's Blink must be (0: not checked) */
    tort = start;
    pend.va = 0;
    for (;;) {
        int had = pend.va != 0;
        s = memintro__w32_read_ep(w, ep, &p, &flink, &blink, &pend, &deref);
        /* the process before, whose PEB32 pointer came with this batch */
        if (had && memintro__w32_pend_done(w, &pend, 0, fn, user)) return MEMINTRO_OK;
        if (s != MEMINTRO_OK) return s;
        if (prev && blink != prev) return MEMINTRO_E_FORMAT; /* a link that does not point back */
        if (++count > MEMINTRO_WIN32_MAX_PROCESSES) return MEMINTRO_E_LIMIT;
        if (deref) {
            pend.p = p;
            pend.va = deref;
        } else if (fn(user, &p)) {
            return MEMINTRO_OK;
        }
        prev = ep + w->off.links;
        next = flink;
        if (next == head && head) {
            uint8_t b[8];
            memintro_op ops[2];
            size_t n = 1;
            memintro__w32_fill(&ops[0], head, b, ps);
            if (pend.va) memintro__w32_fill(&ops[n++], pend.va, pend.b, 8);
            memintro_virt_read(&w->kernel, ops, n);
            if (pend.va) {
                pend.op = ops[1];
                if (memintro__w32_pend_done(w, &pend, 0, fn, user)) return MEMINTRO_OK;
            }
            s = ops[0].status;
            if (s != MEMINTRO_OK) return s;
            prev = head;
            next = memintro__w32_ptr(b, ps);
        }
        if (next == start) return memintro__w32_pend_end(w, &pend, MEMINTRO_OK, fn, user);
        if (!memintro__w32_kptr(w, next)) return memintro__w32_pend_end(w, &pend, MEMINTRO_E_FORMAT, fn, user);
        /* Brent's cycle check: a ring that never comes back to System */
        if (next == tort) return memintro__w32_pend_end(w, &pend, MEMINTRO_E_FORMAT, fn, user);
        if (++lam == power) {
            tort = next;
            power <<= 1;
            lam = 0;
        }
        ep = next - w->off.links;
    }
}

typedef struct memintro__w32_find {
    uint64_t pid;
    const char *name;
    memintro_win32_process *out;
    int found;
} memintro__w32_find;

static int memintro__w32_find_fn(void *user, const memintro_win32_process *p)
{
    memintro__w32_find *f = (memintro__w32_find *)user;
    if (f->name) {
        /* ImageFileName keeps 15 characters: a longer name matches on them */
        char want[16];
        size_t i;
        for (i = 0; i < 15 && f->name[i]; i++) want[i] = f->name[i];
        want[i] = 0;
        if (!memintro__w32_ieq(want, p->name)) return 0;
    } else if (p->pid != f->pid) {
        return 0;
    }
    *f->out = *p;
    f->found = 1;
    return 1;
}

MEMINTRO__W32DEF memintro_status memintro_win32_process_find(memintro_win32 *w, uint64_t pid, const char *name,
                                                            memintro_win32_process *out)
{
    memintro__w32_find f;
    memintro_status s;
    if (!w || !out) return MEMINTRO_E_INVALID;
    f.pid = pid;
    f.name = name;
    f.out = out;
    f.found = 0;
    s = memintro_win32_processes(w, memintro__w32_find_fn, &f);
    if (f.found) return MEMINTRO_OK;
    return s == MEMINTRO_OK ? MEMINTRO_E_NOTFOUND : s;
}

MEMINTRO__W32DEF memintro_status memintro_win32_process_virt(memintro_win32 *w, const memintro_win32_process *p,
                                                            memintro_virt *out)
{
    if (!w || !p || !out) return MEMINTRO_E_INVALID;
    *out = w->kernel;
    if (!p->dtb) return MEMINTRO_E_INVALID;
    return memintro_virt_set_dtb(out, p->dtb, 0);
}

/* One UNICODE_STRING {Length, MaximumLength, Buffer} read into out[cap] as UTF-8. The read
   is clamped to what out can hold; a Length over that sets TRUNCATED, a Buffer that does
   not read sets PAGED (the part that read is kept). */
typedef struct memintro__w32_ustr {
    uint64_t buf;
    size_t len;
    uint32_t cut;
} memintro__w32_ustr;

static void memintro__w32_ustr_decode(const uint8_t *us, unsigned ps, size_t cap, memintro__w32_ustr *u)
{
    size_t max = 2 * (cap - 1);
    u->len = memintro_get_u16(us) & ~1u;
    u->buf = memintro__w32_ptr(us + (ps == 8 ? 8 : 4), ps);
    u->cut = 0;
    if (u->len > max) {
        u->len = max;
        u->cut = 1;
    }
    if (!u->buf) u->len = 0;
}

MEMINTRO__W32DEF memintro_status memintro_win32_modules(memintro_win32 *w, const memintro_win32_process *p,
                                                       uint32_t flags, memintro_win32_module_fn fn, void *user)
{
    memintro_virt pv, *v;
    memintro_win32_module m;
    unsigned ps;
    uint64_t head, cur, prev, tort;
    uint32_t count = 0, power = 1, lam = 0;
    uint8_t b[0x70], nbuf[2 * 63], pbuf[2 * 511];
    memintro_status s;
    if (!w || !fn || !w->system_process) return MEMINTRO_E_INVALID;
    ps = memintro__w32_psize(w);
    if (!p) {
        v = &w->kernel;
        head = w->ps_loaded_module_list;
        if (!head) return MEMINTRO_E_NOTFOUND;
    } else {
        uint64_t peb = p->peb, ldr;
        if (flags & MEMINTRO_WIN32_MOD_WOW64) {
            peb = p->peb32;
            ps = 4;
        }
        if (!peb) return MEMINTRO_E_NOTFOUND;
        s = memintro_win32_process_virt(w, p, &pv);
        if (s != MEMINTRO_OK) return s;
        v = &pv;
        /* PEB.Ldr at 0x18 (0x0C in a 32-bit PEB); InLoadOrderModuleList at 0x10 (0x0C) */
        s = memintro_virt_read1(v, peb + (ps == 8 ? 0x18 : 0x0c), b, ps);
        if (s != MEMINTRO_OK) return s;
        ldr = memintro__w32_ptr(b, ps);
        if (!ldr) return MEMINTRO_E_NOTFOUND;
        head = ldr + (ps == 8 ? 0x10 : 0x0c);
    }
    s = memintro_virt_read1(v, head, b, ps);
    if (s != MEMINTRO_OK) return s;
    cur = memintro__w32_ptr(b, ps);
    prev = head;
    tort = head;
    while (cur != head) {
        memintro__w32_ustr un, up;
        memintro_op ops[2];
        size_t esz = ps == 8 ? 0x68 : 0x34;
        const uint8_t *fields = b + (ps == 8 ? 0x30 : 0x18);
        if (!cur || (p && !(flags & MEMINTRO_WIN32_MOD_WOW64) && !memintro__w32_uptr(w, cur) && !memintro__w32_kptr(w, cur)))
            return MEMINTRO_E_FORMAT;
        /* the entry: links, DllBase, EntryPoint, SizeOfImage, FullDllName, BaseDllName */
        s = memintro_virt_read1(v, cur, b, esz);
        if (s != MEMINTRO_OK) return s;
        if (memintro__w32_ptr(b + ps, ps) != prev) return MEMINTRO_E_FORMAT;
        if (++count > MEMINTRO_WIN32_MAX_MODULES) return MEMINTRO_E_LIMIT;
        MEMINTRO_MEMSET(&m, 0, sizeof m);
        m.entry = cur;
        m.base = memintro__w32_ptr(fields, ps);
        m.entry_point = memintro__w32_ptr(fields + ps, ps);
        m.size = memintro_get_u32(fields + 2 * ps);
        if (ps == 4) m.flags |= p ? MEMINTRO_WIN32_MOD_WOW64 & flags : 0;
        /* FullDllName at 0x48 (0x24), BaseDllName at 0x58 (0x2C), both strings in one batch */
        memintro__w32_ustr_decode(b + (ps == 8 ? 0x48 : 0x24), ps, sizeof m.path, &up);
        memintro__w32_ustr_decode(b + (ps == 8 ? 0x58 : 0x2c), ps, sizeof m.name, &un);
        MEMINTRO_MEMSET(nbuf, 0, sizeof nbuf);
        MEMINTRO_MEMSET(pbuf, 0, sizeof pbuf);
        memintro__w32_fill(&ops[0], un.buf, nbuf, un.len);
        memintro__w32_fill(&ops[1], up.buf, pbuf, up.len);
        if (un.len || up.len) memintro_virt_read(v, ops, 2);
        if ((un.len && ops[0].status != MEMINTRO_OK) || (up.len && ops[1].status != MEMINTRO_OK))
            m.flags |= MEMINTRO_WIN32_MOD_PAGED;
        if (!memintro__w32_utf16_to_utf8(nbuf, un.len, m.name, sizeof m.name) || un.cut) m.flags |= MEMINTRO_WIN32_MOD_TRUNCATED;
        if (!memintro__w32_utf16_to_utf8(pbuf, up.len, m.path, sizeof m.path) || up.cut) m.flags |= MEMINTRO_WIN32_MOD_TRUNCATED;
        if (fn(user, &m)) return MEMINTRO_OK;
        prev = cur;
        cur = memintro__w32_ptr(b, ps);
        if (cur == tort && cur != head) return MEMINTRO_E_FORMAT;
        if (++lam == power) {
            tort = cur;
            power <<= 1;
            lam = 0;
        }
    }
    return MEMINTRO_OK;
}

/* ---- many processes' modules at once ---- */

#define MEMINTRO__W32_MANY_PIECES 6u /* page pieces of one process in one round: an entry and two
                                        strings of at most 1022 bytes, each across one page end */
#define MEMINTRO__W32_MANY_STACK 4u  /* processes of a group without the caller's scratch */

/* phases of one process's walk */
#define MEMINTRO__W32_M_LDR 0u   /* reading PEB.Ldr */
#define MEMINTRO__W32_M_HEAD 1u  /* reading PEB_LDR_DATA.InLoadOrderModuleList.Flink */
#define MEMINTRO__W32_M_ENTRY 2u /* reading the entry at cur */
#define MEMINTRO__W32_M_TAIL 3u  /* the list ended (st): the last entry's strings are read */
#define MEMINTRO__W32_M_DONE 4u

/* One read of a round: a virtual range of one process. */
typedef struct memintro__w32_mrd {
    uint64_t va;
    uint8_t *buf;
    size_t len;
    memintro_status st;
} memintro__w32_mrd;

/* One process's walk in progress: memintro_win32_modules' loop state, the entry whose
   strings are being read (pending), and this round's reads and page pieces. */
typedef struct memintro__w32_many {
    uint64_t head, cur, prev, tort, peb;
    uint64_t m_entry, m_base, m_size, m_ep; /* the pending entry */
    memintro__w32_ustr un, up;
    uint32_t count, power, lam, m_flags;
    memintro_status st;                     /* DONE: the result; TAIL: the result to come */
    memintro__w32_mrd rd[3];
    uint32_t gidx[MEMINTRO__W32_MANY_PIECES]; /* piece's op in the round's batch; ~0: untranslated */
    memintro_status xst[MEMINTRO__W32_MANY_PIECES];
    uint8_t prd[MEMINTRO__W32_MANY_PIECES];   /* piece's read */
    uint8_t phase, pending, ps, nrd, npc, ri_name, ri_path, reserved;
    uint8_t e[0x70];
    uint8_t nbuf[2 * 63], pbuf[2 * 511];
} memintro__w32_many;

MEMINTRO__W32DEF size_t memintro_win32_modules_many_size(size_t count)
{
    return 16 + count * (sizeof(memintro__w32_many) + MEMINTRO__W32_MANY_PIECES * sizeof(memintro_op));
}

static void memintro__w32_many_done(memintro__w32_many *S, memintro_status st)
{
    S->phase = MEMINTRO__W32_M_DONE;
    S->st = st;
}

static uint8_t memintro__w32_many_add(memintro__w32_many *S, uint64_t va, uint8_t *buf, size_t len)
{
    memintro__w32_mrd *r = &S->rd[S->nrd];
    r->va = va;
    r->buf = buf;
    r->len = len;
    r->st = MEMINTRO_OK;
    return S->nrd++;
}

/* After cur moved on (memintro_win32_modules' loop head): the end of the list, a pointer
   that cannot be an entry, or the next entry to read. */
static void memintro__w32_many_next(memintro_win32 *w, memintro__w32_many *S, uint32_t flags)
{
    if (S->cur == S->head) {
        S->phase = MEMINTRO__W32_M_TAIL;
        S->st = MEMINTRO_OK;
    } else if (!S->cur ||
               (!(flags & MEMINTRO_WIN32_MOD_WOW64) && !memintro__w32_uptr(w, S->cur) && !memintro__w32_kptr(w, S->cur))) {
        S->phase = MEMINTRO__W32_M_TAIL;
        S->st = MEMINTRO_E_FORMAT;
    } else {
        S->phase = MEMINTRO__W32_M_ENTRY;
    }
}

/* One group: the processes p[0..n) (index base i0), states S[0..n), ops for n * PIECES. */
static memintro_status memintro__w32_many_group(memintro_win32 *w, const memintro_win32_process *p, size_t n, size_t i0,
                                                uint32_t flags, memintro_status *status, memintro_win32_modules_many_fn fn,
                                                void *user, memintro__w32_many *S, memintro_op *ops)
{
    memintro_virt pv = w->kernel;
    uint64_t psz = (uint64_t)1 << (pv.page_shift ? pv.page_shift : 12);
    memintro_status ret = MEMINTRO_OK;
    size_t j;
    for (j = 0; j < n; j++) {
        memintro__w32_many *s = &S[j];
        MEMINTRO_MEMSET(s, 0, sizeof *s);
        s->ps = (uint8_t)((flags & MEMINTRO_WIN32_MOD_WOW64) ? 4u : memintro__w32_psize(w));
        s->peb = (flags & MEMINTRO_WIN32_MOD_WOW64) ? p[j].peb32 : p[j].peb;
        s->power = 1;
        s->phase = MEMINTRO__W32_M_LDR;
        if (!s->peb)
            memintro__w32_many_done(s, MEMINTRO_E_NOTFOUND);
        else if (!p[j].dtb)
            memintro__w32_many_done(s, MEMINTRO_E_INVALID);
        else if ((s->st = memintro_virt_set_dtb(&pv, p[j].dtb, 0)) != MEMINTRO_OK)
            s->phase = MEMINTRO__W32_M_DONE;
    }
    for (;;) {
        size_t nops = 0, active = 0;
        /* this round's reads of every process, translated in its own address space */
        for (j = 0; j < n; j++) {
            memintro__w32_many *s = &S[j];
            memintro_xlate x[MEMINTRO__W32_MANY_PIECES];
            size_t off[MEMINTRO__W32_MANY_PIECES], len[MEMINTRO__W32_MANY_PIECES], k;
            uint8_t r;
            unsigned ps = s->ps;
            if (s->phase == MEMINTRO__W32_M_DONE) continue;
            active++;
            s->nrd = 0;
            s->npc = 0;
            s->ri_name = s->ri_path = 0xff;
            if (s->phase == MEMINTRO__W32_M_LDR)
                memintro__w32_many_add(s, s->peb + (ps == 8 ? 0x18 : 0x0c), s->e, ps);
            else if (s->phase == MEMINTRO__W32_M_HEAD)
                memintro__w32_many_add(s, s->head, s->e, ps);
            else if (s->phase == MEMINTRO__W32_M_ENTRY)
                memintro__w32_many_add(s, s->cur, s->e, ps == 8 ? 0x68 : 0x34);
            if (s->pending) {
                MEMINTRO_MEMSET(s->nbuf, 0, sizeof s->nbuf);
                MEMINTRO_MEMSET(s->pbuf, 0, sizeof s->pbuf);
                if (s->un.len) s->ri_name = memintro__w32_many_add(s, s->un.buf, s->nbuf, s->un.len);
                if (s->up.len) s->ri_path = memintro__w32_many_add(s, s->up.buf, s->pbuf, s->up.len);
            }
            for (r = 0; r < s->nrd; r++) {
                uint64_t va = s->rd[r].va;
                size_t done = 0;
                while (done < s->rd[r].len && s->npc < MEMINTRO__W32_MANY_PIECES) {
                    size_t room = (size_t)(psz - ((va + done) & (psz - 1)));
                    size_t l = s->rd[r].len - done < room ? s->rd[r].len - done : room;
                    x[s->npc].va = va + done;
                    off[s->npc] = done;
                    len[s->npc] = l;
                    s->prd[s->npc++] = r;
                    done += l;
                }
            }
            if (!s->npc) continue;
            if (memintro_virt_set_dtb(&pv, p[j].dtb, 0) != MEMINTRO_OK) { /* checked above: cannot happen */
                memintro__w32_many_done(s, MEMINTRO_E_INVALID);
                continue;
            }
            memintro_translate(&pv, x, s->npc);
            for (k = 0; k < s->npc; k++) {
                memintro__w32_mrd *d = &s->rd[s->prd[k]];
                if (x[k].status == MEMINTRO_OK) {
                    memintro__w32_fill(&ops[nops], x[k].pa, d->buf + off[k], len[k]);
                    s->gidx[k] = (uint32_t)nops++;
                } else {
                    MEMINTRO_MEMSET(d->buf + off[k], 0, len[k]);
                    s->gidx[k] = ~(uint32_t)0;
                    s->xst[k] = x[k].status;
                }
            }
        }
        if (!active) break;
        /* ONE physical batch for the round's data of every process */
        if (nops) memintro_phys_read(w->phys, ops, nops);
        for (j = 0; j < n; j++) {
            memintro__w32_many *s = &S[j];
            unsigned ps = s->ps;
            size_t k;
            memintro_status r0;
            if (s->phase == MEMINTRO__W32_M_DONE) continue;
            for (k = 0; k < s->npc; k++) {
                memintro_status st = s->gidx[k] == ~(uint32_t)0 ? s->xst[k] : ops[s->gidx[k]].status;
                memintro__w32_mrd *d = &s->rd[s->prd[k]];
                if (d->st == MEMINTRO_OK && st != MEMINTRO_OK) d->st = st;
                if (st == MEMINTRO_E_GONE) ret = MEMINTRO_E_GONE;
            }
            /* the entry of the round before, now with its strings */
            if (s->pending) {
                memintro_win32_module m;
                int stop;
                MEMINTRO_MEMSET(&m, 0, sizeof m);
                m.entry = s->m_entry;
                m.base = s->m_base;
                m.size = s->m_size;
                m.entry_point = s->m_ep;
                m.flags = s->m_flags;
                if ((s->ri_name != 0xff && s->rd[s->ri_name].st != MEMINTRO_OK) ||
                    (s->ri_path != 0xff && s->rd[s->ri_path].st != MEMINTRO_OK))
                    m.flags |= MEMINTRO_WIN32_MOD_PAGED;
                if (!memintro__w32_utf16_to_utf8(s->nbuf, s->un.len, m.name, sizeof m.name) || s->un.cut)
                    m.flags |= MEMINTRO_WIN32_MOD_TRUNCATED;
                if (!memintro__w32_utf16_to_utf8(s->pbuf, s->up.len, m.path, sizeof m.path) || s->up.cut)
                    m.flags |= MEMINTRO_WIN32_MOD_TRUNCATED;
                s->pending = 0;
                stop = fn(user, i0 + j, &p[j], &m);
                if (stop) {
                    memintro__w32_many_done(s, MEMINTRO_OK);
                    continue;
                }
            }
            if (s->phase == MEMINTRO__W32_M_TAIL) {
                memintro__w32_many_done(s, s->st);
                continue;
            }
            r0 = s->rd[0].st;
            if (r0 != MEMINTRO_OK) {
                memintro__w32_many_done(s, r0);
                continue;
            }
            if (s->phase == MEMINTRO__W32_M_LDR) {
                uint64_t ldr = memintro__w32_ptr(s->e, ps);
                if (!ldr) {
                    memintro__w32_many_done(s, MEMINTRO_E_NOTFOUND);
                    continue;
                }
                s->head = ldr + (ps == 8 ? 0x10 : 0x0c);
                s->phase = MEMINTRO__W32_M_HEAD;
            } else if (s->phase == MEMINTRO__W32_M_HEAD) {
                s->cur = memintro__w32_ptr(s->e, ps);
                s->prev = s->tort = s->head;
                memintro__w32_many_next(w, s, flags);
                if (s->phase == MEMINTRO__W32_M_TAIL) memintro__w32_many_done(s, s->st);
            } else {
                /* the entry: links, DllBase, EntryPoint, SizeOfImage, FullDllName, BaseDllName */
                const uint8_t *fields = s->e + (ps == 8 ? 0x30 : 0x18);
                if (memintro__w32_ptr(s->e + ps, ps) != s->prev) {
                    memintro__w32_many_done(s, MEMINTRO_E_FORMAT);
                    continue;
                }
                if (++s->count > MEMINTRO_WIN32_MAX_MODULES) {
                    memintro__w32_many_done(s, MEMINTRO_E_LIMIT);
                    continue;
                }
                s->m_entry = s->cur;
                s->m_base = memintro__w32_ptr(fields, ps);
                s->m_ep = memintro__w32_ptr(fields + ps, ps);
                s->m_size = memintro_get_u32(fields + 2 * ps);
                s->m_flags = ps == 4 ? (MEMINTRO_WIN32_MOD_WOW64 & flags) : 0;
                memintro__w32_ustr_decode(s->e + (ps == 8 ? 0x48 : 0x24), ps, sizeof((memintro_win32_module *)0)->path, &s->up);
                memintro__w32_ustr_decode(s->e + (ps == 8 ? 0x58 : 0x2c), ps, sizeof((memintro_win32_module *)0)->name, &s->un);
                s->pending = 1;
                s->prev = s->cur;
                s->cur = memintro__w32_ptr(s->e, ps);
                if (s->cur == s->tort && s->cur != s->head) {
                    s->phase = MEMINTRO__W32_M_TAIL;
                    s->st = MEMINTRO_E_FORMAT;
                    continue;
                }
                if (++s->lam == s->power) {
                    s->tort = s->cur;
                    s->power <<= 1;
                    s->lam = 0;
                }
                memintro__w32_many_next(w, s, flags);
            }
        }
    }
    for (j = 0; j < n; j++) {
        if (status) status[j] = S[j].st;
        if (S[j].st == MEMINTRO_E_GONE) ret = MEMINTRO_E_GONE;
    }
    return ret;
}

MEMINTRO__W32DEF memintro_status memintro_win32_modules_many(memintro_win32 *w, const memintro_win32_process *p,
                                                            size_t count, uint32_t flags, memintro_status *status,
                                                            memintro_win32_modules_many_fn fn, void *user, void *scratch,
                                                            size_t scratch_size)
{
    memintro__w32_many stack_s[MEMINTRO__W32_MANY_STACK];
    memintro_op stack_ops[MEMINTRO__W32_MANY_STACK * MEMINTRO__W32_MANY_PIECES];
    memintro__w32_many *S = stack_s;
    memintro_op *ops = stack_ops;
    size_t group = MEMINTRO__W32_MANY_STACK, i;
    memintro_status ret = MEMINTRO_OK, s;
    if (!w || !fn || (!p && count) || !w->system_process) return MEMINTRO_E_INVALID;
    if (scratch) {
        size_t per = sizeof(memintro__w32_many) + MEMINTRO__W32_MANY_PIECES * sizeof(memintro_op);
        uintptr_t a = (uintptr_t)scratch;
        size_t pad = (size_t)((16 - (a & 15)) & 15);
        if (scratch_size > pad && (scratch_size - pad) / per >= 1) {
            group = (scratch_size - pad) / per;
            S = (memintro__w32_many *)(void *)((uint8_t *)scratch + pad);
            ops = (memintro_op *)(void *)(S + group);
        }
    }
    for (i = 0; i < count; i += group) {
        size_t n = count - i < group ? count - i : group;
        s = memintro__w32_many_group(w, p + i, n, i, flags, status ? status + i : NULL, fn, user, S, ops);
        if (s != MEMINTRO_OK) ret = s;
    }
    return ret;
}

#ifdef __cplusplus
}
#endif


/* ---- implementation: hints from a target ------------------------------------------------ */

#ifdef MEMINTRO_TARGET_H
#ifdef __cplusplus
extern "C" {
#endif

static int memintro__w32_kaddr(memintro_arch a, uint64_t x)
{
    if (a == MEMINTRO_ARCH_X86_64) return x >= MEMINTRO__W32_KMIN64;
    return x >= MEMINTRO__W32_KMIN32 && x <= 0xffffffffull;
}

MEMINTRO__W32DEF void memintro_win32_hints_from_target(const memintro_target *t, memintro_win32_hints *h)
{
    size_t i;
    if (!h) return;
    MEMINTRO_MEMSET(h, 0, sizeof *h);
    if (!t) return;
    if (t->windows) {
        /* a Windows crash dump's header: its DirectoryTableBase is the CR3 of the process
           current at the crash (any process's DTB maps the kernel) */
        const memintro_coredump_windows *d = t->windows;
        if (d->machine_image_type == 0x8664 || (d->is64 && d->machine_image_type != 0x14c))
            h->arch = MEMINTRO_ARCH_X86_64;
        else if (d->machine_image_type == 0x14c || !d->is64)
            h->arch = d->pae_enabled ? MEMINTRO_ARCH_X86_PAE : MEMINTRO_ARCH_X86;
        h->dtb = d->directory_table_base;
        h->dtb_source = MEMINTRO_WIN32_SRC_DUMP;
        h->ps_active_process_head = d->ps_active_process_head;
        h->ps_loaded_module_list = d->ps_loaded_module_list;
        h->kd_debugger_data_block = d->kd_debugger_data_block;
        if (memintro__w32_kaddr(h->arch, d->context_rip)) h->kernel_address = d->context_rip;
    }
    if (!h->dtb && t->has_paging &&
        (t->paging.arch == MEMINTRO_ARCH_X86_64 || t->paging.arch == MEMINTRO_ARCH_X86_PAE || t->paging.arch == MEMINTRO_ARCH_X86)) {
        h->arch = t->paging.arch;
        h->dtb = t->paging.dtb;
        h->dtb_source = MEMINTRO_WIN32_SRC_CPU;
    }
    /* a vCPU in kernel mode holds an address inside the kernel (CPU 0 first) */
    if (!h->kernel_address && h->arch != MEMINTRO_ARCH_NONE && t->cpus) {
        for (i = 0; i < t->cpu_count; i++) {
            const memintro_cpu *c = &t->cpus[i];
            if (!(c->flags & MEMINTRO_CPU_GPRS) || !memintro__w32_kaddr(h->arch, c->rip)) continue;
            if (c->index == 0 || !h->kernel_address) h->kernel_address = c->rip;
            if (c->index == 0) break;
        }
    }
}

#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_TARGET_H */



/* private macros of the sections above */
#undef MEMINTRO__W32_KMIN64
#undef MEMINTRO__W32_UMAX64
#undef MEMINTRO__W32_KMIN32
#undef MEMINTRO__W32_UMAX32
#undef MEMINTRO__W32_STILL_ACTIVE
#undef MEMINTRO__W32_SPAN64
#undef MEMINTRO__W32_SPAN32
#undef MEMINTRO__W32_NEIGH
#undef MEMINTRO__W32_SCRATCH_PAGES
#undef MEMINTRO__W32_BATCH
#undef MEMINTRO__W32_WORK_BYTES
#undef MEMINTRO__W32_MAX_CAND
#undef MEMINTRO__W32_WIN64_LO
#undef MEMINTRO__W32_WIN64_HI
#undef MEMINTRO__W32_WIN32_LO
#undef MEMINTRO__W32_WIN32_HI
#undef MEMINTRO__W32_BACK_PAGES
#undef MEMINTRO__W32_SMALL_REGIONS
#undef MEMINTRO__W32_MANY_PIECES
#undef MEMINTRO__W32_MANY_STACK
#undef MEMINTRO__W32_M_LDR
#undef MEMINTRO__W32_M_HEAD
#undef MEMINTRO__W32_M_ENTRY
#undef MEMINTRO__W32_M_TAIL
#undef MEMINTRO__W32_M_DONE
#undef MEMINTRO__W32DEF

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
