/*
** The raw DMA stream workload: transfers of `size` bytes at window slots,
** sequential or random, reads / writes / a mix, paced by `rate`, at most
** `outstanding` in flight, until `count` or `duration`.
*/
#include <stdlib.h>
#include <string.h>

#include "models/workload_int.h"
#include "sim/error_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

__extension__ typedef unsigned __int128 u128;

typedef struct wl_dma {
  ladon__workload *wl;
  uint64_t slots;          /* size-aligned transfer positions in the window */
  uint64_t issued, inflight;
  bool stopped;            /* count or duration reached */
  ladon_event_id ev;
  ladon_time_ps ev_time;
  uint8_t *wbuf;           /* write data (functional mode) */
  ladon_counter *c_reads, *c_writes;
  ladon_hist *h_rd, *h_wr;
} wl_dma;

ladon_status ladon__wl_dma_init(ladon__workload *wl, ladon_error *err) {
  wl_dma *s = calloc(1, sizeof *s);
  if (!s) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  s->wl = wl;
  wl->state = s;
  s->c_reads = ladon__wl_counter(wl, "reads", NULL, "read transfers completed");
  s->c_writes = ladon__wl_counter(wl, "writes", NULL, "write transfers completed");
  s->h_rd = ladon__wl_hist(wl, "read_latency_ps", "latency of reads");
  s->h_wr = ladon__wl_hist(wl, "write_latency_ps", "latency of writes");
  if (!s->c_reads || !s->c_writes || !s->h_rd || !s->h_wr)
    return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                            "workload '%s': its statistics names are taken", wl->name);
  return LADON_OK;
}

void ladon__wl_dma_free(ladon__workload *wl) {
  wl_dma *s = wl->state;
  if (!s) return;
  if (s->ev) ladon_sim_cancel(wl->sim, s->ev);
  free(s->wbuf);
  free(s);
}

static void pump(wl_dma *s);

static void pump_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)sim;
  (void)arg;
  wl_dma *s = ctx;
  s->ev = 0;
  pump(s);
}

static void arm(wl_dma *s, ladon_time_ps t) {
  ladon__workload *wl = s->wl;
  if (s->ev) {
    if (s->ev_time <= t) return;
    ladon_sim_cancel(wl->sim, s->ev);
  }
  s->ev_time = t;
  s->ev = ladon_sim_schedule_at(wl->sim, t, LADON_PRIO_DEFAULT, pump_ev, s, 0);
}

static void on_done(void *ctx, const ladon__dma_result *r) {
  wl_dma *s = ctx;
  ladon__workload *wl = s->wl;
  s->inflight--;
  bool ok = r->status == LADON__DMA_OK;
  ladon_time_ps lat = r->t_done_ps - r->t_submit_ps;
  ladon__wl_record(wl, r->bytes, ok, r->t_submit_ps, r->t_done_ps);
  if (ok) {
    if (r->op == LADON__DMA_READ) {
      wl->n.reads++;
      ladon__counter_add(s->c_reads, 1);
      ladon__hist_add(s->h_rd, lat);
    } else {
      wl->n.writes++;
      ladon__counter_add(s->c_writes, 1);
      ladon__hist_add(s->h_wr, lat);
    }
  }
  pump(s);
}

/* Earliest issue time of transfer i under the rate limit (exact). */
static ladon_time_ps paced(const wl_dma *s, uint64_t i) {
  const ladon__workload *wl = s->wl;
  uint64_t rate = wl->spec.rate_bytes_per_s;
  if (!rate) return wl->t0;
  u128 ps = (u128)i * wl->spec.u.dma.size_bytes * 1000000000000ull / rate;
  if (ps > (u128)(LADON_TIME_NEVER - wl->t0)) return LADON_TIME_NEVER;
  return wl->t0 + (ladon_time_ps)ps;
}

static void issue_one(wl_dma *s) {
  ladon__workload *wl = s->wl;
  const ladon__wl_dma_spec *d = &wl->spec.u.dma;
  uint64_t slot = d->pattern == LADON__WL_RANDOM ? ladon_rng_below(&wl->rng, s->slots)
                                                 : s->issued % s->slots;
  bool read = d->op == LADON__WL_READ ||
              (d->op == LADON__WL_MIXED && ladon_rng_double(&wl->rng_op) < d->read_fraction);
  ladon__dma_xfer x;
  memset(&x, 0, sizeof x);
  x.op = read ? LADON__DMA_READ : LADON__DMA_WRITE;
  x.addr = wl->spec.window_base + slot * d->size_bytes;
  x.bytes = d->size_bytes;
  x.done = on_done;
  x.ctx = s;
  x.cookie = s->issued;
  if (!read && s->wbuf) {
    for (uint32_t i = 0; i < d->size_bytes; i++)
      s->wbuf[i] = ladon__workload_pattern_byte(wl->key, x.addr + i);
    x.write_data = s->wbuf;
  }
  if (ladon__dma_submit(wl->fn->dma, &x, NULL) != LADON_OK) {
    ladon__wl_record(wl, 0, false, ladon__sim_now(wl->sim), ladon__sim_now(wl->sim));
    s->stopped = true;
    return;
  }
  ladon__wl_issued(wl);
  s->issued++;
  s->inflight++;
}

static void pump(wl_dma *s) {
  ladon__workload *wl = s->wl;
  const ladon__wl_dma_spec *d = &wl->spec.u.dma;
  ladon_time_ps now = ladon__sim_now(wl->sim);
  while (!s->stopped && s->inflight < d->outstanding) {
    if (d->count && s->issued >= d->count) {
      s->stopped = true;
      break;
    }
    if (wl->spec.duration_ps && now >= wl->t0 + wl->spec.duration_ps) {
      s->stopped = true;
      break;
    }
    ladon_time_ps t = paced(s, s->issued);
    if (t > now) {
      if (t != LADON_TIME_NEVER) arm(s, t);
      break;
    }
    issue_one(s);
  }
}

ladon_status ladon__wl_dma_start(ladon__workload *wl, ladon_error *err) {
  wl_dma *s = wl->state;
  const ladon__wl_dma_spec *d = &wl->spec.u.dma;
  s->slots = wl->spec.window_bytes / d->size_bytes;
  if (s->slots == 0)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "workload '%s': the window (%llu B) is smaller than one transfer "
                            "(%u B)",
                            wl->name, (unsigned long long)wl->spec.window_bytes, d->size_bytes);
  if (d->op != LADON__WL_READ && wl->fn->dev->cfg.payloads) {
    s->wbuf = malloc(d->size_bytes);
    if (!s->wbuf) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  arm(s, wl->t0);
  return LADON_OK;
}

bool ladon__wl_dma_done(const ladon__workload *wl) {
  const wl_dma *s = wl->state;
  return s->stopped && s->inflight == 0;
}
