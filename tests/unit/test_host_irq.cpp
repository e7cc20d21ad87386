// Interrupts: MSI/MSI-X writes to 0xFEE00000-0xFEEFFFFF delivered to cores
// (x86 compatibility format, Intel SDM Vol. 3 §10.11), after the injection
// latency, to the per-core/vector counters and hooks; what is dropped.
#include "test_host_harness.h"

using ht::Fixture;

namespace {

struct Hit {
  uint32_t core;
  uint8_t vector;
  uint16_t rid;
  ladon_time_ps t;
};

struct Hooked {
  ladon_sim *sim;
  std::vector<Hit> hits;
  static void fn(void *ctx, uint32_t core, uint8_t vector, uint16_t rid) {
    Hooked *h = static_cast<Hooked *>(ctx);
    h->hits.push_back({core, vector, rid, ladon_sim_now(h->sim)});
  }
};

struct IrqFixture : Fixture {
  Hooked hook;
  explicit IrqFixture(const ht::Params &p) : Fixture(p, 1) {
    up();
    program_rp(0, 1, 1, 0x90000000, 0x900fffff,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    hook.sim = sim;
    EXPECT_EQ(ladon__host_irq_hook(h, Hooked::fn, &hook), LADON_OK);
  }
  void msi(uint64_t addr, uint32_t data) {
    uint8_t d[4];
    for (int b = 0; b < 4; b++) d[b] = (uint8_t)(data >> (8 * b));
    eps[0]->mem_request(LADON_TLP_MWR, addr, 4, d);
  }
};

}  // namespace

// Address 0xFEE01000: destination APIC ID 1 (bits 19:12); data 0x0041:
// vector 0x41, Fixed delivery.
TEST(HostIrq, MsiReachesItsCoreAfterTheInjectionLatency) {
  IrqFixture f(ht::Params{{"cpus", "4"}, {"msi_injection_latency", "2us"}});
  ladon_time_ps t0 = f.now();
  f.msi(0xFEE01000ull, 0x0041);
  f.run_for(LADON_US(1));
  EXPECT_EQ(ladon__host_irq_count(f.h, 1, 0x41), 0u);  // not yet
  f.run_for(LADON_US(3));
  EXPECT_EQ(ladon__host_irq_count(f.h, 1, 0x41), 1u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 0, 0x41), 0u);
  ASSERT_EQ(f.hook.hits.size(), 1u);
  EXPECT_EQ(f.hook.hits[0].core, 1u);
  EXPECT_EQ(f.hook.hits[0].vector, 0x41u);
  EXPECT_EQ(f.hook.hits[0].rid, f.eps[0]->id);
  EXPECT_GE(f.hook.hits[0].t - t0, LADON_US(2));
  EXPECT_LT(f.hook.hits[0].t - t0, LADON_US(2) + LADON_NS(100));
  EXPECT_EQ(f.stat("msi"), 1u);
  // Not memory: nothing was written at 0xFEE01000's DRAM (there is none).
  EXPECT_EQ(f.stat("dma_writes"), 0u);
}

TEST(HostIrq, UndeliverableInterruptsAreDroppedAndCounted) {
  IrqFixture f(ht::Params{{"cpus", "4"}});
  f.msi(0xFEE09000ull, 0x0041);  // APIC ID 9: no such core
  f.msi(0xFEE00000ull, 0x000f);  // vector 15: illegal (SDM §10.5.3)
  f.msi(0xFEE00010ull, 0x0041);  // remappable format, no IOMMU
  f.msi(0xFEE00000ull, 0x0441);  // delivery mode NMI (100b): not modelled
  f.run_for(LADON_US(3));
  EXPECT_EQ(f.stat("msi_dropped"), 4u);
  EXPECT_EQ(f.stat("msi"), 0u);
  EXPECT_TRUE(f.hook.hits.empty());
}

TEST(HostIrq, LogicalDestinationSelectsCoresByBit) {
  IrqFixture f(ht::Params{{"cpus", "4"}});
  // Destination Mode 1 (bit 2), destination 0x06: cores 1 and 2.
  f.msi(0xFEE06004ull, 0x0050);           // Fixed: both
  f.msi(0xFEE06004ull, 0x0151);           // Lowest Priority: core 1 only
  f.run_for(LADON_US(3));
  EXPECT_EQ(ladon__host_irq_count(f.h, 1, 0x50), 1u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 2, 0x50), 1u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 0, 0x50), 0u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 1, 0x51), 1u);
  EXPECT_EQ(ladon__host_irq_count(f.h, 2, 0x51), 0u);
}

TEST(HostIrq, ReadsOfTheInterruptRangeAreUnsupported) {
  IrqFixture f(ht::Params{});
  f.eps[0]->mem_request(LADON_TLP_MRD, 0xFEE00000ull, 4);
  f.run_for(LADON_US(2));
  const ht::Rx *c = f.eps[0]->last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_UR);
}

// A posted data write followed by the MSI: the interrupt may not pass the
// data (§2.4.1, A2a), so when the hook runs the data is in memory.
TEST(HostIrq, InterruptFollowsTheDataWrittenBeforeIt) {
  IrqFixture f(ht::Params{{"msi_injection_latency", "0ns"}});
  struct Check {
    ladon__host *h;
    bool seen = false;
    uint32_t word = 0;
    static void fn(void *ctx, uint32_t, uint8_t, uint16_t) {
      Check *c = static_cast<Check *>(ctx);
      c->seen = true;
      ladon__host_mem_read(c->h, 0x60000, &c->word, 4);
    }
  } chk{f.h};
  ladon__host_irq_hook(f.h, Check::fn, &chk);
  uint32_t word = 0xcafef00d;
  f.eps[0]->mem_request(LADON_TLP_MWR, 0x60000, 4,
                        reinterpret_cast<uint8_t *>(&word));
  f.msi(0xFEE00000ull, 0x0030);
  f.run_for(LADON_US(2));
  ASSERT_TRUE(chk.seen);
  EXPECT_EQ(chk.word, 0xcafef00du);
}

TEST(HostIrq, HooksAreBounded) {
  Fixture f({}, 0);
  Hooked h{f.sim, {}};
  for (unsigned i = 0; i < 16; i++)
    EXPECT_EQ(ladon__host_irq_hook(f.h, Hooked::fn, &h), LADON_OK);
  EXPECT_EQ(ladon__host_irq_hook(f.h, Hooked::fn, &h), LADON_EFULL);
  EXPECT_EQ(ladon__host_irq_hook(f.h, nullptr, &h), LADON_EINVAL);
}
