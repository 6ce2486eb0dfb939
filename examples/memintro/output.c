/* memintro CLI: the output layer (output.h): records as text or JSON. */
#include "output.h"

#include <stdarg.h>
#include <string.h>

void cli_out_init(cli_out *o, FILE *f, int json)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->json = json;
}

static void cli__json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* Before an element: the separator, the element's line in a list, and its key. */
static void cli__key(cli_out *o, const char *key)
{
    int d = o->depth > CLI_OUT_DEPTH ? CLI_OUT_DEPTH : o->depth; /* deeper levels share the last */
    if (d > 0) {
        if (!o->first[d - 1]) fputc(',', o->f);
        if (o->list[d - 1]) fputs("\n  ", o->f);
        o->first[d - 1] = 0;
    }
    if (key && d > 0) {
        cli__json_str(o->f, key);
        fputc(':', o->f);
    }
}

static void cli__open(cli_out *o, const char *key, char ch)
{
    if (!o->json) return;
    cli__key(o, key);
    fputc(ch, o->f);
    if (o->depth < CLI_OUT_DEPTH) {
        o->first[o->depth] = 1;
        o->list[o->depth] = ch == '[' && o->depth == 0;
        o->arr[o->depth] = ch == '[';
    }
    o->depth++;
}

void cli_obj(cli_out *o, const char *key)
{
    cli__open(o, key, '{');
}

void cli_arr(cli_out *o, const char *key)
{
    cli__open(o, key, '[');
}

void cli_end(cli_out *o)
{
    int d;
    if (!o->json || o->depth == 0) return;
    d = --o->depth;
    if (d >= CLI_OUT_DEPTH) return;
    if (o->list[d] && !o->first[d]) fputc('\n', o->f);
    fputc(o->arr[d] ? ']' : '}', o->f);
    if (d == 0) fputc('\n', o->f);
}

/* The text form of a field: fmt (a printf format with one %s, width allowed) with the
   value. */
static void cli__text(cli_out *o, const char *fmt, const char *value)
{
    if (fmt) fprintf(o->f, fmt, value);
}

void cli_str(cli_out *o, const char *key, const char *text, const char *value)
{
    if (!value) value = "";
    if (!o->json) {
        cli__text(o, text, value);
        return;
    }
    cli__key(o, key);
    cli__json_str(o->f, value);
}

static void cli__raw(cli_out *o, const char *key, const char *text, const char *json, const char *shown)
{
    if (!o->json) {
        cli__text(o, text, shown);
        return;
    }
    cli__key(o, key);
    fputs(json, o->f);
}

void cli_hex(cli_out *o, const char *key, const char *text, uint64_t value)
{
    char s[32], q[40];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)value);
    snprintf(q, sizeof q, "\"%s\"", s);
    cli__raw(o, key, text, q, s);
}

void cli_num(cli_out *o, const char *key, const char *text, uint64_t value)
{
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)value);
    cli__raw(o, key, text, s, s);
}

void cli_bool(cli_out *o, const char *key, const char *text, int value)
{
    cli__raw(o, key, text, value ? "true" : "false", value ? "yes" : "no");
}

void cli_null(cli_out *o, const char *key, const char *text)
{
    cli__raw(o, key, text, "null", "");
}

void cli_real(cli_out *o, const char *key, const char *text, double value)
{
    char s[48];
    snprintf(s, sizeof s, "%.3f", value);
    cli__raw(o, key, text, s, s);
}

void cli_text(cli_out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->json) return;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

void cli_data_begin(cli_out *o, const char *key)
{
    if (!o->json) return;
    cli__key(o, key);
    fputc('"', o->f);
}

void cli_data_end(cli_out *o)
{
    if (o->json) fputc('"', o->f);
}

static const char cli__hx[] = "0123456789abcdef";

void cli_data(cli_out *o, uint64_t addr, const uint8_t *buf, const uint8_t *st, size_t n, int width)
{
    size_t i, k;
    char line[128];
    if (o->json) {
        for (k = 0; k < n; k++) {
            fputc(cli__hx[buf[k] >> 4], o->f);
            fputc(cli__hx[buf[k] & 15], o->f);
        }
        return;
    }
    for (i = 0; i < n; i += 16) {
        size_t m = n - i < 16 ? n - i : 16;
        uint64_t a = addr + i;
        int p = width, d;
        for (d = width - 1; d >= 0; d--, a >>= 4) line[d] = cli__hx[a & 15];
        line[p++] = ' ';
        line[p++] = ' ';
        for (k = 0; k < 16; k++) {
            if (k == 8) line[p++] = ' ';
            if (k >= m) {
                line[p++] = ' ';
                line[p++] = ' ';
            } else if (st[i + k]) {
                line[p++] = '?';
                line[p++] = '?';
            } else {
                line[p++] = cli__hx[buf[i + k] >> 4];
                line[p++] = cli__hx[buf[i + k] & 15];
            }
            line[p++] = ' ';
        }
        line[p++] = ' ';
        line[p++] = '|';
        for (k = 0; k < m; k++) {
            uint8_t ch = buf[i + k];
            line[p++] = st[i + k] ? '?' : (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
        }
        line[p++] = '|';
        line[p++] = '\n';
        fwrite(line, 1, (size_t)p, o->f);
    }
}
