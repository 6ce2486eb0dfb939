/* memintro CLI: declarations shared by its files.

   main.c    main, global options, the command table, usage, the command option parser
   util.c    messages, numbers, sizes, the progress bar, signals, output files
   output.c  the output layer: records written as text or as JSON (output.h)
   target.c  opening the target (-c, memintro_target.h) and its guest-virtual address space
   mem.c     read, translate, search, write
   dump.c    dump (an ELF core of the target)
   info.c    info, targets
   os.c      the OS layers' framework: --os, detection, the dispatcher (os.h)
   os_*.c    OS layers behind os.h: none (memory only), win32 (Windows guests), linux
   plugins.c plugins: loaded at start, `plugins` lists them
   impl.c    the header implementations (one translation unit)

   Exit status: 0 success, 1 a runtime failure, 2 a usage error. Every error is one line on
   stderr, "memintro: error: ...". */
#ifndef MEMINTRO_CLI_H
#define MEMINTRO_CLI_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memintro_qemu.h needs the GNU feature set */
#endif
#include "memintro_target.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define CLI_OK 0
#define CLI_FAIL 1  /* runtime failure */
#define CLI_USAGE 2 /* bad command line */

#define CLI_MAX_READ (1ull << 30) /* one read command reads at most 1 GiB */
#define CLI_CHUNK (1u << 20)      /* reads are done (and output) 1 MiB at a time */

typedef unsigned long long cli_ull;

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* ---- util.c: messages, memory, numbers ------------------------------------------------ */

/* Prints "memintro: error: ..." and returns `code`, so callers can `return cli_error(...)`. */
int cli_error(int code, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Non-zero: cli_error prints nothing (the dispatcher trying a command's arguments). */
extern int cli_quiet;
/* Prints "memintro: warning: ...". */
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Prints "memintro: ..." (a note, neither error nor warning). */
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);
/* malloc that exits with one error line when memory runs out. */
void *cli_alloc(size_t n);
/* Doubles the capacity *cap (elements of `elem` bytes) of array p. */
void *cli_grow(void *p, size_t *cap, size_t elem);
/* A library message as one line (newlines and tabs become spaces) in buf. */
const char *cli_oneline(const char *msg, char *buf, size_t len);

/* Parses a whole string as a number (0x hex or decimal). Returns NULL, or why not. */
const char *cli_parse_num(const char *s, uint64_t *out);
/* Parses a whole string as a length (a number, optional k/M/G/T). Returns NULL, or why not. */
const char *cli_parse_len(const char *s, uint64_t *out);
/* "4K", "2M", "1G" for page sizes; plain bytes otherwise. */
const char *cli_page_str(uint64_t size, char *buf, size_t len);
/* "18 MiB", "7.5 GiB", "512 bytes". */
const char *cli_human(uint64_t n, char *buf, size_t len);
/* Parses hex bytes ("de ad be ef", "deadbeef", "de:ad", with ?? for any byte when mask is
   not NULL) into out[0..*n). Returns NULL, or why the text is not hex bytes. */
const char *cli_parse_bytes(const char *p, uint8_t *out, uint8_t *mask, size_t cap, size_t *n);

/* ---- util.c: progress bar (stderr, only on a terminal) -------------------------------- */

typedef struct cli_progress {
    const char *label;
    uint64_t total;
    double start, last;
    int on;
} cli_progress;

double cli_now(void);
/* Starts a bar of `total` units; it draws nothing unless stderr is a terminal. */
void cli_progress_begin(cli_progress *p, const char *label, uint64_t total);
/* Redraws at most ten times a second. */
void cli_progress_update(cli_progress *p, uint64_t done);
void cli_progress_end(cli_progress *p, uint64_t done);

/* ---- util.c: signals and output files ------------------------------------------------- */

/* Installs the handlers for the whole run: SIGINT/SIGTERM/SIGHUP remove the files being
   written and end the process as the signal would; SIGBUS (a mapped file shrank under
   us) prints one error line naming cli_guard_name, removes them and exits 1; SIGXFSZ is
   ignored, so a write over `ulimit -f` fails with EFBIG and is reported. */
void cli_signals_init(void);
/* What a SIGBUS names (the target's file, or its description); copied. */
void cli_guard_name(const char *what);

/* An output file written safely: a regular file (or a new name) is written under a
   temporary name beside it and renamed into place by cli_outfile_commit; a device or FIFO
   is written in place; "-" is stdout. A failure or a signal leaves no temporary behind. */
typedef struct cli_outfile {
    const char *path; /* as given */
    int fd;
    int is_stdout, in_place, replace;
    int slot; /* index of the temporary's name in the signal handler's list, or -1 */
} cli_outfile;
/* Opens `path` for writing. replace: an existing regular file may be replaced; when 0 an
   existing name is refused ("exists; give --force"). what: the command, for messages.
   Returns CLI_OK or an exit status (error printed). */
int cli_outfile_open(cli_outfile *f, const char *path, int replace, const char *what);
/* Writes n bytes. Returns 0, or errno. */
int cli_outfile_write(cli_outfile *f, const void *buf, size_t n);
/* Puts the file in place (fsync, rename). Returns 0, or errno; *why says which step. */
int cli_outfile_commit(cli_outfile *f, const char **why);
/* Removes the temporary (after a failure); a device, FIFO or stdout is left as it is. */
void cli_outfile_abort(cli_outfile *f);

/* ---- target.c: the target and its address space --------------------------------------- */

/* The target: memintro_target.h's object. */
typedef memintro_target cli_target;

#define CLI_NEST_MAX 4 /* targets below the one the commands read: -c A --os L -c B ... */

typedef struct cli_opts {
    const char *connect; /* -c (the last one), without a gdb= key */
    const char *gdb;     /* the gdb=ADDR key of a qemu: -c (the gdbstub commands' stub), or NULL */
    const char *outer[CLI_NEST_MAX];            /* the -c before it, outermost first */
    const struct cli_os *outer_os[CLI_NEST_MAX]; /* the --os after each of them */
    int nouter, os_given;                       /* os_given: --os since the last -c */
    const char *arch_name;
    memintro_arch arch;
    uint64_t dtb, ttbr1;
    uint32_t granule, va_bits;
    int have_dtb, have_ttbr1, have_granule, have_va_bits;
    int json;
    const struct cli_os *os; /* --os NAME; NULL: auto */
} cli_opts;

#define CLI_OS_MAX 8 /* OS layers */

typedef struct cli_ctx {
    cli_opts o;
    cli_out out; /* stdout, text or JSON */
    cli_target t;
    int target_open;
    /* nesting (target.c): the targets and OS layers the last -c runs inside */
    memintro_target outer_t[CLI_NEST_MAX];
    struct memintro_os *outer_os;               /* CLI_NEST_MAX of them */
    int nouter_open;
    memintro_virt v;
    int virt_ready;
    memintro_tlb tlb;
    memintro_tlb_entry *tlb_entries;
    void *scratch;
    /* OS layers (os.c): per layer of cli_os_layers, 0 not tried yet, else 1 + its
       detect's result; why it was not found; the active layer once known */
    int os_tried[CLI_OS_MAX];
    char os_why[CLI_OS_MAX][256];
    const struct cli_os *os_active;
    int os_parse_only; /* cli_os_require returns CLI_OS_PARSED at once (os.c's dispatcher) */
} cli_ctx;

/* Opens the target named by -c (once). Returns CLI_OK or an exit status (error printed). */
int cli_target_get(cli_ctx *c, cli_target **out);
/* Learns the target's CPU state once (a live VM asks QEMU). */
void cli_target_cpus(cli_target *t);
/* The guest-virtual address space from --arch/--dtb/... (or the target's own facts),
   checked. Returns CLI_OK or an exit status (error printed). */
int cli_virt_get(cli_ctx *c, memintro_virt **out);
/* Releases the target and the address space. */
void cli_target_release(cli_ctx *c);
/* The connectors for the usage text: calls fn(syntax, help) for each. */
void cli_connectors_each(void (*fn)(void *user, const char *syntax, const char *help), void *user);

/* ---- main.c: the command option parser ------------------------------------------------ */

/* One option of a command: "--name", an optional short alias ("-o"), and either a flag
   (*flag = 1) or a value (*value = the text; metavar names it in messages). */
typedef struct cli_optspec {
    const char *name, *alias;
    const char *metavar; /* NULL: a flag */
    int *flag;
    const char **value;
} cli_optspec;

/* Parses a command's arguments: options of `spec` (count n) anywhere, "--opt=value",
   everything after "--" positional; at most maxpos positionals into pos[]. hint is added
   to the unknown-option message (may be NULL). Returns CLI_OK or CLI_USAGE (error
   printed). */
int cli_args(const char *cmd, int argc, char **argv, const cli_optspec *spec, size_t n, const char **pos,
             int maxpos, int *npos, const char *usage, const char *hint);

/* ---- commands ------------------------------------------------------------------------- */

/* A command: its name, argument syntax and help for the usage text, and a run function
   that parses its arguments FIRST (usage errors before the target is touched). */
typedef struct cli_command {
    const char *name;
    const char *args; /* argument syntax for the usage text */
    const char *help; /* one line (or a few, split with \n) */
    int (*run)(cli_ctx *c, int argc, char **argv);
} cli_command;

int cmd_targets(cli_ctx *c, int argc, char **argv);
int cmd_info(cli_ctx *c, int argc, char **argv);
int cmd_read(cli_ctx *c, int argc, char **argv);
int cmd_translate(cli_ctx *c, int argc, char **argv);
int cmd_search(cli_ctx *c, int argc, char **argv);
int cmd_write(cli_ctx *c, int argc, char **argv);
int cmd_dump(cli_ctx *c, int argc, char **argv);
/* plugins.c: finds, checks and loads the plugins (once, before the command line is
   parsed; warns about rejected ones unless argv holds the plugins command) */
void cli_plugins_load(int argc, char **argv);
int cmd_plugins(cli_ctx *c, int argc, char **argv);

#endif
