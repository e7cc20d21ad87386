/*
** Replay requesters: what a trace's `src` (or a --map target) designates
** in the fabric, and the flow statistics of each requester.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dma.h"
#include "sim/error_int.h"
#include "trace/replay_int.h"

#define NOTFOUND(...) ladon__error_set(err, LADON_ENOENT, NULL, 0, 0, __VA_ARGS__)

static int32_t comp_of_type(const ladon__topo *t, const char *name, size_t len,
                            const char *type) {
  for (size_t i = 0; i < t->n_comps; i++)
    if (strlen(t->comps[i].name) == len && !strncmp(t->comps[i].name, name, len) &&
        !strcmp(t->comps[i].type->name, type))
      return (int32_t)i;
  return -1;
}

/* "pf" -> -1, "vfK" -> K, "cpuN" -> N (with *cpu set); -2 otherwise. */
static int64_t parse_leaf(const char *leaf, bool *cpu) {
  const char *digits = NULL;
  *cpu = false;
  if (!strcmp(leaf, "pf")) return -1;
  if (!strncmp(leaf, "vf", 2)) digits = leaf + 2;
  if (!strncmp(leaf, "cpu", 3)) digits = leaf + 3, *cpu = true;
  if (digits == NULL || *digits == '\0' || strlen(digits) > 5) return -2;
  for (const char *p = digits; *p; p++)
    if (*p < '0' || *p > '9') return -2;
  if (digits[0] == '0' && digits[1]) return -2; /* "vf01" is not a name */
  return atol(digits);
}

typedef struct target {
  ladon__rq_kind kind;
  uint32_t comp;
  int32_t index; /* fn: -1 PF, k VF k; cpu: core */
} target;

/* Finds the function or host bridge with routing ID `rid` in every domain. */
static ladon_status by_rid(const ladon_fabric *f, uint16_t rid, const char *name,
                           target *out, ladon_error *err) {
  size_t found = 0;
  for (size_t d = 0; d < f->n_domains; d++) {
    const ladon__enum_domain *dom = &f->domains[d];
    if (rid == 0) { /* the host bridge originates the CPU's requests */
      *out = (target){LADON__RQ_CPU, dom->host_comp, 0};
      found++;
      continue;
    }
    for (size_t i = 0; i < dom->n; i++) {
      const ladon__enum_fn *e = &dom->fns[i];
      if (e->bridge || strcmp(f->topo->comps[e->comp].type->name, "sriov_nic")) continue;
      if (e->bdf == rid) {
        *out = (target){LADON__RQ_FN, e->comp, -1};
        found++;
      }
      /* §9.3.3.9-10: VF k+1 at PF + First VF Offset + k x VF Stride. */
      for (uint32_t k = 0; k < e->num_vfs; k++)
        if ((uint16_t)(e->bdf + e->vf_offset + k * e->vf_stride) == rid) {
          *out = (target){LADON__RQ_FN, e->comp, (int32_t)k};
          found++;
        }
    }
  }
  if (found == 1) return LADON_OK;
  if (found > 1)
    return ladon__error_set(err, LADON_ENOENT, NULL, 0, 0,
                            "'%s' is a routing ID in more than one PCIe domain; "
                            "say which requester with --map",
                            name);
  return NOTFOUND("no function of the fabric has routing ID %s", name);
}

static ladon_status resolve(const ladon_fabric *f, const char *name, target *out,
                            ladon_error *err) {
  uint16_t rid;
  if (ladon_tlp_id_parse(name, &rid, NULL) == LADON_OK) return by_rid(f, rid, name, out, err);
  const char *dot = strrchr(name, '.');
  bool cpu;
  int64_t idx = dot ? parse_leaf(dot + 1, &cpu) : -2;
  if (idx == -2)
    return NOTFOUND("'%s' names no requester (DEV.pf, DEV.vfK, HOST.cpuN or bb:dd.f)", name);
  const ladon__topo *t = f->topo;
  size_t len = (size_t)(dot - name);
  if (cpu) {
    int32_t c = comp_of_type(t, name, len, "host");
    if (c < 0) return NOTFOUND("'%s': the topology has no host '%.*s'", name, (int)len, name);
    unsigned n = ladon__host_cpus(ladon__host_of(f->inst[c]));
    if (idx >= (int64_t)n)
      return NOTFOUND("'%s': host '%.*s' has %u cores (cpu0..cpu%u)", name, (int)len, name, n,
                      n - 1);
    *out = (target){LADON__RQ_CPU, (uint32_t)c, (int32_t)idx};
    return LADON_OK;
  }
  int32_t c = comp_of_type(t, name, len, "sriov_nic");
  if (c < 0)
    return NOTFOUND("'%s': the topology has no SR-IOV device '%.*s'", name, (int)len, name);
  if (ladon__sriov_fn_of((ladon__sriov *)f->inst[c], (int32_t)idx) == NULL)
    return NOTFOUND("'%s': '%.*s' has no function %s (total_vfs %u)", name, (int)len, name,
                    dot + 1, ladon__sriov_config_get((ladon__sriov *)f->inst[c])->total_vfs);
  *out = (target){LADON__RQ_FN, (uint32_t)c, (int32_t)idx};
  return LADON_OK;
}

static ladon_counter *counter(ladon__requester *rq, const char *leaf, const char *unit,
                              const char *desc) {
  char full[sizeof rq->name + 64]; /* too long a name is refused by the registry */
  snprintf(full, sizeof full, "flow.replay.%s.%s", rq->name, leaf);
  return ladon_stats_counter(ladon_sim_stats(rq->rp->sim), full, unit, desc, NULL);
}

static ladon_hist *hist(ladon__requester *rq, const char *leaf, const char *desc) {
  char full[sizeof rq->name + 64]; /* too long a name is refused by the registry */
  snprintf(full, sizeof full, "flow.replay.%s.%s", rq->name, leaf);
  return ladon_stats_hist(ladon_sim_stats(rq->rp->sim), full, "ps", desc, NULL);
}

void ladon__replay_requester_free(ladon__requester *rq) {
  if (rq == NULL) return;
  free(rq->q);
  free(rq->slots);
  free(rq->tag_t);
  free(rq);
}

static ladon__requester *requester_new(struct ladon_replay *rp, const target *tg,
                                       ladon_error *err) {
  const ladon_fabric *f = rp->f;
  uint32_t w = rp->opts.window;
  ladon__requester *rq = calloc(1, sizeof *rq);
  if (rq) {
    rq->q = calloc(w, sizeof *rq->q);
    rq->slots = calloc(w, sizeof *rq->slots);
    rq->tag_t = calloc(LADON__REPLAY_TAGS, sizeof *rq->tag_t);
  }
  if (!rq || !rq->q || !rq->slots || !rq->tag_t) {
    ladon__replay_requester_free(rq);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  rq->rp = rp;
  rq->kind = tg->kind;
  const char *comp = f->topo->comps[tg->comp].name;
  if (tg->kind == LADON__RQ_CPU) {
    rq->host = ladon__host_of(f->inst[tg->comp]);
    rq->core = (uint32_t)tg->index;
    snprintf(rq->name, sizeof rq->name, "%s.cpu%u", comp, rq->core);
  } else {
    rq->fn = ladon__sriov_fn_of((ladon__sriov *)f->inst[tg->comp], tg->index);
    snprintf(rq->name, sizeof rq->name, "%s.%s", comp, ladon__sriov_fn_label(rq->fn));
  }
  for (uint32_t i = 0; i < w; i++) {
    rq->slots[i].rq = rq;
    rq->slots[i].next_free = i + 1 < w ? &rq->slots[i + 1] : NULL;
  }
  rq->free_slots = &rq->slots[0];
  rq->c_requests = counter(rq, "requests", NULL, "requests completed");
  rq->c_bytes = counter(rq, "bytes", "bytes", "bytes of completed requests");
  rq->c_errors = counter(rq, "errors", NULL, "requests that ended with an error");
  rq->c_issued = counter(rq, "issued", NULL, "requests started");
  rq->c_first = counter(rq, "first_issue_ps", "ps", "time of the first issue");
  rq->c_last = counter(rq, "last_done_ps", "ps", "time of the last completion");
  rq->c_reads = counter(rq, "reads", NULL, "reads completed");
  rq->c_writes = counter(rq, "writes", NULL, "writes completed");
  rq->h_lat = hist(rq, "latency_ps", "simulated latency: first TLP issued -> done");
  rq->h_cap = hist(rq, "captured_latency_ps", "the trace's read latency: request -> last "
                                              "completion record");
  rq->h_delay = hist(rq, "issue_delay_ps", "open loop: issued - captured time");
  if (!rq->c_requests || !rq->c_bytes || !rq->c_errors || !rq->c_issued || !rq->c_first ||
      !rq->c_last || !rq->c_reads || !rq->c_writes || !rq->h_lat || !rq->h_cap ||
      !rq->h_delay) {
    ladon__error_set(err, LADON_EEXIST, NULL, 0, 0,
                     "replay requester '%s': its statistics names are taken", rq->name);
    ladon__replay_requester_free(rq);
    return NULL;
  }
  return rq;
}

ladon_status ladon__replay_requester(struct ladon_replay *rp, const char *name,
                                     uint32_t *out, ladon_error *err) {
  target tg = {LADON__RQ_FN, 0, 0};
  ladon_status st = resolve(rp->f, name, &tg, err);
  if (st != LADON_OK) return st;
  const ladon__topo *t = rp->f->topo;
  for (uint32_t i = 0; i < rp->n_rqs; i++) {
    const ladon__requester *rq = rp->rqs[i];
    bool same = rq->kind == tg.kind &&
                (tg.kind == LADON__RQ_CPU
                     ? rq->host == ladon__host_of(rp->f->inst[tg.comp]) &&
                           rq->core == (uint32_t)tg.index
                     : rq->fn == ladon__sriov_fn_of((ladon__sriov *)rp->f->inst[tg.comp],
                                                    tg.index));
    if (same) {
      *out = i;
      return LADON_OK;
    }
  }
  if (tg.kind == LADON__RQ_FN) {
    ladon__sriov_fn *fn = ladon__sriov_fn_of((ladon__sriov *)rp->f->inst[tg.comp], tg.index);
    /* PCIe Base 5.0 §7.5.1.1.3: without Bus Master Enable a function
       issues no memory request; the replay would wait for ever. */
    if (!ladon__sriov_fn_present(fn) || !ladon__dma_get(ladon__sriov_fn_dma(fn))->bus_master)
      return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                              "'%s' (%s.%s) cannot issue requests: %s", name,
                              t->comps[tg.comp].name, ladon__sriov_fn_label(fn),
                              ladon__sriov_fn_present(fn)
                                  ? "Bus Master Enable is clear (assign it to a VM)"
                                  : "the VF is not enabled (num_vfs)");
  }
  if (rp->n_rqs == rp->cap_rqs) {
    uint32_t cap = rp->cap_rqs ? 2 * rp->cap_rqs : 8;
    ladon__requester **n = realloc(rp->rqs, cap * sizeof *n);
    if (n == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    rp->rqs = n;
    rp->cap_rqs = cap;
  }
  ladon__requester *rq = requester_new(rp, &tg, err);
  if (rq == NULL) return err ? err->code : LADON_ENOMEM;
  rp->rqs[rp->n_rqs] = rq;
  *out = rp->n_rqs++;
  rp->n.requesters = rp->n_rqs;
  return LADON_OK;
}
