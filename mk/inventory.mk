# mk/inventory.mk: the connector inventory (memintro_target.h's registry and middleware, the
# CLI's connectors / help CONNECTOR / targets [CONNECTOR]).
#   build/tests/test_target_registry, build/tests-san/test_target_registry
#                               tests/test_target_registry.c: a registered memory-buffer
#                               connector, the string syntax, each middleware key (synthetic)
#   tests/t_cli_inventory.sh    the CLI's inventory commands, syntax and middleware on a raw
#                               image written by the script (build/memintro, memintro-san)
#   tests/t_cli_inventory_live.sh   the same on the real test guest (tests/guest)
TEST_PKGS  += jq qemu-system-x86 socat busybox-static cpio gcc libc6-dev
TEST_EXTRA += $(B)/memintro $(B)/memintro-san
