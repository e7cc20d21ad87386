/*
** Who the requesters are, who owns what they reach, and which outcomes
** break the isolation properties of DESIGN §4:
**   - a function assigned to a VM reaches only that VM's memory, and
**     interrupts only on cores that run that VM's vCPUs;
**   - a function nobody was given belongs to the host of its PCIe domain:
**     it may reach that host's own memory (not a VM's) and its interrupts;
**   - no function reaches another function's BAR (peer-to-peer), an NT
**     endpoint's registers, another host's memory;
**   - a VM's vCPUs reach only the VM's memory and its own functions' BARs;
**   - a host's CPUs reach anything of their own PCIe domain; through an NTB
**     only the BARs of functions given to that host's VMs;
**   - a forged requester ID must be stopped by ACS Source Validation
**     (PCIe Base 5.0 §6.12.1.1).  Validation compares the bus number only,
**     so functions of one device (one bus) cannot be told apart by any
**     switch: that is reported as a note, the device's own requester-ID
**     generation being trusted.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/check_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/sriov.h"
#include "models/switch.h"
#include "pcie/cfgspace_int.h"
#include "pcie/pci_regs.h"

bool ladon__ck_is(const ladon_check *c, uint32_t comp, const char *type) {
  return !strcmp(c->f->topo->comps[comp].type->name, type);
}

int32_t ladon__ck_fn_vm(const ladon_check *c, uint32_t comp, uint32_t fn) {
  const ladon__topo *t = c->f->topo;
  int32_t vf = (int32_t)fn - 1;
  for (size_t v = 0; v < t->n_vms; v++)
    for (size_t k = 0; k < t->vms[v].n_functions; k++)
      if (t->vms[v].functions[k].comp == comp && t->vms[v].functions[k].vf == vf)
        return (int32_t)v;
  return -1;
}

/* The host whose enumeration found `comp` (for NTBs: the first). */
static int32_t domain_host(const ladon_check *c, uint32_t comp) {
  const ladon_fabric *f = c->f;
  for (size_t d = 0; d < f->n_domains; d++)
    for (size_t i = 0; i < f->domains[d].n; i++)
      if (f->domains[d].fns[i].comp == comp) return (int32_t)f->domains[d].host_comp;
  return -1;
}

int32_t ladon__ck_mem_owner(const ladon_check *c, uint32_t host, uint64_t hpa, uint64_t *end) {
  const ladon__topo *t = c->f->topo;
  ladon__host *h = c->f->inst[host];
  uint64_t next = UINT64_MAX;
  for (size_t v = 0; v < t->n_vms; v++) {
    if (t->vms[v].host != host) continue;
    ladon__host_vm *vm = ladon__host_vm_find(h, t->vms[v].name);
    if (vm == NULL) continue;
    const ladon__host_range *r;
    size_t n = ladon__host_vm_ranges(vm, &r);
    for (size_t i = 0; i < n; i++) {
      if (hpa >= r[i].hpa && hpa - r[i].hpa < r[i].bytes) {
        *end = r[i].hpa + r[i].bytes - 1;
        return (int32_t)v;
      }
      if (r[i].hpa > hpa && r[i].hpa - 1 < next) next = r[i].hpa - 1;
    }
  }
  *end = next;
  return -1;
}

/* The VMs with a vCPU on `core` of `host`, as a list in `buf`; whether
** VM `vm` is among them. */
static bool core_runs(const ladon_check *c, uint32_t host, uint32_t core, int32_t vm,
                      char *buf, size_t n, bool *any) {
  const ladon__topo *t = c->f->topo;
  ladon__host *h = c->f->inst[host];
  bool hit = false;
  size_t used = 0;
  *any = false;
  if (buf && n) buf[0] = '\0';
  for (size_t v = 0; v < t->n_vms; v++) {
    if (t->vms[v].host != host) continue;
    ladon__host_vm *hv = ladon__host_vm_find(h, t->vms[v].name);
    if (hv == NULL) continue;
    for (uint32_t k = 0; k < ladon__host_vm_vcpus(hv); k++)
      if (ladon__host_vm_core(hv, k) == core) {
        *any = true;
        if ((int32_t)v == vm) hit = true;
        if (buf && used < n)
          used += (size_t)snprintf(buf + used, n - used, "%s%s vCPU %u", used ? ", " : "",
                                   t->vms[v].name, k);
      }
  }
  return hit;
}

void ladon__ck_target_text(const ladon_check *c, const ck_target *t, uint64_t lo, uint64_t hi,
                           char *buf, size_t n) {
  const ladon__topo *tp = c->f->topo;
  const char *name = tp->comps[t->comp].name;
  uint64_t len = hi - lo;
  char rs[16];
  ladon__ck_rid(t->rid, rs);
  switch (t->kind) {
    case CK_T_MEM: {
      uint64_t end;
      int32_t vm = ladon__ck_mem_owner(c, t->comp, t->at, &end);
      if (vm >= 0)
        snprintf(buf, n, "%s memory [0x%llx-0x%llx] (%s RAM)", tp->vms[vm].name,
                 (unsigned long long)t->at, (unsigned long long)(t->at + len), name);
      else
        snprintf(buf, n, "%s memory [0x%llx-0x%llx]", name, (unsigned long long)t->at,
                 (unsigned long long)(t->at + len));
      return;
    }
    case CK_T_BAR: {
      ladon__sriov_fn *fn = ladon__sriov_fn_at(c->f->inst[t->comp], t->fn);
      bool msix = t->at < LADON__SRIOV_MSIX_END && t->at + len >= LADON__SRIOV_MSIX_TABLE;
      snprintf(buf, n, "%s.%s BAR0 [0x%llx-0x%llx]%s", name, fn ? ladon__sriov_fn_label(fn) : "?",
               (unsigned long long)t->at, (unsigned long long)(t->at + len),
               msix ? " (MSI-X table/PBA included)" : "");
      return;
    }
    case CK_T_REG:
      snprintf(buf, n, "%s.%s registers [0x%llx-0x%llx]", name, t->fn ? "b" : "a",
               (unsigned long long)t->at, (unsigned long long)(t->at + len));
      return;
    case CK_T_IRQ: {
      char who[200];
      bool any;
      core_runs(c, t->comp, t->fn, -1, who, sizeof who, &any);
      snprintf(buf, n, "%s core %u vector %llu (%s)", name, t->fn, (unsigned long long)t->at,
               any ? who : "host");
      return;
    }
    default:
      break;
  }
  switch (t->stop) {
    case CK_STOP_SW_ACS:
      snprintf(buf, n, "stopped at %s.%s: ACS source validation (%s)", name,
               t->fn ? "d" : "up", rs);
      if (t->fn) snprintf(buf, n, "stopped at %s.d%u: ACS source validation (%s)", name, t->fn - 1, rs);
      return;
    case CK_STOP_SW_UR:
      if (t->fn) snprintf(buf, n, "stopped at %s.d%u: Unsupported Request", name, t->fn - 1);
      else snprintf(buf, n, "stopped at %s.up: Unsupported Request", name);
      return;
    case CK_STOP_RP:
      snprintf(buf, n, "stopped at %s.rp%u (Bus Master Enable / ACS)", name, t->fn);
      return;
    case CK_STOP_IOMMU:
      snprintf(buf, n, "stopped at %s.iommu: DMA-remapping fault 0x%02x (source %s)", name,
               t->fault, rs);
      return;
    case CK_STOP_IR:
      snprintf(buf, n, "stopped at %s.iommu: interrupt-remapping fault 0x%02x (source %s)", name,
               t->fault, rs);
      return;
    case CK_STOP_MSI:
      snprintf(buf, n, "stopped at %s: interrupt dropped", name);
      return;
    case CK_STOP_HOST_UR:
      snprintf(buf, n, "stopped at %s root complex: Unsupported Request", name);
      return;
    case CK_STOP_ABORT:
      snprintf(buf, n, "stopped at %s: master abort", name);
      return;
    case CK_STOP_EPT:
      snprintf(buf, n, "stopped: %s EPT violation", tp->vms[t->fn].name);
      return;
    case CK_STOP_DEV_UR:
      snprintf(buf, n, "stopped at %s: Unsupported Request (no BAR)", name);
      return;
    case CK_STOP_NTB_WINDOW:
      snprintf(buf, n, "stopped at %s.%s: no window (UR / dropped)", name, t->fn ? "b" : "a");
      return;
    case CK_STOP_NTB_LUT:
      snprintf(buf, n, "stopped at %s.%s: LUT entry %llu disabled (UR / dropped)", name,
               t->fn ? "b" : "a", (unsigned long long)t->at);
      return;
    case CK_STOP_NTB_ID:
      snprintf(buf, n, "stopped at %s.%s: ID protection, %s not listed", name, t->fn ? "b" : "a",
               rs);
      return;
    case CK_STOP_NTB_LINK:
      snprintf(buf, n, "stopped at %s: link down", name);
      return;
    case CK_STOP_NO_LINK:
      snprintf(buf, n, "stopped at %s: port without a link", name);
      return;
    default:
      snprintf(buf, n, "stopped at %s", name);
      return;
  }
}

void ladon__ck_judge(ladon_check *c, ck_reach *r, bool crossed) {
  const ck_requester *q = &c->reqs[r->req];
  const ladon__topo *tp = c->f->topo;
  const ck_target *t = &r->t;
  char why[300];
  why[0] = '\0';
  r->verdict = LADON_CHECK_ALLOWED;
  const char *owner = q->vm >= 0 ? tp->vms[q->vm].name : tp->comps[q->host].name;
  if (t->kind == CK_T_STOP) {
    r->verdict = LADON_CHECK_STOPPED;
    /* Liveness: a function given to a VM must reach all of the VM's memory
    ** at the VM's guest physical addresses (DMA of the guest's driver, design
    ** A: IOVA = GPA); a table that stops it is mis-programmed. */
    if (q->kind == CK_REQ_FN && q->vm >= 0 && q->as_rid == q->rid && !r->probe_set &&
        r->lo < tp->vms[q->vm].memory_bytes && ladon__host_iommu(c->f->inst[q->host]) &&
        !(r->lo >= LADON__HOST_MSI_BASE && r->hi <= LADON__HOST_MSI_LAST)) {
      snprintf(why, sizeof why, "a function of %s cannot %s %s's own memory (guest DMA fails)",
               tp->vms[q->vm].name, r->access == LADON_IMAP_W ? "write" : "read",
               tp->vms[q->vm].name);
      r->verdict = LADON_CHECK_VIOLATION;
      r->why = strdup(why);
      if (r->why == NULL) c->oom = true;
    }
    return;
  }
  if (q->kind == CK_REQ_FN) {
    const char *what = q->vm >= 0 ? "a function of" : "a function of host";
    if (t->kind == CK_T_MEM) {
      uint64_t end;
      int32_t vm = ladon__ck_mem_owner(c, t->comp, t->at, &end);
      if (t->comp != q->host && !(q->vm >= 0 && tp->vms[q->vm].host == t->comp))
        snprintf(why, sizeof why, "%s %s reaches another host's memory (%s)", what, owner,
                 tp->comps[t->comp].name);
      else if (q->vm >= 0 && vm != q->vm)
        snprintf(why, sizeof why, "%s %s reaches %s memory", what, owner,
                 vm >= 0 ? tp->vms[vm].name : "the host's own");
      else if (q->vm < 0 && vm >= 0)
        snprintf(why, sizeof why, "%s %s reaches %s memory", what, owner, tp->vms[vm].name);
    } else if (t->kind == CK_T_BAR) {
      if (!(t->comp == q->comp && t->fn == q->fn))
        snprintf(why, sizeof why, "peer-to-peer: %s %s reaches another function's BAR", what,
                 owner);
    } else if (t->kind == CK_T_REG) {
      snprintf(why, sizeof why, "%s %s reaches NTB registers", what, owner);
    } else if (t->kind == CK_T_IRQ) {
      bool any;
      uint32_t vm_host = q->vm >= 0 ? tp->vms[q->vm].host : q->host;
      bool mine = t->comp == vm_host && core_runs(c, t->comp, t->fn, q->vm, NULL, 0, &any);
      if (q->vm < 0) mine = t->comp == q->host && !any;
      if (!mine)
        snprintf(why, sizeof why, "%s %s interrupts a core that runs none of its vCPUs", what,
                 owner);
    }
  } else if (q->kind == CK_REQ_VCPU) {
    if (t->kind == CK_T_MEM) {
      uint64_t end;
      int32_t vm = ladon__ck_mem_owner(c, t->comp, t->at, &end);
      if (vm != q->vm)
        snprintf(why, sizeof why, "%s reaches %s memory", owner,
                 vm >= 0 ? tp->vms[vm].name : tp->comps[t->comp].name);
    } else if (t->kind == CK_T_BAR) {
      if (ladon__ck_fn_vm(c, t->comp, t->fn) != q->vm)
        snprintf(why, sizeof why, "%s reaches a BAR of a function it was not given", owner);
    } else {
      snprintf(why, sizeof why, "%s reaches %s", owner,
               t->kind == CK_T_REG ? "NTB registers" : "an interrupt directly");
    }
  } else if (crossed) {
    /* A host's CPUs across an NTB: only its own VMs' functions. */
    if (t->kind == CK_T_BAR) {
      int32_t vm = ladon__ck_fn_vm(c, t->comp, t->fn);
      if (vm < 0 || tp->vms[vm].host != q->host)
        snprintf(why, sizeof why, "%s CPUs reach, through an NTB, a function not given to "
                 "their VMs", owner);
    } else if (t->kind == CK_T_MEM && t->comp != q->host) {
      snprintf(why, sizeof why, "%s CPUs reach another host's memory (%s)", owner,
               tp->comps[t->comp].name);
    } else if (t->kind == CK_T_REG) {
      snprintf(why, sizeof why, "%s CPUs reach another domain's NTB registers", owner);
    }
  }
  if (why[0]) {
    r->verdict = LADON_CHECK_VIOLATION;
    r->why = strdup(why);
    if (r->why == NULL) c->oom = true;
  }
}

static ck_requester *add_req(ladon_check *c) {
  if (c->n_reqs == c->cap_reqs) {
    size_t cap = c->cap_reqs ? 2 * c->cap_reqs : 64;
    ck_requester *v = realloc(c->reqs, cap * sizeof *v);
    if (v == NULL) return NULL;
    c->reqs = v, c->cap_reqs = cap;
  }
  ck_requester *q = &c->reqs[c->n_reqs++];
  memset(q, 0, sizeof *q);
  return q;
}

ladon_status ladon__ck_requesters(ladon_check *c) {
  const ladon__topo *t = c->f->topo;
  for (uint32_t i = 0; i < t->n_comps; i++) {
    if (!ladon__ck_is(c, i, "sriov_nic")) continue;
    ladon__sriov *d = c->f->inst[i];
    int32_t host = domain_host(c, i);
    if (host < 0) continue;
    for (uint32_t k = 0;; k++) {
      ladon__sriov_fn *fn = ladon__sriov_fn_at(d, k);
      if (fn == NULL) break;
      if (!ladon__sriov_fn_present(fn)) continue;
      ck_requester *q = add_req(c);
      if (q == NULL) return LADON_ENOMEM;
      q->kind = CK_REQ_FN;
      q->comp = i;
      q->fn = k;
      q->vm = ladon__ck_fn_vm(c, i, k);
      q->host = (uint32_t)host;
      q->rid = q->as_rid = ladon__sriov_fn_rid(fn);
      char rs[16];
      ladon__ck_rid(q->rid, rs);
      snprintf(q->name, sizeof q->name, "%s.%s (%s)", t->comps[i].name, ladon__sriov_fn_label(fn),
               rs);
    }
  }
  for (uint32_t v = 0; v < t->n_vms; v++) {
    ck_requester *q = add_req(c);
    if (q == NULL) return LADON_ENOMEM;
    q->kind = CK_REQ_VCPU;
    q->comp = q->host = t->vms[v].host;
    q->vm = (int32_t)v;
    snprintf(q->name, sizeof q->name, "%s vCPUs", t->vms[v].name);
  }
  for (uint32_t i = 0; i < t->n_comps; i++) {
    if (!ladon__ck_is(c, i, "host")) continue;
    ck_requester *q = add_req(c);
    if (q == NULL) return LADON_ENOMEM;
    q->kind = CK_REQ_CPU;
    q->comp = q->host = i;
    q->vm = -1;
    snprintf(q->name, sizeof q->name, "%s CPUs", t->comps[i].name);
  }
  return LADON_OK;
}

/* ---- forged requester IDs ------------------------------------------------ */

typedef struct bridge {
  uint32_t comp;
  unsigned port; /* switch port index, or root port */
  bool host;
  uint8_t sec, sub;
  bool sv;
} bridge;

/* The bridges above device `comp`, nearest first. */
static size_t path_up(const ladon_check *c, uint32_t comp, bridge *out, size_t cap) {
  size_t n = 0;
  const char *port = "up";
  for (unsigned guard = 0; guard < 16 && n < cap; guard++) {
    uint32_t peer;
    const char *pp;
    if (!ladon__ck_link_peer(c->f, comp, port, &peer, &pp, NULL)) break;
    ladon__cfg_bridge br;
    memset(&br, 0, sizeof br);
    const ladon__cfg *cfg = NULL;
    bridge *b = &out[n];
    b->comp = peer;
    if (ladon__ck_is(c, peer, "switch")) {
      if (!strcmp(pp, "up")) break;
      b->port = 1u + (unsigned)strtoul(pp + 1, NULL, 10);
      b->host = false;
      cfg = ladon__switch_cfg(c->f->inst[peer], b->port);
    } else if (ladon__ck_is(c, peer, "host")) {
      b->port = (unsigned)strtoul(pp + 2, NULL, 10);
      b->host = true;
      cfg = ladon__host_rp_cfg(c->f->inst[peer], b->port);
    } else {
      break;
    }
    if (cfg == NULL) break;
    ladon__cfg_bridge_decode(cfg, &br);
    b->sec = br.secondary;
    b->sub = br.subordinate;
    b->sv = (ladon__cfg_acs_ctrl(cfg) & PCI_ACS_SV) != 0;
    n++;
    if (b->host) break;
    comp = peer;
    port = "up";
  }
  return n;
}

static void bridge_name(const ladon_check *c, const bridge *b, char *buf, size_t n) {
  const char *name = c->f->topo->comps[b->comp].name;
  if (b->host) snprintf(buf, n, "%s.rp%u", name, b->port);
  else snprintf(buf, n, "%s.d%u", name, b->port - 1);
}

#define FORGE_WALKS_PER_FN 4

void ladon__ck_forgery(ladon_check *c) {
  size_t n_fn = c->n_reqs;
  for (size_t i = 0; i < n_fn; i++) {
    ck_requester q = c->reqs[i];
    if (q.kind != CK_REQ_FN) continue;
    bridge path[16];
    size_t np = path_up(c, q.comp, path, 16);
    if (np == 0) continue;
    /* Victims: every requester ID the host's IOMMU has a context for, and
    ** every other function of the domain. */
    uint16_t victims[512];
    size_t nv = 0;
    ladon__iommu *io = ladon__host_iommu(c->f->inst[q.host]);
    if (io) {
      const ladon_imap *cm = ladon__iommu_context_map(io);
      for (size_t k = 0; k < ladon_imap_count(cm) && nv < 512; k++) {
        const ladon_imap_entry *e = ladon_imap_at(cm, k);
        for (uint64_t r = e->lo; r <= e->hi && nv < 512; r++) victims[nv++] = (uint16_t)r;
      }
    }
    for (size_t k = 0; k < n_fn && nv < 512; k++)
      if (c->reqs[k].kind == CK_REQ_FN && c->reqs[k].host == q.host) victims[nv++] = c->reqs[k].rid;
    unsigned walks = 0, more = 0;
    bool same_bus_note = false, sv_walked = false;
    static uint64_t seen[65536 / 64];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < nv; k++) {
      uint16_t r = victims[k];
      if (r == q.rid || ((seen[r >> 6] >> (r & 63)) & 1u)) continue;
      seen[r >> 6] |= UINT64_C(1) << (r & 63);
      unsigned bus = r >> 8;
      size_t stop_at = np;
      for (size_t b = 0; b < np && stop_at == np; b++)
        if (path[b].sv && !(bus >= path[b].sec && bus <= path[b].sub)) stop_at = b;
      bool below_first = bus >= path[0].sec && bus <= path[0].sub;
      if (stop_at < np) {
        if (sv_walked) continue;
        sv_walked = true; /* one forged walk shows the stop for all */
      } else if (below_first && (bus == (q.rid >> 8))) {
        same_bus_note = true;
        continue;
      } else if (walks >= FORGE_WALKS_PER_FN) {
        more++;
        continue;
      } else {
        walks++;
      }
      ck_requester *f = add_req(c);
      if (f == NULL) {
        c->oom = true;
        return;
      }
      *f = q;
      f->as_rid = r;
      char rs[16];
      ladon__ck_rid(r, rs);
      snprintf(f->name, sizeof f->name, "%.100s as %s", q.name, rs);
      size_t before = c->n_reach;
      if (stop_at == np) {
        /* Nothing stops the forged ID: a violation by itself. */
        char chain[400] = "", bn[64];
        size_t used = 0;
        for (size_t b = 0; b < np; b++) {
          bridge_name(c, &path[b], bn, sizeof bn);
          used += (size_t)snprintf(chain + used, sizeof chain - used, "%s%s ACS source "
                                   "validation %s", b ? " -> " : "", bn,
                                   path[b].sv ? "on (bus in range)" : "off");
          if (used >= sizeof chain) break;
        }
        ck_target t = {.kind = CK_T_STOP, .stop = CK_STOP_NONE, .rid = r, .comp = q.comp};
        ladon__ck_add(c, (uint32_t)(c->n_reqs - 1), LADON_IMAP_W, 0, UINT64_MAX, &t, chain,
                      false);
        if (c->n_reach > before) {
          ck_reach *x = &c->reach[c->n_reach - 1];
          x->verdict = LADON_CHECK_VIOLATION;
          free(x->why);
          char why[200];
          snprintf(why, sizeof why, "forged requester ID %s is not stopped by ACS source "
                   "validation", rs);
          x->why = strdup(why);
          x->probe_set = true; /* not probed: the walk records below are */
          x->t.fault = 0xff;   /* marks the forgery record */
        }
      }
      ladon__ck_walk_requester(c, (uint32_t)(c->n_reqs - 1));
    }
    if (more)
      ladon__ck_note(c, "%s: %u more forged requester IDs are not stopped by ACS source "
                     "validation (not walked)", q.name, more);
    if (same_bus_note && q.fn == 0)
      ladon__ck_note(c, "%s: functions of one device share bus %02x; ACS source validation "
                     "checks the bus number only (PCIe Base 5.0 §6.12.1.1), so they cannot "
                     "be told apart by a switch: the device's requester-ID generation is "
                     "trusted", c->f->topo->comps[q.comp].name, q.rid >> 8);
  }
}
