/* tests/test_win32_unit.c: white-box tests of memintro_win32.h's own parts (the
   implementation is included here): the UTF-16 to UTF-8 conversion, the page-table
   signatures, the low stub matcher, discovery with and without hints, the offsets table
   and the locator, the process and module walks on damaged lists, hints from a target, and
   the manual's EXAMPLE.

   ALL DATA IS SYNTHETIC: a small x64 guest-physical image built below by hand, independent
   of tests/win32_image.h (the generator of the test matrix). Its page tables, its PE image
   named ntoskrnl.exe with three exports, its EPROCESS ring (the 19041 layout of the offsets
   table, or a layout of its own for the locator), PEBs, loader lists (one WoW64) and kernel
   module list follow the figures of formats.md section 5 and the sources named in
   memintro_win32.h's table; the expected values are the builder's own inputs. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_target.h"
#include "memintro_win32.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* ---- the builder ---------------------------------------------------------------------- */

#define RAM (32u << 20)
#define KBASE 0xfffff80000600000ull  /* ntoskrnl, a 2 MiB page at phys KPHYS */
#define KPHYS 0x1000000ull
#define KUSER 0xfffff78000000000ull
#define KUSER_PHYS 0x1400000ull
#define UBASE 0x10000000ull          /* each process's user 2 MiB page */
#define UPHYS(i) (0x1600000ull + (uint64_t)(i) * 0x200000ull)
#define EP(i) (KBASE + 0x100000 + (uint64_t)(i) * 0x1000) /* EPROCESS slots in the kernel page */
#define HEAD (KBASE + 0x3040)        /* PsActiveProcessHead (not exported) */
#define KMODS (KBASE + 0x3010)       /* PsLoadedModuleList */
#define NPROC 5

typedef struct layout {
    uint32_t build;
    uint16_t pid, links, ppid, name, peb, wow64, sect, es, et;
} layout;
/* the 19041 row of the table (ntdiff/headers Win10_2004_20H1) */
static const layout L19041 = {19045, 0x440, 0x448, 0x540, 0x5a8, 0x550, 0x580, 0x520, 0x7d4, 0x840};
/* a layout no table has, for the locator (Wow64Process at Peb + 0x30, as on 8 and later) */
static const layout LOWN = {30001, 0x300, 0x308, 0x3f0, 0x460, 0x400, 0x430, 0x3e0, 0x600, 0};

enum { F_STUB = 1, F_CYCLE = 2, F_WILD = 4, F_ABSURD = 8 };

typedef struct wimg {
    uint8_t *m;
    uint64_t next; /* page-table allocator */
    uint64_t pml4[NPROC];
    layout l;
    unsigned flags;
} wimg;

static const char *pname[NPROC] = {"System", "smss.exe", "csrss.exe", "app32.exe", "exited.exe"};
static const uint64_t ppid_[NPROC] = {0, 4, 0x1a0, 0x1a0, 0x1a0};
static const uint64_t pid_[NPROC] = {4, 0x1a0, 0x214, 0x300, 0x3c8};

static void p16(wimg *g, uint64_t pa, uint16_t v) { g->m[pa] = (uint8_t)v; g->m[pa + 1] = (uint8_t)(v >> 8); }
static void p32(wimg *g, uint64_t pa, uint32_t v) { p16(g, pa, (uint16_t)v); p16(g, pa + 2, (uint16_t)(v >> 16)); }
static void p64(wimg *g, uint64_t pa, uint64_t v) { p32(g, pa, (uint32_t)v); p32(g, pa + 4, (uint32_t)(v >> 32)); }
static uint64_t g64(wimg *g, uint64_t pa) { return memintro_get_u64(g->m + pa); }
static uint64_t page(wimg *g) { uint64_t p = g->next; g->next += 0x1000; return p; }

/* a table entry's next level, made when missing */
static uint64_t next_table(wimg *g, uint64_t table, unsigned idx, uint64_t flags)
{
    uint64_t e = g64(g, table + 8 * idx);
    if (!(e & 1)) {
        e = page(g) | flags;
        p64(g, table + 8 * idx, e);
    }
    return e & 0x000ffffffffff000ull;
}
static void map(wimg *g, uint64_t pml4, uint64_t va, uint64_t pa, int large, uint64_t user)
{
    uint64_t fl = 3 | user, pdpt, pd, pt;
    pdpt = next_table(g, pml4, (unsigned)((va >> 39) & 511), fl);
    pd = next_table(g, pdpt, (unsigned)((va >> 30) & 511), fl);
    if (large) {
        p64(g, pd + 8 * ((va >> 21) & 511), pa | fl | 0x80);
        return;
    }
    pt = next_table(g, pd, (unsigned)((va >> 21) & 511), fl);
    p64(g, pt + 8 * ((va >> 12) & 511), pa | fl);
}
/* kernel VA / a process's user VA to physical (the builder's own mappings) */
static uint64_t kpa(uint64_t va) { return va >= KBASE && va < KBASE + 0x200000 ? KPHYS + (va - KBASE) : KUSER_PHYS + (va - KUSER); }
static uint64_t upa(unsigned i, uint64_t va) { return UPHYS(i) + (va - UBASE); }
static void kstr(wimg *g, uint64_t va, const char *s) { memcpy(g->m + kpa(va), s, strlen(s) + 1); }

/* UTF-16LE of a UTF-8 literal limited to what the tests need (ASCII, 2- and 3-byte
   characters, 4-byte ones as surrogate pairs); returns the bytes written */
static size_t utf16(uint8_t *out, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    while (*u) {
        uint32_t c;
        if (*u < 0x80) c = *u++;
        else if ((*u & 0xe0) == 0xc0) { c = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f); u += 2; }
        else if ((*u & 0xf0) == 0xe0) { c = ((uint32_t)(u[0] & 0x0f) << 12) | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f); u += 3; }
        else { c = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3f) << 12) | ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f); u += 4; }
        if (c >= 0x10000) {
            c -= 0x10000;
            out[n++] = (uint8_t)(0xd800 + (c >> 10)); out[n++] = (uint8_t)((0xd800 + (c >> 10)) >> 8);
            out[n++] = (uint8_t)(0xdc00 + (c & 0x3ff)); out[n++] = (uint8_t)((0xdc00 + (c & 0x3ff)) >> 8);
        } else {
            out[n++] = (uint8_t)c; out[n++] = (uint8_t)(c >> 8);
        }
    }
    return n;
}

/* LDR_DATA_TABLE_ENTRY (64-bit: links 0, DllBase 0x30, EntryPoint 0x38, SizeOfImage 0x40,
   FullDllName 0x48, BaseDllName 0x58; 32-bit: 0, 0x18, 0x1c, 0x20, 0x24, 0x2c) at physical
   e, its strings at physical sp / virtual sv */
static void ldr_entry(wimg *g, int is32, uint64_t e, uint64_t flink, uint64_t blink, uint64_t base, uint32_t size,
                      const char *path, const char *name, uint64_t sp, uint64_t sv)
{
    size_t lp = utf16(g->m + sp, path), ln = utf16(g->m + sp + 0x400, name);
    if (is32) {
        p32(g, e, (uint32_t)flink); p32(g, e + 4, (uint32_t)blink);
        p32(g, e + 0x18, (uint32_t)base); p32(g, e + 0x1c, (uint32_t)base + 0x100); p32(g, e + 0x20, size);
        p16(g, e + 0x24, (uint16_t)lp); p16(g, e + 0x26, (uint16_t)(lp + 2)); p32(g, e + 0x28, (uint32_t)sv);
        p16(g, e + 0x2c, (uint16_t)ln); p16(g, e + 0x2e, (uint16_t)(ln + 2)); p32(g, e + 0x30, (uint32_t)(sv + 0x400));
    } else {
        p64(g, e, flink); p64(g, e + 8, blink);
        p64(g, e + 0x30, base); p64(g, e + 0x38, base + 0x100); p32(g, e + 0x40, size);
        p16(g, e + 0x48, (uint16_t)lp); p16(g, e + 0x4a, (uint16_t)(lp + 2)); p64(g, e + 0x50, sv);
        p16(g, e + 0x58, (uint16_t)ln); p16(g, e + 0x5a, (uint16_t)(ln + 2)); p64(g, e + 0x60, sv + 0x400);
    }
}

static const char *mod_path[2] = {"C:\\Windows\\System32\\ntdll.dll", "C:\\Users\\J\xc3\xa9r\xc3\xb4me\\\xf0\x9f\x98\x80\\caf\xc3\xa9.dll"};
static const char *mod_name[2] = {"ntdll.dll", "caf\xc3\xa9.dll"};
#define MOD_BASE(k) (0x7ffa00000000ull + (uint64_t)(k) * 0x100000)

static void build(wimg *g, const layout *l, unsigned flags)
{
    unsigned i, k;
    uint64_t sys;
    memset(g->m, 0, RAM);
    g->l = *l;
    g->flags = flags;
    g->next = 0x100000;
    for (i = 0; i < NPROC; i++) g->pml4[i] = page(g);
    /* the kernel half, in System's PML4, then copied: self-reference at 0x1ED */
    sys = g->pml4[0];
    map(g, sys, KBASE, KPHYS, 1, 0);
    map(g, sys, KUSER, KUSER_PHYS, 0, 0);
    for (i = 0; i < NPROC; i++) {
        for (k = 256; k < 512; k++) p64(g, g->pml4[i] + 8 * k, g64(g, sys + 8 * k));
        p64(g, g->pml4[i] + 8 * 0x1ed, g->pml4[i] | 3);
        if (i) map(g, g->pml4[i], UBASE, UPHYS(i), 1, 4);
    }
    /* KUSER_SHARED_DATA: NtBuildNumber 0x260, NtMajorVersion 0x26c, NtMinorVersion 0x270 */
    p32(g, KUSER_PHYS + 0x260, l->build);
    p32(g, KUSER_PHYS + 0x26c, 10);
    p32(g, KUSER_PHYS + 0x270, 0);
    /* ntoskrnl.exe: MZ, PE32+, two sections, an export directory */
    {
        uint64_t b = KPHYS, opt = b + 0x98, st = b + 0x80 + 24 + 0xf0;
        static const char *exp[3] = {"NtBuildNumber", "PsInitialSystemProcess", "PsLoadedModuleList"};
        g->m[b] = 'M'; g->m[b + 1] = 'Z';
        p32(g, b + 0x3c, 0x80);
        memcpy(g->m + b + 0x80, "PE\0\0", 4);
        p16(g, b + 0x84, 0x8664); p16(g, b + 0x86, 2); p16(g, b + 0x94, 0xf0); p16(g, b + 0x96, 0x22);
        p16(g, opt, 0x20b); p32(g, opt + 16, 0x1000); p64(g, opt + 24, KBASE);
        p32(g, opt + 56, 0x80000); p32(g, opt + 60, 0x400); p32(g, opt + 108, 16);
        p32(g, opt + 112, 0x2000); p32(g, opt + 116, 0x400);
        memcpy(g->m + st, ".text", 5); p32(g, st + 8, 0x10000); p32(g, st + 12, 0x1000);
        memcpy(g->m + st + 40, "POOLCODE", 8); p32(g, st + 48, 0x1000); p32(g, st + 52, 0x11000);
        p32(g, b + 0x2000 + 12, 0x2100); p32(g, b + 0x2000 + 16, 1); p32(g, b + 0x2000 + 20, 3);
        p32(g, b + 0x2000 + 24, 3); p32(g, b + 0x2000 + 28, 0x2200); p32(g, b + 0x2000 + 32, 0x2240);
        p32(g, b + 0x2000 + 36, 0x2280);
        kstr(g, KBASE + 0x2100, "ntoskrnl.exe");
        for (k = 0; k < 3; k++) {
            p32(g, b + 0x2200 + 4 * k, 0x3000 + 8 * k);
            p32(g, b + 0x2240 + 4 * k, 0x2300 + 0x20 * k);
            p16(g, b + 0x2280 + 2 * k, (uint16_t)k);
            kstr(g, KBASE + 0x2300 + 0x20 * k, exp[k]);
        }
        p32(g, b + 0x3000, 0xf0000000u | l->build);
        p64(g, b + 0x3008, EP(0));
    }
    /* the EPROCESS ring: head <-> System <-> ... <-> head */
    for (i = 0; i < NPROC; i++) {
        uint64_t e = kpa(EP(i));
        uint64_t fl = i + 1 < NPROC ? EP(i + 1) + l->links : HEAD;
        uint64_t bl = i ? EP(i - 1) + l->links : HEAD;
        p64(g, e + 0x28, g->pml4[i]);
        p64(g, e + l->pid, pid_[i]);
        p64(g, e + l->links, fl);
        p64(g, e + l->links + 8, bl);
        p64(g, e + l->ppid, ppid_[i]);
        memcpy(g->m + e + l->name, pname[i], strlen(pname[i]));
        p32(g, e + l->es, i == 4 ? 0 : 0x103u);
        if (i == 4 && l->et) p64(g, e + l->et, 0x01d9000000000000ull);
        if (i) {
            /* PEB at UBASE + 0x1000: ImageBaseAddress = SectionBaseAddress, Ldr */
            uint64_t u = UBASE;
            p64(g, e + l->peb, u + 0x1000);
            p64(g, e + l->sect, u + 0x100000);
            p64(g, upa(i, u + 0x1000 + 0x10), u + 0x100000);
            p64(g, upa(i, u + 0x1000 + 0x18), u + 0x2000);
            /* PEB_LDR_DATA.InLoadOrderModuleList (0x10) -> two entries */
            p64(g, upa(i, u + 0x2010), u + 0x3000);
            p64(g, upa(i, u + 0x2018), u + 0x3100);
            ldr_entry(g, 0, upa(i, u + 0x3000), u + 0x3100, u + 0x2010, MOD_BASE(0), 0x1f0000, mod_path[0], mod_name[0],
                      upa(i, u + 0x4000), u + 0x4000);
            ldr_entry(g, 0, upa(i, u + 0x3100), u + 0x2010, u + 0x3000, MOD_BASE(1) + i * 0x10000, 0x2000 + i,
                      mod_path[1], mod_name[1], upa(i, u + 0x5000), u + 0x5000);
            memcpy(g->m + upa(i, u + 0x7000), "marker of this process", 23);
            g->m[upa(i, u + 0x7000) + 22] = (uint8_t)('0' + i);
        }
        if (i == 3) {
            /* WoW64: Wow64Process -> an EWOW64PROCESS (Peb at 0) -> PEB32 at UBASE + 0x8000:
               Ldr at 0x0c, InLoadOrderModuleList at 0x0c of PEB_LDR_DATA32, one entry */
            uint64_t u = UBASE, ew = KBASE + 0x90000;
            p64(g, e + l->wow64, ew);
            p64(g, kpa(ew), u + 0x8000);
            p32(g, upa(i, u + 0x8000 + 0x0c), (uint32_t)(u + 0x9000));
            p32(g, upa(i, u + 0x9000 + 0x0c), (uint32_t)(u + 0xa000));
            p32(g, upa(i, u + 0x9000 + 0x10), (uint32_t)(u + 0xa000));
            ldr_entry(g, 1, upa(i, u + 0xa000), u + 0x900c, u + 0x900c, 0x77000000, 0x180000,
                      "C:\\Windows\\SysWOW64\\ntdll.dll", "ntdll.dll", upa(i, u + 0xb000), u + 0xb000);
        }
    }
    p64(g, kpa(HEAD), EP(0) + l->links);
    p64(g, kpa(HEAD) + 8, EP(NPROC - 1) + l->links);
    /* PsLoadedModuleList: ntoskrnl.exe, hal.dll (KLDR_DATA_TABLE_ENTRY, the 64-bit layout) */
    p64(g, kpa(KMODS), KBASE + 0x4000);
    p64(g, kpa(KMODS) + 8, KBASE + 0x4100);
    ldr_entry(g, 0, kpa(KBASE + 0x4000), KBASE + 0x4100, KMODS, KBASE, 0x80000, "\\SystemRoot\\system32\\ntoskrnl.exe",
              "ntoskrnl.exe", kpa(KBASE + 0x5000), KBASE + 0x5000);
    ldr_entry(g, 0, kpa(KBASE + 0x4100), KMODS, KBASE + 0x4000, KBASE + 0x80000, 0x40000,
              "\\SystemRoot\\system32\\hal.dll", "hal.dll", kpa(KBASE + 0x6000), KBASE + 0x6000);
    if (flags & F_STUB) {
        /* PROCESSOR_START_BLOCK at 0x1000: jmp, 06 00, 01 00 00 00; LmTarget 0x70; CR3 0xa0 */
        p64(g, 0x1000, 0x00000001000600e9ull | 0x1e00);
        p64(g, 0x1070, KBASE + 0x1234);
        p64(g, 0x10a0, g->pml4[0]);
    }
    if (flags & F_CYCLE) /* csrss's Flink back to smss: its Blink does not point back */
        p64(g, kpa(EP(2)) + l->links, EP(1) + l->links);
    if (flags & F_WILD) /* csrss's Flink into kernel space that nothing maps */
        p64(g, kpa(EP(2)) + l->links, 0xfffff80123450000ull + l->links);
    if (flags & F_ABSURD) { /* smss's second module: Length 0xfffe, and app32's: a wild Buffer */
        p16(g, upa(1, UBASE + 0x3100 + 0x58), 0xfffe);
        p64(g, upa(3, UBASE + 0x3100 + 0x60), 0x00007ff123450000ull);
    }
}

/* ---- helpers ---------------------------------------------------------------------------- */

static unsigned char winmem[512 * 1024];

typedef struct plist {
    unsigned n;
    memintro_win32_process p[16];
} plist;
static int collect(void *user, const memintro_win32_process *p)
{
    plist *l = (plist *)user;
    if (l->n < 16) l->p[l->n++] = *p;
    return 0;
}
typedef struct mlist {
    unsigned n;
    memintro_win32_module m[8];
} mlist;
static int mcollect(void *user, const memintro_win32_module *m)
{
    mlist *l = (mlist *)user;
    if (l->n < 8) l->m[l->n++] = *m;
    return 0;
}

static memintro_status open_img(wimg *g, memintro_buffer *b, memintro_win32 *w, const memintro_win32_hints *h)
{
    memintro_buffer_init(b, g->m, RAM, NULL, 0);
    return memintro_win32_init(w, &b->phys, h, 0, winmem, sizeof winmem);
}

/* ---- UTF-16 ----------------------------------------------------------------------------- */

static void test_utf16(void)
{
    /* synthetic UTF-16LE strings */
    static const uint8_t mixed[] = {'A', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde}; /* A é € U+1F600 */
    static const uint8_t lone_hi[] = {0x00, 0xd8, 'x', 0};                               /* D800 then x */
    static const uint8_t lone_lo[] = {0x00, 0xdc, 'y', 0};                               /* DC00 then y */
    static const uint8_t end_hi[] = {'z', 0, 0x3d, 0xd8};                                /* z, D83D at the end */
    static const uint8_t nul[] = {'a', 0, 0, 0, 'b', 0};
    char out[32];
    CHECK(memintro__w32_utf16_to_utf8(mixed, sizeof mixed, out, sizeof out) &&
              !strcmp(out, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
          "utf16: ASCII, 2-, 3- and 4-byte (surrogate pair) characters");
    CHECK(memintro__w32_utf16_to_utf8(lone_hi, sizeof lone_hi, out, sizeof out) && !strcmp(out, "\xef\xbf\xbdx"),
          "utf16: an unpaired high surrogate becomes U+FFFD");
    CHECK(memintro__w32_utf16_to_utf8(lone_lo, sizeof lone_lo, out, sizeof out) && !strcmp(out, "\xef\xbf\xbdy"),
          "utf16: an unpaired low surrogate becomes U+FFFD");
    CHECK(memintro__w32_utf16_to_utf8(end_hi, sizeof end_hi, out, sizeof out) && !strcmp(out, "z\xef\xbf\xbd"),
          "utf16: a high surrogate at the end becomes U+FFFD");
    CHECK(memintro__w32_utf16_to_utf8(nul, sizeof nul, out, sizeof out) && !strcmp(out, "a"), "utf16: a NUL unit ends the string");
    CHECK(memintro__w32_utf16_to_utf8(mixed, 7, out, sizeof out) && !strcmp(out, "A\xc3\xa9\xe2\x82\xac"),
          "utf16: an odd last byte is ignored");
    /* cut at a character boundary: "A" (1) + "é" (2) fit in 4 with the NUL, "€" does not */
    memset(out, 'q', sizeof out);
    CHECK(!memintro__w32_utf16_to_utf8(mixed, sizeof mixed, out, 4) && !strcmp(out, "A\xc3\xa9"),
          "utf16: a too small output is cut before a whole character and says so");
    CHECK(!memintro__w32_utf16_to_utf8(mixed, sizeof mixed, out, 1) && out[0] == 0, "utf16: output of 1 byte holds the NUL");
    CHECK(memintro__w32_utf16_to_utf8(mixed, 0, out, sizeof out) && out[0] == 0, "utf16: an empty string");
}

/* ---- signatures ------------------------------------------------------------------------- */

static void test_signatures(wimg *g)
{
    uint8_t pg[4096];
    build(g, &L19041, F_STUB);
    CHECK(memintro__w32_is_pml4(g->m + g->pml4[0], g->pml4[0]), "signature: System's PML4 (self-reference at 0x1ED) matches");
    CHECK(memintro__w32_is_pml4(g->m + g->pml4[2], g->pml4[2]), "signature: a process's PML4 matches");
    CHECK(!memintro__w32_is_pml4(g->m + g->pml4[0], g->pml4[1]), "signature: a PML4 checked at another address does not");
    memset(pg, 0, sizeof pg);
    CHECK(!memintro__w32_is_pml4(pg, 0x5000), "signature: an empty page is no PML4");
    memcpy(pg, g->m + g->pml4[0], sizeof pg);
    pg[8 * 0x1ed] = 0; /* no self-reference */
    pg[8 * 0x1ed + 1] = 0;
    pg[8 * 0x1ed + 2] = 0;
    CHECK(!memintro__w32_is_pml4(pg, g->pml4[0]), "signature: a PML4 without its self-reference does not match");
    /* x86: PDE 0x300 maps the PD itself; two more kernel PDEs */
    memset(pg, 0, sizeof pg);
    pg[0xc00] = 0x63;
    pg[0xc01] = 0x50; /* 0x5000 | 0x63 */
    pg[0x800] = 0xe3;
    pg[0x804] = 0xe3;
    pg[0x805] = 0x00;
    pg[0x806] = 0x40;
    CHECK(memintro__w32_is_pd32(pg, 0x5000), "signature: a 32-bit page directory mapping itself at 0xC0000000");
    CHECK(!memintro__w32_is_pd32(pg, 0x6000), "signature: ... but not at another address");
    /* PAE in MemProcFS's form: four PDs in the pages after the PDPT, the rest zero */
    memset(pg, 0, sizeof pg);
    {
        unsigned i;
        for (i = 0; i < 4; i++) {
            uint64_t e = 0x7000 + 0x1000ull * (i + 1) + 1;
            pg[8 * i] = (uint8_t)e;
            pg[8 * i + 1] = (uint8_t)(e >> 8);
        }
    }
    CHECK(memintro__w32_is_pdpt_form(pg, 0x7000), "signature: a PAE PDPT followed by its four PDs");
    pg[100] = 1;
    CHECK(!memintro__w32_is_pdpt_form(pg, 0x7000), "signature: ... not with other bytes in its page");
}

/* a backend whose target went away: every op fails with E_GONE (synthetic) */
static memintro_status gone_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    (void)self;
    memintro_ops_begin(ops, count);
    memintro_ops_fail(ops, count, MEMINTRO_E_GONE, 1);
    return MEMINTRO_E_GONE;
}

/* ---- discovery -------------------------------------------------------------------------- */

static int same_procs(const plist *l, const layout *lay, unsigned n)
{
    unsigned i;
    if (l->n != n) return 0;
    for (i = 0; i < n; i++) {
        const memintro_win32_process *p = &l->p[i];
        if (p->pid != pid_[i] || p->ppid != ppid_[i] || strcmp(p->name, pname[i]) || p->eprocess != EP(i)) return 0;
        if (i && (p->peb != UBASE + 0x1000 || p->section_base != UBASE + 0x100000)) return 0;
        if (!i && p->peb) return 0;
        if (((p->flags & MEMINTRO_WIN32_PROC_WOW64) != 0) != (i == 3)) return 0;
        if (i == 3 && p->peb32 != UBASE + 0x8000) return 0;
        if (((p->flags & MEMINTRO_WIN32_PROC_EXITED) != 0) != (i == 4)) return 0;
        (void)lay;
    }
    return 1;
}

static void test_discovery(wimg *g)
{
    memintro_buffer b;
    static memintro_win32 w;
    memintro_win32_hints h;
    plist l;
    memintro_status s;

    build(g, &L19041, F_STUB);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_OK, "discovery (low stub): init %s: %s", memintro_status_str(s), memintro_win32_why(&w));
    CHECK(w.arch == MEMINTRO_ARCH_X86_64 && w.dtb == g->pml4[0] && w.dtb_source == MEMINTRO_WIN32_SRC_LOW_STUB,
          "discovery (low stub): x64, System's DTB 0x%llx from the low stub (%s)", (unsigned long long)w.dtb,
          memintro_win32_source_name(w.dtb_source));
    CHECK(w.kernel_base == KBASE && w.kernel_size == 0x80000 && w.base_source == MEMINTRO_WIN32_SRC_LOW_STUB,
          "discovery (low stub): ntoskrnl at 0x%llx, back from the stub's kernel entry (%s)",
          (unsigned long long)w.kernel_base, memintro_win32_source_name(w.base_source));
    CHECK(w.build == 19045 && w.build_flags == 0xf && w.major == 10 && w.minor == 0,
          "discovery: build %u (flags %x), version %u.%u from NtBuildNumber and KUSER_SHARED_DATA", (unsigned)w.build,
          (unsigned)w.build_flags, (unsigned)w.major, (unsigned)w.minor);
    CHECK(w.system_process == EP(0) && w.ps_active_process_head == HEAD && w.ps_loaded_module_list == KMODS,
          "discovery: System from PsInitialSystemProcess, the list head from its Blink, PsLoadedModuleList exported");
    CHECK(w.offsets_source == MEMINTRO_WIN32_SRC_TABLE && w.off.pid == 0x440, "discovery: offsets from the 19041 table row");
    memset(&l, 0, sizeof l);
    s = memintro_win32_processes(&w, collect, &l);
    CHECK(s == MEMINTRO_OK && same_procs(&l, &L19041, NPROC), "processes: %u in list order with pid, parent, name, PEB, "
          "WoW64 PEB32 and exited flag (%s)", l.n, memintro_status_str(s));

    /* no low stub: the self-referencing PML4 scan */
    build(g, &L19041, 0);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_OK && w.dtb_source == MEMINTRO_WIN32_SRC_SCAN && w.base_source == MEMINTRO_WIN32_SRC_SCAN &&
              w.kernel_base == KBASE && w.dtb == g->pml4[0],
          "discovery (no low stub): DTB and base by scans (%s; %s, %s)", memintro_status_str(s),
          memintro_win32_source_name(w.dtb_source), memintro_win32_source_name(w.base_source));
    /* hints: a process's DTB and a kernel address skip the scans; System's DTB is taken */
    memset(&h, 0, sizeof h);
    h.dtb = g->pml4[2];
    h.kernel_address = KBASE + 0x11234;
    s = open_img(g, &b, &w, &h);
    CHECK(s == MEMINTRO_OK && w.dtb_source == MEMINTRO_WIN32_SRC_HINT && w.base_source == MEMINTRO_WIN32_SRC_HINT &&
              w.kernel_base == KBASE && w.dtb == g->pml4[0],
          "discovery (hints): csrss's DTB and a kernel address, arch found from the DTB's page (%s)",
          memintro_status_str(s));
    memset(&h, 0, sizeof h);
    h.arch = MEMINTRO_ARCH_X86_64;
    h.dtb = g->pml4[1];
    h.dtb_source = MEMINTRO_WIN32_SRC_DUMP;
    h.ps_loaded_module_list = KMODS;
    h.ps_active_process_head = HEAD;
    s = open_img(g, &b, &w, &h);
    CHECK(s == MEMINTRO_OK && w.dtb_source == MEMINTRO_WIN32_SRC_DUMP && w.base_source == MEMINTRO_WIN32_SRC_DUMP &&
              w.kernel_base == KBASE && w.ps_active_process_head == HEAD,
          "discovery (dump header): the base from PsLoadedModuleList's first entry (%s)", memintro_status_str(s));
    memset(&h, 0, sizeof h);
    h.kernel_base = KBASE;
    h.dtb = g->pml4[0];
    s = open_img(g, &b, &w, &h);
    CHECK(s == MEMINTRO_OK && w.base_source == MEMINTRO_WIN32_SRC_HINT, "discovery (hints): a kernel base");
    /* a hint that is wrong does not stop the scans */
    memset(&h, 0, sizeof h);
    h.kernel_base = KBASE + 0x1000;
    s = open_img(g, &b, &w, &h);
    CHECK(s == MEMINTRO_OK && w.kernel_base == KBASE && w.base_source == MEMINTRO_WIN32_SRC_SCAN,
          "discovery (hints): a wrong kernel base is checked and passed over");
    /* nothing there */
    memset(g->m, 0, RAM);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_win32_why(&w), "low stub"),
          "discovery: an empty image is E_NOTFOUND, and why says what was looked for (%s)", memintro_win32_why(&w));
    /* page tables but no kernel image */
    build(g, &L19041, F_STUB);
    memset(g->m + KPHYS, 0, 0x200);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_win32_why(&w), "ntoskrnl"),
          "discovery: page tables without a kernel image: %s", memintro_win32_why(&w));
    /* a target that is gone is an error, never "no Windows kernel" */
    {
        memintro_phys gone;
        memintro_win32_hints gh;
        memset(&gone, 0, sizeof gone);
        gone.read = gone_read;
        s = memintro_win32_init(&w, &gone, NULL, 0, winmem, sizeof winmem);
        CHECK(s == MEMINTRO_E_GONE, "discovery: a target that is gone gives E_GONE (%s: %s)", memintro_status_str(s),
              memintro_win32_why(&w));
        memset(&gh, 0, sizeof gh);
        gh.arch = MEMINTRO_ARCH_X86_64;
        gh.dtb = 0x1000;
        s = memintro_win32_init(&w, &gone, &gh, 0, winmem, sizeof winmem);
        CHECK(s == MEMINTRO_E_GONE, "discovery: ... also with a DTB hint (%s)", memintro_status_str(s));
    }
    /* too little memory */
    s = memintro_win32_init(&w, &b.phys, NULL, 0, winmem, memintro_win32_mem_size(0) - 1);
    CHECK(s == MEMINTRO_E_NOSPACE && memintro_win32_mem_size(0) <= sizeof winmem, "init: mem smaller than mem_size is E_NOSPACE");
}

/* ---- offsets: table and locator ----------------------------------------------------------- */

static void test_offsets(wimg *g)
{
    memintro_buffer b;
    static memintro_win32 w;
    memintro_win32_hints h;
    const memintro_win32_offsets *o;
    plist l;
    memintro_status s;
    o = memintro_win32_offsets_find(19045, 1);
    CHECK(o && o->pid == 0x440 && o->links == 0x448 && o->name == 0x5a8 && o->peb == 0x550,
          "offsets_find: 19045 x64 has the 19041 row");
    CHECK(memintro_win32_offsets_find(26100, 1) && memintro_win32_offsets_find(7601, 0) && !memintro_win32_offsets_find(30001, 1) &&
              !memintro_win32_offsets_find(26100, 0),
          "offsets_find: 26100 x64, 7601 x86; no 30001, no x86 26100");
    /* a build no table has */
    build(g, &LOWN, F_STUB);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_OK && w.offsets_source == MEMINTRO_WIN32_SRC_LOCATOR, "locator: build 30001 opens with derived offsets (%s: %s)",
          memintro_status_str(s), memintro_win32_why(&w));
    CHECK(w.off.pid == LOWN.pid && w.off.links == LOWN.links && w.off.name == LOWN.name && w.off.dtb == 0x28,
          "locator: pid 0x%x, links 0x%x, name 0x%x, DTB 0x%x", w.off.pid, w.off.links, w.off.name, w.off.dtb);
    CHECK(w.off.peb == LOWN.peb && w.off.section_base == LOWN.sect && w.off.ppid == LOWN.ppid,
          "locator: Peb 0x%x, SectionBaseAddress 0x%x, parent pid 0x%x", w.off.peb, w.off.section_base, w.off.ppid);
    CHECK(w.off.wow64 == LOWN.wow64 && w.off.exit_status == LOWN.es, "locator: Wow64Process 0x%x, ExitStatus 0x%x", w.off.wow64,
          w.off.exit_status);
    memset(&l, 0, sizeof l);
    s = memintro_win32_processes(&w, collect, &l);
    CHECK(s == MEMINTRO_OK && same_procs(&l, &LOWN, NPROC), "locator: the process list reads as built (%u)", l.n);
    /* the table's layout derived again */
    build(g, &L19041, F_STUB);
    memset(&h, 0, sizeof h);
    h.flags = MEMINTRO_WIN32_HINT_LOCATE;
    s = open_img(g, &b, &w, &h);
    CHECK(s == MEMINTRO_OK && w.offsets_source == MEMINTRO_WIN32_SRC_LOCATOR && w.off.pid == 0x440 && w.off.links == 0x448 &&
              w.off.ppid == 0x540 && w.off.name == 0x5a8 && w.off.peb == 0x550 && w.off.section_base == 0x520 &&
              w.off.wow64 == 0x580 && w.off.exit_status == 0x7d4,
          "locator (HINT_LOCATE): derives the 19041 row on a 19041 layout");
    /* a table row that does not fit (the build says 19045, the layout is another) */
    build(g, &LOWN, F_STUB);
    g->m[KPHYS + 0x3000] = 0x65; /* NtBuildNumber 0x4a65 = 19045 */
    g->m[KPHYS + 0x3001] = 0x4a;
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_OK && w.build == 19045 && w.offsets_source == MEMINTRO_WIN32_SRC_LOCATOR && w.off.pid == LOWN.pid,
          "offsets: a table row that does not fit System falls back to the locator");
    /* no System name anywhere: the locator fails and says so */
    memset(g->m + kpa(EP(0)) + LOWN.name, 'x', 6);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_E_FORMAT && strstr(memintro_win32_why(&w), "locator"), "locator: no \"System\" is E_FORMAT: %s",
          memintro_win32_why(&w));
}

/* ---- processes, modules, damage --------------------------------------------------------------- */

static void test_walks(wimg *g)
{
    memintro_buffer b;
    static memintro_win32 w;
    memintro_win32_process p;
    memintro_virt v;
    mlist ml;
    plist l;
    char marker[24];
    memintro_status s;
    build(g, &L19041, F_STUB);
    s = open_img(g, &b, &w, NULL);
    CHECK(s == MEMINTRO_OK, "walks: init");
    s = memintro_win32_process_find(&w, 0, "SMSS.EXE", &p);
    CHECK(s == MEMINTRO_OK && p.pid == 0x1a0, "process_find: by name, case-insensitive");
    s = memintro_win32_process_find(&w, 0x214, NULL, &p);
    CHECK(s == MEMINTRO_OK && !strcmp(p.name, "csrss.exe"), "process_find: by pid");
    CHECK(memintro_win32_process_find(&w, 9999, NULL, &p) == MEMINTRO_E_NOTFOUND, "process_find: a missing pid is E_NOTFOUND");
    s = memintro_win32_process_find(&w, 0x214, NULL, &p);
    CHECK(s == MEMINTRO_OK && memintro_win32_process_virt(&w, &p, &v) == MEMINTRO_OK &&
              memintro_virt_read1(&v, UBASE + 0x7000, marker, 23) == MEMINTRO_OK && !memcmp(marker, "marker of this process2", 23),
          "process_virt: csrss's own user page reads through its DTB");
    CHECK(memintro_virt_read1(&w.kernel, UBASE + 0x7000, marker, 4) != MEMINTRO_OK, "process_virt: ... which the kernel's does not map");
    /* modules */
    s = memintro_win32_process_find(&w, 0x1a0, NULL, &p);
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, &p, 0, mcollect, &ml);
    CHECK(s == MEMINTRO_OK && ml.n == 2 && ml.m[0].base == MOD_BASE(0) && ml.m[0].size == 0x1f0000 && !strcmp(ml.m[0].name, "ntdll.dll") &&
              !strcmp(ml.m[0].path, mod_path[0]) && ml.m[1].base == MOD_BASE(1) + 0x10000 && !ml.m[0].flags,
          "modules: smss's loader list (%s, %u)", memintro_status_str(s), ml.n);
    CHECK(ml.n == 2 && !strcmp(ml.m[1].name, mod_name[1]) && !strcmp(ml.m[1].path, mod_path[1]),
          "modules: UTF-16 names with 2-byte and 4-byte characters as UTF-8 (%s)", ml.n == 2 ? ml.m[1].path : "");
    s = memintro_win32_process_find(&w, 0x300, NULL, &p);
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, &p, MEMINTRO_WIN32_MOD_WOW64, mcollect, &ml);
    CHECK(s == MEMINTRO_OK && ml.n == 1 && ml.m[0].base == 0x77000000 && ml.m[0].size == 0x180000 &&
              !strcmp(ml.m[0].path, "C:\\Windows\\SysWOW64\\ntdll.dll") && (ml.m[0].flags & MEMINTRO_WIN32_MOD_WOW64),
          "modules: app32's 32-bit list from its PEB32 (%s, %u)", memintro_status_str(s), ml.n);
    s = memintro_win32_process_find(&w, 0x1a0, NULL, &p);
    CHECK(memintro_win32_modules(&w, &p, MEMINTRO_WIN32_MOD_WOW64, mcollect, &ml) == MEMINTRO_E_NOTFOUND,
          "modules: no 32-bit list in a native process is E_NOTFOUND");
    s = memintro_win32_process_find(&w, 4, NULL, &p);
    CHECK(memintro_win32_modules(&w, &p, 0, mcollect, &ml) == MEMINTRO_E_NOTFOUND, "modules: System has no PEB: E_NOTFOUND");
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, NULL, 0, mcollect, &ml);
    CHECK(s == MEMINTRO_OK && ml.n == 2 && ml.m[0].base == KBASE && !strcmp(ml.m[0].name, "ntoskrnl.exe") &&
              !strcmp(ml.m[1].path, "\\SystemRoot\\system32\\hal.dll"),
          "modules: the kernel's PsLoadedModuleList");

    /* damage: a Flink that loops back into the list */
    build(g, &L19041, F_STUB | F_CYCLE);
    s = open_img(g, &b, &w, NULL);
    memset(&l, 0, sizeof l);
    s = memintro_win32_processes(&w, collect, &l);
    CHECK(s == MEMINTRO_E_FORMAT && l.n == 3, "damage: a cycle into the list ends the walk after 3 with E_FORMAT (%s, %u)",
          memintro_status_str(s), l.n);
    build(g, &L19041, F_STUB | F_WILD);
    s = open_img(g, &b, &w, NULL);
    memset(&l, 0, sizeof l);
    s = memintro_win32_processes(&w, collect, &l);
    CHECK(s == MEMINTRO_E_UNMAPPED && l.n == 3, "damage: a Flink into unmapped memory ends the walk after 3 (%s, %u)",
          memintro_status_str(s), l.n);
    CHECK(memintro_win32_process_find(&w, 0x300, NULL, &p) == MEMINTRO_E_UNMAPPED,
          "damage: process_find past the break says why it stopped");
    build(g, &L19041, F_STUB | F_ABSURD);
    s = open_img(g, &b, &w, NULL);
    s = memintro_win32_process_find(&w, 0x1a0, NULL, &p);
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, &p, 0, mcollect, &ml);
    CHECK(s == MEMINTRO_OK && ml.n == 2 && (ml.m[1].flags & MEMINTRO_WIN32_MOD_TRUNCATED) && !strcmp(ml.m[1].name, mod_name[1]) &&
              !strcmp(ml.m[1].path, mod_path[1]),
          "damage: a name Length of 0xfffe is clamped (TRUNCATED), the walk goes on");
    s = memintro_win32_process_find(&w, 0x300, NULL, &p);
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, &p, 0, mcollect, &ml);
    CHECK(s == MEMINTRO_OK && ml.n == 2 && (ml.m[1].flags & MEMINTRO_WIN32_MOD_PAGED) && ml.m[1].name[0] == 0 &&
              !strcmp(ml.m[1].path, mod_path[1]),
          "damage: a name Buffer that does not translate is empty (PAGED), the walk goes on");
    /* a loader list that loops: the second entry's Flink points at itself */
    p64(g, upa(1, UBASE + 0x3100), UBASE + 0x3100);
    s = memintro_win32_process_find(&w, 0x1a0, NULL, &p);
    memset(&ml, 0, sizeof ml);
    s = memintro_win32_modules(&w, &p, 0, mcollect, &ml);
    CHECK(s == MEMINTRO_E_FORMAT && ml.n == 2, "damage: a module list that loops ends with E_FORMAT after 2 (%s)",
          memintro_status_str(s));
}

/* ---- random damage: every walk ends ---------------------------------------------------------- */

static uint32_t lcg(uint32_t *st)
{
    *st = *st * 1103515245u + 12345u;
    return *st >> 8;
}
typedef struct counter {
    unsigned n;
} counter;
static int count_proc(void *user, const memintro_win32_process *p)
{
    (void)p;
    ((counter *)user)->n++;
    return 0;
}
static int count_mod(void *user, const memintro_win32_module *m)
{
    (void)m;
    ((counter *)user)->n++;
    return 0;
}
typedef struct plist_all {
    unsigned n;
    memintro_win32_process p[64];
} plist_all;
static int collect_all(void *user, const memintro_win32_process *p)
{
    plist_all *l = (plist_all *)user;
    if (l->n < 64) l->p[l->n++] = *p;
    return 0;
}

/* A digest of a module list (count and FNV-1a over every field), to compare two walks. */
typedef struct mdigest {
    unsigned n;
    uint64_t h;
} mdigest;
static void digest_bytes(mdigest *d, const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) d->h = (d->h ^ b[i]) * 0x100000001b3ull;
}
static int digest_mod(void *user, const memintro_win32_module *m)
{
    mdigest *d = (mdigest *)user;
    d->n++;
    digest_bytes(d, &m->entry, sizeof m->entry);
    digest_bytes(d, &m->base, sizeof m->base);
    digest_bytes(d, &m->size, sizeof m->size);
    digest_bytes(d, &m->entry_point, sizeof m->entry_point);
    digest_bytes(d, &m->flags, sizeof m->flags);
    digest_bytes(d, m->name, strlen(m->name) + 1);
    digest_bytes(d, m->path, strlen(m->path) + 1);
    return 0;
}
static int digest_many(void *user, size_t index, const memintro_win32_process *p, const memintro_win32_module *m)
{
    (void)p;
    return digest_mod(&((mdigest *)user)[index], m);
}

/* 300 rounds (100 under the sanitizers): the image built again, then 1..64 random bytes overwritten in the EPROCESS
   slots, the loader lists and strings, the kernel module list or the page tables (synthetic
   damage); init, the process walk and every module walk must return (ASan/UBSan build: no
   bad access), each walk bounded by the limits. memintro_win32_modules_many over all the
   processes (native and 32-bit lists, with scratch for all and in groups of 2) must give
   every process the same modules and status as memintro_win32_modules (a differential check). */
static void test_random_damage(wimg *g)
{
    static memintro_win32 w;
    memintro_buffer b;
    uint32_t st = 12345;
    unsigned round, inits = 0, bounded = 1, same = 1, compared = 0;
    static unsigned char scratch[64 * 2000];
#ifdef MEMINTRO_TEST_SANITIZED
    const unsigned rounds = 100; /* each round rebuilds 32 MiB: slower under ASan */
#else
    const unsigned rounds = 300;
#endif
    for (round = 0; round < rounds; round++) {
        unsigned k, n = 1 + lcg(&st) % 64;
        build(g, &L19041, (round & 1) ? F_STUB : 0);
        for (k = 0; k < n; k++) {
            uint64_t pa;
            switch (lcg(&st) % 4) {
            case 0: pa = kpa(EP(lcg(&st) % NPROC)) + lcg(&st) % 0x900; break;              /* EPROCESS */
            case 1: pa = upa(1 + lcg(&st) % (NPROC - 1), UBASE + 0x1000 + lcg(&st) % 0xb000); break; /* PEB, LDR */
            case 2: pa = kpa(KBASE + 0x3000 + lcg(&st) % 0x4000); break;                 /* heads, KLDR */
            default: pa = 0x100000 + lcg(&st) % 0x20000; break;                           /* page tables */
            }
            g->m[pa] = (uint8_t)lcg(&st);
        }
        if (open_img(g, &b, &w, NULL) == MEMINTRO_OK) {
            counter c;
            plist_all l;
            unsigned i;
            inits++;
            c.n = 0;
            memintro_win32_processes(&w, count_proc, &c);
            if (c.n > MEMINTRO_WIN32_MAX_PROCESSES) bounded = 0;
            l.n = 0;
            memintro_win32_processes(&w, collect_all, &l);
            for (i = 0; i < l.n; i++) {
                c.n = 0;
                memintro_win32_modules(&w, &l.p[i], 0, count_mod, &c);
                if (c.n > MEMINTRO_WIN32_MAX_MODULES) bounded = 0;
                c.n = 0;
                memintro_win32_modules(&w, &l.p[i], MEMINTRO_WIN32_MOD_WOW64, count_mod, &c);
                if (c.n > MEMINTRO_WIN32_MAX_MODULES) bounded = 0;
            }
            {
                uint32_t fl;
                for (fl = 0; fl < 4; fl++) {
                    static mdigest alone[64], many[64];
                    static memintro_status sa[64], sm[64];
                    uint32_t flags = (fl & 1) ? MEMINTRO_WIN32_MOD_WOW64 : 0;
                    size_t ssz = (fl & 2) ? memintro_win32_modules_many_size(2) : sizeof scratch;
                    memset(alone, 0, sizeof alone);
                    memset(many, 0, sizeof many);
                    for (i = 0; i < l.n; i++) sa[i] = memintro_win32_modules(&w, &l.p[i], flags, digest_mod, &alone[i]);
                    memintro_win32_modules_many(&w, l.p, l.n, flags, sm, digest_many, many, scratch, ssz);
                    for (i = 0; i < l.n; i++) {
                        compared++;
                        if (alone[i].n != many[i].n || alone[i].h != many[i].h || sa[i] != sm[i]) same = 0;
                    }
                }
            }
            c.n = 0;
            memintro_win32_modules(&w, NULL, 0, count_mod, &c);
            if (c.n > MEMINTRO_WIN32_MAX_MODULES) bounded = 0;
        }
    }
    CHECK(bounded && inits > 0, "random damage: %u damaged images, every init and walk returned, bounded (%u inits)", rounds,
          inits);
    CHECK(same && compared > 0,
          "random damage: modules_many gives each process the modules and status of its own walk (%u lists compared)",
          compared);
}

/* ---- hints from a target ----------------------------------------------------------------------- */

static void test_target_hints(void)
{
    memintro_target t;
    memintro_coredump_windows d;
    memintro_cpu cpu;
    memintro_win32_hints h;
    memset(&t, 0, sizeof t);
    memset(&d, 0, sizeof d);
    memset(&cpu, 0, sizeof cpu);
    /* synthetic header facts of a 64-bit crash dump */
    d.is64 = 1;
    d.machine_image_type = 0x8664;
    d.directory_table_base = 0x1aa000;
    d.ps_active_process_head = 0xfffff80001234560ull;
    d.ps_loaded_module_list = 0xfffff80001234570ull;
    d.kd_debugger_data_block = 0xfffff80001234580ull;
    d.context_rip = 0xfffff80000612345ull;
    t.windows = &d;
    memintro_win32_hints_from_target(&t, &h);
    CHECK(h.arch == MEMINTRO_ARCH_X86_64 && h.dtb == 0x1aa000 && h.dtb_source == MEMINTRO_WIN32_SRC_DUMP &&
              h.ps_active_process_head == d.ps_active_process_head && h.ps_loaded_module_list == d.ps_loaded_module_list &&
              h.kd_debugger_data_block == d.kd_debugger_data_block && h.kernel_address == d.context_rip,
          "hints_from_target: a 64-bit crash dump's header");
    d.is64 = 0;
    d.machine_image_type = 0x14c;
    d.pae_enabled = 1;
    d.context_rip = 0x401000; /* user mode: no kernel address */
    memintro_win32_hints_from_target(&t, &h);
    CHECK(h.arch == MEMINTRO_ARCH_X86_PAE && !h.kernel_address, "hints_from_target: a 32-bit PAE dump, a user-mode context");
    /* a live VM: CPU 0's CR3 and a kernel-mode RIP */
    t.windows = NULL;
    t.has_paging = 1;
    t.paging.arch = MEMINTRO_ARCH_X86_64;
    t.paging.dtb = 0x3d5000 | 0x2;
    cpu.flags = MEMINTRO_CPU_GPRS;
    cpu.rip = 0xfffff80000655555ull;
    t.cpus = &cpu;
    t.cpu_count = 1;
    memintro_win32_hints_from_target(&t, &h);
    CHECK(h.arch == MEMINTRO_ARCH_X86_64 && h.dtb == (0x3d5000 | 0x2) && h.dtb_source == MEMINTRO_WIN32_SRC_CPU &&
              h.kernel_address == cpu.rip,
          "hints_from_target: a vCPU's CR3 and kernel RIP");
    memintro_win32_hints_from_target(NULL, &h);
    CHECK(h.dtb == 0 && h.arch == MEMINTRO_ARCH_NONE, "hints_from_target: no target, zeroed hints");
}

/* ---- the manual's EXAMPLE ------------------------------------------------------------------------ */

static int example(unsigned char *image, size_t image_size)
{
#include "win32_example.inc"
    return 0;
}

int main(void)
{
    wimg g;
    g.m = (uint8_t *)calloc(1, RAM);
    if (!g.m) return 2;
    test_utf16();
    test_signatures(&g);
    test_discovery(&g);
    test_offsets(&g);
    test_walks(&g);
    test_target_hints();
    test_random_damage(&g);
    build(&g, &L19041, F_STUB);
    CHECK(example(g.m, RAM) == 0, "the manual's EXAMPLE runs on the synthetic image");
    free(g.m);
    return check_done();
}
