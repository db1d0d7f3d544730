/*
 * json-util.c - json-glib helpers shared by pit's modules (json-util.h).
 */
#include "json-util.h"
#include "util.h"

#include <math.h>

void pit_json_add_str(JsonBuilder *b, const char *k, const char *v)
{
    json_builder_set_member_name(b, k);
    if (v) {
        json_builder_add_string_value(b, v);
    } else {
        json_builder_add_null_value(b);
    }
}

void pit_json_add_int(JsonBuilder *b, const char *k, gint64 v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_int_value(b, v);
}

void pit_json_add_num(JsonBuilder *b, const char *k, double v)
{
    json_builder_set_member_name(b, k);
    if (isnan(v)) {
        json_builder_add_null_value(b);
    } else {
        json_builder_add_double_value(b, v);
    }
}

void pit_json_add_strv(JsonBuilder *b, const char *k, char **v)
{
    json_builder_set_member_name(b, k);
    json_builder_begin_array(b);
    for (unsigned i = 0; v && v[i]; i++) {
        json_builder_add_string_value(b, v[i]);
    }
    json_builder_end_array(b);
}

JsonObject *pit_json_object(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonArray *pit_json_array(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

const char *pit_json_string(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) &&
                   json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

JsonNode *pit_json_load(const char *path)
{
    g_autoptr(JsonParser) jp = json_parser_new();

    if (!json_parser_load_from_file(jp, path, NULL) ||
        !json_parser_get_root(jp)) {
        return NULL;
    }
    return json_node_copy(json_parser_get_root(jp));
}

gboolean pit_json_write(const char *path, JsonNode *root, GError **error)
{
    g_autoptr(JsonGenerator) g = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    text = json_generator_to_data(g, NULL);
    return pit_write_file(path, text, -1, error);
}
