/* tests/compile/twice.c: the header included several times, before and after the
   implementation macro; the include guards keep one copy of everything. */
#include "memintro.h"
#include "memintro.h"
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
#include "memintro.h"
#include "refs.h"

MEMINTRO_TEST_DEFINE_REFS

int main(void)
{
    return memintro_test_smoke();
}
