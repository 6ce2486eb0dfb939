/* tests/test_plugin.c: memintro_plugin.h.

   Real data: the plugins `make` built from examples/plugins/ (build/plugins/, file.so and toyos.so) and the
   variants mk/plugins.mk builds for the rejection cases (build/plugins-test/: the file
   plugin cross-compiled for AArch64, with descriptor ABI 2, with a DT_HASH table, calling
   a function of the program; a shared object without the descriptor). Expectations come
   from how they were built and from the system's own loader (dlopen/dlsym/dladdr give the
   descriptor's address and bytes), not from the checker.
   Synthetic data: a text file named .so, an empty file, copies of the real plugin
   truncated at every length and corrupted at random (a fixed seed) or at chosen header
   fields, the toy OS's process table and a raw image around it, written here. */
#define MEMINTRO_PLUGIN_IMPLEMENTATION
#include "memintro_plugin.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/check.h"

#ifndef MEMINTRO_TEST_PLUGINS
#define MEMINTRO_TEST_PLUGINS "build"
#endif

#if defined(__x86_64__)
#define HOST_MACHINE 62u /* EM_X86_64, <elf.h> */
#define HOST_NAME "x86-64"
#elif defined(__aarch64__)
#define HOST_MACHINE 183u
#define HOST_NAME "AArch64"
#endif

/* ---- the manual's EXAMPLE ---- */

static int example(void)
{
#include "plugin_example.inc"
    return 0;
}

/* ---- helpers ---- */

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = (uint8_t *)malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = 0;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static int spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return 0;
    ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int copy(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = slurp(from, &n);
    int ok = b && spit(to, b, n);
    free(b);
    return ok;
}

/* A reader over a buffer that counts reads and any request outside it. */
typedef struct buf_reader {
    const uint8_t *data;
    size_t size;
    unsigned long reads, outside;
} buf_reader;

static memintro_status buf_read(void *user, uint64_t off, void *out, size_t len)
{
    buf_reader *r = (buf_reader *)user;
    r->reads++;
    if (off > r->size || len > r->size - off) {
        r->outside++;
        return MEMINTRO_E_IO;
    }
    memcpy(out, r->data + off, len);
    return MEMINTRO_OK;
}

static memintro_status check_buf(const uint8_t *b, size_t n, memintro_plugin_elf *info, char *why, size_t wl,
                                 buf_reader *r)
{
    memset(r, 0, sizeof *r);
    r->data = b;
    r->size = n;
    return memintro_plugin_check_image(buf_read, r, n, info, why, wl);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void put64(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put32(uint8_t *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static char plugdir[256];
static char path_file[512], path_toy[512];

static const char *built(const char *rel, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", MEMINTRO_TEST_PLUGINS, rel);
    return buf;
}

/* ---- the ELF check on real files ---- */

static void test_check_real(void)
{
    memintro_plugin_elf e;
    char why[512], p[512];
    memintro_status s;
    void *h;
    Dl_info di;
    const memintro_plugin_descriptor *d;
    size_t n;
    uint8_t *b;

    s = memintro_plugin_check_file(built("plugins/file.so", p, sizeof p), &e, why, sizeof why);
    CHECK(s == MEMINTRO_OK, "file.so passes the check (%s: %s)", memintro_status_str(s), why);
    CHECK(e.elf_class == 64 && e.machine == HOST_MACHINE && e.type == 3 && !e.big_endian,
          "file.so: ELF64, this machine, ET_DYN (class %u, machine %u, type %u)", e.elf_class, e.machine, e.type);
    CHECK(e.has_symbol && e.abi == 1 && e.kind == MEMINTRO_PLUGIN_CONNECTOR, "file.so: descriptor abi 1, kind connector (%u, %u)",
          e.abi, e.kind);
    CHECK(e.symbols_from && !strcmp(e.symbols_from, "section headers"), "file.so: symbols found through the section headers");
    /* the system's loader says where the descriptor is: its address minus the load base is
       st_value (the first PT_LOAD of a PIC object is at 0), its bytes are the file's */
    h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != 0, "dlopen(file.so) works (%s)", h ? "" : dlerror());
    if (h) {
        d = (const memintro_plugin_descriptor *)dlsym(h, "memintro_plugin");
        CHECK(d && dladdr((const void *)d, &di) && di.dli_fbase, "dlsym and dladdr find the descriptor");
        if (d && di.dli_fbase) {
            CHECK((uint64_t)((const char *)d - (const char *)di.dli_fbase) == e.symbol_value,
                  "st_value 0x%llx is the descriptor's offset from the load base (0x%llx)",
                  (unsigned long long)e.symbol_value, (unsigned long long)((const char *)d - (const char *)di.dli_fbase));
            CHECK(e.symbol_size == sizeof *d, "st_size %llu is sizeof(memintro_plugin_descriptor) %u",
                  (unsigned long long)e.symbol_size, (unsigned)sizeof *d);
            b = slurp(p, &n);
            CHECK(b && e.descriptor_offset + 8 <= n && !memcmp(b + e.descriptor_offset, d, 8),
                  "the file's bytes at the descriptor offset 0x%llx are the loaded descriptor's abi and kind",
                  (unsigned long long)e.descriptor_offset);
            free(b);
        }
        dlclose(h);
    }
    s = memintro_plugin_check_file(built("plugins/toyos.so", p, sizeof p), &e, why, sizeof why);
    CHECK(s == MEMINTRO_OK && e.kind == MEMINTRO_PLUGIN_OS, "toyos.so passes, kind os (%s: %s)", memintro_status_str(s), why);

    s = memintro_plugin_check_file(built("plugins-test/aarch64.so", p, sizeof p), &e, why, sizeof why);
#ifdef __x86_64__
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "ELF for AArch64, this is x86-64") && e.machine == 183,
          "the aarch64 build is refused: \"%s\"", why);
#endif
    s = memintro_plugin_check_file(built("plugins-test/abi2.so", p, sizeof p), &e, why, sizeof why);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "ABI version 2, 1 is needed") && e.abi == 2,
          "the ABI-2 build is refused: \"%s\"", why);
    s = memintro_plugin_check_file(built("plugins-test/nosym.so", p, sizeof p), &e, why, sizeof why);
    CHECK(s == MEMINTRO_E_NOTFOUND && !strcmp(why, "no memintro_plugin symbol") && !e.has_symbol,
          "a shared object without the descriptor (but with memintro_plugin_not) is refused: \"%s\"", why);
    s = memintro_plugin_check_file(built("plugins-test/sysv.so", p, sizeof p), &e, why, sizeof why);
    CHECK(s == MEMINTRO_OK, "the DT_HASH build passes (%s)", why);
    s = memintro_plugin_check_file("/nonexistent/x.so", &e, why, sizeof why);
    CHECK(s == MEMINTRO_E_NOTFOUND && strstr(why, "No such file"), "a missing file: E_NOTFOUND \"%s\"", why);
    s = memintro_plugin_check_file("/tmp", &e, why, sizeof why);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "not a regular file"), "a folder: \"%s\"", why);
}

/* ---- the ELF check on synthetic and damaged images ---- */

/* Strips the section headers (e_shoff, e_shnum, e_shstrndx = 0): the dynamic segment must
   serve. */
static void strip_sections(uint8_t *b)
{
    put64(b + 40, 0);
    put16(b + 60, 0);
    put16(b + 62, 0);
}

static void test_check_synthetic(void)
{
    char why[512], p[512];
    memintro_plugin_elf e;
    buf_reader r;
    memintro_status s;
    size_t n, n2, i, cut;
    uint8_t *b = slurp(built("plugins/file.so", p, sizeof p), &n), *c, *b2;
    unsigned long fails = 0, whyless = 0, outside = 0, maxreads = 0, oks = 0;
    uint64_t shoff;
    if (!b) {
        CHECK(0, "cannot read %s", p);
        return;
    }
    c = (uint8_t *)malloc(n);

    s = check_buf((const uint8_t *)"hello, world\n", 13, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && !strcmp(why, "not an ELF file (13 bytes)"), "13 bytes of text: \"%s\"", why);
    s = check_buf((const uint8_t *)"this is a text file, not a shared object\n", 41, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && !strcmp(why, "not an ELF file"), "a text file: \"%s\"", why);
    s = check_buf(b, 0, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && r.reads == 0, "an empty file: no read, \"%s\"", why);

    /* stripped of section headers: PT_DYNAMIC, DT_GNU_HASH (Debian's default) */
    memcpy(c, b, n);
    strip_sections(c);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_OK && e.symbols_from && !strcmp(e.symbols_from, "dynamic segment") && e.abi == 1,
          "without section headers the dynamic segment finds the descriptor (DT_GNU_HASH) (%s)", why);
    b2 = slurp(built("plugins-test/sysv.so", p, sizeof p), &n2);
    if (b2) {
        strip_sections(b2);
        s = check_buf(b2, n2, &e, why, sizeof why, &r);
        CHECK(s == MEMINTRO_OK && e.symbols_from && !strcmp(e.symbols_from, "dynamic segment"),
              "without section headers the dynamic segment finds the descriptor (DT_HASH) (%s)", why);
        free(b2);
    }
    b2 = slurp(built("plugins-test/abi2.so", p, sizeof p), &n2);
    if (b2) {
        strip_sections(b2);
        s = check_buf(b2, n2, &e, why, sizeof why, &r);
        CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "ABI version 2, 1 is needed"),
              "the ABI-2 build without section headers: \"%s\"", why);
        free(b2);
    }

    /* chosen header fields */
    memcpy(c, b, n);
    put16(c + 16, 1);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "not a shared object (ELF type 1, a relocatable object)"),
          "e_type 1: \"%s\"", why);
    memcpy(c, b, n);
    c[4] = 1;
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "32-bit ELF for " HOST_NAME ", this is 64-bit " HOST_NAME),
          "EI_CLASS 1: \"%s\"", why);
    memcpy(c, b, n);
    c[5] = 2;
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && e.big_endian && strstr(why, ", this is " HOST_NAME),
          "EI_DATA 2 (big-endian): \"%s\"", why);
    memcpy(c, b, n);
    put16(c + 18, 40);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_UNSUPPORTED && !strcmp(why, "ELF for ARM, this is " HOST_NAME), "e_machine 40: \"%s\"", why);
    memcpy(c, b, n);
    put64(c + 40, UINT64_MAX - 63);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && r.outside == 0 && strstr(why, "section headers"), "e_shoff near 2^64: \"%s\"", why);
    memcpy(c, b, n);
    put16(c + 60, 0xffff);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && r.outside == 0, "e_shnum 65535: \"%s\"", why);
    memcpy(c, b, n);
    put64(c + 32, n - 8);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && r.outside == 0, "e_phoff at the end of the file: \"%s\"", why);
    memcpy(c, b, n);
    put16(c + 58, 8);
    s = check_buf(c, n, &e, why, sizeof why, &r);
    CHECK(s == MEMINTRO_E_FORMAT && strstr(why, "section header entries of 8 bytes"), "e_shentsize 8: \"%s\"", why);
    /* every dynsym entry's size 0, the string table's link out of range */
    shoff = memintro_get_u64(b + 40);
    {
        uint16_t shnum = memintro_get_u16(b + 60), k;
        int found = 0;
        for (k = 0; k < shnum; k++) {
            uint8_t *sh = b + shoff + 64u * k;
            if (memintro_get_u32(sh + 4) != 11) continue;
            found = 1;
            memcpy(c, b, n);
            put64(c + shoff + 64u * k + 56, 0);
            s = check_buf(c, n, &e, why, sizeof why, &r);
            CHECK(s == MEMINTRO_E_FORMAT && strstr(why, ".dynsym entries of 0 bytes"), ".dynsym sh_entsize 0: \"%s\"", why);
            memcpy(c, b, n);
            put32(c + shoff + 64u * k + 40, 60000);
            s = check_buf(c, n, &e, why, sizeof why, &r);
            CHECK(s == MEMINTRO_E_FORMAT && strstr(why, "string table is section 60000"), ".dynsym sh_link 60000: \"%s\"", why);
            memcpy(c, b, n);
            put64(c + shoff + 64u * k + 32, UINT64_MAX - 7);
            s = check_buf(c, n, &e, why, sizeof why, &r);
            CHECK(s == MEMINTRO_E_FORMAT && r.outside == 0, ".dynsym sh_size near 2^64: \"%s\"", why);
        }
        CHECK(found, "file.so has a .dynsym section header");
        /* the section header table is the file's last bytes: every shorter copy lacks part of it */
        CHECK(shoff + 64u * shnum == n, "file.so ends with its section headers (0x%llx + 64 x %u = %zu)",
              (unsigned long long)shoff, (unsigned)shnum, n);
    }

    /* truncated at every length: never OK, never a read outside, always a reason */
    for (cut = 0; cut < n; cut += (cut < 8192 ? 1 : 61)) {
        s = check_buf(b, cut, &e, why, sizeof why, &r);
        if (s == MEMINTRO_OK) fails++;
        if (!why[0]) whyless++;
        outside += r.outside;
        if (r.reads > maxreads) maxreads = r.reads;
    }
    CHECK(fails == 0 && whyless == 0 && outside == 0,
          "file.so truncated at every length below 8 KiB and every 61st above: all refused with a reason, no read "
          "outside (%lu passed, %lu without reason, %lu outside; at most %lu reads)", fails, whyless, outside, maxreads);
    /* the same stripped of section headers: the dynamic segment must bound itself too */
    memcpy(c, b, n);
    strip_sections(c);
    fails = whyless = outside = 0;
    for (cut = 0; cut < n; cut += (cut < 8192 ? 1 : 61)) {
        s = check_buf(c, cut, &e, why, sizeof why, &r);
        if (s != MEMINTRO_OK && !why[0]) whyless++;
        if (s == MEMINTRO_OK && (e.abi != 1 || e.descriptor_offset + 8 > cut)) fails++;
        outside += r.outside;
    }
    CHECK(fails == 0 && whyless == 0 && outside == 0,
          "stripped file.so truncated: refused with a reason, or passed with the descriptor inside (%lu bad, %lu "
          "without reason, %lu outside)", fails, whyless, outside);

    /* random corruption: 1 to 8 bytes of the first 4 KiB (headers, dynamic tables) or anywhere */
    fails = whyless = outside = maxreads = 0;
    for (i = 0; i < 30000; i++) {
        int k, nb = 1 + (int)(rng() % 8);
        int strip = (i % 3) == 0;
        memcpy(c, b, n);
        if (strip) strip_sections(c);
        for (k = 0; k < nb; k++) {
            size_t at = (i & 1) ? (size_t)(rng() % (n < 4096 ? n : 4096)) : (size_t)(rng() % n);
            c[at] = (uint8_t)rng();
        }
        if (i % 5 == 0) { /* a header field set to a hostile value */
            static const size_t fields[] = {32, 40, 54, 56, 58, 60};
            size_t f = fields[rng() % 6];
            if (f < 54) put64(c + f, rng() % 4 ? rng() : rng() % (n + 64));
            else put16(c + f, (uint16_t)rng());
        }
        s = check_buf(c, n, &e, why, sizeof why, &r);
        if (s != MEMINTRO_OK && !why[0]) whyless++;
        if (s == MEMINTRO_OK) {
            oks++;
            if (e.abi != 1 || (e.kind != 1 && e.kind != 2) || e.descriptor_offset + 8 > n ||
                memintro_get_u32(c + e.descriptor_offset) != 1)
                fails++;
        }
        outside += r.outside;
        if (r.reads > maxreads) maxreads = r.reads;
    }
    CHECK(fails == 0 && whyless == 0 && outside == 0 && maxreads < 4000000,
          "30000 corrupted copies: no read outside, a reason for every refusal, every pass with a valid descriptor "
          "(%lu bad passes, %lu without reason, %lu outside, %lu passed, at most %lu reads)", fails, whyless, outside,
          oks, maxreads);
    free(c);
    free(b);
}

/* ---- the search path ---- */

static void test_search_path(void)
{
    char buf[4096], small[16];
    size_t n;
    setenv("MEMINTRO_PLUGIN_PATH", "/a::/b/c:", 1);
    setenv("HOME", "/home/u", 1);
    n = memintro_plugin_search_path(buf, sizeof buf);
    CHECK(!strcmp(buf, "/a:/b/c:/home/u/.local/lib/memintro:/usr/local/lib/memintro:/usr/lib/memintro") &&
              n == strlen(buf),
          "search path: MEMINTRO_PLUGIN_PATH's folders (empty ones dropped), ~/.local/lib/memintro, "
          "/usr/local/lib/memintro, /usr/lib/memintro: \"%s\"", buf);
    CHECK(memintro_plugin_search_path(small, sizeof small) == n && strlen(small) == sizeof small - 1 &&
              !memcmp(small, buf, sizeof small - 1),
          "a short buffer gets the start, NUL-terminated, and the length needed");
    unsetenv("MEMINTRO_PLUGIN_PATH");
    unsetenv("HOME");
    memintro_plugin_search_path(buf, sizeof buf);
    CHECK(!strcmp(buf, "/usr/local/lib/memintro:/usr/lib/memintro"), "no MEMINTRO_PLUGIN_PATH, no HOME: \"%s\"", buf);
}

/* ---- small functions ---- */

static void test_small(void)
{
    memintro_connector_args a;
    char b[16];
    memset(&a, 0, sizeof a);
    a.count = 2;
    a.keys[0] = "base";
    a.values[0] = "0x10";
    a.keys[1] = "bas";
    a.values[1] = "";
    CHECK(!strcmp(memintro_plugin_arg(&a, "base"), "0x10") && !strcmp(memintro_plugin_arg(&a, "bas"), "") &&
              !memintro_plugin_arg(&a, "ba") && !memintro_plugin_arg(&a, "based"),
          "memintro_plugin_arg: exact key names, a flag is \"\", a missing key NULL");
    CHECK(!strcmp(memintro_plugin_machine_name(183, b, sizeof b), "AArch64") &&
              !strcmp(memintro_plugin_machine_name(62, b, sizeof b), "x86-64") &&
              !strcmp(memintro_plugin_machine_name(9999, b, sizeof b), "machine 9999"),
          "memintro_plugin_machine_name: EM_AARCH64 (183), EM_X86_64 (62), unknown");
    CHECK(!strcmp(memintro_plugin_kind_name(MEMINTRO_PLUGIN_OS), "os") && !strcmp(memintro_plugin_kind_name(7), "-") &&
              !strcmp(memintro_plugin_status_name(MEMINTRO_PLUGIN_REJECTED), "rejected"),
          "kind and status names");
}

/* ---- loading ---- */

static const memintro_plugin_entry *entry(const memintro_plugins *ps, const char *base)
{
    size_t i, l = strlen(plugdir);
    for (i = 0; i < ps->count; i++)
        if (!strncmp(ps->entries[i].path, plugdir, l) && ps->entries[i].path[l] == '/' &&
            !strcmp(ps->entries[i].path + l + 1, base))
            return &ps->entries[i];
    return 0;
}

static void set_age(const char *path, long ago)
{
    struct timeval tv[2];
    gettimeofday(&tv[0], 0);
    tv[0].tv_sec -= ago;
    tv[1] = tv[0];
    utimes(path, tv);
}

/* The toy OS's table (examples/plugins/toyos.c) at 0x3000 of a 1 MiB image. */
#define IMG_SIZE (1u << 20)
#define TOY_AT 0x3000u
static const struct { uint64_t pid, ppid, dtb; const char *name; } toy_procs[] = {
    {0, 0, 0, "idle"}, {1, 0, 0x10000, "init"}, {42, 1, 0x20000, "a-rather-long-name-of-exactly-39-chars!!"},
};

static void write_image(const char *path)
{
    uint8_t *img = (uint8_t *)calloc(1, IMG_SIZE);
    size_t i;
    memcpy(img + 0x1000, "memintro toy os", 15); /* no NUL after it: not the marker */
    img[0x1000 + 15] = 'X';
    memcpy(img + TOY_AT, "memintro toy os", 16);
    put32(img + TOY_AT + 16, 1);
    put32(img + TOY_AT + 20, 3);
    put64(img + TOY_AT + 24, 0xffffffff81000000ull);
    for (i = 0; i < 3; i++) {
        uint8_t *e = img + TOY_AT + 32 + 64 * i;
        put64(e, toy_procs[i].pid);
        put64(e + 8, toy_procs[i].ppid);
        put64(e + 16, toy_procs[i].dtb);
        memcpy(e + 24, toy_procs[i].name, strlen(toy_procs[i].name) < 40 ? strlen(toy_procs[i].name) : 40);
    }
    for (i = 0; i < 256; i++) img[0x80000 + i] = (uint8_t)(i ^ 0x5a);
    spit(path, img, IMG_SIZE);
    free(img);
}

typedef struct procs {
    memintro_os_process p[8];
    size_t n;
} procs;

static int on_proc(void *user, const memintro_os_process *p)
{
    procs *ps = (procs *)user;
    if (ps->n < 8) ps->p[ps->n++] = *p;
    return 0;
}

static void check_toy_procs(const procs *pr, const char *how)
{
    size_t i;
    int ok = pr->n == 3;
    for (i = 0; ok && i < 3; i++) {
        char want[40];
        snprintf(want, sizeof want, "%s", toy_procs[i].name); /* the layer clamps to 39 */
        ok = pr->p[i].pid == toy_procs[i].pid && pr->p[i].ppid == toy_procs[i].ppid && pr->p[i].dtb == toy_procs[i].dtb &&
             !strcmp(pr->p[i].name, want);
    }
    CHECK(ok, "%s: the toy OS lists the 3 processes written (pid, ppid, dtb, name clamped to 39): %zu listed", how, pr->n);
}

static void my_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

static void test_load(void)
{
    static const char *const copies[][2] = {
        {"plugins/file.so", "file.so"},         {"plugins/toyos.so", "toyos.so"},
        {"plugins-test/aarch64.so", "aarch64.so"}, {"plugins-test/abi2.so", "abi2.so"},
        {"plugins-test/nosym.so", "nosym.so"},   {"plugins-test/file2.so", "file2.so"},
        {"plugins-test/raw.so", "raw.so"},       {"plugins-test/toy2.so", "toy2.so"},
        {"plugins-test/undef.so", "undef.so"},
    };
    memintro_plugins ps, ps2;
    memintro_plugin_options o;
    const memintro_plugin_entry *e;
    const memintro_connector *c;
    const memintro_os_layer *const *layers;
    char p[512], q[512], img[512], want[1024];
    size_t i, nl;
    int ok = 1, found;
    memintro_status s;

    for (i = 0; i < sizeof copies / sizeof copies[0]; i++) {
        snprintf(q, sizeof q, "%s/%s", plugdir, copies[i][1]);
        ok &= copy(built(copies[i][0], p, sizeof p), q);
    }
    CHECK(ok, "the built plugins are copied to %s", plugdir);
    snprintf(q, sizeof q, "%s/text.so", plugdir);
    spit(q, "this is a text file named .so\n", 30);
    snprintf(q, sizeof q, "%s/lib.so.1", plugdir); /* not a candidate */
    copy(built("plugins/file.so", p, sizeof p), q);
    snprintf(q, sizeof q, "%s/dir.so", plugdir); /* not a regular file */
    mkdir(q, 0700);
    snprintf(q, sizeof q, "%s/link.so", plugdir);
    snprintf(p, sizeof p, "%s/file.so", plugdir);
    CHECK(symlink(p, q) == 0, "link.so -> file.so");
    /* ages: the file found later in name order is the newer one of each pair */
    snprintf(q, sizeof q, "%s/file.so", plugdir);
    set_age(q, 200);
    snprintf(q, sizeof q, "%s/file2.so", plugdir);
    set_age(q, 100);
    snprintf(q, sizeof q, "%s/toy2.so", plugdir);
    set_age(q, 200);
    snprintf(q, sizeof q, "%s/toyos.so", plugdir);
    set_age(q, 100);

    setenv("MEMINTRO_PLUGIN_PATH", plugdir, 1);
    setenv("HOME", "/nonexistent", 1);
    s = memintro_plugins_load(&ps, 0);
    CHECK(s == MEMINTRO_OK, "memintro_plugins_load: %s", memintro_status_str(s));
    CHECK(!strncmp(ps.path, plugdir, strlen(plugdir)), "it searched MEMINTRO_PLUGIN_PATH first (%s)", ps.path);
    for (i = 0; i < ps.count; i++) printf("# %s: %s %s\n", ps.entries[i].path, memintro_plugin_status_name(ps.entries[i].status),
                                        ps.entries[i].reason);
    CHECK(!entry(&ps, "lib.so.1") && !entry(&ps, "dir.so"), "lib.so.1 and the folder dir.so are not candidates");
    e = entry(&ps, "file2.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_LOADED && !strcmp(e->name, "file") && !strcmp(e->version, "2.0") &&
              e->kind == MEMINTRO_PLUGIN_CONNECTOR,
          "file2.so (newer) is loaded as connector \"file\" 2.0");
    snprintf(want, sizeof want, "name \"file\" taken by %s/file2.so (newer)", plugdir);
    e = entry(&ps, "file.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, want), "file.so (older) is rejected: \"%s\"",
          e ? e->reason : "(not listed)");
    e = entry(&ps, "toyos.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_LOADED && !strcmp(e->name, "toy") && e->kind == MEMINTRO_PLUGIN_OS,
          "toyos.so (newer) is loaded as OS layer \"toy\"");
    snprintf(want, sizeof want, "name \"toy\" taken by %s/toyos.so (newer)", plugdir);
    e = entry(&ps, "toy2.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, want), "toy2.so (older) is rejected: \"%s\"",
          e ? e->reason : "(not listed)");
    e = entry(&ps, "aarch64.so");
#ifdef __x86_64__
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, "ELF for AArch64, this is x86-64"),
          "aarch64.so: \"%s\"", e ? e->reason : "(not listed)");
#endif
    e = entry(&ps, "abi2.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, "ABI version 2, 1 is needed"), "abi2.so: \"%s\"",
          e ? e->reason : "(not listed)");
    e = entry(&ps, "nosym.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, "no memintro_plugin symbol"), "nosym.so: \"%s\"",
          e ? e->reason : "(not listed)");
    e = entry(&ps, "text.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, "not an ELF file"), "text.so: \"%s\"",
          e ? e->reason : "(not listed)");
    e = entry(&ps, "raw.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, "name \"raw\" taken by the built-in connector"),
          "raw.so: \"%s\"", e ? e->reason : "(not listed)");
    e = entry(&ps, "undef.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strncmp(e->reason, "dlopen: ", 8) &&
              strstr(e->reason, "memintro_connector_arg"),
          "undef.so: \"%s\"", e ? e->reason : "(not listed)");
    snprintf(want, sizeof want, "the same file as %s/file.so", plugdir);
    e = entry(&ps, "link.so");
    CHECK(e && e->status == MEMINTRO_PLUGIN_REJECTED && !strcmp(e->reason, want), "link.so: \"%s\"",
          e ? e->reason : "(not listed)");
    CHECK(ps.loaded == 2 && ps.rejected == ps.count - 2, "2 loaded, %zu rejected of %zu", ps.rejected, ps.count);

    /* registered */
    e = entry(&ps, "file2.so");
    c = memintro_target_connector_find("file");
    CHECK(c && e && e->descriptor && c == e->descriptor->connector && !strcmp(c->version, "2.0"),
          "memintro_target_connector_find(\"file\") is the plugin's connector");
    layers = memintro_os_layer_list(&nl);
    for (found = 0, i = 0; i < nl; i++)
        if (!strcmp(layers[i]->name, "toy")) found = (int)i + 1;
    CHECK(found && nl >= 2 && !strcmp(layers[nl - 1]->name, "none") && found < (int)nl,
          "memintro_os_layer_list has \"toy\" before \"none\" (%zu layers)", nl);

    /* the connector, called directly */
    snprintf(img, sizeof img, "%s/image.raw", plugdir);
    write_image(img);
    if (c) {
        memintro_connector_args a;
        memintro_connector_result r;
        char err[256] = "";
        uint8_t buf[32];
        memintro_op op;
        memset(&a, 0, sizeof a);
        memset(&r, 0, sizeof r);
        a.name = "file";
        a.target = img;
        a.count = 1;
        a.keys[0] = "base";
        a.values[0] = "0x100000";
        s = c->open(&a, 0, &r, err, sizeof err);
        CHECK(s == MEMINTRO_OK && r.phys && r.map && r.ram_size == IMG_SIZE, "file connector opens the image (%s)", err);
        if (s == MEMINTRO_OK) {
            s = memintro_phys_read1(r.phys, 0x180000, buf, 16);
            CHECK(s == MEMINTRO_OK && buf[0] == 0x5a && buf[15] == (15 ^ 0x5a), "base=0x100000: 0x180000 is file byte 0x80000");
            memset(&op, 0, sizeof op);
            op.addr = 0xffff8;
            op.buf = buf;
            op.len = 16;
            s = memintro_phys_read(r.phys, &op, 1);
            CHECK(s == MEMINTRO_E_HOLE && op.missing == 8, "a read across base: the 8 bytes below it are a hole (%s, %zu)",
                  memintro_status_str(s), op.missing);
            c->close(r.handle);
        }
        a.values[0] = "zz";
        s = c->open(&a, 0, &r, err, sizeof err);
        CHECK(s == MEMINTRO_E_INVALID && strstr(err, "base=zz"), "base=zz is refused: \"%s\"", err);
    }

    /* the OS layer through memintro_os.h on the built-in raw connector */
    {
        memintro_target t;
        memintro_os os;
        procs pr;
        char spec[600];
        snprintf(spec, sizeof spec, "raw:%s", img);
        s = memintro_target_open(&t, spec, 0);
        CHECK(s == MEMINTRO_OK, "raw:%s opens (%s)", img, memintro_target_error(&t));
        if (s == MEMINTRO_OK) {
            s = memintro_os_open(&os, &t, "toy", 0);
            CHECK(s == MEMINTRO_OK && os.layer && !strcmp(os.layer->name, "toy"), "memintro_os_open(\"toy\"): %s %s",
                  memintro_status_str(s), memintro_os_error(&os));
            if (s == MEMINTRO_OK) {
                memset(&pr, 0, sizeof pr);
                s = memintro_os_processes(&os, on_proc, &pr);
                CHECK(s == MEMINTRO_OK, "memintro_os_processes: %s", memintro_status_str(s));
                check_toy_procs(&pr, "named");
                memintro_os_close(&os);
            }
            s = memintro_os_open(&os, &t, "auto", 0);
            CHECK(s == MEMINTRO_OK && os.layer && !strcmp(os.layer->name, "toy"), "auto finds the toy OS: %s %s",
                  os.layer ? os.layer->name : "-", memintro_os_error(&os));
            if (s == MEMINTRO_OK) memintro_os_close(&os);
            memintro_target_close(&t);
        }
        /* the connector plugin through memintro_target_open (the registry's own string syntax) */
        snprintf(spec, sizeof spec, "file:%s,base=0x100000", img);
        s = memintro_target_open(&t, spec, 0);
        CHECK(s == MEMINTRO_OK, "memintro_target_open(\"file:IMAGE,base=0x100000\"): %s", memintro_target_error(&t));
        if (s == MEMINTRO_OK) {
            uint8_t b4[4];
            CHECK(memintro_phys_read1(t.phys, 0x180001, b4, 4) == MEMINTRO_OK && b4[0] == (1 ^ 0x5a) && b4[3] == (4 ^ 0x5a),
                  "the file plugin's target reads file byte 0x80001 at 0x180001");
            s = memintro_os_open(&os, &t, "auto", 0);
            CHECK(s == MEMINTRO_OK && !strcmp(os.layer->name, "toy"), "file plugin + toy OS plugin: auto finds toy (%s)",
                  memintro_os_error(&os));
            if (s == MEMINTRO_OK) {
                memset(&pr, 0, sizeof pr);
                memintro_os_processes(&os, on_proc, &pr);
                check_toy_procs(&pr, "file:IMAGE,base=0x100000 --os auto");
                memintro_os_close(&os);
            }
            memintro_target_close(&t);
        }
    }

    /* a second search in the same process: loaded files stay loaded, nothing registers twice */
    s = memintro_plugins_load(&ps2, 0);
    e = entry(&ps2, "file2.so");
    CHECK(s == MEMINTRO_OK && e && e->status == MEMINTRO_PLUGIN_LOADED && ps2.loaded == 2,
          "a second search lists the same two as loaded (%zu)", ps2.loaded);
    memintro_plugins_free(&ps2);

    /* an explicit path and CHECK_ONLY */
    memset(&o, 0, sizeof o);
    o.path = built("plugins", p, sizeof p);
    o.flags = MEMINTRO_PLUGIN_CHECK_ONLY;
    s = memintro_plugins_load(&ps2, &o);
    CHECK(s == MEMINTRO_OK && ps2.count == 2 && !strcmp(ps2.path, p) && ps2.loaded == 0 &&
              strstr(ps2.entries[0].reason, "check only"),
          "options.path replaces the search path; CHECK_ONLY loads none (%zu listed)", ps2.count);
    memintro_plugins_free(&ps2);
    o.flags = 0;
    o.allocator.alloc = 0;
    o.allocator.free = my_free;
    s = memintro_plugins_load(&ps2, &o);
    CHECK(s == MEMINTRO_E_INVALID && ps2.error[0], "a one-sided allocator: E_INVALID \"%s\"", ps2.error);
    memintro_plugins_free(&ps2);

    printf("# the manual's example:\n");
    example();
    memintro_plugins_free(&ps);
}

int main(void)
{
    char *d;
    snprintf(plugdir, sizeof plugdir, "/tmp/memintro-plugins-XXXXXX");
    d = mkdtemp(plugdir);
    CHECK(d != 0, "a temporary plugin folder %s", plugdir);
    if (!d) return 1;
    snprintf(path_file, sizeof path_file, "%s/file.so", plugdir);
    snprintf(path_toy, sizeof path_toy, "%s/toyos.so", plugdir);
    test_check_real();
    test_check_synthetic();
    test_search_path();
    test_small();
    test_load();
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", plugdir);
        if (system(cmd) != 0) printf("# could not remove %s\n", plugdir);
    }
    return check_done();
}
