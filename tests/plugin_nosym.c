/* A shared object that is not a memintro plugin: it exports a function and a data object,
   but no `memintro_plugin` descriptor (tests/test_plugin.c, tests/t_plugins.sh). */
__attribute__((visibility("default"))) int not_a_plugin(void);
__attribute__((visibility("default"))) const int memintro_plugin_not = 1;

int not_a_plugin(void)
{
    return 42;
}
