/*
** The VT-d-like IOMMU (models/iommu.h): context table, per-domain page
** tables as interval maps, a set-associative IOTLB, a page-walk cache,
** fault recording and interrupt remapping.
**
** Page walks (Intel VT-d spec §3.6, second-level translation with a
** 4-level table for a 48-bit guest address width): a 4 KiB page needs 4
** memory accesses (PML4E, PDPE, PDE, PTE), a 2 MiB page 3, a 1 GiB page 2.
** The page-walk cache holds upper-level entries (the PDE of a 2 MiB region
** and the PDPE of a 1 GiB region) so that a walk that hits it fetches only
** the levels below.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/stats.h"
#include "models/iommu.h"
#include "sim/error_int.h"

typedef struct tlb_entry {
  uint64_t vpn;      /* iova >> page_shift */
  uint64_t hpa_page; /* host physical address of the page */
  uint64_t lru;      /* last use stamp, 0 = invalid */
  uint32_t domain;
  uint8_t page_shift, perms;
} tlb_entry;

typedef struct pwc_entry {
  uint64_t tag;  /* iova >> shift */
  uint64_t lru;  /* 0 = invalid */
  uint32_t domain;
  uint8_t shift; /* 21: PDE cached (a 2 MiB region); 30: PDPE cached */
} pwc_entry;

typedef struct domain_rec {
  uint32_t id;
  ladon_imap *map;
} domain_rec;

struct ladon__iommu {
  ladon_sim *sim;
  char *name;
  ladon__iommu_config cfg;
  ladon_imap *context;  /* rid -> domain (target) */
  domain_rec *domains;
  size_t n_domains;
  tlb_entry *tlb;       /* sets x ways */
  uint32_t sets;
  pwc_entry *pwc;
  ladon_time_ps *walker_free_ps; /* per page walker: when it is next idle */
  uint64_t stamp;
  ladon__iommu_irte *irte; /* by handle */
  bool *irte_present;
  uint32_t n_irte;
  ladon__iommu_fault *faults;
  size_t n_faults, cap_faults;
  ladon_counter *hits, *misses, *walks, *walk_accesses, *n_fault, *n_ir_fault;
};

ladon__iommu *ladon__iommu_new(ladon_sim *sim, const char *name,
                               const ladon__iommu_config *cfg,
                               ladon_error *err) {
  if (cfg->iotlb_entries == 0 || cfg->iotlb_ways == 0 ||
      cfg->iotlb_entries % cfg->iotlb_ways != 0) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: parameter 'iotlb_entries': %u entries cannot form "
                     "sets of %u ways",
                     name, cfg->iotlb_entries, cfg->iotlb_ways);
    return NULL;
  }
  if (cfg->blocked_read_status != LADON_TLP_CPL_UR &&
      cfg->blocked_read_status != LADON_TLP_CPL_CA) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: parameter 'blocked_read_status': must be UR or CA",
                     name);
    return NULL;
  }
  if (cfg->address_width_bits < 32 || cfg->address_width_bits > 64) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: address width %u is outside 32..64 bits", name,
                     cfg->address_width_bits);
    return NULL;
  }
  ladon__iommu *m = calloc(1, sizeof *m);
  if (m == NULL) goto oom;
  m->sim = sim;
  m->cfg = *cfg;
  m->name = strdup(name);
  char buf[300];
  snprintf(buf, sizeof buf, "%s.context", name);
  m->context = ladon_imap_new(buf, 0);
  m->sets = cfg->iotlb_entries / cfg->iotlb_ways;
  m->tlb = calloc(cfg->iotlb_entries, sizeof *m->tlb);
  m->pwc = calloc(cfg->pwc_entries ? cfg->pwc_entries : 1, sizeof *m->pwc);
  m->walker_free_ps = calloc(cfg->walkers ? cfg->walkers : 1, sizeof *m->walker_free_ps);
  if (!m->name || !m->context || !m->tlb || !m->pwc || !m->walker_free_ps) goto oom;
  ladon_stats *s = ladon_sim_stats(sim);
#define C(field, what, desc)                                                  \
  snprintf(buf, sizeof buf, "%s." what, name);                                \
  m->field = ladon_stats_counter(s, buf, NULL, desc, err)
  C(hits, "iotlb_hits", "translations that hit the IOTLB");
  C(misses, "iotlb_misses", "translations that missed the IOTLB");
  C(walks, "walks", "page walks");
  C(walk_accesses, "walk_accesses", "memory accesses of page walks");
  C(n_fault, "faults", "DMA-remapping faults");
  C(n_ir_fault, "ir_faults", "interrupt-remapping faults");
#undef C
  if (!m->hits || !m->misses || !m->walks || !m->walk_accesses ||
      !m->n_fault || !m->n_ir_fault)
    goto oom;
  return m;
oom:
  ladon__iommu_free(m);
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory", name);
  return NULL;
}

unsigned ladon__iommu_max_page_shift(const ladon__iommu *m) {
  return m->cfg.max_page_shift ? m->cfg.max_page_shift : 30;
}

void ladon__iommu_free(ladon__iommu *m) {
  if (m == NULL) return;
  for (size_t i = 0; i < m->n_domains; i++) ladon_imap_free(m->domains[i].map);
  free(m->domains);
  ladon_imap_free(m->context);
  free(m->tlb);
  free(m->pwc);
  free(m->walker_free_ps);
  free(m->irte);
  free(m->irte_present);
  free(m->faults);
  free(m->name);
  free(m);
}

static domain_rec *find_domain(const ladon__iommu *m, uint32_t id) {
  for (size_t i = 0; i < m->n_domains; i++)
    if (m->domains[i].id == id) return &m->domains[i];
  return NULL;
}

static domain_rec *get_domain(ladon__iommu *m, uint32_t id, ladon_error *err) {
  domain_rec *d = find_domain(m, id);
  if (d) return d;
  domain_rec *v = realloc(m->domains, (m->n_domains + 1) * sizeof *v);
  if (v == NULL) goto oom;
  m->domains = v;
  char buf[300];
  snprintf(buf, sizeof buf, "%s.domain%u", m->name, id);
  d = &m->domains[m->n_domains];
  d->id = id;
  d->map = ladon_imap_new(buf, id);
  if (d->map == NULL) goto oom;
  m->n_domains++;
  return d;
oom:
  ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory", m->name);
  return NULL;
}

/* Invalidates IOTLB and page-walk cache entries of `domain` (all if 0). */
static void flush(ladon__iommu *m, uint32_t domain) {
  for (uint32_t i = 0; i < m->cfg.iotlb_entries; i++)
    if (domain == 0 || m->tlb[i].domain == domain) m->tlb[i].lru = 0;
  for (uint32_t i = 0; i < m->cfg.pwc_entries; i++)
    if (domain == 0 || m->pwc[i].domain == domain) m->pwc[i].lru = 0;
}

ladon_status ladon__iommu_attach(ladon__iommu *m, uint16_t rid, uint32_t domain,
                                 ladon_error *err) {
  if (domain == 0)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: domain 0 is reserved", m->name);
  if (get_domain(m, domain, err) == NULL) return LADON_ENOMEM;
  ladon_imap_unmap(m->context, rid, rid);
  ladon_imap_entry e = {.lo = rid, .hi = rid, .target = domain,
                        .perms = LADON_IMAP_RW, .id = rid};
  return ladon_imap_insert(m->context, &e, err);
}

void ladon__iommu_detach(ladon__iommu *m, uint16_t rid) {
  const ladon_imap_entry *e = ladon_imap_lookup(m->context, rid);
  if (e) flush(m, (uint32_t)e->target);
  ladon_imap_unmap(m->context, rid, rid);
}

ladon_status ladon__iommu_map(ladon__iommu *m, uint32_t domain, uint64_t iova,
                              uint64_t bytes, uint64_t phys, uint32_t perms,
                              unsigned page_shift, ladon_error *err) {
  if (page_shift != 12 && page_shift != 21 && page_shift != 30)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: page size 2^%u is not 4 KiB, 2 MiB or 1 GiB",
                            m->name, page_shift);
  if (bytes == 0)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "%s: empty mapping", m->name);
  domain_rec *d = get_domain(m, domain, err);
  if (d == NULL) return LADON_ENOMEM;
  ladon_imap_entry e = {.lo = iova, .hi = iova + bytes - 1, .target = phys,
                        .perms = perms, .page_shift = page_shift,
                        .id = (uint32_t)ladon_imap_count(d->map)};
  return ladon_imap_insert(d->map, &e, err);
}

void ladon__iommu_unmap(ladon__iommu *m, uint32_t domain, uint64_t iova,
                        uint64_t bytes) {
  domain_rec *d = find_domain(m, domain);
  if (d == NULL || bytes == 0) return;
  ladon_imap_unmap(d->map, iova, iova + bytes - 1);
  flush(m, domain); /* domain-selective invalidation (VT-d §6.5.2.4) */
}

const ladon_imap *ladon__iommu_domain_map(const ladon__iommu *m, uint32_t domain) {
  domain_rec *d = find_domain(m, domain);
  return d ? d->map : NULL;
}

const ladon_imap *ladon__iommu_context_map(const ladon__iommu *m) {
  return m->context;
}

ladon_status ladon__iommu_irte_set(ladon__iommu *m, uint32_t handle,
                                   const ladon__iommu_irte *irte,
                                   ladon_error *err) {
  if (handle > 0xffff)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s: interrupt handle %u beyond 65535", m->name,
                            handle);
  if (handle >= m->n_irte) {
    uint32_t n = handle + 1;
    ladon__iommu_irte *v = realloc(m->irte, n * sizeof *v);
    if (v) m->irte = v;
    bool *p = realloc(m->irte_present, n * sizeof *p);
    if (p) m->irte_present = p;
    if (v == NULL || p == NULL)
      return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                              "%s: out of memory", m->name);
    memset(m->irte_present + m->n_irte, 0, (n - m->n_irte) * sizeof *p);
    m->n_irte = n;
  }
  m->irte_present[handle] = irte != NULL;
  if (irte) m->irte[handle] = *irte;
  return LADON_OK;
}

uint32_t ladon__iommu_irte_count(const ladon__iommu *m) { return m->n_irte; }

bool ladon__iommu_irte_get(const ladon__iommu *m, uint32_t handle,
                           ladon__iommu_irte *out) {
  if (handle >= m->n_irte || !m->irte_present[handle]) return false;
  *out = m->irte[handle];
  return true;
}

const ladon__iommu_config *ladon__iommu_config_get(const ladon__iommu *m) {
  return &m->cfg;
}

static void record(ladon__iommu *m, uint16_t rid, uint64_t addr, bool write,
                   uint8_t reason) {
  if (m->n_faults == m->cap_faults) {
    size_t cap = m->cap_faults ? 2 * m->cap_faults : 16;
    ladon__iommu_fault *v = realloc(m->faults, cap * sizeof *v);
    if (v == NULL) return; /* the counters still count it */
    m->faults = v, m->cap_faults = cap;
  }
  m->faults[m->n_faults++] = (ladon__iommu_fault){
      ladon_sim_now(m->sim), rid, addr, (uint8_t)write, reason};
}

static tlb_entry *tlb_find(ladon__iommu *m, uint32_t domain, uint64_t iova) {
  static const uint8_t shifts[3] = {30, 21, 12};
  for (int s = 0; s < 3; s++) {
    uint64_t vpn = iova >> shifts[s];
    uint32_t set = (uint32_t)((vpn ^ domain) % m->sets);
    tlb_entry *w = &m->tlb[set * m->cfg.iotlb_ways];
    for (uint32_t k = 0; k < m->cfg.iotlb_ways; k++)
      if (w[k].lru && w[k].domain == domain && w[k].page_shift == shifts[s] &&
          w[k].vpn == vpn)
        return &w[k];
  }
  return NULL;
}

static void tlb_fill(ladon__iommu *m, uint32_t domain, uint64_t iova,
                     const ladon_imap_entry *e) {
  uint8_t shift = (uint8_t)(e->page_shift ? e->page_shift : 12);
  uint64_t vpn = iova >> shift;
  uint32_t set = (uint32_t)((vpn ^ domain) % m->sets);
  tlb_entry *w = &m->tlb[set * m->cfg.iotlb_ways], *victim = &w[0];
  for (uint32_t k = 1; k < m->cfg.iotlb_ways; k++)
    if (w[k].lru < victim->lru) victim = &w[k]; /* invalid (0) or LRU */
  uint64_t page = (iova >> shift) << shift;
  *victim = (tlb_entry){vpn, e->target + (page - e->lo), ++m->stamp, domain,
                        shift, (uint8_t)e->perms};
}

/* Levels a walk fetches for a page of `shift`, after the page-walk cache. */
static unsigned walk_levels(ladon__iommu *m, uint32_t domain, uint64_t iova,
                            unsigned shift) {
  unsigned levels = shift == 30 ? 2 : shift == 21 ? 3 : 4;
  if (m->cfg.pwc_entries == 0) return levels;
  /* The deepest cached upper entry: the PDE (for 4 KiB pages) covers
     2 MiB, the PDPE (for 4 KiB and 2 MiB pages) covers 1 GiB. */
  unsigned skip = 0;
  for (uint32_t i = 0; i < m->cfg.pwc_entries; i++) {
    pwc_entry *p = &m->pwc[i];
    if (!p->lru || p->domain != domain || p->tag != iova >> p->shift) continue;
    /* A cached PDE leaves only the PTE of a 4 KiB page to fetch; a cached
       PDPE leaves the PDE (and PTE) of 4 KiB and 2 MiB pages. */
    unsigned s = p->shift == 21 ? (shift == 12 ? 3 : 0) : (shift <= 21 ? 2 : 0);
    if (s > skip) skip = s, p->lru = ++m->stamp;
  }
  /* Remember the upper entries this walk fetched. */
  for (int which = 0; which < 2; which++) {
    uint8_t ps = which == 0 ? 30 : 21;
    if ((ps == 21 && shift != 12) || (ps == 30 && shift == 30)) continue;
    pwc_entry *victim = &m->pwc[0];
    bool present = false;
    for (uint32_t i = 0; i < m->cfg.pwc_entries; i++) {
      pwc_entry *p = &m->pwc[i];
      if (p->lru && p->domain == domain && p->shift == ps && p->tag == iova >> ps)
        present = true;
      if (p->lru < victim->lru) victim = p;
    }
    if (!present) *victim = (pwc_entry){iova >> ps, ++m->stamp, domain, ps};
  }
  return levels - skip;
}

/* The time from now until a walk of `walk_ps` is done: it takes the page
** walker that is idle first and waits for it. */
static ladon_time_ps walk_wait(ladon__iommu *m, ladon_time_ps walk_ps) {
  if (m->cfg.walkers == 0) return walk_ps;
  ladon_time_ps now = ladon_sim_now(m->sim);
  uint32_t w = 0;
  for (uint32_t i = 1; i < m->cfg.walkers; i++)
    if (m->walker_free_ps[i] < m->walker_free_ps[w]) w = i;
  ladon_time_ps start = m->walker_free_ps[w] > now ? m->walker_free_ps[w] : now;
  m->walker_free_ps[w] = start + walk_ps;
  return start + walk_ps - now;
}

void ladon__iommu_translate(ladon__iommu *m, const ladon_tlp *tlp,
                            ladon__iommu_result *out) {
  memset(out, 0, sizeof *out);
  ladon_tlp_type type = (ladon_tlp_type)tlp->type;
  bool write = type == LADON_TLP_MWR || type == LADON_TLP_FETCHADD ||
               type == LADON_TLP_SWAP || type == LADON_TLP_CAS;
  uint32_t need = write ? LADON_IMAP_W : LADON_IMAP_R;
  if (type == LADON_TLP_FETCHADD || type == LADON_TLP_SWAP || type == LADON_TLP_CAS)
    need |= LADON_IMAP_R;
  uint64_t len = (uint64_t)(tlp->length_dw ? tlp->length_dw : 1) * 4;
  uint64_t addr = tlp->addr, last = addr + len - 1;
  uint16_t rid = tlp->req_id;
  out->latency_ps = m->cfg.hit_latency_ps;
  uint8_t reason = 0;
  const ladon_imap_entry *ctx = ladon_imap_lookup(m->context, rid);
  if (m->cfg.address_width_bits < 64 && (last >> m->cfg.address_width_bits) != 0) {
    reason = 0x04; /* address beyond the guest address width */
  } else if (ctx == NULL) {
    reason = 0x02; /* context entry not present */
  } else {
    uint32_t domain = (uint32_t)ctx->target;
    out->domain = domain;
    tlb_entry *t = tlb_find(m, domain, addr);
    const domain_rec *d = find_domain(m, domain);
    const ladon_imap_entry *e = d ? ladon_imap_lookup(d->map, addr) : NULL;
    if (t != NULL && (last >> t->page_shift) == t->vpn) {
      ladon_counter_add(m->hits, 1);
      t->lru = ++m->stamp;
      if ((t->perms & need) == need) {
        out->ok = true;
        out->address = t->hpa_page + (addr & ((UINT64_C(1) << t->page_shift) - 1));
        out->entry = e;
        return;
      }
      reason = write ? 0x05 : 0x06;
    } else {
      ladon_counter_add(m->misses, 1);
      ladon_counter_add(m->walks, 1);
      unsigned shift = e && e->page_shift ? e->page_shift : 12;
      unsigned levels = walk_levels(m, domain, addr, shift);
      ladon_counter_add(m->walk_accesses, levels);
      out->latency_ps += walk_wait(m, (ladon_time_ps)levels * m->cfg.walk_access_ps);
      uint64_t hpa;
      ladon_imap_result r = d ? ladon_imap_translate(d->map, addr, len, need, &hpa, &e)
                              : LADON_IMAP_MISS;
      if (r == LADON_IMAP_SPLIT) {
        /* Runs into the next page-table entry: fine if that maps the rest
           contiguously with the same rights. */
        uint64_t hpa_last;
        const ladon_imap_entry *e2;
        if (ladon_imap_translate(d->map, e->hi + 1, last - e->hi, need,
                                 &hpa_last, &e2) == LADON_IMAP_HIT &&
            hpa_last == e->target + (e->hi + 1 - e->lo)) {
          r = LADON_IMAP_HIT;
          hpa = e->target + (addr - e->lo);
        }
      }
      out->entry = e;
      if (r == LADON_IMAP_HIT) {
        tlb_fill(m, domain, addr, e);
        out->ok = true;
        out->address = hpa;
        return;
      }
      /* A non-present PTE has neither R nor W (VT-d §7.1.3): 0x05 for
         writes, 0x06 for reads, like a present one without the right. */
      reason = write ? 0x05 : 0x06;
    }
  }
  out->ok = false;
  out->fault_reason = reason;
  ladon_counter_add(m->n_fault, 1);
  record(m, rid, addr, write, reason);
}

bool ladon__iommu_irte_sid_ok(const ladon__iommu_irte *e, uint16_t rid) {
  if (e->sid_verify == 1) {
    /* SQ masks function bits of the comparison (VT-d Table 9-x). */
    static const uint16_t sq_mask[4] = {0xffff, 0xfffb, 0xfff9, 0xfff8};
    uint16_t mask = sq_mask[e->sid_qualifier & 3];
    return (rid & mask) == (e->source_id & mask);
  }
  if (e->sid_verify == 2) { /* SID holds a bus range: start << 8 | end */
    unsigned bus = rid >> 8;
    return bus >= (unsigned)(e->source_id >> 8) && bus <= (e->source_id & 0xffu);
  }
  return true;
}

bool ladon__iommu_remap_msi(ladon__iommu *m, uint16_t rid, uint64_t addr,
                            uint32_t data, uint32_t *dest_cpu,
                            uint8_t *vector) {
  uint8_t reason = 0;
  /* Remappable format (VT-d §5.1.2.2): address bit 4 set; handle[14:0] in
     bits 19:5, handle[15] in bit 2; with SHV (bit 3) the data's low 16
     bits are added as a subhandle. */
  if (!(addr & 0x10)) {
    reason = 0x25; /* compatibility-format interrupt blocked */
  } else {
    uint32_t handle = (uint32_t)(((addr >> 5) & 0x7fff) | ((addr >> 2) & 1) << 15);
    if (addr & 0x8) handle += data & 0xffff;
    if (handle >= m->n_irte && handle > 0xffff) {
      reason = 0x21; /* index beyond the table */
    } else if (handle >= m->n_irte || !m->irte_present[handle]) {
      reason = 0x22; /* IRTE not present */
    } else {
      const ladon__iommu_irte *e = &m->irte[handle];
      if (ladon__iommu_irte_sid_ok(e, rid)) {
        *dest_cpu = e->dest_cpu;
        *vector = e->vector;
        return true;
      }
      reason = 0x26; /* source-id verification failed */
    }
  }
  ladon_counter_add(m->n_ir_fault, 1);
  record(m, rid, addr, true, reason);
  return false;
}

size_t ladon__iommu_fault_count(const ladon__iommu *m) { return m->n_faults; }

const ladon__iommu_fault *ladon__iommu_fault_at(const ladon__iommu *m, size_t i) {
  return i < m->n_faults ? &m->faults[i] : NULL;
}
