/* fuzz/fuzz_windows.c: libFuzzer harness for the Windows crash dump parser (32- and 64-bit
   headers, full and bitmap dumps), in memintro_coredump.h. The body is fuzz/fuzz_common.h;
   mk/coredump.mk builds it with clang -fsanitize=fuzzer,address,undefined,
   tests/t_coredump_fuzz.sh runs it. */
#define FUZZ_FORMAT MEMINTRO_COREDUMP_WINDOWS
#include "fuzz_common.h"
