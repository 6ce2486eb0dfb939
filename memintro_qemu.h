/* memintro_qemu.h - guest-physical memory of a running QEMU VM, read from the host.

   A physical-memory backend (memintro_phys, see memintro.h) over a live `qemu-system-*`
   process on a Linux host:

     - finds the VM: by `-name` (`-name foo` and `-name guest=foo,...`), by pid, or the only
       QEMU running; lists every QEMU VM (pid, name, machine type, RAM size, QMP address);
     - learns the guest-physical layout from QEMU itself when a QMP socket is available:
       `info mtree -f` (flat view of address space "memory": every RAM/ROM range, its
       memory region and the offset inside it) and `gpa2hva` (the host address of each
       range), checked against /proc/PID/maps. Works for pc and q35, RAM above 4 GiB, RAM
       blocks with any id (`-machine memory-backend=ID`), TCG and KVM;
     - without QMP, infers the layout from the machine type and RAM size on QEMU's command
       line (pc/i440fx and q35 low-memory splits, RAM above 4 GiB) and says so;
     - reads and writes whole batches with process_vm_readv / process_vm_writev, up to
       IOV_MAX iovecs per call, adjacent operations merged into one iovec;
     - when guest RAM is a shared mapping (memory-backend-memfd, or memory-backend-file with
       share=on) maps the same memory into the calling process and serves it through the
       core's mapped-memory backend (memintro_buffer over those local mappings, falling back
       to process_vm_readv for the rest): plain copies, no system call per batch;
     - offers direct access (memintro_phys_direct) to zero-copy RAM whose file is sealed
       against shrinking (memory-backend-memfd's default seal=on): a pointer into this
       process's own mapping, valid until the next call into the backend. It never faults:
       the file cannot shrink and the mapping is this process's own, so even a VM that exits
       leaves it readable (once the exit is noticed, at most MEMINTRO_QEMU_CHECK_US later,
       direct access returns NULL). Other RAM (anonymous, share=on files, which could be
       truncated, hugetlbfs memfds) gives NULL: read it with batches, whose liveness and
       file-size checks turn a vanished or shrunk mapping into an error instead of a signal;
     - reports clear errors: no permission (CAP_SYS_PTRACE), VM gone (MEMINTRO_E_GONE, no
       hang, no crash), QMP refused or malformed (falls back to the tables, with a warning),
       a RAM mapping that disappeared or changed size;
     - opens a QEMU that runs somewhere this host's /proc cannot see (options.process): a
       QEMU inside a guest, read through memintro (the VM in a VM). The caller gives the
       process's command line, its memory maps as /proc/PID/maps text and its memory as a
       backend whose addresses are the process's virtual addresses; the layout comes from
       the tables (the QMP socket is out of reach) and reads are batches on that backend.
       memintro_os_target_open (memintro_os.h) does it for a process of a Linux guest.

   HOSTED: Linux only (procfs, process_vm_readv, pidfd, memfd). The implementation needs
   the GNU feature set: it defines _GNU_SOURCE itself when the implementation is the first
   thing the file includes; otherwise put `#define _GNU_SOURCE` at the top of that file.

   USAGE
     In exactly one C or C++ file (memintro.h's implementation may live in the same file or
     another; memintro_qemu.h includes memintro.h):
         #define MEMINTRO_QEMU_IMPLEMENTATION
         #define MEMINTRO_IMPLEMENTATION
         #include "memintro_qemu.h"
     Everywhere else just #include "memintro_qemu.h".

   CONFIGURATION (define before including the implementation)
     | macro                          | default        | meaning                                 |
     |--------------------------------|----------------|-----------------------------------------|
     | MEMINTRO_QEMU_MALLOC(size,user)| malloc(size)   | allocation when options.allocator.alloc |
     |                                |                | is NULL                                 |
     | MEMINTRO_QEMU_FREE(ptr,user)   | free(ptr)      | the matching release                    |
     | MEMINTRO_QEMU_QMP_TIMEOUT_MS   | 3000           | default wait for one QMP reply          |
     | MEMINTRO_QEMU_CHECK_US         | 1000           | default interval between liveness and   |
     |                                |                | mapping-size checks (coarse clock: at   |
     |                                |                | most a tick, 1-4 ms, late); the copy    |
     |                                |                | path also notices an exit at once       |
     | MEMINTRO_QEMU_MAX_VMS          | 256            | VMs open() looks at when choosing one   |
     | MEMINTRO_API / MEMINTRO_STATIC | see memintro.h | linkage of public functions             |
     Allocation can also be routed per object: options.allocator = {alloc, free, user}.
     Everything allocated is released by memintro_qemu_close().

   THIS LIBRARY DOES NOT
     - attach to or signal the VM (no ptrace): reads race with the running guest unless
       you pause it first (memintro_qemu_pause, over QMP; it needs a QMP socket);
     - hold the QMP socket: it connects for each call (open, hmp, cpus, pause, resume,
       running), then disconnects (a QMP socket serves one client at a time). Connecting
       and each reply wait at most options.qmp_timeout_ms: a socket held by someone else
       or a stopped QEMU (SIGSTOP, full backlog) is an error, not a hang; open then tries
       the next QMP socket on the command line, then the tables, and its warning names
       each socket tried and why;
     - follow memory hot-plug or virtio-mem resizing after open: reopen to see new RAM;
     - read MMIO or RAM device regions (`ramd`): only RAM, ROM and ROM-device ranges;
     - scan the whole guest: pages the guest never touched cost host memory when read
       (and the first read of a page through the zero-copy mapping costs a minor fault);
     - work on non-Linux hosts or through libvirt's fd-passed monitor (give qmp=ADDR).

   REFERENCE
     memintro_qemu_list           every QEMU VM on the host (pid, name, machine, RAM, QMP)
     memintro_qemu_options_parse  "name=vm,qmp=unix:/p,map=table,write" into options
     memintro_qemu_open           find the VM, learn its layout, become a backend (q->phys)
     memintro_qemu_close          release everything (safe on a failed or closed object)
     memintro_qemu_error          one-line message naming the last problem
     memintro_qemu_alive          is the QEMU process still running?
     memintro_qemu_get_info       structured description: how the layout was found, each
                                  range with its backing, total RAM
     memintro_qemu_describe       the same as text
     memintro_qemu_layout_str, memintro_qemu_backing_str   names of the enums
     memintro_qemu_hmp            run one HMP command (e.g. "info mtree -f") over QMP
     memintro_qemu_cpus           every vCPU's registers (info registers -a) as memintro_cpu
     memintro_qemu_parse_registers  the same from captured `info registers` text (pure)
     memintro_qemu_parse_cmdline    a command line (/proc/PID/cmdline bytes) as a VM (pure)
     memintro_qemu_pause, memintro_qemu_resume   QMP stop / cont
     memintro_qemu_running        is the VM running? (query-status)
     memintro_phys_direct(&q.phys, ...)  a pointer into zero-copy RAM (see above), or NULL

   EXAMPLE (a whole program; tests/t_qemu_compile.sh compiles it as C and C++)

       #define MEMINTRO_IMPLEMENTATION
       #define MEMINTRO_QEMU_IMPLEMENTATION
       #include "memintro_qemu.h"   // first: it defines _GNU_SOURCE unless you did
       #include <stdio.h>
       #include <string.h>

       int main(void)
       {
           memintro_qemu q;
           memintro_qemu_options o;
           memintro_cpu cpu[8];
           size_t ncpu = 0;
           char banner[64];
           memset(&o, 0, sizeof o);
           o.name = "vm1"; // or set o.pid, or neither: the only VM
           if (memintro_qemu_open(&q, &o) != MEMINTRO_OK) {
               fprintf(stderr, "%s\n", memintro_qemu_error(&q));
               return 1;
           }
           memintro_qemu_pause(&q); // a consistent view (needs QMP)
           memintro_phys_read1(&q.phys, 0x1000000, banner, sizeof banner);
           if (memintro_qemu_cpus(&q, cpu, 8, &ncpu) == MEMINTRO_OK)
               printf("CPU#0 CR3 %llx\n", (unsigned long long)cpu[0].cr[3]);
           memintro_qemu_resume(&q);
           memintro_qemu_close(&q);
           return 0;
       }

   LICENSE: MIT, see the end of this file. */

#if defined(MEMINTRO_QEMU_IMPLEMENTATION) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#ifndef MEMINTRO_QEMU_H
#define MEMINTRO_QEMU_H

#include "memintro.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEMINTRO_QEMU_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_QEMU_VERSION_MINOR 2

#define MEMINTRO_QEMU_NAME_MAX 128 /* bytes of a VM name, machine type or block name kept */
#define MEMINTRO_QEMU_ADDR_MAX 256 /* bytes of a QMP address or a backing path kept */
#define MEMINTRO_QEMU_MSG_MAX 1024 /* bytes of an error or warning message */

/* One QEMU VM found on the host. Strings are empty when unknown; truncated to fit. */
typedef struct memintro_qemu_vm {
    int pid;
    int machine_default;                  /* 1: no -machine given (machine names the default) */
    uint64_t ram_size;                    /* bytes: -m, or its memory backend's size, or the
                                             128 MiB default */
    char name[MEMINTRO_QEMU_NAME_MAX];    /* -name (guest=) */
    char machine[MEMINTRO_QEMU_NAME_MAX]; /* -machine type as given ("q35", "pc-i440fx-7.2") */
    char qmp[MEMINTRO_QEMU_ADDR_MAX];     /* first QMP address: "unix:/path" or "tcp:host:port" */
    char binary[MEMINTRO_QEMU_NAME_MAX];  /* argv[0]'s base name ("qemu-system-x86_64") */
} memintro_qemu_vm;

/* Lists QEMU processes (argv[0] named qemu-system-*, qemu-kvm or kvm) from /proc.
   Fills up to `capacity` entries of vms (NULL with capacity 0 just counts) sorted by pid
   and sets *count to the number found (which may exceed capacity). Returns MEMINTRO_OK, or
   MEMINTRO_E_IO when /proc cannot be read. */
MEMINTRO_API memintro_status memintro_qemu_list(memintro_qemu_vm *vms, size_t capacity, size_t *count);

/* How the guest-physical layout is found. */
typedef enum memintro_qemu_layout {
    MEMINTRO_QEMU_LAYOUT_AUTO = 0, /* options: QMP when available, else tables (with a warning) */
    MEMINTRO_QEMU_LAYOUT_QMP,      /* options: QMP only (open fails without it); info: found by QMP */
    MEMINTRO_QEMU_LAYOUT_TABLE,    /* options: tables only; info: inferred from the command line */
    MEMINTRO__QEMU_LAYOUT_FORCE32 = 0x7fffffff
} memintro_qemu_layout;

/* What a guest-physical range is backed by in the QEMU process. */
typedef enum memintro_qemu_backing {
    MEMINTRO_QEMU_BACKING_ANON = 0, /* anonymous private memory (the default for -m) */
    MEMINTRO_QEMU_BACKING_MEMFD,    /* memory-backend-memfd ("/memfd:NAME (deleted)") */
    MEMINTRO_QEMU_BACKING_FILE,     /* memory-backend-file (path), hugetlbfs, /dev/shm */
    MEMINTRO__QEMU_BACKING_FORCE32 = 0x7fffffff
} memintro_qemu_backing;

/* A QEMU process that this host's /proc does not show: a process of a guest, seen through
   memintro (nesting: the VM inside a VM; memintro_os_target_open in memintro_os.h fills one
   from a Linux guest's process). The open reads what /proc would give, from here instead:
   the command line (which VM, machine type, -m), the memory maps (which mapping holds guest
   RAM), and the process's memory. */
typedef struct memintro_qemu_process {
    int pid;                  /* its pid where it runs (in messages; pid= must match it) */
    const char *where;        /* where it runs, for messages ("guest of qemu:name=outer");
                                 NULL: "another machine" */
    const char *cmdline;      /* its argv, NUL-separated, as /proc/PID/cmdline has it */
    size_t cmdline_len;
    const char *maps;         /* its memory maps as /proc/PID/maps text (dev and inode may
                                 be 00:00 0); read during open only */
    size_t maps_len;
    memintro_phys *memory;    /* its memory: an op's address is a virtual address of the
                                 process (read; write too when opened for writing) */
    int (*alive)(void *user); /* optional: 0 once the process has exited */
    void (*release)(void *user); /* optional: called once when the VM object is done with
                                    the process (memintro_qemu_close, or a failed open) */
    void *user;
} memintro_qemu_process;

/* memintro_qemu_open's options. A zero field means the default; so does a NULL string. */
typedef struct memintro_qemu_options {
    int pid;                       /* the VM's pid; 0: by name, or the only VM */
    const char *name;              /* match -name; NULL: any */
    const char *qmp;               /* "unix:PATH" or "tcp:HOST:PORT"; NULL: the first QMP
                                      socket on QEMU's command line */
    memintro_qemu_layout map;      /* AUTO (default), QMP or TABLE */
    int write;                     /* non-zero: allow writes to guest memory */
    int no_zero_copy;              /* non-zero: never map guest RAM, always process_vm_* */
    int qmp_timeout_ms;            /* per QMP reply; 0: MEMINTRO_QEMU_QMP_TIMEOUT_MS */
    int check_us;                  /* zero-copy liveness check interval; 0: MEMINTRO_QEMU_CHECK_US,
                                      negative: check before every batch */
    memintro_allocator allocator;  /* both functions or neither (then MEMINTRO_QEMU_MALLOC /
                                      MEMINTRO_QEMU_FREE); only one: open fails, E_INVALID */
    const memintro_qemu_process *process; /* NULL: a process of this host (found in /proc);
                                      else that process (copied; its release is called
                                      whether open succeeds or not). Its layout comes from
                                      the tables (its QMP socket is out of reach: map=qmp
                                      fails), reads go through process->memory, no
                                      zero-copy, no QMP calls (pause, hmp, cpus: E_UNSUPPORTED) */
} memintro_qemu_options;

/* Parses a QEMU command line (argv NUL-separated, as /proc/PID/cmdline has it) into *vm
   (pid 0; qmp as the first QMP socket named). Returns 1 when argv[0] is QEMU
   (qemu-system-*, qemu-kvm, kvm), else 0 (vm is filled all the same). Pure: no I/O. */
MEMINTRO_API int memintro_qemu_parse_cmdline(const char *cmdline, size_t len, memintro_qemu_vm *vm);

/* Parses a connector string into *o (zeroed first): an optional "qemu:" prefix, then
   comma-separated keys: name=NAME, pid=N, qmp=unix:PATH|tcp:HOST:PORT, map=qmp|table|auto,
   write, nozerocopy (e.g. "qemu:name=vm1,qmp=unix:/run/vm1.qmp,write"). Strings in *o point
   into `storage` (a copy of spec; it needs strlen(spec)+1 bytes and must outlive o).
   Returns NULL on success, else a one-line message naming the bad key (kept in storage). */
MEMINTRO_API const char *memintro_qemu_options_parse(memintro_qemu_options *o, const char *spec, char *storage,
                                                     size_t storage_size);

/* One guest-physical range of the VM and what backs it. */
typedef struct memintro_qemu_region {
    uint64_t start;                      /* guest-physical */
    uint64_t size;                       /* bytes (end = start + size, exclusive) */
    uint64_t block_offset;               /* offset inside the RAM block */
    uint64_t hva;                        /* host virtual address in the QEMU process */
    uint64_t file_offset;                /* offset in the memfd or file (else 0) */
    memintro_qemu_backing backing;
    int zero_copy;                       /* reads are copies from this process's mapping */
    int guest_ram;                       /* the block is a memory backend (guest RAM), not
                                            device memory (VRAM) or firmware */
    char type[8];                        /* as info mtree prints it: ram, rom, romd, nv-ram */
    char block[MEMINTRO_QEMU_NAME_MAX];  /* memory region / RAM block name: pc.ram, mem0 */
    char path[MEMINTRO_QEMU_ADDR_MAX];   /* backing path as /proc/PID/maps shows it */
} memintro_qemu_region;

/* A structured description of an open VM (pointers into the memintro_qemu object). */
typedef struct memintro_qemu_info {
    int pid;
    int writable;
    memintro_qemu_layout layout;           /* QMP or TABLE */
    const char *name;                      /* -name ("" if none) */
    const char *machine;                   /* machine type (QMP: QEMU's full type name) */
    const char *qmp;                       /* QMP address used or tried ("" if none) */
    const char *source;                    /* how the layout was found, one line */
    const char *warning;                   /* why QMP was not used, or "" */
    const memintro_qemu_region *regions;   /* sorted by start */
    size_t count;
    uint64_t ram_size;                     /* guest RAM: sum of memory backends (or -m) */
    uint64_t mapped;                       /* bytes the regions cover */
    size_t zero_copy_regions;              /* regions served from a local mapping */
} memintro_qemu_info;

/* A local mapping of a shared RAM file (private to the implementation). */
typedef struct memintro_qemu__mapping {
    uint64_t hva;       /* QEMU's address of the mapped range */
    uint64_t size;
    uint64_t file_off;  /* file offset of hva */
    uint64_t file_size; /* file size when mapped */
    unsigned char *local;
    int fd;
    int sealed;         /* F_SEAL_SHRINK: cannot shrink, no size check needed */
    int dead;           /* shrank or vanished: reads fail */
} memintro_qemu__mapping;

/* One piece of a batch on its way to process_vm_readv (private). */
typedef struct memintro_qemu__piece {
    uint64_t hva;
    unsigned char *buf;
    size_t len;
    size_t op;
} memintro_qemu__piece;

/* An open VM. Plain data: place it anywhere; pass &q.phys to readers. */
typedef struct memintro_qemu {
    memintro_phys phys; /* the backend interface: read always, write when opened for writing */
    int pid;
    int pidfd;          /* -1 when pidfd_open is unavailable */
    int writable;
    int gone;           /* the process exited */
    int opened;
    memintro_qemu_layout layout;
    memintro_allocator al;
    memintro_memmap map;               /* guest-physical -> host address in QEMU */
    memintro_range *map_storage;
    memintro_qemu_region *regions;
    size_t nregions;
    memintro_qemu__mapping *maps;      /* zero-copy mappings, sorted by hva */
    size_t nmaps;
    memintro_qemu__piece *pieces;      /* batch scratch */
    memintro_phys sys;                 /* process_vm_* backend (user: this object) */
    memintro_buffer zc;                /* zero-copy RAM: the core's mapped-memory backend over
                                          zc_map, falling back to sys */
    memintro_memmap zc_map;            /* guest-physical -> address in this process */
    memintro_range *zc_storage;
    unsigned char *zc_direct;          /* per zc_map range: direct access offered */
    void *iov;                         /* 2 * IOV_MAX struct iovec */
    uint64_t ram_size;
    uint64_t check_ns, last_check_ns;
    int qmp_timeout_ms;                /* per QMP reply (options.qmp_timeout_ms or the default) */
    uint64_t starttime;                /* /proc/PID/stat start time (pid reuse guard) */
    uint64_t syscalls;                 /* process_vm_* calls made (statistics) */
    int nested;                        /* the process is options.process, not a host one */
    memintro_qemu_process proc;        /* options.process (cmdline and maps cleared after open) */
    memintro_op *subops;               /* nested: the pieces of a batch as ops on proc.memory */
    char maps_name[MEMINTRO_QEMU_ADDR_MAX]; /* "/proc/PID/maps", or the nested process's */
    char where[MEMINTRO_QEMU_ADDR_MAX];     /* nested: where the process runs */
    char name[MEMINTRO_QEMU_NAME_MAX];
    char machine[MEMINTRO_QEMU_NAME_MAX];
    char binary[MEMINTRO_QEMU_NAME_MAX];  /* argv[0]'s base name */
    char qmp[MEMINTRO_QEMU_ADDR_MAX];
    char source[MEMINTRO_QEMU_MSG_MAX];
    char warning[MEMINTRO_QEMU_MSG_MAX];
    char error[MEMINTRO_QEMU_MSG_MAX];
} memintro_qemu;

/* Finds the VM (options.pid, else options.name, else the only QEMU running), learns its
   guest-physical layout (QMP, else tables per options.map), sets up zero-copy mappings when
   possible and checks that its memory can be read. o may be NULL (all defaults).
   On success q->phys is a backend. On failure q holds only the message
   (memintro_qemu_error) and nothing to release. Returns:
     MEMINTRO_E_NOTFOUND    no such VM / no QEMU running;
     MEMINTRO_E_INVALID     several VMs match (the message lists them) or bad options;
     MEMINTRO_E_PERMISSION  no permission to read the process (the message says how to
                            grant it: root, the VM's user, or CAP_SYS_PTRACE);
     MEMINTRO_E_UNSUPPORTED map=table for a machine without a table, or map=qmp without QMP;
     MEMINTRO_E_FORMAT      QEMU's answers did not make sense (map=qmp);
     MEMINTRO_E_GONE        the process exited while opening;
     MEMINTRO_E_IO, MEMINTRO_E_NOSPACE  system errors, allocation failure. */
MEMINTRO_API memintro_status memintro_qemu_open(memintro_qemu *q, const memintro_qemu_options *o);

/* Unmaps, closes and frees everything q holds; q keeps its last message. Safe to call on a
   closed or failed object. */
MEMINTRO_API void memintro_qemu_close(memintro_qemu *q);

/* The message about the last failure (open, a batch that did not complete, a QMP call),
   naming the problem, one line; "" when nothing failed (never NULL, also for q == NULL).
   A successful open clears it; close keeps it (the reason a failed open closed q stays
   readable). */
MEMINTRO_API const char *memintro_qemu_error(const memintro_qemu *q);

/* 1 if the QEMU process is still running, 0 once it has exited (then every batch fails
   with MEMINTRO_E_GONE). */
MEMINTRO_API int memintro_qemu_alive(memintro_qemu *q);

/* Fills *info with a description of the open VM (pointers stay valid until close). */
MEMINTRO_API void memintro_qemu_get_info(const memintro_qemu *q, memintro_qemu_info *info);

/* Writes a human-readable description (VM, how the layout was found, one line per range
   with its backing, total RAM) into buf like snprintf: returns the length of the full text
   (excluding the NUL); buf may be NULL when size is 0. */
MEMINTRO_API size_t memintro_qemu_describe(const memintro_qemu *q, char *buf, size_t size);

/* "auto", "qmp", "table" / "anonymous", "memfd", "file". */
MEMINTRO_API const char *memintro_qemu_layout_str(memintro_qemu_layout l);
MEMINTRO_API const char *memintro_qemu_backing_str(memintro_qemu_backing b);

/* Runs one HMP command line (e.g. "info registers -a") through the VM's QMP monitor
   (human-monitor-command) and copies its text output, without '\r', into buf like
   snprintf; *len (may be NULL) gets the full length. qmp is "unix:PATH" or "tcp:HOST:PORT";
   NULL or "" means the socket open() used, or with map=table the first on QEMU's command
   line (or options.qmp). Connects, runs the command and disconnects (a QMP socket serves
   one client at a time); connecting and each reply wait at most options.qmp_timeout_ms.
   The command is sent as a JSON string (quotes, backslashes and control characters
   escaped); it may be at most 4096 bytes once escaped. Returns MEMINTRO_OK;
   MEMINTRO_E_UNSUPPORTED when no QMP address is known; MEMINTRO_E_IO when QMP cannot be
   reached in time, answers with an error, or QEMU rejects the command ("unknown command:",
   a parse error followed by "Try \"help ...\"", a line "Error: ..."; its text is still
   copied to buf); memintro_qemu_error names the problem; MEMINTRO_E_GONE when the VM
   exited; MEMINTRO_E_INVALID when q is not open or the command is too long. */
MEMINTRO_API memintro_status memintro_qemu_hmp(memintro_qemu *q, const char *qmp, const char *command, char *buf,
                                               size_t size, size_t *len);

/* Pauses every vCPU of the VM (QMP `stop`; the guest's memory stops changing, apart from
   device DMA still in flight). Pausing a paused VM is not an error. Connects to the QMP
   socket open() used, or the first one on QEMU's command line, runs it and disconnects.
   Returns MEMINTRO_OK; MEMINTRO_E_UNSUPPORTED without a QMP address; MEMINTRO_E_IO when
   QMP cannot be reached in time or refuses (memintro_qemu_error says why); MEMINTRO_E_GONE
   when the VM exited; MEMINTRO_E_INVALID when q is not open. */
MEMINTRO_API memintro_status memintro_qemu_pause(memintro_qemu *q);

/* Resumes the vCPUs (QMP `cont`); the same rules and returns as memintro_qemu_pause. */
MEMINTRO_API memintro_status memintro_qemu_resume(memintro_qemu *q);

/* *running = 1 when the vCPUs run, 0 when the VM is paused (by QMP `stop`, -S, a
   breakpoint, an error, or after it shut down) (QMP query-status). The same returns as
   memintro_qemu_pause, plus MEMINTRO_E_FORMAT when the reply has no "running" field. */
MEMINTRO_API memintro_status memintro_qemu_running(memintro_qemu *q, int *running);

/* Parses the text of HMP `info registers -a` (or `info registers`): one "CPU#N" block per
   vCPU, or a single block without a header (index 0). Reads the x86-64 layout (RAX=, RIP=,
   RFL=; isa MEMINTRO_ISA_X86_64) and the i386 layout (EAX=, EIP=, EFL=; isa MEMINTRO_ISA_X86,
   which is also what QEMU prints for an x86-64 CPU outside long mode): general registers,
   rip, rflags, the segment registers (selector, base, limit, flags), GDT and IDT (base,
   limit), CR0-CR4 and EFER; flags MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM, plus
   MEMINTRO_CPU_EFER when EFER is printed. Fills up to `capacity` entries of cpus in text
   order and sets *count (may be NULL) to the number of blocks. cpus may be NULL with
   capacity 0 to count. Returns MEMINTRO_OK; MEMINTRO_E_NOSPACE when there are more blocks
   than capacity (the first `capacity` are filled); MEMINTRO_E_FORMAT when there is no
   block, a block lacks RIP/EIP or CR3, a register's value is not hex, or two blocks have
   the same CPU number; MEMINTRO_E_INVALID for a NULL text. */
MEMINTRO_API memintro_status memintro_qemu_parse_registers(const char *text, size_t len, memintro_cpu *cpus,
                                                           size_t capacity, size_t *count);

/* Every vCPU's registers, by running `info registers -a` over the VM's QMP socket (as
   memintro_qemu_hmp) and parsing it (memintro_qemu_parse_registers; an i386-layout CPU of
   qemu-system-x86_64, an x86-64 CPU outside long mode, gets isa MEMINTRO_ISA_X86_64).
   Fills up to capacity entries and sets *count. Returns what memintro_qemu_hmp and
   memintro_qemu_parse_registers return; memintro_qemu_error says what failed. */
MEMINTRO_API memintro_status memintro_qemu_cpus(memintro_qemu *q, memintro_cpu *cpus, size_t capacity, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_QEMU_H */

/* =====================================================================================
   Implementation. Stop reading here if you only want the API.
   ===================================================================================== */

#ifdef MEMINTRO_QEMU_IMPLEMENTATION
#ifndef MEMINTRO_QEMU_IMPLEMENTATION_INCLUDED
#define MEMINTRO_QEMU_IMPLEMENTATION_INCLUDED

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__) && !defined(__USE_GNU)
#error "memintro_qemu.h: the implementation needs _GNU_SOURCE: #define it at the top of this file"
#endif

#ifndef MEMINTRO_QEMU_MALLOC
#define MEMINTRO_QEMU_MALLOC(size, user) ((void)(user), malloc(size))
#endif
#ifndef MEMINTRO_QEMU_FREE
#define MEMINTRO_QEMU_FREE(ptr, user) ((void)(user), free(ptr))
#endif
#ifndef MEMINTRO_QEMU_QMP_TIMEOUT_MS
#define MEMINTRO_QEMU_QMP_TIMEOUT_MS 3000
#endif
#ifndef MEMINTRO_QEMU_CHECK_US
#define MEMINTRO_QEMU_CHECK_US 1000
#endif
#ifndef MEMINTRO_QEMU_MAX_VMS
#define MEMINTRO_QEMU_MAX_VMS 256
#endif

#ifdef MEMINTRO_STATIC
#define MEMINTRO__QDEF static
#else
#define MEMINTRO__QDEF
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MEMINTRO__QEMU_IOV 1024           /* iovecs per process_vm_* call (the kernel's UIO_MAXIOV) */
#define MEMINTRO__QEMU_PIECES 1024        /* pieces gathered before a call */
#define MEMINTRO__QEMU_CMDLINE_MAX (1u << 20)
#define MEMINTRO__QEMU_REPLY_MAX (16u << 20) /* largest QMP reply accepted */
#define MEMINTRO__QEMU_MAX_RANGES 4096    /* RAM ranges accepted from info mtree -f */
#define MEMINTRO__QEMU_MAX_QMP 4          /* QMP addresses remembered per command line */
#define MEMINTRO__QEMU_MAX_OBJ 16         /* memory-backend objects remembered */
#define MEMINTRO__QEMU_HMP_MAX 4096       /* bytes of an HMP command line, JSON-escaped */
#define MEMINTRO__QEMU_PF_EXITING 0x4u    /* task flag in /proc/PID/stat field 9 */

/* ---- small helpers ---- */

static void *memintro__qemu_alloc(const memintro_allocator *al, size_t n)
{
    if (al && al->alloc) return al->alloc(al->user, n);
    return MEMINTRO_QEMU_MALLOC(n, al ? al->user : NULL);
}

static void memintro__qemu_free(const memintro_allocator *al, void *p)
{
    if (!p) return;
    if (al && al->free) {
        al->free(al->user, p);
        return;
    }
    MEMINTRO_QEMU_FREE(p, al ? al->user : NULL);
}

/* Copies at most cap-1 bytes of s[0..n) and terminates. */
static void memintro__qemu_strn(char *dst, size_t cap, const char *s, size_t n)
{
    if (!cap) return;
    if (n > cap - 1) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static void memintro__qemu_str(char *dst, size_t cap, const char *s)
{
    memintro__qemu_strn(dst, cap, s ? s : "", s ? strlen(s) : 0);
}

/* snprintf into a fixed buffer, appending at its end. */
static void memintro__qemu_cat(char *dst, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(dst);
    va_list ap;
    if (n + 1 >= cap) return;
    va_start(ap, fmt);
    vsnprintf(dst + n, cap - n, fmt, ap);
    va_end(ap);
}

/* Formats into a fixed buffer; messages are cut to fit on purpose. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static void memintro__qemu_fmt(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (!cap) return;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

#define MEMINTRO__QEMU_FMT(dst, ...) memintro__qemu_fmt((dst), sizeof(dst), __VA_ARGS__)

/* A size as QEMU reads -m and size= values: a number (fractions allowed) with an optional
   binary suffix B/K/M/G/T/P/E; `unit` applies without a suffix (-m: MiB, size=: bytes).
   Returns 0 if malformed or out of range. */
static int memintro__qemu_size(const char *s, uint64_t unit, uint64_t *out)
{
    uint64_t ip = 0, frac = 0, fdiv = 1, mult = unit, r;
    size_t n = strlen(s), i = 0, u;
    if (!(u = memintro_parse_u64(s, n, &ip))) return 0;
    i = u;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (fdiv < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                fdiv *= 10;
            }
            i++;
        }
    }
    if (i < n) {
        switch (s[i]) {
        case 'b': case 'B': mult = 1; break;
        case 'k': case 'K': mult = 1ull << 10; break;
        case 'm': case 'M': mult = 1ull << 20; break;
        case 'g': case 'G': mult = 1ull << 30; break;
        case 't': case 'T': mult = 1ull << 40; break;
        case 'p': case 'P': mult = 1ull << 50; break;
        case 'e': case 'E': mult = 1ull << 60; break;
        default: return 0;
        }
        i++;
        if (i < n && (s[i] == 'i' || s[i] == 'I') && i + 1 < n && (s[i + 1] == 'b' || s[i + 1] == 'B')) i += 2;
        else if (i < n && (s[i] == 'b' || s[i] == 'B')) i++;
    }
    if (i != n) return 0;
    if (ip && mult > UINT64_MAX / ip) return 0;
    r = ip * mult;
    if (frac) {
        uint64_t f = (mult / fdiv) * frac + ((mult % fdiv) * frac) / fdiv;
        if (r + f < r) return 0;
        r += f;
    }
    *out = r;
    return 1;
}

static uint64_t memintro__qemu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Human size: "512 MiB", "640 KiB", "1.5 GiB", "4096 bytes". */
static void memintro__qemu_human(char *out, size_t cap, uint64_t v)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned u = 0;
    uint64_t whole = v, rem = 0;
    while (whole >= 1024 && u < 6) {
        rem = whole % 1024;
        whole /= 1024;
        u++;
    }
    if (rem && u)
        snprintf(out, cap, "%llu.%llu %s", (unsigned long long)whole, (unsigned long long)(rem * 10 / 1024),
                 unit[u]);
    else
        snprintf(out, cap, "%llu %s", (unsigned long long)whole, unit[u]);
}

/* Reads a whole (small) file into an allocated, NUL-terminated buffer of at most max
   bytes. Returns the buffer (free with memintro__qemu_free) or NULL with errno set. */
static char *memintro__qemu_slurp(const memintro_allocator *al, const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, n = 0;
    char *buf;
    if (fd < 0) return NULL;
    buf = (char *)memintro__qemu_alloc(al, cap + 1);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    for (;;) {
        ssize_t r;
        if (n == cap) {
            char *nb;
            if (cap >= max) break;
            nb = (char *)memintro__qemu_alloc(al, cap * 2 + 1);
            if (!nb) {
                memintro__qemu_free(al, buf);
                close(fd);
                errno = ENOMEM;
                return NULL;
            }
            memcpy(nb, buf, n);
            memintro__qemu_free(al, buf);
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            memintro__qemu_free(al, buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Calls fn(ctx, line, len) for each line of a file (lines longer than 8 KiB are cut).
   fn returns non-zero to stop. Returns 0, or -1 with errno when the file cannot be read. */
static int memintro__qemu_lines(const char *path, int (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
    char buf[8192 + 1];
    size_t have = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), skipping = 0;
    if (fd < 0) return -1;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        size_t start = 0, i;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) {
            if (have && !skipping) fn(ctx, buf, have);
            break;
        }
        have += (size_t)r;
        for (i = 0; i < have; i++) {
            if (buf[i] != '\n') continue;
            if (!skipping && fn(ctx, buf + start, i - start)) {
                close(fd);
                return 0;
            }
            skipping = 0;
            start = i + 1;
        }
        if (start == 0 && have == sizeof buf - 1) {
            /* an over-long line: pass its head, skip the rest */
            if (!skipping && fn(ctx, buf, have)) {
                close(fd);
                return 0;
            }
            skipping = 1;
            have = 0;
            continue;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    close(fd);
    return 0;
}

/* The same over bytes in memory (a nested process's maps text). Always returns 0. */
static int memintro__qemu_lines_mem(const char *buf, size_t len, int (*fn)(void *ctx, const char *line, size_t len),
                                    void *ctx)
{
    size_t start = 0, i;
    for (i = 0; i <= len; i++) {
        if (i < len && buf[i] != '\n') continue;
        if (i > start && fn(ctx, buf + start, i - start > 8192 ? 8192 : i - start)) return 0;
        start = i + 1;
    }
    return 0;
}

/* ---- QEMU command lines ---- */

/* Options of one memory-backend object on the command line. */
typedef struct memintro__qemu_obj {
    char id[MEMINTRO_QEMU_NAME_MAX];
    char type[32];
    char path[MEMINTRO_QEMU_ADDR_MAX];
    uint64_t size;
    int share;
} memintro__qemu_obj;

/* What a command line says about a VM. */
typedef struct memintro__qemu_cmd {
    memintro_qemu_vm vm;
    int is_qemu;
    int has_m;                                   /* -m given */
    uint64_t max_below_4g;                       /* -machine max-ram-below-4g (0: default) */
    int nodefaults;                              /* -nodefaults */
    int vga_opt;                                 /* -vga: 0 not given, 1 a card, -1 none */
    int vga_dev;                                 /* -device of a card with the legacy VGA window */
    char backend[MEMINTRO_QEMU_NAME_MAX];        /* -machine memory-backend= */
    char qmp[MEMINTRO__QEMU_MAX_QMP][MEMINTRO_QEMU_ADDR_MAX];
    size_t nqmp;
    memintro__qemu_obj obj[MEMINTRO__QEMU_MAX_OBJ];
    size_t nobj;
    char chardev_tmp[8][2][MEMINTRO_QEMU_ADDR_MAX]; /* socket chardevs: id, address */
    size_t nchardev;
} memintro__qemu_cmd;

/* Looks up key in a QEMU option string ("a,key=val,b=c"; ",," is a literal comma). The
   first element without '=' is the implied key `implied` (NULL: none). A bare "key" counts
   as "key=on". The last occurrence wins. Returns 1 and fills out when found. */
static int memintro__qemu_opt(const char *s, const char *key, const char *implied, char *out, size_t cap)
{
    int found = 0, first = 1;
    size_t klen = strlen(key);
    while (*s) {
        /* one element: up to a single comma */
        char elem[1024];
        size_t n = 0;
        const char *eq;
        while (*s) {
            if (*s == ',') {
                if (s[1] == ',') {
                    if (n < sizeof elem - 1) elem[n++] = ',';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            if (n < sizeof elem - 1) elem[n++] = *s;
            s++;
        }
        elem[n] = 0;
        eq = strchr(elem, '=');
        if (!eq) {
            if (first && implied) {
                if (!strcmp(implied, key)) {
                    memintro__qemu_str(out, cap, elem);
                    found = 1;
                }
            } else if (!strcmp(elem, key)) {
                memintro__qemu_str(out, cap, "on");
                found = 1;
            }
        } else if ((size_t)(eq - elem) == klen && !strncmp(elem, key, klen)) {
            memintro__qemu_str(out, cap, eq + 1);
            found = 1;
        }
        first = 0;
    }
    return found;
}

static int memintro__qemu_bool(const char *v)
{
    return !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y");
}

/* A chardev address of -qmp/-chardev into "unix:PATH" / "tcp:HOST:PORT"; 0 if not a
   socket we can connect to. */
static int memintro__qemu_qmp_addr(const char *spec, char *out, size_t cap)
{
    char first[MEMINTRO_QEMU_ADDR_MAX];
    size_t i, n = 0;
    /* the address is the first element (commas doubled inside it) */
    for (i = 0; spec[i] && n < sizeof first - 1; i++) {
        if (spec[i] == ',') {
            if (spec[i + 1] != ',') break;
            i++;
        }
        first[n++] = spec[i];
    }
    first[n] = 0;
    if (!strncmp(first, "unix:", 5) && first[5]) {
        memintro__qemu_str(out, cap, first);
        return 1;
    }
    if (!strncmp(first, "tcp:", 4)) {
        memintro__qemu_str(out, cap, first);
        return 1;
    }
    return 0;
}

static void memintro__qemu_add_qmp(memintro__qemu_cmd *c, const char *addr)
{
    if (c->nqmp < MEMINTRO__QEMU_MAX_QMP) memintro__qemu_str(c->qmp[c->nqmp++], MEMINTRO_QEMU_ADDR_MAX, addr);
}

/* Base name of a path. */
static const char *memintro__qemu_base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int memintro__qemu_is_qemu_binary(const char *base)
{
    return !strncmp(base, "qemu-system-", 12) || !strcmp(base, "qemu-kvm") || !strcmp(base, "kvm");
}

/* Parses a NUL-separated command line (/proc/PID/cmdline) into *c. */
static void memintro__qemu_parse_cmdline(const char *buf, size_t len, memintro__qemu_cmd *c)
{
    const char *opt = NULL;
    size_t pos = 0;
    int argi = 0;
    char v[MEMINTRO_QEMU_ADDR_MAX];
    char mon_chardev[8][MEMINTRO_QEMU_NAME_MAX];
    size_t nmon = 0, i, j;
    memset(c, 0, sizeof *c);
    while (pos < len) {
        const char *a = buf + pos;
        size_t alen = strnlen(a, len - pos);
        const char *val;
        pos += alen + 1;
        if (pos > len + 1) break;
        if (argi == 0) {
            char tmp[MEMINTRO_QEMU_ADDR_MAX];
            memintro__qemu_strn(tmp, sizeof tmp, a, alen);
            memintro__qemu_str(c->vm.binary, sizeof c->vm.binary, memintro__qemu_base(tmp));
            c->is_qemu = memintro__qemu_is_qemu_binary(c->vm.binary);
            argi = 1;
            continue;
        }
        /* an option we read takes the next argument as its value, whatever it looks
           like; any other argument starting with '-' is an option (possibly one that
           takes no value, like -daemonize), anything else a value we ignore */
        if (!opt) {
            if (a[0] == '-' && a[1] == '-' && a[2]) a++; /* --opt is -opt */
            opt = (a[0] == '-' && alen > 1) ? a : NULL;
            if (opt && !strcmp(opt, "-nodefaults")) c->nodefaults = 1;
            if (opt && strcmp(opt, "-name") && strcmp(opt, "-machine") && strcmp(opt, "-M") &&
                strcmp(opt, "-m") && strcmp(opt, "-qmp") && strcmp(opt, "-qmp-pretty") &&
                strcmp(opt, "-chardev") && strcmp(opt, "-mon") && strcmp(opt, "-object") && strcmp(opt, "-vga") &&
                strcmp(opt, "-device"))
                opt = NULL;
            continue;
        }
        val = a;
        if (!strcmp(opt, "-name")) {
            if (memintro__qemu_opt(val, "guest", "guest", v, sizeof v))
                memintro__qemu_str(c->vm.name, sizeof c->vm.name, v);
        } else if (!strcmp(opt, "-machine") || !strcmp(opt, "-M")) {
            if (memintro__qemu_opt(val, "type", "type", v, sizeof v) && v[0]) {
                memintro__qemu_str(c->vm.machine, sizeof c->vm.machine, v);
            }
            if (memintro__qemu_opt(val, "memory-backend", "type", v, sizeof v))
                memintro__qemu_str(c->backend, sizeof c->backend, v);
            if (memintro__qemu_opt(val, "max-ram-below-4g", "type", v, sizeof v)) {
                uint64_t s;
                if (memintro__qemu_size(v, 1, &s)) c->max_below_4g = s;
            }
        } else if (!strcmp(opt, "-m")) {
            uint64_t s;
            if (memintro__qemu_opt(val, "size", "size", v, sizeof v) && memintro__qemu_size(v, 1ull << 20, &s)) {
                c->vm.ram_size = s;
                c->has_m = 1;
            }
        } else if (!strcmp(opt, "-qmp") || !strcmp(opt, "-qmp-pretty")) {
            if (memintro__qemu_qmp_addr(val, v, sizeof v)) memintro__qemu_add_qmp(c, v);
        } else if (!strcmp(opt, "-chardev")) {
            /* socket,id=X,path=P | socket,id=X,host=H,port=N */
            char type[32], id[MEMINTRO_QEMU_NAME_MAX];
            if (memintro__qemu_opt(val, "backend", "backend", type, sizeof type) && !strcmp(type, "socket") &&
                memintro__qemu_opt(val, "id", NULL, id, sizeof id) && c->nchardev < 8) {
                char addr[MEMINTRO_QEMU_ADDR_MAX], host[MEMINTRO_QEMU_NAME_MAX], port[32];
                addr[0] = 0;
                if (memintro__qemu_opt(val, "path", NULL, v, sizeof v))
                    memintro__qemu_fmt(addr, sizeof addr, "unix:%s", v);
                else if (memintro__qemu_opt(val, "port", NULL, port, sizeof port)) {
                    if (!memintro__qemu_opt(val, "host", NULL, host, sizeof host)) host[0] = 0;
                    memintro__qemu_fmt(addr, sizeof addr, "tcp:%s:%s", host, port);
                }
                if (addr[0]) {
                    memintro__qemu_str(c->chardev_tmp[c->nchardev][0], MEMINTRO_QEMU_ADDR_MAX, id);
                    memintro__qemu_str(c->chardev_tmp[c->nchardev][1], MEMINTRO_QEMU_ADDR_MAX, addr);
                    c->nchardev++;
                }
            }
        } else if (!strcmp(opt, "-vga")) {
            c->vga_opt = strcmp(val, "none") ? 1 : -1;
        } else if (!strcmp(opt, "-device")) {
            /* display cards that decode the legacy VGA window 0xa0000-0xbffff (not
               secondary-vga, bochs-display, virtio-gpu-pci, ramfb) */
            static const char *const cards[] = {"VGA", "isa-vga", "cirrus-vga", "isa-cirrus-vga", "qxl-vga",
                                                "virtio-vga", "virtio-vga-gl", "vmware-svga", "ati-vga", "vhost-user-vga"};
            size_t k;
            if (memintro__qemu_opt(val, "driver", "driver", v, sizeof v))
                for (k = 0; k < sizeof cards / sizeof cards[0]; k++)
                    if (!strcmp(v, cards[k])) c->vga_dev = 1;
        } else if (!strcmp(opt, "-mon")) {
            char mode[32];
            if (memintro__qemu_opt(val, "mode", NULL, mode, sizeof mode) && !strcmp(mode, "control") &&
                memintro__qemu_opt(val, "chardev", "chardev", v, sizeof v) && nmon < 8)
                memintro__qemu_str(mon_chardev[nmon++], MEMINTRO_QEMU_NAME_MAX, v);
        } else if (!strcmp(opt, "-object")) {
            char type[32];
            if (memintro__qemu_opt(val, "qom-type", "qom-type", type, sizeof type) &&
                !strncmp(type, "memory-backend-", 15) && c->nobj < MEMINTRO__QEMU_MAX_OBJ) {
                memintro__qemu_obj *o = &c->obj[c->nobj++];
                uint64_t s;
                memintro__qemu_str(o->type, sizeof o->type, type);
                if (memintro__qemu_opt(val, "id", NULL, v, sizeof v)) memintro__qemu_str(o->id, sizeof o->id, v);
                if (memintro__qemu_opt(val, "size", NULL, v, sizeof v) && memintro__qemu_size(v, 1, &s)) o->size = s;
                if (memintro__qemu_opt(val, "mem-path", NULL, v, sizeof v))
                    memintro__qemu_str(o->path, sizeof o->path, v);
                o->share = !strcmp(type, "memory-backend-memfd"); /* memfd shares by default */
                if (memintro__qemu_opt(val, "share", NULL, v, sizeof v)) o->share = memintro__qemu_bool(v);
            }
        }
        opt = NULL;
    }
    /* QMP monitors on socket chardevs */
    for (i = 0; i < nmon; i++)
        for (j = 0; j < c->nchardev; j++)
            if (!strcmp(mon_chardev[i], c->chardev_tmp[j][0])) memintro__qemu_add_qmp(c, c->chardev_tmp[j][1]);
    if (c->nqmp) memintro__qemu_str(c->vm.qmp, sizeof c->vm.qmp, c->qmp[0]);
    if (!c->vm.machine[0]) c->vm.machine_default = 1;
    /* RAM size: -m, else the memory backend's size, else QEMU's x86 default of 128 MiB */
    if (!c->has_m) {
        c->vm.ram_size = 128ull << 20;
        for (i = 0; i < c->nobj; i++)
            if (c->backend[0] && !strcmp(c->obj[i].id, c->backend) && c->obj[i].size) c->vm.ram_size = c->obj[i].size;
    }
}

MEMINTRO__QDEF int memintro_qemu_parse_cmdline(const char *cmdline, size_t len, memintro_qemu_vm *vm)
{
    memintro__qemu_cmd *c = cmdline ? (memintro__qemu_cmd *)memintro__qemu_alloc(NULL, sizeof *c) : NULL;
    int is;
    if (vm) memset(vm, 0, sizeof *vm);
    if (!c) return 0;
    memintro__qemu_parse_cmdline(cmdline, len, c);
    is = c->is_qemu;
    if (vm) *vm = c->vm;
    memintro__qemu_free(NULL, c);
    return is;
}

/* Reads and parses /proc/PID/cmdline. Returns 0 (c filled), or -1 with errno. */
static int memintro__qemu_read_cmd(const memintro_allocator *al, int pid, memintro__qemu_cmd *c)
{
    char path[64];
    size_t len = 0;
    char *buf;
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    buf = memintro__qemu_slurp(al, path, MEMINTRO__QEMU_CMDLINE_MAX, &len);
    if (!buf) return -1;
    memintro__qemu_parse_cmdline(buf, len, c);
    c->vm.pid = pid;
    memintro__qemu_free(al, buf);
    return 0;
}

static void memintro__qemu_sort_vms(memintro_qemu_vm *v, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        memintro_qemu_vm t = v[i];
        for (j = i; j > 0 && v[j - 1].pid > t.pid; j--) v[j] = v[j - 1];
        v[j] = t;
    }
}

/* Fills up to cap VMs; returns the total count or -1 when /proc cannot be listed. */
static long memintro__qemu_scan(const memintro_allocator *al, memintro_qemu_vm *vms, size_t cap)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    long n = 0;
    memintro__qemu_cmd *c;
    if (!d) return -1;
    c = (memintro__qemu_cmd *)memintro__qemu_alloc(al, sizeof *c);
    if (!c) {
        closedir(d);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        uint64_t pid;
        size_t used;
        char comm[64];
        if (!(used = memintro_parse_u64(e->d_name, strlen(e->d_name), &pid)) || e->d_name[used] || pid > 0x7fffffff)
            continue;
        if ((int)pid == (int)getpid()) continue;
        /* cheap filter first: kernel threads have an empty cmdline */
        (void)comm;
        if (memintro__qemu_read_cmd(al, (int)pid, c) != 0 || !c->is_qemu) continue;
        if ((size_t)n < cap) vms[n] = c->vm;
        n++;
    }
    closedir(d);
    memintro__qemu_free(al, c);
    memintro__qemu_sort_vms(vms, (size_t)n < cap ? (size_t)n : cap);
    return n;
}

MEMINTRO__QDEF memintro_status memintro_qemu_list(memintro_qemu_vm *vms, size_t capacity, size_t *count)
{
    long n;
    if (!vms) capacity = 0;
    n = memintro__qemu_scan(NULL, vms, capacity);
    if (count) *count = n < 0 ? 0 : (size_t)n;
    return n < 0 ? MEMINTRO_E_IO : MEMINTRO_OK;
}

/* ---- /proc/PID/maps ---- */

typedef struct memintro__qemu_vma {
    uint64_t start, end, offset, inode;
    unsigned dev_major, dev_minor;
    char perms[5];
    const char *path; /* into the line; "" for anonymous */
    size_t path_len;
} memintro__qemu_vma;

/* Parses one maps line: "start-end perms offset major:minor inode [path]". Returns 1 if
   well-formed. */
static int memintro__qemu_parse_vma(const char *s, size_t n, memintro__qemu_vma *v)
{
    size_t i = 0, u;
    uint64_t x;
    memset(v, 0, sizeof *v);
    if (!(u = memintro_parse_hex(s, n, &v->start))) return 0;
    i = u;
    if (i >= n || s[i] != '-') return 0;
    i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &v->end)) || v->end < v->start) return 0;
    i += u;
    if (i + 5 >= n || s[i] != ' ') return 0;
    memcpy(v->perms, s + i + 1, 4);
    v->perms[4] = 0;
    i += 5;
    if (s[i] != ' ') return 0;
    i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &v->offset))) return 0;
    i += u;
    if (i >= n || s[i] != ' ') return 0;
    i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &x)) || x > 0xffffffffu) return 0;
    v->dev_major = (unsigned)x;
    i += u;
    if (i >= n || s[i] != ':') return 0;
    i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &x)) || x > 0xffffffffu) return 0;
    v->dev_minor = (unsigned)x;
    i += u;
    if (i >= n || s[i] != ' ') return 0;
    i++;
    if (!(u = memintro_parse_u64(s + i, n - i, &v->inode))) return 0;
    i += u;
    while (i < n && s[i] == ' ') i++;
    v->path = s + i;
    v->path_len = n - i;
    return 1;
}

static memintro_qemu_backing memintro__qemu_vma_backing(const memintro__qemu_vma *v)
{
    if (!v->path_len || v->path[0] == '[') return MEMINTRO_QEMU_BACKING_ANON;
    if (v->path_len >= 7 && !memcmp(v->path, "/memfd:", 7)) return MEMINTRO_QEMU_BACKING_MEMFD;
    return MEMINTRO_QEMU_BACKING_FILE;
}

/* ---- JSON (QMP replies) ---- */

static const char *memintro__qj_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* Skips a string starting at '"'; returns the byte after the closing quote, or NULL. */
static const char *memintro__qj_skip_string(const char *p, const char *e)
{
    if (p >= e || *p != '"') return NULL;
    for (p++; p < e; p++) {
        if (*p == '\\') {
            p++;
            continue;
        }
        if (*p == '"') return p + 1;
        if ((unsigned char)*p < 0x20) return NULL;
    }
    return NULL;
}

/* Skips one JSON value; returns the byte after it or NULL when malformed (depth-bounded). */
static const char *memintro__qj_skip(const char *p, const char *e, int depth)
{
    p = memintro__qj_ws(p, e);
    if (p >= e || depth > 64) return NULL;
    if (*p == '"') return memintro__qj_skip_string(p, e);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = memintro__qj_ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = memintro__qj_skip_string(memintro__qj_ws(p, e), e);
                if (!p) return NULL;
                p = memintro__qj_ws(p, e);
                if (p >= e || *p != ':') return NULL;
                p++;
            }
            p = memintro__qj_skip(p, e, depth + 1);
            if (!p) return NULL;
            p = memintro__qj_ws(p, e);
            if (p >= e) return NULL;
            if (*p == close) return p + 1;
            if (*p != ',') return NULL;
            p++;
        }
    }
    /* number, true, false, null */
    {
        const char *s = p;
        while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '+' ||
                         *p == '.' || *p == 'E'))
            p++;
        return p > s ? p : NULL;
    }
}

/* In the object at p, the value of member `key` (NULL if absent or malformed). */
static const char *memintro__qj_member(const char *p, const char *e, const char *key)
{
    size_t klen = strlen(key);
    p = memintro__qj_ws(p, e);
    if (p >= e || *p != '{') return NULL;
    p = memintro__qj_ws(p + 1, e);
    if (p < e && *p == '}') return NULL;
    for (;;) {
        const char *k = memintro__qj_ws(p, e), *ke = memintro__qj_skip_string(k, e);
        if (!ke) return NULL;
        p = memintro__qj_ws(ke, e);
        if (p >= e || *p != ':') return NULL;
        p = memintro__qj_ws(p + 1, e);
        if ((size_t)(ke - k) == klen + 2 && !memcmp(k + 1, key, klen)) return p;
        p = memintro__qj_skip(p, e, 1);
        if (!p) return NULL;
        p = memintro__qj_ws(p, e);
        if (p >= e || *p != ',') return NULL;
        p++;
    }
}

static size_t memintro__qj_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static int memintro__qj_u4(const char *p, const char *e, uint32_t *c)
{
    uint64_t v;
    *c = 0;
    if (e - p < 4) return 0;
    if (memintro_parse_hex(p, 4, &v) != 4) return 0;
    *c = (uint32_t)v;
    return 1;
}

/* Decodes the string at p into out (cap bytes, NUL-terminated, truncated to fit; a
   buffer of the raw length + 1 always fits). Returns the byte after the string or NULL. */
static const char *memintro__qj_string(const char *p, const char *e, char *out, size_t cap, size_t *outlen)
{
    size_t n = 0;
    p = memintro__qj_ws(p, e);
    if (p >= e || *p != '"' || !cap) return NULL;
    for (p++; p < e; p++) {
        char tmp[4];
        size_t k = 1, j;
        if (*p == '"') {
            out[n] = 0;
            if (outlen) *outlen = n;
            return p + 1;
        }
        if ((unsigned char)*p < 0x20) return NULL;
        tmp[0] = *p;
        if (*p == '\\') {
            if (++p >= e) return NULL;
            switch (*p) {
            case 'n': tmp[0] = '\n'; break;
            case 't': tmp[0] = '\t'; break;
            case 'r': tmp[0] = '\r'; break;
            case 'b': tmp[0] = '\b'; break;
            case 'f': tmp[0] = '\f'; break;
            case '/': case '\\': case '"': tmp[0] = *p; break;
            case 'u': {
                uint32_t c, lo;
                if (!memintro__qj_u4(p + 1, e, &c)) return NULL;
                p += 4;
                if (c >= 0xd800 && c < 0xdc00 && e - p > 6 && p[1] == '\\' && p[2] == 'u' &&
                    memintro__qj_u4(p + 3, e, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                    c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                } else if (c >= 0xd800 && c < 0xe000) {
                    c = 0xfffd; /* lone surrogate */
                }
                k = memintro__qj_utf8(tmp, c);
                break;
            }
            default: return NULL;
            }
        }
        for (j = 0; j < k; j++)
            if (n + 1 < cap) out[n++] = tmp[j];
    }
    return NULL;
}

/* Length of the first complete top-level object in buf[0..n) (after leading whitespace):
   >0 its end offset, 0 incomplete, -1 malformed (not an object). */
static long memintro__qj_frame(const char *buf, size_t n)
{
    size_t i = 0;
    int depth = 0, instr = 0, esc = 0;
    while (i < n && (buf[i] == ' ' || buf[i] == '\r' || buf[i] == '\n' || buf[i] == '\t')) i++;
    if (i == n) return 0;
    if (buf[i] != '{') return -1;
    for (; i < n; i++) {
        char ch = buf[i];
        if (instr) {
            if (esc) esc = 0;
            else if (ch == '\\') esc = 1;
            else if (ch == '"') instr = 0;
            continue;
        }
        if (ch == '"') instr = 1;
        else if (ch == '{' || ch == '[') {
            if (++depth > 64) return -1;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0) return (long)(i + 1);
            if (depth < 0) return -1;
        }
    }
    return 0;
}

/* ---- QMP client ---- */

typedef struct memintro__qmp {
    int fd;
    char *buf;
    size_t len, cap;
    int timeout_ms;
    unsigned id;
    const memintro_allocator *al;
    char err[MEMINTRO_QEMU_MSG_MAX];
} memintro__qmp;

/* Waits for fd to be ready for `events` until deadline; returns 1 ready, 0 timeout, -1 error. */
static int memintro__qmp_wait(int fd, short events, uint64_t deadline)
{
    for (;;) {
        struct pollfd p;
        uint64_t now = memintro__qemu_now_ns();
        int r, ms;
        if (now >= deadline) return 0;
        ms = (int)((deadline - now + 999999) / 1000000);
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) continue; /* re-check the deadline */
        return 1;
    }
}

/* Connects to "unix:PATH" or "tcp:HOST:PORT". `cwd` resolves a relative unix path (QEMU's
   working directory), may be NULL. Returns 0, or -1 with q->err set. */
static int memintro__qmp_connect(memintro__qmp *q, const char *addr, const char *cwd)
{
    uint64_t deadline = memintro__qemu_now_ns() + (uint64_t)q->timeout_ms * 1000000ull;
    int fd = -1, r;
    q->fd = -1;
    if (!strncmp(addr, "unix:", 5)) {
        struct sockaddr_un sa;
        char path[MEMINTRO_QEMU_ADDR_MAX * 2];
        const char *p = addr + 5;
        if (p[0] != '/' && cwd && cwd[0]) {
            snprintf(path, sizeof path, "%s/%s", cwd, p);
            if (access(path, F_OK) != 0) snprintf(path, sizeof path, "%s", p);
        } else {
            snprintf(path, sizeof path, "%s", p);
        }
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof sa.sun_path) {
            MEMINTRO__QEMU_FMT(q->err, "QMP socket path %s is longer than %u bytes", path,
                               (unsigned)sizeof sa.sun_path - 1);
            return -1;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            MEMINTRO__QEMU_FMT(q->err, "socket: %s", strerror(errno));
            return -1;
        }
        /* non-blocking: a full backlog (QEMU stopped, or busy with another client) answers
           EAGAIN at once instead of blocking; retry until the deadline */
        for (;;) {
            uint64_t now;
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) break;
            if (errno == EINTR) continue;
            if (errno == EINPROGRESS) {
                int err = 0;
                socklen_t l = sizeof err;
                if (memintro__qmp_wait(fd, POLLOUT, deadline) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 &&
                    err == 0)
                    break;
                MEMINTRO__QEMU_FMT(q->err, "cannot connect to QMP socket %s: %s", path,
                                   err ? strerror(err) : "no connection within the timeout");
                close(fd);
                return -1;
            }
            now = memintro__qemu_now_ns();
            if (errno != EAGAIN || now >= deadline) {
                if (errno == EAGAIN)
                    MEMINTRO__QEMU_FMT(q->err, "cannot connect to QMP socket %s: its backlog stayed full for %d ms "
                                               "(QEMU stopped, or another client holds it)", path, q->timeout_ms);
                else
                    MEMINTRO__QEMU_FMT(q->err, "cannot connect to QMP socket %s: %s", path, strerror(errno));
                close(fd);
                return -1;
            }
            {
                uint64_t left = deadline - now;
                struct timespec ts;
                ts.tv_sec = 0;
                ts.tv_nsec = (long)(left < 5000000ull ? left : 5000000ull);
                nanosleep(&ts, NULL);
            }
        }
    } else if (!strncmp(addr, "tcp:", 4)) {
        char host[MEMINTRO_QEMU_ADDR_MAX], *colon;
        struct addrinfo hints, *res = NULL, *ai;
        int err = 0;
        memintro__qemu_str(host, sizeof host, addr + 4);
        colon = strrchr(host, ':');
        if (!colon || !colon[1]) {
            MEMINTRO__QEMU_FMT(q->err, "QMP address %s has no port (tcp:HOST:PORT)", addr);
            return -1;
        }
        *colon = 0;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        r = getaddrinfo(host[0] ? host : "localhost", colon + 1, &hints, &res);
        if (r != 0) {
            MEMINTRO__QEMU_FMT(q->err, "QMP address %s: %s", addr, gai_strerror(r));
            return -1;
        }
        for (ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
            if (fd < 0) continue;
            if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
            if (errno == EINPROGRESS && memintro__qmp_wait(fd, POLLOUT, deadline) == 1) {
                socklen_t l = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0) break;
            } else {
                err = errno;
            }
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) {
            MEMINTRO__QEMU_FMT(q->err, "cannot connect to QMP at %s: %s", addr, err ? strerror(err) : "timed out");
            return -1;
        }
    } else {
        MEMINTRO__QEMU_FMT(q->err, "QMP address %s is neither unix:PATH nor tcp:HOST:PORT", addr);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    q->fd = fd;
    return 0;
}

static void memintro__qmp_close(memintro__qmp *q)
{
    if (q->fd >= 0) close(q->fd);
    q->fd = -1;
    memintro__qemu_free(q->al, q->buf);
    q->buf = NULL;
    q->len = q->cap = 0;
}

/* Receives the next complete JSON object; returns its length (it starts at q->buf), 0 with
   q->err set on timeout, EOF or malformed data. Consume it with memintro__qmp_consume. */
static size_t memintro__qmp_recv(memintro__qmp *q)
{
    uint64_t deadline = memintro__qemu_now_ns() + (uint64_t)q->timeout_ms * 1000000ull;
    for (;;) {
        long f = q->len ? memintro__qj_frame(q->buf, q->len) : 0;
        ssize_t r;
        int w;
        if (f < 0) {
            MEMINTRO__QEMU_FMT(q->err, "QMP sent malformed data (not a JSON object)");
            return 0;
        }
        if (f > 0) return (size_t)f;
        if (q->len == q->cap) {
            size_t ncap = q->cap ? q->cap * 2 : 65536;
            char *nb;
            if (ncap > MEMINTRO__QEMU_REPLY_MAX) {
                MEMINTRO__QEMU_FMT(q->err, "QMP reply larger than %u MiB", MEMINTRO__QEMU_REPLY_MAX >> 20);
                return 0;
            }
            nb = (char *)memintro__qemu_alloc(q->al, ncap);
            if (!nb) {
                MEMINTRO__QEMU_FMT(q->err, "out of memory for a QMP reply");
                return 0;
            }
            if (q->len) memcpy(nb, q->buf, q->len);
            memintro__qemu_free(q->al, q->buf);
            q->buf = nb;
            q->cap = ncap;
        }
        r = recv(q->fd, q->buf + q->len, q->cap - q->len, MSG_DONTWAIT);
        if (r > 0) {
            q->len += (size_t)r;
            continue;
        }
        if (r == 0) {
            MEMINTRO__QEMU_FMT(q->err, "QMP connection closed by QEMU");
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            MEMINTRO__QEMU_FMT(q->err, "QMP read: %s", strerror(errno));
            return 0;
        }
        w = memintro__qmp_wait(q->fd, POLLIN, deadline);
        if (w <= 0) {
            MEMINTRO__QEMU_FMT(q->err, "no answer from QMP within %d ms (is another client connected?)",
                               q->timeout_ms);
            return 0;
        }
    }
}

static void memintro__qmp_consume(memintro__qmp *q, size_t n)
{
    memmove(q->buf, q->buf + n, q->len - n);
    q->len -= n;
}

static int memintro__qmp_send(memintro__qmp *q, const char *s, size_t n)
{
    uint64_t deadline = memintro__qemu_now_ns() + (uint64_t)q->timeout_ms * 1000000ull;
    while (n) {
        ssize_t r = send(q->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) {
            s += r;
            n -= (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && memintro__qmp_wait(q->fd, POLLOUT, deadline) == 1)
            continue;
        MEMINTRO__QEMU_FMT(q->err, "QMP write: %s", r < 0 ? strerror(errno) : "timed out");
        return -1;
    }
    return 0;
}

/* Reads the greeting and negotiates capabilities. Returns 0 or -1 (q->err). */
static int memintro__qmp_handshake(memintro__qmp *q)
{
    size_t n = memintro__qmp_recv(q);
    const char *p;
    if (!n) return -1;
    if (!memintro__qj_member(q->buf, q->buf + n, "QMP")) {
        MEMINTRO__QEMU_FMT(q->err, "no QMP greeting (is it a QMP monitor, not HMP?)");
        return -1;
    }
    memintro__qmp_consume(q, n);
    p = "{\"execute\":\"qmp_capabilities\",\"id\":0}\n";
    if (memintro__qmp_send(q, p, strlen(p)) != 0) return -1;
    for (;;) {
        n = memintro__qmp_recv(q);
        if (!n) return -1;
        if (memintro__qj_member(q->buf, q->buf + n, "event")) {
            memintro__qmp_consume(q, n);
            continue;
        }
        if (!memintro__qj_member(q->buf, q->buf + n, "return")) {
            MEMINTRO__QEMU_FMT(q->err, "QMP refused qmp_capabilities");
            return -1;
        }
        memintro__qmp_consume(q, n);
        return 0;
    }
}

/* Runs `execute` with `args` (a JSON object text or NULL). On success returns the length
   of the reply object at q->buf (consume it after use) and sets *ret to its "return"
   value; 0 on failure (q->err names it: QMP error class and description, or I/O). */
static size_t memintro__qmp_exec(memintro__qmp *q, const char *execute, const char *args, const char **ret)
{
    char head[256];
    size_t n;
    unsigned id = ++q->id;
    snprintf(head, sizeof head, "{\"execute\":\"%s\",\"id\":%u%s", execute, id, args ? ",\"arguments\":" : "");
    if (memintro__qmp_send(q, head, strlen(head)) != 0) return 0;
    if (args && memintro__qmp_send(q, args, strlen(args)) != 0) return 0;
    if (memintro__qmp_send(q, "}\n", 2) != 0) return 0;
    for (;;) {
        const char *e, *r, *idv;
        uint64_t got;
        n = memintro__qmp_recv(q);
        if (!n) return 0;
        e = q->buf + n;
        if (!memintro__qj_skip(q->buf, e, 0)) {
            MEMINTRO__QEMU_FMT(q->err, "QMP sent malformed JSON in reply to %s", execute);
            return 0;
        }
        idv = memintro__qj_member(q->buf, e, "id");
        if (memintro__qj_member(q->buf, e, "event") ||
            (idv && (!memintro_parse_u64(idv, (size_t)(e - idv), &got) || got != id))) {
            memintro__qmp_consume(q, n);
            continue;
        }
        r = memintro__qj_member(q->buf, e, "return");
        if (r) {
            *ret = r;
            return n;
        }
        r = memintro__qj_member(q->buf, e, "error");
        if (r) {
            char cls[64], desc[256];
            const char *c = memintro__qj_member(r, e, "class"), *d = memintro__qj_member(r, e, "desc");
            if (!c || !memintro__qj_string(c, e, cls, sizeof cls, NULL)) memintro__qemu_str(cls, sizeof cls, "?");
            if (!d || !memintro__qj_string(d, e, desc, sizeof desc, NULL)) memintro__qemu_str(desc, sizeof desc, "?");
            MEMINTRO__QEMU_FMT(q->err, "QMP %s failed: %s: %s", execute, cls, desc);
        } else {
            MEMINTRO__QEMU_FMT(q->err, "QMP reply to %s has neither return nor error", execute);
        }
        memintro__qmp_consume(q, n);
        return 0;
    }
}

/* Writes cmd as the inside of a JSON string into out (cap bytes, NUL-terminated): quotes
   and backslashes escaped, control characters as \uXXXX. Returns the escaped length
   (excluding the NUL), which may exceed cap - 1 (then out is not usable). */
static size_t memintro__qj_escape(const char *cmd, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (; *cmd; cmd++) {
        unsigned char c = (unsigned char)*cmd;
        char e[7];
        size_t el = 0, j;
        if (c == '"' || c == '\\') {
            e[el++] = '\\';
            e[el++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            e[el++] = '\\';
            e[el++] = 'u';
            e[el++] = '0';
            e[el++] = '0';
            e[el++] = hex[c >> 4];
            e[el++] = hex[c & 15];
        } else {
            e[el++] = (char)c;
        }
        for (j = 0; j < el; j++, k++)
            if (k + 1 < cap) out[k] = e[j];
    }
    if (cap) out[k < cap ? k : cap - 1] = 0;
    return k;
}

/* Runs an HMP command through human-monitor-command; returns an allocated, decoded text
   (free with memintro__qemu_free) or NULL (q->err). The command must fit
   MEMINTRO__QEMU_HMP_MAX bytes once escaped (callers check). */
static char *memintro__qmp_hmp(memintro__qmp *q, const char *cmd)
{
    char args[MEMINTRO__QEMU_HMP_MAX + 32], esc[MEMINTRO__QEMU_HMP_MAX + 1];
    size_t n, raw;
    const char *r, *end;
    char *out;
    if (memintro__qj_escape(cmd, esc, sizeof esc) >= sizeof esc) {
        MEMINTRO__QEMU_FMT(q->err, "HMP command longer than %u bytes", (unsigned)MEMINTRO__QEMU_HMP_MAX);
        return NULL;
    }
    snprintf(args, sizeof args, "{\"command-line\":\"%s\"}", esc);
    n = memintro__qmp_exec(q, "human-monitor-command", args, &r);
    if (!n) return NULL;
    end = memintro__qj_skip(r, q->buf + n, 1);
    if (!end || *memintro__qj_ws(r, end) != '"') {
        MEMINTRO__QEMU_FMT(q->err, "QMP: human-monitor-command %.64s returned no text", cmd);
        memintro__qmp_consume(q, n);
        return NULL;
    }
    raw = (size_t)(end - r);
    out = (char *)memintro__qemu_alloc(q->al, raw + 1);
    if (!out || !memintro__qj_string(r, end, out, raw + 1, NULL)) {
        MEMINTRO__QEMU_FMT(q->err, out ? "QMP: malformed string in reply to %.64s" : "out of memory (%.64s)", cmd);
        memintro__qemu_free(q->al, out);
        memintro__qmp_consume(q, n);
        return NULL;
    }
    memintro__qmp_consume(q, n);
    return out;
}

/* Is HMP output an error message? QEMU 7.2 answers a bad command line with a "return"
   holding text: "unknown command: 'x'", a parse error followed by a line
   "Try \"help x\" for more information", or "Error: ..." from the command itself.
   Returns the line that names the problem, or NULL. */
static const char *memintro__qemu_hmp_error(const char *t, size_t *linelen)
{
    const char *p = t, *first = NULL;
    size_t firstlen = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        if (l && !first) {
            first = p;
            firstlen = l;
        }
        if ((p == t && !strncmp(p, "unknown command: ", 17)) || !strncmp(p, "Error: ", 7)) {
            *linelen = l;
            return p;
        }
        if (!strncmp(p, "Try \"help", 9)) { /* the parse error is the line before */
            *linelen = firstlen;
            return first;
        }
        if (!eol) break;
        p = eol + 1;
    }
    return NULL;
}

/* ---- info mtree -f and gpa2hva ---- */

/* One range of the flat view of address space "memory". */
typedef struct memintro__qemu_mrange {
    uint64_t start, size, offset;
    char type[8];
    char name[MEMINTRO_QEMU_NAME_MAX];
} memintro__qemu_mrange;

/* Is an mtree type one whose bytes live in host RAM we can read? */
static int memintro__qemu_ram_type(const char *t)
{
    if (!strncmp(t, "nv-", 3)) t += 3;
    return !strcmp(t, "ram") || !strcmp(t, "rom") || !strcmp(t, "romd");
}

/* Parses one flat-view range line "  START-END (prio P, TYPE): NAME[ @OFF][ ACCEL]".
   Returns 1 on success. */
static int memintro__qemu_parse_mline(const char *s, size_t n, memintro__qemu_mrange *r)
{
    size_t i = 0, u, ne;
    uint64_t end;
    const char *p, *t, *colon;
    memset(r, 0, sizeof *r);
    while (i < n && s[i] == ' ') i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &r->start)) || u < 8) return 0;
    i += u;
    if (i >= n || s[i] != '-') return 0;
    i++;
    if (!(u = memintro_parse_hex(s + i, n - i, &end)) || end < r->start) return 0;
    i += u;
    r->size = end - r->start + 1;
    if (!r->size) r->size = UINT64_MAX; /* the whole 64-bit space */
    if (n - i < 8 || memcmp(s + i, " (prio ", 7)) return 0;
    p = (const char *)memchr(s + i, ',', n - i);
    if (!p || (size_t)(s + n - p) < 3) return 0;
    t = p + 2;
    colon = (const char *)memchr(t, ')', (size_t)(s + n - t));
    if (!colon || colon - t >= (long)sizeof r->type || (size_t)(s + n - colon) < 3 || colon[1] != ':') return 0;
    memintro__qemu_strn(r->type, sizeof r->type, t, (size_t)(colon - t));
    p = colon + 2;
    if (p < s + n && *p == ' ') p++;
    ne = (size_t)(s + n - p);
    while (ne && (p[ne - 1] == ' ' || p[ne - 1] == '\r')) ne--;
    /* accelerator names that back the range (" KVM") end the line */
    for (;;) {
        static const char *const acc[] = {" KVM", " HVF", " WHPX", " NVMM", " HAX", " kvm", " hvf", " whpx", " nvmm"};
        size_t k, hit = 0;
        for (k = 0; k < sizeof acc / sizeof acc[0]; k++) {
            size_t al = strlen(acc[k]);
            if (ne > al && !memcmp(p + ne - al, acc[k], al)) {
                ne -= al;
                hit = 1;
            }
        }
        if (!hit) break;
    }
    /* " @OFFSET" (16 hex digits) is the offset inside the region */
    if (ne > 18 && p[ne - 18] == ' ' && p[ne - 17] == '@') {
        uint64_t off;
        if ((u = memintro_parse_hex(p + ne - 16, 16, &off)) && u == 16) {
            r->offset = off;
            ne -= 18;
        }
    }
    if (!ne) return 0;
    memintro__qemu_strn(r->name, sizeof r->name, p, ne);
    return 1;
}

/* Extracts the RAM-like ranges (ram, rom, romd, nv-*) of address space "memory" from the
   text of `info mtree -f`. Returns OK, E_FORMAT (no such view / bad line in it, message in
   err) or E_LIMIT (more than cap ranges). */
static memintro_status memintro__qemu_parse_mtree(const char *text, size_t len, memintro__qemu_mrange *out,
                                                  size_t cap, size_t *count, char *err, size_t errcap)
{
    const char *p = text, *e = text + len;
    int in_view = 0, is_memory = 0, seen = 0;
    size_t n = 0;
    *count = 0;
    while (p < e) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(e - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(e - p);
        uint64_t hexd;
        if (ll && p[ll - 1] == '\r') ll--;
        if (ll >= 9 && !memcmp(p, "FlatView ", 9)) {
            if (seen) break; /* the view of "memory" is complete */
            in_view = 1;
            is_memory = 0;
        } else if (ll >= 33 && !memcmp(p, "address-space (flat view): memory", 33) &&
                   (ll == 33 || p[33] == ' ')) {
            /* older QEMU (before 2.12): one section per address space */
            if (seen) break;
            in_view = 1;
            is_memory = 1;
            seen = 1;
        } else if (ll >= 15 && !memcmp(p, "address-space ", 14)) {
            if (seen) break;
            in_view = 0;
            is_memory = 0;
        } else if (in_view && ll > 13 && !memcmp(p, " AS \"memory\",", 13)) {
            is_memory = 1;
            seen = 1;
        } else if (in_view && is_memory && ll > 2 && p[0] == ' ' && p[1] == ' ' && memintro_parse_hex(p + 2, 1, &hexd) == 1) {
            memintro__qemu_mrange r;
            if (!memintro__qemu_parse_mline(p, ll, &r)) {
                memintro__qemu_fmt(err, errcap, "info mtree -f: cannot parse \"%.*s\"", (int)(ll > 100 ? 100 : ll), p);
                return MEMINTRO_E_FORMAT;
            }
            if (memintro__qemu_ram_type(r.type)) {
                if (n >= cap) {
                    memintro__qemu_fmt(err, errcap, "info mtree -f: more than %u RAM ranges", (unsigned)cap);
                    return MEMINTRO_E_LIMIT;
                }
                out[n++] = r;
            }
        }
        p = nl ? nl + 1 : e;
    }
    if (!seen) {
        memintro__qemu_fmt(err, errcap, "info mtree -f shows no address space \"memory\"");
        return MEMINTRO_E_FORMAT;
    }
    *count = n;
    return MEMINTRO_OK;
}

/* Parses gpa2hva's answer "Host virtual address for 0x... (NAME) is 0x...". Returns 1 and
   *hva on success (name checked when given). */
static int memintro__qemu_parse_gpa2hva(const char *t, const char *name, uint64_t *hva)
{
    static const char pre[] = "Host virtual address for ";
    const char *p = strstr(t, pre), *is, *nl;
    size_t u;
    if (!p) return 0;
    nl = strchr(p, '\n');
    is = strstr(p, ") is ");
    if (!is || (nl && is > nl)) return 0;
    if (name) {
        size_t k = strlen(name);
        if ((size_t)(is - p) < k + 1 || is[-(long)k - 1] != '(' || memcmp(is - k, name, k)) return 0;
    }
    if (!(u = memintro_parse_u64(is + 5, strlen(is + 5), hva))) return 0;
    return is[5] == '0' && (is[6] == 'x' || is[6] == 'X');
}

/* ---- per-machine tables ---- */

/* Guest RAM below and above 4 GiB for a machine type and RAM size (QEMU's pc_piix.c and
   pc_q35.c rules). Returns 1, or 0 (with why) for machines without a table. */
static int memintro__qemu_table(const char *machine, int machine_default, const char *binary, uint64_t ram,
                                uint64_t max_below_4g, uint64_t *low, uint64_t *high, const char **why)
{
    const uint64_t G = 1ull << 30;
    uint64_t lowmem;
    int q35 = 0, i440fx = 0, gig_align = 1;
    *why = NULL;
    if (machine_default || !machine[0]) {
        if (strcmp(binary, "qemu-system-x86_64") && strcmp(binary, "qemu-system-i386") &&
            strcmp(binary, "qemu-kvm") && strcmp(binary, "kvm")) {
            *why = "the default machine of this QEMU binary has no built-in layout table";
            return 0;
        }
        i440fx = 1;
    } else if (!strcmp(machine, "q35") || !strncmp(machine, "pc-q35-", 7)) {
        q35 = 1;
    } else if (!strcmp(machine, "pc") || !strncmp(machine, "pc-i440fx-", 10) || !strncmp(machine, "pc-0.", 5) ||
               !strncmp(machine, "pc-1.", 5) || !strcmp(machine, "isapc")) {
        i440fx = 1;
        /* machine types up to 1.7 did not align the split to 1 GiB */
        if (!strncmp(machine, "pc-0.", 5) || !strncmp(machine, "pc-1.", 5) ||
            (!strncmp(machine, "pc-i440fx-1.", 12) && machine[12] >= '0' && machine[12] <= '7' && !machine[13]))
            gig_align = 0;
    } else {
        *why = "no built-in layout table for this machine type";
        return 0;
    }
    if (q35) {
        lowmem = ram >= 0xb0000000ull ? 0x80000000ull : 0xb0000000ull;
        if (!max_below_4g) max_below_4g = 4 * G;
        if (lowmem > max_below_4g) lowmem = max_below_4g;
    } else {
        (void)i440fx;
        if (!max_below_4g) max_below_4g = 0xe0000000ull;
        if (max_below_4g > 4 * G) max_below_4g = 4 * G;
        lowmem = max_below_4g;
        if (ram >= lowmem && gig_align && lowmem > 0xc0000000ull) lowmem = 0xc0000000ull;
    }
    if (ram >= lowmem) {
        *low = lowmem;
        *high = ram - lowmem;
    } else {
        *low = ram;
        *high = 0;
    }
    return 1;
}

/* ---- liveness ---- */

/* Reads /proc/PID/stat: state, flags and start time. Returns 0, or -1 if the process is gone. */
static int memintro__qemu_stat(int pid, char *state, uint64_t *flags, uint64_t *starttime)
{
    char path[64], buf[1024];
    const char *p;
    int fd, field;
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    p = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
    if (!p || p[1] != ' ') return -1;
    p += 2;
    *state = *p;
    *flags = *starttime = 0;
    for (field = 3; *p && field < 22; p++) {
        if (*p != ' ') continue;
        field++;
        if (field == 9) memintro_parse_u64(p + 1, strlen(p + 1), flags);
        if (field == 22) memintro_parse_u64(p + 1, strlen(p + 1), starttime);
    }
    return 0;
}

/* 1 when the process has exited or is exiting (checked now, not rate-limited). */
static int memintro__qemu_exited(memintro_qemu *q)
{
    char st;
    uint64_t fl, start;
    if (q->gone) return 1;
    if (q->nested) {
        if (q->proc.alive && !q->proc.alive(q->proc.user)) q->gone = 1;
    } else if (q->pidfd >= 0) {
        struct pollfd p;
        p.fd = q->pidfd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) q->gone = 1;
    }
    if (!q->gone && !q->nested) {
        if (memintro__qemu_stat(q->pid, &st, &fl, &start) != 0 || start != q->starttime || st == 'Z' || st == 'X' ||
            st == 'x' || (fl & MEMINTRO__QEMU_PF_EXITING))
            q->gone = 1;
    }
    if (q->gone)
        MEMINTRO__QEMU_FMT(q->error, "QEMU process %d (%s)%s%s has exited", q->pid, q->name[0] ? q->name : "no name",
                           q->nested ? " of " : "", q->nested ? q->where : "");
    return q->gone;
}

/* The rate-limited check before a batch: process still there, shared RAM files still the
   size they were. Returns 1 when the VM is gone. */
static int memintro__qemu_build_zc(memintro_qemu *q);

static int memintro__qemu_check(memintro_qemu *q)
{
    uint64_t now;
    size_t i;
    int died = 0;
    if (q->gone) return 1;
    if (q->check_ns) {
#ifdef CLOCK_MONOTONIC_COARSE
        /* the coarse clock costs a few nanoseconds; its tick (1-4 ms) bounds how late the
           check may come */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#else
        now = memintro__qemu_now_ns();
#endif
        if (now - q->last_check_ns < q->check_ns) return 0;
        q->last_check_ns = now;
    }
    if (q->nested) {
        return memintro__qemu_exited(q);
    } else if (q->pidfd >= 0) {
        struct pollfd p;
        p.fd = q->pidfd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) return memintro__qemu_exited(q);
    } else if (kill(q->pid, 0) != 0 && errno == ESRCH) {
        return memintro__qemu_exited(q);
    }
    for (i = 0; i < q->nmaps; i++) {
        memintro_qemu__mapping *m = &q->maps[i];
        struct stat sb;
        if (m->dead || m->sealed) continue;
        if (fstat(m->fd, &sb) != 0 || (uint64_t)sb.st_size < m->file_off + m->size) {
            m->dead = 1;
            died = 1;
            MEMINTRO__QEMU_FMT(q->error,
                               "the shared RAM file mapped at host 0x%llx shrank from %llu to %llu bytes; reopen the VM",
                               (unsigned long long)m->hva, (unsigned long long)m->file_size,
                               (unsigned long long)sb.st_size);
            m->file_size = (uint64_t)sb.st_size;
        }
    }
    if (died) memintro__qemu_build_zc(q); /* its ranges go to process_vm_* (which fails them) */
    return 0;
}

MEMINTRO__QDEF int memintro_qemu_alive(memintro_qemu *q)
{
    if (!q || !q->opened) return 0;
    return !memintro__qemu_exited(q);
}

/* The zero-copy mapping holding QEMU address hva, or NULL. */
static memintro_qemu__mapping *memintro__qemu_find_map(memintro_qemu *q, uint64_t hva)
{
    size_t lo = 0, hi = q->nmaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        memintro_qemu__mapping *m = &q->maps[mid];
        if (hva < m->hva) hi = mid;
        else if (hva - m->hva >= m->size) lo = mid + 1;
        else return m;
    }
    return NULL;
}

/* Why process_vm_* faulted at QEMU address hva: the process is exiting (E_GONE) or the
   mapping disappeared or changed (E_IO); sets q->error. */
typedef struct memintro__qemu_findvma {
    uint64_t hva;
    uint64_t start, end;
    int found;
} memintro__qemu_findvma;

static int memintro__qemu_findvma_fn(void *ctx, const char *line, size_t len)
{
    memintro__qemu_findvma *f = (memintro__qemu_findvma *)ctx;
    memintro__qemu_vma v;
    if (!memintro__qemu_parse_vma(line, len, &v)) return 0;
    if (f->hva >= v.start && f->hva < v.end) {
        f->start = v.start;
        f->end = v.end;
        f->found = 1;
        return 1;
    }
    return 0;
}

static memintro_status memintro__qemu_diagnose(memintro_qemu *q, uint64_t hva, int err)
{
    char path[64];
    memintro__qemu_findvma f;
    const memintro_qemu__mapping *m = q->nmaps ? memintro__qemu_find_map(q, hva) : NULL;
    if (memintro__qemu_exited(q)) return MEMINTRO_E_GONE;
    if (m && m->dead) {
        MEMINTRO__QEMU_FMT(q->error, "the shared RAM file mapped at host 0x%llx shrank to %llu bytes; reopen the VM",
                           (unsigned long long)m->hva, (unsigned long long)m->file_size);
        return MEMINTRO_E_IO;
    }
    snprintf(path, sizeof path, "/proc/%d/maps", q->pid);
    memset(&f, 0, sizeof f);
    f.hva = hva;
    if (memintro__qemu_lines(path, memintro__qemu_findvma_fn, &f) != 0) {
        if (memintro__qemu_exited(q)) return MEMINTRO_E_GONE;
        MEMINTRO__QEMU_FMT(q->error, "cannot read /proc/%d/maps: %s", q->pid, strerror(errno));
        return MEMINTRO_E_IO;
    }
    if (!f.found)
        MEMINTRO__QEMU_FMT(q->error,
                           "guest RAM mapping at QEMU address 0x%llx disappeared from /proc/%d/maps (%s); reopen the VM",
                           (unsigned long long)hva, q->pid, strerror(err));
    else
        MEMINTRO__QEMU_FMT(q->error,
                           "guest RAM at QEMU address 0x%llx cannot be read (%s); its mapping is now 0x%llx-0x%llx: "
                           "it changed, reopen the VM",
                           (unsigned long long)hva, strerror(err), (unsigned long long)f.start,
                           (unsigned long long)f.end);
    return MEMINTRO_E_IO;
}

/* ---- batches ---- */

static void memintro__qemu_piece_fail(memintro_op *ops, const memintro_qemu__piece *p, size_t from,
                                      memintro_status s, int write)
{
    memintro_op *op = &ops[p->op];
    memintro_op_fail(op, s, (size_t)(p->buf - (unsigned char *)op->buf) + from, p->len - from, !write);
}

static void memintro__qemu_sys_status(memintro_qemu *q, int err, memintro_status *s)
{
    if (err == ESRCH) {
        q->gone = 1;
        MEMINTRO__QEMU_FMT(q->error, "QEMU process %d (%s) has exited", q->pid, q->name[0] ? q->name : "no name");
        *s = MEMINTRO_E_GONE;
    } else if (err == EPERM || err == EACCES) {
        MEMINTRO__QEMU_FMT(q->error,
                           "no permission to access the memory of QEMU process %d (%s): run as root or as the VM's "
                           "user, or grant CAP_SYS_PTRACE (setcap cap_sys_ptrace+ep PROGRAM)",
                           q->pid, strerror(err));
        *s = MEMINTRO_E_PERMISSION;
    } else {
        *s = MEMINTRO_E_IO;
    }
}

/* One piece by itself, from byte `from` on; marks what fails. Returns 0, or -1 when the
   process is gone or access is denied (the caller fails the rest). */
static int memintro__qemu_single(memintro_qemu *q, memintro_op *ops, const memintro_qemu__piece *p, size_t from,
                                 int write, memintro_status *stop)
{
    struct iovec l, r;
    ssize_t n;
    l.iov_base = p->buf + from;
    l.iov_len = p->len - from;
    r.iov_base = (void *)(uintptr_t)(p->hva + from);
    r.iov_len = p->len - from;
    n = write ? process_vm_writev(q->pid, &l, 1, &r, 1, 0) : process_vm_readv(q->pid, &l, 1, &r, 1, 0);
    q->syscalls++;
    if (n == (ssize_t)(p->len - from)) return 0;
    if (n < 0 && (errno == ESRCH || errno == EPERM || errno == EACCES)) {
        memintro__qemu_sys_status(q, errno, stop);
        return -1;
    }
    {
        int err = n < 0 ? errno : EFAULT;
        size_t done = n < 0 ? 0 : (size_t)n;
        memintro_status s = memintro__qemu_diagnose(q, p->hva + from + done, err);
        memintro__qemu_piece_fail(ops, p, from + done, s, write);
        if (s == MEMINTRO_E_GONE) {
            *stop = s;
            return -1;
        }
    }
    return 0;
}

/* A nested process: pieces[0..np) as one batch on its memory backend; an op that comes
   back partial is redone a page (4 KiB) at a time so that exactly the pages that failed
   are missed. */
static memintro_status memintro__qemu_proc_one(memintro_qemu *q, uint64_t hva, unsigned char *buf, size_t len,
                                               int write)
{
    memintro_op op;
    memset(&op, 0, sizeof op);
    op.addr = hva;
    op.buf = buf;
    op.len = len;
    return write ? memintro_phys_write(q->proc.memory, &op, 1) : memintro_phys_read(q->proc.memory, &op, 1);
}

static void memintro__qemu_flush_nested(memintro_qemu *q, memintro_op *ops, size_t np, int write)
{
    const memintro_qemu__piece *pc = q->pieces;
    memintro_op *so = q->subops;
    size_t i;
    memintro_status s;
    for (i = 0; i < np; i++) {
        memset(&so[i], 0, sizeof so[i]);
        so[i].addr = pc[i].hva;
        so[i].buf = pc[i].buf;
        so[i].len = pc[i].len;
        so[i].flags = ops[pc[i].op].flags;
    }
    s = write ? memintro_phys_write(q->proc.memory, so, np) : memintro_phys_read(q->proc.memory, so, np);
    if (s == MEMINTRO_OK) return;
    for (i = 0; i < np; i++) {
        size_t off, n;
        if (so[i].status == MEMINTRO_OK) continue;
        if (so[i].status == MEMINTRO_E_GONE) {
            q->gone = 1;
            MEMINTRO__QEMU_FMT(q->error, "%s is gone (QEMU process %d, \"%s\")", q->where, q->pid, q->name);
            for (; i < np; i++) memintro__qemu_piece_fail(ops, &pc[i], 0, MEMINTRO_E_GONE, write);
            return;
        }
        for (off = 0; off < pc[i].len; off += n) {
            memintro_status ps = so[i].status;
            n = (size_t)(4096 - ((pc[i].hva + off) & 4095));
            if (n > pc[i].len - off) n = pc[i].len - off;
            if (so[i].missing < so[i].len) ps = memintro__qemu_proc_one(q, pc[i].hva + off, pc[i].buf + off, n, write);
            if (ps == MEMINTRO_OK) continue;
            if (!q->error[0])
                MEMINTRO__QEMU_FMT(q->error, "QEMU address 0x%llx of process %d of %s: %s",
                                   (unsigned long long)(pc[i].hva + off), q->pid, q->where, memintro_status_str(ps));
            memintro_op_fail(&ops[pc[i].op], ps, (size_t)(pc[i].buf + off - (unsigned char *)ops[pc[i].op].buf), n,
                             !write);
        }
    }
}

/* Moves pieces[0..np) with as few process_vm_* calls as the iovec limit allows. Adjacent
   pieces are merged into one iovec on each side independently (the calls copy a byte
   stream: remote runs and local runs need not line up). */
static void memintro__qemu_flush(memintro_qemu *q, memintro_op *ops, size_t np, int write)
{
    struct iovec *L = (struct iovec *)q->iov, *R = L + MEMINTRO__QEMU_IOV;
    const memintro_qemu__piece *pc = q->pieces;
    size_t i = 0, k;
    memintro_status stop = MEMINTRO_OK;
    if (q->nested) {
        memintro__qemu_flush_nested(q, ops, np, write);
        return;
    }
    while (i < np && stop == MEMINTRO_OK) {
        size_t nl = 0, nr = 0, j = i, total = 0, done;
        ssize_t n;
        for (; j < np; j++) {
            const memintro_qemu__piece *p = &pc[j];
            int mr = nr && (uint64_t)(uintptr_t)R[nr - 1].iov_base + R[nr - 1].iov_len == p->hva;
            int ml = nl && (unsigned char *)L[nl - 1].iov_base + L[nl - 1].iov_len == p->buf;
            if (nr + !mr > MEMINTRO__QEMU_IOV || nl + !ml > MEMINTRO__QEMU_IOV) break;
            if (mr) R[nr - 1].iov_len += p->len;
            else {
                R[nr].iov_base = (void *)(uintptr_t)p->hva;
                R[nr++].iov_len = p->len;
            }
            if (ml) L[nl - 1].iov_len += p->len;
            else {
                L[nl].iov_base = p->buf;
                L[nl++].iov_len = p->len;
            }
            total += p->len;
        }
        n = write ? process_vm_writev(q->pid, L, (unsigned long)nl, R, (unsigned long)nr, 0)
                  : process_vm_readv(q->pid, L, (unsigned long)nl, R, (unsigned long)nr, 0);
        q->syscalls++;
        if (n == (ssize_t)total) {
            i = j;
            continue;
        }
        if (n < 0 && (errno == ESRCH || errno == EPERM || errno == EACCES)) {
            memintro__qemu_sys_status(q, errno, &stop);
            break;
        }
        /* a fault part of the way: what came before it is in place; go on piece by piece */
        done = n < 0 ? 0 : (size_t)n;
        for (k = i; k < j && stop == MEMINTRO_OK; k++) {
            if (done >= pc[k].len) {
                done -= pc[k].len;
                continue;
            }
            memintro__qemu_single(q, ops, &pc[k], done, write, &stop);
            done = 0;
            if (stop != MEMINTRO_OK) {
                k++;
                break;
            }
        }
        i = k;
    }
    if (stop != MEMINTRO_OK)
        for (; i < np; i++) memintro__qemu_piece_fail(ops, &pc[i], 0, stop, write);
}

/* One operation through process_vm_*: split at range ends and holes into pieces (flushed
   when the piece array fills). */
static void memintro__qemu_op(memintro_qemu *q, memintro_op *ops, size_t i, size_t *np, int write)
{
    memintro_op *op = &ops[i];
    unsigned char *buf = (unsigned char *)op->buf;
    uint64_t a = op->addr;
    size_t left = op->len;
    while (left) {
        uint64_t hva, run;
        size_t n;
        int backed = memintro_memmap_lookup(&q->map, a, &hva, &run);
        n = run && run < left ? (size_t)run : left;
        if (q->gone) {
            memintro_op_fail(op, MEMINTRO_E_GONE, (size_t)(buf - (unsigned char *)op->buf), left, !write);
            return;
        }
        if (!backed) {
            memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(buf - (unsigned char *)op->buf), n, !write);
        } else {
            memintro_qemu__piece *p = &q->pieces[(*np)++];
            p->hva = hva;
            p->buf = buf;
            p->len = n;
            p->op = i;
            if (*np == MEMINTRO__QEMU_PIECES) {
                memintro__qemu_flush(q, ops, *np, write);
                *np = 0;
            }
        }
        buf += n;
        a += n;
        left -= n;
    }
}

/* The process_vm_* backend (q->sys): everything that is not zero-copy. Also the fallback
   of the zero-copy buffer (q->zc). */
static memintro_status memintro__qemu_sys_rw(memintro_qemu *q, memintro_op *ops, size_t count, int write)
{
    size_t i, np = 0;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++) memintro__qemu_op(q, ops, i, &np, write);
    if (np) memintro__qemu_flush(q, ops, np, write);
    return memintro_ops_status(ops, count);
}

static memintro_status memintro__qemu_sys_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__qemu_sys_rw((memintro_qemu *)self->user, ops, count, 0);
}

static memintro_status memintro__qemu_sys_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__qemu_sys_rw((memintro_qemu *)self->user, ops, count, 1);
}

/* (Re)builds the zero-copy map: guest-physical -> address in this process, for every
   region served from a live local mapping; what it leaves out goes to process_vm_*.
   Direct access is offered for ranges inside mappings sealed against shrinking (they can
   never fault). Returns 0, or -1 when a range does not fit (then no zero-copy at all). */
static int memintro__qemu_build_zc(memintro_qemu *q)
{
    size_t i, k;
    memintro_memmap_init(&q->zc_map, q->zc_storage, q->zc_storage ? q->nregions : 0);
    for (i = 0; q->zc_storage && i < q->nregions; i++) {
        const memintro_qemu_region *r = &q->regions[i];
        memintro_qemu__mapping *m;
        if (!r->zero_copy) continue;
        m = memintro__qemu_find_map(q, r->hva);
        if (!m || m->dead || r->hva + r->size > m->hva + m->size) continue;
        if (memintro_memmap_add(&q->zc_map, r->start, r->size, (uint64_t)(uintptr_t)(m->local + (r->hva - m->hva))) !=
            MEMINTRO_OK) {
            memintro_memmap_init(&q->zc_map, q->zc_storage, 0);
            return -1;
        }
    }
    for (k = 0; k < q->zc_map.count; k++) {
        const memintro_range *z = &q->zc_map.ranges[k];
        int sealed = 0;
        for (i = 0; i < q->nmaps; i++) {
            const memintro_qemu__mapping *m = &q->maps[i];
            uint64_t lo = (uint64_t)(uintptr_t)m->local;
            if (z->offset >= lo && z->offset - lo < m->size) {
                sealed = m->sealed && !m->dead && z->size <= m->size - (z->offset - lo);
                break;
            }
        }
        q->zc_direct[k] = (unsigned char)sealed;
    }
    memintro_buffer_init_host(&q->zc, &q->zc_map, q->writable);
    memintro_buffer_set_fallback(&q->zc, &q->sys);
    return 0;
}

/* The object points into itself (sys.user, zc.map, zc.fallback): renewed at each entry, in
   case it was moved. */
static void memintro__qemu_selfrefs(memintro_qemu *q)
{
    q->sys.user = q;
    q->zc.map = &q->zc_map;
    q->zc.fallback = &q->sys;
}

static memintro_status memintro__qemu_rw(memintro_phys *self, memintro_op *ops, size_t count, int write)
{
    memintro_qemu *q = (memintro_qemu *)self;
    memintro_status ret;
    size_t i;
    if (!q->opened) {
        memintro_ops_fail(ops, count, MEMINTRO_E_INVALID, !write);
        return MEMINTRO_E_INVALID;
    }
    q->error[0] = 0;
    if (memintro__qemu_check(q)) {
        MEMINTRO__QEMU_FMT(q->error, "QEMU process %d (%s) has exited", q->pid, q->name[0] ? q->name : "no name");
        memintro_ops_fail(ops, count, MEMINTRO_E_GONE, !write);
        return MEMINTRO_E_GONE;
    }
    memintro__qemu_selfrefs(q);
    if (q->zc_map.count)
        ret = write ? q->zc.phys.write(&q->zc.phys, ops, count) : q->zc.phys.read(&q->zc.phys, ops, count);
    else
        ret = memintro__qemu_sys_rw(q, ops, count, write);
    if (ret == MEMINTRO_E_HOLE && !q->error[0])
        for (i = 0; i < count; i++)
            if (ops[i].status != MEMINTRO_OK) {
                MEMINTRO__QEMU_FMT(q->error, "guest-physical 0x%llx is not backed by RAM", (unsigned long long)ops[i].addr);
                break;
            }
    return ret;
}

/* Direct access: a pointer into this process's mapping of zero-copy RAM, only where that
   mapping cannot shrink (a sealed memfd); NULL elsewhere and once the VM has exited. */
static const void *memintro__qemu_direct(memintro_phys *self, uint64_t addr, uint64_t *avail)
{
    memintro_qemu *q = (memintro_qemu *)self;
    const memintro_range *r;
    if (avail) *avail = 0;
    if (!q->opened || !q->zc_map.count || memintro__qemu_check(q)) return NULL;
    memintro__qemu_selfrefs(q);
    r = memintro_memmap_find(&q->zc_map, addr);
    if (!r || !q->zc_direct[r - q->zc_map.ranges]) return NULL;
    return memintro_phys_direct(&q->zc.phys, addr, avail);
}

static memintro_status memintro__qemu_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__qemu_rw(self, ops, count, 0);
}

static memintro_status memintro__qemu_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__qemu_rw(self, ops, count, 1);
}

/* ---- open: layout ---- */

/* Per-region facts from /proc/PID/maps while the layout is checked. */
typedef struct memintro__qemu_rcheck {
    uint64_t cur;       /* covered up to here (QEMU address) */
    uint64_t vstart, vend, voff, inode;
    unsigned dev_major, dev_minor;
    int shared, readable_all, first_seen;
} memintro__qemu_rcheck;

typedef struct memintro__qemu_mapsctx {
    memintro_qemu_region *reg;
    memintro__qemu_rcheck *chk;
    size_t n;
    /* table mode: candidates of exactly `want` bytes */
    uint64_t want;
    size_t ncand;
    memintro__qemu_vma cand;
    char cand_path[MEMINTRO_QEMU_ADDR_MAX];
    const char *prefer_path; /* a memory backend's mem-path or "/memfd:" */
    int prefer_hits;
} memintro__qemu_mapsctx;

static int memintro__qemu_maps_fn(void *ctx, const char *line, size_t len)
{
    memintro__qemu_mapsctx *c = (memintro__qemu_mapsctx *)ctx;
    memintro__qemu_vma v;
    size_t i;
    if (!memintro__qemu_parse_vma(line, len, &v)) return 0;
    if (c->want && v.end - v.start == c->want && v.perms[0] == 'r' && v.perms[1] == 'w' && v.perms[2] != 'x' &&
        (!v.path_len || memintro__qemu_vma_backing(&v) != MEMINTRO_QEMU_BACKING_ANON)) {
        int pref = c->prefer_path && v.path_len >= strlen(c->prefer_path) &&
                   !memcmp(v.path, c->prefer_path, strlen(c->prefer_path));
        if (!c->ncand || (pref && !c->prefer_hits)) {
            c->cand = v;
            memintro__qemu_strn(c->cand_path, sizeof c->cand_path, v.path, v.path_len);
            c->cand.path = c->cand_path;
        }
        c->ncand++;
        c->prefer_hits += pref;
    }
    for (i = 0; i < c->n; i++) {
        memintro_qemu_region *r = &c->reg[i];
        memintro__qemu_rcheck *k = &c->chk[i];
        uint64_t end = r->hva + r->size;
        if (k->cur >= end || k->cur < v.start || k->cur >= v.end) continue;
        if (!k->first_seen) {
            k->first_seen = 1;
            k->vstart = v.start;
            k->vend = v.end;
            k->voff = v.offset;
            k->inode = v.inode;
            k->dev_major = v.dev_major;
            k->dev_minor = v.dev_minor;
            k->shared = v.perms[3] == 's';
            r->backing = memintro__qemu_vma_backing(&v);
            if (r->backing != MEMINTRO_QEMU_BACKING_ANON) {
                memintro__qemu_strn(r->path, sizeof r->path, v.path, v.path_len);
                r->file_offset = v.offset + (r->hva - v.start);
            }
        }
        if (v.perms[0] != 'r') k->readable_all = 0;
        k->cur = v.end < end ? v.end : end;
    }
    return 0;
}

/* Checks every region against /proc/PID/maps and fills its backing; drops regions that are
   not mapped (noting them in q->warning). Table mode (want != 0) also finds the one RAM
   mapping of exactly `want` bytes. */
static memintro_status memintro__qemu_check_maps(memintro_qemu *q, memintro__qemu_mapsctx *c)
{
    char path[64];
    size_t i, kept = 0;
    int r;
    snprintf(path, sizeof path, "/proc/%d/maps", q->pid);
    for (i = 0; i < c->n; i++) {
        memset(&c->chk[i], 0, sizeof c->chk[i]);
        c->chk[i].cur = c->reg[i].hva;
        c->chk[i].readable_all = 1;
    }
    r = q->nested ? memintro__qemu_lines_mem(q->proc.maps ? q->proc.maps : "", q->proc.maps ? q->proc.maps_len : 0,
                                             memintro__qemu_maps_fn, c)
                  : memintro__qemu_lines(path, memintro__qemu_maps_fn, c);
    if (r != 0) {
        int e = errno;
        if (e == ENOENT || e == ESRCH) {
            MEMINTRO__QEMU_FMT(q->error, "QEMU process %d has exited", q->pid);
            return MEMINTRO_E_GONE;
        }
        MEMINTRO__QEMU_FMT(q->error,
                           "cannot read /proc/%d/maps (%s): run as root or as the VM's user, or grant CAP_SYS_PTRACE "
                           "(setcap cap_sys_ptrace+ep PROGRAM)",
                           q->pid, strerror(e));
        return e == EACCES || e == EPERM ? MEMINTRO_E_PERMISSION : MEMINTRO_E_IO;
    }
    for (i = 0; i < c->n; i++) {
        memintro_qemu_region *r = &c->reg[i];
        if (c->chk[i].cur < r->hva + r->size || !c->chk[i].readable_all) {
            memintro__qemu_cat(q->warning, sizeof q->warning, "%s%s range 0x%llx+0x%llx at QEMU address 0x%llx is not "
                               "(readably) mapped in %s: left out",
                               q->warning[0] ? "; " : "", r->block, (unsigned long long)r->start,
                               (unsigned long long)r->size, (unsigned long long)r->hva, q->maps_name);
            continue;
        }
        c->reg[kept] = *r;
        c->chk[kept] = c->chk[i];
        kept++;
    }
    c->n = kept;
    return MEMINTRO_OK;
}

static void memintro__qemu_sort_regions(memintro_qemu_region *r, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        memintro_qemu_region t = r[i];
        for (j = i; j > 0 && r[j - 1].start > t.start; j--) r[j] = r[j - 1];
        r[j] = t;
    }
}

/* Working directory of the QEMU process, for relative socket paths. */
static void memintro__qemu_cwd(int pid, char *out, size_t cap)
{
    char path[64];
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/cwd", pid);
    n = readlink(path, out, cap - 1);
    out[n > 0 ? n : 0] = 0;
}

/* Asks QEMU for the layout over QMP. On success q->regions/nregions hold the ranges with
   their QEMU addresses (not yet checked against maps). Returns OK or a status with the
   reason in why. */
static memintro_status memintro__qemu_layout_qmp(memintro_qemu *q, const memintro__qemu_cmd *cmd, const char *addr,
                                                 int timeout_ms, char *why, size_t whycap)
{
    memintro__qmp m;
    char cwd[MEMINTRO_QEMU_ADDR_MAX];
    char *text = NULL;
    memintro__qemu_mrange *mr = NULL;
    size_t nmr = 0, i, j, n;
    memintro_status st = MEMINTRO_E_FORMAT;
    const char *ret;
    memset(&m, 0, sizeof m);
    m.fd = -1;
    m.al = &q->al;
    m.timeout_ms = timeout_ms;
    (void)cmd;
    memintro__qemu_cwd(q->pid, cwd, sizeof cwd);
    if (memintro__qmp_connect(&m, addr, cwd) != 0 || memintro__qmp_handshake(&m) != 0) {
        memintro__qemu_fmt(why, whycap, "%s", m.err);
        memintro__qmp_close(&m);
        return MEMINTRO_E_IO;
    }
    text = memintro__qmp_hmp(&m, "info mtree -f");
    if (!text) {
        memintro__qemu_fmt(why, whycap, "%s", m.err);
        goto out;
    }
    mr = (memintro__qemu_mrange *)memintro__qemu_alloc(&q->al, MEMINTRO__QEMU_MAX_RANGES * sizeof *mr);
    if (!mr) {
        memintro__qemu_fmt(why, whycap, "out of memory");
        st = MEMINTRO_E_NOSPACE;
        goto out;
    }
    st = memintro__qemu_parse_mtree(text, strlen(text), mr, MEMINTRO__QEMU_MAX_RANGES, &nmr, why, whycap);
    if (st != MEMINTRO_OK) goto out;
    if (!nmr) {
        memintro__qemu_fmt(why, whycap, "info mtree -f shows no RAM in address space \"memory\"");
        st = MEMINTRO_E_FORMAT;
        goto out;
    }
    q->regions = (memintro_qemu_region *)memintro__qemu_alloc(&q->al, nmr * sizeof *q->regions);
    if (!q->regions) {
        memintro__qemu_fmt(why, whycap, "out of memory");
        st = MEMINTRO_E_NOSPACE;
        goto out;
    }
    memset(q->regions, 0, nmr * sizeof *q->regions);
    n = 0;
    for (i = 0; i < nmr; i++) {
        memintro_qemu_region *r = &q->regions[n];
        char c[64];
        char *t;
        uint64_t hva = 0;
        int ok = 0;
        r->start = mr[i].start;
        r->size = mr[i].size;
        r->block_offset = mr[i].offset;
        memintro__qemu_str(r->type, sizeof r->type, mr[i].type);
        memintro__qemu_str(r->block, sizeof r->block, mr[i].name);
        /* the host address of the range, from QEMU itself */
        snprintf(c, sizeof c, "gpa2hva 0x%llx", (unsigned long long)r->start);
        t = memintro__qmp_hmp(&m, c);
        if (!t) {
            memintro__qemu_fmt(why, whycap, "%s", m.err);
            st = MEMINTRO_E_IO;
            goto out;
        }
        ok = memintro__qemu_parse_gpa2hva(t, NULL, &hva);
        memintro__qemu_free(&q->al, t);
        if (!ok) {
            /* e.g. a ROM device: same block, another range answered */
            for (j = 0; j < n; j++)
                if (!strcmp(q->regions[j].block, r->block)) {
                    hva = q->regions[j].hva - q->regions[j].block_offset + r->block_offset;
                    ok = 1;
                    break;
                }
        }
        if (!ok) {
            memintro__qemu_cat(q->warning, sizeof q->warning, "%s%s at 0x%llx: gpa2hva gives no host address; left out",
                               q->warning[0] ? "; " : "", r->block, (unsigned long long)r->start);
            continue;
        }
        r->hva = hva;
        n++;
    }
    q->nregions = n;
    /* guest RAM = the memory backends; the rest is device memory and firmware */
    q->ram_size = 0;
    if ((n = memintro__qmp_exec(&m, "query-memdev", NULL, &ret)) != 0) {
        const char *e = m.buf + n, *p = memintro__qj_ws(ret, e);
        if (p < e && *p == '[') {
            p = memintro__qj_ws(p + 1, e);
            while (p < e && *p == '{') {
                const char *idv = memintro__qj_member(p, e, "id"), *sz = memintro__qj_member(p, e, "size");
                char id[MEMINTRO_QEMU_NAME_MAX];
                uint64_t s = 0;
                if (sz && memintro_parse_u64(sz, (size_t)(e - sz), &s)) q->ram_size += s;
                if (idv && memintro__qj_string(idv, e, id, sizeof id, NULL))
                    for (j = 0; j < q->nregions; j++)
                        if (!strcmp(q->regions[j].block, id)) q->regions[j].guest_ram = 1;
                p = memintro__qj_skip(p, e, 1);
                if (!p) break;
                p = memintro__qj_ws(p, e);
                if (p < e && *p == ',') p = memintro__qj_ws(p + 1, e);
            }
        }
        memintro__qmp_consume(&m, n);
    }
    if (!q->ram_size) {
        q->ram_size = cmd->vm.ram_size;
        for (j = 0; j < q->nregions; j++)
            if (!strcmp(q->regions[j].block, "pc.ram") || !strcmp(q->regions[j].block, cmd->backend))
                q->regions[j].guest_ram = 1;
    }
    /* the machine's full type name */
    if ((n = memintro__qmp_exec(&m, "qom-get", "{\"path\":\"/machine\",\"property\":\"type\"}", &ret)) != 0) {
        char t[MEMINTRO_QEMU_NAME_MAX];
        size_t tl = 0;
        if (memintro__qj_string(ret, m.buf + n, t, sizeof t, &tl)) {
            if (tl > 8 && !strcmp(t + tl - 8, "-machine")) t[tl - 8] = 0;
            memintro__qemu_str(q->machine, sizeof q->machine, t);
        }
        memintro__qmp_consume(&m, n);
    }
    st = q->nregions ? MEMINTRO_OK : MEMINTRO_E_FORMAT;
    if (st != MEMINTRO_OK) memintro__qemu_fmt(why, whycap, "no RAM range of info mtree -f has a host address");
out:
    memintro__qemu_free(&q->al, mr);
    memintro__qemu_free(&q->al, text);
    memintro__qmp_close(&m);
    if (st != MEMINTRO_OK) {
        memintro__qemu_free(&q->al, q->regions);
        q->regions = NULL;
        q->nregions = 0;
    }
    return st;
}

/* The layout from the machine type and RAM size on the command line: regions get their
   QEMU addresses from the one mapping of exactly the RAM size. */
/* Does the VM have a display card that decodes the legacy VGA window? The default card
   (no -vga, no -nodefaults), -vga with anything but none (the last -vga wins), or a
   -device of such a card. */
static int memintro__qemu_vga(const memintro__qemu_cmd *c)
{
    return c->vga_dev || (c->vga_opt ? c->vga_opt > 0 : !c->nodefaults);
}

static memintro_status memintro__qemu_layout_table(memintro_qemu *q, const memintro__qemu_cmd *cmd,
                                                   memintro__qemu_mapsctx *c)
{
    uint64_t low, high, ram = cmd->vm.ram_size;
    const char *why;
    char hs[32], lows[32], highs[32];
    size_t n = 0, i;
    int vga;
    memintro_status st;
    if (!memintro__qemu_table(cmd->vm.machine, cmd->vm.machine_default, cmd->vm.binary, ram, cmd->max_below_4g, &low,
                              &high, &why)) {
        MEMINTRO__QEMU_FMT(q->error, "machine %s: %s, so the layout needs QMP",
                           cmd->vm.machine[0] ? cmd->vm.machine : "(default)", why);
        return MEMINTRO_E_UNSUPPORTED;
    }
    q->regions = (memintro_qemu_region *)memintro__qemu_alloc(&q->al, 3 * sizeof *q->regions);
    if (!q->regions) {
        MEMINTRO__QEMU_FMT(q->error, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    memset(q->regions, 0, 3 * sizeof *q->regions);
    /* a display card's legacy VGA window 0xa0000-0xbffff hides the RAM under it; without
       one (-vga none, -nodefaults without a card) that RAM is the guest's */
    vga = memintro__qemu_vga(cmd);
    if (low && !vga) {
        q->regions[n].start = 0;
        q->regions[n].size = low;
        n++;
    } else if (low) {
        q->regions[n].start = 0;
        q->regions[n].size = low < 0xa0000 ? low : 0xa0000;
        n++;
    }
    if (vga && low > 0xc0000) {
        q->regions[n].start = 0xc0000;
        q->regions[n].size = low - 0xc0000;
        q->regions[n].block_offset = 0xc0000;
        n++;
    }
    if (high) {
        q->regions[n].start = 1ull << 32;
        q->regions[n].size = high;
        q->regions[n].block_offset = low;
        n++;
    }
    for (i = 0; i < n; i++) {
        memintro__qemu_str(q->regions[i].type, sizeof q->regions[i].type, "ram");
        memintro__qemu_str(q->regions[i].block, sizeof q->regions[i].block, cmd->backend[0] ? cmd->backend : "pc.ram");
        q->regions[i].guest_ram = 1;
    }
    q->nregions = n;
    q->ram_size = ram;
    /* find the RAM mapping: exactly `ram` bytes, read-write, not executable */
    c->reg = NULL;
    c->n = 0;
    c->want = ram;
    c->prefer_path = NULL;
    for (i = 0; i < cmd->nobj; i++)
        if (cmd->backend[0] && !strcmp(cmd->obj[i].id, cmd->backend))
            c->prefer_path = cmd->obj[i].path[0] ? cmd->obj[i].path
                             : !strcmp(cmd->obj[i].type, "memory-backend-memfd") ? "/memfd:" : NULL;
    st = memintro__qemu_check_maps(q, c);
    if (st != MEMINTRO_OK) return st;
    memintro__qemu_human(hs, sizeof hs, ram);
    if (!c->ncand || (c->ncand > 1 && c->prefer_hits != 1)) {
        MEMINTRO__QEMU_FMT(q->error,
                           "%s mapping%s of exactly %s (the -m size) in %s: cannot tell which is guest RAM "
                           "without QMP",
                           c->ncand ? "several" : "no", c->ncand ? "s" : "", hs, q->maps_name);
        return MEMINTRO_E_NOTFOUND;
    }
    for (i = 0; i < n; i++) q->regions[i].hva = c->cand.start + q->regions[i].block_offset;
    memintro__qemu_human(lows, sizeof lows, low);
    memintro__qemu_human(highs, sizeof highs, high);
    MEMINTRO__QEMU_FMT(q->source,
                       "inferred (no QMP): machine %s, -m %s: %s below 4 GiB, %s above, %s; RAM mapping of exactly %s "
                       "found in %s",
                       cmd->vm.machine[0] ? cmd->vm.machine : "pc (default)", hs, lows, highs,
                       vga ? "VGA window at 0xa0000" : "no VGA card (RAM at 0xa0000)", hs, q->maps_name);
    if (high && (1ull << 32) + high > 0xfd00000000ull)
        memintro__qemu_cat(q->warning, sizeof q->warning,
                           "%sRAM reaches the AMD HyperTransport hole: QEMU may have moved it above 1 TiB; use QMP",
                           q->warning[0] ? "; " : "");
    return MEMINTRO_OK;
}

/* ---- open: zero-copy ---- */

/* Opens the shared file behind a VMA (dev, inode) of the QEMU process: through
   /proc/PID/map_files (root), a matching /proc/PID/fd entry, or the path itself. */
static int memintro__qemu_open_backing(memintro_qemu *q, const memintro__qemu_rcheck *k, const char *path, int flags)
{
    char p[96];
    int fd;
    struct stat sb;
    DIR *d;
    struct dirent *e;
    snprintf(p, sizeof p, "/proc/%d/map_files/%llx-%llx", q->pid, (unsigned long long)k->vstart,
             (unsigned long long)k->vend);
    fd = open(p, flags | O_CLOEXEC);
    if (fd >= 0) {
        if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino == k->inode && major(sb.st_dev) == k->dev_major &&
            minor(sb.st_dev) == k->dev_minor)
            return fd;
        close(fd);
    }
    snprintf(p, sizeof p, "/proc/%d/fd", q->pid);
    d = opendir(p);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            char fp[128];
            if (e->d_name[0] == '.') continue;
            memintro__qemu_fmt(fp, sizeof fp, "/proc/%d/fd/%s", q->pid, e->d_name);
            if (stat(fp, &sb) != 0 || (uint64_t)sb.st_ino != k->inode || major(sb.st_dev) != k->dev_major ||
                minor(sb.st_dev) != k->dev_minor)
                continue;
            fd = open(fp, flags | O_CLOEXEC);
            if (fd >= 0) {
                closedir(d);
                return fd;
            }
        }
        closedir(d);
    }
    if (path[0] == '/' && strncmp(path, "/memfd:", 7) && !strstr(path, " (deleted)")) {
        fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0) {
            if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino == k->inode && major(sb.st_dev) == k->dev_major &&
                minor(sb.st_dev) == k->dev_minor)
                return fd;
            close(fd);
        }
    }
    return -1;
}

/* Maps the shared RAM files of the regions into this process where possible. */
static void memintro__qemu_zero_copy(memintro_qemu *q, const memintro__qemu_rcheck *chk)
{
    size_t i, j;
    q->maps = (memintro_qemu__mapping *)memintro__qemu_alloc(&q->al, (q->nregions ? q->nregions : 1) * sizeof *q->maps);
    if (!q->maps) return;
    for (i = 0; i < q->nregions; i++) {
        memintro_qemu_region *r = &q->regions[i];
        const memintro__qemu_rcheck *k = &chk[i];
        memintro_qemu__mapping *m = NULL;
        if (!k->shared || r->backing == MEMINTRO_QEMU_BACKING_ANON || r->hva + r->size > k->vend) continue;
        for (j = 0; j < q->nmaps; j++)
            if (q->maps[j].hva == k->vstart) m = &q->maps[j];
        if (!m) {
            struct stat sb;
            int fd = memintro__qemu_open_backing(q, k, r->path, q->writable ? O_RDWR : O_RDONLY);
            void *p;
            uint64_t len = k->vend - k->vstart;
            if (fd < 0) continue;
            if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size < k->voff + len) {
                close(fd);
                continue;
            }
            p = mmap(NULL, (size_t)len, PROT_READ | (q->writable ? PROT_WRITE : 0), MAP_SHARED, fd, (off_t)k->voff);
            if (p == MAP_FAILED) {
                close(fd);
                continue;
            }
            m = &q->maps[q->nmaps++];
            memset(m, 0, sizeof *m);
            m->hva = k->vstart;
            m->size = len;
            m->file_off = k->voff;
            m->file_size = (uint64_t)sb.st_size;
            m->local = (unsigned char *)p;
            m->fd = fd;
#ifdef F_GET_SEALS
            {
                int seals = fcntl(fd, F_GET_SEALS);
                m->sealed = seals > 0 && (seals & F_SEAL_SHRINK);
            }
#endif
        }
        r->zero_copy = 1;
    }
    /* sorted by QEMU address for the lookup */
    for (i = 1; i < q->nmaps; i++) {
        memintro_qemu__mapping t = q->maps[i];
        for (j = i; j > 0 && q->maps[j - 1].hva > t.hva; j--) q->maps[j] = q->maps[j - 1];
        q->maps[j] = t;
    }
}

/* ---- open, close, info ---- */

MEMINTRO__QDEF void memintro_qemu_close(memintro_qemu *q)
{
    size_t i;
    if (!q) return;
    for (i = 0; i < q->nmaps; i++) {
        if (q->maps[i].local) munmap(q->maps[i].local, (size_t)q->maps[i].size);
        if (q->maps[i].fd >= 0) close(q->maps[i].fd);
    }
    memintro__qemu_free(&q->al, q->maps);
    memintro__qemu_free(&q->al, q->regions);
    memintro__qemu_free(&q->al, q->map_storage);
    memintro__qemu_free(&q->al, q->pieces);
    memintro__qemu_free(&q->al, q->iov);
    memintro__qemu_free(&q->al, q->zc_storage);
    memintro__qemu_free(&q->al, q->zc_direct);
    memintro__qemu_free(&q->al, q->subops);
    q->subops = NULL;
    if (q->proc.release) {
        void (*release)(void *) = q->proc.release;
        q->proc.release = NULL;
        release(q->proc.user);
    }
    q->proc.memory = NULL;
    if (q->pidfd >= 0) close(q->pidfd);
    q->maps = NULL;
    q->regions = NULL;
    q->map_storage = NULL;
    q->pieces = NULL;
    q->iov = NULL;
    q->zc_storage = NULL;
    q->zc_direct = NULL;
    memintro_memmap_init(&q->zc_map, NULL, 0);
    q->phys.direct = NULL;
    q->nmaps = q->nregions = 0;
    q->pidfd = -1;
    q->opened = 0;
    memintro_memmap_init(&q->map, NULL, 0);
    q->phys.read = memintro__qemu_read; /* fails every op with E_INVALID once closed */
    q->phys.write = NULL;
}

/* "pid 123 \"vm\" (q35, 512 MiB)" appended to out. */
static void memintro__qemu_vm_line(char *out, size_t cap, const memintro_qemu_vm *v)
{
    char hs[32];
    memintro__qemu_human(hs, sizeof hs, v->ram_size);
    memintro__qemu_cat(out, cap, "pid %d \"%s\" (%s, %s%s)", v->pid, v->name,
                       v->machine[0] ? v->machine : "default machine", hs, v->qmp[0] ? "" : ", no QMP");
}

/* Chooses the VM: by pid, by name, or the only one. Fills cmd. */
static memintro_status memintro__qemu_choose(memintro_qemu *q, const memintro_qemu_options *o, memintro__qemu_cmd *cmd)
{
    const char *want = o->name && o->name[0] ? o->name : NULL;
    memintro_qemu_vm *vms;
    long total;
    size_t i, nmatch = 0, shown;
    int pid = 0;
    if (o->process) {
        const memintro_qemu_process *p = o->process;
        if (!p->cmdline || !p->memory) {
            MEMINTRO__QEMU_FMT(q->error, "options.process needs the command line and the memory of the process");
            return MEMINTRO_E_INVALID;
        }
        memintro__qemu_parse_cmdline(p->cmdline, p->cmdline_len, cmd);
        cmd->vm.pid = p->pid;
        if (!cmd->is_qemu) {
            MEMINTRO__QEMU_FMT(q->error, "process %d (%s) of %s is not a QEMU VM", p->pid,
                               cmd->vm.binary[0] ? cmd->vm.binary : "no command line", q->where);
            return MEMINTRO_E_NOTFOUND;
        }
        if ((o->pid > 0 && o->pid != p->pid) || (want && strcmp(want, cmd->vm.name))) {
            MEMINTRO__QEMU_FMT(q->error, "QEMU process %d of %s is VM \"%s\", not %s%.64s%s", p->pid, q->where,
                               cmd->vm.name, want ? "\"" : "pid ", want ? want : "", want ? "\"" : "");
            if (!want) memintro__qemu_cat(q->error, sizeof q->error, "%d", o->pid);
            return MEMINTRO_E_NOTFOUND;
        }
        return MEMINTRO_OK;
    }
    if (o->pid > 0) {
        if (memintro__qemu_read_cmd(&q->al, o->pid, cmd) != 0) {
            int e = errno;
            MEMINTRO__QEMU_FMT(q->error, "no process %d (%s)", o->pid, strerror(e));
            return e == EACCES ? MEMINTRO_E_PERMISSION : MEMINTRO_E_NOTFOUND;
        }
        if (!cmd->is_qemu) {
            MEMINTRO__QEMU_FMT(q->error, "process %d (%s) is not a QEMU VM", o->pid,
                               cmd->vm.binary[0] ? cmd->vm.binary : "kernel thread");
            return MEMINTRO_E_NOTFOUND;
        }
        if (want && strcmp(want, cmd->vm.name)) {
            MEMINTRO__QEMU_FMT(q->error, "QEMU process %d is VM \"%s\", not \"%s\"", o->pid, cmd->vm.name, want);
            return MEMINTRO_E_NOTFOUND;
        }
        return MEMINTRO_OK;
    }
    vms = (memintro_qemu_vm *)memintro__qemu_alloc(&q->al, MEMINTRO_QEMU_MAX_VMS * sizeof *vms);
    if (!vms) {
        MEMINTRO__QEMU_FMT(q->error, "out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    total = memintro__qemu_scan(&q->al, vms, MEMINTRO_QEMU_MAX_VMS);
    if (total < 0) {
        memintro__qemu_free(&q->al, vms);
        MEMINTRO__QEMU_FMT(q->error, "cannot list /proc: %s", strerror(errno));
        return MEMINTRO_E_IO;
    }
    if (total > MEMINTRO_QEMU_MAX_VMS) total = MEMINTRO_QEMU_MAX_VMS;
    for (i = 0; i < (size_t)total; i++)
        if (!want || !strcmp(vms[i].name, want)) {
            if (!nmatch) pid = vms[i].pid;
            vms[nmatch++] = vms[i];
        }
    if (nmatch != 1) {
        if (!nmatch && want)
            MEMINTRO__QEMU_FMT(q->error, "no QEMU VM named \"%s\" is running (%ld other QEMU VM%s)", want, total,
                               total == 1 ? "" : "s");
        else if (!nmatch)
            MEMINTRO__QEMU_FMT(q->error, "no QEMU VM is running");
        else
            MEMINTRO__QEMU_FMT(q->error, "%u QEMU VMs%s%s%s are running; choose one with name= or pid=: ",
                               (unsigned)nmatch, want ? " named \"" : "", want ? want : "", want ? "\"" : "");
        for (shown = 0; nmatch > 1 && shown < nmatch; shown++) {
            if (shown) memintro__qemu_cat(q->error, sizeof q->error, "; ");
            memintro__qemu_vm_line(q->error, sizeof q->error, &vms[shown]);
        }
        memintro__qemu_free(&q->al, vms);
        return nmatch ? MEMINTRO_E_INVALID : MEMINTRO_E_NOTFOUND;
    }
    memintro__qemu_free(&q->al, vms);
    if (memintro__qemu_read_cmd(&q->al, pid, cmd) != 0 || !cmd->is_qemu) {
        MEMINTRO__QEMU_FMT(q->error, "QEMU process %d exited", pid);
        return MEMINTRO_E_GONE;
    }
    return MEMINTRO_OK;
}

MEMINTRO__QDEF memintro_status memintro_qemu_open(memintro_qemu *q, const memintro_qemu_options *o)
{
    memintro_qemu_options def;
    memintro__qemu_cmd *cmd;
    memintro__qemu_mapsctx mc;
    memintro_status st;
    char why[MEMINTRO_QEMU_MSG_MAX], st_c;
    uint64_t fl;
    size_t i;
    int timeout;
    memset(q, 0, sizeof *q);
    q->pidfd = -1;
    q->phys.read = memintro__qemu_read;
    memset(&mc, 0, sizeof mc);
    if (!o) {
        memset(&def, 0, sizeof def);
        o = &def;
    }
    if (o->process) { /* from here on, close releases it */
        q->nested = 1;
        q->proc = *o->process;
        memintro__qemu_str(q->where, sizeof q->where, q->proc.where ? q->proc.where : "another machine");
    }
    if (!o->allocator.alloc != !o->allocator.free) {
        MEMINTRO__QEMU_FMT(q->error, "options.allocator has %s but no %s: set both functions or neither",
                           o->allocator.alloc ? "alloc" : "free", o->allocator.alloc ? "free" : "alloc");
        memintro_qemu_close(q);
        return MEMINTRO_E_INVALID;
    }
    q->al = o->allocator;
    cmd = (memintro__qemu_cmd *)memintro__qemu_alloc(&q->al, sizeof *cmd);
    if (!cmd) {
        MEMINTRO__QEMU_FMT(q->error, "out of memory");
        memintro_qemu_close(q);
        return MEMINTRO_E_NOSPACE;
    }
    st = memintro__qemu_choose(q, o, cmd);
    if (st != MEMINTRO_OK) goto fail;
    q->pid = cmd->vm.pid;
    if (q->nested)
        memintro__qemu_fmt(q->maps_name, sizeof q->maps_name, "the memory maps of process %d of %s", q->pid, q->where);
    else
        memintro__qemu_fmt(q->maps_name, sizeof q->maps_name, "/proc/%d/maps", q->pid);
    q->writable = o->write != 0;
    memintro__qemu_str(q->name, sizeof q->name, cmd->vm.name);
    memintro__qemu_str(q->machine, sizeof q->machine, cmd->vm.machine[0] ? cmd->vm.machine : "pc (default)");
    memintro__qemu_str(q->binary, sizeof q->binary, cmd->vm.binary);
    if (q->nested) {
        if (memintro__qemu_exited(q)) {
            st = MEMINTRO_E_GONE;
            goto fail;
        }
        if (o->qmp && o->qmp[0]) {
            MEMINTRO__QEMU_FMT(q->error, "qmp=%.64s: QEMU process %d runs in %s, whose QMP sockets are out of reach",
                               o->qmp, q->pid, q->where);
            st = MEMINTRO_E_INVALID;
            goto fail;
        }
        if (o->map == MEMINTRO_QEMU_LAYOUT_QMP) {
            MEMINTRO__QEMU_FMT(q->error, "map=qmp: QEMU process %d runs in %s, whose QMP sockets are out of reach",
                               q->pid, q->where);
            st = MEMINTRO_E_UNSUPPORTED;
            goto fail;
        }
    } else if (memintro__qemu_stat(q->pid, &st_c, &fl, &q->starttime) != 0) {
        MEMINTRO__QEMU_FMT(q->error, "QEMU process %d exited", q->pid);
        st = MEMINTRO_E_GONE;
        goto fail;
    }
#ifdef SYS_pidfd_open
    if (!q->nested) {
        q->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)q->pid, 0);
        if (q->pidfd < 0) q->pidfd = -1;
        else fcntl(q->pidfd, F_SETFD, FD_CLOEXEC);
    }
#endif
    q->check_ns = o->check_us < 0 ? 0 : (uint64_t)(o->check_us ? o->check_us : MEMINTRO_QEMU_CHECK_US) * 1000ull;
    timeout = o->qmp_timeout_ms > 0 ? o->qmp_timeout_ms : MEMINTRO_QEMU_QMP_TIMEOUT_MS;
    q->qmp_timeout_ms = timeout;
    /* the QMP address memintro_qemu_hmp and the VM control calls use (map=qmp and auto
       replace it with the one that answered) */
    memintro__qemu_str(q->qmp, sizeof q->qmp, q->nested ? "" : o->qmp && o->qmp[0] ? o->qmp : cmd->nqmp ? cmd->qmp[0] : "");

    /* the layout: QMP first (unless map=table), tables otherwise */
    why[0] = 0;
    if (q->nested && o->map != MEMINTRO_QEMU_LAYOUT_TABLE)
        memintro__qemu_fmt(why, sizeof why, "a QEMU in %s: its QMP sockets are out of reach", q->where);
    if (o->map != MEMINTRO_QEMU_LAYOUT_TABLE && !q->nested) {
        size_t naddr = o->qmp && o->qmp[0] ? 1 : cmd->nqmp;
        st = MEMINTRO_E_UNSUPPORTED;
        if (!naddr)
            snprintf(why, sizeof why, "QEMU has no QMP socket on its command line (-qmp unix:PATH,server=on,wait=off; "
                                      "or give qmp=ADDR)");
        for (i = 0; i < naddr && st != MEMINTRO_OK; i++) {
            const char *addr = o->qmp && o->qmp[0] ? o->qmp : cmd->qmp[i];
            char w[MEMINTRO_QEMU_MSG_MAX];
            memintro__qemu_str(q->qmp, sizeof q->qmp, addr);
            st = memintro__qemu_layout_qmp(q, cmd, addr, timeout, w, sizeof w);
            if (st != MEMINTRO_OK) memintro__qemu_cat(why, sizeof why, "%sQMP %s: %s", why[0] ? "; " : "", addr, w);
        }
        if (st == MEMINTRO_OK) {
            q->layout = MEMINTRO_QEMU_LAYOUT_QMP;
            MEMINTRO__QEMU_FMT(q->source, "QMP %s: info mtree -f (address space \"memory\") and gpa2hva, checked "
                                          "against /proc/%d/maps", q->qmp, q->pid);
        } else if (o->map == MEMINTRO_QEMU_LAYOUT_QMP) {
            MEMINTRO__QEMU_FMT(q->error, "map=qmp: %s", why);
            if (st == MEMINTRO_E_IO) st = MEMINTRO_E_UNSUPPORTED;
            goto fail;
        } else {
            memintro__qemu_cat(q->warning, sizeof q->warning, "%s%s; layout inferred from the machine type and RAM size",
                               q->warning[0] ? "; " : "", why);
        }
    }
    mc.chk = NULL;
    if (q->nested && why[0]) memintro__qemu_cat(q->warning, sizeof q->warning, "%s; layout inferred from the machine "
                                                "type and RAM size", why);
    if (q->layout != MEMINTRO_QEMU_LAYOUT_QMP) {
        q->layout = MEMINTRO_QEMU_LAYOUT_TABLE;
        st = memintro__qemu_layout_table(q, cmd, &mc);
        if (st != MEMINTRO_OK) {
            memintro__qemu_cat(q->error, sizeof q->error, ": %s", why[0] ? why : "map=table was asked for");
            goto fail;
        }
    }
    /* every range against /proc/PID/maps: backing, and what zero-copy needs */
    mc.chk = (memintro__qemu_rcheck *)memintro__qemu_alloc(&q->al, (q->nregions + 1) * sizeof *mc.chk);
    if (!mc.chk) {
        MEMINTRO__QEMU_FMT(q->error, "out of memory");
        st = MEMINTRO_E_NOSPACE;
        goto fail;
    }
    mc.reg = q->regions;
    mc.n = q->nregions;
    mc.want = 0;
    st = memintro__qemu_check_maps(q, &mc);
    if (st != MEMINTRO_OK) goto fail;
    q->nregions = mc.n;
    if (!q->nregions) {
        MEMINTRO__QEMU_FMT(q->error, "no guest RAM of QEMU process %d is mapped in %s (%s)", q->pid, q->maps_name,
                           q->warning);
        st = MEMINTRO_E_NOTFOUND;
        goto fail;
    }
    memintro__qemu_sort_regions(q->regions, q->nregions);
    if (!o->no_zero_copy && !q->nested) memintro__qemu_zero_copy(q, mc.chk);
    memintro__qemu_free(&q->al, mc.chk);
    mc.chk = NULL;

    /* the guest-physical -> QEMU address map the batches use */
    q->map_storage = (memintro_range *)memintro__qemu_alloc(&q->al, q->nregions * sizeof *q->map_storage);
    q->pieces = (memintro_qemu__piece *)memintro__qemu_alloc(&q->al, MEMINTRO__QEMU_PIECES * sizeof *q->pieces);
    q->iov = memintro__qemu_alloc(&q->al, 2 * MEMINTRO__QEMU_IOV * sizeof(struct iovec));
    q->zc_storage = (memintro_range *)memintro__qemu_alloc(&q->al, q->nregions * sizeof *q->zc_storage);
    q->zc_direct = (unsigned char *)memintro__qemu_alloc(&q->al, q->nregions);
    if (q->nested) q->subops = (memintro_op *)memintro__qemu_alloc(&q->al, MEMINTRO__QEMU_PIECES * sizeof *q->subops);
    if (!q->map_storage || !q->pieces || !q->iov || !q->zc_storage || !q->zc_direct || (q->nested && !q->subops)) {
        MEMINTRO__QEMU_FMT(q->error, "out of memory");
        st = MEMINTRO_E_NOSPACE;
        goto fail;
    }
    memintro_memmap_init(&q->map, q->map_storage, q->nregions);
    for (i = 0; i < q->nregions; i++) {
        const memintro_qemu_region *r = &q->regions[i];
        if (memintro_memmap_add(&q->map, r->start, r->size, r->hva) != MEMINTRO_OK) {
            MEMINTRO__QEMU_FMT(q->error, "guest-physical ranges overlap at 0x%llx (%s)", (unsigned long long)r->start,
                               r->block);
            st = MEMINTRO_E_FORMAT;
            goto fail;
        }
    }
    q->phys.read = memintro__qemu_read;
    q->phys.write = q->writable ? memintro__qemu_write : NULL;
    q->sys.read = memintro__qemu_sys_read;
    q->sys.write = q->writable ? memintro__qemu_sys_write : NULL;
    q->sys.user = q;
    if (memintro__qemu_build_zc(q) != 0)
        memintro__qemu_cat(q->warning, sizeof q->warning, "%szero-copy ranges overlap; reading with process_vm_readv",
                           q->warning[0] ? "; " : "");
    q->phys.direct = memintro__qemu_direct;
    q->opened = 1;
    q->proc.cmdline = q->proc.maps = NULL; /* read during open only */
    q->proc.cmdline_len = q->proc.maps_len = 0;
    q->proc.where = q->where;
    memintro__qemu_free(&q->al, cmd);
    cmd = NULL;

    /* can we read it? one byte of the first range */
    {
        unsigned char b;
        memintro_qemu_region *r = &q->regions[0];
        if (r->zero_copy) {
            /* the mapping works; check process access too (reads of other ranges need it) */
            for (i = 0; i < q->nregions && q->regions[i].zero_copy; i++) {}
            r = i < q->nregions ? &q->regions[i] : NULL;
        }
        if (r) {
            st = memintro_phys_read1(&q->phys, r->start, &b, 1);
            /* a nested QEMU's page it never touched is not in its page tables: the
               process is readable all the same */
            if (st != MEMINTRO_OK && !(q->nested && st == MEMINTRO_E_UNMAPPED)) {
                char keep[MEMINTRO_QEMU_MSG_MAX];
                memintro__qemu_str(keep, sizeof keep, q->error);
                memintro_qemu_close(q);
                memintro__qemu_str(q->error, sizeof q->error, keep);
                return st;
            }
        }
    }
    q->error[0] = 0;
    return MEMINTRO_OK;

fail:
    memintro__qemu_free(&q->al, mc.chk);
    memintro__qemu_free(&q->al, cmd);
    memintro_qemu_close(q);
    return st;
}

MEMINTRO__QDEF const char *memintro_qemu_error(const memintro_qemu *q)
{
    return q ? q->error : "";
}

MEMINTRO__QDEF void memintro_qemu_get_info(const memintro_qemu *q, memintro_qemu_info *info)
{
    size_t i;
    memset(info, 0, sizeof *info);
    info->pid = q->pid;
    info->writable = q->writable;
    info->layout = q->layout;
    info->name = q->name;
    info->machine = q->machine;
    info->qmp = q->qmp;
    info->source = q->source;
    info->warning = q->warning;
    info->regions = q->regions;
    info->count = q->nregions;
    info->ram_size = q->ram_size;
    for (i = 0; i < q->nregions; i++) {
        info->mapped += q->regions[i].size;
        info->zero_copy_regions += q->regions[i].zero_copy != 0;
    }
}

MEMINTRO__QDEF const char *memintro_qemu_layout_str(memintro_qemu_layout l)
{
    switch (l) {
    case MEMINTRO_QEMU_LAYOUT_AUTO: return "auto";
    case MEMINTRO_QEMU_LAYOUT_QMP: return "qmp";
    case MEMINTRO_QEMU_LAYOUT_TABLE: return "table";
    default: return "unknown";
    }
}

MEMINTRO__QDEF const char *memintro_qemu_backing_str(memintro_qemu_backing b)
{
    switch (b) {
    case MEMINTRO_QEMU_BACKING_ANON: return "anonymous";
    case MEMINTRO_QEMU_BACKING_MEMFD: return "memfd";
    case MEMINTRO_QEMU_BACKING_FILE: return "file";
    default: return "unknown";
    }
}

/* snprintf-like appending that keeps counting past the end of buf. */
typedef struct memintro__qemu_out {
    char *buf;
    size_t size, len;
} memintro__qemu_out;

static void memintro__qemu_put(memintro__qemu_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL, o->len < o->size ? o->size - o->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n;
}

MEMINTRO__QDEF size_t memintro_qemu_describe(const memintro_qemu *q, char *buf, size_t size)
{
    memintro__qemu_out o;
    memintro_qemu_info in;
    char hs[32], ms[32];
    size_t i;
    o.buf = buf;
    o.size = buf ? size : 0;
    o.len = 0;
    if (o.size) buf[0] = 0;
    memintro_qemu_get_info(q, &in);
    memintro__qemu_human(hs, sizeof hs, in.ram_size);
    memintro__qemu_human(ms, sizeof ms, in.mapped);
    memintro__qemu_put(&o, "QEMU process %d \"%s\": machine %s, guest RAM %s, %s\n", in.pid, in.name, in.machine, hs,
                       in.writable ? "read-write" : "read-only");
    memintro__qemu_put(&o, "layout: %s\n", in.source);
    if (in.warning[0]) memintro__qemu_put(&o, "warning: %s\n", in.warning);
    memintro__qemu_put(&o, "guest-physical ranges (end exclusive):\n");
    for (i = 0; i < in.count; i++) {
        const memintro_qemu_region *r = &in.regions[i];
        char rs[32];
        memintro__qemu_human(rs, sizeof rs, r->size);
        memintro__qemu_put(&o, "  0x%016llx-0x%016llx %10s %-4s %s+0x%llx  host 0x%llx  %s%s%s%s%s\n",
                           (unsigned long long)r->start, (unsigned long long)(r->start + r->size), rs, r->type,
                           r->block, (unsigned long long)r->block_offset, (unsigned long long)r->hva,
                           memintro_qemu_backing_str(r->backing), r->path[0] ? " " : "", r->path,
                           r->zero_copy ? " (zero-copy)" : "", r->guest_ram ? "" : " [device/firmware]");
    }
    memintro__qemu_put(&o, "total: %u ranges, %s mapped, guest RAM %s; reads: %s\n", (unsigned)in.count, ms, hs,
                       in.zero_copy_regions == in.count ? "zero-copy from a shared mapping"
                       : in.zero_copy_regions     ? "zero-copy where shared, process_vm_readv elsewhere"
                                                  : "process_vm_readv");
    return o.len;
}

/* ---- info registers ---- */

/* Register names of `info registers` and where they go: 0-15 gpr[], then rip, rflags, cr. */
#define MEMINTRO__QEMU_R_RIP 16
#define MEMINTRO__QEMU_R_RFL 17
#define MEMINTRO__QEMU_R_CR 18 /* + n for CRn */
#define MEMINTRO__QEMU_R_EFER 23

typedef struct memintro__qemu_regname {
    const char *name;
    unsigned char slot;
    unsigned char wide; /* 1: only in the x86-64 layout, 2: only in the i386 layout */
} memintro__qemu_regname;

/* One finished block into cpus[]; returns 0 or -1 with err set. */
static int memintro__qemu_regs_done(memintro_cpu *cur, int have_rip, int have_cr3, uint32_t *seen, memintro_cpu *cpus,
                                    size_t cap, size_t *n, char *err, size_t errcap)
{
    if (!have_rip || !have_cr3) {
        memintro__qemu_fmt(err, errcap, "info registers: CPU#%u has no %s", (unsigned)cur->index,
                           have_rip ? "CR3" : "RIP/EIP");
        return -1;
    }
    if (cur->index < 1024) {
        if (seen[cur->index >> 5] & (1u << (cur->index & 31))) {
            memintro__qemu_fmt(err, errcap, "info registers: CPU#%u appears twice", (unsigned)cur->index);
            return -1;
        }
        seen[cur->index >> 5] |= 1u << (cur->index & 31);
    }
    cur->flags |= MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM;
    if (*n < cap) cpus[*n] = *cur;
    (*n)++;
    return 0;
}

/* Parses `info registers` text; err (errcap bytes) gets a one-line message on failure. */
static memintro_status memintro__qemu_regs(const char *text, size_t len, memintro_cpu *cpus, size_t cap,
                                           size_t *count, char *err, size_t errcap)
{
    static const char *const segs[8] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"};
    static const int segi[8] = {MEMINTRO_SEG_ES, MEMINTRO_SEG_CS, MEMINTRO_SEG_SS, MEMINTRO_SEG_DS,
                                MEMINTRO_SEG_FS, MEMINTRO_SEG_GS, MEMINTRO_SEG_LDT, MEMINTRO_SEG_TR};
    static const memintro__qemu_regname regs[] = {
        {"RAX", 0, 1},  {"RCX", 1, 1},  {"RDX", 2, 1},  {"RBX", 3, 1},  {"RSP", 4, 1},  {"RBP", 5, 1},
        {"RSI", 6, 1},  {"RDI", 7, 1},  {"R8", 8, 1},   {"R9", 9, 1},   {"R10", 10, 1}, {"R11", 11, 1},
        {"R12", 12, 1}, {"R13", 13, 1}, {"R14", 14, 1}, {"R15", 15, 1}, {"EAX", 0, 2},  {"ECX", 1, 2},
        {"EDX", 2, 2},  {"EBX", 3, 2},  {"ESP", 4, 2},  {"EBP", 5, 2},  {"ESI", 6, 2},  {"EDI", 7, 2},
        {"RIP", MEMINTRO__QEMU_R_RIP, 1}, {"EIP", MEMINTRO__QEMU_R_RIP, 2}, {"RFL", MEMINTRO__QEMU_R_RFL, 1},
        {"EFL", MEMINTRO__QEMU_R_RFL, 2}, {"CR0", MEMINTRO__QEMU_R_CR + 0, 0}, {"CR2", MEMINTRO__QEMU_R_CR + 2, 0},
        {"CR3", MEMINTRO__QEMU_R_CR + 3, 0}, {"CR4", MEMINTRO__QEMU_R_CR + 4, 0}, {"EFER", MEMINTRO__QEMU_R_EFER, 0}};
    const char *p = text, *end;
    memintro_cpu cur;
    uint32_t seen[32];
    size_t n = 0;
    int in_block = 0, have_rip = 0, have_cr3 = 0;
    if (count) *count = 0;
    if (err && errcap) err[0] = 0;
    if (!text || (!cpus && cap)) {
        memintro__qemu_fmt(err, errcap, "info registers: no text or no room");
        return MEMINTRO_E_INVALID;
    }
    end = text + len;
    memset(&cur, 0, sizeof cur);
    memset(seen, 0, sizeof seen);
    while (p < end) {
        const char *eol = (const char *)memchr(p, '\n', (size_t)(end - p)), *q, *next;
        size_t k, used;
        int seg = -1;
        if (!eol) eol = end;
        next = eol + (eol < end);
        while (eol > p && (eol[-1] == '\r' || eol[-1] == ' ')) eol--;
        if (eol - p >= 4 && !memcmp(p, "CPU#", 4)) { /* "CPU#1": a new block */
            uint64_t idx;
            used = memintro_parse_u64(p + 4, (size_t)(eol - p - 4), &idx);
            if (!used || p + 4 + used != eol || idx > 0xffffffffull) {
                memintro__qemu_fmt(err, errcap, "info registers: bad CPU header \"%.*s\"", (int)(eol - p > 40 ? 40 : eol - p), p);
                return MEMINTRO_E_FORMAT;
            }
            if (in_block && memintro__qemu_regs_done(&cur, have_rip, have_cr3, seen, cpus, cap, &n, err, errcap))
                return MEMINTRO_E_FORMAT;
            memset(&cur, 0, sizeof cur);
            cur.index = (uint32_t)idx;
            in_block = 1;
            have_rip = have_cr3 = 0;
            p = next;
            continue;
        }
        for (k = 0; k < 8; k++) {
            size_t sl = strlen(segs[k]);
            if ((size_t)(eol - p) > sl && !memcmp(p, segs[k], sl)) {
                q = p + sl;
                while (q < eol && *q == ' ') q++;
                if (q < eol && *q == '=') {
                    seg = segi[k];
                    q++;
                }
                break;
            }
        }
        if (!in_block && p < eol) { /* a block without a "CPU#" header */
            memset(&cur, 0, sizeof cur);
            cur.index = (uint32_t)n;
            in_block = 1;
        }
        if (seg >= 0) { /* "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]" */
            uint64_t v[4];
            int f;
            for (f = 0; f < 4; f++) {
                if (f && q < eol && *q == ' ') q++;
                used = memintro_parse_hex(q, (size_t)(eol - q), &v[f]);
                if (!used || (q + used < eol && q[used] != ' ')) break;
                q += used;
            }
            if (f < 4 || v[0] > 0xffff || v[2] > 0xffffffffull || v[3] > 0xffffffffull) {
                memintro__qemu_fmt(err, errcap, "info registers: CPU#%u: bad segment line \"%.*s\"", (unsigned)cur.index,
                                   (int)(eol - p > 60 ? 60 : eol - p), p);
                return MEMINTRO_E_FORMAT;
            }
            cur.seg[seg].selector = (uint32_t)v[0];
            cur.seg[seg].base = v[1];
            cur.seg[seg].limit = (uint32_t)v[2];
            cur.seg[seg].flags = (uint32_t)v[3];
        } else if (eol - p > 4 && (!memcmp(p, "GDT=", 4) || !memcmp(p, "IDT=", 4))) { /* "GDT=     base limit" */
            uint64_t base = 0, limit = 0;
            size_t u2 = 0;
            q = p + 4;
            while (q < eol && *q == ' ') q++;
            used = memintro_parse_hex(q, (size_t)(eol - q), &base);
            if (used && q + used < eol && q[used] == ' ')
                u2 = memintro_parse_hex(q + used + 1, (size_t)(eol - q - used - 1), &limit);
            if (!used || !u2 || limit > 0xffffffffull) {
                memintro__qemu_fmt(err, errcap, "info registers: CPU#%u: bad line \"%.*s\"", (unsigned)cur.index,
                                   (int)(eol - p > 60 ? 60 : eol - p), p);
                return MEMINTRO_E_FORMAT;
            }
            k = p[0] == 'G' ? MEMINTRO_SEG_GDT : MEMINTRO_SEG_IDT;
            cur.seg[k].base = base;
            cur.seg[k].limit = (uint32_t)limit;
        } else {
            /* NAME=HEX pairs; a short name is padded ("R8 =") */
            for (q = p; q < eol; q++) {
                const char *ne, *nb;
                uint64_t v;
                size_t r;
                if (*q != '=') continue;
                ne = q;
                while (ne > p && ne[-1] == ' ') ne--;
                nb = ne;
                while (nb > p && ((nb[-1] >= 'A' && nb[-1] <= 'Z') || (nb[-1] >= '0' && nb[-1] <= '9'))) nb--;
                if (nb > p && nb[-1] != ' ') continue; /* part of a longer token */
                for (r = 0; r < sizeof regs / sizeof regs[0]; r++)
                    if (strlen(regs[r].name) == (size_t)(ne - nb) && !memcmp(regs[r].name, nb, (size_t)(ne - nb))) break;
                if (r == sizeof regs / sizeof regs[0]) continue;
                used = memintro_parse_hex(q + 1, (size_t)(eol - q - 1), &v);
                if (!used || (q + 1 + used < eol && q[1 + used] != ' ')) {
                    memintro__qemu_fmt(err, errcap, "info registers: CPU#%u: %s has no hex value", (unsigned)cur.index,
                                       regs[r].name);
                    return MEMINTRO_E_FORMAT;
                }
                if (regs[r].wide == 1) cur.isa = MEMINTRO_ISA_X86_64;
                else if (regs[r].wide == 2 && cur.isa == MEMINTRO_ISA_NONE) cur.isa = MEMINTRO_ISA_X86;
                if (regs[r].slot < 16) cur.gpr[regs[r].slot] = v;
                else if (regs[r].slot == MEMINTRO__QEMU_R_RIP) {
                    cur.rip = v;
                    have_rip = 1;
                } else if (regs[r].slot == MEMINTRO__QEMU_R_RFL) cur.rflags = v;
                else if (regs[r].slot == MEMINTRO__QEMU_R_EFER) {
                    cur.efer = v;
                    cur.flags |= MEMINTRO_CPU_EFER;
                } else {
                    cur.cr[regs[r].slot - MEMINTRO__QEMU_R_CR] = v;
                    if (regs[r].slot == MEMINTRO__QEMU_R_CR + 3) have_cr3 = 1;
                }
                q += used;
            }
        }
        p = next;
    }
    if (in_block && memintro__qemu_regs_done(&cur, have_rip, have_cr3, seen, cpus, cap, &n, err, errcap))
        return MEMINTRO_E_FORMAT;
    if (count) *count = n;
    if (!n) {
        memintro__qemu_fmt(err, errcap, "info registers: no CPU in the text");
        return MEMINTRO_E_FORMAT;
    }
    if (n > cap && (cpus || cap)) {
        memintro__qemu_fmt(err, errcap, "info registers: %u CPUs, room for %u", (unsigned)n, (unsigned)cap);
        return MEMINTRO_E_NOSPACE;
    }
    return MEMINTRO_OK;
}

MEMINTRO__QDEF memintro_status memintro_qemu_parse_registers(const char *text, size_t len, memintro_cpu *cpus,
                                                            size_t capacity, size_t *count)
{
    return memintro__qemu_regs(text, len, cpus, capacity, count, NULL, 0);
}

/* Connects to the VM's QMP socket (qmp, or the one open() used or tried) and negotiates.
   Returns MEMINTRO_OK with m connected, or the status with q->error set (m closed). */
static memintro_status memintro__qemu_session(memintro_qemu *q, const char *qmp, memintro__qmp *m, const char *what)
{
    char cwd[MEMINTRO_QEMU_ADDR_MAX];
    memset(m, 0, sizeof *m);
    m->fd = -1;
    if (!q || !q->opened) {
        if (q) MEMINTRO__QEMU_FMT(q->error, "%s: the VM is not open", what);
        return MEMINTRO_E_INVALID;
    }
    if (q->nested) {
        MEMINTRO__QEMU_FMT(q->error, "%s: QEMU process %d runs in %s, whose QMP sockets are out of reach", what, q->pid,
                           q->where);
        return MEMINTRO_E_UNSUPPORTED;
    }
    if (!qmp || !qmp[0]) qmp = q->qmp;
    if (!qmp[0]) {
        MEMINTRO__QEMU_FMT(q->error, "%s: QEMU process %d has no QMP socket on its command line (give qmp=ADDR)", what,
                           q->pid);
        return MEMINTRO_E_UNSUPPORTED;
    }
    m->al = &q->al;
    m->timeout_ms = q->qmp_timeout_ms > 0 ? q->qmp_timeout_ms : MEMINTRO_QEMU_QMP_TIMEOUT_MS;
    memintro__qemu_cwd(q->pid, cwd, sizeof cwd);
    if (memintro__qmp_connect(m, qmp, cwd) != 0 || memintro__qmp_handshake(m) != 0) {
        MEMINTRO__QEMU_FMT(q->error, "%s: QMP %s: %s", what, qmp, m->err);
        memintro__qmp_close(m);
        return memintro_qemu_alive(q) ? MEMINTRO_E_IO : MEMINTRO_E_GONE;
    }
    return MEMINTRO_OK;
}

/* Ends a session after a failed command: q->error gets m->err. */
static memintro_status memintro__qemu_session_fail(memintro_qemu *q, memintro__qmp *m, const char *what)
{
    MEMINTRO__QEMU_FMT(q->error, "%s: %s", what, m->err);
    memintro__qmp_close(m);
    return memintro_qemu_alive(q) ? MEMINTRO_E_IO : MEMINTRO_E_GONE;
}

/* Runs one QMP command without arguments whose reply does not matter. */
static memintro_status memintro__qemu_simple(memintro_qemu *q, const char *execute)
{
    memintro__qmp m;
    const char *r;
    size_t n;
    memintro_status s = memintro__qemu_session(q, NULL, &m, execute);
    if (s != MEMINTRO_OK) return s;
    n = memintro__qmp_exec(&m, execute, NULL, &r);
    if (!n) return memintro__qemu_session_fail(q, &m, execute);
    memintro__qmp_consume(&m, n);
    memintro__qmp_close(&m);
    return MEMINTRO_OK;
}

MEMINTRO__QDEF memintro_status memintro_qemu_pause(memintro_qemu *q)
{
    return memintro__qemu_simple(q, "stop");
}

MEMINTRO__QDEF memintro_status memintro_qemu_resume(memintro_qemu *q)
{
    return memintro__qemu_simple(q, "cont");
}

MEMINTRO__QDEF memintro_status memintro_qemu_running(memintro_qemu *q, int *running)
{
    memintro__qmp m;
    const char *r, *v;
    size_t n;
    memintro_status s;
    if (running) *running = 0;
    if (!running) {
        if (q) MEMINTRO__QEMU_FMT(q->error, "query-status: no place for the answer");
        return MEMINTRO_E_INVALID;
    }
    s = memintro__qemu_session(q, NULL, &m, "query-status");
    if (s != MEMINTRO_OK) return s;
    n = memintro__qmp_exec(&m, "query-status", NULL, &r);
    if (!n) return memintro__qemu_session_fail(q, &m, "query-status");
    v = memintro__qj_member(r, m.buf + n, "running");
    if (v && (size_t)(m.buf + n - v) >= 4 && !memcmp(v, "true", 4)) *running = 1;
    else if (!v || (size_t)(m.buf + n - v) < 5 || memcmp(v, "false", 5)) {
        MEMINTRO__QEMU_FMT(m.err, "the reply to query-status has no \"running\": true/false");
        memintro__qmp_consume(&m, n);
        s = memintro__qemu_session_fail(q, &m, "query-status");
        return s == MEMINTRO_E_IO ? MEMINTRO_E_FORMAT : s;
    }
    memintro__qmp_consume(&m, n);
    memintro__qmp_close(&m);
    return MEMINTRO_OK;
}

/* Runs an HMP command over QMP; *text gets an allocated copy of its output without '\r'
   (free with memintro__qemu_free), *n its length. Sets q->error on failure. */
static memintro_status memintro__qemu_hmp_text(memintro_qemu *q, const char *qmp, const char *command, char **text,
                                               size_t *n)
{
    memintro__qmp m;
    char *t;
    size_t i, k = 0;
    memintro_status s;
    *text = NULL;
    *n = 0;
    if (q && !command) {
        MEMINTRO__QEMU_FMT(q->error, "hmp: no command");
        return MEMINTRO_E_INVALID;
    }
    if (q && (k = memintro__qj_escape(command, NULL, 0)) > MEMINTRO__QEMU_HMP_MAX) {
        MEMINTRO__QEMU_FMT(q->error, "hmp: the command is %u bytes once escaped, more than the %u accepted",
                           (unsigned)k, (unsigned)MEMINTRO__QEMU_HMP_MAX);
        return MEMINTRO_E_INVALID;
    }
    k = 0;
    s = memintro__qemu_session(q, qmp, &m, "hmp");
    if (s != MEMINTRO_OK) return s;
    t = memintro__qmp_hmp(&m, command);
    if (!t) return memintro__qemu_session_fail(q, &m, "hmp");
    memintro__qmp_close(&m);
    for (i = 0; t[i]; i++)
        if (t[i] != '\r') t[k++] = t[i];
    t[k] = 0;
    *text = t;
    *n = k;
    {
        size_t el = 0;
        const char *e = memintro__qemu_hmp_error(t, &el);
        if (e) {
            MEMINTRO__QEMU_FMT(q->error, "hmp: QEMU rejected \"%.100s\": %.*s", command, (int)(el > 300 ? 300 : el), e);
            return MEMINTRO_E_IO;
        }
    }
    return MEMINTRO_OK;
}

MEMINTRO__QDEF memintro_status memintro_qemu_hmp(memintro_qemu *q, const char *qmp, const char *command, char *buf,
                                                size_t size, size_t *len)
{
    char *text;
    size_t n;
    memintro_status s;
    if (len) *len = 0;
    if (buf && size) buf[0] = 0;
    s = memintro__qemu_hmp_text(q, qmp, command, &text, &n);
    if (!text) return s;
    if (buf && size) {
        size_t c = n < size ? n : size - 1;
        memcpy(buf, text, c);
        buf[c] = 0;
    }
    if (len) *len = n;
    memintro__qemu_free(&q->al, text);
    return s;
}

MEMINTRO__QDEF memintro_status memintro_qemu_cpus(memintro_qemu *q, memintro_cpu *cpus, size_t capacity, size_t *count)
{
    char *text, msg[MEMINTRO_QEMU_MSG_MAX];
    size_t n, i, got = 0;
    memintro_status s;
    if (count) *count = 0;
    s = memintro__qemu_hmp_text(q, NULL, "info registers -a", &text, &n);
    if (s != MEMINTRO_OK) {
        if (text) memintro__qemu_free(&q->al, text);
        return s;
    }
    s = memintro__qemu_regs(text, n, cpus, capacity, &got, msg, sizeof msg);
    memintro__qemu_free(&q->al, text);
    if (s != MEMINTRO_OK) MEMINTRO__QEMU_FMT(q->error, "QEMU process %d: %s", q->pid, msg);
    if (s == MEMINTRO_OK || s == MEMINTRO_E_NOSPACE) {
        /* QEMU prints the i386 layout for an x86-64 CPU that is not in long mode */
        if (!strcmp(q->binary, "qemu-system-x86_64") || !strcmp(q->binary, "qemu-kvm") || !strcmp(q->binary, "kvm"))
            for (i = 0; cpus && i < got && i < capacity; i++)
                if (cpus[i].isa == MEMINTRO_ISA_X86) cpus[i].isa = MEMINTRO_ISA_X86_64;
    }
    if (count) *count = got;
    return s;
}

MEMINTRO__QDEF const char *memintro_qemu_options_parse(memintro_qemu_options *o, const char *spec, char *storage,
                                                     size_t storage_size)
{
    size_t n;
    char *p;
    char val[96];
    memset(o, 0, sizeof *o);
    if (!spec || !storage || !storage_size) return "no connector string";
    n = strlen(spec);
    if (n + 1 > storage_size) {
        memintro__qemu_str(storage, storage_size, "connector string too long");
        return storage;
    }
    memcpy(storage, spec, n + 1);
    p = storage;
    if (!strncmp(p, "qemu", 4) && (p[4] == 0 || p[4] == ':')) p += p[4] ? 5 : 4;
    while (*p) {
        char *k = p, *v, *end = strchr(p, ',');
        if (end) *end = 0;
        p = end ? end + 1 : p + strlen(p);
        v = strchr(k, '=');
        if (v) *v++ = 0;
        if (!*k) continue;
        memintro__qemu_str(val, sizeof val, v);
        if (!strcmp(k, "name") && v) o->name = v;
        else if (!strcmp(k, "pid") && v) {
            uint64_t x;
            size_t u;
            if (!(u = memintro_parse_u64(v, strlen(v), &x)) || v[u] || !x || x > 0x7fffffff) {
                memintro__qemu_fmt(storage, storage_size, "qemu: pid=%s is not a process id", val);
                return storage;
            }
            o->pid = (int)x;
        } else if (!strcmp(k, "qmp") && v) {
            if (strncmp(v, "unix:", 5) && strncmp(v, "tcp:", 4)) {
                memintro__qemu_fmt(storage, storage_size, "qemu: qmp=%s: expected unix:PATH or tcp:HOST:PORT", val);
                return storage;
            }
            o->qmp = v;
        } else if (!strcmp(k, "map") && v) {
            if (!strcmp(v, "qmp")) o->map = MEMINTRO_QEMU_LAYOUT_QMP;
            else if (!strcmp(v, "table")) o->map = MEMINTRO_QEMU_LAYOUT_TABLE;
            else if (!strcmp(v, "auto")) o->map = MEMINTRO_QEMU_LAYOUT_AUTO;
            else {
                memintro__qemu_fmt(storage, storage_size, "qemu: map=%s: expected qmp, table or auto", val);
                return storage;
            }
        } else if (!strcmp(k, "write") && (!v || !strcmp(v, "on") || !strcmp(v, "1"))) {
            o->write = 1;
        } else if (!strcmp(k, "nozerocopy") && !v) {
            o->no_zero_copy = 1;
        } else {
            char key[64];
            memintro__qemu_str(key, sizeof key, k);
            memintro__qemu_fmt(storage, storage_size, "qemu: unknown option \"%s\" (name=, pid=, qmp=, map=, write, nozerocopy)",
                     key);
            return storage;
        }
    }
    return NULL;
}

#ifdef __cplusplus
}
#endif

#undef MEMINTRO__QEMU_IOV
#undef MEMINTRO__QEMU_PIECES
#undef MEMINTRO__QEMU_CMDLINE_MAX
#undef MEMINTRO__QEMU_REPLY_MAX
#undef MEMINTRO__QEMU_MAX_RANGES
#undef MEMINTRO__QEMU_MAX_QMP
#undef MEMINTRO__QEMU_MAX_OBJ
#undef MEMINTRO__QEMU_HMP_MAX
#undef MEMINTRO__QEMU_PF_EXITING
#undef MEMINTRO__QEMU_FMT
#undef MEMINTRO__QDEF

#endif /* MEMINTRO_QEMU_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_QEMU_IMPLEMENTATION */

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
