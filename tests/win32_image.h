/* tests/win32_image.h: a generator of synthetic Windows guest-physical memory images for the
   tests and benchmarks of memintro_win32.h (hosted test header, C99, allocates).

   No Windows guest runs on the test machines, so the images are built here, laid out as real
   guests are: real page tables for the paging mode (x64 4-level, x86 PAE, x86 32-bit), the
   kernel half shared by every process and each process with its own DTB; kernel space mapped
   with large pages (2 MiB, 4 MiB) and 4 KiB pages in places; the x64 low stub
   (PROCESSOR_START_BLOCK) in a page below 1 MiB; a self-referencing top-level entry;
   ntoskrnl.exe as a PE image (MZ, PE header, sections .text, POOLCODE, INITKDBG, .data,
   .edata; an export directory named "ntoskrnl.exe" with PsInitialSystemProcess,
   PsLoadedModuleList, NtBuildNumber and a few functions; PsActiveProcessHead NOT exported);
   KUSER_SHARED_DATA; the EPROCESS ring with the offsets of the build (its own table below,
   each figure with its source); PEBs with PEB_LDR_DATA and LDR_DATA_TABLE_ENTRY lists in
   user space (UTF-16 names, some non-ASCII); WoW64 processes with a PEB32 and a 32-bit
   loader list; PsLoadedModuleList with KLDR_DATA_TABLE_ENTRY entries; every module a mapped
   PE image with exports (one with its export page paged out); RAM above 3 GiB behind a PCI
   hole as on a PC; damaged variants.

   Usage: include this header before any system header (it defines _DEFAULT_SOURCE), fill a
   w32i_options (zero fields: defaults), w32i_build(&o, &img), read the spec in img, write
   containers with w32i_write_raw / _crashdump / _elf, w32i_free(&img). No global state.

   Everything is SYNTHETIC: the structures follow the published layouts, the contents
   (names, pids, addresses) are made up here. Nothing here calls memintro: the expected
   results (w32i_image: processes, modules, kernel facts) are the generator's own spec, and
   the writers of the containers (raw, Windows crash dump, ELF core) are written from the
   formats' descriptions, independently of memintro_coredump.h.

   The image is a sparse anonymous mapping (pages never written stay unallocated), so a
   4 GiB image costs only what is written; the writers skip zero pages (sparse files). */
#ifndef MEMINTRO_TEST_WIN32_IMAGE_H
#define MEMINTRO_TEST_WIN32_IMAGE_H

/* mmap flags, mincore, pwrite: include this header before any system header (or define
   _DEFAULT_SOURCE yourself) */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "memintro.h" /* memintro_arch only */

typedef struct w32i_options {
    uint32_t build;       /* NtBuildNumber & 0xffff, e.g. 7601, 19045, 26100 */
    memintro_arch arch;   /* MEMINTRO_ARCH_X86_64, _X86_PAE or _X86 */
    uint32_t flags;       /* W32I_* below */
    uint64_t ram_size;    /* bytes of guest RAM (0: 64 MiB); may be 4 GiB or more (sparse); more
                             than 3 GiB: RAM below 3 GiB and from 4 GiB on, user pages above 4 GiB
                             (not for W32I 32-bit paging, which cannot address them) */
    uint32_t nprocs;      /* processes besides System (0: 8) */
    uint32_t nmods;       /* modules per user process (0: 4) */
    uint64_t seed;        /* varies addresses and the self-reference index (0: from build) */
} w32i_options;

#define W32I_NO_LOW_STUB 0x01   /* no PROCESSOR_START_BLOCK: the DTB must be found by scan */
#define W32I_UNKNOWN_BUILD 0x02 /* a build number missing from every table, with an EPROCESS
                                   layout of its own: the locator must find it */
#define W32I_CYCLE 0x04         /* the process list loops back into its middle */
#define W32I_WILD_POINTER 0x08  /* one process's Flink points at unmapped memory */
#define W32I_ABSURD_NAME 0x10   /* a module's UNICODE_STRING Length is 0xfffe / Buffer wild */
#define W32I_SELF_PTE 0x20      /* a page-table entry points at its own table (a loop) */
#define W32I_WOW64 0x40         /* (x64) some processes are WoW64 with a 32-bit module list */

/* The expected results, from the generator's own spec. Strings are UTF-8. */
/* One export of a module's PE image, as a correct export walk reports it (ordinal order). */
typedef struct w32i_export {
    uint32_t ordinal;     /* Base + index */
    uint32_t rva;         /* the function's RVA (a forwarder's: its string inside the directory) */
    char name[48];        /* "" when exported by ordinal only */
    char forwarder[48];   /* "DLL.Function" for a forwarder, else "" */
} w32i_export;

#define W32I_MAX_EXPORTS 12

typedef struct w32i_module {
    uint64_t base, size;
    char name[64];
    char path[260];
    int damaged;          /* W32I_ABSURD_NAME: this entry's BaseDllName is the absurd one */
    int pe;               /* a PE image is mapped at base: headers (page 0), the export
                             directory (page 1), code (page 2) */
    int pe_paged;         /* ... but its export directory page is not mapped (paged out) */
    char export_name[64]; /* the export directory's Name ("" without exports) */
    uint32_t nexports;
    w32i_export exports[W32I_MAX_EXPORTS];
} w32i_module;

typedef struct w32i_process {
    uint64_t eprocess, pid, ppid, dtb, peb, peb32;
    char name[16];
    int wow64, exited;
    uint32_t nmods, nmods32;
    w32i_module *mods, *mods32;
    uint64_t section_base;        /* the main image's base (0 for System and Registry) */
    uint64_t create_time, exit_time; /* FILETIME */
    uint32_t exit_status;         /* 0x103 (STILL_ACTIVE) while it runs */
    uint64_t marker_va;           /* a user address of this process holding marker[] */
    char marker[32];              /* (the same address in every process, other bytes) */
} w32i_process;

typedef struct w32i_image {
    uint8_t *mem;
    uint64_t size;        /* guest-physical bytes [0, size) (the PCI hole included: see runs) */
    memintro_arch arch;
    uint32_t build, major, minor;
    uint64_t dtb, kernel_base, kernel_size, system_eprocess, ps_active_process_head,
        ps_loaded_module_list, kd_debugger_data_block,
        kernel_rip;       /* an address inside ntoskrnl, as a vCPU would hold */
    uint32_t nprocs;
    w32i_process *procs;  /* System first, in list order */
    uint32_t nkmods;
    w32i_module *kmods;   /* kernel modules, ntoskrnl.exe first */
    uint32_t walk_limit;  /* how many processes a correct walk reports (damaged variants:
                             before it stops with a status; else nprocs) */
    int damaged;          /* the process list is damaged (W32I_CYCLE, _WILD_POINTER, _SELF_PTE):
                             a correct walk reports walk_limit entries, then a non-OK status */
    /* more facts of the spec */
    uint64_t low_stub;    /* physical address of the low stub page (0: none) */
    uint32_t self_index;  /* x64: the self-referencing PML4 index */
    int unknown_build;    /* the EPROCESS layout is not the one of any table */
    uint32_t nruns;       /* physical memory runs (as a crash dump lists them) */
    uint64_t run_start[4], run_size[4];
    const char *off_source; /* where the EPROCESS figures used came from */
    uint16_t off_pid, off_links, off_name, off_peb, off_ppid, off_dtb, off_wow64;
} w32i_image;

static inline int w32i_build(const w32i_options *o, w32i_image *img); /* 0 on success */
static inline void w32i_free(w32i_image *img);
static inline int w32i_write_raw(const w32i_image *img, const char *path);
static inline int w32i_write_crashdump(const w32i_image *img, const char *path);
static inline int w32i_write_elf(const w32i_image *img, const char *path);

/* ---- the offsets table of the generator ----------------------------------------------------
   KPROCESS.DirectoryTableBase: 0x28 on x64, 0x18 on x86, every build here (the _KPROCESS of
   the same headers; formats.md section 5). The other EPROCESS figures per build below.
   Sources, each figure read from the _EPROCESS layout of that build:
     [nd]  ntdiff/headers: <version>/<arch>/System32/{ntdll.dll,ntoskrnl.exe}/Standalone/
           _EPROCESS.h (structures dumped from Microsoft's symbol files), with the folder named
           in each row; "(by content)" marks a file found by its content whose folder the index
           did not name;
     [mf]  memflow-win32 offsets as quoted in formats.md section 5;
     [io]  I3r1h0n/eprocess_offsets README (UniqueProcessId, ActiveProcessLinks: Vergilius);
     [gc]  Geoff Chappell's EPROCESS page (structure sizes only, used as a cross-check).
   Where a figure was not in the part of the layout read, it is carried over from the build
   on both sides when they agree, and marked "(carried)".
   Disagreements found:
     - x64 7601: [mf] ImageFileName 0x2E0 / Peb 0x338 / Wow64Process 0x320 (size 0x4D0 as [gc]
       gives for 6.1); [nd] Win7_SP1 ntdll.dll: 0x2D8 / 0x330 / 0x318 (size 0x4C8, no
       FreeUmsTebHint), as vmread's 0x2D8. The table follows [mf]/[gc]; ExitStatus 0x444 is
       [nd]'s 0x43C moved by the same 8 bytes (VadRoot 0x448 as formats.md says for Win7).
     - x64 18362: the [nd] Win10_1903_19H1 file at commit 34fa37e is a copy of the 1809 one
       (same size 0x850, SectionBaseAddress 0x3C0); the one at 42c185d (size 0x880,
       SectionBaseAddress 0x3C8 as [mf]) is used. No x86 18362 layout was found: x86 18362 is
       NOT in this table.
   Wow64Process (x64): < 10240 the value is the PEB32 itself; from 10240 it points to an
   EWOW64PROCESS whose Peb (+0) is the PEB32 - the contract memintro_win32_offsets.wow64_peb
   documents. [nd] types the field void* Wow64Process up to 10240 and struct _EWOW64PROCESS*
   WoW64Process from 10586 (unverified which of the two 10240 really does). The PEB32 lies
   0x1000 after the PEB on 8+ and 0x1000 before it on 7 (MemProcFS, formats.md). */
typedef struct w32i_off {
    uint32_t build_min, build_max;
    int is64;
    uint16_t pid, links, ppid, name, peb, wow64, section_base, create_time, exit_time, exit_status;
    const char *source;
} w32i_off;

static const w32i_off w32i__offs[] = {
    /*  builds          64  pid    links  ppid   name   peb    wow64  section create exit_t exit_s */
    {7601, 7601, 1, 0x180, 0x188, 0x290, 0x2e0, 0x338, 0x320, 0x270, 0x168, 0x170, 0x444,
     "[mf] pid/links/name/peb/section/wow64; [nd] Win7_SP1 ppid/times, ExitStatus +8 (see above)"},
    {9200, 9200, 1, 0x2e0, 0x2e8, 0x3d0, 0x438, 0x3e8, 0x418, 0x3b0, 0x2d0, 0x610, 0x58c, "[nd] Win8 x64 (size 0x660 = [gc])"},
    {9600, 9600, 1, 0x2e0, 0x2e8, 0x3d0, 0x438, 0x3e8, 0x418, 0x3b0, 0x2d0, 0x640, 0x5d4,
     "[nd] Win8.1 x64 (size 0x6B8 = [gc]); pid/links/create (carried) from Win8"},
    {10240, 10240, 1, 0x2e8, 0x2f0, 0x3e0, 0x448, 0x3f8, 0x428, 0x3c0, 0x308, 0x670, 0x604, "[nd] Win10_1507_TS1 x64 (size 0x798 = [gc]); [io]"},
    {10586, 10586, 1, 0x2e8, 0x2f0, 0x3e0, 0x450, 0x3f8, 0x428, 0x3c0, 0x308, 0x678, 0x60c,
     "[nd] Win10_1511_TS2 x64 (size 0x788 = [gc]); [io]; create (carried)"},
    {14393, 14393, 1, 0x2e8, 0x2f0, 0x3e0, 0x450, 0x3f8, 0x428, 0x3c0, 0x308, 0x688, 0x61c, "[nd] Win10_1607_RS1 x64 (size 0x7B0 = [gc]); [io]"},
    {15063, 17134, 1, 0x2e0, 0x2e8, 0x3e0, 0x450, 0x3f8, 0x428, 0x3c0, 0x308, 0x690, 0x624,
     "[nd] Win10_1703_RS2 x64 and Win10_1809_RS5 (identical here); 16299/17134 (carried); [io]"},
    {17763, 17763, 1, 0x2e0, 0x2e8, 0x3e0, 0x450, 0x3f8, 0x428, 0x3c0, 0x308, 0x690, 0x624, "[nd] Win10_1809_RS5 x64 (size 0x850); [io]"},
    {18362, 18363, 1, 0x2e8, 0x2f0, 0x3e8, 0x450, 0x3f8, 0x428, 0x3c8, 0x310, 0x6c0, 0x654,
     "[nd] Win10_1903_19H1 x64 at 42c185d (size 0x880); [mf] 18362; [io]; create 0x310 (derived: +8 before pid)"},
    {19041, 19045, 1, 0x440, 0x448, 0x540, 0x5a8, 0x550, 0x580, 0x520, 0x468, 0x840, 0x7d4,
     "[nd] Win10_2004_20H1 x64 (size 0xA40); [mf] 19041/19045; [io]"},
    {22000, 22631, 1, 0x440, 0x448, 0x540, 0x5a8, 0x550, 0x580, 0x520, 0x468, 0x840, 0x7d4,
     "[nd] Win11_2209_22H2 x64 ntoskrnl.exe (size 0xB80); 22000 (carried) with [io]"},
    {26100, 26100, 1, 0x1d0, 0x1d8, 0x2d0, 0x338, 0x2e0, 0x310, 0x2b0, 0x1f8, 0x5c0, 0x554,
     "[nd] Win11_2409_24H2 x64 ntoskrnl.exe"},
    /* x86 (no Wow64Process) */
    {7601, 7601, 0, 0x0b4, 0x0b8, 0x140, 0x16c, 0x1a8, 0, 0x12c, 0x0a0, 0x0a8, 0x274, "[nd] Win7_SP1 x86 (size 0x2C0 = [gc]); [mf]"},
    {9200, 9200, 0, 0x0b4, 0x0b8, 0x134, 0x170, 0x140, 0, 0x120, 0x0a8, 0x2b8, 0x270, "[nd] Win8 x86 (size 0x2E8 = [gc])"},
    {9600, 9600, 0, 0x0b4, 0x0b8, 0x134, 0x170, 0x140, 0, 0x120, 0x0a8, 0x2b0, 0x270, "[nd] Win8.1 x86 (size 0x2F8 = [gc])"},
    {10240, 10240, 0, 0x0b4, 0x0b8, 0x138, 0x170, 0x144, 0, 0x128, 0x0c8, 0x2c0, 0x280,
     "[nd] Win10_1507_TS1 x86 (size 0x380 = [gc]); pid/links (carried)"},
    {10586, 10586, 0, 0x0b4, 0x0b8, 0x138, 0x174, 0x144, 0, 0x128, 0x0c8, 0x2c0, 0x280,
     "[nd] Win10_1511_TS2 x86 (size 0x370 = [gc]); pid/links (carried)"},
    {14393, 14393, 0, 0x0b4, 0x0b8, 0x138, 0x174, 0x144, 0, 0x128, 0x0c8, 0x2c8, 0x288,
     "[nd] Win10_1607_RS1 x86 (size 0x388 = [gc]); pid/links (carried)"},
    {15063, 16299, 0, 0x0b4, 0x0b8, 0x140, 0x17c, 0x14c, 0, 0x130, 0x0d0, 0x2d0, 0x294,
     "[nd] Win10_1703_RS2 and Win10_1709_RS3 x86; pid/links (carried from 1809)"},
    {17134, 17763, 0, 0x0b4, 0x0b8, 0x140, 0x17c, 0x14c, 0, 0x130, 0x0d0, 0x2d8, 0x298,
     "[nd] Win10_1803_RS4 and Win10_1809_RS5 x86 (1809 size 0x3F0)"},
    {19041, 19045, 0, 0x0e4, 0x0e8, 0x170, 0x1ac, 0x17c, 0, 0x160, 0x100, 0x388, 0x34c,
     "[mf] 19041 x86 pid/links/name/peb/section; [nd] (by content) 2004 x86 layout"},
};

/* ---- little-endian stores and the generator's state ---------------------------------------- */

static inline void w32i__le(uint8_t *p, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t w32i__rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

typedef struct w32i__gen {
    w32i_image *img;
    const w32i_options *o;
    int is64, pae;          /* mode */
    unsigned ptr;           /* pointer size: 8 or 4 */
    uint64_t next_pa;       /* bump allocator of physical pages */
    uint64_t next_hi;       /* the same above 4 GiB for user pages (0: none) */
    unsigned flip;          /* alternates user pages between low and high */
    uint64_t pdpt_page;     /* PAE: the page the processes' PDPTs are carved from */
    unsigned pdpt_used;     /* ... its next free 32-byte slot */
    uint64_t skip_lo, skip_hi; /* a physical range the allocator skips (the kernel image) */
    uint64_t sys_root;      /* the kernel DTB */
    uint64_t pool_va, pool_end, pool_next; /* pre-mapped kernel pool (bump allocator) */
    uint64_t rng;
    w32i_off off;
    uint16_t dtb_off;
    int failed;
} w32i__gen;

static uint64_t w32i__rand(w32i__gen *g)
{
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return g->rng * 0x2545F4914F6CDD1Dull;
}

/* A zeroed physical page (the image is zero where never written). */
static uint64_t w32i__page(w32i__gen *g)
{
    uint64_t pa = g->next_pa;
    if (pa >= g->skip_lo && pa < g->skip_hi) pa = g->skip_hi;
    if (pa + 4096 > g->img->size) {
        g->failed = 1;
        return 0x1000; /* any page: the build fails anyway */
    }
    g->next_pa = pa + 4096;
    return pa;
}

static inline void w32i__pput(w32i__gen *g, uint64_t pa, uint64_t v, unsigned n)
{
    if (pa + n <= g->img->size) w32i__le(g->img->mem + pa, v, n);
}
static inline uint64_t w32i__pget(w32i__gen *g, uint64_t pa, unsigned n)
{
    return pa + n <= g->img->size ? w32i__rd(g->img->mem + pa, n) : 0;
}

/* ---- page tables ----------------------------------------------------------------------------
   Entry flags: 0x63 kernel (P RW A D), 0x67 user (P RW US A D), PS 0x80 for large pages. */
#define W32I__K 0x63ull
#define W32I__U 0x67ull

/* The table entry address of `va` at `level` (x64: 3 PML4 .. 0 PT; PAE: 2 PDPT, 1 PD, 0 PT;
   x86: 1 PD, 0 PT), creating the tables above it with `flags`. */
static uint64_t w32i__slot(w32i__gen *g, uint64_t root, uint64_t va, int level, uint64_t flags)
{
    uint64_t table = root;
    int l, top = g->is64 ? 3 : g->pae ? 2 : 1;
    for (l = top; l > level; l--) {
        uint64_t idx, e, ea;
        unsigned esz = g->is64 || g->pae ? 8 : 4;
        if (g->is64)
            idx = (va >> (12 + 9 * l)) & 511;
        else if (g->pae)
            idx = l == 2 ? (va >> 30) & 3 : (va >> (12 + 9 * l)) & 511;
        else
            idx = (va >> (12 + 10 * l)) & 1023;
        ea = table + idx * esz;
        e = w32i__pget(g, ea, esz);
        if (!(e & 1)) {
            uint64_t t = w32i__page(g);
            /* PAE PDPT entries have no RW/US/A/D bits */
            e = t | (g->pae && l == 2 ? 1 : flags);
            w32i__pput(g, ea, e, esz);
        }
        table = e & (g->is64 || g->pae ? 0x000ffffffffff000ull : 0xfffff000ull);
    }
    {
        uint64_t idx;
        unsigned esz = g->is64 || g->pae ? 8 : 4;
        if (g->is64 || (g->pae && level < 2))
            idx = (va >> (12 + 9 * level)) & 511;
        else if (g->pae)
            idx = (va >> 30) & 3;
        else
            idx = (va >> (12 + 10 * level)) & 1023;
        return table + idx * esz;
    }
}

/* Maps the 4 KiB page at va to pa. */
static void w32i__map4k(w32i__gen *g, uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t s = w32i__slot(g, root, va, 0, flags);
    w32i__pput(g, s, pa | flags, g->is64 || g->pae ? 8 : 4);
}
/* Maps a large page (2 MiB x64/PAE, 4 MiB x86) at va to pa. */
static void w32i__maplarge(w32i__gen *g, uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t s = w32i__slot(g, root, va, 1, flags);
    w32i__pput(g, s, pa | flags | 0x80, g->is64 || g->pae ? 8 : 4);
}
static uint64_t w32i__large(const w32i__gen *g) { return g->is64 || g->pae ? 0x200000ull : 0x400000ull; }

/* The generator's own walk (for its writes through virtual addresses): the physical address
   of va in the space `root`, or ~0 when it is not mapped. */
static uint64_t w32i__v2p(w32i__gen *g, uint64_t root, uint64_t va)
{
    int l, top = g->is64 ? 3 : g->pae ? 2 : 1;
    uint64_t table = root;
    unsigned esz = g->is64 || g->pae ? 8 : 4;
    uint64_t fmask = g->is64 || g->pae ? 0x000ffffffffff000ull : 0xfffff000ull;
    for (l = top; l >= 0; l--) {
        uint64_t idx, e;
        if (g->is64)
            idx = (va >> (12 + 9 * l)) & 511;
        else if (g->pae)
            idx = l == 2 ? (va >> 30) & 3 : (va >> (12 + 9 * l)) & 511;
        else
            idx = (va >> (12 + 10 * l)) & 1023;
        e = w32i__pget(g, table + idx * esz, esz);
        if (!(e & 1)) return ~0ull;
        if (l == 1 && (e & 0x80)) {
            uint64_t lsz = w32i__large(g);
            return (e & fmask & ~(lsz - 1)) + (va & (lsz - 1));
        }
        table = e & fmask;
    }
    return table + (va & 0xfff);
}

/* Writes n bytes at virtual address va of space root (every page must be mapped). */
static void w32i__vwrite(w32i__gen *g, uint64_t root, uint64_t va, const void *data, uint64_t n)
{
    const uint8_t *d = (const uint8_t *)data;
    while (n) {
        uint64_t pa = w32i__v2p(g, root, va), chunk = 4096 - (va & 0xfff);
        if (chunk > n) chunk = n;
        if (pa == ~0ull || pa + chunk > g->img->size) {
            g->failed = 1;
            return;
        }
        memcpy(g->img->mem + pa, d, (size_t)chunk);
        d += chunk;
        va += chunk;
        n -= chunk;
    }
}
static void w32i__vput(w32i__gen *g, uint64_t root, uint64_t va, uint64_t v, unsigned n)
{
    uint8_t b[8];
    w32i__le(b, v, n);
    w32i__vwrite(g, root, va, b, n);
}
static inline uint64_t w32i__vget(w32i__gen *g, uint64_t root, uint64_t va, unsigned n)
{
    uint64_t pa = w32i__v2p(g, root, va);
    return pa == ~0ull ? 0 : w32i__pget(g, pa, n);
}

/* A user page: above 4 GiB when the machine has RAM there (every other one, so that page
   tables mix low and high frames), else as w32i__page. */
static uint64_t w32i__upage(w32i__gen *g)
{
    if (g->next_hi && (++g->flip & 1) && g->next_hi + 4096 <= g->img->size) {
        uint64_t pa = g->next_hi;
        g->next_hi += 4096;
        return pa;
    }
    return w32i__page(g);
}

/* Maps npages fresh 4 KiB pages at va (physically scattered as the allocator gives them;
   user pages may lie above 4 GiB). */
static void w32i__vmap(w32i__gen *g, uint64_t root, uint64_t va, uint64_t npages, uint64_t flags)
{
    uint64_t i;
    for (i = 0; i < npages; i++)
        w32i__map4k(g, root, va + 4096 * i, (flags & 4) ? w32i__upage(g) : w32i__page(g), flags);
}

/* Kernel pool: n bytes, 16-aligned, from the pre-mapped pool region. */
static uint64_t w32i__kalloc(w32i__gen *g, uint64_t n)
{
    uint64_t a = (g->pool_next + 15) & ~15ull;
    if (a + n > g->pool_end) {
        g->failed = 1;
        return g->pool_va;
    }
    g->pool_next = a + n;
    return a;
}

/* ---- strings ----------------------------------------------------------------------------- */

/* UTF-8 to UTF-16LE; returns the byte length. */
static unsigned w32i__utf16(const char *s, uint8_t *out, unsigned cap)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned n = 0;
    while (*p) {
        uint32_t c = *p++;
        if (c >= 0xf0) {
            c = ((c & 7) << 18) | ((p[0] & 0x3fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
            p += 3;
        } else if (c >= 0xe0) {
            c = ((c & 15) << 12) | ((p[0] & 0x3fu) << 6) | (p[1] & 0x3fu);
            p += 2;
        } else if (c >= 0xc0) {
            c = ((c & 31) << 6) | (p[0] & 0x3fu);
            p += 1;
        }
        if (c >= 0x10000) {
            c -= 0x10000;
            if (n + 4 > cap) break;
            w32i__le(out + n, 0xd800 + (c >> 10), 2);
            w32i__le(out + n + 2, 0xdc00 + (c & 0x3ff), 2);
            n += 4;
        } else {
            if (n + 2 > cap) break;
            w32i__le(out + n, c, 2);
            n += 2;
        }
    }
    return n;
}

/* Writes a UNICODE_STRING at `us` (in space root) whose buffer is allocated by `alloc_va`
   (a bump pointer in that space, advanced). Len/Max/Buffer as Windows lays them out: x64
   {u16 Length, u16 MaximumLength, u32 pad, u64 Buffer}; 32-bit {u16, u16, u32 Buffer}. */
static void w32i__ustr(w32i__gen *g, uint64_t root, uint64_t us, int wide, const char *s, uint64_t *alloc_va)
{
    uint8_t buf[1200];
    unsigned n = w32i__utf16(s, buf, sizeof buf - 2);
    uint64_t b = (*alloc_va + 7) & ~7ull;
    buf[n] = buf[n + 1] = 0;
    w32i__vwrite(g, root, b, buf, n + 2);
    *alloc_va = b + n + 2;
    w32i__vput(g, root, us, n, 2);
    w32i__vput(g, root, us + 2, n + 2, 2);
    if (wide)
        w32i__vput(g, root, us + 8, b, 8);
    else
        w32i__vput(g, root, us + 4, b, 4);
}

/* ---- the build's facts ----------------------------------------------------------------------- */

static inline const w32i_off *w32i_offsets_find(uint32_t build, int is64)
{
    size_t i;
    for (i = 0; i < sizeof w32i__offs / sizeof w32i__offs[0]; i++)
        if (w32i__offs[i].is64 == is64 && build >= w32i__offs[i].build_min && build <= w32i__offs[i].build_max)
            return &w32i__offs[i];
    return 0;
}

/* ---- the builder ----------------------------------------------------------------------------- */

static const char *const w32i__pnames[] = {"smss.exe", "csrss.exe", "wininit.exe", "services.exe", "lsass.exe",
                                           "svchost.exe", "winlogon.exe", "explorer.exe", "notepad.exe",
                                           "SearchIndexer.exe", "MsMpEng.exe", "conhost.exe"};
static const char *const w32i__dlls[] = {"ntdll.dll", "kernel32.dll", "KERNELBASE.dll", "user32.dll", "gdi32.dll",
                                         "advapi32.dll", "msvcrt.dll", "sechost.dll", "rpcrt4.dll", "combase.dll",
                                         "ole32.dll", "shell32.dll"};
static const char *const w32i__kmods[] = {"hal.dll", "kd.dll", "mcupdate_GenuineIntel.dll", "CLFS.SYS", "tm.sys",
                                          "PSHED.dll", "BOOTVID.dll", "ci.dll", "msrpc.sys", "ndis.sys",
                                          "tcpip.sys", "volmgr.sys"};

/* Writes one LDR_DATA_TABLE_ENTRY-like entry (64-bit: wide, else 32-bit). Returns its VA. */
static uint64_t w32i__ldr_entry(w32i__gen *g, uint64_t root, int wide, uint64_t va, const w32i_module *m,
                                uint64_t *strs, int absurd)
{
    unsigned p = wide ? 8 : 4;
    w32i__vput(g, root, va + (wide ? 0x30 : 0x18), m->base, p);
    w32i__vput(g, root, va + (wide ? 0x38 : 0x1c), m->base + 0x1000 + (m->size > 0x2000 ? 0x1000 : 0), p);
    w32i__vput(g, root, va + (wide ? 0x40 : 0x20), m->size, 4);
    w32i__ustr(g, root, va + (wide ? 0x48 : 0x24), wide, m->path, strs);
    w32i__ustr(g, root, va + (wide ? 0x58 : 0x2c), wide, m->name, strs);
    if (absurd) {
        /* Length 0xfffe, MaximumLength 0xfffe, Buffer at an address nothing maps */
        uint64_t wild = wide ? 0x00007ff0deadb000ull : 0x6dead000ull;
        w32i__vput(g, root, va + (wide ? 0x58 : 0x2c), 0xfffe, 2);
        w32i__vput(g, root, va + (wide ? 0x58 : 0x2c) + 2, 0xfffe, 2);
        w32i__vput(g, root, va + (wide ? 0x60 : 0x30), wild, p);
    }
    return va;
}

/* Links entries e[0..n) at link offset `lo` into a ring with the head at `head`. */
static void w32i__ring(w32i__gen *g, uint64_t root, int wide, uint64_t head, const uint64_t *e, uint32_t n,
                       unsigned lo)
{
    unsigned p = wide ? 8 : 4;
    uint32_t i;
    for (i = 0; i <= n; i++) {
        uint64_t cur = i == 0 ? head : e[i - 1] + lo;
        uint64_t nxt = i == n ? head : e[i] + lo;
        w32i__vput(g, root, cur, nxt, p);      /* cur.Flink */
        w32i__vput(g, root, nxt + p, cur, p);  /* nxt.Blink */
    }
}

static void w32i__set_name(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* A module's PE image at m->base in space root (PE32+ when is64, else PE32): page 0 the
   headers (sections .text at 0x2000 and .edata at 0x1000), page 1 the export directory
   (unless paged: then that page is left unmapped, as a paged-out page is), page 2 code. The
   exports are filled into m (names sorted, one export by ordinal only, kernel32's HeapAlloc a
   forwarder to NTDLL.RtlAllocateHeap); a .exe gets no export directory. */
static void w32i__pe_module(w32i__gen *g, uint64_t root, int is64, uint64_t flags, w32i_module *m, int paged)
{
    static const char *const k32[] = {"CloseHandle", "CreateFileW", "ExitProcess", "GetProcAddress", "HeapAlloc"};
    static const char *const ntd[] = {"LdrLoadDll", "NtClose", "NtCreateFile", "RtlAllocateHeap", "RtlGetVersion"};
    static const char *const hal[] = {"HalReturnToFirmware", "KeQueryPerformanceCounter"};
    static const char *const def[] = {"Initialize", "Shutdown"};
    const char *const *names = def;
    uint32_t nn = 2, i, base_ord = 1, opt = 0x100 + 24, optsz = is64 ? 0xf0 : 0xe0;
    size_t ln = strlen(m->name);
    int exe = ln > 4 && (!strcmp(m->name + ln - 4, ".exe") || !strcmp(m->name + ln - 4, ".EXE"));
    uint8_t h[4096], e[4096];
    uint32_t funcs = 0x1080, nmp = 0x1100, ords = 0x1180, str = 0x1200;
    if (!strcmp(m->name, "kernel32.dll")) names = k32, nn = 5;
    else if (!strcmp(m->name, "ntdll.dll")) names = ntd, nn = 5;
    else if (!strcmp(m->name, "hal.dll")) names = hal, nn = 2;
    memset(h, 0, sizeof h);
    memset(e, 0, sizeof e);
    h[0] = 'M';
    h[1] = 'Z';
    w32i__le(h + 0x3c, 0x100, 4);
    memcpy(h + 0x100, "PE\0\0", 4);
    w32i__le(h + 0x104, is64 ? 0x8664 : 0x14c, 2);
    w32i__le(h + 0x106, 2, 2);
    w32i__le(h + 0x108, 0x5e000000u + (uint32_t)(m->size >> 12), 4);
    w32i__le(h + 0x114, optsz, 2);
    w32i__le(h + 0x116, exe ? (is64 ? 0x22 : 0x102) : (is64 ? 0x2022 : 0x2102), 2);
    w32i__le(h + opt, is64 ? 0x20b : 0x10b, 2);
    w32i__le(h + opt + 16, 0x2000, 4);
    w32i__le(h + opt + 20, 0x2000, 4);
    if (is64)
        w32i__le(h + opt + 24, m->base, 8);
    else
        w32i__le(h + opt + 28, m->base, 4);
    w32i__le(h + opt + 32, 0x1000, 4);
    w32i__le(h + opt + 36, 0x200, 4);
    w32i__le(h + opt + 56, m->size, 4);
    w32i__le(h + opt + 60, 0x1000, 4);
    w32i__le(h + opt + 68, exe ? 2 : 3, 2); /* GUI / console */
    w32i__le(h + opt + (is64 ? 108 : 92), 16, 4);
    {
        uint8_t *sec = h + opt + optsz;
        memcpy(sec, ".edata", 6);
        w32i__le(sec + 8, 0x1000, 4);
        w32i__le(sec + 12, 0x1000, 4);
        w32i__le(sec + 16, 0x1000, 4);
        w32i__le(sec + 20, 0x400, 4);
        w32i__le(sec + 36, 0x40000040, 4);
        sec += 40;
        memcpy(sec, ".text", 5);
        w32i__le(sec + 8, 0x1000, 4);
        w32i__le(sec + 12, 0x2000, 4);
        w32i__le(sec + 16, 0x1000, 4);
        w32i__le(sec + 20, 0x1400, 4);
        w32i__le(sec + 36, 0x60000020, 4);
    }
    m->pe = 1;
    m->pe_paged = paged;
    m->nexports = 0;
    m->export_name[0] = 0;
    if (!exe) {
        uint32_t dd = opt + (is64 ? 112 : 96), nf = nn + 1;
        w32i__le(h + dd, 0x1000, 4); /* export directory: the whole page */
        w32i__le(h + dd + 4, 0x1000, 4);
        w32i__set_name(m->export_name, sizeof m->export_name, m->name);
        w32i__le(e + 4, 0x5e000000u, 4);
        w32i__le(e + 12, 0x1040, 4);                 /* Name */
        w32i__le(e + 16, base_ord, 4);               /* Base */
        w32i__le(e + 20, nf, 4);                     /* NumberOfFunctions */
        w32i__le(e + 24, nn, 4);                     /* NumberOfNames */
        w32i__le(e + 28, funcs, 4);
        w32i__le(e + 32, nmp, 4);
        w32i__le(e + 36, ords, 4);
        memcpy(e + 0x40, m->name, ln < 0x3f ? ln : 0x3f);
        for (i = 0; i < nf; i++) {
            w32i_export *x = &m->exports[i];
            memset(x, 0, sizeof *x);
            x->ordinal = base_ord + i;
            x->rva = 0x2000 + 0x10 * i;
            if (i < nn) {
                size_t k = strlen(names[i]) + 1;
                w32i__set_name(x->name, sizeof x->name, names[i]);
                w32i__le(e + (nmp - 0x1000) + 4 * i, str, 4);
                w32i__le(e + (ords - 0x1000) + 2 * i, i, 2);
                memcpy(e + (str - 0x1000), names[i], k);
                str += (uint32_t)k;
                if (!strcmp(names[i], "HeapAlloc")) {
                    /* a forwarder: the RVA of its string, inside the export directory */
                    static const char fw[] = "NTDLL.RtlAllocateHeap";
                    x->rva = str;
                    w32i__set_name(x->forwarder, sizeof x->forwarder, fw);
                    memcpy(e + (str - 0x1000), fw, sizeof fw);
                    str += sizeof fw;
                }
            }
            w32i__le(e + (funcs - 0x1000) + 4 * i, x->rva, 4);
        }
        m->nexports = nf;
    }
    w32i__vmap(g, root, m->base, 1, flags);
    w32i__vwrite(g, root, m->base, h, sizeof h);
    if (!paged) {
        w32i__vmap(g, root, m->base + 0x1000, 1, flags);
        w32i__vwrite(g, root, m->base + 0x1000, e, sizeof e);
    }
    w32i__vmap(g, root, m->base + 0x2000, 1, flags);
    for (i = 0; i < 8; i++) w32i__vput(g, root, m->base + 0x2000 + 0x10 * i, 0xccccccc3u, 4); /* ret; int3 */
}

/* A user module list for process p (wide: the native 64-bit list, else 32-bit). */
static void w32i__user_modules(w32i__gen *g, w32i_process *p, uint64_t root, int wide, int wow_native, uint32_t n,
                               w32i_module *mods, uint64_t peb, uint64_t heap, int absurd_idx)
{
    uint64_t ldr = heap, strs, *ents;
    uint32_t i;
    unsigned pw = wide ? 8 : 4;
    const char *sysdir = wide ? "C:\\Windows\\System32\\" : (g->is64 ? "C:\\Windows\\SysWOW64\\" : "C:\\Windows\\System32\\");
    ents = (uint64_t *)calloc(n + 1, sizeof *ents);
    strs = heap + 0x80 + (uint64_t)n * 0x140;
    for (i = 0; i < n; i++) {
        w32i_module *m = &mods[i];
        char path[300];
        if (i == 0) {
            w32i__set_name(m->name, sizeof m->name, p->name);
            if (!strcmp(p->name, "explorer.exe"))
                snprintf(path, sizeof path, "C:\\Windows\\%s", p->name);
            else if (!strcmp(p->name, "notepad.exe"))
                /* non-ASCII path: a user's folder (BMP characters and one outside the BMP) */
                snprintf(path, sizeof path, "C:\\Users\\J\xc3\xbcrgen M\xc3\xbcller\\\xe6\xb5\x8b\xe8\xaf\x95\\\xf0\x9f\x93\x9d\\%s", p->name);
            else
                snprintf(path, sizeof path, "%s%s", wide ? "C:\\Windows\\System32\\" : sysdir, p->name);
            /* a 64-bit image high (ASLR), a 32-bit one (or a WoW64 process's) low */
            if (wide && !wow_native)
                m->base = 0x00007ff600000000ull + ((uint64_t)(p->pid & 0xfff) << 20);
            else
                m->base = 0x00c00000ull + ((uint64_t)(p->pid & 0xff) << 16);
            m->size = 0x20000 + ((p->pid & 7) << 12);
        } else {
            const char *dn;
            if (wow_native && i < 5) {
                static const char *const wn[] = {"", "ntdll.dll", "wow64.dll", "wow64win.dll", "wow64cpu.dll"};
                dn = wn[i];
            } else if (i == 5 && n > 6) {
                dn = "\xc3\x9c" "bersetzer-\xce\xb1\xce\xb2\xce\xb3.dll"; /* non-ASCII name */
            } else
                dn = w32i__dlls[(i - 1) % (sizeof w32i__dlls / sizeof w32i__dlls[0])];
            w32i__set_name(m->name, sizeof m->name, dn);
            snprintf(path, sizeof path, "%s%s", wow_native ? "C:\\Windows\\System32\\" : sysdir, dn);
            if (wide)
                m->base = 0x00007ffd00000000ull + ((uint64_t)i << 24);
            else
                m->base = 0x77000000ull - ((uint64_t)i << 20);
            m->size = 0x1000 * (16 + 7 * i);
        }
        w32i__set_name(m->path, sizeof m->path, path);
        /* the image (a WoW64 process's exe once, in its native list); module 3 with its
           export directory paged out */
        if (i == 0 && !wide && g->is64) {
            m->pe = p->mods[0].pe; /* a WoW64 process's exe: the image its native list maps */
            m->pe_paged = 0;
            m->nexports = 0;
            m->export_name[0] = 0;
        } else
            w32i__pe_module(g, root, wide || wow_native ? (i == 0 && wow_native ? 0 : g->is64) : 0, W32I__U, m, i == 3);
        ents[i] = heap + 0x80 + (uint64_t)i * 0x140;
        m->damaged = (int)i == absurd_idx;
        w32i__ldr_entry(g, root, wide, ents[i], m, &strs, m->damaged);
    }
    /* PEB_LDR_DATA: Length, Initialized, then the three list heads */
    w32i__vput(g, root, ldr, wide ? 0x58 : 0x30, 4);
    w32i__vput(g, root, ldr + 4, 1, 1);
    w32i__ring(g, root, wide, ldr + (wide ? 0x10 : 0x0c), ents, n, 0);
    w32i__ring(g, root, wide, ldr + (wide ? 0x20 : 0x14), ents, n, wide ? 0x10 : 0x08);
    if (n > 1) w32i__ring(g, root, wide, ldr + (wide ? 0x30 : 0x1c), ents + 1, n - 1, wide ? 0x20 : 0x10);
    /* PEB: ImageBaseAddress, Ldr */
    w32i__vput(g, root, peb + (wide ? 0x10 : 0x08), n ? mods[0].base : 0, pw);
    w32i__vput(g, root, peb + (wide ? 0x18 : 0x0c), ldr, pw);
    free(ents);
}

/* The ntoskrnl.exe image at kbase (RVA layout below; SizeOfImage 0x600000). */
#define W32I__RVA_PSINITIAL 0x300000u  /* PsInitialSystemProcess (a pointer) */
#define W32I__RVA_PSLOADED 0x300010u   /* PsLoadedModuleList (LIST_ENTRY) */
#define W32I__RVA_PSACTIVE 0x300030u   /* PsActiveProcessHead (LIST_ENTRY, not exported) */
#define W32I__RVA_NTBUILD 0x300050u    /* NtBuildNumber (ULONG) */
#define W32I__RVA_KDBG 0x300100u       /* KdDebuggerDataBlock (KDDEBUGGER_DATA64) */
#define W32I__RVA_EDATA 0x400000u      /* the export directory (.edata, mapped with 4 KiB pages) */

static const struct {
    const char *name, *sec;
    uint32_t rva;
} w32i__nt_exports[] = {
        /* sorted by name, as the loader's binary search needs */
        {"ExAllocatePoolWithTag", "t", 0x0a1230},
        {"IoGetCurrentProcess", "t", 0x033400},
        {"KeBugCheckEx", "t", 0x1f4c40},
        {"NtBuildNumber", "d", W32I__RVA_NTBUILD},
        {"NtClose", "t", 0x0fa8f0},
        {"PsGetProcessId", "t", 0x045b10},
        {"PsInitialSystemProcess", "d", W32I__RVA_PSINITIAL},
        {"PsLoadedModuleList", "d", W32I__RVA_PSLOADED},
        {"RtlGetVersion", "t", 0x08e2c0},
        {"ZwClose", "t", 0x1f6a10},
};
#define W32I__NT_NEXP (sizeof w32i__nt_exports / sizeof w32i__nt_exports[0])
#define W32I__NT_SLOT(i) (((i) * 7 + 3) % W32I__NT_NEXP) /* name i's function slot: a permutation */

/* ntoskrnl's exports in the spec (ordinal order). */
static void w32i__nt_spec(w32i_module *m)
{
    unsigned i;
    w32i__set_name(m->export_name, sizeof m->export_name, "ntoskrnl.exe");
    m->pe = 1;
    m->nexports = (uint32_t)W32I__NT_NEXP;
    for (i = 0; i < W32I__NT_NEXP; i++) {
        w32i_export *x = &m->exports[W32I__NT_SLOT(i)];
        memset(x, 0, sizeof *x);
        x->ordinal = 1 + (uint32_t)W32I__NT_SLOT(i);
        x->rva = w32i__nt_exports[i].rva;
        w32i__set_name(x->name, sizeof x->name, w32i__nt_exports[i].name);
    }
}

static void w32i__ntoskrnl(w32i__gen *g, uint64_t kbase, uint64_t ksize)
{
#define exps w32i__nt_exports
    static const struct {
        const char *name;
        uint32_t rva, vsize, ch;
    } secs[] = {
        {".text", 0x1000, 0x1ff000, 0x68000020}, {"POOLCODE", 0x200000, 0x10000, 0x68000020},
        {".data", 0x300000, 0x20000, 0xc8000040}, {"INITKDBG", 0x320000, 0x10000, 0x68000020},
        {"PAGE", 0x330000, 0xd0000, 0x60000020},  {".edata", 0x400000, 0x2000, 0x40000040},
        {"INIT", 0x410000, 0x1f0000, 0x62000020},
    };
    uint8_t h[4096];
    unsigned nexp = sizeof exps / sizeof exps[0], nsec = sizeof secs / sizeof secs[0], i;
    unsigned lfanew = 0x108, opt = lfanew + 24, optsz = g->is64 ? 0xf0 : 0xe0, dd = opt + (g->is64 ? 112 : 96);
    uint64_t root = g->sys_root, e = kbase + W32I__RVA_EDATA;
    uint32_t funcs = W32I__RVA_EDATA + 0x40, names = funcs + 4 * nexp, ords = names + 4 * nexp,
             strs = ords + 2 * nexp + 2, dllname;
    memset(h, 0, sizeof h);
    h[0] = 'M';
    h[1] = 'Z';
    w32i__le(h + 0x3c, lfanew, 4);
    memcpy(h + 0x4e, "This program cannot be run in DOS mode.", 39);
    memcpy(h + lfanew, "PE\0\0", 4);
    w32i__le(h + lfanew + 4, g->is64 ? 0x8664 : 0x14c, 2);
    w32i__le(h + lfanew + 6, nsec, 2);
    w32i__le(h + lfanew + 8, 0x5f3a2b10 + g->img->build, 4);
    w32i__le(h + lfanew + 20, optsz, 2);
    w32i__le(h + lfanew + 22, g->is64 ? 0x22 : 0x122, 2);
    w32i__le(h + opt, g->is64 ? 0x20b : 0x10b, 2);
    w32i__le(h + opt + 4, 0x1ff000, 4);                 /* SizeOfCode */
    w32i__le(h + opt + 16, 0x410000 + 0x1e010, 4);      /* AddressOfEntryPoint (INIT) */
    w32i__le(h + opt + 20, 0x1000, 4);                  /* BaseOfCode */
    if (g->is64)
        w32i__le(h + opt + 24, kbase, 8);
    else
        w32i__le(h + opt + 28, kbase, 4);
    w32i__le(h + opt + 32, 0x1000, 4); /* SectionAlignment */
    w32i__le(h + opt + 36, 0x200, 4);  /* FileAlignment */
    w32i__le(h + opt + 40, g->img->major, 2);
    w32i__le(h + opt + 42, g->img->minor, 2);
    w32i__le(h + opt + 48, g->img->major, 2);
    w32i__le(h + opt + 50, g->img->minor, 2);
    w32i__le(h + opt + 56, ksize, 4);  /* SizeOfImage */
    w32i__le(h + opt + 60, 0x1000, 4); /* SizeOfHeaders */
    w32i__le(h + opt + 68, 1, 2);      /* Subsystem: native */
    w32i__le(h + opt + (g->is64 ? 108 : 92), 16, 4); /* NumberOfRvaAndSizes */
    w32i__le(h + dd, W32I__RVA_EDATA, 4);            /* export directory */
    w32i__le(h + dd + 4, 0x2000, 4);
    for (i = 0; i < nsec; i++) {
        uint8_t *s = h + opt + optsz + 40 * i;
        memcpy(s, secs[i].name, strlen(secs[i].name));
        w32i__le(s + 8, secs[i].vsize, 4);
        w32i__le(s + 12, secs[i].rva, 4);
        w32i__le(s + 16, secs[i].vsize, 4);
        w32i__le(s + 20, secs[i].rva, 4);
        w32i__le(s + 36, secs[i].ch, 4);
    }
    w32i__vwrite(g, root, kbase, h, sizeof h);
    /* code bytes where the functions are (int3 padding around a prologue) */
    for (i = 0; i < nexp; i++)
        if (exps[i].sec[0] == 't') {
            static const uint8_t code[] = {0x48, 0x89, 0x5c, 0x24, 0x08, 0x57, 0x48, 0x83, 0xec, 0x20, 0xcc, 0xcc};
            w32i__vwrite(g, root, kbase + exps[i].rva, code, sizeof code);
        }
    /* the export directory: functions in an order other than the names' (ordinals matter) */
    dllname = strs;
    w32i__vwrite(g, root, kbase + dllname, "ntoskrnl.exe", 13);
    strs += 13;
    w32i__vput(g, root, e + 4, 0x5f3a2b10, 4);   /* TimeDateStamp */
    w32i__vput(g, root, e + 12, dllname, 4);      /* Name */
    w32i__vput(g, root, e + 16, 1, 4);            /* Base */
    w32i__vput(g, root, e + 20, nexp, 4);         /* NumberOfFunctions */
    w32i__vput(g, root, e + 24, nexp, 4);         /* NumberOfNames */
    w32i__vput(g, root, e + 28, funcs, 4);
    w32i__vput(g, root, e + 32, names, 4);
    w32i__vput(g, root, e + 36, ords, 4);
    for (i = 0; i < nexp; i++) {
        unsigned slot = (unsigned)W32I__NT_SLOT(i); /* a permutation (7 and nexp coprime) */
        size_t n = strlen(exps[i].name) + 1;
        w32i__vput(g, root, kbase + funcs + 4 * slot, exps[i].rva, 4);
        w32i__vput(g, root, kbase + names + 4 * i, strs, 4);
        w32i__vput(g, root, kbase + ords + 2 * i, slot, 2);
        w32i__vwrite(g, root, kbase + strs, exps[i].name, n);
        strs += (uint32_t)n;
    }
    /* NtBuildNumber: the build with 0xF in the top nibble (a free build) */
    w32i__vput(g, root, kbase + W32I__RVA_NTBUILD, 0xf0000000u | g->img->build, 4);
    g->img->kernel_rip = kbase + 0x1f4c40 + 0x7;
#undef exps
}

/* The KDDEBUGGER_DATA64 block (its header "KDBG" and the first fields), as a crash dump's
   header points at it (in the clear: the encoded form of 8+ is not modelled). */
static void w32i__kdbg(w32i__gen *g, uint64_t va)
{
    uint64_t root = g->sys_root;
    w32i__vput(g, root, va + 0x00, va, 8);          /* List.Flink */
    w32i__vput(g, root, va + 0x08, va, 8);          /* List.Blink */
    w32i__vwrite(g, root, va + 0x10, "KDBG", 4);    /* OwnerTag */
    w32i__vput(g, root, va + 0x14, 0x340, 4);       /* Size */
    w32i__vput(g, root, va + 0x18, g->img->kernel_base, 8);           /* KernBase */
    w32i__vput(g, root, va + 0x48, g->img->ps_loaded_module_list, 8); /* PsLoadedModuleList */
    w32i__vput(g, root, va + 0x50, g->img->ps_active_process_head, 8);/* PsActiveProcessHead */
}

/* A new address space sharing the kernel half of the System one. */
static uint64_t w32i__new_space(w32i__gen *g)
{
    uint64_t root, i;
    if (g->is64) {
        root = w32i__page(g);
        for (i = 256; i < 512; i++) w32i__pput(g, root + 8 * i, w32i__pget(g, g->sys_root + 8 * i, 8), 8);
        w32i__pput(g, root + 8 * g->img->self_index, root | W32I__K, 8);
    } else if (g->pae) {
        uint64_t pd[4], spd3 = w32i__pget(g, g->sys_root + 24, 8) & ~0xfffull;
        /* a process's PDPT: 32 bytes, 32-byte aligned, several to a page (CR3 bits 31:5),
           so its DirectoryTableBase is not page-aligned (System's is), as on PAE Windows
           (a WinDbg session on Server 2003 PAE shows "DirBase: 17b881a0", cr3=17b881a0) */
        if (!g->pdpt_page || g->pdpt_used >= 4096 / 32) {
            g->pdpt_page = w32i__page(g);
            g->pdpt_used = 3;
        }
        root = g->pdpt_page + 32 * g->pdpt_used++;
        pd[0] = w32i__page(g);
        pd[1] = w32i__page(g);
        pd[2] = w32i__pget(g, g->sys_root + 16, 8) & ~0xfffull; /* shared: 0x80000000-0xBFFFFFFF */
        pd[3] = w32i__page(g);                                  /* own copy: the self-map differs */
        memcpy(g->img->mem + pd[3], g->img->mem + spd3, 4096);
        for (i = 0; i < 4; i++) {
            w32i__pput(g, root + 8 * i, pd[i] | 1, 8);
            w32i__pput(g, pd[3] + 8 * i, pd[i] | W32I__K, 8);
        }
    } else {
        root = w32i__page(g);
        for (i = 512; i < 1024; i++) w32i__pput(g, root + 4 * i, w32i__pget(g, g->sys_root + 4 * i, 4), 4);
        w32i__pput(g, root + 0xc00, root | W32I__K, 4);
    }
    return root;
}

/* The x64 low stub: PROCESSOR_START_BLOCK in a page below 1 MiB (formats.md section 5: the
   qword at +0 masked with 0xFFFFFFFFFFFF00FF is 0x00000001000600E9, i.e. the bytes E9 xx 06 00
   01 00 00 00; the kernel entry at +0x70, the CR3 at +0xA0). */
static void w32i__low_stub(w32i__gen *g)
{
    uint64_t pa = 0x1000 + (w32i__rand(g) % 0x10) * 0x1000;
    uint8_t *p = g->img->mem + pa;
    static const uint8_t jmp[8] = {0xe9, 0x4d, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00};
    memcpy(p, jmp, 8);
    w32i__le(p + 0x70, g->img->kernel_base + 0x410000 + 0x1e010, 8); /* LmTarget: the kernel's entry */
    w32i__le(p + 0xa0, g->sys_root, 8);
    g->img->low_stub = pa;
    /* decoys: pages that match part of the pattern only */
    memcpy(g->img->mem + pa + 0x3000, jmp, 8);
    w32i__le(g->img->mem + pa + 0x3000 + 0x70, 0x00000000deadbeefull, 8);
}

static const char *w32i__proc_name(uint32_t build, uint32_t k)
{
    /* k = 1.. (0 is System) */
    uint32_t n = sizeof w32i__pnames / sizeof w32i__pnames[0];
    if (build >= 17134) { /* 1803 and later have the Registry process after System */
        if (k == 1) return "Registry";
        k--;
    }
    return w32i__pnames[(k - 1) % n];
}

static inline int w32i_build(const w32i_options *o, w32i_image *img)
{
    w32i__gen G, *g = &G;
    const w32i_off *off;
    uint64_t ram = o->ram_size ? o->ram_size : 64ull << 20;
    uint32_t nprocs = o->nprocs ? o->nprocs : 8, nmods = o->nmods ? o->nmods : 4, nk, i, total;
    uint64_t kphys = 0x400000, ksize = 0x600000, kbase, kuser_va, kuser_pa, pool_pages, eproc_size;
    uint64_t *eps, *kents, kstrs, bad_va = 0;
    unsigned pw, lo;
    int absurd_proc = -1;
    w32i_off unknown; /* the layout of an unknown build (off points here during the build) */
    memset(img, 0, sizeof *img);
    memset(g, 0, sizeof *g);
    g->img = img;
    g->o = o;
    g->is64 = o->arch == MEMINTRO_ARCH_X86_64;
    g->pae = o->arch == MEMINTRO_ARCH_X86_PAE;
    if (!g->is64 && !g->pae && o->arch != MEMINTRO_ARCH_X86) return -1;
    g->ptr = pw = g->is64 ? 8 : 4;
    g->rng = (o->seed ? o->seed : o->build * 2654435761ull + (uint64_t)o->arch * 977 + o->flags) | 1;
    if (ram < (16ull << 20)) return -1;
    if (!g->is64 && ram > (4ull << 30)) return -1;
    if (o->flags & W32I_UNKNOWN_BUILD) {
        /* a build no table has, with an EPROCESS layout of its own: the 19041 layout (7601's
           for 32-bit paging, which only Windows 7 has) with everything after KPROCESS moved by
           0x18 (what a new build does when a field is added) */
        off = w32i_offsets_find(o->arch == MEMINTRO_ARCH_X86 ? 7601 : 19041, g->is64);
        if (!off) return -1;
        unknown = *off;
        unknown.pid += 0x18;
        unknown.links += 0x18;
        unknown.ppid += 0x18;
        unknown.name += 0x18;
        unknown.peb += 0x18;
        unknown.wow64 = unknown.wow64 ? (uint16_t)(unknown.wow64 + 0x18) : 0;
        unknown.section_base += 0x18;
        unknown.create_time += 0x18;
        unknown.exit_time += 0x18;
        unknown.exit_status += 0x18;
        unknown.source = "synthetic layout (19041's, or 7601's for 32-bit paging, moved by 0x18)";
        unknown.build_min = unknown.build_max = o->build;
        off = &unknown;
        img->unknown_build = 1;
    } else {
        off = w32i_offsets_find(o->build, g->is64);
        if (!off) return -1;
    }
    g->off = *off;
    g->dtb_off = g->is64 ? 0x28 : 0x18;
    img->off_source = off->source;
    img->off_pid = off->pid;
    img->off_links = off->links;
    img->off_name = off->name;
    img->off_peb = off->peb;
    img->off_ppid = off->ppid;
    img->off_dtb = g->dtb_off;
    img->off_wow64 = off->wow64;
    lo = off->links;

    /* the image: a sparse anonymous mapping. More than 3 GiB of RAM is laid out as a PC
       does (formats.md section 2): RAM below 3 GiB, the PCI hole [3 GiB, 4 GiB), the rest of
       the RAM from 4 GiB on (not for 32-bit paging, which cannot address it) */
    img->size = ram;
    if (ram > (3ull << 30)) {
        if (o->arch == MEMINTRO_ARCH_X86) return -1;
        img->size = ram + (1ull << 30);
    }
    img->mem = (uint8_t *)mmap(0, (size_t)img->size, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (img->mem == MAP_FAILED) {
        img->mem = 0;
        return -1;
    }
    img->arch = o->arch;
    img->build = o->build;
    img->major = o->build >= 10240 ? 10 : 6;
    img->minor = o->build >= 10240 ? 0 : o->build >= 9600 ? 3 : o->build >= 9200 ? 2 : 1;
    /* physical runs as firmware reports them: page 0 and the legacy hole left out */
    img->nruns = 2;
    img->run_start[0] = 0x1000;
    img->run_size[0] = 0x9f000 - 0x1000;
    img->run_start[1] = 0x100000;
    img->run_size[1] = (img->size > ram ? (3ull << 30) : ram) - 0x100000;
    if (img->size > ram) {
        img->nruns = 3;
        img->run_start[2] = 4ull << 30;
        img->run_size[2] = img->size - (4ull << 30);
        g->next_hi = 4ull << 30;
    }

    /* the kernel image: 6 MiB at physical 4 MiB (both large-page sizes divide it) */
    g->skip_lo = kphys;
    g->skip_hi = kphys + ksize;
    g->next_pa = 0x100000;
    if (g->is64)
        kbase = 0xfffff80000000000ull + 0x10000000ull + (w32i__rand(g) % 0x100) * 0x200000ull;
    else
        kbase = 0x81000000ull + (w32i__rand(g) % 8) * 0x400000ull;
    img->kernel_base = kbase;
    img->kernel_size = ksize;

    /* the kernel DTB (allocated first: in the low 16 MiB, as the scans expect) */
    if (g->pae) {
        /* PDPT at the start of a page, its four PDs in the four pages after it (the layout
           MemProcFS's PAE scan expects) */
        uint64_t pdpt = w32i__page(g);
        for (i = 0; i < 4; i++) w32i__pput(g, pdpt + 8 * i, w32i__page(g) | 1, 8);
        g->sys_root = pdpt;
    } else
        g->sys_root = w32i__page(g);
    img->dtb = g->sys_root;

    /* kernel image mapping: large pages, and its last 2 MiB with 4 KiB pages */
    {
        uint64_t lsz = w32i__large(g), a, small_from = ksize - 0x200000;
        for (a = 0; a < small_from; a += lsz) w32i__maplarge(g, g->sys_root, kbase + a, kphys + a, W32I__K);
        for (a = small_from; a < ksize; a += 4096) w32i__map4k(g, g->sys_root, kbase + a, kphys + a, W32I__K);
    }
    /* KUSER_SHARED_DATA (read-only), fields from formats.md / win-common.md */
    kuser_va = g->is64 ? 0xfffff78000000000ull : 0xffdf0000ull;
    kuser_pa = w32i__page(g);
    w32i__map4k(g, g->sys_root, kuser_va, kuser_pa, W32I__K & ~2ull);
    w32i__pput(g, kuser_pa + 0x26c, img->major, 4);                        /* NtMajorVersion */
    w32i__pput(g, kuser_pa + 0x270, img->minor, 4);                        /* NtMinorVersion */
    if (img->major >= 10) w32i__pput(g, kuser_pa + 0x260, o->build, 4);    /* NtBuildNumber (10+) */
    w32i__pput(g, kuser_pa + 0x264, 1, 4);                                 /* NtProductType: WinNt */
    w32i__pput(g, kuser_pa + 0x268, 1, 1);                                 /* ProductTypeIsValid */

    /* the pool: pre-mapped before any process exists, so that every process shares it */
    eproc_size = g->is64 ? 0xb00 : 0x400;
    nk = 8;
    total = nprocs + 1;
    pool_pages = 16 + (uint64_t)total * ((eproc_size + 0x100 + 4095) / 4096) + nk + total / 4;
    if (g->is64)
        g->pool_va = 0xffffc50000000000ull + ((w32i__rand(g) & 0xff) << 24);
    else
        g->pool_va = 0x85000000ull + ((w32i__rand(g) & 7) << 22);
    g->pool_next = g->pool_va;
    g->pool_end = g->pool_va + pool_pages * 4096;
    w32i__vmap(g, g->sys_root, g->pool_va, pool_pages, W32I__K);

    /* other kernel top-level entries real kernels have (empty tables): x64 PML4 entries
       (PFN database, system PTEs, paged pool); x86 PDEs (MemProcFS's x86 scan wants > 16) */
    if (g->is64) {
        static const uint64_t more[] = {0xffff800000000000ull, 0xffff900000000000ull, 0xffffa00000000000ull,
                                        0xffffb00000000000ull, 0xffffe00000000000ull, 0xfffff60000000000ull};
        for (i = 0; i < sizeof more / sizeof more[0]; i++) w32i__slot(g, g->sys_root, more[i], 2, W32I__K);
    } else {
        for (i = 0; i < 20; i++) w32i__slot(g, g->sys_root, 0x90000000ull + (uint64_t)i * 0x400000ull, 0, W32I__K);
    }
    /* the self-reference: x64 PML4 index 0x1ED before 1607, a random kernel-half index from
       1607 (14393) on; PAE: PD3's first four entries map the four PDs (0xC0000000); x86:
       PDE 0x300 maps the PD itself */
    if (g->is64) {
        img->self_index = o->build >= 14393 ? 0x100 + (uint32_t)(w32i__rand(g) % 0xe0) : 0x1ed;
        while (w32i__pget(g, g->sys_root + 8 * img->self_index, 8)) img->self_index++;
        w32i__pput(g, g->sys_root + 8 * img->self_index, g->sys_root | W32I__K, 8);
    } else if (g->pae) {
        uint64_t pd3 = w32i__pget(g, g->sys_root + 24, 8) & ~0xfffull;
        for (i = 0; i < 4; i++)
            w32i__pput(g, pd3 + 8 * i, (w32i__pget(g, g->sys_root + 8 * i, 8) & ~0xfffull) | W32I__K, 8);
    } else {
        w32i__pput(g, g->sys_root + 0xc00, g->sys_root | W32I__K, 4);
        /* PDE 0: a user page table, flags 0x67 (the layout MemProcFS's x86 scan expects) */
        w32i__pput(g, g->sys_root, w32i__page(g) | W32I__U, 4);
    }
    /* W32I_SELF_PTE: a page directory entry that points at its own directory: the address
       R (PD index i, PT index i) then reads the directory itself */
    if (o->flags & W32I_SELF_PTE) {
        uint64_t R, slot, pd;
        unsigned idx;
        if (g->is64) {
            idx = 0x55;
            R = 0xffffe00000000000ull + ((uint64_t)idx << 21) + ((uint64_t)idx << 12);
        } else if (g->pae) {
            idx = 0x120;
            R = 0x80000000ull + ((uint64_t)idx << 21) + ((uint64_t)idx << 12);
        } else {
            idx = 0x290;
            R = ((uint64_t)idx << 22) + ((uint64_t)idx << 12);
        }
        slot = w32i__slot(g, g->sys_root, R, 1, W32I__K);
        pd = slot & ~0xfffull;
        w32i__pput(g, slot, pd | W32I__K, g->is64 || g->pae ? 8 : 4);
        bad_va = R + 0x40;
    }

    /* ntoskrnl.exe and its data */
    w32i__ntoskrnl(g, kbase, ksize);
    img->ps_active_process_head = kbase + W32I__RVA_PSACTIVE;
    img->ps_loaded_module_list = kbase + W32I__RVA_PSLOADED;
    img->kd_debugger_data_block = kbase + W32I__RVA_KDBG;
    if (g->is64 && !(o->flags & W32I_NO_LOW_STUB)) w32i__low_stub(g);

    /* the kernel modules (KLDR_DATA_TABLE_ENTRY in pool, names in pool) */
    img->nkmods = nk;
    img->kmods = (w32i_module *)calloc(nk, sizeof *img->kmods);
    kents = (uint64_t *)calloc(nk, sizeof *kents);
    kstrs = w32i__kalloc(g, 0x1800);
    for (i = 0; i < nk; i++) {
        w32i_module *m = &img->kmods[i];
        char path[300];
        if (i == 0) {
            w32i__set_name(m->name, sizeof m->name, "ntoskrnl.exe");
            snprintf(path, sizeof path, "\\SystemRoot\\system32\\ntoskrnl.exe");
            m->base = kbase;
            m->size = ksize;
            w32i__nt_spec(m);
        } else {
            const char *n = w32i__kmods[(i - 1) % (sizeof w32i__kmods / sizeof w32i__kmods[0])];
            w32i__set_name(m->name, sizeof m->name, n);
            if (i < 3)
                snprintf(path, sizeof path, "\\SystemRoot\\system32\\%s", n);
            else
                snprintf(path, sizeof path, "\\SystemRoot\\System32\\drivers\\%s", n);
            m->base = kbase + ksize + 0x200000ull * i + (g->is64 ? 0x1000000ull : 0);
            m->size = 0x1000 * (20 + 13 * i);
        }
        w32i__set_name(m->path, sizeof m->path, path);
        if (i) w32i__pe_module(g, g->sys_root, g->is64, W32I__K, m, 0);
        kents[i] = w32i__kalloc(g, 0xa0);
        w32i__ldr_entry(g, g->sys_root, g->is64, kents[i], m, &kstrs, 0);
    }
    w32i__ring(g, g->sys_root, g->is64, img->ps_loaded_module_list, kents, nk, 0);
    free(kents);

    /* the processes */
    img->nprocs = total;
    img->procs = (w32i_process *)calloc(total, sizeof *img->procs);
    eps = (uint64_t *)calloc(total, sizeof *eps);
    if ((o->flags & W32I_ABSURD_NAME) && total > 4) absurd_proc = 4;
    for (i = 0; i < total; i++) {
        w32i_process *p = &img->procs[i];
        uint64_t ep, root;
        const char *nm = i == 0 ? "System" : w32i__proc_name(o->build, i);
        int has_user = i != 0 && strcmp(nm, "Registry") != 0;
        ep = w32i__kalloc(g, eproc_size + 0x80) + 0x80; /* after the pool and object headers */
        w32i__vwrite(g, g->sys_root, ep - 0x80 + 4, "Proc", 4); /* pool tag */
        eps[i] = ep;
        p->eprocess = ep;
        w32i__set_name(p->name, sizeof p->name, nm); /* ImageFileName keeps 15 characters */
        p->pid = i == 0 ? 4 : 0x40 + 0x34 * (uint64_t)i + 4 * (w32i__rand(g) % 8);
        if (i == 0)
            p->ppid = 0;
        else if (!strcmp(nm, "Registry") || !strcmp(nm, "smss.exe"))
            p->ppid = 4;
        else if (!strcmp(nm, "services.exe") || !strcmp(nm, "lsass.exe") || !strcmp(nm, "csrss.exe") ||
                 !strcmp(nm, "winlogon.exe") || !strcmp(nm, "wininit.exe"))
            p->ppid = img->procs[i - 1].pid; /* an earlier process (some parents have exited) */
        else
            p->ppid = img->procs[i - 1 - (i % 3 == 0 && i > 2)].pid;
        p->create_time = 0x01d9a1b2c3d4e5f6ull + (uint64_t)i * 10000000ull * 37;
        p->exit_status = 0x103;
        if (i == total - 1 && total > 3) {
            p->exited = 1;
            p->exit_time = p->create_time + 600ull * 10000000ull;
            p->exit_status = 0;
        }
        root = i == 0 ? g->sys_root : w32i__new_space(g);
        p->dtb = root;
        p->wow64 = g->is64 && (o->flags & W32I_WOW64) && has_user && i >= 3 && i % 3 == 0;
        if (has_user) {
            uint64_t heap, peb, mark = 0x10000;
            uint32_t hp;
            /* the PEB (and the PEB32 of a WoW64 process: after it on 8+, before it on 7) */
            if (g->is64 && !p->wow64)
                peb = 0x0000000000000000ull + ((0x20ull + (w32i__rand(g) % 0xd0)) << 32) +
                      ((w32i__rand(g) % 0x100) << 12);
            else if (g->is64)
                peb = 0x00200000ull + (w32i__rand(g) % 0x100) * 0x1000 + 0x1000;
            else
                peb = 0x7ffd0000ull + (w32i__rand(g) % 0xc) * 0x1000;
            p->peb = peb;
            w32i__vmap(g, root, peb, 1, W32I__U);
            if (p->wow64) {
                p->peb32 = o->build >= 9200 ? peb + 0x1000 : peb - 0x1000;
                w32i__vmap(g, root, p->peb32, 1, W32I__U);
            }
            /* the loader lists, in a heap */
            heap = g->is64 ? 0x0000010000000000ull + ((w32i__rand(g) % 0x100) << 28) : 0x00500000ull;
            if (p->wow64) heap = 0x00600000ull;
            p->nmods = p->wow64 ? 5 : nmods;
            hp = (uint32_t)((0x80 + p->nmods * 0x440) / 4096 + 2);
            w32i__vmap(g, root, heap, hp, W32I__U);
            p->mods = (w32i_module *)calloc(p->nmods, sizeof *p->mods);
            w32i__user_modules(g, p, root, g->is64, p->wow64, p->nmods, p->mods, peb, heap,
                               (int)i == absurd_proc ? 2 : -1);
            if (p->wow64) {
                uint64_t heap32 = 0x00700000ull;
                p->nmods32 = nmods;
                hp = (uint32_t)((0x80 + p->nmods32 * 0x440) / 4096 + 2);
                w32i__vmap(g, root, heap32, hp, W32I__U);
                p->mods32 = (w32i_module *)calloc(p->nmods32, sizeof *p->mods32);
                w32i__user_modules(g, p, root, 0, 0, p->nmods32, p->mods32, p->peb32, heap32, -1);
            }
            p->section_base = p->mods[0].base;
            /* KUSER_SHARED_DATA's user mapping */
            w32i__map4k(g, root, 0x7ffe0000ull, kuser_pa, W32I__U & ~2ull);
            /* the marker: the same address in every process, its own bytes */
            w32i__vmap(g, root, mark, 1, W32I__U);
            p->marker_va = mark + 0x123;
            snprintf(p->marker, sizeof p->marker, "w32i marker pid %u", (unsigned)p->pid);
            w32i__vwrite(g, root, p->marker_va, p->marker, strlen(p->marker) + 1);
        }
        /* EPROCESS fields (KPROCESS.Header.Type 3: a process object) */
        w32i__vput(g, g->sys_root, ep, 3, 1);
        w32i__vput(g, g->sys_root, ep + g->dtb_off, root, pw);
        w32i__vput(g, g->sys_root, ep + off->pid, p->pid, pw);
        w32i__vput(g, g->sys_root, ep + off->ppid, p->ppid, pw);
        w32i__vwrite(g, g->sys_root, ep + off->name, p->name, strlen(p->name));
        w32i__vput(g, g->sys_root, ep + off->peb, p->peb, pw);
        w32i__vput(g, g->sys_root, ep + off->section_base, p->section_base, pw);
        w32i__vput(g, g->sys_root, ep + off->create_time, p->create_time, 8);
        w32i__vput(g, g->sys_root, ep + off->exit_time, p->exit_time, 8);
        w32i__vput(g, g->sys_root, ep + off->exit_status, p->exit_status, 4);
        if (p->wow64) {
            if (o->build >= 10240) {
                /* EWOW64PROCESS {Peb, Machine} in pool */
                uint64_t w = w32i__kalloc(g, 0x20);
                w32i__vput(g, g->sys_root, w, p->peb32, 8);
                w32i__vput(g, g->sys_root, w + 8, 0x14c, 2);
                w32i__vput(g, g->sys_root, ep + off->wow64, w, 8);
            } else
                w32i__vput(g, g->sys_root, ep + off->wow64, p->peb32, 8);
        }
    }
    img->system_eprocess = eps[0];
    w32i__vput(g, g->sys_root, kbase + W32I__RVA_PSINITIAL, eps[0], pw);
    w32i__ring(g, g->sys_root, pw == 8, img->ps_active_process_head, eps, total, lo);
    img->walk_limit = total;
    /* damaged variants */
    if ((o->flags & W32I_CYCLE) && total >= 4) {
        /* the last process's Flink goes back to the third entry (its Blink is left alone) */
        w32i__vput(g, g->sys_root, eps[total - 1] + lo, eps[2] + lo, pw);
        img->walk_limit = total;
        img->damaged = 1;
    }
    if ((o->flags & W32I_WILD_POINTER) && total >= 4) {
        uint32_t k = total / 2;
        uint64_t wild = g->is64 ? 0xffffd10000000000ull + 0x1230 : 0xa0001230ull;
        w32i__vput(g, g->sys_root, eps[k] + lo, wild, pw);
        img->walk_limit = k + 1;
        img->damaged = 1;
    }
    if ((o->flags & W32I_SELF_PTE) && total >= 4) {
        uint32_t k = total / 2 - 1;
        w32i__vput(g, g->sys_root, eps[k] + lo, bad_va, pw);
        img->walk_limit = k + 1;
        img->damaged = 1;
    }
    free(eps);
    w32i__kdbg(g, img->kd_debugger_data_block);
    return g->failed ? -1 : 0;
}
static inline void w32i_free(w32i_image *img)
{
    uint32_t i;
    if (img->mem) munmap(img->mem, (size_t)img->size);
    for (i = 0; i < img->nprocs; i++) {
        free(img->procs[i].mods);
        free(img->procs[i].mods32);
    }
    free(img->procs);
    free(img->kmods);
    memset(img, 0, sizeof *img);
}


/* ---- writers ---------------------------------------------------------------------------------
   Every writer skips the pages never written (sparse files): mincore() tells which pages of
   the anonymous mapping exist, and of those only the non-zero ones are written. */

static inline int w32i__zero_page(const uint8_t *p)
{
    size_t i;
    for (i = 0; i < 4096; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (v) return 0;
    }
    return 1;
}

/* Writes guest-physical [start, start+size) of img at file offset `at` (pages never written
   are left as holes). Returns 0 on success. */
static inline int w32i__write_range(const w32i_image *img, int fd, uint64_t start, uint64_t size, uint64_t at)
{
    uint64_t a, chunk = 1ull << 24;
    unsigned char *vec = (unsigned char *)malloc((size_t)(chunk >> 12));
    if (!vec) return -1;
    for (a = start; a < start + size; a += chunk) {
        uint64_t n = start + size - a < chunk ? start + size - a : chunk, pg;
        if (mincore(img->mem + a, (size_t)n, vec) != 0) memset(vec, 1, (size_t)(n >> 12));
        for (pg = 0; pg < n >> 12; pg++) {
            const uint8_t *p = img->mem + a + (pg << 12);
            if (!(vec[pg] & 1) || w32i__zero_page(p)) continue;
            if (pwrite(fd, p, 4096, (off_t)(at + a - start + (pg << 12))) != 4096) {
                free(vec);
                return -1;
            }
        }
    }
    free(vec);
    return 0;
}

static inline int w32i__finish(int fd, uint64_t size)
{
    int r = ftruncate(fd, (off_t)size);
    if (close(fd) != 0) r = -1;
    return r ? -1 : 0;
}

/* The raw image: guest-physical byte N at file offset N. */
static inline int w32i_write_raw(const w32i_image *img, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    if (w32i__write_range(img, fd, 0, img->size, 0)) {
        close(fd);
        return -1;
    }
    return w32i__finish(fd, img->size);
}

/* A full Windows crash dump (DumpType 1): the header ("PAGE" + "DU64" x64, 0x2000 bytes;
   "PAGE" + "DUMP" x86, 0x1000 bytes, PaeEnabled set for PAE), then the pages of each
   PhysicalMemoryBlock run in run order (formats.md section 4). */
static inline int w32i_write_crashdump(const w32i_image *img, const char *path)
{
    int is32 = img->arch != MEMINTRO_ARCH_X86_64, fd;
    unsigned hs = is32 ? 0x1000 : 0x2000, i, o, rs;
    uint8_t *h = (uint8_t *)calloc(1, hs);
    uint64_t npages = 0, at;
    if (!h) return -1;
    for (i = 0; i < hs; i += 4) memcpy(h + i, "PAGE", 4);
    memcpy(h + 4, is32 ? "DUMP" : "DU64", 4);
    w32i__le(h + 8, 0xf, 4);          /* MajorVersion: 0xF, a free build */
    w32i__le(h + 12, img->build, 4);  /* MinorVersion: the build number */
    for (i = 0; i < img->nruns; i++) npages += img->run_size[i] >> 12;
    if (is32) {
        w32i__le(h + 0x10, img->dtb, 4);
        w32i__le(h + 0x14, 0xc0600000u, 4); /* PfnDataBase (not modelled) */
        w32i__le(h + 0x18, img->ps_loaded_module_list, 4);
        w32i__le(h + 0x1c, img->ps_active_process_head, 4);
        w32i__le(h + 0x20, 0x14c, 4);
        w32i__le(h + 0x24, 1, 4);
        w32i__le(h + 0x28, 0xe2, 4); /* MANUALLY_INITIATED_CRASH */
        memset(h + 0x2c, 0, 16);
        memset(h + 0x3c, 0, 0x20);
        h[0x5c] = img->arch == MEMINTRO_ARCH_X86_PAE;
        memset(h + 0x5d, 0, 3);
        w32i__le(h + 0x60, img->kd_debugger_data_block, 4);
        o = 0x64;
        rs = 8;
        w32i__le(h + o, img->nruns, 4);
        w32i__le(h + o + 4, npages, 4);
        for (i = 0; i < img->nruns; i++) {
            w32i__le(h + o + 8 + rs * i, img->run_start[i] >> 12, 4);
            w32i__le(h + o + 8 + rs * i + 4, img->run_size[i] >> 12, 4);
        }
        memset(h + 0x320, 0, 0x7d0 - 0x320);   /* CONTEXT (x86): Eip at +0xB8 */
        w32i__le(h + 0x320 + 0xb8, img->kernel_rip, 4);
        w32i__le(h + 0xf88, 1, 4);             /* DumpType: full */
    } else {
        w32i__le(h + 0x10, img->dtb, 8);
        w32i__le(h + 0x18, 0xfffffa8000000000ull, 8); /* PfnDataBase (not modelled) */
        w32i__le(h + 0x20, img->ps_loaded_module_list, 8);
        w32i__le(h + 0x28, img->ps_active_process_head, 8);
        w32i__le(h + 0x30, 0x8664, 4);
        w32i__le(h + 0x34, 1, 4);
        w32i__le(h + 0x38, 0xe2, 4);
        memset(h + 0x3c, 0, 4 + 32);
        w32i__le(h + 0x80, img->kd_debugger_data_block, 8);
        o = 0x88;
        rs = 16;
        w32i__le(h + o, img->nruns, 4);
        w32i__le(h + o + 4, 0, 4);
        w32i__le(h + o + 8, npages, 8);
        for (i = 0; i < img->nruns; i++) {
            w32i__le(h + o + 16 + rs * i, img->run_start[i] >> 12, 8);
            w32i__le(h + o + 16 + rs * i + 8, img->run_size[i] >> 12, 8);
        }
        memset(h + 0x348, 0, 0xf00 - 0x348);   /* CONTEXT (x64): Rip at +0xF8 */
        w32i__le(h + 0x348 + 0xf8, img->kernel_rip, 8);
        w32i__le(h + 0xf98, 1, 4);             /* DumpType: full */
    }
    w32i__le(h + 0xfa0, hs + npages * 4096, 8); /* RequiredDumpSpace: the file size */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || pwrite(fd, h, hs, 0) != (ssize_t)hs) {
        free(h);
        if (fd >= 0) close(fd);
        return -1;
    }
    free(h);
    at = hs;
    for (i = 0; i < img->nruns; i++) {
        if (w32i__write_range(img, fd, img->run_start[i], img->run_size[i], at)) {
            close(fd);
            return -1;
        }
        at += img->run_size[i];
    }
    return w32i__finish(fd, at);
}

/* An ELF core as QEMU's dump-guest-memory writes one (without paging): ELF64 with EM_X86_64
   for x64, ELF32 with EM_386 for x86; one PT_NOTE with a QEMU CPU-state note (version 1,
   0x1b0 bytes: rip 0x88, CS 0x98 (L bit for long mode), cr[0..4] 0x188) and one PT_LOAD per
   physical run (p_paddr = guest-physical, p_vaddr = p_paddr), memory from a 4 KiB boundary
   (formats.md section 3). */
static inline int w32i_write_elf(const w32i_image *img, const char *path)
{
    int c64 = img->arch == MEMINTRO_ARCH_X86_64 || img->size > (4ull << 30), fd; /* QEMU: ELF64 for
                                                                                   memory above 4 GiB */
    unsigned ehs = c64 ? 64 : 52, phs = c64 ? 56 : 32, nph = 1 + img->nruns, i;
    uint8_t hdr[4096], *e = hdr, *note;
    uint64_t notes_at = ehs + (uint64_t)phs * nph, note_size = 12 + 8 + 0x1b0, data_at = 4096, at;
    memset(hdr, 0, sizeof hdr);
    memcpy(e, "\177ELF", 4);
    e[4] = c64 ? 2 : 1; /* class */
    e[5] = 1;           /* little-endian */
    e[6] = 1;
    w32i__le(e + 16, 4, 2); /* ET_CORE */
    w32i__le(e + 18, img->arch == MEMINTRO_ARCH_X86_64 ? 62 : 3, 2);
    w32i__le(e + 20, 1, 4);
    if (c64) {
        w32i__le(e + 32, ehs, 8); /* e_phoff */
        w32i__le(e + 52, ehs, 2);
        w32i__le(e + 54, phs, 2);
        w32i__le(e + 56, nph, 2);
    } else {
        w32i__le(e + 28, ehs, 4);
        w32i__le(e + 40, ehs, 2);
        w32i__le(e + 42, phs, 2);
        w32i__le(e + 44, nph, 2);
    }
    at = data_at;
    for (i = 0; i < nph; i++) {
        uint8_t *p = hdr + ehs + phs * i;
        uint64_t type = i == 0 ? 4 : 1, off = i == 0 ? notes_at : at, pa = i == 0 ? 0 : img->run_start[i - 1],
                 sz = i == 0 ? note_size : img->run_size[i - 1];
        if (c64) {
            w32i__le(p, type, 4);
            w32i__le(p + 4, i == 0 ? 0 : 7, 4); /* flags RWX */
            w32i__le(p + 8, off, 8);
            w32i__le(p + 16, pa, 8);
            w32i__le(p + 24, pa, 8);
            w32i__le(p + 32, sz, 8);
            w32i__le(p + 40, sz, 8);
            w32i__le(p + 48, i == 0 ? 0 : 0x1000, 8);
        } else {
            w32i__le(p, type, 4);
            w32i__le(p + 4, off, 4);
            w32i__le(p + 8, pa, 4);
            w32i__le(p + 12, pa, 4);
            w32i__le(p + 16, sz, 4);
            w32i__le(p + 20, sz, 4);
            w32i__le(p + 24, i == 0 ? 0 : 7, 4);
            w32i__le(p + 28, i == 0 ? 0 : 0x1000, 4);
        }
        if (i) at += sz;
    }
    /* the QEMU CPU-state note */
    note = hdr + notes_at;
    w32i__le(note, 5, 4);
    w32i__le(note + 4, 0x1b0, 4);
    w32i__le(note + 8, 0, 4);
    memcpy(note + 12, "QEMU", 5);
    note += 20;
    w32i__le(note, 1, 4);
    w32i__le(note + 4, 0x1b0, 4);
    w32i__le(note + 0x88, img->kernel_rip, 8);
    w32i__le(note + 0x90, 0x202, 8);
    w32i__le(note + 0x98, 0x10, 4);                                    /* CS selector */
    w32i__le(note + 0x98 + 8, img->arch == MEMINTRO_ARCH_X86_64 ? 0x00a09b00u : 0x00c09b00u, 4); /* CS: L or D */
    w32i__le(note + 0x188, 0x80050033u, 8);                            /* CR0: PG PE WP ... */
    w32i__le(note + 0x188 + 24, img->dtb, 8);                          /* CR3 */
    w32i__le(note + 0x188 + 32, img->arch == MEMINTRO_ARCH_X86 ? 0x10 : 0x6b0, 8); /* CR4: PSE / PAE */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || pwrite(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
        if (fd >= 0) close(fd);
        return -1;
    }
    at = data_at;
    for (i = 0; i < img->nruns; i++) {
        if (w32i__write_range(img, fd, img->run_start[i], img->run_size[i], at)) {
            close(fd);
            return -1;
        }
        at += img->run_size[i];
    }
    return w32i__finish(fd, at);
}

#endif
