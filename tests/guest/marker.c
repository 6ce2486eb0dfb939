/*
 * mi-marker: guest helper for the memintro tests (built with gcc -static on
 * the host by tests/guest/build.sh, run by the guest's /init).
 *
 *   mi-marker INSTANCE PAGES [READYFILE]
 *
 * Maps PAGES anonymous pages (page aligned), writes one marker string at
 * offset 64 of every page (MARKER_OFF), plus one "span" string that crosses
 * the boundary between page 0 and page 1 (its tail ends before offset 64), mlock()s the pages, looks up each page's
 * physical frame in /proc/self/pagemap and prints, one write() per line:
 *
 *   MARKER <comm> pid=<pid> va=0x<hex> pa=0x<hex> text=<marker string>
 *   SPAN <comm> pid=<pid> va=0x<hex> pa=0x<hex> pa2=0x<hex> len=<n> text=<s>
 *
 * Marker k (k = 0..PAGES-1) of instance I is, with id = (I-1)*PAGES + k + 1:
 *   MEMINTRO-MARKER-<id %04u>-<(id * 0x9e3779b1) mod 2^32 as %08x>
 * e.g. instance 1 page 0: MEMINTRO-MARKER-0001-9e3779b1.
 * The span string of instance I (needs PAGES >= 2) is
 *   MEMINTRO-SPAN-<I %04u>-0123456789abcdefghijklmnopqrstuvwxyz
 * and starts 24 bytes before the end of page 0; pa is the physical address of
 * its first byte, pa2 that of page 1 (where the rest lives).
 * Then it creates READYFILE (if given) and sleeps forever in pause().
 *
 *   mi-marker INSTANCE PAGES READYFILE TICK_MS
 *
 * does the same, then prints
 *   TICK <comm> pid=<pid> va=0x<hex> pa=0x<hex> interval=<TICK_MS>
 * and, instead of pausing, every TICK_MS milliseconds (0: as fast as it can) rewrites the
 * tick string at offset TICK_OFF of page 0 ("MEMINTRO-TICK-<n as %010u>", n = 1, 2, ...)
 * and calls getppid() (a system call nothing else in the guest makes), so a write
 * watchpoint on va and a breakpoint on the kernel's __x64_sys_getppid fire at a known
 * rate in a known process. spin= is the address of mi_spin_step: while the byte 64 bytes
 * past the tick string is 'S' (written by a debugger), the loop only calls
 * mi_spin_step, which adds one to the 8-byte counter 72 bytes past the tick string (no
 * system call), so a breakpoint on it fires with nothing but that loop in between.
 *
 * Invoked through a name starting with "mi-sleeper" it only pauses forever.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "MARKER-ERROR %s\n", what);
    (void)!write(2, buf, (size_t)n);
    exit(1);
}

/* Physical address of virtual address va, or 0 if unknown. */
/* Markers sit past the span's tail in page 1, so neither overwrites the other. */
#define MARKER_OFF 64
/* The tick string: page 0, past the marker (64 + 30) and before the span (page end - 24). */
#define TICK_OFF 128

/* The spin loop's control byte and counter, relative to the tick string (same page). */
#define CTL_OFF 64
#define SPIN_OFF 72

/* One iteration of the spin loop, a function of its own (not inlined, not cloned), so a
   breakpoint on it fires once per iteration with no system call in between. */
__attribute__((noinline, noipa)) void mi_spin_step(volatile uint64_t *n)
{
    *n = *n + 1;
}

static uint64_t virt_to_phys(int pagemap, uintptr_t va, long psz)
{
    uint64_t e;
    off_t off = (off_t)(va / (uintptr_t)psz) * 8;
    if (pread(pagemap, &e, 8, off) != 8)
        return 0;
    if (!(e >> 63 & 1))                   /* not present */
        return 0;
    e &= (1ULL << 55) - 1;                /* bits 0-54: PFN (0 if not root) */
    return e * (uint64_t)psz + va % (uintptr_t)psz;
}

static void say(const char *line)
{
    size_t n = strlen(line), off = 0;
    while (off < n) {
        ssize_t w = write(1, line + off, n - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strncmp(base, "mi-sleeper", 10) == 0)
        for (;;)
            pause();
    if (argc < 3)
        die("usage: mi-marker INSTANCE PAGES [READYFILE]");

    unsigned inst = (unsigned)strtoul(argv[1], NULL, 0);
    unsigned pages = (unsigned)strtoul(argv[2], NULL, 0);
    long psz = sysconf(_SC_PAGESIZE);
    char comm[64] = "mi-marker", line[512];
    pid_t pid = getpid();

    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, comm, sizeof comm - 1);
        if (n > 0) {
            comm[n] = 0;
            comm[strcspn(comm, "\n")] = 0;
        }
        close(fd);
    }

    if (inst == 0 || pages == 0 || pages > 64)
        die("bad INSTANCE or PAGES");
    unsigned char *buf = mmap(NULL, (size_t)pages * (size_t)psz, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        die("mmap");

    /* Write the strings (this faults the pages in), then pin them. */
    char text[64][48];
    for (unsigned k = 0; k < pages; k++) {
        unsigned id = (inst - 1) * pages + k + 1;
        snprintf(text[k], sizeof text[k], "MEMINTRO-MARKER-%04u-%08x", id,
                 (unsigned)(id * 0x9e3779b1u));
        memcpy(buf + (size_t)k * (size_t)psz + MARKER_OFF, text[k], strlen(text[k]));
    }
    char span[80];
    size_t span_off = (size_t)psz - 24;
    snprintf(span, sizeof span, "MEMINTRO-SPAN-%04u-0123456789abcdefghijklmnopqrstuvwxyz", inst);
    if (pages >= 2)
        memcpy(buf + span_off, span, strlen(span));
    if (mlock(buf, (size_t)pages * (size_t)psz) != 0)
        die("mlock");

    int pm = open("/proc/self/pagemap", O_RDONLY);
    if (pm < 0)
        die("open /proc/self/pagemap");
    for (unsigned k = 0; k < pages; k++) {
        uintptr_t va = (uintptr_t)(buf + (size_t)k * (size_t)psz + MARKER_OFF);
        snprintf(line, sizeof line, "MARKER %s pid=%d va=0x%lx pa=0x%llx text=%s\n", comm,
                 (int)pid, (unsigned long)va, (unsigned long long)virt_to_phys(pm, va, psz),
                 text[k]);
        say(line);
    }
    if (pages >= 2) {
        uintptr_t va = (uintptr_t)(buf + span_off);
        snprintf(line, sizeof line, "SPAN %s pid=%d va=0x%lx pa=0x%llx pa2=0x%llx len=%zu text=%s\n",
                 comm, (int)pid, (unsigned long)va,
                 (unsigned long long)virt_to_phys(pm, va, psz),
                 (unsigned long long)virt_to_phys(pm, va + 24, psz), strlen(span), span);
        say(line);
    }
    close(pm);

    /* Drop the stack copies, so a scan finds the strings mostly in the pages. */
    explicit_bzero(text, sizeof text);
    explicit_bzero(span, sizeof span);
    explicit_bzero(line, sizeof line);

    long tick = argc > 4 ? strtol(argv[4], NULL, 0) : -1;
    if (tick >= 0) {
        int pm2 = open("/proc/self/pagemap", O_RDONLY);
        uintptr_t va = (uintptr_t)(buf + TICK_OFF);
        memcpy(buf + TICK_OFF, "MEMINTRO-TICK-0000000000", 25);
        snprintf(line, sizeof line, "TICK %s pid=%d va=0x%lx pa=0x%llx interval=%ld spin=0x%lx\n", comm, (int)pid,
                 (unsigned long)va, pm2 >= 0 ? (unsigned long long)virt_to_phys(pm2, va, psz) : 0ull, tick,
                 (unsigned long)(uintptr_t)&mi_spin_step);
        if (pm2 >= 0)
            close(pm2);
        say(line);
    }
    if (argc > 3) {
        fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            close(fd);
    }
    if (tick >= 0) {
        struct timespec ts = {tick / 1000, (tick % 1000) * 1000000L};
        volatile unsigned char *ctl = buf + TICK_OFF + CTL_OFF;
        unsigned n = 0;
        for (;;) {
            char t[32];
            while (*ctl == 'S')
                mi_spin_step((volatile uint64_t *)(buf + TICK_OFF + SPIN_OFF));
            snprintf(t, sizeof t, "MEMINTRO-TICK-%010u", ++n);
            memcpy(buf + TICK_OFF, t, 24); /* 14 + 10 characters; the NUL stays */
            (void)getppid();
            if (tick > 0)
                nanosleep(&ts, NULL);
        }
    }
    for (;;)
        pause();
}
