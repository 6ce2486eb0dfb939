/* tests/test_win32_pe.c: memintro_win32.h's PE reader (memintro_pe_*).

   REAL data: wine's PE DLLs (Debian's libwine, which wine64 pulls in:
   x86_64-windows/ under /usr/lib/x86_64-linux-gnu/wine holds PE32+ DLLs, i386-windows/zlib1.dll is
   PE32) and DLLs this test builds with x86_64-w64-mingw32-gcc and i686-w64-mingw32-gcc (named
   exports, an export by ordinal only (NONAME in a .def file), a forwarder, a DATA export,
   imports by name and by ordinal). EXPECTED values come from x86_64-w64-mingw32-objdump -p and
   -h, which this test runs on each file and parses itself: headers, data directories,
   sections, the export table, the import tables.

   SYNTHETIC data: the guest images of the mapped-path tests (hand-built x86-64 page tables over
   a memintro_buffer, a real DLL loaded at its RVAs, pages left unmapped on purpose, an IAT
   filled with made-up "resolved" addresses), whose expected results are objdump's values run
   through a model of which bytes the test left unmapped; and the damaged images (a real DLL's
   bytes with fields overwritten by the test, or cut short), which must give a status, never a
   crash (this test also runs under ASan and UBSan). Nothing expected comes from the code under
   test. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testimg.h"

#define OBJDUMP "x86_64-w64-mingw32-objdump"
#define WINE64 "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/"
#define WINE32 "/usr/lib/x86_64-linux-gnu/wine/i386-windows/"

/* ---- objdump's view of a file ---------------------------------------------------------- */

typedef struct xeat { /* one Export Address Table line */
    uint32_t index, rva;
    int fwd;
    char fwdname[256];
} xeat;
typedef struct xname { /* one [Ordinal/Name Pointer] Table line, in name-table order */
    uint32_t index;
    char name[256];
} xname;
typedef struct ximp { /* one import line */
    char dll[128];
    uint32_t desc_rva, name_rva, oft, ft, slot;
    int by_ord;
    uint32_t hint;
    uint64_t raw; /* the thunk's value: the hint/name RVA, or the ordinal with its flag */
    char name[256];
} ximp;
typedef struct xsec {
    char name[64];
    uint32_t size, fileoff;
    uint64_t vma;
} xsec;
typedef struct xdll { /* one import descriptor */
    char dll[128];
    uint32_t desc_rva, oft, name_rva, ft, count;
} xdll;

typedef struct obj {
    int ok, is64;
    uint64_t image_base;
    uint32_t size_of_image, size_of_headers, entry, nrva, characteristics;
    uint32_t dir_rva[16], dir_size[16];
    int has_exports;
    char exp_name[256];
    uint32_t ord_base, n_eat, n_names, eat_rva, names_rva, ords_rva;
    xeat *eat;
    size_t neat;
    xname *names;
    size_t nnames;
    ximp *imps;
    size_t nimps;
    xdll dlls[256];
    size_t ndlls;
    uint32_t import_end_rva; /* the all-zero descriptor */
    xsec secs[128];
    size_t nsecs;
} obj;

static void obj_free(obj *o)
{
    free(o->eat);
    free(o->names);
    free(o->imps);
    memset(o, 0, sizeof *o);
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
}

/* the value after a "Key<whitespace>" at the start of a line */
static const char *field(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) || (line[n] != ' ' && line[n] != '\t')) return NULL;
    line += n;
    while (*line == ' ' || *line == '\t') line++;
    return line;
}

static int objdump_parse(const char *path, obj *o)
{
    char cmd[1024], line[2048];
    FILE *f;
    enum { NONE, IMPORTS, EAT, NAMES } st = NONE;
    int eat_count_seen = 0;
    ximp cur;
    memset(o, 0, sizeof *o);
    memset(&cur, 0, sizeof cur);
    o->eat = (xeat *)calloc(70000, sizeof *o->eat);
    o->names = (xname *)calloc(70000, sizeof *o->names);
    o->imps = (ximp *)calloc(70000, sizeof *o->imps);
    if (!o->eat || !o->names || !o->imps) return 0;
    snprintf(cmd, sizeof cmd, OBJDUMP " -p '%s' 2>/dev/null", path);
    f = popen(cmd, "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        const char *v;
        unsigned a, b, c, d, e, g;
        unsigned long long x;
        chomp(line);
        if (!line[0]) {
            if (st == EAT || st == NAMES) st = NONE;
            continue;
        }
        if ((v = field(line, "Characteristics")) && st == NONE) sscanf(v, "%x", &o->characteristics);
        if ((v = field(line, "Magic"))) o->is64 = strstr(v, "PE32+") != NULL;
        if ((v = field(line, "AddressOfEntryPoint"))) sscanf(v, "%x", &o->entry);
        if ((v = field(line, "ImageBase"))) sscanf(v, "%llx", &x), o->image_base = x;
        if ((v = field(line, "SizeOfImage"))) sscanf(v, "%x", &o->size_of_image);
        if ((v = field(line, "SizeOfHeaders"))) sscanf(v, "%x", &o->size_of_headers);
        if ((v = field(line, "NumberOfRvaAndSizes"))) sscanf(v, "%x", &o->nrva);
        if (sscanf(line, "Entry %x %llx %x", &a, &x, &b) == 3 && a < 16) {
            o->dir_rva[a] = (uint32_t)x;
            o->dir_size[a] = b;
            continue;
        }
        if (strstr(line, "The Import Tables")) {
            st = IMPORTS;
            continue;
        }
        if (strstr(line, "The Export Tables")) {
            st = NONE;
            o->has_exports = 1;
            continue;
        }
        if (!strncmp(line, "There is ", 9) || !strncmp(line, "The ", 4) || !strncmp(line, "PE File", 7)) {
            if (st == IMPORTS) st = NONE;
        }
        if (st == IMPORTS) {
            if (sscanf(line, " %x %x %x %x %x %x", &a, &b, &c, &d, &e, &g) == 6 && line[0] == ' ') {
                if (!e && !g) {
                    o->import_end_rva = a;
                    continue;
                }
                memset(&cur, 0, sizeof cur);
                cur.desc_rva = a;
                cur.oft = b;
                cur.name_rva = e;
                cur.ft = g;
                cur.slot = 0;
                if (o->ndlls < 256) {
                    o->dlls[o->ndlls].desc_rva = a;
                    o->dlls[o->ndlls].oft = b;
                    o->dlls[o->ndlls].name_rva = e;
                    o->dlls[o->ndlls].ft = g;
                    o->ndlls++;
                }
                continue;
            }
            if ((v = strstr(line, "DLL Name: "))) {
                snprintf(cur.dll, sizeof cur.dll, "%s", v + 10);
                if (o->ndlls) snprintf(o->dlls[o->ndlls - 1].dll, sizeof o->dlls[0].dll, "%s", v + 10);
                continue;
            }
            if (strstr(line, "vma:") && strstr(line, "Hint")) continue;
            if (line[0] == '\t' && sscanf(line, "\t%llx\t", &x) == 1 && o->nimps < 70000 && o->ndlls) {
                ximp *m = &o->imps[o->nimps++];
                *m = cur;
                m->raw = x;
                m->slot = o->dlls[o->ndlls - 1].count++;
                if (strstr(line, "<none>")) {
                    m->by_ord = 1;
                    m->hint = (uint32_t)(x & 0xffff);
                } else {
                    char nm[256];
                    unsigned h;
                    if (sscanf(line, "\t%llx\t%u %255s", &x, &h, nm) == 3) {
                        m->hint = h;
                        snprintf(m->name, sizeof m->name, "%s", nm);
                    }
                }
            }
            continue;
        }
        if (o->has_exports && st == NONE) {
            if ((v = field(line, "Name")) && sscanf(v, "%llx", &x) == 1) {
                const char *sp = strchr(v, ' ');
                if (sp) snprintf(o->exp_name, sizeof o->exp_name, "%s", sp + 1);
                continue;
            }
            if ((v = field(line, "Ordinal Base"))) {
                sscanf(v, "%u", &o->ord_base);
                continue;
            }
            if ((v = field(line, "\tExport Address Table"))) {
                sscanf(v, "%llx", &x);
                if (!eat_count_seen++)
                    o->n_eat = (uint32_t)x;
                else
                    o->eat_rva = (uint32_t)x;
                continue;
            }
            if ((v = field(line, "\t[Name Pointer/Ordinal] Table"))) sscanf(v, "%x", &o->n_names);
            if ((v = field(line, "\tName Pointer Table"))) sscanf(v, "%llx", &x), o->names_rva = (uint32_t)x;
            if ((v = field(line, "\tOrdinal Table"))) sscanf(v, "%llx", &x), o->ords_rva = (uint32_t)x;
            if (!strncmp(line, "Export Address Table --", 23)) {
                st = EAT;
                continue;
            }
            if (!strncmp(line, "[Ordinal/Name Pointer] Table", 28)) {
                st = NAMES;
                continue;
            }
        }
        if (st == EAT) {
            unsigned idx, bo, rva;
            if (sscanf(line, "\t[%u] +base[%u] %x", &idx, &bo, &rva) == 3 && o->neat < 70000) {
                xeat *m = &o->eat[o->neat++];
                m->index = idx;
                m->rva = rva;
                v = strstr(line, "Forwarder RVA -- ");
                if (v) {
                    m->fwd = 1;
                    snprintf(m->fwdname, sizeof m->fwdname, "%s", v + 17);
                }
            }
            continue;
        }
        if (st == NAMES) {
            unsigned idx;
            char nm[256];
            if (sscanf(line, "\t[%u] %255s", &idx, nm) == 2 && o->nnames < 70000) {
                o->names[o->nnames].index = idx;
                snprintf(o->names[o->nnames].name, sizeof o->names[0].name, "%s", nm);
                o->nnames++;
            }
            continue;
        }
    }
    if (pclose(f) != 0) return 0;
    /* sections: objdump -h */
    snprintf(cmd, sizeof cmd, OBJDUMP " -h '%s' 2>/dev/null", path);
    f = popen(cmd, "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        unsigned idx, size, off;
        unsigned long long vma, lma;
        char nm[64];
        if (sscanf(line, " %u %63s %x %llx %llx %x", &idx, nm, &size, &vma, &lma, &off) == 6 && o->nsecs < 128) {
            xsec *s = &o->secs[o->nsecs++];
            snprintf(s->name, sizeof s->name, "%s", nm);
            s->size = size;
            s->vma = vma;
            s->fileoff = off;
        }
    }
    if (pclose(f) != 0) return 0;
    o->ok = o->size_of_image != 0;
    return o->ok;
}

/* ---- files ----------------------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = (uint8_t *)malloc(n > 0 ? (size_t)n : 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* ---- what the reader returns, collected ---------------------------------------------- */

typedef struct got_exp {
    memintro_pe_export *e;
    size_t n, cap;
} got_exp;
static int on_export(void *u, const memintro_pe_export *e)
{
    got_exp *g = (got_exp *)u;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->e = (memintro_pe_export *)realloc(g->e, g->cap * sizeof *g->e);
    }
    g->e[g->n++] = *e;
    return 0;
}
typedef struct got_imp {
    memintro_pe_import *i;
    size_t n, cap;
} got_imp;
static int on_import(void *u, const memintro_pe_import *i)
{
    got_imp *g = (got_imp *)u;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->i = (memintro_pe_import *)realloc(g->i, g->cap * sizeof *g->i);
    }
    g->i[g->n++] = *i;
    return 0;
}
static int stop_after_3(void *u, const memintro_pe_export *e)
{
    (void)e;
    return ++*(int *)u == 3;
}

/* ---- the model of a partly unmapped image -------------------------------------------- */

/* which 4 KiB pages of the image (by RVA) are present; NULL: all */
typedef struct pagemap {
    const uint8_t *absent; /* absent[rva >> 12] */
    uint32_t npages;
} pagemap;

static int readable(const pagemap *m, uint64_t rva, uint64_t len)
{
    uint64_t p;
    if (!m || !m->absent) return 1;
    if (!len) return 1;
    for (p = rva >> 12; p <= (rva + len - 1) >> 12; p++)
        if (p < m->npages && m->absent[p]) return 0;
    return 1;
}

/* The file's own bytes at an RVA (for the model: where a name string lies). */
static uint32_t file_u32_at_rva(const uint8_t *file, size_t size, const obj *o, uint32_t rva)
{
    size_t i;
    for (i = 0; i < o->nsecs; i++) {
        uint64_t va = o->secs[i].vma - o->image_base;
        if (rva >= va && rva < va + o->secs[i].size) {
            uint64_t off = o->secs[i].fileoff + (rva - va);
            if (off + 4 <= size) return (uint32_t)t_get(file + off, 4);
        }
    }
    return 0;
}

/* ---- the comparisons -------------------------------------------------------------------- */

/* headers and sections */
static void check_headers(const char *tag, memintro_pe *pe, const obj *o)
{
    uint32_t i, bad = 0;
    memintro_pe_section_info s;
    CHECK(pe->is64 == (uint16_t)o->is64, "%s: PE32%s as objdump says", tag, o->is64 ? "+" : "");
    CHECK(pe->image_base == o->image_base, "%s: ImageBase 0x%llx", tag, (unsigned long long)o->image_base);
    CHECK(pe->size_of_image == o->size_of_image && pe->size_of_headers == o->size_of_headers,
          "%s: SizeOfImage 0x%x, SizeOfHeaders 0x%x", tag, o->size_of_image, o->size_of_headers);
    CHECK(pe->entry_point == o->entry, "%s: AddressOfEntryPoint 0x%x", tag, o->entry);
    CHECK(pe->characteristics == o->characteristics, "%s: Characteristics 0x%x", tag, o->characteristics);
    CHECK(pe->ndirs == (o->nrva < 16 ? o->nrva : 16), "%s: %u data directories", tag, pe->ndirs);
    for (i = 0; i < 16 && i < pe->ndirs; i++)
        if (pe->dir_rva[i] != o->dir_rva[i] || pe->dir_size[i] != o->dir_size[i]) bad++;
    CHECK(!bad, "%s: every data directory's RVA and size as objdump prints them (%u differ)", tag, bad);
    CHECK(pe->nsections == o->nsecs, "%s: %u sections (objdump -h: %u)", tag, pe->nsections, (unsigned)o->nsecs);
    bad = 0;
    for (i = 0; i < pe->nsections && i < o->nsecs; i++) {
        memintro_status st = memintro_pe_section(pe, i, &s);
        const xsec *x = &o->secs[i];
        if (st != MEMINTRO_OK || s.rva != x->vma - o->image_base || s.vsize != x->size ||
            (x->size && s.file_offset != x->fileoff && s.file_size) ||
            (s.name[0] != '/' && strcmp(s.name, x->name))) {
            if (bad < 3)
                printf("# %s section %u: got %s rva %x vsize %x off %x; objdump %s vma %llx size %x off %x\n", tag, i,
                       s.name, s.rva, s.vsize, s.file_offset, x->name, (unsigned long long)x->vma, x->size,
                       x->fileoff);
            bad++;
        }
    }
    CHECK(!bad, "%s: each section's name (long /N names aside), RVA, VirtualSize, PointerToRawData as objdump -h (%u differ)",
          tag, bad);
    CHECK(memintro_pe_section(pe, pe->nsections, &s) == MEMINTRO_E_INVALID, "%s: section %u is E_INVALID", tag,
          pe->nsections);
}

/* The exports against objdump, with pages absent per m (NULL: all present). */
static void check_exports(const char *tag, memintro_pe *pe, const obj *o, const uint8_t *file, size_t fsize,
                          const pagemap *m)
{
    got_exp g;
    memintro_status st, want_st = MEMINTRO_OK;
    size_t i, j, bad = 0, expected = 0, badfind = 0, found_ok = 0;
    uint32_t base = o->ord_base;
    int eat_ok_all, ords_ok_all = 1;
    memset(&g, 0, sizeof g);
    if (!o->has_exports) {
        CHECK(memintro_pe_exports(pe, on_export, &g) == MEMINTRO_E_NOTFOUND && pe->export_status == MEMINTRO_E_NOTFOUND,
              "%s: no export directory: E_NOTFOUND", tag);
        return;
    }
    if (!readable(m, pe->dir_rva[0], 40)) {
        CHECK(memintro_pe_exports(pe, on_export, &g) == MEMINTRO_E_UNMAPPED && !pe->export_name[0] &&
                  pe->export_status == MEMINTRO_E_UNMAPPED,
              "%s: export directory unmapped: the walk, export_name and export_status say E_UNMAPPED", tag);
        free(g.e);
        return;
    }
    CHECK(!strcmp(pe->export_name, o->exp_name) && pe->export_status == MEMINTRO_OK, "%s: export_name \"%s\"", tag,
          pe->export_name);
    st = memintro_pe_exports(pe, on_export, &g);
    for (j = 0; j < o->nnames; j++)
        if (!readable(m, o->ords_rva + 2 * j, 2)) ords_ok_all = 0;
    /* every EAT entry: present with its RVA (or E_UNMAPPED where its slot is absent) */
    for (i = 0; i < o->neat; i++) {
        const xeat *x = &o->eat[i];
        int eat_ok = readable(m, o->eat_rva + 4ull * x->index, 4);
        int fwd_ok = !x->fwd || readable(m, x->rva, strlen(x->fwdname) + 1);
        int hit = 0;
        if (x->fwd && !fwd_ok) want_st = MEMINTRO_E_UNMAPPED;
        for (j = 0; j < g.n; j++) {
            const memintro_pe_export *e = &g.e[j];
            if (e->ordinal != base + x->index) continue;
            hit++;
            if (!eat_ok) {
                if (e->rva || e->status != MEMINTRO_E_UNMAPPED) bad++;
            } else if (e->rva != x->rva || (x->fwd && fwd_ok && strcmp(e->forwarder, x->fwdname)) ||
                       (x->fwd && e->address) || (!x->fwd && e->address != pe->base + x->rva)) {
                if (bad < 3)
                    printf("# %s: ordinal %u: got rva %x fwd '%s' addr %llx; objdump rva %x fwd '%s'\n", tag,
                           e->ordinal, e->rva, e->forwarder, (unsigned long long)e->address, x->rva, x->fwdname);
                bad++;
            } else if (!fwd_ok && e->status != MEMINTRO_E_UNMAPPED) {
                bad++;
            }
        }
        if (!hit) {
            if (bad < 3) printf("# %s: ordinal %u (rva %x) not reported\n", tag, base + x->index, x->rva);
            bad++;
        }
    }
    /* every name: reported once with its ordinal, as far as the unmapped pages allow */
    for (j = 0; j < o->nnames; j++) {
        const xname *x = &o->names[j];
        uint32_t srva = file_u32_at_rva(file, fsize, o, o->names_rva + 4 * (uint32_t)j);
        int ptr_ok = readable(m, o->names_rva + 4ull * j, 4), ord_ok = readable(m, o->ords_rva + 2ull * j, 2);
        int str_ok = ptr_ok && readable(m, srva, strlen(x->name) + 1);
        int hit = 0;
        size_t k;
        if (!ord_ok) continue; /* its function is unknown: not reported under a name */
        for (k = 0; k < g.n; k++)
            if (!strcmp(g.e[k].name, x->name)) {
                hit++;
                if (g.e[k].ordinal != base + x->index) bad++;
            }
        if (str_ok ? hit != 1 : hit != 0) {
            if (bad < 3) printf("# %s: name %s reported %d times\n", tag, x->name, hit);
            bad++;
        }
        if (!str_ok) want_st = MEMINTRO_E_UNMAPPED;
    }
    /* the count: one entry per name whose ordinal is readable, plus one per function without one */
    for (i = 0; i < o->neat; i++) {
        int named = 0;
        for (j = 0; j < o->nnames; j++)
            if (o->names[j].index == o->eat[i].index && readable(m, o->ords_rva + 2ull * j, 2)) named++;
        expected += named ? (size_t)named : 1;
        if (!readable(m, o->eat_rva + 4ull * o->eat[i].index, 4)) want_st = MEMINTRO_E_UNMAPPED;
    }
    eat_ok_all = want_st == MEMINTRO_OK;
    if (!ords_ok_all) want_st = MEMINTRO_E_UNMAPPED;
    /* unnamed entries whose EAT slot is absent are reported too: count them from our side */
    {
        size_t extra = 0;
        for (j = 0; j < g.n; j++) {
            int known = 0;
            for (i = 0; i < o->neat; i++)
                if (g.e[j].ordinal == base + o->eat[i].index) known = 1;
            if (!known) {
                /* a slot objdump skips (RVA 0) may be reported only when it could not be read */
                if (g.e[j].status != MEMINTRO_E_UNMAPPED || readable(m, o->eat_rva + 4ull * (g.e[j].ordinal - base), 4))
                    bad++;
                extra++;
            }
        }
        CHECK(g.n - extra == expected && !bad,
              "%s: exports: %zu entries (%zu names, %zu functions), ordinals, RVAs, forwarders and addresses as "
              "objdump -p (%zu differ)",
              tag, g.n, o->nnames, o->neat, bad);
    }
    CHECK(st == want_st, "%s: the export walk returns %s (%s)", tag, memintro_status_str(want_st),
          memintro_status_str(st));
    if (eat_ok_all && ords_ok_all) {
        size_t unnamed_bad = 0;
        for (j = 0; j < g.n; j++)
            if (!g.e[j].name[0] && g.e[j].status != MEMINTRO_OK) {
                int readable_name = 0;
                for (i = 0; i < o->nnames; i++)
                    if (base + o->names[i].index == g.e[j].ordinal) readable_name = 1;
                if (!readable_name) unnamed_bad++;
            }
        CHECK(!unnamed_bad, "%s: functions exported by ordinal only carry status OK", tag);
    }
    /* one by name */
    for (j = 0; j < o->nnames; j++) {
        const xname *x = &o->names[j];
        memintro_pe_export e;
        uint32_t srva = file_u32_at_rva(file, fsize, o, o->names_rva + 4 * (uint32_t)j);
        int ok = readable(m, o->names_rva + 4ull * j, 4) && readable(m, o->ords_rva + 2ull * j, 2) &&
                 readable(m, srva, strlen(x->name) + 1) && readable(m, o->eat_rva + 4ull * x->index, 4);
        size_t k;
        const xeat *fx = NULL;
        for (k = 0; k < o->neat; k++)
            if (o->eat[k].index == x->index) fx = &o->eat[k];
        st = memintro_pe_export_find(pe, x->name, &e);
        if (ok) {
            if (st != MEMINTRO_OK || e.ordinal != base + x->index || !fx || e.rva != fx->rva || strcmp(e.name, x->name) ||
                (fx->fwd && readable(m, fx->rva, strlen(fx->fwdname) + 1) && strcmp(e.forwarder, fx->fwdname))) {
                if (badfind < 3)
                    printf("# %s: find %s: %s ord %u rva %x\n", tag, x->name, memintro_status_str(st), e.ordinal, e.rva);
                badfind++;
            } else {
                found_ok++;
            }
        } else if (st == MEMINTRO_OK && (e.ordinal != base + x->index || (fx && e.rva != fx->rva))) {
            badfind++; /* found in spite of a hole: must still be right */
        } else if (st != MEMINTRO_OK && st != MEMINTRO_E_UNMAPPED) {
            badfind++;
        }
    }
    CHECK(!badfind, "%s: memintro_pe_export_find finds each of the %zu names with its ordinal and RVA (%zu readable, %zu wrong)",
          tag, o->nnames, found_ok, badfind);
    {
        /* misses: before the first name, after the last, between two, a prefix of one */
        const char *miss[4];
        char between[300], prefix[300];
        memintro_status want;
        int mbad = 0, sorted = 1;
        memintro_pe_export e;
        snprintf(between, sizeof between, "%s_", o->nnames ? o->names[0].name : "x");
        snprintf(prefix, sizeof prefix, "%.*s", o->nnames && strlen(o->names[0].name) > 1 ? (int)strlen(o->names[0].name) - 1 : 0,
                 o->nnames ? o->names[0].name : "");
        miss[0] = "!";
        miss[1] = "~~~~ no such export";
        miss[2] = between;
        miss[3] = prefix[0] ? prefix : "?";
        for (j = 1; j < o->nnames; j++)
            if (strcmp(o->names[j - 1].name, o->names[j].name) >= 0) sorted = 0;
        for (j = 0; j < 4; j++) {
            int dup = 0;
            for (i = 0; i < o->nnames; i++)
                if (!strcmp(o->names[i].name, miss[j])) dup = 1;
            if (dup) continue;
            /* E_NOTFOUND, unless a name the miss cannot be told apart from without reading
               an absent page: the reader must then say it could not read */
            want = MEMINTRO_E_NOTFOUND;
            for (i = 0; i < o->nnames; i++) {
                const char *nm = o->names[i].name, *q = miss[j];
                uint32_t srva = file_u32_at_rva(file, fsize, o, o->names_rva + 4 * (uint32_t)i);
                size_t need = 0;
                while (nm[need] && nm[need] == q[need]) need++;
                if (!readable(m, o->names_rva + 4ull * i, 4) || !readable(m, srva, need + 1)) want = MEMINTRO_E_UNMAPPED;
            }
            st = memintro_pe_export_find(pe, miss[j], &e);
            if (st != want) {
                printf("# %s: find \"%s\": %s, expected %s\n", tag, miss[j], memintro_status_str(st),
                       memintro_status_str(want));
                mbad++;
            }
        }
        CHECK(!mbad, "%s: names that are not exported: E_NOTFOUND, or E_UNMAPPED when an absent page may hide them", tag);
        if (!m || !m->absent)
            CHECK(!!(pe->flags & MEMINTRO_PE_NAMES_SORTED) == sorted,
                  "%s: after a miss the reader knows whether the names are sorted (objdump's list: %s)", tag,
                  sorted ? "sorted" : "not sorted");
    }
    if (!m || !m->absent) {
        int n = 0;
        CHECK(memintro_pe_exports(pe, stop_after_3, &n) == MEMINTRO_OK && n == (g.n < 3 ? (int)g.n : 3),
              "%s: a callback that returns nonzero stops the export walk (OK)", tag);
    }
    free(g.e);
}

/* The imports against objdump, pages absent per m. iat_value(k): what the IAT slot of import k
   holds (the file's thunk, or what the test wrote into a mapped image). */
static void check_imports(const char *tag, memintro_pe *pe, const obj *o, const pagemap *m, const uint64_t *iat)
{
    got_imp g;
    memintro_status st, want_st = MEMINTRO_OK;
    size_t k = 0, d, n = 0, bad = 0;
    uint32_t ts = o->is64 ? 8 : 4;
    memset(&g, 0, sizeof g);
    st = memintro_pe_imports(pe, on_import, &g);
    if (!o->ndlls) {
        CHECK(st == MEMINTRO_E_NOTFOUND || (st == MEMINTRO_OK && !g.n), "%s: no imports", tag);
        free(g.i);
        return;
    }
    /* the expected sequence, DLL by DLL */
    for (d = 0; d < o->ndlls; d++) {
        const xdll *x = &o->dlls[d];
        uint32_t lookup = x->oft ? x->oft : x->ft, s;
        int name_ok = readable(m, x->name_rva, strlen(x->dll) + 1), stopped = 0;
        if (!readable(m, x->desc_rva, 20)) {
            want_st = MEMINTRO_E_UNMAPPED;
            break;
        }
        for (s = 0; s <= x->count && !stopped; s++) {
            const ximp *e = s < x->count ? &o->imps[k + s] : NULL;
            memintro_status ws = MEMINTRO_OK;
            const memintro_pe_import *gi = n < g.n ? &g.i[n] : NULL;
            if (!readable(m, lookup + (uint64_t)s * ts, ts)) {
                /* one entry says the rest of this list cannot be read */
                if (!gi || gi->status != MEMINTRO_E_UNMAPPED || strcmp(gi->dll, name_ok ? x->dll : "")) bad++;
                n++;
                want_st = MEMINTRO_E_UNMAPPED;
                stopped = 1;
                break;
            }
            if (!e) break; /* the zero thunk */
            if (!gi) {
                bad++;
                break;
            }
            n++;
            if (!name_ok) ws = MEMINTRO_E_UNMAPPED;
            if (!readable(m, x->ft + (uint64_t)s * ts, ts)) ws = MEMINTRO_E_UNMAPPED;
            if (!e->by_ord && !readable(m, e->raw, 2 + strlen(e->name) + 1)) ws = MEMINTRO_E_UNMAPPED;
            if (ws != MEMINTRO_OK) want_st = ws;
            if (gi->status != ws || gi->by_ordinal != e->by_ord || gi->iat_rva != x->ft + s * ts ||
                strcmp(gi->dll, name_ok ? x->dll : "") ||
                (e->by_ord ? gi->ordinal != e->hint
                           : (readable(m, e->raw, 2 + strlen(e->name) + 1) &&
                              (gi->ordinal != e->hint || strcmp(gi->name, e->name)))) ||
                (readable(m, x->ft + (uint64_t)s * ts, ts) && gi->bound != (iat ? iat[k + s] : e->raw))) {
                if (bad < 3)
                    printf("# %s: import %s!%s (%u): got %s!%s hint/ord %u iat %x bound %llx %s; objdump hint %u raw %llx\n",
                           tag, x->dll, e->name, s, gi->dll, gi->name, gi->ordinal, gi->iat_rva,
                           (unsigned long long)gi->bound, memintro_status_str(gi->status), e->hint,
                           (unsigned long long)e->raw);
                bad++;
            }
        }
        k += x->count;
    }
    if (want_st == MEMINTRO_OK && o->import_end_rva && !readable(m, o->import_end_rva, 20)) want_st = MEMINTRO_E_UNMAPPED;
    CHECK(!bad && n == g.n,
          "%s: imports: %zu entries from %zu DLLs, each DLL name, name or ordinal, hint, IAT RVA and IAT value as "
          "objdump -p (%zu differ)",
          tag, g.n, o->ndlls, bad);
    CHECK(st == want_st, "%s: the import walk returns %s (%s)", tag, memintro_status_str(want_st),
          memintro_status_str(st));
    free(g.i);
}

/* ---- a real file read as a file ------------------------------------------------------- */

static int check_file(const char *path, const char *tag)
{
    obj o;
    size_t size;
    uint8_t *b = slurp(path, &size);
    memintro_pe pe;
    memintro_status st;
    if (!b) {
        CHECK(0, "%s: %s is missing (make test-deps)", tag, path);
        return 0;
    }
    if (!objdump_parse(path, &o)) {
        CHECK(0, "%s: " OBJDUMP " -p/-h failed on %s (make test-deps)", tag, path);
        free(b);
        obj_free(&o);
        return 0;
    }
    st = memintro_pe_open_file(&pe, b, size);
    CHECK(st == MEMINTRO_OK, "%s: memintro_pe_open_file (%s)", tag, memintro_status_str(st));
    if (st == MEMINTRO_OK) {
        check_headers(tag, &pe, &o);
        check_exports(tag, &pe, &o, b, size, NULL);
        check_imports(tag, &pe, &o, NULL, NULL);
    }
    obj_free(&o);
    free(b);
    return 1;
}

/* ---- a real file loaded into a synthetic guest --------------------------------------- */

/* a backend that counts the batches it is handed (reads go on to the buffer below) */
typedef struct counting {
    memintro_phys phys;
    memintro_phys *below;
    size_t calls;
} counting;
static memintro_status counting_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    counting *c = (counting *)self;
    c->calls++;
    return c->below->read(c->below, ops, count);
}

typedef struct guest {
    uint8_t *mem;
    uint64_t size;
    timg t;
    uint64_t pml4;
    memintro_buffer buf;
    counting count;
    memintro_tlb tlb;
    memintro_tlb_entry tlb_entries[1024];
    uint64_t frames, npages; /* image page p lies at frames + ((npages - 1 - p) << 12) */
    memintro_virt v;
    uint8_t scratch[256 * 1024];
} guest;

static uint64_t pt_entry(timg *t, uint64_t table, unsigned idx)
{
    uint64_t e = timg_get64(t, table + 8 * idx);
    if (!(e & 1)) {
        uint64_t n = timg_alloc(t, 4096, 4096);
        e = n | 0x67;
        timg_put64(t, table + 8 * idx, e);
    }
    return e & 0x000ffffffffff000ull;
}
/* maps 4 KiB at va to pa (present, writable, user) */
static void map4k(guest *g, uint64_t va, uint64_t pa)
{
    uint64_t pdpt = pt_entry(&g->t, g->pml4, (unsigned)((va >> 39) & 511));
    uint64_t pd = pt_entry(&g->t, pdpt, (unsigned)((va >> 30) & 511));
    uint64_t pt = pt_entry(&g->t, pd, (unsigned)((va >> 21) & 511));
    timg_put64(&g->t, pt + 8 * ((va >> 12) & 511), pa | 0x67);
}
static void unmap4k(guest *g, uint64_t va)
{
    uint64_t pdpt = pt_entry(&g->t, g->pml4, (unsigned)((va >> 39) & 511));
    uint64_t pd = pt_entry(&g->t, pdpt, (unsigned)((va >> 30) & 511));
    uint64_t pt = pt_entry(&g->t, pd, (unsigned)((va >> 21) & 511));
    timg_put64(&g->t, pt + 8 * ((va >> 12) & 511), 0);
    if (g->tlb.entries) memintro_tlb_flush(&g->tlb);
}

static void guest_map_all(guest *g, uint64_t base)
{
    uint64_t p;
    for (p = 0; p < g->npages; p++) map4k(g, base + (p << 12), g->frames + ((g->npages - 1 - p) << 12));
    if (g->tlb.entries) memintro_tlb_flush(&g->tlb);
}

/* Loads a PE file at `base` the way the loader lays it out: the headers, then each section's
   raw data at its RVA (the rest zero). Each image page gets its own frame, in reverse order
   (virtually contiguous, physically not). Returns 0 on failure. */
static int guest_load(guest *g, const uint8_t *file, size_t fsize, uint64_t base, int direct)
{
    uint32_t lfanew = (uint32_t)t_get(file + 0x3c, 4), soi, soh, nsec, optsz, i;
    const uint8_t *nt = file + lfanew, *sec;
    uint64_t frames, npages;
    memintro_mmu_desc d;
    soi = (uint32_t)t_get(nt + 24 + 56, 4);
    soh = (uint32_t)t_get(nt + 24 + 60, 4);
    nsec = (uint32_t)t_get(nt + 6, 2);
    optsz = (uint32_t)t_get(nt + 20, 2);
    sec = nt + 24 + optsz;
    npages = ((uint64_t)soi + 4095) >> 12;
    g->size = (npages << 12) + (8ull << 20);
    g->mem = (uint8_t *)malloc((size_t)g->size);
    if (!g->mem) return 0;
    timg_init(&g->t, g->mem, g->size, 0x1000);
    g->pml4 = timg_alloc(&g->t, 4096, 4096);
    frames = timg_alloc(&g->t, npages << 12, 4096);
    g->frames = frames;
    g->npages = npages;
    guest_map_all(g, base);
#define GADDR(rva) (frames + ((npages - 1 - ((rva) >> 12)) << 12) + ((rva)&4095))
    for (i = 0; i < soh && i < fsize && i < soi; i++) g->mem[GADDR(i)] = file[i];
    for (i = 0; i < nsec; i++) {
        const uint8_t *s = sec + 40 * i;
        uint32_t vs = (uint32_t)t_get(s + 8, 4), va = (uint32_t)t_get(s + 12, 4);
        uint32_t raw = (uint32_t)t_get(s + 16, 4), ptr = (uint32_t)t_get(s + 20, 4), k;
        uint32_t n = raw;
        (void)vs;
        for (k = 0; k < n && (uint64_t)ptr + k < fsize && (uint64_t)va + k < soi; k++) g->mem[GADDR(va + k)] = file[ptr + k];
    }
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = g->pml4;
    if (memintro_buffer_init(&g->buf, g->mem, g->size, NULL, 0) != MEMINTRO_OK) return 0;
    /* without direct access reads go through batches, as over system calls, counted */
    memset(&g->count, 0, sizeof g->count);
    g->count.phys.read = counting_read;
    g->count.below = &g->buf.phys;
    if (memintro_virt_init(&g->v, direct ? &g->buf.phys : &g->count.phys, &d, g->scratch, sizeof g->scratch) !=
        MEMINTRO_OK)
        return 0;
    /* a TLB, as memintro_win32 attaches one (flushed whenever the test edits a page table) */
    memintro_tlb_init(&g->tlb, g->tlb_entries, sizeof g->tlb_entries / sizeof g->tlb_entries[0]);
    memintro_virt_set_tlb(&g->v, &g->tlb);
    return 1;
}
/* writes `len` bytes at an RVA of the loaded image */
static void guest_poke(guest *g, uint64_t base, uint32_t soi, uint32_t rva, uint64_t v, unsigned len)
{
    memintro_xlate x;
    memset(&x, 0, sizeof x);
    x.va = base + rva;
    (void)soi;
    if (memintro_translate(&g->v, &x, 1) == MEMINTRO_OK) t_put8(g->mem + x.pa, v, len);
}

static void check_mapped(const char *path, const char *tag, uint64_t base, int direct)
{
    obj o;
    size_t size, k;
    uint8_t *b = slurp(path, &size);
    guest *g = (guest *)calloc(1, sizeof *g);
    memintro_pe pe;
    memintro_status st;
    uint64_t *iat;
    uint32_t ts;
    char t2[160];
    pagemap pm;
    uint8_t *absent;
    if (!b || !g || !objdump_parse(path, &o)) {
        CHECK(0, "%s: %s and objdump's view of it (make test-deps)", tag, path);
        free(b);
        free(g);
        return;
    }
    ts = o.is64 ? 8 : 4;
    if (!guest_load(g, b, size, base, direct)) {
        CHECK(0, "%s: the synthetic guest could not be built", tag);
        goto out;
    }
    /* a loaded image: the loader wrote resolved addresses into the IAT (made up here) */
    iat = (uint64_t *)calloc(o.nimps + 1, sizeof *iat);
    for (k = 0; k < o.nimps; k++) {
        iat[k] = o.is64 ? 0x00007ffa00000000ull + 0x10ull * k : 0x77000000ull + 0x10ull * k;
        guest_poke(g, base, o.size_of_image, o.imps[k].ft + o.imps[k].slot * ts, iat[k], ts);
    }
    st = memintro_pe_open(&pe, &g->v, base);
    CHECK(st == MEMINTRO_OK && pe.base == base, "%s: memintro_pe_open at 0x%llx (%s)", tag, (unsigned long long)base,
          memintro_status_str(st));
    if (st == MEMINTRO_OK) {
        check_headers(tag, &pe, &o);
        check_exports(tag, &pe, &o, b, size, NULL);
        check_imports(tag, &pe, &o, NULL, iat);
        if (!direct && o.nnames > 64) {
            /* a hit on a sorted table is a binary search: about log2(names) probes of two
               reads: not a pass over the table (some 2 * names / 16 batches) */
            memintro_pe_export e;
            size_t calls, lg = 0, limit;
            while ((1u << lg) < o.nnames) lg++;
            limit = 4 * (lg + 2); /* two reads a probe, each a data batch and (TLB misses) a few walks */
            memintro_pe_open(&pe, &g->v, base);
            g->count.calls = 0;
            st = memintro_pe_export_find(&pe, o.names[o.nnames - 2].name, &e); /* a pass would read them all */
            calls = g->count.calls;
            CHECK(st == MEMINTRO_OK && calls <= limit,
                  "%s: one find in %zu sorted names took %zu physical batches (a binary search needs at most %zu)", tag,
                  o.nnames, calls, limit);
            {
                got_exp ge;
                memset(&ge, 0, sizeof ge);
                g->count.calls = 0;
                memintro_pe_exports(&pe, on_export, &ge);
                calls = g->count.calls;
                /* one by one, each entry would cost at least two reads of five batches */
                CHECK(ge.n == o.nnames && calls * 2 < ge.n,
                      "%s: the export walk batches its reads: %zu entries in %zu physical batches", tag, ge.n, calls);
                free(ge.e);
            }
        }
    }
    /* pages left out, one scenario at a time from a fully mapped image: the expected results
       are objdump's, run through the model of what the missing page hides */
    absent = (uint8_t *)calloc((o.size_of_image >> 12) + 1, 1);
    pm.absent = absent;
    pm.npages = (o.size_of_image >> 12) + 1;
    {
        struct {
            const char *what;
            uint64_t rva;
            int valid;
        } sc[8];
        size_t nsc = 0, si;
        uint32_t dirpage = o.has_exports ? o.dir_rva[0] >> 12 : 0xffffffffu;
        if (o.has_exports && o.nnames) {
            uint32_t first = o.names_rva >> 12, last = (o.names_rva + 4 * (uint32_t)o.nnames - 1) >> 12;
            sc[nsc].what = "a page of the name-pointer table";
            sc[nsc].rva = (uint64_t)(first != dirpage ? first : last) << 12;
            sc[nsc].valid = first != dirpage || last != dirpage;
            nsc++;
            sc[nsc].what = "a page of name strings";
            sc[nsc].rva = file_u32_at_rva(b, size, &o, o.names_rva + 4 * (uint32_t)(o.nnames / 2)) & ~0xfffu;
            sc[nsc].valid = (sc[nsc].rva >> 12) != dirpage;
            nsc++;
        }
        if (o.has_exports && o.neat) {
            sc[nsc].what = "a page of the export address table";
            sc[nsc].rva = (uint64_t)((o.eat_rva + 4 * (o.n_eat - 1)) >> 12) << 12;
            sc[nsc].valid = (sc[nsc].rva >> 12) != dirpage;
            nsc++;
            sc[nsc].what = "the export directory's page";
            sc[nsc].rva = (uint64_t)dirpage << 12;
            sc[nsc].valid = dirpage != 0;
            nsc++;
        }
        if (o.ndlls) {
            const xdll *x = &o.dlls[o.ndlls / 2];
            uint32_t lookup = x->oft ? x->oft : x->ft;
            size_t first = 0, d;
            for (d = 0; d < o.ndlls / 2; d++) first += o.dlls[d].count;
            sc[nsc].what = "a page of an import lookup table";
            sc[nsc].rva = (uint64_t)((lookup + (x->count / 2) * ts) >> 12) << 12;
            sc[nsc].valid = 1;
            nsc++;
            sc[nsc].what = "a page of an import address table";
            sc[nsc].rva = (uint64_t)((x->ft + (x->count / 2) * ts) >> 12) << 12;
            sc[nsc].valid = x->oft != 0 && (x->oft >> 12) != (x->ft >> 12);
            nsc++;
            sc[nsc].what = "a page of hint/name entries";
            sc[nsc].rva = 0;
            sc[nsc].valid = 0;
            for (k = first; k < first + x->count; k++)
                if (!o.imps[k].by_ord) {
                    sc[nsc].rva = o.imps[k].raw & ~0xfffull;
                    sc[nsc].valid = 1;
                    break;
                }
            nsc++;
        }
        for (si = 0; si < nsc; si++) {
            uint32_t page = (uint32_t)(sc[si].rva >> 12);
            snprintf(t2, sizeof t2, "%s, %s (0x%x) unmapped", tag, sc[si].what, page << 12);
            if (!sc[si].valid) {
                CHECK(1, "%s: not applicable here (it shares the page of a structure another case removes)", t2);
                continue;
            }
            guest_map_all(g, base);
            memset(absent, 0, pm.npages);
            absent[page] = 1;
            unmap4k(g, base + ((uint64_t)page << 12));
            st = memintro_pe_open(&pe, &g->v, base);
            CHECK(st == MEMINTRO_OK, "%s: open (%s)", t2, memintro_status_str(st));
            if (st != MEMINTRO_OK) continue;
            check_exports(t2, &pe, &o, b, size, &pm);
            check_imports(t2, &pe, &o, &pm, iat);
        }
    }
    guest_map_all(g, base);
    unmap4k(g, base);
    st = memintro_pe_open(&pe, &g->v, base);
    CHECK(st == MEMINTRO_E_UNMAPPED, "%s: header page unmapped: open says E_UNMAPPED (%s)", tag, memintro_status_str(st));
    free(absent);
    free(iat);
out:
    free(g->mem);
    free(g);
    free(b);
    obj_free(&o);
}

/* ---- damaged images (synthetic: a real DLL's bytes, overwritten) ---------------------- */

typedef struct sink {
    size_t n;
    memintro_status worst;
} sink;
static int sink_exp(void *u, const memintro_pe_export *e)
{
    sink *s = (sink *)u;
    s->n++;
    if (e->status != MEMINTRO_OK && s->worst == MEMINTRO_OK) s->worst = e->status;
    return 0;
}
static int sink_imp(void *u, const memintro_pe_import *i)
{
    sink *s = (sink *)u;
    s->n++;
    if (i->status != MEMINTRO_OK && s->worst == MEMINTRO_OK) s->worst = i->status;
    return 0;
}

/* every public call on a (damaged) file: nothing may crash, statuses are returned */
static void exercise(const uint8_t *b, size_t n, memintro_status *open_st, memintro_status *exp_st, memintro_status *imp_st,
                     sink *se, sink *si)
{
    memintro_pe pe;
    memintro_pe_export e;
    memintro_pe_section_info s;
    uint32_t i;
    *open_st = memintro_pe_open_file(&pe, b, n);
    *exp_st = *imp_st = MEMINTRO_E_INVALID;
    memset(se, 0, sizeof *se);
    memset(si, 0, sizeof *si);
    if (*open_st != MEMINTRO_OK) return;
    for (i = 0; i <= pe.nsections; i++) memintro_pe_section(&pe, i, &s);
    *exp_st = memintro_pe_exports(&pe, sink_exp, se);
    *imp_st = memintro_pe_imports(&pe, sink_imp, si);
    memintro_pe_export_find(&pe, "HeapAlloc", &e);
    memintro_pe_export_find(&pe, "zzz", &e);
}

static uint32_t rva_to_off(const uint8_t *b, size_t n, uint32_t rva)
{
    uint32_t lfanew = (uint32_t)t_get(b + 0x3c, 4), i;
    const uint8_t *nt = b + lfanew;
    uint32_t nsec = (uint32_t)t_get(nt + 6, 2), optsz = (uint32_t)t_get(nt + 20, 2);
    const uint8_t *sec = nt + 24 + optsz;
    (void)n;
    for (i = 0; i < nsec; i++) {
        uint32_t va = (uint32_t)t_get(sec + 40 * i + 12, 4), raw = (uint32_t)t_get(sec + 40 * i + 16, 4);
        uint32_t vs = (uint32_t)t_get(sec + 40 * i + 8, 4);
        if (rva >= va && rva < va + (vs > raw ? vs : raw)) return (uint32_t)t_get(sec + 40 * i + 20, 4) + (rva - va);
    }
    return 0;
}

static void check_damaged(const char *path)
{
    size_t n, cut;
    uint8_t *orig = slurp(path, &n), *b;
    uint32_t lfanew, optoff, edir, eoff, names_off, idir, ioff, soi;
    memintro_status os, es, is;
    sink se, si;
    int bad;
    if (!orig) {
        CHECK(0, "damaged: %s is missing (make test-deps)", path);
        return;
    }
    b = (uint8_t *)malloc(n);
    lfanew = (uint32_t)t_get(orig + 0x3c, 4);
    optoff = lfanew + 24;
    soi = (uint32_t)t_get(orig + optoff + 56, 4);
    edir = (uint32_t)t_get(orig + optoff + 112, 4); /* PE32+ */
    idir = (uint32_t)t_get(orig + optoff + 120, 4);
    eoff = rva_to_off(orig, n, edir);
    ioff = rva_to_off(orig, n, idir);
    names_off = rva_to_off(orig, n, (uint32_t)t_get(orig + eoff + 32, 4));

    /* truncated files: every length up to past the headers, and some beyond */
    bad = 0;
    for (cut = 0; cut < 0x1200 && cut < n; cut += (cut < 0x400 ? 1 : 61)) {
        uint8_t *c = (uint8_t *)malloc(cut ? cut : 1);
        memcpy(c, orig, cut);
        exercise(c, cut, &os, &es, &is, &se, &si);
        if (cut < (size_t)optoff + 112 && os == MEMINTRO_OK) bad++;
        if (os != MEMINTRO_OK && os != MEMINTRO_E_FORMAT) bad++;
        free(c);
    }
    for (cut = n / 8; cut < n; cut += n / 8) {
        exercise(orig, cut, &os, &es, &is, &se, &si); /* the tail cut off: sections past the end */
        if (os != MEMINTRO_OK && os != MEMINTRO_E_FORMAT) bad++;
    }
    CHECK(!bad, "damaged (truncated): a file cut short anywhere in its headers is E_FORMAT, cut later it reads what is there");

    /* no MZ, no PE signature, a wild e_lfanew, an unknown optional-header magic */
    memcpy(b, orig, n);
    b[0] = 'X';
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: no MZ: E_FORMAT");
    memcpy(b, orig, n);
    b[lfanew + 1] = 'X';
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: no PE signature: E_FORMAT");
    memcpy(b, orig, n);
    t_put8(b + 0x3c, 0xfffffff0u, 4);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: e_lfanew 0xfffffff0: E_FORMAT");
    memcpy(b, orig, n);
    t_put8(b + optoff, 0x1234, 2);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: optional header magic 0x1234: E_FORMAT");
    memcpy(b, orig, n);
    t_put8(b + lfanew + 20, 10, 2); /* SizeOfOptionalHeader too small for its fields */
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: SizeOfOptionalHeader 10: E_FORMAT");
    memcpy(b, orig, n);
    t_put8(b + optoff + 56, 0, 4); /* SizeOfImage 0 */
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_E_FORMAT, "damaged: SizeOfImage 0: E_FORMAT");

    /* section count over the limit */
    memcpy(b, orig, n);
    t_put8(b + lfanew + 6, 0xffff, 2);
    {
        memintro_pe pe;
        os = memintro_pe_open_file(&pe, b, n);
        CHECK(os == MEMINTRO_OK && pe.nsections == MEMINTRO_PE_MAX_SECTIONS && pe.nsections_header == 0xffff &&
                  (pe.flags & MEMINTRO_PE_SECTIONS_CLAMPED),
              "damaged: NumberOfSections 65535: clamped to %u and flagged (%s)", MEMINTRO_PE_MAX_SECTIONS,
              memintro_status_str(os));
        exercise(b, n, &os, &es, &is, &se, &si);
    }
    /* absurd counts in the export directory */
    memcpy(b, orig, n);
    t_put8(b + eoff + 24, 0xffffffffu, 4);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_OK && es == MEMINTRO_E_LIMIT && se.n == 0, "damaged: NumberOfNames 0xffffffff: E_LIMIT, nothing reported (%s)",
          memintro_status_str(es));
    memcpy(b, orig, n);
    t_put8(b + eoff + 24, 60000, 4); /* within the cap, but the tables would leave the image */
    t_put8(b + eoff + 32, soi - 16, 4);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(es == MEMINTRO_E_FORMAT, "damaged: a name table past SizeOfImage: E_FORMAT (%s)", memintro_status_str(es));
    memcpy(b, orig, n);
    t_put8(b + eoff + 20, 0x7fffffffu, 4);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(es == MEMINTRO_E_LIMIT, "damaged: NumberOfFunctions 0x7fffffff: E_LIMIT (%s)", memintro_status_str(es));
    /* export RVAs outside the image: a name pointer, an address table entry */
    memcpy(b, orig, n);
    t_put8(b + names_off + 4, 0xfffffff0u, 4);
    t_put8(b + names_off + 8, soi, 4);
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(es == MEMINTRO_E_FORMAT && se.worst == MEMINTRO_E_FORMAT && se.n > 100,
          "damaged: two name pointers outside the image: those entries say E_FORMAT, the other %zu are reported (%s)",
          se.n, memintro_status_str(es));
    {
        memintro_pe pe;
        memintro_pe_export e;
        memintro_pe_open_file(&pe, b, n);
        CHECK(memintro_pe_export_find(&pe, "no such name", &e) == MEMINTRO_E_FORMAT,
              "damaged: a miss over a table with broken pointers is not E_NOTFOUND but the broken entry's status");
    }
    /* a name with no NUL: the last bytes of the image are a name's */
    memcpy(b, orig, n);
    {
        memintro_pe pe;
        uint8_t *big;
        size_t bn;
        uint32_t last_va = 0, last_raw = 0, last_ptr = 0, i, nsec = (uint32_t)t_get(b + lfanew + 6, 2);
        const uint8_t *sec = b + optoff + t_get(b + lfanew + 20, 2);
        for (i = 0; i < nsec; i++)
            if ((uint32_t)t_get(sec + 40 * i + 12, 4) >= last_va) {
                last_va = (uint32_t)t_get(sec + 40 * i + 12, 4);
                last_raw = (uint32_t)t_get(sec + 40 * i + 16, 4);
                last_ptr = (uint32_t)t_get(sec + 40 * i + 20, 4);
            }
        /* the last section's raw data filled with 'A', SizeOfImage ending right after it */
        bn = (size_t)last_ptr + last_raw;
        big = (uint8_t *)malloc(bn > n ? bn : n);
        memcpy(big, orig, bn < n ? bn : n);
        memset(big + last_ptr, 'A', last_raw);
        t_put8(big + optoff + 56, last_va + last_raw, 4);
        for (i = 0; i < nsec; i++)
            if ((uint32_t)t_get(big + optoff + t_get(big + lfanew + 20, 2) + 40 * i + 12, 4) == last_va)
                t_put8(big + optoff + t_get(big + lfanew + 20, 2) + 40 * i + 8, last_raw, 4);
        t_put8(big + names_off, last_va + last_raw - 40, 4); /* 40 'A's, then the image ends */
        t_put8(big + names_off + 4, last_va, 4);             /* 200 'A's and a NUL: longer than the field */
        big[last_va - last_va + last_ptr + 200] = 0;
        t_put8(big + names_off + 8, last_va + 300, 4);       /* 'A's up to the image's end */
        {
            sink s2;
            memintro_status r;
            memintro_pe_export e;
            char want[256];
            got_exp g;
            size_t i2, nlimit = 0, nformat = 0, nlong = 0;
            uint32_t ords_off = rva_to_off(orig, n, (uint32_t)t_get(orig + eoff + 36, 4));
            uint32_t obase = (uint32_t)t_get(orig + eoff + 16, 4);
            uint32_t ord1 = obase + (uint32_t)t_get(orig + ords_off + 2, 2);
            CHECK(last_raw > 600, "damaged: the last section holds %u bytes of 'A's", last_raw);
            memintro_pe_open_file(&pe, big, bn);
            memset(&s2, 0, sizeof s2);
            memset(&g, 0, sizeof g);
            r = memintro_pe_exports(&pe, on_export, &g);
            for (i2 = 0; i2 < g.n; i2++) {
                if (g.e[i2].status == MEMINTRO_E_LIMIT) nlimit++;
                if (g.e[i2].status == MEMINTRO_E_FORMAT && !g.e[i2].name[0]) nformat++;
                if (g.e[i2].status == MEMINTRO_E_LIMIT && strlen(g.e[i2].name) == sizeof g.e[i2].name - 1 &&
                    g.e[i2].ordinal == ord1)
                    nlong++;
            }
            CHECK(r != MEMINTRO_OK && g.n > 100 && nlimit == 2 && nlong == 1 && nformat == 1,
                  "damaged: names longer than the field (200 'A's, and 'A's to the image's end) are cut with E_LIMIT "
                  "(%zu), a name whose NUL the image's end cuts off is \"\" with E_FORMAT (%zu), the walk says %s, "
                  "all %zu entries are reported",
                  nlimit, nformat, memintro_status_str(r), g.n);
            free(g.e);
            memset(want, 'A', 200);
            want[200] = 0;
            r = memintro_pe_export_find(&pe, want, &e);
            CHECK(r == MEMINTRO_OK && e.ordinal == ord1, "damaged: the 200-character name is found (compared in place) with "
                                                         "its ordinal %u (%s)", ord1, memintro_status_str(r));
            want[40] = 0;
            r = memintro_pe_export_find(&pe, want, &e);
            CHECK(r == MEMINTRO_E_FORMAT, "damaged: 40 'A's cannot be told from the name cut by the image's end: "
                                          "E_FORMAT, not a match nor E_NOTFOUND (%s)", memintro_status_str(r));
            r = memintro_pe_export_find(&pe, "AAAA", &e);
            CHECK(r == MEMINTRO_E_NOTFOUND, "damaged: \"AAAA\" differs from all of them: E_NOTFOUND (%s)",
                  memintro_status_str(r));
        }
        free(big);
    }
    /* a name whose ordinal is past the address table */
    {
        uint32_t ords_off = rva_to_off(orig, n, (uint32_t)t_get(orig + eoff + 36, 4));
        memintro_pe pe;
        memintro_pe_export e;
        char first[256];
        uint32_t s0 = rva_to_off(orig, n, (uint32_t)t_get(orig + names_off, 4));
        snprintf(first, sizeof first, "%s", (const char *)orig + s0);
        memcpy(b, orig, n);
        t_put8(b + ords_off, 0xffff, 2);
        memintro_pe_open_file(&pe, b, n);
        CHECK(memintro_pe_export_find(&pe, first, &e) == MEMINTRO_E_FORMAT,
              "damaged: %s's ordinal index 0xffff is past the address table: find says E_FORMAT", first);
        exercise(b, n, &os, &es, &is, &se, &si);
        CHECK(es == MEMINTRO_E_FORMAT && se.n > 100, "damaged: the export walk reports the others and says E_FORMAT (%s)",
              memintro_status_str(es));
    }
    /* NumberOfRvaAndSizes 1: no import directory */
    {
        memintro_pe pe;
        memcpy(b, orig, n);
        t_put8(b + optoff + 108, 1, 4);
        os = memintro_pe_open_file(&pe, b, n);
        exercise(b, n, &os, &es, &is, &se, &si);
        CHECK(os == MEMINTRO_OK && pe.ndirs == 1 && es == MEMINTRO_OK && is == MEMINTRO_E_NOTFOUND,
              "damaged: NumberOfRvaAndSizes 1: one data directory, exports read, imports E_NOTFOUND");
    }
    /* a name pointer into a section's tail past its raw data: the loader's zeros, "" */
    {
        uint32_t i, nsec = (uint32_t)t_get(orig + lfanew + 6, 2), tail = 0;
        const uint8_t *sec = orig + optoff + t_get(orig + lfanew + 20, 2);
        for (i = 0; i < nsec && !tail; i++) {
            uint32_t vs = (uint32_t)t_get(sec + 40 * i + 8, 4), raw = (uint32_t)t_get(sec + 40 * i + 16, 4);
            if (vs > raw + 64) tail = (uint32_t)t_get(sec + 40 * i + 12, 4) + raw + 16;
        }
        CHECK(tail != 0, "damaged: %s has a section whose VirtualSize exceeds its raw data", path);
        if (tail) {
            got_exp g;
            size_t k2, hit = 0;
            uint32_t ords_off = rva_to_off(orig, n, (uint32_t)t_get(orig + eoff + 36, 4));
            uint32_t ord3 = (uint32_t)t_get(orig + eoff + 16, 4) + (uint32_t)t_get(orig + ords_off + 6, 2);
            memintro_pe pe;
            memcpy(b, orig, n);
            t_put8(b + names_off + 12, tail, 4);
            memintro_pe_open_file(&pe, b, n);
            memset(&g, 0, sizeof g);
            os = memintro_pe_exports(&pe, on_export, &g);
            for (k2 = 0; k2 < g.n; k2++)
                if (g.e[k2].ordinal == ord3 && !g.e[k2].name[0] && g.e[k2].status == MEMINTRO_OK) hit++;
            CHECK(os == MEMINTRO_OK && hit == 1,
                  "damaged: a name in a section's zero tail (RVA 0x%x) reads as \"\" with OK, as mapped (%s)", tail,
                  memintro_status_str(os));
            free(g.e);
        }
    }
    /* a descriptor with FirstThunk 0 ends the table, as for the loader */
    {
        uint32_t oft0 = (uint32_t)t_get(orig + ioff, 4), o0 = rva_to_off(orig, n, oft0), cnt = 0;
        while (o0 + 8ull * (cnt + 1) <= n && t_get(orig + o0 + 8 * cnt, 8)) cnt++;
        memcpy(b, orig, n);
        t_put8(b + ioff + 20 + 16, 0, 4);
        exercise(b, n, &os, &es, &is, &se, &si);
        CHECK(is == MEMINTRO_OK && si.n == cnt && cnt > 0,
              "damaged: the second descriptor's FirstThunk is 0: the walk ends after the first DLL's %u imports (%zu)", cnt,
              si.n);
    }
    /* the import directory: a descriptor whose thunks leave the image, a name far away */
    memcpy(b, orig, n);
    t_put8(b + ioff + 0, soi - 4, 4);  /* OriginalFirstThunk: the last 4 bytes of the image */
    t_put8(b + ioff + 12, soi + 100, 4); /* Name outside */
    exercise(b, n, &os, &es, &is, &se, &si);
    CHECK(os == MEMINTRO_OK && is == MEMINTRO_E_FORMAT && si.worst == MEMINTRO_E_FORMAT,
          "damaged: an import descriptor pointing outside the image: E_FORMAT on its entries, the walk goes on (%zu entries)",
          si.n);
    /* descriptor tables that do not end: in 128 KiB appended to the last section */
    {
        uint32_t i, nsec = (uint32_t)t_get(orig + lfanew + 6, 2), sh = 0, va = 0, raw = 0, ptr = 0, A;
        const uint32_t extra = 0x20000;
        size_t bn;
        uint8_t *big;
        const uint8_t *sec = orig + optoff + t_get(orig + lfanew + 20, 2);
        for (i = 0; i < nsec; i++)
            if ((uint32_t)t_get(sec + 40 * i + 12, 4) >= va) {
                sh = (uint32_t)(sec + 40 * i - orig);
                va = (uint32_t)t_get(sec + 40 * i + 12, 4);
                raw = (uint32_t)t_get(sec + 40 * i + 16, 4);
                ptr = (uint32_t)t_get(sec + 40 * i + 20, 4);
            }
        bn = (size_t)ptr + raw + extra;
        big = (uint8_t *)calloc(1, bn);
        memcpy(big, orig, (size_t)ptr + raw < n ? (size_t)ptr + raw : n);
        t_put8(big + sh + 8, raw + extra, 4);
        t_put8(big + sh + 16, raw + extra, 4);
        t_put8(big + optoff + 56, va + raw + extra, 4);
        A = va + raw; /* a zero thunk at A, descriptors from A + 16 */
        t_put8(big + optoff + 120, A + 16, 4);
        for (i = 0; i < (extra - 32) / 20; i++) memcpy(big + ptr + raw + 16 + 20 * i, orig + ioff, 20);
        exercise(big, bn, &os, &es, &is, &se, &si);
        CHECK(os == MEMINTRO_OK && is == MEMINTRO_E_LIMIT && si.n == MEMINTRO_PE_MAX_IMPORTS,
              "damaged: %u copies of a descriptor of %s's imports: %u thunks reported, then E_LIMIT (%s, %zu)",
              (extra - 32) / 20, path, MEMINTRO_PE_MAX_IMPORTS, memintro_status_str(is), si.n);
        for (i = 0; i < (extra - 32) / 20; i++) {
            t_put8(big + ptr + raw + 16 + 20 * i, A, 4);      /* an empty lookup table */
            t_put8(big + ptr + raw + 16 + 20 * i + 16, A, 4); /* FirstThunk */
        }
        exercise(big, bn, &os, &es, &is, &se, &si);
        CHECK(os == MEMINTRO_OK && is == MEMINTRO_E_LIMIT && si.n == 0,
              "damaged: %u descriptors of empty DLLs: E_LIMIT after %u (%s)", (extra - 32) / 20,
              MEMINTRO_PE_MAX_IMPORT_DLLS, memintro_status_str(is));
        free(big);
    }
    free(b);
    free(orig);
}

/* ---- a hand-made export table: aliases, an unsorted name table ------------------------- */

/* A minimal PE32+ image in file layout where file offset == RVA (one section covering it all):
   an export directory at 0x200 with `nf` functions and the names given (each with its
   function index). */
/* A minimal PE32+ image in file layout where file offset == RVA (one section covering it all):
   an export directory at 0x200 with `nf` functions and the names given (each with its
   function index). spread: the address table at 0x1000, the name pointers at 0x2000, the
   ordinals at 0x3000 and the strings at 0x3400, each table on a page of its own (cap must
   then be at least 0x5000); else packed after the directory. */
static size_t make_pe(uint8_t *img, size_t cap, uint32_t nf, const char *const *names, const uint16_t *idx, uint32_t nn,
                      int spread)
{
    uint32_t i, p, eat, npt, ord;
    memset(img, 0, cap);
    img[0] = 'M';
    img[1] = 'Z';
    t_put8(img + 0x3c, 0x40, 4);
    memcpy(img + 0x40, "PE\0\0", 4);
    t_put8(img + 0x44, 0x8664, 2);
    t_put8(img + 0x46, 1, 2);      /* one section */
    t_put8(img + 0x54, 240, 2);    /* SizeOfOptionalHeader */
    t_put8(img + 0x56, 0x2022, 2);
    t_put8(img + 0x58, 0x20b, 2);
    t_put8(img + 0x58 + 24, 0x180000000ull, 8);
    t_put8(img + 0x58 + 32, 0x1000, 4); /* SectionAlignment */
    t_put8(img + 0x58 + 56, (uint32_t)cap, 4);
    t_put8(img + 0x58 + 60, 0x200, 4);
    t_put8(img + 0x58 + 108, 16, 4);
    t_put8(img + 0x58 + 112, 0x200, 4);        /* export directory */
    t_put8(img + 0x58 + 116, (uint32_t)cap - 0x200, 4);
    memcpy(img + 0x148, ".edata", 6);            /* section table at 0x58 + 240 = 0x148 */
    t_put8(img + 0x148 + 8, (uint32_t)cap - 0x200, 4);
    t_put8(img + 0x148 + 12, 0x200, 4);
    t_put8(img + 0x148 + 16, (uint32_t)cap - 0x200, 4);
    t_put8(img + 0x148 + 20, 0x200, 4);
    eat = spread ? 0x1000 : 0x240;
    npt = spread ? 0x2000 : eat + 4 * nf;
    ord = spread ? 0x3000 : npt + 4 * nn;
    p = spread ? 0x3400 : ord + 2 * nn;
    t_put8(img + 0x200 + 16, 1, 4);
    t_put8(img + 0x200 + 20, nf, 4);
    t_put8(img + 0x200 + 24, nn, 4);
    t_put8(img + 0x200 + 28, eat, 4);
    t_put8(img + 0x200 + 32, npt, 4);
    t_put8(img + 0x200 + 36, ord, 4);
    for (i = 0; i < nf; i++) t_put8(img + eat + 4 * i, 0x100000 + 0x10 * i, 4);
    t_put8(img + 0x200 + 12, p, 4);
    memcpy(img + p, "hand.dll", 9);
    p += 9;
    for (i = 0; i < nn; i++) {
        size_t l = strlen(names[i]) + 1;
        t_put8(img + npt + 4 * i, p, 4);
        t_put8(img + ord + 2 * i, idx[i], 2);
        memcpy(img + p, names[i], l);
        p += (uint32_t)l;
    }
    return cap;
}

static void check_handmade(void)
{
    static uint8_t img[0x4000];
    static const char *const unsorted[] = {"Zulu", "alpha", "Bravo", "charlie", "Alpha"};
    static const uint16_t uidx[] = {4, 0, 1, 2, 3};
    static const char *const alias[] = {"first", "second", "third", "fourth"};
    static const uint16_t aidx[] = {1, 1, 1, 0};
    memintro_pe pe;
    memintro_pe_export e;
    got_exp g;
    size_t i, ok = 0;
    /* unsorted names: the binary search misses some, the linear pass finds them */
    make_pe(img, sizeof img, 5, unsorted, uidx, 5, 0);
    CHECK(memintro_pe_open_file(&pe, img, sizeof img) == MEMINTRO_OK && !strcmp(pe.export_name, "hand.dll"),
          "hand-made (synthetic): a minimal PE32+ with an export table opens, export_name \"hand.dll\"");
    for (i = 0; i < 5; i++)
        if (memintro_pe_export_find(&pe, unsorted[i], &e) == MEMINTRO_OK && e.ordinal == 1u + uidx[i] &&
            e.rva == 0x100000u + 0x10u * uidx[i])
            ok++;
    CHECK(ok == 5, "hand-made: an unsorted name table: every name found with its ordinal (%zu of 5)", ok);
    CHECK(memintro_pe_export_find(&pe, "delta", &e) == MEMINTRO_E_NOTFOUND && !(pe.flags & MEMINTRO_PE_NAMES_SORTED),
          "hand-made: a miss is E_NOTFOUND and the table is known unsorted");
    /* aliases: three names for one function, one function with none */
    make_pe(img, sizeof img, 3, alias, aidx, 4, 0);
    memintro_pe_open_file(&pe, img, sizeof img);
    memset(&g, 0, sizeof g);
    CHECK(memintro_pe_exports(&pe, on_export, &g) == MEMINTRO_OK && g.n == 5 && g.e[0].ordinal == 1 &&
              !strcmp(g.e[0].name, "fourth") && g.e[1].ordinal == 2 && !strcmp(g.e[1].name, "first") &&
              !strcmp(g.e[2].name, "second") && !strcmp(g.e[3].name, "third") && g.e[4].ordinal == 3 &&
              !g.e[4].name[0] && g.e[4].status == MEMINTRO_OK,
          "hand-made: three names of one function are three entries in name-table order, the unnamed one is by "
          "ordinal (%zu entries)",
          g.n);
    free(g.e);
    {
        /* 600 names for function 0: more than one pass can hold */
        static char nbuf[600][8];
        static const char *many[600];
        static uint16_t midx[600];
        static uint8_t img2[0x4000];
        for (i = 0; i < 600; i++) {
            snprintf(nbuf[i], sizeof nbuf[i], "n%03u", (unsigned)i);
            many[i] = nbuf[i];
            midx[i] = 0;
        }
        for (i = 300; i < 600; i++) midx[i] = 1;
        make_pe(img2, sizeof img2, 3, many, midx, 600, 0);
        memintro_pe_open_file(&pe, img2, sizeof img2);
        memset(&g, 0, sizeof g);
        {
            memintro_status st = memintro_pe_exports(&pe, on_export, &g);
            size_t order = 0;
            for (i = 0; i < g.n && i < 600; i++)
                if (g.e[i].ordinal == (i < 300 ? 1u : 2u) && !strcmp(g.e[i].name, nbuf[i])) order++;
            CHECK(st == MEMINTRO_OK && g.n == 601 && order == 600 && g.e[600].ordinal == 3,
                  "hand-made: 300 names for each of two functions (more than one pass holds): smaller passes report "
                  "all 600 in order, then the unnamed third (%s, %zu)",
                  memintro_status_str(st), g.n);
        }
        free(g.e);
        for (i = 0; i < 600; i++) midx[i] = 0;
        make_pe(img2, sizeof img2, 2, many, midx, 600, 0);
        memintro_pe_open_file(&pe, img2, sizeof img2);
        memset(&g, 0, sizeof g);
        {
            memintro_status st = memintro_pe_exports(&pe, on_export, &g);
            CHECK(st == MEMINTRO_E_LIMIT && g.n >= 256 && g.n <= 601,
                  "hand-made: 600 names of one function: the walk reports what one pass holds and says E_LIMIT (%s, %zu)",
                  memintro_status_str(st), g.n);
        }
        free(g.e);
    }
    {
        /* mapped: functions with and without names, the address table's page absent, then
           the ordinal table's */
        static uint8_t img3[0x5000];
        static const char *const nm[] = {"one", "three"};
        static const uint16_t ni[] = {0, 2};
        guest *gs = (guest *)calloc(1, sizeof *gs);
        const uint64_t base = 0x7ff700000000ull;
        size_t unmapped_ok = 0, nameless_flagged = 0, bad = 0;
        memintro_status st;
        make_pe(img3, sizeof img3, 4, nm, ni, 2, 1);
        CHECK(gs && guest_load(gs, img3, sizeof img3, base, 1), "hand-made mapped: built");
        unmap4k(gs, base + 0x1000);
        memintro_pe_open(&pe, &gs->v, base);
        memset(&g, 0, sizeof g);
        st = memintro_pe_exports(&pe, on_export, &g);
        for (i = 0; i < g.n; i++) {
            if (g.e[i].status == MEMINTRO_E_UNMAPPED && !g.e[i].rva && g.e[i].ordinal == 1 + i) unmapped_ok++;
            if ((i == 0 && strcmp(g.e[i].name, "one")) || (i == 2 && strcmp(g.e[i].name, "three")) ||
                ((i == 1 || i == 3) && g.e[i].name[0]))
                bad++;
        }
        CHECK(st == MEMINTRO_E_UNMAPPED && g.n == 4 && unmapped_ok == 4 && !bad,
              "hand-made mapped: address table absent: all 4 functions reported in order, RVA 0 and E_UNMAPPED, named "
              "ones with their names (%zu entries, %s)",
              g.n, memintro_status_str(st));
        free(g.e);
        guest_map_all(gs, base);
        unmap4k(gs, base + 0x3000);
        memintro_pe_open(&pe, &gs->v, base);
        memset(&g, 0, sizeof g);
        st = memintro_pe_exports(&pe, on_export, &g);
        for (i = 0; i < g.n; i++)
            if (!g.e[i].name[0] && g.e[i].status == MEMINTRO_E_UNMAPPED && g.e[i].rva == 0x100000u + 0x10u * (uint32_t)i)
                nameless_flagged++;
        CHECK(st == MEMINTRO_E_UNMAPPED && g.n == 4 && nameless_flagged == 4,
              "hand-made mapped: ordinal table absent: the 4 functions come with their RVAs but E_UNMAPPED, since a "
              "name of theirs may be in what was not read (%zu entries, %zu flagged)",
              g.n, nameless_flagged);
        CHECK(memintro_pe_export_find(&pe, "three", &e) == MEMINTRO_E_UNMAPPED,
              "hand-made mapped: find of a name whose ordinal is absent: E_UNMAPPED");
        free(g.e);
        guest_map_all(gs, base);
        memintro_pe_open(&pe, &gs->v, base);
        CHECK(memintro_pe_export_find(&pe, "two", &e) == MEMINTRO_E_NOTFOUND && (pe.flags & MEMINTRO_PE_NAMES_SORTED),
              "hand-made mapped: a miss over the sorted names: E_NOTFOUND, the names known sorted");
        unmap4k(gs, base + 0x2000);
        CHECK(memintro_pe_export_find(&pe, "two", &e) == MEMINTRO_E_UNMAPPED,
              "hand-made mapped: the same miss once the name pointers are absent: E_UNMAPPED, not E_NOTFOUND");
        if (gs) free(gs->mem);
        free(gs);
    }
}

/* ---- DLLs built here ----------------------------------------------------------------- */

static int run(const char *cmd)
{
    int r = system(cmd);
    if (r != 0) printf("# command failed (%d): %s\n", r, cmd);
    return r == 0;
}

static int build_dlls(const char *dir, int *have32)
{
    char cmd[4096];
    FILE *f;
    char p[1024];
    snprintf(p, sizeof p, "%s/t.c", dir);
    f = fopen(p, "w");
    if (!f) return 0;
    fputs("int alpha(int x) { return x + 1; }\n"
          "int beta(int x) { return x * 2; }\n"
          "int gamma_(int x) { return x * 3; }\n"
          "int zeta(int x) { return x - 1; }\n"
          "int data_value = 42;\n",
          f);
    fclose(f);
    snprintf(p, sizeof p, "%s/t.def", dir);
    f = fopen(p, "w");
    if (!f) return 0;
    /* beta is exported by ordinal only; HeapAllocFwd is a forwarder */
    fputs("LIBRARY t.dll\nEXPORTS\n  alpha @1\n  beta @4660 NONAME\n  gamma = gamma_ @7\n"
          "  HeapAllocFwd = KERNEL32.HeapAlloc @9\n  zeta @3\n  data_value @12 DATA\n",
          f);
    fclose(f);
    snprintf(p, sizeof p, "%s/u.c", dir);
    f = fopen(p, "w");
    if (!f) return 0;
    /* imports alpha and zeta by name, beta by ordinal (NONAME), kernel32 by name */
    fputs("#include <windows.h>\nextern int alpha(int), beta(int), zeta(int);\n"
          "__declspec(dllexport) int uses(int x) { return alpha(x) + beta(x) + zeta(x) + (int)GetTickCount(); }\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && x86_64-w64-mingw32-gcc -shared -O2 -s -o t64.dll t.c t.def -Wl,--out-implib,libt64.a && "
             "x86_64-w64-mingw32-gcc -shared -O2 -s -o u64.dll u.c -L. -lt64",
             dir);
    if (!run(cmd)) return 0;
    snprintf(cmd, sizeof cmd,
             "cd '%s' && i686-w64-mingw32-gcc -shared -O2 -s -o t32.dll t.c t.def -Wl,--out-implib,libt32.a && "
             "i686-w64-mingw32-gcc -shared -O2 -s -o u32.dll u.c -L. -lt32",
             dir);
    *have32 = run(cmd);
    return 1;
}

int main(void)
{
    char dir[] = "/tmp/memintro-pe-XXXXXX", p[1200], q[1200];
    int have32 = 0;
    static const char *const wine[] = {"kernel32.dll", "ntdll.dll", "user32.dll", "msvcrt.dll", "advapi32.dll",
                                       "kernelbase.dll", "ws2_32.dll", "notepad.exe"};
    size_t i;

    check_handmade();

    if (system(OBJDUMP " --version >/dev/null 2>&1") != 0) {
        CHECK(0, OBJDUMP " is not installed (make test-deps: binutils-mingw-w64-x86-64)");
        return check_done();
    }
    /* wine's real DLLs as files */
    for (i = 0; i < sizeof wine / sizeof wine[0]; i++) {
        snprintf(p, sizeof p, WINE64 "%s", wine[i]);
        snprintf(q, sizeof q, "wine %s (file)", wine[i]);
        check_file(p, q);
    }
    check_file(WINE32 "zlib1.dll", "wine i386 zlib1.dll (file, PE32)");

    /* DLLs built here */
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return check_done();
    }
    CHECK(build_dlls(dir, &have32), "x86_64-w64-mingw32-gcc builds t64.dll (named, NONAME, forwarder, DATA exports) and "
                                    "u64.dll (imports by name and by ordinal)");
    CHECK(have32, "i686-w64-mingw32-gcc builds t32.dll and u32.dll (PE32; make test-deps: gcc-mingw-w64-i686)");
    snprintf(p, sizeof p, "%s/t64.dll", dir);
    check_file(p, "mingw t64.dll (file)");
    snprintf(p, sizeof p, "%s/u64.dll", dir);
    check_file(p, "mingw u64.dll (file)");
    if (have32) {
        snprintf(p, sizeof p, "%s/t32.dll", dir);
        check_file(p, "mingw t32.dll (file, PE32)");
        snprintf(p, sizeof p, "%s/u32.dll", dir);
        check_file(p, "mingw u32.dll (file, PE32)");
    }

    /* mapped: a real DLL loaded into a synthetic x86-64 guest */
    check_mapped(WINE64 "kernel32.dll", "mapped kernel32.dll", 0x00007ffb12340000ull, 1);
    check_mapped(WINE64 "ntdll.dll", "mapped ntdll.dll (batched reads, no direct access)", 0x00007ffb56780000ull, 0);
    check_mapped(WINE32 "zlib1.dll", "mapped zlib1.dll (PE32)", 0x63080000ull, 1);
    snprintf(p, sizeof p, "%s/u64.dll", dir);
    check_mapped(p, "mapped u64.dll", 0x0000000180000000ull, 0);
    if (have32) {
        snprintf(p, sizeof p, "%s/u32.dll", dir);
        check_mapped(p, "mapped u32.dll (PE32)", 0x10000000ull, 1);
    }

    /* damaged */
    check_damaged(WINE64 "kernel32.dll");

    snprintf(p, sizeof p, "rm -rf '%s'", dir);
    if (system(p) != 0) printf("# could not remove %s\n", dir);
    return check_done();
}
