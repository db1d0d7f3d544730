/*
 * result.c - reading what the guest reported.  Missing members read as
 * zero: the guest promises every section, and when it breaks that
 * promise a zero cannot turn a failure into a pass because the status
 * and the step return codes are checked too.
 */
#include "result.h"
#include "pit-defs.h"
#include "util.h"

#include <string.h>

#define BEGIN PIT_RESULT_BEGIN
#define END PIT_RESULT_END

char *result_extract(const char *raw, gsize len)
{
    const char *b = g_strstr_len(raw, len, BEGIN);
    const char *e;

    if (!b) {
        return NULL;
    }
    b += strlen(BEGIN);
    e = g_strstr_len(b, len - (b - raw), END);
    if (!e) {
        return NULL;
    }
    /* ttyS1 may turn \n into \r\n: JSON does not mind the \r. */
    return g_strstrip(g_strndup(b, e - b));
}

GuestResult *result_parse(const char *json, GError **error)
{
    g_autoptr(JsonParser) p = json_parser_new();
    GuestResult *r;

    if (!json_parser_load_from_data(p, json, -1, error)) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "the guest result is not a JSON object");
        return NULL;
    }
    r = g_new0(GuestResult, 1);
    r->root = json_node_copy(json_parser_get_root(p));
    return r;
}

void result_free(GuestResult *r)
{
    if (r) {
        json_node_unref(r->root);
        g_free(r);
    }
}

static JsonObject *obj(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *arr(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static uint64_t num(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    if (!n || !JSON_NODE_HOLDS_VALUE(n)) {
        return 0;
    }
    if (json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
        return json_node_get_boolean(n);
    }
    if (json_node_get_value_type(n) == G_TYPE_DOUBLE) {
        return (uint64_t)json_node_get_double(n);
    }
    gint64 v = json_node_get_int(n);
    return v < 0 ? 0 : (uint64_t)v;
}

static const char *str(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) &&
                   json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

void result_fill_facts(const GuestResult *r, RunFacts *f)
{
    JsonObject *root = json_node_get_object(r->root);
    JsonObject *dm = obj(root, "dmesg");
    JsonArray *a;

    f->have_result = true;
    f->booted = true;
    f->status = str(root, "status");
    f->error = str(root, "error");

    a = arr(root, "steps");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *s = json_array_get_object_element(a, i);
        if (num(s, "rc")) {
            if (!f->steps_failed++) {
                f->first_failed_step = str(s, "cmd");
            }
        }
    }
    a = arr(root, "dio");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *d = json_array_get_object_element(a, i);
        JsonObject *we = obj(d, "write_errors"), *re = obj(d, "read_errors");
        f->dio_write_eilseq += num(we, "EILSEQ");
        f->dio_write_eio += num(we, "EIO");
        f->dio_write_other += num(we, "other");
        f->dio_read_eilseq += num(re, "EILSEQ");
        f->dio_read_eio += num(re, "EIO");
        f->dio_read_other += num(re, "other");
        f->dio_silent_mismatch += num(obj(d, "verify"), "silent_mismatch");
        f->dio_neither += num(obj(d, "later"), "neither");
    }
    f->dmesg_protection = num(dm, "protection_errors");
    f->dmesg_nvme = num(dm, "nvme_errors");
    f->dmesg_io = num(dm, "io_errors");
    f->dmesg_btrfs_csum = num(dm, "btrfs_csum_failures");
    f->dmesg_warn = num(dm, "warn");
    f->dmesg_bug = num(dm, "bug");
    f->dmesg_oops = num(dm, "oops");
    f->dmesg_kasan = num(dm, "kasan");
    a = arr(root, "md");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        f->md_mismatch +=
            num(json_array_get_object_element(a, i), "mismatch_cnt");
    }
    a = arr(root, "fs_checks");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);
        JsonNode *clean = json_object_get_member(c, "clean");
        if ((clean && JSON_NODE_HOLDS_VALUE(clean) &&
             !json_node_get_boolean(clean)) ||
            num(c, "rc")) {
            f->fs_unclean++;
        }
    }
}

char *result_dmesg_text(const GuestResult *r)
{
    JsonArray *a = arr(obj(json_node_get_object(r->root), "dmesg"), "lines");
    GString *s = g_string_new(NULL);

    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        const char *l = json_array_get_string_element(a, i);
        g_string_append_printf(s, "%s\n", l ? l : "");
    }
    return g_string_free(s, FALSE);
}

char *result_to_pretty(const GuestResult *r)
{
    g_autoptr(JsonGenerator) g = json_generator_new();

    json_generator_set_root(g, r->root);
    json_generator_set_pretty(g, TRUE);
    return json_generator_to_data(g, NULL);
}

const char *result_kernel(const GuestResult *r)
{
    return str(json_node_get_object(r->root), "kernel");
}
