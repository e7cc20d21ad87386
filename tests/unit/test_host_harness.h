// Fixtures for the host tests: a host built from its component type with
// given parameters, and test endpoints linked to its root ports that record
// what they receive and answer configuration and memory reads like a
// simple Type 0 function would.
#ifndef LADON_TEST_HOST_HARNESS_H
#define LADON_TEST_HOST_HARNESS_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "ladon/component.h"
#include "ladon/link.h"
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "ladon/tlp_pool.h"
#include "models/host.h"
#include "models/model.h"
#include "pcie/pci_regs.h"
}

namespace ht {

// One TLP as an endpoint received it, with a copy of its payload.
struct Rx {
  ladon_tlp tlp;
  std::vector<uint8_t> data;
  ladon_time_ps t;
};

// A test endpoint: Type 0 function `id` behind a root port.
struct Ep {
  ladon_sim *sim = nullptr;
  ladon_port *port = nullptr;
  uint16_t id = LADON_TLP_ID(1, 0, 0);
  std::vector<Rx> rx;
  std::map<uint16_t, uint32_t> cfg;     // register DWs
  std::map<uint64_t, uint8_t> mem;      // BAR contents (unset bytes: 0)
  bool answer = true;                   // answer Cfg* / MRd
  uint8_t cfg_status = LADON_TLP_CPL_SC;
  std::vector<ladon_tlp *> backlog;     // completions the link refused
  uint16_t next_tag = 0;

  ~Ep() {
    for (ladon_tlp *t : backlog) ladon_tlp_free(t);
    ladon_port_free(port);
  }

  size_t count(ladon_tlp_type type) const {
    size_t n = 0;
    for (const Rx &r : rx) n += r.tlp.type == type;
    return n;
  }
  const Rx *last(ladon_tlp_type type) const {
    for (size_t i = rx.size(); i-- > 0;)
      if (rx[i].tlp.type == type) return &rx[i];
    return nullptr;
  }

  void send(ladon_tlp *t) {
    if (!backlog.empty() || ladon_port_send(port, t) == LADON_EFULL)
      backlog.push_back(t);
  }
  void flush() {
    while (!backlog.empty() && ladon_port_send(port, backlog.front()) == LADON_OK)
      backlog.erase(backlog.begin());
  }

  ladon_tlp *cpl(const ladon_tlp *req, ladon_tlp_type type, uint8_t status,
                 uint32_t bytes) {
    ladon_tlp *c = ladon_tlp_alloc(type == LADON_TLP_CPLD ? bytes : 0);
    c->type = (uint8_t)type;
    c->req_id = req->req_id;
    c->tag = req->tag;
    c->cpl_id = id;
    c->status = status;
    return c;
  }

  void on_rx(ladon_tlp *t) {
    Rx r;
    r.tlp = *t;
    r.tlp.data = nullptr;
    if (t->data) r.data.assign(t->data, t->data + t->data_bytes);
    r.t = ladon_sim_now(sim);
    rx.push_back(r);
    ladon_port_consume(port, t);
    if (answer) {
      switch (t->type) {
        case LADON_TLP_CFGRD0: {
          ladon_tlp *c;
          if (cfg_status != LADON_TLP_CPL_SC) {
            c = cpl(t, LADON_TLP_CPL, cfg_status, 0);
          } else {
            c = cpl(t, LADON_TLP_CPLD, LADON_TLP_CPL_SC, 4);
            uint32_t v = cfg[(uint16_t)t->addr];
            uint8_t *d = ladon_tlp_payload(c);
            for (int b = 0; b < 4; b++) d[b] = (uint8_t)(v >> (8 * b));
            c->length_dw = 1;
          }
          c->byte_count = 4;
          send(c);
          break;
        }
        case LADON_TLP_CFGWR0: {
          uint32_t v = 0;
          for (int b = 0; b < 4; b++)
            if ((t->first_be >> b) & 1) v |= (uint32_t)t->data[b] << (8 * b);
          cfg[(uint16_t)t->addr] = v;
          ladon_tlp *c = cpl(t, LADON_TLP_CPL, LADON_TLP_CPL_SC, 0);
          c->byte_count = 4;
          send(c);
          break;
        }
        case LADON_TLP_CFGRD1:
        case LADON_TLP_CFGWR1: {
          // An endpoint treats Type 1 as Unsupported Request (§7.3.3).
          ladon_tlp *c = cpl(t, LADON_TLP_CPL, LADON_TLP_CPL_UR, 0);
          c->byte_count = 4;
          send(c);
          break;
        }
        case LADON_TLP_MRD: {
          // One completion with the whole DW-aligned range.
          uint32_t n = t->length_dw * 4u;
          ladon_tlp *c = cpl(t, LADON_TLP_CPLD, LADON_TLP_CPL_SC, n);
          c->length_dw = t->length_dw;
          c->byte_count = (uint16_t)ladon_tlp_request_bytes(t);
          if (!c->byte_count) c->byte_count = 1;
          c->lower_addr = (uint8_t)(t->addr & 0x7f);
          for (unsigned b = 0; b < 4; b++)
            if ((t->first_be >> b) & 1) {
              c->lower_addr = (uint8_t)((t->addr & 0x7c) | b);
              break;
            }
          uint8_t *d = ladon_tlp_payload(c);
          for (uint32_t i = 0; i < n; i++) d[i] = mem[t->addr + i];
          send(c);
          break;
        }
        default:
          break;
      }
    }
  }

  // Sends a memory request of `bytes` at `addr` as requester `id`.
  void mem_request(ladon_tlp_type type, uint64_t addr, uint32_t bytes,
                   const uint8_t *data = nullptr, uint16_t req = 0xffff,
                   uint16_t tag = 0xffff) {
    uint32_t lead = (uint32_t)(addr & 3u);
    uint32_t dw_bytes = (lead + bytes + 3u) & ~3u;
    ladon_tlp *t = ladon_tlp_alloc(type == LADON_TLP_MWR ? dw_bytes : 0);
    t->type = (uint8_t)type;
    ladon_tlp_set_range(t, addr, bytes, nullptr);
    t->req_id = req == 0xffff ? id : req;
    t->tag = tag == 0xffff ? next_tag++ % 256 : tag;
    if (type == LADON_TLP_MWR && data)
      std::memcpy(ladon_tlp_payload(t) + lead, data, bytes);
    send(t);
  }
};

inline void ep_deliver(void *owner, ladon_port *, ladon_tlp *tlp) {
  Ep *e = static_cast<Ep *>(owner);
  e->on_rx(tlp);
  ladon_tlp_free(tlp);
}
inline void ep_ready(void *owner, ladon_port *) {
  static_cast<Ep *>(owner)->flush();
}

using Params = std::vector<std::pair<std::string, std::string>>;

// A host with `n_eps` endpoints on rp0.., all links with `lc`.
struct Fixture {
  ladon_sim *sim = nullptr;
  void *inst = nullptr;
  ladon__host *h = nullptr;
  std::vector<std::unique_ptr<Ep>> eps;
  std::vector<ladon_link *> links;
  ladon_error err{};
  ladon_status create_status = LADON_OK;

  explicit Fixture(const Params &params, unsigned n_eps = 1,
                   const ladon_link_config *lc = nullptr) {
    sim = ladon_sim_new(nullptr, nullptr);
    const ladon_component_type *ty = &ladon__model_host_type;
    ladon_params *p = ladon_params_new(ty->params, ty->n_params, "host", &err);
    for (const auto &kv : params)
      EXPECT_EQ(ladon_params_set(p, kv.first.c_str(), kv.second.c_str(), &err),
                LADON_OK)
          << kv.first << ": " << err.text;
    EXPECT_EQ(ladon_params_resolve(p, &err), LADON_OK) << err.text;
    create_status = ty->create(sim, "mh", p, &inst, &err);
    ladon_params_free(p);
    if (create_status != LADON_OK) return;
    h = ladon__host_of(inst);
    for (unsigned i = 0; i < n_eps; i++) {
      auto e = std::make_unique<Ep>();
      e->sim = sim;
      e->id = LADON_TLP_ID(1 + 16 * i, 0, 0);
      ladon_port_callbacks cb{ep_deliver, ep_ready, nullptr};
      std::string name = "ep" + std::to_string(i);
      e->port = ladon_port_new(name.c_str(), nullptr, &cb, e.get(), &err);
      std::string rp = "rp" + std::to_string(i);
      ladon_port *rpp = ladon__model_ops(ty)->port(inst, rp.c_str());
      std::string ln = "l" + std::to_string(i);
      ladon_link *l = ladon_link_new(sim, ln.c_str(), lc, rpp, e->port, &err);
      EXPECT_NE(l, nullptr) << err.text;
      links.push_back(l);
      eps.push_back(std::move(e));
    }
    EXPECT_EQ(ladon__model_ops(ty)->start(inst, &err), LADON_OK);
  }

  ~Fixture() {
    for (ladon_link *l : links) ladon_link_free(l);
    if (inst) ladon__model_host_type.destroy(inst);
    eps.clear();
    ladon_sim_free(sim);
  }

  ladon_time_ps now() const { return ladon_sim_now(sim); }
  void run_for(ladon_time_ps d) { ladon_sim_run_until(sim, now() + d); }

  uint64_t stat(const char *leaf) const {
    std::string n = std::string("mh.") + leaf;
    const ladon_stat *s = ladon_stats_find(ladon_sim_stats(sim), n.c_str());
    if (!s) return UINT64_MAX;
    const ladon_counter *c = ladon_stat_as_counter(s);
    return c ? ladon_counter_value(c) : UINT64_MAX;
  }
  const ladon_hist *hist(const char *leaf) const {
    std::string n = std::string("mh.") + leaf;
    const ladon_stat *s = ladon_stats_find(ladon_sim_stats(sim), n.c_str());
    return s ? ladon_stat_as_hist(s) : nullptr;
  }

  // Synchronous configuration access: issue, run until the callback.
  struct CfgResult {
    bool done = false;
    uint8_t status = 0xee;
    uint32_t value = 0;
    ladon_time_ps t = 0;
    ladon_sim *sim = nullptr;
  };
  static void cfg_cb(void *ctx, uint8_t status, uint32_t value) {
    CfgResult *r = static_cast<CfgResult *>(ctx);
    r->done = true;
    r->status = status;
    r->value = value;
    r->t = ladon_sim_now(r->sim);
  }
  CfgResult cfg_read(uint16_t bdf, uint16_t reg, unsigned size) {
    CfgResult r;
    r.sim = sim;
    EXPECT_EQ(ladon__host_cfg_read(h, bdf, reg, size, cfg_cb, &r), LADON_OK);
    while (!r.done && ladon_sim_step(sim)) {
    }
    return r;
  }
  CfgResult cfg_write(uint16_t bdf, uint16_t reg, unsigned size, uint32_t v) {
    CfgResult r;
    r.sim = sim;
    EXPECT_EQ(ladon__host_cfg_write(h, bdf, reg, size, v, cfg_cb, &r),
              LADON_OK);
    while (!r.done && ladon_sim_step(sim)) {
    }
    return r;
  }

  // Programs root port i like firmware: buses, a memory window, Command.
  void program_rp(unsigned i, unsigned sec, unsigned sub, uint64_t mem_base,
                  uint64_t mem_limit, uint16_t command) {
    uint16_t bdf = LADON_TLP_ID(0, i + 1, 0);
    cfg_write(bdf, PCI_PRIMARY_BUS, 1, 0);
    cfg_write(bdf, PCI_SECONDARY_BUS, 1, sec);
    cfg_write(bdf, PCI_SUBORDINATE_BUS, 1, sub);
    // §7.5.1.3.8: Memory Base/Limit hold address bits 31:20.
    cfg_write(bdf, PCI_MEMORY_BASE, 2, (uint32_t)(mem_base >> 16) & 0xfff0u);
    cfg_write(bdf, PCI_MEMORY_LIMIT, 2, (uint32_t)(mem_limit >> 16) & 0xfff0u);
    // Unused windows off, as firmware leaves them: base above limit.
    cfg_write(bdf, PCI_PREF_MEMORY_BASE, 2, 0xfff0);
    cfg_write(bdf, PCI_PREF_MEMORY_LIMIT, 2, 0x0000);
    cfg_write(bdf, PCI_PREF_BASE_UPPER32, 4, 0);
    cfg_write(bdf, PCI_PREF_LIMIT_UPPER32, 4, 0);
    cfg_write(bdf, PCI_IO_BASE, 1, 0xf0);
    cfg_write(bdf, PCI_IO_LIMIT, 1, 0x00);
    cfg_write(bdf, PCI_COMMAND, 2, command);
  }

  // Offset of capability `id` of root port i (0 if absent).
  unsigned find_cap(unsigned i, unsigned id) {
    uint16_t bdf = LADON_TLP_ID(0, i + 1, 0);
    unsigned off = cfg_read(bdf, PCI_CAPABILITY_LIST, 1).value;
    for (int n = 0; off && n < 48; n++) {
      uint32_t hdr = cfg_read(bdf, (uint16_t)off, 2).value;
      if ((hdr & 0xff) == id) return off;
      off = hdr >> 8;
    }
    return 0;
  }
  // Offset of extended capability `id` of root port i (0 if absent).
  unsigned find_ext_cap(unsigned i, unsigned id) {
    uint16_t bdf = LADON_TLP_ID(0, i + 1, 0);
    unsigned off = 0x100;
    for (int n = 0; off && n < 64; n++) {
      uint32_t hdr = cfg_read(bdf, (uint16_t)off, 4).value;
      if (PCI_EXT_CAP_ID(hdr) == id) return off;
      off = PCI_EXT_CAP_NEXT(hdr);
    }
    return 0;
  }

  // Programs root port i's Device Control Max_Payload_Size (§7.5.3.4).
  void set_rp_mps(unsigned i, unsigned bytes) {
    unsigned exp = find_cap(i, PCI_CAP_ID_EXP);
    uint16_t bdf = LADON_TLP_ID(0, i + 1, 0);
    uint32_t ctl = cfg_read(bdf, (uint16_t)(exp + PCI_EXP_DEVCTL), 2).value;
    unsigned enc = 0;
    while ((128u << enc) < bytes) enc++;
    ctl = (ctl & ~(uint32_t)PCI_EXP_DEVCTL_PAYLOAD) | enc << 5;
    cfg_write(bdf, (uint16_t)(exp + PCI_EXP_DEVCTL), 2, ctl);
  }

  // Waits until every link is up.
  void up() {
    for (ladon_link *l : links)
      while (!ladon_link_is_up(l) && ladon_sim_step(sim)) {
      }
  }
};

// A synchronous MMIO load.
struct Load {
  bool done = false;
  uint8_t status = 0xee;
  uint64_t value = 0;
  ladon_time_ps t = 0;
  ladon_sim *sim = nullptr;
  static void cb(void *ctx, uint8_t status, uint64_t value) {
    Load *l = static_cast<Load *>(ctx);
    l->done = true;
    l->status = status;
    l->value = value;
    l->t = ladon_sim_now(l->sim);
  }
};

}  // namespace ht

#endif
