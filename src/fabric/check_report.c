/*
** The check's result: records, notes, probes; the public accessors and the
** text and JSON reports (docs/check.md).
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/check_int.h"
#include "sim/error_int.h"

static bool same_target_run(const ladon_check *c, const ck_reach *p, uint32_t req, uint8_t access, uint64_t lo,
                            const ck_target *t, const char *chain) {
  if (p->req != req || p->access != access || p->hi + 1 != lo || p->hi == UINT64_MAX)
    return false;
  if (p->t.kind != t->kind || p->t.stop != t->stop || p->t.fault != t->fault ||
      p->t.rid != t->rid || p->t.comp != t->comp || p->t.fn != t->fn || p->probe_set)
    return false;
  /* Memory, BARs and registers continue linearly; stops need no address. */
  if (t->kind == CK_T_MEM || t->kind == CK_T_BAR || t->kind == CK_T_REG ||
      (t->kind == CK_T_STOP && (t->stop == CK_STOP_IOMMU || t->stop == CK_STOP_IR))) {
    if (p->t.at + (p->hi - p->lo) + 1 != t->at) return false;
  }
  if (t->kind == CK_T_MEM) {
    uint64_t e1, e2;
    if (ladon__ck_mem_owner(c, t->comp, p->t.at, &e1) != ladon__ck_mem_owner(c, t->comp, t->at, &e2))
      return false;
  } else if (p->t.at != t->at) {
    return false;
  }
  if (t->kind == CK_T_STOP && (t->stop == CK_STOP_IOMMU || t->stop == CK_STOP_IR)) {
    /* handled above: linear */
  }
  return strcmp(p->chain, chain) == 0;
}

void ladon__ck_add(ladon_check *c, uint32_t req, uint8_t access, uint64_t lo, uint64_t hi,
                   const ck_target *t, const char *chain, bool crossed) {
  if (c->n_reach) {
    ck_reach *p = &c->reach[c->n_reach - 1];
    if (same_target_run(c, p, req, access, lo, t, chain)) {
      p->hi = hi;
      return;
    }
  }
  if (req != c->cur_req) c->cur_req = req, c->cur_count = 0;
  if (++c->cur_count > CK_MAX_RECORDS_PER_REQUESTER) {
    if (c->cur_count == CK_MAX_RECORDS_PER_REQUESTER + 1)
      ladon__ck_note(c, "%s: more than %u ranges; the rest of its walk is not reported",
                     c->reqs[req].name, CK_MAX_RECORDS_PER_REQUESTER);
    return;
  }
  if (c->n_reach == c->cap_reach) {
    size_t cap = c->cap_reach ? 2 * c->cap_reach : 256;
    ck_reach *v = realloc(c->reach, cap * sizeof *v);
    if (v == NULL) {
      c->oom = true;
      return;
    }
    c->reach = v, c->cap_reach = cap;
  }
  ck_reach *r = &c->reach[c->n_reach];
  memset(r, 0, sizeof *r);
  r->req = req;
  r->access = access;
  r->lo = lo;
  r->hi = hi;
  r->t = *t;
  r->chain = strdup(chain);
  if (r->chain == NULL) {
    c->oom = true;
    return;
  }
  c->n_reach++;
  ladon__ck_judge(c, r, crossed);
}

void ladon__ck_note(ladon_check *c, const char *fmt, ...) {
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  for (size_t i = 0; i < c->n_notes; i++)
    if (!strcmp(c->notes[i], buf)) return;
  if (c->n_notes == c->cap_notes) {
    size_t cap = c->cap_notes ? 2 * c->cap_notes : 16;
    char **v = realloc(c->notes, cap * sizeof *v);
    if (v == NULL) {
      c->oom = true;
      return;
    }
    c->notes = v, c->cap_notes = cap;
  }
  c->notes[c->n_notes] = strdup(buf);
  if (c->notes[c->n_notes]) c->n_notes++;
  else c->oom = true;
}

/* Owned strings of the public views live in one block per record. */
void ladon__ck_finish(ladon_check *c) {
  c->n_violations = 0;
  for (size_t i = 0; i < c->n_reach; i++) {
    ck_reach *r = &c->reach[i];
    char target[400];
    if (r->t.fault == 0xff && r->t.kind == CK_T_STOP) {
      char rs[16];
      ladon__ck_rid(r->t.rid, rs);
      snprintf(target, sizeof target, "any address with requester ID %s", rs);
    } else {
      ladon__ck_target_text(c, &r->t, r->lo, r->hi, target, sizeof target);
    }
    free((char *)r->pub.target);
    r->pub.target = strdup(target);
    if (r->pub.target == NULL) c->oom = true;
    r->pub.requester = c->reqs[r->req].name;
    r->pub.access = r->access == LADON_IMAP_W ? "write" : "read";
    r->pub.lo = r->lo;
    r->pub.hi = r->hi;
    r->pub.kind = r->t.kind == CK_T_MEM   ? LADON_CHECK_MEMORY
                  : r->t.kind == CK_T_BAR ? LADON_CHECK_BAR
                  : r->t.kind == CK_T_REG ? LADON_CHECK_REGISTERS
                  : r->t.kind == CK_T_IRQ ? LADON_CHECK_INTERRUPT
                                          : LADON_CHECK_STOP;
    r->pub.requester_id = r->t.rid;
    r->pub.fault_reason = r->t.stop == CK_STOP_IOMMU || r->t.stop == CK_STOP_IR ? r->t.fault : 0;
    r->pub.chain = r->chain;
    r->pub.verdict = (ladon_check_verdict)r->verdict;
    r->pub.why = r->why ? r->why : "";
    if (r->verdict == LADON_CHECK_VIOLATION) c->n_violations++;
  }
  free(c->viol);
  c->viol = calloc(c->n_violations ? c->n_violations : 1, sizeof *c->viol);
  if (c->viol == NULL) {
    c->oom = true;
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < c->n_reach; i++)
    if (c->reach[i].verdict == LADON_CHECK_VIOLATION) c->viol[k++] = &c->reach[i].pub;
  c->n_disagree = 0;
  for (size_t i = 0; i < c->n_probes; i++)
    if (!c->probes[i].pub.agree) c->n_disagree++;
}

/* ---- public accessors ------------------------------------------------------ */

void ladon_check_free(ladon_check *c) {
  if (c == NULL) return;
  ladon__ck_static_free(c);
  for (size_t i = 0; i < c->n_reach; i++) {
    free(c->reach[i].chain);
    free(c->reach[i].why);
    free((char *)c->reach[i].pub.target);
  }
  for (size_t i = 0; i < c->n_notes; i++) free(c->notes[i]);
  for (size_t i = 0; i < c->n_probes; i++) {
    free(c->probes[i].text_expected);
    free(c->probes[i].text_observed);
  }
  free(c->reach);
  free(c->reqs);
  free(c->notes);
  free(c->probes);
  free(c->viol);
  free(c);
}

void ladon_check_summary_get(const ladon_check *c, ladon_check_summary *out) {
  memset(out, 0, sizeof *out);
  if (c == NULL) return;
  out->requesters = c->n_reqs;
  out->reaches = c->n_reach;
  out->violations = c->n_violations;
  out->notes = c->n_notes;
  out->probes = c->n_probes;
  out->probes_wanted = c->probes_wanted;
  out->disagreements = c->n_disagree;
}

bool ladon_check_ok(const ladon_check *c) {
  return c && c->n_violations == 0 && c->n_disagree == 0;
}

size_t ladon_check_reach_count(const ladon_check *c) { return c ? c->n_reach : 0; }

const ladon_check_reach *ladon_check_reach_at(const ladon_check *c, size_t i) {
  return c && i < c->n_reach ? &c->reach[i].pub : NULL;
}

size_t ladon_check_violation_count(const ladon_check *c) { return c ? c->n_violations : 0; }

const ladon_check_reach *ladon_check_violation_at(const ladon_check *c, size_t i) {
  return c && i < c->n_violations ? c->viol[i] : NULL;
}

size_t ladon_check_probe_count(const ladon_check *c) { return c ? c->n_probes : 0; }

const ladon_check_probe *ladon_check_probe_at(const ladon_check *c, size_t i) {
  return c && i < c->n_probes ? &c->probes[i].pub : NULL;
}

size_t ladon_check_note_count(const ladon_check *c) { return c ? c->n_notes : 0; }

const char *ladon_check_note_at(const ladon_check *c, size_t i) {
  return c && i < c->n_notes ? c->notes[i] : NULL;
}

/* ---- text ------------------------------------------------------------------ */

static void reach_line(FILE *out, const ladon_check_reach *r) {
  const char *verb = r->kind == LADON_CHECK_STOP ? "is" : "can";
  if (r->kind == LADON_CHECK_STOP)
    fprintf(out, "%s %s [0x%" PRIx64 "-0x%" PRIx64 "]: %s via %s", r->requester, r->access,
            r->lo, r->hi, r->target, r->chain);
  else
    fprintf(out, "%s %s %s %s (from [0x%" PRIx64 "-0x%" PRIx64 "]) via %s", r->requester, verb,
            r->access, r->target, r->lo, r->hi, r->chain);
}

ladon_status ladon_check_write_text(const ladon_check *c, bool verbose, FILE *out) {
  if (c == NULL || out == NULL) return LADON_EINVAL;
  for (size_t i = 0; i < c->n_violations; i++) {
    const ladon_check_reach *r = c->viol[i];
    fprintf(out, "VIOLATION: ");
    if (r->kind == LADON_CHECK_STOP)
      fprintf(out, "%s: %s: %s", r->requester, r->why, r->chain);
    else
      reach_line(out, r);
    if (r->kind != LADON_CHECK_STOP) fprintf(out, " [%s]", r->why);
    fputc('\n', out);
  }
  for (size_t i = 0; i < c->n_probes; i++) {
    const ladon_check_probe *p = &c->probes[i].pub;
    if (p->agree) continue;
    fprintf(out, "DISAGREEMENT: probe %s %s 0x%" PRIx64 ": static says %s; simulation shows %s\n",
            p->requester, p->access, p->addr, p->expected, p->observed);
  }
  for (size_t i = 0; i < c->n_notes; i++) fprintf(out, "note: %s\n", c->notes[i]);
  if (verbose)
    for (size_t i = 0; i < c->n_reach; i++) {
      const ladon_check_reach *r = &c->reach[i].pub;
      fprintf(out, "%s ",
              r->verdict == LADON_CHECK_VIOLATION ? "violation"
              : r->verdict == LADON_CHECK_STOPPED ? "stopped  "
                                                  : "allowed  ");
      reach_line(out, r);
      fputc('\n', out);
    }
  fprintf(out,
          "%s: %zu requesters, %zu ranges, %zu violations; %zu probes (%zu called for), "
          "%zu disagreements\n",
          ladon_check_ok(c) ? "isolation holds" : "isolation BROKEN", c->n_reqs, c->n_reach,
          c->n_violations, c->n_probes, c->probes_wanted, c->n_disagree);
  return ferror(out) ? LADON_EIO : LADON_OK;
}

/* ---- JSON -------------------------------------------------------------------- */

static void jstr(FILE *out, const char *s) {
  fputc('"', out);
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
    else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
    else fputc(ch, out);
  }
  fputc('"', out);
}

static const char *kind_name(ladon_check_kind k) {
  static const char *const n[] = {"memory", "bar", "registers", "interrupt", "stop"};
  return (unsigned)k < 5 ? n[k] : "?";
}

static const char *verdict_name(ladon_check_verdict v) {
  return v == LADON_CHECK_VIOLATION ? "violation" : v == LADON_CHECK_STOPPED ? "stopped"
                                                                              : "allowed";
}

static void reach_json(FILE *out, const ladon_check_reach *r) {
  fprintf(out, "{\"requester\": ");
  jstr(out, r->requester);
  fprintf(out, ", \"access\": \"%s\", \"lo\": \"0x%" PRIx64 "\", \"hi\": \"0x%" PRIx64
               "\", \"kind\": \"%s\", \"target\": ",
          r->access, r->lo, r->hi, kind_name(r->kind));
  jstr(out, r->target);
  fprintf(out, ", \"requester_id\": \"%02x:%02x.%x\", \"fault_reason\": %u, \"verdict\": \"%s\", "
               "\"why\": ",
          r->requester_id >> 8, (r->requester_id >> 3) & 31, r->requester_id & 7,
          r->fault_reason, verdict_name(r->verdict));
  jstr(out, r->why);
  fprintf(out, ", \"chain\": ");
  jstr(out, r->chain);
  fputc('}', out);
}

ladon_status ladon_check_write_json(const ladon_check *c, FILE *out) {
  if (c == NULL || out == NULL) return LADON_EINVAL;
  fprintf(out, "{\n  \"tool\": \"ladon check\",\n  \"topology\": ");
  jstr(out, ladon_fabric_name(c->f));
  fprintf(out, ",\n  \"ok\": %s,\n  \"summary\": {\"requesters\": %zu, \"reaches\": %zu, "
               "\"violations\": %zu, \"notes\": %zu, \"probes\": %zu, \"probes_wanted\": %zu, "
               "\"disagreements\": %zu},\n",
          ladon_check_ok(c) ? "true" : "false", c->n_reqs, c->n_reach, c->n_violations,
          c->n_notes, c->n_probes, c->probes_wanted, c->n_disagree);
  fprintf(out, "  \"violations\": [");
  for (size_t i = 0; i < c->n_violations; i++) {
    fprintf(out, "%s\n    ", i ? "," : "");
    reach_json(out, c->viol[i]);
  }
  fprintf(out, "%s],\n  \"reaches\": [", c->n_violations ? "\n  " : "");
  for (size_t i = 0; i < c->n_reach; i++) {
    fprintf(out, "%s\n    ", i ? "," : "");
    reach_json(out, &c->reach[i].pub);
  }
  fprintf(out, "%s],\n  \"probes\": [", c->n_reach ? "\n  " : "");
  for (size_t i = 0; i < c->n_probes; i++) {
    const ladon_check_probe *p = &c->probes[i].pub;
    fprintf(out, "%s\n    {\"requester\": ", i ? "," : "");
    jstr(out, p->requester);
    fprintf(out, ", \"access\": \"%s\", \"addr\": \"0x%" PRIx64 "\", \"expected\": ", p->access,
            p->addr);
    jstr(out, p->expected);
    fprintf(out, ", \"observed\": ");
    jstr(out, p->observed);
    fprintf(out, ", \"agree\": %s}", p->agree ? "true" : "false");
  }
  fprintf(out, "%s],\n  \"notes\": [", c->n_probes ? "\n  " : "");
  for (size_t i = 0; i < c->n_notes; i++) {
    fprintf(out, "%s\n    ", i ? "," : "");
    jstr(out, c->notes[i]);
  }
  fprintf(out, "%s]\n}\n", c->n_notes ? "\n  " : "");
  return ferror(out) ? LADON_EIO : LADON_OK;
}
