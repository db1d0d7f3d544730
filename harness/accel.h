/*
 * accel.h - choose the accelerator: a real short KVM boot decides,
 * because /dev/kvm existing does not mean KVM guests run (here they hang
 * after decompression).  The answer is cached per host boot.
 */
#ifndef PIT_ACCEL_H
#define PIT_ACCEL_H

#include <glib.h>

/*
 * mode "auto", "kvm" or "tcg"; returns "kvm" or "tcg" and sets *why to
 * a human sentence about how it was chosen.
 */
const char *accel_choose(const char *mode, const char *qemu,
                         const char *vmlinuz, char **why);

#endif
