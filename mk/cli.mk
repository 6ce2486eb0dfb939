# mk/cli.mk: the command-line tool, its test data, tests and demo.
#   build/memintro         the CLI, from the folder examples/memintro/ (one object per file in
#                          build/cli/; impl.c holds the header implementations; it includes
#                          memintro_qemu.h and memintro_coredump.h, the compression libraries
#                          are loaded at run time: no -l flags)
#   build/memintro-san     the same under AddressSanitizer + UndefinedBehaviorSanitizer
#                          (objects in build/cli-san/)
#   build/mkimage          writes sample guest-physical images (tests/tools/mkimage.c)
#   build/sample/*.img     one raw image per paging mode, with hand-built page tables,
#   build/sample/*.txt     and its manifest (what was built: DTB, mappings, holes, strings)
#   tests/t_cli.sh         the CLI on the sample images (plain and sanitizer builds)
#   tests/t_cli_live.sh    the CLI on the real test guest (tests/guest, QEMU under TCG)
#   tests/t_docs.sh        every C example of README.md and of the headers' manuals compiles
#   make demo              tests/demo.sh: boots the test guest and reads it with the CLI

CLI_SRC  = $(wildcard examples/memintro/*.c)
CLI_HDR  = $(wildcard examples/memintro/*.h)
CLI_OBJ  = $(patsubst examples/memintro/%.c,$(B)/cli/%.o,$(CLI_SRC))
CLI_SOBJ = $(patsubst examples/memintro/%.c,$(B)/cli-san/%.o,$(CLI_SRC))
EXAMPLES += $(B)/memintro

$(B)/cli/%.o: examples/memintro/%.c $(CLI_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -c -o $@ $<

$(B)/memintro: $(CLI_OBJ)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LDLIBS)

$(B)/cli-san/%.o: examples/memintro/%.c $(CLI_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -c -o $@ $<

$(B)/memintro-san: $(CLI_SOBJ)
	$(CC) -O1 -g $(SAN) -o $@ $(CLI_SOBJ)

SAMPLE = $(B)/sample/.stamp

$(B)/mkimage: tests/tools/mkimage.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -o $@ $<

$(SAMPLE): $(B)/mkimage
	@mkdir -p $(dir $@)
	$(B)/mkimage $(B)/sample
	@touch $@

TEST_PKGS  += jq binutils qemu-system-x86 socat busybox-static cpio gcc g++ libc6-dev
TEST_EXTRA += $(SAMPLE) $(B)/memintro-san

.PHONY: samples
samples: $(SAMPLE)

# The demo: memintro on a live VM (installs the packages it needs when run as root).
demo: $(B)/memintro
	@sh tests/demo.sh
