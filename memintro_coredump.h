/* memintro_coredump.h - memory snapshot files as guest-physical memory; ELF cores written
   from any backend. Hosted (POSIX: open, fstat, mmap); builds on memintro.h.

   Opens a memory dump, detects its format from its contents, and serves the guest-physical
   memory it holds through memintro's physical-memory interface (`&d.phys`), together with
   the memory map the file describes. Addresses the file does not hold are holes: reads of
   them fail with MEMINTRO_E_HOLE (the bytes are zeroed and counted in op.missing), they
   are never passed off as memory that was zero. The file is memory-mapped: formats that
   store pages plainly (raw, ELF, Windows, LiME; not flattened streams) are served by the
   core's mapped-memory backend (memintro_buffer) over the mapping, with direct access
   (d.phys.direct, memintro_coredump_ptr); compressed kdump pages are decompressed on demand
   (with a small cache of decompressed pages). With MEMINTRO_COREDUMP_NO_MMAP the file is
   read with read(2) after open instead, so that a file that shrinks while open fails reads
   (MEMINTRO_E_IO, "... the file shrank from X to Y bytes") instead of raising SIGBUS.
   Only regular files and block devices are opened: a FIFO, character device, socket or
   directory is refused at once (MEMINTRO_E_INVALID, "PATH is not a regular file (a FIFO)").

   FORMATS READ (auto-detected, or forced with memintro_coredump_options.format)
     raw      a flat image: byte N of the file is guest-physical address raw_base + N.
              Chosen when no other format's signature is at the start of the file, or
              forced (options.format = MEMINTRO_COREDUMP_RAW, the "raw" name): then the
              file is read byte for byte whatever it starts with.
     elf      ELF cores: QEMU dump-guest-memory (with or without paging; begin/length
              filters), copies of Linux /proc/vmcore. ELFCLASS32 and 64, little-endian;
              p_paddr is guest-physical; p_filesz < p_memsz tails are holes; more than
              65535 segments (PN_XNUM); overlapping segments (paging=true dumps map the
              same physical page at several virtual addresses) are merged. Notes read:
              CORE/NT_PRSTATUS (x86-64 and i386 layouts), QEMU's CPU state ("QEMU", type 0:
              CR0-CR4, segments, descriptor tables) and VMCOREINFO. e_phentsize must be
              the program header size (56 or 32). The description counts the PT_LOAD
              headers and names the layout found in the file: "QEMU dump-guest-memory"
              (QEMU's CPU notes with section headers before the program headers, or
              p_vaddr != p_paddr), "/proc/vmcore layout" (notes first, right after the ELF
              header; also what the writer below produces).
     kdump    kdump-compressed ("KDUMP   ") files as written by QEMU dump-guest-memory
              (kdump-zlib/-lzo/-snappy: the flattened stream; QEMU 8.2's kdump-raw-* write the
              seekable file) and by makedumpfile (seekable, or flattened with -F); 32- and
              64-bit headers; pages stored plain or compressed with zlib, lzo, snappy or zstd;
              filtered dumps (makedumpfile -d: pages the dump says exist but did not save are
              holes) and incomplete dumps. A flattened ELF core (makedumpfile -E -F) too.
     windows  Windows crash dumps with the 64-bit ("PAGEDU64") and the 32-bit ("PAGEDUMP")
              header: full dumps (type 1, physical memory runs) and bitmap dumps (type 5,
              "FDMP" complete or "SDMP" kernel bitmaps).
     lime     LiME files (the "lime" format: a header before each physical range).

   A file that starts like one of these formats but is damaged (truncated, segments past
   the end, bitmaps that disagree with page counts, absurd sizes, overlapping ranges) is
   rejected: open returns MEMINTRO_E_FORMAT (or _UNSUPPORTED for a recognised variant this
   header does not read) and memintro_coredump_error() says what is wrong, e.g.
       "ELF: segment 3 (guest-physical 0x100000) ends at file offset 0x20100000, past the
        end of the file (0x1f000000 bytes; truncated?)"
   No input makes the reader touch bytes outside the file (tested by the fuzz harnesses in
   fuzz/).

   FACTS. Besides memory, a dump carries facts about the machine; open gathers them in
   d.facts (typed) and in d.fact_list (name/value text, ready to print):
     - CPUs: how many the guest had, and for each CPU whose registers the file holds its
       general registers, CR0/CR2/CR3/CR4 and segments (from QEMU's notes) as the core's
       memintro_cpu (memintro_cpu_mmu() gives its paging description);
     - the VMCOREINFO text a Linux guest publishes (QEMU -device vmcoreinfo, kdump);
     - Windows header facts: DirectoryTableBase, PsActiveProcessHead, PsLoadedModuleList,
       KdDebuggerDataBlock, PfnDataBase, MachineImageType, bugcheck, dump type...;
     - kdump header facts: header version, block size, compression, dump level, phys_base.
   facts.mode/facts.dtb suggest where a virtual-address reader starts (CPU 0's CR3 and mode,
   or the Windows DirectoryTableBase).

   WRITING. memintro_coredump_write_elf() turns any memintro_phys and a memory map (a live
   VM, another dump, a buffer) into an ELF core: ELF header, program headers (one PT_NOTE,
   one PT_LOAD per guest-physical range, p_paddr = p_vaddr = the address; PN_XNUM when
   needed), notes, then memory - the layout of the kernel's /proc/vmcore, which every
   reader handles (QEMU 7.2 puts section headers before the program headers, which
   Debian's makedumpfile 1.7.2 cannot read; it reads these). The notes, when the facts
   name them: a CORE/NT_PRSTATUS and a QEMU CPU-state note per CPU (readers such as crash
   take CR3 from the latter) and VMCOREINFO (what makedumpfile needs to convert or
   filter). The CPU facts of a live VM come from memintro_qemu_parse_registers()
   (memintro_qemu.h: QEMU's "info registers"). The output is written front to back (a pipe works),
   memory in 1 MiB batches, with a progress callback. Bytes the source cannot read are
   written as zeros and counted (or fail the write with MEMINTRO_COREDUMP_WRITE_STRICT).
   A regular file (or a new path) is written through a temporary file beside it
   ("PATH.partial-PID"), renamed over PATH at the end and removed on any failure, so a
   failed write leaves the old PATH as it was; a character or block device or a FIFO is
   written into directly and never removed or replaced (a FIFO without a reader is refused
   at once); anything else is refused. On failure res says how many bytes reached the file
   (file_size, memory_size) and res->error names them.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_IMPLEMENTATION            (unless another file has the core)
         #define MEMINTRO_COREDUMP_IMPLEMENTATION
         #define MEMINTRO_COREDUMP_ZLIB             (optional, see below; link -lz)
         #include "memintro_coredump.h"
     Everywhere else just #include "memintro_coredump.h".
     With -std=c99 nothing beyond ISO C and the POSIX calls named here is needed; on 32-bit
     hosts define _FILE_OFFSET_BITS=64 before any include to open files over 2 GiB.

   CONFIGURATION (define before including the implementation)
     | macro                            | default    | meaning                                   |
     |----------------------------------|------------|-------------------------------------------|
     | MEMINTRO_COREDUMP_MALLOC(n, u)   | malloc(n)  | allocate n bytes (u: allocator user ptr)  |
     | MEMINTRO_COREDUMP_FREE(p, u)     | free(p)    | free what MALLOC returned                 |
     | MEMINTRO_COREDUMP_ZLIB           | undefined  | zlib pages: include <zlib.h>, link -lz    |
     | MEMINTRO_COREDUMP_LZO            | undefined  | lzo pages: <lzo/lzo1x.h>, link -llzo2     |
     | MEMINTRO_COREDUMP_SNAPPY         | undefined  | snappy pages: <snappy-c.h>, -lsnappy      |
     | MEMINTRO_COREDUMP_ZSTD           | undefined  | zstd pages: <zstd.h>, link -lzstd         |
     | MEMINTRO_COREDUMP_DLOPEN         | undefined  | load each library not compiled in at run  |
     |                                  |            | time with dlopen (libz.so.1, liblzo2.so.2,|
     |                                  |            | libsnappy.so.1, libzstd.so.1): no headers |
     |                                  |            | or link flags needed (glibc >= 2.34 has   |
     |                                  |            | dlopen in libc; older: link -ldl)         |
     | MEMINTRO_COREDUMP_CACHE_PAGES    | 16         | decompressed kdump pages kept (power of 2)|
     | MEMINTRO_COREDUMP_CHECK_PAGES    | 1<<22      | kdump: check every page descriptor at open|
     |                                  |            | when there are at most this many (above,  |
     |                                  |            | each is checked when its page is read)    |
     A page compressed with a library that is neither compiled in nor loadable reads as
     MEMINTRO_E_UNSUPPORTED and memintro_coredump_error() names the library; pages stored
     plainly (including every zero page QEMU writes) and every other format still read.
     Allocation can also be overridden per object with memintro_coredump_options.allocator
     (and memintro_coredump_write_options.allocator): the core's memintro_allocator, both
     functions or neither (one alone: MEMINTRO_E_INVALID).
     Every allocation is freed by memintro_coredump_close (and by a failed open).

   THIS LIBRARY DOES NOT
     - read from pipes, FIFOs, sockets or stdin: dumps must be regular files or block
       devices (a flattened stream saved to a file is fine);
     - survive a dump file being truncated while open in its default (mmap) mode: a read of
       the lost part faults with SIGBUS. A program that reads files others may change must
       either open with MEMINTRO_COREDUMP_NO_MMAP (reads by read(2): such a read fails with
       MEMINTRO_E_IO) or install its own SIGBUS guard around reads (sigsetjmp/siglongjmp in
       a SIGBUS handler; this header installs no signal handler). Open itself reads the
       headers through a mapping in both modes. Replacing or deleting the file is fine;
     - write into dumps (phys.write is NULL), nor write any format but ELF;
     - read Windows minidumps and the newer "RDMP" kernel dumps (types 4, 6, 8-0xA), old
       type-2 kernel dumps without a bitmap, hibernation files, VMware .vmss/.vmsn, AVML,
       split kdump files (makedumpfile --split) or big-endian ELF cores;
     - invent memory: holes, filtered-out kdump pages and ELF memsz tails are holes unless
       MEMINTRO_COREDUMP_ZERO_EXCLUDED is given (then the last two read as zeros);
     - lock: one object per thread (reads of compressed dumps share a page cache).

   REFERENCE (what each public function does, in the order declared below)
     memintro_coredump_open           open a dump file (format detected or forced)
     memintro_coredump_open_memory    the same over bytes already in memory
     memintro_coredump_close          unmap and free everything
     memintro_coredump_error          the last error message ("" if none, never NULL)
     memintro_coredump_format_name    "raw", "elf", "kdump", "windows", "lime"
     memintro_coredump_format_parse   the format a name stands for
     memintro_coredump_ptr            zero-copy pointer to stored bytes (plain formats;
                                      the same as memintro_phys_direct(&d.phys, ...))
     memintro_coredump_vmcoreinfo_value   one VMCOREINFO value by key
     memintro_coredump_compression_name   "zlib", "lzo", "snappy", "zstd"
     memintro_coredump_compression_available  can this build read such pages?
     memintro_coredump_write_elf      write an ELF core to a path
     memintro_coredump_write_elf_fd   ... or to an open file descriptor (pipe, socket)

   EXAMPLE (compiled by tests/test_coredump_api.c)

       memintro_coredump d;
       uint8_t page[4096];
       size_t i;
       if (memintro_coredump_open(&d, path, NULL) != MEMINTRO_OK) {
           fprintf(stderr, "%s: %s\n", path, memintro_coredump_error(&d));
           return 1;
       }
       printf("%s, %zu ranges\n", d.description, d.map.count);
       for (i = 0; i < d.fact_count; i++)
           printf("%s: %s\n", d.fact_list[i].name, d.fact_list[i].value);
       if (memintro_phys_read1(&d.phys, 0x1000, page, sizeof page) != MEMINTRO_OK)
           printf("0x1000: %s\n", memintro_coredump_error(&d));
       memintro_coredump_close(&d);

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_COREDUMP_H
#define MEMINTRO_COREDUMP_H

#include "memintro.h"

/* This header's version: MAJOR changes when the API changes incompatibly. */
#define MEMINTRO_COREDUMP_VERSION_MAJOR 0
#define MEMINTRO_COREDUMP_VERSION_MINOR 2

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Formats, compressions, flags ---------------------------------------------------- */

typedef enum memintro_coredump_format {
    MEMINTRO_COREDUMP_DETECT = 0, /* options: detect from the contents (the default) */
    MEMINTRO_COREDUMP_RAW,
    MEMINTRO_COREDUMP_ELF,
    MEMINTRO_COREDUMP_KDUMP,
    MEMINTRO_COREDUMP_WINDOWS,
    MEMINTRO_COREDUMP_LIME,
    MEMINTRO__COREDUMP_FORMAT_FORCE32 = 0x7fffffff
} memintro_coredump_format;

/* Page compressions (the kdump page-descriptor flag values). */
#define MEMINTRO_COMPRESS_ZLIB 0x01u
#define MEMINTRO_COMPRESS_LZO 0x02u
#define MEMINTRO_COMPRESS_SNAPPY 0x04u
#define MEMINTRO_COMPRESS_ZSTD 0x20u

/* memintro_coredump_options.flags */
#define MEMINTRO_COREDUMP_ZERO_EXCLUDED 0x1u /* read memory the dump says exists but did not
                                                save (kdump filtered pages, ELF p_memsz tails)
                                                as zeros, and include it in the map */
#define MEMINTRO_COREDUMP_NO_MMAP 0x2u       /* memintro_coredump_open: read the file with
                                                read(2) instead of keeping it mapped, so a file
                                                that shrinks while open fails reads with
                                                MEMINTRO_E_IO instead of raising SIGBUS (slower;
                                                no direct access, memintro_coredump_ptr NULL) */

/* ---- Facts ---------------------------------------------------------------------------- */

/* Header facts of a Windows crash dump (32-bit headers widen to 64 bits). */
typedef struct memintro_coredump_windows {
    uint32_t is64;                 /* 1: "PAGEDU64" header, 0: "PAGEDUMP" */
    uint32_t dump_type;            /* 1 full, 5 bitmap */
    char bitmap_kind[8];           /* "FDMP" or "SDMP" for bitmap dumps, else "" */
    uint32_t major_version, minor_version;
    uint64_t directory_table_base; /* CR3 of the process current at the crash */
    uint64_t pfn_database;
    uint64_t ps_loaded_module_list;
    uint64_t ps_active_process_head;
    uint32_t machine_image_type;   /* 0x8664 AMD64, 0x14c i386, 0xaa64 ARM64 */
    uint32_t number_processors;
    uint32_t bugcheck_code;
    uint32_t pae_enabled;          /* 32-bit headers only */
    uint64_t bugcheck_params[4];
    uint64_t kd_debugger_data_block;
    uint64_t system_time, system_up_time; /* 100 ns units (FILETIME), 0 if absent */
    uint64_t required_dump_space;
    uint64_t context_rip, context_rsp;    /* from the header's CONTEXT record */
} memintro_coredump_windows;

/* Header facts of a kdump-compressed file. */
typedef struct memintro_coredump_kdump {
    uint32_t is64;           /* 64-bit header layout */
    uint32_t flattened;      /* read from a makedumpfile flattened stream */
    uint32_t header_version;
    uint32_t block_size;     /* = the guest page size */
    uint32_t status;         /* header status: compression bits, 0x8 incomplete */
    uint32_t dump_level;     /* makedumpfile -d; QEMU writes 1 */
    uint32_t nr_cpus;
    uint32_t reserved;
    uint64_t phys_base;
    uint64_t max_mapnr;      /* page frames the bitmaps cover */
    uint64_t pages_dumped;   /* pages with a descriptor */
    uint64_t pages_excluded; /* in the first bitmap, not saved (filtered) */
    char release[66];        /* utsname release (makedumpfile fills it, QEMU does not) */
    char machine[66];        /* utsname machine */
} memintro_coredump_kdump;

/* What a dump says about the machine. Also the input of the ELF writer (zero it and fill
   what you know; every pointer may be NULL). */
typedef struct memintro_coredump_facts {
    uint32_t cpu_count;                /* CPUs the guest had (0 = unknown) */
    uint32_t cpu_state_count;          /* entries in cpus[] */
    const memintro_cpu *cpus;          /* CPUs whose registers the dump holds (isa from the
                                          ELF machine: 62 X86_64, 3 X86) */
    const char *vmcoreinfo;            /* VMCOREINFO text, NUL-terminated, or NULL */
    size_t vmcoreinfo_size;            /* its length without the NUL */
    uint16_t elf_machine;              /* 62 x86-64, 3 i386 (ELF, kdump notes); 0 = unknown */
    uint16_t elf_class;                /* 32 or 64 for ELF cores, else 0 */
    uint32_t compression;              /* MEMINTRO_COMPRESS_* pages of this file use */
    memintro_arch mode;                /* suggested paging mode for virtual reads */
    uint32_t mmu_flags;                /* MEMINTRO_MMU_* that go with it */
    uint64_t dtb;                      /* suggested DTB (CPU 0's CR3, Windows DirectoryTableBase) */
    uint64_t file_size;
    uint64_t memory_size;              /* bytes in the memory map */
    int qemu;                          /* the file carries QEMU's CPU-state notes */
    int has_windows, has_kdump;
    memintro_coredump_windows windows;
    memintro_coredump_kdump kdump;
} memintro_coredump_facts;

/* One printable fact, e.g. {"cpu0.cr3", "0x10a4000"}. */
typedef struct memintro_coredump_fact {
    char name[40];
    char value[88];
} memintro_coredump_fact;

/* ---- Opening -------------------------------------------------------------------------- */

/* Open options; a zeroed struct (or NULL) means: detect the format, holes are holes. */
typedef struct memintro_coredump_options {
    memintro_coredump_format format; /* DETECT, or force one */
    uint32_t flags;                  /* MEMINTRO_COREDUMP_ZERO_EXCLUDED */
    uint64_t raw_base;               /* raw: guest-physical address of the file's first byte */
    const memintro_allocator *allocator; /* NULL (or both functions NULL): MEMINTRO_COREDUMP_MALLOC/FREE;
                                         only one of alloc/free: MEMINTRO_E_INVALID */
} memintro_coredump_options;

struct memintro__coredump_state;

/* An open dump. Plain data; memintro_coredump_open fills it. */
typedef struct memintro_coredump {
    memintro_phys phys;                 /* first member: pass &d.phys to readers */
    memintro_memmap map;                /* guest-physical ranges the file holds, sorted */
    memintro_coredump_format format;
    uint32_t flags;                     /* the open flags */
    char description[128];              /* e.g. "kdump-compressed (flattened, 64-bit header v6, zlib)" */
    memintro_coredump_facts facts;
    const memintro_coredump_fact *fact_list; /* facts as text, in a stable order */
    size_t fact_count;
    char error[256];                    /* last error message, "" if none */
    struct memintro__coredump_state *state; /* private */
} memintro_coredump;

/* Opens the dump at `path` (opt may be NULL). Returns MEMINTRO_OK; or E_NOTFOUND /
   E_PERMISSION / E_IO when the file cannot be opened or mapped, E_FORMAT when it is
   recognised but damaged, E_UNSUPPORTED for a variant not read here, E_NOSPACE when
   out of memory. On failure d->error says why and nothing stays allocated (calling
   memintro_coredump_close is still allowed). */
MEMINTRO_API memintro_status memintro_coredump_open(memintro_coredump *d, const char *path,
                                                    const memintro_coredump_options *opt);
/* The same over `size` bytes at `data`, which must stay valid and unchanged until close. */
MEMINTRO_API memintro_status memintro_coredump_open_memory(memintro_coredump *d, const void *data, uint64_t size,
                                                           const memintro_coredump_options *opt);
/* Unmaps the file and frees everything; d can be opened again. Safe on a failed open. */
MEMINTRO_API void memintro_coredump_close(memintro_coredump *d);
/* The last error message: why open failed, or why the last failing read failed (a page
   that is corrupt, compressed with a library this build lacks, a file that shrank, ...).
   Never NULL: "" when nothing failed (and for d == NULL). A successful open clears it;
   memintro_coredump_close keeps it (so it can be printed after closing). */
MEMINTRO_API const char *memintro_coredump_error(const memintro_coredump *d);

/* "raw", "elf", "kdump", "windows", "lime" ("detect" for DETECT, "?" otherwise). */
MEMINTRO_API const char *memintro_coredump_format_name(memintro_coredump_format f);
/* The format named by `name` (as above; also "auto" and "dump" = DETECT, "kdump-compressed",
   "diskdump" = KDUMP, "windows-crash", "dmp" = WINDOWS); returns -1 cast to the enum if
   the name is unknown. */
MEMINTRO_API memintro_coredump_format memintro_coredump_format_parse(const char *name);

/* Zero-copy access for formats that store pages plainly (raw, ELF, Windows, LiME, not
   flattened): a pointer to the stored byte for guest-physical addr, with *avail set to the
   bytes readable from it contiguously (through d.phys.direct). NULL for holes, ranges that
   read as zeros, compressed formats and files opened with MEMINTRO_COREDUMP_NO_MMAP. */
MEMINTRO_API const void *memintro_coredump_ptr(const memintro_coredump *d, uint64_t addr, uint64_t *avail);

/* Copies the VMCOREINFO value of `key` (e.g. "OSRELEASE", "NUMBER(phys_base)",
   "KERNELOFFSET", "SYMBOL(init_top_pgt)") into buf (NUL-terminated, truncated to size).
   Returns 1 when found, 0 when not (or when there is no VMCOREINFO). */
MEMINTRO_API int memintro_coredump_vmcoreinfo_value(const memintro_coredump_facts *f, const char *key, char *buf,
                                                    size_t size);

/* "zlib", "lzo", "snappy", "zstd" for one MEMINTRO_COMPRESS_* bit, "none" for 0, else "?". */
MEMINTRO_API const char *memintro_coredump_compression_name(uint32_t compress);
/* 1 when this build reads pages compressed with `compress` (compiled in, or, with
   MEMINTRO_COREDUMP_DLOPEN, its library loads), else 0. */
MEMINTRO_API int memintro_coredump_compression_available(uint32_t compress);

/* ---- Writing -------------------------------------------------------------------------- */

/* Progress: `done` of `total` memory bytes written so far. Called before the first byte,
   after every batch and at the end (done == total). */
typedef void (*memintro_coredump_progress_fn)(void *user, uint64_t done, uint64_t total);

/* memintro_coredump_write_options.flags */
#define MEMINTRO_COREDUMP_WRITE_STRICT 0x1u /* fail on the first byte the source cannot read
                                               (default: write zeros and count them) */

typedef struct memintro_coredump_write_options {
    memintro_coredump_progress_fn progress; /* may be NULL */
    void *user;                             /* passed to progress */
    uint32_t flags;                         /* MEMINTRO_COREDUMP_WRITE_* */
    uint32_t batch;                         /* bytes read per batch; 0 = 1 MiB */
    const memintro_allocator *allocator; /* NULL (or both functions NULL): MEMINTRO_COREDUMP_MALLOC/FREE;
                                         only one of alloc/free: MEMINTRO_E_INVALID */
} memintro_coredump_write_options;

typedef struct memintro_coredump_write_result {
    uint64_t file_size;        /* bytes written (also on failure: how far it got) */
    uint64_t memory_size;      /* guest memory bytes written (also on failure) */
    uint64_t unreadable;       /* of those, bytes the source could not read (written as 0) */
    uint64_t first_unreadable; /* guest-physical address of the first such byte */
    uint32_t segments;         /* PT_LOAD segments */
    uint32_t notes;            /* ELF notes */
    char error[256];           /* why the write failed, "" on success */
} memintro_coredump_write_result;

/* Writes an ELF core of `src` to `path`: one PT_LOAD per range of `map`, the CPU notes and
   VMCOREINFO of `facts` (may be NULL; facts->elf_machine picks x86-64 (default) or i386
   register notes). A regular file (or a new path) is written as "PATH.partial-PID" beside
   it and renamed over PATH at the end; on failure that temporary file is removed and PATH
   is left as it was. A character or block device or a FIFO (with a reader) is written into
   and never removed; other kinds of file are refused. A symbolic link is followed and
   stays a link (what it points to is written by these rules). opt and res may be NULL. Returns
   MEMINTRO_OK; MEMINTRO_E_IO when the output cannot be written (ENOSPC, EFBIG, a FIFO
   without a reader); the source's status when it fails with MEMINTRO_E_GONE (or any
   failure, with MEMINTRO_COREDUMP_WRITE_STRICT); MEMINTRO_E_INVALID for a bad map, a path
   that is a directory or socket, or an allocator with one function. res->file_size and
   res->memory_size give what reached the output, also on failure. */
MEMINTRO_API memintro_status memintro_coredump_write_elf(memintro_phys *src, const memintro_memmap *map,
                                                         const memintro_coredump_facts *facts, const char *path,
                                                         const memintro_coredump_write_options *opt,
                                                         memintro_coredump_write_result *res);
/* The same to an open file descriptor, written strictly front to back (no seeks). */
MEMINTRO_API memintro_status memintro_coredump_write_elf_fd(memintro_phys *src, const memintro_memmap *map,
                                                            const memintro_coredump_facts *facts, int fd,
                                                            const memintro_coredump_write_options *opt,
                                                            memintro_coredump_write_result *res);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_COREDUMP_H */

/* =====================================================================================
   Implementation. Stop reading here if you only want the API.
   ===================================================================================== */

#ifdef MEMINTRO_COREDUMP_IMPLEMENTATION
#ifndef MEMINTRO_COREDUMP_IMPLEMENTATION_INCLUDED
#define MEMINTRO_COREDUMP_IMPLEMENTATION_INCLUDED

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef MEMINTRO_COREDUMP_ZLIB
#include <zlib.h>
#endif
#ifdef MEMINTRO_COREDUMP_LZO
#include <lzo/lzo1x.h>
#endif
#ifdef MEMINTRO_COREDUMP_SNAPPY
#include <snappy-c.h>
#endif
#ifdef MEMINTRO_COREDUMP_ZSTD
#include <zstd.h>
#endif
#ifdef MEMINTRO_COREDUMP_DLOPEN
#include <dlfcn.h>
#endif

#ifndef MEMINTRO_COREDUMP_MALLOC
#define MEMINTRO_COREDUMP_MALLOC(n, u) ((void)(u), malloc(n))
#define MEMINTRO_COREDUMP_FREE(p, u) ((void)(u), free(p))
#endif
#ifndef MEMINTRO_COREDUMP_CACHE_PAGES
#define MEMINTRO_COREDUMP_CACHE_PAGES 16
#endif
#ifndef MEMINTRO_COREDUMP_CHECK_PAGES
#define MEMINTRO_COREDUMP_CHECK_PAGES (1u << 22)
#endif

#ifdef MEMINTRO_STATIC
#define MEMINTRO__CDDEF static
#else
#define MEMINTRO__CDDEF
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO__CD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MEMINTRO__CD_PRINTF(a, b)
#endif

/* A memory-map offset at or above this marks a range that reads as zeros (ELF tails with
   MEMINTRO_COREDUMP_ZERO_EXCLUDED); file offsets never get there. Such ranges start at
   exactly this offset, so no offset inside them wraps around. */
#define MEMINTRO__CD_ZERO_BASE (1ull << 63)
#define MEMINTRO__CD_MAX_CPUS 8192u
#define MEMINTRO__CD_MAX_VMCOREINFO (1u << 20)
#define MEMINTRO__CD_HEX "0x%llx"
#define MEMINTRO__CD_ULL(x) ((unsigned long long)(x))

#ifdef __cplusplus
extern "C" {
#endif

/* ---- private state ---- */

enum { MEMINTRO__CD_PLAIN = 1, MEMINTRO__CD_PAGED = 2 };

/* A piece of a flattened stream: logical bytes [voff, voff+size) are at file offset foff. */
typedef struct memintro__cd_piece {
    uint64_t voff, size, foff;
} memintro__cd_piece;

typedef int (*memintro__cd_zlib_fn)(unsigned char *, unsigned long *, const unsigned char *, unsigned long);
typedef int (*memintro__cd_lzo_fn)(const unsigned char *, unsigned long, unsigned char *, unsigned long *, void *);
typedef int (*memintro__cd_snappy_len_fn)(const char *, size_t, size_t *);
typedef int (*memintro__cd_snappy_fn)(const char *, size_t, char *, size_t *);
typedef size_t (*memintro__cd_zstd_fn)(void *, size_t, const void *, size_t);
typedef unsigned (*memintro__cd_zstd_err_fn)(size_t);

typedef struct memintro__cd_libs {
    int tried[4];
    void *handle[4];
    memintro__cd_zlib_fn zlib_uncompress;
    memintro__cd_lzo_fn lzo_decompress;
    memintro__cd_snappy_len_fn snappy_len;
    memintro__cd_snappy_fn snappy_uncompress;
    memintro__cd_zstd_fn zstd_decompress;
    memintro__cd_zstd_err_fn zstd_is_error;
} memintro__cd_libs;

struct memintro__coredump_state {
    memintro_allocator al;
    const uint8_t *file; /* the whole file */
    uint64_t file_size;
    void *map_addr; /* mmap'ed region to unmap on close (NULL for open_memory) */
    size_t map_len;
    /* logical (seekable) view: the file itself, or a flattened stream's pieces */
    memintro__cd_piece *pieces;
    size_t npieces;
    uint64_t vsize;
    int kind; /* MEMINTRO__CD_PLAIN or _PAGED (kdump) */
    memintro_range *ranges;
    /* reads: the core's mapped-memory backend over the plainly stored ranges, falling back
       to `rest` (zero-filled ranges, holes, compressed pages, flattened streams, pread) */
    int use_buffer;
    memintro_buffer buffer;
    memintro_memmap plain_map;
    memintro_range *plain_ranges;
    memintro_phys rest;
    int fd;               /* MEMINTRO_COREDUMP_NO_MMAP: the file, read with pread; else -1 */
    int copy_views;       /* parse copies what it keeps (the mapping is dropped after open) */
    uint64_t opened_size; /* the file's size at open */
    char path_name[128];  /* for messages */
    /* kdump */
    uint32_t page_shift, block_size;
    uint64_t max_pfn;
    const uint8_t *bm_valid, *bm_dumped;
    uint8_t *bm_owned[2];
    uint64_t *rank; /* set bits of bm_dumped before each 512-bit block */
    uint64_t desc_off, ndesc;
    uint32_t status;
    int checked;      /* every descriptor was checked at open */
    uint8_t *scratch; /* 2 * block_size: compressed bytes split across pieces */
    uint8_t *cache;   /* MEMINTRO_COREDUMP_CACHE_PAGES decompressed pages */
    uint64_t cache_tag[MEMINTRO_COREDUMP_CACHE_PAGES];
    memintro__cd_libs libs;
    /* facts */
    memintro_cpu *cpus;
    size_t ncpus, cpus_cap;
    uint32_t nprstatus, nqemu;
    char *vmcoreinfo;
    memintro_coredump_fact *facts;
    size_t nfacts, facts_cap;
};

typedef struct memintro__coredump_state memintro__cd_state;

/* ---- small helpers ---- */

static void *memintro__cd_default_alloc(void *user, size_t n)
{
    return MEMINTRO_COREDUMP_MALLOC(n, user);
}

static void memintro__cd_default_free(void *user, void *p)
{
    MEMINTRO_COREDUMP_FREE(p, user);
}

static void *memintro__cd_alloc(memintro__cd_state *st, uint64_t n)
{
    void *p;
    if (n == 0) n = 1;
    if (n > (uint64_t)(size_t)-1) return 0;
    p = st->al.alloc(st->al.user, (size_t)n);
    if (p) memset(p, 0, (size_t)n);
    return p;
}

static void memintro__cd_free(memintro__cd_state *st, void *p)
{
    if (p) st->al.free(st->al.user, p);
}

static memintro_status memintro__cd_fail(memintro_coredump *d, memintro_status s, const char *fmt, ...)
    MEMINTRO__CD_PRINTF(3, 4);
static memintro_status memintro__cd_fail(memintro_coredump *d, memintro_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof d->error, fmt, ap);
    va_end(ap);
    return s;
}

static uint64_t memintro__cd_be64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static void memintro__cd_put16(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void memintro__cd_put32(uint8_t *p, uint64_t v)
{
    memintro__cd_put16(p, v);
    memintro__cd_put16(p + 2, v >> 16);
}

static void memintro__cd_put64(uint8_t *p, uint64_t v)
{
    memintro__cd_put32(p, v);
    memintro__cd_put32(p + 4, v >> 32);
}

static unsigned memintro__cd_popcount(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* Printable copy of at most n bytes of s (stops at NUL; other bytes below 0x20 or above
   0x7e become '?'). */
static void memintro__cd_text(char *dst, size_t size, const uint8_t *s, size_t n)
{
    size_t i, j = 0;
    if (!size) return;
    for (i = 0; i < n && s[i] && j + 1 < size; i++) dst[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    dst[j] = 0;
}

static void memintro__cd_fact(memintro_coredump *d, const char *name, const char *fmt, ...) MEMINTRO__CD_PRINTF(3, 4);
static void memintro__cd_fact(memintro_coredump *d, const char *name, const char *fmt, ...)
{
    memintro__cd_state *st = d->state;
    va_list ap;
    memintro_coredump_fact *f;
    if (st->nfacts == st->facts_cap) {
        size_t cap = st->facts_cap ? st->facts_cap * 2 : 32;
        memintro_coredump_fact *n = (memintro_coredump_fact *)memintro__cd_alloc(st, cap * sizeof *n);
        if (!n) return; /* facts are best effort */
        if (st->nfacts) memcpy(n, st->facts, st->nfacts * sizeof *n);
        memintro__cd_free(st, st->facts);
        st->facts = n;
        st->facts_cap = cap;
    }
    f = &st->facts[st->nfacts++];
    snprintf(f->name, sizeof f->name, "%s", name);
    va_start(ap, fmt);
    vsnprintf(f->value, sizeof f->value, fmt, ap);
    va_end(ap);
}

/* ---- the logical file: plain, or reassembled from a flattened stream ---- */

/* Index of the first piece that ends above voff. */
static size_t memintro__cd_piece_find(const memintro__cd_state *st, uint64_t voff)
{
    size_t lo = 0, hi = st->npieces;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const memintro__cd_piece *p = &st->pieces[mid];
        if (p->voff + p->size <= voff)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Copies file bytes [foff, foff+n) to dst: from the mapping, or with pread when the file is
   not mapped (MEMINTRO_COREDUMP_NO_MMAP after open). Returns 0, or -1 when the file no longer
   holds them (it shrank) or cannot be read. */
static int memintro__cd_fread(const memintro__cd_state *st, uint64_t foff, void *dst, uint64_t n)
{
    uint8_t *out = (uint8_t *)dst;
    if (st->file) {
        if (n) memcpy(out, st->file + foff, (size_t)n);
        return 0;
    }
    /* lseek + read (pread is not declared under strict C99): the descriptor is this
       object's own, and an object is used by one thread at a time */
    if (lseek(st->fd, (off_t)foff, SEEK_SET) != (off_t)foff) return -1;
    while (n) {
        ssize_t got = read(st->fd, out, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        out += got;
        foff += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return 0;
}

/* Copies logical bytes [voff, voff+len) to dst; bytes no record of a flattened stream
   wrote read as zeros. Returns 0, or -1 if the range is outside (nothing copied) or the
   file cannot be read there any more. */
static int memintro__cd_lread(const memintro__cd_state *st, uint64_t voff, void *dst, uint64_t len)
{
    uint8_t *out = (uint8_t *)dst;
    size_t i;
    if (voff > st->vsize || len > st->vsize - voff) return -1;
    if (!st->pieces) return memintro__cd_fread(st, voff, out, len);
    i = memintro__cd_piece_find(st, voff);
    while (len) {
        uint64_t n;
        if (i < st->npieces && st->pieces[i].voff <= voff) {
            const memintro__cd_piece *p = &st->pieces[i];
            n = p->voff + p->size - voff;
            if (n > len) n = len;
            if (memintro__cd_fread(st, p->foff + (voff - p->voff), out, n)) return -1;
            i++;
        } else {
            n = i < st->npieces ? st->pieces[i].voff - voff : len;
            if (n > len) n = len;
            memset(out, 0, (size_t)n);
        }
        out += n;
        voff += n;
        len -= n;
    }
    return 0;
}

/* A direct pointer to logical bytes [voff, voff+len) when they are stored contiguously in
   the mapping, else NULL. */
static const uint8_t *memintro__cd_lptr(const memintro__cd_state *st, uint64_t voff, uint64_t len)
{
    size_t i;
    if (!st->file || st->copy_views) return 0;
    if (voff > st->vsize || len > st->vsize - voff) return 0;
    if (!st->pieces) return st->file + voff;
    i = memintro__cd_piece_find(st, voff);
    if (i < st->npieces && st->pieces[i].voff <= voff && voff + len <= st->pieces[i].voff + st->pieces[i].size)
        return st->file + st->pieces[i].foff + (voff - st->pieces[i].voff);
    return 0;
}

/* Logical bytes [voff, voff+len) as one pointer: direct, or a copy in *owned (always a copy
   when the mapping goes away after open). */
static const uint8_t *memintro__cd_view(memintro__cd_state *st, uint64_t voff, uint64_t len, uint8_t **owned)
{
    const uint8_t *p = memintro__cd_lptr(st, voff, len);
    *owned = 0;
    if (p) return p;
    if (voff > st->vsize || len > st->vsize - voff) return 0;
    *owned = (uint8_t *)memintro__cd_alloc(st, len);
    if (!*owned) return 0;
    if (memintro__cd_lread(st, voff, *owned, len)) return 0;
    return *owned;
}

typedef struct memintro__cd_rec {
    uint64_t voff, size, foff, seq;
} memintro__cd_rec;

static int memintro__cd_rec_cmp(const void *a, const void *b)
{
    const memintro__cd_rec *x = (const memintro__cd_rec *)a, *y = (const memintro__cd_rec *)b;
    if (x->voff != y->voff) return x->voff < y->voff ? -1 : 1;
    if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
    return 0;
}

/* Max-heap of record indexes keyed by seq (the record written last wins an overlap). */
static void memintro__cd_heap_push(size_t *h, size_t *n, const memintro__cd_rec *r, size_t v)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (r[h[p]].seq >= r[v].seq) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

static void memintro__cd_heap_pop(size_t *h, size_t *n, const memintro__cd_rec *r)
{
    size_t i = 0, v = h[--(*n)];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && r[h[c + 1]].seq > r[h[c]].seq) c++;
        if (r[h[c]].seq <= r[v].seq) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = v;
}

/* Turns the records of a flattened stream (sorted by offset) into non-overlapping pieces;
   where records overlap, the one later in the stream wins, as when makedumpfile -R
   replays them. */
static memintro_status memintro__cd_pieces(memintro_coredump *d, memintro__cd_rec *r, size_t n)
{
    memintro__cd_state *st = d->state;
    size_t i, np = 0, h = 0, *heap;
    int overlap = 0;
    uint64_t pos = 0;
    st->pieces = (memintro__cd_piece *)memintro__cd_alloc(st, (2 * (uint64_t)n + 1) * sizeof *st->pieces);
    if (!st->pieces) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%zu flattened records)", n);
    for (i = 1; i < n; i++)
        if (r[i].voff < r[i - 1].voff + r[i - 1].size) overlap = 1;
    if (!overlap) {
        for (i = 0; i < n; i++) {
            memintro__cd_piece *p = np ? &st->pieces[np - 1] : 0;
            if (p && p->voff + p->size == r[i].voff && p->foff + p->size == r[i].foff) {
                p->size += r[i].size;
                continue;
            }
            st->pieces[np].voff = r[i].voff;
            st->pieces[np].size = r[i].size;
            st->pieces[np].foff = r[i].foff;
            np++;
        }
        st->npieces = np;
        return MEMINTRO_OK;
    }
    heap = (size_t *)memintro__cd_alloc(st, (uint64_t)n * sizeof *heap);
    if (!heap) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%zu flattened records)", n);
    i = 0;
    while (i < n || h > 0) {
        size_t top;
        uint64_t next, foff;
        memintro__cd_piece *p;
        if (h == 0 && r[i].voff > pos) pos = r[i].voff;
        while (i < n && r[i].voff <= pos) memintro__cd_heap_push(heap, &h, r, i++);
        while (h > 0 && r[heap[0]].voff + r[heap[0]].size <= pos) memintro__cd_heap_pop(heap, &h, r);
        if (h == 0) continue;
        top = heap[0];
        next = r[top].voff + r[top].size;
        if (i < n && r[i].voff < next) next = r[i].voff;
        foff = r[top].foff + (pos - r[top].voff);
        p = np ? &st->pieces[np - 1] : 0;
        if (p && p->voff + p->size == pos && p->foff + p->size == foff) {
            p->size += next - pos;
        } else {
            st->pieces[np].voff = pos;
            st->pieces[np].size = next - pos;
            st->pieces[np].foff = foff;
            np++;
        }
        pos = next;
    }
    memintro__cd_free(st, heap);
    st->npieces = np;
    return MEMINTRO_OK;
}

/* Reads a makedumpfile flattened stream: a 4 KiB header ("makedumpfile", type 1,
   version 1, big-endian), then records {be64 offset, be64 size, data} up to one with
   offset = size = -1. */
static memintro_status memintro__cd_unflatten(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    const uint8_t *f = st->file;
    uint64_t size = st->file_size, pos = 4096, end = 0, type, version;
    size_t n = 0, cap = 0;
    memintro__cd_rec *r = 0;
    memintro_status s;
    if (size < 4096) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "flattened: the 4096-byte header is truncated");
    type = memintro__cd_be64(f + 16);
    version = memintro__cd_be64(f + 24);
    if (type != 1)
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "flattened: header type %llu is not 1 (flattened format)",
                                 MEMINTRO__CD_ULL(type));
    if (version != 1)
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "flattened: header version %llu is not supported (1 is)",
                                 MEMINTRO__CD_ULL(version));
    for (;;) {
        uint64_t off, len;
        if (size - pos < 16) {
            memintro__cd_free(st, r);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "flattened: the stream ends at offset " MEMINTRO__CD_HEX
                                     " without its end marker (truncated?)",
                                     MEMINTRO__CD_ULL(pos));
        }
        off = memintro__cd_be64(f + pos);
        len = memintro__cd_be64(f + pos + 8);
        if (off == ~0ull && len == ~0ull) break;
        if ((off >> 62) || (len >> 62)) {
            memintro__cd_free(st, r);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "flattened: record at offset " MEMINTRO__CD_HEX
                                     " has an absurd offset " MEMINTRO__CD_HEX " or size " MEMINTRO__CD_HEX,
                                     MEMINTRO__CD_ULL(pos), MEMINTRO__CD_ULL(off), MEMINTRO__CD_ULL(len));
        }
        if (len > size - pos - 16) {
            memintro__cd_free(st, r);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "flattened: record at offset " MEMINTRO__CD_HEX
                                     " (%llu bytes for offset " MEMINTRO__CD_HEX
                                     ") runs past the end of the file (truncated?)",
                                     MEMINTRO__CD_ULL(pos), MEMINTRO__CD_ULL(len), MEMINTRO__CD_ULL(off));
        }
        if (len) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                memintro__cd_rec *nr = (memintro__cd_rec *)memintro__cd_alloc(st, (uint64_t)nc * sizeof *nr);
                if (!nr) {
                    memintro__cd_free(st, r);
                    return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%zu flattened records)", nc);
                }
                if (n) memcpy(nr, r, n * sizeof *r);
                memintro__cd_free(st, r);
                r = nr;
                cap = nc;
            }
            r[n].voff = off;
            r[n].size = len;
            r[n].foff = pos + 16;
            r[n].seq = n;
            n++;
            if (off + len > end) end = off + len;
        }
        pos += 16 + len;
    }
    if (n) qsort(r, n, sizeof *r, memintro__cd_rec_cmp);
    s = memintro__cd_pieces(d, r, n);
    memintro__cd_free(st, r);
    if (s != MEMINTRO_OK) return s;
    if (!st->npieces) {
        /* a stream with no data: keep a valid empty piece array */
        st->vsize = 0;
        return MEMINTRO_OK;
    }
    st->vsize = end;
    return MEMINTRO_OK;
}

/* ---- memory maps ---- */

typedef struct memintro__cd_seg {
    uint64_t start, size, offset, order;
} memintro__cd_seg;

static int memintro__cd_seg_cmp(const void *a, const void *b)
{
    const memintro__cd_seg *x = (const memintro__cd_seg *)a, *y = (const memintro__cd_seg *)b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return 0;
}

/* Sorts segments by address and clips overlaps (the earlier segment keeps the bytes);
   returns the new count. */
static size_t memintro__cd_disjoint(memintro__cd_seg *s, size_t n)
{
    size_t i, m = 0;
    uint64_t end = 0;
    int any = 0;
    if (n) qsort(s, n, sizeof *s, memintro__cd_seg_cmp);
    for (i = 0; i < n; i++) {
        memintro__cd_seg g = s[i];
        uint64_t gend = g.start + g.size; /* callers ensure no wrap past 2^64 - 1... */
        if (gend < g.start) gend = ~0ull; /* ...but a range ending exactly at 2^64 wraps to 0 */
        if (any && g.start < end) {
            if (gend <= end) continue;
            g.offset += end - g.start;
            g.size = gend - end;
            g.start = end;
        }
        s[m++] = g;
        end = g.start + g.size;
        if (end < g.start) end = ~0ull;
        any = 1;
    }
    return m;
}

/* Builds d->map from disjoint sorted segments a (file-backed) and z (zero), merging them. */
static memintro_status memintro__cd_build_map(memintro_coredump *d, const memintro__cd_seg *a, size_t na,
                                              const memintro__cd_seg *z, size_t nz)
{
    memintro__cd_state *st = d->state;
    size_t i = 0, j = 0;
    st->ranges = (memintro_range *)memintro__cd_alloc(st, ((uint64_t)na + nz + 1) * sizeof *st->ranges);
    if (!st->ranges) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%zu ranges)", na + nz);
    memintro_memmap_init(&d->map, st->ranges, na + nz + 1);
    while (i < na || j < nz) {
        const memintro__cd_seg *g;
        uint64_t off;
        if (j >= nz || (i < na && a[i].start < z[j].start)) {
            g = &a[i++];
            off = g->offset;
        } else {
            g = &z[j++];
            off = MEMINTRO__CD_ZERO_BASE; /* (not + start: that wraps for addresses >= 2^63) */
        }
        if (!g->size) continue;
        if (memintro_memmap_add(&d->map, g->start, g->size, off) != MEMINTRO_OK)
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "range " MEMINTRO__CD_HEX "+" MEMINTRO__CD_HEX " overlaps another or wraps around",
                                     MEMINTRO__CD_ULL(g->start), MEMINTRO__CD_ULL(g->size));
    }
    return MEMINTRO_OK;
}

/* Removes from zero segments z (sorted, disjoint) what segments a (sorted, disjoint)
   cover; writes the result to out (room for na + nz) and returns its count. */
static size_t memintro__cd_subtract(const memintro__cd_seg *a, size_t na, const memintro__cd_seg *z, size_t nz,
                                    memintro__cd_seg *out)
{
    size_t i, j = 0, m = 0;
    for (i = 0; i < nz; i++) {
        uint64_t s = z[i].start, e = z[i].start + z[i].size;
        while (j < na && a[j].start + a[j].size <= s) j++;
        while (s < e) {
            size_t k = j;
            if (k < na && a[k].start <= s) {
                s = a[k].start + a[k].size;
                j++;
                continue;
            }
            {
                uint64_t next = (k < na && a[k].start < e) ? a[k].start : e;
                out[m].start = s;
                out[m].size = next - s;
                out[m].offset = 0;
                out[m].order = 0;
                m++;
                s = next;
            }
        }
    }
    return m;
}

/* ---- CPU notes ---- */

static memintro_cpu *memintro__cd_cpu(memintro_coredump *d, uint32_t index)
{
    memintro__cd_state *st = d->state;
    if (index >= MEMINTRO__CD_MAX_CPUS) return 0;
    if (index >= st->cpus_cap) {
        size_t cap = st->cpus_cap ? st->cpus_cap * 2 : 8;
        memintro_cpu *n;
        while (cap <= index) cap *= 2;
        n = (memintro_cpu *)memintro__cd_alloc(st, (uint64_t)cap * sizeof *n);
        if (!n) return 0;
        if (st->ncpus) memcpy(n, st->cpus, st->ncpus * sizeof *n);
        memintro__cd_free(st, st->cpus);
        st->cpus = n;
        st->cpus_cap = cap;
    }
    while (st->ncpus <= index) {
        memset(&st->cpus[st->ncpus], 0, sizeof st->cpus[0]);
        st->cpus[st->ncpus].index = (uint32_t)st->ncpus;
        st->ncpus++;
    }
    return &st->cpus[index];
}

/* The instruction set of a CPU's notes: i386 for an EM_386 file (or an i?86 kdump), unless
   its code segment is a 64-bit one (then the CPU is in long mode whatever the file says);
   else x86-64 (every note read here is an x86 one). */
static memintro_isa memintro__cd_isa(const memintro_cpu *c, uint16_t machine)
{
    if (machine == 3 && !((c->flags & MEMINTRO_CPU_SYSTEM) && (c->seg[MEMINTRO_SEG_CS].flags & (1u << 21))))
        return MEMINTRO_ISA_X86;
    return MEMINTRO_ISA_X86_64;
}

/* The paging mode CPU c is in ("no paging" when it is off or unknown). */
static memintro_arch memintro__cd_cpu_arch(const memintro_cpu *c)
{
    memintro_mmu_desc m;
    return memintro_cpu_mmu(c, &m) == MEMINTRO_OK ? m.arch : MEMINTRO_ARCH_NONE;
}

/* NT_PRSTATUS: x86-64 (336 bytes, pr_reg at 0x70) or i386 (144 bytes, pr_reg at 0x48). */
static void memintro__cd_prstatus(memintro_coredump *d, const uint8_t *desc, uint64_t n, uint16_t machine)
{
    memintro__cd_state *st = d->state;
    memintro_cpu *c;
    if (n >= 336 && (machine == 62 || n == 336)) {
        /* r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags
           rsp ss fs_base gs_base ds es fs gs */
        static const signed char map[27] = {15, 14, 13, 12, 5,  3, 11, 10, 9,  8,  0,  1,   2,  6,
                                            7,  -1, -2, -3, -4, 4, -5, -6, -7, -8, -9, -10, -11};
        const uint8_t *r = desc + 0x70;
        int i;
        c = memintro__cd_cpu(d, st->nprstatus++);
        if (!c) return;
        for (i = 0; i < 27; i++) {
            uint64_t v = memintro_get_u64(r + 8 * i);
            switch (map[i]) {
            case -1: break;
            case -2: c->rip = v; break;
            case -3: c->seg[MEMINTRO_SEG_CS].selector = (uint32_t)v; break;
            case -4: c->rflags = v; break;
            case -5: c->seg[MEMINTRO_SEG_SS].selector = (uint32_t)v; break;
            case -6:
                if (!(c->flags & MEMINTRO_CPU_SYSTEM)) c->seg[MEMINTRO_SEG_FS].base = v;
                break;
            case -7:
                if (!(c->flags & MEMINTRO_CPU_SYSTEM)) c->seg[MEMINTRO_SEG_GS].base = v;
                break;
            case -8: c->seg[MEMINTRO_SEG_DS].selector = (uint32_t)v; break;
            case -9: c->seg[MEMINTRO_SEG_ES].selector = (uint32_t)v; break;
            case -10: c->seg[MEMINTRO_SEG_FS].selector = (uint32_t)v; break;
            case -11: c->seg[MEMINTRO_SEG_GS].selector = (uint32_t)v; break;
            default: c->gpr[(int)map[i]] = v; break;
            }
        }
        c->flags |= MEMINTRO_CPU_GPRS;
    } else if (n >= 144) {
        /* ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags esp ss */
        static const signed char map[17] = {3, 1, 2, 6, 7, 5, 0, -8, -9, -10, -11, -1, -2, -3, -4, 4, -5};
        const uint8_t *r = desc + 0x48;
        int i;
        c = memintro__cd_cpu(d, st->nprstatus++);
        if (!c) return;
        for (i = 0; i < 17; i++) {
            uint64_t v = memintro_get_u32(r + 4 * i);
            switch (map[i]) {
            case -1: break;
            case -2: c->rip = v; break;
            case -3: c->seg[MEMINTRO_SEG_CS].selector = (uint32_t)(v & 0xffff); break;
            case -4: c->rflags = v; break;
            case -5: c->seg[MEMINTRO_SEG_SS].selector = (uint32_t)(v & 0xffff); break;
            case -8: c->seg[MEMINTRO_SEG_DS].selector = (uint32_t)(v & 0xffff); break;
            case -9: c->seg[MEMINTRO_SEG_ES].selector = (uint32_t)(v & 0xffff); break;
            case -10: c->seg[MEMINTRO_SEG_FS].selector = (uint32_t)(v & 0xffff); break;
            case -11: c->seg[MEMINTRO_SEG_GS].selector = (uint32_t)(v & 0xffff); break;
            default: c->gpr[(int)map[i]] = v; break;
            }
        }
        c->flags |= MEMINTRO_CPU_GPRS;
    }
}

/* QEMU's CPU state note (version 1): rax rbx rcx rdx rsi rdi rsp rbp r8-r15 at 8,
   rip 0x88, rflags 0x90, 10 segments of 24 bytes at 0x98, cr[5] at 0x188,
   kernel_gs_base at 0x1b0 when size >= 0x1b8. */
static void memintro__cd_qemu_note(memintro_coredump *d, const uint8_t *desc, uint64_t n)
{
    memintro__cd_state *st = d->state;
    static const int gmap[16] = {0, 3, 1, 2, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    memintro_cpu *c;
    uint32_t size;
    int i;
    if (n < 0x1b0 || memintro_get_u32(desc) != 1) return;
    size = memintro_get_u32(desc + 4);
    if (size < 0x1b0) return;
    c = memintro__cd_cpu(d, st->nqemu++);
    if (!c) return;
    for (i = 0; i < 16; i++) c->gpr[gmap[i]] = memintro_get_u64(desc + 8 + 8 * i);
    c->rip = memintro_get_u64(desc + 0x88);
    c->rflags = memintro_get_u64(desc + 0x90);
    for (i = 0; i < 10; i++) {
        const uint8_t *s = desc + 0x98 + 24 * i;
        c->seg[i].selector = memintro_get_u32(s);
        c->seg[i].limit = memintro_get_u32(s + 4);
        c->seg[i].flags = memintro_get_u32(s + 8);
        c->seg[i].base = memintro_get_u64(s + 16);
    }
    for (i = 0; i < 5; i++) c->cr[i] = memintro_get_u64(desc + 0x188 + 8 * i);
    c->flags |= MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM;
    if (size >= 0x1b8 && n >= 0x1b8) {
        c->kernel_gs_base = memintro_get_u64(desc + 0x1b0);
        c->flags |= MEMINTRO_CPU_KGSBASE;
    }
}

static void memintro__cd_set_vmcoreinfo(memintro_coredump *d, const uint8_t *text, uint64_t n)
{
    memintro__cd_state *st = d->state;
    if (st->vmcoreinfo || !n) return;
    if (n > MEMINTRO__CD_MAX_VMCOREINFO) n = MEMINTRO__CD_MAX_VMCOREINFO;
    st->vmcoreinfo = (char *)memintro__cd_alloc(st, n + 1);
    if (!st->vmcoreinfo) return;
    memcpy(st->vmcoreinfo, text, (size_t)n);
    st->vmcoreinfo[n] = 0;
    d->facts.vmcoreinfo = st->vmcoreinfo;
    d->facts.vmcoreinfo_size = strlen(st->vmcoreinfo);
}

/* Walks ELF notes in [p, p+n). Returns MEMINTRO_OK, or E_FORMAT when a note runs past
   the end (what) names the container). */
static memintro_status memintro__cd_notes(memintro_coredump *d, const uint8_t *p, uint64_t n, uint16_t machine,
                                          const char *what)
{
    uint64_t pos = 0;
    unsigned count = 0;
    while (n - pos >= 12) {
        uint64_t namesz = memintro_get_u32(p + pos), descsz = memintro_get_u32(p + pos + 4);
        uint32_t type = memintro_get_u32(p + pos + 8);
        uint64_t name_off = pos + 12, desc_off = name_off + ((namesz + 3) & ~3ull);
        uint64_t next = desc_off + ((descsz + 3) & ~3ull);
        const uint8_t *name = p + name_off;
        if (!namesz && !descsz && !type) break; /* zero padding */
        if (desc_off > n || descsz > n - desc_off)
            return memintro__cd_fail(
                d, MEMINTRO_E_FORMAT,
                "%s: note %u (name size %llu, descriptor size %llu) runs past the end of its %llu bytes", what, count,
                MEMINTRO__CD_ULL(namesz), MEMINTRO__CD_ULL(descsz), MEMINTRO__CD_ULL(n));
        if (namesz == 5 && !memcmp(name, "CORE", 5) && type == 1)
            memintro__cd_prstatus(d, p + desc_off, descsz, machine);
        else if (namesz == 5 && !memcmp(name, "QEMU", 5) && type == 0)
            memintro__cd_qemu_note(d, p + desc_off, descsz);
        else if (namesz == 11 && !memcmp(name, "VMCOREINFO", 11))
            memintro__cd_set_vmcoreinfo(d, p + desc_off, descsz);
        count++;
        if (next >= n) break;
        pos = next;
    }
    return MEMINTRO_OK;
}

/* ---- raw ---- */

static memintro_status memintro__cd_raw(memintro_coredump *d, uint64_t base)
{
    memintro__cd_state *st = d->state;
    memintro__cd_seg g;
    if (!st->vsize) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "raw: the file is empty");
    if (base + st->vsize - 1 < base)
        return memintro__cd_fail(d, MEMINTRO_E_INVALID,
                                 "raw: base " MEMINTRO__CD_HEX " plus the file size wraps around",
                                 MEMINTRO__CD_ULL(base));
    g.start = base;
    g.size = st->vsize;
    g.offset = 0;
    g.order = 0;
    st->kind = MEMINTRO__CD_PLAIN;
    snprintf(d->description, sizeof d->description, "raw image");
    return memintro__cd_build_map(d, &g, 1, 0, 0);
}

/* ---- ELF ---- */

static memintro_status memintro__cd_elf(memintro_coredump *d, int flattened)
{
    memintro__cd_state *st = d->state;
    uint8_t eh[64];
    uint64_t phoff, shoff, phnum, i, nload = 0, nzero = 0, nph_load = 0;
    unsigned phentsize, shentsize, shnum, cls;
    int identity = 1, note_first = 0; /* every PT_LOAD has p_vaddr == p_paddr; PT_NOTE first */
    const char *layout;
    uint16_t machine, type;
    memintro__cd_seg *segs = 0, *zeros = 0, *zclip = 0;
    memintro_status s = MEMINTRO_OK;
    int is64;
    memset(eh, 0, sizeof eh);
    if (st->vsize < 52 || memintro__cd_lread(st, 0, eh, st->vsize < 64 ? 52 : 64))
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "ELF: the header is truncated (%llu bytes)",
                                 MEMINTRO__CD_ULL(st->vsize));
    cls = eh[4];
    if (cls != 1 && cls != 2) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "ELF: unknown class %u", cls);
    if (eh[5] == 2) return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "ELF: big-endian cores are not supported");
    if (eh[5] != 1) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "ELF: unknown data encoding %u", eh[5]);
    is64 = cls == 2;
    if (is64 && st->vsize < 64) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "ELF: the 64-bit header is truncated");
    type = memintro_get_u16(eh + 16);
    machine = memintro_get_u16(eh + 18);
    if (type != 4)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "ELF: e_type %u is not a core file (ET_CORE, 4)", type);
    if (is64) {
        phoff = memintro_get_u64(eh + 32);
        shoff = memintro_get_u64(eh + 40);
        phentsize = memintro_get_u16(eh + 54);
        phnum = memintro_get_u16(eh + 56);
        shentsize = memintro_get_u16(eh + 58);
        shnum = memintro_get_u16(eh + 60);
    } else {
        phoff = memintro_get_u32(eh + 28);
        shoff = memintro_get_u32(eh + 32);
        phentsize = memintro_get_u16(eh + 42);
        phnum = memintro_get_u16(eh + 44);
        shentsize = memintro_get_u16(eh + 46);
        shnum = memintro_get_u16(eh + 48);
    }
    if (phentsize != (is64 ? 56u : 32u))
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                 "ELF: e_phentsize %u is not the size of an ELF%s program header (%u bytes)", phentsize,
                                 is64 ? "64" : "32", is64 ? 56u : 32u);
    if (phnum == 0xffff) {
        /* PN_XNUM: the real count is sh_info of section header 0 */
        uint8_t sh[64];
        unsigned need = is64 ? 64u : 40u;
        if (!shoff || shentsize < need || memintro__cd_lread(st, shoff, sh, need))
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "ELF: e_phnum is PN_XNUM but section header 0 (at " MEMINTRO__CD_HEX
                                     ", %u bytes) is missing",
                                     MEMINTRO__CD_ULL(shoff), shentsize);
        phnum = memintro_get_u32(sh + (is64 ? 44 : 28));
    }
    if (phoff > st->vsize || phnum > (st->vsize - phoff) / phentsize)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                 "ELF: %llu program headers of %u bytes at " MEMINTRO__CD_HEX
                                 " run past the end of the file (%llu bytes; truncated?)",
                                 MEMINTRO__CD_ULL(phnum), phentsize, MEMINTRO__CD_ULL(phoff),
                                 MEMINTRO__CD_ULL(st->vsize));
    d->facts.elf_machine = machine;
    d->facts.elf_class = (uint16_t)(is64 ? 64 : 32);
    segs = (memintro__cd_seg *)memintro__cd_alloc(st, (phnum + 1) * sizeof *segs);
    zeros = (memintro__cd_seg *)memintro__cd_alloc(st, (phnum + 1) * sizeof *zeros);
    if (!segs || !zeros) {
        s = memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%llu program headers)", MEMINTRO__CD_ULL(phnum));
        goto done;
    }
    for (i = 0; i < phnum; i++) {
        uint8_t ph[56];
        uint32_t ptype;
        uint64_t off, vaddr, paddr, filesz, memsz;
        memintro__cd_lread(st, phoff + i * phentsize, ph, is64 ? 56 : 32);
        ptype = memintro_get_u32(ph);
        if (is64) {
            off = memintro_get_u64(ph + 8);
            vaddr = memintro_get_u64(ph + 16);
            paddr = memintro_get_u64(ph + 24);
            filesz = memintro_get_u64(ph + 32);
            memsz = memintro_get_u64(ph + 40);
        } else {
            off = memintro_get_u32(ph + 4);
            vaddr = memintro_get_u32(ph + 8);
            paddr = memintro_get_u32(ph + 12);
            filesz = memintro_get_u32(ph + 16);
            memsz = memintro_get_u32(ph + 20);
        }
        if (i == 0 && ptype == 4) note_first = 1;
        if (ptype == 1) {
            nph_load++;
            if (vaddr != paddr) identity = 0;
        }
        if (ptype == 4 && filesz) { /* PT_NOTE */
            uint8_t *owned = 0;
            const uint8_t *p;
            if (off > st->vsize || filesz > st->vsize - off) {
                s = memintro__cd_fail(
                    d, MEMINTRO_E_FORMAT,
                    "ELF: note segment %llu (offset " MEMINTRO__CD_HEX ", %llu bytes) runs past the end of "
                    "the file (%llu bytes; truncated?)",
                    MEMINTRO__CD_ULL(i), MEMINTRO__CD_ULL(off), MEMINTRO__CD_ULL(filesz), MEMINTRO__CD_ULL(st->vsize));
                goto done;
            }
            p = memintro__cd_view(st, off, filesz, &owned);
            if (!p) {
                s = memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%llu bytes of notes)",
                                      MEMINTRO__CD_ULL(filesz));
                goto done;
            }
            s = memintro__cd_notes(d, p, filesz, machine, "ELF");
            memintro__cd_free(st, owned);
            if (s != MEMINTRO_OK) goto done;
        } else if (ptype == 1) { /* PT_LOAD */
            if (filesz > memsz) {
                s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                      "ELF: segment %llu: p_filesz (" MEMINTRO__CD_HEX
                                      ") exceeds p_memsz (" MEMINTRO__CD_HEX ")",
                                      MEMINTRO__CD_ULL(i), MEMINTRO__CD_ULL(filesz), MEMINTRO__CD_ULL(memsz));
                goto done;
            }
            if (memsz && paddr + memsz - 1 < paddr) {
                s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                      "ELF: segment %llu (guest-physical " MEMINTRO__CD_HEX ", " MEMINTRO__CD_HEX
                                      " bytes) wraps around the address space",
                                      MEMINTRO__CD_ULL(i), MEMINTRO__CD_ULL(paddr), MEMINTRO__CD_ULL(memsz));
                goto done;
            }
            if (filesz && (off > st->vsize || filesz > st->vsize - off)) {
                s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                      "ELF: segment %llu (guest-physical " MEMINTRO__CD_HEX
                                      ") ends at file offset " MEMINTRO__CD_HEX
                                      ", past the end of the file (" MEMINTRO__CD_HEX " bytes; truncated?)",
                                      MEMINTRO__CD_ULL(i), MEMINTRO__CD_ULL(paddr), MEMINTRO__CD_ULL(off + filesz),
                                      MEMINTRO__CD_ULL(st->vsize));
                goto done;
            }
            if (filesz) {
                segs[nload].start = paddr;
                segs[nload].size = filesz;
                segs[nload].offset = off;
                segs[nload].order = i;
                nload++;
            }
            if (memsz > filesz && (d->flags & MEMINTRO_COREDUMP_ZERO_EXCLUDED)) {
                zeros[nzero].start = paddr + filesz;
                zeros[nzero].size = memsz - filesz;
                zeros[nzero].offset = 0;
                zeros[nzero].order = i;
                nzero++;
            }
        }
    }
    nload = memintro__cd_disjoint(segs, (size_t)nload);
    if (nzero) {
        nzero = memintro__cd_disjoint(zeros, (size_t)nzero);
        zclip = (memintro__cd_seg *)memintro__cd_alloc(st, (nload + nzero + 1) * sizeof *zclip);
        if (!zclip) {
            s = memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%llu segments)", MEMINTRO__CD_ULL(nzero));
            goto done;
        }
        nzero = memintro__cd_subtract(segs, (size_t)nload, zeros, (size_t)nzero, zclip);
    }
    st->kind = MEMINTRO__CD_PLAIN;
    s = memintro__cd_build_map(d, segs, (size_t)nload, zclip, (size_t)nzero);
    if (s != MEMINTRO_OK) goto done;
    d->facts.cpu_count = st->nprstatus > st->nqemu ? st->nprstatus : st->nqemu;
    d->facts.qemu = st->nqemu > 0;
    /* Which writer: QEMU's dump-guest-memory writes its CPU-state notes and either puts
       section headers before the program headers (QEMU 7.2 and later) or gives PT_LOADs
       p_vaddr 0 (paging=false) or virtual addresses (paging=true); the kernel's /proc/vmcore
       layout (also what memintro_coredump_write_elf writes) has the notes segment first,
       right after the ELF header, and here p_vaddr = p_paddr. */
    if (st->nqemu && ((shnum && shoff && shoff < phoff) || (nph_load && !identity)))
        layout = ", QEMU dump-guest-memory";
    else if (note_first && phoff == (is64 ? 64u : 52u) && (!shnum || phnum >= 0xffff))
        layout = st->nqemu ? ", /proc/vmcore layout, QEMU CPU notes" : ", /proc/vmcore layout";
    else
        layout = st->nqemu ? ", QEMU CPU notes" : "";
    snprintf(d->description, sizeof d->description, "ELF core (%s%s, %llu PT_LOAD%s%s)", is64 ? "64-bit" : "32-bit",
             machine == 62    ? ", x86-64"
             : machine == 3   ? ", i386"
             : machine == 183 ? ", AArch64"
                              : "",
             MEMINTRO__CD_ULL(nph_load), layout, flattened ? ", flattened" : "");
done:
    memintro__cd_free(st, segs);
    memintro__cd_free(st, zeros);
    memintro__cd_free(st, zclip);
    return s;
}

/* ---- kdump-compressed ---- */

/* Word w of bitmap bm with bits at or above max_pfn cleared. */
static uint64_t memintro__cd_bm_word(const uint8_t *bm, uint64_t w, uint64_t max_pfn)
{
    uint64_t v = memintro_get_u64(bm + 8 * w);
    uint64_t first = w * 64;
    if (first >= max_pfn) return 0;
    if (max_pfn - first < 64) v &= (1ull << (max_pfn - first)) - 1;
    return v;
}

static int memintro__cd_bit(const uint8_t *bm, uint64_t pfn)
{
    return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

/* Descriptor index of a dumped pfn: the set bits of the dumped bitmap below it. */
static uint64_t memintro__cd_rank(const memintro__cd_state *st, uint64_t pfn)
{
    uint64_t b = pfn >> 9, w, r = st->rank[b];
    for (w = b * 8; w < (pfn >> 6); w++)
        r += memintro__cd_popcount(memintro__cd_bm_word(st->bm_dumped, w, st->max_pfn));
    if (pfn & 63)
        r += memintro__cd_popcount(memintro_get_u64(st->bm_dumped + 8 * (pfn >> 6)) & ((1ull << (pfn & 63)) - 1));
    return r;
}

/* Checks one page descriptor: NULL when usable, else why not. */
static const char *memintro__cd_desc_check(const memintro__cd_state *st, uint64_t off, uint32_t size, uint32_t flags)
{
    uint32_t comp =
        flags & (MEMINTRO_COMPRESS_ZLIB | MEMINTRO_COMPRESS_LZO | MEMINTRO_COMPRESS_SNAPPY | MEMINTRO_COMPRESS_ZSTD);
    if (off == 0 && !size && (st->status & 0x8)) return 0; /* not saved (incomplete dump): reported when read */
    if (off == 0) return "has offset 0 but the dump is not marked incomplete";
    if (comp & (comp - 1)) return "has more than one compression flag";
    if (!size || size > 2 * st->block_size) return "has an absurd size";
    if (!comp && size != st->block_size) return "stores a page plainly with a size other than the block size";
    if (off > st->vsize || size > st->vsize - off) return "points past the end of the file (truncated?)";
    return 0;
}

static memintro_status memintro__cd_kdump(memintro_coredump *d, int flattened)
{
    memintro__cd_state *st = d->state;
    uint8_t h[0x200], sub[104];
    static const unsigned L64[6] = {0x1a8, 0x1ac, 0x1b0, 0x1b4, 0x1b8, 0x1cc};
    static const unsigned L32[6] = {0x19c, 0x1a0, 0x1a4, 0x1a8, 0x1ac, 0x1c0};
    const unsigned *L = 0;
    uint32_t bs = 0, subblocks = 0, bmblocks = 0, version, nr_cpus, dump_level;
    uint64_t max_mapnr, half, bm_off, nb, b, npfn_words, runs = 0, excluded = 0;
    uint64_t phys_base, off_vmci, size_vmci, off_note, size_note;
    int pass, is64 = 0;
    memintro__cd_seg *segs = 0;
    memintro_status s;
    memset(h, 0, sizeof h);
    memset(sub, 0, sizeof sub);
    if (st->vsize < 0x1d0) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "kdump: the header is truncated");
    memintro__cd_lread(st, 0, h, st->vsize < sizeof h ? st->vsize : sizeof h);
    version = memintro_get_u32(h + 8);
    for (pass = 0; pass < 2 && !L; pass++) {
        const unsigned *c = pass == 0 ? L64 : L32;
        uint32_t cbs = memintro_get_u32(h + c[1]), csub = memintro_get_u32(h + c[2]), cbm = memintro_get_u32(h + c[3]);
        if (cbs < 512 || cbs > (1u << 20) || (cbs & (cbs - 1))) continue;
        if (csub < 1 || cbm < 2 || (cbm & 1)) continue;
        if ((1ull + csub + cbm) * cbs > st->vsize) continue;
        L = c;
        is64 = pass == 0;
        bs = cbs;
        subblocks = csub;
        bmblocks = cbm;
    }
    if (!L) {
        uint32_t a = memintro_get_u32(h + L64[1]), c = memintro_get_u32(h + L64[2]), e = memintro_get_u32(h + L64[3]);
        return memintro__cd_fail(
            d, MEMINTRO_E_FORMAT,
            "kdump: the header is inconsistent or the file truncated (block size %u, sub-header %u "
            "blocks, bitmap %u blocks, file %llu bytes)",
            a, c, e, MEMINTRO__CD_ULL(st->vsize));
    }
    st->block_size = bs;
    for (st->page_shift = 0; (1u << st->page_shift) < bs; st->page_shift++) {
    }
    st->status = memintro_get_u32(h + L[0]);
    nr_cpus = memintro_get_u32(h + L[5]);
    max_mapnr = memintro_get_u32(h + L[4]);
    memintro__cd_lread(st, bs, sub, sizeof sub);
    if (is64) {
        phys_base = memintro_get_u64(sub);
        dump_level = memintro_get_u32(sub + 8);
        off_vmci = memintro_get_u64(sub + 32);
        size_vmci = memintro_get_u64(sub + 40);
        off_note = memintro_get_u64(sub + 48);
        size_note = memintro_get_u64(sub + 56);
        if (version >= 6) max_mapnr = memintro_get_u64(sub + 96);
    } else {
        phys_base = memintro_get_u32(sub);
        dump_level = memintro_get_u32(sub + 4);
        off_vmci = memintro_get_u64(sub + 20);
        size_vmci = memintro_get_u32(sub + 28);
        off_note = memintro_get_u64(sub + 32);
        size_note = memintro_get_u32(sub + 40);
        if (version >= 6) max_mapnr = memintro_get_u64(sub + 72);
    }
    if (version < 3) off_vmci = size_vmci = 0;
    if (version < 4) off_note = size_note = 0;
    half = (uint64_t)bmblocks / 2 * bs;
    if (!max_mapnr) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "kdump: max_mapnr is 0 (no pages)");
    if (max_mapnr > half * 8)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                 "kdump: max_mapnr (%llu pages) exceeds what the bitmaps cover (%llu pages)",
                                 MEMINTRO__CD_ULL(max_mapnr), MEMINTRO__CD_ULL(half * 8));
    st->max_pfn = max_mapnr;
    bm_off = (1ull + subblocks) * bs;
    st->bm_valid = memintro__cd_view(st, bm_off, half, &st->bm_owned[0]);
    st->bm_dumped = memintro__cd_view(st, bm_off + half, half, &st->bm_owned[1]);
    if (!st->bm_valid || !st->bm_dumped)
        return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (bitmaps of %llu bytes)",
                                 MEMINTRO__CD_ULL(half));
    /* rank table: one count per 512 pfns */
    nb = (max_mapnr + 511) / 512;
    npfn_words = (max_mapnr + 63) / 64;
    st->rank = (uint64_t *)memintro__cd_alloc(st, (nb + 1) * sizeof *st->rank);
    if (!st->rank) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (rank table)");
    {
        uint64_t total = 0, w, prev_d = 0;
        for (b = 0; b < nb; b++) {
            st->rank[b] = total;
            for (w = b * 8; w < b * 8 + 8 && w < npfn_words; w++) {
                uint64_t dw = memintro__cd_bm_word(st->bm_dumped, w, max_mapnr);
                uint64_t vw = memintro__cd_bm_word(st->bm_valid, w, max_mapnr);
                uint64_t any = (d->flags & MEMINTRO_COREDUMP_ZERO_EXCLUDED) ? (dw | vw) : dw;
                total += memintro__cd_popcount(dw);
                excluded += memintro__cd_popcount(vw & ~dw);
                /* runs start where a set bit follows a clear one */
                runs += memintro__cd_popcount(any & ~((any << 1) | prev_d));
                prev_d = any >> 63;
            }
        }
        st->rank[nb] = total;
        st->ndesc = total;
    }
    st->desc_off = (1ull + subblocks + bmblocks) * bs;
    if (st->ndesc > (st->vsize - st->desc_off) / 24)
        return memintro__cd_fail(
            d, MEMINTRO_E_FORMAT,
            "kdump: the bitmap lists %llu pages but their descriptors (24 bytes each at " MEMINTRO__CD_HEX
            ") run past the end of the file (%llu bytes; truncated?)",
            MEMINTRO__CD_ULL(st->ndesc), MEMINTRO__CD_ULL(st->desc_off), MEMINTRO__CD_ULL(st->vsize));
    /* check the descriptors (all of them when there are not too many, else the last) */
    {
        uint64_t k = st->ndesc > MEMINTRO_COREDUMP_CHECK_PAGES ? st->ndesc - 1 : 0;
        st->checked = st->ndesc <= MEMINTRO_COREDUMP_CHECK_PAGES;
        for (; k < st->ndesc; k++) {
            uint8_t pd[24];
            const char *why;
            const uint8_t *p = memintro__cd_lptr(st, st->desc_off + k * 24, 24);
            if (!p) {
                memintro__cd_lread(st, st->desc_off + k * 24, pd, 24);
                p = pd;
            }
            why = memintro__cd_desc_check(st, memintro_get_u64(p), memintro_get_u32(p + 8), memintro_get_u32(p + 12));
            if (why)
                return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                         "kdump: page descriptor %llu (offset " MEMINTRO__CD_HEX
                                         ", %u bytes, flags 0x%x) %s",
                                         MEMINTRO__CD_ULL(k), MEMINTRO__CD_ULL(memintro_get_u64(p)),
                                         memintro_get_u32(p + 8), memintro_get_u32(p + 12), why);
        }
    }
    /* notes and VMCOREINFO */
    if (size_note) {
        uint8_t *owned = 0;
        const uint8_t *p;
        if (off_note > st->vsize || size_note > st->vsize - off_note || size_note > (1u << 30))
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "kdump: the notes (" MEMINTRO__CD_HEX ", %llu bytes) run past the end of the file",
                                     MEMINTRO__CD_ULL(off_note), MEMINTRO__CD_ULL(size_note));
        p = memintro__cd_view(st, off_note, size_note, &owned);
        if (!p) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (notes)");
        s = memintro__cd_notes(d, p, size_note, 0, "kdump");
        memintro__cd_free(st, owned);
        if (s != MEMINTRO_OK) return s;
    }
    if (!st->vmcoreinfo && size_vmci && off_vmci <= st->vsize && size_vmci <= st->vsize - off_vmci) {
        uint64_t n = size_vmci > MEMINTRO__CD_MAX_VMCOREINFO ? MEMINTRO__CD_MAX_VMCOREINFO : size_vmci;
        uint8_t *tmp = (uint8_t *)memintro__cd_alloc(st, n);
        if (tmp) {
            memintro__cd_lread(st, off_vmci, tmp, n);
            memintro__cd_set_vmcoreinfo(d, tmp, n);
            memintro__cd_free(st, tmp);
        }
    }
    /* memory map: runs of set bits */
    segs = (memintro__cd_seg *)memintro__cd_alloc(st, (runs + 1) * sizeof *segs);
    if (!segs) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%llu ranges)", MEMINTRO__CD_ULL(runs));
    {
        uint64_t pfn = 0, n = 0;
        while (pfn < max_mapnr && n <= runs) {
            uint64_t w = pfn >> 6, start, v;
            v = memintro__cd_bm_word(st->bm_dumped, w, max_mapnr);
            if (d->flags & MEMINTRO_COREDUMP_ZERO_EXCLUDED) v |= memintro__cd_bm_word(st->bm_valid, w, max_mapnr);
            v &= ~0ull << (pfn & 63);
            if (!v) {
                pfn = (w + 1) * 64;
                continue;
            }
            start = w * 64;
            while (!(v & 1)) {
                v >>= 1;
                start++;
            }
            pfn = start;
            /* extend the run */
            for (;;) {
                uint64_t ww = pfn >> 6, vv;
                if (pfn >= max_mapnr) break;
                vv = memintro__cd_bm_word(st->bm_dumped, ww, max_mapnr);
                if (d->flags & MEMINTRO_COREDUMP_ZERO_EXCLUDED) vv |= memintro__cd_bm_word(st->bm_valid, ww, max_mapnr);
                vv >>= (pfn & 63);
                if (vv == (~0ull >> (pfn & 63))) {
                    pfn = (ww + 1) * 64;
                    continue;
                }
                while (vv & 1) {
                    vv >>= 1;
                    pfn++;
                }
                break;
            }
            if (pfn > max_mapnr) pfn = max_mapnr;
            if (n < runs) {
                segs[n].start = start << st->page_shift;
                segs[n].size = (pfn - start) << st->page_shift;
                segs[n].offset = segs[n].start;
                segs[n].order = n;
            }
            n++;
        }
        if (n > runs) n = runs;
        runs = n;
    }
    if ((max_mapnr << st->page_shift) >> st->page_shift != max_mapnr) {
        memintro__cd_free(st, segs);
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                 "kdump: max_mapnr %llu with %u-byte pages exceeds 64-bit addresses",
                                 MEMINTRO__CD_ULL(max_mapnr), bs);
    }
    st->kind = MEMINTRO__CD_PAGED;
    s = memintro__cd_build_map(d, segs, (size_t)runs, 0, 0);
    memintro__cd_free(st, segs);
    if (s != MEMINTRO_OK) return s;
    st->scratch = (uint8_t *)memintro__cd_alloc(st, 2ull * bs);
    st->cache = (uint8_t *)memintro__cd_alloc(st, (uint64_t)MEMINTRO_COREDUMP_CACHE_PAGES * bs);
    if (!st->scratch || !st->cache) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (page cache)");
    /* facts */
    d->facts.has_kdump = 1;
    d->facts.kdump.is64 = (uint32_t)is64;
    d->facts.kdump.flattened = (uint32_t)flattened;
    d->facts.kdump.header_version = version;
    d->facts.kdump.block_size = bs;
    d->facts.kdump.status = st->status;
    d->facts.kdump.dump_level = dump_level;
    d->facts.kdump.nr_cpus = nr_cpus;
    d->facts.kdump.phys_base = phys_base;
    d->facts.kdump.max_mapnr = max_mapnr;
    d->facts.kdump.pages_dumped = st->ndesc;
    d->facts.kdump.pages_excluded = excluded;
    memintro__cd_text(d->facts.kdump.release, sizeof d->facts.kdump.release, h + 12 + 2 * 65, 65);
    memintro__cd_text(d->facts.kdump.machine, sizeof d->facts.kdump.machine, h + 12 + 4 * 65, 65);
    d->facts.compression = st->status & (MEMINTRO_COMPRESS_ZLIB | MEMINTRO_COMPRESS_LZO | MEMINTRO_COMPRESS_SNAPPY |
                                         MEMINTRO_COMPRESS_ZSTD);
    d->facts.cpu_count = nr_cpus;
    if (st->nqemu || st->nprstatus) {
        uint32_t n = st->nprstatus > st->nqemu ? st->nprstatus : st->nqemu;
        if (n > d->facts.cpu_count) d->facts.cpu_count = n;
        d->facts.qemu = st->nqemu > 0;
    }
    if (!strcmp(d->facts.kdump.machine, "x86_64"))
        d->facts.elf_machine = 62;
    else if (d->facts.kdump.machine[0] == 'i' && strstr(d->facts.kdump.machine, "86"))
        d->facts.elf_machine = 3;
    {
        const char *c =
            d->facts.compression ? memintro_coredump_compression_name(d->facts.compression) : "uncompressed";
        if (d->facts.compression & (d->facts.compression - 1)) c = "mixed compression";
        snprintf(d->description, sizeof d->description, "kdump-compressed (%s%s-bit header v%u, %u-byte pages, %s%s)",
                 flattened ? "flattened, " : "", is64 ? "64" : "32", version, bs, c,
                 (st->status & 0x8) ? ", incomplete" : "");
    }
    return MEMINTRO_OK;
}

/* ---- Windows crash dumps ---- */

static memintro_status memintro__cd_windows(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    uint8_t *h;
    memintro_coredump_windows *w = &d->facts.windows;
    unsigned hs;
    int is64;
    memintro__cd_seg *segs = 0;
    size_t nseg = 0;
    memintro_status s = MEMINTRO_OK;
    uint8_t hdr[0x2000];
    if (st->vsize < 8) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "Windows dump: the header is truncated");
    memintro__cd_lread(st, 0, hdr, 8);
    if (!memcmp(hdr + 4, "DU64", 4))
        is64 = 1;
    else if (!memcmp(hdr + 4, "DUMP", 4))
        is64 = 0;
    else {
        char v[8];
        memintro__cd_text(v, sizeof v, hdr + 4, 4);
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "Windows dump: unknown ValidDump \"%s\" (expected DU64 or DUMP)",
                                 v);
    }
    hs = is64 ? 0x2000u : 0x1000u;
    if (st->vsize < hs)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "Windows dump: the %u-byte header is truncated (%llu bytes)", hs,
                                 MEMINTRO__CD_ULL(st->vsize));
    memintro__cd_lread(st, 0, hdr, hs);
    h = hdr;
    d->facts.has_windows = 1;
    w->is64 = (uint32_t)is64;
    w->major_version = memintro_get_u32(h + 8);
    w->minor_version = memintro_get_u32(h + 12);
    if (is64) {
        w->directory_table_base = memintro_get_u64(h + 0x10);
        w->pfn_database = memintro_get_u64(h + 0x18);
        w->ps_loaded_module_list = memintro_get_u64(h + 0x20);
        w->ps_active_process_head = memintro_get_u64(h + 0x28);
        w->machine_image_type = memintro_get_u32(h + 0x30);
        w->number_processors = memintro_get_u32(h + 0x34);
        w->bugcheck_code = memintro_get_u32(h + 0x38);
        w->bugcheck_params[0] = memintro_get_u64(h + 0x40);
        w->bugcheck_params[1] = memintro_get_u64(h + 0x48);
        w->bugcheck_params[2] = memintro_get_u64(h + 0x50);
        w->bugcheck_params[3] = memintro_get_u64(h + 0x58);
        w->kd_debugger_data_block = memintro_get_u64(h + 0x80);
        w->context_rsp = memintro_get_u64(h + 0x348 + 0x98);
        w->context_rip = memintro_get_u64(h + 0x348 + 0xf8);
        w->dump_type = memintro_get_u32(h + 0xf98);
        w->required_dump_space = memintro_get_u64(h + 0xfa0);
        w->system_time = memintro_get_u64(h + 0xfa8);
        w->system_up_time = memintro_get_u64(h + 0x1030);
    } else {
        w->directory_table_base = memintro_get_u32(h + 0x10);
        w->pfn_database = memintro_get_u32(h + 0x14);
        w->ps_loaded_module_list = memintro_get_u32(h + 0x18);
        w->ps_active_process_head = memintro_get_u32(h + 0x1c);
        w->machine_image_type = memintro_get_u32(h + 0x20);
        w->number_processors = memintro_get_u32(h + 0x24);
        w->bugcheck_code = memintro_get_u32(h + 0x28);
        w->bugcheck_params[0] = memintro_get_u32(h + 0x2c);
        w->bugcheck_params[1] = memintro_get_u32(h + 0x30);
        w->bugcheck_params[2] = memintro_get_u32(h + 0x34);
        w->bugcheck_params[3] = memintro_get_u32(h + 0x38);
        w->pae_enabled = h[0x5c];
        w->kd_debugger_data_block = memintro_get_u32(h + 0x60);
        w->context_rsp = memintro_get_u32(h + 0x320 + 0xc4);
        w->context_rip = memintro_get_u32(h + 0x320 + 0xb8);
        w->dump_type = memintro_get_u32(h + 0xf88);
        w->required_dump_space = memintro_get_u64(h + 0xfa0);
        w->system_up_time = memintro_get_u64(h + 0xfb8);
        w->system_time = memintro_get_u64(h + 0xfc0);
    }
    d->facts.cpu_count = w->number_processors;
    d->facts.dtb = w->directory_table_base;
    if (w->machine_image_type == 0x8664)
        d->facts.mode = MEMINTRO_ARCH_X86_64;
    else if (w->machine_image_type == 0x14c)
        d->facts.mode = w->pae_enabled ? MEMINTRO_ARCH_X86_PAE : MEMINTRO_ARCH_X86;
    else if (w->machine_image_type == 0xaa64)
        d->facts.mode = MEMINTRO_ARCH_AARCH64;
    if (w->dump_type == 1) {
        /* full dump: the physical memory descriptor's runs, stored back to back */
        unsigned maxruns = is64 ? 43u : 86u, i;
        uint32_t nruns = memintro_get_u32(h + (is64 ? 0x88 : 0x64));
        uint64_t npages = is64 ? memintro_get_u64(h + 0x90) : memintro_get_u32(h + 0x68), sum = 0, pos = hs;
        if (nruns == 0x45474150)
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: the physical memory descriptor is missing (filled with \"PAGE\")");
        if (nruns > maxruns)
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: %u memory runs do not fit the header (at most %u)", nruns, maxruns);
        segs = (memintro__cd_seg *)memintro__cd_alloc(st, (nruns + 1ull) * sizeof *segs);
        if (!segs) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory");
        for (i = 0; i < nruns; i++) {
            uint64_t base, count;
            if (is64) {
                base = memintro_get_u64(h + 0x98 + 16 * i);
                count = memintro_get_u64(h + 0xa0 + 16 * i);
            } else {
                base = memintro_get_u32(h + 0x6c + 8 * i);
                count = memintro_get_u32(h + 0x70 + 8 * i);
            }
            if ((base >> 52) || (count >> 52) || ((base + count) >> 52)) {
                s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                      "Windows dump: run %u (base page " MEMINTRO__CD_HEX ", %llu pages) is absurd", i,
                                      MEMINTRO__CD_ULL(base), MEMINTRO__CD_ULL(count));
                goto done;
            }
            sum += count;
            if (!count) continue;
            segs[nseg].start = base << 12;
            segs[nseg].size = count << 12;
            segs[nseg].offset = pos;
            segs[nseg].order = i;
            nseg++;
            pos += count << 12;
        }
        if (sum != npages) {
            s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                  "Windows dump: NumberOfPages (%llu) disagrees with the runs, which hold %llu pages",
                                  MEMINTRO__CD_ULL(npages), MEMINTRO__CD_ULL(sum));
            goto done;
        }
        if (pos > st->vsize) {
            s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                  "Windows dump: the runs hold %llu pages, which end at " MEMINTRO__CD_HEX
                                  ", past the end of the file (" MEMINTRO__CD_HEX " bytes; truncated?)",
                                  MEMINTRO__CD_ULL(sum), MEMINTRO__CD_ULL(pos), MEMINTRO__CD_ULL(st->vsize));
            goto done;
        }
        /* runs must already be in order and disjoint */
        {
            size_t k;
            for (k = 1; k < nseg; k++)
                if (segs[k].start < segs[k - 1].start + segs[k - 1].size) {
                    s = memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                          "Windows dump: run at page " MEMINTRO__CD_HEX
                                          " overlaps or precedes the run before it",
                                          MEMINTRO__CD_ULL(segs[k].start >> 12));
                    goto done;
                }
        }
        st->kind = MEMINTRO__CD_PLAIN;
        s = memintro__cd_build_map(d, segs, nseg, 0, 0);
        if (s != MEMINTRO_OK) goto done;
    } else if (w->dump_type == 5 || w->dump_type == 2) {
        /* bitmap dump: a summary header at hs, the bitmap, then the present pages in order */
        uint8_t sh[0x38];
        uint64_t first, present, bits, nbytes, set = 0, k, pos, runs = 0;
        const uint8_t *bm;
        uint8_t *owned = 0;
        if (st->vsize - hs < 0x38)
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "Windows dump: the bitmap header is truncated");
        memintro__cd_lread(st, hs, sh, 0x38);
        if ((memcmp(sh, "SDMP", 4) && memcmp(sh, "FDMP", 4)) || memcmp(sh + 4, "DUMP", 4)) {
            char v[12];
            memintro__cd_text(v, sizeof v, sh, 8);
            if (w->dump_type == 2)
                return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                         "Windows dump: type 2 (kernel dump) without a bitmap header is not supported");
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: bitmap header signature \"%s\" is not SDMP/FDMP + DUMP", v);
        }
        memcpy(w->bitmap_kind, sh, 4);
        w->bitmap_kind[4] = 0;
        first = memintro_get_u64(sh + 0x20);
        present = memintro_get_u64(sh + 0x28);
        bits = memintro_get_u64(sh + 0x30);
        nbytes = (bits >> 3) + ((bits & 7) != 0);
        if (bits >> 52 || nbytes > st->vsize - hs - 0x38)
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: the bitmap of %llu bits runs past the end of the file (truncated?)",
                                     MEMINTRO__CD_ULL(bits));
        bm = memintro__cd_view(st, hs + 0x38, nbytes, &owned);
        if (!bm) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (bitmap)");
        for (k = 0; k < nbytes; k++) {
            unsigned v = bm[k];
            unsigned prev = k ? (bm[k - 1] >> 7) & 1 : 0;
            if (k == nbytes - 1 && (bits & 7)) v &= (1u << (bits & 7)) - 1;
            set += memintro__cd_popcount(v);
            runs += memintro__cd_popcount(v & ~((v << 1) | prev) & 0xff);
        }
        if (set != present) {
            memintro__cd_free(st, owned);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: the bitmap has %llu pages set but the header says %llu are present",
                                     MEMINTRO__CD_ULL(set), MEMINTRO__CD_ULL(present));
        }
        if (first < hs + 0x38 + nbytes || first > st->vsize || present > (st->vsize - first) >> 12) {
            memintro__cd_free(st, owned);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "Windows dump: %llu pages from file offset " MEMINTRO__CD_HEX
                                     " do not fit between the bitmap and the end of the file (" MEMINTRO__CD_HEX
                                     " bytes; truncated?)",
                                     MEMINTRO__CD_ULL(present), MEMINTRO__CD_ULL(first), MEMINTRO__CD_ULL(st->vsize));
        }
        segs = (memintro__cd_seg *)memintro__cd_alloc(st, (runs + 1) * sizeof *segs);
        if (!segs) {
            memintro__cd_free(st, owned);
            return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory (%llu runs)", MEMINTRO__CD_ULL(runs));
        }
        pos = first;
        for (k = 0; k < bits;) {
            uint64_t start;
            if (!((bm[k >> 3] >> (k & 7)) & 1)) {
                if (!(k & 7) && !bm[k >> 3])
                    k += 8;
                else
                    k++;
                continue;
            }
            start = k;
            while (k < bits && ((bm[k >> 3] >> (k & 7)) & 1)) {
                if (!(k & 7) && bm[k >> 3] == 0xff && k + 8 <= bits)
                    k += 8;
                else
                    k++;
            }
            if (nseg < runs + 1) {
                segs[nseg].start = start << 12;
                segs[nseg].size = (k - start) << 12;
                segs[nseg].offset = pos;
                segs[nseg].order = nseg;
                nseg++;
            }
            pos += (k - start) << 12;
        }
        memintro__cd_free(st, owned);
        st->kind = MEMINTRO__CD_PLAIN;
        s = memintro__cd_build_map(d, segs, nseg, 0, 0);
        if (s != MEMINTRO_OK) goto done;
    } else {
        static const char *const names[] = {
            "?", "full",          "kernel",          "header only", "minidump", "bitmap", "live kernel bitmap",
            "?", "kernel memory", "kernel and user", "complete"};
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                 "Windows dump: type %u (%s) is not supported (full (1) and bitmap (5) dumps are)",
                                 w->dump_type, w->dump_type <= 10 ? names[w->dump_type] : "?");
    }
    snprintf(d->description, sizeof d->description, "Windows crash dump (%s, %s%s%s)", is64 ? "64-bit" : "32-bit",
             w->dump_type == 1 ? "full" : "bitmap ", w->dump_type == 1 ? "" : w->bitmap_kind,
             w->machine_image_type == 0x8664  ? ", AMD64"
             : w->machine_image_type == 0x14c ? ", i386"
                                              : "");
done:
    memintro__cd_free(st, segs);
    return s;
}

/* ---- LiME ---- */

static memintro_status memintro__cd_lime(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    uint64_t pos = 0, n = 0, cap = 0;
    memintro__cd_seg *segs = 0;
    memintro_status s;
    while (pos < st->vsize) {
        uint8_t hh[32];
        uint64_t sa, ea, len;
        uint32_t magic, version;
        if (st->vsize - pos < 32) {
            memintro__cd_free(st, segs);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "LiME: range header %llu at offset " MEMINTRO__CD_HEX " is truncated",
                                     MEMINTRO__CD_ULL(n), MEMINTRO__CD_ULL(pos));
        }
        memintro__cd_lread(st, pos, hh, 32);
        magic = memintro_get_u32(hh);
        version = memintro_get_u32(hh + 4);
        sa = memintro_get_u64(hh + 8);
        ea = memintro_get_u64(hh + 16);
        if (magic != 0x4c694d45u) {
            memintro__cd_free(st, segs);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "LiME: bad magic 0x%08x in range header %llu at offset " MEMINTRO__CD_HEX, magic,
                                     MEMINTRO__CD_ULL(n), MEMINTRO__CD_ULL(pos));
        }
        if (version != 1) {
            memintro__cd_free(st, segs);
            return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "LiME: header version %u is not supported (1 is)",
                                     version);
        }
        if (ea < sa || ea - sa == ~0ull) {
            memintro__cd_free(st, segs);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "LiME: range %llu ends (" MEMINTRO__CD_HEX ") before it starts (" MEMINTRO__CD_HEX
                                     ")",
                                     MEMINTRO__CD_ULL(n), MEMINTRO__CD_ULL(ea), MEMINTRO__CD_ULL(sa));
        }
        len = ea - sa + 1;
        if (len > st->vsize - pos - 32) {
            memintro__cd_free(st, segs);
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT,
                                     "LiME: range %llu (" MEMINTRO__CD_HEX "-" MEMINTRO__CD_HEX
                                     ") runs past the end of the file (truncated?)",
                                     MEMINTRO__CD_ULL(n), MEMINTRO__CD_ULL(sa), MEMINTRO__CD_ULL(ea));
        }
        if (n == cap) {
            uint64_t nc = cap ? cap * 2 : 16;
            memintro__cd_seg *ns = (memintro__cd_seg *)memintro__cd_alloc(st, nc * sizeof *ns);
            if (!ns) {
                memintro__cd_free(st, segs);
                return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory");
            }
            if (n) memcpy(ns, segs, (size_t)n * sizeof *segs);
            memintro__cd_free(st, segs);
            segs = ns;
            cap = nc;
        }
        segs[n].start = sa;
        segs[n].size = len;
        segs[n].offset = pos + 32;
        segs[n].order = n;
        n++;
        pos += 32 + len;
    }
    if (!n) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "LiME: no ranges");
    qsort(segs, (size_t)n, sizeof *segs, memintro__cd_seg_cmp);
    {
        uint64_t k;
        for (k = 1; k < n; k++)
            if (segs[k].start < segs[k - 1].start + segs[k - 1].size) {
                uint64_t a = segs[k].start;
                memintro__cd_free(st, segs);
                return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "LiME: range at " MEMINTRO__CD_HEX " overlaps another",
                                         MEMINTRO__CD_ULL(a));
            }
    }
    st->kind = MEMINTRO__CD_PLAIN;
    s = memintro__cd_build_map(d, segs, (size_t)n, 0, 0);
    memintro__cd_free(st, segs);
    if (s == MEMINTRO_OK) snprintf(d->description, sizeof d->description, "LiME (%llu ranges)", MEMINTRO__CD_ULL(n));
    return s;
}

/* ---- decompression ---- */

#ifdef MEMINTRO_COREDUMP_DLOPEN
static void *memintro__cd_sym(void *h, const char *name)
{
    return h ? dlsym(h, name) : 0;
}

/* Loads library k (0 zlib, 1 lzo, 2 snappy, 3 zstd) once per object. */
static void memintro__cd_load(memintro__cd_libs *l, int k)
{
    static const char *const names[4] = {"libz.so.1", "liblzo2.so.2", "libsnappy.so.1", "libzstd.so.1"};
    void *h, *a, *b;
    if (l->tried[k]) return;
    l->tried[k] = 1;
    h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    l->handle[k] = h;
    switch (k) {
    case 0:
        a = memintro__cd_sym(h, "uncompress");
        if (a) memcpy(&l->zlib_uncompress, &a, sizeof a);
        break;
    case 1:
        a = memintro__cd_sym(h, "lzo1x_decompress_safe");
        if (a) memcpy(&l->lzo_decompress, &a, sizeof a);
        break;
    case 2:
        a = memintro__cd_sym(h, "snappy_uncompressed_length");
        b = memintro__cd_sym(h, "snappy_uncompress");
        if (a && b) {
            memcpy(&l->snappy_len, &a, sizeof a);
            memcpy(&l->snappy_uncompress, &b, sizeof b);
        }
        break;
    default:
        a = memintro__cd_sym(h, "ZSTD_decompress");
        b = memintro__cd_sym(h, "ZSTD_isError");
        if (a && b) {
            memcpy(&l->zstd_decompress, &a, sizeof a);
            memcpy(&l->zstd_is_error, &b, sizeof b);
        }
        break;
    }
}
#endif

static void memintro__cd_unload(memintro__cd_libs *l)
{
#ifdef MEMINTRO_COREDUMP_DLOPEN
    int k;
    for (k = 0; k < 4; k++)
        if (l->handle[k]) dlclose(l->handle[k]);
#endif
    memset(l, 0, sizeof *l);
}

/* 1 when pages compressed with comp can be decompressed: the library is linked in, or
   (MEMINTRO_COREDUMP_DLOPEN) it loads. */
static int memintro__cd_have(memintro__cd_libs *l, uint32_t comp)
{
    (void)l;
    switch (comp) {
    case MEMINTRO_COMPRESS_ZLIB:
#if defined(MEMINTRO_COREDUMP_ZLIB)
        return 1;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        memintro__cd_load(l, 0);
        return l->zlib_uncompress != 0;
#else
        return 0;
#endif
    case MEMINTRO_COMPRESS_LZO:
#if defined(MEMINTRO_COREDUMP_LZO)
        if (!l->tried[1]) {
            l->tried[1] = 1;
            l->handle[1] = 0;
            if (lzo_init() == LZO_E_OK) l->tried[1] = 2;
        }
        return l->tried[1] == 2;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        memintro__cd_load(l, 1);
        return l->lzo_decompress != 0;
#else
        return 0;
#endif
    case MEMINTRO_COMPRESS_SNAPPY:
#if defined(MEMINTRO_COREDUMP_SNAPPY)
        return 1;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        memintro__cd_load(l, 2);
        return l->snappy_uncompress != 0;
#else
        return 0;
#endif
    case MEMINTRO_COMPRESS_ZSTD:
#if defined(MEMINTRO_COREDUMP_ZSTD)
        return 1;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        memintro__cd_load(l, 3);
        return l->zstd_decompress != 0;
#else
        return 0;
#endif
    default: return 0;
    }
}

/* Decompresses n bytes at src into dst; returns 1 when that gave exactly bs bytes. */
static int memintro__cd_decompress(memintro__cd_libs *l, uint32_t comp, const uint8_t *src, size_t n, uint8_t *dst,
                                   size_t bs)
{
    (void)l;
    switch (comp) {
    case MEMINTRO_COMPRESS_ZLIB: {
#if defined(MEMINTRO_COREDUMP_ZLIB)
        uLongf out = (uLongf)bs;
        return uncompress(dst, &out, src, (uLong)n) == Z_OK && out == bs;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        unsigned long out = (unsigned long)bs;
        return l->zlib_uncompress(dst, &out, src, (unsigned long)n) == 0 && out == bs;
#else
        break;
#endif
    }
    case MEMINTRO_COMPRESS_LZO: {
#if defined(MEMINTRO_COREDUMP_LZO)
        lzo_uint out = (lzo_uint)bs;
        return lzo1x_decompress_safe(src, (lzo_uint)n, dst, &out, 0) == LZO_E_OK && out == bs;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        unsigned long out = (unsigned long)bs;
        return l->lzo_decompress(src, (unsigned long)n, dst, &out, 0) == 0 && out == bs;
#else
        break;
#endif
    }
    case MEMINTRO_COMPRESS_SNAPPY: {
        size_t out = 0;
#if defined(MEMINTRO_COREDUMP_SNAPPY)
        if (snappy_uncompressed_length((const char *)src, n, &out) != SNAPPY_OK || out != bs) return 0;
        return snappy_uncompress((const char *)src, n, (char *)dst, &out) == SNAPPY_OK && out == bs;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        if (l->snappy_len((const char *)src, n, &out) != 0 || out != bs) return 0;
        return l->snappy_uncompress((const char *)src, n, (char *)dst, &out) == 0 && out == bs;
#else
        (void)out;
        break;
#endif
    }
    case MEMINTRO_COMPRESS_ZSTD: {
#if defined(MEMINTRO_COREDUMP_ZSTD)
        size_t r = ZSTD_decompress(dst, bs, src, n);
        return !ZSTD_isError(r) && r == bs;
#elif defined(MEMINTRO_COREDUMP_DLOPEN)
        size_t r = l->zstd_decompress(dst, bs, src, n);
        return !l->zstd_is_error(r) && r == bs;
#else
        break;
#endif
    }
    default: break;
    }
    (void)src;
    (void)n;
    (void)dst;
    (void)bs;
    return 0;
}

/* Decompresses n bytes at src into exactly block_size bytes at dst. */
static memintro_status memintro__cd_inflate(memintro_coredump *d, uint32_t comp, const uint8_t *src, size_t n,
                                            uint8_t *dst, uint64_t pfn)
{
    memintro__cd_state *st = d->state;
    if (!memintro__cd_have(&st->libs, comp)) {
        static const char *const lib[4] = {
            "define MEMINTRO_COREDUMP_ZLIB and link -lz", "define MEMINTRO_COREDUMP_LZO and link -llzo2",
            "define MEMINTRO_COREDUMP_SNAPPY and link -lsnappy", "define MEMINTRO_COREDUMP_ZSTD and link -lzstd"};
        int k = comp == MEMINTRO_COMPRESS_ZLIB     ? 0
                : comp == MEMINTRO_COMPRESS_LZO    ? 1
                : comp == MEMINTRO_COMPRESS_SNAPPY ? 2
                                                   : 3;
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                 "kdump: page " MEMINTRO__CD_HEX " is compressed with %s, which this build cannot "
                                 "decompress (%s)",
                                 MEMINTRO__CD_ULL(pfn << st->page_shift), memintro_coredump_compression_name(comp),
                                 lib[k]);
    }
    if (!memintro__cd_decompress(&st->libs, comp, src, n, dst, st->block_size))
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "kdump: the %s data of page " MEMINTRO__CD_HEX " is corrupt",
                                 memintro_coredump_compression_name(comp), MEMINTRO__CD_ULL(pfn << st->page_shift));
    return MEMINTRO_OK;
}

/* Reads dumped page pfn (its bit is set in the dumped bitmap) into dst (block_size bytes). */
/* A read from the file failed (MEMINTRO_COREDUMP_NO_MMAP): says how the file changed. */
static memintro_status memintro__cd_shrank(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    struct stat sb;
    int e = errno;
    if (st->fd >= 0 && fstat(st->fd, &sb) == 0 && (uint64_t)sb.st_size < st->opened_size)
        return memintro__cd_fail(d, MEMINTRO_E_IO, "%s: the file shrank from %llu to %llu bytes while open",
                                 st->path_name, MEMINTRO__CD_ULL(st->opened_size), MEMINTRO__CD_ULL(sb.st_size));
    return memintro__cd_fail(d, MEMINTRO_E_IO, "%s: cannot read the file: %s", st->path_name,
                             e ? strerror(e) : "end of file");
}

static memintro_status memintro__cd_kdump_page(memintro_coredump *d, uint64_t pfn, uint8_t *dst)
{
    memintro__cd_state *st = d->state;
    uint64_t idx = memintro__cd_rank(st, pfn), off;
    uint8_t pd[24];
    const uint8_t *p, *src;
    uint32_t size, flags, comp;
    const char *why;
    if (idx >= st->ndesc) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "kdump: descriptor index out of range");
    p = memintro__cd_lptr(st, st->desc_off + idx * 24, 24);
    if (!p) {
        if (memintro__cd_lread(st, st->desc_off + idx * 24, pd, 24)) return memintro__cd_shrank(d);
        p = pd;
    }
    off = memintro_get_u64(p);
    size = memintro_get_u32(p + 8);
    flags = memintro_get_u32(p + 12);
    if (off == 0 && !size && (st->status & 0x8))
        return memintro__cd_fail(d, MEMINTRO_E_IO, "kdump: page " MEMINTRO__CD_HEX " was not saved (incomplete dump)",
                                 MEMINTRO__CD_ULL(pfn << st->page_shift));
    why = memintro__cd_desc_check(st, off, size, flags);
    if (why)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "kdump: the descriptor of page " MEMINTRO__CD_HEX " %s",
                                 MEMINTRO__CD_ULL(pfn << st->page_shift), why);
    comp = flags & (MEMINTRO_COMPRESS_ZLIB | MEMINTRO_COMPRESS_LZO | MEMINTRO_COMPRESS_SNAPPY | MEMINTRO_COMPRESS_ZSTD);
    src = memintro__cd_lptr(st, off, size);
    if (!src) {
        if (memintro__cd_lread(st, off, st->scratch, size)) return memintro__cd_shrank(d);
        src = st->scratch;
    }
    if (!comp) {
        memcpy(dst, src, st->block_size);
        return MEMINTRO_OK;
    }
    return memintro__cd_inflate(d, comp, src, size, dst, pfn);
}

/* ---- the physical-memory interface ---- */

static void memintro__cd_read_paged(memintro_coredump *d, memintro_op *op)
{
    memintro__cd_state *st = d->state;
    uint8_t *buf = (uint8_t *)op->buf;
    uint64_t addr = op->addr, mask = (uint64_t)st->block_size - 1;
    size_t left = op->len;
    while (left) {
        uint64_t pfn = addr >> st->page_shift, in = addr & mask;
        size_t n = (size_t)((uint64_t)st->block_size - in);
        memintro_status s = MEMINTRO_OK;
        if (n > left) n = left;
        if (pfn < st->max_pfn && memintro__cd_bit(st->bm_dumped, pfn)) {
            if (in == 0 && n == st->block_size) {
                s = memintro__cd_kdump_page(d, pfn, buf);
            } else {
                unsigned slot = (unsigned)(pfn & (MEMINTRO_COREDUMP_CACHE_PAGES - 1));
                uint8_t *line = st->cache + (size_t)slot * st->block_size;
                if (st->cache_tag[slot] != pfn + 1) {
                    st->cache_tag[slot] = 0;
                    s = memintro__cd_kdump_page(d, pfn, line);
                    if (s == MEMINTRO_OK) st->cache_tag[slot] = pfn + 1;
                }
                if (s == MEMINTRO_OK) memcpy(buf, line + in, n);
            }
        } else if (pfn < st->max_pfn && (d->flags & MEMINTRO_COREDUMP_ZERO_EXCLUDED) &&
                   memintro__cd_bit(st->bm_valid, pfn)) {
            memset(buf, 0, n);
        } else {
            s = MEMINTRO_E_HOLE;
        }
        if (s != MEMINTRO_OK) memintro_op_fail(op, s, (size_t)(buf - (uint8_t *)op->buf), n, 1);
        buf += n;
        addr += n;
        left -= n;
        if (left && !addr) { /* past the top of the physical address space */
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (uint8_t *)op->buf), left, 1);
            break;
        }
    }
}

/* Plain formats, what the mapped-memory backend does not serve: ranges that read as zeros,
   holes, flattened streams, and (MEMINTRO_COREDUMP_NO_MMAP) every stored byte, by pread. */
static void memintro__cd_read_plain(memintro_coredump *d, memintro_op *op)
{
    memintro__cd_state *st = d->state;
    uint8_t *buf = (uint8_t *)op->buf;
    uint64_t addr = op->addr;
    size_t left = op->len;
    while (left) {
        uint64_t off, run;
        size_t n;
        int backed = memintro_memmap_lookup(&d->map, addr, &off, &run);
        n = run < left ? (size_t)run : left;
        if (!backed)
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (uint8_t *)op->buf), n, 1);
        else if (off >= MEMINTRO__CD_ZERO_BASE)
            memset(buf, 0, n);
        else if (memintro__cd_lread(st, off, buf, n))
            memintro_op_fail(op, memintro__cd_shrank(d), (size_t)(buf - (uint8_t *)op->buf), n, 1);
        buf += n;
        addr += n;
        left -= n;
        if (left && !addr) { /* past the top of the physical address space */
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (uint8_t *)op->buf), left, 1);
            break;
        }
    }
}

/* The dump's own reader (the mapped-memory backend's fallback; phys.user is the dump). */
static memintro_status memintro__cd_read_rest(memintro_phys *self, memintro_op *ops, size_t count)
{
    memintro_coredump *d = (memintro_coredump *)self->user;
    size_t i;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++) {
        if (d->state->kind == MEMINTRO__CD_PAGED)
            memintro__cd_read_paged(d, &ops[i]);
        else
            memintro__cd_read_plain(d, &ops[i]);
    }
    return memintro_ops_status(ops, count);
}

static memintro_status memintro__cd_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    memintro__cd_state *st = ((memintro_coredump *)self)->state;
    st->rest.user = self; /* the dump as the caller holds it now (it may have been copied) */
    if (st->use_buffer) return st->buffer.phys.read(&st->buffer.phys, ops, count);
    return memintro__cd_read_rest(&st->rest, ops, count);
}

static const void *memintro__cd_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    memintro__cd_state *st = ((memintro_coredump *)self)->state;
    return st->buffer.phys.direct(&st->buffer.phys, addr, avail);
}

/* Sets up reads: the plainly stored ranges of a mapped, seekable plain format go to the
   core's mapped-memory backend (data = the mapping) with direct access; the rest to the
   dump's own reader. */
static memintro_status memintro__cd_setup_reads(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    size_t i, n = 0;
    st->rest.read = memintro__cd_read_rest;
    st->rest.write = 0;
    st->rest.user = d;
    st->rest.direct = 0;
    d->phys.read = memintro__cd_read;
    d->phys.direct = 0;
    st->use_buffer = 0;
    memintro__cd_free(st, st->plain_ranges);
    st->plain_ranges = 0;
    if (st->kind != MEMINTRO__CD_PLAIN || st->pieces || !st->file) return MEMINTRO_OK;
    for (i = 0; i < d->map.count; i++)
        if (d->map.ranges[i].offset < MEMINTRO__CD_ZERO_BASE) n++;
    st->plain_ranges = (memintro_range *)memintro__cd_alloc(st, (uint64_t)(n ? n : 1) * sizeof *st->plain_ranges);
    if (!st->plain_ranges) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory");
    memintro_memmap_init(&st->plain_map, st->plain_ranges, n ? n : 1);
    for (i = 0; i < d->map.count; i++) {
        const memintro_range *r = &d->map.ranges[i];
        if (r->offset < MEMINTRO__CD_ZERO_BASE && memintro_memmap_add(&st->plain_map, r->start, r->size, r->offset))
            return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "range " MEMINTRO__CD_HEX " cannot be mapped",
                                     MEMINTRO__CD_ULL(r->start));
    }
    if (memintro_buffer_init(&st->buffer, (void *)(uintptr_t)st->file, st->file_size, &st->plain_map, 0) !=
        MEMINTRO_OK)
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "a range lies outside the file");
    memintro_buffer_set_fallback(&st->buffer, &st->rest);
    st->use_buffer = 1;
    d->phys.direct = memintro__cd_direct;
    return MEMINTRO_OK;
}

/* ---- facts as text ---- */

static void memintro__cd_make_facts(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    memintro_coredump_facts *f = &d->facts;
    size_t i;
    memintro__cd_fact(d, "format", "%s", memintro_coredump_format_name(d->format));
    memintro__cd_fact(d, "file size", "%llu", MEMINTRO__CD_ULL(f->file_size));
    memintro__cd_fact(d, "memory", "%llu bytes in %zu ranges", MEMINTRO__CD_ULL(f->memory_size), d->map.count);
    if (f->cpu_count) memintro__cd_fact(d, "cpus", "%u", f->cpu_count);
    if (f->compression) {
        char buf[64];
        uint32_t bit;
        buf[0] = 0;
        for (bit = 1; bit <= MEMINTRO_COMPRESS_ZSTD; bit <<= 1) {
            if (!(f->compression & bit)) continue;
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s%s", buf[0] ? ", " : "",
                     memintro_coredump_compression_name(bit),
                     memintro_coredump_compression_available(bit) ? "" : " (not in this build)");
        }
        memintro__cd_fact(d, "compression", "%s", buf);
    }
    if (f->mode != MEMINTRO_ARCH_NONE) {
        memintro__cd_fact(d, "paging", "%s", memintro_arch_describe(f->mode));
        memintro__cd_fact(d, "dtb", MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(f->dtb));
    }
    for (i = 0; i < st->ncpus && i < 64; i++) {
        const memintro_cpu *c = &st->cpus[i];
        char n[40];
        if (c->flags & MEMINTRO_CPU_SYSTEM) {
            snprintf(n, sizeof n, "cpu%zu.cr3", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->cr[3]));
            snprintf(n, sizeof n, "cpu%zu.mode", i);
            memintro__cd_fact(d, n, "%s", memintro_arch_describe(memintro__cd_cpu_arch(c)));
            snprintf(n, sizeof n, "cpu%zu.cr0", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->cr[0]));
            snprintf(n, sizeof n, "cpu%zu.cr4", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->cr[4]));
            snprintf(n, sizeof n, "cpu%zu.idt", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->seg[MEMINTRO_SEG_IDT].base));
        }
        if (c->flags & MEMINTRO_CPU_GPRS) {
            snprintf(n, sizeof n, "cpu%zu.rip", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->rip));
            snprintf(n, sizeof n, "cpu%zu.rsp", i);
            memintro__cd_fact(d, n, MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(c->gpr[MEMINTRO_REG_RSP]));
        }
    }
    if (f->vmcoreinfo) {
        static const char *const keys[] = {"OSRELEASE",
                                           "PAGESIZE",
                                           "KERNELOFFSET",
                                           "NUMBER(phys_base)",
                                           "SYMBOL(init_top_pgt)",
                                           "SYMBOL(swapper_pg_dir)"};
        char v[88];
        memintro__cd_fact(d, "vmcoreinfo", "%zu bytes", f->vmcoreinfo_size);
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            char n[40];
            if (!memintro_coredump_vmcoreinfo_value(f, keys[i], v, sizeof v)) continue;
            snprintf(n, sizeof n, "vmcoreinfo.%s", keys[i]);
            memintro__cd_fact(d, n, "%s", v);
        }
    }
    if (f->has_kdump) {
        const memintro_coredump_kdump *k = &f->kdump;
        memintro__cd_fact(d, "kdump.header_version", "%u", k->header_version);
        memintro__cd_fact(d, "kdump.header", "%s-bit%s", k->is64 ? "64" : "32",
                          k->flattened ? ", flattened stream" : "");
        memintro__cd_fact(d, "kdump.block_size", "%u", k->block_size);
        memintro__cd_fact(d, "kdump.status", "0x%x%s", k->status, (k->status & 0x8) ? " (incomplete)" : "");
        memintro__cd_fact(d, "kdump.dump_level", "%u", k->dump_level);
        memintro__cd_fact(d, "kdump.phys_base", MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(k->phys_base));
        memintro__cd_fact(d, "kdump.max_mapnr", "%llu", MEMINTRO__CD_ULL(k->max_mapnr));
        memintro__cd_fact(d, "kdump.pages_dumped", "%llu", MEMINTRO__CD_ULL(k->pages_dumped));
        memintro__cd_fact(d, "kdump.pages_excluded", "%llu", MEMINTRO__CD_ULL(k->pages_excluded));
        if (k->release[0]) memintro__cd_fact(d, "kdump.release", "%s", k->release);
        if (k->machine[0]) memintro__cd_fact(d, "kdump.machine", "%s", k->machine);
    }
    if (f->has_windows) {
        const memintro_coredump_windows *w = &f->windows;
        memintro__cd_fact(d, "windows.header", "%s", w->is64 ? "64-bit (PAGEDU64)" : "32-bit (PAGEDUMP)");
        memintro__cd_fact(d, "windows.DumpType", "%u%s%s", w->dump_type, w->bitmap_kind[0] ? " " : "", w->bitmap_kind);
        memintro__cd_fact(d, "windows.Version", "%u.%u", w->major_version, w->minor_version);
        memintro__cd_fact(d, "windows.MachineImageType", "0x%x", w->machine_image_type);
        memintro__cd_fact(d, "windows.NumberProcessors", "%u", w->number_processors);
        memintro__cd_fact(d, "windows.DirectoryTableBase", MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(w->directory_table_base));
        memintro__cd_fact(d, "windows.PfnDataBase", MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(w->pfn_database));
        memintro__cd_fact(d, "windows.PsLoadedModuleList", MEMINTRO__CD_HEX,
                          MEMINTRO__CD_ULL(w->ps_loaded_module_list));
        memintro__cd_fact(d, "windows.PsActiveProcessHead", MEMINTRO__CD_HEX,
                          MEMINTRO__CD_ULL(w->ps_active_process_head));
        memintro__cd_fact(d, "windows.KdDebuggerDataBlock", MEMINTRO__CD_HEX,
                          MEMINTRO__CD_ULL(w->kd_debugger_data_block));
        memintro__cd_fact(
            d, "windows.BugCheck",
            "0x%x (" MEMINTRO__CD_HEX ", " MEMINTRO__CD_HEX ", " MEMINTRO__CD_HEX ", " MEMINTRO__CD_HEX ")",
            w->bugcheck_code, MEMINTRO__CD_ULL(w->bugcheck_params[0]), MEMINTRO__CD_ULL(w->bugcheck_params[1]),
            MEMINTRO__CD_ULL(w->bugcheck_params[2]), MEMINTRO__CD_ULL(w->bugcheck_params[3]));
        if (!w->is64) memintro__cd_fact(d, "windows.PaeEnabled", "%u", w->pae_enabled);
        memintro__cd_fact(d, "windows.ContextRip", MEMINTRO__CD_HEX, MEMINTRO__CD_ULL(w->context_rip));
    }
    d->fact_list = st->facts;
    d->fact_count = st->nfacts;
}

/* ---- open and close ---- */

static memintro_status memintro__cd_begin(memintro_coredump *d, const memintro_coredump_options *opt)
{
    const memintro_allocator *al = opt ? opt->allocator : 0;
    memintro_allocator def;
    memintro__cd_state *st;
    memset(d, 0, sizeof *d);
    def.alloc = memintro__cd_default_alloc;
    def.free = memintro__cd_default_free;
    def.user = 0;
    if (al && (!al->alloc) != (!al->free))
        return memintro__cd_fail(d, MEMINTRO_E_INVALID, "allocator: set both alloc and free, or neither");
    if (!al || !al->alloc) al = &def;
    st = (memintro__cd_state *)al->alloc(al->user, sizeof *st);
    if (!st) return memintro__cd_fail(d, MEMINTRO_E_NOSPACE, "out of memory");
    memset(st, 0, sizeof *st);
    st->al = *al;
    st->fd = -1;
    d->state = st;
    d->flags = opt ? opt->flags : 0;
    d->phys.read = memintro__cd_read;
    d->phys.write = 0;
    d->phys.user = 0;
    return MEMINTRO_OK;
}

static void memintro__cd_release(memintro_coredump *d)
{
    memintro__cd_state *st = d->state;
    memintro_allocator al;
    if (!st) return;
    al = st->al;
    memintro__cd_unload(&st->libs);
    if (st->map_addr) munmap(st->map_addr, st->map_len);
    if (st->fd >= 0) close(st->fd);
    memintro__cd_free(st, st->plain_ranges);
    memintro__cd_free(st, st->pieces);
    memintro__cd_free(st, st->ranges);
    memintro__cd_free(st, st->bm_owned[0]);
    memintro__cd_free(st, st->bm_owned[1]);
    memintro__cd_free(st, st->rank);
    memintro__cd_free(st, st->scratch);
    memintro__cd_free(st, st->cache);
    memintro__cd_free(st, st->cpus);
    memintro__cd_free(st, st->vmcoreinfo);
    memintro__cd_free(st, st->facts);
    al.free(al.user, st);
    d->state = 0;
}

static int memintro__cd_is_kdump(const uint8_t *p, uint64_t n)
{
    return n >= 8 && !memcmp(p, "KDUMP   ", 8);
}

static int memintro__cd_is_flat(const uint8_t *p, uint64_t n)
{
    return n >= 13 && !memcmp(p, "makedumpfile", 13);
}

static int memintro__cd_is_elf(const uint8_t *p, uint64_t n)
{
    return n >= 4 && !memcmp(p, "\177ELF", 4);
}

static int memintro__cd_is_lime(const uint8_t *p, uint64_t n)
{
    return n >= 4 && memintro_get_u32(p) == 0x4c694d45u;
}

/* Detects and parses; d->state->file is set. */
static memintro_status memintro__cd_parse(memintro_coredump *d, const memintro_coredump_options *opt)
{
    memintro__cd_state *st = d->state;
    memintro_coredump_format want = opt ? opt->format : MEMINTRO_COREDUMP_DETECT;
    const uint8_t *p = st->file;
    uint64_t n = st->file_size;
    memintro_status s;
    st->vsize = n;
    if ((unsigned)want > (unsigned)MEMINTRO_COREDUMP_LIME)
        return memintro__cd_fail(d, MEMINTRO_E_INVALID, "unknown format %d requested", (int)want);
    if (want == MEMINTRO_COREDUMP_RAW) {
        d->format = MEMINTRO_COREDUMP_RAW;
        s = memintro__cd_raw(d, opt->raw_base);
        goto done;
    }
    if (!n) return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "the file is empty");
    if (memintro__cd_is_flat(p, n) &&
        (want == MEMINTRO_COREDUMP_DETECT || want == MEMINTRO_COREDUMP_KDUMP || want == MEMINTRO_COREDUMP_ELF)) {
        uint8_t head[16];
        s = memintro__cd_unflatten(d);
        if (s != MEMINTRO_OK) return s;
        memset(head, 0, sizeof head);
        memintro__cd_lread(st, 0, head, st->vsize < 16 ? st->vsize : 16);
        if (memintro__cd_is_kdump(head, st->vsize) && want != MEMINTRO_COREDUMP_ELF) {
            d->format = MEMINTRO_COREDUMP_KDUMP;
            s = memintro__cd_kdump(d, 1);
        } else if (memintro__cd_is_elf(head, st->vsize) && want != MEMINTRO_COREDUMP_KDUMP) {
            d->format = MEMINTRO_COREDUMP_ELF;
            s = memintro__cd_elf(d, 1);
        } else {
            return memintro__cd_fail(
                d, MEMINTRO_E_FORMAT,
                "flattened: the reassembled file is neither a kdump (\"KDUMP   \") nor an ELF core%s",
                st->vsize ? "" : " (it is empty)");
        }
        goto done;
    }
    if (memintro__cd_is_kdump(p, n) && (want == MEMINTRO_COREDUMP_DETECT || want == MEMINTRO_COREDUMP_KDUMP)) {
        d->format = MEMINTRO_COREDUMP_KDUMP;
        s = memintro__cd_kdump(d, 0);
    } else if (memintro__cd_is_elf(p, n) && (want == MEMINTRO_COREDUMP_DETECT || want == MEMINTRO_COREDUMP_ELF)) {
        d->format = MEMINTRO_COREDUMP_ELF;
        s = memintro__cd_elf(d, 0);
    } else if (n >= 4 && !memcmp(p, "PAGE", 4) &&
               (want == MEMINTRO_COREDUMP_DETECT || want == MEMINTRO_COREDUMP_WINDOWS)) {
        d->format = MEMINTRO_COREDUMP_WINDOWS;
        s = memintro__cd_windows(d);
    } else if (memintro__cd_is_lime(p, n) && (want == MEMINTRO_COREDUMP_DETECT || want == MEMINTRO_COREDUMP_LIME)) {
        d->format = MEMINTRO_COREDUMP_LIME;
        s = memintro__cd_lime(d);
    } else if (want != MEMINTRO_COREDUMP_DETECT) {
        return memintro__cd_fail(d, MEMINTRO_E_FORMAT, "the file is not a %s dump (its signature does not match)",
                                 memintro_coredump_format_name(want));
    } else if (n >= 8 && !memcmp(p, "DISKDUMP", 8)) {
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                 "diskdump (\"DISKDUMP\") files are not supported, kdump files are");
    } else if (n >= 4 && !memcmp(p, "MDMP", 4)) {
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "Windows minidumps (\"MDMP\") are not supported");
    } else if (n >= 4 && memintro_get_u32(p) == 0x4c4d5641u) {
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED, "AVML files are not supported");
    } else if (n >= 4 && !memcmp(p, "QEVM", 4)) {
        return memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                 "this is a QEMU migration stream (savevm), not a memory dump; use dump-guest-memory");
    } else {
        d->format = MEMINTRO_COREDUMP_RAW;
        s = memintro__cd_raw(d, opt ? opt->raw_base : 0);
    }
done:
    if (s != MEMINTRO_OK) return s;
    {
        size_t i;
        memintro_mmu_desc m;
        d->facts.file_size = st->file_size;
        d->facts.memory_size = 0;
        for (i = 0; i < d->map.count; i++) d->facts.memory_size += d->map.ranges[i].size;
        for (i = 0; i < st->ncpus; i++) st->cpus[i].isa = memintro__cd_isa(&st->cpus[i], d->facts.elf_machine);
        d->facts.cpus = st->cpus;
        d->facts.cpu_state_count = (uint32_t)st->ncpus;
        if (st->ncpus && !d->facts.has_windows && memintro_cpu_mmu(&st->cpus[0], &m) == MEMINTRO_OK) {
            d->facts.mode = m.arch;
            d->facts.mmu_flags = m.flags;
            d->facts.dtb = m.dtb;
        }
    }
    s = memintro__cd_setup_reads(d);
    if (s != MEMINTRO_OK) return s;
    memintro__cd_make_facts(d);
    d->error[0] = 0;
    return MEMINTRO_OK;
}

MEMINTRO__CDDEF memintro_status memintro_coredump_open_memory(memintro_coredump *d, const void *data, uint64_t size,
                                                              const memintro_coredump_options *opt)
{
    memintro_status s;
    if (!d) return MEMINTRO_E_INVALID;
    s = memintro__cd_begin(d, opt);
    if (s != MEMINTRO_OK) return s;
    if (!data && size) {
        memintro__cd_release(d);
        return memintro__cd_fail(d, MEMINTRO_E_INVALID, "no data");
    }
    d->state->file = (const uint8_t *)data;
    d->state->file_size = size;
    s = memintro__cd_parse(d, opt);
    if (s != MEMINTRO_OK) {
        char keep[sizeof d->error];
        memcpy(keep, d->error, sizeof keep);
        memintro__cd_release(d);
        memset(d, 0, sizeof *d);
        memcpy(d->error, keep, sizeof keep);
    }
    return s;
}

/* What a file that is neither regular nor a block device is, for the message. */
static const char *memintro__cd_file_kind(mode_t m)
{
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
#ifdef S_ISSOCK
    if (S_ISSOCK(m)) return "a socket";
#endif
    if (S_ISDIR(m)) return "a directory";
    return "not a file";
}

/* open() failed or was refused: frees everything, keeps the message. */
static memintro_status memintro__cd_open_fail(memintro_coredump *d, int fd, memintro_status s)
{
    char keep[sizeof d->error];
    if (fd >= 0) close(fd);
    if (d->state && d->state->fd == fd) d->state->fd = -1;
    memcpy(keep, d->error, sizeof keep);
    memintro__cd_release(d);
    memset(d, 0, sizeof *d);
    memcpy(d->error, keep, sizeof keep);
    return s;
}

MEMINTRO__CDDEF memintro_status memintro_coredump_open(memintro_coredump *d, const char *path,
                                                       const memintro_coredump_options *opt)
{
    memintro_status s;
    struct stat sb;
    int fd, e, fl;
    uint64_t size;
    void *m = 0;
    if (!d) return MEMINTRO_E_INVALID;
    s = memintro__cd_begin(d, opt);
    if (s != MEMINTRO_OK) return s;
    if (!path) return memintro__cd_open_fail(d, -1, memintro__cd_fail(d, MEMINTRO_E_INVALID, "no path"));
    snprintf(d->state->path_name, sizeof d->state->path_name, "%s", path);
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        e = errno;
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) /* a socket: ENXIO */
            return memintro__cd_open_fail(d, -1,
                                          memintro__cd_fail(d, MEMINTRO_E_INVALID, "%s is not a regular file (%s)",
                                                            path, memintro__cd_file_kind(sb.st_mode)));
        return memintro__cd_open_fail(d, -1,
                                      memintro__cd_fail(d,
                                                        e == ENOENT                   ? MEMINTRO_E_NOTFOUND
                                                        : (e == EACCES || e == EPERM) ? MEMINTRO_E_PERMISSION
                                                                                      : MEMINTRO_E_IO,
                                                        "cannot open %s: %s", path, strerror(e)));
    }
    if (fstat(fd, &sb) != 0) {
        e = errno;
        return memintro__cd_open_fail(d, fd, memintro__cd_fail(d, MEMINTRO_E_IO, "cannot stat %s: %s", path, strerror(e)));
    }
    if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode))
        return memintro__cd_open_fail(
            d, fd, memintro__cd_fail(d, MEMINTRO_E_INVALID, "%s is not a regular file (%s)", path,
                                     memintro__cd_file_kind(sb.st_mode)));
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if (S_ISREG(sb.st_mode)) {
        size = (uint64_t)sb.st_size;
    } else {
        off_t end = lseek(fd, 0, SEEK_END);
        if (end < 0) {
            e = errno;
            return memintro__cd_open_fail(
                d, fd, memintro__cd_fail(d, MEMINTRO_E_IO, "cannot find the size of %s: %s", path, strerror(e)));
        }
        size = (uint64_t)end;
    }
    if (size > (uint64_t)(size_t)-1)
        return memintro__cd_open_fail(d, fd,
                                      memintro__cd_fail(d, MEMINTRO_E_UNSUPPORTED,
                                                        "%s (%llu bytes) does not fit this address space", path,
                                                        MEMINTRO__CD_ULL(size)));
    if (size) {
        m = mmap(0, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            e = errno;
            return memintro__cd_open_fail(d, fd,
                                          memintro__cd_fail(d, MEMINTRO_E_IO, "cannot map %s: %s", path, strerror(e)));
        }
        d->state->map_addr = m;
        d->state->map_len = (size_t)size;
    }
    d->state->file = (const uint8_t *)m;
    d->state->file_size = size;
    d->state->opened_size = size;
    if (d->flags & MEMINTRO_COREDUMP_NO_MMAP) d->state->copy_views = 1;
    s = memintro__cd_parse(d, opt);
    if (s != MEMINTRO_OK) return memintro__cd_open_fail(d, fd, s);
    if (d->flags & MEMINTRO_COREDUMP_NO_MMAP) {
        /* from now on every byte comes from pread: drop the mapping */
        memintro__cd_state *st = d->state;
        st->fd = fd;
        if (st->map_addr) munmap(st->map_addr, st->map_len);
        st->map_addr = 0;
        st->map_len = 0;
        st->file = 0;
        s = memintro__cd_setup_reads(d);
        if (s != MEMINTRO_OK) return memintro__cd_open_fail(d, fd, s);
        return MEMINTRO_OK;
    }
    close(fd);
    return MEMINTRO_OK;
}

MEMINTRO__CDDEF void memintro_coredump_close(memintro_coredump *d)
{
    char keep[sizeof d->error];
    if (!d) return;
    memcpy(keep, d->error, sizeof keep);
    keep[sizeof keep - 1] = 0;
    memintro__cd_release(d);
    memset(d, 0, sizeof *d);
    memcpy(d->error, keep, sizeof keep); /* the last message outlives the dump */
}

MEMINTRO__CDDEF const char *memintro_coredump_error(const memintro_coredump *d)
{
    return d ? d->error : "";
}

MEMINTRO__CDDEF const char *memintro_coredump_format_name(memintro_coredump_format f)
{
    switch (f) {
    case MEMINTRO_COREDUMP_DETECT: return "detect";
    case MEMINTRO_COREDUMP_RAW: return "raw";
    case MEMINTRO_COREDUMP_ELF: return "elf";
    case MEMINTRO_COREDUMP_KDUMP: return "kdump";
    case MEMINTRO_COREDUMP_WINDOWS: return "windows";
    case MEMINTRO_COREDUMP_LIME: return "lime";
    default: return "?";
    }
}

MEMINTRO__CDDEF memintro_coredump_format memintro_coredump_format_parse(const char *name)
{
    static const struct {
        const char *name;
        memintro_coredump_format f;
    } names[] = {{"detect", MEMINTRO_COREDUMP_DETECT},
                 {"auto", MEMINTRO_COREDUMP_DETECT},
                 {"dump", MEMINTRO_COREDUMP_DETECT},
                 {"raw", MEMINTRO_COREDUMP_RAW},
                 {"elf", MEMINTRO_COREDUMP_ELF},
                 {"kdump", MEMINTRO_COREDUMP_KDUMP},
                 {"kdump-compressed", MEMINTRO_COREDUMP_KDUMP},
                 {"diskdump", MEMINTRO_COREDUMP_KDUMP},
                 {"windows", MEMINTRO_COREDUMP_WINDOWS},
                 {"windows-crash", MEMINTRO_COREDUMP_WINDOWS},
                 {"dmp", MEMINTRO_COREDUMP_WINDOWS},
                 {"lime", MEMINTRO_COREDUMP_LIME}};
    size_t i;
    if (name)
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (!strcmp(name, names[i].name)) return names[i].f;
    return (memintro_coredump_format)-1;
}

MEMINTRO__CDDEF const void *memintro_coredump_ptr(const memintro_coredump *d, uint64_t addr, uint64_t *avail)
{
    uint64_t run = 0;
    const void *p;
    if (avail) *avail = 0;
    if (!d || !d->state || !d->phys.direct) return 0;
    p = d->phys.direct((memintro_phys *)(uintptr_t)&d->phys, addr, &run);
    if (p && avail) *avail = run;
    return p;
}

MEMINTRO__CDDEF int memintro_coredump_vmcoreinfo_value(const memintro_coredump_facts *f, const char *key, char *buf,
                                                       size_t size)
{
    const char *p;
    size_t klen;
    if (!f || !f->vmcoreinfo || !key) return 0;
    klen = strlen(key);
    p = f->vmcoreinfo;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = len - klen - 1;
            if (buf && size) {
                if (n >= size) n = size - 1;
                memcpy(buf, p + klen + 1, n);
                buf[n] = 0;
            }
            return 1;
        }
        if (!eol) break;
        p = eol + 1;
    }
    return 0;
}

MEMINTRO__CDDEF const char *memintro_coredump_compression_name(uint32_t compress)
{
    switch (compress) {
    case 0: return "none";
    case MEMINTRO_COMPRESS_ZLIB: return "zlib";
    case MEMINTRO_COMPRESS_LZO: return "lzo";
    case MEMINTRO_COMPRESS_SNAPPY: return "snappy";
    case MEMINTRO_COMPRESS_ZSTD: return "zstd";
    default: return "?";
    }
}

MEMINTRO__CDDEF int memintro_coredump_compression_available(uint32_t compress)
{
    memintro__cd_libs l;
    int have;
    memset(&l, 0, sizeof l);
    have = memintro__cd_have(&l, compress);
    memintro__cd_unload(&l);
    return have;
}

/* ---- writing ELF cores ---- */

typedef struct memintro__cd_out {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t written;
    char *err;
    size_t errsize;
    int failed;
} memintro__cd_out;

static int memintro__cd_flush(memintro__cd_out *o)
{
    size_t done = 0;
    while (done < o->len && !o->failed) {
        ssize_t w = write(o->fd, o->buf + done, o->len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(o->err, o->errsize, "cannot write the ELF core after %llu bytes: %s",
                     MEMINTRO__CD_ULL(o->written), w < 0 ? strerror(errno) : "short write");
            o->failed = 1;
            break;
        }
        done += (size_t)w;
        o->written += (uint64_t)w;
    }
    o->len = 0;
    return o->failed ? -1 : 0;
}

static uint8_t *memintro__cd_room(memintro__cd_out *o, size_t n)
{
    uint8_t *p;
    if (o->cap - o->len < n && memintro__cd_flush(o)) return 0;
    p = o->buf + o->len;
    memset(p, 0, n);
    o->len += n;
    return p;
}

/* Appends one note header and name; returns where the descriptor goes (descsz bytes,
   zeroed, padded). */
static uint8_t *memintro__cd_note_hdr(memintro__cd_out *o, const char *name, uint32_t descsz, uint32_t type)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    uint8_t *p = memintro__cd_room(o, 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u));
    if (!p) return 0;
    memintro__cd_put32(p, namesz);
    memintro__cd_put32(p + 4, descsz);
    memintro__cd_put32(p + 8, type);
    memcpy(p + 12, name, namesz);
    return p + 12 + ((namesz + 3) & ~3u);
}

static uint64_t memintro__cd_note_size(const memintro_coredump_facts *f, uint16_t machine, uint32_t *count)
{
    uint64_t n = 0;
    uint32_t i, c = 0;
    if (!f) {
        *count = 0;
        return 0;
    }
    for (i = 0; f->cpus && i < f->cpu_state_count; i++) {
        const memintro_cpu *cpu = &f->cpus[i];
        if (cpu->flags & MEMINTRO_CPU_GPRS) {
            n += 12 + 8 + (machine == 3 ? 144 : 336);
            c++;
        }
        if (cpu->flags & MEMINTRO_CPU_SYSTEM) {
            n += 12 + 8 + ((cpu->flags & MEMINTRO_CPU_KGSBASE) ? 0x1b8 : 0x1b0);
            c++;
        }
    }
    if (f->vmcoreinfo && f->vmcoreinfo_size) {
        n += 12 + 12 + ((f->vmcoreinfo_size + 3) & ~(uint64_t)3);
        c++;
    }
    *count = c;
    return n;
}

static void memintro__cd_write_notes(memintro__cd_out *o, const memintro_coredump_facts *f, uint16_t machine)
{
    uint32_t i;
    if (!f) return;
    for (i = 0; f->cpus && i < f->cpu_state_count; i++) {
        const memintro_cpu *c = &f->cpus[i];
        uint8_t *p;
        if (!(c->flags & MEMINTRO_CPU_GPRS)) continue;
        if (machine == 3) {
            static const signed char map[17] = {3, 1, 2, 6, 7, 5, 0, -8, -9, -10, -11, -1, -2, -3, -4, 4, -5};
            int k;
            p = memintro__cd_note_hdr(o, "CORE", 144, 1);
            if (!p) return;
            memintro__cd_put32(p + 24, c->index + 1);
            for (k = 0; k < 17; k++) {
                uint64_t v = 0;
                switch (map[k]) {
                case -1: v = 0; break;
                case -2: v = c->rip; break;
                case -3: v = c->seg[MEMINTRO_SEG_CS].selector; break;
                case -4: v = c->rflags; break;
                case -5: v = c->seg[MEMINTRO_SEG_SS].selector; break;
                case -8: v = c->seg[MEMINTRO_SEG_DS].selector; break;
                case -9: v = c->seg[MEMINTRO_SEG_ES].selector; break;
                case -10: v = c->seg[MEMINTRO_SEG_FS].selector; break;
                case -11: v = c->seg[MEMINTRO_SEG_GS].selector; break;
                default: v = c->gpr[(int)map[k]]; break;
                }
                memintro__cd_put32(p + 0x48 + 4 * k, v & 0xffffffffu);
            }
        } else {
            static const signed char map[27] = {15, 14, 13, 12, 5,  3, 11, 10, 9,  8,  0,  1,   2,  6,
                                                7,  -1, -2, -3, -4, 4, -5, -6, -7, -8, -9, -10, -11};
            int k;
            p = memintro__cd_note_hdr(o, "CORE", 336, 1);
            if (!p) return;
            memintro__cd_put32(p + 32, c->index + 1);
            for (k = 0; k < 27; k++) {
                uint64_t v;
                switch (map[k]) {
                case -1: v = 0; break;
                case -2: v = c->rip; break;
                case -3: v = c->seg[MEMINTRO_SEG_CS].selector; break;
                case -4: v = c->rflags; break;
                case -5: v = c->seg[MEMINTRO_SEG_SS].selector; break;
                case -6: v = c->seg[MEMINTRO_SEG_FS].base; break;
                case -7: v = c->seg[MEMINTRO_SEG_GS].base; break;
                case -8: v = c->seg[MEMINTRO_SEG_DS].selector; break;
                case -9: v = c->seg[MEMINTRO_SEG_ES].selector; break;
                case -10: v = c->seg[MEMINTRO_SEG_FS].selector; break;
                case -11: v = c->seg[MEMINTRO_SEG_GS].selector; break;
                default: v = c->gpr[(int)map[k]]; break;
                }
                memintro__cd_put64(p + 0x70 + 8 * k, v);
            }
        }
    }
    for (i = 0; f->cpus && i < f->cpu_state_count; i++) {
        static const int gmap[16] = {0, 3, 1, 2, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
        const memintro_cpu *c = &f->cpus[i];
        uint32_t size = (c->flags & MEMINTRO_CPU_KGSBASE) ? 0x1b8 : 0x1b0;
        uint8_t *p;
        int k;
        if (!(c->flags & MEMINTRO_CPU_SYSTEM)) continue;
        p = memintro__cd_note_hdr(o, "QEMU", size, 0);
        if (!p) return;
        memintro__cd_put32(p, 1);
        memintro__cd_put32(p + 4, size);
        for (k = 0; k < 16; k++) memintro__cd_put64(p + 8 + 8 * k, c->gpr[gmap[k]]);
        memintro__cd_put64(p + 0x88, c->rip);
        memintro__cd_put64(p + 0x90, c->rflags);
        for (k = 0; k < 10; k++) {
            uint8_t *s = p + 0x98 + 24 * k;
            memintro__cd_put32(s, c->seg[k].selector);
            memintro__cd_put32(s + 4, c->seg[k].limit);
            memintro__cd_put32(s + 8, c->seg[k].flags);
            memintro__cd_put64(s + 16, c->seg[k].base);
        }
        for (k = 0; k < 5; k++) memintro__cd_put64(p + 0x188 + 8 * k, c->cr[k]);
        if (size == 0x1b8) memintro__cd_put64(p + 0x1b0, c->kernel_gs_base);
    }
    if (f->vmcoreinfo && f->vmcoreinfo_size) {
        uint8_t *p = memintro__cd_note_hdr(o, "VMCOREINFO", (uint32_t)f->vmcoreinfo_size, 0);
        if (p) memcpy(p, f->vmcoreinfo, f->vmcoreinfo_size);
    }
}

MEMINTRO__CDDEF memintro_status memintro_coredump_write_elf_fd(memintro_phys *src, const memintro_memmap *map,
                                                               const memintro_coredump_facts *facts, int fd,
                                                               const memintro_coredump_write_options *opt,
                                                               memintro_coredump_write_result *res)
{
    memintro_coredump_write_result local;
    memintro_allocator al;
    memintro__cd_out o;
    uint64_t phnum, notes_off, notes_size, data_off = UINT64_MAX, total = 0, done = 0, off, i;
    uint32_t nnotes = 0, batch = opt && opt->batch ? opt->batch : (1u << 20);
    uint16_t machine = facts && facts->elf_machine ? facts->elf_machine : 62;
    int xnum;
    uint8_t *p;
    memintro_op *ops = 0;
    memintro_status s = MEMINTRO_OK;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    al.alloc = memintro__cd_default_alloc;
    al.free = memintro__cd_default_free;
    al.user = 0;
    if (opt && opt->allocator && (!opt->allocator->alloc) != (!opt->allocator->free)) {
        snprintf(res->error, sizeof res->error, "allocator: set both alloc and free, or neither");
        return MEMINTRO_E_INVALID;
    }
    if (opt && opt->allocator && opt->allocator->alloc) al = *opt->allocator;
    if (!src || !src->read || !map || (map->count && !map->ranges) || fd < 0) {
        snprintf(res->error, sizeof res->error, "invalid argument (source, memory map or file descriptor)");
        return MEMINTRO_E_INVALID;
    }
    if (batch < 4096) batch = 4096;
    batch &= ~4095u;
    for (i = 0; i < map->count; i++) {
        const memintro_range *r = &map->ranges[i];
        if (!r->size || r->start + r->size - 1 < r->start ||
            (i && r->start < map->ranges[i - 1].start + map->ranges[i - 1].size)) {
            snprintf(res->error, sizeof res->error, "memory map range %llu is empty, wraps or is out of order",
                     MEMINTRO__CD_ULL(i));
            return MEMINTRO_E_INVALID;
        }
        total += r->size;
    }
    memset(&o, 0, sizeof o);
    o.fd = fd;
    o.err = res->error;
    o.errsize = sizeof res->error;
    o.cap = (size_t)batch > (1u << 16) ? (size_t)batch : (1u << 16);
    o.buf = (uint8_t *)al.alloc(al.user, o.cap);
    ops = (memintro_op *)al.alloc(al.user, (batch / 4096) * sizeof *ops);
    if (!o.buf || !ops) {
        snprintf(res->error, sizeof res->error, "out of memory");
        s = MEMINTRO_E_NOSPACE;
        goto out;
    }
    phnum = 1 + (uint64_t)map->count;
    xnum = phnum >= 0xffff;
    notes_size = memintro__cd_note_size(facts, machine, &nnotes);
    notes_off = 64 + phnum * 56 + (xnum ? 64 : 0);
    data_off = (notes_off + notes_size + 4095) & ~4095ull;
    /* ELF header */
    p = memintro__cd_room(&o, 64);
    memcpy(p, "\177ELF", 4);
    p[4] = 2;                      /* ELFCLASS64 */
    p[5] = 1;                      /* little-endian */
    p[6] = 1;                      /* EV_CURRENT */
    memintro__cd_put16(p + 16, 4); /* ET_CORE */
    memintro__cd_put16(p + 18, machine);
    memintro__cd_put32(p + 20, 1);
    memintro__cd_put64(p + 32, 64); /* e_phoff */
    memintro__cd_put64(p + 40, xnum ? 64 + phnum * 56 : 0);
    memintro__cd_put16(p + 52, 64);
    memintro__cd_put16(p + 54, 56);
    memintro__cd_put16(p + 56, xnum ? 0xffff : phnum);
    memintro__cd_put16(p + 58, xnum ? 64 : 0);
    memintro__cd_put16(p + 60, xnum ? 1 : 0);
    /* PT_NOTE */
    p = memintro__cd_room(&o, 56);
    if (!p) goto io;
    memintro__cd_put32(p, 4);
    memintro__cd_put64(p + 8, notes_off);
    memintro__cd_put64(p + 32, notes_size);
    memintro__cd_put64(p + 40, notes_size);
    /* PT_LOADs */
    off = data_off;
    for (i = 0; i < map->count; i++) {
        const memintro_range *r = &map->ranges[i];
        p = memintro__cd_room(&o, 56);
        if (!p) goto io;
        memintro__cd_put32(p, 1);
        memintro__cd_put64(p + 8, off);
        memintro__cd_put64(p + 16, r->start);
        memintro__cd_put64(p + 24, r->start);
        memintro__cd_put64(p + 32, r->size);
        memintro__cd_put64(p + 40, r->size);
        off += r->size;
    }
    if (xnum) { /* section header 0 carries the real program header count */
        p = memintro__cd_room(&o, 64);
        if (!p) goto io;
        memintro__cd_put32(p + 44, (uint32_t)phnum);
    }
    memintro__cd_write_notes(&o, facts, machine);
    if (o.failed) goto io;
    if (data_off > notes_off + notes_size && !memintro__cd_room(&o, (size_t)(data_off - notes_off - notes_size)))
        goto io;
    if (memintro__cd_flush(&o)) goto io;
    res->segments = (uint32_t)map->count;
    res->notes = nnotes;
    if (opt && opt->progress) opt->progress(opt->user, 0, total);
    /* memory, one batch at a time */
    for (i = 0; i < map->count; i++) {
        const memintro_range *r = &map->ranges[i];
        uint64_t a = r->start, left = r->size;
        while (left) {
            size_t n = 0, k, chunk = left < batch ? (size_t)left : (size_t)batch;
            uint64_t b = a;
            size_t used = 0;
            while (used < chunk) {
                size_t len = 4096 - (size_t)(b & 4095);
                if (len > chunk - used) len = chunk - used;
                ops[n].addr = b;
                ops[n].buf = o.buf + used;
                ops[n].len = len;
                ops[n].missing = 0;
                ops[n].status = MEMINTRO_OK;
                ops[n].flags = 0;
                n++;
                used += len;
                b += len;
            }
            memintro_phys_read(src, ops, n);
            for (k = 0; k < n; k++) {
                if (ops[k].status == MEMINTRO_OK) continue;
                if (ops[k].status == MEMINTRO_E_GONE || (opt && (opt->flags & MEMINTRO_COREDUMP_WRITE_STRICT))) {
                    snprintf(res->error, sizeof res->error,
                             "reading guest-physical " MEMINTRO__CD_HEX " failed: %s (after %llu bytes of memory, "
                             "%llu bytes of file written)",
                             MEMINTRO__CD_ULL(ops[k].addr), memintro_status_str(ops[k].status), MEMINTRO__CD_ULL(done),
                             MEMINTRO__CD_ULL(o.written));
                    s = ops[k].status;
                    goto out;
                }
                if (ops[k].missing > ops[k].len) ops[k].missing = ops[k].len;
                if (!res->unreadable) res->first_unreadable = ops[k].addr + (ops[k].len - ops[k].missing);
                res->unreadable += ops[k].missing;
            }
            o.len = chunk;
            if (memintro__cd_flush(&o)) goto io;
            a += chunk;
            left -= chunk;
            done += chunk;
            if (opt && opt->progress) opt->progress(opt->user, done, total);
        }
    }
    goto out;
io:
    s = MEMINTRO_E_IO;
    if (!res->error[0]) snprintf(res->error, sizeof res->error, "cannot write the ELF core");
out:
    res->file_size = o.written;
    /* also on failure: the memory bytes that reached the file */
    res->memory_size = o.written > data_off ? o.written - data_off : 0;
    if (res->memory_size > total) res->memory_size = total;
    if (o.buf) al.free(al.user, o.buf);
    if (ops) al.free(al.user, ops);
    return s;
}

#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200112L
#define MEMINTRO__CD_SYMLINKS 1
/* The file a chain of symbolic links at `path` ends at (written to out); the path itself
   when it is no link. Returns 0, or -1 when the chain is too long or out too small. */
static int memintro__cd_resolve(const char *path, char *out, size_t size)
{
    char link[4096];
    int depth;
    if (strlen(path) >= size) return -1;
    strcpy(out, path);
    for (depth = 0; depth < 16; depth++) {
        struct stat lb;
        ssize_t n;
        const char *slash;
        size_t dirlen;
        if (lstat(out, &lb) != 0 || !S_ISLNK(lb.st_mode)) return 0;
        n = readlink(out, link, sizeof link - 1);
        if (n < 0 || (size_t)n >= sizeof link - 1) return -1;
        link[n] = 0;
        slash = strrchr(out, '/');
        dirlen = link[0] == '/' || !slash ? 0 : (size_t)(slash - out) + 1; /* relative: beside the link */
        if (dirlen + (size_t)n >= size) return -1;
        memmove(out + dirlen, link, (size_t)n + 1);
    }
    return -1;
}
#endif

/* write_elf to a path that is no symbolic link. */
static memintro_status memintro__cd_write_path(memintro_phys *src, const memintro_memmap *map,
                                               const memintro_coredump_facts *facts, const char *path,
                                               const memintro_coredump_write_options *opt,
                                               memintro_coredump_write_result *res)
{
    memintro_status s;
    struct stat sb;
    char *tmp = 0;
    int fd, e;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        int fl;
        /* a device or FIFO is written into as it is: no temporary file, no rename, nothing
           removed on failure */
        if (!S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode) && !S_ISFIFO(sb.st_mode)) {
            snprintf(res->error, sizeof res->error, "%s exists and is not a regular file, device or FIFO (%s)", path,
                     memintro__cd_file_kind(sb.st_mode));
            return MEMINTRO_E_INVALID;
        }
        fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
            e = errno;
            snprintf(res->error, sizeof res->error, "cannot open %s: %s", path,
                     e == ENXIO && S_ISFIFO(sb.st_mode) ? "the FIFO has no reader" : strerror(e));
            return e == EACCES || e == EPERM ? MEMINTRO_E_PERMISSION : MEMINTRO_E_IO;
        }
        fl = fcntl(fd, F_GETFL);
        if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        s = memintro_coredump_write_elf_fd(src, map, facts, fd, opt, res);
        if (close(fd) != 0 && s == MEMINTRO_OK) {
            snprintf(res->error, sizeof res->error, "cannot write %s: %s", path, strerror(errno));
            s = MEMINTRO_E_IO;
        }
        return s;
    }
    /* a regular file (or none yet): write a temporary file beside it, rename at the end */
    if (opt && opt->allocator && (!opt->allocator->alloc) != (!opt->allocator->free)) {
        snprintf(res->error, sizeof res->error, "allocator: set both alloc and free, or neither");
        return MEMINTRO_E_INVALID;
    }
    {
        size_t n = strlen(path) + 40;
        tmp = (char *)((opt && opt->allocator && opt->allocator->alloc) ? opt->allocator->alloc(opt->allocator->user, n)
                                                                        : memintro__cd_default_alloc(0, n));
        if (!tmp) {
            snprintf(res->error, sizeof res->error, "out of memory");
            return MEMINTRO_E_NOSPACE;
        }
        snprintf(tmp, n, "%s.partial-%ld", path, (long)getpid());
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, 0666);
    if (fd < 0) {
        e = errno;
        snprintf(res->error, sizeof res->error, "cannot create %s: %s", tmp, strerror(e));
        s = e == EACCES || e == EPERM ? MEMINTRO_E_PERMISSION : e == ENOENT ? MEMINTRO_E_NOTFOUND : MEMINTRO_E_IO;
        goto done;
    }
    s = memintro_coredump_write_elf_fd(src, map, facts, fd, opt, res);
    if (close(fd) != 0 && s == MEMINTRO_OK) {
        snprintf(res->error, sizeof res->error, "cannot write %s: %s", path, strerror(errno));
        s = MEMINTRO_E_IO;
    }
    if (s == MEMINTRO_OK && rename(tmp, path) != 0) {
        snprintf(res->error, sizeof res->error, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        s = MEMINTRO_E_IO;
    }
    if (s != MEMINTRO_OK) unlink(tmp); /* our own temporary file, never the target */
done:
    if (opt && opt->allocator && opt->allocator->alloc)
        opt->allocator->free(opt->allocator->user, tmp);
    else
        memintro__cd_default_free(0, tmp);
    return s;
}

MEMINTRO__CDDEF memintro_status memintro_coredump_write_elf(memintro_phys *src, const memintro_memmap *map,
                                                            const memintro_coredump_facts *facts, const char *path,
                                                            const memintro_coredump_write_options *opt,
                                                            memintro_coredump_write_result *res)
{
    memintro_coredump_write_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    if (!path) {
        snprintf(res->error, sizeof res->error, "no output path");
        return MEMINTRO_E_INVALID;
    }
    if (opt && opt->allocator && (!opt->allocator->alloc) != (!opt->allocator->free)) {
        snprintf(res->error, sizeof res->error, "allocator: set both alloc and free, or neither");
        return MEMINTRO_E_INVALID;
    }
#ifdef MEMINTRO__CD_SYMLINKS
    {
        /* a symbolic link stays a link: the file it points to is what gets written */
        const memintro_allocator *al = opt && opt->allocator && opt->allocator->alloc ? opt->allocator : 0;
        size_t size = strlen(path) + 4096;
        char *real = (char *)(al ? al->alloc(al->user, size) : memintro__cd_default_alloc(0, size));
        memintro_status s;
        if (!real) {
            snprintf(res->error, sizeof res->error, "out of memory");
            return MEMINTRO_E_NOSPACE;
        }
        if (memintro__cd_resolve(path, real, size)) {
            snprintf(res->error, sizeof res->error, "%s: too many levels of symbolic links", path);
            s = MEMINTRO_E_INVALID;
        } else {
            s = memintro__cd_write_path(src, map, facts, real, opt, res);
        }
        if (al)
            al->free(al->user, real);
        else
            memintro__cd_default_free(0, real);
        return s;
    }
#else
    return memintro__cd_write_path(src, map, facts, path, opt, res);
#endif
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__CDDEF
#undef MEMINTRO__CD_SYMLINKS
#undef MEMINTRO__CD_PRINTF
#undef MEMINTRO__CD_ZERO_BASE
#undef MEMINTRO__CD_MAX_CPUS
#undef MEMINTRO__CD_MAX_VMCOREINFO
#undef MEMINTRO__CD_HEX
#undef MEMINTRO__CD_ULL

#endif /* MEMINTRO_COREDUMP_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_COREDUMP_IMPLEMENTATION */

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
