/*
** The physical layer of one link direction: data rates, line encodings,
** where each packet's symbols fall on the lanes, and when.
**
** Time is kept exactly.  Every position on the wire is an integer number of
** lane bit-times from the link's epoch (the time the link was built); a
** bit-time is 1 / rate, which is 400, 200, 125, 62.5, 31.25 or 15.625 ps for
** 2.5 .. 64 GT/s (64 GT/s PAM4 carries 2 bits per UI, so one bit is half a
** UI).  Positions convert to picoseconds only at the edge, by one floor
** division of the absolute bit count, so no rounding ever accumulates:
** the N-th back-to-back packet ends exactly where spec arithmetic says.
**
** Non-flit mode (PCIe Base 6.0 §4.2.1.2.1 for 8b/10b, §4.2.2.3.2 for
** 128b/130b) places each TLP or DLLP in a stream of byte slots, W per symbol
** time on a xW link, by the framing rules:
**   - a packet that starts after Logical Idle starts in Lane 0 of a Symbol
**     Time that begins no earlier than the packet is ready;
**   - back to back, packets follow each other in the next DW-aligned lane
**     (Lane 4N on links wider than x4); all packets are whole DWs;
**   - at most one STP and one SDP start per Symbol Time;
**   - SKP Ordered Sets are scheduled every `skp_interval_syms` symbol times
**     (the spec's maximum interval by default, §4.2.8.4: 1538 symbol times
**     for 8b/10b, 375 Blocks for 128b/130b) and go out at the next packet
**     boundary when a packet is in progress; a SKP Ordered Set is 4 symbols
**     at 8b/10b (§4.2.8.1) and one 16-symbol Block at 128b/130b (§4.2.8.2);
**     at 128b/130b an EDS Token in the last DW of the current Data Block
**     precedes the SKP block, and the Data Stream resumes in the next Block.
**
** Flit mode (PCIe Base 6.0 §4.2.3) is a fixed grid: flits of 256 bytes go
** out back to back (NOP flits when idle) with one SKP Ordered Set after
** every N flits (Table 4-30 for 128b/130b and 1b/1b; at 8b/10b the 1538
** symbol-time interval rounded down to whole flits, §4.2.3.4.2.5).
*/
#ifndef LADON_PCIE_PHY_INT_H
#define LADON_PCIE_PHY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/sim.h"

__extension__ typedef unsigned __int128 ladon__phy_u128;

typedef enum ladon__encoding {
  LADON__ENC_8B10B = 0,   /* 2.5 and 5.0 GT/s */
  LADON__ENC_128B130B = 1,/* 8.0, 16.0 and 32.0 GT/s */
  LADON__ENC_1B1B = 2     /* 64.0 GT/s, PAM4, flit mode only */
} ladon__encoding;

/* Flit layout, PCIe Base 6.0 §4.2.3.3. */
#define LADON__FLIT_BYTES 256u
#define LADON__FLIT_TLP_BYTES 236u
#define LADON__FLIT_DLP_BYTES 6u
#define LADON__FLIT_CRC_BYTES 8u
#define LADON__FLIT_FEC_BYTES 6u

/* The static description of one direction's physical layer. */
typedef struct ladon__phy_cfg {
  unsigned gen;            /* 1..6 */
  unsigned width;          /* lanes: 1, 2, 4, 8, 16, 32 */
  bool flit;               /* flit mode */
  ladon__encoding enc;
  unsigned rate_half_gt;   /* data rate in units of 0.5 GT/s: 5 .. 128 */
  uint32_t ps_mul;         /* one bit-time = ps_mul / 2^ps_shift ps, exact: */
  uint32_t ps_shift;       /*   400, 200, 125, 125/2, 125/4, 125/8 */
  uint32_t block_shift;    /* log2(block_syms) */
  uint32_t width_shift;    /* log2(width) */
  unsigned sym_bits;       /* lane bit-times per symbol: 10 (8b/10b) or 8 */
  unsigned block_syms;     /* symbols per block: 16 at 128b/130b, else 1 */
  unsigned sync_bits;      /* sync header bits per block: 2 at 128b/130b */
  unsigned block_bits;     /* block_syms * sym_bits + sync_bits */
  unsigned skp_syms;       /* symbol times one SKP Ordered Set takes */
  unsigned eds_bytes;      /* EDS Token before a SKP (128b/130b non-flit) */
  uint64_t skp_interval_syms; /* non-flit: symbol times between SKPs */
  unsigned flit_syms;      /* flit mode: symbol times per flit (256 / W) */
  unsigned skp_every_flits;/* flit mode: one SKP after this many flits */
  ladon_time_ps sym_ps;    /* one symbol time in ps: a whole number at
                              every rate (sym_bits * 2000 / rate) */
  ladon_time_ps epoch_ps;  /* time of bit 0 */
} ladon__phy_cfg;

/* The running state of a non-flit transmitter. */
typedef struct ladon__phy_tx {
  uint64_t pos;            /* next free byte slot (symbol * width + lane) */
  uint64_t skp_due_sym;    /* symbol at which the next SKP falls due */
  int64_t last_stp_sym;    /* symbol of the last STP / SDP, -1 for none */
  int64_t last_sdp_sym;
  uint64_t skp_count;      /* SKP Ordered Sets sent (in pos order) */
  uint64_t memo_sym;       /* a symbol whose start time is known ... */
  ladon_time_ps memo_ps;   /* ... and that time (see ladon__phy_pos_start_ps) */
} ladon__phy_tx;

/* Where a packet went: its first and last symbol and their times. */
typedef struct ladon__phy_slot {
  uint64_t first_sym;
  uint64_t last_sym;
  uint64_t first_byte;     /* byte slot of the first byte */
  ladon_time_ps start_ps;  /* first symbol starts */
  ladon_time_ps end_ps;    /* last symbol ends */
} ladon__phy_slot;

/*
** Fills `cfg` for generation `gen`, `width` lanes and flit mode `flit`.
** Returns false for combinations the spec does not define (the caller
** reports them): gen outside 1..6, a width other than 1/2/4/8/16/32,
** non-flit mode at 64 GT/s, flit mode on a x32 link.
*/
bool ladon__phy_cfg_init(ladon__phy_cfg *cfg, unsigned gen, unsigned width,
                         bool flit, ladon_time_ps epoch_ps);

/* Data rate in half GT/s for a generation, 0 when unknown. */
unsigned ladon__phy_rate_half_gt(unsigned gen);

/* ---- exact time arithmetic -------------------------------------------- */

/* floor(bits * 2000 / rate_half_gt): picoseconds after the epoch.  Every
** rate makes 2000 / rate a multiple of a power of two, so this is a
** multiply and a shift (in 128 bits past 2^55 bits, about 10 hours at 64
** GT/s). */
static inline ladon_time_ps ladon__phy_bits_to_ps(const ladon__phy_cfg *c,
                                                  uint64_t bits) {
  if (bits < (UINT64_C(1) << 55))
    return (bits * c->ps_mul) >> c->ps_shift;
  return (ladon_time_ps)(((ladon__phy_u128)bits * c->ps_mul) >> c->ps_shift);
}

/* ceil(ps * rate_half_gt / 2000): the first bit-time starting at or after
** `ps` picoseconds after the epoch (the inverse of the above). */
static inline uint64_t ladon__phy_ps_to_bits_ceil(const ladon__phy_cfg *c,
                                                  ladon_time_ps ps) {
  /* Times below 2^(63 - shift) ps (days of simulated time) divide in 64
  ** bits; the 128-bit division is a library call. */
  if (ps < (UINT64_C(1) << (63 - c->ps_shift))) {
    uint64_t n = ps << c->ps_shift;
    return (n + c->ps_mul - 1) / c->ps_mul;
  }
  ladon__phy_u128 n = (ladon__phy_u128)ps << c->ps_shift;
  return (uint64_t)((n + c->ps_mul - 1) / c->ps_mul);
}

/* Lane bit offset where symbol `sym` starts (block sync headers included). */
static inline uint64_t ladon__phy_sym_start_bits(const ladon__phy_cfg *c,
                                                 uint64_t sym) {
  return (sym >> c->block_shift) * c->block_bits + c->sync_bits +
         (sym & (c->block_syms - 1)) * c->sym_bits;
}

/* Absolute time at which symbol `sym` starts / ends. */
static inline ladon_time_ps ladon__phy_sym_start_ps(const ladon__phy_cfg *c,
                                                    uint64_t sym) {
  return c->epoch_ps + ladon__phy_bits_to_ps(c, ladon__phy_sym_start_bits(c, sym));
}
static inline ladon_time_ps ladon__phy_sym_end_ps(const ladon__phy_cfg *c,
                                                  uint64_t sym) {
  return c->epoch_ps +
         ladon__phy_bits_to_ps(c, ladon__phy_sym_start_bits(c, sym) + c->sym_bits);
}

/* The first symbol that starts at or after absolute time `t`. */
uint64_t ladon__phy_sym_at_or_after(const ladon__phy_cfg *c, ladon_time_ps t);

/* Duration of `n` symbol times in ps (rounded down), for timers that the
** spec gives in symbol times (one symbol = sym_bits bit-times, §1.3 terms:
** 10 UI at 8b/10b, 8 UI at 128b/130b). */
static inline ladon_time_ps ladon__phy_syms_to_ps(const ladon__phy_cfg *c,
                                                  uint64_t n) {
  return ladon__phy_bits_to_ps(c, n * c->sym_bits);
}

/* ---- non-flit placement -------------------------------------------------- */

typedef enum ladon__pkt_kind { LADON__PKT_TLP = 0, LADON__PKT_DLLP = 1 } ladon__pkt_kind;

void ladon__phy_tx_init(const ladon__phy_cfg *c, ladon__phy_tx *tx);

/*
** Places a packet of `len_bytes` (a multiple of 4) that is ready at time
** `ready_ps` and commits it, together with any SKP Ordered Sets that fall
** due before or during it.  Fills `out`.
*/
void ladon__phy_place(const ladon__phy_cfg *c, ladon__phy_tx *tx,
                      ladon__pkt_kind kind, uint32_t len_bytes,
                      ladon_time_ps ready_ps, ladon__phy_slot *out);

/*
** When the symbol holding the next free byte slot starts.  The link asks
** this when it schedules a decision and again when it places the packet;
** placement leaves the answer for its new position in the memo when it
** knows it for free, so neither asks the full conversion.
*/
static inline ladon_time_ps ladon__phy_pos_start_ps(const ladon__phy_cfg *c,
                                                    ladon__phy_tx *tx) {
  uint64_t sym = tx->pos >> c->width_shift;
  if (sym != tx->memo_sym) {
    tx->memo_sym = sym;
    tx->memo_ps = ladon__phy_sym_start_ps(c, sym);
  }
  return tx->memo_ps;
}

/*
** The earliest time at which the transmitter can decide what to send next:
** the start of the symbol holding the next free byte slot (a packet that
** continues in the same symbol must be chosen before that symbol starts).
*/
static inline ladon_time_ps ladon__phy_next_decision_ps(const ladon__phy_cfg *c,
                                                        ladon__phy_tx *tx) {
  return ladon__phy_pos_start_ps(c, tx);
}

/*
** Restarts the stream after the link was out of L0 (Recovery) until
** `resume_ps`: the next packet starts in Lane 0 no earlier, and the SKP
** schedule restarts there.
*/
void ladon__phy_tx_resume(const ladon__phy_cfg *c, ladon__phy_tx *tx,
                          ladon_time_ps resume_ps);

/* ---- flit grid ----------------------------------------------------------- */

/* First symbol of flit `k` (SKP Ordered Sets before it included). */
static inline uint64_t ladon__phy_flit_start_sym(const ladon__phy_cfg *c,
                                                 uint64_t k) {
  return k * c->flit_syms + (k / c->skp_every_flits) * c->skp_syms;
}

/* The first flit whose first symbol starts at or after time `t`. */
uint64_t ladon__phy_flit_at_or_after(const ladon__phy_cfg *c, ladon_time_ps t);

/* Time flit `k` has been fully received (its last symbol ends). */
static inline ladon_time_ps ladon__phy_flit_end_ps(const ladon__phy_cfg *c,
                                                   uint64_t k) {
  return ladon__phy_sym_end_ps(c, ladon__phy_flit_start_sym(c, k) +
                                      c->flit_syms - 1);
}

/* Time byte `j` (0..255) of flit `k` starts on the wire. */
static inline ladon_time_ps ladon__phy_flit_byte_start_ps(
    const ladon__phy_cfg *c, uint64_t k, unsigned j) {
  return ladon__phy_sym_start_ps(c, ladon__phy_flit_start_sym(c, k) +
                                        j / c->width);
}

#endif
