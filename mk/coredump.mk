# mk/coredump.mk: memintro_coredump.h's tests, tools, fuzzers and bench.
#   tests/test_coredump_*.c     unit tests on synthetic dumps (built by the Makefile's rules;
#                               they include the generator tests/tools/mkdump_gen.h)
#   $(B)/mkdump                 tests/tools/mkdump.c: dumps of every format from a known image
#   $(B)/dumpcheck              tests/tools/dumpcheck.c: the helper of tests/t_coredump_real.sh
#   $(B)/gen/coredump_example.inc   the manual's EXAMPLE, compiled by tests/test_coredump_api.c
#   $(B)/fuzz/fuzz_NAME         libFuzzer harnesses (clang, ASan+UBSan), NAME = elf kdump
#                               windows lime detect; seed corpus in $(B)/fuzz/seeds
#   tests/t_coredump_fuzz.sh    runs each harness a few seconds inside `make test`
#   make fuzz                   runs each harness FUZZ_SECONDS (default 300) seconds, keeping
#                               its corpus in $(B)/fuzz/corpus/NAME
#   tests/t_coredump_real.sh    real dumps: QEMU dump-guest-memory and makedumpfile
#   tests/t_coredump_compile.sh C99 / C++ / MEMINTRO_STATIC / DLOPEN builds of the header
#   bench/bench_coredump.c      built by mk/bench.mk; needs the compression libraries
# The compression libraries (headers for the tests, runtime for DLOPEN) come from Debian.

COREDUMP_LIBS  = -lz -llzo2 -lsnappy -lzstd
COREDUMP_PKGS  = zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 300
FUZZ_NAMES     = elf kdump windows lime detect
COREDUMP_FUZZERS = $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))
COREDUMP_TESTS = formats writer nocomp dlopen api faults

TEST_PKGS   += $(COREDUMP_PKGS) makedumpfile qemu-system-x86 socat clang g++ binutils
TEST_LDLIBS += $(COREDUMP_LIBS)
BENCH_LDLIBS_coredump += $(COREDUMP_LIBS)
TEST_EXTRA  += $(B)/mkdump $(B)/dumpcheck $(COREDUMP_FUZZERS) $(B)/fuzz/seeds/.stamp

$(foreach t,$(COREDUMP_TESTS),$(B)/tests/test_coredump_$(t) $(B)/tests-san/test_coredump_$(t)): tests/tools/mkdump_gen.h

# the manual's EXAMPLE block (between the "EXAMPLE" and "LICENSE" lines), verbatim
$(B)/gen/coredump_example.inc: memintro_coredump.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_coredump.h >$@.tmp
	@grep -q memintro_coredump_open $@.tmp || { echo "mk/coredump.mk: no EXAMPLE block in memintro_coredump.h" >&2; exit 1; }
	@mv $@.tmp $@
$(B)/tests/test_coredump_api $(B)/tests-san/test_coredump_api: $(B)/gen/coredump_example.inc
$(B)/tests/test_coredump_api $(B)/tests-san/test_coredump_api: TEST_LDLIBS += -I$(B)/gen

$(B)/mkdump: tests/tools/mkdump.c tests/tools/mkdump_gen.h $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $< $(COREDUMP_LIBS)

$(B)/dumpcheck: tests/tools/dumpcheck.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $< $(COREDUMP_LIBS)

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -o $@ $< $(COREDUMP_LIBS)

$(B)/fuzz/seeds/.stamp: $(B)/mkdump
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(B)/mkdump seeds $(dir $@)
	@touch $@

# bench_coredump links the compression libraries: make sure their headers are there
.PHONY: coredump-deps fuzz
coredump-deps:
	@sh tests/deps.sh $(COREDUMP_PKGS)
$(B)/bench_coredump: tests/tools/mkdump_gen.h | coredump-deps

fuzz: $(COREDUMP_FUZZERS) $(B)/fuzz/seeds/.stamp
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP=1 sh tests/t_coredump_fuzz.sh
