# mk/install.mk: make install / make uninstall.
#   make install [PREFIX=/usr/local] [DESTDIR=]   installs (DESTDIR is prepended to every path,
#                                                 for staging; the files do not record it)
#     $(INCLUDEDIR)/memintro*.h                   the headers the library is built from (LIB_HEADERS)
#     $(LIBDIR)/libmemintro.so.ABI, libmemintro.so (symlink), libmemintro.a
#     $(LIBDIR)/pkgconfig/memintro.pc             `pkg-config --cflags --libs memintro`
#     $(BINDIR)/memintro                          the command-line tool
#     $(PYTHONDIR)/memintro/__init__.py, _install.py (where the library was installed)
#     $(MANDIR)/man1/memintro.1                   the manual page (man/memintro.1)
#   make uninstall [PREFIX=...] [DESTDIR=]        removes exactly those files (and the
#                                                 module's folder)
# PYTHONDIR defaults to $(LIBDIR)/python3/dist-packages, Debian's folder for modules of any
# python3 version (on sys.path for PREFIX=/usr; for another prefix set PYTHONPATH, or pass
# PYTHONDIR=, e.g. the one `python3 -c 'import site; print(site.getsitepackages()[0])'` names).
# ldconfig is not run: for a prefix outside ld.so's path the module finds the library by
# _install.py, programs by -Wl,-rpath or LD_LIBRARY_PATH.
#   tests/t_install.sh   installs into a temporary prefix and uses every part of it

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
PYTHONDIR  ?= $(LIBDIR)/python3/dist-packages
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL    ?= install

INSTALL_HEADERS = $(LIB_HEADERS)

.PHONY: install uninstall
install: $(B)/memintro $(LIB_FILES) man/memintro.1 python/memintro/__init__.py
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(PYTHONDIR)/memintro $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(INSTALL_HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libmemintro.so
	$(INSTALL) -m 644 $(B)/lib/libmemintro.a $(DESTDIR)$(LIBDIR)/libmemintro.a
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' '' \
	    'Name: memintro' \
	    'Description: read the memory of running virtual machines and memory snapshots' \
	    'Version: $(LIB_VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lmemintro' \
	    >$(DESTDIR)$(PKGCONFIGDIR)/memintro.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/memintro.pc
	$(INSTALL) -m 755 $(B)/memintro $(DESTDIR)$(BINDIR)/memintro
	$(INSTALL) -m 644 python/memintro/__init__.py $(DESTDIR)$(PYTHONDIR)/memintro/__init__.py
	printf '%s\n' '# written by make install: where the library was installed' \
	    'LIBDIR = "$(LIBDIR)"' >$(DESTDIR)$(PYTHONDIR)/memintro/_install.py
	chmod 644 $(DESTDIR)$(PYTHONDIR)/memintro/_install.py
	$(INSTALL) -m 644 man/memintro.1 $(DESTDIR)$(MANDIR)/man1/memintro.1

uninstall:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(INSTALL_HEADERS)) \
	    $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libmemintro.so \
	    $(DESTDIR)$(LIBDIR)/libmemintro.a $(DESTDIR)$(PKGCONFIGDIR)/memintro.pc \
	    $(DESTDIR)$(BINDIR)/memintro $(DESTDIR)$(MANDIR)/man1/memintro.1 \
	    $(DESTDIR)$(PYTHONDIR)/memintro/__init__.py $(DESTDIR)$(PYTHONDIR)/memintro/_install.py
	rm -rf $(DESTDIR)$(PYTHONDIR)/memintro/__pycache__
	-rmdir $(DESTDIR)$(PYTHONDIR)/memintro 2>/dev/null

TEST_PKGS += python3 pkg-config man-db groff-base binutils gcc libc6-dev
