/*
** The ordering table, PCIe Base 6.0 §2.4.1 Table 2-42 (5.0: Table 2-40).
** Rows are the later transaction, columns the earlier one.
*/
#include "pcie/ordering_int.h"
#include "pcie/tlp_int.h"

static bool is_read(unsigned t) {
  return t == LADON_TLP_MRD || t == LADON_TLP_MRDLK || t == LADON_TLP_IORD ||
         t == LADON_TLP_CFGRD0 || t == LADON_TLP_CFGRD1;
}

/* Both carry a PASID and the PASIDs differ (A2b, B2b, C2b, 6.0 text). */
static bool pasids_differ(const ladon_tlp *a, const ladon_tlp *b) {
  return (a->flags & LADON_TLP_F_PASID) && (b->flags & LADON_TLP_F_PASID) &&
         a->pasid != b->pasid;
}

/* IDO exception of A2b / B2b / C2b: IDO set on the later request and the
** Requester IDs differ, or the same Requester ID with different PASIDs. */
static bool ido_request_exception(const ladon_tlp *later,
                                  const ladon_tlp *earlier) {
  if (!(later->attr & LADON_TLP_ATTR_IDO)) return false;
  return later->req_id != earlier->req_id || pasids_differ(later, earlier);
}

ladon__pass ladon__order_may_pass(const ladon_tlp *later,
                                  const ladon_tlp *earlier) {
  ladon_tlp_class row = ladon__tlp_class(later->type);
  ladon_tlp_class col = ladon__tlp_class(earlier->type);
  bool ro = (later->attr & LADON_TLP_ATTR_RO) != 0;

  if (col == LADON_TLP_CLASS_P) {
    switch (row) {
      case LADON_TLP_CLASS_P:
        /* A2a / A2b: a posted request with RO, or with IDO and another
        ** Requester ID (or PASID), is permitted to pass. */
        return ro || ido_request_exception(later, earlier) ? LADON__PASS_MAY
                                                           : LADON__PASS_NO;
      case LADON_TLP_CLASS_NP:
        /* B2a / B2b: reads pass only by IDO.  C2a / C2b: NPRs with data
        ** also by RO. */
        if (ido_request_exception(later, earlier)) return LADON__PASS_MAY;
        if (!is_read(later->type) && ro) return LADON__PASS_MAY;
        return LADON__PASS_NO;
      case LADON_TLP_CLASS_CPL:
        /* D2a / D2b: RO, or IDO with a Completer ID other than the posted
        ** request's Requester ID. */
        if (ro) return LADON__PASS_MAY;
        if ((later->attr & LADON_TLP_ATTR_IDO) &&
            later->cpl_id != earlier->req_id)
          return LADON__PASS_MAY;
        return LADON__PASS_NO;
      default:
        return LADON__PASS_NO;
    }
  }
  if (col == LADON_TLP_CLASS_NP) {
    /* A3, A4: posted requests must be able to pass non-posted ones;
    ** D3, D4: so must completions; B3..C4: no requirement. */
    return row == LADON_TLP_CLASS_NP ? LADON__PASS_MAY : LADON__PASS_YES;
  }
  if (col == LADON_TLP_CLASS_CPL) {
    /* A5a, B5, C5: permitted.  D5a: completions of different Transaction
    ** IDs may pass each other; D5b: of the same Transaction ID must not. */
    if (row == LADON_TLP_CLASS_CPL && later->req_id == earlier->req_id &&
        later->tag == earlier->tag)
      return LADON__PASS_NO;
    return LADON__PASS_MAY;
  }
  return LADON__PASS_NO;
}

bool ladon__order_head_may_pass_posted(const ladon__txq_entry *head,
                                       const ladon__txq *p) {
  uint32_t i;
  for (i = 0; i < p->len; i++) {
    const ladon__txq_entry *e = ladon__txq_at(p, i);
    if (e->stamp > head->stamp) break; /* younger: nothing to pass */
    if (ladon__order_may_pass(head->tlp, e->tlp) == LADON__PASS_NO)
      return false;
  }
  return true;
}
