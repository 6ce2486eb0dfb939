# mk/os.mk: memintro_os.h (the OS-layer registry and one interface over the OS layers).
#   build/tests/test_os, build/tests-san/test_os   tests/test_os.c: synthetic Windows images
#                            (tests/win32_image.h) and the Linux unit data of
#                            tests/test_linux_tasks.c with a kernel image around it
#   build/gen/os_example.inc the manual's EXAMPLE, compiled and run by tests/test_os.c
#   tests/t_os_compile.sh    C99 / C++ (gcc, clang) / MEMINTRO_STATIC builds of the header
#   tests/t_os_live.sh       the real test guest: memintro_os_processes against its FACT lines
#                            (build/tests-san/os_live, tests/os_live.c)
TEST_PKGS  += qemu-system-x86 socat busybox-static cpio gcc libc6-dev clang g++
TEST_EXTRA += $(B)/tests/os_live $(B)/tests-san/os_live

$(B)/tests/test_os $(B)/tests-san/test_os: tests/win32_image.h tests/test_linux_tasks.c tests/testimg.h \
    $(B)/gen/os_example.inc
$(B)/tests/test_os $(B)/tests-san/test_os: TEST_LDLIBS += -I$(B)/gen

# the manual's EXAMPLE block (between the "EXAMPLE" and "LICENSE" lines), verbatim
$(B)/gen/os_example.inc: memintro_os.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_os.h >$@.tmp
	@grep -q memintro_os_open $@.tmp || { echo "mk/os.mk: no EXAMPLE block in memintro_os.h" >&2; exit 1; }
	@mv $@.tmp $@

$(B)/tests/os_live: tests/os_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $<

$(B)/tests-san/os_live: tests/os_live.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -o $@ $<
