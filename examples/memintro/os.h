/* memintro CLI: the interface every OS layer implements. An OS layer (one file each,
   os_NAME.c) recognises a guest operating system in the target's guest-virtual memory and
   adds what it knows: lines of `info` and commands of its own (processes, modules, ...).
   The layers are listed in cli_os_layers (os_none.c); today there is only "none", the
   layer that knows no OS. */
#ifndef MEMINTRO_CLI_OS_H
#define MEMINTRO_CLI_OS_H

#include "cli.h"

typedef struct cli_os {
    const char *name; /* as --os would name it */
    const char *help; /* one line */
    /* Looks for this OS in v (the target's kernel address space; NULL when none is known).
       Returns 1 when found, 0 when not. */
    int (*detect)(cli_ctx *c, memintro_virt *v);
    /* Adds its fields to info's record (may be NULL). */
    void (*info)(cli_ctx *c, cli_out *o);
    const cli_command *commands; /* the commands it adds, ncommands of them */
    size_t ncommands;
} cli_os;

/* Every OS layer, the last one "none" (it always matches). */
extern const cli_os *const cli_os_layers[];
extern const size_t cli_os_count;

/* The layer in use: the first whose detect finds its OS (detection runs once). */
const cli_os *cli_os_get(cli_ctx *c);
/* Adds the layer's info fields (nothing for "none"). */
void cli_os_info(cli_ctx *c, cli_out *o);

#endif
