/*
** PCI Power Management Capability (PCIe Base 5.0 §7.5.2).  Minimal: the
** PowerState field and PME bits; power states have no further effect here
** (models watch PMCSR to act on them).
*/
#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

/*
** §7.5.2.2: writing an unsupported optional state (D1/D2 when not
** advertised) completes normally but the data is discarded.  D0 and D3hot
** are always supported.
*/
static uint32_t pm_filter(ladon__cfg *c, uint16_t off, uint32_t old, uint32_t nv, void *ctx) {
  (void)ctx;
  if (off != c->pm_off + PCI_PM_CTRL) return nv;
  uint32_t pmc = ladon__cfg_peek(c, (uint16_t)(c->pm_off + PCI_PM_PMC), 2);
  uint32_t st = nv & PCI_PM_CTRL_STATE_MASK;
  if ((st == PCI_D1 && !(pmc & PCI_PM_CAP_D1)) || (st == PCI_D2 && !(pmc & PCI_PM_CAP_D2)))
    nv = (nv & ~PCI_PM_CTRL_STATE_MASK) | (old & PCI_PM_CTRL_STATE_MASK);
  return nv;
}

ladon_status ladon__cfg_add_pm(ladon__cfg *cfg, const ladon__cfg_pm_opts *o, uint16_t *off_out,
                               ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->pm_off)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "Power Management: present");
  if (o->pme_support > 0x1f)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "Power Management: PME_Support is 5 bits (D0..D3cold)");
  if (((o->pme_support & 0x2) && !o->d1) || ((o->pme_support & 0x4) && !o->d2))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "Power Management: PME from D1/D2 needs that state supported "
                            "(§7.5.2.1)");
  uint16_t b = 0;
  ladon_status st = ladon__cfg_add_cap(cfg, PCI_CAP_ID_PM, PCI_PM_SIZEOF, 0, &b, err);
  if (st != LADON_OK) return st;
  cfg->pm_off = b;
  /* PMC: Version 011b, as PCIe requires (§7.5.2.1). */
  ladon__cfg_def(cfg, b + PCI_PM_PMC, 2,
                 3u | (o->d1 ? PCI_PM_CAP_D1 : 0) | (o->d2 ? PCI_PM_CAP_D2 : 0) |
                     (uint32_t)o->pme_support << PCI_PM_CAP_PME_SHIFT,
                 0, 0);
  /* PMCSR: PowerState RW, PME_En RW and PME_Status RW1C only with PME. */
  bool pme = o->pme_support != 0;
  ladon__cfg_def(cfg, b + PCI_PM_CTRL, 2, o->no_soft_reset ? PCI_PM_CTRL_NO_SOFT_RESET : 0,
                 PCI_PM_CTRL_STATE_MASK | (pme ? PCI_PM_CTRL_PME_ENABLE : 0),
                 pme ? PCI_PM_CTRL_PME_STATUS : 0);
  ladon__cfg_handler h = {0};
  h.lo = (uint16_t)(b + PCI_PM_CTRL);
  h.hi = (uint16_t)(b + PCI_PM_CTRL + 2);
  h.filter = pm_filter;
  st = ladon__cfg_add_handler(cfg, &h);
  if (st != LADON_OK) return ladon__error_set(err, st, NULL, 0, 0, "out of memory");
  if (off_out) *off_out = b;
  return LADON_OK;
}

unsigned ladon__cfg_pm_state(const ladon__cfg *cfg) {
  if (!cfg || !cfg->pm_off) return PCI_D0;
  return ladon__cfg_peek(cfg, (uint16_t)(cfg->pm_off + PCI_PM_CTRL), 2) & PCI_PM_CTRL_STATE_MASK;
}
