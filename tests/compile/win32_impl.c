/* tests/compile/win32_impl.c: memintro.h's and memintro_win32.h's implementations and every
   public function of memintro_win32.h referenced, in one translation unit; built by
   t_win32_compile.sh as C99 and C++ with gcc and clang (also with -DMEMINTRO_STATIC). */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
#include "win32_refs.h"

MEMINTRO_WIN32_TEST_DEFINE_REFS

int main(void)
{
    return memintro_win32_test_smoke();
}
