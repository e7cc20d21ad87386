/*
** Alternative Routing-ID Interpretation Extended Capability (PCIe Base 5.0
** §7.8.7).  With ARI a function number is 8 bits and the device number is
** implied 0; Next Function Number chains the functions of a device.
*/
#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

ladon_status ladon__cfg_add_ari(ladon__cfg *cfg, const ladon__cfg_ari_opts *o, uint16_t *off_out,
                                ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->ari_off) return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "ARI: present");
  uint16_t b = 0;
  ladon_status st = ladon__cfg_add_ext_cap(cfg, PCI_EXT_CAP_ID_ARI, 1, PCI_EXT_CAP_ARI_SIZEOF, 0,
                                           &b, err);
  if (st != LADON_OK) return st;
  cfg->ari_off = b;
  ladon__cfg_def(cfg, b + PCI_ARI_CAP, 2,
                 (o->mfvc_fg ? PCI_ARI_CAP_MFVC : 0) | (o->acs_fg ? PCI_ARI_CAP_ACS : 0) |
                     (uint32_t)o->next_function << 8,
                 0, 0);
  /* Function Group enables are RW only with the matching capability; the
  ** Function Group field [6:4] with either. */
  uint32_t rw = (o->mfvc_fg ? PCI_ARI_CTRL_MFVC : 0) | (o->acs_fg ? PCI_ARI_CTRL_ACS : 0);
  if (rw) rw |= 0x0070u;
  ladon__cfg_def(cfg, b + PCI_ARI_CTRL, 2, 0, rw, 0);
  if (off_out) *off_out = b;
  return LADON_OK;
}
