/*
 * qmp.h - a minimal QMP client over a unix socket: negotiate, run one
 * command at a time (events are skipped), read device counters, quit.
 */
#ifndef PIT_QMP_H
#define PIT_QMP_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct Qmp Qmp;

/* Connect and send qmp_capabilities; retries until `timeout_s`. */
Qmp *qmp_connect(const char *path, double timeout_s, GError **error);
/*
 * Run `{"execute": cmd, "arguments": args}` (args may be NULL) and return
 * its "return" value (a new JsonNode), or NULL with an error.
 */
JsonNode *qmp_execute(Qmp *q, const char *cmd, JsonObject *args,
                      double timeout_s, GError **error);
/* "running", "shutdown", "guest-panicked", ...; NULL on error. */
char *qmp_status(Qmp *q, GError **error);
/*
 * Every QOM property of `path` whose name starts with "stat-", as a JSON
 * object name -> integer; an empty object when the device has none.
 */
JsonObject *qmp_device_counters(Qmp *q, const char *path);
void qmp_close(Qmp *q);

#endif
