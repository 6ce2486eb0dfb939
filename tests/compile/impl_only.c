/* tests/compile/impl_only.c: just the implementation. */
#define MEMINTRO_IMPLEMENTATION
#include "memintro.h"
