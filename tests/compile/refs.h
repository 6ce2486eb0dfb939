/* tests/compile/refs.h: the address of every public function of memintro.h, in a table
   with external linkage, so that a declared function without an implementation fails at
   link time. t_compile.sh checks that every MEMINTRO_API function of the header is here. */
#ifndef MEMINTRO_TEST_REFS_H
#define MEMINTRO_TEST_REFS_H
typedef void (*memintro_test_fn)(void);
#define MEMINTRO_TEST_REF(f) (memintro_test_fn)(f)
#ifdef __cplusplus
extern "C" {
#endif
extern const memintro_test_fn memintro_test_refs[];
extern const unsigned memintro_test_nrefs;
#ifdef __cplusplus
}
#endif
#define MEMINTRO_TEST_DEFINE_REFS                                                                   \
    const memintro_test_fn memintro_test_refs[] = {                                                 \
        MEMINTRO_TEST_REF(memintro_status_str),        MEMINTRO_TEST_REF(memintro_get_u16),          \
        MEMINTRO_TEST_REF(memintro_get_u32),           MEMINTRO_TEST_REF(memintro_get_u64),          \
        MEMINTRO_TEST_REF(memintro_phys_read),         MEMINTRO_TEST_REF(memintro_phys_write),       \
        MEMINTRO_TEST_REF(memintro_phys_read1),        MEMINTRO_TEST_REF(memintro_memmap_init),      \
        MEMINTRO_TEST_REF(memintro_memmap_add),        MEMINTRO_TEST_REF(memintro_memmap_lookup),    \
        MEMINTRO_TEST_REF(memintro_memmap_find),       MEMINTRO_TEST_REF(memintro_buffer_init),      \
        MEMINTRO_TEST_REF(memintro_tlb_init),          MEMINTRO_TEST_REF(memintro_tlb_flush),        \
        MEMINTRO_TEST_REF(memintro_mmu_check),         MEMINTRO_TEST_REF(memintro_virt_scratch_size),\
        MEMINTRO_TEST_REF(memintro_virt_init),         MEMINTRO_TEST_REF(memintro_virt_set_dtb),     \
        MEMINTRO_TEST_REF(memintro_virt_set_tlb),      MEMINTRO_TEST_REF(memintro_translate),        \
        MEMINTRO_TEST_REF(memintro_virt_read),         MEMINTRO_TEST_REF(memintro_virt_write),       \
        MEMINTRO_TEST_REF(memintro_virt_read1),        MEMINTRO_TEST_REF(memintro_cache_mem_size),   \
        MEMINTRO_TEST_REF(memintro_cache_init),        MEMINTRO_TEST_REF(memintro_cache_set_clock),  \
        MEMINTRO_TEST_REF(memintro_cache_invalidate),  MEMINTRO_TEST_REF(memintro_scan_phys),        \
        MEMINTRO_TEST_REF(memintro_scan_virt),         MEMINTRO_TEST_REF(memintro_phys_direct),      \
        MEMINTRO_TEST_REF(memintro_ops_begin),         MEMINTRO_TEST_REF(memintro_op_fail),          \
        MEMINTRO_TEST_REF(memintro_ops_fail),          MEMINTRO_TEST_REF(memintro_ops_status),       \
        MEMINTRO_TEST_REF(memintro_buffer_init_host),  MEMINTRO_TEST_REF(memintro_buffer_set_fallback),\
        MEMINTRO_TEST_REF(memintro_cpu_mmu),           MEMINTRO_TEST_REF(memintro_mmu_geometry),     \
        MEMINTRO_TEST_REF(memintro_mmu_root),          MEMINTRO_TEST_REF(memintro_arch_name),        \
        MEMINTRO_TEST_REF(memintro_arch_describe),     MEMINTRO_TEST_REF(memintro_arch_parse),       \
        MEMINTRO_TEST_REF(memintro_parse_u64),         MEMINTRO_TEST_REF(memintro_parse_hex),        \
        MEMINTRO_TEST_REF(memintro_parse_size),                                                      \
    };                                                                                              \
    const unsigned memintro_test_nrefs = sizeof memintro_test_refs / sizeof memintro_test_refs[0];

/* A few real calls, so the test also runs something. Returns 0 when they behave. */
static int memintro_test_smoke(void)
{
    static unsigned char img[8192];
    static unsigned char scratch[8192];
    memintro_buffer b;
    memintro_virt v;
    memintro_mmu_desc d;
    unsigned char out[4];
    unsigned i;
    for (i = 0; i < memintro_test_nrefs; i++)
        if (!memintro_test_refs[i]) return 1;
    d.arch = MEMINTRO_ARCH_X86;
    d.flags = 0;
    d.dtb = 0;
    d.dtb_upper = 0;
    d.granule = 0;
    d.va_bits = 0;
    d.pa_bits = 0;
    d.reserved = 0;
    img[0] = 0x03; /* x86 PDE 0 -> page table at 0 (the same page); PTE 0 -> frame 0 */
    img[0x100] = 0x42;
    img[0x101] = 0x43;
    if (memintro_buffer_init(&b, img, sizeof img, 0, 0) != MEMINTRO_OK) return 2;
    if (memintro_virt_init(&v, &b.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK) return 3;
    /* va 0x100: PDE 0 -> PT at 0, PTE 0 = 0x03 -> frame 0 */
    if (memintro_virt_read1(&v, 0x100, out, 2) != MEMINTRO_OK || out[0] != 0x42 || out[1] != 0x43) return 4;
    if (memintro_get_u16(out) != 0x4342) return 5;
    return memintro_status_str(MEMINTRO_OK)[0] == 'o' ? 0 : 6;
}
#endif
