/* memintro CLI: the OS layers' framework (os.h): the list of layers, --os, detection once
   per run (memintro_os.h), the active layer, the dispatcher of the layers' commands, the
   generic commands of registered layers (plugins), and `memintro os`. */
#include "os.h"

/* The run's OS layer (one target per run). */
static struct {
    int tried;               /* memintro_os_open was called */
    memintro_status status;  /* its result */
    memintro_os os;
    const cli_os *active;
} cli_osl;

/* ---- the list: built-ins by name, every other registered layer generic ----------------- */

static int cmd_gen_ps(cli_ctx *c, int argc, char **argv);
static int cmd_gen_modules(cli_ctx *c, int argc, char **argv);
static const cli_command cli_gen_commands[] = {
    {"ps", "", "the processes: pid, parent, name, DTB,\n"
               "flags, kernel object (memintro_os.h)",
     cmd_gen_ps},
    {"modules", "PID|kernel [--32bit]", "a process's modules or the kernel's:\n"
                                        "base, size, name, path (memintro_os.h)",
     cmd_gen_modules},
};
static const size_t cli_gen_ncommands = sizeof cli_gen_commands / sizeof cli_gen_commands[0];
static void cli_gen_info(cli_ctx *c, cli_out *o);
static int cli_gen_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out);

static cli_os cli_os_gen[CLI_OS_LIST_MAX];
static const cli_os *cli_os_all[CLI_OS_LIST_MAX + 1];
static size_t cli_os_n;

const cli_os *const *cli_os_list(size_t *count)
{
    size_t i, n, k = 0;
    const memintro_os_layer *const *l = memintro_os_layer_list(&n);
    for (i = 0; i < n && k < CLI_OS_LIST_MAX; i++) {
        if (!strcmp(l[i]->name, "win32")) {
            cli_os_all[k++] = &cli_os_win32;
        } else if (!strcmp(l[i]->name, "linux")) {
            cli_os_all[k++] = &cli_os_linux;
        } else if (!strcmp(l[i]->name, "none")) {
            cli_os_all[k++] = &cli_os_none;
        } else {
            cli_os *g = &cli_os_gen[k];
            g->name = l[i]->name;
            g->help = l[i]->help ? l[i]->help : "";
            g->info = cli_gen_info;
            g->process_virt = cli_gen_process_virt;
            g->commands = cli_gen_commands;
            g->ncommands = cli_gen_ncommands;
            cli_os_all[k++] = g;
        }
    }
    cli_os_all[k] = 0;
    cli_os_n = k;
    if (count) *count = k;
    return cli_os_all;
}

size_t cli_os_list_count(void)
{
    size_t n;
    cli_os_list(&n);
    return n;
}

static int cli_os_is_generic(const cli_os *os)
{
    return os >= &cli_os_gen[0] && os < &cli_os_gen[CLI_OS_LIST_MAX];
}

int cli_os_parse(const char *name, const cli_os **out)
{
    size_t i, n;
    const cli_os *const *l = cli_os_list(&n);
    char known[512] = "auto";
    *out = 0;
    if (!strcmp(name, "auto")) return CLI_OK;
    for (i = 0; i < n; i++) {
        if (!strcmp(l[i]->name, name)) {
            *out = l[i];
            return CLI_OK;
        }
        strncat(known, i + 1 < n ? ", " : " or ", sizeof known - strlen(known) - 1);
        strncat(known, l[i]->name, sizeof known - strlen(known) - 1);
    }
    return cli_error(CLI_USAGE, "unknown --os '%s' (choose %s)", name, known);
}

/* ---- detection ------------------------------------------------------------------------ */

/* The CLI's layer of the layer memintro_os_open found. */
static const cli_os *cli_os_of(const memintro_os_layer *l)
{
    size_t i, n;
    const cli_os *const *all = cli_os_list(&n);
    for (i = 0; i < n; i++)
        if (!strcmp(all[i]->name, l->name)) return all[i];
    return &cli_os_none;
}

/* memintro_os's error without its "NAME: " prefix. */
static const char *cli_os_reason(const char *name)
{
    const char *e = memintro_os_error(&cli_osl.os);
    size_t n = strlen(name);
    if (!strncmp(e, name, n) && e[n] == ':' && e[n + 1] == ' ') return e + n + 2;
    return e;
}

int cli_os_active(cli_ctx *c, const char *cmd, const cli_os **out)
{
    cli_target *t;
    memintro_os_hints h;
    int rc;
    char buf[600];
    if (cli_osl.active) {
        *out = cli_osl.active;
        return CLI_OK;
    }
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (!cli_osl.tried) {
        memset(&h, 0, sizeof h);
        if (c->o.arch_name) h.paging.arch = c->o.arch;
        if (c->o.have_dtb) h.paging.dtb = c->o.dtb;
        cli_target_cpus(t);
        cli_osl.tried = 1;
        cli_osl.status = memintro_os_open(&cli_osl.os, t, c->o.os ? c->o.os->name : "auto", &h);
        if (cli_osl.status == MEMINTRO_OK) cli_osl.active = cli_os_of(cli_osl.os.layer);
    }
    if (cli_osl.status != MEMINTRO_OK) {
        cli_oneline(c->o.os ? cli_os_reason(c->o.os->name) : memintro_os_error(&cli_osl.os), buf, sizeof buf);
        if (c->o.os) return cli_error(CLI_FAIL, "%s: --os %s: %s", cmd, c->o.os->name, buf);
        return cli_error(CLI_FAIL, "%s: %s", cmd, buf); /* the target failed: "LAYER: REASON" */
    }
    *out = cli_osl.active;
    return CLI_OK;
}

memintro_os *cli_os_object(cli_ctx *c)
{
    (void)c;
    return cli_osl.active ? &cli_osl.os : 0;
}

/* "win32: REASON; linux: REASON" for the layers tried and not found. */
static const char *cli_os_reasons(char *buf, size_t len)
{
    snprintf(buf, len, "%s", cli_osl.os.why);
    return buf;
}

int cli_os_require(cli_ctx *c, const char *cmd, const cli_os *os)
{
    const cli_os *a;
    char why[1024];
    int rc;
    if (c->os_parse_only) return CLI_OS_PARSED;
    rc = cli_os_active(c, cmd, &a);
    if (rc != CLI_OK) return rc;
    if (a == os || (!os && cli_os_is_generic(a))) return CLI_OK;
    if (a == &cli_os_none)
        return cli_error(CLI_FAIL, "%s: no guest OS found (%s)", cmd, cli_os_reasons(why, sizeof why));
    return cli_error(CLI_FAIL, "%s: the guest OS found is %s, which has no %s command", cmd, a->name, cmd);
}

int cli_os_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out)
{
    const cli_os *a;
    char why[1024];
    int rc = cli_os_active(c, cmd, &a);
    if (rc != CLI_OK) return rc;
    if (a->process_virt) return a->process_virt(c, cmd, pid, out);
    if (a == &cli_os_none && !c->o.os)
        return cli_error(CLI_FAIL, "%s --pid: no guest OS found (%s)", cmd, cli_os_reasons(why, sizeof why));
    return cli_error(CLI_USAGE, "%s --pid: the %s OS layer knows no processes", cmd, a->name);
}

int cli_os_dispatch(cli_ctx *c, const char *name, int argc, char **argv)
{
    const cli_command *hit[CLI_OS_LIST_MAX];
    const cli_os *hitos[CLI_OS_LIST_MAX], *a;
    size_t i, k, n = 0, nl;
    const cli_os *const *l = cli_os_list(&nl);
    int rc;
    for (i = 0; i < nl; i++)
        for (k = 0; k < l[i]->ncommands; k++)
            if (!strcmp(l[i]->commands[k].name, name)) {
                hitos[n] = l[i];
                hit[n++] = &l[i]->commands[k];
            }
    if (!n) return -1;
    if (c->o.os) { /* --os NAME: that layer's command, or a usage error */
        for (i = 0; i < n; i++)
            if (hitos[i] == c->o.os) return hit[i]->run(c, argc, argv);
        return cli_error(CLI_USAGE, "%s: not a command of --os %s (it is a command of %s%s)", name, c->o.os->name,
                         hitos[0]->name, n > 1 ? " and others" : "");
    }
    if (n == 1) return hit[0]->run(c, argc, argv); /* it parses its arguments, then requires its layer */
    if (!cli_osl.active) {
        /* usage errors before the target is opened: the arguments must suit one of the
           layers' commands (each parses them, then stops at cli_os_require); if none
           takes them, the first layer's command says why */
        for (i = 0; i < n; i++) {
            c->os_parse_only = cli_quiet = 1;
            rc = hit[i]->run(c, argc, argv);
            c->os_parse_only = cli_quiet = 0;
            if (rc == CLI_OS_PARSED) break;
        }
        if (i == n) return hit[0]->run(c, argc, argv);
    }
    if ((rc = cli_os_active(c, name, &a)) != CLI_OK) return rc;
    for (i = 0; i < n; i++)
        if (hitos[i] == a) return hit[i]->run(c, argc, argv);
    return cli_os_require(c, name, hitos[0]); /* prints why */
}

int cli_os_info(cli_ctx *c, cli_out *o)
{
    const cli_os *a;
    char why[1024];
    int rc = cli_os_active(c, "info", &a);
    if (rc != CLI_OK) return rc;
    cli_obj(o, "os");
    if (a == &cli_os_none) {
        const char *p = cli_osl.os.why;
        cli_str(o, "name", "os         %s", a->name);
        cli_text(o, c->o.os ? " (--os none)\n" : " (%s)\n", cli_os_reasons(why, sizeof why));
        cli_obj(o, "not_found");
        while (*p) { /* "NAME: REASON" entries separated by "; " (a reason holds no ';') */
            const char *end = strstr(p, "; "), *colon;
            size_t len = end ? (size_t)(end - p) : strlen(p);
            char name[128], reason[1024];
            colon = strstr(p, ": ");
            if (colon && colon < p + len) {
                snprintf(name, sizeof name, "%.*s", (int)(colon - p), p);
                snprintf(reason, sizeof reason, "%.*s", (int)(p + len - colon - 2), colon + 2);
                cli_str(o, name, 0, reason);
            }
            p += len;
            if (*p) p += 2;
        }
        cli_end(o);
    } else {
        cli_str(o, "name", 0, a->name);
        if (a->info) a->info(c, o);
    }
    cli_end(o);
    return CLI_OK;
}

void cli_os_release(cli_ctx *c)
{
    (void)c;
    if (cli_osl.tried) memintro_os_close(&cli_osl.os);
    memset(&cli_osl, 0, sizeof cli_osl);
}

int cli_os_walk_error(const char *cmd, const char *what, memintro_status s, uint64_t n, uint64_t last)
{
    if (n)
        return cli_error(CLI_FAIL, "%s: %s ends after %llu entr%s (the last at 0x%llx): %s", cmd, what, (cli_ull)n,
                         n == 1 ? "y" : "ies", (cli_ull)last, memintro_status_str(s));
    return cli_error(CLI_FAIL, "%s: %s cannot be read: %s", cmd, what, memintro_status_str(s));
}

/* ---- memintro os ---------------------------------------------------------------------- */

int cmd_os(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    size_t i, n;
    const memintro_os_layer *const *l;
    int rc, npos;
    cli_out *o = &c->out;
    if ((rc = cli_args("os", argc, argv, 0, 0, pos, 0, &npos, "os", 0)) != CLI_OK) return rc;
    l = memintro_os_layer_list(&n);
    cli_arr(o, 0);
    cli_text(o, "%-12s %-8s %s\n", "NAME", "VERSION", "HELP");
    for (i = 0; i < n; i++) {
        int builtin = !strcmp(l[i]->name, "win32") || !strcmp(l[i]->name, "linux") || !strcmp(l[i]->name, "none");
        cli_obj(o, 0);
        cli_str(o, "name", "%-12s ", l[i]->name);
        cli_str(o, "version", "%-8s ", l[i]->version ? l[i]->version : "-");
        cli_str(o, "help", "%s", l[i]->help ? l[i]->help : "");
        cli_bool(o, "builtin", 0, builtin);
        cli_text(o, "%s\n", builtin ? "" : " (registered)");
        cli_end(o);
    }
    cli_end(o);
    return CLI_OK;
}

/* ---- the generic commands of a registered layer (memintro_os.h's interface) ----------- */

typedef struct cli_gen_walk {
    cli_out *o;
    uint64_t n, last;
} cli_gen_walk;

static int cli_gen_fact(void *user, const char *name, const char *value)
{
    cli_out *o = (cli_out *)user;
    char fmt[64];
    snprintf(fmt, sizeof fmt, "%-10s %%s\n", name);
    cli_str(o, name, fmt, value);
    return 0;
}

static void cli_gen_info(cli_ctx *c, cli_out *o)
{
    memintro_os *os = &cli_osl.os;
    memintro_status s;
    (void)c;
    cli_text(o, "os         %s (%s, version %s)\n", os->layer->name, os->layer->help ? os->layer->help : "",
             os->layer->version ? os->layer->version : "-");
    cli_str(o, "version", 0, os->layer->version ? os->layer->version : "");
    s = memintro_os_facts(os, cli_gen_fact, o);
    if (s != MEMINTRO_OK && s != MEMINTRO_E_UNSUPPORTED) cli_str(o, "facts_error", "facts      %s\n", memintro_os_error(os));
}

static int cli_gen_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out)
{
    memintro_os *os = &cli_osl.os;
    char buf[600];
    (void)c;
    if (memintro_os_process_virt(os, pid, out) == MEMINTRO_OK) return CLI_OK;
    return cli_error(CLI_FAIL, "%s: pid %llu: %s", cmd, (cli_ull)pid, cli_oneline(memintro_os_error(os), buf, sizeof buf));
}

static int cli_gen_ps_one(void *user, const memintro_os_process *p)
{
    cli_gen_walk *k = (cli_gen_walk *)user;
    cli_out *o = k->o;
    char fl[40];
    cli_obj(o, 0);
    cli_num(o, "pid", "%8s ", p->pid);
    cli_num(o, "ppid", "%8s  ", p->ppid);
    cli_str(o, "name", "%-16s  ", p->name);
    cli_hex(o, "dtb", "%-18s  ", p->dtb);
    cli_bool(o, "32bit", 0, !!(p->flags & MEMINTRO_OS_PROC_32BIT));
    cli_bool(o, "exited", 0, !!(p->flags & MEMINTRO_OS_PROC_EXITED));
    cli_bool(o, "kernel", 0, !!(p->flags & MEMINTRO_OS_PROC_KERNEL));
    snprintf(fl, sizeof fl, "%s%s%s", p->flags & MEMINTRO_OS_PROC_32BIT ? "32bit," : "",
             p->flags & MEMINTRO_OS_PROC_EXITED ? "exited," : "", p->flags & MEMINTRO_OS_PROC_KERNEL ? "kernel," : "");
    if (fl[0]) fl[strlen(fl) - 1] = 0;
    cli_text(o, "%-18s  ", fl[0] ? fl : "-");
    cli_hex(o, "object", "%s\n", p->object);
    cli_end(o);
    k->n++;
    k->last = p->object;
    return 0;
}

static int cmd_gen_ps(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    cli_gen_walk k;
    memintro_status s;
    int rc, npos;
    if ((rc = cli_args("ps", argc, argv, 0, 0, pos, 0, &npos, "ps", 0)) != CLI_OK) return rc;
    if ((rc = cli_os_require(c, "ps", 0)) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%8s %8s  %-16s  %-18s  %-18s  %s\n", "PID", "PPID", "NAME", "DTB", "FLAGS", "OBJECT");
    s = memintro_os_processes(&cli_osl.os, cli_gen_ps_one, &k);
    cli_end(k.o);
    if (s != MEMINTRO_OK) {
        char buf[600];
        if (k.n) return cli_os_walk_error("ps", "the process list", s, k.n, k.last);
        return cli_error(CLI_FAIL, "ps: %s", cli_oneline(memintro_os_error(&cli_osl.os), buf, sizeof buf));
    }
    return CLI_OK;
}

static int cli_gen_mod_one(void *user, const memintro_os_module *m)
{
    cli_gen_walk *k = (cli_gen_walk *)user;
    cli_out *o = k->o;
    cli_obj(o, 0);
    cli_hex(o, "base", "%-18s  ", m->base);
    cli_num(o, "size", "%10s  ", m->size);
    cli_str(o, "name", "%-24s  ", m->name);
    cli_str(o, "path", "%s\n", m->path);
    cli_end(o);
    k->n++;
    k->last = m->base;
    return 0;
}

static int cmd_gen_modules(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1], *why;
    static const char usage[] = "modules PID|kernel [--32bit]";
    cli_gen_walk k;
    memintro_status s;
    uint64_t pid = MEMINTRO_OS_KERNEL_PID;
    int rc, npos, bits32 = 0;
    char buf[600];
    const cli_optspec spec[] = {{"--32bit", "--wow64", 0, &bits32, 0}};
    if ((rc = cli_args("modules", argc, argv, spec, 1, pos, 1, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 1) return cli_error(CLI_USAGE, "modules: missing PID or 'kernel' (usage: %s)", usage);
    if (strcmp(pos[0], "kernel") && (why = cli_parse_num(pos[0], &pid)))
        return cli_error(CLI_USAGE, "modules: '%s' is neither a PID nor 'kernel': %s", pos[0], why);
    if ((rc = cli_os_require(c, "modules", 0)) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%-18s  %10s  %-24s  %s\n", "BASE", "SIZE", "NAME", "PATH");
    s = memintro_os_modules(&cli_osl.os, pid, bits32 ? MEMINTRO_OS_MOD_32BIT : 0, cli_gen_mod_one, &k);
    cli_end(k.o);
    if (s != MEMINTRO_OK) {
        if (k.n) return cli_os_walk_error("modules", "the module list", s, k.n, k.last);
        return cli_error(CLI_FAIL, "modules: %s", cli_oneline(memintro_os_error(&cli_osl.os), buf, sizeof buf));
    }
    return CLI_OK;
}

