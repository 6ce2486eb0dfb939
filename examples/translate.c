/* translate.c - guest-virtual to guest-physical with memintro_virt_* over a raw image.

   The smallest complete use of the core: load a raw guest-physical image into a buffer
   backend, describe x86-64 4-level paging by its CR3, translate every address in ONE batch
   (memintro_translate walks them level by level together), then read 16 bytes at the
   first address through the page tables (memintro_virt_read1).

   usage: build/translate IMAGE CR3 VADDR...
     e.g. build/translate build/sample/x86_64.img 0x1000 0xffffffff81000100 0x403000 */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    static unsigned char scratch[64 * 1024];
    memintro_buffer img;
    memintro_virt v;
    memintro_mmu_desc d;
    memintro_xlate x[64];
    unsigned char bytes[17] = {0};
    void *data;
    long size;
    int i, n = argc - 3 > 64 ? 64 : argc - 3;
    FILE *f = argc > 3 ? fopen(argv[1], "rb") : NULL;
    if (!f) return fprintf(stderr, "usage: translate IMAGE CR3 VADDR... (image must exist)\n"), 2;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    data = malloc(size > 0 ? (size_t)size : 1);
    if (!data || size <= 0 || fread(data, 1, (size_t)size, f) != (size_t)size) return fprintf(stderr, "cannot read image\n"), 1;
    fclose(f);
    memintro_buffer_init(&img, data, (uint64_t)size, NULL, 0); /* guest-physical N = file byte N */
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = strtoull(argv[2], NULL, 0);
    if (memintro_virt_init(&v, &img.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK)
        return fprintf(stderr, "bad CR3: %s\n", memintro_mmu_check(&d)), 1;
    memset(x, 0, sizeof x);
    for (i = 0; i < n; i++) x[i].va = strtoull(argv[3 + i], NULL, 0);
    memintro_translate(&v, x, (size_t)n);
    for (i = 0; i < n; i++)
        if (x[i].status == MEMINTRO_OK)
            printf("0x%llx -> 0x%llx (page of %llu bytes)\n", (unsigned long long)x[i].va,
                   (unsigned long long)x[i].pa, (unsigned long long)x[i].page_size);
        else
            printf("0x%llx -> %s (level %u)\n", (unsigned long long)x[i].va, memintro_status_str(x[i].status),
                   x[i].level);
    if (memintro_virt_read1(&v, x[0].va, bytes, 16) == MEMINTRO_OK) {
        for (i = 0; i < 16; i++) bytes[i] = bytes[i] >= 0x20 && bytes[i] < 0x7f ? bytes[i] : '.';
        printf("16 bytes at 0x%llx: %s\n", (unsigned long long)x[0].va, (char *)bytes);
    }
    free(data);
    return 0;
}
