/* fuzz/fuzz_pe.c: libFuzzer harness for memintro_win32.h's PE reader. Each input is read as a
   PE file (memintro_pe_open_file) and as an image mapped in a guest (memintro_pe_open over a
   synthetic x86-64 address space whose pages are the input's, with one page left unmapped as
   the input's last byte says): headers, every section, the export walk, finds by names taken
   from the walk and from the input, the import walk. Every string the reader returns must end
   within its field, every count must stay within the reader's bounds; AddressSanitizer and
   UndefinedBehaviorSanitizer turn any read outside the input into a crash. Built by
   mk/win32_pe.mk, run by tests/t_win32_pe.sh. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PAGES 256u /* the mapped image: at most 1 MiB of the input */
#define FUZZ_VA 0x7ff612200000ull /* 2 MiB aligned: the image's pages fill one page table from index 0 */

static void must_end(const char *s, size_t n)
{
    if (!memchr(s, 0, n)) __builtin_trap();
}

typedef struct fuzz_sink {
    memintro_pe *pe;
    size_t n;
    char names[4][128];
} fuzz_sink;

static int on_export(void *u, const memintro_pe_export *e)
{
    fuzz_sink *s = (fuzz_sink *)u;
    must_end(e->name, sizeof e->name);
    must_end(e->forwarder, sizeof e->forwarder);
    if (e->forwarder[0] && e->address) __builtin_trap(); /* a forwarder has no address */
    if (s->n < 4) memcpy(s->names[s->n], e->name, sizeof e->name);
    if (++s->n > 2u * MEMINTRO_PE_MAX_EXPORTS + 1) __builtin_trap();
    return 0;
}

static int on_import(void *u, const memintro_pe_import *i)
{
    fuzz_sink *s = (fuzz_sink *)u;
    must_end(i->dll, sizeof i->dll);
    must_end(i->name, sizeof i->name);
    if (++s->n > MEMINTRO_PE_MAX_IMPORTS + MEMINTRO_PE_MAX_IMPORT_DLLS) __builtin_trap();
    return 0;
}

static void read_all(memintro_pe *pe, const uint8_t *data, size_t size)
{
    memintro_pe_section_info si;
    memintro_pe_export e;
    fuzz_sink s;
    char probe[64];
    uint32_t i;
    if (pe->nsections > MEMINTRO_PE_MAX_SECTIONS || pe->ndirs > 16) __builtin_trap();
    must_end(pe->export_name, sizeof pe->export_name);
    for (i = 0; i <= pe->nsections; i++) {
        if (memintro_pe_section(pe, i, &si) == MEMINTRO_OK) must_end(si.name, sizeof si.name);
    }
    memset(&s, 0, sizeof s);
    s.pe = pe;
    memintro_pe_exports(pe, on_export, &s);
    for (i = 0; i < 4 && i < s.n; i++)
        if (s.names[i][0] && memintro_pe_export_find(pe, s.names[i], &e) == MEMINTRO_OK) {
            must_end(e.name, sizeof e.name);
            must_end(e.forwarder, sizeof e.forwarder);
        }
    /* names from the input itself, and misses */
    if (size > 16) {
        size_t l = data[size - 2] % (sizeof probe - 1), off = (size_t)data[size - 3] * 13 % size;
        if (l > size - off) l = size - off;
        memcpy(probe, data + off, l);
        probe[l] = 0;
        memintro_pe_export_find(pe, probe, &e);
    }
    memintro_pe_export_find(pe, "", &e);
    memintro_pe_export_find(pe, "~", &e);
    memset(&s, 0, sizeof s);
    memintro_pe_imports(pe, on_import, &s);
}

/* the guest: page tables over the input's pages (each 4 KiB page copied to its own frame) */
static uint8_t guest[(FUZZ_MAX_PAGES + 8) * 4096];

static void put64(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[64 * 1024];
    static memintro_tlb_entry tlbe[256];
    memintro_pe pe;
    memintro_buffer buf;
    memintro_virt v;
    memintro_tlb tlb;
    memintro_mmu_desc d;
    size_t pages = (size + 4095) / 4096, p, hole;
    const uint64_t pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000, pt = 0x4000, frames = 0x5000;

    /* as a file */
    if (memintro_pe_open_file(&pe, data, size) == MEMINTRO_OK) read_all(&pe, data, size);

    /* as a mapped image */
    if (pages > FUZZ_MAX_PAGES) pages = FUZZ_MAX_PAGES;
    if (!pages) return 0;
    memset(guest, 0, frames);
    put64(guest + pml4 + 8 * ((FUZZ_VA >> 39) & 511), pdpt | 7);
    put64(guest + pdpt + 8 * ((FUZZ_VA >> 30) & 511), pd | 7);
    put64(guest + pd + 8 * ((FUZZ_VA >> 21) & 511), pt | 7);
    hole = size ? data[size - 1] : 0; /* the page left unmapped (>= pages: none) */
    for (p = 0; p < pages; p++) {
        size_t n = size - p * 4096 < 4096 ? size - p * 4096 : 4096;
        uint8_t *f = guest + frames + 4096 * (pages - 1 - p); /* frames in reverse order */
        memcpy(f, data + p * 4096, n);
        memset(f + n, 0, 4096 - n);
        if (p != hole) put64(guest + pt + 8 * p, (frames + 4096 * (pages - 1 - p)) | 7);
    }
    memintro_buffer_init(&buf, guest, frames + 4096 * pages, NULL, 0);
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = pml4;
    if (memintro_virt_init(&v, &buf.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK) __builtin_trap();
    memintro_tlb_init(&tlb, tlbe, 256);
    memintro_virt_set_tlb(&v, &tlb);
    if (memintro_pe_open(&pe, &v, FUZZ_VA) == MEMINTRO_OK) read_all(&pe, data, size);
    return 0;
}
