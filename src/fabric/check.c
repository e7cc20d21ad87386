/*
** ladon_check_run(): requesters, the static walk of each, forged requester
** IDs, then the probes (check_int.h).
*/
#include <stdlib.h>
#include <string.h>

#include "fabric/check_int.h"
#include "sim/error_int.h"

ladon_status ladon_check_run(ladon_fabric *f, const ladon_check_options *opts,
                             ladon_check **out, ladon_error *err) {
  if (f == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "check: no fabric");
  *out = NULL;
  ladon_check *c = calloc(1, sizeof *c);
  if (c == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  c->f = f;
  c->cur_req = UINT32_MAX;
  ladon_status st = ladon__ck_requesters(c);
  size_t n = c->n_reqs;
  for (size_t i = 0; st == LADON_OK && i < n; i++) ladon__ck_walk_requester(c, (uint32_t)i);
  if (st == LADON_OK) ladon__ck_forgery(c);
  ladon__ck_static_free(c); /* probes change counters, not tables; still */
  if (st == LADON_OK && c->oom) st = LADON_ENOMEM;
  if (st == LADON_OK && !(opts && opts->no_probes)) {
    uint32_t cap = opts && opts->max_probes ? opts->max_probes : LADON_CHECK_DEFAULT_PROBES;
    st = ladon__ck_probe(c, cap, err);
  }
  if (st == LADON_OK) ladon__ck_finish(c);
  if (st == LADON_OK && c->oom) st = LADON_ENOMEM;
  if (st != LADON_OK) {
    ladon_check_free(c);
    if (err && err->code == LADON_OK)
      ladon__error_set(err, st, NULL, 0, 0, "check: %s", ladon_strerror(st));
    return st;
  }
  *out = c;
  return LADON_OK;
}
