/* memintro CLI: the implementations of the headers it uses, in this one translation unit
   (memintro_os.h brings memintro_target.h's - and through it memintro.h's, memintro_qemu.h's
   and memintro_coredump.h's; kdump compression libraries are loaded at run time -,
   memintro_win32.h's and memintro_linux.h's). */
#define MEMINTRO_OS_IMPLEMENTATION
#include "memintro_os.h"
