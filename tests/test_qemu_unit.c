/* test_qemu_unit.c - memintro_qemu.h without a VM: white-box tests of its parsers and of
   its batch engine.

   Real data: tests/data/qemu/ holds text captured from Debian 12's QEMU 7.2 running the
   test guest (info mtree -f of q35, of pc with RAM above 4 GiB and of a memfd-backed q35,
   /proc/PID/cmdline and /proc/PID/maps of those QEMUs, a raw QMP session); the expected
   values below were read off those files by hand.
   Synthetic data: small hand-written samples for edge cases real QEMU did not show here
   (older mtree format, accelerator suffixes, names with spaces, malformed lines and
   JSON, odd command lines), and a canned QMP server on a socketpair.
   The batch engine (merging, holes, faults, zero-copy) runs against THIS process's own
   memory through process_vm_readv, with a memfd mapped twice for the zero-copy path. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_QEMU_IMPLEMENTATION
#include "memintro_qemu.h"

#include "tests/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATA "tests/data/qemu/"

static char *load(const char *name, size_t *len)
{
    char path[256];
    size_t n = 0;
    char *b;
    snprintf(path, sizeof path, DATA "%s", name);
    b = memintro__qemu_slurp(NULL, path, 1u << 20, &n);
    CHECK(b != NULL, "load %s", path);
    if (len) *len = n;
    return b;
}

/* A captured cmdline file has one argument per line: back to NUL separators. */
static memintro__qemu_cmd *cmd_from_file(const char *name)
{
    static memintro__qemu_cmd c;
    size_t n, i;
    char *b = load(name, &n);
    if (!b) return NULL;
    for (i = 0; i < n; i++)
        if (b[i] == '\n') b[i] = 0;
    memintro__qemu_parse_cmdline(b, n, &c);
    free(b);
    return &c;
}

/* Builds a NUL-separated command line from a NULL-terminated list. */
static memintro__qemu_cmd *cmd_from(const char *const *argv)
{
    static memintro__qemu_cmd c;
    static char buf[4096];
    size_t n = 0, i;
    for (i = 0; argv[i]; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(buf + n, argv[i], l);
        n += l;
    }
    memintro__qemu_parse_cmdline(buf, n, &c);
    return &c;
}

static void test_cmdline(void)
{
    memintro__qemu_cmd *c;
    uint64_t v;

    /* real */
    c = cmd_from_file("cmdline-q35.txt");
    CHECK(c && c->is_qemu, "real q35 cmdline is QEMU");
    CHECK(c && !strcmp(c->vm.name, "vm-q35"), "real q35 -name: %s", c ? c->vm.name : "");
    CHECK(c && !strcmp(c->vm.machine, "q35") && !c->vm.machine_default, "real q35 -machine");
    CHECK(c && c->vm.ram_size == 512ull << 20 && c->has_m, "real q35 -m 512M");
    CHECK(c && c->nqmp == 2 && !strcmp(c->vm.qmp, "unix:/tmp/mi/run/q35/qmp.sock") &&
              !strcmp(c->qmp[1], "unix:/tmp/mi/run/q35/qmp-test.sock"),
          "real q35: both -qmp sockets, first one reported");
    CHECK(c && !strcmp(c->vm.binary, "qemu-system-x86_64"), "real q35 binary");

    c = cmd_from_file("cmdline-pchi.txt");
    CHECK(c && !strcmp(c->vm.machine, "pc") && c->max_below_4g == 1ull << 30 && c->vm.ram_size == 1536ull << 20,
          "real pc cmdline: pc, max-ram-below-4g=1G, -m 1536M");

    c = cmd_from_file("cmdline-memfd.txt");
    CHECK(c && !strcmp(c->backend, "mem0") && c->nobj == 1 && !strcmp(c->obj[0].id, "mem0") &&
              !strcmp(c->obj[0].type, "memory-backend-memfd") && c->obj[0].size == 512ull << 20 && c->obj[0].share,
          "real memfd cmdline: memory-backend=mem0, its object");
    CHECK(c && !strcmp(c->vm.machine, "q35"), "real memfd cmdline: machine q35 (memory-backend= is not the type)");

    /* synthetic */
    {
        static const char *const a[] = {"/usr/bin/qemu-system-x86_64", "-daemonize", "-name",
                                        "guest=web,,1,debug-threads=on", "-S", "-M", "pc-q35-7.2,accel=kvm",
                                        "-m", "size=4G,slots=2,maxmem=8G", "-monitor", "stdio", NULL};
        c = cmd_from(a);
        CHECK(!strcmp(c->vm.name, "web,1"), "-name guest=...,,...: %s", c->vm.name);
        CHECK(!strcmp(c->vm.machine, "pc-q35-7.2"), "-M type,accel=kvm: %s", c->vm.machine);
        CHECK(c->vm.ram_size == 4ull << 30, "-m size=4G,slots=..");
        CHECK(c->nqmp == 0 && !c->vm.qmp[0], "-monitor is HMP, not QMP");
    }
    {
        static const char *const a[] = {"qemu-kvm", "--name", "plain", "-m", "1024", "-chardev",
                                        "socket,id=mon0,path=/run/q.sock,server=on,wait=off", "-mon",
                                        "chardev=mon0,mode=control", "-qmp", "tcp:127.0.0.1:4444,server,nowait",
                                        "-machine", "accel=tcg", NULL};
        c = cmd_from(a);
        CHECK(c->is_qemu && !strcmp(c->vm.name, "plain"), "qemu-kvm, --name plain");
        CHECK(c->vm.ram_size == 1024ull << 20, "-m 1024 is MiB");
        CHECK(c->nqmp == 2 && !strcmp(c->qmp[0], "tcp:127.0.0.1:4444") && !strcmp(c->qmp[1], "unix:/run/q.sock"),
              "QMP from -qmp tcp: and from -chardev socket + -mon mode=control");
        CHECK(c->vm.machine_default && !c->vm.machine[0], "-machine accel=tcg leaves the default machine");
    }
    {
        static const char *const a[] = {"qemu-system-x86_64", "-object",
                                        "memory-backend-file,id=ram1,size=2G,mem-path=/dev/shm/vm,share=on",
                                        "-machine", "q35,memory-backend=ram1", NULL};
        c = cmd_from(a);
        CHECK(c->vm.ram_size == 2ull << 30 && !c->has_m, "no -m: RAM size from the memory backend");
        CHECK(c->obj[0].share && !strcmp(c->obj[0].path, "/dev/shm/vm"), "memory-backend-file share=on, mem-path");
    }
    {
        static const char *const a[] = {"/bin/bash", "-c", "qemu-system-x86_64 -name x", NULL};
        c = cmd_from(a);
        CHECK(!c->is_qemu, "bash mentioning QEMU is not QEMU");
        c = cmd_from(a + 3); /* empty: a kernel thread */
        CHECK(!c->is_qemu && c->vm.ram_size == 128ull << 20, "empty cmdline: not QEMU");
    }
    {
        static const char *const a[] = {"qemu-system-x86_64", "-m", NULL};
        c = cmd_from(a);
        CHECK(c->vm.ram_size == 128ull << 20 && !c->has_m, "-m without value: default 128 MiB");
    }

    CHECK(memintro__qemu_size("512M", 1, &v) && v == 512ull << 20, "size 512M");
    CHECK(memintro__qemu_size("1.5G", 1, &v) && v == 1536ull << 20, "size 1.5G");
    CHECK(memintro__qemu_size("4096", 1, &v) && v == 4096, "size 4096 bytes");
    CHECK(memintro__qemu_size("2", 1ull << 20, &v) && v == 2ull << 20, "size 2 (MiB unit)");
    CHECK(memintro__qemu_size("2T", 1, &v) && v == 2ull << 40, "size 2T");
    CHECK(memintro__qemu_size("1GiB", 1, &v) && v == 1ull << 30, "size 1GiB");
    CHECK(!memintro__qemu_size("", 1, &v) && !memintro__qemu_size("abc", 1, &v) &&
              !memintro__qemu_size("1Q", 1, &v) && !memintro__qemu_size("99999999999999999999", 1, &v) &&
              !memintro__qemu_size("20E", 1, &v),
          "bad sizes rejected");
}

typedef struct maps_find {
    uint64_t size;
    int found;
    memintro__qemu_vma v;
    char path[256];
    int lines, bad;
} maps_find;

static int maps_find_fn(void *ctx, const char *line, size_t len)
{
    maps_find *f = (maps_find *)ctx;
    memintro__qemu_vma v;
    f->lines++;
    if (!memintro__qemu_parse_vma(line, len, &v)) {
        f->bad++;
        return 0;
    }
    if (v.end - v.start == f->size && v.perms[0] == 'r' && v.perms[1] == 'w' && v.perms[2] != 'x') {
        f->found++;
        f->v = v;
        memintro__qemu_strn(f->path, sizeof f->path, v.path, v.path_len);
        f->v.path = f->path;
    }
    return 0;
}

static void test_maps(void)
{
    maps_find f;
    memintro__qemu_vma v;
    const char *s;
    memset(&f, 0, sizeof f);
    f.size = 512ull << 20;
    CHECK(memintro__qemu_lines(DATA "maps-q35-512M.txt", maps_find_fn, &f) == 0, "read real maps");
    CHECK(f.lines == 326 && f.bad == 0, "real maps: 326 lines, all parsed (%d, %d bad)", f.lines, f.bad);
    CHECK(f.found == 1 && f.v.start == 0x7f971be00000ull && f.v.end == 0x7f973be00000ull && !f.path[0] &&
              !strcmp(f.v.perms, "rw-p"),
          "real maps: the one 512 MiB rw-p anonymous mapping is guest RAM");

    memset(&f, 0, sizeof f);
    f.size = 512ull << 20;
    memintro__qemu_lines(DATA "maps-q35-memfd.txt", maps_find_fn, &f);
    CHECK(f.found == 1 && f.v.start == 0x7f7277fff000ull && !strcmp(f.v.perms, "rw-s") && f.v.inode == 1032 &&
              f.v.dev_major == 0 && f.v.dev_minor == 1 && !strcmp(f.path, "/memfd:memory-backend-memfd (deleted)"),
          "real maps: memfd RAM is rw-s /memfd:memory-backend-memfd (deleted)");
    CHECK(memintro__qemu_vma_backing(&f.v) == MEMINTRO_QEMU_BACKING_MEMFD, "memfd backing recognised");

    s = "7f978806e000-7f97881bf000 r--p 00000000 fe:00 5309330                    /work/main/build/guest/initrd.img";
    CHECK(memintro__qemu_parse_vma(s, strlen(s), &v) && v.dev_major == 0xfe && v.inode == 5309330 &&
              memintro__qemu_vma_backing(&v) == MEMINTRO_QEMU_BACKING_FILE && v.path_len == 33,
          "real maps line: file mapping");
    s = "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]";
    CHECK(memintro__qemu_parse_vma(s, strlen(s), &v) && memintro__qemu_vma_backing(&v) == MEMINTRO_QEMU_BACKING_ANON,
          "[stack] is anonymous");
    s = "2000-1000 rw-p 00000000 00:00 0";
    CHECK(!memintro__qemu_parse_vma(s, strlen(s), &v), "end before start rejected");
    s = "1000-2000 rw-p";
    CHECK(!memintro__qemu_parse_vma(s, strlen(s), &v), "truncated line rejected");
    s = "zzzz";
    CHECK(!memintro__qemu_parse_vma(s, strlen(s), &v), "garbage rejected");
    s = "11111111111111111111-2 rw-p 0 0:0 0";
    CHECK(!memintro__qemu_parse_vma(s, strlen(s), &v), "overflowing address rejected");
}

static void test_mtree(void)
{
    memintro__qemu_mrange r[64];
    size_t n = 0, len;
    char err[256];
    char *t;
    memintro_status st;

    t = load("mtree-q35-512M.txt", &len);
    st = memintro__qemu_parse_mtree(t, len, r, 64, &n, err, sizeof err);
    CHECK(st == MEMINTRO_OK && n == 9, "real q35 mtree: 9 RAM/ROM ranges in AS memory (%u)", (unsigned)n);
    CHECK(n == 9 && r[0].start == 0 && r[0].size == 0xa0000 && !strcmp(r[0].name, "pc.ram") && r[0].offset == 0 &&
              !strcmp(r[0].type, "ram"),
          "q35 range 0: pc.ram 0-0x9ffff");
    CHECK(n == 9 && r[1].start == 0xc0000 && r[1].size == 0xb000 && !strcmp(r[1].type, "rom") &&
              r[1].offset == 0xc0000,
          "q35 range 1: PAM rom view of pc.ram @0xc0000");
    CHECK(n == 9 && r[6].start == 0x100000 && r[6].size == 0x1ff00000 && r[6].offset == 0x100000, "q35 main RAM");
    CHECK(n == 9 && !strcmp(r[7].name, "vga.vram") && r[7].start == 0xfd000000 && r[7].size == 0x1000000,
          "q35 vga.vram");
    CHECK(n == 9 && !strcmp(r[8].name, "pc.bios") && r[8].start == 0xfffc0000 && r[8].size == 0x40000, "q35 pc.bios");
    free(t);

    t = load("mtree-pc-1536M-below1G.txt", &len);
    st = memintro__qemu_parse_mtree(t, len, r, 64, &n, err, sizeof err);
    CHECK(st == MEMINTRO_OK && n == 10 && r[9].start == 0x100000000ull && r[9].size == 0x20000000 &&
              r[9].offset == 0x40000000 && !strcmp(r[9].name, "pc.ram"),
          "real pc mtree: RAM above 4 GiB at block offset 1 GiB");
    CHECK(n == 10 && r[6].start == 0x100000 && r[6].size == 0x3ff00000, "real pc mtree: low RAM ends at 1 GiB");
    free(t);

    t = load("mtree-q35-memfd-mem0.txt", &len);
    st = memintro__qemu_parse_mtree(t, len, r, 64, &n, err, sizeof err);
    CHECK(st == MEMINTRO_OK && n == 9 && !strcmp(r[0].name, "mem0") && !strcmp(r[6].name, "mem0"),
          "real memfd mtree: AS memory is FlatView #1, block named mem0");
    CHECK(memintro__qemu_parse_mtree(t, len, r, 4, &n, err, sizeof err) == MEMINTRO_E_LIMIT, "cap is enforced");
    free(t);

    {
        static const char s[] =
            "address-space (flat view): I/O\n"
            "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n\n"
            "address-space (flat view): memory\n"
            "  0000000000000000-000000000009ffff (prio 0, ram): pc.ram KVM\n"
            "  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem\n"
            "  0000000000100000-00000000bfffffff (prio 0, ram): pc.ram @0000000000100000 KVM\n"
            "  00000000fe000000-00000000fe00ffff (prio 0, romd): system.flash0 @0000000000010000\n"
            "  0000000100000000-000000013fffffff (prio 0, nv-ram): my nvdimm region @0000000000001000\n"
            "  00000000fc000000-00000000fc0fffff (prio 0, ramd): 0000:01:00.0 BAR 0 mmaps[0]\n\n"
            "address-space (flat view): cpu-memory-0\n"
            "  0000000000000000-000000000009ffff (prio 0, ram): pc.ram KVM\n";
        st = memintro__qemu_parse_mtree(s, sizeof s - 1, r, 64, &n, err, sizeof err);
        CHECK(st == MEMINTRO_OK && n == 4, "old mtree format (<2.12), KVM suffix: 4 ranges (%u)", (unsigned)n);
        CHECK(n == 4 && !strcmp(r[0].name, "pc.ram") && r[1].offset == 0x100000 && !strcmp(r[1].name, "pc.ram"),
              "KVM suffix and @offset stripped from the name");
        CHECK(n == 4 && !strcmp(r[2].type, "romd") && r[2].offset == 0x10000, "romd range kept");
        CHECK(n == 4 && !strcmp(r[3].name, "my nvdimm region") && !strcmp(r[3].type, "nv-ram") &&
                  r[3].offset == 0x1000,
              "name with spaces, nv-ram");
    }
    {
        static const char s[] = "FlatView #0\n AS \"I/O\", root: io\n Root memory region: io\n"
                                "  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n";
        CHECK(memintro__qemu_parse_mtree(s, sizeof s - 1, r, 64, &n, err, sizeof err) == MEMINTRO_E_FORMAT &&
                  strstr(err, "\"memory\""),
              "no AS memory: E_FORMAT naming it (%s)", err);
    }
    {
        static const char s[] = "FlatView #0\n AS \"memory\", root: system\n"
                                "  0000000000000000-000000000009ffff (prio 0, ram): pc.ram\n"
                                "  00000000000a0000-0000000000000001 (prio 0, ram): backwards\n";
        CHECK(memintro__qemu_parse_mtree(s, sizeof s - 1, r, 64, &n, err, sizeof err) == MEMINTRO_E_FORMAT,
              "range ending before its start: E_FORMAT (%s)", err);
    }
    {
        static const char s[] = "FlatView #0\n AS \"memory\", root: system\n  00000000000a0000-00000000000bffff (prio";
        CHECK(memintro__qemu_parse_mtree(s, sizeof s - 1, r, 64, &n, err, sizeof err) == MEMINTRO_E_FORMAT,
              "truncated line: E_FORMAT");
    }
    {
        static const char s[] = "FlatView #0\r\n AS \"memory\", root: system\r\n"
                                "  0000000000000000-ffffffffffffffff (prio 0, ram): everything\r\n";
        st = memintro__qemu_parse_mtree(s, sizeof s - 1, r, 64, &n, err, sizeof err);
        CHECK(st == MEMINTRO_OK && n == 1 && r[0].size == UINT64_MAX && !strcmp(r[0].name, "everything"),
              "CRLF lines, a range over the whole space (size saturated)");
    }
}

static void test_gpa2hva(void)
{
    uint64_t h = 0;
    CHECK(memintro__qemu_parse_gpa2hva("Host virtual address for 0x100000000 (pc.ram) is 0x7f987fe00000\r\n", NULL,
                                       &h) &&
              h == 0x7f987fe00000ull,
          "real gpa2hva answer");
    CHECK(memintro__qemu_parse_gpa2hva("Host virtual address for 0x0 (pc.ram) is 0x7f971be00000\r\n", "pc.ram", &h),
          "gpa2hva with matching name");
    CHECK(!memintro__qemu_parse_gpa2hva("Host virtual address for 0x0 (pc.ram) is 0x7f971be00000\r\n", "mem0", &h),
          "gpa2hva with another name rejected");
    CHECK(!memintro__qemu_parse_gpa2hva("Memory at address 0xa0000 is not RAM\r\n", NULL, &h), "real: not RAM");
    CHECK(!memintro__qemu_parse_gpa2hva("No memory is mapped at address 0x50000000\r\n", NULL, &h), "real: unmapped");
    CHECK(!memintro__qemu_parse_gpa2hva("Host virtual address for 0x0 (x) is (nil)\r\n", NULL, &h), "(nil) rejected");
}

static void test_json(void)
{
    size_t n, len, lines = 0;
    char out[64], *t, *p;
    const char *v;
    uint64_t x;
    static const char greet[] = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                                "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}";
    CHECK(memintro__qj_member(greet, greet + sizeof greet - 1, "QMP") != NULL, "greeting has QMP");
    CHECK(memintro__qj_frame(greet, sizeof greet - 1) == (long)(sizeof greet - 1), "greeting frames as one object");
    CHECK(memintro__qj_frame(greet, 40) == 0, "a cut object is incomplete");
    CHECK(memintro__qj_frame("  [1]", 5) == -1, "a top-level array is malformed for QMP");
    CHECK(memintro__qj_frame("{\"a\":\"}}}\"}", 11) == 11, "braces inside strings do not count");

    t = load("qmp-session-pc.txt", &len);
    for (p = t; p && *p; lines++) {
        char *nl = strchr(p, '\n');
        const char *o = strchr(p, '{'), *e = nl ? nl : p + strlen(p);
        if (e > p && e[-1] == '\r') e--;
        if (o && o < e) {
            CHECK_QUIET(memintro__qj_skip(o, e, 0) == e, "real QMP line %u is well-formed JSON", (unsigned)lines);
            if ((v = memintro__qj_member(o, e, "return")) && *v == '[') {
                const char *sz = memintro__qj_member(v + 1, e, "size");
                CHECK(sz && memintro_parse_u64(sz, (size_t)(e - sz), &x) && x == 1610612736ull,
                      "real query-memdev: size 1610612736");
            }
            if ((v = memintro__qj_member(o, e, "error"))) {
                const char *c = memintro__qj_member(v, e, "class");
                CHECK(c && memintro__qj_string(c, e, out, sizeof out, &n) && !strcmp(out, "CommandNotFound"),
                      "real QMP error class");
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    CHECK(lines == 8, "real QMP session: 8 lines");
    free(t);

    {
        static const char s[] = "\"a\\r\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude00\\ud800x\"";
        CHECK(memintro__qj_string(s, s + sizeof s - 1, out, sizeof out, &n) == s + sizeof s - 1 &&
                  !strcmp(out, "a\r\n\t\"\\/\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"),
              "string escapes, \\u, surrogate pair, lone surrogate");
        CHECK(memintro__qj_string(s, s + sizeof s - 1, out, 4, &n) && n == 3 && !strcmp(out, "a\r\n"),
              "decoding truncates to the buffer");
    }
    {
        static const char bad1[] = "\"abc";
        static const char bad2[] = "\"\\q\"";
        static const char bad3[] = "\"\\u12\"";
        static const char bad4[] = "{\"a\" 1}";
        static const char bad5[] = "{\"a\":1,}";
        CHECK(!memintro__qj_string(bad1, bad1 + 4, out, sizeof out, &n) &&
                  !memintro__qj_string(bad2, bad2 + 4, out, sizeof out, &n) &&
                  !memintro__qj_string(bad3, bad3 + 6, out, sizeof out, &n),
              "bad strings rejected");
        CHECK(!memintro__qj_skip(bad4, bad4 + 7, 0) && !memintro__qj_skip(bad5, bad5 + 8, 0), "bad objects rejected");
    }
    {
        char deep[300];
        int i;
        memset(deep, 0, sizeof deep);
        for (i = 0; i < 100; i++) deep[i] = '[';
        for (i = 100; i < 200; i++) deep[i] = ']';
        CHECK(memintro__qj_skip(deep, deep + 200, 0) == NULL, "nesting beyond 64 levels rejected");
        deep[0] = '{';
        CHECK(memintro__qj_frame(deep, 200) == -1, "framing rejects deep nesting");
    }
    {
        static const char s[] = "{\"return\": \"x\", \"id\": 3}";
        v = memintro__qj_member(s, s + sizeof s - 1, "id");
        CHECK(v && memintro_parse_u64(v, 3, &x) && x == 3, "member after a string");
        CHECK(!memintro__qj_member(s, s + sizeof s - 1, "event"), "absent member");
    }
}

/* A canned QMP server: the script is written into one end of a socketpair before the
   client reads; the client's commands pile up unread in the other direction. */
static int canned(memintro__qmp *m, const char *script)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    memset(m, 0, sizeof *m);
    m->fd = sv[0];
    m->timeout_ms = 200;
    if (script && write(sv[1], script, strlen(script)) != (ssize_t)strlen(script)) return -1;
    return sv[1];
}

static void test_qmp_client(void)
{
    memintro__qmp m;
    int peer;
    char *t;
    const char *r;
    size_t n;

    peer = canned(&m, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n{\"return\": {}, \"id\": 0}\r\n"
                      "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1}}\r\n"
                      "{\"return\": \"stale\", \"id\": 99}\r\n"
                      "{\"return\": \"Host virtual address for 0x0 (pc.ram) is 0x7f0000000000\\r\\n\", \"id\": 1}\r\n"
                      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom\"}, \"id\": 2}\r\n");
    CHECK(memintro__qmp_handshake(&m) == 0, "canned QMP: handshake");
    t = memintro__qmp_hmp(&m, "gpa2hva 0x0");
    CHECK(t && !strcmp(t, "Host virtual address for 0x0 (pc.ram) is 0x7f0000000000\r\n"),
          "canned QMP: events and replies with other ids skipped, HMP text decoded");
    free(t);
    n = memintro__qmp_exec(&m, "query-x", NULL, &r);
    CHECK(n == 0 && strstr(m.err, "GenericError") && strstr(m.err, "boom"), "canned QMP: error reply named (%s)",
          m.err);
    n = memintro__qmp_exec(&m, "query-y", NULL, &r);
    CHECK(n == 0 && strstr(m.err, "no answer"), "canned QMP: silence times out (%s)", m.err);
    memintro__qmp_close(&m);
    close(peer);

    peer = canned(&m, "Welcome to the HMP monitor\r\n(qemu) ");
    CHECK(memintro__qmp_handshake(&m) != 0 && strstr(m.err, "malformed"), "HMP instead of QMP: refused (%s)", m.err);
    memintro__qmp_close(&m);
    close(peer);

    peer = canned(&m, "{\"greeting\": 1}\n");
    CHECK(memintro__qmp_handshake(&m) != 0 && strstr(m.err, "no QMP greeting"), "object without QMP: refused");
    memintro__qmp_close(&m);
    close(peer);

    peer = canned(&m, "{\"QMP\": {}}\n{\"error\": {\"class\": \"x\", \"desc\": \"y\"}}\n");
    CHECK(memintro__qmp_handshake(&m) != 0 && strstr(m.err, "refused"), "capabilities refused");
    memintro__qmp_close(&m);
    close(peer);

    peer = canned(&m, "{\"QMP\": {}}\n");
    close(peer);
    CHECK(memintro__qmp_handshake(&m) != 0 && (strstr(m.err, "closed") || strstr(m.err, "Broken pipe")), "connection closed mid-handshake (%s)", m.err);
    memintro__qmp_close(&m);

    peer = canned(&m, NULL);
    CHECK(memintro__qmp_handshake(&m) != 0 && strstr(m.err, "no answer"), "no greeting: times out");
    memintro__qmp_close(&m);
    close(peer);

    memset(&m, 0, sizeof m);
    m.timeout_ms = 200;
    CHECK(memintro__qmp_connect(&m, "unix:/nonexistent/qmp.sock", NULL) != 0 && strstr(m.err, "/nonexistent/qmp.sock"),
          "missing socket named (%s)", m.err);
    CHECK(memintro__qmp_connect(&m, "tcp:127.0.0.1", NULL) != 0 && strstr(m.err, "no port"), "tcp without port");
    CHECK(memintro__qmp_connect(&m, "serial:/dev/ttyS0", NULL) != 0, "unknown address kind rejected");
}

static void test_table(void)
{
    const uint64_t M = 1ull << 20, G = 1ull << 30;
    uint64_t lo = 0, hi = 0;
    const char *why;
    /* pc_piix.c's own comment gives -m 4G: 3072/1024, pc-1.7: 3584/512,
       max-ram-below-4g=2G: 2048/2048, -m 3968M,max-ram-below-4g=4G: all low */
    CHECK(memintro__qemu_table("pc", 0, "qemu-system-x86_64", 4 * G, 0, &lo, &hi, &why) && lo == 3 * G && hi == G,
          "pc 4G: 3G + 1G");
    CHECK(memintro__qemu_table("pc-i440fx-1.7", 0, "x", 4 * G, 0, &lo, &hi, &why) && lo == 3584 * M && hi == 512 * M,
          "pc-i440fx-1.7 4G: 3.5G + 0.5G");
    CHECK(memintro__qemu_table("pc-i440fx-7.2", 0, "x", 4 * G, 2 * G, &lo, &hi, &why) && lo == 2 * G && hi == 2 * G,
          "pc max-ram-below-4g=2G");
    CHECK(memintro__qemu_table("pc", 0, "x", 3968 * M, 4 * G, &lo, &hi, &why) && lo == 3968 * M && hi == 0,
          "pc -m 3968M max-ram-below-4g=4G: all low");
    CHECK(memintro__qemu_table("pc", 0, "x", 3 * G, 0, &lo, &hi, &why) && lo == 3 * G && hi == 0, "pc 3G: all low");
    CHECK(memintro__qemu_table("pc", 0, "x", 1536 * M, G, &lo, &hi, &why) && lo == G && hi == 512 * M,
          "pc 1536M below 1G: 1G + 512M (the test guest's layout)");
    CHECK(memintro__qemu_table("", 1, "qemu-system-x86_64", 8 * G, 0, &lo, &hi, &why) && lo == 3 * G && hi == 5 * G,
          "default x86 machine is pc");
    CHECK(memintro__qemu_table("q35", 0, "x", 4 * G, 0, &lo, &hi, &why) && lo == 2 * G && hi == 2 * G, "q35 4G: 2G + 2G");
    CHECK(memintro__qemu_table("pc-q35-7.2", 0, "x", 2 * G, 0, &lo, &hi, &why) && lo == 2 * G && hi == 0,
          "q35 2G: all low");
    CHECK(memintro__qemu_table("q35", 0, "x", 0xb0000000ull, 0, &lo, &hi, &why) && lo == 2 * G && hi == 0x30000000,
          "q35 2816M: 2G + 768M");
    CHECK(memintro__qemu_table("q35", 0, "x", 2 * G, G, &lo, &hi, &why) && lo == G && hi == G, "q35 below 1G");
    CHECK(!memintro__qemu_table("microvm", 0, "qemu-system-x86_64", G, 0, &lo, &hi, &why) && why, "microvm: no table");
    CHECK(!memintro__qemu_table("", 1, "qemu-system-aarch64", G, 0, &lo, &hi, &why) && why,
          "aarch64 default machine: no table");

    /* the legacy VGA window: present or not as QEMU 7.2's info mtree -f showed for each of
       these command lines (vga-lowmem / cirrus-low-memory at 0xa0000, or pc.ram through
       0xbffff) */
    {
        static const char *const a0[] = {"qemu-system-x86_64", "-m", "256M", NULL};
        static const char *const a1[] = {"qemu-system-x86_64", "-vga", "none", NULL};
        static const char *const a2[] = {"qemu-system-x86_64", "-nodefaults", NULL};
        static const char *const a3[] = {"qemu-system-x86_64", "-vga", "std", "-nodefaults", NULL};
        static const char *const a4[] = {"qemu-system-x86_64", "-nodefaults", "-device", "VGA", NULL};
        static const char *const a5[] = {"qemu-system-x86_64", "-nodefaults", "-device", "virtio-gpu-pci", NULL};
        static const char *const a6[] = {"qemu-system-x86_64", "-device", "isa-vga", "-vga", "none", NULL};
        static const char *const a7[] = {"qemu-system-x86_64", "-nodefaults", "-device", "bochs-display", NULL};
        static const char *const a8[] = {"qemu-system-x86_64", "-vga", "cirrus", NULL};
        static const char *const a9[] = {"qemu-system-x86_64", "-display", "none", "-vga", "none", NULL};
        static const char *const a10[] = {"qemu-system-x86_64", "-nodefaults", "-device", "qxl-vga,id=v0", NULL};
        CHECK(memintro__qemu_vga(cmd_from(a0)), "VGA: default card");
        CHECK(!memintro__qemu_vga(cmd_from(a1)), "VGA: -vga none: no window");
        CHECK(!memintro__qemu_vga(cmd_from(a2)), "VGA: -nodefaults: no window");
        CHECK(memintro__qemu_vga(cmd_from(a3)), "VGA: -vga std -nodefaults");
        CHECK(memintro__qemu_vga(cmd_from(a4)), "VGA: -nodefaults -device VGA");
        CHECK(!memintro__qemu_vga(cmd_from(a5)), "VGA: -nodefaults -device virtio-gpu-pci: no window");
        CHECK(memintro__qemu_vga(cmd_from(a6)), "VGA: -device isa-vga -vga none");
        CHECK(!memintro__qemu_vga(cmd_from(a7)), "VGA: -nodefaults -device bochs-display: no window");
        CHECK(memintro__qemu_vga(cmd_from(a8)), "VGA: -vga cirrus");
        CHECK(!memintro__qemu_vga(cmd_from(a9)), "VGA: -display none -vga none: no window");
        CHECK(memintro__qemu_vga(cmd_from(a10)), "VGA: -device qxl-vga,id=v0");
    }
}

static void test_options(void)
{
    memintro_qemu_options o;
    char st[256];
    const char *e;
    e = memintro_qemu_options_parse(&o, "qemu:name=vm1,qmp=unix:/run/vm1.qmp,map=table,write", st, sizeof st);
    CHECK(!e && o.name && !strcmp(o.name, "vm1") && !strcmp(o.qmp, "unix:/run/vm1.qmp") &&
              o.map == MEMINTRO_QEMU_LAYOUT_TABLE && o.write,
          "options: name, qmp, map, write");
    e = memintro_qemu_options_parse(&o, "qemu", st, sizeof st);
    CHECK(!e && !o.name && !o.pid && !o.qmp && !o.write, "options: bare qemu");
    e = memintro_qemu_options_parse(&o, "pid=42,qmp=tcp:localhost:4444,map=qmp,nozerocopy", st, sizeof st);
    CHECK(!e && o.pid == 42 && o.map == MEMINTRO_QEMU_LAYOUT_QMP && o.no_zero_copy, "options without prefix");
    e = memintro_qemu_options_parse(&o, "qemu:pid=x", st, sizeof st);
    CHECK(e && strstr(e, "pid=x"), "bad pid named (%s)", e);
    e = memintro_qemu_options_parse(&o, "qemu:map=guess", st, sizeof st);
    CHECK(e && strstr(e, "map=guess"), "bad map named");
    e = memintro_qemu_options_parse(&o, "qemu:qmp=/run/x", st, sizeof st);
    CHECK(e && strstr(e, "unix:PATH"), "bad qmp address named");
    e = memintro_qemu_options_parse(&o, "qemu:colour=red", st, sizeof st);
    CHECK(e && strstr(e, "colour"), "unknown key named");
    e = memintro_qemu_options_parse(&o, "qemu:name=a-very-long-name", st, 8);
    CHECK(e != NULL, "storage too small");
}

/* The batch engine against this process: "guest RAM" is a local buffer. */
static unsigned char ram[3 << 20];

static void selftest_open(memintro_qemu *q, memintro_qemu_region *reg, size_t n, memintro_range *storage)
{
    char st;
    uint64_t fl;
    size_t i;
    memset(q, 0, sizeof *q);
    q->pid = (int)getpid();
    q->pidfd = -1;
    memintro__qemu_stat(q->pid, &st, &fl, &q->starttime);
    q->regions = reg;
    q->nregions = n;
    memintro_memmap_init(&q->map, storage, n);
    for (i = 0; i < n; i++) memintro_memmap_add(&q->map, reg[i].start, reg[i].size, reg[i].hva);
    q->pieces = (memintro_qemu__piece *)malloc(1024 * sizeof *q->pieces);
    q->iov = malloc(2 * 1024 * sizeof(struct iovec));
    q->zc_storage = (memintro_range *)malloc(n * sizeof *q->zc_storage);
    q->zc_direct = (unsigned char *)malloc(n);
    q->phys.read = memintro__qemu_read;
    q->phys.write = memintro__qemu_write;
    q->phys.direct = memintro__qemu_direct;
    q->sys.read = memintro__qemu_sys_read;
    q->sys.write = memintro__qemu_sys_write;
    q->sys.user = q;
    q->writable = 1;
    q->opened = 1;
    q->check_ns = 0;
    memintro__qemu_build_zc(q);
}

static void selftest_free(memintro_qemu *q)
{
    free(q->pieces);
    free(q->iov);
    free(q->zc_storage);
    free(q->zc_direct);
    q->pieces = NULL;
    q->iov = NULL;
    q->zc_storage = NULL;
    q->zc_direct = NULL;
}

static void test_engine(void)
{
    static memintro_op ops[3000];
    static unsigned char out[3000 * 8];
    memintro_qemu q;
    memintro_qemu_region reg[3];
    memintro_range storage[3];
    size_t i, bad = 0;
    uint64_t before;
    unsigned char *gap;
    long pg = sysconf(_SC_PAGESIZE);
    memintro_status st;

    for (i = 0; i < sizeof ram; i++) ram[i] = (unsigned char)(i * 7 + (i >> 12));
    /* an unmapped page to fault on */
    gap = (unsigned char *)mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gap + pg, (size_t)pg);
    memset(reg, 0, sizeof reg);
    reg[0].start = 0;
    reg[0].size = 1 << 20;
    reg[0].hva = (uint64_t)(uintptr_t)ram;
    reg[1].start = 0x100000000ull; /* above 4 GiB, backed by the rest of ram */
    reg[1].size = 2 << 20;
    reg[1].hva = (uint64_t)(uintptr_t)(ram + (1 << 20));
    reg[2].start = 0x200000000ull; /* a region whose middle page is not mapped */
    reg[2].size = (uint64_t)pg * 3;
    reg[2].hva = (uint64_t)(uintptr_t)gap;
    selftest_open(&q, reg, 3, storage);

    /* 1024 adjacent 8-byte reads: one system call, one iovec each side */
    for (i = 0; i < 1024; i++) {
        ops[i].addr = 0x1000 + i * 8;
        ops[i].buf = out + i * 8;
        ops[i].len = 8;
        ops[i].flags = 0;
    }
    before = q.syscalls;
    st = memintro_phys_read(&q.phys, ops, 1024);
    CHECK(st == MEMINTRO_OK && q.syscalls - before == 1 && !memcmp(out, ram + 0x1000, 8192),
          "1024 adjacent reads: one process_vm_readv, right bytes");

    /* 3000 scattered reads: ceil(3000/1024) = 3 calls */
    for (i = 0; i < 3000; i++) {
        uint64_t a = ((uint64_t)i * 2654435761u) % ((3 << 20) - 8);
        ops[i].addr = a < (1 << 20) ? a : 0x100000000ull + (a - (1 << 20));
        ops[i].buf = out + i * 8;
        ops[i].len = 8;
    }
    before = q.syscalls;
    st = memintro_phys_read(&q.phys, ops, 3000);
    for (i = 0; i < 3000; i++) {
        uint64_t a = ((uint64_t)i * 2654435761u) % ((3 << 20) - 8);
        if (memcmp(out + i * 8, ram + a, 8) || ops[i].status != MEMINTRO_OK) bad++;
    }
    CHECK(st == MEMINTRO_OK && bad == 0 && q.syscalls - before == 3, "3000 scattered reads in 3 calls (%u), %u bad",
          (unsigned)(q.syscalls - before), (unsigned)bad);

    /* one read across the end of region 0 into the hole after it */
    {
        unsigned char b[32];
        memset(b, 0xee, sizeof b);
        ops[0].addr = (1 << 20) - 16;
        ops[0].buf = b;
        ops[0].len = 32;
        st = memintro_phys_read(&q.phys, ops, 1);
        CHECK(st == MEMINTRO_E_HOLE && ops[0].missing == 16 && !memcmp(b, ram + (1 << 20) - 16, 16) && !b[16] && !b[31],
              "read into a hole: partial, missing bytes zeroed");
    }

    /* a fault in the middle of a batch: the others still complete */
    {
        unsigned char b[3][16];
        memset(b, 0xee, sizeof b);
        ops[0].addr = 0x2000;
        ops[0].buf = b[0];
        ops[0].len = 16;
        ops[1].addr = 0x200000000ull + (uint64_t)pg - 8; /* 8 readable bytes, then the unmapped page */
        ops[1].buf = b[1];
        ops[1].len = 16;
        ops[2].addr = 0x3000;
        ops[2].buf = b[2];
        ops[2].len = 16;
        st = memintro_phys_read(&q.phys, ops, 3);
        CHECK(ops[0].status == MEMINTRO_OK && ops[2].status == MEMINTRO_OK && !memcmp(b[0], ram + 0x2000, 16) &&
                  !memcmp(b[2], ram + 0x3000, 16),
              "fault mid-batch: the other reads complete");
        CHECK(ops[1].status == MEMINTRO_E_IO && ops[1].missing == 8 && b[1][8] == 0 && st == MEMINTRO_E_IO,
              "fault mid-batch: the faulting read is partial (%s, missing %u)", memintro_status_str(ops[1].status),
              (unsigned)ops[1].missing);
        CHECK(strstr(memintro_qemu_error(&q), "disappeared") != NULL, "fault named: %s", memintro_qemu_error(&q));
    }

    /* writes, through process_vm_writev */
    {
        unsigned char w[4] = {1, 2, 3, 4};
        ops[0].addr = 0x100000010ull;
        ops[0].buf = w;
        ops[0].len = 4;
        st = memintro_phys_write(&q.phys, ops, 1);
        CHECK(st == MEMINTRO_OK && !memcmp(ram + (1 << 20) + 0x10, w, 4), "write lands");
        q.phys.write = NULL;
        st = memintro_phys_write(&q.phys, ops, 1);
        CHECK(st == MEMINTRO_E_READONLY, "write refused when not writable");
    }

    /* zero-copy: guest RAM in a memfd, "QEMU's" mapping and ours are two mappings of it */
    {
        int fd = memfd_create("memintro-test", MFD_ALLOW_SEALING);
        unsigned char *qemu_view, *ours;
        memintro_qemu z;
        memintro_qemu_region zr;
        memintro_range zs;
        memintro_qemu__mapping zm;
        unsigned char b[16];
        CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "memfd");
        qemu_view = (unsigned char *)mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ours = (unsigned char *)mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0);
        memcpy(qemu_view, ram, 1 << 20);
        memset(&zr, 0, sizeof zr);
        zr.size = 1 << 20;
        zr.hva = (uint64_t)(uintptr_t)qemu_view;
        selftest_open(&z, &zr, 1, &zs);
        memset(&zm, 0, sizeof zm);
        zm.hva = zr.hva;
        zm.size = 1 << 20;
        zm.local = ours;
        zm.fd = fd;
        zm.file_size = 1 << 20;
        z.maps = &zm;
        z.nmaps = 1;
        zr.zero_copy = 1;
        zm.sealed = 0;
        memintro__qemu_build_zc(&z);
        CHECK(z.zc_map.count == 1 && memintro_phys_direct(&z.phys, 0x1000, NULL) == NULL,
              "zero-copy from a file that may shrink: no direct access");
        zm.sealed = 1;
        memintro__qemu_build_zc(&z);
        {
            uint64_t avail = 0;
            const void *d = memintro_phys_direct(&z.phys, 0x1000, &avail);
            CHECK(d == ours + 0x1000 && avail == (1 << 20) - 0x1000, "sealed zero-copy RAM: direct pointer into our mapping");
            CHECK(memintro_phys_direct(&z.phys, 1 << 20, &avail) == NULL && avail == 0, "direct: NULL past the RAM");
        }
        zm.sealed = 0;
        memintro__qemu_build_zc(&z);
        before = z.syscalls;
        for (i = 0; i < 1024; i++) {
            ops[i].addr = (i * 7919u) % ((1 << 20) - 8);
            ops[i].buf = out + i * 8;
            ops[i].len = 8;
        }
        st = memintro_phys_read(&z.phys, ops, 1024);
        for (i = 0, bad = 0; i < 1024; i++)
            if (memcmp(out + i * 8, ram + (i * 7919u) % ((1 << 20) - 8), 8)) bad++;
        CHECK(st == MEMINTRO_OK && bad == 0 && z.syscalls == before, "zero-copy: right bytes, no system call");
        /* a batch mixing zero-copy RAM and a hole */
        {
            unsigned char h[32];
            memset(h, 0xee, sizeof h);
            ops[0].addr = (1 << 20) - 16;
            ops[0].buf = h;
            ops[0].len = 32;
            ops[1].addr = 0x40;
            ops[1].buf = h + 16; /* overwritten below: only checks status */
            ops[1].len = 0;
            st = memintro_phys_read(&z.phys, ops, 1);
            CHECK(st == MEMINTRO_E_HOLE && ops[0].missing == 16 && !memcmp(h, ram + (1 << 20) - 16, 16) && !h[16] &&
                      !h[31] && strstr(memintro_qemu_error(&z), "not backed"),
                  "zero-copy read into a hole: partial, zeroed, named");
        }
        /* the file shrinks under us: the next check marks the mapping dead, no SIGBUS */
        z.check_ns = 0;
        CHECK(ftruncate(fd, 4096) == 0, "shrink the memfd");
        st = memintro_phys_read1(&z.phys, 0x8000, b, 16);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&z), "shrank"), "shrunk shared RAM: E_IO (%s)",
              memintro_qemu_error(&z));
        selftest_free(&z);
        munmap(qemu_view, 1 << 20);
        munmap(ours, 1 << 20);
        close(fd);
    }

    /* a target that exits: E_GONE, and it stays gone */
    {
        pid_t child = fork();
        unsigned char b[8];
        char stc;
        if (child == 0) {
            pause();
            _exit(0);
        }
        q.pid = (int)child;
        memintro__qemu_stat(q.pid, &stc, &before, &q.starttime);
        st = memintro_phys_read1(&q.phys, 0x10, b, 8);
        CHECK(st == MEMINTRO_OK && !memcmp(b, ram + 0x10, 8), "read a child's copy of the memory");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        st = memintro_phys_read1(&q.phys, 0x10, b, 8);
        CHECK(st == MEMINTRO_E_GONE && strstr(memintro_qemu_error(&q), "exited"), "exited target: E_GONE (%s)",
              memintro_qemu_error(&q));
        st = memintro_phys_read1(&q.phys, 0x10, b, 8);
        CHECK(st == MEMINTRO_E_GONE && !memintro_qemu_alive(&q), "and stays gone");
    }
    selftest_free(&q);
    q.regions = NULL;
    q.nregions = 0;
    memintro_qemu_close(&q);
    st = memintro_phys_read1(&q.phys, 0x10, out, 8);
    CHECK(st == MEMINTRO_E_INVALID, "read after close: E_INVALID, no crash");
}

static void test_describe(void)
{
    memintro_qemu q;
    memintro_qemu_region r[2];
    memintro_qemu_info in;
    char buf[2048], small[16];
    size_t n;
    memset(&q, 0, sizeof q);
    memset(r, 0, sizeof r);
    r[0].size = 0xa0000;
    r[0].hva = 0x7f0000000000ull;
    r[0].guest_ram = 1;
    strcpy(r[0].type, "ram");
    strcpy(r[0].block, "pc.ram");
    r[1].start = 0x100000000ull;
    r[1].size = 512ull << 20;
    r[1].block_offset = 0x40000000;
    r[1].hva = 0x7f0040000000ull;
    r[1].backing = MEMINTRO_QEMU_BACKING_MEMFD;
    r[1].zero_copy = 1;
    r[1].guest_ram = 1;
    strcpy(r[1].type, "ram");
    strcpy(r[1].block, "mem0");
    strcpy(r[1].path, "/memfd:memory-backend-memfd (deleted)");
    q.pid = 77;
    strcpy(q.name, "vm");
    strcpy(q.machine, "pc-q35-7.2");
    strcpy(q.source, "QMP unix:/x");
    q.layout = MEMINTRO_QEMU_LAYOUT_QMP;
    q.regions = r;
    q.nregions = 2;
    q.ram_size = 1ull << 30;
    memintro_qemu_get_info(&q, &in);
    CHECK(in.count == 2 && in.mapped == 0xa0000 + (512ull << 20) && in.zero_copy_regions == 1 &&
              in.layout == MEMINTRO_QEMU_LAYOUT_QMP,
          "info: counts and totals");
    n = memintro_qemu_describe(&q, buf, sizeof buf);
    CHECK(n == strlen(buf) && strstr(buf, "0x0000000100000000-0x0000000120000000") && strstr(buf, "mem0+0x40000000") &&
              strstr(buf, "memfd /memfd:memory-backend-memfd (deleted) (zero-copy)") && strstr(buf, "guest RAM 1 GiB"),
          "describe: ranges with backing:\n%s", buf);
    CHECK(memintro_qemu_describe(&q, NULL, 0) == n, "describe(NULL, 0) returns the length");
    CHECK(memintro_qemu_describe(&q, small, sizeof small) == n && strlen(small) == sizeof small - 1,
          "describe truncates like snprintf");
    CHECK(!strcmp(memintro_qemu_layout_str(MEMINTRO_QEMU_LAYOUT_TABLE), "table") &&
              !strcmp(memintro_qemu_backing_str(MEMINTRO_QEMU_BACKING_FILE), "file"),
          "enum names");
}

/* The manual's example, compiled (and run: no VM is named "vm1" here). */
static int manual_example(void)
{
    memintro_qemu q;
    memintro_qemu_options o;
    char banner[64];
    memset(&o, 0, sizeof o);
    o.name = "memintro-no-such-vm-1"; /* the manual says "vm1" */
    if (memintro_qemu_open(&q, &o) != MEMINTRO_OK) {
        fprintf(stderr, "%s\n", memintro_qemu_error(&q));
        return 1;
    }
    memintro_phys_read1(&q.phys, 0x1000000, banner, sizeof banner);
    memintro_qemu_close(&q);
    return 0;
}

static void *count_alloc(size_t n, void *user)
{
    ++*(int *)user;
    return malloc(n);
}

static void count_free(void *p, void *user)
{
    --*(int *)user;
    free(p);
}

static void test_open_errors(void)
{
    memintro_qemu q;
    memintro_qemu_options o;
    memintro_qemu_vm vms[8];
    size_t n = 99;
    int live = 0;
    memintro_status st;
    memset(&o, 0, sizeof o);
    o.pid = (int)getpid();
    st = memintro_qemu_open(&q, &o);
    CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "not a QEMU VM"), "own pid: not QEMU (%s)",
          memintro_qemu_error(&q));
    o.pid = 0x7ffffff0;
    st = memintro_qemu_open(&q, &o);
    CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "no process"), "missing pid (%s)",
          memintro_qemu_error(&q));
    memset(&o, 0, sizeof o);
    o.name = "memintro-no-such-vm-1";
    o.allocator.alloc = count_alloc;
    o.allocator.free = count_free;
    o.allocator.user = &live;
    st = memintro_qemu_open(&q, &o);
    CHECK(st == MEMINTRO_E_NOTFOUND && strstr(memintro_qemu_error(&q), "memintro-no-such-vm-1"),
          "unknown name named (%s)", memintro_qemu_error(&q));
    CHECK(live == 0, "failed open released everything through the allocator (%d live)", live);
    memintro_qemu_close(&q);
    CHECK(memintro_qemu_list(vms, 8, &n) == MEMINTRO_OK && n != 99, "list runs (%u VMs)", (unsigned)n);
    CHECK(manual_example() == 1, "manual example compiles and fails cleanly without the VM");
}

/* info registers -a: real text of a 2-vCPU x86-64 guest and of an i386 CPU at reset; the
   single-block form (no "CPU#" header, as older QEMUs print `info registers`) is the real
   text with its header line cut; malformed variants are edits of the real text. */
static void test_registers(void)
{
    memintro_cpu c[4];
    memintro_mmu_desc d;
    size_t n = 99, len, len32;
    char *t = load("registers-smp2-x86_64.txt", &len);
    char *t32 = load("registers-i386-reset.txt", &len32);
    char *b, *h;
    if (!t || !t32) return;

    CHECK(memintro_qemu_parse_registers(t, len, c, 4, &n) == MEMINTRO_OK && n == 2, "registers: 2 CPUs (%u)",
          (unsigned)n);
    CHECK(c[0].index == 0 && c[1].index == 1, "registers: indexes from CPU#N");
    CHECK(c[0].isa == MEMINTRO_ISA_X86_64 && c[1].isa == MEMINTRO_ISA_X86_64, "registers: x86-64 layout");
    CHECK(c[0].flags == (MEMINTRO_CPU_GPRS | MEMINTRO_CPU_SYSTEM | MEMINTRO_CPU_EFER), "registers: flags %#x",
          c[0].flags);
    CHECK(c[0].gpr[MEMINTRO_REG_RAX] == 0x1ad40 && c[0].gpr[MEMINTRO_REG_RDX] == 0x4000000000000000ull &&
              c[0].gpr[MEMINTRO_REG_RSI] == 0x83 && c[0].gpr[MEMINTRO_REG_RDI] == 0x71cc &&
              c[0].gpr[MEMINTRO_REG_RBP] == 0xffffffffa2c1aa40ull && c[0].gpr[MEMINTRO_REG_RSP] == 0xffffffffa2c03e98ull,
          "registers: CPU#0 general registers");
    CHECK(c[0].gpr[9] == 0x3457cf17 && c[0].gpr[11] == 1 && c[0].gpr[15] == 0x14790, "registers: CPU#0 R9 R11 R15");
    CHECK(c[1].gpr[MEMINTRO_REG_RDI] == 0xd3a4 && c[1].gpr[10] == 0xfffffffb && c[1].gpr[12] == 1 &&
              c[1].gpr[MEMINTRO_REG_RSP] == 0xffffd17fc009bed8ull,
          "registers: CPU#1 has its own registers, not CPU#0's");
    CHECK(c[0].rip == 0xffffffffa1c17a0bull && c[0].rflags == 0x246, "registers: RIP RFL");
    CHECK(c[0].cr[0] == 0x80050033 && c[0].cr[2] == 0x3a987730 && c[0].cr[3] == 0x19e4000 && c[0].cr[4] == 0x6b0 &&
              c[0].efer == 0xd01,
          "registers: CPU#0 CR0 CR2 CR3 CR4 EFER");
    CHECK(c[1].cr[2] == 0x5794a9 && c[1].cr[3] == 0x19e2000 && c[1].cr[4] == 0x6a0, "registers: CPU#1 CR2 CR3 CR4");
    CHECK(c[0].seg[MEMINTRO_SEG_CS].selector == 0x10 && c[0].seg[MEMINTRO_SEG_CS].base == 0 &&
              c[0].seg[MEMINTRO_SEG_CS].limit == 0xffffffff && c[0].seg[MEMINTRO_SEG_CS].flags == 0xaf9b00,
          "registers: CS");
    CHECK(c[0].seg[MEMINTRO_SEG_SS].selector == 0x18 && c[0].seg[MEMINTRO_SEG_SS].flags == 0xcf9300 &&
              c[0].seg[MEMINTRO_SEG_LDT].flags == 0x8200 && c[0].seg[MEMINTRO_SEG_ES].selector == 0,
          "registers: SS LDT ES");
    CHECK(c[0].seg[MEMINTRO_SEG_GS].base == 0xffff8f135f400000ull && c[1].seg[MEMINTRO_SEG_GS].base == 0xffff8f135f500000ull,
          "registers: per-CPU GS base");
    CHECK(c[0].seg[MEMINTRO_SEG_TR].selector == 0x40 && c[0].seg[MEMINTRO_SEG_TR].base == 0xfffffe0000003000ull &&
              c[0].seg[MEMINTRO_SEG_TR].limit == 0x4087 && c[0].seg[MEMINTRO_SEG_TR].flags == 0x8900,
          "registers: TR");
    CHECK(c[0].seg[MEMINTRO_SEG_GDT].base == 0xfffffe0000001000ull && c[0].seg[MEMINTRO_SEG_GDT].limit == 0x7f &&
              c[1].seg[MEMINTRO_SEG_GDT].base == 0xfffffe000003c000ull && c[0].seg[MEMINTRO_SEG_IDT].base == 0xfffffe0000000000ull &&
              c[0].seg[MEMINTRO_SEG_IDT].limit == 0xfff,
          "registers: GDT IDT");
    CHECK(memintro_cpu_mmu(&c[1], &d) == MEMINTRO_OK && d.arch == MEMINTRO_ARCH_X86_64 && d.dtb == 0x19e2000,
          "registers: CPU#1 -> x86-64 4-level, dtb 0x19e2000");

    /* counting and capacity */
    CHECK(memintro_qemu_parse_registers(t, len, NULL, 0, &n) == MEMINTRO_OK && n == 2, "registers: count only");
    memset(c, 0, sizeof c);
    CHECK(memintro_qemu_parse_registers(t, len, c, 1, &n) == MEMINTRO_E_NOSPACE && n == 2 && c[0].cr[3] == 0x19e4000 &&
              c[1].cr[3] == 0,
          "registers: capacity 1 of 2 -> NOSPACE, first filled");

    /* one block without a header */
    h = strstr(t, "CPU#1");
    b = strstr(t, "RAX=");
    CHECK(h && b && memintro_qemu_parse_registers(b, (size_t)(h - b), c, 4, &n) == MEMINTRO_OK && n == 1 &&
              c[0].index == 0 && c[0].cr[3] == 0x19e4000 && c[0].seg[MEMINTRO_SEG_GS].base == 0xffff8f135f400000ull,
          "registers: single block without CPU# header");
    /* the second block alone: index from its header */
    CHECK(h && memintro_qemu_parse_registers(h, len - (size_t)(h - t), c, 4, &n) == MEMINTRO_OK && n == 1 &&
              c[0].index == 1 && c[0].cr[3] == 0x19e2000,
          "registers: CPU#1 alone keeps index 1");

    /* i386 layout (qemu-system-i386 -smp 2 at reset) */
    CHECK(memintro_qemu_parse_registers(t32, len32, c, 4, &n) == MEMINTRO_OK && n == 2, "registers i386: 2 CPUs");
    CHECK(c[0].isa == MEMINTRO_ISA_X86 && c[0].gpr[MEMINTRO_REG_RDX] == 0x663 && c[0].rip == 0xfff0 &&
              c[0].rflags == 2 && c[0].cr[0] == 0x60000010 && (c[0].flags & MEMINTRO_CPU_EFER) && c[0].efer == 0,
          "registers i386: EDX EIP EFL CR0 EFER");
    CHECK(c[0].seg[MEMINTRO_SEG_CS].selector == 0xf000 && c[0].seg[MEMINTRO_SEG_CS].base == 0xffff0000 &&
              c[0].seg[MEMINTRO_SEG_CS].limit == 0xffff && c[0].seg[MEMINTRO_SEG_CS].flags == 0x9b00 &&
              c[0].seg[MEMINTRO_SEG_GDT].limit == 0xffff,
          "registers i386: CS and GDT");
    CHECK(memintro_cpu_mmu(&c[0], &d) == MEMINTRO_E_NOTFOUND, "registers i386: paging off at reset");

    /* malformed */
    CHECK(memintro_qemu_parse_registers("", 0, c, 4, &n) == MEMINTRO_E_FORMAT && n == 0, "registers: empty -> FORMAT");
    CHECK(memintro_qemu_parse_registers("unknown command: 'info registers'\n", 35, c, 4, &n) == MEMINTRO_E_FORMAT,
          "registers: HMP error text -> FORMAT");
    CHECK(memintro_qemu_parse_registers(NULL, 0, c, 4, &n) == MEMINTRO_E_INVALID, "registers: NULL -> INVALID");
    b = (char *)malloc(len + 1);
    if (b) {
        char *x;
        memcpy(b, t, len);
        b[len] = 0;
        x = strstr(strstr(b, "CPU#1"), "CR3=");
        memcpy(x, "CRX", 3); /* CPU#1 without CR3 */
        CHECK(memintro_qemu_parse_registers(b, len, c, 4, &n) == MEMINTRO_E_FORMAT, "registers: block without CR3");
        memcpy(x, "CR3=0000zz", 10);
        CHECK(memintro_qemu_parse_registers(b, len, c, 4, &n) == MEMINTRO_E_FORMAT, "registers: CR3 not hex");
        memcpy(b, t, len);
        x = strstr(b, "CPU#1");
        x[4] = '0'; /* CPU#0 twice */
        CHECK(memintro_qemu_parse_registers(b, len, c, 4, &n) == MEMINTRO_E_FORMAT, "registers: duplicate CPU#0");
        memcpy(b, t, len);
        x = strstr(b, "CS =0010");
        x[9] = 'q'; /* segment base not hex */
        CHECK(memintro_qemu_parse_registers(b, len, c, 4, &n) == MEMINTRO_E_FORMAT, "registers: bad segment line");
        free(b);
    }
    {
        memintro_qemu q;
        memset(&q, 0, sizeof q);
        CHECK(memintro_qemu_cpus(&q, c, 4, &n) == MEMINTRO_E_INVALID && n == 0 && memintro_qemu_error(&q)[0],
              "cpus on an object that is not open: INVALID with a message");
        {
            int running = 7;
            CHECK(memintro_qemu_pause(&q) == MEMINTRO_E_INVALID && memintro_qemu_resume(&q) == MEMINTRO_E_INVALID &&
                      memintro_qemu_running(&q, &running) == MEMINTRO_E_INVALID && running == 0,
                  "pause/resume/running on an object that is not open: INVALID");
        }
    }
    free(t);
    free(t32);
}

/* A canned QMP server on a unix socket (synthetic): a child accepts one client, greets
   it, acknowledges qmp_capabilities, passes the next line it receives (the command) to
   the parent through a pipe, waits delay_ms and sends `reply`. */
typedef struct qmp_server {
    int pid;
    int rd; /* what the client sent */
    char path[108];
} qmp_server;

static int serve_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0) return -1;
        if (buf[n] == '\n') break;
        n++;
    }
    buf[n] = 0;
    return (int)n;
}

static int serve(qmp_server *sv, const char *reply, int delay_ms)
{
    struct sockaddr_un sa;
    int ls, pfd[2];
    static int seq;
    memset(sv, 0, sizeof *sv);
    snprintf(sv->path, sizeof sv->path, "/tmp/mi-qmp-unit-%d-%d.sock", (int)getpid(), seq++);
    unlink(sv->path);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, sv->path, strlen(sv->path) + 1);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1) != 0 || pipe(pfd) != 0) return -1;
    sv->pid = (int)fork();
    if (sv->pid == 0) {
        static char line[16384];
        const char *g = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n", *ack = "{\"return\": {}, \"id\": 0}\r\n";
        int c = accept(ls, NULL, NULL);
        int n;
        close(pfd[0]);
        if (c < 0 || write(c, g, strlen(g)) < 0 || serve_line(c, line, sizeof line) < 0 ||
            write(c, ack, strlen(ack)) < 0)
            _exit(1);
        n = serve_line(c, line, sizeof line);
        if (n >= 0 && write(pfd[1], line, (size_t)n) < 0) _exit(1);
        close(pfd[1]);
        if (delay_ms) usleep((useconds_t)delay_ms * 1000);
        if (reply && write(c, reply, strlen(reply)) < 0) _exit(1);
        while (read(c, line, sizeof line) > 0) {
        }
        _exit(0);
    }
    close(ls);
    close(pfd[1]);
    sv->rd = pfd[0];
    return sv->pid > 0 ? 0 : -1;
}

/* What the client sent (NUL-terminated into buf); reaps the server. */
static void serve_end(qmp_server *sv, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    int status;
    while (n + 1 < cap && (r = read(sv->rd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
    buf[n] = 0;
    close(sv->rd);
    kill(sv->pid, SIGKILL);
    waitpid(sv->pid, &status, 0);
    unlink(sv->path);
}

/* An object that looks open on this process, with its QMP address at the canned server. */
static void fake_open(memintro_qemu *q, const qmp_server *sv, int timeout_ms)
{
    char st;
    uint64_t fl;
    memset(q, 0, sizeof *q);
    q->pid = (int)getpid();
    q->pidfd = -1;
    q->opened = 1;
    q->qmp_timeout_ms = timeout_ms;
    memintro__qemu_stat(q->pid, &st, &fl, &q->starttime);
    snprintf(q->qmp, sizeof q->qmp, "unix:%s", sv->path);
}

/* memintro_qemu_hmp and the VM control calls against the canned server. */
static void test_hmp_public(void)
{
    static char sent[16384], buf[4096], cmd[5000];
    qmp_server sv;
    memintro_qemu q;
    size_t len = 0;
    int running = -1;
    memintro_status st;

    /* the reply comes after 600 ms: a 200 ms timeout gives up, a 2000 ms one waits */
    if (serve(&sv, "{\"return\": \"VM status: running\\r\\n\", \"id\": 1}\r\n", 600) == 0) {
        fake_open(&q, &sv, 200);
        st = memintro_qemu_hmp(&q, NULL, "info status", buf, sizeof buf, &len);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "200 ms"),
              "hmp: options.qmp_timeout_ms (200) is honoured (%s)", memintro_qemu_error(&q));
        serve_end(&sv, sent, sizeof sent);
    }
    if (serve(&sv, "{\"return\": \"VM status: running\\r\\n\", \"id\": 1}\r\n", 600) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "info status", buf, sizeof buf, &len);
        CHECK(st == MEMINTRO_OK && !strcmp(buf, "VM status: running\n") && len == 19,
              "hmp: a 2000 ms timeout waits for a reply after 600 ms ('\\r' dropped)");
        serve_end(&sv, sent, sizeof sent);
    }

    /* escaping: quotes, backslashes, control characters */
    if (serve(&sv, "{\"return\": \"\", \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "a\"b\\c\td\ne\x01", buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && strstr(sent, "\"command-line\":\"a\\\"b\\\\c\\u0009d\\u000ae\\u0001\"}"),
              "hmp: quote, backslash, tab, newline, ^A escaped in the JSON sent (%s)", sent);
    }

    /* length: 4000 bytes go through whole; 5000 bytes, or 2100 quotes (4200 escaped), refused */
    memset(cmd, 'a', 4000);
    cmd[4000] = 0;
    if (serve(&sv, "{\"return\": \"\", \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, cmd, buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && strstr(sent, cmd) && strstr(sent, cmd)[4000] == '"', "hmp: a 4000-byte command is sent whole");
    }
    memset(cmd, 'a', 4999);
    cmd[4999] = 0;
    fake_open(&q, &sv, 2000);
    q.qmp[0] = 0; /* nothing may be sent */
    CHECK(memintro_qemu_hmp(&q, "unix:/nonexistent", cmd, buf, sizeof buf, &len) == MEMINTRO_E_INVALID &&
              strstr(memintro_qemu_error(&q), "4096"),
          "hmp: a 4999-byte command is refused, not cut (%s)", memintro_qemu_error(&q));
    memset(cmd, '"', 2100);
    cmd[2100] = 0;
    CHECK(memintro_qemu_hmp(&q, "unix:/nonexistent", cmd, buf, sizeof buf, &len) == MEMINTRO_E_INVALID,
          "hmp: 2100 quotes (4200 bytes escaped) refused");

    /* errors: a QMP error object; HMP's own error text (as QEMU 7.2 answers) */
    if (serve(&sv, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom\"}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "info status", buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "GenericError: boom"), "hmp: QMP error object (%s)",
              memintro_qemu_error(&q));
    }
    if (serve(&sv, "{\"return\": \"unknown command: 'info bogus'\\r\\n\", \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "info bogus", buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "unknown command: 'info bogus'") &&
                  !strcmp(buf, "unknown command: 'info bogus'\n"),
              "hmp: unknown command is an error, text kept (%s)", memintro_qemu_error(&q));
    }
    if (serve(&sv, "{\"return\": \"unexpected end of expression\\r\\nTry \\\"help x\\\" for more information\\r\\n\", \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "x /1", buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "unexpected end of expression"),
              "hmp: parse error + Try \"help\" is an error (%s)", memintro_qemu_error(&q));
    }
    if (serve(&sv, "{\"return\": \"Error: Device 'nosuch' not found\\r\\n\", \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_hmp(&q, NULL, "device_del nosuch", buf, sizeof buf, &len);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "Device 'nosuch' not found"),
              "hmp: \"Error: ...\" is an error (%s)", memintro_qemu_error(&q));
    }

    /* VM control */
    if (serve(&sv, "{\"return\": {}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_pause(&q);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && strstr(sent, "\"execute\":\"stop\""), "pause sends stop (%s)", sent);
    }
    if (serve(&sv, "{\"return\": {}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_resume(&q);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && strstr(sent, "\"execute\":\"cont\""), "resume sends cont");
    }
    if (serve(&sv, "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_running(&q, &running);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && running == 0 && strstr(sent, "query-status"), "running: paused -> 0");
    }
    if (serve(&sv, "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_running(&q, &running);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_OK && running == 1, "running: running -> 1");
    }
    if (serve(&sv, "{\"return\": {\"status\": \"running\"}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_running(&q, &running);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_FORMAT && strstr(memintro_qemu_error(&q), "running"), "running: reply without running -> FORMAT");
    }
    if (serve(&sv, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"nope\"}, \"id\": 1}\r\n", 0) == 0) {
        fake_open(&q, &sv, 2000);
        st = memintro_qemu_resume(&q);
        serve_end(&sv, sent, sizeof sent);
        CHECK(st == MEMINTRO_E_IO && strstr(memintro_qemu_error(&q), "nope"), "resume: QMP error named (%s)",
              memintro_qemu_error(&q));
    }
}

static void on_alarm(int sig)
{
    static const char m[] = "not ok - connecting to a socket with a full backlog hung (no deadline)\n";
    (void)sig;
    if (write(1, m, sizeof m - 1) < 0) _exit(1);
    _exit(1);
}

/* A listening unix socket nobody accepts on, its backlog filled (synthetic; what a stopped
   QEMU, or one busy with another QMP client, looks like): connecting gives up at the
   deadline with a message naming the socket. alarm() turns a hang into a failure. */
static void test_connect_backlog(void)
{
    struct sockaddr_un sa;
    char path[108], addr[128];
    int ls, fds[64], nf = 0, full = 0, r;
    memintro__qmp m;
    snprintf(path, sizeof path, "/tmp/mi-qmp-backlog-%d.sock", (int)getpid());
    unlink(path);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 0) != 0) {
        CHECK(0, "backlog: cannot make a listening socket");
        return;
    }
    while (nf < 64) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            full = errno == EAGAIN;
            close(fd);
            break;
        }
        fds[nf++] = fd;
    }
    CHECK(full, "backlog: filled after %d connections", nf);
    memset(&m, 0, sizeof m);
    m.fd = -1;
    m.timeout_ms = 300;
    snprintf(addr, sizeof addr, "unix:%s", path);
    signal(SIGALRM, on_alarm);
    alarm(10);
    r = memintro__qmp_connect(&m, addr, NULL);
    alarm(0);
    CHECK(r != 0 && strstr(m.err, path) && strstr(m.err, "backlog"), "backlog full: connect gives up at the deadline (%s)",
          m.err);
    if (r == 0) memintro__qmp_close(&m);
    while (nf) close(fds[--nf]);
    close(ls);
    unlink(path);
}

int main(void)
{
    test_cmdline();
    test_maps();
    test_mtree();
    test_gpa2hva();
    test_json();
    test_qmp_client();
    test_table();
    test_options();
    test_engine();
    test_describe();
    test_open_errors();
    test_registers();
    test_hmp_public();
    test_connect_backlog();
    return check_done();
}
