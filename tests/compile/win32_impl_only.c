/* tests/compile/win32_impl_only.c: just the implementations (memintro.h and memintro_win32.h). */
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
