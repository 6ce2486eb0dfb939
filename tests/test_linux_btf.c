/* tests/test_linux_btf.c: the BTF reader of memintro_linux.h.

   SYNTHETIC data: blobs the test builds type by type (a small builder below), with the
   layouts written out here by hand: members in anonymous structs and unions, dotted paths,
   array indexes, both bitfield encodings (kind_flag and the older INT encoding), typedef/
   const/volatile chains, enums and ENUM64; then damaged blobs (header, sections, unknown
   kind, records cut short, names outside the string section, type ids out of range,
   typedef cycles, self-nesting and exponential anonymous nesting) and random byte flips of
   a valid blob, which must end in a status, never a crash (ASan/UBSan build) or a hang.

   REAL data: this machine's kernel BTF, /sys/kernel/btf/vmlinux, against the independent
   dump of Debian's bpftool (`bpftool btf dump file /sys/kernel/btf/vmlinux`, package
   bpftool, in TEST_PKGS by mk/linux_btf.mk): every type's kind, name and size, every named
   member of every struct and union (bit offset, bitfield width, type), every enumerator,
   and the members the Linux layer uses, looked up by name through anonymous members as the
   test resolves them from bpftool's text. */
#define _POSIX_C_SOURCE 200809L
#define MEMINTRO_IMPLEMENTATION
#define MEMINTRO_LINUX_IMPLEMENTATION
#include "memintro_linux.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a blob builder --------------------------------------------------------------------- */

typedef struct bb {
    uint32_t words[200000];
    uint32_t nwords;
    char strs[65536];
    uint32_t nstrs;
    uint32_t ntypes;
} bb;

static void bb_init(bb *g)
{
    g->nwords = 0;
    g->nstrs = 1;
    g->strs[0] = 0;
    g->ntypes = 0;
}

static uint32_t bb_str(bb *g, const char *s)
{
    uint32_t off = g->nstrs, n = (uint32_t)strlen(s) + 1;
    if (!*s) return 0;
    memcpy(g->strs + off, s, n);
    g->nstrs += n;
    return off;
}

static void bb_w(bb *g, uint32_t w) { g->words[g->nwords++] = w; }

/* Starts a type record; returns its id. */
static uint32_t bb_type(bb *g, const char *name, uint32_t kind, uint32_t vlen, uint32_t kflag,
                        uint32_t size_or_type)
{
    bb_w(g, bb_str(g, name));
    bb_w(g, (kflag << 31) | (kind << 24) | vlen);
    bb_w(g, size_or_type);
    return ++g->ntypes;
}

static void bb_member(bb *g, const char *name, uint32_t type, uint32_t off)
{
    bb_w(g, bb_str(g, name));
    bb_w(g, type);
    bb_w(g, off);
}

/* Writes header + types + strings into out (little-endian); returns the size. */
static size_t bb_blob(const bb *g, uint8_t *out)
{
    uint32_t tlen = g->nwords * 4, i;
    uint8_t *p = out;
    memset(out, 0, 24);
    out[0] = 0x9f; out[1] = 0xeb; out[2] = 1; out[3] = 0;
#define PUT32(at, v) do { uint32_t v_ = (v); (at)[0] = (uint8_t)v_; (at)[1] = (uint8_t)(v_ >> 8); \
                          (at)[2] = (uint8_t)(v_ >> 16); (at)[3] = (uint8_t)(v_ >> 24); } while (0)
    PUT32(p + 4, 24);
    PUT32(p + 8, 0);
    PUT32(p + 12, tlen);
    PUT32(p + 16, tlen);
    PUT32(p + 20, g->nstrs);
    for (i = 0; i < g->nwords; i++) PUT32(p + 24 + 4 * i, g->words[i]);
    memcpy(p + 24 + tlen, g->strs, g->nstrs);
    return 24 + tlen + g->nstrs;
}

static uint32_t idx_mem[1 << 20];
static uint8_t blob[1 << 21];
static bb G;

static memintro_status open_blob(memintro_btf *b, const uint8_t *data, size_t size)
{
    size_t need = memintro_btf_index_size(data, size);
    if (need > sizeof idx_mem) return MEMINTRO_E_NOSPACE;
    return memintro_btf_init(b, data, size, idx_mem, sizeof idx_mem);
}

/* ---- synthetic: a kernel-like set of types ---------------------------------------------- */

/* Ids of the synthetic types, as built. */
static uint32_t T_INT, T_U64, T_TASK, T_LIST, T_MM, T_MOD, T_MODMEM, T_CYC_A, T_SELF, T_BITS,
    T_OLDBITS, T_TDEF_TASK, T_BADMEM, T_DEEP;

static size_t build_synthetic(void)
{
    uint32_t ptr_list, anon_s, anon_u, arr, t_const, t_vol, t_ptr_task, t_char, comm, i, prev;
    uint32_t oldint, cyc_b;
    bb *g = &G;
    bb_init(g);
    T_INT = bb_type(g, "int", MEMINTRO_BTF_INT, 0, 0, 4);
    bb_w(g, (1u << 24) | 32);                 /* signed, 32 bits at offset 0 */
    T_U64 = bb_type(g, "long long unsigned int", MEMINTRO_BTF_INT, 0, 0, 8);
    bb_w(g, 64);
    t_char = bb_type(g, "char", MEMINTRO_BTF_INT, 0, 0, 1);
    bb_w(g, (2u << 24) | 8);
    /* struct list_head { struct list_head *next, *prev; }  (size 16) */
    T_LIST = g->ntypes + 2;
    ptr_list = bb_type(g, "", MEMINTRO_BTF_PTR, 0, 0, T_LIST);
    bb_type(g, "list_head", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    bb_member(g, "next", ptr_list, 0);
    bb_member(g, "prev", ptr_list, 64);
    /* struct { int pid; int tgid; } at task+24; union { u64 a; list_head thread_node; } at 32 */
    anon_s = bb_type(g, "", MEMINTRO_BTF_STRUCT, 2, 0, 8);
    bb_member(g, "pid", T_INT, 0);
    bb_member(g, "tgid", T_INT, 32);
    anon_u = bb_type(g, "", MEMINTRO_BTF_UNION, 2, 0, 16);
    bb_member(g, "a", T_U64, 0);
    bb_member(g, "thread_node", T_LIST, 0);
    arr = bb_type(g, "", MEMINTRO_BTF_ARRAY, 0, 0, 0);
    bb_w(g, t_char); bb_w(g, T_INT); bb_w(g, 16);
    comm = arr;
    t_vol = bb_type(g, "", MEMINTRO_BTF_VOLATILE, 0, 0, anon_s);
    t_const = bb_type(g, "", MEMINTRO_BTF_CONST, 0, 0, t_vol);
    /* struct task_struct (size 96): flags@0 u64, tasks@8 list_head, anon const volatile
       struct @24 (pid@24, tgid@28), anon union @32 (thread_node@32), comm@48 char[16],
       mm@64 ptr, real_parent@72 ptr-to-task_struct */
    T_TASK = g->ntypes + 2;
    t_ptr_task = bb_type(g, "", MEMINTRO_BTF_PTR, 0, 0, T_TASK);
    bb_type(g, "task_struct", MEMINTRO_BTF_STRUCT, 7, 0, 96);
    bb_member(g, "flags", T_U64, 0);
    bb_member(g, "tasks", T_LIST, 64);
    bb_member(g, "", t_const, 192);
    bb_member(g, "", anon_u, 256);
    bb_member(g, "comm", comm, 384);
    bb_member(g, "mm", ptr_list, 512);
    bb_member(g, "real_parent", t_ptr_task, 576);
    /* typedef struct task_struct task_t; */
    T_TDEF_TASK = bb_type(g, "task_t", MEMINTRO_BTF_TYPEDEF, 0, 0, T_TASK);
    /* a FWD of mm_struct before its definition: find must give the struct */
    bb_type(g, "mm_struct", MEMINTRO_BTF_FWD, 0, 0, 0);
    T_MM = bb_type(g, "mm_struct", MEMINTRO_BTF_STRUCT, 2, 0, 40);
    bb_member(g, "pgd", ptr_list, 0);
    bb_member(g, "arg_start", T_U64, 256);
    /* struct module_memory { void *base; unsigned int size; } (16); module.mem[3] @ 8 */
    T_MODMEM = bb_type(g, "module_memory", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    bb_member(g, "base", ptr_list, 0);
    bb_member(g, "size", T_INT, 64);
    arr = bb_type(g, "", MEMINTRO_BTF_ARRAY, 0, 0, 0);
    bb_w(g, T_MODMEM); bb_w(g, T_INT); bb_w(g, 3);
    T_MOD = bb_type(g, "module", MEMINTRO_BTF_STRUCT, 2, 0, 56);
    bb_member(g, "list", T_LIST, 0);           /* list@0 .. 16 */
    bb_member(g, "mem", arr, 128);             /* mem@16, 3 x 16 = 48 -> ends at 64 */
    /* kind_flag bitfields: struct bits { u8 facility@0; flags:5 @ bit 8; level:3 @ bit 13 } */
    T_BITS = bb_type(g, "bits", MEMINTRO_BTF_STRUCT, 3, 1, 4);
    bb_member(g, "facility", t_char, 0);
    bb_member(g, "flags", t_char, (5u << 24) | 8);
    bb_member(g, "level", t_char, (3u << 24) | 13);
    /* older encoding: INT of 4 bytes, 5 bits at bit offset 2, member at bit 64 */
    oldint = bb_type(g, "", MEMINTRO_BTF_INT, 0, 0, 4);
    bb_w(g, (2u << 16) | 5);
    T_OLDBITS = bb_type(g, "oldbits", MEMINTRO_BTF_STRUCT, 2, 0, 16);
    bb_member(g, "x", T_U64, 0);
    bb_member(g, "y", oldint, 64);
    /* typedef cycle: A -> B -> A, and a struct with a member of type A */
    T_CYC_A = g->ntypes + 1;
    cyc_b = T_CYC_A + 1;
    bb_type(g, "cyc_a", MEMINTRO_BTF_TYPEDEF, 0, 0, cyc_b);
    bb_type(g, "cyc_b", MEMINTRO_BTF_TYPEDEF, 0, 0, T_CYC_A);
    /* a struct that holds itself as an anonymous member (a cycle of nesting) */
    T_SELF = g->ntypes + 1;
    bb_type(g, "selfish", MEMINTRO_BTF_STRUCT, 2, 0, 8);
    bb_member(g, "", T_SELF, 0);
    bb_member(g, "c", T_CYC_A, 32);
    /* members whose type and name lie outside the blob */
    T_BADMEM = bb_type(g, "badmem", MEMINTRO_BTF_STRUCT, 3, 0, 8);
    bb_member(g, "ghost", 99999, 0);
    bb_w(g, 0x7fffff00u); bb_w(g, T_INT); bb_w(g, 0); /* name offset outside the strings */
    bb_member(g, "fine", T_INT, 32);
    /* 20 nested anonymous structs; the innermost has "deep" */
    prev = bb_type(g, "", MEMINTRO_BTF_STRUCT, 1, 0, 4);
    bb_member(g, "deep", T_INT, 0);
    for (i = 0; i < 20; i++) {
        uint32_t id = bb_type(g, i == 19 ? "deep_outer" : "", MEMINTRO_BTF_STRUCT, 1, 0, 4);
        bb_member(g, "", prev, 0);
        prev = id;
    }
    T_DEEP = prev;
    /* enums: named 32-bit, anonymous signed, ENUM64 */
    bb_type(g, "mod_mem_type", MEMINTRO_BTF_ENUM, 3, 0, 4);
    bb_w(g, bb_str(g, "MOD_TEXT")); bb_w(g, 0);
    bb_w(g, bb_str(g, "MOD_DATA")); bb_w(g, 1);
    bb_w(g, bb_str(g, "MOD_RODATA")); bb_w(g, 2);
    bb_type(g, "", MEMINTRO_BTF_ENUM, 1, 1, 4);
    bb_w(g, bb_str(g, "NEG_TWO")); bb_w(g, 0xfffffffeu);
    bb_type(g, "big64", MEMINTRO_BTF_ENUM64, 1, 0, 8);
    bb_w(g, bb_str(g, "BIG")); bb_w(g, 5); bb_w(g, 1);
    /* a few kinds with trailing data the reader must step over */
    bb_type(g, "", MEMINTRO_BTF_FUNC_PROTO, 2, 0, T_INT);
    bb_w(g, 0); bb_w(g, T_INT); bb_w(g, 0); bb_w(g, T_U64);
    bb_type(g, "do_it", MEMINTRO_BTF_FUNC, 0, 0, g->ntypes);
    bb_type(g, "jiffies", MEMINTRO_BTF_VAR, 0, 0, T_U64);
    bb_w(g, 1);
    bb_type(g, ".data", MEMINTRO_BTF_DATASEC, 1, 0, 8);
    bb_w(g, g->ntypes); bb_w(g, 0); bb_w(g, 8);
    bb_type(g, "tag", MEMINTRO_BTF_DECL_TAG, 0, 0, T_TASK);
    bb_w(g, 0xffffffffu);
    bb_type(g, "user", MEMINTRO_BTF_TYPE_TAG, 0, 0, T_INT);
    bb_type(g, "double", MEMINTRO_BTF_FLOAT, 0, 0, 8);
    bb_type(g, "", MEMINTRO_BTF_RESTRICT, 0, 0, T_INT);
    return bb_blob(g, blob);
}

static void test_synthetic(void)
{
    memintro_btf b;
    memintro_btf_member f;
    uint32_t off = 0, sz = 0, id;
    int64_t v = 0;
    memintro_status st;
    size_t n = build_synthetic();

    CHECK(memintro_btf_index_size(blob, n) > 0, "synthetic: index size %zu",
          memintro_btf_index_size(blob, n));
    st = open_blob(&b, blob, n);
    CHECK(st == MEMINTRO_OK, "synthetic: init (%s)", memintro_status_str(st));
    CHECK(b.ntypes == G.ntypes, "synthetic: %u types (built %u)", b.ntypes, G.ntypes);
    CHECK(memintro_btf_find(&b, "task_struct", MEMINTRO_BTF_COMPOSITE) == T_TASK, "find task_struct");
    CHECK(memintro_btf_find(&b, "task_struct", MEMINTRO_BTF_STRUCT) == T_TASK, "find task_struct as STRUCT");
    CHECK(memintro_btf_find(&b, "task_struct", MEMINTRO_BTF_UNION) == 0, "task_struct is not a union");
    CHECK(memintro_btf_find(&b, "mm_struct", MEMINTRO_BTF_COMPOSITE) == T_MM, "struct preferred to its FWD");
    CHECK(memintro_btf_find(&b, "mm_struct", MEMINTRO_BTF_ANY) == T_MM, "ANY: struct preferred to FWD");
    CHECK(memintro_btf_find(&b, "mm_struct", MEMINTRO_BTF_FWD) == T_MM - 1, "the FWD by kind");
    CHECK(memintro_btf_find(&b, "nosuch", MEMINTRO_BTF_ANY) == 0, "unknown name: 0");
    CHECK(memintro_btf_find(&b, "", MEMINTRO_BTF_ANY) == 0, "empty name: 0");
    CHECK(memintro_btf_find(&b, "jiffies", MEMINTRO_BTF_VAR) > 0, "a VAR by name");
    CHECK(memintro_btf_kind(&b, T_TASK) == MEMINTRO_BTF_STRUCT, "kind of task_struct");
    CHECK(memintro_btf_kind(&b, 0) == MEMINTRO_BTF_UNKN, "kind of void");
    CHECK(memintro_btf_kind(&b, G.ntypes + 1) == -1, "kind of an id past the end: -1");
    CHECK(strcmp(memintro_btf_name(&b, T_TASK), "task_struct") == 0, "name of task_struct");
    CHECK(memintro_btf_name(&b, G.ntypes + 1) == NULL, "name past the end: NULL");

#define OFF(type, member, want)                                                         \
    do {                                                                                \
        off = 12345;                                                                    \
        st = memintro_btf_offset(&b, type, member, &off);                               \
        CHECK(st == MEMINTRO_OK && off == (want), "offset %s.%s = %u (want %u, %s)", type, \
              member, off, (unsigned)(want), memintro_status_str(st));                  \
    } while (0)
    OFF("task_struct", "flags", 0);
    OFF("task_struct", "tasks", 8);
    OFF("task_struct", "tasks.prev", 16);
    OFF("task_struct", "pid", 24);            /* anonymous const volatile struct */
    OFF("task_struct", "tgid", 28);
    OFF("task_struct", "thread_node", 32);    /* anonymous union */
    OFF("task_struct", "thread_node.prev", 40);
    OFF("task_struct", "comm", 48);
    OFF("task_struct", "comm[15]", 63);
    OFF("task_struct", "mm", 64);
    OFF("task_struct", "real_parent", 72);
    OFF("task_t", "pid", 24);                 /* through a typedef name */
    OFF("mm_struct", "arg_start", 32);
    OFF("module", "mem", 16);
    OFF("module", "mem[0].base", 16);
    OFF("module", "mem[2].size", 16 + 2 * 16 + 8);
#undef OFF
    CHECK(memintro_btf_offset(&b, "task_struct", "nosuch", &off) == MEMINTRO_E_NOTFOUND, "missing member: NOTFOUND");
    CHECK(memintro_btf_offset(&b, "nosuch", "pid", &off) == MEMINTRO_E_NOTFOUND, "missing type: NOTFOUND");
    CHECK(memintro_btf_offset(&b, "task_struct", "pid.x", &off) == MEMINTRO_E_INVALID, "member of an int: INVALID");
    CHECK(memintro_btf_offset(&b, "task_struct", "comm[16]", &off) == MEMINTRO_E_INVALID, "index past the array: INVALID");
    CHECK(memintro_btf_offset(&b, "task_struct", "flags[0]", &off) == MEMINTRO_E_INVALID, "index of a non-array: INVALID");
    CHECK(memintro_btf_offset(&b, "task_struct", "comm[", &off) == MEMINTRO_E_INVALID, "unterminated index: INVALID");
    CHECK(memintro_btf_offset(&b, "task_struct", "tasks..next", &off) == MEMINTRO_E_INVALID, "empty path component: INVALID");
    CHECK(memintro_btf_offset(&b, "task_struct", "mm.next", &off) == MEMINTRO_E_INVALID, "member through a pointer: INVALID");
    CHECK(memintro_btf_offset(&b, "bits", "flags", &off) == MEMINTRO_E_UNSUPPORTED, "bitfield: offset UNSUPPORTED");

    memset(&f, 0, sizeof f);
    st = memintro_btf_field(&b, T_BITS, "flags", &f);
    CHECK(st == MEMINTRO_OK && f.bit_offset == 8 && f.bit_size == 5, "kind_flag bitfield flags: bit %u width %u", f.bit_offset, f.bit_size);
    st = memintro_btf_field(&b, T_BITS, "level", &f);
    CHECK(st == MEMINTRO_OK && f.bit_offset == 13 && f.bit_size == 3, "kind_flag bitfield level: bit %u width %u", f.bit_offset, f.bit_size);
    st = memintro_btf_field(&b, T_BITS, "facility", &f);
    CHECK(st == MEMINTRO_OK && f.bit_offset == 0 && f.bit_size == 0, "kind_flag struct, plain member: width 0");
    st = memintro_btf_field(&b, T_OLDBITS, "y", &f);
    CHECK(st == MEMINTRO_OK && f.bit_offset == 66 && f.bit_size == 5, "INT-encoded bitfield: bit %u width %u", f.bit_offset, f.bit_size);
    st = memintro_btf_field(&b, T_OLDBITS, "x", &f);
    CHECK(st == MEMINTRO_OK && f.bit_offset == 0 && f.bit_size == 0 && f.type == T_U64, "full-width INT member: not a bitfield");
    st = memintro_btf_field(&b, T_TASK, "real_parent", &f);
    CHECK(st == MEMINTRO_OK && memintro_btf_kind(&b, f.type) == MEMINTRO_BTF_PTR, "member type: the pointer");

    CHECK(memintro_btf_size(&b, "task_struct", &sz) == MEMINTRO_OK && sz == 96, "size task_struct %u", sz);
    CHECK(memintro_btf_size(&b, "task_t", &sz) == MEMINTRO_OK && sz == 96, "size through typedef %u", sz);
    CHECK(memintro_btf_size(&b, "nosuch", &sz) == MEMINTRO_E_NOTFOUND, "size of a missing type");
    st = memintro_btf_field(&b, T_MOD, "mem", &f);
    CHECK(st == MEMINTRO_OK && memintro_btf_type_size(&b, f.type, &sz) == MEMINTRO_OK && sz == 48, "array size %u", sz);
    st = memintro_btf_field(&b, T_TASK, "mm", &f);
    CHECK(memintro_btf_type_size(&b, f.type, &sz) == MEMINTRO_OK && sz == 8, "pointer size 8");
    CHECK(memintro_btf_type_size(&b, memintro_btf_find(&b, "jiffies", MEMINTRO_BTF_VAR), &sz) == MEMINTRO_OK && sz == 8, "VAR size: its type's");
    CHECK(memintro_btf_type_size(&b, 0, &sz) == MEMINTRO_E_INVALID, "void has no size");
    CHECK(memintro_btf_type_size(&b, memintro_btf_find(&b, "do_it", MEMINTRO_BTF_FUNC), &sz) == MEMINTRO_E_INVALID, "a function has no size");
    CHECK(memintro_btf_resolve(&b, T_TDEF_TASK) == T_TASK, "resolve typedef");
    id = memintro_btf_find(&b, "user", MEMINTRO_BTF_ANY);
    CHECK(id == 0, "TYPE_TAG names are not in the hash (found %u)", id);

    /* hostile parts of an otherwise good blob */
    CHECK(memintro_btf_resolve(&b, T_CYC_A) == 0, "typedef cycle: resolve gives 0");
    CHECK(memintro_btf_type_size(&b, T_CYC_A, &sz) == MEMINTRO_E_LIMIT, "typedef cycle: size LIMIT");
    CHECK(memintro_btf_field(&b, T_SELF, "c", &f) == MEMINTRO_OK && f.bit_offset == 32, "self-nesting struct: named member found");
    CHECK(memintro_btf_field(&b, T_SELF, "zz", &f) == MEMINTRO_E_LIMIT, "self-nesting struct: missing member ends with LIMIT");
    CHECK(memintro_btf_field(&b, T_SELF, "c.x", &f) == MEMINTRO_E_LIMIT, "member of a cyclic typedef: LIMIT");
    st = memintro_btf_field(&b, T_BADMEM, "ghost", &f);
    CHECK(st == MEMINTRO_OK && f.type == 99999, "member of a type past the end: found, type as declared");
    CHECK(memintro_btf_field(&b, T_BADMEM, "ghost.x", &f) == MEMINTRO_E_FORMAT, "path through a type past the end: FORMAT");
    CHECK(memintro_btf_type_size(&b, 99999, &sz) == MEMINTRO_E_FORMAT, "size of an id past the end: FORMAT");
    CHECK(memintro_btf_field(&b, T_BADMEM, "fine", &f) == MEMINTRO_OK && f.bit_offset == 32, "member after one with a bad name");
    CHECK(memintro_btf_field(&b, T_DEEP, "deep", &f) == MEMINTRO_E_LIMIT, "20 nested anonymous structs: LIMIT (bound %d)", MEMINTRO_BTF_MAX_DEPTH);

    CHECK(memintro_btf_enum_value(&b, "mod_mem_type", "MOD_RODATA", &v) == MEMINTRO_OK && v == 2, "enum MOD_RODATA = %lld", (long long)v);
    CHECK(memintro_btf_enum_value(&b, NULL, "MOD_TEXT", &v) == MEMINTRO_OK && v == 0, "enumerator in any enum");
    CHECK(memintro_btf_enum_value(&b, NULL, "NEG_TWO", &v) == MEMINTRO_OK && v == -2, "signed enum: %lld", (long long)v);
    CHECK(memintro_btf_enum_value(&b, "big64", "BIG", &v) == MEMINTRO_OK && v == 0x100000005ll, "ENUM64 value");
    CHECK(memintro_btf_enum_value(&b, "mod_mem_type", "BIG", &v) == MEMINTRO_E_NOTFOUND, "enumerator of another enum: NOTFOUND");
}

/* ---- synthetic: damaged blobs ----------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v) { PUT32(p, v); }

static void test_damaged(void)
{
    static uint8_t d[1 << 21];
    memintro_btf b;
    size_t n = build_synthetic(), need;
    uint32_t tlen = G.nwords * 4, i;
    uint32_t *mis = (uint32_t *)(void *)((uint8_t *)idx_mem + 2);
    memintro_status st;

#define DAMAGED(what, want, edit)                                                          \
    do {                                                                                   \
        size_t dn = n;                                                                     \
        memcpy(d, blob, n);                                                                \
        edit;                                                                              \
        st = memintro_btf_init(&b, d, dn, idx_mem, sizeof idx_mem);                        \
        CHECK(st == (want), "damaged: %s -> %s", what, memintro_status_str(st));           \
        CHECK(memintro_btf_index_size(d, dn) == 0 || st == MEMINTRO_OK, "damaged: %s: no index size", what); \
    } while (0)
    DAMAGED("bad magic", MEMINTRO_E_FORMAT, d[0] = 0x9e);
    DAMAGED("big-endian magic", MEMINTRO_E_UNSUPPORTED, (d[0] = 0xeb, d[1] = 0x9f));
    DAMAGED("version 2", MEMINTRO_E_UNSUPPORTED, d[2] = 2);
    DAMAGED("cut inside the header", MEMINTRO_E_FORMAT, dn = 20);
    DAMAGED("hdr_len past the blob", MEMINTRO_E_FORMAT, put32(d + 4, (uint32_t)n + 1));
    DAMAGED("hdr_len too small", MEMINTRO_E_FORMAT, put32(d + 4, 16));
    DAMAGED("type section past the blob", MEMINTRO_E_FORMAT, put32(d + 12, tlen + G.nstrs + 4));
    DAMAGED("string section past the blob", MEMINTRO_E_FORMAT, put32(d + 20, G.nstrs + 1));
    DAMAGED("string offset wraps", MEMINTRO_E_FORMAT, put32(d + 16, 0xfffffff0u));
    DAMAGED("blob cut in the strings", MEMINTRO_E_FORMAT, dn = n - 3);
    DAMAGED("strings not NUL-terminated", MEMINTRO_E_FORMAT, d[n - 1] = 'x');
    DAMAGED("strings not starting empty", MEMINTRO_E_FORMAT, d[24 + tlen] = 'x');
    DAMAGED("empty string section", MEMINTRO_E_FORMAT, put32(d + 20, 0));
    DAMAGED("unknown kind 25 in the first type", MEMINTRO_E_FORMAT, put32(d + 24 + 4, 25u << 24));
    DAMAGED("kind 0 in the first type", MEMINTRO_E_FORMAT, put32(d + 24 + 4, 0));
    DAMAGED("a type cut short (types end mid-record)", MEMINTRO_E_FORMAT, put32(d + 12, tlen - 4));
    DAMAGED("vlen runs past the section", MEMINTRO_E_FORMAT,
            put32(d + 24 + 12 * 5 + 4, (MEMINTRO_BTF_STRUCT << 24) | 0xffffu));
    DAMAGED("type name outside the strings", MEMINTRO_E_FORMAT, put32(d + 24, G.nstrs));
    DAMAGED("no types at all", MEMINTRO_OK, put32(d + 12, 0));

    need = memintro_btf_index_size(blob, n);
    st = memintro_btf_init(&b, blob, n, idx_mem, need - 4);
    CHECK(st == MEMINTRO_E_NOSPACE, "index 4 bytes short: NOSPACE (%s)", memintro_status_str(st));
    st = memintro_btf_init(&b, blob, n, idx_mem, need);
    CHECK(st == MEMINTRO_OK, "index of exactly the size asked: OK");
    st = memintro_btf_init(&b, blob, n, mis, need);
    CHECK(st == MEMINTRO_E_INVALID, "misaligned index: INVALID");
    CHECK(memintro_btf_init(&b, NULL, n, idx_mem, need) == MEMINTRO_E_INVALID, "NULL blob: INVALID");
    CHECK(memintro_btf_find(&b, "task_struct", 0) == 0, "a failed init leaves an object that finds nothing");
    CHECK(memintro_btf_offset(&b, "task_struct", "pid", &i) == MEMINTRO_E_INVALID, "a failed init: offset INVALID");

    /* Exponential nesting: three levels of 1000 anonymous members each, none with the name:
       the visit bound must end the search (1e9 visits otherwise). */
    {
        bb *g = &G;
        uint32_t s1, s2, s3, s0, k;
        bb_init(g);
        s3 = bb_type(g, "leaf", MEMINTRO_BTF_STRUCT, 1, 0, 4);
        bb_member(g, "x", 0, 0);
        s2 = bb_type(g, "", MEMINTRO_BTF_STRUCT, 1000, 0, 4);
        for (k = 0; k < 1000; k++) bb_member(g, "", s3, 0);
        s1 = bb_type(g, "", MEMINTRO_BTF_STRUCT, 1000, 0, 4);
        for (k = 0; k < 1000; k++) bb_member(g, "", s2, 0);
        s0 = bb_type(g, "wide", MEMINTRO_BTF_STRUCT, 1000, 0, 4);
        for (k = 0; k < 1000; k++) bb_member(g, "", s1, 0);
        n = bb_blob(g, blob);
        st = open_blob(&b, blob, n);
        CHECK(st == MEMINTRO_OK, "wide nesting blob: init");
        {
            memintro_btf_member f;
            CHECK(memintro_btf_field(&b, s0, "y", &f) == MEMINTRO_E_LIMIT, "1000^3 anonymous members: LIMIT");
            CHECK(memintro_btf_field(&b, s0, "x", &f) == MEMINTRO_OK && f.bit_offset == 0, "1000^3: the first x found at once");
        }
    }

    /* Random damage: flip bytes of the synthetic blob; every function must return. */
    n = build_synthetic();
    srand(9);
    for (i = 0; i < 3000; i++) {
        memintro_btf_member f;
        uint32_t k, sz, off, id, flips = 1 + (uint32_t)(rand() % 8);
        int64_t v;
        memcpy(d, blob, n);
        for (k = 0; k < flips; k++) d[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
        if (memintro_btf_index_size(d, n) > sizeof idx_mem) continue;
        if (memintro_btf_init(&b, d, n, idx_mem, sizeof idx_mem) != MEMINTRO_OK) { CHECK_QUIET(1, "x"); continue; }
        for (id = 0; id <= b.ntypes + 1; id++) {
            (void)memintro_btf_kind(&b, id);
            (void)memintro_btf_name(&b, id);
            (void)memintro_btf_resolve(&b, id);
            (void)memintro_btf_type_size(&b, id, &sz);
            (void)memintro_btf_field(&b, id, "pid", &f);
            (void)memintro_btf_field(&b, id, "mem[2].size", &f);
        }
        (void)memintro_btf_offset(&b, "task_struct", "thread_node.prev", &off);
        (void)memintro_btf_offset(&b, "selfish", "zz", &off);
        (void)memintro_btf_size(&b, "module", &sz);
        (void)memintro_btf_enum_value(&b, NULL, "BIG", &v);
        CHECK_QUIET(1, "random damage %u", i);
    }
    CHECK(1, "3000 randomly damaged blobs: every call returned");
#undef DAMAGED
}

/* ---- real: this machine's kernel BTF against bpftool ----------------------------------- */

typedef struct rmember { char *name; uint32_t type, bits, bitsize; } rmember;
typedef struct rtype {
    char kind[16];
    char *name;
    uint32_t size, type, nelems, vlen, nmem;
    int has_size;
    rmember *mem;    /* members (struct/union) */
    char **enames;   /* enumerators */
    long long *evals;
} rtype;

static rtype *R;
static uint32_t RN;

static char *dupstr(const char *s, size_t n)
{
    char *p = (char *)malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static const char *field_of(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

/* Reads bpftool's raw dump into R; returns the number of types, 0 on failure. */
static uint32_t load_bpftool(const char *path)
{
    char cmd[512], *line = NULL;
    size_t cap = 0;
    FILE *f;
    uint32_t cur = 0, maxid = 0;
    snprintf(cmd, sizeof cmd, "bpftool btf dump file %s 2>/dev/null", path);
    f = popen(cmd, "r");
    if (!f) return 0;
    R = (rtype *)calloc(400000, sizeof *R);
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '[') {
            unsigned long id = strtoul(line + 1, NULL, 10);
            const char *p = strchr(line, ']'), *q, *e;
            rtype *t;
            if (!p || id == 0 || id >= 400000) { cur = 0; continue; }
            cur = (uint32_t)id;
            if (cur > maxid) maxid = cur;
            t = &R[cur];
            sscanf(p + 2, "%15s", t->kind);
            q = strchr(p, '\'');
            e = q ? strchr(q + 1, '\'') : NULL;
            t->name = q && e ? dupstr(q + 1, (size_t)(e - q - 1)) : dupstr("", 0);
            if (strcmp(t->name, "(anon)") == 0) t->name[0] = 0;
            if (e && (q = field_of(e, " size=")) != NULL) { t->size = (uint32_t)strtoul(q, NULL, 10); t->has_size = 1; }
            if (e && (q = field_of(e, " type_id=")) != NULL) t->type = (uint32_t)strtoul(q, NULL, 10);
            if (e && (q = field_of(e, " nr_elems=")) != NULL) t->nelems = (uint32_t)strtoul(q, NULL, 10);
            if (e && (q = field_of(e, " vlen=")) != NULL) t->vlen = (uint32_t)strtoul(q, NULL, 10);
            if (t->vlen && (!strcmp(t->kind, "STRUCT") || !strcmp(t->kind, "UNION")))
                t->mem = (rmember *)calloc(t->vlen, sizeof *t->mem);
            if (t->vlen && (!strcmp(t->kind, "ENUM") || !strcmp(t->kind, "ENUM64"))) {
                t->enames = (char **)calloc(t->vlen, sizeof *t->enames);
                t->evals = (long long *)calloc(t->vlen, sizeof *t->evals);
            }
        } else if (line[0] == '\t' && cur && line[1] == '\'') {
            rtype *t = &R[cur];
            const char *q = line + 2, *e = strchr(q, '\''), *v;
            if (!e || t->nmem >= t->vlen) continue;
            if (t->mem) {
                rmember *m = &t->mem[t->nmem++];
                m->name = dupstr(q, (size_t)(e - q));
                if (strcmp(m->name, "(anon)") == 0) m->name[0] = 0;
                if ((v = field_of(e, "type_id=")) != NULL) m->type = (uint32_t)strtoul(v, NULL, 10);
                if ((v = field_of(e, "bits_offset=")) != NULL) m->bits = (uint32_t)strtoul(v, NULL, 10);
                if ((v = field_of(e, "bitfield_size=")) != NULL) m->bitsize = (uint32_t)strtoul(v, NULL, 10);
            } else if (t->enames) {
                t->enames[t->nmem] = dupstr(q, (size_t)(e - q));
                if ((v = field_of(e, "val=")) != NULL)
                    t->evals[t->nmem] = *v == '-' ? strtoll(v, NULL, 10) : (long long)strtoull(v, NULL, 10);
                t->nmem++;
            }
        }
    }
    free(line);
    if (pclose(f) != 0) return 0;
    RN = maxid;
    return maxid;
}

static int r_modifier(const char *k)
{
    return !strcmp(k, "TYPEDEF") || !strcmp(k, "CONST") || !strcmp(k, "VOLATILE") ||
           !strcmp(k, "RESTRICT") || !strcmp(k, "TYPE_TAG");
}

static uint32_t r_strip(uint32_t id)
{
    int n = 0;
    while (id && id <= RN && r_modifier(R[id].kind) && n++ < 100) id = R[id].type;
    return id;
}

static int r_composite(uint32_t id)
{
    return id && id <= RN && (!strcmp(R[id].kind, "STRUCT") || !strcmp(R[id].kind, "UNION"));
}

/* The test's own lookup over bpftool's text: a member, then inside anonymous members. */
static int r_member(uint32_t id, const char *name, uint32_t base, rmember *out)
{
    uint32_t i;
    if (!r_composite(id)) return 0;
    for (i = 0; i < R[id].nmem; i++)
        if (!strcmp(R[id].mem[i].name, name)) {
            *out = R[id].mem[i];
            out->bits += base;
            return 1;
        }
    for (i = 0; i < R[id].nmem; i++)
        if (!R[id].mem[i].name[0] && r_member(r_strip(R[id].mem[i].type), name, base + R[id].mem[i].bits, out))
            return 1;
    return 0;
}

static uint32_t r_find(const char *name)
{
    uint32_t id;
    for (id = 1; id <= RN; id++)
        if (r_composite(id) && !strcmp(R[id].name, name)) return id;
    return 0;
}

/* Expected byte offset of a dotted path with optional [N], from bpftool's text; -1 if absent. */
static long r_path(const char *type, const char *path)
{
    uint32_t cur = r_find(type), bits = 0;
    char buf[256], *tok, *save = NULL;
    if (!cur) return -1;
    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        rmember m;
        char *br = strchr(tok, '[');
        long idx = -1;
        if (br) { idx = strtol(br + 1, NULL, 10); *br = 0; }
        if (!r_member(r_strip(cur), tok, bits, &m)) return -1;
        bits = m.bits;
        cur = m.type;
        if (idx >= 0) {
            uint32_t a = r_strip(cur), e;
            if (!a || strcmp(R[a].kind, "ARRAY") != 0 || (uint32_t)idx >= R[a].nelems) return -1;
            e = r_strip(R[a].type);
            if (!R[e].has_size && strcmp(R[e].kind, "PTR") != 0) return -1;
            bits += (uint32_t)idx * 8u * (strcmp(R[e].kind, "PTR") == 0 ? 8u : R[e].size);
            cur = R[a].type;
        }
    }
    return (long)(bits / 8);
}

static void test_real(void)
{
    static const char *path = "/sys/kernel/btf/vmlinux";
    /* The members the Linux layer reads, with the names older and newer kernels use: each
       must be found where bpftool says, or be missing in both. */
    static const char *const want[][2] = {
        {"task_struct", "tasks"}, {"task_struct", "pid"}, {"task_struct", "tgid"},
        {"task_struct", "comm"}, {"task_struct", "mm"}, {"task_struct", "active_mm"},
        {"task_struct", "real_parent"}, {"task_struct", "parent"},
        {"task_struct", "thread_group"}, {"task_struct", "thread_node"},
        {"task_struct", "signal"}, {"task_struct", "flags"}, {"task_struct", "__state"},
        {"task_struct", "state"}, {"task_struct", "start_time"}, {"task_struct", "tasks.next"},
        {"task_struct", "group_leader"}, {"signal_struct", "thread_head"},
        {"mm_struct", "pgd"}, {"mm_struct", "mm_mt"}, {"mm_struct", "mmap"},
        {"mm_struct", "arg_start"}, {"mm_struct", "arg_end"}, {"mm_struct", "mm_mt.ma_root"},
        {"vm_area_struct", "vm_start"}, {"vm_area_struct", "vm_end"},
        {"vm_area_struct", "vm_flags"}, {"vm_area_struct", "vm_pgoff"},
        {"vm_area_struct", "vm_file"}, {"vm_area_struct", "vm_next"},
        {"vm_area_struct", "vm_mm"}, {"file", "f_path"}, {"file", "f_path.dentry"},
        {"path", "dentry"}, {"path", "mnt"}, {"dentry", "d_name"}, {"dentry", "d_parent"},
        {"dentry", "d_name.name"}, {"qstr", "name"}, {"qstr", "len"},
        {"module", "list"}, {"module", "name"}, {"module", "mem"}, {"module", "mem[1].size"},
        {"module", "core_layout"}, {"module", "state"}, {"module_memory", "base"},
        {"module_memory", "size"}, {"printk_ringbuffer", "desc_ring"},
        {"printk_ringbuffer", "text_data_ring"}, {"printk_ringbuffer", "desc_ring.count_bits"},
        {"prb_desc_ring", "count_bits"}, {"prb_desc_ring", "descs"}, {"prb_desc_ring", "infos"},
        {"prb_desc_ring", "head_id"}, {"prb_desc_ring", "tail_id"},
        {"prb_data_ring", "size_bits"}, {"prb_data_ring", "data"},
        {"prb_data_ring", "head_lpos"}, {"prb_data_ring", "tail_lpos"},
        {"prb_desc", "state_var"}, {"prb_desc", "text_blk_lpos"},
        {"prb_data_blk_lpos", "begin"}, {"prb_data_blk_lpos", "next"},
        {"printk_info", "seq"}, {"printk_info", "ts_nsec"}, {"printk_info", "text_len"},
        {"printk_info", "facility"}, {"printk_info", "caller_id"},
        {"maple_tree", "ma_root"}, {"maple_tree", "ma_flags"}, {"maple_node", "parent"},
        {"maple_node", "slot"}, {"maple_node", "mr64"}, {"maple_node", "ma64"},
        {"maple_range_64", "pivot"}, {"maple_range_64", "slot"},
        {"maple_arange_64", "pivot"}, {"maple_arange_64", "slot"},
        {"maple_arange_64", "gap"}, {"maple_arange_64", "meta"},
        {"list_head", "next"}, {"list_head", "prev"},
    };
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t n = 0, cap = 0, got, need;
    uint32_t *index, id, i, nmem = 0, nenum = 0, ntyp = 0, bad = 0;
    memintro_btf b;
    memintro_status st;

    CHECK(f != NULL, "real: %s is readable (this kernel has CONFIG_DEBUG_INFO_BTF)", path);
    if (!f) return;
    for (;;) {
        if (n == cap) { cap = cap ? cap * 2 : (1u << 20); data = (uint8_t *)realloc(data, cap); }
        got = fread(data + n, 1, cap - n, f);
        if (!got) break;
        n += got;
    }
    fclose(f);
    need = memintro_btf_index_size(data, n);
    CHECK(need > 0, "real: %zu bytes of BTF, index %zu bytes", n, need);
    index = (uint32_t *)malloc(need ? need : 4);
    st = memintro_btf_init(&b, data, n, index, need);
    CHECK(st == MEMINTRO_OK, "real: init (%s), %u types", memintro_status_str(st), b.ntypes);
    if (st != MEMINTRO_OK) return;
    CHECK(load_bpftool(path) > 0, "real: bpftool btf dump file %s (package bpftool)", path);
    if (!RN) return;
    CHECK(b.ntypes == RN, "real: %u types, bpftool lists %u", b.ntypes, RN);

    for (id = 1; id <= RN && id <= b.ntypes; id++) {
        rtype *t = &R[id];
        static const char *const kinds[] = {"UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION",
            "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO",
            "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64"};
        int k = memintro_btf_kind(&b, id);
        const char *nm = memintro_btf_name(&b, id);
        uint32_t sz = 0;
        ntyp++;
        if (k < 0 || k > 19 || strcmp(kinds[k], t->kind) != 0 || !nm || strcmp(nm, t->name) != 0) {
            if (bad++ < 5) CHECK(0, "real: type %u is %s '%s', bpftool %s '%s'", id, k >= 0 && k <= 19 ? kinds[k] : "?", nm ? nm : "(null)", t->kind, t->name);
            continue;
        }
        if (t->has_size && strcmp(t->kind, "DATASEC") != 0) {
            st = memintro_btf_type_size(&b, id, &sz);
            if (st != MEMINTRO_OK || sz != t->size) {
                if (bad++ < 5) CHECK(0, "real: size of %u '%s' %u (%s), bpftool %u", id, t->name, sz, memintro_status_str(st), t->size);
            }
        }
        for (i = 0; t->mem && i < t->nmem; i++) {
            memintro_btf_member m;
            rmember *r = &t->mem[i];
            if (!r->name[0]) continue;
            st = memintro_btf_field(&b, id, r->name, &m);
            nmem++;
            if (st != MEMINTRO_OK || m.bit_offset != r->bits || m.bit_size != r->bitsize || m.type != r->type) {
                if (bad++ < 5) CHECK(0, "real: %s.%s bit %u width %u type %u (%s), bpftool %u %u %u", t->name, r->name, m.bit_offset, m.bit_size, m.type, memintro_status_str(st), r->bits, r->bitsize, r->type);
            }
        }
        for (i = 0; t->enames && t->name[0] && i < t->nmem; i++) {
            int64_t v = 0;
            st = memintro_btf_enum_value(&b, t->name, t->enames[i], &v);
            nenum++;
            if (st != MEMINTRO_OK || v != (int64_t)t->evals[i]) {
                if (bad++ < 5) CHECK(0, "real: enum %s %s = %lld (%s), bpftool %lld", t->name, t->enames[i], (long long)v, memintro_status_str(st), t->evals[i]);
            }
        }
        if (t->name[0] && (r_composite(id) || !strcmp(t->kind, "TYPEDEF") || !strcmp(t->kind, "ENUM"))) {
            uint32_t fid = memintro_btf_find(&b, t->name, r_composite(id) ? MEMINTRO_BTF_COMPOSITE : k);
            if (fid == 0 || fid > id || strcmp(memintro_btf_name(&b, fid), t->name) != 0) {
                if (bad++ < 5) CHECK(0, "real: find '%s' gave %u (type %u)", t->name, fid, id);
            }
        }
    }
    CHECK(bad == 0, "real: %u types (kind, name, size), %u named members (bit offset, width, type), %u enumerators equal bpftool's (%u differences)", ntyp, nmem, nenum, bad);

    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        long exp = r_path(want[i][0], want[i][1]);
        uint32_t off = 0;
        st = memintro_btf_offset(&b, want[i][0], want[i][1], &off);
        if (exp < 0)
            CHECK(st == MEMINTRO_E_NOTFOUND, "real: %s.%s absent in bpftool's dump and NOTFOUND here (%s)", want[i][0], want[i][1], memintro_status_str(st));
        else
            CHECK(st == MEMINTRO_OK && (long)off == exp, "real: %s.%s = %u, bpftool %ld", want[i][0], want[i][1], off, exp);
    }
    {
        uint32_t sz = 0, pid = r_find("printk_info");
        memintro_btf_member m;
        rmember rm;
        CHECK(memintro_btf_size(&b, "task_struct", &sz) == MEMINTRO_OK && sz == R[r_find("task_struct")].size, "real: sizeof task_struct %u", sz);
        CHECK(r_member(pid, "level", 0, &rm) && memintro_btf_field(&b, memintro_btf_find(&b, "printk_info", 0), "level", &m) == MEMINTRO_OK &&
              m.bit_offset == rm.bits && m.bit_size == rm.bitsize && m.bit_size > 0, "real: bitfield printk_info.level bit %u width %u", m.bit_offset, m.bit_size);
    }
    free(index);
    free(data);
}

int main(void)
{
    test_synthetic();
    test_damaged();
    test_real();
    return check_done();
}
