/* memintro CLI: info (what the target is); the inventory of connectors: connectors, help
   CONNECTOR, targets [CONNECTOR] (the VMs on this host, and what registered connectors list). */
#include "cli.h"
#include "os.h"

#include <errno.h>

int cmd_info(cli_ctx *c, int argc, char **argv)
{
    cli_target *t;
    cli_out *o = &c->out;
    const char *pos[1];
    size_t i;
    uint64_t total = 0;
    char h[32], fmt[96];
    int rc, npos;
    if ((rc = cli_args("info", argc, argv, 0, 0, pos, 0, &npos, "info", 0)) != CLI_OK) return rc;
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    cli_target_cpus(t);
    {
        const cli_os *os; /* the guest OS first: an error before any output */
        if ((rc = cli_os_active(c, "info", &os)) != CLI_OK) return rc;
    }
    for (i = 0; t->map && i < t->map->count; i++) total += t->map->ranges[i].size;
    cli_obj(o, 0);
    cli_str(o, "connector", "connector  %s\n", t->connector);
    cli_str(o, "target", "target     %s\n", t->description);
    cli_str(o, "layout", 0, memintro_target_layout_name(t->layout));
    cli_str(o, "layout_detail", "layout     %s\n", t->layout_text);
    cli_obj(o, "facts");
    for (i = 0; i < t->fact_count; i++) {
        snprintf(fmt, sizeof fmt, "%-10s %%s\n", t->facts[i].name);
        cli_str(o, t->facts[i].name, fmt, t->facts[i].value);
    }
    cli_end(o);
    cli_arr(o, "cpus");
    for (i = 0; i < t->cpu_count; i++) {
        const memintro_cpu *cpu = &t->cpus[i];
        memintro_mmu_desc d;
        cli_obj(o, 0);
        cli_num(o, "index", 0, cpu->index);
        cli_str(o, "mode", 0, memintro_cpu_mmu(cpu, &d) == MEMINTRO_OK ? memintro_arch_describe(d.arch) : "no paging");
        if (cpu->flags & MEMINTRO_CPU_SYSTEM) cli_hex(o, "cr3", 0, cpu->isa == MEMINTRO_ISA_AARCH64 ? cpu->ttbr0 : cpu->cr[3]);
        if (cpu->flags & MEMINTRO_CPU_GPRS) cli_hex(o, "rip", 0, cpu->rip);
        cli_end(o);
    }
    cli_end(o);
    if (t->has_paging) {
        cli_obj(o, "paging");
        cli_str(o, "arch", "virtual    %s, ", memintro_arch_name(t->paging.arch));
        cli_hex(o, "dtb", "DTB %s: ", memintro_mmu_root(&t->paging, 0));
        cli_str(o, "source", "%s; translate and read --virt use it unless --arch/--dtb are given\n", t->paging_source);
        cli_end(o);
    } else {
        cli_null(o, "paging", 0);
        if (t->cpu_note[0])
            cli_text(o, "virtual    unknown (%s): give --arch and --dtb for guest-virtual addresses\n", t->cpu_note);
    }
    if ((rc = cli_os_info(c, o)) != CLI_OK) return rc; /* known already: cannot fail here */
    if (t->vmcoreinfo) cli_str(o, "vmcoreinfo", 0, t->vmcoreinfo);
    cli_arr(o, "ranges");
    for (i = 0; i < t->range_count; i++) {
        const memintro_target_range *rg = &t->ranges[i];
        cli_obj(o, 0);
        cli_hex(o, "start", "range      %s-", rg->start);
        cli_hex(o, "end", "%s  ", rg->end);
        cli_num(o, "size", 0, rg->end - rg->start);
        cli_text(o, "%s  ", cli_human(rg->end - rg->start, h, sizeof h));
        cli_str(o, "backing", "%s\n", rg->backing);
        cli_end(o);
    }
    cli_end(o);
    if (t->live && t->ram_size) { /* a VM's RAM; a file's memory is the line below */
        snprintf(fmt, sizeof fmt, "ram        %%s bytes (%s) of guest RAM\n", cli_human(t->ram_size, h, sizeof h));
        cli_num(o, "ram", fmt, t->ram_size);
    }
    snprintf(fmt, sizeof fmt, "memory     %%s bytes (%s) in %llu range%s (end exclusive)\n",
             cli_human(total, h, sizeof h), (cli_ull)t->range_count, t->range_count == 1 ? "" : "s");
    cli_num(o, "memory", fmt, total);
    cli_end(o);
    return CLI_OK;
}

/* "qemu, dump, raw, ..." */
static const char *cli_connector_names(char *buf, size_t size)
{
    size_t i, n = 0;
    const memintro_connector *const *l = memintro_target_connector_list(&n);
    buf[0] = 0;
    for (i = 0; i < n; i++) snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", l[i]->name);
    return buf;
}

/* The connector named `name`, or a usage error listing the known ones. */
static int cli_connector_get(const char *cmd, const char *name, const memintro_connector **out)
{
    char known[512];
    *out = memintro_target_connector_find(name);
    if (*out) return CLI_OK;
    return cli_error(CLI_USAGE, "%s: unknown connector '%s' (known: %s)", cmd, name,
                     cli_connector_names(known, sizeof known));
}

static int cli_connector_builtin(const memintro_connector *k)
{
    size_t n = 0;
    const memintro_connector *const *l = memintro_target_connector_list(&n);
    return (n > 0 && l[0] == k) || (n > 1 && l[1] == k) || (n > 2 && l[2] == k); /* built-ins come first */
}

/* The defaults of the middleware for connector k, in words. */
static const char *cli_connector_defaults(const memintro_connector *k)
{
    if (!cli_connector_builtin(k))
        return "cache on (4M of pages, read again after 10 ms) when the connector says its target is live, "
               "else off; no delay; metrics off";
    if (!strcmp(k->name, "qemu")) return "cache on (4M of pages, read again after 10 ms: a live VM); no delay; metrics off";
    return "cache off (the file is memory-mapped: a cache would only copy); no delay; metrics off";
}

/* One key list as JSON objects (name, value, help) under `key`. */
static void cli_keys_json(cli_out *o, const char *key, const memintro_connector_key *keys, size_t n)
{
    size_t i;
    cli_arr(o, key);
    for (i = 0; i < n; i++) {
        cli_obj(o, 0);
        cli_str(o, "name", 0, keys[i].name);
        cli_str(o, "value", 0, keys[i].value ? keys[i].value : "");
        cli_str(o, "help", 0, keys[i].help ? keys[i].help : "");
        cli_end(o);
    }
    cli_end(o);
}

/* The JSON fields of connector k (an object is open). */
static void cli_connector_fields(cli_out *o, const memintro_connector *k)
{
    cli_str(o, "name", 0, k->name);
    cli_str(o, "syntax", 0, k->syntax ? k->syntax : k->name);
    cli_str(o, "help", 0, k->help && k->help[0] ? k->help : "(no help text)");
    cli_str(o, "version", 0, k->version ? k->version : "");
    cli_bool(o, "builtin", 0, cli_connector_builtin(k));
    cli_bool(o, "targets", 0, k->targets != 0);
    cli_keys_json(o, "keys", k->keys, k->keys ? k->nkeys : 0);
}

int cmd_connectors(cli_ctx *c, int argc, char **argv)
{
    cli_out *o = &c->out;
    const char *pos[1];
    size_t i, n = 0, nmw = 0;
    const memintro_connector *const *l;
    const memintro_connector_key *mw = memintro_target_middleware_keys(&nmw);
    int rc, npos;
    if ((rc = cli_args("connectors", argc, argv, 0, 0, pos, 0, &npos, "connectors", 0)) != CLI_OK) return rc;
    l = memintro_target_connector_list(&n);
    cli_arr(o, 0);
    for (i = 0; i < n; i++) {
        cli_obj(o, 0);
        cli_connector_fields(o, l[i]);
        cli_text(o, "%-8s %s\n%-8s %s%s%s\n", l[i]->name, l[i]->syntax ? l[i]->syntax : l[i]->name, "",
                 l[i]->help && l[i]->help[0] ? l[i]->help : "(no help text)",
                 cli_connector_builtin(l[i]) ? "" : " [registered]", l[i]->targets ? " [targets]" : "");
        cli_end(o);
    }
    cli_end(o);
    if (!o->json) {
        printf("\nOn every connector:");
        for (i = 0; i < nmw; i++) printf("%s %s=%s", i ? "," : "", mw[i].name, mw[i].value);
        printf("\nmemintro help CONNECTOR: its keys; memintro targets CONNECTOR: what it can open ([targets]).\n");
    }
    return CLI_OK;
}

/* Prints one key for help: "  name=VALUE   help". */
static void cli_help_key(const memintro_connector_key *k)
{
    char head[96];
    snprintf(head, sizeof head, "%s%s%s", k->name, k->value && k->value[0] ? "=" : "", k->value ? k->value : "");
    if (strlen(head) > 26)
        printf("  %s\n  %-26s %s\n", head, "", k->help ? k->help : "");
    else
        printf("  %-26s %s\n", head, k->help ? k->help : "");
}

int cmd_help(cli_ctx *c, int argc, char **argv)
{
    cli_out *o = &c->out;
    const char *pos[1];
    const memintro_connector *k;
    const memintro_connector_key *mw;
    size_t i, nmw = 0;
    int rc, npos;
    char known[512];
    if ((rc = cli_args("help", argc, argv, 0, 0, pos, 1, &npos, "help CONNECTOR", 0)) != CLI_OK) return rc;
    if (!npos)
        return cli_error(CLI_USAGE, "help: which connector? (known: %s; memintro --help shows the commands)",
                         cli_connector_names(known, sizeof known));
    if ((rc = cli_connector_get("help", pos[0], &k)) != CLI_OK) return rc;
    mw = memintro_target_middleware_keys(&nmw);
    if (o->json) {
        cli_obj(o, 0);
        cli_connector_fields(o, k);
        cli_keys_json(o, "middleware", mw, nmw);
        cli_str(o, "defaults", 0, cli_connector_defaults(k));
        cli_end(o);
        return CLI_OK;
    }
    printf("%s%s%s (%s): %s\n", k->name, k->version && k->version[0] ? " " : "", k->version ? k->version : "",
           cli_connector_builtin(k) ? "built in" : "registered", k->help && k->help[0] ? k->help : "(no help text)");
    printf("\nsyntax: -c %s\n", k->syntax ? k->syntax : k->name);
    if (k->keys && k->nkeys) {
        printf("\nkeys:\n");
        for (i = 0; i < k->nkeys; i++) cli_help_key(&k->keys[i]);
    } else {
        printf("\nkeys: none of its own\n");
    }
    printf("\nmiddleware keys (every connector):\n");
    for (i = 0; i < nmw; i++) cli_help_key(&mw[i]);
    printf("  defaults here: %s\n", cli_connector_defaults(k));
    printf("\nA connector string is NAME[:TARGET][,KEY[=VALUE]]...; only a trailing run of known keys is\n"
           "taken as keys, so a path may contain commas; a trailing ',' ends a path that has no keys.\n"
           "Unknown keys are refused.\n");
    if (k->targets) printf("\nmemintro targets %s lists what it can open.\n", k->name);
    return CLI_OK;
}

/* A registered connector's targets, as lines "NAME:TARGET  description". */
typedef struct cli_targets_ctx {
    cli_out *o;
    const char *connector;
    size_t n;
} cli_targets_ctx;

static int cli_target_line(void *user, const char *name, const char *description)
{
    cli_targets_ctx *x = (cli_targets_ctx *)user;
    char spec[512];
    snprintf(spec, sizeof spec, "%s:%s", x->connector, name ? name : "");
    cli_obj(x->o, 0);
    cli_str(x->o, "connector", 0, x->connector);
    cli_str(x->o, "name", 0, name ? name : "");
    cli_str(x->o, "spec", "%-24s  ", spec);
    cli_str(x->o, "description", "%s\n", description ? description : "");
    cli_end(x->o);
    x->n++;
    return 0;
}

/* The QEMU VMs on this host as a table (text) or objects (JSON). */
static int cli_targets_qemu(cli_ctx *c)
{
    memintro_qemu_vm *vms;
    cli_out *o = &c->out;
    size_t n = 0, cap, i;
    int wn = 4, wm = 7, k;
    char h[32], fn[32], fm[32], spec[sizeof vms->name + 16];
    if (memintro_qemu_list(0, 0, &n) != MEMINTRO_OK) {
        cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
        return 0;
    }
    cap = n + 8; /* VMs may start meanwhile */
    vms = (memintro_qemu_vm *)cli_alloc(cap * sizeof *vms);
    if (memintro_qemu_list(vms, cap, &n) != MEMINTRO_OK) {
        free(vms);
        cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
        return 0;
    }
    if (n > cap) n = cap;
    for (i = 0; i < n; i++) {
        if ((k = (int)strlen(vms[i].name)) > wn) wn = k;
        if ((k = (int)strlen(vms[i].machine[0] ? vms[i].machine : "(default)")) > wm) wm = k;
    }
    snprintf(fn, sizeof fn, "%%-%ds  ", wn);
    snprintf(fm, sizeof fm, "%%-%ds  ", wm);
    if (n) cli_text(o, "%-7s  %-*s  %-*s  %9s  %s\n", "PID", wn, "NAME", wm, "MACHINE", "RAM", "QMP");
    for (i = 0; i < n; i++) {
        cli_obj(o, 0);
        cli_str(o, "connector", 0, "qemu");
        if (vms[i].name[0])
            snprintf(spec, sizeof spec, "qemu:%s", vms[i].name);
        else
            snprintf(spec, sizeof spec, "qemu:pid=%d", vms[i].pid);
        cli_str(o, "spec", 0, spec);
        cli_num(o, "pid", "%-7s  ", (uint64_t)vms[i].pid);
        cli_str(o, "name", 0, vms[i].name);
        cli_text(o, fn, vms[i].name[0] ? vms[i].name : "-");
        cli_str(o, "machine", 0, vms[i].machine);
        cli_text(o, fm, vms[i].machine[0] ? vms[i].machine : "(default)");
        cli_bool(o, "machine_default", 0, vms[i].machine_default);
        cli_num(o, "ram", 0, vms[i].ram_size);
        cli_text(o, "%9s  ", cli_human(vms[i].ram_size, h, sizeof h));
        cli_str(o, "qmp", 0, vms[i].qmp);
        cli_text(o, "%s\n", vms[i].qmp[0] ? vms[i].qmp : "(none)");
        cli_str(o, "binary", 0, vms[i].binary);
        cli_end(o);
    }
    free(vms);
    if (!n && !o->json) cli_note("no QEMU VM is running on this host");
    return 1;
}

int cmd_targets(cli_ctx *c, int argc, char **argv)
{
    cli_out *o = &c->out;
    const char *pos[1];
    const memintro_connector *one = 0;
    const memintro_connector *const *l;
    size_t n = 0, i;
    int rc, npos, failed = 0;
    if ((rc = cli_args("targets", argc, argv, 0, 0, pos, 1, &npos, "targets [CONNECTOR]", 0)) != CLI_OK) return rc;
    if (npos) {
        if ((rc = cli_connector_get("targets", pos[0], &one)) != CLI_OK) return rc;
        if (!one->targets)
            return cli_error(CLI_USAGE, "targets: the connector %s has no target list (its target is given in the "
                                        "string: %s)",
                             one->name, one->syntax ? one->syntax : one->name);
    }
    l = memintro_target_connector_list(&n);
    cli_arr(o, 0);
    for (i = 0; i < n; i++) {
        const memintro_connector *k = l[i];
        if ((one && k != one) || !k->targets) continue;
        if (cli_connector_builtin(k) && !strcmp(k->name, "qemu")) {
            if (!cli_targets_qemu(c)) failed = 1;
        } else {
            cli_targets_ctx x;
            char err[512];
            memintro_status s;
            x.o = o;
            x.connector = k->name;
            x.n = 0;
            err[0] = 0;
            if (!o->json && !one) cli_text(o, "%s%s:\n", i ? "\n" : "", k->name);
            s = k->targets(cli_target_line, &x, err, sizeof err);
            if (s != MEMINTRO_OK) {
                char msg[600];
                cli_error(CLI_FAIL, "the connector %s cannot list its targets: %s", k->name,
                          cli_oneline(err[0] ? err : memintro_status_str(s), msg, sizeof msg));
                failed = 1;
            } else if (!x.n && !o->json)
                cli_note("the connector %s lists no targets", k->name);
        }
    }
    cli_end(o);
    return failed ? CLI_FAIL : CLI_OK;
}
