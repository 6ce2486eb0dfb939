/* memintro CLI: the output layer. A command describes its result once, as records of typed
   fields; the writer turns them into text or into JSON. Each field has a JSON key (NULL:
   the field is not in the JSON) and a text format, a printf format with one %s (a width
   may be given: "%-10s") that receives the value as text (NULL: the field is not in the text). Objects and arrays
   nest; in text mode they only group. Output streams: nothing is held back. */
#ifndef MEMINTRO_CLI_OUTPUT_H
#define MEMINTRO_CLI_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#define CLI_OUT_DEPTH 16

typedef struct cli_out {
    FILE *f;
    int json;
    int depth;                          /* open objects and arrays */
    unsigned char first[CLI_OUT_DEPTH]; /* per level: no element written yet */
    unsigned char list[CLI_OUT_DEPTH];  /* per level: a top-level array, one element a line */
    unsigned char arr[CLI_OUT_DEPTH];   /* per level: an array (else an object) */
} cli_out;

/* Writes to f as JSON (json != 0) or text. */
void cli_out_init(cli_out *o, FILE *f, int json);
/* Opens an object or array under `key` (NULL inside an array or at the top). */
void cli_obj(cli_out *o, const char *key);
void cli_arr(cli_out *o, const char *key);
/* Closes the innermost object or array; at the top the JSON ends with a newline. */
void cli_end(cli_out *o);
/* A string, a number shown as 0x hex (a JSON string), a number (a JSON number), a
   boolean, null. */
void cli_str(cli_out *o, const char *key, const char *text, const char *value);
void cli_hex(cli_out *o, const char *key, const char *text, uint64_t value);
void cli_num(cli_out *o, const char *key, const char *text, uint64_t value);
void cli_bool(cli_out *o, const char *key, const char *text, int value);
void cli_null(cli_out *o, const char *key, const char *text);
/* A number with three decimals (seconds). */
void cli_real(cli_out *o, const char *key, const char *text, double value);
/* Text only (nothing in the JSON). */
void cli_text(cli_out *o, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Guest bytes: a hexdump in text (16 a line, the address `width` hex digits wide,
   bytes whose st[i] is non-zero shown as ??), lowercase hex digits in one JSON string.
   Between cli_data_begin and cli_data_end, cli_data may be called many times. */
void cli_data_begin(cli_out *o, const char *key);
void cli_data(cli_out *o, uint64_t addr, const uint8_t *buf, const uint8_t *st, size_t n, int width);
void cli_data_end(cli_out *o);

#endif
