/*
 * nvme-pi: more namespaces, and DMA-timing hooks per namespace.
 *
 * This file owns the nvme-pi-ns device and the bus it plugs into:
 *
 *   -device nvme-pi,id=c0,serial=pi0,dma-delay=200000
 *   -device nvme-pi-ns,bus=c0,nsid=2,drive=d2,ms=8,pi=1
 *   -device nvme-pi-ns,bus=c0,nsid=3,drive=d3,dma-delay=0
 *
 * Each nvme-pi-ns is one namespace (nsid 1..NVME_PI_MAX_NS) with its own
 * image and format properties, and may override any of the controller's
 * DMA-timing hook properties (dma-delay, dma-jitter, seed, dma-replay,
 * dma-source, read-complete-delay); what it does not give it inherits.
 * dma-clock and mutation-log stay per controller: one clock orders all of
 * a controller's events, and one log holds them (each event names its
 * nsid).  The controller's own drive= is namespace 1, as before.
 *
 * Namespaces are added at start-up only: the bus takes no hot-plug, so a
 * namespace never disappears under a command in flight.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "nvme-pi.h"
#include "trace.h"

/* A day: anything longer is a typo, and would overflow the clock. */
#define NVME_PI_HOOK_MAX_NS     (NANOSECONDS_PER_SECOND * 86400ULL)

bool nvme_pi_ns_hooks(NvmePiCtrl *n, NvmePiNs *ns,
                      const NvmePiHookProps *over, Error **errp)
{
    const NvmePiHookProps *c = &n->hooks;
    const char *who = over ? "nvme-pi-ns" : "nvme-pi";
    const char *source = over && over->source ? over->source : c->source;
    uint64_t delay, jitter, seed, replay, rcd;
    int src = DMA_SOURCE_LAST;

/* over's value where it gave one, else the controller's. */
#define HOOK(f) (over && over->f != NVME_PI_HOOK_INHERIT ? over->f : c->f)
    delay = HOOK(delay);
    jitter = HOOK(jitter);
    seed = HOOK(seed);
    replay = HOOK(replay);
    rcd = HOOK(read_complete_delay);
#undef HOOK

    if (source) {
        src = dma_source_parse(source);
        if (src < 0) {
            error_setg(errp, "%s: dma-source must be first, last, "
                       "torn-cacheline or torn-sector, got '%s'", who, source);
            return false;
        }
    }
    if (replay > DMA_MAX_READS - 1) {
        error_setg(errp, "%s: dma-replay must be 0..%d, got %" PRIu64, who,
                   DMA_MAX_READS - 1, replay);
        return false;
    }
    if (delay > NVME_PI_HOOK_MAX_NS || jitter > NVME_PI_HOOK_MAX_NS ||
        rcd > NVME_PI_HOOK_MAX_NS) {
        error_setg(errp, "%s: dma-delay, dma-jitter and read-complete-delay "
                   "are nanoseconds, at most one day", who);
        return false;
    }
    ns->policy = (DmaPolicy) {
        .delay_ns = delay,
        .jitter_ns = jitter,
        .replay = replay,
        .source = src,
    };
    dma_rng_seed(&ns->rng, seed);
    ns->read_complete_delay = rcd;
    return true;
}

/* ---- the bus ---- */

static const TypeInfo nvme_pi_bus_info = {
    .name = TYPE_NVME_PI_BUS,
    .parent = TYPE_BUS,
    .instance_size = sizeof(BusState),
};

void nvme_pi_bus_init(NvmePiCtrl *n)
{
    DeviceState *dev = DEVICE(n);

    qbus_init(&n->bus, sizeof(n->bus), TYPE_NVME_PI_BUS, dev, dev->id);
}

/* ---- nvme-pi-ns ---- */

static void nvme_pi_ns_dev_realize(DeviceState *dev, Error **errp)
{
    NvmePiNsDev *d = NVME_PI_NS(dev);
    BusState *bus = qdev_get_parent_bus(dev);
    NvmePiCtrl *n;
    uint32_t nsid = d->nsid;

    if (!bus || !object_dynamic_cast(OBJECT(bus->parent), TYPE_NVME_PI)) {
        error_setg(errp, "nvme-pi-ns: needs an nvme-pi controller "
                   "(-device nvme-pi,id=c0,... -device nvme-pi-ns,bus=c0,...)");
        return;
    }
    n = NVME_PI(bus->parent);
    if (!d->ns.blk) {
        error_setg(errp, "nvme-pi-ns: 'drive' property is required");
        return;
    }
    if (nsid == 0) {
        for (nsid = 1; nsid <= NVME_PI_MAX_NS && n->nss[nsid]; nsid++) {
        }
    }
    if (nsid > NVME_PI_MAX_NS) {
        error_setg(errp, "nvme-pi-ns: nsid must be 1..%d (or 0 for the "
                   "lowest free one), got %u", NVME_PI_MAX_NS, d->nsid);
        return;
    }
    if (n->nss[nsid]) {
        error_setg(errp, "nvme-pi-ns: nsid %u is taken on controller '%s'%s",
                   nsid, n->serial,
                   n->nss[nsid] == &n->ns ? " by its own drive= property" : "");
        return;
    }
    if (!nvme_pi_ns_hooks(n, &d->ns, &d->hooks, errp) ||
        !nvme_pi_ns_realize(&d->ns, nsid, &d->props, errp)) {
        return;
    }
    blk_set_enable_write_cache(d->ns.blk, n->feat_vwc);
    n->nss[nsid] = &d->ns;
    trace_nvme_pi_ns_attach(n->serial, nsid, d->ns.policy.delay_ns,
                            d->ns.policy.replay);
}

static void nvme_pi_ns_dev_unrealize(DeviceState *dev)
{
    NvmePiNsDev *d = NVME_PI_NS(dev);
    BusState *bus = qdev_get_parent_bus(dev);
    NvmePiCtrl *n = NVME_PI(bus->parent);

    /*
     * Not hot-pluggable: this runs only when the controller itself goes
     * away.  Its commands may refer to this namespace; end them now.
     */
    if (d->ns.present && n->nss[d->ns.nsid] == &d->ns) {
        nvme_pi_queues_reset(n);
        blk_drain(d->ns.blk);
        nvme_pi_ns_flush(&d->ns);
        n->nss[d->ns.nsid] = NULL;
    }
}

/*
 * Hook properties default to "inherit" (all ones, or no string): the
 * controller's value.  Format properties as on the controller.
 */
static NVME_PI_PROPS_CONST Property nvme_pi_ns_props[] = {
    DEFINE_PROP_DRIVE("drive", NvmePiNsDev, ns.blk),
    DEFINE_PROP_UINT32("nsid", NvmePiNsDev, nsid, 0),
    NVME_PI_NS_FORMAT_PROPS(NvmePiNsDev, props),
    NVME_PI_HOOK_PROPS(NvmePiNsDev, hooks, NVME_PI_HOOK_INHERIT),
    NVME_PI_PROP_END
};

static void nvme_pi_ns_class_init(ObjectClass *oc, NVME_PI_CLASS_DATA data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->bus_type = TYPE_NVME_PI_BUS;
    dc->realize = nvme_pi_ns_dev_realize;
    dc->unrealize = nvme_pi_ns_dev_unrealize;
    dc->hotpluggable = false;
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->desc = "nvme-pi namespace (own image, format and DMA-timing hooks)";
    device_class_set_props(dc, nvme_pi_ns_props);
}

static void nvme_pi_ns_instance_init(Object *obj)
{
    NvmePiNsDev *d = NVME_PI_NS(obj);

    nvme_pi_ns_ranges_init(&d->ns);
    nvme_pi_record_counters(obj, &d->ns.mut);
}

static const TypeInfo nvme_pi_ns_info = {
    .name = TYPE_NVME_PI_NS,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(NvmePiNsDev),
    .instance_init = nvme_pi_ns_instance_init,
    .class_init = nvme_pi_ns_class_init,
};

static void nvme_pi_ns_register_types(void)
{
    type_register_static(&nvme_pi_bus_info);
    type_register_static(&nvme_pi_ns_info);
}

type_init(nvme_pi_ns_register_types)
