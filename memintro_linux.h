/* memintro_linux.h - Linux guests from memory alone: kernel, symbols, types, tasks.

   memintro_linux.h finds a running (or dumped) x86-64 Linux kernel in guest-physical
   memory and reads what it carries about itself, with no System.map, no debug kernel and no
   profile: its symbol table (kallsyms, decoded from the compressed tables in its .rodata)
   and its type information (BTF, __start_BTF .. __stop_BTF). KASLR (virtual and physical),
   KPTI and 5-level paging are handled; every fact found says where it came from.

   FREESTANDING like memintro.h: includes only memintro.h (<stddef.h>, <stdint.h>), never
   allocates: the caller gives the memory for the symbol table and the types. The compiler
   may emit memcpy/memset/memcmp/memmove, nothing else is needed at link time. Guest memory
   is hostile input: every walk is bounded and cycle-safe, every length clamped, and a table
   that does not check out is rejected with a status, never half-believed.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_LINUX_IMPLEMENTATION
         #include "memintro_linux.h"
     (memintro.h's implementation is a separate macro, MEMINTRO_IMPLEMENTATION.)
     With memintro_target.h included BEFORE this header, memintro_linux_hints_from_target
     is declared too (VMCOREINFO, CPU 0's CR3 and paging mode, the end of the memory map).

   HOW THE KERNEL IS FOUND (memintro_linux_init; cost set by what is read, not by RAM size)
     1. The image: from VMCOREINFO's KERNELOFFSET and phys_base when the hints have them;
        else through a CR3 the guest runs with (any task's: the kernel half is shared): the
        first 2 MiB page of __START_KERNEL_map's text mapping is _text; else through the
        real-mode trampoline's page table below 1 MiB, whose last entry is init_top_pgt's
        (1 MiB read, no CPU state needed); else a physical scan for "Linux version " from 0
        that stops at the first banner with kallsyms tables within 64 MiB of it.
     2. kallsyms, by structure: the token table from its '0'..'9' tokens, checked against
        kallsyms_token_index; the markers walked back from it (or found before
        kallsyms_seqs_of_names); num_syms and kallsyms_names checked record by record
        against every marker; the addresses as kallsyms_offsets + kallsyms_relative_base
        (with or without ABSOLUTE_PERCPU) or kallsyms_addresses, before num_syms (up to 6.3)
        or after token_index (6.4+), 32- or 64-bit markers, 1- or 2-byte name lengths.
     3. The KASLR shift (_text - 0xffffffff81000000) and phys_base (modulo 2^64), checked:
        init_top_pgt, read at its image address, must map linux_banner where it was found;
        4 or 5 levels from the hints, __pgtable_l5_enabled, or that same check.
     4. The BTF blob copied into the caller's memory (for memintro_btf_init).
     Symbols then come from the caller's memory: by name through a hash (constant time), by
     address through a binary search (first alias, as /proc/kallsyms lookups name it).

   MEMORY
     memintro_linux (about 64 KiB: static or heap, not a small stack) holds the read window,
     the token table, translation scratch and a TLB. The caller's memory holds 8 + 8 n + 4 n
     + 4 h bytes (n symbols, h the power of two >= 2 n) plus the decoded names plus the BTF
     blob: l->mem_needed after a first call (with mem NULL or too small it returns
     MEMINTRO_E_NOSPACE with every fact of the kernel filled in; the second call repeats the
     discovery). About 8 MiB for Debian 12's cloud kernel (87,000 symbols, 4 MiB of BTF).
     Memory of 512 KiB or more is also used as scan buffers before the symbols fill it.

   CONFIGURATION: none of its own (memintro.h's MEMINTRO_MEMCPY, MEMINTRO_MEMSET, MEMINTRO_API
   and MEMINTRO_STATIC apply).

   THIS LIBRARY DOES NOT
     - allocate, or read a System.map, vmlinux or debug kernel: only guest memory;
     - handle 32-bit or AArch64 kernels yet (x86-64 only: __START_KERNEL_map, init_top_pgt);
     - decode 7.0's PC-relative kallsyms offsets (unverified layout) or big-endian tables;
     - know module symbols (kallsyms of the core kernel only: modules have their own tables);
     - lock, or follow a live guest's changes: call memintro_linux_init again after a reboot.

   REFERENCE (kernel discovery and symbols, in the order declared below)
     memintro_linux_init            find the kernel, kallsyms, KASLR, phys_base, DTB, BTF
     memintro_linux_why             one line: why init failed, or what it found
     memintro_linux_symbol          a symbol's address by name
     memintro_linux_symbol_at       the symbol (first alias) and offset for an address
     memintro_linux_symbol_count    symbols in the table
     memintro_linux_symbol_get      symbol i: name, address, type letter
     memintro_linux_image_pa        physical address of a kernel-image virtual address
     memintro_linux_hints_from_vmcoreinfo   hints from VMCOREINFO text
     memintro_linux_kallsyms_find   just find and check the kallsyms tables in a range
     memintro_linux_hints_from_target   (with memintro_target.h) hints from a target

   EXAMPLE (guest image in memory, cr3 any CR3 of it or 0; compiled by tests/t_docs.sh)

       static memintro_linux lx;
       memintro_buffer img;
       memintro_linux_hints hints;
       uint64_t addr;
       void *mem;
       memset(&hints, 0, sizeof hints);
       hints.dtb = cr3;
       memintro_buffer_init(&img, image, image_size, NULL, 0);
       if (memintro_linux_init(&lx, &img.phys, &hints, NULL, 0) != MEMINTRO_E_NOSPACE)
           return 1;
       mem = malloc(lx.mem_needed);
       if (!mem || memintro_linux_init(&lx, &img.phys, &hints, mem, lx.mem_needed) != MEMINTRO_OK)
           return 1;
       if (memintro_linux_symbol(&lx, "init_task", &addr) == MEMINTRO_OK)
           printf("%s: KASLR shift 0x%llx, init_task at 0x%llx\n", lx.release,
                  (unsigned long long)lx.kaslr_shift, (unsigned long long)addr);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_LINUX_H
#define MEMINTRO_LINUX_H

#include "memintro.h"

#define MEMINTRO_LINUX_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_LINUX_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types from BTF ------------------------------------------------------------------- */


/* ---- Kernel discovery, kallsyms, symbols ----------------------------------------------- */

/* The x86-64 kernel's fixed virtual constants. */
#define MEMINTRO_LINUX_START_KERNEL_MAP 0xffffffff80000000ull /* __START_KERNEL_map */
#define MEMINTRO_LINUX_TEXT_DEFAULT 0xffffffff81000000ull     /* _text without KASLR */

/* What the caller already knows (a zeroed struct: find everything). */
typedef struct memintro_linux_hints {
    memintro_arch arch;   /* X86_64 or X86_64_LA57 when known (a vCPU's CR4.LA57), else NONE */
    uint32_t flags;       /* MEMINTRO_LINUX_HINT_* */
    uint64_t dtb;         /* a CR3 the guest runs with (any task: the kernel half is shared),
                             0: none */
    uint64_t kaslr_shift; /* with MEMINTRO_LINUX_HINT_KASLR: VMCOREINFO's KERNELOFFSET */
    uint64_t phys_base;   /* with MEMINTRO_LINUX_HINT_KASLR: VMCOREINFO's NUMBER(phys_base) */
    uint64_t banner_pa;   /* physical address of linux_banner, 0: unknown */
    uint64_t scan_end;    /* the banner scan reads guest-physical [0, scan_end) at most; 0:
                             4 GiB (memintro_linux_hints_from_target: the end of the map) */
} memintro_linux_hints;

#define MEMINTRO_LINUX_HINT_KASLR 0x1u /* kaslr_shift and phys_base are set */
#define MEMINTRO_LINUX_HINT_SCAN 0x2u  /* skip the low-memory page tables: scan for the banner */

/* How the kallsyms tables are laid out (memintro_linux_kallsyms.layout). */
#define MEMINTRO_KALLSYMS_ADDRESSES 0x1u  /* kallsyms_addresses[]: absolute 64-bit values
                                             (no CONFIG_KALLSYMS_BASE_RELATIVE) */
#define MEMINTRO_KALLSYMS_RELATIVE 0x2u   /* kallsyms_offsets[] + kallsyms_relative_base */
#define MEMINTRO_KALLSYMS_ABS_PERCPU 0x4u /* offsets >= 0 absolute, < 0 base - 1 - offset
                                             (CONFIG_KALLSYMS_ABSOLUTE_PERCPU, before 6.15) */
#define MEMINTRO_KALLSYMS_TAIL 0x8u       /* 6.4+ order: addresses after token_index */
#define MEMINTRO_KALLSYMS_SEQS 0x10u      /* kallsyms_seqs_of_names between markers and
                                             token_table (6.2, 6.3) */
#define MEMINTRO_KALLSYMS_MARKERS64 0x20u /* markers and num_syms are 64-bit (older kernels) */

/* Where the kallsyms tables were found (guest-physical addresses) and what they hold. */
typedef struct memintro_linux_kallsyms {
    uint64_t token_table, token_index, markers, names, num_syms_at;
    uint64_t addresses;     /* kallsyms_offsets or kallsyms_addresses */
    uint64_t relative_base_at;
    uint64_t relative_base; /* its value (MEMINTRO_KALLSYMS_RELATIVE) */
    uint64_t names_size;    /* bytes of kallsyms_names */
    uint32_t count;         /* kallsyms_num_syms */
    uint32_t layout;        /* MEMINTRO_KALLSYMS_* */
} memintro_linux_kallsyms;

/* Where a fact came from (memintro_linux.*_source). */
typedef enum memintro_linux_source {
    MEMINTRO_LINUX_SRC_NONE = 0,
    MEMINTRO_LINUX_SRC_HINT,       /* the caller's hints (VMCOREINFO, a vCPU's CR3 or mode) */
    MEMINTRO_LINUX_SRC_PAGETABLES, /* the kernel text mapping in a DTB the caller gave */
    MEMINTRO_LINUX_SRC_SCAN,       /* a bounded physical scan for the banner */
    MEMINTRO_LINUX_SRC_LOWMEM,     /* the text mapping in the real-mode trampoline's page
                                      table below 1 MiB (no CPU state needed) */
    MEMINTRO_LINUX_SRC_KALLSYMS,   /* symbols read from the kernel's own memory */
    MEMINTRO__LINUX_SRC_FORCE32 = 0x7fffffff
} memintro_linux_source;

#define MEMINTRO_LINUX_TOKENS_MAX 4096 /* bytes of kallsyms_token_table the object holds */
#define MEMINTRO_LINUX_IO 16384        /* bytes of the object's read window */

/* A Linux kernel found in guest-physical memory. Plain data (about 64 KiB: give it static
   or heap storage, not a small stack); memintro_linux_init fills it. The symbol table and
   the BTF blob live in the caller's memory given to memintro_linux_init. */
typedef struct memintro_linux {
    memintro_phys *phys;
    memintro_virt kernel;        /* the kernel's address space (init_top_pgt), TLB attached */
    memintro_tlb tlb;
    char banner[320];            /* linux_banner without its newline, NUL-terminated */
    char release[80];            /* the UTS release from the banner, e.g. "6.1.0-57-cloud-amd64" */
    uint64_t banner_pa;          /* where linux_banner lies physically */
    uint64_t text_va, text_pa;   /* _text, virtual and physical */
    uint64_t kaslr_shift;        /* _text - 0xffffffff81000000, modulo 2^64 */
    uint64_t phys_base;          /* physical = kernel-image virtual - 0xffffffff80000000 +
                                    phys_base, modulo 2^64 (the kernel's own phys_base) */
    uint64_t dtb;                /* init_top_pgt's physical address */
    memintro_arch arch;          /* X86_64 (4-level) or X86_64_LA57 (5-level) */
    uint32_t levels;             /* 4 or 5 */
    memintro_linux_source image_source, paging_source, levels_source;
    memintro_linux_kallsyms kallsyms;
    uint64_t btf_va, btf_pa;     /* __start_BTF */
    uint64_t btf_size;           /* __stop_BTF - __start_BTF (0: the kernel has no BTF) */
    const uint8_t *btf_data;     /* the BTF blob copied into the caller's memory, or NULL */
    size_t mem_needed;           /* bytes of caller memory memintro_linux_init needs (set
                                    also when it returns MEMINTRO_E_NOSPACE) */
    const char *why;             /* one line: what failed last, see memintro_linux_why */
    /* private */
    uint64_t *sym_addr;          /* sorted by address, kallsyms order */
    uint32_t *sym_name;          /* offset of "<type><name>\0" in sym_text */
    uint32_t *sym_hash;          /* open addressing: symbol index + 1, 0 = empty */
    char *sym_text;
    uint32_t hash_mask;
    uint32_t ntokens_len;
    uint16_t token_off[256];
    uint8_t tokens[MEMINTRO_LINUX_TOKENS_MAX];
    uint64_t io_addr;            /* guest-physical address of io[0] */
    size_t io_len;               /* valid bytes in io */
    memintro_status io_status;
    uint8_t io[MEMINTRO_LINUX_IO];
    uint8_t vscratch[4096];
    uint8_t *scan_work[2];
    size_t scan_size;
    uint8_t work[2][MEMINTRO_SCAN_WORK_MIN + 4096 + 64];
    memintro_tlb_entry tlb_entries[128];
} memintro_linux;

/* Finds the kernel in phys (hints may be NULL) and reads its symbols: the kernel image
   (from VMCOREINFO hints, else the kernel text mapping under a hinted CR3, else a physical
   scan for the "Linux version " banner that stops at the first kernel it can read), the
   kallsyms tables by their own structure (every layout of 4.x to 6.x), the KASLR shift,
   phys_base, init_top_pgt and the paging levels, and the BTF blob (__start_BTF ..
   __stop_BTF). mem receives the symbol table and a copy of the BTF blob and must outlive l.
   Returns MEMINTRO_OK; MEMINTRO_E_NOSPACE when mem_size < l->mem_needed (the facts above are
   filled in, symbols are not: call again with that much memory); MEMINTRO_E_NOTFOUND when no
   Linux kernel is found; MEMINTRO_E_FORMAT when its tables make no sense; a backend status
   (MEMINTRO_E_GONE, E_IO). l->why says what failed in one line. */
MEMINTRO_API memintro_status memintro_linux_init(memintro_linux *l, memintro_phys *phys,
                                                 const memintro_linux_hints *hints, void *mem, size_t mem_size);
/* The line that says why memintro_linux_init failed (or what it found), never NULL. */
MEMINTRO_API const char *memintro_linux_why(const memintro_linux *l);
/* The address of the symbol `name` (the first of that name in kallsyms order). Returns
   MEMINTRO_OK or MEMINTRO_E_NOTFOUND. Constant time (a hash in the caller's memory). */
MEMINTRO_API memintro_status memintro_linux_symbol(const memintro_linux *l, const char *name, uint64_t *addr);
/* The symbol at or before addr: its name (truncated to name_size - 1 bytes, NUL-terminated;
   name may be NULL) and addr's offset from it. Among symbols at the same address the first
   in kallsyms order is named, as /proc/kallsyms lookups do. Returns MEMINTRO_OK, or
   MEMINTRO_E_NOTFOUND below the first symbol or more than 1 MiB past the last. */
MEMINTRO_API memintro_status memintro_linux_symbol_at(const memintro_linux *l, uint64_t addr, char *name,
                                                      size_t name_size, uint64_t *offset);
/* Symbols in the table (kallsyms_num_syms once read, else 0). */
MEMINTRO_API uint32_t memintro_linux_symbol_count(const memintro_linux *l);
/* Symbol i in kallsyms order (ascending addresses): its name (valid as long as mem), or
   NULL for i out of range; *addr and *type (nm's letter: 'T', 't', 'D', ...) when non-NULL. */
MEMINTRO_API const char *memintro_linux_symbol_get(const memintro_linux *l, uint32_t i, uint64_t *addr, char *type);
/* The guest-physical address of a kernel-image virtual address (text, data, bss: va -
   0xffffffff80000000 + phys_base), without page tables. */
MEMINTRO_API uint64_t memintro_linux_image_pa(const memintro_linux *l, uint64_t va);
/* Hints from VMCOREINFO text (KERNELOFFSET=, NUMBER(phys_base)=, NUMBER(pgtable_l5_enabled)=;
   the guest's own note, a dump's): sets the fields it finds, leaves the others. Returns 1
   when KERNELOFFSET and phys_base were both found. */
MEMINTRO_API int memintro_linux_hints_from_vmcoreinfo(const char *text, size_t size, memintro_linux_hints *h);

/* Finds and checks the kallsyms tables in guest-physical [start, end) of phys (a part of
   memintro_linux_init, public for tests and for callers that know where the image is):
   the token table from its digit tokens, token_index, markers, num_syms, names and the
   addresses or offsets, in every layout. Fills l->kallsyms and l->phys (the rest of l is
   zeroed); no symbol is decoded yet. Returns MEMINTRO_OK, MEMINTRO_E_NOTFOUND, or a backend
   status that ended the search. */
MEMINTRO_API memintro_status memintro_linux_kallsyms_find(memintro_linux *l, memintro_phys *phys, uint64_t start,
                                                          uint64_t end);

#ifdef MEMINTRO_TARGET_H
/* Hints from an open target (memintro_target.h): t->vmcoreinfo (KERNELOFFSET, phys_base,
   5-level), CPU 0's paging (CR3 and mode), and the end of the target's map as scan_end. */
MEMINTRO_API void memintro_linux_hints_from_target(const memintro_target *t, memintro_linux_hints *h);
#endif


/* ---- Tasks, memory maps, modules, kernel log -------------------------------------------- */


#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_LINUX_H */

/* ======================================================================================= */
#ifdef MEMINTRO_LINUX_IMPLEMENTATION
#ifndef MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED
#define MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED

/* ---- implementation: BTF ---------------------------------------------------------------- */


/* ---- implementation: kernel discovery, kallsyms, symbols -------------------------------- */

/* memintro.h's MEMINTRO_MEMCPY/MEMSET live in its own implementation, which may be in
   another file: this section has its own (the caller's macros when defined here). */
#if defined(MEMINTRO_MEMCPY)
#define MEMINTRO__LK_COPY(d, s, n) MEMINTRO_MEMCPY((d), (s), (n))
#elif defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__LK_COPY(d, s, n) __builtin_memcpy((d), (s), (n))
#else
#define MEMINTRO__LK_COPY(d, s, n) memintro__lk_copy((d), (s), (n))
#define MEMINTRO__LK_OWN_COPY
#endif
#if defined(MEMINTRO_MEMSET)
#define MEMINTRO__LK_SET(d, v, n) MEMINTRO_MEMSET((d), (v), (n))
#elif defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__LK_SET(d, v, n) __builtin_memset((d), (v), (n))
#else
#define MEMINTRO__LK_SET(d, v, n) memintro__lk_set((d), (v), (n))
#define MEMINTRO__LK_OWN_SET
#endif
#ifdef MEMINTRO__LK_OWN_COPY
static void memintro__lk_copy(void *d, const void *s, size_t n)
{
    uint8_t *o = (uint8_t *)d;
    const uint8_t *i = (const uint8_t *)s;
    while (n--) *o++ = *i++;
}
#endif
#ifdef MEMINTRO__LK_OWN_SET
static void memintro__lk_set(void *d, int v, size_t n)
{
    uint8_t *o = (uint8_t *)d;
    while (n--) *o++ = (uint8_t)v;
}
#endif

#define MEMINTRO__LK_MAXSYMS (1u << 22)     /* kallsyms_num_syms above this is not believed */
#define MEMINTRO__LK_SEQS_MAX (1u << 20)    /* symbols of a 6.2/6.3 kernel (seqs_of_names) */
#define MEMINTRO__LK_NAMELEN 512            /* KSYM_NAME_LEN of 6.1+ (128 before) */
#define MEMINTRO__LK_BLOCK_MAX (256u * 600u) /* bytes of 256 compressed names, at most */
#define MEMINTRO__LK_WINDOW (64ull << 20)    /* kallsyms within this distance of a banner */
#define MEMINTRO__LK_IMAGE (256ull << 20)    /* kallsyms within this distance of _text */
#define MEMINTRO__LK_BTF_MAX (256ull << 20)
#define MEMINTRO__LK_KERNEL_HALF 0xffff800000000000ull

#define MEMINTRO__LK_SCAN_WORK (256u * 1024u)

static void memintro__lk_own_work(memintro_linux *l)
{
    l->scan_work[0] = l->work[0];
    l->scan_work[1] = l->work[1];
    l->scan_size = sizeof l->work[0];
}

static memintro_status memintro__lk_fail(memintro_linux *l, memintro_status s, const char *why)
{
    l->why = why;
    return s;
}

/* A pointer to guest-physical [pa, pa+n) in the read window (n <= MEMINTRO_LINUX_IO), or
   NULL with l->io_status saying why. */
static const uint8_t *memintro__lk_map(memintro_linux *l, uint64_t pa, size_t n)
{
    memintro_status s;
    if (n > MEMINTRO_LINUX_IO || pa > UINT64_MAX - MEMINTRO_LINUX_IO) {
        l->io_status = MEMINTRO_E_INVALID;
        return NULL;
    }
    if (l->io_len && pa >= l->io_addr && pa - l->io_addr + n <= l->io_len) return l->io + (pa - l->io_addr);
    l->io_len = 0;
    s = memintro_phys_read1(l->phys, pa, l->io, MEMINTRO_LINUX_IO);
    if (s == MEMINTRO_OK) {
        l->io_addr = pa;
        l->io_len = MEMINTRO_LINUX_IO;
        return l->io;
    }
    /* the window ran into a hole or a failed page: read just what was asked */
    s = memintro_phys_read1(l->phys, pa, l->io, n);
    l->io_status = s;
    if (s != MEMINTRO_OK) return NULL;
    l->io_addr = pa;
    l->io_len = n;
    return l->io;
}

static int memintro__lk_word(memintro_linux *l, uint64_t pa, unsigned w, uint64_t *v)
{
    const uint8_t *p = memintro__lk_map(l, pa, w);
    if (!p) return 0;
    *v = w == 8 ? memintro_get_u64(p) : w == 4 ? memintro_get_u32(p) : w == 2 ? memintro_get_u16(p) : p[0];
    return 1;
}

/* One compressed name record at pa: its token count and where the next one starts. */
static int memintro__lk_rec(memintro_linux *l, uint64_t pa, uint32_t *len, uint64_t *next)
{
    const uint8_t *p = memintro__lk_map(l, pa, 2);
    uint32_t n, h = 1;
    if (!p) return 0;
    n = p[0];
    if (n & 0x80) {
        n = (n & 0x7f) | ((uint32_t)p[1] << 7);
        h = 2;
    }
    if (n == 0 || n > MEMINTRO__LK_NAMELEN) return 0;
    *len = n;
    *next = pa + h + n;
    return 1;
}

/* Walks `count` records from pa; returns 1 with *end past the last. */
static int memintro__lk_skip(memintro_linux *l, uint64_t pa, uint32_t count, uint64_t *end)
{
    uint32_t i, n;
    for (i = 0; i < count; i++)
        if (!memintro__lk_rec(l, pa, &n, &pa)) return 0;
    *end = pa;
    return 1;
}

static uint64_t memintro__lk_align8(uint64_t v)
{
    return (v + 7) & ~(uint64_t)7;
}

/* The token table whose '0' token is at pa d: token_index follows it. */
static int memintro__lk_tokens(memintro_linux *l, uint64_t d)
{
    uint32_t rel[256], idx[256], i, k;
    uint64_t q = d, t_end, ti, tt;
    const uint8_t *p;
    for (i = 0x30; i < 256; i++) {
        uint32_t n = 0;
        p = memintro__lk_map(l, q, 64);
        if (!p) return 0;
        while (n < 64 && p[n]) {
            if (p[n] < 0x20 || p[n] > 0x7e) return 0;
            n++;
        }
        if (n == 64) return 0; /* a token may be empty: codes the compressor never used */
        if (i <= '9' && (n != 1 || p[0] != i)) return 0;
        rel[i] = (uint32_t)(q - d);
        q += n + 1;
        if (q - d > MEMINTRO_LINUX_TOKENS_MAX) return 0;
    }
    t_end = q;
    for (ti = t_end; ti < t_end + 8; ti++) {
        if (ti & 1) continue;
        p = memintro__lk_map(l, ti, 512);
        if (!p) return 0;
        for (i = 0; i < 256; i++) idx[i] = memintro_get_u16(p + 2 * i);
        if (idx[0] != 0 || idx[0x30] > d || idx[0x30] > MEMINTRO_LINUX_TOKENS_MAX) continue;
        for (i = 0x30; i < 256; i++)
            if (idx[i] - idx[0x30] != rel[i]) break;
        if (i < 256) continue;
        for (i = 1; i < 256; i++)
            if (idx[i] <= idx[i - 1]) break;
        if (i < 256) continue;
        tt = d - idx[0x30];
        if (t_end - tt > MEMINTRO_LINUX_TOKENS_MAX) return 0;
        p = memintro__lk_map(l, tt, (size_t)(t_end - tt));
        if (!p) return 0;
        /* the tokens below '0': each exactly as long as the index says */
        for (i = 0; i < 0x30; i++) {
            for (k = idx[i]; k + 1 < idx[i + 1]; k++)
                if (p[k] < 0x20 || p[k] > 0x7e) return 0;
            if (p[idx[i + 1] - 1] != 0) return 0;
        }
        MEMINTRO__LK_COPY(l->tokens, p, (size_t)(t_end - tt));
        for (i = 0; i < 256; i++) l->token_off[i] = (uint16_t)idx[i];
        l->ntokens_len = (uint32_t)(t_end - tt);
        l->kallsyms.token_table = tt;
        l->kallsyms.token_index = ti;
        return 1;
    }
    return 0;
}

/* Addresses of symbol i under layout ks (reads guest memory). */
static int memintro__lk_addr(memintro_linux *l, uint32_t i, uint64_t *a)
{
    const memintro_linux_kallsyms *ks = &l->kallsyms;
    uint64_t v;
    if (ks->layout & MEMINTRO_KALLSYMS_ADDRESSES) return memintro__lk_word(l, ks->addresses + 8ull * i, 8, a);
    if (!memintro__lk_word(l, ks->addresses + 4ull * i, 4, &v)) return 0;
    if (!(ks->layout & MEMINTRO_KALLSYMS_ABS_PERCPU))
        *a = ks->relative_base + v;
    else if (v < 0x80000000u)
        *a = v;
    else
        *a = ks->relative_base - 1 + (0x100000000ull - v); /* base - 1 - (int32_t)v */
    return 1;
}

/* Samples the addresses under the current layout: ascending, and the last in the kernel. */
static int memintro__lk_addrs_ok(memintro_linux *l)
{
    uint64_t n = l->kallsyms.count, prev = 0, a = 0, k;
    for (k = 0; k <= 256; k++) {
        if (!memintro__lk_addr(l, (uint32_t)(k * (n - 1) / 256), &a) || a < prev) return 0;
        prev = a;
    }
    return a >= MEMINTRO__LK_KERNEL_HALF;
}

/* The addresses: kallsyms_offsets + relative_base or kallsyms_addresses, before num_syms
   (up to 6.3) or after token_index (6.4+). */
static int memintro__lk_addresses(memintro_linux *l)
{
    memintro_linux_kallsyms *ks = &l->kallsyms;
    uint64_t n = ks->count, rb, last, tail = memintro__lk_align8(ks->token_index + 512);
    unsigned tries;
    uint32_t keep = ks->layout & (MEMINTRO_KALLSYMS_SEQS | MEMINTRO_KALLSYMS_MARKERS64);
    for (tries = 0; tries < 4; tries++) {
        uint64_t at = 0, rb_at = 0;
        int relative = !(tries & 1);
        if (tries < 2) { /* up to 6.3: ... addresses, [relative_base], num_syms */
            if (relative) {
                rb_at = ks->num_syms_at - 8;
                at = rb_at - 4 * n - ((4 * n) & 4);
            } else
                at = ks->num_syms_at - 8 * n;
        } else { /* 6.4+: token_index, addresses, [relative_base] */
            at = tail;
            if (relative) rb_at = memintro__lk_align8(at + 4 * n);
        }
        ks->layout = keep | (tries >= 2 ? MEMINTRO_KALLSYMS_TAIL : 0u);
        ks->addresses = at;
        if (relative) {
            if (!memintro__lk_word(l, rb_at, 8, &rb) || rb < MEMINTRO__LK_KERNEL_HALF) continue;
            ks->relative_base = rb;
            ks->relative_base_at = rb_at;
            if (!memintro__lk_word(l, at + 4 * (n - 1), 4, &last)) continue;
            ks->layout |= MEMINTRO_KALLSYMS_RELATIVE | (last >= 0x80000000u ? MEMINTRO_KALLSYMS_ABS_PERCPU : 0u);
        } else {
            ks->layout |= MEMINTRO_KALLSYMS_ADDRESSES;
            ks->relative_base = 0;
            ks->relative_base_at = 0;
        }
        if (memintro__lk_addrs_ok(l)) return 1;
    }
    return 0;
}

/* num_syms and names before markers at z (k markers of width w; n in [nmin, nmax]). The
   num_syms slot is searched backwards in window-sized chunks. */
static int memintro__lk_names(memintro_linux *l, uint64_t z, uint32_t k, unsigned w, uint64_t nmin, uint64_t nmax)
{
    const uint64_t chunk = MEMINTRO_LINUX_IO - 64;
    uint64_t mlast, m1 = 0, p, lo, end, e2;
    if (!memintro__lk_word(l, z + (uint64_t)w * (k - 1), w, &mlast)) return 0;
    if (k > 1 && !memintro__lk_word(l, z + w, w, &m1)) return 0;
    if (z < mlast + 16) return 0;
    p = (z - mlast - 10) & ~(uint64_t)7;
    lo = p > MEMINTRO__LK_BLOCK_MAX ? p - MEMINTRO__LK_BLOCK_MAX : 8;
    while (p >= lo && p >= 8) {
        uint64_t cs = p + 8 - lo > chunk ? p + 8 - chunk : lo, names, tail, v;
        const uint8_t *c = memintro__lk_map(l, cs, (size_t)(p + 8 - cs));
        if (!c) return 0;
        v = memintro_get_u32(c + (p - cs));
        if (v < nmin || v > nmax || memintro_get_u32(c + (p - cs) + 4) != 0) {
            if (p - 8 < cs || p < 16) { /* next chunk */
                if (cs == lo || p < 16) break;
                p -= 8;
                continue;
            }
            p -= 8;
            continue;
        }
        names = p + 8;
        tail = v - 256ull * (k - 1);
        if (memintro__lk_skip(l, names + mlast, (uint32_t)tail, &end) && end <= z && z - end < 8 &&
            (k == 1 || (memintro__lk_skip(l, names, 256, &e2) && e2 == names + m1))) {
            l->kallsyms.names = names;
            l->kallsyms.num_syms_at = p;
            l->kallsyms.count = (uint32_t)v;
            l->kallsyms.names_size = end - names;
            l->kallsyms.markers = z;
            if (w == 8) l->kallsyms.layout |= MEMINTRO_KALLSYMS_MARKERS64;
            if (memintro__lk_addresses(l)) return 1;
            l->kallsyms.layout &= ~(MEMINTRO_KALLSYMS_MARKERS64 | MEMINTRO_KALLSYMS_SEQS);
        }
        if (p < 16) break;
        p -= 8;
    }
    return 0;
}

/* The forward run of ascending words from the 0 at z (at most up to tt). */
static uint32_t memintro__lk_run(memintro_linux *l, uint64_t z, unsigned w, uint64_t tt)
{
    uint64_t v, prev = 0, pos;
    uint32_t run = 1;
    for (pos = z + w; pos + w <= tt && run < MEMINTRO__LK_MAXSYMS / 256; pos += w, run++) {
        if (!memintro__lk_word(l, pos, w, &v) || v <= prev || v - prev > MEMINTRO__LK_BLOCK_MAX) break;
        prev = v;
    }
    return run;
}

/* The markers before the token table: a run of ascending words from 0. Without
   kallsyms_seqs_of_names they end at the token table (a walk back along them); in 6.2/6.3
   the seqs (3 bytes a symbol) lie between, found by a bounded backward search. */
static int memintro__lk_markers(memintro_linux *l)
{
    const uint64_t chunk = MEMINTRO_LINUX_IO - 64;
    uint64_t tt = l->kallsyms.token_table, e, z, lo, v, prev;
    unsigned w;
    for (w = 4; w <= 8; w += 4)
        for (e = tt & ~(uint64_t)(w - 1); e + 8 > tt && e >= 2 * w; e -= w) {
            uint64_t pad;
            uint32_t k = 0;
            if (!memintro__lk_word(l, e - w, w, &prev)) continue;
            for (pad = e; pad < tt; pad++)
                if (!memintro__lk_word(l, pad, 1, &v) || v) break;
            if (pad < tt) continue;
            if (prev == 0) { /* one marker (at most 256 symbols), 8-aligned like every table */
                if ((e - w) & 7) continue;
                l->kallsyms.layout = 0;
                if (memintro__lk_names(l, e - w, 1, w, 1, 256)) return 1;
                continue;
            }
            for (z = e - w; z >= w && k < MEMINTRO__LK_MAXSYMS / 256; k++) {
                z -= w;
                if (!memintro__lk_word(l, z, w, &v) || v >= prev || prev - v > MEMINTRO__LK_BLOCK_MAX) break;
                if (v == 0) break;
                prev = v;
            }
            if (v != 0 || k >= MEMINTRO__LK_MAXSYMS / 256) continue;
            k += 2; /* m[0] and the last marker */
            l->kallsyms.layout = 0;
            if (memintro__lk_names(l, z, k, w, 256ull * (k - 1) + 1, 256ull * k)) return 1;
        }
    /* 6.2/6.3: u32 markers starting 8-aligned, then seqs_of_names, then the token table */
    lo = tt > 3ull * MEMINTRO__LK_SEQS_MAX + 4096 ? tt - 3ull * MEMINTRO__LK_SEQS_MAX - 4096 : 8;
    z = (tt - 8) & ~(uint64_t)7;
    while (z >= lo && z >= 8) {
        uint64_t cs = z + 8 - lo > chunk ? z + 8 - chunk : lo;
        const uint8_t *c = memintro__lk_map(l, cs, (size_t)(z + 8 - cs));
        uint64_t s, lo3, hi3, nmin, nmax;
        uint32_t run, k;
        if (!c) return 0;
        if (memintro_get_u32(c + (z - cs)) != 0) {
            if (z < 16) break;
            z -= 8;
            continue;
        }
        run = memintro__lk_run(l, z, 4, tt);
        for (k = run; k >= 1 && k + 2 >= run; k--) {
            e = z + 4ull * k;
            nmin = 256ull * (k - 1) + 1;
            nmax = 256ull * k;
            s = memintro__lk_align8(e);
            if (s >= tt) continue;
            lo3 = (tt - s) > 7 ? (tt - s - 7 + 2) / 3 : 1;
            hi3 = (tt - s) / 3;
            if (lo3 < nmin) lo3 = nmin;
            if (hi3 > nmax) hi3 = nmax;
            if (lo3 > hi3) continue;
            l->kallsyms.layout = MEMINTRO_KALLSYMS_SEQS;
            if (memintro__lk_names(l, z, k, 4, lo3, hi3)) return 1;
        }
        if (z < 16) break;
        z -= 8;
    }
    return 0;
}

typedef struct memintro__lk_scan {
    memintro_linux *l;
    int found;
} memintro__lk_scan;

static int memintro__lk_digits_hit(void *user, uint64_t addr)
{
    memintro__lk_scan *c = (memintro__lk_scan *)user;
    memintro_linux *l = c->l;
    MEMINTRO__LK_SET(&l->kallsyms, 0, sizeof l->kallsyms);
    if (memintro__lk_tokens(l, addr) && memintro__lk_markers(l)) {
        c->found = 1;
        return 1;
    }
    MEMINTRO__LK_SET(&l->kallsyms, 0, sizeof l->kallsyms);
    return 0;
}

static memintro_status memintro__lk_find(memintro_linux *l, uint64_t start, uint64_t end)
{
    static const uint8_t digits[20] = {'0', 0, '1', 0, '2', 0, '3', 0, '4', 0, '5', 0, '6', 0, '7', 0, '8', 0, '9', 0};
    memintro__lk_scan c;
    memintro_status s;
    c.l = l;
    c.found = 0;
    if (end <= start) return MEMINTRO_E_NOTFOUND;
    s = memintro_scan_phys(l->phys, start, end, digits, NULL, sizeof digits, 1, l->scan_work[1], l->scan_size,
                           memintro__lk_digits_hit, &c);
    if (c.found) return MEMINTRO_OK;
    return s != MEMINTRO_OK ? s : MEMINTRO_E_NOTFOUND;
}

memintro_status memintro_linux_kallsyms_find(memintro_linux *l, memintro_phys *phys, uint64_t start, uint64_t end)
{
    if (!l || !phys) return MEMINTRO_E_INVALID;
    MEMINTRO__LK_SET(l, 0, sizeof *l);
    l->phys = phys;
    memintro__lk_own_work(l);
    return memintro__lk_find(l, start, end);
}

/* ---- symbols: decoding the names ---- */

static uint32_t memintro__lk_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static int memintro__lk_streq(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

/* The names the discovery itself needs. */
enum {
    MEMINTRO__LK_TEXT, MEMINTRO__LK_BANNER, MEMINTRO__LK_TOP_PGT, MEMINTRO__LK_L4_PGT,
    MEMINTRO__LK_START_BTF, MEMINTRO__LK_STOP_BTF, MEMINTRO__LK_L5, MEMINTRO__LK_PHYS_BASE,
    MEMINTRO__LK_WANTED
};
static const char *const memintro__lk_wanted[MEMINTRO__LK_WANTED] = {
    "_text", "linux_banner", "init_top_pgt", "init_level4_pgt", "__start_BTF", "__stop_BTF",
    "__pgtable_l5_enabled", "phys_base"};

/* One pass over kallsyms_names: checks every marker and record, expands every name. With
   out == NULL it counts the bytes of the expanded names and finds the wanted ones
   (want[] = index + 1); else it writes "<type><name>\0" for each into out. */
static memintro_status memintro__lk_walk(memintro_linux *l, char *out, uint64_t *bytes, uint32_t *want)
{
    const memintro_linux_kallsyms *ks = &l->kallsyms;
    unsigned w = (ks->layout & MEMINTRO_KALLSYMS_MARKERS64) ? 8 : 4;
    uint64_t pos = ks->names, end = ks->names + ks->names_size, total = 0, m, next;
    uint32_t i, len, j;
    char name[MEMINTRO__LK_NAMELEN + 1];
    uint32_t token_len[256];
    for (j = 0; j < 256; j++)
        token_len[j] = (j < 255 ? l->token_off[j + 1] : l->ntokens_len) - l->token_off[j] - 1;
    for (i = 0; i < ks->count; i++) {
        const uint8_t *p;
        size_t nl = 0;
        if ((i & 255) == 0) {
            if (!memintro__lk_word(l, ks->markers + (uint64_t)w * (i >> 8), w, &m)) return l->io_status;
            if (m != pos - ks->names) return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "kallsyms_markers disagree with kallsyms_names");
        }
        if (!memintro__lk_rec(l, pos, &len, &next) || next > end)
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "a kallsyms_names record is malformed");
        p = memintro__lk_map(l, next - len, len);
        if (!p) return l->io_status;
        for (j = 0; j < len; j++) {
            uint32_t tl = token_len[p[j]];
            if (nl + tl > MEMINTRO__LK_NAMELEN)
                return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "a kallsyms name is longer than KSYM_NAME_LEN");
            MEMINTRO__LK_COPY(name + nl, l->tokens + l->token_off[p[j]], tl);
            nl += tl;
        }
        if (nl < 2) return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "a kallsyms name is empty");
        name[nl] = 0;
        if (out) {
            l->sym_name[i] = (uint32_t)total;
            MEMINTRO__LK_COPY(out + total, name, nl + 1);
        } else if (want) {
            for (j = 0; j < MEMINTRO__LK_WANTED; j++)
                if (!want[j] && memintro__lk_streq(name + 1, memintro__lk_wanted[j])) want[j] = i + 1;
        }
        total += nl + 1;
        pos = next;
    }
    *bytes = total;
    return MEMINTRO_OK;
}

/* Reads every address into l->sym_addr (checking the order) and fills the name hash. */
static memintro_status memintro__lk_fill(memintro_linux *l)
{
    uint32_t i, n = l->kallsyms.count;
    uint64_t prev = 0;
    for (i = 0; i < n; i++) {
        uint64_t a;
        if (!memintro__lk_addr(l, i, &a)) return l->io_status;
        if (a < prev) return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "kallsyms addresses are not in ascending order");
        l->sym_addr[i] = prev = a;
    }
    for (i = 0; i <= l->hash_mask; i++) l->sym_hash[i] = 0;
    for (i = 0; i < n; i++) {
        uint32_t h = memintro__lk_hash(l->sym_text + l->sym_name[i] + 1) & l->hash_mask;
        while (l->sym_hash[h]) h = (h + 1) & l->hash_mask;
        l->sym_hash[h] = i + 1;
    }
    return MEMINTRO_OK;
}

/* ---- discovery ---- */

typedef struct memintro__lk_banner_scan {
    memintro_linux *l;
    uint64_t done_lo, done_hi; /* the kallsyms search already covered this range */
    memintro_status status;
    int found;
} memintro__lk_banner_scan;

static int memintro__lk_banner_hit(void *user, uint64_t addr)
{
    memintro__lk_banner_scan *c = (memintro__lk_banner_scan *)user;
    memintro_linux *l = c->l;
    uint64_t lo = addr > MEMINTRO__LK_WINDOW ? addr - MEMINTRO__LK_WINDOW : 0, hi = addr + MEMINTRO__LK_WINDOW;
    memintro_status s;
    if (c->done_hi && addr >= c->done_lo && addr < c->done_hi) return 0;
    /* forward first (kallsyms follow linux_banner in .rodata), then back */
    s = memintro__lk_find(l, addr, hi);
    if (s == MEMINTRO_E_NOTFOUND) s = memintro__lk_find(l, lo, addr);
    c->done_lo = lo;
    c->done_hi = hi;
    if (s == MEMINTRO_OK) {
        c->found = 1;
        return 1;
    }
    if (s != MEMINTRO_E_NOTFOUND && s != MEMINTRO_E_HOLE) {
        c->status = s;
        return 1;
    }
    return 0;
}

/* Translates va through dtb in mode arch; 1 with *pa when mapped. */
static int memintro__lk_translate(memintro_linux *l, memintro_arch arch, uint64_t dtb, uint64_t va, uint64_t *pa)
{
    memintro_mmu_desc d;
    memintro_virt v;
    memintro_xlate x;
    MEMINTRO__LK_SET(&d, 0, sizeof d);
    d.arch = arch;
    d.dtb = dtb;
    if (memintro_virt_init(&v, l->phys, &d, l->vscratch, sizeof l->vscratch) != MEMINTRO_OK) return 0;
    MEMINTRO__LK_SET(&x, 0, sizeof x);
    x.va = va;
    if (memintro_translate(&v, &x, 1) != MEMINTRO_OK) return 0;
    *pa = x.pa;
    return 1;
}

/* The first 2 MiB of the kernel text mapping (__START_KERNEL_map + 1 GiB) under dtb. */
static int memintro__lk_text_from_dtb(memintro_linux *l, memintro_arch arch, uint64_t dtb)
{
    memintro_mmu_desc d;
    memintro_virt v;
    memintro_xlate x[16];
    uint32_t k, i;
    MEMINTRO__LK_SET(&d, 0, sizeof d);
    d.arch = arch;
    d.dtb = dtb;
    if (memintro_virt_init(&v, l->phys, &d, l->vscratch, sizeof l->vscratch) != MEMINTRO_OK) return 0;
    for (k = 0; k < 512; k += 16) {
        MEMINTRO__LK_SET(x, 0, sizeof x);
        for (i = 0; i < 16; i++) x[i].va = MEMINTRO_LINUX_START_KERNEL_MAP + ((uint64_t)(k + i) << 21);
        memintro_translate(&v, x, 16);
        for (i = 0; i < 16; i++)
            if (x[i].status == MEMINTRO_OK) {
                l->text_va = x[i].va;
                l->text_pa = x[i].pa;
                return 1;
            }
    }
    return 0;
}

static int memintro__lk_starts(const uint8_t *p, size_t n, const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++)
        if (i >= n || p[i] != (uint8_t)s[i]) return 0;
    return 1;
}

/* Checks a phys_base candidate: linux_banner lies there and init_top_pgt maps it. Sets
   arch/levels when they were not known. */
static int memintro__lk_check_image(memintro_linux *l, const uint64_t *va, memintro_arch arch, uint64_t text_pa)
{
    uint64_t pb = text_pa - (va[MEMINTRO__LK_TEXT] - MEMINTRO_LINUX_START_KERNEL_MAP), banner_pa, dtb, pa, l5;
    uint64_t top = va[MEMINTRO__LK_TOP_PGT] ? va[MEMINTRO__LK_TOP_PGT] : va[MEMINTRO__LK_L4_PGT];
    const uint8_t *p;
    memintro_arch tries[2];
    unsigned i, n = 0;
    if (!top || !va[MEMINTRO__LK_BANNER]) return 0;
    banner_pa = va[MEMINTRO__LK_BANNER] - MEMINTRO_LINUX_START_KERNEL_MAP + pb;
    dtb = top - MEMINTRO_LINUX_START_KERNEL_MAP + pb;
    p = memintro__lk_map(l, banner_pa, 14);
    if (!p || !memintro__lk_starts(p, 14, "Linux version ")) return 0;
    if (arch == MEMINTRO_ARCH_X86_64 || arch == MEMINTRO_ARCH_X86_64_LA57) {
        tries[n++] = arch;
        l->levels_source = MEMINTRO_LINUX_SRC_HINT;
    } else if (va[MEMINTRO__LK_L5] &&
               memintro__lk_word(l, va[MEMINTRO__LK_L5] - MEMINTRO_LINUX_START_KERNEL_MAP + pb, 4, &l5) && l5 <= 1) {
        tries[n++] = l5 ? MEMINTRO_ARCH_X86_64_LA57 : MEMINTRO_ARCH_X86_64;
        l->levels_source = MEMINTRO_LINUX_SRC_KALLSYMS;
    } else {
        tries[n++] = MEMINTRO_ARCH_X86_64;
        tries[n++] = MEMINTRO_ARCH_X86_64_LA57;
        l->levels_source = MEMINTRO_LINUX_SRC_PAGETABLES;
    }
    for (i = 0; i < n; i++)
        if (memintro__lk_translate(l, tries[i], dtb, va[MEMINTRO__LK_BANNER], &pa) && pa == banner_pa) {
            l->arch = tries[i];
            l->levels = tries[i] == MEMINTRO_ARCH_X86_64_LA57 ? 5 : 4;
            l->phys_base = pb;
            l->text_pa = text_pa;
            l->banner_pa = banner_pa;
            l->dtb = dtb;
            return 1;
        }
    return 0;
}

typedef struct memintro__lk_img_scan {
    memintro_linux *l;
    const uint64_t *va;
    memintro_arch arch;
    int found;
} memintro__lk_img_scan;

static int memintro__lk_image_hit(void *user, uint64_t addr)
{
    memintro__lk_img_scan *c = (memintro__lk_img_scan *)user;
    uint64_t delta = c->va[MEMINTRO__LK_BANNER] - c->va[MEMINTRO__LK_TEXT];
    if (addr < delta || ((addr - delta) & 0xfff)) return 0;
    if (memintro__lk_check_image(c->l, c->va, c->arch, addr - delta)) {
        c->found = 1;
        return 1;
    }
    return 0;
}

/* A page below 1 MiB whose last entry is a present, writable table (not a large page) mapping the
   kernel text: the trampoline_pgd of the real-mode blob (its entry 511 is init_top_pgt's).
   Reads at most 1 MiB and walks only the pages that pass the entry check. */
static int memintro__lk_lowmem(memintro_linux *l, uint64_t scan_end, uint64_t *dtb)
{
    uint64_t pa, e;
    for (pa = 0x1000; pa < 0x100000; pa += 0x1000) {
        if (!memintro__lk_word(l, pa + 8 * 511, 8, &e)) continue;
        if ((e & 0x83) != 0x03 || (e & 0x000ffffffffff000ull) >= scan_end || !(e & 0x000ffffffffff000ull)) continue;
        if (memintro__lk_text_from_dtb(l, MEMINTRO_ARCH_X86_64, pa) ||
            memintro__lk_text_from_dtb(l, MEMINTRO_ARCH_X86_64_LA57, pa)) {
            *dtb = pa;
            return 1;
        }
    }
    return 0;
}

uint64_t memintro_linux_image_pa(const memintro_linux *l, uint64_t va)
{
    return va - MEMINTRO_LINUX_START_KERNEL_MAP + l->phys_base;
}

memintro_status memintro_linux_init(memintro_linux *l, memintro_phys *phys, const memintro_linux_hints *hints,
                                    void *mem, size_t mem_size)
{
    static const char banner_pat[] = "Linux version ";
    memintro_linux_hints h;
    memintro_status s;
    uint32_t want[MEMINTRO__LK_WANTED], i, n, hs;
    uint64_t va[MEMINTRO__LK_WANTED], text_bytes = 0, need, off;
    uint8_t *base;
    const uint8_t *p;
    int have_text = 0;
    if (!l || !phys) return MEMINTRO_E_INVALID;
    MEMINTRO__LK_SET(&h, 0, sizeof h);
    if (hints) h = *hints;
    MEMINTRO__LK_SET(l, 0, sizeof *l);
    l->phys = phys;
    memintro__lk_own_work(l);
    l->why = "searching";
    if (!h.scan_end) h.scan_end = 4ull << 30;
    /* scans read many pages a batch in the caller's memory when it is large (it is
       overwritten by the symbols afterwards), else a page or two in the object's own */
    if (mem && mem_size >= 2 * MEMINTRO__LK_SCAN_WORK) {
        l->scan_work[0] = (uint8_t *)mem;
        l->scan_work[1] = (uint8_t *)mem + MEMINTRO__LK_SCAN_WORK;
        l->scan_size = MEMINTRO__LK_SCAN_WORK;
    }

    /* 1. where the image is: VMCOREINFO, the text mapping under a CR3, or a banner scan */
    if (h.flags & MEMINTRO_LINUX_HINT_KASLR) {
        l->text_va = MEMINTRO_LINUX_TEXT_DEFAULT + h.kaslr_shift;
        l->text_pa = l->text_va - MEMINTRO_LINUX_START_KERNEL_MAP + h.phys_base;
        l->image_source = MEMINTRO_LINUX_SRC_HINT;
        have_text = 1;
    } else if (h.dtb) {
        if (h.arch == MEMINTRO_ARCH_X86_64 || h.arch == MEMINTRO_ARCH_X86_64_LA57)
            have_text = memintro__lk_text_from_dtb(l, h.arch, h.dtb);
        else
            have_text = memintro__lk_text_from_dtb(l, MEMINTRO_ARCH_X86_64, h.dtb) ||
                        memintro__lk_text_from_dtb(l, MEMINTRO_ARCH_X86_64_LA57, h.dtb);
        if (have_text) l->image_source = MEMINTRO_LINUX_SRC_PAGETABLES;
    } else if (!(h.flags & MEMINTRO_LINUX_HINT_SCAN) && memintro__lk_lowmem(l, h.scan_end, &h.dtb)) {
        /* the real-mode trampoline's page table below 1 MiB shares init_top_pgt's kernel
           entry: a CR3 found without a CPU */
        have_text = 1;
        l->image_source = MEMINTRO_LINUX_SRC_LOWMEM;
    }
    s = MEMINTRO_E_NOTFOUND;
    if (have_text) s = memintro__lk_find(l, l->text_pa, l->text_pa + MEMINTRO__LK_IMAGE);
    if (s != MEMINTRO_OK && h.banner_pa)
        s = memintro__lk_find(l, h.banner_pa > MEMINTRO__LK_WINDOW ? h.banner_pa - MEMINTRO__LK_WINDOW : 0,
                              h.banner_pa + MEMINTRO__LK_WINDOW);
    if (s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO) return memintro__lk_fail(l, s, "guest memory could not be read");
    if (s != MEMINTRO_OK) {
        memintro__lk_banner_scan c;
        have_text = 0;
        c.l = l;
        c.done_lo = c.done_hi = 0;
        c.status = MEMINTRO_OK;
        c.found = 0;
        s = memintro_scan_phys(phys, 0, h.scan_end, banner_pat, NULL, sizeof banner_pat - 1, 1, l->scan_work[0],
                               l->scan_size, memintro__lk_banner_hit, &c);
        if (c.status != MEMINTRO_OK) s = c.status;
        if (!c.found) {
            if (s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO) return memintro__lk_fail(l, s, "guest memory could not be read");
            return memintro__lk_fail(l, MEMINTRO_E_NOTFOUND, "no Linux kernel: no banner with kallsyms tables near it");
        }
        l->image_source = MEMINTRO_LINUX_SRC_SCAN;
    }

    /* 2. one pass over the names: their size, and the symbols discovery needs */
    n = l->kallsyms.count;
    MEMINTRO__LK_SET(want, 0, sizeof want);
    s = memintro__lk_walk(l, NULL, &text_bytes, want);
    if (s != MEMINTRO_OK) return s == MEMINTRO_E_FORMAT ? s : memintro__lk_fail(l, s, "kallsyms_names could not be read");
    for (i = 0; i < MEMINTRO__LK_WANTED; i++) {
        va[i] = 0;
        if (want[i] && !memintro__lk_addr(l, want[i] - 1, &va[i]))
            return memintro__lk_fail(l, l->io_status, "kallsyms addresses could not be read");
    }
    if (!va[MEMINTRO__LK_TEXT]) return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "kallsyms has no _text");
    l->text_va = va[MEMINTRO__LK_TEXT];
    l->kaslr_shift = l->text_va - MEMINTRO_LINUX_TEXT_DEFAULT;

    /* 3. phys_base, init_top_pgt and the levels, checked against each other */
    if (l->image_source == MEMINTRO_LINUX_SRC_PAGETABLES || l->image_source == MEMINTRO_LINUX_SRC_LOWMEM) {
        uint64_t pa;
        if ((h.arch == MEMINTRO_ARCH_X86_64_LA57 || !memintro__lk_translate(l, MEMINTRO_ARCH_X86_64, h.dtb, l->text_va, &pa)) &&
            (h.arch == MEMINTRO_ARCH_X86_64 || !memintro__lk_translate(l, MEMINTRO_ARCH_X86_64_LA57, h.dtb, l->text_va, &pa)))
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "the given CR3 does not map _text");
        l->text_pa = pa;
    }
    if (l->image_source == MEMINTRO_LINUX_SRC_SCAN || !memintro__lk_check_image(l, va, h.arch, l->text_pa)) {
        /* the physical copy of linux_banner near the tables says where the image is */
        memintro__lk_img_scan c;
        uint64_t tt = l->kallsyms.token_table;
        uint64_t lo = tt > MEMINTRO__LK_WINDOW ? tt - MEMINTRO__LK_WINDOW : 0;
        if (l->image_source != MEMINTRO_LINUX_SRC_SCAN)
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "the kernel image is not where the hints say (no linux_banner, or init_top_pgt does not map it)");
        c.l = l;
        c.va = va;
        c.arch = h.arch;
        c.found = 0;
        s = memintro_scan_phys(phys, lo, tt + MEMINTRO__LK_WINDOW, banner_pat, NULL, sizeof banner_pat - 1, 1,
                               l->scan_work[0], l->scan_size, memintro__lk_image_hit, &c);
        if (!c.found) {
            if (s == MEMINTRO_E_GONE || s == MEMINTRO_E_IO) return memintro__lk_fail(l, s, "guest memory could not be read");
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "kallsyms found, but no linux_banner mapped by init_top_pgt near them");
        }
    }
    l->paging_source = MEMINTRO_LINUX_SRC_KALLSYMS;
    p = memintro__lk_map(l, l->banner_pa, sizeof l->banner - 1);
    if (!p) return memintro__lk_fail(l, l->io_status, "linux_banner could not be read");
    for (i = 0; i + 1 < sizeof l->banner && p[i] && p[i] != '\n'; i++) l->banner[i] = (char)p[i];
    l->banner[i] = 0;
    for (i = 0; i + 1 < sizeof l->release && l->banner[14 + i] && l->banner[14 + i] != ' '; i++)
        l->release[i] = l->banner[14 + i];
    l->release[i] = 0;
    if (va[MEMINTRO__LK_START_BTF] && va[MEMINTRO__LK_STOP_BTF] > va[MEMINTRO__LK_START_BTF]) {
        l->btf_va = va[MEMINTRO__LK_START_BTF];
        l->btf_pa = memintro_linux_image_pa(l, l->btf_va);
        l->btf_size = va[MEMINTRO__LK_STOP_BTF] - va[MEMINTRO__LK_START_BTF];
        if (l->btf_size > MEMINTRO__LK_BTF_MAX) return memintro__lk_fail(l, MEMINTRO_E_LIMIT, "__stop_BTF - __start_BTF is implausibly large");
    }

    /* 4. the kernel's address space */
    {
        memintro_mmu_desc d;
        MEMINTRO__LK_SET(&d, 0, sizeof d);
        d.arch = l->arch;
        d.dtb = l->dtb;
        memintro_tlb_init(&l->tlb, l->tlb_entries, sizeof l->tlb_entries / sizeof l->tlb_entries[0]);
        s = memintro_virt_init(&l->kernel, phys, &d, l->vscratch, sizeof l->vscratch);
        if (s != MEMINTRO_OK) return memintro__lk_fail(l, s, "the kernel's paging cannot be set up");
        memintro_virt_set_tlb(&l->kernel, &l->tlb);
    }

    /* 5. the caller's memory: addresses, name offsets, hash, names, BTF */
    for (hs = 16; hs < 2 * n; hs <<= 1) {}
    need = 8 + 8ull * n + 4ull * n + 4ull * hs + text_bytes;
    need = memintro__lk_align8(need) + l->btf_size;
    l->mem_needed = (size_t)need;
    if (need != l->mem_needed) return memintro__lk_fail(l, MEMINTRO_E_NOSPACE, "the symbol table does not fit in this address space");
    if (!mem || mem_size < need)
        return memintro__lk_fail(l, MEMINTRO_E_NOSPACE, "kernel found; give memintro_linux_init mem_needed bytes for its symbols");
    base = (uint8_t *)mem;
    base += (8 - ((uintptr_t)base & 7)) & 7;
    l->sym_addr = (uint64_t *)(void *)base;
    off = 8ull * n;
    l->sym_name = (uint32_t *)(void *)(base + off);
    off += 4ull * n;
    l->sym_hash = (uint32_t *)(void *)(base + off);
    off += 4ull * hs;
    l->sym_text = (char *)(base + off);
    off += text_bytes;
    l->hash_mask = hs - 1;
    s = memintro__lk_walk(l, l->sym_text, &text_bytes, NULL);
    if (s == MEMINTRO_OK) s = memintro__lk_fill(l);
    if (s != MEMINTRO_OK) {
        l->sym_addr = NULL;
        return s == MEMINTRO_E_FORMAT ? s : memintro__lk_fail(l, s, "kallsyms could not be read");
    }
    if (l->btf_size) {
        uint8_t *btf = (uint8_t *)memintro__lk_align8((uint64_t)(uintptr_t)(base + off));
        s = memintro_phys_read1(phys, l->btf_pa, btf, (size_t)l->btf_size);
        if (s != MEMINTRO_OK) return memintro__lk_fail(l, s, "the BTF blob could not be read");
        l->btf_data = btf;
    }
    l->why = l->btf_size ? "kernel, kallsyms and BTF found" : "kernel and kallsyms found; the kernel has no BTF (__start_BTF)";
    return MEMINTRO_OK;
}

const char *memintro_linux_why(const memintro_linux *l)
{
    return l && l->why ? l->why : "no kernel searched";
}

memintro_status memintro_linux_symbol(const memintro_linux *l, const char *name, uint64_t *addr)
{
    uint32_t h, k;
    if (!l || !name || !l->sym_addr) return MEMINTRO_E_NOTFOUND;
    h = memintro__lk_hash(name) & l->hash_mask;
    while ((k = l->sym_hash[h]) != 0) {
        if (memintro__lk_streq(l->sym_text + l->sym_name[k - 1] + 1, name)) {
            if (addr) *addr = l->sym_addr[k - 1];
            return MEMINTRO_OK;
        }
        h = (h + 1) & l->hash_mask;
    }
    return MEMINTRO_E_NOTFOUND;
}

memintro_status memintro_linux_symbol_at(const memintro_linux *l, uint64_t addr, char *name, size_t name_size,
                                         uint64_t *offset)
{
    uint32_t lo = 0, hi, n;
    const char *s;
    size_t i;
    if (!l || !l->sym_addr || !(n = l->kallsyms.count) || addr < l->sym_addr[0]) return MEMINTRO_E_NOTFOUND;
    hi = n; /* the last index with sym_addr <= addr is in [lo, hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->sym_addr[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == n - 1 && addr - l->sym_addr[lo] > (1u << 20)) return MEMINTRO_E_NOTFOUND;
    while (lo > 0 && l->sym_addr[lo - 1] == l->sym_addr[lo]) lo--;
    if (offset) *offset = addr - l->sym_addr[lo];
    if (name && name_size) {
        s = l->sym_text + l->sym_name[lo] + 1;
        for (i = 0; i + 1 < name_size && s[i]; i++) name[i] = s[i];
        name[i] = 0;
    }
    return MEMINTRO_OK;
}

uint32_t memintro_linux_symbol_count(const memintro_linux *l)
{
    return l && l->sym_addr ? l->kallsyms.count : 0;
}

const char *memintro_linux_symbol_get(const memintro_linux *l, uint32_t i, uint64_t *addr, char *type)
{
    const char *s;
    if (!l || !l->sym_addr || i >= l->kallsyms.count) return NULL;
    s = l->sym_text + l->sym_name[i];
    if (addr) *addr = l->sym_addr[i];
    if (type) *type = s[0];
    return s + 1;
}

/* "KEY=value" in VMCOREINFO text: the value's start and length, or NULL. */
static const char *memintro__lk_vmci(const char *t, size_t n, const char *key, size_t *len)
{
    size_t i = 0, k;
    while (i < n) {
        size_t e = i;
        while (e < n && t[e] != '\n' && t[e]) e++;
        for (k = 0; key[k] && i + k < e && t[i + k] == key[k]; k++) {}
        if (!key[k]) {
            *len = e - i - k;
            return t + i + k;
        }
        if (e < n && !t[e]) break;
        i = e + 1;
    }
    return NULL;
}

int memintro_linux_hints_from_vmcoreinfo(const char *text, size_t size, memintro_linux_hints *h)
{
    const char *v;
    size_t len;
    uint64_t off = 0, pb = 0, l5;
    int got = 0;
    if (!text || !h) return 0;
    if ((v = memintro__lk_vmci(text, size, "KERNELOFFSET=", &len)) && memintro_parse_hex(v, len, &off) == len) got |= 1;
    if ((v = memintro__lk_vmci(text, size, "NUMBER(phys_base)=", &len)) && len) {
        int neg = v[0] == '-';
        if (memintro_parse_u64(v + neg, len - neg, &pb) == len - (size_t)neg) {
            if (neg) pb = 0 - pb;
            got |= 2;
        }
    }
    if ((v = memintro__lk_vmci(text, size, "NUMBER(pgtable_l5_enabled)=", &len)) && memintro_parse_u64(v, len, &l5) == len)
        h->arch = l5 ? MEMINTRO_ARCH_X86_64_LA57 : MEMINTRO_ARCH_X86_64;
    if (got == 3) {
        h->kaslr_shift = off;
        h->phys_base = pb;
        h->flags |= MEMINTRO_LINUX_HINT_KASLR;
        return 1;
    }
    return 0;
}

#ifdef MEMINTRO_TARGET_H
void memintro_linux_hints_from_target(const memintro_target *t, memintro_linux_hints *h)
{
    MEMINTRO__LK_SET(h, 0, sizeof *h);
    if (!t) return;
    if (t->has_paging && (t->paging.arch == MEMINTRO_ARCH_X86_64 || t->paging.arch == MEMINTRO_ARCH_X86_64_LA57)) {
        h->arch = t->paging.arch;
        h->dtb = t->paging.dtb;
    }
    if (t->vmcoreinfo && t->vmcoreinfo_size) memintro_linux_hints_from_vmcoreinfo(t->vmcoreinfo, t->vmcoreinfo_size, h);
    if (t->map && t->map->count) {
        const memintro_range *r = &t->map->ranges[t->map->count - 1];
        h->scan_end = r->start + r->size;
    }
}
#endif

#undef MEMINTRO__LK_MAXSYMS
#undef MEMINTRO__LK_SEQS_MAX
#undef MEMINTRO__LK_NAMELEN
#undef MEMINTRO__LK_BLOCK_MAX
#undef MEMINTRO__LK_WINDOW
#undef MEMINTRO__LK_IMAGE
#undef MEMINTRO__LK_BTF_MAX
#undef MEMINTRO__LK_KERNEL_HALF
#undef MEMINTRO__LK_SCAN_WORK
#undef MEMINTRO__LK_COPY
#undef MEMINTRO__LK_SET
#undef MEMINTRO__LK_OWN_COPY
#undef MEMINTRO__LK_OWN_SET


/* ---- implementation: tasks, memory maps, modules, kernel log ---------------------------- */


#endif /* MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_LINUX_IMPLEMENTATION */

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
