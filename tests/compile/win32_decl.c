/* tests/compile/win32_decl.c: memintro_win32.h without its implementation (declarations
   only), referencing every public function; linked with win32_impl_only.c, possibly
   compiled in the other language (C against C++). */
#include "memintro_win32.h"
#include "win32_refs.h"

MEMINTRO_WIN32_TEST_DEFINE_REFS

int main(void)
{
    return memintro_win32_test_smoke();
}
