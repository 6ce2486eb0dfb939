/* tests/test_coredump_faults.c: memintro_coredump.h on files that are not what a reader
   expects, with SYNTHETIC dumps from tests/tools/mkdump_gen.h written to build/:
   - a dump truncated by another descriptor while open (MEMINTRO_COREDUMP_NO_MMAP: the read
     fails with MEMINTRO_E_IO naming both sizes; the reader runs in a child so that a SIGBUS
     is reported as a failure instead of ending the test);
   - paths that are not regular files (FIFO, /dev/zero, a directory, a socket): refused at
     once with a message naming the kind (in a child under a deadline: a hang fails);
   - an ELF core with a wrong e_phentsize; the description of the header's own ELF output;
   - raw forced on a file that looks like an ELF core reads it byte for byte;
   - the ELF writer: a character device (a node made here like /dev/full, else /dev/full
     itself) stays a device node and ENOSPC is E_IO; a FIFO is written into; EFBIG (a file
     size limit with SIGXFSZ ignored) and a source that goes away mid-write leave no
     temporary file and the old target untouched, and say how much was written;
   - allocator hooks with one function are refused; the error message's life time. */
#define _XOPEN_SOURCE 700
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

#ifndef MEMINTRO_COREDUMP_NO_MMAP /* so that the test also runs (and fails) on older headers */
#define MEMINTRO_COREDUMP_NO_MMAP 0x2u
#endif
#ifndef MEMINTRO_COREDUMP_VERSION_MAJOR
#define MEMINTRO_COREDUMP_VERSION_MAJOR (-1)
#define MEMINTRO_COREDUMP_VERSION_MINOR (-1)
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f && fclose(f)) ok = 0;
    return ok;
}

/* Runs fn(arg, msg) in a child with a deadline of `seconds`; the child writes its verdict
   and message into a pipe. Returns 1 when the child said yes, 0 when it said no, -1 when it
   died of a signal (its number in *sig) and -2 when it did not finish in time. */
static int in_child(int (*fn)(const void *, char *, size_t), const void *arg, unsigned seconds, char *msg,
                    size_t size, int *sig)
{
    int fds[2], status = 0;
    pid_t pid;
    unsigned waited = 0;
    ssize_t n;
    msg[0] = 0;
    *sig = 0;
    if (pipe(fds)) return -3;
    pid = fork();
    if (pid == 0) {
        char m[300];
        int r;
        close(fds[0]);
        m[0] = 0;
        r = fn(arg, m + 1, sizeof m - 1);
        m[0] = r ? 'y' : 'n';
        if (write(fds[1], m, strlen(m + 1) + 1) < 0) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        struct timespec ts = {0, 20000000};
        if (waited++ > seconds * 50) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            close(fds[0]);
            return -2;
        }
        nanosleep(&ts, 0);
    }
    if (WIFSIGNALED(status)) {
        *sig = WTERMSIG(status);
        close(fds[0]);
        return -1;
    }
    n = read(fds[0], msg, size - 1);
    close(fds[0]);
    if (n <= 0) return -3;
    msg[n] = 0;
    if (msg[0] != 'y' && msg[0] != 'n') return -3;
    {
        int yes = msg[0] == 'y';
        memmove(msg, msg + 1, (size_t)n);
        return yes;
    }
}

/* ---- a dump that shrinks while open ---- */

typedef struct shrink_arg {
    const char *path;
    uint64_t addr;  /* an address whose bytes are in the cut-off part */
    uint64_t keep;  /* bytes left in the file */
    uint32_t flags; /* open flags */
} shrink_arg;

static int shrink_read(const void *p, char *msg, size_t size)
{
    const shrink_arg *a = (const shrink_arg *)p;
    memintro_coredump_options o;
    memintro_coredump d;
    uint8_t page[4096];
    memintro_status s;
    int fd, ok;
    char want[96];
    memset(&o, 0, sizeof o);
    o.flags = a->flags;
    if (memintro_coredump_open(&d, a->path, &o) != MEMINTRO_OK) {
        snprintf(msg, size, "open: %s", memintro_coredump_error(&d));
        return 0;
    }
    fd = open(a->path, O_WRONLY);
    if (fd < 0 || ftruncate(fd, (off_t)a->keep)) {
        snprintf(msg, size, "cannot truncate");
        return 0;
    }
    close(fd);
    s = memintro_phys_read1(&d.phys, a->addr, page, sizeof page);
    snprintf(want, sizeof want, "shrank from %llu to %llu bytes", (unsigned long long)d.facts.file_size,
             (unsigned long long)a->keep);
    ok = s == MEMINTRO_E_IO && strstr(memintro_coredump_error(&d), want) != 0;
    snprintf(msg, size, "%s: %s", memintro_status_str(s), memintro_coredump_error(&d));
    memintro_coredump_close(&d);
    return ok;
}

static void test_shrink(void)
{
    static const struct {
        const char *name;
        int kind; /* 0 ELF, 1 kdump zlib, 2 flattened kdump */
    } v[] = {{"ELF", 0}, {"kdump", 1}, {"flattened kdump", 2}};
    mk_src all = mkg_known();
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        mkbuf b = {0, 0, 0, 0};
        char path[256], msg[300];
        shrink_arg a;
        int r, sig;
        if (v[i].kind == 0)
            mk_elf(&b, &all, 0, 2);
        else
            mk_kdump(&b, &all, MEMINTRO_COMPRESS_ZLIB, v[i].kind == 2 ? MKK_FLAT : 0);
        snprintf(path, sizeof path, "%s/shrink-%zu", dir, i);
        if (!write_file(path, b.p, b.n)) {
            CHECK(0, "wrote %s", path);
            continue;
        }
        a.path = path;
        a.addr = 0x100000000ull + 0x80000; /* in the last range, stored near the end */
        a.keep = b.n / 4;
        a.flags = MEMINTRO_COREDUMP_NO_MMAP;
        r = in_child(shrink_read, &a, 20, msg, sizeof msg, &sig);
        CHECK(r == 1, "NO_MMAP, %s truncated to a quarter while open: the read fails with E_IO naming the sizes (%s%s)",
              v[i].name, r == -1 ? "killed by signal " : r == -2 ? "hung" : msg,
              r == -1 ? (sig == SIGBUS ? "SIGBUS" : "other") : "");
        unlink(path);
        mkb_free(&b);
    }
}

/* NO_MMAP reads what the mapping reads: every page of each format, and the same status. */
static void test_no_mmap_same(void)
{
    static const char *const names[] = {"ELF", "kdump zlib", "flattened kdump zlib (records shuffled)", "Windows full", "Windows SDMP bitmap",
                                        "LiME", "raw"};
    mk_src all = mkg_known();
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        mkbuf b = {0, 0, 0, 0};
        char path[256];
        memintro_coredump a, m;
        memintro_coredump_options o;
        uint64_t pages = 0, differ = 0;
        size_t r;
        switch (i) {
        case 0: mk_elf(&b, &all, MKE_TAIL, 2); break;
        case 1: mk_kdump(&b, &all, MEMINTRO_COMPRESS_ZLIB, MKK_EXCLUDE); break;
        case 2: mk_kdump(&b, &all, MEMINTRO_COMPRESS_ZLIB, MKK_FLAT | MKK_SHUFFLE); break;
        case 3: mk_windows(&b, &all, 0); break;
        case 4: mk_windows(&b, &all, MKW_SDMP); break;
        case 5: mk_lime(&b, &all); break;
        default: mk_elf(&b, &all, 0, 0); break;
        }
        snprintf(path, sizeof path, "%s/same-%zu", dir, i);
        memset(&o, 0, sizeof o);
        o.flags = MEMINTRO_COREDUMP_ZERO_EXCLUDED;
        if (i == 6) o.format = MEMINTRO_COREDUMP_RAW;
        if (!write_file(path, b.p, b.n) || memintro_coredump_open(&m, path, &o) != MEMINTRO_OK) {
            CHECK(0, "%s: open (mapped): %s", names[i], memintro_coredump_error(&m));
            mkb_free(&b);
            continue;
        }
        o.flags |= MEMINTRO_COREDUMP_NO_MMAP;
        if (memintro_coredump_open(&a, path, &o) != MEMINTRO_OK) {
            CHECK(0, "%s: open with NO_MMAP: %s", names[i], memintro_coredump_error(&a));
            memintro_coredump_close(&m);
            mkb_free(&b);
            continue;
        }
        for (r = 0; r < m.map.count; r++) {
            uint64_t x;
            for (x = m.map.ranges[r].start & ~4095ull; x < m.map.ranges[r].start + m.map.ranges[r].size; x += 4096) {
                uint8_t p1[4096 + 16], p2[4096 + 16];
                memintro_status s1 = memintro_phys_read1(&m.phys, x + 8, p1, sizeof p1);
                memintro_status s2 = memintro_phys_read1(&a.phys, x + 8, p2, sizeof p2);
                pages++;
                if (s1 != s2 || memcmp(p1, p2, sizeof p1)) differ++;
            }
        }
        CHECK(pages > 100 && !differ && a.map.count == m.map.count && !memintro_coredump_ptr(&a, m.map.ranges[0].start, 0),
              "%s: NO_MMAP reads the same %llu unaligned page-sized pieces as the mapping (%llu differ), no direct "
              "pointers",
              names[i], (unsigned long long)pages, (unsigned long long)differ);
        memintro_coredump_close(&a);
        memintro_coredump_close(&m);
        unlink(path);
        mkb_free(&b);
    }
}

/* ---- paths that are not regular files ---- */

typedef struct open_arg {
    const char *path;
    const char *want; /* in the message */
    memintro_coredump_format format;
} open_arg;

static int open_refused(const void *p, char *msg, size_t size)
{
    const open_arg *a = (const open_arg *)p;
    memintro_coredump_options o;
    memintro_coredump d;
    memintro_status s;
    memset(&o, 0, sizeof o);
    o.format = a->format;
    s = memintro_coredump_open(&d, a->path, &o);
    snprintf(msg, size, "%s: %s", memintro_status_str(s), memintro_coredump_error(&d));
    return s == MEMINTRO_E_INVALID && strstr(memintro_coredump_error(&d), a->want) &&
           strstr(memintro_coredump_error(&d), a->path);
}

static void test_not_regular(void)
{
    char fifo[256], sock[80], msg[300];
    struct sockaddr_un sa;
    int sfd, r, sig;
    size_t i;
    open_arg v[6];
    size_t n = 0;
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(sock, sizeof sock, "%s/sock", dir);
    unlink(fifo);
    unlink(sock);
    CHECK(mkfifo(fifo, 0600) == 0, "made a FIFO");
    sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    CHECK(sfd >= 0 && bind(sfd, (struct sockaddr *)&sa, sizeof sa) == 0, "made a socket");
    v[n].path = fifo, v[n].want = "is not a regular file (a FIFO)", v[n++].format = MEMINTRO_COREDUMP_DETECT;
    v[n].path = fifo, v[n].want = "is not a regular file (a FIFO)", v[n++].format = MEMINTRO_COREDUMP_RAW;
    v[n].path = "/dev/zero", v[n].want = "is not a regular file (a character device)",
    v[n++].format = MEMINTRO_COREDUMP_DETECT;
    v[n].path = "/dev/null", v[n].want = "is not a regular file (a character device)",
    v[n++].format = MEMINTRO_COREDUMP_RAW;
    v[n].path = dir, v[n].want = "is not a regular file (a directory)", v[n++].format = MEMINTRO_COREDUMP_DETECT;
    v[n].path = sock, v[n].want = "is not a regular file (a socket)", v[n++].format = MEMINTRO_COREDUMP_DETECT;
    for (i = 0; i < n; i++) {
        r = in_child(open_refused, &v[i], 5, msg, sizeof msg, &sig);
        CHECK(r == 1, "open %s%s is refused at once: %s", v[i].format == MEMINTRO_COREDUMP_RAW ? "raw " : "",
              v[i].path, r == -2 ? "hung" : r == -1 ? "killed by a signal" : msg);
    }
    if (sfd >= 0) close(sfd);
    unlink(fifo);
    unlink(sock);
}

/* ---- ELF headers ---- */

static void test_elf(void)
{
    mk_src all = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    memintro_status s;
    memintro_coredump_options o;
    uint8_t got[64];
    mk_elf(&b, &all, 0, 2);
    mk_le(b.p + 54, 64, 2); /* e_phentsize 64 instead of 56 */
    s = memintro_coredump_open_memory(&d, b.p, b.n, 0);
    CHECK(s == MEMINTRO_E_FORMAT && strstr(memintro_coredump_error(&d), "e_phentsize 64"),
          "ELF with e_phentsize 64 is refused naming it: %s (%s)", memintro_status_str(s), memintro_coredump_error(&d));
    memintro_coredump_close(&d);
    mk_le(b.p + 54, 56, 2);
    s = memintro_coredump_open_memory(&d, b.p, b.n, 0);
    CHECK(s == MEMINTRO_OK && strstr(d.description, "3 PT_LOAD") && !strstr(d.description, "dump-guest-memory") &&
              strstr(d.description, "/proc/vmcore layout"),
          "the PT_LOAD count, not the program header count, and the layout really in the file: %s", d.description);
    memintro_coredump_close(&d);
    /* raw forced on an ELF core: the file's bytes one to one */
    memset(&o, 0, sizeof o);
    o.format = MEMINTRO_COREDUMP_RAW;
    o.raw_base = 0x1000;
    s = memintro_coredump_open_memory(&d, b.p, b.n, &o);
    CHECK(s == MEMINTRO_OK && d.format == MEMINTRO_COREDUMP_RAW && d.map.count == 1 && d.map.ranges[0].start == 0x1000 &&
              d.map.ranges[0].size == b.n && memintro_phys_read1(&d.phys, 0x1000, got, sizeof got) == MEMINTRO_OK &&
              !memcmp(got, b.p, sizeof got) && !d.facts.cpu_state_count,
          "raw forced on an ELF core reads the file itself (%s)", d.description);
    memintro_coredump_close(&d);
    CHECK(memintro_coredump_format_parse("raw") == MEMINTRO_COREDUMP_RAW, "\"raw\" names the raw format");
    mkb_free(&b);
}

/* ---- the writer ---- */

/* A source that reads zeros and goes away after `left` bytes. */
typedef struct gone_src {
    memintro_phys phys;
    uint64_t left;
} gone_src;

static memintro_status gone_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    gone_src *g = (gone_src *)self;
    size_t i;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++) {
        if (g->left >= ops[i].len) {
            memset(ops[i].buf, 0, ops[i].len);
            g->left -= ops[i].len;
        } else {
            g->left = 0;
            memintro_op_fail(&ops[i], MEMINTRO_E_GONE, 0, ops[i].len, 1);
        }
    }
    return memintro_ops_status(ops, count);
}

/* Files in dir whose name starts with prefix. */
static int count_prefix(const char *prefix)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!dh) return -1;
    while ((e = readdir(dh)) != 0)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) n++;
    closedir(dh);
    return n;
}

static int read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return f != 0;
}

typedef struct efbig_arg {
    const char *path;
    memintro_buffer *src;
    const memintro_memmap *map;
} efbig_arg;

static int efbig_write(const void *p, char *msg, size_t size)
{
    const efbig_arg *a = (const efbig_arg *)p;
    struct rlimit rl;
    memintro_coredump_write_result r;
    memintro_status s;
    rl.rlim_cur = rl.rlim_max = 256 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl)) {
        snprintf(msg, size, "setrlimit failed");
        return 0;
    }
    s = memintro_coredump_write_elf(&a->src->phys, a->map, 0, a->path, 0, &r);
    snprintf(msg, size, "%s: %s (file_size %llu, memory_size %llu)", memintro_status_str(s), r.error,
             (unsigned long long)r.file_size, (unsigned long long)r.memory_size);
    return s == MEMINTRO_E_IO && strstr(r.error, "too large") && r.file_size > 0 && r.file_size <= 256 * 1024 &&
           r.memory_size > 0 && r.memory_size < r.file_size && strstr(r.error, "after");
}

static int noreader_write(const void *p, char *msg, size_t size)
{
    const efbig_arg *a = (const efbig_arg *)p;
    memintro_coredump_write_result r;
    memintro_status s = memintro_coredump_write_elf(&a->src->phys, a->map, 0, a->path, 0, &r);
    snprintf(msg, size, "%s: %s", memintro_status_str(s), r.error);
    return s == MEMINTRO_E_IO && strstr(r.error, "no reader") != 0;
}

static void test_writer(void)
{
    static uint8_t img[2 << 20];
    memintro_range rr[1];
    memintro_memmap map;
    memintro_buffer buf;
    memintro_coredump_write_result r;
    memintro_status s;
    struct stat sb;
    char path[256], node[256], fifo[256], msg[300], text[64];
    const char *full = "/dev/full";
    int sig, rc;
    memset(img, 0x5a, sizeof img);
    memintro_memmap_init(&map, rr, 1);
    memintro_memmap_add(&map, 0x100000, sizeof img, 0);
    memintro_buffer_init(&buf, img, sizeof img, &map, 0);

    /* a character device: written into, never replaced */
    snprintf(node, sizeof node, "%s/full", dir);
    if (mknod(node, S_IFCHR | 0600, makedev(1, 7)) == 0) full = node;
    s = memintro_coredump_write_elf(&buf.phys, &map, 0, full, 0, &r);
    CHECK(s == MEMINTRO_E_IO && strstr(r.error, "No space left"), "write_elf to %s: E_IO naming ENOSPC: %s", full,
          r.error);
    CHECK(stat(full, &sb) == 0 && S_ISCHR(sb.st_mode) && major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 7,
          "%s is still the character device 1:7 afterwards", full);
    CHECK(count_prefix("full.partial-") == 0, "no temporary file beside %s", full);
    unlink(node);

    /* a FIFO with a reader: the core goes through it */
    snprintf(fifo, sizeof fifo, "%s/out-fifo", dir);
    unlink(fifo);
    if (mkfifo(fifo, 0600) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            FILE *f = fopen(fifo, "rb");
            char b[65536];
            size_t total = 0, n;
            while (f && (n = fread(b, 1, sizeof b, f)) > 0) total += n;
            _exit(total > sizeof img ? 0 : 1);
        }
        {
            int i;
            for (i = 0; i < 500; i++) { /* until the reader is in open() (then it counts as one) */
                struct timespec ts = {0, 10000000};
                s = memintro_coredump_write_elf(&buf.phys, &map, 0, fifo, 0, &r);
                if (!(s == MEMINTRO_E_IO && strstr(r.error, "no reader"))) break;
                nanosleep(&ts, 0);
            }
        }
        waitpid(pid, &rc, 0);
        CHECK(s == MEMINTRO_OK && WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode),
              "write_elf into a FIFO with a reader: the reader gets the core, the FIFO stays (%s)", r.error);
        {
            efbig_arg a;
            a.path = fifo;
            a.src = &buf;
            a.map = &map;
            rc = in_child(noreader_write, &a, 5, msg, sizeof msg, &sig);
            CHECK(rc == 1 && stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode),
                  "write_elf into a FIFO without a reader is refused at once: %s", rc == -2 ? "hung" : msg);
        }
        unlink(fifo);
    } else {
        CHECK(0, "made a FIFO for the writer");
    }

    /* EFBIG (file size limit, SIGXFSZ ignored): the old target stays, no temporary file */
    {
        efbig_arg a;
        snprintf(path, sizeof path, "%s/big.elf", dir);
        write_file(path, "old", 3);
        a.path = path;
        a.src = &buf;
        a.map = &map;
        rc = in_child(efbig_write, &a, 20, msg, sizeof msg, &sig);
        CHECK(rc == 1, "write_elf over a file size limit: E_IO, EFBIG named, bytes written reported: %s",
              rc == -1 ? "killed by a signal" : msg);
        CHECK(read_text(path, text, sizeof text) && !strcmp(text, "old") && count_prefix("big.elf.partial-") == 0,
              "after EFBIG the old target is untouched and no temporary file is left");
        unlink(path);
    }

    /* a source that goes away after 1 MiB + 8 KiB */
    {
        gone_src g;
        g.phys.read = gone_read;
        g.phys.write = 0;
        g.phys.user = 0;
        g.phys.direct = 0;
        g.left = (1u << 20) + 8192;
        snprintf(path, sizeof path, "%s/gone.elf", dir);
        unlink(path);
        s = memintro_coredump_write_elf(&g.phys, &map, 0, path, 0, &r);
        CHECK(s == MEMINTRO_E_GONE && r.memory_size == (1u << 20) && r.file_size >= (1u << 20) &&
                  strstr(r.error, "after 1048576 bytes of memory") && stat(path, &sb) != 0 &&
                  count_prefix("gone.elf.partial-") == 0,
              "a source gone mid-write: E_GONE, memory_size/file_size give what was written, nothing left: %s "
              "(memory_size %llu, file_size %llu)",
              r.error, (unsigned long long)r.memory_size, (unsigned long long)r.file_size);
    }

    /* symbolic links stay links: to a regular file, to a device node */
    {
        char link[256], target[256];
        snprintf(target, sizeof target, "%s/target.elf", dir);
        snprintf(link, sizeof link, "%s/link.elf", dir);
        write_file(target, "old", 3);
        s = symlink("target.elf", link) == 0 ? memintro_coredump_write_elf(&buf.phys, &map, 0, link, 0, &r)
                                             : MEMINTRO_E_IO;
        CHECK(s == MEMINTRO_OK && lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode) && stat(target, &sb) == 0 &&
                  (uint64_t)sb.st_size == r.file_size && count_prefix("link.elf.partial-") == 0 &&
                  count_prefix("target.elf.partial-") == 0,
              "write_elf through a symbolic link writes the file it points to; the link stays a link (%s)", r.error);
        unlink(link);
        unlink(target);
        if (mknod(node, S_IFCHR | 0600, makedev(1, 7)) == 0 && symlink("full", link) == 0) {
            s = memintro_coredump_write_elf(&buf.phys, &map, 0, link, 0, &r);
            CHECK(s == MEMINTRO_E_IO && lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode) && stat(node, &sb) == 0 &&
                      S_ISCHR(sb.st_mode),
                  "write_elf through a link to a device node: E_IO (ENOSPC), link and node unchanged: %s", r.error);
        }
        unlink(link);
        unlink(node);
    }

    /* the same writes succeed into a regular file, replacing it */
    snprintf(path, sizeof path, "%s/ok.elf", dir);
    write_file(path, "old", 3);
    s = memintro_coredump_write_elf(&buf.phys, &map, 0, path, 0, &r);
    CHECK(s == MEMINTRO_OK && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == r.file_size &&
              r.memory_size == sizeof img && count_prefix("ok.elf.partial-") == 0,
          "write_elf to a regular file replaces it (%llu bytes)", (unsigned long long)r.file_size);
    unlink(path);
}

/* ---- allocators and the error message ---- */

static void *only_alloc(void *user, size_t n)
{
    (void)user;
    return malloc(n);
}

static void test_api(void)
{
    mk_src all = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    memintro_coredump_options o;
    memintro_coredump_write_options w;
    memintro_coredump_write_result r;
    memintro_allocator half;
    char path[256];
    memintro_status s;
    half.alloc = only_alloc;
    half.free = 0;
    half.user = 0;
    mk_elf(&b, &all, 0, 2);
    memset(&o, 0, sizeof o);
    o.allocator = &half;
    s = memintro_coredump_open_memory(&d, b.p, b.n, &o);
    CHECK(s == MEMINTRO_E_INVALID && strstr(memintro_coredump_error(&d), "allocator"),
          "open: an allocator with alloc but no free is refused: %s", memintro_coredump_error(&d));
    memset(&w, 0, sizeof w);
    w.allocator = &half;
    snprintf(path, sizeof path, "%s/half.elf", dir);
    s = memintro_coredump_open_memory(&d, b.p, b.n, 0);
    CHECK(s == MEMINTRO_OK && !strcmp(memintro_coredump_error(&d), ""), "a successful open clears the message");
    CHECK(memintro_coredump_write_elf(&d.phys, &d.map, &d.facts, path, &w, &r) == MEMINTRO_E_INVALID &&
              strstr(r.error, "allocator") && stat(path, &(struct stat){0}) != 0,
          "write_elf: a one-function allocator is refused: %s", r.error);
    memintro_coredump_close(&d);
    s = memintro_coredump_open(&d, "build/test-coredump/does-not-exist", 0);
    memintro_coredump_close(&d);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(memintro_coredump_error(&d), "does-not-exist"),
          "the message outlives close: %s", memintro_coredump_error(&d));
    CHECK(memintro_coredump_error(0) && !memintro_coredump_error(0)[0], "error(NULL) is \"\", not NULL");
    { /* the object is plain data: a copy reads like the original (which is then wiped) */
        memintro_coredump *orig = (memintro_coredump *)malloc(sizeof *orig), copy;
        uint8_t page[4096], want[4096];
        b.n = 0;
        mk_kdump(&b, &all, MEMINTRO_COMPRESS_ZLIB, 0);
        s = orig ? memintro_coredump_open_memory(orig, b.p, b.n, 0) : MEMINTRO_E_NOSPACE;
        if (orig) {
            memcpy(&copy, orig, sizeof copy);
            memset(orig, 0xa5, sizeof *orig);
            free(orig);
        }
        mkg_known_page(0, 0x100000, want);
        CHECK(s == MEMINTRO_OK && memintro_phys_read1(&copy.phys, 0x100000, page, sizeof page) == MEMINTRO_OK &&
                  !memcmp(page, want, sizeof page),
              "a copied dump object reads (kdump) after the original is gone");
        if (s == MEMINTRO_OK) memintro_coredump_close(&copy);
    }
    CHECK(MEMINTRO_COREDUMP_VERSION_MAJOR == 0 && MEMINTRO_COREDUMP_VERSION_MINOR >= 2, "version macros");
    mkb_free(&b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    mkdir("build", 0777);
    mkdir("build/test-coredump", 0777);
    snprintf(dir, sizeof dir, "build/test-coredump/faults-%ld", (long)getpid());
    mkdir(dir, 0777);
    test_shrink();
    test_no_mmap_same();
    test_not_regular();
    test_elf();
    test_writer();
    test_api();
    rmdir(dir);
    return check_done();
}
