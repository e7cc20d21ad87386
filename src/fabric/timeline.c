/*
** Timelines: a run as Chrome trace-event JSON (the format Perfetto and
** chrome://tracing open).  One track (pid 1, tid 1 + 2 * link + dir) per link
** direction with an "X" slice per TLP on the wire; "b"/"e" async slices for
** each non-posted request from its first appearance on a wire to the last
** delivery of its last completion, matched by requester ID and tag; "s"/"f"
** flow arrows from the request's slice to its first completion's slice;
** "C" counters of the TLPs queued behind each transmission.  Times are
** microseconds (the format's unit), written exactly from picoseconds.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "sim/error_int.h"

typedef struct tl_req {
  uint32_t key;        /* req_id << 10 | tag, + 1 (0 = empty slot) */
  uint64_t id;         /* async and flow id */
  ladon_time_ps end_ps;
  bool done;           /* its last completion was delivered somewhere */
  bool flowed;         /* the flow arrow has its end */
} tl_req;

struct ladon_timeline {
  ladon_fabric *fabric;
  FILE *out;
  uint64_t max_events, events, dropped, next_id;
  bool first;
  tl_req *reqs;        /* open addressing, power-of-two capacity */
  size_t cap, used;
  uint32_t *last_queued; /* per track: last counter value + 1 (0 = none) */
  ladon_time_ps *last_end; /* per track: end of its last slice */
  uint64_t *tlps_at_open;  /* per track: the link's TLP counter at open */
};

static void put_ts(FILE *o, ladon_time_ps ps) {
  fprintf(o, "%" PRIu64 ".%06" PRIu64, ps / 1000000u, ps % 1000000u);
}

static void put_str(FILE *o, const char *s) {
  fputc('"', o);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(o, "\\%c", c);
    else if (c < 0x20) fprintf(o, "\\u%04x", c);
    else fputc(c, o);
  }
  fputc('"', o);
}

/* Starts an event: the separator, then '{'.  False when the cap is hit
** (`forced` events -- ends of async slices already begun -- always go). */
static bool begin(ladon_timeline *t, bool forced) {
  if (!forced && t->events >= t->max_events) {
    t->dropped++;
    return false;
  }
  t->events++;
  fputs(t->first ? "\n{" : ",\n{", t->out);
  t->first = false;
  return true;
}

static unsigned track(const ladon_timeline *t, const ladon_link *link,
                      unsigned dir) {
  size_t n = ladon_fabric_link_count(t->fabric), i;
  for (i = 0; i < n; i++)
    if (ladon_fabric_link(t->fabric, i) == link) break;
  return 1u + 2u * (unsigned)i + dir;
}

static uint32_t req_key(uint16_t req_id, uint16_t tag) {
  return ((uint32_t)req_id << 10 | (tag & 0x3ffu)) + 1u;
}

static tl_req *req_slot(ladon_timeline *t, uint32_t key, bool add) {
  size_t i;
  if (add && 2 * (t->used + 1) > t->cap) {
    size_t ncap = t->cap * 2, j;
    tl_req *n = calloc(ncap, sizeof *n);
    if (n == NULL) return NULL;
    for (j = 0; j < t->cap; j++) {
      if (!t->reqs[j].key) continue;
      for (i = t->reqs[j].key * 2654435761u & (ncap - 1); n[i].key;
           i = (i + 1) & (ncap - 1)) {
      }
      n[i] = t->reqs[j];
    }
    free(t->reqs);
    t->reqs = n;
    t->cap = ncap;
  }
  for (i = key * 2654435761u & (t->cap - 1); t->reqs[i].key;
       i = (i + 1) & (t->cap - 1))
    if (t->reqs[i].key == key) return &t->reqs[i];
  if (!add) return NULL;
  t->used++;
  t->reqs[i].key = key;
  return &t->reqs[i];
}

static void end_req(ladon_timeline *t, tl_req *r, ladon_time_ps at,
                    bool unfinished) {
  begin(t, true);
  fprintf(t->out, "\"ph\":\"e\",\"cat\":\"request\",\"name\":\"request\","
                  "\"pid\":1,\"tid\":0,\"id\":%" PRIu64 ",\"ts\":", r->id);
  put_ts(t->out, at);
  if (unfinished) fputs(",\"args\":{\"unfinished\":true}", t->out);
  fputc('}', t->out);
  r->id = 0;
}

static void on_wire(void *ctx, const ladon_link *link, unsigned dir,
                    const ladon_tlp *tlp, ladon_time_ps start_ps,
                    ladon_time_ps end_ps, bool replay, uint32_t queued) {
  ladon_timeline *t = ctx;
  unsigned tid = track(t, link, dir);
  char text[256];
  /* On a multi-lane link consecutive packets may share a symbol time (the
  ** next one starts on the lane after the previous one's last byte, PCIe
  ** Base 6.0 §4.2.2.1): the slot times are whole symbols and overlap by
  ** less than one.  A track shows the wire in order, so a slice starts
  ** where the previous one ended (its length may then be zero). */
  if (start_ps < t->last_end[tid]) start_ps = t->last_end[tid];
  if (end_ps < start_ps) end_ps = start_ps;
  t->last_end[tid] = end_ps;
  ladon_tlp_format(tlp, text, sizeof text);
  if (begin(t, false)) {
    fprintf(t->out, "\"ph\":\"X\",\"cat\":\"tlp\",\"name\":");
    put_str(t->out, ladon_tlp_type_name((ladon_tlp_type)tlp->type));
    fprintf(t->out, ",\"pid\":1,\"tid\":%u,\"ts\":", tid);
    put_ts(t->out, start_ps);
    fputs(",\"dur\":", t->out);
    put_ts(t->out, end_ps - start_ps);
    fputs(",\"args\":{\"tlp\":", t->out);
    put_str(t->out, text);
    if (replay) fputs(",\"replay\":true", t->out);
    fputs("}}", t->out);
  }
  if (t->last_queued[tid] != queued + 1u && begin(t, false)) {
    t->last_queued[tid] = queued + 1u;
    fprintf(t->out, "\"ph\":\"C\",\"name\":\"queued %s.%s\",\"pid\":1,"
                    "\"tid\":%u,\"ts\":",
            ladon_link_name(link), dir == LADON_LINK_DOWN ? "down" : "up", tid);
    put_ts(t->out, start_ps);
    fprintf(t->out, ",\"args\":{\"tlps\":%" PRIu32 "}}", queued);
  }
  if (ladon_tlp_is_non_posted((ladon_tlp_type)tlp->type)) {
    tl_req *r = req_slot(t, req_key(tlp->req_id, tlp->tag), true);
    if (r == NULL) return;
    if (r->id != 0 && !r->done) return; /* the same request, a later hop */
    if (r->id != 0) end_req(t, r, r->end_ps, false); /* tag reused */
    if (t->events + 2 > t->max_events) {
      t->dropped += 2;
      return;
    }
    r->id = ++t->next_id;
    r->done = r->flowed = false;
    begin(t, false);
    fprintf(t->out, "\"ph\":\"b\",\"cat\":\"request\",\"name\":\"request\","
                    "\"pid\":1,\"tid\":0,\"id\":%" PRIu64 ",\"ts\":", r->id);
    put_ts(t->out, start_ps);
    fputs(",\"args\":{\"tlp\":", t->out);
    put_str(t->out, text);
    fputs("}}", t->out);
    begin(t, false);
    fprintf(t->out, "\"ph\":\"s\",\"cat\":\"flow\",\"name\":\"request\","
                    "\"pid\":1,\"tid\":%u,\"id\":%" PRIu64 ",\"ts\":", tid, r->id);
    put_ts(t->out, start_ps);
    fputc('}', t->out);
  } else if (ladon_tlp_is_completion((ladon_tlp_type)tlp->type)) {
    tl_req *r = req_slot(t, req_key(tlp->req_id, tlp->tag), false);
    if (r == NULL || r->id == 0 || r->flowed) return;
    r->flowed = true;
    if (!begin(t, false)) return;
    fprintf(t->out, "\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"flow\",\"name\":"
                    "\"request\",\"pid\":1,\"tid\":%u,\"id\":%" PRIu64 ",\"ts\":",
            tid, r->id);
    put_ts(t->out, start_ps);
    fputc('}', t->out);
  }
}

static void on_delivered(void *ctx, const ladon_link *link, unsigned dir,
                         const ladon_tlp *tlp, ladon_time_ps time_ps) {
  ladon_timeline *t = ctx;
  tl_req *r;
  (void)link;
  (void)dir;
  if (!ladon_tlp_is_completion((ladon_tlp_type)tlp->type)) return;
  r = req_slot(t, req_key(tlp->req_id, tlp->tag), false);
  if (r == NULL || r->id == 0) return;
  /* The last completion of a request: an error status, a Cpl, or a CplD
  ** whose remaining Byte Count ends within its payload (PCIe Base 6.0
  ** §2.3.1.1, §2.2.9). */
  if (tlp->status != LADON_TLP_CPL_SC || tlp->type == LADON_TLP_CPL ||
      (uint32_t)tlp->byte_count + (tlp->lower_addr & 3u) <=
          (uint32_t)tlp->length_dw * 4u) {
    r->done = true;
    r->end_ps = time_ps;
  }
}

static const ladon_link_observer observer = {on_wire, on_delivered};

ladon_timeline *ladon_fabric_timeline_open(ladon_fabric *f, FILE *out,
                                           uint64_t max_events,
                                           ladon_error *err) {
  ladon_timeline *t;
  size_t n, i;
  if (f == NULL || out == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "timeline: no fabric or file");
    return NULL;
  }
  n = ladon_fabric_link_count(f);
  t = calloc(1, sizeof *t);
  if (t) t->cap = 1024;
  if (t) t->reqs = calloc(t->cap, sizeof *t->reqs);
  if (t) t->last_queued = calloc(2 * n + 2, sizeof *t->last_queued);
  if (t) t->last_end = calloc(2 * n + 2, sizeof *t->last_end);
  if (t) t->tlps_at_open = calloc(2 * n + 2, sizeof *t->tlps_at_open);
  if (t == NULL || t->reqs == NULL || t->last_queued == NULL ||
      t->last_end == NULL || t->tlps_at_open == NULL) {
    if (t) {
      free(t->reqs);
      free(t->last_queued);
      free(t->last_end);
      free(t->tlps_at_open);
    }
    free(t);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  t->fabric = f;
  t->out = out;
  t->max_events = max_events ? max_events : LADON_TIMELINE_DEFAULT_MAX;
  t->first = true;
  fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
  /* Track names first: they do not count against the cap. */
  begin(t, true);
  fputs("\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,"
        "\"args\":{\"name\":", out);
  put_str(out, ladon_fabric_name(f)[0] ? ladon_fabric_name(f) : "fabric");
  fputs("}}", out);
  begin(t, true);
  fputs("\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":0,"
        "\"args\":{\"name\":\"requests\"}}", out);
  for (i = 0; i < n; i++) {
    ladon_link *l = ladon_fabric_link(f, i);
    unsigned d;
    for (d = 0; d < 2; d++) {
      char name[300];
      ladon_link_counters c;
      snprintf(name, sizeof name, "link %s.%s", ladon_link_name(l),
               d == LADON_LINK_DOWN ? "down" : "up");
      if (ladon_link_counters_get(l, d, &c) == LADON_OK)
        t->tlps_at_open[1u + 2u * i + d] = c.tlps;
      begin(t, true);
      fprintf(out, "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,"
                   "\"tid\":%u,\"args\":{\"name\":", 1u + 2u * (unsigned)i + d);
      put_str(out, name);
      fputs("}}", out);
    }
  }
  t->events = 0;
  for (i = 0; i < n; i++) {
    if (ladon_link_observe(ladon_fabric_link(f, i), &observer, t) != LADON_OK) {
      while (i--) ladon_link_unobserve(ladon_fabric_link(f, i), t);
      free(t->reqs);
      free(t->last_queued);
      free(t->last_end);
      free(t->tlps_at_open);
      free(t);
      ladon__error_set(err, LADON_EFULL, NULL, 0, 0,
                       "timeline: a link has too many observers");
      return NULL;
    }
  }
  return t;
}

ladon_status ladon_timeline_close(ladon_timeline *t) {
  size_t i, n;
  ladon_time_ps now;
  int bad;
  if (t == NULL) return LADON_OK;
  n = ladon_fabric_link_count(t->fabric);
  for (i = 0; i < n; i++) ladon_link_unobserve(ladon_fabric_link(t->fabric, i), t);
  now = ladon_sim_now(ladon_fabric_sim(t->fabric));
  /* Every async begin gets its end: at its last completion, or at the end
  ** of the run for requests still outstanding. */
  for (i = 0; i < t->cap; i++) {
    tl_req *r = &t->reqs[i];
    if (r->key && r->id) end_req(t, r, r->done ? r->end_ps : now, !r->done);
  }
  fprintf(t->out, "\n],\"otherData\":{\"tool\":\"ladon\",\"events\":%" PRIu64
                  ",\"max_events\":%" PRIu64 ",\"truncated\":%s,"
                  "\"dropped_events\":%" PRIu64 ",\"tlps_at_open\":{",
          t->events, t->max_events, t->dropped ? "true" : "false", t->dropped);
  /* TLPs the links had carried before the timeline started (enumeration),
  ** so that a reader can relate slices to the run's link counters. */
  for (i = 0; i < 2 * n; i++) {
    char name[300];
    snprintf(name, sizeof name, "%s.%s",
             ladon_link_name(ladon_fabric_link(t->fabric, i / 2)),
             i % 2 == LADON_LINK_DOWN ? "down" : "up");
    fputs(i ? "," : "", t->out);
    put_str(t->out, name);
    fprintf(t->out, ":%" PRIu64, t->tlps_at_open[1 + i]);
  }
  fputs("}}}\n", t->out);
  bad = ferror(t->out);
  free(t->reqs);
  free(t->last_queued);
  free(t->last_end);
  free(t->tlps_at_open);
  free(t);
  return bad ? LADON_EIO : LADON_OK;
}
