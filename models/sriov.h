/*
** An SR-IOV endpoint: one Physical Function and up to `total_vfs` Virtual
** Functions behind one upstream port, each function with its own
** configuration space, BAR, MSI-X table and DMA engine.
**
** Component type "sriov_nic" (ladon__model_sriov_type; parameters in
** sriov.c and docs/models/sriov-endpoint.md), port "up".
**
** Configuration (PCIe Base 5.0).  The PF is a Type 0 function with the PCI
** Power Management, PCI Express (Endpoint), MSI-X, ARI and SR-IOV
** capabilities, built with src/pcie/cfgspace_int.h; each VF has a VF header
** (§9.3.4.1) with PCI Express, MSI-X and ARI.  Everything is programmed with
** CfgRd/CfgWr TLPs on "up" -- there is no side channel: NumVFs, VF Enable,
** VF MSE, the BARs, Max_Payload_Size and Max_Read_Request_Size all come from
** configuration writes (the enumeration in src/fabric does them, tests do
** them by hand).  The device is device 0 of its bus (§7.3.1), so the PF's
** Routing ID is bus:00.0 and VF n's is PF + First VF Offset + (n - 1) x VF
** Stride (§9.3.3.9-10).  The bus number is captured from Type 0
** configuration writes (§2.2.6.2); VFs on higher bus numbers are reached
** with Type 1 requests (§9.2.1.2).  A configuration request to a function
** that does not exist -- a VF before VF Enable is Set (§9.3.3.3.1) or
** beyond NumVFs -- completes with Unsupported Request.
**
** Memory.  The PF's BAR0 (64-bit, `pf_bar_size`) decodes while its Command
** Memory Space Enable is Set; VF n's BAR0 is VF BAR0 + (n - 1) x size
** (§9.3.3.14) and decodes while VF Enable and VF MSE are Set.  Each
** function's BAR0 holds, at fixed offsets:
**   [0x0000, 0x3000) and [0x4000, end)  a register file (read what was
**                  written; writes are reported to the function's hook:
**                  doorbells of the NIC workload live here);
**   [0x3000, 0x3800)  the MSI-X table (16 B per entry, §7.7.2);
**   [0x3800, 0x4000)  the MSI-X PBA (read only).
** A memory request that no enabled BAR claims whole is an Unsupported
** Request: a UR completion for reads, a dropped write for posted requests
** (§2.3.1), and Unsupported Request Detected is set in the PF's Device
** Status.
**
** Egress.  Completions and every function's DMA requests leave through one
** transmit path clocked at `clock`, `datapath` bytes per cycle: a TLP
** occupies ceil((header + payload) / datapath) cycles.  Completions go
** first; the functions' engines are served round-robin.
*/
#ifndef LADON_MODELS_SRIOV_H
#define LADON_MODELS_SRIOV_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/component.h"
#include "ladon/error.h"
#include "ladon/link.h"
#include "ladon/sim.h"
#include "models/dma.h"

struct ladon__cfg;

typedef struct ladon__sriov ladon__sriov;
typedef struct ladon__sriov_fn ladon__sriov_fn;

extern const ladon_component_type ladon__model_sriov_type;

/* BAR0 layout of every function (see above). */
#define LADON__SRIOV_MSIX_TABLE 0x3000u
#define LADON__SRIOV_MSIX_PBA 0x3800u
#define LADON__SRIOV_MSIX_END 0x4000u
#define LADON__SRIOV_MSIX_MAX 128u   /* table entries that fit 0x3000-0x37ff */
#define LADON__SRIOV_BAR_MIN 0x4000u /* 16 KiB: registers + MSI-X */

/* Parameters of one device (the type's table, as C values). */
typedef struct ladon__sriov_config {
  uint16_t vendor_id, device_id, vf_device_id;
  uint32_t class_code;
  uint16_t total_vfs;
  uint16_t num_vfs;           /* what enumeration should enable (<= total) */
  uint16_t first_vf_offset, vf_stride;
  uint64_t pf_bar_bytes, vf_bar_bytes;
  uint16_t pf_msix_vectors, vf_msix_vectors;
  uint32_t mps_supported_bytes; /* DevCap Max_Payload_Size Supported */
  uint8_t max_link_gen, max_link_width;
  bool tag10;                 /* 10-Bit Tag Requester (and Completer) Supported */
  uint32_t dma_tags;          /* outstanding non-posted requests per function */
  ladon_time_ps clock_period_ps;
  uint32_t datapath_bytes;
  ladon_time_ps completer_latency_ps; /* request in -> completion ready */
  ladon_time_ps cpl_timeout_ps;
  bool payloads;              /* DMA writes carry data (functional mode) */
} ladon__sriov_config;

/* The defaults of the parameter table. */
void ladon__sriov_config_default(ladon__sriov_config *cfg);

/*
** Creates a device named `name`.  Rejects impossible parameters naming the
** instance and the parameter (LADON_EINVAL / LADON_ERANGE): num_vfs above
** total_vfs, BAR sizes that are not powers of two or below 16 KiB, more
** MSI-X vectors than the BAR layout holds, a zero tag limit, ...
*/
ladon__sriov *ladon__sriov_new(ladon_sim *sim, const char *name,
                               const ladon__sriov_config *cfg, ladon_error *err);
void ladon__sriov_free(ladon__sriov *dev);

const char *ladon__sriov_name(const ladon__sriov *dev);
ladon_sim *ladon__sriov_sim(const ladon__sriov *dev);
const ladon__sriov_config *ladon__sriov_config_get(const ladon__sriov *dev);
ladon_port *ladon__sriov_port(ladon__sriov *dev);

/* ---- functions -------------------------------------------------------- */

/* Function `index`: 0 = the PF, n = VF n (1-based as in the spec); NULL
** beyond total_vfs.  Borrowed. */
ladon__sriov_fn *ladon__sriov_fn_at(ladon__sriov *dev, uint32_t index);

/* The topology's naming: vf = -1 for "pf", k >= 0 for "vfk" = VF k + 1. */
ladon__sriov_fn *ladon__sriov_fn_of(ladon__sriov *dev, int32_t vf);

ladon__sriov *ladon__sriov_fn_dev(const ladon__sriov_fn *fn);
uint32_t ladon__sriov_fn_index(const ladon__sriov_fn *fn);
const char *ladon__sriov_fn_label(const ladon__sriov_fn *fn); /* "pf", "vf0".. */

/* Whether the function exists now: the PF always; VF n while VF Enable is
** Set and n <= NumVFs. */
bool ladon__sriov_fn_present(const ladon__sriov_fn *fn);

/* Its Routing ID under the captured bus number. */
uint16_t ladon__sriov_fn_rid(const ladon__sriov_fn *fn);

/* Its configuration space and DMA engine (borrowed). */
struct ladon__cfg *ladon__sriov_fn_cfg(ladon__sriov_fn *fn);
ladon__dma *ladon__sriov_fn_dma(ladon__sriov_fn *fn);

/* Number of MSI-X vectors of the function. */
uint32_t ladon__sriov_fn_vectors(const ladon__sriov_fn *fn);

/* ---- register file (BAR0) --------------------------------------------- */

/*
** Called after a host write landed in the function's register file:
** `offset` is the DW-aligned BAR0 offset, `value` the DW now stored, `be`
** the byte enables of the write.  One hook per function; NULL removes it.
*/
typedef void (*ladon__sriov_mmio_fn)(void *ctx, ladon__sriov_fn *fn, uint32_t offset,
                                     uint32_t value, uint8_t be);
void ladon__sriov_fn_hook(ladon__sriov_fn *fn, ladon__sriov_mmio_fn hook, void *ctx);

/* Device-side access to the register file (DW-aligned offsets; offsets
** outside it read 0 and ignore writes). */
uint32_t ladon__sriov_reg_read(const ladon__sriov_fn *fn, uint32_t offset);
void ladon__sriov_reg_write(ladon__sriov_fn *fn, uint32_t offset, uint32_t value);

/* ---- interrupts ------------------------------------------------------- */

typedef enum ladon__msix_outcome {
  LADON__MSIX_SENT = 0,  /* a message write was queued behind earlier writes */
  LADON__MSIX_PENDING,   /* masked: the Pending Bit is now Set */
  LADON__MSIX_DISABLED,  /* MSI-X Enable clear, or Bus Master Enable clear */
  LADON__MSIX_BAD_VECTOR /* no such table entry */
} ladon__msix_outcome;

/*
** The function signals vector `v` (§6.1.4): with MSI-X enabled and Bus
** Master Enable set, a masked vector (Function Mask or the entry's Mask
** Bit) sets its Pending Bit, an unmasked one sends a DW memory write of the
** entry's Message Data to its Message Address with the function's
** Requester ID, ordered after the function's earlier writes.
*/
ladon__msix_outcome ladon__sriov_msix_raise(ladon__sriov_fn *fn, uint32_t v);

/* The Pending Bit of vector `v`. */
bool ladon__sriov_msix_pending(const ladon__sriov_fn *fn, uint32_t v);

/* MSI-X table entry `v` as software programmed it (read-only, for the
** isolation checker): Message Address, Message Data and the entry's Mask
** Bit.  False for no such entry. */
bool ladon__sriov_msix_entry(const ladon__sriov_fn *fn, uint32_t v, uint64_t *addr,
                             uint32_t *data, bool *masked);

/* ---- counters --------------------------------------------------------- */

typedef struct ladon__sriov_counts {
  uint64_t cfg_requests, cfg_ur;     /* configuration requests; of which UR */
  uint64_t mem_reads, mem_writes;    /* memory requests that hit a BAR */
  uint64_t mem_ur;                   /* memory requests no BAR claimed */
  uint64_t cpl_unclaimed;            /* completions for no present function */
  uint64_t msgs_ignored, other_ur;   /* messages; I/O, atomics, ... */
  uint64_t tx_tlps, tx_rejected;     /* TLPs sent; refused by the link */
} ladon__sriov_counts;
void ladon__sriov_counts_get(const ladon__sriov *dev, ladon__sriov_counts *out);

#endif /* LADON_MODELS_SRIOV_H */
