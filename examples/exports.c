/* exports.c - list the exports of a module mapped in a Windows guest.

   Shows memintro_win32.h's module lists and PE reader over any target: the kernel is found
   from memory alone with the target's hints (memintro_win32_hints_from_target), the module
   is looked up by name in the kernel's list (PsLoadedModuleList) or, with a PID, in that
   process's loader list (and its 32-bit list when it is a WoW64 process), and its export
   table is read through the matching address space: ordinal, address, name, and where a
   forwarder points. This is what `memintro -c CONNECTOR exports MODULE [--pid PID]`
   prints.

       build/exports CONNECTOR MODULE [PID]
       build/exports dump:MEMORY.DMP ntoskrnl.exe
       build/exports qemu:name=win10 kernel32.dll 4242 */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

#include <strings.h>

typedef struct find {
    const char *name;
    memintro_win32_module m;
    int found;
} find;

static int match(void *user, const memintro_win32_module *m)
{
    find *f = (find *)user;
    if (strcasecmp(m->name, f->name)) return 0;
    f->m = *m;
    f->found = 1;
    return 1; /* stop */
}

static int print_export(void *user, const memintro_pe_export *e)
{
    (void)user;
    if (e->forwarder[0])
        printf("%7u  %-18s  %s -> %s\n", (unsigned)e->ordinal, "(forwarder)", e->name, e->forwarder);
    else
        printf("%7u  0x%-16llx  %s\n", (unsigned)e->ordinal, (unsigned long long)e->address,
               e->name[0] ? e->name : "(by ordinal)");
    return 0;
}

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_win32_hints h;
    static memintro_win32 w;
    memintro_win32_process p;
    memintro_virt pv, *v;
    memintro_pe pe;
    find f;
    void *mem = 0;
    size_t size = memintro_win32_mem_size(0);
    memintro_status s;
    uint64_t pid = 0;
    int rc = 1;
    if (argc < 3 || argc > 4 || (argc == 4 && !memintro_parse_u64(argv[3], strlen(argv[3]), &pid))) {
        fprintf(stderr, "usage: exports CONNECTOR MODULE [PID]\n");
        return 2;
    }
    if (memintro_target_open(&t, argv[1], NULL) != MEMINTRO_OK) {
        fprintf(stderr, "exports: %s\n", memintro_target_error(&t));
        return t.bad_spec ? 2 : 1;
    }
    if (t.live) memintro_target_load_cpus(&t);
    memintro_win32_hints_from_target(&t, &h);
    memset(&f, 0, sizeof f);
    f.name = argv[2];
    if (!(mem = malloc(size)) || (s = memintro_win32_init(&w, t.phys, &h, 0, mem, size)) != MEMINTRO_OK) {
        fprintf(stderr, "exports: no Windows kernel: %s\n", mem ? memintro_win32_why(&w) : "out of memory");
        goto out;
    }
    if (argc == 4) { /* a module of process PID, read through the process's address space */
        if (memintro_win32_process_find(&w, pid, NULL, &p) != MEMINTRO_OK) {
            fprintf(stderr, "exports: no process with pid %llu\n", (unsigned long long)pid);
            goto out;
        }
        memintro_win32_modules(&w, &p, 0, match, &f);
        if (!f.found && (p.flags & MEMINTRO_WIN32_PROC_WOW64))
            memintro_win32_modules(&w, &p, MEMINTRO_WIN32_MOD_WOW64, match, &f);
        if (memintro_win32_process_virt(&w, &p, &pv) != MEMINTRO_OK) goto out;
        v = &pv;
    } else { /* a kernel module: the kernel's address space */
        memintro_win32_modules(&w, NULL, 0, match, &f);
        v = &w.kernel;
    }
    if (!f.found) {
        fprintf(stderr, "exports: no module named %s\n", f.name);
        goto out;
    }
    if ((s = memintro_pe_open(&pe, v, f.m.base)) != MEMINTRO_OK) {
        fprintf(stderr, "exports: %s at 0x%llx: %s\n", f.m.name, (unsigned long long)f.m.base, memintro_status_str(s));
        goto out;
    }
    printf("%s at 0x%llx (%s), export directory \"%s\"\n", f.m.name, (unsigned long long)f.m.base, f.m.path,
           pe.export_name);
    s = memintro_pe_exports(&pe, print_export, NULL);
    if (s != MEMINTRO_OK && s != MEMINTRO_E_NOTFOUND)
        fprintf(stderr, "exports: the export table ends early: %s\n", memintro_status_str(s));
    rc = s == MEMINTRO_OK || s == MEMINTRO_E_NOTFOUND ? 0 : 1;
out:
    free(mem);
    memintro_target_close(&t);
    return rc;
}
