/*
 * audit.c - host-side PI audit of backing images (placeholder until the
 * layout walk lands).
 */
#include "audit.h"

#include <stdio.h>

int audit_cmd(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pit audit: not implemented yet (issue 7)\n");
    return 3;
}
