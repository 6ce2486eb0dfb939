#!/bin/sh
# tests/t_python.sh: the Python module memintro (python/memintro, ctypes over
# build/lib/libmemintro.so), with Debian's python3.
# Unit part (no VM):
#   - build/sample/x86_64.img: SYNTHETIC raw image with hand-built page tables (build/mkimage,
#     tests/tools/mkimage.c); expected values from its manifest x86_64.txt and from the
#     image file itself: read() equals the file's bytes, translate() gives each "ok" line's
#     PA, page size and permissions, "unmapped" lines raise MEMINTRO_E_UNMAPPED, "unbacked"
#     ones a read_virt MEMINTRO_E_HOLE, "string" lines read back through read_virt;
#   - an ELF core of that image written by the project's own CLI (memintro dump): read()
#     equals the image file at random offsets;
#   - build/win32/x64-19045.dmp and .raw: SYNTHETIC Windows crash dump / raw image from
#     build/mkwin32 (tests/tools/mkwin32.c); processes(), modules(pid), modules() (kernel),
#     the per-process markers through read_virt and translate()+read() equal its JSON
#     manifest (the generator's own spec);
#   - errors raise memintro.Error with the right .status (no file, unknown connector, an
#     unknown layer, a layer whose OS is absent, unmapped, hole, unsupported, closed).
#   The unit part runs twice: over build/lib (plain) and over build/lib-san (the library
#   built with ASan + UBSan, preloaded into python3).
# Live part: the REAL test guest (tests/guest: Debian 12's 6.1 cloud kernel under QEMU/TCG,
#   tests/guest/boot.sh), opened as qemu:pid=N,qmp=unix:SOCK with os="auto": processes()
#   against the guest's FACT ps/stat lines, symbol() against its FACT kallsyms lines
#   (/proc/kallsyms), modules() against FACT modules (/proc/modules), the marker strings
#   through read_virt(va, pid), read(pa) and translate(va, pid) against the MARKER/SPAN
#   lines; pause(), resume() and running() (QMP). Expected values are the guest's own,
#   never memintro's. About 30 s.
set -u
cd "$(dirname "$0")/.." || exit 1
SO=build/lib/libmemintro.so.0.2
. tests/guest/live.sh
live_begin "python" "$SO" mk/lib.mk python3
rc=0
nok() {
    echo "not ok - python: $*"
    rc=1
}
for f in build/mkimage build/sample/x86_64.img build/win32/x64-19045.dmp build/memintro build/plugins/file.so build/plugins/toyos.so; do
    [ -e "$f" ] || { nok "$f is not built (make test builds it: mk/cli.mk, mk/win32_gen.mk, mk/plugins.mk)"; exit 1; }
done
# Debian's python3 (package python3), not whatever python3 comes first in PATH
PY=${MEMINTRO_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || { echo "not ok - $PY is missing (package python3)"; exit 1; }
"$PY" -c 'import ctypes' || { echo "not ok - $PY has no ctypes"; exit 1; }
export PYTHONPATH=$(pwd)/python PYTHONDONTWRITEBYTECODE=1
unset MEMINTRO_LIBRARY

if ! build/memintro -c raw:build/sample/x86_64.img dump -o "$tmp/sample.elf" >"$tmp/dump.out" 2>&1; then
    nok "memintro dump of the sample image failed"
    sed 's/^/    # /' "$tmp/dump.out"
fi

cat >"$tmp/unit.py" <<'EOF'
import json, os, random, sys
import memintro

rc = 0
tmp, elf, want_lib, label = sys.argv[1:5]
def ok(cond, msg):
    global rc
    print(("ok - %s: " if cond else "not ok - %s: ") % label + msg)
    if not cond:
        rc = 1
    return cond

def raises(status, fn, msg):
    try:
        fn()
    except memintro.Error as e:
        return ok(e.status == status and str(e.message), "%s raises %s (%s)" % (msg, status, e.message))
    except Exception as e:
        return ok(False, "%s raised %r, not memintro.Error" % (msg, e))
    return ok(False, "%s did not raise %s" % (msg, status))

ok(memintro.library_path == want_lib, "the library loaded is %s" % memintro.library_path)

# ---- plugins (the project's example plugins, built by make: mk/plugins.mk) ----
pd = os.path.join(tmp, "plugins")
os.mkdir(pd)
for n in ("file.so", "toyos.so"):
    open(os.path.join(pd, n), "wb").write(open("build/plugins/" + n, "rb").read())
open(os.path.join(pd, "notes.so"), "w").write("not a shared object\n")
pl = dict((os.path.basename(p["path"]), p) for p in memintro.load_plugins(pd))
ok(pl.get("file.so", {}).get("status") == "loaded" and pl["file.so"]["kind"] == "connector" and
   pl.get("toyos.so", {}).get("status") == "loaded" and pl["toyos.so"]["kind"] == "os",
   "load_plugins(folder): the connector and the OS-layer example plugins load")
ok(pl.get("notes.so", {}).get("status") == "rejected" and pl["notes.so"]["reason"],
   "load_plugins(folder): a text file named .so is rejected with a reason (%s)" % pl.get("notes.so", {}).get("reason"))
names = [c["name"] for c in memintro.connectors()]
ok(names[:3] == ["qemu", "dump", "raw"] and "file" in names, "connectors(): the built-ins first, then the plugin's: %s" % names)
layers = [l["name"] for l in memintro.os_layers()]
ok(layers[:2] == ["win32", "linux"] and layers[-1] == "none" and "toy" in layers, "os_layers(): %s" % layers)
# a toy-OS image (the table layout of examples/plugins/toyos.c), written here
toy = bytearray(4 << 20)
procs = [(1, 0, 0x1000, "init"), (7, 1, 0x2000, "toy-shell"), (9, 7, 0, "toy-worker")]
tab = 0x5000
toy[tab:tab + 16] = b"memintro toy os\0"
toy[tab + 16:tab + 32] = (1).to_bytes(4, "little") + len(procs).to_bytes(4, "little") + (0xffff800000000000).to_bytes(8, "little")
for i, (pid, ppid, dtb, name) in enumerate(procs):
    e = tab + 32 + 64 * i
    toy[e:e + 64] = pid.to_bytes(8, "little") + ppid.to_bytes(8, "little") + dtb.to_bytes(8, "little") + name.encode().ljust(40, b"\0")
toy_img = os.path.join(tmp, "toy.img")
open(toy_img, "wb").write(toy)
with memintro.open("file:" + toy_img, os="auto") as t:
    ok(t.read(tab, 16) == b"memintro toy os\0" and t.read(0x123456, 100) == bytes(toy[0x123456:0x123456 + 100]),
       "open(\"file:IMAGE\"): the plugin connector reads the file's bytes")
    ok(t.os_name == "toy", "os=auto finds the plugin's toy OS (%s)" % t.os_name)
    ok([(p.pid, p.ppid, p.dtb, p.name) for p in t.processes()] == procs, "processes() through the plugin OS layer = the table written here")
    raises("MEMINTRO_E_UNSUPPORTED", lambda: t.read_virt(0, 1), "read_virt() on a layer without address spaces")

# ---- the synthetic sample image and its manifest ----
img = "build/sample/x86_64.img"
data = open(img, "rb").read()
man = [l.split() for l in open("build/sample/x86_64.txt") if not l.startswith("#")]
dtb = int([l for l in man if l[0] == "dtb"][0][1], 16)
with memintro.open("raw:" + img, os="none", arch="x86_64", dtb=dtb) as t:
    good = all(t.read(o, n) == data[o:o + n] for o, n in
               [(0, 1), (0x1000, 4096), (len(data) - 100, 100), (0x123457, 9999)])
    ok(good, "read() equals the image file's bytes (4 ranges)")
    raises("MEMINTRO_E_HOLE", lambda: t.read(len(data) - 8, 16), "read() across the image's end")
    ok(t.read(len(data) - 8, 16, partial=True) == data[-8:] + b"\0" * 8,
       "read(partial=True) gives the bytes there and zeros past the end")
    n_ok = bad = 0
    for l in man:
        if l[0] == "ok":
            va, pa, size = int(l[1], 16), int(l[2], 16), int(l[3])
            x = t.translate(va)
            want = (pa, size, l[4] == "rw", l[5] == "user", l[6] == "nx")
            got = (x["pa"], x["page_size"], x["writable"], x["user"], x["nx"])
            n_ok += 1
            if got != want:
                bad += 1
                print("    # 0x%x: %r, manifest %r" % (va, got, want))
    ok(n_ok > 20 and bad == 0, "translate() of the manifest's %d mapped addresses: pa, page size, rw/user/nx" % n_ok)
    un = [l for l in man if l[0] == "unmapped"]
    good = 0
    for l in un:
        try:
            t.translate(int(l[1], 16))
        except memintro.Error as e:
            good += e.status == "MEMINTRO_E_UNMAPPED" and ("level %s" % l[2]) in e.message
    ok(len(un) > 3 and good == len(un), "translate() of the %d unmapped addresses raises MEMINTRO_E_UNMAPPED at their level" % len(un))
    nc = [l for l in man if l[0] == "noncanonical"]
    good = 0
    for l in nc:
        try:
            t.translate(int(l[1], 16))
        except memintro.Error as e:
            good += e.status == "MEMINTRO_E_NONCANONICAL"
    ok(len(nc) > 0 and good == len(nc), "translate() of %d non-canonical addresses raises MEMINTRO_E_NONCANONICAL" % len(nc))
    st = [l for l in man if l[0] == "string"]
    good = 0
    for l in st:
        va, n, text = int(l[1], 16), int(l[3]), " ".join(l[4:]).encode()
        good += t.read_virt(va, n) == text
    ok(len(st) >= 2 and good == len(st), "read_virt() of the manifest's %d strings (one across two pages)" % len(st))
    ub = [l for l in man if l[0] == "unbacked"]
    for l in ub[:1]:
        raises("MEMINTRO_E_HOLE", lambda: t.read_virt(int(l[1], 16), 8), "read_virt() of a page mapped outside the image")
    raises("MEMINTRO_E_INVALID", lambda: t.read(1 << 64, 1), "read() at an address of 65 bits")
    raises("MEMINTRO_E_INVALID", lambda: t.read(-1, 1), "read() at a negative address")
    raises("MEMINTRO_E_INVALID", lambda: t.translate(1 << 64), "translate() of an address of 65 bits")
    raises("MEMINTRO_E_INVALID", lambda: t.read(0, -1), "read() of a negative length")
    ok(t.read(0x1000, 0) == b"", "read() of 0 bytes is b''")
    raises("MEMINTRO_E_UNSUPPORTED", t.processes, "processes() on the none layer")
    raises("MEMINTRO_E_UNSUPPORTED", t.pause, "pause() of a file")
    raises("MEMINTRO_E_UNSUPPORTED", lambda: t.symbol("x"), "symbol() on the none layer")
    i = t.info()
    ok(i["kind"] == "raw" and i["ram_size"] == len(data) and i["os"]["name"] == "none" and not i["live"],
       "info(): raw, the file's size, OS layer none, not live")
ok(t._t is None, "with closes the target")
raises("MEMINTRO_E_INVALID", lambda: t.read(0, 1), "read() on a closed target")

# ---- an ELF core of the image, written by memintro dump ----
if os.path.exists(elf):
    with memintro.open("dump:" + elf, os=None) as t:
        rnd = random.Random(10)
        offs = [(rnd.randrange(len(data) - 5000), rnd.randrange(1, 5000)) for _ in range(200)]
        ok(all(t.read(o, n) == data[o:o + n] for o, n in offs) and t.info()["kind"] == "dump",
           "dump: an ELF core written by memintro dump reads as the image (200 random ranges)")
        raises("MEMINTRO_E_UNSUPPORTED", t.processes, "processes() without an OS layer (os=None)")
else:
    ok(False, "no ELF core of the sample image")

# ---- synthetic Windows images (mkwin32) against their manifest ----
m = json.load(open("build/win32/x64-19045.json"))
hx = lambda s: int(s, 16)
for path, os_name in [("build/win32/x64-19045.dmp", "auto"), ("build/win32/x64-19045.raw", "win32")]:
    n = os.path.basename(path)
    with memintro.open(("dump:" if path.endswith(".dmp") else "raw:") + path, os=os_name) as t:
        ok(t.os_name == "win32", "%s: os=%s finds win32" % (n, os_name))
        ps = [(p.pid, p.ppid, p.name, p.dtb) for p in t.processes()]
        want = [(p["pid"], p["ppid"], p["name"], hx(p["dtb"])) for p in m["processes"]]
        ok(ps == want, "%s: processes() = the manifest's %d (pid, ppid, name, dtb, list order)" % (n, len(want)))
        if ps != want:
            print("    # got %r" % ps[:4])
        good = total = 0
        for p in m["processes"]:
            mods = m["modules"].get(str(p["pid"]), [])
            if not mods:
                continue
            total += 1
            got = [(x.base, x.size, x.name, x.path) for x in t.modules(p["pid"])]
            good += got == [(hx(x["base"]), x["size"], x["name"], x["path"]) for x in mods]
        ok(total >= 3 and good == total, "%s: modules(pid) of %d processes = the manifest's" % (n, total))
        got = [(x.base, x.size, x.name, x.path) for x in t.modules()]
        ok(got == [(hx(x["base"]), x["size"], x["name"], x["path"]) for x in m["kernel_modules"]],
           "%s: modules() = the manifest's %d kernel modules" % (n, len(m["kernel_modules"])))
        good = total = 0
        for p in m["processes"]:
            if not p.get("marker"):
                continue
            total += 1
            va, text = hx(p["marker_va"]), p["marker"].encode()
            x = t.translate(va, pid=p["pid"])
            good += t.read_virt(va, len(text), pid=p["pid"]) == text and t.read(x["pa"], len(text)) == text
        ok(total >= 3 and good == total, "%s: each of %d processes' marker through read_virt(pid) and translate(pid)+read()" % (n, total))
        i = t.info()
        ok(i["os"]["facts"].get("build") == str(m["build"]) and
           int(i["os"]["facts"].get("kernel_base", "0"), 16) == hx(m["kernel_base"]),
           "%s: info()'s OS facts: build %s, kernel base %s" % (n, m["build"], m["kernel_base"]))
        raises("MEMINTRO_E_NOTFOUND", lambda: t.modules(123456), "%s: modules() of a pid that does not exist" % n)
        raises("MEMINTRO_E_NOTFOUND", lambda: t.read_virt(0x10000, 4, pid=123456), "%s: read_virt() in a pid that does not exist" % n)
        raises("MEMINTRO_E_INVALID", lambda: t.read_virt(0x10000, 4, pid=-1), "%s: read_virt() with pid -1" % n)

# ---- errors ----
raises("MEMINTRO_E_NOTFOUND", lambda: memintro.open("raw:" + os.path.join(tmp, "nothing.img")), "open() of a missing file")
raises("MEMINTRO_E_INVALID", lambda: memintro.open("nosuch:thing"), "open() of an unknown connector")
raises("MEMINTRO_E_INVALID", lambda: memintro.open("raw:" + img, os="nosuchos"), "open() with an unknown OS layer")
raises("MEMINTRO_E_NOTFOUND", lambda: memintro.open("raw:" + img, os="linux"), "open() with os=linux on an image without Linux")
raises("MEMINTRO_E_INVALID", lambda: memintro.open("raw:" + img, os="none", arch="sparc", dtb=0), "open() with an unknown paging mode")
try:
    memintro.open("nosuch:thing")
except memintro.Error as e:
    ok(isinstance(e, Exception) and "nosuch" in str(e) and e.code == memintro.STATUS[e.status],
       "Error carries the code, its name and the library's message: %s" % e)
sys.exit(rc)
EOF
mkdir "$tmp/plain" "$tmp/san"
"$PY" "$tmp/unit.py" "$tmp/plain" "$tmp/sample.elf" "$(pwd)/$SO" python || rc=1
# the same over the library built with AddressSanitizer + UndefinedBehaviorSanitizer (the
# ctypes layouts: a buffer too small for what the library writes is an ASan report)
SAN_SO=build/lib-san/libmemintro.so.0.2
if [ ! -f "$SAN_SO" ]; then
    nok "$SAN_SO is not built (make test builds it: mk/lib.mk)"
else
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
        MEMINTRO_LIBRARY="$(pwd)/$SAN_SO" "$PY" "$tmp/unit.py" "$tmp/san" "$tmp/sample.elf" "$(pwd)/$SAN_SO" \
        "python (sanitizers)" >"$tmp/san.out" 2>&1 || { rc=1; grep -q '^not ok' "$tmp/san.out" || echo "not ok - python (sanitizers): exited with an error"; }
    grep '^ok\|^not ok' "$tmp/san.out"
    grep -q 'ERROR: AddressSanitizer\|runtime error' "$tmp/san.out" && { nok "sanitizer report:"; grep -A12 'ERROR: AddressSanitizer\|runtime error' "$tmp/san.out" | head -30 | sed 's/^/    # /'; }
fi

# ---- live: the real guest ----
if ! tests/guest/boot.sh --dir "$g" --name mi-python-$$ >"$tmp/pid" 2>"$tmp/boot"; then
    nok "the guest did not boot"
    sed 's/^/    # /' "$tmp/boot" | head
    exit 1
fi
echo "ok - python: live: guest booted (pid $(cat "$tmp/pid"))"
cat >"$tmp/live.py" <<'EOF'
import re, sys
import memintro

rc = 0
def ok(cond, msg):
    global rc
    print(("ok - python: live: " if cond else "not ok - python: live: ") + msg)
    if not cond:
        rc = 1
    return cond

spec, serial = sys.argv[1], sys.argv[2]
facts = [l.rstrip("\n") for l in open(serial)]
fact = lambda k: [l[len("FACT " + k + " "):] for l in facts if l.startswith("FACT " + k + " ")]
comm = dict((int(l.split(" ", 1)[0]), l.split(" ", 1)[1]) for l in fact("ps"))
ppid = dict((int(l.split()[0]), int(l.split()[1])) for l in fact("stat"))
with memintro.open(spec, os="auto") as t:
    ok(t.os_name == "linux", "os=auto finds linux (%s)" % t.os_name)
    i = t.info()
    ok(i["live"] and i["kind"] == "qemu", "info(): a live qemu target")
    ps = t.processes()
    mine = dict((p.pid, p) for p in ps)
    missing = [pid for pid in comm if pid not in mine and not comm[pid].startswith("kworker")]
    wrong = [pid for pid in comm if pid in mine and (mine[pid].name != comm[pid] or mine[pid].ppid != ppid.get(pid))]
    extra = [p for p in ps if p.pid not in comm and not (p.name.startswith("kworker") or p.name == "sleep")]
    ok(len(comm) >= 20 and not missing and not wrong and not extra,
       "processes(): the guest's %d processes (pid, ppid, name; kworkers come and go)" % len(comm))
    for x in missing[:3] + wrong[:3]:
        print("    # pid %d: guest %s ppid %s, ours %r" % (x, comm[x], ppid.get(x), mine.get(x)))
    user = [p for p in ps if p.name.startswith("mi-marker")]
    ok(len(user) == 2 and all(p.dtb != 0 for p in user), "processes(): both mi-marker processes, each with its DTB")
    ks = [l.split() for l in fact("kallsyms")]
    good = [k for k, a in ks if t.symbol(k) == int(a, 16)]
    ok(len(ks) >= 10 and len(good) == len(ks), "symbol() of the guest's %d /proc/kallsyms facts (%d equal)" % (len(ks), len(good)))
    try:
        t.symbol("memintro_no_such_symbol")
        ok(False, "symbol() of a missing name did not raise")
    except memintro.Error as e:
        ok(e.status == "MEMINTRO_E_NOTFOUND", "symbol() of a missing name raises %s" % e.status)
    mods = dict((l.split()[0], (int(l.split()[1]), int(l.split()[-1], 16))) for l in fact("modules"))
    got = dict((m.name, (m.size, m.base)) for m in t.modules())
    ok(len(mods) >= 1 and got == mods, "modules(): the guest's /proc/modules (%d: name, size, base)" % len(mods))
    marks = [dict(kv.split("=", 1) for kv in l.split()[2:]) for l in facts if l.startswith("MARKER ")]
    good = 0
    for mk in marks:
        pid, va, pa, text = int(mk["pid"]), int(mk["va"], 16), int(mk["pa"], 16), mk["text"].encode()
        good += (t.read_virt(va, len(text), pid=pid) == text and t.read(pa, len(text)) == text and
                 t.translate(va, pid=pid)["pa"] == pa)
    ok(len(marks) == 8 and good == 8, "the 8 markers: read_virt(va, pid), read(pa), translate(va, pid) = the guest's")
    spans = [dict(kv.split("=", 1) for kv in l.split()[2:]) for l in facts if l.startswith("SPAN ")]
    good = sum(t.read_virt(int(s["va"], 16), 55, pid=int(s["pid"])) == s["text"].encode() for s in spans)
    ok(len(spans) == 2 and good == 2, "the 2 span strings across a page boundary through read_virt(pid)")
    ok(t.running(), "running(): the guest runs")
    def qemu_says():  # QEMU's own answer, over the tests' QMP socket
        import subprocess
        out = subprocess.run(["tests/guest/qmp.sh", sys.argv[3], '{"execute":"query-status"}'],
                             capture_output=True, text=True, timeout=60).stdout
        return '"running": true' in out, '"running": false' in out
    t.pause()
    ok(not t.running() and qemu_says() == (False, True), "pause(): the guest is paused (running() False, QEMU's query-status too)")
    t.resume()
    ok(t.running() and qemu_says() == (True, False), "resume(): the guest runs again (running(), QEMU's query-status)")
    text = int(fact("kallsyms _text")[0], 16)
    ok(t.read_virt(text, 2) == t.read(t.translate(text)["pa"], 2), "read_virt(_text) in the kernel's space = read() at its translation")
sys.exit(rc)
EOF
"$PY" "$tmp/live.py" "qemu:pid=$(cat "$tmp/pid"),qmp=unix:$g/qmp.sock" "$g/serial.log" "$g/qmp-test.sock" || rc=1
exit $rc
