/* tests/linux_btf_live.c: the library side of tests/t_linux_btf_live.sh. The Linux layer's
   types, tasks, memory maps, modules and kernel log on the REAL test guest (tests/guest),
   opened through memintro_target ("dump:PATH" for an ELF dump, "qemu:pid=N,qmp=unix:S" live).

       linux_btf_live SPEC SERIAL_LOG

   Expected values come from the guest itself, from the FACT lines /init printed into
   SERIAL_LOG (its /proc/kallsyms, /proc/iomem, /proc/PID/{comm,stat,cmdline,maps},
   /proc/modules, dmesg; see tests/guest/README.md) and from the dump's VMCOREINFO (the
   kernel's own offsets), never from memintro. Symbols come from the guest's /proc/kallsyms
   lines, so the walkers are checked apart from the kallsyms decoder; the kernel's page-table
   root is init_top_pgt's physical address, (init_top_pgt - _text) + "Kernel code" start.
   The BTF blob is read from guest memory (__start_BTF..__stop_BTF).

   A live guest changes under the reader: kworkers come and go, so the process list is
   compared on every process except kworkers. Prints "ok - ..." / "not ok - ..." lines. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long ull;

/* ---- the guest's facts ---- */

#define MAXL 4096
static char *lines[MAXL * 4];
static size_t nlines;

static void load_serial(const char *path)
{
    FILE *f = fopen(path, "r");
    char *l = NULL;
    size_t cap = 0;
    ssize_t n;
    if (!f) return;
    while ((n = getline(&l, &cap, f)) > 0 && nlines < sizeof lines / sizeof lines[0]) {
        while (n && (l[n - 1] == '\n' || l[n - 1] == '\r')) l[--n] = 0;
        lines[nlines++] = strdup(l);
    }
    free(l);
    fclose(f);
}

/* The i-th line (from *pos) starting with prefix: the rest of it, or NULL. */
static const char *fact_next(const char *prefix, size_t *pos)
{
    size_t k = strlen(prefix);
    for (; *pos < nlines; (*pos)++)
        if (strncmp(lines[*pos], prefix, k) == 0) return lines[(*pos)++] + k;
    return NULL;
}

static const char *fact(const char *prefix)
{
    size_t pos = 0;
    return fact_next(prefix, &pos);
}

static memintro_status sym_fn(void *user, const char *name, uint64_t *addr)
{
    char key[128];
    const char *v;
    (void)user;
    snprintf(key, sizeof key, "FACT kallsyms %s ", name);
    v = fact(key);
    if (!v) return MEMINTRO_E_NOTFOUND;
    *addr = strtoull(v, NULL, 16);
    return MEMINTRO_OK;
}

static uint64_t sym(const char *name)
{
    uint64_t a = 0;
    sym_fn(NULL, name, &a);
    return a;
}

/* VMCOREINFO's OFFSET(type.member)=N, or -1. */
static long vmci_offset(const memintro_target *t, const char *key)
{
    char pat[128];
    const char *p;
    if (!t->vmcoreinfo) return -1;
    snprintf(pat, sizeof pat, "OFFSET(%s)=", key);
    p = strstr(t->vmcoreinfo, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* ---- collecting the walks ---- */

#define MAXT 2048
static memintro_linux_task tasks[MAXT];
static size_t ntasks;

static int task_cb(void *user, const memintro_linux_task *t)
{
    (void)user;
    if (ntasks < MAXT) tasks[ntasks++] = *t;
    return 0;
}

static const memintro_linux_task *task_by_pid(int pid)
{
    size_t i;
    for (i = 0; i < ntasks; i++)
        if (tasks[i].pid == pid) return &tasks[i];
    return NULL;
}

static char vma_lines[256][512];
static size_t nvma;

static int vma_cb(void *user, const memintro_linux_vma *v)
{
    (void)user;
    if (nvma < 256)
        snprintf(vma_lines[nvma++], sizeof vma_lines[0], "%08llx-%08llx %s %08llx %s", (ull)v->start,
                 (ull)v->end, v->perms, v->file ? (ull)v->pgoff << 12 : 0ull, v->name);
    return 0;
}

static char mod_lines[64][256];
static size_t nmod;

static int mod_cb(void *user, const memintro_linux_module *m)
{
    (void)user;
    if (nmod < 64) snprintf(mod_lines[nmod++], sizeof mod_lines[0], "%s %llu 0x%llx", m->name, (ull)m->size, (ull)m->base);
    return 0;
}

static char **log_lines;
static size_t nlog, caplog;
static uint64_t last_seq;
static int seq_ordered = 1;

static int log_cb(void *user, const memintro_linux_log *r)
{
    uint32_t i = 0;
    (void)user;
    if (nlog && r->seq <= last_seq) seq_ordered = 0;
    last_seq = r->seq;
    /* each line of a record gets the record's prefix, as the syslog interface prints it */
    do {
        uint32_t j = i;
        char buf[1200];
        while (j < r->text_len && r->text[j] != '\n') j++;
        snprintf(buf, sizeof buf, "[%5llu.%06llu] %.*s", (ull)(r->ts_nsec / 1000000000u),
                 (ull)(r->ts_nsec % 1000000000u / 1000u), (int)(j - i), r->text + i);
        if (nlog == caplog) {
            caplog = caplog ? caplog * 2 : 1024;
            log_lines = (char **)realloc(log_lines, caplog * sizeof *log_lines);
        }
        log_lines[nlog++] = strdup(buf);
        i = j + 1;
    } while (i < r->text_len);
    return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_virt kv;
    memintro_mmu_desc d;
    memintro_btf btf;
    memintro_linux_os os;
    memintro_linux_task tk;
    static unsigned char scratch[1 << 16], uscratch[1 << 16];
    memintro_status st;
    const char *v, *la57;
    uint64_t text, code, pgt, bs, be;
    uint8_t *blob;
    void *index;
    size_t pos, i, j;
    const char *label;

    if (argc != 3) {
        fprintf(stderr, "usage: linux_btf_live SPEC SERIAL_LOG\n");
        return 2;
    }
    label = strncmp(argv[1], "dump:", 5) == 0 ? "dump" : "live";
    load_serial(argv[2]);
    CHECK(fact("MEMINTRO-GUEST-READY") != NULL, "%s: the guest's facts are in %s", label, argv[2]);
    st = memintro_target_open(&t, argv[1], NULL);
    CHECK(st == MEMINTRO_OK, "%s: open %s (%s)", label, argv[1], st == MEMINTRO_OK ? "" : memintro_target_error(&t));
    if (st != MEMINTRO_OK) return 1;

    /* the kernel's address space from the guest's own numbers */
    text = sym("_text");
    pgt = sym("init_top_pgt");
    v = fact("FACT kernel_code ");
    code = v ? strtoull(v, NULL, 16) : 0;
    la57 = fact("FACT la57 ");
    memset(&d, 0, sizeof d);
    d.arch = la57 && strcmp(la57, "yes") == 0 ? MEMINTRO_ARCH_X86_64_LA57 : MEMINTRO_ARCH_X86_64;
    d.dtb = pgt - text + code;
    st = memintro_virt_init(&kv, t.phys, &d, scratch, sizeof scratch);
    CHECK(st == MEMINTRO_OK && text && pgt && code, "%s: kernel space, init_top_pgt at pa 0x%llx", label, (ull)d.dtb);

    /* BTF from guest memory */
    bs = sym("__start_BTF");
    be = sym("__stop_BTF");
    v = fact("FACT btf_size ");
    CHECK(be > bs && v && (uint64_t)strtoull(v, NULL, 10) == be - bs, "%s: __stop_BTF - __start_BTF = %llu = /sys/kernel/btf/vmlinux's size", label, (ull)(be - bs));
    blob = (uint8_t *)malloc(be - bs + 1);
    st = memintro_virt_read1(&kv, bs, blob, (size_t)(be - bs));
    CHECK(st == MEMINTRO_OK, "%s: read BTF from guest memory (%s)", label, memintro_status_str(st));
    index = malloc(memintro_btf_index_size(blob, (size_t)(be - bs)) + 4);
    st = memintro_btf_init(&btf, blob, (size_t)(be - bs), index, memintro_btf_index_size(blob, (size_t)(be - bs)));
    CHECK(st == MEMINTRO_OK, "%s: the guest's BTF: %u types (%s)", label, btf.ntypes, memintro_status_str(st));
    if (st != MEMINTRO_OK) return 1;

    /* the guest kernel's own offsets (VMCOREINFO) against its BTF */
    if (t.vmcoreinfo) {
        static const char *const keys[][3] = {
            {"printk_ringbuffer", "desc_ring", "printk_ringbuffer.desc_ring"},
            {"printk_ringbuffer", "text_data_ring", "printk_ringbuffer.text_data_ring"},
            {"prb_desc_ring", "count_bits", "prb_desc_ring.count_bits"},
            {"prb_desc_ring", "descs", "prb_desc_ring.descs"},
            {"prb_desc_ring", "infos", "prb_desc_ring.infos"},
            {"prb_desc_ring", "head_id", "prb_desc_ring.head_id"},
            {"prb_desc_ring", "tail_id", "prb_desc_ring.tail_id"},
            {"prb_desc", "text_blk_lpos", "prb_desc.text_blk_lpos"},
            {"printk_info", "ts_nsec", "printk_info.ts_nsec"},
            {"printk_info", "text_len", "printk_info.text_len"},
            {"printk_info", "caller_id", "printk_info.caller_id"},
            {"prb_data_ring", "data", "prb_data_ring.data"},
            {"page", "mapping", "page.mapping"},
            {"page", "_refcount", "page._refcount"},
            {"page", "lru", "page.lru"},
            {"pglist_data", "node_start_pfn", "pglist_data.node_start_pfn"},
            {"zone", "free_area", "zone.free_area"},
            {"vmap_area", "list", "vmap_area.list"},
        };
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            long want = vmci_offset(&t, keys[i][2]);
            uint32_t off = 0;
            st = memintro_btf_offset(&btf, keys[i][0], keys[i][1], &off);
            CHECK(want >= 0 && st == MEMINTRO_OK && (long)off == want, "%s: BTF %s = %u, VMCOREINFO %ld", label, keys[i][2], off, want);
        }
    }

    st = memintro_linux_os_init(&os, &kv, &btf, sym_fn, NULL);
    CHECK(st == MEMINTRO_OK && !os.missing_tasks && !os.missing_maps && !os.missing_modules && !os.missing_log,
          "%s: os init (%s; missing: %s %s %s %s)", label, memintro_status_str(st), os.missing_tasks ? os.missing_tasks : "-",
          os.missing_maps ? os.missing_maps : "-", os.missing_modules ? os.missing_modules : "-", os.missing_log ? os.missing_log : "-");
    /* the layout this kernel's BTF gave (tests/t_linux_flavours.sh compares two kernels') */
    printf("# %s: offsets task_struct tasks %u pid %u comm %u mm %u real_parent %u signal %u start_time %u,"
           " mm_struct pgd %u arg_start %u, module name %u\n", label, os.o.task_tasks, os.o.task_pid, os.o.task_comm,
           os.o.task_mm, os.o.task_real_parent, os.o.task_signal, os.o.task_start_time, os.o.mm_pgd, os.o.mm_arg_start,
           os.o.mod_name);

    /* ---- processes ---- */
    st = memintro_linux_task_each(&os, 0, task_cb, NULL);
    CHECK(st == MEMINTRO_OK && ntasks > 10, "%s: task list: %zu processes (%s)", label, ntasks, memintro_status_str(st));
    {
        size_t want = 0, same = 0, extra = 0;
        pos = 0;
        while ((v = fact_next("FACT ps ", &pos)) != NULL) {
            int pid = atoi(v);
            const char *comm = strchr(v, ' ');
            const memintro_linux_task *x = task_by_pid(pid);
            comm = comm ? comm + 1 : "";
            if (strncmp(comm, "kworker", 7) == 0) continue;
            want++;
            if (x && strcmp(x->comm, comm) == 0) same++;
            else CHECK(0, "%s: pid %d '%s' of the guest's ps: %s", label, pid, comm, x ? x->comm : "missing");
        }
        int maxpid = 0;
        pos = 0;
        while ((v = fact_next("FACT ps ", &pos)) != NULL)
            if (atoi(v) > maxpid) maxpid = atoi(v);
        for (i = 0; i < ntasks; i++) {
            char key[64];
            snprintf(key, sizeof key, "FACT ps %d ", tasks[i].pid);
            /* pids grow: a higher one started after the guest listed /proc */
            if (strncmp(tasks[i].comm, "kworker", 7) != 0 && tasks[i].pid <= maxpid && !fact(key)) {
                extra++;
                CHECK(0, "%s: pid %d '%s' is not in the guest's ps", label, tasks[i].pid, tasks[i].comm);
            }
        }
        CHECK(want > 10 && same == want && extra == 0, "%s: ps equals the guest's (pid, comm) for %zu processes (kworkers and later ones aside)", label, want);
    }
    {
        size_t want = 0, same = 0;
        pos = 0;
        while ((v = fact_next("FACT stat ", &pos)) != NULL) {
            int pid, ppid, nth;
            char stc;
            const memintro_linux_task *x;
            if (sscanf(v, "%d %d %c %d", &pid, &ppid, &stc, &nth) != 4) continue;
            x = task_by_pid(pid);
            if (!x || strncmp(x->comm, "kworker", 7) == 0) continue;
            want++;
            if (x->ppid == ppid && (x->state_char == stc || x->kernel_thread)) same++;
            else CHECK(0, "%s: pid %d ppid %d state %c, guest %d %c", label, pid, x->ppid, x->state_char, ppid, stc);
        }
        CHECK(want > 10 && same == want, "%s: parent pid (and user processes' state) equal the guest's /proc/PID/stat for %zu processes", label, want);
    }
    {
        const memintro_linux_task *p1 = task_by_pid(1), *p2 = task_by_pid(2);
        CHECK(p1 && !p1->kernel_thread && p1->mm && p1->dtb && !(p1->dtb & 0xfff), "%s: pid 1 is a user process with a page-table root (0x%llx)", label, p1 ? (ull)p1->dtb : 0ull);
        CHECK(p2 && p2->kernel_thread && !p2->mm && !p2->dtb, "%s: pid 2 (kthreadd) is a kernel thread without mm", label);
    }
    {
        size_t before = ntasks, k;
        int threads_ok = 1;
        ntasks = 0;
        st = memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS | MEMINTRO_LINUX_IDLE, task_cb, NULL);
        /* every guest process is single-threaded: /proc/PID/stat says how many threads */
        pos = 0;
        while ((v = fact_next("FACT stat ", &pos)) != NULL) {
            int pid, ppid, nth;
            char stc;
            size_t cnt = 0;
            if (sscanf(v, "%d %d %c %d", &pid, &ppid, &stc, &nth) != 4) continue;
            for (k = 0; k < ntasks; k++) if (tasks[k].tgid == pid) cnt++;
            if (cnt && (int)cnt != nth) { threads_ok = 0; CHECK(0, "%s: pid %d: %zu threads, guest %d", label, pid, cnt, nth); }
        }
        CHECK(st == MEMINTRO_OK && ntasks >= before + 1 && tasks[0].pid == 0 && threads_ok,
              "%s: with threads and the idle task: %zu tasks, pid 0 '%s' first, thread counts as /proc/PID/stat", label, ntasks, ntasks ? tasks[0].comm : "");
    }

    /* find, command lines, marker strings from the process's own memory */
    st = memintro_linux_task_find(&os, 1, NULL, &tk);
    CHECK(st == MEMINTRO_OK && tk.pid == 1 && strcmp(tk.comm, "init") == 0, "%s: find pid 1: '%s'", label, tk.comm);
    st = memintro_linux_task_find(&os, -1, "mi-sleeper-b", &tk);
    {
        char key[64];
        snprintf(key, sizeof key, "FACT ps %d mi-sleeper-b", tk.pid);
        CHECK(st == MEMINTRO_OK && fact(key), "%s: find 'mi-sleeper-b': pid %d", label, tk.pid);
    }
    CHECK(memintro_linux_task_find(&os, 999999, NULL, &tk) == MEMINTRO_E_NOTFOUND, "%s: find pid 999999: NOTFOUND", label);
    {
        size_t want = 0, same = 0;
        pos = 0;
        while ((v = fact_next("FACT proc_cmdline ", &pos)) != NULL) {
            int pid = atoi(v);
            const char *cl = strchr(v, ' ');
            char buf[4096], exp[4096];
            size_t n = 0, k;
            if (!cl) continue;
            snprintf(exp, sizeof exp, "%s", cl + 1);
            k = strlen(exp);
            while (k && exp[k - 1] == ' ') exp[--k] = 0;
            if (memintro_linux_task_find(&os, pid, NULL, &tk) != MEMINTRO_OK) continue; /* gone */
            want++;
            st = memintro_linux_task_cmdline(&os, &tk, buf, sizeof buf, &n);
            for (k = 0; k < n; k++) if (!buf[k]) buf[k] = ' ';
            if (st == MEMINTRO_OK && strcmp(buf, exp) == 0) same++;
            else CHECK(0, "%s: pid %d cmdline '%s' (%s), guest '%s'", label, pid, buf, memintro_status_str(st), exp);
        }
        CHECK(want >= 5 && same == want, "%s: command lines of %zu user processes equal /proc/PID/cmdline", label, want);
    }
    {
        size_t want = 0, same = 0;
        pos = 0;
        while ((v = fact_next("MARKER ", &pos)) != NULL) {
            char comm[32], txt[64], buf[64];
            int pid;
            ull va, pa;
            memintro_virt uv;
            memintro_xlate x;
            if (sscanf(v, "%31s pid=%d va=0x%llx pa=0x%llx text=%63s", comm, &pid, &va, &pa, txt) != 5) continue;
            want++;
            memset(buf, 0, sizeof buf);
            st = memintro_linux_task_find(&os, pid, NULL, &tk);
            if (st == MEMINTRO_OK) st = memintro_linux_task_read_mem(&os, &tk, va, buf, strlen(txt));
            memset(&x, 0, sizeof x);
            x.va = va;
            if (st == MEMINTRO_OK) st = memintro_linux_task_space(&os, &tk, &uv, uscratch, sizeof uscratch);
            if (st == MEMINTRO_OK) st = memintro_translate(&uv, &x, 1);
            if (st == MEMINTRO_OK && strcmp(buf, txt) == 0 && x.pa == pa && strcmp(tk.comm, comm) == 0) same++;
            else CHECK(0, "%s: marker of pid %d at 0x%llx: '%s' pa 0x%llx (%s), guest '%s' pa 0x%llx", label, pid, va, buf, (ull)x.pa, memintro_status_str(st), txt, pa);
        }
        CHECK(want == 8 && same == want, "%s: the %zu marker strings read from their processes' own memory, at the guest's physical addresses", label, want);
    }

    /* ---- memory maps of the markers ---- */
    {
        size_t pids = 0, same = 0;
        int seen[16];
        size_t ns = 0;
        pos = 0;
        while ((v = fact_next("FACT maps ", &pos)) != NULL) {
            int pid = atoi(v), dup = 0;
            for (i = 0; i < ns; i++) dup |= seen[i] == pid;
            if (!dup && ns < 16) seen[ns++] = pid;
        }
        for (i = 0; i < ns; i++) {
            char want[256][512];
            size_t nw = 0, ok = 1;
            char key[64];
            snprintf(key, sizeof key, "FACT maps %d ", seen[i]);
            pos = 0;
            while ((v = fact_next(key, &pos)) != NULL && nw < 256) {
                char range[64], perms[8], off[32], dev[32], name[256] = "";
                unsigned long inode;
                if (sscanf(v, "%63s %7s %31s %31s %lu %255s", range, perms, off, dev, &inode, name) < 5) continue;
                snprintf(want[nw++], sizeof want[0], "%s %s %s %s", range, perms, off, name);
            }
            pids++;
            nvma = 0;
            st = memintro_linux_task_find(&os, seen[i], NULL, &tk);
            if (st == MEMINTRO_OK) st = memintro_linux_vma_each(&os, &tk, vma_cb, NULL);
            if (st != MEMINTRO_OK || nvma != nw) ok = 0;
            for (j = 0; ok && j < nw; j++)
                if (strcmp(want[j], vma_lines[j]) != 0) ok = 0;
            if (ok) same++;
            else {
                CHECK(0, "%s: maps of pid %d: %zu VMAs (%s), guest %zu", label, seen[i], nvma, memintro_status_str(st), nw);
                for (j = 0; j < nw || j < nvma; j++)
                    printf("    # guest '%s'\n    #  ours '%s'\n", j < nw ? want[j] : "", j < nvma ? vma_lines[j] : "");
            }
        }
        CHECK(pids == 2 && same == pids, "%s: maps of %zu markers equal /proc/PID/maps (range, perms, offset, path or [heap]/[stack]/[vvar]/[vdso])", label, pids);
    }

    /* ---- modules ---- */
    {
        size_t want = 0, same = 0;
        st = memintro_linux_module_each(&os, mod_cb, NULL);
        pos = 0;
        while ((v = fact_next("FACT modules ", &pos)) != NULL) {
            char name[64], state[32], deps[256], exp[256];
            ull size, base;
            int refs;
            if (sscanf(v, "%63s %llu %d %255s %31s 0x%llx", name, &size, &refs, deps, state, &base) != 6) continue;
            snprintf(exp, sizeof exp, "%s %llu 0x%llx", name, size, base);
            if (want < nmod && strcmp(mod_lines[want], exp) == 0) same++;
            else CHECK(0, "%s: module %zu: '%s', guest '%s'", label, want, want < nmod ? mod_lines[want] : "(none)", exp);
            want++;
        }
        CHECK(st == MEMINTRO_OK && want >= 1 && same == want && nmod == want, "%s: modules equal /proc/modules (name, size, base) for %zu modules", label, want);
    }

    /* ---- kernel log ---- */
    {
        size_t want = 0, found = 0, at = 0;
        const char *banner = fact("FACT banner ");
        st = memintro_linux_log_each(&os, log_cb, NULL);
        pos = 0;
        while ((v = fact_next("FACT dmesg ", &pos)) != NULL) {
            size_t k;
            want++;
            for (k = at; k < nlog; k++)
                if (strcmp(log_lines[k], v) == 0) break;
            if (k < nlog) { found++; at = k + 1; }
            else if (want - found <= 3) CHECK(0, "%s: dmesg line not found in order: '%s'", label, v);
        }
        CHECK(st == MEMINTRO_OK && want > 50 && found == want && seq_ordered, "%s: the kernel log holds the guest's %zu dmesg lines in order (%zu lines read)", label, want, nlog);
        CHECK(nlog && banner && strstr(log_lines[0], banner) != NULL, "%s: the first log line holds the banner", label);
    }

    /* ---- end to end: discovery by memintro_linux_init (no guest facts), then the same ---- */
    {
        static memintro_linux l;
        memintro_linux_hints h;
        memintro_linux_os os2;
        memintro_btf btf2;
        void *mem = NULL, *idx2 = NULL;
        size_t before = ntasks, k, same = 0;
        if (t.live) memintro_target_load_cpus(&t);
        memintro_linux_hints_from_target(&t, &h);
        st = memintro_linux_init(&l, t.phys, &h, NULL, 0);
        if (st == MEMINTRO_E_NOSPACE && l.mem_needed) {
            mem = malloc(l.mem_needed);
            st = memintro_linux_init(&l, t.phys, &h, mem, l.mem_needed);
        }
        CHECK(st == MEMINTRO_OK, "%s: memintro_linux_init finds the kernel (%s)", label, memintro_linux_why(&l));
        if (st == MEMINTRO_OK) {
            size_t need = memintro_btf_index_size(l.btf_data, (size_t)l.btf_size);
            idx2 = malloc(need + 4);
            st = memintro_linux_os_from(&os2, &l, &btf2, idx2, need);
            CHECK(st == MEMINTRO_OK && btf2.ntypes == btf.ntypes && os2.init_task == os.init_task && os2.modules == os.modules && os2.prb == os.prb,
                  "%s: memintro_linux_os_from: its BTF and symbols are the guest's (%s)", label, memintro_status_str(st));
            {
                memintro_linux_task *first = (memintro_linux_task *)malloc(before * sizeof *first);
                memcpy(first, tasks, before * sizeof *first);
                ntasks = 0;
                st = memintro_linux_task_each(&os2, MEMINTRO_LINUX_THREADS | MEMINTRO_LINUX_IDLE, task_cb, NULL);
                for (k = 0; k < before; k++) {
                    const memintro_linux_task *x = task_by_pid(first[k].pid);
                    if (x && !strcmp(x->comm, first[k].comm) && x->dtb == first[k].dtb) same++;
                    else if (strncmp(first[k].comm, "kworker", 7) != 0) CHECK(0, "%s: end to end: pid %d '%s' differs", label, first[k].pid, first[k].comm);
                    else same++; /* a kworker that went away */
                }
                free(first);
            }
            CHECK(st == MEMINTRO_OK && same == before, "%s: end to end: the same %zu tasks (pid, comm, page-table root)", label, before);
            nmod = 0;
            st = memintro_linux_module_each(&os2, mod_cb, NULL);
            CHECK(st == MEMINTRO_OK && nmod >= 1, "%s: end to end: %zu modules", label, nmod);
        }
        free(idx2);
        free(mem);
    }

    free(index);
    free(blob);
    memintro_target_close(&t);
    return check_done();
}
