/*
** Base Address Registers and the Expansion ROM BAR (PCIe Base 5.0
** §7.5.1.2.1, §7.5.1.2.4).  A BAR is nothing but masks: its low bits are
** read-only type bits, the address bits below its size are hardwired 0, and
** the rest are RW, so firmware's sizing protocol (write all ones, read the
** mask back) works by the ordinary write path.
*/
#include <inttypes.h>

#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

ladon_status ladon__bar_def_check(const ladon__cfg_bar_def *def, unsigned bar, unsigned nbars,
                                  const char *label, ladon_error *err) {
  if (!def) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "%s%u: no definition", label, bar);
  if (bar >= nbars)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s%u: index out of range (this header has %u)", label, bar, nbars);
  uint64_t sz = def->size_bytes;
  switch (def->kind) {
  case LADON__BAR_IO:
    if (def->prefetchable)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "%s%u: an I/O BAR cannot be prefetchable", label, bar);
    /* I/O BARs: bits [1:0] are type bits, so 4 B is the least; at most
    ** 256 B per I/O BAR (PCI Local Bus 3.0 §6.2.5.1, kept by PCIe). */
    if (!pow2(sz) || sz < 4 || sz > 256)
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "%s%u: I/O size %" PRIu64
                              " bytes; must be a power of two from 4 to 256 "
                              "(PCIe Base 5.0 §7.5.1.2.1)",
                              label, bar, sz);
    return LADON_OK;
  case LADON__BAR_MEM32:
  case LADON__BAR_MEM64:
    /* Memory BARs: bits [3:0] are type bits, so 16 B is the least. */
    if (!pow2(sz) || sz < 16)
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "%s%u: memory size %" PRIu64
                              " bytes; must be a power of two of at least 16 "
                              "(PCIe Base 5.0 §7.5.1.2.1)",
                              label, bar, sz);
    if (def->kind == LADON__BAR_MEM32 && sz > (UINT64_C(1) << 31))
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "%s%u: %" PRIu64 " bytes do not fit a 32-bit BAR (max 2 GiB)",
                              label, bar, sz);
    if (def->kind == LADON__BAR_MEM64 && sz > (UINT64_C(1) << 63))
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0, "%s%u: size too large", label, bar);
    if (def->kind == LADON__BAR_MEM64 && bar + 1 >= nbars)
      return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                              "%s%u: a 64-bit BAR takes two registers; %s%u does not exist "
                              "(PCIe Base 5.0 §7.5.1.2.1)",
                              label, bar, label, bar + 1);
    return LADON_OK;
  default:
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s%u: kind must be 32-bit memory, 64-bit memory or I/O", label, bar);
  }
}

void ladon__bar_masks(const ladon__cfg_bar_def *def, uint32_t *flags, uint32_t *lo_wmask,
                      uint32_t *hi_wmask) {
  uint64_t addr = ~(def->size_bytes - 1u); /* address bits the BAR decodes */
  if (def->kind == LADON__BAR_IO) {
    *flags = PCI_BASE_ADDRESS_SPACE_IO;
    *lo_wmask = (uint32_t)addr & PCI_BASE_ADDRESS_IO_MASK;
    *hi_wmask = 0;
    return;
  }
  *flags = (def->kind == LADON__BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
           (def->prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
  *lo_wmask = (uint32_t)addr & PCI_BASE_ADDRESS_MEM_MASK;
  *hi_wmask = def->kind == LADON__BAR_MEM64 ? (uint32_t)(addr >> 32) : 0;
}

static unsigned nbars_of(const ladon__cfg *c) {
  return c->header_type == PCI_HEADER_TYPE_BRIDGE ? 2u : 6u;
}

ladon_status ladon__cfg_add_bar(ladon__cfg *cfg, unsigned bar, const ladon__cfg_bar_def *def,
                                ladon_error *err) {
  if (!cfg) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no configuration space");
  if (cfg->is_vf)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "BAR%u: a VF's BARs are RO 0; its memory is a VF BAR in the PF's "
                            "SR-IOV capability (PCIe Base 5.0 §9.3.4.1)",
                            bar);
  ladon_status st = ladon__bar_def_check(def, bar, nbars_of(cfg), "BAR", err);
  if (st != LADON_OK) return st;
  bool two = def->kind == LADON__BAR_MEM64;
  if (cfg->bars[bar].kind != LADON__BAR_NONE || (two && cfg->bars[bar + 1].kind != LADON__BAR_NONE))
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "BAR%u: already implemented%s", bar,
                            two ? " (or its upper half is)" : "");
  uint32_t flags, lo, hi;
  ladon__bar_masks(def, &flags, &lo, &hi);
  uint16_t off = (uint16_t)(PCI_BASE_ADDRESS_0 + 4u * bar);
  ladon__cfg_def(cfg, off, 4, flags, lo, 0);
  cfg->bars[bar] = *def;
  if (two) {
    ladon__cfg_def(cfg, (uint16_t)(off + 4), 4, 0, hi, 0);
    cfg->bars[bar + 1].kind = LADON__BAR_MEM64_HI;
  }
  if (def->kind == LADON__BAR_IO)
    ladon__cfg_def_bits(cfg, PCI_COMMAND, 2, PCI_COMMAND_IO, 0, PCI_COMMAND_IO, 0);
  return LADON_OK;
}

static uint16_t rom_off(const ladon__cfg *c) {
  return c->header_type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
}

ladon_status ladon__cfg_add_rom(ladon__cfg *cfg, uint32_t size_bytes, ladon_error *err) {
  if (!cfg) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no configuration space");
  if (cfg->is_vf)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "Expansion ROM: RO 0 in a VF (PCIe Base 5.0 §9.3.4.1)");
  if (cfg->rom_size)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "Expansion ROM: already implemented");
  /* §7.5.1.2.4: address bits [31:11], so 2 KiB is the least. */
  if (!pow2(size_bytes) || size_bytes < 2048u || size_bytes > (UINT32_C(1) << 31))
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "Expansion ROM: size %" PRIu32
                            " bytes; must be a power of two from 2 KiB to 2 GiB "
                            "(PCIe Base 5.0 §7.5.1.2.4)",
                            size_bytes);
  uint32_t wm = (~(size_bytes - 1u) & PCI_ROM_ADDRESS_MASK) | PCI_ROM_ADDRESS_ENABLE;
  ladon__cfg_def(cfg, rom_off(cfg), 4, 0, wm, 0);
  cfg->rom_size = size_bytes;
  return LADON_OK;
}

ladon_status ladon__cfg_bar_range(const ladon__cfg *cfg, unsigned bar, ladon__cfg_range *out) {
  if (!cfg || !out) return LADON_EINVAL;
  if (bar >= nbars_of(cfg)) return LADON_ENOENT;
  const ladon__cfg_bar_def *d = &cfg->bars[bar];
  if (d->kind != LADON__BAR_MEM32 && d->kind != LADON__BAR_MEM64 && d->kind != LADON__BAR_IO)
    return LADON_ENOENT;
  uint16_t off = (uint16_t)(PCI_BASE_ADDRESS_0 + 4u * bar);
  uint32_t lo = ladon__cfg_read_dw(cfg, off);
  uint16_t cmd = (uint16_t)ladon__cfg_peek(cfg, PCI_COMMAND, 2);
  ladon__cfg_range r = {0};
  r.kind = d->kind;
  r.size_bytes = d->size_bytes;
  r.prefetchable = d->prefetchable;
  if (d->kind == LADON__BAR_IO) {
    r.base = lo & PCI_BASE_ADDRESS_IO_MASK;
    r.enabled = cmd & PCI_COMMAND_IO;
  } else {
    r.base = lo & PCI_BASE_ADDRESS_MEM_MASK;
    if (d->kind == LADON__BAR_MEM64)
      r.base |= (uint64_t)ladon__cfg_read_dw(cfg, (uint16_t)(off + 4)) << 32;
    r.enabled = cmd & PCI_COMMAND_MEMORY;
  }
  *out = r;
  return LADON_OK;
}

ladon_status ladon__cfg_rom_range(const ladon__cfg *cfg, ladon__cfg_range *out) {
  if (!cfg || !out) return LADON_EINVAL;
  if (!cfg->rom_size) return LADON_ENOENT;
  uint32_t v = ladon__cfg_read_dw(cfg, rom_off(cfg));
  ladon__cfg_range r = {0};
  r.kind = LADON__BAR_MEM32;
  r.size_bytes = cfg->rom_size;
  r.base = v & PCI_ROM_ADDRESS_MASK;
  /* §7.5.1.2.4: the ROM decodes only with both enables set. */
  r.enabled = (v & PCI_ROM_ADDRESS_ENABLE) &&
              (ladon__cfg_peek(cfg, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
  *out = r;
  return LADON_OK;
}
