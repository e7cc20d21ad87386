/*
** Probes: the static answer checked in the timed simulation.
**
** For every range the walk found, probe TLPs go at its first and last byte
** and just outside it (one DW each), from the requester's own port: a
** function's probe is a raw MRd/MWr sent on its device's upstream link with
** the function's (or the forged) requester ID; a vCPU probe is a guest load
** or store through the EPT; a CPU probe is a load or store of core 0.  An
** interrupt record is probed with the address and data that reach its
** entry.  One probe runs at a time; the evidence of where it ended is read
** from the models, never from the static answer:
**   memory      a signature planted at (reads) or written to (writes) the
**               host physical address, read back functionally;
**   BARs        the same in the function's register file;
**   faults      new IOMMU fault records (source ID, reason);
**   interrupts  the hosts' interrupt hooks (core, vector, source ID);
**   stops       switch, NTB and endpoint UR/drop/ACS counters, EPT
**               violations, and the last link the request crossed;
**   completions the probe's completion on the requester's link (status).
** Memory and registers are restored after each probe.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/check_int.h"
#include "ladon/stats.h"
#include "ladon/tlp_pool.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "models/switch.h"

#define PROBE_ID_BASE UINT64_C(0xC4EC000000000000)
#define PROBE_TAG 0xffu
#define STEP_PS UINT64_C(100000)         /* 100 ns */
#define READ_DEADLINE_PS UINT64_C(60000000) /* 60 us: completion timeouts are longer */
#define WRITE_SETTLE_PS UINT64_C(20000000) /* 20 us without evidence: nothing happened */
#define POST_SETTLE_PS UINT64_C(2000000) /* 2 us after the evidence */
#define SIG UINT32_C(0x5a17c0de)

typedef struct want {
  uint32_t reach;
  uint64_t addr;   /* requester address (DW aligned) */
  uint32_t data;   /* interrupts */
  bool msi;
} want;

/* Counters that show a stop, per component instance, flattened. */
typedef struct snap {
  uint64_t *v;
  size_t n;
} snap;

typedef struct probe_ctx {
  ladon_check *c;
  uint64_t id;
  size_t req_link;      /* the function's upstream link */
  bool cpl;             /* completion seen / load done */
  uint8_t status;
  uint32_t value;
  bool req_seen;        /* the request crossed a link */
  size_t last_link;
  unsigned last_dir;
  bool irq;
  uint32_t irq_host, irq_core, irq_vector;
  uint16_t irq_rid;
  bool armed;
  uint16_t rid, exp_rid;  /* the probe's requester ID; the one its interrupt shows */
  bool exp_irq;
  uint32_t exp_host, exp_core, exp_vector;
} probe_ctx;

static probe_ctx *g_ctx; /* interrupt hooks carry the host index as context */

static void on_deliver(void *ctx, const ladon_link *link, unsigned dir, const ladon_tlp *tlp,
                       ladon_time_ps t) {
  probe_ctx *p = ctx;
  (void)t;
  if (!p->armed || tlp->id != p->id) return;
  size_t li = 0;
  for (; li < p->c->f->topo->n_links; li++)
    if (p->c->f->links[li] == link) break;
  if (ladon_tlp_is_completion((ladon_tlp_type)tlp->type)) {
    if (li == p->req_link) {
      p->cpl = true;
      p->status = tlp->status;
      p->value = 0;
      if (tlp->data && tlp->data_bytes >= 4)
        p->value = (uint32_t)tlp->data[0] | (uint32_t)tlp->data[1] << 8 |
                   (uint32_t)tlp->data[2] << 16 | (uint32_t)tlp->data[3] << 24;
    }
    return;
  }
  p->req_seen = true;
  p->last_link = li;
  p->last_dir = dir;
}

static void on_irq(void *ctx, uint32_t core, uint8_t vector, uint16_t rid) {
  probe_ctx *p = g_ctx;
  if (p == NULL || !p->armed) return;
  /* Workloads interrupt too: only the probe's own source IDs count, and of
  ** those the one the static answer names when it is among them (a
  ** function's own workload signals its vectors as well). */
  if (rid != p->rid && rid != p->exp_rid) return;
  if (p->exp_irq && (uint32_t)(uintptr_t)ctx != p->exp_host) return;
  if (p->irq && !(p->exp_irq && (uint32_t)(uintptr_t)ctx == p->exp_host &&
                  core == p->exp_core && vector == p->exp_vector))
    return;
  p->irq = true;
  p->irq_host = (uint32_t)(uintptr_t)ctx;
  p->irq_core = core;
  p->irq_vector = vector;
  p->irq_rid = rid;
}

static void on_load(void *ctx, uint8_t status, uint64_t value) {
  probe_ctx *p = ctx;
  p->cpl = true;
  p->status = status;
  p->value = (uint32_t)value;
}

/* ---- evidence counters ---------------------------------------------------- */

/* Requests a root complex ended itself (UR, CA, master aborts, dropped
** interrupts), from its statistics. */
static uint64_t host_stops(const ladon_check *c, uint32_t comp) {
  static const char *const names[] = {"ur", "ca", "master_aborts", "msi_dropped"};
  const ladon_stats *st = ladon_sim_stats(c->f->sim);
  uint64_t v = 0;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    char buf[300];
    snprintf(buf, sizeof buf, "%s.%s", c->f->topo->comps[comp].name, names[k]);
    const ladon_stat *x = ladon_stats_find(st, buf);
    const ladon_counter *ctr = x ? ladon_stat_as_counter(x) : NULL;
    if (ctr) v += ladon_counter_value(ctr);
  }
  return v;
}

static void take(const ladon_check *c, snap *s) {
  const ladon__topo *t = c->f->topo;
  size_t n = 0;
  for (uint32_t i = 0; i < t->n_comps; i++) {
    void *inst = c->f->inst[i];
    if (ladon__ck_is(c, i, "switch")) {
      for (unsigned k = 0; k < ladon__switch_port_count(inst); k++) {
        ladon__switch_port_counters pc;
        ladon__switch_port_counters_get(inst, k, &pc);
        s->v[n++] = pc.acs_violations;
        s->v[n++] = pc.urs + pc.posted_dropped - pc.acs_violations;
      }
    } else if (ladon__ck_is(c, i, "ntb")) {
      for (unsigned k = 0; k < 2; k++) {
        ladon__ntb_counters nc;
        ladon__ntb_counters_get(inst, k, &nc);
        s->v[n++] = nc.bar_errors;
        s->v[n++] = nc.lut_errors;
        s->v[n++] = nc.req_id_errors;
        s->v[n++] = nc.link_down_drops;
        s->v[n++] = nc.reg_accesses;
      }
    } else if (ladon__ck_is(c, i, "sriov_nic")) {
      ladon__sriov_counts sc;
      ladon__sriov_counts_get(inst, &sc);
      s->v[n++] = sc.mem_ur;
      s->v[n++] = sc.mem_reads + sc.mem_writes;
    } else if (ladon__ck_is(c, i, "host")) {
      ladon__iommu *io = ladon__host_iommu(inst);
      s->v[n++] = io ? ladon__iommu_fault_count(io) : 0;
      s->v[n++] = host_stops(c, i);
    }
  }
  for (size_t v = 0; v < t->n_vms; v++) {
    ladon__host_vm *vm = ladon__host_vm_find(c->f->inst[t->vms[v].host], t->vms[v].name);
    s->v[n++] = vm ? ladon__host_vm_ept_violations(vm) : 0;
  }
  s->n = n;
}

static size_t snap_size(const ladon_check *c) {
  const ladon__topo *t = c->f->topo;
  size_t n = t->n_vms;
  for (uint32_t i = 0; i < t->n_comps; i++) {
    if (ladon__ck_is(c, i, "switch")) n += 2u * ladon__switch_port_count(c->f->inst[i]);
    else if (ladon__ck_is(c, i, "ntb")) n += 10;
    else if (ladon__ck_is(c, i, "sriov_nic") || ladon__ck_is(c, i, "host"))
      n += 2; /* endpoints: UR, BAR hits; hosts: faults, own stops */
  }
  return n;
}

/* The first counter that moved, as a stop target; false when none. */
static bool moved(const ladon_check *c, const snap *a, const snap *b, uint64_t addr,
                  uint16_t rid, const ck_target *exp, ck_target *out) {
  const ladon__topo *t = c->f->topo;
  size_t n = 0;
  memset(out, 0, sizeof *out);
  out->kind = CK_T_STOP;
  for (uint32_t i = 0; i < t->n_comps; i++) {
    void *inst = c->f->inst[i];
    out->comp = i;
    if (ladon__ck_is(c, i, "switch")) {
      for (unsigned k = 0; k < ladon__switch_port_count(inst); k++, n += 2) {
        if (b->v[n] != a->v[n]) {
          out->stop = CK_STOP_SW_ACS, out->fn = k;
          return true;
        }
        if (b->v[n + 1] != a->v[n + 1]) {
          out->stop = CK_STOP_SW_UR, out->fn = k;
          return true;
        }
      }
    } else if (ladon__ck_is(c, i, "ntb")) {
      for (unsigned k = 0; k < 2; k++, n += 5) {
        static const uint8_t why[4] = {CK_STOP_NTB_WINDOW, CK_STOP_NTB_LUT, CK_STOP_NTB_ID,
                                       CK_STOP_NTB_LINK};
        for (unsigned j = 0; j < 4; j++)
          if (b->v[n + j] != a->v[n + j]) {
            out->stop = why[j], out->fn = k;
            return true;
          }
      }
    } else if (ladon__ck_is(c, i, "sriov_nic")) {
      if (b->v[n] != a->v[n]) {
        out->stop = CK_STOP_DEV_UR;
        return true;
      }
      n += 2; /* BAR hits: dev_hit() */
    } else if (ladon__ck_is(c, i, "host")) {
      if (b->v[n] != a->v[n]) {
        ladon__iommu *io = ladon__host_iommu(inst);
        for (size_t f = a->v[n]; f < b->v[n]; f++) {
          const ladon__iommu_fault *fr = ladon__iommu_fault_at(io, f);
          if (fr == NULL) continue;
          /* Only a record of this probe: its own address and ID at the
          ** first IOMMU, or the ones the static answer predicts further on
          ** (workloads and earlier probes fault too). */
          bool mine = (fr->requester_id == rid && (fr->address & ~UINT64_C(3)) == addr) ||
                      (exp->kind == CK_T_STOP &&
                       (exp->stop == CK_STOP_IOMMU || exp->stop == CK_STOP_IR) &&
                       fr->requester_id == exp->rid &&
                       (fr->address & ~UINT64_C(3)) == (exp->at & ~UINT64_C(3)));
          if (!mine) continue;
          out->stop = fr->reason >= 0x20 ? CK_STOP_IR : CK_STOP_IOMMU;
          out->fault = fr->reason;
          out->rid = fr->requester_id;
          out->at = fr->address;
          return true;
        }
        out->stop = CK_STOP_NONE;
      }
      if (b->v[n + 1] != a->v[n + 1]) {
        out->stop = CK_STOP_HOST_UR;
        return true;
      }
      n += 2;
    }
  }
  for (size_t v = 0; v < t->n_vms; v++, n++)
    if (b->v[n] != a->v[n]) {
      out->comp = t->vms[v].host;
      out->stop = CK_STOP_EPT;
      out->fn = (uint32_t)v;
      return true;
    }
  return false;
}

/* The endpoint a BAR access reached (the function is not told apart), when
** no signature could be planted. */
static bool dev_hit(const ladon_check *c, const snap *a, const snap *b, ck_target *out) {
  const ladon__topo *t = c->f->topo;
  size_t n = 0;
  for (uint32_t i = 0; i < t->n_comps; i++) {
    if (ladon__ck_is(c, i, "switch")) n += 2u * ladon__switch_port_count(c->f->inst[i]);
    else if (ladon__ck_is(c, i, "ntb")) {
      for (unsigned k = 0; k < 2; k++, n += 5)
        if (b->v[n + 4] != a->v[n + 4]) {
          *out = (ck_target){.kind = CK_T_REG, .comp = i, .fn = k, .at = UINT64_MAX};
          return true;
        }
    } else if (ladon__ck_is(c, i, "sriov_nic")) {
      if (b->v[n + 1] != a->v[n + 1]) {
        *out = (ck_target){.kind = CK_T_BAR, .comp = i, .fn = UINT32_MAX};
        return true;
      }
      n += 2;
    } else if (ladon__ck_is(c, i, "host")) {
      n += 2;
    }
  }
  return false;
}

/* ---- expectations ---------------------------------------------------------- */

/* The record of (req, access) holding `addr`, searched around `near`. */
static const ck_reach *find_rec(const ladon_check *c, uint32_t near, uint64_t addr) {
  const ck_reach *r0 = &c->reach[near];
  for (size_t i = near + 1; i-- > 0;) {
    const ck_reach *r = &c->reach[i];
    if (r->req != r0->req || r->access != r0->access) break;
    if (!r->probe_set && addr >= r->lo && addr <= r->hi) return r;
  }
  for (size_t i = near + 1; i < c->n_reach; i++) {
    const ck_reach *r = &c->reach[i];
    if (r->req != r0->req || r->access != r0->access) break;
    if (!r->probe_set && addr >= r->lo && addr <= r->hi) return r;
  }
  return NULL;
}

static bool same_outcome(const ck_target *e, const ck_target *o) {
  if (e->kind != o->kind) return false;
  switch (e->kind) {
    case CK_T_MEM:
    case CK_T_BAR:
      if (o->fn == UINT32_MAX) return e->comp == o->comp; /* MSI-X table / PBA */
      return e->comp == o->comp && e->fn == o->fn && e->at == o->at;
    case CK_T_REG:
      if (o->at == UINT64_MAX) return e->comp == o->comp && e->fn == o->fn;
      return e->comp == o->comp && e->fn == o->fn && e->at == o->at;
    case CK_T_IRQ:
      return e->comp == o->comp && e->fn == o->fn && e->at == o->at;
    default:
      break;
  }
  /* Stops inside a root complex leave no counter of their own here. */
  bool e_rc = e->stop == CK_STOP_HOST_UR || e->stop == CK_STOP_RP || e->stop == CK_STOP_ABORT ||
              e->stop == CK_STOP_MSI || e->stop == CK_STOP_NO_LINK;
  bool o_rc = o->stop == CK_STOP_HOST_UR;
  if (e_rc || o_rc) return e_rc && o_rc && e->comp == o->comp;
  if (e->stop != o->stop || e->comp != o->comp) return false;
  if (e->stop == CK_STOP_IOMMU || e->stop == CK_STOP_IR)
    return e->fault == o->fault && e->rid == o->rid;
  if (e->stop == CK_STOP_SW_ACS || e->stop == CK_STOP_SW_UR) return e->fn == o->fn;
  return true;
}

static char *text_of(const ladon_check *c, const ck_target *t, bool known) {
  char buf[400];
  if (!known) snprintf(buf, sizeof buf, "no evidence of where it went");
  else ladon__ck_target_text(c, t, 0, 3, buf, sizeof buf);
  /* Ranges of one DW: drop the "[x-y]" of the text for a point. */
  return strdup(buf);
}

/* ---- one probe ----------------------------------------------------------- */

static ladon_sim *sim_of(ladon_check *c) { return c->f->sim; }

static void run_step(ladon_check *c) {
  ladon_sim *s = sim_of(c);
  ladon_sim_run_until(s, ladon_sim_now(s) + STEP_PS);
}

/* Plants `sig` where the expectation says the probe lands; remembers the
** old DW so that it can be restored. */
typedef struct plant {
  int kind; /* 0 none, 1 memory, 2 register */
  ladon__host *host;
  uint64_t hpa;
  ladon__sriov_fn *fn;
  uint32_t off;
  uint32_t old;
} plant;

static void plant_set(ladon_check *c, const ck_target *e, uint32_t value, plant *p) {
  memset(p, 0, sizeof *p);
  if (e->kind == CK_T_MEM) {
    p->host = c->f->inst[e->comp];
    p->hpa = e->at & ~UINT64_C(3);
    if (ladon__host_mem_read(p->host, p->hpa, &p->old, 4) != LADON_OK) return;
    ladon__host_mem_write(p->host, p->hpa, &value, 4);
    p->kind = 1;
  } else if (e->kind == CK_T_BAR) {
    p->fn = ladon__sriov_fn_at(c->f->inst[e->comp], e->fn);
    p->off = (uint32_t)(e->at & ~UINT64_C(3));
    if (p->fn == NULL || (p->off >= LADON__SRIOV_MSIX_TABLE && p->off < LADON__SRIOV_MSIX_END))
      return;
    p->old = ladon__sriov_reg_read(p->fn, p->off);
    ladon__sriov_reg_write(p->fn, p->off, value);
    p->kind = 2;
  }
}

static uint32_t plant_get(const plant *p) {
  uint32_t v = 0;
  if (p->kind == 1) ladon__host_mem_read(p->host, p->hpa, &v, 4);
  if (p->kind == 2) v = ladon__sriov_reg_read(p->fn, p->off);
  return v;
}

static void plant_restore(const plant *p) {
  if (p->kind == 1) ladon__host_mem_write(p->host, p->hpa, &p->old, 4);
  if (p->kind == 2) ladon__sriov_reg_write(p->fn, p->off, p->old);
}

static ladon_status one(ladon_check *c, probe_ctx *px, const want *wn, snap *s0, snap *s1) {
  const ck_reach *r = &c->reach[wn->reach];
  const ck_requester *q = &c->reqs[r->req];
  const ck_reach *er = wn->msi ? r : find_rec(c, wn->reach, wn->addr);
  if (er == NULL) return LADON_OK;
  ck_target exp = er->t;
  if (!wn->msi && (exp.kind == CK_T_MEM || exp.kind == CK_T_BAR || exp.kind == CK_T_REG ||
                   (exp.kind == CK_T_STOP &&
                    (exp.stop == CK_STOP_IOMMU || exp.stop == CK_STOP_IR))))
    exp.at += wn->addr - er->lo;
  bool write = r->access == LADON_IMAP_W;
  plant pl;
  plant_set(c, &exp, write ? ~SIG : SIG, &pl);
  take(c, s0);
  memset(&px->cpl, 0, sizeof *px - offsetof(probe_ctx, cpl));
  px->id++;
  px->rid = q->kind == CK_REQ_FN ? q->as_rid : 0;
  px->exp_rid = exp.rid;
  px->exp_irq = exp.kind == CK_T_IRQ;
  px->exp_host = exp.comp, px->exp_core = exp.fn, px->exp_vector = (uint32_t)exp.at;
  px->armed = true;
  g_ctx = px;
  ck_target obs = {0};
  bool known = false, ept = false;
  ladon_time_ps t0 = ladon_sim_now(sim_of(c));
  if (q->kind == CK_REQ_FN) {
    ladon_tlp *t = ladon_tlp_alloc(write ? 4 : 0);
    if (t == NULL) return LADON_ENOMEM;
    t->type = write ? LADON_TLP_MWR : LADON_TLP_MRD;
    t->addr = wn->addr;
    t->length_dw = 1;
    t->first_be = 0xf;
    t->req_id = q->as_rid;
    t->tag = PROBE_TAG;
    t->id = px->id;
    if (t->addr >> 32) t->flags |= LADON_TLP_F_ADDR64;
    if (write) {
      uint32_t v = wn->msi ? wn->data : SIG;
      memcpy(ladon_tlp_payload(t), &v, 4);
    }
    ladon_port *port = ladon__sriov_port(c->f->inst[q->comp]);
    ladon_status st;
    unsigned guard = 0;
    while ((st = ladon_port_send(port, t)) == LADON_EFULL && guard++ < 10000) run_step(c);
    if (st != LADON_OK) {
      ladon_tlp_free(t);
      px->armed = false;
      plant_restore(&pl);
      return LADON_OK; /* cannot inject: not a probe */
    }
  } else if (q->kind == CK_REQ_VCPU) {
    ladon__host_vm *vm = ladon__host_vm_find(c->f->inst[q->host], c->f->topo->vms[q->vm].name);
    uint32_t v = SIG;
    ladon_status st = write ? ladon__host_vm_mmio_write(vm, 0, wn->addr, 4, &v)
                            : ladon__host_vm_mmio_read(vm, 0, wn->addr, 4, on_load, px);
    if (st == LADON_ENOENT) ept = true;
    else if (st != LADON_OK) {
      px->armed = false;
      plant_restore(&pl);
      return LADON_OK;
    }
  } else {
    uint32_t v = SIG;
    ladon_status st = write ? ladon__host_mmio_write(c->f->inst[q->host], 0, wn->addr, 4, &v)
                            : ladon__host_mmio_read(c->f->inst[q->host], 0, wn->addr, 4,
                                                    on_load, px);
    if (st != LADON_OK) {
      px->armed = false;
      plant_restore(&pl);
      return LADON_OK;
    }
  }
  /* Run until the evidence is in. */
  for (;;) {
    if (ept) break;
    run_step(c);
    ladon_time_ps el = ladon_sim_now(sim_of(c)) - t0;
    if (!write) {
      if (px->cpl || el > READ_DEADLINE_PS) break;
      continue;
    }
    take(c, s1);
    ck_target tmp;
    if ((px->irq && exp.kind == CK_T_IRQ && px->irq_core == exp.fn &&
         px->irq_vector == exp.at) || moved(c, s0, s1, wn->addr, q->as_rid, &exp, &obs) ||
        (pl.kind && plant_get(&pl) == SIG) || (!pl.kind && dev_hit(c, s0, s1, &tmp)) ||
        el > WRITE_SETTLE_PS)
      break;
  }
  /* Let the probe's last effects land (a rejected write is counted after its
  ** fault is recorded) so that they are not taken for the next probe's. */
  ladon_sim_run_until(sim_of(c), ladon_sim_now(sim_of(c)) + POST_SETTLE_PS);
  take(c, s1);
  px->armed = false;
  ck_target hit;
  if (ept) {
    obs = (ck_target){.kind = CK_T_STOP, .stop = CK_STOP_EPT, .comp = q->host,
                      .fn = (uint32_t)q->vm};
    known = true;
  } else if (write && pl.kind && plant_get(&pl) == SIG) {
    obs = exp;
    known = true;
  } else if (!write && px->cpl && px->status == LADON_TLP_CPL_SC && pl.kind &&
             px->value == SIG) {
    obs = exp;
    known = true;
  } else if (moved(c, s0, s1, wn->addr, q->as_rid, &exp, &obs)) {
    known = true;
  } else if (write && px->irq) {
    /* Interrupts come last: the requester's own workload may signal too. */
    obs = (ck_target){.kind = CK_T_IRQ, .comp = px->irq_host, .fn = px->irq_core,
                      .at = px->irq_vector, .rid = px->irq_rid};
    known = true;
  } else if (!pl.kind && (exp.kind == CK_T_BAR || exp.kind == CK_T_REG) &&
             dev_hit(c, s0, s1, &hit) &&
             (write || (px->cpl && px->status == LADON_TLP_CPL_SC))) {
    obs = hit;
    known = true;
  } else if (q->kind == CK_REQ_FN && px->req_seen) {
    /* Nothing counted it: the component the request reached last ended it. */
    const ladon__topo_link *l = &c->f->topo->links[px->last_link];
    uint32_t at = px->last_dir == LADON_LINK_DOWN ? l->b.comp : l->a.comp;
    if (ladon__ck_is(c, at, "host")) {
      obs = (ck_target){.kind = CK_T_STOP, .stop = CK_STOP_HOST_UR, .comp = at};
      known = (!write && px->cpl && px->status != LADON_TLP_CPL_SC) || write;
    }
  } else if (q->kind != CK_REQ_FN && (px->cpl ? px->status != LADON_TLP_CPL_SC : write)) {
    /* A CPU access that no counter saw: ended in its own root complex. */
    obs = (ck_target){.kind = CK_T_STOP, .stop = CK_STOP_HOST_UR, .comp = q->host};
    known = true;
  }
  plant_restore(&pl);
  if (known && exp.kind == CK_T_STOP && obs.kind == CK_T_STOP && obs.rid == 0) obs.rid = exp.rid;
  bool agree = known && same_outcome(&exp, &obs);
  /* Record. */
  if (c->n_probes == c->cap_probes) {
    size_t cap = c->cap_probes ? 2 * c->cap_probes : 256;
    ck_probe_rec *v = realloc(c->probes, cap * sizeof *v);
    if (v == NULL) return LADON_ENOMEM;
    c->probes = v, c->cap_probes = cap;
  }
  ck_probe_rec *pr = &c->probes[c->n_probes++];
  memset(pr, 0, sizeof *pr);
  pr->reach = wn->reach;
  pr->addr = wn->addr;
  pr->text_expected = text_of(c, &exp, true);
  pr->text_observed = text_of(c, &obs, known);
  if (pr->text_expected == NULL || pr->text_observed == NULL) return LADON_ENOMEM;
  pr->pub.requester = q->name;
  pr->pub.access = write ? "write" : "read";
  pr->pub.addr = wn->addr;
  pr->pub.expected = pr->text_expected;
  pr->pub.observed = pr->text_observed;
  pr->pub.agree = agree;
  return LADON_OK;
}

/* ---- the plan -------------------------------------------------------------- */

static bool add_want(want **v, size_t *n, size_t *cap, uint32_t reach, uint64_t addr,
                     uint32_t data, bool msi) {
  for (size_t i = *n; i-- > 0 && i + 8 > *n;)
    if ((*v)[i].addr == addr && (*v)[i].msi == msi &&
        (*v)[i].reach == reach)
      return true;
  if (*n == *cap) {
    size_t nc = *cap ? 2 * *cap : 1024;
    want *nv = realloc(*v, nc * sizeof *nv);
    if (nv == NULL) return false;
    *v = nv, *cap = nc;
  }
  (*v)[(*n)++] = (want){reach, addr, data, msi};
  return true;
}

ladon_status ladon__ck_probe(ladon_check *c, uint32_t cap, ladon_error *err) {
  (void)err;
  want *w = NULL;
  size_t n = 0, wcap = 0;
  for (size_t i = 0; i < c->n_reach; i++) {
    const ck_reach *r = &c->reach[i];
    if (r->t.fault == 0xff && r->t.kind == CK_T_STOP) continue; /* forgery marker */
    if (r->probe_set) {
      if (!add_want(&w, &n, &wcap, (uint32_t)i, r->probe_addr, r->probe_data, true)) goto oom;
      continue;
    }
    uint64_t pts[4] = {r->lo, r->hi & ~UINT64_C(3), r->lo - 1, r->hi + 1};
    bool ok[4] = {true, true, r->lo > 0, r->hi != UINT64_MAX};
    for (int k = 0; k < 4; k++) {
      if (!ok[k]) continue;
      uint64_t a = pts[k] & ~UINT64_C(3);
      if (k < 2 && a < r->lo) continue;
      if (!add_want(&w, &n, &wcap, (uint32_t)i, a, 0, false)) goto oom;
    }
  }
  c->probes_wanted = n;
  probe_ctx *px = calloc(1, sizeof *px);
  snap s0 = {calloc(snap_size(c), sizeof(uint64_t)), 0};
  snap s1 = {calloc(snap_size(c), sizeof(uint64_t)), 0};
  if (px == NULL || s0.v == NULL || s1.v == NULL) {
    free(px), free(s0.v), free(s1.v);
    goto oom;
  }
  px->c = c;
  px->id = PROBE_ID_BASE;
  const ladon__topo *t = c->f->topo;
  ladon_link_observer ob = {NULL, on_deliver};
  for (size_t l = 0; l < t->n_links; l++) ladon_link_observe(c->f->links[l], &ob, px);
  for (uint32_t i = 0; i < t->n_comps; i++)
    if (ladon__ck_is(c, i, "host"))
      ladon__host_irq_hook(c->f->inst[i], on_irq, (void *)(uintptr_t)i);
  ladon_status st = LADON_OK;
  /* Over the cap, an even sample of the plan: probe i of cap is want
  ** i * n / cap, so every requester keeps its share. */
  size_t todo = n > cap ? cap : n;
  for (size_t i = 0; i < todo && st == LADON_OK; i++) {
    size_t k = n > cap ? (size_t)((uint64_t)i * n / cap) : i;
    const ck_requester *q = &c->reqs[c->reach[w[k].reach].req];
    px->req_link = SIZE_MAX;
    if (q->kind == CK_REQ_FN) {
      uint32_t peer;
      const char *pp;
      ladon__ck_link_peer(c->f, q->comp, "up", &peer, &pp, &px->req_link);
    }
    st = one(c, px, &w[k], &s0, &s1);
  }
  for (size_t l = 0; l < t->n_links; l++) ladon_link_unobserve(c->f->links[l], px);
  g_ctx = NULL;
  /* The interrupt hooks stay registered (hosts have no removal); with no
  ** probe armed they do nothing. */
  px->armed = false;
  free(s0.v);
  free(s1.v);
  free(w);
  free(px);
  return st;
oom:
  free(w);
  return LADON_ENOMEM;
}
