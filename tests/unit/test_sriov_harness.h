// A small fabric for the SR-IOV endpoint tests: one device linked to a
// fake root port that records every TLP it receives, answers DMA reads from
// a byte-addressed fake memory (completions split at a chosen Read
// Completion Boundary and payload size, or with an error status, or not at
// all), stores DMA writes, and sends configuration and MMIO requests the
// way firmware and a driver would.
#ifndef LADON_TEST_SRIOV_HARNESS_H
#define LADON_TEST_SRIOV_HARNESS_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "ladon/link.h"
#include "ladon/rng.h"
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "ladon/tlp_pool.h"
#include "models/dma.h"
#include "models/sriov.h"
#include "models/workload.h"
#include "pcie/cfgspace_int.h"
}

namespace st {

// One received TLP: header fields, payload and arrival time.
struct Rx {
  ladon_tlp h;
  std::vector<uint8_t> data;
  ladon_time_ps t;
};

struct Host {
  ladon_sim *sim = nullptr;
  ladon_port *port = nullptr;
  std::vector<Rx> rx;                      // everything, in arrival order
  std::map<uint64_t, uint8_t> mem;         // fake memory, unset bytes read 0
  // How reads are answered.
  uint32_t rcb = 64;                       // split completions here
  uint32_t cpl_max = 256;                  // at most this many bytes each
  uint8_t read_status = LADON_TLP_CPL_SC;  // UR/CA: one error completion
  bool answer_reads = true;                // false: never complete
  ladon_time_ps read_latency = LADON_NS(500);
  std::function<void(ladon_tlp *)> mangle; // edit each completion before send
  uint16_t cpl_id = LADON_TLP_ID(0, 0, 0);
  uint16_t next_tag = 0;
  std::deque<ladon_tlp *> backlog;         // completions waiting for room
  // Tags of reads between arrival and their last completion leaving here.
  std::map<uint32_t, int> live;            // (req_id << 10 | tag) -> count
  size_t max_live = 0;
  int tag_reuse = 0;

  uint8_t byte(uint64_t a) const {
    auto it = mem.find(a);
    return it == mem.end() ? 0 : it->second;
  }
  void put(uint64_t a, const void *p, size_t n) {
    const uint8_t *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; i++) mem[a + i] = b[i];
  }
  uint32_t get32(uint64_t a) const {
    return (uint32_t)byte(a) | (uint32_t)byte(a + 1) << 8 | (uint32_t)byte(a + 2) << 16 |
           (uint32_t)byte(a + 3) << 24;
  }

  void flush() {
    while (!backlog.empty()) {
      if (ladon_port_send(port, backlog.front()) != LADON_OK) return;
      backlog.pop_front();
    }
  }
  void send(ladon_tlp *t) {
    backlog.push_back(t);
    flush();
  }

  // Completions for a DMA read: split at the RCB and cpl_max (§2.3.1.1).
  void answer(const ladon_tlp &req) {
    uint32_t bytes = ladon_tlp_request_bytes(&req);
    uint64_t a = req.addr;
    for (unsigned i = 0; i < 4; i++)
      if (req.first_be & (1u << i)) {
        a += i;
        break;
      }
    uint64_t end = a + bytes;
    if (read_status != LADON_TLP_CPL_SC) {
      ladon_tlp *c = ladon_tlp_alloc(0);
      c->type = LADON_TLP_CPL;
      c->req_id = req.req_id;
      c->tag = req.tag;
      c->cpl_id = cpl_id;
      c->status = read_status;
      c->byte_count = (uint16_t)bytes;
      c->lower_addr = (uint8_t)(a & 0x7f);
      later(c);
      return;
    }
    while (a < end) {
      uint64_t dw0 = a & ~3ull;
      uint64_t e = end;
      if (dw0 + cpl_max < end) e = (dw0 + cpl_max) & ~(uint64_t)(rcb - 1);
      uint32_t ndw = (uint32_t)((((e + 3) & ~3ull) - dw0) / 4);
      ladon_tlp *c = ladon_tlp_alloc(ndw * 4);
      c->type = LADON_TLP_CPLD;
      c->req_id = req.req_id;
      c->tag = req.tag;
      c->cpl_id = cpl_id;
      c->length_dw = (uint16_t)ndw;
      c->byte_count = (uint16_t)(end - a);
      c->lower_addr = (uint8_t)(a & 0x7f);
      uint8_t *p = ladon_tlp_payload(c);
      for (uint32_t i = 0; i < ndw * 4; i++) p[i] = byte(dw0 + i);
      if (mangle) mangle(c);
      later(c);
      a = e;
    }
  }

  struct Later {
    Host *h;
    ladon_tlp *t;
  };
  static void later_ev(ladon_sim *, void *ctx, uint64_t) {
    Later *l = static_cast<Later *>(ctx);
    const ladon_tlp *c = l->t;
    bool last = c->type == LADON_TLP_CPL ||
                (uint32_t)c->length_dw * 4u >= (uint32_t)(c->lower_addr & 3u) + c->byte_count;
    if (last) l->h->live.erase((uint32_t)c->req_id << 10 | c->tag);
    l->h->send(l->t);
    delete l;
  }
  void later(ladon_tlp *c) {
    ladon_sim_schedule_in(sim, read_latency, LADON_PRIO_DEFAULT, later_ev, new Later{this, c},
                          0);
  }

  static void on_deliver(void *owner, ladon_port *p, ladon_tlp *t) {
    Host *h = static_cast<Host *>(owner);
    Rx r;
    r.h = *t;
    r.h.data = nullptr;
    if (t->data) r.data.assign(t->data, t->data + t->data_bytes);
    r.t = ladon_sim_now(h->sim);
    h->rx.push_back(r);
    ladon_port_consume(p, t);
    if (t->type == LADON_TLP_MWR && t->data) {
      for (uint32_t i = 0; i < t->length_dw; i++) {
        uint8_t be = i == 0 ? t->first_be : (i + 1u == t->length_dw ? t->last_be : 0xf);
        for (unsigned b = 0; b < 4; b++)
          if (be & (1u << b)) h->mem[t->addr + 4 * i + b] = t->data[4 * i + b];
      }
    }
    if (t->type == LADON_TLP_MRD) {
      uint32_t key = (uint32_t)t->req_id << 10 | t->tag;
      if (h->live.count(key)) h->tag_reuse++;
      h->live[key] = 1;
      if (h->live.size() > h->max_live) h->max_live = h->live.size();
      if (h->answer_reads) h->answer(*t);
    }
    ladon_tlp_free(t);
  }
  static void on_ready(void *owner, ladon_port *) { static_cast<Host *>(owner)->flush(); }

  std::vector<const Rx *> of_type(ladon_tlp_type ty) const {
    std::vector<const Rx *> v;
    for (const Rx &r : rx)
      if (r.h.type == ty) v.push_back(&r);
    return v;
  }
};

struct Fixture {
  ladon_sim *sim = nullptr;
  Host host;
  ladon__sriov *dev = nullptr;
  ladon_link *link = nullptr;

  explicit Fixture(const ladon__sriov_config *cfg = nullptr, uint32_t link_mps = 4096,
                   uint64_t seed = 1) {
    ladon_sim_config sc = {seed, 0};
    sim = ladon_sim_new(&sc, nullptr);
    host.sim = sim;
    ladon__sriov_config c;
    ladon__sriov_config_default(&c);
    if (cfg) c = *cfg;
    ladon_error err;
    dev = ladon__sriov_new(sim, "nic0", &c, &err);
    if (!dev) {
      ADD_FAILURE() << err.text;
      abort();
    }
    ladon_port_callbacks cb = {Host::on_deliver, Host::on_ready, nullptr};
    ladon_port_config pc;
    ladon_port_config_default(&pc);
    pc.rx_cplh_credits = LADON_CREDITS_INFINITE;
    pc.rx_cpld_credits = LADON_CREDITS_INFINITE;
    host.port = ladon_port_new("rp0", &pc, &cb, &host, nullptr);
    ladon_link_config lc;
    ladon_link_config_default(&lc);
    lc.mps_bytes = link_mps;
    link = ladon_link_new(sim, "l0", &lc, host.port, ladon__sriov_port(dev), &err);
    EXPECT_NE(link, nullptr) << err.text;
  }
  ~Fixture() {
    ladon_link_free(link);
    ladon__sriov_free(dev);
    for (ladon_tlp *t : host.backlog) ladon_tlp_free(t);
    ladon_port_free(host.port);
    ladon_sim_free(sim);
  }

  void run_for(ladon_time_ps d) { ladon_sim_run_until(sim, ladon_sim_now(sim) + d); }
  // Runs until nothing is pending or `limit` passes.
  void drain(ladon_time_ps limit = LADON_MS(1)) {
    ladon_time_ps end = ladon_sim_now(sim) + limit;
    while (ladon_sim_next_time(sim) <= end)
      if (!ladon_sim_step(sim)) break;
  }

  // ---- configuration requests through the link ----
  struct CfgResult {
    uint8_t status;
    uint32_t value;
    uint16_t cpl_id;
  };
  CfgResult cfg(bool write, uint16_t bdf, uint16_t off, uint32_t value = 0, uint8_t be = 0xf,
                bool type1 = false) {
    ladon_tlp *t = ladon_tlp_alloc(write ? 4 : 0);
    t->type = (uint8_t)(write ? (type1 ? LADON_TLP_CFGWR1 : LADON_TLP_CFGWR0)
                              : (type1 ? LADON_TLP_CFGRD1 : LADON_TLP_CFGRD0));
    t->target_id = bdf;
    t->req_id = LADON_TLP_ID(0, 0, 0);
    uint16_t tag = host.next_tag++ & 0xff;
    t->tag = tag;
    t->addr = off & 0xffc;
    t->length_dw = 1;
    t->first_be = be;
    if (write) {
      uint8_t *p = ladon_tlp_payload(t);
      for (int i = 0; i < 4; i++) p[i] = (uint8_t)(value >> (8 * i));
    }
    size_t before = host.rx.size();
    host.send(t);
    for (int i = 0; i < 1000000; i++) {
      for (size_t k = before; k < host.rx.size(); k++) {
        const Rx &r = host.rx[k];
        if ((r.h.type == LADON_TLP_CPL || r.h.type == LADON_TLP_CPLD) && r.h.tag == tag &&
            r.h.req_id == LADON_TLP_ID(0, 0, 0)) {
          CfgResult res{r.h.status, 0, r.h.cpl_id};
          if (r.data.size() >= 4)
            res.value = (uint32_t)r.data[0] | (uint32_t)r.data[1] << 8 |
                        (uint32_t)r.data[2] << 16 | (uint32_t)r.data[3] << 24;
          return res;
        }
      }
      if (!ladon_sim_step(sim)) break;
    }
    ADD_FAILURE() << "no completion for a configuration request";
    return CfgResult{0xff, 0, 0};
  }
  uint32_t rd(uint16_t bdf, uint16_t off) { return cfg(false, bdf, off).value; }
  void wr(uint16_t bdf, uint16_t off, uint32_t v, uint8_t be = 0xf) {
    CfgResult r = cfg(true, bdf, off, v, be);
    EXPECT_EQ(r.status, LADON_TLP_CPL_SC) << "CfgWr to " << bdf << " offset " << off;
  }
  // 16-bit field at `off` (2-byte aligned), read-modify-written by DW.
  void wr16(uint16_t bdf, uint16_t off, uint16_t v) {
    uint8_t be = (off & 2) ? 0xc : 0x3;
    wr(bdf, off & 0xffc, (off & 2) ? (uint32_t)v << 16 : v, be);
  }
  uint16_t rd16(uint16_t bdf, uint16_t off) {
    return (uint16_t)(rd(bdf, off & 0xffc) >> ((off & 2) ? 16 : 0));
  }

  // Capability offsets found as software does: walking the lists.
  uint16_t find_cap(uint16_t bdf, uint8_t id) {
    uint16_t p = (uint16_t)(rd(bdf, PCI_CAPABILITY_LIST) & 0xfc);
    for (int i = 0; p && i < 48; i++) {
      uint32_t h = rd(bdf, p);
      if ((h & 0xff) == id) return p;
      p = (uint16_t)((h >> 8) & 0xfc);
    }
    return 0;
  }
  uint16_t find_ext(uint16_t bdf, uint16_t id) {
    uint16_t p = 0x100;
    for (int i = 0; p && i < 64; i++) {
      uint32_t h = rd(bdf, p);
      if (PCI_EXT_CAP_ID(h) == id) return p;
      p = (uint16_t)PCI_EXT_CAP_NEXT(h);
    }
    return 0;
  }

  // ---- what firmware and a PF driver do, with configuration writes ----
  static constexpr uint8_t kBus = 3;
  uint16_t pf() const { return LADON_TLP_ID(kBus, 0, 0); }

  // Bus 3, BAR0 at `bar`, VF BAR0 at `vfbar`, MPS/MRRS, and `nvfs` VFs.
  void enumerate(uint64_t bar, uint64_t vfbar, uint16_t nvfs, uint32_t mps = 256,
                 uint32_t mrrs = 512, bool bus_master = true) {
    wr(pf(), PCI_BASE_ADDRESS_0, (uint32_t)bar);
    wr(pf(), PCI_BASE_ADDRESS_1, (uint32_t)(bar >> 32));
    uint16_t exp = find_cap(pf(), PCI_CAP_ID_EXP);
    set_devctl(pf(), exp, mps, mrrs);
    uint16_t sr = find_ext(pf(), PCI_EXT_CAP_ID_SRIOV);
    wr(pf(), sr + PCI_SRIOV_BAR, (uint32_t)vfbar);
    wr(pf(), sr + PCI_SRIOV_BAR + 4, (uint32_t)(vfbar >> 32));
    wr16(pf(), sr + PCI_SRIOV_NUM_VF, nvfs);
    wr16(pf(), sr + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
    wr16(pf(), PCI_COMMAND,
         PCI_COMMAND_MEMORY | (bus_master ? PCI_COMMAND_MASTER : 0));
    for (uint16_t n = 1; n <= nvfs && bus_master; n++) {
      uint16_t v = vf(n);
      wr16(v, PCI_COMMAND, PCI_COMMAND_MASTER);
      set_devctl(v, find_cap(v, PCI_CAP_ID_EXP), mps, mrrs);
    }
  }
  // DevCtl: Max_Payload_Size and Max_Read_Request_Size (§7.5.3.4 encodings).
  void set_devctl(uint16_t bdf, uint16_t exp, uint32_t mps, uint32_t mrrs,
                  uint16_t extra = PCI_EXP_DEVCTL_EXT_TAG) {
    auto enc = [](uint32_t b) {
      uint16_t e = 0;
      while ((128u << e) < b) e++;
      return e;
    };
    uint16_t v = (uint16_t)(enc(mps) << 5 | enc(mrrs) << 12 | extra);
    wr16(bdf, exp + PCI_EXP_DEVCTL, v);
  }
  uint16_t vf(uint16_t n) const {
    const ladon__sriov_config *c = ladon__sriov_config_get(dev);
    return (uint16_t)(pf() + c->first_vf_offset + (n - 1u) * c->vf_stride);
  }

  // ---- MMIO from the host ----
  void mmio_write(uint64_t addr, const std::vector<uint8_t> &bytes) {
    uint64_t n = bytes.size();
    uint32_t span = (uint32_t)(((addr + n + 3) & ~3ull) - (addr & ~3ull));
    ladon_tlp *w = ladon_tlp_alloc(span);
    w->type = LADON_TLP_MWR;
    w->req_id = LADON_TLP_ID(0, 0, 0);
    ladon_tlp_set_range(w, addr, (uint32_t)n, nullptr);
    uint8_t *p = ladon_tlp_payload(w);
    for (size_t i = 0; i < n; i++) p[(addr & 3) + i] = bytes[i];
    host.send(w);
  }
  void mmio_write32(uint64_t addr, uint32_t v) {
    mmio_write(addr, {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)});
  }
  // An MRd; returns the completions that answer it.
  std::vector<Rx> mmio_read(uint64_t addr, uint32_t bytes) {
    ladon_tlp *t = ladon_tlp_alloc(0);
    t->type = LADON_TLP_MRD;
    t->req_id = LADON_TLP_ID(0, 0, 0);
    uint16_t tag = (uint16_t)(host.next_tag++ & 0xff);
    t->tag = tag;
    ladon_tlp_set_range(t, addr, bytes, nullptr);
    size_t before = host.rx.size();
    host.send(t);
    drain(LADON_US(50));
    std::vector<Rx> out;
    for (size_t k = before; k < host.rx.size(); k++)
      if ((host.rx[k].h.type == LADON_TLP_CPLD || host.rx[k].h.type == LADON_TLP_CPL) &&
          host.rx[k].h.tag == tag)
        out.push_back(host.rx[k]);
    return out;
  }
  uint32_t mmio_read32(uint64_t addr) {
    std::vector<Rx> c = mmio_read(addr, 4);
    if (c.size() != 1 || c[0].data.size() < 4) return 0xffffffffu;
    return (uint32_t)c[0].data[0] | (uint32_t)c[0].data[1] << 8 |
           (uint32_t)c[0].data[2] << 16 | (uint32_t)c[0].data[3] << 24;
  }
};

inline uint64_t counter(ladon_sim *sim, const std::string &name) {
  const ladon_stat *s = ladon_stats_find(ladon_sim_stats(sim), name.c_str());
  const ladon_counter *c = s ? ladon_stat_as_counter(s) : nullptr;
  return c ? ladon_counter_value(c) : UINT64_MAX;
}

}  // namespace st

#endif
