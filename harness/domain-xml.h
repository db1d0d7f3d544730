/*
 * domain-xml.h - the libvirt domain XML for one run: the same VM as
 * qemu-cmd.h's command line, with libvirt owning the machine, memory,
 * CPUs, direct kernel boot, serial ports and lifecycle, and the NVMe
 * controllers passed through <qemu:commandline> (libvirt has no model
 * for nvme-pi).  Pure (no I/O): tests/test-domain-xml.c.
 */
#ifndef PIT_DOMAIN_XML_H
#define PIT_DOMAIN_XML_H

#include "qemu-cmd.h"
#include "scenario.h"

#include <glib.h>

typedef struct DomainXmlInput {
    const char *name;    /* domain name */
    const char *comment; /* put first as an XML comment, or NULL */
    /* the VM, as for a QEMU command line; vm.qemu is the emulator and
     * must be absolute (libvirt wants it so) */
    QemuCmdInput vm;
} DomainXmlInput;

char *domain_xml_build(const DomainXmlInput *in);

/* A libvirt domain name from free text: [A-Za-z0-9._-], at most 64. */
char *domain_xml_name(const char *text);

#endif
