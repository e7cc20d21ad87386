/*
** NTB window, LUT and requester-ID programming, checked the way the Linux
** NTB drivers see the hardware, and the maps the isolation checker reads.
*/
#include <string.h>

#include "models/ntb_int.h"
#include "sim/error_int.h"

static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

static ladon_status einval(ladon_error *err, const ladon__ntb *ntb, const char *what,
                           unsigned side, unsigned n) {
  return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb '%s' side %c: %s (%u)",
                          ntb->name, side ? 'b' : 'a', what, n);
}

static uint64_t bar_bytes(const ladon__ntb *ntb, unsigned bar) {
  return bar == 2 ? ntb->cfg.bar2_bytes : bar == 4 ? ntb->cfg.bar4_bytes : 0;
}

uint64_t ladon__ntb_lut_entry_bytes(const ladon__ntb *ntb) {
  return ntb && ntb->cfg.lut_entries ? ntb->cfg.bar2_bytes / ntb->cfg.lut_entries : 0;
}

void ladon__ntb_rebuild(ladon__ntb *ntb, unsigned side) {
  ladon__ntb_side *s = &ntb->s[side];
  uint32_t far_dom = ntb->cfg.domain[side ^ 1u];
  ladon_imap_clear(s->xmap);
  for (unsigned bar = 2; bar <= 4; bar += 2) {
    ladon__cfg_range r;
    ladon_imap_entry e;
    if (!bar_bytes(ntb, bar)) continue;
    /* A BAR decodes only with Memory Space Enable and an assigned address
    ** (PCIe Base 5.0 §7.5.1.1.3); base 0 is taken as "not assigned". */
    if (ladon__cfg_bar_range(s->cfg, bar, &r) != LADON_OK || !r.enabled || r.base == 0)
      continue;
    memset(&e, 0, sizeof e);
    e.target_domain = far_dom;
    e.perms = LADON_IMAP_RW;
    if (bar == 2 && ntb->cfg.lut_entries) {
      uint64_t esz = ladon__ntb_lut_entry_bytes(ntb);
      for (unsigned i = 0; i < ntb->cfg.lut_entries; i++) {
        if (!s->lut[i].enabled) continue;
        e.lo = r.base + (uint64_t)i * esz;
        e.hi = e.lo + esz - 1;
        e.target = s->lut[i].xlate;
        e.id = i;
        e.user = (uint64_t)bar << 16 | i;
        ladon_imap_insert(s->xmap, &e, NULL);
      }
      continue;
    }
    if (!s->win[bar].size_bytes) continue;
    e.lo = r.base;
    /* PLX has no limit registers: the whole BAR translates (S10). */
    e.hi = r.base + (ntb->cfg.style == LADON__NTB_PLX ? r.size_bytes : s->win[bar].size_bytes) - 1;
    e.target = s->win[bar].xlate;
    e.id = bar;
    e.user = (uint64_t)bar << 16 | 0xffffu;
    ladon_imap_insert(s->xmap, &e, NULL);
  }
}

void ladon__ntb_decode_bars(ladon__ntb *ntb, unsigned side) {
  ladon__ntb_side *s = &ntb->s[side];
  /* A range that cannot be read decodes nothing (enabled stays false). */
  if (ladon__cfg_bar_range(s->cfg, 0, &s->bar0) != LADON_OK)
    memset(&s->bar0, 0, sizeof s->bar0);
  if (ladon__cfg_bar_range(s->cfg, 2, &s->bar2) != LADON_OK)
    memset(&s->bar2, 0, sizeof s->bar2);
  ladon__ntb_rebuild(ntb, side);
}

ladon_status ladon__ntb_set_window(ladon__ntb *ntb, unsigned side, unsigned bar,
                                   uint64_t xlate, uint64_t size_bytes, ladon_error *err) {
  uint64_t bsz;
  if (!ntb || side >= LADON__NTB_SIDES)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb: no such NTB side");
  bsz = bar_bytes(ntb, bar);
  if (!bsz || (bar == 2 && ntb->cfg.lut_entries))
    return einval(err, ntb, "BAR is not a direct-translation window", side, bar);
  if (size_bytes) {
    if (size_bytes > bsz)
      return einval(err, ntb, "window size exceeds the BAR size", side, bar);
    if (ntb->cfg.style == LADON__NTB_SWITCHTEC) {
      /* Switchtec: the window size is programmed as a bit position
      ** (xlate_pos = ilog2(size) >= 12), and the translation is 4 KiB
      ** aligned (Linux ntb_hw_switchtec.c, S8). */
      if (!pow2(size_bytes) || size_bytes < 4096)
        return einval(err, ntb, "window size must be a power of two >= 4 KiB", side, bar);
      if (xlate & 0xfffu)
        return einval(err, ntb, "translation address must be 4 KiB aligned", side, bar);
    } else if (xlate & (bsz - 1)) {
      /* PLX: the translation must be aligned to the BAR size (S10). */
      return einval(err, ntb, "translation address must be aligned to the BAR size", side,
                    bar);
    }
    if (xlate + (size_bytes - 1) < xlate)
      return einval(err, ntb, "translation wraps around the address space", side, bar);
  }
  ntb->s[side].win[bar].xlate = size_bytes ? xlate : 0;
  ntb->s[side].win[bar].size_bytes = size_bytes;
  ladon__ntb_rebuild(ntb, side);
  return LADON_OK;
}

ladon_status ladon__ntb_mw_set_trans(ladon__ntb *ntb, unsigned local, unsigned widx,
                                     uint64_t addr, uint64_t size_bytes, ladon_error *err) {
  if (!ntb || local >= LADON__NTB_SIDES || widx > 1)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb: no such memory window");
  return ladon__ntb_set_window(ntb, local ^ 1u, 2u + 2u * widx, addr, size_bytes, err);
}

ladon_status ladon__ntb_set_lut(ladon__ntb *ntb, unsigned side, unsigned idx, bool enable,
                                uint64_t xlate, ladon_error *err) {
  uint64_t esz;
  if (!ntb || side >= LADON__NTB_SIDES)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb: no such NTB side");
  if (!ntb->cfg.lut_entries) return einval(err, ntb, "no LUT configured", side, 0);
  if (idx >= ntb->cfg.lut_entries) return einval(err, ntb, "LUT index out of range", side, idx);
  esz = ladon__ntb_lut_entry_bytes(ntb);
  /* Switchtec LUT entries and PLX A-LUT entries translate whole entries:
  ** the address must be aligned to the entry size (S8, S10). */
  if (enable && (xlate & (esz - 1)))
    return einval(err, ntb, "LUT translation must be aligned to the entry size", side, idx);
  if (enable && xlate + (esz - 1) < xlate)
    return einval(err, ntb, "LUT translation wraps around the address space", side, idx);
  ntb->s[side].lut[idx].enabled = enable;
  ntb->s[side].lut[idx].xlate = enable ? xlate : 0;
  ladon__ntb_rebuild(ntb, side);
  return LADON_OK;
}

/* The proxy ID of entry `i` for requester `rid` of `side`. */
static uint16_t entry_proxy(const ladon__ntb *ntb, unsigned side, unsigned i, uint16_t rid) {
  uint16_t far = ntb->s[side ^ 1u].rid;
  if (ntb->cfg.style == LADON__NTB_PLX)
    /* The NT endpoint occupies its bus: device = LUT index, function passed
    ** through (FreeBSD ntb_hw_plx.c, S10). */
    return (uint16_t)((far & 0xff00u) | (i & 0x1fu) << 3 | (rid & 7u));
  /* Switchtec: one proxy function per table entry on the far NT endpoint's
  ** bus, after the endpoint's own devfn (Linux switchtec DMA-alias quirk, S12). */
  return (uint16_t)((far & 0xff00u) | ((far + 1u + i) & 0xffu));
}

uint16_t ladon__ntb_proxy(const ladon__ntb *ntb, unsigned side, uint16_t rid, bool *listed) {
  const ladon__ntb_side *s = &ntb->s[side];
  uint16_t far = ntb->s[side ^ 1u].rid;
  /* Per TLP: skip the table scan when no entry is enabled. */
  for (unsigned i = 0; s->rids_on && i < ntb->cfg.rid_entries; i++) {
    if (!s->rids[i].enabled) continue;
    bool hit = ntb->cfg.style == LADON__NTB_PLX
                   ? (s->rids[i].rid & 0xfff8u) == (rid & 0xfff8u)
                   : s->rids[i].rid == rid;
    if (hit) {
      *listed = true;
      return entry_proxy(ntb, side, i, rid);
    }
  }
  *listed = false;
  /* Unlisted requesters cross as the far NT endpoint itself (PLX keeps the
  ** function number); completions find their way back by tag. */
  return ntb->cfg.style == LADON__NTB_PLX ? (uint16_t)((far & 0xfff8u) | (rid & 7u)) : far;
}

void ladon__ntb_rebuild_rids(ladon__ntb *ntb, unsigned side) {
  ladon__ntb_side *s = &ntb->s[side];
  ladon_imap_clear(s->ridmap);
  s->rids_on = 0;
  for (unsigned i = 0; i < ntb->cfg.rid_entries; i++) {
    ladon_imap_entry e;
    if (!s->rids[i].enabled) continue;
    s->rids_on++;
    memset(&e, 0, sizeof e);
    e.lo = s->rids[i].rid;
    e.hi = e.lo;
    if (ntb->cfg.style == LADON__NTB_PLX) {
      e.lo &= 0xfff8u;
      e.hi = e.lo | 7u;
    }
    e.target = entry_proxy(ntb, side, i, (uint16_t)e.lo);
    e.target_domain = ntb->cfg.domain[side ^ 1u];
    e.perms = LADON_IMAP_RW;
    e.id = i;
    e.user = i;
    ladon_imap_insert(s->ridmap, &e, NULL);
  }
}

ladon_status ladon__ntb_set_rid(ladon__ntb *ntb, unsigned side, unsigned idx, bool enable,
                                uint16_t rid, uint16_t *proxy, ladon_error *err) {
  if (!ntb || side >= LADON__NTB_SIDES)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "ntb: no such NTB side");
  if (idx >= ntb->cfg.rid_entries)
    return einval(err, ntb, "requester-ID table index out of range", side, idx);
  if (enable)
    for (unsigned i = 0; i < ntb->cfg.rid_entries; i++) {
      const ladon__ntb_rid *o = &ntb->s[side].rids[i];
      uint16_t m = ntb->cfg.style == LADON__NTB_PLX ? 0xfff8u : 0xffffu;
      if (i != idx && o->enabled && (o->rid & m) == (rid & m))
        return einval(err, ntb, "requester ID already in the table at entry", side, i);
    }
  ntb->s[side].rids[idx].enabled = enable;
  ntb->s[side].rids[idx].rid = enable ? rid : 0;
  ladon__ntb_rebuild_rids(ntb, side);
  if (proxy) *proxy = enable ? entry_proxy(ntb, side, idx, rid) : 0;
  return LADON_OK;
}

const ladon_imap *ladon__ntb_xlate_map(const ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].xmap : NULL;
}

const ladon_imap *ladon__ntb_rid_map(const ladon__ntb *ntb, unsigned side) {
  return ntb && side < LADON__NTB_SIDES ? ntb->s[side].ridmap : NULL;
}
