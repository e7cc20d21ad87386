/*
** What arrives at a root port from below.
**
** A TLP is taken from the link at the next root-complex clock edge, then:
**   Completions   for the CPU (Requester ID 00:00.0) go to the waiting
**                 request; others are routed by ID to the root port whose
**                 bus range holds the requester (peer-to-peer), or dropped
**                 as Unexpected Completions (§2.3.2).
**   Memory        Bus Master Enable, ACS Source Validation / Translation
**   requests      Blocking checks, then the interrupt range (MSI), the
**                 IOMMU, and by address: RAM, another root port's window
**                 (peer-to-peer, by policy), or Unsupported Request.
**   Messages      absorbed by the root complex and counted (INTx, PME,
**                 error messages are all Routed to Root Complex, §2.2.8).
**   Others        Configuration, I/O, locked reads, AtomicOps and DMWr
**                 from below are Unsupported Requests here.
** Requests keep their ingress credits until the root complex has taken
** them: a DMA write until memory has absorbed it, a peer-to-peer request
** until it has left the other root port.
*/
#include "models/host_int.h"
#include "models/iommu.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

/* LADON__ACT_CONT status of a request the IOMMU translated (not a
** completion status: those are 3 bits). */
#define LADON__HOST_REMAPPED 0x100u

ladon_tlp *ladon__host_make_cpl(const ladon_tlp *req, uint8_t status,
                                uint16_t cpl_id) {
  ladon_tlp *c = ladon_tlp_alloc(0);
  bool mem_read;
  if (!c) return NULL;
  mem_read = req->type == LADON_TLP_MRD || req->type == LADON_TLP_MRDLK;
  c->type = req->type == LADON_TLP_MRDLK ? LADON_TLP_CPLLK : LADON_TLP_CPL;
  c->req_id = req->req_id;
  c->tag = req->tag;
  c->tc = req->tc;
  /* §2.2.9: completions keep the request's RO and IDO attributes. */
  c->attr = req->attr & (LADON_TLP_ATTR_RO | LADON_TLP_ATTR_IDO);
  c->cpl_id = cpl_id;
  c->status = status;
  if (mem_read) {
    /* A failed read reports the whole remaining request (§2.2.9). */
    uint32_t n = ladon__tlp_request_bytes(req);
    c->byte_count = (uint16_t)(n ? n : 1);
    c->lower_addr = ladon__cpl_lower_addr(req);
  } else {
    /* Every other completion has Byte Count 4 and Lower Address 0
    ** (AtomicOps: the operand size) (§2.2.9). */
    c->byte_count =
        (uint16_t)(ladon__tlp_class(req->type) ==
                           LADON_TLP_CLASS_NP &&
                       (req->type == LADON_TLP_FETCHADD ||
                        req->type == LADON_TLP_SWAP || req->type == LADON_TLP_CAS)
                   ? (req->type == LADON_TLP_CAS ? req->length_dw * 2u
                                                 : req->length_dw * 4u)
                   : 4u);
    c->lower_addr = 0;
  }
  c->t_issue_ps = req->t_issue_ps;
  c->id = req->id;
  c->flow = req->flow;
  return c;
}

/* Ends request `tlp` (owned) from port `rp` with Unsupported Request:
** a Completion for non-posted requests, nothing for posted ones. */
static void reject(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                   uint8_t status, uint16_t cpl_id) {
  ladon_tlp_class cls = ladon__tlp_class(tlp->type);
  ladon__counter_add(status == LADON_TLP_CPL_CA ? h->st.ca : h->st.ur, 1);
  if (cls == LADON_TLP_CLASS_NP) {
    ladon_tlp *c = ladon__host_make_cpl(tlp, status, cpl_id);
    ladon__counter_add(rp->ur_sent, 1);
    if (c)
      ladon__host_egress_push(rp, c, -1, LADON_TLP_CLASS_NONE, 0, 0);
  }
  ladon_port_consume(rp->port, tlp);
  ladon_tlp_free(tlp);
}

static bool is_mem_request(unsigned type) {
  return type == LADON_TLP_MRD || type == LADON_TLP_MWR;
}

/* The bus of `rid` lies below root port `rp`. */
static bool rid_below(const ladon__host_rp *rp, uint16_t rid) {
  unsigned bus = LADON_TLP_ID_BUS(rid);
  return rp->br.bus_valid && bus >= rp->br.secondary &&
         bus <= rp->br.subordinate;
}

/* Forwards `tlp` from `rp` out of root port `to`, keeping its ingress
** credits until it leaves. */
static void forward(ladon__host *h, ladon__host_rp *rp, unsigned to,
                    ladon_tlp *tlp) {
  ladon__counter_add(h->st.p2p_forwarded, 1);
  ladon__host_egress_push(&h->rp[to], tlp, (int)rp->index,
                          ladon__tlp_class(tlp->type),
                          tlp->tc, ladon__tlp_data_credits(tlp));
}

static void completion(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp) {
  int to;
  if (tlp->req_id == LADON__HOST_BRIDGE_RID) {
    ladon__host_cpu_completion(h, rp, tlp);
    ladon_port_consume(rp->port, tlp);
    ladon_tlp_free(tlp);
    return;
  }
  to = ladon__host_route_bus(h, LADON_TLP_ID_BUS(tlp->req_id));
  /* A completion for a requester below the port it came up is one that ACS
  ** P2P Completion Redirect sent up (§6.12.1.1): the root complex routes it
  ** back down by ID, as it does redirected requests.  Between root ports,
  ** the "p2p" policy decides. */
  if (to >= 0 && ((unsigned)to == rp->index || h->p2p_allow)) {
    forward(h, rp, (unsigned)to, tlp);
    return;
  }
  /* §2.3.2: a completion no request of ours is waiting for. */
  ladon__counter_add(h->st.unexpected_cpl, 1);
  ladon_port_consume(rp->port, tlp);
  ladon_tlp_free(tlp);
}

/* The upstream memory-request pipeline is in order per root port, so that
** no read passes an earlier posted write through a slower translation. */
static ladon_time_ps in_order(ladon__host_rp *rp, ladon_time_ps t) {
  if (t < rp->in_order_ps) t = rp->in_order_ps;
  rp->in_order_ps = t;
  return t;
}

static void mem_request(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp) {
  ladon_time_ps now = ladon__sim_now(h->sim);
  uint64_t len = ladon__tlp_request_bytes(tlp);
  uint64_t last = tlp->addr + (len ? len - 1 : 0);
  /* §7.5.1.1.3: with Bus Master Enable Clear, a root port handles memory
  ** requests from below as Unsupported Requests. */
  if (!rp->br.bus_master) {
    reject(h, rp, tlp, LADON_TLP_CPL_UR, rp->rid);
    return;
  }
  /* §6.12.1.1 ACS Source Validation: the requester must be below. */
  const uint16_t acs = rp->acs_ctrl; /* decoded by ladon__host_routes_update() */
  if ((acs & PCI_ACS_SV) &&
      !rid_below(rp, tlp->req_id)) {
    ladon__counter_add(h->st.acs_violations, 1);
    reject(h, rp, tlp, LADON_TLP_CPL_UR, rp->rid);
    return;
  }
  /* §6.12.1.1 ACS Translation Blocking: AT other than 00b is blocked. */
  if ((acs & PCI_ACS_TB) && tlp->at != 0) {
    ladon__counter_add(h->st.acs_violations, 1);
    reject(h, rp, tlp, LADON_TLP_CPL_UR, rp->rid);
    return;
  }
  if (tlp->addr <= LADON__HOST_MSI_LAST && last >= LADON__HOST_MSI_BASE) {
    /* The interrupt range takes DW writes only (Intel SDM Vol. 3 §10.11):
    ** reads and anything else there is unsupported. */
    if (tlp->type == LADON_TLP_MWR && tlp->addr >= LADON__HOST_MSI_BASE &&
        last <= LADON__HOST_MSI_LAST && tlp->length_dw == 1) {
      ladon__host_defer_last(h, in_order(rp, now), LADON__ACT_CONT, tlp,
                             rp->index);
      return;
    }
    reject(h, rp, tlp, LADON_TLP_CPL_UR, LADON__HOST_BRIDGE_RID);
    return;
  }
  if (h->iommu) {
    ladon__iommu_result r;
    uint64_t status = 0;
    ladon__host_iommu_translate(h, tlp, &r);
    if (r.ok) {
      tlp->addr = r.address;
      if (tlp->addr >> 32)
        tlp->flags |= LADON_TLP_F_ADDR64;
      else
        tlp->flags &= (uint16_t)~LADON_TLP_F_ADDR64;
    } else {
      ladon__counter_add(h->st.iommu_blocked, 1);
      status = h->iommu_blocked_status;
    }
    if (r.ok) status = LADON__HOST_REMAPPED;
    ladon__host_defer_at(h,
                         in_order(rp, ladon__host_edge(h, now + r.latency_ps)),
                         LADON__ACT_CONT, tlp, rp->index | status << 8);
    return;
  }
  ladon__host_defer_last(h, in_order(rp, now), LADON__ACT_CONT, tlp, rp->index);
}

/* After ordering and translation: where the request goes. */
void ladon__host_continue(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                          unsigned blocked) {
  uint64_t len = ladon__tlp_request_bytes(tlp);
  int to;
  /* A request the IOMMU remapped carries an address of the root complex's
  ** choosing: it may go back down the port it came from (a VF's DMA remapped
  ** onto an NT window below the same switch, the Ladon scheme); the "p2p"
  ** policy governs only routing between root ports. */
  bool remapped = blocked == LADON__HOST_REMAPPED;
  if (remapped) blocked = 0;
  if (blocked) {
    /* VT-d: blocked writes are discarded, blocked reads completed with the
    ** configured status, from the root complex. */
    reject(h, rp, tlp, (uint8_t)blocked, LADON__HOST_BRIDGE_RID);
    return;
  }
  if (tlp->type == LADON_TLP_MWR && tlp->addr >= LADON__HOST_MSI_BASE &&
      tlp->addr <= LADON__HOST_MSI_LAST) {
    ladon__host_msi(h, rp, tlp);
    ladon_port_consume(rp->port, tlp);
    ladon_tlp_free(tlp);
    return;
  }
  uint64_t dram;
  if (ladon__host_hpa_to_dram(h, tlp->addr, len ? len : 1, &dram)) {
    ladon__host_dma_at(h, rp, tlp, dram);
    return;
  }
  to = ladon__host_route_addr(h, tlp->addr, len ? len : 1);
  if (to >= 0 && ((unsigned)to == rp->index ? remapped : h->p2p_allow)) {
    forward(h, rp, (unsigned)to, tlp);
    return;
  }
  if (to >= 0) ladon__counter_add(h->st.p2p_blocked, 1);
  reject(h, rp, tlp, LADON_TLP_CPL_UR, LADON__HOST_BRIDGE_RID);
}

/* Runs at the root-complex edge after arrival. */
void ladon__host_rx(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp) {
  unsigned type = tlp->type;
  ladon__counter_add(rp->tlps_in, 1);
  ladon__host_routes_update(h);
  if (ladon__tlp_class(type) == LADON_TLP_CLASS_CPL) {
    completion(h, rp, tlp);
    return;
  }
  if (type == LADON_TLP_MSG || type == LADON_TLP_MSGD) {
    ladon__counter_add(h->st.messages, 1);
    ladon_port_consume(rp->port, tlp);
    ladon_tlp_free(tlp);
    return;
  }
  if (tlp->flags & LADON_TLP_F_EP) {
    /* §2.7.2.2: poisoned data is not written to memory; a poisoned request
    ** is counted and ended (UR for non-posted). */
    ladon__counter_add(h->st.poisoned, 1);
    reject(h, rp, tlp, LADON_TLP_CPL_UR, LADON__HOST_BRIDGE_RID);
    return;
  }
  if (is_mem_request(type)) {
    mem_request(h, rp, tlp);
    return;
  }
  /* Configuration requests only travel downstream (§7.3.3); I/O, locked
  ** reads, AtomicOps and DMWr have no completer here. */
  reject(h, rp, tlp, LADON_TLP_CPL_UR, rp->rid);
}

void ladon__host_rx_deliver(void *owner, ladon_port *port, ladon_tlp *tlp) {
  ladon__host_rp *rp = owner;
  ladon__host *h = rp->host;
  (void)port;
  ladon__host_defer_at(h, ladon__host_edge(h, ladon__sim_now(h->sim)),
                       LADON__ACT_RX, tlp, rp->index);
}

void ladon__host_rx_tx_ready(void *owner, ladon_port *port) {
  ladon__host_rp *rp = owner;
  (void)port;
  ladon__host_egress_drain(rp);
}
