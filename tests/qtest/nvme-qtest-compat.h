/*
 * nvme-pi qtests: the one place that knows how QEMU's test framework
 * (libqtest, libqos, QObject headers) differs between the releases we
 * build the qtests against (7.2 and 10.0).
 *
 * libqtest and the libqos PCI/allocator API we use are identical in both;
 * what moved is the QObject headers (qapi/qmp/ -> qobject/ in 10.0).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NVME_QTEST_COMPAT_H
#define NVME_QTEST_COMPAT_H

#ifndef QEMU_VERSION_MAJOR
#error "include qemu/osdep.h before nvme-qtest-compat.h"
#endif

#if QEMU_VERSION_MAJOR >= 10
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#else
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qjson.h"
#endif

#endif /* NVME_QTEST_COMPAT_H */
