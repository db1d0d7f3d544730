/*
 * domain-xml.h - the libvirt domain XML for one run: the same VM as
 * qemu-cmd.h's command line, with libvirt owning the machine, memory,
 * CPUs, direct kernel boot, serial ports and lifecycle, and the NVMe
 * controllers passed through <qemu:commandline> (libvirt has no model
 * for nvme-pi).  Pure (no I/O): tests/test-domain-xml.c.
 */
#ifndef PIT_DOMAIN_XML_H
#define PIT_DOMAIN_XML_H

#include "scenario.h"

#include <glib.h>

typedef struct DomainXmlInput {
    const char *name;     /* domain name */
    const char *emulator; /* QEMU binary, absolute */
    const Scenario *scn;
    const char *accel;  /* "kvm" or "tcg" */
    const char *kernel; /* bzImage */
    const char *initrd; /* image + job cpio */
    const char *run_id;
    const char *console_path;   /* ttyS0 */
    const char *result_path;    /* ttyS1: the framed result */
    const char *qmp_path;       /* extra QMP monitor for pit, or NULL */
    const char *const *backing; /* one image per scn->devices, in order */
    const char *const *mutlog;  /* per device: mutation-log path or NULL */
    const char *comment;        /* put first as an XML comment, or NULL */
} DomainXmlInput;

char *domain_xml_build(const DomainXmlInput *in);

/* A libvirt domain name from free text: [A-Za-z0-9._-], at most 64. */
char *domain_xml_name(const char *text);

#endif
