# mk/win32.mk: memintro_win32.h (Windows guests: kernel, processes, modules, PE).
#   Real PE files for the PE reader's tests: wine's PE DLLs (wine64) and DLLs built with
#   the MinGW-w64 cross compiler, compared with x86_64-w64-mingw32-objdump -p.
TEST_PKGS += wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
