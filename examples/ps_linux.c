/* ps_linux.c - list the processes of a Linux guest.

   Shows memintro_target.h and memintro_linux.h together: a connector string opens the
   target (a running QEMU VM, an ELF core or kdump file, a raw image), the target object gives
   the discovery its hints (VMCOREINFO, CPU 0's CR3 and paging mode, the end of the memory
   map: memintro_linux_hints_from_target), memintro_linux_init finds the kernel, its kallsyms
   and its BTF from memory alone (no System.map, no debug kernel, no profile), and
   memintro_linux_task_each walks the task list from init_task: pid, parent pid, state, name,
   page-table root, kernel thread or not. The memintro CLI's `ps` does the same, so this
   prints what `memintro -c CONNECTOR ps` prints. A walk stopped by a broken list entry
   prints the tasks before it, then why, and exits 1.

       build/ps_linux CONNECTOR
       build/ps_linux dump:vmcore.elf
       build/ps_linux qemu:pid=1234,qmp=unix:/run/vm.qmp */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"

static int print_task(void *user, const memintro_linux_task *t)
{
    const memintro_linux *l = (const memintro_linux *)user;
    printf("%8d %8d  %c  %-16s  0x%-16llx  %s\n", (int)t->pid, (int)t->ppid, t->state_char, t->comm,
           (unsigned long long)(t->dtb ? t->dtb : l->dtb), t->kernel_thread ? "kthread" : "user");
    return 0; /* go on */
}

int main(int argc, char **argv)
{
    memintro_target t;
    memintro_linux_hints h;
    static memintro_linux l; /* about 64 KiB */
    memintro_linux_os os;
    memintro_btf btf;
    void *mem = NULL, *index = NULL;
    size_t need;
    memintro_status s;
    if (argc != 2) {
        fprintf(stderr, "usage: ps_linux CONNECTOR (e.g. dump:vmcore.elf, raw:guest.img, qemu:pid=N,qmp=unix:SOCK)\n");
        return 2;
    }
    if (memintro_target_open(&t, argv[1], NULL) != MEMINTRO_OK) {
        fprintf(stderr, "ps_linux: %s\n", memintro_target_error(&t));
        return t.bad_spec ? 2 : 1;
    }
    if (t.live) memintro_target_load_cpus(&t); /* a live VM's CR3 is a hint too */
    memintro_linux_hints_from_target(&t, &h);
    /* the layer never allocates: a first call says how much memory the symbols and the
       BTF blob need, the second one fills it */
    s = memintro_linux_init(&l, t.phys, &h, NULL, 0);
    if (s == MEMINTRO_E_NOSPACE && (mem = malloc(l.mem_needed)) != NULL)
        s = memintro_linux_init(&l, t.phys, &h, mem, l.mem_needed);
    if (s != MEMINTRO_OK) {
        fprintf(stderr, "ps_linux: no Linux kernel: %s\n", memintro_linux_why(&l));
        free(mem);
        memintro_target_close(&t);
        return 1;
    }
    /* the task walker's offsets come from the kernel's own BTF */
    need = memintro_btf_index_size(l.btf_data, (size_t)l.btf_size);
    index = need ? malloc(need) : NULL;
    s = index ? memintro_linux_os_from(&os, &l, &btf, index, need) : MEMINTRO_E_UNSUPPORTED;
    if (s != MEMINTRO_OK) {
        fprintf(stderr, "ps_linux: %s: the task list cannot be walked: %s\n", l.release,
                os.missing_tasks && s == MEMINTRO_E_NOTFOUND ? os.missing_tasks : "the kernel has no usable BTF");
        free(index);
        free(mem);
        memintro_target_close(&t);
        return 1;
    }
    printf("Linux %s, KASLR shift 0x%llx, kernel DTB 0x%llx, %u-level paging\n", l.release,
           (unsigned long long)l.kaslr_shift, (unsigned long long)l.dtb, (unsigned)l.levels);
    printf("%8s %8s  %s  %-16s  %-18s  %s\n", "PID", "PPID", "S", "NAME", "DTB", "KIND");
    s = memintro_linux_task_each(&os, 0, print_task, &l);
    if (s != MEMINTRO_OK) fprintf(stderr, "ps_linux: the task list ends early: %s\n", memintro_status_str(s));
    free(index);
    free(mem);
    memintro_target_close(&t);
    return s == MEMINTRO_OK ? 0 : 1;
}
