/* memintro CLI: plugins (memintro_plugin.h). They are loaded before the command line is
   read, so `-c NAME:...` reaches a connector plugin and `--os NAME` an OS-layer plugin;
   `memintro plugins` lists every candidate found, loaded or rejected and why. */
#define MEMINTRO_PLUGIN_IMPLEMENTATION
#define MEMINTRO_PLUGIN_NO_DEPS /* impl.c has the other headers' code */
#include "cli.h"
#include "memintro_plugin.h"

static memintro_plugins cli_plugin_list;
static int cli_plugins_loaded;

/* A rejection worth a warning on every run: not a name clash between two plugins (the
   newer file is in use, as intended), not a file this search skips as a duplicate. */
static int cli_plugin_worth_warning(const memintro_plugin_entry *e)
{
    return e->status == MEMINTRO_PLUGIN_REJECTED && !(strstr(e->reason, "\" taken by ") && !strstr(e->reason, " the built-in ")) &&
           strncmp(e->reason, "the same file as ", 17);
}

void cli_plugins_load(int argc, char **argv)
{
    size_t i;
    int listing = 0;
    if (cli_plugins_loaded) return;
    cli_plugins_loaded = 1;
    if (memintro_plugins_load(&cli_plugin_list, NULL) != MEMINTRO_OK) {
        cli_warn("plugins: %s", cli_plugin_list.error);
        return;
    }
    if (cli_plugin_list.error[0]) cli_warn("plugins: %s", cli_plugin_list.error);
    for (i = 1; i < (size_t)argc; i++)
        if (!strcmp(argv[i], "plugins")) listing = 1; /* the listing says it all */
    for (i = 0; !listing && i < cli_plugin_list.count; i++) {
        const memintro_plugin_entry *e = &cli_plugin_list.entries[i];
        if (cli_plugin_worth_warning(e)) cli_warn("plugin %s not loaded: %s (see memintro plugins)", e->path, e->reason);
    }
}

int cmd_plugins(cli_ctx *c, int argc, char **argv)
{
    cli_out *o = &c->out;
    const char *pos[1];
    size_t i;
    int rc, npos;
    char line[512];
    if ((rc = cli_args("plugins", argc, argv, 0, 0, pos, 0, &npos, "plugins", 0)) != CLI_OK) return rc;
    cli_obj(o, 0);
    cli_str(o, "search_path", "plugin folders: %s\n", cli_plugin_list.path);
    cli_arr(o, "plugins");
    for (i = 0; i < cli_plugin_list.count; i++) {
        const memintro_plugin_entry *e = &cli_plugin_list.entries[i];
        int loaded = e->status == MEMINTRO_PLUGIN_LOADED;
        cli_obj(o, 0);
        cli_str(o, "path", "%s: ", e->path);
        cli_str(o, "status", "%s", memintro_plugin_status_name(e->status));
        cli_str(o, "kind", 0, memintro_plugin_kind_name(e->kind));
        cli_str(o, "name", 0, e->name);
        cli_str(o, "version", 0, e->version);
        cli_str(o, "description", 0, e->description);
        cli_str(o, "reason", 0, e->reason);
        cli_num(o, "mtime", 0, (uint64_t)e->mtime);
        if (loaded)
            cli_text(o, ": %s \"%s\" %s (%s)\n", e->kind == MEMINTRO_PLUGIN_OS ? "OS layer" : "connector", e->name,
                     e->version[0] ? e->version : "-", cli_oneline(e->description, line, sizeof line));
        else
            cli_text(o, ": %s\n", cli_oneline(e->reason, line, sizeof line));
        cli_end(o);
    }
    cli_end(o);
    cli_num(o, "loaded", 0, cli_plugin_list.loaded);
    cli_num(o, "rejected", 0, cli_plugin_list.rejected);
    cli_str(o, "error", 0, cli_plugin_list.error);
    cli_end(o);
    if (!cli_plugin_list.count && !o->json) cli_note("no plugin (*.so) in %s", cli_plugin_list.path);
    return CLI_OK;
}
