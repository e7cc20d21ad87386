/*
** MSI-X Capability (PCIe Base 5.0 §7.7.2).  The table and PBA themselves
** live in BAR memory, which the owning model implements; this is the
** capability structure that locates them and enables the function.
*/
#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

/* The memory BAR `bir` of `c` (or VF BAR of its PF `pf`), or NULL. */
static const ladon__cfg_bar_def *bar_of(const ladon__cfg *c, const ladon__cfg *pf, unsigned bir,
                                        ladon__cfg_bar_def *tmp) {
  if (c->is_vf) {
    ladon__cfg_vf_bar vb;
    if (!pf || ladon__cfg_sriov_vf_bar(pf, bir, &vb) != LADON_OK) return NULL;
    tmp->kind = vb.kind;
    tmp->prefetchable = vb.prefetchable;
    tmp->size_bytes = vb.size_bytes;
    return tmp;
  }
  if (bir >= 6) return NULL;
  const ladon__cfg_bar_def *d = &c->bars[bir];
  return d->kind == LADON__BAR_MEM32 || d->kind == LADON__BAR_MEM64 ? d : NULL;
}

static ladon_status check_struct(const ladon__cfg *c, const ladon__cfg *pf, const char *what,
                                 unsigned bir, uint32_t off, uint64_t len, ladon_error *err) {
  const char *sec = what[0] == 'T' ? "3" : "4"; /* Table §7.7.2.3, PBA §7.7.2.4 */
  if (bir > 5)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "MSI-X %s BIR %u is reserved; BARs are 0..5 (§7.7.2.%s)", what, bir,
                            sec);
  if (off & 7u)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "MSI-X %s offset %08Xh is not QWORD aligned (§7.7.2.%s)", what, off,
                            sec);
  if (c->is_vf && !pf) return LADON_OK; /* the VF BARs are not known here */
  ladon__cfg_bar_def tmp;
  const ladon__cfg_bar_def *d = bar_of(c, pf, bir, &tmp);
  if (!d)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "MSI-X %s BIR %u names no memory %sBAR", what, bir,
                            c->is_vf ? "VF " : "");
  if (off + len > d->size_bytes)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "MSI-X %s (%llu bytes at %08Xh) does not fit %sBAR%u of %llu bytes",
                            what, (unsigned long long)len, off, c->is_vf ? "VF " : "", bir,
                            (unsigned long long)d->size_bytes);
  return LADON_OK;
}

ladon_status ladon__cfg_add_msix(ladon__cfg *cfg, const ladon__cfg_msix_opts *o,
                                 uint16_t *off_out, ladon_error *err) {
  if (!cfg || !o) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no options");
  if (cfg->msix_off) return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "MSI-X: present");
  if (o->table_size < 1 || o->table_size > 2048)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "MSI-X Table Size %u; must be 1..2048 (§7.7.2.2)", o->table_size);
  /* 16 bytes per table entry; one PBA bit per entry, in whole QWORDs. */
  uint64_t tbl = (uint64_t)o->table_size * PCI_MSIX_ENTRY_SIZE;
  uint64_t pba = ((o->table_size + 63u) / 64u) * 8u;
  ladon_status st = check_struct(cfg, o->pf, "Table", o->table_bir, o->table_offset, tbl, err);
  if (st == LADON_OK) st = check_struct(cfg, o->pf, "PBA", o->pba_bir, o->pba_offset, pba, err);
  if (st != LADON_OK) return st;
  if (o->table_bir == o->pba_bir && o->table_offset < o->pba_offset + pba &&
      o->pba_offset < o->table_offset + tbl)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "MSI-X Table and PBA overlap in BAR%u (§7.7.2)", o->table_bir);
  uint16_t b = 0;
  st = ladon__cfg_add_cap(cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF, 0, &b, err);
  if (st != LADON_OK) return st;
  cfg->msix_off = b;
  /* Message Control: Table Size is N - 1, RO; Enable and Function Mask RW. */
  ladon__cfg_def(cfg, b + PCI_MSIX_FLAGS, 2, o->table_size - 1u,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
  ladon__cfg_def(cfg, b + PCI_MSIX_TABLE, 4, o->table_offset | o->table_bir, 0, 0);
  ladon__cfg_def(cfg, b + PCI_MSIX_PBA, 4, o->pba_offset | o->pba_bir, 0, 0);
  if (off_out) *off_out = b;
  return LADON_OK;
}

ladon_status ladon__cfg_msix_get(const ladon__cfg *cfg, ladon__cfg_msix_state *out) {
  if (!cfg || !out) return LADON_EINVAL;
  if (!cfg->msix_off) return LADON_ENOENT;
  unsigned b = cfg->msix_off;
  uint32_t f = ladon__cfg_peek(cfg, (uint16_t)(b + PCI_MSIX_FLAGS), 2);
  uint32_t t = ladon__cfg_read_dw(cfg, (uint16_t)(b + PCI_MSIX_TABLE));
  uint32_t p = ladon__cfg_read_dw(cfg, (uint16_t)(b + PCI_MSIX_PBA));
  ladon__cfg_msix_state s = {0};
  s.enabled = f & PCI_MSIX_FLAGS_ENABLE;
  s.function_mask = f & PCI_MSIX_FLAGS_MASKALL;
  s.table_size = (uint16_t)((f & PCI_MSIX_FLAGS_QSIZE) + 1u);
  s.table_bir = (uint8_t)(t & PCI_MSIX_TABLE_BIR);
  s.table_offset = t & PCI_MSIX_TABLE_OFFSET;
  s.pba_bir = (uint8_t)(p & PCI_MSIX_PBA_BIR);
  s.pba_offset = p & PCI_MSIX_PBA_OFFSET;
  *out = s;
  return LADON_OK;
}
