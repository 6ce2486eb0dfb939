/* memintro CLI: the implementations of the headers it uses, in this one translation unit
   (memintro_target.h brings memintro.h's, memintro_qemu.h's and memintro_coredump.h's; kdump
   compression libraries are loaded at run time; memintro_win32.h and memintro_linux.h after
   it, so that their hints_from_target functions are there). */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#define MEMINTRO_OS_IMPLEMENTATION
#define MEMINTRO_OS_NO_DEPS
#include "memintro_os.h"
