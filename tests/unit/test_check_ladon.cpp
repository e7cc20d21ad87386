// The isolation checker on Ladon fabrics: VMs on compute hosts behind NTBs
// use VFs of the management host's NIC (the manager of src/fabric/ladon_*.c
// programs every table).  The NTB scenarios of the reference notes §5.4
// (T3, T4, T8, T9, T10, T15) and the mis-configurations "LUT entry left
// enabled" and "requester-ID alias missing on the CH IOMMU", each confirmed
// by the check's probes in the timed simulation.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

extern "C" {
#include "fabric/fabric_int.h"
#include "fabric/ladon_int.h"
#include "ladon/check.h"
#include "ladon/fabric.h"
#include "models/host.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "pcie/pci_regs.h"
}

namespace {

struct Opts {
  std::string ntb = R"("bar2_size": "8GiB", "bar4_size": "1MiB")";
  std::string ch = R"(, "iommu": true)";
  std::string tables;
  std::string nic;  // e.g. R"(, "vf_bar_size": "64KiB")"
  std::string vm_mem = "1GiB";
};

// MH (IOMMU) + switch + NIC; ch0 and ch1 behind ntb0 and ntb1; vm0 on ch0
// has vf0, vm1 on ch1 has vf1.
std::string Topology(const Opts &o) {
  return R"({
  "ladon": 1, "name": "check-ladon", "seed": 5,
  "defaults": {"link": {"gen": 3, "width": 8, "latency": "10ns"}},
  "components": {
    "mh": {"type": "host", "root_ports": 1, "memory": "16GiB", "cpus": 4, "iommu": true},
    "ch0": {"type": "host", "root_ports": 1, "memory": "8GiB", "cpus": 4)" + o.ch + R"(},
    "ch1": {"type": "host", "root_ports": 1, "memory": "8GiB", "cpus": 4)" + o.ch + R"(},
    "sw0": {"type": "switch", "downstream_ports": 3},
    "nic0": {"type": "sriov_nic", "total_vfs": 8, "num_vfs": 4)" + o.nic + R"(},
    "ntb0": {"type": "ntb", )" + o.ntb + R"(},
    "ntb1": {"type": "ntb", )" + o.ntb + R"(}
  },
  "links": [
    {"a": "mh.rp0", "b": "sw0.up"}, {"a": "sw0.d0", "b": "nic0.up"},
    {"a": "sw0.d1", "b": "ntb0.a"}, {"a": "ch0.rp0", "b": "ntb0.b"},
    {"a": "sw0.d2", "b": "ntb1.a"}, {"a": "ch1.rp0", "b": "ntb1.b"}
  ],
  "vms": {
    "vm0": {"host": "ch0", "memory": ")" + o.vm_mem + R"(", "vcpus": 2, "functions": ["nic0.vf0"]},
    "vm1": {"host": "ch1", "memory": ")" + o.vm_mem + R"(", "vcpus": 2, "functions": ["nic0.vf1"]}
  })" + (o.tables.empty() ? "" : ",\n  \"tables\": [" + o.tables + "]") + "\n}";
}

struct Checked {
  ladon_fabric *f = nullptr;
  ladon_check *c = nullptr;
  ladon_error err{};
  explicit Checked(const std::string &text, bool probes = true) {
    f = tmpf::LoadTopology(text, &err);
    if (f == nullptr) return;
    ladon_check_options o{};
    o.max_probes = 3000;
    o.no_probes = !probes;
    if (ladon_check_run(f, &o, &c, &err) != LADON_OK) c = nullptr;
  }
  ~Checked() {
    ladon_check_free(c);
    ladon_fabric_free(f);
  }
  uint32_t comp(const char *n) { return uint32_t(ladon__topo_find(f->topo, n)); }
  const ladon__lmgr_assign *assign(uint32_t vm) { return ladon__lmgr_find(f, vm, 0); }
  std::string vf(int k) {
    uint16_t r = ladon__sriov_fn_rid(
        ladon__sriov_fn_of(static_cast<ladon__sriov *>(f->inst[comp("nic0")]), k));
    char b[64];
    std::snprintf(b, sizeof b, "nic0.vf%d (%02x:%02x.%x)", k, r >> 8, (r >> 3) & 31, r & 7);
    return b;
  }
  const ladon_check_reach *at(const std::string &req, const char *access, uint64_t addr) {
    for (size_t i = 0; i < ladon_check_reach_count(c); i++) {
      const ladon_check_reach *r = ladon_check_reach_at(c, i);
      if (req == r->requester && std::string(access) == r->access && addr >= r->lo &&
          addr <= r->hi && r->lo != r->hi)
        return r;
    }
    return nullptr;
  }
  const ladon_check_reach *find(const std::function<bool(const ladon_check_reach *)> &pred) {
    for (size_t i = 0; i < ladon_check_reach_count(c); i++)
      if (pred(ladon_check_reach_at(c, i))) return ladon_check_reach_at(c, i);
    return nullptr;
  }
  int probes(const std::string &req, const char *access, uint64_t lo, uint64_t hi, int *agreed) {
    int n = 0;
    *agreed = 0;
    for (size_t i = 0; i < ladon_check_probe_count(c); i++) {
      const ladon_check_probe *p = ladon_check_probe_at(c, i);
      if (req == p->requester && std::string(access) == p->access && p->addr >= lo &&
          p->addr <= hi) {
        n++;
        if (p->agree) (*agreed)++;
      }
    }
    return n;
  }
};

Opts O(const std::string &ntb, const std::string &tables = "", bool ch_iommu = true) {
  Opts o;
  if (!ntb.empty()) o.ntb = ntb;
  o.tables = tables;
  if (!ch_iommu) o.ch = "";
  // LUT entries must not expose more than a VF BAR: 64 KiB VF BARs for
  // 32 MiB / 512 entries.
  // 32 MiB / 512 entries, and VMs small enough for the LUT (16 MiB).
  if (ntb.find("lut_entries") != std::string::npos) {
    o.nic = R"(, "vf_bar_size": "64KiB")";
    o.vm_mem = "16MiB";
  }
  return o;
}

bool Has(const char *s, const char *what) { return std::string(s).find(what) != std::string::npos; }

std::string Rid(uint16_t r) {
  char b[16];
  std::snprintf(b, sizeof b, "%02x:%02x.%x", r >> 8, (r >> 3) & 31, r & 7);
  return b;
}

constexpr uint64_t GiB = uint64_t(1) << 30;

}  // namespace

TEST(CheckLadon, ManagerProgrammedFabricHoldsAndEveryProbeAgrees) {
  Checked k(Topology({}));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  EXPECT_EQ(ladon_check_violation_count(k.c), 0u);
  ladon_check_summary s;
  ladon_check_summary_get(k.c, &s);
  EXPECT_GT(s.probes, 200u);
  EXPECT_EQ(s.disagreements, 0u);
  // vf0's DMA lands in vm0's memory on ch0, through the MH IOMMU, the MH
  // NT window, the requester-ID table and the CH IOMMU.
  const ladon_check_reach *r = k.at(k.vf(0), "write", 0);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(Has(r->target, "vm0 memory")) << r->target;
  EXPECT_TRUE(Has(r->target, "ch0 RAM")) << r->target;
  EXPECT_TRUE(Has(r->chain, "mh.iommu")) << r->chain;
  EXPECT_TRUE(Has(r->chain, "ntb0.a BAR2")) << r->chain;
  EXPECT_TRUE(Has(r->chain, "requester-ID entry")) << r->chain;
  EXPECT_TRUE(Has(r->chain, "ch0.iommu")) << r->chain;
}

// T3: vf0 (vm0 on ch0) writes straight at the MH-side NT window towards ch1:
// no MH IOMMU entry leads there, a fault with vf0's ID; nothing crosses.
TEST(CheckLadon, T3_VfWriteTowardsAnotherComputeHostFaultsAtTheMhIommu) {
  Checked k(Topology({}));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon__lmgr_assign *a1 = k.assign(1);
  ASSERT_NE(a1, nullptr);
  uint64_t win = a1->mh_win_base;
  const ladon_check_reach *r = k.at(k.vf(0), "write", win);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_STOP);
  EXPECT_EQ(r->fault_reason, 0x05);
  EXPECT_EQ(r->requester_id, k.assign(0)->vf_rid);
  EXPECT_TRUE(Has(r->target, "mh.iommu")) << r->target;
  EXPECT_FALSE(Has(r->chain, "ntb1")) << "nothing crossed: " << r->chain;
  int agreed, n = k.probes(k.vf(0), "write", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n);
}

// T4: a pass-through MH IOMMU domain for vf0 (compute hosts without an
// IOMMU, which is optional in design A): the same write now crosses ntb1 and
// lands in ch1's memory (vm1's): an isolation violation.
TEST(CheckLadon, T4_IdentityMhIommuLetsTheVfIntoAnotherHostAndIsReported) {
  Checked k(Topology(O("", R"({"table": "iommu", "host": "mh", "requester": "nic0.vf0", "identity": true})",
                       false)));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  EXPECT_FALSE(ladon_check_ok(k.c));
  const ladon_check_reach *v = k.find([&](const ladon_check_reach *r) {
    return k.vf(0) == r->requester && r->verdict == LADON_CHECK_VIOLATION &&
           Has(r->target, "vm1 memory") && Has(r->target, "ch1 RAM");
  });
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(Has(v->chain, "ntb1.a BAR2")) << v->chain;
  EXPECT_TRUE(Has(v->why, "another host")) << v->why;
  int agreed, n = k.probes(k.vf(0), "write", v->lo, v->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "the probe's data is in ch1's memory";
}

// T8: ch0's CPUs load from an NT-BAR offset whose LUT entry is disabled:
// UR, the CPU reads all ones (posted writes are dropped and counted).
TEST(CheckLadon, T8_ComputeHostMmioThroughADisabledLutEntryReadsAllOnes) {
  Checked k(Topology(O(R"("bar2_size": "32MiB", "lut_entries": 512)")));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  EXPECT_TRUE(ladon_check_ok(k.c));
  const ladon_check_reach *r = k.find([](const ladon_check_reach *x) {
    return std::string(x->requester) == "ch0 CPUs" && std::string(x->access) == "read" &&
           Has(x->target, "ntb0.b: LUT entry") && Has(x->target, "disabled");
  });
  ASSERT_NE(r, nullptr);
  int agreed, n = k.probes("ch0 CPUs", "read", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "the NTB counted a LUT error";
  // The load itself: UR, all ones.
  struct R {
    bool done = false;
    uint8_t status = 0;
    uint64_t v = 0;
  } res;
  ladon__host *ch0 = ladon__host_of(k.f->inst[k.comp("ch0")]);
  ASSERT_EQ(ladon__host_mmio_read(
                ch0, 1, r->lo, 4,
                [](void *ctx, uint8_t st, uint64_t v) {
                  auto *p = static_cast<R *>(ctx);
                  p->done = true, p->status = st, p->v = v;
                },
                &res),
            LADON_OK);
  ladon_fabric_run(k.f, ladon_sim_now(k.f->sim) + 50000000);
  ASSERT_TRUE(res.done);
  EXPECT_EQ(res.status, LADON_TLP_CPL_UR);
  EXPECT_EQ(res.v, 0xffffffffu);
}

// T9: ch0's IOMMU has no context for vf0's proxy ID (the single-alias case):
// vf0's DMA faults at ch0's IOMMU with the *proxy* ID, and vm0 loses its DMA.
TEST(CheckLadon, T9_MissingProxyAliasOnTheChIommuFaultsWithTheProxyId) {
  uint16_t proxy;
  {
    Checked k(Topology({}), false);
    ASSERT_NE(k.c, nullptr) << k.err.text;
    proxy = k.assign(0)->proxy_rid;
  }
  Checked k(Topology(O("", R"({"table": "iommu", "host": "ch0", "requester": ")" + Rid(proxy) +
                           R"(", "detach": true})")));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *r = k.at(k.vf(0), "write", 0);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_STOP);
  EXPECT_EQ(r->fault_reason, 0x02);
  EXPECT_EQ(r->requester_id, proxy) << "the CH sees the proxy, not the VF's ID";
  EXPECT_TRUE(Has(r->target, "ch0.iommu")) << r->target;
  EXPECT_EQ(r->verdict, LADON_CHECK_VIOLATION) << "vm0's own memory is unreachable";
  EXPECT_TRUE(Has(r->why, "cannot write vm0's own memory")) << r->why;
  int agreed, n = k.probes(k.vf(0), "write", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "ch0's IOMMU recorded the fault for the proxy ID";
}

// T10: ID protection on and vf0 not in ntb0's requester-ID table: its posted
// writes are dropped at the NT window, its reads still cross (ID protection
// ignores non-posted requests).
TEST(CheckLadon, T10_IdProtectionDropsUnlistedPostedWritesButNotReads) {
  unsigned entry;
  {
    Checked k(Topology(O(R"("bar2_size": "8GiB", "bar4_size": "1MiB", "id_protection": true)")), false);
    ASSERT_NE(k.c, nullptr) << k.err.text;
    entry = k.assign(0)->vf_rid_entry;
  }
  Checked k(Topology(O(R"("bar2_size": "8GiB", "bar4_size": "1MiB", "id_protection": true)",
                       R"({"table": "ntb_rid", "ntb": "ntb0", "side": "a", "index": )" +
                           std::to_string(entry) + R"(, "enable": false})")));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *w = k.at(k.vf(0), "write", 0);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->kind, LADON_CHECK_STOP);
  EXPECT_TRUE(Has(w->target, "ntb0.a: ID protection")) << w->target;
  // Reads cross as the NT endpoint itself (not listed); on ch0 its IOMMU
  // has no context for that ID, so they end there -- past the NTB.
  const ladon_check_reach *rd = k.at(k.vf(0), "read", 0);
  ASSERT_NE(rd, nullptr);
  EXPECT_TRUE(Has(rd->chain, "ntb0.a requester")) << rd->chain;
  EXPECT_TRUE(Has(rd->chain, "not listed: crosses as")) << rd->chain;
  EXPECT_TRUE(Has(rd->target, "ch0")) << rd->target;
  int agreed, n = k.probes(k.vf(0), "write", w->lo, w->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "the NTB counted requester-ID errors";
}

// Mis-configuration: a CH-side LUT entry left enabled onto the BAR of a VF
// that ch0's VMs were not given (vf2): ch0's CPUs can reach it.
TEST(CheckLadon, LutEntryLeftEnabledIsReported) {
  uint64_t bar;
  unsigned idx;
  {
    Checked k(Topology(O(R"("bar2_size": "32MiB", "lut_entries": 512)")), false);
    ASSERT_NE(k.c, nullptr) << k.err.text;
    const ladon__lmgr_assign *a = k.assign(0);
    idx = a->ch_lut_first + a->ch_lut_n + 3;
    const ladon_check_reach *r = k.find([](const ladon_check_reach *x) {
      return std::string(x->requester) == "mh CPUs" && Has(x->target, "nic0.vf2 BAR0");
    });
    ASSERT_NE(r, nullptr);
    bar = r->lo;
  }
  char x[32];
  std::snprintf(x, sizeof x, "0x%llx", (unsigned long long)bar);
  Checked k(Topology(O(R"("bar2_size": "32MiB", "lut_entries": 512)",
                       R"({"table": "ntb_lut", "ntb": "ntb0", "side": "b", "index": )" +
                           std::to_string(idx) + R"(, "enable": true, "xlate": ")" + x + "\"}")));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *v = k.find([](const ladon_check_reach *r) {
    return std::string(r->requester) == "ch0 CPUs" && r->verdict == LADON_CHECK_VIOLATION &&
           Has(r->target, "nic0.vf2 BAR0");
  });
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(Has(v->chain, ("ntb0.b BAR2 LUT entry " + std::to_string(idx)).c_str())) << v->chain;
  int agreed, n = k.probes("ch0 CPUs", "write", v->lo, v->hi, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "the store reached vf2's registers";
}

// T15: the VM's configuration write to a field only the PF driver may change
// (the VF's BAR is read-only in a VF anyway; here the SR-IOV-unsafe Command
// Memory Space bit) is refused by the MH proxy; the check stays clean.
TEST(CheckLadon, T15_ConfigProxyFiltersUnsafeWritesAndIsolationHolds) {
  Checked k(Topology({}), false);
  ASSERT_NE(k.c, nullptr) << k.err.text;
  struct R {
    bool done = false;
    ladon_status st = LADON_OK;
  } res;
  auto cb = [](void *ctx, ladon_status st, uint32_t) {
    auto *p = static_cast<R *>(ctx);
    p->done = true, p->st = st;
  };
  ASSERT_EQ(ladon__lmgr_cfg_write(k.f, 0, PCI_BASE_ADDRESS_0, 4, 0xdead0000u, cb, &res), LADON_OK);
  while (!res.done && ladon_sim_step(k.f->sim)) {
  }
  ASSERT_TRUE(res.done);
  EXPECT_NE(res.st, LADON_OK) << "a BAR write is not VF-safe";
  ladon_check *c = nullptr;
  ladon_check_options o{};
  o.max_probes = 500;
  ASSERT_EQ(ladon_check_run(k.f, &o, &c, nullptr), LADON_OK);
  EXPECT_TRUE(ladon_check_ok(c));
  ladon_check_free(c);
}
