# mk/linux.mk: memintro_linux.h (Linux guests from memory alone) - tests and bench.
#   tests/test_linux_kallsyms.c   unit tests: kallsyms tables of every layout built by the
#                                 test in a synthetic guest image (Makefile's pattern rules)
#   build/tests/linux_live, build/tests-san/linux_live   tests/linux_live.c, the library
#                                 side of tests/t_linux_live.sh (the real test guest, live,
#                                 ELF and kdump-zlib dumps, 4- and 5-level paging)
#   bench/bench_linux.c           built by mk/bench.mk: symbol lookups, discovery time
TEST_PKGS  += qemu-system-x86 socat busybox-static cpio gcc libc6-dev
TEST_EXTRA += $(B)/tests/linux_live $(B)/tests-san/linux_live

$(B)/tests/linux_live: tests/linux_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $<

$(B)/tests-san/linux_live: tests/linux_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -o $@ $<
