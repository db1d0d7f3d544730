/*
 * kbuild.h - kernels built from source: the build: spec
 * (build:debian:X.Y or build:PATH[@REV], options ,config=FILE), the
 * source trees in the cache, and building one commit of them with the
 * storage-test configuration (scripts/kernel-source, scripts/kernel-build).
 */
#ifndef PIT_KBUILD_H
#define PIT_KBUILD_H

#include "kernel.h"

#include <glib.h>
#include <stdbool.h>

typedef struct KbuildSpec {
    char *tree;     /* "debian:7.2" or a path to a Linux git tree */
    char *rev;      /* PATH@REV; NULL: HEAD (debian: the single base commit) */
    char *series;   /* +SERIES: a dir of *.patch or an mbox; or NULL */
    char **configs; /* config=FILE fragments, absolute paths */
} KbuildSpec;

/* Pure: parse "build:TREE[@REV][+SERIES][,config=FILE]...". */
bool kbuild_spec_parse(const char *spec, KbuildSpec *out, GError **error);
void kbuild_spec_clear(KbuildSpec *s);

/* A source tree ready to build from: a git dir pit may add commits to. */
typedef struct KbuildTree {
    char *spec_tree; /* as given: debian:7.2 or the user's path */
    char *user;      /* the user's tree (absolute), or NULL for Debian's:
                      * revisions are resolved there, never in the clone */
    char *git;       /* the git dir commits are read from / written to */
    char *id;        /* file-system-safe identity for the build dir */
    char *base;      /* the base commit id (REV, or Debian's base) */
    char **configs;
} KbuildTree;

/*
 * Fetch/unpack Debian's source, or wrap a user's tree (which is never
 * modified: pit works in a shared clone in the cache).  Errors say what
 * exists: which Debian sources, which branches and tags.
 */
KbuildTree *kbuild_tree_open(const KbuildSpec *spec, GError **error);
void kbuild_tree_free(KbuildTree *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KbuildTree, kbuild_tree_free)

/* The commit id REV names in the tree, or an error naming what exists.
 * In a user's tree REV is resolved in the tree itself, as it is now (the
 * cached clone's refs are a copy from whenever it was made), and the
 * commit is brought into the clone if the clone lacks it. */
char *kbuild_tree_rev(const KbuildTree *t, const char *rev, GError **error);

/* Commits from A (exclusive) to B in order, as git rev-list --reverse. */
GPtrArray *kbuild_tree_range(const KbuildTree *t, const char *a, const char *b,
                             GError **error);

/* One line summary of a commit (its subject). */
char *kbuild_tree_subject(const KbuildTree *t, const char *commit);

/*
 * Build `commit` (cached by commit and configuration).  On success
 * returns a Kernel whose spec is `label_spec`.  A build failure sets
 * *build_log to the kept log and returns NULL with PIT_ERROR_FAILED.
 * *cached (may be NULL) says the answer, kernel or failure, came from
 * the cache without compiling.  A failure is cached (keyed by commit,
 * configuration and toolchain, scripts/kernel-build) when its log shows
 * the source's own error (kbuild_failure_cacheable); an interrupted
 * build is neither published nor cached.
 */
Kernel *kbuild_build(const KbuildTree *t, const char *commit,
                     const char *label_spec, char **build_log, bool *cached,
                     GError **error);

/*
 * Pure: whether a failed build's log shows the source's own failure (a
 * compiler or linker error, a configuration line that did not survive),
 * which the same commit, configuration and toolchain repeat -- rather
 * than an accident of the machine (killed, interrupted, out of memory or
 * disk, a missing tool), which a second build may not repeat.  *why (may
 * be NULL) names the accident or the missing error when false.
 */
bool kbuild_failure_cacheable(const char *log_text, const char **why);

/* The first error a kept build log shows (compiler, linker or the
 * configuration check), the build dir's path left out; or NULL. */
char *kbuild_log_error(const char *log_path);

/* kernel_resolve's entry for build: specs without a series. */
bool kbuild_resolve(const char *spec, Kernel *k, GError **error);

/* Run argv in cwd (NULL: here) with extra environment; capture output. */
bool kbuild_spawn(const char *cwd, const char *const *argv, char **envp_add,
                  const char *stdin_file, char **out, char **err,
                  GError **error);

#endif
