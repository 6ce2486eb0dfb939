/* fuzz/fuzz_kdump.c: libFuzzer harness for the kdump-compressed parser, seekable and flattened
   (the seed corpus has both), in memintro_coredump.h. The body is fuzz/fuzz_common.h;
   mk/coredump.mk builds it with clang -fsanitize=fuzzer,address,undefined,
   tests/t_coredump_fuzz.sh runs it. */
#define FUZZ_FORMAT MEMINTRO_COREDUMP_KDUMP
#include "fuzz_common.h"
