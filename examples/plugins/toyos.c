/* examples/plugins/toyos.c - an OS-layer plugin: a toy "OS" whose process table is one
   page of guest-physical memory.

   Shows how an OS-layer plugin is written: the memintro_os_layer it registers, a detect
   that looks for its OS in the target and keeps a state, the listing functions the generic
   OS interface calls (memintro_os_processes, memintro_os_facts), a release, and the
   exported descriptor. Once loaded it is reached as

       memintro -c raw:IMAGE --os toy ps

   The toy OS's table (little-endian, at a 4 KiB-aligned guest-physical address in the
   first 16 MiB):
       +0   16 bytes  "memintro toy os\0"
       +16  u32       version (1)
       +20  u32       process count (at most 63 are listed: the table is one page)
       +24  u64       kernel base (a fact, "kernel_base")
       +32  entries of 64 bytes: u64 pid, u64 ppid, u64 dtb, char name[40] (NUL-padded)
   It has no page tables of its own: process_virt and kernel_virt are not supported, and
   neither are modules or symbols.

   Built by `make` (mk/plugins.mk) as build/plugins/toyos.so:
       cc -shared -fPIC -fvisibility=hidden toyos.c -o toyos.so */
#define MEMINTRO_IMPLEMENTATION /* the core's helpers, hidden in this plugin (-fvisibility=hidden) */
#include "memintro.h"
#include "memintro_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PLUGIN_ABI
#define PLUGIN_ABI MEMINTRO_PLUGIN_ABI
#endif
#ifndef PLUGIN_NAME
#define PLUGIN_NAME "toy"
#endif

#define TOY_MAGIC "memintro toy os" /* 15 characters and the NUL: 16 bytes */
#define TOY_SCAN_END (16ull << 20)
#define TOY_MAX 63u

typedef struct toy_state {
    memintro_phys *phys;
    uint64_t table;   /* guest-physical address of the table */
    uint32_t version, count;
    uint64_t kernel_base;
    uint8_t page[4096]; /* the table as read at detect */
} toy_state;

static memintro_status toy_detect(memintro_target *t, const memintro_os_hints *h, void **state, char *why,
                                  size_t whylen)
{
    size_t r;
    uint8_t head[16];
    (void)h;
    for (r = 0; t->map && r < t->map->count; r++) {
        const memintro_range *g = &t->map->ranges[r];
        uint64_t a = (g->start + 4095) & ~4095ull, end = g->start + g->size;
        for (; a < end && a < TOY_SCAN_END && end - a >= 4096; a += 4096) {
            toy_state *s;
            if (memintro_phys_read1(t->phys, a, head, sizeof head) != MEMINTRO_OK) continue;
            if (memcmp(head, TOY_MAGIC, sizeof head)) continue;
            if (!(s = (toy_state *)calloc(1, sizeof *s))) return MEMINTRO_E_NOSPACE;
            if (memintro_phys_read1(t->phys, a, s->page, sizeof s->page) != MEMINTRO_OK) {
                free(s);
                snprintf(why, whylen, "toy: the table at 0x%llx cannot be read", (unsigned long long)a);
                return MEMINTRO_E_IO;
            }
            s->phys = t->phys;
            s->table = a;
            s->version = memintro_get_u32(s->page + 16);
            s->count = memintro_get_u32(s->page + 20);
            s->kernel_base = memintro_get_u64(s->page + 24);
            if (s->version != 1) {
                snprintf(why, whylen, "toy: a table at 0x%llx of version %u (1 is known)", (unsigned long long)a,
                         (unsigned)s->version);
                free(s);
                return MEMINTRO_E_NOTFOUND;
            }
            *state = s;
            return MEMINTRO_OK;
        }
    }
    snprintf(why, whylen, "toy: no \"%s\" table at a page start in the first 16 MiB", TOY_MAGIC);
    return MEMINTRO_E_NOTFOUND;
}

static void toy_release(void *state)
{
    free(state);
}

static memintro_status toy_facts(void *state, memintro_os_fact_fn fn, void *user)
{
    toy_state *s = (toy_state *)state;
    char v[64];
    snprintf(v, sizeof v, "0x%llx", (unsigned long long)s->table);
    if (fn(user, "table", v)) return MEMINTRO_OK;
    snprintf(v, sizeof v, "%u", (unsigned)s->version);
    if (fn(user, "version", v)) return MEMINTRO_OK;
    snprintf(v, sizeof v, "0x%llx", (unsigned long long)s->kernel_base);
    if (fn(user, "kernel_base", v)) return MEMINTRO_OK;
    snprintf(v, sizeof v, "%u", (unsigned)s->count);
    fn(user, "processes", v);
    return MEMINTRO_OK;
}

static memintro_status toy_processes(void *state, memintro_os_process_fn fn, void *user)
{
    toy_state *s = (toy_state *)state;
    uint32_t i, n = s->count < TOY_MAX ? s->count : TOY_MAX;
    for (i = 0; i < n; i++) {
        const uint8_t *e = s->page + 32 + 64 * i;
        memintro_os_process p;
        memset(&p, 0, sizeof p);
        p.pid = memintro_get_u64(e);
        p.ppid = memintro_get_u64(e + 8);
        p.dtb = memintro_get_u64(e + 16);
        memcpy(p.name, e + 24, 40);
        p.name[39] = 0; /* clamped: a full field has no NUL */
        if (!p.dtb) p.flags |= MEMINTRO_OS_PROC_KERNEL;
        if (fn(user, &p)) return MEMINTRO_OK;
    }
    return s->count > TOY_MAX ? MEMINTRO_E_LIMIT : MEMINTRO_OK;
}

static memintro_status toy_no_virt(void *state, uint64_t pid, memintro_virt **out)
{
    (void)state;
    (void)pid;
    *out = 0;
    return MEMINTRO_E_UNSUPPORTED;
}

static memintro_status toy_no_kernel_virt(void *state, memintro_virt **out)
{
    (void)state;
    *out = 0;
    return MEMINTRO_E_UNSUPPORTED;
}

static const memintro_os_layer toy_layer = {
    MEMINTRO_OS_ABI,
    PLUGIN_NAME,
    "a toy OS: a process table in one page of memory (plugin)",
    toy_detect,
    toy_release,
    toy_facts,
    toy_processes,
    0, /* modules */
    toy_no_virt,
    toy_no_kernel_virt,
    0, /* symbol */
    "1.0",
};

MEMINTRO_PLUGIN_EXPORT const memintro_plugin_descriptor memintro_plugin = {
    PLUGIN_ABI,
    MEMINTRO_PLUGIN_OS,
    PLUGIN_NAME,
    "1.0",
    "toy OS layer: lists the processes of a table in guest memory",
    0,
    &toy_layer,
};
