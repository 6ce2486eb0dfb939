/* tests/freestanding/fs_main.c: a static program without a C library. Its own _start
   builds a tiny x86-64 guest image (synthetic: hand-built page tables), translates and
   reads through memintro, and exits with the result through a raw exit system call:
   0 when every check passed, else the number of the first failed check. It provides
   the four functions a compiler may call (memcpy, memset, memmove, memcmp). */
#include "memintro.h"

/* volatile keeps the compiler from turning these loops back into calls to themselves */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
    volatile unsigned char *dp = (volatile unsigned char *)d;
    const volatile unsigned char *sp = (const volatile unsigned char *)s;
    while (n--) *dp++ = *sp++;
    return d;
}
void *memset(void *d, int c, size_t n)
{
    volatile unsigned char *dp = (volatile unsigned char *)d;
    while (n--) *dp++ = (unsigned char)c;
    return d;
}
void *memmove(void *d, const void *s, size_t n)
{
    volatile unsigned char *dp = (volatile unsigned char *)d;
    const volatile unsigned char *sp = (const volatile unsigned char *)s;
    if (dp < sp) {
        while (n--) *dp++ = *sp++;
    } else {
        dp += n;
        sp += n;
        while (n--) *--dp = *--sp;
    }
    return d;
}
int memcmp(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = (const volatile unsigned char *)a, *y = (const volatile unsigned char *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

static unsigned char img[1 << 20];
static unsigned char scratch[16384];
static memintro_tlb_entry tlb_mem[64];

static void put64(uint64_t pa, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++) img[pa + i] = (unsigned char)(v >> (8 * i));
}

int fs_main(void);
int fs_main(void)
{
    memintro_buffer b;
    memintro_virt v;
    memintro_mmu_desc d;
    memintro_tlb tlb;
    memintro_xlate x[3];
    unsigned char out[16];
    int i;
    /* PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; va 0x7000 -> frame 0x9000;
       va 0x400000.. is a 2M page at 0x0; va 0x8000 is not mapped */
    put64(0x1000, 0x2000 | 7);
    put64(0x2000, 0x3000 | 7);
    put64(0x3000, 0x4000 | 7);
    put64(0x3000 + 2 * 8, 0x0 | 0x83);
    put64(0x4000 + 7 * 8, 0x9000 | 3 | (1ull << 63));
    for (i = 0; i < 16; i++) img[0x9ff8 + i] = (unsigned char)(0xa0 + i);
    if (memintro_buffer_init(&b, img, sizeof img, 0, 0) != MEMINTRO_OK) return 1;
    memset(&d, 0, sizeof d);
    d.arch = MEMINTRO_ARCH_X86_64;
    d.dtb = 0x1000;
    if (memintro_virt_init(&v, &b.phys, &d, scratch, sizeof scratch) != MEMINTRO_OK) return 2;
    memintro_tlb_init(&tlb, tlb_mem, 64);
    memintro_virt_set_tlb(&v, &tlb);
    x[0].va = 0x7ff8;
    x[1].va = 0x412345;
    x[2].va = 0x8000;
    memintro_translate(&v, x, 3);
    if (x[0].status != MEMINTRO_OK || x[0].pa != 0x9ff8 || x[0].flags != (MEMINTRO_PAGE_WRITABLE | MEMINTRO_PAGE_NX))
        return 3;
    if (x[1].status != MEMINTRO_OK || x[1].pa != 0x12345 || x[1].page_size != 0x200000) return 4;
    if (x[2].status != MEMINTRO_E_UNMAPPED || x[2].level != 1) return 5;
    /* 8 bytes from the mapped page, then 8 from the unmapped one: partial, zero filled */
    memset(out, 0xff, sizeof out);
    if (memintro_virt_read1(&v, 0x7ff8, out, 16) != MEMINTRO_E_UNMAPPED) return 6;
    for (i = 0; i < 8; i++)
        if (out[i] != 0xa0 + i || out[8 + i] != 0) return 7;
    if (memintro_get_u64(out) != 0xa7a6a5a4a3a2a1a0ull) return 8;
    return 0;
}

#if defined(__x86_64__)
__asm__(".text\n.globl _start\n_start:\n"
        "  xor %rbp, %rbp\n"
        "  and $-16, %rsp\n"
        "  call fs_main\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n" /* exit */
        "  syscall\n"
        "  hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.globl _start\n_start:\n"
        "  mov x29, #0\n"
        "  bl fs_main\n"
        "  mov x8, #93\n" /* exit */
        "  svc #0\n");
#else
#error "tests/freestanding: no _start for this architecture"
#endif
