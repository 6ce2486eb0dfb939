/* tests/compile/static_one.c: MEMINTRO_STATIC with the implementation, using one function
   only: the unused static functions must not trip -Wall -Werror. t_compile.sh links two
   such translation units (static_one.c and static_two.c) into one program. */
#define MEMINTRO_STATIC
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"

int memintro_test_other(void);

int main(void)
{
    return (memintro_status_str(MEMINTRO_OK)[0] == 'o' ? 0 : 1) + memintro_test_other();
}
