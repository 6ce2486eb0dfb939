/* memintro CLI: the "linux" OS layer (Linux guests, memintro_linux.h): info's Linux fields
   (release, KASLR shift, phys_base, DTB, paging levels, where kallsyms and BTF were found),
   the address space of a process (read --pid, translate --pid), the commands ps, maps,
   modules, dmesg and symbol, and the guest's own VMCOREINFO for dump.

   Discovery is memintro_os.h's "linux" layer (memintro_os_open): hints from the target
   object alone (memintro_linux_hints_from_target: VMCOREINFO, CPU 0's CR3 and paging mode,
   the end of the memory map), plus --arch and --dtb when given, so an embedder calling
   memintro_target_open and memintro_os_open gets the same result. This file keeps the
   commands and reads the guest's VMCOREINFO for dump. */
#include "os.h"

#include "memintro_linux.h" /* impl.c holds its implementation */

#define CLI_LX_NOTE_MAX 4096 /* VMCOREINFO_BYTES: the kernel keeps its note in one page */

/* What this file keeps for the run (memintro_os.h keeps the layer's objects). */
static struct {
    char vmci[CLI_LX_NOTE_MAX + 1]; /* the guest's VMCOREINFO text, once read */
    size_t vmci_size;
    int vmci_tried;
} cli_lx;

/* The kernel, its walkers' context, and whether the walkers run (valid once the layer is
   active). */
static memintro_linux *cli_lx_kernel(cli_ctx *c) { return memintro_os_linux_kernel(cli_os_object(c)); }
static memintro_linux_os *cli_lx_os(cli_ctx *c) { return memintro_os_linux(cli_os_object(c)); }
static memintro_status cli_lx_walkers(cli_ctx *c) { return memintro_os_linux_walkers(cli_os_object(c)); }

/* "0x1000-0x2000" style kallsyms layout words. */
static const char *cli_lx_layout(uint32_t f, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s%s", f & MEMINTRO_KALLSYMS_ADDRESSES ? "absolute addresses" : "relative offsets",
             f & MEMINTRO_KALLSYMS_ABS_PERCPU ? ", absolute per-cpu" : "", f & MEMINTRO_KALLSYMS_TAIL ? ", 6.4+ order" : "",
             f & MEMINTRO_KALLSYMS_SEQS ? ", seqs_of_names" : "", f & MEMINTRO_KALLSYMS_MARKERS64 ? ", 64-bit markers" : "",
             "");
    return buf;
}

static void cli_lx_info(cli_ctx *c, cli_out *o)
{
    const memintro_linux *l = cli_lx_kernel(c);
    const memintro_linux_os *lo = cli_lx_os(c);
    const memintro_linux_kallsyms *k = &l->kallsyms;
    memintro_status ws = cli_lx_walkers(c);
    char buf[320];
    cli_text(o, "os         linux: %s\n", l->banner);
    cli_str(o, "banner", 0, l->banner);
    cli_str(o, "release", "release    %s\n", l->release);
    cli_str(o, "arch", 0, memintro_arch_name(l->arch));
    cli_hex(o, "kaslr_shift", "kaslr      shift %s", l->kaslr_shift);
    cli_hex(o, "phys_base", ", phys_base %s", l->phys_base);
    cli_str(o, "image_source", " (source: %s)\n", memintro_linux_source_name(l->image_source));
    cli_hex(o, "text_va", "text       _text %s", l->text_va);
    cli_hex(o, "text_pa", " at physical %s\n", l->text_pa);
    cli_hex(o, "dtb", "kernel dtb %s (init_top_pgt", l->dtb);
    cli_str(o, "dtb_source", ", source: %s)\n", memintro_linux_source_name(l->paging_source));
    cli_num(o, "levels", "paging     %s-level", l->levels);
    cli_str(o, "levels_source", " (source: %s)\n", memintro_linux_source_name(l->levels_source));
    cli_obj(o, "kallsyms");
    cli_num(o, "symbols", "kallsyms   %s symbols", k->count);
    cli_hex(o, "token_table", ", kallsyms_token_table at physical %s", k->token_table);
    cli_hex(o, "names", 0, k->names);
    cli_hex(o, "addresses", 0, k->addresses);
    cli_str(o, "layout", " (%s)\n", cli_lx_layout(k->layout, buf, sizeof buf));
    cli_end(o);
    cli_obj(o, "btf");
    if (l->btf_size) {
        cli_hex(o, "va", "btf        __start_BTF %s", l->btf_va);
        cli_hex(o, "pa", " at physical %s", l->btf_pa);
        cli_num(o, "size", ", %s bytes", l->btf_size);
        cli_num(o, "types", ", %s types\n", lo->btf ? lo->btf->ntypes : 0);
    } else {
        cli_num(o, "size", "btf        none (%s bytes): ps, maps, modules and dmesg need CONFIG_DEBUG_INFO_BTF\n", 0);
    }
    cli_end(o);
    if (ws != MEMINTRO_OK) {
        const char *m = lo->missing_tasks ? lo->missing_tasks : memintro_status_str(ws);
        cli_str(o, "walkers_missing", "walkers    unavailable: %s\n", m);
    }
    cli_str(o, "found", "found      %s\n", cli_oneline(memintro_linux_why(l), buf, sizeof buf));
}

/* Makes sure the linux layer is active for cmd; walkers: the task walkers must work. */
static int cli_lx_need(cli_ctx *c, const char *cmd, int walkers)
{
    int rc = cli_os_require(c, cmd, &cli_os_linux);
    if (rc != CLI_OK) return rc;
    if (!cli_lx_kernel(c)) return cli_error(CLI_FAIL, "%s: the Linux layer is not set up", cmd);
    if (walkers && cli_lx_walkers(c) != MEMINTRO_OK) {
        if (cli_lx_walkers(c) == MEMINTRO_E_UNSUPPORTED)
            return cli_error(CLI_FAIL, "%s: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF): its structures are unknown", cmd);
        return cli_error(CLI_FAIL, "%s: the kernel's types or symbols lack %s (%s)", cmd,
                         cli_lx_os(c)->missing_tasks ? cli_lx_os(c)->missing_tasks : "something",
                         memintro_status_str(cli_lx_walkers(c)));
    }
    return CLI_OK;
}

/* Process (thread id) pid. Returns CLI_OK or an exit status (error printed). */
static int cli_lx_task(cli_ctx *c, const char *cmd, uint64_t pid, memintro_linux_task *t)
{
    memintro_status s;
    if (pid > 0x7fffffffu) return cli_error(CLI_FAIL, "%s: no process with pid %llu", cmd, (cli_ull)pid);
    s = memintro_linux_task_find(cli_lx_os(c), (int32_t)pid, 0, t);
    if (s == MEMINTRO_OK) return CLI_OK;
    if (s == MEMINTRO_E_NOTFOUND) return cli_error(CLI_FAIL, "%s: no process with pid %llu", cmd, (cli_ull)pid);
    return cli_error(CLI_FAIL, "%s: cannot find pid %llu: %s", cmd, (cli_ull)pid, memintro_status_str(s));
}

static int cli_lx_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out)
{
    char buf[600];
    int rc;
    if ((rc = cli_lx_need(c, cmd, 1)) != CLI_OK) return rc;
    if (memintro_os_process_virt(cli_os_object(c), pid, out) == MEMINTRO_OK) return CLI_OK;
    return cli_error(CLI_FAIL, "%s: %s", cmd, cli_oneline(memintro_os_error(cli_os_object(c)), buf, sizeof buf));
}

typedef struct cli_lx_walk {
    cli_out *o;
    uint64_t kernel_dtb; /* a kernel thread's DTB column: the kernel's */
    uint64_t n, last;
    int threads;
} cli_lx_walk;

/* ---- ps ------------------------------------------------------------------------------- */

static int cli_lx_ps_one(void *user, const memintro_linux_task *t)
{
    cli_lx_walk *k = (cli_lx_walk *)user;
    cli_out *o = k->o;
    char st[2];
    st[0] = t->state_char;
    st[1] = 0;
    cli_obj(o, 0);
    cli_num(o, "pid", "%8s ", (uint64_t)(uint32_t)t->pid);
    if (k->threads) cli_num(o, "tgid", "%8s ", (uint64_t)(uint32_t)t->tgid);
    cli_num(o, "ppid", "%8s  ", (uint64_t)(uint32_t)t->ppid);
    cli_str(o, "state", "%s  ", st);
    cli_str(o, "name", "%-16s  ", t->comm);
    /* a kernel thread has no page tables of its own: it runs in the kernel's */
    cli_hex(o, "dtb", "%-18s  ", t->dtb ? t->dtb : k->kernel_dtb);
    cli_bool(o, "kernel_thread", 0, t->kernel_thread);
    if (k->threads) cli_bool(o, "thread", 0, t->is_thread);
    cli_text(o, "%-7s  ", t->kernel_thread ? "kthread" : k->threads && t->is_thread ? "thread" : "user");
    cli_num(o, "start_time_ns", 0, t->start_time);
    cli_hex(o, "task", "%s\n", t->addr);
    cli_end(o);
    k->n++;
    k->last = t->addr;
    return 0;
}

static int cmd_lx_ps(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    cli_lx_walk k;
    memintro_status s;
    int rc, npos, threads = 0;
    const cli_optspec spec[] = {{"--threads", 0, 0, &threads, 0}};
    if ((rc = cli_args("ps", argc, argv, spec, 1, pos, 0, &npos, "ps [--threads]", 0)) != CLI_OK) return rc;
    if ((rc = cli_lx_need(c, "ps", 1)) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    k.threads = threads;
    k.kernel_dtb = cli_lx_kernel(c)->dtb;
    cli_arr(k.o, 0);
    if (threads)
        cli_text(k.o, "%8s %8s %8s  %s  %-16s  %-18s  %-7s  %s\n", "PID", "TGID", "PPID", "S", "NAME", "DTB", "KIND", "TASK");
    else
        cli_text(k.o, "%8s %8s  %s  %-16s  %-18s  %-7s  %s\n", "PID", "PPID", "S", "NAME", "DTB", "KIND", "TASK");
    s = memintro_linux_task_each(cli_lx_os(c), threads ? MEMINTRO_LINUX_THREADS : 0, cli_lx_ps_one, &k);
    cli_end(k.o);
    if (s != MEMINTRO_OK) return cli_os_walk_error("ps", "the task list", s, k.n, k.last);
    return CLI_OK;
}

/* ---- maps ----------------------------------------------------------------------------- */

static int cli_lx_vma_one(void *user, const memintro_linux_vma *v)
{
    cli_lx_walk *k = (cli_lx_walk *)user;
    cli_out *o = k->o;
    char range[48];
    snprintf(range, sizeof range, "%08llx-%08llx", (cli_ull)v->start, (cli_ull)v->end);
    cli_obj(o, 0);
    cli_text(o, "%s ", range);
    cli_hex(o, "start", 0, v->start);
    cli_hex(o, "end", 0, v->end);
    cli_str(o, "perms", "%s ", v->perms);
    cli_hex(o, "flags", 0, v->flags);
    cli_text(o, "%08llx ", v->file ? (cli_ull)v->pgoff << 12 : 0ull);
    cli_num(o, "offset", 0, v->file ? v->pgoff << 12 : 0);
    if (v->file) cli_hex(o, "file", 0, v->file);
    else cli_null(o, "file", 0);
    cli_hex(o, "vma", 0, v->addr);
    cli_str(o, "name", "%s\n", v->name);
    cli_end(o);
    k->n++;
    k->last = v->addr;
    return 0;
}

static int cmd_lx_maps(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1], *why;
    static const char usage[] = "maps PID";
    memintro_linux_task t;
    cli_lx_walk k;
    memintro_status s;
    uint64_t pid;
    int rc, npos;
    char what[96];
    if ((rc = cli_args("maps", argc, argv, 0, 0, pos, 1, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 1) return cli_error(CLI_USAGE, "maps: missing PID (usage: %s)", usage);
    if ((why = cli_parse_num(pos[0], &pid))) return cli_error(CLI_USAGE, "maps: PID '%s': %s", pos[0], why);
    if ((rc = cli_lx_need(c, "maps", 1)) != CLI_OK) return rc;
    if ((rc = cli_lx_task(c, "maps", pid, &t)) != CLI_OK) return rc;
    if (t.kernel_thread || !t.mm)
        return cli_error(CLI_FAIL, "maps: pid %llu (%s) is a kernel thread: it has no memory maps", (cli_ull)pid, t.comm);
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    s = memintro_linux_vma_each(cli_lx_os(c), &t, cli_lx_vma_one, &k);
    cli_end(k.o);
    snprintf(what, sizeof what, "the memory maps of pid %llu (%s)", (cli_ull)pid, t.comm);
    if (s == MEMINTRO_E_UNSUPPORTED)
        return cli_error(CLI_FAIL, "maps: the kernel's types lack %s", cli_lx_os(c)->missing_maps ? cli_lx_os(c)->missing_maps : "something");
    if (s != MEMINTRO_OK) return cli_os_walk_error("maps", what, s, k.n, k.last);
    return CLI_OK;
}

/* ---- modules -------------------------------------------------------------------------- */

static int cli_lx_mod_one(void *user, const memintro_linux_module *m)
{
    cli_lx_walk *k = (cli_lx_walk *)user;
    cli_out *o = k->o;
    cli_obj(o, 0);
    cli_str(o, "name", "%-24s  ", m->name);
    cli_num(o, "size", "%10s  ", m->size);
    cli_hex(o, "base", "%-18s  ", m->base);
    cli_hex(o, "module", "%s\n", m->addr);
    cli_end(o);
    k->n++;
    k->last = m->addr;
    return 0;
}

static int cmd_lx_modules(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    static const char usage[] = "modules kernel";
    cli_lx_walk k;
    memintro_status s;
    int rc, npos;
    if ((rc = cli_args("modules", argc, argv, 0, 0, pos, 1, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 1) return cli_error(CLI_USAGE, "modules: missing 'kernel' (usage: %s)", usage);
    if (strcmp(pos[0], "kernel"))
        return cli_error(CLI_USAGE, "modules: a Linux process's mappings are listed by 'maps %s'; 'modules kernel' lists the kernel's modules", pos[0]);
    if ((rc = cli_lx_need(c, "modules", 1)) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    cli_text(k.o, "%-24s  %10s  %-18s  %s\n", "NAME", "SIZE", "BASE", "MODULE");
    s = memintro_linux_module_each(cli_lx_os(c), cli_lx_mod_one, &k);
    cli_end(k.o);
    if (s == MEMINTRO_E_UNSUPPORTED)
        return cli_error(CLI_FAIL, "modules: the kernel's types or symbols lack %s",
                         cli_lx_os(c)->missing_modules ? cli_lx_os(c)->missing_modules : "something");
    if (s != MEMINTRO_OK) return cli_os_walk_error("modules", "the module list", s, k.n, k.last);
    return CLI_OK;
}

/* ---- dmesg ---------------------------------------------------------------------------- */

static int cli_lx_log_one(void *user, const memintro_linux_log *r)
{
    cli_lx_walk *k = (cli_lx_walk *)user;
    cli_out *o = k->o;
    uint32_t i = 0;
    if (o->json) {
        char *txt = (char *)cli_alloc((size_t)r->text_len + 1);
        memcpy(txt, r->text, r->text_len);
        txt[r->text_len] = 0;
        cli_obj(o, 0);
        cli_num(o, "seq", 0, r->seq);
        cli_num(o, "ts_nsec", 0, r->ts_nsec);
        cli_num(o, "level", 0, r->level);
        cli_num(o, "facility", 0, r->facility);
        cli_num(o, "caller_id", 0, r->caller_id);
        cli_str(o, "text", 0, txt);
        cli_end(o);
        free(txt);
    } else {
        /* each line of a record gets the record's time stamp, as dmesg prints it */
        do {
            uint32_t j = i;
            while (j < r->text_len && r->text[j] != '\n') j++;
            cli_text(o, "[%5llu.%06llu] %.*s\n", (cli_ull)(r->ts_nsec / 1000000000u),
                     (cli_ull)(r->ts_nsec % 1000000000u / 1000u), (int)(j - i), r->text + i);
            i = j + 1;
        } while (i < r->text_len);
    }
    k->n++;
    k->last = r->seq;
    return 0;
}

static int cmd_lx_dmesg(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    cli_lx_walk k;
    memintro_status s;
    int rc, npos;
    if ((rc = cli_args("dmesg", argc, argv, 0, 0, pos, 0, &npos, "dmesg", 0)) != CLI_OK) return rc;
    if ((rc = cli_lx_need(c, "dmesg", 1)) != CLI_OK) return rc;
    memset(&k, 0, sizeof k);
    k.o = &c->out;
    cli_arr(k.o, 0);
    s = memintro_linux_log_each(cli_lx_os(c), cli_lx_log_one, &k);
    cli_end(k.o);
    if (s == MEMINTRO_E_UNSUPPORTED)
        return cli_error(CLI_FAIL, "dmesg: the kernel's types or symbols lack %s",
                         cli_lx_os(c)->missing_log ? cli_lx_os(c)->missing_log : "something");
    if (s != MEMINTRO_OK) {
        if (k.n)
            return cli_error(CLI_FAIL, "dmesg: the kernel log ends after %llu records (the last seq %llu): %s",
                             (cli_ull)k.n, (cli_ull)k.last, memintro_status_str(s));
        return cli_error(CLI_FAIL, "dmesg: the kernel log cannot be read: %s", memintro_status_str(s));
    }
    return CLI_OK;
}

/* ---- symbol --------------------------------------------------------------------------- */

/* The type letter of the first symbol at addr named name ('?' if not found). */
static char cli_lx_sym_type(const memintro_linux *l, const char *name, uint64_t addr)
{
    uint32_t lo = 0, hi = memintro_linux_symbol_count(l), i;
    uint64_t a;
    char ty = '?';
    while (lo < hi) { /* the first symbol at or above addr */
        uint32_t mid = lo + (hi - lo) / 2;
        memintro_linux_symbol_get(l, mid, &a, 0);
        if (a < addr) lo = mid + 1;
        else hi = mid;
    }
    for (i = lo; i < memintro_linux_symbol_count(l); i++) {
        const char *n = memintro_linux_symbol_get(l, i, &a, &ty);
        if (a != addr) break;
        if (n && !strcmp(n, name)) return ty;
    }
    return '?';
}

static int cmd_lx_symbol(cli_ctx *c, int argc, char **argv)
{
    const char **pos;
    static const char usage[] = "symbol NAME|ADDR...";
    int rc, npos, i, bad = 0;
    cli_out *o = &c->out;
    const memintro_linux *l;
    pos = (const char **)cli_alloc((size_t)(argc + 1) * sizeof *pos);
    rc = cli_args("symbol", argc, argv, 0, 0, pos, argc, &npos, usage, 0);
    if (rc == CLI_OK && npos < 1) rc = cli_error(CLI_USAGE, "symbol: missing NAME or ADDR (usage: %s)", usage);
    if (rc == CLI_OK) rc = cli_lx_need(c, "symbol", 0);
    if (rc != CLI_OK) {
        free(pos);
        return rc;
    }
    l = cli_lx_kernel(c);
    cli_arr(o, 0);
    for (i = 0; i < npos; i++) {
        uint64_t addr, off;
        char name[256], ty[2] = "?";
        memintro_status s;
        int is_addr = cli_parse_num(pos[i], &addr) == 0;
        if (is_addr) {
            s = memintro_linux_symbol_at(l, addr, name, sizeof name, &off);
            if (s != MEMINTRO_OK) {
                cli_warn("symbol: no symbol at or before 0x%llx", (cli_ull)addr);
                bad = 1;
                continue;
            }
            ty[0] = cli_lx_sym_type(l, name, addr - off);
            cli_obj(o, 0);
            cli_str(o, "query", 0, pos[i]);
            cli_hex(o, "address", "%s ", addr);
            cli_str(o, "name", "%s", name);
            cli_num(o, "offset", off ? "+0x" : "", off);
            if (off) cli_text(o, "%llx", (cli_ull)off); /* the offset in hex after the name */
            cli_hex(o, "symbol_address", " (%s", addr - off);
            cli_str(o, "type", " %s)\n", ty);
            cli_end(o);
        } else {
            s = memintro_linux_symbol(l, pos[i], &addr);
            if (s != MEMINTRO_OK) {
                cli_warn("symbol: no symbol named '%s'", pos[i]);
                bad = 1;
                continue;
            }
            ty[0] = cli_lx_sym_type(l, pos[i], addr);
            cli_obj(o, 0);
            cli_str(o, "query", 0, pos[i]);
            cli_hex(o, "address", "%s ", addr);
            cli_str(o, "type", "%s ", ty);
            cli_str(o, "name", "%s\n", pos[i]);
            cli_num(o, "offset", 0, 0);
            cli_hex(o, "symbol_address", 0, addr);
            cli_end(o);
        }
    }
    cli_end(o);
    free(pos);
    return bad ? cli_error(CLI_FAIL, "symbol: %s", npos == 1 ? "not found" : "some were not found") : CLI_OK;
}

/* ---- VMCOREINFO ----------------------------------------------------------------------- */

/* The guest's VMCOREINFO, as its kernel keeps it for a crash: the ELF note that
   vmcoreinfo_note points to (Elf64_Nhdr, "VMCOREINFO\0" padded to 12 bytes, the text),
   one page at most (VMCOREINFO_BYTES); else the text vmcoreinfo_data points to,
   vmcoreinfo_size bytes. Returns 1 and the text, or 0 (*why says why). */
static int cli_lx_read_vmcoreinfo(const memintro_linux *l, char *out, size_t *n, const char **why)
{
    memintro_virt *kv = (memintro_virt *)&l->kernel;
    uint64_t sym, ptr = 0, size = 0;
    uint8_t hdr[24], b[8];
    *n = 0;
    if (memintro_linux_symbol(l, "vmcoreinfo_note", &sym) == MEMINTRO_OK &&
        memintro_virt_read1(kv, sym, b, 8) == MEMINTRO_OK && (ptr = memintro_get_u64(b)) != 0 &&
        memintro_virt_read1(kv, ptr, hdr, sizeof hdr) == MEMINTRO_OK) {
        uint32_t namesz = memintro_get_u32(hdr), descsz = memintro_get_u32(hdr + 4), type = memintro_get_u32(hdr + 8);
        if (namesz == 11 && type == 0 && !memcmp(hdr + 12, "VMCOREINFO", 11) && descsz && descsz <= CLI_LX_NOTE_MAX - 24 &&
            memintro_virt_read1(kv, ptr + 24, out, descsz) == MEMINTRO_OK) {
            *n = descsz;
        }
    }
    if (!*n && memintro_linux_symbol(l, "vmcoreinfo_data", &sym) == MEMINTRO_OK &&
        memintro_virt_read1(kv, sym, b, 8) == MEMINTRO_OK && (ptr = memintro_get_u64(b)) != 0 &&
        memintro_linux_symbol(l, "vmcoreinfo_size", &sym) == MEMINTRO_OK &&
        memintro_virt_read1(kv, sym, b, 8) == MEMINTRO_OK && (size = memintro_get_u64(b)) != 0 && size <= CLI_LX_NOTE_MAX &&
        memintro_virt_read1(kv, ptr, out, (size_t)size) == MEMINTRO_OK) {
        *n = (size_t)size;
    }
    while (*n && out[*n - 1] == 0) (*n)--; /* a NUL the size counted */
    out[*n] = 0;
    if (!*n) {
        *why = "the kernel's vmcoreinfo_note and vmcoreinfo_data cannot be read";
        return 0;
    }
    if (strlen(out) != *n || strncmp(out, "OSRELEASE=", 10)) {
        *n = 0;
        out[0] = 0;
        *why = "the kernel's vmcoreinfo does not start with OSRELEASE= or holds NUL bytes";
        return 0;
    }
    return 1;
}

int cli_linux_vmcoreinfo(cli_ctx *c, const char **text, size_t *size)
{
    const cli_os *a;
    const char *why = 0;
    *text = 0;
    *size = 0;
    if (c->o.os && c->o.os != &cli_os_linux) return CLI_OK;
    if (cli_os_active(c, "dump", &a) != CLI_OK) return CLI_FAIL;
    if (a != &cli_os_linux || !cli_lx_kernel(c)) return CLI_OK;
    if (!cli_lx.vmci_tried) {
        cli_lx.vmci_tried = 1;
        if (!cli_lx_read_vmcoreinfo(cli_lx_kernel(c), cli_lx.vmci, &cli_lx.vmci_size, &why))
            cli_warn("dump: the Linux guest's VMCOREINFO is not written: %s", why);
    }
    if (cli_lx.vmci_size) {
        *text = cli_lx.vmci;
        *size = cli_lx.vmci_size;
    }
    return CLI_OK;
}

static const cli_command cli_lx_commands[] = {
    {"ps", "[--threads]", "the processes (--threads: and their threads):\n"
                          "pid, parent, state, name, DTB (a kernel\n"
                          "thread's: the kernel's), kernel thread or\n"
                          "user, task_struct (list order)",
     cmd_lx_ps},
    {"maps", "PID", "the memory maps of a process, as\n"
                    "/proc/PID/maps: range, perms, offset, path",
     cmd_lx_maps},
    {"modules", "kernel", "the kernel's modules: name, size, base\n"
                          "(as /proc/modules)",
     cmd_lx_modules},
    {"dmesg", "", "the kernel log, as dmesg prints it", cmd_lx_dmesg},
    {"symbol", "NAME|ADDR...", "a kernel symbol's address, or the symbol\n"
                               "and offset at an address (kallsyms)",
     cmd_lx_symbol},
};

const cli_os cli_os_linux = {"linux",
                             "Linux guests, found in memory alone",
                             cli_lx_info,
                             cli_lx_process_virt,
                             cli_lx_commands,
                             sizeof cli_lx_commands / sizeof cli_lx_commands[0]};
