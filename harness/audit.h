/*
 * audit.h - `pit audit RUNDIR`: check the PI of every written block in a
 * run's backing images on the host, with picore, independent of the
 * guest kernel.
 */
#ifndef PIT_AUDIT_H
#define PIT_AUDIT_H

int audit_cmd(int argc, char **argv);

#endif
