/*
** ladon compare: the same traffic on two fabrics, flows side by side and a
** per-hop breakdown of each flow's path from link observers.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/compare.h"
#include "models/ntb.h"
#include "sim/error_int.h"
#include "trace/replay_int.h"

#define HOPS_CAP 8192u   /* (requester, link, dir, class) cells per fabric */
#define WIRE_CAP 4096u   /* TLPs on one link direction's wire at once */

typedef struct hop {
  bool used;
  uint16_t rid;
  uint32_t link;
  uint8_t dir, cpl;
  uint64_t n, n_wire;
  double sum_start, sum_deliv;   /* ps since the request's issue */
  double sum_wire;               /* delivered - first symbol sent */
} hop;

typedef struct wire_slot {
  const ladon_tlp *tlp;
  ladon_time_ps start;
} wire_slot;

struct side;
typedef struct link_obs {
  struct side *s;
  uint32_t link;
  wire_slot wire[2][WIRE_CAP];
} link_obs;

typedef struct side {
  const char *path;
  ladon_fabric *f;
  ladon_replay *rp;
  link_obs **lo;
  size_t n_links;
  hop *hops;
  bool hops_full;
  json_t *stats;  /* the run's stats JSON, parsed */
} side;

static uint32_t mix(uintptr_t x) { return (uint32_t)((x >> 3) * 2654435761u); }

static void on_wire(void *ctx, const ladon_link *link, unsigned dir, const ladon_tlp *tlp,
                    ladon_time_ps start, ladon_time_ps end, bool replay, uint32_t queued) {
  (void)link, (void)end, (void)queued;
  link_obs *o = ctx;
  if (replay) return; /* the first transmission is the one delivered unless corrupted */
  wire_slot *w = o->wire[dir & 1];
  uint32_t h = mix((uintptr_t)tlp) & (WIRE_CAP - 1);
  for (uint32_t k = 0; k < WIRE_CAP; k++, h = (h + 1) & (WIRE_CAP - 1))
    if (w[h].tlp == NULL || w[h].tlp == tlp) {
      w[h].tlp = tlp;
      w[h].start = start;
      return;
    }
}

static void on_delivered(void *ctx, const ladon_link *link, unsigned dir, const ladon_tlp *tlp,
                         ladon_time_ps t) {
  (void)link;
  link_obs *o = ctx;
  side *s = o->s;
  bool cpl = ladon_tlp_is_completion((ladon_tlp_type)tlp->type);
  /* The wire start of this TLP, if seen (not in flit mode); removed by
     backward-shift deletion so that probing chains stay intact. */
  wire_slot *w = o->wire[dir & 1];
  uint32_t h = mix((uintptr_t)tlp) & (WIRE_CAP - 1);
  bool have = false;
  ladon_time_ps start = 0;
  for (uint32_t k = 0; k < WIRE_CAP && w[h].tlp; k++, h = (h + 1) & (WIRE_CAP - 1))
    if (w[h].tlp == tlp) {
      have = true;
      start = w[h].start;
      uint32_t hole = h, j = h;
      for (;;) {
        j = (j + 1) & (WIRE_CAP - 1);
        if (w[j].tlp == NULL) break;
        uint32_t home = mix((uintptr_t)w[j].tlp) & (WIRE_CAP - 1);
        if (((j - home) & (WIRE_CAP - 1)) >= ((j - hole) & (WIRE_CAP - 1))) {
          w[hole] = w[j];
          hole = j;
        }
      }
      w[hole].tlp = NULL;
      break;
    }
  if (tlp->t_issue_ps == 0 || t < tlp->t_issue_ps) return; /* not from a requester */
  uint32_t key = (uint32_t)tlp->req_id << 16 ^ o->link << 2 ^ (dir & 1) << 1 ^ cpl;
  uint32_t p = mix(key) & (HOPS_CAP - 1);
  for (uint32_t k = 0; k < HOPS_CAP; k++, p = (p + 1) & (HOPS_CAP - 1)) {
    hop *x = &s->hops[p];
    if (!x->used) {
      *x = (hop){true, tlp->req_id, o->link, (uint8_t)(dir & 1), cpl, 0, 0, 0, 0, 0};
    } else if (x->rid != tlp->req_id || x->link != o->link || x->dir != (dir & 1) ||
               x->cpl != cpl) {
      continue;
    }
    x->n++;
    x->sum_deliv += (double)(t - tlp->t_issue_ps);
    if (have && start >= tlp->t_issue_ps && start <= t) {
      x->n_wire++;
      x->sum_start += (double)(start - tlp->t_issue_ps);
      x->sum_wire += (double)(t - start);
    }
    return;
  }
  s->hops_full = true;
}

static const ladon_link_observer observer = {on_wire, on_delivered};

/* ---- one side ----------------------------------------------------------- */

static void side_free(side *s) {
  if (s->f)
    for (size_t i = 0; i < s->n_links; i++)
      if (s->lo[i]) ladon_link_unobserve(ladon_fabric_link(s->f, i), s->lo[i]);
  for (size_t i = 0; i < s->n_links; i++) free(s->lo ? s->lo[i] : NULL);
  free(s->lo);
  free(s->hops);
  ladon_replay_free(s->rp);
  ladon_fabric_free(s->f);
  json_decref(s->stats);
}

/* Runs one fabric; `*stop` (from the end of configuration, 0 = none) is
** A's and is set from A's stop_at when A runs first without one. */
static ladon_status side_run(side *s, const char *path, const char *a_path, bool is_a,
                             const ladon_compare_options *o, ladon_time_ps *stop_io,
                             ladon_error *err) {
  s->path = path;
  if (o->trace)
    s->f = ladon_fabric_load_with_workloads(path, NULL, o->fabric, err);
  else if (is_a)
    s->f = ladon_fabric_load(path, o->fabric, err);
  else
    s->f = ladon_fabric_load_with_workloads(path, a_path, o->fabric, err);
  if (s->f == NULL) return err ? err->code : LADON_EINVAL;
  s->n_links = ladon_fabric_link_count(s->f);
  s->lo = calloc(s->n_links ? s->n_links : 1, sizeof *s->lo);
  s->hops = calloc(HOPS_CAP, sizeof *s->hops);
  if (!s->lo || !s->hops) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < s->n_links; i++) {
    s->lo[i] = calloc(1, sizeof *s->lo[i]);
    if (!s->lo[i]) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    s->lo[i]->s = s;
    s->lo[i]->link = (uint32_t)i;
    if (ladon_link_observe(ladon_fabric_link(s->f, i), &observer, s->lo[i]) != LADON_OK)
      return ladon__error_set(err, LADON_EFULL, NULL, 0, 0, "%s: link '%s' has too many observers",
                              path, ladon_link_name(ladon_fabric_link(s->f, i)));
  }
  if (is_a && *stop_io == 0 && !o->trace) *stop_io = ladon_fabric_stop_at(s->f);
  ladon_time_ps stop = *stop_io;
  ladon_time_ps t0 = ladon_fabric_start_ps(s->f);
  if (o->trace) {
    ladon_trace_reader *rd = ladon_trace_open(o->trace, err);
    if (rd == NULL) return err ? err->code : LADON_EIO;
    s->rp = ladon_replay_new(s->f, rd, o->trace, &o->replay, err);
    if (s->rp == NULL) return err ? err->code : LADON_ENOMEM;
    for (size_t i = 0; i < o->n_maps; i++) {
      ladon_status st = ladon_replay_map(s->rp, o->map_src[i], o->map_to[i], err);
      if (st != LADON_OK) return st;
    }
    ladon_status st = ladon_replay_run(s->rp, stop ? t0 + stop : LADON_TIME_NEVER, err);
    if (st != LADON_OK) return st;
  } else {
    /* Both sides stop when A says (its stop_at), else run until idle. */
    ladon_fabric_run(s->f, stop ? t0 + stop : LADON_TIME_NEVER);
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  ladon_run_meta meta = {NULL, NULL, 0.0};
  ladon_status st = ladon_fabric_write_stats_json(s->f, &meta, mem);
  fclose(mem);
  json_error_t je;
  s->stats = st == LADON_OK ? json_loadb(buf, len, 0, &je) : NULL;
  free(buf);
  if (s->stats == NULL) return ladon__error_set(err, LADON_EIO, NULL, 0, 0, "stats of %s", path);
  return LADON_OK;
}

/* ---- flows and their requesters ---------------------------------------- */

/* The Requester ID of function `vf` (-1 PF) of component `comp`, or -1. */
static int32_t fn_rid(const ladon_fabric *f, uint32_t comp, int32_t vf) {
  const ladon__enum_fn *pf = ladon__fabric_pf(f, comp);
  if (pf == NULL) return -1;
  if (vf < 0) return pf->bdf;
  /* PCIe Base 5.0 §9.3.3.9-10. */
  return (uint16_t)(pf->bdf + pf->vf_offset + (uint32_t)vf * pf->vf_stride);
}

/* The requester of flow `id` on fabric `f`: a workload's function, or a
** replay requester "replay.DEV.vfK" / "replay.HOST.cpuN" (00:00.0); its
** component goes to *comp. */
static int32_t flow_rid(const ladon_fabric *f, const char *id, uint32_t *comp) {
  const ladon__topo *t = f->topo;
  for (size_t i = 0; i < t->n_workloads; i++)
    if (!strcmp(t->workloads[i].name, id)) {
      *comp = t->workloads[i].on.comp;
      return fn_rid(f, t->workloads[i].on.comp, t->workloads[i].on.vf);
    }
  if (strncmp(id, "replay.", 7)) return -1;
  const char *name = id + 7, *dot = strrchr(name, '.');
  if (!dot) return -1;
  char dev[256];
  size_t n = (size_t)(dot - name);
  if (n >= sizeof dev) return -1;
  memcpy(dev, name, n);
  dev[n] = '\0';
  int32_t c = ladon__topo_find(t, dev);
  if (c < 0) return -1;
  *comp = (uint32_t)c;
  if (!strncmp(dot + 1, "cpu", 3)) return 0;
  int32_t vf = !strcmp(dot + 1, "pf") ? -1 : !strncmp(dot + 1, "vf", 2) ? atoi(dot + 3) : -2;
  return vf == -2 ? -1 : fn_rid(f, (uint32_t)c, vf);
}

static json_t *find_flow(const side *s, const char *id) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(s->stats, "flows"), i, x) if (
      !strcmp(json_string_value(json_object_get(x, "id")), id)) return x;
  return NULL;
}

static double lat(const json_t *flow, const char *q) {
  return json_real_value(json_object_get(json_object_get(flow, "latency_ns"), q));
}

static int cmp_hop(const void *a, const void *b) {
  const hop *x = a, *y = b;
  if (x->cpl != y->cpl) return x->cpl < y->cpl ? -1 : 1;
  double mx = x->sum_deliv / (double)x->n, my = y->sum_deliv / (double)y->n;
  return mx < my ? -1 : mx > my ? 1 : x->link < y->link ? -1 : x->link > y->link;
}

/* The component that transmits on direction `dir` of link `i`. */
static const char *sender(const ladon_fabric *f, uint32_t i, unsigned dir) {
  const ladon__topo_link *l = &f->topo->links[i];
  return f->topo->comps[dir == LADON_LINK_DOWN ? l->a.comp : l->b.comp].name;
}

/* PCIe domains for attribution: components joined by links, an NTB's two
** sides apart (node 2c + 1 is side "b" of NTB c).  Union-find. */
static bool is_ntb(const ladon_fabric *f, uint32_t c) {
  return !strcmp(f->topo->comps[c].type->name, "ntb");
}
static uint32_t node_of(const ladon_fabric *f, const ladon__topo_end *e) {
  return 2 * e->comp + (is_ntb(f, e->comp) && !strcmp(e->port, "b"));
}
static uint32_t find(uint32_t *up, uint32_t x) {
  while (up[x] != x) x = up[x] = up[up[x]];
  return x;
}
/* Domain (a root node) of every link into `dom`; `up` has 2 n_comps. */
static void link_domains(const ladon_fabric *f, uint32_t *up, uint32_t *dom) {
  for (uint32_t i = 0; i < 2 * f->topo->n_comps; i++) up[i] = i;
  for (size_t i = 0; i < f->topo->n_links; i++) {
    uint32_t a = find(up, node_of(f, &f->topo->links[i].a));
    uint32_t b = find(up, node_of(f, &f->topo->links[i].b));
    up[a] = b;
  }
  for (size_t i = 0; i < f->topo->n_links; i++)
    dom[i] = find(up, node_of(f, &f->topo->links[i].a));
}

/* The (ID, domain) pairs the requester goes by: its own ID in its domain,
** and the proxy IDs NTBs give it in the domains beyond them (a TLP entering
** side s with an ID in the side's requester-ID table leaves side s^1 with
** the proxy ID; applied until nothing new appears: NTB behind NTB). */
typedef struct alias {
  uint16_t id;
  uint32_t dom;
} alias;
static size_t rid_aliases(const ladon_fabric *f, uint32_t *up, uint16_t rid, uint32_t comp,
                          alias *out, size_t cap) {
  size_t n = 0;
  out[n++] = (alias){rid, find(up, 2 * comp)};
  for (size_t done = 0; done < n; done++)
    for (uint32_t c = 0; c < f->topo->n_comps; c++) {
      if (!is_ntb(f, c)) continue;
      for (unsigned side = 0; side < 2; side++) {
        if (find(up, 2 * c + side) != out[done].dom) continue;
        const ladon_imap *m = ladon__ntb_rid_map((const ladon__ntb *)f->inst[c], side);
        const ladon_imap_entry *e = m ? ladon_imap_lookup(m, out[done].id) : NULL;
        if (e == NULL) continue;
        alias x = {(uint16_t)(e->target + (out[done].id - e->lo)), find(up, 2 * c + (side ^ 1u))};
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++) seen = out[k].id == x.id && out[k].dom == x.dom;
        if (!seen && n < cap) out[n++] = x;
      }
    }
  return n;
}

/* The flow's hops on one side, in path order, as JSON. */
static json_t *hops_json(const side *s, int32_t rid, uint32_t comp) {
  json_t *arr = json_array();
  if (rid < 0) return arr;
  const ladon_fabric *f = s->f;
  uint32_t *up = malloc(2 * (f->topo->n_comps + 1) * sizeof *up);
  uint32_t *dom = malloc((f->topo->n_links + 1) * sizeof *dom);
  hop *v = malloc(HOPS_CAP * sizeof *v);
  if (!up || !dom || !v) {
    free(up), free(dom), free(v);
    return arr;
  }
  link_domains(f, up, dom);
  alias ids[16];
  size_t n_ids = rid_aliases(f, up, (uint16_t)rid, comp, ids, 16);
  size_t n = 0;
  for (size_t i = 0; i < HOPS_CAP; i++) {
    const hop *h = &s->hops[i];
    bool mine = false;
    for (size_t k = 0; h->used && k < n_ids && !mine; k++)
      mine = h->rid == ids[k].id && dom[h->link] == ids[k].dom;
    if (mine && h->n) v[n++] = *h;
  }
  free(up);
  free(dom);
  qsort(v, n, sizeof *v, cmp_hop);
  double prev[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    const hop *h = &v[i];
    double deliv = h->sum_deliv / (double)h->n;
    double wire = h->n_wire ? h->sum_wire / (double)h->n_wire : 0;
    double start = h->n_wire ? h->sum_start / (double)h->n_wire : deliv;
    /* Completions continue from the requests' last hop: before the first
       completion hop lies the completer. */
    double from = h->cpl && prev[1] == 0 ? prev[0] : prev[h->cpl];
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:f}", "kind",
                       h->cpl ? "completion" : "request", "component",
                       sender(s->f, h->link, h->dir), "link",
                       ladon_link_name(ladon_fabric_link(s->f, h->link)), "dir",
                       h->dir == LADON_LINK_DOWN ? "down" : "up", "tlps", (json_int_t)h->n,
                       "in_component_ns", (start - from) / 1e3, "on_link_ns", wire / 1e3,
                       "cumulative_ns", deliv / 1e3));
    prev[h->cpl] = deliv;
    if (!h->cpl) prev[1] = 0;
  }
  free(v);
  return arr;
}

static double ratio(double b, double a) { return a > 0 ? b / a : 0.0; }

static json_t *report(side *A, side *B) {
  json_t *flows = json_array();
  size_t i;
  json_t *fa;
  json_array_foreach(json_object_get(A->stats, "flows"), i, fa) {
    const char *id = json_string_value(json_object_get(fa, "id"));
    json_t *fb = find_flow(B, id);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    const side *sides[2] = {A, B};
    json_t *fl[2] = {fa, fb};
    for (int k = 0; k < 2; k++) {
      json_t *x = json_object();
      if (fl[k]) {
        json_object_set(x, "requests", json_object_get(fl[k], "requests"));
        json_object_set(x, "throughput_gbps", json_object_get(fl[k], "throughput_gbps"));
        json_object_set_new(x, "p50_ns", json_real(lat(fl[k], "p50")));
        json_object_set_new(x, "p99_ns", json_real(lat(fl[k], "p99")));
        uint32_t comp = 0;
        int32_t rid = flow_rid(sides[k]->f, id, &comp);
        json_object_set_new(x, "hops", hops_json(sides[k], rid, comp));
      }
      json_object_set_new(o, k ? "b" : "a", x);
    }
    if (fb) {
      json_object_set_new(
          o, "ratio",
          json_pack("{s:f, s:f, s:f}", "throughput",
                    ratio(json_real_value(json_object_get(fb, "throughput_gbps")),
                          json_real_value(json_object_get(fa, "throughput_gbps"))),
                    "p50", ratio(lat(fb, "p50"), lat(fa, "p50")), "p99",
                    ratio(lat(fb, "p99"), lat(fa, "p99"))));
    }
    json_array_append_new(flows, o);
  }
  return flows;
}

static void print_hops(FILE *out, const char *label, json_t *hops) {
  size_t i;
  json_t *h;
  json_array_foreach(hops, i, h) {
    char where[300];
    snprintf(where, sizeof where, "%s -> %s.%s",
             json_string_value(json_object_get(h, "component")),
             json_string_value(json_object_get(h, "link")),
             json_string_value(json_object_get(h, "dir")));
    fprintf(out, "  %-2s %-4s %-34s %9lld %12.1f %12.1f %12.1f\n", i ? "" : label,
            !strcmp(json_string_value(json_object_get(h, "kind")), "request") ? "req" : "cpl",
            where, json_integer_value(json_object_get(h, "tlps")),
            json_real_value(json_object_get(h, "in_component_ns")),
            json_real_value(json_object_get(h, "on_link_ns")),
            json_real_value(json_object_get(h, "cumulative_ns")));
  }
}

static void print_table(FILE *out, const char *a, const char *b, json_t *flows) {
  fprintf(out, "A: %s\nB: %s\n\n", a, b);
  fprintf(out, "%-24s %14s %14s %8s %10s %10s %8s %10s %10s %8s\n", "flow", "A Gbit/s",
          "B Gbit/s", "B/A", "A p50 ns", "B p50 ns", "B/A", "A p99 ns", "B p99 ns", "B/A");
  size_t i;
  json_t *x;
  json_array_foreach(flows, i, x) {
    json_t *fa = json_object_get(x, "a"), *fb = json_object_get(x, "b"),
           *r = json_object_get(x, "ratio");
#define R(o, k) json_real_value(json_object_get(o, k))
    fprintf(out, "%-24s %14.3f %14.3f %8.3f %10.1f %10.1f %8.3f %10.1f %10.1f %8.3f\n",
            json_string_value(json_object_get(x, "id")), R(fa, "throughput_gbps"),
            R(fb, "throughput_gbps"), R(r, "throughput"), R(fa, "p50_ns"), R(fb, "p50_ns"),
            R(r, "p50"), R(fa, "p99_ns"), R(fb, "p99_ns"), R(r, "p99"));
#undef R
  }
  fprintf(out, "\nper-hop breakdown (mean ns per TLP; cumulative from the request's issue)\n");
  json_array_foreach(flows, i, x) {
    fprintf(out, "\n%s\n  %-2s %-4s %-34s %9s %12s %12s %12s\n",
            json_string_value(json_object_get(x, "id")), "", "", "component -> link.dir",
            "TLPs", "in comp.", "on link", "cumulative");
    print_hops(out, "A", json_object_get(json_object_get(x, "a"), "hops"));
    print_hops(out, "B", json_object_get(json_object_get(x, "b"), "hops"));
  }
}

ladon_status ladon_compare_run(const char *a, const char *b, const ladon_compare_options *opts,
                               FILE *table, FILE *json, ladon_error *err) {
  ladon_error_clear(err);
  if (!a || !b || !opts)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "compare: NULL argument");
  side A, B;
  memset(&A, 0, sizeof A);
  memset(&B, 0, sizeof B);
  ladon_time_ps stop = opts->stop_ps == LADON_TIME_NEVER ? 0 : opts->stop_ps;
  ladon_status st = side_run(&A, a, a, true, opts, &stop, err);
  if (st == LADON_OK) st = side_run(&B, b, a, false, opts, &stop, err);
  if (st == LADON_OK && (A.hops_full || B.hops_full))
    st = ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                          "compare: more than %u (requester, link) pairs", HOPS_CAP);
  if (st == LADON_OK) {
    json_t *flows = report(&A, &B);
    if (table) print_table(table, a, b, flows);
    if (json) {
      json_t *root = json_pack("{s:s, s:s, s:s, s:O}", "a", a, "b", b, "traffic",
                               opts->trace ? "trace" : "workloads-of-a", "flows", flows);
      if (opts->trace) json_object_set_new(root, "trace", json_string(opts->trace));
      if (json_dumpf(root, json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', json) == EOF)
        st = ladon__error_set(err, LADON_EIO, NULL, 0, 0, "compare: cannot write the JSON");
      json_decref(root);
    }
    json_decref(flows);
    if (table && ferror(table)) st = ladon__error_set(err, LADON_EIO, NULL, 0, 0, "compare: write error");
  }
  side_free(&A);
  side_free(&B);
  return st;
}
