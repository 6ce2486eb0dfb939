# mk/gdb.mk: memintro_gdb.h (QEMU's gdbstub: VM control, events, a physical backend).
#   build/tests/test_gdb, build/tests-san/test_gdb   the unit test (a canned stub; automatic)
#   build/tests/gdb_live                             the library side of tests/t_gdb_live.sh
#   build/bench_gdb                                  bench/bench_gdb.c (automatic, make bench)
# tests/t_gdb_compile.sh builds the header as C and C++ (gcc, clang, MEMINTRO_STATIC).
# tests/t_gdb_live.sh boots the test guest with its gdbstub (tests/guest/boot.sh --gdb
# --append mi_tick=...) and drives build/memintro-san and build/tests/gdb_live against it.
TEST_PKGS  += qemu-system-x86 socat busybox-static cpio gcc g++ clang libc6-dev jq
TEST_EXTRA += $(B)/tests/gdb_live
