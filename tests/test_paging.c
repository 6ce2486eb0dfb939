/* tests/test_paging.c: the paging walkers on hand-built page tables (synthetic images):
   every mode and page size (x86 32-bit 4K/4M/PSE off/PSE-36, PAE 4K/2M, x86-64 4K/2M/1G,
   LA57, AArch64 4K/16K/64K granules with TTBR0/TTBR1 and several va_bits), non-present
   entries at every level, non-canonical addresses, W/U/NX reporting, Windows transition
   entries, tables in memory-map holes, virtual reads and writes across pages, large pages
   and unmapped parts, batches larger than the scratch, the TLB and address-space switches,
   and memintro_mmu_check. Every expected value is written down from the tables the test
   builds. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

#define IMG_SIZE (32u << 20)
static uint8_t mem[IMG_SIZE];
static timg T;
static uint8_t scratch[1 << 20];

#define W MEMINTRO_PAGE_WRITABLE
#define U MEMINTRO_PAGE_USER
#define NX MEMINTRO_PAGE_NX
#define TR MEMINTRO_PAGE_TRANSITION
#define K4 0x1000ull
#define M2 0x200000ull
#define M4 0x400000ull
#define G1 0x40000000ull
#define XNX (1ull << 63)

typedef struct tcase {
    uint64_t va;
    memintro_status st;
    uint64_t pa;
    uint64_t size;
    uint32_t flags;
    uint32_t level;
    const char *what;
} tcase;
#define OKC(va, pa, size, fl, lv, what) {va, MEMINTRO_OK, pa, size, fl, lv, what}
#define UNM(va, lv, what) {va, MEMINTRO_E_UNMAPPED, 0, 0, 0, lv, what}
#define NONC(va, what) {va, MEMINTRO_E_NONCANONICAL, 0, 0, 0, 0, what}
#define HOLEC(va, lv, what) {va, MEMINTRO_E_HOLE, 0, 0, 0, lv, what}
#define NCASES(a) (sizeof(a) / sizeof(a[0]))

/* A backend below the buffer that counts what reaches it. */
typedef struct counting {
    memintro_phys phys;
    memintro_phys *below;
    unsigned long calls, ops, bytes;
} counting;
static memintro_status counting_read(memintro_phys *self, memintro_op *ops, size_t n)
{
    counting *c = (counting *)self;
    size_t i;
    c->calls++;
    c->ops += n;
    for (i = 0; i < n; i++) c->bytes += ops[i].len;
    return memintro_phys_read(c->below, ops, n);
}
static void counting_init(counting *c, memintro_phys *below)
{
    memset(c, 0, sizeof *c);
    c->phys.read = counting_read;
    c->below = below;
}

static int xlate_matches(const memintro_xlate *x, const tcase *c)
{
    if (x->status != c->st) return 0;
    if (c->st == MEMINTRO_OK)
        return x->pa == c->pa && x->page_size == c->size && x->flags == c->flags && x->level == c->level;
    if (c->st == MEMINTRO_E_NONCANONICAL) return 1;
    return x->level == c->level;
}

static void describe(char *out, size_t n, const memintro_xlate *x)
{
    snprintf(out, n, "%s pa 0x%llx size 0x%llx flags 0x%x level %u", memintro_status_str(x->status),
             (unsigned long long)x->pa, (unsigned long long)x->page_size, x->flags, x->level);
}

/* Runs the cases one by one, then as one batch, then twice through a TLB, then with the
   smallest scratch (one page per round). */
static void run_cases(const char *mode, memintro_phys *phys, const memintro_mmu_desc *d, const tcase *c, size_t n)
{
    memintro_virt v;
    memintro_xlate x[64];
    memintro_tlb_entry te[256];
    memintro_tlb tlb;
    size_t i;
    int pass, ok;
    uint64_t hits0 = 0;
    char got[160];
    memintro_status s = memintro_virt_init(&v, phys, d, scratch, sizeof scratch);
    CHECK(s == MEMINTRO_OK, "%s: virt_init (%s)", mode, memintro_status_str(s));
    if (s != MEMINTRO_OK) return;
    for (i = 0; i < n; i++) {
        memset(&x[0], 0x5a, sizeof x[0]);
        x[0].va = c[i].va;
        memintro_translate(&v, &x[0], 1);
        describe(got, sizeof got, &x[0]);
        CHECK(xlate_matches(&x[0], &c[i]), "%s: %s: va 0x%llx -> %s", mode, c[i].what, (unsigned long long)c[i].va, got);
    }
    for (pass = 0; pass < 4; pass++) {
        memintro_status want = MEMINTRO_OK;
        if (pass == 1) {
            memintro_tlb_init(&tlb, te, 256);
            memintro_virt_set_tlb(&v, &tlb);
        }
        if (pass == 3) {
            memintro_virt_set_tlb(&v, NULL);
            memintro_virt_init(&v, phys, d, scratch, memintro_virt_scratch_size(1));
        }
        for (i = 0; i < n; i++) {
            memset(&x[i], 0x5a, sizeof x[i]);
            x[i].va = c[i].va;
            if (want == MEMINTRO_OK) want = c[i].st;
        }
        s = memintro_translate(&v, x, n);
        ok = s == want;
        for (i = 0; i < n; i++) ok &= xlate_matches(&x[i], &c[i]);
        CHECK(ok, "%s: all %zu cases as one batch (%s)", mode, n,
              pass == 0 ? "no TLB" : pass == 1 ? "cold TLB" : pass == 2 ? "warm TLB" : "one page per round");
        if (pass == 1) hits0 = tlb.hits;
        if (pass == 2) {
            size_t cacheable = 0;
            for (i = 0; i < n; i++) cacheable += c[i].st == MEMINTRO_OK || c[i].st == MEMINTRO_E_UNMAPPED;
            CHECK((tlb.hits - hits0 > 0 || !cacheable) && tlb.hits - hits0 <= cacheable, "%s: warm TLB: %llu hits for %zu cacheable results",
                  mode, (unsigned long long)(tlb.hits - hits0), cacheable);
        }
    }
}

static memintro_buffer B;
static void reset_image(void)
{
    timg_init(&T, mem, IMG_SIZE, 0x100000);
    memintro_buffer_init(&B, mem, IMG_SIZE, NULL, 1);
}
static uint64_t tab(void) { return timg_alloc(&T, 4096, 4096); }

/* ---- x86 32-bit ---- */
static void test_x86(void)
{
    uint64_t pd, pt, pt2, pt3;
    memintro_mmu_desc d;
    reset_image();
    pd = tab(); pt = tab(); pt2 = tab(); pt3 = tab();
    timg_put32(&T, pd + 1 * 4, (uint32_t)(pt | 7));
    timg_put32(&T, pt + 3 * 4, 0x00105000 | 7);
    timg_put32(&T, pt + 4 * 4, 0x00106000 | 5);           /* read-only */
    timg_put32(&T, pt + 5 * 4, 0x00107000 | 3);           /* supervisor */
    timg_put32(&T, pt + 6 * 4, 0x00108000 | 6);           /* not present */
    timg_put32(&T, pt + 7 * 4, 0x0010b000 | 0x800 | 6);   /* Windows transition */
    timg_put32(&T, pt + 8 * 4, 0x0010c000 | 0xc00 | 6);   /* prototype */
    timg_put32(&T, pt + 9 * 4, 0x00123000 | 0x80 | 7);    /* PAT bit in a PTE, not a size bit */
    timg_put32(&T, pd + 2 * 4, 0x00800000 | 0x83);        /* 4M page, supervisor */
    timg_put32(&T, 0x00800000 + 9 * 4, 0x0010a000 | 7);   /* the same PDE read as a table (PSE off) */
    timg_put32(&T, pd + 4 * 4, (uint32_t)(pt2 | 3));      /* supervisor table */
    timg_put32(&T, pt2 + 0 * 4, 0x00109000 | 7);
    timg_put32(&T, pd + 5 * 4, 0x01000000 | (0x15u << 13) | 0x85); /* 4M, user read-only, PSE-36 bits */
    timg_put32(&T, pd + 0x3ff * 4, (uint32_t)(pt3 | 7));
    timg_put32(&T, pt3 + 0x3ff * 4, 0xfffff000u | 7);
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86;
    d.dtb = pd;
    {
        const tcase c[] = {
            OKC(0x00403123, 0x105123, K4, W | U, 1, "4K page"),
            OKC(0x00404fff, 0x106fff, K4, U, 1, "read-only PTE"),
            OKC(0x00405000, 0x107000, K4, W, 1, "supervisor PTE"),
            UNM(0x00406000, 1, "PTE not present"),
            UNM(0x00407000, 1, "transition PTE without the opt-in"),
            UNM(0x00408000, 1, "prototype PTE"),
            OKC(0x00409010, 0x123010, K4, W | U, 1, "PTE bit 7 is PAT"),
            UNM(0x00000000, 2, "PDE 0 not present"),
            OKC(0x00812345, 0x812345, M4, W, 2, "4M page (PSE)"),
            UNM(0x00c00000, 2, "PDE not present"),
            OKC(0x01000abc, 0x109abc, K4, W, 1, "user PTE under a supervisor PDE"),
            OKC(0x017fffff, 0x13fffff, M4, U, 2, "4M page, PSE-36 bits ignored without PSE-36"),
            OKC(0xfffff123, 0xfffff123, K4, W | U, 1, "last page of the space"),
            NONC(0x100000000ull, "above 4 GiB"),
            NONC(0xffffffff00000000ull, "sign-extended"),
        };
        run_cases("x86", &B.phys, &d, c, NCASES(c));
        d.dtb = pd | 0x818; /* CR3 bits 11:0 (PWT, PCD, ignored) are not address bits */
        CHECK(memintro_mmu_root(&d, 0) == pd, "x86: root of CR3 0x%llx is 0x%llx", (unsigned long long)d.dtb,
              (unsigned long long)memintro_mmu_root(&d, 0));
        run_cases("x86 CR3 with flag bits", &B.phys, &d, c, NCASES(c));
        d.dtb = pd;
    }
    d.flags = MEMINTRO_MMU_NO_PSE;
    {
        const tcase c[] = {
            OKC(0x00809010, 0x10a010, K4, W, 1, "PSE off: PDE bit 7 ignored, PDE is a table"),
            UNM(0x01400000, 1, "PSE off: the PSE-36 PDE points at an empty table"),
            OKC(0x00403123, 0x105123, K4, W | U, 1, "4K page"),
        };
        run_cases("x86 no PSE", &B.phys, &d, c, NCASES(c));
    }
    d.flags = MEMINTRO_MMU_PSE36;
    {
        const tcase c[] = {
            OKC(0x01412345, 0x1501012345ull, M4, U, 2, "PSE-36: PA bits 39:32 from PDE bits 20:13"),
            OKC(0x00812345, 0x812345, M4, W, 2, "PSE-36, no high bits"),
            OKC(0x00403123, 0x105123, K4, W | U, 1, "4K page"),
        };
        run_cases("x86 PSE-36", &B.phys, &d, c, NCASES(c));
    }
    d.pa_bits = 36;
    {
        const tcase c[] = {
            OKC(0x01412345, 0x501012345ull, M4, U, 2, "PSE-36 with 36-bit PAs: bits 35:32 only"),
        };
        run_cases("x86 PSE-36 36-bit", &B.phys, &d, c, NCASES(c));
    }
    d.pa_bits = 0;
    d.flags = MEMINTRO_MMU_WIN_TRANSITION;
    {
        const tcase c[] = {
            OKC(0x00407abc, 0x10babc, K4, W | U | TR, 1, "transition PTE with the opt-in"),
            UNM(0x00408000, 1, "prototype PTE with the opt-in"),
            UNM(0x00406000, 1, "plain not-present PTE with the opt-in"),
        };
        run_cases("x86 transition", &B.phys, &d, c, NCASES(c));
    }
}

/* ---- PAE ---- */
static void test_pae(void)
{
    uint64_t page, pdpt, pd0, pd2, pd3, pt, pt3;
    memintro_mmu_desc d;
    reset_image();
    page = tab();
    pdpt = page + 0x60; /* CR3 is 32-byte aligned, not page aligned */
    pd0 = tab(); pd2 = tab(); pd3 = tab(); pt = tab(); pt3 = tab();
    timg_put64(&T, pdpt + 0 * 8, pd0 | 1); /* PDPTEs have no R/W or U/S bits */
    timg_put64(&T, pdpt + 2 * 8, pd2 | 1);
    timg_put64(&T, pdpt + 3 * 8, pd3 | 1);
    timg_put64(&T, page + 1 * 8, pd0 | 1); /* decoy: entry 1 of the page, not of the PDPT */
    timg_put64(&T, pd0 + 5 * 8, pt | 7);
    timg_put64(&T, pt + 7 * 8, 0x9000 | 7 | XNX);
    timg_put64(&T, pt + 8 * 8, 0x123456000ull | 7);
    timg_put64(&T, pt + 10 * 8, 0xa000 | 5);
    timg_put64(&T, pd0 + 6 * 8, 0x00a00000 | 0x83 | 0x1000); /* 2M, PAT bit 12 */
    timg_put64(&T, pd2 + 0 * 8, 0x00200000 | 0x87 | XNX);
    timg_put64(&T, pd3 + 511 * 8, pt3 | 7);
    timg_put64(&T, pt3 + 511 * 8, 0x7000 | 5);
    timg_put64(&T, pd0 + 9 * 8, (pt | 7) & ~2ull); /* read-only table */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_PAE;
    d.dtb = pdpt;
    {
        const tcase c[] = {
            OKC(0x00a07abc, 0x9abc, K4, W | U | NX, 1, "4K page, NX"),
            OKC(0x00a08010, 0x123456010ull, K4, W | U, 1, "frame above 4 GiB"),
            OKC(0x00a0a000, 0xa000, K4, U, 1, "read-only PTE"),
            UNM(0x00a09000, 1, "PTE not present"),
            OKC(0x00c12345, 0xa12345, M2, W, 2, "2M page, PAT bit masked"),
            UNM(0x00e00000, 2, "PDE not present"),
            OKC(0x1207abc, 0x9abc, K4, U | NX, 1, "read-only table"),
            UNM(0x40000000, 3, "PDPTE not present"),
            OKC(0x80001234, 0x201234, M2, W | U | NX, 2, "2M page in PDPT entry 2"),
            OKC(0xfffff008, 0x7008, K4, U, 1, "last page of the space"),
            NONC(0x100000000ull, "above 4 GiB"),
        };
        run_cases("PAE", &B.phys, &d, c, NCASES(c));
        d.dtb = pdpt | 0x18; /* CR3 bits 4:0 are not address bits (PWT, PCD, ignored) */
        CHECK(memintro_mmu_root(&d, 0) == pdpt, "PAE: root of CR3 0x%llx is the PDPT 0x%llx", (unsigned long long)d.dtb,
              (unsigned long long)pdpt);
        run_cases("PAE CR3 with bits 4:0 set (not the decoy page start)", &B.phys, &d, c, NCASES(c));
    }
}

/* ---- x86-64 4-level and LA57 ---- */
static uint64_t x64_pml4, x64_pdpt, x64_pd, x64_pt;
static void build_x64(void)
{
    uint64_t pml4, pdpt, pd, pt, pdpt2, pd2, pt2, pdpt3, pdpt4, pd4, pt5, pdpt5;
    pml4 = tab(); pdpt = tab(); pd = tab(); pt = tab();
    x64_pml4 = pml4; x64_pdpt = pdpt; x64_pd = pd; x64_pt = pt;
    timg_put64(&T, pml4 + 0 * 8, pdpt | 7);
    timg_put64(&T, pdpt + 0 * 8, pd | 7);
    timg_put64(&T, pd + 0 * 8, pt | 7);
    timg_put64(&T, pt + 1 * 8, 0x5000 | 7);
    timg_put64(&T, pt + 2 * 8, 0x6000 | 7 | XNX | (0x7ffull << 52)); /* bits 62:52 are not address bits */
    timg_put64(&T, pt + 3 * 8, 0x7000 | 1);
    timg_put64(&T, pt + 4 * 8, 0x8000 | 6);
    timg_put64(&T, pt + 5 * 8, 0xa000 | 0x800 | 6);  /* transition */
    timg_put64(&T, pt + 6 * 8, 0xb000 | 0xc00 | 6);  /* prototype */
    timg_put64(&T, pt + 7 * 8, 0xc000 | 0x80 | 7);   /* PAT in a PTE */
    timg_put64(&T, pt + 10 * 8, (1ull << 45) | 0xd000 | 7);
    timg_put64(&T, pd + 1 * 8, 0x400000 | 0x83 | 0x1000);
    pt5 = tab();
    timg_put64(&T, pd + 3 * 8, pt5 | 0x800 | 0x80 | 6); /* transition PDE: bit 7 is protection, not PS */
    timg_put64(&T, pt5 + 0 * 8, 0xe000 | 7);
    timg_put64(&T, pdpt + 1 * 8, 0x40000000 | 0x87 | 0x1000);
    pdpt2 = tab(); pd2 = tab(); pt2 = tab();
    timg_put64(&T, pml4 + 2 * 8, pdpt2 | 3 | XNX);
    timg_put64(&T, pdpt2 + 0 * 8, pd2 | 7);
    timg_put64(&T, pd2 + 0 * 8, pt2 | 7);
    timg_put64(&T, pt2 + 0 * 8, 0x9000 | 7);
    pdpt3 = tab();
    timg_put64(&T, pml4 + 3 * 8, pdpt3 | 5);
    timg_put64(&T, pdpt3 + 0 * 8, 0x80000000 | 0x87);
    pdpt5 = tab();
    timg_put64(&T, pml4 + 4 * 8, pdpt5 | 0x800 | 6); /* transition PML4E */
    timg_put64(&T, pdpt5 + 0 * 8, 0xc0000000 | 0x87);
    pdpt4 = tab(); pd4 = tab();
    timg_put64(&T, pml4 + 511 * 8, pdpt4 | 3);
    timg_put64(&T, pdpt4 + 510 * 8, pd4 | 3);
    timg_put64(&T, pd4 + 8 * 8, 0x1000000 | 0x83);
}

static void test_x64(void)
{
    memintro_mmu_desc d;
    const tcase c[] = {
        OKC(0x1abc, 0x5abc, K4, W | U, 1, "4K page"),
        OKC(0x2008, 0x6008, K4, W | U | NX, 1, "NX, bits 62:52 masked off"),
        OKC(0x3000, 0x7000, K4, 0, 1, "read-only supervisor PTE"),
        UNM(0x4000, 1, "PTE not present"),
        UNM(0x5000, 1, "transition PTE without the opt-in"),
        UNM(0x6000, 1, "prototype PTE"),
        OKC(0x7010, 0xc010, K4, W | U, 1, "PTE bit 7 is PAT"),
        OKC(0xa123, 0x20000000d123ull, K4, W | U, 1, "frame with bit 45"),
        UNM(0x0, 1, "PTE 0 not present"),
        OKC(0x201234, 0x401234, M2, W, 2, "2M page, PAT bit 12 masked"),
        UNM(0x400000, 2, "PDE not present"),
        UNM(0x600000, 2, "transition PDE without the opt-in"),
        OKC(0x40123456, 0x40123456, G1, W | U, 3, "1G page, PAT bit 12 masked"),
        UNM(0x80000000, 3, "PDPTE not present"),
        UNM(0x8000000000ull, 4, "PML4E not present"),
        OKC(0x10000000010ull, 0x9010, K4, W | NX, 1, "supervisor NX PML4E"),
        OKC(0x18000001234ull, 0x80001234, G1, U, 3, "read-only PML4E over a 1G page"),
        UNM(0x20000000000ull, 4, "transition PML4E without the opt-in"),
        OKC(0xffffffff81000000ull, 0x1000000, M2, W, 2, "kernel half 2M page"),
        OKC(0xffffffff811fffffull, 0x11fffff, M2, W, 2, "kernel half, last byte of the page"),
        UNM(0xffff800000000000ull, 4, "first kernel-half address"),
        NONC(0x0000800000000000ull, "first non-canonical address"),
        NONC(0xffff7fffffffffffull, "last non-canonical address"),
        NONC(0x8000000000000000ull, "bit 63 alone"),
    };
    size_t n = NCASES(c);
    reset_image();
    build_x64();
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = x64_pml4;
    run_cases("x86-64", &B.phys, &d, c, n);
    d.dtb = x64_pml4 | 0x5 | (1ull << 63); /* PCID and no-flush bit */
    run_cases("x86-64 CR3 with PCID", &B.phys, &d, c, n);
    d.dtb = x64_pml4 | (1ull << 52) | (1ull << 61) | (1ull << 62) | 0xfff; /* reserved/LAM bits, PCID */
    CHECK(memintro_mmu_root(&d, 0) == x64_pml4, "x86-64: root of CR3 0x%llx is 0x%llx", (unsigned long long)d.dtb,
          (unsigned long long)x64_pml4);
    run_cases("x86-64 CR3 with bits 52, 61, 62 and 11:0", &B.phys, &d, c, n);
    d.pa_bits = 40;
    d.dtb = x64_pml4 | (1ull << 40) | (1ull << 51);
    CHECK(memintro_mmu_root(&d, 0) == x64_pml4, "x86-64 40-bit PA: CR3 bits 51:40 masked");
    d.pa_bits = 0;
    d.dtb = x64_pml4;
    {
        /* The walks of one batch start from the page directory of the last 1 GiB region
           they walked. Addresses alternating between two regions, and tables changed between
           two calls: each address gets its own tables' answer (synthetic tables). */
        memintro_virt v;
        memintro_xlate x[6];
        const uint64_t vas[6] = {0x1abc, 0x10000000010ull, 0x2008, 0x10000000010ull, 0x3000, 0x201234};
        const uint64_t pas[6] = {0x5abc, 0x9010, 0x6008, 0x9010, 0x7000, 0x401234};
        uint64_t pd_other = tab(), pt_other = tab(), old_pdpte = timg_get64(&T, x64_pdpt);
        int ok = memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch) == MEMINTRO_OK;
        size_t i;
        for (i = 0; i < 6; i++) x[i].va = vas[i];
        ok = ok && memintro_translate(&v, x, 6) == MEMINTRO_OK;
        for (i = 0; ok && i < 6; i++) ok = x[i].pa == pas[i];
        CHECK(ok, "x86-64: one batch alternating between two 1 GiB regions");
        timg_put64(&T, pd_other, pt_other | 7);
        timg_put64(&T, pt_other + 1 * 8, 0x3f000 | 7);
        timg_put64(&T, x64_pdpt, pd_other | 7); /* region 0 now has another page directory */
        x[0].va = 0x1abc;
        x[1].va = 0x2008;
        ok = memintro_translate(&v, x, 2) == MEMINTRO_E_UNMAPPED && x[0].pa == 0x3fabc && x[0].status == MEMINTRO_OK &&
             x[1].status == MEMINTRO_E_UNMAPPED;
        CHECK(ok, "x86-64: a batch after the tables changed walks the new tables (0x%llx, %s)", (unsigned long long)x[0].pa,
              memintro_status_str(x[1].status));
        timg_put64(&T, x64_pdpt, old_pdpte);
    }
    d.pa_bits = 40;
    {
        const tcase c2[] = {OKC(0xa123, 0xd123, K4, W | U, 1, "40-bit PAs: bit 45 dropped")};
        run_cases("x86-64 40-bit PA", &B.phys, &d, c2, 1);
    }
    d.pa_bits = 0;
    d.flags = MEMINTRO_MMU_WIN_TRANSITION;
    {
        const tcase c2[] = {
            OKC(0x5123, 0xa123, K4, W | U | TR, 1, "transition PTE"),
            UNM(0x6000, 1, "prototype PTE"),
            OKC(0x600010, 0xe010, K4, W | U | TR, 1, "transition PDE is a table even with bit 7 set"),
            OKC(0x20000012345ull, 0xc0012345ull, G1, W | U | TR, 3, "transition PML4E"),
            OKC(0x1abc, 0x5abc, K4, W | U, 1, "present PTE unchanged"),
            UNM(0x4000, 1, "not present, not transition"),
        };
        run_cases("x86-64 transition", &B.phys, &d, c2, NCASES(c2));
    }
    /* LA57: a PML5 above the same tree */
    {
        uint64_t pml5 = tab(), pdptx = tab(), pml4k = tab(), pdptk = tab();
        const tcase c5[] = {
            OKC(0x1abc, 0x5abc, K4, W | U, 1, "4K page through PML5[0]"),
            OKC(0x40123456, 0x40123456, G1, W | U, 3, "1G page"),
            OKC(0x0000800000001234ull, 0x80001234, G1, W | U, 3, "bit 47 set: canonical under LA57"),
            UNM(0x0001000000000000ull, 5, "PML5E not present"),
            UNM(0x0000008000000000ull, 4, "PML4E not present"),
            OKC(0xffff800000005678ull, 0x40005678, G1, W, 3, "upper half"),
            UNM(0xff00000000000000ull, 5, "lowest upper-half address"),
            NONC(0x0100000000000000ull, "bit 56 set, 63:57 clear"),
            NONC(0xfe00000000000000ull, "bits 63:57 set, bit 56 clear"),
        };
        timg_put64(&T, pml5 + 0 * 8, x64_pml4 | 7);
        timg_put64(&T, x64_pml4 + 256 * 8, pdptx | 7);
        timg_put64(&T, pdptx + 0 * 8, 0x80000000 | 0x87);
        timg_put64(&T, pml5 + 511 * 8, pml4k | 7);
        timg_put64(&T, pml4k + 256 * 8, pdptk | 3);
        timg_put64(&T, pdptk + 0 * 8, 0x40000000 | 0x87);
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_X86_64_LA57;
        d.dtb = pml5;
        run_cases("LA57", &B.phys, &d, c5, NCASES(c5));
        d.dtb = pml5 | (1ull << 62) | 0x18;
        CHECK(memintro_mmu_root(&d, 0) == pml5, "LA57: root of CR3 0x%llx is 0x%llx", (unsigned long long)d.dtb,
              (unsigned long long)pml5);
        run_cases("LA57 CR3 with bit 62 and flag bits", &B.phys, &d, c5, NCASES(c5));
    }
}

/* ---- AArch64 ---- */
#define AF 0x400ull
#define AP_EL0 0x40ull /* AP[1] */
#define AP_RO 0x80ull  /* AP[2] */
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define PXNT (1ull << 59)
#define UXNT (1ull << 60)
#define APT_NOEL0 (1ull << 61)
#define APT_RO (1ull << 62)

static void test_a64_4k(void)
{
    uint64_t l0, l1, l2, l3, l1b, l2b, l1c, l1d, l0u, l1u;
    memintro_mmu_desc d;
    reset_image();
    l0 = tab(); l1 = tab(); l2 = tab(); l3 = tab();
    timg_put64(&T, l0 + 0 * 8, l1 | 3);
    timg_put64(&T, l1 + 0 * 8, l2 | 3);
    timg_put64(&T, l1 + 1 * 8, 0x40000000 | 1 | AF | AP_EL0);
    timg_put64(&T, l1 + 2 * 8, 0x80000000 | 1 | AF | AP_RO | PXN);
    timg_put64(&T, l2 + 3 * 8, 0x00600000 | 1 | AF | UXN | AP_EL0);
    timg_put64(&T, l2 + 4 * 8, l3 | 3);
    timg_put64(&T, l3 + 5 * 8, 0x9000 | 3 | AF | AP_EL0 | PXN);
    timg_put64(&T, l3 + 6 * 8, 0xa000 | 1 | AF); /* 01 at L3 is reserved */
    timg_put64(&T, l3 + 7 * 8, 0xb000 | 2 | AF); /* bit 0 clear */
    timg_put64(&T, l3 + 8 * 8, 0xc000 | 3);      /* AF clear: still mapped (the access flag is bookkeeping) */
    timg_put64(&T, l3 + 9 * 8, 0xd000 | 3 | AF | AP_EL0 | AP_RO | UXN | PXN);
    timg_put64(&T, l0 + 1 * 8, 0x8000000000ull | 1 | AF); /* no blocks at L0 with 4K granule */
    l1b = tab(); l2b = tab();
    timg_put64(&T, l0 + 3 * 8, l1b | 3 | APT_RO | APT_NOEL0);
    timg_put64(&T, l1b + 0 * 8, l2b | 3 | UXNT);
    timg_put64(&T, l2b + 0 * 8, 0x1000000 | 1 | AF | AP_EL0);
    l1c = tab();
    timg_put64(&T, l0 + 4 * 8, l1c | 3 | UXNT);
    timg_put64(&T, l1c + 0 * 8, 0x40000000 | 1 | AF | AP_EL0);
    l1d = tab();
    timg_put64(&T, l0 + 5 * 8, l1d | 3 | PXNT);
    timg_put64(&T, l1d + 0 * 8, 0x40000000 | 1 | AF);
    timg_put64(&T, l1d + 1 * 8, 0x80000000 | 1 | AF | AP_EL0);
    l0u = tab(); l1u = tab();
    timg_put64(&T, l0u + 511 * 8, l1u | 3);
    timg_put64(&T, l1u + 511 * 8, 0xc0000000 | 1 | AF);
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_AARCH64;
    d.dtb = l0;
    d.dtb_upper = l0u;
    {
        const tcase c[] = {
            OKC(0x40012345, 0x40012345, G1, W | U, 3, "L1 1G block, EL0 read-write"),
            OKC(0x80000010, 0x80000010, G1, NX, 3, "L1 block, EL1 read-only, PXN"),
            UNM(0xc0000000, 3, "L1 entry invalid"),
            OKC(0x601234, 0x601234, M2, W | U | NX, 2, "L2 2M block, EL0, UXN"),
            OKC(0x805abc, 0x9abc, K4, W | U, 1, "L3 page, EL0, PXN only: EL0 may execute"),
            UNM(0x806000, 1, "L3 descriptor 01 (reserved)"),
            UNM(0x807000, 1, "L3 descriptor bit 0 clear"),
            OKC(0x808000, 0xc000, K4, W, 1, "L3 page with AF clear, EL1 read-write"),
            OKC(0x809000, 0xd000, K4, U | NX, 1, "L3 page, EL0 read-only, UXN and PXN"),
            UNM(0x80a000, 1, "L3 entry zero"),
            UNM(0xa00000, 2, "L2 entry zero"),
            UNM(0x8000000000ull, 4, "L0 block (not allowed with 4K granule)"),
            UNM(0x10000000000ull, 4, "L0 entry zero"),
            OKC(0x18000000000ull, 0x1000000, M2, 0, 2, "APTable no-write and no-EL0; UXNTable ignored at EL1"),
            OKC(0x20000000000ull, 0x40000000, G1, W | U | NX, 3, "UXNTable on an EL0 block"),
            OKC(0x28000000000ull, 0x40000000, G1, W | NX, 3, "PXNTable on an EL1 block"),
            OKC(0x28040000000ull, 0x80000000, G1, W | U, 3, "PXNTable on an EL0 block: EL0 may execute"),
            OKC(0xffffffffc0005678ull, 0xc0005678, G1, W, 3, "TTBR1 L1 block"),
            UNM(0xffff000000000000ull, 4, "TTBR1 L0 entry zero"),
            NONC(0x0001000000000000ull, "bit 48 set in the lower half"),
            NONC(0xfffe000000000000ull, "upper half with bit 48 clear"),
            NONC(0x8000000000000000ull, "bit 63 alone"),
        };
        run_cases("AArch64 4K/48", &B.phys, &d, c, NCASES(c));
        d.dtb = l0 | (0x55ull << 48) | 1; /* ASID and CnP */
        d.dtb_upper = l0u | (0x66ull << 48) | 1;
        run_cases("AArch64 4K/48 TTBRs with ASID and CnP", &B.phys, &d, c, NCASES(c));
        /* BADDR bits below the 4 KiB top table's alignment are not address bits */
        d.dtb = l0 | 0x8;
        d.dtb_upper = l0u | 0x840;
        CHECK(memintro_mmu_root(&d, 0) == l0 && memintro_mmu_root(&d, 1) == l0u,
              "AArch64 4K/48: roots of TTBRs 0x%llx/0x%llx are 0x%llx/0x%llx", (unsigned long long)d.dtb,
              (unsigned long long)d.dtb_upper, (unsigned long long)l0, (unsigned long long)l0u);
        run_cases("AArch64 4K/48 TTBRs not aligned to the top table", &B.phys, &d, c, NCASES(c));
    }
    d.dtb = l0;
    d.dtb_upper = 0;
    {
        const tcase c[] = {
            UNM(0xffffffffc0005678ull, 4, "no TTBR1: upper half not mapped"),
            OKC(0x40012345, 0x40012345, G1, W | U, 3, "TTBR0 still mapped"),
        };
        run_cases("AArch64 4K/48 without TTBR1", &B.phys, &d, c, NCASES(c));
    }
    /* va_bits 39: three levels, L1 on top */
    {
        uint64_t t1 = tab(), t2 = tab(), t3 = tab(), u1 = tab();
        const tcase c[] = {
            OKC(0x40000010, 0x40000010, G1, W, 3, "39-bit: L1 block"),
            OKC(0x1234, 0x5234, K4, W | U, 1, "39-bit: L3 page"),
            UNM(0x7fc0000000ull, 3, "39-bit: last L1 entry"),
            NONC(0x8000000000ull, "39-bit: bit 39 set"),
            OKC(0xffffff8040000abcull, 0x80000abcull, G1, W, 3, "39-bit: TTBR1 L1 block"),
            NONC(0xffffff0000000000ull, "39-bit: upper half with bit 39 clear"),
        };
        timg_put64(&T, t1 + 1 * 8, 0x40000000 | 1 | AF);
        timg_put64(&T, t1 + 0 * 8, t2 | 3);
        timg_put64(&T, t2 + 0 * 8, t3 | 3);
        timg_put64(&T, t3 + 1 * 8, 0x5000 | 3 | AF | AP_EL0);
        timg_put64(&T, u1 + 1 * 8, 0x80000000 | 1 | AF);
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_AARCH64;
        d.va_bits = 39;
        d.dtb = t1;
        d.dtb_upper = u1;
        run_cases("AArch64 4K/39", &B.phys, &d, c, NCASES(c));
    }
    /* va_bits 42: four levels, an 8-entry L0 */
    {
        uint64_t t0 = tab(), t1 = tab();
        const tcase c[] = {
            OKC(0x20040000123ull, 0x80000123, G1, W, 3, "42-bit: L0 entry 4, L1 block 1"),
            UNM(0x18000000000ull, 4, "42-bit: L0 entry 3"),
            NONC(0x40000000000ull, "42-bit: bit 42 set"),
        };
        timg_put64(&T, t0 + 4 * 8, t1 | 3);
        timg_put64(&T, t1 + 1 * 8, 0x80000000 | 1 | AF);
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_AARCH64;
        d.va_bits = 42;
        d.dtb = t0;
        run_cases("AArch64 4K/42", &B.phys, &d, c, NCASES(c));
    }
    /* va_bits 30: two levels, L2 on top */
    {
        uint64_t t2 = tab(), t3 = tab();
        const tcase c[] = {
            OKC(0x3fe01234, 0x601234, M2, W, 2, "30-bit: last L2 entry is a block"),
            OKC(0x2abc, 0x7abc, K4, W, 1, "30-bit: L3 page"),
            UNM(0x200000, 2, "30-bit: L2 entry zero"),
            NONC(0x40000000, "30-bit: bit 30 set"),
        };
        timg_put64(&T, t2 + 511 * 8, 0x600000 | 1 | AF);
        timg_put64(&T, t2 + 0 * 8, t3 | 3);
        timg_put64(&T, t3 + 2 * 8, 0x7000 | 3 | AF);
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_AARCH64;
        d.va_bits = 30;
        d.dtb = t2;
        run_cases("AArch64 4K/30", &B.phys, &d, c, NCASES(c));
    }
}

static void test_a64_16k_64k(void)
{
    memintro_mmu_desc d;
    uint64_t l0, l1, l2, l3;
    reset_image();
    /* 16K granule, 48 bits: L0 (bit 47), L1 46:36, L2 35:25, L3 24:14 */
    l0 = timg_alloc(&T, 16384, 16384); l1 = timg_alloc(&T, 16384, 16384);
    l2 = timg_alloc(&T, 16384, 16384); l3 = timg_alloc(&T, 16384, 16384);
    timg_put64(&T, l0 + 0 * 8, l1 | 3);
    timg_put64(&T, l1 + 0 * 8, l2 | 3);
    timg_put64(&T, l2 + 1 * 8, 0x2000000 | 1 | AF | AP_EL0);
    timg_put64(&T, l2 + 0 * 8, l3 | 3);
    timg_put64(&T, l3 + 1 * 8, 0x8000 | 3 | AF);
    timg_put64(&T, l3 + 2047 * 8, 0xc000 | 3 | AF | UXN);
    timg_put64(&T, l1 + 1 * 8, 0x1000000000ull | 1 | AF); /* no L1 blocks with 16K */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_AARCH64;
    d.granule = 16384;
    d.dtb = l0;
    {
        const tcase c[] = {
            OKC(0x3234567, 0x3234567, 0x2000000, W | U, 2, "16K: L2 32M block"),
            OKC(0x4123, 0x8123, 0x4000, W, 1, "16K: L3 page"),
            OKC(0x1fffffc, 0xfffc, 0x4000, W, 1, "16K: last L3 entry, UXN at EL1 is not NX"),
            UNM(0x8000, 1, "16K: L3 entry zero"),
            UNM(0x4000000, 2, "16K: L2 entry zero"),
            UNM(0x1000000000ull, 3, "16K: L1 block not allowed"),
            UNM(0x800000000000ull, 4, "16K: L0 entry 1 zero"),
            NONC(0x1000000000000ull, "16K: bit 48"),
        };
        run_cases("AArch64 16K/48", &B.phys, &d, c, NCASES(c));
        d.dtb = l0 | 0x20; /* a 16-byte top table is still 64-byte aligned: bit 5 is masked */
        CHECK(memintro_mmu_root(&d, 0) == l0, "AArch64 16K/48: root of TTBR0 0x%llx is 0x%llx", (unsigned long long)d.dtb,
              (unsigned long long)l0);
        run_cases("AArch64 16K/48 TTBR0 not 64-byte aligned", &B.phys, &d, c, NCASES(c));
        d.dtb = l0;
    }
    /* 16K, 47 bits: three levels, L1 on top */
    d.va_bits = 47;
    d.dtb = l1;
    {
        const tcase c[] = {
            OKC(0x3234567, 0x3234567, 0x2000000, W | U, 2, "16K/47: L2 block"),
            OKC(0x4123, 0x8123, 0x4000, W, 1, "16K/47: L3 page"),
            NONC(0x800000000000ull, "16K/47: bit 47"),
        };
        run_cases("AArch64 16K/47", &B.phys, &d, c, NCASES(c));
    }
    /* 64K granule, 48 bits: L1 47:42, L2 41:29, L3 28:16 */
    l1 = timg_alloc(&T, 65536, 65536); l2 = timg_alloc(&T, 65536, 65536); l3 = timg_alloc(&T, 65536, 65536);
    timg_put64(&T, l1 + 0 * 8, l2 | 3);
    timg_put64(&T, l2 + 1 * 8, 0x20000000 | 1 | AF);
    timg_put64(&T, l2 + 0 * 8, l3 | 3);
    timg_put64(&T, l3 + 2 * 8, 0x30000 | 3 | AF | AP_EL0 | AP_RO);
    timg_put64(&T, l3 + 8191 * 8, 0x50000 | 3 | AF);
    timg_put64(&T, l1 + 1 * 8, 0x40000000000ull | 1 | AF); /* no L1 blocks with 64K */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_AARCH64;
    d.granule = 65536;
    d.dtb = l1;
    d.dtb_upper = l1;
    {
        const tcase c[] = {
            OKC(0x21234567, 0x21234567, 0x20000000, W, 2, "64K: L2 512M block"),
            OKC(0x21234, 0x31234, 0x10000, U, 1, "64K: L3 page, EL0 read-only"),
            OKC(0x1fffffff, 0x5ffff, 0x10000, W, 1, "64K: last L3 entry"),
            UNM(0x10000, 1, "64K: L3 entry zero"),
            UNM(0x40000000, 2, "64K: L2 entry zero"),
            UNM(0x40000000000ull, 3, "64K: L1 block not allowed"),
            OKC(0xffff000021234567ull, 0x21234567, 0x20000000, W, 2, "64K: upper half"),
        };
        run_cases("AArch64 64K/48", &B.phys, &d, c, NCASES(c));
        d.dtb = l1 | 0x1c0; /* a 512-byte top table: bits 8:0 are masked */
        d.dtb_upper = l1 | 0x40 | 1;
        CHECK(memintro_mmu_root(&d, 0) == l1 && memintro_mmu_root(&d, 1) == l1,
              "AArch64 64K/48: TTBRs not aligned to the 512-byte top table are masked to it");
        run_cases("AArch64 64K/48 TTBRs not aligned to the top table", &B.phys, &d, c, NCASES(c));
    }
    /* 64K, 42 bits: two levels, L2 on top */
    d.va_bits = 42;
    d.dtb = l2;
    d.dtb_upper = 0;
    {
        const tcase c[] = {
            OKC(0x21234567, 0x21234567, 0x20000000, W, 2, "64K/42: L2 block"),
            OKC(0x21234, 0x31234, 0x10000, U, 1, "64K/42: L3 page"),
            NONC(0x40000000000ull, "64K/42: bit 42"),
            UNM(0xfffffc0000000000ull, 2, "64K/42: upper half without TTBR1"),
        };
        run_cases("AArch64 64K/42", &B.phys, &d, c, NCASES(c));
    }
}

/* ---- tables in memory-map holes ---- */
static void test_holes(void)
{
    memintro_range st[4];
    memintro_memmap m;
    memintro_buffer hb;
    memintro_mmu_desc d;
    reset_image();
    build_x64();
    /* the image minus the page holding the PT, and everything past 16M */
    memintro_memmap_init(&m, st, 4);
    memintro_memmap_add(&m, 0, x64_pt, 0);
    memintro_memmap_add(&m, x64_pt + 0x1000, (16u << 20) - x64_pt - 0x1000, x64_pt + 0x1000);
    memintro_buffer_init(&hb, mem, IMG_SIZE, &m, 0);
    timg_put64(&T, x64_pdpt + 5 * 8, 0x7f00000000ull | 7); /* a table far past the image */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = x64_pml4;
    {
        const tcase c[] = {
            HOLEC(0x1abc, 1, "page table in a hole"),
            OKC(0x201234, 0x401234, M2, W, 2, "2M page beside it is fine"),
            HOLEC(0x140000000ull, 2, "page directory past the end of the image"),
            OKC(0xffffffff81000000ull, 0x1000000, M2, W, 2, "frame in a hole still translates"),
        };
        run_cases("x86-64 holes", &hb.phys, &d, c, NCASES(c));
    }
    d.dtb = 0x2000000; /* beyond the 16M map */
    {
        const tcase c[] = {HOLEC(0x1abc, 4, "DTB in a hole")};
        run_cases("x86-64 DTB in a hole", &hb.phys, &d, c, 1);
    }
    /* AArch64 and x86 32-bit too */
    {
        const tcase c[] = {HOLEC(0x1000, 4, "AArch64 TTBR0 in a hole"), HOLEC(0xffff000000000000ull, 4, "TTBR1 in a hole")};
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_AARCH64;
        d.dtb = 0x1800000;
        d.dtb_upper = 0x1900000;
        run_cases("AArch64 holes", &hb.phys, &d, c, NCASES(c));
    }
    {
        const tcase c[] = {HOLEC(0x1000, 1, "x86 PT in a hole")};
        uint64_t pd = tab();
        timg_put32(&T, pd, (uint32_t)(x64_pt | 7));
        memset(&d, 0, sizeof d);
        d.arch = MEMINTRO_ARCH_X86;
        d.dtb = pd;
        run_cases("x86 holes", &hb.phys, &d, c, 1);
    }
}

/* ---- virtual reads and writes ---- */
/* The read space (x86-64): PT pages 0..15 at va 0..0xffff map frames F(i) = 0x20000 +
   perm[i] * 0x1000 except page 3 (not present) and page 5 (a frame far past the image);
   PT entry 511 (va 0x1ff000) maps frame 0x50000; va [0x200000, 0x400000) is a 2M page at
   0x600000; va [0x400000, 0x401000) maps frame 0x51000. */
static const unsigned perm[16] = {7, 2, 11, 0, 5, 1, 14, 3, 9, 15, 4, 12, 6, 10, 13, 8};
static int rd_pa(uint64_t va, uint64_t *pa)
{
    if (va < 0x10000) {
        unsigned i = (unsigned)(va >> 12);
        if (i == 3) return 0;
        *pa = (i == 5 ? 0x7f00000000ull : 0x20000 + perm[i] * 0x1000ull) + (va & 0xfff);
        return 1;
    }
    if (va >= 0x1ff000 && va < 0x200000) { *pa = 0x50000 + (va & 0xfff); return 1; }
    if (va >= 0x200000 && va < 0x400000) { *pa = 0x600000 + (va - 0x200000); return 1; }
    if (va >= 0x400000 && va < 0x401000) { *pa = 0x51000 + (va & 0xfff); return 1; }
    return 0;
}
/* Expected byte at va: 1 and the byte if readable; 0 and why if not. */
static int rd_expect(uint64_t va, uint8_t *b, memintro_status *why)
{
    uint64_t pa;
    if (!rd_pa(va, &pa)) { *why = MEMINTRO_E_UNMAPPED; return 0; }
    if (pa >= IMG_SIZE) { *why = MEMINTRO_E_HOLE; return 0; }
    *b = mem[pa];
    return 1;
}
static uint64_t rs_pt;
static uint64_t build_read_space(void)
{
    uint64_t pml4, pdpt, pd, pt, pt2;
    unsigned i;
    reset_image();
    timg_fill_pattern(&T, 0x20000, 0x40000);
    timg_fill_pattern(&T, 0x600000, 0x200000);
    pml4 = tab(); pdpt = tab(); pd = tab(); pt = tab(); pt2 = tab();
    rs_pt = pt;
    timg_put64(&T, pml4, pdpt | 7);
    timg_put64(&T, pdpt, pd | 7);
    timg_put64(&T, pd, pt | 7);
    for (i = 0; i < 16; i++)
        if (i != 3) timg_put64(&T, pt + i * 8, (i == 5 ? 0x7f00000000ull : 0x20000 + perm[i] * 0x1000ull) | 7);
    timg_put64(&T, pt + 511 * 8, 0x50000 | 7);
    timg_put64(&T, pd + 1 * 8, 0x600000 | 0x87);
    timg_put64(&T, pd + 2 * 8, pt2 | 7);
    timg_put64(&T, pt2, 0x51000 | 7);
    return pml4;
}

/* Checks a finished read op against rd_expect: data, zero fill, missing and status. */
static int read_op_ok(const memintro_op *op)
{
    size_t i, missing = 0;
    int first_reason_ok = 0;
    memintro_status reasons[2] = {MEMINTRO_OK, MEMINTRO_OK};
    const uint8_t *b = (const uint8_t *)op->buf;
    for (i = 0; i < op->len; i++) {
        uint8_t e = 0;
        memintro_status why = MEMINTRO_OK;
        if (!rd_expect(op->addr + i, &e, &why)) {
            missing++;
            if (why == MEMINTRO_E_UNMAPPED) reasons[0] = why; else reasons[1] = why;
            e = 0;
        }
        if (b[i] != e) return 0;
    }
    if (op->missing != missing) return 0;
    if (!missing) return op->status == MEMINTRO_OK;
    first_reason_ok = op->status == reasons[0] || op->status == reasons[1];
    return first_reason_ok && op->status != MEMINTRO_OK;
}

static void test_virt_rw(void)
{
    static uint8_t bufs[8][0x12000];
    memintro_op ops[8];
    memintro_virt v;
    memintro_mmu_desc d;
    memintro_status s;
    size_t i, k;
    int round;
    static const struct { uint64_t va; size_t len; const char *what; } rc[] = {
        {0x1ff0, 0x20, "straddling two 4K pages"},
        {0x1ffff0, 0x20, "straddling a 4K page and a 2M page"},
        {0x3ffff0, 0x20, "straddling a 2M page and a 4K page"},
        {0x2800, 0x2000, "a mapped, an unmapped and a mapped page"},
        {0x5000, 0x10, "a frame in a physical hole"},
        {0x0, 0x10000, "16 pages, shuffled frames, one unmapped, one in a hole"},
        {0x1f0000, 0x11000, "unmapped pages then a 4K page then a 2M page"},
        {0x100, 0, "zero length"},
    };
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = build_read_space();
    for (round = 0; round < 3; round++) {
        size_t ss = round == 0 ? sizeof scratch : round == 1 ? memintro_virt_scratch_size(1) : memintro_virt_scratch_size(3);
        memintro_tlb_entry te[16];
        memintro_tlb tlb;
        const char *how = round == 0 ? "large scratch" : round == 1 ? "one page per round" : "three pages per round, TLB";
        CHECK(memintro_virt_init(&v, &B.phys, &d, scratch, ss) == MEMINTRO_OK, "virt_init (%s)", how);
        if (round == 2) {
            memintro_tlb_init(&tlb, te, 16);
            memintro_virt_set_tlb(&v, &tlb);
        }
        for (i = 0; i < 8; i++) {
            memset(bufs[i], 0xa5, sizeof bufs[i]);
            ops[i].addr = rc[i].va;
            ops[i].buf = bufs[i];
            ops[i].len = rc[i].len;
            ops[i].flags = 0;
            ops[i].status = MEMINTRO_E_GONE;
            ops[i].missing = 777;
        }
        s = memintro_virt_read(&v, ops, 8);
        CHECK(s != MEMINTRO_OK, "virt_read batch with failures returns a failure (%s)", how);
        for (i = 0; i < 8; i++) {
            CHECK(read_op_ok(&ops[i]) && bufs[i][rc[i].len] == 0xa5, "virt_read %s (%s): %s, missing %zu", rc[i].what, how,
                  memintro_status_str(ops[i].status), ops[i].missing);
        }
        CHECK(ops[3].status == MEMINTRO_E_UNMAPPED && ops[3].missing == 0x1000, "unmapped middle page: E_UNMAPPED, 0x1000 missing (%s)", how);
        CHECK(ops[4].status == MEMINTRO_E_HOLE && ops[4].missing == 0x10, "frame in a hole: E_HOLE (%s)", how);
        CHECK(ops[0].status == MEMINTRO_OK && ops[1].status == MEMINTRO_OK && ops[2].status == MEMINTRO_OK,
              "straddling reads complete beside failing ones (%s)", how);
    }
    /* many small reads in one batch, larger than the scratch */
    {
        static memintro_op many[3000];
        static uint8_t mb[3000][16];
        trng r;
        int good = 1;
        trng_seed(&r, 7);
        memintro_virt_init(&v, &B.phys, &d, scratch, memintro_virt_scratch_size(5));
        for (i = 0; i < 3000; i++) {
            uint64_t va = trng_below(&r, 3) == 0 ? trng_below(&r, 0x10000) : 0x1ff000 + trng_below(&r, 0x202000);
            many[i].addr = va;
            many[i].buf = mb[i];
            many[i].len = 1 + (size_t)trng_below(&r, 16);
            many[i].flags = 0;
        }
        memintro_virt_read(&v, many, 3000);
        for (i = 0; i < 3000; i++) good &= read_op_ok(&many[i]);
        CHECK(good, "3000 random reads in one batch with 5 pages per round");
        /* the same with a TLB, twice: the second batch's small reads are TLB hits copied
           straight from the buffer's memory (unmapped pages and holes among them) */
        {
            static memintro_tlb_entry te[64];
            memintro_tlb tlb;
            int pass;
            memintro_tlb_init(&tlb, te, 64);
            memintro_virt_set_tlb(&v, &tlb);
            for (pass = 0; pass < 2; pass++) {
                good = 1;
                for (i = 0; i < 3000; i++) {
                    memset(mb[i], 0xa5, sizeof mb[i]);
                    many[i].status = MEMINTRO_E_GONE;
                    many[i].missing = 777;
                }
                memintro_virt_read(&v, many, 3000);
                for (i = 0; i < 3000; i++) good &= read_op_ok(&many[i]) && (many[i].len == 16 || mb[i][many[i].len] == 0xa5);
                CHECK(good, "3000 random reads in one batch with a TLB (%s)", pass ? "warm" : "cold");
            }
            CHECK(tlb.hits > 0, "the warm batch hit the TLB (%llu hits)", (unsigned long long)tlb.hits);
            memintro_virt_set_tlb(&v, 0);
        }
    }
    /* virt_read1 */
    {
        uint8_t b8[8];
        uint64_t pa;
        rd_pa(0x2004, &pa);
        CHECK(memintro_virt_read1(&v, 0x2004, b8, 8) == MEMINTRO_OK && memcmp(b8, mem + pa, 8) == 0, "virt_read1");
        CHECK(memintro_virt_read1(&v, 0x3004, b8, 8) == MEMINTRO_E_UNMAPPED && b8[0] == 0, "virt_read1 unmapped");
        CHECK(memintro_virt_read1(&v, 0x800000000000ull, b8, 8) == MEMINTRO_E_NONCANONICAL, "virt_read1 non-canonical");
        CHECK(memintro_virt_read1(&v, 0x7ffffffffffcull, b8, 8) == MEMINTRO_E_UNMAPPED, "virt_read1 across the canonical edge: not mapped first");
    }
    /* writes */
    {
        uint8_t src[0x2000], before[0x80000];
        uint64_t pa;
        memintro_op w[3];
        memintro_buffer ro;
        for (i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 3 + 1);
        memcpy(before, mem, sizeof before);
        memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch);
        w[0].addr = 0x1ff8; w[0].buf = src; w[0].len = 0x10; w[0].flags = 0;      /* two pages */
        w[1].addr = 0x2f00; w[1].buf = src; w[1].len = 0x1200; w[1].flags = 0;    /* into the unmapped page 3 and on to page 4 */
        w[2].addr = 0x1ffffc; w[2].buf = src; w[2].len = 8; w[2].flags = 0;       /* 4K page to 2M page */
        s = memintro_virt_write(&v, w, 3);
        CHECK(s == MEMINTRO_E_UNMAPPED && w[0].status == MEMINTRO_OK && w[1].status == MEMINTRO_E_UNMAPPED &&
                  w[1].missing == 0x1000 && w[2].status == MEMINTRO_OK,
              "virt_write: complete, partial (0x1000 missing), complete");
        {
            int good = 1;
            for (k = 0; k < 0x10; k++) { rd_pa(0x1ff8 + k, &pa); good &= mem[pa] == src[k]; before[pa] = src[k]; }
            for (k = 0; k < 0x100; k++) { rd_pa(0x2f00 + k, &pa); good &= mem[pa] == src[k]; before[pa] = src[k]; }
            for (k = 0x1100; k < 0x1200; k++) { rd_pa(0x2f00 + k, &pa); good &= mem[pa] == src[k]; before[pa] = src[k]; }
            for (k = 0; k < 8; k++) { rd_pa(0x1ffffc + k, &pa); if (pa < sizeof before) before[pa] = src[k]; good &= mem[pa] == src[k]; }
            CHECK(good, "virt_write: bytes landed in the right frames");
            CHECK(memcmp(before, mem, sizeof before) == 0, "virt_write: nothing else changed");
        }
        memintro_buffer_init(&ro, mem, IMG_SIZE, NULL, 0);
        memintro_virt_init(&v, &ro.phys, &d, scratch, sizeof scratch);
        memcpy(before, mem, sizeof before);
        s = memintro_virt_write(&v, w, 3);
        CHECK(s == MEMINTRO_E_READONLY && w[0].status == MEMINTRO_E_READONLY && w[0].missing == 0x10 &&
                  w[1].missing == 0x1200,
              "virt_write on a read-only backend: E_READONLY, everything missing");
        CHECK(memcmp(before, mem, sizeof before) == 0, "virt_write on a read-only backend changes nothing");
    }
}

/* ---- batches larger than the scratch ---- */
static void test_rounds(void)
{
    static memintro_xlate x[5000];
    memintro_virt v;
    memintro_mmu_desc d;
    trng r;
    size_t i, sizes[4];
    int k;
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = build_read_space();
    sizes[0] = memintro_virt_scratch_size(1);
    sizes[1] = memintro_virt_scratch_size(2) + 7; /* odd size */
    sizes[2] = memintro_virt_scratch_size(1000);
    sizes[3] = memintro_virt_scratch_size(100000); /* capped */
    for (k = 0; k < 4; k++) {
        int good = 1;
        CHECK(sizes[k] <= sizeof scratch, "scratch size %zu fits the test's buffer", sizes[k]);
        memintro_virt_init(&v, &B.phys, &d, scratch + 3, sizes[k]); /* misaligned on purpose */
        CHECK(v.round >= 1, "round >= 1");
        trng_seed(&r, 99);
        for (i = 0; i < 5000; i++) x[i].va = trng_below(&r, 2) ? trng_below(&r, 0x12000) : 0x1f0000 + trng_below(&r, 0x220000);
        memintro_translate(&v, x, 5000);
        for (i = 0; i < 5000; i++) {
            uint64_t pa;
            int mapped = rd_pa(x[i].va, &pa);
            if (mapped) good &= x[i].status == MEMINTRO_OK && x[i].pa == pa;
            else good &= x[i].status == MEMINTRO_E_UNMAPPED;
        }
        CHECK(good, "5000 translations with scratch of %zu bytes (%zu pages per round)", sizes[k], v.round);
    }
    CHECK(memintro_virt_scratch_size(0) == memintro_virt_scratch_size(1), "scratch_size(0) == scratch_size(1)");
    CHECK(memintro_virt_scratch_size(10) > memintro_virt_scratch_size(1), "scratch grows with pages");
    CHECK(memintro_virt_init(&v, &B.phys, &d, scratch, memintro_virt_scratch_size(1) - 1) == MEMINTRO_E_NOSPACE,
          "scratch one byte short: NOSPACE");
    CHECK(memintro_virt_init(&v, &B.phys, &d, NULL, 100000) == MEMINTRO_E_NOSPACE, "no scratch: NOSPACE");
    CHECK(memintro_virt_init(&v, NULL, &d, scratch, sizeof scratch) == MEMINTRO_E_INVALID, "no backend: INVALID");
    /* a virt whose init failed refuses work instead of hanging or crashing */
    {
        memintro_op op;
        uint8_t b4[4] = {1, 2, 3, 4};
        x[0].va = 0x1000;
        CHECK(memintro_translate(&v, x, 1) == MEMINTRO_E_INVALID && x[0].status == MEMINTRO_E_INVALID,
              "translate after a failed virt_init: E_INVALID");
        op.addr = 0x1000; op.buf = b4; op.len = 4; op.flags = 0;
        CHECK(memintro_virt_read(&v, &op, 1) == MEMINTRO_E_INVALID && op.missing == 4 && b4[0] == 0,
              "virt_read after a failed virt_init: E_INVALID, zeroed");
        op.buf = b4;
        CHECK(memintro_virt_write(&v, &op, 1) == MEMINTRO_E_INVALID && op.missing == 4, "virt_write after a failed virt_init");
    }
}

/* ---- TLB ---- */
static void test_tlb(void)
{
    memintro_tlb_entry te[64];
    memintro_tlb tlb;
    memintro_virt v;
    memintro_mmu_desc d;
    memintro_xlate x[3];
    counting cnt;
    uint64_t a, b, pdptb, pdb, ptb;
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = a = build_read_space();
    counting_init(&cnt, &B.phys);
    memintro_tlb_init(&tlb, te, 64);
    CHECK(tlb.mask == 63, "TLB of 64 entries");
    memintro_virt_init(&v, &cnt.phys, &d, scratch, sizeof scratch);
    memintro_virt_set_tlb(&v, &tlb);
    x[0].va = 0x1000; x[1].va = 0x1008; x[2].va = 0x3000;
    memintro_translate(&v, x, 3);
    CHECK(tlb.hits == 0 && tlb.misses == 3 && cnt.calls > 0, "cold TLB: 3 misses, backend read");
    cnt.calls = 0;
    memintro_translate(&v, x, 3);
    CHECK(tlb.hits == 3 && tlb.misses == 3 && cnt.calls == 0, "warm TLB: 3 hits, no backend read");
    CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x20000 + perm[1] * 0x1000ull && x[1].pa == x[0].pa + 8 &&
              x[0].page_size == K4 && x[0].level == 1 && x[0].flags == (W | U),
          "TLB hit gives the full translation");
    CHECK(x[2].status == MEMINTRO_E_UNMAPPED && x[2].level == 1, "TLB hit on a cached 'not mapped', level kept");
    /* map page 3 behind the TLB's back: the cached miss stays until a flush */
    timg_put64(&T, rs_pt + 3 * 8, 0x70000 | 7);
    x[2].va = 0x3010;
    memintro_translate(&v, &x[2], 1);
    CHECK(x[2].status == MEMINTRO_E_UNMAPPED, "not-mapped results are cached");
    memintro_tlb_flush(&tlb);
    memintro_translate(&v, &x[2], 1);
    CHECK(x[2].status == MEMINTRO_OK && x[2].pa == 0x70010, "after a flush the new mapping is seen");
    timg_put64(&T, rs_pt + 3 * 8, 0);
    memintro_tlb_flush(&tlb);
    /* large pages: every 4K piece of a 2M page */
    x[0].va = 0x200000; x[1].va = 0x3ff000;
    memintro_translate(&v, x, 2);
    memintro_translate(&v, x, 2);
    CHECK(x[0].pa == 0x600000 && x[1].pa == 0x7ff000 && x[1].page_size == M2 && x[1].level == 2,
          "TLB hit on a 2M page keeps size and level");
    /* two address spaces, one TLB */
    b = tab(); pdptb = tab(); pdb = tab(); ptb = tab();
    timg_put64(&T, b, pdptb | 7);
    timg_put64(&T, pdptb, pdb | 7);
    timg_put64(&T, pdb, ptb | 7);
    timg_put64(&T, ptb + 1 * 8, 0x90000 | 5);
    memintro_tlb_flush(&tlb);
    x[0].va = 0x1234;
    memintro_translate(&v, x, 1);
    CHECK(x[0].pa == 0x20000 + perm[1] * 0x1000ull + 0x234, "space A");
    CHECK(memintro_virt_set_dtb(&v, b, 0) == MEMINTRO_OK, "set_dtb to space B");
    memintro_translate(&v, x, 1);
    CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x90234 && x[0].flags == U, "space B through the same TLB");
    memintro_virt_set_dtb(&v, a, 0);
    cnt.calls = 0;
    memintro_translate(&v, x, 1);
    CHECK(x[0].pa == 0x20000 + perm[1] * 0x1000ull + 0x234 && cnt.calls == 0, "back to A: a TLB hit, no backend read");
    memintro_virt_set_dtb(&v, b, 0);
    memintro_translate(&v, x, 1);
    CHECK(x[0].pa == 0x90234 && cnt.calls == 0, "back to B: a TLB hit");
    /* Many address spaces through one TLB: 10,000 DTBs (space A or B at random, with every
       PCID and the no-flush bit), more than the TLB's 4095 address-space ids, so ids run
       out and start again; every read must still be the right space's bytes (A maps va
       0x1234 to page 1's frame, B to 0x90234), a miss then a hit each time. The TLB is large
       enough to keep the entries of every id, so an entry left from an id's earlier life
       would be found. */
    {
        uint64_t want[2];
        uint8_t got[8];
        int k, okk = 1, rep, sp;
        trng rr;
        static memintro_tlb_entry big[1 << 16]; /* room for the entries of every id at once */
        memintro_tlb bt;
        trng_seed(&rr, 99);
        memintro_tlb_init(&bt, big, 1 << 16);
        memcpy(&want[0], mem + 0x20000 + perm[1] * 0x1000ull + 0x234, 8);
        memcpy(&want[1], mem + 0x90234, 8);
        memintro_virt_set_tlb(&v, &bt);
        for (k = 0; k < 10000; k++) {
            uint64_t pcid = (uint64_t)k % 4096, nf = (uint64_t)((k / 4096) & 1) << 63 | (uint64_t)(k / 8192) << 52;
            sp = (int)trng_below(&rr, 2); /* which space: random, so an id given again meets the other space */
            memintro_virt_set_dtb(&v, (sp ? b : a) | pcid | nf, 0);
            for (rep = 0; rep < 2; rep++) {
                uint64_t g;
                memset(got, 0, sizeof got);
                okk &= memintro_virt_read1(&v, 0x1234, got, 8) == MEMINTRO_OK;
                memcpy(&g, got, 8);
                okk &= g == want[sp];
                x[0].va = 0x1234;
                memintro_translate(&v, x, 1);
                okk &= x[0].pa == (sp ? 0x90234 : 0x20000 + perm[1] * 0x1000ull + 0x234);
            }
        }
        CHECK(okk && want[0] != want[1], "10000 address spaces through one TLB (ids reused after running out): every "
              "read and translation is its own space's");
        CHECK(bt.hits >= 10000 * 2, "... and the TLB still hits (%llu hits)", (unsigned long long)bt.hits);
        memintro_virt_set_tlb(&v, &tlb);
        memintro_virt_set_dtb(&v, b, 0);
    }
    /* a one-entry TLB: both spaces share its only slot, the DTB tells them apart */
    {
        memintro_tlb_entry one[1];
        memintro_tlb t1;
        int k, ok = 1;
        memintro_tlb_init(&t1, one, 1);
        memintro_virt_set_tlb(&v, &t1);
        for (k = 0; k < 6; k++) {
            memintro_virt_set_dtb(&v, (k & 1) ? b : a, 0);
            x[0].va = 0x1234 + (uint64_t)(k / 2) * 8;
            memintro_translate(&v, x, 1);
            ok &= x[0].pa == ((k & 1) ? 0x90234 : 0x20000 + perm[1] * 0x1000ull + 0x234) + (uint64_t)(k / 2) * 8;
        }
        CHECK(ok, "one-entry TLB alternating between two spaces: never the other space's entry");
        memintro_virt_set_tlb(&v, &tlb);
        memintro_virt_set_dtb(&v, b, 0);
        x[0].va = 0x1234;
    }
    memintro_virt_set_tlb(&v, NULL);
    CHECK(memintro_virt_set_dtb(&v, b | (1ull << 52) | 0x7, 0) == MEMINTRO_OK, "set_dtb accepts a CR3 with bit 52 and PCID");
    memintro_translate(&v, x, 1);
    CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x90234, "set_dtb: bit 52 and PCID masked, space B walked");
    memintro_virt_set_dtb(&v, b, 0);
    memintro_virt_set_tlb(&v, &tlb);
    memintro_virt_set_tlb(&v, NULL);
    memintro_virt_set_dtb(&v, a, 0);
    memintro_translate(&v, x, 1);
    CHECK(x[0].pa == 0x20000 + perm[1] * 0x1000ull + 0x234, "TLB detached");
    /* a one-entry TLB still gives right answers */
    {
        memintro_tlb_entry one[1];
        memintro_tlb t1;
        int k, good = 1;
        memintro_tlb_init(&t1, one, 1);
        memintro_virt_set_tlb(&v, &t1);
        for (k = 0; k < 20; k++) {
            uint64_t pa;
            x[0].va = (uint64_t)(k % 5) * 0x1000 + 0x10;
            memintro_translate(&v, x, 1);
            if (rd_pa(x[0].va, &pa)) good &= x[0].status == MEMINTRO_OK && x[0].pa == pa;
            else good &= x[0].status == MEMINTRO_E_UNMAPPED;
        }
        CHECK(good, "one-entry TLB");
        memintro_tlb_init(&t1, one, 0);
        CHECK(t1.entries == NULL, "zero-entry TLB is empty");
        memintro_virt_set_tlb(&v, &t1);
        x[0].va = 0x1010;
        memintro_translate(&v, x, 1);
        CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x20000 + perm[1] * 0x1000ull + 0x10,
              "attaching a zero-entry TLB works as no TLB");
        {
            uint8_t b2[4];
            CHECK(memintro_virt_read1(&v, 0x1010, b2, 4) == MEMINTRO_OK, "virtual read with a zero-entry TLB attached");
        }
    }
    /* AArch64: TTBR1 changes with TTBR0 unchanged */
    {
        uint64_t l0a = tab(), l1a = tab(), l0b = tab(), l1b = tab(), l0 = tab();
        memintro_mmu_desc ad;
        timg_put64(&T, l0a + 511 * 8, l1a | 3);
        timg_put64(&T, l1a + 511 * 8, 0x40000000 | 1 | AF);
        timg_put64(&T, l0b + 511 * 8, l1b | 3);
        timg_put64(&T, l1b + 511 * 8, 0x80000000 | 1 | AF);
        memset(&ad, 0, sizeof ad);
        ad.arch = MEMINTRO_ARCH_AARCH64;
        ad.dtb = l0;
        ad.dtb_upper = l0a;
        memintro_tlb_flush(&tlb);
        memintro_virt_init(&v, &B.phys, &ad, scratch, sizeof scratch);
        memintro_virt_set_tlb(&v, &tlb);
        x[0].va = 0xffffffffc0000010ull;
        memintro_translate(&v, x, 1);
        CHECK(x[0].pa == 0x40000010, "AArch64 TTBR1 A");
        memintro_virt_set_dtb(&v, l0, l0b);
        memintro_translate(&v, x, 1);
        CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x80000010, "AArch64: a new TTBR1 with the same TTBR0 is not served stale TLB entries");
        memintro_virt_set_dtb(&v, l0, 0);
        memintro_translate(&v, x, 1);
        CHECK(x[0].status == MEMINTRO_E_UNMAPPED, "AArch64: TTBR1 removed");
        memintro_virt_set_dtb(&v, l0, l0a);
        memintro_translate(&v, x, 1);
        CHECK(x[0].status == MEMINTRO_OK && x[0].pa == 0x40000010, "AArch64: TTBR1 back");
    }
}

/* ---- memintro_mmu_check ---- */
static void test_mmu_check(void)
{
    static const struct { memintro_arch arch; uint32_t flags; uint64_t dtb, up; uint32_t gran, vab, pab; const char *what; } bad[] = {
        {MEMINTRO_ARCH_NONE, 0, 0x1000, 0, 0, 0, 0, "no arch"},
        {(memintro_arch)77, 0, 0x1000, 0, 0, 0, 0, "unknown arch"},
        {MEMINTRO_ARCH_X86, 0, 0x100000000ull, 0, 0, 0, 0, "x86 DTB above 4G"},
        {MEMINTRO_ARCH_X86, 0, 0x1000, 0, 0, 0, 41, "x86 pa_bits 41"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0x100000000ull, 0, 0, 0, 0, "PAE DTB above 4G"},
        {MEMINTRO_ARCH_X86_64, 0, 0x1000, 0, 0, 0, 53, "x86-64 pa_bits 53"},
        {MEMINTRO_ARCH_X86_64_LA57, 0, 0x1000, 0, 0, 0, 60, "LA57 pa_bits 60"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0x1000, 0, 0, 0, 53, "PAE pa_bits 53"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 0, 64, "AArch64 pa_bits 64"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 64, 0, "AArch64 va_bits 64"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 2048, 0, 0, "AArch64 granule 2K"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 8192, 0, 0, "AArch64 granule 8K"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 24, 0, "AArch64 va_bits 24"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 49, 0, "AArch64 va_bits 49"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 0, 49, "AArch64 pa_bits 49"},
        {MEMINTRO_ARCH_X86_64, 0, 0x1000, 0, 0, 0, 12, "x86-64 pa_bits 12"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0, 0, 0, 31, "AArch64 pa_bits 31"},
    };
    static const struct { memintro_arch arch; uint32_t flags; uint64_t dtb, up; uint32_t gran, vab, pab; const char *what; } good[] = {
        {MEMINTRO_ARCH_X86, MEMINTRO_MMU_PSE36, 0xfffff000ull, 0, 0, 0, 40, "x86 top DTB"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0xffffffe0ull, 0, 0, 0, 0, "PAE 32-byte aligned DTB"},
        {MEMINTRO_ARCH_X86_64, 0, 0x800ffffffffff123ull, 0, 0, 0, 0, "x86-64 CR3 with PCID and no-flush"},
        {MEMINTRO_ARCH_X86_64_LA57, 0, 0x1000, 0, 0, 0, 52, "LA57"},
        {MEMINTRO_ARCH_AARCH64, 0, 0xabcd00000001c001ull, 0x4000, 16384, 36, 0, "AArch64 16K/36 with ASID and CnP"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000 | 0x200, 0, 65536, 0, 0, "AArch64 64K/48 (512-byte top table)"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x40, 0x80, 16384, 0, 0, "AArch64 16K/48 (16-byte top table)"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0x1000, 4096, 25, 0, "AArch64 4K/25"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x10000, 0, 65536, 25, 32, "AArch64 64K/25, 32-bit PAs"},
        {MEMINTRO_ARCH_X86, 0, 0x1000, 0, 0, 0, 32, "x86 pa_bits 32"},
        {MEMINTRO_ARCH_X86, 0, 0x1800, 0, 0, 0, 0, "x86 DTB not page aligned (masked)"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0x1010, 0, 0, 0, 0, "PAE DTB not 32-byte aligned (masked)"},
        {MEMINTRO_ARCH_X86_64, 0, 0x10000000000000ull, 0, 0, 0, 0, "x86-64 DTB bit 52 (masked)"},
        {MEMINTRO_ARCH_X86_64_LA57, 0, 0x4000000000000000ull, 0, 0, 0, 0, "LA57 DTB bit 62 (masked)"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1008, 0x2010, 0, 0, 0, "AArch64 TTBRs not 64-byte aligned (masked)"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x1000, 0x2840, 65536, 0, 0, "AArch64 TTBR1 not aligned to its 512-byte top table (masked)"},
    };
    /* the root each DTB selects, by the architecture's definition of the DTB register */
    static const struct { memintro_arch arch; uint32_t flags; uint64_t dtb, up; uint32_t gran, vab, pab; uint64_t r0, r1; const char *what; } roots[] = {
        {MEMINTRO_ARCH_X86, 0, 0xfffff818ull, 0, 0, 0, 0, 0xfffff000ull, 0, "x86: CR3 31:12"},
        {MEMINTRO_ARCH_X86, MEMINTRO_MMU_PSE36, 0x12345fffull, 0, 0, 0, 40, 0x12345000ull, 0, "x86 PSE-36: CR3 31:12"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0x1234567full, 0, 0, 0, 0, 0x12345660ull, 0, "PAE: CR3 31:5"},
        {MEMINTRO_ARCH_X86_64, 0, 0xfff0123456789fffull, 0, 0, 0, 0, 0x0000123456789000ull, 0, "x86-64: CR3 51:12"},
        {MEMINTRO_ARCH_X86_64, 0, 0xfff0123456789fffull, 0, 0, 0, 46, 0x0000123456789000ull & 0x3ffffffff000ull, 0, "x86-64 46-bit PA: CR3 45:12"},
        {MEMINTRO_ARCH_X86_64_LA57, 0, 0x4000000000abc123ull, 0, 0, 0, 0, 0xabc000ull, 0, "LA57: CR3 51:12"},
        {MEMINTRO_ARCH_AARCH64, 0, 0xabcd000012345fffull, 0xffff0000abcdf001ull, 0, 0, 0, 0x12345000ull, 0xabcdf000ull, "AArch64 4K/48: BADDR 47:12"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x00010000123457ffull, 0x123457c1ull, 65536, 0, 0, 0x12345600ull, 0x12345600ull, "AArch64 64K/48: 512-byte table, BADDR 47:9"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x123457ffull, 0x1234567full, 16384, 0, 0, 0x123457c0ull, 0x12345640ull, "AArch64 16K/48: 16-byte table, 64-byte aligned"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x12345fffull, 0, 4096, 39, 0, 0x12345000ull, 0, "AArch64 4K/39: 4K table"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x12345fffull, 0, 4096, 40, 0, 0x12345fc0ull, 0, "AArch64 4K/40: 2-entry L0 table, 64-byte aligned"},
        {MEMINTRO_ARCH_AARCH64, 0, 0x12345fffull, 0, 4096, 25, 0, 0x12345f80ull, 0, "AArch64 4K/25: 16-entry L2 table (128 bytes)"},
        {MEMINTRO_ARCH_AARCH64, 0, 0xffff0ff234567fffull, 0, 4096, 48, 40, 0xf234567000ull, 0, "AArch64 40-bit PA: BADDR 39:12"},
    };
    size_t i;
    memintro_mmu_desc d;
    memintro_virt v;
    const char *msg = memintro_mmu_check(NULL);
    CHECK(msg && *msg, "mmu_check(NULL): %s", msg ? msg : "(null)");
    for (i = 0; i < NCASES(bad); i++) {
        memset(&d, 0, sizeof d);
        d.arch = bad[i].arch; d.flags = bad[i].flags; d.dtb = bad[i].dtb; d.dtb_upper = bad[i].up;
        d.granule = bad[i].gran; d.va_bits = bad[i].vab; d.pa_bits = bad[i].pab;
        msg = memintro_mmu_check(&d);
        CHECK(msg && *msg && !strchr(msg, '\n'), "mmu_check rejects %s: %s", bad[i].what, msg ? msg : "(null)");
        CHECK(memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch) == MEMINTRO_E_INVALID, "virt_init rejects %s", bad[i].what);
    }
    for (i = 0; i < NCASES(roots); i++) {
        uint64_t r0, r1;
        memset(&d, 0, sizeof d);
        d.arch = roots[i].arch; d.flags = roots[i].flags; d.dtb = roots[i].dtb; d.dtb_upper = roots[i].up;
        d.granule = roots[i].gran; d.va_bits = roots[i].vab; d.pa_bits = roots[i].pab;
        r0 = memintro_mmu_root(&d, 0);
        r1 = memintro_mmu_root(&d, 1);
        CHECK(r0 == roots[i].r0 && r1 == roots[i].r1, "mmu_root: %s: 0x%llx/0x%llx (want 0x%llx/0x%llx)", roots[i].what,
              (unsigned long long)r0, (unsigned long long)r1, (unsigned long long)roots[i].r0, (unsigned long long)roots[i].r1);
        memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch);
        CHECK(v.root[0] == roots[i].r0 && v.root[1] == roots[i].r1, "virt_init walks from the masked roots: %s", roots[i].what);
    }
    /* the truly invalid DTB: a 32-bit CR3 of 4 GiB or more; set_dtb refuses it and keeps the space */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86;
    d.dtb = 0x5000;
    memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch);
    CHECK(memintro_virt_set_dtb(&v, 0x100005000ull, 0) == MEMINTRO_E_INVALID, "set_dtb rejects an x86 CR3 above 4 GiB");
    CHECK(v.desc.dtb == 0x5000 && v.root[0] == 0x5000, "a rejected set_dtb keeps the old space");
    for (i = 0; i < NCASES(good); i++) {
        memset(&d, 0, sizeof d);
        d.arch = good[i].arch; d.flags = good[i].flags; d.dtb = good[i].dtb; d.dtb_upper = good[i].up;
        d.granule = good[i].gran; d.va_bits = good[i].vab; d.pa_bits = good[i].pab;
        msg = memintro_mmu_check(&d);
        CHECK(msg == NULL, "mmu_check accepts %s%s%s", good[i].what, msg ? ": " : "", msg ? msg : "");
        CHECK(memintro_virt_init(&v, &B.phys, &d, scratch, sizeof scratch) == MEMINTRO_OK, "virt_init accepts %s", good[i].what);
    }
}


/* ---- guest fields through memintro_virt_read1 over a split memory map ---- */
/* memintro_virt_read1's shortest paths (a TLB hit copied from the range of the backend's
   last lookup; without a TLB an inline walk through that range) meet a map whose offsets
   are not the guest-physical addresses: guest [0, 1M) (the tables and frame 0x8000) at host
   offset 3M, [1M, 2M) at 0, [2M, 3M) a hole, [3M, 4M) at 1M, [4M, 4M + 2K) at 4M (a range
   that ends inside a page), [4M + 2K, 5M) at 2M + 0, [5M, 6M) at 5M. Synthetic:
   the host bytes are a pattern of their host offset, so a copy from the wrong range or
   offset shows. x86-64 pages: va page 0 -> 0x100000, 1 -> 0x8000 (beside the tables), 2 ->
   0x200000 (hole), 3 not present, 4 -> 0x3ff000 (the last page of its range), 5 -> past
   every range, 6 -> 0x101000; va [2M, 4M) is a 2M page at 0x400000. */
static uint8_t fhost[6u << 20];
#define FRANGES 6
static const struct { uint64_t start, size, off; } fmap[FRANGES] = {
    {0, 1u << 20, 3u << 20},          {1u << 20, 1u << 20, 0},
    {3u << 20, 1u << 20, 1u << 20},   {4u << 20, 0x800, 4u << 20},
    {(4u << 20) + 0x800, (1u << 20) - 0x800, 2u << 20}, {5u << 20, 1u << 20, 5u << 20}};
static const uint64_t fpage[7] = {0x100000, 0x8000, 0x200000, ~0ull, 0x3ff000, 0x7f00000000ull, 0x101000};

/* expected byte at va: 1 and the byte, or 0 and why it cannot be read */
static int field_expect(uint64_t va, uint8_t *b, memintro_status *why)
{
    uint64_t pa;
    int i;
    if (va < 7 * K4 && fpage[va >> 12] != ~0ull) pa = fpage[va >> 12] + (va & 0xfff);
    else if (va >= M2 && va < 2 * M2) pa = 0x400000 + (va - M2);
    else { *why = MEMINTRO_E_UNMAPPED; return 0; }
    for (i = 0; i < FRANGES; i++)
        if (pa - fmap[i].start < fmap[i].size) { *b = fhost[fmap[i].off + (pa - fmap[i].start)]; return 1; }
    *why = MEMINTRO_E_HOLE;
    return 0;
}

static void test_read1_fields(void)
{
    static const size_t lens[6] = {1, 2, 3, 4, 8, 16};
    static const uint64_t offs[7] = {0, 8, 0x7f8, 0xff8, 0xffc, 0xfff, 0xff0};
    static memintro_tlb_entry te[64];
    memintro_range st[FRANGES];
    memintro_memmap map;
    memintro_buffer fb;
    memintro_virt v;
    memintro_tlb tlb;
    memintro_mmu_desc d;
    unsigned long n = 0, bad = 0, failed = 0, ok_reads = 0;
    uint64_t i;
    int pass, rep;
    size_t p, o, l;
    for (i = 0; i < sizeof fhost; i++) fhost[i] = tpat(i);
    memintro_memmap_init(&map, st, FRANGES);
    for (i = 0; i < FRANGES; i++) memintro_memmap_add(&map, fmap[i].start, fmap[i].size, fmap[i].off);
    CHECK(map.count == FRANGES && memintro_buffer_init(&fb, fhost, sizeof fhost, &map, 0) == MEMINTRO_OK,
          "split map: buffer over %d ranges", FRANGES);
    /* tables at guest 0x1000.. (host 3M + 0x1000..): PML4, PDPT, PD, PT */
#define FPUT(gpa, val) t_put8(fhost + (3u << 20) + (gpa), (val), 8)
    memset(fhost + (3u << 20), 0, 0x5000);
    FPUT(0x1000, 0x2000 | 7);
    FPUT(0x2000, 0x3000 | 7);
    FPUT(0x3000, 0x4000 | 7);
    FPUT(0x3000 + 8, 0x400000 | 0x87);
    for (i = 0; i < 7; i++)
        if (fpage[i] != ~0ull) FPUT(0x4000 + i * 8, fpage[i] | 7);
#undef FPUT
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = 0x1000;
    memintro_tlb_init(&tlb, te, 64);
    for (pass = 0; pass < 2; pass++) { /* no TLB, then a TLB */
        memintro_virt_init(&v, &fb.phys, &d, scratch, sizeof scratch);
        memintro_virt_set_tlb(&v, pass ? &tlb : NULL);
        for (p = 0; p < 9; p++)
            for (o = 0; o < 7; o++)
                for (l = 0; l < 6; l++)
                    for (rep = 0; rep < 2; rep++) { /* a TLB miss, then a hit */
                        uint64_t va = (p < 7 ? p * K4 : M2 + (p - 7) * 0x1ff000) + offs[o];
                        uint8_t got[24], want[16];
                        memintro_status st1, first = MEMINTRO_OK;
                        size_t k, missing = 0;
                        for (k = 0; k < lens[l]; k++) {
                            memintro_status why;
                            if (!field_expect(va + k, &want[k], &why)) {
                                want[k] = 0;
                                if (!missing++) first = why;
                            }
                        }
                        memset(got, 0xa5, sizeof got);
                        st1 = memintro_virt_read1(&v, va, got, lens[l]);
                        n++;
                        failed += missing != 0;
                        ok_reads += missing == 0;
                        if (memcmp(got, want, lens[l]) || got[lens[l]] != 0xa5 || st1 != first) {
                            if (bad++ < 5)
                                printf("# split map, %s: read1 0x%llx+%zu: %s, expected %s\n", pass ? "TLB" : "no TLB",
                                       (unsigned long long)va, lens[l], memintro_status_str(st1), memintro_status_str(first));
                        }
                    }
    }
    CHECK(bad == 0 && failed > 0 && ok_reads > n / 3,
          "split map: %lu guest-field reads (1-16 bytes, page ends, 4K and 2M pages, holes, unmapped), with and without a "
          "TLB, match bytes and status written down from the map", n);
}

int main(void)
{
    test_x86();
    test_pae();
    test_x64();
    test_a64_4k();
    test_a64_16k_64k();
    test_holes();
    test_virt_rw();
    test_rounds();
    test_tlb();
    test_read1_fields();
    test_mmu_check();
    return check_done();
}
