/* memintro_linux.h - Linux guests from memory alone: kernel, symbols, types, tasks.

   (manual: to be completed by the implementation)

   FREESTANDING like memintro.h: includes only memintro.h (<stddef.h>, <stdint.h>), never
   allocates: the caller gives the memory for the symbol table and the types. Guest memory
   is hostile input: every walk is bounded and cycle-safe, every length clamped.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_LINUX_IMPLEMENTATION
         #include "memintro_linux.h"

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_LINUX_H
#define MEMINTRO_LINUX_H

#include "memintro.h"

#define MEMINTRO_LINUX_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_LINUX_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types from BTF ------------------------------------------------------------------- */


/* ---- Kernel discovery, kallsyms, symbols ----------------------------------------------- */


/* ---- Tasks, memory maps, modules, kernel log -------------------------------------------- */


#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_LINUX_H */

/* ======================================================================================= */
#ifdef MEMINTRO_LINUX_IMPLEMENTATION
#ifndef MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED
#define MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED

/* ---- implementation: BTF ---------------------------------------------------------------- */


/* ---- implementation: kernel discovery, kallsyms, symbols -------------------------------- */


/* ---- implementation: tasks, memory maps, modules, kernel log ---------------------------- */


#endif /* MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_LINUX_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 The memintro authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
*/
