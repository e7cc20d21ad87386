/*
** Internals of the SR-IOV endpoint, shared by models/sriov*.c:
**   sriov.c         parameters, create/destroy, the component type
**   sriov_cfg.c     configuration spaces and configuration requests
**   sriov_mem.c     BAR decode, register file, MSI-X table and interrupts
**   sriov_io.c      ingress dispatch and the egress arbiter
*/
#ifndef LADON_MODELS_SRIOV_INT_H
#define LADON_MODELS_SRIOV_INT_H

#include "ladon/stats.h"
#include "ladon/tlp.h"
#include "models/sriov.h"
#include "pcie/cfgspace_int.h"

struct ladon__sriov_fn {
  ladon__sriov *dev;
  uint32_t index;               /* 0 = PF, n = VF n */
  char label[16];               /* "pf", "vf0", ... */
  ladon__cfg *cfg;
  ladon__dma *dma;
  uint32_t vectors;             /* MSI-X table entries */
  uint32_t (*msix)[4];          /* entries: addr lo, addr hi, data, control */
  uint64_t pba[LADON__SRIOV_MSIX_MAX / 64];
  uint64_t bar_bytes;           /* declared BAR0 size */
  uint32_t *regs;               /* register file, allocated on first write */
  ladon__sriov_mmio_fn hook;
  void *hook_ctx;
  ladon__sriov_fn *act_next;    /* egress round-robin list */
  bool active;
  ladon_counter *c_msix_sent, *c_msix_pending, *c_msix_dropped;
};

/* A completion waiting for the egress, ready at `t_ps`. */
typedef struct ladon__sriov_cpl {
  ladon_tlp *tlp;
  ladon_time_ps t_ps;
} ladon__sriov_cpl;

struct ladon__sriov {
  ladon_sim *sim;
  char *name;
  ladon__sriov_config cfg;
  ladon_port *up;
  uint32_t n_fn;                /* 1 + total_vfs */
  ladon__sriov_fn *fn;
  uint8_t bus;                  /* captured from Type 0 writes (§2.2.6.2) */
  /* The PF's SR-IOV Control and VF placement, re-read after each write to
  ** the PF (completions are routed by them on the hot path). */
  bool vf_enable;
  uint16_t num_vfs, vf_offset, vf_stride;

  /* Egress: completions (FIFO ring), then engines round-robin. */
  ladon__sriov_cpl *cq;
  uint32_t cq_cap, cq_head, cq_len;
  ladon__sriov_fn *act_head, *act_tail;
  ladon_event_id eg_ev;
  ladon_time_ps eg_time;
  ladon__dma *held_dma;         /* its write transfer ends at the next egress_ev */
  ladon_time_ps busy_until;

  ladon_counter *c_cfg, *c_cfg_ur, *c_mrd, *c_mwr, *c_mem_ur, *c_cpl_unclaimed, *c_msgs,
      *c_other_ur, *c_tx, *c_tx_rejected;
};

/* sriov_cfg.c */
ladon_status ladon__sriov_build_cfg(ladon__sriov *dev, ladon_error *err);
void ladon__sriov_cfg_request(ladon__sriov *dev, const ladon_tlp *t);
/* The function a Routing ID names now (present functions only), or NULL. */
ladon__sriov_fn *ladon__sriov_fn_by_rid(ladon__sriov *dev, uint16_t rid);
/* Re-reads the settings the DMA engine of `fn` depends on. */
void ladon__sriov_refresh(ladon__sriov_fn *fn);

/* sriov_mem.c */
void ladon__sriov_mem_request(ladon__sriov *dev, const ladon_tlp *t);
/* After Function Mask or MSI-X Enable changed: send pending messages. */
void ladon__sriov_msix_update(ladon__sriov_fn *fn);

/* sriov_io.c */
void ladon__sriov_deliver(void *owner, ladon_port *port, ladon_tlp *t);
void ladon__sriov_tx_ready(void *owner, ladon_port *port);
/* Queues a completion (takes ownership) for when the completer is done. */
void ladon__sriov_send_cpl(ladon__sriov *dev, ladon_tlp *cpl);
/* A Cpl for request `req` from completer `cpl_id` with `status` and no data. */
ladon_tlp *ladon__sriov_cpl_new(const ladon_tlp *req, uint16_t cpl_id, uint8_t status,
                                uint16_t byte_count, uint8_t lower_addr, uint32_t data_bytes);
/* DMA engine kick: the function has work for the egress. */
void ladon__sriov_kick(void *fn);
void ladon__sriov_egress_arm(ladon__sriov *dev);

#endif /* LADON_MODELS_SRIOV_INT_H */
