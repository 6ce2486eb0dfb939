/* memintro CLI: pause, resume, regs, break, watch over QEMU's gdbstub (gdb.h says how the
   stub is named). Each hit of break/watch is one line (--json: one object per line) with the
   vCPU, rip, cr3 and, when the Linux layer is found through the QEMU connector, the current
   process: the task whose page-table root is the vCPU's CR3 (PCID and the KPTI user bit
   masked off). SIGINT, SIGTERM and SIGHUP end the wait: every breakpoint and watchpoint set
   is removed and the guest runs on. */
#include "gdb.h"

#define MEMINTRO_GDB_IMPLEMENTATION
#include "memintro_gdb.h"
#include "memintro_linux.h"

#include <signal.h>
#include <time.h>

static memintro_gdb cli_gdb;    /* large: static */
static int cli_gdb_open_done;
static char cli_gdb_rest[4096]; /* -c without its gdb= key (o->connect points here) */
static char cli_gdb_addr[512];  /* the gdb= key's value (o->gdb points here) */
static volatile sig_atomic_t cli_gdb_stop;

/* ---- connecting ------------------------------------------------------------------------- */

void cli_gdb_register(void)
{
    memintro_target_register(memintro_gdb_connector());
}

int cli_gdb_take_key(cli_opts *o)
{
    const char *spec = o->connect, *k, *v, *e;
    size_t n;
    if (!spec || !strncmp(spec, "gdb:", 4)) return CLI_OK;
    k = strstr(spec, "gdb=");
    while (k && k != spec && k[-1] != ',' && k[-1] != ':') k = strstr(k + 1, "gdb=");
    if (!k) return CLI_OK;
    v = k + 4;
    e = strchr(v, ',');
    n = e ? (size_t)(e - v) : strlen(v);
    if (!n || n >= sizeof cli_gdb_addr) return cli_error(CLI_USAGE, "-c: gdb= needs unix:PATH or tcp:HOST:PORT");
    memcpy(cli_gdb_addr, v, n);
    cli_gdb_addr[n] = 0;
    /* the rest: everything but ",gdb=ADDR" */
    if (strlen(spec) >= sizeof cli_gdb_rest) return cli_error(CLI_USAGE, "-c: too long");
    n = (size_t)(k - spec);
    memcpy(cli_gdb_rest, spec, n);
    if (e) strcpy(cli_gdb_rest + n, e + 1);
    else cli_gdb_rest[n] = 0;
    n = strlen(cli_gdb_rest);
    while (n && (cli_gdb_rest[n - 1] == ',' || cli_gdb_rest[n - 1] == ':')) cli_gdb_rest[--n] = 0;
    o->connect = cli_gdb_rest;
    o->gdb = cli_gdb_addr;
    return CLI_OK;
}

/* The stub's address: gdb=ADDR of a qemu: -c (*has_target: the QEMU connector holds the
   memory), or -c gdb:ADDR (the stub alone). */
static int cli_gdb_split(cli_ctx *c, char *addr, size_t cap, int *has_target)
{
    const char *spec = c->o.connect;
    *has_target = 0;
    if (c->o.gdb) {
        if (strlen(c->o.gdb) >= cap) return cli_error(CLI_USAGE, "-c: gdb= too long");
        strcpy(addr, c->o.gdb);
        *has_target = 1;
        return CLI_OK;
    }
    if (!spec) return cli_error(CLI_USAGE, "needs -c gdb:unix:PATH or -c qemu:name=VM,gdb=unix:PATH");
    if (!strncmp(spec, "gdb:", 4)) {
        if (strlen(spec + 4) >= cap || !spec[4]) return cli_error(CLI_USAGE, "-c gdb: needs unix:PATH or tcp:HOST:PORT");
        strcpy(addr, spec + 4);
        return CLI_OK;
    }
    return cli_error(CLI_USAGE, "-c %s has no gdb=ADDR (e.g. qemu:name=VM,gdb=unix:PATH)", spec);
}

static int cli_gdb_has_target;

static int cli_gdb_get(cli_ctx *c, memintro_gdb **out)
{
    char addr[512];
    int rc;
    memintro_gdb_options o;
    if (cli_gdb_open_done) {
        *out = &cli_gdb;
        return CLI_OK;
    }
    if ((rc = cli_gdb_split(c, addr, sizeof addr, &cli_gdb_has_target)) != CLI_OK) return rc;
    memset(&o, 0, sizeof o);
    if (memintro_gdb_open(&cli_gdb, addr, &o) != MEMINTRO_OK) {
        char line[600];
        return cli_error(CLI_FAIL, "%s", cli_oneline(memintro_gdb_error(&cli_gdb), line, sizeof line));
    }
    cli_gdb_open_done = 1;
    *out = &cli_gdb;
    return CLI_OK;
}

static void cli_gdb_release(void)
{
    if (cli_gdb_open_done) memintro_gdb_close(&cli_gdb);
    cli_gdb_open_done = 0;
}

/* ---- the Linux layer: symbols and the current process ----------------------------------- */

static struct {
    int tried, ready, os_ready;
    memintro_linux *l;
    memintro_linux_os os;
    memintro_btf btf;
    void *mem, *index;
    char why[256];
    /* the processes by page-table root, refreshed when a CR3 is not found */
    struct { uint64_t dtb; int32_t pid; char comm[17]; } procs[1024];
    size_t nprocs;
} cli_gl;

/* The Linux layer: over the QEMU connector's memory (qemu:...,gdb=), or over the gdbstub's
   own physical mode (gdb: alone; the VM is paused while the kernel is looked for, so the
   reads are not paused and resumed one batch at a time). */
static int cli_gdb_linux(cli_ctx *c)
{
    cli_target *t;
    memintro_linux_hints h;
    memintro_status s;
    memintro_phys *phys;
    int resume = 0;
    if (cli_gl.tried) return cli_gl.ready;
    cli_gl.tried = 1;
    memset(&h, 0, sizeof h);
    if (cli_gdb_has_target) {
        if (cli_target_get(c, &t) != CLI_OK) return 0;
        cli_target_cpus(t);
        memintro_linux_hints_from_target(t, &h);
        phys = t->phys;
    } else {
        memintro_cpu cpu;
        if (!cli_gdb.has_phys_mode) {
            snprintf(cli_gl.why, sizeof cli_gl.why, "the stub has no physical-memory mode");
            return 0;
        }
        resume = memintro_gdb_running(&cli_gdb);
        if (resume) memintro_gdb_pause(&cli_gdb);
        if (memintro_gdb_regs(&cli_gdb, 0, &cpu) == MEMINTRO_OK && cpu.isa == MEMINTRO_ISA_X86_64) {
            h.arch = cpu.cr[4] & (1u << 12) ? MEMINTRO_ARCH_X86_64_LA57 : MEMINTRO_ARCH_X86_64;
            h.dtb = cpu.cr[3];
        }
        phys = &cli_gdb.phys;
    }
    cli_gl.l = (memintro_linux *)cli_alloc(sizeof *cli_gl.l);
    s = memintro_linux_init(cli_gl.l, phys, &h, 0, 0);
    if (s == MEMINTRO_E_NOSPACE && cli_gl.l->mem_needed) {
        cli_gl.mem = cli_alloc(cli_gl.l->mem_needed);
        s = memintro_linux_init(cli_gl.l, phys, &h, cli_gl.mem, cli_gl.l->mem_needed);
    }
    if (resume) memintro_gdb_resume(&cli_gdb);
    if (s != MEMINTRO_OK) {
        cli_oneline(memintro_linux_why(cli_gl.l), cli_gl.why, sizeof cli_gl.why);
        return 0;
    }
    cli_gl.ready = 1;
    if (cli_gl.l->btf_data && cli_gl.l->btf_size) {
        size_t need = memintro_btf_index_size(cli_gl.l->btf_data, (size_t)cli_gl.l->btf_size);
        cli_gl.index = need ? cli_alloc(need) : 0;
        cli_gl.os_ready = memintro_linux_os_from(&cli_gl.os, cli_gl.l, &cli_gl.btf, cli_gl.index, need) == MEMINTRO_OK;
    }
    return 1;
}

#define CLI_GDB_ROOT(x) ((x) & 0x000fffffffffe000ull) /* the PGD pair: PCID, flags, KPTI bit 12 off */

static int cli_gdb_proc_one(void *user, const memintro_linux_task *t)
{
    (void)user;
    if (cli_gl.nprocs >= sizeof cli_gl.procs / sizeof cli_gl.procs[0]) return 1;
    if (!t->dtb) return 0;
    cli_gl.procs[cli_gl.nprocs].dtb = CLI_GDB_ROOT(t->dtb);
    cli_gl.procs[cli_gl.nprocs].pid = t->tgid;
    memcpy(cli_gl.procs[cli_gl.nprocs].comm, t->comm, sizeof t->comm);
    cli_gl.nprocs++;
    return 0;
}

/* The process whose page tables cr3 is; 0 when not found (a kernel thread, or no OS). */
static int cli_gdb_process(uint64_t cr3, int32_t *pid, const char **comm)
{
    int pass;
    size_t i;
    if (!cli_gl.os_ready) return 0;
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < cli_gl.nprocs; i++)
            if (cli_gl.procs[i].dtb == CLI_GDB_ROOT(cr3)) {
                *pid = cli_gl.procs[i].pid;
                *comm = cli_gl.procs[i].comm;
                return 1;
            }
        if (pass == 0) {
            cli_gl.nprocs = 0;
            memintro_linux_task_each(&cli_gl.os, 0, cli_gdb_proc_one, 0);
        }
    }
    return 0;
}

/* ---- commands --------------------------------------------------------------------------- */

int cmd_pause(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    memintro_gdb *g;
    if ((rc = cli_args("pause", argc, argv, 0, 0, pos, 0, &npos, "pause", 0)) != CLI_OK) return rc;
    if ((rc = cli_gdb_get(c, &g)) != CLI_OK) return rc;
    if (memintro_gdb_pause(g) != MEMINTRO_OK) rc = cli_error(CLI_FAIL, "pause: %s", memintro_gdb_error(g));
    cli_gdb_release(); /* the VM stays stopped: close does not detach */
    if (rc == CLI_OK) {
        if (c->o.json) printf("{\"running\":false}\n");
        else printf("paused\n");
    }
    return rc;
}

int cmd_resume(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    int npos, rc;
    memintro_gdb *g;
    if ((rc = cli_args("resume", argc, argv, 0, 0, pos, 0, &npos, "resume", 0)) != CLI_OK) return rc;
    if ((rc = cli_gdb_get(c, &g)) != CLI_OK) return rc;
    if (memintro_gdb_resume(g) != MEMINTRO_OK) rc = cli_error(CLI_FAIL, "resume: %s", memintro_gdb_error(g));
    cli_gdb_release(); /* detaches: the VM runs */
    if (rc == CLI_OK) {
        if (c->o.json) printf("{\"running\":true}\n");
        else printf("running\n");
    }
    return rc;
}

int cmd_regs(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1], *cpu_s = 0;
    int npos, rc;
    uint64_t cpu = 0;
    memintro_gdb *g;
    memintro_cpu r;
    cli_optspec spec[] = {{"--cpu", 0, "N", 0, &cpu_s}};
    const char *why;
    if ((rc = cli_args("regs", argc, argv, spec, 1, pos, 0, &npos, "regs [--cpu N]", 0)) != CLI_OK) return rc;
    if (cpu_s && (why = cli_parse_num(cpu_s, &cpu)) != 0) return cli_error(CLI_USAGE, "regs: --cpu %s: %s", cpu_s, why);
    if ((rc = cli_gdb_get(c, &g)) != CLI_OK) return rc;
    if (cpu >= memintro_gdb_cpu_count(g)) {
        rc = cli_error(CLI_FAIL, "regs: no vCPU %llu (the stub has %u)", (cli_ull)cpu, (unsigned)memintro_gdb_cpu_count(g));
        cli_gdb_release();
        return rc;
    }
    if (memintro_gdb_regs(g, (uint32_t)cpu, &r) != MEMINTRO_OK) {
        rc = cli_error(CLI_FAIL, "regs: %s", memintro_gdb_error(g));
        cli_gdb_release();
        return rc;
    }
    if (g->arch == MEMINTRO_GDB_ARCH_AARCH64) {
        int i;
        if (c->o.json) {
            printf("{\"cpu\":%llu,\"arch\":\"aarch64\",\"pc\":\"0x%llx\",\"sp\":\"0x%llx\",\"pstate\":\"0x%llx\",\"ttbr0\":\"0x%llx\","
                   "\"ttbr1\":\"0x%llx\",\"tcr\":\"0x%llx\",\"sctlr\":\"0x%llx\"",
                   (cli_ull)cpu, (cli_ull)r.pc, (cli_ull)r.sp, (cli_ull)r.pstate, (cli_ull)r.ttbr0, (cli_ull)r.ttbr1,
                   (cli_ull)r.tcr, (cli_ull)r.sctlr);
            for (i = 0; i < 31; i++) printf(",\"x%d\":\"0x%llx\"", i, (cli_ull)r.x[i]);
            printf("}\n");
        } else {
            printf("cpu %llu aarch64\npc 0x%016llx\nsp 0x%016llx\npstate 0x%llx\nttbr0_el1 0x%016llx\nttbr1_el1 0x%016llx\n"
                   "tcr_el1 0x%016llx\nsctlr_el1 0x%016llx\n",
                   (cli_ull)cpu, (cli_ull)r.pc, (cli_ull)r.sp, (cli_ull)r.pstate, (cli_ull)r.ttbr0, (cli_ull)r.ttbr1,
                   (cli_ull)r.tcr, (cli_ull)r.sctlr);
            for (i = 0; i < 31; i++) printf("x%d 0x%016llx\n", i, (cli_ull)r.x[i]);
        }
    } else {
        static const char *const gn[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                           "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
        static const char *const sn[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
        int i;
        if (c->o.json) {
            printf("{\"cpu\":%llu,\"arch\":\"%s\",\"rip\":\"0x%llx\",\"rflags\":\"0x%llx\",\"cr0\":\"0x%llx\",\"cr2\":\"0x%llx\","
                   "\"cr3\":\"0x%llx\",\"cr4\":\"0x%llx\",\"efer\":\"0x%llx\",\"kernel_gs_base\":\"0x%llx\"",
                   (cli_ull)cpu, memintro_gdb_arch_name(g->arch), (cli_ull)r.rip, (cli_ull)r.rflags, (cli_ull)r.cr[0],
                   (cli_ull)r.cr[2], (cli_ull)r.cr[3], (cli_ull)r.cr[4], (cli_ull)r.efer, (cli_ull)r.kernel_gs_base);
            for (i = 0; i < 16; i++) printf(",\"%s\":\"0x%llx\"", gn[i], (cli_ull)r.gpr[i]);
            for (i = 0; i < 6; i++)
                printf(",\"%s\":\"0x%x\",\"%s_base\":\"0x%llx\"", sn[i], r.seg[i].selector, sn[i], (cli_ull)r.seg[i].base);
            printf("}\n");
        } else {
            printf("cpu %llu %s\nrip 0x%016llx\nrflags 0x%llx\ncr0 0x%llx\ncr2 0x%llx\ncr3 0x%llx\ncr4 0x%llx\nefer 0x%llx\n"
                   "kernel_gs_base 0x%016llx\n",
                   (cli_ull)cpu, memintro_gdb_arch_name(g->arch), (cli_ull)r.rip, (cli_ull)r.rflags, (cli_ull)r.cr[0],
                   (cli_ull)r.cr[2], (cli_ull)r.cr[3], (cli_ull)r.cr[4], (cli_ull)r.efer, (cli_ull)r.kernel_gs_base);
            for (i = 0; i < 16; i++) printf("%s 0x%016llx\n", gn[i], (cli_ull)r.gpr[i]);
            for (i = 0; i < 6; i++) printf("%s 0x%04x base 0x%016llx\n", sn[i], r.seg[i].selector, (cli_ull)r.seg[i].base);
        }
    }
    cli_gdb_release();
    return CLI_OK;
}

static void cli_gdb_on_signal(int sig)
{
    (void)sig;
    cli_gdb_stop = 1;
}

/* --print EXPR: comma-separated items, each REG (a register's value), *REG[+OFF] (the 8
   bytes at the guest-virtual address REG holds, plus OFF: a field of the structure it
   points at) or str:REG[+OFF] (the NUL-terminated string there, at most 128 bytes), read on
   the vCPU of the hit (in its address space: a user pointer reads in the process that was
   running). Returns NULL when the text is well formed, else why not. */
#define CLI_GDB_PRINT_MAX 8
typedef struct cli_gdb_print {
    size_t n;
    struct {
        int kind; /* 0 REG, 1 *REG, 2 str:REG */
        char reg[24];
        uint64_t off;
        char label[48];
    } item[CLI_GDB_PRINT_MAX];
} cli_gdb_print;

static const char *cli_gdb_print_parse(memintro_gdb *g, const char *expr, cli_gdb_print *pr)
{
    static char why[96];
    const char *p = expr;
    pr->n = 0;
    while (p && *p) {
        const char *end = strchr(p, ','), *r = p;
        size_t len = end ? (size_t)(end - p) : strlen(p), all = len;
        int kind = 0;
        if (pr->n == CLI_GDB_PRINT_MAX) return "at most 8 items";
        if (len > 4 && !strncmp(p, "str:", 4)) kind = 2, r = p + 4;
        else if (len > 1 && *p == '*') kind = 1, r = p + 1;
        len -= (size_t)(r - p);
        pr->item[pr->n].off = 0;
        if (kind && memchr(r, '+', len)) {
            const char *plus = (const char *)memchr(r, '+', len);
            char num[24];
            size_t nl = len - (size_t)(plus + 1 - r);
            if (!nl || nl >= sizeof num) return "a bad +OFF";
            memcpy(num, plus + 1, nl);
            num[nl] = 0;
            if (cli_parse_num(num, &pr->item[pr->n].off)) return "a bad +OFF";
            len = (size_t)(plus - r);
        }
        if (!len || len >= sizeof pr->item[0].reg || all >= sizeof pr->item[0].label) return "an empty or too long item";
        memcpy(pr->item[pr->n].reg, r, len);
        pr->item[pr->n].reg[len] = 0;
        if (!memintro_gdb_reg_find(g, pr->item[pr->n].reg)) {
            snprintf(why, sizeof why, "no register %.24s in the stub's target description", pr->item[pr->n].reg);
            return why;
        }
        pr->item[pr->n].kind = kind;
        memcpy(pr->item[pr->n].label, p, all); /* the item as written */
        pr->item[pr->n].label[all] = 0;
        pr->n++;
        p = end ? end + 1 : 0;
    }
    return pr->n ? 0 : "nothing to print";
}

/* Prints the items of pr for a hit on vCPU cpu (text: " LABEL=VALUE", JSON: ,"print":{..}). */
static void cli_gdb_print_hit(cli_ctx *c, memintro_gdb *g, uint32_t cpu, const cli_gdb_print *pr)
{
    size_t i;
    if (!pr || !pr->n) return;
    if (c->o.json) printf(",\"print\":{");
    for (i = 0; i < pr->n; i++) {
        uint64_t v = 0, w = 0;
        char str[129];
        int ok = memintro_gdb_reg_get(g, cpu, pr->item[i].reg, &v) == MEMINTRO_OK, k;
        const char *val = 0;
        str[0] = 0;
        v += pr->item[i].kind ? pr->item[i].off : 0;
        if (ok && pr->item[i].kind == 1) ok = memintro_gdb_mem_read(g, cpu, v, &w, 8, 0) == MEMINTRO_OK, v = w;
        if (ok && pr->item[i].kind == 2) {
            size_t n;
            memset(str, 0, sizeof str);
            /* byte by byte up to the NUL: the string may end just before an unmapped page */
            for (n = 0; n < sizeof str - 1; n++)
                if (memintro_gdb_mem_read(g, cpu, v + n, &str[n], 1, 0) != MEMINTRO_OK || !str[n]) break;
            ok = n > 0 || str[0] == 0;
            val = str;
        }
        if (c->o.json) {
            printf("%s\"%s\":", i ? "," : "", pr->item[i].label);
            if (!ok) {
                printf("null");
            } else if (val) {
                putchar('"');
                for (k = 0; val[k]; k++)
                    printf(val[k] == '"' || val[k] == '\\' ? "\\%c" : (unsigned char)val[k] < 32 ? "?" : "%c", val[k]);
                putchar('"');
            } else {
                printf("\"0x%llx\"", (cli_ull)v);
            }
        } else if (!ok) {
            printf(" %s=?", pr->item[i].label);
        } else if (val) {
            printf(" %s=\"", pr->item[i].label);
            for (k = 0; val[k]; k++) putchar((unsigned char)val[k] >= 32 && (unsigned char)val[k] < 127 ? val[k] : '.');
            putchar('"');
        } else {
            printf(" %s=0x%llx", pr->item[i].label, (cli_ull)v);
        }
    }
    if (c->o.json) printf("}");
}

/* Waits for hits of source id until count hits (0: no limit), timeout seconds without one
   (0: none) or a signal. One line per hit. */
static int cli_gdb_loop(cli_ctx *c, memintro_gdb *g, uint32_t id, const char *kind, uint64_t count, double timeout, uint64_t wlen,
                        const cli_gdb_print *pr)
{
    struct sigaction sa, old_int, old_term, old_hup;
    uint64_t hits = 0;
    double last = cli_now();
    int rc = CLI_OK;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_gdb_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    if (!c->o.json) {
        printf("waiting for %s hits (Ctrl-C ends)\n", kind);
        fflush(stdout);
    }
    while (!cli_gdb_stop && (!count || hits < count)) {
        memintro_gdb_event ev;
        memintro_status s = memintro_gdb_next_event(g, 200, &ev);
        int32_t pid = 0;
        const char *comm = 0;
        int known;
        uint8_t data[64];
        int have_data = 0;
        if (s == MEMINTRO_E_NOTFOUND) {
            if (timeout > 0 && cli_now() - last > timeout) {
                rc = cli_error(CLI_FAIL, "%s: no hit within %g s", kind, timeout);
                break;
            }
            continue;
        }
        if (s != MEMINTRO_OK) {
            rc = cli_error(CLI_FAIL, "%s: %s", kind, memintro_gdb_error(g));
            break;
        }
        if (ev.id != id) continue; /* a stop from elsewhere: run on */
        hits++;
        last = cli_now();
        known = cli_gdb_process(ev.regs.cr[3], &pid, &comm);
        if (wlen) {
            size_t n = wlen < sizeof data ? (size_t)wlen : sizeof data;
            const memintro_gdb_bp *b = memintro_gdb_bp_find(g, id);
            have_data = b && memintro_gdb_mem_read(g, ev.cpu, b->addr, data, n, 0) == MEMINTRO_OK;
        }
        if (c->o.json) {
            printf("{\"hit\":%llu,\"kind\":\"%s\",\"cpu\":%u,\"addr\":\"0x%llx\",\"rip\":\"0x%llx\",\"cr3\":\"0x%llx\"", (cli_ull)hits,
                   memintro_gdb_bp_type_name(ev.type), ev.cpu, (cli_ull)ev.addr, (cli_ull)ev.regs.rip, (cli_ull)ev.regs.cr[3]);
            if (known) {
                printf(",\"pid\":%d,\"name\":\"", (int)pid);
                for (; *comm; comm++) printf(*comm == '"' || *comm == '\\' ? "\\%c" : (unsigned char)*comm < 32 ? "?" : "%c", *comm);
                printf("\"");
            } else {
                printf(",\"pid\":null,\"name\":null");
            }
            if (have_data) {
                size_t i, n = wlen < sizeof data ? (size_t)wlen : sizeof data;
                printf(",\"data\":\"");
                for (i = 0; i < n; i++) printf("%02x", data[i]);
                printf("\"");
            }
            cli_gdb_print_hit(c, g, ev.cpu, pr);
            printf("}\n");
        } else {
            printf("hit %llu %s cpu %u addr 0x%llx rip 0x%llx cr3 0x%llx", (cli_ull)hits, memintro_gdb_bp_type_name(ev.type), ev.cpu,
                   (cli_ull)ev.addr, (cli_ull)ev.regs.rip, (cli_ull)ev.regs.cr[3]);
            if (known) printf(" pid %d name %s", (int)pid, comm);
            if (have_data) {
                size_t i, n = wlen < sizeof data ? (size_t)wlen : sizeof data;
                printf(" data ");
                for (i = 0; i < n; i++) putchar(data[i] >= 32 && data[i] < 127 ? data[i] : '.');
            }
            cli_gdb_print_hit(c, g, ev.cpu, pr);
            printf("\n");
        }
        fflush(stdout);
    }
    /* remove what we set and let the guest run */
    memintro_gdb_unset(g, id);
    cli_gdb_release();
    sigaction(SIGINT, &old_int, 0);
    sigaction(SIGTERM, &old_term, 0);
    sigaction(SIGHUP, &old_hup, 0);
    if (cli_gdb_stop && !c->o.json) fprintf(stderr, "memintro: %s: stopped after %llu hits; removed, the VM runs\n", kind, (cli_ull)hits);
    return rc;
}

static int cli_gdb_count(const char *cmd, const char *count_s, const char *timeout_s, uint64_t *count, double *timeout)
{
    const char *why;
    *count = 0;
    *timeout = 0;
    if (count_s && (why = cli_parse_num(count_s, count)) != 0) return cli_error(CLI_USAGE, "%s: --count %s: %s", cmd, count_s, why);
    if (timeout_s) {
        char *end;
        *timeout = strtod(timeout_s, &end);
        if (*end || *timeout <= 0) return cli_error(CLI_USAGE, "%s: --timeout %s: seconds expected", cmd, timeout_s);
    }
    return CLI_OK;
}

int cmd_break(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1], *count_s = 0, *timeout_s = 0, *print_s = 0, *why;
    int npos, rc;
    uint64_t addr, count;
    double timeout;
    uint32_t id;
    memintro_gdb *g;
    cli_gdb_print pr;
    cli_optspec spec[] = {{"--count", "-n", "N", 0, &count_s}, {"--timeout", 0, "S", 0, &timeout_s}, {"--print", 0, "EXPR", 0, &print_s}};
    if ((rc = cli_args("break", argc, argv, spec, 3, pos, 1, &npos, "break ADDR|SYMBOL [--count N] [--timeout S] [--print EXPR]", 0)) != CLI_OK)
        return rc;
    if (npos != 1) return cli_error(CLI_USAGE, "break: needs ADDR or SYMBOL");
    if ((rc = cli_gdb_count("break", count_s, timeout_s, &count, &timeout)) != CLI_OK) return rc;
    if ((rc = cli_gdb_get(c, &g)) != CLI_OK) return rc;
    pr.n = 0;
    if (print_s && (why = cli_gdb_print_parse(g, print_s, &pr)) != 0) {
        cli_gdb_release();
        return cli_error(CLI_USAGE, "break: --print %s: %s (items: REG, *REG, str:REG, comma-separated)", print_s, why);
    }
    cli_gdb_linux(c); /* the current process of each hit */
    if (cli_parse_num(pos[0], &addr) != 0) {
        if (!cli_gdb_linux(c) || memintro_linux_symbol(cli_gl.l, pos[0], &addr) != MEMINTRO_OK) {
            rc = cli_error(CLI_FAIL, "break: %s is not a number, nor a kernel symbol (%s)", pos[0],
                           cli_gl.ready ? "not in kallsyms" : cli_gl.why[0] ? cli_gl.why : "no Linux kernel found");
            cli_gdb_release();
            return rc;
        }
    }
    if (memintro_gdb_break(g, addr, &id) != MEMINTRO_OK) {
        rc = cli_error(CLI_FAIL, "break 0x%llx: %s", (cli_ull)addr, memintro_gdb_error(g));
        cli_gdb_release();
        return rc;
    }
    return cli_gdb_loop(c, g, id, "break", count, timeout, 0, &pr);
}

int cmd_watch(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2], *count_s = 0, *timeout_s = 0, *why;
    int npos, rc, w = 0, r = 0, a = 0;
    uint64_t addr, len, count;
    double timeout;
    uint32_t id;
    memintro_gdb *g;
    memintro_gdb_bp_type type;
    cli_optspec spec[] = {{"--write", 0, 0, &w, 0}, {"--read", 0, 0, &r, 0}, {"--access", 0, 0, &a, 0},
                          {"--count", "-n", "N", 0, &count_s}, {"--timeout", 0, "S", 0, &timeout_s}};
    const char *usage = "watch --write|--read|--access ADDR LEN [--count N] [--timeout S]";
    if ((rc = cli_args("watch", argc, argv, spec, 5, pos, 2, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos != 2 || w + r + a != 1) return cli_error(CLI_USAGE, "watch: usage: %s", usage);
    if ((why = cli_parse_num(pos[0], &addr)) != 0) return cli_error(CLI_USAGE, "watch: ADDR %s: %s", pos[0], why);
    if ((why = cli_parse_len(pos[1], &len)) != 0 || !len) return cli_error(CLI_USAGE, "watch: LEN %s: %s", pos[1], why ? why : "is 0");
    if ((rc = cli_gdb_count("watch", count_s, timeout_s, &count, &timeout)) != CLI_OK) return rc;
    type = w ? MEMINTRO_GDB_WATCH_WRITE : r ? MEMINTRO_GDB_WATCH_READ : MEMINTRO_GDB_WATCH_ACCESS;
    if ((rc = cli_gdb_get(c, &g)) != CLI_OK) return rc;
    cli_gdb_linux(c);
    if (memintro_gdb_watch(g, type, addr, len, &id) != MEMINTRO_OK) {
        rc = cli_error(CLI_FAIL, "watch 0x%llx: %s", (cli_ull)addr, memintro_gdb_error(g));
        cli_gdb_release();
        return rc;
    }
    return cli_gdb_loop(c, g, id, "watch", count, timeout, len, 0);
}
