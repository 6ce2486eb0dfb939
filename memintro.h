/* memintro.h - guest-physical and guest-virtual memory access, freestanding core.

   memintro reads (and, when asked, writes) the memory of virtual machines and memory
   snapshots. This header is the core every other memintro header builds on:

     - status codes and their descriptions;
     - the physical-memory interface: a backend reads or writes a BATCH of operations in
       one call, and each operation carries its own status;
     - memory maps (sorted guest-physical ranges to backing offsets) and THE mapped-memory
       backend, memintro_buffer: guest-physical memory that lies in host memory (a byte
       array, a memory-mapped dump, a VM's RAM mapped into this process), with a fallback
       backend for what the map does not hold, and direct access (see below);
     - helpers for backends that fill in op results by the op contract;
     - CPU state (memintro_cpu) and the paging description its registers select; paging
       geometry, mode names, number parsers, and the allocator type the hosted headers take;
     - one data-driven paging walker for x86 32-bit (4 KiB, 4 MiB with PSE, PSE-36),
       x86 PAE, x86-64 4-level and 5-level (LA57), and AArch64 with 4/16/64 KiB granules;
     - batched translation that walks many addresses level by level, fetching every table
       entry a level needs in ONE physical batch (shared entries fetched once), for
       backends whose reads are system calls; over direct access each address walks alone;
     - virtual reads and writes of one range or many, split at page boundaries;
     - a TLB and a page cache, both on caller memory;
     - byte-pattern search with a mask over physical or virtual ranges.

   FREESTANDING: no standard library, no dynamic memory. The header includes only
   <stddef.h> and <stdint.h>. The compiler may emit calls to memcpy, memset, memmove and
   memcmp (and MEMINTRO_MEMCPY / MEMINTRO_MEMSET use the compiler builtins by default);
   nothing else is needed at link time.

   DIRECT ACCESS
     A backend whose bytes lie in host memory sets phys.direct: it returns a host pointer to
     a guest-physical address and how many bytes follow it contiguously, or NULL where it
     has none (a hole, a compressed page, a part read by system calls). memintro_buffer
     offers it. Over such a backend the core skips the batch machinery: memintro_translate
     and the walks of memintro_virt_read load each table entry through a direct pointer (no
     ops, no sorting), and a one-op read (memintro_virt_read1, memintro_virt_read of one op)
     goes TLB hit or one-address walk -> host pointer -> one copy, the walk's result going
     into the TLB. Wherever direct returns NULL the ordinary read path is used, so results
     are the same with and without direct access (tests/test_diff.c checks both).
     The shortest paths are for memintro_buffer (the core's own backend, looked up inline):
     a memintro_virt_read1 inside one page that hits the TLB, in the map range the buffer's
     last lookup hit, costs a TLB probe, a range check and a fixed-size copy (1, 2, 4, 8
     bytes) with no stack frame; without a TLB, x86 PAE/4-level/5-level walks are written
     out per mode (no level loop) and read the tables from that range. Other backends with
     direct access take the same steps through their direct function.

   TLB
     Direct-mapped, 16 bytes an entry, on caller storage (memintro_tlb_init). Entries are
     tagged with an address-space id: a TLB gives each DTB it meets an id, remembered in a
     table of MEMINTRO_TLB_SPACES (1024) DTBs, 8-way by a hash of the DTB, so an OS layer
     that walks the processes of a guest in turn keeps each one's entries; a DTB forgotten
     and met again gets a new id, its old entries are never hit again. After 4095 ids the TLB flushes itself and starts again,
     so switching among more address spaces than that costs a refill, never a wrong answer.
     "Not mapped" results are cached too; flush after the guest changes its page tables.

   DTB LOW BITS
     A DTB (CR3, TTBR0/TTBR1) may carry bits that are not the root table's address: x86 PCID
     and PWT/PCD, CR3 bit 63 (no flush) and LAM bits, AArch64 ASID (63:48) and CnP (bit 0),
     bits below the root table's alignment, bits above the mode's physical address width.
     The core MASKS them (memintro_mmu_geometry's root_mask, memintro_mmu_root); it never
     rejects a DTB for them. Only a DTB that cannot be an address of the mode is refused (an
     x86 32-bit or PAE CR3 of 4 GiB or more).

   SEARCH ON A FAILED TARGET
     memintro_scan_phys/virt step over memory that is not there (holes, unmapped pages). A
     read that fails for another reason (MEMINTRO_E_GONE: the VM exited or the file
     vanished, MEMINTRO_E_IO, ...) ends the search with that status: a target that went away
     is an error, never "no match".

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_IMPLEMENTATION
         #include "memintro.h"
     Everywhere else just #include "memintro.h".

   CONFIGURATION (define before including the implementation)
     | macro                 | default                  | meaning                                |
     |-----------------------|--------------------------|----------------------------------------|
     | MEMINTRO_MEMCPY(d,s,n)| __builtin_memcpy / loop  | copy n bytes                           |
     | MEMINTRO_MEMSET(d,v,n)| __builtin_memset / loop  | fill n bytes                           |
     | MEMINTRO_ASSERT(x)    | nothing                  | internal consistency checks            |
     | MEMINTRO_PREFETCH(p)  | __builtin_prefetch / none| hint: p will be read soon              |
     | MEMINTRO_API          | extern                   | linkage of public functions            |
     | MEMINTRO_STATIC       | undefined                | make every function static             |

   THIS LIBRARY DOES NOT
     - allocate: every buffer (translation scratch, TLB entries, cache lines) is yours;
     - know about QEMU, files or operating systems: see memintro_qemu.h and
       memintro_coredump.h (the guest-OS layers build on this header the same way);
     - trust guest data: table entries are decoded with masks, never followed blindly;
     - honour guest page protections on write: a write through memintro_virt_write is a
       hypervisor write and lands on read-only pages too;
     - lock anything: one object per thread.

   REFERENCE (what each public function does, in the order declared below)
     memintro_status_str         a status's one-line description
     memintro_get_u16/32/64      little-endian loads from guest bytes
     memintro_phys_read/write    run a batch of physical operations on a backend
     memintro_phys_read1         read one physical range (a batch of one)
     memintro_memmap_init/add/lookup/find   guest-physical ranges in caller storage
     memintro_phys_direct        a host pointer to guest-physical bytes (backends in memory)
     memintro_ops_begin/op_fail/ops_fail/ops_status   filling in op results (for backends)
     memintro_buffer_init        the mapped-memory backend over a byte array and a memory map
     memintro_buffer_init_host   the same where the map's offsets are host addresses
     memintro_buffer_set_fallback     a backend for what the map does not hold
     memintro_cpu_mmu            the paging description a vCPU's registers select
     memintro_mmu_geometry/root  root table size, alignment, address bits of a description
     memintro_arch_name/describe/parse   paging-mode names
     memintro_parse_u64/hex/size numbers in text (0x hex or decimal, bare hex, sizes)
     memintro_mmu_check          why a paging description is unusable, or NULL
     memintro_virt_scratch_size  scratch bytes for a translation/read round of N pages
     memintro_virt_init          bind a paging description, a backend and scratch
     memintro_virt_set_dtb       switch address space (the TLB needs no flush)
     memintro_virt_set_tlb       attach (or detach) a TLB
     memintro_translate          translate a batch of virtual addresses
     memintro_virt_read/write    a batch of virtual reads or writes
     memintro_virt_read1         read one virtual range
     memintro_tlb_init/flush     TLB on caller memory
     memintro_cache_mem_size     bytes a page cache of N lines needs
     memintro_cache_init         a page cache over a backend; it is a backend itself
     memintro_cache_set_clock    give the cache a clock and a maximum line age
     memintro_cache_invalidate   drop every cached line
     memintro_scan_phys/virt     find a masked byte pattern in a range (stops on a failed target)

   EXAMPLE (a 4-level x86-64 guest image in memory; compiled by tests/test_example.c)

       memintro_buffer img;
       memintro_virt v;
       memintro_mmu_desc d;
       static unsigned char scratch[64 * 1024];
       unsigned char bytes[8];
       uint64_t value;
       memset(&d, 0, sizeof d);
       memintro_buffer_init(&img, image, image_size, NULL, 0);
       d.arch = MEMINTRO_ARCH_X86_64;
       d.dtb = cr3;
       if (memintro_virt_init(&v, &img.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK)
           return 1;
       if (memintro_virt_read1(&v, 0xffffffff81000000ull, bytes, 8) != MEMINTRO_OK)
           return 1;
       value = memintro_get_u64(bytes);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_H
#define MEMINTRO_H

#include <stddef.h>
#include <stdint.h>

#define MEMINTRO_VERSION_MAJOR 0
#define MEMINTRO_VERSION_MINOR 2

#ifndef MEMINTRO_API
#ifdef MEMINTRO_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO_API static __attribute__((unused)) /* no warning for functions a file does not use */
#else
#define MEMINTRO_API static
#endif
#else
#define MEMINTRO_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes --------------------------------------------------------------------- */

/* One X-macro list yields the enum and the descriptions. */
#define MEMINTRO_STATUS_LIST(X)                                                    \
    X(MEMINTRO_OK, "ok")                                                           \
    X(MEMINTRO_E_UNMAPPED, "virtual address is not mapped")                        \
    X(MEMINTRO_E_NONCANONICAL, "virtual address is not canonical for this mode")   \
    X(MEMINTRO_E_HOLE, "guest-physical address is not backed by memory")           \
    X(MEMINTRO_E_IO, "backend I/O error")                                          \
    X(MEMINTRO_E_GONE, "target is gone (the VM exited or the file vanished)")      \
    X(MEMINTRO_E_READONLY, "backend is not open for writing")                      \
    X(MEMINTRO_E_INVALID, "invalid argument")                                      \
    X(MEMINTRO_E_NOSPACE, "caller-supplied buffer is too small")                   \
    X(MEMINTRO_E_UNSUPPORTED, "not supported")                                     \
    X(MEMINTRO_E_FORMAT, "malformed data")                                         \
    X(MEMINTRO_E_NOTFOUND, "not found")                                            \
    X(MEMINTRO_E_PERMISSION, "permission denied")                                  \
    X(MEMINTRO_E_LIMIT, "a bound on guest data was exceeded")

typedef enum memintro_status {
#define MEMINTRO__ENUM(name, text) name,
    MEMINTRO_STATUS_LIST(MEMINTRO__ENUM)
#undef MEMINTRO__ENUM
    MEMINTRO_STATUS_COUNT,
    MEMINTRO__STATUS_FORCE32 = 0x7fffffff
} memintro_status;

/* The one-line description of a status ("unknown status" for values outside the enum). */
MEMINTRO_API const char *memintro_status_str(memintro_status s);

/* Little-endian loads from guest bytes (no alignment needed). */
MEMINTRO_API uint16_t memintro_get_u16(const void *p);
MEMINTRO_API uint32_t memintro_get_u32(const void *p);
MEMINTRO_API uint64_t memintro_get_u64(const void *p);

/* ---- Operations and the physical-memory interface ------------------------------------- */

/* op.flags hints */
#define MEMINTRO_OP_TABLE 0x1u /* the bytes are page-table entries (a page cache keeps them) */

/* One operation of a batch: a guest-physical (or, for memintro_virt_*, guest-virtual)
   range and the caller's buffer. After the call:
     status == MEMINTRO_OK                  every byte was transferred, missing == 0;
     status != MEMINTRO_OK, missing < len   partial: `missing` bytes were not transferred
                                            (zeroed on read), status says why;
     status != MEMINTRO_OK, missing == len  nothing was transferred.
   WHICH bytes a partial op misses: whole pieces, never scattered bytes. A virtual op is
   cut at guest page boundaries (the mode's smallest page) and a piece is missed whole: the
   part of a page that did not translate, or whose physical bytes failed. A physical op is
   cut at the boundaries of the backend's memory map and at its own unit (a dump's 4 KiB
   page, a host mapping): a hole or a failed unit is missed whole. When pieces fail for
   different reasons, status is the reason of the lowest-addressed failed piece. To learn
   which pieces failed, read the op's pages one by one (memintro_virt_read1 for each page,
   memintro_phys_read1 for each 4 KiB): every read fails or succeeds as a whole. */
typedef struct memintro_op {
    uint64_t addr;          /* [in]  address of the first byte */
    void *buf;              /* [in]  bytes to fill (read) or to store (write) */
    size_t len;             /* [in]  length in bytes */
    size_t missing;         /* [out] bytes that could not be transferred */
    memintro_status status; /* [out] see above */
    uint32_t flags;         /* [in]  MEMINTRO_OP_* hints */
} memintro_op;

typedef struct memintro_phys memintro_phys;

/* A backend's batch function: performs `count` operations, sets each one's status and
   missing, zero-fills what a read could not fill, and returns MEMINTRO_OK when every
   operation completed, else the status of the first that did not. */
typedef memintro_status (*memintro_phys_fn)(memintro_phys *self, memintro_op *ops, size_t count);

/* Direct access (optional): a backend whose bytes are in host memory returns a host
   pointer to guest-physical `addr` and sets *avail to the bytes readable contiguously from
   it (at least 1), or returns NULL when addr is not served from host memory (a hole, a
   compressed page, a range read by system calls: use `read` for it). The pointer is valid
   until the next call into the backend. Readers copy from it; they never write to it. */
typedef const void *(*memintro_phys_direct_fn)(memintro_phys *self, uint64_t addr, uint64_t *avail);

/* The physical-memory interface. Backends embed it as their FIRST member and are used
   through a pointer to it (`&backend.phys`). A zeroed field is "not offered". */
struct memintro_phys {
    memintro_phys_fn read;          /* required */
    memintro_phys_fn write;         /* NULL when the backend is read-only */
    void *user;                     /* free for backends written by callers */
    memintro_phys_direct_fn direct; /* NULL when the bytes are not in host memory */
};

/* Runs a batch of physical reads. Returns MEMINTRO_OK or the first failing op's status. */
MEMINTRO_API memintro_status memintro_phys_read(memintro_phys *p, memintro_op *ops, size_t count);
/* Runs a batch of physical writes; every op fails with MEMINTRO_E_READONLY when the
   backend was not opened for writing. */
MEMINTRO_API memintro_status memintro_phys_write(memintro_phys *p, memintro_op *ops, size_t count);
/* Reads one physical range (a batch of one). */
MEMINTRO_API memintro_status memintro_phys_read1(memintro_phys *p, uint64_t addr, void *buf, size_t len);
/* A host pointer to guest-physical addr with *avail contiguous bytes, or NULL (the backend
   offers no direct access there; see memintro_phys_direct_fn). */
MEMINTRO_API const void *memintro_phys_direct(memintro_phys *p, uint64_t addr, uint64_t *avail);

/* Helpers for backends (and layers above them) that fill in op results by the contract
   above. memintro_ops_begin marks ops as complete (status OK, missing 0) before work
   starts. memintro_op_fail records that op->buf[offset, offset+n) was not transferred:
   zeroes those bytes when `zero` (reads), adds n to missing and keeps the FIRST failure's
   status (so the status always names the reason of the lowest failed piece recorded first).
   memintro_ops_fail fails whole ops. memintro_ops_status is what a batch function returns:
   MEMINTRO_OK, or the status of the first op that did not complete. */
MEMINTRO_API void memintro_ops_begin(memintro_op *ops, size_t count);
MEMINTRO_API void memintro_op_fail(memintro_op *op, memintro_status s, size_t offset, size_t n, int zero);
MEMINTRO_API void memintro_ops_fail(memintro_op *ops, size_t count, memintro_status s, int zero);
MEMINTRO_API memintro_status memintro_ops_status(const memintro_op *ops, size_t count);

/* ---- Memory maps ---------------------------------------------------------------------- */

/* Guest-physical [start, start+size) is backed at [offset, offset+size) of something
   (a buffer, a file, a host address space). */
typedef struct memintro_range {
    uint64_t start;
    uint64_t size;
    uint64_t offset;
} memintro_range;

/* Sorted, non-overlapping ranges in caller storage. */
typedef struct memintro_memmap {
    memintro_range *ranges;
    size_t count;
    size_t capacity;
} memintro_memmap;

/* Initialises an empty map over `capacity` ranges of caller storage. */
MEMINTRO_API void memintro_memmap_init(memintro_memmap *m, memintro_range *storage, size_t capacity);
/* Inserts a range in order. Merges with a neighbour that is contiguous both in address and
   offset. Returns MEMINTRO_E_INVALID for an empty, wrapping or overlapping range,
   MEMINTRO_E_NOSPACE when the storage is full. */
MEMINTRO_API memintro_status memintro_memmap_add(memintro_memmap *m, uint64_t start, uint64_t size, uint64_t offset);
/* Looks up `addr`. Returns 1 when it is backed: *offset is its backing offset and *run the
   bytes backed contiguously from addr. Returns 0 in a hole: *run is the distance to the
   next range (or to the end of the address space, saturated at UINT64_MAX). */
MEMINTRO_API int memintro_memmap_lookup(const memintro_memmap *m, uint64_t addr, uint64_t *offset, uint64_t *run);
/* The range containing addr, or NULL. */
MEMINTRO_API const memintro_range *memintro_memmap_find(const memintro_memmap *m, uint64_t addr);

/* ---- The mapped-memory backend ------------------------------------------------------ */

/* Guest-physical memory that lies in host memory: a byte array, a memory-mapped dump
   file, the guest RAM of a VM mapped into this process. The memory map says where each
   guest-physical range lies: at `data + offset` (memintro_buffer_init), or, for memory
   scattered over host mappings, at host address `offset` (memintro_buffer_init_host).
   It offers direct access (phys.direct). Addresses the map does not hold are holes
   (MEMINTRO_E_HOLE), or go to a fallback backend when one is set (for example the system
   calls that read the rest of a VM, or the decompressor of a dump's compressed pages). */
typedef struct memintro_buffer {
    memintro_phys phys;         /* pass &b.phys to readers */
    uint8_t *data;              /* base of the offsets (NULL: offsets are host addresses) */
    uint64_t size;              /* bytes at data (UINT64_MAX for host addresses) */
    const memintro_memmap *map;
    memintro_phys *fallback;    /* serves what the map does not hold; NULL: holes */
    size_t hint;                /* index of the range the last lookup hit */
    memintro_memmap own_map;    /* identity map used when no map is given */
    memintro_range own_range;
} memintro_buffer;

/* Initialises a backend over the byte array data[0, size). map == NULL maps guest-physical
   [0, size) to the array one to one. Every range of the map must lie inside the array
   (else MEMINTRO_E_INVALID). The array is written only when `writable` is non-zero. The
   map must outlive b (its ranges may be added to later, within the array). */
MEMINTRO_API memintro_status memintro_buffer_init(memintro_buffer *b, void *data, uint64_t size,
                                                  const memintro_memmap *map, int writable);
/* Initialises a backend whose map's offsets are host addresses in this process (each
   range [offset, offset+size) must be readable memory, and writable when `writable`). */
MEMINTRO_API memintro_status memintro_buffer_init_host(memintro_buffer *b, const memintro_memmap *map, int writable);
/* Sends ops (and parts of ops) the map does not hold to `fallback` instead of failing
   them as holes; NULL restores holes. A fallback that is read-only makes writes to those
   parts fail with MEMINTRO_E_READONLY. */
MEMINTRO_API void memintro_buffer_set_fallback(memintro_buffer *b, memintro_phys *fallback);

/* ---- Paging --------------------------------------------------------------------------- */

typedef enum memintro_arch {
    MEMINTRO_ARCH_NONE = 0,
    MEMINTRO_ARCH_X86,        /* 32-bit, 2 levels, 4 KiB and (PSE) 4 MiB pages */
    MEMINTRO_ARCH_X86_PAE,    /* 3 levels, 4 KiB and 2 MiB pages */
    MEMINTRO_ARCH_X86_64,     /* 4 levels, 4 KiB, 2 MiB and 1 GiB pages */
    MEMINTRO_ARCH_X86_64_LA57,/* 5 levels */
    MEMINTRO_ARCH_AARCH64,    /* 4/16/64 KiB granules, TTBR0 and TTBR1 halves */
    MEMINTRO__ARCH_FORCE32 = 0x7fffffff
} memintro_arch;

/* memintro_mmu_desc.flags */
#define MEMINTRO_MMU_NO_PSE 0x1u         /* x86 32-bit: CR4.PSE clear, PDE bit 7 ignored */
#define MEMINTRO_MMU_PSE36 0x2u          /* x86 32-bit: 4 MiB pages carry PA bits 39:32 */
#define MEMINTRO_MMU_WIN_TRANSITION 0x4u /* x86: an entry with P=0, bit 11 set and bit 10
                                            clear (Windows transition) counts as present */

/* A paging description. A zero field means the default, noted per field. */
typedef struct memintro_mmu_desc {
    memintro_arch arch;
    uint32_t flags;     /* MEMINTRO_MMU_* */
    uint64_t dtb;       /* CR3 or TTBR0_EL1; bits that are not the root's address (PCID,
                           flags, ASID, CnP, below the alignment) are masked off */
    uint64_t dtb_upper; /* AArch64: TTBR1_EL1 for the upper half; 0 = upper half unmapped */
    uint32_t granule;   /* AArch64: 4096 (default), 16384 or 65536 */
    uint32_t va_bits;   /* AArch64: 48 (default), 25..48; per half (64 - TxSZ): TTBR0 maps
                           [0, 2^va_bits), TTBR1 [2^64 - 2^va_bits, 2^64) */
    uint32_t pa_bits;   /* bits of physical address in entries: 52 for x86 PAE/64-bit,
                           40 with PSE-36, 32 for x86; 48 for AArch64 (default) */
    uint32_t reserved;
} memintro_mmu_desc;

/* ---- CPU state ------------------------------------------------------------------------ */

/* The instruction-set family of a vCPU (which of memintro_cpu's fields apply). */
typedef enum memintro_isa {
    MEMINTRO_ISA_NONE = 0, /* unknown */
    MEMINTRO_ISA_X86,      /* i386: no long mode */
    MEMINTRO_ISA_X86_64,   /* x86-64 CPU (long mode when EFER.LMA, or CS.L without EFER) */
    MEMINTRO_ISA_AARCH64,
    MEMINTRO__ISA_FORCE32 = 0x7fffffff
} memintro_isa;

/* One segment register as QEMU records it; flags are QEMU's descriptor flag bits
   (bit 21 = L, 64-bit code). */
typedef struct memintro_seg {
    uint32_t selector;
    uint32_t limit;
    uint32_t flags;
    uint32_t reserved;
    uint64_t base;
} memintro_seg;

/* memintro_cpu.seg[] indexes (QEMU's order) */
#define MEMINTRO_SEG_CS 0
#define MEMINTRO_SEG_DS 1
#define MEMINTRO_SEG_ES 2
#define MEMINTRO_SEG_FS 3
#define MEMINTRO_SEG_GS 4
#define MEMINTRO_SEG_SS 5
#define MEMINTRO_SEG_LDT 6
#define MEMINTRO_SEG_TR 7
#define MEMINTRO_SEG_GDT 8
#define MEMINTRO_SEG_IDT 9

/* memintro_cpu.gpr[] indexes: the x86 register numbering (r8..r15 are 8..15) */
#define MEMINTRO_REG_RAX 0
#define MEMINTRO_REG_RCX 1
#define MEMINTRO_REG_RDX 2
#define MEMINTRO_REG_RBX 3
#define MEMINTRO_REG_RSP 4
#define MEMINTRO_REG_RBP 5
#define MEMINTRO_REG_RSI 6
#define MEMINTRO_REG_RDI 7

/* memintro_cpu.flags: which fields are known */
#define MEMINTRO_CPU_GPRS 0x1u    /* x86 gpr[], rip, rflags, selectors */
#define MEMINTRO_CPU_SYSTEM 0x2u  /* x86 cr[], seg[] bases, limits and flags */
#define MEMINTRO_CPU_KGSBASE 0x4u /* x86 kernel_gs_base */
#define MEMINTRO_CPU_EFER 0x8u    /* x86 efer */
#define MEMINTRO_CPU_A64_REGS 0x10u /* AArch64 x[], sp, pc, pstate */
#define MEMINTRO_CPU_A64_MMU 0x20u  /* AArch64 ttbr0, ttbr1, tcr, sctlr */

/* One vCPU's registers, as far as the target knows them (a live VM's registers, a dump's
   CPU notes, a gdbstub). Plain data; zero what is unknown. */
typedef struct memintro_cpu {
    uint32_t index;        /* 0-based CPU number */
    uint32_t flags;        /* MEMINTRO_CPU_* */
    memintro_isa isa;
    uint32_t reserved;
    /* x86 */
    uint64_t gpr[16];      /* MEMINTRO_REG_* order */
    uint64_t rip;
    uint64_t rflags;
    uint64_t cr[5];        /* CR0..CR4 (CR1 is always 0) */
    uint64_t efer;
    uint64_t kernel_gs_base;
    memintro_seg seg[10];  /* MEMINTRO_SEG_* order */
    /* AArch64 (EL1) */
    uint64_t x[31];
    uint64_t sp, pc, pstate;
    uint64_t ttbr0, ttbr1, tcr, sctlr;
} memintro_cpu;

/* The paging description a vCPU is using (mode from CR0.PG, CR4.PAE/PSE/LA57 and EFER.LMA,
   or on AArch64 from SCTLR.M, TCR.TnSZ/TGn/EPDn; dtb from CR3 or TTBR0/TTBR1). Returns
   MEMINTRO_OK; MEMINTRO_E_NOTFOUND when paging is off or the registers it needs are
   unknown; MEMINTRO_E_UNSUPPORTED for a setting this core does not walk (AArch64 halves of
   different sizes or granules). */
MEMINTRO_API memintro_status memintro_cpu_mmu(const memintro_cpu *cpu, memintro_mmu_desc *d);

/* ---- Paging geometry and names ---------------------------------------------------------- */

/* The shape of a paging description's tables (defaults filled in). */
typedef struct memintro_mmu_geom {
    uint32_t levels;     /* tables walked, root included */
    uint32_t page_shift; /* smallest page: 12, 14 or 16 */
    uint32_t va_bits;    /* virtual address bits translated (per half on AArch64) */
    uint32_t entry_size; /* 4 or 8 */
    uint64_t root_size;  /* bytes of the root table */
    uint64_t root_align; /* the root table's alignment */
    uint64_t root_mask;  /* DTB bits that are the root table's address; the others (x86
                            PCID and flag bits, AArch64 ASID and CnP, bits below the
                            alignment) are masked off, never rejected */
} memintro_mmu_geom;

/* Fills *g for d. Returns MEMINTRO_OK, or MEMINTRO_E_INVALID when memintro_mmu_check(d)
   complains. */
MEMINTRO_API memintro_status memintro_mmu_geometry(const memintro_mmu_desc *d, memintro_mmu_geom *g);
/* The root table address of d's lower (upper = 0) or AArch64 upper (upper = 1) half:
   its DTB with the bits outside root_mask cleared. */
MEMINTRO_API uint64_t memintro_mmu_root(const memintro_mmu_desc *d, int upper);

/* Short names: "none", "x86", "pae", "x86_64", "la57", "aarch64". */
MEMINTRO_API const char *memintro_arch_name(memintro_arch a);
/* Descriptions: "no paging", "x86 32-bit", "x86 PAE", "x86-64 4-level", "x86-64 5-level",
   "AArch64". */
MEMINTRO_API const char *memintro_arch_describe(memintro_arch a);
/* The mode a name stands for: the short names, also "i386"/"x86-32", "x86-64"/"amd64"/
   "x64", "x86_64_la57"/"5-level", "arm64"; case-insensitive. Returns MEMINTRO_ARCH_NONE
   for "none" and -1 cast to the enum for a name it does not know. */
MEMINTRO_API memintro_arch memintro_arch_parse(const char *name);

/* ---- Numbers in text ---------------------------------------------------------------------- */

/* Parses an unsigned number at s[0, n): "0x" followed by hex digits, or decimal digits.
   Returns the characters used (0: no number there, "0x" without hex digits, or it overflows
   64 bits). */
MEMINTRO_API size_t memintro_parse_u64(const char *s, size_t n, uint64_t *out);
/* Parses bare hex digits (no prefix, as QEMU prints registers). Returns the digits used (0:
   none, or more than 64 bits). */
MEMINTRO_API size_t memintro_parse_hex(const char *s, size_t n, uint64_t *out);
/* Parses a size: a number as memintro_parse_u64 then an optional unit k/K, m/M, g/G, t/T
   (powers of 1024; an optional "iB" or "B" after it). Returns the characters used (0: no
   size, or it overflows). */
MEMINTRO_API size_t memintro_parse_size(const char *s, size_t n, uint64_t *out);

/* ---- Allocation (for the hosted headers) -------------------------------------------------- */

/* The allocation hook every hosted memintro header takes: set both functions, or neither
   (then the header's MALLOC/FREE macros are used). A hook with only one of them is
   refused with MEMINTRO_E_INVALID. This header itself never allocates. */
typedef struct memintro_allocator {
    void *(*alloc)(void *user, size_t size); /* NULL on failure */
    void (*free)(void *user, void *ptr);
    void *user;
} memintro_allocator;

/* Translation results (memintro_xlate.flags). On AArch64, USER means EL0 access (AP[1]
   and no APTable[0]), WRITABLE no AP[2] and no APTable[1], and NX is UXN/UXNTable for a
   USER page, PXN/PXNTable otherwise (no-execute for whoever may access the page). */
#define MEMINTRO_PAGE_WRITABLE 0x1u   /* writable at every level */
#define MEMINTRO_PAGE_USER 0x2u       /* user-accessible at every level */
#define MEMINTRO_PAGE_NX 0x4u         /* no-execute at some level */
#define MEMINTRO_PAGE_TRANSITION 0x8u /* reached through a Windows transition entry */

/* One translation: va in; pa, page_size, flags out. level counts from the leaf: 1 is the
   last table (x86 PT, AArch64 L3), 2 the one above (PD, L2), ... 4 the x86-64 PML4. On
   MEMINTRO_E_UNMAPPED, level is the table whose entry was not present; on a table that
   could not be read (MEMINTRO_E_HOLE, _IO, _GONE) it is the table being read. */
typedef struct memintro_xlate {
    uint64_t va;            /* [in] */
    uint64_t pa;            /* [out] physical address of va */
    uint64_t page_size;     /* [out] size of the page that maps va */
    uint32_t flags;         /* [out] MEMINTRO_PAGE_* */
    uint32_t level;         /* [out] see above */
    memintro_status status; /* [out] OK, E_UNMAPPED, E_NONCANONICAL or a backend status */
    uint32_t reserved;
} memintro_xlate;

/* ---- TLB ------------------------------------------------------------------------------ */

/* One cached translation (or cached "not mapped"): 16 bytes of storage whose layout is the
   implementation's (a tag of page number and address-space id, and the physical frame with
   the result packed beside it). Callers only allocate arrays of them. */
typedef struct memintro_tlb_entry {
    uint64_t tag; /* (va >> granule shift) | address-space id << 52; 0 = empty */
    uint64_t val; /* physical frame | result bits */
} memintro_tlb_entry;

#define MEMINTRO_TLB_SPACES 1024 /* address spaces (DTBs) a TLB remembers the ids of (8-way) */

typedef struct memintro_tlb {
    memintro_tlb_entry *entries;
    size_t mask;   /* entry count - 1 */
    uint64_t hits; /* statistics */
    uint64_t misses;
    /* internal: address-space ids. A DTB gets an id (1..4095) the first time it is used;
       an id is never reused before the next flush (running out of ids flushes). */
    uint64_t space_dtb[MEMINTRO_TLB_SPACES];
    uint32_t space_id[MEMINTRO_TLB_SPACES];
    uint32_t next_id, next_space;
    uint64_t cur_dtb[2]; /* per half of the address space: the last DTB looked up, */
    uint64_t cur_tag[2]; /* its id << 52 */
    uint64_t cur_mix[2]; /* and its slot offset */
} memintro_tlb;

/* Initialises a direct-mapped TLB on caller storage: `count` is rounded down to a power
   of two (at least 1); each entry is sizeof(memintro_tlb_entry) = 16 bytes. Not-mapped
   results are cached too; flush when the guest changes its page tables (a live VM) or
   after writing guest page tables. */
MEMINTRO_API void memintro_tlb_init(memintro_tlb *t, memintro_tlb_entry *storage, size_t count);
/* Drops every entry. */
MEMINTRO_API void memintro_tlb_flush(memintro_tlb *t);

/* ---- Virtual memory ------------------------------------------------------------------- */

typedef struct memintro__level {
    uint8_t shift;   /* VA bit of the lowest index bit */
    uint8_t bits;    /* index bits */
    uint8_t large;   /* a large page or block may end the walk here */
    uint8_t noflags; /* entry carries no permission bits (PAE PDPTE) */
} memintro__level;

/* A guest-virtual address space: paging description, physical backend, optional TLB and
   the caller's scratch. Plain data; memintro_virt_init fills it. */
typedef struct memintro_virt {
    memintro_mmu_desc desc; /* effective description (defaults filled in) */
    memintro_phys *phys;
    memintro_tlb *tlb;
    uint8_t *scratch;
    size_t round;           /* pages per translation round the scratch allows */
    uint64_t root[2];       /* root table address: lower and upper half */
    uint64_t key[2];        /* TLB key per half (va bit 63): the DTB, TTBR1 for the AArch64
                               upper half */
    uint64_t table_mask;    /* table address bits of an entry */
    uint64_t leaf_mask;     /* frame address bits of a leaf or large entry */
    memintro__level level[6];
    uint8_t nlevels;
    uint8_t esize;          /* entry size in bytes */
    uint8_t page_shift;     /* smallest page: 12, 14 or 16 */
    uint8_t va_bits;        /* canonical bits */
    uint8_t fast;           /* levels of the inline x86 walk (3, 4, 5), 0 when it does not
                               apply (x86 32-bit, AArch64, Windows transition entries) */
    uint64_t page_mask;     /* smallest page size - 1 */
} memintro_virt;

/* Why a paging description cannot be used (unknown arch, an x86 32-bit or PAE DTB of 4 GiB
   or more, granule, va_bits or pa_bits out of range), as a one-line message; NULL when it
   is usable. DTB bits that are not the root's address are masked, never a reason. */
MEMINTRO_API const char *memintro_mmu_check(const memintro_mmu_desc *d);

/* Scratch bytes memintro_virt_init needs to translate and read `pages` page pieces per
   round (larger batches are processed in rounds, never failed). 1024 is a good size. */
MEMINTRO_API size_t memintro_virt_scratch_size(size_t pages);

/* Binds paging description d, backend phys and scratch (at least
   memintro_virt_scratch_size(1) bytes, any alignment) into v. Returns MEMINTRO_E_INVALID
   if memintro_mmu_check(d) complains, MEMINTRO_E_NOSPACE if the scratch is too small. */
MEMINTRO_API memintro_status memintro_virt_init(memintro_virt *v, memintro_phys *phys, const memintro_mmu_desc *d,
                                                void *scratch, size_t scratch_size);
/* Switches to another address space of the same mode (another process). A TLB stays valid:
   it is keyed by DTB. Returns MEMINTRO_E_INVALID for a DTB memintro_mmu_check rejects. */
MEMINTRO_API memintro_status memintro_virt_set_dtb(memintro_virt *v, uint64_t dtb, uint64_t dtb_upper);
/* Attaches a TLB (NULL, or a TLB initialised without storage, detaches). */
MEMINTRO_API void memintro_virt_set_tlb(memintro_virt *v, memintro_tlb *tlb);

/* Translates a batch of virtual addresses. Over a backend without direct access the walk
   goes level by level: all entries one level needs are read in one physical batch; with
   direct access each address walks alone through host pointers. Returns MEMINTRO_OK when
   every address translated, else the first failing status (each xlate has its own). */
MEMINTRO_API memintro_status memintro_translate(memintro_virt *v, memintro_xlate *x, size_t count);

/* A batch of virtual reads: ops' addr are guest-virtual. Ranges are split at page
   boundaries; each op gets OK, or the reason and the count of bytes not read (zeroed). */
MEMINTRO_API memintro_status memintro_virt_read(memintro_virt *v, memintro_op *ops, size_t count);
/* A batch of virtual writes (needs a backend opened for writing). */
MEMINTRO_API memintro_status memintro_virt_write(memintro_virt *v, memintro_op *ops, size_t count);
/* Reads one virtual range. Over direct access a range inside one page is a TLB lookup (or
   a walk through host pointers) and one copy. Returns MEMINTRO_OK or why bytes are missing
   (zeroed). */
MEMINTRO_API memintro_status memintro_virt_read1(memintro_virt *v, uint64_t va, void *buf, size_t len);

/* ---- Page cache ----------------------------------------------------------------------- */

#define MEMINTRO_CACHE_PAGE 4096u

/* memintro_cache_init policy */
#define MEMINTRO_CACHE_TABLES 0x0u /* keep page-table pages only (ops with MEMINTRO_OP_TABLE) */
#define MEMINTRO_CACHE_ALL 0x1u    /* keep every page read (read-only data, dumps) */

typedef struct memintro_cache_line {
    uint64_t tag;   /* page address + 1; 0 = empty */
    uint64_t stamp; /* clock value when filled */
} memintro_cache_line;

/* A page cache: wraps a backend and is a backend itself. Writes go through and drop the
   lines they touch. */
typedef struct memintro_cache {
    memintro_phys phys; /* pass &c.phys to readers */
    memintro_phys *below;
    memintro_cache_line *lines;
    uint8_t *data;
    size_t mask;        /* line count - 1 */
    uint32_t policy;
    uint64_t (*clock)(void *user);
    void *clock_user;
    uint64_t max_age;
    uint64_t hits, misses;
} memintro_cache;

/* Bytes of caller memory a cache of `lines` 4 KiB lines needs (lines a power of two). */
MEMINTRO_API size_t memintro_cache_mem_size(size_t lines);
/* Initialises a cache over `below` in `mem` (the line count is the largest power of two
   that fits; MEMINTRO_E_NOSPACE if not even one). Writable iff below is. */
MEMINTRO_API memintro_status memintro_cache_init(memintro_cache *c, memintro_phys *below, void *mem, size_t mem_size,
                                                 uint32_t policy);
/* Lines older than max_age clock units (clock(user) - stamp > max_age) are read again.
   clock == NULL disables ageing. */
MEMINTRO_API void memintro_cache_set_clock(memintro_cache *c, uint64_t (*clock)(void *user), void *user, uint64_t max_age);
/* Drops every line. */
MEMINTRO_API void memintro_cache_invalidate(memintro_cache *c);

/* ---- Pattern search ------------------------------------------------------------------- */

#define MEMINTRO_SCAN_WORK_MIN (3 * 4096)

/* Called for each match; return non-zero to stop the search. */
typedef int (*memintro_scan_fn)(void *user, uint64_t addr);

/* Searches [start, end) for `len` bytes of `pattern` where `mask` (NULL = all 0xff) has bits
   set; only matches at addresses that are multiples of `align` (0 or 1 = any) are reported.
   Pages that are not there (MEMINTRO_E_HOLE, and for virtual ranges MEMINTRO_E_UNMAPPED or
   MEMINTRO_E_NONCANONICAL) are skipped: a match never spans them. Any other read failure
   (MEMINTRO_E_GONE: the target went away, MEMINTRO_E_IO, ...) ends the search with that
   status after the matches before the failed page were reported: a failed target is never
   "no match". `work` is caller scratch of at least MEMINTRO_SCAN_WORK_MIN bytes; more reads
   more pages per batch (256 KiB is a good size). len must be in 1..4096. Returns MEMINTRO_OK
   (also when stopped by fn), the read failure, MEMINTRO_E_NOSPACE or MEMINTRO_E_INVALID. */
MEMINTRO_API memintro_status memintro_scan_phys(memintro_phys *p, uint64_t start, uint64_t end, const void *pattern,
                                                const void *mask, size_t len, uint64_t align, void *work,
                                                size_t work_size, memintro_scan_fn fn, void *user);
/* The same over guest-virtual addresses. */
MEMINTRO_API memintro_status memintro_scan_virt(memintro_virt *v, uint64_t start, uint64_t end, const void *pattern,
                                                const void *mask, size_t len, uint64_t align, void *work,
                                                size_t work_size, memintro_scan_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_H */

/* =====================================================================================
   Implementation. Stop reading here if you only want the API.
   ===================================================================================== */

#ifdef MEMINTRO_IMPLEMENTATION
#ifndef MEMINTRO_IMPLEMENTATION_INCLUDED
#define MEMINTRO_IMPLEMENTATION_INCLUDED

#ifndef MEMINTRO_MEMCPY
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO_MEMCPY(d, s, n) __builtin_memcpy((d), (s), (n))
#else
#define MEMINTRO_MEMCPY(d, s, n) memintro__copy((d), (s), (n))
#define MEMINTRO__NEED_COPY
#endif
#endif
#ifndef MEMINTRO_MEMSET
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO_MEMSET(d, v, n) __builtin_memset((d), (v), (n))
#else
#define MEMINTRO_MEMSET(d, v, n) memintro__fill((d), (v), (n))
#define MEMINTRO__NEED_FILL
#endif
#endif
#ifndef MEMINTRO_ASSERT
#define MEMINTRO_ASSERT(x) ((void)0)
#endif
#ifndef MEMINTRO_PREFETCH
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO_PREFETCH(p) __builtin_prefetch(p)
#else
#define MEMINTRO_PREFETCH(p) ((void)0)
#endif
#endif
/* Batches of small random reads wait on memory twice per op (TLB entry, guest bytes);
   loading those of the op this far ahead overlaps the waits (measured by bench_core:
   random 8-byte reads about 1.5x faster). */
#define MEMINTRO__AHEAD 32

#ifdef MEMINTRO_STATIC
#define MEMINTRO__DEF static
#else
#define MEMINTRO__DEF
#endif
/* The few helpers on the per-read path of direct access (a TLB lookup, a table entry, a
   host-pointer lookup): inlined, or a single 8-byte read costs more in calls than in memory. */
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__INLINE static inline __attribute__((always_inline))
#define MEMINTRO__NOINLINE __attribute__((noinline))
#else
#define MEMINTRO__INLINE static inline
#define MEMINTRO__NOINLINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef MEMINTRO__NEED_COPY
static void memintro__copy(void *d, const void *s, size_t n)
{
    unsigned char *dp = (unsigned char *)d;
    const unsigned char *sp = (const unsigned char *)s;
    while (n--) *dp++ = *sp++;
}
#endif
#ifdef MEMINTRO__NEED_FILL
static void memintro__fill(void *d, int v, size_t n)
{
    unsigned char *dp = (unsigned char *)d;
    while (n--) *dp++ = (unsigned char)v;
}
#endif

#define MEMINTRO__MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- status, loads ---- */

MEMINTRO__DEF const char *memintro_status_str(memintro_status s)
{
    static const char *const text[] = {
#define MEMINTRO__TEXT(name, t) t,
        MEMINTRO_STATUS_LIST(MEMINTRO__TEXT)
#undef MEMINTRO__TEXT
    };
    if ((unsigned)s >= (unsigned)MEMINTRO_STATUS_COUNT) return "unknown status";
    return text[s];
}

MEMINTRO__DEF uint16_t memintro_get_u16(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint16_t)(b[0] | (b[1] << 8));
}

MEMINTRO__DEF uint32_t memintro_get_u32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

MEMINTRO__DEF uint64_t memintro_get_u64(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint64_t)memintro_get_u32(b) | ((uint64_t)memintro_get_u32(b + 4) << 32);
}

/* ---- physical interface ---- */

MEMINTRO__DEF void memintro_ops_begin(memintro_op *ops, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        ops[i].status = MEMINTRO_OK;
        ops[i].missing = 0;
    }
}

MEMINTRO__DEF void memintro_op_fail(memintro_op *op, memintro_status s, size_t offset, size_t n, int zero)
{
    if (!n) return;
    if (zero) MEMINTRO_MEMSET((uint8_t *)op->buf + offset, 0, n);
    op->missing += n;
    if (op->status == MEMINTRO_OK) op->status = s;
}

MEMINTRO__DEF void memintro_ops_fail(memintro_op *ops, size_t count, memintro_status s, int zero)
{
    size_t i;
    for (i = 0; i < count; i++) {
        ops[i].status = s;
        ops[i].missing = ops[i].len;
        if (zero && ops[i].len) MEMINTRO_MEMSET(ops[i].buf, 0, ops[i].len);
    }
}

MEMINTRO__DEF memintro_status memintro_ops_status(const memintro_op *ops, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (ops[i].status != MEMINTRO_OK) return ops[i].status;
    return MEMINTRO_OK;
}

MEMINTRO__DEF const void *memintro_phys_direct(memintro_phys *p, uint64_t addr, uint64_t *avail)
{
    if (!p || !p->direct) return 0;
    return p->direct(p, addr, avail);
}

MEMINTRO__DEF memintro_status memintro_phys_read(memintro_phys *p, memintro_op *ops, size_t count)
{
    if (!count) return MEMINTRO_OK;
    if (!p || !p->read || !ops) return MEMINTRO_E_INVALID;
    return p->read(p, ops, count);
}

MEMINTRO__DEF memintro_status memintro_phys_write(memintro_phys *p, memintro_op *ops, size_t count)
{
    if (!count) return MEMINTRO_OK;
    if (!p || !ops) return MEMINTRO_E_INVALID;
    if (!p->write) {
        memintro_ops_fail(ops, count, MEMINTRO_E_READONLY, 0);
        return MEMINTRO_E_READONLY;
    }
    return p->write(p, ops, count);
}

MEMINTRO__DEF memintro_status memintro_phys_read1(memintro_phys *p, uint64_t addr, void *buf, size_t len)
{
    memintro_op op;
    op.addr = addr;
    op.buf = buf;
    op.len = len;
    op.missing = 0;
    op.status = MEMINTRO_OK;
    op.flags = 0;
    return memintro_phys_read(p, &op, 1);
}

/* ---- memory maps ---- */

MEMINTRO__DEF void memintro_memmap_init(memintro_memmap *m, memintro_range *storage, size_t capacity)
{
    m->ranges = storage;
    m->count = 0;
    m->capacity = storage ? capacity : 0;
}

/* Index of the first range whose end is above addr (count if none). */
static size_t memintro__memmap_search(const memintro_memmap *m, uint64_t addr)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const memintro_range *r = &m->ranges[mid];
        if (addr - r->start >= r->size && addr >= r->start)
            lo = mid + 1; /* range lies entirely below addr */
        else
            hi = mid;
    }
    return lo;
}

MEMINTRO__DEF memintro_status memintro_memmap_add(memintro_memmap *m, uint64_t start, uint64_t size, uint64_t offset)
{
    size_t i, j;
    memintro_range *r;
    if (!size || start + size - 1 < start || offset + size - 1 < offset) return MEMINTRO_E_INVALID;
    i = memintro__memmap_search(m, start);
    if (i < m->count && m->ranges[i].start <= start + size - 1) return MEMINTRO_E_INVALID; /* overlap */
    /* merge with the range before, the range after, or both */
    if (i > 0) {
        r = &m->ranges[i - 1];
        if (r->start + r->size == start && r->offset + r->size == offset) {
            r->size += size;
            if (i < m->count && r->start + r->size == m->ranges[i].start &&
                r->offset + r->size == m->ranges[i].offset) {
                r->size += m->ranges[i].size;
                for (j = i; j + 1 < m->count; j++) m->ranges[j] = m->ranges[j + 1];
                m->count--;
            }
            return MEMINTRO_OK;
        }
    }
    if (i < m->count) {
        r = &m->ranges[i];
        if (start + size == r->start && offset + size == r->offset) {
            r->start = start;
            r->offset = offset;
            r->size += size;
            return MEMINTRO_OK;
        }
    }
    if (m->count >= m->capacity) return MEMINTRO_E_NOSPACE;
    for (j = m->count; j > i; j--) m->ranges[j] = m->ranges[j - 1];
    m->ranges[i].start = start;
    m->ranges[i].size = size;
    m->ranges[i].offset = offset;
    m->count++;
    return MEMINTRO_OK;
}

MEMINTRO__DEF int memintro_memmap_lookup(const memintro_memmap *m, uint64_t addr, uint64_t *offset, uint64_t *run)
{
    size_t i = memintro__memmap_search(m, addr);
    const memintro_range *r;
    if (i >= m->count) {
        *offset = 0;
        *run = addr ? (UINT64_MAX - addr) + 1 : UINT64_MAX;
        return 0;
    }
    r = &m->ranges[i];
    if (addr < r->start) {
        *offset = 0;
        *run = r->start - addr;
        return 0;
    }
    *offset = r->offset + (addr - r->start);
    *run = r->size - (addr - r->start);
    return 1;
}

MEMINTRO__DEF const memintro_range *memintro_memmap_find(const memintro_memmap *m, uint64_t addr)
{
    size_t i = memintro__memmap_search(m, addr);
    if (i >= m->count || addr < m->ranges[i].start) return 0;
    return &m->ranges[i];
}

/* ---- the mapped-memory backend ---- */

/* Host address of backing offset off (data == NULL: off is a host address). */
#define MEMINTRO__AT(b, off) ((uint8_t *)((uintptr_t)(b)->data + (uintptr_t)(off)))
#define MEMINTRO__FALLBACK_OPS 64 /* fallback pieces gathered per call */
#define MEMINTRO__CHUNK 256       /* ops looked up before their copies (4.5 KiB of stack) */

/* The range of b's map that holds addr, or NULL; tries the last hit first. */
MEMINTRO__INLINE const memintro_range *memintro__buffer_range(memintro_buffer *b, uint64_t addr)
{
    const memintro_memmap *m = b->map;
    const memintro_range *r;
    size_t k;
    if (b->hint < m->count) {
        r = &m->ranges[b->hint];
        if (addr - r->start < r->size) return r;
    }
    k = memintro__memmap_search(m, addr);
    if (k >= m->count) return 0;
    r = &m->ranges[k];
    if (addr - r->start >= r->size) return 0;
    b->hint = k;
    return r;
}

static const void *memintro__buffer_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    memintro_buffer *b = (memintro_buffer *)self;
    const memintro_range *r = memintro__buffer_range(b, addr);
    if (!r) return 0;
    *avail = r->size - (addr - r->start);
    return MEMINTRO__AT(b, r->offset + (addr - r->start));
}

typedef struct memintro__fallback {
    memintro_op op[MEMINTRO__FALLBACK_OPS];
    uint32_t owner[MEMINTRO__FALLBACK_OPS];
    size_t n;
} memintro__fallback;

/* Runs the gathered fallback pieces and folds their results into the caller's ops. */
static void memintro__fallback_flush(memintro_buffer *b, memintro__fallback *f, memintro_op *ops, int write)
{
    size_t k;
    if (!f->n) return;
    if (write)
        memintro_phys_write(b->fallback, f->op, f->n);
    else
        memintro_phys_read(b->fallback, f->op, f->n);
    for (k = 0; k < f->n; k++) {
        const memintro_op *d = &f->op[k];
        if (d->status != MEMINTRO_OK) {
            memintro_op *op = &ops[f->owner[k]];
            memintro_op_fail(op, d->status, 0, d->missing ? d->missing : d->len, 0);
        }
    }
    f->n = 0;
}

/* An op that does not lie in one range of the map: its pieces are copied, failed as holes
   or gathered for the fallback. */
static void memintro__buffer_slow(memintro_buffer *b, memintro__fallback *fb, memintro_op *ops, size_t i, int write)
{
    memintro_op *op = &ops[i];
    uint8_t *buf = (uint8_t *)op->buf;
    uint64_t addr = op->addr;
    size_t left = op->len;
    op->missing = 0;
    op->status = MEMINTRO_OK;
    while (left) {
        uint64_t off, run;
        size_t n;
        int backed = memintro_memmap_lookup(b->map, addr, &off, &run);
        n = run < left ? (size_t)run : left;
        if (backed) {
            if (write)
                MEMINTRO_MEMCPY(MEMINTRO__AT(b, off), buf, n);
            else
                MEMINTRO_MEMCPY(buf, MEMINTRO__AT(b, off), n);
        } else if (b->fallback) {
            memintro_op *d;
            if (fb->n == MEMINTRO__FALLBACK_OPS) memintro__fallback_flush(b, fb, ops, write);
            d = &fb->op[fb->n];
            d->addr = addr;
            d->buf = buf;
            d->len = n;
            d->missing = 0;
            d->status = MEMINTRO_OK;
            d->flags = op->flags;
            fb->owner[fb->n++] = (uint32_t)i;
        } else {
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (uint8_t *)op->buf), n, !write);
        }
        buf += n;
        addr += n;
        left -= n;
        if (left && !addr) { /* ran past the top of the physical space: no wrap to 0 */
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (uint8_t *)op->buf), left, !write);
            break;
        }
    }
}

/* The index of the range of m (count > 0) that may hold addr: the last one starting at or
   below it (0 when none does; the caller checks the range). No branches on addr: random
   reads alternate between ranges unpredictably. */
MEMINTRO__INLINE size_t memintro__memmap_floor(const memintro_range *ranges, size_t count, uint64_t addr)
{
    size_t j, i = 0;
    if (count <= 8) { /* a dump's or a VM's few ranges: count those starting at or below addr */
        for (j = 1; j < count; j++) i += ranges[j].start <= addr;
        return i;
    }
    while (count > 1) {
        size_t half = count / 2;
        i = ranges[i + half].start <= addr ? i + half : i;
        count -= half;
    }
    return i;
}

MEMINTRO__INLINE memintro_status memintro__buffer_rw(memintro_phys *self, memintro_op *ops, size_t count, const int write)
{
    memintro_buffer *b = (memintro_buffer *)self;
    const memintro_range *const ranges = b->map->ranges;
    const size_t nranges = b->map->count;
    uint8_t *const data = MEMINTRO__AT(b, 0);
    /* the host memory of a chunk's ops in one range: its 8-byte copies from the front (with
       buf), its other ops from the back (with their index in other) */
    uint8_t *host[MEMINTRO__CHUNK], *buf[MEMINTRO__CHUNK];
    uint16_t other[MEMINTRO__CHUNK];
    uint64_t s4[4]; /* up to 4 ranges: their starts, the rest past every address */
    memintro__fallback fb;
    size_t base, k, n;
    int slow = 0; /* an op went the slow way: the statuses need a look */
    fb.n = 0;
    if (!nranges) { /* nothing mapped: the fallback or holes */
        for (k = 0; k < count; k++) memintro__buffer_slow(b, &fb, ops, k, write);
        memintro__fallback_flush(b, &fb, ops, write);
        return memintro_ops_status(ops, count);
    }
    for (k = 0; k < 4; k++) s4[k] = k < nranges ? ranges[k].start : ~(uint64_t)0;
    /* Chunks of MEMINTRO__CHUNK ops: first every op is looked up (its status set, or it goes
       the slow way at once), then the copies run, the 8-byte ones (the common guest read)
       in a loop of their own. Small random reads wait on memory, and the loads of a loop
       this short overlap the way a plain gather's do. */
    for (base = 0; base < count; base += n) {
        size_t n8 = 0, no = 0;
        n = MEMINTRO__MIN(count - base, (size_t)MEMINTRO__CHUNK);
        for (k = base; k < base + n; k++) {
            memintro_op *op = &ops[k];
            const uint64_t addr = op->addr;
            const size_t len = op->len;
            size_t ri = nranges <= 4 ? (size_t)(s4[1] <= addr) + (s4[2] <= addr) + (s4[3] <= addr)
                                     : memintro__memmap_floor(ranges, nranges, addr);
            const memintro_range *r = &ranges[ri < nranges ? ri : nranges - 1]; /* addr ~0 meets the padding */
            const uint64_t off = addr - r->start;
            if (off >= r->size || len > r->size - off) {
                memintro__buffer_slow(b, &fb, ops, k, write);
                slow = 1;
                continue;
            }
            op->missing = 0;
            op->status = MEMINTRO_OK;
            if (len == 8) {
                host[n8] = data + r->offset + off;
                MEMINTRO_PREFETCH(host[n8]); /* its miss overlaps the lookups that follow */
                buf[n8++] = (uint8_t *)op->buf;
            } else {
                host[MEMINTRO__CHUNK - 1 - no] = data + r->offset + off;
                other[no++] = (uint16_t)(k - base);
            }
        }
        if (write)
            for (k = 0; k < n8; k++) MEMINTRO_MEMCPY(host[k], buf[k], 8);
        else
            for (k = 0; k < n8; k++) MEMINTRO_MEMCPY(buf[k], host[k], 8);
        for (k = 0; k < no; k++) {
            memintro_op *op = &ops[base + other[k]];
            uint8_t *h = host[MEMINTRO__CHUNK - 1 - k];
            if (write)
                MEMINTRO_MEMCPY(h, op->buf, op->len);
            else
                MEMINTRO_MEMCPY(op->buf, h, op->len);
        }
    }
    if (!slow) return MEMINTRO_OK;
    memintro__fallback_flush(b, &fb, ops, write);
    return memintro_ops_status(ops, count);
}

static memintro_status memintro__buffer_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__buffer_rw(self, ops, count, 0);
}

static memintro_status memintro__buffer_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__buffer_rw(self, ops, count, 1);
}

static void memintro__buffer_setup(memintro_buffer *b, void *data, uint64_t size, int writable)
{
    b->phys.read = memintro__buffer_read;
    b->phys.write = writable ? memintro__buffer_write : 0;
    b->phys.user = 0;
    b->phys.direct = memintro__buffer_direct;
    b->data = (uint8_t *)data;
    b->size = size;
    b->fallback = 0;
    b->hint = 0;
    memintro_memmap_init(&b->own_map, &b->own_range, 1);
}

MEMINTRO__DEF memintro_status memintro_buffer_init(memintro_buffer *b, void *data, uint64_t size,
                                                  const memintro_memmap *map, int writable)
{
    size_t i;
    memintro__buffer_setup(b, data, size, writable);
    if (!map) {
        if (size) memintro_memmap_add(&b->own_map, 0, size, 0);
        map = &b->own_map;
    }
    b->map = map;
    if (!data && size) return MEMINTRO_E_INVALID;
    for (i = 0; i < map->count; i++) {
        const memintro_range *r = &map->ranges[i];
        if (r->offset > size || r->size > size - r->offset) return MEMINTRO_E_INVALID;
    }
    return MEMINTRO_OK;
}

MEMINTRO__DEF memintro_status memintro_buffer_init_host(memintro_buffer *b, const memintro_memmap *map, int writable)
{
    memintro__buffer_setup(b, 0, UINT64_MAX, writable);
    b->map = map ? map : &b->own_map;
    return map ? MEMINTRO_OK : MEMINTRO_E_INVALID;
}

MEMINTRO__DEF void memintro_buffer_set_fallback(memintro_buffer *b, memintro_phys *fallback)
{
    b->fallback = fallback;
}

/* ---- paging descriptions ---- */

MEMINTRO__DEF const char *memintro_mmu_check(const memintro_mmu_desc *d)
{
    if (!d) return "no paging description";
    if (d->pa_bits && d->pa_bits < 32) return "pa_bits must be 0 (the mode's default) or at least 32";
    switch (d->arch) {
    case MEMINTRO_ARCH_X86:
        if (d->dtb >> 32) return "x86 DTB (CR3) must be below 4 GiB";
        if (d->pa_bits > 40) return "x86 32-bit physical addresses have at most 40 bits";
        return 0;
    case MEMINTRO_ARCH_X86_PAE:
        if (d->dtb >> 32) return "PAE DTB (CR3) must be below 4 GiB";
        if (d->pa_bits > 52) return "physical addresses have at most 52 bits";
        return 0;
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57:
        /* CR3 bits 11:0 are PCID or flags, bits 63:52 no-flush and LAM: masked, not rejected */
        if (d->pa_bits > 52) return "physical addresses have at most 52 bits";
        return 0;
    case MEMINTRO_ARCH_AARCH64: {
        uint32_t g = d->granule ? d->granule : 4096;
        uint32_t vb = d->va_bits ? d->va_bits : 48;
        if (g != 4096 && g != 16384 && g != 65536) return "AArch64 granule must be 4k, 16k or 64k";
        if (vb < 25 || vb > 48) return "AArch64 va_bits must be 25..48";
        if (d->pa_bits > 48) return "AArch64 physical addresses have at most 48 bits here";
        return 0;
    }
    default:
        return "unknown paging mode";
    }
}

static uint64_t memintro__mask_bits(unsigned bits)
{
    return bits >= 64 ? ~0ull : ((1ull << bits) - 1);
}

MEMINTRO__DEF memintro_status memintro_mmu_geometry(const memintro_mmu_desc *d, memintro_mmu_geom *g)
{
    MEMINTRO_MEMSET(g, 0, sizeof *g);
    if (memintro_mmu_check(d)) return MEMINTRO_E_INVALID;
    g->page_shift = 12;
    g->entry_size = 8;
    g->root_size = 4096;
    switch (d->arch) {
    case MEMINTRO_ARCH_X86:
        g->levels = 2;
        g->va_bits = 32;
        g->entry_size = 4;
        g->root_mask = 0xfffff000ull;
        break;
    case MEMINTRO_ARCH_X86_PAE:
        g->levels = 3;
        g->va_bits = 32;
        g->root_size = 32;
        g->root_mask = 0xffffffe0ull;
        break;
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57: {
        unsigned pa = d->pa_bits ? d->pa_bits : 52;
        int la57 = d->arch == MEMINTRO_ARCH_X86_64_LA57;
        g->levels = la57 ? 5 : 4;
        g->va_bits = la57 ? 57 : 48;
        g->root_mask = memintro__mask_bits(pa) & ~0xfffull;
        break;
    }
    default: { /* AArch64: levels of (granule shift - 3) index bits each, the top one takes the rest */
        uint32_t gr = d->granule ? d->granule : 4096;
        unsigned gs = gr == 4096 ? 12 : gr == 16384 ? 14 : 16, per = gs - 3;
        unsigned vb = d->va_bits ? d->va_bits : 48, pa = d->pa_bits ? d->pa_bits : 48;
        unsigned n = (vb - gs + per - 1) / per, top = vb - gs - (n - 1) * per;
        g->levels = n;
        g->va_bits = vb;
        g->page_shift = gs;
        g->root_size = (uint64_t)8 << top;
        /* BADDR: bits 47:1 (bit 0 is CnP, 63:48 the ASID), aligned to the table's size */
        g->root_mask = memintro__mask_bits(pa) & ~(uint64_t)1 & ~((g->root_size < 64 ? 64 : g->root_size) - 1);
        break;
    }
    }
    g->root_align = g->root_size < 64 && d->arch == MEMINTRO_ARCH_AARCH64 ? 64 : g->root_size;
    return MEMINTRO_OK;
}

MEMINTRO__DEF uint64_t memintro_mmu_root(const memintro_mmu_desc *d, int upper)
{
    memintro_mmu_geom g;
    if (memintro_mmu_geometry(d, &g) != MEMINTRO_OK) return 0;
    if (upper) return d->arch == MEMINTRO_ARCH_AARCH64 ? d->dtb_upper & g.root_mask : 0;
    return d->dtb & g.root_mask;
}

MEMINTRO__DEF memintro_status memintro_virt_set_dtb(memintro_virt *v, uint64_t dtb, uint64_t dtb_upper)
{
    memintro_mmu_desc d = v->desc;
    d.dtb = dtb;
    d.dtb_upper = dtb_upper;
    if (memintro_mmu_check(&d)) return MEMINTRO_E_INVALID;
    v->desc.dtb = dtb;
    v->desc.dtb_upper = dtb_upper;
    v->root[0] = memintro_mmu_root(&d, 0);
    v->root[1] = memintro_mmu_root(&d, 1);
    v->key[0] = dtb;
    v->key[1] = d.arch == MEMINTRO_ARCH_AARCH64 ? dtb_upper : dtb;
    return MEMINTRO_OK;
}

/* ---- CPU state ---- */

MEMINTRO__DEF memintro_status memintro_cpu_mmu(const memintro_cpu *cpu, memintro_mmu_desc *d)
{
    if (!cpu || !d) return MEMINTRO_E_INVALID;
    MEMINTRO_MEMSET(d, 0, sizeof *d);
    if (cpu->isa == MEMINTRO_ISA_AARCH64) {
        uint64_t tcr = cpu->tcr;
        unsigned t0sz = (unsigned)(tcr & 0x3f), t1sz = (unsigned)((tcr >> 16) & 0x3f);
        unsigned tg0 = (unsigned)((tcr >> 14) & 3), tg1 = (unsigned)((tcr >> 30) & 3);
        int epd0 = (tcr >> 7) & 1, epd1 = (tcr >> 23) & 1;
        uint32_t g0 = tg0 == 1 ? 65536 : tg0 == 2 ? 16384 : 4096;   /* TG0: 00 4K, 01 64K, 10 16K */
        uint32_t g1 = tg1 == 1 ? 16384 : tg1 == 3 ? 65536 : 4096;   /* TG1: 01 16K, 10 4K, 11 64K */
        if (!(cpu->flags & MEMINTRO_CPU_A64_MMU) || !(cpu->sctlr & 1)) return MEMINTRO_E_NOTFOUND;
        if (epd0 && epd1) return MEMINTRO_E_NOTFOUND;
        if (!epd0 && !epd1 && (t0sz != t1sz || g0 != g1)) return MEMINTRO_E_UNSUPPORTED;
        d->arch = MEMINTRO_ARCH_AARCH64;
        d->granule = epd0 ? g1 : g0;
        d->va_bits = 64 - (epd0 ? t1sz : t0sz);
        d->dtb = epd0 ? 0 : cpu->ttbr0;
        d->dtb_upper = epd1 ? 0 : cpu->ttbr1;
        if (memintro_mmu_check(d)) {
            MEMINTRO_MEMSET(d, 0, sizeof *d);
            return MEMINTRO_E_UNSUPPORTED;
        }
        return MEMINTRO_OK;
    }
    if (cpu->isa != MEMINTRO_ISA_X86 && cpu->isa != MEMINTRO_ISA_X86_64) return MEMINTRO_E_NOTFOUND;
    if (!(cpu->flags & MEMINTRO_CPU_SYSTEM) || !(cpu->cr[0] & 0x80000000ull)) return MEMINTRO_E_NOTFOUND;
    if (cpu->cr[4] & 0x20) { /* PAE; long mode when EFER.LMA (or, unknown EFER, CS.L) */
        int lma = 0;
        if (cpu->isa == MEMINTRO_ISA_X86_64)
            lma = (cpu->flags & MEMINTRO_CPU_EFER) ? (cpu->efer & 0x400) != 0
                                                   : (cpu->seg[MEMINTRO_SEG_CS].flags & (1u << 21)) != 0;
        d->arch = !lma ? MEMINTRO_ARCH_X86_PAE : (cpu->cr[4] & 0x1000) ? MEMINTRO_ARCH_X86_64_LA57 : MEMINTRO_ARCH_X86_64;
    } else {
        d->arch = MEMINTRO_ARCH_X86;
        if (!(cpu->cr[4] & 0x10)) d->flags |= MEMINTRO_MMU_NO_PSE;
    }
    d->dtb = d->arch == MEMINTRO_ARCH_X86 || d->arch == MEMINTRO_ARCH_X86_PAE ? cpu->cr[3] & 0xffffffffull : cpu->cr[3];
    return MEMINTRO_OK;
}

/* ---- names and numbers ---- */

MEMINTRO__DEF const char *memintro_arch_name(memintro_arch a)
{
    switch (a) {
    case MEMINTRO_ARCH_NONE: return "none";
    case MEMINTRO_ARCH_X86: return "x86";
    case MEMINTRO_ARCH_X86_PAE: return "pae";
    case MEMINTRO_ARCH_X86_64: return "x86_64";
    case MEMINTRO_ARCH_X86_64_LA57: return "la57";
    case MEMINTRO_ARCH_AARCH64: return "aarch64";
    default: return "?";
    }
}

MEMINTRO__DEF const char *memintro_arch_describe(memintro_arch a)
{
    switch (a) {
    case MEMINTRO_ARCH_NONE: return "no paging";
    case MEMINTRO_ARCH_X86: return "x86 32-bit";
    case MEMINTRO_ARCH_X86_PAE: return "x86 PAE";
    case MEMINTRO_ARCH_X86_64: return "x86-64 4-level";
    case MEMINTRO_ARCH_X86_64_LA57: return "x86-64 5-level";
    case MEMINTRO_ARCH_AARCH64: return "AArch64";
    default: return "?";
    }
}

/* Case-insensitive equality of a NUL-terminated name with a lower-case word. */
static int memintro__word_is(const char *s, const char *word)
{
    for (; *s && *word; s++, word++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        if (c != *word) return 0;
    }
    return !*s && !*word;
}

MEMINTRO__DEF memintro_arch memintro_arch_parse(const char *name)
{
    static const struct { const char *name; memintro_arch arch; } names[] = {
        {"none", MEMINTRO_ARCH_NONE},        {"x86", MEMINTRO_ARCH_X86},
        {"i386", MEMINTRO_ARCH_X86},         {"x86-32", MEMINTRO_ARCH_X86},
        {"pae", MEMINTRO_ARCH_X86_PAE},      {"x86_64", MEMINTRO_ARCH_X86_64},
        {"x86-64", MEMINTRO_ARCH_X86_64},    {"amd64", MEMINTRO_ARCH_X86_64},
        {"x64", MEMINTRO_ARCH_X86_64},       {"la57", MEMINTRO_ARCH_X86_64_LA57},
        {"x86_64_la57", MEMINTRO_ARCH_X86_64_LA57}, {"5-level", MEMINTRO_ARCH_X86_64_LA57},
        {"aarch64", MEMINTRO_ARCH_AARCH64},  {"arm64", MEMINTRO_ARCH_AARCH64},
    };
    size_t i;
    if (!name) return (memintro_arch)-1;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (memintro__word_is(name, names[i].name)) return names[i].arch;
    return (memintro_arch)-1;
}

static int memintro__digit(char c, unsigned base)
{
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    return v < (int)base ? v : -1;
}

/* Digits of `base` (10 or 16) at s[0, n); 0 when none or on overflow. */
static size_t memintro__digits(const char *s, size_t n, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    int d;
    while (i < n && (d = memintro__digit(s[i], base)) >= 0) {
        /* overflow checks without 64-bit division (no libgcc helper on 32-bit hosts) */
        if (base == 16 ? (v >> 60) != 0 : v > 1844674407370955161ull || (v == 1844674407370955161ull && d > 5))
            return 0;
        v = base == 16 ? v << 4 | (uint64_t)d : v * 10 + (uint64_t)d;
        i++;
    }
    if (i) *out = v;
    return i;
}

MEMINTRO__DEF size_t memintro_parse_hex(const char *s, size_t n, uint64_t *out)
{
    return s ? memintro__digits(s, n, 16, out) : 0;
}

MEMINTRO__DEF size_t memintro_parse_u64(const char *s, size_t n, uint64_t *out)
{
    size_t k;
    if (!s) return 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* "0x" without digits is no number */
        k = memintro__digits(s + 2, n - 2, 16, out);
        return k ? k + 2 : 0;
    }
    return memintro__digits(s, n, 10, out);
}

MEMINTRO__DEF size_t memintro_parse_size(const char *s, size_t n, uint64_t *out)
{
    uint64_t v;
    size_t k = memintro_parse_u64(s, n, &v);
    unsigned shift = 0;
    if (!k) return 0;
    if (k < n) {
        switch (s[k]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        default: break;
        }
        if (shift) {
            k++;
            if (k + 1 < n && s[k] == 'i' && s[k + 1] == 'B')
                k += 2;
            else if (k < n && s[k] == 'B')
                k++;
        }
    }
    if (shift && v > (UINT64_MAX >> shift)) return 0;
    *out = v << shift;
    return k;
}

/* Per-round scratch: each page piece needs an xlate (when it is walked), a data operation
   and two indices; the walker needs per item a sort key, an entry value, a table read and
   four indices. */
#define MEMINTRO__PER_PAGE (sizeof(memintro_xlate) + 2 * sizeof(memintro_op) + 2 * sizeof(uint64_t) + 6 * sizeof(uint32_t))
#define MEMINTRO__MAX_ROUND 4096u /* keys pack a 12-bit item index below a 52-bit address */

MEMINTRO__DEF size_t memintro_virt_scratch_size(size_t pages)
{
    if (pages < 1) pages = 1;
    if (pages > MEMINTRO__MAX_ROUND) pages = MEMINTRO__MAX_ROUND;
    return pages * MEMINTRO__PER_PAGE + 16;
}

MEMINTRO__DEF memintro_status memintro_virt_init(memintro_virt *v, memintro_phys *phys, const memintro_mmu_desc *d,
                                                void *scratch, size_t scratch_size)
{
    /* index bits and large-page levels per x86 mode, top level first */
    static const memintro__level x86[2] = {{22, 10, 1, 0}, {12, 10, 0, 0}};
    static const memintro__level pae[3] = {{30, 2, 0, 1}, {21, 9, 1, 0}, {12, 9, 0, 0}};
    static const memintro__level x64[5] = {{48, 9, 0, 0}, {39, 9, 0, 0}, {30, 9, 1, 0}, {21, 9, 1, 0}, {12, 9, 0, 0}};
    memintro_mmu_geom g;
    unsigned i;
    uintptr_t a;
    MEMINTRO_MEMSET(v, 0, sizeof *v);
    if (!phys || memintro_mmu_geometry(d, &g) != MEMINTRO_OK) return MEMINTRO_E_INVALID;
    if (!scratch || scratch_size < memintro_virt_scratch_size(1)) return MEMINTRO_E_NOSPACE;
    v->desc = *d;
    v->phys = phys;
    a = (uintptr_t)scratch;
    v->scratch = (uint8_t *)scratch + ((16 - (a & 15)) & 15);
    v->round = (scratch_size - 16) / MEMINTRO__PER_PAGE;
    if (v->round > MEMINTRO__MAX_ROUND) v->round = MEMINTRO__MAX_ROUND;
    v->nlevels = (uint8_t)g.levels;
    v->esize = (uint8_t)g.entry_size;
    v->page_shift = (uint8_t)g.page_shift;
    v->va_bits = (uint8_t)g.va_bits;
    switch (d->arch) {
    case MEMINTRO_ARCH_X86:
        if (!v->desc.pa_bits) v->desc.pa_bits = (d->flags & MEMINTRO_MMU_PSE36) ? 40 : 32;
        for (i = 0; i < 2; i++) v->level[i] = x86[i];
        if (d->flags & MEMINTRO_MMU_NO_PSE) v->level[0].large = 0;
        break;
    case MEMINTRO_ARCH_X86_PAE:
        if (!v->desc.pa_bits) v->desc.pa_bits = 52;
        for (i = 0; i < 3; i++) v->level[i] = pae[i];
        break;
    case MEMINTRO_ARCH_X86_64:
    case MEMINTRO_ARCH_X86_64_LA57:
        if (!v->desc.pa_bits) v->desc.pa_bits = 52;
        for (i = 0; i < g.levels; i++) v->level[i] = x64[i + 5 - g.levels];
        break;
    default: { /* AArch64: the geometry's levels, (page shift - 3) index bits each, the top one the rest */
        unsigned per = g.page_shift - 3;
        v->desc.granule = 1u << g.page_shift;
        v->desc.va_bits = g.va_bits;
        if (!v->desc.pa_bits) v->desc.pa_bits = 48;
        for (i = 0; i < g.levels; i++) {
            unsigned from_leaf = g.levels - 1 - i; /* 0 = last level (L3) */
            v->level[i].shift = (uint8_t)(g.page_shift + from_leaf * per);
            v->level[i].bits = (uint8_t)(i == 0 ? g.va_bits - v->level[i].shift : per);
            v->level[i].noflags = 0;
            /* blocks: L2 for every granule, L1 for 4 KiB */
            v->level[i].large = (uint8_t)(from_leaf == 1 || (from_leaf == 2 && g.page_shift == 12));
        }
        break;
    }
    }
    v->page_mask = ((uint64_t)1 << v->page_shift) - 1;
    if (v->esize == 8 && d->arch != MEMINTRO_ARCH_AARCH64 && !(d->flags & MEMINTRO_MMU_WIN_TRANSITION))
        v->fast = v->nlevels;
    if (d->arch == MEMINTRO_ARCH_X86) {
        v->table_mask = 0xfffff000ull;
        v->leaf_mask = 0xfffff000ull;
    } else {
        v->table_mask = memintro__mask_bits(v->desc.pa_bits) & ~memintro__mask_bits(v->page_shift);
        v->leaf_mask = v->table_mask;
    }
    return memintro_virt_set_dtb(v, d->dtb, d->dtb_upper);
}

MEMINTRO__DEF void memintro_virt_set_tlb(memintro_virt *v, memintro_tlb *tlb)
{
    /* a TLB initialised without storage is no TLB, and a virt that memintro_virt_init
       refused gets none (its reads fail with MEMINTRO_E_INVALID) */
    v->tlb = v->round && tlb && tlb->entries ? tlb : 0;
}

/* ---- TLB ---- */

/* An entry: tag = page number (va >> granule shift, at most 52 bits) | the address space's
   id << 52, 0 when empty; val = the physical frame of the page (bits 12-51, granule-aligned)
   with the result packed around it: bits 0-7 flags, 8-11 level, 52-57 page-size shift, bit
   63 set for "not mapped" (the only failure cached). 16 bytes: four entries a cache line,
   so the TLB of a guest's working set stays in the CPU caches beside its data. */
#define MEMINTRO__TLB_FRAME 0x000ffffffffff000ull
#define MEMINTRO__TLB_UNMAPPED (1ull << 63)
#define MEMINTRO__TLB_MAX_ID 4095u

/* The 8 slots of the space table where dtb may be remembered start at its hash. */
MEMINTRO__INLINE unsigned memintro__tlb_way(uint64_t dtb)
{
    return (unsigned)((dtb * 0x9e3779b97f4a7c15ull) >> 54) & (MEMINTRO_TLB_SPACES - 8);
}

/* A new id for dtb, in one of its 8 slots (round robin among them). */
static void memintro__tlb_new(memintro_tlb *t, uint64_t dtb)
{
    unsigned i = memintro__tlb_way(dtb) + (t->next_space++ & 7);
    t->space_dtb[i] = dtb;
    t->space_id[i] = ++t->next_id;
}

/* Makes dtb the current space of half h (giving it an id if it has none). */
static void memintro__tlb_space(memintro_tlb *t, uint64_t dtb, unsigned h)
{
    unsigned i, pass, w = memintro__tlb_way(dtb);
    uint64_t id = 0;
    for (pass = 0; pass < 2 && !id; pass++) {
        for (i = w; i < w + 8; i++)
            if (t->space_id[i] && t->space_dtb[i] == dtb) {
                id = t->space_id[i];
                break;
            }
        if (id) break;
        if (t->next_id < MEMINTRO__TLB_MAX_ID) {
            memintro__tlb_new(t, dtb);
        } else {
            /* out of ids: no entry may keep an id that is given again */
            t->cur_dtb[h] = dtb;
            memintro_tlb_flush(t); /* registers the current spaces again, dtb among them */
        }
    }
    t->cur_dtb[h] = dtb;
    t->cur_tag[h] = id << 52;
    t->cur_mix[h] = (id * 0x9e3779b97f4a7c15ull) >> 40; /* spaces start at scattered slots */
}

MEMINTRO__DEF void memintro_tlb_init(memintro_tlb *t, memintro_tlb_entry *storage, size_t count)
{
    size_t n = 1;
    while (n * 2 <= count && n * 2 != 0) n *= 2;
    MEMINTRO_MEMSET(t, 0, sizeof *t);
    if (!storage || !count) return; /* no storage: no TLB (memintro_virt_set_tlb ignores it) */
    t->entries = storage;
    t->mask = n - 1;
    memintro_tlb_flush(t);
}

MEMINTRO__DEF void memintro_tlb_flush(memintro_tlb *t)
{
    unsigned h, i;
    if (!t->entries) return;
    MEMINTRO_MEMSET(t->entries, 0, (t->mask + 1) * sizeof(memintro_tlb_entry));
    for (i = 0; i < MEMINTRO_TLB_SPACES; i++) t->space_id[i] = 0;
    t->next_id = t->next_space = 0;
    /* ids restart: the current spaces are registered again, so cur_* always name a space */
    for (h = 0; h < 2; h++) {
        uint64_t id = 0;
        if (h && t->cur_dtb[1] == t->cur_dtb[0]) {
            id = t->cur_tag[0] >> 52;
        } else {
            memintro__tlb_new(t, t->cur_dtb[h]);
            id = t->next_id;
        }
        t->cur_tag[h] = id << 52;
        t->cur_mix[h] = (id * 0x9e3779b97f4a7c15ull) >> 40;
    }
}

/* The slot of page vp of half h (key: that half's DTB) and, in *tag, the tag it must hold.
   Consecutive pages of one address space get consecutive slots: a sequential read touches
   the TLB sequentially (no conflicts up to the TLB size). */
MEMINTRO__INLINE memintro_tlb_entry *memintro__tlb_at(memintro_tlb *t, uint64_t key, unsigned h, uint64_t vp, uint64_t *tag)
{
    if (t->cur_dtb[h] != key) memintro__tlb_space(t, key, h);
    *tag = vp | t->cur_tag[h];
    return &t->entries[(size_t)(vp + t->cur_mix[h]) & t->mask];
}

/* Fills x from entry value val (a hit). */
MEMINTRO__INLINE void memintro__tlb_fill(uint64_t val, unsigned page_shift, memintro_xlate *x)
{
    x->flags = (uint32_t)(val & 0xff);
    x->level = (uint32_t)((val >> 8) & 0xf);
    if (val & MEMINTRO__TLB_UNMAPPED) {
        x->status = MEMINTRO_E_UNMAPPED;
        x->pa = 0;
        x->page_size = 0;
    } else {
        x->status = MEMINTRO_OK;
        x->pa = (val & MEMINTRO__TLB_FRAME) + (x->va & memintro__mask_bits(page_shift));
        x->page_size = (uint64_t)1 << ((val >> 52) & 63);
    }
}

/* Returns 1 and fills x on a hit; counts hits and misses. */
static int memintro__tlb_get(memintro_tlb *t, const memintro_virt *v, memintro_xlate *x)
{
    uint64_t tag;
    unsigned h = (unsigned)(x->va >> 63);
    const memintro_tlb_entry *e = memintro__tlb_at(t, v->key[h], h, x->va >> v->page_shift, &tag);
    if (e->tag != tag) {
        t->misses++;
        return 0;
    }
    t->hits++;
    memintro__tlb_fill(e->val, v->page_shift, x);
    return 1;
}

/* Caches x's result (OK or not mapped; other failures are transient). */
static void memintro__tlb_put(memintro_tlb *t, const memintro_virt *v, const memintro_xlate *x)
{
    uint64_t tag, val;
    unsigned h = (unsigned)(x->va >> 63);
    memintro_tlb_entry *e;
    if (x->status != MEMINTRO_OK && x->status != MEMINTRO_E_UNMAPPED) return;
    e = memintro__tlb_at(t, v->key[h], h, x->va >> v->page_shift, &tag);
    val = (uint64_t)(x->flags & 0xff) | (uint64_t)(x->level & 0xf) << 8;
    if (x->status == MEMINTRO_OK) {
        uint64_t ps = x->page_size, sh = 0; /* log2 of the page size (a power of two) */
        if (ps >> 32) { sh += 32; ps >>= 32; }
        if (ps >> 16) { sh += 16; ps >>= 16; }
        if (ps >> 8) { sh += 8; ps >>= 8; }
        if (ps >> 4) { sh += 4; ps >>= 4; }
        if (ps >> 2) { sh += 2; ps >>= 2; }
        if (ps >> 1) sh += 1;
        val |= (x->pa & MEMINTRO__TLB_FRAME & ~memintro__mask_bits(v->page_shift)) | sh << 52;
    } else {
        val |= MEMINTRO__TLB_UNMAPPED;
    }
    e->tag = tag;
    e->val = val;
}

/* ---- batched translation ---- */

/* Sorts walk keys (entry address << 12 | item index) so that equal entry addresses are
   adjacent and in increasing order; the item bits may end in any order. LSD radix sort,
   8 bits per pass, over only the bits in which the entry addresses differ (typically 2-4
   passes), so a round costs a few linear sweeps instead of n log n unpredictable branches.
   tmp has room for n keys. */
static void memintro__sort_keys(uint64_t *a, uint64_t *tmp, size_t n)
{
    uint64_t diff = 0, *src = a, *dst = tmp, *t;
    unsigned lo = 12, hi = 63, shift;
    size_t i;
    for (i = 1; i < n; i++) diff |= a[i] ^ a[0];
    diff &= ~(uint64_t)0xfff;
    if (!diff) return;
    if (n <= 32) {
        size_t j;
        for (i = 1; i < n; i++) {
            uint64_t k = a[i];
            for (j = i; j > 0 && a[j - 1] > k; j--) a[j] = a[j - 1];
            a[j] = k;
        }
        return;
    }
    while (!((diff >> lo) & 1)) lo++;
    while (!((diff >> hi) & 1)) hi--;
    for (shift = lo; shift <= hi; shift += 8) {
        uint32_t pos[256];
        uint32_t sum = 0;
        for (i = 0; i < 256; i++) pos[i] = 0;
        for (i = 0; i < n; i++) pos[(src[i] >> shift) & 0xff]++;
        for (i = 0; i < 256; i++) {
            uint32_t c = pos[i];
            pos[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++) dst[pos[(src[i] >> shift) & 0xff]++] = src[i];
        t = src;
        src = dst;
        dst = t;
    }
    if (src != a) MEMINTRO_MEMCPY(a, src, n * sizeof *a);
}

/* Scratch carve-up for a round of `r` items. */
typedef struct memintro__work {
    memintro_xlate *x;  /* virt_read: pieces that missed the TLB, walked at the end of the round */
    memintro_op *ops;   /* walker: table reads of one level */
    memintro_op *data;  /* virt_read: the round's data operations, in piece order */
    uint64_t *keys;     /* walker */
    uint64_t *vals;     /* walker */
    uint32_t *slot;     /* walker: items to walk */
    uint32_t *opidx;    /* walker: unique entry -> table read */
    uint32_t *owner;    /* virt_read: data operation -> caller's op */
    uint32_t *dest;     /* virt_read: walked piece -> its data operation */
    uint32_t *nodes;    /* walker: two lists of runs of items (2 * round) */
} memintro__work;

static memintro__work memintro__carve(const memintro_virt *v)
{
    memintro__work w;
    uint8_t *p = v->scratch;
    size_t r = v->round;
    w.ops = (memintro_op *)p;
    p += r * sizeof(memintro_op);
    w.data = (memintro_op *)p;
    p += r * sizeof(memintro_op);
    w.keys = (uint64_t *)p;
    p += r * sizeof(uint64_t);
    w.vals = (uint64_t *)p;
    p += r * sizeof(uint64_t);
    w.x = (memintro_xlate *)p;
    p += r * sizeof(memintro_xlate);
    w.slot = (uint32_t *)p;
    p += r * sizeof(uint32_t);
    w.opidx = (uint32_t *)p;
    p += r * sizeof(uint32_t);
    w.owner = (uint32_t *)p;
    p += r * sizeof(uint32_t);
    w.dest = (uint32_t *)p;
    p += r * sizeof(uint32_t);
    w.nodes = (uint32_t *)p;
    return w;
}

/* Walk state is kept in the xlate itself while the walk runs: pa holds the table being
   read, level the index into v->level (from the top), flags the accumulated permissions. */

static uint64_t memintro__entry_index(const memintro_virt *v, unsigned li, uint64_t va)
{
    return (va >> v->level[li].shift) & memintro__mask_bits(v->level[li].bits);
}

/* Decodes entry e at level li for x. Returns 1 when the walk continues, 0 when x is done. */
static int memintro__decode(const memintro_virt *v, memintro_xlate *x, unsigned li, uint64_t e)
{
    const memintro__level *L = &v->level[li];
    unsigned from_leaf = v->nlevels - li; /* 1 = last level */
    int last = li + 1 == v->nlevels;
    uint64_t size;
    if (v->desc.arch == MEMINTRO_ARCH_AARCH64) {
        int table = (e & 2) != 0;
        if (!(e & 1) || (last && !table) || (!last && !table && !L->large)) {
            x->status = MEMINTRO_E_UNMAPPED;
            x->level = from_leaf;
            x->flags = 0;
            return 0;
        }
        if (!last && table) {
            /* APTable[1] no writes, APTable[0] no EL0, UXNTable, PXNTable */
            if (e & (1ull << 62)) x->flags &= ~MEMINTRO_PAGE_WRITABLE;
            if (e & (1ull << 61)) x->flags &= ~MEMINTRO_PAGE_USER;
            if (e & (1ull << 60)) x->flags |= 0x100; /* UXN seen in a table */
            if (e & (1ull << 59)) x->flags |= 0x200; /* PXN seen in a table */
            x->pa = e & v->table_mask;
            return 1;
        }
        if (e & (1ull << 7)) x->flags &= ~MEMINTRO_PAGE_WRITABLE;
        if (!(e & (1ull << 6))) x->flags &= ~MEMINTRO_PAGE_USER;
        if (e & (1ull << 54)) x->flags |= 0x100;
        if (e & (1ull << 53)) x->flags |= 0x200;
        if (x->flags & ((x->flags & MEMINTRO_PAGE_USER) ? 0x100u : 0x200u)) x->flags |= MEMINTRO_PAGE_NX;
        x->flags &= 0xff;
    } else {
        int present = (int)(e & 1);
        if (!present && (v->desc.flags & MEMINTRO_MMU_WIN_TRANSITION) && (e & 0x800) && !(e & 0x400)) {
            present = 1;
            x->flags |= MEMINTRO_PAGE_TRANSITION;
            /* large pages are never in transition: in a transition entry bit 7 belongs to
               the protection field, so above the last level the entry is a table */
            e &= ~(uint64_t)0x80;
        }
        if (!present) {
            x->status = MEMINTRO_E_UNMAPPED;
            x->level = from_leaf;
            x->flags = 0;
            return 0;
        }
        if (!L->noflags) {
            if (!(e & 2)) x->flags &= ~MEMINTRO_PAGE_WRITABLE;
            if (!(e & 4)) x->flags &= ~MEMINTRO_PAGE_USER;
            if (v->esize == 8 && (e >> 63)) x->flags |= MEMINTRO_PAGE_NX;
        }
        if (!last && !(L->large && (e & 0x80))) {
            x->pa = e & v->table_mask;
            return 1;
        }
    }
    size = (uint64_t)1 << L->shift;
    if (v->desc.arch == MEMINTRO_ARCH_X86 && !last) {
        /* 4 MiB page: PA 31:22 from the PDE, 39:32 from PDE bits 20:13 under PSE-36 */
        uint64_t base = e & 0xffc00000ull;
        if (v->desc.flags & MEMINTRO_MMU_PSE36) base |= ((e >> 13) & 0xff) << 32;
        x->pa = (base & memintro__mask_bits(v->desc.pa_bits)) | (x->va & (size - 1));
    } else {
        x->pa = (e & v->leaf_mask & ~(size - 1)) | (x->va & (size - 1));
    }
    x->page_size = size;
    x->level = from_leaf;
    x->status = MEMINTRO_OK;
    return 0;
}

/* Starts a walk; returns 1 if x needs table reads, 0 if it is already decided. */
MEMINTRO__INLINE int memintro__walk_start(const memintro_virt *v, memintro_xlate *x)
{
    uint64_t va = x->va;
    int upper = 0;
    x->pa = 0;
    x->page_size = 0;
    x->level = 0;
    x->status = MEMINTRO_OK;
    x->flags = 0;
    if (v->va_bits == 32) {
        if (va >> 32) {
            x->status = MEMINTRO_E_NONCANONICAL;
            return 0;
        }
    } else if (v->desc.arch == MEMINTRO_ARCH_AARCH64) {
        /* AArch64: bits 63:va_bits all clear (TTBR0) or all set (TTBR1); bit va_bits-1 is
           an ordinary address bit in both halves (no sign extension as on x86) */
        uint64_t top = va >> v->va_bits;
        if (top != 0 && top != memintro__mask_bits(64 - v->va_bits)) {
            x->status = MEMINTRO_E_NONCANONICAL;
            return 0;
        }
        upper = top != 0;
    } else {
        uint64_t top = va >> (v->va_bits - 1); /* the sign bit and everything above */
        if (top != 0 && top != memintro__mask_bits(65 - v->va_bits)) {
            x->status = MEMINTRO_E_NONCANONICAL;
            return 0;
        }
        upper = top != 0;
    }
    if (v->desc.arch == MEMINTRO_ARCH_AARCH64) {
        if (upper && !v->desc.dtb_upper) {
            x->status = MEMINTRO_E_UNMAPPED;
            x->level = v->nlevels;
            return 0;
        }
        x->pa = v->root[upper];
    } else {
        x->pa = v->root[0];
    }
    x->flags = MEMINTRO_PAGE_WRITABLE | MEMINTRO_PAGE_USER;
    return 1;
}

/* ---- direct access: reading guest memory that lies in host memory ---- */

/* Host pointer to guest-physical addr and the bytes readable from it (*avail), or NULL when
   the backend offers no direct access there. The core's own mapped-memory backend is looked
   up inline, without the indirect call. */
MEMINTRO__INLINE const uint8_t *memintro__direct(memintro_phys *p, uint64_t addr, uint64_t *avail)
{
    if (p->direct == memintro__buffer_direct) {
        memintro_buffer *b = (memintro_buffer *)p;
        const memintro_range *r = memintro__buffer_range(b, addr);
        if (!r) return 0;
        *avail = r->size - (addr - r->start);
        return MEMINTRO__AT(b, r->offset + (addr - r->start));
    }
    return p->direct ? (const uint8_t *)p->direct(p, addr, avail) : 0;
}

/* Host memory around guest-physical addr, for walks that reuse it: *lo and *len become the
   guest-physical range it covers (for the core's own backend the whole range of the memory
   map, else addr onwards); returns its host base (the host address of *lo), or NULL. */
MEMINTRO__INLINE const uint8_t *memintro__direct_range(memintro_phys *p, uint64_t addr, uint64_t *lo, uint64_t *len)
{
    uint64_t avail = 0;
    const uint8_t *h;
    if (p->direct == memintro__buffer_direct) {
        memintro_buffer *b = (memintro_buffer *)p;
        const memintro_range *r = memintro__buffer_range(b, addr);
        if (!r) return 0;
        *lo = r->start;
        *len = r->size;
        return MEMINTRO__AT(b, r->offset);
    }
    h = memintro__direct(p, addr, &avail);
    if (!h) return 0;
    *lo = addr;
    *len = avail;
    return h;
}

/* The little-endian table entry of esize bytes at host pointer h. */
MEMINTRO__INLINE uint64_t memintro__entry_at(const uint8_t *h, unsigned esize)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (esize == 8) {
        uint64_t e;
        MEMINTRO_MEMCPY(&e, h, 8);
        return e;
    } else {
        uint32_t e;
        MEMINTRO_MEMCPY(&e, h, 4);
        return e;
    }
#else
    return esize == 8 ? memintro_get_u64(h) : memintro_get_u32(h);
#endif
}

/* Whether memintro__walk_x86 applies to v's mode: x86 PAE or 64-bit entries, no Windows
   transition entries. */
MEMINTRO__INLINE int memintro__x86_fast(const memintro_virt *v)
{
    return v->fast != 0;
}

/* What the walks of one call reuse: the host memory of the last lookup (guest-physical
   [lo, lo + last + 8) lies at base; the empty value lo = ~0, last = 0 matches no
   8-byte-aligned address), and, for the inline x86 walks of a batch, the page directory
   of the last 1 GiB region walked (gb = va >> 30 of that region, ~0 for none: no va >> 30
   has all bits set) with the AND and OR of the entries above it. The addresses of a batch
   mostly share their upper levels, so each of them then reads two entries, not four. */
typedef struct memintro__hmem {
    const uint8_t *base;
    uint64_t lo, last;
    uint64_t gb, gb_table, gb_all, gb_any;
} memintro__hmem;

MEMINTRO__INLINE void memintro__hmem_none(memintro__hmem *m)
{
    m->base = 0;
    m->lo = ~(uint64_t)0;
    m->last = 0;
    m->gb = ~(uint64_t)0;
}

/* Looks up the host memory around ea into *m; 0 when the 8 bytes at ea are not there. */
static int memintro__hmem_find(memintro_phys *p, uint64_t ea, memintro__hmem *m)
{
    uint64_t lo = 0, len = 0;
    const uint8_t *h = memintro__direct_range(p, ea, &lo, &len);
    if (!h || len < 8 || ea - lo > len - 8) return 0;
    m->base = h;
    m->lo = lo;
    m->last = len - 8;
    return 1;
}

/* The 8-byte little-endian entry at guest-physical ea (8-aligned) through host memory, in
   *e; 0 when it is not in host memory. With `full` clear only the range of the core's own
   backend that its last lookup hit is tried (no function call: the caller falls back). */
MEMINTRO__INLINE int memintro__hmem_entry(memintro_phys *p, uint64_t ea, memintro__hmem *m, uint64_t *e, const int full)
{
    if (ea - m->lo > m->last) {
        const memintro_buffer *b = (const memintro_buffer *)p;
        const memintro_range *r = p->direct == memintro__buffer_direct && b->hint < b->map->count
                                      ? &b->map->ranges[b->hint] : 0;
        if (r && r->size >= 8 && ea - r->start <= r->size - 8) {
            m->base = MEMINTRO__AT(b, r->offset);
            m->lo = r->start;
            m->last = r->size - 8;
        } else if (!full || !memintro__hmem_find(p, ea, m)) {
            return 0;
        }
    }
    *e = memintro__entry_at(m->base + (ea - m->lo), 8);
    return 1;
}

/* The common case of a walk over direct access, written out per mode (nl: 3 = PAE, 4 or 5
   x86-64 levels; a constant where it is inlined, so each mode gets straight-line code):
   x86 PAE or 64-bit entries, every entry present (tables, 4 KiB pages, 2 MiB and 1 GiB
   pages), no Windows transition entries. Returns 1 with x filled, or 0 with x untouched
   when the walk leaves that case (a non-canonical address, an entry not present, a table
   that is not in host memory): the general walker then walks it from the start, so it
   reports what went wrong. m is the host memory of the last lookup, kept across walks;
   full as for memintro__hmem_entry; with share set the walk starts from m's page directory
   when va lies in its 1 GiB region, and remembers the one it reaches (the walks of one
   batch: tables are taken to stay put for the length of one call). */
#define MEMINTRO__XSTEP(S)                                                                            \
    if (!memintro__hmem_entry(p, table + (((va >> (S)) & 511) << 3), m, &e, full) || !(e & 1)) return 0; \
    all &= e;                                                                                         \
    any |= e
#define MEMINTRO__XSHARE                                                                              \
    if (share) {                                                                                      \
        m->gb = va >> 30;                                                                             \
        m->gb_table = table;                                                                          \
        m->gb_all = all;                                                                              \
        m->gb_any = any;                                                                              \
    }
#define MEMINTRO__XLEAF(S, LV)                                                                        \
    x->pa = (e & v->leaf_mask & ~(((uint64_t)1 << (S)) - 1)) | (va & (((uint64_t)1 << (S)) - 1));   \
    x->page_size = (uint64_t)1 << (S);                                                                \
    x->flags = (uint32_t)((all >> 1) & 3) | (uint32_t)(any >> 63) << 2; /* R/W, U/S; XD */            \
    x->level = (LV);                                                                                  \
    x->status = MEMINTRO_OK;                                                                          \
    return 1
MEMINTRO__INLINE int memintro__walk_x86(const memintro_virt *v, memintro_xlate *x, memintro__hmem *m, const unsigned nl,
                                        const int full, const int share)
{
    memintro_phys *p = v->phys;
    const uint64_t va = x->va, tmask = v->table_mask;
    uint64_t table = v->root[0], all = ~(uint64_t)0, any = 0, e = 0; /* AND and OR of the flag bits */
    if (share && (va >> 30) == m->gb) { /* the page directory of the last region */
        table = m->gb_table;
        all = m->gb_all;
        any = m->gb_any;
    } else if (nl == 3) { /* PAE: the PDPT (2 index bits, entries without permission bits) first */
        if (va >> 32) return 0;                     /* not canonical: the general walk says so */
        if (!memintro__hmem_entry(p, table + ((va >> 30) & 3) * 8, m, &e, full) || !(e & 1)) return 0;
        table = e & tmask;
        MEMINTRO__XSHARE;
    } else {
        const unsigned vb = nl == 5 ? 57 : 48;
        uint64_t top = va >> (vb - 1); /* the sign bit and the bits above it */
        if (top != 0 && top != (~(uint64_t)0 >> (vb - 1))) return 0;
        if (nl == 5) {
            MEMINTRO__XSTEP(48);
            table = e & tmask;
        }
        MEMINTRO__XSTEP(39);
        table = e & tmask;
        MEMINTRO__XSTEP(30);
        if (e & 0x80) {
            MEMINTRO__XLEAF(30, 3); /* 1 GiB page */
        }
        table = e & tmask;
        MEMINTRO__XSHARE;
    }
    MEMINTRO__XSTEP(21);
    if (e & 0x80) {
        MEMINTRO__XLEAF(21, 2); /* 2 MiB page */
    }
    table = e & tmask;
    MEMINTRO__XSTEP(12);
    MEMINTRO__XLEAF(12, 1);
}
#undef MEMINTRO__XSTEP
#undef MEMINTRO__XSHARE
#undef MEMINTRO__XLEAF

/* memintro__walk_x86 for v's mode (nl = v->nlevels, or 0 when the mode has no fast walk). */
MEMINTRO__INLINE int memintro__walk_fast(const memintro_virt *v, memintro_xlate *x, memintro__hmem *m)
{
    switch (v->fast) {
    case 4: return memintro__walk_x86(v, x, m, 4, 1, 1);
    case 5: return memintro__walk_x86(v, x, m, 5, 1, 1);
    case 3: return memintro__walk_x86(v, x, m, 3, 1, 1);
    default: return 0;
    }
}

/* Walks up to MEMINTRO__GROUP started addresses (memintro__walk_start returned 1 for each)
   together, level by level, entry by entry: an entry is loaded through a direct pointer
   where the backend offers one, else read as a one-entry op (a hole, a fallback region, a
   backend without direct access). Loading the entries of all addresses of a level before
   decoding any lets their memory accesses overlap (translation from host memory waits on
   memory, not on instructions). The walk state lives in locals; the host memory of the
   last direct lookup is reused until the next call into the backend (the tables of a
   guest usually lie in one range); present x86 PAE/64-bit entries (tables and 4 KiB pages)
   are decoded inline, everything else by memintro__decode. */
#define MEMINTRO__GROUP 8
static void memintro__walk_group(memintro_virt *v, memintro_xlate *const *xs, size_t n)
{
    memintro_phys *p = v->phys;
    const unsigned esize = v->esize, nlevels = v->nlevels;
    const uint64_t tmask = v->table_mask;
    const int fast = v->desc.arch != MEMINTRO_ARCH_AARCH64 && esize == 8 && !(v->desc.flags & MEMINTRO_MMU_WIN_TRANSITION);
    uint64_t table[MEMINTRO__GROUP], e[MEMINTRO__GROUP];
    uint32_t flags[MEMINTRO__GROUP];
    unsigned act[MEMINTRO__GROUP], nact = 0, li, j, k;
    const uint8_t *base = 0; /* host memory of guest-physical [lo, lo + len) */
    uint64_t lo = 0, len = 0;
    for (k = 0; k < n; k++) {
        table[k] = xs[k]->pa;
        flags[k] = xs[k]->flags;
        act[nact++] = k;
    }
    for (li = 0; nact; li++) {
        const memintro__level *L = &v->level[li];
        const uint64_t imask = ((uint64_t)1 << L->bits) - 1;
        unsigned m = 0;
        /* 1. load every active address's entry of this level */
        for (j = 0; j < nact; j++) {
            uint64_t ea, off;
            k = act[j];
            ea = table[k] + ((xs[k]->va >> L->shift) & imask) * esize;
            off = ea - lo;
            if (off >= len || len - off < esize) {
                base = memintro__direct_range(p, ea, &lo, &len);
                off = ea - lo;
                if (!base || len - off < esize) base = 0, len = 0;
            }
            if (base) {
                e[k] = memintro__entry_at(base + off, esize);
            } else {
                uint8_t raw[8];
                memintro_op op;
                op.addr = ea;
                op.buf = raw;
                op.len = esize;
                op.missing = 0;
                op.status = MEMINTRO_OK;
                op.flags = MEMINTRO_OP_TABLE;
                memintro_phys_read(p, &op, 1);
                lo = len = 0; /* a call into the backend may move what direct pointers point at */
                if (op.status != MEMINTRO_OK) {
                    memintro_xlate *x = xs[k];
                    x->status = op.status;
                    x->level = nlevels - li;
                    x->pa = 0;
                    x->flags = 0;
                    act[j] = MEMINTRO__GROUP; /* done */
                    continue;
                }
                e[k] = esize == 8 ? memintro_get_u64(raw) : memintro_get_u32(raw);
            }
        }
        /* 2. decode them; the addresses that go on stay active */
        for (j = 0; j < nact; j++) {
            uint64_t ek;
            memintro_xlate *x;
            k = act[j];
            if (k == MEMINTRO__GROUP) continue;
            ek = e[k];
            x = xs[k];
            if (fast && (ek & 1) && !L->noflags && !(L->large && (ek & 0x80))) {
                if (!(ek & 2)) flags[k] &= ~MEMINTRO_PAGE_WRITABLE;
                if (!(ek & 4)) flags[k] &= ~MEMINTRO_PAGE_USER;
                if (ek >> 63) flags[k] |= MEMINTRO_PAGE_NX;
                if (li + 1 < nlevels) { /* a table */
                    table[k] = ek & tmask;
                    act[m++] = k;
                    continue;
                }
                x->pa = (ek & v->leaf_mask) | (x->va & 0xfff); /* a 4 KiB page */
                x->page_size = 0x1000;
                x->flags = flags[k];
                x->level = 1;
                x->status = MEMINTRO_OK;
                continue;
            }
            x->pa = table[k];
            x->flags = flags[k];
            if (!memintro__decode(v, x, li, ek)) {
                if (x->status != MEMINTRO_OK) {
                    x->pa = 0;
                    x->page_size = 0;
                }
                continue;
            }
            table[k] = x->pa;
            flags[k] = x->flags;
            act[m++] = k;
        }
        nact = m;
    }
}

/* Walks one started address. */
static void memintro__walk_one(memintro_virt *v, memintro_xlate *x)
{
    memintro__walk_group(v, &x, 1);
}

/* Appends to out[] the runs of equal (va >> shift) in todo[s..e) (items in address order),
   each packed as first position | count << 16. With copy set, the first item of each run
   gets the walk state (table, permissions, level) of todo[s]: runs split from one run of
   the level above share its path so far. Returns the new length of out. */
static size_t memintro__split(memintro_xlate *x, const uint32_t *todo, size_t s, size_t e, unsigned shift, uint32_t *out,
                              size_t nout, int copy)
{
    const memintro_xlate *l = &x[todo[s]];
    uint64_t run = l->va >> shift;
    size_t k, start = s;
    for (k = s + 1; k < e; k++) {
        memintro_xlate *xi = &x[todo[k]];
        if ((xi->va >> shift) == run) continue;
        out[nout++] = (uint32_t)start | (uint32_t)(k - start) << 16;
        run = xi->va >> shift;
        start = k;
        if (copy) {
            xi->pa = l->pa;
            xi->flags = l->flags;
            xi->level = l->level;
        }
    }
    out[nout++] = (uint32_t)start | (uint32_t)(e - start) << 16;
    return nout;
}

/* Translates the items of x listed in todo[0..n) (n <= v->round), level by level, without
   the TLB. todo is w->slot; the walk reorders it.
   The items are put in address order first. Items whose addresses agree above a level's
   index bits take the same path down to that level, so the walk keeps runs of such items
   (nodes) and reads entries only for the first item of each run (its leader); a run splits
   into shorter runs one level down, and when its leader's walk ends (a page, a large page,
   a missing entry) the rest of the run copies the result. A batch in one region thus walks
   its upper levels once, not once per item; entries shared by different runs are still
   read once per level (sorted, duplicates merged). */
static void memintro__walk(memintro_virt *v, memintro_xlate *x, size_t n, const memintro__work *w)
{
    size_t j, k, pending = 0, nn;
    unsigned esize = v->esize;
    uint32_t *todo = w->slot, *node = w->nodes, *next = w->nodes + v->round;
    int sorted = 1;
    for (k = 0; k < n; k++)
        if (memintro__walk_start(v, &x[todo[k]])) todo[pending++] = todo[k];
    if (!pending) return;
    if (pending == 1 || v->phys->direct) {
        /* One address, or tables in host memory: batching saves backend calls, and a backend
           with direct access costs none. Each address walks on its own (the inline x86 walk
           where it applies), the rest in small groups, entry by entry. */
        memintro_xlate *xs[MEMINTRO__GROUP];
        memintro__hmem m;
        size_t nx = 0;
        const int fast = v->phys->direct && memintro__x86_fast(v);
        memintro__hmem_none(&m);
        for (k = 0; k < pending; k++) {
            memintro_xlate *xi = &x[todo[k]];
            if (fast && memintro__walk_fast(v, xi, &m)) continue;
            xs[nx++] = xi;
            if (nx == MEMINTRO__GROUP) {
                memintro__walk_group(v, xs, nx);
                nx = 0;
            }
        }
        if (nx) memintro__walk_group(v, xs, nx);
        return;
    }
    /* 0. address order, then the runs of the top level */
    for (k = 0; k < pending; k++) {
        w->keys[k] = (x[todo[k]].va & ~(uint64_t)0xfff) | todo[k];
        if (k && w->keys[k] < w->keys[k - 1]) sorted = 0;
    }
    if (!sorted) {
        memintro__sort_keys(w->keys, w->vals, pending);
        for (k = 0; k < pending; k++) todo[k] = (uint32_t)(w->keys[k] & 0xfff);
    }
    nn = memintro__split(x, todo, 0, pending, v->level[0].shift, node, 0, 0);
    while (nn) {
        size_t nops = 0, nuniq = 0, u = 0, nnext = 0;
        uint64_t prev = ~(uint64_t)0; /* no entry address has all bits set */
        unsigned li = x[todo[node[0] & 0xffff]].level; /* every node is at the same level */
        uint32_t *t;
        sorted = 1;
        /* 1. entry addresses of the leaders, packed with the node index */
        for (j = 0; j < nn; j++) {
            const memintro_xlate *xl = &x[todo[node[j] & 0xffff]];
            uint64_t ea = xl->pa + memintro__entry_index(v, li, xl->va) * esize;
            w->keys[j] = (ea << 12) | j;
            if (j && w->keys[j] < w->keys[j - 1]) sorted = 0;
        }
        if (!sorted) memintro__sort_keys(w->keys, w->vals, nn); /* vals is free until step 2 */
        /* 2. unique entries (equal addresses are adjacent in the sorted keys); runs of
           adjacent entries in one table become one op. Step 4 walks the keys in the same
           order and counts unique entries again, so no per-node index is stored. */
        for (k = 0; k < nn; k++) {
            uint64_t ea = w->keys[k] >> 12;
            memintro_op *last;
            if (ea == prev) continue; /* same entry as the leader before */
            prev = ea;
            last = nops ? &w->ops[nops - 1] : 0;
            if (last && last->addr + last->len == ea && (ea & 0xfff) != 0) {
                last->len += esize; /* next entry in the same table */
            } else {
                last = &w->ops[nops++];
                last->addr = ea;
                last->buf = (uint8_t *)w->vals + nuniq * esize;
                last->len = esize;
                last->flags = MEMINTRO_OP_TABLE;
            }
            w->opidx[nuniq++] = (uint32_t)(nops - 1);
        }
        /* 3. one physical batch for the whole level */
        memintro_phys_read(v->phys, w->ops, nops);
        /* 4. decode the leaders */
        prev = ~(uint64_t)0;
        for (k = 0; k < nn; k++) {
            uint64_t ea = w->keys[k] >> 12;
            memintro_xlate *xi = &x[todo[node[w->keys[k] & 0xfff] & 0xffff]];
            const memintro_op *op;
            const uint8_t *raw;
            if (k && ea != prev) u++; /* u: this leader's unique entry */
            prev = ea;
            op = &w->ops[w->opidx[u]];
            raw = (const uint8_t *)w->vals + u * esize;
            if (op->status != MEMINTRO_OK) {
                xi->status = op->status;
                xi->level = v->nlevels - li;
                xi->pa = 0;
                xi->flags = 0;
                continue;
            }
            if (memintro__decode(v, xi, li, esize == 8 ? memintro_get_u64(raw) : memintro_get_u32(raw))) {
                xi->level = li + 1;
            } else if (xi->status != MEMINTRO_OK) {
                xi->pa = 0;
                xi->page_size = 0;
            }
        }
        /* 5. a node whose leader goes on splits into the runs of the next level; a node whose
              leader is done gives its result to the rest (a page found here is the leader's
              page, at each item's own offset) */
        for (j = 0; j < nn; j++) {
            size_t s = node[j] & 0xffff, e = s + (node[j] >> 16);
            const memintro_xlate *xl = &x[todo[s]];
            if (xl->status == MEMINTRO_OK && !xl->page_size) {
                nnext = memintro__split(x, todo, s, e, v->level[li + 1].shift, next, nnext, 1);
                continue;
            }
            for (k = s + 1; k < e; k++) {
                memintro_xlate *xi = &x[todo[k]];
                xi->pa = xl->pa;
                xi->page_size = xl->page_size;
                xi->flags = xl->flags;
                xi->level = xl->level;
                xi->status = xl->status;
                if (xl->page_size) xi->pa = xl->pa - (xl->va & (xl->page_size - 1)) + (xi->va & (xl->page_size - 1));
            }
        }
        t = node;
        node = next;
        next = t;
        nn = nnext;
    }
}

/* Translates x[0..n), n <= v->round, using and filling the TLB. */
static void memintro__translate_round(memintro_virt *v, memintro_xlate *x, size_t n, const memintro__work *w)
{
    size_t i, m = 0;
    memintro_tlb *t = v->tlb;
    for (i = 0; i < n; i++) {
        x[i].reserved = 0;
        if (t && memintro__tlb_get(t, v, &x[i])) continue;
        x[i].reserved = 1; /* walked: goes into the TLB afterwards */
        w->slot[m++] = (uint32_t)i;
    }
    if (!m) return;
    memintro__walk(v, x, m, w);
    if (!t) return;
    for (i = 0; i < n; i++)
        if (x[i].reserved) {
            memintro__tlb_put(t, v, &x[i]);
            x[i].reserved = 0;
        }
}

/* memintro_translate over a backend with direct access: the TLB lookups first (as a round
   does: a batch never evicts its own hits), then the misses walked one by one through host
   memory (nl: the mode's inline x86 walk, 0 for none), those it does not finish in groups,
   without rounds, sorting or ops, then the TLB filled. Returns the first failing status. */
MEMINTRO__INLINE memintro_status memintro__translate_direct_n(memintro_virt *v, memintro_xlate *x, size_t count,
                                                              const unsigned nl)
{
    memintro_tlb *t = v->tlb;
    memintro_xlate *xs[MEMINTRO__GROUP];
    memintro__hmem m;
    size_t i, nx = 0;
    int slow = 0;
    memintro__hmem_none(&m);
    if (t)
        for (i = 0; i < count; i++) x[i].reserved = !memintro__tlb_get(t, v, &x[i]);
    for (i = 0; i < count; i++) {
        if (t && !x[i].reserved) continue;
        if (nl && memintro__walk_x86(v, &x[i], &m, nl, 1, 1)) continue;
        slow = 1;
        if (!memintro__walk_start(v, &x[i])) continue;
        xs[nx++] = &x[i];
        if (nx == MEMINTRO__GROUP) {
            memintro__walk_group(v, xs, nx);
            nx = 0;
        }
    }
    if (nx) memintro__walk_group(v, xs, nx);
    if (t)
        for (i = 0; i < count; i++) {
            if (x[i].reserved) memintro__tlb_put(t, v, &x[i]);
            else slow = 1; /* a TLB hit: maybe a cached "not mapped" */
            x[i].reserved = 0;
        }
    if (slow) /* else every address was walked to a page inline */
        for (i = 0; i < count; i++)
            if (x[i].status != MEMINTRO_OK) return x[i].status;
    return MEMINTRO_OK;
}

static memintro_status memintro__translate_direct(memintro_virt *v, memintro_xlate *x, size_t count)
{
    switch (v->fast) {
    case 4: return memintro__translate_direct_n(v, x, count, 4);
    case 5: return memintro__translate_direct_n(v, x, count, 5);
    case 3: return memintro__translate_direct_n(v, x, count, 3);
    default: return memintro__translate_direct_n(v, x, count, 0);
    }
}

MEMINTRO__DEF memintro_status memintro_translate(memintro_virt *v, memintro_xlate *x, size_t count)
{
    memintro__work w = memintro__carve(v);
    size_t done = 0, i;
    if (!v->round) { /* memintro_virt_init failed or was not called */
        for (i = 0; i < count; i++) {
            x[i].status = MEMINTRO_E_INVALID;
            x[i].pa = x[i].page_size = 0;
            x[i].flags = x[i].level = 0;
        }
        return count ? MEMINTRO_E_INVALID : MEMINTRO_OK;
    }
    if (v->phys->direct) return memintro__translate_direct(v, x, count);
    while (done < count) {
        size_t n = MEMINTRO__MIN(count - done, v->round);
        memintro__translate_round(v, x + done, n, &w);
        done += n;
    }
    for (i = 0; i < count; i++)
        if (x[i].status != MEMINTRO_OK) return x[i].status;
    return MEMINTRO_OK;
}

/* ---- virtual reads and writes ---- */

/* A virtual read or write in progress. Each page piece becomes a data operation at once:
   on a TLB hit with its physical address, on a miss as a placeholder that the walk at the
   end of the round fills in. The round then moves every piece's data in ONE physical batch,
   in piece order (so writes to the same place land in the caller's order). */
typedef struct memintro__rw {
    memintro_virt *v;
    memintro_op *ops; /* the caller's batch */
    memintro__work w;
    size_t nd, nx;    /* data operations and walked pieces in this round */
    int write;
    int dirty;        /* some data operation is a placeholder or a failed piece */
} memintro__rw;

/* Ends a round: walks the pieces that missed the TLB (all together, level by level) and
   puts them into the TLB, fails the pieces that did not translate (in piece order, zeroing
   them on read), then moves the data of the others in one physical batch. */
#define MEMINTRO__NONE 0xffffffffu
#define MEMINTRO__SET 0xfffffffeu
static void memintro__rw_flush(memintro__rw *r)
{
    memintro__work *w = &r->w;
    memintro_tlb *t = r->v->tlb;
    size_t i, k, nd = r->nd;
    if (r->nx) {
        for (k = 0; k < r->nx; k++) w->slot[k] = (uint32_t)k;
        memintro__walk(r->v, w->x, r->nx, w);
        for (k = 0; k < r->nx; k++) {
            const memintro_xlate *x = &w->x[k];
            memintro_op *d = &w->data[w->dest[k]];
            if (t) memintro__tlb_put(t, r->v, x);
            d->addr = x->pa;
            d->status = x->status;
        }
    }
    if (r->dirty) {
        /* The pieces that did not translate are failed (zeroed on read) in piece order and
           dropped, and neighbours that turned out to be contiguous merged, into w->ops (free
           once the walk is done; w->opidx holds their owners). An op's status must be the
           reason of its lowest failed piece: when a merged op's bytes fail below a piece of
           the same op that did not translate and set its status, the status is corrected.
           w->dest[i]: the merged op piece i starts, MEMINTRO__SET for the piece that set its
           op's status here, MEMINTRO__NONE otherwise. */
        memintro_op *c = w->ops;
        uint32_t *cown = w->opidx;
        size_t nc = 0;
        memintro_status bs = MEMINTRO_OK;
        for (i = 0; i < r->nd; i++) {
            const memintro_op *d = &w->data[i];
            memintro_op *p = nc ? &c[nc - 1] : 0;
            w->dest[i] = MEMINTRO__NONE;
            if (d->status != MEMINTRO_OK) {
                memintro_op *op = &r->ops[w->owner[i]];
                if (op->status == MEMINTRO_OK) w->dest[i] = MEMINTRO__SET;
                memintro_op_fail(op, d->status, (size_t)((uint8_t *)d->buf - (uint8_t *)op->buf), d->len, !r->write);
                continue;
            }
            if (p && cown[nc - 1] == w->owner[i] && p->addr + p->len == d->addr &&
                (uint8_t *)p->buf + p->len == (uint8_t *)d->buf) {
                p->len += d->len;
                continue;
            }
            c[nc] = *d;
            cown[nc] = w->owner[i];
            w->dest[i] = (uint32_t)nc++;
        }
        if (nc) bs = r->write ? memintro_phys_write(r->v->phys, c, nc) : memintro_phys_read(r->v->phys, c, nc);
        for (i = 0; bs != MEMINTRO_OK && i < r->nd; i++) { /* some bytes failed (rare) */
            memintro_op *op = &r->ops[w->owner[i]];
            const memintro_op *f = w->dest[i] < MEMINTRO__SET ? &c[w->dest[i]] : 0;
            memintro_status before = op->status;
            if (!f || f->status == MEMINTRO_OK) continue;
            memintro_op_fail(op, f->status, 0, f->missing, 0);
            if (before != MEMINTRO_OK)
                for (k = i + 1; k < r->nd && w->owner[k] == w->owner[i]; k++)
                    if (w->dest[k] == MEMINTRO__SET) { /* set by a higher piece */
                        op->status = f->status;
                        w->dest[k] = MEMINTRO__NONE;
                        break;
                    }
        }
        r->nd = r->nx = 0;
        r->dirty = 0;
        return;
    }
    r->nd = r->nx = 0;
    if (!nd) return;
    if (r->write)
        memintro_phys_write(r->v->phys, w->data, nd);
    else
        memintro_phys_read(r->v->phys, w->data, nd);
    for (i = 0; i < nd; i++) {
        const memintro_op *d = &w->data[i];
        if (d->status != MEMINTRO_OK) memintro_op_fail(&r->ops[w->owner[i]], d->status, 0, d->missing, 0);
    }
}

/* Copies len bytes from host memory; the sizes of guest fields get fixed-size copies that
   the compiler turns into single moves. */
MEMINTRO__INLINE void memintro__copy_out(void *buf, const uint8_t *h, size_t len)
{
    if (len == 8) {
        MEMINTRO_MEMCPY(buf, h, 8);
        return;
    }
    switch (len) {
    case 4: MEMINTRO_MEMCPY(buf, h, 4); break;
    case 2: MEMINTRO_MEMCPY(buf, h, 2); break;
    case 1: MEMINTRO_MEMCPY(buf, h, 1); break;
    default: MEMINTRO_MEMCPY(buf, h, len); break;
    }
}

/* memintro__copy_out, then MEMINTRO_OK: called last, so that a function whose own copies
   are fixed-size moves needs no stack frame. */
static MEMINTRO__NOINLINE memintro_status memintro__copy_ok(void *buf, const uint8_t *h, size_t len)
{
    MEMINTRO_MEMCPY(buf, h, len);
    return MEMINTRO_OK;
}

/* One virtual read from a backend with direct access, without the round machinery, when
   it lies in one page (of any size) and in host memory: translated by the TLB or a
   one-address walk through host pointers (the result goes into the TLB), then one copy.
   Returns 1 when the len bytes were read, 0 otherwise: the caller then runs the general
   path, which reports what failed, and which moves reads over several pages faster (it
   loads the next piece while copying one). */
static int memintro__read_direct(memintro_virt *v, uint64_t va, uint8_t *buf, size_t len)
{
    memintro_tlb *t = v->tlb;
    const unsigned shift = v->page_shift;
    const uint64_t gmask = ((uint64_t)1 << shift) - 1;
    const memintro_tlb_entry *e = 0;
    const uint8_t *h;
    uint64_t pa, run, avail = 0, tag = 0;
    if (!len || va + (len - 1) < va) return 0; /* nothing to read, or past the top of the address space */
    if (t) {
        e = memintro__tlb_at(t, v->key[va >> 63], (unsigned)(va >> 63), va >> shift, &tag);
        if (e->tag != tag) e = 0;
    }
    if (e) {
        const uint64_t val = e->val;
        const unsigned sh = (unsigned)(val >> 52) & 63;
        if (val & MEMINTRO__TLB_UNMAPPED) return 0;
        t->hits++;
        pa = (val & MEMINTRO__TLB_FRAME) + (va & gmask);
        run = ((uint64_t)1 << sh) - (va & (((uint64_t)1 << sh) - 1));
    } else {
        memintro_xlate x;
        memintro__hmem m;
        x.va = va;
        memintro__hmem_none(&m);
        if (!memintro__walk_fast(v, &x, &m) && memintro__walk_start(v, &x)) memintro__walk_one(v, &x);
        if (t) {
            t->misses++;
            memintro__tlb_put(t, v, &x);
        }
        if (x.status != MEMINTRO_OK) return 0;
        pa = x.pa;
        run = x.page_size - (va & (x.page_size - 1));
    }
    if (run < len) return 0;
    h = memintro__direct(v->phys, pa, &avail);
    if (!h || avail < len) return 0;
    memintro__copy_out(buf, h, len);
    return 1;
}

/* memintro_virt_read1 without a TLB, of a range inside one smallest page, in a mode with an
   inline walk: the walk through host memory, then the bytes from the host memory the last
   table was found in (or a lookup). Returns 1 when the bytes were read, 0 to leave the read
   to memintro__read_direct and the general path. */
MEMINTRO__INLINE int memintro__read1_walk(memintro_virt *v, uint64_t va, void *buf, size_t len, uint64_t *pa)
{
    memintro_xlate x;
    memintro__hmem m;
    int ok;
    x.va = va;
    memintro__hmem_none(&m);
    /* only the range the backend's last lookup hit (no calls: this stays a leaf) */
    switch (v->fast) {
    case 4: ok = memintro__walk_x86(v, &x, &m, 4, 0, 0); break;
    case 5: ok = memintro__walk_x86(v, &x, &m, 5, 0, 0); break;
    case 3: ok = memintro__walk_x86(v, &x, &m, 3, 0, 0); break;
    default: ok = 0; break;
    }
    if (!ok) return 0;
    *pa = x.pa;
    if (x.pa - m.lo > m.last + 8 - len || len > m.last + 8) return 2; /* data outside the tables' range */
    memintro__copy_out(buf, m.base + (x.pa - m.lo), len);
    return 1;
}

static MEMINTRO__NOINLINE memintro_status memintro__read1(memintro_virt *v, uint64_t va, void *buf, size_t len);

/* memintro_virt_read1 of len bytes at va, translated to pa (inside one page), the bytes
   found by a lookup. */
static MEMINTRO__NOINLINE memintro_status memintro__read1_at(memintro_virt *v, uint64_t pa, uint64_t va, void *buf,
                                                             size_t len)
{
    uint64_t avail = 0;
    const uint8_t *h = memintro__direct(v->phys, pa, &avail);
    if (h && avail >= len) {
        memintro__copy_out(buf, h, len);
        return MEMINTRO_OK;
    }
    return memintro__read1(v, va, buf, len);
}

/* A TLB hit for memintro__virt_rw: 1 with *pa when t holds a mapped translation of va in
   the address spaces whose slot offsets and tag bits are mix and tag, else 0. */
MEMINTRO__INLINE int memintro__tlb_mapped(const memintro_tlb *t, const uint64_t *mix, const uint64_t *tag, unsigned shift,
                                          uint64_t va, uint64_t *pa)
{
    const uint64_t vp = va >> shift;
    const unsigned h = (unsigned)(va >> 63);
    const memintro_tlb_entry *e = &t->entries[(size_t)(vp + mix[h]) & t->mask];
    if (e->tag != (vp | tag[h]) || (e->val & MEMINTRO__TLB_UNMAPPED)) return 0;
    *pa = (e->val & MEMINTRO__TLB_FRAME) + (va & (((uint64_t)1 << shift) - 1));
    return 1;
}

/* Copies n small pieces gathered by memintro__virt_rw; returns 0. */
#define MEMINTRO__PAIRS 256
static size_t memintro__copy_pairs(uint8_t *const *dst, const uint8_t *const *src, const uint8_t *len, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++) memintro__copy_out(dst[k], src[k], len[k]);
    return 0;
}

static memintro_status memintro__virt_rw(memintro_virt *v, memintro_op *ops, size_t count, int write)
{
    memintro__rw r;
    memintro_tlb *t = v->tlb;
    unsigned shift = v->page_shift;
    uint64_t gmask = ((uint64_t)1 << shift) - 1;
    uint64_t mix[2] = {0, 0}, tag[2] = {0, 0}, hits = 0, misses = 0;
    memintro_op *data;
    uint32_t *owner;
    size_t i, nd = 0, round = v->round;
    /* Small read pieces of TLB hits over a backend with direct access are gathered as
       (destination, host source, length) and copied in a loop of their own, without ops or
       a second lookup: host memory of the last range looked up is guest-physical
       [hlo, hlo + hlen) at hbase. The pairs are copied before any other call into the
       backend (which may move what direct pointers point at). */
    const int direct = !write && v->phys && v->phys->direct != 0; /* (no phys: virt_init failed) */
    const uint8_t *hbase = 0, *src[MEMINTRO__PAIRS];
    uint8_t *dst[MEMINTRO__PAIRS];
    uint8_t plen[MEMINTRO__PAIRS];
    uint64_t hlo = 0, hlen = 0;
    size_t np = 0;
    if (!count) return MEMINTRO_OK;
    if (!ops) return MEMINTRO_E_INVALID;
    if (!v->round) { /* memintro_virt_init failed or was not called */
        memintro_ops_fail(ops, count, MEMINTRO_E_INVALID, !write);
        return MEMINTRO_E_INVALID;
    }
    if (count == 1 && !write && v->phys->direct && memintro__read_direct(v, ops->addr, (uint8_t *)ops->buf, ops->len)) {
        ops->status = MEMINTRO_OK;
        ops->missing = 0;
        return MEMINTRO_OK;
    }
    if (t) { /* the slot offsets and tag bits of both halves' address spaces */
        unsigned h;
        for (h = 0; h < 2; h++) memintro__tlb_at(t, v->key[h], h, 0, &tag[h]);
        for (h = 0; h < 2; h++) {
            tag[h] = t->cur_tag[h]; /* (again: the second lookup may have renumbered the first) */
            mix[h] = t->cur_mix[h];
        }
    }
    if (count == 1 && t && ops->len && ops->len - 1 <= gmask - (ops->addr & gmask)) {
        /* One op inside one page, the usual read of a guest structure: on a TLB hit it
           goes straight to the backend, without the round machinery. */
        memintro_op *op = ops;
        memintro_op d;
        if (memintro__tlb_mapped(t, mix, tag, shift, op->addr, &d.addr)) {
            t->hits++;
            d.buf = op->buf;
            d.len = op->len;
            d.missing = 0;
            d.status = MEMINTRO_OK;
            d.flags = op->flags & ~MEMINTRO_OP_TABLE;
            if (write)
                memintro_phys_write(v->phys, &d, 1);
            else
                memintro_phys_read(v->phys, &d, 1);
            op->status = d.status;
            op->missing = d.status == MEMINTRO_OK ? 0 : d.missing;
            return op->status;
        }
    }
    r.v = v;
    r.ops = ops;
    r.w = memintro__carve(v);
    r.nd = r.nx = 0;
    r.write = write;
    r.dirty = 0;
    data = r.w.data;
    owner = r.w.owner;
    for (i = 0; i < count; i++) {
        memintro_op *op = &ops[i];
        uint8_t *buf = (uint8_t *)op->buf;
        uint64_t off = 0;
        if (t && i + MEMINTRO__AHEAD < count) { /* start loading a later op's TLB entry */
            uint64_t a = ops[i + MEMINTRO__AHEAD].addr;
            MEMINTRO_PREFETCH(&t->entries[(size_t)((a >> shift) + mix[a >> 63]) & t->mask]);
        }
        if (direct && t && op->len - 1 < 16 && (op->addr & gmask) + op->len - 1 <= gmask) {
            /* the usual guest read, a small field inside one page: a TLB hit in host memory
               of the range looked up last becomes a pair at once */
            uint64_t pa;
            if (memintro__tlb_mapped(t, mix, tag, shift, op->addr, &pa) && pa - hlo < hlen &&
                hlen - (pa - hlo) >= op->len) {
                hits++;
                op->status = MEMINTRO_OK;
                op->missing = 0;
                src[np] = hbase + (pa - hlo);
                MEMINTRO_PREFETCH(src[np]);
                dst[np] = buf;
                plen[np++] = (uint8_t)op->len;
                if (np == MEMINTRO__PAIRS) np = memintro__copy_pairs(dst, src, plen, np);
                continue;
            }
        }
        /* the large page the previous piece of this op hit: later pieces inside it need
           no TLB lookup (a 1 MiB read in a 2 MiB page is one lookup, not 256) */
        uint64_t big_va = 0, big_pa = 0, big_mask = 0;
        memintro_op *prev = 0; /* this op's last data operation, while it can grow */
        op->status = MEMINTRO_OK;
        op->missing = 0;
        while (off < op->len) {
            uint64_t va = op->addr + off, pa = 0;
            uint64_t len = gmask + 1 - (va & gmask);
            memintro_status st = MEMINTRO_OK;
            if (len > op->len - off) len = op->len - off;
            if (va < op->addr) { /* wrapped past the top of the address space */
                memintro_op_fail(op, MEMINTRO_E_NONCANONICAL, (size_t)off, (size_t)(op->len - off), !write);
                break;
            }
            if (big_mask && (va & ~big_mask) == big_va) {
                pa = big_pa + (va & big_mask);
            } else {
                uint64_t vp = va >> shift;
                unsigned half = (unsigned)(va >> 63);
                const memintro_tlb_entry *e = t ? &t->entries[(size_t)(vp + mix[half]) & t->mask] : 0;
                if (e && e->tag == (vp | tag[half])) {
                    const uint64_t val = e->val;
                    unsigned sh = (unsigned)(val >> 52) & 63;
                    hits++;
                    st = (val & MEMINTRO__TLB_UNMAPPED) ? MEMINTRO_E_UNMAPPED : MEMINTRO_OK;
                    pa = (val & MEMINTRO__TLB_FRAME) + (va & gmask);
                    if (st == MEMINTRO_OK && sh > shift && sh < 64) {
                        big_mask = ((uint64_t)1 << sh) - 1;
                        big_va = va & ~big_mask;
                        big_pa = pa - (va & big_mask);
                    }
                } else {
                    misses += t != 0;
                    r.w.x[r.nx].va = va; /* walked at the end of the round */
                    r.w.dest[r.nx++] = (uint32_t)nd;
                    st = MEMINTRO_E_UNMAPPED; /* placeholder until then; never merged */
                }
            }
            if (direct && st == MEMINTRO_OK && len <= 16) {
                if (pa - hlo >= hlen || hlen - (pa - hlo) < len) {
                    hbase = memintro__direct_range(v->phys, pa, &hlo, &hlen);
                    if (!hbase) hlo = hlen = 0;
                }
                if (hbase && pa - hlo < hlen && hlen - (pa - hlo) >= len) {
                    src[np] = hbase + (pa - hlo);
                    MEMINTRO_PREFETCH(src[np]); /* its miss overlaps the lookups that follow */
                    dst[np] = buf + off;
                    plen[np++] = (uint8_t)len;
                    if (np == MEMINTRO__PAIRS) np = memintro__copy_pairs(dst, src, plen, np);
                    off += len;
                    prev = 0;
                    continue;
                }
            }
            if (st == MEMINTRO_OK && prev && prev->addr + prev->len == pa) {
                prev->len += (size_t)len; /* contiguous in both guest-physical memory and the buffer */
            } else {
                memintro_op *d = &data[nd];
                d->addr = pa;
                d->buf = buf + off;
                d->len = (size_t)len;
                d->missing = 0;
                d->status = st;
                d->flags = op->flags & ~MEMINTRO_OP_TABLE;
                owner[nd++] = (uint32_t)i;
                prev = st == MEMINTRO_OK ? d : 0;
                if (st != MEMINTRO_OK) r.dirty = 1;
            }
            off += len;
            if (nd == round) {
                np = memintro__copy_pairs(dst, src, plen, np);
                hbase = 0;
                hlo = hlen = 0;
                r.nd = nd;
                memintro__rw_flush(&r);
                nd = 0;
                prev = 0;
            }
        }
    }
    memintro__copy_pairs(dst, src, plen, np);
    r.nd = nd;
    memintro__rw_flush(&r);
    if (t) {
        t->hits += hits;
        t->misses += misses;
    }
    return memintro_ops_status(ops, count);
}

MEMINTRO__DEF memintro_status memintro_virt_read(memintro_virt *v, memintro_op *ops, size_t count)
{
    return memintro__virt_rw(v, ops, count, 0);
}

MEMINTRO__DEF memintro_status memintro_virt_write(memintro_virt *v, memintro_op *ops, size_t count)
{
    if (v->phys && !v->phys->write) {
        if (ops) memintro_ops_fail(ops, count, MEMINTRO_E_READONLY, 0);
        return count ? MEMINTRO_E_READONLY : MEMINTRO_OK;
    }
    return memintro__virt_rw(v, ops, count, 1);
}

/* memintro_virt_read1 past its first test: no TLB, a TLB miss, another backend, a read
   across pages or one that fails. */
static MEMINTRO__NOINLINE memintro_status memintro__read1(memintro_virt *v, uint64_t va, void *buf, size_t len)
{
    memintro_op op;
    if (v->round && v->phys->direct && memintro__read_direct(v, va, (uint8_t *)buf, len)) return MEMINTRO_OK;
    op.addr = va;
    op.buf = buf;
    op.len = len;
    op.missing = 0;
    op.status = MEMINTRO_OK;
    op.flags = 0;
    return memintro_virt_read(v, &op, 1);
}

/* memintro_virt_read1 without a TLB. */
static MEMINTRO__NOINLINE memintro_status memintro__read1_notlb(memintro_virt *v, uint64_t va, void *buf, size_t len)
{
    if (v->fast) { /* (set only by a memintro_virt_init that succeeded; the walk itself sees
                      whether the backend is the core's own) */
        const uint64_t gmask = v->page_mask;
        uint64_t pa = 0;
        int done = len - 1 <= gmask - (va & gmask) ? memintro__read1_walk(v, va, buf, len, &pa) : 0;
        if (done == 1) return MEMINTRO_OK;
        if (done == 2) return memintro__read1_at(v, pa, va, buf, len);
    }
    return memintro__read1(v, va, buf, len);
}

MEMINTRO__DEF memintro_status memintro_virt_read1(memintro_virt *v, uint64_t va, void *buf, size_t len)
{
    /* The read of a guest field: inside one page, a TLB hit, the bytes in the core's own
       mapped-memory backend in the range its last lookup hit. Short enough to need no
       stack frame; everything else is memintro__read1's. (A TLB is attached only to a
       virt that memintro_virt_init accepted, so v->phys is set.) */
    memintro_tlb *t = v->tlb;
    if (t && v->phys->direct == memintro__buffer_direct) {
        const unsigned shift = v->page_shift, h = (unsigned)(va >> 63);
        const uint64_t gmask = v->page_mask, vp = va >> shift;
        const memintro_tlb_entry *e = &t->entries[(size_t)(vp + t->cur_mix[h]) & t->mask];
        if (len - 1 <= gmask - (va & gmask) && t->cur_dtb[h] == v->key[h] && e->tag == (vp | t->cur_tag[h]) &&
            !(e->val & MEMINTRO__TLB_UNMAPPED)) {
            const uint64_t pa = (e->val & MEMINTRO__TLB_FRAME) + (va & gmask);
            memintro_buffer *b = (memintro_buffer *)v->phys;
            const memintro_memmap *m = b->map;
            if (b->hint < m->count) {
                const memintro_range *r = &m->ranges[b->hint];
                const uint64_t off = pa - r->start;
                if (off < r->size && len <= r->size - off) {
                    const uint8_t *hp = MEMINTRO__AT(b, r->offset + off);
                    t->hits++;
                    if (len == 8) {
                        MEMINTRO_MEMCPY(buf, hp, 8); /* the common guest read */
                        return MEMINTRO_OK;
                    }
                    if (len == 4) {
                        MEMINTRO_MEMCPY(buf, hp, 4);
                        return MEMINTRO_OK;
                    }
                    return memintro__copy_ok(buf, hp, len);
                }
            }
        }
    } else if (!t) {
        return memintro__read1_notlb(v, va, buf, len);
    }
    return memintro__read1(v, va, buf, len);
}

/* ---- page cache ---- */

#define MEMINTRO__CACHE_FWD 64 /* ops forwarded per call to the backend below */

MEMINTRO__DEF size_t memintro_cache_mem_size(size_t lines)
{
    return lines * (MEMINTRO_CACHE_PAGE + sizeof(memintro_cache_line)) + 16;
}

static size_t memintro__cache_slot(const memintro_cache *c, uint64_t page)
{
    return (size_t)((page >> 12) ^ (page >> 24)) & c->mask;
}

static int memintro__cache_fresh(const memintro_cache *c, const memintro_cache_line *l, uint64_t now)
{
    return !c->clock || now - l->stamp <= c->max_age;
}

/* Forwards ops[idx[0..n)] to the backend below, through a bounded copy. */
static void memintro__cache_forward(memintro_cache *c, memintro_op *ops, const uint32_t *idx, size_t n, int write)
{
    memintro_op fwd[MEMINTRO__CACHE_FWD];
    size_t i;
    for (i = 0; i < n; i++) fwd[i] = ops[idx[i]];
    if (write)
        memintro_phys_write(c->below, fwd, n);
    else
        memintro_phys_read(c->below, fwd, n);
    for (i = 0; i < n; i++) {
        ops[idx[i]].status = fwd[i].status;
        ops[idx[i]].missing = fwd[i].missing;
    }
}

static memintro_status memintro__cache_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    memintro_cache *c = (memintro_cache *)self;
    uint64_t now = c->clock ? c->clock(c->clock_user) : 0;
    size_t i = 0;
    while (i < count) {
        /* Gather up to MEMINTRO__CACHE_FWD backend reads: line fills and pass-throughs. */
        memintro_op fill[MEMINTRO__CACHE_FWD];
        uint32_t fill_op[MEMINTRO__CACHE_FWD], pass[MEMINTRO__CACHE_FWD];
        uint32_t dep_op[MEMINTRO__CACHE_FWD], dep_fill[MEMINTRO__CACHE_FWD]; /* ops waiting on a fill */
        size_t nfill = 0, npass = 0, ndep = 0, f, j = i;
        /* a run of ops the cache does not keep (data under MEMINTRO_CACHE_TABLES, ops that
           cross a page) goes to the backend in place, as one batch, without copies */
        while (j < count && ops[j].len &&
               (!((c->policy & MEMINTRO_CACHE_ALL) || (ops[j].flags & MEMINTRO_OP_TABLE)) ||
                (ops[j].addr & (MEMINTRO_CACHE_PAGE - 1)) + ops[j].len > MEMINTRO_CACHE_PAGE))
            j++;
        if (j > i) {
            memintro_phys_read(c->below, ops + i, j - i);
            i = j;
            continue;
        }
        for (; i < count && nfill < MEMINTRO__CACHE_FWD && npass < MEMINTRO__CACHE_FWD && ndep < MEMINTRO__CACHE_FWD;
             i++) {
            memintro_op *op = &ops[i];
            uint64_t page = op->addr & ~(uint64_t)(MEMINTRO_CACHE_PAGE - 1);
            size_t line;
            memintro_cache_line *l;
            op->status = MEMINTRO_OK;
            op->missing = 0;
            if (!op->len) continue;
            if (!((c->policy & MEMINTRO_CACHE_ALL) || (op->flags & MEMINTRO_OP_TABLE)) ||
                (op->addr & (MEMINTRO_CACHE_PAGE - 1)) + op->len > MEMINTRO_CACHE_PAGE) {
                pass[npass++] = (uint32_t)i;
                continue;
            }
            line = memintro__cache_slot(c, page);
            l = &c->lines[line];
            if (l->tag == page + 1 && memintro__cache_fresh(c, l, now)) {
                c->hits++;
                MEMINTRO_MEMCPY(op->buf, c->data + line * MEMINTRO_CACHE_PAGE + (op->addr - page), op->len);
                continue;
            }
            c->misses++;
            /* a line already being filled in this round for another page: read directly */
            for (f = 0; f < nfill; f++)
                if (fill[f].buf == c->data + line * MEMINTRO_CACHE_PAGE) break;
            if (f < nfill && fill[f].addr == page) {
                dep_op[ndep] = (uint32_t)i; /* the same page: served by that fill */
                dep_fill[ndep++] = (uint32_t)f;
                continue;
            }
            if (f < nfill) {
                pass[npass++] = (uint32_t)i; /* rare: served by the backend directly */
                continue;
            }
            l->tag = 0;
            fill[nfill].addr = page;
            fill[nfill].buf = c->data + line * MEMINTRO_CACHE_PAGE;
            fill[nfill].len = MEMINTRO_CACHE_PAGE;
            fill[nfill].flags = op->flags;
            fill_op[nfill++] = (uint32_t)i;
        }
        if (nfill) memintro_phys_read(c->below, fill, nfill);
        for (f = 0; f < nfill + ndep; f++) {
            uint32_t oi = f < nfill ? fill_op[f] : dep_op[f - nfill];
            size_t k = f < nfill ? f : dep_fill[f - nfill];
            memintro_op *op = &ops[oi];
            if (fill[k].status == MEMINTRO_OK) {
                if (f < nfill) {
                    memintro_cache_line *l = &c->lines[((uint8_t *)fill[f].buf - c->data) / MEMINTRO_CACHE_PAGE];
                    l->tag = fill[f].addr + 1;
                    l->stamp = now;
                }
                MEMINTRO_MEMCPY(op->buf, (uint8_t *)fill[k].buf + (op->addr - fill[k].addr), op->len);
            } else if (npass < MEMINTRO__CACHE_FWD) {
                pass[npass++] = oi; /* part of the page is missing: ask for the op itself */
            } else {
                memintro__cache_forward(c, ops, pass, npass, 0);
                npass = 0;
                pass[npass++] = oi;
            }
        }
        if (npass) memintro__cache_forward(c, ops, pass, npass, 0);
    }
    return memintro_ops_status(ops, count);
}

static memintro_status memintro__cache_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    memintro_cache *c = (memintro_cache *)self;
    size_t i;
    memintro_status s = memintro_phys_write(c->below, ops, count);
    for (i = 0; i < count; i++) {
        uint64_t page, end;
        if (!ops[i].len) continue;
        page = ops[i].addr & ~(uint64_t)(MEMINTRO_CACHE_PAGE - 1);
        end = (ops[i].addr + ops[i].len - 1) & ~(uint64_t)(MEMINTRO_CACHE_PAGE - 1);
        for (;; page += MEMINTRO_CACHE_PAGE) {
            memintro_cache_line *l = &c->lines[memintro__cache_slot(c, page)];
            if (l->tag == page + 1) l->tag = 0;
            if (page == end) break;
        }
    }
    return s;
}

MEMINTRO__DEF memintro_status memintro_cache_init(memintro_cache *c, memintro_phys *below, void *mem, size_t mem_size,
                                                 uint32_t policy)
{
    size_t n = 1;
    uint8_t *p;
    uintptr_t a;
    MEMINTRO_MEMSET(c, 0, sizeof *c);
    if (!below || !mem) return MEMINTRO_E_INVALID;
    if (mem_size < memintro_cache_mem_size(1)) return MEMINTRO_E_NOSPACE;
    while (memintro_cache_mem_size(n * 2) <= mem_size && n * 2 != 0) n *= 2;
    a = (uintptr_t)mem;
    p = (uint8_t *)mem + ((16 - (a & 15)) & 15);
    c->phys.read = memintro__cache_read;
    c->phys.write = below->write ? memintro__cache_write : 0;
    c->below = below;
    c->lines = (memintro_cache_line *)p;
    c->data = p + n * sizeof(memintro_cache_line);
    c->mask = n - 1;
    c->policy = policy;
    memintro_cache_invalidate(c);
    return MEMINTRO_OK;
}

MEMINTRO__DEF void memintro_cache_set_clock(memintro_cache *c, uint64_t (*clock)(void *user), void *user, uint64_t max_age)
{
    c->clock = clock;
    c->clock_user = user;
    c->max_age = max_age;
}

MEMINTRO__DEF void memintro_cache_invalidate(memintro_cache *c)
{
    if (c->lines) MEMINTRO_MEMSET(c->lines, 0, (c->mask + 1) * sizeof(memintro_cache_line));
}

/* ---- pattern search ---- */

typedef memintro_status (*memintro__read_fn)(void *ctx, memintro_op *ops, size_t count);

static memintro_status memintro__scan_phys_read(void *ctx, memintro_op *ops, size_t count)
{
    return memintro_phys_read((memintro_phys *)ctx, ops, count);
}

static memintro_status memintro__scan_virt_read(void *ctx, memintro_op *ops, size_t count)
{
    return memintro_virt_read((memintro_virt *)ctx, ops, count);
}

static int memintro__match(const uint8_t *p, const uint8_t *pat, const uint8_t *mask, size_t len)
{
    size_t i;
    if (mask) {
        for (i = 0; i < len; i++)
            if ((p[i] ^ pat[i]) & mask[i]) return 0;
    } else {
        for (i = 0; i < len; i++)
            if (p[i] != pat[i]) return 0;
    }
    return 1;
}

/* Searches buf[0..n) (guest address base) for matches that start before buf + limit.
   Returns 1 when fn asked to stop. */
static int memintro__scan_buf(const uint8_t *buf, size_t n, size_t limit, uint64_t base, const uint8_t *pat,
                              const uint8_t *mask, size_t len, uint64_t align, memintro_scan_fn fn, void *user)
{
    size_t i, anchor = 0;
    if (n < len) return 0;
    if (limit > n - len + 1) limit = n - len + 1;
    /* anchor on the first byte the mask fully pins down */
    if (mask) {
        for (anchor = 0; anchor < len && mask[anchor] != 0xff; anchor++) {}
        if (anchor == len) anchor = 0;
    }
    for (i = 0; i < limit; i++) {
        if ((!mask || mask[anchor] == 0xff) && buf[i + anchor] != pat[anchor]) continue;
        if (align > 1 && ((base + i) & (align - 1))) continue;
        if (memintro__match(buf + i, pat, mask, len) && fn(user, base + i)) return 1;
    }
    return 0;
}

/* Pages a search steps over: memory that is not there. Any other failure (the target went
   away, an I/O error, a malformed dump page) ends the search with that status. */
static int memintro__scan_skips(memintro_status s)
{
    return s == MEMINTRO_E_HOLE || s == MEMINTRO_E_UNMAPPED || s == MEMINTRO_E_NONCANONICAL;
}

static memintro_status memintro__scan(memintro__read_fn rd, void *ctx, uint64_t start, uint64_t end,
                                      const void *pattern, const void *mask, size_t len, uint64_t align, void *work,
                                      size_t work_size, memintro_scan_fn fn, void *user)
{
    const size_t P = 4096;
    uint8_t *base;
    memintro_op *ops;
    size_t npages, carry = 0;
    uint64_t at, carry_addr = 0;
    uintptr_t a;
    if (!pattern || !fn || !work || len < 1 || len > P || end < start) return MEMINTRO_E_INVALID;
    if (align > 1 && (align & (align - 1))) return MEMINTRO_E_INVALID;
    a = (uintptr_t)work;
    ops = (memintro_op *)((uint8_t *)work + ((16 - (a & 15)) & 15));
    if (work_size < MEMINTRO_SCAN_WORK_MIN) return MEMINTRO_E_NOSPACE;
    npages = (work_size - 16 - P) / (P + sizeof(memintro_op));
    base = (uint8_t *)(ops + npages); /* P bytes of carry room, then npages pages */
    at = start & ~(uint64_t)(P - 1);
    while (at < end) {
        size_t k, got = 0;
        /* read up to npages pages, one op each, so an unreadable page fails alone */
        for (k = 0; k < npages && at + k * P < end && at + k * P >= at; k++) {
            ops[k].addr = at + k * P;
            ops[k].buf = base + P + k * P;
            ops[k].len = P;
            ops[k].flags = 0;
            got++;
        }
        rd(ctx, ops, got);
        for (k = 0; k < got;) {
            /* a run of readable pages [k, r) */
            size_t r = k, run_len, skip;
            uint8_t *run;
            uint64_t run_addr;
            if (ops[k].status != MEMINTRO_OK) {
                if (!memintro__scan_skips(ops[k].status)) return ops[k].status; /* the target failed */
                carry = 0;
                k++;
                continue;
            }
            while (r < got && ops[r].status == MEMINTRO_OK) r++;
            run = base + P + k * P;
            run_addr = ops[k].addr;
            run_len = (r - k) * P;
            if (carry && carry_addr + carry == run_addr) { /* prepend the previous tail */
                run -= carry;
                run_addr -= carry;
                run_len += carry;
            }
            /* clip to [start, end) */
            skip = run_addr < start ? (size_t)(start - run_addr) : 0;
            if (run_addr + run_len > end) run_len = (size_t)(end - run_addr);
            if (skip < run_len &&
                memintro__scan_buf(run + skip, run_len - skip, run_len - skip, run_addr + skip, (const uint8_t *)pattern,
                                   (const uint8_t *)mask, len, align, fn, user))
                return MEMINTRO_OK;
            /* keep the last len-1 bytes when the run reaches the end of this chunk (not when
               it was cut at `end`: the scan is over, and such a short run could overlap
               the carry room) */
            carry = 0;
            if (r == got && len > 1 && run_len >= len - 1 && run_addr + run_len < end) {
                carry = len - 1;
                /* matches starting in the tail were not complete; they are re-tried next round
                   only if they did not fit: scan_buf stops at n - len + 1, so tails are fresh */
                MEMINTRO_MEMCPY(base + P - carry, run + run_len - carry, carry);
                carry_addr = run_addr + run_len - carry;
            }
            k = r;
        }
        at += got * P;
        if (!got || at < ops[0].addr) break; /* wrapped */
    }
    return MEMINTRO_OK;
}

MEMINTRO__DEF memintro_status memintro_scan_phys(memintro_phys *p, uint64_t start, uint64_t end, const void *pattern,
                                                const void *mask, size_t len, uint64_t align, void *work,
                                                size_t work_size, memintro_scan_fn fn, void *user)
{
    return memintro__scan(memintro__scan_phys_read, p, start, end, pattern, mask, len, align, work, work_size, fn, user);
}

MEMINTRO__DEF memintro_status memintro_scan_virt(memintro_virt *v, uint64_t start, uint64_t end, const void *pattern,
                                                const void *mask, size_t len, uint64_t align, void *work,
                                                size_t work_size, memintro_scan_fn fn, void *user)
{
    return memintro__scan(memintro__scan_virt_read, v, start, end, pattern, mask, len, align, work, work_size, fn, user);
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__MIN
#undef MEMINTRO__TLB_FRAME
#undef MEMINTRO__NONE
#undef MEMINTRO__SET
#undef MEMINTRO__TLB_UNMAPPED
#undef MEMINTRO__TLB_MAX_ID
#undef MEMINTRO__NOINLINE
#undef MEMINTRO__PER_PAGE
#undef MEMINTRO__MAX_ROUND
#undef MEMINTRO__AHEAD
#undef MEMINTRO__CACHE_FWD
#undef MEMINTRO__AT
#undef MEMINTRO__FALLBACK_OPS
#undef MEMINTRO__CHUNK
#undef MEMINTRO__PAIRS
#undef MEMINTRO__DEF
#undef MEMINTRO__INLINE
#undef MEMINTRO__GROUP

#endif /* MEMINTRO_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_IMPLEMENTATION */

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
