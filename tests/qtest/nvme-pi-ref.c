/*
 * nvme-pi qtests: the host's side of Protection Information.
 *
 * This file owns the host-computed tuple layouts (NVM Command Set,
 * "Protection Information Formats"):
 *   16b guard,  8 bytes: guard CRC16 T10-DIF (2) | apptag (2) | reftag (4)
 *   64b guard, 16 bytes: guard CRC64-NVM (8) | apptag (2) | reftag (6)
 * all big-endian; the tuple is the first or the last bytes of the block's
 * metadata (DPS.PIP) and, when last, the guard also covers the metadata
 * bytes before it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/nvme-pi/crc.h"
#include "nvme-pi-ref.h"

#define PIF_16B 0
#define PIF_64B 2

size_t nvme_ref_tuple_size(const NvmeDrvNs *ns)
{
    if (!ns->pi_type) {
        return 0;
    }
    return ns->pif == PIF_64B ? 16 : 8;
}

uint64_t nvme_ref_reftag_mask(const NvmeDrvNs *ns)
{
    return ns->pif == PIF_64B ? 0xffffffffffffULL : 0xffffffffULL;
}

static size_t tuple_off(const NvmeDrvNs *ns)
{
    return ns->pi_first ? 0 : ns->ms - nvme_ref_tuple_size(ns);
}

size_t nvme_ref_data_len(const NvmeDrvNs *ns, uint32_t nlb)
{
    return (size_t)nlb * (ns->lbads + (ns->extended ? ns->ms : 0));
}

size_t nvme_ref_meta_len(const NvmeDrvNs *ns, uint32_t nlb)
{
    return ns->extended ? 0 : (size_t)nlb * ns->ms;
}

uint8_t *nvme_ref_blk_data(const NvmeDrvNs *ns, uint8_t *data, uint32_t i)
{
    return data + (size_t)i * (ns->lbads + (ns->extended ? ns->ms : 0));
}

uint8_t *nvme_ref_blk_meta(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                           uint32_t i)
{
    if (ns->extended) {
        return nvme_ref_blk_data(ns, data, i) + ns->lbads;
    }
    return meta ? meta + (size_t)i * ns->ms : NULL;
}

void nvme_ref_pattern(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                      uint32_t nlb, uint32_t seed)
{
    size_t dl = nvme_ref_data_len(ns, nlb), ml = nvme_ref_meta_len(ns, nlb);
    uint32_t x = seed * 2654435761u + 12345;

    /* xorshift: no two blocks or seeds alike, nothing all-zero. */
    for (size_t i = 0; i < dl; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = x >> 24;
    }
    for (size_t i = 0; meta && i < ml; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        meta[i] = x >> 24;
    }
}

uint64_t nvme_ref_guard(const NvmeDrvNs *ns, const uint8_t *blk_data,
                        const uint8_t *blk_meta)
{
    size_t pre = ns->pi_first ? 0 : tuple_off(ns);

    if (ns->pif == PIF_64B) {
        uint64_t c = crc64_nvme(0, blk_data, ns->lbads);

        return pre ? crc64_nvme(c, blk_meta, pre) : c;
    } else {
        uint16_t c = crc16_t10dif(0, blk_data, ns->lbads);

        return pre ? crc16_t10dif(c, blk_meta, pre) : c;
    }
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void put_be(uint8_t *p, size_t n, uint64_t v)
{
    for (size_t i = n; i-- > 0;) {
        p[i] = v & 0xff;
        v >>= 8;
    }
}

void nvme_ref_tuple_get(const NvmeDrvNs *ns, const uint8_t *blk_meta,
                        NvmeRefTuple *t)
{
    const uint8_t *p = blk_meta + tuple_off(ns);

    if (ns->pif == PIF_64B) {
        t->guard = get_be(p, 8);
        t->apptag = get_be(p + 8, 2);
        t->reftag = get_be(p + 10, 6);
    } else {
        t->guard = get_be(p, 2);
        t->apptag = get_be(p + 2, 2);
        t->reftag = get_be(p + 4, 4);
    }
}

void nvme_ref_tuple_set(const NvmeDrvNs *ns, uint8_t *blk_meta,
                        const NvmeRefTuple *t)
{
    uint8_t *p = blk_meta + tuple_off(ns);

    if (ns->pif == PIF_64B) {
        put_be(p, 8, t->guard);
        put_be(p + 8, 2, t->apptag);
        put_be(p + 10, 6, t->reftag);
    } else {
        put_be(p, 2, t->guard);
        put_be(p + 2, 2, t->apptag);
        put_be(p + 4, 4, t->reftag);
    }
}

void nvme_ref_protect(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                      uint32_t nlb, uint64_t reftag0, uint16_t apptag)
{
    if (!ns->pi_type) {
        return;
    }
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *bd = nvme_ref_blk_data(ns, data, i);
        uint8_t *bm = nvme_ref_blk_meta(ns, data, meta, i);
        NvmeRefTuple t = {
            .guard = nvme_ref_guard(ns, bd, bm),
            .apptag = apptag,
            .reftag = (reftag0 + (ns->pi_type == 3 ? 0 : i)) &
                      nvme_ref_reftag_mask(ns),
        };

        nvme_ref_tuple_set(ns, bm, &t);
    }
}
