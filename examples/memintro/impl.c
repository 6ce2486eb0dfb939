/* memintro CLI: the implementations of the headers it uses, in this one translation unit. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memintro_qemu.h's implementation needs the GNU feature set */
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_DLOPEN /* compressed kdump pages: zlib, lzo, snappy, zstd loaded at run time */
#include "memintro_qemu.h"
#include "memintro_coredump.h"
