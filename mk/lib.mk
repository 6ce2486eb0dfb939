# mk/lib.mk: the headers as one library (lib/memintro.c, one translation unit).
#   build/lib/libmemintro.so.ABI   the shared library, soname libmemintro.so.ABI, where ABI
#                                  is memintro.h's MAJOR.MINOR while MAJOR is 0 (every 0.x
#                                  release may change the ABI), else MAJOR
#   build/lib/libmemintro.so       the link-time name (a symlink)
#   build/lib/libmemintro.a        the static library (the same object, position-independent)
#   build/lib-san/libmemintro.so.ABI   the shared library with ASan + UBSan (make test only:
#                                  tests/t_python.sh runs its unit part over it too)
# Built by `make` (all), from LIB_HEADERS.
# Checked by tests/t_install.sh (exports, soname, install) and tests/t_python.sh.

LIB_MAJOR := $(shell sed -n 's/^\#define MEMINTRO_VERSION_MAJOR \([0-9]*\).*/\1/p' memintro.h)
LIB_MINOR := $(shell sed -n 's/^\#define MEMINTRO_VERSION_MINOR \([0-9]*\).*/\1/p' memintro.h)
LIB_VERSION = $(LIB_MAJOR).$(LIB_MINOR)
LIB_ABI     = $(if $(filter 0,$(LIB_MAJOR)),$(LIB_MAJOR).$(LIB_MINOR),$(LIB_MAJOR))
LIB_SONAME  = libmemintro.so.$(LIB_ABI)
# the headers compiled into the library (and installed by make install)
LIB_HEADERS = memintro.h memintro_qemu.h memintro_coredump.h memintro_target.h memintro_win32.h \
              memintro_linux.h memintro_os.h memintro_plugin.h $(wildcard memintro_gdb.h)
LIB_DEFS    = $(if $(wildcard memintro_gdb.h),-DMEMINTRO_LIB_GDB)
LIB_SO      = $(B)/lib/$(LIB_SONAME)
LIB_FILES   = $(LIB_SO) $(B)/lib/libmemintro.so $(B)/lib/libmemintro.a

EXAMPLES += $(LIB_FILES)
.PHONY: lib
lib: $(LIB_FILES)

$(B)/lib/memintro.o: lib/memintro.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden $(LIB_DEFS) -I. -c -o $@ lib/memintro.c

$(LIB_SO): $(B)/lib/memintro.o
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-z,defs -o $@ $< $(LDLIBS)

$(B)/lib/libmemintro.so: $(LIB_SO)
	ln -sf $(LIB_SONAME) $@

$(B)/lib/libmemintro.a: $(B)/lib/memintro.o
	rm -f $@
	ar rcs $@ $<

# the same library under AddressSanitizer + UndefinedBehaviorSanitizer, for tests/t_python.sh
# (python3 with libasan/libubsan preloaded); built by make test, not by make
$(B)/lib-san/$(LIB_SONAME): lib/memintro.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -g $(SAN) -fPIC -fvisibility=hidden $(LIB_DEFS) -I. -shared \
	    -Wl,-soname,$(LIB_SONAME) -o $@ lib/memintro.c
TEST_EXTRA += $(B)/lib-san/$(LIB_SONAME)

# the Python module's tests and the install test
TEST_PKGS += python3 binutils
