# mk/win32_pe.mk: memintro_win32.h's PE reader.
#   tests/test_win32_pe.c       real PE files (wine's DLLs, DLLs built with MinGW-w64 for x86-64
#                               and i686) compared with x86_64-w64-mingw32-objdump -p / -h, the
#                               mapped path over a synthetic guest, damaged images
#   $(B)/fuzz/fuzz_pe           fuzz/fuzz_pe.c (libFuzzer, ASan+UBSan), run by tests/t_win32_pe.sh
# wine's PE DLLs are in libwine (wine64 pulls it in); the i686 compiler builds the PE32 DLLs.
TEST_PKGS  += libwine gcc-mingw-w64-i686 binutils-mingw-w64-i686
TEST_EXTRA += $(B)/fuzz/fuzz_pe
# (the rule $(B)/fuzz/fuzz_%: fuzz/fuzz_%.c is mk/coredump.mk's)
