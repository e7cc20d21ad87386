/*
** The descriptor-ring NIC workload: one TX and one RX queue on a function,
** with the DMA sequence of an 82599-class VF and legacy descriptors
** (16 B: buffer address, length, command / status; DD = status bit 0):
**
**   TX  doorbell (tail moves) -> descriptor read of up to `batch`
**       descriptors -> a data read per descriptor -> write-back of the
**       finished descriptors with DD set -> MSI-X (moderated by `itr`);
**   RX  packet arrival (into the on-chip FIFO) -> descriptor read ->
**       data write into the descriptor's buffer -> write-back with length,
**       DD and EOP -> MSI-X.
**
** Ring indices are kept as absolute counts (index = count mod entries).
** At most entries - 1 descriptors are owned by the device at once (head ==
** tail means empty).  Only one descriptor read per queue is in flight.
** Writes leave the function's engine in order, so a write-back never
** passes its data write and an interrupt never passes its write-back.
*/
#include <stdlib.h>
#include <string.h>

#include "models/workload_int.h"
#include "sim/error_int.h"

__extension__ typedef unsigned __int128 u128;

enum { K_FETCH = 0, K_DATA = 1, K_WB = 2 };

/* Ethernet per-packet overhead on the wire besides the frame: preamble and
** SFD 8 B, inter-frame gap 12 B (IEEE 802.3 clauses 4.4.2, 35). */
#define WIRE_OVERHEAD_BYTES 20u

typedef struct nicq {
  struct wl_nic *nic;
  bool rx, active;
  uint64_t ring, bufs;
  uint64_t posted;      /* descriptors the driver gave the device */
  uint64_t fetched;     /* descriptor reads issued for [0, fetched) */
  uint64_t fetch_done;  /* descriptors in the device's cache */
  uint64_t started;     /* data transfers issued */
  uint64_t finished;    /* data transfers done, in order */
  uint64_t wb_issued, wb_done;
  bool fetch_busy;
  uint8_t *shadow;      /* entries x desc bytes: the device's copy */
  ladon_time_ps *t_req; /* per descriptor: doorbell or arrival time */
  uint8_t *state;       /* per descriptor (TX): 1 data done, 2 with error */
  uint64_t offered;     /* packets posted (TX) or arrived (RX) */
  bool stopped;         /* no more packets will be offered */
  ladon_event_id ev;    /* next post / arrival */
  ladon_time_ps last_irq;
  bool irq_once;
  ladon_event_id irq_ev;
  uint32_t vector;
  ladon_time_ps *fifo;  /* RX: arrival times waiting for a descriptor */
  uint32_t fifo_cap, fifo_head, fifo_len, fifo_max;
  ladon_hist *h_lat;
  ladon_counter *c_pkts;
} nicq;

typedef struct wl_nic {
  ladon__workload *wl;
  nicq q[2];            /* 0 TX, 1 RX */
  ladon__nic_layout lay;
  uint8_t *data;        /* one packet of write data */
  ladon_counter *c_drop, *c_full, *c_irq;
} wl_nic;

static const ladon__wl_nic_spec *spec(const wl_nic *n) { return &n->wl->spec.u.nic; }

ladon_status ladon__wl_nic_init(ladon__workload *wl, ladon_error *err) {
  wl_nic *n = calloc(1, sizeof *n);
  if (!n) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  n->wl = wl;
  wl->state = n;
  const ladon__wl_nic_spec *s = &wl->spec.u.nic;
  for (int i = 0; i < 2; i++) {
    nicq *q = &n->q[i];
    q->nic = n;
    q->rx = i == 1;
    q->shadow = calloc(s->ring_entries, s->desc_bytes);
    q->t_req = calloc(s->ring_entries, sizeof *q->t_req);
    q->state = calloc(s->ring_entries, 1);
    if (!q->shadow || !q->t_req || !q->state)
      return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  n->data = calloc(1, s->packet_bytes);
  n->q[0].h_lat = ladon__wl_hist(wl, "tx_latency_ps", "TX doorbell -> write-back serialised");
  n->q[1].h_lat = ladon__wl_hist(wl, "rx_latency_ps", "RX arrival -> write-back serialised");
  n->q[0].c_pkts = ladon__wl_counter(wl, "tx_packets", NULL, "TX packets written back");
  n->q[1].c_pkts = ladon__wl_counter(wl, "rx_packets", NULL, "RX packets written back");
  n->c_drop = ladon__wl_counter(wl, "rx_dropped", NULL, "RX packets dropped");
  n->c_full = ladon__wl_counter(wl, "tx_ring_full", NULL, "TX packets not posted");
  n->c_irq = ladon__wl_counter(wl, "interrupts", NULL, "MSI-X interrupts signalled");
  if (!n->data || !n->q[0].h_lat || !n->q[1].h_lat || !n->q[0].c_pkts || !n->q[1].c_pkts ||
      !n->c_drop || !n->c_full || !n->c_irq)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                            "workload '%s': its statistics names are taken", wl->name);
  return LADON_OK;
}

void ladon__wl_nic_free(ladon__workload *wl) {
  wl_nic *n = wl->state;
  if (!n) return;
  if (wl->fn && wl->fn->hook_ctx == n) ladon__sriov_fn_hook(wl->fn, NULL, NULL);
  for (int i = 0; i < 2; i++) {
    nicq *q = &n->q[i];
    if (q->ev) ladon_sim_cancel(wl->sim, q->ev);
    if (q->irq_ev) ladon_sim_cancel(wl->sim, q->irq_ev);
    free(q->shadow);
    free(q->t_req);
    free(q->state);
    free(q->fifo);
  }
  free(n->data);
  free(n);
}

static uint32_t N(const nicq *q) { return spec(q->nic)->ring_entries; }

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static uint64_t buffer_of(const nicq *q, uint64_t abs) {
  const ladon__wl_nic_spec *s = spec(q->nic);
  uint32_t i = (uint32_t)(abs % s->ring_entries);
  if (s->desc_buffers) return le64(q->shadow + (size_t)i * s->desc_bytes);
  return q->bufs + (uint64_t)i * s->buffer_bytes;
}

static void progress(nicq *q);

static void submit(nicq *q, ladon__dma_op op, uint64_t addr, uint32_t bytes, uint8_t *rbuf,
                   const uint8_t *wdata, int kind, uint64_t abs, ladon__dma_done_fn done) {
  ladon__workload *wl = q->nic->wl;
  ladon__dma_xfer x;
  memset(&x, 0, sizeof x);
  x.op = op;
  x.addr = addr;
  x.bytes = bytes;
  x.read_buf = rbuf;
  x.write_data = wdata;
  x.done = done;
  x.ctx = q;
  x.cookie = abs << 2 | (uint64_t)kind;
  ladon__dma_submit(wl->fn->dma, &x, NULL);
}

/* ---- interrupts ------------------------------------------------------- */

static void raise_now(nicq *q) {
  ladon__workload *wl = q->nic->wl;
  ladon__msix_outcome o = ladon__sriov_msix_raise(wl->fn, q->vector);
  if (o == LADON__MSIX_SENT || o == LADON__MSIX_PENDING) {
    wl->n.interrupts++;
    ladon_counter_add(q->nic->c_irq, 1);
  }
  q->last_irq = ladon_sim_now(wl->sim);
  q->irq_once = true;
}

static void irq_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)sim;
  (void)arg;
  nicq *q = ctx;
  q->irq_ev = 0;
  raise_now(q);
}

/* A write-back happened: interrupt now, or once the ITR interval since the
** last one has passed (several write-backs then share one interrupt). */
static void interrupt(nicq *q) {
  ladon__workload *wl = q->nic->wl;
  ladon_time_ps itr = spec(q->nic)->itr_ps, now = ladon_sim_now(wl->sim);
  if (!itr || !q->irq_once || now >= q->last_irq + itr) {
    if (!q->irq_ev) raise_now(q);
    return;
  }
  if (!q->irq_ev)
    q->irq_ev = ladon_sim_schedule_at(wl->sim, q->last_irq + itr, LADON_PRIO_DEFAULT, irq_ev, q,
                                      0);
}

/* ---- DMA completions --------------------------------------------------- */

static void on_fetch(void *ctx, const ladon__dma_result *r) {
  nicq *q = ctx;
  q->fetch_busy = false;
  q->fetch_done = q->fetched;
  if (r->status != LADON__DMA_OK) ladon__wl_record(q->nic->wl, 0, false, 0, 0);
  progress(q);
}

static void on_data(void *ctx, const ladon__dma_result *r) {
  nicq *q = ctx;
  if (q->rx) { /* posted: done when serialised; errors only */
    if (r->status != LADON__DMA_OK) ladon__wl_record(q->nic->wl, 0, false, 0, 0);
    return;
  }
  uint64_t abs = r->cookie >> 2;
  q->state[abs % N(q)] = r->status == LADON__DMA_OK ? 1 : 2;
  while (q->finished < q->started && q->state[q->finished % N(q)]) q->finished++;
  progress(q);
}

static void on_wb(void *ctx, const ladon__dma_result *r) {
  nicq *q = ctx;
  ladon__workload *wl = q->nic->wl;
  const ladon__wl_nic_spec *s = spec(q->nic);
  uint32_t k = r->bytes / s->desc_bytes;
  for (uint32_t i = 0; i < k; i++) {
    uint64_t abs = q->wb_done + i;
    uint32_t idx = (uint32_t)(abs % s->ring_entries);
    bool ok = r->status == LADON__DMA_OK && q->state[idx] != 2;
    ladon__wl_record(wl, s->packet_bytes, ok, q->t_req[idx], r->t_done_ps);
    if (ok) {
      ladon_hist_add(q->h_lat, r->t_done_ps - q->t_req[idx]);
      ladon_counter_add(q->c_pkts, 1);
      if (q->rx)
        wl->n.rx_packets++;
      else
        wl->n.tx_packets++;
    }
    q->state[idx] = 0;
  }
  q->wb_done += k;
  /* The device's head register follows the write-back. */
  ladon__sriov_reg_write(wl->fn, q->rx ? LADON__NIC_RDH : LADON__NIC_TDH,
                         (uint32_t)(q->wb_done % s->ring_entries));
  if (q->rx && s->driver == LADON__WL_DRIVER_MODEL)
    q->posted = q->wb_done + s->ring_entries - 1u; /* the driver refills at once */
  progress(q);
}

/* ---- the queue engine -------------------------------------------------- */

static void fetch(nicq *q) {
  const ladon__wl_nic_spec *s = spec(q->nic);
  if (q->fetch_busy || q->posted <= q->fetched || q->fetched - q->started >= s->fetch_batch)
    return;
  uint64_t n = q->posted - q->fetched;
  uint64_t room = s->fetch_batch - (q->fetched - q->started);
  uint32_t idx = (uint32_t)(q->fetched % s->ring_entries);
  if (n > room) n = room;
  if (n > s->ring_entries - idx) n = s->ring_entries - idx; /* one read never wraps */
  q->fetch_busy = true;
  q->fetched += n;
  submit(q, LADON__DMA_READ, q->ring + (uint64_t)idx * s->desc_bytes,
         (uint32_t)n * s->desc_bytes, q->shadow + (size_t)idx * s->desc_bytes, NULL, K_FETCH,
         q->fetched - n, on_fetch);
}

static void write_back(nicq *q, uint64_t n) {
  const ladon__wl_nic_spec *s = spec(q->nic);
  uint32_t idx = (uint32_t)(q->wb_issued % s->ring_entries);
  uint8_t *d = q->shadow + (size_t)idx * s->desc_bytes;
  for (uint64_t i = 0; i < n; i++, d += s->desc_bytes) {
    uint64_t buf = buffer_of(q, q->wb_issued + i);
    for (int b = 0; b < 8; b++) d[b] = (uint8_t)(buf >> (8 * b));
    d[8] = (uint8_t)s->packet_bytes;        /* length */
    d[9] = (uint8_t)(s->packet_bytes >> 8);
    d[12] |= q->rx ? 0x03u : 0x01u;          /* STA: DD (| EOP for RX) */
  }
  submit(q, LADON__DMA_WRITE, q->ring + (uint64_t)idx * s->desc_bytes,
         (uint32_t)n * s->desc_bytes, NULL, q->shadow + (size_t)idx * s->desc_bytes, K_WB,
         q->wb_issued, on_wb);
  q->wb_issued += n;
  interrupt(q);
}

/* Write-backs: full batches, or what is done when nothing else runs. */
static void write_backs(nicq *q) {
  const ladon__wl_nic_spec *s = spec(q->nic);
  for (;;) {
    uint64_t pend = q->finished - q->wb_issued;
    bool idle = q->rx ? (q->fifo_len == 0 || q->started == q->fetch_done)
                      : q->started == q->finished;
    if (!pend || (pend < s->wb_batch && !idle)) return;
    uint64_t n = pend < s->wb_batch ? pend : s->wb_batch;
    uint32_t idx = (uint32_t)(q->wb_issued % s->ring_entries);
    if (n > s->ring_entries - idx) n = s->ring_entries - idx;
    write_back(q, n);
  }
}

static void progress(nicq *q) {
  wl_nic *nic = q->nic;
  ladon__workload *wl = nic->wl;
  const ladon__wl_nic_spec *s = spec(nic);
  fetch(q);
  /* Data transfers for every cached descriptor (RX: that has a packet). */
  while (q->started < q->fetch_done) {
    uint64_t abs = q->started;
    uint32_t idx = (uint32_t)(abs % s->ring_entries);
    uint64_t buf = buffer_of(q, abs);
    if (q->rx) {
      if (!q->fifo_len) break;
      q->t_req[idx] = q->fifo[q->fifo_head];
      q->fifo_head = (q->fifo_head + 1u) % q->fifo_cap;
      q->fifo_len--;
      if (wl->fn->dev->cfg.payloads)
        for (uint32_t i = 0; i < s->packet_bytes; i++)
          nic->data[i] = ladon__workload_pattern_byte(wl->key, buf + i);
      submit(q, LADON__DMA_WRITE, buf, s->packet_bytes, NULL, nic->data, K_DATA, abs, on_data);
      q->started++;
      q->finished = q->started; /* posted: ordered before its write-back */
      write_backs(q);
    } else {
      q->state[idx] = 0;
      submit(q, LADON__DMA_READ, buf, s->packet_bytes, NULL, NULL, K_DATA, abs, on_data);
      q->started++;
    }
  }
  fetch(q);
  write_backs(q);
}

/* ---- packet sources: the driver model (TX) and the wire (RX) ----------- */

static ladon_time_ps gap_ps(const nicq *q, uint64_t k) {
  const ladon__workload *wl = q->nic->wl;
  const ladon__wl_nic_spec *s = spec(q->nic);
  uint64_t rate = q->rx ? s->rx_rate_bps : s->tx_rate_bps;
  /* Packet k's time at line rate: k x (frame + 20 B) x 8 / rate, exact. */
  u128 ps = (u128)k * (s->packet_bytes + WIRE_OVERHEAD_BYTES) * 8u * 1000000000000ull / rate;
  return ps > (u128)(LADON_TIME_NEVER - wl->t0) ? LADON_TIME_NEVER : wl->t0 + (ladon_time_ps)ps;
}

static void source_ev(ladon_sim *sim, void *ctx, uint64_t arg);

static void schedule_next(nicq *q) {
  ladon__workload *wl = q->nic->wl;
  const ladon__wl_nic_spec *s = spec(q->nic);
  ladon_time_ps t;
  if (s->arrival == LADON__WL_POISSON) {
    uint64_t rate = q->rx ? s->rx_rate_bps : s->tx_rate_bps;
    double mean = (double)(s->packet_bytes + WIRE_OVERHEAD_BYTES) * 8.0 * 1e12 / (double)rate;
    ladon_rng *r = q->rx ? &wl->rng : &wl->rng_op;
    t = ladon_sim_now(wl->sim) + (ladon_time_ps)(ladon_rng_exponential(r, mean) + 0.5);
  } else {
    t = gap_ps(q, q->offered);
  }
  if (t == LADON_TIME_NEVER || (wl->spec.duration_ps && t >= wl->t0 + wl->spec.duration_ps)) {
    q->stopped = true;
    return;
  }
  q->ev = ladon_sim_schedule_at(wl->sim, t, LADON_PRIO_DEFAULT, source_ev, q, 0);
}

static void source_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)arg;
  nicq *q = ctx;
  wl_nic *nic = q->nic;
  ladon__workload *wl = nic->wl;
  const ladon__wl_nic_spec *s = spec(nic);
  ladon_time_ps now = ladon_sim_now(sim);
  q->ev = 0;
  q->offered++;
  if (q->rx) {
    if (q->fifo_len >= q->fifo_max) {
      wl->n.rx_dropped++; /* the packet buffer is full */
      ladon_counter_add(nic->c_drop, 1);
    } else {
      q->fifo[(q->fifo_head + q->fifo_len) % q->fifo_cap] = now;
      q->fifo_len++;
      ladon__wl_issued(wl);
    }
  } else if (q->posted - q->wb_done >= s->ring_entries - 1u) {
    wl->n.tx_ring_full++; /* the driver finds no free descriptor */
    ladon_counter_add(nic->c_full, 1);
  } else {
    q->t_req[q->posted % s->ring_entries] = now;
    q->posted++;
    ladon__wl_issued(wl);
  }
  if (s->count && q->offered >= s->count)
    q->stopped = true;
  else
    schedule_next(q);
  progress(q);
}

/* Host writes to the tail registers (driver "mmio"). */
static void mmio_hook(void *ctx, ladon__sriov_fn *fn, uint32_t off, uint32_t value, uint8_t be) {
  (void)fn;
  (void)be;
  wl_nic *nic = ctx;
  ladon__workload *wl = nic->wl;
  if (off != LADON__NIC_TDT && off != LADON__NIC_RDT) return;
  nicq *q = &nic->q[off == LADON__NIC_RDT];
  uint32_t ne = N(q);
  uint64_t delta = ((uint64_t)(value % ne) + ne - q->posted % ne) % ne;
  for (uint64_t i = 0; i < delta; i++) {
    q->t_req[(q->posted + i) % ne] = ladon_sim_now(wl->sim);
    if (!q->rx) ladon__wl_issued(wl);
  }
  q->posted += delta;
  progress(q);
}

ladon_status ladon__wl_nic_bind(ladon__workload *wl, ladon_error *err) {
  wl_nic *nic = wl->state;
  const ladon__wl_nic_spec *s = &wl->spec.u.nic;
  uint32_t nv = ladon__sriov_fn_vectors(wl->fn);
  if (s->tx_vector >= nv || s->rx_vector >= nv)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "workload '%s': tx_vector %u / rx_vector %u: %s.%s has %u MSI-X "
                            "vectors",
                            wl->name, s->tx_vector, s->rx_vector, ladon__sriov_name(wl->dev),
                            wl->fn->label, nv);
  if (wl->fn->hook)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                            "workload '%s': %s.%s already runs a NIC workload", wl->name,
                            ladon__sriov_name(wl->dev), wl->fn->label);
  if (s->driver == LADON__WL_DRIVER_MMIO) ladon__sriov_fn_hook(wl->fn, mmio_hook, nic);
  nic->q[0].vector = s->tx_vector;
  nic->q[1].vector = s->rx_vector;
  return LADON_OK;
}

static uint64_t align4k(uint64_t a) { return (a + 4095u) & ~(uint64_t)4095u; }

ladon_status ladon__workload_nic_layout(const ladon__workload *wl, ladon__nic_layout *o) {
  if (wl->spec.kind != LADON__WL_NIC) return LADON_EINVAL;
  const ladon__wl_nic_spec *s = &wl->spec.u.nic;
  uint64_t ring = (uint64_t)s->ring_entries * s->desc_bytes;
  uint64_t bufs = (uint64_t)s->ring_entries * s->buffer_bytes;
  o->tx_ring = align4k(wl->spec.window_base);
  o->rx_ring = align4k(o->tx_ring + ring);
  o->tx_buffers = align4k(o->rx_ring + ring);
  o->rx_buffers = align4k(o->tx_buffers + bufs);
  o->end = o->rx_buffers + bufs;
  return o->end - wl->spec.window_base <= wl->spec.window_bytes ? LADON_OK : LADON_ERANGE;
}

ladon_status ladon__wl_nic_start(ladon__workload *wl, ladon_error *err) {
  wl_nic *nic = wl->state;
  const ladon__wl_nic_spec *s = &wl->spec.u.nic;
  if (ladon__workload_nic_layout(wl, &nic->lay) != LADON_OK)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "workload '%s': the window (%llu B) cannot hold two rings of %u "
                            "descriptors and their buffers (%llu B needed)",
                            wl->name, (unsigned long long)wl->spec.window_bytes,
                            s->ring_entries,
                            (unsigned long long)(nic->lay.end - wl->spec.window_base));
  nicq *tx = &nic->q[0], *rx = &nic->q[1];
  tx->ring = nic->lay.tx_ring;
  tx->bufs = nic->lay.tx_buffers;
  rx->ring = nic->lay.rx_ring;
  rx->bufs = nic->lay.rx_buffers;
  bool mmio = s->driver == LADON__WL_DRIVER_MMIO;
  tx->active = mmio || s->tx_rate_bps > 0;
  rx->active = s->rx_rate_bps > 0;
  tx->stopped = mmio || !tx->active; /* "mmio": the host posts */
  rx->stopped = !rx->active;
  /* RX packet buffer in whole packets (at least one in flight). */
  rx->fifo_max = s->rx_fifo_bytes / s->packet_bytes;
  rx->fifo_cap = rx->fifo_max + 1u;
  rx->fifo = calloc(rx->fifo_cap, sizeof *rx->fifo);
  if (!rx->fifo) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  if (!mmio) rx->posted = s->ring_entries - 1u; /* the driver filled the RX ring */
  if (!tx->stopped) schedule_next(tx);
  if (!rx->stopped) schedule_next(rx);
  return LADON_OK;
}

static bool q_done(const nicq *q) {
  if (!q->active) return true;
  bool drained = !q->fetch_busy && q->wb_done == q->started && q->started == q->finished;
  if (q->rx) return q->stopped && !q->ev && q->fifo_len == 0 && drained;
  return q->stopped && !q->ev && q->wb_done == q->posted && drained;
}

bool ladon__wl_nic_done(const ladon__workload *wl) {
  const wl_nic *nic = wl->state;
  return q_done(&nic->q[0]) && q_done(&nic->q[1]);
}
