# mk/bench.mk: `make bench` builds every bench/bench_*.c into build/bench_* and runs them all
# (each prints BENCH lines; a program that exits non-zero makes `make bench` fail at the end).
# Benchmarks are built with -O2 and generic x86-64 code (no -march: the figures must hold on
# the CPUs CI and users run). Libraries: BENCH_LDLIBS for every bench program,
# BENCH_LDLIBS_<name> for build/bench_<name> only. A bench program built by another rule is
# added to BENCH_PROGS (e.g. `BENCH_PROGS += build/bench_x`).
BENCH_CFLAGS ?= -O2 -g
BENCH_LDLIBS ?=
BENCH_PROGS  += $(patsubst bench/%.c,$(B)/%,$(wildcard bench/bench_*.c))

$(B)/bench_%: bench/bench_%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(BENCH_CFLAGS) -I. -o $@ $< $(BENCH_LDLIBS_$*) $(BENCH_LDLIBS)

.PHONY: bench-build
bench-build: $(BENCH_PROGS)

# The bench programs need what the tests need (compression libraries, QEMU, the guest).
bench: test-deps
	@$(MAKE) --no-print-directory bench-build
	@rc=0; for p in $(sort $(BENCH_PROGS)); do \
	    echo "== $$p"; $$p || { echo "$$p failed (exit $$?)"; rc=1; }; \
	done; exit $$rc
