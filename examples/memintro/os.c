/* memintro CLI: the OS layers' framework (os.h): the list of layers, --os, detection once
   per run, the active layer, and the dispatcher of the layers' commands. */
#include "os.h"

/* Further layers go before "none", each defined in its own os_NAME.c. */
const cli_os *const cli_os_layers[] = {&cli_os_win32, &cli_os_linux, &cli_os_none};
const size_t cli_os_count = sizeof cli_os_layers / sizeof cli_os_layers[0];

typedef char cli_os_fits[sizeof cli_os_layers / sizeof cli_os_layers[0] <= CLI_OS_MAX ? 1 : -1];

static size_t cli_os_index(const cli_os *os)
{
    size_t i;
    for (i = 0; i < cli_os_count; i++)
        if (cli_os_layers[i] == os) return i;
    return 0;
}

int cli_os_parse(const char *name, const cli_os **out)
{
    size_t i;
    char known[128] = "auto";
    *out = 0;
    if (!strcmp(name, "auto")) return CLI_OK;
    for (i = 0; i < cli_os_count; i++) {
        if (!strcmp(cli_os_layers[i]->name, name)) {
            *out = cli_os_layers[i];
            return CLI_OK;
        }
        strncat(known, i + 1 < cli_os_count ? ", " : " or ", sizeof known - strlen(known) - 1);
        strncat(known, cli_os_layers[i]->name, sizeof known - strlen(known) - 1);
    }
    return cli_error(CLI_USAGE, "unknown --os '%s' (choose %s)", name, known);
}

/* Runs layer i's detection once. Returns its CLI_OS_* result. */
static int cli_os_try(cli_ctx *c, size_t i)
{
    if (!c->os_tried[i]) {
        int r;
        c->os_why[i][0] = 0;
        r = cli_os_layers[i]->detect(c, c->os_why[i], sizeof c->os_why[i]);
        if (r != CLI_OS_FOUND && !c->os_why[i][0]) snprintf(c->os_why[i], sizeof c->os_why[i], "not found");
        c->os_tried[i] = 1 + r + 1; /* 1: failed, 2: absent, 3: found */
    }
    return c->os_tried[i] - 2;
}

/* "win32: REASON; linux: REASON" for the layers tried and not found. */
static const char *cli_os_reasons(cli_ctx *c, char *buf, size_t len)
{
    size_t i, n = 0;
    buf[0] = 0;
    for (i = 0; i < cli_os_count && n + 1 < len; i++) {
        if (c->os_tried[i] != 1 + CLI_OS_ABSENT + 1 && c->os_tried[i] != 1 + CLI_OS_FAILED + 1) continue;
        n += (size_t)snprintf(buf + n, len - n, "%s%s: %s", n ? "; " : "", cli_os_layers[i]->name, c->os_why[i]);
    }
    return buf;
}

int cli_os_active(cli_ctx *c, const char *cmd, const cli_os **out)
{
    cli_target *t;
    size_t i;
    int rc, r;
    if (c->os_active) {
        *out = c->os_active;
        return CLI_OK;
    }
    if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    if (c->o.os) {
        i = cli_os_index(c->o.os);
        r = cli_os_try(c, i);
        if (r != CLI_OS_FOUND)
            return cli_error(CLI_FAIL, "%s: --os %s: %s", cmd, c->o.os->name, c->os_why[i]);
        c->os_active = c->o.os;
    } else {
        for (i = 0; i < cli_os_count && !c->os_active; i++) {
            r = cli_os_try(c, i);
            if (r == CLI_OS_FAILED) /* the target failed: nothing further could be read */
                return cli_error(CLI_FAIL, "%s: %s: %s", cmd, cli_os_layers[i]->name, c->os_why[i]);
            if (r == CLI_OS_FOUND) c->os_active = cli_os_layers[i];
        }
    }
    *out = c->os_active;
    return CLI_OK;
}

int cli_os_require(cli_ctx *c, const char *cmd, const cli_os *os)
{
    const cli_os *a;
    char why[1024];
    int rc;
    if (c->os_parse_only) return CLI_OS_PARSED;
    rc = cli_os_active(c, cmd, &a);
    if (rc != CLI_OK) return rc;
    if (a == os) return CLI_OK;
    if (a == &cli_os_none)
        return cli_error(CLI_FAIL, "%s: no guest OS found (%s)", cmd, cli_os_reasons(c, why, sizeof why));
    return cli_error(CLI_FAIL, "%s: the guest OS found is %s, which has no %s command", cmd, a->name, cmd);
}

int cli_os_process_virt(cli_ctx *c, const char *cmd, uint64_t pid, memintro_virt **out)
{
    const cli_os *a;
    char why[1024];
    int rc = cli_os_active(c, cmd, &a);
    if (rc != CLI_OK) return rc;
    if (a->process_virt) return a->process_virt(c, cmd, pid, out);
    if (a == &cli_os_none && !c->o.os)
        return cli_error(CLI_FAIL, "%s --pid: no guest OS found (%s)", cmd, cli_os_reasons(c, why, sizeof why));
    return cli_error(CLI_USAGE, "%s --pid: the %s OS layer knows no processes", cmd, a->name);
}

int cli_os_dispatch(cli_ctx *c, const char *name, int argc, char **argv)
{
    const cli_command *hit[CLI_OS_MAX];
    const cli_os *hitos[CLI_OS_MAX], *a;
    size_t i, k, n = 0;
    int rc;
    for (i = 0; i < cli_os_count; i++)
        for (k = 0; k < cli_os_layers[i]->ncommands; k++)
            if (!strcmp(cli_os_layers[i]->commands[k].name, name)) {
                hitos[n] = cli_os_layers[i];
                hit[n++] = &cli_os_layers[i]->commands[k];
            }
    if (!n) return -1;
    if (c->o.os) { /* --os NAME: that layer's command, or a usage error */
        for (i = 0; i < n; i++)
            if (hitos[i] == c->o.os) return hit[i]->run(c, argc, argv);
        return cli_error(CLI_USAGE, "%s: not a command of --os %s (it is a command of %s%s)", name, c->o.os->name,
                         hitos[0]->name, n > 1 ? " and others" : "");
    }
    if (n == 1) return hit[0]->run(c, argc, argv); /* it parses its arguments, then requires its layer */
    if (!c->os_active) {
        /* usage errors before the target is opened: the arguments must suit one of the
           layers' commands (each parses them, then stops at cli_os_require); if none
           takes them, the first layer's command says why */
        for (i = 0; i < n; i++) {
            c->os_parse_only = cli_quiet = 1;
            rc = hit[i]->run(c, argc, argv);
            c->os_parse_only = cli_quiet = 0;
            if (rc == CLI_OS_PARSED) break;
        }
        if (i == n) return hit[0]->run(c, argc, argv);
    }
    if ((rc = cli_os_active(c, name, &a)) != CLI_OK) return rc;
    for (i = 0; i < n; i++)
        if (hitos[i] == a) return hit[i]->run(c, argc, argv);
    return cli_os_require(c, name, hitos[0]); /* prints why */
}

int cli_os_info(cli_ctx *c, cli_out *o)
{
    const cli_os *a;
    char why[1024];
    size_t i;
    int rc = cli_os_active(c, "info", &a);
    if (rc != CLI_OK) return rc;
    cli_obj(o, "os");
    if (a == &cli_os_none) {
        cli_str(o, "name", "os         %s", a->name);
        cli_text(o, c->o.os ? " (--os none)\n" : " (%s)\n", cli_os_reasons(c, why, sizeof why));
        cli_obj(o, "not_found");
        for (i = 0; i < cli_os_count; i++)
            if (c->os_tried[i] == 1 + CLI_OS_ABSENT + 1) cli_str(o, cli_os_layers[i]->name, 0, c->os_why[i]);
        cli_end(o);
    } else {
        cli_str(o, "name", 0, a->name);
        if (a->info) a->info(c, o);
    }
    cli_end(o);
    return CLI_OK;
}

void cli_os_release(cli_ctx *c)
{
    size_t i;
    for (i = 0; i < cli_os_count; i++)
        if (c->os_tried[i] && cli_os_layers[i]->release) cli_os_layers[i]->release(c);
}

int cli_os_walk_error(const char *cmd, const char *what, memintro_status s, uint64_t n, uint64_t last)
{
    if (n)
        return cli_error(CLI_FAIL, "%s: %s ends after %llu entr%s (the last at 0x%llx): %s", cmd, what, (cli_ull)n,
                         n == 1 ? "y" : "ies", (cli_ull)last, memintro_status_str(s));
    return cli_error(CLI_FAIL, "%s: %s cannot be read: %s", cmd, what, memintro_status_str(s));
}
