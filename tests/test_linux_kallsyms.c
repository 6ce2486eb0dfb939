/* tests/test_linux_kallsyms.c: memintro_linux.h's kernel discovery and kallsyms decoder on
   kernels the test builds. ALL DATA HERE IS SYNTHETIC: a 16 MiB guest-physical image with a
   kernel "image" at 4 MiB (virtual _text 0xffffffff83e00000: KASLR shift 0x2e00000, so
   phys_base wraps below zero), its init_top_pgt/PDPT/PD mapping it with 2 MiB pages, a
   linux_banner (and a decoy banner and a decoy run of digit tokens before it), a fake BTF
   blob, and kallsyms tables written the way scripts/kallsyms.c lays them out (every table
   8-byte aligned), with a token table, compressed names, markers and addresses.
   Expected values are what the generator wrote, never memintro's output.

   Layouts (the real guest, tests/t_linux_live.sh, covers Debian 12's own: 6.1 with
   seqs_of_names backported, head order, offsets with ABSOLUTE_PERCPU):
     head-abs-percpu       4.6 .. 6.1 upstream on x86_64 SMP          (no Debian 12 kernel)
     head-abs-percpu-seqs  6.2, 6.3 (and Debian 12's 6.1)
     head-relative         BASE_RELATIVE without ABSOLUTE_PERCPU (UP, other arches)
                                                                      (no Debian 12 kernel)
     head-addresses        no BASE_RELATIVE: absolute kallsyms_addresses (before 4.6)
                                                                      (no Debian 12 kernel)
     head-addresses-m64    the same with 64-bit markers and num_syms (older 4.x)
                                                                      (no Debian 12 kernel)
     tail-abs-percpu       6.4 .. 6.14: addresses after token_index, seqs_of_names last
                                                                      (no Debian 12 kernel)
     tail-relative         6.15+: no ABSOLUTE_PERCPU                  (no Debian 12 kernel)
     tail-addresses        6.4+ without BASE_RELATIVE                 (no Debian 12 kernel)
     small kernels         <= 256 symbols: a single marker, with and without seqs
   Names use 1-byte lengths everywhere and 2-byte lengths (a long name) in the 6.1+ layouts;
   the token table has empty tokens (codes the compressor never used). Then hostile memory:
   broken markers, names, offsets out of order, truncated tables, too little caller memory,
   and the hints (VMCOREINFO text, a CR3). */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define IMG_SIZE (16u << 20)
#define TEXT_PA 0x400000ull
#define TEXT_VA 0xffffffff83e00000ull
#define MAP 0xffffffff80000000ull
#define KASLR (TEXT_VA - 0xffffffff81000000ull)
#define PHYS_BASE (TEXT_PA - (TEXT_VA - MAP)) /* wraps: 0xfffffffffc600000 */
#define OFF_PGT 0x100000u
#define OFF_BTF 0x180000u
#define OFF_BANNER 0x200000u
#define OFF_TABLES 0x300000u
#define NFUNCS 700

enum { L_ADDRESSES = 1, L_RELATIVE = 2, L_PERCPU = 4, L_TAIL = 8, L_SEQS = 16, L_M64 = 32, L_LONG = 64, L_SMALL = 128 };

typedef struct sym {
    char type;
    char name[300];
    uint64_t addr;
    int absolute; /* a percpu symbol: its small address is absolute */
} sym;

static uint8_t img[IMG_SIZE];
static sym syms[NFUNCS + 64];
static int nsyms;
static const char banner[] = "Linux version 9.9.9-test (t@h) (gcc 1.0) #1 SMP Thu Jan 1 00:00:00 UTC 1970\n";
static uint8_t *mem;

/* tokens: the codes of the characters the names use map to themselves; other codes get
   multi-character tokens, and a few are left empty */
static char tokens[256][16];
static const char *const multi[] = {"fn_", "_text", "init", "top", "pgt", "BTF", "linux", "banner", "per", "cpu", "00", "_b",
                                    "tion", "long_", "xyzzy", "dup"};

static void put(uint64_t at, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) img[at + i] = (uint8_t)(v >> (8 * i));
}

static void add(char type, const char *name, uint64_t addr, int absolute)
{
    sym *s = &syms[nsyms++];
    s->type = type;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->addr = addr;
    s->absolute = absolute;
}

static void make_symbols(unsigned layout)
{
    int i;
    char nm[300];
    nsyms = 0;
    if (!(layout & L_RELATIVE) || (layout & L_PERCPU)) { /* percpu: small absolute addresses */
        add('A', "fixed_percpu_data", 0, 1);
        add('A', "cpu_number", 0x40, 1);
        add('A', "percpu_xyzzy", 0x1000, 1);
    }
    add('T', "_text", TEXT_VA, 0);
    add('T', "startup_64", TEXT_VA, 0); /* an alias: address -> name gives _text */
    for (i = 0; i < ((layout & L_SMALL) ? 200 : NFUNCS); i++) {
        snprintf(nm, sizeof nm, "fn_%04d", i);
        add(i % 3 ? 't' : 'T', nm, TEXT_VA + 0x1000 + 0x40ull * i, 0);
        if (i == 100) add('t', "dup", TEXT_VA + 0x1000 + 0x40ull * i + 0x20, 0);
        if (i == 500) add('t', "dup", TEXT_VA + 0x1000 + 0x40ull * i + 0x20, 0);
        if (i == 300 && (layout & L_LONG)) {
            memset(nm, 'q', 200); /* 200 single-character tokens: a 2-byte length */
            nm[200] = 0;
            add('t', nm, TEXT_VA + 0x1000 + 0x40ull * i + 0x10, 0);
        }
    }
    add('D', "init_top_pgt", TEXT_VA + OFF_PGT, 0);
    add('D', "__start_BTF", TEXT_VA + OFF_BTF, 0);
    add('D', "__stop_BTF", TEXT_VA + OFF_BTF + 4096, 0);
    add('R', "linux_banner", TEXT_VA + OFF_BANNER, 0);
    add('B', "_end", TEXT_VA + 0x700000, 0);
}

static void make_tokens(void)
{
    int c, m = 0;
    for (c = 0; c < 256; c++) tokens[c][0] = 0;
    for (c = '0'; c <= '9'; c++) tokens[c][0] = (char)c;
    for (c = 0x21; c < 0x7f; c++) tokens[c][0] = (char)c, tokens[c][1] = 0;
    /* codes below 0x21 and above 0x7e: multi-character tokens, the last few empty */
    for (c = 0; c < 256; c++) {
        if (c >= 0x21 && c < 0x7f) continue;
        if (c >= 0xf0) break; /* empty */
        snprintf(tokens[c], sizeof tokens[c], "%s", multi[m % 16]);
        if (m >= 16) snprintf(tokens[c], sizeof tokens[c], "%c%c", 'a' + m % 26, 'a' + (m / 26) % 26);
        m++;
    }
}

/* greedy compression: the longest token that matches, else the character itself */
static size_t compress(const char *s, uint8_t *out)
{
    size_t n = 0, len = strlen(s);
    while (*s) {
        int best = (uint8_t)*s, c;
        size_t bl = 1;
        for (c = 0; c < 256; c++) {
            size_t tl = strlen(tokens[c]);
            if (tl > bl && tl <= len && !memcmp(s, tokens[c], tl)) best = c, bl = tl;
        }
        out[n++] = (uint8_t)best;
        s += bl;
        len -= bl;
    }
    return n;
}

static uint32_t t_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t al8(uint64_t v)
{
    return (v + 7) & ~7ull;
}

typedef struct built {
    uint64_t token_table, names, markers, addresses;
    uint32_t names_size;
} built;

/* writes the tables at TEXT_PA + OFF_TABLES in the order of `layout` */
static built make_tables(unsigned layout)
{
    built b;
    uint64_t at = TEXT_PA + OFF_TABLES, rb = TEXT_VA, m_at, mw = (layout & L_M64) ? 8 : 4;
    uint32_t *marks = calloc((size_t)nsyms / 256 + 2, sizeof *marks);
    uint8_t rec[600];
    int i, c;
    memset(&b, 0, sizeof b);
#define ADDRESSES()                                                                                        \
    do {                                                                                                   \
        at = al8(at);                                                                                      \
        b.addresses = at;                                                                                  \
        for (i = 0; i < nsyms; i++) {                                                                      \
            if (layout & L_ADDRESSES) {                                                                    \
                put(at, syms[i].addr, 8);                                                                  \
                at += 8;                                                                                   \
            } else {                                                                                       \
                uint64_t o = (layout & L_PERCPU) ? (syms[i].absolute ? syms[i].addr : rb - syms[i].addr - 1) \
                                                 : syms[i].addr - rb;                                      \
                put(at, o & 0xffffffffu, 4);                                                               \
                at += 4;                                                                                   \
            }                                                                                              \
        }                                                                                                  \
        if (layout & L_RELATIVE) {                                                                         \
            at = al8(at);                                                                                  \
            put(at, rb, 8);                                                                                \
            at += 8;                                                                                       \
        }                                                                                                  \
    } while (0)
#define SEQS()                                                            \
    do {                                                                  \
        at = al8(at);                                                     \
        for (i = 0; i < nsyms; i++) {                                     \
            uint32_t q = (uint32_t)(nsyms - 1 - i); /* any permutation */ \
            img[at++] = (uint8_t)(q >> 16);                               \
            img[at++] = (uint8_t)(q >> 8);                                \
            img[at++] = (uint8_t)q;                                       \
        }                                                                 \
    } while (0)
    if (!(layout & L_TAIL)) ADDRESSES();
    at = al8(at);
    put(at, (uint64_t)nsyms, (layout & L_M64) ? 8 : 4); /* .long + ALGN padding, or PTR */
    at += (layout & L_M64) ? 8 : 4;
    at = al8(at);
    b.names = at;
    for (i = 0; i < nsyms; i++) {
        char full[302];
        size_t n;
        if (i % 256 == 0) marks[i / 256] = (uint32_t)(at - b.names);
        snprintf(full, sizeof full, "%c%s", syms[i].type, syms[i].name);
        n = compress(full, rec);
        if (n > 127) {
            img[at++] = (uint8_t)(0x80 | (n & 0x7f));
            img[at++] = (uint8_t)(n >> 7);
        } else
            img[at++] = (uint8_t)n;
        memcpy(img + at, rec, n);
        at += n;
    }
    b.names_size = (uint32_t)(at - b.names);
    at = al8(at);
    m_at = b.markers = at;
    for (i = 0; i <= (nsyms - 1) / 256; i++) {
        put(m_at, marks[i], (unsigned)mw);
        m_at += mw;
    }
    at = m_at;
    if ((layout & L_SEQS) && !(layout & L_TAIL)) SEQS();
    at = al8(at);
    b.token_table = at;
    {
        uint64_t idx_off[256], t0 = at;
        for (c = 0; c < 256; c++) {
            size_t tl = strlen(tokens[c]);
            idx_off[c] = at - t0;
            memcpy(img + at, tokens[c], tl + 1);
            at += tl + 1;
        }
        at = al8(at);
        for (c = 0; c < 256; c++) put(at + 2 * c, idx_off[c], 2);
        at += 512;
    }
    if (layout & L_TAIL) {
        ADDRESSES();
        if (layout & L_SEQS) SEQS();
    }
#undef ADDRESSES
#undef SEQS
    free(marks);
    return b;
}

/* the image: page tables, banner (and a decoy), BTF, digits decoy, tables */
static built make_image(unsigned layout)
{
    uint64_t pml4 = TEXT_PA + OFF_PGT, pdpt = pml4 + 0x1000, pd = pml4 + 0x2000, i;
    memset(img, 0, sizeof img);
    put(pml4 + 8 * 511, pdpt | 0x63, 8);
    put(pdpt + 8 * 510, pd | 0x63, 8);
    for (i = 0; i < 4; i++) put(pd + 8 * (((TEXT_VA - MAP) >> 21) + i), (TEXT_PA + (i << 21)) | 0xe3, 8);
    memcpy(img + TEXT_PA + OFF_BANNER, banner, sizeof banner);
    memcpy(img + TEXT_PA + 0x1f0000, "Linux version decoy\n", 20); /* not linux_banner */
    memcpy(img + 0x100000, "Linux version far below\n", 24);     /* below the image */
    memcpy(img + TEXT_PA + 0x280000, "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9\0" "junk", 24);
    img[TEXT_PA + OFF_BTF] = 0x9f;
    img[TEXT_PA + OFF_BTF + 1] = 0xeb;
    for (i = 2; i < 4096; i++) img[TEXT_PA + OFF_BTF + i] = (uint8_t)(i * 7);
    make_symbols(layout);
    return make_tables(layout);
}

static unsigned expect_flags(unsigned layout)
{
    unsigned f = 0;
    if (layout & L_ADDRESSES) f |= MEMINTRO_KALLSYMS_ADDRESSES;
    if (layout & L_RELATIVE) f |= MEMINTRO_KALLSYMS_RELATIVE;
    if (layout & L_PERCPU) f |= MEMINTRO_KALLSYMS_ABS_PERCPU;
    if (layout & L_TAIL) f |= MEMINTRO_KALLSYMS_TAIL;
    if ((layout & L_SEQS) && !(layout & L_TAIL)) f |= MEMINTRO_KALLSYMS_SEQS;
    if (layout & L_M64) f |= MEMINTRO_KALLSYMS_MARKERS64;
    return f;
}

static memintro_linux lx;

static memintro_status init(memintro_buffer *buf, const memintro_linux_hints *h)
{
    memintro_status s = memintro_linux_init(&lx, &buf->phys, h, NULL, 0);
    if (s != MEMINTRO_E_NOSPACE) return s;
    free(mem);
    mem = malloc(lx.mem_needed);
    return memintro_linux_init(&lx, &buf->phys, h, mem, lx.mem_needed);
}

static void check_layout(const char *what, unsigned layout)
{
    memintro_buffer buf;
    memintro_linux_hints h;
    built b = make_image(layout);
    memintro_status s;
    int i, bad_name = 0, bad_at = 0, bad_get = 0;
    memintro_buffer_init(&buf, img, sizeof img, NULL, 0);
    s = init(&buf, NULL);
    CHECK(s == MEMINTRO_OK, "%s: memintro_linux_init finds the synthetic kernel with no hints (%s: %s)", what,
          memintro_status_str(s), memintro_linux_why(&lx));
    if (s != MEMINTRO_OK) return;
    CHECK(lx.kallsyms.layout == expect_flags(layout), "%s: layout flags 0x%x (written 0x%x)", what, lx.kallsyms.layout,
          expect_flags(layout));
    CHECK(lx.kallsyms.count == (uint32_t)nsyms && lx.kallsyms.token_table == b.token_table &&
              lx.kallsyms.names == b.names && lx.kallsyms.markers == b.markers && lx.kallsyms.addresses == b.addresses &&
              lx.kallsyms.names_size == b.names_size,
          "%s: the tables where they were written (%u symbols)", what, lx.kallsyms.count);
    CHECK(lx.kaslr_shift == KASLR && lx.phys_base == PHYS_BASE && lx.text_pa == TEXT_PA && lx.dtb == TEXT_PA + OFF_PGT &&
              lx.levels == 4 && lx.banner_pa == TEXT_PA + OFF_BANNER,
          "%s: KASLR shift, phys_base (wrapped), init_top_pgt and linux_banner", what);
    CHECK(!strcmp(lx.release, "9.9.9-test") && !strncmp(lx.banner, banner, sizeof banner - 2) &&
              strlen(lx.banner) == sizeof banner - 2,
          "%s: banner and release", what);
    CHECK(lx.btf_size == 4096 && lx.btf_data && !memcmp(lx.btf_data, img + TEXT_PA + OFF_BTF, 4096),
          "%s: the BTF blob is copied from __start_BTF..__stop_BTF", what);
    for (i = 0; i < nsyms; i++) {
        uint64_t a = 0, off = 0, want_addr = syms[i].addr;
        char nm[320], t = 0;
        const char *g;
        int j, first = i;
        for (j = 0; j < i; j++)
            if (!strcmp(syms[j].name, syms[i].name)) {
                want_addr = syms[j].addr;
                break;
            }
        if (memintro_linux_symbol(&lx, syms[i].name, &a) != MEMINTRO_OK || a != want_addr) bad_name++;
        while (first > 0 && syms[first - 1].addr == syms[i].addr) first--;
        if (memintro_linux_symbol_at(&lx, syms[i].addr + 3, nm, sizeof nm, &off) != MEMINTRO_OK ||
            strcmp(nm, syms[first].name) || off != 3)
            if (i + 1 == nsyms || syms[i + 1].addr > syms[i].addr + 3) bad_at++;
        g = memintro_linux_symbol_get(&lx, (uint32_t)i, &a, &t);
        if (!g || strcmp(g, syms[i].name) || a != syms[i].addr || t != syms[i].type) bad_get++;
    }
    CHECK(!bad_name, "%s: every name -> its address (the first of a duplicate name), %d wrong", what, bad_name);
    CHECK(!bad_at, "%s: every address+3 -> the first name at that address +3, %d wrong", what, bad_at);
    CHECK(!bad_get, "%s: symbol_get(i) is the i-th symbol written, type included, %d wrong", what, bad_get);
    {
        uint64_t a;
        char nm[8];
        uint64_t off;
        CHECK(memintro_linux_symbol(&lx, "no_such_symbol", &a) == MEMINTRO_E_NOTFOUND &&
                  memintro_linux_symbol(&lx, "fn_00", &a) == MEMINTRO_E_NOTFOUND,
              "%s: unknown names (and prefixes of names) are not found", what);
        CHECK(memintro_linux_symbol_at(&lx, syms[0].addr - 1 + (syms[0].addr == 0), nm, sizeof nm, &off) ==
                      (syms[0].addr ? MEMINTRO_E_NOTFOUND : MEMINTRO_OK) &&
                  memintro_linux_symbol_at(&lx, TEXT_VA + 0x700000 + (2u << 20), nm, sizeof nm, &off) ==
                      MEMINTRO_E_NOTFOUND,
              "%s: addresses below the first symbol or far past the last are not found", what);
        CHECK(memintro_linux_symbol_at(&lx, TEXT_VA + 0x1000 + 5, nm, 4, &off) == MEMINTRO_OK && !strcmp(nm, "fn_") &&
                  off == 5,
              "%s: a short name buffer gets a truncated, terminated name", what);
    }
    CHECK(lx.image_source == MEMINTRO_LINUX_SRC_SCAN, "%s: no CPU state, no trampoline: found by the banner scan", what);
    /* the same kernel through the other discovery paths */
    memcpy(img + 0x9c000 + 8 * 511, img + TEXT_PA + OFF_PGT + 8 * 511, 8); /* a trampoline pgd */
    s = init(&buf, NULL);
    CHECK(s == MEMINTRO_OK && lx.image_source == MEMINTRO_LINUX_SRC_LOWMEM && lx.phys_base == PHYS_BASE &&
              lx.dtb == TEXT_PA + OFF_PGT,
          "%s: a low-memory page table sharing init_top_pgt's entry 511 locates the image", what);
    memset(&h, 0, sizeof h);
    h.flags = MEMINTRO_LINUX_HINT_SCAN;
    s = init(&buf, &h);
    CHECK(s == MEMINTRO_OK && lx.image_source == MEMINTRO_LINUX_SRC_SCAN, "%s: MEMINTRO_LINUX_HINT_SCAN forces the banner scan",
          what);
    memset(img + 0x9c000, 0, 4096);
    memset(&h, 0, sizeof h);
    h.dtb = TEXT_PA + OFF_PGT;
    s = init(&buf, &h);
    CHECK(s == MEMINTRO_OK && lx.image_source == MEMINTRO_LINUX_SRC_PAGETABLES && lx.phys_base == PHYS_BASE &&
              lx.dtb == TEXT_PA + OFF_PGT,
          "%s: with a CR3 hint the image is found through the kernel text mapping", what);
    memset(&h, 0, sizeof h);
    h.flags = MEMINTRO_LINUX_HINT_KASLR;
    h.kaslr_shift = KASLR;
    h.phys_base = PHYS_BASE;
    s = init(&buf, &h);
    CHECK(s == MEMINTRO_OK && lx.image_source == MEMINTRO_LINUX_SRC_HINT && lx.text_pa == TEXT_PA,
          "%s: with VMCOREINFO's KERNELOFFSET and phys_base the image is found at once", what);
    h.phys_base += 0x200000; /* a wrong hint: says so, never a wrong answer */
    s = init(&buf, &h);
    CHECK(s != MEMINTRO_OK, "%s: a wrong phys_base hint fails (%s: %s)", what, memintro_status_str(s),
          memintro_linux_why(&lx));
}

static void check_hostile(void)
{
    memintro_buffer buf;
    memintro_status s;
    built b;
    size_t need;
    unsigned layout = L_RELATIVE | L_PERCPU | L_SEQS | L_LONG;

    b = make_image(layout);
    memintro_buffer_init(&buf, img, sizeof img, NULL, 0);
    s = memintro_linux_kallsyms_find(&lx, &buf.phys, TEXT_PA, TEXT_PA + 0x400000);
    CHECK(s == MEMINTRO_OK && lx.kallsyms.token_table == b.token_table && lx.kallsyms.count == (uint32_t)nsyms &&
              memintro_linux_symbol_count(&lx) == 0,
          "memintro_linux_kallsyms_find: the tables in a range, nothing decoded");
    CHECK(memintro_linux_kallsyms_find(&lx, &buf.phys, 0, TEXT_PA + OFF_TABLES) == MEMINTRO_E_NOTFOUND,
          "memintro_linux_kallsyms_find: a range without the token table: E_NOTFOUND");
    s = memintro_linux_init(&lx, &buf.phys, NULL, NULL, 0);
    need = lx.mem_needed;
    CHECK(s == MEMINTRO_E_NOSPACE && need > (size_t)nsyms * 16 && lx.kaslr_shift == KASLR && lx.dtb == TEXT_PA + OFF_PGT,
          "no memory: E_NOSPACE with mem_needed (%zu bytes) and the kernel's facts filled in", need);
    free(mem);
    mem = malloc(need);
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need - 1);
    CHECK(s == MEMINTRO_E_NOSPACE && memintro_linux_symbol_count(&lx) == 0, "one byte short: E_NOSPACE, no symbols");
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
    CHECK(s == MEMINTRO_OK && memintro_linux_symbol_count(&lx) == (uint32_t)nsyms, "exactly mem_needed bytes: OK");

    /* a marker that disagrees with the names: that table is not kallsyms */
    b = make_image(layout);
    put(b.markers + 4, 7, 4);
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
    CHECK(s == MEMINTRO_E_NOTFOUND || s == MEMINTRO_E_FORMAT, "a broken marker: %s (%s)", memintro_status_str(s),
          memintro_linux_why(&lx));
    /* the last block's first record: a length that runs past the names */
    b = make_image(layout);
    img[b.names + (uint32_t)t_le32(img + b.markers + 4 * ((nsyms - 1) / 256))] = 0x7f;
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
    CHECK(s == MEMINTRO_E_NOTFOUND || s == MEMINTRO_E_FORMAT, "a broken name record: %s", memintro_status_str(s));
    /* addresses out of order in the middle (the samples may miss it; the full read not) */
    b = make_image(layout);
    put(b.addresses + 4 * 401, 0x7ffffff0u, 4);
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
    CHECK(s == MEMINTRO_E_FORMAT || s == MEMINTRO_E_NOTFOUND, "an address out of order: %s (%s)", memintro_status_str(s),
          memintro_linux_why(&lx));
    /* a num_syms that does not fit the markers */
    b = make_image(layout);
    put(b.names - 8, (uint64_t)nsyms + 300, 4);
    s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
    CHECK(s == MEMINTRO_E_NOTFOUND || s == MEMINTRO_E_FORMAT, "a num_syms the markers contradict: %s",
          memintro_status_str(s));
    /* the image cut in the middle of the names (a hole after it) */
    b = make_image(layout);
    {
        memintro_buffer cut;
        memintro_range r[1];
        memintro_memmap map;
        memintro_memmap_init(&map, r, 1);
        memintro_memmap_add(&map, 0, b.names + 1000, 0);
        memintro_buffer_init(&cut, img, sizeof img, &map, 0);
        s = memintro_linux_init(&lx, &cut.phys, NULL, mem, need);
        CHECK(s == MEMINTRO_E_NOTFOUND, "tables cut by a hole: E_NOTFOUND (%s)", memintro_status_str(s));
    }
    /* no kernel at all: random bytes */
    {
        uint32_t x = 12345;
        size_t i;
        for (i = 0; i < sizeof img; i++) {
            x = x * 1103515245u + 12345u;
            img[i] = (uint8_t)(x >> 24);
        }
        memcpy(img + 0x300000, "Linux version x\n", 16);
        s = memintro_linux_init(&lx, &buf.phys, NULL, mem, need);
        CHECK(s == MEMINTRO_E_NOTFOUND, "random memory with a banner: E_NOTFOUND (%s)", memintro_linux_why(&lx));
        CHECK(memintro_linux_symbol_count(&lx) == 0 && memintro_linux_symbol(&lx, "_text", NULL) == MEMINTRO_E_NOTFOUND,
              "after a failed init no symbol is answered");
    }
}

static void check_vmcoreinfo(void)
{
    static const char text[] = "OSRELEASE=6.1.0-57-cloud-amd64\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff88410000\n"
                               "NUMBER(pgtable_l5_enabled)=1\nNUMBER(phys_base)=-123731968\nKERNELOFFSET=30e00000\n";
    memintro_linux_hints h;
    memset(&h, 0, sizeof h);
    CHECK(memintro_linux_hints_from_vmcoreinfo(text, sizeof text - 1, &h) == 1 && (h.flags & MEMINTRO_LINUX_HINT_KASLR) &&
              h.kaslr_shift == 0x30e00000 && h.phys_base == 0xfffffffff8a00000ull && h.arch == MEMINTRO_ARCH_X86_64_LA57,
          "VMCOREINFO: KERNELOFFSET (hex), NUMBER(phys_base) (negative decimal wraps) and pgtable_l5_enabled");
    memset(&h, 0, sizeof h);
    CHECK(memintro_linux_hints_from_vmcoreinfo("KERNELOFFSET=1000\n", 18, &h) == 0 && !(h.flags & MEMINTRO_LINUX_HINT_KASLR),
          "VMCOREINFO without phys_base gives no KASLR hint");
}

int main(void)
{
    make_tokens();
    check_layout("head-abs-percpu (4.6-6.1)", L_RELATIVE | L_PERCPU | L_LONG);
    check_layout("head-abs-percpu-seqs (6.2, 6.3, Debian 12's 6.1)", L_RELATIVE | L_PERCPU | L_SEQS | L_LONG);
    check_layout("head-relative (no ABSOLUTE_PERCPU)", L_RELATIVE);
    check_layout("head-addresses (no BASE_RELATIVE, before 4.6)", L_ADDRESSES);
    check_layout("head-addresses-m64 (64-bit markers and num_syms)", L_ADDRESSES | L_M64);
    check_layout("tail-abs-percpu (6.4-6.14)", L_TAIL | L_RELATIVE | L_PERCPU | L_SEQS | L_LONG);
    check_layout("tail-relative (6.15+)", L_TAIL | L_RELATIVE | L_SEQS | L_LONG);
    check_layout("tail-addresses (6.4+ without BASE_RELATIVE)", L_TAIL | L_ADDRESSES | L_SEQS | L_LONG);
    check_layout("small kernel, one marker (<= 256 symbols)", L_RELATIVE | L_PERCPU | L_SMALL);
    check_layout("small kernel with seqs_of_names", L_RELATIVE | L_PERCPU | L_SEQS | L_SMALL);
    check_hostile();
    check_vmcoreinfo();
    free(mem);
    return check_done();
}
