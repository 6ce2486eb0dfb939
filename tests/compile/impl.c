/* tests/compile/impl.c: the implementation and every public function referenced, in one
   translation unit; t_compile.sh builds it as C99 and as C++ with gcc and clang. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "refs.h"

MEMINTRO_TEST_DEFINE_REFS

int main(void)
{
    return memintro_test_smoke();
}
