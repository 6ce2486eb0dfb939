/* tests/test_example.c: compiles the EXAMPLE of memintro.h's manual, verbatim, inside a
   function and runs it over a small synthetic x86-64 image whose hand-built page tables
   map 0xffffffff81000000. The build extracts the example text from memintro.h into
   example_snippet.inc (see mk/core.mk), so the manual cannot drift from what compiles. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "check.h"
#include "testimg.h"
#include <string.h>

/* The example expects `image`, `image_size` and `cr3`, and returns 1 on failure. */
static int run_example(unsigned char *image, size_t image_size, uint64_t cr3, uint64_t *out)
{
#include "example_snippet.inc"
    *out = value;
    return 0;
}

static uint8_t mem[4 << 20];

int main(void)
{
    timg t;
    uint64_t pml4, pdpt, pd, pt, value = 0;
    const uint64_t va = 0xffffffff81000000ull, frame = 0x2a000;
    timg_init(&t, mem, sizeof mem, 0x100000);
    pml4 = timg_alloc(&t, 4096, 4096);
    pdpt = timg_alloc(&t, 4096, 4096);
    pd = timg_alloc(&t, 4096, 4096);
    pt = timg_alloc(&t, 4096, 4096);
    /* va 0xffffffff81000000: PML4 511, PDPT 510, PD 8, PT 0 */
    CHECK(((va >> 39) & 511) == 511 && ((va >> 30) & 511) == 510 && ((va >> 21) & 511) == 8 && ((va >> 12) & 511) == 0,
          "the example's address decomposes as expected");
    timg_put64(&t, pml4 + 511 * 8, pdpt | 3);
    timg_put64(&t, pdpt + 510 * 8, pd | 3);
    timg_put64(&t, pd + 8 * 8, pt | 3);
    timg_put64(&t, pt + 0 * 8, frame | 3);
    timg_put64(&t, frame, 0x1122334455667788ull);
    CHECK(run_example(mem, sizeof mem, pml4, &value) == 0, "the manual's example runs");
    CHECK(value == 0x1122334455667788ull, "the manual's example reads the value at 0xffffffff81000000 (0x%llx)",
          (unsigned long long)value);
    timg_put64(&t, pd + 8 * 8, 0);
    CHECK(run_example(mem, sizeof mem, pml4, &value) == 1, "the example reports an unmapped address");
    return check_done();
}
