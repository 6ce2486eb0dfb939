/* tests/os_live.c: the library side of tests/t_os_live.sh (memintro_os.h on the real test
   guest, live or through a dump). Opens SPEC with memintro_target_open, then the OS with
   memintro_os_open(&os, &t, "auto", NULL) - the two calls an embedder makes - and prints
   what the interface gives, one fact a line:
     LAYER name | WHY text | OSFACT name value | PROC pid ppid kernel(0|1) name |
     KMOD name size 0xbase
   then answers queries read from stdin:
     "mods PID"          ->  "PMOD PID path 0xbase" per module (a mapped file), then "PMODS PID status"
     "read PID VA LEN"   ->  "READ PID VA text" (the bytes as text, through memintro_os_process_virt)
                             or "READ PID VA - status"
     "sym NAME"          ->  "SYM NAME 0x<16 hex>" or "SYM NAME -"
   Exit status 0 on success, 1 on a failure (printed as "E status: message"). */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_OS_IMPLEMENTATION
#include "memintro_os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long ull;

static int on_fact(void *user, const char *name, const char *value)
{
    (void)user;
    printf("OSFACT %s %s\n", name, value);
    return 0;
}

static int on_proc(void *user, const memintro_os_process *p)
{
    (void)user;
    printf("PROC %llu %llu %d %s\n", (ull)p->pid, (ull)p->ppid, (p->flags & MEMINTRO_OS_PROC_KERNEL) ? 1 : 0, p->name);
    return 0;
}

static int on_kmod(void *user, const memintro_os_module *m)
{
    (void)user;
    printf("KMOD %s %llu 0x%llx\n", m->name, (ull)m->size, (ull)m->base);
    return 0;
}

static int on_pmod(void *user, const memintro_os_module *m)
{
    printf("PMOD %llu %s 0x%llx\n", *(ull *)user, m->path, (ull)m->base);
    return 0;
}

int main(int argc, char **argv)
{
    static memintro_target t;
    static memintro_os os;
    memintro_status s;
    char line[1024];
    if (argc < 2) {
        fprintf(stderr, "usage: os_live SPEC <queries\n");
        return 2;
    }
    s = memintro_target_open(&t, argv[1], NULL);
    if (s != MEMINTRO_OK) {
        printf("E %s: %s\n", memintro_status_str(s), memintro_target_error(&t));
        return 1;
    }
    s = memintro_os_open(&os, &t, "auto", NULL);
    if (s != MEMINTRO_OK) {
        printf("E %s: %s\n", memintro_status_str(s), memintro_os_error(&os));
        memintro_target_close(&t);
        return 1;
    }
    printf("LAYER %s\nWHY %s\n", os.layer->name, os.why);
    memintro_os_facts(&os, on_fact, 0);
    s = memintro_os_processes(&os, on_proc, 0);
    if (s != MEMINTRO_OK) printf("E %s: processes: %s\n", memintro_status_str(s), memintro_os_error(&os));
    s = memintro_os_modules(&os, MEMINTRO_OS_KERNEL_PID, 0, on_kmod, 0);
    if (s != MEMINTRO_OK) printf("E %s: kernel modules: %s\n", memintro_status_str(s), memintro_os_error(&os));
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        ull pid, va, len;
        char name[512];
        line[strcspn(line, "\r\n")] = 0;
        if (sscanf(line, "mods %llu", &pid) == 1) {
            s = memintro_os_modules(&os, pid, 0, on_pmod, &pid);
            printf("PMODS %llu %s\n", pid, memintro_status_str(s));
        } else if (sscanf(line, "read %llu %llx %llu", &pid, &va, &len) == 3 && len < sizeof name) {
            memintro_virt *v;
            memset(name, 0, sizeof name);
            s = memintro_os_process_virt(&os, pid, &v);
            if (s == MEMINTRO_OK) s = memintro_virt_read1(v, va, name, (size_t)len);
            if (s == MEMINTRO_OK)
                printf("READ %llu 0x%llx %s\n", pid, va, name);
            else
                printf("READ %llu 0x%llx - %s\n", pid, va, memintro_status_str(s));
        } else if (sscanf(line, "sym %511s", name) == 1) {
            uint64_t a;
            if (memintro_os_symbol(&os, name, &a) == MEMINTRO_OK)
                printf("SYM %s 0x%016llx\n", name, (ull)a);
            else
                printf("SYM %s -\n", name);
        }
        fflush(stdout);
    }
    memintro_os_close(&os);
    memintro_target_close(&t);
    return 0;
}
