/* tests/freestanding/fs_linux.c: memintro.h's and memintro_linux.h's implementations,
   compiled by t_freestanding.sh with -ffreestanding -fno-builtin -nostdlib; `nm -u` on its
   object may list memcpy, memset, memmove and memcmp and nothing else. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
