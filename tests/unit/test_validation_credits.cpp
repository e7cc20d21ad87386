// Validation: credit-limited throughput of a Gen3 x8 link against the
// arithmetic of credit flow control (PCIe Base 6.0 §2.6.1, §3.4): a posted
// header credit returns only when the receiver frees the buffer and its
// UpdateFC DLLP has crossed back, so C credits carry C TLPs per credit
// round trip R (Little's law), and never more than the line rate.
//
// Setting (distinct from test_fc's): 200 ns wire latency each way, the
// receiver frees each 256 B write 500 ns after delivery, UpdateFC sent at
// once.  R = t(280 B TLP on 8 lanes: 35.0 .. 35.75 ns) + 200 + 500 +
// t(8 B UpdateFC: 1 symbol time, 1 ns) + 200 = 936.4 ns.
// Throughput = min(C x 256 B / R, line), line = 256/280 of the Gen3 x8
// symbol rate less SKP (1 Block in 376): 57.46 Gb/s.
#include "test_link_harness.h"
#include "test_validation_fabric.h"

#include <algorithm>

using lt::Node;
using lt::Pair;

namespace {

double Measure(uint32_t credits) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = 3;
  c.width = 8;
  c.latency_ps = LADON_NS(200);
  c.fc_update_syms = 1;
  ladon_port_config rx;
  ladon_port_config_default(&rx);
  rx.rx_ph_credits = credits;
  Pair p(&c, nullptr, &rx);
  EXPECT_NE(p.link, nullptr);
  p.b.consume_delay = LADON_NS(500);
  lt::WriteStream ws{256, 256};
  ws.limit = 3000;
  p.a.next = [&ws](Node &n) { return ws(n); };
  p.a.fill();
  ladon_sim_run_until(p.sim, LADON_MS(5));
  EXPECT_EQ(p.b.ids.size(), 3000u);
  // Steady state: from the 20 % mark to the last delivery.
  size_t n = p.b.t_rx.size(), i0 = n / 5;
  return (double)(n - 1 - i0) * 256 * 8 / ((double)(p.b.t_rx[n - 1] - p.b.t_rx[i0]) / 1000.0);
}

}  // namespace

TEST(ValidationCredits, ThroughputIsCreditsPerRoundTripUpToTheLine) {
  const double r_ns = 35.4 + 200 + 500 + 1.0 + 200;
  const double line = 8.0 * 8 * 128.0 / 130.0 * 375.0 / 376.0 * 256.0 / 280.0;
  for (uint32_t credits : {4u, 8u, 16u, 64u}) {
    double want = std::min(credits * 256.0 * 8 / r_ns, line);
    double got = Measure(credits);
    char id[32], what[96];
    std::snprintf(id, sizeof id, "credits-%u", credits);
    std::snprintf(what, sizeof what,
                  "Gen3 x8 256 B writes, %u posted header credits, 936 ns loop (Gb/s)", credits);
    vt::Row(id, what, want, got, "Gb/s");
    EXPECT_NEAR(got, want, 0.01 * want) << credits;
  }
}
