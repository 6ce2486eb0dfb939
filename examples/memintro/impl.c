/* memintro CLI: the implementations of the headers it uses, in this one translation unit
   (memintro_target.h brings memintro.h's, memintro_qemu.h's and memintro_coredump.h's; kdump
   compression libraries are loaded at run time; memintro_win32.h after it, so that
   memintro_win32_hints_from_target is there). */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
