/* tests/test_target_registry.c: the connector registry of memintro_target.h (synthetic
   data only).

   The test registers a connector of its own, "mem": guest memory is a heap buffer whose
   byte i is (i * 7 + seed) & 0xff (pattern() below, computed here, never read back from
   the code under test), served by a backend written here that counts every batch it is
   given. It is opened by string with keys (mem:NAME,size=N,seed=S[,live][,cpu]), like a
   plugin would be. Checked: registration (built-ins first, a taken name, a wrong ABI, a
   key named like a middleware key, the list and the older memintro_target_connectors);
   what reaches the connector's open (target, only its own keys, in order); the string
   syntax (a target with commas, a trailing run of known keys, a trailing ',' ending a
   target, unknown keys refused with the known ones for built-ins and registered
   connectors alike, a key given twice, bad middleware values); the target filled from the
   connector's result (kind, description, layout, ranges, reads, close called once, a
   failing open's message); load_cpus and pause through the connector; and each middleware
   key: cache (a repeated read is served without a backend batch; cache_size and
   cache_time change that; the defaults: on for a live target, off otherwise and for raw
   images; direct access passes through), delay (a batch takes at least the delay), metrics
   (counts what a known sequence of reads did, one line through the callback at close);
   30000 pseudo-random strings of the syntax's characters through the parser (a result whose
   keys are all known, or a one-line refusal; no sanitizer report). */
#define MEMINTRO_TARGET_IMPLEMENTATION
#include "memintro_target.h"

#include <time.h>
#include <unistd.h>

#include "tests/check.h"

static uint8_t pattern(uint64_t i, unsigned seed)
{
    return (uint8_t)((i * 7u + seed) & 0xffu);
}

/* ---- the test's connector ---- */

typedef struct membuf {
    memintro_phys phys; /* first: the backend */
    uint8_t *data;
    uint64_t size;
    memintro_range range;
    memintro_memmap map;
    memintro_cpu cpu;
} membuf;

static unsigned long backend_batches, backend_ops, closes, pauses, resumes;
static memintro_connector_args last_args; /* what the last open was given */
static char last_target[256], last_keys[512];

static memintro_status membuf_read(memintro_phys *self, memintro_op *ops, size_t count)
{
    membuf *m = (membuf *)self;
    size_t i;
    backend_batches++;
    backend_ops += count;
    memintro_ops_begin(ops, count);
    for (i = 0; i < count; i++) {
        if (ops[i].addr >= m->size || ops[i].len > m->size - ops[i].addr) {
            memintro_op_fail(&ops[i], MEMINTRO_E_HOLE, 0, ops[i].len, 1);
            continue;
        }
        memcpy(ops[i].buf, m->data + ops[i].addr, ops[i].len);
    }
    return memintro_ops_status(ops, count);
}

static memintro_status membuf_open(const memintro_connector_args *a, const memintro_target_options *o,
                                   memintro_connector_result *out, char *err, size_t errlen)
{
    membuf *m;
    uint64_t size = 0x10000, seed = 0, i;
    const char *v;
    size_t k;
    (void)o;
    last_args = *a;
    snprintf(last_target, sizeof last_target, "%s", a->target);
    last_keys[0] = 0;
    for (k = 0; k < a->count; k++)
        snprintf(last_keys + strlen(last_keys), sizeof last_keys - strlen(last_keys), "%s%s=%s", k ? "," : "",
                 a->keys[k], a->values[k]);
    if (!strcmp(a->target, "fail")) {
        snprintf(err, errlen, "no buffer named %s", a->target);
        return MEMINTRO_E_NOTFOUND;
    }
    if ((v = memintro_connector_arg(a, "size")) && memintro_parse_size(v, strlen(v), &size) != strlen(v)) {
        snprintf(err, errlen, "size=%s is not a size", v);
        return MEMINTRO_E_INVALID;
    }
    if ((v = memintro_connector_arg(a, "seed"))) memintro_parse_u64(v, strlen(v), &seed);
    m = (membuf *)calloc(1, sizeof *m);
    m->data = (uint8_t *)malloc((size_t)size);
    m->size = size;
    for (i = 0; i < size; i++) m->data[i] = pattern(i, (unsigned)seed);
    m->phys.read = membuf_read;
    m->range.start = 0;
    m->range.size = size;
    memintro_memmap_init(&m->map, &m->range, 1);
    m->map.count = 1;
    out->phys = &m->phys;
    out->map = &m->map;
    out->handle = m;
    out->live = memintro_connector_arg(a, "live") != NULL;
    snprintf(out->description, sizeof out->description, "buffer %s of %llu bytes", a->target,
             (unsigned long long)size);
    if (memintro_connector_arg(a, "cpu")) {
        m->cpu.index = 0;
        m->cpu.flags = MEMINTRO_CPU_GPRS;
        m->cpu.isa = MEMINTRO_ISA_X86;
        m->cpu.rip = 0x1234;
        out->cpus = &m->cpu;
        out->cpu_count = 1;
    }
    return MEMINTRO_OK;
}

static void membuf_close(void *handle)
{
    membuf *m = (membuf *)handle;
    closes++;
    free(m->data);
    free(m);
}

static memintro_status membuf_targets(memintro_connector_target_fn fn, void *user, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (fn(user, "one", "the first buffer")) return MEMINTRO_OK;
    fn(user, "two", "the second buffer");
    return MEMINTRO_OK;
}

static memintro_status membuf_cpus(void *handle, const memintro_cpu **cpus, size_t *count, char *err, size_t errlen)
{
    membuf *m = (membuf *)handle;
    (void)err;
    (void)errlen;
    m->cpu.index = 0;
    m->cpu.flags = MEMINTRO_CPU_GPRS;
    m->cpu.isa = MEMINTRO_ISA_X86;
    m->cpu.rip = 0xabcd;
    *cpus = &m->cpu;
    *count = 1;
    return MEMINTRO_OK;
}

static memintro_status membuf_pause(void *handle, int pause)
{
    (void)handle;
    if (pause)
        pauses++;
    else
        resumes++;
    return MEMINTRO_OK;
}

static const memintro_connector_key membuf_keys[] = {
    {"size", "BYTES", "the buffer's size"},
    {"seed", "N", "the pattern's seed"},
    {"live", "", "say the target is live"},
    {"cpu", "", "hand back a vCPU at open"},
};

static const memintro_connector membuf_conn = {
    MEMINTRO_CONNECTOR_ABI, "mem", "mem:NAME[,size=BYTES][,seed=N][,live][,cpu]", "a memory buffer (test)",
    membuf_keys, 4, membuf_open, membuf_close, membuf_targets, membuf_cpus, membuf_pause, "0.1"};

/* ---- helpers ---- */

static int one_line(const char *s)
{
    return s && s[0] && !strchr(s, '\n') && !strchr(s, '\r');
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads n bytes at addr and compares with the pattern. */
static int read_ok(memintro_target *t, uint64_t addr, size_t n, unsigned seed)
{
    uint8_t buf[256];
    size_t i;
    if (n > sizeof buf || memintro_phys_read1(t->phys, addr, buf, n) != MEMINTRO_OK) return 0;
    for (i = 0; i < n; i++)
        if (buf[i] != pattern(addr + i, seed)) return 0;
    return 1;
}

static void expect_bad(const char *spec, const char *needle, const char *needle2)
{
    memintro_target t;
    memintro_status s = memintro_target_open(&t, spec, NULL);
    const char *e = memintro_target_error(&t);
    CHECK(s == MEMINTRO_E_INVALID && t.bad_spec == 1 && one_line(e) && strstr(e, needle) &&
              (!needle2 || strstr(e, needle2)) && t.state == NULL,
          "\"%s\" is refused: %s, usage %d: %s", spec, memintro_status_str(s), t.bad_spec, e);
    memintro_target_close(&t);
}

static int targets_seen;
static char targets_text[256];
static int on_target(void *user, const char *name, const char *desc)
{
    (void)user;
    targets_seen++;
    snprintf(targets_text + strlen(targets_text), sizeof targets_text - strlen(targets_text), "%s=%s;", name, desc);
    return 0;
}

/* ---- registration ---- */

static void test_register(void)
{
    memintro_connector bad = membuf_conn;
    static const memintro_connector_key clash[] = {{"cache", "on|off", "clashes"}};
    const memintro_connector *const *list;
    const memintro_target_connector *old;
    size_t n = 0, i;
    list = memintro_target_connector_list(&n);
    CHECK(n == 3 && !strcmp(list[0]->name, "qemu") && !strcmp(list[1]->name, "dump") && !strcmp(list[2]->name, "raw"),
          "before registering: the built-ins qemu, dump, raw (%u)", (unsigned)n);
    for (i = 0; i < n; i++)
        CHECK(list[i]->abi == MEMINTRO_CONNECTOR_ABI && list[i]->syntax && list[i]->help && list[i]->help[0] &&
                  list[i]->open && list[i]->close,
              "built-in %s: a descriptor with syntax, help, open and close", list[i]->name);
    CHECK(memintro_target_connector_find("qemu") && memintro_target_connector_find("qemu")->targets,
          "qemu lists targets (its VMs)");
    bad.abi = 2;
    CHECK(memintro_target_register(&bad) == MEMINTRO_E_INVALID, "a wrong ABI version is refused");
    bad = membuf_conn;
    bad.name = "dump";
    CHECK(memintro_target_register(&bad) == MEMINTRO_E_INVALID, "a built-in's name is refused");
    bad = membuf_conn;
    bad.name = "my conn";
    CHECK(memintro_target_register(&bad) == MEMINTRO_E_INVALID, "a name with a space is refused");
    bad = membuf_conn;
    bad.name = "clash";
    bad.keys = clash;
    bad.nkeys = 1;
    CHECK(memintro_target_register(&bad) == MEMINTRO_E_INVALID, "a key named like a middleware key is refused");
    CHECK(memintro_target_register(&membuf_conn) == MEMINTRO_OK, "mem registers");
    bad = membuf_conn;
    CHECK(memintro_target_register(&bad) == MEMINTRO_E_INVALID, "mem again: the name is taken");
    list = memintro_target_connector_list(&n);
    CHECK(n == 4 && list[3] == &membuf_conn, "the list: built-ins first, then mem");
    CHECK(memintro_target_connector_find("mem") == &membuf_conn && !memintro_target_connector_find("nope"),
          "find: mem, and NULL for an unknown name");
    old = memintro_target_connectors(&n);
    CHECK(n == 4 && !strcmp(old[3].name, "mem") && !strcmp(old[3].syntax, membuf_conn.syntax),
          "memintro_target_connectors (the older list) has mem too");
    {
        memintro_connector_args a;
        memintro_connector_result r;
        char err[256] = "";
        memset(&a, 0, sizeof a);
        memset(&r, 0, sizeof r);
        a.name = "raw";
        a.target = "/dev/null";
        CHECK(memintro_target_connector_find("raw")->open(&a, NULL, &r, err, sizeof err) == MEMINTRO_E_UNSUPPORTED &&
                  strstr(err, "memintro_target_open") && r.phys == NULL,
              "a built-in's open called directly refuses: %s", err);
    }
    targets_seen = 0;
    targets_text[0] = 0;
    CHECK(membuf_conn.targets(on_target, 0, 0, 0) == MEMINTRO_OK && targets_seen == 2 &&
              !strcmp(targets_text, "one=the first buffer;two=the second buffer;"),
          "the connector's target list: %s", targets_text);
}

/* ---- the string syntax ---- */

static void test_syntax(void)
{
    memintro_connector_args a;
    char buf[512];
    const char *why;
    why = memintro_connector_parse(&membuf_conn, "mem:a,b.c,size=4k,seed=2", &a, buf, sizeof buf);
    CHECK(!why && !strcmp(a.name, "mem") && !strcmp(a.target, "a,b.c") && a.count == 2 && !strcmp(a.keys[0], "size") &&
              !strcmp(a.values[0], "4k") && !strcmp(a.keys[1], "seed") && !strcmp(a.values[1], "2"),
          "a target with a comma, then the trailing run of known keys in order (%s)", why ? why : "ok");
    why = memintro_connector_parse(&membuf_conn, "mem:a,size=4k,x.img", &a, buf, sizeof buf);
    CHECK(!why && !strcmp(a.target, "a,size=4k,x.img") && a.count == 0,
          "a known key before the end is part of the target (%s)", why ? why : a.target);
    why = memintro_connector_parse(&membuf_conn, "mem:a,x=1,", &a, buf, sizeof buf);
    CHECK(!why && !strcmp(a.target, "a,x=1") && a.count == 0, "a trailing ',' ends a target that has no keys");
    why = memintro_connector_parse(&membuf_conn, "mem:live", &a, buf, sizeof buf);
    CHECK(!why && !strcmp(a.target, "") && a.count == 1 && !strcmp(a.keys[0], "live") && !strcmp(a.values[0], ""),
          "a known flag right after ':' is a key; its value is \"\"");
    why = memintro_connector_parse(&membuf_conn, "mem,seed=5", &a, buf, sizeof buf);
    CHECK(!why && !strcmp(a.target, "") && a.count == 1 && !strcmp(memintro_connector_arg(&a, "seed"), "5") &&
              !memintro_connector_arg(&a, "size"),
          "NAME,KEY=VALUE without a target; memintro_connector_arg finds seed, not size");
    why = memintro_connector_parse(&membuf_conn, "mem:b,metrics=on,size=4k,cache=off", &a, buf, sizeof buf);
    CHECK(!why && a.count == 1 && !strcmp(a.keys[0], "size"), "middleware keys are checked and left out");
    why = memintro_connector_parse(&membuf_conn, "mem:b,size=1,size=2", &a, buf, sizeof buf);
    CHECK(why && strstr(why, "given twice"), "a key given twice: %s", why ? why : "accepted");
    why = memintro_connector_parse(&membuf_conn, "raw:/x", &a, buf, sizeof buf);
    CHECK(why != NULL, "another connector's string is refused");

    /* unknown keys: refused with the known ones, built-ins and registered alike */
    expect_bad("mem:b,bogus=1", "unknown option \"bogus\"", "known keys: size, seed, live, cpu; on every connector: "
                                                            "cache, cache_size, cache_time, delay, metrics");
    expect_bad("mem:bogus=1", "unknown option \"bogus\"", 0);
    expect_bad("mem:size=4k,bogus,seed=1", "unknown option \"bogus\"", 0);
    expect_bad("mem,bogus", "unknown option \"bogus\"", 0);
    expect_bad("raw:/tmp/x,bogus=1", "unknown option \"bogus\"", "known keys: base; on every connector");
    expect_bad("dump:/tmp/x,bogus=1", "unknown option \"bogus\"", "dump takes no keys of its own");
    expect_bad("qemu:name=vm,bogus=1", "unknown option \"bogus\"", "known keys: name, pid, qmp, map, write");
    expect_bad("qemu:vm1,bogus", "unknown option \"bogus\"", 0);
    expect_bad("qemu:vm1,name=vm2", "named twice", 0);
    expect_bad("mem:b,cache=maybe", "cache=maybe: expected on or off", 0);
    expect_bad("mem:b,cache_size=100", "cache_size=100", 0);
    expect_bad("mem:b,cache_time=abc", "cache_time=abc", 0);
    expect_bad("mem:b,delay=-1", "delay=-1", 0);
    expect_bad("mem:b,cache=off,cache_size=8k", "need the cache on", 0);
    expect_bad("memx:b", "unknown connector \"memx\"", "known: qemu, dump, raw, mem");
}

/* ---- a target from the connector's result ---- */

static void test_open(void)
{
    memintro_target t;
    unsigned long c0 = closes;
    memintro_status s;
    s = memintro_target_open(&t, "mem:one,size=64k,seed=3", NULL);
    CHECK(s == MEMINTRO_OK, "mem:one,size=64k,seed=3 opens (%s)", memintro_target_error(&t));
    if (s != MEMINTRO_OK) return;
    CHECK(!strcmp(last_target, "one") && !strcmp(last_keys, "size=64k,seed=3"),
          "the connector's open got target \"%s\" and keys \"%s\"", last_target, last_keys);
    CHECK(t.kind == MEMINTRO_TARGET_PLUGIN && !strcmp(t.connector, "mem") && t.connector_desc == &membuf_conn &&
              !strcmp(memintro_target_kind_name(t.kind), "plugin"),
          "kind plugin, connector mem, connector_desc the descriptor");
    CHECK(!strcmp(t.description, "buffer one of 65536 bytes") && t.layout == MEMINTRO_TARGET_LAYOUT_CONNECTOR &&
              !strcmp(t.layout_text, "from the connector mem"),
          "description \"%s\", layout \"%s\"", t.description, t.layout_text);
    CHECK(t.map->count == 1 && t.ram_size == 0x10000 && t.range_count == 1 && t.ranges[0].end == 0x10000 &&
              !t.live && !t.writable,
          "map, ranges and RAM size from the result; not live, not writable");
    CHECK(read_ok(&t, 0x1234, 100, 3) && read_ok(&t, 0xff00, 256, 3), "reads return the buffer's pattern");
    CHECK(memintro_phys_read1(t.phys, 0x10000, last_target, 4) == MEMINTRO_E_HOLE, "past the buffer: a hole");
    CHECK(!t.cpus_loaded || !t.cpu_count, "no CPU state at open");
    CHECK(memintro_target_load_cpus(&t) == MEMINTRO_OK && t.cpu_count == 1 && t.cpus[0].rip == 0xabcd &&
              strstr(t.cpu_source, "mem") && memintro_target_fact_value(&t, "cpu0.rip") &&
              !strcmp(memintro_target_fact_value(&t, "cpu0.rip"), "0xabcd"),
          "load_cpus goes through the connector (%s)", t.cpu_source);
    CHECK(memintro_target_pause(&t) == MEMINTRO_OK && memintro_target_resume(&t) == MEMINTRO_OK && pauses == 1 &&
              resumes == 1,
          "pause and resume go through the connector");
    CHECK(memintro_target_fact_value(&t, "middleware") &&
              !strcmp(memintro_target_fact_value(&t, "middleware"), "none (cache off)"),
          "default middleware for a target that is not live: none (%s)",
          memintro_target_fact_value(&t, "middleware") ? memintro_target_fact_value(&t, "middleware") : "-");
    memintro_target_close(&t);
    CHECK(closes == c0 + 1, "close called the connector's close once");
    memintro_target_close(&t);
    CHECK(closes == c0 + 1, "a second close calls nothing");

    s = memintro_target_open(&t, "mem:two,cpu", NULL);
    CHECK(s == MEMINTRO_OK && t.cpu_count == 1 && t.cpus[0].rip == 0x1234 && t.cpus_loaded,
          "vCPU state handed back at open is the target's");
    memintro_target_close(&t);

    s = memintro_target_open(&t, "mem:fail,seed=1", NULL);
    CHECK(s == MEMINTRO_E_NOTFOUND && !t.bad_spec && one_line(t.error) && strstr(t.error, "mem: no buffer named fail"),
          "a failing open: its status and \"%s\"", t.error);
    memintro_target_close(&t);
    CHECK(closes == c0 + 2, "no close for a failed open");
    s = memintro_target_open(&t, "mem:x,size=zz", NULL);
    CHECK(s == MEMINTRO_E_INVALID && t.bad_spec && strstr(t.error, "size=zz"),
          "E_INVALID from a registered connector's open is a usage error: %s", t.error);
    memintro_target_close(&t);
}

/* ---- middleware ---- */

static memintro_target_metrics got_m;
static char got_line[512];
static int got_calls;
static void on_metrics(void *user, const memintro_target_metrics *m, const char *line)
{
    (void)user;
    got_m = *m;
    snprintf(got_line, sizeof got_line, "%s", line);
    got_calls++;
}

/* Backend batches for reading `addrs` (16 bytes each) once, in order, through spec. */
static unsigned long batches_for(const char *spec, const uint64_t *addrs, size_t n, unsigned sleep_ms_between)
{
    memintro_target t;
    unsigned long b0;
    size_t i;
    int ok = 1;
    if (memintro_target_open(&t, spec, NULL) != MEMINTRO_OK) {
        printf("# %s: %s\n", spec, memintro_target_error(&t));
        return 9999;
    }
    b0 = backend_batches;
    for (i = 0; i < n; i++) {
        if (i && sleep_ms_between) usleep(sleep_ms_between * 1000u);
        ok &= read_ok(&t, addrs[i], 16, 0);
    }
    memintro_target_close(&t);
    return ok ? backend_batches - b0 : 8888;
}

static void test_middleware(void)
{
    static const uint64_t same[] = {0x1000, 0x1000, 0x1010};
    static const uint64_t clash[] = {0x0, 0x2000, 0x0}; /* one line apart in a 2-line cache */
    memintro_target t;
    memintro_target_options o;
    memintro_op ops[3];
    uint8_t b1[8], b2[4096], b3[100], b4[16];
    unsigned long n;
    double t0, dt;
    const char *mw;

    /* cache */
    n = batches_for("mem:b,cache=off", same, 3, 0);
    CHECK(n == 3, "cache=off: three reads, three backend batches (%lu)", n);
    n = batches_for("mem:b,cache=on", same, 3, 0);
    CHECK(n == 1, "cache=on: the same page again is served without a backend batch (%lu)", n);
    n = batches_for("mem:b", same, 3, 0);
    CHECK(n == 3, "default for a target that is not live: no cache (%lu)", n);
    n = batches_for("mem:b,live", same, 3, 0);
    CHECK(n == 1, "default for a live target: the cache is on (%lu)", n);
    n = batches_for("mem:b,live,cache=off", same, 3, 0);
    CHECK(n == 3, "cache=off overrides the live default (%lu)", n);
    n = batches_for("mem:b,cache=on", clash, 3, 0);
    CHECK(n == 2, "cache=on (4M): pages 0x0, 0x2000, 0x0: two batches (%lu)", n);
    n = batches_for("mem:b,cache_size=8k", clash, 3, 0);
    CHECK(n == 3, "cache_size=8k (two lines, both pages on one): three batches (%lu)", n);
    n = batches_for("mem:b,cache=on,cache_time=20", same, 2, 60);
    CHECK(n == 2, "cache_time=20: a page read 60 ms later is read again (%lu)", n);
    n = batches_for("mem:b,cache=on,cache_time=0", same, 2, 60);
    CHECK(n == 1, "cache_time=0: never read again (%lu)", n);
    n = batches_for("mem:b,cache=on,cache_time=10000", same, 2, 60);
    CHECK(n == 1, "cache_time=10000: 60 ms later still cached (%lu)", n);
    if (memintro_target_open(&t, "mem:b,live", NULL) == MEMINTRO_OK) {
        mw = memintro_target_fact_value(&t, "middleware");
        CHECK(mw && strstr(mw, "cache 4 MiB of pages, read again after 10 ms (the default for a live target)"),
              "the live default says what it is: %s", mw ? mw : "-");
        memintro_target_close(&t);
    }

    /* delay */
    if (memintro_target_open(&t, "mem:b,delay=30000", NULL) == MEMINTRO_OK) {
        t0 = now_s();
        CHECK(read_ok(&t, 0x100, 16, 0), "delay=30000: the read works");
        dt = now_s() - t0;
        CHECK(dt >= 0.030, "delay=30000: one batch takes at least 30 ms (%.1f ms)", dt * 1e3);
        CHECK(memintro_phys_direct(t.phys, 0x100, &got_m.bytes) == NULL, "delay: no direct access around it");
        memintro_target_close(&t);
    } else
        CHECK(0, "mem:b,delay=30000 opens");

    /* metrics: a known sequence */
    memset(&o, 0, sizeof o);
    o.metrics_fn = on_metrics;
    got_calls = 0;
    if (memintro_target_open(&t, "mem:b,metrics=on", &o) == MEMINTRO_OK) {
        memintro_target_metrics m;
        read_ok(&t, 0x40, 16, 0);                     /* batch 1: 1 op, 16 bytes */
        memset(ops, 0, sizeof ops);                   /* batch 2: 3 ops, 8 + 4096 + 100 bytes */
        ops[0].addr = 0x10;
        ops[0].buf = b1;
        ops[0].len = sizeof b1;
        ops[1].addr = 0x3000;
        ops[1].buf = b2;
        ops[1].len = sizeof b2;
        ops[2].addr = 0x8000;
        ops[2].buf = b3;
        ops[2].len = sizeof b3;
        memintro_phys_read(t.phys, ops, 3);
        memintro_phys_read1(t.phys, 0x20000, b4, 16); /* batch 3: a hole, 1 failed op */
        CHECK(memintro_target_metrics_get(&t, &m) == MEMINTRO_OK && m.batches == 3 && m.ops == 5 &&
                  m.bytes == 16 + 8 + 4096 + 100 + 16 && m.failed_ops == 1,
              "metrics_get: 3 batches, 5 ops, 4236 bytes, 1 failed (%llu, %llu, %llu, %llu)",
              (unsigned long long)m.batches, (unsigned long long)m.ops, (unsigned long long)m.bytes,
              (unsigned long long)m.failed_ops);
        memintro_target_close(&t);
        CHECK(got_calls == 1 && got_m.batches == 3 && got_m.ops == 5 && got_m.bytes == 4236 && got_m.failed_ops == 1,
              "the callback at close got the same counts");
        CHECK(one_line(got_line) && strstr(got_line, "metrics mem:b,metrics=on: 3 batches, 5 ops (1 failed), 4236 bytes"),
              "one line: %s", got_line);
    } else
        CHECK(0, "mem:b,metrics=on opens");
    got_calls = 0;
    if (memintro_target_open(&t, "mem:b,metrics=on,cache=on", &o) == MEMINTRO_OK) {
        read_ok(&t, 0x40, 16, 0);
        read_ok(&t, 0x48, 16, 0);
        memintro_target_close(&t);
        CHECK(got_calls == 1 && got_m.batches == 1 && got_m.cache_hits == 1 && got_m.cache_misses == 1 &&
                  strstr(got_line, "cache 1 hits, 1 misses"),
              "metrics under a cache count the backend's batches and the cache's hits: %s", got_line);
    }
    if (memintro_target_open(&t, "mem:b", NULL) == MEMINTRO_OK) {
        memintro_target_metrics m;
        CHECK(memintro_target_metrics_get(&t, &m) == MEMINTRO_E_UNSUPPORTED, "metrics off: metrics_get says so");
        memintro_target_close(&t);
    }
}

/* The built-in raw connector: defaults and keys on a file written here. */
static void test_raw(void)
{
    char dir[] = "/tmp/mi-reg.XXXXXX", path[300], spec[400];
    uint8_t page[8192], got[16];
    memintro_target t;
    FILE *f;
    size_t i;
    uint64_t avail = 0;
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/img,with,commas", dir);
    for (i = 0; i < sizeof page; i++) page[i] = pattern(i, 9);
    f = fopen(path, "wb");
    CHECK(f && fwrite(page, 1, sizeof page, f) == sizeof page && fclose(f) == 0, "a raw image written");
    snprintf(spec, sizeof spec, "raw:%s", path);
    if (memintro_target_open(&t, spec, NULL) == MEMINTRO_OK) {
        CHECK(t.phys == &t.dump->phys && !strcmp(memintro_target_fact_value(&t, "middleware"), "none (cache off)"),
              "raw default: no middleware, the file's own backend");
        memintro_target_close(&t);
    } else
        CHECK(0, "%s opens: %s", spec, memintro_target_error(&t));
    snprintf(spec, sizeof spec, "raw:%s,base=0x100000,cache=on,metrics=on", path);
    if (memintro_target_open(&t, spec, NULL) == MEMINTRO_OK) {
        CHECK(t.map->ranges[0].start == 0x100000 && memintro_phys_read1(t.phys, 0x100010, got, 16) == MEMINTRO_OK &&
                  got[0] == pattern(0x10, 9) && got[15] == pattern(0x1f, 9),
              "raw with base= and middleware: a path with commas, bytes at base+N");
        CHECK(memintro_phys_direct(t.phys, 0x100020, &avail) != NULL && avail >= 16,
              "the cache passes the file's direct access through");
        memintro_target_close(&t);
    } else
        CHECK(0, "%s opens: %s", spec, memintro_target_error(&t));
    unlink(path);
    rmdir(dir);
}

/* Random strings of the syntax's characters through the parser (under the sanitizers in
   the -san build): a result or a one-line message, and a result's keys are mem's own. */
static void test_parse_random(void)
{
    static const char alpha[] = ",:=,,==::abcsizedlyme_/.0x1k";
    char spec[96], buf[256];
    memintro_connector_args a;
    uint32_t x = 12345;
    int i, bad = 0, ok = 0;
    size_t k, n, len;
    for (i = 0; i < 30000; i++) {
        const char *why;
        len = 4 + (x >> 8) % 80;
        memcpy(spec, "mem", 3);
        for (k = 3; k < len; k++) {
            x = x * 1103515245u + 12345u;
            spec[k] = alpha[(x >> 16) % (sizeof alpha - 1)];
        }
        spec[len] = 0;
        if (i % 7 == 0 && len >= 10) memcpy(spec + len - 7, ",size=1", 7); /* a known key at the end */
        why = memintro_connector_parse(&membuf_conn, spec, &a, buf, (i % 5) ? sizeof buf : 40);
        if (why) {
            bad += !one_line(why) || strlen(why) >= sizeof buf;
            continue;
        }
        ok++;
        for (n = 0; n < a.count; n++) {
            size_t m;
            int known = 0;
            for (m = 0; m < membuf_conn.nkeys; m++) known |= !strcmp(a.keys[n], membuf_keys[m].name);
            bad += !known;
        }
        bad += a.count > 32 || !a.target || strcmp(a.name, "mem") != 0;
    }
    CHECK(bad == 0 && ok > 100, "30000 random strings: %d parsed, every other one refused in one line (%d bad)", ok, bad);
}

int main(void)
{
    test_parse_random();
    test_register();
    test_syntax();
    test_open();
    test_middleware();
    test_raw();
    return check_done();
}
