/*
** Workloads: parameter tables (the "dma" and "nic" component types), specs,
** binding to a function, flow statistics.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/units.h"
#include "models/model.h"
#include "models/workload_int.h"
#include "sim/error_int.h"
#include "sim/sim_int.h"
#include "sim/stats_int.h"

/* ---- parameter tables ------------------------------------------------- */

static const char *const op_choices[] = {"read", "write", "mixed", NULL};
static const char *const pattern_choices[] = {"sequential", "random", NULL};
static const char *const arrival_choices[] = {"constant", "poisson", NULL};
static const char *const driver_choices[] = {"model", "mmio", NULL};

#define WINDOW_DESC                                                                      \
  "memory the workload may touch, \"BASE+SIZE\" in the function's DMA address space "   \
  "(e.g. \"0x100000000+16MiB\"); empty: the fabric gives it (the VM's memory)"

static const ladon_param_desc dma_params[] = {
    {"op", LADON_PARAM_ENUM, "read", NULL, "what each transfer does", op_choices, NULL, NULL},
    {"read_fraction", LADON_PARAM_DOUBLE, "0.5", NULL,
     "op \"mixed\": probability that a transfer is a read", NULL, "0", "1"},
    {"size", LADON_PARAM_SIZE, "64B", NULL,
     "bytes per transfer; split into TLPs at MRRS / MPS", NULL, "1B", "1GiB"},
    {"pattern", LADON_PARAM_ENUM, "sequential", NULL,
     "addresses: consecutive size-aligned slots of the window, wrapping, or uniformly random "
     "slots (seeded stream per device and workload name)",
     pattern_choices, NULL, NULL},
    {"window", LADON_PARAM_STRING, "", NULL, WINDOW_DESC, NULL, NULL, NULL},
    {"count", LADON_PARAM_U64, "0", "transfers", "transfers to issue; 0 = no limit", NULL, NULL,
     NULL},
    {"duration", LADON_PARAM_TIME, "0ns", NULL,
     "stop issuing this long after the start; 0 = no limit", NULL, NULL, NULL},
    {"start", LADON_PARAM_TIME, "0ns", NULL, "delay from the fabric's start to the first issue",
     NULL, NULL, NULL},
    {"rate", LADON_PARAM_RATE, "0B/s", "B/s",
     "pacing: transfer i is issued no earlier than start + i x size / rate; 0 = unpaced", NULL,
     NULL, NULL},
    {"outstanding", LADON_PARAM_U64, "32", "transfers", "transfers in flight at most", NULL, "1",
     "1048576"},
};

static const ladon_param_desc nic_params[] = {
    {"ring_entries", LADON_PARAM_U64, "512", "descriptors",
     "descriptors in each ring (TX and RX); a multiple of 8", NULL, "8", "65536"},
    {"desc_size", LADON_PARAM_SIZE, "16B", NULL,
     "descriptor size: 16 B (82599 legacy / advanced), 32 B or 64 B", NULL, "16B", "64B"},
    {"packet_size", LADON_PARAM_SIZE, "1518B", NULL, "Ethernet frame size, FCS included", NULL,
     "60B", "16KiB"},
    {"buffer_size", LADON_PARAM_SIZE, "2KiB", NULL, "packet buffer per descriptor", NULL, "60B",
     "16KiB"},
    {"batch", LADON_PARAM_U64, "8", "descriptors",
     "descriptors fetched by one descriptor read at most (prefetch)", NULL, "1", "256"},
    {"wb_batch", LADON_PARAM_U64, "1", "descriptors",
     "descriptors written back by one write at most; a partial batch is written when the queue "
     "has nothing else in process",
     NULL, "1", "256"},
    {"tx_rate", LADON_PARAM_RATE, "10Gb/s", "bit/s",
     "driver \"model\": line rate at which the driver posts TX packets (frame + 20 B of "
     "preamble, SFD and inter-frame gap per packet); 0 = no TX",
     NULL, NULL, NULL},
    {"rx_rate", LADON_PARAM_RATE, "10Gb/s", "bit/s",
     "line rate of arriving RX packets (frame + 20 B per packet); 0 = no RX", NULL, NULL, NULL},
    {"arrival", LADON_PARAM_ENUM, "constant", NULL,
     "packet spacing at those rates: constant, or exponential (Poisson arrivals)",
     arrival_choices, NULL, NULL},
    {"count", LADON_PARAM_U64, "0", "packets", "packets per direction; 0 = no limit", NULL, NULL,
     NULL},
    {"duration", LADON_PARAM_TIME, "0ns", NULL, "stop new packets after this; 0 = no limit",
     NULL, NULL, NULL},
    {"start", LADON_PARAM_TIME, "0ns", NULL, "delay from the fabric's start", NULL, NULL, NULL},
    {"itr", LADON_PARAM_TIME, "0ns", NULL,
     "interrupt moderation: at least this long between interrupts of a queue; 0 = one per "
     "write-back",
     NULL, NULL, NULL},
    {"tx_vector", LADON_PARAM_U64, "0", NULL, "MSI-X vector of TX interrupts", NULL, "0", "127"},
    {"rx_vector", LADON_PARAM_U64, "1", NULL, "MSI-X vector of RX interrupts", NULL, "0", "127"},
    {"rx_fifo", LADON_PARAM_SIZE, "512KiB", NULL,
     "on-chip RX packet buffer; packets arriving when it is full are dropped", NULL, "0B",
     "64MiB"},
    {"driver", LADON_PARAM_ENUM, "model", NULL,
     "who rings the doorbells: \"model\" (the workload posts TX packets at tx_rate and keeps "
     "the RX ring full, without MMIO), or \"mmio\" (host writes to the TDT/RDT registers)",
     driver_choices, NULL, NULL},
    {"desc_buffers", LADON_PARAM_BOOL, "false", NULL,
     "take buffer addresses from the fetched descriptors (needs completions with data) "
     "instead of the fixed layout in the window",
     NULL, NULL, NULL},
    {"window", LADON_PARAM_STRING, "", NULL, WINDOW_DESC, NULL, NULL, NULL},
};

#define FLOW_STATS                                                                          \
  {"flow.NAME.requests", NULL, "requests completed (transfers / packets)"},                 \
      {"flow.NAME.bytes", "bytes", "bytes of completed requests"},                          \
      {"flow.NAME.errors", NULL, "requests that ended with an error"},                      \
      {"flow.NAME.issued", NULL, "requests started"},                                       \
      {"flow.NAME.first_issue_ps", "ps", "time of the first issue"},                        \
      {"flow.NAME.last_done_ps", "ps", "time of the last completion"},                      \
      {"flow.NAME.latency_ps", "ps",                                                        \
       "request latency: reads issue -> last completion, writes issue -> serialised"}

static const ladon_stat_desc dma_stats[] = {
    FLOW_STATS,
    {"flow.NAME.reads", NULL, "read transfers completed"},
    {"flow.NAME.writes", NULL, "write transfers completed"},
    {"flow.NAME.read_latency_ps", "ps", "latency of reads"},
    {"flow.NAME.write_latency_ps", "ps", "latency of writes"},
};

static const ladon_stat_desc nic_stats[] = {
    FLOW_STATS,
    {"flow.NAME.tx_packets", NULL, "TX packets written back"},
    {"flow.NAME.rx_packets", NULL, "RX packets written back"},
    {"flow.NAME.rx_dropped", NULL, "RX packets dropped: packet buffer full"},
    {"flow.NAME.tx_ring_full", NULL, "driver model: TX packets not posted, ring full"},
    {"flow.NAME.interrupts", NULL, "MSI-X interrupts signalled"},
    {"flow.NAME.tx_latency_ps", "ps", "TX doorbell -> descriptor write-back serialised"},
    {"flow.NAME.rx_latency_ps", "ps", "RX arrival -> descriptor write-back serialised"},
};

/* ---- specs ------------------------------------------------------------ */

void ladon__workload_spec_default(ladon__wl_kind kind, ladon__workload_spec *s) {
  memset(s, 0, sizeof *s);
  s->kind = kind;
  if (kind == LADON__WL_DMA) {
    s->u.dma.op = LADON__WL_READ;
    s->u.dma.read_fraction = 0.5;
    s->u.dma.size_bytes = 64;
    s->u.dma.outstanding = 32;
  } else {
    ladon__wl_nic_spec *n = &s->u.nic;
    n->ring_entries = 512;
    n->desc_bytes = 16;
    n->packet_bytes = 1518;
    n->buffer_bytes = 2048;
    n->fetch_batch = 8;
    n->wb_batch = 1;
    n->tx_rate_bps = 10000000000ull;
    n->rx_rate_bps = 10000000000ull;
    n->tx_vector = 0;
    n->rx_vector = 1;
    n->rx_fifo_bytes = 512u * 1024u;
  }
}

ladon_status ladon__workload_parse_window(const char *text, uint64_t *base, uint64_t *bytes,
                                          ladon_error *err) {
  const char *plus = text ? strchr(text, '+') : NULL;
  char head[64];
  size_t n = plus ? (size_t)(plus - text) : 0;
  if (!plus || n == 0 || n >= sizeof head)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "parameter 'window': expected BASE+SIZE such as "
                            "\"0x100000000+16MiB\", got \"%s\"",
                            text ? text : "");
  memcpy(head, text, n);
  head[n] = '\0';
  uint64_t b = 0, sz = 0;
  if (ladon_parse_u64(head, &b, NULL) != LADON_OK ||
      ladon_parse_size_bytes(plus + 1, &sz, NULL) != LADON_OK)
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "parameter 'window': expected BASE+SIZE such as "
                            "\"0x100000000+16MiB\", got \"%s\"",
                            text);
  if (sz == 0 || b + (sz - 1u) < b)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "parameter 'window': \"%s\" is empty or wraps past 2^64", text);
  *base = b;
  *bytes = sz;
  return LADON_OK;
}

static bool has_param(const ladon_params *p, const char *name) {
  return ladon_params_is_set(p, name) >= 0;
}

ladon_status ladon__workload_spec_from_params(const ladon_params *p, ladon__workload_spec *s,
                                              ladon_error *err) {
  ladon__wl_kind kind = has_param(p, "ring_entries") ? LADON__WL_NIC : LADON__WL_DMA;
  ladon__workload_spec_default(kind, s);
  const char *w = ladon_params_string(p, "window");
  if (w && *w) {
    ladon_status st = ladon__workload_parse_window(w, &s->window_base, &s->window_bytes, err);
    if (st != LADON_OK) return st;
  }
  s->start_ps = ladon_params_time_ps(p, "start");
  s->duration_ps = ladon_params_time_ps(p, "duration");
  if (kind == LADON__WL_DMA) {
    ladon__wl_dma_spec *d = &s->u.dma;
    d->op = (ladon__wl_op)ladon_params_enum(p, "op");
    d->read_fraction = ladon_params_double(p, "read_fraction");
    d->size_bytes = (uint32_t)ladon_params_bytes(p, "size");
    d->pattern = (ladon__wl_pattern)ladon_params_enum(p, "pattern");
    d->count = ladon_params_u64(p, "count");
    d->outstanding = (uint32_t)ladon_params_u64(p, "outstanding");
    s->rate_bytes_per_s = ladon_params_rate(p, "rate");
    return LADON_OK;
  }
  ladon__wl_nic_spec *n = &s->u.nic;
  n->ring_entries = (uint32_t)ladon_params_u64(p, "ring_entries");
  n->desc_bytes = (uint32_t)ladon_params_bytes(p, "desc_size");
  n->packet_bytes = (uint32_t)ladon_params_bytes(p, "packet_size");
  n->buffer_bytes = (uint32_t)ladon_params_bytes(p, "buffer_size");
  n->fetch_batch = (uint32_t)ladon_params_u64(p, "batch");
  n->wb_batch = (uint32_t)ladon_params_u64(p, "wb_batch");
  n->tx_rate_bps = ladon_params_rate(p, "tx_rate");
  n->rx_rate_bps = ladon_params_rate(p, "rx_rate");
  n->arrival = (ladon__wl_arrival)ladon_params_enum(p, "arrival");
  n->count = ladon_params_u64(p, "count");
  n->itr_ps = ladon_params_time_ps(p, "itr");
  n->tx_vector = (uint32_t)ladon_params_u64(p, "tx_vector");
  n->rx_vector = (uint32_t)ladon_params_u64(p, "rx_vector");
  n->rx_fifo_bytes = (uint32_t)ladon_params_bytes(p, "rx_fifo");
  n->driver = (ladon__wl_driver)ladon_params_enum(p, "driver");
  n->desc_buffers = ladon_params_bool(p, "desc_buffers");
  return LADON_OK;
}

static ladon_status check(const char *name, const ladon__workload_spec *s, ladon_error *err) {
#define BAD(...) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, __VA_ARGS__)
  if (s->kind == LADON__WL_DMA) {
    const ladon__wl_dma_spec *d = &s->u.dma;
    if (d->size_bytes == 0) BAD("workload '%s': size must be at least 1 B", name);
    if (d->outstanding == 0) BAD("workload '%s': outstanding must be at least 1", name);
    if (!(d->read_fraction >= 0.0 && d->read_fraction <= 1.0))
      BAD("workload '%s': read_fraction must lie in 0..1", name);
    if ((unsigned)d->op > LADON__WL_MIXED || (unsigned)d->pattern > LADON__WL_RANDOM)
      BAD("workload '%s': unknown op or pattern", name);
    return LADON_OK;
  }
  const ladon__wl_nic_spec *n = &s->u.nic;
  if (n->ring_entries < 8 || n->ring_entries % 8u)
    BAD("workload '%s': ring_entries %u must be a positive multiple of 8 (a ring is a "
        "multiple of 128 bytes)",
        name, n->ring_entries);
  if (n->desc_bytes != 16 && n->desc_bytes != 32 && n->desc_bytes != 64)
    BAD("workload '%s': desc_size must be 16, 32 or 64 B", name);
  if (n->buffer_bytes < n->packet_bytes || !n->packet_bytes)
    BAD("workload '%s': buffer_size %u B is smaller than packet_size %u B", name,
        n->buffer_bytes, n->packet_bytes);
  if (!n->fetch_batch || !n->wb_batch || n->fetch_batch > n->ring_entries ||
      n->wb_batch > n->ring_entries)
    BAD("workload '%s': batch and wb_batch must be 1..ring_entries", name);
  return LADON_OK;
#undef BAD
}

/* ---- instances and flow statistics ------------------------------------ */

ladon_counter *ladon__wl_counter(ladon__workload *wl, const char *leaf, const char *unit,
                                 const char *desc) {
  char full[LADON_STAT_NAME_MAX + 1];
  snprintf(full, sizeof full, "flow.%s.%s", wl->name, leaf);
  return ladon_stats_counter(ladon_sim_stats(wl->sim), full, unit, desc, NULL);
}

ladon_hist *ladon__wl_hist(ladon__workload *wl, const char *leaf, const char *desc) {
  char full[LADON_STAT_NAME_MAX + 1];
  snprintf(full, sizeof full, "flow.%s.%s", wl->name, leaf);
  return ladon_stats_hist(ladon_sim_stats(wl->sim), full, "ps", desc, NULL);
}

ladon__workload *ladon__workload_new(ladon_sim *sim, const char *name,
                                     const ladon__workload_spec *spec, ladon_error *err) {
  if (!sim || !name || !spec) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "workload: NULL argument");
    return NULL;
  }
  if (check(name, spec, err) != LADON_OK) return NULL;
  ladon__workload *wl = calloc(1, sizeof *wl);
  char *nm = malloc(strlen(name) + 1);
  if (!wl || !nm) {
    free(wl);
    free(nm);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  strcpy(nm, name);
  wl->sim = sim;
  wl->name = nm;
  wl->spec = *spec;
  wl->key = (uint8_t)ladon_hash_string(name);
  wl->c_requests = ladon__wl_counter(wl, "requests", NULL, "requests completed");
  wl->c_bytes = ladon__wl_counter(wl, "bytes", "bytes", "bytes of completed requests");
  wl->c_errors = ladon__wl_counter(wl, "errors", NULL, "requests that ended with an error");
  wl->c_issued = ladon__wl_counter(wl, "issued", NULL, "requests started");
  wl->c_first = ladon__wl_counter(wl, "first_issue_ps", "ps", "time of the first issue");
  wl->c_last = ladon__wl_counter(wl, "last_done_ps", "ps", "time of the last completion");
  wl->h_lat = ladon__wl_hist(wl, "latency_ps", "request latency");
  ladon_status st = !wl->c_requests || !wl->c_bytes || !wl->c_errors || !wl->c_issued ||
                            !wl->c_first || !wl->c_last || !wl->h_lat
                        ? ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                                           "workload '%s': its statistics names are taken", name)
                    : spec->kind == LADON__WL_DMA ? ladon__wl_dma_init(wl, err)
                                                  : ladon__wl_nic_init(wl, err);
  if (st != LADON_OK) {
    ladon__workload_free(wl);
    return NULL;
  }
  return wl;
}

void ladon__workload_free(ladon__workload *wl) {
  if (!wl) return;
  if (wl->spec.kind == LADON__WL_DMA)
    ladon__wl_dma_free(wl);
  else
    ladon__wl_nic_free(wl);
  free(wl->name);
  free(wl);
}

const char *ladon__workload_name(const ladon__workload *wl) { return wl->name; }
ladon__wl_kind ladon__workload_kind(const ladon__workload *wl) { return wl->spec.kind; }

void ladon__wl_issued(ladon__workload *wl) {
  if (!wl->first_seen) {
    wl->first_seen = true;
    ladon__counter_add(wl->c_first, ladon__sim_now(wl->sim));
  }
  wl->n.issued++;
  ladon__counter_add(wl->c_issued, 1);
}

void ladon__wl_record(ladon__workload *wl, uint64_t bytes, bool ok, ladon_time_ps t_issue,
                      ladon_time_ps t_done) {
  if (ok) {
    wl->n.requests++;
    wl->n.bytes += bytes;
    ladon__counter_add(wl->c_requests, 1);
    ladon__counter_add(wl->c_bytes, bytes);
    ladon__hist_add(wl->h_lat, t_done - t_issue);
  } else {
    wl->n.errors++;
    ladon__counter_add(wl->c_errors, 1);
  }
  if (t_done > wl->last_done) {
    /* The counter holds the time itself: add the difference. */
    ladon__counter_add(wl->c_last, t_done - wl->last_done);
    wl->last_done = t_done;
  }
}

ladon_status ladon__workload_bind(ladon__workload *wl, ladon__sriov *dev, int32_t vf,
                                  ladon_error *err) {
  if (!wl || !dev) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "NULL argument");
  if (wl->fn || wl->started)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0, "workload '%s' is already bound",
                            wl->name);
  ladon__sriov_fn *f = ladon__sriov_fn_of(dev, vf);
  if (!f)
    return ladon__error_set(err, LADON_ENOENT, NULL, 0, 0,
                            "workload '%s': '%s' has no function vf%d (total_vfs %u)", wl->name,
                            ladon__sriov_name(dev), (int)vf, ladon__sriov_config_get(dev)->total_vfs);
  wl->dev = dev;
  wl->fn = f;
  /* A stream of its own, named by device and workload (DESIGN §2). */
  char key[600];
  snprintf(key, sizeof key, "%s:%s", ladon__sriov_name(dev), wl->name);
  ladon_rng_derive(ladon_sim_rng(wl->sim), ladon_hash_string(key), &wl->rng);
  ladon_rng_derive(&wl->rng, ladon_hash_string("op"), &wl->rng_op);
  if (wl->spec.kind == LADON__WL_NIC) {
    ladon_status st = ladon__wl_nic_bind(wl, err);
    if (st != LADON_OK) {
      wl->dev = NULL;
      wl->fn = NULL;
      return st;
    }
  }
  return LADON_OK;
}

ladon_status ladon__workload_set_window(ladon__workload *wl, uint64_t base, uint64_t bytes,
                                        ladon_error *err) {
  if (wl->started)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0, "workload '%s' has started",
                            wl->name);
  if (bytes == 0 || base + (bytes - 1u) < base)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "workload '%s': the window is empty or wraps past 2^64", wl->name);
  wl->spec.window_base = base;
  wl->spec.window_bytes = bytes;
  return LADON_OK;
}

ladon_status ladon__workload_start(ladon__workload *wl, ladon_error *err) {
  if (wl->started) return LADON_OK;
  if (!wl->fn)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                            "workload '%s': not bound to a function", wl->name);
  if (!wl->spec.window_bytes)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "workload '%s': no window (parameter 'window' or the fabric)",
                            wl->name);
  wl->t0 = ladon__sim_now(wl->sim) + wl->spec.start_ps;
  ladon_status st = wl->spec.kind == LADON__WL_DMA ? ladon__wl_dma_start(wl, err)
                                                   : ladon__wl_nic_start(wl, err);
  if (st == LADON_OK) wl->started = true;
  return st;
}

bool ladon__workload_done(const ladon__workload *wl) {
  if (!wl->started) return false;
  return wl->spec.kind == LADON__WL_DMA ? ladon__wl_dma_done(wl) : ladon__wl_nic_done(wl);
}

void ladon__workload_counts_get(const ladon__workload *wl, ladon__workload_counts *out) {
  *out = wl->n;
}

/* ---- the component types ---------------------------------------------- */

static ladon_status wl_create(ladon_sim *sim, const char *name, const ladon_params *p,
                              void **out, ladon_error *err) {
  ladon__workload_spec s;
  ladon_status st = ladon__workload_spec_from_params(p, &s, err);
  if (st != LADON_OK) return st;
  ladon__workload *wl = ladon__workload_new(sim, name, &s, err);
  if (!wl) return err && err->code != LADON_OK ? err->code : LADON_EINVAL;
  *out = wl;
  return LADON_OK;
}

static void wl_destroy(void *inst) { ladon__workload_free(inst); }

static ladon_status wl_start(void *inst, ladon_error *err) {
  return ladon__workload_start(inst, err);
}

/* No ports: that is how the topology loader tells workload types apart. */
static const ladon_model_ops wl_ops = {NULL, wl_start};

const ladon_component_type ladon__workload_dma_type = {
    .name = "dma",
    .description = "workload: a raw DMA stream of reads, writes or both from one SR-IOV "
                   "function (\"on\": \"nic0.vf0\")",
    .params = dma_params,
    .n_params = sizeof dma_params / sizeof dma_params[0],
    .stats = dma_stats,
    .n_stats = sizeof dma_stats / sizeof dma_stats[0],
    .create = wl_create,
    .destroy = wl_destroy,
    .ext = &wl_ops,
};

const ladon_component_type ladon__workload_nic_type = {
    .name = "nic",
    .description = "workload: a descriptor-ring NIC queue pair on one SR-IOV function (TX: "
                   "doorbell, descriptor fetch, data read, write-back, MSI-X; RX: arrival, "
                   "descriptor fetch, data write, write-back, MSI-X)",
    .params = nic_params,
    .n_params = sizeof nic_params / sizeof nic_params[0],
    .stats = nic_stats,
    .n_stats = sizeof nic_stats / sizeof nic_stats[0],
    .create = wl_create,
    .destroy = wl_destroy,
    .ext = &wl_ops,
};
