/* memintro CLI: messages, numbers, sizes, the progress bar, signals and output files. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- messages ------------------------------------------------------------------------- */

static void cli_vmsg(const char *kind, const char *fmt, va_list ap) CLI_PRINTF(2, 0);
static void cli_vmsg(const char *kind, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "memintro: %s%s", kind, *kind ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_quiet;

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet) return code;
    va_start(ap, fmt);
    cli_vmsg("error", fmt, ap);
    va_end(ap);
    return code;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vmsg("warning", fmt, ap);
    va_end(ap);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vmsg("", fmt, ap);
    va_end(ap);
}

void *cli_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "memintro: error: out of memory (%llu bytes)\n", (cli_ull)n);
        exit(CLI_FAIL);
    }
    return p;
}

void *cli_grow(void *p, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *q = realloc(p, n * elem);
    if (!q) {
        fprintf(stderr, "memintro: error: out of memory\n");
        exit(CLI_FAIL);
    }
    *cap = n;
    return q;
}

const char *cli_oneline(const char *msg, char *buf, size_t len)
{
    size_t i;
    snprintf(buf, len, "%s", msg && *msg ? msg : "unknown error");
    for (i = 0; buf[i]; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
    while (i > 0 && buf[i - 1] == ' ') buf[--i] = 0;
    return buf;
}

/* ---- numbers and text ----------------------------------------------------------------- */

/* The length of the number at the start of s: 0x and hex digits, or decimal digits. */
static size_t cli_digits(const char *s)
{
    size_t i = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'); i++) {}
        return i > 2 ? i : 0;
    }
    while (s[i] >= '0' && s[i] <= '9') i++;
    return i;
}

const char *cli_parse_num(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n && memintro_parse_u64(s, n, out) == n) return 0;
    if (n && cli_digits(s) == n) return "does not fit in 64 bits";
    return "not a number (hex with 0x, or decimal)";
}

const char *cli_parse_len(const char *s, uint64_t *out)
{
    size_t n = strlen(s), d;
    uint64_t v;
    if (n && memintro_parse_size(s, n, out) == n) return 0;
    d = cli_digits(s);
    if (d && d < 64) {
        char num[64];
        memcpy(num, s, d);
        num[d] = 0;
        if (memintro_parse_u64(num, d, &v) != d) return "does not fit in 64 bits";
        if (d < n && strchr("kKmMgGtT", s[d]) && (!s[d + 1] || !strcmp(s + d + 1, "iB") || !strcmp(s + d + 1, "B")))
            return "does not fit in 64 bits";
    }
    return "not a length (a number, optionally with k, M or G)";
}

const char *cli_page_str(uint64_t size, char *buf, size_t len)
{
    if (size >= (1ull << 30) && !(size & ((1ull << 30) - 1)))
        snprintf(buf, len, "%lluG", (cli_ull)(size >> 30));
    else if (size >= (1ull << 20) && !(size & ((1ull << 20) - 1)))
        snprintf(buf, len, "%lluM", (cli_ull)(size >> 20));
    else if (size >= 1024 && !(size & 1023))
        snprintf(buf, len, "%lluK", (cli_ull)(size >> 10));
    else
        snprintf(buf, len, "%llu", (cli_ull)size);
    return buf;
}

const char *cli_human(uint64_t n, char *buf, size_t len)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = -1;
    double v = (double)n;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%llu bytes", (cli_ull)n);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, len, "%llu %s", (cli_ull)(uint64_t)v, unit[u]);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

static int cli_hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

const char *cli_parse_bytes(const char *p, uint8_t *out, uint8_t *mask, size_t cap, size_t *n)
{
    static char why[96];
    *n = 0;
    while (*p) {
        int hi, lo;
        if (*p == ' ' || *p == ':' || *p == ',') {
            p++;
            continue;
        }
        if (*n == cap) {
            snprintf(why, sizeof why, "more than %llu bytes", (cli_ull)cap);
            return why;
        }
        if (mask && p[0] == '?' && p[1] == '?') {
            out[*n] = 0;
            mask[(*n)++] = 0;
            p += 2;
            continue;
        }
        hi = cli_hexval(p[0]);
        lo = hi >= 0 ? cli_hexval(p[1]) : -1;
        if (hi < 0 || lo < 0) {
            snprintf(why, sizeof why, "expected pairs of hex digits%s at '%.8s'", mask ? " or ??" : "", p);
            return why;
        }
        out[*n] = (uint8_t)(hi << 4 | lo);
        if (mask) mask[*n] = 0xff;
        (*n)++;
        p += 2;
    }
    return 0;
}

/* ---- progress bar --------------------------------------------------------------------- */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cli_progress_draw(cli_progress *p, uint64_t done)
{
    char a[32], b[32], r[32];
    int width = 30, fill = p->total ? (int)((double)done / (double)p->total * width) : width, i;
    double secs = cli_now() - p->start;
    fprintf(stderr, "\r%s [", p->label);
    for (i = 0; i < width; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%  %s / %s", p->total ? (int)((double)done * 100.0 / (double)p->total) : 100,
            cli_human(done, a, sizeof a), cli_human(p->total, b, sizeof b));
    if (secs > 0.05) fprintf(stderr, "  %s/s", cli_human((uint64_t)((double)done / secs), r, sizeof r));
    fputs("\033[K", stderr);
    fflush(stderr);
}

void cli_progress_begin(cli_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->start = p->last = cli_now();
    p->on = isatty(STDERR_FILENO);
}

void cli_progress_update(cli_progress *p, uint64_t done)
{
    double t;
    if (!p->on) return;
    t = cli_now();
    if (t - p->last < 0.1) return;
    p->last = t;
    cli_progress_draw(p, done);
}

void cli_progress_end(cli_progress *p, uint64_t done)
{
    if (!p->on) return;
    cli_progress_draw(p, done);
    fputc('\n', stderr);
    p->on = 0;
}

/* ---- signals -------------------------------------------------------------------------- */

#define CLI_TMP_SLOTS 4
/* The temporaries being written: the handlers remove them (unlink is async-signal-safe). */
static char cli_tmp[CLI_TMP_SLOTS][4096];
static volatile sig_atomic_t cli_tmp_used[CLI_TMP_SLOTS];
/* The whole SIGBUS message, composed beforehand: the handler only write()s it. */
static char cli_bus_msg[1024] = "memintro: error: a memory-mapped file shrank while being read\n";

static void cli_tmp_cleanup(void)
{
    int i;
    for (i = 0; i < CLI_TMP_SLOTS; i++)
        if (cli_tmp_used[i]) unlink(cli_tmp[i]);
}

static void cli_on_signal(int sig)
{
    cli_tmp_cleanup();
    if (sig == SIGBUS) {
        ssize_t w = write(STDERR_FILENO, cli_bus_msg, strlen(cli_bus_msg));
        (void)w;
        _exit(CLI_FAIL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    signal(SIGXFSZ, SIG_IGN);
}

void cli_guard_name(const char *what)
{
    snprintf(cli_bus_msg, sizeof cli_bus_msg, "memintro: error: %s shrank while being read (bus error)\n", what);
}

/* ---- output files --------------------------------------------------------------------- */

int cli_outfile_open(cli_outfile *f, const char *path, int replace, const char *what)
{
    struct stat st, lst;
    int i, fd;
    memset(f, 0, sizeof *f);
    f->path = path;
    f->slot = -1;
    f->replace = replace;
    if (!strcmp(path, "-")) {
        f->is_stdout = 1;
        f->fd = STDOUT_FILENO;
        return CLI_OK;
    }
    if (stat(path, &st) == 0) {
        if (!replace) return cli_error(CLI_FAIL, "%s: %s exists; give --force to replace it", what, path);
        if (S_ISDIR(st.st_mode)) return cli_error(CLI_FAIL, "%s: cannot create %s: it is a directory", what, path);
        if (!S_ISREG(st.st_mode) || lstat(path, &lst) != 0 || !S_ISREG(lst.st_mode)) {
            /* a device, FIFO, socket or symbolic link: written in place, never replaced; a
               FIFO without a reader fails at once instead of blocking */
            fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | (S_ISREG(st.st_mode) ? O_TRUNC : 0));
            if (fd < 0) {
                int e = errno;
                return cli_error(CLI_FAIL, "%s: cannot open %s: %s", what, path,
                                 e == ENXIO ? "nobody is reading the FIFO" : strerror(e));
            }
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            f->fd = fd;
            f->in_place = 1;
            return CLI_OK;
        }
    }
    for (i = 0; i < CLI_TMP_SLOTS && cli_tmp_used[i]; i++) {}
    if (i == CLI_TMP_SLOTS) return cli_error(CLI_FAIL, "%s: too many output files", what);
    if (strlen(path) + 16 > sizeof cli_tmp[i]) return cli_error(CLI_USAGE, "%s: output path too long", what);
    snprintf(cli_tmp[i], sizeof cli_tmp[i], "%s.partial-XXXXXX", path);
    fd = mkstemp(cli_tmp[i]); /* mode 0600: the file holds guest memory */
    if (fd < 0) {
        int e = errno;
        return cli_error(CLI_FAIL, "%s: cannot create %s: %s", what, path, strerror(e));
    }
    cli_tmp_used[i] = 1;
    f->slot = i;
    f->fd = fd;
    return CLI_OK;
}

int cli_outfile_write(cli_outfile *f, const void *buf, size_t n)
{
    const char *p = (const char *)buf;
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void cli_outfile_forget(cli_outfile *f)
{
    if (f->slot >= 0) {
        cli_tmp_used[f->slot] = 0;
        f->slot = -1;
    }
}

int cli_outfile_commit(cli_outfile *f, const char **why)
{
    struct stat st;
    int e = 0;
    *why = "write";
    if (f->is_stdout) return 0;
    if (f->slot < 0) { /* in place */
        if (close(f->fd) != 0) e = errno;
        f->fd = -1;
        return e;
    }
    if (fsync(f->fd) != 0 && errno != EINVAL) e = errno;
    if (close(f->fd) != 0 && !e) e = errno;
    f->fd = -1;
    if (e) {
        cli_outfile_abort(f);
        return e;
    }
    *why = "create";
    if (f->replace) {
        if (rename(cli_tmp[f->slot], f->path) != 0) e = errno;
    } else if (link(cli_tmp[f->slot], f->path) != 0) {
        e = errno;
        /* a file system without hard links: rename, unless the name is taken meanwhile */
        if (e != EEXIST && lstat(f->path, &st) != 0 && rename(cli_tmp[f->slot], f->path) == 0) e = 0;
    }
    unlink(cli_tmp[f->slot]); /* the temporary name (after link, or after a failure) */
    cli_outfile_forget(f);
    return e;
}

void cli_outfile_abort(cli_outfile *f)
{
    if (f->fd >= 0 && !f->is_stdout && f->slot >= 0) close(f->fd);
    if (f->slot >= 0) unlink(cli_tmp[f->slot]);
    cli_outfile_forget(f);
    if (f->in_place && f->fd >= 0) close(f->fd);
    f->fd = -1;
}
