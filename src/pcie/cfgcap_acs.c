/*
** Access Control Services Extended Capability (PCIe Base 5.0 §7.7.8).  The
** switch and root port models read ACS Control to decide source
** validation, P2P redirect and upstream forwarding.
*/
#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

#define ACS_ALL                                                                 \
  (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC | \
   PCI_ACS_DT)

ladon_status ladon__cfg_add_acs(ladon__cfg *cfg, const ladon__cfg_acs_opts *o, uint16_t *off_out,
                                ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->acs_off) return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "ACS: present");
  if (o->cap & ~ACS_ALL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "ACS: capability bits %04Xh are not SV/TB/RR/CR/UF/EC/DT",
                            o->cap & ~ACS_ALL);
  bool ec = o->cap & PCI_ACS_EC;
  if (ec ? (o->egress_vector_bits < 1 || o->egress_vector_bits > 256) : o->egress_vector_bits)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "ACS: Egress Control Vector of %u bits; 1..256 with P2P Egress "
                            "Control, else 0 (§7.7.8.2)",
                            o->egress_vector_bits);
  if (!cfg->exp_off)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                            "ACS: add the PCI Express Capability first (ACS depends on the "
                            "port type)");
  unsigned type = (ladon__cfg_peek(cfg, (uint16_t)(cfg->exp_off + PCI_EXP_FLAGS), 2) &
                   PCI_EXP_FLAGS_TYPE) >> 4;
  bool dsp = type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
  /* §7.7.8.2: Source Validation, Translation Blocking and Upstream
  ** Forwarding are Downstream Port features; functions of multi-function
  ** devices (SR-IOV included) implement only RR, CR, EC and DT. */
  if (!dsp && (o->cap & (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_UF)))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "ACS: SV, TB and UF apply to root and downstream ports only, not "
                            "port type %u (§7.7.8.2)",
                            type);
  unsigned vec_dw = ec ? (o->egress_vector_bits + 31u) / 32u : 0;
  uint16_t b = 0;
  ladon_status st = ladon__cfg_add_ext_cap(cfg, PCI_EXT_CAP_ID_ACS, 1,
                                           (uint16_t)(PCI_ACS_EGRESS_CTL_V + 4u * vec_dw), 0, &b,
                                           err);
  if (st != LADON_OK) return st;
  cfg->acs_off = b;
  /* Egress Control Vector Size: 00h encodes 256 bits. */
  uint32_t size_enc = ec ? (o->egress_vector_bits & 0xffu) : 0;
  ladon__cfg_def(cfg, b + PCI_ACS_CAP, 2, o->cap | size_enc << 8, 0, 0);
  /* Each enable is RW only if the feature is implemented, else RO 0. */
  ladon__cfg_def(cfg, b + PCI_ACS_CTRL, 2, 0, o->cap, 0);
  for (unsigned i = 0; i < vec_dw; i++) {
    unsigned bits = o->egress_vector_bits - 32u * i;
    uint32_t rw = bits >= 32 ? 0xffffffffu : (1u << bits) - 1u;
    ladon__cfg_def(cfg, (uint16_t)(b + PCI_ACS_EGRESS_CTL_V + 4u * i), 4, 0, rw, 0);
  }
  if (off_out) *off_out = b;
  return LADON_OK;
}

uint16_t ladon__cfg_acs_ctrl(const ladon__cfg *cfg) {
  if (!cfg || !cfg->acs_off) return 0;
  return (uint16_t)ladon__cfg_peek(cfg, (uint16_t)(cfg->acs_off + PCI_ACS_CTRL), 2);
}
