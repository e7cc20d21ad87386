/*
** DMA to host memory.
**
** Writes (MWr) are posted: their bytes land in memory at once (so a later
** read sees them, §2.4.1), they occupy the memory channels, and their
** ingress credits come back when the channels have taken their lines -- a
** root complex buffers only as many writes as it advertises credits for, so
** writes faster than memory back up into the link.  No completion.
**
** Reads (MRd) snapshot their data when the root complex issues them to
** memory, and are answered with completions split at the Read Completion
** Boundary and Max_Payload_Size (host_cpl.c).  Each completion leaves at
** the clock edge after the memory lines it carries have been served plus
** the memory latency, in address order (§2.3.1.1).  The completer ID is the
** host bridge's.
*/
#include <string.h>

#include "models/host_int.h"
#include "pcie/tlp_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

static void dma_write(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                      uint64_t dram) {
  ladon_time_ps now = ladon__sim_now(h->sim);
  uint32_t dws = tlp->length_dw ? tlp->length_dw : 1024u;
  uint32_t n = ladon__tlp_request_bytes(tlp);
  ladon_time_ps done;
  if (tlp->data && tlp->data_bytes >= dws * 4u && n) {
    /* Only enabled bytes are written (§2.2.5): the DWs in the middle whole,
    ** the first and last DW by their byte enables. */
    unsigned last_be = dws == 1 ? tlp->first_be : tlp->last_be;
    if (tlp->first_be == 0xfu && last_be == 0xfu) {
      ladon__memory_write(h->mem, dram, tlp->data, 4u * dws);
    } else {
      for (unsigned b = 0; b < 4; b++)
        if ((tlp->first_be >> b) & 1u)
          ladon__memory_write(h->mem, dram + b, &tlp->data[b], 1);
      if (dws > 2)
        ladon__memory_write(h->mem, dram + 4u, &tlp->data[4], 4u * (dws - 2));
      if (dws > 1)
        for (unsigned b = 0; b < 4; b++)
          if ((tlp->last_be >> b) & 1u)
            ladon__memory_write(h->mem, dram + 4u * (dws - 1) + b,
                                &tlp->data[4u * (dws - 1) + b], 1);
    }
  }
  /* Absorbed when the channels have taken its lines; the access latency
  ** is what a reader waits for, not what holds the write buffer. */
  done = ladon__memory_access(h->mem, now, dram, dws * 4u) -
         ladon__memory_config_of(h->mem)->latency_ps;
  ladon__counter_add(h->st.dma_writes, 1);
  ladon__counter_add(h->st.dma_write_bytes, n);
  ladon__host_defer_at(h, done, LADON__ACT_WDONE, tlp, rp->index);
}

static void dma_read(ladon__host *h, ladon__host_rp *rp, ladon_tlp *req,
                     uint64_t dram) {
  ladon_time_ps now = ladon__sim_now(h->sim);
  ladon__cpl_piece pc[LADON__CPL_MAX_PIECES];
  unsigned n = ladon__cpl_split(req, h->rcb_bytes, rp->mps_bytes, h->cpl_split,
                                pc);
  ladon_time_ps prev = now;
  uint64_t base = req->addr & ~(uint64_t)3;
  bool credited = false;
  ladon__counter_add(h->st.dma_reads, 1);
  ladon__counter_add(h->st.dma_read_bytes, ladon__tlp_request_bytes(req));
  for (unsigned i = 0; i < n; i++) {
    uint32_t bytes = pc[i].length_dw * 4u;
    uint64_t d = dram + (pc[i].addr - base);
    ladon_time_ps ready = ladon__memory_access(h->mem, now, d, bytes);
    ladon_tlp *c = ladon_tlp_alloc(h->functional ? bytes : 0);
    uint64_t a = rp->index;
    if (!c) break;
    c->type = LADON_TLP_CPLD;
    c->req_id = req->req_id;
    c->tag = req->tag;
    c->tc = req->tc;
    c->attr = req->attr & (LADON_TLP_ATTR_RO | LADON_TLP_ATTR_IDO);
    c->cpl_id = LADON__HOST_BRIDGE_RID;
    c->status = LADON_TLP_CPL_SC;
    c->length_dw = pc[i].length_dw;
    c->byte_count = pc[i].byte_count;
    c->lower_addr = pc[i].lower_addr;
    c->id = req->id;
    c->flow = req->flow;
    c->t_issue_ps = req->t_issue_ps;
    if (h->functional)
      ladon__memory_read(h->mem, d, ladon_tlp_payload(c), bytes);
    ladon__counter_add(h->st.completions, 1);
    /* Completions of one request leave in address order (§2.3.1.1). */
    ready = ladon__host_edge(h, ready);
    if (ready < prev) ready = prev;
    prev = ready;
    /* The read holds its request credit until its last completion has
    ** left: the root complex tracks a bounded number of reads, so a
    ** device that reads faster than the link returns data is held back. */
    if (i + 1 == n) {
      a |= 0x100u | (uint64_t)(req->tc & 7u) << 9;
      credited = true;
    }
    ladon__host_defer_at(h, ready, LADON__ACT_EGRESS, c, a);
  }
  ladon__hist_add(h->st.dma_read_latency, prev - now);
  if (!credited) ladon_port_consume(rp->port, req);
  ladon_tlp_free(req);
}

void ladon__host_dma(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp) {
  uint64_t len = ladon__tlp_request_bytes(tlp);
  uint64_t dram = 0;
  /* DRAM offset of the request's first DW, whatever its byte enables. */
  ladon__host_hpa_to_dram(h, tlp->addr, len ? len : 1, &dram);
  ladon__host_dma_at(h, rp, tlp, dram);
}

void ladon__host_dma_at(ladon__host *h, ladon__host_rp *rp, ladon_tlp *tlp,
                        uint64_t dram) {
  if (tlp->type == LADON_TLP_MWR)
    dma_write(h, rp, tlp, dram);
  else
    dma_read(h, rp, tlp, dram);
}
