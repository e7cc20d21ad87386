/*
** The configuration space register file: per-bit attributes, the CfgWr
** write path with byte enables, handlers, reset, and the two capability
** lists (PCIe Base 5.0 §7.2, §7.4, §7.5.1.1.11, §7.6.3).
*/
#include <stdlib.h>
#include <string.h>

#include "pcie/cfgspace_int.h"
#include "sim/error_int.h"

#define EXT_BASE PCI_CFG_SPACE_SIZE
#define EXT_MAX (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE)

enum { A_VAL, A_WMASK, A_W1C, A_DFLT };

/* The byte `off` of array `which`, or NULL if not implemented. */
static uint8_t *byte_at(const ladon__cfg *c, unsigned off, int which) {
  if (off < EXT_BASE) {
    const uint8_t *a = which == A_VAL     ? c->val
                       : which == A_WMASK ? c->wmask
                       : which == A_W1C   ? c->w1c
                                          : c->dflt;
    return (uint8_t *)(uintptr_t)(a + off);
  }
  off -= EXT_BASE;
  if (off >= c->ext_len) return NULL;
  uint8_t *a = which == A_VAL     ? c->ext_val
               : which == A_WMASK ? c->ext_wmask
               : which == A_W1C   ? c->ext_w1c
                                  : c->ext_dflt;
  return a + off;
}

static uint32_t get_dw(const ladon__cfg *c, unsigned off, int which) {
  uint32_t v = 0;
  for (unsigned i = 0; i < 4; i++) {
    const uint8_t *b = byte_at(c, off + i, which);
    if (b) v |= (uint32_t)*b << (8 * i);
  }
  return v;
}

/* Grows the extended part so that byte `end` - 1 exists. */
static ladon_status ext_grow(ladon__cfg *c, unsigned end) {
  if (end <= EXT_BASE + (unsigned)c->ext_len) return LADON_OK;
  unsigned need = ((end - EXT_BASE + 255u) / 256u) * 256u;
  if (need > EXT_MAX) return LADON_EINVAL;
  uint8_t **arrs[4] = {&c->ext_val, &c->ext_wmask, &c->ext_w1c, &c->ext_dflt};
  for (int i = 0; i < 4; i++) {
    uint8_t *p = realloc(*arrs[i], need);
    if (!p) return LADON_ENOMEM;
    memset(p + c->ext_len, 0, need - c->ext_len);
    *arrs[i] = p;
  }
  c->ext_len = (uint16_t)need;
  return LADON_OK;
}

void ladon__cfg_free(ladon__cfg *cfg) {
  if (!cfg) return;
  for (unsigned i = 0; i < cfg->n_handlers; i++)
    if (cfg->handlers[i].free_ctx) cfg->handlers[i].free_ctx(cfg->handlers[i].ctx);
  free(cfg->handlers);
  free(cfg->ext_val);
  free(cfg->ext_wmask);
  free(cfg->ext_w1c);
  free(cfg->ext_dflt);
  free(cfg);
}

uint32_t ladon__cfg_read_dw(const ladon__cfg *cfg, uint16_t off) {
  if (!cfg || off >= PCI_CFG_SPACE_EXP_SIZE) return 0;
  return get_dw(cfg, off & ~3u, A_VAL);
}

static bool access_ok(uint16_t off, unsigned len) {
  return (len == 1 || len == 2 || len == 4) && off % len == 0 &&
         (unsigned)off + len <= PCI_CFG_SPACE_EXP_SIZE;
}

ladon_status ladon__cfg_read(const ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t *out) {
  if (!cfg || !out || !access_ok(off, len)) return LADON_EINVAL;
  uint32_t dw = get_dw(cfg, off & ~3u, A_VAL) >> (8 * (off & 3u));
  *out = len == 4 ? dw : dw & ((1u << (8 * len)) - 1u);
  return LADON_OK;
}

uint32_t ladon__cfg_peek(const ladon__cfg *cfg, uint16_t off, unsigned len) {
  uint32_t v = 0;
  return ladon__cfg_read(cfg, off, len, &v) == LADON_OK ? v : 0;
}

/* Does the write (DW at `off`, enables `be`) touch [h->lo, h->hi)? */
static bool touches(const ladon__cfg_handler *h, unsigned off, uint8_t be) {
  for (unsigned i = 0; i < 4; i++)
    if ((be >> i & 1u) && off + i >= h->lo && off + i < h->hi) return true;
  return false;
}

static bool changed_in(const ladon__cfg_handler *h, unsigned off, uint32_t a, uint32_t b) {
  for (unsigned i = 0; i < 4; i++)
    if (off + i >= h->lo && off + i < h->hi && ((a ^ b) >> (8 * i) & 0xffu)) return true;
  return false;
}

ladon_status ladon__cfg_write_dw(ladon__cfg *cfg, uint16_t off, uint8_t be, uint32_t data) {
  if (!cfg || (off & 3u) || off >= PCI_CFG_SPACE_EXP_SIZE || be > 0xfu) return LADON_EINVAL;
  if (!be) return LADON_OK; /* a zero-length write changes nothing */
  uint32_t bem = 0;
  for (unsigned i = 0; i < 4; i++)
    if (be >> i & 1u) bem |= 0xffu << (8 * i);
  uint32_t old = get_dw(cfg, off, A_VAL);
  uint32_t wm = get_dw(cfg, off, A_WMASK) & bem;
  uint32_t cm = get_dw(cfg, off, A_W1C) & bem;
  /* §7.4: RW bits take the data, RW1C bits clear where a 1 is written. */
  uint32_t nv = ((old & ~wm) | (data & wm)) & ~(data & cm);
  /* Handlers are indexed, not iterated by pointer: a callback may add more. */
  for (unsigned i = 0; i < cfg->n_handlers; i++) {
    ladon__cfg_handler h = cfg->handlers[i];
    if (h.filter && touches(&h, off, be)) nv = h.filter(cfg, off, old, nv, h.ctx);
  }
  for (unsigned i = 0; i < 4; i++) {
    uint8_t *b = byte_at(cfg, off + i, A_VAL);
    if (b) *b = (uint8_t)(nv >> (8 * i));
  }
  ladon__cfg_write_ev ev = {off, be, data, old, get_dw(cfg, off, A_VAL)};
  for (unsigned i = 0; i < cfg->n_handlers; i++) {
    ladon__cfg_handler h = cfg->handlers[i];
    if (!h.watch || !touches(&h, off, be)) continue;
    if ((h.flags & LADON__CFG_WATCH_ALL) || changed_in(&h, off, ev.old_dw, ev.new_dw))
      h.watch(cfg, &ev, h.ctx);
  }
  return LADON_OK;
}

ladon_status ladon__cfg_write(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t value) {
  if (!access_ok(off, len)) return LADON_EINVAL;
  unsigned sh = off & 3u;
  uint8_t be = (uint8_t)(((1u << len) - 1u) << sh);
  uint32_t v = len == 4 ? value : value & ((1u << (8 * len)) - 1u);
  return ladon__cfg_write_dw(cfg, (uint16_t)(off & ~3u), be, v << (8 * sh));
}

static bool field_ok(uint16_t off, unsigned len) {
  return len >= 1 && len <= 4 && (unsigned)off + len <= PCI_CFG_SPACE_EXP_SIZE;
}

ladon_status ladon__cfg_def_bits(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t mask,
                                 uint32_t value, uint32_t rw, uint32_t w1c) {
  if (!cfg || !field_ok(off, len)) return LADON_EINVAL;
  if (off + len > EXT_BASE) {
    ladon_status st = ext_grow(cfg, off + len);
    if (st != LADON_OK) return st;
  }
  for (unsigned i = 0; i < len; i++) {
    uint8_t m = (uint8_t)(mask >> (8 * i));
    if (!m) continue;
    uint8_t *v = byte_at(cfg, off + i, A_VAL), *d = byte_at(cfg, off + i, A_DFLT);
    uint8_t *wm = byte_at(cfg, off + i, A_WMASK), *cm = byte_at(cfg, off + i, A_W1C);
    uint8_t x = (uint8_t)(value >> (8 * i)), r = (uint8_t)(rw >> (8 * i));
    uint8_t c1 = (uint8_t)(w1c >> (8 * i));
    *v = (uint8_t)((*v & ~m) | (x & m));
    *d = (uint8_t)((*d & ~m) | (x & m));
    *wm = (uint8_t)((*wm & ~m) | (r & m));
    *cm = (uint8_t)((*cm & ~m) | (c1 & m & ~r));
  }
  return LADON_OK;
}

ladon_status ladon__cfg_def(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t value,
                            uint32_t rw, uint32_t w1c) {
  uint32_t all = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1u;
  return ladon__cfg_def_bits(cfg, off, len, all, value, rw, w1c);
}

ladon_status ladon__cfg_poke(ladon__cfg *cfg, uint16_t off, unsigned len, uint32_t mask,
                             uint32_t value) {
  if (!cfg || !field_ok(off, len)) return LADON_EINVAL;
  for (unsigned i = 0; i < len; i++) {
    uint8_t m = (uint8_t)(mask >> (8 * i));
    if (!m) continue;
    uint8_t *v = byte_at(cfg, off + i, A_VAL);
    if (!v) return LADON_EINVAL;
    *v = (uint8_t)((*v & ~m) | ((uint8_t)(value >> (8 * i)) & m));
  }
  return LADON_OK;
}

ladon_status ladon__cfg_add_handler(ladon__cfg *cfg, const ladon__cfg_handler *h) {
  if (!cfg || !h || h->lo >= h->hi || h->hi > PCI_CFG_SPACE_EXP_SIZE) return LADON_EINVAL;
  if (cfg->n_handlers == cfg->cap_handlers) {
    unsigned n = cfg->cap_handlers ? cfg->cap_handlers * 2u : 4u;
    ladon__cfg_handler *p = realloc(cfg->handlers, n * sizeof *p);
    if (!p) return LADON_ENOMEM;
    cfg->handlers = p;
    cfg->cap_handlers = n;
  }
  cfg->handlers[cfg->n_handlers++] = *h;
  return LADON_OK;
}

ladon_status ladon__cfg_watch(ladon__cfg *cfg, uint16_t off, uint16_t len_bytes, unsigned flags,
                              ladon__cfg_watch_fn fn, void *ctx) {
  if (!fn || (unsigned)off + len_bytes > PCI_CFG_SPACE_EXP_SIZE) return LADON_EINVAL;
  ladon__cfg_handler h = {0};
  h.lo = off;
  h.hi = (uint16_t)(off + len_bytes);
  h.flags = flags;
  h.watch = fn;
  h.ctx = ctx;
  return ladon__cfg_add_handler(cfg, &h);
}

void ladon__cfg_reset(ladon__cfg *cfg) {
  if (!cfg) return;
  memcpy(cfg->val, cfg->dflt, sizeof cfg->val);
  if (cfg->ext_len) memcpy(cfg->ext_val, cfg->ext_dflt, cfg->ext_len);
  for (unsigned i = 0; i < cfg->n_handlers; i++) {
    ladon__cfg_handler h = cfg->handlers[i];
    if (h.reset) h.reset(cfg, h.ctx);
  }
}

/* ---- DW allocation and the capability lists --------------------------- */

static bool dw_used(const ladon__cfg *c, unsigned dw) {
  return c->used[dw / 32] >> (dw % 32) & 1u;
}

static void dw_mark(ladon__cfg *c, unsigned dw, unsigned n) {
  for (unsigned i = dw; i < dw + n; i++) c->used[i / 32] |= 1u << (i % 32);
}

static bool run_free(const ladon__cfg *c, unsigned dw, unsigned n) {
  for (unsigned i = dw; i < dw + n; i++)
    if (dw_used(c, i)) return false;
  return true;
}

/* Places `n` DWs at byte `at` (0 = first fit) inside [lo, hi) bytes. */
static ladon_status place(ladon__cfg *c, unsigned lo, unsigned hi, unsigned n, uint16_t at,
                          const char *what, unsigned id, uint16_t *off, ladon_error *err) {
  if (at) {
    if ((at & 3u) || at < lo || at + 4u * n > hi)
      return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                              "%s %02Xh: offset %03Xh is not a DW-aligned place in %03Xh..%03Xh",
                              what, id, at, lo, hi - 1);
    if (!run_free(c, at / 4u, n))
      return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                              "%s %02Xh: %u bytes at %03Xh overlap another register", what, id,
                              4u * n, at);
    *off = at;
  } else {
    unsigned dw = lo / 4u;
    while (dw + n <= hi / 4u && !run_free(c, dw, n)) dw++;
    if (dw + n > hi / 4u)
      return ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                              "%s %02Xh: no room for %u bytes in %03Xh..%03Xh", what, id, 4u * n,
                              lo, hi - 1);
    *off = (uint16_t)(dw * 4u);
  }
  dw_mark(c, *off / 4u, n);
  return LADON_OK;
}

ladon_status ladon__cfg_add_cap(ladon__cfg *cfg, uint8_t id, uint16_t len, uint16_t at,
                                uint16_t *off_out, ladon_error *err) {
  if (!cfg || len < 2)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "capability %02Xh: bad length", id);
  uint16_t off = 0;
  /* §7.5.1.1.11: capabilities live after the 64-byte header, below 100h. */
  ladon_status st = place(cfg, PCI_STD_HEADER_SIZEOF, PCI_CFG_SPACE_SIZE, (len + 3u) / 4u, at,
                          "capability", id, &off, err);
  if (st != LADON_OK) return st;
  ladon__cfg_def(cfg, off, 2, id, 0, 0); /* ID, Next = 0: read-only */
  if (cfg->cap_last)
    ladon__cfg_def(cfg, (uint16_t)(cfg->cap_last + PCI_CAP_LIST_NEXT), 1, off, 0, 0);
  else
    ladon__cfg_def(cfg, PCI_CAPABILITY_LIST, 1, off, 0, 0);
  ladon__cfg_def_bits(cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST, 0, 0);
  cfg->cap_last = (uint8_t)off;
  if (off_out) *off_out = off;
  return LADON_OK;
}

ladon_status ladon__cfg_add_ext_cap(ladon__cfg *cfg, uint16_t id, uint8_t version,
                                    uint16_t len, uint16_t at, uint16_t *off_out,
                                    ladon_error *err) {
  if (!cfg || len < 4 || version > 0xfu)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "extended capability %04Xh: bad length or version", id);
  if (!cfg->ext_last && at && at != EXT_BASE)
    return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0,
                            "extended capability %04Xh: the first one must be at 100h, "
                            "not %03Xh (PCIe Base 5.0 §7.6.3)",
                            id, at);
  if (!cfg->ext_last) at = EXT_BASE;
  uint16_t off = 0;
  ladon_status st = place(cfg, EXT_BASE, PCI_CFG_SPACE_EXP_SIZE, (len + 3u) / 4u, at,
                          "extended capability", id, &off, err);
  if (st != LADON_OK) return st;
  st = ext_grow(cfg, off + ((len + 3u) & ~3u));
  if (st != LADON_OK) return ladon__error_set(err, st, NULL, 0, 0, "out of memory");
  /* Header (§7.6.3): ID [15:0], Version [19:16], Next Offset [31:20]. */
  ladon__cfg_def(cfg, off, 4, (uint32_t)id | (uint32_t)version << 16, 0, 0);
  if (cfg->ext_last)
    ladon__cfg_def_bits(cfg, cfg->ext_last, 4, 0xfff00000u, (uint32_t)off << 20, 0, 0);
  cfg->ext_last = off;
  if (off_out) *off_out = off;
  return LADON_OK;
}

uint16_t ladon__cfg_find_cap(const ladon__cfg *cfg, uint8_t id) {
  if (!cfg || !(ladon__cfg_peek(cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) return 0;
  unsigned pos = ladon__cfg_peek(cfg, PCI_CAPABILITY_LIST, 1) & ~3u;
  /* At most (256 - 64) / 4 entries fit: more hops means a loop. */
  for (unsigned ttl = 48; ttl && pos >= PCI_STD_HEADER_SIZEOF; ttl--) {
    uint32_t h = ladon__cfg_peek(cfg, (uint16_t)pos, 2);
    if ((h & 0xffu) == id) return (uint16_t)pos;
    pos = (h >> 8) & ~3u;
  }
  return 0;
}

uint16_t ladon__cfg_find_ext_cap(const ladon__cfg *cfg, uint16_t id) {
  if (!cfg) return 0;
  unsigned pos = EXT_BASE;
  for (unsigned ttl = (PCI_CFG_SPACE_EXP_SIZE - EXT_BASE) / 8; ttl && pos >= EXT_BASE; ttl--) {
    uint32_t h = ladon__cfg_read_dw(cfg, (uint16_t)pos);
    if (!h) return 0; /* §7.6.3: an all-zero header means no capabilities */
    if (PCI_EXT_CAP_ID(h) == id) return (uint16_t)pos;
    pos = PCI_EXT_CAP_NEXT(h);
  }
  return 0;
}
