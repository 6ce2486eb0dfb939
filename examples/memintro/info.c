/* memintro CLI: info (what the target is) and targets (the VMs on this host). */
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

int cmd_targets(cli_ctx *c, int argc, char **argv)
{
    memintro_qemu_vm *vms;
    cli_out *o = &c->out;
    const char *pos[1];
    size_t n = 0, cap, i;
    int wn = 4, wm = 7, k, rc, npos;
    char h[32], fn[32], fm[32];
    if ((rc = cli_args("targets", argc, argv, 0, 0, pos, 0, &npos, "targets", 0)) != CLI_OK) return rc;
    if (memintro_qemu_list(0, 0, &n) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
    cap = n + 8; /* VMs may start meanwhile */
    vms = (memintro_qemu_vm *)cli_alloc(cap * sizeof *vms);
    if (memintro_qemu_list(vms, cap, &n) != MEMINTRO_OK) {
        free(vms);
        return cli_error(CLI_FAIL, "cannot list /proc: %s", strerror(errno));
    }
    if (n > cap) n = cap;
    for (i = 0; i < n; i++) {
        if ((k = (int)strlen(vms[i].name)) > wn) wn = k;
        if ((k = (int)strlen(vms[i].machine[0] ? vms[i].machine : "(default)")) > wm) wm = k;
    }
    snprintf(fn, sizeof fn, "%%-%ds  ", wn);
    snprintf(fm, sizeof fm, "%%-%ds  ", wm);
    cli_arr(o, 0);
    if (n) cli_text(o, "%-7s  %-*s  %-*s  %9s  %s\n", "PID", wn, "NAME", wm, "MACHINE", "RAM", "QMP");
    for (i = 0; i < n; i++) {
        cli_obj(o, 0);
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
    cli_end(o);
    free(vms);
    if (!n && !o->json) cli_note("no QEMU VM is running on this host");
    return CLI_OK;
}
