/* tests/test_api.c: unit tests of memintro.h's descriptive API on synthetic data:
   memintro_cpu_mmu (x86 CR0/CR4/EFER/CS.L decoding, AArch64 SCTLR and TCR_EL1 fields),
   memintro_mmu_geometry and memintro_mmu_root for every mode, the op helpers for backends,
   the mapped-memory backend's fallback, host-address maps and direct access, paging-mode
   names and the number parsers. Expected values are written down from the architecture
   manuals (Intel SDM vol. 3 ch. 4, Arm ARM D8 and the TCR_EL1 register description) and
   from the bytes and ranges this test sets up, never from running the code. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

/* ---- memintro_cpu_mmu: x86 ---- */

#define CR0_PG 0x80000000ull
#define CR4_PSE 0x10ull
#define CR4_PAE 0x20ull
#define CR4_LA57 0x1000ull
#define EFER_LMA 0x400ull
#define CS_L (1u << 21)

static memintro_cpu x86cpu(memintro_isa isa, uint64_t cr0, uint64_t cr3, uint64_t cr4)
{
    memintro_cpu c;
    memset(&c, 0, sizeof c);
    c.isa = isa;
    c.flags = MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM;
    c.cr[0] = cr0;
    c.cr[3] = cr3;
    c.cr[4] = cr4;
    return c;
}

static void test_cpu_x86(void)
{
    memintro_cpu c;
    memintro_mmu_desc d;
    memintro_status s;

    c = x86cpu(MEMINTRO_ISA_X86, CR0_PG | 1, 0x12345018, 0);
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86 && (d.flags & MEMINTRO_MMU_NO_PSE) && d.dtb == 0x12345018,
          "x86: PG, no PAE, no PSE -> 32-bit paging without 4M pages (arch %d flags 0x%x)", (int)d.arch, d.flags);
    CHECK(memintro_mmu_root(&d, 0) == 0x12345000, "x86: root is CR3 31:12");

    c = x86cpu(MEMINTRO_ISA_X86_64, CR0_PG | 1, 0x2000, CR4_PSE);
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86 && !(d.flags & MEMINTRO_MMU_NO_PSE),
          "x86: CR4.PSE -> 32-bit paging with 4M pages");

    c = x86cpu(MEMINTRO_ISA_X86_64, CR0_PG | 1, 0x3060, CR4_PAE);
    c.flags |= MEMINTRO_CPU_EFER;
    c.efer = 0x100; /* LME without LMA: not in long mode yet */
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_PAE && d.dtb == 0x3060, "PAE: CR4.PAE, EFER.LMA clear");
    CHECK(memintro_mmu_root(&d, 0) == 0x3060, "PAE: root is CR3 31:5");

    c.efer = 0x500; /* LME and LMA */
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_64, "4-level: CR4.PAE and EFER.LMA");

    c.cr[4] = CR4_PAE | CR4_LA57;
    c.cr[3] = 0x8000000000004003ull; /* no-flush bit, PCID 3 */
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_64_LA57, "5-level: CR4.LA57 in long mode");
    CHECK(memintro_mmu_root(&d, 0) == 0x4000, "LA57: PCID and bit 63 of CR3 masked from the root");

    c = x86cpu(MEMINTRO_ISA_X86_64, CR0_PG | 1, 0x5000, CR4_PAE);
    c.seg[MEMINTRO_SEG_CS].flags = CS_L;
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_64, "EFER unknown, CS.L set -> long mode");
    c.seg[MEMINTRO_SEG_CS].flags = 0;
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_PAE, "EFER unknown, CS.L clear -> PAE");
    c.seg[MEMINTRO_SEG_CS].flags = CS_L;
    c.flags |= MEMINTRO_CPU_EFER;
    c.efer = 0;
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_PAE, "EFER known with LMA clear wins over CS.L");
    c.cr[4] = CR4_PAE | CR4_LA57;
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_PAE, "LA57 outside long mode is PAE");

    c = x86cpu(MEMINTRO_ISA_X86, CR0_PG | 1, 0x6000, CR4_PAE | CR4_LA57);
    c.flags |= MEMINTRO_CPU_EFER;
    c.efer = 0x500;
    c.seg[MEMINTRO_SEG_CS].flags = CS_L;
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_PAE, "i386 ISA is never in long mode (EFER.LMA, CS.L ignored)");

    c = x86cpu(MEMINTRO_ISA_X86_64, 1, 0x7000, CR4_PAE);
    memset(&d, 0x55, sizeof d);
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_E_NOTFOUND && d.arch == MEMINTRO_ARCH_NONE, "CR0.PG clear -> NOTFOUND, description cleared");
    c = x86cpu(MEMINTRO_ISA_X86_64, CR0_PG | 1, 0x7000, CR4_PAE);
    c.flags = MEMINTRO_CPU_GPRS;
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_NOTFOUND, "control registers unknown -> NOTFOUND");
    c = x86cpu(MEMINTRO_ISA_NONE, CR0_PG | 1, 0x7000, CR4_PAE);
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_NOTFOUND, "unknown ISA -> NOTFOUND");
    CHECK(memintro_cpu_mmu(NULL, &d) == MEMINTRO_E_INVALID && memintro_cpu_mmu(&c, NULL) == MEMINTRO_E_INVALID,
          "cpu_mmu(NULL) -> INVALID");
}

/* ---- memintro_cpu_mmu: AArch64 (TCR_EL1: T0SZ 5:0, EPD0 7, TG0 15:14, T1SZ 21:16, EPD1 23,
   TG1 31:30; TG0 00 4K 01 64K 10 16K; TG1 01 16K 10 4K 11 64K; SCTLR_EL1.M bit 0) ---- */

static uint64_t tcr(unsigned t0sz, unsigned tg0, unsigned t1sz, unsigned tg1, int epd0, int epd1)
{
    return (uint64_t)t0sz | (uint64_t)epd0 << 7 | (uint64_t)tg0 << 14 | (uint64_t)t1sz << 16 | (uint64_t)epd1 << 23 |
           (uint64_t)tg1 << 30 | 5ull << 32 /* IPS 48 bits */ | 1ull << 37 /* TBI0 */;
}

static memintro_cpu a64cpu(uint64_t tcr_el1, uint64_t sctlr)
{
    memintro_cpu c;
    memset(&c, 0, sizeof c);
    c.isa = MEMINTRO_ISA_AARCH64;
    c.flags = MEMINTRO_CPU_A64_REGS | MEMINTRO_CPU_A64_MMU;
    c.ttbr0 = 0x0012000040001000ull; /* ASID 0x12 */
    c.ttbr1 = 0x0034000040002001ull; /* ASID 0x34, CnP */
    c.tcr = tcr_el1;
    c.sctlr = sctlr;
    return c;
}

static void test_cpu_a64(void)
{
    static const struct { unsigned t0sz, tg0, t1sz, tg1; uint32_t granule, va_bits; const char *what; } ok[] = {
        {16, 0, 16, 2, 4096, 48, "4K/48 (TG0 00, TG1 10)"},
        {25, 0, 25, 2, 4096, 39, "4K/39"},
        {16, 1, 16, 3, 65536, 48, "64K/48 (TG0 01, TG1 11)"},
        {22, 1, 22, 3, 65536, 42, "64K/42"},
        {17, 2, 17, 1, 16384, 47, "16K/47 (TG0 10, TG1 01)"},
        {16, 2, 16, 1, 16384, 48, "16K/48"},
    };
    size_t i;
    memintro_cpu c;
    memintro_mmu_desc d;
    memintro_status s;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        c = a64cpu(tcr(ok[i].t0sz, ok[i].tg0, ok[i].t1sz, ok[i].tg1, 0, 0), 0x30d00801);
        s = memintro_cpu_mmu(&c, &d);
        CHECK(s == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_AARCH64 && d.granule == ok[i].granule &&
                  d.va_bits == ok[i].va_bits && d.dtb == c.ttbr0 && d.dtb_upper == c.ttbr1,
              "AArch64 %s: %s granule %u va_bits %u", ok[i].what, memintro_status_str(s), d.granule, d.va_bits);
    }
    c = a64cpu(tcr(16, 0, 16, 2, 0, 0), 1);
    memintro_cpu_mmu(&c, &d);
    CHECK(memintro_mmu_root(&d, 0) == 0x40001000 && memintro_mmu_root(&d, 1) == 0x40002000,
          "AArch64: ASID and CnP masked from both roots");

    c = a64cpu(tcr(16, 0, 24, 1, 0, 1), 1); /* EPD1: the upper half's size and granule do not matter */
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.granule == 4096 && d.va_bits == 48 && d.dtb == c.ttbr0 && d.dtb_upper == 0,
          "AArch64 EPD1: TTBR1 walks disabled, upper half unmapped");
    c = a64cpu(tcr(30, 1, 20, 3, 1, 0), 1); /* EPD0: the lower half's fields do not matter */
    s = memintro_cpu_mmu(&c, &d);
    CHECK(s == MEMINTRO_OK && d.granule == 65536 && d.va_bits == 44 && d.dtb == 0 && d.dtb_upper == c.ttbr1,
          "AArch64 EPD0: granule and size from TG1/T1SZ, lower half unmapped (%u %u)", d.granule, d.va_bits);
    c = a64cpu(tcr(16, 0, 16, 2, 1, 1), 1);
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_NOTFOUND, "AArch64 EPD0 and EPD1: no walks at all -> NOTFOUND");

    c = a64cpu(tcr(16, 0, 16, 2, 0, 0), 0x30d00800);
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_NOTFOUND, "AArch64 SCTLR.M clear -> NOTFOUND");
    c = a64cpu(tcr(16, 0, 16, 2, 0, 0), 1);
    c.flags = MEMINTRO_CPU_A64_REGS;
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_NOTFOUND, "AArch64 MMU registers unknown -> NOTFOUND");

    c = a64cpu(tcr(16, 0, 25, 2, 0, 0), 1);
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_UNSUPPORTED, "AArch64 halves of different sizes -> UNSUPPORTED");
    c = a64cpu(tcr(16, 0, 16, 1, 0, 0), 1); /* TG0 4K, TG1 16K */
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_UNSUPPORTED, "AArch64 halves of different granules -> UNSUPPORTED");
    c = a64cpu(tcr(12, 0, 12, 2, 0, 0), 1); /* 52-bit VAs */
    CHECK(memintro_cpu_mmu(&c, &d) == MEMINTRO_E_UNSUPPORTED, "AArch64 T0SZ 12 (52-bit VA) -> UNSUPPORTED");
}

/* ---- geometry and roots ---- */

static void test_geometry(void)
{
    static const struct {
        memintro_arch arch;
        uint32_t flags, granule, va_bits, pa_bits;
        uint32_t levels, page_shift, gva_bits, entry_size;
        uint64_t root_size, root_align, root_mask;
        const char *what;
    } g[] = {
        {MEMINTRO_ARCH_X86, 0, 0, 0, 0, 2, 12, 32, 4, 4096, 4096, 0xfffff000ull, "x86"},
        {MEMINTRO_ARCH_X86, MEMINTRO_MMU_PSE36, 0, 0, 40, 2, 12, 32, 4, 4096, 4096, 0xfffff000ull, "x86 PSE-36"},
        {MEMINTRO_ARCH_X86_PAE, 0, 0, 0, 0, 3, 12, 32, 8, 32, 32, 0xffffffe0ull, "PAE"},
        {MEMINTRO_ARCH_X86_64, 0, 0, 0, 0, 4, 12, 48, 8, 4096, 4096, 0x000ffffffffff000ull, "x86-64"},
        {MEMINTRO_ARCH_X86_64, 0, 0, 0, 40, 4, 12, 48, 8, 4096, 4096, 0x000000fffffff000ull, "x86-64 40-bit PA"},
        {MEMINTRO_ARCH_X86_64_LA57, 0, 0, 0, 0, 5, 12, 57, 8, 4096, 4096, 0x000ffffffffff000ull, "LA57"},
        {MEMINTRO_ARCH_AARCH64, 0, 0, 0, 0, 4, 12, 48, 8, 4096, 4096, 0x0000fffffffff000ull, "AArch64 defaults (4K/48)"},
        {MEMINTRO_ARCH_AARCH64, 0, 4096, 39, 0, 3, 12, 39, 8, 4096, 4096, 0x0000fffffffff000ull, "AArch64 4K/39"},
        {MEMINTRO_ARCH_AARCH64, 0, 4096, 40, 0, 4, 12, 40, 8, 16, 64, 0x0000ffffffffffc0ull, "AArch64 4K/40 (2-entry L0)"},
        {MEMINTRO_ARCH_AARCH64, 0, 4096, 25, 0, 2, 12, 25, 8, 128, 128, 0x0000ffffffffff80ull, "AArch64 4K/25 (16-entry L2)"},
        {MEMINTRO_ARCH_AARCH64, 0, 16384, 48, 0, 4, 14, 48, 8, 16, 64, 0x0000ffffffffffc0ull, "AArch64 16K/48 (2-entry L0)"},
        {MEMINTRO_ARCH_AARCH64, 0, 16384, 47, 0, 3, 14, 47, 8, 16384, 16384, 0x0000ffffffffc000ull, "AArch64 16K/47"},
        {MEMINTRO_ARCH_AARCH64, 0, 65536, 48, 0, 3, 16, 48, 8, 512, 512, 0x0000fffffffffe00ull, "AArch64 64K/48 (64-entry L1)"},
        {MEMINTRO_ARCH_AARCH64, 0, 65536, 42, 0, 2, 16, 42, 8, 65536, 65536, 0x0000ffffffff0000ull, "AArch64 64K/42"},
        {MEMINTRO_ARCH_AARCH64, 0, 65536, 25, 32, 1, 16, 25, 8, 4096, 4096, 0x00000000fffff000ull, "AArch64 64K/25 (L3 only)"},
    };
    size_t i;
    memintro_mmu_desc d;
    memintro_mmu_geom r;
    for (i = 0; i < sizeof g / sizeof g[0]; i++) {
        memintro_status s;
        memset(&d, 0, sizeof d);
        d.arch = g[i].arch;
        d.flags = g[i].flags;
        d.granule = g[i].granule;
        d.va_bits = g[i].va_bits;
        d.pa_bits = g[i].pa_bits;
        d.dtb = ~0ull;
        d.dtb_upper = ~0ull;
        if (d.arch == MEMINTRO_ARCH_X86 || d.arch == MEMINTRO_ARCH_X86_PAE) d.dtb = 0xffffffffull;
        s = memintro_mmu_geometry(&d, &r);
        CHECK(s == MEMINTRO_OK && r.levels == g[i].levels && r.page_shift == g[i].page_shift && r.va_bits == g[i].gva_bits &&
                  r.entry_size == g[i].entry_size && r.root_size == g[i].root_size && r.root_align == g[i].root_align &&
                  r.root_mask == g[i].root_mask,
              "geometry %s: levels %u shift %u va %u entry %u root %llu align %llu mask 0x%llx", g[i].what, r.levels,
              r.page_shift, r.va_bits, r.entry_size, (unsigned long long)r.root_size, (unsigned long long)r.root_align,
              (unsigned long long)r.root_mask);
        CHECK(memintro_mmu_root(&d, 0) == (d.dtb & g[i].root_mask), "root %s: all DTB bits set -> the mask itself",
              g[i].what);
        CHECK(memintro_mmu_root(&d, 1) == (d.arch == MEMINTRO_ARCH_AARCH64 ? g[i].root_mask : 0),
              "upper root %s: TTBR1 masked on AArch64, 0 elsewhere", g[i].what);
    }
    memset(&d, 0, sizeof d);
    d.arch = (memintro_arch)99;
    memset(&r, 0x55, sizeof r);
    CHECK(memintro_mmu_geometry(&d, &r) == MEMINTRO_E_INVALID && r.levels == 0 && r.root_mask == 0,
          "geometry of an unknown mode: INVALID, zeroed");
    CHECK(memintro_mmu_root(&d, 0) == 0, "root of an unknown mode: 0");
    d.arch = MEMINTRO_ARCH_X86;
    d.dtb = 0x100000000ull;
    CHECK(memintro_mmu_geometry(&d, &r) == MEMINTRO_E_INVALID, "geometry: x86 CR3 above 4 GiB is invalid");
}

/* ---- op helpers ---- */

static void test_op_helpers(void)
{
    uint8_t a[32], b[16];
    memintro_op ops[3];
    size_t i;
    int zero_ok = 1, kept_ok = 1;
    memset(ops, 0x77, sizeof ops);
    ops[0].buf = a;
    ops[0].len = sizeof a;
    ops[1].buf = b;
    ops[1].len = sizeof b;
    ops[2].buf = b;
    ops[2].len = 0;
    memintro_ops_begin(ops, 3);
    CHECK(ops[0].status == MEMINTRO_OK && ops[0].missing == 0 && ops[2].status == MEMINTRO_OK && ops[2].missing == 0,
          "ops_begin: every op complete");
    CHECK(memintro_ops_status(ops, 3) == MEMINTRO_OK, "ops_status: all complete -> OK");
    memset(a, 0xaa, sizeof a);
    memintro_op_fail(&ops[0], MEMINTRO_E_HOLE, 4, 8, 1);
    for (i = 0; i < sizeof a; i++) zero_ok &= a[i] == ((i >= 4 && i < 12) ? 0 : 0xaa);
    CHECK(zero_ok && ops[0].missing == 8 && ops[0].status == MEMINTRO_E_HOLE, "op_fail: zeroes [4,12), missing 8, HOLE");
    memintro_op_fail(&ops[0], MEMINTRO_E_IO, 20, 4, 0);
    for (i = 20; i < 24; i++) kept_ok &= a[i] == 0xaa;
    CHECK(kept_ok && ops[0].missing == 12 && ops[0].status == MEMINTRO_E_HOLE,
          "op_fail: a second failure adds to missing, keeps the first status, zero=0 leaves the bytes");
    memintro_op_fail(&ops[1], MEMINTRO_E_IO, 0, 0, 1);
    CHECK(ops[1].status == MEMINTRO_OK && ops[1].missing == 0, "op_fail of 0 bytes changes nothing");
    CHECK(memintro_ops_status(ops, 3) == MEMINTRO_E_HOLE, "ops_status: the first failing op's status");
    memset(b, 0xbb, sizeof b);
    memintro_ops_fail(ops + 1, 2, MEMINTRO_E_GONE, 1);
    CHECK(ops[1].status == MEMINTRO_E_GONE && ops[1].missing == 16 && b[0] == 0 && b[15] == 0 &&
              ops[2].status == MEMINTRO_E_GONE && ops[2].missing == 0,
          "ops_fail: whole ops failed and zeroed");
    memset(b, 0xbb, sizeof b);
    memintro_ops_fail(ops + 1, 1, MEMINTRO_E_READONLY, 0);
    CHECK(ops[1].status == MEMINTRO_E_READONLY && b[0] == 0xbb, "ops_fail without zero leaves the bytes");
    memintro_ops_begin(ops, 1);
    CHECK(memintro_ops_status(ops, 3) == MEMINTRO_E_READONLY, "ops_status skips complete ops");
}

/* ---- the mapped-memory backend: fallback, host addresses, direct access ---- */

/* A fallback that serves tpat(addr) for [lo, hi), fails [io_lo, io_hi) with E_IO and the
   rest with E_HOLE, by the op contract; counts calls. */
typedef struct patback {
    memintro_phys phys;
    uint64_t lo, hi, io_lo, io_hi;
    unsigned calls;
    size_t ops;
} patback;

static memintro_status patback_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    patback *p = (patback *)self;
    size_t i, k;
    p->calls++;
    p->ops += count;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++)
        for (k = 0; k < ops[i].len; k++) {
            uint64_t a = ops[i].addr + k;
            if (a >= p->io_lo && a < p->io_hi)
                memintro_op_fail(&ops[i], MEMINTRO_E_IO, k, 1, 1);
            else if (a >= p->lo && a < p->hi)
                ((uint8_t *)ops[i].buf)[k] = tpat(a);
            else
                memintro_op_fail(&ops[i], MEMINTRO_E_HOLE, k, 1, 1);
        }
    return memintro_ops_status(ops, count);
}

static uint8_t hostmem[0x4000];
static uint8_t host1[0x2000], host2[0x3000];

static void test_fallback(void)
{
    memintro_range st[4];
    memintro_memmap m;
    memintro_buffer b, ro;
    patback pb;
    uint8_t out[0x3000];
    memintro_op ops[100];
    uint8_t outs[100][0x20];
    uint8_t rodata[0x1000];
    size_t i, k;
    int ok;
    for (i = 0; i < sizeof hostmem; i++) hostmem[i] = (uint8_t)~tpat(i);
    /* guest [0x1000, 0x3000) lies at hostmem + 0x1000; the rest goes to the fallback */
    memintro_memmap_init(&m, st, 4);
    memintro_memmap_add(&m, 0x1000, 0x2000, 0x1000);
    CHECK(memintro_buffer_init(&b, hostmem, sizeof hostmem, &m, 1) == MEMINTRO_OK, "buffer over a map");
    memset(&pb, 0, sizeof pb);
    pb.phys.read = patback_read;
    pb.lo = 0;
    pb.hi = 0x10000;
    pb.io_lo = 0x8000;
    pb.io_hi = 0x8100;
    memintro_buffer_set_fallback(&b, &pb.phys);

    CHECK(memintro_phys_read1(&b.phys, 0x1800, out, 16) == MEMINTRO_OK && out[0] == hostmem[0x1800] && pb.calls == 0,
          "fallback: an op inside the map does not reach the fallback");
    memset(out, 0xcc, sizeof out);
    CHECK(memintro_phys_read1(&b.phys, 0x2ff0, out, 0x20) == MEMINTRO_OK && pb.calls == 1, "fallback: an op crossing the map's end");
    ok = 1;
    for (k = 0; k < 0x20; k++) ok &= out[k] == (k < 0x10 ? hostmem[0x2ff0 + k] : tpat(0x2ff0 + k));
    CHECK(ok, "fallback: the mapped part from memory, the rest from the fallback");
    memset(out, 0xcc, sizeof out);
    CHECK(memintro_phys_read1(&b.phys, 0x800, out, 0x2900) == MEMINTRO_OK, "fallback: an op covering the whole map");
    ok = 1;
    for (k = 0; k < 0x2900; k++) {
        uint64_t a = 0x800 + k;
        ok &= out[k] == (a >= 0x1000 && a < 0x3000 ? hostmem[a] : tpat(a));
    }
    CHECK(ok, "fallback: before, inside and after the map, every byte from its place");
    {
        memintro_op op;
        memset(out, 0xcc, sizeof out);
        op.addr = 0x2f00;
        op.buf = out;
        op.len = 0x200;
        op.flags = 0;
        memintro_phys_read(&b.phys, &op, 1); /* [0x3000, 0x3100) from the fallback */
        CHECK(op.status == MEMINTRO_OK, "fallback: below the fallback's I/O range is fine");
        pb.io_lo = 0x3080;
        pb.io_hi = 0x3100;
        memintro_phys_read(&b.phys, &op, 1);
        CHECK(op.status == MEMINTRO_E_IO && op.missing == 0x80 && out[0] == hostmem[0x2f00] && out[0x180] == 0 &&
                  out[0x17f] == tpat(0x307f),
              "fallback: its failure is folded into the op (E_IO, missing 0x80, zeroed; status %s missing 0x%zx)",
              memintro_status_str(op.status), op.missing);
        pb.hi = 0x3040;
        memintro_phys_read(&b.phys, &op, 1);
        CHECK(op.status == MEMINTRO_E_HOLE && op.missing == 0xc0, "fallback: the lowest failed piece names the reason (HOLE before IO)");
        pb.hi = 0x10000;
        pb.io_lo = 0x8000;
        pb.io_hi = 0x8100;
    }
    /* more fallback pieces than one gather holds */
    for (i = 0; i < 100; i++) {
        ops[i].addr = (i & 1) ? 0x2ff8 : 0x4000 + (uint64_t)i * 0x40;
        ops[i].buf = outs[i];
        ops[i].len = 0x20;
        ops[i].flags = 0;
    }
    pb.calls = 0;
    CHECK(memintro_phys_read(&b.phys, ops, 100) == MEMINTRO_OK, "fallback: 100 ops, each partly or wholly in the fallback");
    ok = 1;
    for (i = 0; i < 100; i++)
        for (k = 0; k < 0x20; k++) {
            uint64_t a = ops[i].addr + k;
            ok &= outs[i][k] == (a < 0x3000 ? hostmem[a] : tpat(a));
        }
    CHECK(ok && pb.calls >= 2, "fallback: every piece right, gathered in %u fallback calls", pb.calls);

    /* writes: a read-only fallback refuses its part */
    memset(rodata, 0, sizeof rodata);
    memintro_buffer_init(&ro, rodata, sizeof rodata, NULL, 0); /* guest [0, 0x1000) read-only */
    memintro_buffer_set_fallback(&b, &ro.phys);
    {
        memintro_op op;
        uint8_t src[0x20];
        memset(src, 0x5e, sizeof src);
        op.addr = 0xff0;
        op.buf = src;
        op.len = 0x20;
        op.flags = 0;
        memintro_phys_write(&b.phys, &op, 1);
        CHECK(op.status == MEMINTRO_E_READONLY && op.missing == 0x10 && hostmem[0x1000] == 0x5e && hostmem[0x100f] == 0x5e &&
                  rodata[0xff0] == 0 && src[0] == 0x5e,
              "fallback: write to a read-only fallback: its part fails READONLY, the mapped part is written");
    }
    memintro_buffer_set_fallback(&b, NULL);
    memset(out, 0xcc, sizeof out);
    CHECK(memintro_phys_read1(&b.phys, 0x2ff0, out, 0x20) == MEMINTRO_E_HOLE && out[0x10] == 0, "set_fallback(NULL): holes again");

    /* direct access: a pointer into the map, NULL outside it (holes and fallback parts) */
    {
        uint64_t avail = 0;
        const uint8_t *p;
        memintro_buffer_set_fallback(&b, &pb.phys);
        p = (const uint8_t *)memintro_phys_direct(&b.phys, 0x1000, &avail);
        CHECK(p == hostmem + 0x1000 && avail == 0x2000, "direct: the range's first byte, 0x2000 available");
        p = (const uint8_t *)memintro_phys_direct(&b.phys, 0x2fff, &avail);
        CHECK(p == hostmem + 0x2fff && avail == 1, "direct: the range's last byte, 1 available");
        CHECK(memintro_phys_direct(&b.phys, 0x3000, &avail) == NULL, "direct: past the range (fallback region) -> NULL");
        CHECK(memintro_phys_direct(&b.phys, 0xfff, &avail) == NULL, "direct: before the range -> NULL");
        CHECK(memintro_phys_direct(&pb.phys, 0x10, &avail) == NULL, "direct: a backend without direct -> NULL");
        CHECK(memintro_phys_direct(NULL, 0x10, &avail) == NULL, "direct: no backend -> NULL");
    }
}

static void test_host(void)
{
    memintro_range st[4];
    memintro_memmap m;
    memintro_buffer b;
    uint8_t out[0x40];
    uint64_t avail = 0;
    size_t i;
    int ok = 1;
    for (i = 0; i < sizeof host1; i++) host1[i] = (uint8_t)(i * 3);
    for (i = 0; i < sizeof host2; i++) host2[i] = (uint8_t)(i * 5 + 1);
    /* guest [0, 0x2000) in host1, [0x2000, 0x5000) in host2: contiguous in the guest, not on the host */
    memintro_memmap_init(&m, st, 4);
    memintro_memmap_add(&m, 0, sizeof host1, (uint64_t)(uintptr_t)host1);
    memintro_memmap_add(&m, 0x2000, sizeof host2, (uint64_t)(uintptr_t)host2);
    CHECK(memintro_buffer_init_host(&b, &m, 1) == MEMINTRO_OK, "init_host over two host arrays");
    CHECK(memintro_phys_read1(&b.phys, 0x1fe0, out, 0x40) == MEMINTRO_OK, "init_host: a read across both arrays");
    for (i = 0; i < 0x40; i++) ok &= out[i] == (i < 0x20 ? host1[0x1fe0 + i] : host2[i - 0x20]);
    CHECK(ok, "init_host: bytes from host1 then host2");
    CHECK(memintro_phys_direct(&b.phys, 0x1ff8, &avail) == host1 + 0x1ff8 && avail == 8, "init_host direct: host1's end");
    CHECK(memintro_phys_direct(&b.phys, 0x2000, &avail) == host2 && avail == 0x3000, "init_host direct: host2's start");
    CHECK(memintro_phys_direct(&b.phys, 0x5000, &avail) == NULL, "init_host direct: past the map -> NULL");
    memset(out, 0x99, 0x10);
    {
        memintro_op op;
        op.addr = 0x1ff8;
        op.buf = out;
        op.len = 0x10;
        op.flags = 0;
        CHECK(memintro_phys_write(&b.phys, &op, 1) == MEMINTRO_OK && host1[0x1fff] == 0x99 && host2[7] == 0x99 && host2[8] == 41,
              "init_host: a write lands in both arrays");
    }
    CHECK(memintro_phys_read1(&b.phys, 0x5000, out, 4) == MEMINTRO_E_HOLE, "init_host: past the map is a hole");
    CHECK(memintro_buffer_init_host(&b, NULL, 0) == MEMINTRO_E_INVALID, "init_host without a map -> INVALID");
    CHECK(memintro_buffer_init_host(&b, &m, 0) == MEMINTRO_OK && b.phys.write == NULL, "init_host read-only: no write function");
}

/* ---- names ---- */

static void test_names(void)
{
    static const struct { memintro_arch a; const char *name, *desc; } n[] = {
        {MEMINTRO_ARCH_NONE, "none", "no paging"},
        {MEMINTRO_ARCH_X86, "x86", "x86 32-bit"},
        {MEMINTRO_ARCH_X86_PAE, "pae", "x86 PAE"},
        {MEMINTRO_ARCH_X86_64, "x86_64", "x86-64 4-level"},
        {MEMINTRO_ARCH_X86_64_LA57, "la57", "x86-64 5-level"},
        {MEMINTRO_ARCH_AARCH64, "aarch64", "AArch64"},
    };
    static const struct { const char *s; memintro_arch a; } alias[] = {
        {"i386", MEMINTRO_ARCH_X86},           {"X86-32", MEMINTRO_ARCH_X86},        {"PAE", MEMINTRO_ARCH_X86_PAE},
        {"x86-64", MEMINTRO_ARCH_X86_64},      {"AMD64", MEMINTRO_ARCH_X86_64},      {"x64", MEMINTRO_ARCH_X86_64},
        {"X86_64_LA57", MEMINTRO_ARCH_X86_64_LA57}, {"5-level", MEMINTRO_ARCH_X86_64_LA57},
        {"ARM64", MEMINTRO_ARCH_AARCH64},      {"AArch64", MEMINTRO_ARCH_AARCH64},   {"None", MEMINTRO_ARCH_NONE},
    };
    static const char *const unknown[] = {"", "x86_65", "x86_6", "x86_644", "aarch", "arm", " x86", "x86 "};
    size_t i;
    for (i = 0; i < sizeof n / sizeof n[0]; i++) {
        CHECK(strcmp(memintro_arch_name(n[i].a), n[i].name) == 0, "arch_name(%d) = %s", (int)n[i].a, memintro_arch_name(n[i].a));
        CHECK(strcmp(memintro_arch_describe(n[i].a), n[i].desc) == 0, "arch_describe(%d) = %s", (int)n[i].a,
              memintro_arch_describe(n[i].a));
        CHECK(memintro_arch_parse(n[i].name) == n[i].a, "arch_parse(\"%s\")", n[i].name);
    }
    for (i = 0; i < sizeof alias / sizeof alias[0]; i++)
        CHECK(memintro_arch_parse(alias[i].s) == alias[i].a, "arch_parse(\"%s\") (alias, any case)", alias[i].s);
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK(memintro_arch_parse(unknown[i]) == (memintro_arch)-1, "arch_parse(\"%s\"): unknown", unknown[i]);
    CHECK(memintro_arch_parse(NULL) == (memintro_arch)-1, "arch_parse(NULL): unknown");
    CHECK(strcmp(memintro_arch_name((memintro_arch)42), "?") == 0 && strcmp(memintro_arch_describe((memintro_arch)42), "?") == 0,
          "names of an unknown mode: \"?\"");
}

/* ---- numbers ---- */

static void test_numbers(void)
{
    static const struct { const char *s; size_t used; uint64_t v; } u[] = {
        {"0", 1, 0},
        {"123", 3, 123},
        {"123abc", 3, 123},
        {"0x1F", 4, 0x1f},
        {"0X1f ", 4, 0x1f},
        {"0xdeadBEEF", 10, 0xdeadbeef},
        {"18446744073709551615", 20, UINT64_MAX},
        {"18446744073709551616", 0, 0},
        {"99999999999999999999", 0, 0},
        {"0xffffffffffffffff", 18, UINT64_MAX},
        {"0x00000000000000000001", 22, 1},
        {"0x10000000000000000", 0, 0},
        {"0x", 0, 0},
        {"0xg", 0, 0},
        {"", 0, 0},
        {"-1", 0, 0},
        {" 1", 0, 0},
        {"007", 3, 7},
    };
    static const struct { const char *s; size_t used; uint64_t v; } h[] = {
        {"ffff", 4, 0xffff},
        {"DeadBeef", 8, 0xdeadbeef},
        {"0x10", 1, 0},
        {"ffffffffffffffff", 16, UINT64_MAX},
        {"10000000000000000", 0, 0},
        {"0000000000000000000a", 20, 10},
        {"g", 0, 0},
        {"", 0, 0},
    };
    static const struct { const char *s; size_t used; uint64_t v; } z[] = {
        {"16", 2, 16},
        {"4k", 2, 4096},
        {"4K", 2, 4096},
        {"1M", 2, 1ull << 20},
        {"2g", 2, 2ull << 30},
        {"3T", 2, 3ull << 40},
        {"1KiB", 4, 1024},
        {"1kB", 3, 1024},
        {"5MB,", 3, 5ull << 20},
        {"1Ki", 2, 1024},
        {"0x10k", 5, 16384},
        {"1x", 1, 1},
        {"16777215T", 9, 16777215ull << 40},
        {"16777216T", 0, 0},
        {"18446744073709551615", 20, UINT64_MAX},
        {"18446744073709551615k", 0, 0},
        {"k", 0, 0},
        {"", 0, 0},
    };
    size_t i;
    uint64_t v;
    for (i = 0; i < sizeof u / sizeof u[0]; i++) {
        size_t k;
        v = 0x5555;
        k = memintro_parse_u64(u[i].s, strlen(u[i].s), &v);
        CHECK(k == u[i].used && (!k || v == u[i].v), "parse_u64(\"%s\") = %zu chars, 0x%llx", u[i].s, k, (unsigned long long)v);
    }
    for (i = 0; i < sizeof h / sizeof h[0]; i++) {
        size_t k;
        v = 0x5555;
        k = memintro_parse_hex(h[i].s, strlen(h[i].s), &v);
        CHECK(k == h[i].used && (!k || v == h[i].v), "parse_hex(\"%s\") = %zu chars, 0x%llx", h[i].s, k, (unsigned long long)v);
    }
    for (i = 0; i < sizeof z / sizeof z[0]; i++) {
        size_t k;
        v = 0x5555;
        k = memintro_parse_size(z[i].s, strlen(z[i].s), &v);
        CHECK(k == z[i].used && (!k || v == z[i].v), "parse_size(\"%s\") = %zu chars, 0x%llx", z[i].s, k, (unsigned long long)v);
    }
    CHECK(memintro_parse_u64("1234", 2, &v) == 2 && v == 12, "parse_u64 stops at n");
    CHECK(memintro_parse_u64("0x12", 3, &v) == 3 && v == 1, "parse_u64: 0x prefix then n");
    CHECK(memintro_parse_size("4k", 1, &v) == 1 && v == 4, "parse_size: the unit past n is not read");
    CHECK(memintro_parse_u64(NULL, 3, &v) == 0 && memintro_parse_hex(NULL, 3, &v) == 0 && memintro_parse_size(NULL, 3, &v) == 0,
          "parsers of NULL: 0");
}

int main(void)
{
    test_cpu_x86();
    test_cpu_a64();
    test_geometry();
    test_op_helpers();
    test_fallback();
    test_host();
    test_names();
    test_numbers();
    return check_done();
}
