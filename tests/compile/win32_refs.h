/* tests/compile/win32_refs.h: the address of every public function of memintro_win32.h
   (memintro_win32_hints_from_target when memintro_target.h came first), in a table with
   external linkage, so that a declared function without an implementation fails at link
   time; t_win32_compile.sh checks that every MEMINTRO_API function of the header is here.
   memintro_win32_test_smoke() runs a few of them on a synthetic empty image. */
#ifndef MEMINTRO_WIN32_TEST_REFS_H
#define MEMINTRO_WIN32_TEST_REFS_H
typedef void (*memintro_win32_test_fn)(void);
#define MEMINTRO_WIN32_TEST_REF(f) (memintro_win32_test_fn)(f)
#ifdef __cplusplus
extern "C" {
#endif
extern const memintro_win32_test_fn memintro_win32_test_refs[];
extern const unsigned memintro_win32_test_nrefs;
#ifdef __cplusplus
}
#endif
#ifdef MEMINTRO_TARGET_H
#define MEMINTRO_WIN32_TEST_TARGET_REF MEMINTRO_WIN32_TEST_REF(memintro_win32_hints_from_target),
#else
#define MEMINTRO_WIN32_TEST_TARGET_REF
#endif
#define MEMINTRO_WIN32_TEST_DEFINE_REFS                                                                         \
    const memintro_win32_test_fn memintro_win32_test_refs[] = {                                                 \
        MEMINTRO_WIN32_TEST_REF(memintro_win32_mem_size),      MEMINTRO_WIN32_TEST_REF(memintro_win32_init),      \
        MEMINTRO_WIN32_TEST_REF(memintro_win32_why),           MEMINTRO_WIN32_TEST_REF(memintro_win32_source_name),\
        MEMINTRO_WIN32_TEST_REF(memintro_win32_offsets_find),  MEMINTRO_WIN32_TEST_REF(memintro_win32_processes), \
        MEMINTRO_WIN32_TEST_REF(memintro_win32_process_find),  MEMINTRO_WIN32_TEST_REF(memintro_win32_process_virt),\
        MEMINTRO_WIN32_TEST_REF(memintro_win32_modules),       MEMINTRO_WIN32_TEST_REF(memintro_pe_open),         \
        MEMINTRO_WIN32_TEST_REF(memintro_win32_modules_many_size),                                               \
        MEMINTRO_WIN32_TEST_REF(memintro_win32_modules_many),                                                    \
        MEMINTRO_WIN32_TEST_REF(memintro_pe_open_file),        MEMINTRO_WIN32_TEST_REF(memintro_pe_section),      \
        MEMINTRO_WIN32_TEST_REF(memintro_pe_exports),          MEMINTRO_WIN32_TEST_REF(memintro_pe_export_find),  \
        MEMINTRO_WIN32_TEST_REF(memintro_pe_imports),          MEMINTRO_WIN32_TEST_TARGET_REF                     \
    };                                                                                                          \
    const unsigned memintro_win32_test_nrefs = sizeof memintro_win32_test_refs / sizeof memintro_win32_test_refs[0];

/* synthetic: 2 MiB of zeros has no Windows kernel */
static int memintro_win32_test_smoke(void)
{
    static unsigned char image[2u << 20];
    static unsigned char mem[512 * 1024];
    static memintro_win32 w;
    memintro_buffer b;
    unsigned i;
    for (i = 0; i < memintro_win32_test_nrefs; i++)
        if (!memintro_win32_test_refs[i]) return 1;
    if (memintro_win32_mem_size(0) > sizeof mem) return 2;
    if (memintro_buffer_init(&b, image, sizeof image, 0, 0) != MEMINTRO_OK) return 3;
    if (memintro_win32_init(&w, &b.phys, 0, 0, mem, sizeof mem) != MEMINTRO_E_NOTFOUND) return 4;
    if (!memintro_win32_why(&w)[0]) return 5;
    if (!memintro_win32_offsets_find(19045, 1) || memintro_win32_offsets_find(1, 1)) return 6;
    if (memintro_win32_source_name(MEMINTRO_WIN32_SRC_LOCATOR)[0] != 'l') return 7;
    if (memintro_win32_processes(&w, 0, 0) != MEMINTRO_E_INVALID) return 8;
    return 0;
}
#endif
