// Whole fabrics from topology text: enumeration, VF assignment through the
// IOMMU, data landing in the right VM's memory, and blocked DMA.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "fabric/fabric_int.h"
#include "ladon/fabric.h"
#include "ladon/rng.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/workload.h"
}

namespace {

// One host with an IOMMU, a switch, and an SR-IOV NIC; two VMs with a VF
// each.  `workloads` is spliced in.
std::string Topology(const std::string &workloads) {
  return R"({
  "ladon": 1, "name": "t", "seed": 3,
  "components": {
    "mh": {"type": "host", "root_ports": 1, "memory": "8GiB", "iommu": true},
    "sw0": {"type": "switch", "downstream_ports": 2},
    "nic0": {"type": "sriov_nic", "total_vfs": 4, "num_vfs": 2}
  },
  "links": [{"a": "mh.rp0", "b": "sw0.up"}, {"a": "sw0.d1", "b": "nic0.up"}],
  "vms": {
    "vm0": {"host": "mh", "memory": "1GiB", "functions": ["nic0.vf0"]},
    "vm1": {"host": "mh", "memory": "1GiB", "functions": ["nic0.vf1"]}
  },
  "workloads": {)" + workloads + R"(}
})";
}

struct Loaded {
  ladon_fabric *f = nullptr;
  ladon_error err{};
  explicit Loaded(const std::string &text) {
    f = tmpf::LoadTopology(text, &err);
  }
  ~Loaded() { ladon_fabric_free(f); }
  ladon__host *host() { return ladon__host_of(f->inst[ladon__topo_find(f->topo, "mh")]); }
};

uint8_t Key(const char *workload) {
  return uint8_t(ladon_hash_string(workload) & 0xff);
}

TEST(Fabric, EnumerationGivesVfsDistinctRequesterIdsAndBars) {
  Loaded l(Topology(""));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__enum_fn *pf = ladon__fabric_pf(l.f, uint32_t(ladon__topo_find(l.f->topo, "nic0")));
  ASSERT_NE(pf, nullptr);
  // Depth-first numbering as firmware does it: root port 00:01.0 -> bus 1
  // (switch upstream port) -> bus 2 (internal bus); downstream port d0 at
  // 02:00.0 gets bus 3 although nothing is behind it, d1 at 02:01.0 gets
  // bus 4, where the NIC answers.
  EXPECT_EQ(pf->bdf, 0x0400);
  EXPECT_EQ(pf->num_vfs, 2);
  EXPECT_NE(pf->vf_bars[0].size, 0u);
  EXPECT_EQ(pf->vf_bars[0].addr % pf->vf_bars[0].size, 0u);  // naturally aligned
  EXPECT_NE(pf->bars[0].addr, 0u);
}

TEST(Fabric, VfWritesLandInTheirOwnVmAndNowhereElse) {
  Loaded l(Topology(R"(
    "w0": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
           "size": "256B", "count": 64, "window": "0x100000+16KiB"},
    "w1": {"type": "dma", "on": "nic0.vf1", "target": "vm1", "op": "write",
           "size": "256B", "count": 64, "window": "0x100000+16KiB"})"));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  ladon_fabric_run(l.f, LADON_TIME_NEVER);
  ladon__host *h = l.host();
  ladon__host_vm *vm0 = ladon__host_vm_find(h, "vm0"), *vm1 = ladon__host_vm_find(h, "vm1");
  ASSERT_TRUE(vm0 && vm1);
  // The same guest physical window in both VMs holds each flow's own
  // pattern: the IOMMU sent each VF to its own VM's host pages.
  for (auto [vm, name] : {std::pair{vm0, "w0"}, std::pair{vm1, "w1"}}) {
    uint64_t hpa = 0;
    ASSERT_EQ(ladon_imap_translate(ladon__host_vm_ept(vm), 0x100000, 16384, LADON_IMAP_R, &hpa,
                                   nullptr),
              LADON_IMAP_HIT);
    std::vector<uint8_t> got(16384);
    ASSERT_EQ(ladon__host_mem_read(h, hpa, got.data(), got.size()), LADON_OK);
    for (uint64_t i = 0; i < got.size(); i++)
      ASSERT_EQ(got[i], ladon__workload_pattern_byte(Key(name), 0x100000 + i))
          << name << " byte " << i;
  }
  FILE *out = std::tmpfile();
  ASSERT_EQ(ladon_fabric_write_stats_json(l.f, nullptr, out), LADON_OK);
  std::fclose(out);
}

TEST(Fabric, DmaBeyondTheVmIsBlockedAtTheIommuWithTheVfsRequesterId) {
  // vm0 has 1 GiB; the window starts at 1 GiB: no page of vm0 is there.
  Loaded l(Topology(R"(
    "bad": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
            "size": "64B", "count": 4, "window": "0x40000000+4KiB"})"));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  ladon_fabric_run(l.f, LADON_TIME_NEVER);
  ladon__iommu *m = ladon__host_iommu(l.host());
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(ladon__iommu_fault_count(m), 4u);
  const ladon__enum_fn *pf = ladon__fabric_pf(l.f, uint32_t(ladon__topo_find(l.f->topo, "nic0")));
  uint16_t vf0 = uint16_t(pf->bdf + pf->vf_offset);
  for (size_t i = 0; i < 4; i++) {
    const ladon__iommu_fault *x = ladon__iommu_fault_at(m, i);
    EXPECT_EQ(x->requester_id, vf0);
    EXPECT_EQ(x->reason, 0x05);  // write to a page without W (not present)
    EXPECT_EQ(x->write, 1);
    EXPECT_GE(x->address, 0x40000000u);
  }
}

TEST(Fabric, BadInputNamesFileLineColumnAndPath) {
  Loaded l(R"({"ladon": 1, "components": {"mh": {"type": "host", "memory": "16Gib"}}, "links": []})");
  ASSERT_EQ(l.f, nullptr);
  EXPECT_EQ(l.err.line, 1);
  EXPECT_GT(l.err.column, 1);
  std::string text = l.err.text;
  EXPECT_NE(text.find("$.components.mh.memory"), std::string::npos) << text;
}

}  // namespace

// Without a stop time the simulation ends when the work is done: pending
// completion timeouts of requests that completed long ago (50 ms for the
// host's MMIO reads, 10 ms for the device's DMA reads) keep nothing alive.
TEST(Fabric, RunWithoutStopTimeEndsWhenTheWorkIsDone) {
  Loaded l(Topology(R"(
    "rd": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "read",
           "size": "512B", "count": 32})"));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  ladon_sim *sim = ladon_fabric_sim(l.f);
  while (ladon_sim_step(sim)) {
  }  // now: the time of the last event
  const ladon_stat *last = ladon_stats_find(ladon_sim_stats(sim), "flow.rd.last_done_ps");
  ASSERT_NE(last, nullptr);
  uint64_t done_ps = ladon_counter_value(ladon_stat_as_counter(last));
  ASSERT_GT(done_ps, 0u);
  EXPECT_EQ(ladon_sim_pending(sim), 0u);
  // After the last completion only the link layer's last Ack and UpdateFC
  // DLLPs remain: an UpdateFC refresh is due at most 30 us after the last
  // one (PCIe Base 5.0 §2.6.1.2; src/pcie/link_fc.c).
  EXPECT_LT(ladon_sim_now(sim), done_ps + LADON_US(31));
}
