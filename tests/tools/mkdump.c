/* tests/tools/mkdump.c: writes memory dumps in every format memintro_coredump.h reads, from a
   known synthetic image (default) or from the memory of an existing dump (--from).

       mkdump KIND OUT [--from DUMP]     one file
       mkdump seeds DIR                  the fuzzers' seed corpus (small files)
       mkdump --list                     the kinds

   KIND: raw elf64 elf32 elf64-xnum elf64-tail lime win64-full win64-fdmp win64-sdmp
   win32-full win32-fdmp win32-sdmp, and kdump-COMP[-flat][-32] with COMP one of plain,
   zlib, lzo, snappy, zstd, mixed (e.g. kdump-snappy-flat). The known image is described in
   tests/tools/mkdump_gen.h; 32-bit kinds use its part below 4 GiB.

   With --from, the pages come from DUMP, read through memintro_coredump.h (so that the
   Windows and LiME files of a real guest can be compared with its QEMU dumps); the tests
   never derive expected values from such files alone. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#define MEMINTRO_COREDUMP_LZO
#define MEMINTRO_COREDUMP_SNAPPY
#define MEMINTRO_COREDUMP_ZSTD
#include "memintro_coredump.h"
#include "tests/tools/mkdump_gen.h"

static const char *const kinds[] = {"raw",        "elf64",      "elf32",      "elf64-xnum", "elf64-tail", "lime",
                                    "win64-full", "win64-fdmp", "win64-sdmp", "win32-full", "win32-fdmp", "win32-sdmp"};
static const char *const comps[] = {"plain", "zlib", "lzo", "snappy", "zstd", "mixed"};
static const uint32_t compv[] = {0, 1, 2, 4, 0x20, 0};

static void from_dump_page(void *user, uint64_t pa, uint8_t *out)
{
    memintro_phys_read1((memintro_phys *)user, pa, out, 4096); /* holes read as zeros */
}

static int build(const char *kind, const mk_src *all, const mk_src *low, mkbuf *b)
{
    size_t i;
    if (!strcmp(kind, "raw")) {
        /* the low part as a flat image, holes zero-filled */
        uint64_t a, end = mk_end(low);
        uint8_t page[4096];
        for (a = 0; a < end; a += 4096) {
            size_t k;
            int in = 0;
            for (k = 0; k < low->n; k++)
                if (a >= low->r[k].start && a < low->r[k].start + low->r[k].size) in = 1;
            if (in)
                low->page(low->user, a, page);
            else
                memset(page, 0, sizeof page);
            mkb_put(b, page, 4096);
        }
        return 0;
    }
    if (!strcmp(kind, "elf64")) return mk_elf(b, all, 0, 2), 0;
    if (!strcmp(kind, "elf32")) return mk_elf(b, low, MKE_32, 2), 0;
    if (!strcmp(kind, "elf64-xnum")) return mk_elf(b, all, MKE_SPLIT, 2), 0;
    if (!strcmp(kind, "elf64-tail")) return mk_elf(b, all, MKE_TAIL | MKE_OVERLAP | MKE_UNSAVED, 2), 0;
    if (!strcmp(kind, "lime")) return mk_lime(b, all), 0;
    if (!strcmp(kind, "win64-full")) return mk_windows(b, all, 0), 0;
    if (!strcmp(kind, "win64-fdmp")) return mk_windows(b, all, MKW_FDMP), 0;
    if (!strcmp(kind, "win64-sdmp")) return mk_windows(b, all, MKW_SDMP), 0;
    if (!strcmp(kind, "win32-full")) return mk_windows(b, low, MKW_32), 0;
    if (!strcmp(kind, "win32-fdmp")) return mk_windows(b, low, MKW_32 | MKW_FDMP), 0;
    if (!strcmp(kind, "win32-sdmp")) return mk_windows(b, low, MKW_32 | MKW_SDMP), 0;
    if (!strncmp(kind, "kdump-", 6)) {
        const char *c = kind + 6;
        for (i = 0; i < sizeof comps / sizeof comps[0]; i++) {
            size_t n = strlen(comps[i]);
            unsigned flags = 0;
            const char *rest;
            if (strncmp(c, comps[i], n)) continue;
            rest = c + n;
            if (!strncmp(rest, "-flat", 5)) {
                flags |= MKK_FLAT;
                rest += 5;
            }
            if (!strcmp(rest, "-32"))
                flags |= MKK_32;
            else if (*rest)
                continue;
            if (!strcmp(comps[i], "mixed")) flags |= MKK_MIXED;
            mk_kdump(b, (flags & MKK_32) ? low : all, compv[i], flags);
            return 0;
        }
    }
    return -1;
}

static int write_file(const char *path, const mkbuf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) {
        fprintf(stderr, "mkdump: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* A tiny image for seeds: 5 pages below 64 KiB (kdump bitmaps stay one block). */
static const mk_range tiny_ranges[3] = {{0x0, 0x2000}, {0x5000, 0x2000}, {0x100000000ull, 0x1000}};

static int seeds(const char *dir)
{
    mk_src t = mkg_known(), tl;
    static const char *const list[] = {"elf64",           "elf32",        "elf64-tail",         "lime",
                                       "win64-full",      "win64-fdmp",   "win64-sdmp",         "win32-full",
                                       "win32-fdmp",      "win32-sdmp",   "kdump-plain",        "kdump-zlib",
                                       "kdump-lzo",       "kdump-snappy", "kdump-zstd",         "kdump-mixed-flat",
                                       "kdump-zlib-flat", "kdump-lzo-32", "kdump-mixed-flat-32"};
    size_t i;
    char path[4096];
    t.r = tiny_ranges;
    t.n = 3;
    tl = t;
    tl.n = 2;
    for (i = 0; i < sizeof list / sizeof list[0]; i++) {
        mkbuf b = {0, 0, 0, 0};
        /* kdump and Windows bitmaps cover every pfn up to the highest: keep them low */
        int low_only = !strncmp(list[i], "kdump", 5) || strstr(list[i], "dmp");
        build(list[i], low_only ? &tl : &t, &tl, &b);
        snprintf(path, sizeof path, "%s/%s", dir, list[i]);
        if (write_file(path, &b)) return 1;
        mkb_free(&b);
    }
    return 0;
}

int main(int argc, char **argv)
{
    mk_src all = mkg_known(), low = mkg_known_low();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    mk_range *r = 0;
    size_t i;
    int from = 0;
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) printf("%s\n", kinds[i]);
        for (i = 0; i < sizeof comps / sizeof comps[0]; i++)
            printf("kdump-%s kdump-%s-flat kdump-%s-32 kdump-%s-flat-32\n", comps[i], comps[i], comps[i], comps[i]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "seeds")) return seeds(argv[2]);
    if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--from"))) {
        fprintf(stderr, "usage: mkdump KIND OUT [--from DUMP] | mkdump seeds DIR | mkdump --list\n");
        return 2;
    }
    if (argc == 5) {
        size_t n = 0;
        if (memintro_coredump_open(&d, argv[4], 0) != MEMINTRO_OK) {
            fprintf(stderr, "mkdump: %s: %s\n", argv[4], memintro_coredump_error(&d));
            return 1;
        }
        from = 1;
        r = (mk_range *)calloc(d.map.count + 1, sizeof *r);
        for (i = 0; i < d.map.count; i++) {
            const memintro_range *m = &d.map.ranges[i];
            if ((m->start | m->size) & 4095) {
                fprintf(stderr, "mkdump: %s: range 0x%llx+0x%llx is not page aligned\n", argv[4],
                        (unsigned long long)m->start, (unsigned long long)m->size);
                return 1;
            }
            r[n].start = m->start;
            r[n].size = m->size;
            n++;
        }
        all.r = r;
        all.n = n;
        all.page = from_dump_page;
        all.user = &d.phys;
        low = all;
        for (low.n = 0; low.n < n && r[low.n].start + r[low.n].size <= 0x100000000ull; low.n++) {
        }
    }
    {
        /* Windows and LiME files are written as they are made (no copy of the whole dump in
           memory); the others are built in memory first */
        FILE *f = fopen(argv[2], "wb");
        if (!f) {
            fprintf(stderr, "mkdump: cannot create %s\n", argv[2]);
            return 1;
        }
        if (!strncmp(argv[1], "win", 3) || !strcmp(argv[1], "lime")) b.f = f;
        if (build(argv[1], &all, &low, &b)) {
            fprintf(stderr, "mkdump: unknown kind %s (mkdump --list)\n", argv[1]);
            fclose(f);
            remove(argv[2]);
            return 2;
        }
        if (fwrite(b.p, 1, b.n, f) != b.n || fclose(f)) {
            fprintf(stderr, "mkdump: cannot write %s\n", argv[2]);
            return 1;
        }
    }
    mkb_free(&b);
    if (from) memintro_coredump_close(&d);
    free(r);
    return 0;
}
