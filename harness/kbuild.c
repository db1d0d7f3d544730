/*
 * kbuild.c - kernels built from source.  Owns the build: spec, the source
 * trees (Debian's linux-source-X.Y made a one-commit git repository by
 * scripts/kernel-source; a user's tree reached through a shared bare
 * clone in the cache so that nothing is written to it) and building one
 * commit through scripts/kernel-build, which caches the result by
 * (commit, configuration) and reuses one build dir per (tree,
 * configuration) so that moving along a series rebuilds incrementally.
 */
#include "kbuild.h"
#include "series.h"
#include "util.h"

#include "procs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUILD_FORMS                                                            \
    "build:debian:X.Y or build:PATH[@REV], optionally +SERIES and "            \
    ",config=FILE"

bool kbuild_spec_parse(const char *spec, KbuildSpec *out, GError **error)
{
    g_auto(GStrv) parts = NULL;
    g_autoptr(GPtrArray) cfgs = g_ptr_array_new_with_free_func(g_free);
    char *main_part, *plus, *at;

    memset(out, 0, sizeof(*out));
    if (!g_str_has_prefix(spec, "build:")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "kernel '%s' is not a build: spec (" BUILD_FORMS ")", spec);
        return false;
    }
    parts = g_strsplit(spec + 6, ",", -1);
    main_part = parts[0];
    for (unsigned i = 1; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "config=") && parts[i][7]) {
            if (!g_file_test(parts[i] + 7, G_FILE_TEST_IS_REGULAR)) {
                g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                            "kernel '%s': config fragment %s does not exist",
                            spec, parts[i] + 7);
                return false;
            }
            g_ptr_array_add(cfgs, g_canonicalize_filename(parts[i] + 7, NULL));
        } else {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': unknown option '%s' (only config=FILE)",
                        spec, parts[i]);
            return false;
        }
    }
    plus = strchr(main_part, '+');
    if (plus) {
        *plus = '\0';
        out->series = g_strdup(plus + 1);
    }
    /* debian:X.Y has no '@'; a path may, so take the last one */
    at = strrchr(main_part, '@');
    if (at && !g_str_has_prefix(main_part, "debian:")) {
        *at = '\0';
        out->rev = g_strdup(at + 1);
    }
    if (!*main_part || (out->rev && !*out->rev) ||
        (out->series && !*out->series)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "kernel '%s': expected " BUILD_FORMS, spec);
        kbuild_spec_clear(out);
        return false;
    }
    if (g_str_has_prefix(main_part, "debian:")) {
        const char *v = main_part + 7;
        if (!g_ascii_isdigit(*v) || !strchr(v, '.') ||
            strspn(v, "0123456789.") != strlen(v)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': '%s' is not a Debian source series; "
                        "try build:debian:7.2",
                        spec, v);
            kbuild_spec_clear(out);
            return false;
        }
    }
    out->tree = g_strdup(main_part);
    g_ptr_array_add(cfgs, NULL);
    out->configs = (char **)g_ptr_array_free(g_steal_pointer(&cfgs), FALSE);
    return true;
}

void kbuild_spec_clear(KbuildSpec *s)
{
    g_free(s->tree);
    g_free(s->rev);
    g_free(s->series);
    g_strfreev(s->configs);
    memset(s, 0, sizeof(*s));
}

void kbuild_tree_free(KbuildTree *t)
{
    if (!t) {
        return;
    }
    g_free(t->spec_tree);
    g_free(t->user);
    g_free(t->git);
    g_free(t->id);
    g_free(t->base);
    g_strfreev(t->configs);
    g_free(t);
}

/* In the child: a process group of its own, which the signal handler
 * asks to stop (procs_register_build) -- so a Ctrl-C stops make and its
 * compilers, not only pit. */
static void spawn_own_group(gpointer data)
{
    (void)data;
    setpgid(0, 0);
}

/* Read the child's stdout and stderr to their end, both at once (either
 * may fill its pipe while the other is read). */
static void read_both(int fds[2], GString *bufs[2])
{
    struct pollfd p[2];
    char chunk[4096];
    unsigned open_fds = 2;

    for (unsigned i = 0; i < 2; i++) {
        p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
    }
    while (open_fds) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue; /* a signal: the handler passed it on */
            }
            break;
        }
        for (unsigned i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            } else {
                g_string_append_len(bufs[i], chunk, n);
            }
        }
    }
}

/* Wait for the child, which leads its group: once it has exited (still
 * unreaped, so its id cannot name another group yet), kill what is left
 * of the group if pit was interrupted, then reap it. */
static int wait_group(GPid pid, bool own_group)
{
    siginfo_t info;
    int status = 0;

    while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    if (own_group) {
        if (procs_interrupted()) {
            kill(-pid, SIGKILL);
        }
        procs_unregister_build(pid);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

bool kbuild_spawn(const char *cwd, const char *const *argv, char **envp_add,
                  const char *stdin_file, char **out, char **err,
                  GError **error)
{
    g_auto(GStrv) envp = g_get_environ();
    g_autofree char *o = NULL, *e = NULL;
    int status = 0, fds[2];
    GPid pid;
    bool own_group = procs_handlers_installed();
    g_autoptr(GPtrArray) av = g_ptr_array_new();
    GString *bufs[2];

    envp = g_environ_setenv(envp, "NVME_PI_CACHE", pit_cache_dir(), TRUE);
    for (unsigned i = 0; envp_add && envp_add[i]; i++) {
        char *eq = strchr(envp_add[i], '=');
        g_autofree char *k = g_strndup(envp_add[i], eq - envp_add[i]);
        envp = g_environ_setenv(envp, k, eq + 1, TRUE);
    }
    /* stdin from a file goes through sh so the spawn can stay simple */
    if (stdin_file) {
        g_ptr_array_add(av, "/bin/sh");
        g_ptr_array_add(av, "-c");
        g_ptr_array_add(av, "f=$1; shift; exec \"$@\" < \"$f\"");
        g_ptr_array_add(av, "sh");
        g_ptr_array_add(av, (char *)stdin_file);
    }
    for (unsigned i = 0; argv[i]; i++) {
        g_ptr_array_add(av, (char *)argv[i]);
    }
    g_ptr_array_add(av, NULL);
    if (procs_interrupted()) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "%s: not started, pit was interrupted", argv[0]);
        return false;
    }
    /* Without pit's handlers (pit kernel fetch) the child stays in pit's
     * group: a Ctrl-C at the terminal then reaches it directly. */
    if (!g_spawn_async_with_pipes(cwd, (char **)av->pdata, envp,
                                  G_SPAWN_SEARCH_PATH |
                                      G_SPAWN_DO_NOT_REAP_CHILD |
                                      G_SPAWN_STDIN_FROM_DEV_NULL,
                                  own_group ? spawn_own_group : NULL, NULL,
                                  &pid, NULL, &fds[0], &fds[1], error)) {
        return false;
    }
    if (own_group) {
        setpgid(pid, pid); /* the child may not have run its setup yet */
        procs_register_build(pid);
    }
    bufs[0] = g_string_new(NULL);
    bufs[1] = g_string_new(NULL);
    read_both(fds, bufs);
    status = wait_group(pid, own_group);
    o = g_string_free(bufs[0], FALSE);
    e = g_string_free(bufs[1], FALSE);
    g_strchomp(o);
    g_strchomp(e);
    if (out) {
        *out = g_strdup(o);
    }
    if (err) {
        *err = g_strdup(e);
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        const char *last = strrchr(e, '\n');
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "%s: %s", argv[0],
                    last ? last + 1 : (*e ? e : "failed"));
        return false;
    }
    return true;
}

G_GNUC_NULL_TERMINATED
static char *git_out(const char *git, GError **error, ...)
{
    g_autoptr(GPtrArray) av = g_ptr_array_new();
    char *out = NULL;
    va_list ap;
    const char *a;

    g_ptr_array_add(av, "git");
    g_ptr_array_add(av, "-C");
    g_ptr_array_add(av, (char *)git);
    va_start(ap, error);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(av, (char *)a);
    }
    va_end(ap);
    g_ptr_array_add(av, NULL);
    if (!kbuild_spawn(NULL, (const char *const *)av->pdata, NULL, NULL, &out,
                      NULL, error)) {
        g_free(out);
        return NULL;
    }
    return out;
}

/* A user's tree: a shared bare clone in the cache (objects borrowed through
 * alternates), so worktrees and the commits of a series never touch it.
 * The clone is keyed by the tree's git dir, yet the repository there may
 * have been rewritten (rebase, reset) or replaced since: nothing is read
 * from the clone's refs, every revision is resolved in the tree itself
 * (kbuild_tree_rev), and a commit is named by its id from then on. */
static bool open_user_tree(const char *path, KbuildTree *t, GError **error)
{
    g_autofree char *abs = g_canonicalize_filename(path, NULL);
    g_autofree char *top = NULL, *key = NULL, *clone = NULL;
    g_autoptr(GError) e = NULL;

    if (!g_file_test(abs, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel tree %s does not exist (build:PATH wants a Linux "
                    "git tree; build:debian:X.Y builds Debian's source)",
                    abs);
        return false;
    }
    top = git_out(abs, &e, "rev-parse", "--absolute-git-dir", NULL);
    if (!top) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "%s is not a git tree (build:PATH wants a Linux git "
                    "tree; build:debian:X.Y builds Debian's source)",
                    abs);
        return false;
    }
    key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, top, -1);
    key[12] = '\0';
    clone = g_strdup_printf("%s/ktrees/tree-%s.git", pit_cache_dir(), key);
    if (!g_file_test(clone, G_FILE_TEST_IS_DIR)) {
        g_autofree char *tmp = g_strdup_printf("%s.tmp", clone);
        g_autofree char *parent = g_path_get_dirname(clone);
        const char *argv[] = { "git",      "clone", "-q", "--bare",
                               "--shared", abs,     tmp,  NULL };
        g_mkdir_with_parents(parent, 0755);
        if (!kbuild_spawn(NULL, argv, NULL, NULL, NULL, NULL, error)) {
            return false;
        }
        if (rename(tmp, clone) < 0) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "rename %s: %s",
                        tmp, g_strerror(errno));
            return false;
        }
    }
    t->git = g_steal_pointer(&clone);
    t->id = g_strdup_printf("tree-%s", key);
    t->user = g_steal_pointer(&abs);
    return true;
}

KbuildTree *kbuild_tree_open(const KbuildSpec *spec, GError **error)
{
    g_autoptr(KbuildTree) t = g_new0(KbuildTree, 1);

    t->spec_tree = g_strdup(spec->tree);
    t->configs = g_strdupv(spec->configs);
    if (g_str_has_prefix(spec->tree, "debian:")) {
        g_autofree char *script =
            g_build_filename(pit_srcdir(), "scripts", "kernel-source", NULL);
        const char *argv[] = { script, spec->tree, NULL };
        g_autofree char *dir = NULL;
        g_autoptr(GError) e = NULL;

        printf("source %s (Debian's linux-source, unpacked once)\n",
               spec->tree);
        if (!kbuild_spawn(NULL, argv, NULL, NULL, &t->git, NULL, &e)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND, "%s",
                        strstr(e->message, ": ") ? strstr(e->message, ": ") + 2
                                                 : e->message);
            return NULL;
        }
        dir = g_path_get_dirname(t->git);
        t->id = g_path_get_basename(dir);
    } else if (!open_user_tree(spec->tree, t, error)) {
        return NULL;
    }
    if (spec->rev && g_str_has_prefix(spec->tree, "debian:")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "build:%s has a single commit, the base: no @REV",
                    spec->tree);
        return NULL;
    }
    t->base = spec->rev && !g_str_has_prefix(spec->tree, "debian:")
                  ? kbuild_tree_rev(t, spec->rev, error)
                  : kbuild_tree_rev(t, "HEAD", error);
    if (!t->base) {
        return NULL;
    }
    return g_steal_pointer(&t);
}

/*
 * Delete the clone's refs whose objects are gone.  The clone's refs are
 * those of the tree when it was cloned and pit never reads them; once the
 * tree is rewritten (reset, gc) or replaced by another repository at the
 * same path, they name objects the alternates no longer hold, and git
 * fetch stops at them ("bad object refs/heads/main").
 */
static void clone_drop_dangling_refs(const KbuildTree *t)
{
    g_autofree char *refs = git_out(t->git, NULL, "for-each-ref",
                                    "--format=%(objectname) %(refname)", NULL);
    g_autofree char *list = NULL, *checked = NULL;
    g_autoptr(GString) ids = g_string_new(NULL);
    g_auto(GStrv) ref_lines = NULL, check_lines = NULL;
    int fd;

    if (!refs || !*refs) {
        return;
    }
    ref_lines = g_strsplit(refs, "\n", -1);
    for (unsigned i = 0; ref_lines[i]; i++) {
        if (*ref_lines[i]) {
            g_string_append_len(ids, ref_lines[i], strcspn(ref_lines[i], " "));
            g_string_append_c(ids, '\n');
        }
    }
    fd = g_file_open_tmp("pit-refs-XXXXXX", &list, NULL);
    if (fd < 0) {
        return;
    }
    close(fd);
    if (g_file_set_contents(list, ids->str, (gssize)ids->len, NULL)) {
        const char *argv[] = { "git",
                               "-C",
                               t->git,
                               "cat-file",
                               "--batch-check=%(objectname) %(objecttype)",
                               NULL };
        kbuild_spawn(NULL, argv, NULL, list, &checked, NULL, NULL);
    }
    unlink(list);
    if (!checked) {
        return;
    }
    /* one answer per line asked, in order: "ID missing" for a gone one */
    check_lines = g_strsplit(checked, "\n", -1);
    for (unsigned i = 0, j = 0; ref_lines[i] && check_lines[j]; i++) {
        const char *name = strchr(ref_lines[i], ' ');
        if (!*ref_lines[i]) {
            continue;
        }
        if (name && g_str_has_suffix(check_lines[j], " missing")) {
            g_free(git_out(t->git, NULL, "update-ref", "-d", name + 1, NULL));
        }
        j++;
    }
}

/*
 * Point the worktrees whose HEAD names a gone commit at an empty commit
 * of the clone's own.  kernel-build keeps one worktree per configuration
 * in the clone; one not built since the tree was rewritten keeps the old
 * commit as its HEAD, and git fetch stops at that too ("bad object
 * worktrees/src1/HEAD").  The worktree's files and index stay as they
 * are, so its next checkout (-f) still rewrites only the files that
 * differ, and make rebuilds only what changed.
 */
static void clone_repoint_dangling_worktrees(const KbuildTree *t)
{
    g_autofree char *list = NULL, *empty = NULL;
    g_auto(GStrv) lines = NULL;
    const char *path = NULL;

    g_free(git_out(t->git, NULL, "worktree", "prune", NULL));
    list = git_out(t->git, NULL, "worktree", "list", "--porcelain", NULL);
    if (!list) {
        return;
    }
    lines = g_strsplit(list, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        g_autofree char *q = NULL, *have = NULL;

        if (g_str_has_prefix(lines[i], "worktree ")) {
            path = lines[i] + 9;
            continue;
        }
        if (!path || !g_str_has_prefix(lines[i], "HEAD ")) {
            continue;
        }
        q = g_strdup_printf("%s^{commit}", lines[i] + 5);
        have = git_out(t->git, NULL, "cat-file", "-e", q, NULL);
        if (have) {
            continue;
        }
        if (!empty) {
            /* git's empty tree needs no object in the repository */
            empty = git_out(t->git, NULL, "-c", "user.name=pit", "-c",
                            "user.email=pit@localhost", "commit-tree",
                            "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m",
                            "pit: this worktree's commit is gone", NULL);
            if (!empty) {
                return;
            }
            g_strstrip(empty);
        }
        g_free(git_out(path, NULL, "update-ref", "--no-deref", "HEAD", empty,
                       NULL));
    }
}

/* A commit the user's tree has, into the clone if the clone cannot see
 * it (its alternates are the tree's objects, so it normally can). */
static bool clone_has(const KbuildTree *t, const char *commit, GError **error)
{
    g_autofree char *q = g_strdup_printf("%s^{tree}", commit);
    g_autofree char *have = NULL, *fetched = NULL;

    have = git_out(t->git, NULL, "cat-file", "-e", q, NULL);
    if (have) {
        return true;
    }
    clone_drop_dangling_refs(t);
    clone_repoint_dangling_worktrees(t);
    fetched =
        git_out(t->git, NULL, "-c", "gc.auto=0", "-c", "maintenance.auto=false",
                "fetch", "-q", "--no-tags", t->user, commit, NULL);
    g_clear_pointer(&have, g_free);
    have = fetched ? git_out(t->git, NULL, "cat-file", "-e", q, NULL) : NULL;
    if (!have) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "%.12s of %s is missing from pit's clone %s; remove "
                    "the clone and run again",
                    commit, t->user, t->git);
        return false;
    }
    return true;
}

char *kbuild_tree_rev(const KbuildTree *t, const char *rev, GError **error)
{
    g_autofree char *q = g_strdup_printf("%s^{commit}", rev);
    g_autoptr(GError) e = NULL;
    const char *where = t->user ? t->user : t->git;
    char *c = git_out(where, &e, "rev-parse", "--verify", "-q", q, NULL);
    g_autofree char *refs = NULL;

    if (c && t->user && !clone_has(t, c, error)) {
        g_free(c);
        return NULL;
    }
    if (c) {
        return c;
    }
    refs = git_out(where, NULL, "for-each-ref", "--count=12",
                   "--sort=-committerdate", "--format=%(refname:short)",
                   "refs/heads", "refs/tags", NULL);
    if (refs) {
        g_strdelimit(refs, "\n", ' ');
    }
    g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                "no revision '%s' in %s; it has: %s (or any commit id)", rev,
                t->spec_tree, refs && *refs ? refs : "no branches or tags");
    return NULL;
}

GPtrArray *kbuild_tree_range(const KbuildTree *t, const char *a, const char *b,
                             GError **error)
{
    g_autofree char *ca = kbuild_tree_rev(t, a, error);
    g_autofree char *cb = ca ? kbuild_tree_rev(t, b, error) : NULL;
    g_autofree char *range = NULL, *list = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *out;

    if (!cb) {
        return NULL;
    }
    range = g_strdup_printf("%s..%s", ca, cb);
    list = git_out(t->git, error, "rev-list", "--reverse", "--ancestry-path",
                   range, NULL);
    if (!list) {
        return NULL;
    }
    out = g_ptr_array_new_with_free_func(g_free);
    lines = g_strsplit(list, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        if (*lines[i]) {
            g_ptr_array_add(out, g_strdup(lines[i]));
        }
    }
    if (!out->len) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s..%s is empty: %s is not an ancestor of %s with "
                    "commits between",
                    a, b, a, b);
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

char *kbuild_tree_subject(const KbuildTree *t, const char *commit)
{
    char *s = git_out(t->git, NULL, "log", "-1", "--format=%s", commit, NULL);
    return s ? s : g_strdup("?");
}

Kernel *kbuild_build(const KbuildTree *t, const char *commit,
                     const char *label_spec, char **build_log, bool *cached,
                     GError **error)
{
    g_autofree char *script =
        g_build_filename(pit_srcdir(), "scripts", "kernel-build", NULL);
    g_autoptr(GPtrArray) av = g_ptr_array_new();
    g_autofree char *dir = NULL, *err = NULL, *name = NULL;
    g_autoptr(GError) e = NULL;
    Kernel *k;

    g_ptr_array_add(av, script);
    g_ptr_array_add(av, "--tree");
    g_ptr_array_add(av, t->git);
    g_ptr_array_add(av, "--rev");
    g_ptr_array_add(av, (char *)commit);
    g_ptr_array_add(av, "--id");
    g_ptr_array_add(av, t->id);
    for (unsigned i = 0; t->configs && t->configs[i]; i++) {
        g_ptr_array_add(av, "--config");
        g_ptr_array_add(av, t->configs[i]);
    }
    g_ptr_array_add(av, NULL);
    if (build_log) {
        *build_log = NULL;
    }
    if (cached) {
        *cached = false;
    }
    if (!kbuild_spawn(NULL, (const char *const *)av->pdata, NULL, NULL, &dir,
                      &err, &e)) {
        const char *lp = err ? strstr(err, "log: ") : NULL;
        bool from_cache = err && strstr(err, "kernel-build: cached failure");
        g_autofree char *log =
            lp ? g_strndup(lp + 5, strcspn(lp + 5, "\n")) : NULL;

        if (procs_interrupted()) {
            /* kernel-build published nothing and cached no failure */
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                        "the build of %.12s was stopped: pit was "
                        "interrupted; nothing of it is marked built",
                        commit);
            return NULL;
        }
        if (log && !from_cache) {
            /* kernel-build left the failure's key; it becomes the cached
             * failure only when the log shows the source's own error */
            g_autofree char *text = NULL;
            g_autofree char *fdir = g_path_get_dirname(log);
            g_autofree char *knew = g_build_filename(fdir, "key.new", NULL);
            g_autofree char *key = g_build_filename(fdir, "key", NULL);
            if (g_file_get_contents(log, &text, NULL, NULL) &&
                kbuild_failure_cacheable(text, NULL) &&
                g_file_test(knew, G_FILE_TEST_IS_REGULAR)) {
                rename(knew, key);
            }
        }
        if (cached) {
            *cached = from_cache;
        }
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "%.12s does not build%s%s%s", commit,
                    from_cache ? " (a cached failure: --retry-failed or "
                                 "NVME_PI_RETRY_FAILED=1 builds it again)"
                               : "",
                    log ? "; log " : ": ", log ? log : e->message);
        if (build_log) {
            *build_log = g_steal_pointer(&log);
        }
        return NULL;
    }
    if (cached) {
        *cached = err && strstr(err, "kernel-build: cached: ");
    }
    k = g_new0(Kernel, 1);
    k->spec = g_strdup(label_spec);
    k->label = kernel_label(label_spec);
    /* the ELF kernel (vmlinux-KVER) or the bzImage (vmlinuz-KVER): see
     * scripts/kernel-build; both names have the version after 8 bytes */
    k->vmlinuz = kernel_find_image(dir);
    name = k->vmlinuz ? g_path_get_basename(k->vmlinuz) : NULL;
    if (name && strlen(name) > 8) {
        k->version = g_strdup(name + 8);
    }
    k->dir = g_steal_pointer(&dir);
    if (!k->version) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "build of %.12s left no boot/vmlinux-* or "
                    "boot/vmlinuz-* in %s",
                    commit, k->dir);
        kernel_free(k);
        return NULL;
    }
    /* a bzImage (no PVH in the configuration): boot the ELF inside it
     * when it has one, as for any other kernel */
    k->boot_image = kernel_boot_image(k->vmlinuz);
    return k;
}

bool kbuild_failure_cacheable(const char *log_text, const char **why)
{
    /* what the machine did, not the source: a second build may succeed */
    static const char *const accidents[] = {
        "Killed signal terminated program",
        "internal compiler error",
        "No space left on device",
        "Cannot allocate memory",
        "out of memory",
        "Too many open files",
        "Resource temporarily unavailable",
        "Input/output error",
        "Read-only file system",
        "Permission denied",
        "Segmentation fault",
        ": not found",
        "] Error 127",
        "] Interrupt",
        "] Terminated",
        "] Killed",
        "] Hangup",
    };
    /* what the source did: the same commit, configuration and toolchain
     * fail the same way */
    static const char *const own[] = {
        ": error: ",
        ": fatal error: ",
        ": undefined reference to ",
        ": multiple definition of ",
        "did not survive olddefconfig",
    };
    const char *dummy;

    why = why ? why : &dummy;
    for (unsigned i = 0; i < G_N_ELEMENTS(accidents); i++) {
        if (strstr(log_text, accidents[i])) {
            *why = accidents[i];
            return false;
        }
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(own); i++) {
        if (strstr(log_text, own[i])) {
            *why = NULL;
            return true;
        }
    }
    *why = "no compiler, linker or configuration error in the log";
    return false;
}

char *kbuild_log_error(const char *log_path)
{
    static const char *const marks[] = { ": error: ", ": fatal error: ",
                                         ": undefined reference to ",
                                         "kernel-build: " };
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(log_path, &text, NULL, NULL)) {
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        for (unsigned m = 0; m < G_N_ELEMENTS(marks); m++) {
            if (strstr(lines[i], marks[m])) {
                /* .../kbuild/TREE-CFG/src/block/fops.c:402: -> block/... */
                const char *src = strstr(lines[i], "/src/");
                return g_strdup(src && src < strstr(lines[i], marks[m])
                                    ? src + 5
                                    : lines[i]);
            }
        }
    }
    return NULL;
}

bool kbuild_resolve(const char *spec, Kernel *k, GError **error)
{
    KbuildSpec ks;
    g_autoptr(KbuildTree) t = NULL;
    g_autoptr(Series) s = NULL;
    g_autofree char *log = NULL;
    Kernel *built;
    const char *commit;

    if (!kbuild_spec_parse(spec, &ks, error)) {
        return false;
    }
    t = kbuild_tree_open(&ks, error);
    if (t && ks.series) {
        s = series_load(ks.series, t, error);
        if (s && !series_apply(s, t, error)) {
            g_clear_pointer(&s, series_free);
        }
    }
    /* whether a series was asked for, before the spec is cleared: a
     * series that did not load or apply stops here, never builds the
     * base alone */
    bool want_series = ks.series != NULL;
    kbuild_spec_clear(&ks);
    if (!t || (want_series && !s)) {
        return false;
    }
    commit = s && s->patches->len ? ((SeriesPatch *)g_ptr_array_index(
                                         s->patches, s->patches->len - 1))
                                        ->commit
                                  : t->base;
    printf("build  %s at %.12s\n", spec, commit);
    built = kbuild_build(t, commit, spec, &log, NULL, error);
    if (!built) {
        return false;
    }
    g_free(k->dir);
    k->dir = g_steal_pointer(&built->dir);
    k->version = g_steal_pointer(&built->version);
    k->commit = g_strdup(commit);
    k->base = g_strdup(s ? s->base : t->base);
    kernel_free(built);
    return true;
}
