/*
 * json-util.h - the few json-glib idioms pit's modules share: adding a
 * member of each kind to a JsonBuilder (NULL and NAN become null), reading
 * a member of one type or NULL (never a critical warning on a missing or
 * mistyped member), and loading/writing a JSON file.
 */
#ifndef PIT_JSON_UTIL_H
#define PIT_JSON_UTIL_H

#include <glib.h>
#include <json-glib/json-glib.h>

void pit_json_add_str(JsonBuilder *b, const char *k, const char *v);
void pit_json_add_int(JsonBuilder *b, const char *k, gint64 v);
void pit_json_add_num(JsonBuilder *b, const char *k, double v);
void pit_json_add_strv(JsonBuilder *b, const char *k, char **v);

JsonObject *pit_json_object(JsonObject *o, const char *k);
JsonArray *pit_json_array(JsonObject *o, const char *k);
const char *pit_json_string(JsonObject *o, const char *k);

/* The parsed file, or NULL when it is missing or not JSON. */
JsonNode *pit_json_load(const char *path);
/* Write `root` as pretty JSON to `path`, creating parent directories. */
gboolean pit_json_write(const char *path, JsonNode *root, GError **error);

#endif
