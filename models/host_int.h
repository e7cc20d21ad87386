/*
** Internals of the host model (models/host*.c).
**
** Files, one idea each:
**   host.c         component type, parameters, create/destroy, statistics
**   host_cfg.c     configuration spaces of bus 0 and the configuration API
**   host_route.c   routing tables built from what software programmed
**   host_egress.c  per-root-port transmit queues with the ordering rules
**   host_rx.c      what arrives at a root port: upstream requests,
**                  completions for the CPU, peer-to-peer
**   host_dma.c     DMA to memory: writes absorbed, reads completed (split
**                  at RCB / MPS, host_cpl.c)
**   host_cpu.c     cores: MMIO loads and stores, tags, completion timeout
**   host_irq.c     MSI / MSI-X to cores, interrupt remapping
**   host_vm.c      VMs, EPTs, placement of guest memory
**   host_mem.c     host physical address map and the memory API
*/
#ifndef LADON_MODELS_HOST_INT_H
#define LADON_MODELS_HOST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/link.h"
#include "ladon/stats.h"
#include "ladon/tlp.h"
#include "ladon/tlp_pool.h"
#include "models/host.h"
#include "models/memory.h"
#include "pcie/cfgspace_int.h"

/* The host bridge, 00:00.0: requester and completer ID of the CPU side. */
#define LADON__HOST_BRIDGE_RID 0x0000u
/* CPU tags: 8-bit Tag field (§2.2.6.2), one space for all root ports. */
#define LADON__HOST_TAGS 256u
#define LADON__HOST_MAX_HOOKS 16u
#define LADON__HOST_MAX_VMS 1024u

/* Completion split policy of DMA reads. */
enum { LADON__CPL_SPLIT_RCB = 0, LADON__CPL_SPLIT_MPS = 1 };

/* ---- completions of a DMA read (host_cpl.c) --------------------------- */

/* One completion of a memory read, §2.3.1.1 and §2.2.9. */
typedef struct ladon__cpl_piece {
  uint64_t addr;        /* DW-aligned address of its first payload DW */
  uint16_t length_dw;   /* payload DWs */
  uint16_t byte_count;  /* Byte Count field: bytes left including these */
  uint8_t lower_addr;   /* Lower Address field */
} ladon__cpl_piece;

/* At most 4096 B / 64 B pieces. */
#define LADON__CPL_MAX_PIECES 64u

/*
** Splits the completions of memory read `req` (MRd with addr, length_dw,
** first_be, last_be) at Read Completion Boundary `rcb_bytes` (64 or 128)
** and Max_Payload_Size `mps_bytes`: with LADON__CPL_SPLIT_RCB one
** completion per RCB-aligned block, with LADON__CPL_SPLIT_MPS as few as MPS
** allows, each but the last ending on an RCB boundary.  Returns the number
** of pieces written to `out` (room for LADON__CPL_MAX_PIECES).
*/
unsigned ladon__cpl_split(const ladon_tlp *req, uint32_t rcb_bytes,
                          uint32_t mps_bytes, int policy,
                          ladon__cpl_piece *out);

/* Lower Address of the first completion of `req` (Table 2-39 / 2-41). */
uint8_t ladon__cpl_lower_addr(const ladon_tlp *req);

/* ---- per root port ---------------------------------------------------- */

/* One TLP waiting in a root port's egress queue. */
typedef struct ladon__host_out {
  ladon_tlp *tlp;
  int8_t credit_rp;      /* >= 0: ingress port whose credits free on send */
  uint8_t cls, tc;       /* credits to return there */
  uint32_t data_credits;
} ladon__host_out;

typedef struct ladon__host_rp {
  struct ladon__host *host;
  unsigned index;
  char name[8];               /* "rp3" */
  uint16_t rid;               /* 00:<index+1>.0 */
  ladon_port *port;
  ladon__cfg *cfg;            /* Type 1 header, PCIe Root Port */
  ladon__cfg_bridge br;       /* decoded bus numbers and windows */
  uint16_t acs_ctrl;          /* decoded ACS Control */
  uint32_t mps_bytes;         /* Device Control MPS, capped by the host's */
  ladon_time_ps in_order_ps;  /* upstream pipeline: last continuation */
  ladon__host_out *out;       /* egress FIFO, out[0..n_out) */
  size_t n_out, cap_out;
  size_t n_cls[4];            /* queued TLPs per ladon_tlp_class */
  ladon_counter *tlps_in, *tlps_out, *ur_sent;
} ladon__host_rp;

/* ---- CPU side ---------------------------------------------------------- */

/* Non-posted requests of the CPU side, tracked by tag. */
enum { LADON__NP_CFG_RD = 1, LADON__NP_CFG_WR, LADON__NP_MEM_RD };

typedef struct ladon__host_np {
  uint8_t kind;
  uint8_t size;            /* bytes asked for */
  int16_t tag;             /* -1 while waiting for a tag */
  uint32_t core;           /* MEM_RD: the stalled core */
  uint16_t bdf, reg;       /* CFG */
  uint32_t wvalue;         /* CFG_WR */
  uint64_t addr;           /* MEM_RD */
  uint32_t got;            /* MEM_RD: payload bytes received */
  uint64_t value;          /* MEM_RD from RAM: the value loaded */
  uint8_t buf[12];         /* MEM_RD: the DWs covering the load */
  ladon_time_ps t_issue;
  ladon_event_id timeout_ev;
  ladon__host_cfg_cb cfg_cb;
  ladon__host_read_cb rd_cb;
  void *ctx;
  struct ladon__host_np *next; /* tag-wait list */
} ladon__host_np;

/* One operation of a core, in program order. */
typedef struct ladon__host_op {
  bool load;
  uint64_t addr;
  uint32_t bytes;
  ladon_tlp *store;        /* store: an MWr with the data (payload owned) */
  ladon__host_read_cb cb;  /* load */
  void *ctx;
} ladon__host_op;

typedef struct ladon__host_core {
  ladon__host_op *q;       /* ring */
  size_t cap, head, len;
  ladon__host_np *stall;   /* the outstanding load, NULL when running */
} ladon__host_core;

/* ---- VMs --------------------------------------------------------------- */

struct ladon__host_vm {
  struct ladon__host *host;
  char *name;
  uint32_t index;
  uint64_t mem_bytes;
  uint32_t vcpus;
  uint32_t *cores;             /* vCPU -> host core */
  ladon_imap *ept;
  uint32_t gpa_domain;
  ladon__host_range *ranges;   /* guest RAM, GPA order */
  size_t n_ranges;
  ladon_counter *ept_violations;
};

/* ---- deferred actions (host_event.c) ----------------------------------- */

/*
** Everything the host does later goes through one time-ordered queue with a
** single kernel event for its head, so that destroying a host frees what
** its pending actions own (TLPs, requests) and ties break by insertion.
*/
typedef enum ladon__host_act {
  LADON__ACT_RX = 1,     /* p: TLP arrived at root port a: process it */
  LADON__ACT_CONT,       /* p: upstream memory request of port a, after the
                            IOMMU; a >> 8 = 0 ok, else the blocking status */
  LADON__ACT_EGRESS,     /* p: TLP ready to leave root port a & 0xff; with
                            bit 8 set, sending it returns one NP header
                            credit of traffic class a >> 9 to that port */
  LADON__ACT_WDONE,      /* p: DMA write of port a written: free its credits */
  LADON__ACT_IRQ,        /* a: core | vector << 32 | rid << 40 */
  LADON__ACT_CPU,        /* run the cores' operation queues */
  LADON__ACT_NP_DONE,    /* p: CPU request answered inside the host; a:
                            status | value << 8 */
  LADON__ACT_TIMEOUT,    /* a: tag | generation << 16 */
  LADON__ACT_CFG         /* p: configuration request to issue */
} ladon__host_act;

typedef struct ladon__host_defer {
  ladon_time_ps at;
  uint64_t seq;
  void *p;
  uint64_t a;
  uint8_t kind;
} ladon__host_defer;

/* ---- the host ---------------------------------------------------------- */

typedef struct ladon__host_hook {
  ladon__host_irq_fn fn;
  void *ctx;
} ladon__host_hook;

struct ladon__host {
  ladon_sim *sim;
  char *name;
  /* parameters */
  unsigned n_rp, n_cpus;
  uint32_t rcb_bytes, mps_bytes;
  int cpl_split;
  bool p2p_allow, functional;
  ladon_time_ps clock_ps, msi_latency_ps, cpl_timeout_ps;
  /* memory and the physical address map */
  ladon__memory *mem;
  uint64_t low_ram_top, high_ram_top; /* HPA ends; high RAM starts at 4 GiB */
  ladon__host_mmio_space mmio;
  ladon_imap *ram;                    /* HPA -> DRAM offset */
  uint32_t hpa_domain;
  uint64_t alloc_lo, alloc_hi;        /* DRAM offsets: host grows up, VMs down */
  /* root complex */
  ladon__cfg *bridge_cfg;             /* 00:00.0 */
  ladon__host_rp rp[LADON__HOST_MAX_ROOT_PORTS];
  ladon_imap *routes;                 /* HPA -> root port (user) */
  bool routes_dirty;
  struct ladon__iommu *iommu;
  uint8_t iommu_blocked_status;       /* LADON_TLP_CPL_UR or _CA */
  /* CPU side */
  ladon__host_core *cores;
  ladon__host_np *tags[LADON__HOST_TAGS];
  uint32_t next_tag;
  ladon__host_np *wait_head, *wait_tail; /* waiting for a tag */
  bool cpu_kick_pending;
  uint16_t tag_gen[LADON__HOST_TAGS];
  /* deferred actions: two binary heaps on (at, seq), actions due soon in
  ** dq, those deferred far ahead (request timeouts) in fq (host_event.c) */
  ladon__host_defer *dq;
  size_t n_dq, cap_dq;
  ladon__host_defer *fq;
  size_t n_fq, cap_fq;
  uint64_t dq_seq;
  ladon_event_id dq_ev;
  ladon_time_ps dq_ev_at;
  bool dq_running;                    /* run_due is running: it arms at its end */
  /* interrupts */
  uint64_t *irq_counts;               /* cpus x 256 */
  ladon__host_hook hooks[LADON__HOST_MAX_HOOKS];
  unsigned n_hooks;
  /* VMs */
  ladon__host_vm **vms;
  size_t n_vms;
  uint32_t next_vcpu_core;
  /* statistics */
  struct {
    ladon_counter *dma_writes, *dma_write_bytes, *dma_reads, *dma_read_bytes;
    ladon_counter *completions, *ur, *ca, *unexpected_cpl, *poisoned;
    ladon_counter *p2p_forwarded, *p2p_blocked, *messages;
    ladon_counter *mmio_writes, *mmio_reads, *master_aborts, *cfg_requests;
    ladon_counter *cpl_timeouts, *msi, *msi_dropped, *iommu_blocked;
    ladon_counter *window_conflicts, *acs_violations, *egress_refused;
    ladon_hist *dma_read_latency, *mmio_read_latency, *cfg_latency;
  } st;
};

/* ---- shared helpers ---------------------------------------------------- */

/* Next root-complex clock edge at or after `t`. */
static inline ladon_time_ps ladon__host_edge(const ladon__host *h,
                                             ladon_time_ps t) {
  return ladon_clock_edge_at_or_after(t, h->clock_ps, 0);
}

/* host_event.c: runs action `kind` at `at` (>= now). */
void ladon__host_defer_at(ladon__host *h, ladon_time_ps at, uint8_t kind,
                          void *p, uint64_t a);
/* ladon__host_defer_at() for an action deferred as the last step of a
** running action: when it would be the next action to run anyway (due now,
** nothing else due), it runs at once instead of passing through the queue.
** The order of actions is the same either way. */
void ladon__host_defer_last(ladon__host *h, ladon_time_ps at, uint8_t kind,
                            void *p, uint64_t a);
void ladon__host_defer_free(ladon__host *h);
/* Dispatch of one action (host.c). */
void ladon__host_act_run(ladon__host *h, const ladon__host_defer *d);
/* Frees what a never-run action owns (host.c). */
void ladon__host_act_drop(ladon__host *h, const ladon__host_defer *d);

/* host_route.c */
void ladon__host_routes_dirty(ladon__host *h);
void ladon__host_routes_update(ladon__host *h);
/* The root port whose enabled memory windows hold [addr, addr + len), or
** -1 (a range partly inside a window is -1 too). */
int ladon__host_route_addr(ladon__host *h, uint64_t addr, uint64_t len);
/* The root port whose bus range [secondary, subordinate] holds `bus`. */
int ladon__host_route_bus(ladon__host *h, unsigned bus);

/* host_egress.c: queue `tlp` (ownership passes) out of root port `rp`;
** with credit_rp >= 0 the ingress credits of that port are returned when the
** TLP is sent.  Sends at once what the link accepts. */
void ladon__host_egress_push(ladon__host_rp *rp, ladon_tlp *tlp,
                             int credit_rp, ladon_tlp_class cls, unsigned tc,
                             uint32_t data_credits);
void ladon__host_egress_drain(ladon__host_rp *rp);
void ladon__host_egress_free(ladon__host_rp *rp);

/* host_rx.c: the port callbacks. */
void ladon__host_rx_deliver(void *owner, ladon_port *port, ladon_tlp *tlp);
void ladon__host_rx_tx_ready(void *owner, ladon_port *port);
/* A Completion without data for request `req` with `status`, from
** completer `cpl_id`. Returns a new TLP or NULL when out of memory. */
ladon_tlp *ladon__host_make_cpl(const ladon_tlp *req, uint8_t status,
                                uint16_t cpl_id);

/* host_dma.c: a memory request from root port `rp` whose address is
** already translated (host physical); runs at the current time. */
void ladon__host_dma(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp);
/* The same, for a request whose first DW is at DRAM offset `dram` (what
** ladon__host_hpa_to_dram() gave for its address). */
void ladon__host_dma_at(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                        uint64_t dram);

/* host_cfg.c */
ladon_status ladon__host_cfg_build(ladon__host *h, ladon_error *err);
void ladon__host_cfg_free(ladon__host *h);
/* Completion of a CPU configuration request (tag matched). */
void ladon__host_cfg_complete(ladon__host *h, ladon__host_np *np,
                              const ladon_tlp *cpl);
/* Starts (or restarts after waiting for a tag) a configuration request. */
void ladon__host_cfg_issue(ladon__host *h, ladon__host_np *np);

/* host_cpu.c */
ladon_status ladon__host_cpu_init(ladon__host *h);
void ladon__host_cpu_free(ladon__host *h);
/* Gives `np` a tag (true) or queues it until one frees (false). */
bool ladon__host_tag_get(ladon__host *h, ladon__host_np *np);
/* Releases the tag of `np` (cancelling its timeout) and frees `np`. */
void ladon__host_np_done(ladon__host *h, ladon__host_np *np);
/* A completion whose Requester ID is the host bridge's. */
void ladon__host_cpu_completion(ladon__host *h, ladon__host_rp *rp,
                                const ladon_tlp *cpl);
/* Starts the completion timer of an issued request. */
void ladon__host_np_arm(ladon__host *h, ladon__host_np *np);
/* Runs the cores' operation queues (LADON__ACT_CPU). */
void ladon__host_cpu_run(ladon__host *h);
/* A request answered inside the host (LADON__ACT_NP_DONE). */
void ladon__host_np_internal_done(ladon__host *h, ladon__host_np *np,
                                  uint64_t a);
/* Whether the LADON__ACT_TIMEOUT with argument `a` is for a request that
** has completed since (its tag was released). */
bool ladon__host_np_timeout_stale(const ladon__host *h, uint64_t a);
/* LADON__ACT_TIMEOUT. */
void ladon__host_np_timeout(ladon__host *h, uint64_t a);

/* host_irq.c: an MWr to the interrupt range, after ordering. */
void ladon__host_msi(ladon__host *h, ladon__host_rp *rp, const ladon_tlp *tlp);
ladon_status ladon__host_irq_init(ladon__host *h);
/* LADON__ACT_IRQ: counts the interrupt and calls the hooks. */
void ladon__host_irq_run(ladon__host *h, uint64_t a);

/* host_mem.c */
ladon_status ladon__host_mem_init(ladon__host *h, const ladon__memory_config *mc,
                                  uint64_t mmio32_base, ladon_error *err);
void ladon__host_mem_free(ladon__host *h);
/* DRAM offset of host physical [hpa, hpa + len), or false when any byte
** is not RAM. */
bool ladon__host_hpa_to_dram(const ladon__host *h, uint64_t hpa, uint64_t len,
                             uint64_t *dram);
/* Host physical address of a DRAM offset. */
uint64_t ladon__host_dram_to_hpa(const ladon__host *h, uint64_t dram);

/* host_iommu.c: the IOMMU of the host (NULL when the "iommu" parameter is
** false).  Creation reads the IOMMU parameters. */
ladon_status ladon__host_iommu_create(ladon__host *h, const ladon_params *p,
                                      ladon_error *err);
void ladon__host_iommu_destroy(ladon__host *h);
struct ladon__iommu_result;
void ladon__host_iommu_translate(ladon__host *h, const ladon_tlp *tlp,
                                 struct ladon__iommu_result *out);
bool ladon__host_iommu_remap_msi(ladon__host *h, uint16_t rid, uint64_t addr,
                                 uint32_t data, uint32_t *dest_cpu,
                                 uint8_t *vector);

/* host_rx.c: an upstream request after ordering and translation;
** `blocked` is 0, or the status a blocked request completes with. */
void ladon__host_rx(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp);
void ladon__host_continue(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                          unsigned blocked);

/* host_vm.c */
void ladon__host_vms_free(ladon__host *h);

#endif /* LADON_MODELS_HOST_INT_H */
