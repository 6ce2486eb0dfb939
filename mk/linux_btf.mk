# mk/linux_btf.mk: the BTF reader of memintro_linux.h is checked against bpftool's dump of
# this machine's kernel BTF (tests/test_linux_btf.c).
TEST_PKGS += bpftool
