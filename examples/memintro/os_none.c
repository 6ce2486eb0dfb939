/* memintro CLI: the "none" OS layer (no operating system known: memory commands only). */
#include "os.h"

static int cli_none_detect(cli_ctx *c, char *why, size_t len)
{
    (void)c;
    (void)why;
    (void)len;
    return CLI_OS_FOUND;
}

const cli_os cli_os_none = {"none", "no operating system: guest memory only", cli_none_detect, 0, 0, 0, 0, 0};
