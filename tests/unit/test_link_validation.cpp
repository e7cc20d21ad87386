// Validation against the analytic PCIe bandwidth model of Neugebauer et
// al., "Understanding PCIe performance for end host networking", SIGCOMM
// 2018, as published in pcie-bench/pcie-model (model/pcie.py, model/
// mem_bw.py).  Its constants and formulas, written out here:
//
//   Raw       = GT/s * 128/130 * lanes               (Gen3: 7.877 Gb/s/lane)
//   TLP_bw    = Raw * (1 - Ack_Size / Ack_Limit - FC_Size / FC_Guide
//                        - SKIP_Length / SKIP_Interval)
//               Ack_Size = FC_Size = 8 bytes, Ack_Limit = FC_Guide = the
//               spec tables (Gen3 MPS 256: x1 512, x8 203, x16 168 symbol
//               times), SKIP_Length = 4, SKIP_Interval = 1538
//   write(sz) = sz * TLP_bw / (ceil(sz / MPS) * 24 + sz)
//               (24 = 2 framing + 4 DLL + 4 + 12 header bytes of a 64-bit
//               MWr, "TLP_MWr_Hdr_Sz")
//
// Published values (pcie_bw.py output / model/pcie.py TLP_bw, MPS 256):
// Gen3 x8 TLP_bw 57.89 Gb/s (the paper's "57.88 Gb/s"), x16 113.70 Gb/s,
// x1 7.61 Gb/s; write(64) on x8 = 42.10 Gb/s, write(256) = 52.92 Gb/s.
//
// The model charges each 8-byte DLLP 8 symbol times against a limit given
// in symbol times; on a xW link a DLLP takes 8 / W symbol times (8 bytes
// striped over W lanes, PCIe Base 6.0 §4.2.2.3.1).  That is exact for x1
// and overstates DLLP overhead W-fold on wider links: 7.9 % instead of
// 1.0 % on x8.  So: x1 is compared with the published model unchanged;
// x8 and x16 with the same formula with each DLLP term divided by W (the
// "width-corrected" model), and the test checks that the whole difference
// from the published numbers is that term.  The model's setting is a link
// busy in both directions, so that each direction carries the Acks and
// UpdateFCs of the other; a one-way stream carries none of them forward.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "test_link_harness.h"

using lt::Node;
using lt::Pair;

namespace {

const uint32_t kSizes[] = {64, 128, 256, 512, 1024, 4096};

struct Measured {
  double payload_gbps;  // payload bits per ns delivered a -> b
  double tlp_gbps;      // TLP wire bits per ns sent a -> b
};

// Saturating MWr streams of `size` bytes split at MPS 256, from a to b and
// (if `both`) from b to a; measured over 500 us after a 50 us warm-up.
Measured measure(unsigned width, uint32_t size, bool both) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = 3;
  c.width = width;
  c.mps_bytes = 256;
  Pair p(&c);
  lt::WriteStream wa{size, 256}, wb{size, 256};
  p.a.next = [&wa](Node &n) { return wa(n); };
  p.a.fill();
  if (both) {
    p.b.next = [&wb](Node &n) { return wb(n); };
    p.b.fill();
  }
  ladon_sim_run_until(p.sim, LADON_US(50));
  ladon_link_counters c0 = p.counters(LADON_LINK_DOWN);
  uint64_t pay0 = p.b.rx_payload;
  ladon_sim_run_until(p.sim, LADON_US(550));
  ladon_link_counters c1 = p.counters(LADON_LINK_DOWN);
  double ns = 500000.0;
  Measured m;
  m.payload_gbps = (double)(p.b.rx_payload - pay0) * 8 / ns;
  m.tlp_gbps = (double)(c1.tlp_bytes - c0.tlp_bytes) * 8 / ns;
  p.a.next = nullptr;
  p.b.next = nullptr;
  return m;
}

double raw_gbps(unsigned width) { return 8.0 * 128.0 / 130.0 * width; }

// The model's TLP_bw; `dllp_symbols` is what one 8-byte DLLP costs in
// symbol times: 8 (as published) or 8 / W (width-corrected); `dllps`
// says whether Acks and UpdateFCs share the direction at all.
double tlp_bw(unsigned width, double dllp_symbols, bool dllps) {
  double limit = ladon_link_ack_latency_syms(3, width, 256);  // = FC_Guide
  double ovh = 4.0 / 1538.0;
  if (dllps) ovh += 2 * dllp_symbols / limit;
  return raw_gbps(width) * (1 - ovh);
}

double write_bw(double tlp, uint32_t size) {
  double n = std::ceil(size / 256.0);
  return size * tlp / (n * 24 + size);
}

}  // namespace

TEST(LinkValidation, ModelConstantsReproducePublishedValues) {
  // The formulas above give the published numbers (pcie-model, MPS 256).
  EXPECT_NEAR(tlp_bw(8, 8, true), 57.885, 0.005);
  EXPECT_NEAR(tlp_bw(16, 8, true), 113.70, 0.005);
  EXPECT_NEAR(tlp_bw(1, 8, true), 7.610, 0.001);
  EXPECT_NEAR(write_bw(tlp_bw(8, 8, true), 64), 42.098, 0.005);
  EXPECT_NEAR(write_bw(tlp_bw(8, 8, true), 256), 52.923, 0.005);
}

TEST(LinkValidation, Gen3x1BothWaysMatchesThePublishedModel) {
  for (uint32_t size : kSizes) {
    Measured m = measure(1, size, true);
    double model = write_bw(tlp_bw(1, 8, true), size);
    std::printf("Gen3 x1 %4u B: simulated %.3f Gb/s, model %.3f Gb/s (%+.2f%%)\n",
                size, m.payload_gbps, model, 100 * (m.payload_gbps / model - 1));
    EXPECT_NEAR(m.payload_gbps, model, 0.03 * model) << size;
  }
  Measured m = measure(1, 256, true);
  EXPECT_NEAR(m.tlp_gbps, tlp_bw(1, 8, true), 0.03 * tlp_bw(1, 8, true));
}

TEST(LinkValidation, Gen3x8AndX16BothWaysMatchTheWidthCorrectedModel) {
  for (unsigned w : {8u, 16u}) {
    double corrected = tlp_bw(w, 8.0 / w, true);
    double published = tlp_bw(w, 8, true);
    for (uint32_t size : kSizes) {
      Measured m = measure(w, size, true);
      double model = write_bw(corrected, size);
      std::printf("Gen3 x%u %4u B: simulated %.3f Gb/s, corrected model %.3f "
                  "(%+.2f%%), published model %.3f (%+.2f%%)\n",
                  w, size, m.payload_gbps, model, 100 * (m.payload_gbps / model - 1),
                  write_bw(published, size),
                  100 * (m.payload_gbps / write_bw(published, size) - 1));
      EXPECT_NEAR(m.payload_gbps, model, 0.03 * model) << "x" << w << " " << size;
      // All of the gap to the published curve is the DLLP term's missing
      // 1/W: (1 - 1/W) * 16 / limit of Raw, scaled to the payload share.
      double gap = write_bw(corrected, size) - write_bw(published, size);
      EXPECT_NEAR(m.payload_gbps - write_bw(published, size), gap, 0.01 * model);
    }
    // TLP-layer bandwidth left after Ack, UpdateFC and SKP overhead.
    Measured m = measure(w, 256, true);
    std::printf("Gen3 x%u TLP layer: simulated %.3f Gb/s, corrected model %.3f, "
                "published %.3f\n", w, m.tlp_gbps, corrected, published);
    EXPECT_NEAR(m.tlp_gbps, corrected, 0.03 * corrected);
    EXPECT_LT(m.tlp_gbps, raw_gbps(w) * (1 - 4.0 / 1538.0));  // DLLPs do cost
  }
}

TEST(LinkValidation, OneWayStreamCarriesNoDllpsForward) {
  // Writes one way: the Acks and UpdateFCs go the other way, so the
  // forward TLP layer keeps all but the SKP share: Raw * (1 - 4/1538).
  for (unsigned w : {8u, 16u}) {
    double tlp = tlp_bw(w, 0, false);
    for (uint32_t size : kSizes) {
      Measured m = measure(w, size, false);
      double model = write_bw(tlp, size);
      EXPECT_NEAR(m.payload_gbps, model, 0.03 * model) << "x" << w << " " << size;
      EXPECT_NEAR(m.payload_gbps, model, 0.005 * model) << "x" << w << " " << size;
    }
  }
}
