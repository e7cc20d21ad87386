/*
** Where one TLP goes: the routing decision of a switch at the ingress port
** (PCIe Base 5.0 §2.2.4 address and ID routing, §7.3.3 configuration
** request routing, §2.2.8 message routing, §6.12 ACS), taken when the
** header has arrived.  Pure: reads the decoded registers, changes nothing.
*/
#include "models/switch_int.h"
#include "pcie/tlp_int.h"

/* Message codes the switch acts on (§2.2.8, Table 2-21 ff.). */
#define MSG_ASSERT_INTA 0x20u
#define MSG_DEASSERT_INTD 0x27u
#define MSG_PME_TO_ACK 0x1bu

static void set(ladon__sw_route *r, unsigned action, unsigned why,
                unsigned egress) {
  r->action = (uint8_t)action;
  r->why = (uint8_t)why;
  r->egress = (uint8_t)egress;
  r->fn = 0;
  r->new_type = 0;
}

static bool in_win(const ladon__cfg_window *w, uint64_t a, bool need_enable) {
  return (need_enable ? w->enabled : w->valid) && a >= w->base && a <= w->limit;
}

/* Whether the bridge's own windows hold `a` (memory: either window). */
static bool in_windows(const ladon__cfg_bridge *b, uint64_t a, bool io,
                       bool need_enable) {
  if (io) return in_win(&b->io, a, need_enable);
  return in_win(&b->mem, a, need_enable) || in_win(&b->pref, a, need_enable);
}

static bool bus_below(const ladon__cfg_bridge *b, unsigned bus) {
  return b->bus_valid && bus >= b->secondary && bus <= b->subordinate;
}

/*
** ACS checks of an upstream request entering Downstream Port `p`
** (§6.12.1.2, §7.7.8.3): Source Validation -- the Requester ID's bus must
** lie in the port's secondary..subordinate range; Translation Blocking --
** the AT field must be the default (untranslated).
*/
static bool acs_blocks(const ladon__sw_port *p, const ladon_tlp *t) {
  if ((p->acs_ctrl & PCI_ACS_SV) && !bus_below(&p->br, LADON_TLP_ID_BUS(t->req_id)))
    return true;
  if ((p->acs_ctrl & PCI_ACS_TB) && t->at != LADON_TLP_AT_UNTRANSLATED) return true;
  return false;
}

/* Out of the Upstream Port, if its Bus Master Enable lets requests go up
** (§7.5.1.1.3: for a Type 1 function BME gates upstream Memory and I/O
** requests; clear, they are Unsupported Requests). */
static void up_request(const ladon__switch *sw, const ladon_tlp *t,
                       ladon__sw_route *r) {
  bool gated = ladon__tlp_class(t->type) != LADON_TLP_CLASS_CPL &&
               t->type != LADON_TLP_MSG && t->type != LADON_TLP_MSGD;
  if (gated && !sw->ports[LADON__SWITCH_UP].br.bus_master)
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
  else
    set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
}

/* Memory, I/O, AtomicOp, DMWr requests and messages routed by address. */
static void route_addr(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                       ladon__sw_route *r) {
  bool io = t->type == LADON_TLP_IORD || t->type == LADON_TLP_IOWR;
  bool msg = t->type == LADON_TLP_MSG || t->type == LADON_TLP_MSGD;
  const ladon__sw_port *p = &sw->ports[in];
  const ladon__cfg_bridge *usp = &sw->ports[LADON__SWITCH_UP].br;
  int j;
  if (in == LADON__SWITCH_UP) {
    /* Downstream: the Upstream Port's windows claim the request (positive
    ** decode, enabled by Memory / I/O Space Enable), then the Downstream
    ** Port whose window holds it (§7.5.1.3.8-10). */
    j = in_windows(usp, t->addr, io, true) ? ladon__sw_window_port(sw, t->addr, io) : -1;
    if (j < 0)
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    else
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
    return;
  }
  if (acs_blocks(p, t)) {
    set(r, LADON__SW_UR, LADON__SW_WHY_ACS, 0);
    return;
  }
  /* BME of the Downstream Port gates what comes up through it (§7.5.1.1.3);
  ** locked requests travel downstream only (§6.5.1). */
  if ((!msg && !p->br.bus_master) || t->type == LADON_TLP_MRDLK) {
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  if (in_windows(&p->br, t->addr, io, false)) {
    /* Addressed back below the port it came from: not forwarded, unless
    ** ACS Upstream Forwarding sends it up (§6.12.1.2). */
    if (p->acs_ctrl & PCI_ACS_UF)
      up_request(sw, t, r);
    else
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  j = ladon__sw_window_port(sw, t->addr, io);
  if (j > 0) {
    /* Peer-to-peer.  ACS P2P Request Redirect sends it to the Upstream
    ** Port instead; Direct Translated P2P exempts translated addresses
    ** (§7.7.8.3). */
    bool direct_tr = (p->acs_ctrl & PCI_ACS_DT) && t->at == LADON_TLP_AT_TRANSLATED;
    if ((p->acs_ctrl & PCI_ACS_RR) && !direct_tr)
      up_request(sw, t, r);
    else
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
    return;
  }
  /* Inverse decode: the Upstream Port forwards up what lies outside its
  ** windows; inside them, no Downstream Port claimed it. */
  if (in_windows(usp, t->addr, io, false))
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
  else
    up_request(sw, t, r);
}

/* Completions, by Requester ID (§2.2.4.2). */
static void route_cpl(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                      ladon__sw_route *r) {
  unsigned bus = LADON_TLP_ID_BUS(t->req_id);
  const ladon__sw_port *p = &sw->ports[in];
  int j = ladon__sw_bus_port(sw, bus);
  if (in == LADON__SWITCH_UP) {
    if (j > 0)
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
    else
      set(r, LADON__SW_DROP, LADON__SW_WHY_UNEXPECTED, 0);
    return;
  }
  if (j == (int)in) {
    if (p->acs_ctrl & PCI_ACS_UF)
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
    else
      set(r, LADON__SW_DROP, LADON__SW_WHY_UNEXPECTED, 0);
    return;
  }
  if (j > 0) {
    /* ACS P2P Completion Redirect applies to completions whose Relaxed
    ** Ordering attribute is clear (§7.7.8.3). */
    if ((p->acs_ctrl & PCI_ACS_CR) && !(t->attr & LADON_TLP_ATTR_RO))
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
    else
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
    return;
  }
  /* A bus inside the switch's range that no port claims (the internal bus
  ** itself included: the switch issues no requests) is nobody's. */
  if (bus_below(&sw->ports[LADON__SWITCH_UP].br, bus))
    set(r, LADON__SW_DROP, LADON__SW_WHY_UNEXPECTED, 0);
  else
    set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
}

/* Configuration requests (§7.3.3): only downstream, from the Upstream Port. */
static void route_cfg(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                      ladon__sw_route *r) {
  const ladon__cfg_bridge *usp = &sw->ports[LADON__SWITCH_UP].br;
  unsigned bus = LADON_TLP_ID_BUS(t->target_id);
  unsigned dev = LADON_TLP_ID_DEV(t->target_id);
  unsigned fn = LADON_TLP_ID_FN(t->target_id);
  bool type0 = t->type == LADON_TLP_CFGRD0 || t->type == LADON_TLP_CFGWR0;
  int j;
  /* "Propagation of Configuration Requests from Downstream to Upstream as
  ** well as peer-to-peer are not supported" (§7.3.3): UR. */
  if (in != LADON__SWITCH_UP) {
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  if (type0) {
    /* For the Upstream Port's own function; a single-function device has
    ** only function 0. */
    if (fn != 0) {
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    } else {
      set(r, LADON__SW_CFG, LADON__SW_WHY_NONE, 0);
      r->fn = LADON__SWITCH_UP;
    }
    return;
  }
  if (!usp->bus_valid || bus < usp->secondary || bus > usp->subordinate) {
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  if (bus == usp->secondary) {
    /* The internal bus: Downstream Ports are devices 0..N-1, function 0. */
    if (dev + 1u < sw->nports && fn == 0) {
      set(r, LADON__SW_CFG, LADON__SW_WHY_NONE, 0);
      r->fn = (uint8_t)(dev + 1u);
    } else {
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    }
    return;
  }
  j = ladon__sw_bus_port(sw, bus);
  if (j < 0) {
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
  if (bus == sw->ports[j].br.secondary) {
    /* Converted to Type 0 on the Downstream Port's secondary bus; device
    ** numbers other than 0 only with ARI Forwarding enabled (§7.3.3,
    ** §6.13), else UR. */
    if (dev != 0 && !sw->ports[j].ari_fwd) {
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
      return;
    }
    r->new_type = t->type == LADON_TLP_CFGRD1 ? LADON_TLP_CFGRD0 : LADON_TLP_CFGWR0;
  }
}

/* Messages routed by ID: the target may be one of the switch's functions. */
static void route_msg_id(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                         ladon__sw_route *r) {
  const ladon__cfg_bridge *usp = &sw->ports[LADON__SWITCH_UP].br;
  const ladon__sw_port *p = &sw->ports[in];
  uint16_t id = (uint16_t)ladon_tlp_route_id(t);
  unsigned bus = LADON_TLP_ID_BUS(id), dev = LADON_TLP_ID_DEV(id);
  int j = ladon__sw_bus_port(sw, bus);
  if (in != LADON__SWITCH_UP && acs_blocks(p, t)) {
    set(r, LADON__SW_UR, LADON__SW_WHY_ACS, 0);
    return;
  }
  if (usp->bus_valid && bus == usp->secondary) {
    if (dev + 1u < sw->nports) {
      set(r, LADON__SW_TERMINATE, LADON__SW_WHY_NONE, 0);
      r->fn = (uint8_t)(dev + 1u);
    } else {
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    }
    return;
  }
  if (bus == usp->primary && dev == 0) {
    set(r, LADON__SW_TERMINATE, LADON__SW_WHY_NONE, 0);
    r->fn = LADON__SWITCH_UP;
    return;
  }
  if (in == LADON__SWITCH_UP) {
    if (j > 0)
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
    else
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
    return;
  }
  if (j == (int)in) {
    if (p->acs_ctrl & PCI_ACS_UF)
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
    else
      set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
  } else if (j > 0) {
    if (p->acs_ctrl & PCI_ACS_RR)
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
    else
      set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, (unsigned)j);
  } else if (bus_below(usp, bus)) {
    set(r, LADON__SW_UR, LADON__SW_WHY_NO_ROUTE, 0);
  } else {
    set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
  }
}

/* Messages by routing subfield r[2:0] (§2.2.8, Table 2-20). */
static void route_msg(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                      ladon__sw_route *r) {
  bool from_up = in == LADON__SWITCH_UP;
  switch (t->msg_route) {
    case LADON_TLP_ROUTE_RC:
      if (from_up)
        set(r, LADON__SW_DROP, LADON__SW_WHY_MALFORMED, 0);
      else if (acs_blocks(&sw->ports[in], t))
        set(r, LADON__SW_UR, LADON__SW_WHY_ACS, 0);
      else
        set(r, LADON__SW_FWD, LADON__SW_WHY_NONE, LADON__SWITCH_UP);
      return;
    case LADON_TLP_ROUTE_ADDR:
      route_addr(sw, in, t, r);
      return;
    case LADON_TLP_ROUTE_ID:
      route_msg_id(sw, in, t, r);
      return;
    case LADON_TLP_ROUTE_BCAST:
      set(r, from_up ? LADON__SW_BCAST : LADON__SW_DROP,
          from_up ? LADON__SW_WHY_NONE : LADON__SW_WHY_MALFORMED, 0);
      return;
    case LADON_TLP_ROUTE_LOCAL:
      /* INTx messages are Local: the switch terminates them and drives its
      ** own virtual wires upstream (§2.2.8.1). */
      if (!from_up && t->msg_code >= MSG_ASSERT_INTA && t->msg_code <= MSG_DEASSERT_INTD)
        set(r, LADON__SW_INTX, LADON__SW_WHY_NONE, 0);
      else
        set(r, LADON__SW_TERMINATE, LADON__SW_WHY_NONE, 0);
      r->fn = (uint8_t)in;
      return;
    case LADON_TLP_ROUTE_GATHER:
      if (!from_up && t->msg_code == MSG_PME_TO_ACK)
        set(r, LADON__SW_GATHER, LADON__SW_WHY_NONE, 0);
      else
        set(r, LADON__SW_DROP, LADON__SW_WHY_MALFORMED, 0);
      return;
    default:
      set(r, LADON__SW_DROP, LADON__SW_WHY_MALFORMED, 0);
      return;
  }
}

void ladon__sw_route_tlp(const ladon__switch *sw, unsigned in, const ladon_tlp *t,
                         ladon__sw_route *r) {
  switch (t->type) {
    case LADON_TLP_CPL:
    case LADON_TLP_CPLD:
    case LADON_TLP_CPLLK:
    case LADON_TLP_CPLDLK:
      route_cpl(sw, in, t, r);
      return;
    case LADON_TLP_CFGRD0:
    case LADON_TLP_CFGWR0:
    case LADON_TLP_CFGRD1:
    case LADON_TLP_CFGWR1:
      route_cfg(sw, in, t, r);
      return;
    case LADON_TLP_MSG:
    case LADON_TLP_MSGD:
      route_msg(sw, in, t, r);
      return;
    case LADON_TLP_MRD:
    case LADON_TLP_MRDLK:
    case LADON_TLP_MWR:
    case LADON_TLP_IORD:
    case LADON_TLP_IOWR:
    case LADON_TLP_FETCHADD:
    case LADON_TLP_SWAP:
    case LADON_TLP_CAS:
    case LADON_TLP_DMWR:
      route_addr(sw, in, t, r);
      return;
    default:
      set(r, LADON__SW_DROP, LADON__SW_WHY_MALFORMED, 0);
      return;
  }
}
