/* tests/test_linux_tasks.c: the task, memory-map, module and kernel-log walkers of
   memintro_linux.h on SYNTHETIC data: a BTF blob the test builds (the OLDER layouts no
   Debian 12 kernel has: task_struct.state as a long, threads on task_struct.thread_group,
   the mm->mmap VMA list, module.core_layout/init_layout, the log_buf of struct printk_log
   before 5.10) and a guest-physical image with hand-built x86-64 page tables (the kernel's
   direct map at 0xffff888000000000 and one user address space, 1 GiB pages). Every
   expected value is what the test wrote. Then the same memory damaged: lists that loop
   without coming back, pointers that are not kernel addresses or not mapped, bounds, bad
   records, and random byte flips; each walk must end with a status, never crash or hang.
   The 6.x layouts (maple tree, thread_node, __state, module.mem[], the printk ring buffer)
   are checked on the real guest by tests/t_linux_btf_live.sh. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#include "check.h"
#include "testimg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a BTF builder (as in test_linux_btf.c) ---- */

static uint32_t W[20000], NW, NT;
static char S[20000];
static uint32_t NS = 1;

static uint32_t str(const char *s)
{
    uint32_t off = NS, n = (uint32_t)strlen(s) + 1;
    if (!*s) return 0;
    memcpy(S + off, s, n);
    NS += n;
    return off;
}
static uint32_t ty(const char *name, uint32_t kind, uint32_t vlen, uint32_t kflag, uint32_t st)
{
    W[NW++] = str(name);
    W[NW++] = (kflag << 31) | (kind << 24) | vlen;
    W[NW++] = st;
    return ++NT;
}
static void mem_(const char *name, uint32_t type, uint32_t byte_off)
{
    W[NW++] = str(name);
    W[NW++] = type;
    W[NW++] = byte_off * 8;
}
static uint32_t arr(uint32_t elem, uint32_t idx, uint32_t n)
{
    uint32_t id = ty("", MEMINTRO_BTF_ARRAY, 0, 0, 0);
    W[NW++] = elem; W[NW++] = idx; W[NW++] = n;
    return id;
}
static uint32_t intt(const char *name, uint32_t size, int sign)
{
    uint32_t id = ty(name, MEMINTRO_BTF_INT, 0, 0, size);
    W[NW++] = ((sign ? 1u : 0u) << 24) | (size * 8);
    return id;
}

static uint8_t blob[200000];
static size_t blob_len;

static void put32(uint8_t *p, uint32_t v) { t_put8(p, v, 4); }

static void finish(void)
{
    uint32_t i, tlen = NW * 4;
    memset(blob, 0, 24);
    blob[0] = 0x9f; blob[1] = 0xeb; blob[2] = 1;
    put32(blob + 4, 24); put32(blob + 8, 0); put32(blob + 12, tlen);
    put32(blob + 16, tlen); put32(blob + 20, NS);
    for (i = 0; i < NW; i++) put32(blob + 24 + 4 * i, W[i]);
    memcpy(blob + 24 + tlen, S, NS);
    blob_len = 24 + tlen + NS;
}

/* The older kernel's types, with offsets chosen here. */
/* variant 0: no task_struct.tasks; 1: the older layout; 2: mm_struct.mm_mt (a maple tree)
   instead of mm->mmap */
static void build_btf(int variant)
{
    int with_tasks_member = variant != 0;
    uint32_t u8, u16, u32, u64, lng, chr, vptr, lh, lhp, comm, mname, qs_in, qs_un, qstr, path,
        layout, mt = 0;
    NW = 0; NT = 0; NS = 1; S[0] = 0;
    u8 = intt("unsigned char", 1, 0);
    u16 = intt("short unsigned int", 2, 0);
    u32 = intt("unsigned int", 4, 0);
    u64 = intt("long long unsigned int", 8, 0);
    lng = intt("long int", 8, 1);
    chr = intt("char", 1, 1);
    vptr = ty("", MEMINTRO_BTF_PTR, 0, 0, 0);
    lhp = NT + 2;
    lh = NT + 1;
    ty("list_head", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    mem_("next", lhp, 0);
    mem_("prev", lhp, 8);
    ty("", MEMINTRO_BTF_PTR, 0, 0, lh);
    comm = arr(chr, u32, 16);
    ty("task_struct", MEMINTRO_BTF_STRUCT, with_tasks_member ? 11 : 10, 0, 0x80);
    if (with_tasks_member) mem_("tasks", lh, 0x10);
    mem_("pid", u32, 0x20);
    mem_("tgid", u32, 0x24);
    mem_("comm", comm, 0x30);
    mem_("mm", vptr, 0x40);
    mem_("real_parent", vptr, 0x48);
    mem_("flags", u32, 0x50);
    mem_("state", lng, 0x58);
    mem_("exit_state", u32, 0x60);
    mem_("start_time", u64, 0x68);
    mem_("thread_group", lh, 0x70);
    if (variant == 2) {
        uint32_t meta, un, st, r64, a64, pad15 = arr(vptr, u32, 15), slot16 = arr(vptr, u32, 16),
            piv15 = arr(u64, u32, 15), piv9 = arr(u64, u32, 9), slot10 = arr(vptr, u32, 10),
            gap10 = arr(u64, u32, 10);
        mt = ty("maple_tree", MEMINTRO_BTF_STRUCT, 2, 0, 16);
        mem_("ma_flags", u32, 4);
        mem_("ma_root", vptr, 8);
        meta = ty("maple_metadata", MEMINTRO_BTF_STRUCT, 2, 0, 2);
        mem_("end", u8, 0);
        mem_("gap", u8, 1);
        st = ty("", MEMINTRO_BTF_STRUCT, 2, 0, 128);
        mem_("pad", pad15, 0);
        mem_("meta", meta, 120);
        un = ty("", MEMINTRO_BTF_UNION, 2, 0, 128);
        mem_("slot", slot16, 0);
        mem_("", st, 0);
        r64 = ty("maple_range_64", MEMINTRO_BTF_STRUCT, 3, 0, 256);
        mem_("parent", vptr, 0);
        mem_("pivot", piv15, 8);
        mem_("", un, 128);
        a64 = ty("maple_arange_64", MEMINTRO_BTF_STRUCT, 5, 0, 256);
        mem_("parent", vptr, 0);
        mem_("pivot", piv9, 8);
        mem_("slot", slot10, 80);
        mem_("gap", gap10, 160);
        mem_("meta", meta, 240);
        (void)r64; (void)a64;
        ty("maple_type", MEMINTRO_BTF_ENUM, 4, 0, 4);
        W[NW++] = str("maple_dense"); W[NW++] = 0;
        W[NW++] = str("maple_leaf_64"); W[NW++] = 1;
        W[NW++] = str("maple_range_64"); W[NW++] = 2;
        W[NW++] = str("maple_arange_64"); W[NW++] = 3;
    }
    ty("mm_struct", MEMINTRO_BTF_STRUCT, 7, 0, 0x48);
    mem_("pgd", vptr, 0);
    if (variant == 2) mem_("mm_mt", mt, 0x38);
    else mem_("mmap", vptr, 8);
    mem_("arg_start", u64, 0x10);
    mem_("arg_end", u64, 0x18);
    mem_("start_brk", u64, 0x20);
    mem_("brk", u64, 0x28);
    mem_("start_stack", u64, 0x30);
    ty("vm_area_struct", MEMINTRO_BTF_STRUCT, 8, 0, 0x40);
    mem_("vm_start", u64, 0);
    mem_("vm_end", u64, 8);
    mem_("vm_next", vptr, 0x10);
    mem_("vm_flags", u64, 0x18);
    mem_("vm_pgoff", u64, 0x20);
    mem_("vm_file", vptr, 0x28);
    mem_("vm_ops", vptr, 0x30);
    mem_("vm_private_data", vptr, 0x38);
    path = ty("path", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    mem_("mnt", vptr, 0);
    mem_("dentry", vptr, 8);
    ty("file", MEMINTRO_BTF_STRUCT, 1, 0, 0x20);
    mem_("f_path", path, 0x10);
    /* qstr { union { struct { u32 hash; u32 len; }; u64 hash_len; }; const char *name; } */
    qs_in = ty("", MEMINTRO_BTF_STRUCT, 2, 0, 8);
    mem_("hash", u32, 0);
    mem_("len", u32, 4);
    qs_un = ty("", MEMINTRO_BTF_UNION, 2, 0, 8);
    mem_("", qs_in, 0);
    mem_("hash_len", u64, 0);
    qstr = ty("qstr", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    mem_("", qs_un, 0);
    mem_("name", vptr, 8);
    ty("dentry", MEMINTRO_BTF_STRUCT, 2, 0, 0x30);
    mem_("d_parent", vptr, 0x18);
    mem_("d_name", qstr, 0x20);
    layout = ty("module_layout", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    mem_("base", vptr, 0);
    mem_("size", u32, 8);
    mname = arr(chr, u32, 56);
    ty("module", MEMINTRO_BTF_STRUCT, 5, 0, 0x70);
    mem_("list", lh, 8);
    mem_("state", u32, 0);
    mem_("name", mname, 0x18);
    mem_("core_layout", layout, 0x50);
    mem_("init_layout", layout, 0x60);
    /* struct printk_log { u64 ts_nsec; u16 len, text_len, dict_len; u8 facility;
       u8 flags:5, level:3; } (16 bytes, before 5.1: no caller_id) */
    ty("printk_log", MEMINTRO_BTF_STRUCT, 7, 1, 16);
    mem_("ts_nsec", u64, 0);
    mem_("len", u16, 8);
    mem_("text_len", u16, 10);
    mem_("dict_len", u16, 12);
    mem_("facility", u8, 14);
    W[NW++] = str("flags"); W[NW++] = u8; W[NW++] = (5u << 24) | (15 * 8);
    W[NW++] = str("level"); W[NW++] = u8; W[NW++] = (3u << 24) | (15 * 8 + 5);
    finish();
}

/* ---- the guest image ---- */

#define K 0xffff888000000000ull /* direct map: VA K + pa -> pa */
static uint8_t img[16 << 20];
static timg T;
static uint64_t kpml4, upml4;
static uint64_t T0, T1, T2, T3, T4, M3, V1, V2, V3, V4, F1, D0, D1, D2, MODS, MOD1, MOD2;
static uint64_t MA, ML1, ML2;
static uint64_t SYM_LOGBUF, SYM_LOGLEN, SYM_FIRST, SYM_NEXT, LOGB, SPECIAL, VDSO_SM;

static uint64_t kalloc(uint64_t n) { return K + timg_alloc(&T, n, 64); }
static void w64(uint64_t va, uint64_t v) { timg_put64(&T, va - K, v); }
static void w32(uint64_t va, uint32_t v) { timg_put32(&T, va - K, v); }
static void w16(uint64_t va, uint16_t v) { t_put8(img + (va - K), v, 2); }
static void w8(uint64_t va, uint8_t v) { img[va - K] = v; }
static void wstr(uint64_t va, const char *s) { memcpy(img + (va - K), s, strlen(s) + 1); }
static uint64_t kstr(const char *s)
{
    uint64_t a = kalloc(strlen(s) + 1);
    wstr(a, s);
    return a;
}

static uint64_t task(int pid, int tgid, const char *comm, uint64_t mm, uint64_t parent,
                     uint32_t flags, uint64_t state, uint64_t start)
{
    uint64_t t = kalloc(0x80);
    w32(t + 0x20, (uint32_t)pid);
    w32(t + 0x24, (uint32_t)tgid);
    wstr(t + 0x30, comm);
    w64(t + 0x40, mm);
    w64(t + 0x48, parent ? parent : t);
    w32(t + 0x50, flags);
    w64(t + 0x58, state);
    w64(t + 0x68, start);
    w64(t + 0x70, t + 0x70); /* thread_group: alone */
    w64(t + 0x78, t + 0x70);
    return t;
}

/* Links the list_heads at the given addresses into one circular list, in order. */
static void ring(const uint64_t *heads, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        w64(heads[i], heads[(i + 1) % n]);
        w64(heads[i] + 8, heads[(i + n - 1) % n]);
    }
}

static uint64_t vma(uint64_t start, uint64_t end, uint64_t flags, uint64_t pgoff, uint64_t file)
{
    uint64_t v = kalloc(0x40);
    w64(v, start);
    w64(v + 8, end);
    w64(v + 0x18, flags);
    w64(v + 0x20, pgoff);
    w64(v + 0x28, file);
    return v;
}

static uint64_t dentry(uint64_t parent, const char *name)
{
    uint64_t d = kalloc(0x30);
    w64(d + 0x18, parent ? parent : d);
    w32(d + 0x20 + 4, (uint32_t)strlen(name));
    w64(d + 0x28, kstr(name));
    return d;
}

static uint64_t module(const char *name, uint64_t base, uint32_t core, uint32_t init,
                       uint32_t state)
{
    uint64_t m = kalloc(0x70);
    w32(m, state);
    wstr(m + 0x18, name);
    w64(m + 0x50, base);
    w32(m + 0x58, core);
    w32(m + 0x68, init);
    return m;
}

static void log_rec(uint64_t at, uint64_t ts, const char *text, uint8_t level, uint8_t fac)
{
    uint16_t tl = (uint16_t)strlen(text), len = (uint16_t)((16 + tl + 7) & ~7);
    w64(at, ts);
    w16(at + 8, len);
    w16(at + 10, tl);
    w8(at + 14, fac);
    w8(at + 15, (uint8_t)(level << 5));
    memcpy(img + (at - K) + 16, text, tl);
}

static void build_image(void)
{
    uint64_t pdpt, updpt, heads[4], th[2], mods[4], mod0;
    timg_init(&T, img, sizeof img, 8 << 20); /* below 8 MiB: user memory (VA = PA) */
    kpml4 = timg_alloc(&T, 4096, 4096);
    pdpt = timg_alloc(&T, 4096, 4096);
    upml4 = timg_alloc(&T, 4096, 4096);
    updpt = timg_alloc(&T, 4096, 4096);
    /* PML4[273] (0xffff888000000000) -> PDPT, whose entry 0 is a 1 GiB page at 0 */
    timg_put64(&T, kpml4 + 273 * 8, pdpt | 0x3);
    timg_put64(&T, pdpt, 0x0 | 0x83);
    timg_put64(&T, upml4 + 273 * 8, pdpt | 0x3);
    timg_put64(&T, upml4, updpt | 0x7);       /* user: VA 0..1 GiB -> PA 0..1 GiB */
    timg_put64(&T, updpt, 0x0 | 0x87);

    T0 = task(0, 0, "swapper/0", 0, 0, 0x00200000u, 0, 0);
    T1 = task(1, 1, "init", 0, T0, 0, 1, 1000);
    T2 = task(2, 2, "kthreadd", 0, T0, 0x00200040u, 1, 2000);
    M3 = kalloc(0x48);
    T3 = task(10, 10, "app", M3, T1, 0, 0, 3000);
    T4 = task(11, 10, "app-worker", M3, T1, 0, 0x402, 3500);
    heads[0] = T0 + 0x10; heads[1] = T1 + 0x10; heads[2] = T2 + 0x10; heads[3] = T3 + 0x10;
    ring(heads, 4);
    th[0] = T3 + 0x70; th[1] = T4 + 0x70;
    ring(th, 2);
    w32(T1 + 0x60, 0);
    /* pid 1 has an mm too (a user process without VMAs) */
    {
        uint64_t m1 = kalloc(0x38);
        w64(m1, K + upml4);
        w64(T1 + 0x40, m1);
    }
    /* the app: /bin/app text, heap, stack, vdso; argv "app\0-x\0" at 0x700000 */
    D0 = dentry(0, "/");
    D1 = dentry(D0, "bin");
    D2 = dentry(D1, "app");
    F1 = kalloc(0x20);
    w64(F1 + 0x18, D2);
    SPECIAL = kalloc(64);
    VDSO_SM = kalloc(16);
    w64(VDSO_SM, kstr("[vdso]"));
    V1 = vma(0x400000, 0x401000, 0x5, 0, F1);
    V2 = vma(0x600000, 0x602000, 0x3, 0x600, 0);
    V3 = vma(0x7fff0000, 0x80000000, 0x103, 0x7fff0, 0);
    V4 = vma(0x80001000, 0x80003000, 0x5, 0, 0);
    w64(V4 + 0x30, SPECIAL);
    w64(V4 + 0x38, VDSO_SM);
    w64(V1 + 0x10, V2);
    w64(V2 + 0x10, V3);
    w64(V3 + 0x10, V4);
    w64(M3, K + upml4);
    w64(M3 + 8, V1);
    w64(M3 + 0x10, 0x700000);
    w64(M3 + 0x18, 0x700007);
    w64(M3 + 0x20, 0x600000);
    w64(M3 + 0x28, 0x601800);
    w64(M3 + 0x30, 0x7fff8000);
    memcpy(img + 0x700000, "app\0-x\0", 7);
    /* The same VMAs in a maple tree (used with BTF variant 2): an allocation-range root
       with two leaves. An entry is node | type << 3 | 4; the root also has bit 1. */
    MA = K + timg_alloc(&T, 256, 256);
    ML1 = K + timg_alloc(&T, 256, 256);
    ML2 = K + timg_alloc(&T, 256, 256);
    w64(M3 + 0x38 + 8, MA | (3u << 3) | 4u | 2u);
    w64(MA + 8, 0x5fffff);                  /* arange: pivot[0] */
    w64(MA + 16, ~0ull);
    w64(MA + 80, ML1 | (1u << 3) | 4u);     /* slot[0], slot[1]: leaves */
    w64(MA + 88, ML2 | (1u << 3) | 4u);
    w8(MA + 240, 1);                        /* meta.end */
    w64(ML1 + 8, 0x3fffff);                 /* [0, 3fffff] empty */
    w64(ML1 + 16, 0x400fff);                /* V1 */
    w64(ML1 + 24, 0x5fffff);                /* empty up to the node's max */
    w64(ML1 + 128 + 8, V1);
    w8(ML1 + 248, 2);
    w64(ML2 + 8, 0x601fff);  w64(ML2 + 128, V2);
    w64(ML2 + 16, 0x7ffeffff);
    w64(ML2 + 24, 0x7fffffff); w64(ML2 + 128 + 16, V3);
    w64(ML2 + 32, 0x80000fff);
    w64(ML2 + 40, 0x80002fff); w64(ML2 + 128 + 32, V4);
    w8(ML2 + 248, 5);                       /* slot 5 (pivot 0: up to max) is the last */
    /* modules: the list head, then two modules (newest first) */
    MODS = kalloc(16);
    mod0 = module("forming", 0xffffffffc0200000ull, 0x1000, 0, 3); /* UNFORMED: not shown */
    MOD1 = module("ext4", 0xffffffffc0000000ull, 0x1000, 0x200, 0);
    MOD2 = module("loop", 0xffffffffc0100000ull, 0x3000, 0, 1);
    mods[0] = MODS; mods[1] = mod0 + 8; mods[2] = MOD1 + 8; mods[3] = MOD2 + 8;
    ring(mods, 4);
    /* log_buf: 256 bytes; records at 0 and 24, a wrap marker at 200 where reading begins */
    LOGB = kalloc(256);
    SYM_LOGBUF = kalloc(8);
    SYM_LOGLEN = kalloc(4);
    SYM_FIRST = kalloc(4);
    SYM_NEXT = kalloc(4);
    w64(SYM_LOGBUF, LOGB);
    w32(SYM_LOGLEN, 256);
    w32(SYM_FIRST, 200);
    w32(SYM_NEXT, 56);
    log_rec(LOGB, 1500000000ull, "hello", 6, 0);
    log_rec(LOGB + 24, 2000001000ull, "world\nline2", 3, 1);
}

static memintro_status sym(void *user, const char *name, uint64_t *addr)
{
    (void)user;
    if (!strcmp(name, "init_task")) *addr = T0;
    else if (!strcmp(name, "modules")) *addr = MODS;
    else if (!strcmp(name, "log_buf")) *addr = SYM_LOGBUF;
    else if (!strcmp(name, "log_buf_len")) *addr = SYM_LOGLEN;
    else if (!strcmp(name, "log_first_idx")) *addr = SYM_FIRST;
    else if (!strcmp(name, "log_next_idx")) *addr = SYM_NEXT;
    else if (!strcmp(name, "special_mapping_vmops")) *addr = SPECIAL;
    else return MEMINTRO_E_NOTFOUND;
    return MEMINTRO_OK;
}

/* ---- collecting ---- */

static char got[64][300];
static size_t ngot;

static int task_cb(void *u, const memintro_linux_task *t)
{
    (void)u;
    if (ngot < 64)
        snprintf(got[ngot++], sizeof got[0], "%d/%d %s pp=%d %c k=%d th=%d", t->pid, t->tgid, t->comm,
                 t->ppid, t->state_char, t->kernel_thread, t->is_thread);
    return 0;
}
static int stop_after_two(void *u, const memintro_linux_task *t)
{
    task_cb(u, t);
    return ngot == 2;
}
static int vma_cb(void *u, const memintro_linux_vma *v)
{
    (void)u;
    if (ngot < 64)
        snprintf(got[ngot++], sizeof got[0], "%llx-%llx %s %llx %s", (unsigned long long)v->start,
                 (unsigned long long)v->end, v->perms, (unsigned long long)v->pgoff, v->name);
    return 0;
}
static int mod_cb(void *u, const memintro_linux_module *m)
{
    (void)u;
    if (ngot < 64) snprintf(got[ngot++], sizeof got[0], "%s %llx %llx", m->name, (unsigned long long)m->base, (unsigned long long)m->size);
    if (m->state >= 3) snprintf(got[ngot - 1], sizeof got[0], "state %u", m->state);
    return 0;
}
static int log_cb(void *u, const memintro_linux_log *r)
{
    (void)u;
    if (ngot < 64)
        snprintf(got[ngot++], sizeof got[0], "%llu L%u F%u %.*s", (unsigned long long)r->ts_nsec, r->level, r->facility,
                 (int)r->text_len, r->text);
    return 0;
}

static int same(const char *const *want, size_t n)
{
    size_t i;
    if (ngot != n) return 0;
    for (i = 0; i < n; i++)
        if (strcmp(got[i], want[i]) != 0) return 0;
    return 1;
}

static void show(void)
{
    size_t i;
    for (i = 0; i < ngot; i++) printf("    # %s\n", got[i]);
}

static uint32_t bidx[1 << 16];
static uint8_t scratch[1 << 16], uscratch[1 << 16];

int main(void)
{
    memintro_buffer buf;
    memintro_virt kv, uv;
    memintro_mmu_desc d;
    memintro_btf btf;
    memintro_linux_os os;
    memintro_linux_task t;
    memintro_status st;
    char line[64];
    size_t n;
    static uint8_t pristine[sizeof img];

    build_btf(1);
    st = memintro_btf_init(&btf, blob, blob_len, bidx, sizeof bidx);
    CHECK(st == MEMINTRO_OK, "synthetic BTF of the older layouts (%s)", memintro_status_str(st));
    build_image();
    memcpy(pristine, img, sizeof img);
    memintro_buffer_init(&buf, img, sizeof img, NULL, 0);
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = kpml4;
    st = memintro_virt_init(&kv, &buf.phys, &d, scratch, sizeof scratch);
    CHECK(st == MEMINTRO_OK, "kernel address space");

    /* without BTF, or without a member the tasks need: a status naming what is missing */
    st = memintro_linux_os_init(&os, &kv, NULL, sym, NULL);
    CHECK(st == MEMINTRO_E_UNSUPPORTED && os.missing_tasks && strstr(os.missing_tasks, "BTF"), "no BTF: UNSUPPORTED, missing '%s'", os.missing_tasks);
    CHECK(memintro_linux_task_each(&os, 0, task_cb, NULL) == MEMINTRO_E_UNSUPPORTED, "no BTF: task walk UNSUPPORTED");
    {
        memintro_btf b2;
        static uint32_t idx2[1 << 16];
        build_btf(0);
        memintro_btf_init(&b2, blob, blob_len, idx2, sizeof idx2);
        st = memintro_linux_os_init(&os, &kv, &b2, sym, NULL);
        CHECK(st == MEMINTRO_E_NOTFOUND && os.missing_tasks && !strcmp(os.missing_tasks, "task_struct.tasks"), "no task_struct.tasks: NOTFOUND, missing '%s'", os.missing_tasks);
        build_btf(1);
        memintro_btf_init(&btf, blob, blob_len, bidx, sizeof bidx);
    }
    st = memintro_linux_os_init(&os, &kv, &btf, NULL, NULL);
    CHECK(st == MEMINTRO_E_NOTFOUND && !strcmp(os.missing_tasks, "symbol init_task"), "no symbols: missing '%s'", os.missing_tasks);

    st = memintro_linux_os_init(&os, &kv, &btf, sym, NULL);
    CHECK(st == MEMINTRO_OK && !os.missing_maps && !os.missing_modules && !os.missing_log, "older layout: tasks, maps (mmap list), modules (core_layout), log (log_buf) all usable (%s %s %s)",
          os.missing_maps ? os.missing_maps : "-", os.missing_modules ? os.missing_modules : "-", os.missing_log ? os.missing_log : "-");
    CHECK(os.o.task_state == 0x58 && os.o.task_state_size == 8 && os.o.mm_mt_root == MEMINTRO_LINUX_NONE && os.o.task_thread_node == MEMINTRO_LINUX_NONE,
          "older layout: state is a long at 0x58, no maple tree, no thread_node");

    {
        static const char *const want[] = {"1/1 init pp=0 S k=0 th=0", "2/2 kthreadd pp=0 S k=1 th=0", "10/10 app pp=1 R k=0 th=0"};
        ngot = 0;
        st = memintro_linux_task_each(&os, 0, task_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 3), "tasks: the three processes after init_task");
        if (!same(want, 3)) show();
    }
    {
        static const char *const want[] = {"0/0 swapper/0 pp=0 R k=1 th=0", "1/1 init pp=0 S k=0 th=0", "2/2 kthreadd pp=0 S k=1 th=0",
                                           "10/10 app pp=1 R k=0 th=0", "11/10 app-worker pp=1 I k=0 th=1"};
        ngot = 0;
        st = memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS | MEMINTRO_LINUX_IDLE, task_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 5), "tasks with threads (thread_group) and the idle task; TASK_IDLE shows as I");
        if (!same(want, 5)) show();
        ngot = 0;
        st = memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS, stop_after_two, NULL);
        CHECK(st == MEMINTRO_OK && ngot == 2, "a callback that returns nonzero stops the walk (OK after 2)");
    }
    st = memintro_linux_task_find(&os, 11, NULL, &t);
    CHECK(st == MEMINTRO_OK && t.addr == T4 && t.tgid == 10 && t.start_time == 3500 && t.mm == M3 && t.dtb == upml4,
          "find pid 11 (a thread): task 0x%llx, dtb 0x%llx (the mm's pgd through the direct map)", (unsigned long long)t.addr, (unsigned long long)t.dtb);
    st = memintro_linux_task_find(&os, -1, "app", &t);
    CHECK(st == MEMINTRO_OK && t.pid == 10, "find 'app' by name");
    CHECK(memintro_linux_task_find(&os, -1, "ap", &t) == MEMINTRO_E_NOTFOUND, "find 'ap': a prefix is not a name");
    CHECK(memintro_linux_task_find(&os, -1, NULL, &t) == MEMINTRO_E_INVALID, "find with neither pid nor name: INVALID");
    memintro_linux_task_find(&os, 10, NULL, &t);
    {
        char cl[64];
        st = memintro_linux_task_cmdline(&os, &t, cl, sizeof cl, &n);
        CHECK(st == MEMINTRO_OK && n == 6 && !memcmp(cl, "app\0-x", 7), "command line from user memory: %zu bytes", n);
        st = memintro_linux_task_cmdline(&os, &t, cl, 3, &n);
        CHECK(st == MEMINTRO_OK && n == 2 && !memcmp(cl, "ap", 3), "command line clamped to the buffer");
    }
    st = memintro_linux_task_space(&os, &t, &uv, uscratch, sizeof uscratch);
    CHECK(st == MEMINTRO_OK && memintro_virt_read1(&uv, 0x700000, line, 4) == MEMINTRO_OK && !memcmp(line, "app", 4), "the process as an address space");
    CHECK(memintro_linux_task_read_mem(&os, &t, 0x700004, line, 3) == MEMINTRO_OK && !memcmp(line, "-x", 3) && kv.desc.dtb == kpml4,
          "read_mem reads user memory and gives the kernel its DTB back");
    {
        memintro_linux_task k2;
        memintro_linux_task_find(&os, 2, NULL, &k2);
        CHECK(memintro_linux_task_cmdline(&os, &k2, line, sizeof line, &n) == MEMINTRO_E_NOTFOUND, "kernel thread: no command line");
        CHECK(memintro_linux_task_space(&os, &k2, &uv, uscratch, sizeof uscratch) == MEMINTRO_E_NOTFOUND, "kernel thread: no address space");
        CHECK(memintro_linux_vma_each(&os, &k2, vma_cb, NULL) == MEMINTRO_E_NOTFOUND, "kernel thread: no maps");
    }
    {
        static const char *const want[] = {"400000-401000 r-xp 0 /bin/app", "600000-602000 rw-p 600 [heap]",
                                           "7fff0000-80000000 rw-p 7fff0 [stack]", "80001000-80003000 r-xp 0 [vdso]"};
        ngot = 0;
        st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 4), "maps from the mmap list: path through dentries, heap, stack, a special mapping (%s)", memintro_status_str(st));
        if (!same(want, 4)) show();
    }
    {
        static const char *const want[] = {"ext4 ffffffffc0000000 1200", "loop ffffffffc0100000 3000"};
        ngot = 0;
        st = memintro_linux_module_each(&os, mod_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 2), "modules: name, core_layout.base, core + init size; an UNFORMED one skipped");
        if (!same(want, 2)) show();
    }
    {
        static const char *const want[] = {"1500000000 L6 F0 hello", "2000001000 L3 F1 world\nline2"};
        ngot = 0;
        st = memintro_linux_log_each(&os, log_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 2), "log_buf: the wrap marker, then two records with level and facility from the bitfields (%s)", memintro_status_str(st));
        if (!same(want, 2)) show();
    }

    /* ---- damaged memory ---- */
#define RESET() memcpy(img, pristine, sizeof img)
    RESET();
    w64(T3 + 0x10, T1 + 0x10); /* app -> init: a loop that never returns to init_task */
    ngot = 0;
    st = memintro_linux_task_each(&os, 0, task_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT && ngot >= 3 && ngot < 20, "task list looping past init_task: FORMAT after %zu tasks", ngot);
    RESET();
    w64(T2 + 0x10, 0x1234);
    ngot = 0;
    st = memintro_linux_task_each(&os, 0, task_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT && ngot == 2, "a next pointer that is no kernel address: FORMAT after the tasks before");
    RESET();
    w64(T2 + 0x10, K + (2ull << 30) + 0x10); /* beyond the 1 GiB mapped */
    st = memintro_linux_task_each(&os, 0, task_cb, NULL);
    CHECK(st == MEMINTRO_E_UNMAPPED, "a next pointer to unmapped memory: %s", memintro_status_str(st));
    RESET();
    os.max_tasks = 2;
    st = memintro_linux_task_each(&os, 0, task_cb, NULL);
    CHECK(st == MEMINTRO_E_LIMIT, "more tasks than max_tasks: LIMIT");
    os.max_tasks = 1u << 20;
    w64(T4 + 0x70, T4 + 0x70); /* the thread's list points to itself, never back to the leader */
    st = memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS, task_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "thread list looping: FORMAT");
    RESET();
    w64(V3 + 0x10, V1);
    st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "mmap list looping back: FORMAT");
    RESET();
    w64(V2 + 8, 0x500000); /* ends before it starts */
    st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "a VMA with end < start: FORMAT");
    RESET();
    os.max_vmas = 2;
    st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
    CHECK(st == MEMINTRO_E_LIMIT, "more VMAs than max_vmas: LIMIT");
    os.max_vmas = 1u << 20;
    w64(D1 + 0x18, D2); /* dentry parents loop: the path is cut, the walk goes on */
    ngot = 0;
    st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
    CHECK(st == MEMINTRO_OK && ngot == 4 && strstr(got[0], "/app"), "dentry parents in a loop: a bounded path ('%s')", ngot ? got[0] : "");
    RESET();
    w32(D2 + 0x24, 100000); /* a name length past any buffer */
    ngot = 0;
    st = memintro_linux_vma_each(&os, &t, vma_cb, NULL);
    CHECK(st == MEMINTRO_OK && ngot == 4, "a huge dentry name length: the path stops, no overflow");
    RESET();
    w64(MOD2 + 8, MOD1 + 8);
    st = memintro_linux_module_each(&os, mod_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "module list looping: FORMAT");
    RESET();
    w16(LOGB + 24 + 8, 4); /* a record shorter than its header */
    st = memintro_linux_log_each(&os, log_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "log record shorter than its header: FORMAT");
    RESET();
    w16(LOGB + 24 + 8, 248); /* runs past the buffer */
    st = memintro_linux_log_each(&os, log_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "log record past the buffer: FORMAT");
    RESET();
    w32(SYM_NEXT, 300);
    st = memintro_linux_log_each(&os, log_cb, NULL);
    CHECK(st == MEMINTRO_E_FORMAT, "log_next_idx past log_buf_len: FORMAT");
    RESET();
    memintro_linux_task_find(&os, 10, NULL, &t);
    t.arg_end = t.arg_start - 1;
    CHECK(memintro_linux_task_cmdline(&os, &t, line, sizeof line, &n) == MEMINTRO_E_FORMAT, "arg_end before arg_start: FORMAT");
    t.arg_end = t.arg_start + (1ull << 40);
    CHECK(memintro_linux_task_cmdline(&os, &t, line, sizeof line, &n) != MEMINTRO_OK || n < sizeof line, "a huge command line is clamped");

    /* ---- the maple tree (BTF variant 2) ---- */
    {
        static const char *const want[] = {"400000-401000 r-xp 0 /bin/app", "600000-602000 rw-p 600 [heap]",
                                           "7fff0000-80000000 rw-p 7fff0 [stack]", "80001000-80003000 r-xp 0 [vdso]"};
        memintro_btf b3;
        static uint32_t idx3[1 << 16];
        memintro_linux_os os3;
        static uint8_t blob2[sizeof blob];
        memcpy(blob2, blob, blob_len);
        build_btf(2);
        st = memintro_btf_init(&b3, blob, blob_len, idx3, sizeof idx3);
        CHECK(st == MEMINTRO_OK, "BTF with mm_struct.mm_mt and maple nodes");
        st = memintro_linux_os_init(&os3, &kv, &b3, sym, NULL);
        CHECK(st == MEMINTRO_OK && !os3.missing_maps && os3.o.mm_mt_root == 0x40 && os3.o.r64_slots == 16 && os3.o.a64_slots == 10 &&
              os3.o.r64_meta == 248 && os3.o.a64_meta == 240, "maple layout from BTF: root at 0x%x, 16 and 10 slots, meta at %u and %u",
              os3.o.mm_mt_root, os3.o.r64_meta, os3.o.a64_meta);
        RESET();
        memintro_linux_task_find(&os3, 10, NULL, &t);
        ngot = 0;
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_OK && same(want, 4), "maps from the maple tree: the same four VMAs (%s)", memintro_status_str(st));
        if (!same(want, 4)) show();
        w64(ML2 + 128 + 32, V2);
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_FORMAT, "a leaf slot whose VMA does not cover its range: FORMAT (%s)", memintro_status_str(st));
        RESET();
        w64(MA + 80, MA | (3u << 3) | 4u); /* the root is its own first child */
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_LIMIT, "a node that holds itself: LIMIT at depth 32 (%s)", memintro_status_str(st));
        RESET();
        w64(MA + 80, ML1 | 4u); /* type 0: dense */
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_FORMAT, "a child of a type that holds no VMAs: FORMAT");
        RESET();
        w8(ML2 + 248, 200);
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_FORMAT, "a node's end past its slots: FORMAT");
        RESET();
        w64(ML2 + 16, 0x500000);
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_FORMAT, "pivots out of order: FORMAT");
        RESET();
        w64(M3 + 0x38 + 8, V1); /* a root that is no node */
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_E_FORMAT, "a root entry that is not a node: FORMAT");
        RESET();
        w64(M3 + 0x38 + 8, 0);
        ngot = 0;
        st = memintro_linux_vma_each(&os3, &t, vma_cb, NULL);
        CHECK(st == MEMINTRO_OK && ngot == 0, "an empty tree: no VMAs");
        RESET();
        memcpy(blob, blob2, blob_len);
    }

    /* random damage to the kernel objects: every walk returns */
    {
        trng r;
        uint32_t i, k;
        uint64_t lo = (8u << 20) + 4 * 4096, hi = T.next;
        trng_seed(&r, 9);
        for (i = 0; i < 3000; i++) {
            memintro_linux_task x;
            RESET();
            for (k = 0; k < 1 + trng_below(&r, 6); k++)
                img[lo + trng_below(&r, hi - lo)] ^= (uint8_t)(1u << trng_below(&r, 8));
            ngot = 0;
            (void)memintro_linux_task_each(&os, MEMINTRO_LINUX_THREADS | MEMINTRO_LINUX_IDLE, task_cb, NULL);
            if (memintro_linux_task_find(&os, 10, NULL, &x) == MEMINTRO_OK) {
                char cl[32];
                (void)memintro_linux_vma_each(&os, &x, vma_cb, NULL);
                (void)memintro_linux_task_cmdline(&os, &x, cl, sizeof cl, &n);
            }
            ngot = 0;
            (void)memintro_linux_module_each(&os, mod_cb, NULL);
            ngot = 0;
            (void)memintro_linux_log_each(&os, log_cb, NULL);
            CHECK_QUIET(1, "damage %u", i);
        }
        CHECK(1, "3000 randomly damaged images: every walk returned");
    }
    return check_done();
}
