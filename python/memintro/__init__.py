"""memintro: read the memory of running virtual machines and memory snapshots.

A thin layer over libmemintro (the memintro C headers built as one shared library),
through the standard library's ctypes only.

    import memintro
    with memintro.open("qemu:name=vm1", os="auto") as t:
        print(t.info()["description"], t.os_name)
        for p in t.processes():
            print(p.pid, p.ppid, p.name, hex(p.dtb))
        print(hex(t.symbol("init_task")))
        data = t.read_virt(0xffffffff81000000, 64)

open(spec, os="auto") takes the connector strings of the C library and of the memintro
command-line tool ("qemu:name=VM", "dump:PATH", "raw:PATH[,base=ADDR]", a plugin's) and the
OS layer's name ("auto", "win32", "linux", "none", a plugin's, or None for no OS layer at
all); arch=/dtb=/kernel_base= are the OS layer's hints (the CLI's --arch/--dtb). It makes
the two calls a C program makes: memintro_target_open and memintro_os_open.

    Target.read(addr, n, partial=False)          guest-physical bytes
    Target.read_virt(va, n, pid=None, partial=False)   guest-virtual: the kernel's or pid's
    Target.translate(va, pid=None)               {"pa", "page_size", "flags", "writable",
                                                  "user", "nx", "level", "va"}
    Target.processes()                           [Process(pid, ppid, name, dtb, object, flags)]
    Target.modules(pid=None, wow64=False)        [Module(base, size, name, path)]; None: kernel's
    Target.symbol(name)                          a kernel symbol's address
    Target.info()                                what is open, its facts, the OS layer's facts
    Target.pause(), resume(), running()          a live VM's vCPUs (QMP)
    Target.os_name, Target.close(), with ... as t
    load_plugins(path=None), connectors(), os_layers()   the inventory

Every failure raises memintro.Error: .status is the C status name ("MEMINTRO_E_NOTFOUND"),
.code its number, str(e) the library's one-line message and the status. One Target per
thread (as in C).

The library is looked for, first found wins:
  1. $MEMINTRO_LIBRARY (a path to the file), when set: nothing else is tried;
  2. next to this file (memintro/libmemintro.so.ABI, a copied-around module);
  3. where make install put it (LIBDIR in memintro/_install.py, written by make install);
  4. the build tree this file sits in (python/memintro/ -> build/lib/);
  5. the system's library path (ld.so: libmemintro.so.ABI).
ABI is the soname's version (SONAME below); the library must report the same version.
"""

import ctypes
import os as _os

__all__ = ["open", "Error", "Target", "Process", "Module", "library_path", "SONAME",
           "KERNEL_PID", "STATUS", "load_plugins", "connectors", "os_layers"]

ABI = "0.2"
SONAME = "libmemintro.so." + ABI
KERNEL_PID = (1 << 64) - 1  # MEMINTRO_OS_KERNEL_PID: modules of the kernel itself

# ---- the library ------------------------------------------------------------------------

def _candidates():
    here = _os.path.dirname(_os.path.abspath(__file__))
    yield _os.path.join(here, SONAME)
    try:  # written by make install
        from . import _install
        yield _os.path.join(_install.LIBDIR, SONAME)
    except ImportError:
        pass
    yield _os.path.join(here, "..", "..", "build", "lib", SONAME)


def _load():
    env = _os.environ.get("MEMINTRO_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            raise ImportError("memintro: MEMINTRO_LIBRARY=%s cannot be loaded: %s" % (env, e))
    tried = []
    for p in _candidates():
        p = _os.path.normpath(p)
        if _os.path.exists(p):
            try:
                return ctypes.CDLL(p), p
            except OSError as e:
                tried.append("%s (%s)" % (p, e))
        else:
            tried.append(p + " (no such file)")
    try:
        return ctypes.CDLL(SONAME), SONAME
    except OSError as e:
        tried.append("%s from the library path (%s)" % (SONAME, e))
    raise ImportError("memintro: %s not found; tried: %s (set MEMINTRO_LIBRARY to its path)"
                      % (SONAME, "; ".join(tried)))


_lib, library_path = _load()

_c_size = ctypes.c_size_t
_c_u64 = ctypes.c_uint64
_c_u32 = ctypes.c_uint32
_c_int = ctypes.c_int
_c_str = ctypes.c_char_p
_c_ptr = ctypes.c_void_p


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_fn("memintro_library_version", _c_str)
_fn("memintro_library_status_name", _c_str, _c_int)
_fn("memintro_library_sizeof", _c_size, _c_str)
_fn("memintro_library_offsetof", _c_size, _c_str, _c_str)

_version = _lib.memintro_library_version().decode()
if _version != ABI:
    raise ImportError("memintro: %s is version %s, this module needs %s"
                      % (library_path, _version, ABI))


def _sizeof(t):
    return _lib.memintro_library_sizeof(t.encode())


def _offsetof(t, f):
    o = _lib.memintro_library_offsetof(t.encode(), f.encode())
    if o == ctypes.c_size_t(-1).value:
        raise ImportError("memintro: %s does not know %s.%s" % (library_path, t, f))
    return o

# ---- structures laid out here (checked against the library below) ------------------------

class _MmuDesc(ctypes.Structure):
    _fields_ = [("arch", ctypes.c_int32), ("flags", _c_u32), ("dtb", _c_u64),
                ("dtb_upper", _c_u64), ("granule", _c_u32), ("va_bits", _c_u32),
                ("pa_bits", _c_u32), ("reserved", _c_u32)]


class _Xlate(ctypes.Structure):
    _fields_ = [("va", _c_u64), ("pa", _c_u64), ("page_size", _c_u64), ("flags", _c_u32),
                ("level", _c_u32), ("status", ctypes.c_int32), ("reserved", _c_u32)]


class _Op(ctypes.Structure):
    _fields_ = [("addr", _c_u64), ("buf", _c_ptr), ("len", _c_size), ("missing", _c_size),
                ("status", ctypes.c_int32), ("flags", _c_u32)]


class _Fact(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 48), ("value", ctypes.c_char * 320)]


class _OsProcess(ctypes.Structure):
    _fields_ = [("pid", _c_u64), ("ppid", _c_u64), ("dtb", _c_u64), ("object", _c_u64),
                ("flags", _c_u32), ("reserved", _c_u32), ("name", ctypes.c_char * 64)]


class _OsModule(ctypes.Structure):
    _fields_ = [("base", _c_u64), ("size", _c_u64), ("name", ctypes.c_char * 128),
                ("path", ctypes.c_char * 512)]


class _OsHints(ctypes.Structure):
    _fields_ = [("paging", _MmuDesc), ("kernel_base", _c_u64)]


class _OsLayer(ctypes.Structure):  # its leading fields (version: at the library's offset)
    _fields_ = [("abi", _c_u32), ("name", _c_str), ("help", _c_str)]


class _Connector(ctypes.Structure):  # the same
    _fields_ = [("abi", _c_u32), ("name", _c_str), ("syntax", _c_str), ("help", _c_str)]


class _PluginElf(ctypes.Structure):
    _fields_ = [("elf_class", _c_u32), ("big_endian", _c_u32), ("machine", _c_u32),
                ("type", _c_u32), ("has_symbol", _c_int), ("symbol_value", _c_u64),
                ("symbol_size", _c_u64), ("descriptor_offset", _c_u64), ("abi", _c_u32),
                ("kind", _c_u32), ("symbols_from", _c_str)]


class _PluginEntry(ctypes.Structure):
    _fields_ = [("path", ctypes.c_char * 1024), ("status", _c_u32), ("kind", _c_u32),
                ("name", ctypes.c_char * 64), ("version", ctypes.c_char * 32),
                ("description", ctypes.c_char * 256), ("reason", ctypes.c_char * 1280),
                ("mtime", ctypes.c_int64), ("mtime_nsec", _c_u32), ("order", _c_u32),
                ("descriptor", _c_ptr), ("elf", _PluginElf)]


class _Allocator(ctypes.Structure):
    _fields_ = [("alloc", _c_ptr), ("free", _c_ptr), ("user", _c_ptr)]


class _PluginOptions(ctypes.Structure):
    _fields_ = [("path", _c_str), ("flags", _c_u32), ("allocator", _Allocator)]


_LAID_OUT = [("memintro_mmu_desc", _MmuDesc, ["dtb", "pa_bits"]),
             ("memintro_xlate", _Xlate, ["pa", "status"]),
             ("memintro_op", _Op, []),
             ("memintro_target_fact", _Fact, ["value"]),
             ("memintro_os_process", _OsProcess, ["dtb", "flags", "name"]),
             ("memintro_os_module", _OsModule, ["name", "path"]),
             ("memintro_os_hints", _OsHints, []),
             ("memintro_plugin_elf", _PluginElf, ["symbols_from"]),
             ("memintro_plugin_entry", _PluginEntry, ["status", "reason", "mtime", "descriptor", "elf"]),
             ("memintro_plugin_options", _PluginOptions, ["allocator"])]
for _cname, _py, _fields in _LAID_OUT:
    if _sizeof(_cname) != ctypes.sizeof(_py):
        raise ImportError("memintro: sizeof(%s) is %d in %s, %d here: the module does not match "
                          "the library" % (_cname, _sizeof(_cname), library_path, ctypes.sizeof(_py)))
    for _f in _fields:
        if _offsetof(_cname, _f) != getattr(_py, _f).offset:
            raise ImportError("memintro: offsetof(%s, %s) is %d in %s, %d here"
                              % (_cname, _f, _offsetof(_cname, _f), library_path,
                                 getattr(_py, _f).offset))
for _cname, _py, _fields in [("memintro_os_layer", _OsLayer, ["name", "help"]),
                              ("memintro_connector", _Connector, ["name", "syntax", "help"])]:
    for _f in _fields:  # leading fields only: the rest is read at the library's offsets
        if _offsetof(_cname, _f) != getattr(_py, _f).offset:
            raise ImportError("memintro: %s.%s is not where this module reads it" % (_cname, _f))


class _Opaque(object):
    """A C structure the library lays out (memintro_target, memintro_os): a buffer of its
    size, whose fields are read at the offsets the library reports."""

    def __init__(self, cname):
        self.cname = cname
        self.buf = ctypes.create_string_buffer(_sizeof(cname))
        self.ptr = ctypes.cast(self.buf, _c_ptr)
        self.off = {}

    def _o(self, field):
        o = self.off.get(field)
        if o is None:
            o = self.off[field] = _offsetof(self.cname, field)
        return o

    def get(self, field, ctype):
        return ctype.from_buffer(self.buf, self._o(field)).value

    def text(self, field):
        return ctypes.string_at(ctypes.addressof(self.buf) + self._o(field)).decode("utf-8", "replace")

    def struct(self, field, ctype):
        return ctype.from_buffer(self.buf, self._o(field))


for _cname in ["memintro_target", "memintro_os", "memintro_plugins"]:
    if _sizeof(_cname) == 0:
        raise ImportError("memintro: %s does not know sizeof(%s)" % (library_path, _cname))

# ---- functions --------------------------------------------------------------------------

_fn("memintro_status_str", _c_str, _c_int)
_fn("memintro_arch_name", _c_str, _c_int)
_fn("memintro_arch_parse", _c_int, _c_str)
_fn("memintro_target_open", _c_int, _c_ptr, _c_str, _c_ptr)
_fn("memintro_target_close", None, _c_ptr)
_fn("memintro_target_error", _c_str, _c_ptr)
_fn("memintro_target_load_cpus", _c_int, _c_ptr)
_fn("memintro_target_pause", _c_int, _c_ptr)
_fn("memintro_target_resume", _c_int, _c_ptr)
_fn("memintro_target_running", _c_int, _c_ptr, ctypes.POINTER(_c_int))
_fn("memintro_target_kind_name", _c_str, _c_int)
_fn("memintro_target_layout_name", _c_str, _c_int)
_fn("memintro_phys_read", _c_int, _c_ptr, ctypes.POINTER(_Op), _c_size)
_fn("memintro_virt_read", _c_int, _c_ptr, ctypes.POINTER(_Op), _c_size)
_fn("memintro_translate", _c_int, _c_ptr, ctypes.POINTER(_Xlate), _c_size)

_PROC_FN = ctypes.CFUNCTYPE(_c_int, _c_ptr, ctypes.POINTER(_OsProcess))
_MOD_FN = ctypes.CFUNCTYPE(_c_int, _c_ptr, ctypes.POINTER(_OsModule))
_FACT_FN = ctypes.CFUNCTYPE(_c_int, _c_ptr, _c_str, _c_str)
_fn("memintro_os_open", _c_int, _c_ptr, _c_ptr, _c_str, _c_ptr)
_fn("memintro_os_close", None, _c_ptr)
_fn("memintro_os_error", _c_str, _c_ptr)
_fn("memintro_os_facts", _c_int, _c_ptr, _FACT_FN, _c_ptr)
_fn("memintro_os_processes", _c_int, _c_ptr, _PROC_FN, _c_ptr)
_fn("memintro_os_modules", _c_int, _c_ptr, _c_u64, _c_u32, _MOD_FN, _c_ptr)
_fn("memintro_os_process_virt", _c_int, _c_ptr, _c_u64, ctypes.POINTER(_c_ptr))
_fn("memintro_os_kernel_virt", _c_int, _c_ptr, ctypes.POINTER(_c_ptr))
_fn("memintro_os_symbol", _c_int, _c_ptr, _c_str, ctypes.POINTER(_c_u64))
_fn("memintro_os_layer_list", ctypes.POINTER(_c_ptr), ctypes.POINTER(_c_size))
_fn("memintro_target_connector_list", ctypes.POINTER(_c_ptr), ctypes.POINTER(_c_size))
_fn("memintro_plugins_load", _c_int, _c_ptr, ctypes.POINTER(_PluginOptions))
_fn("memintro_plugins_free", None, _c_ptr)
_fn("memintro_plugin_kind_name", _c_str, _c_u32)
_fn("memintro_plugin_status_name", _c_str, _c_u32)

# status codes by C name, from the library (never numbered here)
STATUS = {}
_i = 0
while _lib.memintro_library_status_name(_i) is not None:
    STATUS[_lib.memintro_library_status_name(_i).decode()] = _i
    _i += 1
OK = STATUS["MEMINTRO_OK"]
_INVALID = STATUS["MEMINTRO_E_INVALID"]
_UNSUPPORTED = STATUS["MEMINTRO_E_UNSUPPORTED"]


def status_name(code):
    """The C name of a status code ("MEMINTRO_E_NOTFOUND")."""
    n = _lib.memintro_library_status_name(code)
    return n.decode() if n else "MEMINTRO_STATUS_%d" % code


def status_text(code):
    """The library's one-line description of a status code."""
    return _lib.memintro_status_str(code).decode()


class Error(Exception):
    """A failure of the library: .status is the status's C name ("MEMINTRO_E_UNMAPPED"),
    .code its number, str(e) the library's message."""

    def __init__(self, code, message=None):
        self.code = code
        self.status = status_name(code)
        self.message = message or status_text(code)
        Exception.__init__(self, self.message)

    def __str__(self):
        return "%s (%s)" % (self.message, self.status)


def _c(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def _u(b):
    return b.decode("utf-8", "replace") if b is not None else None


_MAX_READ = 1 << 30  # one read at most 1 GiB (as the CLI)


def _check_addr(a, what):
    if not isinstance(a, int) or a < 0 or a >> 64:
        raise Error(_INVALID, "%s: %r is not an unsigned 64-bit number" % (what, a))


class Process(object):
    """A guest process: pid, ppid, name, dtb (0 if none), object (the kernel's EPROCESS /
    task_struct address), flags (MEMINTRO_OS_PROC_*: is_32bit, exited, kernel)."""
    __slots__ = ("pid", "ppid", "name", "dtb", "object", "flags")

    def __init__(self, p):
        self.pid, self.ppid, self.dtb, self.object = p.pid, p.ppid, p.dtb, p.object
        self.flags = p.flags
        self.name = _u(p.name)

    is_32bit = property(lambda self: bool(self.flags & 1))
    exited = property(lambda self: bool(self.flags & 2))
    kernel = property(lambda self: bool(self.flags & 4))

    def __repr__(self):
        return "Process(pid=%d, ppid=%d, name=%r, dtb=0x%x)" % (self.pid, self.ppid, self.name, self.dtb)


class Module(object):
    """A loaded module: base, size, name, path."""
    __slots__ = ("base", "size", "name", "path")

    def __init__(self, m):
        self.base, self.size = m.base, m.size
        self.name, self.path = _u(m.name), _u(m.path)

    def __repr__(self):
        return "Module(base=0x%x, size=0x%x, name=%r)" % (self.base, self.size, self.name)


class Target(object):
    """An open target and its OS layer (memintro.open returns one). close() releases it;
    `with` closes it too. One object per thread."""

    def __init__(self, spec, os="auto", arch=None, dtb=None, kernel_base=None):
        self._t = None
        self._os = None
        _autoload()
        t = _Opaque("memintro_target")
        s = _lib.memintro_target_open(t.ptr, _c(spec), None)
        if s != OK:
            msg = _u(_lib.memintro_target_error(t.ptr)) or status_text(s)
            _lib.memintro_target_close(t.ptr)
            raise Error(s, msg)
        self._t = t
        self.spec = spec
        # A live VM's registers are read over QMP on demand: the OS layers and the "none"
        # layer's kernel address space need CPU 0's paging. Files have theirs already.
        if not t.get("cpus_loaded", _c_int):
            _lib.memintro_target_load_cpus(t.ptr)
        if os is not None:
            h = _OsHints()
            if arch is not None or dtb is not None:
                if arch is None or dtb is None:
                    self.close()
                    raise Error(_INVALID, "arch and dtb go together")
                h.paging.arch = _lib.memintro_arch_parse(_c(arch))
                if h.paging.arch <= 0:  # -1: unknown name; 0: "none"
                    self.close()
                    raise Error(_INVALID, "unknown paging mode %r (x86, pae, x86_64, la57, "
                                "aarch64)" % (arch,))
                h.paging.dtb = dtb
            if kernel_base is not None:
                h.kernel_base = kernel_base
            o = _Opaque("memintro_os")
            s = _lib.memintro_os_open(o.ptr, t.ptr, _c(os), ctypes.byref(h))
            if s != OK:
                msg = _u(_lib.memintro_os_error(o.ptr)) or status_text(s)
                _lib.memintro_os_close(o.ptr)
                self.close()
                raise Error(s, msg)
            self._os = o

    # -- life --
    def close(self):
        """Releases the OS layer and the target (again: nothing)."""
        if self._os is not None:
            _lib.memintro_os_close(self._os.ptr)
            self._os = None
        if self._t is not None:
            _lib.memintro_target_close(self._t.ptr)
            self._t = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _target(self):
        if self._t is None:
            raise Error(_INVALID, "the target is closed")
        return self._t

    def _need_os(self):
        self._target()
        if self._os is None:
            raise Error(_UNSUPPORTED, "no OS layer is open (memintro.open(..., os=None))")
        return self._os

    def _target_error(self, s, what):
        m = _u(_lib.memintro_target_error(self._t.ptr)) if self._t is not None else ""
        return Error(s, "%s: %s" % (what, m or status_text(s)))

    def _os_error(self, s, what):
        m = _u(_lib.memintro_os_error(self._os.ptr)) if self._os is not None else ""
        return Error(s, "%s: %s" % (what, m or status_text(s)))

    # -- a live VM --
    def pause(self):
        """Stops a live VM's vCPUs (QMP stop), for a consistent view. Raises Error
        (MEMINTRO_E_UNSUPPORTED for files)."""
        s = _lib.memintro_target_pause(self._target().ptr)
        if s != OK:
            raise self._target_error(s, "pause")

    def resume(self):
        """Lets a paused live VM run again (QMP cont)."""
        s = _lib.memintro_target_resume(self._target().ptr)
        if s != OK:
            raise self._target_error(s, "resume")

    def running(self):
        """True when a live VM's vCPUs run, False when paused (QMP query-status)."""
        r = _c_int()
        s = _lib.memintro_target_running(self._target().ptr, ctypes.byref(r))
        if s != OK:
            raise self._target_error(s, "running")
        return bool(r.value)

    # -- memory --
    @property
    def os_name(self):
        """The OS layer's name ("win32", "linux", "none"), None without one."""
        if self._os is None:
            return None
        p = self._os.get("layer", _c_ptr)
        return _u(ctypes.cast(p, ctypes.POINTER(_OsLayer)).contents.name) if p else None

    def _read(self, fn, obj, addr, n, partial, what):
        _check_addr(addr, what)
        if n < 0 or n > _MAX_READ:
            raise Error(_INVALID, "%s 0x%x: length %d is not 0..%d" % (what, addr, n, _MAX_READ))
        buf = ctypes.create_string_buffer(n)
        op = _Op(addr=addr, buf=ctypes.cast(buf, _c_ptr), len=n)
        fn(obj, ctypes.byref(op), 1)
        if op.status != OK and not partial:
            raise Error(op.status, "%s 0x%x, %d bytes: %d not read: %s"
                        % (what, addr, n, op.missing, status_text(op.status)))
        return buf.raw

    def read(self, addr, n, partial=False):
        """n bytes of guest-physical memory at addr. Raises Error when some could not be
        read, unless partial (then they read as zeros)."""
        t = self._target()
        return self._read(_lib.memintro_phys_read, t.get("phys", _c_ptr), addr, n, partial,
                          "read at")

    def _virt(self, pid):
        o = self._need_os()
        v = _c_ptr()
        if pid is None:
            s = _lib.memintro_os_kernel_virt(o.ptr, ctypes.byref(v))
            what = "the kernel's address space"
        else:
            _check_addr(pid, "pid")
            s = _lib.memintro_os_process_virt(o.ptr, pid, ctypes.byref(v))
            what = "process %d's address space" % pid
        if s != OK:
            raise self._os_error(s, what)
        return v

    def read_virt(self, va, n, pid=None, partial=False):
        """n bytes at guest-virtual va: in the kernel's address space (pid None) or in
        process pid's. Raises Error when some could not be read, unless partial."""
        return self._read(_lib.memintro_virt_read, self._virt(pid), va, n, partial,
                          "virtual read at")

    def translate(self, va, pid=None):
        """Translates guest-virtual va (the kernel's address space, or process pid's):
        {"va", "pa", "page_size", "flags", "writable", "user", "nx", "level"}. Raises Error
        (MEMINTRO_E_UNMAPPED, ...) when va does not translate."""
        v = self._virt(pid)
        _check_addr(va, "translate")
        x = _Xlate(va=va)
        _lib.memintro_translate(v, ctypes.byref(x), 1)
        if x.status != OK:
            raise Error(x.status, "translate 0x%x: %s (level %d)" % (va, status_text(x.status), x.level))
        return {"va": x.va, "pa": x.pa, "page_size": x.page_size, "flags": x.flags,
                "writable": bool(x.flags & 1), "user": bool(x.flags & 2),
                "nx": bool(x.flags & 4), "level": x.level}

    # -- OS --
    def processes(self):
        """The guest's processes (list of Process), in the OS's list order."""
        o = self._need_os()
        out = []
        cb = _PROC_FN(lambda user, p: out.append(Process(p.contents)) or 0)
        s = _lib.memintro_os_processes(o.ptr, cb, None)
        if s != OK:
            raise self._os_error(s, "processes")
        return out

    def modules(self, pid=None, wow64=False):
        """The modules of process pid, or the kernel's (pid None or KERNEL_PID); wow64: a
        32-bit process's 32-bit list. A list of Module."""
        o = self._need_os()
        if pid is not None:
            _check_addr(pid, "modules: pid")
        out = []
        cb = _MOD_FN(lambda user, m: out.append(Module(m.contents)) or 0)
        s = _lib.memintro_os_modules(o.ptr, KERNEL_PID if pid is None else pid,
                                     1 if wow64 else 0, cb, None)
        if s != OK:
            raise self._os_error(s, "modules")
        return out

    def symbol(self, name):
        """The address of kernel symbol `name`. Raises Error (MEMINTRO_E_NOTFOUND when the
        kernel has no such symbol, MEMINTRO_E_UNSUPPORTED when the layer knows none)."""
        o = self._need_os()
        if not isinstance(name, (str, bytes)):
            raise Error(_INVALID, "symbol: %r is not a name" % (name,))
        a = _c_u64()
        s = _lib.memintro_os_symbol(o.ptr, _c(name), ctypes.byref(a))
        if s != OK:
            raise self._os_error(s, "symbol %s" % name)
        return a.value

    def info(self):
        """What is open: {"spec", "connector", "kind", "description", "layout",
        "layout_text", "ram_size", "live", "paging" (None or {"arch", "dtb", "source"}),
        "facts" {name: value} (the target's printable facts), "os" (None or {"name", "why",
        "facts" {name: value}})}."""
        t = self._target()
        kind = t.get("kind", ctypes.c_int32)
        layout = t.get("layout", ctypes.c_int32)
        facts = {}
        n = t.get("fact_count", _c_size)
        fp = t.get("facts", _c_ptr)
        if fp and n:
            arr = ctypes.cast(fp, ctypes.POINTER(_Fact))
            for i in range(n):
                facts[_u(arr[i].name)] = _u(arr[i].value)
        paging = None
        if t.get("has_paging", _c_int):
            d = t.struct("paging", _MmuDesc)
            paging = {"arch": _u(_lib.memintro_arch_name(d.arch)), "dtb": d.dtb,
                      "source": t.text("paging_source")}
        conn = t.get("connector", _c_str)
        info = {"spec": self.spec, "connector": _u(conn),
                "kind": _u(_lib.memintro_target_kind_name(kind)),
                "description": t.text("description"),
                "layout": _u(_lib.memintro_target_layout_name(layout)),
                "layout_text": t.text("layout_text"), "ram_size": t.get("ram_size", _c_u64),
                "live": bool(t.get("live", _c_int)), "paging": paging, "facts": facts,
                "os": None}
        if self._os is not None:
            of = {}
            cb = _FACT_FN(lambda user, k, v: of.__setitem__(_u(k), _u(v)) or 0)
            s = _lib.memintro_os_facts(self._os.ptr, cb, None)
            if s != OK and s != _UNSUPPORTED:  # a layer without facts has none to give
                raise self._os_error(s, "info")
            info["os"] = {"name": self.os_name, "why": self._os.text("why"), "facts": of}
        return info


# ---- the inventory: plugins, connectors, OS layers ----------------------------------------

_plugins_loaded = None


def load_plugins(path=None, check_only=False):
    """Finds the plugins (path: colon-separated folders INSTEAD of the standard search path:
    $MEMINTRO_PLUGIN_PATH, ~/.local/lib/memintro, /usr/local/lib/memintro,
    /usr/lib/memintro), checks each one as an ELF file, loads and registers what passes
    (not with check_only). Returns one dict per candidate: path, status ("loaded",
    "rejected"), kind ("connector", "os", "-"), name, version, description, reason (why it
    was rejected, "" when loaded). A plugin loaded once stays loaded. open(), connectors()
    and os_layers() call this once (the standard path) unless it was called before, as the
    CLI loads the plugins at its start."""
    global _plugins_loaded
    p = _Opaque("memintro_plugins")
    o = _PluginOptions(path=_c(path), flags=1 if check_only else 0)
    s = _lib.memintro_plugins_load(p.ptr, ctypes.byref(o))
    try:
        if s != OK:
            raise Error(s, "plugins: %s" % (p.text("error") or status_text(s)))
        out = []
        arr = ctypes.cast(p.get("entries", _c_ptr), ctypes.POINTER(_PluginEntry))
        for i in range(p.get("count", _c_size)):
            e = arr[i]
            out.append({"path": _u(e.path), "status": _u(_lib.memintro_plugin_status_name(e.status)),
                        "kind": _u(_lib.memintro_plugin_kind_name(e.kind)), "name": _u(e.name),
                        "version": _u(e.version), "description": _u(e.description),
                        "reason": _u(e.reason)})
    finally:
        _lib.memintro_plugins_free(p.ptr)
    if not check_only:
        _plugins_loaded = out
    return out


def _autoload():
    if _plugins_loaded is None:
        try:
            load_plugins()
        except Error:
            pass  # a search that failed as a whole: the built-ins still work


def _field(ptr, cname, field, ctype):
    return ctype.from_address(ptr + _offsetof(cname, field)).value


def connectors():
    """The registered connectors, built-ins first: dicts name, syntax, help, version."""
    _autoload()
    n = _c_size()
    arr = _lib.memintro_target_connector_list(ctypes.byref(n))
    out = []
    for i in range(n.value):
        c = ctypes.cast(arr[i], ctypes.POINTER(_Connector)).contents
        out.append({"name": _u(c.name), "syntax": _u(c.syntax), "help": _u(c.help),
                    "version": _u(_field(arr[i], "memintro_connector", "version", _c_str))})
    return out


def os_layers():
    """The registered OS layers, in detection order ("none" last): dicts name, help, version."""
    _autoload()
    n = _c_size()
    arr = _lib.memintro_os_layer_list(ctypes.byref(n))
    out = []
    for i in range(n.value):
        l = ctypes.cast(arr[i], ctypes.POINTER(_OsLayer)).contents
        out.append({"name": _u(l.name), "help": _u(l.help),
                    "version": _u(_field(arr[i], "memintro_os_layer", "version", _c_str))})
    return out


def open(spec, os="auto", arch=None, dtb=None, kernel_base=None):
    """Opens the target `spec` (a connector string) and the OS layer `os` ("auto", "win32",
    "linux", "none"; None: none at all). arch ("x86_64", ...) with dtb, and kernel_base, are
    hints for the OS layer (the CLI's --arch/--dtb): the paging of a target that does not
    know its CPUs' (a raw image). Returns a Target; raises Error."""
    return Target(spec, os, arch, dtb, kernel_base)
