# mk/win32_core.mk: memintro_win32.h's own tests (discovery, offsets, processes, modules).
#   tests/test_win32_unit.c      white-box unit tests on a small synthetic image of its own
#                                (built by the Makefile's rules); it includes the manual's
#                                EXAMPLE, extracted into $(B)/gen/win32_example.inc
#   tests/t_win32_compile.sh     C99 / C++ (gcc, clang) / MEMINTRO_STATIC builds of the header,
#                                every public function referenced, with and without
#                                memintro_target.h (memintro_win32_hints_from_target)
# tests/t_freestanding.sh covers memintro_win32.h's implementation too.
TEST_PKGS += gcc g++ clang binutils

$(B)/gen/win32_example.inc: memintro_win32.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_win32.h >$@.tmp
	@grep -q memintro_win32_init $@.tmp || { echo "mk/win32_core.mk: no EXAMPLE block in memintro_win32.h" >&2; exit 1; }
	@mv $@.tmp $@

$(B)/tests/test_win32_unit $(B)/tests-san/test_win32_unit: $(B)/gen/win32_example.inc
$(B)/tests/test_win32_unit $(B)/tests-san/test_win32_unit: TEST_LDLIBS += -I$(B)/gen
