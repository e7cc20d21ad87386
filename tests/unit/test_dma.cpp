// A function's DMA engine, driven through the SR-IOV endpoint against a
// fake root port: request splitting at MPS / MRRS and never across 4 KiB
// (PCIe Base 5.0 §2.2.7, §7.5.3.4), the tag limit (§2.2.6.2), reassembly
// of RCB-split completions with byte count / lower address checks
// (§2.3.1.1), error completions and the completion timeout (§2.8), and the
// transmit path's timing.
#include "test_sriov_harness.h"


namespace {

using st::Fixture;

constexpr uint64_t kBar = 0x80000000ull;
constexpr uint64_t kVfBar = 0x90000000ull;

struct Done {
  std::vector<ladon__dma_result> r;
  static void cb(void *ctx, const ladon__dma_result *res) {
    static_cast<Done *>(ctx)->r.push_back(*res);
  }
};

ladon__dma_xfer xfer(ladon__dma_op op, uint64_t addr, uint32_t bytes, Done *d,
                     uint8_t *rbuf = nullptr, const uint8_t *wdata = nullptr) {
  ladon__dma_xfer x;
  std::memset(&x, 0, sizeof x);
  x.op = op;
  x.addr = addr;
  x.bytes = bytes;
  x.read_buf = rbuf;
  x.write_data = wdata;
  x.done = Done::cb;
  x.ctx = d;
  return x;
}

ladon__dma *dma_of(Fixture &f, uint32_t fn) {
  return ladon__sriov_fn_dma(ladon__sriov_fn_at(f.dev, fn));
}

// The pieces a request stream must have: each ends at the next multiple of
// `limit` or at the end (limit divides 4096, so never across 4 KiB).
std::vector<std::pair<uint64_t, uint32_t>> expected_pieces(uint64_t a, uint32_t n,
                                                           uint32_t limit) {
  std::vector<std::pair<uint64_t, uint32_t>> v;
  uint64_t end = a + n;
  while (a < end) {
    uint64_t next = (a / limit + 1) * limit;
    uint64_t e = next < end ? next : end;
    v.push_back({a, (uint32_t)(e - a)});
    a = e;
  }
  return v;
}

TEST(Dma, WritesSplitAtMaxPayloadSizeAndCarryTheBytes) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1, /*mps=*/256);
  Done d;
  std::vector<uint8_t> src(1000);
  for (size_t i = 0; i < src.size(); i++) src[i] = (uint8_t)(i * 7 + 3);
  const uint64_t a = 0x10000f82ull; // unaligned, 126 B below a 4 KiB boundary
  ladon__dma_xfer x = xfer(LADON__DMA_WRITE, a, 1000, &d, nullptr, src.data());
  ASSERT_EQ(ladon__dma_submit(dma_of(f, 1), &x, nullptr), LADON_OK);
  f.drain();
  std::vector<const st::Rx *> w = f.host.of_type(LADON_TLP_MWR);
  auto want = expected_pieces(a, 1000, 256);
  // 0x10000f82..0x10001000 (126), then 256, 256, 256, and 106 bytes.
  ASSERT_EQ(want.size(), 5u);
  ASSERT_EQ(w.size(), want.size());
  for (size_t i = 0; i < w.size(); i++) {
    const ladon_tlp &h = w[i]->h;
    uint32_t bytes = ladon_tlp_request_bytes(&h);
    uint64_t first = h.addr + (h.first_be & 1 ? 0 : h.first_be & 2 ? 1 : h.first_be & 4 ? 2 : 3);
    EXPECT_EQ(first, want[i].first) << i;
    EXPECT_EQ(bytes, want[i].second) << i;
    EXPECT_LE(h.length_dw * 4u, 256u) << "payload within MPS";
    EXPECT_EQ(first / 4096, (first + bytes - 1) / 4096) << "no 4 KiB crossing";
    EXPECT_EQ(h.req_id, f.vf(1));
  }
  for (size_t i = 0; i < src.size(); i++) ASSERT_EQ(f.host.byte(a + i), src[i]) << i;
  ASSERT_EQ(d.r.size(), 1u);
  EXPECT_EQ(d.r[0].status, LADON__DMA_OK);
  EXPECT_EQ(d.r[0].tlps, 5u);
}

TEST(Dma, ReadsSplitAtMaxReadRequestSizeAndAt4KiB) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1, /*mps=*/256, /*mrrs=*/4096);
  Done d;
  // 4096 B from 2 KiB into a page: MRRS allows 4096, but the 4 KiB boundary
  // splits it into two reads of 2048 (§2.2.7).
  ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x30000800ull, 4096, &d);
  ASSERT_EQ(ladon__dma_submit(dma_of(f, 1), &x, nullptr), LADON_OK);
  f.drain();
  std::vector<const st::Rx *> r = f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]->h.addr, 0x30000800ull);
  EXPECT_EQ(r[0]->h.length_dw, 512u);
  EXPECT_EQ(r[1]->h.addr, 0x30001000ull);
  EXPECT_EQ(r[1]->h.length_dw, 512u);
  EXPECT_NE(r[0]->h.tag, r[1]->h.tag);
  // MRRS 512: 2000 B at ...0104 ends at multiples of 512.
  f.set_devctl(f.vf(1), f.find_cap(f.vf(1), PCI_CAP_ID_EXP), 256, 512);
  x = xfer(LADON__DMA_READ, 0x20000104ull, 2000, &d);
  ASSERT_EQ(ladon__dma_submit(dma_of(f, 1), &x, nullptr), LADON_OK);
  f.drain();
  r = f.host.of_type(LADON_TLP_MRD);
  auto want = expected_pieces(0x20000104ull, 2000, 512);
  ASSERT_EQ(r.size(), 2 + want.size());
  for (size_t i = 0; i < want.size(); i++) {
    const ladon_tlp &h = r[2 + i]->h;
    EXPECT_EQ(ladon_tlp_request_bytes(&h), want[i].second);
    EXPECT_LE(h.length_dw * 4u, 512u);
    EXPECT_EQ(h.flags & LADON_TLP_F_ADDR64, 0u) << "below 4 GiB: 3 DW header";
  }
  ASSERT_EQ(d.r.size(), 2u);
  EXPECT_EQ(d.r[1].status, LADON__DMA_OK);
  // Above 4 GiB the 4 DW header is used (§2.2.4.1).
  x = xfer(LADON__DMA_READ, 0x100000000ull, 64, &d);
  ladon__dma_submit(dma_of(f, 1), &x, nullptr);
  f.drain();
  EXPECT_NE(f.host.of_type(LADON_TLP_MRD).back()->h.flags & LADON_TLP_F_ADDR64, 0u);
}

// RCB-split completions are reassembled: the bytes the fake memory served
// are exactly the bytes the transfer returns.
TEST(Dma, ReassemblesRcbSplitCompletionsByteExact) {
  for (uint32_t rcb : {64u, 128u}) {
    Fixture f;
    f.enumerate(kBar, kVfBar, 2, /*mps=*/256, /*mrrs=*/512);
    f.host.rcb = rcb;
    f.host.cpl_max = rcb; // one RCB per completion, as many root complexes do
    ladon_rng g;
    ladon_rng_seed(&g, 42);
    const uint64_t a = 0x40000013ull;
    const uint32_t n = 1500;
    for (uint32_t i = 0; i < n + 8; i++) f.host.mem[a - 4 + i] = (uint8_t)ladon_rng_u64(&g);
    std::vector<uint8_t> buf(n, 0xee);
    Done d;
    ladon__dma_xfer x = xfer(LADON__DMA_READ, a, n, &d, buf.data());
    ASSERT_EQ(ladon__dma_submit(dma_of(f, 2), &x, nullptr), LADON_OK);
    f.drain();
    ASSERT_EQ(d.r.size(), 1u);
    EXPECT_EQ(d.r[0].status, LADON__DMA_OK);
    for (uint32_t i = 0; i < n; i++) ASSERT_EQ(buf[i], f.host.byte(a + i)) << "byte " << i;
    // More completions than requests: the split really happened.
    EXPECT_GT(f.host.of_type(LADON_TLP_CPLD).size() + 0u, 0u);
    ladon__dma_counts k;
    ladon__dma_counts_get(dma_of(f, 2), &k);
    EXPECT_EQ(k.reads, expected_pieces(a, n, 512).size());
    EXPECT_EQ(k.cpl_malformed, 0u);
  }
}

TEST(Dma, TagLimitIsNeverExceeded) {
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  c.dma_tags = 8;
  Fixture f(&c);
  f.enumerate(kBar, kVfBar, 1);
  f.host.read_latency = LADON_US(2);
  Done d;
  ladon__dma *e = dma_of(f, 1);
  for (int i = 0; i < 40; i++) {
    ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x50000000ull + 64u * i, 64, &d);
    ladon__dma_submit(e, &x, nullptr);
  }
  while (d.r.size() < 40 && ladon_sim_step(f.sim)) ASSERT_LE(ladon__dma_outstanding(e), 8u);
  // Seen from the root port: never two requests with one tag in flight, and
  // never more than 8 requests between arrival and last completion.
  EXPECT_EQ(f.host.tag_reuse, 0);
  EXPECT_LE(f.host.max_live, 8u);
  EXPECT_GE(f.host.max_live, 7u) << "the limit was actually reached";
  EXPECT_EQ(d.r.size(), 40u);
  ladon__dma_counts k;
  ladon__dma_counts_get(dma_of(f, 1), &k);
  EXPECT_EQ(k.max_outstanding, 8u);
}

// Without Extended Tag Field Enable only 32 tags (5 bits) exist; 10-Bit
// Tag Requester Enable gives 256..1023 (§2.2.6.2).
TEST(Dma, TagFieldSizeFollowsDeviceControl) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1);
  f.host.answer_reads = false;
  uint16_t exp = f.find_cap(f.pf(), PCI_CAP_ID_EXP);
  f.set_devctl(f.pf(), exp, 256, 512, /*extra=*/0); // Extended Tag off
  ladon__dma *pf = dma_of(f, 0);
  EXPECT_EQ(ladon__dma_tag_limit(pf), 32u);
  Done d;
  for (int i = 0; i < 40; i++) {
    ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x60000000ull + 64u * i, 64, &d);
    ladon__dma_submit(pf, &x, nullptr);
  }
  f.run_for(LADON_US(5));
  auto r = f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(r.size(), 32u);
  for (auto *p : r) EXPECT_LT(p->h.tag, 32u);
  // The VF: 10-bit tags come from VF 10-Bit Tag Requester Enable in the PF.
  ladon__dma *v1 = dma_of(f, 1);
  EXPECT_EQ(ladon__dma_tag_limit(v1), 256u); // dma_tags 256, Extended Tag on
  uint16_t sr = f.find_ext(f.pf(), PCI_EXT_CAP_ID_SRIOV);
  f.wr16(f.pf(), sr + PCI_SRIOV_CTRL,
         PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_VF_10BIT_TAG_REQ_EN);
  EXPECT_EQ(ladon__dma_tag_limit(v1), 256u); // min(dma_tags 256, 768)
  for (int i = 0; i < 4; i++) {
    ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x61000000ull + 64u * i, 64, &d);
    ladon__dma_submit(v1, &x, nullptr);
  }
  f.run_for(LADON_US(5));
  r = f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(r.size(), 36u);
  for (size_t i = 32; i < 36; i++) {
    EXPECT_GE(r[i]->h.tag, 256u);
    EXPECT_LE(r[i]->h.tag, 1023u);
    EXPECT_EQ(r[i]->h.req_id, f.vf(1));
  }
}

TEST(Dma, ErrorCompletionsEndTransfersAndAreCounted) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1);
  Done d;
  ladon__dma *e = dma_of(f, 1);
  f.host.read_status = LADON_TLP_CPL_UR;
  ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x70000000ull, 64, &d);
  ladon__dma_submit(e, &x, nullptr);
  f.drain();
  f.host.read_status = LADON_TLP_CPL_CA;
  ladon__dma_submit(e, &x, nullptr);
  f.drain();
  f.host.read_status = LADON_TLP_CPL_SC;
  // A completion whose Lower Address is not the next byte is malformed.
  f.host.mangle = [](ladon_tlp *c) { c->lower_addr = (uint8_t)((c->lower_addr + 4) & 0x7f); };
  ladon__dma_submit(e, &x, nullptr);
  f.drain();
  // So is one whose Byte Count is not what is left.
  f.host.mangle = [](ladon_tlp *c) { c->byte_count = (uint16_t)(c->byte_count - 4); c->length_dw--; };
  ladon__dma_submit(e, &x, nullptr);
  f.drain();
  f.host.mangle = nullptr;
  ladon__dma_submit(e, &x, nullptr);
  f.drain();
  ASSERT_EQ(d.r.size(), 5u);
  EXPECT_EQ(d.r[0].status, LADON__DMA_UR);
  EXPECT_EQ(d.r[1].status, LADON__DMA_CA);
  EXPECT_EQ(d.r[2].status, LADON__DMA_MALFORMED);
  EXPECT_EQ(d.r[3].status, LADON__DMA_MALFORMED);
  EXPECT_EQ(d.r[4].status, LADON__DMA_OK);
  ladon__dma_counts k;
  ladon__dma_counts_get(e, &k);
  EXPECT_EQ(k.cpl_ur, 1u);
  EXPECT_EQ(k.cpl_ca, 1u);
  EXPECT_EQ(k.cpl_malformed, 2u);
  EXPECT_EQ(st::counter(f.sim, "nic0.vf0.dma.cpl_ur"), 1u);
  EXPECT_EQ(ladon__dma_outstanding(e), 0u) << "every tag came back";
}

TEST(Dma, CompletionTimeoutFreesTheTagAndLateCompletionsAreUnexpected) {
  ladon__sriov_config c;
  ladon__sriov_config_default(&c);
  c.cpl_timeout_ps = LADON_US(50);
  c.dma_tags = 2;
  Fixture f(&c);
  f.enumerate(kBar, kVfBar, 1);
  f.host.read_latency = LADON_US(80); // later than the timeout
  Done d;
  ladon__dma *e = dma_of(f, 1);
  ladon__dma_xfer x = xfer(LADON__DMA_READ, 0x70000000ull, 64, &d);
  ladon__dma_submit(e, &x, nullptr);
  f.run_for(LADON_US(49));
  EXPECT_TRUE(d.r.empty());
  EXPECT_EQ(ladon__dma_outstanding(e), 1u);
  f.run_for(LADON_US(2));
  ASSERT_EQ(d.r.size(), 1u);
  EXPECT_EQ(d.r[0].status, LADON__DMA_TIMEOUT);
  // §2.8: the timeout runs from the request: 50 us after its issue.
  EXPECT_EQ(d.r[0].t_done_ps - d.r[0].t_first_ps, LADON_US(50));
  EXPECT_EQ(ladon__dma_outstanding(e), 0u) << "the tag is free again";
  ladon__dma_submit(e, &x, nullptr);
  f.drain(LADON_US(300));
  auto r = f.host.of_type(LADON_TLP_MRD);
  ASSERT_EQ(r.size(), 2u);
  // A freed tag goes to the back of the free list, so the late completion
  // of the first request cannot complete the second.
  EXPECT_NE(r[0]->h.tag, r[1]->h.tag);
  ASSERT_EQ(d.r.size(), 2u);
  EXPECT_EQ(d.r[1].status, LADON__DMA_TIMEOUT);
  ladon__dma_counts k;
  ladon__dma_counts_get(e, &k);
  EXPECT_EQ(k.cpl_timeouts, 2u);
  EXPECT_EQ(k.cpl_unexpected, 2u) << "the late completions match no outstanding tag";
}

TEST(Dma, NothingIsIssuedWithoutBusMasterEnable) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1, 256, 512, /*bus_master=*/false);
  Done d;
  ladon__dma_xfer x = xfer(LADON__DMA_WRITE, 0x70000000ull, 64, &d);
  ladon__dma_submit(dma_of(f, 0), &x, nullptr);
  f.drain(LADON_US(10));
  EXPECT_TRUE(f.host.of_type(LADON_TLP_MWR).empty());
  f.wr16(f.pf(), PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  f.drain(LADON_US(10));
  EXPECT_EQ(f.host.of_type(LADON_TLP_MWR).size(), 1u);
  EXPECT_EQ(d.r.size(), 1u);
}

// A write is done when its last TLP has left the transmit path: a 64 B
// write to a 32-bit address is 12 B of header + 64 B = 76 B, 3 cycles of a
// 32 B datapath at 250 MHz = 12 ns from the first clock edge after submit.
TEST(Dma, WriteCompletesWhenSerialisedAtTheDevice) {
  Fixture f;
  f.enumerate(kBar, kVfBar, 1);
  f.drain();
  f.run_for(1234); // off the clock grid
  ladon_time_ps t = ladon_sim_now(f.sim);
  Done d;
  ladon__dma_xfer x = xfer(LADON__DMA_WRITE, 0x70000000ull, 64, &d);
  ladon__dma_submit(dma_of(f, 1), &x, nullptr);
  f.drain();
  ASSERT_EQ(d.r.size(), 1u);
  ladon_time_ps edge = (t + 3999) / 4000 * 4000;
  EXPECT_EQ(d.r[0].t_first_ps, edge);
  EXPECT_EQ(d.r[0].t_done_ps, edge + 3 * 4000);
  // Two 256 B writes back to back: (12 + 256) / 32 = 8.375 -> 9 cycles each.
  ladon_time_ps t2 = ladon_sim_now(f.sim);
  ladon__dma_xfer y = xfer(LADON__DMA_WRITE, 0x70001000ull, 512, &d);
  ladon__dma_submit(dma_of(f, 1), &y, nullptr);
  f.drain();
  ASSERT_EQ(d.r.size(), 2u);
  ladon_time_ps e2 = (t2 + 3999) / 4000 * 4000;
  EXPECT_EQ(d.r[1].t_done_ps, e2 + 2 * 9 * 4000);
}

// An owner that ends write transfers itself (ladon__dma_commit_held, what
// the SR-IOV egress does when its own event at the TLP's end is next): the
// transfer's callback runs at ladon__dma_end(), with that call's time, and
// the engine schedules nothing of its own; ladon__dma_commit() ends it by an
// event at the end time; a held transfer never ended is dropped with the
// engine, without a callback, like any pending transfer.
TEST(Dma, HeldWriteEndsWhenTheOwnerEndsIt) {
  ladon_sim_config sc{};
  ladon_sim *sim = ladon_sim_new(&sc, nullptr);
  ladon__dma_config dc{};
  dc.max_tags = 32;
  dc.cpl_timeout_ps = LADON_MS(50);
  ladon_error err{};
  ladon__dma *m = ladon__dma_new(sim, "e", &dc, &err);
  ASSERT_NE(m, nullptr);
  ladon__dma_settings s{};
  s.mps_bytes = 256;
  s.mrrs_bytes = 512;
  s.bus_master = true;
  ladon__dma_set(m, &s);
  Done d;
  auto issue_one = [&](uint64_t addr) {
    ladon__dma_xfer x = xfer(LADON__DMA_WRITE, addr, 64, &d);
    ASSERT_EQ(ladon__dma_submit(m, &x, nullptr), LADON_OK);
    ladon_tlp *t = ladon__dma_issue(m);
    ASSERT_NE(t, nullptr);
    ladon_tlp_free(t);
  };
  issue_one(0x1000);
  ladon__dma_commit_held(m, 5000, true);
  EXPECT_EQ(ladon_sim_next_time(sim), LADON_TIME_NEVER);  // no event of its own
  ladon_sim_run_until(sim, 5000);
  EXPECT_TRUE(d.r.empty());
  ladon__dma_end(m);
  ASSERT_EQ(d.r.size(), 1u);
  EXPECT_EQ(d.r[0].t_done_ps, 5000u);
  EXPECT_EQ(d.r[0].status, LADON__DMA_OK);
  ladon__dma_end(m);  // nothing held any more
  EXPECT_EQ(d.r.size(), 1u);
  issue_one(0x2000);
  ladon__dma_commit(m, 9000, true);
  EXPECT_EQ(ladon_sim_next_time(sim), 9000u);
  ladon_sim_run_until(sim, 9000);
  ASSERT_EQ(d.r.size(), 2u);
  EXPECT_EQ(d.r[1].t_done_ps, 9000u);
  issue_one(0x3000);
  ladon__dma_commit_held(m, 13000, true);
  EXPECT_EQ(ladon__dma_pending(m), 1u);
  ladon__dma_free(m);
  EXPECT_EQ(d.r.size(), 2u);
  ladon_sim_free(sim);
}

} // namespace

namespace {

// Every TLP the device allocates is freed by whoever ends its life: after
// a run with reads, writes, MMIO, config requests and errors, none is left.
TEST(Dma, NoTlpOutlivesItsRun) {
  int64_t before = ladon_tlp_live();
  {
    Fixture f;
    f.enumerate(kBar, kVfBar, 2);
    Done d;
    for (int i = 0; i < 50; i++) {
      ladon__dma_xfer x =
          xfer(i % 2 ? LADON__DMA_WRITE : LADON__DMA_READ, 0x70000000ull + 512u * i, 300, &d);
      ladon__dma_submit(dma_of(f, 1 + i % 2), &x, nullptr);
    }
    f.mmio_write32(kBar + 8, 1);
    f.mmio_read(kBar + 0x7fffffff0ull, 4); // UR
    f.drain();
    EXPECT_EQ(d.r.size(), 50u);
  }
  EXPECT_EQ(ladon_tlp_live(), before);
}

} // namespace
