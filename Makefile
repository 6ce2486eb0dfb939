# memintro: build the command-line tool, examples, tests and benchmarks into build/.
#   make          the `memintro` tool (examples/memintro/) and every program examples/*.c
#   make test     every test (installs missing Debian packages when run as root)
#   make bench    the benchmarks (BENCH lines)
#   make demo     shows memintro at work
# Parts of the build that belong to one header live in mk/*.mk.

CC      ?= cc
CXX     ?= c++
CFLAGS  ?= -O2 -g
STD      = -std=c99
WARN     = -Wall -Wextra -Wpedantic -Werror
SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
B        = build
HEADERS  = $(wildcard memintro*.h)
LDLIBS  ?=
# Parallel jobs for `make test`'s build and its test runner (tests/run.sh: MEMINTRO_TEST_JOBS)
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
# Debian packages the tests need (mk/*.mk add theirs)
TEST_PKGS = clang
# Libraries test programs link with (mk/*.mk add theirs)
TEST_LDLIBS =
# Programs `make test` runs besides build/tests*/test_* and tests/t_*.sh
TEST_EXTRA =

EXAMPLES = $(patsubst examples/%.c,$(B)/%,$(wildcard examples/*.c))
TEST_SRC = $(wildcard tests/test_*.c)
TESTS    = $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
TESTS_SAN= $(patsubst tests/%.c,$(B)/tests-san/%,$(TEST_SRC))

.PHONY: all examples test test-deps tests bench demo clean
all: examples

-include mk/*.mk

examples: $(EXAMPLES)

$(B)/%: examples/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $< $(LDLIBS)

$(B)/tests/%: tests/%.c $(HEADERS) tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $< $(TEST_LDLIBS)

$(B)/tests-san/%: tests/%.c $(HEADERS) tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -DMEMINTRO_TEST_SANITIZED -I. -o $@ $< $(TEST_LDLIBS)

test-deps:
	@sh tests/deps.sh $(TEST_PKGS)

tests: $(TESTS) $(TESTS_SAN)

# Everything that builds is tested: make -k goes on past a program that does not build,
# and tests/run.sh counts that program (and the failed build) as failures.
test: test-deps
	@st=0; $(MAKE) -k -j$(JOBS) --no-print-directory all tests $(TEST_EXTRA) || st=1; \
	    MEMINTRO_BUILD_FAILED=$$st MEMINTRO_TEST_JOBS=$(JOBS) sh tests/run.sh

clean:
	rm -rf $(B)
