/*
** Memory space of the SR-IOV endpoint: BAR decode of the PF and VF BAR
** regions, each function's register file, MSI-X table and PBA (PCIe Base
** 5.0 §7.7.2), and the interrupts the functions signal (§6.1.4).
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/sriov_int.h"

/* ---- decode ----------------------------------------------------------- */

/*
** The function whose BAR holds all of [addr, addr + len), and the offset
** of `addr` in that BAR; NULL when no enabled BAR does (a request that
** runs past a BAR's end is not claimed whole: UR).
*/
static ladon__sriov_fn *decode(ladon__sriov *d, uint64_t addr, uint64_t len, uint64_t *off) {
  ladon__cfg *pfc = d->fn[0].cfg;
  uint64_t last = addr + len - 1u;
  if (last < addr) return NULL;
  ladon__cfg_range r;
  /* The PF's BAR decodes with its Memory Space Enable (§7.5.1.1.3). */
  if (ladon__cfg_bar_range(pfc, 0, &r) == LADON_OK && r.enabled && addr >= r.base &&
      last <= r.base + (r.size_bytes - 1u)) {
    *off = addr - r.base;
    return &d->fn[0];
  }
  /* VF n's BAR is VF BAR0 + (n - 1) x size, decoding with VF Enable and VF
  ** MSE (§9.3.3.14, §9.3.3.3.4). */
  ladon__cfg_vf_bar vb;
  if (ladon__cfg_sriov_vf_bar(pfc, 0, &vb) == LADON_OK && vb.enabled && addr >= vb.base &&
      addr - vb.base < vb.total_bytes) {
    uint64_t rel = addr - vb.base;
    uint64_t n = rel / vb.size_bytes + 1u, o = rel % vb.size_bytes;
    if (o + len > vb.size_bytes) return NULL;
    *off = o;
    return &d->fn[n];
  }
  return NULL;
}

/* ---- register file, table and PBA, one DW at a time ------------------- */

static bool in_table(uint32_t off) {
  return off >= LADON__SRIOV_MSIX_TABLE && off < LADON__SRIOV_MSIX_PBA;
}
static bool in_pba(uint32_t off) {
  return off >= LADON__SRIOV_MSIX_PBA && off < LADON__SRIOV_MSIX_END;
}

uint32_t ladon__sriov_reg_read(const ladon__sriov_fn *f, uint32_t off) {
  off &= ~3u;
  if (in_table(off)) {
    uint32_t v = (off - LADON__SRIOV_MSIX_TABLE) / PCI_MSIX_ENTRY_SIZE;
    return v < f->vectors ? f->msix[v][(off / 4u) % 4u] : 0;
  }
  if (in_pba(off)) {
    uint32_t q = (off - LADON__SRIOV_MSIX_PBA) / 8u;
    if (q >= LADON__SRIOV_MSIX_MAX / 64u) return 0;
    return (uint32_t)(f->pba[q] >> ((off & 4u) ? 32 : 0));
  }
  if (!f->regs || off >= f->bar_bytes) return 0;
  return f->regs[off / 4u];
}

void ladon__sriov_reg_write(ladon__sriov_fn *f, uint32_t off, uint32_t value) {
  off &= ~3u;
  if (in_table(off) || in_pba(off) || off >= f->bar_bytes) return;
  if (!f->regs) {
    f->regs = calloc(f->bar_bytes / 4u, sizeof *f->regs);
    if (!f->regs) return;
  }
  f->regs[off / 4u] = value;
}

static uint32_t merge(uint32_t old, uint32_t v, uint8_t be) {
  uint32_t m = 0;
  for (int i = 0; i < 4; i++)
    if (be & (1u << i)) m |= 0xffu << (8 * i);
  return (old & ~m) | (v & m);
}

static void msix_send(ladon__sriov_fn *f, uint32_t v);

/* A host write of DW `v` with byte enables `be` at BAR offset `off`. */
static void host_write(ladon__sriov_fn *f, uint32_t off, uint32_t v, uint8_t be) {
  if (in_table(off)) {
    uint32_t e = (off - LADON__SRIOV_MSIX_TABLE) / PCI_MSIX_ENTRY_SIZE, w = (off / 4u) % 4u;
    if (e >= f->vectors) return;
    uint32_t nv = merge(f->msix[e][w], v, be);
    /* §7.7.2: Message Address bits 1:0 are zero (DW aligned); in Vector
    ** Control only the Mask Bit is defined. */
    if (w == 0) nv &= ~3u;
    if (w == 3) nv &= 1u;
    f->msix[e][w] = nv;
    if (w == 3) ladon__sriov_msix_update(f);
    return;
  }
  if (in_pba(off)) return; /* the PBA is read-only (§7.7.2.4) */
  if (off >= f->bar_bytes) return;
  uint32_t nv = merge(ladon__sriov_reg_read(f, off), v, be);
  ladon__sriov_reg_write(f, off, nv);
  if (f->hook) f->hook(f->hook_ctx, f, off, nv, be);
}

void ladon__sriov_fn_hook(ladon__sriov_fn *f, ladon__sriov_mmio_fn hook, void *ctx) {
  f->hook = hook;
  f->hook_ctx = ctx;
}

/* ---- memory requests -------------------------------------------------- */

static void unsupported(ladon__sriov *d, const ladon_tlp *t) {
  ladon__cfg *pfc = d->fn[0].cfg;
  ladon_counter_add(d->c_mem_ur, 1);
  /* §7.5.3.5: Unsupported Request Detected. */
  ladon__cfg_poke(pfc, (uint16_t)(pfc->exp_off + PCI_EXP_DEVSTA), 2, PCI_EXP_DEVSTA_URD,
                  PCI_EXP_DEVSTA_URD);
  if (t->type == LADON_TLP_MRD) {
    uint32_t bytes = ladon_tlp_request_bytes(t);
    uint16_t bc = (uint16_t)(bytes ? (bytes > 4096u ? 4096u : bytes) : 1u);
    ladon__sriov_send_cpl(
        d, ladon__sriov_cpl_new(t, (uint16_t)(d->bus << 8), LADON_TLP_CPL_UR, bc, 0, 0));
  }
  /* A posted write nobody claims is dropped (§2.3.1). */
}

/* Index of the first enabled byte of a First DW BE, 0 for none. */
static uint32_t first_byte(uint8_t be) {
  for (uint32_t i = 0; i < 4; i++)
    if (be & (1u << i)) return i;
  return 0;
}

/*
** Completes a read of the function's BAR: CplDs of at most
** Max_Payload_Size, every one but the last ending on a Read Completion
** Boundary (§2.3.1.1); a zero-length read returns one DW with Byte Count 1
** (§2.2.5.1).
*/
static void complete_read(ladon__sriov *d, ladon__sriov_fn *f, const ladon_tlp *t,
                          uint64_t bar_off) {
  ladon__cfg *pfc = d->fn[0].cfg;
  ladon__cfg_exp_state pf;
  ladon__cfg_exp_get(pfc, &pf);
  uint32_t rcb =
      (ladon__cfg_peek(pfc, (uint16_t)(pfc->exp_off + PCI_EXP_LNKCTL), 2) & PCI_EXP_LNKCTL_RCB)
          ? 128u
          : 64u;
  uint32_t bytes = ladon_tlp_request_bytes(t);
  uint64_t a0 = t->addr;                         /* DW-aligned request address */
  uint64_t cur = a0 + first_byte(t->first_be);   /* first enabled byte */
  uint64_t end = bytes ? cur + bytes : cur + 1u; /* zero-length: one byte */
  uint16_t rid = ladon__sriov_fn_rid(f);
  while (cur < end) {
    uint64_t dw0 = cur & ~(uint64_t)3;
    uint64_t e = end;
    if (dw0 + pf.mps_bytes < end) e = (dw0 + pf.mps_bytes) & ~(uint64_t)(rcb - 1u);
    uint32_t n_dw = (uint32_t)(((e + 3u) & ~(uint64_t)3) - dw0) / 4u;
    uint32_t bc = (uint32_t)(bytes ? end - cur : 1u);
    ladon_tlp *c = ladon__sriov_cpl_new(t, rid, LADON_TLP_CPL_SC,
                                        (uint16_t)(bc > 4096u ? 4096u : bc),
                                        (uint8_t)(cur & 0x7fu), n_dw * 4u);
    if (!c) return;
    uint8_t *p = ladon_tlp_payload(c);
    for (uint32_t i = 0; i < n_dw; i++) {
      uint32_t v = ladon__sriov_reg_read(f, (uint32_t)(bar_off + (dw0 - a0) + 4u * i));
      for (int b = 0; b < 4; b++) p[4 * i + (uint32_t)b] = (uint8_t)(v >> (8 * b));
    }
    ladon__sriov_send_cpl(d, c);
    cur = e;
  }
}

void ladon__sriov_mem_request(ladon__sriov *d, const ladon_tlp *t) {
  uint64_t span = (uint64_t)(t->length_dw ? t->length_dw : 1024u) * 4u;
  uint64_t off = 0;
  ladon__sriov_fn *f = decode(d, t->addr, span, &off);
  if (!f) {
    unsupported(d, t);
    return;
  }
  if (t->type == LADON_TLP_MRD) {
    ladon_counter_add(d->c_mrd, 1);
    complete_read(d, f, t, off);
    return;
  }
  ladon_counter_add(d->c_mwr, 1);
  uint32_t n = t->length_dw;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t be = i == 0 ? t->first_be : (i == n - 1u ? t->last_be : 0xfu);
    if (!be) continue;
    uint32_t v = 0;
    if (t->data && t->data_bytes >= 4u * (i + 1u))
      v = (uint32_t)t->data[4 * i] | (uint32_t)t->data[4 * i + 1] << 8 |
          (uint32_t)t->data[4 * i + 2] << 16 | (uint32_t)t->data[4 * i + 3] << 24;
    host_write(f, (uint32_t)(off + 4u * i), v, be);
  }
}

/* ---- MSI-X ------------------------------------------------------------ */

static bool can_signal(ladon__sriov_fn *f, ladon__cfg_msix_state *ms) {
  if (ladon__cfg_msix_get(f->cfg, ms) != LADON_OK) return false;
  bool bme = ladon__cfg_peek(f->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
  return ms->enabled && bme;
}

/* Queues the message of vector `v` on the function's DMA engine. */
static void msix_send(ladon__sriov_fn *f, uint32_t v) {
  uint32_t data = f->msix[v][2];
  uint8_t bytes[4] = {(uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                      (uint8_t)(data >> 24)};
  ladon__dma_xfer x;
  memset(&x, 0, sizeof x);
  x.op = LADON__DMA_WRITE;
  x.addr = (uint64_t)f->msix[v][1] << 32 | f->msix[v][0];
  x.bytes = 4;
  x.write_data = bytes;
  x.msi = true;
  if (ladon__dma_submit(f->dma, &x, NULL) == LADON_OK) ladon_counter_add(f->c_msix_sent, 1);
}

ladon__msix_outcome ladon__sriov_msix_raise(ladon__sriov_fn *f, uint32_t v) {
  if (v >= f->vectors) return LADON__MSIX_BAD_VECTOR;
  ladon__cfg_msix_state ms;
  if (!can_signal(f, &ms)) {
    ladon_counter_add(f->c_msix_dropped, 1);
    return LADON__MSIX_DISABLED;
  }
  /* §6.1.4.5: a masked vector (Function Mask or its Mask Bit) records the
  ** event in its Pending Bit instead of sending. */
  if (ms.function_mask || (f->msix[v][3] & 1u)) {
    f->pba[v / 64u] |= 1ull << (v % 64u);
    ladon_counter_add(f->c_msix_pending, 1);
    return LADON__MSIX_PENDING;
  }
  msix_send(f, v);
  return LADON__MSIX_SENT;
}

bool ladon__sriov_msix_pending(const ladon__sriov_fn *f, uint32_t v) {
  return v < f->vectors && ((f->pba[v / 64u] >> (v % 64u)) & 1u);
}

bool ladon__sriov_msix_entry(const ladon__sriov_fn *f, uint32_t v, uint64_t *addr,
                             uint32_t *data, bool *masked) {
  if (!f || v >= f->vectors) return false;
  *addr = (uint64_t)f->msix[v][1] << 32 | f->msix[v][0];
  *data = f->msix[v][2];
  *masked = (f->msix[v][3] & 1u) != 0; /* Vector Control Mask Bit (§7.7.2.5) */
  return true;
}

void ladon__sriov_msix_update(ladon__sriov_fn *f) {
  ladon__cfg_msix_state ms;
  if (!can_signal(f, &ms) || ms.function_mask) return;
  /* §6.1.4.5: unmasking a vector whose Pending Bit is Set sends its
  ** message and clears the bit. */
  for (uint32_t v = 0; v < f->vectors; v++) {
    if (!ladon__sriov_msix_pending(f, v) || (f->msix[v][3] & 1u)) continue;
    f->pba[v / 64u] &= ~(1ull << (v % 64u));
    msix_send(f, v);
  }
}
