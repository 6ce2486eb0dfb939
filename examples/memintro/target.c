/* memintro CLI: opening the target (-c CONNECTOR) and its guest-virtual address space.

   Everything about targets comes from memintro_target.h: the connector string is handed to
   memintro_target_open as given, and the CLI uses only the object it fills (backend,
   memory map, description, ranges, facts, CPU state, paging). The CLI knows no connector
   of its own. */
#include "cli.h"
#include "os.h"

/* Opens the targets the last -c runs inside, outermost first, each with its --os.
   Returns CLI_OK or an exit status (error printed). */
static int cli_outer_open(cli_ctx *c)
{
    memintro_target_options to;
    char msg[1024];
    int i;
    memset(&to, 0, sizeof to);
    if (!c->outer_os && !(c->outer_os = (memintro_os *)calloc(CLI_NEST_MAX, sizeof *c->outer_os)))
        return cli_error(CLI_FAIL, "out of memory");
    for (i = c->nouter_open; i < c->o.nouter; i++) {
        const char *spec = c->o.outer[i];
        const char *osname = c->o.outer_os[i] ? c->o.outer_os[i]->name : "auto";
        memintro_status s = i ? memintro_os_target_open(&c->outer_t[i], &c->outer_os[i - 1], spec, &to)
                              : memintro_target_open(&c->outer_t[i], spec, &to);
        if (s != MEMINTRO_OK) {
            int bad = c->outer_t[i].bad_spec;
            cli_oneline(memintro_target_error(&c->outer_t[i]), msg, sizeof msg);
            memintro_target_close(&c->outer_t[i]);
            return cli_error(bad ? CLI_USAGE : CLI_FAIL, "-c %s: %s", spec, msg);
        }
        memintro_target_load_cpus(&c->outer_t[i]); /* a live VM's registers: where its kernel is */
        s = memintro_os_open(&c->outer_os[i], &c->outer_t[i], osname, NULL);
        if (s != MEMINTRO_OK) {
            cli_oneline(memintro_os_error(&c->outer_os[i]), msg, sizeof msg);
            memintro_os_close(&c->outer_os[i]);
            memintro_target_close(&c->outer_t[i]);
            return cli_error(CLI_FAIL, "-c %s --os %s: %s", spec, osname, msg);
        }
        c->nouter_open = i + 1;
    }
    return CLI_OK;
}

/* Opens the target named by -c (once). Returns CLI_OK or an exit status (error printed). */
int cli_target_get(cli_ctx *c, cli_target **out)
{
    memintro_target_options to;
    memintro_status s;
    char msg[1024];
    int rc;
    if (c->target_open) {
        *out = &c->t;
        return CLI_OK;
    }
    if (!c->o.connect)
        return cli_error(CLI_USAGE, "no target: choose one with -c (e.g. -c qemu:name=VM, -c dump:PATH, -c raw:PATH)");
    if ((rc = cli_outer_open(c)) != CLI_OK) return rc;
    memset(&to, 0, sizeof to);
    s = c->nouter_open ? memintro_os_target_open(&c->t, &c->outer_os[c->nouter_open - 1], c->o.connect, &to)
                       : memintro_target_open(&c->t, c->o.connect, &to);
    if (s != MEMINTRO_OK) {
        int bad = c->t.bad_spec;
        cli_oneline(memintro_target_error(&c->t), msg, sizeof msg);
        memintro_target_close(&c->t);
        if (bad && !strncmp(msg, "unknown connector", 17)) /* perhaps a plugin that did not load */
            return cli_error(CLI_USAGE, "%s; memintro connectors lists them, memintro plugins says why a plugin was "
                                        "not loaded", msg);
        return cli_error(bad ? CLI_USAGE : CLI_FAIL, "%s", msg);
    }
    /* a file that shrinks while it is mapped raises SIGBUS: the guard names it */
    cli_guard_name(c->t.path ? c->t.path : c->t.description);
    if (c->t.warning && c->t.warning[0]) cli_warn("%s", cli_oneline(c->t.warning, msg, sizeof msg));
    c->target_open = 1;
    *out = &c->t;
    return CLI_OK;
}

void cli_target_cpus(cli_target *t)
{
    if (!t->cpus_loaded) memintro_target_load_cpus(t);
}

void cli_connectors_each(void (*fn)(void *user, const char *syntax, const char *help), void *user)
{
    size_t i, n = 0;
    const memintro_connector *const *k = memintro_target_connector_list(&n);
    for (i = 0; i < n; i++) fn(user, k[i]->syntax ? k[i]->syntax : k[i]->name, k[i]->help ? k[i]->help : "");
}

/* Checks that the root table at `root` (from `what` = dtb) is inside the target's memory. */
static int cli_check_root(cli_ctx *c, const char *what, uint64_t dtb, uint64_t root, uint64_t bytes)
{
    uint8_t *buf = (uint8_t *)cli_alloc((size_t)bytes);
    memintro_status s = memintro_phys_read1(c->t.phys, root, buf, (size_t)bytes);
    free(buf);
    if (s == MEMINTRO_OK) return CLI_OK;
    if (s == MEMINTRO_E_HOLE)
        return cli_error(CLI_FAIL, "%s 0x%llx is outside the target's memory: the root page table at guest-physical "
                                   "0x%llx-0x%llx is not backed",
                         what, (cli_ull)dtb, (cli_ull)root, (cli_ull)(root + bytes));
    return cli_error(CLI_FAIL, "%s 0x%llx: cannot read the root page table at guest-physical 0x%llx: %s", what,
                     (cli_ull)dtb, (cli_ull)root, memintro_status_str(s));
}

/* A paging description from --arch/--dtb/... (or the target's own CPU 0), checked: a
   usable description and root tables inside the target's memory. The DTB's low bits
   (PCID, flags, ASID, CnP) are the core's to mask. */
int cli_virt_get(cli_ctx *c, memintro_virt **out)
{
    memintro_mmu_desc d;
    memintro_mmu_geom g;
    cli_target *t;
    const char *why, *name;
    int rc;
    if (c->virt_ready) {
        *out = &c->v;
        return CLI_OK;
    }
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (!c->o.arch_name || !c->o.have_dtb) cli_target_cpus(t); /* the target's own CR3, if it has one */
    memset(&d, 0, sizeof d);
    d.arch = c->o.arch_name ? c->o.arch : t->has_paging ? t->paging.arch : MEMINTRO_ARCH_NONE;
    if (d.arch == MEMINTRO_ARCH_NONE)
        return cli_error(CLI_USAGE, "guest-virtual addresses need a paging mode: give --arch "
                                    "x86|pae|x86_64|la57|aarch64%s%s%s",
                         t->cpu_note[0] ? " (" : "", t->cpu_note, t->cpu_note[0] ? ")" : "");
    if (!c->o.have_dtb && !(t->has_paging && t->paging.arch == d.arch))
        return cli_error(CLI_USAGE, "guest-virtual addresses need a page-table root: give --dtb ADDR (CR3, or "
                                    "TTBR0_EL1 for aarch64)%s%s%s",
                         t->cpu_note[0] ? " (" : "", t->cpu_note, t->cpu_note[0] ? ")" : "");
    name = memintro_arch_name(d.arch);
    if (d.arch != MEMINTRO_ARCH_AARCH64 && (c->o.have_ttbr1 || c->o.have_granule || c->o.have_va_bits))
        return cli_error(CLI_USAGE, "--ttbr1, --granule and --va-bits apply to --arch aarch64 only, not %s", name);
    if (!c->o.have_dtb) d = t->paging; /* the target's own root (and AArch64 details), options override */
    d.arch = c->o.arch_name ? c->o.arch : d.arch;
    if (c->o.have_dtb) d.dtb = c->o.dtb;
    if (c->o.have_ttbr1) d.dtb_upper = c->o.ttbr1;
    if (c->o.have_granule) d.granule = c->o.granule;
    if (c->o.have_va_bits) d.va_bits = c->o.va_bits;
    why = memintro_mmu_check(&d);
    if (why || memintro_mmu_geometry(&d, &g) != MEMINTRO_OK)
        return cli_error(CLI_USAGE, "bad paging description (%s, DTB 0x%llx): %s", name, (cli_ull)d.dtb,
                         why ? why : "unusable");
    rc = cli_check_root(c, d.arch == MEMINTRO_ARCH_AARCH64 ? "TTBR0" : "DTB", d.dtb, memintro_mmu_root(&d, 0),
                        g.root_size);
    if (rc == CLI_OK && d.arch == MEMINTRO_ARCH_AARCH64 && d.dtb_upper)
        rc = cli_check_root(c, "TTBR1", d.dtb_upper, memintro_mmu_root(&d, 1), g.root_size);
    if (rc != CLI_OK) return rc;
    if (!c->scratch) c->scratch = cli_alloc(memintro_virt_scratch_size(1024));
    if (memintro_virt_init(&c->v, t->phys, &d, c->scratch, memintro_virt_scratch_size(1024)) != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "cannot set up the %s address space", name);
    if (!c->tlb_entries) c->tlb_entries = (memintro_tlb_entry *)cli_alloc(4096 * sizeof(memintro_tlb_entry));
    memintro_tlb_init(&c->tlb, c->tlb_entries, 4096);
    memintro_virt_set_tlb(&c->v, &c->tlb);
    c->virt_ready = 1;
    *out = &c->v;
    return CLI_OK;
}

void cli_target_release(cli_ctx *c)
{
    if (c->target_open) memintro_target_close(&c->t);
    while (c->nouter_open > 0) { /* innermost first: each one reads through the one outside it */
        c->nouter_open--;
        memintro_os_close(&c->outer_os[c->nouter_open]);
        memintro_target_close(&c->outer_t[c->nouter_open]);
    }
    free(c->outer_os);
    c->outer_os = 0;
    free(c->scratch);
    free(c->tlb_entries);
    c->target_open = 0;
}
