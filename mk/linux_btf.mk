# mk/linux_btf.mk: the types (BTF) and the tasks, maps, modules and log of memintro_linux.h.
#   build/tests/test_linux_btf   tests/test_linux_btf.c: the BTF reader on blobs the test
#                                builds and on this machine's /sys/kernel/btf/vmlinux,
#                                compared with bpftool's dump of it
#   tests/t_linux_btf_live.sh    the real test guest (tests/guest), through an ELF dump and
#                                live; uses build/tests-san/linux_btf_live
TEST_PKGS  += bpftool qemu-system-x86 socat busybox-static cpio gcc libc6-dev
TEST_EXTRA += $(B)/tests/linux_btf_live $(B)/tests-san/linux_btf_live

$(B)/tests/linux_btf_live: tests/linux_btf_live.c $(HEADERS) tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $<

$(B)/tests-san/linux_btf_live: tests/linux_btf_live.c $(HEADERS) tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -o $@ $<

# libFuzzer harness of the BTF reader (clang, ASan+UBSan); tests/t_linux_btf_fuzz.sh runs it
# a few seconds inside `make test` (FUZZ_SECONDS, default 4).
TEST_PKGS  += clang g++
TEST_EXTRA += $(B)/fuzz/fuzz_btf
$(B)/fuzz/fuzz_btf: fuzz/fuzz_btf.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -o $@ $<
