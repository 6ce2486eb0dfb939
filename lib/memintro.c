/* libmemintro: the memintro headers as one shared (libmemintro.so) and static
   (libmemintro.a) library, for programs that link instead of copying the headers, and for
   the Python module (python/memintro).

   This one translation unit defines the implementation macro of every header and exports
   exactly their public functions (MEMINTRO_API): it is compiled with -fvisibility=hidden,
   and MEMINTRO_API marks the public declarations visible, so no memintro__ private symbol
   leaves the library (tests/t_install.sh checks `nm -D` against the headers'
   declarations). A program using the library includes the headers WITHOUT any
   IMPLEMENTATION macro and links with `pkg-config --libs memintro`.

   memintro_gdb.h (the gdbstub client, branch of its own) is compiled in when the tree has
   it: mk/lib.mk passes MEMINTRO_LIB_GDB.

   Beside the headers' functions the library exports the few helpers below, for bindings
   that cannot read C headers (ctypes): the library's version, the name of a status, and
   the size and field offsets of the structures a binding lays out itself, so that it can
   check its layout against the compiler's when it loads the library. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#if defined(__GNUC__) || defined(__clang__)
#define MEMINTRO_API extern __attribute__((visibility("default")))
#else
#define MEMINTRO_API extern
#endif

#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"
/* after memintro_target.h: their hints_from_target functions need it */
#define MEMINTRO_WIN32_IMPLEMENTATION
#include "memintro_win32.h"
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#define MEMINTRO_OS_IMPLEMENTATION
#include "memintro_os.h"
#define MEMINTRO_PLUGIN_IMPLEMENTATION
#include "memintro_plugin.h"
#ifdef MEMINTRO_LIB_GDB /* mk/lib.mk: when the tree has memintro_gdb.h */
#define MEMINTRO_GDB_IMPLEMENTATION
#include "memintro_gdb.h"
#endif

#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR" of memintro.h (MEMINTRO_VERSION_MAJOR/MINOR), the
   same as the soname's while MAJOR is 0. */
MEMINTRO_API const char *memintro_library_version(void);
/* The C name of status s ("MEMINTRO_OK", "MEMINTRO_E_NOTFOUND"), or NULL outside the
   enum. */
MEMINTRO_API const char *memintro_library_status_name(int s);
/* sizeof the public structure named `type` ("memintro_target", "memintro_xlate", ...), or
   0 when the library does not know it. */
MEMINTRO_API size_t memintro_library_sizeof(const char *type);
/* offsetof(type, field) for the fields a binding reads ("memintro_target", "phys"), or
   (size_t)-1 when unknown. */
MEMINTRO_API size_t memintro_library_offsetof(const char *type, const char *field);

#define MEMINTRO__LIB_STR2(x) #x
#define MEMINTRO__LIB_STR(x) MEMINTRO__LIB_STR2(x)

const char *memintro_library_version(void)
{
    return MEMINTRO__LIB_STR(MEMINTRO_VERSION_MAJOR) "." MEMINTRO__LIB_STR(MEMINTRO_VERSION_MINOR);
}

const char *memintro_library_status_name(int s)
{
    static const char *const names[] = {
#define MEMINTRO__LIB_NAME(name, text) #name,
        MEMINTRO_STATUS_LIST(MEMINTRO__LIB_NAME)
#undef MEMINTRO__LIB_NAME
    };
    if (s < 0 || (size_t)s >= sizeof names / sizeof names[0]) return NULL;
    return names[s];
}

/* One row per structure, then one per field, so the two lookups stay table walks. */
typedef struct memintro__lib_size {
    const char *type;
    size_t size;
} memintro__lib_size;

typedef struct memintro__lib_field {
    const char *type, *field;
    size_t offset;
} memintro__lib_field;

#define MEMINTRO__LIB_S(T) {#T, sizeof(T)}
#define MEMINTRO__LIB_F(T, F) {#T, #F, offsetof(T, F)}

static const memintro__lib_size memintro__lib_sizes[] = {
    MEMINTRO__LIB_S(memintro_mmu_desc),
    MEMINTRO__LIB_S(memintro_xlate),
    MEMINTRO__LIB_S(memintro_op),
    MEMINTRO__LIB_S(memintro_target),
    MEMINTRO__LIB_S(memintro_target_options),
    MEMINTRO__LIB_S(memintro_target_fact),
    MEMINTRO__LIB_S(memintro_target_range),
    MEMINTRO__LIB_S(memintro_connector),
    MEMINTRO__LIB_S(memintro_os),
    MEMINTRO__LIB_S(memintro_os_layer),
    MEMINTRO__LIB_S(memintro_os_process),
    MEMINTRO__LIB_S(memintro_os_module),
    MEMINTRO__LIB_S(memintro_os_hints),
    MEMINTRO__LIB_S(memintro_plugins),
    MEMINTRO__LIB_S(memintro_plugin_entry),
    MEMINTRO__LIB_S(memintro_plugin_elf),
    MEMINTRO__LIB_S(memintro_plugin_options),
};

static const memintro__lib_field memintro__lib_fields[] = {
    MEMINTRO__LIB_F(memintro_mmu_desc, dtb),
    MEMINTRO__LIB_F(memintro_mmu_desc, pa_bits),
    MEMINTRO__LIB_F(memintro_xlate, pa),
    MEMINTRO__LIB_F(memintro_xlate, status),
    MEMINTRO__LIB_F(memintro_target, phys),
    MEMINTRO__LIB_F(memintro_target, kind),
    MEMINTRO__LIB_F(memintro_target, connector),
    MEMINTRO__LIB_F(memintro_target, layout),
    MEMINTRO__LIB_F(memintro_target, fact_count),
    MEMINTRO__LIB_F(memintro_target, description),
    MEMINTRO__LIB_F(memintro_target, layout_text),
    MEMINTRO__LIB_F(memintro_target, facts),
    MEMINTRO__LIB_F(memintro_target, ram_size),
    MEMINTRO__LIB_F(memintro_target, live),
    MEMINTRO__LIB_F(memintro_target, cpus_loaded),
    MEMINTRO__LIB_F(memintro_target, paging),
    MEMINTRO__LIB_F(memintro_target, has_paging),
    MEMINTRO__LIB_F(memintro_target, paging_source),
    MEMINTRO__LIB_F(memintro_target, vmcoreinfo),
    MEMINTRO__LIB_F(memintro_target, pid),
    MEMINTRO__LIB_F(memintro_target, path),
    MEMINTRO__LIB_F(memintro_target, bad_spec),
    MEMINTRO__LIB_F(memintro_target, error),
    MEMINTRO__LIB_F(memintro_target, state),
    MEMINTRO__LIB_F(memintro_target_fact, value),
    MEMINTRO__LIB_F(memintro_connector, name),
    MEMINTRO__LIB_F(memintro_connector, syntax),
    MEMINTRO__LIB_F(memintro_connector, help),
    MEMINTRO__LIB_F(memintro_connector, version),
    MEMINTRO__LIB_F(memintro_os, layer),
    MEMINTRO__LIB_F(memintro_os, why),
    MEMINTRO__LIB_F(memintro_os, error),
    MEMINTRO__LIB_F(memintro_os_layer, name),
    MEMINTRO__LIB_F(memintro_os_layer, help),
    MEMINTRO__LIB_F(memintro_os_layer, version),
    MEMINTRO__LIB_F(memintro_os_process, dtb),
    MEMINTRO__LIB_F(memintro_os_process, flags),
    MEMINTRO__LIB_F(memintro_os_process, name),
    MEMINTRO__LIB_F(memintro_os_module, name),
    MEMINTRO__LIB_F(memintro_os_module, path),
    MEMINTRO__LIB_F(memintro_plugins, entries),
    MEMINTRO__LIB_F(memintro_plugins, count),
    MEMINTRO__LIB_F(memintro_plugins, path),
    MEMINTRO__LIB_F(memintro_plugins, error),
    MEMINTRO__LIB_F(memintro_plugin_entry, status),
    MEMINTRO__LIB_F(memintro_plugin_entry, reason),
    MEMINTRO__LIB_F(memintro_plugin_entry, mtime),
    MEMINTRO__LIB_F(memintro_plugin_entry, descriptor),
    MEMINTRO__LIB_F(memintro_plugin_entry, elf),
    MEMINTRO__LIB_F(memintro_plugin_elf, symbols_from),
    MEMINTRO__LIB_F(memintro_plugin_options, allocator),
};

size_t memintro_library_sizeof(const char *type)
{
    size_t i;
    if (!type) return 0;
    for (i = 0; i < sizeof memintro__lib_sizes / sizeof memintro__lib_sizes[0]; i++)
        if (strcmp(memintro__lib_sizes[i].type, type) == 0) return memintro__lib_sizes[i].size;
    return 0;
}

size_t memintro_library_offsetof(const char *type, const char *field)
{
    size_t i;
    if (!type || !field) return (size_t)-1;
    for (i = 0; i < sizeof memintro__lib_fields / sizeof memintro__lib_fields[0]; i++)
        if (strcmp(memintro__lib_fields[i].type, type) == 0 && strcmp(memintro__lib_fields[i].field, field) == 0)
            return memintro__lib_fields[i].offset;
    return (size_t)-1;
}

#ifdef MEMINTRO_LIB_GDB
/* The gdb: connector is one of the library's own: in the registry from the moment the
   library is loaded, as in the memintro tool. */
__attribute__((constructor)) static void memintro__lib_register_gdb(void)
{
    memintro_target_register(memintro_gdb_connector());
}
#endif

#undef MEMINTRO__LIB_S
#undef MEMINTRO__LIB_F
#undef MEMINTRO__LIB_STR
#undef MEMINTRO__LIB_STR2

#ifdef __cplusplus
}
#endif
