/*
 * xml-cmd.h - `pit xml SCENARIO --kernel SPEC`: print the libvirt domain
 * XML of a scenario for users' own libvirt setups.
 */
#ifndef PIT_XML_CMD_H
#define PIT_XML_CMD_H

int xml_cmd(int argc, char **argv);

#endif
