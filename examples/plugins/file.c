/* examples/plugins/file.c - a connector plugin: a raw guest-physical image read with pread.

   Shows how a connector plugin is written: the memintro_connector it registers (its
   syntax, keys and help), an open that parses its keys and hands back a memintro_phys and
   a memintro_memmap, a close, and the exported descriptor. Once loaded it is reached as

       memintro -c file:PATH[,base=ADDR][,offset=N] read 0x1000 64

   (file byte offset+N is guest-physical address base+N; the memory runs to the file's end).
   Unlike the built-in raw connector it never maps the file: every read is a pread, so a
   file that changes while it is open is read as it is now.

   Built by `make` (mk/plugins.mk) as build/plugins/file.so:
       cc -shared -fPIC -fvisibility=hidden file.c -o file.so
   The tests build it with PLUGIN_ABI (another descriptor ABI version), PLUGIN_NAME,
   PLUGIN_VERSION and PLUGIN_HOST_CALL (a call into the program, which dlopen refuses). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION /* the core's helpers, hidden in this plugin (-fvisibility=hidden) */
#include "memintro.h"
#include "memintro_plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PLUGIN_HOST_CALL /* the tests build it so: a call into the loading program fails dlopen */
#define memintro_plugin_arg memintro_connector_arg
#endif
#ifndef PLUGIN_ABI
#define PLUGIN_ABI MEMINTRO_PLUGIN_ABI
#endif
#ifndef PLUGIN_NAME
#define PLUGIN_NAME "file"
#endif
#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "1.0"
#endif

typedef struct file_conn {
    memintro_phys phys; /* first: memintro_phys * is a file_conn * */
    int fd;
    uint64_t base, offset, size;
    memintro_memmap map;
    memintro_range range[1];
} file_conn;

/* Reads each op: the part inside [base, base+size) with pread, the rest is a hole. */
static memintro_status file_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    file_conn *f = (file_conn *)self;
    size_t i;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++) {
        memintro_op *op = &ops[i];
        uint64_t end = f->base + f->size, a = op->addr, lo, hi;
        uint64_t last = op->len ? a + (op->len - 1) : a; /* wraps past 2^64: clamp */
        size_t done;
        if (!op->len) continue;
        if (last < a) last = UINT64_MAX;
        lo = a > f->base ? a : f->base;
        hi = last + 1 < end && last != UINT64_MAX ? last + 1 : end;
        if (lo >= hi) {
            memintro_op_fail(op, MEMINTRO_E_HOLE, 0, op->len, 1);
            continue;
        }
        if (lo > a) memintro_op_fail(op, MEMINTRO_E_HOLE, 0, (size_t)(lo - a), 1);
        for (done = 0; done < hi - lo;) {
            ssize_t n = pread(f->fd, (char *)op->buf + (lo - a) + done, (size_t)(hi - lo) - done,
                              (off_t)(f->offset + (lo - f->base) + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) { /* an error, or the file shrank */
                memintro_op_fail(op, n < 0 ? MEMINTRO_E_IO : MEMINTRO_E_GONE, (size_t)(lo - a) + done,
                                 (size_t)(hi - lo) - done, 1);
                break;
            }
            done += (size_t)n;
        }
        if ((hi - a) < op->len) memintro_op_fail(op, MEMINTRO_E_HOLE, (size_t)(hi - a), op->len - (size_t)(hi - a), 1);
    }
    return memintro_ops_status(ops, count);
}

static int file_num(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    return n && memintro_parse_u64(s, n, out) == n;
}

static memintro_status file_open(const memintro_connector_args *a, const memintro_target_options *o,
                                 memintro_connector_result *out, char *err, size_t errlen)
{
    const char *base = memintro_plugin_arg(a, "base"), *offset = memintro_plugin_arg(a, "offset");
    file_conn *f;
    struct stat st;
    int fd;
    (void)o;
    if (!a->target || !a->target[0]) {
        snprintf(err, errlen, "file: no path (file:PATH[,base=ADDR][,offset=N])");
        return MEMINTRO_E_INVALID;
    }
    if (!(f = (file_conn *)calloc(1, sizeof *f))) {
        snprintf(err, errlen, "file: out of memory");
        return MEMINTRO_E_NOSPACE;
    }
    if ((base && !file_num(base, &f->base)) || (offset && !file_num(offset, &f->offset))) {
        snprintf(err, errlen, "file: bad number in %s=%s", base && !file_num(base, &f->base) ? "base" : "offset",
                 base && !file_num(base, &f->base) ? base : offset);
        free(f);
        return MEMINTRO_E_INVALID;
    }
    if ((fd = open(a->target, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : 0;
        snprintf(err, errlen, "file: %s: %s", a->target, e ? strerror(e) : "not a regular file");
        if (fd >= 0) close(fd);
        free(f);
        return e == ENOENT ? MEMINTRO_E_NOTFOUND : e == EACCES ? MEMINTRO_E_PERMISSION : e ? MEMINTRO_E_IO
                                                                                         : MEMINTRO_E_UNSUPPORTED;
    }
    if ((uint64_t)st.st_size <= f->offset || f->base + ((uint64_t)st.st_size - f->offset) - 1 < f->base) {
        snprintf(err, errlen, "file: %s: %llu bytes, nothing after offset %llu (or base+size wraps)", a->target,
                 (unsigned long long)st.st_size, (unsigned long long)f->offset);
        close(fd);
        free(f);
        return MEMINTRO_E_INVALID;
    }
    f->fd = fd;
    f->size = (uint64_t)st.st_size - f->offset;
    f->phys.read = file_read;
    memintro_memmap_init(&f->map, f->range, 1);
    memintro_memmap_add(&f->map, f->base, f->size, f->offset);
    out->phys = &f->phys;
    out->map = &f->map;
    out->handle = f;
    out->ram_size = f->size;
    out->live = 0;
    snprintf(out->description, sizeof out->description, "file %s (%llu bytes from offset %llu, read with pread)",
             a->target, (unsigned long long)f->size, (unsigned long long)f->offset);
    snprintf(out->layout_text, sizeof out->layout_text,
             "the file is the memory: guest-physical 0x%llx-0x%llx (file plugin)", (unsigned long long)f->base,
             (unsigned long long)(f->base + f->size));
    return MEMINTRO_OK;
}

static void file_close(void *handle)
{
    file_conn *f = (file_conn *)handle;
    if (!f) return;
    close(f->fd);
    free(f);
}

static const memintro_connector_key file_keys[] = {
    {"base", "ADDR", "guest-physical address of the first byte read (default 0)"},
    {"offset", "N", "file offset where the memory starts (default 0)"},
};

static const memintro_connector file_connector = {
    MEMINTRO_CONNECTOR_ABI,
    PLUGIN_NAME,
    PLUGIN_NAME ":PATH[,base=ADDR][,offset=N]",
    "a raw guest-physical image read with pread (plugin)",
    file_keys,
    sizeof file_keys / sizeof file_keys[0],
    file_open,
    file_close,
    0, /* targets */
    0, /* load_cpus */
    0, /* pause */
    PLUGIN_VERSION,
};

MEMINTRO_PLUGIN_EXPORT const memintro_plugin_descriptor memintro_plugin = {
    PLUGIN_ABI,
    MEMINTRO_PLUGIN_CONNECTOR,
    PLUGIN_NAME,
    PLUGIN_VERSION,
    "raw guest-physical image, read with pread",
    &file_connector,
    0,
};
