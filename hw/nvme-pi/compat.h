/*
 * nvme-pi: the one place that knows how QEMU's internal API differs
 * between the releases we build against (7.2, 10.0, 10.2, 11.x).
 *
 * Everything else in hw/nvme-pi is written against the names defined
 * here, so a new QEMU release means touching this file only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_COMPAT_H
#define HW_NVME_PI_COMPAT_H

/* config-host.h (pulled in by qemu/osdep.h) carries the version. */
#ifndef QEMU_VERSION_MAJOR
#error "include qemu/osdep.h before compat.h"
#endif

#define NVME_PI_QEMU_AT_LEAST(maj, min) \
    (QEMU_VERSION_MAJOR > (maj) || \
     (QEMU_VERSION_MAJOR == (maj) && QEMU_VERSION_MINOR >= (min)))

/* 8.0 split PCIDevice's definition out of hw/pci/pci.h. */
#if NVME_PI_QEMU_AT_LEAST(8, 0)
#include "hw/pci/pci_device.h"
#else
#include "hw/pci/pci.h"
#endif

/* 8.2 renamed include/sysemu to include/system. */
#if NVME_PI_QEMU_AT_LEAST(8, 2)
#include "system/dma.h"
#include "system/block-backend.h"
#include "system/runstate.h"
#else
#include "sysemu/dma.h"
#include "sysemu/block-backend.h"
#include "sysemu/runstate.h"
#endif

/* 10.1 moved exec/memory.h to system/memory.h. */
#if NVME_PI_QEMU_AT_LEAST(10, 1)
#include "system/memory.h"
#else
#include "exec/memory.h"
#endif

/* 10.0 moved qapi/qmp/ to qobject/. */
#if NVME_PI_QEMU_AT_LEAST(10, 0)
#define NVME_PI_QOBJECT_HDR(h) <qobject/h>
#else
#define NVME_PI_QOBJECT_HDR(h) <qapi/qmp/h>
#endif

/*
 * 9.2 dropped the property list terminator: device_class_set_props()
 * takes the array size from the array itself.
 */
#ifdef DEFINE_PROP_END_OF_LIST
#define NVME_PI_PROP_END DEFINE_PROP_END_OF_LIST(),
#define NVME_PI_PROPS_CONST
#else
#define NVME_PI_PROP_END
#define NVME_PI_PROPS_CONST const
#endif

/* 10.1 made class_init's data argument const. */
#if NVME_PI_QEMU_AT_LEAST(10, 1)
#define NVME_PI_CLASS_DATA const void *
#else
#define NVME_PI_CLASS_DATA void *
#endif

/* 9.1 renamed DeviceClass::reset; the setter exists from 9.1 on. */
#if NVME_PI_QEMU_AT_LEAST(9, 1)
#define nvme_pi_set_reset(dc, fn) device_class_set_legacy_reset((dc), (fn))
#else
#define nvme_pi_set_reset(dc, fn) ((dc)->reset = (fn))
#endif

/*
 * 8.0 added bottom halves guarded against re-entry through the device's
 * own MMIO (and Debian's 7.2 may carry the backport).
 */
#ifdef qemu_bh_new_guarded
#define nvme_pi_bh_new(cb, opaque, dev) \
    qemu_bh_new_guarded((cb), (opaque), &(dev)->mem_reentrancy_guard)
#else
#define nvme_pi_bh_new(cb, opaque, dev) qemu_bh_new((cb), (opaque))
#endif

#endif /* HW_NVME_PI_COMPAT_H */
