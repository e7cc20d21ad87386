// Small test fixtures for the link tests: an endpoint that records what it
// receives and consumes it (at once or after a delay), and a source that
// keeps a port's transmit queue full with a stream of TLPs.
#ifndef LADON_TEST_LINK_HARNESS_H
#define LADON_TEST_LINK_HARNESS_H

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "ladon/link.h"
#include "ladon/tlp_pool.h"
}

namespace lt {

// Builds a 64-bit memory write (or read) of `bytes` at `addr`.
inline ladon_tlp *mem(ladon_tlp_type type, uint64_t addr, uint32_t bytes,
                      uint64_t id = 0) {
  ladon_tlp *t = ladon_tlp_alloc(0);
  t->type = (uint8_t)type;
  t->req_id = LADON_TLP_ID(1, 0, 0);
  ladon_tlp_set_range(t, addr, bytes, nullptr);
  t->flags |= LADON_TLP_F_ADDR64;
  t->id = id;
  return t;
}

inline ladon_tlp *cpld(uint16_t req_id, uint16_t tag, uint32_t bytes,
                       uint64_t id = 0) {
  ladon_tlp *t = ladon_tlp_alloc(0);
  t->type = LADON_TLP_CPLD;
  t->req_id = req_id;
  t->cpl_id = LADON_TLP_ID(2, 0, 0);
  t->tag = tag;
  t->length_dw = (uint16_t)(bytes / 4);
  t->byte_count = (uint16_t)bytes;
  t->id = id;
  return t;
}

struct Node {
  ladon_sim *sim = nullptr;
  ladon_port *port = nullptr;
  std::string name;
  // Receive side.
  std::vector<uint64_t> ids;
  std::vector<ladon_time_ps> t_rx;
  std::vector<uint8_t> types;
  uint64_t rx_payload = 0;
  bool consume = true;            // free credits on delivery
  unsigned hold_classes = 0;      // bit (1 << ladon_tlp_class): hold these
  ladon_time_ps consume_delay = 0;  // ... this long after delivery
  std::deque<ladon_tlp *> held;   // TLPs not consumed (consume == false)
  // Transmit side: a generator called when the queue has room.
  std::function<bool(Node &)> next;  // sends one TLP; false when done
  uint64_t tx_ready_calls = 0;

  ~Node() {
    for (ladon_tlp *t : held) ladon_tlp_free(t);
    ladon_port_free(port);
  }

  // Consumes one held TLP now.
  void release_one() {
    ladon_tlp *t = held.front();
    held.pop_front();
    ladon_port_consume(port, t);
    ladon_tlp_free(t);
  }

  void fill() {
    while (next && next(*this)) {
    }
  }
};

struct Pending {
  Node *n;
  ladon_tlp_class cls;
  uint8_t tc;
  uint32_t data;
};

inline void delayed_consume(ladon_sim *, void *ctx, uint64_t) {
  Pending *p = static_cast<Pending *>(ctx);
  ladon_port_consume_credits(p->n->port, p->cls, p->tc, 1, p->data);
  delete p;
}

inline void on_deliver(void *owner, ladon_port *port, ladon_tlp *tlp) {
  Node *n = static_cast<Node *>(owner);
  n->ids.push_back(tlp->id);
  n->t_rx.push_back(ladon_sim_now(n->sim));
  n->types.push_back(tlp->type);
  n->rx_payload += ladon_tlp_payload_bytes(tlp);
  if (!n->consume ||
      (n->hold_classes & (1u << ladon_tlp_type_class((ladon_tlp_type)tlp->type)))) {
    n->held.push_back(tlp);
    return;
  }
  if (n->consume_delay) {
    Pending *p = new Pending{n, ladon_tlp_type_class((ladon_tlp_type)tlp->type),
                             tlp->tc, ladon_tlp_data_credits(tlp)};
    ladon_sim_schedule_in(n->sim, n->consume_delay, LADON_PRIO_DEFAULT,
                          delayed_consume, p, 0);
  } else {
    ladon_port_consume(port, tlp);
  }
  ladon_tlp_free(tlp);
}

inline void on_ready(void *owner, ladon_port *) {
  Node *n = static_cast<Node *>(owner);
  n->tx_ready_calls++;
  n->fill();
}

inline void make_port(Node &n, ladon_sim *sim, const char *name,
                      const ladon_port_config *cfg = nullptr) {
  ladon_port_callbacks cb{on_deliver, on_ready, nullptr};
  n.sim = sim;
  n.name = name;
  n.port = ladon_port_new(name, cfg, &cb, &n, nullptr);
}

// A sim with two nodes joined by one link.
struct Pair {
  ladon_sim *sim = nullptr;
  Node a, b;
  ladon_link *link = nullptr;
  ladon_error err{};

  explicit Pair(const ladon_link_config *cfg,
                const ladon_port_config *pa = nullptr,
                const ladon_port_config *pb = nullptr, uint64_t seed = 1) {
    ladon_sim_config sc{};
    sc.seed = seed;
    sim = ladon_sim_new(&sc, nullptr);
    make_port(a, sim, "a", pa);
    make_port(b, sim, "b", pb);
    link = ladon_link_new(sim, "l0", cfg, a.port, b.port, &err);
  }
  ~Pair() {
    // The link goes before the simulation; the ports (in the nodes) after.
    ladon_link_free(link);
    ladon_sim_free(sim);
  }
  // Runs until flow control is initialised.
  ladon_time_ps up() {
    while (!ladon_link_is_up(link) && ladon_sim_step(sim)) {
    }
    return ladon_sim_now(sim);
  }
  ladon_link_counters counters(unsigned dir) const {
    ladon_link_counters c;
    ladon_link_counters_get(link, dir, &c);
    return c;
  }
};

// A saturating stream of memory writes of `size` bytes, split at `mps`,
// each TLP numbered in `id`.
struct WriteStream {
  uint32_t size, mps;
  uint64_t addr = 0x100000000ull, sent = 0, limit = UINT64_MAX;
  uint32_t left = 0;
  ladon_tlp_type type = LADON_TLP_MWR;
  bool operator()(Node &n) {
    if (sent >= limit) return false;
    if (!ladon_port_can_send(n.port, LADON_TLP_CLASS_P, 0)) return false;
    if (left == 0) left = size;
    uint32_t len = left < mps ? left : mps;
    ladon_tlp *t = mem(type, addr, len, ++sent);
    if (ladon_port_send(n.port, t) != LADON_OK) {
      ladon_tlp_free(t);
      sent--;
      return false;
    }
    addr += len;
    left -= len;
    return true;
  }
};

}  // namespace lt

#endif
