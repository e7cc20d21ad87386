/*
** The replay engine: one reader feeds the requesters' queues in trace
** order; each requester issues from its queue as its mode and limits
** allow; completions of the trace give captured latencies.
**
** Reading is driven by events: in open loop the feeder sleeps until the
** next record's captured time; in both modes it stops while the next
** record's requester has a full queue and resumes (from an event, never
** from inside a model's callback) when that queue has room.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dma.h"
#include "sim/error_int.h"
#include "trace/replay_int.h"

#define MAX_WINDOW 65536u
#define DRAIN_PS LADON_US(10)

/* ---- errors ------------------------------------------------------------ */

/* Remembers the first error, positioned "TRACE:LINE: text" when `line`. */
static ladon_status fail(ladon_replay *rp, ladon_status st, uint64_t line, const char *text) {
  if (rp->failed) return rp->err.code;
  rp->failed = true;
  ladon__error_set(&rp->err, st, line ? rp->trace_name : NULL, (uint32_t)line, 0, "%s", text);
  ladon_sim_stop(rp->sim);
  return st;
}

/* ---- issuing ----------------------------------------------------------- */

static void feed(ladon_replay *rp);

static void feed_ev(ladon_sim *sim, void *ctx, uint64_t arg) {
  (void)sim;
  (void)arg;
  ladon_replay *rp = ctx;
  rp->feed_ev = 0;
  feed(rp);
}

static void arm_feed(ladon_replay *rp, ladon_time_ps t) {
  if (rp->feed_ev) {
    if (rp->feed_time <= t) return;
    ladon_sim_cancel(rp->sim, rp->feed_ev);
  }
  rp->feed_time = t;
  rp->feed_ev = ladon_sim_schedule_at(rp->sim, t, LADON_PRIO_DEFAULT, feed_ev, rp, 0);
}

static void flow_first(ladon__requester *rq, ladon_time_ps now) {
  if (!rq->first_seen) {
    rq->first_seen = true;
    ladon_counter_add(rq->c_first, now);
  }
  ladon_counter_add(rq->c_issued, 1);
}

static void pump(ladon__requester *rq);

static bool all_done(const ladon_replay *rp) {
  if (!rp->eof) return false;
  for (uint32_t i = 0; i < rp->n_rqs; i++)
    if (rp->rqs[i]->q_len || rp->rqs[i]->inflight) return false;
  return true;
}

/* Notes when the replay's last request ended: the run stops DRAIN_PS
** later (posted writes still cross the fabric then) rather than run on to
** idle timers -- unless the topology's own workloads run alongside. */
static void stop_if_done(ladon_replay *rp) {
  if (!rp->over && rp->f->topo->n_workloads == 0 && all_done(rp)) {
    rp->over = true;
    rp->t_over = ladon_sim_now(rp->sim);
  }
}

void ladon__replay_finish(ladon__rq_slot *s, bool ok, ladon_time_ps t_first,
                          ladon_time_ps t_done) {
  ladon__requester *rq = s->rq;
  ladon_replay *rp = rq->rp;
  if (ok) {
    ladon_counter_add(rq->c_requests, 1);
    ladon_counter_add(rq->c_bytes, s->bytes);
    ladon_counter_add(s->write ? rq->c_writes : rq->c_reads, 1);
    ladon_hist_add(rq->h_lat, t_done - t_first);
  } else {
    ladon_counter_add(rq->c_errors, 1);
    rp->n.errors++;
  }
  if (rp->opts.mode == LADON_REPLAY_OPEN_LOOP) {
    ladon_time_ps delay = t_first > s->t_sched ? t_first - s->t_sched : 0;
    ladon_hist_add(rq->h_delay, delay);
    /* Up to one clock of the device is its egress pipeline, not a wait. */
    ladon_time_ps clock =
        rq->kind == LADON__RQ_FN ? ladon__sriov_config_get(ladon__sriov_fn_dev(rq->fn))->clock_period_ps : 0;
    if (delay > clock) {
      rp->n.delayed++;
      ladon_counter_add(rp->c_delayed, 1);
    }
  }
  if (t_done > rq->last_done) {
    ladon_counter_add(rq->c_last, t_done - rq->last_done); /* holds the time itself */
    rq->last_done = t_done;
  }
  if (!s->write) rq->reads_done++;
  rp->n.finished++;
  s->next_free = rq->free_slots;
  rq->free_slots = s;
  rq->inflight--;
  pump(rq);
  stop_if_done(rp);
}

static void dma_done(void *ctx, const ladon__dma_result *r) {
  ladon__replay_finish(ctx, r->status == LADON__DMA_OK, r->t_first_ps, r->t_done_ps);
}

static void cpu_read_done(void *ctx, uint8_t status, uint64_t value) {
  (void)value;
  ladon__rq_slot *s = ctx;
  ladon_time_ps now = ladon_sim_now(s->rq->rp->sim);
  ladon__replay_finish(s, status == LADON_TLP_CPL_SC, s->t_submit, now);
}

/* Hands item `it` to the requester's DMA engine or CPU core. */
static void issue(ladon__requester *rq, const ladon__rq_item *it) {
  ladon_replay *rp = rq->rp;
  ladon_time_ps now = ladon_sim_now(rp->sim);
  ladon__rq_slot *s = rq->free_slots;
  rq->free_slots = s->next_free;
  rq->inflight++;
  s->t_sched = it->t_ps;
  s->t_submit = now;
  s->bytes = it->bytes;
  s->write = it->write;
  flow_first(rq, now);
  if (rq->kind == LADON__RQ_FN) {
    ladon__dma_xfer x;
    memset(&x, 0, sizeof x);
    x.op = it->write ? LADON__DMA_WRITE : LADON__DMA_READ;
    x.addr = it->addr;
    x.bytes = it->bytes;
    x.done = dma_done;
    x.ctx = s;
    if (ladon__dma_submit(ladon__sriov_fn_dma(rq->fn), &x, NULL) != LADON_OK)
      ladon__replay_finish(s, false, now, now);
    return;
  }
  if (it->write) {
    /* A store is posted (§2.2.7): done for the core once it is issued; it
       has no latency of its own to report. */
    static const uint8_t zeros[4096];
    bool ok = it->bytes <= sizeof zeros &&
              ladon__host_mmio_write(rq->host, rq->core, it->addr, it->bytes, zeros) == LADON_OK;
    ladon__requester *r = s->rq;
    if (ok) {
      ladon_counter_add(r->c_requests, 1);
      ladon_counter_add(r->c_bytes, s->bytes);
      ladon_counter_add(r->c_writes, 1);
      if (now > r->last_done) {
        ladon_counter_add(r->c_last, now - r->last_done);
        r->last_done = now;
      }
      if (rp->opts.mode == LADON_REPLAY_OPEN_LOOP) {
        ladon_hist_add(r->h_delay, now > s->t_sched ? now - s->t_sched : 0);
        if (now > s->t_sched) {
          rp->n.delayed++;
          ladon_counter_add(rp->c_delayed, 1);
        }
      }
      rp->n.finished++;
      s->next_free = rq->free_slots;
      rq->free_slots = s;
      rq->inflight--;
      stop_if_done(rp);
    } else {
      ladon__replay_finish(s, false, now, now);
    }
    return;
  }
  if (ladon__host_mmio_read(rq->host, rq->core, it->addr, it->bytes, cpu_read_done, s) !=
      LADON_OK)
    ladon__replay_finish(s, false, now, now);
}

/* Issues from the queue's head while limits and causality allow. */
static void pump(ladon__requester *rq) {
  ladon_replay *rp = rq->rp;
  uint32_t w = rp->opts.window;
  bool freed = false;
  while (rq->q_len > 0 && rq->free_slots != NULL) {
    ladon__rq_item it = rq->q[rq->q_head];
    if (rp->opts.mode == LADON_REPLAY_CLOSED_LOOP && rq->reads_done < it.need) break;
    if (rp->opts.mode == LADON_REPLAY_CLOSED_LOOP) it.t_ps = ladon_sim_now(rp->sim);
    rq->q_head = (rq->q_head + 1) % w;
    rq->q_len--;
    freed = true;
    issue(rq, &it);
  }
  /* The reader waits for this queue: wake it from an event of its own. */
  if (freed && rp->blocked_on && rp->rqs[rp->blocked_on - 1] == rq) {
    rp->blocked_on = 0;
    arm_feed(rp, ladon_sim_now(rp->sim));
  }
}

/* ---- reading ----------------------------------------------------------- */

/* The requester of `src` (an interned reader string): the table first. */
static ladon_status source(ladon_replay *rp, const char *src, uint64_t line, uint32_t *out) {
  uint32_t mask = rp->srcs_cap - 1;
  uint32_t h = (uint32_t)(((uintptr_t)src >> 4) * 2654435761u) & mask;
  while (rp->srcs[h].key != NULL) {
    if (rp->srcs[h].key == src) {
      *out = rp->srcs[h].rq;
      return LADON_OK;
    }
    h = (h + 1) & mask;
  }
  uint32_t rq = UINT32_MAX;
  for (uint32_t i = 0; i < rp->n_maps; i++)
    if (!strcmp(rp->maps[i].src, src)) rq = rp->maps[i].rq;
  if (rq == UINT32_MAX) {
    ladon_error e;
    ladon_error_clear(&e);
    ladon_status st = ladon__replay_requester(rp, src, &rq, &e);
    if (st != LADON_OK) {
      char text[LADON_ERROR_TEXT_MAX + 64];
      if (st == LADON_ENOENT)
        snprintf(text, sizeof text, "source '%s' is not mapped to a requester: %s (--map %s=COMPONENT)",
                 src, e.text, src);
      else
        snprintf(text, sizeof text, "source '%s': %s", src, e.text);
      return fail(rp, st, line, text);
    }
  }
  /* The table never fills: at most LADON_TRACE_NAMES_MAX names exist. */
  rp->srcs[h].key = src;
  rp->srcs[h].rq = rq;
  *out = rq;
  return LADON_OK;
}

/* A completion record: the end of a captured read? (§2.3.1.1: the last
** completion of a request carries the remaining Byte Count.) */
static void captured(ladon_replay *rp, const ladon_trace_record *r) {
  const ladon_tlp *t = &r->tlp;
  rp->n.completions++;
  ladon_counter_add(rp->c_completions, 1);
  uint32_t owner = rp->rid_rq[t->req_id];
  if (owner == 0) return;
  ladon__requester *rq = rp->rqs[owner - 1];
  uint16_t tag = t->tag % LADON__REPLAY_TAGS;
  if (rq->tag_t[tag] == 0) return;
  bool last = !ladon_tlp_type_has_data((ladon_tlp_type)t->type) ||
              (uint32_t)t->byte_count <= 4u * t->length_dw - (t->lower_addr & 3u);
  if (!last) return;
  ladon_hist_add(rq->h_cap, r->t_ps - (rq->tag_t[tag] - 1));
  rq->tag_t[tag] = 0;
  rq->trace_reads_done++;
}

/* Dispatches the pending record; false when the reader must wait. */
static bool dispatch(ladon_replay *rp) {
  const ladon_trace_record *r = &rp->rec;
  ladon_tlp_type type = (ladon_tlp_type)r->tlp.type;
  if (ladon_tlp_is_completion(type)) {
    captured(rp, r);
    return true;
  }
  uint32_t len = ladon_trace_len_bytes(&r->tlp);
  if ((type != LADON_TLP_MRD && type != LADON_TLP_MWR) || len == 0) {
    rp->n.skipped++;
    ladon_counter_add(rp->c_skipped, 1);
    return true;
  }
  uint32_t idx = 0;
  if (source(rp, r->src, r->line, &idx) != LADON_OK) return false;
  ladon__requester *rq = rp->rqs[idx];
  uint32_t w = rp->opts.window;
  if (rq->q_len == w) {
    rp->blocked_on = idx + 1;
    return false;
  }
  ladon__rq_item *it = &rq->q[(rq->q_head + rq->q_len) % w];
  /* The first enabled byte: the trace's `addr` column (docs/trace-format.md). */
  unsigned skip = 0;
  while (skip < 3 && r->tlp.length_dw && !(r->tlp.first_be & (1u << skip))) skip++;
  it->addr = r->tlp.addr + skip;
  it->bytes = len;
  it->write = type == LADON_TLP_MWR;
  it->t_ps = rp->t0 + r->t_ps;
  it->need = rq->trace_reads_done;
  rq->q_len++;
  rp->rid_rq[r->tlp.req_id] = idx + 1;
  if (!it->write) rq->tag_t[r->tlp.tag % LADON__REPLAY_TAGS] = r->t_ps + 1;
  rp->n.requests++;
  ladon_counter_add(rp->c_requests, 1);
  pump(rq);
  return true;
}

static void feed(ladon_replay *rp) {
  ladon_time_ps now = ladon_sim_now(rp->sim);
  while (!rp->failed && !rp->eof && !rp->blocked_on) {
    if (!rp->have) {
      ladon_error e;
      int rc = ladon_trace_reader_next(rp->reader, &rp->rec, &e);
      if (rc < 0) {
        /* The reader's message is positioned already. */
        rp->failed = true;
        rp->err = e;
        ladon_sim_stop(rp->sim);
        return;
      }
      if (rc == 0) {
        rp->eof = true;
        stop_if_done(rp);
        return;
      }
      rp->have = true;
      rp->n.records++;
      ladon_counter_add(rp->c_records, 1);
    }
    if (rp->opts.mode == LADON_REPLAY_OPEN_LOOP && rp->t0 + rp->rec.t_ps > now) {
      arm_feed(rp, rp->t0 + rp->rec.t_ps);
      return;
    }
    if (!dispatch(rp)) return;
    rp->have = false;
  }
}

/* ---- the handle -------------------------------------------------------- */

ladon_replay *ladon_replay_new(ladon_fabric *fabric, ladon_trace_reader *reader,
                               const char *trace_name, const ladon_replay_options *opts,
                               ladon_error *err) {
  ladon_replay_options o = {LADON_REPLAY_OPEN_LOOP, 0};
  if (opts) o = *opts;
  if (o.window == 0) o.window = LADON_REPLAY_DEFAULT_WINDOW;
  if (!fabric || !reader || !trace_name) {
    ladon_trace_reader_close(reader);
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "replay: NULL argument");
    return NULL;
  }
  if (o.window > MAX_WINDOW ||
      (o.mode != LADON_REPLAY_OPEN_LOOP && o.mode != LADON_REPLAY_CLOSED_LOOP)) {
    ladon_trace_reader_close(reader);
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "replay: window %u is not in 1..%u, or an unknown mode", o.window,
                     MAX_WINDOW);
    return NULL;
  }
  ladon_replay *rp = calloc(1, sizeof *rp);
  if (rp) {
    rp->trace_name = malloc(strlen(trace_name) + 1);
    rp->srcs_cap = 2 * LADON_TRACE_NAMES_MAX;
    rp->srcs = calloc(rp->srcs_cap, sizeof *rp->srcs);
    rp->rid_rq = calloc(65536, sizeof *rp->rid_rq);
  }
  if (!rp || !rp->trace_name || !rp->srcs || !rp->rid_rq) {
    if (rp) {
      free(rp->trace_name);
      free(rp->srcs);
      free(rp->rid_rq);
    }
    free(rp);
    ladon_trace_reader_close(reader);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  strcpy(rp->trace_name, trace_name);
  rp->f = fabric;
  rp->sim = ladon_fabric_sim(fabric);
  rp->reader = reader;
  rp->opts = o;
  ladon_stats *st = ladon_sim_stats(rp->sim);
  rp->c_records = ladon_stats_counter(st, "replay.records", NULL, "trace records read", NULL);
  rp->c_requests =
      ladon_stats_counter(st, "replay.requests", NULL, "requests handed to requesters", NULL);
  rp->c_completions = ladon_stats_counter(st, "replay.completions", NULL,
                                          "completion records (captured latency)", NULL);
  rp->c_skipped = ladon_stats_counter(st, "replay.skipped", NULL,
                                      "records that are not replayable requests", NULL);
  rp->c_delayed = ladon_stats_counter(st, "replay.delayed", NULL,
                                      "open loop: requests issued after their captured time",
                                      NULL);
  if (!rp->c_records || !rp->c_requests || !rp->c_completions || !rp->c_skipped ||
      !rp->c_delayed) {
    ladon_replay_free(rp);
    ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                     "replay: its statistics names are taken (one replay per fabric)");
    return NULL;
  }
  return rp;
}

ladon_status ladon_replay_map(ladon_replay *rp, const char *src, const char *requester,
                              ladon_error *err) {
  if (!rp || !src || !requester || !*src)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "replay map: NULL or empty argument");
  if (rp->started)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                            "replay map: the replay is running already");
  for (uint32_t i = 0; i < rp->n_maps; i++)
    if (!strcmp(rp->maps[i].src, src))
      return ladon__error_set(err, LADON_EEXIST, NULL, 0, 0, "source '%s' is mapped twice",
                              src);
  uint32_t rq;
  ladon_error e;
  ladon_error_clear(&e);
  ladon_status st = ladon__replay_requester(rp, requester, &rq, &e);
  if (st != LADON_OK)
    return ladon__error_set(err, st, NULL, 0, 0, "map %s=%s: %s", src, requester, e.text);
  ladon__replay_map *m = realloc(rp->maps, (rp->n_maps + 1) * sizeof *m);
  char *copy = malloc(strlen(src) + 1);
  if (m) rp->maps = m;
  if (!m || !copy) {
    free(copy);
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  strcpy(copy, src);
  rp->maps[rp->n_maps].src = copy;
  rp->maps[rp->n_maps].rq = rq;
  rp->n_maps++;
  return LADON_OK;
}

ladon_status ladon_replay_run(ladon_replay *rp, ladon_time_ps until, ladon_error *err) {
  if (rp == NULL) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "replay: NULL");
  if (!rp->started) {
    rp->started = true;
    ladon_time_ps now = ladon_sim_now(rp->sim);
    rp->t0 = ladon_fabric_start_ps(rp->f);
    arm_feed(rp, now > rp->t0 ? now : rp->t0);
  }
  ladon_time_ps limit = until;
  while (!rp->failed) {
    if (rp->over && rp->t_over + DRAIN_PS < limit) limit = rp->t_over + DRAIN_PS;
    ladon_time_ps next = ladon_sim_next_time(rp->sim);
    if (next == LADON_TIME_NEVER || next > limit) break;
    /* Slices keep a stop (a bad record) prompt; results do not depend on
       the slicing. */
    ladon_time_ps slice = LADON_US(10);
    ladon_time_ps to = limit - next < slice ? limit : next + slice;
    ladon_fabric_run(rp->f, to);
  }
  if (!rp->failed && limit != LADON_TIME_NEVER && ladon_sim_now(rp->sim) < limit)
    ladon_fabric_run(rp->f, limit);
  if (rp->failed) {
    if (err) *err = rp->err;
    return rp->err.code;
  }
  return LADON_OK;
}

void ladon_replay_counts_get(const ladon_replay *rp, ladon_replay_counts *out) {
  *out = rp->n;
  out->done = all_done(rp);
}

const char *ladon_replay_requester_name(const ladon_replay *rp, uint32_t i) {
  return rp && i < rp->n_rqs ? rp->rqs[i]->name : NULL;
}

void ladon_replay_free(ladon_replay *rp) {
  if (rp == NULL) return;
  if (rp->feed_ev) ladon_sim_cancel(rp->sim, rp->feed_ev);
  for (uint32_t i = 0; i < rp->n_rqs; i++) ladon__replay_requester_free(rp->rqs[i]);
  for (uint32_t i = 0; i < rp->n_maps; i++) free(rp->maps[i].src);
  free(rp->maps);
  free(rp->rqs);
  free(rp->srcs);
  free(rp->rid_rq);
  free(rp->trace_name);
  ladon_trace_reader_close(rp->reader);
  free(rp);
}
