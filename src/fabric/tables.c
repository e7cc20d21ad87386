/*
** The topology's "tables" edits (docs/topology.md): system-software
** decisions -- and mistakes -- applied after the manager has programmed the
** fabric and before the workloads start, so that a topology can say "VF 3
** has a pass-through IOMMU mapping" or "this LUT entry was left enabled" and
** `ladon check` can be shown to find it.  Each edit goes through the same
** interface system software uses: IOMMU and NTB driver calls, configuration
** writes for ACS Control and MSI-X Enable, CPU stores into the MSI-X table.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "models/host.h"
#include "models/iommu.h"
#include "models/ntb.h"
#include "models/sriov.h"
#include "models/switch.h"
#include "pcie/cfgspace_int.h"
#include "pcie/pci_regs.h"
#include "sim/error_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct ed {
  ladon_fabric *f;
  const ladon__json_doc *doc;
  ladon__json_node node;
  ladon_error *err;
} ed;

static ladon_status fail(ed *e, ladon__json_node at, ladon_status code, const char *fmt,
                         const char *a, const char *b) {
  char msg[LADON_ERROR_TEXT_MAX];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  return ladon__json_error(e->doc, at == LADON__JSON_NONE ? e->node : at, e->err, code, "%s",
                           msg);
}

/* A component of `type` named by member `key`. */
static ladon_status get_comp(ed *e, const char *key, const char *type, uint32_t *out) {
  const char *name = NULL;
  ladon_status st = ladon__json_get_string(e->doc, e->node, key, true, &name, e->err);
  if (st) return st;
  ladon__json_node at = ladon__json_find(e->doc, e->node, key);
  int32_t i = ladon__topo_find(e->f->topo, name);
  if (i < 0) return fail(e, at, LADON_ENOENT, "no component '%s'%s", name, NULL);
  if (strcmp(e->f->topo->comps[i].type->name, type) != 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "'%s' is a %s, not a %s", name, e->f->topo->comps[i].type->name,
             type);
    return ladon__json_error(e->doc, at, e->err, LADON_EINVAL, "%s", msg);
  }
  *out = (uint32_t)i;
  return LADON_OK;
}

/* "nic0.vf3" / "nic0.pf": its device, function index and present RID. */
static bool parse_fn(ed *e, const char *text, uint32_t *dev, uint32_t *idx, uint16_t *rid) {
  char comp[256];
  const char *dot = strchr(text, '.');
  if (dot == NULL || (size_t)(dot - text) >= sizeof comp) return false;
  memcpy(comp, text, (size_t)(dot - text));
  comp[dot - text] = '\0';
  int32_t ci = ladon__topo_find(e->f->topo, comp);
  if (ci < 0 || strcmp(e->f->topo->comps[ci].type->name, "sriov_nic") != 0) return false;
  uint32_t k = 0;
  if (!strcmp(dot + 1, "pf")) {
    k = 0;
  } else if (!strncmp(dot + 1, "vf", 2) && dot[3] >= '0' && dot[3] <= '9') {
    char *end;
    k = (uint32_t)strtoul(dot + 3, &end, 10) + 1;
    if (*end) return false;
  } else {
    return false;
  }
  ladon__sriov_fn *fn = ladon__sriov_fn_at(e->f->inst[ci], k);
  if (fn == NULL || !ladon__sriov_fn_present(fn)) return false;
  *dev = (uint32_t)ci;
  *idx = k;
  *rid = ladon__sriov_fn_rid(fn);
  return true;
}

/* A requester ID given as "bb:dd.f" or as a function name. */
static ladon_status get_rid(ed *e, const char *key, uint16_t *out) {
  const char *s = NULL;
  ladon_status st = ladon__json_get_string(e->doc, e->node, key, true, &s, e->err);
  if (st) return st;
  unsigned b, d, fn;
  char tail;
  if (sscanf(s, "%x:%x.%x%c", &b, &d, &fn, &tail) == 3 && b < 256 && d < 32 && fn < 8) {
    *out = (uint16_t)(b << 8 | d << 3 | fn);
    return LADON_OK;
  }
  uint32_t dev, idx;
  if (parse_fn(e, s, &dev, &idx, out)) return LADON_OK;
  return fail(e, ladon__json_find(e->doc, e->node, key), LADON_EINVAL,
              "expected a requester ID \"bb:dd.f\" or a present function such as "
              "\"nic0.vf3\", got \"%s\"%s",
              s, NULL);
}

static ladon_status get_side(ed *e, unsigned *side) {
  const char *s = NULL;
  ladon_status st = ladon__json_get_string(e->doc, e->node, "side", true, &s, e->err);
  if (st) return st;
  if (strcmp(s, "a") && strcmp(s, "b"))
    return fail(e, ladon__json_find(e->doc, e->node, "side"), LADON_EINVAL,
                "side must be \"a\" or \"b\", got \"%s\"%s", s, NULL);
  *side = s[0] == 'b';
  return LADON_OK;
}

static ladon_status get_perms(ed *e, uint32_t *perms) {
  const char *s = "rw";
  ladon_status st = ladon__json_get_string(e->doc, e->node, "perms", false, &s, e->err);
  if (st) return st;
  if (!strcmp(s, "r")) *perms = LADON_IMAP_R;
  else if (!strcmp(s, "w")) *perms = LADON_IMAP_W;
  else if (!strcmp(s, "rw")) *perms = LADON_IMAP_RW;
  else
    return fail(e, ladon__json_find(e->doc, e->node, "perms"), LADON_EINVAL,
                "perms must be \"r\", \"w\" or \"rw\", got \"%s\"%s", s, NULL);
  return LADON_OK;
}

/* A model's refusal, at the edit. */
static ladon_status model_fail(ed *e, ladon_status st) {
  char msg[LADON_ERROR_TEXT_MAX];
  snprintf(msg, sizeof msg, "%s", e->err && e->err->text[0] ? e->err->text : ladon_strerror(st));
  return ladon__json_error(e->doc, e->node, e->err, st, "%s", msg);
}

/* ---- synchronous configuration writes --------------------------------------- */

typedef struct pend {
  bool done;
  uint8_t status;
  uint32_t value;
} pend;

static void on_cpl(void *ctx, uint8_t status, uint32_t value) {
  pend *p = ctx;
  p->done = true, p->status = status, p->value = value;
}

static ladon_status wait(ladon_fabric *f, pend *p) {
  while (!p->done)
    if (!ladon_sim_step(f->sim)) return LADON_ESTATE;
  return p->status == LADON_TLP_CPL_SC ? LADON_OK : LADON_EIO;
}

static ladon_status cfg_rmw(ladon_fabric *f, uint32_t host, uint16_t bdf, uint16_t reg,
                            unsigned size, uint32_t clear, uint32_t set) {
  pend p = {0};
  ladon__host *h = f->inst[host];
  ladon_status st = ladon__host_cfg_read(h, bdf, reg, size, on_cpl, &p);
  if (st == LADON_OK) st = wait(f, &p);
  if (st) return st;
  uint32_t v = (p.value & ~clear) | set;
  pend q = {0};
  st = ladon__host_cfg_write(h, bdf, reg, size, v, on_cpl, &q);
  return st ? st : wait(f, &q);
}

/* The host whose domain holds `comp`, and the function `comp` answers with at
** its port `port` (NULL: any). */
static const ladon__enum_fn *enum_fn(const ladon_fabric *f, uint32_t comp, const char *port,
                                     uint32_t *host) {
  for (size_t d = 0; d < f->n_domains; d++)
    for (size_t i = 0; i < f->domains[d].n; i++) {
      const ladon__enum_fn *fn = &f->domains[d].fns[i];
      if (fn->comp == comp && (port == NULL || (fn->port && !strcmp(fn->port, port)))) {
        *host = f->domains[d].host_comp;
        return fn;
      }
    }
  return NULL;
}

/* ---- the edits ------------------------------------------------------------ */

static ladon_status edit_iommu(ed *e, size_t index) {
  static const char *const keys[] = {"table", "host", "requester", "identity", "detach",
                                     "iova", "size", "phys", "perms", "unmap"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  uint32_t host;
  uint16_t rid;
  if (st || (st = get_comp(e, "host", "host", &host)) || (st = get_rid(e, "requester", &rid)))
    return st;
  ladon__iommu *io = ladon__host_iommu(e->f->inst[host]);
  if (io == NULL)
    return fail(e, ladon__json_find(e->doc, e->node, "host"), LADON_EINVAL,
                "host '%s' has no IOMMU%s", e->f->topo->comps[host].name, NULL);
  bool detach = false, identity = false, unmap = false;
  if ((st = ladon__json_get_bool(e->doc, e->node, "detach", false, &detach, e->err)) ||
      (st = ladon__json_get_bool(e->doc, e->node, "identity", false, &identity, e->err)) ||
      (st = ladon__json_get_bool(e->doc, e->node, "unmap", false, &unmap, e->err)))
    return st;
  if (detach) {
    ladon__iommu_detach(io, rid);
    return LADON_OK;
  }
  const ladon_imap_entry *ctx = ladon_imap_lookup(ladon__iommu_context_map(io), rid);
  uint32_t dom = ctx ? (uint32_t)ctx->target : 0x20000u + (uint32_t)index;
  if (ctx == NULL && (st = ladon__iommu_attach(io, rid, dom, e->err))) return model_fail(e, st);
  if (identity) {
    /* Pass-through: every address of the guest address width at itself, in
    ** 1 GiB pages (one entry stands for the run), replacing the domain's
    ** mappings. */
    unsigned aw = ladon__iommu_config_get(io)->address_width_bits;
    uint64_t top = aw >= 64 ? UINT64_MAX : (UINT64_C(1) << aw) - 1;
    const ladon_imap *pt = ladon__iommu_domain_map(io, dom);
    while (pt && ladon_imap_count(pt)) {
      const ladon_imap_entry *x = ladon_imap_at(pt, 0);
      ladon__iommu_unmap(io, dom, x->lo, x->hi - x->lo + 1);
    }
    if ((st = ladon__iommu_map(io, dom, 0, top == UINT64_MAX ? top - 0x3fffffff : top + 1, 0,
                               LADON_IMAP_RW, 30, e->err)))
      return model_fail(e, st);
    return LADON_OK;
  }
  uint64_t iova = 0, size = 0, phys = 0;
  uint32_t perms = LADON_IMAP_RW;
  if ((st = ladon__json_get_u64(e->doc, e->node, "iova", true, &iova, e->err)) ||
      (st = ladon__json_get_size_bytes(e->doc, e->node, "size", true, &size, e->err)))
    return st;
  if (unmap) {
    ladon__iommu_unmap(io, dom, iova, size);
    return LADON_OK;
  }
  if ((st = ladon__json_get_u64(e->doc, e->node, "phys", true, &phys, e->err)) ||
      (st = get_perms(e, &perms)))
    return st;
  unsigned shift = ((iova | phys | size) & 0x3fffffff) == 0 ? 30
                   : ((iova | phys | size) & 0x1fffff) == 0 ? 21 : 12;
  ladon__iommu_unmap(io, dom, iova, size);
  if ((st = ladon__iommu_map(io, dom, iova, size, phys, perms, shift, e->err)))
    return model_fail(e, st);
  return LADON_OK;
}

static ladon_status edit_ntb(ed *e, const char *table) {
  static const char *const keys[] = {"table", "ntb", "side", "index", "enable", "xlate",
                                     "bar", "size", "requester"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  uint32_t comp = 0;
  unsigned side = 0;
  if (st || (st = get_comp(e, "ntb", "ntb", &comp)) || (st = get_side(e, &side))) return st;
  ladon__ntb *ntb = e->f->inst[comp];
  uint64_t index = 0, xlate = 0, bar = 2, size = 0;
  bool enable = true;
  if ((st = ladon__json_get_bool(e->doc, e->node, "enable", false, &enable, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "xlate", false, &xlate, e->err)))
    return st;
  if (!strcmp(table, "ntb_window")) {
    if ((st = ladon__json_get_u64(e->doc, e->node, "bar", true, &bar, e->err)) ||
        (st = ladon__json_get_size_bytes(e->doc, e->node, "size", true, &size, e->err)))
      return st;
    st = ladon__ntb_set_window(ntb, side, (unsigned)bar, xlate, size, e->err);
  } else if (!strcmp(table, "ntb_lut")) {
    if ((st = ladon__json_get_u64(e->doc, e->node, "index", true, &index, e->err))) return st;
    st = ladon__ntb_set_lut(ntb, side, (unsigned)index, enable, xlate, e->err);
  } else {
    uint16_t rid = 0;
    if ((st = ladon__json_get_u64(e->doc, e->node, "index", true, &index, e->err)) ||
        (enable && (st = get_rid(e, "requester", &rid))))
      return st;
    st = ladon__ntb_set_rid(ntb, side, (unsigned)index, enable, rid, NULL, e->err);
  }
  return st ? model_fail(e, st) : LADON_OK;
}

static ladon_status edit_acs(ed *e) {
  static const char *const keys[] = {"table", "switch", "host", "port", "ctrl"};
  static const char *const names[] = {"sv", "tb", "rr", "cr", "uf", "ec", "dt"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  const char *port = NULL;
  ladon__json_node ctrl;
  if (st || (st = ladon__json_get_string(e->doc, e->node, "port", true, &port, e->err)) ||
      (st = ladon__json_member(e->doc, e->node, "ctrl", LADON__JSON_ARRAY, true, &ctrl, e->err)))
    return st;
  uint32_t bits = 0;
  for (size_t i = 0; i < ladon__json_size(e->doc, ctrl); i++) {
    ladon__json_node v = ladon__json_child(e->doc, ctrl, i);
    if ((st = ladon__json_expect(e->doc, v, LADON__JSON_STRING, e->err))) return st;
    const char *s = json_string_value(ladon__json_value(e->doc, v));
    size_t k = 0;
    while (k < N(names) && strcmp(names[k], s)) k++;
    if (k == N(names))
      return fail(e, v, LADON_EINVAL, "unknown ACS control \"%s\" (sv, tb, rr, cr, uf, ec, dt)%s",
                  s, NULL);
    bits |= 1u << k; /* PCI_ACS_SV .. PCI_ACS_DT in that order (§7.7.8.3) */
  }
  uint32_t host, comp;
  uint16_t bdf;
  const ladon__cfg *cfg;
  if (ladon__json_find(e->doc, e->node, "switch") != LADON__JSON_NONE) {
    if ((st = get_comp(e, "switch", "switch", &comp))) return st;
    const ladon__enum_fn *fn = enum_fn(e->f, comp, port, &host);
    unsigned idx = !strcmp(port, "up") ? 0u : 1u + (unsigned)strtoul(port + 1, NULL, 10);
    cfg = ladon__switch_cfg(e->f->inst[comp], idx);
    if (fn == NULL || cfg == NULL)
      return fail(e, ladon__json_find(e->doc, e->node, "port"), LADON_ENOENT,
                  "switch port '%s' was not enumerated%s", port, NULL);
    bdf = fn->bdf;
  } else {
    if ((st = get_comp(e, "host", "host", &host))) return st;
    unsigned rp = (unsigned)strtoul(port + 2, NULL, 10);
    cfg = strncmp(port, "rp", 2) ? NULL : ladon__host_rp_cfg(e->f->inst[host], rp);
    if (cfg == NULL)
      return fail(e, ladon__json_find(e->doc, e->node, "port"), LADON_ENOENT,
                  "no root port '%s'%s", port, NULL);
    bdf = (uint16_t)((rp + 1) << 3);
  }
  uint16_t cap = ladon__cfg_find_ext_cap(cfg, PCI_EXT_CAP_ID_ACS);
  if (cap == 0)
    return fail(e, ladon__json_find(e->doc, e->node, "port"), LADON_ENOTSUP,
                "port '%s' has no ACS capability%s", port, NULL);
  st = cfg_rmw(e->f, host, bdf, (uint16_t)(cap + PCI_ACS_CTRL), 2, 0xffffu, bits);
  return st ? fail(e, LADON__JSON_NONE, st, "ACS Control write to '%s' failed%s", port, NULL)
            : LADON_OK;
}

static ladon_status edit_msix(ed *e) {
  static const char *const keys[] = {"table", "function", "entry", "address", "data",
                                     "masked"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  const char *name = NULL;
  uint64_t entry = 0, addr = 0, data = 0;
  bool masked = false;
  if (st || (st = ladon__json_get_string(e->doc, e->node, "function", true, &name, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "entry", true, &entry, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "address", true, &addr, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "data", true, &data, e->err)) ||
      (st = ladon__json_get_bool(e->doc, e->node, "masked", false, &masked, e->err)))
    return st;
  uint32_t dev, idx;
  uint16_t rid;
  if (!parse_fn(e, name, &dev, &idx, &rid))
    return fail(e, ladon__json_find(e->doc, e->node, "function"), LADON_ENOENT,
                "no present function \"%s\"%s", name, NULL);
  ladon__sriov_fn *fn = ladon__sriov_fn_at(e->f->inst[dev], idx);
  if (entry >= ladon__sriov_fn_vectors(fn) || data > UINT32_MAX)
    return fail(e, ladon__json_find(e->doc, e->node, "entry"), LADON_ERANGE,
                "%s has no MSI-X entry like that (or data wider than 32 bits)%s", name, NULL);
  /* The function's BAR0: the PF's, or VF n's in the VF BAR aperture. */
  const ladon__cfg *pfc = ladon__sriov_fn_cfg(ladon__sriov_fn_at(e->f->inst[dev], 0));
  uint64_t bar = 0;
  ladon__cfg_range r;
  if (idx == 0 ? ladon__cfg_bar_range(pfc, 0, &r) != LADON_OK
               : ladon__cfg_sriov_vf_bar_addr(pfc, 0, idx, &bar) != LADON_OK)
    return fail(e, LADON__JSON_NONE, LADON_ESTATE, "%s has no BAR0%s", name, NULL);
  if (idx == 0) bar = r.base;
  uint32_t host;
  if (enum_fn(e->f, dev, NULL, &host) == NULL)
    return fail(e, LADON__JSON_NONE, LADON_ESTATE, "%s is in no host's domain%s", name, NULL);
  /* The host's driver stores the entry (PCIe Base 5.0 §7.7.2: address low,
  ** high, data, vector control), then sets MSI-X Enable. */
  uint32_t dw[4] = {(uint32_t)addr, (uint32_t)(addr >> 32), (uint32_t)data, masked ? 1u : 0u};
  ladon__host *h = e->f->inst[host];
  uint64_t at = bar + LADON__SRIOV_MSIX_TABLE + entry * PCI_MSIX_ENTRY_SIZE;
  for (unsigned i = 0; i < 4; i++)
    if ((st = ladon__host_mmio_write(h, 0, at + 4 * i, 4, &dw[i])))
      return fail(e, LADON__JSON_NONE, st, "MSI-X table store to %s failed%s", name, NULL);
  uint16_t cap = ladon__cfg_find_cap(ladon__sriov_fn_cfg(fn), PCI_CAP_ID_MSIX);
  if (cap && (st = cfg_rmw(e->f, host, rid, (uint16_t)(cap + PCI_MSIX_FLAGS), 2,
                           PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_ENABLE)))
    return fail(e, LADON__JSON_NONE, st, "MSI-X Enable of %s failed%s", name, NULL);
  /* Let the stores land (they are posted). */
  ladon_sim_run_until(e->f->sim, ladon_sim_now(e->f->sim) + UINT64_C(20000000));
  uint64_t got_a;
  uint32_t got_d;
  bool got_m;
  if (!ladon__sriov_msix_entry(fn, (uint32_t)entry, &got_a, &got_d, &got_m) || got_a != addr ||
      got_d != (uint32_t)data)
    return fail(e, LADON__JSON_NONE, LADON_ESTATE,
                "the stores into the MSI-X table of %s did not reach it%s", name, NULL);
  return LADON_OK;
}

static ladon_status edit_irte(ed *e) {
  static const char *const keys[] = {"table", "host", "handle", "present", "dest_cpu",
                                     "vector", "source_id", "sq", "svt"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  uint32_t host;
  uint64_t handle = 0, cpu = 0, vec = 0, sq = 0, svt = 1;
  bool present = true;
  uint16_t sid = 0;
  if (st || (st = get_comp(e, "host", "host", &host)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "handle", true, &handle, e->err)) ||
      (st = ladon__json_get_bool(e->doc, e->node, "present", false, &present, e->err)))
    return st;
  ladon__iommu *io = ladon__host_iommu(e->f->inst[host]);
  if (io == NULL)
    return fail(e, ladon__json_find(e->doc, e->node, "host"), LADON_EINVAL,
                "host '%s' has no IOMMU (no interrupt remapping)%s",
                e->f->topo->comps[host].name, NULL);
  if (!present) {
    st = ladon__iommu_irte_set(io, (uint32_t)handle, NULL, e->err);
    return st ? model_fail(e, st) : LADON_OK;
  }
  if ((st = ladon__json_get_u64(e->doc, e->node, "dest_cpu", true, &cpu, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "vector", true, &vec, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "sq", false, &sq, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "svt", false, &svt, e->err)))
    return st;
  if (svt && (st = get_rid(e, "source_id", &sid))) return st;
  if (vec > 255 || sq > 3 || svt > 2 || cpu > UINT32_MAX || handle > 0xffff)
    return fail(e, LADON__JSON_NONE, LADON_ERANGE,
                "IRTE fields out of range (handle < 65536, vector < 256, sq 0..3, svt 0..2)%s%s",
                NULL, NULL);
  ladon__iommu_irte irte = {.dest_cpu = (uint32_t)cpu, .vector = (uint8_t)vec,
                            .source_id = sid, .sid_qualifier = (uint8_t)sq,
                            .sid_verify = (uint8_t)svt};
  st = ladon__iommu_irte_set(io, (uint32_t)handle, &irte, e->err);
  return st ? model_fail(e, st) : LADON_OK;
}

static ladon_status edit_ept(ed *e) {
  static const char *const keys[] = {"table", "vm", "gpa", "hpa", "size", "perms"};
  ladon_status st = ladon__json_check_keys(e->doc, e->node, keys, N(keys), e->err);
  const char *name = NULL;
  uint64_t gpa = 0, hpa = 0, size = 0;
  uint32_t perms;
  if (st || (st = ladon__json_get_string(e->doc, e->node, "vm", true, &name, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "gpa", true, &gpa, e->err)) ||
      (st = ladon__json_get_u64(e->doc, e->node, "hpa", true, &hpa, e->err)) ||
      (st = ladon__json_get_size_bytes(e->doc, e->node, "size", true, &size, e->err)) ||
      (st = get_perms(e, &perms)))
    return st;
  const ladon__topo *t = e->f->topo;
  for (size_t v = 0; v < t->n_vms; v++) {
    if (strcmp(t->vms[v].name, name)) continue;
    ladon__host_vm *vm = ladon__host_vm_find(e->f->inst[t->vms[v].host], name);
    if (vm && (st = ladon__host_vm_map(vm, gpa, hpa, size, perms, e->err)))
      return model_fail(e, st);
    return LADON_OK;
  }
  return fail(e, ladon__json_find(e->doc, e->node, "vm"), LADON_ENOENT, "no VM '%s'%s", name,
              NULL);
}

ladon_status ladon__fabric_tables(ladon_fabric *f, ladon_error *err) {
  const ladon__json_doc *doc = f->topo->doc;
  ladon__json_node list;
  ladon_status st = ladon__json_member(doc, 0, "tables", LADON__JSON_ARRAY, false, &list, err);
  if (st || list == LADON__JSON_NONE) return st;
  static const char *const kinds[] = {"iommu", "ntb_window", "ntb_lut", "ntb_rid", "acs",
                                      "msix",  "irte",       "ept"};
  for (size_t i = 0; i < ladon__json_size(doc, list); i++) {
    ed e = {f, doc, ladon__json_child(doc, list, i), err};
    const char *table = NULL;
    if ((st = ladon__json_expect(doc, e.node, LADON__JSON_OBJECT, err)) ||
        (st = ladon__json_get_string(doc, e.node, "table", true, &table, err)))
      return st;
    ladon_error_clear(err);
    if (!strcmp(table, "iommu")) st = edit_iommu(&e, i);
    else if (!strncmp(table, "ntb_", 4) && (!strcmp(table, "ntb_window") ||
                                            !strcmp(table, "ntb_lut") || !strcmp(table, "ntb_rid")))
      st = edit_ntb(&e, table);
    else if (!strcmp(table, "acs")) st = edit_acs(&e);
    else if (!strcmp(table, "msix")) st = edit_msix(&e);
    else if (!strcmp(table, "irte")) st = edit_irte(&e);
    else if (!strcmp(table, "ept")) st = edit_ept(&e);
    else {
      char list_s[200] = "";
      for (size_t k = 0; k < N(kinds); k++)
        snprintf(list_s + strlen(list_s), sizeof list_s - strlen(list_s), "%s%s", k ? ", " : "",
                 kinds[k]);
      return ladon__json_error(doc, ladon__json_find(doc, e.node, "table"), err, LADON_EINVAL,
                               "unknown table \"%s\" (tables: %s)", table, list_s);
    }
    if (st) return st;
  }
  return LADON_OK;
}
