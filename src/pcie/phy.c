/*
** The physical layer of one link direction: rates, encodings, exact symbol
** timing and packet placement.  See phy_int.h for the model.
*/
#include "pcie/phy_int.h"

unsigned ladon__phy_rate_half_gt(unsigned gen) {
  /* PCIe Base 6.0 §4.2: 2.5, 5.0, 8.0, 16.0, 32.0, 64.0 GT/s. */
  static const unsigned rate[7] = {0, 5, 10, 16, 32, 64, 128};
  return gen >= 1 && gen <= 6 ? rate[gen] : 0;
}

/* Table 4-30: flits between SKP Ordered Sets, Common Clock / SRNS. */
static unsigned flit_skp_interval(ladon__encoding enc, unsigned width,
                                  unsigned flit_syms) {
  unsigned i;
  static const unsigned widths[5] = {16, 8, 4, 2, 1};
  static const unsigned one_b[5] = {748, 374, 187, 93, 46};
  static const unsigned b130[5] = {374, 187, 93, 46, 23};
  if (enc == LADON__ENC_8B10B) {
    /* §4.2.3.4.2.5: the 8b/10b interval (at most 1538 symbol times,
    ** §4.2.8.4) is kept, with the SKP at a flit boundary. */
    return 1538u / flit_syms;
  }
  for (i = 0; i < 5; i++)
    if (widths[i] == width) return enc == LADON__ENC_1B1B ? one_b[i] : b130[i];
  return 0;
}

bool ladon__phy_cfg_init(ladon__phy_cfg *c, unsigned gen, unsigned width,
                         bool flit, ladon_time_ps epoch_ps) {
  c->rate_half_gt = ladon__phy_rate_half_gt(gen);
  if (c->rate_half_gt == 0) return false;
  if (width != 1 && width != 2 && width != 4 && width != 8 && width != 16 &&
      width != 32)
    return false;
  /* 64.0 GT/s operates only in flit mode (§4.2.3.1); flit interleaving is
  ** defined for x1..x16 only (Tables 4-10..4-14, Table 4-30). */
  if (gen == 6 && !flit) return false;
  if (flit && width > 16) return false;
  c->gen = gen;
  c->width = width;
  c->flit = flit;
  c->epoch_ps = epoch_ps;
  if (gen <= 2) {
    c->enc = LADON__ENC_8B10B;
    c->sym_bits = 10;
    c->block_syms = 1;
    c->sync_bits = 0;
    c->skp_syms = 4;    /* COM + 3 SKP, §4.2.8.1 */
    c->eds_bytes = 0;
    c->skp_interval_syms = 1538; /* §4.2.8.4: 1180..1538 symbol times */
  } else if (gen <= 5) {
    c->enc = LADON__ENC_128B130B;
    c->sym_bits = 8;
    c->block_syms = 16;
    c->sync_bits = 2;
    c->skp_syms = 16;   /* one Block, §4.2.8.2 */
    c->eds_bytes = flit ? 0 : 4; /* §4.2.2.3.2; flit mode has no EDS */
    c->skp_interval_syms = 375u * 16u; /* §4.2.8.4: 370..375 Blocks */
  } else {
    c->enc = LADON__ENC_1B1B;
    c->sym_bits = 8;
    c->block_syms = 1;
    c->sync_bits = 0;
    c->skp_syms = 40;   /* transmitted SKP OS is 40 bytes, §4.2.3.1.5 */
    c->eds_bytes = 0;
    c->skp_interval_syms = 0;
  }
  c->block_bits = c->block_syms * c->sym_bits + c->sync_bits;
  c->block_shift = c->block_syms == 16 ? 4 : 0;
  for (c->width_shift = 0; (1u << c->width_shift) < width; c->width_shift++) {
  }
  /* 2000 / rate_half_gt ps per bit as mul >> shift. */
  c->ps_shift = 0;
  c->ps_mul = 2000;
  while (c->ps_mul % c->rate_half_gt) {
    c->ps_mul *= 2;
    c->ps_shift++;
  }
  c->ps_mul /= c->rate_half_gt;
  /* 4000, 2000, 1000, 500, 250, 125 ps: sym_bits * ps_mul is a multiple of
  ** 2^ps_shift, so symbol s + 1 starts exactly sym_ps after symbol s
  ** (within a block). */
  c->sym_ps = ((ladon_time_ps)c->sym_bits * c->ps_mul) >> c->ps_shift;
  if (flit) {
    c->flit_syms = LADON__FLIT_BYTES / width;
    c->skp_every_flits = flit_skp_interval(c->enc, width, c->flit_syms);
  } else {
    c->flit_syms = 0;
    c->skp_every_flits = 0;
  }
  return true;
}

/* The first symbol that starts at or after `t`, and when it starts. */
static inline uint64_t sym_at_or_after(const ladon__phy_cfg *c, ladon_time_ps t,
                                       ladon_time_ps *start_ps) {
  uint64_t b, blk, r, s;
  ladon_time_ps st;
  if (t <= c->epoch_ps) {
    *start_ps = ladon__phy_sym_start_ps(c, 0);
    return 0;
  }
  b = ladon__phy_ps_to_bits_ceil(c, t - c->epoch_ps);
  blk = b / c->block_bits;
  r = b % c->block_bits;
  if (r <= c->sync_bits)
    s = blk * c->block_syms;
  else
    s = blk * c->block_syms + (r - c->sync_bits + c->sym_bits - 1) / c->sym_bits;
  /* The ceilings above make start(s) >= t exactly (bits_to_ps floors a
  ** value that is >= t - epoch); guard anyway. */
  while ((st = ladon__phy_sym_start_ps(c, s)) < t) s++;
  *start_ps = st;
  return s;
}

uint64_t ladon__phy_sym_at_or_after(const ladon__phy_cfg *c, ladon_time_ps t) {
  ladon_time_ps st;
  return sym_at_or_after(c, t, &st);
}

void ladon__phy_tx_init(const ladon__phy_cfg *c, ladon__phy_tx *tx) {
  tx->pos = 0;
  tx->skp_due_sym = c->skp_interval_syms;
  tx->last_stp_sym = -1;
  tx->last_sdp_sym = -1;
  tx->skp_count = 0;
  tx->memo_sym = UINT64_MAX; /* no symbol yet */
  tx->memo_ps = 0;
}

/* First byte slot of the EDS / SKP region for the SKP due at `due_sym`. */
static uint64_t skp_reserved_byte(const ladon__phy_cfg *c, uint64_t due_sym) {
  return due_sym * c->width - c->eds_bytes;
}

void ladon__phy_place(const ladon__phy_cfg *c, ladon__phy_tx *tx,
                      ladon__pkt_kind kind, uint32_t len_bytes,
                      ladon_time_ps ready_ps, ladon__phy_slot *out) {
  const uint64_t w = c->width;
  const unsigned ws = c->width_shift; /* widths are powers of two */
  const uint64_t interval = c->skp_interval_syms;
  uint64_t p = tx->pos, e, r, s_ready;
  int64_t *last = kind == LADON__PKT_TLP ? &tx->last_stp_sym : &tx->last_sdp_sym;
  /* A symbol whose start time is known, to spare converting it again. */
  uint64_t known_sym = p >> ws;
  ladon_time_ps known_ps = ladon__phy_pos_start_ps(c, tx);

  /* A packet may use the symbol holding `pos` only if that symbol starts
  ** after the packet is ready; otherwise the rest of it is IDL/PAD and the
  ** packet starts in Lane 0 of a later Symbol Time (§4.2.1.2.1,
  ** §4.2.2.3.2). */
  if (known_ps < ready_ps) {
    ladon_time_ps ready_sym_ps;
    s_ready = sym_at_or_after(c, ready_ps, &ready_sym_ps);
    if ((p >> ws) < s_ready) {
      p = s_ready << ws;
      known_sym = s_ready;
      known_ps = ready_sym_ps;
    }
  }
  /* At most one STP and one SDP per Symbol Time. */
  if ((int64_t)(p >> ws) == *last) p = ((p >> ws) + 1) << ws;

  /* SKP Ordered Sets that fell due while nothing was in progress went out
  ** on schedule, at `skp_due_sym` and every interval after it. */
  r = skp_reserved_byte(c, tx->skp_due_sym);
  if (p >= r) {
    uint64_t n = (p - r) / (interval * w) + 1;
    uint64_t last_skp = tx->skp_due_sym + (n - 1) * interval;
    tx->skp_count += n;
    tx->pos = (last_skp + c->skp_syms) * w;
    tx->skp_due_sym = last_skp + interval;
    if (p < tx->pos) p = tx->pos;
    r = skp_reserved_byte(c, tx->skp_due_sym);
  }

  e = p + len_bytes;
  out->first_byte = p;
  out->first_sym = p >> ws;
  out->last_sym = (e - 1) >> ws;
  out->start_ps = out->first_sym == known_sym
                      ? known_ps
                      : ladon__phy_sym_start_ps(c, out->first_sym);
  out->end_ps = out->last_sym == out->first_sym
                    ? out->start_ps + c->sym_ps
                    : ladon__phy_sym_end_ps(c, out->last_sym);
  *last = (int64_t)(p >> ws);

  if (e > r) {
    /* The SKP fell due while this packet was in progress: it goes at the
    ** next packet boundary (§4.2.8.4).  At 128b/130b an EDS Token takes the
    ** last DW of the current Data Block and the SKP the next Block; the
    ** Data Stream resumes in the Block after it (§4.2.2.3.2). */
    const uint64_t block_bytes = (uint64_t)c->block_syms * w;
    uint64_t skp_block = c->eds_bytes ? e / block_bytes + 1
                                      : (e + block_bytes - 1) / block_bytes;
    uint64_t skp_sym = skp_block * c->block_syms;
    tx->skp_count++;
    tx->pos = (skp_sym + c->skp_syms) * w;
    tx->skp_due_sym = skp_sym + interval;
  } else {
    tx->pos = e;
    /* The next decision asks when the symbol holding `e` starts: the last
    ** symbol's (one symbol time before its end), or the next one's (its
    ** end, unless a block's sync header lies between). */
    if ((e >> ws) == out->last_sym) {
      tx->memo_sym = out->last_sym;
      tx->memo_ps = out->end_ps - c->sym_ps;
    } else if (c->sync_bits == 0 || ((e >> ws) & (c->block_syms - 1)) != 0) {
      tx->memo_sym = e >> ws;
      tx->memo_ps = out->end_ps;
    }
  }
}

void ladon__phy_tx_resume(const ladon__phy_cfg *c, ladon__phy_tx *tx,
                          ladon_time_ps resume_ps) {
  uint64_t s = ladon__phy_sym_at_or_after(c, resume_ps);
  /* Recovery ends with the Data Stream starting on a Block boundary. */
  s = (s + c->block_syms - 1) / c->block_syms * c->block_syms;
  if (tx->pos < s * c->width) tx->pos = s * c->width;
  tx->skp_due_sym = tx->pos / c->width + c->skp_interval_syms;
  if (c->eds_bytes && tx->skp_due_sym % c->block_syms)
    tx->skp_due_sym += c->block_syms - tx->skp_due_sym % c->block_syms;
}

uint64_t ladon__phy_flit_at_or_after(const ladon__phy_cfg *c, ladon_time_ps t) {
  uint64_t s0 = ladon__phy_sym_at_or_after(c, t);
  uint64_t n = c->skp_every_flits;
  uint64_t period = n * c->flit_syms + c->skp_syms;
  uint64_t cyc = s0 / period, rem = s0 % period;
  uint64_t kk = (rem + c->flit_syms - 1) / c->flit_syms;
  return kk >= n ? (cyc + 1) * n : cyc * n + kk;
}
