/*
** A VT-d-like IOMMU: DMA remapping and interrupt remapping for one host.
**
** The root complex hands every upstream memory request (DMA and MSI writes)
** to the IOMMU of its host before it reaches memory or the interrupt
** controller.  What system software does -- attach a requester ID to a
** domain, map and unmap pages, program interrupt-remapping entries -- is this
** header's programming API; the datapath is ladon__iommu_translate() and
** ladon__iommu_remap_msi().
**
** Tables are interval maps (include/ladon/imap.h): the context table maps
** requester IDs to domains, each domain's second-level page table maps IOVA
** ranges to host physical ranges with R/W permissions and a page size
** (4 KiB, 2 MiB, 1 GiB; one entry may stand for a run of uniform PTEs), and
** the interrupt-remapping table maps handles to entries.  The isolation
** checker reads the same maps.
**
** Timing: an IOTLB (entries x ways, LRU within a set, tagged by domain and
** page) and, on a miss, a page walk of one memory access per level (4
** levels for 4 KiB pages, 3 for 2 MiB, 2 for 1 GiB), optionally shortened
** by a page-walk cache of upper-level entries.
**
** Faults follow the VT-d fault reasons (Intel VT-d spec §7.1.3 / Appendix
** A): 0x02 context entry not present, 0x05 write to a page without W,
** 0x06 read of a page without R (also used for "not present" of the
** access's kind), 0x04 address beyond the guest address width; interrupt
** remapping 0x22 IRTE not present, 0x26 source-id verification failed.
** Blocked writes are discarded; blocked reads complete with UR or CA
** (configurable).
*/
#ifndef LADON_MODELS_IOMMU_H
#define LADON_MODELS_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/imap.h"
#include "ladon/sim.h"
#include "ladon/tlp.h"

typedef struct ladon__iommu ladon__iommu;

typedef struct ladon__iommu_config {
  uint32_t iotlb_entries;        /* total IOTLB entries (> 0) */
  uint32_t iotlb_ways;           /* associativity; entries % ways == 0 */
  uint32_t pwc_entries;          /* page-walk cache entries, 0 = none */
  ladon_time_ps hit_latency_ps;  /* translation with an IOTLB hit */
  ladon_time_ps walk_access_ps;  /* one memory access of a walk */
  uint32_t walkers;              /* page walks in progress at once, 0 = no limit */
  uint8_t max_page_shift;        /* largest page software maps with (12, 21, 30; 0 = 30) */
  uint8_t blocked_read_status;   /* LADON_TLP_CPL_UR or LADON_TLP_CPL_CA */
  uint8_t address_width_bits;    /* guest address width, e.g. 48 */
} ladon__iommu_config;

/* One recorded fault (DMA or interrupt remapping). */
typedef struct ladon__iommu_fault {
  ladon_time_ps time_ps;
  uint16_t requester_id;
  uint64_t address;     /* IOVA, or the MSI address for IR faults */
  uint8_t write;        /* 1 write/MSI, 0 read */
  uint8_t reason;       /* VT-d fault reason code */
} ladon__iommu_fault;

/* Outcome of one DMA translation. */
typedef struct ladon__iommu_result {
  bool ok;                   /* translated and permitted */
  uint64_t address;          /* host physical address when ok */
  ladon_time_ps latency_ps;  /* time the translation takes (hit or walk) */
  uint8_t fault_reason;      /* when !ok */
  uint32_t domain;           /* the requester's domain (0 = none) */
  const ladon_imap_entry *entry; /* page-table entry used, or NULL */
} ladon__iommu_result;

/* An interrupt-remapping table entry (VT-d §9.10, remappable format). */
typedef struct ladon__iommu_irte {
  uint32_t dest_cpu;     /* destination (APIC id) */
  uint8_t vector;
  uint16_t source_id;    /* SID */
  uint8_t sid_qualifier; /* SQ: 0 = compare all 16 bits, 1..3 ignore fn bits */
  uint8_t sid_verify;    /* SVT: 0 none, 1 requester id, 2 bus range */
} ladon__iommu_irte;

/*
** Creates an IOMMU named `name` (e.g. "mh.iommu"; statistics are registered
** as NAME.iotlb_hits, NAME.iotlb_misses, NAME.walks, NAME.faults,
** NAME.ir_faults).  Returns NULL with `err` filled for impossible
** parameters (no IOTLB entries, entries not a multiple of ways, a blocked
** read status other than UR/CA), naming the parameter.
*/
ladon__iommu *ladon__iommu_new(ladon_sim *sim, const char *name,
                               const ladon__iommu_config *cfg,
                               ladon_error *err);
void ladon__iommu_free(ladon__iommu *iommu);

/* ---- programming (what the host's IOMMU driver does) ---- */

/* Context entry: requester `rid` translates through `domain` (> 0). */
ladon_status ladon__iommu_attach(ladon__iommu *iommu, uint16_t rid,
                                 uint32_t domain, ladon_error *err);
/* Removes the context entry of `rid` (and flushes its IOTLB entries). */
void ladon__iommu_detach(ladon__iommu *iommu, uint16_t rid);

/*
** Maps [iova, iova + bytes) of `domain` to `phys` with LADON_IMAP_R/W
** `perms` in pages of 1 << page_shift (12, 21 or 30); everything must be
** aligned to that page size.  Overlap with an existing mapping is an error.
*/
ladon_status ladon__iommu_map(ladon__iommu *iommu, uint32_t domain,
                              uint64_t iova, uint64_t bytes, uint64_t phys,
                              uint32_t perms, unsigned page_shift,
                              ladon_error *err);
/* Unmaps a range of `domain` and invalidates the IOTLB for it. */
void ladon__iommu_unmap(ladon__iommu *iommu, uint32_t domain, uint64_t iova,
                        uint64_t bytes);

/* The largest page shift (12, 21 or 30) that system software maps with. */
unsigned ladon__iommu_max_page_shift(const ladon__iommu *iommu);

/* The page table of `domain` (borrowed), or NULL: for the checker. */
const ladon_imap *ladon__iommu_domain_map(const ladon__iommu *iommu,
                                          uint32_t domain);
/* The context table: requester ID -> domain (borrowed). */
const ladon_imap *ladon__iommu_context_map(const ladon__iommu *iommu);

/* Sets (or with NULL clears) interrupt-remapping entry `handle`. */
ladon_status ladon__iommu_irte_set(ladon__iommu *iommu, uint32_t handle,
                                   const ladon__iommu_irte *irte,
                                   ladon_error *err);

/* Read-only views for the isolation checker: the number of handles the
** interrupt-remapping table spans, entry `handle` (false when not present),
** and the configuration the IOMMU was created with. */
uint32_t ladon__iommu_irte_count(const ladon__iommu *iommu);
bool ladon__iommu_irte_get(const ladon__iommu *iommu, uint32_t handle,
                           ladon__iommu_irte *out);
const ladon__iommu_config *ladon__iommu_config_get(const ladon__iommu *iommu);

/* Does entry `e`'s source-ID verification (SVT, SID, SQ) accept an
** interrupt request from requester `rid`?  The remapping datapath and the
** isolation checker both ask this one function. */
bool ladon__iommu_irte_sid_ok(const ladon__iommu_irte *e, uint16_t rid);

/* ---- datapath ---- */

/*
** Translates the DMA request `tlp` (its requester ID, address, length and
** whether it writes) at the current time, updating the IOTLB and counters.
** A fault is recorded (and counted) when the result is not ok.
*/
void ladon__iommu_translate(ladon__iommu *iommu, const ladon_tlp *tlp,
                            ladon__iommu_result *out);

/*
** Remaps an MSI write in the interrupt range (remappable format: handle in
** the address, VT-d §5.1.2.2).  On success stores the destination CPU and
** vector and returns true; otherwise records an IR fault and returns false.
*/
bool ladon__iommu_remap_msi(ladon__iommu *iommu, uint16_t rid, uint64_t addr,
                            uint32_t data, uint32_t *dest_cpu,
                            uint8_t *vector);

/* Recorded faults, oldest first (borrowed; valid until the next fault). */
size_t ladon__iommu_fault_count(const ladon__iommu *iommu);
const ladon__iommu_fault *ladon__iommu_fault_at(const ladon__iommu *iommu,
                                                size_t i);

#endif /* LADON_MODELS_IOMMU_H */
