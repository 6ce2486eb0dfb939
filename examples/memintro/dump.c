/* memintro CLI: dump, an ELF core of the target's memory (memintro_coredump.h's writer). */
#include "os.h"

#include <unistd.h>

typedef struct cli_dump_state {
    cli_progress prog;
    uint64_t done; /* guest memory bytes written so far, as the writer reports them */
} cli_dump_state;

static void cli_dump_progress(void *user, uint64_t done, uint64_t total)
{
    cli_dump_state *d = (cli_dump_state *)user;
    (void)total;
    if (done > d->done) d->done = done;
    cli_progress_update(&d->prog, done);
}

int cmd_dump(cli_ctx *c, int argc, char **argv)
{
    const char *outpath = 0, *why, *pos[1], *vmci = 0;
    size_t vmci_size = 0;
    int force = 0, rc, npos, e;
    size_t i;
    cli_target *t;
    cli_outfile of;
    cli_out sum;
    memintro_coredump_write_options wo;
    memintro_coredump_write_result res;
    memintro_status s;
    cli_dump_state ds;
    uint64_t total = 0, written;
    double t0, secs;
    char h1[32], h2[32], h3[32], msg[512];
    const cli_optspec spec[] = {{"--output", "-o", "FILE", 0, &outpath}, {"--force", "-f", 0, &force, 0}};
    static const char usage[] = "dump -o FILE [--force]";
    if ((rc = cli_args("dump", argc, argv, spec, 2, pos, 0, &npos, usage, 0)) != CLI_OK) return rc;
    if (!outpath || !*outpath) return cli_error(CLI_USAGE, "dump: missing -o FILE (usage: %s)", usage);
    if (!strcmp(outpath, "-") && isatty(STDOUT_FILENO))
        return cli_error(CLI_USAGE, "dump: -o - writes the ELF core to stdout, which is a terminal; redirect it");
    if (strcmp(outpath, "-") && !force && access(outpath, F_OK) == 0)
        return cli_error(CLI_FAIL, "dump: %s exists; give --force to replace it", outpath);
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (!t->map || !t->map->count) return cli_error(CLI_FAIL, "dump: the target's memory map is empty");
    cli_target_cpus(t); /* CPU notes when the target knows its registers */
    for (i = 0; i < t->map->count; i++) total += t->map->ranges[i].size;
    if (!t->vmcoreinfo && (rc = cli_linux_vmcoreinfo(c, &vmci, &vmci_size)) != CLI_OK) return rc;

    /* a regular file is written under a temporary name beside it and renamed into place
       when complete; a device or FIFO is written in place and never replaced */
    if ((rc = cli_outfile_open(&of, outpath, force, "dump")) != CLI_OK) return rc;
    memset(&wo, 0, sizeof wo);
    memset(&res, 0, sizeof res);
    memset(&ds, 0, sizeof ds);
    cli_progress_begin(&ds.prog, "dump", total);
    wo.progress = cli_dump_progress;
    wo.user = &ds;
    t0 = cli_now();
    if (vmci) { /* a live Linux guest's own VMCOREINFO, as its crash path would write it */
        memintro_coredump_facts f;
        if (t->dump_facts) f = *t->dump_facts;
        else memset(&f, 0, sizeof f);
        f.vmcoreinfo = vmci;
        f.vmcoreinfo_size = vmci_size;
        s = memintro_coredump_write_elf_fd(t->phys, t->map, &f, of.fd, &wo, &res);
    } else {
        s = memintro_target_write_elf_fd(t, of.fd, &wo, &res);
    }
    cli_progress_end(&ds.prog, res.memory_size);
    written = res.memory_size > ds.done ? res.memory_size : ds.done;
    if (s == MEMINTRO_OK && (e = cli_outfile_commit(&of, &why)) != 0) {
        snprintf(res.error, sizeof res.error, "cannot %s %s: %s", why, outpath, strerror(e));
        s = MEMINTRO_E_IO;
    }
    if (s != MEMINTRO_OK) {
        int left = of.in_place || of.is_stdout;
        cli_outfile_abort(&of);
        cli_oneline(res.error[0] ? res.error : memintro_status_str(s), msg, sizeof msg);
        if (s == MEMINTRO_E_GONE)
            snprintf(msg, sizeof msg, "the target is gone (the VM exited) after %s of %s were written",
                     cli_human(written, h1, sizeof h1), cli_human(total, h2, sizeof h2));
        return cli_error(CLI_FAIL, "dump: %s; %s", msg, left ? "the output is incomplete" : "no file was left behind");
    }
    secs = cli_now() - t0;
    /* the summary: on stdout, or on stderr when the core itself goes to stdout */
    cli_out_init(&sum, of.is_stdout ? stderr : stdout, c->o.json);
    cli_obj(&sum, 0);
    cli_str(&sum, "file", "wrote %s: ", of.is_stdout ? "stdout" : outpath);
    cli_str(&sum, "format", "ELF core of ", "elf");
    cli_num(&sum, "file_size", 0, res.file_size);
    cli_num(&sum, "memory", 0, res.memory_size);
    cli_num(&sum, "segments", 0, res.segments);
    cli_num(&sum, "notes", 0, res.notes);
    cli_num(&sum, "cpus", 0, t->dump_facts ? t->dump_facts->cpu_state_count : 0);
    cli_num(&sum, "unreadable", 0, res.unreadable);
    cli_real(&sum, "seconds", 0, secs);
    cli_text(&sum, "%s guest memory in %u segment%s, %u note%s (%s), %s file, %.1f s (%s/s)\n",
             cli_human(res.memory_size, h1, sizeof h1), res.segments, res.segments == 1 ? "" : "s", res.notes,
             res.notes == 1 ? "" : "s", t->dump_facts && t->dump_facts->cpu_state_count ? "with CPU state" : "no CPU state known",
             cli_human(res.file_size, h2, sizeof h2), secs,
             cli_human(secs > 0 ? (uint64_t)((double)res.memory_size / secs) : res.memory_size, h3, sizeof h3));
    cli_end(&sum);
    if (fflush(sum.f) != 0) return cli_error(CLI_FAIL, "cannot write the output");
    rc = CLI_OK;
    if (res.unreadable) {
        cli_warn("%llu bytes could not be read from the target (first at 0x%llx) and were written as zeros",
                 (cli_ull)res.unreadable, (cli_ull)res.first_unreadable);
        rc = CLI_FAIL;
    }
    return rc;
}
