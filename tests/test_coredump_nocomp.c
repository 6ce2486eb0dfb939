/* tests/test_coredump_nocomp.c: memintro_coredump.h built WITHOUT any compression library
   (no MEMINTRO_COREDUMP_ZLIB/_LZO/_SNAPPY/_ZSTD, no _DLOPEN), on SYNTHETIC kdump files of
   tests/tools/mkdump_gen.h: a page compressed with a missing library reads as
   MEMINTRO_E_UNSUPPORTED with a message naming it; plainly stored pages (and every zero
   page) still read; the other formats are unaffected. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

int main(void)
{
    static const struct {
        uint32_t comp;
        const char *name;
    } v[] = {{1, "zlib"}, {2, "lzo"}, {4, "snappy"}, {0x20, "zstd"}};
    mk_src all = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    size_t i;
    uint8_t page[4096], want[4096];
    for (i = 0; i < 4; i++) {
        uint64_t a;
        size_t r;
        unsigned unsupported = 0, plain_ok = 0, other = 0, named = 0;
        CHECK(!memintro_coredump_compression_available(v[i].comp), "%s: not available in this build", v[i].name);
        b.n = 0;
        mk_kdump(&b, &all, v[i].comp, 0);
        if (memintro_coredump_open_memory(&d, b.p, b.n, 0) != MEMINTRO_OK) {
            CHECK(0, "kdump %s opens without the library: %s", v[i].name, d.error);
            continue;
        }
        for (r = 0; r < all.n; r++)
            for (a = all.r[r].start; a < all.r[r].start + all.r[r].size; a += 4096) {
                memintro_status s = memintro_phys_read1(&d.phys, a, page, 4096);
                mkg_known_page(0, a, want);
                if (s == MEMINTRO_OK && !memcmp(page, want, 4096)) {
                    plain_ok++;
                } else if (s == MEMINTRO_E_UNSUPPORTED) {
                    unsupported++;
                    if (strstr(d.error, v[i].name) && strstr(d.error, "cannot decompress")) named++;
                } else {
                    other++;
                }
            }
        CHECK(unsupported > 100 && plain_ok > 100 && !other && named == unsupported,
              "kdump %s without the library: %u pages unsupported (message names %s), %u stored pages read, %u other",
              v[i].name, unsupported, v[i].name, plain_ok, other);
        {
            size_t k;
            int fact = 0;
            for (k = 0; k < d.fact_count; k++)
                if (!strcmp(d.fact_list[k].name, "compression") && strstr(d.fact_list[k].value, "not in this build"))
                    fact = 1;
            CHECK(fact, "kdump %s: the compression fact says it is not in this build", v[i].name);
        }
        printf("# %s\n", d.error);
        memintro_coredump_close(&d);
    }
    /* other formats are unaffected */
    b.n = 0;
    mk_windows(&b, &all, MKW_FDMP);
    if (memintro_coredump_open_memory(&d, b.p, b.n, 0) == MEMINTRO_OK) {
        mkg_known_page(0, 0x100000000ull, want);
        CHECK(memintro_phys_read1(&d.phys, 0x100000000ull, page, 4096) == MEMINTRO_OK && !memcmp(page, want, 4096),
              "a Windows dump reads without any compression library");
        memintro_coredump_close(&d);
    } else {
        CHECK(0, "windows opens: %s", d.error);
    }
    mkb_free(&b);
    return check_done();
}
