/* tests/test_coredump_faults.c: memintro_coredump.h on files that are not what a reader
   expects, with SYNTHETIC dumps from tests/tools/mkdump_gen.h written to build/:
   - a dump truncated by another descriptor while open (MEMINTRO_COREDUMP_NO_MMAP: the read
     fails with MEMINTRO_E_IO naming both sizes; the reader runs in a child so that a SIGBUS
     is reported as a failure instead of ending the test);
   - paths that are not regular files (FIFO, /dev/zero, a directory, a socket): refused at
     once with a message naming the kind (in a child under a deadline: a hang fails);
   - an ELF core with a wrong e_phentsize; the description of the header's own ELF output;
   - raw forced on a file that looks like an ELF core reads it byte for byte. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

#ifndef MEMINTRO_COREDUMP_NO_MMAP /* so that the test also runs (and fails) on older headers */
#define MEMINTRO_COREDUMP_NO_MMAP 0x2u
#endif

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    mkdir("build", 0777);
    mkdir("build/test-coredump", 0777);
    snprintf(dir, sizeof dir, "build/test-coredump/faults-%ld", (long)getpid());
    mkdir(dir, 0777);
    test_shrink();
    test_not_regular();
    test_elf();
    rmdir(dir);
    return check_done();
}
