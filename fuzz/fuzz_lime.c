/* fuzz/fuzz_lime.c: libFuzzer harness for the LiME parser, in memintro_coredump.h. The body is
   fuzz/fuzz_common.h; mk/coredump.mk builds it with clang -fsanitize=fuzzer,address,undefined,
   tests/t_coredump_fuzz.sh runs it. */
#define FUZZ_FORMAT MEMINTRO_COREDUMP_LIME
#include "fuzz_common.h"
