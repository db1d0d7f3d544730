/*
 * test-run-spec.c - run_prepare(): one run's names and paths, run.json,
 * and that the qemu command line and the libvirt XML are built from the
 * same spec.
 */
#include "run-spec.h"

#include <string.h>
#include <unistd.h>

static const char *ini = "[scenario]\n"
                         "description = d\n"
                         "timeout = 40\n"
                         "[device pi0]\n"
                         "size = 64M\n"
                         "ms = 8\n"
                         "pi = 1\n"
                         "mutation-log = true\n"
                         "[device plain]\n"
                         "model = nvme\n"
                         "size = 16M\n"
                         "[steps]\n"
                         "a = dio-torture --seed @SEED@ -t $DEV_pi0\n"
                         "[expect]\n"
                         "pass = *\n";

typedef struct Fixture {
    Scenario *scn;
    Kernel k;
    RunInputs in;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) e = NULL;

    (void)data;
    f->scn = scenario_parse("/s/demo.ini", ini, strlen(ini), &e);
    g_assert_no_error(e);
    f->k = (Kernel){ .spec = (char *)"debian:6.1",
                     .label = (char *)"debian-6.1",
                     .vmlinuz = (char *)"/k/vmlinuz",
                     .version = (char *)"6.1.170-1" };
    f->in = (RunInputs){ .kernel = &f->k,
                         .scn = f->scn,
                         .image = "/c/image.cpio.gz",
                         .dir = "/r/debian-6.1/demo/3",
                         .repeat = 3,
                         .seed = 42,
                         .accel = "tcg",
                         .qemu = "/q/qemu-system-x86_64",
                         .boot_slack_s = 100 };
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    scenario_free(f->scn);
}

static void test_paths(Fixture *f, gconstpointer data)
{
    g_autoptr(RunSpec) s = run_prepare(&f->in);

    (void)data;
    g_assert_cmpstr(s->run_id, ==, "debian-6.1.demo.3");
    g_assert_cmpstr(s->console, ==, "/r/debian-6.1/demo/3/console.log");
    g_assert_cmpstr(s->initrd, ==, "/r/debian-6.1/demo/3/initrd.img");
    g_assert_cmpstr(s->backend, ==, "qemu");
    g_assert_null(s->qmp); /* run_stage's business */
    g_assert_cmpuint(s->host_timeout_s, ==, 140);
    g_assert_cmpstr(g_ptr_array_index(s->backing, 1), ==,
                    "/r/debian-6.1/demo/3/plain.img");
    g_assert_null(g_ptr_array_index(s->backing, 2));
    /* only nvme-pi records mutations */
    g_assert_cmpstr(g_ptr_array_index(s->mutlog, 0), ==,
                    "/r/debian-6.1/demo/3/pi0.mutations.jsonl");
    g_assert_null(g_ptr_array_index(s->mutlog, 1));
    g_assert_cmpstr(g_ptr_array_index(s->device_ids, 0), ==, "pi0");
    g_assert_nonnull(strstr(s->append, "nvmepi.run=debian-6.1.demo.3"));
    g_assert_nonnull(strstr(s->job, "--seed 42 "));
    /* a libvirt domain per pit process and run */
    g_autofree char *dom =
        g_strdup_printf("pit-%d-debian-6.1.demo.3", (int)getpid());
    g_assert_cmpstr(s->domain, ==, dom);
}

static void test_json(Fixture *f, gconstpointer data)
{
    g_autoptr(RunSpec) s = run_prepare(&f->in);
    g_autofree char *text = run_spec_to_json(s);
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *o;

    (void)data;
    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    o = json_node_get_object(json_parser_get_root(p));
    g_assert_cmpstr(json_object_get_string_member(o, "kernel"), ==,
                    "debian:6.1");
    g_assert_cmpint(json_object_get_int_member(o, "seed"), ==, 42);
    g_assert_cmpint(json_object_get_int_member(o, "repeat"), ==, 3);
    g_assert_cmpstr(json_object_get_string_member(o, "append"), ==, s->append);
    g_assert_cmpuint(
        json_array_get_length(json_object_get_array_member(o, "devices")), ==,
        2);
}

/* both backends describe the machine from the one spec */
static void test_backends_agree(Fixture *f, gconstpointer data)
{
    g_autoptr(RunSpec) s = NULL;
    g_autoptr(GPtrArray) argv = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GString) all = g_string_new(NULL);

    (void)data;
    f->in.domain = "mine";
    s = run_prepare(&f->in);
    s->qmp = g_strdup("/t/qmp.sock");
    argv = run_spec_qemu_argv(s);
    for (unsigned i = 0; g_ptr_array_index(argv, i); i++) {
        g_string_append_printf(all, "%s ", (char *)g_ptr_array_index(argv, i));
    }
    xml = run_spec_domain_xml(s, NULL);
    g_assert_nonnull(strstr(all->str, s->append));
    g_assert_nonnull(strstr(xml, s->append));
    g_assert_nonnull(strstr(all->str, "unix:/t/qmp.sock"));
    g_assert_nonnull(strstr(xml, "/t/qmp.sock"));
    g_assert_nonnull(strstr(xml, "<name>mine</name>"));
    for (unsigned i = 0; i < 2; i++) {
        const char *b = g_ptr_array_index(s->backing, i);
        g_assert_nonnull(strstr(all->str, b));
        g_assert_nonnull(strstr(xml, b));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/run-spec/paths", Fixture, NULL, setup, test_paths, teardown);
    g_test_add("/run-spec/json", Fixture, NULL, setup, test_json, teardown);
    g_test_add("/run-spec/backends-agree", Fixture, NULL, setup,
               test_backends_agree, teardown);
    return g_test_run();
}
