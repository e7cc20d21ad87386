// The Ladon manager (src/fabric/ladon_mgr.c, ladon_msi.c, ladon_cfgproxy.c):
// VMs on compute hosts use VFs of the management host's NIC across NTBs.
// Each test loads a topology written to its own file (tests run in
// parallel processes) and checks where data, MMIO and interrupts end up.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "fabric/fabric_int.h"
#include "fabric/ladon_mgr_int.h"
#include "ladon/fabric.h"
#include "ladon/rng.h"
#include "ladon/stats.h"
#include "models/dma.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "models/workload.h"
#include "pcie/cfgspace_int.h"
#include "pcie/pci_regs.h"
}

namespace {

struct Opts {
  std::string ntb = R"("bar2_size": "8GiB", "bar4_size": "1MiB")";
  std::string ch_extra;  // e.g. R"(, "iommu": true)"
  std::string workloads;
};

// A management host (IOMMU) with a switch, a NIC and two NTBs to compute
// hosts ch0 and ch1; vm0 on ch0 has vf0, vm1 on ch1 has vf1, vm2 on the MH
// itself has vf2 (single-host, same manager).
std::string Topology(const Opts &o) {
  return R"({
  "ladon": 1, "name": "t", "seed": 5,
  "defaults": {"link": {"gen": 3, "width": 8, "latency": "10ns"}},
  "components": {
    "mh": {"type": "host", "root_ports": 1, "memory": "16GiB", "cpus": 4, "iommu": true},
    "ch0": {"type": "host", "root_ports": 1, "memory": "8GiB", "cpus": 4)" + o.ch_extra + R"(},
    "ch1": {"type": "host", "root_ports": 1, "memory": "8GiB", "cpus": 4)" + o.ch_extra + R"(},
    "sw0": {"type": "switch", "downstream_ports": 3},
    "nic0": {"type": "sriov_nic", "total_vfs": 8, "num_vfs": 4},
    "ntb0": {"type": "ntb", )" + o.ntb + R"(},
    "ntb1": {"type": "ntb", )" + o.ntb + R"(}
  },
  "links": [
    {"a": "mh.rp0", "b": "sw0.up"}, {"a": "sw0.d0", "b": "nic0.up"},
    {"a": "sw0.d1", "b": "ntb0.a"}, {"a": "ch0.rp0", "b": "ntb0.b"},
    {"a": "sw0.d2", "b": "ntb1.a"}, {"a": "ch1.rp0", "b": "ntb1.b"}
  ],
  "vms": {
    "vm0": {"host": "ch0", "memory": "1GiB", "vcpus": 2, "functions": ["nic0.vf0"]},
    "vm1": {"host": "ch1", "memory": "1GiB", "vcpus": 2, "functions": ["nic0.vf1"]},
    "vm2": {"host": "mh", "memory": "1GiB", "vcpus": 2, "functions": ["nic0.vf2"]}
  },
  "workloads": {)" + o.workloads + R"(}
})";
}

struct Loaded {
  ladon_fabric *f = nullptr;
  ladon_error err{};
  explicit Loaded(const std::string &text) {
    f = tmpf::LoadTopology(text, &err);
  }
  ~Loaded() { ladon_fabric_free(f); }
  uint32_t comp(const char *name) { return uint32_t(ladon__topo_find(f->topo, name)); }
  ladon__host *host(const char *name) { return ladon__host_of(f->inst[comp(name)]); }
  ladon__host_vm *vm(const char *host_name, const char *vm) {
    return ladon__host_vm_find(host(host_name), vm);
  }
  ladon__sriov_fn *vf(int k) {
    return ladon__sriov_fn_of(static_cast<ladon__sriov *>(f->inst[comp("nic0")]), k);
  }
  const ladon__lmgr_assign *assign(uint32_t vm) { return ladon__lmgr_find(f, vm, 0); }
  uint64_t counter(const std::string &name) {
    const ladon_stat *s = ladon_stats_find(ladon_sim_stats(f->sim), name.c_str());
    const ladon_counter *c = s ? ladon_stat_as_counter(s) : nullptr;
    return c ? ladon_counter_value(c) : 0;
  }
  // Until nothing is left to do; now stays at the last event's time.
  void run() {
    while (ladon_sim_step(f->sim)) {
    }
  }
  void run_for(ladon_time_ps d) { ladon_fabric_run(f, ladon_sim_now(f->sim) + d); }
};

uint8_t Key(const char *workload) { return uint8_t(ladon_hash_string(workload) & 0xff); }

// Reads `n` bytes of `vm`'s guest memory at `gpa`, through its EPT.
std::vector<uint8_t> Guest(ladon__host_vm *vm, uint64_t gpa, size_t n) {
  std::vector<uint8_t> v(n);
  EXPECT_EQ(ladon__host_vm_mem_read(vm, gpa, v.data(), n), LADON_OK);
  return v;
}

}  // namespace

TEST(LadonMgr, ComputeHostVmsAreLadonAssignmentsAndTheMhVmIsNot) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  ASSERT_EQ(ladon__lmgr_count(l.f), 3u);
  const ladon__lmgr_assign *a0 = l.assign(0), *a2 = l.assign(2);
  ASSERT_TRUE(a0 && a2);
  EXPECT_TRUE(a0->ladon);
  EXPECT_EQ(a0->mh, l.comp("mh"));
  EXPECT_EQ(a0->ch, l.comp("ch0"));
  EXPECT_EQ(a0->ntb, l.comp("ntb0"));
  EXPECT_EQ(a0->mh_side, unsigned(LADON__NTB_A));
  EXPECT_FALSE(a2->ladon);
  EXPECT_EQ(a2->ntb, LADON__LMGR_NONE);
  // The proxy ID lives on the CH-side NT endpoint's bus (Switchtec style:
  // one function per requester-ID entry after the endpoint's own, S12).
  auto *ntb = static_cast<ladon__ntb *>(l.f->inst[l.comp("ntb0")]);
  uint16_t ep = ladon__ntb_endpoint_id(ntb, LADON__NTB_B);
  EXPECT_EQ(a0->proxy_rid, uint16_t((ep & 0xff00) | ((ep + 1 + a0->vf_rid_entry) & 0xff)));
  EXPECT_NE(a0->proxy_rid, a0->vf_rid);
  // The MH IOMMU maps vm0's GPAs onto the MH-side NT window, never onto
  // themselves (Design A).
  ladon__iommu *m = ladon__host_iommu(l.host("mh"));
  uint64_t out = 0;
  ASSERT_EQ(ladon_imap_translate(ladon__iommu_domain_map(m, a0->iommu_domain), 0x200000, 4096,
                                 LADON_IMAP_W, &out, nullptr),
            LADON_IMAP_HIT);
  EXPECT_GE(out, a0->mh_win_base);
  EXPECT_LT(out, a0->mh_win_base + a0->mh_win_bytes);
}

TEST(LadonMgr, VfDmaWriteLandsInItsVmsComputeHostMemoryAndNowhereElse) {
  Opts o;
  o.workloads = R"(
    "w0": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
           "size": "256B", "count": 64, "window": "0x100000+16KiB"},
    "w1": {"type": "dma", "on": "nic0.vf1", "target": "vm1", "op": "write",
           "size": "256B", "count": 64, "window": "0x100000+16KiB"})";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  l.run();
  for (auto [host, vm, name] : {std::tuple{"ch0", "vm0", "w0"}, std::tuple{"ch1", "vm1", "w1"}}) {
    std::vector<uint8_t> got = Guest(l.vm(host, vm), 0x100000, 16384);
    for (size_t i = 0; i < got.size(); i++)
      ASSERT_EQ(got[i], ladon__workload_pattern_byte(Key(name), 0x100000 + i))
          << name << " byte " << i;
    // The bytes around the window are untouched (memory starts zeroed).
    EXPECT_EQ(Guest(l.vm(host, vm), 0x100000 - 256, 256), std::vector<uint8_t>(256, 0));
    EXPECT_EQ(Guest(l.vm(host, vm), 0x104000, 256), std::vector<uint8_t>(256, 0));
  }
  // Exactly the flows' bytes reached each CH's memory (64 x 256 B), none
  // reached the MH's memory, nothing was refused on the way.
  EXPECT_EQ(l.counter("ch0.dma_write_bytes"), 64u * 256u);
  EXPECT_EQ(l.counter("ch1.dma_write_bytes"), 64u * 256u);
  EXPECT_EQ(l.counter("mh.dma_write_bytes"), 0u);
  EXPECT_EQ(ladon__iommu_fault_count(ladon__host_iommu(l.host("mh"))), 0u);
  EXPECT_EQ(l.counter("ntb0.a.bar_errors") + l.counter("ntb1.a.bar_errors"), 0u);
  // vm2's memory on the MH holds none of it.
  EXPECT_EQ(Guest(l.vm("mh", "vm2"), 0x100000, 16384), std::vector<uint8_t>(16384, 0));
}

TEST(LadonMgr, WritesBeyondTheVmFaultAtTheMhIommuAndNeverCrossTheNtb) {
  Opts o;
  // vm0 has 1 GiB: GPA 1 GiB has no page in VF0's domain.
  o.workloads = R"(
    "bad": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
            "size": "64B", "count": 4, "window": "0x40000000+4KiB"})";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  l.run();
  ladon__iommu *m = ladon__host_iommu(l.host("mh"));
  ASSERT_EQ(ladon__iommu_fault_count(m), 4u);
  EXPECT_EQ(ladon__iommu_fault_at(m, 0)->requester_id, l.assign(0)->vf_rid);
  EXPECT_EQ(l.counter("ntb0.a.forwarded"), 0u);
  EXPECT_EQ(l.counter("ch0.dma_write_bytes"), 0u);
}

namespace {

struct ReadDone {
  bool done = false;
  ladon__dma_status status = LADON__DMA_OK;
};

void OnDma(void *ctx, const ladon__dma_result *r) {
  auto *d = static_cast<ReadDone *>(ctx);
  d->done = true;
  d->status = r->status;
}

// The VF's engine reads `n` bytes at GPA `gpa`.
std::vector<uint8_t> VfRead(Loaded &l, int vf, uint64_t gpa, uint32_t n, ReadDone *d) {
  std::vector<uint8_t> buf(n, 0xee);
  ladon__dma_xfer x{};
  x.op = LADON__DMA_READ;
  x.addr = gpa;
  x.bytes = n;
  x.read_buf = buf.data();
  x.done = OnDma;
  x.ctx = d;
  EXPECT_EQ(ladon__dma_submit(ladon__sriov_fn_dma(l.vf(vf)), &x, nullptr), LADON_OK);
  l.run_for(LADON_US(50));
  return buf;
}

}  // namespace

TEST(LadonMgr, VfDmaReadReturnsTheComputeHostsBytes) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  std::vector<uint8_t> want(1024);
  for (size_t i = 0; i < want.size(); i++) want[i] = uint8_t(i * 7 + 3);
  ASSERT_EQ(ladon__host_vm_mem_write(l.vm("ch0", "vm0"), 0x300000, want.data(), want.size()),
            LADON_OK);
  ReadDone d;
  std::vector<uint8_t> got = VfRead(l, 0, 0x300000, 1024, &d);
  ASSERT_TRUE(d.done);
  EXPECT_EQ(d.status, LADON__DMA_OK);
  EXPECT_EQ(got, want);
  // The completions crossed ntb0 back (proxy ID -> VF ID restored).
  // (counted on the side they leave by, towards the VF)
  ladon__ntb_counters c{};
  ASSERT_EQ(ladon__ntb_counters_get(static_cast<ladon__ntb *>(l.f->inst[l.comp("ntb0")]),
                                    LADON__NTB_A, &c),
            LADON_OK);
  EXPECT_GT(c.completions_back, 0u);
  EXPECT_EQ(c.unexpected_cpls, 0u);
}

// Replaces the first `from` in `t` by `to`.
std::string Edit(std::string t, const std::string &from, const std::string &to) {
  size_t at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  return t;
}

TEST(LadonMgr, LutWindowsCarryDmaToTheRightPages) {
  // 512 LUT entries of 64 KiB on each side: CH side, one entry onto each
  // 64 KiB VF BAR; MH side, one entry per 64 KiB of the VM's pages (16 MiB:
  // 256 entries) plus the last one onto the interrupt range.
  Opts o;
  o.ntb = R"("bar2_size": "32MiB", "lut_entries": 512)";
  o.workloads = R"(
    "w0": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
           "size": "256B", "count": 512, "window": "0xf0000+128KiB"})";
  std::string t = Edit(Topology(o), R"("num_vfs": 4)", R"("num_vfs": 4, "vf_bar_size": "64KiB")");
  t = Edit(t, R"("vm0": {"host": "ch0", "memory": "1GiB")", R"("vm0": {"host": "ch0", "memory": "16MiB")");
  t = Edit(t, R"("vm1": {"host": "ch1", "memory": "1GiB")", R"("vm1": {"host": "ch1", "memory": "16MiB")");
  Loaded l(t);
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  EXPECT_EQ(a->mh_lut_n, 256u);
  EXPECT_EQ(a->ch_lut_n, 1u);
  l.run();
  // The window straddles LUT entries (0xf0000..0x10ffff crosses 64 KiB
  // boundaries): every byte is where the guest expects it.
  std::vector<uint8_t> got = Guest(l.vm("ch0", "vm0"), 0xf0000, 128 * 1024);
  for (size_t i = 0; i < got.size(); i++)
    ASSERT_EQ(got[i], ladon__workload_pattern_byte(Key("w0"), 0xf0000 + i)) << i;
  EXPECT_EQ(l.counter("ntb0.a.lut_errors"), 0u);
  // MSI-X through the last LUT entry.
  Loaded *lp = &l;
  int n = 0;
  ASSERT_EQ(ladon__host_irq_hook(
                lp->host("ch0"), [](void *c, uint32_t, uint8_t, uint16_t) { ++*static_cast<int *>(c); },
                &n),
            LADON_OK);
  ASSERT_EQ(ladon__sriov_msix_raise(l.vf(0), 0), LADON__MSIX_SENT);
  l.run_for(LADON_US(20));
  EXPECT_EQ(n, 1);
}

TEST(LadonMgr, LutEntriesLargerThanTheVfBarAreRefused) {
  Opts o;
  o.ntb = R"("bar2_size": "1GiB", "lut_entries": 64)";
  Loaded l(Topology(o));
  ASSERT_EQ(l.f, nullptr);
  EXPECT_NE(std::string(l.err.text).find("would expose more than the BAR"), std::string::npos)
      << l.err.text;
}

TEST(LadonMgr, GuestMmioReachesTheVfRegisterThroughEptAndTheNtWindow) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  ladon__host_vm *vm = l.vm("ch0", "vm0");
  // The EPT maps the guest BAR onto the CH NT window, not onto the VF BAR
  // (an MH address that means nothing on the CH).
  uint64_t hpa = 0;
  ASSERT_EQ(ladon__host_vm_translate(vm, a->guest_bar_gpa, 4, LADON_IMAP_W, &hpa), LADON_OK);
  EXPECT_EQ(hpa, a->ch_bar_hpa);
  EXPECT_NE(hpa, a->vf_bar);
  uint32_t v = 0x5a17c0de;
  ASSERT_EQ(ladon__host_vm_mmio_write(vm, 0, a->guest_bar_gpa + 0x1018, 4, &v), LADON_OK);
  l.run_for(LADON_US(20));
  EXPECT_EQ(ladon__sriov_reg_read(l.vf(0), 0x1018), v);
  EXPECT_EQ(ladon__sriov_reg_read(l.vf(1), 0x1018), 0u);  // not vm1's VF
  struct R {
    bool done = false;
    uint8_t status = 0xff;
    uint64_t value = 0;
  } r;
  ASSERT_EQ(ladon__host_vm_mmio_read(
                vm, 1, a->guest_bar_gpa + 0x1018, 4,
                [](void *c, uint8_t st, uint64_t val) {
                  auto *p = static_cast<R *>(c);
                  p->done = true, p->status = st, p->value = val;
                },
                &r),
            LADON_OK);
  l.run_for(LADON_US(20));
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.status, LADON_TLP_CPL_SC);
  EXPECT_EQ(r.value, v);
  // A GPA past the BAR is not in the EPT: nothing leaves the CPU.
  uint64_t before = l.counter("ntb0.b.forwarded");
  EXPECT_EQ(ladon__host_vm_mmio_write(vm, 0, a->guest_bar_gpa + a->vf_bar_bytes, 4, &v),
            LADON_ENOENT);
  l.run_for(LADON_US(5));
  EXPECT_EQ(l.counter("ntb0.b.forwarded"), before);
}

namespace {

struct Irq {
  int n = 0;
  uint32_t core = 0;
  uint8_t vector = 0;
  uint16_t rid = 0;
};

void OnIrq(void *ctx, uint32_t core, uint8_t vector, uint16_t rid) {
  auto *i = static_cast<Irq *>(ctx);
  i->n++, i->core = core, i->vector = vector, i->rid = rid;
}

void MsixReachesTheVmsVcpu(const std::string &ch_extra) {
  Opts o;
  o.ch_extra = ch_extra;
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  ASSERT_GE(a->n_vectors, 2u);
  Irq ch0, ch1, mh;
  ASSERT_EQ(ladon__host_irq_hook(l.host("ch0"), OnIrq, &ch0), LADON_OK);
  ASSERT_EQ(ladon__host_irq_hook(l.host("ch1"), OnIrq, &ch1), LADON_OK);
  ASSERT_EQ(ladon__host_irq_hook(l.host("mh"), OnIrq, &mh), LADON_OK);
  ASSERT_EQ(ladon__sriov_msix_raise(l.vf(0), 1), LADON__MSIX_SENT);
  l.run_for(LADON_US(20));
  EXPECT_EQ(ch0.n, 1);
  EXPECT_EQ(ch0.core, ladon__host_vm_core(l.vm("ch0", "vm0"), 0));
  EXPECT_EQ(ch0.vector, a->vector_first + 1);
  EXPECT_EQ(ch0.rid, a->proxy_rid);  // it arrives with the proxy ID
  EXPECT_EQ(ch1.n, 0);
  EXPECT_EQ(mh.n, 0);
  EXPECT_EQ(ladon__host_irq_count(l.host("ch0"), ch0.core, uint8_t(a->vector_first + 1)), 1u);
}

}  // namespace

TEST(LadonMgr, MsixReachesTheOwningVmsVcpuOnItsComputeHost) { MsixReachesTheVmsVcpu(""); }

TEST(LadonMgr, MsixPassesComputeHostInterruptRemappingWithTheProxyId) {
  MsixReachesTheVmsVcpu(R"(, "iommu": true)");
}

TEST(LadonMgr, InterruptRemappingRefusesAnotherSource) {
  Opts o;
  o.ch_extra = R"(, "iommu": true)";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  // The IRTE expects vf0's proxy ID; an interrupt with vm0's handle but
  // another source ID (here the NT endpoint itself) is refused (VT-d 0x26).
  ladon__iommu *ir = ladon__host_iommu(l.host("ch0"));
  uint32_t cpu;
  uint8_t vec;
  uint64_t addr = LADON__HOST_MSI_BASE | uint64_t(a->irte_first) << 5 | 0x10;
  EXPECT_TRUE(ladon__iommu_remap_msi(ir, a->proxy_rid, addr, 0, &cpu, &vec));
  EXPECT_FALSE(ladon__iommu_remap_msi(ir, uint16_t(a->proxy_rid + 1), addr, 0, &cpu, &vec));
  ASSERT_GE(ladon__iommu_fault_count(ir), 1u);
  EXPECT_EQ(ladon__iommu_fault_at(ir, ladon__iommu_fault_count(ir) - 1)->reason, 0x26);
}

TEST(LadonMgr, SingleHostVmUsesTheSameManagerAndItsOwnHostsInterrupts) {
  Opts o;
  o.workloads = R"(
    "w2": {"type": "dma", "on": "nic0.vf2", "target": "vm2", "op": "write",
           "size": "512B", "count": 16, "window": "0x200000+8KiB"})";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  l.run();
  std::vector<uint8_t> got = Guest(l.vm("mh", "vm2"), 0x200000, 8192);
  for (size_t i = 0; i < got.size(); i++)
    ASSERT_EQ(got[i], ladon__workload_pattern_byte(Key("w2"), 0x200000 + i)) << i;
  const ladon__lmgr_assign *a = l.assign(2);
  EXPECT_EQ(a->msi_addr_base, LADON__HOST_MSI_BASE);
  Irq mh;
  ASSERT_EQ(ladon__host_irq_hook(l.host("mh"), OnIrq, &mh), LADON_OK);
  ASSERT_EQ(ladon__sriov_msix_raise(l.vf(2), 0), LADON__MSIX_SENT);
  l.run_for(LADON_US(10));
  EXPECT_EQ(mh.n, 1);
  EXPECT_EQ(mh.rid, a->vf_rid);
  EXPECT_EQ(mh.vector, a->vector_first);
}

// ---- the configuration proxy -------------------------------------------

TEST(LadonCfgProxy, FilterAppliesOnlyVfSafeFields) {
  uint16_t reg, mask, bits;
  const uint16_t msix = 0x70;
  // Command: only Bus Master Enable (PCIe Base 5.0 §9.3.4.1.3).
  ASSERT_TRUE(ladon__lmgr_cfg_filter(msix, PCI_COMMAND, 2, 0xffff, &reg, &mask, &bits));
  EXPECT_EQ(reg, PCI_COMMAND);
  EXPECT_EQ(mask, PCI_COMMAND_MASTER);
  EXPECT_EQ(bits, PCI_COMMAND_MASTER);
  ASSERT_TRUE(ladon__lmgr_cfg_filter(msix, PCI_COMMAND, 4, 0xffff0000u, &reg, &mask, &bits));
  EXPECT_EQ(bits, 0u);  // clears BME; Status (RW1C) is left alone
  // MSI-X Message Control: Enable and Function Mask (§7.7.2.2), not the
  // read-only Table Size.
  ASSERT_TRUE(ladon__lmgr_cfg_filter(msix, msix + 2, 2, 0xc7ff, &reg, &mask, &bits));
  EXPECT_EQ(reg, msix + 2);
  EXPECT_EQ(mask, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
  EXPECT_EQ(bits, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
  ASSERT_TRUE(ladon__lmgr_cfg_filter(msix, msix + 3, 1, 0x80, &reg, &mask, &bits));
  EXPECT_EQ(bits, PCI_MSIX_FLAGS_ENABLE);
  // Refused: BARs, the Expansion ROM, header and capability fields, the
  // SR-IOV capability, a write mixing Command and other registers.
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, PCI_BASE_ADDRESS_0, 4, 0xfe000000u, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, PCI_ROM_ADDRESS, 4, 1, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, PCI_CACHE_LINE_SIZE, 1, 16, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, 0x160, 4, 1, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, PCI_VENDOR_ID, 4, 0, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(msix, msix, 4, 0xffffffffu, &reg, &mask, &bits));
  EXPECT_FALSE(ladon__lmgr_cfg_filter(0, 0x72, 2, 0x8000, &reg, &mask, &bits));  // no MSI-X
}

namespace {

struct CfgDone {
  int n = 0;
  ladon_status st = LADON_EIO;
  uint32_t value = 0;
  ladon_time_ps at = 0;
  ladon_sim *sim = nullptr;
};

void OnCfg(void *ctx, ladon_status st, uint32_t value) {
  auto *d = static_cast<CfgDone *>(ctx);
  d->n++, d->st = st, d->value = value, d->at = ladon_sim_now(d->sim);
}

}  // namespace

TEST(LadonCfgProxy, VmAccessesArePerformedOnTheMhAfterTheSoftwareLatency) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  const ladon_time_ps lat = LADON_US(3);
  ladon__lmgr_set_cfg_latency(l.f, lat);
  ladon__cfg *cfg = ladon__sriov_fn_cfg(l.vf(0));
  // Vendor/Device ID: the VF's own read 0xFFFF (§9.3.4.1.1-2); the guest
  // sees the PF's Vendor ID and the VF Device ID.
  CfgDone rd;
  rd.sim = l.f->sim;
  ladon_time_ps t0 = ladon_sim_now(l.f->sim);
  ASSERT_EQ(ladon__lmgr_cfg_read(l.f, 0, PCI_VENDOR_ID, 4, OnCfg, &rd), LADON_OK);
  EXPECT_EQ(rd.n, 0);  // never from inside the call
  l.run_for(LADON_US(20));
  ASSERT_EQ(rd.n, 1);
  EXPECT_EQ(rd.st, LADON_OK);
  EXPECT_EQ(rd.value, a->ids);
  EXPECT_NE(rd.value & 0xffffu, 0xffffu);
  EXPECT_GE(rd.at - t0, 2 * lat);  // there and back
  // Bus Master Enable off, then on again: applied on the real VF.
  CfgDone w;
  w.sim = l.f->sim;
  ASSERT_EQ(ladon__lmgr_cfg_write(l.f, 0, PCI_COMMAND, 2, 0, OnCfg, &w), LADON_OK);
  l.run_for(LADON_US(20));
  ASSERT_EQ(w.st, LADON_OK);
  EXPECT_EQ(ladon__cfg_peek(cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER, 0u);
  ASSERT_EQ(ladon__lmgr_cfg_write(l.f, 0, PCI_COMMAND, 2, 0xffff, OnCfg, &w), LADON_OK);
  l.run_for(LADON_US(20));
  EXPECT_EQ(ladon__cfg_peek(cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER, uint32_t(PCI_COMMAND_MASTER));
  // MSI-X Function Mask through the proxy.
  ASSERT_NE(a->msix_cap, 0u);
  uint32_t ctl = ladon__cfg_peek(cfg, a->msix_cap + PCI_MSIX_FLAGS, 2);
  ASSERT_EQ(ladon__lmgr_cfg_write(l.f, 0, a->msix_cap + PCI_MSIX_FLAGS, 2,
                                  ctl | PCI_MSIX_FLAGS_MASKALL, OnCfg, &w),
            LADON_OK);
  l.run_for(LADON_US(20));
  EXPECT_EQ(ladon__cfg_peek(cfg, a->msix_cap + PCI_MSIX_FLAGS, 2),
            ctl | PCI_MSIX_FLAGS_MASKALL);
  // Refused: the PF's SR-IOV capability is not the VM's, nor are the VF's
  // BARs; nothing changes on the device.
  const ladon__enum_fn *pf = ladon__fabric_pf(l.f, l.comp("nic0"));
  ASSERT_NE(pf->sriov_cap, 0u);
  CfgDone bad;
  bad.sim = l.f->sim;
  ASSERT_EQ(ladon__lmgr_cfg_write(l.f, 0, pf->sriov_cap + PCI_SRIOV_CTRL, 2, 0, OnCfg, &bad),
            LADON_OK);
  ASSERT_EQ(ladon__lmgr_cfg_write(l.f, 0, PCI_BASE_ADDRESS_0, 4, 0x1000, OnCfg, &bad), LADON_OK);
  l.run_for(LADON_US(20));
  EXPECT_EQ(bad.n, 2);
  EXPECT_EQ(bad.st, LADON_ESPEC);
  EXPECT_EQ(bad.value, 0xffffffffu);
  ladon__cfg *pfcfg = ladon__sriov_fn_cfg(l.vf(-1));
  EXPECT_NE(ladon__cfg_peek(pfcfg, pf->sriov_cap + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE, 0u);
  // Bad arguments schedule nothing.
  EXPECT_EQ(ladon__lmgr_cfg_read(l.f, 9, 0, 4, OnCfg, &bad), LADON_EINVAL);
  EXPECT_EQ(ladon__lmgr_cfg_read(l.f, 0, 2, 4, OnCfg, &bad), LADON_EINVAL);
}

TEST(LadonCfgProxy, AccessesInFlightAreFreedWithTheFabric) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  CfgDone d;
  d.sim = l.f->sim;
  ASSERT_EQ(ladon__lmgr_cfg_read(l.f, 0, PCI_COMMAND, 2, OnCfg, &d), LADON_OK);
  // Freed by ~Loaded without running: the sanitizer build checks no leak.
  EXPECT_EQ(d.n, 0);
}

// ---- bad Ladon set-ups -------------------------------------------------

TEST(LadonMgr, TooManyFunctionsForTheRequesterIdTableAreBadInput) {
  std::string t = Edit(Topology({}), R"("ntb0": {"type": "ntb", )",
                       R"("ntb0": {"type": "ntb", "rid_entries": 1, )");
  // Give vm0 a second VF across the same NTB: two entries needed.
  t = Edit(t, R"("functions": ["nic0.vf0"])", R"("functions": ["nic0.vf0", "nic0.vf3"])");
  Loaded l(t);
  ASSERT_EQ(l.f, nullptr);
  EXPECT_EQ(l.err.code, LADON_ERANGE) << l.err.text;
  EXPECT_NE(std::string(l.err.text).find("requester-ID entries"), std::string::npos) << l.err.text;
}

TEST(LadonMgr, NicWorkloadRunsEndToEndWithInterruptsOnTheComputeHost) {
  Opts o;
  o.ch_extra = R"(, "iommu": true)";
  o.workloads = R"(
    "net": {"type": "nic", "on": "nic0.vf0", "target": "vm0", "count": 50,
            "tx_rate": "10Gb/s", "rx_rate": "10Gb/s"})";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  l.run();
  ladon__workload_counts c{};
  ladon__workload_counts_get(ladon__workload_of(l.f->workloads[0]), &c);
  EXPECT_EQ(c.tx_packets, 50u);
  EXPECT_EQ(c.rx_packets, 50u);
  EXPECT_EQ(c.errors, 0u);
  ASSERT_GT(c.interrupts, 0u);
  // Every interrupt the queue pair raised reached vm0's vCPU 0 on ch0,
  // through ch0's interrupt remapping; none reached the MH or ch1.
  const ladon__lmgr_assign *a = l.assign(0);
  uint64_t got = 0;
  for (uint32_t v = 0; v < a->n_vectors; v++)
    got += ladon__host_irq_count(l.host("ch0"), a->dest_core, uint8_t(a->vector_first + v));
  EXPECT_EQ(got, c.interrupts);
  EXPECT_EQ(l.counter("mh.msi") + l.counter("ch1.msi"), 0u);
  EXPECT_EQ(ladon__iommu_fault_count(ladon__host_iommu(l.host("ch0"))), 0u);
  EXPECT_EQ(ladon__iommu_fault_count(ladon__host_iommu(l.host("mh"))), 0u);
}

TEST(LadonMgr, PlxLutNtbPassesTheFunctionNumberInTheProxyId) {
  // PLX: A-LUT entries of 64 KiB (1/512 of BAR2), proxy ID = far NT bus,
  // device = requester-ID entry, the VF's own function (S10).
  Opts o;
  o.ntb = R"("style": "plx", "bar2_size": "32MiB", "lut_entries": 512)";
  o.workloads = R"(
    "w0": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
           "size": "1KiB", "count": 32, "window": "0x10000+32KiB"})";
  std::string t = Edit(Topology(o), R"("num_vfs": 4)", R"("num_vfs": 4, "vf_bar_size": "64KiB")");
  t = Edit(t, R"("vm0": {"host": "ch0", "memory": "1GiB")", R"("vm0": {"host": "ch0", "memory": "16MiB")");
  t = Edit(t, R"("vm1": {"host": "ch1", "memory": "1GiB")", R"("vm1": {"host": "ch1", "memory": "16MiB")");
  Loaded l(t);
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  auto *ntb = static_cast<ladon__ntb *>(l.f->inst[l.comp("ntb0")]);
  uint16_t ep = ladon__ntb_endpoint_id(ntb, LADON__NTB_B);
  EXPECT_EQ(a->proxy_rid, uint16_t((ep & 0xff00) | a->vf_rid_entry << 3 | (a->vf_rid & 7)));
  l.run();
  std::vector<uint8_t> got = Guest(l.vm("ch0", "vm0"), 0x10000, 32 * 1024);
  for (size_t i = 0; i < got.size(); i++)
    ASSERT_EQ(got[i], ladon__workload_pattern_byte(Key("w0"), 0x10000 + i)) << i;
}

TEST(LadonMgr, TwoNtbsBetweenTheSameHostsAreNotALoop) {
  // ch0 reaches sw0 through ntb0 and ntb2: each NTB side is a domain
  // boundary, so no PCIe domain holds a loop.
  std::string t = Edit(Topology({}), R"("ch0": {"type": "host", "root_ports": 1,)",
                       R"("ch0": {"type": "host", "root_ports": 2,)");
  t = Edit(t, R"("downstream_ports": 3)", R"("downstream_ports": 4)");
  t = Edit(t, R"("ntb1": {"type": "ntb", )", R"("ntb2": {"type": "ntb"}, "ntb1": {"type": "ntb", )");
  t = Edit(t, R"({"a": "sw0.d2", "b": "ntb1.a"})",
           R"({"a": "sw0.d3", "b": "ntb2.a"}, {"a": "ch0.rp1", "b": "ntb2.b"}, {"a": "sw0.d2", "b": "ntb1.a"})");
  Loaded l(t);
  ASSERT_NE(l.f, nullptr) << l.err.text;
  EXPECT_EQ(l.assign(0)->ntb, l.comp("ntb0"));
  // A loop inside one domain is still one.
  std::string bad = Edit(Topology({}), R"("mh": {"type": "host", "root_ports": 1,)",
                         R"("mh": {"type": "host", "root_ports": 2,)");
  bad = Edit(bad, R"("downstream_ports": 3)", R"("downstream_ports": 4)");
  bad = Edit(bad, R"({"a": "sw0.d2", "b": "ntb1.a"})",
             R"({"a": "sw0.d2", "b": "ntb1.a"}, {"a": "mh.rp1", "b": "sw0.d3"})");
  Loaded lb(bad);
  EXPECT_EQ(lb.f, nullptr);
  EXPECT_NE(std::string(lb.err.text).find("closes a loop"), std::string::npos) << lb.err.text;
}

TEST(LadonMgr, EachHostEnumeratesItsOwnDomainUpToTheNtEndpoint) {
  Loaded l(Topology({}));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  uint32_t mh = l.comp("mh"), ch0 = l.comp("ch0"), ntb0 = l.comp("ntb0");
  // The NTB answers in both domains, as side a in the MH's and side b in
  // the CH's, each a Type 0 NT endpoint (class 0680h) with its own BARs.
  const ladon__enum_fn *a = ladon__fabric_fn_in(l.f, mh, ntb0);
  const ladon__enum_fn *b = ladon__fabric_fn_in(l.f, ch0, ntb0);
  ASSERT_TRUE(a && b);
  EXPECT_STREQ(a->port, "a");
  EXPECT_STREQ(b->port, "b");
  EXPECT_FALSE(a->bridge);
  EXPECT_NE(a->bars[2].size, 0u);
  EXPECT_NE(b->bars[2].addr, 0u);
  // The CH's walk stopped there: the NIC and the switch are the MH's only.
  EXPECT_EQ(ladon__fabric_fn_in(l.f, ch0, l.comp("nic0")), nullptr);
  const ladon__enum_domain *d = ladon__fabric_domain(l.f, ch0);
  ASSERT_NE(d, nullptr);
  for (size_t i = 0; i < d->n; i++) {
    EXPECT_NE(d->fns[i].comp, l.comp("sw0"));
    EXPECT_NE(d->fns[i].comp, l.comp("ntb1"));
  }
  // Bus numbers are per domain: both CH-side endpoints sit on bus 1 of
  // their own host (root port 00:01.0's secondary bus).
  EXPECT_EQ(b->bdf >> 8, 1);
  EXPECT_EQ(ladon__fabric_fn_in(l.f, l.comp("ch1"), l.comp("ntb1"))->bdf >> 8, 1);
}

TEST(LadonMgr, TheInterruptWindowIsWriteOnlyAndNoLargerThanItsBar) {
  // A 64 KiB BAR4 reaches 0xFEE00000-0xFEE0FFFF (APIC IDs 0-15): the MH
  // IOMMU lets the VF write exactly that, and read none of it.
  Opts o;
  o.ntb = R"("bar2_size": "8GiB", "bar4_size": "64KiB")";
  Loaded l(Topology(o));
  ASSERT_NE(l.f, nullptr) << l.err.text;
  const ladon__lmgr_assign *a = l.assign(0);
  const ladon_imap *dom = ladon__iommu_domain_map(ladon__host_iommu(l.host("mh")), a->iommu_domain);
  uint64_t out;
  EXPECT_EQ(ladon_imap_translate(dom, a->msi_addr_base, 4, LADON_IMAP_W, &out, nullptr),
            LADON_IMAP_HIT);
  EXPECT_EQ(out, a->msi_addr_base);
  EXPECT_EQ(ladon_imap_translate(dom, a->msi_addr_base + 0xfffc, 4, LADON_IMAP_W, &out, nullptr),
            LADON_IMAP_HIT);
  EXPECT_NE(ladon_imap_translate(dom, a->msi_addr_base + 0x10000, 4, LADON_IMAP_W, &out, nullptr),
            LADON_IMAP_HIT);
  EXPECT_NE(ladon_imap_translate(dom, a->msi_addr_base, 4, LADON_IMAP_R, &out, nullptr),
            LADON_IMAP_HIT);
  int n = 0;
  ASSERT_EQ(ladon__host_irq_hook(
                l.host("ch0"), [](void *c, uint32_t, uint8_t, uint16_t) { ++*static_cast<int *>(c); },
                &n),
            LADON_OK);
  ASSERT_EQ(ladon__sriov_msix_raise(l.vf(0), 0), LADON__MSIX_SENT);
  l.run_for(LADON_US(20));
  EXPECT_EQ(n, 1);
}
