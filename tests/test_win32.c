/* tests/test_win32.c: the test matrix of memintro_win32.h on SYNTHETIC Windows images.

   No Windows guest runs here: every image is written by tests/win32_image.h (real page
   tables, a low stub, a PE kernel image, the EPROCESS ring with the offsets of the build
   from the generator's OWN table, PEBs and loader lists, WoW64 processes, kernel modules).
   All the data is synthetic; the expected values are the generator's spec (w32i_image),
   never what memintro_win32.h computes.

   The matrix: every build of the generator's table on x64 (with WoW64 processes) and on x86
   (PAE, and 32-bit paging where the build has it: Windows 7 only), plus x64 without the low stub, a build no
   table has (the locator, x64 and x86), and each damaged variant (a cycle in the process
   list, a wild Flink, an absurd UNICODE_STRING, a page-directory entry that points at its
   own directory). Each image is checked:
     0. as memintro's core sees it (the generator's page tables and lists, walked with the
        generator's offsets through memintro_virt: the image itself is sound);
     then through each container: (a) a memintro_buffer over the bytes, (b) a full Windows
     crash dump written by w32i_write_crashdump, (c) an ELF core written by w32i_write_elf
     (both opened with memintro_coredump_open), each with no hints and again with the hints
     of memintro_target_open + memintro_win32_hints_from_target; and compared with the spec:
     arch, DTB, kernel base, build, version, System, list heads, where the DTB and offsets
     came from, the process list in order (pid, ppid, name, dtb, peb, peb32, WoW64, exited),
     process_find, each process's modules (and the 32-bit list of WoW64 processes), the
     kernel modules, and a marker string read through each process's own address space.
     Damaged variants: the walk reports exactly walk_limit processes, then a non-OK status.
   The whole test runs under alarm(): a hang fails it. */
#define _GNU_SOURCE /* memintro_qemu.h's implementation (through memintro_target.h) */
#include "tests/win32_image.h"

#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

#include <signal.h>
#include <sys/stat.h>

#include "tests/check.h"

static char tmpdir[256];

/* ---- 0. the image as memintro's core sees it ----------------------------------------------- */

static uint64_t rdp(memintro_virt *v, uint64_t va, unsigned n)
{
    uint8_t b[8] = {0};
    memintro_virt_read1(v, va, b, n);
    return n == 8 ? memintro_get_u64(b) : memintro_get_u32(b);
}

/* Walks a loader list (InLoadOrder at link offset 0) from `head` through v and compares each
   entry's DllBase and BaseDllName (UTF-16 as the generator encodes the spec's UTF-8) with
   the spec. wide: 64-bit entries. */
static int core_mods(memintro_virt *v, uint64_t head, int wide, const w32i_module *m, uint32_t n)
{
    unsigned p = wide ? 8 : 4;
    uint64_t cur = rdp(v, head, p);
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint8_t want[200], got[200];
        unsigned wn = w32i__utf16(m[i].name, want, sizeof want);
        uint64_t len, buf;
        if (cur == head) return 0;
        if (rdp(v, cur + (wide ? 0x30 : 0x18), p) != m[i].base) return 0;
        len = rdp(v, cur + (wide ? 0x58 : 0x2c), 2);
        buf = rdp(v, cur + (wide ? 0x60 : 0x30), p);
        if (m[i].damaged) {
            if (len != 0xfffe) return 0;
        } else {
            if (len != wn || memintro_virt_read1(v, buf, got, wn) != MEMINTRO_OK || memcmp(got, want, wn)) return 0;
        }
        cur = rdp(v, cur, p);
    }
    return cur == head;
}

static int core_check(const w32i_image *img, char *why, size_t whysz)
{
    memintro_buffer b;
    memintro_virt v;
    memintro_mmu_desc d;
    static uint8_t scratch[1 << 16];
    uint32_t i;
    unsigned pw = img->arch == MEMINTRO_ARCH_X86_64 ? 8 : 4;
    uint64_t cur, flink = 0;
    uint8_t buf[64];
    why[0] = 0;
    if (memintro_buffer_init(&b, img->mem, img->size, NULL, 0) != MEMINTRO_OK) return snprintf(why, whysz, "buffer"), 0;
    memset(&d, 0, sizeof d);
    d.arch = img->arch;
    d.dtb = img->dtb;
    if (memintro_virt_init(&v, &b.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK)
        return snprintf(why, whysz, "virt_init"), 0;
    /* MZ at the kernel base, PsActiveProcessHead's Flink is System's links */
    if (memintro_virt_read1(&v, img->kernel_base, buf, 2) != MEMINTRO_OK || memcmp(buf, "MZ", 2))
        return snprintf(why, whysz, "no MZ at the kernel base"), 0;
    if (memintro_virt_read1(&v, img->ps_active_process_head, buf, pw) != MEMINTRO_OK)
        return snprintf(why, whysz, "list head unreadable"), 0;
    cur = pw == 8 ? memintro_get_u64(buf) : memintro_get_u32(buf);
    for (i = 0; i < img->nprocs; i++) {
        const w32i_process *p = &img->procs[i];
        uint64_t ep = cur - img->off_links, pid, dtb;
        char name[16];
        if (ep != p->eprocess) return snprintf(why, whysz, "entry %u at 0x%llx, spec 0x%llx", i, (unsigned long long)ep, (unsigned long long)p->eprocess), 0;
        memintro_virt_read1(&v, ep + img->off_pid, buf, pw);
        pid = pw == 8 ? memintro_get_u64(buf) : memintro_get_u32(buf);
        memintro_virt_read1(&v, ep + img->off_dtb, buf, pw);
        dtb = pw == 8 ? memintro_get_u64(buf) : memintro_get_u32(buf);
        memintro_virt_read1(&v, ep + img->off_name, name, 15);
        name[15] = 0;
        if (pid != p->pid || dtb != p->dtb || strcmp(name, p->name))
            return snprintf(why, whysz, "entry %u: pid %llu dtb 0x%llx name %s", i, (unsigned long long)pid, (unsigned long long)dtb, name), 0;
        if (p->peb) {
            memintro_virt pv = v;
            int wide = pw == 8;
            uint64_t ldr;
            memintro_virt_set_dtb(&pv, p->dtb, 0);
            ldr = rdp(&pv, p->peb + (wide ? 0x18 : 0x0c), pw);
            if (!core_mods(&pv, ldr + (wide ? 0x10 : 0x0c), wide, p->mods, p->nmods))
                return snprintf(why, whysz, "entry %u: loader list", i), 0;
            if (p->wow64) {
                ldr = rdp(&pv, p->peb32 + 0x0c, 4);
                if (!core_mods(&pv, ldr + 0x0c, 0, p->mods32, p->nmods32))
                    return snprintf(why, whysz, "entry %u: 32-bit loader list", i), 0;
            }
        }
        if (p->marker_va) {
            memintro_virt pv = v;
            memset(buf, 0, sizeof buf);
            if (memintro_virt_set_dtb(&pv, p->dtb, 0) != MEMINTRO_OK ||
                memintro_virt_read1(&pv, p->marker_va, buf, strlen(p->marker) + 1) != MEMINTRO_OK ||
                strcmp((char *)buf, p->marker))
                return snprintf(why, whysz, "entry %u: marker", i), 0;
            /* the kernel half is shared: the list head reads the same through the process */
            if (memintro_virt_read1(&pv, img->kernel_base, buf, 2) != MEMINTRO_OK || memcmp(buf, "MZ", 2))
                return snprintf(why, whysz, "entry %u: kernel not mapped in its space", i), 0;
        }
        if (i + 1 >= img->walk_limit) break; /* damaged lists: what comes next is the damage */
        memintro_virt_read1(&v, cur, buf, pw);
        flink = pw == 8 ? memintro_get_u64(buf) : memintro_get_u32(buf);
        cur = flink;
    }
    if (!core_mods(&v, img->ps_loaded_module_list, pw == 8, img->kmods, img->nkmods))
        return snprintf(why, whysz, "kernel module list"), 0;
    return 1;
}

/* ---- the layer ---------------------------------------------------------------------------- */

#define MAXP 600
#define MAXM 64

typedef struct procs_seen {
    uint32_t n;
    memintro_win32_process p[MAXP];
} procs_seen;

static int on_proc(void *user, const memintro_win32_process *p)
{
    procs_seen *s = (procs_seen *)user;
    if (s->n < MAXP) s->p[s->n] = *p;
    s->n++;
    return s->n > MAXP + 10; /* a walk that goes on and on: stop it (the check then fails) */
}

typedef struct mods_seen {
    uint32_t n;
    memintro_win32_module m[MAXM];
} mods_seen;

static int on_mod(void *user, const memintro_win32_module *m)
{
    mods_seen *s = (mods_seen *)user;
    if (s->n < MAXM) s->m[s->n] = *m;
    s->n++;
    return s->n > MAXM + 10;
}

static int damaged_list(const w32i_image *img) { return img->damaged; }

/* Compares a module list with the spec. absurd: the entry marked damaged may be reported
   with PAGED/TRUNCATED (the walk goes on) or end the walk with a status. */
static int mods_match(const w32i_module *want, uint32_t nwant, const mods_seen *s, memintro_status st, char *why,
                      size_t whysz)
{
    uint32_t i;
    for (i = 0; i < nwant; i++) {
        const memintro_win32_module *m = &s->m[i];
        if (want[i].damaged) {
            if (i == s->n && st != MEMINTRO_OK) return 1; /* the walk ended at the damage */
            if (i >= s->n) return snprintf(why, whysz, "damaged entry %u missing", i), 0;
            if (!(m->flags & (MEMINTRO_WIN32_MOD_PAGED | MEMINTRO_WIN32_MOD_TRUNCATED)))
                return snprintf(why, whysz, "damaged entry %u not flagged (name \"%.20s\")", i, m->name), 0;
            if (m->base != want[i].base) return snprintf(why, whysz, "damaged entry %u base", i), 0;
            continue;
        }
        if (i >= s->n) return snprintf(why, whysz, "%u of %u modules (status %s)", s->n, nwant, memintro_status_str(st)), 0;
        if (m->base != want[i].base || m->size != want[i].size || strcmp(m->name, want[i].name) ||
            strcmp(m->path, want[i].path))
            return snprintf(why, whysz, "module %u: 0x%llx 0x%llx \"%s\" \"%s\", spec 0x%llx 0x%llx \"%s\" \"%s\"", i,
                            (unsigned long long)m->base, (unsigned long long)m->size, m->name, m->path,
                            (unsigned long long)want[i].base, (unsigned long long)want[i].size, want[i].name,
                            want[i].path),
                   0;
    }
    if (s->n != nwant) return snprintf(why, whysz, "%u modules, spec %u", s->n, nwant), 0;
    if (st != MEMINTRO_OK) return snprintf(why, whysz, "status %s", memintro_status_str(st)), 0;
    return 1;
}

typedef struct exps_seen {
    uint32_t n;
    memintro_pe_export e[W32I_MAX_EXPORTS + 4];
} exps_seen;

static int on_export(void *user, const memintro_pe_export *e)
{
    exps_seen *s = (exps_seen *)user;
    if (s->n < W32I_MAX_EXPORTS + 4) s->e[s->n] = *e;
    s->n++;
    return s->n > W32I_MAX_EXPORTS + 8;
}

/* The PE image of module m mapped in v: headers, export directory name, every export in
   ordinal order (a module whose export page is paged out: the headers open, the walk
   reports a status). Returns 1 when it matches the spec. */
static int exports_match(memintro_virt *v, const w32i_module *m, char *why, size_t whysz)
{
    memintro_pe pe;
    static exps_seen es;
    memintro_status st;
    uint32_t i;
    if (!m->pe) return 1;
    memset(&pe, 0, sizeof pe);
    st = memintro_pe_open(&pe, v, m->base);
    if (st != MEMINTRO_OK) return snprintf(why, whysz, "%s: pe_open %s", m->name, memintro_status_str(st)), 0;
    if (pe.size_of_image != m->size) return snprintf(why, whysz, "%s: SizeOfImage 0x%x", m->name, pe.size_of_image), 0;
    es.n = 0;
    st = memintro_pe_exports(&pe, on_export, &es);
    if (m->pe_paged) {
        if (st == MEMINTRO_OK || pe.export_name[0])
            return snprintf(why, whysz, "%s (export page paged out): %s, name \"%s\"", m->name, memintro_status_str(st),
                            pe.export_name),
                   0;
        return 1;
    }
    if (!m->nexports) {
        if (st != MEMINTRO_E_NOTFOUND || es.n)
            return snprintf(why, whysz, "%s (no exports): %s and %u exports", m->name, memintro_status_str(st), es.n), 0;
        return 1;
    }
    if (strcmp(pe.export_name, m->export_name))
        return snprintf(why, whysz, "%s: export name \"%s\"", m->name, pe.export_name), 0;
    if (st != MEMINTRO_OK || es.n != m->nexports)
        return snprintf(why, whysz, "%s: %s, %u exports (spec %u)", m->name, memintro_status_str(st), es.n, m->nexports), 0;
    for (i = 0; i < m->nexports; i++) {
        const memintro_pe_export *e = &es.e[i];
        const w32i_export *x = &m->exports[i];
        if (e->ordinal != x->ordinal || e->rva != x->rva || strcmp(e->name, x->name) || strcmp(e->forwarder, x->forwarder) ||
            (!x->forwarder[0] && e->address != m->base + x->rva))
            return snprintf(why, whysz, "%s export %u: #%u 0x%x \"%s\" \"%s\", spec #%u 0x%x \"%s\" \"%s\"", m->name, i,
                            e->ordinal, e->rva, e->name, e->forwarder, x->ordinal, x->rva, x->name, x->forwarder),
                   0;
    }
    return 1;
}

static void upper(char *d, const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++) d[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    d[i] = 0;
}

/* One init over phys with hints h (NULL: none) and every comparison. want_dtb_src: the
   source the DTB must come from. */
/* ---- many processes' modules at once (memintro_win32_modules_many) ----------------------- */

typedef struct many_seen {
    const memintro_win32_process *procs;
    size_t nprocs;
    mods_seen *s;
    int bad_proc; /* a call whose process pointer is not &procs[index] */
} many_seen;

static int on_many(void *user, size_t index, const memintro_win32_process *p, const memintro_win32_module *m)
{
    many_seen *k = (many_seen *)user;
    if (index >= k->nprocs || p != &k->procs[index]) {
        k->bad_proc = 1;
        return 1;
    }
    return on_mod(&k->s[index], m);
}

/* modules_many over procs[0..n) with `flags`, scratch for `fit` processes (0: NULL scratch),
   compared with the spec (want[i]: the process's spec, NULL when a damaged list's own
   expectations are checked by the caller). Returns 1 when every process matches. */
static int many_match(memintro_win32 *w, const memintro_win32_process *procs, const w32i_process *const *want, size_t n,
                      uint32_t flags, size_t fit, memintro_status *sts, mods_seen *seen, char *why, size_t whysz)
{
    many_seen k;
    size_t i, sz = memintro_win32_modules_many_size(fit);
    void *scratch = fit ? malloc(sz) : NULL;
    memintro_status st;
    k.procs = procs;
    k.nprocs = n;
    k.s = seen;
    k.bad_proc = 0;
    for (i = 0; i < n; i++) {
        seen[i].n = 0;
        sts[i] = MEMINTRO_E_IO; /* must be overwritten */
    }
    st = memintro_win32_modules_many(w, procs, n, flags, sts, on_many, &k, scratch, fit ? sz : 0);
    free(scratch);
    if (st != MEMINTRO_OK) return snprintf(why, whysz, "returned %s", memintro_status_str(st)), 0;
    if (k.bad_proc) return snprintf(why, whysz, "a callback with the wrong process or index"), 0;
    for (i = 0; i < n; i++) {
        const w32i_process *q = want[i];
        char w2[300];
        int wide32 = (flags & MEMINTRO_WIN32_MOD_WOW64) != 0;
        if (!q) continue;
        if (wide32 ? !q->wow64 : !q->peb) {
            if (sts[i] != MEMINTRO_E_NOTFOUND || seen[i].n)
                return snprintf(why, whysz, "%s (no %s): %s and %u modules", q->name, wide32 ? "PEB32" : "PEB",
                                memintro_status_str(sts[i]), seen[i].n),
                       0;
            continue;
        }
        if (!mods_match(wide32 ? q->mods32 : q->mods, wide32 ? q->nmods32 : q->nmods, &seen[i], sts[i], w2, sizeof w2))
            return snprintf(why, whysz, "%s pid %llu%s: %s", q->name, (unsigned long long)q->pid, wide32 ? " (32-bit)" : "",
                            w2),
                   0;
    }
    return 1;
}

/* Every process the walk reported, all at once: native lists with scratch for all, the
   32-bit lists in groups of 3, native again without scratch (groups on the stack). */
static void check_many(const char *label, const w32i_image *img, memintro_win32 *w, const memintro_win32_process *procs,
                       size_t n)
{
    const w32i_process **want = (const w32i_process **)calloc(n + 1, sizeof *want);
    memintro_status *sts = (memintro_status *)calloc(n + 1, sizeof *sts);
    mods_seen *seen = (mods_seen *)calloc(n + 1, sizeof *seen);
    char why[400];
    size_t i;
    int ok;
    why[0] = 0;
    for (i = 0; i < n; i++) want[i] = &img->procs[i];
    ok = many_match(w, procs, want, n, 0, n, sts, seen, why, sizeof why);
    CHECK(ok, "%s: modules_many of all %zu processes at once, as the spec%s%s", label, n, ok ? "" : ": ", why);
    ok = many_match(w, procs, want, n, MEMINTRO_WIN32_MOD_WOW64, 3, sts, seen, why, sizeof why);
    CHECK(ok, "%s: modules_many, 32-bit lists, in groups of 3%s%s", label, ok ? "" : ": ", why);
    ok = many_match(w, procs, want, n, 0, 0, sts, seen, why, sizeof why);
    CHECK_QUIET(ok, "%s: modules_many without scratch%s%s", label, ok ? "" : ": ", why);
    free(want);
    free(sts);
    free(seen);
}

static void check_layer(const char *label, const w32i_image *img, memintro_phys *phys, const memintro_win32_hints *h,
                        memintro_win32_source want_dtb_src)
{
    static procs_seen ps;
    static mods_seen ms;
    memintro_win32 w;
    size_t msz = memintro_win32_mem_size(0);
    void *mem = malloc(msz);
    memintro_status st;
    char why[400];
    uint32_t i;
    int ok;
    memset(&w, 0, sizeof w);
    st = memintro_win32_init(&w, phys, h, 0, mem, msz);
    CHECK(st == MEMINTRO_OK, "%s: init (%s: %s)", label, memintro_status_str(st), memintro_win32_why(&w));
    if (st != MEMINTRO_OK) {
        free(mem);
        return;
    }
    CHECK(w.arch == img->arch && w.dtb == img->dtb && w.kernel_base == img->kernel_base &&
              w.kernel_size == img->kernel_size,
          "%s: arch %s dtb 0x%llx kernel 0x%llx+0x%llx (spec %s 0x%llx 0x%llx+0x%llx)", label,
          memintro_arch_name(w.arch), (unsigned long long)w.dtb, (unsigned long long)w.kernel_base,
          (unsigned long long)w.kernel_size, memintro_arch_name(img->arch), (unsigned long long)img->dtb,
          (unsigned long long)img->kernel_base, (unsigned long long)img->kernel_size);
    CHECK(w.build == img->build && w.major == img->major && w.minor == img->minor && w.build_flags == 0xf,
          "%s: build %u %u.%u flags 0x%x (spec %u %u.%u 0xf)", label, w.build, w.major, w.minor, w.build_flags,
          img->build, img->major, img->minor);
    CHECK(w.system_process == img->system_eprocess && w.ps_active_process_head == img->ps_active_process_head &&
              w.ps_loaded_module_list == img->ps_loaded_module_list,
          "%s: System 0x%llx heads 0x%llx 0x%llx", label, (unsigned long long)w.system_process,
          (unsigned long long)w.ps_active_process_head, (unsigned long long)w.ps_loaded_module_list);
    CHECK(w.dtb_source == want_dtb_src &&
              w.offsets_source == (img->unknown_build ? MEMINTRO_WIN32_SRC_LOCATOR : MEMINTRO_WIN32_SRC_TABLE),
          "%s: dtb from %s (spec %s), offsets from %s (spec %s)", label, memintro_win32_source_name(w.dtb_source),
          memintro_win32_source_name(want_dtb_src), memintro_win32_source_name(w.offsets_source),
          img->unknown_build ? "locator" : "table");

    /* the process list */
    ps.n = 0;
    st = memintro_win32_processes(&w, on_proc, &ps);
    ok = 1;
    why[0] = 0;
    for (i = 0; i < img->walk_limit && i < ps.n && ok; i++) {
        const memintro_win32_process *p = &ps.p[i];
        const w32i_process *q = &img->procs[i];
        if (p->eprocess != q->eprocess || p->pid != q->pid || p->ppid != q->ppid || strcmp(p->name, q->name) ||
            p->dtb != q->dtb || p->peb != q->peb || !!(p->flags & MEMINTRO_WIN32_PROC_WOW64) != q->wow64 ||
            (q->wow64 && p->peb32 != q->peb32) ||
            (!img->unknown_build && !!(p->flags & MEMINTRO_WIN32_PROC_EXITED) != q->exited)) {
            ok = 0;
            snprintf(why, sizeof why,
                     "entry %u: 0x%llx pid %llu ppid %llu \"%s\" dtb 0x%llx peb 0x%llx peb32 0x%llx flags 0x%x; spec 0x%llx "
                     "%llu %llu \"%s\" 0x%llx 0x%llx 0x%llx wow64 %d exited %d",
                     i, (unsigned long long)p->eprocess, (unsigned long long)p->pid, (unsigned long long)p->ppid,
                     p->name, (unsigned long long)p->dtb, (unsigned long long)p->peb, (unsigned long long)p->peb32,
                     p->flags, (unsigned long long)q->eprocess, (unsigned long long)q->pid,
                     (unsigned long long)q->ppid, q->name, (unsigned long long)q->dtb, (unsigned long long)q->peb,
                     (unsigned long long)q->peb32, q->wow64, q->exited);
        }
    }
    if (ok && ps.n != img->walk_limit) {
        ok = 0;
        snprintf(why, sizeof why, "%u processes, spec %u", ps.n, img->walk_limit);
    }
    if (ok && (damaged_list(img) ? st == MEMINTRO_OK : st != MEMINTRO_OK)) {
        ok = 0;
        snprintf(why, sizeof why, "status %s", memintro_status_str(st));
    }
    CHECK(ok, "%s: %s%u processes in order%s%s (%s)", label, damaged_list(img) ? "walk stops after " : "",
          img->walk_limit, ok ? "" : ": ", why, memintro_status_str(st));

    /* find by pid and by name */
    {
        memintro_win32_process f;
        const w32i_process *q = &img->procs[img->walk_limit > 2 ? 2 : 0];
        char nm[16];
        int okf = memintro_win32_process_find(&w, q->pid, NULL, &f) == MEMINTRO_OK && f.eprocess == q->eprocess;
        upper(nm, q->name);
        okf = okf && memintro_win32_process_find(&w, 0, nm, &f) == MEMINTRO_OK && f.eprocess == q->eprocess;
        /* a missing pid: E_NOTFOUND on an intact list; on a damaged one the pid may lie past the
           damage, so the walk's own status (never OK, never a silent "not found") */
        st = memintro_win32_process_find(&w, 999999, NULL, &f);
        okf = okf && (damaged_list(img) ? st != MEMINTRO_OK && st != MEMINTRO_E_NOTFOUND : st == MEMINTRO_E_NOTFOUND);
        CHECK(okf, "%s: process_find by pid %llu, by name %s, and a missing pid (%s)", label, (unsigned long long)q->pid,
              nm, memintro_status_str(st));
    }

    /* modules of every process the walk reported, and the marker through its own space */
    ok = 1;
    why[0] = 0;
    for (i = 0; i < img->walk_limit && i < ps.n && ok; i++) {
        const w32i_process *q = &img->procs[i];
        const memintro_win32_process *p = &ps.p[i];
        char w2[300];
        ms.n = 0;
        st = memintro_win32_modules(&w, p, 0, on_mod, &ms);
        if (!q->peb) {
            if (st != MEMINTRO_E_NOTFOUND || ms.n) {
                ok = 0;
                snprintf(why, sizeof why, "%s (no PEB): %s and %u modules", q->name, memintro_status_str(st), ms.n);
            }
            continue;
        }
        if (!mods_match(q->mods, q->nmods, &ms, st, w2, sizeof w2)) {
            ok = 0;
            snprintf(why, sizeof why, "%s pid %llu: %s", q->name, (unsigned long long)q->pid, w2);
            break;
        }
        ms.n = 0;
        st = memintro_win32_modules(&w, p, MEMINTRO_WIN32_MOD_WOW64, on_mod, &ms);
        if (q->wow64 ? !mods_match(q->mods32, q->nmods32, &ms, st, w2, sizeof w2)
                     : (st != MEMINTRO_E_NOTFOUND || ms.n != 0)) {
            if (!q->wow64) snprintf(w2, sizeof w2, "not WoW64, yet %s and %u modules", memintro_status_str(st), ms.n);
            ok = 0;
            snprintf(why, sizeof why, "%s pid %llu 32-bit list: %s", q->name, (unsigned long long)q->pid, w2);
            break;
        }
        if (q->marker_va) {
            memintro_virt pv;
            char buf[40];
            memset(buf, 0, sizeof buf);
            st = memintro_win32_process_virt(&w, p, &pv);
            if (st == MEMINTRO_OK) st = memintro_virt_read1(&pv, q->marker_va, buf, strlen(q->marker) + 1);
            if (st != MEMINTRO_OK || strcmp(buf, q->marker)) {
                ok = 0;
                snprintf(why, sizeof why, "%s pid %llu: marker at 0x%llx: %s \"%.32s\"", q->name,
                         (unsigned long long)q->pid, (unsigned long long)q->marker_va, memintro_status_str(st), buf);
            }
        }
    }
    CHECK(ok, "%s: modules of each process (WoW64 lists too) and a marker read in each process's space%s%s", label,
          ok ? "" : ": ", why);

    /* the same, all processes at once */
    check_many(label, img, &w, ps.p, img->walk_limit < ps.n ? img->walk_limit : ps.n);

    /* kernel modules */
    ms.n = 0;
    st = memintro_win32_modules(&w, NULL, 0, on_mod, &ms);
    ok = mods_match(img->kmods, img->nkmods, &ms, st, why, sizeof why);
    CHECK(ok, "%s: %u kernel modules, ntoskrnl.exe first%s%s", label, img->nkmods, ok ? "" : ": ", ok ? "" : why);

    /* PE images: exports of the kernel's modules and of every mapped module of each process
       (through its own address space), a paged-out export directory reported as such */
    ok = 1;
    why[0] = 0;
    for (i = 0; i < img->nkmods && ok; i++) ok = exports_match(&w.kernel, &img->kmods[i], why, sizeof why);
    for (i = 0; i < img->walk_limit && i < ps.n && ok; i++) {
        const w32i_process *q = &img->procs[i];
        memintro_virt pv;
        uint32_t j;
        if (!q->peb || memintro_win32_process_virt(&w, &ps.p[i], &pv) != MEMINTRO_OK) continue;
        for (j = 0; j < q->nmods && ok; j++) ok = exports_match(&pv, &q->mods[j], why, sizeof why);
        for (j = 0; j < q->nmods32 && ok; j++) ok = exports_match(&pv, &q->mods32[j], why, sizeof why);
    }
    CHECK(ok, "%s: exports of the kernel modules and of each process's modules%s%s", label, ok ? "" : ": ", why);
    free(mem);
}

/* Damaged loader lists (SYNTHETIC damage written into the generator's image, restored
   after): process A's second entry's Flink points at unmapped user memory, process B's
   first entry's Blink does not point back, process C's third entry's Flink points back at
   its second entry. Expected from the damage itself: A reports 2 modules then a non-OK
   status, B 0 modules and E_FORMAT, C 3 modules and E_FORMAT; every other process its whole
   spec list with OK; and each damaged process the same modules and status as
   memintro_win32_modules gives it alone. */
static int on_entry(void *user, const memintro_win32_module *m)
{
    uint64_t *e = (uint64_t *)user;
    if (e[0] < 4) e[1 + e[0]] = m->entry;
    e[0]++;
    return 0;
}

static int poke(memintro_win32 *w, const memintro_win32_process *p, w32i_image *img, uint64_t va, uint64_t v,
                uint8_t *save)
{
    unsigned k, ps = w->arch == MEMINTRO_ARCH_X86_64 ? 8 : 4;
    memintro_virt pv;
    memintro_xlate x;
    if (memintro_win32_process_virt(w, p, &pv) != MEMINTRO_OK) return 0;
    memset(&x, 0, sizeof x);
    x.va = va;
    if (memintro_translate(&pv, &x, 1) != MEMINTRO_OK || x.pa + 8 > img->size) return 0;
    memcpy(save, img->mem + x.pa, 8);
    for (k = 0; k < ps; k++) img->mem[x.pa + k] = (uint8_t)(v >> (8 * k)); /* little-endian */
    return 1;
}

static void check_many_damage(const char *label, w32i_image *img)
{
    static procs_seen ps;
    memintro_buffer b;
    memintro_win32 w;
    size_t msz = memintro_win32_mem_size(0), n, i;
    void *mem = malloc(msz);
    uint64_t ent[3][5], where[3];
    uint8_t save[3][8];
    int picked[3], np = 0, ok = 1, done[3] = {0, 0, 0};
    const w32i_process **want;
    memintro_status *sts;
    mods_seen *seen;
    char why[400] = "";
    memintro_buffer_init(&b, img->mem, img->size, NULL, 0);
    if (memintro_win32_init(&w, &b.phys, NULL, 0, mem, msz) != MEMINTRO_OK) {
        CHECK(0, "%s: modules_many on damaged loader lists: init", label);
        free(mem);
        return;
    }
    ps.n = 0;
    memintro_win32_processes(&w, on_proc, &ps);
    n = ps.n < img->walk_limit ? ps.n : img->walk_limit;
    for (i = 0; i < n && np < 3; i++) {
        if (!img->procs[i].peb || img->procs[i].nmods < 4) continue;
        memset(ent[np], 0, sizeof ent[np]);
        memintro_win32_modules(&w, &ps.p[i], 0, on_entry, ent[np]);
        if (ent[np][0] < 4) continue;
        picked[np++] = (int)i;
    }
    if (np < 3) {
        CHECK(0, "%s: modules_many on damaged loader lists: three processes with 4 modules (%d)", label, np);
        free(mem);
        return;
    }
    where[0] = ent[0][2];     /* A: entry 1's Flink */
    where[1] = ent[1][1] + (w.arch == MEMINTRO_ARCH_X86_64 ? 8 : 4); /* B: entry 0's Blink */
    where[2] = ent[2][3];     /* C: entry 2's Flink */
    done[0] = poke(&w, &ps.p[picked[0]], img, where[0], 0x7ead0000ull, save[0]);
    done[1] = poke(&w, &ps.p[picked[1]], img, where[1], ent[1][1] + 0x100, save[1]);
    done[2] = poke(&w, &ps.p[picked[2]], img, where[2], ent[2][2], save[2]);
    memintro_tlb_flush(&w.tlb);
    want = (const w32i_process **)calloc(n + 1, sizeof *want);
    sts = (memintro_status *)calloc(n + 1, sizeof *sts);
    seen = (mods_seen *)calloc(n + 1, sizeof *seen);
    for (i = 0; i < n; i++)
        want[i] = ((int)i == picked[0] || (int)i == picked[1] || (int)i == picked[2]) ? NULL : &img->procs[i];
    ok = done[0] && done[1] && done[2];
    if (!ok) snprintf(why, sizeof why, "could not write the damage");
    ok = ok && many_match(&w, ps.p, want, n, 0, n, sts, seen, why, sizeof why);
    if (ok) {
        static const uint32_t nwant[3] = {2, 0, 3};
        int k;
        for (k = 0; k < 3 && ok; k++) {
            int j = picked[k];
            mods_seen alone;
            memintro_status sa;
            uint32_t m;
            alone.n = 0;
            sa = memintro_win32_modules(&w, &ps.p[j], 0, on_mod, &alone);
            if (seen[j].n != nwant[k] || sts[j] == MEMINTRO_OK || (k > 0 && sts[j] != MEMINTRO_E_FORMAT)) {
                ok = 0;
                snprintf(why, sizeof why, "damaged process %c: %u modules and %s, expected %u and %s", 'A' + k, seen[j].n,
                         memintro_status_str(sts[j]), nwant[k], k ? "E_FORMAT" : "a failure");
            } else if (alone.n != seen[j].n || sa != sts[j]) {
                ok = 0;
                snprintf(why, sizeof why, "damaged process %c: alone %u modules and %s, many %u and %s", 'A' + k, alone.n,
                         memintro_status_str(sa), seen[j].n, memintro_status_str(sts[j]));
            }
            for (m = 0; ok && m < seen[j].n; m++)
                if (seen[j].m[m].base != img->procs[j].mods[m].base ||
                    (!img->procs[j].mods[m].damaged && strcmp(seen[j].m[m].name, img->procs[j].mods[m].name))) {
                    ok = 0;
                    snprintf(why, sizeof why, "damaged process %c: module %u is not the spec's", 'A' + k, m);
                }
        }
    }
    CHECK(ok, "%s: modules_many with three damaged loader lists: each ends its own walk, the others complete%s%s", label,
          ok ? "" : ": ", why);
    /* the image as it was */
    for (i = 0; i < 3; i++)
        if (done[i]) {
            memintro_virt pv;
            memintro_xlate x;
            memintro_win32_process_virt(&w, &ps.p[picked[i]], &pv);
            memset(&x, 0, sizeof x);
            x.va = where[i];
            memintro_translate(&pv, &x, 1);
            memcpy(img->mem + x.pa, save[i], 8);
        }
    free(want);
    free(sts);
    free(seen);
    free(mem);
}

/* Batches: a backend without direct access (as over system calls) that counts the batches
   and ops it is handed. SYNTHETIC image: 200 processes besides System with 8 modules each
   (build 19045, 256 MiB, as bench_win32.c lists). The per-process walk
   (memintro_win32_modules for each process) against memintro_win32_modules_many over all
   of them, each from a flushed TLB (cold) and again (warm); both must list the spec's
   modules, and modules_many must issue far fewer physical batches. */
typedef struct counting {
    memintro_phys phys;
    memintro_phys *below;
    uint64_t calls, ops;
} counting;
static memintro_status counting_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    counting *c = (counting *)self;
    c->calls++;
    c->ops += count;
    return c->below->read(c->below, ops, count);
}

typedef struct mod_count {
    uint64_t n;
} mod_count;
static int count_mod(void *user, const memintro_win32_module *m)
{
    (void)m;
    ((mod_count *)user)->n++;
    return 0;
}
static int count_many(void *user, size_t index, const memintro_win32_process *p, const memintro_win32_module *m)
{
    (void)index;
    (void)p;
    (void)m;
    ((mod_count *)user)->n++;
    return 0;
}

static void check_many_batches(size_t tlb_entries)
{
    static procs_seen ps;
    w32i_options o;
    w32i_image img;
    memintro_buffer b;
    counting c;
    memintro_win32 w;
    size_t msz = memintro_win32_mem_size(tlb_entries), i, ssz;
    void *mem = malloc(msz), *scratch;
    uint64_t want = 0, per_calls[2], per_ops[2], many_calls[2], many_ops[2];
    mod_count k1[2], k2[2];
    int pass;
    memset(&o, 0, sizeof o);
    o.build = 19045;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.ram_size = 256ull << 20;
    o.nprocs = 200;
    o.nmods = 8;
    if (w32i_build(&o, &img) != 0) {
        CHECK(0, "batches: the generator builds 200 processes x 8 modules");
        free(mem);
        return;
    }
    for (i = 0; i < img.nprocs; i++)
        if (img.procs[i].peb) want += img.procs[i].nmods;
    memintro_buffer_init(&b, img.mem, img.size, NULL, 0);
    memset(&c, 0, sizeof c);
    c.phys.read = counting_read; /* no direct access: every read is a batch */
    c.below = &b.phys;
    if (memintro_win32_init(&w, &c.phys, NULL, tlb_entries, mem, msz) != MEMINTRO_OK) {
        CHECK(0, "batches: init over the counting backend");
        w32i_free(&img);
        free(mem);
        return;
    }
    ps.n = 0;
    memintro_win32_processes(&w, on_proc, &ps);
    ssz = memintro_win32_modules_many_size(ps.n);
    scratch = malloc(ssz);
    for (pass = 0; pass < 2; pass++) { /* 0: cold TLB, 1: warm */
        if (!pass) memintro_tlb_flush(&w.tlb);
        c.calls = c.ops = 0;
        k1[pass].n = 0;
        for (i = 0; i < ps.n; i++)
            if (ps.p[i].peb) memintro_win32_modules(&w, &ps.p[i], 0, count_mod, &k1[pass]);
        per_calls[pass] = c.calls;
        per_ops[pass] = c.ops;
    }
    for (pass = 0; pass < 2; pass++) {
        if (!pass) memintro_tlb_flush(&w.tlb);
        c.calls = c.ops = 0;
        k2[pass].n = 0;
        memintro_win32_modules_many(&w, ps.p, ps.n, 0, NULL, count_many, &k2[pass], scratch, ssz);
        many_calls[pass] = c.calls;
        many_ops[pass] = c.ops;
    }
    printf("# batches for %u processes x 8 modules (%llu modules), TLB of %zu entries: per-process walk cold %llu ops in %llu batches, warm "
           "%llu ops in %llu batches; modules_many cold %llu ops in %llu batches, warm %llu ops in %llu batches\n",
           ps.n, (unsigned long long)want, tlb_entries ? tlb_entries : (size_t)4096, (unsigned long long)per_ops[0], (unsigned long long)per_calls[0],
           (unsigned long long)per_ops[1], (unsigned long long)per_calls[1], (unsigned long long)many_ops[0],
           (unsigned long long)many_calls[0], (unsigned long long)many_ops[1], (unsigned long long)many_calls[1]);
    CHECK(k1[0].n == want && k1[1].n == want && k2[0].n == want && k2[1].n == want,
          "batches: both walks list the spec's %llu modules (%llu %llu %llu %llu)", (unsigned long long)want,
          (unsigned long long)k1[0].n, (unsigned long long)k1[1].n, (unsigned long long)k2[0].n,
          (unsigned long long)k2[1].n);
    /* warm, what is left are the TLB's misses (direct-mapped: 200 address spaces conflict in
       4096 entries, and a little in 65536, their user pages being at the same addresses;
       each miss is a walk of its own process, one batch per level) */
    CHECK(many_calls[1] * (tlb_entries >= 65536 ? 20 : 4) <= per_calls[1],
          "batches, warm, TLB %zu: modules_many %llu physical batches, the per-process walk %llu (at least %dx fewer)",
          tlb_entries ? tlb_entries : (size_t)4096, (unsigned long long)many_calls[1], (unsigned long long)per_calls[1],
          tlb_entries >= 65536 ? 20 : 4);
    CHECK(many_calls[0] * 2 <= per_calls[0],
          "batches, cold, TLB %zu: modules_many %llu physical batches, the per-process walk %llu (at least 2x fewer)",
          tlb_entries ? tlb_entries : (size_t)4096, (unsigned long long)many_calls[0], (unsigned long long)per_calls[0]);
    free(scratch);
    w32i_free(&img);
    free(mem);
}

/* The process walk's cost: one batch per EPROCESS, also for WoW64 processes (their PEB32
   pointer rides in the next EPROCESS's batch), plus one for the list head. SYNTHETIC image
   (x64 19045 with WoW64 processes), counting backend without direct access, warm TLB. */
static void check_process_batches(void)
{
    static procs_seen ps;
    w32i_options o;
    w32i_image img;
    memintro_buffer b;
    counting c;
    memintro_win32 w;
    size_t msz = memintro_win32_mem_size(0);
    void *mem = malloc(msz);
    uint32_t i, nwow = 0;
    int ok;
    memset(&o, 0, sizeof o);
    o.build = 19045;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.flags = W32I_WOW64;
    o.ram_size = 16u << 20;
    if (w32i_build(&o, &img) != 0) {
        CHECK(0, "process batches: the generator builds the image");
        free(mem);
        return;
    }
    for (i = 0; i < img.nprocs; i++) nwow += img.procs[i].wow64 != 0;
    memintro_buffer_init(&b, img.mem, img.size, NULL, 0);
    memset(&c, 0, sizeof c);
    c.phys.read = counting_read;
    c.below = &b.phys;
    ok = memintro_win32_init(&w, &c.phys, NULL, 0, mem, msz) == MEMINTRO_OK;
    if (ok) {
        ps.n = 0;
        memintro_win32_processes(&w, on_proc, &ps); /* warms the TLB */
        ps.n = 0;
        c.calls = c.ops = 0;
        ok = memintro_win32_processes(&w, on_proc, &ps) == MEMINTRO_OK && ps.n == img.nprocs;
        for (i = 0; ok && i < ps.n; i++)
            ok = !!(ps.p[i].flags & MEMINTRO_WIN32_PROC_WOW64) == img.procs[i].wow64 &&
                 (!img.procs[i].wow64 || ps.p[i].peb32 == img.procs[i].peb32);
    }
    CHECK(ok && nwow > 0 && c.calls == (uint64_t)img.nprocs + 1,
          "process walk: %u processes (%u WoW64, PEB32 as the spec) in %llu physical batches (spec: one per EPROCESS "
          "and one for the head, %u)",
          ps.n, nwow, (unsigned long long)c.calls, img.nprocs + 1);
    w32i_free(&img);
    free(mem);
}

/* ---- one image through every container ------------------------------------------------------ */

static void check_image(const char *label, const w32i_options *o)
{
    w32i_image img;
    char why[300], path[512], spec[600], l2[200];
    memintro_buffer b;
    memintro_win32_source nohint;
    static const char *const kinds[] = {"raw", "dmp", "elf"};
    int k;
    if (w32i_build(o, &img) != 0) {
        CHECK(0, "%s: the generator builds the image", label);
        return;
    }
    CHECK(core_check(&img, why, sizeof why), "%s: the image as the core sees it (page tables, list, markers)%s%s",
          label, why[0] ? ": " : "", why);
    nohint = img.low_stub ? MEMINTRO_WIN32_SRC_LOW_STUB : MEMINTRO_WIN32_SRC_SCAN;
    for (k = 0; k < 3; k++) {
        memintro_coredump d;
        memintro_target t;
        memintro_win32_hints h;
        memintro_phys *phys;
        memintro_status st;
        int wr;
        snprintf(path, sizeof path, "%s/%s.%s", tmpdir, label, kinds[k]);
        wr = k == 0 ? w32i_write_raw(&img, path) : k == 1 ? w32i_write_crashdump(&img, path) : w32i_write_elf(&img, path);
        CHECK_QUIET(wr == 0, "%s: wrote %s", label, path);
        memset(&d, 0, sizeof d);
        if (k == 0) {
            /* (a) the bytes themselves */
            memintro_buffer_init(&b, img.mem, img.size, NULL, 0);
            phys = &b.phys;
        } else {
            st = memintro_coredump_open(&d, path, NULL);
            CHECK(st == MEMINTRO_OK, "%s [%s]: memintro_coredump_open (%s)", label, kinds[k], memintro_coredump_error(&d));
            if (st != MEMINTRO_OK) continue;
            phys = &d.phys;
            /* the container holds the image's bytes (the writers, before the layer) */
            {
                static uint8_t buf[1 << 16];
                uint64_t a, bad = 0;
                uint32_t r;
                for (r = 0; r < img.nruns; r++)
                    for (a = img.run_start[r]; a < img.run_start[r] + img.run_size[r] && bad < 4; a += sizeof buf) {
                        uint64_t n = img.run_start[r] + img.run_size[r] - a;
                        if (n > sizeof buf) n = sizeof buf;
                        /* past the first 64 MiB only the chunks the generator wrote to (a
                           4 GiB image is mostly never-touched zero pages) */
                        if (a >= (64u << 20)) {
                            unsigned char vec[16];
                            size_t pg, np = (size_t)((n + 4095) >> 12);
                            int touched = mincore(img.mem + a, (size_t)n, vec) != 0;
                            for (pg = 0; pg < np && !touched; pg++) touched = vec[pg] & 1;
                            if (!touched) continue;
                        }
                        if (memintro_phys_read1(phys, a, buf, (size_t)n) != MEMINTRO_OK || memcmp(buf, img.mem + a, (size_t)n))
                            bad++;
                    }
                CHECK(bad == 0 && d.map.count == img.nruns, "%s [%s]: the file holds the image's %u physical runs byte for byte",
                      label, kinds[k], img.nruns);
            }
        }
        snprintf(l2, sizeof l2, "%s [%s]", label, kinds[k]);
        check_layer(l2, &img, phys, NULL, nohint);
        if (k == 0 && !img.damaged) check_many_damage(label, &img);
        /* with the target's hints */
        snprintf(spec, sizeof spec, "%s:%s", k == 0 ? "raw" : "dump", path);
        memset(&t, 0, sizeof t);
        st = memintro_target_open(&t, spec, NULL);
        CHECK(st == MEMINTRO_OK, "%s [%s]: memintro_target_open (%s)", label, kinds[k], memintro_target_error(&t));
        if (st == MEMINTRO_OK) {
            memset(&h, 0, sizeof h);
            memintro_win32_hints_from_target(&t, &h);
            if (k == 1)
                CHECK(h.dtb == img.dtb && h.ps_active_process_head == img.ps_active_process_head &&
                          h.ps_loaded_module_list == img.ps_loaded_module_list &&
                          h.kd_debugger_data_block == img.kd_debugger_data_block && h.kernel_address == img.kernel_rip,
                      "%s [dmp]: hints from the dump header (dtb 0x%llx, heads, KdDebuggerDataBlock, RIP)", label,
                      (unsigned long long)h.dtb);
            if (k == 2)
                CHECK(h.dtb == img.dtb && h.kernel_address == img.kernel_rip,
                      "%s [elf]: hints from the CPU note (CR3 0x%llx, RIP 0x%llx)", label, (unsigned long long)h.dtb,
                      (unsigned long long)h.kernel_address);
            snprintf(l2, sizeof l2, "%s [%s, target hints]", label, kinds[k]);
            check_layer(l2, &img, t.phys, &h,
                        k == 0 ? nohint : k == 1 ? MEMINTRO_WIN32_SRC_DUMP : MEMINTRO_WIN32_SRC_CPU);
            memintro_target_close(&t);
        }
        if (k) memintro_coredump_close(&d);
        remove(path);
    }
    w32i_free(&img);
}

static void on_alarm(int sig)
{
    (void)sig;
    printf("not ok - test_win32: timed out (a walk hangs?)\n");
    fflush(stdout);
    _exit(1);
}

int main(void)
{
    static const uint32_t x64_builds[] = {7601,  9200,  9600,  10240, 10586, 14393, 15063, 16299, 17134,
                                          17763, 18362, 18363, 19041, 19045, 22000, 22621, 22631, 26100};
    /* x86 18362/18363 are not here: no x86 layout of that build was found (the generator's
       table says so; the line printed below says it at every run) */
    static const uint32_t x86_builds[] = {7601,  9200,  9600,  10240, 10586, 14393, 15063,
                                          16299, 17134, 17763, 19041, 19045};
    static const struct {
        const char *name;
        uint32_t flags;
    } variants[] = {{"nostub", W32I_NO_LOW_STUB | W32I_WOW64},
                    {"cycle", W32I_CYCLE},
                    {"wild", W32I_WILD_POINTER},
                    {"absurd", W32I_ABSURD_NAME | W32I_WOW64},
                    {"selfpte", W32I_SELF_PTE}};
    w32i_options o;
    char label[96];
    size_t i, m;
    signal(SIGALRM, on_alarm);
#ifdef MEMINTRO_TEST_SANITIZED
    alarm(600);
#else
    alarm(240);
#endif
    snprintf(tmpdir, sizeof tmpdir, "build/test-win32-%ld", (long)getpid());
    mkdir("build", 0777);
    CHECK(mkdir(tmpdir, 0777) == 0, "made %s", tmpdir);

    /* the checks can fail: the core's view of an image against a spec with one wrong pid, one
       wrong module base, one wrong kernel module name */
    {
        w32i_image img;
        char why[300];
        uint64_t keep;
        memset(&o, 0, sizeof o);
        o.build = 19045;
        o.arch = MEMINTRO_ARCH_X86_64;
        o.flags = W32I_WOW64;
        o.ram_size = 16u << 20;
        CHECK(w32i_build(&o, &img) == 0 && core_check(&img, why, sizeof why), "control: an intact spec passes");
        keep = img.procs[3].pid;
        img.procs[3].pid += 4;
        CHECK(!core_check(&img, why, sizeof why), "control: a wrong pid in the spec fails (%s)", why);
        img.procs[3].pid = keep;
        keep = img.procs[3].mods[1].base;
        img.procs[3].mods[1].base += 0x1000;
        CHECK(!core_check(&img, why, sizeof why), "control: a wrong module base fails (%s)", why);
        img.procs[3].mods[1].base = keep;
        img.kmods[2].name[0] ^= 0x20;
        CHECK(!core_check(&img, why, sizeof why), "control: a wrong kernel module name fails (%s)", why);
        w32i_free(&img);
    }
    for (i = 0; i < sizeof x64_builds / sizeof x64_builds[0]; i++) {
        memset(&o, 0, sizeof o);
        o.build = x64_builds[i];
        o.arch = MEMINTRO_ARCH_X86_64;
        o.flags = W32I_WOW64;
        o.ram_size = 16u << 20;
        o.nmods = 7;
        if (!w32i_offsets_find(o.build, 1)) {
            CHECK(0, "x64 %u: the generator's table has the build", o.build);
            continue;
        }
        snprintf(label, sizeof label, "x64-%u", o.build);
        check_image(label, &o);
    }
    printf("skip - x86 18362/18363: no x86 layout of the build in the generator's sources, not in its table\n");
    for (m = 0; m < 2; m++)
        for (i = 0; i < sizeof x86_builds / sizeof x86_builds[0]; i++) {
            memset(&o, 0, sizeof o);
            o.build = x86_builds[i];
            o.arch = m ? MEMINTRO_ARCH_X86 : MEMINTRO_ARCH_X86_PAE;
            o.ram_size = 16u << 20;
            o.nmods = 7;
            /* 32-bit paging without PAE exists up to Windows 7 only (Windows 8 and later need
               PAE with NX on x86) */
            if (m && o.build >= 9200) continue;
            if (!w32i_offsets_find(o.build, 0)) {
                CHECK(0, "x86 %u: the generator's table has the build", o.build);
                continue;
            }
            snprintf(label, sizeof label, "%s-%u", m ? "x86" : "pae", o.build);
            check_image(label, &o);
        }
    for (i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        memset(&o, 0, sizeof o);
        o.build = 19045;
        o.arch = MEMINTRO_ARCH_X86_64;
        o.flags = variants[i].flags;
        o.ram_size = 16u << 20;
        o.nmods = 7;
        snprintf(label, sizeof label, "x64-19045-%s", variants[i].name);
        check_image(label, &o);
        if (variants[i].flags & W32I_NO_LOW_STUB) continue; /* x86 never has the stub */
        o.arch = MEMINTRO_ARCH_X86_PAE;
        o.flags &= ~(uint32_t)W32I_WOW64;
        snprintf(label, sizeof label, "pae-19045-%s", variants[i].name);
        check_image(label, &o);
    }
    /* builds no table has: the locator */
    memset(&o, 0, sizeof o);
    o.build = 27999;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.flags = W32I_UNKNOWN_BUILD | W32I_WOW64;
    o.ram_size = 16u << 20;
    check_image("x64-27999-unknown", &o);
    o.arch = MEMINTRO_ARCH_X86_PAE;
    o.flags = W32I_UNKNOWN_BUILD;
    o.build = 19999;
    check_image("pae-19999-unknown", &o);
    /* and the locator on a 32-bit-paging kernel (Windows 7's layout moved) */
    o.arch = MEMINTRO_ARCH_X86;
    o.build = 7699;
    check_image("x86-7699-unknown", &o);
    /* 4 GiB of RAM (sparse: only what the generator writes exists): 3 GiB below the PCI hole,
       1 GiB from 4 GiB on, user pages up there */
    memset(&o, 0, sizeof o);
    o.build = 19045;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.flags = W32I_WOW64 | W32I_NO_LOW_STUB;
    o.ram_size = 4ull << 30;
    check_image("x64-19045-4g", &o);
    /* PAE with RAM above 4 GiB (user pages there: 36-bit frames in the tables) */
    o.arch = MEMINTRO_ARCH_X86_PAE;
    o.flags = 0;
    o.build = 17763;
    check_image("pae-17763-4g", &o);
    /* other seeds: other kernel bases, pool addresses, self-reference indexes, pids */
    for (i = 1; i <= 3; i++) {
        memset(&o, 0, sizeof o);
        o.build = i == 2 ? 26100 : 22631;
        o.arch = MEMINTRO_ARCH_X86_64;
        o.flags = W32I_WOW64 | (i == 3 ? W32I_NO_LOW_STUB : 0);
        o.ram_size = 16u << 20;
        o.seed = 0x5eed0000u + (uint32_t)i;
        snprintf(label, sizeof label, "x64-%u-seed%u", o.build, (unsigned)i);
        check_image(label, &o);
    }
    /* more processes and modules than the default, 64 MiB */
    memset(&o, 0, sizeof o);
    o.build = 22631;
    o.arch = MEMINTRO_ARCH_X86_64;
    o.flags = W32I_WOW64;
    o.nprocs = 60;
    o.nmods = 12;
    check_image("x64-22631-many", &o);
    check_process_batches();
    check_many_batches(0);
    check_many_batches(65536);

    rmdir(tmpdir);
    return check_done();
}
