// Small fabrics around one switch for the switch tests: a "root" endpoint
// on the Upstream Port and plain endpoints on Downstream Ports, each a port
// with a deliver callback that records what arrives.  Configuration goes
// through CfgRd/CfgWr TLPs sent by the root, as firmware would send them.
#ifndef LADON_TEST_SWITCH_HARNESS_H
#define LADON_TEST_SWITCH_HARNESS_H

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "ladon/link.h"
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "ladon/tlp_pool.h"
#include "models/switch.h"
#include "pcie/pci_regs.h"
}

namespace swt {

// What an endpoint received.
struct Rx {
  ladon_tlp t;                // copy; t.data is cleared
  std::vector<uint8_t> data;  // payload bytes, if carried
  ladon_time_ps at;           // delivery time
};

struct Ep {
  ladon_sim *sim = nullptr;
  ladon_port *port = nullptr;
  std::vector<Rx> rx;
  bool consume = true;               // return credits at delivery
  std::deque<ladon_tlp *> held;      // delivered, not consumed
  std::function<bool(Ep &)> gen;     // refills the transmit queue on tx_ready
  uint64_t sent = 0;

  ~Ep() {
    for (ladon_tlp *t : held) ladon_tlp_free(t);
    ladon_port_free(port);
  }
  void release_one() {
    ladon_tlp *t = held.front();
    held.pop_front();
    ladon_port_consume(port, t);
    ladon_tlp_free(t);
  }
  void release_all() {
    while (!held.empty()) release_one();
  }
  void fill() {
    while (gen && gen(*this)) {
    }
  }
  size_t count(ladon_tlp_type type) const {
    size_t n = 0;
    for (const Rx &r : rx) n += r.t.type == type;
    return n;
  }
};

inline void ep_deliver(void *owner, ladon_port *port, ladon_tlp *t) {
  Ep *e = static_cast<Ep *>(owner);
  Rx r;
  r.t = *t;
  r.t.data = nullptr;
  if (t->data) r.data.assign(t->data, t->data + t->data_bytes);
  r.at = ladon_sim_now(e->sim);
  e->rx.push_back(r);
  if (e->consume) {
    ladon_port_consume(port, t);
    ladon_tlp_free(t);
  } else {
    e->held.push_back(t);
  }
}

inline void ep_ready(void *owner, ladon_port *) { static_cast<Ep *>(owner)->fill(); }

inline void ep_init(Ep &e, ladon_sim *sim, const char *name,
                    const ladon_port_config *pc = nullptr) {
  ladon_port_callbacks cb{ep_deliver, ep_ready, nullptr};
  e.sim = sim;
  e.port = ladon_port_new(name, pc, &cb, &e, nullptr);
}

// ---- TLP builders -------------------------------------------------------

inline ladon_tlp *mem(ladon_tlp_type type, uint64_t addr, uint32_t bytes, uint16_t req,
                      uint16_t tag = 0, uint64_t id = 0) {
  ladon_tlp *t = ladon_tlp_alloc(type == LADON_TLP_MWR ? bytes : 0);
  t->type = (uint8_t)type;
  t->req_id = req;
  t->tag = tag;
  t->id = id;
  ladon_tlp_set_range(t, addr, bytes, nullptr);
  if (addr >> 32) t->flags |= LADON_TLP_F_ADDR64;
  return t;
}

inline ladon_tlp *cpld(uint16_t req_id, uint16_t cpl_id, uint16_t tag, uint32_t bytes,
                       uint64_t id = 0) {
  ladon_tlp *t = ladon_tlp_alloc(0);
  t->type = LADON_TLP_CPLD;
  t->req_id = req_id;
  t->cpl_id = cpl_id;
  t->tag = tag;
  t->length_dw = (uint16_t)(bytes / 4);
  t->byte_count = (uint16_t)bytes;
  t->id = id;
  return t;
}

inline ladon_tlp *msg(uint8_t code, uint8_t route, uint16_t req_id, uint64_t addr = 0) {
  ladon_tlp *t = ladon_tlp_alloc(0);
  t->type = LADON_TLP_MSG;
  t->msg_code = code;
  t->msg_route = route;
  t->req_id = req_id;
  t->addr = addr;
  return t;
}

// ---- the standard layout ------------------------------------------------
//
// Bus 1 is the root's secondary bus, where the Upstream Port is device 0;
// bus 2 is the switch's internal bus; Downstream Port j owns buses
// 3 + 4j .. 6 + 4j.  Memory: the Upstream Port forwards 9000_0000h-
// 9FFF_FFFFh, port j gets 16 MiB at 9000_0000h + 32 MiB * j (so gaps of
// 16 MiB lie between ports).  Prefetchable: 40_0000_0000h + 256 MiB * j,
// 256 MiB each, inside 40_0000_0000h-40_FFFF_FFFFh.  I/O: 2000h + 1000h * j.

constexpr uint16_t kRoot = LADON_TLP_ID(0, 0, 0);
constexpr unsigned kUpBus = 1, kInternalBus = 2;
inline unsigned sec_bus(unsigned j) { return 3 + 4 * j; }
inline unsigned sub_bus(unsigned j) { return 6 + 4 * j; }
constexpr uint64_t kMemBase = 0x90000000ull, kMemLimit = 0x9fffffffull;
inline uint64_t mem_base(unsigned j) { return kMemBase + 0x2000000ull * j; }
inline uint64_t mem_limit(unsigned j) { return mem_base(j) + 0xffffffull; }
constexpr uint64_t kPrefBase = 0x4000000000ull, kPrefLimit = 0x40ffffffffull;
inline uint64_t pref_base(unsigned j) { return kPrefBase + 0x10000000ull * j; }
inline uint64_t pref_limit(unsigned j) { return pref_base(j) + 0xfffffffull; }
inline uint32_t io_base(unsigned j) { return 0x2000u + 0x1000u * j; }

inline ladon_link_config link_cfg(unsigned gen = 3, unsigned width = 8) {
  ladon_link_config c;
  ladon_link_config_default(&c);
  c.gen = gen;
  c.width = width;
  return c;
}

inline ladon__switch_config default_cfg(unsigned down = 2) {
  ladon__switch_config c;
  ladon__switch_config_default(&c);
  c.downstream_ports = down;
  return c;
}

// A switch with `linked` Downstream Ports joined to endpoints (by default
// two Downstream Ports).
struct Fab {
  ladon_sim *sim = nullptr;
  ladon__switch *sw = nullptr;
  Ep root;
  std::vector<std::unique_ptr<Ep>> dn;
  std::vector<ladon_link *> links;
  ladon_error err{};
  uint16_t next_tag = 1;

  explicit Fab(const ladon__switch_config *sc = nullptr, unsigned linked = 2,
               const ladon_link_config *lc = nullptr,
               const ladon_port_config *ep_pc = nullptr) {
    ladon_sim_config cfg{};
    cfg.seed = 1;
    sim = ladon_sim_new(&cfg, nullptr);
    ladon__switch_config two = default_cfg(2);
    sw = ladon__switch_new(sim, "sw0", sc ? sc : &two, &err);
    if (!sw) return;
    ladon_link_config def = link_cfg();
    if (!lc) lc = &def;
    ep_init(root, sim, "root.rp0", ep_pc);
    links.push_back(ladon_link_new(sim, "l.up", lc, root.port,
                                   ladon__switch_port(sw, "up"), &err));
    for (unsigned j = 0; j < linked; j++) {
      dn.emplace_back(new Ep);
      std::string n = "ep" + std::to_string(j);
      ep_init(*dn.back(), sim, n.c_str(), ep_pc);
      std::string d = "d" + std::to_string(j);
      std::string ln = "l." + d;
      links.push_back(ladon_link_new(sim, ln.c_str(), lc, ladon__switch_port(sw, d.c_str()),
                                     dn.back()->port, &err));
    }
    run(LADON_US(2)); // flow control initialised on every link
  }
  ~Fab() {
    for (ladon_link *l : links) ladon_link_free(l);
    ladon__switch_free(sw);
    ladon_sim_free(sim);
  }
  bool ok() const {
    if (!sw) return false;
    for (ladon_link *l : links)
      if (!l) return false;
    return true;
  }
  void run(ladon_time_ps d) { ladon_sim_run_until(sim, ladon_sim_now(sim) + d); }
  ladon_time_ps now() const { return ladon_sim_now(sim); }

  // Runs until `e` has received `n` TLPs in all (or `limit` passes).
  bool run_until_rx(Ep &e, size_t n, ladon_time_ps limit = LADON_US(100)) {
    ladon_time_ps end = now() + limit;
    while (e.rx.size() < n && ladon_sim_next_time(sim) <= end && ladon_sim_step(sim)) {
    }
    return e.rx.size() >= n;
  }

  ladon_status send(Ep &from, ladon_tlp *t) {
    ladon_status st = ladon_port_send(from.port, t);
    if (st != LADON_OK) ladon_tlp_free(t);
    return st;
  }

  // ---- configuration from the root --------------------------------------

  static ladon_tlp *cfg_tlp(bool write, bool type1, uint16_t target, uint16_t off,
                            uint32_t value, uint8_t be, uint16_t tag) {
    ladon_tlp *t = ladon_tlp_alloc(write ? 4 : 0);
    t->type = (uint8_t)(write ? (type1 ? LADON_TLP_CFGWR1 : LADON_TLP_CFGWR0)
                              : (type1 ? LADON_TLP_CFGRD1 : LADON_TLP_CFGRD0));
    t->req_id = kRoot;
    t->tag = tag;
    t->target_id = target;
    t->addr = off & 0xffcu;
    t->length_dw = 1;
    t->first_be = be;
    if (write) {
      uint8_t *d = ladon_tlp_payload(t);
      for (int i = 0; i < 4; i++) d[i] = (uint8_t)(value >> (8 * i));
    }
    return t;
  }

  // Sends a configuration request from the root and waits for its
  // completion, which is taken out of root.rx (so that root.rx holds only
  // the traffic a test sends).  Type 0 when addressing the Upstream Port on
  // bus 1.  Returns false when no completion came.
  bool cfg(bool write, uint16_t target, uint16_t off, uint32_t value, uint8_t be, Rx *out) {
    bool type1 = LADON_TLP_ID_BUS(target) != kUpBus;
    size_t n = root.rx.size();
    if (send(root, cfg_tlp(write, type1, target, off, value, be, next_tag++)) != LADON_OK)
      return false;
    if (!run_until_rx(root, n + 1)) return false;
    *out = root.rx.back();
    root.rx.pop_back();
    last_cfg = *out;
    return true;
  }
  uint32_t cfg_read(uint16_t target, uint16_t off, uint8_t *status = nullptr) {
    Rx r;
    if (!cfg(false, target, off, 0, 0xf, &r)) return 0xdeadbeefu;
    if (status) *status = r.t.status;
    if (r.data.size() < 4) return 0xffffffffu;
    return (uint32_t)r.data[0] | (uint32_t)r.data[1] << 8 | (uint32_t)r.data[2] << 16 |
           (uint32_t)r.data[3] << 24;
  }
  uint8_t cfg_write(uint16_t target, uint16_t off, uint32_t value, uint8_t be = 0xf) {
    Rx r;
    return cfg(true, target, off, value, be, &r) ? r.t.status : 0xff;
  }
  Rx last_cfg{};  // the completion of the last configuration request

  static uint16_t usp() { return LADON_TLP_ID(kUpBus, 0, 0); }
  static uint16_t dsp(unsigned j) { return LADON_TLP_ID(kInternalBus, j, 0); }

  // Programs a bridge like firmware: bus numbers, windows, Command.
  void program_bridge(uint16_t id, unsigned pri, unsigned sec, unsigned sub, uint64_t mb,
                      uint64_t ml, uint64_t pb, uint64_t pl, uint32_t iob, uint32_t iol,
                      uint16_t cmd) {
    cfg_write(id, PCI_PRIMARY_BUS, pri | sec << 8 | sub << 16);
    cfg_write(id, PCI_MEMORY_BASE,
              (uint32_t)((mb >> 16) & 0xfff0u) | (uint32_t)((ml >> 16) & 0xfff0u) << 16);
    cfg_write(id, PCI_PREF_MEMORY_BASE,
              (uint32_t)((pb >> 16) & 0xfff0u) | (uint32_t)((pl >> 16) & 0xfff0u) << 16);
    cfg_write(id, PCI_PREF_BASE_UPPER32, (uint32_t)(pb >> 32));
    cfg_write(id, PCI_PREF_LIMIT_UPPER32, (uint32_t)(pl >> 32));
    cfg_write(id, PCI_IO_BASE, ((iob >> 8) & 0xf0u) | ((iol >> 8) & 0xf0u) << 8, 0x3);
    cfg_write(id, PCI_COMMAND, cmd, 0x3);
  }

  // The standard layout above, every port with I/O, Memory and Bus Master
  // enabled.
  void program() {
    unsigned n = ladon__switch_port_count(sw) - 1;
    uint16_t cmd = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    program_bridge(usp(), kUpBus, kInternalBus, sub_bus(n - 1), kMemBase, kMemLimit, kPrefBase,
                   kPrefLimit, 0x2000u, 0x2000u + 0x1000u * n - 1u, cmd);
    for (unsigned j = 0; j < n; j++)
      program_bridge(dsp(j), kInternalBus, sec_bus(j), sub_bus(j), mem_base(j), mem_limit(j),
                     pref_base(j), pref_limit(j), io_base(j), io_base(j) + 0xfffu, cmd);
  }

  // Writes ACS Control of Downstream Port j.
  uint8_t acs(unsigned j, uint16_t ctrl) {
    uint16_t off = (uint16_t)(0x100 + PCI_ACS_CAP); // ACS is the first extended capability
    uint32_t cap = cfg_read(dsp(j), 0x100);
    if ((cap & 0xffffu) != PCI_EXT_CAP_ID_ACS) return 0xfe;
    return cfg_write(dsp(j), off, (uint32_t)ctrl << 16, 0xc);
  }

  ladon__switch_port_counters counters(unsigned idx) const {
    ladon__switch_port_counters c{};
    ladon__switch_port_counters_get(sw, idx, &c);
    return c;
  }
};

}  // namespace swt

#endif
