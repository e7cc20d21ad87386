/*
** The Ladon manager (DESIGN §4, docs/ladon.md): what it programmed for each
** function assigned to a VM, so that the isolation checker, reports and tests
** can read the tables without re-deriving them.
**
** One assignment per (VM, function).  A VM on the host whose PCIe domain
** holds the device is a single-host assignment (`ladon` false: no NTB, the
** CH is the MH, proxy IDs are the VF's own).  A VM on a compute host (CH)
** that reaches the device's domain only through an NTB is a Ladon
** assignment: the device's host is the management host (MH).
**
** Addresses: "MH bus" = host physical/bus addresses of the MH domain, "CH
** HPA" = of the CH domain, GPA = the VM's guest physical addresses.
** Everything here is borrowed from the fabric and valid until it is freed.
*/
#ifndef LADON_FABRIC_LADON_INT_H
#define LADON_FABRIC_LADON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/fabric.h"
#include "ladon/sim.h"

#define LADON__LMGR_NONE UINT32_MAX

typedef struct ladon__lmgr_assign {
  uint32_t vm;              /* index into the topology's VMs */
  uint32_t fn;              /* index into that VM's functions */
  bool ladon;               /* reached through an NTB (CH != MH) */
  uint32_t mh, ch;          /* host components: device's domain, VM's host */
  uint32_t dev;             /* the SR-IOV device component */
  int32_t vf;               /* -1 = PF, k = "vfk" */
  uint32_t ntb;             /* NTB component, LADON__LMGR_NONE single-host */
  unsigned mh_side, ch_side; /* NTB sides in the MH and CH domains */
  /* Requester IDs. */
  uint16_t vf_rid;          /* the function's ID in the MH domain */
  uint16_t proxy_rid;       /* what its requests carry in the CH domain */
  uint16_t ch_rc_proxy_rid; /* the CH host bridge (00:00.0) in the MH domain */
  unsigned vf_rid_entry;    /* NTB MH-side requester-ID table entry */
  unsigned rc_rid_entry;    /* NTB CH-side requester-ID table entry */
  /* MMIO path (flow a). */
  uint64_t vf_bar, vf_bar_bytes; /* the function's BAR0, MH bus */
  uint64_t guest_bar_gpa;        /* where the guest sees it (EPT input) */
  uint64_t ch_bar_hpa;           /* EPT output: the CH NT window range that
                                    translates onto exactly the BAR
                                    (== vf_bar single-host) */
  /* DMA path (flow b): GPA -> MH bus (MH IOMMU) -> CH HPA (NT window). */
  uint32_t iommu_domain;         /* MH IOMMU domain of vf_rid (0 = no IOMMU) */
  uint64_t mh_win_base;          /* MH bus address of the MH-side NT BAR2 */
  uint64_t mh_win_bytes;         /* its size */
  uint64_t mh_win_xlate;         /* direct window: the CH HPA of its offset 0 */
  unsigned mh_lut_first, mh_lut_n; /* LUT: MH-side entries of the VM's pages
                                      (n = 0: a direct window) */
  unsigned ch_lut_first, ch_lut_n; /* LUT: CH-side entries onto the BAR */
  uint32_t ch_iommu_domain;      /* CH IOMMU domain of proxy_rid, 0 = none */
  /* Interrupts (flow c). */
  uint64_t msi_addr_base;        /* what the VF's MSI-X entries hold (plus
                                    the CH address bits below 1 MiB): an MH
                                    bus address landing on CH 0xFEE00000;
                                    0xFEE00000 single-host */
  uint32_t n_vectors;            /* MSI-X entries programmed */
  uint32_t irte_first;           /* first CH IR handle (when the CH has an
                                    IOMMU), one per vector */
  uint8_t vector_first;          /* CH host vector of entry 0, +1 each */
  uint32_t dest_core;            /* CH core of the VM's vCPU 0 */
  /* Configuration proxy. */
  uint16_t msix_cap;             /* the function's MSI-X capability, 0 = none */
  uint32_t ids;                  /* Vendor ID | Device ID << 16 the guest sees
                                    (a VF's from its PF, §9.3.4.1.1-2) */
} ladon__lmgr_assign;

/* Assignments of the fabric, in VM then function order (borrowed). */
size_t ladon__lmgr_count(const ladon_fabric *f);
const ladon__lmgr_assign *ladon__lmgr_at(const ladon_fabric *f, size_t i);

/* The assignment of function `fn` of VM `vm` (topology indices), or NULL. */
const ladon__lmgr_assign *ladon__lmgr_find(const ladon_fabric *f, uint32_t vm,
                                           uint32_t fn);

/* The model instance of component `comp` (borrowed), NULL out of range. */
void *ladon__fabric_instance(const ladon_fabric *f, uint32_t comp);

/* ---- the configuration-space proxy (docs/ladon.md, scheme T15) ---- */

/* Called with the outcome of a proxied access: LADON_OK and the value read
** (writes: 0), or LADON_EINVAL/LADON_ESPEC when refused (value all ones). */
typedef void (*ladon__lmgr_cfg_cb)(void *ctx, ladon_status st, uint32_t value);

/*
** A VM's configuration read or write of its function `i` (assignment index),
** performed by the MH manager after the proxy's software latency: reads
** return the function's register (VF Vendor/Device ID synthesised from the
** PF, PCIe Base 5.0 §9.3.4.1.1-2); writes apply only VF-safe fields
** (Command Bus Master Enable, MSI-X Enable and Function Mask) and are refused
** for anything else (BARs, the SR-IOV capability, other fields).  `cb` runs
** from a simulation event, never from inside the call.  LADON_EINVAL for a
** bad index, size or alignment (nothing is scheduled then).
*/
ladon_status ladon__lmgr_cfg_read(ladon_fabric *f, size_t i, uint16_t reg,
                                  unsigned size, ladon__lmgr_cfg_cb cb,
                                  void *ctx);
ladon_status ladon__lmgr_cfg_write(ladon_fabric *f, size_t i, uint16_t reg,
                                   unsigned size, uint32_t value,
                                   ladon__lmgr_cfg_cb cb, void *ctx);

/* The proxy's software latency each way (default 4.25 us: half of Marlin's
** 8.5 us kernel-to-kernel round trip, reference notes §5.5). */
void ladon__lmgr_set_cfg_latency(ladon_fabric *f, ladon_time_ps latency_ps);

#endif
