# mk/target.mk: memintro_target.h (one object for any target, from a connector string).
#   build/tests/test_target, build/tests-san/test_target   tests/test_target.c: unit tests on
#                               synthetic dumps and images (tests/tools/mkdump_gen.h)
#   build/gen/target_example.inc   the manual's EXAMPLE, compiled by tests/test_target.c
#   tests/t_target_compile.sh   C99 / C++ (gcc, clang) / MEMINTRO_STATIC builds of the header
#   tests/t_target_live.sh      a real QEMU guest (tests/guest): map, CPUs, pause/resume,
#                               ELF core; uses build/tests-san/target_live
#   build/open_target           examples/open_target.c (built by `make`)
TEST_PKGS  += qemu-system-x86 socat busybox-static cpio gcc libc6-dev clang g++
TEST_EXTRA += $(B)/tests/target_live $(B)/tests-san/target_live

$(B)/tests/test_target $(B)/tests-san/test_target: tests/tools/mkdump_gen.h $(B)/gen/target_example.inc
$(B)/tests/test_target $(B)/tests-san/test_target: TEST_LDLIBS += -I$(B)/gen

# the manual's EXAMPLE block (between the "EXAMPLE" and "LICENSE" lines), verbatim
$(B)/gen/target_example.inc: memintro_target.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_target.h >$@.tmp
	@grep -q memintro_target_open $@.tmp || { echo "mk/target.mk: no EXAMPLE block in memintro_target.h" >&2; exit 1; }
	@mv $@.tmp $@

$(B)/tests/target_live: tests/target_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $<

$(B)/tests-san/target_live: tests/target_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -o $@ $<
