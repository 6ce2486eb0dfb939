/* tests/compile/decl.c: memintro.h without the implementation (declarations only),
   referencing every public function. Linked with impl_only.c, possibly compiled in the
   other language (C against C++), which checks declarations, definitions and linkage. */
#include "memintro.h"
#include "refs.h"

MEMINTRO_TEST_DEFINE_REFS

int main(void)
{
    return memintro_test_smoke();
}
