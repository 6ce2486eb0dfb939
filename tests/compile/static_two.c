/* tests/compile/static_two.c: a second MEMINTRO_STATIC implementation in the same program
   (no duplicate symbols), referencing every function. */
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "refs.h"

MEMINTRO_TEST_DEFINE_REFS

int memintro_test_other(void);
int memintro_test_other(void)
{
    return memintro_test_smoke();
}
