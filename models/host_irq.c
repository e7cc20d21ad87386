/*
** MSI and MSI-X: DW writes to the interrupt range 0xFEE00000-0xFEEFFFFF
** become interrupts of cores (Intel SDM Vol. 3 §10.11).
**
** Compatibility format (address bit 4 = 0): destination ID in address bits
** 19:12, Redirection Hint bit 3, Destination Mode bit 2 (0 physical: the
** core with that APIC ID, core i has APIC ID i; 1 logical flat: bit i of the
** destination selects core i, i < 8); data bits 7:0 the vector, 10:8 the
** delivery mode.  Fixed (000b) and Lowest Priority (001b, here the lowest
** selected core) are delivered; other modes (SMI, NMI, INIT, ExtINT) are
** not modelled and counted as dropped, as are vectors 0-15 (an APIC reports
** them as illegal, SDM §10.5.3) and destinations with no core.
**
** Remappable format (bit 4 = 1) is decoded only by interrupt remapping: with
** an IOMMU every interrupt request goes through ladon__iommu_remap_msi()
** (which also applies its policy to compatibility-format requests); without
** one a remappable request has nobody to decode it and is dropped.
**
** Delivery happens msi_injection_latency after the write has been ordered
** behind earlier writes of its root port: per-core/vector counters, then
** the registered hooks.
*/
#include <stdlib.h>

#include "models/host_int.h"

ladon_status ladon__host_irq_init(ladon__host *h) {
  h->irq_counts = calloc((size_t)h->n_cpus * 256u, sizeof *h->irq_counts);
  return h->irq_counts ? LADON_OK : LADON_ENOMEM;
}

static void deliver(ladon__host *h, uint32_t core, uint8_t vector,
                    uint16_t rid) {
  ladon__host_defer_at(h, ladon_sim_now(h->sim) + h->msi_latency_ps,
                       LADON__ACT_IRQ, NULL,
                       core | (uint64_t)vector << 32 | (uint64_t)rid << 40);
}

void ladon__host_irq_run(ladon__host *h, uint64_t a) {
  uint32_t core = (uint32_t)(a & 0xffffffffu);
  uint8_t vector = (uint8_t)(a >> 32);
  uint16_t rid = (uint16_t)(a >> 40);
  h->irq_counts[(size_t)core * 256u + vector]++;
  for (unsigned i = 0; i < h->n_hooks; i++)
    h->hooks[i].fn(h->hooks[i].ctx, core, vector, rid);
}

void ladon__host_msi(ladon__host *h, ladon__host_rp *rp, const ladon_tlp *tlp) {
  uint64_t addr = tlp->addr;
  uint32_t data = 0;
  uint32_t dest;
  uint8_t vector;
  (void)rp;
  if (!tlp->data || tlp->data_bytes < 4) {
    /* Without its data the interrupt cannot be decoded. */
    ladon_counter_add(h->st.msi_dropped, 1);
    return;
  }
  for (unsigned b = 0; b < 4; b++)
    if ((tlp->first_be >> b) & 1u) data |= (uint32_t)tlp->data[b] << (8u * b);
  if (h->iommu) {
    if (!ladon__host_iommu_remap_msi(h, tlp->req_id, addr, data, &dest,
                                     &vector)) {
      ladon_counter_add(h->st.msi_dropped, 1); /* the IOMMU recorded why */
      return;
    }
    if (dest >= h->n_cpus || vector < 16) {
      ladon_counter_add(h->st.msi_dropped, 1);
      return;
    }
    ladon_counter_add(h->st.msi, 1);
    deliver(h, dest, vector, tlp->req_id);
    return;
  }
  if (addr & 0x10u) {
    ladon_counter_add(h->st.msi_dropped, 1); /* remappable, no IOMMU */
    return;
  }
  {
    unsigned mode = (data >> 8) & 7u;
    unsigned id = (unsigned)((addr >> 12) & 0xffu);
    bool logical = (addr >> 2) & 1u;
    vector = (uint8_t)(data & 0xffu);
    if ((mode != 0 && mode != 1) || vector < 16) {
      ladon_counter_add(h->st.msi_dropped, 1);
      return;
    }
    if (!logical) {
      if (id >= h->n_cpus) {
        ladon_counter_add(h->st.msi_dropped, 1);
        return;
      }
      ladon_counter_add(h->st.msi, 1);
      deliver(h, id, vector, tlp->req_id);
      return;
    }
    {
      bool any = false;
      for (unsigned c = 0; c < 8 && c < h->n_cpus; c++) {
        if (!((id >> c) & 1u)) continue;
        any = true;
        deliver(h, c, vector, tlp->req_id);
        if (mode == 1) break; /* lowest priority: one core */
      }
      ladon_counter_add(any ? h->st.msi : h->st.msi_dropped, 1);
    }
  }
}

ladon_status ladon__host_irq_hook(ladon__host *host, ladon__host_irq_fn fn,
                                  void *ctx) {
  if (!host || !fn) return LADON_EINVAL;
  if (host->n_hooks == LADON__HOST_MAX_HOOKS) return LADON_EFULL;
  host->hooks[host->n_hooks].fn = fn;
  host->hooks[host->n_hooks].ctx = ctx;
  host->n_hooks++;
  return LADON_OK;
}

uint64_t ladon__host_irq_count(const ladon__host *host, uint32_t core,
                               uint8_t vector) {
  if (!host || core >= host->n_cpus) return 0;
  return host->irq_counts[(size_t)core * 256u + vector];
}
