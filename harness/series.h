/*
 * series.h - a patch series on top of a source tree: reading it (a dir of
 * *.patch, an mbox through Debian's b4, or a range A..B of the tree),
 * and turning it into one commit per patch without a checkout.
 */
#ifndef PIT_SERIES_H
#define PIT_SERIES_H

#include "kbuild.h"

#include <glib.h>
#include <stdbool.h>

typedef struct SeriesPatch {
    char *file;    /* the mail it came from (NULL for a range) */
    char *name;    /* what to call it in messages: 0002-block-....patch */
    char *subject; /* without [PATCH n/m] */
    char *commit;  /* after series_apply */
} SeriesPatch;

typedef struct Series {
    char *source;       /* as given */
    char *base;         /* commit the first patch applies to */
    GPtrArray *patches; /* SeriesPatch */
} Series;

/* Read SOURCE: a directory, an mbox, or A..B in the tree. */
Series *series_load(const char *source, const KbuildTree *t, GError **error);
void series_free(Series *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Series, series_free)

/*
 * Make one commit per patch on s->base (a temporary index: nothing is
 * checked out, so this takes seconds).  A patch that does not apply is
 * an error naming the patch, the file and the hunk; nothing is built.
 */
bool series_apply(Series *s, const KbuildTree *t, GError **error);

/* Pure: the 1-based number of the hunk of `file` in `patch_text` that
 * starts at old line `line` (as git apply reports it), or 0. */
unsigned series_hunk_at(const char *patch_text, const char *file, unsigned line,
                        char **header);

#endif
