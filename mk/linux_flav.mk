# mk/linux_flav.mk: the Linux layer on more Debian 12 kernels.
#   tests/t_linux_flavours.sh   the test guest (tests/guest) with the rt and generic kernels
#                               (KASLR on) and the cloud kernel with nokaslr, booted at once;
#                               runs tests/t_linux_live.sh (build/tests-san/linux_live) and
#                               build/tests-san/linux_btf_live on each (built by mk/linux.mk
#                               and mk/linux_btf.mk); the kernel .debs come with apt-get download
TEST_PKGS += qemu-system-x86 socat busybox-static cpio gcc libc6-dev
