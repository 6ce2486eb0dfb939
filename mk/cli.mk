# mk/cli.mk: the command-line tool's test data and demo.
#   build/mkimage          writes sample guest-physical images (tests/tools/mkimage.c)
#   build/sample/*.img     one raw image per paging mode, with hand-built page tables,
#   build/sample/*.txt     and its manifest (what was built: DTB, mappings, holes, strings)
#   build/memintro-san     the CLI under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo              runs the CLI on the x86_64 sample image

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

TEST_PKGS  += jq
TEST_EXTRA += $(SAMPLE) $(B)/memintro-san

.PHONY: samples
samples: $(SAMPLE)

# The demo: translate a kernel address and read a string through the page tables of the
# x86_64 sample image (a later step points it at a live VM).
demo: $(B)/memintro $(SAMPLE)
	@set -e; img=$(B)/sample/x86_64.img; \
	dtb=$$(sed -n 's/^dtb //p' $(B)/sample/x86_64.txt); \
	run() { echo "\$$ $$*"; "$$@" || true; echo; }; \
	echo "memintro demo on $$img: a raw guest-physical image with x86-64 page tables (root at $$dtb)"; echo; \
	run $(B)/memintro -c raw:$$img info; \
	run $(B)/memintro -c raw:$$img --arch x86_64 --dtb $$dtb translate 0xffffffff81000000 0xffff888000001000 0x7fffffffeff0 0x403000; \
	run $(B)/memintro -c raw:$$img --arch x86_64 --dtb $$dtb read --virt 0xffffffff81000100 48; \
	run $(B)/memintro -c raw:$$img --arch x86_64 --dtb $$dtb read --virt 0x7fffffffeff0 48; \
	run $(B)/memintro -c raw:$$img --arch x86_64 --dtb $$dtb --json translate 0xffffffff81000000
