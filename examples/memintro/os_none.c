/* memintro CLI: the "none" OS layer (no operating system known: memory commands only).
   memintro_os.h's "none" layer is always found; it has no commands and no processes. */
#include "os.h"

const cli_os cli_os_none = {"none", "no operating system: guest memory only", 0, 0, 0, 0};
