/*
** The PCI Express Capability structure, version 2 (PCIe Base 5.0 §7.5.3),
** with the VF differences of §9.3.5.
**
** Writes of reserved or unsupported encodings into RW fields (a Max_Payload
** _Size above what DevCap advertises, a reserved Max_Read_Request_Size, a
** Completion Timeout Value outside the supported ranges, a Target Link Speed
** the port lacks) leave the field unchanged: the spec leaves the result
** undefined, and discarding keeps every model's view well defined.
*/
#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

static bool has_type1(uint8_t t) {
  return t == PCI_EXP_TYPE_ROOT_PORT || t == PCI_EXP_TYPE_UPSTREAM ||
         t == PCI_EXP_TYPE_DOWNSTREAM || t == PCI_EXP_TYPE_PCI_BRIDGE ||
         t == PCI_EXP_TYPE_PCIE_BRIDGE;
}
static bool is_downstream(uint8_t t) {
  return t == PCI_EXP_TYPE_ROOT_PORT || t == PCI_EXP_TYPE_DOWNSTREAM;
}
static bool is_endpoint(uint8_t t) {
  return t == PCI_EXP_TYPE_ENDPOINT || t == PCI_EXP_TYPE_LEG_END || t == PCI_EXP_TYPE_RC_END;
}
static bool has_link(uint8_t t) { return t != PCI_EXP_TYPE_RC_END && t != PCI_EXP_TYPE_RC_EC; }

/* Completion Timeout Value encodings each DevCap2 range allows (§7.5.3.16). */
static bool cto_allowed(uint8_t v, uint32_t ranges) {
  switch (v) {
  case 0x0: return true; /* default range, always */
  case 0x1: case 0x2: return ranges & 0x1u; /* range A */
  case 0x5: case 0x6: return ranges & 0x2u; /* range B */
  case 0x9: case 0xa: return ranges & 0x4u; /* range C */
  case 0xd: case 0xe: return ranges & 0x8u; /* range D */
  default: return false;
  }
}

bool ladon__exp_cpl_timeout_ps(uint8_t value, uint64_t *min_ps, uint64_t *max_ps) {
  /* §7.5.3.16 Completion Timeout Value, in microseconds. */
  static const struct { uint8_t v; uint64_t lo_us, hi_us; } t[] = {
      {0x0, 50, 50000},         {0x1, 50, 100},           {0x2, 1000, 10000},
      {0x5, 16000, 55000},      {0x6, 65000, 210000},     {0x9, 260000, 900000},
      {0xa, 1000000, 3500000},  {0xd, 4000000, 13000000}, {0xe, 17000000, 64000000},
  };
  for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
    if (t[i].v != value) continue;
    if (min_ps) *min_ps = t[i].lo_us * 1000000u;
    if (max_ps) *max_ps = t[i].hi_us * 1000000u;
    return true;
  }
  return false;
}

static uint32_t keep(uint32_t nv, uint32_t old, uint32_t mask) {
  return (nv & ~mask) | (old & mask);
}

static uint32_t exp_filter(ladon__cfg *c, uint16_t off, uint32_t old, uint32_t nv, void *ctx) {
  (void)ctx;
  unsigned o = c->exp_off;
  if (off == o + PCI_EXP_DEVCTL) {
    uint32_t sup = ladon__cfg_read_dw(c, (uint16_t)(o + PCI_EXP_DEVCAP)) & PCI_EXP_DEVCAP_PAYLOAD;
    if (((nv & PCI_EXP_DEVCTL_PAYLOAD) >> 5) > sup) nv = keep(nv, old, PCI_EXP_DEVCTL_PAYLOAD);
    if (((nv & PCI_EXP_DEVCTL_READRQ) >> 12) > 5) nv = keep(nv, old, PCI_EXP_DEVCTL_READRQ);
  } else if (off == o + PCI_EXP_DEVCTL2) {
    uint32_t ranges = ladon__cfg_read_dw(c, (uint16_t)(o + PCI_EXP_DEVCAP2)) &
                      PCI_EXP_DEVCAP2_COMP_TO_RANGES;
    if (!cto_allowed(nv & PCI_EXP_DEVCTL2_COMP_TIMEOUT, ranges))
      nv = keep(nv, old, PCI_EXP_DEVCTL2_COMP_TIMEOUT);
  } else if (off == o + PCI_EXP_LNKCTL2) {
    uint32_t max = ladon__cfg_read_dw(c, (uint16_t)(o + PCI_EXP_LNKCAP)) & PCI_EXP_LNKCAP_SLS;
    uint32_t tls = nv & PCI_EXP_LNKCTL2_TLS;
    if (tls == 0 || tls > max) nv = keep(nv, old, PCI_EXP_LNKCTL2_TLS);
  }
  return nv;
}

static ladon_status check(const ladon__cfg *c, const ladon__cfg_exp_opts *o, ladon_error *err) {
  uint8_t t = o->port_type;
  if (t > PCI_EXP_TYPE_RC_EC || t == 2 || t == 3)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "PCI Express Capability: Device/Port Type %u is reserved (§7.5.3.2)",
                            t);
  if (has_type1(t) != (c->header_type == PCI_HEADER_TYPE_BRIDGE))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: Device/Port Type %u needs a Type %d header "
                            "(§7.5.3.2)",
                            t, has_type1(t) ? 1 : 0);
  if (c->is_vf && t != PCI_EXP_TYPE_ENDPOINT && t != PCI_EXP_TYPE_RC_END)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: a VF is an endpoint, not type %u", t);
  if (o->slot && !is_downstream(t))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: Slot Implemented is only for root and "
                            "downstream ports (§7.5.3.2)");
  if (o->slot_number > 0x1fff || o->irq_msg_num > 31)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "PCI Express Capability: slot number or interrupt message number "
                            "out of range");
  if (o->mps_supported > 5)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: Max_Payload_Size Supported %u is reserved "
                            "(0..5 = 128..4096 bytes, §7.5.3.3)",
                            o->mps_supported);
  if (o->flr && !is_endpoint(t))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: Function Level Reset is for endpoints "
                            "(§7.5.3.3)");
  if (has_link(t)) {
    uint8_t w = o->max_link_width;
    if (o->max_link_speed < 1 || o->max_link_speed > 6)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "PCI Express Capability: Max Link Speed %u; must be 1..6 "
                              "(2.5..64 GT/s, §7.5.3.6)",
                              o->max_link_speed);
    if (w != 1 && w != 2 && w != 4 && w != 8 && w != 12 && w != 16 && w != 32)
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "PCI Express Capability: Maximum Link Width x%u is not one of "
                              "x1, x2, x4, x8, x12, x16, x32 (§7.5.3.6)",
                              w);
  }
  if (o->cpl_timeout_ranges > 0xf)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "PCI Express Capability: Completion Timeout Ranges is 4 bits");
  if (o->ari_forwarding && !is_downstream(t))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: ARI Forwarding is for root and downstream "
                            "ports (§7.5.3.15)");
  if (o->tag10_requester && !o->tag10_completer)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "PCI Express Capability: a 10-Bit Tag Requester must also be a "
                            "10-Bit Tag Completer (§7.5.3.15)");
  return LADON_OK;
}

ladon_status ladon__cfg_add_exp(ladon__cfg *cfg, const ladon__cfg_exp_opts *o,
                                uint16_t *off_out, ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->exp_off)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "PCI Express Capability: present");
  ladon_status st = check(cfg, o, err);
  if (st != LADON_OK) return st;
  uint16_t b = 0;
  st = ladon__cfg_add_cap(cfg, PCI_CAP_ID_EXP, PCI_CAP_EXP_SIZEOF, 0, &b, err);
  if (st != LADON_OK) return st;
  cfg->exp_off = b;
  uint8_t t = o->port_type;
  bool vf = cfg->is_vf, link = has_link(t), dsp = is_downstream(t);
  ladon__cfg_def(cfg, b + PCI_EXP_FLAGS, 2,
                 2u | (uint32_t)t << 4 | (o->slot ? PCI_EXP_FLAGS_SLOT : 0) |
                     (uint32_t)o->irq_msg_num << 9,
                 0, 0);
  /* Device (§7.5.3.3-5).  Role-Based Error Reporting is mandatory. */
  ladon__cfg_def(cfg, b + PCI_EXP_DEVCAP, 4,
                 o->mps_supported | (o->ext_tag ? PCI_EXP_DEVCAP_EXT_TAG : 0) |
                     PCI_EXP_DEVCAP_RBER | (o->flr ? PCI_EXP_DEVCAP_FLR : 0),
                 0, 0);
  uint32_t devctl_rw = PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
                       PCI_EXP_DEVCTL_READRQ | (o->ext_tag ? PCI_EXP_DEVCTL_EXT_TAG : 0);
  /* §9.4.1, §9.3.5.4: in a VF the error reporting enables and MPS are
  ** RsvdP (the PF's apply).  Initiate FLR always reads 0 (watch it with
  ** LADON__CFG_WATCH_ALL); Bridge Configuration Retry Enable is RW only in
  ** a PCIe-to-PCI bridge. */
  if (!vf) {
    devctl_rw |= PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
                 PCI_EXP_DEVCTL_URRE;
    if (o->mps_supported) devctl_rw |= PCI_EXP_DEVCTL_PAYLOAD;
    if (t == PCI_EXP_TYPE_PCI_BRIDGE) devctl_rw |= PCI_EXP_DEVCTL_BCR_FLR;
  }
  /* Defaults: Relaxed Ordering and No Snoop enabled, MRRS 512 B. */
  ladon__cfg_def(cfg, b + PCI_EXP_DEVCTL, 2,
                 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B,
                 devctl_rw, 0);
  ladon__cfg_def(cfg, b + PCI_EXP_DEVSTA, 2, 0, 0,
                 PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED |
                     PCI_EXP_DEVSTA_URD);
  if (link) {
    /* Link (§7.5.3.6-8). */
    bool lbnc = dsp && (o->max_link_speed > 1 || o->max_link_width > 1);
    ladon__cfg_def(cfg, b + PCI_EXP_LNKCAP, 4,
                   o->max_link_speed | (uint32_t)o->max_link_width << 4 |
                       (o->dlll_active_reporting ? PCI_EXP_LNKCAP_DLLLARC : 0) |
                       (lbnc ? PCI_EXP_LNKCAP_LBNC : 0) | (uint32_t)o->port_number << 24,
                   0, 0);
    uint32_t lc_rw = PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES;
    uint32_t lc_val = 0;
    if (t == PCI_EXP_TYPE_ROOT_PORT)
      lc_val |= o->rcb_128 ? PCI_EXP_LNKCTL_RCB : 0; /* the RC's RCB, RO */
    else if (t != PCI_EXP_TYPE_UPSTREAM && t != PCI_EXP_TYPE_DOWNSTREAM)
      lc_rw |= PCI_EXP_LNKCTL_RCB;
    if (dsp) lc_rw |= PCI_EXP_LNKCTL_LD; /* Retrain Link reads 0 */
    if (lbnc) lc_rw |= PCI_EXP_LNKCTL_LBMIE | PCI_EXP_LNKCTL_LABIE;
    if (vf) { /* §9.3.5.7: the PF controls the link */
      lc_rw = 0;
      lc_val = 0;
    }
    ladon__cfg_def(cfg, b + PCI_EXP_LNKCTL, 2, lc_val, lc_rw, 0);
    ladon__cfg_def(cfg, b + PCI_EXP_LNKSTA, 2,
                   o->max_link_speed | (uint32_t)o->max_link_width << PCI_EXP_LNKSTA_NLW_SHIFT, 0,
                   lbnc && !vf ? PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS : 0);
    ladon__cfg_def(cfg, b + PCI_EXP_LNKCAP2, 4, ((1u << o->max_link_speed) - 1u) << 1, 0, 0);
    ladon__cfg_def(cfg, b + PCI_EXP_LNKCTL2, 2, o->max_link_speed,
                   vf ? 0 : PCI_EXP_LNKCTL2_TLS, 0);
  }
  if (o->slot) {
    /* Slot (§7.5.3.9-11).  Electromechanical Interlock Control reads 0. */
    ladon__cfg_def(cfg, b + PCI_EXP_SLTCAP, 4, (uint32_t)o->slot_number << 19, 0, 0);
    ladon__cfg_def(cfg, b + PCI_EXP_SLTCTL, 2, 0, 0x17ffu, 0);
    ladon__cfg_def(cfg, b + PCI_EXP_SLTSTA, 2, 0, 0,
                   PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | PCI_EXP_SLTSTA_MRLSC |
                       PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC);
  }
  if (t == PCI_EXP_TYPE_ROOT_PORT || t == PCI_EXP_TYPE_RC_EC) {
    /* Root (§7.5.3.12-14): error-to-system and PME interrupt enables. */
    ladon__cfg_def(cfg, b + PCI_EXP_RTCTL, 2, 0, 0x000fu, 0);
    ladon__cfg_def(cfg, b + PCI_EXP_RTSTA, 4, 0, 0, PCI_EXP_RTSTA_PME);
  }
  /* Device 2 (§7.5.3.15-16). */
  ladon__cfg_def(cfg, b + PCI_EXP_DEVCAP2, 4,
                 o->cpl_timeout_ranges |
                     (o->cpl_timeout_disable ? PCI_EXP_DEVCAP2_COMP_TMOUT_DIS : 0) |
                     (o->ari_forwarding ? PCI_EXP_DEVCAP2_ARI : 0) |
                     (o->tag10_completer ? PCI_EXP_DEVCAP2_10BIT_TAG_COMP : 0) |
                     (o->tag10_requester ? PCI_EXP_DEVCAP2_10BIT_TAG_REQ : 0),
                 0, 0);
  /* Completion Timeout Value is hardwired 0 without ranges; a VF's 10-Bit
  ** Tag Requester Enable is RsvdP (the PF's SR-IOV control has it). */
  ladon__cfg_def(cfg, b + PCI_EXP_DEVCTL2, 2, 0,
                 (o->cpl_timeout_ranges ? PCI_EXP_DEVCTL2_COMP_TIMEOUT : 0) |
                     (o->cpl_timeout_disable ? PCI_EXP_DEVCTL2_COMP_TMOUT_DIS : 0) |
                     (o->ari_forwarding ? PCI_EXP_DEVCTL2_ARI : 0) |
                     (o->tag10_requester && !vf ? PCI_EXP_DEVCTL2_10BIT_TAG_REQ_EN : 0),
                 0);
  ladon__cfg_handler h = {0};
  h.lo = (uint16_t)(b + PCI_EXP_DEVCTL);
  h.hi = (uint16_t)(b + PCI_CAP_EXP_SIZEOF);
  h.filter = exp_filter;
  st = ladon__cfg_add_handler(cfg, &h);
  if (st != LADON_OK) return ladon__error_set(err, st, NULL, 0, 0, "out of memory");
  if (off_out) *off_out = b;
  return LADON_OK;
}

ladon_status ladon__cfg_exp_get(const ladon__cfg *cfg, ladon__cfg_exp_state *out) {
  if (!cfg || !out) return LADON_EINVAL;
  if (!cfg->exp_off) return LADON_ENOENT;
  unsigned b = cfg->exp_off;
  uint32_t flags = ladon__cfg_peek(cfg, (uint16_t)(b + PCI_EXP_FLAGS), 2);
  uint32_t dc = ladon__cfg_peek(cfg, (uint16_t)(b + PCI_EXP_DEVCTL), 2);
  uint32_t dc2 = ladon__cfg_peek(cfg, (uint16_t)(b + PCI_EXP_DEVCTL2), 2);
  uint32_t ls = ladon__cfg_peek(cfg, (uint16_t)(b + PCI_EXP_LNKSTA), 2);
  ladon__cfg_exp_state s = {0};
  s.port_type = (uint8_t)((flags & PCI_EXP_FLAGS_TYPE) >> 4);
  s.mps_bytes = 128u << ((dc & PCI_EXP_DEVCTL_PAYLOAD) >> 5);
  s.mrrs_bytes = 128u << ((dc & PCI_EXP_DEVCTL_READRQ) >> 12);
  s.relaxed_ordering = dc & PCI_EXP_DEVCTL_RELAX_EN;
  s.no_snoop = dc & PCI_EXP_DEVCTL_NOSNOOP_EN;
  s.ext_tag = dc & PCI_EXP_DEVCTL_EXT_TAG;
  s.tag10_requester = dc2 & PCI_EXP_DEVCTL2_10BIT_TAG_REQ_EN;
  s.ari_forwarding = dc2 & PCI_EXP_DEVCTL2_ARI;
  s.cpl_timeout_value = (uint8_t)(dc2 & PCI_EXP_DEVCTL2_COMP_TIMEOUT);
  s.cpl_timeout_disabled = dc2 & PCI_EXP_DEVCTL2_COMP_TMOUT_DIS;
  s.link_speed = (uint8_t)(ls & PCI_EXP_LNKSTA_CLS);
  s.link_width = (uint8_t)((ls & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT);
  s.dll_link_active = ls & PCI_EXP_LNKSTA_DLLLA;
  *out = s;
  return LADON_OK;
}

ladon_status ladon__cfg_exp_set_link(ladon__cfg *cfg, uint8_t speed, uint8_t width,
                                     bool dll_active) {
  if (!cfg) return LADON_EINVAL;
  if (!cfg->exp_off) return LADON_ENOENT;
  unsigned b = cfg->exp_off;
  uint32_t cap = ladon__cfg_read_dw(cfg, (uint16_t)(b + PCI_EXP_LNKCAP));
  if (!cap) return LADON_ENOENT; /* root complex integrated: no link */
  uint32_t max_speed = cap & PCI_EXP_LNKCAP_SLS, max_width = (cap & PCI_EXP_LNKCAP_MLW) >> 4;
  if (speed < 1 || speed > max_speed || width < 1 || width > max_width) return LADON_ERANGE;
  /* DL_Active is hardwired 0 without the reporting capability (§7.5.3.8). */
  uint32_t v = speed | (uint32_t)width << PCI_EXP_LNKSTA_NLW_SHIFT |
               ((dll_active && (cap & PCI_EXP_LNKCAP_DLLLARC)) ? PCI_EXP_LNKSTA_DLLLA : 0);
  return ladon__cfg_poke(cfg, (uint16_t)(b + PCI_EXP_LNKSTA), 2,
                         PCI_EXP_LNKSTA_CLS | PCI_EXP_LNKSTA_NLW | PCI_EXP_LNKSTA_DLLLA, v);
}
