/*
 * result.h - the guest's framed result (docs/guest-protocol.md): find
 * the frame in the raw ttyS1 capture, parse the JSON, turn it into the
 * verdict's RunFacts.
 */
#ifndef PIT_RESULT_H
#define PIT_RESULT_H

#include "verdict.h"

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct GuestResult {
    JsonNode *root;
} GuestResult;

/* The JSON between the frame lines, or NULL when no complete frame. */
char *result_extract(const char *raw, gsize len);
GuestResult *result_parse(const char *json, GError **error);
void result_free(GuestResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestResult, result_free)

/* Fill the result part of RunFacts; strings point into `r`. */
void result_fill_facts(const GuestResult *r, RunFacts *f);
/* dmesg.lines joined, one a line (the classified kernel log). */
char *result_dmesg_text(const GuestResult *r);
/* Pretty-printed JSON. */
char *result_to_pretty(const GuestResult *r);
const char *result_kernel(const GuestResult *r);

#endif
