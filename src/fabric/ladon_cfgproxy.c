/*
** The configuration-space proxy (reference notes §1.3 and T15): a VM's
** configuration access to its function leaves the CH as a request to the
** MH (in hardware: scratchpads or a shared window plus a doorbell), the MH
** manager performs it on the real function with configuration requests in
** the MH domain, and the answer travels back.  Each way costs the proxy's
** software latency.  Only VF-safe fields are written:
**
**   Command (04h)        Bus Master Enable; the other bits are the PF
**                        driver's or read-only in a VF (§9.3.4.1.3)
**   Status (06h)         ignored: error bits stay for the PF driver
**   MSI-X Message Control  MSI-X Enable and Function Mask (§7.7.2.2)
**
** Every other byte -- BARs (a VF's are read-only zero anyway, §9.3.4.1.9,
** and reprogramming the MH's windows is the MH's business), the SR-IOV
** capability (PF only), the PCI Express capability, Expansion ROM, header
** fields -- makes the whole write refused.  Reads are answered from the
** function, with the Vendor/Device ID a VF does not have synthesised from
** its PF.
*/
#include <stdlib.h>

#include "fabric/ladon_mgr_int.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

struct ladon__lmgr_op {
  struct ladon__lmgr_op *next;
  ladon_fabric *f;
  size_t i;
  uint16_t reg, wreg, mask;
  unsigned size;
  uint32_t value;
  uint16_t bits;
  bool write;
  ladon_status st;
  uint32_t result;
  ladon__lmgr_cfg_cb cb;
  void *ctx;
};

bool ladon__lmgr_cfg_filter(uint16_t msix_cap, uint16_t reg, unsigned size,
                            uint32_t value, uint16_t *wreg, uint16_t *mask,
                            uint16_t *bits) {
  uint16_t m = 0, b = 0;
  int target = -1; /* 0: Command, 1: MSI-X Message Control */
  for (unsigned k = 0; k < size; k++) {
    unsigned at = reg + k;
    uint8_t byte = (uint8_t)(value >> (8 * k));
    if (at == PCI_COMMAND || at == PCI_COMMAND + 1u) {
      if (target == 1) return false;
      target = 0;
      uint16_t sh = (uint16_t)(8 * (at - PCI_COMMAND));
      m |= (uint16_t)(PCI_COMMAND_MASTER & (0xffu << sh));
      b |= (uint16_t)(((uint16_t)byte << sh) & PCI_COMMAND_MASTER);
    } else if (at == PCI_STATUS || at == PCI_STATUS + 1u) {
      continue;
    } else if (msix_cap && (at == msix_cap + PCI_MSIX_FLAGS + 0u ||
                            at == msix_cap + PCI_MSIX_FLAGS + 1u)) {
      if (target == 0) return false;
      target = 1;
      const uint16_t safe = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
      uint16_t sh = (uint16_t)(8 * (at - msix_cap - PCI_MSIX_FLAGS));
      m |= (uint16_t)(safe & (0xffu << sh));
      b |= (uint16_t)(((uint16_t)byte << sh) & safe);
    } else {
      return false;
    }
  }
  *wreg = target == 1 ? (uint16_t)(msix_cap + PCI_MSIX_FLAGS) : PCI_COMMAND;
  *mask = m, *bits = b;
  return true;
}

/* ---- the asynchronous path ---------------------------------------------- */

static void unlink_op(ladon_fabric *f, struct ladon__lmgr_op *op) {
  for (struct ladon__lmgr_op **p = &f->cfg_ops; *p; p = &(*p)->next)
    if (*p == op) {
      *p = op->next;
      return;
    }
}

static void reply_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  struct ladon__lmgr_op *op = ctx;
  (void)sim, (void)arg;
  unlink_op(op->f, op);
  op->cb(op->ctx, op->st, op->st ? 0xffffffffu : op->result);
  free(op);
}

static void reply(struct ladon__lmgr_op *op, ladon_status st, uint32_t value) {
  op->st = st;
  op->result = value;
  ladon_sim_schedule_in(op->f->sim, op->f->cfg_latency_ps, LADON_PRIO_DEFAULT, reply_ev, op, 0);
}

static void on_written(void *ctx, uint8_t status, uint32_t value) {
  struct ladon__lmgr_op *op = ctx;
  (void)value;
  reply(op, status == LADON_TLP_CPL_SC ? LADON_OK : LADON_EIO, 0);
}

/* The old register is back: merge the safe bits and write. */
static void on_old(void *ctx, uint8_t status, uint32_t value) {
  struct ladon__lmgr_op *op = ctx;
  const ladon__lmgr_assign *a = &op->f->assigns[op->i];
  if (status != LADON_TLP_CPL_SC) {
    reply(op, LADON_EIO, 0);
    return;
  }
  uint32_t v = (value & ~(uint32_t)op->mask) | op->bits;
  if (ladon__host_cfg_write(ladon__host_of(op->f->inst[a->mh]), a->vf_rid, op->wreg, 2, v,
                            on_written, op))
    reply(op, LADON_EIO, 0);
}

static void on_read(void *ctx, uint8_t status, uint32_t value) {
  struct ladon__lmgr_op *op = ctx;
  const ladon__lmgr_assign *a = &op->f->assigns[op->i];
  if (status != LADON_TLP_CPL_SC) {
    reply(op, LADON_EIO, 0);
    return;
  }
  for (unsigned k = 0; k < op->size; k++) /* ID bytes come from the PF */
    if (op->reg + k < 4u) {
      uint32_t byte = (a->ids >> (8 * (op->reg + k))) & 0xffu;
      value = (value & ~(0xffu << (8 * k))) | byte << (8 * k);
    }
  reply(op, LADON_OK, value);
}

/* The request has reached the MH manager. */
static void at_mh(ladon_sim *sim, void *ctx, uint64_t arg) {
  struct ladon__lmgr_op *op = ctx;
  const ladon__lmgr_assign *a = &op->f->assigns[op->i];
  ladon__host *mh = ladon__host_of(op->f->inst[a->mh]);
  ladon_status st;
  (void)sim, (void)arg;
  if (!op->write) {
    st = ladon__host_cfg_read(mh, a->vf_rid, op->reg, op->size, on_read, op);
  } else if (!ladon__lmgr_cfg_filter(a->msix_cap, op->reg, op->size, op->value,
                                     &op->wreg, &op->mask, &op->bits)) {
    st = LADON_ESPEC;
  } else if (op->mask == 0) {
    reply(op, LADON_OK, 0); /* Status bytes only: nothing to do */
    return;
  } else {
    st = ladon__host_cfg_read(mh, a->vf_rid, op->wreg, 2, on_old, op);
  }
  if (st) reply(op, st, 0);
}

static ladon_status submit(ladon_fabric *f, size_t i, uint16_t reg, unsigned size,
                           uint32_t value, bool write, ladon__lmgr_cfg_cb cb, void *ctx) {
  if (!f || i >= f->n_assigns || !cb || (size != 1 && size != 2 && size != 4) ||
      reg & (size - 1) || reg >= 0x1000)
    return LADON_EINVAL;
  struct ladon__lmgr_op *op = calloc(1, sizeof *op);
  if (op == NULL) return LADON_ENOMEM;
  op->f = f, op->i = i, op->reg = reg, op->size = size, op->value = value;
  op->write = write, op->cb = cb, op->ctx = ctx;
  op->next = f->cfg_ops;
  f->cfg_ops = op;
  ladon_sim_schedule_in(f->sim, f->cfg_latency_ps, LADON_PRIO_DEFAULT, at_mh, op, 0);
  return LADON_OK;
}

ladon_status ladon__lmgr_cfg_read(ladon_fabric *f, size_t i, uint16_t reg, unsigned size,
                                  ladon__lmgr_cfg_cb cb, void *ctx) {
  return submit(f, i, reg, size, 0, false, cb, ctx);
}

ladon_status ladon__lmgr_cfg_write(ladon_fabric *f, size_t i, uint16_t reg, unsigned size,
                                   uint32_t value, ladon__lmgr_cfg_cb cb, void *ctx) {
  return submit(f, i, reg, size, value, true, cb, ctx);
}

void ladon__lmgr_set_cfg_latency(ladon_fabric *f, ladon_time_ps latency_ps) {
  if (f) f->cfg_latency_ps = latency_ps;
}

void ladon__lmgr_free_ops(ladon_fabric *f) {
  while (f->cfg_ops) {
    struct ladon__lmgr_op *op = f->cfg_ops;
    f->cfg_ops = op->next;
    free(op);
  }
}
