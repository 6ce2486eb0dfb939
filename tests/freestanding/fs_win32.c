/* tests/freestanding/fs_win32.c: memintro.h's and memintro_win32.h's implementations,
   compiled by t_freestanding.sh with -ffreestanding -fno-builtin -nostdlib; `nm -u` on its
   object may list memcpy, memset, memmove and memcmp and nothing else. */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
