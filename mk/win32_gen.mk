# mk/win32_gen.mk: the synthetic Windows images (tests/win32_image.h) and their test matrix.
#   build/mkwin32            tests/tools/mkwin32.c: `mkwin32 DIR` writes each variant as
#                            DIR/NAME.raw, NAME.dmp (Windows crash dump), NAME.elf (ELF core)
#                            and NAME.json (the generator's spec); `mkwin32 --one OPTIONS PATH`
#                            writes one image (e.g. a sparse 4 GiB one for the benchmark)
#   build/win32/.stamp       the variants, written by build/mkwin32 build/win32 (by `make test`
#                            too, for the CLI tests: tests/t_cli_win32.sh)
#   build/tests/test_win32   tests/test_win32.c: the matrix (every build of the generator's
#                            table, x64 / PAE / x86, no stub, unknown build, damaged variants;
#                            raw, crash dump and ELF core; with and without the target's hints)

WIN32_IMAGES = $(B)/win32/.stamp

$(B)/mkwin32: tests/tools/mkwin32.c tests/win32_image.h memintro.h
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -I. -o $@ $<

$(WIN32_IMAGES): $(B)/mkwin32
	@mkdir -p $(dir $@)
	$(B)/mkwin32 $(B)/win32
	@touch $@

$(B)/tests/test_win32 $(B)/tests-san/test_win32: tests/win32_image.h

TEST_EXTRA += $(B)/mkwin32 $(WIN32_IMAGES)

.PHONY: win32-images
win32-images: $(WIN32_IMAGES)
