/* fuzz/fuzz_detect.c: libFuzzer harness for format detection: every parser, chosen by the
   input's own signature, in memintro_coredump.h. The body is fuzz/fuzz_common.h;
   mk/coredump.mk builds it with clang -fsanitize=fuzzer,address,undefined,
   tests/t_coredump_fuzz.sh runs it. */
#define FUZZ_FORMAT MEMINTRO_COREDUMP_DETECT
#include "fuzz_common.h"
