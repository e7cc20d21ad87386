/*
** Configuration spaces of the SR-IOV endpoint's functions and the
** configuration requests that read and write them (PCIe Base 5.0 §7.3,
** §9.3).
*/
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/sriov_int.h"
#include "sim/error_int.h"

static uint8_t log2_128(uint32_t bytes) {
  uint8_t n = 0;
  while ((128u << n) < bytes) n++;
  return n;
}

static ladon_status build_exp(const ladon__sriov *d, ladon__cfg *c, ladon_error *err) {
  ladon__cfg_exp_opts o;
  memset(&o, 0, sizeof o);
  o.port_type = PCI_EXP_TYPE_ENDPOINT;
  o.mps_supported = log2_128(d->cfg.mps_supported_bytes);
  o.ext_tag = true;
  o.max_link_speed = d->cfg.max_link_gen;
  o.max_link_width = d->cfg.max_link_width;
  o.tag10_completer = d->cfg.tag10;
  o.tag10_requester = d->cfg.tag10;
  return ladon__cfg_add_exp(c, &o, NULL, err);
}

static ladon_status build_msix(const ladon__sriov_fn *f, const ladon__cfg *pf, ladon_error *err) {
  ladon__cfg_msix_opts m;
  memset(&m, 0, sizeof m);
  m.table_size = (uint16_t)f->vectors;
  m.table_bir = 0;
  m.table_offset = LADON__SRIOV_MSIX_TABLE;
  m.pba_bir = 0;
  m.pba_offset = LADON__SRIOV_MSIX_PBA;
  m.pf = pf;
  return ladon__cfg_add_msix(f->cfg, &m, NULL, err);
}

ladon_status ladon__sriov_build_cfg(ladon__sriov *d, ladon_error *err) {
  ladon__cfg_ids ids;
  memset(&ids, 0, sizeof ids);
  ids.vendor_id = d->cfg.vendor_id;
  ids.device_id = d->cfg.device_id;
  ids.class_code = d->cfg.class_code;
  ids.subsys_vendor_id = d->cfg.vendor_id;
  ids.subsys_id = d->cfg.device_id;
  ladon__sriov_fn *pf = &d->fn[0];
  pf->cfg = ladon__cfg_new_type0(&ids, err);
  if (!pf->cfg) return err ? err->code : LADON_ENOMEM;
  ladon__cfg_bar_def bar = {LADON__BAR_MEM64, false, d->cfg.pf_bar_bytes};
  ladon__cfg_pm_opts pm = {false, false, 0, true};
  ladon__cfg_ari_opts ari = {0, false, false}; /* one PF: Next Function 0 */
  ladon__cfg_sriov_opts so;
  memset(&so, 0, sizeof so);
  so.initial_vfs = d->cfg.total_vfs;
  so.total_vfs = d->cfg.total_vfs;
  so.first_vf_offset = d->cfg.first_vf_offset;
  so.vf_stride = d->cfg.vf_stride;
  so.vf_device_id = d->cfg.vf_device_id;
  so.ari_capable_hier_rw = true; /* the lowest-numbered (only) PF, §9.3.3.3.5 */
  so.vf_tag10_requester = d->cfg.tag10;
  so.vf_bars[0].kind = LADON__BAR_MEM64;
  so.vf_bars[0].size_bytes = d->cfg.vf_bar_bytes;
  ladon_status st;
  if ((st = ladon__cfg_add_bar(pf->cfg, 0, &bar, err)) ||
      (st = ladon__cfg_add_pm(pf->cfg, &pm, NULL, err)) || (st = build_exp(d, pf->cfg, err)) ||
      (st = build_msix(pf, NULL, err)) || (st = ladon__cfg_add_ari(pf->cfg, &ari, NULL, err)) ||
      (st = ladon__cfg_add_sriov(pf->cfg, &so, NULL, err)))
    return st;
  ladon__cfg_ids vids = ids;
  for (uint32_t i = 1; i < d->n_fn; i++) {
    ladon__sriov_fn *f = &d->fn[i];
    f->cfg = ladon__cfg_new_vf(&vids, err);
    if (!f->cfg) return err ? err->code : LADON_ENOMEM;
    if ((st = build_exp(d, f->cfg, err)) || (st = build_msix(f, pf->cfg, err)) ||
        (st = ladon__cfg_add_ari(f->cfg, &ari, NULL, err)))
      return st;
  }
  return LADON_OK;
}

/* ---- functions by Routing ID ------------------------------------------- */

static ladon__sriov_fn *lookup(ladon__sriov *d, uint16_t pf_rid, uint16_t rid) {
  if (rid == pf_rid) return &d->fn[0];
  if (!d->vf_enable || !d->num_vfs) return NULL; /* §9.3.3.3.1: no VFs */
  uint16_t delta = (uint16_t)(rid - pf_rid - d->vf_offset);
  if (delta % d->vf_stride) return NULL;
  uint32_t n = (uint32_t)delta / d->vf_stride + 1u;
  return n <= d->num_vfs ? &d->fn[n] : NULL;
}

ladon__sriov_fn *ladon__sriov_fn_by_rid(ladon__sriov *d, uint16_t rid) {
  return lookup(d, (uint16_t)(d->bus << 8), rid);
}

uint16_t ladon__sriov_fn_rid(const ladon__sriov_fn *f) {
  const ladon__sriov *d = f->dev;
  uint16_t pf = (uint16_t)(d->bus << 8); /* device 0, function 0 (§7.3.1) */
  if (f->index == 0) return pf;
  return ladon__sriov_vf_rid(pf, d->vf_offset, d->vf_stride, f->index);
}

bool ladon__sriov_fn_present(const ladon__sriov_fn *f) {
  return f->index == 0 || (f->dev->vf_enable && f->index <= f->dev->num_vfs);
}

/* ---- settings the DMA engines follow ------------------------------------ */

void ladon__sriov_refresh(ladon__sriov_fn *f) {
  ladon__sriov *d = f->dev;
  ladon__cfg *pfc = d->fn[0].cfg;
  if (f->index == 0) {
    ladon__cfg_sriov_state s;
    if (ladon__cfg_sriov_get(pfc, &s) == LADON_OK) {
      d->vf_enable = s.vf_enable;
      d->num_vfs = s.num_vfs;
      d->vf_offset = s.first_vf_offset;
      d->vf_stride = s.vf_stride;
    }
  }
  ladon__cfg_exp_state own, pf;
  ladon__cfg_exp_get(f->cfg, &own);
  ladon__cfg_exp_get(pfc, &pf);
  ladon__dma_settings st;
  memset(&st, 0, sizeof st);
  st.rid = ladon__sriov_fn_rid(f);
  st.mrrs_bytes = own.mrrs_bytes;
  st.ext_tag = own.ext_tag;
  st.bus_master = ladon__cfg_peek(f->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
  if (f->index == 0) {
    st.mps_bytes = own.mps_bytes;
    st.tag10 = own.tag10_requester;
  } else {
    /* §9.3.5.4: a VF's Max_Payload_Size is RsvdP, the PF's applies; its
    ** 10-bit Tag enable is VF 10-Bit Tag Requester Enable in the PF's
    ** SR-IOV Control (§9.3.3.3). */
    st.mps_bytes = pf.mps_bytes;
    st.tag10 = ladon__cfg_peek(pfc, (uint16_t)(pfc->sriov_off + PCI_SRIOV_CTRL), 2) &
               PCI_SRIOV_CTRL_VF_10BIT_TAG_REQ_EN;
  }
  ladon__dma_set(f->dma, &st);
}

/* VF Enable cleared: the VFs cease to exist and come back from reset. */
static void reset_vfs(ladon__sriov *d) {
  for (uint32_t i = 1; i < d->n_fn; i++) {
    ladon__sriov_fn *f = &d->fn[i];
    ladon__cfg_reset(f->cfg);
    for (uint32_t v = 0; v < f->vectors; v++) {
      memset(f->msix[v], 0, sizeof f->msix[v]);
      f->msix[v][3] = 1u;
    }
    memset(f->pba, 0, sizeof f->pba);
    free(f->regs);
    f->regs = NULL;
  }
}

/* ---- configuration requests --------------------------------------------- */

void ladon__sriov_cfg_request(ladon__sriov *d, const ladon_tlp *t) {
  bool type0 = t->type == LADON_TLP_CFGRD0 || t->type == LADON_TLP_CFGWR0;
  bool write = t->type == LADON_TLP_CFGWR0 || t->type == LADON_TLP_CFGWR1;
  uint16_t target = t->target_id;
  ladon__sriov_fn *f;
  ladon_counter_add(d->c_cfg, 1);
  if (type0) {
    /* A Type 0 request is for this device, whatever bus it names. */
    f = lookup(d, (uint16_t)(target & 0xff00u), target);
  } else {
    /* Type 1 reaches VFs on bus numbers above the PF's (§9.2.1.2). */
    f = LADON_TLP_ID_BUS(target) != d->bus ? ladon__sriov_fn_by_rid(d, target) : NULL;
  }
  if (!f) {
    /* No such function: Unsupported Request (§2.3.1, §9.3.3.3.1). */
    ladon_counter_add(d->c_cfg_ur, 1);
    ladon__sriov_send_cpl(d, ladon__sriov_cpl_new(t, target, LADON_TLP_CPL_UR, 4, 0, 0));
    return;
  }
  uint16_t off = (uint16_t)(t->addr & 0xffcu);
  if (!write) {
    uint32_t v = ladon__cfg_read_dw(f->cfg, off);
    ladon_tlp *c = ladon__sriov_cpl_new(t, target, LADON_TLP_CPL_SC, 4, 0, 4);
    if (!c) return;
    uint8_t *p = ladon_tlp_payload(c);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); /* little endian */
    ladon__sriov_send_cpl(d, c);
    return;
  }
  uint32_t v = 0;
  if (t->data && t->data_bytes >= 4)
    v = (uint32_t)t->data[0] | (uint32_t)t->data[1] << 8 | (uint32_t)t->data[2] << 16 |
        (uint32_t)t->data[3] << 24;
  if (type0 && (uint8_t)(target >> 8) != d->bus) {
    /* §2.2.6.2: functions capture their Bus Number from Type 0 writes. */
    d->bus = (uint8_t)(target >> 8);
    for (uint32_t i = 0; i < d->n_fn; i++) ladon__sriov_refresh(&d->fn[i]);
  }
  bool had_vfs = d->vf_enable;
  ladon__cfg_write_dw(f->cfg, off, (uint8_t)(t->first_be & 0xfu), v);
  ladon__sriov_send_cpl(d, ladon__sriov_cpl_new(t, target, LADON_TLP_CPL_SC, 4, 0, 0));
  if (f->index == 0) {
    ladon__sriov_refresh(f);
    if (had_vfs && !d->vf_enable) reset_vfs(d);
    for (uint32_t i = 1; i < d->n_fn; i++) ladon__sriov_refresh(&d->fn[i]);
  } else {
    ladon__sriov_refresh(f);
  }
  ladon__sriov_msix_update(f);
}
