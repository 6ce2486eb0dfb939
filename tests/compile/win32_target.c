/* tests/compile/win32_target.c: memintro_target.h included BEFORE memintro_win32.h, so
   memintro_win32_hints_from_target is declared and implemented (and referenced); run, it
   takes hints from a zeroed target. memintro_target.h's own implementation is not needed
   (the function reads the target's fields only). */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_target.h"
#include "memintro_win32.h"
#include "win32_refs.h"

#include <string.h>

MEMINTRO_WIN32_TEST_DEFINE_REFS

int main(void)
{
    memintro_target t;
    memintro_win32_hints h;
    memset(&t, 0, sizeof t);
    memintro_win32_hints_from_target(&t, &h);
    if (h.dtb || h.arch != MEMINTRO_ARCH_NONE) return 10;
    return memintro_win32_test_smoke();
}
