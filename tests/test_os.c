/* tests/test_os.c: memintro_os.h (the OS-layer registry and its one interface) on SYNTHETIC
   guests, opened the way an embedder opens them: memintro_target_open on a file, then
   memintro_os_open.

   Windows: images of tests/win32_image.h (real page tables, the EPROCESS ring, PEBs and
   loader lists, WoW64 processes, kernel modules), written as raw images. Each is checked
   against the generator's spec (w32i_image: processes in list order with pid, ppid, name,
   DTB, WoW64; each process's modules and 32-bit modules; the kernel's modules; a marker
   string in each process's memory) AND against what memintro_win32.h's own API returns on
   the same target.

   Linux: the unit data of tests/test_linux_tasks.c (included here: its BTF blob of the
   older layouts and its tasks, mm, VMAs, modules in a direct map), to which this test adds
   what memintro_linux_init needs to find a kernel with no hints: a kernel image at 12 MiB
   mapped at 0xffffffff81000000 by an init_top_pgt of its own (which also maps the direct
   map), a linux_banner, the BTF blob between __start_BTF and __stop_BTF, and kallsyms
   tables (absolute addresses, written as scripts/kallsyms.c lays them out) naming
   init_task, modules, the log symbols and the image's own symbols. The expected values are
   what the generator wrote (pids, names, parents, DTBs, module names and sizes, the app's
   file mapping) and what memintro_linux.h's walkers return on the same target.

   Then the registry: auto picks the right layer (win32 on Windows, linux on Linux, none on a
   file of zeros); a named layer that is absent is E_NOTFOUND with its reason; an unknown
   name is E_INVALID listing the known ones; a layer registered by the test is found by auto
   after the built-ins (not before: a Windows image with its marker is still win32).
   Everything here is synthetic. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memintro_qemu.h's implementation (through memintro_target.h) */
#endif
#include "tests/win32_image.h"

/* the declarations first, so memintro_linux.h (in the unit test's file) declares its hints */
#include "memintro_target.h"
#define main test_linux_tasks_main /* its data and builders, not its checks */
#include "tests/test_linux_tasks.c"
#undef main

#define MEMINTRO_OS_IMPLEMENTATION
#include "memintro_os.h"

#include <signal.h>
#include <sys/stat.h>

#include "tests/check.h"

static char tmpdir[256];

/* ---- collecting through the interface ------------------------------------------------ */

#define OS_MAXP 200
#define OS_MAXM 64

typedef struct os_procs {
    uint32_t n;
    memintro_os_process p[OS_MAXP];
} os_procs;

static int os_on_proc(void *user, const memintro_os_process *p)
{
    os_procs *s = (os_procs *)user;
    if (s->n < OS_MAXP) s->p[s->n] = *p;
    s->n++;
    return s->n > OS_MAXP + 10;
}

typedef struct os_mods {
    uint32_t n;
    memintro_os_module m[OS_MAXM];
} os_mods;

static int os_on_mod(void *user, const memintro_os_module *m)
{
    os_mods *s = (os_mods *)user;
    if (s->n < OS_MAXM) s->m[s->n] = *m;
    s->n++;
    return s->n > OS_MAXM + 10;
}

typedef struct os_fact_find {
    const char *name;
    char value[512];
    int found, count;
} os_fact_find;

static int os_on_fact(void *user, const char *name, const char *value)
{
    os_fact_find *f = (os_fact_find *)user;
    f->count++;
    if (!strcmp(name, f->name)) {
        snprintf(f->value, sizeof f->value, "%s", value);
        f->found = 1;
    }
    return 0;
}

static const char *os_fact(memintro_os *os, const char *name)
{
    static os_fact_find f;
    memset(&f, 0, sizeof f);
    f.name = name;
    if (memintro_os_facts(os, os_on_fact, &f) != MEMINTRO_OK || !f.found) return "(none)";
    return f.value;
}

/* and through memintro_win32.h's own API */
typedef struct w32_procs {
    uint32_t n;
    memintro_win32_process p[OS_MAXP];
} w32_procs;

static int w32_on_proc(void *user, const memintro_win32_process *p)
{
    w32_procs *s = (w32_procs *)user;
    if (s->n < OS_MAXP) s->p[s->n] = *p;
    s->n++;
    return s->n > OS_MAXP + 10;
}

typedef struct w32_mods {
    uint32_t n;
    memintro_win32_module m[OS_MAXM];
} w32_mods;

static int w32_on_mod(void *user, const memintro_win32_module *m)
{
    w32_mods *s = (w32_mods *)user;
    if (s->n < OS_MAXM) s->m[s->n] = *m;
    s->n++;
    return s->n > OS_MAXM + 10;
}

/* modules through the interface vs the spec and vs memintro_win32_modules */
static int os_mods_match(const w32i_module *want, uint32_t nwant, const os_mods *got, const w32_mods *lay, char *why,
                         size_t whysz)
{
    uint32_t i;
    if (got->n != nwant || lay->n != nwant)
        return snprintf(why, whysz, "%u modules (the layer's API: %u), spec %u", got->n, lay->n, nwant), 0;
    for (i = 0; i < nwant; i++) {
        const memintro_os_module *m = &got->m[i];
        if (m->base != want[i].base || m->size != want[i].size || strcmp(m->name, want[i].name) ||
            strcmp(m->path, want[i].path))
            return snprintf(why, whysz, "module %u: 0x%llx \"%s\", spec 0x%llx \"%s\"", i, (unsigned long long)m->base,
                            m->name, (unsigned long long)want[i].base, want[i].name),
                   0;
        if (m->base != lay->m[i].base || m->size != lay->m[i].size || strcmp(m->name, lay->m[i].name) ||
            strcmp(m->path, lay->m[i].path))
            return snprintf(why, whysz, "module %u differs from memintro_win32_modules", i), 0;
    }
    return 1;
}

/* ---- Windows -------------------------------------------------------------------------- */

static void check_windows(const char *label, const w32i_options *o)
{
    w32i_image img;
    char path[512], spec[600], why[300];
    memintro_target t;
    memintro_os os;
    memintro_status st;
    static os_procs ps;
    static w32_procs wp;
    memintro_win32 *w;
    memintro_virt *v;
    uint32_t i;
    int ok, nwow = 0;
    if (w32i_build(o, &img) != 0) {
        CHECK(0, "%s: the generator builds the image", label);
        return;
    }
    snprintf(path, sizeof path, "%s/%s.raw", tmpdir, label);
    CHECK_QUIET(w32i_write_raw(&img, path) == 0, "%s: wrote %s", label, path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    st = memintro_target_open(&t, spec, NULL);
    CHECK(st == MEMINTRO_OK, "%s: memintro_target_open (%s)", label, memintro_target_error(&t));
    if (st != MEMINTRO_OK) goto out;
    st = memintro_os_open(&os, &t, "auto", NULL);
    CHECK(st == MEMINTRO_OK && !strcmp(os.layer->name, "win32") && os.why[0] == 0,
          "%s: auto finds win32 first (%s; %s)", label, st == MEMINTRO_OK ? os.layer->name : "-", memintro_os_error(&os));
    if (st != MEMINTRO_OK || strcmp(os.layer->name, "win32")) goto close;
    w = memintro_os_win32(&os);
    CHECK(w && memintro_os_linux(&os) == NULL && w->build == img.build && w->kernel_base == img.kernel_base &&
              w->dtb == img.dtb,
          "%s: memintro_os_win32 gives the layer's object (build %u, kernel base, DTB as the spec)", label,
          w ? (unsigned)w->build : 0);
    if (!w) goto close;
    {
        char b[32];
        snprintf(b, sizeof b, "%u", (unsigned)img.build);
        CHECK(!strcmp(os_fact(&os, "build"), b), "%s: fact build = %s (spec %s)", label, os_fact(&os, "build"), b);
    }
    /* processes: spec and layer */
    memset(&ps, 0, sizeof ps);
    memset(&wp, 0, sizeof wp);
    st = memintro_os_processes(&os, os_on_proc, &ps);
    ok = st == MEMINTRO_OK && ps.n == img.nprocs &&
         memintro_win32_processes(w, w32_on_proc, &wp) == MEMINTRO_OK && wp.n == ps.n;
    for (i = 0; ok && i < ps.n; i++) {
        const w32i_process *sp = &img.procs[i];
        const memintro_os_process *p = &ps.p[i];
        ok = p->pid == sp->pid && p->ppid == sp->ppid && p->dtb == sp->dtb && p->object == sp->eprocess &&
             !strcmp(p->name, sp->name) && !!(p->flags & MEMINTRO_OS_PROC_32BIT) == sp->wow64 &&
             !!(p->flags & MEMINTRO_OS_PROC_EXITED) == sp->exited && !!(p->flags & MEMINTRO_OS_PROC_KERNEL) == !sp->peb &&
             p->pid == wp.p[i].pid && p->object == wp.p[i].eprocess && !strcmp(p->name, wp.p[i].name);
        if (!ok) snprintf(why, sizeof why, "process %u: pid %llu \"%s\", spec %llu \"%s\"", i, (unsigned long long)p->pid,
                          p->name, (unsigned long long)sp->pid, sp->name);
        nwow += sp->wow64;
    }
    if (ps.n != img.nprocs) snprintf(why, sizeof why, "%u processes (%s), spec %u", ps.n, memintro_status_str(st), img.nprocs);
    CHECK(ok, "%s: memintro_os_processes = the spec's %u processes (%d WoW64) = memintro_win32_processes%s%s", label,
          img.nprocs, nwow, ok ? "" : ": ", ok ? "" : why);
    /* process_find, modules, 32-bit modules, the marker through process_virt */
    ok = 1;
    for (i = 0; ok && i < img.nprocs; i++) {
        const w32i_process *sp = &img.procs[i];
        memintro_os_process p;
        memintro_win32_process wproc;
        static os_mods om;
        static w32_mods wm;
        char buf[64];
        st = memintro_os_process_find(&os, sp->pid, &p);
        if (st != MEMINTRO_OK || p.object != sp->eprocess) {
            snprintf(why, sizeof why, "process_find %llu: %s", (unsigned long long)sp->pid, memintro_status_str(st));
            ok = 0;
            break;
        }
        memintro_win32_process_find(w, sp->pid, 0, &wproc);
        memset(&om, 0, sizeof om);
        memset(&wm, 0, sizeof wm);
        st = memintro_os_modules(&os, sp->pid, 0, os_on_mod, &om);
        if (!sp->peb) {
            if (st != MEMINTRO_E_NOTFOUND || om.n) {
                snprintf(why, sizeof why, "pid %llu without a PEB: %s", (unsigned long long)sp->pid, memintro_status_str(st));
                ok = 0;
            }
            continue;
        }
        memintro_win32_modules(w, &wproc, 0, w32_on_mod, &wm);
        if (st != MEMINTRO_OK || !os_mods_match(sp->mods, sp->nmods, &om, &wm, why, sizeof why)) {
            ok = 0;
            break;
        }
        memset(&om, 0, sizeof om);
        memset(&wm, 0, sizeof wm);
        st = memintro_os_modules(&os, sp->pid, MEMINTRO_OS_MOD_32BIT, os_on_mod, &om);
        if (sp->wow64) {
            memintro_win32_modules(w, &wproc, MEMINTRO_WIN32_MOD_WOW64, w32_on_mod, &wm);
            if (st != MEMINTRO_OK || !os_mods_match(sp->mods32, sp->nmods32, &om, &wm, why, sizeof why)) {
                ok = 0;
                break;
            }
        } else if (st != MEMINTRO_E_NOTFOUND) {
            snprintf(why, sizeof why, "pid %llu is not WoW64, its 32-bit list: %s", (unsigned long long)sp->pid,
                     memintro_status_str(st));
            ok = 0;
            break;
        }
        if (sp->marker_va) {
            memset(buf, 0, sizeof buf);
            if (memintro_os_process_virt(&os, sp->pid, &v) != MEMINTRO_OK ||
                memintro_virt_read1(v, sp->marker_va, buf, strlen(sp->marker) + 1) != MEMINTRO_OK || strcmp(buf, sp->marker)) {
                snprintf(why, sizeof why, "pid %llu: the marker through process_virt", (unsigned long long)sp->pid);
                ok = 0;
                break;
            }
        }
    }
    CHECK(ok, "%s: each process: process_find, its modules (and 32-bit modules) = spec = memintro_win32_modules, "
              "its marker through memintro_os_process_virt%s%s",
          label, ok ? "" : ": ", ok ? "" : why);
    {
        static os_mods om;
        static w32_mods wm;
        memset(&om, 0, sizeof om);
        memset(&wm, 0, sizeof wm);
        st = memintro_os_modules(&os, MEMINTRO_OS_KERNEL_PID, 0, os_on_mod, &om);
        memintro_win32_modules(w, 0, 0, w32_on_mod, &wm);
        ok = st == MEMINTRO_OK && os_mods_match(img.kmods, img.nkmods, &om, &wm, why, sizeof why);
        CHECK(ok, "%s: the kernel's %u modules (MEMINTRO_OS_KERNEL_PID) = spec = memintro_win32_modules%s%s", label,
              img.nkmods, ok ? "" : ": ", ok ? "" : why);
        if (ok && img.nkmods > 1) { /* the comparison can fail: the spec with one wrong base */
            img.kmods[1].base += 0x1000;
            CHECK(!os_mods_match(img.kmods, img.nkmods, &om, &wm, why, sizeof why),
                  "%s: control: a spec with a wrong kernel module base does not match (%s)", label, why);
            img.kmods[1].base -= 0x1000;
        }
        CHECK(memintro_os_modules(&os, MEMINTRO_OS_KERNEL_PID, MEMINTRO_OS_MOD_32BIT, os_on_mod, &om) == MEMINTRO_E_INVALID,
              "%s: the kernel's 32-bit list: E_INVALID", label);
    }
    {
        uint64_t pid_none = 0x7777777u, a = 0;
        uint8_t b[8];
        memintro_os_process p;
        CHECK(memintro_os_process_find(&os, pid_none, &p) == MEMINTRO_E_NOTFOUND &&
                  memintro_os_process_virt(&os, pid_none, &v) == MEMINTRO_E_NOTFOUND &&
                  strstr(memintro_os_error(&os), "no process with pid"),
              "%s: an absent pid: E_NOTFOUND (%s)", label, memintro_os_error(&os));
        /* the kernel's space: MZ at the kernel base; the export PsInitialSystemProcess holds
           the System EPROCESS of the spec */
        st = memintro_os_kernel_virt(&os, &v);
        CHECK(st == MEMINTRO_OK && memintro_virt_read1(v, img.kernel_base, b, 2) == MEMINTRO_OK && !memcmp(b, "MZ", 2),
              "%s: memintro_os_kernel_virt reads MZ at the spec's kernel base", label);
        st = memintro_os_symbol(&os, "PsInitialSystemProcess", &a);
        CHECK(st == MEMINTRO_OK && memintro_virt_read1(v, a, b, img.arch == MEMINTRO_ARCH_X86_64 ? 8 : 4) == MEMINTRO_OK &&
                  (img.arch == MEMINTRO_ARCH_X86_64 ? memintro_get_u64(b) : memintro_get_u32(b)) == img.system_eprocess,
              "%s: memintro_os_symbol(PsInitialSystemProcess) points at the spec's System EPROCESS (%s)", label,
              memintro_status_str(st));
        CHECK(memintro_os_symbol(&os, "NoSuchExport", &a) == MEMINTRO_E_NOTFOUND, "%s: an absent export: E_NOTFOUND (%s)",
              label, memintro_os_error(&os));
    }
    memintro_os_close(&os);
    CHECK(os.layer == NULL && os.state == NULL && memintro_os_win32(&os) == NULL, "%s: memintro_os_close", label);
    /* named: win32 found, linux not (with its reason), an unknown name */
    st = memintro_os_open(&os, &t, "win32", NULL);
    CHECK(st == MEMINTRO_OK && !strcmp(os.layer->name, "win32"), "%s: \"win32\" by name", label);
    memintro_os_close(&os);
    st = memintro_os_open(&os, &t, "linux", NULL);
    CHECK(st == MEMINTRO_E_NOTFOUND && !strncmp(memintro_os_error(&os), "linux: ", 7) && strlen(memintro_os_error(&os)) > 8,
          "%s: \"linux\" by name: E_NOTFOUND with its reason (%s)", label, memintro_os_error(&os));
    memintro_os_close(&os);
    if (img.arch == MEMINTRO_ARCH_X86_64) {
        memintro_os_hints h;
        memset(&h, 0, sizeof h);
        h.paging.arch = MEMINTRO_ARCH_AARCH64;
        st = memintro_os_open(&os, &t, "win32", &h);
        CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_os_error(&os), "aarch64"),
              "%s: \"win32\" with an aarch64 paging hint: E_NOTFOUND (%s)", label, memintro_os_error(&os));
        memintro_os_close(&os);
        h.paging.arch = MEMINTRO_ARCH_X86_64;
        h.paging.dtb = img.dtb;
        st = memintro_os_open(&os, &t, "auto", &h);
        CHECK(st == MEMINTRO_OK && memintro_os_win32(&os) && memintro_os_win32(&os)->dtb_source == MEMINTRO_WIN32_SRC_HINT,
              "%s: a DTB hint is used (dtb source: %s)", label,
              memintro_os_win32(&os) ? memintro_win32_source_name(memintro_os_win32(&os)->dtb_source) : "-");
        memintro_os_close(&os);
    }
close:
    memintro_os_close(&os);
    memintro_target_close(&t);
out:
    remove(path);
    w32i_free(&img);
}

/* ---- Linux: the unit data plus a kernel image that memintro_linux_init finds ----------- */

#define LK_TEXT_VA 0xffffffff81000000ull
#define LK_MAP 0xffffffff80000000ull
#define LK_TEXT_PA 0xc00000ull /* 12 MiB: above the unit data's allocations (from 8 MiB) */
#define LK_OFF_PGT 0x1000u
#define LK_OFF_BANNER 0x5000u
#define LK_OFF_BTF 0x10000u
#define LK_OFF_TABLES 0x100000u
#define LK_NFUNCS 300

static const char lk_banner[] = "Linux version 9.9.9-ostest (t@h) (gcc 1.0) #1 SMP Thu Jan 1 00:00:00 UTC 1970\n";

typedef struct lk_sym {
    char type;
    char name[64];
    uint64_t addr;
} lk_sym;

static lk_sym lk_syms[LK_NFUNCS + 32];
static int lk_nsyms;
static char lk_tokens[256][16];

static void lk_put(uint64_t at, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) img[at + i] = (uint8_t)(v >> (8 * i));
}

static void lk_add(char type, const char *name, uint64_t addr)
{
    lk_sym *s = &lk_syms[lk_nsyms++];
    s->type = type;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->addr = addr;
}

static int lk_cmp(const void *a, const void *b)
{
    const lk_sym *x = (const lk_sym *)a, *y = (const lk_sym *)b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* tokens: characters map to themselves, other codes to multi-character tokens */
static void lk_make_tokens(void)
{
    static const char *const multi[] = {"fn_", "_text", "init", "top", "pgt", "BTF", "linux", "banner",
                                        "log", "_buf", "mod", "ules", "task", "_idx", "special", "00"};
    int c, m = 0;
    for (c = 0; c < 256; c++) lk_tokens[c][0] = 0;
    for (c = 0x21; c < 0x7f; c++) lk_tokens[c][0] = (char)c;
    for (c = 0; c < 256; c++) {
        if (c >= 0x21 && c < 0x7f) continue;
        if (c >= 0xf0) break;
        if (m < 16)
            snprintf(lk_tokens[c], sizeof lk_tokens[c], "%s", multi[m]);
        else
            snprintf(lk_tokens[c], sizeof lk_tokens[c], "%c%c", 'a' + m % 26, 'a' + (m / 26) % 26);
        m++;
    }
}

static size_t lk_compress(const char *s, uint8_t *out)
{
    size_t n = 0, len = strlen(s);
    while (*s) {
        int best = (uint8_t)*s, c;
        size_t bl = 1;
        for (c = 0; c < 256; c++) {
            size_t tl = strlen(lk_tokens[c]);
            if (tl > bl && tl <= len && !memcmp(s, lk_tokens[c], tl)) best = c, bl = tl;
        }
        out[n++] = (uint8_t)best;
        s += bl;
        len -= bl;
    }
    return n;
}

static uint64_t lk_al8(uint64_t v) { return (v + 7) & ~7ull; }

/* The unit data (build_btf(1), build_image()) plus the kernel image around it. */
static void lk_build(void)
{
    uint64_t pml4 = LK_TEXT_PA + LK_OFF_PGT, pdpt = pml4 + 0x1000, pd = pml4 + 0x2000, at, i;
    uint32_t marks[8];
    uint8_t rec[128];
    int k, c;
    build_btf(1);
    build_image();
    /* init_top_pgt: the direct map (the unit data's PML4[273]) and the kernel text */
    lk_put(pml4 + 8 * 273, timg_get64(&T, kpml4 + 8 * 273), 8);
    lk_put(pml4 + 8 * 511, pdpt | 0x63, 8);
    lk_put(pdpt + 8 * 510, pd | 0x63, 8);
    for (i = 0; i < 2; i++) lk_put(pd + 8 * (((LK_TEXT_VA - LK_MAP) >> 21) + i), (LK_TEXT_PA + (i << 21)) | 0xe3, 8);
    memcpy(img + LK_TEXT_PA + LK_OFF_BANNER, lk_banner, sizeof lk_banner);
    memcpy(img + LK_TEXT_PA + LK_OFF_BTF, blob, blob_len);
    /* the symbols, sorted by address as kallsyms is */
    lk_nsyms = 0;
    lk_add('T', "_text", LK_TEXT_VA);
    for (k = 0; k < LK_NFUNCS; k++) {
        char nm[32];
        snprintf(nm, sizeof nm, "fn_%04d", k);
        lk_add(k % 3 ? 't' : 'T', nm, LK_TEXT_VA + 0x20000 + 0x40ull * (uint64_t)k);
    }
    lk_add('D', "init_top_pgt", LK_TEXT_VA + LK_OFF_PGT);
    lk_add('R', "linux_banner", LK_TEXT_VA + LK_OFF_BANNER);
    lk_add('R', "__start_BTF", LK_TEXT_VA + LK_OFF_BTF);
    lk_add('R', "__stop_BTF", LK_TEXT_VA + LK_OFF_BTF + blob_len);
    lk_add('B', "_end", LK_TEXT_VA + 0x3f0000);
    lk_add('D', "init_task", T0);
    lk_add('D', "modules", MODS);
    lk_add('d', "log_buf", SYM_LOGBUF);
    lk_add('d', "log_buf_len", SYM_LOGLEN);
    lk_add('d', "log_first_idx", SYM_FIRST);
    lk_add('d', "log_next_idx", SYM_NEXT);
    lk_add('d', "special_mapping_vmops", SPECIAL);
    qsort(lk_syms, (size_t)lk_nsyms, sizeof lk_syms[0], lk_cmp);
    lk_make_tokens();
    /* the tables (absolute kallsyms_addresses, before 4.6): addresses, num_syms, names,
       markers, token_table, token_index */
    at = LK_TEXT_PA + LK_OFF_TABLES;
    for (k = 0; k < lk_nsyms; k++, at += 8) lk_put(at, lk_syms[k].addr, 8);
    lk_put(at, (uint64_t)lk_nsyms, 4);
    at = lk_al8(at + 4);
    {
        uint64_t names = at;
        for (k = 0; k < lk_nsyms; k++) {
            char full[80];
            size_t n;
            if (k % 256 == 0) marks[k / 256] = (uint32_t)(at - names);
            snprintf(full, sizeof full, "%c%s", lk_syms[k].type, lk_syms[k].name);
            n = lk_compress(full, rec);
            img[at++] = (uint8_t)n;
            memcpy(img + at, rec, n);
            at += n;
        }
    }
    at = lk_al8(at);
    for (k = 0; k <= (lk_nsyms - 1) / 256; k++, at += 4) lk_put(at, marks[k], 4);
    at = lk_al8(at);
    {
        uint64_t idx[256], t0 = at;
        for (c = 0; c < 256; c++) {
            size_t tl = strlen(lk_tokens[c]);
            idx[c] = at - t0;
            memcpy(img + at, lk_tokens[c], tl + 1);
            at += tl + 1;
        }
        at = lk_al8(at);
        for (c = 0; c < 256; c++) lk_put(at + 2 * (uint64_t)c, idx[c], 2);
    }
}

static memintro_linux_os *lk_lo;

static int lk_on_task(void *user, const memintro_linux_task *t)
{
    os_procs *s = (os_procs *)user;
    if (s->n < OS_MAXP) {
        memintro_os_process *p = &s->p[s->n];
        memset(p, 0, sizeof *p);
        p->pid = (uint64_t)t->pid;
        p->ppid = (uint64_t)t->ppid;
        p->dtb = t->kernel_thread ? 0 : t->dtb;
        snprintf(p->name, sizeof p->name, "%s", t->comm);
    }
    s->n++;
    return 0;
}

static int lk_on_mod(void *user, const memintro_linux_module *m)
{
    os_mods *s = (os_mods *)user;
    if (s->n < OS_MAXM) {
        s->m[s->n].base = m->base;
        s->m[s->n].size = m->size;
        snprintf(s->m[s->n].name, sizeof s->m[s->n].name, "%s", m->name);
    }
    s->n++;
    return 0;
}

static void check_linux(void)
{
    static const struct {
        uint64_t pid, ppid;
        const char *name;
        int kernel;
    } want[] = {{1, 0, "init", 0}, {2, 0, "kthreadd", 1}, {10, 1, "app", 0}};
    char path[512], spec[600], why[300] = "";
    memintro_target t;
    memintro_os os;
    memintro_status st;
    static os_procs ps, lp;
    static os_mods om, lm;
    memintro_virt *v;
    uint64_t a;
    uint32_t i;
    int ok;
    FILE *f;
    lk_build();
    snprintf(path, sizeof path, "%s/linux.raw", tmpdir);
    f = fopen(path, "wb");
    CHECK(f && fwrite(img, 1, sizeof img, f) == sizeof img && fclose(f) == 0, "linux: wrote the image %s", path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    st = memintro_target_open(&t, spec, NULL);
    CHECK(st == MEMINTRO_OK, "linux: memintro_target_open (%s)", memintro_target_error(&t));
    if (st != MEMINTRO_OK) return;
    st = memintro_os_open(&os, &t, "auto", NULL);
    CHECK(st == MEMINTRO_OK && !strcmp(os.layer->name, "linux") && !strncmp(os.why, "win32: ", 7) &&
              !strstr(os.why, "linux:"),
          "linux: auto finds linux after win32 (why: %s; %s)", os.why, memintro_os_error(&os));
    if (st != MEMINTRO_OK || strcmp(os.layer->name, "linux")) goto close;
    lk_lo = memintro_os_linux(&os);
    CHECK(lk_lo && memintro_os_linux_kernel(&os) && memintro_os_win32(&os) == NULL &&
              memintro_os_linux_walkers(&os) == MEMINTRO_OK && !strcmp(memintro_os_linux_kernel(&os)->release, "9.9.9-ostest"),
          "linux: the layer's objects: the kernel (release %s), its walkers ready", memintro_os_linux_kernel(&os)
                                                                                         ? memintro_os_linux_kernel(&os)->release
                                                                                         : "-");
    {
        char rel[64];
        snprintf(rel, sizeof rel, "%s", os_fact(&os, "release"));
        CHECK(!strcmp(rel, "9.9.9-ostest") && !strcmp(os_fact(&os, "image_source"), "banner scan"),
              "linux: facts release %s, image_source %s", rel, os_fact(&os, "image_source"));
    }
    if (!lk_lo) goto close;
    memset(&ps, 0, sizeof ps);
    memset(&lp, 0, sizeof lp);
    st = memintro_os_processes(&os, os_on_proc, &ps);
    memintro_linux_task_each(lk_lo, 0, lk_on_task, &lp);
    ok = st == MEMINTRO_OK && ps.n == 3 && lp.n == 3;
    for (i = 0; ok && i < 3; i++) {
        const memintro_os_process *p = &ps.p[i];
        ok = p->pid == want[i].pid && p->ppid == want[i].ppid && !strcmp(p->name, want[i].name) &&
             !!(p->flags & MEMINTRO_OS_PROC_KERNEL) == want[i].kernel && (want[i].kernel ? p->dtb == 0 : p->dtb == upml4) &&
             p->pid == lp.p[i].pid && p->ppid == lp.p[i].ppid && p->dtb == lp.p[i].dtb && !strcmp(p->name, lp.p[i].name);
        if (!ok) snprintf(why, sizeof why, "process %u: %llu \"%s\" dtb 0x%llx", i, (unsigned long long)p->pid, p->name,
                          (unsigned long long)p->dtb);
    }
    CHECK(ok, "linux: memintro_os_processes = the generator's init, kthreadd, app (pids, parents, DTBs, kernel thread) "
              "= memintro_linux_task_each (%u, %s)%s%s",
          ps.n, memintro_status_str(st), ok ? "" : ": ", why);
    memset(&om, 0, sizeof om);
    memset(&lm, 0, sizeof lm);
    st = memintro_os_modules(&os, MEMINTRO_OS_KERNEL_PID, 0, os_on_mod, &om);
    memintro_linux_module_each(lk_lo, lk_on_mod, &lm);
    CHECK(st == MEMINTRO_OK && om.n == 2 && lm.n == 2 && !strcmp(om.m[0].name, "ext4") &&
              om.m[0].base == 0xffffffffc0000000ull && om.m[0].size == 0x1200 && !strcmp(om.m[1].name, "loop") &&
              om.m[1].base == 0xffffffffc0100000ull && om.m[1].size == 0x3000 && !strcmp(om.m[0].name, lm.m[0].name) &&
              om.m[1].size == lm.m[1].size,
          "linux: the kernel's modules ext4, loop (bases, sizes as written; the unformed one skipped) = "
          "memintro_linux_module_each (%u, %s)",
          om.n, memintro_status_str(st));
    memset(&om, 0, sizeof om);
    st = memintro_os_modules(&os, 10, 0, os_on_mod, &om);
    CHECK(st == MEMINTRO_OK && om.n == 1 && om.m[0].base == 0x400000 && om.m[0].size == 0x1000 &&
              !strcmp(om.m[0].name, "app") && !strcmp(om.m[0].path, "/bin/app"),
          "linux: pid 10's modules: its one mapped file /bin/app at 0x400000 (%u, %s)", om.n, memintro_status_str(st));
    CHECK(memintro_os_modules(&os, 10, MEMINTRO_OS_MOD_32BIT, os_on_mod, &om) == MEMINTRO_E_UNSUPPORTED,
          "linux: a 32-bit module list: E_UNSUPPORTED");
    {
        char b[8] = {0};
        st = memintro_os_process_virt(&os, 10, &v);
        CHECK(st == MEMINTRO_OK && memintro_virt_read1(v, 0x700000, b, 7) == MEMINTRO_OK && !memcmp(b, "app\0-x\0", 7),
              "linux: pid 10's address space reads its argv at 0x700000 (%s)", memintro_status_str(st));
        st = memintro_os_process_virt(&os, 2, &v);
        CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_os_error(&os), "kernel thread"),
              "linux: a kernel thread has no address space: E_NOTFOUND (%s)", memintro_os_error(&os));
    }
    st = memintro_os_symbol(&os, "init_task", &a);
    CHECK(st == MEMINTRO_OK && a == T0, "linux: memintro_os_symbol(init_task) = the generator's task 0x%llx",
          (unsigned long long)T0);
    st = memintro_os_kernel_virt(&os, &v);
    {
        char b[16] = {0};
        CHECK(st == MEMINTRO_OK && memintro_virt_read1(v, LK_TEXT_VA + LK_OFF_BANNER, b, 13) == MEMINTRO_OK &&
                  !memcmp(b, "Linux version", 13),
              "linux: memintro_os_kernel_virt reads linux_banner at its image address");
    }
    memintro_os_close(&os);
    st = memintro_os_open(&os, &t, "win32", NULL);
    CHECK(st == MEMINTRO_E_NOTFOUND && !strncmp(memintro_os_error(&os), "win32: ", 7),
          "linux: \"win32\" by name: E_NOTFOUND with its reason (%s)", memintro_os_error(&os));
close:
    memintro_os_close(&os);
    memintro_target_close(&t);
    remove(path);
}

/* ---- a layer of the test's own, and the image with no OS -------------------------------- */

#define TOS_MAGIC "MEMINTRO-TEST-OS"
static uint64_t tos_at = 0x3000; /* where tos_detect looks for TOS_MAGIC */

typedef struct tos_state {
    memintro_target *t;
    memintro_virt v;
    uint8_t scratch[1 << 15];
} tos_state;

static int tos_detects;

static memintro_status tos_detect(memintro_target *t, const memintro_os_hints *h, void **state, char *why, size_t len)
{
    char b[sizeof TOS_MAGIC];
    tos_state *st;
    (void)h;
    tos_detects++;
    if (memintro_phys_read1(t->phys, tos_at, b, sizeof b) != MEMINTRO_OK || memcmp(b, TOS_MAGIC, sizeof b)) {
        snprintf(why, len, "no " TOS_MAGIC " at 0x%llx; it is not here", (unsigned long long)tos_at);
        return MEMINTRO_E_NOTFOUND;
    }
    st = (tos_state *)calloc(1, sizeof *st);
    st->t = t;
    *state = st;
    return MEMINTRO_OK;
}

static void tos_release(void *state) { free(state); }

static memintro_status tos_processes(void *state, memintro_os_process_fn fn, void *user)
{
    memintro_os_process p;
    uint64_t i;
    (void)state;
    for (i = 1; i <= 3; i++) {
        memset(&p, 0, sizeof p);
        p.pid = 100 * i;
        p.ppid = i - 1;
        snprintf(p.name, sizeof p.name, "tos-%u", (unsigned)i);
        if (fn(user, &p)) break;
    }
    return MEMINTRO_OK;
}

static memintro_status tos_kernel_virt(void *state, memintro_virt **out)
{
    (void)state;
    (void)out;
    return MEMINTRO_E_UNSUPPORTED;
}

static const memintro_os_layer tos_layer = {MEMINTRO_OS_ABI, "testos", "the test's own layer", tos_detect, tos_release,
                                            0, tos_processes, 0, 0, tos_kernel_virt, 0, "9.1"};

static void check_registry(void)
{
    static uint8_t zeros[1 << 20];
    char path[512], spec[600];
    memintro_target t;
    memintro_os os;
    memintro_status st;
    memintro_os_layer bad = tos_layer;
    memintro_os_process p;
    memintro_virt *v;
    size_t n, i;
    const memintro_os_layer *const *l;
    FILE *f;
    static os_procs ps;
    static os_mods ms;
    os_fact_find ff;
    uint64_t addr;
    /* the list before and after registering */
    l = memintro_os_layer_list(&n);
    CHECK(n == 3 && !strcmp(l[0]->name, "win32") && !strcmp(l[1]->name, "linux") && !strcmp(l[2]->name, "none") && !l[3],
          "registry: the built-ins win32, linux, none (%u)", (unsigned)n);
    CHECK(memintro_os_register(&tos_layer) == MEMINTRO_OK, "registry: a layer of the test's own registers");
    CHECK(memintro_os_register(&tos_layer) == MEMINTRO_E_INVALID, "registry: its name again: E_INVALID");
    bad.name = "win32";
    CHECK(memintro_os_register(&bad) == MEMINTRO_E_INVALID, "registry: the name win32: E_INVALID");
    bad.name = "auto";
    CHECK(memintro_os_register(&bad) == MEMINTRO_E_INVALID, "registry: the name auto: E_INVALID");
    bad.name = "other";
    bad.abi = MEMINTRO_OS_ABI + 1;
    CHECK(memintro_os_register(&bad) == MEMINTRO_E_INVALID, "registry: another ABI: E_INVALID");
    bad.abi = MEMINTRO_OS_ABI;
    bad.detect = 0;
    CHECK(memintro_os_register(&bad) == MEMINTRO_E_INVALID, "registry: no detect: E_INVALID");
    l = memintro_os_layer_list(&n);
    CHECK(n == 4 && !strcmp(l[2]->name, "testos") && !strcmp(l[3]->name, "none") &&
              memintro_os_layer_find("testos") == &tos_layer && memintro_os_layer_find("beos") == NULL,
          "registry: win32, linux, testos, none; memintro_os_layer_find");

    /* a file of zeros: no OS */
    snprintf(path, sizeof path, "%s/zeros.raw", tmpdir);
    f = fopen(path, "wb");
    CHECK(f && fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros && fclose(f) == 0, "registry: wrote %s", path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    st = memintro_target_open(&t, spec, NULL);
    CHECK(st == MEMINTRO_OK, "registry: memintro_target_open (%s)", memintro_target_error(&t));
    if (st != MEMINTRO_OK) return;
    st = memintro_os_open(&os, &t, "auto", NULL);
    CHECK(st == MEMINTRO_OK && !strcmp(os.layer->name, "none") && !strncmp(os.why, "win32: ", 7) &&
              strstr(os.why, "; linux: ") && strstr(os.why, "; testos: no " TOS_MAGIC),
          "registry: zeros: auto ends with none, why names every layer (%s)", os.why);
    CHECK(strstr(os.why, "testos: no " TOS_MAGIC " at 0x3000, it is not here") != NULL,
          "registry: a ';' in a reason becomes ',' (entries stay separable)");
    CHECK(memintro_os_processes(&os, os_on_proc, &ps) == MEMINTRO_E_UNSUPPORTED &&
              memintro_os_modules(&os, 1, 0, os_on_mod, &ms) == MEMINTRO_E_UNSUPPORTED &&
              memintro_os_symbol(&os, "x", &addr) == MEMINTRO_E_UNSUPPORTED &&
              memintro_os_process_virt(&os, 1, &v) == MEMINTRO_E_UNSUPPORTED,
          "registry: none: processes, modules, symbol, process_virt E_UNSUPPORTED (%s)", memintro_os_error(&os));
    CHECK(memintro_os_kernel_virt(&os, &v) == MEMINTRO_E_NOTFOUND, "registry: none without CPU state or hints: "
                                                                    "kernel_virt E_NOTFOUND (%s)",
          memintro_os_error(&os));
    memintro_os_close(&os);
    {
        memintro_os_hints h;
        memset(&h, 0, sizeof h);
        h.paging.arch = MEMINTRO_ARCH_X86_64;
        h.paging.dtb = 0x1000;
        st = memintro_os_open(&os, &t, "none", &h);
        CHECK(st == MEMINTRO_OK && memintro_os_kernel_virt(&os, &v) == MEMINTRO_OK && v->phys == t.phys,
              "registry: none with a paging hint: kernel_virt over the target");
        memintro_os_close(&os);
    }
    st = memintro_os_open(&os, &t, "win32", NULL);
    CHECK(st == MEMINTRO_E_NOTFOUND && !strncmp(memintro_os_error(&os), "win32: ", 7),
          "registry: zeros: \"win32\" E_NOTFOUND (%s)", memintro_os_error(&os));
    memintro_os_close(&os);
    st = memintro_os_open(&os, &t, "testos", NULL);
    CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_os_error(&os), "testos: no " TOS_MAGIC),
          "registry: zeros: \"testos\" E_NOTFOUND with the layer's reason (%s)", memintro_os_error(&os));
    memintro_os_close(&os);
    st = memintro_os_open(&os, &t, "beos", NULL);
    CHECK(st == MEMINTRO_E_INVALID && strstr(memintro_os_error(&os), "beos") &&
              strstr(memintro_os_error(&os), "auto, win32, linux, testos, none"),
          "registry: an unknown name: E_INVALID listing the known ones (%s)", memintro_os_error(&os));
    memintro_os_close(&os);
    memintro_target_close(&t);
    /* the magic: auto finds testos after win32 and linux */
    memcpy(zeros + tos_at, TOS_MAGIC, sizeof TOS_MAGIC);
    f = fopen(path, "wb");
    CHECK(f && fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros && fclose(f) == 0, "registry: wrote %s with the magic",
          path);
    st = memintro_target_open(&t, spec, NULL);
    if (st == MEMINTRO_OK) {
        st = memintro_os_open(&os, &t, "auto", NULL);
        CHECK(st == MEMINTRO_OK && os.layer == &tos_layer && strstr(os.why, "win32: ") && strstr(os.why, "linux: ") &&
                  !strstr(os.why, "testos"),
              "registry: auto finds the registered layer after the built-ins (why: %s)", os.why);
        memset(&ps, 0, sizeof ps);
        CHECK(memintro_os_process_find(&os, 200, &p) == MEMINTRO_OK && !strcmp(p.name, "tos-2") &&
                  memintro_os_process_find(&os, 201, &p) == MEMINTRO_E_NOTFOUND,
              "registry: process_find over the layer's own walk");
        memset(&ff, 0, sizeof ff);
        ff.name = "x";
        CHECK(memintro_os_modules(&os, 1, 0, os_on_mod, &ms) == MEMINTRO_E_UNSUPPORTED &&
                  memintro_os_facts(&os, os_on_fact, &ff) == MEMINTRO_E_UNSUPPORTED &&
                  memintro_os_kernel_virt(&os, &v) == MEMINTRO_E_UNSUPPORTED &&
                  strstr(memintro_os_error(&os), "testos"),
              "registry: what the layer lacks is E_UNSUPPORTED (%s)", memintro_os_error(&os));
        memintro_os_close(&os);
        memintro_target_close(&t);
    }
    CHECK(st == MEMINTRO_OK, "registry: the image with the magic opens");
    remove(path);
    (void)i;
    (void)ps;
}

/* A Windows image with the test layer's magic: the built-in comes first. */
static void check_order(void)
{
    w32i_options o;
    w32i_image wi;
    char path[512], spec[600];
    memintro_target t;
    memintro_os os;
    memintro_status st;
    memset(&o, 0, sizeof o);
    o.build = 19045;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.ram_size = 16u << 20;
    if (w32i_build(&o, &wi) != 0) {
        CHECK(0, "order: the generator builds the image");
        return;
    }
    { /* the magic in the highest page of the first 16 MiB the generator left all zero */
        uint64_t pa, k;
        for (pa = (16u << 20) - 4096; pa >= 4096; pa -= 4096) {
            for (k = 0; k < 4096 && !wi.mem[pa + k]; k++) continue;
            if (k == 4096) break;
        }
        tos_at = pa;
        memcpy(wi.mem + tos_at, TOS_MAGIC, sizeof TOS_MAGIC);
    }
    snprintf(path, sizeof path, "%s/order.raw", tmpdir);
    CHECK_QUIET(w32i_write_raw(&wi, path) == 0, "order: wrote %s", path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    tos_detects = 0;
    st = memintro_target_open(&t, spec, NULL);
    if (st == MEMINTRO_OK) {
        st = memintro_os_open(&os, &t, "auto", NULL);
        CHECK(st == MEMINTRO_OK && !strcmp(os.layer->name, "win32") && tos_detects == 0,
              "order: a Windows image with the registered layer's magic: auto takes win32, the registered layer is "
              "not even asked (%s)",
              st == MEMINTRO_OK ? os.layer->name : memintro_os_error(&os));
        memintro_os_close(&os);
        st = memintro_os_open(&os, &t, "testos", NULL);
        CHECK(st == MEMINTRO_OK && os.layer == &tos_layer, "order: the registered layer by name on the same image");
        memintro_os_close(&os);
        memintro_target_close(&t);
    }
    remove(path);
    w32i_free(&wi);
}

/* The manual's EXAMPLE, run on a Windows image. */
static int example(const char *spec)
{
#include "os_example.inc"
    return 0;
}

static void check_example(void)
{
    w32i_options o;
    w32i_image wi;
    char path[512], spec[600];
    memset(&o, 0, sizeof o);
    o.build = 22631;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.ram_size = 16u << 20;
    if (w32i_build(&o, &wi) != 0) return;
    snprintf(path, sizeof path, "%s/example.raw", tmpdir);
    w32i_write_raw(&wi, path);
    snprintf(spec, sizeof spec, "raw:%s", path);
    CHECK(example(spec) == 0, "the manual's EXAMPLE runs on a Windows image");
    remove(path);
    w32i_free(&wi);
}

static void on_alarm(int sig)
{
    (void)sig;
    printf("not ok - test_os: timed out (a walk hangs?)\n");
    fflush(stdout);
    _exit(1);
}

int main(void)
{
    static const struct {
        uint32_t build;
        memintro_arch arch;
        uint32_t flags;
    } win[] = {{19045, MEMINTRO_ARCH_X86_64, W32I_WOW64},
               {7601, MEMINTRO_ARCH_X86_64, W32I_WOW64},
               {26100, MEMINTRO_ARCH_X86_64, W32I_WOW64 | W32I_NO_LOW_STUB},
               {17763, MEMINTRO_ARCH_X86_PAE, 0},
               {7601, MEMINTRO_ARCH_X86, 0}};
    w32i_options o;
    char label[64];
    size_t i;
    signal(SIGALRM, on_alarm);
    alarm(300);
    snprintf(tmpdir, sizeof tmpdir, "build/test-os-%ld", (long)getpid());
    mkdir("build", 0777);
    CHECK(mkdir(tmpdir, 0777) == 0, "made %s", tmpdir);
    for (i = 0; i < sizeof win / sizeof win[0]; i++) {
        memset(&o, 0, sizeof o);
        o.build = win[i].build;
        o.arch = win[i].arch;
        o.flags = win[i].flags;
        o.ram_size = 16u << 20;
        o.nmods = 5;
        snprintf(label, sizeof label, "%s-%u%s", memintro_arch_name(win[i].arch), (unsigned)win[i].build,
                 (win[i].flags & W32I_NO_LOW_STUB) ? "-nostub" : "");
        check_windows(label, &o);
    }
    check_linux();
    check_registry();
    check_order();
    check_example();
    rmdir(tmpdir);
    return check_done();
}
