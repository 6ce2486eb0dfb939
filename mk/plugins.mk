# mk/plugins.mk: memintro_plugin.h's example plugins and tests.
#   build/plugins/file.so     examples/plugins/file.c: a connector (a raw image read with pread)
#   build/plugins/toyos.so    examples/plugins/toyos.c: an OS layer (a process table in memory)
#                             both built by `make`: -shared -fPIC -fvisibility=hidden, so the
#                             descriptor `memintro_plugin` is the only symbol they export
#   build/plugins-test/*.so   plugins the tests expect to be refused or to clash:
#                               aarch64.so  the file plugin built by aarch64-linux-gnu-gcc
#                               abi2.so     the file plugin with descriptor ABI version 2
#                               nosym.so    a shared object without the descriptor
#                               file2.so    the file plugin again, version 2.0 (a name clash)
#                               raw.so      the file plugin named "raw" (a built-in's name)
#                               toy2.so     the toy OS layer again (a name clash)
#                               undef.so    the file plugin calling memintro_connector_arg,
#                                           a function of the program: dlopen refuses it
#                               sysv.so     the file plugin with a DT_HASH table (not GNU's)
#   build/gen/plugin_example.inc  the manual's EXAMPLE, compiled by tests/test_plugin.c
#   tests/test_plugin.c       the ELF checker (real plugins, truncated and corrupted copies),
#                             the search path, loading and rejections through the API
#   tests/t_plugins.sh        `memintro plugins` and the plugins reached through -c and --os
PLUGIN_CC      ?= $(CC)
PLUGIN_CROSS   ?= aarch64-linux-gnu-gcc
PLUGIN_FLAGS    = $(STD) $(WARN) $(CFLAGS) -shared -fPIC -fvisibility=hidden -I.
PLUGIN_NAMES    = file toyos
PLUGIN_SO       = $(patsubst %,$(B)/plugins/%.so,$(PLUGIN_NAMES))
PLUGIN_TEST_SO  = $(patsubst %,$(B)/plugins-test/%.so,aarch64 abi2 nosym file2 raw toy2 undef sysv)

EXAMPLES   += $(PLUGIN_SO)
TEST_PKGS  += gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils jq
TEST_EXTRA += $(PLUGIN_TEST_SO) $(B)/memintro $(B)/memintro-san

$(B)/plugins/%.so: examples/plugins/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -o $@ $<

$(B)/plugins-test/aarch64.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	@command -v $(PLUGIN_CROSS) >/dev/null || { echo "mk/plugins.mk: $(PLUGIN_CROSS) is missing (make test-deps installs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross)" >&2; exit 1; }
	$(PLUGIN_CROSS) $(STD) $(WARN) -O2 -shared -fPIC -fvisibility=hidden -I. -o $@ $<

$(B)/plugins-test/abi2.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -DPLUGIN_ABI=2 -o $@ $<

$(B)/plugins-test/file2.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -DPLUGIN_VERSION='"2.0"' -o $@ $<

$(B)/plugins-test/raw.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -DPLUGIN_NAME='"raw"' -o $@ $<

$(B)/plugins-test/toy2.so: examples/plugins/toyos.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -o $@ $<

$(B)/plugins-test/undef.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -DPLUGIN_HOST_CALL -o $@ $<

$(B)/plugins-test/sysv.so: examples/plugins/file.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -Wl,--hash-style=sysv -o $@ $<

$(B)/plugins-test/nosym.so: tests/plugin_nosym.c
	@mkdir -p $(dir $@)
	$(PLUGIN_CC) $(PLUGIN_FLAGS) -o $@ $<

# the manual's EXAMPLE block (between the "EXAMPLE" and "LICENSE" lines), verbatim
$(B)/gen/plugin_example.inc: memintro_plugin.h
	@mkdir -p $(dir $@)
	awk '/^   EXAMPLE/ { f = 1; next } /^   LICENSE/ { f = 0 } f' memintro_plugin.h >$@.tmp
	@grep -q memintro_plugins_load $@.tmp || { echo "mk/plugins.mk: no EXAMPLE block in memintro_plugin.h" >&2; exit 1; }
	@mv $@.tmp $@

$(B)/tests/test_plugin $(B)/tests-san/test_plugin: $(B)/gen/plugin_example.inc $(PLUGIN_SO) $(PLUGIN_TEST_SO)
$(B)/tests/test_plugin $(B)/tests-san/test_plugin: TEST_LDLIBS += -I$(B)/gen -DMEMINTRO_TEST_PLUGINS='"$(B)"'

# the ELF check's libFuzzer harness (clang, ASan+UBSan); tests/t_plugin_fuzz.sh runs it a few
# seconds inside `make test` with the built plugins as seeds; `make fuzz-plugin` runs it
# FUZZ_SECONDS (mk/coredump.mk: 300) seconds, keeping its corpus in build/fuzz/corpus/plugin_elf
TEST_EXTRA += $(B)/fuzz/fuzz_plugin_elf
$(B)/fuzz/fuzz_plugin_elf: fuzz/fuzz_plugin_elf.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -o $@ $<

.PHONY: fuzz-plugin
fuzz-plugin: $(B)/fuzz/fuzz_plugin_elf $(PLUGIN_SO) $(PLUGIN_TEST_SO)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP=1 sh tests/t_plugin_fuzz.sh
