/*
** The run's statistics in the shape DESIGN §5 promises: meta, sim, links,
** flows, iommus, faults, and every registered statistic under "stats".
** One jansson tree is built and then written as JSON or flattened to the
** long CSV form, so the two can never disagree.
*/
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "ladon/stats.h"
#include "models/host.h"
#include "models/iommu.h"
#include "ladon/version.h"
#include "pcie/link_type_int.h"
#include "sim/error_int.h"

static const char *const dir_name[2] = {"down", "up"};
static const char *const credit_name[6] = {"ph", "pd", "nph", "npd", "cplh", "cpld"};

/* Busy time over elapsed time since the workloads started (the whole run
** when the fabric never started). */
static double utilization(const ladon_fabric *f, size_t link, unsigned dir,
                          const ladon_link_counters *c, ladon_time_ps now) {
  uint64_t busy0 = f->link_busy0_ps ? f->link_busy0_ps[2 * link + dir] : 0;
  ladon_time_ps t0 = f->link_busy0_ps ? f->start_ps : 0;
  return now > t0 ? (double)(c->busy_ps - busy0) / (double)(now - t0) : 0.0;
}

static json_t *links_json(ladon_fabric *f) {
  json_t *arr = json_array();
  ladon_time_ps now = ladon_sim_now(f->sim);
  for (size_t i = 0; i < f->topo->n_links; i++) {
    ladon_link_config cfg;
    ladon__link_config_from_params(f->topo->links[i].params, &cfg);
    for (unsigned d = 0; d < 2; d++) {
      ladon_link_counters c;
      if (ladon_link_counters_get(f->links[i], d, &c) != LADON_OK) continue;
      uint64_t stall = 0;
      json_t *stalls = json_object();
      for (int k = 0; k < 6; k++) {
        stall += c.credit_stall_ps[k];
        json_object_set_new(stalls, credit_name[k], json_integer((json_int_t)c.credit_stall_ps[k]));
      }
      json_t *o = json_pack(
          "{s:s, s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
          "id", f->topo->links[i].name, "dir", dir_name[d], "gen",
          (json_int_t)cfg.gen, "width", (json_int_t)cfg.width, "utilization",
          utilization(f, i, d, &c, now), "tlps",
          (json_int_t)c.tlps, "tlp_bytes", (json_int_t)c.tlp_bytes,
          "payload_bytes", (json_int_t)c.payload_bytes, "dllp_bytes",
          (json_int_t)c.dllp_bytes, "replays", (json_int_t)c.replays, "naks",
          (json_int_t)c.naks, "credit_stall_ps", (json_int_t)stall,
          "credit_stall_ps_by_type", stalls);
      json_array_append_new(arr, o);
    }
  }
  return arr;
}

static uint64_t counter_or_zero(const ladon_stats *s, const char *name) {
  const ladon_stat *st = ladon_stats_find(s, name);
  const ladon_counter *c = st ? ladon_stat_as_counter(st) : NULL;
  return c ? ladon_counter_value(c) : 0;
}

static json_t *latency_json(const ladon_hist *h) {
  json_t *latency = json_object();
  if (h && ladon_hist_count(h) > 0) {
    json_object_set_new(latency, "min", json_real(ladon_hist_min(h) / 1e3));
    json_object_set_new(latency, "mean", json_real(ladon_hist_mean(h) / 1e3));
    json_object_set_new(latency, "p50", json_real(ladon_hist_quantile(h, 0.50) / 1e3));
    json_object_set_new(latency, "p99", json_real(ladon_hist_quantile(h, 0.99) / 1e3));
    json_object_set_new(latency, "max", json_real(ladon_hist_max(h) / 1e3));
  }
  return latency;
}

static const ladon_hist *hist_or_null(const ladon_stats *s, const char *name) {
  const ladon_stat *st = ladon_stats_find(s, name);
  return st ? ladon_stat_as_hist(st) : NULL;
}

/* One flow from its flow.NAME.* statistics; a replayed flow
** (include/ladon/replay.h) also has the latency its trace captured. */
static json_t *flow_json(const ladon_stats *s, const char *name) {
  char key[512];
#define KEY(suffix) (snprintf(key, sizeof key, "flow.%s.%s", name, suffix), key)
  uint64_t requests = counter_or_zero(s, KEY("requests"));
  uint64_t bytes = counter_or_zero(s, KEY("bytes"));
  uint64_t errors = counter_or_zero(s, KEY("errors"));
  uint64_t first = counter_or_zero(s, KEY("first_issue_ps"));
  uint64_t last = counter_or_zero(s, KEY("last_done_ps"));
  const ladon_hist *h = hist_or_null(s, KEY("latency_ps"));
  const ladon_hist *cap = hist_or_null(s, KEY("captured_latency_ps"));
#undef KEY
  double gbps = last > first ? (double)bytes * 8.0 / (double)(last - first) * 1e3 : 0.0;
  json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:f, s:o}", "id", name, "requests",
                        (json_int_t)requests, "bytes", (json_int_t)bytes, "errors",
                        (json_int_t)errors, "throughput_gbps", gbps, "latency_ns",
                        latency_json(h));
  if (cap) json_object_set_new(o, "captured_latency_ns", latency_json(cap));
  return o;
}

/* The topology's workloads, then the flows of a replayed trace
** (include/ladon/replay.h): histograms flow.replay.*.latency_ps. */
static json_t *flows_json(ladon_fabric *f) {
  json_t *arr = json_array();
  const ladon_stats *s = ladon_sim_stats(f->sim);
  for (size_t i = 0; i < f->topo->n_workloads; i++)
    json_array_append_new(arr, flow_json(s, f->topo->workloads[i].name));
  for (size_t i = 0; i < ladon_stats_count(s); i++) {
    const char *full = ladon_stat_name(ladon_stats_at(s, i));
    size_t n = strlen(full);
    const char *leaf = ".latency_ps";
    if (strncmp(full, "flow.", 5) || n < 5 + strlen(leaf) + 1 ||
        strcmp(full + n - strlen(leaf), leaf) || !ladon_stat_as_hist(ladon_stats_at(s, i)))
      continue;
    char name[512];
    size_t len = n - 5 - strlen(leaf);
    if (len >= sizeof name) continue;
    memcpy(name, full + 5, len);
    name[len] = '\0';
    bool workload = strncmp(name, "replay.", 7) != 0;
    for (size_t k = 0; k < f->topo->n_workloads && !workload; k++)
      workload = !strcmp(f->topo->workloads[k].name, name);
    if (workload) continue;
    json_array_append_new(arr, flow_json(s, name));
  }
  return arr;
}

/* Per host with an IOMMU: its counters; and every fault it recorded. */
static void iommus_json(ladon_fabric *f, json_t *iommus, json_t *faults) {
  const ladon__topo *t = f->topo;
  const ladon_stats *s = ladon_sim_stats(f->sim);
  for (size_t i = 0; i < t->n_comps; i++) {
    if (strcmp(t->comps[i].type->name, "host") != 0) continue;
    ladon__iommu *m = ladon__host_iommu(ladon__host_of(f->inst[i]));
    if (m == NULL) continue;
    const char *host = t->comps[i].name;
    char key[512];
#define KEY(suffix) (snprintf(key, sizeof key, "%s.iommu.%s", host, suffix), key)
    json_array_append_new(
        iommus, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "host", host,
                          "iotlb_hits", (json_int_t)counter_or_zero(s, KEY("iotlb_hits")),
                          "iotlb_misses", (json_int_t)counter_or_zero(s, KEY("iotlb_misses")),
                          "walks", (json_int_t)counter_or_zero(s, KEY("walks")),
                          "faults", (json_int_t)counter_or_zero(s, KEY("faults")),
                          "ir_faults", (json_int_t)counter_or_zero(s, KEY("ir_faults"))));
#undef KEY
    for (size_t k = 0; k < ladon__iommu_fault_count(m); k++) {
      const ladon__iommu_fault *x = ladon__iommu_fault_at(m, k);
      char rid[8], where[300], addr[24];
      snprintf(where, sizeof where, "%s.iommu", host);
      snprintf(addr, sizeof addr, "0x%016llx", (unsigned long long)x->address);
      json_array_append_new(
          faults,
          json_pack("{s:I, s:s, s:s, s:s, s:s, s:i}", "time_ps",
                    (json_int_t)x->time_ps, "where", where, "requester_id",
                    ladon_tlp_id_format(x->requester_id, rid), "address", addr,
                    "access", x->write ? "write" : "read", "reason", x->reason));
    }
  }
}

/* Every registered statistic, by name, with all its fields. */
static json_t *registry_json(ladon_fabric *f) {
  json_t *o = json_object();
  const ladon_stats *s = ladon_sim_stats(f->sim);
  for (size_t i = 0; i < ladon_stats_count(s); i++) {
    const ladon_stat *st = ladon_stats_at(s, i);
    size_t n = ladon_stat_field_count(st);
    json_t *v = NULL;
    for (size_t k = 0; k < n; k++) {
      ladon_stat_field fld;
      if (ladon_stat_field_get(st, k, &fld) != LADON_OK) continue;
      json_t *x = fld.type == LADON_STAT_U64   ? json_integer((json_int_t)fld.u64)
                  : fld.type == LADON_STAT_F64 ? json_real(fld.f64)
                                               : json_null();
      if (n == 1) {
        v = x;
      } else {
        if (v == NULL) v = json_object();
        json_object_set_new(v, fld.name, x);
      }
    }
    json_object_set_new(o, ladon_stat_name(st), v ? v : json_null());
  }
  return o;
}

static json_t *report_json(ladon_fabric *f, const ladon_run_meta *meta) {
  ladon_sim *sim = f->sim;
  double wall = meta ? meta->wall_s : 0.0;
  uint64_t events = ladon_sim_events_run(sim);
  json_t *root = json_object();
  json_object_set_new(
      root, "meta",
      json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:f}", "tool", "ladon",
                "version", ladon_version_string(), "seed", (json_int_t)f->seed,
                "topology", ladon_fabric_name(f), "topology_sha256",
                meta && meta->topology_sha256 ? meta->topology_sha256 : "",
                "command_line",
                meta && meta->command_line ? meta->command_line : "", "wall_s",
                wall));
  json_object_set_new(
      root, "sim",
      json_pack("{s:I, s:I, s:f}", "end_time_ps", (json_int_t)ladon_sim_now(sim),
                "events", (json_int_t)events, "events_per_wall_s",
                wall > 0 ? (double)events / wall : 0.0));
  json_object_set_new(root, "links", links_json(f));
  json_object_set_new(root, "flows", flows_json(f));
  json_t *iommus = json_array(), *faults = json_array();
  iommus_json(f, iommus, faults);
  json_object_set_new(root, "iommus", iommus);
  json_object_set_new(root, "faults", faults);
  json_object_set_new(root, "stats", registry_json(f));
  return root;
}

ladon_status ladon_fabric_write_stats_json(ladon_fabric *f,
                                           const ladon_run_meta *meta,
                                           FILE *out) {
  json_t *root = report_json(f, meta);
  if (root == NULL) return LADON_ENOMEM;
  int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(12));
  json_decref(root);
  if (rc != 0 || fputc('\n', out) == EOF) return LADON_EIO;
  return LADON_OK;
}

/* Units of the fixed figures, by the last name segment. */
static const char *unit_of(const char *key) {
  static const struct { const char *suffix, *unit; } units[] = {
      {"_ps", "ps"},        {"_ns", "ns"},     {"bytes", "B"},
      {"_gbps", "Gbit/s"},  {"wall_s", "s"},   {"events_per_wall_s", "1/s"},
  };
  size_t n = strlen(key);
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    size_t m = strlen(units[i].suffix);
    if (n >= m && !strcmp(key + n - m, units[i].suffix)) return units[i].unit;
  }
  return "";
}

static int flatten(FILE *out, const char *prefix, const char *unit_hint,
                   json_t *v) {
  char name[1024];
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
      if (flatten(out, name, k, x)) return -1;
    }
    return 0;
  }
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      json_t *id = json_object_get(x, "id"), *dir = json_object_get(x, "dir");
      if (json_is_string(id) && json_is_string(dir))
        snprintf(name, sizeof name, "%s.%s.%s", prefix, json_string_value(id),
                 json_string_value(dir));
      else if (json_is_string(id))
        snprintf(name, sizeof name, "%s.%s", prefix, json_string_value(id));
      else
        snprintf(name, sizeof name, "%s.%zu", prefix, i);
      json_t *copy = json_is_object(x) ? json_deep_copy(x) : json_incref(x);
      if (json_is_object(copy)) {
        json_object_del(copy, "id");
        json_object_del(copy, "dir");
      }
      int rc = flatten(out, name, unit_hint, copy);
      json_decref(copy);
      if (rc) return -1;
    }
    return 0;
  }
  const char *unit = unit_of(prefix);
  if (!*unit && strstr(prefix, "latency_ns")) unit = "ns";
  (void)unit_hint;
  int rc;
  if (json_is_integer(v))
    rc = fprintf(out, "%s,%lld,%s\n", prefix, (long long)json_integer_value(v), unit);
  else if (json_is_real(v))
    rc = fprintf(out, "%s,%.12g,%s\n", prefix, json_real_value(v), unit);
  else if (json_is_string(v)) {
    /* Quote strings (CSV, RFC 4180): they may hold commas. */
    rc = fprintf(out, "%s,\"", prefix);
    for (const char *c = json_string_value(v); rc >= 0 && *c; c++)
      rc = fprintf(out, *c == '"' ? "\"\"" : "%c", *c);
    if (rc >= 0) rc = fprintf(out, "\",\n");
  } else
    rc = fprintf(out, "%s,,%s\n", prefix, unit);
  return rc < 0 ? -1 : 0;
}

ladon_status ladon_fabric_write_stats_csv(ladon_fabric *f,
                                          const ladon_run_meta *meta,
                                          FILE *out) {
  json_t *root = report_json(f, meta);
  if (root == NULL) return LADON_ENOMEM;
  int rc = fprintf(out, "name,value,unit\n") < 0 ? -1 : flatten(out, "", "", root);
  json_decref(root);
  return rc ? LADON_EIO : LADON_OK;
}

static json_t *params_json(const ladon_params *p) {
  json_t *o = json_object();
  size_t n = 0;
  const ladon_param_desc *d = ladon_params_descs(p, &n);
  for (size_t i = 0; i < n; i++) {
    char buf[256];
    if (ladon_params_format(p, d[i].name, buf, sizeof buf))
      json_object_set_new(o, d[i].name, json_string(buf));
  }
  return o;
}

static json_t *function_json(const ladon__topo *t, const ladon__topo_function *fn) {
  char buf[300];
  if (fn->vf < 0)
    snprintf(buf, sizeof buf, "%s.pf", t->comps[fn->comp].name);
  else
    snprintf(buf, sizeof buf, "%s.vf%d", t->comps[fn->comp].name, (int)fn->vf);
  return json_string(buf);
}

ladon_status ladon_fabric_write_resolved(ladon_fabric *f,
                                         const ladon_run_meta *meta,
                                         FILE *out) {
  const ladon__topo *t = f->topo;
  json_t *root = json_object();
  json_object_set_new(root, "ladon", json_integer(LADON__TOPO_FORMAT));
  json_object_set_new(root, "name", json_string(ladon_fabric_name(f)));
  json_object_set_new(root, "version", json_string(ladon_version_string()));
  json_object_set_new(root, "command_line",
                      json_string(meta && meta->command_line ? meta->command_line : ""));
  json_object_set_new(root, "seed", json_integer((json_int_t)f->seed));
  json_t *comps = json_object();
  for (size_t i = 0; i < t->n_comps; i++) {
    json_t *c = params_json(t->comps[i].params);
    json_object_set_new(c, "type", json_string(t->comps[i].type->name));
    json_object_set_new(comps, t->comps[i].name, c);
  }
  json_object_set_new(root, "components", comps);
  json_t *links = json_array();
  for (size_t i = 0; i < t->n_links; i++) {
    const ladon__topo_link *l = &t->links[i];
    json_t *o = params_json(l->params);
    char a[300], b[300];
    snprintf(a, sizeof a, "%s.%s", t->comps[l->a.comp].name, l->a.port);
    snprintf(b, sizeof b, "%s.%s", t->comps[l->b.comp].name, l->b.port);
    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "a", json_string(a));
    json_object_set_new(o, "b", json_string(b));
    json_array_append_new(links, o);
  }
  json_object_set_new(root, "links", links);
  json_t *vms = json_object();
  for (size_t i = 0; i < t->n_vms; i++) {
    const ladon__topo_vm *vm = &t->vms[i];
    json_t *fns = json_array();
    for (size_t k = 0; k < vm->n_functions; k++)
      json_array_append_new(fns, function_json(t, &vm->functions[k]));
    json_object_set_new(
        vms, vm->name,
        json_pack("{s:s, s:I, s:I, s:o}", "host", t->comps[vm->host].name,
                  "memory_bytes", (json_int_t)vm->memory_bytes, "vcpus",
                  (json_int_t)vm->vcpus, "functions", fns));
  }
  json_object_set_new(root, "vms", vms);
  json_t *wls = json_object();
  for (size_t i = 0; i < t->n_workloads; i++) {
    const ladon__topo_workload *w = &t->workloads[i];
    json_t *o = params_json(w->params);
    json_object_set_new(o, "type", json_string(w->type->name));
    json_object_set_new(o, "on", function_json(t, &w->on));
    if (w->target_vm >= 0)
      json_object_set_new(o, "target", json_string(t->vms[w->target_vm].name));
    json_object_set_new(wls, w->name, o);
  }
  json_object_set_new(root, "workloads", wls);
  int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  return rc || fputc('\n', out) == EOF ? LADON_EIO : LADON_OK;
}

ladon_status ladon_fabric_write_summary(ladon_fabric *f, FILE *out) {
  json_t *root = report_json(f, NULL);
  json_t *flows = json_object_get(root, "flows"), *links = json_object_get(root, "links");
  size_t i;
  json_t *x;
  fprintf(out, "simulated %.3f us, %lld events\n",
          (double)ladon_sim_now(f->sim) / 1e6,
          (long long)ladon_sim_events_run(f->sim));
  if (json_array_size(flows)) {
    fprintf(out, "\n%-20s %10s %12s %12s %10s %10s %7s\n", "flow", "requests",
            "bytes", "Gbit/s", "p50 ns", "p99 ns", "errors");
    json_array_foreach(flows, i, x) {
      json_t *lat = json_object_get(x, "latency_ns");
      fprintf(out, "%-20s %10lld %12lld %12.3f %10.1f %10.1f %7lld\n",
              json_string_value(json_object_get(x, "id")),
              json_integer_value(json_object_get(x, "requests")),
              json_integer_value(json_object_get(x, "bytes")),
              json_real_value(json_object_get(x, "throughput_gbps")),
              json_real_value(json_object_get(lat, "p50")),
              json_real_value(json_object_get(lat, "p99")),
              json_integer_value(json_object_get(x, "errors")));
    }
  }
  if (json_array_size(links)) {
    fprintf(out, "\n%-16s %-5s %-8s %8s %10s %14s %8s\n", "link", "dir",
            "gen/wid", "util %", "TLPs", "TLP bytes", "replays");
    json_array_foreach(links, i, x) {
      char gw[32];
      snprintf(gw, sizeof gw, "%lld/x%lld",
               json_integer_value(json_object_get(x, "gen")),
               json_integer_value(json_object_get(x, "width")));
      fprintf(out, "%-16s %-5s %-8s %8.2f %10lld %14lld %8lld\n",
              json_string_value(json_object_get(x, "id")),
              json_string_value(json_object_get(x, "dir")), gw,
              100.0 * json_real_value(json_object_get(x, "utilization")),
              json_integer_value(json_object_get(x, "tlps")),
              json_integer_value(json_object_get(x, "tlp_bytes")),
              json_integer_value(json_object_get(x, "replays")));
    }
  }
  json_t *faults = json_object_get(root, "faults");
  fprintf(out, "\nfaults: %zu\n", json_array_size(faults));
  json_array_foreach(faults, i, x) {
    if (i == 10) {
      fprintf(out, "  ... %zu more in the stats file\n", json_array_size(faults) - 10);
      break;
    }
    fprintf(out, "  %12.3f us  %-12s %s %s %s reason 0x%02llx\n",
            (double)json_integer_value(json_object_get(x, "time_ps")) / 1e6,
            json_string_value(json_object_get(x, "where")),
            json_string_value(json_object_get(x, "requester_id")),
            json_string_value(json_object_get(x, "access")),
            json_string_value(json_object_get(x, "address")),
            (long long)json_integer_value(json_object_get(x, "reason")));
  }
  json_decref(root);
  return ferror(out) ? LADON_EIO : LADON_OK;
}
