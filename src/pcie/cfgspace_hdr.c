/*
** Type 0 and Type 1 headers (PCIe Base 5.0 §7.5.1.1-3), the VF header
** (§9.3.4.1), and decoding of what software programmed into a bridge.
*/
#include <stdlib.h>

#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

/* Status bits that are RW1C in every PCIe function (§7.5.1.1.4). */
#define STATUS_W1C                                                                 \
  (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT | \
   PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

/* Secondary Status RW1C bits (§7.5.1.3.7): same positions, bit 14 is
** Received System Error. */
#define SEC_STATUS_W1C STATUS_W1C

static ladon__cfg *alloc_cfg(const ladon__cfg_ids *ids, ladon_error *err) {
  if (!ids) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "configuration space: no IDs given");
    return NULL;
  }
  if (ids->interrupt_pin > 4) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "Interrupt Pin %u: must be 0 (none) or 1..4 (INTA..INTD), §7.5.1.1.13",
                     ids->interrupt_pin);
    return NULL;
  }
  if (ids->class_code > 0xffffffu) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "Class Code %08Xh: must fit in 24 bits",
                     ids->class_code);
    return NULL;
  }
  ladon__cfg *c = calloc(1, sizeof *c);
  if (!c) ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  return c;
}

/* The registers common to both header types (§7.5.1.1). */
static void common(ladon__cfg *c, const ladon__cfg_ids *ids, uint8_t htype) {
  c->header_type = htype;
  ladon__cfg_def(c, PCI_VENDOR_ID, 2, ids->vendor_id, 0, 0);
  ladon__cfg_def(c, PCI_DEVICE_ID, 2, ids->device_id, 0, 0);
  /* Command (§7.5.1.1.3): Special Cycles, MWI, VGA snoop, IDSEL stepping and
  ** fast back-to-back are hardwired 0 in PCIe; I/O Space Enable becomes RW
  ** once the function has I/O resources. */
  ladon__cfg_def(c, PCI_COMMAND, 2, 0,
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                     PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE,
                 0);
  ladon__cfg_def(c, PCI_STATUS, 2, 0, 0, STATUS_W1C);
  ladon__cfg_def(c, PCI_CLASS_REVISION, 4, ids->class_code << 8 | ids->revision_id, 0, 0);
  ladon__cfg_def(c, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0); /* RW, no effect in PCIe */
  ladon__cfg_def(c, PCI_HEADER_TYPE, 1, htype | (ids->multifunction ? PCI_HEADER_TYPE_MFD : 0),
                 0, 0);
  ladon__cfg_def(c, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
  ladon__cfg_def(c, PCI_INTERRUPT_PIN, 1, ids->interrupt_pin, 0, 0);
}

ladon__cfg *ladon__cfg_new_type0(const ladon__cfg_ids *ids, ladon_error *err) {
  ladon__cfg *c = alloc_cfg(ids, err);
  if (!c) return NULL;
  common(c, ids, PCI_HEADER_TYPE_NORMAL);
  ladon__cfg_def(c, PCI_SUBSYSTEM_VENDOR_ID, 2, ids->subsys_vendor_id, 0, 0);
  ladon__cfg_def(c, PCI_SUBSYSTEM_ID, 2, ids->subsys_id, 0, 0);
  return c;
}

ladon__cfg *ladon__cfg_new_vf(const ladon__cfg_ids *ids, ladon_error *err) {
  ladon__cfg *c = ladon__cfg_new_type0(ids, err);
  if (!c) return NULL;
  c->is_vf = true;
  /* §9.3.4.1.1-2: a VF's Vendor and Device ID read FFFFh (software takes
  ** them from the PF and its VF Device ID). */
  ladon__cfg_def(c, PCI_VENDOR_ID, 2, 0xffff, 0, 0);
  ladon__cfg_def(c, PCI_DEVICE_ID, 2, 0xffff, 0, 0);
  /* §9.3.4.1.3: I/O and Memory Space Enable do not apply (VF MSE in the PF
  ** governs VF memory); Interrupt Disable does not apply (no INTx); SERR#
  ** Enable and Parity Error Response are RsvdP, the PF's apply (§9.4.1).
  ** Bus Master Enable stays per VF. */
  ladon__cfg_def(c, PCI_COMMAND, 2, 0, PCI_COMMAND_MASTER, 0);
  ladon__cfg_def(c, PCI_INTERRUPT_PIN, 1, 0, 0, 0);
  return c;
}

ladon__cfg *ladon__cfg_new_type1(const ladon__cfg_ids *ids, const ladon__cfg_bridge_opts *opts,
                                 ladon_error *err) {
  ladon__cfg_bridge_opts none = {0};
  if (!opts) opts = &none;
  if (opts->io_window != 0 && opts->io_window != 16 && opts->io_window != 32) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "I/O window: %u-bit addressing; must be 0 (none), 16 or 32",
                     opts->io_window);
    return NULL;
  }
  if (opts->pref_window != 0 && opts->pref_window != 32 && opts->pref_window != 64) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "prefetchable window: %u-bit; must be 0 (none), 32 or 64",
                     opts->pref_window);
    return NULL;
  }
  ladon__cfg *c = alloc_cfg(ids, err);
  if (!c) return NULL;
  common(c, ids, PCI_HEADER_TYPE_BRIDGE);
  c->io_window = opts->io_window;
  c->pref_window = opts->pref_window;
  /* §7.5.1.3.2-5: bus numbers are RW; the Secondary Latency Timer is RO 0. */
  ladon__cfg_def(c, PCI_PRIMARY_BUS, 1, 0, 0xff, 0);
  ladon__cfg_def(c, PCI_SECONDARY_BUS, 1, 0, 0xff, 0);
  ladon__cfg_def(c, PCI_SUBORDINATE_BUS, 1, 0, 0xff, 0);
  /* §7.5.1.3.6: I/O Base/Limit bits [7:4] are address bits [15:12]; bits
  ** [3:0] say 16- or 32-bit addressing.  Absent window: all RO 0. */
  if (opts->io_window) {
    uint8_t cap = opts->io_window == 32 ? PCI_IO_RANGE_TYPE_32 : PCI_IO_RANGE_TYPE_16;
    ladon__cfg_def(c, PCI_IO_BASE, 1, cap, PCI_IO_RANGE_MASK, 0);
    ladon__cfg_def(c, PCI_IO_LIMIT, 1, cap, PCI_IO_RANGE_MASK, 0);
    if (opts->io_window == 32) {
      ladon__cfg_def(c, PCI_IO_BASE_UPPER16, 2, 0, 0xffff, 0);
      ladon__cfg_def(c, PCI_IO_LIMIT_UPPER16, 2, 0, 0xffff, 0);
    }
    ladon__cfg_def_bits(c, PCI_COMMAND, 2, PCI_COMMAND_IO, 0, PCI_COMMAND_IO, 0);
  }
  ladon__cfg_def(c, PCI_SEC_STATUS, 2, 0, 0, SEC_STATUS_W1C);
  /* §7.5.1.3.8: Memory Base/Limit bits [15:4] are address bits [31:20]. */
  ladon__cfg_def(c, PCI_MEMORY_BASE, 2, 0, PCI_MEMORY_RANGE_MASK, 0);
  ladon__cfg_def(c, PCI_MEMORY_LIMIT, 2, 0, PCI_MEMORY_RANGE_MASK, 0);
  /* §7.5.1.3.9-10: prefetchable window, bits [3:0] say 32- or 64-bit. */
  if (opts->pref_window) {
    uint16_t cap = opts->pref_window == 64 ? PCI_PREF_RANGE_TYPE_64 : PCI_PREF_RANGE_TYPE_32;
    ladon__cfg_def(c, PCI_PREF_MEMORY_BASE, 2, cap, PCI_PREF_RANGE_MASK, 0);
    ladon__cfg_def(c, PCI_PREF_MEMORY_LIMIT, 2, cap, PCI_PREF_RANGE_MASK, 0);
    if (opts->pref_window == 64) {
      ladon__cfg_def(c, PCI_PREF_BASE_UPPER32, 4, 0, 0xffffffffu, 0);
      ladon__cfg_def(c, PCI_PREF_LIMIT_UPPER32, 4, 0, 0xffffffffu, 0);
    }
  }
  /* §7.5.1.3.13: Master Abort Mode and Fast Back-to-Back are RO 0 in PCIe;
  ** the discard-timer bits do not apply. */
  uint16_t bc = PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_BUS_RESET;
  if (opts->vga) bc |= PCI_BRIDGE_CTL_ISA | PCI_BRIDGE_CTL_VGA | PCI_BRIDGE_CTL_VGA_16BIT;
  ladon__cfg_def(c, PCI_BRIDGE_CONTROL, 2, 0, bc, 0);
  return c;
}

ladon_status ladon__cfg_bridge_decode(const ladon__cfg *cfg, ladon__cfg_bridge *out) {
  if (!cfg || !out || cfg->header_type != PCI_HEADER_TYPE_BRIDGE) return LADON_EINVAL;
  uint16_t cmd = (uint16_t)ladon__cfg_peek(cfg, PCI_COMMAND, 2);
  bool mse = cmd & PCI_COMMAND_MEMORY, ioe = cmd & PCI_COMMAND_IO;
  ladon__cfg_bridge b = {0};
  b.primary = (uint8_t)ladon__cfg_peek(cfg, PCI_PRIMARY_BUS, 1);
  b.secondary = (uint8_t)ladon__cfg_peek(cfg, PCI_SECONDARY_BUS, 1);
  b.subordinate = (uint8_t)ladon__cfg_peek(cfg, PCI_SUBORDINATE_BUS, 1);
  b.bus_valid = b.secondary != 0 && b.secondary <= b.subordinate;

  /* Memory window: base = bits [15:4] << 16, limit = that | FFFFFh. */
  uint32_t mb = ladon__cfg_peek(cfg, PCI_MEMORY_BASE, 2) & PCI_MEMORY_RANGE_MASK;
  uint32_t ml = ladon__cfg_peek(cfg, PCI_MEMORY_LIMIT, 2) & PCI_MEMORY_RANGE_MASK;
  b.mem.implemented = true;
  b.mem.base = (uint64_t)mb << 16;
  b.mem.limit = ((uint64_t)ml << 16) | 0xfffffu;

  if (cfg->pref_window) {
    uint64_t pb = ladon__cfg_peek(cfg, PCI_PREF_MEMORY_BASE, 2) & PCI_PREF_RANGE_MASK;
    uint64_t pl = ladon__cfg_peek(cfg, PCI_PREF_MEMORY_LIMIT, 2) & PCI_PREF_RANGE_MASK;
    b.pref.implemented = true;
    b.pref_64 = cfg->pref_window == 64;
    b.pref.base = pb << 16;
    b.pref.limit = (pl << 16) | 0xfffffu;
    if (b.pref_64) {
      b.pref.base |= (uint64_t)ladon__cfg_peek(cfg, PCI_PREF_BASE_UPPER32, 4) << 32;
      b.pref.limit |= (uint64_t)ladon__cfg_peek(cfg, PCI_PREF_LIMIT_UPPER32, 4) << 32;
    }
  }
  if (cfg->io_window) {
    /* I/O: base = bits [7:4] << 8 (| upper 16 << 16), limit | FFFh. */
    uint64_t ib = ladon__cfg_peek(cfg, PCI_IO_BASE, 1) & PCI_IO_RANGE_MASK;
    uint64_t il = ladon__cfg_peek(cfg, PCI_IO_LIMIT, 1) & PCI_IO_RANGE_MASK;
    b.io.implemented = true;
    b.io.base = ib << 8;
    b.io.limit = (il << 8) | 0xfffu;
    if (cfg->io_window == 32) {
      b.io.base |= (uint64_t)ladon__cfg_peek(cfg, PCI_IO_BASE_UPPER16, 2) << 16;
      b.io.limit |= (uint64_t)ladon__cfg_peek(cfg, PCI_IO_LIMIT_UPPER16, 2) << 16;
    }
  }
  /* §7.5.1.3.8: a base above the limit means the window forwards nothing. */
  ladon__cfg_window *w[3] = {&b.mem, &b.pref, &b.io};
  for (int i = 0; i < 3; i++) {
    w[i]->valid = w[i]->implemented && w[i]->base <= w[i]->limit;
    w[i]->enabled = w[i]->valid && (i == 2 ? ioe : mse);
  }
  b.bus_master = cmd & PCI_COMMAND_MASTER;
  b.bridge_control = (uint16_t)ladon__cfg_peek(cfg, PCI_BRIDGE_CONTROL, 2);
  b.secondary_reset = b.bridge_control & PCI_BRIDGE_CTL_BUS_RESET;
  *out = b;
  return LADON_OK;
}
