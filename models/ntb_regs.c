/*
** NTB BAR0 registers: doorbells, scratchpads, message registers and link
** status, reachable by MMIO from either side and through C accessors (what
** the Linux NTB API's db_*, spad_*, msg_* calls do; include/linux/ntb.h).
*/
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/ntb_int.h"
#include "pcie/pci_regs.h"

static uint32_t db_valid(const ladon__ntb *ntb) {
  return ntb->cfg.doorbells >= 32 ? 0xffffffffu : (1u << ntb->cfg.doorbells) - 1u;
}

uint32_t ladon__ntb_db_read(const ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].db : 0;
}

void ladon__ntb_db_clear(ladon__ntb *ntb, unsigned side, uint32_t bits) {
  if (!ntb || side >= LADON__NTB_SIDES) return;
  ntb->s[side].db &= ~bits;
  ntb->s[side].db_signalled &= ~bits;
}

void ladon__ntb_peer_db_set(ladon__ntb *ntb, unsigned side, uint32_t bits) {
  if (!ntb || side >= LADON__NTB_SIDES) return;
  ntb->s[side ^ 1u].db |= bits & db_valid(ntb);
  ladon__ntb_db_update(ntb, side ^ 1u);
}

/* ---- the doorbell interrupt -------------------------------------------- */

/* Sends the doorbell vector's message: a 1 DW MWr of the entry's Message
** Data to its Message Address, from the NT endpoint (PCIe Base 5.0 §6.1.4). */
static void msix_send(ladon__ntb *ntb, ladon__ntb_side *s) {
  ladon_tlp *t = ladon_tlp_alloc(4);
  if (!t) return;
  uint64_t addr = (uint64_t)s->msix[1] << 32 | s->msix[0];
  t->type = LADON_TLP_MWR;
  t->req_id = s->rid;
  ladon_tlp_set_range(t, addr, 4, NULL);
  if (addr >> 32) t->flags |= LADON_TLP_F_ADDR64; /* §2.2.4.1 */
  uint8_t *d = ladon_tlp_payload(t);
  for (unsigned b = 0; b < 4; b++) d[b] = (uint8_t)(s->msix[2] >> (8 * b));
  ladon_counter_add(s->st.db_interrupts, 1);
  ladon__ntb_send_own(ntb, s->idx, t);
}

/*
** A doorbell signals when one of its bits becomes set while unmasked, or
** when its mask bit is cleared while it is set (the Linux NTB contract for
** db_clear_mask: "must raise ntb_db_event"); ringing a bit that is already
** set signals nothing new.  The message obeys MSI-X (§6.1.4.5): with the
** Function Mask or the entry's Mask Bit set it waits in the Pending Bit
** and goes out when unmasked; with MSI-X or Bus Master Enable off the
** function cannot signal at all.
*/
void ladon__ntb_db_update(ladon__ntb *ntb, unsigned side) {
  ladon__ntb_side *s = &ntb->s[side];
  uint32_t fresh = s->db & ~s->db_mask & ~s->db_signalled;
  s->db_signalled |= fresh;
  ladon__cfg_msix_state ms;
  if (ladon__cfg_msix_get(s->cfg, &ms) != LADON_OK || !ms.enabled ||
      !(ladon__cfg_peek(s->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER)) {
    s->msix_pending = false;
    return;
  }
  if (fresh) s->msix_pending = true;
  if (s->msix_pending && !ms.function_mask && !(s->msix[3] & 1u)) {
    s->msix_pending = false;
    msix_send(ntb, s);
  }
}

uint32_t ladon__ntb_spad_read(const ladon__ntb *ntb, unsigned side, unsigned idx) {
  return ntb && side < LADON__NTB_SIDES && idx < ntb->cfg.spads ? ntb->s[side].spad[idx] : 0;
}

void ladon__ntb_spad_write(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t v) {
  if (ntb && side < LADON__NTB_SIDES && idx < ntb->cfg.spads) ntb->s[side].spad[idx] = v;
}

ladon_status ladon__ntb_msg_write(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t msg) {
  ladon__ntb_side *peer;
  if (!ntb || side >= LADON__NTB_SIDES || idx >= LADON__NTB_MSGS) return LADON_EINVAL;
  peer = &ntb->s[side ^ 1u];
  /* The inbound register holds one message until its status is cleared. */
  if (peer->msg_sts >> idx & 1u) return LADON_EFULL;
  peer->msg_in[idx] = msg;
  peer->msg_src[idx] = side;
  peer->msg_sts |= 1u << idx;
  return LADON_OK;
}

bool ladon__ntb_msg_read(ladon__ntb *ntb, unsigned side, unsigned idx, uint32_t *msg,
                         unsigned *src) {
  ladon__ntb_side *s;
  if (!ntb || side >= LADON__NTB_SIDES || idx >= LADON__NTB_MSGS) return false;
  s = &ntb->s[side];
  if (!(s->msg_sts >> idx & 1u)) return false;
  if (msg) *msg = s->msg_in[idx];
  if (src) *src = s->msg_src[idx];
  s->msg_sts &= ~(1u << idx);
  return true;
}

static uint32_t reg_read(ladon__ntb *ntb, unsigned side, uint32_t off) {
  ladon__ntb_side *s = &ntb->s[side], *peer = &ntb->s[side ^ 1u];
  if (off >= LADON__NTB_REG_MSIX && off < LADON__NTB_REG_MSIX + PCI_MSIX_ENTRY_SIZE)
    return s->msix[(off - LADON__NTB_REG_MSIX) / 4];
  if (off == LADON__NTB_REG_PBA) return s->msix_pending ? 1u : 0u;
  if (off == LADON__NTB_REG_DB) return s->db;
  if (off == LADON__NTB_REG_DB_MASK) return s->db_mask;
  if (off == LADON__NTB_REG_LINK) return ladon__ntb_link_is_up(ntb) ? 1u : 0u;
  if (off == LADON__NTB_REG_MSG_STS) return s->msg_sts;
  if (off >= LADON__NTB_REG_MSG_IN && off < LADON__NTB_REG_MSG_IN + 4 * LADON__NTB_MSGS)
    return s->msg_in[(off - LADON__NTB_REG_MSG_IN) / 4];
  if (off >= LADON__NTB_REG_MSG_SRC && off < LADON__NTB_REG_MSG_SRC + 4 * LADON__NTB_MSGS)
    return s->msg_src[(off - LADON__NTB_REG_MSG_SRC) / 4];
  if (off >= LADON__NTB_REG_SPAD && off < LADON__NTB_REG_SPAD + 4 * ntb->cfg.spads)
    return s->spad[(off - LADON__NTB_REG_SPAD) / 4];
  if (off >= LADON__NTB_REG_PEER_SPAD && off < LADON__NTB_REG_PEER_SPAD + 4 * ntb->cfg.spads)
    return peer->spad[(off - LADON__NTB_REG_PEER_SPAD) / 4];
  return 0; /* unimplemented registers read 0 */
}

/* Writes the bytes of `v` selected by `m` (0xff per enabled byte). */
static void reg_write(ladon__ntb *ntb, unsigned side, uint32_t off, uint32_t v, uint32_t m) {
  ladon__ntb_side *s = &ntb->s[side], *peer = &ntb->s[side ^ 1u];
  uint32_t *r = NULL;
  v &= m;
  if (off >= LADON__NTB_REG_MSIX && off < LADON__NTB_REG_MSIX + PCI_MSIX_ENTRY_SIZE) {
    /* §7.7.2: Message Address bits 1:0 are zero; only the Mask Bit of
    ** Vector Control is defined.  Unmasking may release a pending message. */
    unsigned w = (off - LADON__NTB_REG_MSIX) / 4;
    uint32_t nv = (s->msix[w] & ~m) | v;
    s->msix[w] = w == 0 ? nv & ~3u : w == 3 ? nv & 1u : nv;
    if (w == 3) ladon__ntb_db_update(ntb, side);
  } else if (off == LADON__NTB_REG_DB) {
    ladon__ntb_db_clear(ntb, side, v); /* RW1C */
  } else if (off == LADON__NTB_REG_DB_MASK) {
    s->db_mask = ((s->db_mask & ~m) | v) & db_valid(ntb);
    ladon__ntb_db_update(ntb, side);
  } else if (off == LADON__NTB_REG_PEER_DB) {
    ladon__ntb_peer_db_set(ntb, side, v);
  } else if (off == LADON__NTB_REG_MSG_STS) {
    s->msg_sts &= ~(v & 0xfu);
  } else if (off >= LADON__NTB_REG_MSG_OUT && off < LADON__NTB_REG_MSG_OUT + 4 * LADON__NTB_MSGS) {
    /* A message the peer has not taken yet is lost, as ntb_msg_event reports. */
    ladon__ntb_msg_write(ntb, side, (off - LADON__NTB_REG_MSG_OUT) / 4, v);
  } else if (off >= LADON__NTB_REG_SPAD && off < LADON__NTB_REG_SPAD + 4 * ntb->cfg.spads) {
    r = &s->spad[(off - LADON__NTB_REG_SPAD) / 4];
  } else if (off >= LADON__NTB_REG_PEER_SPAD &&
             off < LADON__NTB_REG_PEER_SPAD + 4 * ntb->cfg.spads) {
    r = &peer->spad[(off - LADON__NTB_REG_PEER_SPAD) / 4];
  }
  if (r) *r = (*r & ~m) | v;
}

static uint32_t be_mask(unsigned be) {
  uint32_t m = 0;
  for (unsigned i = 0; i < 4; i++)
    if (be >> i & 1u) m |= 0xffu << (8 * i);
  return m;
}

ladon_tlp *ladon__ntb_regs_access(ladon__ntb *ntb, unsigned side, uint64_t off,
                                  const ladon_tlp *req) {
  uint32_t n = req->length_dw ? req->length_dw : 1u;
  if (req->type == LADON_TLP_MWR) {
    if (!req->data) return NULL; /* timing-only write: no register effect */
    for (uint32_t i = 0; i < n && 4u * i + 3u < req->data_bytes; i++) {
      unsigned be = i == 0 ? req->first_be : i + 1 == n ? req->last_be : 0xfu;
      const uint8_t *d = req->data + 4u * i;
      uint32_t v = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                   (uint32_t)d[3] << 24;
      reg_write(ntb, side, (uint32_t)(off & ~3ull) + 4u * i, v, be_mask(be));
    }
    return NULL;
  }
  if (req->type != LADON_TLP_MRD) /* registers take reads and writes only */
    return ladon_tlp_completion_for(req, ntb->s[side].rid, LADON_TLP_CPL_UR, 0);
  ladon_tlp *c = ladon_tlp_completion_for(req, ntb->s[side].rid, LADON_TLP_CPL_SC, n);
  if (!c) return NULL;
  uint8_t *d = ladon_tlp_payload(c);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = reg_read(ntb, side, (uint32_t)(off & ~3ull) + 4u * i);
    for (unsigned b = 0; b < 4; b++) d[4 * i + b] = (uint8_t)(v >> (8 * b));
  }
  return c;
}
