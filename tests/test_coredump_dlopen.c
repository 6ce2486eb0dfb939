/* tests/test_coredump_dlopen.c: memintro_coredump.h with MEMINTRO_COREDUMP_DLOPEN only (no
   compression headers, no link flags for them): zlib, lzo, snappy and zstd are loaded at
   run time and a SYNTHETIC kdump that mixes all four (tests/tools/mkdump_gen.h) reads back
   exactly. (The generator itself links the libraries to compress.) */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_DLOPEN
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

int main(void)
{
    mk_src all = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    uint8_t page[4096], want[4096];
    uint32_t c;
    for (c = 1; c <= 0x20; c <<= 1) {
        if (c == 8 || c == 0x10) continue;
        CHECK(memintro_coredump_compression_available(c), "%s loads at run time",
              memintro_coredump_compression_name(c));
    }
    mk_kdump(&b, &all, 0, MKK_MIXED | MKK_FLAT);
    if (memintro_coredump_open_memory(&d, b.p, b.n, 0) == MEMINTRO_OK) {
        size_t r, bad = 0, n = 0;
        uint64_t a;
        for (r = 0; r < all.n; r++)
            for (a = all.r[r].start; a < all.r[r].start + all.r[r].size; a += 4096, n++) {
                mkg_known_page(0, a, want);
                if (memintro_phys_read1(&d.phys, a, page, 4096) != MEMINTRO_OK || memcmp(page, want, 4096)) bad++;
            }
        CHECK(!bad, "mixed zlib/lzo/snappy/zstd kdump: %zu pages read through dlopen'ed libraries (%zu bad)", n, bad);
        memintro_coredump_close(&d);
    } else {
        CHECK(0, "mixed kdump opens: %s", d.error);
    }
    mkb_free(&b);
    return check_done();
}
