/* tests/freestanding/fs_impl.c: the implementation alone, compiled by t_freestanding.sh
   with -ffreestanding -fno-builtin -nostdlib; `nm -u` on its object may list memcpy,
   memset, memmove and memcmp and nothing else. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
