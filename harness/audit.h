/*
 * audit.h - `pit audit RUNDIR`: check the PI of every written block in a
 * run's backing images on the host, with picore, independent of the
 * guest kernel.
 */
#ifndef PIT_AUDIT_H
#define PIT_AUDIT_H

int audit_cmd(int argc, char **argv);

/*
 * The line of `pit audit`'s output (one per RAID1 array with a journal)
 * that pit run reads back as evidence: blocks whose legs hold the same
 * write in different bytes, which only a buffer changed in flight
 * explains.  The number follows it.
 */
#define AUDIT_SAME_WRITE "blocks whose legs hold one write in different bytes: "

#endif
