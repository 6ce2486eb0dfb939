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

/* QEMU's "info registers" for one CPU, in the layout target/i386/cpu-dump.c prints (64-bit
   code segment, then a CPU in real mode after reset). */
static const char regs64[] =
    "RAX=0000000000000000 RBX=ffffffffabc1a940 RCX=0000000000000003 RDX=0000000000000001\n"
    "RSI=0000000000000087 RDI=0000000000024c34 RBP=ffffffffabc03ea0 RSP=ffffffffabc03e98\n"
    "R8 =00000000ffffffff R9 =0000000000000009 R10=000000000000000a R11=000000000000000b\n"
    "R12=000000000000000c R13=000000000000000d R14=000000000000000e R15=000000000000000f\n"
    "RIP=ffffffffaac17a0b RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
    "ES =0000 0000000000000000 ffffffff 00c00000\n"
    "CS =0010 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]\n"
    "SS =0018 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
    "DS =0000 0000000000000000 ffffffff 00c00000\n"
    "FS =0000 00007f33c54d8740 ffffffff 00c00000\n"
    "GS =0000 ffff8cab9fc00000 ffffffff 00c00000\n"
    "LDT=0000 0000000000000000 ffffffff 00c00000\n"
    "TR =0040 fffffe0000003000 00004087 00008b00 DPL=0 TSS64-busy\n"
    "GDT=     fffffe0000001000 0000007f\n"
    "IDT=     fffffe0000000000 00000fff\n"
    "CR0=80050033 CR2=00000000005794a9 CR3=0000000101640000 CR4=000006b0\n"
    "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
    "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
    "EFER=0000000000000d01\n";
static const char regs32[] =
    "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
    "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00006f00\n"
    "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
    "ES =0000 00000000 0000ffff 00009300\n"
    "CS =f000 ffff0000 0000ffff 00009b00\n"
    "GDT=     00000000 0000ffff\n"
    "IDT=     00000000 0000ffff\n"
    "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n"
    "EFER=0000000000000000\n";

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
    CHECK(memintro_coredump_cpu_mmu(&d.facts.cpus[0], &desc) == MEMINTRO_OK && desc.arch == MEMINTRO_ARCH_X86_64 &&
              desc.dtb == mkg_known_cpu(0).cr3 && !memintro_mmu_check(&desc),
          "cpu_mmu: a usable x86-64 paging description from CPU 0");
    CHECK(!strcmp(memintro_coredump_mode_name(d.facts.cpus[0].mode), "x86-64 4-level") &&
              !strcmp(memintro_coredump_mode_name(MEMINTRO_ARCH_NONE), "no paging"),
          "mode_name");
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

    {
        memintro_coredump_cpu c;
        CHECK(memintro_coredump_cpu_from_qemu(regs64, strlen(regs64), 3, &c) == MEMINTRO_OK && c.index == 3 &&
                  c.rip == 0xffffffffaac17a0bull && c.rflags == 0x246 && c.gpr[MEMINTRO_REG_RBX] == 0xffffffffabc1a940ull &&
                  c.gpr[MEMINTRO_REG_RCX] == 3 && c.gpr[MEMINTRO_REG_RSP] == 0xffffffffabc03e98ull &&
                  c.gpr[8] == 0xffffffffu && c.gpr[9] == 9 && c.gpr[15] == 15 && c.cr[0] == 0x80050033 &&
                  c.cr[2] == 0x5794a9 && c.cr[3] == 0x101640000ull && c.cr[4] == 0x6b0 && c.efer == 0xd01 &&
                  c.seg[MEMINTRO_SEG_CS].selector == 0x10 && c.seg[MEMINTRO_SEG_CS].flags == 0x00a09b00 &&
                  c.seg[MEMINTRO_SEG_GS].base == 0xffff8cab9fc00000ull && c.seg[MEMINTRO_SEG_TR].limit == 0x4087 &&
                  c.seg[MEMINTRO_SEG_FS].base == 0x7f33c54d8740ull && c.seg[MEMINTRO_SEG_IDT].base == 0xfffffe0000000000ull &&
                  c.seg[MEMINTRO_SEG_GDT].limit == 0x7f && c.mode == MEMINTRO_ARCH_X86_64,
              "cpu_from_qemu: 64-bit \"info registers\" (registers, segments, tables, EFER, mode)");
        CHECK(memintro_coredump_cpu_from_qemu(regs32, strlen(regs32), 0, &c) == MEMINTRO_OK && c.rip == 0xfff0 &&
                  c.gpr[MEMINTRO_REG_RDX] == 0x663 && c.gpr[MEMINTRO_REG_RSP] == 0x6f00 &&
                  c.seg[MEMINTRO_SEG_CS].base == 0xffff0000u && c.cr[0] == 0x60000010 && c.mode == MEMINTRO_ARCH_NONE,
              "cpu_from_qemu: 32-bit layout, real mode (no paging)");
        CHECK(memintro_coredump_cpu_from_qemu("RAX=0\n", 6, 0, &c) == MEMINTRO_E_FORMAT, "cpu_from_qemu: no RIP/CR3");
    }
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
