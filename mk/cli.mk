# mk/cli.mk: the command-line tool's test data, tests and demo.
#   build/memintro         the CLI (examples/memintro.c, built by the Makefile like every
#                          example; it includes memintro_qemu.h and memintro_coredump.h, the
#                          compression libraries are loaded at run time: no -l flags)
#   build/mkimage          writes sample guest-physical images (tests/tools/mkimage.c)
#   build/sample/*.img     one raw image per paging mode, with hand-built page tables,
#   build/sample/*.txt     and its manifest (what was built: DTB, mappings, holes, strings)
#   build/memintro-san     the CLI under AddressSanitizer + UndefinedBehaviorSanitizer
#   tests/t_cli.sh         the CLI on the sample images (plain and sanitizer builds)
#   tests/t_cli_live.sh    the CLI on the real test guest (tests/guest, QEMU under TCG)
#   make demo              tests/demo.sh: boots the test guest and reads it with the CLI

SAMPLE = $(B)/sample/.stamp

$(B)/mkimage: tests/tools/mkimage.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -o $@ $<

$(SAMPLE): $(B)/mkimage
	@mkdir -p $(dir $@)
	$(B)/mkimage $(B)/sample
	@touch $@

$(B)/memintro-san: examples/memintro.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -I. -o $@ $<

TEST_PKGS  += jq binutils qemu-system-x86 socat busybox-static cpio gcc libc6-dev
TEST_EXTRA += $(SAMPLE) $(B)/memintro-san

.PHONY: samples
samples: $(SAMPLE)

# The demo: memintro on a live VM (installs the packages it needs when run as root).
demo: $(B)/memintro
	@sh tests/demo.sh
