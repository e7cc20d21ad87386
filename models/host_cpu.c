/*
** The cores' side of the root complex: MMIO loads and stores, the tags of
** the CPU's non-posted requests, and the completion timeout.
**
** Each core executes its MMIO operations in program order (uncached
** accesses are strongly ordered, Intel SDM Vol. 3 §11.3): a store leaves
** as a posted MWr; a load leaves as an MRd and stalls the core -- one
** outstanding load per core -- until its completion returns, and the
** core's later operations wait behind it.  Operations start at root-complex
** clock edges.
**
** Tags: the CPU side has one requester ID (the host bridge) and 8-bit tags
** (§2.2.6.2); a request that finds every tag in use waits for one.  A
** request not completed within the completion timeout (§2.8) ends with
** LADON__HOST_CPL_TIMEOUT and all ones.
*/
#include <stdlib.h>
#include <string.h>

#include "models/host_int.h"

ladon_status ladon__host_cpu_init(ladon__host *h) {
  h->cores = calloc(h->n_cpus, sizeof *h->cores);
  return h->cores ? LADON_OK : LADON_ENOMEM;
}

void ladon__host_cpu_free(ladon__host *h) {
  ladon__host_np *np, *next;
  if (h->cores) {
    for (unsigned c = 0; c < h->n_cpus; c++) {
      ladon__host_core *k = &h->cores[c];
      for (size_t i = 0; i < k->len; i++)
        ladon_tlp_free(k->q[(k->head + i) % k->cap].store);
      free(k->q);
    }
  }
  free(h->cores);
  h->cores = NULL;
  for (unsigned t = 0; t < LADON__HOST_TAGS; t++) {
    free(h->tags[t]);
    h->tags[t] = NULL;
  }
  for (np = h->wait_head; np; np = next) {
    next = np->next;
    free(np);
  }
  h->wait_head = h->wait_tail = NULL;
}

/* ---- tags ---------------------------------------------------------------- */

bool ladon__host_tag_get(ladon__host *h, ladon__host_np *np) {
  for (unsigned i = 0; i < LADON__HOST_TAGS; i++) {
    unsigned t = (h->next_tag + i) % LADON__HOST_TAGS;
    if (!h->tags[t]) {
      h->tags[t] = np;
      np->tag = (int16_t)t;
      h->next_tag = (t + 1) % LADON__HOST_TAGS;
      return true;
    }
  }
  np->tag = -1;
  np->next = NULL;
  if (h->wait_tail)
    h->wait_tail->next = np;
  else
    h->wait_head = np;
  h->wait_tail = np;
  return false;
}

static void issue_load(ladon__host *h, ladon__host_np *np);

void ladon__host_np_done(ladon__host *h, ladon__host_np *np) {
  if (np->tag >= 0 && h->tags[np->tag] == np) {
    h->tags[np->tag] = NULL;
    h->tag_gen[np->tag]++; /* a pending timeout of this tag is now stale */
  }
  free(np);
  /* A freed tag goes to the oldest waiting request. */
  while (h->wait_head) {
    ladon__host_np *w = h->wait_head;
    h->wait_head = w->next;
    if (!h->wait_head) h->wait_tail = NULL;
    if (!ladon__host_tag_get(h, w)) break; /* cannot happen: one is free */
    if (w->kind == LADON__NP_MEM_RD)
      issue_load(h, w);
    else
      ladon__host_cfg_issue(h, w);
    break;
  }
}

void ladon__host_np_arm(ladon__host *h, ladon__host_np *np) {
  if (h->cpl_timeout_ps == 0 || np->tag < 0) return;
  ladon__host_defer_at(h, ladon_sim_now(h->sim) + h->cpl_timeout_ps,
                       LADON__ACT_TIMEOUT, NULL,
                       (uint64_t)np->tag | (uint64_t)h->tag_gen[np->tag] << 16);
}

/* ---- completions of loads -------------------------------------------- */

static uint64_t ones(unsigned bytes) {
  return bytes >= 8 ? ~0ull : ((1ull << (8u * bytes)) - 1u);
}

static void kick(ladon__host *h) {
  if (h->cpu_kick_pending) return;
  h->cpu_kick_pending = true;
  ladon__host_defer_at(h, ladon__host_edge(h, ladon_sim_now(h->sim)),
                       LADON__ACT_CPU, NULL, 0);
}

/* Ends load `np` of its core, then lets the core go on. */
static void load_done(ladon__host *h, ladon__host_np *np, uint8_t status,
                      uint64_t value) {
  ladon__host_core *k = &h->cores[np->core];
  ladon__host_read_cb cb = np->rd_cb;
  void *ctx = np->ctx;
  if (status != LADON_TLP_CPL_SC) value = ones(np->size);
  ladon_hist_add(h->st.mmio_read_latency,
                 ladon_sim_now(h->sim) - np->t_issue);
  if (k->stall == np) k->stall = NULL;
  ladon__host_np_done(h, np);
  if (cb) cb(ctx, status, value);
  if (!k->stall && k->len) kick(h);
}

static void load_completion(ladon__host *h, ladon__host_np *np,
                            const ladon_tlp *cpl) {
  uint32_t base = (uint32_t)(np->addr & 0x7cu); /* first DW, low 7 bits */
  if (cpl->status != LADON_TLP_CPL_SC) {
    load_done(h, np, cpl->status, 0);
    return;
  }
  if (cpl->data && cpl->data_bytes) {
    /* Where this completion's first DW sits in the load (mod 128). */
    uint32_t off = ((uint32_t)(cpl->lower_addr & 0x7cu) - base) & 0x7fu;
    uint32_t n = cpl->data_bytes;
    if (off < sizeof np->buf) {
      if (n > sizeof np->buf - off) n = (uint32_t)sizeof np->buf - off;
      memcpy(np->buf + off, cpl->data, n);
    }
  }
  np->got += ladon_tlp_payload_bytes(cpl);
  /* The last completion is the one whose payload reaches its Byte Count
  ** (§2.3.1.1: Byte Count counts the bytes still to come). */
  if ((uint32_t)(cpl->lower_addr & 3u) + cpl->byte_count <=
      ladon_tlp_payload_bytes(cpl)) {
    uint64_t v = 0;
    unsigned lead = (unsigned)(np->addr & 3u);
    for (unsigned i = 0; i < np->size; i++)
      v |= (uint64_t)np->buf[lead + i] << (8u * i);
    load_done(h, np, LADON_TLP_CPL_SC, v);
  }
}

void ladon__host_cpu_completion(ladon__host *h, ladon__host_rp *rp,
                                const ladon_tlp *cpl) {
  ladon__host_np *np = h->tags[cpl->tag % LADON__HOST_TAGS];
  (void)rp;
  if (cpl->tag >= LADON__HOST_TAGS || !np) {
    ladon_counter_add(h->st.unexpected_cpl, 1);
    return;
  }
  if (np->kind == LADON__NP_MEM_RD)
    load_completion(h, np, cpl);
  else
    ladon__host_cfg_complete(h, np, cpl);
}

/* ---- issuing ----------------------------------------------------------- */

/* The root port that takes memory requests for [addr, addr + n), or -1. */
static int mmio_port(ladon__host *h, uint64_t addr, uint32_t n) {
  int i = ladon__host_route_addr(h, addr, n);
  if (i < 0 || !ladon_port_link(h->rp[i].port)) return -1;
  return i;
}

static void issue_load(ladon__host *h, ladon__host_np *np) {
  int i = mmio_port(h, np->addr, np->size);
  ladon_tlp *t;
  if (i < 0 || !(t = ladon_tlp_alloc(0))) {
    ladon_counter_add(h->st.master_aborts, 1);
    load_done(h, np, LADON_TLP_CPL_UR, 0);
    return;
  }
  t->type = LADON_TLP_MRD;
  ladon_tlp_set_range(t, np->addr, np->size, NULL);
  t->req_id = LADON__HOST_BRIDGE_RID;
  t->tag = (uint16_t)np->tag;
  t->t_issue_ps = ladon_sim_now(h->sim);
  ladon__host_np_arm(h, np);
  ladon__host_egress_push(&h->rp[i], t, -1, LADON_TLP_CLASS_NONE, 0, 0);
}

/*
** Sends a store out of `rp`, split at multiples of the port's programmed
** Max_Payload_Size (§2.2.2: no TLP payload above MPS; a write-combined
** store larger than that leaves as several MWr, in address order).
*/
static void send_store(ladon__host *h, ladon__host_rp *rp, ladon_tlp *st,
                       uint64_t addr, uint32_t bytes) {
  uint64_t end = addr + bytes;
  uint64_t lead = addr & 3u;
  if ((uint32_t)st->length_dw * 4u <= rp->mps_bytes) {
    ladon__host_egress_push(rp, st, -1, LADON_TLP_CLASS_NONE, 0, 0);
    return;
  }
  for (uint64_t a = addr; a < end;) {
    uint64_t next = (a / rp->mps_bytes + 1) * rp->mps_bytes;
    uint32_t n = (uint32_t)((next < end ? next : end) - a);
    ladon_tlp *t = ladon_tlp_alloc(((uint32_t)(a & 3u) + n + 3u) & ~3u);
    if (t) {
      t->type = LADON_TLP_MWR;
      ladon_tlp_set_range(t, a, n, NULL);
      t->req_id = st->req_id;
      t->t_issue_ps = st->t_issue_ps;
      memcpy(ladon_tlp_payload(t) + (a & 3u), st->data + lead + (a - addr), n);
      ladon__host_egress_push(rp, t, -1, LADON_TLP_CLASS_NONE, 0, 0);
    }
    a += n;
  }
  (void)h;
  ladon_tlp_free(st);
}

/* Runs operations of core `k` until it stalls or its queue is empty. */
static void run_core(ladon__host *h, uint32_t c) {
  ladon__host_core *k = &h->cores[c];
  ladon_time_ps now = ladon_sim_now(h->sim);
  while (!k->stall && k->len) {
    ladon__host_op op = k->q[k->head];
    uint64_t dram;
    k->head = (k->head + 1) % k->cap;
    k->len--;
    if (!op.load) {
      int i;
      ladon_counter_add(h->st.mmio_writes, 1);
      if (ladon__host_hpa_to_dram(h, op.addr, op.bytes, &dram)) {
        ladon__memory_write(h->mem, dram, op.store->data, op.bytes);
        ladon__memory_access(h->mem, now, dram, op.bytes);
        ladon_tlp_free(op.store);
      } else if ((i = mmio_port(h, op.addr, op.bytes)) >= 0) {
        op.store->t_issue_ps = now;
        send_store(h, &h->rp[i], op.store, op.addr, op.bytes);
      } else {
        /* Master abort: the store is dropped. */
        ladon_counter_add(h->st.master_aborts, 1);
        ladon_tlp_free(op.store);
      }
      continue;
    }
    ladon_counter_add(h->st.mmio_reads, 1);
    {
      ladon__host_np *np = calloc(1, sizeof *np);
      if (!np) {
        if (op.cb) op.cb(op.ctx, LADON_TLP_CPL_CA, ones(op.bytes));
        continue;
      }
      np->kind = LADON__NP_MEM_RD;
      np->core = c;
      np->addr = op.addr;
      np->size = (uint8_t)op.bytes;
      np->rd_cb = op.cb;
      np->ctx = op.ctx;
      np->t_issue = now;
      np->tag = -1;
      k->stall = np;
      if (ladon__host_hpa_to_dram(h, op.addr, op.bytes, &dram)) {
        /* A load from RAM: data after the memory's service and latency. */
        uint64_t v = 0;
        ladon_time_ps ready = ladon__memory_access(h->mem, now, dram, op.bytes);
        uint8_t b[8] = {0};
        ladon__memory_read(h->mem, dram, b, op.bytes);
        for (unsigned j = 0; j < op.bytes; j++) v |= (uint64_t)b[j] << (8u * j);
        np->value = v;
        ladon__host_defer_at(h, ladon__host_edge(h, ready), LADON__ACT_NP_DONE,
                             np, (uint64_t)LADON_TLP_CPL_SC);
        continue;
      }
      if (ladon__host_tag_get(h, np)) issue_load(h, np);
    }
  }
}

void ladon__host_cpu_run(ladon__host *h) {
  h->cpu_kick_pending = false;
  ladon__host_routes_update(h);
  for (uint32_t c = 0; c < h->n_cpus; c++) run_core(h, c);
}

void ladon__host_np_internal_done(ladon__host *h, ladon__host_np *np,
                                  uint64_t a) {
  if (np->kind == LADON__NP_MEM_RD) {
    load_done(h, np, (uint8_t)(a & 0xffu), np->value);
    return;
  }
  {
    ladon__host_cfg_cb cb = np->cfg_cb;
    void *ctx = np->ctx;
    ladon_hist_add(h->st.cfg_latency, ladon_sim_now(h->sim) - np->t_issue);
    ladon__host_np_done(h, np);
    if (cb) cb(ctx, (uint8_t)(a & 0xffu), (uint32_t)(a >> 8));
  }
}

bool ladon__host_np_timeout_stale(const ladon__host *h, uint64_t a) {
  unsigned tag = (unsigned)(a & 0xffffu);
  return tag >= LADON__HOST_TAGS || !h->tags[tag] ||
         h->tag_gen[tag] != (uint16_t)(a >> 16);
}

void ladon__host_np_timeout(ladon__host *h, uint64_t a) {
  unsigned tag = (unsigned)(a & 0xffffu);
  ladon__host_np *np;
  if (tag >= LADON__HOST_TAGS) return;
  np = h->tags[tag];
  if (!np || h->tag_gen[tag] != (uint16_t)(a >> 16)) return;
  ladon_counter_add(h->st.cpl_timeouts, 1);
  if (np->kind == LADON__NP_MEM_RD) {
    load_done(h, np, LADON__HOST_CPL_TIMEOUT, 0);
    return;
  }
  ladon__host_np_internal_done(
      h, np,
      LADON__HOST_CPL_TIMEOUT |
          (uint64_t)(np->kind == LADON__NP_CFG_RD ? (uint32_t)ones(np->size)
                                                  : 0u)
              << 8);
}

/* ---- API --------------------------------------------------------------- */

static ladon__host_op *push_op(ladon__host *h, uint32_t core) {
  ladon__host_core *k = &h->cores[core];
  if (k->len == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 8;
    ladon__host_op *q = malloc(cap * sizeof *q);
    if (!q) return NULL;
    for (size_t i = 0; i < k->len; i++) q[i] = k->q[(k->head + i) % k->cap];
    free(k->q);
    k->q = q;
    k->cap = cap;
    k->head = 0;
  }
  return &k->q[(k->head + k->len++) % k->cap];
}

static bool crosses_4k(uint64_t addr, uint32_t n) {
  return (addr & 0xfffu) + n > 0x1000u || addr + n < addr;
}

ladon_status ladon__host_mmio_write(ladon__host *host, uint32_t core,
                                    uint64_t addr, uint32_t bytes,
                                    const void *data) {
  ladon__host_op *op;
  ladon_tlp *t;
  if (!host || core >= host->n_cpus || !data || bytes == 0 ||
      bytes > host->mps_bytes || crosses_4k(addr, bytes))
    return LADON_EINVAL;
  /* The MWr is built now, with the data copied (DW-aligned payload). */
  t = ladon_tlp_alloc(((uint32_t)(addr & 3u) + bytes + 3u) & ~3u);
  if (!t) return LADON_ENOMEM;
  t->type = LADON_TLP_MWR;
  ladon_tlp_set_range(t, addr, bytes, NULL);
  t->req_id = LADON__HOST_BRIDGE_RID;
  memcpy(ladon_tlp_payload(t) + (addr & 3u), data, bytes);
  op = push_op(host, core);
  if (!op) {
    ladon_tlp_free(t);
    return LADON_ENOMEM;
  }
  op->load = false;
  op->addr = addr;
  op->bytes = bytes;
  op->store = t;
  op->cb = NULL;
  op->ctx = NULL;
  kick(host);
  return LADON_OK;
}

ladon_status ladon__host_mmio_read(ladon__host *host, uint32_t core,
                                   uint64_t addr, uint32_t bytes,
                                   ladon__host_read_cb cb, void *ctx) {
  ladon__host_op *op;
  if (!host || core >= host->n_cpus || !cb || bytes == 0 || bytes > 8 ||
      crosses_4k(addr, bytes))
    return LADON_EINVAL;
  op = push_op(host, core);
  if (!op) return LADON_ENOMEM;
  op->load = true;
  op->addr = addr;
  op->bytes = bytes;
  op->store = NULL;
  op->cb = cb;
  op->ctx = ctx;
  kick(host);
  return LADON_OK;
}
