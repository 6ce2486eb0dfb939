/* ps_win32.c - list the processes of a Windows guest.

   Shows memintro_target.h and memintro_win32.h together: a connector string opens the
   target (a running QEMU VM, a Windows crash dump, an ELF core, a raw image), the target
   object gives the discovery its hints (a crash dump's header fields, CPU 0's CR3 and RIP:
   memintro_win32_hints_from_target), memintro_win32_init finds the kernel from memory alone
   (no symbols, no profile, no network), and memintro_win32_processes walks the EPROCESS
   ring: pid, parent pid, name, DTB, WoW64 and exited. The memintro CLI's `ps` does the
   same, so this prints what `memintro -c CONNECTOR ps` prints. A walk stopped by a broken
   list entry prints the processes before it, then why, and exits 1.

       build/ps_win32 CONNECTOR
       build/ps_win32 dump:/var/crash/MEMORY.DMP
       build/ps_win32 qemu:name=win10 */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

static int print_process(void *user, const memintro_win32_process *p)
{
    (void)user;
    printf("%8llu %8llu  %-15s  0x%-16llx  %s%s\n", (unsigned long long)p->pid, (unsigned long long)p->ppid,
           p->name, (unsigned long long)p->dtb, p->flags & MEMINTRO_WIN32_PROC_WOW64 ? "wow64 " : "",
           p->flags & MEMINTRO_WIN32_PROC_EXITED ? "exited" : "");
    return 0; /* go on */
}

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_win32_hints h;
    static memintro_win32 w;
    void *mem;
    size_t size = memintro_win32_mem_size(0);
    memintro_status s;
    if (argc != 2) {
        fprintf(stderr, "usage: ps_win32 CONNECTOR (e.g. dump:MEMORY.DMP, raw:guest.img, qemu:name=VM)\n");
        return 2;
    }
    if (memintro_target_open(&t, argv[1], NULL) != MEMINTRO_OK) {
        fprintf(stderr, "ps_win32: %s\n", memintro_target_error(&t));
        return t.bad_spec ? 2 : 1;
    }
    if (t.live) memintro_target_load_cpus(&t); /* a live VM's CR3 and RIP are hints too */
    memintro_win32_hints_from_target(&t, &h);
    mem = malloc(size); /* the layer itself never allocates: its memory is ours */
    if (!mem || (s = memintro_win32_init(&w, t.phys, &h, 0, mem, size)) != MEMINTRO_OK) {
        fprintf(stderr, "ps_win32: no Windows kernel: %s\n", mem ? memintro_win32_why(&w) : "out of memory");
        free(mem);
        memintro_target_close(&t);
        return 1;
    }
    printf("Windows %u.%u build %u, ntoskrnl.exe at 0x%llx, offsets from the %s\n", (unsigned)w.major,
           (unsigned)w.minor, (unsigned)w.build, (unsigned long long)w.kernel_base,
           memintro_win32_source_name(w.offsets_source));
    printf("%8s %8s  %-15s  %-18s  %s\n", "PID", "PPID", "NAME", "DTB", "FLAGS");
    s = memintro_win32_processes(&w, print_process, NULL);
    if (s != MEMINTRO_OK) fprintf(stderr, "ps_win32: the process list ends early: %s\n", memintro_status_str(s));
    free(mem);
    memintro_target_close(&t);
    return s == MEMINTRO_OK ? 0 : 1;
}
