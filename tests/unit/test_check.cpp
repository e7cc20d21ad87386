// The isolation checker on single-host fabrics (src/fabric/check*.c): the
// attack scenarios of the reference notes §5.4 that need no NTB (T1, T2, T5,
// T6, T7, T11, T12) and the mis-configurations a topology's "tables" key
// expresses.  Every expectation is the outcome the notes' table states
// (blocked where, fault reason, source ID), read from the check's records,
// and confirmed by the check's probes in the timed simulation.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

extern "C" {
#include "fabric/fabric_int.h"
#include "ladon/check.h"
#include "ladon/fabric.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/sriov.h"
}

namespace {

// One host (IOMMU, 4 cores), a switch with two NICs on two ports (two buses:
// requester IDs of one NIC are not on the other's bus).  vmA (1 GiB) has
// nic0.vf3, vmB (2 GiB) has nic0.vf1, vmC (1 GiB) has nic1.vf0.  vCPUs are
// pinned round-robin: vmA cores 0-1, vmB cores 2-3, vmC cores 0-1.
std::string Topology(const std::string &tables = "") {
  return R"({
  "ladon": 1, "name": "check", "seed": 7,
  "components": {
    "mh": {"type": "host", "root_ports": 1, "memory": "16GiB", "cpus": 4, "iommu": true},
    "sw0": {"type": "switch", "downstream_ports": 2},
    "nic0": {"type": "sriov_nic", "total_vfs": 8, "num_vfs": 4},
    "nic1": {"type": "sriov_nic", "total_vfs": 8, "num_vfs": 2}
  },
  "links": [{"a": "mh.rp0", "b": "sw0.up"}, {"a": "sw0.d0", "b": "nic0.up"},
            {"a": "sw0.d1", "b": "nic1.up"}],
  "vms": {
    "vmA": {"host": "mh", "memory": "1GiB", "vcpus": 2, "functions": ["nic0.vf3"]},
    "vmB": {"host": "mh", "memory": "2GiB", "vcpus": 2, "functions": ["nic0.vf1"]},
    "vmC": {"host": "mh", "memory": "1GiB", "vcpus": 2, "functions": ["nic1.vf0"]}
  })" + (tables.empty() ? "" : ",\n  \"tables\": [" + tables + "]") + "\n}";
}

struct Checked {
  ladon_fabric *f = nullptr;
  ladon_check *c = nullptr;
  ladon_error err{};
  explicit Checked(const std::string &text, uint32_t probes = 3000) {
    f = tmpf::LoadTopology(text, &err);
    if (f == nullptr) return;
    ladon_check_options o{};
    o.max_probes = probes;
    if (ladon_check_run(f, &o, &c, &err) != LADON_OK) c = nullptr;
  }
  ~Checked() {
    ladon_check_free(c);
    ladon_fabric_free(f);
  }
  uint32_t comp(const char *n) { return uint32_t(ladon__topo_find(f->topo, n)); }
  uint16_t rid(const char *dev, int vf) {
    return ladon__sriov_fn_rid(ladon__sriov_fn_of(
        static_cast<ladon__sriov *>(f->inst[comp(dev)]), vf));
  }
  // The record of `requester` (exact name) and `access` holding `addr`.
  const ladon_check_reach *at(const std::string &requester, const char *access, uint64_t addr) {
    for (size_t i = 0; i < ladon_check_reach_count(c); i++) {
      const ladon_check_reach *r = ladon_check_reach_at(c, i);
      // (A forged ID's "not stopped" record spans everything: skip it.)
      if (requester == r->requester && std::string(access) == r->access && addr >= r->lo &&
          addr <= r->hi && r->lo != r->hi &&
          std::string(r->target).rfind("any address", 0) != 0)
        return r;
    }
    return nullptr;
  }
  const ladon_check_reach *find(const std::function<bool(const ladon_check_reach *)> &pred) {
    for (size_t i = 0; i < ladon_check_reach_count(c); i++)
      if (pred(ladon_check_reach_at(c, i))) return ladon_check_reach_at(c, i);
    return nullptr;
  }
  // The probes of `requester`/`access` inside [lo, hi]; how many agreed.
  int probes(const std::string &requester, const char *access, uint64_t lo, uint64_t hi,
             int *agreed) {
    int n = 0;
    *agreed = 0;
    for (size_t i = 0; i < ladon_check_probe_count(c); i++) {
      const ladon_check_probe *p = ladon_check_probe_at(c, i);
      if (requester == p->requester && std::string(access) == p->access && p->addr >= lo &&
          p->addr <= hi) {
        n++;
        if (p->agree) (*agreed)++;
      }
    }
    return n;
  }
  std::string name(const char *dev, int vf) {
    char b[64];
    uint16_t r = rid(dev, vf);
    std::snprintf(b, sizeof b, "%s.vf%d (%02x:%02x.%x)", dev, vf, r >> 8, (r >> 3) & 31, r & 7);
    return b;
  }
};

bool Has(const char *s, const char *what) { return std::string(s).find(what) != std::string::npos; }

constexpr uint64_t GiB = uint64_t(1) << 30;

}  // namespace

TEST(Check, DefaultConfigHoldsAndEveryProbeAgrees) {
  std::string path = std::string(LADON_SOURCE_DIR) + "/configs/default.json";
  ladon_error err{};
  ladon_fabric *f = ladon_fabric_load(path.c_str(), nullptr, &err);
  ASSERT_NE(f, nullptr) << err.text;
  ladon_check *c = nullptr;
  ASSERT_EQ(ladon_check_run(f, nullptr, &c, &err), LADON_OK);
  ladon_check_summary s;
  ladon_check_summary_get(c, &s);
  EXPECT_EQ(s.violations, 0u);
  EXPECT_GT(s.probes, 100u);
  EXPECT_EQ(s.disagreements, 0u);
  EXPECT_TRUE(ladon_check_ok(c));
  ladon_check_free(c);
  ladon_fabric_free(f);
}

TEST(Check, CleanFabricHoldsAndItsVfsReachExactlyTheirVmMemory) {
  Checked k(Topology());
  ASSERT_NE(k.c, nullptr) << k.err.text;
  EXPECT_EQ(ladon_check_violation_count(k.c), 0u);
  // vf3 of vmA reaches vmA's whole 1 GiB at GPA 0.., nothing beyond.
  const ladon_check_reach *r = k.at(k.name("nic0", 3), "write", 0);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_MEMORY);
  EXPECT_TRUE(Has(r->target, "vmA memory")) << r->target;
  EXPECT_EQ(r->hi, GiB - 1);
  EXPECT_EQ(r->verdict, LADON_CHECK_ALLOWED);
  int agreed, n = k.probes(k.name("nic0", 3), "write", 0, GiB - 1, &agreed);
  EXPECT_GE(n, 2);
  EXPECT_EQ(agreed, n);
}

// T1: VF3 (vmA) writes an IOVA mapped only for vmB (1.5 GiB: inside vmB's
// 2 GiB, beyond vmA's 1 GiB): blocked at the MH IOMMU, fault 0x05 (write to a
// page without W: not present) with VF3's requester ID; nothing reaches vmB.
TEST(Check, T1_VfWriteIntoAnotherVmsIovaFaultsAtTheIommuWithItsOwnRid) {
  Checked k(Topology());
  ASSERT_NE(k.c, nullptr) << k.err.text;
  uint64_t iova = GiB + GiB / 2;
  const ladon_check_reach *b = k.at(k.name("nic0", 1), "write", iova);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(Has(b->target, "vmB memory")) << "the IOVA is vmB's";
  const ladon_check_reach *r = k.at(k.name("nic0", 3), "write", iova);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_STOP);
  EXPECT_EQ(r->verdict, LADON_CHECK_STOPPED);
  EXPECT_EQ(r->fault_reason, 0x05);
  EXPECT_EQ(r->requester_id, k.rid("nic0", 3));
  EXPECT_TRUE(Has(r->target, "mh.iommu")) << r->target;
  int agreed, n = k.probes(k.name("nic0", 3), "write", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 2) << "first and last DW of the range";
  EXPECT_EQ(agreed, n) << "the simulation recorded the same fault";
}

// T2: VF3 reads beyond vmA's memory: a read fault (0x06) at the MH IOMMU;
// the probe's read completes with UR (the IOMMU's blocked-read status).
TEST(Check, T2_VfReadBeyondItsVmFaultsAtTheIommu) {
  Checked k(Topology());
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *r = k.at(k.name("nic0", 3), "read", GiB);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->lo, GiB);
  EXPECT_EQ(r->fault_reason, 0x06);
  EXPECT_EQ(r->requester_id, k.rid("nic0", 3));
  int agreed, n = k.probes(k.name("nic0", 3), "read", GiB - 4, GiB, &agreed);
  EXPECT_GE(n, 2) << "the last DW inside and the first outside";
  EXPECT_EQ(agreed, n);
}

// T5: VF3 writes a peer's (nic1.vf0's) BAR.  With ACS P2P Request Redirect
// (as the manager programs it) the write goes up to the IOMMU and faults;
// with ACS off on nic0's port the switch delivers it peer-to-peer, past the
// IOMMU: a violation naming the switch window.
TEST(Check, T5_PeerToPeerWriteFaultsWithAcsAndIsAViolationWithout) {
  uint64_t bar;
  {
    Checked k(Topology());
    ASSERT_NE(k.c, nullptr) << k.err.text;
    const ladon_check_reach *host = k.find([](const ladon_check_reach *r) {
      return std::string(r->requester) == "mh CPUs" && Has(r->target, "nic1.vf0 BAR0");
    });
    ASSERT_NE(host, nullptr);
    bar = host->lo;
    const ladon_check_reach *r = k.at(k.name("nic0", 3), "write", bar);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->kind, LADON_CHECK_STOP) << r->target << " via " << r->chain;
    EXPECT_TRUE(Has(r->chain, "ACS P2P request redirect")) << r->chain;
    EXPECT_EQ(r->fault_reason, 0x05);
  }
  Checked k(Topology(R"({"table": "acs", "switch": "sw0", "port": "d0", "ctrl": []})"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *r = k.at(k.name("nic0", 3), "write", bar);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_BAR);
  EXPECT_TRUE(Has(r->target, "nic1.vf0 BAR0")) << r->target;
  EXPECT_EQ(r->verdict, LADON_CHECK_VIOLATION);
  EXPECT_TRUE(Has(r->why, "peer-to-peer")) << r->why;
  EXPECT_TRUE(Has(r->chain, "sw0.d0 peer-to-peer to d1 window")) << r->chain;
  EXPECT_FALSE(ladon_check_ok(k.c));
  int agreed, n = k.probes(k.name("nic0", 3), "write", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 2);
  EXPECT_EQ(agreed, n) << "the write really landed in nic1.vf0's registers";
}

// T6: VF3 forges nic1.vf0's requester ID (another bus).  ACS Source
// Validation on nic0's port stops it (UR); with validation off it passes and
// the IOMMU attributes it to nic1.vf0: vmC's memory becomes reachable.
TEST(Check, T6_ForgedRequesterIdStoppedBySourceValidationOrReported) {
  {
    Checked k(Topology());
    ASSERT_NE(k.c, nullptr) << k.err.text;
    uint16_t victim = k.rid("nic1", 0);
    char as[32];
    std::snprintf(as, sizeof as, " as %02x:%02x.%x", victim >> 8, (victim >> 3) & 31, victim & 7);
    std::string forger = k.name("nic0", 3) + as;
    const ladon_check_reach *r = k.at(forger, "write", 0);
    ASSERT_NE(r, nullptr) << forger;
    EXPECT_EQ(r->kind, LADON_CHECK_STOP);
    EXPECT_TRUE(Has(r->target, "sw0.d0: ACS source validation")) << r->target;
    EXPECT_EQ(r->lo, 0u);
    EXPECT_EQ(r->hi, UINT64_MAX) << "every address";
    int agreed, n = k.probes(forger, "write", 0, UINT64_MAX, &agreed);
    EXPECT_GE(n, 1);
    EXPECT_EQ(agreed, n) << "the switch counted an ACS violation";
  }
  Checked k(Topology(R"({"table": "acs", "switch": "sw0", "port": "d0", "ctrl": ["rr", "cr", "uf"]})"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  uint16_t victim = k.rid("nic1", 0);
  char as[32];
  std::snprintf(as, sizeof as, " as %02x:%02x.%x", victim >> 8, (victim >> 3) & 31, victim & 7);
  std::string forger = k.name("nic0", 3) + as;
  const ladon_check_reach *spoof = k.find([&](const ladon_check_reach *r) {
    return forger == r->requester && r->verdict == LADON_CHECK_VIOLATION &&
           Has(r->why, "not stopped by ACS source validation");
  });
  ASSERT_NE(spoof, nullptr);
  EXPECT_TRUE(Has(spoof->chain, "sw0.d0 ACS source validation off")) << spoof->chain;
  const ladon_check_reach *r = k.at(forger, "write", 0);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_MEMORY);
  EXPECT_TRUE(Has(r->target, "vmC memory")) << r->target;
  EXPECT_EQ(r->verdict, LADON_CHECK_VIOLATION);
  int agreed, n = k.probes(forger, "write", r->lo, r->hi, &agreed);
  EXPECT_GE(n, 2);
  EXPECT_EQ(agreed, n) << "the forged write landed in vmC's memory";
}

// T7: vmA's guest writes just past its VF's BAR (inside the MMIO hole, not
// mapped by the EPT): an EPT violation, no TLP leaves the CPU.
TEST(Check, T7_GuestAccessOutsideItsBarIsAnEptViolation) {
  Checked k(Topology());
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *bar = k.find([](const ladon_check_reach *r) {
    return std::string(r->requester) == "vmA vCPUs" && r->kind == LADON_CHECK_BAR;
  });
  ASSERT_NE(bar, nullptr);
  EXPECT_TRUE(Has(bar->target, "nic0.vf3 BAR0")) << bar->target;
  const ladon_check_reach *r = k.at("vmA vCPUs", "write", bar->hi + 1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_STOP);
  EXPECT_TRUE(Has(r->target, "vmA EPT violation")) << r->target;
  int agreed, n = k.probes("vmA vCPUs", "write", bar->hi + 1, bar->hi + 4, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "the store returned an EPT violation";
}

// T11: VF3's MSI-X entry left pointing at an interrupt-remapping handle
// nobody owns (stale): IR fault "IRTE not present" (0x22), dropped.
TEST(Check, T11_StaleMsixEntryHitsAnAbsentIrteAndIsDropped) {
  // Handle 200 in the remappable format: address bit 4, handle in 19:5.
  Checked k(Topology(R"({"table": "msix", "function": "nic0.vf3", "entry": 0,
                         "address": "0xfee01910", "data": "0"})"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *r = k.find([&](const ladon_check_reach *x) {
    return k.name("nic0", 3) == x->requester && Has(x->chain, "MSI-X entry 0");
  });
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_STOP);
  EXPECT_EQ(r->fault_reason, 0x22);
  EXPECT_EQ(r->verdict, LADON_CHECK_STOPPED);
  EXPECT_TRUE(Has(r->chain, "IRTE 200: not present")) << r->chain;
  int agreed, n = k.probes(k.name("nic0", 3), "write", 0xfee01910, 0xfee01910, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n);
}

// T12: VF3 sends an MSI with vmB's IRTE handle.  With per-function source-ID
// verification (the manager's SVT 1) it is blocked (0x26); with a bus-wide
// check (SVT 2, the NT endpoint style) it is accepted: vmB's core is
// interrupted by vmA's function, a violation.
TEST(Check, T12_MsiWithAnotherVmsHandleSourceIdCheckDecides) {
  const char *msix = R"({"table": "msix", "function": "nic0.vf3", "entry": 0,
                         "address": "0xfee01f50", "data": "0"})";
  const char *irte = R"({"table": "irte", "host": "mh", "handle": 250, "dest_cpu": 2,
                         "vector": 77, "source_id": "nic0.vf1", "svt": )";
  {
    Checked k(Topology(std::string(msix) + ", " + irte + "1}"));
    ASSERT_NE(k.c, nullptr) << k.err.text;
    const ladon_check_reach *r = k.find([&](const ladon_check_reach *x) {
      return k.name("nic0", 3) == x->requester && Has(x->chain, "MSI-X entry 0");
    });
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->fault_reason, 0x26);
    EXPECT_EQ(r->verdict, LADON_CHECK_STOPPED);
    int agreed, n = k.probes(k.name("nic0", 3), "write", 0xfee01f50, 0xfee01f50, &agreed);
    EXPECT_GE(n, 1);
    EXPECT_EQ(agreed, n);
  }
  // Bus range 03..03 (both functions on nic0's bus).
  uint16_t bus = 0;
  {
    Checked k(Topology());
    ASSERT_NE(k.c, nullptr);
    bus = k.rid("nic0", 1) >> 8;
  }
  char sid[16];
  std::snprintf(sid, sizeof sid, "%02x:%02x.%x", bus, (bus >> 3) & 31, bus & 7);
  Checked k(Topology(std::string(msix) + R"(, {"table": "irte", "host": "mh", "handle": 250,
      "dest_cpu": 2, "vector": 77, "svt": 2, "source_id": ")" + sid + "\"}"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *r = k.find([&](const ladon_check_reach *x) {
    return k.name("nic0", 3) == x->requester && Has(x->chain, "MSI-X entry 0");
  });
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, LADON_CHECK_INTERRUPT);
  EXPECT_TRUE(Has(r->target, "mh core 2 vector 77 (vmB vCPU 0)")) << r->target;
  EXPECT_EQ(r->verdict, LADON_CHECK_VIOLATION);
  int agreed, n = k.probes(k.name("nic0", 3), "write", 0xfee01f50, 0xfee01f50, &agreed);
  EXPECT_GE(n, 1);
  EXPECT_EQ(agreed, n) << "core 2 took vector 77";
}

// Mis-configuration: an identity (pass-through) IOMMU domain for VF3 lets it
// reach the host's and the other VMs' memory: violations naming the IOMMU
// domain entry and the requester.
TEST(Check, IdentityIommuMappingIsReported) {
  Checked k(Topology(R"({"table": "iommu", "host": "mh", "requester": "nic0.vf3",
                         "identity": true})"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  EXPECT_FALSE(ladon_check_ok(k.c));
  const ladon_check_reach *v = k.find([&](const ladon_check_reach *r) {
    return k.name("nic0", 3) == r->requester && r->verdict == LADON_CHECK_VIOLATION &&
           Has(r->target, "vmB memory");
  });
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(Has(v->chain, "mh.iommu domain")) << v->chain;
  EXPECT_TRUE(Has(v->chain, "iova 0x0..0xffffffffffff -> 0x0")) << v->chain;
  int agreed, n = k.probes(k.name("nic0", 3), "write", v->lo, v->hi, &agreed);
  EXPECT_GE(n, 2);
  EXPECT_EQ(agreed, n) << "the probe's write really landed in vmB's memory";
  // Nobody else is affected.
  for (size_t i = 0; i < ladon_check_violation_count(k.c); i++)
    EXPECT_EQ(std::string(ladon_check_violation_at(k.c, i)->requester).rfind(k.name("nic0", 3), 0),
              0u);
}

// Mis-configuration: a stale MSI-X entry onto a live IRTE of another VM that
// verifies no source ID: vmA's function interrupts vmB's core.
TEST(Check, StaleMsixEntryOntoAnotherVmsIrteIsReported) {
  Checked k(Topology(R"({"table": "msix", "function": "nic0.vf3", "entry": 1,
                         "address": "0xfee01f50", "data": "0"},
                        {"table": "irte", "host": "mh", "handle": 250, "dest_cpu": 3,
                         "vector": 90, "svt": 0})"));
  ASSERT_NE(k.c, nullptr) << k.err.text;
  const ladon_check_reach *v = k.find([&](const ladon_check_reach *r) {
    return k.name("nic0", 3) == r->requester && r->verdict == LADON_CHECK_VIOLATION &&
           Has(r->chain, "MSI-X entry 1");
  });
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(Has(v->chain, "IRTE 250")) << v->chain;
  EXPECT_TRUE(Has(v->target, "vmB vCPU")) << v->target;
  // An IRTE that verifies no source ID is open to every function: the
  // generic walks of the others report it too.
  EXPECT_GT(ladon_check_violation_count(k.c), 1u);
}

// The probe cap is honoured and reported.
TEST(Check, ProbeCapBoundsTheProbesAndSaysHowManyWereCalledFor) {
  Checked k(Topology(), 50);
  ASSERT_NE(k.c, nullptr) << k.err.text;
  ladon_check_summary s;
  ladon_check_summary_get(k.c, &s);
  EXPECT_LE(s.probes, 50u);
  EXPECT_GT(s.probes_wanted, 50u);
  EXPECT_EQ(s.disagreements, 0u);
}

// A table the checker reads is changed behind the manager's back (no
// "tables" key, a direct IOMMU call): the check sees it -- it reads the
// model's tables, not the manager's intent.
TEST(Check, ReadsTheRealTablesNotTheIntent) {
  Checked k(Topology());
  ASSERT_NE(k.c, nullptr);
  ladon__iommu *io = ladon__host_iommu(ladon__host_of(k.f->inst[k.comp("mh")]));
  const ladon_imap_entry *ctx = ladon_imap_lookup(ladon__iommu_context_map(io), k.rid("nic0", 3));
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(ladon__iommu_map(io, uint32_t(ctx->target), 4 * GiB, GiB, 0, LADON_IMAP_W, 30,
                             nullptr),
            LADON_OK);
  ladon_check *c = nullptr;
  ladon_check_options o{};
  o.no_probes = true;
  ASSERT_EQ(ladon_check_run(k.f, &o, &c, nullptr), LADON_OK);
  bool found = false;
  for (size_t i = 0; i < ladon_check_violation_count(c); i++) {
    const ladon_check_reach *v = ladon_check_violation_at(c, i);
    if (Has(v->chain, "iova 0x100000000..0x13fffffff -> 0x0")) found = true;
  }
  EXPECT_TRUE(found);
  ladon_check_free(c);
}
