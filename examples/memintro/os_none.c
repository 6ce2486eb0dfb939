/* memintro CLI: the "none" OS layer (no operating system known: memory commands only),
   and the list of OS layers. */
#include "os.h"

static int cli_none_detect(cli_ctx *c, memintro_virt *v)
{
    (void)c;
    (void)v;
    return 1;
}

static const cli_os cli_os_none = {"none", "no operating system: guest memory only", cli_none_detect, 0, 0, 0};

/* Further layers go before "none", each defined in its own os_NAME.c. */
const cli_os *const cli_os_layers[] = {&cli_os_none};
const size_t cli_os_count = sizeof cli_os_layers / sizeof cli_os_layers[0];

const cli_os *cli_os_get(cli_ctx *c)
{
    static const cli_os *found;
    size_t i;
    if (found) return found;
    for (i = 0; i < cli_os_count && !found; i++)
        if (cli_os_layers[i]->detect(c, c->virt_ready ? &c->v : 0)) found = cli_os_layers[i];
    return found;
}

void cli_os_info(cli_ctx *c, cli_out *o)
{
    const cli_os *os = cli_os_get(c);
    if (os && os->info) os->info(c, o);
}
