/* memintro_gdb.h - VM control and events over a GDB remote stub (QEMU's gdbstub).

   A client of the GDB remote serial protocol, made for QEMU's gdbstub (`-gdb
   unix:PATH,server=on,wait=off`, or `-s` for tcp::1234), which works on every accelerator,
   TCG included:

     - connects over a unix socket or TCP with a deadline (connecting included); the packet
       layer: `$payload#checksum` framing, acknowledgements (and QStartNoAckMode when the
       stub offers it), escapes (`}`), run-length-encoded replies (`*`), a bounded packet
       size (the stub's qSupported PacketSize, clamped);
     - the target description (qXfer:features:read): register numbers, sizes and names come
       from the stub's own XML (every included file, comments skipped), not from a table;
     - vCPUs (qfThreadInfo/qsThreadInfo, Hg), pause (\x03) and resume (c), single-step
       (vCont;s), registers by name (p/P, g), e.g. rip/pc, cr0, cr3, cr4, efer, fs_base,
       gs_base, k_gs_base on x86-64, pc, sp, x0..x30, cpsr and the system registers QEMU
       exposes (TTBR0_EL1, TCR_EL1, SCTLR_EL1...) on AArch64, also as a memintro_cpu;
     - guest memory (m/M), virtual (the selected vCPU's page tables) or physical
       (`Qqemu.PhyMemMode:1`); a physical-memory backend (memintro_phys, the first member
       of the object) whose reads are cut into as few packets as the packet size allows and
       sent several at a time (pipelined);
     - breakpoints (Z0 software, Z1 hardware), watchpoints (Z2 write, Z3 read, Z4 access),
       and the stop replies that report them (T05 ... watch/rwatch/awatch:ADDR, thread:ID);
     - events: breakpoints and watchpoints registered with an id; memintro_gdb_next_event
       resumes the guest (stepping over the breakpoint it is stopped at), waits at most a
       timeout for the next hit and returns it with the vCPU, kind, address and registers,
       the guest stopped until the next call; remove a breakpoint at any time. QEMU 7.2's
       stub drops all of TCG's translated code at every debug stop but a watchpoint's (a
       breakpoint, a finished single-step: gdb_vm_state_change), so a stop is what an event
       costs: a NOP or endbr64 at the breakpoint (Linux's ftrace site at every function
       entry) is stepped over by moving the program counter past it, no stop at all;
       anything else by a single-step of that vCPU, a second stop (again when the step
       ran nothing, as QEMU 7.2 now and then reports). There, breakpoints give
       hundreds to under 2,000 events a second, watchpoints thousands (bench/bench_gdb.c);
     - the `gdb:` connector for memintro_target.h's registry (memintro_gdb_connector(),
       when memintro_target.h with the registry is included before this header);
     - never hangs: every wait has a deadline, a stub that goes away (EOF, reset, a peer
       that closes mid-packet) is MEMINTRO_E_GONE.

   QEMU's gdbstub processes packets only while the VM is stopped (a byte sent to a running
   VM stops it). So every call that needs a reply stops a running VM first and, when it was
   running, resumes it before returning ("held" calls): the guest runs between calls as it
   did before. Connecting stops the VM; open resumes it when it was running (unless
   options.keep_stopped). close removes every breakpoint and watchpoint this object set and
   detaches (`D`: QEMU resumes the VM) when the VM should be running, or just disconnects
   when the caller left it paused (memintro_gdb_pause): the VM stays paused.

   HOSTED: POSIX sockets (Linux, BSD, macOS), poll, clock_gettime(CLOCK_MONOTONIC). The
   implementation needs the POSIX 2008 (or GNU) feature set: it defines _GNU_SOURCE itself
   when the implementation is the first thing the file includes; otherwise put
   `#define _GNU_SOURCE` at the top of that file.

   USAGE
     In exactly one C or C++ file (memintro.h's implementation may live in the same file or
     another; memintro_gdb.h includes memintro.h):
         #define MEMINTRO_GDB_IMPLEMENTATION
         #define MEMINTRO_IMPLEMENTATION
         #include "memintro_gdb.h"
     Everywhere else just #include "memintro_gdb.h".

   CONFIGURATION (define before including the implementation)
     | macro                         | default      | meaning                                 |
     |-------------------------------|--------------|-----------------------------------------|
     | MEMINTRO_GDB_MALLOC(n, user)  | malloc(n)    | allocation when options.allocator is    |
     | MEMINTRO_GDB_FREE(p, user)    | free(p)      | unset, and its release                  |
     | MEMINTRO_GDB_TIMEOUT_MS       | 3000         | default wait for connecting and for one |
     |                               |              | reply                                   |
     | MEMINTRO_GDB_PACKET_MAX       | 65536        | bytes of one packet at most (sent or    |
     |                               |              | received, before RLE expansion)         |
     | MEMINTRO_GDB_REPLY_MAX        | 1048576      | bytes of one decoded reply at most      |
     | MEMINTRO_GDB_XML_MAX          | 1048576      | bytes of the target description (all   |
     |                               |              | files together)                         |
     | MEMINTRO_GDB_REG_MAX          | 2048         | registers kept from the description     |
     | MEMINTRO_GDB_CPU_MAX          | 256          | vCPUs (threads) kept                    |
     | MEMINTRO_GDB_BP_MAX           | 64           | breakpoints/watchpoints at once         |
     | MEMINTRO_GDB_PIPELINE         | 16           | memory packets in flight in one batch   |
     | MEMINTRO_API / MEMINTRO_STATIC| see memintro.h | linkage of public functions           |

   THIS LIBRARY DOES NOT
     - speak the non-stop mode, the extended-remote mode or file I/O: all-stop only, one
       client (QEMU's gdbstub serves one connection at a time);
     - learn the guest-physical layout: the stub does not tell it (unbacked physical
       addresses read as whatever QEMU returns, usually 0xff bytes); the connector takes
       the RAM size (ram=SIZE) and lays it out like QEMU's q35/pc machines;
     - insert breakpoints into guest memory itself: Z0/Z1 are the stub's own (QEMU's TCG
       and KVM breakpoints leave guest memory untouched);
     - survive the caller's death by itself: a process killed with SIGKILL leaves its
       breakpoints in QEMU and the VM stopped until the next client detaches. Call
       memintro_gdb_close (from a SIGINT/SIGTERM handler's flag, not from the handler);
     - lock: one object per thread; do not share a stub between two objects.

   REFERENCE
     memintro_gdb_open / _open_fd   connect ("unix:PATH", "tcp:HOST:PORT", a path) / adopt a
                                    connected socket; handshake, description, vCPUs
     memintro_gdb_close             remove what was set, detach or disconnect, release
     memintro_gdb_error             one-line message naming the last problem
     memintro_gdb_command           one raw packet exchange (held)
     memintro_gdb_pause / _resume / _running   stop / continue the VM, is it running
     memintro_gdb_cpu_count / _cpu_thread      vCPUs and their thread ids
     memintro_gdb_reg_find          a register of the description by name (aliases pc/rip)
     memintro_gdb_reg_get / _reg_set  one register of one vCPU (held)
     memintro_gdb_regs              every known register of a vCPU as a memintro_cpu (held)
     memintro_gdb_mem_read / _mem_write   guest memory, virtual or physical (held)
     memintro_gdb_insert / _remove  a raw Z/z breakpoint or watchpoint (held)
     memintro_gdb_step              single-step one vCPU, wait for its stop
     memintro_gdb_wait              wait for the next stop reply of a running VM
     memintro_gdb_break / _watch / _unset  register an event source (id), remove it
     memintro_gdb_next_event        resume, wait for the next hit, return it (VM stopped)
     memintro_gdb_parse_stop        a stop reply's text as a memintro_gdb_stop (pure)
     memintro_gdb_bp_type_name, memintro_gdb_arch_name   names of the enums
     memintro_gdb_connector         the gdb: connector descriptor (with the registry)
     g.phys                         the physical-memory backend (memintro_phys_read...)

   EXAMPLE (a whole program; tests/test_gdb.c compiles it)

       #define MEMINTRO_IMPLEMENTATION
       #define MEMINTRO_GDB_IMPLEMENTATION
       #include "memintro_gdb.h"
       #include <stdio.h>

       int main(int argc, char **argv)
       {
           static memintro_gdb g;
           memintro_gdb_event ev;
           uint64_t cr3 = 0;
           uint32_t id;
           int n;
           if (argc < 3) return 2;
           if (memintro_gdb_open(&g, argv[1], NULL) != MEMINTRO_OK) { // "unix:/run/vm.gdb"
               fprintf(stderr, "%s\n", memintro_gdb_error(&g));
               return 1;
           }
           memintro_gdb_reg_get(&g, 0, "cr3", &cr3);
           printf("CPU 0 CR3 0x%llx\n", (unsigned long long)cr3);
           if (memintro_gdb_break(&g, strtoull(argv[2], 0, 0), &id) == MEMINTRO_OK)
               for (n = 0; n < 10; n++) {
                   if (memintro_gdb_next_event(&g, 1000, &ev) != MEMINTRO_OK) break;
                   printf("cpu %u rip 0x%llx\n", ev.cpu, (unsigned long long)ev.regs.rip);
               }
           memintro_gdb_close(&g); // removes the breakpoint, the VM runs on
           return 0;
       }

   LICENSE: MIT, see the end of this file. */

#if defined(MEMINTRO_GDB_IMPLEMENTATION) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#ifndef MEMINTRO_GDB_H
#define MEMINTRO_GDB_H

#include "memintro.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEMINTRO_GDB_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_GDB_VERSION_MINOR 1

#define MEMINTRO_GDB_MSG_MAX 512 /* bytes of the error message */

/* The architecture the target description names. */
typedef enum memintro_gdb_arch {
    MEMINTRO_GDB_ARCH_UNKNOWN = 0,
    MEMINTRO_GDB_ARCH_X86_64, /* <architecture>i386:x86-64 */
    MEMINTRO_GDB_ARCH_I386,   /* i386 */
    MEMINTRO_GDB_ARCH_AARCH64,
    MEMINTRO__GDB_ARCH_FORCE32 = 0x7fffffff
} memintro_gdb_arch;

/* One register of the target description. */
typedef struct memintro_gdb_reg {
    char name[32];     /* as the XML spells it ("rip", "cr3", "TTBR0_EL1") */
    uint32_t regnum;   /* the number p/P use */
    uint32_t bitsize;
    uint32_t g_offset; /* byte offset in the 'g' reply, UINT32_MAX when not in it */
    uint32_t reserved;
} memintro_gdb_reg;

/* Z/z types (the numbers are the protocol's). */
typedef enum memintro_gdb_bp_type {
    MEMINTRO_GDB_BP_SW = 0,     /* software breakpoint (execute) */
    MEMINTRO_GDB_BP_HW = 1,     /* hardware breakpoint (execute) */
    MEMINTRO_GDB_WATCH_WRITE = 2,
    MEMINTRO_GDB_WATCH_READ = 3,
    MEMINTRO_GDB_WATCH_ACCESS = 4,
    MEMINTRO__GDB_BP_FORCE32 = 0x7fffffff
} memintro_gdb_bp_type;

/* What a stop reply says. */
typedef enum memintro_gdb_stop_kind {
    MEMINTRO_GDB_STOP_NONE = 0,   /* no stop (still running) */
    MEMINTRO_GDB_STOP_SIGNAL,     /* T/S with a signal and no watch field (a pause is signal 2,
                                     a breakpoint or a finished step signal 5) */
    MEMINTRO_GDB_STOP_WATCH,      /* a write watchpoint (watch:ADDR) */
    MEMINTRO_GDB_STOP_RWATCH,     /* a read watchpoint */
    MEMINTRO_GDB_STOP_AWATCH,     /* an access watchpoint */
    MEMINTRO_GDB_STOP_EXITED,     /* W/X: the target is gone */
    MEMINTRO__GDB_STOP_FORCE32 = 0x7fffffff
} memintro_gdb_stop_kind;

typedef struct memintro_gdb_stop {
    memintro_gdb_stop_kind kind;
    uint32_t signal;  /* the signal number (5 SIGTRAP, 2 SIGINT) */
    int64_t thread;   /* the thread:ID field, -1 when absent */
    uint64_t addr;    /* the watch address */
    int swbreak, hwbreak; /* the stub said swbreak:/hwbreak: */
} memintro_gdb_stop;

/* memintro_gdb_open's options. A zero field means the default. */
typedef struct memintro_gdb_options {
    int timeout_ms;         /* connecting, and each reply; 0: MEMINTRO_GDB_TIMEOUT_MS */
    uint32_t packet_size;   /* largest packet to send; 0: the stub's PacketSize (clamped to
                               MEMINTRO_GDB_PACKET_MAX; 4096 when the stub says nothing) */
    int keep_acks;          /* non-zero: do not ask for QStartNoAckMode */
    int keep_stopped;       /* non-zero: open leaves the VM stopped (connecting stops it) */
    int write;              /* non-zero: the physical backend accepts writes */
    memintro_allocator allocator; /* both functions or neither (MEMINTRO_GDB_MALLOC/FREE) */
} memintro_gdb_options;

/* A breakpoint or watchpoint this object set. */
typedef struct memintro_gdb_bp {
    uint32_t id;          /* 1-based; 0: a free slot */
    memintro_gdb_bp_type type;
    uint64_t addr, len;   /* len: the watched bytes (1 for breakpoints) */
    uint64_t hits;
    int inserted;         /* it is in the stub now */
    int event;            /* registered with memintro_gdb_break/_watch (reported by
                             memintro_gdb_next_event); 0: memintro_gdb_insert */
} memintro_gdb_bp;

/* One event memintro_gdb_next_event returns. */
typedef struct memintro_gdb_event {
    uint32_t id;              /* the breakpoint/watchpoint's id; 0: another stop (a pause
                                 from elsewhere, e.g. QMP stop) */
    memintro_gdb_bp_type type;
    uint32_t cpu;             /* vCPU index (0-based, the stub's thread order) */
    int64_t thread;           /* the stub's thread id */
    uint64_t addr;            /* breakpoint: its address; watchpoint: the address reported */
    uint64_t hits;            /* hits of this id so far, this one included */
    memintro_gdb_stop stop;   /* the stop reply */
    memintro_cpu regs;        /* the vCPU's registers at the stop (flags say what is known) */
} memintro_gdb_event;

/* The connection. Embed anywhere (it is large-ish: keep it static or on the heap in
   small stacks); pass &g.phys to readers. Fields are read-only for callers. */
typedef struct memintro_gdb {
    memintro_phys phys;        /* the physical-memory backend (first member) */
    int fd;                    /* -1: closed */
    int gone;                  /* the stub went away: every call returns MEMINTRO_E_GONE */
    int noack;                 /* QStartNoAckMode is on */
    int running;               /* the VM runs (we resumed it and saw no stop since) */
    int want_running;          /* close resumes (detaches) when set */
    int was_running;           /* the VM was running when we connected */
    int phys_mode;             /* the stub's PhyMemMode: 0, 1, -1 unknown, -2 unsupported */
    int has_phys_mode;         /* the stub knows Qqemu.PhyMemMode */
    int has_vcont;             /* vCont;s and vCont;c are offered */
    int write;                 /* the backend takes writes */
    int timeout_ms;
    uint32_t packet_size;      /* largest packet we send */
    memintro_gdb_arch arch;
    char arch_text[64];        /* the <architecture> text */
    memintro_gdb_reg *regs;    /* from the description, by regnum order */
    size_t nregs;
    size_t g_size;             /* bytes of the 'g' reply (0: not read yet) */
    int64_t threads[256];      /* MEMINTRO_GDB_CPU_MAX at most: vCPU i is threads[i] */
    size_t nthreads;
    int64_t g_thread;          /* the thread Hg selected, 0: none yet */
    memintro_gdb_stop last;    /* the last stop reply seen */
    memintro_gdb_bp bps[64];   /* MEMINTRO_GDB_BP_MAX at most */
    uint32_t next_id;
    int step_over;             /* index+1 in bps of a breakpoint the VM is stopped at */
    int64_t step_thread;
    memintro_cpu step_regs;    /* that vCPU's registers at the stop (a step that ran nothing
                                  leaves them as they were) */
    int step_regs_ok;          /* step_regs hold: no register written or raw command since */
    int no_fast_step;          /* the stub refused a pc write: always single-step */
    /* buffers */
    char *reply;               /* the last decoded reply, NUL-terminated */
    size_t reply_len, reply_cap;
    char *out;                 /* outgoing packets (a pipeline of them) */
    size_t out_len, out_cap;
    size_t sent_off[16], sent_len[16], sent_n, sent_acked; /* packets waiting for '+' */
    int pipe_broken;           /* a nack or bad checksum while several packets were in flight */
    int no_pipeline;           /* since then: one memory packet at a time */
    unsigned char in[8192];
    size_t in_pos, in_len;
    memintro_allocator alloc;
    /* counters */
    uint64_t packets_sent, packets_received, bytes_sent, bytes_received, retransmits;
    char error[MEMINTRO_GDB_MSG_MAX];
} memintro_gdb;

/* Connects to addr ("unix:PATH", "tcp:HOST:PORT", or a path) within options.timeout_ms,
   then: qSupported, QStartNoAckMode when offered, the target description, the vCPU list,
   the stop reason ('?'); resumes the VM when it was running (connecting stops it) unless
   o->keep_stopped. o may be NULL. Returns MEMINTRO_OK; MEMINTRO_E_NOTFOUND (no socket
   there, connection refused), MEMINTRO_E_PERMISSION, MEMINTRO_E_IO (a timeout, a stub that
   does not answer), MEMINTRO_E_FORMAT (replies that are not the protocol),
   MEMINTRO_E_GONE (the stub closed the connection), MEMINTRO_E_INVALID (bad address or
   options). On failure the error says why; close() is still safe. */
MEMINTRO_API memintro_status memintro_gdb_open(memintro_gdb *g, const char *addr, const memintro_gdb_options *o);
/* The same on a socket already connected to a stub (it is closed by close()). */
MEMINTRO_API memintro_status memintro_gdb_open_fd(memintro_gdb *g, int fd, const memintro_gdb_options *o);
/* Removes every breakpoint/watchpoint this object inserted, then detaches ('D', the VM
   resumes) if want_running, else disconnects leaving the VM stopped; frees everything.
   Safe on a failed, closed or zeroed object. */
MEMINTRO_API void memintro_gdb_close(memintro_gdb *g);
/* The last error, one line ("" when none). */
MEMINTRO_API const char *memintro_gdb_error(const memintro_gdb *g);

/* Sends the packet cmd and waits for its reply (held: a running VM is stopped and resumed
   around it). Copies the reply into reply[cap] (NUL-terminated, truncated) when reply is
   not NULL and sets *len to its full length. Returns MEMINTRO_OK (also for "E.." and
   empty replies: look at the text), MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_command(memintro_gdb *g, const char *cmd, char *reply, size_t cap, size_t *len);

/* Stops the VM (\x03, waits for the stop reply) and leaves it stopped (want_running = 0).
   Returns MEMINTRO_OK (also when it was stopped), MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_pause(memintro_gdb *g);
/* Lets the VM run (stepping over a breakpoint it is stopped at), want_running = 1.
   Returns MEMINTRO_OK (also when it was running), MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_resume(memintro_gdb *g);
/* Non-zero when the VM runs as far as this object knows (a pause from elsewhere shows at
   the next call). */
MEMINTRO_API int memintro_gdb_running(const memintro_gdb *g);

/* vCPUs: how many, and the thread id of vCPU cpu (-1 when out of range). */
MEMINTRO_API size_t memintro_gdb_cpu_count(const memintro_gdb *g);
MEMINTRO_API int64_t memintro_gdb_cpu_thread(const memintro_gdb *g, uint32_t cpu);

/* The register named `name` (ASCII case-insensitive; "pc" finds rip on x86, "rip" finds pc
   on AArch64, "eflags"/"rflags", "cpsr"/"pstate" alike), or NULL. */
MEMINTRO_API const memintro_gdb_reg *memintro_gdb_reg_find(const memintro_gdb *g, const char *name);
/* Reads register `name` of vCPU cpu (at most 64 bits: the low 64 of a wider one) (held).
   Returns MEMINTRO_OK; MEMINTRO_E_NOTFOUND (no such register or vCPU), MEMINTRO_E_IO
   (the stub refused: E..), MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_reg_get(memintro_gdb *g, uint32_t cpu, const char *name, uint64_t *value);
/* Writes register `name` of vCPU cpu (held). Returns as reg_get. */
MEMINTRO_API memintro_status memintro_gdb_reg_set(memintro_gdb *g, uint32_t cpu, const char *name, uint64_t value);
/* Every register of vCPU cpu that memintro_cpu has a place for, from one 'g' (and 'p' for
   those outside it) (held). flags say which groups were found. Returns MEMINTRO_OK,
   MEMINTRO_E_NOTFOUND (no such vCPU), MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_regs(memintro_gdb *g, uint32_t cpu, memintro_cpu *out);

/* Reads len bytes at addr: guest-physical when phys (needs Qqemu.PhyMemMode, else
   MEMINTRO_E_UNSUPPORTED), else guest-virtual through vCPU cpu's page tables (held).
   Returns MEMINTRO_OK; MEMINTRO_E_IO when the stub refused a part (that part zeroed; for
   virtual reads an unmapped page), MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_mem_read(memintro_gdb *g, uint32_t cpu, uint64_t addr, void *buf,
                                                   size_t len, int phys);
/* Writes len bytes at addr (as mem_read). */
MEMINTRO_API memintro_status memintro_gdb_mem_write(memintro_gdb *g, uint32_t cpu, uint64_t addr, const void *buf,
                                                    size_t len, int phys);

/* Inserts (Z) or removes (z) a breakpoint/watchpoint of `type` at guest-virtual addr, len
   bytes (kind for breakpoints: 1) (held). Inserted ones are kept and removed by close.
   Returns MEMINTRO_OK; MEMINTRO_E_UNSUPPORTED (empty reply: the stub has no such type),
   MEMINTRO_E_IO (E..), MEMINTRO_E_NOSPACE (MEMINTRO_GDB_BP_MAX reached), MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_insert(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len);
MEMINTRO_API memintro_status memintro_gdb_remove(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len);

/* Single-steps vCPU cpu of a stopped VM (the others stay stopped) and waits for its stop
   reply (*stop may be NULL). Stops a running VM first. QEMU 7.2 under TCG now and then
   reports a step that ran nothing (the same pc and registers): compare and step again
   when that matters (the step over a breakpoint does). Returns MEMINTRO_OK,
   MEMINTRO_E_NOTFOUND (no such vCPU), MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_step(memintro_gdb *g, uint32_t cpu, memintro_gdb_stop *stop);
/* Waits at most timeout_ms (negative: the default timeout) for the next stop reply of a
   running VM. Returns MEMINTRO_OK with *stop (the VM is then stopped); MEMINTRO_E_NOTFOUND
   when none came in time (the VM still runs); MEMINTRO_E_INVALID when the VM is not
   running; MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_wait(memintro_gdb *g, int timeout_ms, memintro_gdb_stop *stop);

/* Event sources. break: execute at guest-virtual addr (a software breakpoint, or a
   hardware one when the stub refuses Z0). watch: type WRITE/READ/ACCESS of [addr,
   addr+len). Sets *id. Returns as memintro_gdb_insert. */
MEMINTRO_API memintro_status memintro_gdb_break(memintro_gdb *g, uint64_t addr, uint32_t *id);
MEMINTRO_API memintro_status memintro_gdb_watch(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr,
                                                uint64_t len, uint32_t *id);
/* Removes the event source id (also between events, with the VM stopped at it). Returns
   MEMINTRO_OK, MEMINTRO_E_NOTFOUND (no such id), or the removal's status. */
MEMINTRO_API memintro_status memintro_gdb_unset(memintro_gdb *g, uint32_t id);
/* Resumes the VM (stepping over the breakpoint it stopped at), waits at most timeout_ms
   for the next stop and fills *ev: a hit of a registered source (id, hits counted), or
   id 0 for another stop (a pause from elsewhere). The VM is left stopped: read its memory
   and registers, then call again (or memintro_gdb_resume). Returns MEMINTRO_OK;
   MEMINTRO_E_NOTFOUND when nothing stopped the VM in time (it keeps running);
   MEMINTRO_E_IO, MEMINTRO_E_GONE. */
MEMINTRO_API memintro_status memintro_gdb_next_event(memintro_gdb *g, int timeout_ms, memintro_gdb_event *ev);
/* The breakpoint/watchpoint with this id, or NULL. */
MEMINTRO_API const memintro_gdb_bp *memintro_gdb_bp_find(const memintro_gdb *g, uint32_t id);

/* Parses a stop reply ("T05thread:01;watch:ffff8880...;", "S05", "W00") into *stop.
   Returns MEMINTRO_OK, MEMINTRO_E_FORMAT when it is not one. */
MEMINTRO_API memintro_status memintro_gdb_parse_stop(const char *text, size_t len, memintro_gdb_stop *stop);
/* "sw", "hw", "write", "read", "access" ("?" otherwise). */
MEMINTRO_API const char *memintro_gdb_bp_type_name(memintro_gdb_bp_type t);
/* "x86_64", "i386", "aarch64", "unknown". */
MEMINTRO_API const char *memintro_gdb_arch_name(memintro_gdb_arch a);

#ifdef MEMINTRO_CONNECTOR_ABI
/* The `gdb:` connector for memintro_target.h's registry (declared only when
   memintro_target.h with the registry was included before this header):
       gdb:unix:PATH|tcp:HOST:PORT[,ram=SIZE][,machine=q35|pc][,timeout=MS][,write][,stopped]
   guest-physical memory through the stub's physical mode, vCPUs from its registers,
   pause/resume through it. The stub does not tell the layout: ram=SIZE (k/M/G) lays it
   out like QEMU's q35 (default) or pc machine, else [0, 4 GiB) is assumed. Register it
   once: memintro_target_register(memintro_gdb_connector()). */
MEMINTRO_API const memintro_connector *memintro_gdb_connector(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MEMINTRO_GDB_H */

/* ======================================================================================= */

#ifdef MEMINTRO_GDB_IMPLEMENTATION
#ifndef MEMINTRO_GDB_IMPLEMENTATION_INCLUDED
#define MEMINTRO_GDB_IMPLEMENTATION_INCLUDED

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MEMINTRO_GDB_MALLOC
#define MEMINTRO_GDB_MALLOC(n, user) ((void)(user), malloc(n))
#endif
#ifndef MEMINTRO_GDB_FREE
#define MEMINTRO_GDB_FREE(p, user) ((void)(user), free(p))
#endif
#ifndef MEMINTRO_GDB_TIMEOUT_MS
#define MEMINTRO_GDB_TIMEOUT_MS 3000
#endif
#ifndef MEMINTRO_GDB_PACKET_MAX
#define MEMINTRO_GDB_PACKET_MAX 65536
#endif
#ifndef MEMINTRO_GDB_REPLY_MAX
#define MEMINTRO_GDB_REPLY_MAX 1048576
#endif
#ifndef MEMINTRO_GDB_XML_MAX
#define MEMINTRO_GDB_XML_MAX 1048576
#endif
#ifndef MEMINTRO_GDB_REG_MAX
#define MEMINTRO_GDB_REG_MAX 2048
#endif
#ifndef MEMINTRO_GDB_CPU_MAX
#define MEMINTRO_GDB_CPU_MAX 256
#endif
#ifndef MEMINTRO_GDB_BP_MAX
#define MEMINTRO_GDB_BP_MAX 64
#endif
#ifndef MEMINTRO_GDB_PIPELINE
#define MEMINTRO_GDB_PIPELINE 16
#endif
#if MEMINTRO_GDB_CPU_MAX > 256 || MEMINTRO_GDB_BP_MAX > 64 || MEMINTRO_GDB_PIPELINE > 16
#error "memintro_gdb.h: MEMINTRO_GDB_CPU_MAX <= 256, MEMINTRO_GDB_BP_MAX <= 64, MEMINTRO_GDB_PIPELINE <= 16"
#endif

#ifdef MSG_NOSIGNAL
#define MEMINTRO__GDB_NOSIG MSG_NOSIGNAL
#else
#define MEMINTRO__GDB_NOSIG 0
#endif

#ifdef MEMINTRO_STATIC
#define MEMINTRO__GDB_DEF static
#else
#define MEMINTRO__GDB_DEF
#endif

/* ---- small helpers --------------------------------------------------------------------- */

static int64_t memintro__gdb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static memintro_status memintro__gdb_fail(memintro_gdb *g, memintro_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->error, sizeof g->error, fmt, ap);
    va_end(ap);
    return s;
}

static memintro_status memintro__gdb_gone(memintro_gdb *g, const char *what)
{
    g->gone = 1;
    g->running = 0;
    return memintro__gdb_fail(g, MEMINTRO_E_GONE, "gdb stub went away (%s)", what);
}

static int memintro__gdb_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char memintro__gdb_hex[] = "0123456789abcdef";

/* Parses hex digits at *p (at most 16); returns the count parsed. */
static int memintro__gdb_parse_hex(const char **p, const char *end, uint64_t *v)
{
    int n = 0;
    *v = 0;
    while (*p < end && n < 16 && memintro__gdb_hexval((unsigned char)**p) >= 0) {
        *v = *v << 4 | (uint64_t)memintro__gdb_hexval((unsigned char)**p);
        (*p)++;
        n++;
    }
    return n;
}

static int memintro__gdb_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
        if (!x) return 1;
    }
}

static void *memintro__gdb_alloc(memintro_gdb *g, size_t n)
{
    if (g->alloc.alloc) return g->alloc.alloc(g->alloc.user, n);
    return MEMINTRO_GDB_MALLOC(n, g->alloc.user);
}

static void memintro__gdb_free(memintro_gdb *g, void *p)
{
    if (!p) return;
    if (g->alloc.free)
        g->alloc.free(g->alloc.user, p);
    else
        MEMINTRO_GDB_FREE(p, g->alloc.user);
}

/* Grows *buf to at least need bytes (doubling, at most max). Returns 0 or -1. */
static int memintro__gdb_reserve(memintro_gdb *g, char **buf, size_t *cap, size_t need, size_t max)
{
    size_t n = *cap ? *cap : 4096;
    char *p;
    if (need <= *cap) return 0;
    if (need > max) return -1;
    while (n < need) n = n * 2 > max ? max : n * 2;
    p = (char *)memintro__gdb_alloc(g, n);
    if (!p) return -1;
    if (*cap) memcpy(p, *buf, *cap);
    memintro__gdb_free(g, *buf);
    *buf = p;
    *cap = n;
    return 0;
}

/* ---- the byte stream ------------------------------------------------------------------- */

static memintro_status memintro__gdb_write_all(memintro_gdb *g, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(g->fd, p, n, MEMINTRO__GDB_NOSIG);
        if (w < 0 && errno == ENOTSOCK) w = write(g->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            g->bytes_sent += (uint64_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf;
            int64_t left = deadline - memintro__gdb_now_ms();
            int r;
            if (left <= 0) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: send timed out after %d ms", g->timeout_ms);
            pf.fd = g->fd;
            pf.events = POLLOUT;
            pf.revents = 0;
            r = poll(&pf, 1, (int)left);
            if (r < 0 && errno != EINTR) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: poll: %s", strerror(errno));
            continue;
        }
        if (w < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)) return memintro__gdb_gone(g, strerror(errno));
        return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: send: %s", w < 0 ? strerror(errno) : "nothing written");
    }
    return MEMINTRO_OK;
}

/* Next byte of the stream, waiting until deadline. Returns MEMINTRO_OK, MEMINTRO_E_IO
   (timeout: *timed_out set) or MEMINTRO_E_GONE. */
static memintro_status memintro__gdb_getc(memintro_gdb *g, int64_t deadline, int *c, int *timed_out)
{
    if (timed_out) *timed_out = 0;
    while (g->in_pos == g->in_len) {
        struct pollfd pf;
        int64_t left = deadline - memintro__gdb_now_ms();
        ssize_t r;
        int pr;
        if (left < 0) left = 0;
        pf.fd = g->fd;
        pf.events = POLLIN;
        pf.revents = 0;
        pr = poll(&pf, 1, (int)left);
        if (pr < 0) {
            if (errno == EINTR) continue;
            return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: poll: %s", strerror(errno));
        }
        if (pr == 0) {
            if (timed_out) *timed_out = 1;
            return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: no reply within %d ms", g->timeout_ms);
        }
        r = read(g->fd, g->in, sizeof g->in);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (r == 0) return memintro__gdb_gone(g, "connection closed");
        if (r < 0) {
            if (errno == ECONNRESET || errno == EPIPE) return memintro__gdb_gone(g, strerror(errno));
            return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: read: %s", strerror(errno));
        }
        g->in_pos = 0;
        g->in_len = (size_t)r;
        g->bytes_received += (uint64_t)r;
    }
    *c = g->in[g->in_pos++];
    return MEMINTRO_OK;
}

/* ---- packets --------------------------------------------------------------------------- */

/* Appends one framed packet of payload[n] to g->out (escaping $ # } *) and records it as
   waiting for its ack. */
static memintro_status memintro__gdb_frame(memintro_gdb *g, const char *payload, size_t n)
{
    size_t i, start = g->out_len;
    unsigned sum = 0;
    if (g->sent_n >= 16) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: too many packets in flight");
    if (memintro__gdb_reserve(g, &g->out, &g->out_cap, g->out_len + 2 * n + 4, 2 * (size_t)MEMINTRO_GDB_PACKET_MAX * 16 + 64))
        return memintro__gdb_fail(g, MEMINTRO_E_NOSPACE, "gdb: out of memory for a packet");
    g->out[g->out_len++] = '$';
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)payload[i];
        if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
            g->out[g->out_len++] = '}';
            sum += '}';
            ch ^= 0x20;
        }
        g->out[g->out_len++] = (char)ch;
        sum += ch;
    }
    g->out[g->out_len++] = '#';
    g->out[g->out_len++] = memintro__gdb_hex[(sum >> 4) & 15];
    g->out[g->out_len++] = memintro__gdb_hex[sum & 15];
    g->sent_off[g->sent_n] = start;
    g->sent_len[g->sent_n] = g->out_len - start;
    g->sent_n++;
    g->packets_sent++;
    return MEMINTRO_OK;
}

static void memintro__gdb_out_reset(memintro_gdb *g)
{
    g->out_len = 0;
    g->sent_n = 0;
    g->sent_acked = 0;
}

/* Reads one packet into g->reply (decoded: escapes and run-length encoding undone),
   handling acks: '+' acknowledges our oldest unacknowledged packet, '-' asks for it again.
   A packet with a bad checksum is nacked (ack mode) or an error (no-ack mode). */
static memintro_status memintro__gdb_get_packet(memintro_gdb *g, int64_t deadline, int *timed_out)
{
    int c, tries = 0;
    memintro_status s;
    for (;;) {
        unsigned sum = 0, want;
        int h1, h2, esc = 0, overflow = 0;
        size_t n = 0, raw = 0;
        int prev = -1;
        /* find '$' */
        for (;;) {
            if ((s = memintro__gdb_getc(g, deadline, &c, timed_out)) != MEMINTRO_OK) return s;
            if (c == '$') break;
            if (c == '+') {
                if (g->sent_acked < g->sent_n) g->sent_acked++;
            } else if (c == '-' && !g->noack) {
                size_t k = g->sent_acked < g->sent_n ? g->sent_acked : (g->sent_n ? g->sent_n - 1 : 0);
                if (g->sent_n > 1) {
                    /* in a pipeline a retransmission would reorder the replies */
                    g->pipe_broken = 1;
                } else if (g->sent_n) {
                    if (++tries > 8) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: packet refused 8 times (bad checksum?)");
                    g->retransmits++;
                    if ((s = memintro__gdb_write_all(g, g->out + g->sent_off[k], g->sent_len[k], deadline)) != MEMINTRO_OK)
                        return s;
                }
            }
            /* anything else between packets is ignored */
        }
        if (memintro__gdb_reserve(g, &g->reply, &g->reply_cap, 4096, MEMINTRO_GDB_REPLY_MAX + 1))
            return memintro__gdb_fail(g, MEMINTRO_E_NOSPACE, "gdb: out of memory for a reply");
        for (;;) {
            if ((s = memintro__gdb_getc(g, deadline, &c, timed_out)) != MEMINTRO_OK) return s;
            if (c == '#' && !esc) break;
            if (c == '$' && !esc) { /* a new packet started: the old one was cut */
                n = 0;
                sum = 0;
                prev = -1;
                continue;
            }
            if (++raw > (size_t)MEMINTRO_GDB_REPLY_MAX * 2) overflow = 1;
            sum += (unsigned)c;
            if (esc) {
                esc = 0;
                c ^= 0x20;
            } else if (c == '}') {
                esc = 1;
                continue;
            } else if (c == '*' && prev >= 0) {
                /* run length: the next byte is count + 29 repeats of the previous byte */
                int r;
                if ((s = memintro__gdb_getc(g, deadline, &r, timed_out)) != MEMINTRO_OK) return s;
                sum += (unsigned)r;
                r -= 29;
                if (r < 0) r = 0; /* malformed: ignore */
                while (r-- > 0) {
                    if (n + 1 >= g->reply_cap &&
                        memintro__gdb_reserve(g, &g->reply, &g->reply_cap, n + 2, MEMINTRO_GDB_REPLY_MAX + 1)) {
                        overflow = 1;
                        break;
                    }
                    g->reply[n++] = (char)prev;
                }
                continue;
            }
            if (n + 1 >= g->reply_cap && memintro__gdb_reserve(g, &g->reply, &g->reply_cap, n + 2, MEMINTRO_GDB_REPLY_MAX + 1)) {
                overflow = 1;
                continue;
            }
            g->reply[n++] = (char)c;
            prev = c;
        }
        if ((s = memintro__gdb_getc(g, deadline, &h1, timed_out)) != MEMINTRO_OK) return s;
        if ((s = memintro__gdb_getc(g, deadline, &h2, timed_out)) != MEMINTRO_OK) return s;
        g->reply[n] = 0;
        g->reply_len = n;
        want = (unsigned)(memintro__gdb_hexval(h1) << 4 | memintro__gdb_hexval(h2));
        if (memintro__gdb_hexval(h1) < 0 || memintro__gdb_hexval(h2) < 0 || want != (sum & 0xff)) {
            if (g->noack) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: reply with a bad checksum");
            if (g->sent_n > 1) {
                g->pipe_broken = 1; /* the stub would resend its latest reply, not this one */
                return memintro__gdb_fail(g, MEMINTRO_E_LIMIT, "gdb stub: bad checksum in a pipeline");
            }
            if (++tries > 8) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: 8 replies with bad checksums");
            if ((s = memintro__gdb_write_all(g, "-", 1, deadline)) != MEMINTRO_OK) return s;
            continue;
        }
        if (!g->noack && (s = memintro__gdb_write_all(g, "+", 1, deadline)) != MEMINTRO_OK) return s;
        g->packets_received++;
        if (overflow) return memintro__gdb_fail(g, MEMINTRO_E_LIMIT, "gdb stub: reply longer than %u bytes", (unsigned)MEMINTRO_GDB_REPLY_MAX);
        return MEMINTRO_OK;
    }
}

static int memintro__gdb_is_stop(const char *r, size_t n)
{
    if (n >= 3 && (r[0] == 'T' || r[0] == 'S' || r[0] == 'W' || r[0] == 'X') && memintro__gdb_hexval((unsigned char)r[1]) >= 0 &&
        memintro__gdb_hexval((unsigned char)r[2]) >= 0)
        return 1;
    return 0;
}

static void memintro__gdb_note_stop(memintro_gdb *g)
{
    memintro_gdb_stop st;
    if (memintro_gdb_parse_stop(g->reply, g->reply_len, &st) == MEMINTRO_OK) {
        g->last = st;
        g->running = 0;
        /* a debug stop (breakpoint, watchpoint, step) selects its vCPU for g/p/m (QEMU's
           gdb_set_stop_cpu; checked on a 2-vCPU guest): no Hg needed after it */
        if (st.signal == 5 && st.thread > 0 && st.kind != MEMINTRO_GDB_STOP_EXITED) g->g_thread = st.thread;
        if (st.kind == MEMINTRO_GDB_STOP_EXITED) g->gone = 1;
    }
}

/* Reads the reply to a request: stop replies that arrive first (the VM stopped by
   someone, or our connect) are noted and skipped. */
static memintro_status memintro__gdb_reply(memintro_gdb *g, int64_t deadline)
{
    memintro_status s;
    int guard = 0;
    for (;;) {
        if ((s = memintro__gdb_get_packet(g, deadline, NULL)) != MEMINTRO_OK) return s;
        if (memintro__gdb_is_stop(g->reply, g->reply_len) && ++guard < 64) {
            memintro__gdb_note_stop(g);
            if (g->gone) return memintro__gdb_gone(g, "the target exited");
            continue;
        }
        return MEMINTRO_OK;
    }
}

/* Sends one packet (not held) and reads its reply into g->reply. */
static memintro_status memintro__gdb_xfer(memintro_gdb *g, const char *cmd, size_t n)
{
    int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
    memintro_status s;
    if (g->fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: not connected");
    if (g->gone) return memintro__gdb_fail(g, MEMINTRO_E_GONE, "gdb stub went away");
    memintro__gdb_out_reset(g);
    if ((s = memintro__gdb_frame(g, cmd, n)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
    return memintro__gdb_reply(g, deadline);
}

static memintro_status memintro__gdb_xfers(memintro_gdb *g, const char *cmd)
{
    return memintro__gdb_xfer(g, cmd, strlen(cmd));
}

/* Waits for a stop reply until deadline. */
static memintro_status memintro__gdb_wait_stop(memintro_gdb *g, int64_t deadline, int *timed_out)
{
    memintro_status s;
    for (;;) {
        if ((s = memintro__gdb_get_packet(g, deadline, timed_out)) != MEMINTRO_OK) return s;
        if (memintro__gdb_is_stop(g->reply, g->reply_len)) {
            memintro__gdb_note_stop(g);
            if (g->gone) return memintro__gdb_gone(g, "the target exited");
            return MEMINTRO_OK;
        }
        /* a stray reply (e.g. to a request that timed out earlier): skip it */
    }
}

static memintro_status memintro__gdb_stop_vm(memintro_gdb *g)
{
    memintro_status s;
    int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
    if (!g->running) return MEMINTRO_OK;
    memintro__gdb_out_reset(g);
    if ((s = memintro__gdb_write_all(g, "\003", 1, deadline)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_wait_stop(g, deadline, NULL)) != MEMINTRO_OK) return s;
    g->running = 0;
    return MEMINTRO_OK;
}

static memintro_status memintro__gdb_cont(memintro_gdb *g);
typedef struct memintro__gdb_req memintro__gdb_req;
static memintro_status memintro__gdb_batch(memintro_gdb *g, memintro_op *ops, size_t count, int phys, int write);
static int memintro__gdb_bp_slot(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len);

/* Held calls: stop a running VM, remember to resume it. */
static memintro_status memintro__gdb_hold(memintro_gdb *g, int *was)
{
    *was = g->running;
    if (g->fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: not connected");
    if (g->gone) return memintro__gdb_fail(g, MEMINTRO_E_GONE, "gdb stub went away");
    return memintro__gdb_stop_vm(g);
}

static memintro_status memintro__gdb_unhold(memintro_gdb *g, int was, memintro_status s)
{
    memintro_status r;
    if (!was || g->gone) return s;
    r = memintro__gdb_cont(g);
    return s != MEMINTRO_OK ? s : r;
}

/* Checks that g->reply is "OK". */
static memintro_status memintro__gdb_ok(memintro_gdb *g, const char *what)
{
    if (g->reply_len == 2 && g->reply[0] == 'O' && g->reply[1] == 'K') return MEMINTRO_OK;
    if (g->reply_len == 0) return memintro__gdb_fail(g, MEMINTRO_E_UNSUPPORTED, "gdb stub: %s: not supported", what);
    return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: %s: %.40s", what, g->reply);
}

/* ---- stop replies ---------------------------------------------------------------------- */

MEMINTRO__GDB_DEF memintro_status memintro_gdb_parse_stop(const char *text, size_t len, memintro_gdb_stop *st)
{
    const char *p = text, *end = text + len;
    uint64_t v;
    memset(st, 0, sizeof *st);
    st->thread = -1;
    if (!text || len < 3 || !memintro__gdb_is_stop(text, len)) return MEMINTRO_E_FORMAT;
    st->signal = (uint32_t)(memintro__gdb_hexval((unsigned char)p[1]) << 4 | memintro__gdb_hexval((unsigned char)p[2]));
    if (p[0] == 'W' || p[0] == 'X') {
        st->kind = MEMINTRO_GDB_STOP_EXITED;
        return MEMINTRO_OK;
    }
    st->kind = MEMINTRO_GDB_STOP_SIGNAL;
    if (p[0] == 'S') return MEMINTRO_OK;
    p += 3;
    while (p < end) {
        const char *k = p, *colon, *semi;
        size_t kl;
        while (p < end && *p != ':' && *p != ';') p++;
        colon = p;
        kl = (size_t)(colon - k);
        if (p < end && *p == ':') p++;
        semi = p;
        while (semi < end && *semi != ';') semi++;
        if (kl == 6 && !memcmp(k, "thread", 6)) {
            const char *q = p;
            if (q < end && *q == 'p') { /* pPID.TID */
                while (q < semi && *q != '.') q++;
                if (q < semi) q++;
                else q = p + 1;
            }
            if (q < semi && *q == '-') st->thread = -1;
            else if (memintro__gdb_parse_hex(&q, semi, &v) > 0) st->thread = (int64_t)v;
        } else if ((kl == 5 && !memcmp(k, "watch", 5)) || (kl == 6 && !memcmp(k, "rwatch", 6)) ||
                   (kl == 6 && !memcmp(k, "awatch", 6))) {
            const char *q = p;
            st->kind = k[0] == 'w' ? MEMINTRO_GDB_STOP_WATCH : k[0] == 'r' ? MEMINTRO_GDB_STOP_RWATCH : MEMINTRO_GDB_STOP_AWATCH;
            memintro__gdb_parse_hex(&q, semi, &v);
            st->addr = v;
        } else if (kl == 7 && !memcmp(k, "swbreak", 7)) {
            st->swbreak = 1;
        } else if (kl == 7 && !memcmp(k, "hwbreak", 7)) {
            st->hwbreak = 1;
        }
        p = semi < end ? semi + 1 : end;
    }
    return MEMINTRO_OK;
}

MEMINTRO__GDB_DEF const char *memintro_gdb_bp_type_name(memintro_gdb_bp_type t)
{
    switch (t) {
    case MEMINTRO_GDB_BP_SW: return "sw";
    case MEMINTRO_GDB_BP_HW: return "hw";
    case MEMINTRO_GDB_WATCH_WRITE: return "write";
    case MEMINTRO_GDB_WATCH_READ: return "read";
    case MEMINTRO_GDB_WATCH_ACCESS: return "access";
    default: return "?";
    }
}

MEMINTRO__GDB_DEF const char *memintro_gdb_arch_name(memintro_gdb_arch a)
{
    switch (a) {
    case MEMINTRO_GDB_ARCH_X86_64: return "x86_64";
    case MEMINTRO_GDB_ARCH_I386: return "i386";
    case MEMINTRO_GDB_ARCH_AARCH64: return "aarch64";
    default: return "unknown";
    }
}

/* ---- the target description ------------------------------------------------------------ */

typedef struct memintro__gdb_xml {
    char *doc;        /* every file fetched, one after another */
    size_t len, cap;
    uint32_t next_regnum;
    int files;
} memintro__gdb_xml;

/* Fetches annex `name` with qXfer:features:read into x->doc (appended). Sets *start, *len. */
static memintro_status memintro__gdb_fetch_xml(memintro_gdb *g, memintro__gdb_xml *x, const char *name, size_t *start,
                                               size_t *flen)
{
    char cmd[200];
    size_t off = 0, chunk = g->packet_size > 64 ? g->packet_size - 32 : 32;
    memintro_status s;
    int guard = 0;
    *start = x->len;
    if (strlen(name) > 120) return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: target description names a file '%.40s...'", name);
    for (;;) {
        snprintf(cmd, sizeof cmd, "qXfer:features:read:%s:%lx,%lx", name, (unsigned long)off, (unsigned long)chunk);
        if ((s = memintro__gdb_xfers(g, cmd)) != MEMINTRO_OK) return s;
        if (g->reply_len == 0) return memintro__gdb_fail(g, MEMINTRO_E_UNSUPPORTED, "gdb stub: no target description (qXfer:features:read)");
        if (g->reply[0] == 'E') return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: target description file %s: %s", name, g->reply);
        if (g->reply[0] != 'm' && g->reply[0] != 'l') return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: qXfer reply '%.20s'", g->reply);
        if (memintro__gdb_reserve(g, &x->doc, &x->cap, x->len + g->reply_len + 1, MEMINTRO_GDB_XML_MAX + 1))
            return memintro__gdb_fail(g, MEMINTRO_E_LIMIT, "gdb stub: target description larger than %u bytes", (unsigned)MEMINTRO_GDB_XML_MAX);
        memcpy(x->doc + x->len, g->reply + 1, g->reply_len - 1);
        x->len += g->reply_len - 1;
        x->doc[x->len] = 0;
        off += g->reply_len - 1;
        if (g->reply[0] == 'l') break;
        if (g->reply_len == 1 || ++guard > 100000) return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: qXfer made no progress");
    }
    *flen = x->len - *start;
    return MEMINTRO_OK;
}

/* Attribute `name` of the tag in [t, e): copies its value to out[cap]. Returns 1 if found. */
static int memintro__gdb_attr(const char *t, const char *e, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = t;
    while (p + nl + 2 < e) {
        if ((p == t || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r') && !memcmp(p, name, nl) &&
            p[nl] == '=' && (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
            char q = p[nl + 1];
            const char *v = p + nl + 2;
            size_t n = 0;
            while (v < e && *v != q) {
                if (n + 1 < cap) out[n++] = *v;
                v++;
            }
            out[n] = 0;
            return 1;
        }
        p++;
    }
    return 0;
}

static memintro_status memintro__gdb_parse_xml(memintro_gdb *g, memintro__gdb_xml *x, size_t start, size_t len, int depth)
{
    size_t i = start, end = start + len;
    memintro_status s;
    char val[160];
    while (i < end) {
        const char *d;
        size_t te;
        if (x->doc[i] != '<') {
            i++;
            continue;
        }
        d = x->doc + i;
        if (end - i >= 4 && !memcmp(d, "<!--", 4)) {
            const char *c = strstr(d + 4, "-->");
            i = c && (size_t)(c - x->doc) < end ? (size_t)(c - x->doc) + 3 : end;
            continue;
        }
        te = i;
        while (te < end && x->doc[te] != '>') te++;
        if (te >= end) break;
        if (end - i >= 13 && !memcmp(d, "<architecture", 13)) {
            size_t k = te + 1, n = 0;
            while (k < end && x->doc[k] != '<' && n + 1 < sizeof g->arch_text) g->arch_text[n++] = x->doc[k++];
            g->arch_text[n] = 0;
            if (strstr(g->arch_text, "x86-64")) g->arch = MEMINTRO_GDB_ARCH_X86_64;
            else if (strstr(g->arch_text, "aarch64")) g->arch = MEMINTRO_GDB_ARCH_AARCH64;
            else if (strstr(g->arch_text, "i386")) g->arch = MEMINTRO_GDB_ARCH_I386;
        } else if (end - i >= 11 && !memcmp(d, "<xi:include", 11)) {
            size_t fs, fl;
            if (memintro__gdb_attr(d, x->doc + te, "href", val, sizeof val)) {
                if (depth >= 4 || ++x->files > 64)
                    return memintro__gdb_fail(g, MEMINTRO_E_LIMIT, "gdb stub: target description includes too many files");
                /* x->doc may move: keep offsets only */
                if ((s = memintro__gdb_fetch_xml(g, x, val, &fs, &fl)) != MEMINTRO_OK) return s;
                if ((s = memintro__gdb_parse_xml(g, x, fs, fl, depth + 1)) != MEMINTRO_OK) return s;
            }
        } else if (end - i >= 5 && !memcmp(d, "<reg", 4) && (d[4] == ' ' || d[4] == '\t' || d[4] == '\n')) {
            memintro_gdb_reg *r;
            char num[32];
            if (g->nregs >= MEMINTRO_GDB_REG_MAX) return memintro__gdb_fail(g, MEMINTRO_E_LIMIT, "gdb stub: more than %u registers", (unsigned)MEMINTRO_GDB_REG_MAX);
            r = &g->regs[g->nregs];
            memset(r, 0, sizeof *r);
            if (!memintro__gdb_attr(d, x->doc + te, "name", r->name, sizeof r->name))
                return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: a <reg> without a name");
            if (!memintro__gdb_attr(d, x->doc + te, "bitsize", num, sizeof num))
                return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: register %s without a bitsize", r->name);
            r->bitsize = (uint32_t)strtoul(num, 0, 10);
            if (r->bitsize == 0 || r->bitsize > 4096 || r->bitsize % 8)
                return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: register %s has bitsize %s", r->name, num);
            if (memintro__gdb_attr(d, x->doc + te, "regnum", num, sizeof num)) x->next_regnum = (uint32_t)strtoul(num, 0, 10);
            r->regnum = x->next_regnum++;
            r->g_offset = UINT32_MAX;
            g->nregs++;
        }
        i = te + 1;
    }
    return MEMINTRO_OK;
}

static int memintro__gdb_reg_cmp(const memintro_gdb_reg *a, const memintro_gdb_reg *b)
{
    return a->regnum < b->regnum ? -1 : a->regnum > b->regnum;
}

static memintro_status memintro__gdb_description(memintro_gdb *g)
{
    memintro__gdb_xml x;
    size_t fs, fl, i, j;
    memintro_status s;
    memset(&x, 0, sizeof x);
    g->regs = (memintro_gdb_reg *)memintro__gdb_alloc(g, sizeof(memintro_gdb_reg) * MEMINTRO_GDB_REG_MAX);
    if (!g->regs) return memintro__gdb_fail(g, MEMINTRO_E_NOSPACE, "gdb: out of memory for registers");
    s = memintro__gdb_fetch_xml(g, &x, "target.xml", &fs, &fl);
    if (s == MEMINTRO_OK) s = memintro__gdb_parse_xml(g, &x, fs, fl, 0);
    memintro__gdb_free(g, x.doc);
    if (s != MEMINTRO_OK) return s;
    /* sort by regnum (insertion sort: the XML is nearly in order) */
    for (i = 1; i < g->nregs; i++) {
        memintro_gdb_reg r = g->regs[i];
        for (j = i; j > 0 && memintro__gdb_reg_cmp(&g->regs[j - 1], &r) > 0; j--) g->regs[j] = g->regs[j - 1];
        g->regs[j] = r;
    }
    for (i = 1; i < g->nregs; i++)
        if (g->regs[i].regnum == g->regs[i - 1].regnum)
            return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: registers %s and %s share number %u", g->regs[i - 1].name,
                                      g->regs[i].name, g->regs[i].regnum);
    return MEMINTRO_OK;
}

/* Sets g_offset of the registers the 'g' reply holds (numbers 0, 1, ... contiguous, in
   the reply's byte count). */
static void memintro__gdb_g_layout(memintro_gdb *g, size_t gbytes)
{
    size_t i, off = 0;
    g->g_size = gbytes;
    for (i = 0; i < g->nregs; i++) {
        if (g->regs[i].regnum != i || off + g->regs[i].bitsize / 8 > gbytes) break;
        g->regs[i].g_offset = (uint32_t)off;
        off += g->regs[i].bitsize / 8;
    }
    for (; i < g->nregs; i++) g->regs[i].g_offset = UINT32_MAX;
}

/* ---- connecting ------------------------------------------------------------------------ */

static memintro_status memintro__gdb_threads(memintro_gdb *g)
{
    memintro_status s;
    const char *cmd = "qfThreadInfo";
    int guard = 0;
    g->nthreads = 0;
    for (;;) {
        const char *p, *end;
        if ((s = memintro__gdb_xfers(g, cmd)) != MEMINTRO_OK) return s;
        if (g->reply_len == 0) break; /* not supported: one CPU, thread 1 below */
        if (g->reply[0] == 'l') break;
        if (g->reply[0] != 'm') return memintro__gdb_fail(g, MEMINTRO_E_FORMAT, "gdb stub: thread list reply '%.20s'", g->reply);
        p = g->reply + 1;
        end = g->reply + g->reply_len;
        while (p < end) {
            uint64_t v;
            if (*p == 'p') { /* pPID.TID */
                while (p < end && *p != '.' && *p != ',') p++;
                if (p < end && *p == '.') p++;
            }
            if (memintro__gdb_parse_hex(&p, end, &v) > 0 && g->nthreads < MEMINTRO_GDB_CPU_MAX) g->threads[g->nthreads++] = (int64_t)v;
            while (p < end && *p != ',') p++;
            if (p < end) p++;
        }
        cmd = "qsThreadInfo";
        if (++guard > 4096) break;
    }
    if (g->nthreads == 0) g->threads[g->nthreads++] = 1;
    return MEMINTRO_OK;
}

static void memintro__gdb_init(memintro_gdb *g, const memintro_gdb_options *o);

static memintro_status memintro__gdb_handshake(memintro_gdb *g, const memintro_gdb_options *o)
{
    memintro_status s;
    const char *p;
    char *stub;
    int noack = 0;
    size_t ps = 0;
    int64_t deadline;
    /* qSupported: what the stub offers */
    if ((s = memintro__gdb_xfers(g, "qSupported:xmlRegisters=i386,arm;vContSupported+;swbreak+;hwbreak+")) != MEMINTRO_OK) {
        if (s == MEMINTRO_E_IO) return memintro__gdb_fail(g, s, "gdb stub: no reply to qSupported within %d ms (not a gdbstub?)", g->timeout_ms);
        return s;
    }
    stub = g->reply;
    for (p = stub; *p;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 11 && !memcmp(p, "PacketSize=", 11)) {
            const char *q = p + 11;
            uint64_t v;
            if (memintro__gdb_parse_hex(&q, p + n, &v) > 0) ps = v > 0xffffffffu ? 0xffffffffu : (size_t)v;
        } else if (n == 16 && !memcmp(p, "QStartNoAckMode+", 16)) {
            noack = 1;
        } else if (n == 15 && !memcmp(p, "vContSupported+", 15)) {
            g->has_vcont = 1;
        }
        p += n;
        if (*p == ';') p++;
    }
    if (!ps) ps = 4096;
    if (o && o->packet_size) ps = o->packet_size < ps ? o->packet_size : ps;
    if (ps > MEMINTRO_GDB_PACKET_MAX) ps = MEMINTRO_GDB_PACKET_MAX;
    if (ps < 64) ps = 64;
    g->packet_size = (uint32_t)ps;
    if (noack && !(o && o->keep_acks)) {
        if ((s = memintro__gdb_xfers(g, "QStartNoAckMode")) != MEMINTRO_OK) return s;
        if (g->reply_len == 2 && !memcmp(g->reply, "OK", 2)) g->noack = 1;
    }
    if ((s = memintro__gdb_description(g)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_threads(g)) != MEMINTRO_OK) return s;
    /* the stop reason: also tells a stopped VM from one that did not stop (no reply) */
    deadline = memintro__gdb_now_ms() + g->timeout_ms;
    memintro__gdb_out_reset(g);
    if ((s = memintro__gdb_frame(g, "?", 1)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_wait_stop(g, deadline, NULL)) != MEMINTRO_OK) return s;
    /* QEMU's physical-memory mode (a global of the stub: set it to what we expect) */
    if ((s = memintro__gdb_xfers(g, "qqemu.PhyMemMode")) != MEMINTRO_OK) return s;
    if (g->reply_len == 1 && (g->reply[0] == '0' || g->reply[0] == '1')) {
        g->has_phys_mode = 1;
        g->phys_mode = g->reply[0] - '0';
    } else {
        g->phys_mode = -2;
    }
    return MEMINTRO_OK;
}

static void memintro__gdb_init(memintro_gdb *g, const memintro_gdb_options *o)
{
    memset(g, 0, sizeof *g);
    g->fd = -1;
    g->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : MEMINTRO_GDB_TIMEOUT_MS;
    g->phys_mode = -1;
    if (o) g->alloc = o->allocator;
    g->write = o && o->write;
    g->packet_size = 4096;
}

static memintro_status memintro__gdb_phys_read(memintro_phys *self, memintro_op *ops, size_t count);
static memintro_status memintro__gdb_phys_write(memintro_phys *self, memintro_op *ops, size_t count);

MEMINTRO__GDB_DEF memintro_status memintro_gdb_open_fd(memintro_gdb *g, int fd, const memintro_gdb_options *o)
{
    memintro_status s;
    int fl;
    if (!g) return MEMINTRO_E_INVALID;
    memintro__gdb_init(g, o);
    if (o && (!o->allocator.alloc) != (!o->allocator.free))
        return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: allocator needs both alloc and free");
    if (fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: no socket");
    g->fd = fd;
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    g->phys.read = memintro__gdb_phys_read;
    g->phys.write = g->write ? memintro__gdb_phys_write : 0;
    g->next_id = 1;
    /* Connecting stops a running QEMU: it says so with a stop reply before anything else.
       Give it a moment to arrive; a VM that was already stopped sends nothing. */
    {
        struct pollfd pf;
        pf.fd = fd;
        pf.events = POLLIN;
        pf.revents = 0;
        if (poll(&pf, 1, 50) > 0) {
            int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
            int c;
            /* only a '$' packet or an ack may be there */
            if (g->in_pos < g->in_len || (pf.revents & POLLIN)) {
                if (memintro__gdb_getc(g, deadline, &c, NULL) == MEMINTRO_OK) {
                    g->in_pos--; /* peeked */
                    if (c == '$' && memintro__gdb_get_packet(g, deadline, NULL) == MEMINTRO_OK &&
                        memintro__gdb_is_stop(g->reply, g->reply_len)) {
                        memintro__gdb_note_stop(g);
                        g->was_running = 1;
                    }
                }
            }
        }
    }
    if (g->gone) return memintro__gdb_gone(g, "connection closed at once");
    s = memintro__gdb_handshake(g, o);
    if (s != MEMINTRO_OK) return s;
    g->running = 0;
    g->want_running = g->was_running;
    if (g->was_running && !(o && o->keep_stopped)) {
        if ((s = memintro__gdb_cont(g)) != MEMINTRO_OK) return s;
    } else if (o && o->keep_stopped) {
        g->want_running = 0;
    }
    return MEMINTRO_OK;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_open(memintro_gdb *g, const char *addr, const memintro_gdb_options *o)
{
    int fd = -1, r, timeout;
    int64_t deadline;
    const char *path = 0;
    char host[256], port[32];
    struct addrinfo hints, *res = 0, *ai;
    if (!g) return MEMINTRO_E_INVALID;
    memintro__gdb_init(g, o);
    timeout = g->timeout_ms;
    if (!addr || !*addr) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: no address (unix:PATH or tcp:HOST:PORT)");
    deadline = memintro__gdb_now_ms() + timeout;
    if (!strncmp(addr, "unix:", 5)) path = addr + 5;
    else if (strncmp(addr, "tcp:", 4)) path = addr;
    if (path) {
        struct sockaddr_un sun;
        if (strlen(path) >= sizeof sun.sun_path) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: socket path too long: %s", path);
        memset(&sun, 0, sizeof sun);
        sun.sun_family = AF_UNIX;
        memcpy(sun.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb: socket: %s", strerror(errno));
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
        if (r < 0 && errno != EINPROGRESS && errno != EAGAIN) {
            int e = errno;
            close(fd);
            return memintro__gdb_fail(g, e == EACCES || e == EPERM ? MEMINTRO_E_PERMISSION : e == ENOENT || e == ECONNREFUSED ? MEMINTRO_E_NOTFOUND : MEMINTRO_E_IO,
                                      "gdb: connect %s: %s", path, strerror(e));
        }
    } else {
        const char *hp = addr + 4, *colon = strrchr(hp, ':');
        size_t hl;
        if (!colon) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: tcp:HOST:PORT expected, not %s", addr);
        hl = (size_t)(colon - hp);
        if (hl >= sizeof host || strlen(colon + 1) >= sizeof port || !colon[1])
            return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: bad address %s", addr);
        memcpy(host, hp, hl);
        host[hl] = 0;
        if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* [v6] */
            memmove(host, host + 1, hl - 2);
            host[hl - 2] = 0;
        }
        strcpy(port, colon + 1);
        memset(&hints, 0, sizeof hints);
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host[0] ? host : "localhost", port, &hints, &res) != 0 || !res)
            return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: cannot resolve %s", addr);
        for (ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
            if (fd < 0) continue;
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            r = connect(fd, ai->ai_addr, ai->ai_addrlen);
            if (r == 0 || errno == EINPROGRESS) break;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: connect %s: %s", addr, strerror(errno));
        r = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof r);
    }
    /* wait for the connection within the deadline */
    for (;;) {
        struct pollfd pf;
        int64_t left = deadline - memintro__gdb_now_ms();
        int err = 0;
        socklen_t el = sizeof err;
        if (left < 0) left = 0;
        pf.fd = fd;
        pf.events = POLLOUT;
        pf.revents = 0;
        r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            close(fd);
            return memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb: connect %s: no answer within %d ms", addr, timeout);
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err) {
            close(fd);
            return memintro__gdb_fail(g, err == ECONNREFUSED ? MEMINTRO_E_NOTFOUND : MEMINTRO_E_IO, "gdb: connect %s: %s", addr, strerror(err));
        }
        break;
    }
    {
        memintro_status s = memintro_gdb_open_fd(g, fd, o);
        if (s != MEMINTRO_OK) {
            char msg[MEMINTRO_GDB_MSG_MAX];
            size_t al = strlen(addr) > 200 ? 200 : strlen(addr), el = strlen(g->error);
            if (el > sizeof msg - al - 3) el = sizeof msg - al - 3;
            memcpy(msg, addr, al);
            memcpy(msg + al, ": ", 2);
            memcpy(msg + al + 2, g->error, el);
            msg[al + 2 + el] = 0;
            memcpy(g->error, msg, sizeof msg);
        }
        return s;
    }
}

/* ---- run control ----------------------------------------------------------------------- */

static memintro_status memintro__gdb_select(memintro_gdb *g, uint32_t cpu)
{
    char cmd[40];
    memintro_status s;
    if (cpu >= g->nthreads) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no vCPU %u (%u known)", cpu, (unsigned)g->nthreads);
    if (g->g_thread == g->threads[cpu]) return MEMINTRO_OK;
    snprintf(cmd, sizeof cmd, "Hg%llx", (unsigned long long)g->threads[cpu]);
    if ((s = memintro__gdb_xfers(g, cmd)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_ok(g, "Hg")) != MEMINTRO_OK) return s;
    g->g_thread = g->threads[cpu];
    return MEMINTRO_OK;
}

static int memintro__gdb_cpu_of(const memintro_gdb *g, int64_t thread)
{
    size_t i;
    for (i = 0; i < g->nthreads; i++)
        if (g->threads[i] == thread) return (int)i;
    return -1;
}

/* Single-steps thread t of a stopped VM; waits for the stop. */
static memintro_status memintro__gdb_step_thread(memintro_gdb *g, int64_t t)
{
    char cmd[48];
    memintro_status s;
    int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
    if (g->has_vcont) {
        snprintf(cmd, sizeof cmd, "vCont;s:%llx", (unsigned long long)t);
    } else {
        snprintf(cmd, sizeof cmd, "Hc%llx", (unsigned long long)t);
        if ((s = memintro__gdb_xfers(g, cmd)) != MEMINTRO_OK) return s;
        snprintf(cmd, sizeof cmd, "s");
    }
    memintro__gdb_out_reset(g);
    if ((s = memintro__gdb_frame(g, cmd, strlen(cmd))) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
    g->running = 1;
    g->g_thread = 0; /* QEMU may change the selected CPU at a stop */
    return memintro__gdb_wait_stop(g, deadline, NULL);
}

static memintro_status memintro__gdb_insert_raw(memintro_gdb *g, int insert, memintro_gdb_bp_type type, uint64_t addr, uint64_t len)
{
    char cmd[80];
    snprintf(cmd, sizeof cmd, "%c%d,%llx,%llx", insert ? 'Z' : 'z', (int)type, (unsigned long long)addr, (unsigned long long)len);
    {
        memintro_status s = memintro__gdb_xfers(g, cmd);
        if (s != MEMINTRO_OK) return s;
    }
    return memintro__gdb_ok(g, cmd);
}

/* Length of the instruction when it is a pure no-op (so stepping over it is setting the
   program counter past it), else 0: x86-64 endbr64 (QEMU does not track indirect-branch
   targets) and the NOPs (Linux's ftrace site at each function's entry, nopl 0x0(%rax,%rax,1));
   AArch64 NOP and BTI. */
static size_t memintro__gdb_nop_len(memintro_gdb *g, const unsigned char *b)
{
    if (g->arch == MEMINTRO_GDB_ARCH_AARCH64) {
        uint32_t i = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        return i == 0xd503201fu || (i & 0xffffff3fu) == 0xd503241fu ? 4 : 0;
    }
    if (g->arch != MEMINTRO_GDB_ARCH_X86_64) return 0;
    if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa) return 4; /* endbr64 */
    if (b[0] == 0x90) return 1;
    if (b[0] == 0x66 && b[1] == 0x90) return 2;
    if (b[0] == 0x0f && b[1] == 0x1f) { /* nopl with a ModRM */
        if (b[2] == 0x00) return 3;
        if (b[2] == 0x40 && b[3] == 0x00) return 4;
        if (b[2] == 0x44 && b[3] == 0x00 && b[4] == 0x00) return 5;
        if (b[2] == 0x80) return 7;
        if (b[2] == 0x84 && b[3] == 0x00) return 8;
        return 0;
    }
    if (b[0] == 0x66 && b[1] == 0x0f && b[2] == 0x1f && b[3] == 0x44 && b[4] == 0x00 && b[5] == 0x00) return 6;
    return 0;
}

/* The fast step over breakpoint b (the VM stopped at it on thread t): when its instruction
   is a no-op, the program counter is moved past it and the VM continues, no second stop
   (QEMU 7.2 flushes TCG's code at each debug stop). Returns MEMINTRO_OK with the VM
   running, MEMINTRO_E_UNSUPPORTED when this instruction or stub does not allow it
   (nothing changed: the caller single-steps), or a failure. */
static memintro_status memintro__gdb_fast_step(memintro_gdb *g, int idx, int64_t t)
{
    memintro_gdb_bp *b = &g->bps[idx];
    unsigned char insn[16];
    size_t len;
    memintro_status s;
    int cpu = memintro__gdb_cpu_of(g, t);
    memintro_op op;
    if (g->no_fast_step || b->type != MEMINTRO_GDB_BP_SW || cpu < 0) return MEMINTRO_E_UNSUPPORTED;
    if ((s = memintro__gdb_select(g, (uint32_t)cpu)) != MEMINTRO_OK) return s;
    memset(&op, 0, sizeof op);
    op.addr = b->addr;
    op.buf = insn;
    op.len = sizeof insn;
    memintro_ops_begin(&op, 1);
    /* read each time: the guest may patch its code (ftrace turns its NOP into a call) */
    if ((s = memintro__gdb_batch(g, &op, 1, 0, 0)) != MEMINTRO_OK) return s;
    if (op.status != MEMINTRO_OK) return MEMINTRO_E_UNSUPPORTED;
    /* the stub's breakpoints do not show in memory (QEMU's are not written to the guest) */
    if ((len = memintro__gdb_nop_len(g, insn)) != 0) {
        /* a no-op: move the program counter past it; the breakpoint stays */
        const memintro_gdb_reg *pc = memintro_gdb_reg_find(g, "pc");
        char v[64];
        size_t n, i;
        if (!pc || pc->bitsize != 64) return MEMINTRO_E_UNSUPPORTED;
        n = (size_t)snprintf(v, sizeof v, "P%x=", pc->regnum);
        for (i = 0; i < 8; i++) {
            unsigned byte = (unsigned)((b->addr + len) >> (8 * i)) & 0xff;
            v[n++] = memintro__gdb_hex[byte >> 4];
            v[n++] = memintro__gdb_hex[byte & 15];
        }
        v[n] = 0;
        if (!g->noack) {
            /* with acks, P's reply is acknowledged after it: a continue sent with P would
               already run when the '+' arrives, and QEMU stops a running VM at any byte */
            if ((s = memintro__gdb_xfer(g, v, n)) != MEMINTRO_OK) return s;
            if (memintro__gdb_ok(g, "P") != MEMINTRO_OK) {
                g->no_fast_step = 1;
                return MEMINTRO_E_UNSUPPORTED;
            }
            g->step_over = 0;
            return memintro__gdb_cont(g);
        }
        /* no acks: P and the continue in one write, one round trip (no reply to continue) */
        {
            int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
            const char *c = g->has_vcont ? "vCont;c" : "c";
            memintro__gdb_out_reset(g);
            if ((s = memintro__gdb_frame(g, v, n)) != MEMINTRO_OK) return s;
            if ((s = memintro__gdb_frame(g, c, strlen(c))) != MEMINTRO_OK) return s;
            if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
            if ((s = memintro__gdb_reply(g, deadline)) != MEMINTRO_OK) return s;
            g->step_over = 0;
            g->running = 1;
            g->g_thread = 0;
            memset(&g->last, 0, sizeof g->last);
            if (memintro__gdb_ok(g, "P") != MEMINTRO_OK)
                /* the stub refused the new pc: it runs from the breakpoint, which stops it
                   again at once; never again this way */
                g->no_fast_step = 1;
            return MEMINTRO_OK;
        }
    }
    return MEMINTRO_E_UNSUPPORTED;
}

/* The program counter, flags and general registers are the same in a and b. */
static int memintro__gdb_same_regs(const memintro_cpu *a, const memintro_cpu *b)
{
    if (a->isa == MEMINTRO_ISA_AARCH64)
        return a->pc == b->pc && a->sp == b->sp && a->pstate == b->pstate && !memcmp(a->x, b->x, sizeof a->x);
    return a->rip == b->rip && a->rflags == b->rflags && !memcmp(a->gpr, b->gpr, sizeof a->gpr);
}

/* Continues a stopped VM, first stepping over the breakpoint it stopped at. */
static memintro_status memintro__gdb_cont(memintro_gdb *g)
{
    memintro_status s;
    int64_t deadline;
    if (g->running) return MEMINTRO_OK;
    if (g->gone) return memintro__gdb_fail(g, MEMINTRO_E_GONE, "gdb stub went away");
    if (g->step_over) {
        memintro_gdb_bp *b = &g->bps[g->step_over - 1];
        g->step_over = 0;
        if (b->id && b->inserted) {
            int tries, cpu = memintro__gdb_cpu_of(g, g->step_thread);
            if ((s = memintro__gdb_insert_raw(g, 0, b->type, b->addr, b->len)) != MEMINTRO_OK) return s;
            b->inserted = 0;
            /* QEMU 7.2 under TCG now and then ends a single-step without running anything
               (about 1 step in 400 here: the same pc, the same registers); the breakpoint
               put back then would report the same execution again, so step again */
            if (!g->step_regs_ok && cpu >= 0 && (s = memintro_gdb_regs(g, (uint32_t)cpu, &g->step_regs)) != MEMINTRO_OK)
                return s;
            g->step_regs_ok = 0;
            for (tries = 0;; tries++) {
                memintro_cpu now;
                if ((s = memintro__gdb_step_thread(g, g->step_thread)) != MEMINTRO_OK) return s;
                if (cpu < 0 || tries >= 8) break;
                if ((s = memintro_gdb_regs(g, (uint32_t)cpu, &now)) != MEMINTRO_OK) return s;
                if (!memintro__gdb_same_regs(&now, &g->step_regs)) break;
            }
            if ((s = memintro__gdb_insert_raw(g, 1, b->type, b->addr, b->len)) != MEMINTRO_OK) return s;
            b->inserted = 1;
        }
    }
    deadline = memintro__gdb_now_ms() + g->timeout_ms;
    memintro__gdb_out_reset(g);
    if ((s = memintro__gdb_frame(g, g->has_vcont ? "vCont;c" : "c", g->has_vcont ? 7 : 1)) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
    g->running = 1;
    g->g_thread = 0;
    memset(&g->last, 0, sizeof g->last);
    return MEMINTRO_OK;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_pause(memintro_gdb *g)
{
    int was;
    memintro_status s = memintro__gdb_hold(g, &was);
    if (s == MEMINTRO_OK) g->want_running = 0;
    return s;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_resume(memintro_gdb *g)
{
    memintro_status s;
    if (!g || g->fd < 0) return MEMINTRO_E_INVALID;
    s = memintro__gdb_cont(g);
    if (s == MEMINTRO_OK) g->want_running = 1;
    return s;
}

MEMINTRO__GDB_DEF int memintro_gdb_running(const memintro_gdb *g)
{
    return g && g->fd >= 0 && g->running;
}

MEMINTRO__GDB_DEF size_t memintro_gdb_cpu_count(const memintro_gdb *g)
{
    return g ? g->nthreads : 0;
}

MEMINTRO__GDB_DEF int64_t memintro_gdb_cpu_thread(const memintro_gdb *g, uint32_t cpu)
{
    return g && cpu < g->nthreads ? g->threads[cpu] : -1;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_command(memintro_gdb *g, const char *cmd, char *reply, size_t cap, size_t *len)
{
    int was;
    memintro_status s;
    if (!g || !cmd) return MEMINTRO_E_INVALID;
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    g->step_regs_ok = 0; /* it may write registers */
    s = memintro__gdb_xfers(g, cmd);
    if (s == MEMINTRO_OK) {
        if (len) *len = g->reply_len;
        if (reply && cap) {
            size_t n = g->reply_len < cap - 1 ? g->reply_len : cap - 1;
            memcpy(reply, g->reply, n);
            reply[n] = 0;
        }
    }
    return memintro__gdb_unhold(g, was, s);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_step(memintro_gdb *g, uint32_t cpu, memintro_gdb_stop *stop)
{
    int was;
    memintro_status s;
    if (!g) return MEMINTRO_E_INVALID;
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    if (cpu >= g->nthreads) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no vCPU %u", cpu);
    s = memintro__gdb_step_thread(g, g->threads[cpu]);
    if (s == MEMINTRO_OK && stop) *stop = g->last;
    g->want_running = 0;
    return s;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_wait(memintro_gdb *g, int timeout_ms, memintro_gdb_stop *stop)
{
    int to = 0;
    memintro_status s;
    if (!g || g->fd < 0) return MEMINTRO_E_INVALID;
    if (g->gone) return memintro__gdb_fail(g, MEMINTRO_E_GONE, "gdb stub went away");
    if (!g->running) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: the VM is not running");
    if (timeout_ms < 0) timeout_ms = g->timeout_ms;
    s = memintro__gdb_wait_stop(g, memintro__gdb_now_ms() + timeout_ms, &to);
    if (s != MEMINTRO_OK && to) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no stop within %d ms", timeout_ms);
    if (s == MEMINTRO_OK && stop) *stop = g->last;
    return s;
}

/* ---- registers ------------------------------------------------------------------------- */

MEMINTRO__GDB_DEF const memintro_gdb_reg *memintro_gdb_reg_find(const memintro_gdb *g, const char *name)
{
    static const char *const alias[][2] = {
        {"pc", "rip"}, {"rip", "pc"}, {"rflags", "eflags"}, {"eflags", "rflags"}, {"pstate", "cpsr"},
        {"cpsr", "pstate"}, {"kernel_gs_base", "k_gs_base"}, {"eip", "pc"}, {"pc", "eip"},
    };
    size_t i, k;
    if (!g || !name || !g->regs) return 0;
    for (i = 0; i < g->nregs; i++)
        if (memintro__gdb_ieq(g->regs[i].name, name)) return &g->regs[i];
    for (k = 0; k < sizeof alias / sizeof alias[0]; k++)
        if (memintro__gdb_ieq(alias[k][0], name))
            for (i = 0; i < g->nregs; i++)
                if (memintro__gdb_ieq(g->regs[i].name, alias[k][1])) return &g->regs[i];
    return 0;
}

/* Little-endian hex of a register value (the low 64 bits). */
static uint64_t memintro__gdb_le_hex(const char *p, size_t nbytes)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < nbytes && i < 8; i++) {
        int h = memintro__gdb_hexval((unsigned char)p[2 * i]), l = memintro__gdb_hexval((unsigned char)p[2 * i + 1]);
        if (h < 0 || l < 0) h = l = 0; /* 'x': unavailable */
        v |= (uint64_t)(h << 4 | l) << (8 * i);
    }
    return v;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_reg_get(memintro_gdb *g, uint32_t cpu, const char *name, uint64_t *value)
{
    const memintro_gdb_reg *r = memintro_gdb_reg_find(g, name);
    char cmd[32];
    int was;
    memintro_status s;
    if (!g || !value) return MEMINTRO_E_INVALID;
    *value = 0;
    if (!r) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no register %s in the target description", name ? name : "(null)");
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    s = memintro__gdb_select(g, cpu);
    if (s == MEMINTRO_OK) {
        snprintf(cmd, sizeof cmd, "p%x", r->regnum);
        s = memintro__gdb_xfers(g, cmd);
    }
    if (s == MEMINTRO_OK) {
        if (g->reply_len < (size_t)r->bitsize / 4 || g->reply[0] == 'E')
            s = memintro__gdb_fail(g, g->reply_len ? MEMINTRO_E_IO : MEMINTRO_E_UNSUPPORTED, "gdb stub: reading %s: '%.20s'", r->name, g->reply);
        else
            *value = memintro__gdb_le_hex(g->reply, r->bitsize / 8);
    }
    return memintro__gdb_unhold(g, was, s);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_reg_set(memintro_gdb *g, uint32_t cpu, const char *name, uint64_t value)
{
    const memintro_gdb_reg *r = memintro_gdb_reg_find(g, name);
    char cmd[48 + 1024];
    size_t n, i;
    int was;
    memintro_status s;
    if (!g) return MEMINTRO_E_INVALID;
    if (!r) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no register %s in the target description", name ? name : "(null)");
    if (r->bitsize > 4096) return MEMINTRO_E_INVALID;
    g->step_regs_ok = 0;
    n = (size_t)snprintf(cmd, 48, "P%x=", r->regnum);
    for (i = 0; i < r->bitsize / 8 && n + 2 < sizeof cmd; i++) {
        unsigned b = i < 8 ? (unsigned)(value >> (8 * i)) & 0xff : 0;
        cmd[n++] = memintro__gdb_hex[b >> 4];
        cmd[n++] = memintro__gdb_hex[b & 15];
    }
    cmd[n] = 0;
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    s = memintro__gdb_select(g, cpu);
    if (s == MEMINTRO_OK) s = memintro__gdb_xfer(g, cmd, n);
    if (s == MEMINTRO_OK) s = memintro__gdb_ok(g, "P");
    return memintro__gdb_unhold(g, was, s);
}

/* Fills one memintro_cpu field from register r's value. */
static void memintro__gdb_cpu_put(memintro_gdb *g, memintro_cpu *c, const char *n, uint64_t v)
{
    static const char *const x86g[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char *const segs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
    size_t i;
    if (g->arch == MEMINTRO_GDB_ARCH_AARCH64) {
        if (n[0] == 'x' && n[1] >= '0' && n[1] <= '9') {
            unsigned k = (unsigned)strtoul(n + 1, 0, 10);
            if (k < 31) c->x[k] = v, c->flags |= MEMINTRO_CPU_A64_REGS;
        } else if (memintro__gdb_ieq(n, "sp")) c->sp = v;
        else if (memintro__gdb_ieq(n, "pc")) c->pc = v, c->flags |= MEMINTRO_CPU_A64_REGS;
        else if (memintro__gdb_ieq(n, "cpsr")) c->pstate = v;
        else if (memintro__gdb_ieq(n, "TTBR0_EL1")) c->ttbr0 = v, c->flags |= MEMINTRO_CPU_A64_MMU;
        else if (memintro__gdb_ieq(n, "TTBR1_EL1")) c->ttbr1 = v, c->flags |= MEMINTRO_CPU_A64_MMU;
        else if (memintro__gdb_ieq(n, "TCR_EL1")) c->tcr = v, c->flags |= MEMINTRO_CPU_A64_MMU;
        else if (memintro__gdb_ieq(n, "SCTLR_EL1")) c->sctlr = v, c->flags |= MEMINTRO_CPU_A64_MMU;
        return;
    }
    for (i = 0; i < 16; i++)
        if (!strcmp(n, x86g[i]) || (i < 8 && n[0] == 'e' && !strcmp(n + 1, x86g[i] + 1))) {
            c->gpr[i] = v;
            c->flags |= MEMINTRO_CPU_GPRS;
            return;
        }
    for (i = 0; i < 6; i++) {
        size_t l = strlen(segs[i]);
        if (!strcmp(n, segs[i])) {
            c->seg[i].selector = (uint32_t)v;
            return;
        }
        if (!strncmp(n, segs[i], l) && !strcmp(n + l, "_base")) {
            c->seg[i].base = v;
            return;
        }
    }
    if (!strcmp(n, "rip") || !strcmp(n, "eip")) c->rip = v, c->flags |= MEMINTRO_CPU_GPRS;
    else if (!strcmp(n, "eflags")) c->rflags = v;
    else if (!strcmp(n, "cr0")) c->cr[0] = v, c->flags |= MEMINTRO_CPU_SYSTEM;
    else if (!strcmp(n, "cr2")) c->cr[2] = v;
    else if (!strcmp(n, "cr3")) c->cr[3] = v, c->flags |= MEMINTRO_CPU_SYSTEM;
    else if (!strcmp(n, "cr4")) c->cr[4] = v;
    else if (!strcmp(n, "efer")) c->efer = v, c->flags |= MEMINTRO_CPU_EFER;
    else if (!strcmp(n, "k_gs_base")) c->kernel_gs_base = v, c->flags |= MEMINTRO_CPU_KGSBASE;
}

static int memintro__gdb_wanted(const memintro_gdb *g, const char *n)
{
    static const char *const a64[] = {"TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "SCTLR_EL1", "cpsr", "sp", "pc"};
    size_t i;
    if (g->arch != MEMINTRO_GDB_ARCH_AARCH64) return 0; /* x86: everything is in 'g' */
    for (i = 0; i < sizeof a64 / sizeof a64[0]; i++)
        if (memintro__gdb_ieq(n, a64[i])) return 1;
    return 0;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_regs(memintro_gdb *g, uint32_t cpu, memintro_cpu *out)
{
    int was;
    size_t i;
    memintro_status s;
    if (!g || !out) return MEMINTRO_E_INVALID;
    memset(out, 0, sizeof *out);
    out->index = cpu;
    out->isa = g->arch == MEMINTRO_GDB_ARCH_AARCH64 ? MEMINTRO_ISA_AARCH64 : g->arch == MEMINTRO_GDB_ARCH_I386 ? MEMINTRO_ISA_X86 : MEMINTRO_ISA_X86_64;
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    s = memintro__gdb_select(g, cpu);
    if (s == MEMINTRO_OK) s = memintro__gdb_xfers(g, "g");
    if (s == MEMINTRO_OK && (g->reply_len < 2 || g->reply[0] == 'E'))
        s = memintro__gdb_fail(g, MEMINTRO_E_IO, "gdb stub: 'g' refused: '%.20s'", g->reply);
    if (s == MEMINTRO_OK) {
        if (g->g_size != g->reply_len / 2) memintro__gdb_g_layout(g, g->reply_len / 2);
        for (i = 0; i < g->nregs; i++) {
            const memintro_gdb_reg *r = &g->regs[i];
            if (r->g_offset == UINT32_MAX) continue;
            memintro__gdb_cpu_put(g, out, r->name, memintro__gdb_le_hex(g->reply + 2 * (size_t)r->g_offset, r->bitsize / 8));
        }
        for (i = 0; i < g->nregs && s == MEMINTRO_OK; i++) {
            const memintro_gdb_reg *r = &g->regs[i];
            char cmd[32];
            if (r->g_offset != UINT32_MAX || !memintro__gdb_wanted(g, r->name)) continue;
            snprintf(cmd, sizeof cmd, "p%x", r->regnum);
            s = memintro__gdb_xfers(g, cmd);
            if (s == MEMINTRO_OK && g->reply_len >= (size_t)r->bitsize / 4 && g->reply[0] != 'E')
                memintro__gdb_cpu_put(g, out, r->name, memintro__gdb_le_hex(g->reply, r->bitsize / 8));
        }
    }
    return memintro__gdb_unhold(g, was, s);
}

/* ---- memory ---------------------------------------------------------------------------- */

static memintro_status memintro__gdb_mode(memintro_gdb *g, int phys)
{
    memintro_status s;
    if (g->phys_mode == phys) return MEMINTRO_OK;
    if (phys && !g->has_phys_mode) return memintro__gdb_fail(g, MEMINTRO_E_UNSUPPORTED, "gdb stub: no physical-memory mode (Qqemu.PhyMemMode)");
    if (!g->has_phys_mode) return MEMINTRO_OK;
    if ((s = memintro__gdb_xfers(g, phys ? "Qqemu.PhyMemMode:1" : "Qqemu.PhyMemMode:0")) != MEMINTRO_OK) return s;
    if ((s = memintro__gdb_ok(g, "Qqemu.PhyMemMode")) != MEMINTRO_OK) return s;
    g->phys_mode = phys;
    return MEMINTRO_OK;
}

/* Bytes one 'm' packet may carry: the reply is hex (2 characters a byte) plus framing. */
static size_t memintro__gdb_chunk(const memintro_gdb *g)
{
    size_t c = g->packet_size > 96 ? (g->packet_size - 32) / 2 : 32;
    return c & ~(size_t)15;
}

/* One request of a pipelined batch: len bytes at addr go to ops[op] from offset off on
   (and on into the following ops). */
struct memintro__gdb_req {
    uint64_t addr;
    size_t len, op, off;
};

/* Sends the requests, then takes the replies in order. */
static memintro_status memintro__gdb_run_reqs(memintro_gdb *g, memintro_op *ops, const memintro__gdb_req *rq, size_t n, int write)
{
    char head[64];
    size_t i;
    memintro_status s;
    int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
    memintro__gdb_out_reset(g);
    for (i = 0; i < n; i++) {
        int hl = snprintf(head, sizeof head, "%c%llx,%lx%s", write ? 'M' : 'm', (unsigned long long)rq[i].addr, (unsigned long)rq[i].len,
                          write ? ":" : "");
        if (!write) {
            if ((s = memintro__gdb_frame(g, head, (size_t)hl)) != MEMINTRO_OK) return s;
        } else {
            /* build head + hex bytes in the reply buffer, then frame it */
            size_t need = (size_t)hl + 2 * rq[i].len + 1, k, op = rq[i].op, off = rq[i].off, left = rq[i].len, pos = (size_t)hl;
            if (memintro__gdb_reserve(g, &g->reply, &g->reply_cap, need, MEMINTRO_GDB_REPLY_MAX + 1))
                return memintro__gdb_fail(g, MEMINTRO_E_NOSPACE, "gdb: out of memory");
            memcpy(g->reply, head, (size_t)hl);
            while (left) {
                size_t take = ops[op].len - off < left ? ops[op].len - off : left;
                const unsigned char *b = (const unsigned char *)ops[op].buf + off;
                for (k = 0; k < take; k++) {
                    g->reply[pos++] = memintro__gdb_hex[b[k] >> 4];
                    g->reply[pos++] = memintro__gdb_hex[b[k] & 15];
                }
                left -= take;
                op++;
                off = 0;
            }
            if ((s = memintro__gdb_frame(g, g->reply, pos)) != MEMINTRO_OK) return s;
        }
    }
    if ((s = memintro__gdb_write_all(g, g->out, g->out_len, deadline)) != MEMINTRO_OK) return s;
    for (i = 0; i < n; i++) {
        size_t op = rq[i].op, off = rq[i].off, left = rq[i].len, pos = 0;
        int bad;
        s = memintro__gdb_reply(g, deadline);
        if (g->pipe_broken) {
            /* take what is still coming, then the caller redoes the batch one by one */
            int64_t quiet;
            g->pipe_broken = 0;
            g->no_pipeline = 1;
            if (s == MEMINTRO_E_GONE) return s;
            for (;;) {
                quiet = memintro__gdb_now_ms() + 200;
                if (memintro__gdb_get_packet(g, quiet, NULL) != MEMINTRO_OK) break;
            }
            if (g->gone) return MEMINTRO_E_GONE;
            return MEMINTRO_E_LIMIT;
        }
        if (s != MEMINTRO_OK) return s;
        bad = write ? !(g->reply_len == 2 && !memcmp(g->reply, "OK", 2)) : (g->reply_len != 2 * rq[i].len);
        while (left) {
            size_t take = ops[op].len - off < left ? ops[op].len - off : left, k;
            if (bad) {
                memintro_op_fail(&ops[op], MEMINTRO_E_IO, off, take, !write);
            } else if (!write) {
                unsigned char *b = (unsigned char *)ops[op].buf + off;
                for (k = 0; k < take; k++, pos += 2) {
                    int h = memintro__gdb_hexval((unsigned char)g->reply[pos]), l = memintro__gdb_hexval((unsigned char)g->reply[pos + 1]);
                    if (h < 0 || l < 0) break;
                    b[k] = (unsigned char)(h << 4 | l);
                }
                if (k < take) {
                    memintro_op_fail(&ops[op], MEMINTRO_E_IO, off, take, 1);
                    pos += 2 * (take - k);
                }
            }
            left -= take;
            op++;
            off = 0;
        }
        if (bad) snprintf(g->error, sizeof g->error, "gdb stub: %s at 0x%llx (%lu bytes): '%.20s'", write ? "write" : "read",
                          (unsigned long long)rq[i].addr, (unsigned long)rq[i].len, g->reply);
    }
    return MEMINTRO_OK;
}

/* Runs requests pipelined; when the pipeline broke, again one at a time. */
static memintro_status memintro__gdb_run_all(memintro_gdb *g, memintro_op *ops, const memintro__gdb_req *rq, size_t n, int write)
{
    size_t i;
    memintro_status s = memintro__gdb_run_reqs(g, ops, rq, n, write);
    if (s != MEMINTRO_E_LIMIT || !g->no_pipeline) return s;
    for (i = 0; i < n; i++)
        if ((s = memintro__gdb_run_reqs(g, ops, rq + i, 1, write)) != MEMINTRO_OK) return s;
    return MEMINTRO_OK;
}

/* A batch: ops cut into requests of at most one chunk, contiguous ops merged. */
static memintro_status memintro__gdb_batch(memintro_gdb *g, memintro_op *ops, size_t count, int phys, int write)
{
    memintro__gdb_req rq[MEMINTRO_GDB_PIPELINE];
    size_t n = 0, i, chunk = memintro__gdb_chunk(g);
    memintro_status s;
    if (write) chunk = chunk > 32 ? chunk - 16 : chunk; /* the request carries the hex */
    if ((s = memintro__gdb_mode(g, phys)) != MEMINTRO_OK) return s;
    for (i = 0; i < count; i++) {
        size_t off = 0;
        while (off < ops[i].len) {
            size_t take = ops[i].len - off;
            memintro__gdb_req *last = n ? &rq[n - 1] : 0;
            if (last && last->addr + last->len == ops[i].addr + off && last->len < chunk &&
                /* merging is only across consecutive ops, from their start */
                (off > 0 || (i > 0 && ops[i - 1].len && last->addr + last->len == ops[i - 1].addr + ops[i - 1].len))) {
                if (take > chunk - last->len) take = chunk - last->len;
                last->len += take;
                off += take;
                continue;
            }
            if (n == (g->no_pipeline ? 1u : (size_t)MEMINTRO_GDB_PIPELINE)) {
                if ((s = memintro__gdb_run_all(g, ops, rq, n, write)) != MEMINTRO_OK) return s;
                n = 0;
                continue;
            }
            if (take > chunk) take = chunk;
            rq[n].addr = ops[i].addr + off;
            rq[n].len = take;
            rq[n].op = i;
            rq[n].off = off;
            n++;
            off += take;
        }
    }
    if (n && (s = memintro__gdb_run_all(g, ops, rq, n, write)) != MEMINTRO_OK) return s;
    return MEMINTRO_OK;
}

static memintro_status memintro__gdb_ops(memintro_gdb *g, memintro_op *ops, size_t count, int phys, int write, uint32_t cpu)
{
    int was;
    memintro_status s;
    memintro_ops_begin(ops, count);
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) {
        memintro_ops_fail(ops, count, s, !write);
        return s;
    }
    s = phys ? MEMINTRO_OK : memintro__gdb_select(g, cpu);
    if (s == MEMINTRO_OK) s = memintro__gdb_batch(g, ops, count, phys, write);
    if (s != MEMINTRO_OK) {
        size_t i;
        for (i = 0; i < count; i++)
            if (ops[i].status == MEMINTRO_OK && ops[i].missing == 0) memintro_op_fail(&ops[i], s, 0, ops[i].len, !write);
    }
    s = memintro__gdb_unhold(g, was, s);
    return s != MEMINTRO_OK ? s : memintro_ops_status(ops, count);
}

static memintro_status memintro__gdb_phys_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__gdb_ops((memintro_gdb *)(void *)self, ops, count, 1, 0, 0);
}

static memintro_status memintro__gdb_phys_write(memintro_phys *self, memintro_op *ops, size_t count)
{
    return memintro__gdb_ops((memintro_gdb *)(void *)self, ops, count, 1, 1, 0);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_mem_read(memintro_gdb *g, uint32_t cpu, uint64_t addr, void *buf, size_t len, int phys)
{
    memintro_op op;
    if (!g || (!buf && len)) return MEMINTRO_E_INVALID;
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = buf;
    op.len = len;
    return memintro__gdb_ops(g, &op, 1, phys, 0, cpu);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_mem_write(memintro_gdb *g, uint32_t cpu, uint64_t addr, const void *buf, size_t len, int phys)
{
    memintro_op op;
    if (!g || (!buf && len)) return MEMINTRO_E_INVALID;
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = (void *)(uintptr_t)buf;
    op.len = len;
    return memintro__gdb_ops(g, &op, 1, phys, 1, cpu);
}

/* ---- breakpoints and events ------------------------------------------------------------ */

static int memintro__gdb_bp_slot(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len)
{
    int i;
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++)
        if (g->bps[i].id && g->bps[i].type == type && g->bps[i].addr == addr && g->bps[i].len == len) return i;
    return -1;
}

static memintro_status memintro__gdb_add(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len, int event, uint32_t *id)
{
    int was, i, slot = -1;
    memintro_status s;
    if (!g) return MEMINTRO_E_INVALID;
    if ((int)type < 0 || (int)type > 4 || len == 0) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: bad breakpoint type or length");
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++)
        if (!g->bps[i].id) {
            slot = i;
            break;
        }
    if (slot < 0) return memintro__gdb_fail(g, MEMINTRO_E_NOSPACE, "gdb: %d breakpoints and watchpoints already set", MEMINTRO_GDB_BP_MAX);
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    s = memintro__gdb_insert_raw(g, 1, type, addr, len);
    if (s == MEMINTRO_E_UNSUPPORTED && type == MEMINTRO_GDB_BP_SW && event) {
        type = MEMINTRO_GDB_BP_HW;
        s = memintro__gdb_insert_raw(g, 1, type, addr, len);
    }
    if (s == MEMINTRO_OK) {
        memintro_gdb_bp *b = &g->bps[slot];
        memset(b, 0, sizeof *b);
        b->id = g->next_id++;
        b->type = type;
        b->addr = addr;
        b->len = len;
        b->inserted = 1;
        b->event = event;
        if (id) *id = b->id;
    }
    return memintro__gdb_unhold(g, was, s);
}

static memintro_status memintro__gdb_drop(memintro_gdb *g, int i)
{
    memintro_gdb_bp *b = &g->bps[i];
    memintro_status s = MEMINTRO_OK;
    if (b->inserted) s = memintro__gdb_insert_raw(g, 0, b->type, b->addr, b->len);
    if (g->step_over == i + 1) g->step_over = 0;
    memset(b, 0, sizeof *b);
    return s;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_insert(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len)
{
    return memintro__gdb_add(g, type, addr, len, 0, 0);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_remove(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len)
{
    int was, i;
    memintro_status s;
    if (!g) return MEMINTRO_E_INVALID;
    i = memintro__gdb_bp_slot(g, type, addr, len);
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    if (i >= 0) s = memintro__gdb_drop(g, i);
    else s = memintro__gdb_insert_raw(g, 0, type, addr, len);
    return memintro__gdb_unhold(g, was, s);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_break(memintro_gdb *g, uint64_t addr, uint32_t *id)
{
    return memintro__gdb_add(g, MEMINTRO_GDB_BP_SW, addr, 1, 1, id);
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_watch(memintro_gdb *g, memintro_gdb_bp_type type, uint64_t addr, uint64_t len, uint32_t *id)
{
    if (type < MEMINTRO_GDB_WATCH_WRITE || type > MEMINTRO_GDB_WATCH_ACCESS)
        return g ? memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: watch takes WRITE, READ or ACCESS") : MEMINTRO_E_INVALID;
    return memintro__gdb_add(g, type, addr, len, 1, id);
}

MEMINTRO__GDB_DEF const memintro_gdb_bp *memintro_gdb_bp_find(const memintro_gdb *g, uint32_t id)
{
    int i;
    if (!g || !id) return 0;
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++)
        if (g->bps[i].id == id) return &g->bps[i];
    return 0;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_unset(memintro_gdb *g, uint32_t id)
{
    int was, i;
    memintro_status s;
    if (!g) return MEMINTRO_E_INVALID;
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++)
        if (id && g->bps[i].id == id) break;
    if (i == MEMINTRO_GDB_BP_MAX) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no breakpoint %u", id);
    if (g->gone) {
        memset(&g->bps[i], 0, sizeof g->bps[i]);
        return MEMINTRO_E_GONE;
    }
    if ((s = memintro__gdb_hold(g, &was)) != MEMINTRO_OK) return s;
    s = memintro__gdb_drop(g, i);
    return memintro__gdb_unhold(g, was, s);
}

/* The registered source a stop belongs to, or -1. */
static int memintro__gdb_match(memintro_gdb *g, const memintro_gdb_stop *st, uint64_t pc)
{
    int i;
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++) {
        const memintro_gdb_bp *b = &g->bps[i];
        if (!b->id || !b->event) continue;
        if (st->kind == MEMINTRO_GDB_STOP_SIGNAL && b->type <= MEMINTRO_GDB_BP_HW && b->addr == pc) return i;
        if (st->kind >= MEMINTRO_GDB_STOP_WATCH && st->kind <= MEMINTRO_GDB_STOP_AWATCH && b->type >= MEMINTRO_GDB_WATCH_WRITE &&
            st->addr >= b->addr && st->addr - b->addr < b->len) {
            memintro_gdb_bp_type want = st->kind == MEMINTRO_GDB_STOP_WATCH ? MEMINTRO_GDB_WATCH_WRITE
                                        : st->kind == MEMINTRO_GDB_STOP_RWATCH ? MEMINTRO_GDB_WATCH_READ : MEMINTRO_GDB_WATCH_ACCESS;
            if (b->type == want) return i;
        }
    }
    /* a watch report of a type the stub names differently (an access seen as a write) */
    for (i = 0; i < MEMINTRO_GDB_BP_MAX; i++) {
        const memintro_gdb_bp *b = &g->bps[i];
        if (b->id && b->event && b->type >= MEMINTRO_GDB_WATCH_WRITE && st->kind >= MEMINTRO_GDB_STOP_WATCH &&
            st->kind <= MEMINTRO_GDB_STOP_AWATCH && st->addr >= b->addr && st->addr - b->addr < b->len)
            return i;
    }
    return -1;
}

MEMINTRO__GDB_DEF memintro_status memintro_gdb_next_event(memintro_gdb *g, int timeout_ms, memintro_gdb_event *ev)
{
    int64_t deadline;
    memintro_status s;
    if (!g || !ev) return MEMINTRO_E_INVALID;
    if (g->fd < 0) return memintro__gdb_fail(g, MEMINTRO_E_INVALID, "gdb: not connected");
    if (timeout_ms < 0) timeout_ms = g->timeout_ms;
    deadline = memintro__gdb_now_ms() + timeout_ms;
    memset(ev, 0, sizeof *ev);
    for (;;) {
        int to = 0, i, cpu;
        uint64_t pc = 0;
        s = MEMINTRO_E_UNSUPPORTED;
        if (!g->running && g->step_over) {
            int idx = g->step_over - 1;
            s = memintro__gdb_fast_step(g, idx, g->step_thread);
            if (s == MEMINTRO_OK) g->step_over = 0;
            else if (s != MEMINTRO_E_UNSUPPORTED) return s;
        }
        if (s != MEMINTRO_OK && (s = memintro__gdb_cont(g)) != MEMINTRO_OK) return s;
        g->want_running = 1;
        s = memintro__gdb_wait_stop(g, deadline > memintro__gdb_now_ms() ? deadline : memintro__gdb_now_ms(), &to);
        if (s != MEMINTRO_OK) {
            if (to) return memintro__gdb_fail(g, MEMINTRO_E_NOTFOUND, "gdb: no event within %d ms", timeout_ms);
            return s;
        }
        cpu = memintro__gdb_cpu_of(g, g->last.thread);
        if (cpu < 0) cpu = 0;
        ev->stop = g->last;
        ev->cpu = (uint32_t)cpu;
        ev->thread = g->threads[cpu];
        s = memintro_gdb_regs(g, (uint32_t)cpu, &ev->regs);
        if (s != MEMINTRO_OK) return s;
        pc = g->arch == MEMINTRO_GDB_ARCH_AARCH64 ? ev->regs.pc : ev->regs.rip;
        i = memintro__gdb_match(g, &g->last, pc);
        if (i < 0) {
            /* a stop we did not ask for: a step finishing, or a pause from elsewhere */
            if (g->last.signal == 5 && g->last.kind == MEMINTRO_GDB_STOP_SIGNAL && memintro__gdb_now_ms() < deadline) continue;
            ev->id = 0;
            ev->addr = pc;
            g->want_running = 0;
            return MEMINTRO_OK;
        }
        g->bps[i].hits++;
        ev->id = g->bps[i].id;
        ev->type = g->bps[i].type;
        ev->addr = g->bps[i].type <= MEMINTRO_GDB_BP_HW ? g->bps[i].addr : g->last.addr;
        ev->hits = g->bps[i].hits;
        if (g->bps[i].type <= MEMINTRO_GDB_BP_HW) {
            g->step_over = i + 1;
            g->step_thread = ev->thread;
            g->step_regs = ev->regs;
            g->step_regs_ok = 1;
        }
        return MEMINTRO_OK;
    }
}

/* ---- the gdb: connector (memintro_target.h's registry) ---------------------------------- */

#ifdef MEMINTRO_CONNECTOR_ABI
typedef struct memintro__gdb_conn {
    memintro_gdb g;
    memintro_memmap map;
    memintro_range ranges[4];
    memintro_cpu cpus[MEMINTRO_GDB_CPU_MAX];
    memintro_allocator alloc;
} memintro__gdb_conn;

static const memintro_connector_key memintro__gdb_keys[] = {
    {"ram", "SIZE", "guest RAM size (k/M/G), laid out as QEMU's machine does (default: 4 GiB from 0)"},
    {"machine", "q35|pc", "the machine type for ram= (default q35)"},
    {"timeout", "MS", "wait for connecting and for each reply (default 3000)"},
    {"write", "", "allow writes to guest memory"},
    {"stopped", "", "leave the VM stopped (connecting stops it)"},
};

static int memintro__gdb_size(const char *t, uint64_t *v)
{
    char *end;
    unsigned long long n;
    if (!t || !*t) return 0;
    n = strtoull(t, &end, 0);
    switch (*end) {
    case 'k': case 'K': n <<= 10, end++; break;
    case 'm': case 'M': n <<= 20, end++; break;
    case 'g': case 'G': n <<= 30, end++; break;
    case 't': case 'T': n <<= 40, end++; break;
    default: break;
    }
    if (*end || !n) return 0;
    *v = n;
    return 1;
}

static void memintro__gdb_conn_close(void *h)
{
    memintro__gdb_conn *c = (memintro__gdb_conn *)h;
    memintro_allocator a;
    if (!c) return;
    a = c->alloc;
    memintro_gdb_close(&c->g);
    if (a.free) a.free(a.user, c);
    else MEMINTRO_GDB_FREE(c, a.user);
}

static memintro_status memintro__gdb_conn_open(const memintro_connector_args *a, const memintro_target_options *o,
                                               memintro_connector_result *out, char *err, size_t errlen)
{
    memintro__gdb_conn *c;
    memintro_gdb_options go;
    memintro_status s;
    uint64_t ram = 0, low;
    const char *v, *machine = memintro_connector_arg(a, "machine");
    int pc = machine && !strcmp(machine, "pc");
    memset(&go, 0, sizeof go);
    if (machine && !pc && strcmp(machine, "q35")) {
        snprintf(err, errlen, "gdb: machine=%s: q35 or pc", machine);
        return MEMINTRO_E_INVALID;
    }
    if ((v = memintro_connector_arg(a, "ram")) != 0 && !memintro__gdb_size(v, &ram)) {
        snprintf(err, errlen, "gdb: ram=%s: a size (512M, 4G) expected", v);
        return MEMINTRO_E_INVALID;
    }
    if ((v = memintro_connector_arg(a, "timeout")) != 0) go.timeout_ms = atoi(v);
    go.write = memintro_connector_arg(a, "write") != 0;
    go.keep_stopped = memintro_connector_arg(a, "stopped") != 0;
    if (o) go.allocator = o->allocator;
    c = (memintro__gdb_conn *)(go.allocator.alloc ? go.allocator.alloc(go.allocator.user, sizeof *c)
                                                  : MEMINTRO_GDB_MALLOC(sizeof *c, go.allocator.user));
    if (!c) {
        snprintf(err, errlen, "gdb: out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    memset(c, 0, sizeof *c);
    c->alloc = go.allocator;
    s = memintro_gdb_open(&c->g, a->target, &go);
    if (s != MEMINTRO_OK) {
        snprintf(err, errlen, "%s", memintro_gdb_error(&c->g));
        memintro__gdb_conn_close(c);
        return s;
    }
    if (!c->g.has_phys_mode) {
        snprintf(err, errlen, "gdb: %s: the stub has no physical-memory mode (Qqemu.PhyMemMode)", a->target);
        memintro__gdb_conn_close(c);
        return MEMINTRO_E_UNSUPPORTED;
    }
    memintro_memmap_init(&c->map, c->ranges, 4);
    if (!ram) {
        memintro_memmap_add(&c->map, 0, 1ull << 32, 0);
        snprintf(out->layout_text, sizeof out->layout_text, "assumed: [0, 4 GiB) (the gdbstub does not tell the layout; give ram=SIZE)");
    } else {
        low = pc ? (ram >= 0xe0000000ull ? 0xe0000000ull : ram) : (ram >= 0xb0000000ull ? 0x80000000ull : ram);
        memintro_memmap_add(&c->map, 0, low, 0);
        if (ram > low) memintro_memmap_add(&c->map, 1ull << 32, ram - low, low);
        snprintf(out->layout_text, sizeof out->layout_text, "from ram=%llu MiB and QEMU's %s layout", (unsigned long long)(ram >> 20),
                 pc ? "pc" : "q35");
    }
    out->phys = &c->g.phys;
    out->map = &c->map;
    out->handle = c;
    snprintf(out->description, sizeof out->description, "QEMU gdbstub %s (%s, %u vCPUs, packets of %u bytes)", a->target,
             memintro_gdb_arch_name(c->g.arch), (unsigned)c->g.nthreads, c->g.packet_size);
    out->ram_size = ram;
    out->live = c->g.running;
    return MEMINTRO_OK;
}

static memintro_status memintro__gdb_conn_cpus(void *h, const memintro_cpu **cpus, size_t *count, char *err, size_t errlen)
{
    memintro__gdb_conn *c = (memintro__gdb_conn *)h;
    size_t i;
    memintro_status s;
    int was;
    if ((s = memintro__gdb_hold(&c->g, &was)) != MEMINTRO_OK) {
        snprintf(err, errlen, "%s", memintro_gdb_error(&c->g));
        return s;
    }
    for (i = 0; i < c->g.nthreads && s == MEMINTRO_OK; i++) s = memintro_gdb_regs(&c->g, (uint32_t)i, &c->cpus[i]);
    s = memintro__gdb_unhold(&c->g, was, s);
    if (s != MEMINTRO_OK) {
        snprintf(err, errlen, "%s", memintro_gdb_error(&c->g));
        return s;
    }
    *cpus = c->cpus;
    *count = c->g.nthreads;
    return MEMINTRO_OK;
}

static memintro_status memintro__gdb_conn_pause(void *h, int pause)
{
    memintro__gdb_conn *c = (memintro__gdb_conn *)h;
    return pause ? memintro_gdb_pause(&c->g) : memintro_gdb_resume(&c->g);
}

static const memintro_connector memintro__gdb_connector = {
    MEMINTRO_CONNECTOR_ABI,
    "gdb",
    "gdb:unix:PATH|tcp:HOST:PORT[,ram=SIZE][,machine=q35|pc][,timeout=MS][,write][,stopped]",
    "a VM through QEMU's gdbstub (-gdb unix:PATH,server=on,wait=off): physical memory, vCPUs, pause",
    memintro__gdb_keys,
    sizeof memintro__gdb_keys / sizeof memintro__gdb_keys[0],
    memintro__gdb_conn_open,
    memintro__gdb_conn_close,
    0,
    memintro__gdb_conn_cpus,
    memintro__gdb_conn_pause,
    "0.1",
};

MEMINTRO__GDB_DEF const memintro_connector *memintro_gdb_connector(void)
{
    return &memintro__gdb_connector;
}
#endif /* MEMINTRO_CONNECTOR_ABI */

/* ---- closing --------------------------------------------------------------------------- */

MEMINTRO__GDB_DEF void memintro_gdb_close(memintro_gdb *g)
{
    int i;
    if (!g) return;
    if (g->fd >= 0 && !g->gone) {
        int ok = memintro__gdb_stop_vm(g) == MEMINTRO_OK;
        int64_t deadline = memintro__gdb_now_ms() + g->timeout_ms;
        for (i = 0; ok && i < MEMINTRO_GDB_BP_MAX; i++)
            if (g->bps[i].id && g->bps[i].inserted && memintro__gdb_insert_raw(g, 0, g->bps[i].type, g->bps[i].addr, g->bps[i].len) == MEMINTRO_E_GONE)
                ok = 0;
        if (ok && g->has_phys_mode && g->phys_mode == 1) memintro__gdb_mode(g, 0);
        if (ok && g->want_running) {
            /* detach: QEMU resumes the VM */
            memintro__gdb_out_reset(g);
            if (memintro__gdb_frame(g, "D", 1) == MEMINTRO_OK && memintro__gdb_write_all(g, g->out, g->out_len, deadline) == MEMINTRO_OK)
                memintro__gdb_reply(g, deadline);
        }
    }
    if (g->fd >= 0) close(g->fd);
    g->fd = -1;
    memintro__gdb_free(g, g->regs);
    memintro__gdb_free(g, g->reply);
    memintro__gdb_free(g, g->out);
    g->regs = 0;
    g->reply = 0;
    g->out = 0;
    g->reply_cap = g->out_cap = 0;
    g->nregs = 0;
    memset(g->bps, 0, sizeof g->bps);
    g->running = 0;
}

MEMINTRO__GDB_DEF const char *memintro_gdb_error(const memintro_gdb *g)
{
    return g ? g->error : "";
}

#undef MEMINTRO__GDB_NOSIG
#undef MEMINTRO__GDB_DEF

#endif /* MEMINTRO_GDB_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_GDB_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 The memintro authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
