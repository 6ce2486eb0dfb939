/* memintro - the command-line tool: read guest memory through a connector.

   Shows the headers at work together: a connector opens a target (a running QEMU VM with
   memintro_qemu.h, a memory dump with memintro_coredump.h, a raw image) and yields a
   physical-memory backend (memintro_phys); commands translate guest-virtual addresses,
   read and search guest memory through it (memintro.h), and write ELF cores of it.

       build/memintro targets
       build/memintro -c qemu:name=vm1 info
       build/memintro -c qemu:name=vm1 search "Linux version" 0x1000000 64M
       build/memintro -c qemu:name=vm1 dump -o vm1.elf
       build/memintro -c dump:vm1.elf translate 0xffffffff81000000
       build/memintro -c raw:IMAGE --arch x86_64 --dtb 0x1000 read --virt 0xffffffff81000100 64
       build/memintro -c dump:win10.dmp ps
       build/memintro -c dump:win10.dmp --json modules 4242
       build/memintro -c qemu:name=win11 exports ntdll.dll --pid 4242
       build/memintro --help

   This file: main, the global options, the command table, the usage text and the option
   parser every command uses. A command is one entry of cli_commands[] (cli.h says what
   each file holds). */
#include "cli.h"
#include "os.h"
#include "gdb.h"

#include <errno.h>

/* ---- the command option parser ------------------------------------------------------- */

/* The spec entry for argument a ("--name", "--name=V" or the alias), or NULL. *inline_val
   is set for "--name=V". */
static const cli_optspec *cli_find_opt(const char *a, const cli_optspec *spec, size_t n, const char **inline_val)
{
    size_t i, k;
    *inline_val = 0;
    for (i = 0; i < n; i++) {
        k = strlen(spec[i].name);
        if (!strcmp(a, spec[i].name) || (spec[i].alias && !strcmp(a, spec[i].alias))) return &spec[i];
        if (spec[i].metavar && !strncmp(a, spec[i].name, k) && a[k] == '=') {
            *inline_val = a + k + 1;
            return &spec[i];
        }
    }
    return 0;
}

int cli_args(const char *cmd, int argc, char **argv, const cli_optspec *spec, size_t n, const char **pos,
             int maxpos, int *npos, const char *usage, const char *hint)
{
    int i, rest = 0;
    *npos = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *val;
        const cli_optspec *s;
        if (!rest && !strcmp(a, "--")) {
            rest = 1;
            continue;
        }
        if (!rest && a[0] == '-' && a[1]) {
            s = cli_find_opt(a, spec, n, &val);
            if (!s)
                return cli_error(CLI_USAGE, "%s: unknown option '%s'%s%s%s", cmd, a, hint ? " (" : "",
                                 hint ? hint : "", hint ? ")" : "");
            if (!s->metavar) {
                *s->flag = 1;
                continue;
            }
            if (!val) {
                if (i + 1 >= argc) return cli_error(CLI_USAGE, "%s: %s needs a %s", cmd, a, s->metavar);
                val = argv[++i];
            }
            *s->value = val;
            continue;
        }
        if (*npos == maxpos) return cli_error(CLI_USAGE, "%s: unexpected argument '%s' (usage: %s)", cmd, a, usage);
        pos[(*npos)++] = a;
    }
    return CLI_OK;
}

/* ---- commands and usage --------------------------------------------------------------- */

int cmd_connectors(cli_ctx *c, int argc, char **argv); /* info.c */
int cmd_help(cli_ctx *c, int argc, char **argv);       /* info.c */

/* Every command. Adding one = one entry here (and its run function). */
static const cli_command cli_commands[] = {
    {"connectors", "", "the connectors: name, syntax, help", cmd_connectors},
    {"help", "CONNECTOR", "a connector's syntax, its keys and the\n"
                          "middleware keys every connector takes",
     cmd_help},
    {"targets", "[CONNECTOR]", "what the connectors can open: the QEMU\n"
                               "VMs on this host, and the targets\n"
                               "registered connectors list",
     cmd_targets},
    {"info", "", "what the target is: how its layout is\n"
                 "known, each guest-physical range and its\n"
                 "backing, CPUs and paging, format facts",
     cmd_info},
    {"read", "[--virt|--pid PID] ADDR LEN [-o FILE]", "hexdump LEN bytes at ADDR, or write them\n"
                                                      "raw to FILE; --pid: in process PID's\n"
                                                      "address space (implies --virt)",
     cmd_read},
    {"translate", "[--pid PID] VADDR...", "guest-virtual to guest-physical, one line\n"
                                          "per address; --pid: in process PID's\n"
                                          "address space",
     cmd_translate},
    {"search", "[--virt] [--hex] [--max N] [--align N] PATTERN [START LEN]",
     "find PATTERN (text; hex bytes with --hex,\n"
     "?? = any byte) in the target's memory, or\n"
     "in [START, START+LEN); prints each match's\n"
     "address and the text there; at most --max\n"
     "matches (default 100)",
     cmd_search},
    {"write", "[--virt] ADDR HEXBYTES", "write bytes (\"de ad be ef\") at ADDR; needs\n"
                                        "a VM opened with -c qemu:...,write",
     cmd_write},
    {"os", "", "the OS layers --os chooses from (plugins too)", cmd_os},
    {"plugins", "", "every plugin found: loaded, or why not (*.so in\nMEMINTRO_PLUGIN_PATH, ~/.local/lib/memintro,\n/usr/local/lib/memintro, /usr/lib/memintro)", cmd_plugins},
    {"dump", "-o FILE [--force]", "write the target's memory as an ELF core\n"
                                  "(CPU notes when known); -o - for stdout;\n"
                                  "--force replaces an existing FILE",
     cmd_dump},
    CLI_GDB_COMMANDS
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

/* Prints `text` at column `col`, continuation lines indented to the same column. */
static void cli_usage_text(FILE *f, const char *text, int col)
{
    for (; *text; text++) {
        fputc(*text, f);
        if (*text == '\n') fprintf(f, "%*s", col, "");
    }
    fputc('\n', f);
}

static void cli_usage_connector(void *user, const char *syntax, const char *help)
{
    FILE *f = (FILE *)user;
    if (strlen(syntax) > 24)
        fprintf(f, "  -c %s\n  %-27s ", syntax, "");
    else
        fprintf(f, "  -c %-24s ", syntax);
    cli_usage_text(f, help, 30);
}

static void cli_usage_command(FILE *f, const cli_command *cmd)
{
    char head[96];
    snprintf(head, sizeof head, "%s %s", cmd->name, cmd->args);
    if (strlen(head) > 34)
        fprintf(f, "  %s\n  %-34s ", head, "");
    else
        fprintf(f, "  %-34s ", head);
    cli_usage_text(f, cmd->help, 37);
}

static void cli_usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: memintro [OPTIONS] COMMAND [ARGS]\n"
               "Reads the memory of a running QEMU virtual machine or of a memory snapshot.\n\n"
               "Target:\n");
    cli_connectors_each(cli_usage_connector, f);
    fprintf(f, "  Every connector also takes ,cache=on|off ,cache_size=BYTES ,cache_time=MS\n"
               "  ,delay=US ,metrics=on (memintro help CONNECTOR); unknown keys are refused.\n");
    fprintf(f, "\nPaging (for guest-virtual addresses; default: the target's CPU 0, when known):\n"
               "  --arch MODE                 x86, pae, x86_64, la57 or aarch64\n"
               "  --dtb ADDR                  page-table root: CR3, or TTBR0_EL1 for aarch64\n"
               "                              (PCID, flag, ASID and CnP bits are ignored)\n"
               "  --ttbr1 ADDR                aarch64: TTBR1_EL1, for upper-half addresses\n"
               "  --granule 4k|16k|64k        aarch64: translation granule (default 4k)\n"
               "  --va-bits N                 aarch64: VA bits per half, 25..48 (default 48)\n"
               "\nGuest OS:\n"
               "  --os auto|win32|linux|none  the OS layer (default auto: the first whose kernel\n"
               "                              is found, else none); a named layer that is not\n"
               "                              found is an error; memintro os lists every layer\n"
               "\nA target inside a target (a QEMU running in a Linux guest):\n"
               "  -c qemu:name=OUTER --os linux -c qemu:name=INNER\n"
               "                              the second -c opens a VM among the processes of\n"
               "                              the first one's guest; commands read the last\n"
               "\nOutput:\n"
               "  --json                      machine-readable output (JSON)\n"
               "  -h, --help                  this text\n"
               "  --version                   the version\n"
               "\nCommands:\n");
    for (i = 0; i < CLI_NCOMMANDS; i++) cli_usage_command(f, &cli_commands[i]);
    for (i = 0; i < cli_os_count; i++) {
        size_t k;
        if (!cli_os_layers[i]->ncommands) continue;
        fprintf(f, "\nCommands of the %s OS layer (%s):\n", cli_os_layers[i]->name, cli_os_layers[i]->help);
        for (k = 0; k < cli_os_layers[i]->ncommands; k++) cli_usage_command(f, &cli_os_layers[i]->commands[k]);
    }
    fprintf(f, "\nADDR is guest-physical, or guest-virtual with --virt. Numbers are hex with 0x or\n"
               "decimal; LEN may end in k, M or G (powers of 1024); read reads at most 1G.\n"
               "translate prints 'VADDR -> PADDR (SIZE page, rw|ro user|kernel x|nx)', or\n"
               "'VADDR -> not mapped (level N)' (N counts tables from the leaf: 1 = PT/L3),\n"
               "'-> not canonical', '-> table unreadable: REASON (level N)'.\n"
               "read hexdumps 16 bytes a line; unreadable bytes show as ?? (zeros with -o;\n"
               "-o - writes the raw bytes to stdout).\n"
               "A live VM keeps running while memintro reads it (pause it with QMP \"stop\" for\n"
               "a consistent view). search without START LEN reads all of the target's memory.\n"
               "dump refuses to replace an existing FILE without --force. read -o and dump -o\n"
               "write a regular FILE as FILE.partial-* first (mode 0600: it holds guest memory)\n"
               "and rename it when complete, so a failed or interrupted command leaves no file\n"
               "behind; a device or FIFO is written in place, never replaced.\n"
               "The guest OS is looked for only by info, the OS layers' commands and --pid;\n"
               "info says which layer is active, and why the others were not found. A guest\n"
               "list that breaks (a loop, a pointer into unmapped memory) prints the entries\n"
               "before the break, then one error line naming where it ended (exit 1).\n"
               "Exit status: 0 success; 1 an address did not translate, bytes could not be read,\n"
               "search found nothing, no guest OS (or not the one --os names) was found, a guest\n"
               "list broke, or the target failed; 2 bad usage.\n");
}

/* Matches option `name` at argv[*i]: "--name VALUE" or "--name=VALUE". Returns 1 and sets
   *val when it matches, 0 when not; -1 when the value is missing (error printed). */
static int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n)) return 0;
    if (a[n] == '=' && name[1] == '-') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n]) return 0;
    if (*i + 1 >= argc) {
        cli_error(CLI_USAGE, "%s needs a value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

/* Parses one global option at argv[*i]. Returns 1 if consumed, 0 if not a global option,
   or -(exit status) on an error (printed). */
static int cli_global(cli_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *val, *why;
    int m;
    if (!strcmp(a, "--json")) {
        o->json = 1;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "-c", &val)) || (m = cli_opt(argc, argv, i, "--connect", &val))) {
        if (m < 0) return -CLI_USAGE;
        if (o->connect) { /* nesting: the earlier target and its --os hold this one */
            if (!o->os_given) {
                cli_error(CLI_USAGE, "-c %s after -c %s: name the OS the inner target runs in between them (-c %s "
                                     "--os linux -c %s)", val, o->connect, o->connect, val);
                return -CLI_USAGE;
            }
            if (o->nouter == CLI_NEST_MAX) {
                cli_error(CLI_USAGE, "at most %d targets inside each other", CLI_NEST_MAX + 1);
                return -CLI_USAGE;
            }
            o->outer[o->nouter] = o->connect;
            o->outer_os[o->nouter++] = o->os;
            o->os = 0;
        }
        o->connect = val;
        o->os_given = 0;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--os", &val))) {
        if (m < 0) return -CLI_USAGE;
        if (cli_os_parse(val, &o->os) != CLI_OK) return -CLI_USAGE;
        o->os_given = 1;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--arch", &val))) {
        memintro_arch a;
        if (m < 0) return -CLI_USAGE;
        a = memintro_arch_parse(val);
        if (a != MEMINTRO_ARCH_NONE && a != (memintro_arch)-1) { /* names and aliases: the core's */
            o->arch = a;
            o->arch_name = memintro_arch_name(a);
            return 1;
        }
        cli_error(CLI_USAGE, "unknown --arch '%s' (choose x86, pae, x86_64, la57 or aarch64)", val);
        return -CLI_USAGE;
    }
    if ((m = cli_opt(argc, argv, i, "--dtb", &val)) || (m = cli_opt(argc, argv, i, "--ttbr1", &val))) {
        int upper = !strncmp(a, "--ttbr1", 7);
        uint64_t x;
        if (m < 0) return -CLI_USAGE;
        if ((why = cli_parse_num(val, &x))) {
            cli_error(CLI_USAGE, "%s '%s': %s", upper ? "--ttbr1" : "--dtb", val, why);
            return -CLI_USAGE;
        }
        if (upper) {
            o->ttbr1 = x;
            o->have_ttbr1 = 1;
        } else {
            o->dtb = x;
            o->have_dtb = 1;
        }
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--granule", &val))) {
        if (m < 0) return -CLI_USAGE;
        if (!strcmp(val, "4k") || !strcmp(val, "4K") || !strcmp(val, "4096"))
            o->granule = 4096;
        else if (!strcmp(val, "16k") || !strcmp(val, "16K") || !strcmp(val, "16384"))
            o->granule = 16384;
        else if (!strcmp(val, "64k") || !strcmp(val, "64K") || !strcmp(val, "65536"))
            o->granule = 65536;
        else {
            cli_error(CLI_USAGE, "unknown --granule '%s' (choose 4k, 16k or 64k)", val);
            return -CLI_USAGE;
        }
        o->have_granule = 1;
        return 1;
    }
    if ((m = cli_opt(argc, argv, i, "--va-bits", &val))) {
        uint64_t x;
        if (m < 0) return -CLI_USAGE;
        if ((why = cli_parse_num(val, &x)) || x < 25 || x > 48) {
            cli_error(CLI_USAGE, "--va-bits '%s': %s", val, why ? why : "must be 25..48");
            return -CLI_USAGE;
        }
        o->va_bits = (uint32_t)x;
        o->have_va_bits = 1;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_ctx c;
    char **rest;
    int nrest = 0, i, rc;
    const cli_command *cmd = 0;
    const char *cmdname = 0;
    memset(&c, 0, sizeof c);
    cli_signals_init();
    cli_gdb_register();
    cli_plugins_load(argc, argv);
    rest = (char **)cli_alloc((size_t)(argc + 1) * sizeof *rest);
    /* Global options are accepted anywhere; the first other word is the command, and what
       follows it (its own options included) goes to the command. */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int g;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_usage(stdout);
            free(rest);
            return CLI_OK;
        }
        if (!strcmp(a, "--version")) {
            printf("memintro %d.%d\n", MEMINTRO_VERSION_MAJOR, MEMINTRO_VERSION_MINOR);
            free(rest);
            return CLI_OK;
        }
        if (cmdname && !strcmp(a, "--")) {
            for (; i < argc; i++) rest[nrest++] = argv[i];
            break;
        }
        g = cli_global(&c.o, argc, argv, &i);
        if (g < 0) {
            free(rest);
            return -g;
        }
        if (g) continue;
        if (!cmdname) {
            if (a[0] == '-' && a[1]) {
                free(rest);
                return cli_error(CLI_USAGE, "unknown option '%s' (see memintro --help)", a);
            }
            cmdname = a;
            continue;
        }
        rest[nrest++] = argv[i];
    }
    if (!cmdname) {
        free(rest);
        return cli_error(CLI_USAGE, "no command given (see memintro --help)");
    }
    for (i = 0; i < (int)CLI_NCOMMANDS; i++)
        if (!strcmp(cli_commands[i].name, cmdname)) cmd = &cli_commands[i];
    if (!cmd) { /* the commands OS layers add: known by name before anything is opened */
        int any = 0;
        for (i = 0; i < (int)cli_os_count; i++) {
            size_t k;
            for (k = 0; k < cli_os_layers[i]->ncommands; k++)
                if (!strcmp(cli_os_layers[i]->commands[k].name, cmdname)) any = 1;
        }
        if (!any) {
            char known[512] = "";
            for (i = 0; i < (int)CLI_NCOMMANDS; i++) {
                if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, cli_commands[i].name, sizeof known - strlen(known) - 1);
            }
            for (i = 0; i < (int)cli_os_count; i++) {
                size_t k;
                for (k = 0; k < cli_os_layers[i]->ncommands; k++) {
                    strncat(known, k ? ", " : "; ", sizeof known - strlen(known) - 1);
                    strncat(known, cli_os_layers[i]->commands[k].name, sizeof known - strlen(known) - 1);
                }
                if (cli_os_layers[i]->ncommands) {
                    strncat(known, " (", sizeof known - strlen(known) - 1);
                    strncat(known, cli_os_layers[i]->name, sizeof known - strlen(known) - 1);
                    strncat(known, ")", sizeof known - strlen(known) - 1);
                }
            }
            free(rest);
            return cli_error(CLI_USAGE, "unknown command '%s' (commands: %s)", cmdname, known);
        }
    }
    if ((rc = cli_gdb_take_key(&c.o)) != CLI_OK) {
        free(rest);
        return rc;
    }
    /* Options for the other architecture are a usage error before anything is opened. */
    if (c.o.arch_name && c.o.arch != MEMINTRO_ARCH_AARCH64 &&
        (c.o.have_ttbr1 || c.o.have_granule || c.o.have_va_bits)) {
        free(rest);
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s",
                         c.o.arch_name);
    }
    cli_out_init(&c.out, stdout, c.o.json);
    rc = cmd ? cmd->run(&c, nrest, rest) : cli_os_dispatch(&c, cmdname, nrest, rest);
    if (fflush(stdout) || ferror(stdout)) {
        if (rc == CLI_OK) rc = cli_error(CLI_FAIL, "cannot write the output: %s", strerror(errno));
    }
    cli_os_release(&c);
    cli_target_release(&c);
    free(rest);
    return rc;
}
