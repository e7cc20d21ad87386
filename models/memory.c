/*
** Host memory: the sparse page store and the channel servers (memory.h).
*/
#include "models/memory.h"

#include <stdlib.h>
#include <string.h>

#include "sim/error_int.h"

#define PS_PER_S 1000000000000ull

/* Bandwidths above this could overflow the occupancy fraction. */
#define MAX_BANDWIDTH 1000000000000000000ull /* 1 EB/s */

/* One slot of the page table: page number -> page bytes. */
typedef struct page_slot {
  uint64_t page; /* page number + 1; 0 marks an empty slot */
  uint8_t *bytes;
} page_slot;

/*
** A channel's backlog: its work ends at base + rem / bandwidth ps, with
** 0 <= rem < bandwidth.  Exact, so long saturated runs do not drift.
*/
typedef struct channel {
  ladon_time_ps base;
  uint64_t rem;
} channel;

struct ladon__memory {
  char *name;
  ladon__memory_config cfg;
  page_slot *slots; /* open addressing, linear probing */
  size_t cap;       /* power of two */
  size_t used;
  uint64_t line_num; /* line occupancy in ps, times the bandwidth */
  uint64_t line_q, line_r; /* line_num / bandwidth and its remainder */
  channel *chan;
  uint64_t lines, bytes;
};

static size_t slot_of(uint64_t key, size_t cap) {
  /* Fibonacci hashing spreads consecutive pages over the table. */
  return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

ladon__memory *ladon__memory_new(const char *name,
                                 const ladon__memory_config *cfg,
                                 ladon_error *err) {
  ladon__memory *m;
  const char *n = name ? name : "memory";
  if (!cfg) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "%s: no configuration", n);
    return NULL;
  }
  if (cfg->size_bytes == 0 || cfg->size_bytes % LADON__MEMORY_PAGE_BYTES) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: parameter 'memory': %llu bytes is not a positive "
                     "multiple of %u",
                     n, (unsigned long long)cfg->size_bytes,
                     LADON__MEMORY_PAGE_BYTES);
    return NULL;
  }
  if (cfg->bandwidth_bytes_per_s == 0 ||
      cfg->bandwidth_bytes_per_s > MAX_BANDWIDTH) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: parameter 'memory_bandwidth' must be between 1 B/s "
                     "and 1EB/s",
                     n);
    return NULL;
  }
  if (cfg->channels == 0 || cfg->channels > LADON__MEMORY_MAX_CHANNELS) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                     "%s: parameter 'memory_channels': %u is not in 1..%u", n,
                     cfg->channels, LADON__MEMORY_MAX_CHANNELS);
    return NULL;
  }
  m = calloc(1, sizeof *m);
  if (m) {
    m->name = strdup(n);
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof *m->slots);
    m->chan = calloc(cfg->channels, sizeof *m->chan);
  }
  if (!m || !m->name || !m->slots || !m->chan) {
    ladon__memory_free(m);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "%s: out of memory", n);
    return NULL;
  }
  m->cfg = *cfg;
  /* One line takes LINE * channels / bandwidth seconds of its channel. */
  m->line_num = (uint64_t)LADON__MEMORY_LINE_BYTES * cfg->channels * PS_PER_S;
  m->line_q = m->line_num / cfg->bandwidth_bytes_per_s;
  m->line_r = m->line_num % cfg->bandwidth_bytes_per_s;
  return m;
}

void ladon__memory_free(ladon__memory *mem) {
  if (!mem) return;
  if (mem->slots)
    for (size_t i = 0; i < mem->cap; i++) free(mem->slots[i].bytes);
  free(mem->slots);
  free(mem->chan);
  free(mem->name);
  free(mem);
}

const ladon__memory_config *ladon__memory_config_of(const ladon__memory *mem) {
  return &mem->cfg;
}

/* ---- page table --------------------------------------------------------- */

static uint8_t *page_find(const ladon__memory *m, uint64_t page) {
  size_t i = slot_of(page, m->cap);
  while (m->slots[i].page) {
    if (m->slots[i].page == page + 1) return m->slots[i].bytes;
    i = (i + 1) & (m->cap - 1);
  }
  return NULL;
}

static int grow(ladon__memory *m) {
  size_t ncap = m->cap * 2;
  page_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return -1;
  for (size_t i = 0; i < m->cap; i++) {
    size_t j;
    if (!m->slots[i].page) continue;
    j = slot_of(m->slots[i].page - 1, ncap);
    while (ns[j].page) j = (j + 1) & (ncap - 1);
    ns[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

static uint8_t *page_get(ladon__memory *m, uint64_t page) {
  uint8_t *p = page_find(m, page);
  size_t i;
  if (p) return p;
  if ((m->used + 1) * 2 > m->cap && grow(m) != 0) return NULL;
  p = calloc(1, LADON__MEMORY_PAGE_BYTES);
  if (!p) return NULL;
  i = slot_of(page, m->cap);
  while (m->slots[i].page) i = (i + 1) & (m->cap - 1);
  m->slots[i].page = page + 1;
  m->slots[i].bytes = p;
  m->used++;
  return p;
}

static int in_range(const ladon__memory *m, uint64_t addr, size_t n) {
  return addr <= m->cfg.size_bytes && n <= m->cfg.size_bytes - addr;
}

ladon_status ladon__memory_write(ladon__memory *mem, uint64_t addr,
                                 const void *src, size_t n) {
  const uint8_t *s = src;
  if (!mem || (n && !src)) return LADON_EINVAL;
  if (!in_range(mem, addr, n)) return LADON_ERANGE;
  while (n) {
    uint64_t page = addr / LADON__MEMORY_PAGE_BYTES;
    size_t off = (size_t)(addr % LADON__MEMORY_PAGE_BYTES);
    size_t k = LADON__MEMORY_PAGE_BYTES - off;
    uint8_t *p;
    if (k > n) k = n;
    p = page_get(mem, page);
    if (!p) return LADON_ENOMEM;
    memcpy(p + off, s, k);
    s += k;
    addr += k;
    n -= k;
  }
  return LADON_OK;
}

ladon_status ladon__memory_read(const ladon__memory *mem, uint64_t addr,
                                void *dst, size_t n) {
  uint8_t *d = dst;
  if (!mem || (n && !dst)) return LADON_EINVAL;
  if (!in_range(mem, addr, n)) return LADON_ERANGE;
  while (n) {
    uint64_t page = addr / LADON__MEMORY_PAGE_BYTES;
    size_t off = (size_t)(addr % LADON__MEMORY_PAGE_BYTES);
    size_t k = LADON__MEMORY_PAGE_BYTES - off;
    const uint8_t *p;
    if (k > n) k = n;
    p = page_find(mem, page);
    if (p)
      memcpy(d, p + off, k);
    else
      memset(d, 0, k);
    d += k;
    addr += k;
    n -= k;
  }
  return LADON_OK;
}

size_t ladon__memory_pages(const ladon__memory *mem) {
  return mem ? mem->used : 0;
}

/* ---- channels ----------------------------------------------------------- */

ladon_time_ps ladon__memory_access(ladon__memory *mem, ladon_time_ps now,
                                   uint64_t addr, uint32_t bytes) {
  uint64_t bw = mem->cfg.bandwidth_bytes_per_s;
  uint64_t first = addr / LADON__MEMORY_LINE_BYTES;
  uint64_t last = (addr + (bytes ? bytes : 1) - 1) / LADON__MEMORY_LINE_BYTES;
  ladon_time_ps done = now;
  for (uint64_t l = first; l <= last; l++) {
    channel *c = &mem->chan[l % mem->cfg.channels];
    ladon_time_ps end;
    /* Idle when its work ended at or before now: start a new busy period. */
    if (c->base < now || (c->base == now && c->rem == 0)) {
      c->base = now;
      c->rem = 0;
    }
    /* base + rem / bw advances by line_num / bw, carried exactly. */
    c->base += mem->line_q;
    c->rem += mem->line_r;
    if (c->rem >= bw) {
      c->rem -= bw;
      c->base++;
    }
    end = c->base + (c->rem != 0);
    if (end > done) done = end;
  }
  mem->lines += last - first + 1;
  mem->bytes += bytes;
  return done + mem->cfg.latency_ps;
}

void ladon__memory_line_cost(const ladon__memory *mem, uint64_t *num,
                             uint64_t *den) {
  if (num) *num = mem->line_num;
  if (den) *den = mem->cfg.bandwidth_bytes_per_s;
}

uint64_t ladon__memory_lines(const ladon__memory *mem) { return mem->lines; }
uint64_t ladon__memory_bytes(const ladon__memory *mem) { return mem->bytes; }
