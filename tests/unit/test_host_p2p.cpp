// Peer-to-peer between root ports, by the "p2p" policy: deny ends requests
// with Unsupported Request, allow routes them down the other root port and
// routes the completions back by ID.  Also: parameter checks of the type.
#include <vector>

#include "test_host_harness.h"

extern "C" {
#include "models/host_int.h"
}

using ht::Fixture;

namespace {

struct P2p : Fixture {
  explicit P2p(const char *policy)
      : Fixture({{"root_ports", "2"}, {"p2p", policy}}, 2) {
    up();
    const uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    program_rp(0, 1, 1, 0x90000000, 0x900fffff, cmd);
    program_rp(1, 17, 17, 0x90100000, 0x901fffff, cmd);
  }
};

}  // namespace

TEST(HostP2p, DenyEndsPeerRequestsWithUnsupportedRequest) {
  P2p f("deny");
  uint8_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  f.eps[0]->mem_request(LADON_TLP_MWR, 0x90100000, 8, d);
  f.eps[0]->mem_request(LADON_TLP_MRD, 0x90100000, 8, nullptr, 0xffff, 3);
  f.run_for(LADON_US(3));
  EXPECT_EQ(f.eps[1]->rx.size(), 0u);
  const ht::Rx *c = f.eps[0]->last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(c->tlp.tag, 3u);
  EXPECT_EQ(f.stat("p2p_blocked"), 2u);
  EXPECT_EQ(f.stat("p2p_forwarded"), 0u);
}

TEST(HostP2p, AllowRoutesRequestsAndCompletionsBetweenRootPorts) {
  P2p f("allow");
  uint8_t d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int i = 0; i < 8; i++) f.eps[1]->mem[0x90100040 + i] = (uint8_t)(0xa0 + i);
  f.eps[0]->mem_request(LADON_TLP_MWR, 0x90100000, 8, d);
  f.eps[0]->mem_request(LADON_TLP_MRD, 0x90100040, 8, nullptr, 0xffff, 4);
  f.run_for(LADON_US(3));
  const ht::Rx *w = f.eps[1]->last(LADON_TLP_MWR);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->tlp.addr, 0x90100000u);
  EXPECT_EQ(w->tlp.req_id, f.eps[0]->id);  // the requester is unchanged
  EXPECT_EQ(std::memcmp(w->data.data(), d, 8), 0);
  const ht::Rx *r = f.eps[1]->last(LADON_TLP_MRD);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->tlp.req_id, f.eps[0]->id);
  // ep1's completion goes back down rp0, to bus 1.
  const ht::Rx *c = f.eps[0]->last(LADON_TLP_CPLD);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.tag, 4u);
  EXPECT_EQ(c->tlp.cpl_id, f.eps[1]->id);
  ASSERT_EQ(c->data.size(), 8u);
  EXPECT_EQ(c->data[0], 0xa0u);
  EXPECT_EQ(f.stat("p2p_forwarded"), 3u);
}

// A request from below for an address in its own root port's window is
// not forwarded back down (the bridge does not claim it from below).
TEST(HostP2p, RequestsForTheirOwnPortsWindowAreUnsupported) {
  P2p f("allow");
  f.eps[0]->mem_request(LADON_TLP_MRD, 0x90000000, 4);
  f.run_for(LADON_US(2));
  const ht::Rx *c = f.eps[0]->last(LADON_TLP_CPL);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tlp.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.eps[0]->count(LADON_TLP_MRD), 0u);
}

TEST(HostParams, ImpossibleParametersNameTheInstanceAndParameter) {
  {
    Fixture f({{"mps", "384B"}}, 0);
    EXPECT_EQ(f.create_status, LADON_EINVAL);
    EXPECT_NE(std::string(f.err.text).find("'mps'"), std::string::npos);
    EXPECT_NE(std::string(f.err.text).find("mh"), std::string::npos);
  }
  {
    Fixture f({{"mmio32_base", "0x80000001"}}, 0);
    EXPECT_EQ(f.create_status, LADON_EINVAL);
    EXPECT_NE(std::string(f.err.text).find("mmio32_base"), std::string::npos);
  }
}

TEST(HostParams, PortsExistOnlyUpToRootPorts) {
  Fixture f({{"root_ports", "3"}}, 0);
  const ladon_model_ops *ops = ladon__model_ops(&ladon__model_host_type);
  EXPECT_NE(ops->port(f.inst, "rp0"), nullptr);
  EXPECT_NE(ops->port(f.inst, "rp2"), nullptr);
  EXPECT_EQ(ops->port(f.inst, "rp3"), nullptr);
  EXPECT_EQ(ops->port(f.inst, "rp"), nullptr);
  EXPECT_EQ(ops->port(f.inst, "up"), nullptr);
  EXPECT_EQ(ladon__host_root_ports(f.h), 3u);
}

TEST(HostParams, AddressMapFollowsMemorySize) {
  Fixture f({{"memory", "3GiB"}}, 0);
  ladon__host_mmio_space s;
  ladon__host_mmio_space_get(f.h, &s);
  EXPECT_EQ(s.mmio32_base, 0x80000000u);
  EXPECT_EQ(s.mmio32_limit, 0xFEBFFFFFu);
  EXPECT_EQ(s.mmio64_base, 1ull << 40);  // first TiB boundary above RAM
  const ladon_imap *ram = ladon__host_ram_map(f.h);
  ASSERT_EQ(ladon_imap_count(ram), 2u);
  EXPECT_EQ(ladon_imap_at(ram, 0)->hi, 0x7fffffffu);
  EXPECT_EQ(ladon_imap_at(ram, 1)->lo, 0x100000000ull);
  EXPECT_EQ(ladon_imap_at(ram, 1)->hi, 0x13fffffffull);
  EXPECT_EQ(ladon_imap_at(ram, 1)->target, 0x80000000u);
}

// The DMA path's HPA -> DRAM translation agrees with the RAM map at every
// edge: both ends of each range, the holes beside them, and accesses that
// straddle an edge (any byte outside RAM: not RAM).
TEST(HostParams, DmaTranslationAgreesWithRamMap) {
  for (const char *size : {"3GiB", "4MiB", "8GiB"}) {
    Fixture f({{"memory", size}}, 0);
    const ladon_imap *ram = ladon__host_ram_map(f.h);
    std::vector<uint64_t> probes;
    for (size_t i = 0; i < ladon_imap_count(ram); i++) {
      const ladon_imap_entry *e = ladon_imap_at(ram, i);
      for (uint64_t a : {e->lo, e->lo + 1, e->hi - 63, e->hi, e->hi + 1})
        for (uint64_t d : {0ull, 64ull}) probes.push_back(a - d);
    }
    probes.push_back(0xfffffffffffffff0ull);  // wraps with len 64
    for (uint64_t a : probes)
      for (uint64_t len : {0ull, 1ull, 64ull}) {
        uint64_t want = 0, got = 0;
        bool hit = ladon_imap_translate(ram, a, len ? len : 1, LADON_IMAP_R, &want,
                                        nullptr) == LADON_IMAP_HIT;
        ASSERT_EQ(ladon__host_hpa_to_dram(f.h, a, len, &got), hit)
            << size << " addr 0x" << std::hex << a << " len " << std::dec << len;
        if (hit) {
          EXPECT_EQ(got, want) << size << " addr 0x" << std::hex << a;
        }
      }
  }
}

// A completion that comes up a root port for a requester below that same
// port -- what ACS P2P Completion Redirect sends up (PCIe Base 5.0
// §6.12.1.1) -- goes back down by ID, whatever the p2p policy between
// root ports says.
TEST(HostP2p, RedirectedCompletionsGoBackDownTheirPort) {
  P2p f("deny");
  ladon_tlp *c = ladon_tlp_alloc(4);
  c->type = LADON_TLP_CPLD;
  c->req_id = LADON_TLP_ID(1, 3, 0);  // a peer on bus 1, below rp0
  c->cpl_id = f.eps[0]->id;
  c->tag = 9;
  c->length_dw = 1;
  c->byte_count = 4;
  f.eps[0]->send(c);
  f.run_for(LADON_US(2));
  const ht::Rx *r = f.eps[0]->last(LADON_TLP_CPLD);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->tlp.req_id, LADON_TLP_ID(1, 3, 0));
  EXPECT_EQ(r->tlp.tag, 9u);
  EXPECT_EQ(f.stat("unexpected_completions"), 0u);
  EXPECT_EQ(f.eps[1]->count(LADON_TLP_CPLD), 0u);
}
