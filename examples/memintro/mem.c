/* memintro CLI: the memory commands: translate, read, search, write. Each parses its
   arguments first (usage errors before the target is touched), then asks for the target
   (cli_target_get) and, for guest-virtual work, the address space (cli_virt_get). */
#include "cli.h"
#include "os.h"

#include <errno.h>

/* --pid PID: process PID's address space from the active OS layer. Returns CLI_OK or an
   exit status (error printed). */
static int cli_pid_virt(cli_ctx *c, const char *cmd, const char *spid, memintro_virt **out)
{
    uint64_t pid;
    const char *why = cli_parse_num(spid, &pid);
    if (why) return cli_error(CLI_USAGE, "%s: --pid '%s': %s", cmd, spid, why);
    return cli_os_process_virt(c, cmd, pid, out);
}

/* Parses --pid's value before the target is opened (usage errors first). */
static int cli_pid_check(const char *cmd, const char *spid)
{
    uint64_t pid;
    const char *why;
    if (!spid) return CLI_OK;
    if ((why = cli_parse_num(spid, &pid))) return cli_error(CLI_USAGE, "%s: --pid '%s': %s", cmd, spid, why);
    return CLI_OK;
}

/* ---- translate ------------------------------------------------------------------------ */

static void cli_flag_words(uint32_t f, const char *w[4], int *n)
{
    *n = 0;
    w[(*n)++] = (f & MEMINTRO_PAGE_WRITABLE) ? "rw" : "ro";
    w[(*n)++] = (f & MEMINTRO_PAGE_USER) ? "user" : "kernel";
    w[(*n)++] = (f & MEMINTRO_PAGE_NX) ? "nx" : "x";
    if (f & MEMINTRO_PAGE_TRANSITION) w[(*n)++] = "transition";
}

int cmd_translate(cli_ctx *c, int argc, char **argv)
{
    memintro_xlate *x;
    memintro_virt *v;
    const char **pos = (const char **)cli_alloc((size_t)(argc + 1) * sizeof *pos);
    cli_out *o = &c->out;
    int i, rc, failed = 0, n;
    const char *spid = 0;
    const cli_optspec spec[] = {{"--pid", 0, "PID", 0, &spid}};
    rc = cli_args("translate", argc, argv, spec, 1, pos, argc, &n, "translate [--pid PID] VADDR...", 0);
    if (rc == CLI_OK && n <= 0)
        rc = cli_error(CLI_USAGE, "translate: missing VADDR (usage: translate [--pid PID] VADDR...)");
    if (rc == CLI_OK) rc = cli_pid_check("translate", spid);
    if (rc != CLI_OK) {
        free(pos);
        return rc;
    }
    x = (memintro_xlate *)cli_alloc((size_t)n * sizeof *x);
    memset(x, 0, (size_t)n * sizeof *x);
    for (i = 0; i < n; i++) {
        const char *why = cli_parse_num(pos[i], &x[i].va);
        if (why) {
            rc = cli_error(CLI_USAGE, "translate: address '%s': %s", pos[i], why);
            free(x);
            free(pos);
            return rc;
        }
    }
    free(pos);
    if ((rc = spid ? cli_pid_virt(c, "translate", spid, &v) : cli_virt_get(c, &v)) != CLI_OK) {
        free(x);
        return rc;
    }
    memintro_translate(v, x, (size_t)n); /* one batch, level by level */
    cli_arr(o, 0);
    for (i = 0; i < n; i++) {
        const memintro_xlate *e = &x[i];
        cli_obj(o, 0);
        cli_hex(o, "va", "%s -> ", e->va);
        if (e->status == MEMINTRO_OK) {
            const char *w[4];
            char ps[32];
            int nw, k;
            cli_flag_words(e->flags, w, &nw);
            cli_hex(o, "pa", "%s", e->pa);
            cli_num(o, "page_size", 0, e->page_size);
            cli_text(o, " (%s page,", cli_page_str(e->page_size, ps, sizeof ps));
            cli_arr(o, "flags");
            for (k = 0; k < nw; k++) cli_str(o, 0, " %s", w[k]);
            cli_end(o);
            cli_text(o, ")\n");
        } else if (e->status == MEMINTRO_E_UNMAPPED) {
            cli_str(o, "error", "not mapped", "not mapped");
            cli_num(o, "level", " (level %s)\n", e->level);
        } else if (e->status == MEMINTRO_E_NONCANONICAL) {
            cli_str(o, "error", "not canonical\n", "not canonical");
        } else {
            cli_str(o, "error", "table unreadable: ", "table unreadable");
            cli_str(o, "reason", "%s", memintro_status_str(e->status));
            cli_num(o, "level", " (level %s)\n", e->level);
        }
        cli_end(o);
        if (e->status != MEMINTRO_OK) failed = 1;
    }
    cli_end(o);
    free(x);
    return failed ? CLI_FAIL : CLI_OK;
}

/* ---- read ----------------------------------------------------------------------------- */

typedef struct cli_bad {
    uint64_t start, end;
    memintro_status why;
} cli_bad;

typedef struct cli_reader {
    cli_ctx *c;
    memintro_virt *v; /* NULL: guest-physical */
    uint8_t *buf;     /* the chunk */
    uint8_t *st;      /* per byte: MEMINTRO_OK or why it could not be read */
    memintro_op *ops;
    cli_bad *bad;
    size_t nbad, capbad;
    uint64_t missing;
} cli_reader;

static memintro_status cli_read_ops(cli_reader *r, memintro_op *ops, size_t n)
{
    return r->v ? memintro_virt_read(r->v, ops, n) : memintro_phys_read(r->c->t.phys, ops, n);
}

/* An op came back partial: find which bytes failed by halving (only boundary pages do). */
static void cli_refine(cli_reader *r, uint64_t addr, uint8_t *buf, uint8_t *st, size_t len)
{
    memintro_op op;
    size_t half;
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = buf;
    op.len = len;
    cli_read_ops(r, &op, 1);
    if (op.status == MEMINTRO_OK) {
        memset(st, MEMINTRO_OK, len);
        return;
    }
    if (op.missing >= len || len == 1) {
        memset(buf, 0, len);
        memset(st, (int)op.status, len);
        return;
    }
    half = len / 2;
    cli_refine(r, addr, buf, st, half);
    cli_refine(r, addr + half, buf + half, st + half, len - half);
}

/* Reads [addr, addr+n) (n <= CLI_CHUNK) into r->buf, in page-sized ops, and sets r->st. */
static void cli_read_chunk(cli_reader *r, uint64_t addr, size_t n, uint64_t page)
{
    size_t nops = 0, off = 0, i;
    while (off < n) {
        uint64_t a = addr + off;
        size_t len = (size_t)(page - (a & (page - 1)));
        if (len > n - off) len = n - off;
        memset(&r->ops[nops], 0, sizeof r->ops[nops]);
        r->ops[nops].addr = a;
        r->ops[nops].buf = r->buf + off;
        r->ops[nops].len = len;
        nops++;
        off += len;
    }
    cli_read_ops(r, r->ops, nops);
    for (i = 0; i < nops; i++) {
        memintro_op *op = &r->ops[i];
        size_t at = (size_t)((uint8_t *)op->buf - r->buf);
        if (op->status == MEMINTRO_OK)
            memset(r->st + at, MEMINTRO_OK, op->len);
        else if (op->missing >= op->len) {
            memset(r->buf + at, 0, op->len);
            memset(r->st + at, (int)op->status, op->len);
        } else
            cli_refine(r, op->addr, r->buf + at, r->st + at, op->len);
    }
    /* record unreadable ranges, merged */
    for (i = 0; i < n; i++) {
        cli_bad *b;
        if (r->st[i] == MEMINTRO_OK) continue;
        r->missing++;
        b = r->nbad ? &r->bad[r->nbad - 1] : 0;
        if (b && b->end == addr + i && b->why == (memintro_status)r->st[i]) {
            b->end++;
            continue;
        }
        if (r->nbad == r->capbad) {
            r->capbad = r->capbad ? r->capbad * 2 : 16;
            r->bad = (cli_bad *)realloc(r->bad, r->capbad * sizeof *r->bad);
            if (!r->bad) {
                fprintf(stderr, "memintro: error: out of memory\n");
                exit(CLI_FAIL);
            }
        }
        b = &r->bad[r->nbad++];
        b->start = addr + i;
        b->end = addr + i + 1;
        b->why = (memintro_status)r->st[i];
    }
}

int cmd_read(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2], *outpath = 0, *why, *spid = 0;
    int npos = 0, virt = 0, rc, width = 8, e;
    uint64_t addr, len, done, page = 4096, last;
    cli_reader r;
    cli_outfile of;
    cli_progress prog;
    cli_out *o = &c->out;
    const cli_optspec spec[] = {
        {"--virt", 0, 0, &virt, 0}, {"--output", "-o", "FILE", 0, &outpath}, {"--pid", 0, "PID", 0, &spid}};
    static const char usage[] = "read [--virt|--pid PID] ADDR LEN [-o FILE]";
    if ((rc = cli_args("read", argc, argv, spec, 3, pos, 2, &npos, usage, 0)) != CLI_OK) return rc;
    if ((rc = cli_pid_check("read", spid)) != CLI_OK) return rc;
    if (spid) virt = 1; /* --pid implies --virt */
    if (npos == 0) return cli_error(CLI_USAGE, "read: missing ADDR and LEN (usage: %s)", usage);
    if (npos == 1) return cli_error(CLI_USAGE, "read: missing LEN (usage: %s)", usage);
    if (outpath && !*outpath) return cli_error(CLI_USAGE, "read: -o needs a FILE");
    if ((why = cli_parse_num(pos[0], &addr))) return cli_error(CLI_USAGE, "read: address '%s': %s", pos[0], why);
    if ((why = cli_parse_len(pos[1], &len))) return cli_error(CLI_USAGE, "read: length '%s': %s", pos[1], why);
    if (len == 0) return cli_error(CLI_USAGE, "read: length must be at least 1 byte");
    if (len > CLI_MAX_READ)
        return cli_error(CLI_USAGE, "read: length %s (%llu bytes) is over the 1 GiB limit of one read", pos[1],
                         (cli_ull)len);
    if (addr + (len - 1) < addr)
        return cli_error(CLI_USAGE, "read: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                         (cli_ull)addr, (cli_ull)len);
    memset(&r, 0, sizeof r);
    r.c = c;
    if (virt) {
        if ((rc = spid ? cli_pid_virt(c, "read", spid, &r.v) : cli_virt_get(c, &r.v)) != CLI_OK) return rc;
        page = (uint64_t)1 << r.v->page_shift;
    } else {
        cli_target *t;
        if ((rc = cli_target_get(c, &t)) != CLI_OK) return rc;
    }
    if (outpath && (rc = cli_outfile_open(&of, outpath, 1, "read")) != CLI_OK) return rc;
    last = addr + (len - 1);
    while (width < 16 && (last >> (4 * width))) width++;
    r.buf = (uint8_t *)cli_alloc(CLI_CHUNK);
    r.st = (uint8_t *)cli_alloc(CLI_CHUNK);
    r.ops = (memintro_op *)cli_alloc((CLI_CHUNK / 4096 + 2) * sizeof(memintro_op));
    cli_obj(o, 0);
    cli_hex(o, "address", 0, addr);
    cli_num(o, "length", 0, len);
    cli_str(o, "space", 0, virt ? "virtual" : "physical");
    if (spid) {
        uint64_t pid = 0;
        cli_parse_num(spid, &pid); /* checked above */
        cli_num(o, "pid", 0, pid);
    }
    if (outpath)
        cli_str(o, "file", 0, outpath);
    else
        cli_data_begin(o, "data");
    cli_progress_begin(&prog, "read", len);
    if (!outpath || of.is_stdout || len < (8u << 20)) prog.on = 0; /* a bar only for big reads to a file */
    rc = CLI_OK;
    for (done = 0; done < len;) {
        size_t n = len - done < CLI_CHUNK ? (size_t)(len - done) : CLI_CHUNK;
        cli_read_chunk(&r, addr + done, n, page);
        if (outpath) {
            if (of.is_stdout) fflush(stdout);
            if ((e = cli_outfile_write(&of, r.buf, n)) != 0) {
                cli_outfile_abort(&of);
                rc = cli_error(CLI_FAIL, "read: cannot write %s: %s%s", of.is_stdout ? "stdout" : outpath,
                               strerror(e), of.is_stdout || of.in_place ? "" : "; no file was left behind");
                outpath = 0;
                break;
            }
        } else {
            cli_data(o, addr + done, r.buf, r.st, n, width);
        }
        done += n;
        cli_progress_update(&prog, done);
    }
    cli_progress_end(&prog, done);
    if (outpath) {
        if ((e = cli_outfile_commit(&of, &why)) != 0)
            rc = cli_error(CLI_FAIL, "read: cannot %s %s: %s", why, outpath, strerror(e));
    } else if (rc == CLI_OK) {
        cli_data_end(o);
    }
    {
        size_t k;
        cli_num(o, "unreadable_bytes", 0, r.missing);
        cli_arr(o, "unreadable");
        for (k = 0; k < r.nbad; k++) {
            cli_obj(o, 0);
            cli_hex(o, "start", 0, r.bad[k].start);
            cli_hex(o, "end", 0, r.bad[k].end);
            cli_str(o, "error", 0, memintro_status_str(r.bad[k].why));
            cli_end(o);
        }
        cli_end(o);
        cli_end(o);
    }
    if (rc == CLI_OK && r.missing) {
        cli_warn("%llu of %llu bytes could not be read (first at 0x%llx: %s)%s", (cli_ull)r.missing, (cli_ull)len,
                 (cli_ull)r.bad[0].start, memintro_status_str(r.bad[0].why),
                 outpath ? "; they were written as zeros" : "");
        rc = CLI_FAIL;
    }
    free(r.buf);
    free(r.st);
    free(r.ops);
    free(r.bad);
    return rc;
}

/* ---- search --------------------------------------------------------------------------- */

#define CLI_SEARCH_CHUNK (64ull << 20) /* scanned per call (progress granularity) */
#define CLI_SEARCH_CONTEXT 64         /* bytes shown after each match */

typedef struct cli_search {
    uint64_t *hit;
    size_t n, cap, max;
    uint64_t limit; /* matches at or above belong to the next chunk */
    int full;
} cli_search;

static int cli_search_hit(void *user, uint64_t addr)
{
    cli_search *s = (cli_search *)user;
    if (addr >= s->limit) return 0;
    if (s->n == s->max) {
        s->full = 1;
        return 1;
    }
    if (s->n == s->cap) s->hit = (uint64_t *)cli_grow(s->hit, &s->cap, sizeof *s->hit);
    s->hit[s->n++] = addr;
    return 0;
}

/* Parses --max/--align values. Returns CLI_OK or CLI_USAGE (error printed). */
static int cli_search_num(const char *opt, const char *v, uint64_t *out)
{
    const char *why = cli_parse_num(v, out);
    if (why) return cli_error(CLI_USAGE, "search: %s '%s': %s", opt, v, why);
    return CLI_OK;
}

int cmd_search(cli_ctx *c, int argc, char **argv)
{
    const char *pos[3], *why, *vmax = 0, *valign = 0;
    int npos = 0, virt = 0, hex = 0, rc, masked = 0;
    uint64_t start = 0, len = 0, max = 100, align = 1, scanned = 0, total = 0;
    uint8_t pat[4096], mask[4096];
    size_t plen = 0, k, nspans = 0;
    uint64_t(*spans)[2] = 0;
    cli_target *t;
    memintro_virt *vs = 0;
    memintro_status st = MEMINTRO_OK;
    cli_search sr;
    cli_progress prog;
    cli_out *o = &c->out;
    void *work;
    const size_t work_size = (1u << 20) + 4096;
    const cli_optspec spec[] = {{"--virt", 0, 0, &virt, 0},
                                {"--hex", 0, 0, &hex, 0},
                                {"--max", 0, "number", 0, &vmax},
                                {"--align", 0, "number", 0, &valign}};
    static const char usage[] = "search [--hex] [--virt] PATTERN [START LEN]";
    if ((rc = cli_args("search", argc, argv, spec, 4, pos, 3, &npos, usage,
                       "a pattern starting with '-' goes after --")) != CLI_OK)
        return rc;
    if (vmax) {
        if (cli_search_num("--max", vmax, &max) != CLI_OK) return CLI_USAGE;
        if (max == 0) return cli_error(CLI_USAGE, "search: --max must be at least 1");
    }
    if (valign) {
        if (cli_search_num("--align", valign, &align) != CLI_OK) return CLI_USAGE;
        if (align == 0 || (align & (align - 1)))
            return cli_error(CLI_USAGE, "search: --align '%s' is not a power of two", valign);
    }
    if (npos == 0) return cli_error(CLI_USAGE, "search: missing PATTERN (usage: %s)", usage);
    if (npos == 2) return cli_error(CLI_USAGE, "search: START needs a LEN (usage: search PATTERN [START LEN])");
    if (hex) {
        if ((why = cli_parse_bytes(pos[0], pat, mask, sizeof pat, &plen)))
            return cli_error(CLI_USAGE, "search: --hex pattern '%s': %s", pos[0], why);
        for (k = 0; k < plen && mask[k]; k++) {}
        masked = k < plen;
        for (k = 0; k < plen && !mask[k]; k++) {}
        if (plen && k == plen) return cli_error(CLI_USAGE, "search: --hex pattern '%s' is all wildcards", pos[0]);
    } else {
        plen = strlen(pos[0]);
        if (plen > sizeof pat) return cli_error(CLI_USAGE, "search: pattern longer than 4096 bytes");
        memcpy(pat, pos[0], plen);
    }
    if (!plen) return cli_error(CLI_USAGE, "search: empty pattern");
    if (npos == 3) {
        if ((why = cli_parse_num(pos[1], &start))) return cli_error(CLI_USAGE, "search: START '%s': %s", pos[1], why);
        if ((why = cli_parse_len(pos[2], &len))) return cli_error(CLI_USAGE, "search: LEN '%s': %s", pos[2], why);
        if (len == 0) return cli_error(CLI_USAGE, "search: LEN must be at least 1 byte");
        if (start + (len - 1) < start)
            return cli_error(CLI_USAGE, "search: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                             (cli_ull)start, (cli_ull)len);
    } else if (virt) {
        return cli_error(CLI_USAGE, "search --virt needs START and LEN (a guest-virtual range)");
    }
    if (virt) {
        if ((rc = cli_virt_get(c, &vs)) != CLI_OK) return rc;
        t = &c->t;
    } else if ((rc = cli_target_get(c, &t)) != CLI_OK) {
        return rc;
    }
    /* what to scan: the target's ranges (address-contiguous ones joined, so a match may span
       them), cut to [START, START+LEN); guest-virtual ranges as given */
    spans = (uint64_t(*)[2])cli_alloc(((t->map ? t->map->count : 0) + 1) * sizeof *spans);
    {
        /* ends are exclusive; one that would be 2^64 is clamped to 2^64-1 */
        uint64_t lo = npos == 3 ? start : 0, hi = UINT64_MAX;
        if (npos == 3 && start + len > start) hi = start + len;
        if (virt || !t->map) {
            if (npos != 3) {
                free(spans);
                return cli_error(CLI_USAGE, "search: the target's memory map is unknown: give START and LEN");
            }
            spans[0][0] = lo;
            spans[0][1] = hi;
            nspans = 1;
        } else {
            for (k = 0; k < t->map->count; k++) {
                const memintro_range *r = &t->map->ranges[k];
                uint64_t a = r->start, b = r->start + r->size;
                if (b <= a) b = UINT64_MAX;
                if (a < lo) a = lo;
                if (b > hi) b = hi;
                if (a >= b) continue;
                if (nspans && spans[nspans - 1][1] == a) {
                    spans[nspans - 1][1] = b;
                } else {
                    spans[nspans][0] = a;
                    spans[nspans][1] = b;
                    nspans++;
                }
            }
        }
    }
    if (!nspans) {
        free(spans);
        return cli_error(CLI_FAIL, "search: 0x%llx-0x%llx holds none of the target's memory (see info)",
                         (cli_ull)start, (cli_ull)(start + len));
    }
    for (k = 0; k < nspans; k++) total += spans[k][1] - spans[k][0];
    memset(&sr, 0, sizeof sr);
    sr.max = (size_t)(max > 100000000 ? 100000000 : max);
    work = cli_alloc(work_size);
    cli_progress_begin(&prog, "search", total);
    if (total < (256u << 20)) prog.on = 0; /* a bar only for long scans */
    for (k = 0; k < nspans && !sr.full && st == MEMINTRO_OK; k++) {
        uint64_t a = spans[k][0], end = spans[k][1];
        while (!sr.full && a < end && st == MEMINTRO_OK) {
            uint64_t e = end - a > CLI_SEARCH_CHUNK ? a + CLI_SEARCH_CHUNK : end;
            /* scan a little past the chunk so a match that starts in it is seen whole; the
               callback drops matches that start at or after e (the next chunk's) */
            uint64_t se = e + (plen - 1);
            if (se > end || se < e) se = end;
            sr.limit = e;
            if (virt)
                st = memintro_scan_virt(vs, a, se, pat, masked ? mask : 0, plen, align, work, work_size,
                                        cli_search_hit, &sr);
            else
                st = memintro_scan_phys(t->phys, a, se, pat, masked ? mask : 0, plen, align, work, work_size,
                                        cli_search_hit, &sr);
            if (st == MEMINTRO_OK) scanned += e - a;
            cli_progress_update(&prog, scanned);
            a = e;
        }
    }
    cli_progress_end(&prog, scanned);
    free(work);
    free(spans);
    if (st != MEMINTRO_OK) {
        char h[32];
        free(sr.hit);
        return cli_error(CLI_FAIL, "search: %s, after %s of %s memory%s", memintro_status_str(st),
                         cli_human(scanned, h, sizeof h), virt ? "guest-virtual" : "guest-physical",
                         st == MEMINTRO_E_GONE ? "" : "; the search is incomplete");
    }
    /* what follows each match (one batch) */
    {
        uint8_t *ctx = (uint8_t *)cli_alloc(sr.n * CLI_SEARCH_CONTEXT + 1);
        memintro_op *ops = (memintro_op *)cli_alloc((sr.n + 1) * sizeof *ops);
        char hexpat[2 * 4096 + 1];
        memset(ops, 0, (sr.n + 1) * sizeof *ops);
        for (k = 0; k < sr.n; k++) {
            ops[k].addr = sr.hit[k];
            ops[k].buf = ctx + k * CLI_SEARCH_CONTEXT;
            ops[k].len = CLI_SEARCH_CONTEXT;
        }
        if (sr.n) {
            if (virt)
                memintro_virt_read(vs, ops, sr.n);
            else
                memintro_phys_read(t->phys, ops, sr.n);
        }
        for (k = 0; k < plen; k++) {
            if (masked && !mask[k])
                memcpy(hexpat + 2 * k, "??", 2);
            else
                snprintf(hexpat + 2 * k, 3, "%02x", pat[k]);
        }
        hexpat[2 * plen] = 0;
        cli_obj(o, 0);
        cli_str(o, "pattern", 0, hexpat);
        cli_num(o, "length", 0, plen);
        cli_str(o, "space", 0, virt ? "virtual" : "physical");
        cli_num(o, "scanned", 0, scanned);
        cli_num(o, "count", 0, sr.n);
        cli_bool(o, "truncated", 0, sr.full);
        cli_arr(o, "matches");
        for (k = 0; k < sr.n; k++) {
            char text[CLI_SEARCH_CONTEXT + 1];
            size_t j, m = ops[k].len - ops[k].missing; /* a partial read fails at its tail */
            if (ops[k].status != MEMINTRO_OK && ops[k].missing == ops[k].len) m = 0;
            for (j = 0; j < m; j++) {
                uint8_t ch = ctx[k * CLI_SEARCH_CONTEXT + j];
                text[j] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
            }
            text[m] = 0;
            cli_obj(o, 0);
            cli_hex(o, "address", "%s  ", sr.hit[k]);
            cli_str(o, "context", "%s\n", text);
            cli_end(o);
        }
        cli_end(o);
        cli_end(o);
        free(ctx);
        free(ops);
    }
    if (sr.full) cli_note("search: stopped after %llu matches (--max N for more)", (cli_ull)sr.n);
    rc = sr.n ? CLI_OK : CLI_FAIL;
    if (!sr.n) {
        char h[32];
        cli_note("search: no match in %s of %s memory", cli_human(scanned, h, sizeof h),
                 virt ? "guest-virtual" : "guest-physical");
    }
    free(sr.hit);
    return rc;
}

/* ---- write ---------------------------------------------------------------------------- */

int cmd_write(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2], *why;
    int npos = 0, virt = 0, rc;
    uint64_t addr;
    size_t n;
    uint8_t *bytes;
    memintro_op op;
    memintro_virt *v = 0;
    cli_target *t;
    cli_out *o = &c->out;
    const cli_optspec spec[] = {{"--virt", 0, 0, &virt, 0}};
    static const char usage[] = "write [--virt] ADDR HEXBYTES";
    if ((rc = cli_args("write", argc, argv, spec, 1, pos, 2, &npos, usage, 0)) != CLI_OK) return rc;
    if (npos < 2)
        return cli_error(CLI_USAGE, "write: missing %s (usage: %s)", npos ? "HEXBYTES" : "ADDR", usage);
    if ((why = cli_parse_num(pos[0], &addr))) return cli_error(CLI_USAGE, "write: address '%s': %s", pos[0], why);
    bytes = (uint8_t *)cli_alloc(strlen(pos[1]) / 2 + 1);
    if ((why = cli_parse_bytes(pos[1], bytes, 0, strlen(pos[1]) / 2 + 1, &n)) || !n) {
        free(bytes);
        return cli_error(CLI_USAGE, "write: bytes '%s': %s", pos[1], why ? why : "none given");
    }
    if (addr + (n - 1) < addr) {
        free(bytes);
        return cli_error(CLI_USAGE, "write: 0x%llx + %llu bytes runs past the end of the 64-bit address space",
                         (cli_ull)addr, (cli_ull)n);
    }
    rc = virt ? cli_virt_get(c, &v) : cli_target_get(c, &t);
    if (rc != CLI_OK) {
        free(bytes);
        return rc;
    }
    t = &c->t;
    if (!t->writable) {
        free(bytes);
        return cli_error(CLI_FAIL, "write: the target is read-only%s",
                         t->live ? " (open it for writing: add ,write to -c)" : " (dumps and images are never written)");
    }
    memset(&op, 0, sizeof op);
    op.addr = addr;
    op.buf = bytes;
    op.len = n;
    if (virt)
        memintro_virt_write(v, &op, 1);
    else
        memintro_phys_write(t->phys, &op, 1);
    free(bytes);
    if (op.status != MEMINTRO_OK)
        return cli_error(CLI_FAIL, "write: %llu of %llu bytes at %s 0x%llx were not written: %s", (cli_ull)op.missing,
                         (cli_ull)n, virt ? "guest-virtual" : "guest-physical", (cli_ull)addr,
                         memintro_status_str(op.status));
    cli_obj(o, 0);
    cli_text(o, "wrote %llu byte%s at ", (cli_ull)n, n == 1 ? "" : "s");
    cli_hex(o, "address", 0, addr);
    cli_num(o, "length", 0, n);
    cli_str(o, "space", "guest-%s ", virt ? "virtual" : "physical");
    cli_text(o, "0x%llx\n", (cli_ull)addr);
    cli_end(o);
    return CLI_OK;
}
