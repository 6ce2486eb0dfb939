/* fuzz/fuzz_plugin_elf.c: libFuzzer harness of memintro_plugin.h's ELF check (the check
   every plugin candidate passes before dlopen). Each input is checked as it is, and again
   with its section headers cleared (e_shoff, e_shnum, e_shstrndx = 0), so the
   dynamic-segment path (PT_DYNAMIC, DT_HASH, DT_GNU_HASH) meets every input too. The
   reader aborts on any request outside the input; AddressSanitizer and
   UndefinedBehaviorSanitizer turn any other fault into a crash. A pass must come with a
   descriptor whose abi field, read from the input, is MEMINTRO_PLUGIN_ABI. Seeds: the
   plugins `make` builds (tests/t_plugin_fuzz.sh). */
#define MEMINTRO_PLUGIN_IMPLEMENTATION
#include "memintro_plugin.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_in {
    const uint8_t *data;
    size_t size;
} fuzz_in;

static memintro_status fuzz_read(void *user, uint64_t off, void *buf, size_t len)
{
    const fuzz_in *in = (const fuzz_in *)user;
    if (off > in->size || len > in->size - off) abort(); /* the checker must never ask */
    memcpy(buf, in->data + off, len);
    return MEMINTRO_OK;
}

static void fuzz_one(const uint8_t *data, size_t size)
{
    fuzz_in in;
    memintro_plugin_elf e;
    char why[256];
    memintro_status s;
    in.data = data;
    in.size = size;
    s = memintro_plugin_check_image(fuzz_read, &in, size, &e, why, sizeof why);
    if (s != MEMINTRO_OK && !why[0]) abort(); /* every refusal says why */
    if (s == MEMINTRO_OK &&
        (e.abi != MEMINTRO_PLUGIN_ABI || e.descriptor_offset > size || size - e.descriptor_offset < 8 ||
         memintro_get_u32(data + e.descriptor_offset) != MEMINTRO_PLUGIN_ABI))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t copy[1 << 22];
    fuzz_one(data, size);
    if (size >= 64 && size <= sizeof copy && data[4] == 2) { /* ELF64: no section headers */
        memcpy(copy, data, size);
        memset(copy + 40, 0, 8);
        memset(copy + 60, 0, 4);
        fuzz_one(copy, size);
    }
    return 0;
}
