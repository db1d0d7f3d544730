/*
 * bundle.h - the repro bundle: one .tar.gz with a manifest.json (what
 * ran, on what, with which seeds, and what came out) and the files it
 * names.  Writing stages a directory and packs it with tar; reading
 * unpacks into a directory and checks the manifest before anything
 * trusts it.
 */
#ifndef PIT_BUNDLE_H
#define PIT_BUNDLE_H

#include "kernel.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#define BUNDLE_FORMAT "nvme-pi-repro-bundle"
#define BUNDLE_VERSION 1
/* The one top-level directory inside the tarball. */
#define BUNDLE_TOP "pit-repro-bundle"

/* Copy `host` to `rel` under the staging dir `stage` (parents made). */
bool bundle_add_file(const char *stage, const char *host, const char *rel,
                     GError **error);
bool bundle_add_text(const char *stage, const char *rel, const char *text,
                     GError **error);
/*
 * Write `manifest` as manifest.json into `stage` (a directory named
 * BUNDLE_TOP) and pack it into `tarball`.
 */
bool bundle_pack(const char *stage, JsonNode *manifest, const char *tarball,
                 GError **error);

/*
 * Unpack `tarball` under `dir` and return the bundle's top directory,
 * with its checked manifest in *manifest.  A file that is no .tar.gz,
 * a tarball without our manifest, or a manifest of another format or
 * version is an error that says so.
 */
char *bundle_unpack(const char *tarball, const char *dir, JsonNode **manifest,
                    GError **error);

/*
 * For a build: kernel, add its "build" member to the kernel object open
 * in `b`: the tree, revision, base commit and commit built, the series
 * (its files copied into the bundle under kernels/LABEL/), the config
 * fragments and the whole .config (copied too), each with its sha256.
 * Other kernels: nothing.
 */
bool bundle_add_kernel_build(JsonBuilder *b, const Kernel *k, const char *stage,
                             GError **error);
/*
 * The spec replay resolves for the manifest's kernel `ko`: the spec as
 * it was, or for a build: kernel one that rebuilds it from the same tree
 * and commit with the bundle's series and fragments (unpacked at `top`).
 * A user's tree that is not on this machine is a PIT_ERROR_DEPENDENCY
 * that says which tree and commit to put there.
 */
char *bundle_kernel_spec(JsonObject *ko, const char *top, GError **error);
/* The sha256 of the .config a build: kernel had then, or NULL; and now. */
char *bundle_config_sha256(JsonObject *ko);
char *bundle_kernel_config_sha256(const Kernel *k);

/* Pure: is `m` a manifest this pit can replay?  Names the first problem. */
bool bundle_manifest_check(JsonNode *m, const char *what, GError **error);

#endif
