// Physical layer timing: exact serialisation arithmetic for every
// generation and width, framing placement rules, SKP Ordered Sets, and the
// flit grid.  Expected values are spec arithmetic written out here:
//   bit time       = 1 / (GT/s): 400, 200, 125, 62.5, 31.25, 15.625 ps
//   8b/10b         one symbol = 10 bit times (PCIe Base 6.0 §4.2.1)
//   128b/130b      a Block = 2 sync bits + 16 symbols of 8 bits (§4.2.2)
//   1b/1b (64 GT/s) one symbol = 8 bit times (§4.2.3.1)
//   x W lanes      W bytes per symbol time, byte i on lane i mod W
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

extern "C" {
#include "pcie/phy_int.h"
}

namespace {

const unsigned kWidths[] = {1, 2, 4, 8, 16, 32};

// Bit time in femtoseconds for a generation: 1e6 / GT/s, exact.
uint64_t bit_fs(unsigned gen) {
  switch (gen) {
    case 1: return 400000;  // 2.5 GT/s
    case 2: return 200000;  // 5.0 GT/s
    case 3: return 125000;  // 8.0 GT/s
    case 4: return 62500;   // 16.0 GT/s
    case 5: return 31250;   // 32.0 GT/s
    default: return 15625;  // 64.0 GT/s
  }
}

// Lane bit offset of the end of symbol `s` (0-based), by the encodings.
uint64_t end_bits(unsigned gen, uint64_t s) {
  if (gen <= 2) return (s + 1) * 10;
  if (gen <= 5) return (s / 16) * 130 + 2 + (s % 16) * 8 + 8;
  return (s + 1) * 8;
}

// ps of a bit offset, rounded down (fs -> ps).
uint64_t bits_ps(unsigned gen, uint64_t bits) { return bits * bit_fs(gen) / 1000; }

// A config whose SKP Ordered Sets never fall due, to check pure
// serialisation; the SKP rules have their own tests.
ladon__phy_cfg no_skp(unsigned gen, unsigned width) {
  ladon__phy_cfg c;
  EXPECT_TRUE(ladon__phy_cfg_init(&c, gen, width, false, 0));
  c.skp_interval_syms = UINT64_C(1) << 40;
  return c;
}

}  // namespace

TEST(Phy, RatesAndEncodings) {
  ladon__phy_cfg c;
  for (unsigned gen = 1; gen <= 5; gen++) {
    ASSERT_TRUE(ladon__phy_cfg_init(&c, gen, 8, false, 0));
    // One symbol time: 10 UI (8b/10b) or 8 UI (128b/130b), §1.3 terms.
    EXPECT_EQ(ladon__phy_syms_to_ps(&c, 1000), (gen <= 2 ? 10u : 8u) * 1000 * bit_fs(gen) / 1000);
  }
  EXPECT_EQ(ladon__phy_rate_half_gt(1), 5u);
  EXPECT_EQ(ladon__phy_rate_half_gt(6), 128u);
  EXPECT_EQ(ladon__phy_rate_half_gt(7), 0u);
}

TEST(Phy, RejectsUndefinedCombinations) {
  ladon__phy_cfg c;
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 0, 8, false, 0));
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 7, 8, false, 0));
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 3, 12, false, 0));  // x12 not offered
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 3, 3, false, 0));
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 6, 8, false, 0));   // 64 GT/s: flit only
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 6, 32, true, 0));   // no x32 flits
  EXPECT_FALSE(ladon__phy_cfg_init(&c, 3, 32, true, 0));
  EXPECT_TRUE(ladon__phy_cfg_init(&c, 6, 16, true, 0));
  EXPECT_TRUE(ladon__phy_cfg_init(&c, 1, 1, true, 0));
}

// N back-to-back TLPs of L wire bytes, all ready at time 0: TLP n (1-based)
// ends at the end of symbol ceil(n L / W) - 1, for every generation and
// width, to the picosecond, with no drift after a million TLPs.
TEST(Phy, BackToBackSerialisationIsExactForEveryGenAndWidth) {
  const uint32_t lens[] = {20, 24, 88, 280};  // MRd32, MRd64, 64 B MWr, 256 B MWr
  for (unsigned gen = 1; gen <= 5; gen++) {
    for (unsigned w : kWidths) {
      for (uint32_t len : lens) {
        ladon__phy_cfg c = no_skp(gen, w);
        ladon__phy_tx tx;
        ladon__phy_tx_init(&c, &tx);
        // At x32 a 20-byte TLP would put two STPs in one symbol time; that
        // rule has its own test.
        if (w == 32 && len < 32) continue;
        const uint64_t n_tlps = (gen == 3 && w == 8 && len == 88) ? 1000000 : 2000;
        ladon__phy_slot s{};
        for (uint64_t n = 1; n <= n_tlps; n++) {
          ladon__phy_place(&c, &tx, LADON__PKT_TLP, len, 0, &s);
          if (n == 1 || n == n_tlps || n % 997 == 0) {
            uint64_t bytes = n * len;
            uint64_t last_sym = (bytes + w - 1) / w - 1;
            ASSERT_EQ(s.end_ps, bits_ps(gen, end_bits(gen, last_sym)))
                << "gen " << gen << " x" << w << " len " << len << " n " << n;
            uint64_t first_sym = (bytes - len) / w;
            ASSERT_EQ(s.start_ps, bits_ps(gen, end_bits(gen, first_sym) - (gen <= 2 ? 10 : 8)));
          }
        }
      }
    }
  }
}

TEST(Phy, MillionTlpsGen3x8TotalTime) {
  // 10^6 MWr of 64 B (16 B header + 64 B + 8 B framing = 88 B) on Gen3 x8:
  // 88e6 bytes / 8 lanes = 11e6 symbol times = 687,500 Blocks of 130 UI at
  // 125 ps: exactly 11,171,875,000 ps, with no SKP Ordered Sets.
  ladon__phy_cfg c = no_skp(3, 8);
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  for (int i = 0; i < 1000000; i++) ladon__phy_place(&c, &tx, LADON__PKT_TLP, 88, 0, &s);
  EXPECT_EQ(s.end_ps, UINT64_C(687500) * 130 * 125);
  EXPECT_EQ(s.end_ps, UINT64_C(11171875000));
}

TEST(Phy, SixtyFourGtPerSecondFractionalBitTimes) {
  // Gen4 bit time 62.5 ps, Gen5 31.25 ps: symbol ends fall on half and
  // quarter picoseconds and are rounded down, each from the exact absolute
  // bit count, so the error never exceeds 1 ps.
  for (unsigned gen = 4; gen <= 5; gen++) {
    ladon__phy_cfg c = no_skp(gen, 1);
    for (uint64_t s = 0; s < 100000; s += 7) {
      uint64_t fs = end_bits(gen, s) * bit_fs(gen);
      EXPECT_EQ(ladon__phy_sym_end_ps(&c, s), fs / 1000);
    }
  }
}

TEST(Phy, PacketsAfterIdleStartInLane0OfTheNextSymbol) {
  // §4.2.1.2.1 / §4.2.2.3.2: from Logical Idle, STP goes in Lane 0 of a
  // Symbol Time that starts no earlier than the packet is ready.
  ladon__phy_cfg c = no_skp(3, 8);
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  // Gen3: symbol k of block 0 starts at (2 + 8 k) * 125 ps.
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 20, 1000, &s);  // ready at 1 ns
  // symbol 0 starts at 250 ps (after the sync header), symbol 1 at 1250 ps
  EXPECT_EQ(s.first_sym, 1u);
  EXPECT_EQ(s.first_byte, 8u);
  EXPECT_EQ(s.start_ps, 1250u);
  // 20 bytes from lane 0 of symbol 1: ends in lane 3 of symbol 3.
  EXPECT_EQ(s.last_sym, 3u);
  // Back to back: the next packet takes Lane 4 of symbol 3 (Lane 4N rule).
  ladon__phy_place(&c, &tx, LADON__PKT_DLLP, 8, 0, &s);
  EXPECT_EQ(s.first_byte, 3u * 8 + 4);
  // A packet ready after symbol 5 began waits for symbol 6, Lane 0.
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 20, ladon__phy_sym_start_ps(&c, 5) + 1, &s);
  EXPECT_EQ(s.first_byte, 6u * 8);
}

TEST(Phy, AtMostOneStpAndOneSdpPerSymbolTime) {
  // x32: a 20-byte TLP leaves 12 bytes of its symbol time; another STP may
  // not start in it (§4.2.1.2.1, §4.2.2.3.2), but an SDP may.
  ladon__phy_cfg c = no_skp(3, 32);
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 20, 0, &s);
  EXPECT_EQ(s.first_byte, 0u);
  ladon__phy_place(&c, &tx, LADON__PKT_DLLP, 8, 0, &s);
  EXPECT_EQ(s.first_byte, 20u);  // SDP shares the symbol time
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 20, 0, &s);
  EXPECT_EQ(s.first_byte, 32u);  // next STP in the next symbol time
  ladon__phy_place(&c, &tx, LADON__PKT_DLLP, 8, 0, &s);
  EXPECT_EQ(s.first_byte, 52u);
  ladon__phy_place(&c, &tx, LADON__PKT_DLLP, 8, 0, &s);
  EXPECT_EQ(s.first_byte, 64u);  // a second SDP waits too
}

TEST(Phy, SkpOrderedSets8b10bEvery1538SymbolTimes) {
  // 8b/10b: a 4-symbol SKP OS (COM + 3 SKP, §4.2.8.1) scheduled every 1538
  // symbol times (§4.2.8.4), inserted at the next packet boundary.
  ladon__phy_cfg c;
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 1, 1, false, 0));
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  // 17 TLPs of 88 B fill symbols 0..1495; the 18th (1496..1583) crosses
  // symbol 1538, so the SKP follows it: symbols 1584..1587.
  for (int i = 0; i < 18; i++) ladon__phy_place(&c, &tx, LADON__PKT_TLP, 88, 0, &s);
  EXPECT_EQ(s.last_sym, 1583u);
  EXPECT_EQ(tx.skp_count, 1u);
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 88, 0, &s);
  EXPECT_EQ(s.first_sym, 1588u);
  // Idle: SKPs keep their schedule.  The next is due 1538 after 1584.
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 88, ladon__phy_sym_start_ps(&c, 10000), &s);
  // due at 3122, 4660, 6198, 7736, 9274 (all while idle), then 10812
  EXPECT_EQ(tx.skp_count, 6u);
  EXPECT_EQ(s.first_sym, 10000u);
}

TEST(Phy, SkpOrderedSets128b130bWithEds) {
  // 128b/130b x1: Blocks of 16 symbols; a SKP is due every 375 Blocks
  // (§4.2.8.4); an EDS Token takes the last DW of the current Data Block,
  // the SKP OS the next Block, and data resumes after it (§4.2.2.3.2).
  ladon__phy_cfg c;
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 3, 1, false, 0));
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  // 64-byte packets: the EDS position of the first SKP is byte 375*16 - 4
  // = 5996; packet 94 covers 5952..6015 and crosses it; it ends in Block
  // 375 (bytes 6000..6015), whose last DW it fills, so the EDS goes in
  // Block 376 and the SKP in Block 377; data resumes at Block 378.
  for (int i = 0; i < 94; i++) ladon__phy_place(&c, &tx, LADON__PKT_TLP, 64, 0, &s);
  EXPECT_EQ(s.last_sym, 6015u);
  EXPECT_EQ(tx.skp_count, 1u);
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 64, 0, &s);
  EXPECT_EQ(s.first_sym, 378u * 16);
  // A packet that ends inside a Block leaves room for the EDS there.
  ladon__phy_tx_init(&c, &tx);
  for (int i = 0; i < 93; i++) ladon__phy_place(&c, &tx, LADON__PKT_TLP, 64, 0, &s);
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 56, 0, &s);  // 5952..6007
  ladon__phy_place(&c, &tx, LADON__PKT_TLP, 64, 0, &s);
  // EDS in Block 375 (its last DW, 6012..6015), SKP Block 376, data 377.
  EXPECT_EQ(s.first_sym, 377u * 16);
}

TEST(Phy, SkpOverheadOfASaturatedStreamIsOneBlockIn376) {
  // Saturated Gen3 x8 stream of 280-byte TLPs: between two SKPs there are
  // at least 375 Blocks of data stream and at most 375 + the Blocks one TLP
  // plus EDS can spill into.
  ladon__phy_cfg c;
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 3, 8, false, 0));
  ladon__phy_tx tx;
  ladon__phy_tx_init(&c, &tx);
  ladon__phy_slot s{};
  uint64_t last_skps = 0, last_pos_blocks = 0;
  std::vector<uint64_t> gaps;
  for (int i = 0; i < 200000; i++) {
    ladon__phy_place(&c, &tx, LADON__PKT_TLP, 280, 0, &s);
    if (tx.skp_count != last_skps) {
      uint64_t blk = tx.pos / (16 * 8);  // Block after the SKP
      if (last_skps) gaps.push_back(blk - last_pos_blocks);
      last_pos_blocks = blk;
      last_skps = tx.skp_count;
    }
  }
  ASSERT_GT(gaps.size(), 100u);
  for (uint64_t g : gaps) {
    EXPECT_GE(g, 375u);           // the 375-Block interval (start to start)
    EXPECT_LE(g, 376u + 3 + 1);   // a 280 B TLP spans at most 3 Blocks, + EDS
  }
}

TEST(Phy, FlitGridGen6x16) {
  // 64 GT/s x16: a 256-byte flit is 16 symbols of 8 bits = 128 bits of
  // 15.625 ps = 2000 ps; Table 4-30 puts one 40-byte SKP OS (40 symbols,
  // §4.2.3.1.5) after every 748 flits.
  ladon__phy_cfg c;
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 6, 16, true, 0));
  EXPECT_EQ(c.flit_syms, 16u);
  EXPECT_EQ(c.skp_every_flits, 748u);
  EXPECT_EQ(ladon__phy_flit_end_ps(&c, 0), 2000u);
  EXPECT_EQ(ladon__phy_flit_end_ps(&c, 747), 748u * 2000);
  // flit 748 starts after the SKP OS: 748 * 2000 + 40 * 8 * 15.625 ps
  EXPECT_EQ(ladon__phy_sym_start_ps(&c, ladon__phy_flit_start_sym(&c, 748)), 748u * 2000 + 5000);
  EXPECT_EQ(ladon__phy_flit_at_or_after(&c, 748u * 2000), 748u);
  EXPECT_EQ(ladon__phy_flit_at_or_after(&c, 748u * 2000 + 1), 748u);
  EXPECT_EQ(ladon__phy_flit_at_or_after(&c, 748u * 2000 + 5001), 749u);
  EXPECT_EQ(ladon__phy_flit_at_or_after(&c, 1), 1u);
}

TEST(Phy, FlitGrid128b130bAnd8b10b) {
  ladon__phy_cfg c;
  // Gen3 x8 flit mode: a flit is 32 symbols = 2 Blocks = 260 UI of 125 ps;
  // SKP (one Block) after every 187 flits (Table 4-30).
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 3, 8, true, 0));
  EXPECT_EQ(c.skp_every_flits, 187u);
  EXPECT_EQ(ladon__phy_flit_end_ps(&c, 0), 260u * 125);
  EXPECT_EQ(ladon__phy_flit_end_ps(&c, 187), (188u * 2 + 1) * 130 * 125);
  // Gen1 x1 flit mode: 256 symbols of 4 ns; the 1538-symbol SKP interval
  // at flit boundaries gives a SKP after every 6 flits (§4.2.3.4.2.5).
  ASSERT_TRUE(ladon__phy_cfg_init(&c, 1, 1, true, 0));
  EXPECT_EQ(c.skp_every_flits, 6u);
  EXPECT_EQ(ladon__phy_flit_end_ps(&c, 0), 256u * 4000);
  EXPECT_EQ(ladon__phy_sym_start_ps(&c, ladon__phy_flit_start_sym(&c, 6)), (6u * 256 + 4) * 4000);
}

TEST(Phy, SymbolAtOrAfterIsTheInverseOfStart) {
  for (unsigned gen = 1; gen <= 6; gen++) {
    ladon__phy_cfg c;
    ASSERT_TRUE(ladon__phy_cfg_init(&c, gen, 4, gen == 6, 12345));
    for (uint64_t s = 0; s < 3000; s += 3) {
      ladon_time_ps t = ladon__phy_sym_start_ps(&c, s);
      EXPECT_EQ(ladon__phy_sym_at_or_after(&c, t), s);
      EXPECT_EQ(ladon__phy_sym_at_or_after(&c, t + 1), s + 1);
    }
  }
}

// Placement reuses symbol times it already knows (the ready symbol's start,
// a one-symbol packet's end, the next position's start kept for the next
// decision).  Whatever it reuses must equal the full conversion of the
// symbol number: a stream of TLPs and DLLPs with random idle gaps, SKP
// Ordered Sets on their default schedule, on every non-flit rate and width,
// from an epoch that is not a symbol boundary.
TEST(Phy, PlacementTimesEqualTheSymbolConversionUnderRandomGaps) {
  for (unsigned gen = 1; gen <= 5; gen++) {
    for (unsigned w : kWidths) {
      ladon__phy_cfg c;
      ASSERT_TRUE(ladon__phy_cfg_init(&c, gen, w, false, 777));
      ladon__phy_tx tx;
      ladon__phy_tx_init(&c, &tx);
      uint64_t x = 0x9e3779b97f4a7c15ull ^ (gen * 64 + w);
      ladon_time_ps ready = 0;
      ladon__phy_slot s{};
      for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(x >> 33);
        // Half back to back, half after a gap of up to ~2 symbol times x 64.
        if (r & 1) ready = s.end_ps + (r >> 8) % (c.sym_ps * 128);
        bool dllp = (r >> 1) % 4 == 0;
        uint32_t len = dllp ? 8 : 4 * (5 + (r >> 3) % 70);
        ladon__phy_place(&c, &tx, dllp ? LADON__PKT_DLLP : LADON__PKT_TLP, len, ready, &s);
        ASSERT_EQ(s.start_ps, ladon__phy_sym_start_ps(&c, s.first_sym)) << gen << " x" << w << " " << i;
        ASSERT_EQ(s.end_ps, ladon__phy_sym_end_ps(&c, s.last_sym)) << gen << " x" << w << " " << i;
        ASSERT_GE(s.start_ps, ready);
        ASSERT_EQ(ladon__phy_next_decision_ps(&c, &tx),
                  ladon__phy_sym_start_ps(&c, tx.pos >> c.width_shift))
            << gen << " x" << w << " " << i;
      }
      EXPECT_GT(tx.skp_count, 0u);
    }
  }
}
