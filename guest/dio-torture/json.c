/*
 * json.c - streaming JSON writer with correct string escaping
 *
 * Strings are treated as UTF-8; bytes that are not part of a valid UTF-8
 * sequence (a device path can hold anything) are written as \u00XX, i.e.
 * read as Latin-1, so the output is always valid JSON.
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>

void json_init(struct json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->need_comma[0] = false;
}

/* Length of a valid UTF-8 sequence at s (multi-byte only), else 0. */
static int utf8_len(const unsigned char *s)
{
    int n;
    uint32_t cp;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return n;
}

void json_write_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        int n;

        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fprintf(f, "\\u%04x", c);
            } else if (c < 0x80) {
                fputc(c, f);
            } else if ((n = utf8_len(s)) > 0) {
                fwrite(s, 1, (size_t)n, f);
                s += n;
                continue;
            } else {
                fprintf(f, "\\u%04x", c);
            }
        }
        s++;
    }
    fputc('"', f);
}

static void prefix(struct json *j, const char *key)
{
    if (j->need_comma[j->depth]) {
        fputc(',', j->f);
    }
    j->need_comma[j->depth] = true;
    if (key) {
        json_write_string(j->f, key);
        fputc(':', j->f);
    }
}

static void open_(struct json *j, const char *key, char c)
{
    prefix(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < JSON_MAX_DEPTH) {
        j->depth++;
    }
    j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0) {
        j->depth--;
    }
}

void json_obj_begin(struct json *j, const char *key)
{
    open_(j, key, '{');
}

void json_obj_end(struct json *j)
{
    close_(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
    open_(j, key, '[');
}

void json_arr_end(struct json *j)
{
    close_(j, ']');
}

void json_str(struct json *j, const char *key, const char *val)
{
    prefix(j, key);
    if (val) {
        json_write_string(j->f, val);
    } else {
        fputs("null", j->f);
    }
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
    prefix(j, key);
    fprintf(j->f, "%" PRIu64, val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
    prefix(j, key);
    fprintf(j->f, "%" PRId64, val);
}

void json_double(struct json *j, const char *key, double val)
{
    prefix(j, key);
    if (isfinite(val)) {
        fprintf(j->f, "%.6f", val);
    } else {
        fputs("null", j->f);
    }
}

void json_bool(struct json *j, const char *key, bool val)
{
    prefix(j, key);
    fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
    prefix(j, key);
    fputs("null", j->f);
}

void json_end(struct json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}
