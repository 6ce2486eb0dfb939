/* memintro CLI: the implementations of the headers it uses, in this one translation unit
   (memintro_target.h brings memintro.h's, memintro_qemu.h's and memintro_coredump.h's; kdump
   compression libraries are loaded at run time). */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
