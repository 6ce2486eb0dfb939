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

   REFERENCE (in the order declared below)
     types from BTF (any BTF blob in caller memory: the kernel's, /sys/kernel/btf/vmlinux)
     memintro_btf_index_size        bytes of index memory a blob needs
     memintro_btf_init              check a blob and index its types
     memintro_btf_kind/name         a type's kind and name
     memintro_btf_find              a type by name (struct or union, or any kind)
     memintro_btf_resolve           follow typedef/const/volatile/restrict/type_tag links
     memintro_btf_type_size         a type's size in bytes
     memintro_btf_field             a member by dotted path: bit offset, width, type
     memintro_btf_offset/size       byte offset of "type" "member.path", size of a type
     memintro_btf_enum_value        an enumerator's value
     kernel discovery and symbols
     memintro_linux_init            find the kernel, kallsyms, KASLR, phys_base, DTB, BTF
     memintro_linux_why             one line: why init failed, or what it found
     memintro_linux_source_name     how a fact was found, in words
     memintro_linux_symbol          a symbol's address by name
     memintro_linux_symbol_at       the symbol (first alias) and offset for an address
     memintro_linux_symbol_count    symbols in the table
     memintro_linux_symbol_get      symbol i: name, address, type letter
     memintro_linux_image_pa        physical address of a kernel-image virtual address
     memintro_linux_hints_from_vmcoreinfo   hints from VMCOREINFO text
     memintro_linux_kallsyms_find   just find and check the kallsyms tables in a range
     memintro_linux_hints_from_target   (with memintro_target.h) hints from a target
     tasks, memory maps, modules, kernel log (over memintro_linux_os)
     memintro_linux_os_init         the walkers' context from an address space, BTF, symbols
     memintro_linux_os_from         the same from a kernel memintro_linux_init found
     memintro_linux_task_each       walk the tasks from init_task (threads on request)
     memintro_linux_task_read/find  one task by its address, or by pid or name
     memintro_linux_task_cmdline    a process's command line from its own memory
     memintro_linux_task_space      a user process as a virtual address space
     memintro_linux_task_read_mem   read a process's virtual memory
     memintro_linux_vma_each        a process's memory maps (maple tree, or the mmap list)
     memintro_linux_module_each     the kernel modules (name, base, size)
     memintro_linux_log_each        the kernel log records (printk ring buffer, or log_buf)

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

/* BTF type kinds, numbered as in include/uapi/linux/btf.h. */
#define MEMINTRO_BTF_UNKN       0
#define MEMINTRO_BTF_INT        1
#define MEMINTRO_BTF_PTR        2
#define MEMINTRO_BTF_ARRAY      3
#define MEMINTRO_BTF_STRUCT     4
#define MEMINTRO_BTF_UNION      5
#define MEMINTRO_BTF_ENUM       6
#define MEMINTRO_BTF_FWD        7
#define MEMINTRO_BTF_TYPEDEF    8
#define MEMINTRO_BTF_VOLATILE   9
#define MEMINTRO_BTF_CONST      10
#define MEMINTRO_BTF_RESTRICT   11
#define MEMINTRO_BTF_FUNC       12
#define MEMINTRO_BTF_FUNC_PROTO 13
#define MEMINTRO_BTF_VAR        14
#define MEMINTRO_BTF_DATASEC    15
#define MEMINTRO_BTF_FLOAT      16
#define MEMINTRO_BTF_DECL_TAG   17
#define MEMINTRO_BTF_TYPE_TAG   18
#define MEMINTRO_BTF_ENUM64     19
/* memintro_btf_find's kind: a struct or a union (the usual question), or any named kind. */
#define MEMINTRO_BTF_COMPOSITE  0
#define MEMINTRO_BTF_ANY        (-1)

/* Bounds on walks through the types (a hostile blob may loop or nest without end). */
#define MEMINTRO_BTF_MAX_CHAIN  64      /* typedef/const/volatile/... links followed */
#define MEMINTRO_BTF_MAX_DEPTH  16      /* anonymous members entered, one inside another */
#define MEMINTRO_BTF_MAX_VISITS 1000000 /* members looked at by one member lookup */

/* The type information of a kernel: a BTF blob in caller memory (it must stay there while
   the object is used) and an index of its types in caller memory. Plain data; fields are
   read-only for the caller. Only little-endian, version-1, self-contained BTF (vmlinux's;
   a module's split BTF refers to vmlinux's types and is refused). */
typedef struct memintro_btf {
    const uint8_t *types;      /* the type section */
    const char *strs;          /* the string section (NUL-terminated, checked) */
    uint32_t types_len, strs_len;
    uint32_t ntypes;           /* ids 1..ntypes are types; 0 is void */
    const uint32_t *offsets;   /* offsets[id]: where type id starts in the type section */
    const uint32_t *hash;      /* named types by name (open addressing, 0 = empty) */
    uint32_t hash_mask;        /* slots - 1 */
    uint32_t ptr_size;         /* size of a PTR (8; BTF does not record it) */
} memintro_btf;

/* A member found by memintro_btf_field: where it lies from the start of the outer type. */
typedef struct memintro_btf_member {
    uint32_t bit_offset; /* from the start of the outer type, in bits */
    uint32_t bit_size;   /* bitfield width in bits, 0 if the member is not a bitfield */
    uint32_t type;       /* the member's type id (as declared: typedefs not resolved) */
} memintro_btf_member;

/* Bytes of index memory memintro_btf_init needs for this blob (0 if it is not usable
   BTF: bad header, sections outside the blob, a type that runs past its section, an
   unknown kind). */
MEMINTRO_API size_t memintro_btf_index_size(const void *data, size_t size);

/* Checks the blob (header, sections, every type's trailing data) and builds the index in
   `index` (4-byte aligned, index_size >= memintro_btf_index_size). The blob and the index
   must outlive b. Returns OK, E_FORMAT (not BTF or damaged), E_UNSUPPORTED (big-endian,
   another version, split BTF), E_NOSPACE (index too small), E_INVALID (NULL, misaligned). */
MEMINTRO_API memintro_status memintro_btf_init(memintro_btf *b, const void *data, size_t size,
                                               void *index, size_t index_size);

/* The kind of type id (MEMINTRO_BTF_*), or -1 if id is not a type (0 is void: UNKN). */
MEMINTRO_API int memintro_btf_kind(const memintro_btf *b, uint32_t id);

/* The name of type id ("" if anonymous), or NULL if id is not a type. */
MEMINTRO_API const char *memintro_btf_name(const memintro_btf *b, uint32_t id);

/* A type by name and kind (MEMINTRO_BTF_STRUCT, ..., MEMINTRO_BTF_COMPOSITE for a struct
   or union, MEMINTRO_BTF_ANY for any named type): the lowest such id, 0 if none. A struct
   is preferred to a FWD of the same name when kind is COMPOSITE or ANY. */
MEMINTRO_API uint32_t memintro_btf_find(const memintro_btf *b, const char *name, int kind);

/* Follows typedef, const, volatile, restrict and type_tag links from id to the type they
   name; returns that id (0 for void, or if the chain is broken, loops or is too long). */
MEMINTRO_API uint32_t memintro_btf_resolve(const memintro_btf *b, uint32_t id);

/* The size in bytes of type id (modifiers and typedefs resolved; arrays are element size
   times count; a pointer is b->ptr_size). E_INVALID for a type without size (void,
   function, forward declaration), E_FORMAT for a broken chain, E_LIMIT on overflow. */
MEMINTRO_API memintro_status memintro_btf_type_size(const memintro_btf *b, uint32_t id,
                                                    uint32_t *size);

/* A member of type id by a path: names separated by '.', each optionally followed by an
   array index "[N]" ("mem[0].base", "tasks.next"); a name is looked for in the struct or
   union itself, then inside its anonymous members (recursively). Fills *f with the bit
   offset from the start of type id, the bitfield width (kind_flag encoding or an INT's
   own bit encoding) and the member's type. E_NOTFOUND (no such member), E_INVALID (index
   past the array, member of a non-composite), E_LIMIT (nesting or work bound). */
MEMINTRO_API memintro_status memintro_btf_field(const memintro_btf *b, uint32_t id,
                                                const char *path, memintro_btf_member *f);

/* Byte offset of a member of struct/union `type` by a path (see memintro_btf_field):
   memintro_btf_offset(b, "task_struct", "tasks", &off), (b, "mm_struct", "pgd", &off).
   E_NOTFOUND if the type or the member is missing, E_UNSUPPORTED for a bitfield that does
   not start on a byte (use memintro_btf_field). */
MEMINTRO_API memintro_status memintro_btf_offset(const memintro_btf *b, const char *type,
                                                 const char *member, uint32_t *off);

/* Size in bytes of struct/union `type` (a typedef of that name if no struct or union has
   it). E_NOTFOUND if there is none. */
MEMINTRO_API memintro_status memintro_btf_size(const memintro_btf *b, const char *type,
                                               uint32_t *size);

/* The value of enumerator `name` (MOD_TEXT, maple_leaf_64, ...) in enum `enum_type`, or in
   any enum if enum_type is NULL or "" (many kernel enums are anonymous). Signed values are
   sign-extended. E_NOTFOUND if none. */
MEMINTRO_API memintro_status memintro_btf_enum_value(const memintro_btf *b, const char *enum_type,
                                                     const char *name, int64_t *value);


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
/* "hint", "page tables", "banner scan", "low-memory page table", "kallsyms" or "none". */
MEMINTRO_API const char *memintro_linux_source_name(memintro_linux_source s);
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

/* Looks up the address of kernel symbol `name` (memintro_linux_symbol over kallsyms, or any
   other source: a System.map, VMCOREINFO). Returns OK and *addr, or MEMINTRO_E_NOTFOUND. */
typedef memintro_status (*memintro_linux_symbol_fn)(void *user, const char *name, uint64_t *addr);

#define MEMINTRO_LINUX_NONE 0xffffffffu /* an offset the kernel's types do not have */

/* Byte offsets (MEMINTRO_LINUX_NONE when absent) the walkers read, from BTF. */
typedef struct memintro_linux_offsets {
    /* task_struct, signal_struct */
    uint32_t task_tasks, task_pid, task_tgid, task_comm, task_comm_len, task_mm, task_real_parent,
        task_thread_group, task_thread_node, task_signal, task_flags, task_state,
        task_state_size, task_exit_state, task_start_time, signal_thread_head;
    /* mm_struct, vm_area_struct */
    uint32_t mm_pgd, mm_mt_root, mm_mmap, mm_arg_start, mm_arg_end, mm_start_brk, mm_brk,
        mm_start_stack, vma_start, vma_end, vma_flags, vma_pgoff, vma_file, vma_next,
        vma_mm, vma_ops, vma_private;
    /* file, dentry, vfsmount, mount */
    uint32_t file_dentry, file_mnt, dentry_name, dentry_name_len, dentry_parent, vfsmount_root,
        mount_mnt, mount_parent, mount_mountpoint;
    /* maple tree nodes: range (and leaf) and allocation-range layouts */
    uint32_t r64_pivot, r64_slot, r64_meta, r64_slots, a64_pivot, a64_slot, a64_meta, a64_slots;
    uint32_t mt_leaf64, mt_range64, mt_arange64; /* enum maple_type values */
    /* module: name, text base, and the parts whose sizes /proc/modules adds up */
    uint32_t mod_list, mod_name, mod_name_len, mod_base, mod_nsizes, mod_size[8], mod_state,
        mod_unformed; /* module.state and enum module_state's MODULE_STATE_UNFORMED */
    /* printk ring buffer (5.10+) */
    uint32_t rb_desc_ring, rb_text_ring, dr_count_bits, dr_descs, dr_infos, dr_head_id,
        dr_tail_id, desc_size, desc_state, desc_text_begin, desc_text_next, info_size,
        info_seq, info_ts, info_text_len, info_facility, info_flags_bit, info_level_bit,
        info_caller_id,
        tr_size_bits, tr_data;
    /* older log buffer (struct printk_log, before 5.10) */
    uint32_t log_ts, log_len, log_text_len, log_facility, log_flags_bit, log_level_bit,
        log_caller_id, log_hdr_size;
} memintro_linux_offsets;

/* What the walkers below need: the kernel's address space, its types and a few of its
   symbols, resolved once by memintro_linux_os_init. Plain data. */
typedef struct memintro_linux_os {
    memintro_virt *kernel;      /* the kernel's address space (borrowed; a user process is
                                   read by switching its DTB for the read and back) */
    const memintro_btf *btf;
    memintro_linux_offsets o;
    uint64_t init_task, modules, prb, special_mapping_vmops; /* symbol addresses (0 = none) */
    uint64_t log_buf, log_buf_len, log_first_idx, log_next_idx; /* older log buffer symbols */
    /* What each feature lacks (NULL when it is usable): a member "task_struct.tasks" or a
       symbol "init_task". */
    const char *missing_tasks, *missing_maps, *missing_modules, *missing_log;
    /* Bounds on guest lists (0 in memintro_linux_os_init's result: the defaults). */
    uint32_t max_tasks;   /* tasks and threads per walk (default 1 << 20) */
    uint32_t max_vmas;    /* VMAs per process (default 1 << 20) */
    uint32_t max_modules; /* default 1 << 16 */
} memintro_linux_os;

/* Resolves every offset from btf (CONFIG_DEBUG_INFO_BTF's types, see memintro_btf_init)
   and the symbols through sym(user, ...). kernel and btf must outlive os. Returns OK when
   the task list can be walked; E_UNSUPPORTED without BTF (btf NULL or empty), E_NOTFOUND
   when a member or symbol the tasks need is missing (os->missing_tasks names it). Maps,
   modules and the log may still lack something: see os->missing_*. */
MEMINTRO_API memintro_status memintro_linux_os_init(memintro_linux_os *os, memintro_virt *kernel,
                                                    const memintro_btf *btf,
                                                    memintro_linux_symbol_fn sym, void *user);

/* The same from a kernel object memintro_linux_init filled: its address space, its BTF
   blob (l->btf_data, l->btf_size) indexed into *btf with index / index_size
   (memintro_btf_index_size(l->btf_data, l->btf_size) bytes, 4-byte aligned), and its
   symbols (memintro_linux_symbol). l and btf must outlive os. Returns as
   memintro_linux_os_init; E_UNSUPPORTED when the kernel has no BTF, E_FORMAT or E_NOSPACE
   from memintro_btf_init. */
MEMINTRO_API memintro_status memintro_linux_os_from(memintro_linux_os *os, memintro_linux *l,
                                                    memintro_btf *btf, void *index,
                                                    size_t index_size);

/* One task (process or thread), as read from its task_struct. */
typedef struct memintro_linux_task {
    uint64_t addr;          /* task_struct's virtual address */
    int32_t pid, tgid;      /* thread id and process id */
    int32_t ppid;           /* real_parent's tgid, as /proc/PID/stat's ppid */
    uint32_t flags;         /* PF_* */
    uint64_t state;         /* __state (state before 5.14) */
    uint32_t exit_state;    /* EXIT_ZOMBIE, EXIT_DEAD or 0 */
    char state_char;        /* as ps shows it: R S D T t X Z P I, '?' if unknown */
    uint8_t kernel_thread;  /* PF_KTHREAD set or no mm */
    uint8_t is_thread;      /* reached as a thread of its group, not its leader */
    uint8_t reserved;
    uint64_t mm;            /* mm_struct's address, 0 for kernel threads */
    uint64_t pgd;           /* mm->pgd (a kernel virtual address) */
    uint64_t dtb;           /* mm->pgd's physical address: the process's page-table root
                               (with KPTI, the kernel half that maps user space too) */
    uint64_t start_time;    /* nanoseconds since boot (monotonic) */
    uint64_t arg_start, arg_end; /* command line in the process's memory */
    char comm[17];          /* task_struct.comm, NUL-terminated */
} memintro_linux_task;

/* Flags of memintro_linux_task_each. */
#define MEMINTRO_LINUX_THREADS 0x1u /* every thread of each process, not only the leader */
#define MEMINTRO_LINUX_IDLE    0x2u /* also init_task itself (pid 0, "swapper/0") */

/* Called for each task; return nonzero to stop the walk (the walk then returns OK). */
typedef int (*memintro_linux_task_fn)(void *user, const memintro_linux_task *t);

/* Walks the task list from init_task (each process's leader; its threads too with
   MEMINTRO_LINUX_THREADS). Returns OK at the end of the list or when fn stopped it; a task
   that cannot be read, a list that loops without coming back or exceeds os->max_tasks
   ends the walk with a status (E_FORMAT, E_LIMIT or the read's) after the tasks before. */
MEMINTRO_API memintro_status memintro_linux_task_each(const memintro_linux_os *os, uint32_t flags,
                                                      memintro_linux_task_fn fn, void *user);

/* Reads the task_struct at addr into *t. */
MEMINTRO_API memintro_status memintro_linux_task_read(const memintro_linux_os *os, uint64_t addr,
                                                      memintro_linux_task *t);

/* The first task with thread id pid (pid >= 0), or else with comm equal to name (name not
   NULL), threads included. E_NOTFOUND if none. */
MEMINTRO_API memintro_status memintro_linux_task_find(const memintro_linux_os *os, int32_t pid,
                                                      const char *name, memintro_linux_task *t);

/* The command line of a user process, read from its own memory (mm->arg_start..arg_end):
   arguments separated by NUL bytes as /proc/PID/cmdline has them, at most size - 1 bytes,
   then a NUL; *len (may be NULL) gets the bytes stored. E_NOTFOUND for a kernel thread. */
MEMINTRO_API memintro_status memintro_linux_task_cmdline(const memintro_linux_os *os,
                                                         const memintro_linux_task *t, char *buf,
                                                         size_t size, size_t *len);

/* Binds v to the address space of user process t (its page-table root t->dtb, the
   kernel's paging mode and backend), with scratch as memintro_virt_init takes it.
   E_NOTFOUND for a kernel thread. */
MEMINTRO_API memintro_status memintro_linux_task_space(const memintro_linux_os *os,
                                                       const memintro_linux_task *t,
                                                       memintro_virt *v, void *scratch,
                                                       size_t scratch_size);

/* Reads len bytes at user virtual address va of process t (through the kernel's
   memintro_virt with the DTB switched for the read). */
MEMINTRO_API memintro_status memintro_linux_task_read_mem(const memintro_linux_os *os,
                                                          const memintro_linux_task *t,
                                                          uint64_t va, void *buf, size_t len);

/* One memory mapping (VMA) of a process. */
typedef struct memintro_linux_vma {
    uint64_t addr;          /* vm_area_struct's virtual address */
    uint64_t start, end;    /* [start, end) */
    uint64_t flags;         /* VM_* (VM_READ 1, VM_WRITE 2, VM_EXEC 4, VM_SHARED 8) */
    uint64_t pgoff;         /* offset in the file, in pages */
    uint64_t file;          /* struct file's address, 0 for anonymous memory */
    char perms[5];          /* "rwxp" as /proc/PID/maps shows them */
    char name[256];         /* file path, "[heap]", "[stack]", "[vdso]", "[vvar]" or "" */
} memintro_linux_vma;

/* Called for each VMA in address order; return nonzero to stop. */
typedef int (*memintro_linux_vma_fn)(void *user, const memintro_linux_vma *v);

/* Walks the VMAs of process t: the maple tree of mm->mm_mt (6.1 and later) or the mm->mmap
   list (older). Returns OK at the end or when fn stopped it; E_NOTFOUND for a kernel
   thread, E_UNSUPPORTED if the types lack something (os->missing_maps); a node or VMA that
   is inconsistent (a node type that is not one, ranges out of order, a VMA that does not
   cover its tree range), a tree deeper than 32 or more than os->max_vmas VMAs end the walk
   with E_FORMAT or E_LIMIT. */
MEMINTRO_API memintro_status memintro_linux_vma_each(const memintro_linux_os *os,
                                                     const memintro_linux_task *t,
                                                     memintro_linux_vma_fn fn, void *user);

/* One loaded kernel module. */
typedef struct memintro_linux_module {
    uint64_t addr;          /* struct module's address */
    uint64_t base;          /* its text: mem[MOD_TEXT].base (6.4+), core_layout.base, module_core */
    uint64_t size;          /* as /proc/modules: all the module's memory (6.4+), or
                               core_layout.size + init_layout.size */
    uint32_t state;         /* MODULE_STATE_LIVE 0, COMING 1, GOING 2 */
    uint32_t reserved;
    char name[64];
} memintro_linux_module;

typedef int (*memintro_linux_module_fn)(void *user, const memintro_linux_module *m);

/* Walks the `modules` list in its order (the newest module first), skipping modules still
   being set up (MODULE_STATE_UNFORMED), as /proc/modules does.
   Returns OK, E_UNSUPPORTED (os->missing_modules) or a status that ended the walk. */
MEMINTRO_API memintro_status memintro_linux_module_each(const memintro_linux_os *os,
                                                        memintro_linux_module_fn fn, void *user);

/* One kernel log record. */
typedef struct memintro_linux_log {
    uint64_t seq;           /* record number */
    uint64_t ts_nsec;       /* time since boot: dmesg prints [ts/1e9 . (ts%1e9)/1000] */
    uint32_t caller_id;     /* 0x80000000|cpu or the task's pid (5.1+), else 0 */
    uint8_t level, facility, flags;
    uint8_t reserved;
    const char *text;       /* the record's text, not NUL-terminated (valid during the call) */
    uint32_t text_len;
    uint32_t reserved2;
} memintro_linux_log;

typedef int (*memintro_linux_log_fn)(void *user, const memintro_linux_log *r);

/* Walks the kernel log from the oldest record still held to the newest: the printk ring
   buffer `prb` (5.10+) or the older `log_buf`. Records the writer has not committed or has
   already reused are skipped. Returns OK, E_UNSUPPORTED (os->missing_log) or the status
   that ended the walk. */
MEMINTRO_API memintro_status memintro_linux_log_each(const memintro_linux_os *os,
                                                     memintro_linux_log_fn fn, void *user);


#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_LINUX_H */

/* ======================================================================================= */
#ifdef MEMINTRO_LINUX_IMPLEMENTATION
#ifndef MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED
#define MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED

/* ---- implementation: BTF ---------------------------------------------------------------- */

/* Linkage of this header's definitions (memintro.h #undefs its own at its end). */
#ifndef MEMINTRO__LDEF
#ifdef MEMINTRO_STATIC
#define MEMINTRO__LDEF static
#else
#define MEMINTRO__LDEF
#endif
#endif

/* memintro.h's MEMINTRO_MEMCPY/MEMSET belong to its implementation, which may be in another
   file: this header has its own (the caller's macros when defined). */
#if defined(MEMINTRO_MEMCPY)
#define MEMINTRO__LB_COPY(d, s, n) MEMINTRO_MEMCPY((d), (s), (n))
#elif defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__LB_COPY(d, s, n) __builtin_memcpy((d), (s), (n))
#else
#define MEMINTRO__LB_COPY(d, s, n) memintro__lb_copy((d), (s), (n))
static void memintro__lb_copy(void *d, const void *s, size_t n)
{
    uint8_t *o = (uint8_t *)d;
    const uint8_t *i = (const uint8_t *)s;
    while (n--) *o++ = *i++;
}
#endif
#if defined(MEMINTRO_MEMSET)
#define MEMINTRO__LB_SET(d, v, n) MEMINTRO_MEMSET((d), (v), (n))
#elif defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__LB_SET(d, v, n) __builtin_memset((d), (v), (n))
#else
#define MEMINTRO__LB_SET(d, v, n) memintro__lb_set((d), (v), (n))
static void memintro__lb_set(void *d, int v, size_t n)
{
    uint8_t *o = (uint8_t *)d;
    while (n--) *o++ = (uint8_t)v;
}
#endif

#define MEMINTRO__BTF_MAGIC   0xeb9fu
#define MEMINTRO__BTF_HDR     24u         /* struct btf_header up to str_len */
#define MEMINTRO__BTF_MAXTYPE 0x000fffffu /* BTF_MAX_TYPE: the kernel accepts no more */

typedef struct memintro__btf_sect {
    const uint8_t *types;
    const char *strs;
    uint32_t types_len, strs_len;
    uint32_t ntypes, named; /* types, and those the name hash holds */
} memintro__btf_sect;

static uint32_t memintro__btf_info(const uint8_t *t) { return memintro_get_u32(t + 4); }
static uint32_t memintro__btf_tkind(const uint8_t *t) { return (memintro__btf_info(t) >> 24) & 0x1fu; }
static uint32_t memintro__btf_vlen(const uint8_t *t) { return memintro__btf_info(t) & 0xffffu; }
static uint32_t memintro__btf_kflag(const uint8_t *t) { return memintro__btf_info(t) >> 31; }

/* Bytes a type record takes (btf_type and its kind's trailing data), 0 if its kind is
   unknown or it runs past `avail`. */
static uint32_t memintro__btf_rec_size(const uint8_t *t, uint32_t avail)
{
    uint32_t vlen, extra;
    if (avail < 12) return 0;
    vlen = memintro__btf_vlen(t);
    switch (memintro__btf_tkind(t)) {
    case MEMINTRO_BTF_INT: case MEMINTRO_BTF_VAR: case MEMINTRO_BTF_DECL_TAG:
        extra = 4; break;
    case MEMINTRO_BTF_ARRAY:
        extra = 12; break;
    case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION: case MEMINTRO_BTF_DATASEC:
    case MEMINTRO_BTF_ENUM64:
        extra = 12 * vlen; break;
    case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_FUNC_PROTO:
        extra = 8 * vlen; break;
    case MEMINTRO_BTF_PTR: case MEMINTRO_BTF_FWD: case MEMINTRO_BTF_TYPEDEF:
    case MEMINTRO_BTF_VOLATILE: case MEMINTRO_BTF_CONST: case MEMINTRO_BTF_RESTRICT:
    case MEMINTRO_BTF_FUNC: case MEMINTRO_BTF_FLOAT: case MEMINTRO_BTF_TYPE_TAG:
        extra = 0; break;
    default:
        return 0;
    }
    if (extra > avail - 12) return 0;
    return 12 + extra;
}

/* Kinds whose names go into the hash (those a caller looks up by name). */
static int memintro__btf_hashed(uint32_t kind)
{
    switch (kind) {
    case MEMINTRO_BTF_INT: case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION:
    case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_FWD: case MEMINTRO_BTF_TYPEDEF:
    case MEMINTRO_BTF_FUNC: case MEMINTRO_BTF_VAR: case MEMINTRO_BTF_DATASEC:
    case MEMINTRO_BTF_FLOAT: case MEMINTRO_BTF_ENUM64:
        return 1;
    default:
        return 0;
    }
}

static uint32_t memintro__btf_hash_str(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t i;
    for (i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Header, sections and every type record of a blob; `offsets`, if not NULL, receives
   each type's offset (ids 1..ntypes). */
static memintro_status memintro__btf_scan(const void *data, size_t size, memintro__btf_sect *s,
                                          uint32_t *offsets)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t hdr_len, toff, tlen, soff, slen, off, n = 0, named = 0;
    uint64_t body;
    if (!p || size < MEMINTRO__BTF_HDR) return MEMINTRO_E_FORMAT;
    if (p[0] == 0xeb && p[1] == 0x9f) return MEMINTRO_E_UNSUPPORTED; /* big-endian BTF */
    if (memintro_get_u16(p) != MEMINTRO__BTF_MAGIC) return MEMINTRO_E_FORMAT;
    if (p[2] != 1) return MEMINTRO_E_UNSUPPORTED; /* BTF_VERSION */
    hdr_len = memintro_get_u32(p + 4);
    if (hdr_len < MEMINTRO__BTF_HDR || hdr_len > size) return MEMINTRO_E_FORMAT;
    body = (uint64_t)size - hdr_len;
    toff = memintro_get_u32(p + 8);
    tlen = memintro_get_u32(p + 12);
    soff = memintro_get_u32(p + 16);
    slen = memintro_get_u32(p + 20);
    if ((uint64_t)toff + tlen > body || (uint64_t)soff + slen > body) return MEMINTRO_E_FORMAT;
    s->types = p + hdr_len + toff;
    s->strs = (const char *)(p + hdr_len + soff);
    s->types_len = tlen;
    s->strs_len = slen;
    /* The string section starts with the empty name and ends with a NUL, so every name
       offset inside it yields a terminated string. */
    if (slen == 0 || s->strs[0] != 0 || s->strs[slen - 1] != 0) return MEMINTRO_E_FORMAT;
    for (off = 0; off < tlen;) {
        const uint8_t *t = s->types + off;
        uint32_t rs = memintro__btf_rec_size(t, tlen - off), name_off;
        if (!rs) return MEMINTRO_E_FORMAT;
        if (n == MEMINTRO__BTF_MAXTYPE) return MEMINTRO_E_LIMIT;
        name_off = memintro_get_u32(t);
        if (name_off >= slen) return MEMINTRO_E_FORMAT;
        n++;
        if (offsets) offsets[n] = off;
        if (name_off && s->strs[name_off] && memintro__btf_hashed(memintro__btf_tkind(t))) named++;
        off += rs;
    }
    s->ntypes = n;
    s->named = named;
    return MEMINTRO_OK;
}

static uint32_t memintro__btf_slots(uint32_t named)
{
    uint32_t slots = 8;
    while (slots < 2u * named) slots <<= 1;
    return slots;
}

MEMINTRO__LDEF size_t memintro_btf_index_size(const void *data, size_t size)
{
    memintro__btf_sect s;
    if (memintro__btf_scan(data, size, &s, NULL) != MEMINTRO_OK) return 0;
    return ((size_t)s.ntypes + 1 + memintro__btf_slots(s.named)) * sizeof(uint32_t);
}

MEMINTRO__LDEF memintro_status memintro_btf_init(memintro_btf *b, const void *data, size_t size,
                                                 void *index, size_t index_size)
{
    memintro__btf_sect s;
    memintro_status st;
    uint32_t *offsets, *hash, slots, id;
    if (!b) return MEMINTRO_E_INVALID;
    MEMINTRO__LB_SET(b, 0, sizeof *b);
    if (!data || !index || ((uintptr_t)index & 3u)) return MEMINTRO_E_INVALID;
    st = memintro__btf_scan(data, size, &s, NULL);
    if (st != MEMINTRO_OK) return st;
    slots = memintro__btf_slots(s.named);
    if (index_size / sizeof(uint32_t) < (size_t)s.ntypes + 1 + slots) return MEMINTRO_E_NOSPACE;
    offsets = (uint32_t *)index;
    hash = offsets + s.ntypes + 1;
    offsets[0] = 0;
    memintro__btf_scan(data, size, &s, offsets);
    MEMINTRO__LB_SET(hash, 0, (size_t)slots * sizeof(uint32_t));
    for (id = 1; id <= s.ntypes; id++) {
        const uint8_t *t = s.types + offsets[id];
        const char *name = s.strs + memintro_get_u32(t);
        size_t len = 0;
        uint32_t h;
        if (!name[0] || !memintro__btf_hashed(memintro__btf_tkind(t))) continue;
        while (name[len]) len++;
        h = memintro__btf_hash_str(name, len) & (slots - 1);
        while (hash[h]) h = (h + 1) & (slots - 1); /* slots >= 2 * named: a free one exists */
        hash[h] = id;
    }
    b->types = s.types;
    b->strs = s.strs;
    b->types_len = s.types_len;
    b->strs_len = s.strs_len;
    b->ntypes = s.ntypes;
    b->offsets = offsets;
    b->hash = hash;
    b->hash_mask = slots - 1;
    b->ptr_size = 8;
    return MEMINTRO_OK;
}

/* The record of type id, NULL for void or an id that is not a type. */
static const uint8_t *memintro__btf_type(const memintro_btf *b, uint32_t id)
{
    if (!b || !b->offsets || id == 0 || id > b->ntypes) return NULL;
    return b->types + b->offsets[id];
}

/* A name in the string section, NULL if the offset lies outside it. */
static const char *memintro__btf_str(const memintro_btf *b, uint32_t off)
{
    return off < b->strs_len ? b->strs + off : NULL;
}

/* s (NUL-terminated) equals the len bytes at name. */
static int memintro__btf_eq(const char *s, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] != name[i]) return 0; /* also stops at s's NUL */
    return s[len] == 0;
}

MEMINTRO__LDEF int memintro_btf_kind(const memintro_btf *b, uint32_t id)
{
    const uint8_t *t = memintro__btf_type(b, id);
    if (t) return (int)memintro__btf_tkind(t);
    return (b && b->offsets && id == 0) ? MEMINTRO_BTF_UNKN : -1;
}

MEMINTRO__LDEF const char *memintro_btf_name(const memintro_btf *b, uint32_t id)
{
    const uint8_t *t = memintro__btf_type(b, id);
    if (t) return memintro__btf_str(b, memintro_get_u32(t)); /* checked by init */
    return (b && b->offsets && id == 0) ? "" : NULL;
}

static uint32_t memintro__btf_find(const memintro_btf *b, const char *name, size_t len, int kind)
{
    uint32_t h, n, best = 0, fwd = 0;
    if (!b || !b->hash || !name || !len) return 0;
    h = memintro__btf_hash_str(name, len) & b->hash_mask;
    for (n = 0; n <= b->hash_mask && b->hash[h]; n++, h = (h + 1) & b->hash_mask) {
        uint32_t id = b->hash[h];
        const uint8_t *t = memintro__btf_type(b, id);
        uint32_t k;
        if (!t || !memintro__btf_eq(b->strs + memintro_get_u32(t), name, len)) continue;
        k = memintro__btf_tkind(t);
        if (kind == MEMINTRO_BTF_COMPOSITE) {
            if (k != MEMINTRO_BTF_STRUCT && k != MEMINTRO_BTF_UNION) continue;
        } else if (kind == MEMINTRO_BTF_ANY) {
            if (k == MEMINTRO_BTF_FWD) { if (!fwd || id < fwd) fwd = id; continue; }
        } else if ((int)k != kind) {
            continue;
        }
        if (!best || id < best) best = id;
    }
    return best ? best : fwd;
}

MEMINTRO__LDEF uint32_t memintro_btf_find(const memintro_btf *b, const char *name, int kind)
{
    size_t len = 0;
    if (!name) return 0;
    while (name[len]) len++;
    return memintro__btf_find(b, name, len, kind);
}

static int memintro__btf_modifier(uint32_t kind)
{
    return kind == MEMINTRO_BTF_TYPEDEF || kind == MEMINTRO_BTF_VOLATILE ||
           kind == MEMINTRO_BTF_CONST || kind == MEMINTRO_BTF_RESTRICT ||
           kind == MEMINTRO_BTF_TYPE_TAG;
}

/* Follows modifier links: OK with *out (0 = void), E_FORMAT for a link to no type,
   E_LIMIT for a chain too long (a loop). */
static memintro_status memintro__btf_strip(const memintro_btf *b, uint32_t id, uint32_t *out)
{
    uint32_t i;
    for (i = 0; i <= MEMINTRO_BTF_MAX_CHAIN; i++) {
        const uint8_t *t;
        if (id == 0) { *out = 0; return MEMINTRO_OK; }
        t = memintro__btf_type(b, id);
        if (!t) return MEMINTRO_E_FORMAT;
        if (!memintro__btf_modifier(memintro__btf_tkind(t))) { *out = id; return MEMINTRO_OK; }
        id = memintro_get_u32(t + 8);
    }
    return MEMINTRO_E_LIMIT;
}

MEMINTRO__LDEF uint32_t memintro_btf_resolve(const memintro_btf *b, uint32_t id)
{
    uint32_t out = 0;
    return memintro__btf_strip(b, id, &out) == MEMINTRO_OK ? out : 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_type_size(const memintro_btf *b, uint32_t id,
                                                      uint32_t *size)
{
    uint64_t mult = 1, v;
    uint32_t step;
    if (!b || !b->offsets || !size) return MEMINTRO_E_INVALID;
    *size = 0;
    for (step = 0; step < 4 * MEMINTRO_BTF_MAX_CHAIN; step++) {
        const uint8_t *t;
        memintro_status st = memintro__btf_strip(b, id, &id);
        if (st != MEMINTRO_OK) return st;
        t = memintro__btf_type(b, id);
        if (!t) return MEMINTRO_E_INVALID; /* void */
        switch (memintro__btf_tkind(t)) {
        case MEMINTRO_BTF_ARRAY:
            mult *= memintro_get_u32(t + 20);
            if (mult > 0xffffffffu) return MEMINTRO_E_LIMIT;
            id = memintro_get_u32(t + 12);
            continue;
        case MEMINTRO_BTF_VAR:
            id = memintro_get_u32(t + 8);
            continue;
        case MEMINTRO_BTF_PTR:
            v = mult * b->ptr_size;
            break;
        case MEMINTRO_BTF_INT: case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION:
        case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_ENUM64: case MEMINTRO_BTF_FLOAT:
        case MEMINTRO_BTF_DATASEC:
            v = mult * memintro_get_u32(t + 8);
            break;
        default:
            return MEMINTRO_E_INVALID; /* function, prototype, forward declaration, tag */
        }
        if (v > 0xffffffffu) return MEMINTRO_E_LIMIT;
        *size = (uint32_t)v;
        return MEMINTRO_OK;
    }
    return MEMINTRO_E_LIMIT;
}

/* Looks for member `name` in composite `id` (resolved), then in its anonymous struct and
   union members; `base` is id's bit offset in the outer type. */
static memintro_status memintro__btf_member(const memintro_btf *b, uint32_t id, const char *name,
                                            size_t len, uint32_t depth, uint32_t *visits,
                                            uint64_t base, memintro_btf_member *f)
{
    const uint8_t *t = memintro__btf_type(b, id), *m;
    uint32_t k, vlen, kflag, i;
    int limited = 0;
    if (!t) return MEMINTRO_E_FORMAT;
    k = memintro__btf_tkind(t);
    if (k != MEMINTRO_BTF_STRUCT && k != MEMINTRO_BTF_UNION) return MEMINTRO_E_INVALID;
    vlen = memintro__btf_vlen(t);
    kflag = memintro__btf_kflag(t);
    for (i = 0, m = t + 12; i < vlen; i++, m += 12) {
        const char *mn = memintro__btf_str(b, memintro_get_u32(m));
        uint32_t raw = memintro_get_u32(m + 8), bits = 0, type = memintro_get_u32(m + 4), r;
        uint64_t at = base + (kflag ? (raw & 0xffffffu) : raw);
        if (++*visits > MEMINTRO_BTF_MAX_VISITS) return MEMINTRO_E_LIMIT;
        if (!mn || !memintro__btf_eq(mn, name, len)) continue;
        if (kflag) {
            bits = raw >> 24;
        } else if (memintro__btf_strip(b, type, &r) == MEMINTRO_OK && r &&
                   memintro__btf_tkind(memintro__btf_type(b, r)) == MEMINTRO_BTF_INT) {
            /* The older bitfield encoding: the INT itself carries offset and width. */
            const uint8_t *it = memintro__btf_type(b, r);
            uint32_t enc = memintro_get_u32(it + 12), nr = enc & 0xffu, ioff = (enc >> 16) & 0xffu;
            if (ioff || (uint64_t)nr != 8u * (uint64_t)memintro_get_u32(it + 8)) {
                at += ioff;
                bits = nr;
            }
        }
        if (at > 0xffffffffu) return MEMINTRO_E_LIMIT;
        f->bit_offset = (uint32_t)at;
        f->bit_size = bits;
        f->type = type;
        return MEMINTRO_OK;
    }
    for (i = 0, m = t + 12; i < vlen; i++, m += 12) {
        const char *mn = memintro__btf_str(b, memintro_get_u32(m));
        uint32_t raw = memintro_get_u32(m + 8), r, rk;
        memintro_status st;
        if (!mn || mn[0]) continue;
        if (memintro__btf_strip(b, memintro_get_u32(m + 4), &r) != MEMINTRO_OK || !r) continue;
        rk = memintro__btf_tkind(memintro__btf_type(b, r));
        if (rk != MEMINTRO_BTF_STRUCT && rk != MEMINTRO_BTF_UNION) continue;
        if (depth + 1 >= MEMINTRO_BTF_MAX_DEPTH) { limited = 1; continue; }
        st = memintro__btf_member(b, r, name, len, depth + 1, visits,
                                  base + (kflag ? (raw & 0xffffffu) : raw), f);
        if (st == MEMINTRO_OK) return st;
        if (st == MEMINTRO_E_LIMIT) {
            if (*visits > MEMINTRO_BTF_MAX_VISITS) return st;
            limited = 1;
        }
    }
    return limited ? MEMINTRO_E_LIMIT : MEMINTRO_E_NOTFOUND;
}

MEMINTRO__LDEF memintro_status memintro_btf_field(const memintro_btf *b, uint32_t id,
                                                  const char *path, memintro_btf_member *f)
{
    const char *p = path;
    uint32_t visits = 0, cur = id;
    uint64_t base = 0;
    memintro_btf_member got;
    if (!b || !b->offsets || !path || !f) return MEMINTRO_E_INVALID;
    for (;;) {
        size_t len = 0;
        uint32_t r, type;
        memintro_status st;
        while (p[len] && p[len] != '.' && p[len] != '[') len++;
        if (!len) return MEMINTRO_E_INVALID;
        st = memintro__btf_strip(b, cur, &r);
        if (st != MEMINTRO_OK) return st;
        if (!r) return MEMINTRO_E_INVALID;
        st = memintro__btf_member(b, r, p, len, 0, &visits, base, &got);
        if (st != MEMINTRO_OK) return st;
        base = got.bit_offset;
        type = got.type;
        p += len;
        while (*p == '[') {
            uint64_t idx = 0, v;
            uint32_t digits = 0, a, esize;
            const uint8_t *at;
            for (p++; *p >= '0' && *p <= '9'; p++) {
                if (++digits > 10) return MEMINTRO_E_INVALID;
                idx = idx * 10 + (uint64_t)(*p - '0');
            }
            if (!digits || *p != ']') return MEMINTRO_E_INVALID;
            p++;
            st = memintro__btf_strip(b, type, &a);
            if (st != MEMINTRO_OK) return st;
            at = memintro__btf_type(b, a);
            if (!at || memintro__btf_tkind(at) != MEMINTRO_BTF_ARRAY) return MEMINTRO_E_INVALID;
            if (idx >= memintro_get_u32(at + 20)) return MEMINTRO_E_INVALID;
            type = memintro_get_u32(at + 12);
            st = memintro_btf_type_size(b, type, &esize);
            if (st != MEMINTRO_OK) return st;
            v = base + idx * esize * 8u;
            if (v > 0xffffffffu) return MEMINTRO_E_LIMIT;
            base = v;
            got.bit_size = 0;
        }
        if (*p == 0) {
            f->bit_offset = (uint32_t)base;
            f->bit_size = got.bit_size;
            f->type = type;
            return MEMINTRO_OK;
        }
        if (*p != '.') return MEMINTRO_E_INVALID;
        p++;
        cur = type;
    }
}

/* A struct or union by name, or a typedef of that name that names one. */
static uint32_t memintro__btf_composite(const memintro_btf *b, const char *type)
{
    uint32_t id = memintro_btf_find(b, type, MEMINTRO_BTF_COMPOSITE), r;
    const uint8_t *t;
    if (id) return id;
    r = memintro_btf_resolve(b, memintro_btf_find(b, type, MEMINTRO_BTF_TYPEDEF));
    t = memintro__btf_type(b, r);
    if (t && (memintro__btf_tkind(t) == MEMINTRO_BTF_STRUCT || memintro__btf_tkind(t) == MEMINTRO_BTF_UNION))
        return r;
    return 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_offset(const memintro_btf *b, const char *type,
                                                   const char *member, uint32_t *off)
{
    memintro_btf_member f;
    memintro_status st;
    uint32_t id;
    if (!b || !b->offsets || !type || !member || !off) return MEMINTRO_E_INVALID;
    *off = 0;
    id = memintro__btf_composite(b, type);
    if (!id) return MEMINTRO_E_NOTFOUND;
    st = memintro_btf_field(b, id, member, &f);
    if (st != MEMINTRO_OK) return st;
    if (f.bit_size || (f.bit_offset & 7u)) return MEMINTRO_E_UNSUPPORTED;
    *off = f.bit_offset >> 3;
    return MEMINTRO_OK;
}

MEMINTRO__LDEF memintro_status memintro_btf_size(const memintro_btf *b, const char *type,
                                                 uint32_t *size)
{
    uint32_t id;
    if (!b || !b->offsets || !type || !size) return MEMINTRO_E_INVALID;
    *size = 0;
    id = memintro__btf_composite(b, type);
    if (!id) return MEMINTRO_E_NOTFOUND;
    return memintro_btf_type_size(b, id, size);
}

/* Enumerator `name` of enum type id (ENUM or ENUM64): 1 and *value if it has it. */
static int memintro__btf_enumerator(const memintro_btf *b, uint32_t id, const char *name,
                                    size_t len, int64_t *value)
{
    const uint8_t *t = memintro__btf_type(b, id), *e;
    uint32_t k, vlen, i, step;
    if (!t) return 0;
    k = memintro__btf_tkind(t);
    if (k != MEMINTRO_BTF_ENUM && k != MEMINTRO_BTF_ENUM64) return 0;
    vlen = memintro__btf_vlen(t);
    step = k == MEMINTRO_BTF_ENUM ? 8 : 12;
    for (i = 0, e = t + 12; i < vlen; i++, e += step) {
        const char *en = memintro__btf_str(b, memintro_get_u32(e));
        uint64_t v;
        if (!en || !memintro__btf_eq(en, name, len)) continue;
        if (k == MEMINTRO_BTF_ENUM) {
            v = memintro_get_u32(e + 4);
            if (memintro__btf_kflag(t) && (v & 0x80000000u)) v |= 0xffffffff00000000u;
        } else {
            v = memintro_get_u32(e + 4) | ((uint64_t)memintro_get_u32(e + 8) << 32);
        }
        *value = (int64_t)v;
        return 1;
    }
    return 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_enum_value(const memintro_btf *b, const char *enum_type,
                                                       const char *name, int64_t *value)
{
    size_t len = 0;
    uint32_t id;
    if (!b || !b->offsets || !name || !value) return MEMINTRO_E_INVALID;
    *value = 0;
    while (name[len]) len++;
    if (!len) return MEMINTRO_E_INVALID;
    if (enum_type && enum_type[0]) {
        /* Every type of that name: an enum may be declared (vlen 0) before it is defined,
           and a typedef may name it. */
        size_t tlen = 0;
        uint32_t h, n;
        if (!b->hash) return MEMINTRO_E_NOTFOUND;
        while (enum_type[tlen]) tlen++;
        h = memintro__btf_hash_str(enum_type, tlen) & b->hash_mask;
        for (n = 0; n <= b->hash_mask && b->hash[h]; n++, h = (h + 1) & b->hash_mask) {
            const uint8_t *t = memintro__btf_type(b, b->hash[h]);
            if (!t || !memintro__btf_eq(b->strs + memintro_get_u32(t), enum_type, tlen)) continue;
            id = b->hash[h];
            if (memintro__btf_tkind(t) == MEMINTRO_BTF_TYPEDEF) id = memintro_btf_resolve(b, id);
            if (memintro__btf_enumerator(b, id, name, len, value)) return MEMINTRO_OK;
        }
        return MEMINTRO_E_NOTFOUND;
    }
    for (id = 1; id <= b->ntypes; id++)
        if (memintro__btf_enumerator(b, id, name, len, value)) return MEMINTRO_OK;
    return MEMINTRO_E_NOTFOUND;
}

#undef MEMINTRO__BTF_MAGIC
#undef MEMINTRO__BTF_HDR
#undef MEMINTRO__BTF_MAXTYPE


/* ---- implementation: kernel discovery, kallsyms, symbols -------------------------------- */


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
    {
        /* a window that starts at pa; below the last one (the kallsyms markers are walked
           backwards) a window that ends where the request does, so the next one hits it */
        uint64_t at = l->io_len && pa < l->io_addr && pa + n >= MEMINTRO_LINUX_IO ? pa + n - MEMINTRO_LINUX_IO : pa;
        l->io_len = 0;
        s = memintro_phys_read1(l->phys, at, l->io, MEMINTRO_LINUX_IO);
        if (s != MEMINTRO_OK && at != pa) {
            at = pa;
            s = memintro_phys_read1(l->phys, at, l->io, MEMINTRO_LINUX_IO);
        }
        if (s == MEMINTRO_OK) {
            l->io_addr = at;
            l->io_len = MEMINTRO_LINUX_IO;
            return l->io + (pa - at);
        }
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
        MEMINTRO__LB_COPY(l->tokens, p, (size_t)(t_end - tt));
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
            v = 1; /* no zero marker found yet */
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
    MEMINTRO__LB_SET(&l->kallsyms, 0, sizeof l->kallsyms);
    if (memintro__lk_tokens(l, addr) && memintro__lk_markers(l)) {
        c->found = 1;
        return 1;
    }
    MEMINTRO__LB_SET(&l->kallsyms, 0, sizeof l->kallsyms);
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
    MEMINTRO__LB_SET(l, 0, sizeof *l);
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
   (want[] = index + 1); else it writes "<type><name>\0" for each into out, at most *bytes
   bytes (what the sizing pass counted). */
static memintro_status memintro__lk_walk(memintro_linux *l, char *out, uint64_t *bytes, uint32_t *want)
{
    const memintro_linux_kallsyms *ks = &l->kallsyms;
    unsigned w = (ks->layout & MEMINTRO_KALLSYMS_MARKERS64) ? 8 : 4;
    uint64_t pos = ks->names, end = ks->names + ks->names_size, total = 0, m, next, limit = *bytes;
    uint32_t i, len, j;
    char name[MEMINTRO__LK_NAMELEN + 1];
    uint32_t token_len[256];
    uint8_t want_len[64];
    for (j = 0; j < 256; j++)
        token_len[j] = (j < 255 ? l->token_off[j + 1] : l->ntokens_len) - l->token_off[j] - 1;
    MEMINTRO__LB_SET(want_len, 0, sizeof want_len);
    for (j = 0; j < MEMINTRO__LK_WANTED; j++) {
        size_t k = 0;
        while (memintro__lk_wanted[j][k]) k++;
        if (k < sizeof want_len) want_len[k] = 1;
    }
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
        for (j = 0; j < len; j++) nl += token_len[p[j]];
        if (nl > MEMINTRO__LK_NAMELEN)
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "a kallsyms name is longer than KSYM_NAME_LEN");
        if (nl < 2) return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "a kallsyms name is empty");
        /* the sizing pass expands only names as long as a wanted one; the filling pass
           expands straight into the caller's memory */
        if (out && total + nl + 1 > limit) /* memory that changed since the sizing pass */
            return memintro__lk_fail(l, MEMINTRO_E_FORMAT, "kallsyms_names changed while it was read");
        if (out || (want && nl - 1 < sizeof want_len && want_len[nl - 1])) {
            char *d = out ? out + total : name;
            size_t o = 0;
            for (j = 0; j < len; j++) {
                const uint8_t *tk = l->tokens + l->token_off[p[j]];
                uint32_t tl = token_len[p[j]], q;
                for (q = 0; q < tl; q++) d[o + q] = (char)tk[q];
                o += tl;
            }
            d[o] = 0;
            if (out)
                l->sym_name[i] = (uint32_t)total;
            else
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
    const uint8_t *p = memintro__lk_map(l, addr, 320);
    size_t i;
    if (c->done_hi && addr >= c->done_lo && addr < c->done_hi) return 0;
    /* linux_banner is one printable line, its newline and a NUL: copies in logs, tty and
       pipe buffers or page caches are followed by more text */
    if (!p) return 0;
    for (i = 14; i < 318 && p[i] >= 0x20 && p[i] < 0x7f; i++) {}
    if (i >= 318 || p[i] != '\n' || p[i + 1] != 0) return 0;
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
    MEMINTRO__LB_SET(&d, 0, sizeof d);
    d.arch = arch;
    d.dtb = dtb;
    if (memintro_virt_init(&v, l->phys, &d, l->vscratch, sizeof l->vscratch) != MEMINTRO_OK) return 0;
    MEMINTRO__LB_SET(&x, 0, sizeof x);
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
    MEMINTRO__LB_SET(&d, 0, sizeof d);
    d.arch = arch;
    d.dtb = dtb;
    if (memintro_virt_init(&v, l->phys, &d, l->vscratch, sizeof l->vscratch) != MEMINTRO_OK) return 0;
    for (k = 0; k < 512; k += 16) {
        MEMINTRO__LB_SET(x, 0, sizeof x);
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
    MEMINTRO__LB_SET(&h, 0, sizeof h);
    if (hints) h = *hints;
    MEMINTRO__LB_SET(l, 0, sizeof *l);
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
    MEMINTRO__LB_SET(want, 0, sizeof want);
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
        MEMINTRO__LB_SET(&d, 0, sizeof d);
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

const char *memintro_linux_source_name(memintro_linux_source s)
{
    switch (s) {
    case MEMINTRO_LINUX_SRC_HINT: return "hint";
    case MEMINTRO_LINUX_SRC_PAGETABLES: return "page tables";
    case MEMINTRO_LINUX_SRC_SCAN: return "banner scan";
    case MEMINTRO_LINUX_SRC_LOWMEM: return "low-memory page table";
    case MEMINTRO_LINUX_SRC_KALLSYMS: return "kallsyms";
    default: return "none";
    }
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
    MEMINTRO__LB_SET(h, 0, sizeof *h);
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


/* ---- implementation: tasks, memory maps, modules, kernel log ---------------------------- */

#define MEMINTRO__LX_NONE MEMINTRO_LINUX_NONE
#define MEMINTRO__LX_MAXF 16   /* fields read in one batch */
#define MEMINTRO__LX_TEXT 1024 /* bytes of one log record's text kept (LOG_LINE_MAX + prefix) */

static uint32_t memintro__lx_off(const memintro_btf *b, const char *type, const char *path)
{
    uint32_t off;
    return memintro_btf_offset(b, type, path, &off) == MEMINTRO_OK ? off : MEMINTRO__LX_NONE;
}

/* Size in bytes of a member's type (0 if absent). */
static uint32_t memintro__lx_msize(const memintro_btf *b, const char *type, const char *path)
{
    memintro_btf_member m;
    uint32_t id = memintro_btf_find(b, type, MEMINTRO_BTF_COMPOSITE), size = 0;
    if (!id || memintro_btf_field(b, id, path, &m) != MEMINTRO_OK) return 0;
    return memintro_btf_type_size(b, m.type, &size) == MEMINTRO_OK ? size : 0;
}

/* Bit offset of a member (a bitfield), MEMINTRO__LX_NONE if absent. */
static uint32_t memintro__lx_bit(const memintro_btf *b, const char *type, const char *path)
{
    memintro_btf_member m;
    uint32_t id = memintro_btf_find(b, type, MEMINTRO_BTF_COMPOSITE);
    if (!id || memintro_btf_field(b, id, path, &m) != MEMINTRO_OK) return MEMINTRO__LX_NONE;
    return m.bit_offset;
}

static uint32_t memintro__lx_tsize(const memintro_btf *b, const char *type)
{
    uint32_t size = 0;
    return memintro_btf_size(b, type, &size) == MEMINTRO_OK ? size : 0;
}

static uint32_t memintro__lx_enum(const memintro_btf *b, const char *type, const char *name,
                                  uint32_t dflt)
{
    int64_t v;
    if (memintro_btf_enum_value(b, type, name, &v) != MEMINTRO_OK || v < 0 || v > 0xffff) return dflt;
    return (uint32_t)v;
}

/* A kernel-half address (4- and 5-level x86-64, AArch64), 8-byte aligned. */
static int memintro__lx_kptr(uint64_t p)
{
    return p >= 0xff00000000000000ull && !(p & 7u);
}

/* The first name of a list that is NONE, or NULL. */
static const char *memintro__lx_need(const uint32_t *offs, const char *const *names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (offs[i] == MEMINTRO__LX_NONE) return names[i];
    return NULL;
}

MEMINTRO__LDEF memintro_status memintro_linux_os_init(memintro_linux_os *os, memintro_virt *kernel,
                                                      const memintro_btf *btf,
                                                      memintro_linux_symbol_fn sym, void *user)
{
    memintro_linux_offsets *o;
    const memintro_btf *b = btf;
    uint32_t i, n, msize, esize;
    if (!os) return MEMINTRO_E_INVALID;
    MEMINTRO__LB_SET(os, 0, sizeof *os);
    os->missing_tasks = os->missing_maps = os->missing_modules = os->missing_log =
        "BTF (the kernel's .BTF section, CONFIG_DEBUG_INFO_BTF)";
    if (!kernel) return MEMINTRO_E_INVALID;
    os->kernel = kernel;
    os->btf = btf;
    os->max_tasks = 1u << 20;
    os->max_vmas = 1u << 20;
    os->max_modules = 1u << 16;
    if (!b || !b->offsets || !b->ntypes) return MEMINTRO_E_UNSUPPORTED;
    o = &os->o;
    MEMINTRO__LB_SET(o, 0xff, sizeof *o);

    o->task_tasks = memintro__lx_off(b, "task_struct", "tasks");
    o->task_pid = memintro__lx_off(b, "task_struct", "pid");
    o->task_tgid = memintro__lx_off(b, "task_struct", "tgid");
    o->task_comm = memintro__lx_off(b, "task_struct", "comm");
    o->task_comm_len = memintro__lx_msize(b, "task_struct", "comm");
    o->task_mm = memintro__lx_off(b, "task_struct", "mm");
    o->task_real_parent = memintro__lx_off(b, "task_struct", "real_parent");
    o->task_thread_group = memintro__lx_off(b, "task_struct", "thread_group");
    o->task_thread_node = memintro__lx_off(b, "task_struct", "thread_node");
    o->task_signal = memintro__lx_off(b, "task_struct", "signal");
    o->task_flags = memintro__lx_off(b, "task_struct", "flags");
    o->task_state = memintro__lx_off(b, "task_struct", "__state");
    o->task_state_size = memintro__lx_msize(b, "task_struct", "__state");
    if (o->task_state == MEMINTRO__LX_NONE) {
        o->task_state = memintro__lx_off(b, "task_struct", "state");
        o->task_state_size = memintro__lx_msize(b, "task_struct", "state");
    }
    o->task_exit_state = memintro__lx_off(b, "task_struct", "exit_state");
    o->task_start_time = memintro__lx_off(b, "task_struct", "start_time");
    o->signal_thread_head = memintro__lx_off(b, "signal_struct", "thread_head");

    o->mm_pgd = memintro__lx_off(b, "mm_struct", "pgd");
    o->mm_mt_root = memintro__lx_off(b, "mm_struct", "mm_mt.ma_root");
    o->mm_mmap = memintro__lx_off(b, "mm_struct", "mmap");
    o->mm_arg_start = memintro__lx_off(b, "mm_struct", "arg_start");
    o->mm_arg_end = memintro__lx_off(b, "mm_struct", "arg_end");
    o->mm_start_brk = memintro__lx_off(b, "mm_struct", "start_brk");
    o->mm_brk = memintro__lx_off(b, "mm_struct", "brk");
    o->mm_start_stack = memintro__lx_off(b, "mm_struct", "start_stack");
    o->vma_start = memintro__lx_off(b, "vm_area_struct", "vm_start");
    o->vma_end = memintro__lx_off(b, "vm_area_struct", "vm_end");
    o->vma_flags = memintro__lx_off(b, "vm_area_struct", "vm_flags");
    o->vma_pgoff = memintro__lx_off(b, "vm_area_struct", "vm_pgoff");
    o->vma_file = memintro__lx_off(b, "vm_area_struct", "vm_file");
    o->vma_next = memintro__lx_off(b, "vm_area_struct", "vm_next");
    o->vma_mm = memintro__lx_off(b, "vm_area_struct", "vm_mm");
    o->vma_ops = memintro__lx_off(b, "vm_area_struct", "vm_ops");
    o->vma_private = memintro__lx_off(b, "vm_area_struct", "vm_private_data");
    o->file_dentry = memintro__lx_off(b, "file", "f_path.dentry");
    o->file_mnt = memintro__lx_off(b, "file", "f_path.mnt");
    o->dentry_name = memintro__lx_off(b, "dentry", "d_name.name");
    o->dentry_name_len = memintro__lx_off(b, "dentry", "d_name.len");
    o->dentry_parent = memintro__lx_off(b, "dentry", "d_parent");
    o->vfsmount_root = memintro__lx_off(b, "vfsmount", "mnt_root");
    o->mount_mnt = memintro__lx_off(b, "mount", "mnt");
    o->mount_parent = memintro__lx_off(b, "mount", "mnt_parent");
    o->mount_mountpoint = memintro__lx_off(b, "mount", "mnt_mountpoint");

    o->r64_pivot = memintro__lx_off(b, "maple_range_64", "pivot");
    o->r64_slot = memintro__lx_off(b, "maple_range_64", "slot");
    o->r64_meta = memintro__lx_off(b, "maple_range_64", "meta");
    o->r64_slots = memintro__lx_msize(b, "maple_range_64", "slot") / 8;
    o->a64_pivot = memintro__lx_off(b, "maple_arange_64", "pivot");
    o->a64_slot = memintro__lx_off(b, "maple_arange_64", "slot");
    o->a64_meta = memintro__lx_off(b, "maple_arange_64", "meta");
    o->a64_slots = memintro__lx_msize(b, "maple_arange_64", "slot") / 8;
    o->mt_leaf64 = memintro__lx_enum(b, "maple_type", "maple_leaf_64", 1);
    o->mt_range64 = memintro__lx_enum(b, "maple_type", "maple_range_64", 2);
    o->mt_arange64 = memintro__lx_enum(b, "maple_type", "maple_arange_64", 3);
    /* pivots are one fewer than slots; a layout we cannot hold is not used */
    if (o->r64_slots < 2 || o->r64_slots > 32 ||
        memintro__lx_msize(b, "maple_range_64", "pivot") != 8 * (o->r64_slots - 1))
        o->r64_slot = MEMINTRO__LX_NONE;
    if (o->a64_slots < 2 || o->a64_slots > 32 ||
        memintro__lx_msize(b, "maple_arange_64", "pivot") != 8 * (o->a64_slots - 1))
        o->a64_slot = MEMINTRO__LX_NONE;

    o->mod_list = memintro__lx_off(b, "module", "list");
    o->mod_name = memintro__lx_off(b, "module", "name");
    o->mod_name_len = memintro__lx_msize(b, "module", "name");
    o->mod_state = memintro__lx_off(b, "module", "state");
    o->mod_unformed = memintro__lx_enum(b, "module_state", "MODULE_STATE_UNFORMED", 3);
    o->mod_nsizes = 0;
    msize = memintro__lx_msize(b, "module", "mem");
    esize = memintro__lx_tsize(b, "module_memory");
    if (msize && esize && memintro__lx_off(b, "module", "mem[0].size") != MEMINTRO__LX_NONE) {
        /* 6.4+: mem[MOD_TEXT].base; /proc/modules adds every mem[].size */
        char path[24] = "mem[0].size";
        uint32_t text = memintro__lx_enum(b, "mod_mem_type", "MOD_TEXT", 0);
        n = msize / esize;
        if (n > 8) n = 8;
        for (i = 0; i < n; i++) {
            path[4] = (char)('0' + i);
            o->mod_size[o->mod_nsizes++] = memintro__lx_off(b, "module", path);
        }
        if (text < n) {
            MEMINTRO__LB_COPY(path, "mem[0].base", 12);
            path[4] = (char)('0' + text);
            o->mod_base = memintro__lx_off(b, "module", path);
        }
    } else if (memintro__lx_off(b, "module", "core_layout.base") != MEMINTRO__LX_NONE) {
        o->mod_base = memintro__lx_off(b, "module", "core_layout.base");
        o->mod_size[o->mod_nsizes++] = memintro__lx_off(b, "module", "core_layout.size");
        o->mod_size[o->mod_nsizes++] = memintro__lx_off(b, "module", "init_layout.size");
    } else {
        o->mod_base = memintro__lx_off(b, "module", "module_core");
        o->mod_size[o->mod_nsizes++] = memintro__lx_off(b, "module", "core_size");
        o->mod_size[o->mod_nsizes++] = memintro__lx_off(b, "module", "init_size");
    }

    o->rb_desc_ring = memintro__lx_off(b, "printk_ringbuffer", "desc_ring");
    o->rb_text_ring = memintro__lx_off(b, "printk_ringbuffer", "text_data_ring");
    o->dr_count_bits = memintro__lx_off(b, "prb_desc_ring", "count_bits");
    o->dr_descs = memintro__lx_off(b, "prb_desc_ring", "descs");
    o->dr_infos = memintro__lx_off(b, "prb_desc_ring", "infos");
    o->dr_head_id = memintro__lx_off(b, "prb_desc_ring", "head_id");
    o->dr_tail_id = memintro__lx_off(b, "prb_desc_ring", "tail_id");
    o->desc_size = memintro__lx_tsize(b, "prb_desc");
    o->desc_state = memintro__lx_off(b, "prb_desc", "state_var");
    o->desc_text_begin = memintro__lx_off(b, "prb_desc", "text_blk_lpos.begin");
    o->desc_text_next = memintro__lx_off(b, "prb_desc", "text_blk_lpos.next");
    o->info_size = memintro__lx_tsize(b, "printk_info");
    o->info_seq = memintro__lx_off(b, "printk_info", "seq");
    o->info_ts = memintro__lx_off(b, "printk_info", "ts_nsec");
    o->info_text_len = memintro__lx_off(b, "printk_info", "text_len");
    o->info_facility = memintro__lx_off(b, "printk_info", "facility");
    o->info_flags_bit = memintro__lx_bit(b, "printk_info", "flags");
    o->info_level_bit = memintro__lx_bit(b, "printk_info", "level");
    o->info_caller_id = memintro__lx_off(b, "printk_info", "caller_id");
    o->tr_size_bits = memintro__lx_off(b, "prb_data_ring", "size_bits");
    o->tr_data = memintro__lx_off(b, "prb_data_ring", "data");
    o->log_ts = memintro__lx_off(b, "printk_log", "ts_nsec");
    o->log_len = memintro__lx_off(b, "printk_log", "len");
    o->log_text_len = memintro__lx_off(b, "printk_log", "text_len");
    o->log_facility = memintro__lx_off(b, "printk_log", "facility");
    o->log_flags_bit = memintro__lx_bit(b, "printk_log", "flags");
    o->log_level_bit = memintro__lx_bit(b, "printk_log", "level");
    o->log_caller_id = memintro__lx_off(b, "printk_log", "caller_id");
    o->log_hdr_size = memintro__lx_tsize(b, "printk_log");

    if (sym) {
        if (sym(user, "init_task", &os->init_task) != MEMINTRO_OK) os->init_task = 0;
        if (sym(user, "modules", &os->modules) != MEMINTRO_OK) os->modules = 0;
        if (sym(user, "prb", &os->prb) != MEMINTRO_OK) os->prb = 0;
        if (sym(user, "special_mapping_vmops", &os->special_mapping_vmops) != MEMINTRO_OK)
            os->special_mapping_vmops = 0;
        if (sym(user, "log_buf", &os->log_buf) != MEMINTRO_OK) os->log_buf = 0;
        if (sym(user, "log_buf_len", &os->log_buf_len) != MEMINTRO_OK) os->log_buf_len = 0;
        if (sym(user, "log_first_idx", &os->log_first_idx) != MEMINTRO_OK) os->log_first_idx = 0;
        if (sym(user, "log_next_idx", &os->log_next_idx) != MEMINTRO_OK) os->log_next_idx = 0;
    }

    {
        const uint32_t need[] = {o->task_tasks, o->task_pid, o->task_tgid, o->task_comm,
                                 o->task_mm, o->task_real_parent, o->task_flags, o->mm_pgd};
        static const char *const names[] = {"task_struct.tasks", "task_struct.pid",
            "task_struct.tgid", "task_struct.comm", "task_struct.mm", "task_struct.real_parent",
            "task_struct.flags", "mm_struct.pgd"};
        os->missing_tasks = memintro__lx_need(need, names, sizeof need / sizeof need[0]);
        if (!os->missing_tasks && !os->init_task) os->missing_tasks = "symbol init_task";
    }
    {
        const uint32_t need[] = {o->vma_start, o->vma_end, o->vma_flags, o->vma_pgoff,
                                 o->vma_file, o->file_dentry, o->dentry_name,
                                 o->dentry_name_len, o->dentry_parent};
        static const char *const names[] = {"vm_area_struct.vm_start", "vm_area_struct.vm_end",
            "vm_area_struct.vm_flags", "vm_area_struct.vm_pgoff", "vm_area_struct.vm_file",
            "file.f_path.dentry", "dentry.d_name.name", "dentry.d_name.len", "dentry.d_parent"};
        os->missing_maps = os->missing_tasks;
        if (!os->missing_maps) os->missing_maps = memintro__lx_need(need, names, sizeof need / sizeof need[0]);
        if (!os->missing_maps && o->mm_mt_root == MEMINTRO__LX_NONE && o->mm_mmap == MEMINTRO__LX_NONE)
            os->missing_maps = "mm_struct.mm_mt or mm_struct.mmap";
        if (!os->missing_maps && o->mm_mt_root == MEMINTRO__LX_NONE && o->vma_next == MEMINTRO__LX_NONE)
            os->missing_maps = "vm_area_struct.vm_next";
        if (!os->missing_maps && o->mm_mt_root != MEMINTRO__LX_NONE &&
            (o->r64_slot == MEMINTRO__LX_NONE || o->a64_slot == MEMINTRO__LX_NONE ||
             o->r64_pivot == MEMINTRO__LX_NONE || o->a64_pivot == MEMINTRO__LX_NONE ||
             o->r64_meta == MEMINTRO__LX_NONE || o->a64_meta == MEMINTRO__LX_NONE))
            os->missing_maps = "maple_range_64/maple_arange_64 (pivot, slot, meta)";
    }
    {
        const uint32_t need[] = {o->mod_list, o->mod_name, o->mod_base};
        static const char *const names[] = {"module.list", "module.name",
            "module.mem[MOD_TEXT].base / core_layout.base / module_core"};
        os->missing_modules = memintro__lx_need(need, names, sizeof need / sizeof need[0]);
        for (i = 0; !os->missing_modules && i < o->mod_nsizes; i++)
            if (o->mod_size[i] == MEMINTRO__LX_NONE) os->missing_modules = "module sizes";
        if (!os->missing_modules && !os->modules) os->missing_modules = "symbol modules";
    }
    if (os->prb) {
        const uint32_t need[] = {o->rb_desc_ring, o->rb_text_ring, o->dr_count_bits,
            o->dr_descs, o->dr_infos, o->dr_head_id, o->dr_tail_id, o->desc_state,
            o->desc_text_begin, o->desc_text_next, o->info_seq, o->info_ts, o->info_text_len,
            o->tr_size_bits, o->tr_data};
        static const char *const names[] = {"printk_ringbuffer.desc_ring",
            "printk_ringbuffer.text_data_ring", "prb_desc_ring.count_bits",
            "prb_desc_ring.descs", "prb_desc_ring.infos", "prb_desc_ring.head_id",
            "prb_desc_ring.tail_id", "prb_desc.state_var", "prb_desc.text_blk_lpos.begin",
            "prb_desc.text_blk_lpos.next", "printk_info.seq", "printk_info.ts_nsec",
            "printk_info.text_len", "prb_data_ring.size_bits", "prb_data_ring.data"};
        os->missing_log = memintro__lx_need(need, names, sizeof need / sizeof need[0]);
        if (!os->missing_log && (!o->desc_size || !o->info_size)) os->missing_log = "sizeof prb_desc, printk_info";
    } else if (os->log_buf) {
        const uint32_t need[] = {o->log_ts, o->log_len, o->log_text_len};
        static const char *const names[] = {"printk_log.ts_nsec", "printk_log.len", "printk_log.text_len"};
        os->missing_log = memintro__lx_need(need, names, sizeof need / sizeof need[0]);
        if (!os->missing_log && !o->log_hdr_size) os->missing_log = "sizeof printk_log";
        if (!os->missing_log && (!os->log_buf_len || !os->log_first_idx || !os->log_next_idx))
            os->missing_log = "symbols log_buf_len, log_first_idx, log_next_idx";
    } else {
        os->missing_log = "symbol prb (5.10+) or log_buf";
    }
    return os->missing_tasks ? MEMINTRO_E_NOTFOUND : MEMINTRO_OK;
}

static memintro_status memintro__lx_symbol(void *user, const char *name, uint64_t *addr)
{
    return memintro_linux_symbol((const memintro_linux *)user, name, addr);
}

MEMINTRO__LDEF memintro_status memintro_linux_os_from(memintro_linux_os *os, memintro_linux *l,
                                                      memintro_btf *btf, void *index,
                                                      size_t index_size)
{
    memintro_status st;
    if (!os || !l || !btf) return MEMINTRO_E_INVALID;
    MEMINTRO__LB_SET(btf, 0, sizeof *btf);
    if (!l->btf_data || !l->btf_size) {
        st = memintro_linux_os_init(os, &l->kernel, NULL, memintro__lx_symbol, l);
        return st;
    }
    st = memintro_btf_init(btf, l->btf_data, (size_t)l->btf_size, index, index_size);
    if (st != MEMINTRO_OK) {
        memintro_linux_os_init(os, &l->kernel, NULL, memintro__lx_symbol, l);
        return st;
    }
    return memintro_linux_os_init(os, &l->kernel, btf, memintro__lx_symbol, l);
}

/* ---- reading fields ---- */

typedef struct memintro__lx_field {
    uint32_t off, size; /* off NONE: the value is 0 */
    uint64_t *out;
} memintro__lx_field;

/* Reads n (<= MEMINTRO__LX_MAXF) little-endian fields of 1, 2, 4 or 8 bytes at base + off in
   one batch. */
static memintro_status memintro__lx_fields(memintro_virt *v, uint64_t base,
                                           const memintro__lx_field *f, size_t n)
{
    memintro_op ops[MEMINTRO__LX_MAXF];
    uint8_t bytes[MEMINTRO__LX_MAXF][8];
    size_t i, k = 0;
    memintro_status st;
    for (i = 0; i < n; i++) {
        *f[i].out = 0;
        if (f[i].off == MEMINTRO__LX_NONE || !f[i].size) continue;
        ops[k].addr = base + f[i].off;
        ops[k].buf = bytes[i];
        ops[k].len = f[i].size > 8 ? 8 : f[i].size;
        ops[k].missing = 0;
        ops[k].status = MEMINTRO_OK;
        ops[k].flags = 0;
        k++;
    }
    if (!k) return MEMINTRO_OK;
    st = memintro_virt_read(v, ops, k);
    if (st != MEMINTRO_OK) return st;
    for (i = 0; i < n; i++) {
        const uint8_t *p = bytes[i];
        if (f[i].off == MEMINTRO__LX_NONE || !f[i].size) continue;
        switch (f[i].size) {
        case 1: *f[i].out = p[0]; break;
        case 2: *f[i].out = memintro_get_u16(p); break;
        case 4: *f[i].out = memintro_get_u32(p); break;
        default: *f[i].out = memintro_get_u64(p); break;
        }
    }
    return MEMINTRO_OK;
}

static memintro_status memintro__lx_u64(memintro_virt *v, uint64_t va, uint64_t *out)
{
    uint8_t b[8];
    memintro_status st = memintro_virt_read1(v, va, b, 8);
    *out = st == MEMINTRO_OK ? memintro_get_u64(b) : 0;
    return st;
}

/* Brent's cycle check over a walk: 1 when addr was seen at the last saved point. */
typedef struct memintro__lx_cyc {
    uint64_t saved;
    uint64_t power, steps;
} memintro__lx_cyc;

static void memintro__lx_cyc_init(memintro__lx_cyc *c, uint64_t start)
{
    c->saved = start;
    c->power = 1;
    c->steps = 0;
}

static int memintro__lx_cyc_step(memintro__lx_cyc *c, uint64_t addr)
{
    if (addr == c->saved) return 1;
    if (++c->steps == c->power) {
        c->saved = addr;
        c->power <<= 1;
        c->steps = 0;
    }
    return 0;
}

/* ---- tasks ---- */

static char memintro__lx_state_char(uint64_t state, uint32_t exit_state)
{
    static const char letters[] = "RSDTtXZPI";
    uint32_t s = (uint32_t)state, v = (s | exit_state) & 0x7fu, idx = 0;
    if ((s & 0x402u) == 0x402u) v = 0x80u;   /* TASK_IDLE -> TASK_REPORT_IDLE */
    if (s == 0x1000u) v = 0x2u;              /* TASK_RTLOCK_WAIT shows as D */
    while (v) { idx++; v >>= 1; }
    return letters[idx];
}

MEMINTRO__LDEF memintro_status memintro_linux_task_read(const memintro_linux_os *os, uint64_t addr,
                                                        memintro_linux_task *t)
{
    const memintro_linux_offsets *o;
    uint64_t pid, tgid, mm, parent, flags, state, exit_state, start, pgd, a0, a1, ptgid;
    uint32_t clen;
    memintro_status st;
    if (!os || !t) return MEMINTRO_E_INVALID;
    MEMINTRO__LB_SET(t, 0, sizeof *t);
    if (os->missing_tasks) return MEMINTRO_E_UNSUPPORTED;
    o = &os->o;
    t->addr = addr;
    {
        memintro__lx_field f[8];
        f[0].off = o->task_pid; f[0].size = 4; f[0].out = &pid;
        f[1].off = o->task_tgid; f[1].size = 4; f[1].out = &tgid;
        f[2].off = o->task_mm; f[2].size = 8; f[2].out = &mm;
        f[3].off = o->task_real_parent; f[3].size = 8; f[3].out = &parent;
        f[4].off = o->task_flags; f[4].size = 4; f[4].out = &flags;
        f[5].off = o->task_state; f[5].size = o->task_state_size == 4 ? 4 : 8; f[5].out = &state;
        f[6].off = o->task_exit_state; f[6].size = 4; f[6].out = &exit_state;
        f[7].off = o->task_start_time; f[7].size = 8; f[7].out = &start;
        st = memintro__lx_fields(os->kernel, addr, f, 8);
        if (st != MEMINTRO_OK) return st;
    }
    clen = o->task_comm_len > 16 || !o->task_comm_len ? 16 : o->task_comm_len;
    st = memintro_virt_read1(os->kernel, addr + o->task_comm, t->comm, clen);
    if (st != MEMINTRO_OK) return st;
    t->comm[16] = 0;
    t->comm[clen < 16 ? clen : 16] = 0;
    t->pid = (int32_t)(uint32_t)pid;
    t->tgid = (int32_t)(uint32_t)tgid;
    t->flags = (uint32_t)flags;
    t->state = state;
    t->exit_state = (uint32_t)exit_state;
    t->state_char = memintro__lx_state_char(state, t->exit_state);
    t->start_time = start;
    t->mm = mm;
    t->kernel_thread = (uint8_t)((flags & 0x00200000u) || !mm); /* PF_KTHREAD */
    if (memintro__lx_kptr(parent)) {
        uint8_t b[4];
        if (memintro_virt_read1(os->kernel, parent + o->task_tgid, b, 4) == MEMINTRO_OK) {
            ptgid = memintro_get_u32(b);
            t->ppid = (int32_t)(uint32_t)ptgid;
        }
    }
    if (mm) {
        memintro__lx_field f[3];
        memintro_xlate x;
        if (!memintro__lx_kptr(mm)) return MEMINTRO_E_FORMAT;
        f[0].off = o->mm_pgd; f[0].size = 8; f[0].out = &pgd;
        f[1].off = o->mm_arg_start; f[1].size = 8; f[1].out = &a0;
        f[2].off = o->mm_arg_end; f[2].size = 8; f[2].out = &a1;
        st = memintro__lx_fields(os->kernel, mm, f, 3);
        if (st != MEMINTRO_OK) return st;
        t->pgd = pgd;
        t->arg_start = a0;
        t->arg_end = a1;
        MEMINTRO__LB_SET(&x, 0, sizeof x);
        x.va = pgd;
        if (pgd && memintro_translate(os->kernel, &x, 1) == MEMINTRO_OK) t->dtb = x.pa;
    }
    return MEMINTRO_OK;
}

/* Walks a circular list of tasks through the list_head at `link` in each task, from the
   list head at `head` (a task's own link or a separate head); skips `skip`. */
static memintro_status memintro__lx_task_list(const memintro_linux_os *os, uint64_t head,
                                              uint32_t link, uint64_t skip, uint8_t is_thread,
                                              uint32_t flags, memintro_linux_task_fn fn,
                                              void *user, uint32_t *count, int *stopped);

static memintro_status memintro__lx_threads(const memintro_linux_os *os, const memintro_linux_task *leader,
                                            memintro_linux_task_fn fn, void *user, uint32_t *count,
                                            int *stopped)
{
    const memintro_linux_offsets *o = &os->o;
    if (o->task_thread_node != MEMINTRO__LX_NONE && o->signal_thread_head != MEMINTRO__LX_NONE &&
        o->task_signal != MEMINTRO__LX_NONE) {
        uint64_t sig;
        memintro_status st = memintro__lx_u64(os->kernel, leader->addr + o->task_signal, &sig);
        if (st != MEMINTRO_OK) return st;
        if (!memintro__lx_kptr(sig)) return MEMINTRO_E_FORMAT;
        return memintro__lx_task_list(os, sig + o->signal_thread_head, o->task_thread_node,
                                      leader->addr, 1, 0, fn, user, count, stopped);
    }
    if (o->task_thread_group != MEMINTRO__LX_NONE)
        return memintro__lx_task_list(os, leader->addr + o->task_thread_group,
                                      o->task_thread_group, leader->addr, 1, 0, fn, user, count,
                                      stopped);
    return MEMINTRO_OK;
}

static memintro_status memintro__lx_task_list(const memintro_linux_os *os, uint64_t head,
                                              uint32_t link, uint64_t skip, uint8_t is_thread,
                                              uint32_t flags, memintro_linux_task_fn fn,
                                              void *user, uint32_t *count, int *stopped)
{
    memintro__lx_cyc cyc;
    uint64_t cur = head, next;
    memintro_status st;
    memintro__lx_cyc_init(&cyc, head);
    for (;;) {
        memintro_linux_task t;
        st = memintro__lx_u64(os->kernel, cur, &next);
        if (st != MEMINTRO_OK) return st;
        if (next == head) return MEMINTRO_OK;
        if (!memintro__lx_kptr(next) || next < link) return MEMINTRO_E_FORMAT;
        if (memintro__lx_cyc_step(&cyc, next)) return MEMINTRO_E_FORMAT; /* loops, never back */
        cur = next;
        if (next - link == skip) continue;
        if (++*count > os->max_tasks) return MEMINTRO_E_LIMIT;
        st = memintro_linux_task_read(os, next - link, &t);
        if (st != MEMINTRO_OK) return st;
        t.is_thread = is_thread;
        if (fn && fn(user, &t)) { *stopped = 1; return MEMINTRO_OK; }
        if (flags & MEMINTRO_LINUX_THREADS) {
            st = memintro__lx_threads(os, &t, fn, user, count, stopped);
            if (st != MEMINTRO_OK || *stopped) return st;
        }
    }
}

MEMINTRO__LDEF memintro_status memintro_linux_task_each(const memintro_linux_os *os, uint32_t flags,
                                                        memintro_linux_task_fn fn, void *user)
{
    uint32_t count = 0;
    int stopped = 0;
    memintro_status st;
    if (!os || !os->kernel) return MEMINTRO_E_INVALID;
    if (os->missing_tasks) return MEMINTRO_E_UNSUPPORTED;
    if (flags & MEMINTRO_LINUX_IDLE) {
        memintro_linux_task t;
        st = memintro_linux_task_read(os, os->init_task, &t);
        if (st != MEMINTRO_OK) return st;
        if (fn && fn(user, &t)) return MEMINTRO_OK;
    }
    return memintro__lx_task_list(os, os->init_task + os->o.task_tasks, os->o.task_tasks,
                                  os->init_task, 0, flags, fn, user, &count, &stopped);
}

typedef struct memintro__lx_find {
    int32_t pid;
    const char *name;
    memintro_linux_task *out;
    int found;
} memintro__lx_find;

static int memintro__lx_find_fn(void *user, const memintro_linux_task *t)
{
    memintro__lx_find *f = (memintro__lx_find *)user;
    int match = 0;
    if (f->pid >= 0) {
        match = t->pid == f->pid;
    } else if (f->name) {
        size_t i = 0;
        while (i < 16 && f->name[i] && f->name[i] == t->comm[i]) i++;
        match = i < 16 ? f->name[i] == t->comm[i] : f->name[16] == 0;
    }
    if (match) { *f->out = *t; f->found = 1; }
    return match;
}

MEMINTRO__LDEF memintro_status memintro_linux_task_find(const memintro_linux_os *os, int32_t pid,
                                                        const char *name, memintro_linux_task *t)
{
    memintro__lx_find f;
    memintro_status st;
    if (!os || !t || (pid < 0 && !name)) return MEMINTRO_E_INVALID;
    f.pid = pid;
    f.name = name;
    f.out = t;
    f.found = 0;
    st = memintro_linux_task_each(os, MEMINTRO_LINUX_THREADS | MEMINTRO_LINUX_IDLE,
                                  memintro__lx_find_fn, &f);
    if (f.found) return MEMINTRO_OK;
    return st == MEMINTRO_OK ? MEMINTRO_E_NOTFOUND : st;
}

MEMINTRO__LDEF memintro_status memintro_linux_task_read_mem(const memintro_linux_os *os,
                                                            const memintro_linux_task *t,
                                                            uint64_t va, void *buf, size_t len)
{
    memintro_virt *k;
    uint64_t dtb, upper;
    memintro_status st;
    if (!os || !os->kernel || !t || (!buf && len)) return MEMINTRO_E_INVALID;
    if (!t->dtb) return MEMINTRO_E_NOTFOUND;
    k = os->kernel;
    dtb = k->desc.dtb;
    upper = k->desc.dtb_upper;
    st = memintro_virt_set_dtb(k, t->dtb, upper);
    if (st != MEMINTRO_OK) return st;
    st = memintro_virt_read1(k, va, buf, len);
    memintro_virt_set_dtb(k, dtb, upper);
    return st;
}

MEMINTRO__LDEF memintro_status memintro_linux_task_cmdline(const memintro_linux_os *os,
                                                           const memintro_linux_task *t, char *buf,
                                                           size_t size, size_t *len)
{
    uint64_t n;
    memintro_status st;
    if (len) *len = 0;
    if (!os || !t || !buf || !size) return MEMINTRO_E_INVALID;
    buf[0] = 0;
    if (!t->mm || !t->dtb) return MEMINTRO_E_NOTFOUND;
    if (t->arg_end < t->arg_start) return MEMINTRO_E_FORMAT;
    n = t->arg_end - t->arg_start;
    if (n > size - 1) n = size - 1;
    st = memintro_linux_task_read_mem(os, t, t->arg_start, buf, (size_t)n);
    if (st != MEMINTRO_OK) { buf[0] = 0; return st; }
    while (n && buf[n - 1] == 0) n--; /* the last argument's NUL */
    buf[n] = 0;
    if (len) *len = (size_t)n;
    return MEMINTRO_OK;
}

MEMINTRO__LDEF memintro_status memintro_linux_task_space(const memintro_linux_os *os,
                                                         const memintro_linux_task *t,
                                                         memintro_virt *v, void *scratch,
                                                         size_t scratch_size)
{
    memintro_mmu_desc d;
    if (!os || !os->kernel || !t || !v) return MEMINTRO_E_INVALID;
    if (!t->dtb) return MEMINTRO_E_NOTFOUND;
    d = os->kernel->desc;
    d.dtb = t->dtb;
    return memintro_virt_init(v, os->kernel->phys, &d, scratch, scratch_size);
}

/* ---- memory maps ---- */

typedef struct memintro__lx_vctx {
    const memintro_linux_os *os;
    memintro_linux_vma_fn fn;
    void *user;
    uint64_t start_brk, brk, start_stack;
    uint64_t last_end;
    uint32_t count;
    int stopped;
} memintro__lx_vctx;

/* A string of at most max bytes at va into out (NUL-terminated); its length. */
static size_t memintro__lx_str(memintro_virt *k, uint64_t va, char *out, size_t max)
{
    size_t n;
    if (memintro_virt_read1(k, va, out, max) != MEMINTRO_OK) { out[0] = 0; return 0; }
    for (n = 0; n < max && out[n]; n++) {}
    if (n == max) n = max - 1;
    out[n] = 0;
    return n;
}

/* The path of a struct file, as d_path shows it (mounts crossed), into out[256]. */
static void memintro__lx_path(const memintro_linux_os *os, uint64_t file, char *out)
{
    const memintro_linux_offsets *o = &os->o;
    memintro_virt *k = os->kernel;
    char tmp[256];
    size_t pos = sizeof tmp - 1, i;
    uint64_t dentry = 0, mnt = 0, mount = 0;
    int mounts;
    uint32_t n;
    out[0] = 0;
    tmp[pos] = 0;
    if (memintro__lx_u64(k, file + o->file_dentry, &dentry) != MEMINTRO_OK || !memintro__lx_kptr(dentry))
        return;
    mounts = o->file_mnt != MEMINTRO__LX_NONE && o->mount_mnt != MEMINTRO__LX_NONE &&
             o->mount_parent != MEMINTRO__LX_NONE && o->mount_mountpoint != MEMINTRO__LX_NONE &&
             o->vfsmount_root != MEMINTRO__LX_NONE &&
             memintro__lx_u64(k, file + o->file_mnt, &mnt) == MEMINTRO_OK && memintro__lx_kptr(mnt) &&
             mnt >= o->mount_mnt;
    mount = mnt - (mounts ? o->mount_mnt : 0);
    for (n = 0; n < 128; n++) {
        uint64_t parent, name, len = 0, root;
        uint8_t lb[4];
        if (mounts && memintro__lx_u64(k, mnt + o->vfsmount_root, &root) == MEMINTRO_OK && dentry == root) {
            uint64_t pm, mp;
            if (memintro__lx_u64(k, mount + o->mount_parent, &pm) != MEMINTRO_OK || pm == mount ||
                !memintro__lx_kptr(pm))
                break;
            if (memintro__lx_u64(k, mount + o->mount_mountpoint, &mp) != MEMINTRO_OK || !memintro__lx_kptr(mp))
                break;
            dentry = mp;
            mount = pm;
            mnt = pm + o->mount_mnt;
            continue;
        }
        if (memintro__lx_u64(k, dentry + o->dentry_parent, &parent) != MEMINTRO_OK ||
            parent == dentry || !memintro__lx_kptr(parent))
            break;
        if (memintro__lx_u64(k, dentry + o->dentry_name, &name) != MEMINTRO_OK ||
            memintro_virt_read1(k, dentry + o->dentry_name_len, lb, 4) != MEMINTRO_OK)
            break;
        len = memintro_get_u32(lb);
        if (len + 1 > pos) break; /* too long: keep the tail we have */
        if (memintro_virt_read1(k, name, tmp + pos - len, (size_t)len) != MEMINTRO_OK) break;
        pos -= (size_t)len;
        tmp[--pos] = '/';
        dentry = parent;
    }
    if (pos == sizeof tmp - 1) tmp[--pos] = '/';
    for (i = 0; tmp[pos + i]; i++) out[i] = tmp[pos + i];
    out[i] = 0;
}

static memintro_status memintro__lx_vma(memintro__lx_vctx *c, uint64_t va, int ranged,
                                        uint64_t lo, uint64_t hi)
{
    const memintro_linux_os *os = c->os;
    const memintro_linux_offsets *o = &os->o;
    memintro_linux_vma v;
    memintro__lx_field f[7];
    uint64_t ops = 0, priv = 0;
    memintro_status st;
    if (!memintro__lx_kptr(va)) return MEMINTRO_E_FORMAT;
    MEMINTRO__LB_SET(&v, 0, sizeof v);
    v.addr = va;
    f[0].off = o->vma_start; f[0].size = 8; f[0].out = &v.start;
    f[1].off = o->vma_end; f[1].size = 8; f[1].out = &v.end;
    f[2].off = o->vma_flags; f[2].size = 8; f[2].out = &v.flags;
    f[3].off = o->vma_pgoff; f[3].size = 8; f[3].out = &v.pgoff;
    f[4].off = o->vma_file; f[4].size = 8; f[4].out = &v.file;
    f[5].off = o->vma_ops; f[5].size = 8; f[5].out = &ops;
    f[6].off = o->vma_private; f[6].size = 8; f[6].out = &priv;
    st = memintro__lx_fields(os->kernel, va, f, 7);
    if (st != MEMINTRO_OK) return st;
    if (v.start >= v.end || v.start < c->last_end) return MEMINTRO_E_FORMAT;
    if (ranged && (v.start != lo || v.end - 1 != hi)) return MEMINTRO_E_FORMAT;
    if (++c->count > os->max_vmas) return MEMINTRO_E_LIMIT;
    c->last_end = v.end;
    v.perms[0] = (v.flags & 1u) ? 'r' : '-';
    v.perms[1] = (v.flags & 2u) ? 'w' : '-';
    v.perms[2] = (v.flags & 4u) ? 'x' : '-';
    v.perms[3] = (v.flags & 8u) ? 's' : 'p';
    v.perms[4] = 0;
    if (v.file) {
        memintro__lx_path(os, v.file, v.name);
    } else if (ops && memintro__lx_kptr(priv) &&
               (os->special_mapping_vmops ? ops == os->special_mapping_vmops : 1)) {
        /* a special mapping: vm_private_data is a struct vm_special_mapping, name first */
        uint64_t np;
        char nm[32];
        if (memintro__lx_u64(os->kernel, priv, &np) == MEMINTRO_OK && np >= 0xff00000000000000ull) {
            size_t n = memintro__lx_str(os->kernel, np, nm, sizeof nm);
            if (n >= 3 && nm[0] == '[' && nm[n - 1] == ']') MEMINTRO__LB_COPY(v.name, nm, n + 1);
        }
    }
    if (!v.name[0] && !v.file) {
        if (v.start <= c->brk && v.end >= c->start_brk) MEMINTRO__LB_COPY(v.name, "[heap]", 7);
        else if (v.start <= c->start_stack && v.end >= c->start_stack) MEMINTRO__LB_COPY(v.name, "[stack]", 8);
    }
    if (c->fn && c->fn(c->user, &v)) c->stopped = 1;
    return MEMINTRO_OK;
}

/* The tree's root is a node when it is tagged as one (MAPLE_ROOT_NODE, bit 1: xa_is_node);
   inside a node, each child is node | type << 3 | MAPLE_ENODE_NULL (bit 2). */
static int memintro__lx_mt_root(uint64_t e)
{
    return (e & 3u) == 2u && e > 4096u;
}

/* One maple node (entry with type bits) covering [min, max]; its subtrees in order. */
static memintro_status memintro__lx_mt(memintro__lx_vctx *c, uint64_t entry, uint64_t min,
                                       uint64_t max, uint32_t depth)
{
    const memintro_linux_offsets *o = &c->os->o;
    uint64_t node = entry & ~(uint64_t)0xff, piv[32], slot[32], lo = min, hi;
    uint32_t type = (uint32_t)(entry >> 3) & 0xfu, nslots, poff, soff, moff, end, i;
    uint8_t pb[31 * 8], sb[32 * 8], meta = 0;
    memintro_op ops[3];
    memintro_status st;
    int leaf;
    if (depth > 32) return MEMINTRO_E_LIMIT;
    if (!memintro__lx_kptr(node)) return MEMINTRO_E_FORMAT;
    if (type == o->mt_leaf64 || type == o->mt_range64) {
        nslots = o->r64_slots; poff = o->r64_pivot; soff = o->r64_slot; moff = o->r64_meta;
        leaf = type == o->mt_leaf64;
    } else if (type == o->mt_arange64) {
        nslots = o->a64_slots; poff = o->a64_pivot; soff = o->a64_slot; moff = o->a64_meta;
        leaf = 0;
    } else {
        return MEMINTRO_E_FORMAT; /* dense nodes hold no VMAs */
    }
    MEMINTRO__LB_SET(ops, 0, sizeof ops);
    ops[0].addr = node + poff; ops[0].buf = pb; ops[0].len = 8 * (nslots - 1);
    ops[1].addr = node + soff; ops[1].buf = sb; ops[1].len = 8 * nslots;
    ops[2].addr = node + moff; ops[2].buf = &meta; ops[2].len = 1; /* maple_metadata.end */
    st = memintro_virt_read(c->os->kernel, ops, 3);
    if (st != MEMINTRO_OK) return st;
    for (i = 0; i < nslots; i++) {
        if (i + 1 < nslots) piv[i] = memintro_get_u64(pb + 8 * i);
        slot[i] = memintro_get_u64(sb + 8 * i);
    }
    /* the last slot in use (ma_data_end) */
    if (type == o->mt_arange64) end = meta;
    else if (piv[nslots - 2] == 0) end = meta;
    else if (piv[nslots - 2] == max) end = nslots - 2;
    else end = nslots - 1;
    if (end >= nslots) return MEMINTRO_E_FORMAT;
    for (i = 0; i <= end; i++) {
        hi = i + 1 < nslots ? piv[i] : max;
        if (i == end && (hi == 0 || hi > max)) hi = max;
        if (hi < lo || hi > max) return MEMINTRO_E_FORMAT;
        if (leaf) {
            if (slot[i] && !(slot[i] & 3u)) st = memintro__lx_vma(c, slot[i], 1, lo, hi);
        } else {
            if (!memintro__lx_kptr(slot[i] & ~(uint64_t)0xff) || (slot[i] & 3u)) return MEMINTRO_E_FORMAT;
            st = memintro__lx_mt(c, slot[i], lo, hi, depth + 1);
        }
        if (st != MEMINTRO_OK || c->stopped) return st;
        if (hi >= max) break;
        lo = hi + 1;
    }
    return MEMINTRO_OK;
}

MEMINTRO__LDEF memintro_status memintro_linux_vma_each(const memintro_linux_os *os,
                                                       const memintro_linux_task *t,
                                                       memintro_linux_vma_fn fn, void *user)
{
    const memintro_linux_offsets *o;
    memintro__lx_vctx c;
    memintro__lx_field f[3];
    memintro_status st;
    uint64_t root;
    if (!os || !os->kernel || !t) return MEMINTRO_E_INVALID;
    if (os->missing_maps) return MEMINTRO_E_UNSUPPORTED;
    if (!t->mm) return MEMINTRO_E_NOTFOUND;
    if (!memintro__lx_kptr(t->mm)) return MEMINTRO_E_FORMAT;
    o = &os->o;
    MEMINTRO__LB_SET(&c, 0, sizeof c);
    c.os = os;
    c.fn = fn;
    c.user = user;
    f[0].off = o->mm_start_brk; f[0].size = 8; f[0].out = &c.start_brk;
    f[1].off = o->mm_brk; f[1].size = 8; f[1].out = &c.brk;
    f[2].off = o->mm_start_stack; f[2].size = 8; f[2].out = &c.start_stack;
    st = memintro__lx_fields(os->kernel, t->mm, f, 3);
    if (st != MEMINTRO_OK) return st;
    if (o->mm_mt_root != MEMINTRO__LX_NONE) {
        st = memintro__lx_u64(os->kernel, t->mm + o->mm_mt_root, &root);
        if (st != MEMINTRO_OK) return st;
        if (!root) return MEMINTRO_OK;
        if (!memintro__lx_mt_root(root)) return MEMINTRO_E_FORMAT; /* a lone entry: not a VMA tree */
        return memintro__lx_mt(&c, root, 0, ~(uint64_t)0, 0);
    } else {
        memintro__lx_cyc cyc;
        uint64_t v;
        st = memintro__lx_u64(os->kernel, t->mm + o->mm_mmap, &v);
        memintro__lx_cyc_init(&cyc, 0);
        while (st == MEMINTRO_OK && v && !c.stopped) {
            if (memintro__lx_cyc_step(&cyc, v)) return MEMINTRO_E_FORMAT;
            st = memintro__lx_vma(&c, v, 0, 0, 0);
            if (st == MEMINTRO_OK) st = memintro__lx_u64(os->kernel, v + o->vma_next, &v);
        }
        return st;
    }
}

/* ---- modules ---- */

MEMINTRO__LDEF memintro_status memintro_linux_module_each(const memintro_linux_os *os,
                                                          memintro_linux_module_fn fn, void *user)
{
    const memintro_linux_offsets *o;
    memintro__lx_cyc cyc;
    uint64_t head, cur, next;
    uint32_t count = 0, i;
    memintro_status st;
    if (!os || !os->kernel) return MEMINTRO_E_INVALID;
    if (os->missing_modules) return MEMINTRO_E_UNSUPPORTED;
    o = &os->o;
    head = cur = os->modules;
    memintro__lx_cyc_init(&cyc, head);
    for (;;) {
        memintro_linux_module m;
        memintro__lx_field f[10];
        uint64_t sizes[8], state;
        uint32_t nlen;
        st = memintro__lx_u64(os->kernel, cur, &next);
        if (st != MEMINTRO_OK) return st;
        if (next == head) return MEMINTRO_OK;
        if (!memintro__lx_kptr(next) || next < o->mod_list) return MEMINTRO_E_FORMAT;
        if (memintro__lx_cyc_step(&cyc, next)) return MEMINTRO_E_FORMAT;
        if (++count > os->max_modules) return MEMINTRO_E_LIMIT;
        MEMINTRO__LB_SET(&m, 0, sizeof m);
        m.addr = next - o->mod_list;
        f[0].off = o->mod_base; f[0].size = 8; f[0].out = &m.base;
        for (i = 0; i < o->mod_nsizes && i < 8; i++) {
            f[1 + i].off = o->mod_size[i]; f[1 + i].size = 4; f[1 + i].out = &sizes[i];
        }
        f[1 + i].off = o->mod_state; f[1 + i].size = 4; f[1 + i].out = &state;
        st = memintro__lx_fields(os->kernel, m.addr, f, 2 + i);
        if (st != MEMINTRO_OK) return st;
        while (i--) m.size += sizes[i];
        m.state = (uint32_t)state;
        cur = next;
        if (m.state == o->mod_unformed && o->mod_state != MEMINTRO__LX_NONE) continue;
        nlen = o->mod_name_len && o->mod_name_len < sizeof m.name ? o->mod_name_len : sizeof m.name - 1;
        memintro__lx_str(os->kernel, m.addr + o->mod_name, m.name, nlen);
        if (fn && fn(user, &m)) return MEMINTRO_OK;
    }
}

/* ---- kernel log ---- */

static memintro_status memintro__lx_prb(const memintro_linux_os *os, memintro_linux_log_fn fn,
                                        void *user)
{
    const memintro_linux_offsets *o = &os->o;
    memintro_virt *k = os->kernel;
    const uint64_t idmask = ~(3ull << 62);
    uint64_t rb, count_bits, descs, infos, head, tail, size_bits, data, id, count, n = 0;
    memintro__lx_field f[7];
    char text[MEMINTRO__LX_TEXT];
    memintro_status st = memintro__lx_u64(k, os->prb, &rb); /* struct printk_ringbuffer *prb */
    if (st != MEMINTRO_OK) return st;
    if (!memintro__lx_kptr(rb)) return MEMINTRO_E_FORMAT;
    f[0].off = o->rb_desc_ring + o->dr_count_bits; f[0].size = 4; f[0].out = &count_bits;
    f[1].off = o->rb_desc_ring + o->dr_descs; f[1].size = 8; f[1].out = &descs;
    f[2].off = o->rb_desc_ring + o->dr_infos; f[2].size = 8; f[2].out = &infos;
    f[3].off = o->rb_desc_ring + o->dr_head_id; f[3].size = 8; f[3].out = &head;
    f[4].off = o->rb_desc_ring + o->dr_tail_id; f[4].size = 8; f[4].out = &tail;
    f[5].off = o->rb_text_ring + o->tr_size_bits; f[5].size = 4; f[5].out = &size_bits;
    f[6].off = o->rb_text_ring + o->tr_data; f[6].size = 8; f[6].out = &data;
    st = memintro__lx_fields(k, rb, f, 7);
    if (st != MEMINTRO_OK) return st;
    /* log_buf_len is at most 2^31 (2^25 in practice); descriptors are fewer */
    if (count_bits > 26 || size_bits > 31 || size_bits < 4 || !memintro__lx_kptr(descs) ||
        !memintro__lx_kptr(infos) || !memintro__lx_kptr(data))
        return MEMINTRO_E_FORMAT;
    count = 1ull << count_bits;
    head &= idmask;
    id = tail & idmask;
    for (;;) {
        uint64_t idx = id & (count - 1), sv, begin, next, seq, ts, tlen, fac, lv, caller;
        uint64_t dsize = ~0ull, dstart = 0, dmask = (1ull << size_bits) - 1;
        if (++n > count) return MEMINTRO_E_LIMIT; /* head never reached: ids moved under us */
        f[0].off = o->desc_state; f[0].size = 8; f[0].out = &sv;
        f[1].off = o->desc_text_begin; f[1].size = 8; f[1].out = &begin;
        f[2].off = o->desc_text_next; f[2].size = 8; f[2].out = &next;
        st = memintro__lx_fields(k, descs + idx * o->desc_size, f, 3);
        if (st != MEMINTRO_OK) return st;
        if ((sv & idmask) == id && ((sv >> 62) == 1 || (sv >> 62) == 2)) { /* committed, finalized */
            memintro_linux_log r;
            uint32_t lvbit = o->info_level_bit, flbit = o->info_flags_bit;
            f[0].off = o->info_seq; f[0].size = 8; f[0].out = &seq;
            f[1].off = o->info_ts; f[1].size = 8; f[1].out = &ts;
            f[2].off = o->info_text_len; f[2].size = 2; f[2].out = &tlen;
            f[3].off = o->info_facility; f[3].size = 1; f[3].out = &fac;
            f[4].off = lvbit == MEMINTRO__LX_NONE ? MEMINTRO__LX_NONE : lvbit >> 3; f[4].size = 1; f[4].out = &lv;
            f[5].off = o->info_caller_id; f[5].size = 4; f[5].out = &caller;
            f[6].off = flbit == MEMINTRO__LX_NONE ? MEMINTRO__LX_NONE : flbit >> 3; f[6].size = 1; f[6].out = &sv;
            st = memintro__lx_fields(k, infos + idx * o->info_size, f, 7);
            if (st != MEMINTRO_OK) return st;
            MEMINTRO__LB_SET(&r, 0, sizeof r);
            r.seq = seq;
            r.ts_nsec = ts;
            r.facility = (uint8_t)fac;
            r.level = lvbit == MEMINTRO__LX_NONE ? 0 : (uint8_t)((lv >> (lvbit & 7u)) & 7u);
            r.flags = flbit == MEMINTRO__LX_NONE ? 0 : (uint8_t)((sv >> (flbit & 7u)) & 0x1fu);
            r.caller_id = (uint32_t)caller;
            r.text = text;
            /* where the text block lies (get_data): 1 in the low bit is a data-less record */
            if (!(begin & 1u) && !(next & 1u) && !(begin & 7u) && !(next & 7u)) {
                if ((begin >> size_bits) == (next >> size_bits) && begin < next) {
                    dstart = begin & dmask;
                    dsize = next - begin;
                } else if (((begin + dmask + 1) >> size_bits) == (next >> size_bits)) {
                    dstart = 0;
                    dsize = next & dmask;
                }
            }
            if (dsize != ~0ull && dsize >= 8) {
                dsize -= 8; /* the block's id */
                if (tlen > dsize) tlen = dsize;
                if (tlen > sizeof text) tlen = sizeof text;
                if (tlen && memintro_virt_read1(k, data + dstart + 8, text, (size_t)tlen) != MEMINTRO_OK)
                    tlen = 0;
                r.text_len = (uint32_t)tlen;
                if (fn && fn(user, &r)) return MEMINTRO_OK;
            } else if ((begin & 1u) && (next & 1u)) {
                r.text_len = 0; /* data-less: an empty line or a record whose text was lost */
                if (fn && fn(user, &r)) return MEMINTRO_OK;
            }
        }
        if (id == head) return MEMINTRO_OK;
        id = (id + 1) & idmask;
    }
}

static memintro_status memintro__lx_logbuf(const memintro_linux_os *os, memintro_linux_log_fn fn,
                                           void *user)
{
    const memintro_linux_offsets *o = &os->o;
    memintro_virt *k = os->kernel;
    uint64_t buf, blen, first, next, idx, n = 0, wraps = 0;
    uint8_t b4[4];
    char text[MEMINTRO__LX_TEXT];
    memintro_status st = memintro__lx_u64(k, os->log_buf, &buf);
    if (st != MEMINTRO_OK) return st;
    if ((st = memintro_virt_read1(k, os->log_buf_len, b4, 4)) != MEMINTRO_OK) return st;
    blen = memintro_get_u32(b4);
    if ((st = memintro_virt_read1(k, os->log_first_idx, b4, 4)) != MEMINTRO_OK) return st;
    first = memintro_get_u32(b4);
    if ((st = memintro_virt_read1(k, os->log_next_idx, b4, 4)) != MEMINTRO_OK) return st;
    next = memintro_get_u32(b4);
    if (!memintro__lx_kptr(buf) || blen > (1u << 31) || first >= blen || next >= blen)
        return MEMINTRO_E_FORMAT;
    for (idx = first; idx != next;) {
        uint64_t ts, len, tlen, fac, lv, fl, caller;
        memintro__lx_field f[7];
        memintro_linux_log r;
        uint32_t lvbit = o->log_level_bit, flbit = o->log_flags_bit;
        if (++n > blen / o->log_hdr_size + 2) return MEMINTRO_E_LIMIT;
        if (idx + o->log_hdr_size > blen) return MEMINTRO_E_FORMAT;
        f[0].off = o->log_ts; f[0].size = 8; f[0].out = &ts;
        f[1].off = o->log_len; f[1].size = 2; f[1].out = &len;
        f[2].off = o->log_text_len; f[2].size = 2; f[2].out = &tlen;
        f[3].off = o->log_facility; f[3].size = 1; f[3].out = &fac;
        f[4].off = lvbit == MEMINTRO__LX_NONE ? MEMINTRO__LX_NONE : lvbit >> 3; f[4].size = 1; f[4].out = &lv;
        f[5].off = o->log_caller_id; f[5].size = 4; f[5].out = &caller;
        f[6].off = flbit == MEMINTRO__LX_NONE ? MEMINTRO__LX_NONE : flbit >> 3; f[6].size = 1; f[6].out = &fl;
        st = memintro__lx_fields(k, buf + idx, f, 7);
        if (st != MEMINTRO_OK) return st;
        if (!len) { /* the end-of-buffer marker: the next record is at the start */
            if (++wraps > 1) return MEMINTRO_E_FORMAT;
            idx = 0;
            continue;
        }
        if (len < o->log_hdr_size || idx + len > blen) return MEMINTRO_E_FORMAT;
        if (tlen > len - o->log_hdr_size) tlen = len - o->log_hdr_size;
        if (tlen > sizeof text) tlen = sizeof text;
        MEMINTRO__LB_SET(&r, 0, sizeof r);
        r.seq = n - 1;
        r.ts_nsec = ts;
        r.facility = (uint8_t)fac;
        r.level = lvbit == MEMINTRO__LX_NONE ? 0 : (uint8_t)((lv >> (lvbit & 7u)) & 7u);
        r.flags = flbit == MEMINTRO__LX_NONE ? 0 : (uint8_t)((fl >> (flbit & 7u)) & 0x1fu);
        r.caller_id = (uint32_t)caller;
        r.text = text;
        if (tlen && memintro_virt_read1(k, buf + idx + o->log_hdr_size, text, (size_t)tlen) != MEMINTRO_OK)
            tlen = 0;
        r.text_len = (uint32_t)tlen;
        if (fn && fn(user, &r)) return MEMINTRO_OK;
        idx += len;
    }
    return MEMINTRO_OK;
}

MEMINTRO__LDEF memintro_status memintro_linux_log_each(const memintro_linux_os *os,
                                                       memintro_linux_log_fn fn, void *user)
{
    if (!os || !os->kernel) return MEMINTRO_E_INVALID;
    if (os->missing_log) return MEMINTRO_E_UNSUPPORTED;
    return os->prb ? memintro__lx_prb(os, fn, user) : memintro__lx_logbuf(os, fn, user);
}

#undef MEMINTRO__LX_NONE
#undef MEMINTRO__LX_MAXF
#undef MEMINTRO__LX_TEXT


#undef MEMINTRO__LDEF
#undef MEMINTRO__LB_COPY
#undef MEMINTRO__LB_SET

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
