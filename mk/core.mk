# mk/core.mk: build pieces of memintro.h's own tests.
#   tests/test_core.c .. test_diff.c   unit, cache, scan and differential tests (built by the
#                                      Makefile's pattern rules; they share tests/testimg.h)
#   tests/test_example.c               compiles the manual's EXAMPLE, extracted from
#                                      memintro.h into $(B)/gen/example_snippet.inc
#   tests/t_compile.sh                 C99/C++ compile tests with gcc and clang
#   tests/t_freestanding.sh            -ffreestanding build, `nm -u`, a static program
#                                      with its own _start
# The compile tests need a C++ compiler and nm; clang is already in TEST_PKGS.
TEST_PKGS += g++ binutils

CORE_TESTS = core api paging cache scan diff example
$(foreach t,$(CORE_TESTS),$(B)/tests/test_$(t) $(B)/tests-san/test_$(t)): tests/testimg.h

# The EXAMPLE block of the manual (between the "EXAMPLE" and "LICENSE" lines), verbatim.
$(B)/gen/example_snippet.inc: memintro.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro.h >$@.tmp
	@grep -q memintro_virt_init $@.tmp || { echo "mk/core.mk: no EXAMPLE block found in memintro.h" >&2; exit 1; }
	@mv $@.tmp $@

$(B)/tests/test_example $(B)/tests-san/test_example: $(B)/gen/example_snippet.inc
$(B)/tests/test_example $(B)/tests-san/test_example: TEST_LDLIBS += -I$(B)/gen
