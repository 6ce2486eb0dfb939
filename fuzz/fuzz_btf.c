/* fuzz/fuzz_btf.c: libFuzzer harness of memintro_linux.h's BTF reader. Each input is used
   twice: as a whole blob (header included), and as the body of a blob whose header the
   harness writes (the first 4 bytes say where the type section ends and the strings
   begin), so most inputs reach the type walk. A blob that initialises is then queried:
   every type's kind, name, resolution and size, member paths built from its own names
   (with array indexes), enumerators, and the Linux layer's whole offset resolution
   (memintro_linux_os_init). ASan and UBSan turn any read outside the input into a crash. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t index_mem[1 << 20];
static uint8_t page[4096];

static void query(const uint8_t *blob, size_t size)
{
    memintro_btf b;
    memintro_btf_member m;
    memintro_buffer buf;
    memintro_virt v;
    memintro_mmu_desc d;
    memintro_linux_os os;
    static uint8_t scratch[1 << 14];
    size_t need = memintro_btf_index_size(blob, size);
    uint32_t id, sz, off, n;
    int64_t val;
    char path[128];
    if (need > sizeof index_mem) return;
    if (memintro_btf_init(&b, blob, size, index_mem, sizeof index_mem) != MEMINTRO_OK) return;
    n = b.ntypes < 4000 ? b.ntypes : 4000;
    for (id = 0; id <= n + 1; id++) {
        const char *name = memintro_btf_name(&b, id);
        (void)memintro_btf_kind(&b, id);
        (void)memintro_btf_resolve(&b, id);
        (void)memintro_btf_type_size(&b, id, &sz);
        if (name && name[0] && strlen(name) < 40) {
            (void)memintro_btf_find(&b, name, MEMINTRO_BTF_ANY);
            (void)memintro_btf_find(&b, name, MEMINTRO_BTF_COMPOSITE);
            (void)memintro_btf_field(&b, id, name, &m);
            strcpy(path, name);
            strcat(path, "[1].");
            strcat(path, name);
            (void)memintro_btf_field(&b, 1 + id % (n + 1), path, &m);
            (void)memintro_btf_offset(&b, name, name, &off);
            (void)memintro_btf_size(&b, name, &sz);
            (void)memintro_btf_enum_value(&b, id & 1 ? name : NULL, name, &val);
        }
    }
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    memintro_buffer_init(&buf, page, sizeof page, NULL, 0);
    if (memintro_virt_init(&v, &buf.phys, &d, scratch, sizeof scratch) == MEMINTRO_OK)
        (void)memintro_linux_os_init(&os, &v, &b, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *blob;
    uint32_t tlen, slen, i;
    query(data, size);
    if (size < 4) return 0;
    blob = (uint8_t *)malloc(size + 24);
    if (!blob) return 0;
    tlen = (uint32_t)(data[0] | data[1] << 8) % (uint32_t)(size - 4 + 1);
    tlen &= ~3u;
    slen = (uint32_t)(size - 4 - tlen);
    memset(blob, 0, 24);
    blob[0] = 0x9f; blob[1] = 0xeb; blob[2] = 1; blob[4] = 24;
    for (i = 0; i < 4; i++) {
        blob[12 + i] = (uint8_t)(tlen >> (8 * i));
        blob[16 + i] = (uint8_t)(tlen >> (8 * i));
        blob[20 + i] = (uint8_t)(slen >> (8 * i));
    }
    memcpy(blob + 24, data + 4, size - 4);
    if (slen) { blob[24 + tlen] = 0; blob[24 + tlen + slen - 1] = 0; }
    query(blob, size + 20);
    free(blob);
    return 0;
}
