/* tests/tools/mkwin32.c: writes SYNTHETIC Windows guest images (tests/win32_image.h) to files
   for the CLI tests and the benchmarks.

     mkwin32 DIR
         for each variant NAME below: DIR/NAME.raw (raw image), NAME.dmp (full Windows crash
         dump), NAME.elf (ELF core) and NAME.json (the generator's spec: what a correct reader
         finds)
     mkwin32 --one OPTIONS PATH
         one image: PATH in the format of its extension (.dmp crash dump, .elf ELF core, else
         raw) and its manifest beside it (the extension replaced by .json). OPTIONS: comma-separated key=value:
           build=N (19045)  arch=x64|pae|x86 (x64)  ram=SIZE with K/M/G (64M)
           procs=N (8)  mods=N (4)  seed=N
           flags=F[+F...] with F in nostub unknown cycle wild absurd selfpte wow64
         e.g. mkwin32 --one build=22631,ram=4G,procs=200,mods=8,flags=wow64 big.raw
     mkwin32 --list
         the variants' names

   The JSON manifest: {"name", "arch" ("x64"|"pae"|"x86"), "build", "major", "minor",
   "dtb", "kernel_base", "kernel_size", "system_eprocess", "ps_active_process_head",
   "ps_loaded_module_list", "kd_debugger_data_block", "kernel_rip", "offsets"
   ("table"|"locator"), "low_stub" (bool), "damaged" (bool), "walk_limit" (processes a
   correct walk reports), "processes": [{"pid", "ppid", "name", "dtb", "wow64", "exited",
   "eprocess", "peb", "peb32", "marker_va", "marker"}], "modules": {"PID": [{"base",
   "size", "name", "path", "pe" (a PE image is mapped there), "pe_paged" (but its export page
   is not), "export_name", "exports": [{"ordinal", "rva", "name", "forwarder"}] in ordinal
   order}]}, "modules32": {"PID": [...]} (WoW64 processes), "kernel_modules": [...]}. Addresses are "0x..." strings, sizes and pids numbers;
   "processes" lists the whole ring in list order, of which a walk of a damaged image
   reports the first walk_limit. */
#include "tests/win32_image.h"

#include <errno.h>
#include <sys/stat.h>

static const char *arch_name(memintro_arch a)
{
    return a == MEMINTRO_ARCH_X86_64 ? "x64" : a == MEMINTRO_ARCH_X86_PAE ? "pae" : "x86";
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void jmods(FILE *f, const w32i_module *m, uint32_t n)
{
    uint32_t i, j;
    fputc('[', f);
    for (i = 0; i < n; i++) {
        fprintf(f, "%s{\"base\":\"0x%llx\",\"size\":%llu,\"name\":", i ? "," : "", (unsigned long long)m[i].base,
                (unsigned long long)m[i].size);
        jstr(f, m[i].name);
        fprintf(f, ",\"path\":");
        jstr(f, m[i].path);
        if (m[i].damaged) fprintf(f, ",\"damaged\":true");
        fprintf(f, ",\"pe\":%s,\"pe_paged\":%s,\"export_name\":", m[i].pe ? "true" : "false",
                m[i].pe_paged ? "true" : "false");
        jstr(f, m[i].export_name);
        fprintf(f, ",\"exports\":[");
        for (j = 0; j < m[i].nexports; j++) {
            const w32i_export *x = &m[i].exports[j];
            fprintf(f, "%s{\"ordinal\":%u,\"rva\":\"0x%x\",\"name\":", j ? "," : "", x->ordinal, x->rva);
            jstr(f, x->name);
            fprintf(f, ",\"forwarder\":");
            jstr(f, x->forwarder);
            fputc('}', f);
        }
        fprintf(f, "]}");
    }
    fputc(']', f);
}

static int write_json(const w32i_image *img, const char *name, const char *path)
{
    FILE *f = fopen(path, "w");
    uint32_t i, first;
    if (!f) return -1;
    fprintf(f, "{\"name\":");
    jstr(f, name);
    fprintf(f, ",\"arch\":\"%s\",\"build\":%u,\"major\":%u,\"minor\":%u", arch_name(img->arch), img->build, img->major,
            img->minor);
    fprintf(f, ",\"dtb\":\"0x%llx\",\"kernel_base\":\"0x%llx\",\"kernel_size\":%llu", (unsigned long long)img->dtb,
            (unsigned long long)img->kernel_base, (unsigned long long)img->kernel_size);
    fprintf(f, ",\"system_eprocess\":\"0x%llx\",\"ps_active_process_head\":\"0x%llx\",\"ps_loaded_module_list\":\"0x%llx\"",
            (unsigned long long)img->system_eprocess, (unsigned long long)img->ps_active_process_head,
            (unsigned long long)img->ps_loaded_module_list);
    fprintf(f, ",\"kd_debugger_data_block\":\"0x%llx\",\"kernel_rip\":\"0x%llx\"",
            (unsigned long long)img->kd_debugger_data_block, (unsigned long long)img->kernel_rip);
    fprintf(f, ",\"offsets\":\"%s\",\"low_stub\":%s,\"damaged\":%s,\"walk_limit\":%u",
            img->unknown_build ? "locator" : "table", img->low_stub ? "true" : "false",
            img->damaged ? "true" : "false", img->walk_limit);
    fprintf(f, ",\n\"processes\":[");
    for (i = 0; i < img->nprocs; i++) {
        const w32i_process *p = &img->procs[i];
        fprintf(f, "%s\n{\"pid\":%llu,\"ppid\":%llu,\"name\":", i ? "," : "", (unsigned long long)p->pid,
                (unsigned long long)p->ppid);
        jstr(f, p->name);
        fprintf(f, ",\"dtb\":\"0x%llx\",\"wow64\":%s,\"exited\":%s,\"eprocess\":\"0x%llx\",\"peb\":\"0x%llx\"",
                (unsigned long long)p->dtb, p->wow64 ? "true" : "false", p->exited ? "true" : "false",
                (unsigned long long)p->eprocess, (unsigned long long)p->peb);
        fprintf(f, ",\"peb32\":\"0x%llx\",\"marker_va\":\"0x%llx\",\"marker\":", (unsigned long long)p->peb32,
                (unsigned long long)p->marker_va);
        jstr(f, p->marker);
        fputc('}', f);
    }
    fprintf(f, "],\n\"modules\":{");
    for (i = 0, first = 1; i < img->nprocs; i++) {
        if (!img->procs[i].nmods) continue;
        fprintf(f, "%s\n\"%llu\":", first ? "" : ",", (unsigned long long)img->procs[i].pid);
        jmods(f, img->procs[i].mods, img->procs[i].nmods);
        first = 0;
    }
    fprintf(f, "},\n\"modules32\":{");
    for (i = 0, first = 1; i < img->nprocs; i++) {
        if (!img->procs[i].nmods32) continue;
        fprintf(f, "%s\n\"%llu\":", first ? "" : ",", (unsigned long long)img->procs[i].pid);
        jmods(f, img->procs[i].mods32, img->procs[i].nmods32);
        first = 0;
    }
    fprintf(f, "},\n\"kernel_modules\":");
    jmods(f, img->kmods, img->nkmods);
    fprintf(f, "}\n");
    return fclose(f) ? -1 : 0;
}

static const struct {
    const char *name;
    uint32_t build;
    memintro_arch arch;
    uint32_t flags;
} variants[] = {
    {"x64-19045", 19045, MEMINTRO_ARCH_X86_64, W32I_WOW64},
    {"x64-7601", 7601, MEMINTRO_ARCH_X86_64, W32I_WOW64},
    {"x64-26100", 26100, MEMINTRO_ARCH_X86_64, W32I_WOW64},
    {"x64-19045-nostub", 19045, MEMINTRO_ARCH_X86_64, W32I_WOW64 | W32I_NO_LOW_STUB},
    {"x64-27999-unknown", 27999, MEMINTRO_ARCH_X86_64, W32I_WOW64 | W32I_UNKNOWN_BUILD},
    {"pae-19045", 19045, MEMINTRO_ARCH_X86_PAE, 0},
    {"x86-7601", 7601, MEMINTRO_ARCH_X86, 0},
    {"x64-19045-cycle", 19045, MEMINTRO_ARCH_X86_64, W32I_CYCLE},
    {"x64-19045-wild", 19045, MEMINTRO_ARCH_X86_64, W32I_WILD_POINTER},
    {"x64-19045-absurd", 19045, MEMINTRO_ARCH_X86_64, W32I_ABSURD_NAME},
    {"x64-19045-selfpte", 19045, MEMINTRO_ARCH_X86_64, W32I_SELF_PTE},
};

static int write_all(const w32i_image *img, const char *name, const char *base, int which)
{
    char p[4200];
    int r = 0;
    if (which & 1) {
        snprintf(p, sizeof p, "%s.raw", base);
        r |= w32i_write_raw(img, p);
    }
    if (which & 2) {
        snprintf(p, sizeof p, "%s.dmp", base);
        r |= w32i_write_crashdump(img, p);
    }
    if (which & 4) {
        snprintf(p, sizeof p, "%s.elf", base);
        r |= w32i_write_elf(img, p);
    }
    snprintf(p, sizeof p, "%s.json", base);
    r |= write_json(img, name, p);
    return r;
}

static uint64_t parse_size(const char *s)
{
    char *e;
    uint64_t v = strtoull(s, &e, 0);
    if (*e == 'K' || *e == 'k') v <<= 10;
    if (*e == 'M' || *e == 'm') v <<= 20;
    if (*e == 'G' || *e == 'g') v <<= 30;
    return v;
}

static int parse_options(char *s, w32i_options *o)
{
    char *tok, *save = 0;
    memset(o, 0, sizeof *o);
    o->build = 19045;
    o->arch = MEMINTRO_ARCH_X86_64;
    for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(0, ",", &save)) {
        char *v = strchr(tok, '=');
        if (!v) return -1;
        *v++ = 0;
        if (!strcmp(tok, "build"))
            o->build = (uint32_t)strtoul(v, 0, 0);
        else if (!strcmp(tok, "arch"))
            o->arch = !strcmp(v, "x64") ? MEMINTRO_ARCH_X86_64 : !strcmp(v, "pae") ? MEMINTRO_ARCH_X86_PAE
                      : !strcmp(v, "x86")                   ? MEMINTRO_ARCH_X86
                                                            : MEMINTRO_ARCH_NONE;
        else if (!strcmp(tok, "ram"))
            o->ram_size = parse_size(v);
        else if (!strcmp(tok, "procs"))
            o->nprocs = (uint32_t)strtoul(v, 0, 0);
        else if (!strcmp(tok, "mods"))
            o->nmods = (uint32_t)strtoul(v, 0, 0);
        else if (!strcmp(tok, "seed"))
            o->seed = strtoull(v, 0, 0);
        else if (!strcmp(tok, "flags")) {
            char *f, *s2 = 0;
            for (f = strtok_r(v, "+", &s2); f; f = strtok_r(0, "+", &s2)) {
                if (!strcmp(f, "nostub")) o->flags |= W32I_NO_LOW_STUB;
                else if (!strcmp(f, "unknown")) o->flags |= W32I_UNKNOWN_BUILD;
                else if (!strcmp(f, "cycle")) o->flags |= W32I_CYCLE;
                else if (!strcmp(f, "wild")) o->flags |= W32I_WILD_POINTER;
                else if (!strcmp(f, "absurd")) o->flags |= W32I_ABSURD_NAME;
                else if (!strcmp(f, "selfpte")) o->flags |= W32I_SELF_PTE;
                else if (!strcmp(f, "wow64")) o->flags |= W32I_WOW64;
                else return -1;
            }
        } else
            return -1;
    }
    return o->arch == MEMINTRO_ARCH_NONE ? -1 : 0;
}

int main(int argc, char **argv)
{
    size_t i;
    int failed;
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (i = 0; i < sizeof variants / sizeof variants[0]; i++) printf("%s\n", variants[i].name);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--one")) {
        w32i_options o;
        w32i_image img;
        char base[4096], *dot;
        const char *path = argv[3], *ext;
        int which = 1, r;
        if (parse_options(argv[2], &o)) {
            fprintf(stderr, "mkwin32: bad options \"%s\"\n", argv[2]);
            return 2;
        }
        if (w32i_build(&o, &img)) {
            fprintf(stderr, "mkwin32: cannot build that image (build not in the table, or too little RAM)\n");
            return 1;
        }
        ext = strrchr(path, '.');
        if (ext && strchr(ext, '/')) ext = 0;
        if (ext && !strcmp(ext, ".dmp")) which = 2;
        if (ext && !strcmp(ext, ".elf")) which = 4;
        r = which == 2 ? w32i_write_crashdump(&img, path) : which == 4 ? w32i_write_elf(&img, path)
                                                                       : w32i_write_raw(&img, path);
        /* the manifest beside it: PATH with its extension replaced by .json */
        snprintf(base, sizeof base, "%s", path);
        dot = ext ? base + (ext - path) : base + strlen(base);
        snprintf(dot, sizeof base - (size_t)(dot - base), ".json");
        r |= write_json(&img, path, base);
        w32i_free(&img);
        if (r) fprintf(stderr, "mkwin32: %s: %s\n", path, strerror(errno));
        return r ? 1 : 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: mkwin32 DIR | mkwin32 --one OPTIONS PATH | mkwin32 --list\n");
        return 2;
    }
    mkdir(argv[1], 0777);
    failed = 0;
    for (i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        w32i_options o;
        w32i_image img;
        char base[4096];
        memset(&o, 0, sizeof o);
        o.build = variants[i].build;
        o.arch = variants[i].arch;
        o.flags = variants[i].flags;
        o.ram_size = 32u << 20;
        o.nmods = 6;
        if (w32i_build(&o, &img)) {
            fprintf(stderr, "mkwin32: %s: cannot build (build not in the generator's table?)\n", variants[i].name);
            failed = 1;
            continue;
        }
        snprintf(base, sizeof base, "%s/%s", argv[1], variants[i].name);
        if (write_all(&img, variants[i].name, base, 7)) {
            fprintf(stderr, "mkwin32: %s: %s\n", base, strerror(errno));
            w32i_free(&img);
            return 1;
        }
        w32i_free(&img);
    }
    return failed;
}
