/*
 * qmp.c - QMP over a unix socket, line by line, synchronously with a
 * poll() timeout: pit only asks a handful of questions per run, so an
 * event loop would be more code than the problem.
 */
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct Qmp {
    int fd;
    GString *buf;
};

/* One JSON line from QEMU, parsed; NULL on timeout/EOF/garbage. */
static JsonNode *read_msg(Qmp *q, double deadline, GError **error)
{
    for (;;) {
        char *nl = memchr(q->buf->str, '\n', q->buf->len);
        if (nl) {
            g_autofree char *line = g_strndup(q->buf->str, nl - q->buf->str);
            g_string_erase(q->buf, 0, nl - q->buf->str + 1);
            g_autoptr(JsonParser) p = json_parser_new();
            if (!*g_strstrip(line)) {
                continue;
            }
            if (!json_parser_load_from_data(p, line, -1, error)) {
                return NULL;
            }
            return json_node_copy(json_parser_get_root(p));
        }
        double left = deadline - pit_now();
        struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
        if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                        "QMP: no answer in time");
            return NULL;
        }
        char chunk[4096];
        ssize_t n = read(q->fd, chunk, sizeof(chunk));
        if (n <= 0) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                        "QMP: connection closed");
            return NULL;
        }
        g_string_append_len(q->buf, chunk, n);
    }
}

static gboolean send_all(int fd, const char *s, GError **error)
{
    size_t len = strlen(s);

    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "QMP: write: %s",
                        g_strerror(errno));
            return FALSE;
        }
        s += n;
        len -= n;
    }
    return TRUE;
}

JsonNode *qmp_execute(Qmp *q, const char *cmd, JsonObject *args,
                      double timeout_s, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    double deadline = pit_now() + timeout_s;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, cmd);
    if (args) {
        json_builder_set_member_name(b, "arguments");
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);
        json_node_set_object(n, args);
        json_builder_add_value(b, n);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    if (!send_all(q->fd, text, error) || !send_all(q->fd, "\n", error)) {
        return NULL;
    }
    for (;;) {
        g_autoptr(JsonNode) msg = read_msg(q, deadline, error);
        if (!msg) {
            return NULL;
        }
        if (!JSON_NODE_HOLDS_OBJECT(msg)) {
            continue;
        }
        JsonObject *o = json_node_get_object(msg);
        if (json_object_has_member(o, "return")) {
            return json_node_copy(json_object_get_member(o, "return"));
        }
        if (json_object_has_member(o, "error")) {
            JsonObject *e = json_object_get_object_member(o, "error");
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "QMP %s: %s", cmd,
                        e ? json_object_get_string_member_with_default(
                                e, "desc", "error")
                          : "error");
            return NULL;
        }
        /* an event: skip */
    }
}

Qmp *qmp_connect(const char *path, double timeout_s, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    double deadline = pit_now() + timeout_s;
    Qmp *q;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "QMP socket path too long: %s", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && !connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
            break;
        }
        if (fd >= 0) {
            close(fd);
        }
        if (pit_now() > deadline) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                        "QMP: cannot connect to %s: %s", path,
                        g_strerror(errno));
            return NULL;
        }
        g_usleep(50000);
    }
    q = g_new0(Qmp, 1);
    q->fd = fd;
    q->buf = g_string_new(NULL);
    /* The greeting, then capabilities negotiation. */
    g_autoptr(JsonNode) greeting = read_msg(q, deadline + 5, error);
    g_autoptr(JsonNode) ok =
        greeting ? qmp_execute(q, "qmp_capabilities", NULL, 5, error) : NULL;
    if (!ok) {
        qmp_close(q);
        return NULL;
    }
    return q;
}

char *qmp_status(Qmp *q, GError **error)
{
    g_autoptr(JsonNode) r = qmp_execute(q, "query-status", NULL, 5, error);

    if (!r || !JSON_NODE_HOLDS_OBJECT(r)) {
        return NULL;
    }
    return g_strdup(json_object_get_string_member_with_default(
        json_node_get_object(r), "status", "unknown"));
}

JsonObject *qmp_device_counters(Qmp *q, const char *path)
{
    JsonObject *out = json_object_new();
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) list = NULL;

    json_object_set_string_member(args, "path", path);
    list = qmp_execute(q, "qom-list", args, 5, NULL);
    if (!list || !JSON_NODE_HOLDS_ARRAY(list)) {
        return out;
    }
    JsonArray *arr = json_node_get_array(list);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *prop = json_array_get_object_element(arr, i);
        const char *name =
            json_object_get_string_member_with_default(prop, "name", "");
        if (!g_str_has_prefix(name, "stat-")) {
            continue;
        }
        g_autoptr(JsonObject) ga = json_object_new();
        json_object_set_string_member(ga, "path", path);
        json_object_set_string_member(ga, "property", name);
        g_autoptr(JsonNode) v = qmp_execute(q, "qom-get", ga, 5, NULL);
        if (v && JSON_NODE_HOLDS_VALUE(v)) {
            json_object_set_int_member(out, name, json_node_get_int(v));
        }
    }
    return out;
}

void qmp_close(Qmp *q)
{
    if (!q) {
        return;
    }
    close(q->fd);
    g_string_free(q->buf, TRUE);
    g_free(q);
}
