/*
** Workloads of SR-IOV functions: the traffic a function generates.
**
** Two kinds, each a registered component type whose parameter table is the
** single source of the keys a topology's "workloads" entry may hold (the
** loader itself handles "type", "on" and "target"):
**
**   "dma"  a raw DMA stream: reads, writes or a mix; a transfer size; a
**          sequential or random address pattern over a window; a count or
**          a duration; an optional rate limit and an outstanding limit;
**   "nic"  a descriptor-ring NIC on the function (one TX and one RX queue,
**          82599-VF style): doorbell -> descriptor fetch -> data DMA ->
**          descriptor write-back -> MSI-X interrupt.
**
** Every request carries the function's own Requester ID, and addresses are
** in the function's DMA address space (for a VF assigned to a VM, the VM's
** guest physical addresses).  The fabric tells a workload where it may
** touch memory with ladon__workload_set_window() (or the user writes a
** "window" parameter), binds it to a function with ladon__workload_bind(),
** and starts it (the type's `start`).
**
** Statistics, per workload NAME (the flow of DESIGN §5):
**   flow.NAME.requests       transfers (dma) / packets (nic) completed
**   flow.NAME.bytes          their bytes
**   flow.NAME.errors         transfers that ended with an error
**   flow.NAME.first_issue_ps time of the first issue
**   flow.NAME.last_done_ps   time of the last completion
**   flow.NAME.latency_ps     histogram: for reads, issue -> last completion;
**                            for writes, issue -> the last TLP's
**                            serialisation ended at the device (a posted
**                            write has no completion); for NIC packets,
**                            doorbell (TX) or arrival (RX) -> write-back
**                            serialised
** and per kind the extra counters listed in the types' statistics tables.
*/
#ifndef LADON_MODELS_WORKLOAD_H
#define LADON_MODELS_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/component.h"
#include "ladon/error.h"
#include "ladon/sim.h"
#include "models/sriov.h"

extern const ladon_component_type ladon__workload_dma_type; /* "dma" */
extern const ladon_component_type ladon__workload_nic_type; /* "nic" */

typedef enum ladon__wl_kind { LADON__WL_DMA = 0, LADON__WL_NIC = 1 } ladon__wl_kind;
typedef enum ladon__wl_op { LADON__WL_READ = 0, LADON__WL_WRITE, LADON__WL_MIXED } ladon__wl_op;
typedef enum ladon__wl_pattern { LADON__WL_SEQUENTIAL = 0, LADON__WL_RANDOM } ladon__wl_pattern;
typedef enum ladon__wl_arrival { LADON__WL_CONSTANT = 0, LADON__WL_POISSON } ladon__wl_arrival;
typedef enum ladon__wl_driver { LADON__WL_DRIVER_MODEL = 0, LADON__WL_DRIVER_MMIO } ladon__wl_driver;

/* A raw DMA stream. */
typedef struct ladon__wl_dma_spec {
  ladon__wl_op op;
  double read_fraction;      /* mixed: probability that a transfer reads */
  uint32_t size_bytes;       /* bytes per transfer, >= 1 */
  ladon__wl_pattern pattern; /* slots of size_bytes in the window */
  uint64_t count;            /* transfers; 0 = no limit */
  uint32_t outstanding;      /* transfers in flight at most, >= 1 */
} ladon__wl_dma_spec;

/* The NIC queues of one function. */
typedef struct ladon__wl_nic_spec {
  uint32_t ring_entries;       /* descriptors per ring (both rings) */
  uint32_t desc_bytes;         /* 16, 32 or 64 */
  uint32_t packet_bytes;       /* frame size, FCS included */
  uint32_t buffer_bytes;       /* packet buffer per descriptor >= packet */
  uint32_t fetch_batch;        /* descriptors per descriptor read at most */
  uint32_t wb_batch;           /* descriptors per write-back at most */
  uint64_t tx_rate_bps;        /* line rate of TX packets; 0 = no TX */
  uint64_t rx_rate_bps;        /* line rate of arriving packets; 0 = no RX */
  ladon__wl_arrival arrival;
  uint64_t count;              /* packets per direction; 0 = no limit */
  ladon_time_ps itr_ps;        /* interrupt moderation interval, 0 = none */
  uint32_t tx_vector, rx_vector; /* MSI-X vectors */
  uint32_t rx_fifo_bytes;      /* on-chip packet buffer for RX */
  ladon__wl_driver driver;     /* who rings the doorbells */
  bool desc_buffers;           /* buffer addresses from fetched descriptors */
} ladon__wl_nic_spec;

/* Everything a workload entry says. */
typedef struct ladon__workload_spec {
  ladon__wl_kind kind;
  uint64_t window_base;        /* where the workload may touch memory */
  uint64_t window_bytes;       /* 0 = not given (the fabric sets it) */
  ladon_time_ps start_ps;      /* when it starts, relative to `start` */
  ladon_time_ps duration_ps;   /* stop issuing after this; 0 = no limit */
  uint64_t rate_bytes_per_s;   /* dma: pacing; 0 = as fast as possible */
  union {
    ladon__wl_dma_spec dma;
    ladon__wl_nic_spec nic;
  } u;
} ladon__workload_spec;

typedef struct ladon__workload ladon__workload;

/* The defaults of a kind's parameter table. */
void ladon__workload_spec_default(ladon__wl_kind kind, ladon__workload_spec *out);

/*
** Fills `out` from resolved parameters of the "dma" or "nic" type (the kind
** is the table's).  Errors (LADON_EPARSE, LADON_EINVAL) name the parameter:
** a window that does not parse ("BASE+SIZE", e.g. "0x100000000+16MiB").
*/
ladon_status ladon__workload_spec_from_params(const ladon_params *params,
                                              ladon__workload_spec *out, ladon_error *err);

/* Parses "BASE+SIZE" (BASE decimal or 0x hex, SIZE with units). */
ladon_status ladon__workload_parse_window(const char *text, uint64_t *base, uint64_t *bytes,
                                          ladon_error *err);

/*
** Creates workload `name` (statistics flow.NAME.*).  Rejects impossible
** specs naming the workload and parameter (LADON_EINVAL).  Owned by the
** caller.
*/
ladon__workload *ladon__workload_new(ladon_sim *sim, const char *name,
                                     const ladon__workload_spec *spec, ladon_error *err);
/* Frees the workload.  Free it before its device, and only when the
** simulation will not run again (its transfers still in the device's
** engine would call back into it).  NULL is a no-op. */
void ladon__workload_free(ladon__workload *wl);

/* The workload behind a "dma" / "nic" component instance. */
static inline ladon__workload *ladon__workload_of(void *instance) {
  return (ladon__workload *)instance;
}

const char *ladon__workload_name(const ladon__workload *wl);
ladon__wl_kind ladon__workload_kind(const ladon__workload *wl);

/*
** Attaches the workload to function `vf` of `dev` (-1 = PF, k = "vfk"),
** before start.  The RNG stream is derived from the simulation's seed and
** the device instance and workload names, so the same seed gives the same
** address sequence.  LADON_ENOENT for a function beyond total_vfs, LADON_EINVAL
** for a NIC vector the function does not have, LADON_ESTATE if already
** bound or started.
*/
ladon_status ladon__workload_bind(ladon__workload *wl, ladon__sriov *dev, int32_t vf,
                                  ladon_error *err);

/* Sets the window (replacing the "window" parameter).  LADON_ESTATE once
** started; LADON_EINVAL for an empty or wrapping window. */
ladon_status ladon__workload_set_window(ladon__workload *wl, uint64_t base, uint64_t bytes,
                                        ladon_error *err);

/*
** Starts issuing at now + start.  Errors: not bound, no window, a window
** too small for one transfer (dma) or for the rings and buffers (nic).
*/
ladon_status ladon__workload_start(ladon__workload *wl, ladon_error *err);

/* True once the workload has issued all it will and nothing is in flight. */
bool ladon__workload_done(const ladon__workload *wl);

/* Summary of the flow (also in the registry). */
typedef struct ladon__workload_counts {
  uint64_t requests, bytes, errors;
  uint64_t issued;          /* transfers / packets started */
  uint64_t reads, writes;   /* dma: completed transfers of each kind */
  uint64_t tx_packets, rx_packets, rx_dropped, tx_ring_full, interrupts; /* nic */
} ladon__workload_counts;
void ladon__workload_counts_get(const ladon__workload *wl, ladon__workload_counts *out);

/*
** The NIC's ring layout inside its window (nic kind): TX ring, RX ring,
** TX buffers, RX buffers, each starting on a 4 KiB boundary.
*/
typedef struct ladon__nic_layout {
  uint64_t tx_ring, rx_ring, tx_buffers, rx_buffers, end;
} ladon__nic_layout;
ladon_status ladon__workload_nic_layout(const ladon__workload *wl, ladon__nic_layout *out);

/* NIC register offsets in the function's BAR0: queue 0 of an 82599 VF
** (the Linux ixgbevf names IXGBE_VFRDH(0), IXGBE_VFRDT(0), IXGBE_VFTDH(0),
** IXGBE_VFTDT(0)). */
#define LADON__NIC_RDH 0x1010u
#define LADON__NIC_RDT 0x1018u
#define LADON__NIC_TDH 0x2010u
#define LADON__NIC_TDT 0x2018u

/*
** The byte a "dma" write stores at `addr` (functional mode), so that tests
** can check which memory a stream changed: low byte of addr XOR `key`, key
** = low byte of ladon_hash_string(workload name).
*/
static inline uint8_t ladon__workload_pattern_byte(uint8_t key, uint64_t addr) {
  return (uint8_t)((uint8_t)addr ^ key);
}

#endif /* LADON_MODELS_WORKLOAD_H */
