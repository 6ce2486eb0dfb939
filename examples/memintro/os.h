/* memintro CLI: the interface every OS layer implements. An OS layer (one file each,
   os_NAME.c) recognises a guest operating system in the target (its memory, its CPU state,
   its facts such as a crash dump's header) and adds what it knows: fields of `info`, the
   address space of a process (`read --pid`, `translate --pid`) and commands of its own
   (ps, modules, ...). Several layers may have a command of the same name: the dispatcher
   runs the active layer's one.

   The active layer: `--os NAME` names it (a layer that is not found is an error with its
   one-line reason, exit 1); `--os auto` (the default) takes the first layer of
   cli_os_layers whose OS is found, and "none" (the last, memory commands only) always
   matches. Detection is memintro_os.h's (memintro_os_open: the same code an embedder
   runs); the layers' files keep their commands and get the layer's objects from it
   (memintro_os_win32, memintro_os_linux). Detection runs once per run, and only for
   commands that need it (info, the layers' commands, --pid): the memory commands never
   look for an OS. */
#ifndef MEMINTRO_CLI_OS_H
#define MEMINTRO_CLI_OS_H

#include "cli.h"

#include "memintro_os.h" /* impl.c holds its implementation */

/* What cli_os_require returns while the dispatcher only checks a command's arguments. */
#define CLI_OS_PARSED 100

/* Layers the CLI lists at most (the built-ins, registered ones, none: memintro_os.h's
   default MEMINTRO_OS_MAX_LAYERS is 32). */
#define CLI_OS_LIST_MAX 40

typedef struct cli_os {
    const char *name; /* as --os names it: the memintro_os.h layer's name */
    const char *help; /* one line */
    /* Adds its fields to info's "os" object, after "name" (NULL: the layer's facts,
       memintro_os_facts, one field each). */
    void (*info)(cli_ctx *c, cli_out *o);
    /* The guest-virtual address space of process `pid` (cmd names the command in
       messages). Returns CLI_OK and sets *out, or an exit status (error printed). NULL:
       the layer knows no processes. */
    int (*process_virt)(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out);
    const cli_command *commands; /* the commands it adds, ncommands of them */
    size_t ncommands;
} cli_os;

/* Every OS layer in detection order (memintro_os_layer_list: win32, linux, the registered
   ones (plugins), none last). A registered layer the CLI does not know by name gets the
   generic commands ps and modules, through memintro_os.h's interface. */
const cli_os *const *cli_os_list(size_t *count);
#define cli_os_layers (cli_os_list(0))
#define cli_os_count (cli_os_list_count())
size_t cli_os_list_count(void);
extern const cli_os cli_os_none, cli_os_win32, cli_os_linux;

/* The layer named `name` ("auto": *out = NULL). Returns CLI_OK, or CLI_USAGE (error
   printed, naming the layers). */
int cli_os_parse(const char *name, const cli_os **out);
/* The active layer (see above): memintro_os_open on the target with --os (or "auto") and
   --arch/--dtb as hints. Opens the target if needed. Returns CLI_OK and *out, or an exit
   status (error printed, starting with cmd): the target could not be opened or failed, or
   the layer --os named is not there. */
int cli_os_active(cli_ctx *c, const char *cmd, const cli_os **out);
/* The memintro_os object of the active layer (after cli_os_active returned CLI_OK), else NULL. */
memintro_os *cli_os_object(cli_ctx *c);
/* For command cmd of layer os (after its arguments are parsed): makes sure os is the
   active layer. Returns CLI_OK, or an exit status (error printed: "ps: no guest OS found
   (win32: REASON)", exit 1). */
int cli_os_require(cli_ctx *c, const char *cmd, const cli_os *os);
/* The address space of process pid in the active layer (for --pid). Returns CLI_OK and
   *out, or an exit status (error printed). */
int cli_os_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out);
/* Runs command `name` of an OS layer: the one --os names, else (auto) the only layer that
   has it, or, when several have it, the active layer's. Returns -1 when no layer has a
   command of that name, else the command's exit status. */
int cli_os_dispatch(cli_ctx *c, const char *name, int argc, char **argv);
/* info's "os" object: the active layer's name and fields, or with "none" why each layer
   was not found. Returns CLI_OK or an exit status (error printed). */
int cli_os_info(cli_ctx *c, cli_out *o);
/* Releases the OS layer (memintro_os_close). */
void cli_os_release(cli_ctx *c);
/* `memintro os`: the registered OS layers (name, version, help). */
int cmd_os(cli_ctx *c, int argc, char **argv);

/* os_linux.c: a Linux guest's own VMCOREINFO for dump (the text its vmcoreinfo_note holds)
   when the active layer is linux, else *text = NULL. Returns CLI_OK, or an exit status
   (error printed) when the target failed while the guest OS was looked for. */
int cli_linux_vmcoreinfo(cli_ctx *c, const char **text, size_t *size);

/* A guest list walk that ended early (after n entries, the last at `last`): the entries
   before it are printed; prints one error line saying where it ended. Returns CLI_FAIL. */
int cli_os_walk_error(const char *cmd, const char *what, memintro_status s, uint64_t n, uint64_t last);

#endif
