/* memintro CLI: the VM-control and event commands over QEMU's gdbstub (gdb.c,
   memintro_gdb.h). main.c's command table holds them through one line, CLI_GDB_COMMANDS.

   The stub is named by the connector: -c gdb:unix:PATH (or gdb:tcp:HOST:PORT, gdb:PATH):
   the gdbstub alone (registers, breakpoints; memory, and so the Linux layer, through its
   physical mode: finding the kernel takes seconds), or -c qemu:name=VM,gdb=unix:PATH: the
   QEMU connector for memory (the Linux layer: symbols for break, the current process of
   each hit) plus the stub for control. */
#ifndef MEMINTRO_CLI_GDB_H
#define MEMINTRO_CLI_GDB_H
#include "cli.h"

/* Adds the gdb: connector to memintro_target.h's registry (before the plugins), so every
   command's -c reaches a gdbstub. */
void cli_gdb_register(void);
/* Takes a gdb=ADDR key out of -c (o->connect, not a gdb: one) into o->gdb, before anything
   is opened: every command takes the same -c, the gdbstub commands use the stub. */
int cli_gdb_take_key(cli_opts *o);
int cmd_pause(cli_ctx *c, int argc, char **argv);
int cmd_resume(cli_ctx *c, int argc, char **argv);
int cmd_regs(cli_ctx *c, int argc, char **argv);
int cmd_break(cli_ctx *c, int argc, char **argv);
int cmd_watch(cli_ctx *c, int argc, char **argv);

#define CLI_GDB_COMMANDS                                                                                 \
    {"pause", "", "stop the VM (gdbstub); it stays stopped", cmd_pause},                                 \
    {"resume", "", "let the VM run (gdbstub)", cmd_resume},                                              \
    {"regs", "[--cpu N]", "a vCPU's registers (gdbstub): rip, cr0,\n"                                    \
                          "cr3, cr4, efer, segment bases, GPRs",                                         \
     cmd_regs},                                                                                          \
    {"break", "ADDR|SYMBOL [--count N] [--timeout S] [--print EXPR]",                                    \
     "breakpoint (gdbstub): one line per hit with\n"                                                     \
     "vCPU, rip, cr3 and the process (Linux);\n"                                                         \
     "--print rdi,*rsi,str:rsi: registers, the\n"                                                        \
     "8 bytes or the string they point at;\n"                                                            \
     "Ctrl-C removes it and lets the VM run",                                                            \
     cmd_break},                                                                                         \
    {"watch", "--write|--read|--access ADDR LEN [--count N] [--timeout S]",                              \
     "watchpoint on guest-virtual ADDR..+LEN\n"                                                          \
     "(gdbstub), one line per hit (as break)",                                                           \
     cmd_watch},

#endif
