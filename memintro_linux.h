/* memintro_linux.h - Linux guests from memory alone: kernel, symbols, types, tasks.

   (manual: to be completed by the implementation)

   FREESTANDING like memintro.h: includes only memintro.h (<stddef.h>, <stdint.h>), never
   allocates: the caller gives the memory for the symbol table and the types. Guest memory
   is hostile input: every walk is bounded and cycle-safe, every length clamped.

   USAGE
     In exactly one C or C++ file:
         #define MEMINTRO_LINUX_IMPLEMENTATION
         #include "memintro_linux.h"

   LICENSE: MIT, see the end of this file. */

#ifndef MEMINTRO_LINUX_H
#define MEMINTRO_LINUX_H

#include "memintro.h"

#define MEMINTRO_LINUX_VERSION_MAJOR 0 /* this header's version */
#define MEMINTRO_LINUX_VERSION_MINOR 1

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types from BTF ------------------------------------------------------------------- */

/* BTF type kinds, numbered as in include/uapi/linux/btf.h. */
#define MEMINTRO_BTF_UNKN       0
#define MEMINTRO_BTF_INT        1
#define MEMINTRO_BTF_PTR        2
#define MEMINTRO_BTF_ARRAY      3
#define MEMINTRO_BTF_STRUCT     4
#define MEMINTRO_BTF_UNION      5
#define MEMINTRO_BTF_ENUM       6
#define MEMINTRO_BTF_FWD        7
#define MEMINTRO_BTF_TYPEDEF    8
#define MEMINTRO_BTF_VOLATILE   9
#define MEMINTRO_BTF_CONST      10
#define MEMINTRO_BTF_RESTRICT   11
#define MEMINTRO_BTF_FUNC       12
#define MEMINTRO_BTF_FUNC_PROTO 13
#define MEMINTRO_BTF_VAR        14
#define MEMINTRO_BTF_DATASEC    15
#define MEMINTRO_BTF_FLOAT      16
#define MEMINTRO_BTF_DECL_TAG   17
#define MEMINTRO_BTF_TYPE_TAG   18
#define MEMINTRO_BTF_ENUM64     19
/* memintro_btf_find's kind: a struct or a union (the usual question), or any named kind. */
#define MEMINTRO_BTF_COMPOSITE  0
#define MEMINTRO_BTF_ANY        (-1)

/* Bounds on walks through the types (a hostile blob may loop or nest without end). */
#define MEMINTRO_BTF_MAX_CHAIN  64      /* typedef/const/volatile/... links followed */
#define MEMINTRO_BTF_MAX_DEPTH  16      /* anonymous members entered, one inside another */
#define MEMINTRO_BTF_MAX_VISITS 1000000 /* members looked at by one member lookup */

/* The type information of a kernel: a BTF blob in caller memory (it must stay there while
   the object is used) and an index of its types in caller memory. Plain data; fields are
   read-only for the caller. Only little-endian, version-1, self-contained BTF (vmlinux's;
   a module's split BTF refers to vmlinux's types and is refused). */
typedef struct memintro_btf {
    const uint8_t *types;      /* the type section */
    const char *strs;          /* the string section (NUL-terminated, checked) */
    uint32_t types_len, strs_len;
    uint32_t ntypes;           /* ids 1..ntypes are types; 0 is void */
    const uint32_t *offsets;   /* offsets[id]: where type id starts in the type section */
    const uint32_t *hash;      /* named types by name (open addressing, 0 = empty) */
    uint32_t hash_mask;        /* slots - 1 */
    uint32_t ptr_size;         /* size of a PTR (8; BTF does not record it) */
} memintro_btf;

/* A member found by memintro_btf_field: where it lies from the start of the outer type. */
typedef struct memintro_btf_member {
    uint32_t bit_offset; /* from the start of the outer type, in bits */
    uint32_t bit_size;   /* bitfield width in bits, 0 if the member is not a bitfield */
    uint32_t type;       /* the member's type id (as declared: typedefs not resolved) */
} memintro_btf_member;

/* Bytes of index memory memintro_btf_init needs for this blob (0 if it is not usable
   BTF: bad header, sections outside the blob, a type that runs past its section, an
   unknown kind). */
MEMINTRO_API size_t memintro_btf_index_size(const void *data, size_t size);

/* Checks the blob (header, sections, every type's trailing data) and builds the index in
   `index` (4-byte aligned, index_size >= memintro_btf_index_size). The blob and the index
   must outlive b. Returns OK, E_FORMAT (not BTF or damaged), E_UNSUPPORTED (big-endian,
   another version, split BTF), E_NOSPACE (index too small), E_INVALID (NULL, misaligned). */
MEMINTRO_API memintro_status memintro_btf_init(memintro_btf *b, const void *data, size_t size,
                                               void *index, size_t index_size);

/* The kind of type id (MEMINTRO_BTF_*), or -1 if id is not a type (0 is void: UNKN). */
MEMINTRO_API int memintro_btf_kind(const memintro_btf *b, uint32_t id);

/* The name of type id ("" if anonymous), or NULL if id is not a type. */
MEMINTRO_API const char *memintro_btf_name(const memintro_btf *b, uint32_t id);

/* A type by name and kind (MEMINTRO_BTF_STRUCT, ..., MEMINTRO_BTF_COMPOSITE for a struct
   or union, MEMINTRO_BTF_ANY for any named type): the lowest such id, 0 if none. A struct
   is preferred to a FWD of the same name when kind is COMPOSITE or ANY. */
MEMINTRO_API uint32_t memintro_btf_find(const memintro_btf *b, const char *name, int kind);

/* Follows typedef, const, volatile, restrict and type_tag links from id to the type they
   name; returns that id (0 for void, or if the chain is broken, loops or is too long). */
MEMINTRO_API uint32_t memintro_btf_resolve(const memintro_btf *b, uint32_t id);

/* The size in bytes of type id (modifiers and typedefs resolved; arrays are element size
   times count; a pointer is b->ptr_size). E_INVALID for a type without size (void,
   function, forward declaration), E_FORMAT for a broken chain, E_LIMIT on overflow. */
MEMINTRO_API memintro_status memintro_btf_type_size(const memintro_btf *b, uint32_t id,
                                                    uint32_t *size);

/* A member of type id by a path: names separated by '.', each optionally followed by an
   array index "[N]" ("mem[0].base", "tasks.next"); a name is looked for in the struct or
   union itself, then inside its anonymous members (recursively). Fills *f with the bit
   offset from the start of type id, the bitfield width (kind_flag encoding or an INT's
   own bit encoding) and the member's type. E_NOTFOUND (no such member), E_INVALID (index
   past the array, member of a non-composite), E_LIMIT (nesting or work bound). */
MEMINTRO_API memintro_status memintro_btf_field(const memintro_btf *b, uint32_t id,
                                                const char *path, memintro_btf_member *f);

/* Byte offset of a member of struct/union `type` by a path (see memintro_btf_field):
   memintro_btf_offset(b, "task_struct", "tasks", &off), (b, "mm_struct", "pgd", &off).
   E_NOTFOUND if the type or the member is missing, E_UNSUPPORTED for a bitfield that does
   not start on a byte (use memintro_btf_field). */
MEMINTRO_API memintro_status memintro_btf_offset(const memintro_btf *b, const char *type,
                                                 const char *member, uint32_t *off);

/* Size in bytes of struct/union `type` (a typedef of that name if no struct or union has
   it). E_NOTFOUND if there is none. */
MEMINTRO_API memintro_status memintro_btf_size(const memintro_btf *b, const char *type,
                                               uint32_t *size);

/* The value of enumerator `name` (MOD_TEXT, maple_leaf_64, ...) in enum `enum_type`, or in
   any enum if enum_type is NULL or "" (many kernel enums are anonymous). Signed values are
   sign-extended. E_NOTFOUND if none. */
MEMINTRO_API memintro_status memintro_btf_enum_value(const memintro_btf *b, const char *enum_type,
                                                     const char *name, int64_t *value);


/* ---- Kernel discovery, kallsyms, symbols ----------------------------------------------- */


/* ---- Tasks, memory maps, modules, kernel log -------------------------------------------- */


#ifdef __cplusplus
}
#endif
#endif /* MEMINTRO_LINUX_H */

/* ======================================================================================= */
#ifdef MEMINTRO_LINUX_IMPLEMENTATION
#ifndef MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED
#define MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED

/* ---- implementation: BTF ---------------------------------------------------------------- */

/* Linkage of this header's definitions (memintro.h #undefs its own at its end). */
#ifndef MEMINTRO__LDEF
#ifdef MEMINTRO_STATIC
#define MEMINTRO__LDEF static
#else
#define MEMINTRO__LDEF
#endif
#endif

#define MEMINTRO__BTF_MAGIC   0xeb9fu
#define MEMINTRO__BTF_HDR     24u         /* struct btf_header up to str_len */
#define MEMINTRO__BTF_MAXTYPE 0x000fffffu /* BTF_MAX_TYPE: the kernel accepts no more */

typedef struct memintro__btf_sect {
    const uint8_t *types;
    const char *strs;
    uint32_t types_len, strs_len;
    uint32_t ntypes, named; /* types, and those the name hash holds */
} memintro__btf_sect;

static uint32_t memintro__btf_info(const uint8_t *t) { return memintro_get_u32(t + 4); }
static uint32_t memintro__btf_tkind(const uint8_t *t) { return (memintro__btf_info(t) >> 24) & 0x1fu; }
static uint32_t memintro__btf_vlen(const uint8_t *t) { return memintro__btf_info(t) & 0xffffu; }
static uint32_t memintro__btf_kflag(const uint8_t *t) { return memintro__btf_info(t) >> 31; }

/* Bytes a type record takes (btf_type and its kind's trailing data), 0 if its kind is
   unknown or it runs past `avail`. */
static uint32_t memintro__btf_rec_size(const uint8_t *t, uint32_t avail)
{
    uint32_t vlen, extra;
    if (avail < 12) return 0;
    vlen = memintro__btf_vlen(t);
    switch (memintro__btf_tkind(t)) {
    case MEMINTRO_BTF_INT: case MEMINTRO_BTF_VAR: case MEMINTRO_BTF_DECL_TAG:
        extra = 4; break;
    case MEMINTRO_BTF_ARRAY:
        extra = 12; break;
    case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION: case MEMINTRO_BTF_DATASEC:
    case MEMINTRO_BTF_ENUM64:
        extra = 12 * vlen; break;
    case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_FUNC_PROTO:
        extra = 8 * vlen; break;
    case MEMINTRO_BTF_PTR: case MEMINTRO_BTF_FWD: case MEMINTRO_BTF_TYPEDEF:
    case MEMINTRO_BTF_VOLATILE: case MEMINTRO_BTF_CONST: case MEMINTRO_BTF_RESTRICT:
    case MEMINTRO_BTF_FUNC: case MEMINTRO_BTF_FLOAT: case MEMINTRO_BTF_TYPE_TAG:
        extra = 0; break;
    default:
        return 0;
    }
    if (extra > avail - 12) return 0;
    return 12 + extra;
}

/* Kinds whose names go into the hash (those a caller looks up by name). */
static int memintro__btf_hashed(uint32_t kind)
{
    switch (kind) {
    case MEMINTRO_BTF_INT: case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION:
    case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_FWD: case MEMINTRO_BTF_TYPEDEF:
    case MEMINTRO_BTF_FUNC: case MEMINTRO_BTF_VAR: case MEMINTRO_BTF_DATASEC:
    case MEMINTRO_BTF_FLOAT: case MEMINTRO_BTF_ENUM64:
        return 1;
    default:
        return 0;
    }
}

static uint32_t memintro__btf_hash_str(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t i;
    for (i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Header, sections and every type record of a blob; `offsets`, if not NULL, receives
   each type's offset (ids 1..ntypes). */
static memintro_status memintro__btf_scan(const void *data, size_t size, memintro__btf_sect *s,
                                          uint32_t *offsets)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t hdr_len, toff, tlen, soff, slen, off, n = 0, named = 0;
    uint64_t body;
    if (!p || size < MEMINTRO__BTF_HDR) return MEMINTRO_E_FORMAT;
    if (p[0] == 0xeb && p[1] == 0x9f) return MEMINTRO_E_UNSUPPORTED; /* big-endian BTF */
    if (memintro_get_u16(p) != MEMINTRO__BTF_MAGIC) return MEMINTRO_E_FORMAT;
    if (p[2] != 1) return MEMINTRO_E_UNSUPPORTED; /* BTF_VERSION */
    hdr_len = memintro_get_u32(p + 4);
    if (hdr_len < MEMINTRO__BTF_HDR || hdr_len > size) return MEMINTRO_E_FORMAT;
    body = (uint64_t)size - hdr_len;
    toff = memintro_get_u32(p + 8);
    tlen = memintro_get_u32(p + 12);
    soff = memintro_get_u32(p + 16);
    slen = memintro_get_u32(p + 20);
    if ((uint64_t)toff + tlen > body || (uint64_t)soff + slen > body) return MEMINTRO_E_FORMAT;
    s->types = p + hdr_len + toff;
    s->strs = (const char *)(p + hdr_len + soff);
    s->types_len = tlen;
    s->strs_len = slen;
    /* The string section starts with the empty name and ends with a NUL, so every name
       offset inside it yields a terminated string. */
    if (slen == 0 || s->strs[0] != 0 || s->strs[slen - 1] != 0) return MEMINTRO_E_FORMAT;
    for (off = 0; off < tlen;) {
        const uint8_t *t = s->types + off;
        uint32_t rs = memintro__btf_rec_size(t, tlen - off), name_off;
        if (!rs) return MEMINTRO_E_FORMAT;
        if (n == MEMINTRO__BTF_MAXTYPE) return MEMINTRO_E_LIMIT;
        name_off = memintro_get_u32(t);
        if (name_off >= slen) return MEMINTRO_E_FORMAT;
        n++;
        if (offsets) offsets[n] = off;
        if (name_off && s->strs[name_off] && memintro__btf_hashed(memintro__btf_tkind(t))) named++;
        off += rs;
    }
    s->ntypes = n;
    s->named = named;
    return MEMINTRO_OK;
}

static uint32_t memintro__btf_slots(uint32_t named)
{
    uint32_t slots = 8;
    while (slots < 2u * named) slots <<= 1;
    return slots;
}

MEMINTRO__LDEF size_t memintro_btf_index_size(const void *data, size_t size)
{
    memintro__btf_sect s;
    if (memintro__btf_scan(data, size, &s, NULL) != MEMINTRO_OK) return 0;
    return ((size_t)s.ntypes + 1 + memintro__btf_slots(s.named)) * sizeof(uint32_t);
}

MEMINTRO__LDEF memintro_status memintro_btf_init(memintro_btf *b, const void *data, size_t size,
                                                 void *index, size_t index_size)
{
    memintro__btf_sect s;
    memintro_status st;
    uint32_t *offsets, *hash, slots, id;
    if (!b) return MEMINTRO_E_INVALID;
    MEMINTRO_MEMSET(b, 0, sizeof *b);
    if (!data || !index || ((uintptr_t)index & 3u)) return MEMINTRO_E_INVALID;
    st = memintro__btf_scan(data, size, &s, NULL);
    if (st != MEMINTRO_OK) return st;
    slots = memintro__btf_slots(s.named);
    if (index_size / sizeof(uint32_t) < (size_t)s.ntypes + 1 + slots) return MEMINTRO_E_NOSPACE;
    offsets = (uint32_t *)index;
    hash = offsets + s.ntypes + 1;
    offsets[0] = 0;
    memintro__btf_scan(data, size, &s, offsets);
    MEMINTRO_MEMSET(hash, 0, (size_t)slots * sizeof(uint32_t));
    for (id = 1; id <= s.ntypes; id++) {
        const uint8_t *t = s.types + offsets[id];
        const char *name = s.strs + memintro_get_u32(t);
        size_t len = 0;
        uint32_t h;
        if (!name[0] || !memintro__btf_hashed(memintro__btf_tkind(t))) continue;
        while (name[len]) len++;
        h = memintro__btf_hash_str(name, len) & (slots - 1);
        while (hash[h]) h = (h + 1) & (slots - 1); /* slots >= 2 * named: a free one exists */
        hash[h] = id;
    }
    b->types = s.types;
    b->strs = s.strs;
    b->types_len = s.types_len;
    b->strs_len = s.strs_len;
    b->ntypes = s.ntypes;
    b->offsets = offsets;
    b->hash = hash;
    b->hash_mask = slots - 1;
    b->ptr_size = 8;
    return MEMINTRO_OK;
}

/* The record of type id, NULL for void or an id that is not a type. */
static const uint8_t *memintro__btf_type(const memintro_btf *b, uint32_t id)
{
    if (!b || !b->offsets || id == 0 || id > b->ntypes) return NULL;
    return b->types + b->offsets[id];
}

/* A name in the string section, NULL if the offset lies outside it. */
static const char *memintro__btf_str(const memintro_btf *b, uint32_t off)
{
    return off < b->strs_len ? b->strs + off : NULL;
}

/* s (NUL-terminated) equals the len bytes at name. */
static int memintro__btf_eq(const char *s, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] != name[i]) return 0; /* also stops at s's NUL */
    return s[len] == 0;
}

MEMINTRO__LDEF int memintro_btf_kind(const memintro_btf *b, uint32_t id)
{
    const uint8_t *t = memintro__btf_type(b, id);
    if (t) return (int)memintro__btf_tkind(t);
    return (b && b->offsets && id == 0) ? MEMINTRO_BTF_UNKN : -1;
}

MEMINTRO__LDEF const char *memintro_btf_name(const memintro_btf *b, uint32_t id)
{
    const uint8_t *t = memintro__btf_type(b, id);
    if (t) return memintro__btf_str(b, memintro_get_u32(t)); /* checked by init */
    return (b && b->offsets && id == 0) ? "" : NULL;
}

static uint32_t memintro__btf_find(const memintro_btf *b, const char *name, size_t len, int kind)
{
    uint32_t h, n, best = 0, fwd = 0;
    if (!b || !b->hash || !name || !len) return 0;
    h = memintro__btf_hash_str(name, len) & b->hash_mask;
    for (n = 0; n <= b->hash_mask && b->hash[h]; n++, h = (h + 1) & b->hash_mask) {
        uint32_t id = b->hash[h];
        const uint8_t *t = memintro__btf_type(b, id);
        uint32_t k;
        if (!t || !memintro__btf_eq(b->strs + memintro_get_u32(t), name, len)) continue;
        k = memintro__btf_tkind(t);
        if (kind == MEMINTRO_BTF_COMPOSITE) {
            if (k != MEMINTRO_BTF_STRUCT && k != MEMINTRO_BTF_UNION) continue;
        } else if (kind == MEMINTRO_BTF_ANY) {
            if (k == MEMINTRO_BTF_FWD) { if (!fwd || id < fwd) fwd = id; continue; }
        } else if ((int)k != kind) {
            continue;
        }
        if (!best || id < best) best = id;
    }
    return best ? best : fwd;
}

MEMINTRO__LDEF uint32_t memintro_btf_find(const memintro_btf *b, const char *name, int kind)
{
    size_t len = 0;
    if (!name) return 0;
    while (name[len]) len++;
    return memintro__btf_find(b, name, len, kind);
}

static int memintro__btf_modifier(uint32_t kind)
{
    return kind == MEMINTRO_BTF_TYPEDEF || kind == MEMINTRO_BTF_VOLATILE ||
           kind == MEMINTRO_BTF_CONST || kind == MEMINTRO_BTF_RESTRICT ||
           kind == MEMINTRO_BTF_TYPE_TAG;
}

/* Follows modifier links: OK with *out (0 = void), E_FORMAT for a link to no type,
   E_LIMIT for a chain too long (a loop). */
static memintro_status memintro__btf_strip(const memintro_btf *b, uint32_t id, uint32_t *out)
{
    uint32_t i;
    for (i = 0; i <= MEMINTRO_BTF_MAX_CHAIN; i++) {
        const uint8_t *t;
        if (id == 0) { *out = 0; return MEMINTRO_OK; }
        t = memintro__btf_type(b, id);
        if (!t) return MEMINTRO_E_FORMAT;
        if (!memintro__btf_modifier(memintro__btf_tkind(t))) { *out = id; return MEMINTRO_OK; }
        id = memintro_get_u32(t + 8);
    }
    return MEMINTRO_E_LIMIT;
}

MEMINTRO__LDEF uint32_t memintro_btf_resolve(const memintro_btf *b, uint32_t id)
{
    uint32_t out = 0;
    return memintro__btf_strip(b, id, &out) == MEMINTRO_OK ? out : 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_type_size(const memintro_btf *b, uint32_t id,
                                                      uint32_t *size)
{
    uint64_t mult = 1, v;
    uint32_t step;
    if (!b || !b->offsets || !size) return MEMINTRO_E_INVALID;
    *size = 0;
    for (step = 0; step < 4 * MEMINTRO_BTF_MAX_CHAIN; step++) {
        const uint8_t *t;
        memintro_status st = memintro__btf_strip(b, id, &id);
        if (st != MEMINTRO_OK) return st;
        t = memintro__btf_type(b, id);
        if (!t) return MEMINTRO_E_INVALID; /* void */
        switch (memintro__btf_tkind(t)) {
        case MEMINTRO_BTF_ARRAY:
            mult *= memintro_get_u32(t + 20);
            if (mult > 0xffffffffu) return MEMINTRO_E_LIMIT;
            id = memintro_get_u32(t + 12);
            continue;
        case MEMINTRO_BTF_VAR:
            id = memintro_get_u32(t + 8);
            continue;
        case MEMINTRO_BTF_PTR:
            v = mult * b->ptr_size;
            break;
        case MEMINTRO_BTF_INT: case MEMINTRO_BTF_STRUCT: case MEMINTRO_BTF_UNION:
        case MEMINTRO_BTF_ENUM: case MEMINTRO_BTF_ENUM64: case MEMINTRO_BTF_FLOAT:
        case MEMINTRO_BTF_DATASEC:
            v = mult * memintro_get_u32(t + 8);
            break;
        default:
            return MEMINTRO_E_INVALID; /* function, prototype, forward declaration, tag */
        }
        if (v > 0xffffffffu) return MEMINTRO_E_LIMIT;
        *size = (uint32_t)v;
        return MEMINTRO_OK;
    }
    return MEMINTRO_E_LIMIT;
}

/* Looks for member `name` in composite `id` (resolved), then in its anonymous struct and
   union members; `base` is id's bit offset in the outer type. */
static memintro_status memintro__btf_member(const memintro_btf *b, uint32_t id, const char *name,
                                            size_t len, uint32_t depth, uint32_t *visits,
                                            uint64_t base, memintro_btf_member *f)
{
    const uint8_t *t = memintro__btf_type(b, id), *m;
    uint32_t k, vlen, kflag, i;
    int limited = 0;
    if (!t) return MEMINTRO_E_FORMAT;
    k = memintro__btf_tkind(t);
    if (k != MEMINTRO_BTF_STRUCT && k != MEMINTRO_BTF_UNION) return MEMINTRO_E_INVALID;
    vlen = memintro__btf_vlen(t);
    kflag = memintro__btf_kflag(t);
    for (i = 0, m = t + 12; i < vlen; i++, m += 12) {
        const char *mn = memintro__btf_str(b, memintro_get_u32(m));
        uint32_t raw = memintro_get_u32(m + 8), bits = 0, type = memintro_get_u32(m + 4), r;
        uint64_t at = base + (kflag ? (raw & 0xffffffu) : raw);
        if (++*visits > MEMINTRO_BTF_MAX_VISITS) return MEMINTRO_E_LIMIT;
        if (!mn || !memintro__btf_eq(mn, name, len)) continue;
        if (kflag) {
            bits = raw >> 24;
        } else if (memintro__btf_strip(b, type, &r) == MEMINTRO_OK && r &&
                   memintro__btf_tkind(memintro__btf_type(b, r)) == MEMINTRO_BTF_INT) {
            /* The older bitfield encoding: the INT itself carries offset and width. */
            const uint8_t *it = memintro__btf_type(b, r);
            uint32_t enc = memintro_get_u32(it + 12), nr = enc & 0xffu, ioff = (enc >> 16) & 0xffu;
            if (ioff || (uint64_t)nr != 8u * (uint64_t)memintro_get_u32(it + 8)) {
                at += ioff;
                bits = nr;
            }
        }
        if (at > 0xffffffffu) return MEMINTRO_E_LIMIT;
        f->bit_offset = (uint32_t)at;
        f->bit_size = bits;
        f->type = type;
        return MEMINTRO_OK;
    }
    for (i = 0, m = t + 12; i < vlen; i++, m += 12) {
        const char *mn = memintro__btf_str(b, memintro_get_u32(m));
        uint32_t raw = memintro_get_u32(m + 8), r, rk;
        memintro_status st;
        if (!mn || mn[0]) continue;
        if (memintro__btf_strip(b, memintro_get_u32(m + 4), &r) != MEMINTRO_OK || !r) continue;
        rk = memintro__btf_tkind(memintro__btf_type(b, r));
        if (rk != MEMINTRO_BTF_STRUCT && rk != MEMINTRO_BTF_UNION) continue;
        if (depth + 1 >= MEMINTRO_BTF_MAX_DEPTH) { limited = 1; continue; }
        st = memintro__btf_member(b, r, name, len, depth + 1, visits,
                                  base + (kflag ? (raw & 0xffffffu) : raw), f);
        if (st == MEMINTRO_OK) return st;
        if (st == MEMINTRO_E_LIMIT) {
            if (*visits > MEMINTRO_BTF_MAX_VISITS) return st;
            limited = 1;
        }
    }
    return limited ? MEMINTRO_E_LIMIT : MEMINTRO_E_NOTFOUND;
}

MEMINTRO__LDEF memintro_status memintro_btf_field(const memintro_btf *b, uint32_t id,
                                                  const char *path, memintro_btf_member *f)
{
    const char *p = path;
    uint32_t visits = 0, cur = id;
    uint64_t base = 0;
    memintro_btf_member got;
    if (!b || !b->offsets || !path || !f) return MEMINTRO_E_INVALID;
    for (;;) {
        size_t len = 0;
        uint32_t r, type;
        memintro_status st;
        while (p[len] && p[len] != '.' && p[len] != '[') len++;
        if (!len) return MEMINTRO_E_INVALID;
        st = memintro__btf_strip(b, cur, &r);
        if (st != MEMINTRO_OK) return st;
        if (!r) return MEMINTRO_E_INVALID;
        st = memintro__btf_member(b, r, p, len, 0, &visits, base, &got);
        if (st != MEMINTRO_OK) return st;
        base = got.bit_offset;
        type = got.type;
        p += len;
        while (*p == '[') {
            uint64_t idx = 0, v;
            uint32_t digits = 0, a, esize;
            const uint8_t *at;
            for (p++; *p >= '0' && *p <= '9'; p++) {
                if (++digits > 10) return MEMINTRO_E_INVALID;
                idx = idx * 10 + (uint64_t)(*p - '0');
            }
            if (!digits || *p != ']') return MEMINTRO_E_INVALID;
            p++;
            st = memintro__btf_strip(b, type, &a);
            if (st != MEMINTRO_OK) return st;
            at = memintro__btf_type(b, a);
            if (!at || memintro__btf_tkind(at) != MEMINTRO_BTF_ARRAY) return MEMINTRO_E_INVALID;
            if (idx >= memintro_get_u32(at + 20)) return MEMINTRO_E_INVALID;
            type = memintro_get_u32(at + 12);
            st = memintro_btf_type_size(b, type, &esize);
            if (st != MEMINTRO_OK) return st;
            v = base + idx * esize * 8u;
            if (v > 0xffffffffu) return MEMINTRO_E_LIMIT;
            base = v;
            got.bit_size = 0;
        }
        if (*p == 0) {
            f->bit_offset = (uint32_t)base;
            f->bit_size = got.bit_size;
            f->type = type;
            return MEMINTRO_OK;
        }
        if (*p != '.') return MEMINTRO_E_INVALID;
        p++;
        cur = type;
    }
}

/* A struct or union by name, or a typedef of that name that names one. */
static uint32_t memintro__btf_composite(const memintro_btf *b, const char *type)
{
    uint32_t id = memintro_btf_find(b, type, MEMINTRO_BTF_COMPOSITE), r;
    const uint8_t *t;
    if (id) return id;
    r = memintro_btf_resolve(b, memintro_btf_find(b, type, MEMINTRO_BTF_TYPEDEF));
    t = memintro__btf_type(b, r);
    if (t && (memintro__btf_tkind(t) == MEMINTRO_BTF_STRUCT || memintro__btf_tkind(t) == MEMINTRO_BTF_UNION))
        return r;
    return 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_offset(const memintro_btf *b, const char *type,
                                                   const char *member, uint32_t *off)
{
    memintro_btf_member f;
    memintro_status st;
    uint32_t id;
    if (!b || !b->offsets || !type || !member || !off) return MEMINTRO_E_INVALID;
    *off = 0;
    id = memintro__btf_composite(b, type);
    if (!id) return MEMINTRO_E_NOTFOUND;
    st = memintro_btf_field(b, id, member, &f);
    if (st != MEMINTRO_OK) return st;
    if (f.bit_size || (f.bit_offset & 7u)) return MEMINTRO_E_UNSUPPORTED;
    *off = f.bit_offset >> 3;
    return MEMINTRO_OK;
}

MEMINTRO__LDEF memintro_status memintro_btf_size(const memintro_btf *b, const char *type,
                                                 uint32_t *size)
{
    uint32_t id;
    if (!b || !b->offsets || !type || !size) return MEMINTRO_E_INVALID;
    *size = 0;
    id = memintro__btf_composite(b, type);
    if (!id) return MEMINTRO_E_NOTFOUND;
    return memintro_btf_type_size(b, id, size);
}

/* Enumerator `name` of enum type id (ENUM or ENUM64): 1 and *value if it has it. */
static int memintro__btf_enumerator(const memintro_btf *b, uint32_t id, const char *name,
                                    size_t len, int64_t *value)
{
    const uint8_t *t = memintro__btf_type(b, id), *e;
    uint32_t k, vlen, i, step;
    if (!t) return 0;
    k = memintro__btf_tkind(t);
    if (k != MEMINTRO_BTF_ENUM && k != MEMINTRO_BTF_ENUM64) return 0;
    vlen = memintro__btf_vlen(t);
    step = k == MEMINTRO_BTF_ENUM ? 8 : 12;
    for (i = 0, e = t + 12; i < vlen; i++, e += step) {
        const char *en = memintro__btf_str(b, memintro_get_u32(e));
        uint64_t v;
        if (!en || !memintro__btf_eq(en, name, len)) continue;
        if (k == MEMINTRO_BTF_ENUM) {
            v = memintro_get_u32(e + 4);
            if (memintro__btf_kflag(t) && (v & 0x80000000u)) v |= 0xffffffff00000000u;
        } else {
            v = memintro_get_u32(e + 4) | ((uint64_t)memintro_get_u32(e + 8) << 32);
        }
        *value = (int64_t)v;
        return 1;
    }
    return 0;
}

MEMINTRO__LDEF memintro_status memintro_btf_enum_value(const memintro_btf *b, const char *enum_type,
                                                       const char *name, int64_t *value)
{
    size_t len = 0;
    uint32_t id;
    if (!b || !b->offsets || !name || !value) return MEMINTRO_E_INVALID;
    *value = 0;
    while (name[len]) len++;
    if (!len) return MEMINTRO_E_INVALID;
    if (enum_type && enum_type[0]) {
        /* Every type of that name: an enum may be declared (vlen 0) before it is defined,
           and a typedef may name it. */
        size_t tlen = 0;
        uint32_t h, n;
        if (!b->hash) return MEMINTRO_E_NOTFOUND;
        while (enum_type[tlen]) tlen++;
        h = memintro__btf_hash_str(enum_type, tlen) & b->hash_mask;
        for (n = 0; n <= b->hash_mask && b->hash[h]; n++, h = (h + 1) & b->hash_mask) {
            const uint8_t *t = memintro__btf_type(b, b->hash[h]);
            if (!t || !memintro__btf_eq(b->strs + memintro_get_u32(t), enum_type, tlen)) continue;
            id = b->hash[h];
            if (memintro__btf_tkind(t) == MEMINTRO_BTF_TYPEDEF) id = memintro_btf_resolve(b, id);
            if (memintro__btf_enumerator(b, id, name, len, value)) return MEMINTRO_OK;
        }
        return MEMINTRO_E_NOTFOUND;
    }
    for (id = 1; id <= b->ntypes; id++)
        if (memintro__btf_enumerator(b, id, name, len, value)) return MEMINTRO_OK;
    return MEMINTRO_E_NOTFOUND;
}

#undef MEMINTRO__BTF_MAGIC
#undef MEMINTRO__BTF_HDR
#undef MEMINTRO__BTF_MAXTYPE


/* ---- implementation: kernel discovery, kallsyms, symbols -------------------------------- */


/* ---- implementation: tasks, memory maps, modules, kernel log ---------------------------- */


#undef MEMINTRO__LDEF

#endif /* MEMINTRO_LINUX_IMPLEMENTATION_INCLUDED */
#endif /* MEMINTRO_LINUX_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 The memintro authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
*/
