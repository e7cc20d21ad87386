// NTB model: windows and LUT at their edges, programming rules, requester-ID
// translation and completions back, ID protection, link down, registers,
// back-pressure and latency.  Fabrics are built by hand: one test endpoint
// on each side, configured with Type 0 configuration writes as firmware would.
#include <gtest/gtest.h>

#include "test_switch_harness.h"

extern "C" {
#include "ladon/imap.h"
#include "models/ntb.h"
#include "models/ntb_int.h"
}

using swt::Ep;
using swt::Rx;

namespace {

constexpr uint16_t kIdA = LADON_TLP_ID(1, 0, 0);  // NT endpoint on A's bus 1
constexpr uint16_t kIdB = LADON_TLP_ID(5, 0, 0);  // NT endpoint on B's bus 5
constexpr uint64_t kBar0A = 0x90000000ull, kBar2A = 0xa0000000ull;
constexpr uint64_t kBar0B = 0xc0000000ull, kBar2B = 0xd0000000ull;
constexpr uint16_t kReqA = LADON_TLP_ID(0, 2, 0);  // a requester in domain A

struct NtbFab {
  ladon_sim *sim = nullptr;
  ladon__ntb *ntb = nullptr;
  Ep a, b;
  ladon_link *la = nullptr, *lb = nullptr;
  ladon_error err{};
  uint16_t tag = 1;

  explicit NtbFab(const ladon__ntb_config *c = nullptr, const ladon_port_config *epb = nullptr,
                  const ladon_port_config *epa = nullptr) {
    ladon_sim_config sc{};
    sc.seed = 1;
    sim = ladon_sim_new(&sc, nullptr);
    ntb = ladon__ntb_new(sim, "ntb0", c, &err);
    if (!ntb) return;
    swt::ep_init(a, sim, "hostA.rp0", epa);
    swt::ep_init(b, sim, "hostB.rp0", epb);
    ladon_link_config lc = swt::link_cfg(3, 8);
    la = ladon_link_new(sim, "l.a", &lc, a.port, ladon__ntb_port(ntb, 0), &err);
    lb = ladon_link_new(sim, "l.b", &lc, b.port, ladon__ntb_port(ntb, 1), &err);
    run(LADON_US(2));
    enumerate(a, kIdA, kBar0A, kBar2A);
    enumerate(b, kIdB, kBar0B, kBar2B);
  }
  ~NtbFab() {
    ladon_link_free(la);
    ladon_link_free(lb);
    ladon__ntb_free(ntb);
    ladon_sim_free(sim);
  }
  void run(ladon_time_ps d) { ladon_sim_run_until(sim, ladon_sim_now(sim) + d); }
  bool until(Ep &e, size_t n) {
    ladon_time_ps end = ladon_sim_now(sim) + LADON_US(50);
    while (e.rx.size() < n && ladon_sim_next_time(sim) <= end && ladon_sim_step(sim)) {
    }
    return e.rx.size() >= n;
  }
  void send(Ep &e, ladon_tlp *t) {
    if (ladon_port_send(e.port, t) != LADON_OK) ladon_tlp_free(t);
  }
  void cfgwr(Ep &e, uint16_t target, uint16_t off, uint32_t v) {
    ladon_tlp *t = swt::Fab::cfg_tlp(true, false, target, off, v, 0xf, tag++);
    size_t n = e.rx.size();
    send(e, t);
    ASSERT_TRUE(until(e, n + 1));
    ASSERT_EQ(e.rx.back().t.status, LADON_TLP_CPL_SC);
    e.rx.pop_back();
  }
  void enumerate(Ep &e, uint16_t id, uint64_t bar0, uint64_t bar2) {
    cfgwr(e, id, PCI_BASE_ADDRESS_0, (uint32_t)bar0);
    cfgwr(e, id, PCI_BASE_ADDRESS_0 + 4, (uint32_t)(bar0 >> 32));
    cfgwr(e, id, PCI_BASE_ADDRESS_0 + 8, (uint32_t)bar2);
    cfgwr(e, id, PCI_BASE_ADDRESS_0 + 12, (uint32_t)(bar2 >> 32));
    cfgwr(e, id, PCI_COMMAND, PCI_COMMAND_MEMORY | 0x4u);
  }
  // A memory request from `e`; MWr carries a byte pattern.
  ladon_tlp *req(ladon_tlp_type ty, uint64_t addr, uint32_t bytes, uint16_t rid, uint16_t tg) {
    ladon_tlp *t = swt::mem(ty, addr, bytes, rid, tg);
    if (ty == LADON_TLP_MWR)
      for (uint32_t i = 0; i < bytes; i++) ladon_tlp_payload(t)[i] = (uint8_t)(i + 1);
    return t;
  }
  ladon__ntb_counters ctr(unsigned side) {
    ladon__ntb_counters c{};
    ladon__ntb_counters_get(ntb, side, &c);
    return c;
  }
};

}  // namespace

TEST(Ntb, EnumerationCapturesIdsAndMapsFollowBars) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  EXPECT_EQ(ladon__ntb_endpoint_id(f.ntb, 0), kIdA);
  EXPECT_EQ(ladon__ntb_endpoint_id(f.ntb, 1), kIdB);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  const ladon_imap *m = ladon__ntb_xlate_map(f.ntb, 0);
  ASSERT_EQ(ladon_imap_count(m), 1u);
  const ladon_imap_entry *e = ladon_imap_at(m, 0);
  EXPECT_EQ(e->lo, kBar2A);
  EXPECT_EQ(e->hi, kBar2A + 0xffff);
  EXPECT_EQ(e->target, 0x40000000ull);
  EXPECT_EQ(e->target_domain, 1u);
  // Memory Space Enable off: the BAR no longer decodes, the map empties.
  f.cfgwr(f.a, kIdA, PCI_COMMAND, 0);
  EXPECT_EQ(ladon_imap_count(m), 0u);
}

TEST(Ntb, DirectWindowEdges) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  const uint64_t x = 0x40000000ull, size = 0x10000;
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, x, size, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A, 4, kReqA, 0));               // first DW in
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + size - 4, 4, kReqA, 0));    // last DW in
  ASSERT_TRUE(f.until(f.b, 2));
  EXPECT_EQ(f.b.rx[0].t.addr, x);
  EXPECT_EQ(f.b.rx[1].t.addr, x + size - 4);
  EXPECT_EQ(f.b.rx[1].data, (std::vector<uint8_t>{1, 2, 3, 4}));
  // One DW past the end: the read gets UR from the NT endpoint, the write is dropped.
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A + size, 4, kReqA, 9));
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + size, 4, kReqA, 0));
  // Starts inside, runs past the end: not translated either.
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + size - 4, 8, kReqA, 0));
  ASSERT_TRUE(f.until(f.a, 1));
  f.run(LADON_US(2));
  EXPECT_EQ(f.a.rx[0].t.type, LADON_TLP_CPL);
  EXPECT_EQ(f.a.rx[0].t.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.a.rx[0].t.tag, 9);
  EXPECT_EQ(f.a.rx[0].t.req_id, kReqA);
  EXPECT_EQ(f.a.rx[0].t.cpl_id, kIdA);
  EXPECT_EQ(f.b.rx.size(), 2u);
  EXPECT_EQ(f.ctr(0).bar_errors, 3u);
  EXPECT_EQ(f.ctr(0).forwarded, 2u);
}

TEST(Ntb, LutEntriesEnableDisable) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.lut_entries = 16;  // 1 MiB / 16 = 64 KiB entries, like Switchtec's
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_lut_entry_bytes(f.ntb), 0x10000u);
  ASSERT_EQ(ladon__ntb_set_lut(f.ntb, 0, 3, true, 0x20000000ull, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 3 * 0x10000 + 0x100, 4, kReqA, 0));
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 3 * 0x10000 + 0xfffc, 4, kReqA, 0));
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 4 * 0x10000, 4, kReqA, 0));  // entry 4: off
  ASSERT_TRUE(f.until(f.b, 2));
  f.run(LADON_US(2));
  EXPECT_EQ(f.b.rx[0].t.addr, 0x20000100ull);
  EXPECT_EQ(f.b.rx[1].t.addr, 0x2000fffcull);
  EXPECT_EQ(f.b.rx.size(), 2u);
  EXPECT_EQ(f.ctr(0).lut_errors, 1u);
  ASSERT_EQ(ladon__ntb_set_lut(f.ntb, 0, 3, false, 0, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A + 3 * 0x10000, 4, kReqA, 5));
  ASSERT_TRUE(f.until(f.a, 1));
  EXPECT_EQ(f.a.rx[0].t.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.ctr(0).lut_errors, 2u);
  EXPECT_EQ(ladon_imap_count(ladon__ntb_xlate_map(f.ntb, 0)), 0u);
}

TEST(Ntb, BadProgrammingRejected) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  ladon_error e{};
  // Switchtec: size a power of two >= 4 KiB, translation 4 KiB aligned.
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 2048, &e), LADON_EINVAL);
  EXPECT_NE(std::string(e.text).find("power of two"), std::string::npos);
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 12288, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000800ull, 4096, &e), LADON_EINVAL);
  EXPECT_NE(std::string(e.text).find("4 KiB aligned"), std::string::npos);
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 2u << 20, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 0, 0x40000000ull, 4096, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 4, 0x40000000ull, 4096, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_lut(f.ntb, 0, 0, true, 0, &e), LADON_EINVAL);  // no LUT
  EXPECT_EQ(ladon_imap_count(ladon__ntb_xlate_map(f.ntb, 0)), 0u);
  // The smallest legal window is accepted.
  EXPECT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40001000ull, 4096, &e), LADON_OK);

  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.style = LADON__NTB_PLX;
  c.lut_entries = 0;
  c.bar4_bytes = 1u << 20;
  NtbFab p(&c);
  ASSERT_NE(p.ntb, nullptr);
  // PLX: translation aligned to the BAR size (1 MiB).
  EXPECT_EQ(ladon__ntb_set_window(p.ntb, 0, 4, 0x40080000ull, 1u << 20, &e), LADON_EINVAL);
  EXPECT_NE(std::string(e.text).find("BAR size"), std::string::npos);
  EXPECT_EQ(ladon__ntb_set_window(p.ntb, 0, 4, 0x40100000ull, 1u << 20, &e), LADON_OK);

  ladon__ntb_config l;
  ladon__ntb_config_default(&l);
  l.lut_entries = 16;
  NtbFab q(&l);
  ASSERT_NE(q.ntb, nullptr);
  EXPECT_EQ(ladon__ntb_set_lut(q.ntb, 0, 1, true, 0x20008000ull, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_lut(q.ntb, 0, 16, true, 0x20000000ull, &e), LADON_EINVAL);
  EXPECT_EQ(ladon__ntb_set_window(q.ntb, 0, 2, 0x20000000ull, 4096, &e), LADON_EINVAL);

  ladon__ntb_config bad;
  ladon__ntb_config_default(&bad);
  bad.lut_entries = 3;
  ladon_sim_config sc{};
  ladon_sim *sim = ladon_sim_new(&sc, nullptr);
  EXPECT_EQ(ladon__ntb_new(sim, "n1", &bad, &e), nullptr);
  EXPECT_NE(std::string(e.text).find("lut_entries"), std::string::npos);
  ladon_sim_free(sim);
}

TEST(Ntb, ReadAcrossRestoresRequesterAndTag) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  const uint64_t x = 0x40000000ull;
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, x, 0x10000, &f.err), LADON_OK);
  uint16_t proxy = 0;
  ASSERT_EQ(ladon__ntb_set_rid(f.ntb, 0, 0, true, kReqA, &proxy, &f.err), LADON_OK);
  // Switchtec style: entry 0 -> the devfn after the far endpoint's own (5:00.1).
  EXPECT_EQ(proxy, LADON_TLP_ID(5, 0, 1));
  const ladon_imap_entry *re = ladon_imap_lookup(ladon__ntb_rid_map(f.ntb, 0), kReqA);
  ASSERT_NE(re, nullptr);
  EXPECT_EQ(re->target, proxy);

  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A + 0x40, 64, kReqA, 7));
  ASSERT_TRUE(f.until(f.b, 1));
  Rx r = f.b.rx[0];
  EXPECT_EQ(r.t.type, LADON_TLP_MRD);
  EXPECT_EQ(r.t.addr, x + 0x40);
  EXPECT_EQ(r.t.req_id, proxy);
  // Host B's memory answers the proxy with the bytes at x + 0x40.
  ladon_tlp *c = ladon_tlp_alloc(64);
  c->type = LADON_TLP_CPLD;
  c->req_id = r.t.req_id;
  c->tag = r.t.tag;
  c->cpl_id = LADON_TLP_ID(0, 0, 0);
  c->length_dw = 16;
  c->byte_count = 64;
  c->lower_addr = 0x40;
  for (int i = 0; i < 64; i++) ladon_tlp_payload(c)[i] = (uint8_t)(0xa0 + i);
  f.send(f.b, c);
  ASSERT_TRUE(f.until(f.a, 1));
  Rx back = f.a.rx[0];
  EXPECT_EQ(back.t.type, LADON_TLP_CPLD);
  EXPECT_EQ(back.t.req_id, kReqA);
  EXPECT_EQ(back.t.tag, 7);
  EXPECT_EQ(back.t.cpl_id, kIdA);
  ASSERT_EQ(back.data.size(), 64u);
  for (int i = 0; i < 64; i++) EXPECT_EQ(back.data[i], (uint8_t)(0xa0 + i));
  // The tag was freed by that last completion: a repeat is unexpected.
  ladon_tlp *again = ladon_tlp_alloc(0);
  *again = c[0];
  again->type = LADON_TLP_CPL;
  again->data = nullptr;
  again->data_bytes = 0;
  again->length_dw = 0;
  again->req_id = r.t.req_id;
  again->tag = r.t.tag;
  f.send(f.b, again);
  f.run(LADON_US(2));
  EXPECT_EQ(f.a.rx.size(), 1u);
  EXPECT_EQ(f.ctr(1).unexpected_cpls, 1u);
}

TEST(Ntb, PlxProxyKeepsFunctionAndWholeBarTranslates) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.style = LADON__NTB_PLX;
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  uint16_t proxy = 0;
  ASSERT_EQ(ladon__ntb_set_rid(f.ntb, 0, 3, true, LADON_TLP_ID(0, 2, 0), &proxy, &f.err),
            LADON_OK);
  // S10: bus of the far NT endpoint, device = LUT index 3, function passed through.
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 0x80000, 4, LADON_TLP_ID(0, 2, 3), 0));
  ASSERT_TRUE(f.until(f.b, 1));
  EXPECT_EQ(f.b.rx[0].t.req_id, LADON_TLP_ID(5, 3, 3));
  // No limit registers: offset 512 KiB of the 1 MiB BAR translates too.
  EXPECT_EQ(f.b.rx[0].t.addr, 0x40080000ull);
}

TEST(Ntb, IdProtectionBlocksPostedOnly) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.id_protection = true;
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A, 4, kReqA, 0));
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A, 4, kReqA, 3));
  ASSERT_TRUE(f.until(f.b, 1));
  f.run(LADON_US(2));
  ASSERT_EQ(f.b.rx.size(), 1u);
  EXPECT_EQ(f.b.rx[0].t.type, LADON_TLP_MRD);  // non-posted passes (S9)
  EXPECT_EQ(f.b.rx[0].t.req_id, kIdB);         // unlisted: crosses as the NT endpoint
  EXPECT_EQ(f.ctr(0).req_id_errors, 1u);
  ASSERT_EQ(ladon__ntb_set_rid(f.ntb, 0, 0, true, kReqA, nullptr, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A, 4, kReqA, 0));
  ASSERT_TRUE(f.until(f.b, 2));
  EXPECT_EQ(f.b.rx[1].t.type, LADON_TLP_MWR);
}

TEST(Ntb, LinkDownDropsAndUrs) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  EXPECT_TRUE(ladon__ntb_link_is_up(f.ntb));
  ladon__ntb_link_set(f.ntb, false);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A, 4, kReqA, 0));
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A, 4, kReqA, 4));
  f.send(f.a, f.req(LADON_TLP_MRD, kBar0A + LADON__NTB_REG_LINK, 4, kReqA, 5));
  ASSERT_TRUE(f.until(f.a, 2));
  f.run(LADON_US(2));
  EXPECT_EQ(f.b.rx.size(), 0u);
  EXPECT_EQ(f.ctr(0).link_down_drops, 2u);
  EXPECT_EQ(f.a.rx[0].t.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(f.a.rx[1].t.status, LADON_TLP_CPL_SC);  // registers still answer
  EXPECT_EQ(f.a.rx[1].data, (std::vector<uint8_t>{0, 0, 0, 0}));
  ladon__ntb_link_set(f.ntb, true);
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A, 4, kReqA, 0));
  ASSERT_TRUE(f.until(f.b, 1));
}

TEST(Ntb, DoorbellsScratchpadsMessagesByMmio) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  auto wr = [&](Ep &e, uint64_t addr, uint32_t v) {
    ladon_tlp *t = swt::mem(LADON_TLP_MWR, addr, 4, kReqA, 0);
    for (int i = 0; i < 4; i++) ladon_tlp_payload(t)[i] = (uint8_t)(v >> (8 * i));
    f.send(e, t);
    f.run(LADON_US(1));
  };
  wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0xffffffffu);
  EXPECT_EQ(ladon__ntb_db_read(f.ntb, 1), 0x0fffffffu);  // 28 doorbells (S8)
  wr(f.b, kBar0B + LADON__NTB_REG_DB, 0x1u);              // RW1C
  EXPECT_EQ(ladon__ntb_db_read(f.ntb, 1), 0x0ffffffeu);
  wr(f.a, kBar0A + LADON__NTB_REG_PEER_SPAD + 8, 0xdeadbeefu);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 1, 2), 0xdeadbeefu);
  f.send(f.b, swt::mem(LADON_TLP_MRD, kBar0B + LADON__NTB_REG_SPAD + 8, 4, kReqA, 1));
  ASSERT_TRUE(f.until(f.b, 1));
  EXPECT_EQ(f.b.rx[0].data, (std::vector<uint8_t>{0xef, 0xbe, 0xad, 0xde}));
  wr(f.a, kBar0A + LADON__NTB_REG_MSG_OUT + 4, 42);
  uint32_t m = 0;
  unsigned src = 9;
  ASSERT_TRUE(ladon__ntb_msg_read(f.ntb, 1, 1, &m, &src));
  EXPECT_EQ(m, 42u);
  EXPECT_EQ(src, 0u);
  EXPECT_FALSE(ladon__ntb_msg_read(f.ntb, 1, 1, &m, &src));
  EXPECT_EQ(ladon__ntb_msg_write(f.ntb, 1, 0, 7), LADON_OK);
  EXPECT_EQ(ladon__ntb_msg_write(f.ntb, 1, 0, 8), LADON_EFULL);  // not taken yet
}

// BAR0 decodes where configuration software last put it, and only with
// Memory Space Enable (PCIe Base 5.0 §7.5.1.1.3, §7.5.1.2.1): register
// accesses follow a moved BAR0, the old range stops claiming them, and
// clearing then setting Memory Space Enable turns decoding off and on.
TEST(Ntb, RegisterAccessesFollowMovedBar0) {
  NtbFab f;
  ASSERT_NE(f.ntb, nullptr);
  auto spad_wr = [&](uint64_t bar0, uint32_t v) {
    ladon_tlp *t = swt::mem(LADON_TLP_MWR, bar0 + LADON__NTB_REG_SPAD, 4, kReqA, 0);
    for (int i = 0; i < 4; i++) ladon_tlp_payload(t)[i] = (uint8_t)(v >> (8 * i));
    f.send(f.a, t);
    f.run(LADON_US(1));
  };
  spad_wr(kBar0A, 1);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 0, 0), 1u);
  EXPECT_EQ(f.ctr(0).reg_accesses, 1u);
  const uint64_t moved = 0x98000000ull;  // 64 KiB aligned, clear of BAR2
  f.cfgwr(f.a, kIdA, PCI_BASE_ADDRESS_0, (uint32_t)moved);
  spad_wr(moved, 2);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 0, 0), 2u);
  EXPECT_EQ(f.ctr(0).reg_accesses, 2u);
  // The old range decodes nothing now: the write is not a register access
  // and hits no window (a posted request dropped as a BAR error).
  spad_wr(kBar0A, 3);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 0, 0), 2u);
  EXPECT_EQ(f.ctr(0).reg_accesses, 2u);
  EXPECT_EQ(f.ctr(0).bar_errors, 1u);
  // Memory Space Enable Clear: BAR0 stops decoding.
  f.cfgwr(f.a, kIdA, PCI_COMMAND, 0x4u);
  spad_wr(moved, 4);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 0, 0), 2u);
  EXPECT_EQ(f.ctr(0).reg_accesses, 2u);
  f.cfgwr(f.a, kIdA, PCI_COMMAND, PCI_COMMAND_MEMORY | 0x4u);
  spad_wr(moved, 5);
  EXPECT_EQ(ladon__ntb_spad_read(f.ntb, 0, 0), 5u);
  EXPECT_EQ(f.ctr(0).reg_accesses, 3u);
  // The other side's BAR0 did not move.
  EXPECT_EQ(f.ctr(1).reg_accesses, 0u);
}

// The LUT check follows a moved BAR2 the same way.
TEST(Ntb, LutFollowsMovedBar2) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.lut_entries = 16;  // 64 KiB entries
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_lut(f.ntb, 0, 3, true, 0x20000000ull, &f.err), LADON_OK);
  const uint64_t moved = 0xb0000000ull;  // 1 MiB aligned
  f.cfgwr(f.a, kIdA, PCI_BASE_ADDRESS_0 + 8, (uint32_t)moved);
  f.send(f.a, f.req(LADON_TLP_MWR, moved + 3 * 0x10000 + 0x40, 4, kReqA, 0));
  ASSERT_TRUE(f.until(f.b, 1));
  EXPECT_EQ(f.b.rx[0].t.addr, 0x20000040ull);
  f.send(f.a, f.req(LADON_TLP_MWR, moved + 4 * 0x10000, 4, kReqA, 0));  // entry 4: off
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 3 * 0x10000, 4, kReqA, 0));  // old range
  f.run(LADON_US(2));
  EXPECT_EQ(f.b.rx.size(), 1u);
  EXPECT_EQ(f.ctr(0).lut_errors, 1u);
  EXPECT_EQ(f.ctr(0).bar_errors, 1u);
}

TEST(Ntb, BackPressureFromFarSide) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.port.rx_ph_credits = 4;
  c.port.tx_queue_tlps = 1;
  ladon_port_config slow;
  ladon_port_config_default(&slow);
  slow.rx_ph_credits = 2;
  ladon_port_config small;
  ladon_port_config_default(&small);
  small.tx_queue_tlps = 1;
  NtbFab f(&c, &slow, &small);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  const uint64_t total = 20;
  f.b.consume = false;
  f.a.gen = [&](Ep &e) {
    if (e.sent >= total) return false;
    ladon_tlp *t = f.req(LADON_TLP_MWR, kBar2A + 4 * e.sent, 4, kReqA, 0);
    if (ladon_port_send(e.port, t) != LADON_OK) {
      ladon_tlp_free(t);
      return false;
    }
    e.sent++;
    return true;
  };
  f.a.fill();
  f.run(LADON_US(20));
  // B holds its 2 credits' worth; the NTB's 4 ingress credits and one-deep
  // queues stop host A well short of 20.
  EXPECT_EQ(f.b.rx.size(), 2u);
  EXPECT_LT(f.a.sent, total);
  for (int k = 0; k < 40 && f.b.rx.size() < total; k++) {
    f.b.release_all();
    f.run(LADON_US(2));
  }
  f.b.release_all();
  ASSERT_EQ(f.b.rx.size(), total);
  for (uint64_t i = 0; i < total; i++) EXPECT_EQ(f.b.rx[i].t.addr, 0x40000000ull + 4 * i);
}

// End-to-end time = link A + clock-quantised translation latency + link B.
// Each link's own delay is measured on a bare link of the same kind with the
// TLP sent at the same instant (the link's symbol timing depends on phase).
static ladon_time_ps bare_link_delay(ladon_time_ps at) {
  ladon_sim_config sc{};
  ladon_sim *s2 = ladon_sim_new(&sc, nullptr);
  Ep x, y;
  swt::ep_init(x, s2, "x", nullptr);
  swt::ep_init(y, s2, "y", nullptr);
  ladon_link_config lc = swt::link_cfg(3, 8);
  ladon_link *l = ladon_link_new(s2, "l", &lc, x.port, y.port, nullptr);
  ladon_sim_run_until(s2, at);
  ladon_port_send(x.port, swt::mem(LADON_TLP_MWR, 0x40000000ull, 64, kReqA, 0));
  ladon_sim_run_until(s2, at + LADON_US(5));
  ladon_time_ps d = y.rx.size() == 1 ? y.rx[0].at - at : 0;
  ladon_link_free(l);
  ladon_sim_free(s2);
  return d;
}

TEST(Ntb, LatencyIsTranslationPlusLinks) {
  for (ladon_time_ps period : {1000ull, 3000ull}) {
    ladon__ntb_config c;
    ladon__ntb_config_default(&c);
    c.latency_ps = LADON_NS(250);
    c.clock_period_ps = period;
    NtbFab f(&c);
    ASSERT_NE(f.ntb, nullptr);
    ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
    f.run(LADON_US(1) + 7);  // an odd start so quantisation matters
    ladon_time_ps s = ladon_sim_now(f.sim);
    f.send(f.a, swt::mem(LADON_TLP_MWR, kBar2A, 64, kReqA, 0));
    ASSERT_TRUE(f.until(f.b, 1));
    ladon_time_ps da = bare_link_delay(s);
    ASSERT_GT(da, 0u);
    ladon_time_ps ready = s + da + LADON_NS(250);
    ready = (ready + period - 1) / period * period;  // next NTB clock edge
    ladon_time_ps db = bare_link_delay(ready);
    ASSERT_GT(db, 0u);
    EXPECT_EQ(f.b.rx[0].at, ready + db) << "period " << period;
    EXPECT_EQ(ready % period, 0u);
  }
}

// With one tag per direction, a second read waits in the NTB until the first
// one's completion frees the tag; a posted write behind it is not held up.
TEST(Ntb, NonPostedWaitForTagPostedPass) {
  ladon__ntb_config c;
  ladon__ntb_config_default(&c);
  c.tags = 1;
  NtbFab f(&c);
  ASSERT_NE(f.ntb, nullptr);
  ASSERT_EQ(ladon__ntb_set_window(f.ntb, 0, 2, 0x40000000ull, 0x10000, &f.err), LADON_OK);
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A, 4, kReqA, 1));
  f.send(f.a, f.req(LADON_TLP_MRD, kBar2A + 4, 4, kReqA, 2));
  f.send(f.a, f.req(LADON_TLP_MWR, kBar2A + 8, 4, kReqA, 0));
  ASSERT_TRUE(f.until(f.b, 2));
  f.run(LADON_US(5));
  ASSERT_EQ(f.b.rx.size(), 2u);
  EXPECT_EQ(f.b.rx[0].t.type, LADON_TLP_MRD);
  EXPECT_EQ(f.b.rx[0].t.addr, 0x40000000ull);
  EXPECT_EQ(f.b.rx[1].t.type, LADON_TLP_MWR);  // passed the waiting read (§2.4.1 A3)
  Rx r = f.b.rx[0];
  ladon_tlp *cpl = ladon_tlp_alloc(4);
  cpl->type = LADON_TLP_CPLD;
  cpl->req_id = r.t.req_id;
  cpl->tag = r.t.tag;
  cpl->length_dw = 1;
  cpl->byte_count = 4;
  f.send(f.b, cpl);
  ASSERT_TRUE(f.until(f.b, 3));
  EXPECT_EQ(f.b.rx[2].t.type, LADON_TLP_MRD);
  EXPECT_EQ(f.b.rx[2].t.addr, 0x40000004ull);
  EXPECT_EQ(f.b.rx[2].t.tag, r.t.tag);  // the only tag, reused
  ASSERT_TRUE(f.until(f.a, 1));
  EXPECT_EQ(f.a.rx[0].t.tag, 1);
  EXPECT_EQ(f.a.rx[0].t.req_id, kReqA);
}

// Doorbell interrupts: the NT endpoint's one MSI-X vector (table and PBA in
// BAR0) signals a newly set, unmasked doorbell; masking follows PCIe Base
// 5.0 §6.1.4.5 (Pending Bit) and the Linux NTB db_clear_mask contract.
namespace {

struct DbFab : NtbFab {
  static constexpr uint64_t kMsiAddr = 0xfee01000ull;
  static constexpr uint32_t kMsiData = 0x4021u;
  void wr(Ep &e, uint64_t addr, uint32_t v) {
    ladon_tlp *t = swt::mem(LADON_TLP_MWR, addr, 4, kReqA, 0);
    for (int i = 0; i < 4; i++) ladon_tlp_payload(t)[i] = (uint8_t)(v >> (8 * i));
    send(e, t);
    run(LADON_US(1));
  }
  uint32_t rd(Ep &e, uint64_t addr) {
    size_t n = e.rx.size();
    send(e, swt::mem(LADON_TLP_MRD, addr, 4, kReqA, tag++));
    if (!until(e, n + 1)) return 0xdeadu;
    const std::vector<uint8_t> &d = e.rx.back().data;
    uint32_t v = d.size() < 4 ? 0xdeadu
                              : (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                                    (uint32_t)d[3] << 24;
    e.rx.pop_back();
    return v;
  }
  // Side B's driver: MSI-X entry 0 -> kMsiAddr/kMsiData, then MSI-X Enable.
  void setup_b(bool unmask_entry = true) {
    uint16_t cap = ladon__ntb_cfg(ntb, 1)->msix_off;
    wr(b, kBar0B + LADON__NTB_REG_MSIX + 0, (uint32_t)kMsiAddr);
    wr(b, kBar0B + LADON__NTB_REG_MSIX + 4, 0);
    wr(b, kBar0B + LADON__NTB_REG_MSIX + 8, kMsiData);
    if (unmask_entry) wr(b, kBar0B + LADON__NTB_REG_MSIX + 12, 0);
    cfgwr(b, kIdB, (uint16_t)(cap + PCI_MSIX_FLAGS - 2), (uint32_t)PCI_MSIX_FLAGS_ENABLE << 16);
  }
  // Messages side B's NT endpoint sent up its link so far.
  size_t msgs() {
    size_t n = 0;
    for (const Rx &r : b.rx)
      if (r.t.type == LADON_TLP_MWR && r.t.addr == kMsiAddr) {
        EXPECT_EQ(r.t.req_id, kIdB);  // the NT endpoint's own routing ID
        EXPECT_EQ(r.data, (std::vector<uint8_t>{0x21, 0x40, 0, 0}));
        n++;
      }
    return n;
  }
};

}  // namespace

TEST(NtbDoorbell, RingSignalsOnceUntilCleared) {
  DbFab f;
  ASSERT_NE(f.ntb, nullptr);
  f.setup_b();
  EXPECT_EQ(f.msgs(), 0u);
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x5u);
  EXPECT_EQ(f.msgs(), 1u);
  // Ringing bits that are still set is no new event.
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x1u);
  EXPECT_EQ(f.msgs(), 1u);
  // Once the handler clears bit 0 (RW1C), a new ring signals again.
  f.wr(f.b, kBar0B + LADON__NTB_REG_DB, 0x1u);
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x1u);
  EXPECT_EQ(f.msgs(), 2u);
  const ladon_stat *st = ladon_stats_find(ladon_sim_stats(f.sim), "ntb0.b.db_interrupts");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(ladon_counter_value(ladon_stat_as_counter(st)), 2u);
}

TEST(NtbDoorbell, MaskedDoorbellSignalsWhenUnmasked) {
  DbFab f;
  ASSERT_NE(f.ntb, nullptr);
  f.setup_b();
  f.wr(f.b, kBar0B + LADON__NTB_REG_DB_MASK, 0x2u);
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x2u);
  EXPECT_EQ(ladon__ntb_db_read(f.ntb, 1), 0x2u);
  EXPECT_EQ(f.msgs(), 0u);
  f.wr(f.b, kBar0B + LADON__NTB_REG_DB_MASK, 0x0u);
  EXPECT_EQ(f.msgs(), 1u);
}

TEST(NtbDoorbell, MaskedVectorSetsPendingBitThenSends) {
  DbFab f;
  ASSERT_NE(f.ntb, nullptr);
  f.setup_b(false);  // entry still masked, as after reset (§7.7.2.5)
  EXPECT_EQ(f.rd(f.b, kBar0B + LADON__NTB_REG_MSIX + 12), 1u);
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x1u);
  EXPECT_EQ(f.msgs(), 0u);
  EXPECT_EQ(f.rd(f.b, kBar0B + LADON__NTB_REG_PBA), 1u);
  f.wr(f.b, kBar0B + LADON__NTB_REG_MSIX + 12, 0);
  EXPECT_EQ(f.msgs(), 1u);
  EXPECT_EQ(f.rd(f.b, kBar0B + LADON__NTB_REG_PBA), 0u);
}

TEST(NtbDoorbell, NoMessageWithoutMsixEnable) {
  DbFab f;
  ASSERT_NE(f.ntb, nullptr);
  f.wr(f.b, kBar0B + LADON__NTB_REG_MSIX + 0, (uint32_t)DbFab::kMsiAddr);
  f.wr(f.b, kBar0B + LADON__NTB_REG_MSIX + 12, 0);
  f.wr(f.a, kBar0A + LADON__NTB_REG_PEER_DB, 0x1u);
  EXPECT_EQ(ladon__ntb_db_read(f.ntb, 1), 0x1u);  // the doorbell itself is set
  EXPECT_EQ(f.msgs(), 0u);
}
