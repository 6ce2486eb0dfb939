/* fuzz/fuzz_elf.c: libFuzzer harness for the ELF core parser (QEMU dump-guest-memory layouts,
   PN_XNUM, notes), in memintro_coredump.h. The body is fuzz/fuzz_common.h; mk/coredump.mk
   builds it with clang -fsanitize=fuzzer,address,undefined, tests/t_coredump_fuzz.sh runs it. */
#define FUZZ_FORMAT MEMINTRO_COREDUMP_ELF
#include "fuzz_common.h"
