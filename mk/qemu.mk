# mk/qemu.mk: memintro_qemu.h (live QEMU guests) - tests, example, bench.
#   build/tests/qemu_live, build/tests-san/qemu_live   the library side of tests/t_qemu.sh
#   build/qemu_info                                     examples/qemu_info.c (built by `make`)
#   build/bench_qemu                                    bench/bench_qemu.c (built by `make bench`)
# tests/t_qemu.sh boots the test guest of tests/guest (QEMU under TCG) four times at once;
# tests/t_qemu_compile.sh builds the header as C and C++ with gcc and clang.
TEST_PKGS  += qemu-system-x86 socat busybox-static cpio gcc libc6-dev util-linux clang g++
TEST_EXTRA += $(B)/tests/qemu_live $(B)/tests-san/qemu_live
