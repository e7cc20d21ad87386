/*
** The host's IOMMU (models/iommu.h), built from the host's IOMMU
** parameters and named "<host>.iommu" (its statistics follow that name).
** The root complex hands it every upstream DMA request after the root
** port's checks (host_rx.c) and every interrupt write (host_irq.c).
*/
#include <stdio.h>

#include "models/host_int.h"
#include "models/iommu.h"
#include "sim/error_int.h"

ladon_status ladon__host_iommu_create(ladon__host *h, const ladon_params *p,
                                      ladon_error *err) {
  ladon__iommu_config c;
  char name[LADON_STAT_NAME_MAX + 1];
  uint64_t entries = ladon_params_u64(p, "iotlb_entries");
  uint64_t ways = ladon_params_u64(p, "iotlb_ways");
  uint64_t pwc = ladon_params_u64(p, "pwc_entries");
  if (!ladon_params_bool(p, "iommu")) return LADON_OK;
  if (entries > UINT32_MAX || ways > UINT32_MAX || pwc > UINT32_MAX)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: IOMMU sizes must fit 32 bits", h->name);
  c.iotlb_entries = (uint32_t)entries;
  c.iotlb_ways = (uint32_t)ways;
  c.pwc_entries = (uint32_t)pwc;
  c.hit_latency_ps = ladon_params_time_ps(p, "iotlb_hit_latency");
  c.walk_access_ps = ladon_params_time_ps(p, "walk_access_latency");
  c.walkers = (uint32_t)ladon_params_u64(p, "iommu_walkers"); /* <= 1024 */
  static const uint8_t shifts[] = {12, 21, 30};
  c.max_page_shift = shifts[ladon_params_enum(p, "iommu_pages") % 3];
  c.blocked_read_status = h->iommu_blocked_status;
  c.address_width_bits = (uint8_t)ladon_params_u64(p, "iommu_address_width");
  snprintf(name, sizeof name, "%s.iommu", h->name);
  h->iommu = ladon__iommu_new(h->sim, name, &c, err);
  return h->iommu ? LADON_OK : (err ? err->code : LADON_EINVAL);
}

void ladon__host_iommu_destroy(ladon__host *h) {
  ladon__iommu_free(h->iommu);
  h->iommu = NULL;
}

void ladon__host_iommu_translate(ladon__host *h, const ladon_tlp *tlp,
                                 ladon__iommu_result *out) {
  ladon__iommu_translate(h->iommu, tlp, out);
}

bool ladon__host_iommu_remap_msi(ladon__host *h, uint16_t rid, uint64_t addr,
                                 uint32_t data, uint32_t *dest_cpu,
                                 uint8_t *vector) {
  return ladon__iommu_remap_msi(h->iommu, rid, addr, data, dest_cpu, vector);
}
