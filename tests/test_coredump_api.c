/* tests/test_coredump_api.c: the manual's EXAMPLE of memintro_coredump.h (extracted verbatim
   into build/gen/coredump_example.inc by mk/coredump.mk) run on a SYNTHETIC ELF core, and
   every public function called once (a missing implementation fails to link). Compiled as
   C99 by the Makefile and as C++ by tests/t_coredump_compile.sh. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_COREDUMP_IMPLEMENTATION
#define MEMINTRO_COREDUMP_ZLIB
#include "memintro_coredump.h"
#include "tests/check.h"
#include "tests/tools/mkdump_gen.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int example(const char *path)
{
#include "coredump_example.inc"
    return 0;
}

int main(void)
{
    char path[256], out[256], v[64];
    mk_src all = mkg_known();
    mkbuf b = {0, 0, 0, 0};
    memintro_coredump d;
    memintro_mmu_desc desc;
    memintro_coredump_write_result r;
    FILE *f;
    int fd;
    mkdir("build", 0777);
    mkdir("build/test-coredump", 0777);
    snprintf(path, sizeof path, "build/test-coredump/%ld-api.elf", (long)getpid());
    snprintf(out, sizeof out, "build/test-coredump/%ld-api-out.elf", (long)getpid());
    mk_elf(&b, &all, 0, 2);
    f = fopen(path, "wb");
    CHECK(f && fwrite(b.p, 1, b.n, f) == b.n && !fclose(f), "wrote a synthetic ELF core");
    CHECK(example(path) == 0, "the manual's example runs");

    CHECK(memintro_coredump_open(&d, path, 0) == MEMINTRO_OK && !memintro_coredump_error(&d)[0], "open");
    CHECK(!strcmp(memintro_coredump_format_name(d.format), "elf"), "format_name");
    CHECK(d.facts.cpus[0].isa == MEMINTRO_ISA_X86_64 && memintro_cpu_mmu(&d.facts.cpus[0], &desc) == MEMINTRO_OK &&
              desc.arch == MEMINTRO_ARCH_X86_64 && desc.dtb == mkg_known_cpu(0).cr3 && !memintro_mmu_check(&desc),
          "facts.cpus are memintro_cpu: memintro_cpu_mmu gives x86-64 paging from CPU 0");
    CHECK(d.facts.mode == MEMINTRO_ARCH_X86_64 && d.facts.dtb == mkg_known_cpu(0).cr3,
          "facts.mode/dtb: CPU 0's paging");
    CHECK(memintro_coredump_vmcoreinfo_value(&d.facts, "PAGESIZE", v, sizeof v) && !strcmp(v, "4096") &&
              memintro_coredump_vmcoreinfo_value(&d.facts, "NUMBER(phys_base)", v, 4) && !strcmp(v, "-12"),
          "vmcoreinfo_value (truncates to the buffer)");
    {
        uint64_t avail;
        CHECK(memintro_coredump_ptr(&d, 0x100000000ull, &avail) && avail == 0x100000, "ptr");
    }
    CHECK(memintro_coredump_write_elf(&d.phys, &d.map, &d.facts, out, 0, &r) == MEMINTRO_OK && r.notes == 5,
          "write_elf");
    fd = open(out, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && memintro_coredump_write_elf_fd(&d.phys, &d.map, 0, fd, 0, &r) == MEMINTRO_OK && r.notes == 0,
          "write_elf_fd");
    if (fd >= 0) close(fd);
    memintro_coredump_close(&d);
    memintro_coredump_close(&d); /* twice is fine */
    CHECK(memintro_coredump_open_memory(&d, b.p, b.n, 0) == MEMINTRO_OK && d.map.count == 3, "open_memory");
    memintro_coredump_close(&d);

    CHECK(memintro_coredump_format_parse("kdump") == MEMINTRO_COREDUMP_KDUMP &&
              memintro_coredump_format_parse("raw") == MEMINTRO_COREDUMP_RAW &&
              memintro_coredump_format_parse("auto") == MEMINTRO_COREDUMP_DETECT &&
              memintro_coredump_format_parse("nope") == (memintro_coredump_format)-1,
          "format_parse");
    CHECK(!strcmp(memintro_coredump_compression_name(MEMINTRO_COMPRESS_SNAPPY), "snappy") &&
              memintro_coredump_compression_available(MEMINTRO_COMPRESS_ZLIB) &&
              !memintro_coredump_compression_available(MEMINTRO_COMPRESS_LZO),
          "compression_name, compression_available (zlib compiled in, lzo not)");
    CHECK(memintro_coredump_open(&d, "build/test-coredump/does-not-exist", 0) == MEMINTRO_E_NOTFOUND &&
              strstr(memintro_coredump_error(&d), "does-not-exist"),
          "a missing file: %s", memintro_coredump_error(&d));
    CHECK(memintro_coredump_open(&d, "build", 0) == MEMINTRO_E_INVALID && strstr(d.error, "directory"),
          "a directory: %s", d.error);
    unlink(path);
    unlink(out);
    mkb_free(&b);
    return check_done();
}
