/*
** The DMA engine of one function (models/dma.h): request splitting, tags,
** completion reassembly and the completion timeout.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"
#include "models/dma.h"
#include "sim/error_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

typedef struct xfer {
  struct xfer *qnext;           /* read or write queue, while not fully issued */
  struct xfer *prev, *next;     /* every live transfer (freed with the engine) */
  ladon__dma *dma;
  ladon__dma_xfer x;            /* the caller's description (copy) */
  uint8_t *wdata;               /* owned copy of the write data, or NULL */
  uint32_t issued;              /* bytes turned into requests */
  uint32_t outstanding;         /* read requests in flight */
  uint32_t tlps;
  ladon_time_ps t_submit, t_first;
  ladon__dma_status status;
  bool queued;                  /* still in its queue */
  ladon_event_id ev;            /* write: completion at serialisation end */
} xfer;

/* One outstanding read request, indexed by tag - tag_first. */
typedef struct req {
  xfer *x;                      /* NULL when the slot is free */
  uint64_t addr;
  uint32_t off;                 /* offset of `addr` in the transfer */
  uint32_t bytes, got;
  ladon_time_ps deadline;
  int32_t prev, next;           /* issue-order list for the timeout */
} req;

typedef struct queue {
  xfer *head, *tail;
} queue;

struct ladon__dma {
  ladon_sim *sim;
  ladon__dma_config cfg;
  ladon__dma_settings set;
  /* Tag space in force, and the free tags (FIFO: a freed tag is reused
  ** last, which keeps late completions of timed-out requests unexpected). */
  uint16_t tag_first;
  uint32_t limit;
  req *reqs;
  uint16_t *ring;
  uint32_t ring_head, ring_len;
  uint32_t outstanding, max_outstanding;
  int32_t old_head, old_tail;   /* oldest / newest outstanding request */
  bool space_stale;             /* settings changed the tag space */
  queue rq, wq;
  bool last_was_write;          /* round-robin between the two queues */
  xfer *all;                    /* live transfers */
  xfer *spare;                  /* finished transfers kept for reuse (qnext) */
  uint32_t pending;             /* transfers not finished */
  /* The TLP between issue and commit. */
  xfer *cur;
  xfer *held;                   /* write transfer ladon__dma_end() ends */
  int32_t cur_slot;             /* read slot, -1 for a write */
  uint32_t cur_bytes;
  /* Completion timeout event, armed for `ev_time` (lazy: re-arms). */
  ladon_event_id tmo_ev;
  ladon_time_ps tmo_time;
  ladon_counter *c_reads, *c_writes, *c_rbytes, *c_wbytes, *c_msgs, *c_ur, *c_ca, *c_tmo,
      *c_malformed, *c_unexpected;
};

static void kick(ladon__dma *d) {
  if (d->cfg.kick) d->cfg.kick(d->cfg.kick_ctx);
}

/* ---- tag space ------------------------------------------------------ */

/* §2.2.6.2: 5-bit tags without Extended Tag Field Enable, 8-bit with it,
** 10-bit with 10-Bit Tag Requester Enable, where Tag[9:8] = 00b is not
** used so that 10-bit tags never alias 8-bit ones: 256..1023. */
static void tag_space(const ladon__dma_settings *s, uint16_t *first, uint32_t *count) {
  if (s->tag10) {
    *first = 256;
    *count = 768;
  } else if (s->ext_tag) {
    *first = 0;
    *count = 256;
  } else {
    *first = 0;
    *count = 32;
  }
}

static ladon_status apply_space(ladon__dma *d) {
  uint16_t first;
  uint32_t count;
  tag_space(&d->set, &first, &count);
  uint32_t limit = d->cfg.max_tags < count ? d->cfg.max_tags : count;
  if (d->reqs && limit == d->limit && first == d->tag_first) {
    d->space_stale = false;
    return LADON_OK;
  }
  req *r = calloc(limit, sizeof *r);
  uint16_t *ring = calloc(limit, sizeof *ring);
  if (!r || !ring) {
    free(r);
    free(ring);
    return LADON_ENOMEM;
  }
  free(d->reqs);
  free(d->ring);
  d->reqs = r;
  d->ring = ring;
  d->tag_first = first;
  d->limit = limit;
  for (uint32_t i = 0; i < limit; i++) ring[i] = (uint16_t)(first + i);
  d->ring_head = 0;
  d->ring_len = limit;
  d->old_head = d->old_tail = -1;
  d->space_stale = false;
  return LADON_OK;
}

static uint16_t tag_pop(ladon__dma *d) {
  uint16_t t = d->ring[d->ring_head];
  d->ring_head = (d->ring_head + 1u) % d->limit;
  d->ring_len--;
  return t;
}

static void tag_push(ladon__dma *d, uint16_t tag) {
  d->ring[(d->ring_head + d->ring_len) % d->limit] = tag;
  d->ring_len++;
}

/* ---- transfers -------------------------------------------------------- */

static void q_push(queue *q, xfer *x) {
  x->qnext = NULL;
  if (q->tail)
    q->tail->qnext = x;
  else
    q->head = x;
  q->tail = x;
  x->queued = true;
}

static void q_remove(queue *q, xfer *x) {
  xfer **pp = &q->head, *prev = NULL;
  while (*pp && *pp != x) {
    prev = *pp;
    pp = &(*pp)->qnext;
  }
  if (!*pp) return;
  *pp = x->qnext;
  if (q->tail == x) q->tail = prev;
  x->queued = false;
}

static void unlink_xfer(ladon__dma *d, xfer *x) {
  if (x->prev)
    x->prev->next = x->next;
  else
    d->all = x->next;
  if (x->next) x->next->prev = x->prev;
}

/* Ends transfer `x` now: callback, then free. */
static void finish(ladon__dma *d, xfer *x) {
  ladon__dma_result r = {0};
  r.cookie = x->x.cookie;
  r.op = x->x.op;
  r.addr = x->x.addr;
  r.bytes = x->x.bytes;
  r.tlps = x->tlps;
  r.t_submit_ps = x->t_submit;
  r.t_first_ps = x->t_first;
  r.t_done_ps = ladon__sim_now(d->sim);
  r.status = x->status;
  ladon__dma_done_fn fn = x->x.done;
  void *ctx = x->x.ctx;
  unlink_xfer(d, x);
  free(x->wdata);
  /* Kept for the next submit: a DMA stream allocates nothing per transfer. */
  x->qnext = d->spare;
  d->spare = x;
  d->pending--;
  if (fn) fn(ctx, &r);
}

static void write_done_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)sim;
  (void)arg;
  xfer *x = ctx;
  finish(x->dma, x);
}

/* Marks `x` failed and stops issuing what is left of it. */
static void fail(ladon__dma *d, xfer *x, ladon__dma_status st) {
  if (x->status == LADON__DMA_OK) x->status = st;
  if (x->queued) q_remove(x->x.op == LADON__DMA_READ ? &d->rq : &d->wq, x);
  x->issued = x->x.bytes;
}

/* A read transfer with nothing in flight and nothing left is done. */
static void maybe_finish_read(ladon__dma *d, xfer *x) {
  if (x->outstanding == 0 && x->issued == x->x.bytes && !x->queued) finish(d, x);
}

/* ---- outstanding requests and the completion timeout ------------------ */

static void tmo_ev(ladon_sim *sim, void *ctx, uint64_t arg);

static void tmo_arm(ladon__dma *d) {
  if (d->old_head < 0) return;
  ladon_time_ps t = d->reqs[d->old_head].deadline;
  if (d->tmo_ev && d->tmo_time <= t) return; /* fires earlier and re-arms */
  if (d->tmo_ev) ladon_sim_cancel(d->sim, d->tmo_ev);
  d->tmo_time = t;
  d->tmo_ev = ladon_sim_schedule_at(d->sim, t, LADON_PRIO_DEFAULT, tmo_ev, d, 0);
}

static void old_append(ladon__dma *d, int32_t s) {
  req *r = &d->reqs[s];
  r->prev = d->old_tail;
  r->next = -1;
  if (d->old_tail >= 0)
    d->reqs[d->old_tail].next = s;
  else
    d->old_head = s;
  d->old_tail = s;
}

/* Frees slot `s`: out of the timeout list, tag back to the ring. */
static void release(ladon__dma *d, int32_t s) {
  req *r = &d->reqs[s];
  if (r->prev >= 0)
    d->reqs[r->prev].next = r->next;
  else
    d->old_head = r->next;
  if (r->next >= 0)
    d->reqs[r->next].prev = r->prev;
  else
    d->old_tail = r->prev;
  xfer *x = r->x;
  r->x = NULL;
  x->outstanding--;
  d->outstanding--;
  /* Nothing left to time out: no event may keep the simulation alive. */
  if (d->old_head < 0 && d->tmo_ev) {
    ladon_sim_cancel(d->sim, d->tmo_ev);
    d->tmo_ev = 0;
  }
  tag_push(d, (uint16_t)(d->tag_first + (uint32_t)s));
  if (d->outstanding == 0 && d->space_stale) apply_space(d);
  kick(d);
}

/* §2.8: a request without its completions by the deadline ends. */
static void tmo_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)arg;
  ladon__dma *d = ctx;
  d->tmo_ev = 0;
  ladon_time_ps now = ladon__sim_now(sim);
  while (d->old_head >= 0 && d->reqs[d->old_head].deadline <= now) {
    int32_t s = d->old_head;
    xfer *x = d->reqs[s].x;
    ladon__counter_add(d->c_tmo, 1);
    fail(d, x, LADON__DMA_TIMEOUT);
    release(d, s);
    maybe_finish_read(d, x);
  }
  tmo_arm(d);
}

/* ---- public ------------------------------------------------------------ */

static ladon_counter *counter(ladon_sim *sim, const char *name, const char *leaf,
                              const char *unit, const char *desc, ladon_error *err) {
  char full[LADON_STAT_NAME_MAX + 1];
  snprintf(full, sizeof full, "%s.%s", name, leaf);
  return ladon_stats_counter(ladon_sim_stats(sim), full, unit, desc, err);
}

ladon__dma *ladon__dma_new(ladon_sim *sim, const char *name, const ladon__dma_config *cfg,
                           ladon_error *err) {
  if (!sim || !name || !cfg) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "DMA engine: NULL argument");
    return NULL;
  }
  if (cfg->max_tags == 0 || cfg->cpl_timeout_ps == 0) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: the tag limit and the completion timeout must be positive", name);
    return NULL;
  }
  ladon__dma *d = calloc(1, sizeof *d);
  if (!d) {
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  d->sim = sim;
  d->cfg = *cfg;
  d->set.mps_bytes = 128;  /* reset values of Device Control (§7.5.3.4) */
  d->set.mrrs_bytes = 512;
  d->old_head = d->old_tail = -1;
  struct {
    ladon_counter **c;
    const char *leaf, *unit, *desc;
  } t[] = {
      {&d->c_reads, "reads", "TLPs", "memory read requests issued"},
      {&d->c_writes, "writes", "TLPs", "memory write requests issued (MSI-X included)"},
      {&d->c_rbytes, "read_bytes", "bytes", "bytes asked for by read requests"},
      {&d->c_wbytes, "write_bytes", "bytes", "bytes written by write requests"},
      {&d->c_msgs, "msgs", "TLPs", "MSI-X message writes issued"},
      {&d->c_ur, "cpl_ur", "TLPs", "completions with status Unsupported Request"},
      {&d->c_ca, "cpl_ca", "TLPs", "completions with status Completer Abort"},
      {&d->c_tmo, "cpl_timeouts", "requests", "read requests ended by completion timeout"},
      {&d->c_malformed, "cpl_malformed", "TLPs",
       "completions breaking the byte count / lower address / RCB rules"},
      {&d->c_unexpected, "cpl_unexpected", "TLPs", "completions matching no outstanding tag"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    *t[i].c = counter(sim, name, t[i].leaf, t[i].unit, t[i].desc, err);
    if (!*t[i].c) {
      free(d);
      return NULL;
    }
  }
  if (apply_space(d) != LADON_OK) {
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    ladon__dma_free(d);
    return NULL;
  }
  return d;
}

void ladon__dma_free(ladon__dma *d) {
  if (!d) return;
  if (d->tmo_ev) ladon_sim_cancel(d->sim, d->tmo_ev);
  for (xfer *x = d->all, *n; x; x = n) {
    n = x->next;
    if (x->ev) ladon_sim_cancel(d->sim, x->ev);
    free(x->wdata);
    free(x);
  }
  while (d->spare) {
    xfer *x = d->spare;
    d->spare = x->qnext;
    free(x);
  }
  free(d->reqs);
  free(d->ring);
  free(d);
}

void ladon__dma_set(ladon__dma *d, const ladon__dma_settings *s) {
  uint16_t of, nf;
  uint32_t oc, nc;
  tag_space(&d->set, &of, &oc);
  tag_space(s, &nf, &nc);
  d->set = *s;
  if (of != nf || oc != nc) {
    d->space_stale = true;
    if (d->outstanding == 0) apply_space(d);
  }
  kick(d);
}

const ladon__dma_settings *ladon__dma_get(const ladon__dma *d) { return &d->set; }

uint32_t ladon__dma_tag_limit(const ladon__dma *d) { return d->limit; }

ladon_status ladon__dma_submit(ladon__dma *d, const ladon__dma_xfer *in, ladon_error *err) {
  if (!d || !in)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "DMA submit: NULL argument");
  if (in->bytes == 0 || in->addr + in->bytes - 1u < in->addr ||
      (in->op != LADON__DMA_READ && in->op != LADON__DMA_WRITE))
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "DMA submit: %u bytes at 0x%llx is not a valid transfer", in->bytes,
                            (unsigned long long)in->addr);
  xfer *x = d->spare;
  if (x) {
    d->spare = x->qnext;
    memset(x, 0, sizeof *x);
  } else if (!(x = calloc(1, sizeof *x))) {
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  x->dma = d;
  x->x = *in;
  if (in->op == LADON__DMA_WRITE && in->write_data && (d->cfg.payloads || in->msi)) {
    x->wdata = malloc(in->bytes);
    if (!x->wdata) {
      x->qnext = d->spare;
      d->spare = x;
      return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(x->wdata, in->write_data, in->bytes);
  }
  x->x.write_data = NULL;
  x->t_submit = ladon__sim_now(d->sim);
  x->next = d->all;
  if (d->all) d->all->prev = x;
  d->all = x;
  d->pending++;
  q_push(in->op == LADON__DMA_READ ? &d->rq : &d->wq, x);
  kick(d);
  return LADON_OK;
}

/* Which queue serves next: 1 write, 0 read, -1 none. */
static int pick(const ladon__dma *d) {
  if (!d->set.bus_master) return -1; /* §7.5.1.1.3: no requests without BME */
  bool w = d->wq.head != NULL;
  bool r = d->rq.head != NULL && d->ring_len > 0 && !d->space_stale;
  if (w && r) return d->last_was_write ? 0 : 1;
  return w ? 1 : r ? 0 : -1;
}

bool ladon__dma_ready(const ladon__dma *d, ladon_tlp_class *cls) {
  int p = pick(d);
  if (p < 0) return false;
  if (cls) *cls = p ? LADON_TLP_CLASS_P : LADON_TLP_CLASS_NP;
  return true;
}

ladon_tlp *ladon__dma_issue(ladon__dma *d) {
  int p = pick(d);
  if (p < 0) return NULL;
  queue *q = p ? &d->wq : &d->rq;
  xfer *x = q->head;
  bool write = p == 1;
  uint64_t addr = x->x.addr + x->issued;
  uint32_t left = x->x.bytes - x->issued;
  uint32_t limit = write ? d->set.mps_bytes : d->set.mrrs_bytes;
  uint32_t n = ladon__dma_chunk(addr, left, limit);
  bool data = write && (d->cfg.payloads || x->x.msi);
  /* The payload covers whole DWs from addr & ~3 (§2.2.5.1 byte enables). */
  uint32_t span = (uint32_t)(((addr + n + 3u) & ~(uint64_t)3) - (addr & ~(uint64_t)3));
  ladon_tlp *t = ladon_tlp_alloc(data ? span : 0);
  if (!t) return NULL;
  t->type = (uint8_t)(write ? LADON_TLP_MWR : LADON_TLP_MRD);
  t->req_id = d->set.rid;
  t->flow = x->x.flow;
  t->t_issue_ps = ladon__sim_now(d->sim);
  ladon_tlp_set_range(t, addr, n, NULL); /* 3 DW header below 4 GiB, §2.2.4.1 */
  if (data && x->wdata) memcpy(ladon_tlp_payload(t) + (addr & 3u), x->wdata + x->issued, n);
  d->cur = x;
  d->cur_bytes = n;
  d->cur_slot = -1;
  if (write) {
    ladon__counter_add(d->c_writes, 1);
    ladon__counter_add(d->c_wbytes, n);
    if (x->x.msi) ladon__counter_add(d->c_msgs, 1);
  } else {
    uint16_t tag = tag_pop(d);
    int32_t s = (int32_t)(tag - d->tag_first);
    req *r = &d->reqs[s];
    r->x = x;
    r->addr = addr;
    r->off = x->issued;
    r->bytes = n;
    r->got = 0;
    r->deadline = ladon__sim_now(d->sim) + d->cfg.cpl_timeout_ps;
    old_append(d, s);
    t->tag = tag;
    d->cur_slot = s;
    x->outstanding++;
    if (++d->outstanding > d->max_outstanding) d->max_outstanding = d->outstanding;
    ladon__counter_add(d->c_reads, 1);
    ladon__counter_add(d->c_rbytes, n);
  }
  if (x->tlps++ == 0) x->t_first = ladon__sim_now(d->sim);
  x->issued += n;
  if (x->issued == x->x.bytes) {
    q->head = x->qnext;
    if (!q->head) q->tail = NULL;
    x->queued = false;
  }
  d->last_was_write = write;
  return t;
}

static void commit(ladon__dma *d, ladon_time_ps t_end_ps, bool sent, bool hold) {
  xfer *x = d->cur;
  if (!x) return;
  d->cur = NULL;
  if (d->cur_slot >= 0) {
    if (sent) {
      tmo_arm(d);
      return;
    }
    fail(d, x, LADON__DMA_TXFAIL);
    release(d, d->cur_slot);
    maybe_finish_read(d, x);
    return;
  }
  if (!sent) fail(d, x, LADON__DMA_TXFAIL);
  if (x->issued == x->x.bytes && !x->queued && !x->ev && x != d->held) {
    ladon_time_ps now = ladon__sim_now(d->sim);
    if (hold && !d->held && t_end_ps > now)
      d->held = x;
    else
      x->ev = ladon_sim_schedule_at(d->sim, t_end_ps > now ? t_end_ps : now,
                                    LADON_PRIO_DEFAULT, write_done_ev, x, 0);
  }
}

void ladon__dma_commit(ladon__dma *d, ladon_time_ps t_end_ps, bool sent) {
  commit(d, t_end_ps, sent, false);
}

void ladon__dma_commit_held(ladon__dma *d, ladon_time_ps t_end_ps, bool sent) {
  commit(d, t_end_ps, sent, true);
}

void ladon__dma_end(ladon__dma *d) {
  xfer *x = d->held;
  if (!x) return;
  d->held = NULL;
  finish(d, x);
}

/* Ends the request in slot `s` with `st`. */
static void end_bad(ladon__dma *d, int32_t s, ladon__dma_status st) {
  xfer *x = d->reqs[s].x;
  fail(d, x, st);
  release(d, s);
  maybe_finish_read(d, x);
}

void ladon__dma_complete(ladon__dma *d, const ladon_tlp *c) {
  uint32_t idx = (uint32_t)c->tag - d->tag_first;
  if (c->tag < d->tag_first || idx >= d->limit || !d->reqs[idx].x) {
    ladon__counter_add(d->c_unexpected, 1); /* §2.3.2 Unexpected Completion */
    return;
  }
  int32_t s = (int32_t)idx;
  req *r = &d->reqs[s];
  if (c->status == LADON_TLP_CPL_UR) {
    ladon__counter_add(d->c_ur, 1);
    end_bad(d, s, LADON__DMA_UR);
    return;
  }
  if (c->status == LADON_TLP_CPL_CA) {
    ladon__counter_add(d->c_ca, 1);
    end_bad(d, s, LADON__DMA_CA);
    return;
  }
  /* §2.3.1.1: successful read completions carry data; Lower Address names
  ** the next byte, Byte Count what is left; a partial completion ends on a
  ** Read Completion Boundary (64 B is the smallest). */
  uint32_t left = r->bytes - r->got;
  uint64_t next = r->addr + r->got;
  uint32_t la = c->lower_addr;
  bool ok = c->status == LADON_TLP_CPL_SC && c->type == LADON_TLP_CPLD && c->length_dw > 0 &&
            la == (uint32_t)(next & 0x7fu) && c->byte_count == left;
  uint32_t n = 0;
  if (ok) {
    uint32_t carried = (uint32_t)c->length_dw * 4u - (la & 3u);
    if (carried >= left) {
      n = left;
      ok = c->length_dw == ((la & 3u) + left + 3u) / 4u;
    } else {
      n = carried;
      ok = ((next + n) & 63u) == 0;
    }
  }
  if (!ok) {
    ladon__counter_add(d->c_malformed, 1);
    end_bad(d, s, LADON__DMA_MALFORMED);
    return;
  }
  xfer *x = r->x;
  if (x->x.read_buf && c->data && c->data_bytes >= (uint32_t)c->length_dw * 4u)
    memcpy(x->x.read_buf + r->off + r->got, c->data + (la & 3u), n);
  r->got += n;
  if (r->got == r->bytes) {
    release(d, s);
    maybe_finish_read(d, x);
  }
}

uint32_t ladon__dma_outstanding(const ladon__dma *d) { return d->outstanding; }
uint32_t ladon__dma_pending(const ladon__dma *d) { return d->pending; }

void ladon__dma_counts_get(const ladon__dma *d, ladon__dma_counts *o) {
  o->reads = ladon_counter_value(d->c_reads);
  o->writes = ladon_counter_value(d->c_writes);
  o->read_bytes = ladon_counter_value(d->c_rbytes);
  o->write_bytes = ladon_counter_value(d->c_wbytes);
  o->msgs = ladon_counter_value(d->c_msgs);
  o->cpl_ur = ladon_counter_value(d->c_ur);
  o->cpl_ca = ladon_counter_value(d->c_ca);
  o->cpl_timeouts = ladon_counter_value(d->c_tmo);
  o->cpl_malformed = ladon_counter_value(d->c_malformed);
  o->cpl_unexpected = ladon_counter_value(d->c_unexpected);
  o->max_outstanding = d->max_outstanding;
}
