/*
** Waveforms: a run's link activity as a Value Change Dump (IEEE 1364-2005
** §18) that GTKWave and Surfer open.  Per link direction one wire `busy`
** (a TLP on the wire) and a 32-bit `queued` (TLPs waiting in the transmit
** queues when a TLP starts).  A transmission is announced when it is
** scheduled, before simulated time reaches it, so changes are collected and
** written in time order when the dump is closed.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "sim/error_int.h"

typedef struct vcd_change {
  ladon_time_ps t;
  uint64_t seq;     /* order of announcement, ties broken by it */
  uint32_t sig;     /* 2 * track + 0 busy, + 1 queued */
  uint32_t value;
} vcd_change;

struct ladon_vcd {
  ladon_fabric *fabric;
  FILE *out;
  vcd_change *ch;
  size_t n, cap, max;
  uint64_t dropped;
  ladon_time_ps *last_end; /* per track (2 * link + dir) */
};

static void add(ladon_vcd *v, ladon_time_ps t, uint32_t sig, uint32_t value) {
  if (v->n == v->max) {
    v->dropped++;
    return;
  }
  if (v->n == v->cap) {
    size_t ncap = v->cap ? 2 * v->cap : 4096;
    vcd_change *n = realloc(v->ch, ncap * sizeof *n);
    if (n == NULL) {
      v->dropped++;
      return;
    }
    v->ch = n;
    v->cap = ncap;
  }
  v->ch[v->n].t = t;
  v->ch[v->n].seq = v->n;
  v->ch[v->n].sig = sig;
  v->ch[v->n].value = value;
  v->n++;
}

static void on_wire(void *ctx, const ladon_link *link, unsigned dir,
                    const ladon_tlp *tlp, ladon_time_ps start_ps,
                    ladon_time_ps end_ps, bool replay, uint32_t queued) {
  ladon_vcd *v = ctx;
  size_t i, n = ladon_fabric_link_count(v->fabric);
  (void)tlp;
  (void)replay;
  for (i = 0; i < n; i++)
    if (ladon_fabric_link(v->fabric, i) == link) break;
  uint32_t tr = (uint32_t)(2 * i + dir);
  /* Packets sharing a symbol time overlap by less than a symbol; the wire
  ** shows them back to back (as the timeline does). */
  if (start_ps < v->last_end[tr]) start_ps = v->last_end[tr];
  if (end_ps < start_ps) end_ps = start_ps;
  v->last_end[tr] = end_ps;
  add(v, start_ps, 2 * tr + 1, queued);
  add(v, start_ps, 2 * tr, 1);
  add(v, end_ps, 2 * tr, 0);
}

static const ladon_link_observer observer = {on_wire, NULL};

ladon_vcd *ladon_fabric_vcd_open(ladon_fabric *f, FILE *out, uint64_t max_changes,
                                 ladon_error *err) {
  size_t i, n;
  ladon_vcd *v;
  if (f == NULL || out == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "vcd: no fabric or file");
    return NULL;
  }
  n = ladon_fabric_link_count(f);
  v = calloc(1, sizeof *v);
  if (v) v->last_end = calloc(2 * n + 1, sizeof *v->last_end);
  if (v == NULL || v->last_end == NULL) {
    free(v);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  v->fabric = f;
  v->out = out;
  v->max = max_changes ? (size_t)max_changes : LADON_VCD_DEFAULT_MAX;
  for (i = 0; i < n; i++) {
    if (ladon_link_observe(ladon_fabric_link(f, i), &observer, v) != LADON_OK) {
      while (i--) ladon_link_unobserve(ladon_fabric_link(f, i), v);
      free(v->last_end);
      free(v);
      ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                       "vcd: a link has too many observers");
      return NULL;
    }
  }
  return v;
}

static int cmp_change(const void *a, const void *b) {
  const vcd_change *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Identifier codes: printable ASCII '!'..'~' in base 94 (§18.2.1). */
static void put_id(FILE *o, uint32_t sig) {
  do {
    fputc('!' + (int)(sig % 94u), o);
    sig /= 94u;
  } while (sig);
}

static void put_value(FILE *o, uint32_t sig, uint32_t value) {
  if (sig % 2 == 0) {
    fputc(value ? '1' : '0', o);
  } else {
    int b;
    fputc('b', o);
    for (b = 31; b > 0 && !(value >> b & 1u); b--) {
    }
    for (; b >= 0; b--) fputc('0' + (int)(value >> b & 1u), o);
    fputc(' ', o);
  }
  put_id(o, sig);
  fputc('\n', o);
}

ladon_status ladon_vcd_close(ladon_vcd *v) {
  size_t i, j, n;
  uint32_t nsig, *cur, *pend;
  int bad;
  FILE *o;
  if (v == NULL) return LADON_OK;
  o = v->out;
  n = ladon_fabric_link_count(v->fabric);
  for (i = 0; i < n; i++) ladon_link_unobserve(ladon_fabric_link(v->fabric, i), v);
  nsig = (uint32_t)(4 * n);
  cur = calloc(nsig + 1, sizeof *cur);
  pend = calloc(nsig + 1, sizeof *pend);
  if (cur == NULL || pend == NULL) {
    free(cur);
    free(pend);
    free(v->ch);
    free(v->last_end);
    free(v);
    return LADON_ENOMEM;
  }
  /* No $date: the same run gives the same bytes. */
  fprintf(o, "$version ladon $end\n");
  if (v->dropped)
    fprintf(o, "$comment truncated: %" PRIu64 " value changes beyond the cap "
               "of %zu were dropped $end\n", v->dropped, v->max);
  fprintf(o, "$timescale 1 ps $end\n$scope module fabric $end\n");
  for (i = 0; i < n; i++) {
    unsigned d;
    fprintf(o, "$scope module %s $end\n", ladon_link_name(ladon_fabric_link(v->fabric, i)));
    for (d = 0; d < 2; d++) {
      const char *dn = d == LADON_LINK_DOWN ? "down" : "up";
      uint32_t tr = (uint32_t)(2 * i + d);
      fputs("$var wire 1 ", o);
      put_id(o, 2 * tr);
      fprintf(o, " %s_busy $end\n$var integer 32 ", dn);
      put_id(o, 2 * tr + 1);
      fprintf(o, " %s_queued $end\n", dn);
    }
    fputs("$upscope $end\n", o);
  }
  fputs("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n", o);
  for (i = 0; i < nsig; i++) put_value(o, (uint32_t)i, 0);
  fputs("$end\n", o);
  qsort(v->ch, v->n, sizeof *v->ch, cmp_change);
  /* One time group at a time: the last value announced for a signal at a
  ** time wins (a TLP ending where the next begins keeps the wire busy);
  ** only real changes are written. */
  for (i = 0; i < v->n; i = j) {
    bool stamped = false;
    for (j = i; j < v->n && v->ch[j].t == v->ch[i].t; j++) pend[v->ch[j].sig] = v->ch[j].value + 1u;
    for (j = i; j < v->n && v->ch[j].t == v->ch[i].t; j++) {
      uint32_t s = v->ch[j].sig;
      if (pend[s] == 0) continue;
      if (pend[s] - 1u != cur[s]) {
        if (!stamped) fprintf(o, "#%" PRIu64 "\n", v->ch[i].t);
        stamped = true;
        cur[s] = pend[s] - 1u;
        put_value(o, s, cur[s]);
      }
      pend[s] = 0;
    }
  }
  bad = ferror(o);
  free(cur);
  free(pend);
  free(v->ch);
  free(v->last_end);
  free(v);
  return bad ? LADON_EIO : LADON_OK;
}
