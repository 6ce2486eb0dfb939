/* memintro CLI: the "win32" OS layer (Windows guests, memintro_win32.h): info's Windows
   fields, the address space of a process (read --pid, translate --pid), and the commands
   ps, modules and exports.

   Discovery is memintro_os.h's "win32" layer (memintro_os_open): hints from the target
   object alone (memintro_win32_hints_from_target: a crash dump's header, CPU 0's CR3 and
   RIP), plus --arch and --dtb when given, so an embedder calling memintro_target_open and
   memintro_os_open gets the same result. This file keeps the commands. */
#include "os.h"

#include "memintro_win32.h" /* impl.c holds its implementation */

#include <strings.h>

/* The process space exports uses (read/translate --pid use memintro_os_process_virt's). */
static memintro_virt cli_w32_pv;

/* The Windows layer's object (memintro_os.h keeps it; valid once the layer is active). */
static memintro_win32 *cli_w32_obj(cli_ctx *c)
{
    return memintro_os_win32(cli_os_object(c));
}

static void cli_w32_info(cli_ctx *c, cli_out *o)
{
    const memintro_win32 *w = cli_w32_obj(c);
    char buf[160], fmt[96];
    snprintf(buf, sizeof buf, "Windows %u.%u build %u", (unsigned)w->major, (unsigned)w->minor, (unsigned)w->build);
    cli_text(o, "os         win32: %s (%s)\n", buf, memintro_arch_name(w->arch));
    cli_str(o, "arch", 0, memintro_arch_name(w->arch));
    snprintf(buf, sizeof buf, "%u.%u", (unsigned)w->major, (unsigned)w->minor);
    cli_str(o, "version", 0, buf);
    cli_num(o, "build", 0, w->build);
    cli_hex(o, "kernel_base", "kernel     ntoskrnl.exe at %s", w->kernel_base);
    snprintf(fmt, sizeof fmt, ", %%s bytes (source: %s)\n", memintro_win32_source_name(w->base_source));
    cli_num(o, "kernel_size", fmt, w->kernel_size);
    cli_str(o, "kernel_base_source", 0, memintro_win32_source_name(w->base_source));
    cli_hex(o, "dtb", "kernel dtb %s", w->dtb);
    cli_str(o, "dtb_source", " (source: %s)\n", memintro_win32_source_name(w->dtb_source));
    cli_str(o, "offsets_source", "offsets    %s", memintro_win32_source_name(w->offsets_source));
    if (w->offsets_source == MEMINTRO_WIN32_SRC_TABLE)
        cli_text(o, " (built-in table for builds %u-%u)\n", (unsigned)w->off.build_min, (unsigned)w->off.build_max);
    else
        cli_text(o, " (derived from the System process and its neighbours)\n");
    cli_hex(o, "system_eprocess", "system     EPROCESS %s\n", w->system_process);
    cli_hex(o, "ps_active_process_head", "lists      PsActiveProcessHead %s", w->ps_active_process_head);
    cli_hex(o, "ps_loaded_module_list", ", PsLoadedModuleList %s\n", w->ps_loaded_module_list);
    cli_str(o, "found", "found      %s\n", cli_oneline(memintro_win32_why(w), buf, sizeof buf));
}

/* Makes sure the win32 layer is active for cmd. */
static int cli_w32_need(cli_ctx *c, const char *cmd)
{
    int rc = cli_os_require(c, cmd, &cli_os_win32);
    if (rc == CLI_OK && !cli_w32_obj(c)) rc = cli_error(CLI_FAIL, "%s: the Windows layer is not set up", cmd);
    return rc;
}

/* Process `pid`. Returns CLI_OK or an exit status (error printed). */
static int cli_w32_process(cli_ctx *c, const char *cmd, uint64_t pid, memintro_win32_process *p)
{
    memintro_status s = memintro_win32_process_find(cli_w32_obj(c), pid, 0, p);
    if (s == MEMINTRO_OK) return CLI_OK;
    if (s == MEMINTRO_E_NOTFOUND) return cli_error(CLI_FAIL, "%s: no process with pid %llu", cmd, (cli_ull)pid);
    return cli_error(CLI_FAIL, "%s: cannot find pid %llu: %s", cmd, (cli_ull)pid, memintro_status_str(s));
}

static int cli_w32_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out)
{
    char buf[600];
    int rc;
    if ((rc = cli_w32_need(c, cmd)) != CLI_OK) return rc;
    if (memintro_os_process_virt(cli_os_object(c), pid, out) == MEMINTRO_OK) return CLI_OK;
    return cli_error(CLI_FAIL, "%s: %s", cmd, cli_oneline(memintro_os_error(cli_os_object(c)), buf, sizeof buf));
}

/* ---- ps ------------------------------------------------------------------------------- */

typedef struct cli_w32_walk {
    cli_out *o;
    uint64_t n, last;
} cli_w32_walk;

static int cli_w32_ps_one(void *user, const memintro_win32_process *p)
{
    cli_w32_walk *k = (cli_w32_walk *)user;
    cli_out *o = k->o;
    char fl[32];
    cli_obj(o, 0);
    cli_num(o, "pid", "%8s ", p->pid);
    cli_num(o, "ppid", "%8s  ", p->ppid);
    cli_str(o, "name", "%-15s  ", p->name);
    cli_hex(o, "dtb", "%-18s  ", p->dtb);
    cli_bool(o, "wow64", 0, !!(p->flags & MEMINTRO_WIN32_PROC_WOW64));
    cli_bool(o, "exited", 0, !!(p->flags & MEMINTRO_WIN32_PROC_EXITED));
    snprintf(fl, sizeof fl, "%s%s%s", p->flags & MEMINTRO_WIN32_PROC_WOW64 ? "wow64" : "",
             (p->flags & MEMINTRO_WIN32_PROC_WOW64) && (p->flags & MEMINTRO_WIN32_PROC_EXITED) ? "," : "",
             p->flags & MEMINTRO_WIN32_PROC_EXITED ? "exited" : "");
    cli_text(o, "%-12s  ", fl[0] ? fl : "-");
    cli_hex(o, "eprocess", "%s\n", p->eprocess);
    cli_hex(o, "peb", 0, p->peb);
    if (p->flags & MEMINTRO_WIN32_PROC_WOW64) cli_hex(o, "peb32", 0, p->peb32);
    cli_end(o);
    k->n++;
    k->last = p->eprocess;
    return 0;
}

static int cmd_w32_ps(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    cli_w32_walk k;
    memintro_status s;
    int rc, npos;
    if ((rc = cli_args("ps", argc, argv, 0, 0, pos, 0, &npos, "ps", 0)) != CLI_OK) return rc;
    if ((rc = cli_w32_need(c, "ps")) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%8s %8s  %-15s  %-18s  %-12s  %s\n", "PID", "PPID", "NAME", "DTB", "FLAGS", "EPROCESS");
    s = memintro_win32_processes(cli_w32_obj(c), cli_w32_ps_one, &k);
    cli_end(k.o);
    if (s != MEMINTRO_OK) return cli_os_walk_error("ps", "the process list", s, k.n, k.last);
    return CLI_OK;
}

/* ---- modules -------------------------------------------------------------------------- */

static int cli_w32_mod_one(void *user, const memintro_win32_module *m)
{
    cli_w32_walk *k = (cli_w32_walk *)user;
    cli_out *o = k->o;
    cli_obj(o, 0);
    cli_hex(o, "base", "%-18s  ", m->base);
    cli_num(o, "size", "%10s  ", m->size);
    cli_str(o, "name", 0, m->name);
    cli_text(o, "%-24s  ", m->name[0] ? m->name : (m->flags & MEMINTRO_WIN32_MOD_PAGED) ? "(unreadable)" : "(none)");
    cli_str(o, "path", "%s\n", m->path);
    cli_hex(o, "ldr_entry", 0, m->entry);
    if (m->flags & MEMINTRO_WIN32_MOD_WOW64) cli_bool(o, "wow64", 0, 1);
    if (m->flags & MEMINTRO_WIN32_MOD_TRUNCATED) cli_bool(o, "truncated", 0, 1);
    if (m->flags & MEMINTRO_WIN32_MOD_PAGED) cli_bool(o, "paged_out", 0, 1);
    cli_end(o);
    k->n++;
    k->last = m->entry;
    return 0;
}

/* "kernel" (*kernel = 1) or a pid. Returns CLI_OK or CLI_USAGE (error printed). */
static int cli_w32_which(const char *cmd, const char *a, int *kernel, uint64_t *pid)
{
    const char *why;
    *kernel = !strcmp(a, "kernel");
    if (*kernel) return CLI_OK;
    if ((why = cli_parse_num(a, pid))) return cli_error(CLI_USAGE, "%s: '%s' is neither a PID nor 'kernel': %s", cmd, a, why);
    return CLI_OK;
}

static int cmd_w32_modules(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    static const char usage[] = "modules PID|kernel [--wow64]";
    memintro_win32_process p;
    cli_w32_walk k;
    memintro_status s;
    int rc, npos, wow64 = 0, kernel;
    uint64_t pid = 0;
    char what[96];
    const cli_optspec spec[] = {{"--wow64", 0, 0, &wow64, 0}};
    if ((rc = cli_args("modules", argc, argv, spec, 1, pos, 1, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 1) return cli_error(CLI_USAGE, "modules: missing PID or 'kernel' (usage: %s)", usage);
    if ((rc = cli_w32_which("modules", pos[0], &kernel, &pid)) != CLI_OK) return rc;
    if (kernel && wow64) return cli_error(CLI_USAGE, "modules: --wow64 is for a process's 32-bit list, not the kernel's");
    if ((rc = cli_w32_need(c, "modules")) != CLI_OK) return rc;
    if (!kernel && (rc = cli_w32_process(c, "modules", pid, &p)) != CLI_OK) return rc;
    if (!kernel && wow64 && !(p.flags & MEMINTRO_WIN32_PROC_WOW64))
        return cli_error(CLI_FAIL, "modules: pid %llu (%s) is not a WoW64 process: it has no 32-bit module list",
                         (cli_ull)pid, p.name);
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%-18s  %10s  %-24s  %s\n", "BASE", "SIZE", "NAME", "PATH");
    s = memintro_win32_modules(cli_w32_obj(c), kernel ? 0 : &p, wow64 ? MEMINTRO_WIN32_MOD_WOW64 : 0, cli_w32_mod_one, &k);
    cli_end(k.o);
    if (kernel)
        snprintf(what, sizeof what, "the kernel's module list");
    else
        snprintf(what, sizeof what, "the %smodule list of pid %llu (%s)", wow64 ? "32-bit " : "", (cli_ull)pid, p.name);
    if (s == MEMINTRO_E_NOTFOUND && !k.n)
        return cli_error(CLI_FAIL, "modules: pid %llu (%s) has no %s (a kernel-only process?)", (cli_ull)pid, p.name,
                         wow64 ? "PEB32" : "PEB");
    if (s != MEMINTRO_OK) return cli_os_walk_error("modules", what, s, k.n, k.last);
    return CLI_OK;
}

/* ---- exports -------------------------------------------------------------------------- */

typedef struct cli_w32_find {
    const char *name;
    memintro_win32_module m;
    int found;
} cli_w32_find;

static int cli_w32_find_one(void *user, const memintro_win32_module *m)
{
    cli_w32_find *f = (cli_w32_find *)user;
    if (strcasecmp(m->name, f->name)) return 0;
    f->m = *m;
    f->found = 1;
    return 1;
}

static int cli_w32_export_one(void *user, const memintro_pe_export *e)
{
    cli_w32_walk *k = (cli_w32_walk *)user;
    cli_out *o = k->o;
    cli_obj(o, 0);
    cli_num(o, "ordinal", "%7s  ", e->ordinal);
    cli_hex(o, "rva", 0, e->rva);
    if (e->forwarder[0]) {
        cli_null(o, "address", 0);
        cli_text(o, "%-18s  ", "(forwarder)");
    } else {
        cli_hex(o, "address", "%-18s  ", e->address);
    }
    cli_str(o, "name", "%s", e->name[0] ? e->name : "");
    if (!e->name[0]) cli_text(o, "%s", e->status == MEMINTRO_OK ? "(by ordinal)" : "(name unreadable: ");
    if (!e->name[0] && e->status != MEMINTRO_OK) cli_text(o, "%s)", memintro_status_str(e->status));
    if (e->status != MEMINTRO_OK) cli_str(o, "name_error", 0, memintro_status_str(e->status));
    if (e->forwarder[0])
        cli_str(o, "forwarder", " -> %s", e->forwarder);
    else
        cli_null(o, "forwarder", 0);
    cli_text(o, "\n");
    cli_end(o);
    k->n++;
    k->last = e->ordinal;
    return 0;
}

static int cmd_w32_exports(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1], *spid = 0, *why;
    static const char usage[] = "exports MODULE [--pid PID]";
    memintro_win32_process p;
    memintro_virt *v;
    memintro_pe pe;
    cli_w32_find f;
    cli_w32_walk k;
    memintro_status s;
    uint64_t pid = 0;
    int rc, npos;
    char where[96];
    const cli_optspec spec[] = {{"--pid", 0, "PID", 0, &spid}};
    if ((rc = cli_args("exports", argc, argv, spec, 1, pos, 1, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 1) return cli_error(CLI_USAGE, "exports: missing MODULE (usage: %s)", usage);
    if (spid && (why = cli_parse_num(spid, &pid))) return cli_error(CLI_USAGE, "exports: --pid '%s': %s", spid, why);
    if ((rc = cli_w32_need(c, "exports")) != CLI_OK) return rc;
    memset(&f, 0, sizeof f);
    f.name = pos[0];
    if (spid) {
        if ((rc = cli_w32_process(c, "exports", pid, &p)) != CLI_OK) return rc;
        snprintf(where, sizeof where, "pid %llu (%s)", (cli_ull)pid, p.name);
        s = memintro_win32_modules(cli_w32_obj(c), &p, 0, cli_w32_find_one, &f);
        if (!f.found && (p.flags & MEMINTRO_WIN32_PROC_WOW64)) /* a 32-bit DLL of a WoW64 process */
            s = memintro_win32_modules(cli_w32_obj(c), &p, MEMINTRO_WIN32_MOD_WOW64, cli_w32_find_one, &f);
        if (f.found && (s = memintro_win32_process_virt(cli_w32_obj(c), &p, &cli_w32_pv)) != MEMINTRO_OK)
            return cli_error(CLI_FAIL, "exports: %s: DTB 0x%llx: %s", where, (cli_ull)p.dtb, memintro_status_str(s));
        v = &cli_w32_pv;
    } else {
        snprintf(where, sizeof where, "the kernel's module list");
        s = memintro_win32_modules(cli_w32_obj(c), 0, 0, cli_w32_find_one, &f);
        v = &cli_w32_obj(c)->kernel;
    }
    if (!f.found && s != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "exports: no module named '%s' in %s (the list ends early: %s)", f.name, where,
                         memintro_status_str(s));
    if (!f.found) return cli_error(CLI_FAIL, "exports: no module named '%s' in %s", f.name, where);
    if ((s = memintro_pe_open(&pe, v, f.m.base)) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "exports: %s at 0x%llx: %s", f.m.name, (cli_ull)f.m.base,
                         s == MEMINTRO_E_FORMAT ? "not a PE image" : memintro_status_str(s));
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%7s  %-18s  %s\n", "ORDINAL", "ADDRESS", "NAME");
    s = memintro_pe_exports(&pe, cli_w32_export_one, &k);
    cli_end(k.o);
    if (s == MEMINTRO_E_NOTFOUND) {
        cli_note("%s at 0x%llx has no export directory", f.m.name, (cli_ull)f.m.base);
        return CLI_OK;
    }
    if (s != MEMINTRO_OK && k.n)
        return cli_error(CLI_FAIL, "exports: the export table of %s ends after %llu entries (the last ordinal %llu): %s",
                         f.m.name, (cli_ull)k.n, (cli_ull)k.last, memintro_status_str(s));
    if (s != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "exports: the export table of %s cannot be read: %s", f.m.name,
                         memintro_status_str(s));
    return CLI_OK;
}

static const cli_command cli_w32_commands[] = {
    {"ps", "", "the processes: pid, parent, name, DTB,\n"
               "wow64/exited, EPROCESS (list order)",
     cmd_w32_ps},
    {"modules", "PID|kernel [--wow64]", "a process's modules (its PEB's loader\n"
                                        "list; --wow64: the 32-bit list) or the\n"
                                        "kernel's: base, size, name, path",
     cmd_w32_modules},
    {"exports", "MODULE [--pid PID]", "the exports of a kernel module (or of a\n"
                                      "module of PID): ordinal, address, name,\n"
                                      "forwarder",
     cmd_w32_exports},
};

const cli_os cli_os_win32 = {"win32",
                             "Windows guests, found in memory alone",
                             cli_w32_info,
                             cli_w32_process_virt,
                             cli_w32_commands,
                             sizeof cli_w32_commands / sizeof cli_w32_commands[0]};
