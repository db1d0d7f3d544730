/*
 * image.h - the guest's initramfs: the cached per-kernel image from
 * guest/mkimage, and the per-run job archive appended to it
 * (docs/guest-protocol.md).
 */
#ifndef PIT_IMAGE_H
#define PIT_IMAGE_H

#include "kernel.h"
#include "boot-plan.h"
#include "scenario.h"

#include <glib.h>

/*
 * Path of the cached image for `k` in the scenario's variant (`image =
 * default|full`), building it with guest/mkimage (--full for full).
 */
char *image_for_kernel(const Kernel *k, ScnImage variant, GError **error);
/* Pure: the file name pit links the image to, per kernel and variant. */
char *image_cache_name(const char *kernel_label, ScnImage variant);

/* Pure: the /nvme-pi/job text for one run. */
char *image_job_text(const Scenario *s, const char *run_id, unsigned timeout_s,
                     guint64 seed);
/* Pure: the job of boot `boot` (0-based) of a multi-boot run: that boot's
 * steps and checks, its devices only, NVMEPI_BOOT/BOOTS/CUT. */
char *image_job_text_boot(const Scenario *s, const BootPlan *plan,
                          unsigned boot, const char *run_id,
                          unsigned timeout_s, guint64 seed);
/* Pure: a newc cpio holding /nvme-pi/ and /nvme-pi/job. */
GBytes *image_job_cpio(const char *job);
/* Write image + padding + job cpio to `out`. */
gboolean image_write_initrd(const char *image, GBytes *job_cpio,
                            const char *out, GError **error);

/* Appends one newc cpio entry (a directory when data is NULL). */
void image_cpio_entry(GByteArray *a, const char *name, unsigned mode,
                      const char *data, size_t len, unsigned ino);

#endif
